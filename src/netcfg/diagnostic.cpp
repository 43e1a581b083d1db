// diagnostic.cpp — printing one INF finding as `file:line: CODE: message` (DESIGN.md "netcfg";
// seed 003 ch. 4). The same shape as compiler messages, so editors can jump to the line.
#include "netcfg/diagnostic.h"

namespace strata::netcfg {

// Any thread; pure.
std::string Diagnostic::format() const {
    std::string out = where.file;
    if (where.line != 0) out += ":" + std::to_string(where.line);
    out += ": ";
    out += code;
    out += ": ";
    out += message;
    return out;
}

}  // namespace strata::netcfg
