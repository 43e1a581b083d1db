// demo.cpp — `strata demo`: the in-process loop ↔ probe stack (seed 003 §2.7, §2.8, §2.12).
// Three loop adapters share one in-memory wire, each indicating a different way (packet arrays,
// partial lookahead + NdisTransferData, and a serialized miniport); probe is bound to all three,
// sends across the wire and verifies every frame it receives. Prints the counters.
#include "demo.h"

#include <unistd.h>

#include "cli.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "host/loop_probe_stack.h"
#include "registry/value.h"

using strata::host::StackAdapter;

namespace strata::cli {
namespace {

using registry::Value;

constexpr UINT kFrames = 10'000;
constexpr UINT kRound = 125;
constexpr UINT kWaitMs = 10'000;

void print_mac(const std::array<UCHAR, 6>& mac) {
    std::printf("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

}  // namespace

int run_demo(const std::filesystem::path& root, const std::filesystem::path& driver_dir) {
    try {
        host::LoopProbeStack stack(root, driver_dir);
        const char* styles[] = {"packet arrays (NdisMIndicateReceivePacket)",
                                "64-byte lookahead + NdisTransferData (NdisMEthIndicateReceive)",
                                "serialized miniport, NDIS-managed send queue"};
        stack.add_adapter({{"Wire", Value::dword(0)}, {"IndicationStyle", Value::dword(0)}});
        stack.add_adapter({{"Wire", Value::dword(0)}, {"IndicationStyle", Value::dword(1)}, {"LookaheadBytes", Value::dword(64)}});
        stack.add_adapter({{"Wire", Value::dword(0)}, {"Serialized", Value::dword(1)}, {"TxRingSize", Value::dword(8)}});
        std::printf("strata demo: loop ↔ probe over NDIS 5.1, %u processors, registry %s/registry.db\n\n",
                    stack.host().processor_count(), root.c_str());
        for (std::size_t i = 0; i < stack.adapter_count(); ++i) {
            auto& a = stack.adapter(i);
            std::printf("  adapter %zu  %s  ", i, a.info.device_name.c_str());
            print_mac(a.mac);
            std::printf("  %s\n", styles[i]);
        }
        auto& probe = stack.probe();
        auto& a0 = stack.adapter(0);
        auto& a1 = stack.adapter(1);
        auto& a2 = stack.adapter(2);
        const std::array<UCHAR, 6> broadcast{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
        // Each flow goes out in rounds no larger than a receive ring, like a sender with a window.
        struct Flow {
            StackAdapter* from;
            StackAdapter* to;
            UINT frame_size;
            UINT batch;
        };
        const Flow flows[] = {{&a0, &a1, 512, 32}, {&a1, &a2, 1514, 1}, {&a2, &a0, 60, 8}};
        bool all_arrived = true;
        for (const Flow& flow : flows) {
            PROBE_STATS before{};
            probe.get_stats(flow.to->probe, &before);
            for (UINT sent = 0; sent < kFrames && all_arrived; sent += kRound) {
                if (probe.send(flow.from->probe, flow.to->mac.data(), flow.frame_size, kRound, flow.batch, 0) !=
                    NDIS_STATUS_SUCCESS)
                    throw std::runtime_error("ProbeSend failed");
                all_arrived = probe.wait_received(flow.to->probe, before.ReceivedFrames + sent + kRound, kWaitMs) ==
                              NDIS_STATUS_SUCCESS;
            }
        }
        if (probe.send(a0.probe, broadcast.data(), 128, kRound, 4, 0) != NDIS_STATUS_SUCCESS)
            throw std::runtime_error("ProbeSend failed");
        all_arrived = all_arrived && probe.wait_received(a1.probe, kFrames + kRound, kWaitMs) == NDIS_STATUS_SUCCESS &&
                      probe.wait_received(a2.probe, kFrames + kRound, kWaitMs) == NDIS_STATUS_SUCCESS;

        std::printf("\n  %-9s %10s %10s %10s %12s %10s %9s %8s %8s\n", "binding", "sent", "completed", "received",
                    "via-packet", "via-recv", "transfer", "seq-err", "data-err");
        for (std::size_t i = 0; i < stack.adapter_count(); ++i) {
            PROBE_STATS s{};
            probe.get_stats(stack.adapter(i).probe, &s);
            std::printf("  probe/%zu  %10llu %10llu %10llu %12llu %10llu %9llu %8llu %8llu\n", i,
                        static_cast<unsigned long long>(s.SendsRequested), static_cast<unsigned long long>(s.SendsCompleted),
                        static_cast<unsigned long long>(s.ReceivedFrames),
                        static_cast<unsigned long long>(s.ReceivedViaReceivePacket),
                        static_cast<unsigned long long>(s.ReceivedViaReceive),
                        static_cast<unsigned long long>(s.TransferDataCalls),
                        static_cast<unsigned long long>(s.SequenceErrors), static_cast<unsigned long long>(s.PayloadErrors));
        }
        std::printf("\n  %-9s %10s %12s %10s %12s %10s\n", "adapter", "tx-frames", "tx-bytes", "rx-frames", "rx-bytes",
                    "ring-full");
        for (std::size_t i = 0; i < stack.adapter_count(); ++i) {
            LOOP_STATS s{};
            stack.loop().get_stats(stack.adapter(i).loop, &s);
            std::printf("  loop/%zu   %10llu %12llu %10llu %12llu %10llu\n", i, static_cast<unsigned long long>(s.TxFrames),
                        static_cast<unsigned long long>(s.TxBytes), static_cast<unsigned long long>(s.RxFrames),
                        static_cast<unsigned long long>(s.RxBytes), static_cast<unsigned long long>(s.RxDroppedRingFull));
        }
        std::printf("\n%s\n", all_arrived ? "every frame arrived and verified" : "some frames did not arrive in time");
        return all_arrived ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "strata demo: %s\n", e.what());
        return 1;
    }
}

}  // namespace strata::cli

namespace strata::cli {

void add_demo_command(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("demo", "run the in-process loop <-> probe NDIS stack and print its counters");
    auto driver_dir = std::make_shared<std::string>(STRATA_DRIVER_DIR);
    cmd->add_option("--driver-dir", *driver_dir, "where loop.sys and probe.sys are")->type_name("DIR");
    cmd->callback([&context, driver_dir] {
        bool temporary = context.root_option.empty();
        std::filesystem::path root;
        if (temporary) {
            char pattern[] = "/tmp/strata-demo-XXXXXX";
            if (::mkdtemp(pattern) == nullptr) throw RunError("cannot create a temporary registry root");
            root = pattern;
        } else {
            root = context.root();
        }
        int status = run_demo(root, *driver_dir);
        if (temporary) std::filesystem::remove_all(root);
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

}  // namespace strata::cli
