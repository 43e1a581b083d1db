# CMake package for out-of-tree drivers: find_package(Strata) then strata_add_driver(name src.c)
# (and strata_wpp(name) for sources that trace with WPP).
include(${CMAKE_CURRENT_LIST_DIR}/StrataTargets.cmake)
if(NOT DEFINED STRATA_DRIVER_OUTPUT_DIRECTORY)
  set(STRATA_DRIVER_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/drivers)
endif()
include(${CMAKE_CURRENT_LIST_DIR}/StrataDriver.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/StrataWpp.cmake)
