// power.cpp — Plug and Play and power management of an adapter (seed 003 §2.9, §2.9.3): see
// power.h. The order of calls follows Microsoft's NDIS 5.1 documentation: protocols hear
// NetEventQueryPower/NetEventSetPower before their miniport gets OID_PNP_QUERY_POWER/
// OID_PNP_SET_POWER when it goes to sleep, and after it is back at D0 when it wakes. A miniport
// that answered OID_PNP_CAPABILITIES with an error is a legacy one: NDIS halts it for sleep and
// initialises it again at D0, unless it set NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND. An IM's virtual
// miniport always gets OID_PNP_SET_POWER; its protocols hear the events through the IM's
// NdisIMNotifyPnPEvent, as the IM's protocol edge hears them from the adapter below.
#include "ndis/power.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <utility>

#include "ndis/binding.h"
#include "ndis/library.h"
#include "ndis/request.h"
#include "registry/registry.h"

namespace strata::ndis {
namespace {

std::mutex g_power_mutex;  // one PnP or power operation at a time, like the PnP manager's
std::mutex g_told_mutex;
// The bindings a legacy miniport had when NDIS halted it for sleep (its own and those of the
// virtual miniports above it, bottom first): made again when it is back at D0.
std::map<Miniport*, std::vector<std::pair<Protocol*, std::string>>> g_sleep_bindings;

std::vector<Open*> open_bindings(Miniport& m) {
    std::vector<Open*> opens;
    m.for_each_open([&](Open* open) {
        if (open->state.load() == OpenState::Open) opens.push_back(open);
    });
    return opens;
}

std::string label(const Protocol& protocol) { return protocol.service.empty() ? protocol.name : protocol.service; }

std::string hex(NDIS_STATUS status) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08X", static_cast<unsigned>(status));
    return text;
}

NDIS_STATUS notify(Open& open, NET_PNP_EVENT_CODE code, void* buffer, ULONG length) {
    NET_PNP_EVENT event{};
    event.NetEvent = code;
    event.Buffer = buffer;
    event.BufferLength = length;
    return deliver_pnp_event(*open.protocol, open.handle, open.binding_context, &event);
}

const char* event_name(NET_PNP_EVENT_CODE code) {
    switch (code) {
    case NetEventSetPower: return "NetEventSetPower";
    case NetEventQueryPower: return "NetEventQueryPower";
    case NetEventReconfigure: return "NetEventReconfigure";
    default: return "NetEvent";
    }
}

// NetEventQueryPower or NetEventSetPower with `state` to every binding of `m`. Protocols should
// always succeed both; a failure is noted and NDIS goes on. A pre-NDIS 6 protocol without PnP
// support answers a sleeping SetPower with NDIS_STATUS_NOT_SUPPORTED: NDIS unbinds it, and binds
// it again at D0 (kept in `unbound`).
void notify_power(Miniport& m, NET_PNP_EVENT_CODE code, NDIS_DEVICE_POWER_STATE state, PnpOutcome& outcome,
                  std::vector<std::pair<Protocol*, std::string>>* unbound) {
    for (Open* open : open_bindings(m)) {
        NDIS_DEVICE_POWER_STATE value = state;
        NDIS_STATUS status = notify(*open, code, &value, sizeof value);
        if (status == NDIS_STATUS_SUCCESS) continue;
        if (status == NDIS_STATUS_NOT_SUPPORTED && code == NetEventSetPower && state != NdisDeviceStateD0 &&
            unbound != nullptr) {
            unbound->emplace_back(open->protocol, m.device_name);
            unbind_open(*open);
            continue;
        }
        outcome.notes.push_back(std::string(event_name(code)) + " " + power_state_name(state) + " on " +
                                m.device_name + ": " + label(*open->protocol) + " failed it with " + hex(status));
    }
}

void set_miniport_power(Miniport& m, NDIS_DEVICE_POWER_STATE state, PnpOutcome& outcome) {
    NDIS_STATUS status = set_miniport(m, OID_PNP_SET_POWER, &state, sizeof state);
    if (status != NDIS_STATUS_SUCCESS)
        outcome.notes.push_back("OID_PNP_SET_POWER " + std::string(power_state_name(state)) + " to " +
                                m.driver->service + " on " + m.device_name + " failed with " + hex(status));
    m.power_state.store(state);
}

bool halts_for_sleep(const Miniport& m) {
    return !m.pm_capable && !m.driver->layered && (m.attribute_flags & NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND) == 0;
}

void collect_bindings(Miniport& m, std::vector<std::pair<Protocol*, std::string>>& out) {
    for (Open* open : open_bindings(m)) out.emplace_back(open->protocol, m.device_name);
    for (Miniport* up : miniports_above(m))
        for (Open* open : open_bindings(*up)) out.emplace_back(open->protocol, up->device_name);
}

bool bound(Protocol& protocol, Miniport& m) {
    bool found = false;
    m.for_each_open([&](Open* open) {
        found = found || (open->protocol == &protocol && open->state.load() == OpenState::Open);
    });
    return found;
}

// Binds again what was bound before sleep. An IM's bind brings its virtual miniport up, which the
// bindings after it need: repeat while a round makes progress.
void rebind(const std::vector<std::pair<Protocol*, std::string>>& bindings, PnpOutcome& outcome) {
    std::vector<bool> done(bindings.size(), false);
    for (bool progress = true; progress;) {
        progress = false;
        for (std::size_t i = 0; i < bindings.size(); ++i) {
            if (done[i]) continue;
            auto& [protocol, device] = bindings[i];
            Miniport* m = Library::instance().find_miniport(device);
            if (m == nullptr || m->state.load() != MiniportState::Running) continue;
            done[i] = true;
            progress = true;
            if (bound(*protocol, *m)) continue;
            NDIS_STATUS status = bind_protocol(*protocol, *m);
            if (status != NDIS_STATUS_SUCCESS)
                outcome.notes.push_back("binding " + label(*protocol) + " to " + device + " again failed with " +
                                        hex(status));
        }
    }
    for (std::size_t i = 0; i < bindings.size(); ++i)
        if (!done[i])
            outcome.notes.push_back("binding " + label(*bindings[i].first) + " to " + bindings[i].second +
                                    " again: the adapter did not come back");
}

NDIS_STATUS reinitialize(Miniport& m) {
    m.attributes_set = false;
    m.attribute_flags = 0;
    m.check_for_hang_seconds = 2;
    m.programmed_filter = 0;
    m.programmed_lookahead = 0;
    m.state.store(MiniportState::Initializing);
    return initialize_miniport(m);
}

PnpOutcome sleep(Miniport& m, NDIS_DEVICE_POWER_STATE state) {
    PnpOutcome outcome;
    g_sleep_bindings.erase(&m);
    std::vector<Miniport*> stack = miniports_above(m);
    std::reverse(stack.begin(), stack.end());
    stack.push_back(&m);  // top down

    notify_power(m, NetEventQueryPower, state, outcome, nullptr);
    for (Miniport* x : stack) {
        if (!x->pm_capable) continue;
        NDIS_DEVICE_POWER_STATE value = state;
        ULONG written = 0;
        NDIS_STATUS status = query_miniport(*x, OID_PNP_QUERY_POWER, &value, sizeof value, &written);
        if (status != NDIS_STATUS_SUCCESS)
            outcome.notes.push_back("OID_PNP_QUERY_POWER " + std::string(power_state_name(state)) + " on " +
                                    x->device_name + " failed with " + hex(status));
    }

    std::vector<std::pair<Protocol*, std::string>> unbound;
    notify_power(m, NetEventSetPower, state, outcome, &unbound);
    for (Miniport* x : stack) {
        if (x == &m) break;
        set_miniport_power(*x, state, outcome);
    }
    if (m.pm_capable || m.driver->layered) {
        set_miniport_power(m, state, outcome);
    } else if (!halts_for_sleep(m)) {
        // A legacy miniport knows only D0 and D3.
        set_miniport_power(m, NdisDeviceStateD3, outcome);
    } else {
        std::vector<std::pair<Protocol*, std::string>> bindings;
        collect_bindings(m, bindings);
        bindings.insert(bindings.end(), unbound.begin(), unbound.end());
        unbound.clear();
        g_sleep_bindings[&m] = std::move(bindings);
        halt_miniport(m);
        m.halted_for_sleep = true;
        m.power_state.store(NdisDeviceStateD3);
    }
    if (!unbound.empty()) g_sleep_bindings[&m] = std::move(unbound);
    return outcome;
}

PnpOutcome wake(Miniport& m) {
    PnpOutcome outcome;
    // Seed §2.9.3.2: the IM's virtual miniport may be at D0 before the adapter below it; the IM
    // queues what its protocols send until the adapter is.
    std::vector<Miniport*> stack = miniports_above(m);
    std::reverse(stack.begin(), stack.end());
    for (Miniport* x : stack)
        if (x->power_state.load() != NdisDeviceStateD0) set_miniport_power(*x, NdisDeviceStateD0, outcome);

    std::vector<std::pair<Protocol*, std::string>> bindings;
    if (auto it = g_sleep_bindings.find(&m); it != g_sleep_bindings.end()) {
        bindings = std::move(it->second);
        g_sleep_bindings.erase(it);
    }
    if (m.halted_for_sleep) {
        m.halted_for_sleep = false;
        NDIS_STATUS status = reinitialize(m);
        if (status != NDIS_STATUS_SUCCESS) {
            outcome.status = status;
            outcome.notes.push_back("MiniportInitialize of " + m.driver->service + " on " + m.device_name +
                                    " at D0 failed with " + hex(status));
            return outcome;
        }
    } else {
        set_miniport_power(m, NdisDeviceStateD0, outcome);
    }
    notify_power(m, NetEventSetPower, NdisDeviceStateD0, outcome, nullptr);
    rebind(bindings, outcome);
    return outcome;
}

}  // namespace

Miniport* find_power_device(std::string_view device_name) {
    Library& library = Library::instance();
    if (Miniport* m = library.find_miniport(device_name); m != nullptr && m->state.load() == MiniportState::Running)
        return m;
    Miniport* m = library.find_halted_miniport(device_name);
    return m != nullptr && m->halted_for_sleep ? m : nullptr;
}

void query_power_capabilities(Miniport& m) {
    NDIS_PNP_CAPABILITIES capabilities{};
    ULONG written = 0;
    NDIS_STATUS status = query_miniport(m, OID_PNP_CAPABILITIES, &capabilities, sizeof capabilities, &written);
    m.pm_capable = status == NDIS_STATUS_SUCCESS && written >= sizeof capabilities;
    m.pnp_capabilities = m.pm_capable ? capabilities : NDIS_PNP_CAPABILITIES{};
    m.power_state.store(NdisDeviceStateD0);
}

std::vector<Miniport*> miniports_above(Miniport& m) {
    std::vector<Miniport*> out;
    Library& library = Library::instance();
    registry::Registry* reg = library.registry();
    if (reg == nullptr) return out;
    std::vector<Miniport*> direct;
    for (Open* open : open_bindings(m)) {
        Protocol& protocol = *open->protocol;
        MiniportDriver* driver = protocol.service.empty() ? nullptr : library.find_miniport_driver(protocol.service);
        if (driver == nullptr || !driver->layered) continue;
        std::optional<registry::Value> value = reg->get_value(protocol_binding_key(protocol, m), "UpperBindings");
        if (!value) continue;
        std::vector<std::string> names;
        if (value->type() == registry::ValueType::MultiSz) names = value->as_multi_sz();
        else if (value->type() == registry::ValueType::Sz || value->type() == registry::ValueType::ExpandSz)
            names.push_back(value->as_string());
        for (const std::string& name : names) {
            Miniport* up = library.find_miniport(name);
            if (up != nullptr && up != &m && up->state.load() == MiniportState::Running &&
                std::find(direct.begin(), direct.end(), up) == direct.end())
                direct.push_back(up);
        }
    }
    for (Miniport* up : direct) {
        out.push_back(up);
        for (Miniport* higher : miniports_above(*up))
            if (std::find(out.begin(), out.end(), higher) == out.end()) out.push_back(higher);
    }
    return out;
}

PnpOutcome set_power(Miniport& m, NDIS_DEVICE_POWER_STATE state) {
    std::lock_guard lock(g_power_mutex);
    if (state < NdisDeviceStateD0 || state > NdisDeviceStateD3) return PnpOutcome{NDIS_STATUS_INVALID_DATA, {}, {}};
    NDIS_DEVICE_POWER_STATE current = m.power_state.load();
    if (state == current) return PnpOutcome{};
    if (state == NdisDeviceStateD0) return wake(m);
    if (current != NdisDeviceStateD0) {
        // Between two sleeping states the device passes through D0, as Windows' power manager
        // does it.
        PnpOutcome woken = wake(m);
        if (woken.status != NDIS_STATUS_SUCCESS) return woken;
        PnpOutcome slept = sleep(m, state);
        slept.notes.insert(slept.notes.begin(), woken.notes.begin(), woken.notes.end());
        return slept;
    }
    if (m.state.load() != MiniportState::Running) return PnpOutcome{NDIS_STATUS_ADAPTER_NOT_READY, {}, {}};
    return sleep(m, state);
}

PnpOutcome query_remove(Miniport& m) {
    std::lock_guard lock(g_power_mutex);
    PnpOutcome outcome;
    std::vector<Open*> accepted;
    for (Open* open : open_bindings(m)) {
        NDIS_STATUS status = notify(*open, NetEventQueryRemoveDevice, nullptr, 0);
        if (status == NDIS_STATUS_SUCCESS || status == NDIS_STATUS_NOT_SUPPORTED) {
            accepted.push_back(open);
            continue;
        }
        outcome.status = status;
        outcome.vetoed_by = label(*open->protocol);
        for (Open* earlier : accepted) notify(*earlier, NetEventCancelRemoveDevice, nullptr, 0);
        break;
    }
    return outcome;
}

void cancel_remove(Miniport& m) {
    std::lock_guard lock(g_power_mutex);
    for (Open* open : open_bindings(m)) notify(*open, NetEventCancelRemoveDevice, nullptr, 0);
}

PnpOutcome reconfigure(Miniport& m) {
    std::lock_guard lock(g_power_mutex);
    PnpOutcome outcome;
    for (Open* open : open_bindings(m)) {
        NDIS_STATUS status = notify(*open, NetEventReconfigure, nullptr, 0);
        if (status != NDIS_STATUS_SUCCESS && status != NDIS_STATUS_NOT_SUPPORTED)
            outcome.notes.push_back("NetEventReconfigure on " + m.device_name + ": " + label(*open->protocol) +
                                    " failed it with " + hex(status));
    }
    return outcome;
}

PnpOutcome set_wake_up(Miniport& m, bool enable) {
    std::lock_guard lock(g_power_mutex);
    PnpOutcome outcome;
    if (!m.pm_capable) {
        outcome.status = NDIS_STATUS_NOT_SUPPORTED;
        outcome.notes.push_back(m.device_name + " answered OID_PNP_CAPABILITIES with an error: it has no wake-up to turn on");
        return outcome;
    }
    if (enable) m.pnp_capabilities.Flags |= NDIS_DEVICE_WAKE_UP_ENABLE;
    else m.pnp_capabilities.Flags &= ~static_cast<ULONG>(NDIS_DEVICE_WAKE_UP_ENABLE);
    for (Open* open : open_bindings(m)) {
        NDIS_PNP_CAPABILITIES capabilities = m.pnp_capabilities;  // each protocol gets its own copy
        NDIS_STATUS status = notify(*open, NetEventPnPCapabilities, &capabilities, sizeof capabilities);
        if (status != NDIS_STATUS_SUCCESS && status != NDIS_STATUS_NOT_SUPPORTED)
            outcome.notes.push_back("NetEventPnPCapabilities on " + m.device_name + ": " + label(*open->protocol) +
                                    " failed it with " + hex(status));
    }
    return outcome;
}

NDIS_STATUS indicate_bind_list(Protocol& protocol, const std::vector<std::string>& device_names) {
    std::u16string list;
    for (const std::string& name : device_names) {
        list += to_utf16(name);
        list.push_back(u'\0');
    }
    list.push_back(u'\0');
    NET_PNP_EVENT event{};
    event.NetEvent = NetEventBindList;
    event.Buffer = list.data();
    event.BufferLength = static_cast<ULONG>(list.size() * sizeof(char16_t));
    return deliver_pnp_event(protocol, nullptr, nullptr, &event);
}

void indicate_binds_complete() {
    std::vector<Protocol*> protocols;
    {
        std::lock_guard lock(g_told_mutex);
        for (Protocol* p : Library::instance().protocols())
            if (!p->deregistering && !p->binds_complete_indicated) {
                p->binds_complete_indicated = true;
                protocols.push_back(p);
            }
    }
    for (Protocol* p : protocols) {
        NET_PNP_EVENT event{};
        event.NetEvent = NetEventBindsComplete;
        deliver_pnp_event(*p, nullptr, nullptr, &event);
    }
}

const char* power_state_name(NDIS_DEVICE_POWER_STATE state) {
    switch (state) {
    case NdisDeviceStateD0: return "D0";
    case NdisDeviceStateD1: return "D1";
    case NdisDeviceStateD2: return "D2";
    case NdisDeviceStateD3: return "D3";
    default: return "unspecified";
    }
}

}  // namespace strata::ndis
