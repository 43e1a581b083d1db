/* recv.c — the loop adapter's receive side: the preallocated receive ring, the receive DPC that
 * indicates it in batches (packet arrays, NDIS_STATUS_RESOURCES arrays, or lookahead
 * indications), MiniportReturnPacket and MiniportTransferData (seed 003 §2.5, §2.7.1). */
#include "loop.h"

/* PASSIVE_LEVEL (MiniportInitialize). Allocates ReceiveBuffers slots, each with a receive packet
 * and a buffer descriptor mapping its frame area, chained once for the slot's life. */
NDIS_STATUS LoopRxAllocate(PLOOP_ADAPTER Adapter)
{
    ULONG Count = Adapter->Config.ReceiveBuffers;
    NDIS_STATUS Status;
    ULONG i;

    Status = NdisAllocateMemoryWithTag((PVOID *)&Adapter->Slots, Count * sizeof(LOOP_RX_SLOT), LOOP_TAG);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    NdisZeroMemory(Adapter->Slots, Count * sizeof(LOOP_RX_SLOT));
    Adapter->SlotCount = 0;

    /* Receive packets leave protocols the ProtocolReserved space they may use. */
    NdisAllocatePacketPool(&Status, &Adapter->PacketPool, Count, PROTOCOL_RESERVED_SIZE_IN_PACKET);
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    NdisAllocateBufferPool(&Status, &Adapter->BufferPool, Count);
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;

    for (i = 0; i < Count; i++) {
        PLOOP_RX_SLOT Slot = &Adapter->Slots[i];

        NdisAllocatePacket(&Status, &Slot->Packet, Adapter->PacketPool);
        if (Status != NDIS_STATUS_SUCCESS)
            goto Fail;
        NdisAllocateBuffer(&Status, &Slot->Buffer, Adapter->BufferPool, Slot->Data, LOOP_MAX_FRAME);
        if (Status != NDIS_STATUS_SUCCESS) {
            NdisFreePacket(Slot->Packet);
            Slot->Packet = NULL;
            goto Fail;
        }
        NdisChainBufferAtFront(Slot->Packet, Slot->Buffer);
        Slot->ChainedLength = LOOP_MAX_FRAME;
        NDIS_SET_PACKET_HEADER_SIZE(Slot->Packet, LOOP_ETH_HEADER);
        LOOP_RESERVED(Slot->Packet)->Next = NULL;
        LOOP_RESERVED(Slot->Packet)->Value = (ULONG_PTR)Slot;
        Slot->Next = Adapter->FreeSlots;
        Adapter->FreeSlots = Slot;
        Adapter->SlotCount++;
    }
    return NDIS_STATUS_SUCCESS;

Fail:
    LoopRxFree(Adapter);
    return NDIS_STATUS_RESOURCES;
}

/* PASSIVE_LEVEL. Frees what LoopRxAllocate allocated, whether it finished or not. Every
 * indicated packet must have been returned. */
VOID LoopRxFree(PLOOP_ADAPTER Adapter)
{
    ULONG i;

    for (i = 0; i < Adapter->SlotCount; i++) {
        PLOOP_RX_SLOT Slot = &Adapter->Slots[i];
        PNDIS_BUFFER Buffer;

        NdisUnchainBufferAtFront(Slot->Packet, &Buffer);
        NdisFreeBuffer(Slot->Buffer);
        NdisFreePacket(Slot->Packet);
    }
    Adapter->SlotCount = 0;
    Adapter->FreeSlots = Adapter->PendingHead = Adapter->PendingTail = NULL;
    if (Adapter->BufferPool != NULL)
        NdisFreeBufferPool(Adapter->BufferPool);
    if (Adapter->PacketPool != NULL)
        NdisFreePacketPool(Adapter->PacketPool);
    Adapter->BufferPool = Adapter->PacketPool = NULL;
    if (Adapter->Slots != NULL)
        NdisFreeMemory(Adapter->Slots, Adapter->Config.ReceiveBuffers * sizeof(LOOP_RX_SLOT), 0);
    Adapter->Slots = NULL;
}

/* DISPATCH_LEVEL, called by a sender holding its own TxLock. Copies the frames with a non-zero
 * Lengths[i] into free slots of Adapter's ring (dropping them when none is free) and queues
 * the receive DPC. */
VOID LoopRxFromWire(PLOOP_ADAPTER Adapter, PPNDIS_PACKET Packets, const UINT *Lengths, UINT Count)
{
    UINT Queued = 0;
    UINT i;

    NdisDprAcquireSpinLock(&Adapter->RxLock);
    for (i = 0; i < Count; i++) {
        PLOOP_RX_SLOT Slot;

        if (Lengths[i] == 0)
            continue;
        Slot = Adapter->FreeSlots;
        if (Slot == NULL) {
            Adapter->RxDroppedRingFull++;
            continue;
        }
        Adapter->FreeSlots = Slot->Next;
        Slot->Length = LoopCopyFromPacket(Packets[i], Slot->Data, Lengths[i]);
        Slot->Next = NULL;
        if (Adapter->PendingTail != NULL)
            Adapter->PendingTail->Next = Slot;
        else
            Adapter->PendingHead = Slot;
        Adapter->PendingTail = Slot;
        Queued++;
    }
    NdisDprReleaseSpinLock(&Adapter->RxLock);
    if (Queued != 0)
        KeInsertQueueDpc(&Adapter->RxDpc, NULL, NULL);
}

/* The lookahead a style-1 indication carries: LookaheadBytes, never less than the current
 * lookahead the protocols asked for, never more than the frame holds. */
static UINT LoopLookahead(PLOOP_ADAPTER Adapter, UINT DataLength)
{
    UINT Lookahead = Adapter->Config.LookaheadBytes;

    if (Lookahead < Adapter->CurrentLookahead)
        Lookahead = Adapter->CurrentLookahead;
    return Lookahead < DataLength ? Lookahead : DataLength;
}

/* DISPATCH_LEVEL; no lock held. Makes the slot's packet describe exactly its frame; the
 * buffer length and the packet's counts are touched only when the length changes. */
static VOID LoopPrepareRxPacket(PLOOP_RX_SLOT Slot, NDIS_STATUS Status)
{
    if (Slot->ChainedLength != Slot->Length) {
        NdisAdjustBufferLength(Slot->Buffer, Slot->Length);
        NdisRecalculatePacketCounts(Slot->Packet);
        Slot->ChainedLength = Slot->Length;
    }
    NDIS_SET_PACKET_HEADER_SIZE(Slot->Packet, LOOP_ETH_HEADER);
    NDIS_SET_PACKET_STATUS(Slot->Packet, Status);
}

/* DISPATCH_LEVEL; no lock held; any processor. Indicates Count (<= LOOP_MAX_BATCH) filled slots
 * in the adapter's IndicationStyle and takes back every slot NDIS does not keep. */
static VOID LoopIndicateSlots(PLOOP_ADAPTER Adapter, PLOOP_RX_SLOT *Slots, UINT Count)
{
    PNDIS_PACKET Packets[LOOP_MAX_BATCH];
    ULONG64 Bytes = 0;
    UINT Reclaimed = 0;
    UINT i;

    for (i = 0; i < Count; i++)
        Bytes += Slots[i]->Length;

    switch (Adapter->Config.IndicationStyle) {
    case LOOP_INDICATE_LOOKAHEAD:
        /* Seed §2.7.1.2: header and lookahead; protocols wanting more call NdisTransferData,
         * which reaches LoopTransferData with the slot as MiniportReceiveContext. */
        for (i = 0; i < Count; i++) {
            PLOOP_RX_SLOT Slot = Slots[i];
            UINT DataLength = Slot->Length - LOOP_ETH_HEADER;

            NdisMEthIndicateReceive(Adapter->MiniportHandle, (NDIS_HANDLE)Slot, Slot->Data, LOOP_ETH_HEADER,
                Slot->Data + LOOP_ETH_HEADER, LoopLookahead(Adapter, DataLength), DataLength);
        }
        NdisMEthIndicateReceiveComplete(Adapter->MiniportHandle);
        Reclaimed = Count; /* transfers copied synchronously; the slots are free again */
        break;

    case LOOP_INDICATE_RESOURCES:
        /* Seed §2.7.1.1: NDIS_STATUS_RESOURCES keeps ownership with us; NDIS copies through
         * ProtocolReceive and we reclaim every packet when the call returns. */
        for (i = 0; i < Count; i++) {
            LoopPrepareRxPacket(Slots[i], NDIS_STATUS_RESOURCES);
            Packets[i] = Slots[i]->Packet;
        }
        NdisMIndicateReceivePacket(Adapter->MiniportHandle, Packets, Count);
        Reclaimed = Count;
        break;

    default:
        /* Seed §2.7.1: ownership passes up; a packet whose status is PENDING on return comes
         * back through MiniportReturnPacket, any other status means it is ours again. */
        for (i = 0; i < Count; i++) {
            LoopPrepareRxPacket(Slots[i], NDIS_STATUS_SUCCESS);
            Packets[i] = Slots[i]->Packet;
        }
        NdisDprAcquireSpinLock(&Adapter->RxLock);
        Adapter->ReturnsOutstanding += Count;
        NdisDprReleaseSpinLock(&Adapter->RxLock);
        NdisMIndicateReceivePacket(Adapter->MiniportHandle, Packets, Count);
        for (i = 0; i < Count; i++)
            if (NDIS_GET_PACKET_STATUS(Packets[i]) != NDIS_STATUS_PENDING)
                Slots[Reclaimed++] = Slots[i];
        break;
    }

    NdisDprAcquireSpinLock(&Adapter->RxLock);
    Adapter->RxFrames += Count;
    Adapter->RxBytes += Bytes;
    if (Adapter->Config.IndicationStyle == LOOP_INDICATE_PACKETS)
        Adapter->ReturnsOutstanding -= Reclaimed;
    for (i = 0; i < Reclaimed; i++) {
        Slots[i]->Next = Adapter->FreeSlots;
        Adapter->FreeSlots = Slots[i];
    }
    NdisDprReleaseSpinLock(&Adapter->RxLock);
}

/* Receive DPC — DISPATCH_LEVEL. Indicates the pending queue in FIFO order, LOOP_INDICATE_BATCH
 * slots per call. If the DPC is already indicating on another processor it leaves the queue
 * to that instance, which drains it, so frames from one sender keep their order. After
 * LOOP_DPC_BATCHES batches it requeues itself to let other DPCs run. A halting adapter
 * discards what is queued (its frames arrived before the adapter left the wire). */
VOID LoopRxDpc(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    PLOOP_ADAPTER Adapter = (PLOOP_ADAPTER)DeferredContext;
    PLOOP_RX_SLOT Batch[LOOP_INDICATE_BATCH];
    BOOLEAN More = FALSE;
    UINT Round;

    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    LoopDpcEnter(Adapter);

    NdisDprAcquireSpinLock(&Adapter->RxLock);
    if (Adapter->Indicating) {
        NdisDprReleaseSpinLock(&Adapter->RxLock);
        LoopDpcLeave(Adapter);
        return;
    }
    Adapter->Indicating = TRUE;
    if (Adapter->Halting) {
        /* Nobody is bound any more: everything queued goes back to the free list, and the
         * DPC does not requeue itself behind MiniportHalt's flush. */
        while (Adapter->PendingHead != NULL) {
            PLOOP_RX_SLOT Slot = Adapter->PendingHead;
            Adapter->PendingHead = Slot->Next;
            Slot->Next = Adapter->FreeSlots;
            Adapter->FreeSlots = Slot;
        }
        Adapter->PendingTail = NULL;
    }
    for (Round = 0; Round < LOOP_DPC_BATCHES && Adapter->PendingHead != NULL; Round++) {
        UINT Count = 0;

        while (Count < LOOP_INDICATE_BATCH && Adapter->PendingHead != NULL) {
            PLOOP_RX_SLOT Slot = Adapter->PendingHead;
            Adapter->PendingHead = Slot->Next;
            Batch[Count++] = Slot;
        }
        if (Adapter->PendingHead == NULL)
            Adapter->PendingTail = NULL;
        NdisDprReleaseSpinLock(&Adapter->RxLock);
        LoopIndicateSlots(Adapter, Batch, Count);
        NdisDprAcquireSpinLock(&Adapter->RxLock);
    }
    Adapter->Indicating = FALSE;
    More = Adapter->PendingHead != NULL && !Adapter->Halting;
    NdisDprReleaseSpinLock(&Adapter->RxLock);

    if (More)
        KeInsertQueueDpc(Dpc, NULL, NULL);
    LoopDpcLeave(Adapter);
}

/* DISPATCH_LEVEL (LoopIndicateFrames). Indicates Count copies of Frame from free slots, Batch
 * at a time, in the caller's context. */
NDIS_STATUS LoopRxIndicateFrames(PLOOP_ADAPTER Adapter, const UCHAR *Frame, UINT Length, UINT Count, UINT Batch)
{
    PLOOP_RX_SLOT Slots[LOOP_MAX_BATCH];

    while (Count != 0) {
        UINT Want = Count < Batch ? Count : Batch;
        UINT Got = 0;
        UINT i;

        NdisDprAcquireSpinLock(&Adapter->RxLock);
        while (Got < Want && Adapter->FreeSlots != NULL) {
            Slots[Got] = Adapter->FreeSlots;
            Adapter->FreeSlots = Slots[Got]->Next;
            Got++;
        }
        NdisDprReleaseSpinLock(&Adapter->RxLock);
        if (Got == 0)
            return NDIS_STATUS_RESOURCES;

        for (i = 0; i < Got; i++) {
            NdisMoveMemory(Slots[i]->Data, Frame, Length);
            Slots[i]->Length = Length;
        }
        LoopIndicateSlots(Adapter, Slots, Got);
        Count -= Got;
    }
    return NDIS_STATUS_SUCCESS;
}

/* MiniportReturnPacket (ndis.h) — seed 003 §2.7.1 — DISPATCH_LEVEL; any processor. A packet we
 * indicated with NDIS_STATUS_SUCCESS and NDIS kept comes back: its slot is free again. */
VOID LoopReturnPacket(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet)
{
    PLOOP_ADAPTER Adapter = (PLOOP_ADAPTER)MiniportAdapterContext;
    PLOOP_RX_SLOT Slot = (PLOOP_RX_SLOT)LOOP_RESERVED(Packet)->Value;

    NdisAcquireSpinLock(&Adapter->RxLock);
    Slot->Next = Adapter->FreeSlots;
    Adapter->FreeSlots = Slot;
    Adapter->ReturnsOutstanding--;
    if (Adapter->ReturnsOutstanding == 0 && Adapter->Halting)
        NdisSetEvent(&Adapter->ReturnsIdle);
    NdisReleaseSpinLock(&Adapter->RxLock);
}

/* Any IRQL <= DISPATCH_LEVEL. Copies Length bytes from Source into Packet's buffer chain;
 * returns the bytes that fit. */
static UINT LoopCopyToPacket(PNDIS_PACKET Packet, const UCHAR *Source, UINT Length)
{
    PNDIS_BUFFER Buffer;
    UINT Copied = 0;

    NdisQueryPacket(Packet, NULL, NULL, &Buffer, NULL);
    while (Buffer != NULL && Copied < Length) {
        PVOID Va;
        UINT BufferLength;

        NdisQueryBufferSafe(Buffer, &Va, &BufferLength, NormalPagePriority);
        if (Va == NULL)
            break;
        if (BufferLength > Length - Copied)
            BufferLength = Length - Copied;
        NdisMoveMemory(Va, Source + Copied, BufferLength);
        Copied += BufferLength;
        NdisGetNextBuffer(Buffer, &Buffer);
    }
    return Copied;
}

/* MiniportTransferData (ndis.h) — seed 003 §2.7.1.2 — DISPATCH_LEVEL, inside a protocol's
 * ProtocolReceive for one of our lookahead indications (MiniportReceiveContext is the slot).
 * ByteOffset counts from the first byte after the header. The data is copied at once; with
 * TransferPends the completion is deferred to the transfer DPC (NdisMTransferDataComplete). */
NDIS_STATUS LoopTransferData(PNDIS_PACKET Packet, PUINT BytesTransferred, NDIS_HANDLE MiniportAdapterContext,
    NDIS_HANDLE MiniportReceiveContext, UINT ByteOffset, UINT BytesToTransfer)
{
    PLOOP_ADAPTER Adapter = (PLOOP_ADAPTER)MiniportAdapterContext;
    PLOOP_RX_SLOT Slot = (PLOOP_RX_SLOT)MiniportReceiveContext;
    UINT DataLength = Slot->Length - LOOP_ETH_HEADER;
    UINT Copied;

    if (ByteOffset > DataLength)
        return NDIS_STATUS_FAILURE;
    if (BytesToTransfer > DataLength - ByteOffset)
        BytesToTransfer = DataLength - ByteOffset;
    Copied = LoopCopyToPacket(Packet, Slot->Data + LOOP_ETH_HEADER + ByteOffset, BytesToTransfer);

    if (!Adapter->Config.TransferPends) {
        *BytesTransferred = Copied;
        return NDIS_STATUS_SUCCESS;
    }
    NdisAcquireSpinLock(&Adapter->RxLock);
    LoopQueuePush(&Adapter->TransfersToComplete, Packet, Copied);
    NdisReleaseSpinLock(&Adapter->RxLock);
    KeInsertQueueDpc(&Adapter->TransferDpc, NULL, NULL);
    return NDIS_STATUS_PENDING;
}

/* Transfer DPC — DISPATCH_LEVEL. Completes every pended transfer, in the order they pended. */
VOID LoopTransferDpc(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    PLOOP_ADAPTER Adapter = (PLOOP_ADAPTER)DeferredContext;
    PNDIS_PACKET Packet;

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    LoopDpcEnter(Adapter);

    NdisDprAcquireSpinLock(&Adapter->RxLock);
    Packet = LoopQueueTakeAll(&Adapter->TransfersToComplete);
    NdisDprReleaseSpinLock(&Adapter->RxLock);

    while (Packet != NULL) {
        PNDIS_PACKET Next = LOOP_RESERVED(Packet)->Next;
        UINT Copied = (UINT)LOOP_RESERVED(Packet)->Value;

        NdisMTransferDataComplete(Adapter->MiniportHandle, Packet, NDIS_STATUS_SUCCESS, Copied);
        Packet = Next;
    }
    LoopDpcLeave(Adapter);
}
