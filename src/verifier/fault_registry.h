// fault_registry.h — fault injection rules kept in the registry for the next host start (issue 7
// §4), so a call can be failed inside a DriverEntry or a first MiniportInitialize, the way Driver
// Verifier's low resources simulation settings wait in the registry for the next boot. Stored
// beside the registry switch as VerifierFaultRules (REG_MULTI_SZ), one rule per string:
// "NdisAllocatePacketPool every=3 seed=0" or "NdisRequest probability=0.1 seed=7".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "verifier/fault.h"

namespace strata::registry { class Registry; }

namespace strata::verifier {

inline constexpr std::string_view kFaultRulesValue = "VerifierFaultRules";

struct StoredFault {
    fault::FaultCall call;
    fault::Rule rule;
};

std::string fault_text(const StoredFault& stored);
// One entry as fault_text writes it; std::invalid_argument saying what is wrong.
StoredFault parse_fault(std::string_view text);

// The stored rules; std::invalid_argument naming the key, the value, the entry and what is
// wrong with it.
std::vector<StoredFault> read_fault_rules(registry::Registry& reg);
// Replaces the stored rule of the same call, or adds it.
void store_fault_rule(registry::Registry& reg, const StoredFault& stored);
// Removes `call`'s rule, or every rule; false when there was nothing to remove.
bool clear_fault_rules(registry::Registry& reg, std::optional<fault::FaultCall> call);

// At host start: arms every stored rule (read_fault_rules's errors propagate).
void arm_stored_faults(registry::Registry& reg);

}  // namespace strata::verifier
