// irql.cpp — per-thread IRQL and its exported accessors (DESIGN.md "Execution model", seed 003 §2.1).
#include "ntos/irql.h"

#include <cstdio>

#include "ntos/check.h"

namespace strata::ntos {

thread_local constinit KIRQL tls_irql = PASSIVE_LEVEL;

void report_irql_too_high(std::string_view function, KIRQL max, const void* object) noexcept {
    char what[64];
    std::snprintf(what, sizeof what, "called at IRQL %u (maximum %u)", unsigned{tls_irql}, unsigned{max});
    report_violation(verifier::Rule::IrqlTooHigh, object, function, what);
}

namespace {

// Windows bugchecks IRQL_NOT_GREATER_OR_EQUAL / IRQL_NOT_LESS_OR_EQUAL here; we report and keep
// the current level, which is the least surprising state for the rest of the caller's code.
void report_wrong_direction(const char* function, KIRQL requested) noexcept {
    char what[96];
    std::snprintf(what, sizeof what, "to IRQL %u from IRQL %u goes the wrong way; IRQL left unchanged",
                  unsigned{requested}, unsigned{tls_irql});
    report_violation(verifier::Rule::BadCall, nullptr, function, what);
}

}  // namespace
}  // namespace strata::ntos

using strata::ntos::tls_irql;

/* KeGetCurrentIrql (wdm.h) — seed 003 §2.1 — any IRQL */
extern "C" KIRQL NTAPI KeGetCurrentIrql(VOID) { return tls_irql; }

/* KfRaiseIrql (wdm.h) — seed 003 §2.1 — NewIrql >= current IRQL */
extern "C" KIRQL NTAPI KfRaiseIrql(KIRQL NewIrql) {
    KIRQL old = tls_irql;
    if (NewIrql < old) {
        strata::ntos::report_wrong_direction("KfRaiseIrql", NewIrql);
        return old;
    }
    tls_irql = NewIrql;
    return old;
}

/* KeLowerIrql (wdm.h) — seed 003 §2.1 — NewIrql <= current IRQL */
extern "C" VOID NTAPI KeLowerIrql(KIRQL NewIrql) {
    if (NewIrql > tls_irql) {
        strata::ntos::report_wrong_direction("KeLowerIrql", NewIrql);
        return;
    }
    tls_irql = NewIrql;
}

/* KeRaiseIrqlToDpcLevel (wdm.h) — seed 003 §2.1 — IRQL <= DISPATCH_LEVEL */
extern "C" KIRQL NTAPI KeRaiseIrqlToDpcLevel(VOID) { return KfRaiseIrql(DISPATCH_LEVEL); }
