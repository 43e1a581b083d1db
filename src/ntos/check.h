// check.h — the cheap verifier checks every ntos entry point makes (DESIGN.md "Verifier"):
// a mistake becomes one report naming the function, never a crash or a silent hang.
#pragma once

#include <string_view>

#include "verifier/verifier.h"

namespace strata::ntos {

// Reports `rule` against `object` as "function: what". Never throws.
void report_violation(verifier::Rule rule, const void* object, std::string_view function, std::string_view what) noexcept;

// NULL where the documentation does not allow it: reports Rule::NullParameter, returns false.
inline bool non_null(const void* pointer, std::string_view function) noexcept {
    if (pointer != nullptr) [[likely]] return true;
    report_violation(verifier::Rule::NullParameter, nullptr, function, "NULL parameter");
    return false;
}

}  // namespace strata::ntos
