// control.cpp — the verifier's control requests (control.h).
#include "verifier/control.h"

#include <stdexcept>
#include <string>

#include "verifier/fault.h"
#include "verifier/report_file.h"

namespace strata::verifier {
namespace {

fault::FaultCall call_named(const nlohmann::json& request) {
    std::string name = request.value("call", "");
    std::optional<fault::FaultCall> call = fault::fault_call_from_name(name);
    if (!call) throw std::invalid_argument("no fallible call named \"" + name + "\" (see strata verifier fault --help)");
    return *call;
}

}  // namespace

bool is_verifier_request(const nlohmann::json& request) {
    return request.value("cmd", "").starts_with("verifier-");
}

nlohmann::json fault_rule_json(fault::FaultCall call, const fault::Rule& rule) {
    nlohmann::json entry = {{"call", fault::fault_call_name(call)}, {"seed", rule.seed}};
    if (rule.every != 0) entry["every"] = rule.every;
    else entry["probability"] = rule.probability;
    return entry;
}

nlohmann::json armed_json() {
    nlohmann::json list = nlohmann::json::array();
    for (const fault::Armed& a : fault::armed()) {
        nlohmann::json entry = fault_rule_json(a.call, a.rule);
        entry["calls"] = a.calls;
        entry["injected"] = a.injected;
        list.push_back(entry);
    }
    return list;
}

nlohmann::json handle_request(const nlohmann::json& request) {
    std::string cmd = request.value("cmd", "");
    if (cmd == "verifier-report") return reports_json();
    if (cmd == "verifier-fault-list") return {{"armed", armed_json()}};
    if (cmd == "verifier-fault-clear") {
        if (request.contains("call")) fault::disarm(call_named(request));
        else fault::disarm_all();
        return {{"armed", armed_json()}};
    }
    if (cmd == "verifier-fault") {
        fault::FaultCall call = call_named(request);
        fault::Rule rule;
        if (request.contains("every")) {
            if (!request["every"].is_number_unsigned() || request["every"].get<std::uint64_t>() == 0)
                throw std::invalid_argument("--every must be a whole number from 1");
            rule.every = request["every"].get<std::uint64_t>();
        }
        if (request.contains("probability")) {
            if (!request["probability"].is_number()) throw std::invalid_argument("--probability must be a number");
            rule.probability = request["probability"].get<double>();
        }
        if (request.contains("seed")) {
            if (!request["seed"].is_number_unsigned()) throw std::invalid_argument("--seed must be a whole number");
            rule.seed = request["seed"].get<std::uint64_t>();
        }
        if (std::string why = fault::check_rule(rule); !why.empty()) throw std::invalid_argument(why);
        fault::arm(call, rule);
        return {{"armed", armed_json()}};
    }
    throw std::invalid_argument("unknown control request \"" + cmd + "\"");
}

}  // namespace strata::verifier
