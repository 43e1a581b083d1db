// media_indicate.cpp — the Token Ring (802.5) and FDDI lookahead indications, NdisMTrIndicateReceive
// and NdisMFddiIndicateReceive with their ...Complete calls (ndis.h; seed 003 §2.7.1.2). Strata's
// receive path and filters are Ethernet: PASSTHRU-style IM drivers call these only for an adapter
// below them of that medium, so on an adapter of another medium they are a driver bug (reported),
// and on an 802.5/FDDI adapter the frame reaches no protocol (logged once per adapter medium).
#include <atomic>
#include <cstdio>

#include "common/log.h"
#include "ndis/miniport.h"
#include "ndis/miniport_driver.h"
#include "ntos/irql.h"
#include "verifier/verifier.h"

namespace strata::ndis {
namespace {

// Checks that `miniport` selected `medium`; false (after a report) when it did not.
bool medium_is(Miniport& miniport, NDIS_MEDIUM medium, const char* function) {
    if (miniport.medium == medium) return true;
    char message[160];
    std::snprintf(message, sizeof message, "%s: the adapter's medium is %d, not %d", function,
                  static_cast<int>(miniport.medium), static_cast<int>(medium));
    verifier::report(verifier::Rule::BadCall, miniport.driver != nullptr ? miniport.driver->service : "",
                     miniport.handle, message);
    return false;
}

void drop_unsupported(NDIS_MEDIUM medium, const char* function) {
    static std::atomic<bool> logged[2]{};
    bool expected = false;
    if (logged[medium == NdisMediumFddi ? 1 : 0].compare_exchange_strong(expected, true))
        log::write(log::Level::error, "ndis",
                   std::string("FIXME: ") + function +
                       ": Strata has no Token Ring/FDDI filter; receive indications on this medium are dropped");
}

void indicate(NDIS_HANDLE handle, NDIS_MEDIUM medium, const char* function) {
    ntos::irql_at_most(DISPATCH_LEVEL, function);
    Miniport* miniport = miniport_from(handle, function);
    if (miniport == nullptr || !medium_is(*miniport, medium, function)) return;
    drop_unsupported(medium, function);
}

void indicate_complete(NDIS_HANDLE handle, NDIS_MEDIUM medium, const char* function) {
    ntos::irql_at_most(DISPATCH_LEVEL, function);
    if (Miniport* miniport = miniport_from(handle, function)) (void)medium_is(*miniport, medium, function);
}

}  // namespace
}  // namespace strata::ndis

using namespace strata::ndis;

/* NdisMTrIndicateReceive (ndis.h) — seed 003 §2.7.1.2 — IRQL == DISPATCH_LEVEL */
extern "C" VOID NdisMTrIndicateReceive(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE MiniportReceiveContext,
                                       PVOID HeaderBuffer, UINT HeaderBufferSize, PVOID LookaheadBuffer,
                                       UINT LookaheadBufferSize, UINT PacketSize) {
    (void)MiniportReceiveContext, (void)HeaderBuffer, (void)HeaderBufferSize, (void)LookaheadBuffer;
    (void)LookaheadBufferSize, (void)PacketSize;
    indicate(MiniportAdapterHandle, NdisMedium802_5, "NdisMTrIndicateReceive");
}

/* NdisMTrIndicateReceiveComplete (ndis.h) — seed 003 §2.7.1.2 — IRQL == DISPATCH_LEVEL */
extern "C" VOID NdisMTrIndicateReceiveComplete(NDIS_HANDLE MiniportAdapterHandle) {
    indicate_complete(MiniportAdapterHandle, NdisMedium802_5, "NdisMTrIndicateReceiveComplete");
}

/* NdisMFddiIndicateReceive (ndis.h) — seed 003 §2.7.1.2 — IRQL == DISPATCH_LEVEL */
extern "C" VOID NdisMFddiIndicateReceive(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE MiniportReceiveContext,
                                         PVOID HeaderBuffer, UINT HeaderBufferSize, PVOID LookaheadBuffer,
                                         UINT LookaheadBufferSize, UINT PacketSize) {
    (void)MiniportReceiveContext, (void)HeaderBuffer, (void)HeaderBufferSize, (void)LookaheadBuffer;
    (void)LookaheadBufferSize, (void)PacketSize;
    indicate(MiniportAdapterHandle, NdisMediumFddi, "NdisMFddiIndicateReceive");
}

/* NdisMFddiIndicateReceiveComplete (ndis.h) — seed 003 §2.7.1.2 — IRQL == DISPATCH_LEVEL */
extern "C" VOID NdisMFddiIndicateReceiveComplete(NDIS_HANDLE MiniportAdapterHandle) {
    indicate_complete(MiniportAdapterHandle, NdisMediumFddi, "NdisMFddiIndicateReceiveComplete");
}
