// control.h — the host's verifier control requests (issue 7 §4), served for `strata verifier`:
//   {"cmd":"verifier-report"}                       every kept report (report_file.h)
//   {"cmd":"verifier-fault","call":N,"every":N | "probability":P[,"seed":S]}  arm a call
//   {"cmd":"verifier-fault-clear"[,"call":N]}       disarm one call or all
//   {"cmd":"verifier-fault-list"}                   armed calls with their counts
#pragma once

#include <nlohmann/json.hpp>

#include "verifier/fault.h"

namespace strata::verifier {

// True for a "cmd" handle_request serves.
bool is_verifier_request(const nlohmann::json& request);
// The reply; a bad request throws std::invalid_argument with one line naming what is wrong.
nlohmann::json handle_request(const nlohmann::json& request);

// One rule as JSON: {"call", "every"|"probability", "seed"}.
nlohmann::json fault_rule_json(fault::FaultCall call, const fault::Rule& rule);
// fault::armed() as JSON: [{"call", "every"|"probability", "seed", "calls", "injected"}].
nlohmann::json armed_json();

}  // namespace strata::verifier
