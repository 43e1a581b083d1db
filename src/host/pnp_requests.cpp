// pnp_requests.cpp — the host's "pnp" control request behind `strata pnp DEVICE ACTION` (issue 7
// part 1, seed 003 §2.9): what Windows' PnP and power managers ask of NDIS for one device —
// setpower D0..D3, query-remove, cancel-remove, remove (a PnP stop of the running device: query
// first, then unbind and halt; the device stays installed), reconfigure and wake on|off (the
// adapter's wake-up enabled or not: NetEventPnPCapabilities to its bindings). ndis/power.h does
// the NDIS side.
#include "host/service_host.h"

#include <algorithm>
#include <iterator>
#include <optional>

#include "host/oid_table.h"
#include "ndis/library.h"
#include "ndis/power.h"

namespace strata::host {
namespace {

std::optional<NDIS_DEVICE_POWER_STATE> parse_power_state(const std::string& text) {
    static constexpr std::pair<const char*, NDIS_DEVICE_POWER_STATE> kStates[] = {
        {"D0", NdisDeviceStateD0}, {"D1", NdisDeviceStateD1}, {"D2", NdisDeviceStateD2}, {"D3", NdisDeviceStateD3}};
    for (const auto& [name, state] : kStates)
        if (ndis::iequals(text, name)) return state;
    return std::nullopt;
}

nlohmann::json outcome_json(const ndis::PnpOutcome& outcome) {
    return {{"status", status_name(outcome.status)},
            {"status_code", static_cast<std::uint32_t>(outcome.status)},
            {"vetoed_by", outcome.vetoed_by},
            {"notes", outcome.notes}};
}

}  // namespace

// {"cmd":"pnp","device":NAME,"action":ACTION[,"state":"D0".."D3"]}. An unknown device, action or
// state, or a device that is not running, is a HostError; a veto or a failed transition is in
// the reply's status (the strata command makes it exit 1).
nlohmann::json ServiceHost::pnp(const nlohmann::json& request) {
    std::string name = request.value("device", "");
    std::string action = request.value("action", "");
    std::optional<netcfg::Device> device;
    for (const netcfg::Device& d : netcfg::devices(host_->registry()))
        if (ndis::iequals(d.name, name) || ndis::iequals(d.device_name, name)) device = d;
    std::string device_name = device ? device->device_name : name;
    if (!device && ndis::find_power_device(name) == nullptr)
        throw HostError("no device named " + name + " (see strata device list)");
    static const char* const kActions[] = {"setpower", "query-remove", "cancel-remove", "remove", "reconfigure", "wake"};
    if (std::none_of(std::begin(kActions), std::end(kActions), [&](const char* a) { return action == a; }))
        throw HostError("pnp: unknown action \"" + action +
                        "\" (setpower, query-remove, cancel-remove, remove, reconfigure or wake)");
    ndis::Miniport* m = ndis::find_power_device(device_name);
    if (m == nullptr) throw HostError("device " + name + " is not running");

    nlohmann::json reply = {{"device", name}, {"device_name", device_name}, {"action", action}};
    ndis::PnpOutcome outcome;
    if (action == "setpower") {
        std::optional<NDIS_DEVICE_POWER_STATE> state = parse_power_state(request.value("state", ""));
        if (!state)
            throw HostError("pnp setpower: bad state \"" + request.value("state", "") + "\" (D0, D1, D2 or D3)");
        outcome = ndis::set_power(*m, *state);
    } else if (action == "query-remove") {
        outcome = ndis::query_remove(*m);
    } else if (action == "cancel-remove") {
        ndis::cancel_remove(*m);
    } else if (action == "reconfigure") {
        outcome = ndis::reconfigure(*m);
    } else if (action == "wake") {
        std::string setting = request.value("state", "");
        if (setting != "on" && setting != "off") throw HostError("pnp wake: bad setting \"" + setting + "\" (on or off)");
        outcome = ndis::set_wake_up(*m, setting == "on");
    } else {
        if (!device) throw HostError("pnp remove: " + name + " is not an installed device (see strata device list)");
        outcome = ndis::query_remove(*m);
        if (outcome.vetoed_by.empty()) {
            stop_device(device->name);
            forget_edges_of_gone_devices();
        }
    }
    reply.update(outcome_json(outcome));
    if (ndis::Miniport* now = ndis::find_power_device(device_name))
        reply["power"] = ndis::power_state_name(now->power_state.load());
    return reply;
}

}  // namespace strata::host
