// report_file.h — the verifier's reports as JSON (issue 7 §4, `strata verifier report`): the
// running host answers with them, and writes them to <root>/verifier-report.json when it stops
// so a stopped host's reports are still there to read.
#pragma once

#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "verifier/verifier.h"

namespace strata::verifier {

inline std::filesystem::path report_file_path(const std::filesystem::path& root) {
    return root / "verifier-report.json";
}

// {"enabled", "all", "total", "counts": {rule: n}, "reports": [{driver, rule, object, message,
// backtrace: [frame, ...]}]}: every kept report, oldest first; frames as backtrace_symbols
// names them (image path, symbol, offset).
nlohmann::json reports_json();

// Written atomically (a temporary file renamed over the old one); false when it could not be.
bool write_report_file(const std::filesystem::path& root);

}  // namespace strata::verifier
