/* hooks.c — PassthruQueryCounters, the counter hook declared in passthru_hooks.h: a snapshot of
 * one binding's send, receive and request counters and its descriptor use (seed 003 §2.5,
 * §2.7.1, §2.8). */
#include "passthru.h"

/* Any IRQL <= DISPATCH_LEVEL. The binding stays listed while the list lock is held, so the
 * snapshot is taken under it; the counters themselves are read without their writers' help. */
NDIS_STATUS PassthruQueryCounters(ULONG Index, PASSTHRU_COUNTERS *Counters)
{
    NDIS_STATUS Status = NDIS_STATUS_ADAPTER_NOT_FOUND;
    PLIST_ENTRY Entry;
    ULONG i = 0;

    if (Counters == NULL)
        return NDIS_STATUS_INVALID_DATA;
    NdisZeroMemory(Counters, sizeof(*Counters));

    NdisAcquireSpinLock(&PtGlobals.Lock);
    for (Entry = PtGlobals.Adapters.Flink; Entry != &PtGlobals.Adapters; Entry = Entry->Flink, i++) {
        PPT_ADAPTER A = CONTAINING_RECORD(Entry, PT_ADAPTER, Link);

        if (i != Index)
            continue;
        NdisMoveMemory(Counters->LowerName, A->LowerName, sizeof(Counters->LowerName));
        NdisMoveMemory(Counters->UpperName, A->UpperName, sizeof(Counters->UpperName));
        Counters->PacketStacking = A->PacketStacking ? 1 : 0;
        Counters->MiniportUp = A->MiniportReady ? 1 : 0;
        Counters->Sends = (ULONG64)A->Sends;
        Counters->SendsStacked = (ULONG64)A->SendsStacked;
        Counters->SendCompletes = (ULONG64)A->SendCompletes;
        Counters->SendsFailed = (ULONG64)A->SendsFailed;
        Counters->SendsNoDescriptor = (ULONG64)A->SendsNoDescriptor;
        Counters->Receives = (ULONG64)A->Receives;
        Counters->ReceivesStacked = (ULONG64)A->ReceivesStacked;
        Counters->ReceivesLookahead = (ULONG64)A->ReceivesLookahead;
        Counters->ReceivesDropped = (ULONG64)A->ReceivesDropped;
        Counters->Returns = (ULONG64)A->Returns;
        Counters->TransferDataCalls = (ULONG64)A->TransferDataCalls;
        Counters->RequestsForwarded = (ULONG64)A->RequestsForwarded;
        Counters->RequestsLocal = (ULONG64)A->RequestsLocal;
        Counters->StatusIndications = (ULONG64)A->StatusIndications;
        Counters->LastMediaStatus = (ULONG)A->LatestMediaStatus;
        Counters->SendDescriptorsInUse = NdisPacketPoolUsage(A->SendPacketPool);
        Counters->ReceiveDescriptorsInUse = NdisPacketPoolUsage(A->RecvPacketPool);
        Counters->SendsQueued = (ULONG64)A->SendsQueued;
        Counters->SendsQueueFull = (ULONG64)A->SendsQueueFull;
        Counters->SendsWaiting = A->SendQueueCount;
        Counters->MiniportReferences = (ULONG64)(A->MiniportRefs.Count > 0 ? A->MiniportRefs.Count : 0);
        Status = NDIS_STATUS_SUCCESS;
        break;
    }
    NdisReleaseSpinLock(&PtGlobals.Lock);
    return Status;
}
