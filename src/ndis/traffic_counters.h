// traffic_counters.h — per-adapter and per-binding packet, byte and drop counters that
// `strata stats` prints (DESIGN.md "Host and the strata command": per-binding counters and drop
// reasons, like pktmon). Each processor thread adds to its own cache line with plain relaxed
// stores — no lock, no atomic read-modify-write on the packet path; other threads share one
// slot with fetch_add. Readers sum the slots, so a total may lag a packet behind.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include <ndis.h>

#include "ntos/processor.h"

namespace strata::ndis {

enum class Counter : unsigned {
    SentPackets,      // sends completed with NDIS_STATUS_SUCCESS
    SentBytes,
    SendFailed,       // sends completed with another status (drop reason "send_failed")
    SendClosing,      // sends refused because the binding was closing (drop reason "closing")
    SendRequested,    // packets a protocol handed to NdisSend(Packets): each ends in one of the three above
    ReceivedPackets,  // frames indicated (adapter) or delivered (binding)
    ReceivedBytes,
    Filtered,         // binding: frames its packet filter rejected; adapter: frames no binding took
    Runt,             // frames shorter than an Ethernet header (drop reason "runt")
    kCount
};

// Sends are counted per binding only (one fewer cache line touched per packet); an adapter's
// send counters are its live bindings' plus what closed bindings left behind (absorb).
inline constexpr std::array<Counter, 5> kSendCounters{Counter::SentPackets, Counter::SentBytes, Counter::SendFailed,
                                                      Counter::SendClosing, Counter::SendRequested};

inline constexpr std::array<std::string_view, static_cast<unsigned>(Counter::kCount)> kCounterNames{
    "sent_packets", "sent_bytes", "send_failed", "send_closing", "send_requested", "received_packets", "received_bytes",
    "filtered", "runt"};

class TrafficCounters {
public:
    void add(Counter counter, std::uint64_t n = 1) noexcept {
        unsigned processor = ntos::processor_thread_index();
        auto index = static_cast<unsigned>(counter);
        if (processor < ntos::kMaxProcessors) {
            auto& value = slots_[processor].values[index];
            value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
        } else {
            slots_[ntos::kMaxProcessors].values[index].fetch_add(n, std::memory_order_relaxed);
        }
    }

    // Adds `other`'s totals of `counters` to these (slow path: a binding closing).
    template <std::size_t N>
    void absorb(const TrafficCounters& other, const std::array<Counter, N>& counters) noexcept {
        for (Counter counter : counters)
            slots_[ntos::kMaxProcessors].values[static_cast<unsigned>(counter)].fetch_add(other.total(counter),
                                                                                         std::memory_order_relaxed);
    }

    std::uint64_t total(Counter counter) const noexcept {
        std::uint64_t sum = 0;
        for (const Slot& slot : slots_) sum += slot.values[static_cast<unsigned>(counter)].load(std::memory_order_relaxed);
        return sum;
    }

private:
    struct alignas(64) Slot {
        std::array<std::atomic<std::uint64_t>, static_cast<unsigned>(Counter::kCount)> values{};
    };
    std::array<Slot, ntos::kMaxProcessors + 1> slots_{};
};

// The bytes a packet's buffer chain holds (walked: NdisAdjustBufferLength leaves the cached
// Private.TotalLength stale).
inline std::uint64_t packet_bytes(PNDIS_PACKET packet) noexcept {
    std::uint64_t bytes = 0;
    for (PNDIS_BUFFER buffer = packet->Private.Head; buffer != nullptr; buffer = buffer->Next)
        bytes += MmGetMdlByteCount(buffer);
    return bytes;
}

}  // namespace strata::ndis
