// diagnostic.h — one finding about an INF file, `file:line: CODE: message` (DESIGN.md "netcfg").
// The parser reports syntax findings, the linter network-rule findings; both use these codes,
// which are stable and documented in docs/lint.md.
#pragma once

#include <string>
#include <string_view>

namespace strata::netcfg {

// Where a line came from. Lines of Include'd files keep their own file name.
struct SourceLocation {
    std::string file;  // as the user named it (path given on the command line, or the Include'd name)
    unsigned line = 0; // 1-based; 0 when the finding is about the whole file
};

enum class Severity { Warning, Error };

struct Diagnostic {
    SourceLocation where;
    std::string code;     // e.g. "INF1003", "NET2101"; see docs/lint.md
    Severity severity = Severity::Error;
    std::string message;  // one line, no trailing period

    // "file:line: CODE: message" ("file: CODE: message" when line is 0).
    std::string format() const;
};

}  // namespace strata::netcfg
