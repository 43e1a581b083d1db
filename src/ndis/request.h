// request.h — OID requests (seed 003 §2.4.3): NDIS's own requests to a miniport and the
// Ethernet filter state NDIS keeps per open and programs as a union into the miniport.
#pragma once

#include <vector>

#include <ndis.h>

namespace strata::ndis {

struct Miniport;

// Issues a query or set to the miniport on behalf of NDIS and waits for it (PASSIVE_LEVEL).
NDIS_STATUS query_miniport(Miniport& miniport, NDIS_OID oid, void* buffer, ULONG length, ULONG* bytes_written);
NDIS_STATUS set_miniport(Miniport& miniport, NDIS_OID oid, const void* buffer, ULONG length);

// Recomputes the union of every open's packet filter, multicast list and lookahead and sets
// what changed on the miniport (asynchronously; the miniport sees them in order).
void refresh_miniport_filters(Miniport& miniport);

// Tests: make NdisOpenAdapter pend and complete through ProtocolOpenAdapterComplete.
void set_open_adapter_pends(bool pends) noexcept;

}  // namespace strata::ndis
