// stats.h — a snapshot of every adapter and binding for `strata stats` (DESIGN.md "Host and the
// strata command"): traffic counters with drop reasons, operations pending, pool usage.
// Passive level; takes the library lock briefly, never a packet-path lock.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ndis/traffic_counters.h"

namespace strata::ndis {

using CounterValues = std::array<std::uint64_t, static_cast<unsigned>(Counter::kCount)>;

struct BindingStats {
    std::string protocol;  // the protocol's service
    CounterValues counters{};
    std::int64_t sends_pending = 0;
    std::int32_t requests_pending = 0;
};

struct AdapterStats {
    std::string service;      // the miniport driver's service
    std::string device_name;  // \Device\{GUID}
    std::string state;        // initializing, running, halting, halted
    CounterValues counters{};
    std::int32_t indications_in_flight = 0;
    std::int64_t sends_in_miniport = 0;  // serialized miniports: sends the miniport pended
    std::uint64_t packets_returned = 0;  // MiniportReturnPacket calls
    bool reset_in_progress = false;
    std::vector<BindingStats> bindings;
};

std::vector<AdapterStats> adapter_stats();

}  // namespace strata::ndis
