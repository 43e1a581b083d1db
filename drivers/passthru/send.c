/* send.c — packets down: MiniportSendPackets repackages every upper packet in a descriptor of
 * its own (or, with packet stacking, passes the packet itself) and sends them below in order,
 * or queues them while the adapter below sleeps; ProtocolSendComplete gives each upper packet
 * back; MiniportCancelSendPackets forwards the cancellation (seed 003 §2.5, §2.6, §2.8,
 * §2.9.3.2). */
#include "passthru.h"

/* Any IRQL <= DISPATCH_LEVEL. Completes one upper packet, counts it and lets go of its miniport
 * reference (the last thing touching the miniport edge for it). */
static VOID PtCompleteUp(PPT_ADAPTER Adapter, PNDIS_PACKET Packet, NDIS_STATUS Status)
{
    NdisMSendComplete(Adapter->MiniportHandle, Packet, Status);
    InterlockedIncrement64(&Adapter->SendCompletes);
    if (Status != NDIS_STATUS_SUCCESS)
        InterlockedIncrement64(&Adapter->SendsFailed);
    PtMiniportLeave(Adapter, 1);
}

/* Any IRQL <= DISPATCH_LEVEL. Our descriptor Down for the upper packet Up (seed §2.5, §2.8):
 * the same buffers, the upper packet's flags, its OOB block, per-packet information and
 * media-specific information, and the packet it stands for. */
static VOID PtPrepareDescriptor(PNDIS_PACKET Down, PNDIS_PACKET Up)
{
    PVOID MediaInfo;
    UINT MediaInfoSize;

    PT_SEND_RSVD(Down)->Original = Up;
    PtShareBuffers(Down, Up);
    NdisSetSendFlags(Down, NdisGetPacketFlags(Up));
    NdisMoveMemory(NDIS_OOB_DATA_FROM_PACKET(Down), NDIS_OOB_DATA_FROM_PACKET(Up), sizeof(NDIS_PACKET_OOB_DATA));
    NdisIMCopySendPerPacketInfo(Down, Up);
    NDIS_GET_PACKET_MEDIA_SPECIFIC_INFO(Up, &MediaInfo, &MediaInfoSize);
    if (MediaInfo != NULL || MediaInfoSize != 0)
        NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(Down, MediaInfo, MediaInfoSize);
    if (NDIS_GET_ORIGINAL_PACKET(Down) == NULL)
        NDIS_SET_ORIGINAL_PACKET(Down, Up);
}

/* Any IRQL <= DISPATCH_LEVEL. A send below is done (synchronously or in ProtocolSendComplete):
 * our descriptor gives the upper packet its completion information back and is freed; a
 * stacked packet (not from our pool) is the upper packet itself. */
static VOID PtFinishSend(PPT_ADAPTER Adapter, PNDIS_PACKET Down, NDIS_STATUS Status)
{
    PNDIS_PACKET Up = Down;

    if (NdisGetPoolFromPacket(Down) == Adapter->SendPacketPool) {
        Up = PT_SEND_RSVD(Down)->Original;
        NdisIMCopySendCompletePerPacketInfo(Up, Down);
        PtUnshareBuffers(Down);
        NdisFreePacket(Down);
    }
    PtRefDrop(&Adapter->LowerRefs, 1);
    PtCompleteUp(Adapter, Up, Status);
}

/* DISPATCH_LEVEL or below. Count packets go below, in order: one NdisSendPackets when the
 * adapter takes arrays (seed §2.8), else NdisSend each, completing the synchronous ones. */
static VOID PtSendDown(PPT_ADAPTER Adapter, PPNDIS_PACKET Packets, UINT Count)
{
    NDIS_STATUS Status;
    UINT i;

    InterlockedExchangeAdd64(&Adapter->Sends, Count);
    if (Adapter->LowerMaxSendPackets > 1) {
        NdisSendPackets(Adapter->BindingHandle, Packets, Count);
        return;
    }
    for (i = 0; i < Count; i++) {
        NdisSend(&Status, Adapter->BindingHandle, Packets[i]);
        if (Status != NDIS_STATUS_PENDING)
            PtFinishSend(Adapter, Packets[i], Status);
    }
}

/* DISPATCH_LEVEL or below. Count upper packets, each holding a miniport reference, go below in
 * order (one descriptor each, or the packet itself with packet stacking). Unless FromQueue, a
 * send that meets SendQueueing after taking its references below goes to the queue instead. */
static VOID PtSendBatch(PPT_ADAPTER Adapter, PPNDIS_PACKET PacketArray, UINT NumberOfPackets, BOOLEAN FromQueue);

/* IRQL <= DISPATCH_LEVEL. Queues Count packets (their miniport references stay taken) while
 * SendQueueing; what does not fit is completed with NDIS_STATUS_RESOURCES. Seed §2.9.3.2: the
 * virtual miniport may be at D0 before the adapter below, and sends must wait for it. */
static VOID PtQueueSends(PPT_ADAPTER Adapter, PPNDIS_PACKET Packets, UINT Count)
{
    UINT Queued = 0;
    UINT i;

    NdisAcquireSpinLock(&Adapter->Lock);
    if (!Adapter->SendQueueing) {
        /* The drain finished meanwhile: the adapter below is back. */
        NdisReleaseSpinLock(&Adapter->Lock);
        PtSendBatch(Adapter, Packets, Count, FALSE);
        return;
    }
    while (Queued < Count && Adapter->SendQueueCount < PT_SEND_QUEUE_SIZE) {
        ULONG Tail = (Adapter->SendQueueHead + Adapter->SendQueueCount) % PT_SEND_QUEUE_SIZE;

        Adapter->SendQueue[Tail] = Packets[Queued++];
        Adapter->SendQueueCount++;
    }
    NdisReleaseSpinLock(&Adapter->Lock);
    InterlockedExchangeAdd64(&Adapter->SendsQueued, Queued);
    for (i = Queued; i < Count; i++) {
        InterlockedIncrement64(&Adapter->SendsQueueFull);
        PtCompleteUp(Adapter, Packets[i], NDIS_STATUS_RESOURCES);
    }
}

static VOID PtSendBatch(PPT_ADAPTER Adapter, PPNDIS_PACKET PacketArray, UINT NumberOfPackets, BOOLEAN FromQueue)
{
    PNDIS_PACKET Batch[PT_MAX_SEND_BATCH];
    UINT Limit = Adapter->LowerMaxSendPackets < PT_MAX_SEND_BATCH ? Adapter->LowerMaxSendPackets : PT_MAX_SEND_BATCH;
    UINT Batched = 0;
    UINT i;

    /* Each packet holds a reference below while it is there. The power transition sets
     * SendQueueing before it waits for LowerRefs to drain, so a send either is seen by that wait
     * or sees SendQueueing here. */
    PtRefAdd(&Adapter->LowerRefs, (LONG)NumberOfPackets);
    KeMemoryBarrier();
    if (!FromQueue && Adapter->SendQueueing) {
        PtRefDrop(&Adapter->LowerRefs, (LONG)NumberOfPackets);
        PtQueueSends(Adapter, PacketArray, NumberOfPackets);
        return;
    }

    for (i = 0; i < NumberOfPackets; i++) {
        PNDIS_PACKET Up = PacketArray[i];
        PNDIS_PACKET Down = NULL;
        NDIS_STATUS Status;
        BOOLEAN StacksRemaining = FALSE;

        if (Adapter->PacketStacking) {
            NdisIMGetCurrentPacketStack(Up, &StacksRemaining);
            if (StacksRemaining) {
                Down = Up;
                InterlockedIncrement64(&Adapter->SendsStacked);
            }
        }
        if (Down == NULL) {
            NdisAllocatePacket(&Status, &Down, Adapter->SendPacketPool);
            if (Status != NDIS_STATUS_SUCCESS) {
                InterlockedIncrement64(&Adapter->SendsNoDescriptor);
                PtRefDrop(&Adapter->LowerRefs, 1);
                PtCompleteUp(Adapter, Up, NDIS_STATUS_RESOURCES);
                continue;
            }
            PtPrepareDescriptor(Down, Up);
        }
        Batch[Batched++] = Down;
        if (Batched == Limit) {
            PtSendDown(Adapter, Batch, Batched);
            Batched = 0;
        }
    }
    if (Batched != 0)
        PtSendDown(Adapter, Batch, Batched);
}

/* MiniportSendPackets (ndis.h) — seed 003 §2.8, §2.9.3.2 — IRQL <= DISPATCH_LEVEL; deserialized,
 * so any number of processors at once. Every packet is completed exactly once with
 * NdisMSendComplete, later or now (no descriptor or a full queue: NDIS_STATUS_RESOURCES; the
 * virtual miniport asleep on its own: NDIS_STATUS_FAILURE). While the adapter below sleeps the
 * packets wait in the send queue. The order of the array is the order below. */
VOID MpSendPackets(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray, UINT NumberOfPackets)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)MiniportAdapterContext;
    UINT i;

    /* NDIS sends nothing to a miniport before MiniportInitialize or during MiniportHalt, so the
     * references are taken unconditionally: each packet holds one on the miniport edge until
     * completed up. */
    PtRefAdd(&Adapter->MiniportRefs, (LONG)NumberOfPackets);
    KeMemoryBarrier();
    if (Adapter->SendQueueing) {
        PtQueueSends(Adapter, PacketArray, NumberOfPackets);
        return;
    }
    if (Adapter->MiniportPowerState != NdisDeviceStateD0 || Adapter->LowerPowerState != NdisDeviceStateD0) {
        for (i = 0; i < NumberOfPackets; i++)
            PtCompleteUp(Adapter, PacketArray[i], NDIS_STATUS_FAILURE);
        return;
    }
    PtSendBatch(Adapter, PacketArray, NumberOfPackets, FALSE);
}

VOID PtDrainSendQueue(PPT_ADAPTER Adapter)
{
    PNDIS_PACKET Batch[PT_MAX_SEND_BATCH];

    for (;;) {
        UINT Count = 0;

        NdisAcquireSpinLock(&Adapter->Lock);
        while (Count < PT_MAX_SEND_BATCH && Adapter->SendQueueCount != 0) {
            Batch[Count++] = Adapter->SendQueue[Adapter->SendQueueHead];
            Adapter->SendQueueHead = (Adapter->SendQueueHead + 1) % PT_SEND_QUEUE_SIZE;
            Adapter->SendQueueCount--;
        }
        if (Count == 0)
            Adapter->SendQueueing = FALSE;
        NdisReleaseSpinLock(&Adapter->Lock);
        if (Count == 0)
            return;
        PtSendBatch(Adapter, Batch, Count, TRUE);
    }
}

VOID PtFailSendQueue(PPT_ADAPTER Adapter, NDIS_STATUS Status)
{
    PNDIS_PACKET Batch[PT_MAX_SEND_BATCH];
    UINT i;

    for (;;) {
        UINT Count = 0;

        NdisAcquireSpinLock(&Adapter->Lock);
        Adapter->SendQueueing = FALSE;
        while (Count < PT_MAX_SEND_BATCH && Adapter->SendQueueCount != 0) {
            Batch[Count++] = Adapter->SendQueue[Adapter->SendQueueHead];
            Adapter->SendQueueHead = (Adapter->SendQueueHead + 1) % PT_SEND_QUEUE_SIZE;
            Adapter->SendQueueCount--;
        }
        NdisReleaseSpinLock(&Adapter->Lock);
        if (Count == 0)
            return;
        for (i = 0; i < Count; i++)
            PtCompleteUp(Adapter, Batch[i], Status);
    }
}

/* ProtocolSendComplete (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL. */
VOID PtSendComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status)
{
    PtFinishSend((PPT_ADAPTER)ProtocolBindingContext, Packet, Status);
}

/* MiniportCancelSendPackets (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL. Our descriptors
 * carry the upper packets' cancel ids (NdisIMCopySendPerPacketInfo), so the adapter below can
 * find them; whatever it cancels completes through ProtocolSendComplete as usual. */
VOID MpCancelSendPackets(NDIS_HANDLE MiniportAdapterContext, PVOID CancelId)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)MiniportAdapterContext;

    if (Adapter->BindingHandle != NULL)
        NdisCancelSendPackets(Adapter->BindingHandle, CancelId);
}
