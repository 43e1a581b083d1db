// probe_commands.cpp — `strata probe send|stats`: drive the probe protocol (drivers/probe) in
// the running host, so any stack is exercised end to end from the shell (seed 003 §2.7, §2.8).
#include "cli.h"

namespace strata::cli {

void add_probe_commands(CLI::App& app, Context& context) {
    auto* probe = app.add_subcommand("probe", "send and check numbered test frames through the probe protocol");
    probe->require_subcommand(1);

    struct SendOptions {
        std::string adapter;
        unsigned count = 1000;
        unsigned size = 64;
        unsigned batch = 32;
    };
    auto options = std::make_shared<SendOptions>();
    auto* send = probe->add_subcommand("send", "broadcast COUNT probe frames out of ADAPTER and wait until the "
                                               "adapters on its wire received them");
    send->add_option("adapter", options->adapter, "device name given to `device add --name`")->required()->type_name("ADAPTER");
    send->add_option("--count", options->count, "frames")->check(CLI::Range(1u, 1'000'000'000u));
    send->add_option("--size", options->size, "frame bytes, Ethernet header included")->check(CLI::Range(60u, 1514u));
    send->add_option("--batch", options->batch, "packets per NdisSendPackets call (1 = NdisSend)")->check(CLI::Range(1u, 256u));
    send->callback([&context, options] {
        nlohmann::json reply;
        try {
            reply = require_host(context, {{"cmd", "probe-send"}, {"adapter", options->adapter}, {"count", options->count},
                                           {"size", options->size}, {"batch", options->batch}});
        } catch (const UsageError& e) {
            // Frames lost or a send failing is a run-time failure, not bad input.
            if (std::string_view(e.what()).starts_with("probe send on")) throw RunError(e.what());
            throw;
        }
        reply.erase("ok");
        if (context.json) {
            print_json(reply);
            return;
        }
        std::string receivers;
        for (const auto& r : reply["receivers"]) receivers += (receivers.empty() ? "" : ", ") + r.get<std::string>();
        double seconds = reply.value("seconds", 0.0);
        std::printf("sent %u frames of %u bytes on %s in %.3f s (%.0f frames/s); received by %s\n", options->count,
                    options->size, options->adapter.c_str(), seconds, seconds > 0 ? options->count / seconds : 0.0,
                    receivers.empty() ? "(no probe on the same wire)" : receivers.c_str());
    });

    auto* stats = probe->add_subcommand("stats", "per probe binding: sent, received, in order, corrupt");
    stats->callback([&context] {
        nlohmann::json reply = require_host(context, {{"cmd", "probe-stats"}});
        if (context.json) {
            print_json(reply["bindings"]);
            return;
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& b : reply["bindings"])
            rows.push_back({b.value("adapter", ""), std::to_string(b.value("sent", 0ull)),
                            std::to_string(b.value("received", 0ull)), std::to_string(b.value("in_order", 0ull)),
                            std::to_string(b.value("corrupt", 0ull)), std::to_string(b.value("dropped", 0ull))});
        print_table({"ADAPTER", "SENT", "RECEIVED", "IN ORDER", "CORRUPT", "DROPPED"}, rows);
    });
}

}  // namespace strata::cli
