# strata_add_driver(<service> SOURCES...) — builds <service>.sys, an ELF shared object that the
# strata host loads like Windows loads a driver image, compiled with the Windows data model.
function(strata_add_driver service)
  add_library(${service} MODULE ${ARGN})
  set_target_properties(${service} PROPERTIES
    PREFIX "" SUFFIX ".sys" OUTPUT_NAME ${service}
    C_STANDARD 11 C_EXTENSIONS ON
    LIBRARY_OUTPUT_DIRECTORY ${STRATA_DRIVER_OUTPUT_DIRECTORY})
  # The same flags as strata-ddk.pc (why: cmake/strata-ddk.pc.in).
  target_compile_options(${service} PRIVATE -fshort-wchar -Wno-unknown-pragmas -fno-optimize-sibling-calls)
  if(TARGET Strata::strata)
    target_link_libraries(${service} PRIVATE Strata::strata)
  else()
    target_link_libraries(${service} PRIVATE strata)
  endif()
  target_link_options(${service} PRIVATE -Wl,--no-undefined)
endfunction()

# strata_add_driver_inf(<inf>...) — copies a driver's INF files next to the built .sys images,
# where `strata install build/drivers/<file>.inf` finds the files its CopyFiles sections name.
function(strata_add_driver_inf)
  foreach(inf ${ARGN})
    configure_file(${CMAKE_CURRENT_SOURCE_DIR}/${inf} ${STRATA_DRIVER_OUTPUT_DIRECTORY}/${inf} COPYONLY)
  endforeach()
endfunction()
