# coverage.cmake — Ddk.AllCallsCoverage: every function and macro the driver headers declare must
# appear in all_calls.c, so a header gaining a declaration cannot skip the compile-and-link check.
#   cmake -DINCLUDE_DIR=<include> -DSOURCE=<all_calls.c> -P coverage.cmake
# Scans sal.h, driverspecs.h, ntdef.h, wdm.h, ntddk.h, ntifs.h, ndis.h, ndis/*.h, wsk.h, ws2def.h
# and ws2ipdef.h for `#define NAME`, for declarations that start with NDISAPI, NTKERNELAPI,
# NTSYSAPI, NTHALAPI or FORCEINLINE or name WSKAPI before the function, for `extern` data
# (NPI_WSK_INTERFACE_ID, in6addr_any, PsThreadType) and for the WSK dispatch-table members
# (`PFN_WSK_BIND WskBind;`: the provider functions a client calls and the event callbacks it
# implements). Names of our own (Strata…, STRATA_…) are helpers behind documented macros and are
# not required. strata/wpp.h is Ddk.Wpp's (tests/drivers/wpptrace.c).
if(NOT INCLUDE_DIR OR NOT SOURCE)
  message(FATAL_ERROR "usage: cmake -DINCLUDE_DIR=<dir> -DSOURCE=<file> -P coverage.cmake")
endif()

file(GLOB ndis_parts "${INCLUDE_DIR}/ndis/*.h")
set(headers
  "${INCLUDE_DIR}/sal.h" "${INCLUDE_DIR}/driverspecs.h" "${INCLUDE_DIR}/ntdef.h"
  "${INCLUDE_DIR}/wdm.h" "${INCLUDE_DIR}/ntddk.h" "${INCLUDE_DIR}/ntifs.h" "${INCLUDE_DIR}/ndis.h"
  ${ndis_parts} "${INCLUDE_DIR}/wsk.h" "${INCLUDE_DIR}/ws2def.h" "${INCLUDE_DIR}/ws2ipdef.h")

set(names "")
foreach(header IN LISTS headers)
  file(READ "${header}" text)
  set(text "\n${text}")
  # Join continued lines so a multi-line declaration reads as one.
  string(REPLACE "\\\n" " " text "${text}")
  string(REGEX MATCHALL "\n[ \t]*#[ \t]*define[ \t]+[A-Za-z_][A-Za-z0-9_]*" defines "${text}")
  foreach(d IN LISTS defines)
    string(REGEX REPLACE ".*define[ \t]+" "" n "${d}")
    list(APPEND names "${n}")
  endforeach()
  set(decl "\n(NDISAPI|NTKERNELAPI|NTSYSAPI|NTHALAPI|FORCEINLINE)[^(;{]*[ \t*][A-Za-z_][A-Za-z0-9_]*[ \t]*\\(")
  string(REGEX MATCHALL "${decl}" decls "${text}")
  foreach(d IN LISTS decls)
    string(REGEX REPLACE ".*[ \t*]([A-Za-z_][A-Za-z0-9_]*)[ \t]*\\($" "\\1" n "${d}")
    list(APPEND names "${n}")
  endforeach()
  string(REGEX MATCHALL "\n[^\n;{(]*WSKAPI[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]*\\(" decls "${text}")
  foreach(d IN LISTS decls)
    string(REGEX REPLACE ".*WSKAPI[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*\\($" "\\1" n "${d}")
    list(APPEND names "${n}")
  endforeach()
  # (No ';' in these patterns: a match holding one would split into two list elements.)
  string(REGEX MATCHALL "\nextern[^\n;(]*[ \t*][A-Za-z_][A-Za-z0-9_]*" data "${text}")
  foreach(d IN LISTS data)
    string(REGEX REPLACE ".*[ \t*]([A-Za-z_][A-Za-z0-9_]*)$" "\\1" n "${d}")
    list(APPEND names "${n}")
  endforeach()
  string(REGEX MATCHALL "PFN_WSK_[A-Z_]+[ \t]+Wsk[A-Za-z]+" members "${text}")
  foreach(m IN LISTS members)
    string(REGEX REPLACE ".*[ \t](Wsk[A-Za-z]+)$" "\\1" n "${m}")
    list(APPEND names "${n}")
  endforeach()
endforeach()
list(REMOVE_DUPLICATES names)
list(FILTER names EXCLUDE REGEX "^(STRATA_|Strata)")

file(READ "${SOURCE}" source)
set(source " ${source} ")
set(missing "")
foreach(n IN LISTS names)
  if(NOT source MATCHES "[^A-Za-z0-9_]${n}[^A-Za-z0-9_]")
    list(APPEND missing "${n}")
  endif()
endforeach()

list(LENGTH names total)
if(missing)
  list(LENGTH missing count)
  list(JOIN missing " " text)
  message(FATAL_ERROR "${SOURCE} does not use ${count} of ${total} declared names: ${text}")
endif()
message(STATUS "all_calls.c uses all ${total} functions and macros the driver headers declare")
