// pending_io.cpp — NdisQueryPendingIOCount (ndis.h, NDIS 5.1; seed 003 §2.9): how much a binding
// still has outstanding below it, which IM drivers poll before a low-power transition or unbind.
#include "ndis/handle_table.h"
#include "ndis/open.h"
#include "ntos/check.h"
#include "ntos/irql.h"

using namespace strata;
using namespace strata::ndis;

/* NdisQueryPendingIOCount (ndis.h) — seed 003 §2.9 — IRQL <= DISPATCH_LEVEL
 * *IoCount: the binding's sends not yet completed to it plus its outstanding requests. */
extern "C" NDIS_STATUS NdisQueryPendingIOCount(PVOID NdisBindingHandle, PULONG IoCount) {
    constexpr const char* kFunction = "NdisQueryPendingIOCount";
    ntos::irql_at_most(DISPATCH_LEVEL, kFunction);
    if (!ntos::non_null(IoCount, kFunction)) return NDIS_STATUS_FAILURE;
    *IoCount = 0;
    auto* open = lookup<Open>(NdisBindingHandle, HandleKind::Open, kFunction);
    if (open == nullptr) return NDIS_STATUS_FAILURE;
    std::int64_t sends = open->sends_outstanding.load(std::memory_order_acquire);
    std::int32_t requests = open->requests_outstanding.load(std::memory_order_acquire);
    *IoCount = static_cast<ULONG>((sends > 0 ? sends : 0) + (requests > 0 ? requests : 0));
    return NDIS_STATUS_SUCCESS;
}
