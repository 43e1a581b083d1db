// lint.h — `strata lint`: the network-INF linter (seed 003 §4.2; InfVerif's role for network
// INFs). Findings are the parser's syntax codes (INF1xxx) and the network rules (NET2xxx),
// each `file:line: CODE: message`; every code, its severity and source is in docs/lint.md.
//
// Severity: an error is what would stop Windows from installing the file; a documented
// recommendation Windows does not enforce is a warning.
#pragma once

#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "netcfg/diagnostic.h"
#include "netcfg/inf.h"

namespace strata::netcfg {

// Every finding about `inf`: its syntax diagnostics plus the network rules, sorted by file,
// then line (stable, so findings on one line keep the order the rules ran in).
// When `inf` was loaded from disk (path() non-empty) and is a filter service INF, the filter
// device INF its Ndi\FilterDeviceInfFile names is read from the same directory and checked
// against it (NET2609–NET2611, NET2614). Any thread; reads only `inf` and that one file.
std::vector<Diagnostic> lint(const InfFile& inf);

// `strata lint FILE.inf…`: lints each file in turn, printing its findings to `out`, one
// Diagnostic::format() line each. A file that cannot be read prints one line
// "FILE: cannot read: REASON" to `err` and counts as an error.
// Returns 0 when nothing was found, 1 when only warnings were, 2 when any error was.
int run_lint(std::span<const std::string> files, std::ostream& out, std::ostream& err);

}  // namespace strata::netcfg
