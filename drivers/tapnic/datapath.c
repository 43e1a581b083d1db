/* datapath.c — the tapnic adapter's frames: preallocated receive slots, the TAP queues'
 * readiness handler that reads frames and indicates them in packet arrays, MiniportReturnPacket,
 * MiniportSendPackets writing to the TAP, the link handler turning the TAP's state into media
 * status indications, and the work item that lets go of a descriptor whose device vanished
 * (issue 6 deliverable 1; seed 003 §2.5, §2.7.1, §2.8, §2.12). Nothing here allocates. */
#include "tapnic.h"

/* virtio_net_hdr: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset (little endian). */
#define TAPNIC_VNET_F_NEEDS_CSUM 0x01
#define TAPNIC_VNET_GSO_NONE     0x00

static const UCHAR TapnicZeroVnetHeader[TAP_VNET_HDR_BYTES];

/* ---- receive slots -------------------------------------------------------------------------- */

/* PASSIVE_LEVEL (MiniportInitialize). ReceiveBuffers slots, each with a packet and a buffer over
 * its frame area, chained for the slot's life. */
NDIS_STATUS TapnicRxAllocate(PTAPNIC_ADAPTER Adapter)
{
    ULONG Count = Adapter->Config.ReceiveBuffers;
    UINT FrameBytes = Adapter->Config.Mtu + TAPNIC_ETH_HEADER;
    NDIS_STATUS Status;
    ULONG i;

    Status = NdisAllocateMemoryWithTag((PVOID *)&Adapter->Slots, Count * sizeof(TAPNIC_RX_SLOT), TAPNIC_TAG);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    NdisZeroMemory(Adapter->Slots, Count * sizeof(TAPNIC_RX_SLOT));
    NdisAllocatePacketPool(&Status, &Adapter->PacketPool, Count, PROTOCOL_RESERVED_SIZE_IN_PACKET);
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    NdisAllocateBufferPool(&Status, &Adapter->BufferPool, Count);
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;

    for (i = 0; i < Count; i++) {
        PTAPNIC_RX_SLOT Slot = &Adapter->Slots[i];

        NdisAllocatePacket(&Status, &Slot->Packet, Adapter->PacketPool);
        if (Status != NDIS_STATUS_SUCCESS)
            goto Fail;
        NdisAllocateBuffer(&Status, &Slot->Buffer, Adapter->BufferPool, Slot->Data + Adapter->VnetBytes, FrameBytes);
        if (Status != NDIS_STATUS_SUCCESS) {
            NdisFreePacket(Slot->Packet);
            Slot->Packet = NULL;
            goto Fail;
        }
        NdisChainBufferAtFront(Slot->Packet, Slot->Buffer);
        Slot->ChainedLength = FrameBytes;
        NDIS_SET_PACKET_HEADER_SIZE(Slot->Packet, TAPNIC_ETH_HEADER);
        TAPNIC_RESERVED(Slot->Packet)->Slot = Slot;
        Slot->Next = Adapter->FreeSlots;
        Adapter->FreeSlots = Slot;
        Adapter->SlotCount++;
    }
    return NDIS_STATUS_SUCCESS;

Fail:
    TapnicRxFree(Adapter);
    return NDIS_STATUS_RESOURCES;
}

/* PASSIVE_LEVEL. Frees what TapnicRxAllocate made, finished or not; every slot is free. */
VOID TapnicRxFree(PTAPNIC_ADAPTER Adapter)
{
    ULONG i;

    for (i = 0; i < Adapter->SlotCount; i++) {
        PTAPNIC_RX_SLOT Slot = &Adapter->Slots[i];
        PNDIS_BUFFER Buffer;

        NdisUnchainBufferAtFront(Slot->Packet, &Buffer);
        NdisFreeBuffer(Slot->Buffer);
        NdisFreePacket(Slot->Packet);
    }
    Adapter->SlotCount = 0;
    Adapter->FreeSlots = NULL;
    if (Adapter->BufferPool != NULL)
        NdisFreeBufferPool(Adapter->BufferPool);
    if (Adapter->PacketPool != NULL)
        NdisFreePacketPool(Adapter->PacketPool);
    Adapter->BufferPool = Adapter->PacketPool = NULL;
    if (Adapter->Slots != NULL)
        NdisFreeMemory(Adapter->Slots, Adapter->Config.ReceiveBuffers * sizeof(TAPNIC_RX_SLOT), 0);
    Adapter->Slots = NULL;
}

/* ---- media state ------------------------------------------------------------------------------ */

/* IRQL <= DISPATCH_LEVEL. Records the media state and, when it changed, tells the protocols. */
static VOID TapnicSetMedia(PTAPNIC_ADAPTER Adapter, BOOLEAN Connected)
{
    NDIS_MEDIA_STATE State = Connected ? NdisMediaStateConnected : NdisMediaStateDisconnected;
    LONG Previous = InterlockedExchange((LONG volatile *)&Adapter->MediaState, (LONG)State);

    if (Previous == (LONG)State)
        return;
    DbgPrint("tapnic: %s: link %s\n", Adapter->Tap.name, Connected ? "up" : "down");
    NdisMIndicateStatus(Adapter->MiniportHandle, Connected ? NDIS_STATUS_MEDIA_CONNECT : NDIS_STATUS_MEDIA_DISCONNECT,
        NULL, 0);
    NdisMIndicateStatusComplete(Adapter->MiniportHandle);
}

/* Link readiness handler — DISPATCH_LEVEL, the adapter's processor. The TAP went up or down (or
 * moved, or was deleted): NDIS_STATUS_MEDIA_CONNECT / _DISCONNECT. */
VOID TapnicLinkReady(PVOID Context, ULONG Events)
{
    PTAPNIC_ADAPTER Adapter = (PTAPNIC_ADAPTER)Context;

    UNREFERENCED_PARAMETER(Events);
    if (tap_link_update(&Adapter->Link))
        TapnicSetMedia(Adapter, Adapter->Link.running && !Adapter->Link.gone);
}

/* ---- hang-up ------------------------------------------------------------------------------------ */

VOID TapnicUnwatchQueue(PTAPNIC_QUEUE Queue)
{
    PTAPNIC_ADAPTER Adapter = Queue->Adapter;
    NDIS_HANDLE Handle;

    if (Adapter == NULL)
        return; /* never set up */
    NdisAcquireSpinLock(&Adapter->RxLock);
    Handle = Queue->IoEvent;
    Queue->IoEvent = NULL;
    NdisReleaseSpinLock(&Adapter->RxLock);
    if (Handle != NULL)
        StrataDeregisterIoEvent(Handle);
}

VOID TapnicUnwatchLink(PTAPNIC_ADAPTER Adapter)
{
    NDIS_HANDLE Handle;

    NdisAcquireSpinLock(&Adapter->RxLock);
    Handle = Adapter->LinkEvent;
    Adapter->LinkEvent = NULL;
    NdisReleaseSpinLock(&Adapter->RxLock);
    if (Handle != NULL)
        StrataDeregisterIoEvent(Handle);
}

/* DISPATCH_LEVEL, in the queue's handler. The device went away under the descriptor (its
 * namespace was deleted, or `ip link delete`): readiness would be reported forever, so the
 * descriptor is let go at PASSIVE_LEVEL. */
static VOID TapnicQueueHungUp(PTAPNIC_QUEUE Queue)
{
    PTAPNIC_ADAPTER Adapter = Queue->Adapter;

    if (Queue->Dead)
        return;
    Queue->Dead = TRUE;
    DbgPrint("tapnic: %s: the TAP device is gone\n", Adapter->Tap.name);
    if (InterlockedCompareExchange(&Adapter->HangupScheduled, 1, 0) != 0)
        return;
    InterlockedIncrement(&Adapter->HangupsRunning);
    NdisResetEvent(&Adapter->HangupIdle);
    if (NdisScheduleWorkItem(&Adapter->HangupWork) != NDIS_STATUS_SUCCESS) {
        Adapter->HangupScheduled = 0;
        if (InterlockedDecrement(&Adapter->HangupsRunning) == 0)
            NdisSetEvent(&Adapter->HangupIdle);
    }
}

/* Work item — PASSIVE_LEVEL. Deregisters every dead queue; with all of them dead the TAP is gone
 * for good, so the adapter asks NDIS to remove it (seed 003 §2.11). Setting HangupIdle is the
 * last thing it does with the adapter: MiniportHalt waits for it. */
VOID TapnicHangupWorker(PNDIS_WORK_ITEM WorkItem, PVOID Context)
{
    PTAPNIC_ADAPTER Adapter = (PTAPNIC_ADAPTER)Context;
    UINT Dead = 0;
    UINT q;

    UNREFERENCED_PARAMETER(WorkItem);
    Adapter->HangupScheduled = 0;
    KeMemoryBarrier();
    for (q = 0; q < Adapter->Tap.queues; q++) {
        if (!Adapter->Queues[q].Dead)
            continue;
        TapnicUnwatchQueue(&Adapter->Queues[q]);
        Dead++;
    }
    if (Dead == Adapter->Tap.queues) {
        TapnicSetMedia(Adapter, FALSE);
        NdisMRemoveMiniport(Adapter->MiniportHandle);
    }
    if (InterlockedDecrement(&Adapter->HangupsRunning) == 0)
        NdisSetEvent(&Adapter->HangupIdle);
}

/* ---- receive ------------------------------------------------------------------------------------- */

/* Any IRQL. The ones' complement sum of Length bytes, folded to 16 bits. */
static ULONG TapnicChecksum(const UCHAR *Data, UINT Length)
{
    ULONG Sum = 0;
    UINT i;

    for (i = 0; i + 1 < Length; i += 2)
        Sum += ((ULONG)Data[i] << 8) | Data[i + 1];
    if (Length & 1)
        Sum += (ULONG)Data[Length - 1] << 8;
    while (Sum >> 16)
        Sum = (Sum & 0xFFFF) + (Sum >> 16);
    return Sum;
}

/* DISPATCH_LEVEL. Checks the vnet header before a frame of FrameLength bytes and finishes a
 * partial checksum the kernel left to us; FALSE for frames we cannot pass up (GSO frames, which
 * arrive only when offloads were asked for, and malformed headers). */
static BOOLEAN TapnicAcceptVnet(PUCHAR Header, PUCHAR Frame, UINT FrameLength)
{
    UINT Start;
    UINT Offset;
    ULONG Sum;

    if (Header[1] != TAPNIC_VNET_GSO_NONE)
        return FALSE;
    if ((Header[0] & TAPNIC_VNET_F_NEEDS_CSUM) == 0)
        return TRUE;
    Start = Header[6] | ((UINT)Header[7] << 8);
    Offset = Header[8] | ((UINT)Header[9] << 8);
    if (Start >= FrameLength || Offset + 2 > FrameLength - Start)
        return FALSE;
    /* The field holds the pseudo-header sum; summing over it completes the checksum. */
    Sum = TapnicChecksum(Frame + Start, FrameLength - Start);
    Sum = ~Sum & 0xFFFF;
    Frame[Start + Offset] = (UCHAR)(Sum >> 8);
    Frame[Start + Offset + 1] = (UCHAR)Sum;
    return TRUE;
}

/* DISPATCH_LEVEL. Makes the slot's packet describe exactly FrameLength bytes; the buffer length
 * and the packet's counts change only when the length does. */
static VOID TapnicPrepareRxPacket(PTAPNIC_RX_SLOT Slot, UINT FrameLength)
{
    if (Slot->ChainedLength != FrameLength) {
        NdisAdjustBufferLength(Slot->Buffer, FrameLength);
        NdisRecalculatePacketCounts(Slot->Packet);
        Slot->ChainedLength = FrameLength;
    }
    NDIS_SET_PACKET_HEADER_SIZE(Slot->Packet, TAPNIC_ETH_HEADER);
    NDIS_SET_PACKET_STATUS(Slot->Packet, NDIS_STATUS_SUCCESS);
}

/* DISPATCH_LEVEL, RxLock held. Puts Count slots back on the free list. */
static VOID TapnicFreeSlotsLocked(PTAPNIC_ADAPTER Adapter, PTAPNIC_RX_SLOT *Slots, UINT Count)
{
    UINT i;

    for (i = 0; i < Count; i++) {
        Slots[i]->Next = Adapter->FreeSlots;
        Adapter->FreeSlots = Slots[i];
    }
}

/* DISPATCH_LEVEL, the queue's handler. Reads up to TAPNIC_RX_BATCH frames into free slots and
 * indicates them in one packet array. Returns TRUE when it filled the batch (more may wait). */
static BOOLEAN TapnicReceiveBatch(PTAPNIC_ADAPTER Adapter, PTAPNIC_QUEUE Queue)
{
    PTAPNIC_RX_SLOT Slots[TAPNIC_RX_BATCH];
    PNDIS_PACKET Packets[TAPNIC_RX_BATCH];
    UINT ReadLength = Adapter->VnetBytes + Adapter->Config.Mtu + TAPNIC_ETH_HEADER + 1;
    UINT MaxFrame = Adapter->Config.Mtu + TAPNIC_ETH_HEADER;
    BOOLEAN Drained = FALSE;
    ULONG64 Bytes = 0;
    UINT Errors = 0;
    UINT Taken = 0;
    UINT Filled = 0;
    UINT Kept = 0;
    UINT i;

    NdisDprAcquireSpinLock(&Adapter->RxLock);
    while (Taken < TAPNIC_RX_BATCH && Adapter->FreeSlots != NULL) {
        Slots[Taken] = Adapter->FreeSlots;
        Adapter->FreeSlots = Slots[Taken]->Next;
        Taken++;
    }
    if (Taken == 0) {
        /* Every slot is with the protocols: stop watching until one comes back. */
        Queue->Stalled = TRUE;
        Adapter->AnyStalled = TRUE;
        Adapter->RxNoBuffer++;
        if (Queue->IoEvent != NULL)
            StrataSetIoEventMask(Queue->IoEvent, 0);
        NdisDprReleaseSpinLock(&Adapter->RxLock);
        return FALSE;
    }
    NdisDprReleaseSpinLock(&Adapter->RxLock);

    while (Filled < Taken) {
        PTAPNIC_RX_SLOT Slot = Slots[Filled];
        LONG Got = (LONG)tap_read(Queue->Fd, Slot->Data, ReadLength);
        UINT FrameLength;

        if (Got <= 0) {
            if (Got < 0)
                TapnicQueueHungUp(Queue);
            Drained = TRUE;
            break;
        }
        FrameLength = (UINT)Got - Adapter->VnetBytes;
        if ((UINT)Got < Adapter->VnetBytes + TAPNIC_ETH_HEADER || FrameLength > MaxFrame ||
            (Adapter->VnetBytes != 0 && !TapnicAcceptVnet(Slot->Data, Slot->Data + Adapter->VnetBytes, FrameLength))) {
            Errors++;
            continue; /* the slot is read into again */
        }
        TapnicPrepareRxPacket(Slot, FrameLength);
        Packets[Filled] = Slot->Packet;
        Bytes += FrameLength;
        Filled++;
    }

    NdisDprAcquireSpinLock(&Adapter->RxLock);
    TapnicFreeSlotsLocked(Adapter, Slots + Filled, Taken - Filled);
    Adapter->ReturnsOutstanding += Filled;
    Adapter->RxFrames += Filled;
    Adapter->RxBytes += Bytes;
    Adapter->RxErrors += Errors;
    NdisDprReleaseSpinLock(&Adapter->RxLock);
    if (Filled == 0)
        return !Drained;

    /* Seed §2.7.1: ownership passes up; a packet still PENDING on return comes back through
     * MiniportReturnPacket, any other status means it is ours again at once. */
    NdisMIndicateReceivePacket(Adapter->MiniportHandle, Packets, Filled);
    for (i = 0; i < Filled; i++)
        if (NDIS_GET_PACKET_STATUS(Packets[i]) != NDIS_STATUS_PENDING)
            Slots[Kept++] = Slots[i];
    if (Kept != 0) {
        NdisDprAcquireSpinLock(&Adapter->RxLock);
        TapnicFreeSlotsLocked(Adapter, Slots, Kept);
        Adapter->ReturnsOutstanding -= Kept;
        NdisDprReleaseSpinLock(&Adapter->RxLock);
    }
    return !Drained;
}

/* Queue readiness handler — DISPATCH_LEVEL, the adapter's processor (never concurrently with
 * another handler of the adapter). Reads what the queue holds, a few batches at a time: the
 * event is level-triggered, so what is left calls us again after other work had its turn. */
VOID TapnicQueueReady(PVOID Context, ULONG Events)
{
    PTAPNIC_QUEUE Queue = (PTAPNIC_QUEUE)Context;
    UINT Round;

    if (Events & STRATA_IO_HANGUP) {
        TapnicQueueHungUp(Queue);
        return;
    }
    for (Round = 0; Round < TAPNIC_RX_ROUNDS; Round++)
        if (!TapnicReceiveBatch(Queue->Adapter, Queue))
            break;
}

/* MiniportReturnPacket (ndis.h) — seed 003 §2.7.1 — DISPATCH_LEVEL; any processor. The slot is
 * free again; a queue that stalled for want of one is watched again. */
VOID TapnicReturnPacket(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet)
{
    PTAPNIC_ADAPTER Adapter = (PTAPNIC_ADAPTER)MiniportAdapterContext;
    PTAPNIC_RX_SLOT Slot = TAPNIC_RESERVED(Packet)->Slot;
    UINT q;

    NdisAcquireSpinLock(&Adapter->RxLock);
    Slot->Next = Adapter->FreeSlots;
    Adapter->FreeSlots = Slot;
    Adapter->ReturnsOutstanding--;
    if (Adapter->AnyStalled) {
        Adapter->AnyStalled = FALSE;
        for (q = 0; q < Adapter->Tap.queues; q++) {
            PTAPNIC_QUEUE Queue = &Adapter->Queues[q];

            if (!Queue->Stalled)
                continue;
            Queue->Stalled = FALSE;
            if (Queue->IoEvent != NULL)
                StrataSetIoEventMask(Queue->IoEvent, STRATA_IO_READABLE);
        }
    }
    if (Adapter->ReturnsOutstanding == 0 && Adapter->Halting)
        NdisSetEvent(&Adapter->ReturnsIdle);
    NdisReleaseSpinLock(&Adapter->RxLock);
}

/* ---- send ----------------------------------------------------------------------------------------- */

/* IRQL <= DISPATCH_LEVEL. Writes one packet to the TAP descriptor Fd straight from its buffers
 * (after a zero vnet header when the TAP has them). *Length receives the frame's length. */
static NDIS_STATUS TapnicWritePacket(PTAPNIC_ADAPTER Adapter, INT Fd, PNDIS_PACKET Packet, PUINT Length)
{
    tap_iovec Pieces[TAPNIC_MAX_PIECES + 1];
    PNDIS_BUFFER Buffer;
    UINT Total = 0;
    UINT Count = 0;
    LONG Written;

    NdisQueryPacket(Packet, NULL, NULL, &Buffer, &Total);
    *Length = Total;
    if (Total < TAPNIC_ETH_HEADER || Total > Adapter->Config.Mtu + TAPNIC_ETH_HEADER)
        return NDIS_STATUS_INVALID_PACKET;
    if (Adapter->VnetBytes != 0) {
        Pieces[Count].base = TapnicZeroVnetHeader;
        Pieces[Count].length = Adapter->VnetBytes;
        Count++;
    }
    while (Buffer != NULL) {
        PVOID Va;
        UINT BufferLength;

        NdisQueryBufferSafe(Buffer, &Va, &BufferLength, NormalPagePriority);
        if (Va == NULL)
            return NDIS_STATUS_RESOURCES;
        if (BufferLength != 0) {
            if (Count == ARRAYSIZE(Pieces))
                return NDIS_STATUS_INVALID_PACKET;
            Pieces[Count].base = Va;
            Pieces[Count].length = BufferLength;
            Count++;
        }
        NdisGetNextBuffer(Buffer, &Buffer);
    }
    Written = (LONG)tap_write(Fd, Pieces, Count);
    return Written == (LONG)(Adapter->VnetBytes + Total) ? NDIS_STATUS_SUCCESS : NDIS_STATUS_FAILURE;
}

/* MiniportSendPackets (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL; any processor, several
 * at once (deserialized). Each frame is on the wire (written to the TAP) before its
 * NdisMSendComplete; a send uses the queue of the processor it runs on. Frames Linux does not
 * take (the TAP is down, or its queue is full) complete with NDIS_STATUS_FAILURE. */
VOID TapnicSendPackets(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray, UINT NumberOfPackets)
{
    PTAPNIC_ADAPTER Adapter = (PTAPNIC_ADAPTER)MiniportAdapterContext;
    PTAPNIC_QUEUE Queue = &Adapter->Queues[KeGetCurrentProcessorNumber() % Adapter->Tap.queues];
    LONG64 Frames = 0;
    LONG64 Bytes = 0;
    LONG64 Errors = 0;
    UINT i;

    for (i = 0; i < NumberOfPackets; i++) {
        UINT Length;
        NDIS_STATUS Status = TapnicWritePacket(Adapter, Queue->Fd, PacketArray[i], &Length);

        if (Status == NDIS_STATUS_SUCCESS) {
            Frames++;
            Bytes += Length;
        } else {
            Errors++;
        }
        NdisMSendComplete(Adapter->MiniportHandle, PacketArray[i], Status);
    }
    if (Frames != 0) {
        InterlockedExchangeAdd64(&Adapter->TxFrames, Frames);
        InterlockedExchangeAdd64(&Adapter->TxBytes, Bytes);
    }
    if (Errors != 0)
        InterlockedExchangeAdd64(&Adapter->TxErrors, Errors);
}
