// reset_command.cpp — `strata reset ADAPTER`: resets an adapter or virtual miniport in the
// running host the way NDIS does when CheckForHang says it hung (seed 003 §2.10): every binding
// hears NDIS_STATUS_RESET_START, MiniportReset runs, and after it finished (NdisMResetComplete
// when it pended) every binding hears RESET_END; an addressing reset has NDIS restore the packet
// filter, lookahead and multicast list. Exit 1 when the reset failed, 2 for an unknown adapter.
#include <cstdio>

#include "cli.h"

namespace strata::cli {

void add_reset_command(CLI::App& app, Context& context) {
    auto adapter = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand("reset", "reset an adapter (MiniportReset, RESET_START/RESET_END to its bindings)");
    cmd->add_option("adapter", *adapter, "connection name, virtual miniport or \\Device\\{GUID}")->required();
    cmd->callback([&context, adapter] {
        nlohmann::json reply = require_host(context, {{"cmd", "reset"}, {"adapter", *adapter}});
        if (context.json) print_json(reply);
        if (reply.contains("failure")) throw RunError("reset " + *adapter + ": " + reply.value("failure", ""));
        std::string status = reply.value("status", "");
        if (status == "NDIS_STATUS_RESET_IN_PROGRESS")
            throw RunError("reset " + *adapter + ": a reset of the adapter is already in progress");
        if (status != "NDIS_STATUS_SUCCESS") throw RunError("reset " + *adapter + ": MiniportReset failed with " + status);
        if (!context.json)
            std::printf("reset %s: %s%s%s\n", adapter->c_str(), status.c_str(),
                        reply.value("pended", false) ? ", completed through NdisMResetComplete" : "",
                        reply.value("addressing_reset", false) ? "; NDIS restored filter, lookahead and multicast list"
                                                               : "");
    });
}

}  // namespace strata::cli
