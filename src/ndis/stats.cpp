// stats.cpp — see stats.h.
#include "ndis/stats.h"

#include <mutex>

#include "ndis/library.h"
#include "ndis/miniport.h"
#include "ndis/miniport_driver.h"
#include "ndis/open.h"
#include "ndis/protocol.h"

namespace strata::ndis {
namespace {

CounterValues totals(const TrafficCounters& counters) {
    CounterValues values{};
    for (unsigned i = 0; i < values.size(); ++i) values[i] = counters.total(static_cast<Counter>(i));
    return values;
}

const char* state_name(MiniportState state) {
    switch (state) {
        case MiniportState::Initializing: return "initializing";
        case MiniportState::Running: return "running";
        case MiniportState::Halting: return "halting";
        case MiniportState::Halted: return "halted";
    }
    return "unknown";
}

}  // namespace

std::vector<AdapterStats> adapter_stats() {
    Library& library = Library::instance();
    std::vector<AdapterStats> result;
    std::lock_guard lock(library.mutex);
    for (Miniport* m : library.miniports()) {
        AdapterStats adapter;
        adapter.service = m->driver->service;
        adapter.device_name = m->device_name;
        adapter.state = state_name(m->state.load());
        adapter.counters = totals(m->counters);
        adapter.indications_in_flight = m->indications_in_flight.load();
        adapter.sends_in_miniport = m->sends_in_miniport.load();
        adapter.packets_returned = m->returns.load();
        adapter.reset_in_progress = m->reset_in_progress.load();
        m->for_each_open([&](Open* open) {
            if (open->state.load() == OpenState::Closed) return;
            for (Counter c : kSendCounters) adapter.counters[static_cast<unsigned>(c)] += open->counters.total(c);
            BindingStats binding;
            binding.protocol = open->protocol->service.empty() ? open->protocol->name : open->protocol->service;
            binding.counters = totals(open->counters);
            binding.sends_pending = open->sends_outstanding.load();
            binding.requests_pending = open->requests_outstanding.load();
            adapter.bindings.push_back(std::move(binding));
        });
        result.push_back(std::move(adapter));
    }
    return result;
}

}  // namespace strata::ndis
