// irql.h — per-thread IRQL (DESIGN.md "Execution model"); the fast inline accessors used by
// every module. KeGetCurrentIrql/KfRaiseIrql/KeLowerIrql are the exported wrappers (irql.cpp).
#pragma once

#include <wdm.h>

#include <string_view>

namespace strata::ntos {

// Each thread starts at PASSIVE_LEVEL; processor threads run DPCs at DISPATCH_LEVEL.
// constinit: no dynamic initialisation, so reads compile to one TLS load (no wrapper call).
extern thread_local constinit KIRQL tls_irql;

inline KIRQL current_irql() noexcept { return tls_irql; }
inline bool at_dispatch() noexcept { return tls_irql >= DISPATCH_LEVEL; }

// Reports Rule::IrqlTooHigh for `function` (the caller is above `max`); out of line, cold.
void report_irql_too_high(std::string_view function, KIRQL max, const void* object) noexcept;

// The documented-maximum-IRQL check every entry point makes: true when the caller may proceed
// normally, false (after one verifier report) when it is above `max`.
inline bool irql_at_most(KIRQL max, std::string_view function, const void* object = nullptr) noexcept {
    if (tls_irql <= max) [[likely]] return true;
    report_irql_too_high(function, max, object);
    return false;
}

// Raises to `level` for the lifetime of the object; restores the previous IRQL.
class IrqlRaise {
public:
    explicit IrqlRaise(KIRQL level) noexcept : previous_(tls_irql) { if (level > previous_) tls_irql = level; }
    ~IrqlRaise() { tls_irql = previous_; }
    IrqlRaise(const IrqlRaise&) = delete;
    IrqlRaise& operator=(const IrqlRaise&) = delete;
private:
    KIRQL previous_;
};

}  // namespace strata::ntos
