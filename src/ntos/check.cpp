// check.cpp — report formatting for the ntos verifier checks (DESIGN.md "Verifier").
#include "ntos/check.h"

#include <string>

namespace strata::ntos {

void report_violation(verifier::Rule rule, const void* object, std::string_view function, std::string_view what) noexcept {
    try {
        std::string message(function);
        message.append(": ").append(what);
        verifier::report(rule, {}, object, message);
    } catch (...) {
        // Out of memory while formatting: the bare function name still counts the report.
        verifier::report(rule, {}, object, function);
    }
}

}  // namespace strata::ntos
