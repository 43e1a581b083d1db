// datapath.cpp — `strata-bench datapath`: loop ↔ probe in one process (seed 003 §2.7, §2.8).
// send_complete: probe's NdisSendPackets/NdisSend → loop's MiniportSendPackets → NdisMSendComplete
// → ProtocolSendComplete. indicate_return: loop's NdisMIndicateReceivePacket → probe's
// ProtocolReceivePacket (returns 0, so the packet is the miniport's again on return).
// The baseline moves the same descriptors through the same indirect calls without NDIS.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "alloc_counter.h"
#include "bench.h"
#include "host/loop_probe_stack.h"
#include "ndis/packet_pool.h"
#include "registry/value.h"

namespace strata::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr UINT kFrameBytes = 64;
constexpr int kRounds = 5;

// ---- Baseline: the indirect calls of each path, with NDIS's bookkeeping taken out ----------
struct BaselineWire {
    void (*miniport_send_packets)(BaselineWire&, PPNDIS_PACKET, UINT);
    void (*send_complete)(BaselineWire&, PNDIS_PACKET, NDIS_STATUS);
    void (*protocol_send_complete)(BaselineWire&, PNDIS_PACKET, NDIS_STATUS);
    INT (*protocol_receive_packet)(BaselineWire&, PNDIS_PACKET);
    std::uint64_t completed = 0;
    std::uint64_t received = 0;
};

__attribute__((noinline)) void baseline_protocol_send_complete(BaselineWire& w, PNDIS_PACKET p, NDIS_STATUS s) {
    w.completed += (s == NDIS_STATUS_SUCCESS && p != nullptr);
}
__attribute__((noinline)) void baseline_send_complete(BaselineWire& w, PNDIS_PACKET p, NDIS_STATUS s) {
    w.protocol_send_complete(w, p, s);
}
__attribute__((noinline)) void baseline_miniport_send_packets(BaselineWire& w, PPNDIS_PACKET packets, UINT n) {
    for (UINT i = 0; i < n; ++i) w.send_complete(w, packets[i], NDIS_STATUS_SUCCESS);
}
__attribute__((noinline)) INT baseline_protocol_receive_packet(BaselineWire& w, PNDIS_PACKET p) {
    w.received += p->Private.Head != nullptr;
    return 0;
}

double baseline_send(std::vector<PNDIS_PACKET>& packets, UINT batch, std::uint64_t count) {
    BaselineWire w{baseline_miniport_send_packets, baseline_send_complete, baseline_protocol_send_complete,
                   baseline_protocol_receive_packet};
    BaselineWire* volatile wire = &w;  // keeps the calls indirect
    auto start = Clock::now();
    for (std::uint64_t sent = 0; sent < count; sent += batch) wire->miniport_send_packets(*wire, packets.data(), batch);
    return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / static_cast<double>(count);
}

double baseline_indicate(std::vector<PNDIS_PACKET>& packets, UINT batch, std::uint64_t count) {
    BaselineWire w{baseline_miniport_send_packets, baseline_send_complete, baseline_protocol_send_complete,
                   baseline_protocol_receive_packet};
    BaselineWire* volatile wire = &w;
    auto start = Clock::now();
    for (std::uint64_t done = 0; done < count; done += batch)
        for (UINT i = 0; i < batch; ++i) {
            NDIS_SET_PACKET_STATUS(packets[i], NDIS_STATUS_SUCCESS);
            if (wire->protocol_receive_packet(*wire, packets[i]) == 0) NDIS_SET_PACKET_STATUS(packets[i], NDIS_STATUS_SUCCESS);
        }
    return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / static_cast<double>(count);
}

struct Measurement {
    double ns_per_pkt = 0;
    double allocs_per_pkt = 0;
};

template <typename F>
Measurement measure(host::LoopProbeStack& stack, std::uint64_t count, F&& run) {
    Measurement best{1e300, 0};
    for (int round = 0; round < kRounds; ++round) {
        double ns = 0;
        std::uint64_t allocations = 0;
        stack.host().run_at_dispatch(0, [&] {
            std::uint64_t before = heap_allocations();
            auto start = Clock::now();
            run(count);
            ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
            allocations = heap_allocations() - before;
        });
        double per = ns / static_cast<double>(count);
        if (per < best.ns_per_pkt) best = {per, static_cast<double>(allocations) / static_cast<double>(count)};
    }
    return best;
}

void emit(const Options& options, const char* name, UINT batch, std::uint64_t count, const Measurement& m,
          double baseline) {
    double mpps = 1e3 / m.ns_per_pkt;
    if (options.json) {
        std::printf("{\"bench\":\"datapath.%s\",\"batch\":%u,\"frame_bytes\":%u,\"packets\":%llu,\"ns_per_pkt\":%.2f,"
                    "\"mpps\":%.2f,\"heap_allocs_per_pkt\":%.4f,\"baseline_ns_per_pkt\":%.2f,\"overhead_ns_per_pkt\":%.2f}\n",
                    name, batch, kFrameBytes, static_cast<unsigned long long>(count), m.ns_per_pkt, mpps,
                    m.allocs_per_pkt, baseline, m.ns_per_pkt - baseline);
    } else {
        std::printf("%-24s batch %3u  %8.2f ns/pkt  %7.2f Mpps  %.4f allocs/pkt  baseline %6.2f ns/pkt\n", name, batch,
                    m.ns_per_pkt, mpps, m.allocs_per_pkt, baseline);
    }
    std::fflush(stdout);
}

}  // namespace

int run_datapath(const Options& options) {
    char root_template[] = "/tmp/strata-bench-XXXXXX";
    if (::mkdtemp(root_template) == nullptr) {
        std::fprintf(stderr, "strata-bench: cannot create a temporary registry root\n");
        return 1;
    }
    std::filesystem::path root = root_template;
    int rc = 0;
    {
        host::LoopProbeStack stack(root, options.driver_dir, 1);
        auto& a = stack.add_adapter({{"SendCompletion", registry::Value::dword(0)}, {"IndicationStyle", registry::Value::dword(0)}});
        const UINT batches[] = {1, 32};
        std::array<UCHAR, 6> nowhere{0x02, 0x00, 0x5E, 0x7F, 0x7F, 0x7F};
        std::vector<UCHAR> frame(kFrameBytes, 0);
        std::copy(a.mac.begin(), a.mac.end(), frame.begin());
        std::copy(nowhere.begin(), nowhere.end(), frame.begin() + 6);
        frame[12] = 0x88;
        frame[13] = 0xB5;

        // Descriptors for the baseline: the same kind of packets, from an NDIS pool.
        NDIS_STATUS status;
        NDIS_HANDLE pool;
        NdisAllocatePacketPool(&status, &pool, 64, 16);
        std::vector<PNDIS_PACKET> packets(32);
        for (auto& p : packets) NdisAllocatePacket(&status, &p, pool);

        for (UINT batch : batches) {
            std::uint64_t count = options.packets - options.packets % batch;
            Measurement send = measure(stack, count, [&](std::uint64_t n) {
                if (stack.probe().bench_send(a.probe, nowhere.data(), static_cast<UINT>(n), batch) != NDIS_STATUS_SUCCESS)
                    rc = 1;
            });
            emit(options, "send_complete", batch, count, send, baseline_send(packets, batch, count));
        }
        stack.probe().set_receive_mode(a.probe, PROBE_RECEIVE_COUNT);
        for (UINT batch : batches) {
            std::uint64_t count = options.packets - options.packets % batch;
            Measurement indicate = measure(stack, count, [&](std::uint64_t n) {
                if (stack.loop().indicate_frames(a.loop, frame.data(), kFrameBytes, static_cast<UINT>(n), batch) !=
                    NDIS_STATUS_SUCCESS)
                    rc = 1;
            });
            emit(options, "indicate_return", batch, count, indicate, baseline_indicate(packets, batch, count));
        }
        PROBE_STATS stats{};
        stack.probe().get_stats(a.probe, &stats);
        std::uint64_t expected = 0;
        for (UINT batch : batches) expected += kRounds * (options.packets - options.packets % batch);
        if (stats.SendsCompleted != stats.SendsRequested || stats.SendsRequested != expected || stats.BenchFrames != expected) {
            std::fprintf(stderr, "strata-bench: counts disagree: %llu sends requested, %llu completed, %llu received, %llu expected\n",
                         static_cast<unsigned long long>(stats.SendsRequested), static_cast<unsigned long long>(stats.SendsCompleted),
                         static_cast<unsigned long long>(stats.BenchFrames), static_cast<unsigned long long>(expected));
            rc = 1;
        }
        for (auto p : packets) NdisFreePacket(p);
        NdisFreePacketPool(pool);
    }
    std::filesystem::remove_all(root);
    if (rc != 0) std::fprintf(stderr, "strata-bench: a datapath run did not move every packet\n");
    return rc;
}

}  // namespace strata::bench
