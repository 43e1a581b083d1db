// dbg_format.h — printf as DbgPrint understands it (seed 003 §2.3 debugging aids): C conversions
// plus Windows' %wZ/%Z (PUNICODE_STRING/PANSI_STRING), %ws/%ls/%S and %wc/%lc/%C with 16-bit WCHAR
// (drivers build with -fshort-wchar, so glibc's 32-bit %ls must never see their strings), and
// the I64/I32/I size prefixes.
#pragma once

#include <cstdarg>
#include <string>

namespace strata::ntos {

// Formats `format` with the arguments in `args` (consumed). A NULL format gives "".
std::string format_windows(const char* format, va_list args);

}  // namespace strata::ntos
