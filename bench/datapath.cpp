// datapath.cpp — `strata-bench datapath`: loop ↔ probe in one process (seed 003 §2.7, §2.8).
// send_complete: probe's NdisSendPackets/NdisSend → loop's MiniportSendPackets → NdisMSendComplete
// → ProtocolSendComplete. indicate_return: loop's NdisMIndicateReceivePacket → probe's
// ProtocolReceivePacket (returns 0; the deserialized loop gets the packet back at once).
// --layers stacks that many passthru IMs (drivers/passthru) between probe and loop: each layer
// replaces the descriptor both ways (seed 003 §2.5, §2.6), and costs what it adds over layers=0.
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
#include "registry/registry.h"
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

// ns/pkt of layers=0 for the same path and batch, once measured: each layer's cost is relative to it.
struct Reference {
    const char* name;
    UINT batch;
    double ns_per_pkt;
};

void emit(const Options& options, const char* name, unsigned layers, UINT batch, std::uint64_t count,
          const Measurement& m, double baseline, std::vector<Reference>& references) {
    double mpps = 1e3 / m.ns_per_pkt;
    const Reference* zero = nullptr;
    for (const Reference& r : references)
        if (std::string(r.name) == name && r.batch == batch) zero = &r;
    if (layers == 0 && zero == nullptr) references.push_back({name, batch, m.ns_per_pkt});
    double per_layer = layers != 0 && zero != nullptr ? (m.ns_per_pkt - zero->ns_per_pkt) / layers : 0;
    if (options.json) {
        std::printf("{\"bench\":\"datapath.%s\",\"layers\":%u,\"batch\":%u,\"frame_bytes\":%u,\"packets\":%llu,"
                    "\"ns_per_pkt\":%.2f,\"mpps\":%.2f,\"heap_allocs_per_pkt\":%.4f,\"baseline_ns_per_pkt\":%.2f,"
                    "\"overhead_ns_per_pkt\":%.2f",
                    name, layers, batch, kFrameBytes, static_cast<unsigned long long>(count), m.ns_per_pkt, mpps,
                    m.allocs_per_pkt, baseline, m.ns_per_pkt - baseline);
        if (layers != 0 && zero != nullptr)
            std::printf(",\"layers0_ns_per_pkt\":%.2f,\"ns_per_layer\":%.2f", zero->ns_per_pkt, per_layer);
        std::printf("}\n");
    } else {
        std::printf("%-16s layers %u  batch %3u  %8.2f ns/pkt  %7.2f Mpps  %.4f allocs/pkt  baseline %6.2f ns/pkt", name,
                    layers, batch, m.ns_per_pkt, mpps, m.allocs_per_pkt, baseline);
        if (layers != 0 && zero != nullptr) std::printf("  layers=0 %6.2f  +%.2f ns/layer", zero->ns_per_pkt, per_layer);
        std::printf("\n");
    }
    std::fflush(stdout);
}

// Stacks `layers` passthru virtual miniports over `lower` the way the binding engine would
// (UpperBindings per binding) and returns the top adapter's device name.
std::string stack_passthru(host::LoopProbeStack& stack, std::string lower, unsigned layers, bool stacking) {
    Host& host = stack.host();
    if (layers == 0) return lower;
    if (host.load_driver("passthru") != STATUS_SUCCESS) throw std::runtime_error("cannot load passthru.sys: " + host.last_error());
    for (unsigned layer = 0; layer < layers; ++layer) {
        AdapterInfo virtual_miniport;
        if (host.add_adapter("passthru", {}, &virtual_miniport) != NDIS_STATUS_SUCCESS)
            throw std::runtime_error("cannot create passthru's virtual miniport");
        std::string below_guid = lower.substr(lower.find_last_of('\\') + 1);
        std::string parameters = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\passthru\\Parameters\\Adapters\\" + below_guid;
        host.registry().set_value(parameters, "UpperBindings", registry::Value::sz(virtual_miniport.device_name));
        host.registry().set_value(parameters, "PacketStacking", registry::Value::dword(stacking ? 1 : 0));
        if (host.bind("passthru", lower) != NDIS_STATUS_SUCCESS || !host.adapter_running(virtual_miniport.device_name))
            throw std::runtime_error("passthru did not bind " + lower);
        lower = virtual_miniport.device_name;
    }
    return lower;
}

int run_layers(const Options& options, unsigned layers, std::vector<Reference>& references) {
    int rc = 0;
    char root_template[] = "/tmp/strata-bench-XXXXXX";
    if (::mkdtemp(root_template) == nullptr) {
        std::fprintf(stderr, "strata-bench: cannot create a temporary registry root\n");
        return 1;
    }
    std::filesystem::path root = root_template;
    try {
        host::LoopProbeStack stack(root, options.driver_dir, 1);
        auto& a = stack.add_adapter({{"SendCompletion", registry::Value::dword(0)}, {"IndicationStyle", registry::Value::dword(0)}},
                                    layers == 0);
        PVOID probe = a.probe;
        if (layers != 0) {
            std::string top = stack_passthru(stack, a.info.device_name, layers, options.stacking);
            if (stack.host().bind("probe", top) != NDIS_STATUS_SUCCESS) throw std::runtime_error("probe did not bind " + top);
            probe = stack.probe().find_binding(top.c_str());
        }
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
                if (stack.probe().bench_send(probe, nowhere.data(), static_cast<UINT>(n), batch) != NDIS_STATUS_SUCCESS)
                    rc = 1;
            });
            emit(options, "send_complete", layers, batch, count, send, baseline_send(packets, batch, count), references);
        }
        stack.probe().set_receive_mode(probe, PROBE_RECEIVE_COUNT);
        for (UINT batch : batches) {
            std::uint64_t count = options.packets - options.packets % batch;
            Measurement indicate = measure(stack, count, [&](std::uint64_t n) {
                if (stack.loop().indicate_frames(a.loop, frame.data(), kFrameBytes, static_cast<UINT>(n), batch) !=
                    NDIS_STATUS_SUCCESS)
                    rc = 1;
            });
            emit(options, "indicate_return", layers, batch, count, indicate, baseline_indicate(packets, batch, count),
                 references);
        }
        PROBE_STATS stats{};
        stack.probe().get_stats(probe, &stats);
        std::uint64_t expected = 0;
        for (UINT batch : batches) expected += kRounds * (options.packets - options.packets % batch);
        if (stats.SendsCompleted != stats.SendsRequested || stats.SendsRequested != expected || stats.BenchFrames != expected) {
            std::fprintf(stderr, "strata-bench: layers %u: counts disagree: %llu sends requested, %llu completed, %llu received, %llu expected\n",
                         layers, static_cast<unsigned long long>(stats.SendsRequested), static_cast<unsigned long long>(stats.SendsCompleted),
                         static_cast<unsigned long long>(stats.BenchFrames), static_cast<unsigned long long>(expected));
            rc = 1;
        }
        for (auto p : packets) NdisFreePacket(p);
        NdisFreePacketPool(pool);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "strata-bench: layers %u: %s\n", layers, e.what());
        rc = 1;
    }
    std::filesystem::remove_all(root);
    return rc;
}

}  // namespace

int run_datapath(const Options& options) {
    std::vector<Reference> references;
    std::vector<unsigned> order = options.layers;
    // layers=0 first, so every stacked figure has its reference.
    std::stable_sort(order.begin(), order.end());
    int rc = 0;
    for (unsigned layers : order) rc |= run_layers(options, layers, references);
    if (rc != 0) std::fprintf(stderr, "strata-bench: a datapath run did not move every packet\n");
    return rc;
}

}  // namespace strata::bench
