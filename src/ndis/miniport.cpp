// miniport.cpp — adapter lifecycle and attributes (seed 003 §2.4.2): MiniportInitialize with
// medium selection, NdisMSetAttributes(Ex), MiniportHalt, the open list, and the adapter-level
// calls NdisMRegisterAdapterShutdownHandler/NdisMGetDeviceProperty.
#include "ndis/miniport.h"

#include <array>
#include <cstdio>
#include <thread>

#include "ndis/binding.h"
#include "ndis/handle_table.h"
#include "ndis/library.h"
#include "ndis/power.h"
#include "ndis/request.h"
#include "verifier/verifier.h"

namespace strata::ndis {

Miniport* miniport_from(NDIS_HANDLE handle, const char* function) noexcept {
    return lookup<Miniport>(handle, HandleKind::Miniport, function);
}

bool Miniport::add_open(Open* open) noexcept {
    std::uint32_t used = open_slots_used.load();
    for (std::uint32_t i = 0; i < kMaxOpens; ++i) {
        if (opens[i].load() != nullptr) continue;
        opens[i].store(open, std::memory_order_release);
        if (i >= used) open_slots_used.store(i + 1, std::memory_order_release);
        open_count.fetch_add(1);
        return true;
    }
    return false;
}

void Miniport::remove_open(Open* open) noexcept {
    for (auto& slot : opens) {
        Open* expected = open;
        if (slot.compare_exchange_strong(expected, nullptr)) {
            open_count.fetch_sub(1);
            break;
        }
    }
    // An indication that already read the slot may still be calling the open's protocol.
    while (indications_in_flight.load(std::memory_order_acquire) != 0) std::this_thread::yield();
}

NDIS_STATUS initialize_miniport(Miniport& m) {
    const auto& chars = m.driver->chars;
    std::array<NDIS_MEDIUM, NdisMediumMax> media{};
    for (int i = 0; i < NdisMediumMax; ++i) media[i] = static_cast<NDIS_MEDIUM>(i);
    m.handle = HandleTable::instance().insert(HandleKind::Miniport, &m);
    NDIS_HANDLE configuration = HandleTable::instance().insert(HandleKind::WrapperConfig, &m);
    NDIS_STATUS open_error = NDIS_STATUS_SUCCESS;
    UINT selected = static_cast<UINT>(media.size());
    NDIS_STATUS status = chars.InitializeHandler(&open_error, &selected, media.data(), static_cast<UINT>(media.size()),
                                                 m.handle, configuration);
    HandleTable::instance().erase(configuration);
    if (status == NDIS_STATUS_SUCCESS && selected >= media.size()) {
        verifier::report(verifier::Rule::BadCall, m.driver->service, m.handle,
                         "MiniportInitialize succeeded without selecting a medium");
        status = NDIS_STATUS_UNSUPPORTED_MEDIA;
    }
    if (status != NDIS_STATUS_SUCCESS) {
        HandleTable::instance().erase(m.handle);
        m.state.store(MiniportState::Halted);
        return status;
    }
    if (!m.attributes_set)
        verifier::report(verifier::Rule::BadCall, m.driver->service, m.handle,
                         "MiniportInitialize succeeded without calling NdisMSetAttributes(Ex)");
    m.medium = media[selected];
    m.state.store(MiniportState::Running);
    {
        std::lock_guard lock(Library::instance().mutex);
        m.driver->adapters.push_back(&m);
    }
    if (m.medium == NdisMedium802_3) {
        ULONG written = 0;
        query_miniport(m, OID_802_3_CURRENT_ADDRESS, m.station.data(), static_cast<ULONG>(m.station.size()), &written);
        query_miniport(m, OID_GEN_MAC_OPTIONS, &m.mac_options, sizeof m.mac_options, &written);
        ULONG lookahead = 0;
        if (query_miniport(m, OID_GEN_MAXIMUM_LOOKAHEAD, &lookahead, sizeof lookahead, &written) ==
                NDIS_STATUS_SUCCESS && lookahead != 0)
            m.max_lookahead = lookahead;
    }
    query_power_capabilities(m);
    start_hang_check(m);
    return NDIS_STATUS_SUCCESS;
}

void halt_miniport(Miniport& m) {
    if (m.state.load() != MiniportState::Running) return;
    unbind_all(m);
    m.state.store(MiniportState::Halting);
    stop_hang_check(m);
    m.call_serialized([&] { m.driver->chars.HaltHandler(m.context); });
    {
        std::lock_guard lock(Library::instance().mutex);
        auto& adapters = m.driver->adapters;
        std::erase(adapters, &m);
    }
    HandleTable::instance().erase(m.handle);
    m.state.store(MiniportState::Halted);
}

}  // namespace strata::ndis

using namespace strata;
using namespace strata::ndis;

/* NdisMSetAttributesEx (ndis.h) — seed 003 §2.4.2 — IRQL == PASSIVE_LEVEL
 * Only from MiniportInitialize. CheckForHangTimeInSeconds 0 keeps NDIS's default (2 s). */
extern "C" VOID NdisMSetAttributesEx(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE MiniportAdapterContext,
                                     UINT CheckForHangTimeInSeconds, ULONG AttributeFlags,
                                     NDIS_INTERFACE_TYPE AdapterType) {
    Miniport* m = miniport_from(MiniportAdapterHandle, "NdisMSetAttributesEx");
    if (m == nullptr) return;
    if (m->state.load() != MiniportState::Initializing) {
        verifier::report(verifier::Rule::BadCall, m->driver->service, MiniportAdapterHandle,
                         "NdisMSetAttributesEx called outside MiniportInitialize");
        return;
    }
    m->context = MiniportAdapterContext;
    m->attribute_flags = AttributeFlags;
    if (CheckForHangTimeInSeconds != 0) m->check_for_hang_seconds = CheckForHangTimeInSeconds;
    m->interface_type = AdapterType;
    m->attributes_set = true;
}

/* NdisMSetAttributes (ndis.h) — seed 003 §2.4.2 — IRQL == PASSIVE_LEVEL (a serialized miniport) */
extern "C" VOID NdisMSetAttributes(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE MiniportAdapterContext,
                                   BOOLEAN BusMaster, NDIS_INTERFACE_TYPE AdapterType) {
    NdisMSetAttributesEx(MiniportAdapterHandle, MiniportAdapterContext, 0,
                         BusMaster ? NDIS_ATTRIBUTE_BUS_MASTER : 0, AdapterType);
}

/* NdisMRegisterAdapterShutdownHandler (ndis.h) — seed 003 §2.9 — IRQL == PASSIVE_LEVEL
 * NDIS 5.1 miniports give MiniportShutdown in their characteristics; older ones register it
 * here. The host has no system shutdown, so the handler is kept for halting only. */
extern "C" VOID NdisMRegisterAdapterShutdownHandler(NDIS_HANDLE MiniportHandle, PVOID ShutdownContext,
                                                    ADAPTER_SHUTDOWN_HANDLER ShutdownHandler) {
    (void)ShutdownContext;
    (void)ShutdownHandler;
    miniport_from(MiniportHandle, "NdisMRegisterAdapterShutdownHandler");
}

/* NdisMDeregisterAdapterShutdownHandler (ndis.h) — seed 003 §2.9 — IRQL == PASSIVE_LEVEL */
extern "C" VOID NdisMDeregisterAdapterShutdownHandler(NDIS_HANDLE MiniportHandle) {
    miniport_from(MiniportHandle, "NdisMDeregisterAdapterShutdownHandler");
}

/* NdisMGetDeviceProperty (ndis.h) — seed 003 §2.4.2 — IRQL == PASSIVE_LEVEL
 * User space has no PnP device stack: every device object and resource list is NULL. */
extern "C" VOID NdisMGetDeviceProperty(NDIS_HANDLE MiniportAdapterHandle, PDEVICE_OBJECT* PhysicalDeviceObject,
                                       PDEVICE_OBJECT* FunctionalDeviceObject, PDEVICE_OBJECT* NextDeviceObject,
                                       PVOID* AllocatedResources, PVOID* AllocatedResourcesTranslated) {
    miniport_from(MiniportAdapterHandle, "NdisMGetDeviceProperty");
    for (PDEVICE_OBJECT* out : {PhysicalDeviceObject, FunctionalDeviceObject, NextDeviceObject})
        if (out != nullptr) *out = nullptr;
    for (PVOID* out : {AllocatedResources, AllocatedResourcesTranslated})
        if (out != nullptr) *out = nullptr;
}
