// pnp_event.cpp — delivering PnP events to protocols (seed 003 §2.9): ProtocolPnPEvent with its
// pending path NdisCompletePnPEvent, and NdisIMNotifyPnPEvent, with which an IM passes an event
// its protocol edge received up to the protocols bound to its virtual miniport. power.cpp
// decides which events NDIS itself delivers, and when.
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "ndis/handle_table.h"
#include "ndis/library.h"
#include "ndis/power.h"
#include "verifier/verifier.h"

namespace strata::ndis {
namespace {

// One ProtocolPnPEvent call NDIS waits on; NdisCompletePnPEvent finds it by binding and event.
struct PendingEvent {
    NDIS_HANDLE binding = nullptr;
    PNET_PNP_EVENT event = nullptr;
    bool done = false;
    NDIS_STATUS status = NDIS_STATUS_PENDING;
};

std::mutex g_mutex;
std::condition_variable g_completed;
std::vector<PendingEvent*> g_pending;

}  // namespace

// A protocol without the handler accepts every event. PASSIVE_LEVEL.
NDIS_STATUS deliver_pnp_event(Protocol& protocol, NDIS_HANDLE binding_handle, NDIS_HANDLE binding_context,
                              PNET_PNP_EVENT event) {
    auto handler = protocol.chars.PnPEventHandler;
    if (handler == nullptr) return NDIS_STATUS_SUCCESS;
    PendingEvent pending{binding_handle, event};
    {
        std::lock_guard lock(g_mutex);
        g_pending.push_back(&pending);
    }
    NDIS_STATUS status = handler(binding_context, event);
    std::unique_lock lock(g_mutex);
    if (status == NDIS_STATUS_PENDING) {
        g_completed.wait(lock, [&] { return pending.done; });
        status = pending.status;
    }
    std::erase(g_pending, &pending);
    return status;
}

}  // namespace strata::ndis

using namespace strata;
using namespace strata::ndis;

/* NdisCompletePnPEvent (ndis.h) — seed 003 §2.9 — IRQL <= DISPATCH_LEVEL
 * Completes a ProtocolPnPEvent that returned NDIS_STATUS_PENDING. */
extern "C" VOID NdisCompletePnPEvent(NDIS_STATUS Status, NDIS_HANDLE NdisBindingHandle, PNET_PNP_EVENT NetPnPEvent) {
    {
        std::lock_guard lock(g_mutex);
        auto it = std::find_if(g_pending.begin(), g_pending.end(), [&](const PendingEvent* p) {
            return p->binding == NdisBindingHandle && p->event == NetPnPEvent && !p->done;
        });
        if (it != g_pending.end()) {
            (*it)->done = true;
            (*it)->status = Status;
            g_completed.notify_all();
            return;
        }
    }
    verifier::report(verifier::Rule::CompletionWithoutCall, "", NdisBindingHandle,
                     "NdisCompletePnPEvent: no PnP event is pending on this binding");
}

/* NdisIMNotifyPnPEvent (ndis.h) — seed 003 §2.9 — IRQL == PASSIVE_LEVEL
 * Gives NetPnPEvent to the ProtocolPnPEvent of every protocol bound to the IM's virtual miniport,
 * one after the other, waiting for pended ones. Returns the first failure (a protocol vetoing a
 * query), else NDIS_STATUS_SUCCESS. */
extern "C" NDIS_STATUS NdisIMNotifyPnPEvent(NDIS_HANDLE MiniportHandle, PNET_PNP_EVENT NetPnPEvent) {
    Miniport* m = miniport_from(MiniportHandle, "NdisIMNotifyPnPEvent");
    if (m == nullptr) return NDIS_STATUS_FAILURE;
    if (NetPnPEvent == nullptr) {
        verifier::report(verifier::Rule::NullParameter, m->driver->service, MiniportHandle,
                         "NdisIMNotifyPnPEvent: NetPnPEvent is NULL");
        return NDIS_STATUS_FAILURE;
    }
    std::vector<Open*> opens;
    m->for_each_open([&](Open* open) {
        if (open->state.load() == OpenState::Open) opens.push_back(open);
    });
    NDIS_STATUS result = NDIS_STATUS_SUCCESS;
    for (Open* open : opens) {
        NDIS_STATUS status = deliver_pnp_event(*open->protocol, open->handle, open->binding_context, NetPnPEvent);
        if (status != NDIS_STATUS_SUCCESS && status != NDIS_STATUS_NOT_SUPPORTED && result == NDIS_STATUS_SUCCESS)
            result = status;
    }
    return result;
}
