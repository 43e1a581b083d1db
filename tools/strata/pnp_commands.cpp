// pnp_commands.cpp — `strata pnp DEVICE ACTION [STATE]` (issue 7 part 1, seed 003 §2.9): what
// Windows' PnP and power managers ask of NDIS for one device of the running host.
//   setpower D0|D1|D2|D3  NetEventQueryPower/NetEventSetPower to the bindings and OID_PNP_*_POWER
//                         to the miniport (and the IM virtual miniports above it) in the
//                         documented order; a legacy miniport is halted for sleep.
//   query-remove          NetEventQueryRemoveDevice to every binding; a veto exits 1.
//   cancel-remove         NetEventCancelRemoveDevice to every binding.
//   remove                query-remove, then unbind and halt (a PnP stop: the device stays
//                         installed; `strata device remove` uninstalls it).
//   reconfigure           NetEventReconfigure to every binding.
//   wake on|off           the adapter's wake-up enabled or not: NetEventPnPCapabilities (with
//                         NDIS_DEVICE_WAKE_UP_ENABLE) to every binding.
// Exit 0 on success, 1 for a veto or a failed transition, 2 for an unknown device, action or state.
#include <algorithm>
#include <cstdio>
#include <iterator>
#include <memory>

#include "cli.h"

namespace strata::cli {
namespace {

struct PnpOptions {
    std::string device;
    std::string action;
    std::string state;
};

void run_pnp(const Context& context, const PnpOptions& options) {
    static const char* const kActions[] = {"setpower", "query-remove", "cancel-remove", "remove", "reconfigure", "wake"};
    if (std::none_of(std::begin(kActions), std::end(kActions), [&](const char* a) { return options.action == a; }))
        throw UsageError("pnp: unknown action \"" + options.action +
                         "\" (setpower, query-remove, cancel-remove, remove, reconfigure or wake)");
    nlohmann::json request = {{"cmd", "pnp"}, {"device", options.device}, {"action", options.action}};
    if (options.action == "setpower") {
        static const char* const kStates[] = {"D0", "D1", "D2", "D3"};
        if (std::none_of(std::begin(kStates), std::end(kStates), [&](const char* s) { return options.state == s; }))
            throw UsageError("pnp setpower: bad state \"" + options.state + "\" (D0, D1, D2 or D3)");
        request["state"] = options.state;
    } else if (options.action == "wake") {
        if (options.state != "on" && options.state != "off")
            throw UsageError("pnp wake: bad setting \"" + options.state + "\" (on or off)");
        request["state"] = options.state;
    } else if (!options.state.empty()) {
        throw UsageError("pnp " + options.action + ": unexpected argument \"" + options.state + "\"");
    }
    nlohmann::json reply = require_host(context, request);
    if (context.json) print_json(reply);
    std::string where = "device " + options.device + ": " + options.action;
    std::string status = reply.value("status", "");
    std::string vetoed_by = reply.value("vetoed_by", "");
    if (!vetoed_by.empty()) throw RunError(where + " vetoed by " + vetoed_by + " (" + status + ")");
    if (status != "NDIS_STATUS_SUCCESS") throw RunError(where + " failed with " + status);
    if (context.json) return;
    for (const auto& note : reply.value("notes", nlohmann::json::array()))
        std::printf("note: %s\n", note.get<std::string>().c_str());
    std::string power = reply.value("power", "");
    std::printf("%s%s\n", where.c_str(), power.empty() ? ": done" : (": done, power " + power).c_str());
}

}  // namespace

void add_pnp_command(CLI::App& app, Context& context) {
    auto options = std::make_shared<PnpOptions>();
    CLI::App* cmd = app.add_subcommand("pnp", "PnP and power requests to a running device (setpower, query-remove, "
                                              "cancel-remove, remove, reconfigure, wake)");
    cmd->add_option("device", options->device, "connection name, virtual miniport or \\Device\\{GUID}")->required();
    cmd->add_option("action", options->action, "setpower, query-remove, cancel-remove, remove, reconfigure or wake")
        ->required();
    cmd->add_option("state", options->state, "setpower: D0, D1, D2 or D3; wake: on or off");
    cmd->callback([&context, options] { run_pnp(context, *options); });
}

}  // namespace strata::cli
