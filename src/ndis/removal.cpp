// removal.cpp — NdisMRemoveMiniport and surprise removal (see removal.h).
#include "ndis/removal.h"

#include <mutex>

#include "ndis/library.h"

namespace strata::ndis {
namespace {

std::mutex g_listener_mutex;
RemovalListener g_listener;

}  // namespace

void set_removal_listener(RemovalListener listener) {
    std::lock_guard lock(g_listener_mutex);
    g_listener = std::move(listener);
}

void notify_surprise_removal(Miniport& m) {
    auto notify = m.driver->chars.PnPEventNotifyHandler;
    if (notify == nullptr || m.state.load() != MiniportState::Running) return;
    m.call_serialized([&] { notify(m.context, NdisDevicePnPEventSurpriseRemoved, nullptr, 0); });
}

}  // namespace strata::ndis

using namespace strata::ndis;

/* NdisMRemoveMiniport (ndis.h) — seed 003 §2.11 — IRQL <= DISPATCH_LEVEL
 * The adapter failed for good: NDIS removes it later, on a worker thread, as it would a device
 * that was pulled out. A second call for the same adapter changes nothing. */
extern "C" NDIS_STATUS NdisMRemoveMiniport(NDIS_HANDLE MiniportHandle) {
    Miniport* m = miniport_from(MiniportHandle, "NdisMRemoveMiniport");
    if (m == nullptr) return NDIS_STATUS_FAILURE;
    RemovalListener listener;
    {
        std::lock_guard lock(g_listener_mutex);
        listener = g_listener;
    }
    if (!listener) return NDIS_STATUS_FAILURE;
    if (!m->removal_requested.exchange(true)) listener(m->device_name);
    return NDIS_STATUS_SUCCESS;
}
