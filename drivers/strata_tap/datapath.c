/* datapath.c — strata_tap's frames: the TAP's readiness handler reading what Linux writes into
 * preallocated packets for NdisSendPackets, ProtocolSendComplete recycling them, and the receive
 * handlers writing what the adapter indicates to the TAP (from the packet, the lookahead, or
 * after NdisTransferData), consecutive TCP segments of a flow joined per processor into one GSO
 * frame (coalesce.c has the rules; strata_tap.h the queues), plus the work item that lets go of
 * a TAP deleted under us (issue 6 deliverables 2 and 6; seed 003 §2.5.1, §2.7.1, §2.8). Nothing
 * here allocates. */
#include "strata_tap.h"

/* ---- TAP -> adapter ------------------------------------------------------------------------------ */

/* IRQL <= DISPATCH_LEVEL. A send packet is ours again: unchained and reinitialised (seed §2.5.1),
 * back on the free list; a TAP left unwatched for want of packets is watched again. */
static VOID StapRecycleSend(PSTAP_BINDING Binding, PNDIS_PACKET Packet)
{
    PNDIS_BUFFER Buffer;

    NdisUnchainBufferAtFront(Packet, &Buffer);
    NdisReinitializePacket(Packet);
    NdisAcquireSpinLock(&Binding->SendLock);
    STAP_RESERVED(Packet)->Next = Binding->FreeSends;
    Binding->FreeSends = Packet;
    if (Binding->Stalled) {
        Binding->Stalled = FALSE;
        if (Binding->IoEvent != NULL)
            StrataSetIoEventMask(Binding->IoEvent, STRATA_IO_READABLE);
    }
    NdisReleaseSpinLock(&Binding->SendLock);
}

/* DISPATCH_LEVEL, in the TAP's handler. The TAP's device was deleted (by hand, or its namespace
 * went away): readiness would be reported forever, so the binding is closed at PASSIVE_LEVEL. */
static VOID StapTapHungUp(PSTAP_BINDING Binding)
{
    if (InterlockedCompareExchange(&Binding->HangupScheduled, 1, 0) != 0)
        return;
    if (!StapReference(Binding))
        return; /* the unbind lets go of it anyway */
    if (NdisScheduleWorkItem(&Binding->HangupWork) != NDIS_STATUS_SUCCESS) {
        Binding->HangupScheduled = 0;
        StapDereference(Binding);
    }
}

/* Work item — PASSIVE_LEVEL. */
VOID StapHangupWorker(PNDIS_WORK_ITEM WorkItem, PVOID Context)
{
    PSTAP_BINDING Binding = (PSTAP_BINDING)Context;

    UNREFERENCED_PARAMETER(WorkItem);
    StapLog(Binding->Tap.name, "the TAP device was deleted; closing its binding");
    StapCloseForDeletedTap(Binding);
}

VOID StapUnwatch(PSTAP_BINDING Binding)
{
    NDIS_HANDLE Handle;

    NdisAcquireSpinLock(&Binding->SendLock);
    Handle = Binding->IoEvent;
    Binding->IoEvent = NULL;
    NdisReleaseSpinLock(&Binding->SendLock);
    if (Handle != NULL)
        StrataDeregisterIoEvent(Handle);
}

/* DISPATCH_LEVEL, in the TAP's handler. Reads up to STAP_SEND_BATCH frames into free send
 * packets and sends them in one array. TRUE when it filled the batch (more may wait). */
static BOOLEAN StapSendBatch(PSTAP_BINDING Binding)
{
    PNDIS_PACKET Packets[STAP_SEND_BATCH];
    BOOLEAN Drained = FALSE;
    LONG64 Dropped = 0;
    UINT Taken = 0;
    UINT Filled = 0;
    UINT i;

    NdisDprAcquireSpinLock(&Binding->SendLock);
    while (Taken < STAP_SEND_BATCH && Binding->FreeSends != NULL) {
        Packets[Taken] = Binding->FreeSends;
        Binding->FreeSends = STAP_RESERVED(Packets[Taken])->Next;
        Taken++;
    }
    if (Taken == 0) {
        /* Every packet is in flight: stop watching until a send completes. */
        Binding->Stalled = TRUE;
        if (Binding->IoEvent != NULL)
            StrataSetIoEventMask(Binding->IoEvent, 0);
        NdisDprReleaseSpinLock(&Binding->SendLock);
        return FALSE;
    }
    NdisDprReleaseSpinLock(&Binding->SendLock);

    while (Filled < Taken) {
        PSTAP_PACKET_RESERVED Reserved = STAP_RESERVED(Packets[Filled]);
        PUCHAR Vnet = Reserved->Frame - STAP_VNET_BYTES;
        LONG Got = (LONG)tap_read(Binding->Tap.fds[0], Vnet, STAP_VNET_BYTES + Binding->SendFrameBytes + 1);
        UINT Length = Got > STAP_VNET_BYTES ? (UINT)Got - STAP_VNET_BYTES : 0;

        if (Got <= 0) {
            if (Got < 0)
                StapTapHungUp(Binding);
            Drained = TRUE;
            break;
        }
        if (Length < STAP_ETH_HEADER || Length > Binding->SendFrameBytes ||
            !StapOffloadFromTap(Binding, Packets[Filled], Vnet, Reserved->Frame, Length)) {
            Dropped++;
            continue; /* the packet's frame memory is read into again */
        }
        NdisAdjustBufferLength(Reserved->Buffer, Length);
        NdisChainBufferAtFront(Packets[Filled], Reserved->Buffer);
        Filled++;
    }

    if (Filled < Taken) {
        NdisDprAcquireSpinLock(&Binding->SendLock);
        for (i = Filled; i < Taken; i++) {
            STAP_RESERVED(Packets[i])->Next = Binding->FreeSends;
            Binding->FreeSends = Packets[i];
        }
        NdisDprReleaseSpinLock(&Binding->SendLock);
    }
    if (Dropped != 0)
        InterlockedExchangeAdd64(&Binding->FromTapDropped, Dropped);
    if (Filled != 0) {
        /* Each packet in flight keeps the adapter open until ProtocolSendComplete. The handler
         * runs only while the binding still holds its own reference. */
        InterlockedExchangeAdd(&Binding->Outstanding, (LONG)Filled);
        InterlockedExchangeAdd64(&Binding->FromTap, Filled);
        NdisSendPackets(Binding->BindingHandle, Packets, Filled);
    }
    return !Drained;
}

/* TAP readiness handler — DISPATCH_LEVEL, the binding's processor. Sends what Linux wrote, a
 * few batches at a time: the event is level-triggered, so what is left calls us again. */
VOID StapTapReady(PVOID Context, ULONG Events)
{
    PSTAP_BINDING Binding = (PSTAP_BINDING)Context;
    UINT Round;

    if (Events & STRATA_IO_HANGUP) {
        StapTapHungUp(Binding);
        return;
    }
    for (Round = 0; Round < STAP_SEND_ROUNDS; Round++)
        if (!StapSendBatch(Binding))
            break;
}

/* ProtocolSendComplete (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL; once per packet given
 * to NdisSendPackets. */
VOID StapSendComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status)
{
    PSTAP_BINDING Binding = (PSTAP_BINDING)ProtocolBindingContext;

    if (Status != NDIS_STATUS_SUCCESS)
        InterlockedIncrement64(&Binding->SendFailures);
    StapRecycleSend(Binding, Packet);
    StapDereference(Binding);
}

/* ---- adapter -> TAP ------------------------------------------------------------------------------ */

static const UCHAR StapNoOffload[STAP_VNET_BYTES];

/* IRQL <= DISPATCH_LEVEL. Writes one frame of Length bytes gathered from Pieces[1..Count) to the
 * TAP, after the vnet header the caller left Pieces[0] for, and counts it. Linux refuses frames
 * while the TAP is down: those are counted as dropped. */
static VOID StapWriteToTap(PSTAP_BINDING Binding, tap_iovec *Pieces, UINT Count, UINT Length)
{
    LONG Written;

    Pieces[0].base = StapNoOffload;
    Pieces[0].length = STAP_VNET_BYTES;
    Written = (LONG)tap_write(Binding->Tap.fds[0], Pieces, Count);
    if (Written == (LONG)(STAP_VNET_BYTES + Length))
        InterlockedIncrement64(&Binding->ToTap);
    else
        InterlockedIncrement64(&Binding->ToTapDropped);
}

/* ---- coalescing ----------------------------------------------------------------------------------- */

C_ASSERT(STAP_GRO_VNET_BYTES == STAP_VNET_BYTES);
C_ASSERT(STAP_RUN_PIECES >= 2 + STAP_MAX_PIECES);

/* The queue's lock held. Writes the run (its frame as it came, or one GSO frame), counts its
 * frames and empties the queue; the packets it kept go to Returns[*ReturnCount...] for the
 * caller to give back once the lock is released. */
static VOID StapFlushRun(PSTAP_BINDING Binding, PSTAP_RUN_QUEUE Queue, PNDIS_PACKET *Returns, UINT *ReturnCount)
{
    LONG64 Segments = Queue->Run.segments;
    UINT Length;
    LONG Written;
    UINT i;

    if (Segments == 0)
        return;
    Length = stap_gro_finish(&Queue->Run, Queue->Vnet);
    Written = (LONG)tap_write(Binding->Tap.fds[0], Queue->Pieces, Queue->PieceCount);
    if (Written == (LONG)(STAP_VNET_BYTES + Length)) {
        InterlockedExchangeAdd64(&Binding->ToTap, Segments);
        if (Segments > 1) {
            InterlockedIncrement64(&Binding->ToTapGsoWrites);
            InterlockedExchangeAdd64(&Binding->ToTapGsoFrames, Segments);
        }
    } else {
        InterlockedExchangeAdd64(&Binding->ToTapDropped, Segments);
    }
    for (i = 0; i < Queue->HeldCount; i++)
        Returns[(*ReturnCount)++] = Queue->Held[i];
    Queue->HeldCount = 0;
    Queue->PieceCount = 0;
    Queue->CopyUsed = 0;
    Queue->Run.segments = 0;
}

/* DPC — DISPATCH_LEVEL, the queue's processor, after the indications that filled the run. */
static VOID StapRunDpc(PKDPC Dpc, PVOID Context, PVOID SystemArgument1, PVOID SystemArgument2)
{
    PSTAP_RUN_QUEUE Queue = (PSTAP_RUN_QUEUE)Context;
    PSTAP_BINDING Binding = Queue->Binding;
    PNDIS_PACKET Returns[STAP_GRO_MAX_SEGMENTS];
    UINT ReturnCount = 0;

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    NdisDprAcquireSpinLock(&Queue->Lock);
    StapFlushRun(Binding, Queue, Returns, &ReturnCount);
    Queue->Queued = FALSE;
    NdisDprReleaseSpinLock(&Queue->Lock);
    if (ReturnCount != 0)
        NdisReturnPackets(Returns, ReturnCount);
    StapDereference(Binding); /* last: the unbind may free the queue once it drops */
}

NDIS_STATUS StapAllocateRuns(PSTAP_BINDING Binding)
{
    UINT Queues = (UINT)NdisSystemProcessorCount();
    UINT i;

    if (Queues == 0)
        Queues = 1;
    if (NdisAllocateMemoryWithTag((PVOID *)&Binding->Runs, Queues * sizeof(STAP_RUN_QUEUE), STAP_TAG) !=
        NDIS_STATUS_SUCCESS) {
        Binding->Runs = NULL;
        return NDIS_STATUS_RESOURCES;
    }
    if (NdisAllocateMemoryWithTag((PVOID *)&Binding->RunMemory, Queues * STAP_RUN_COPY_BYTES, STAP_TAG) !=
        NDIS_STATUS_SUCCESS) {
        NdisFreeMemory(Binding->Runs, Queues * sizeof(STAP_RUN_QUEUE), 0);
        Binding->Runs = NULL;
        Binding->RunMemory = NULL;
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Binding->Runs, Queues * sizeof(STAP_RUN_QUEUE));
    Binding->RunQueues = Queues;
    for (i = 0; i < Queues; i++) {
        PSTAP_RUN_QUEUE Queue = &Binding->Runs[i];

        NdisAllocateSpinLock(&Queue->Lock);
        KeInitializeDpc(&Queue->Dpc, StapRunDpc, Queue);
        KeSetTargetProcessorDpc(&Queue->Dpc, (CCHAR)i);
        Queue->Binding = Binding;
        Queue->Copy = Binding->RunMemory + (SIZE_T)i * STAP_RUN_COPY_BYTES;
        Queue->Pieces[0].base = Queue->Vnet;
        Queue->Pieces[0].length = STAP_VNET_BYTES;
    }
    return NDIS_STATUS_SUCCESS;
}

VOID StapFreeRuns(PSTAP_BINDING Binding)
{
    UINT i;

    if (Binding->Runs == NULL)
        return;
    /* The last DPC dropped its reference as its last act; let it return before its KDPC goes. */
    if (KeGetCurrentIrql() == PASSIVE_LEVEL)
        KeFlushQueuedDpcs();
    for (i = 0; i < Binding->RunQueues; i++)
        NdisFreeSpinLock(&Binding->Runs[i].Lock);
    NdisFreeMemory(Binding->RunMemory, Binding->RunQueues * STAP_RUN_COPY_BYTES, 0);
    NdisFreeMemory(Binding->Runs, Binding->RunQueues * sizeof(STAP_RUN_QUEUE), 0);
    Binding->Runs = NULL;
    Binding->RunMemory = NULL;
    Binding->RunQueues = 0;
}

/* The queue's lock held. The run stays open with the segment whose payload is Queue->Pieces[
 * First...]: that payload must outlive the indication. Packet (when it may be kept) is kept;
 * otherwise the payload is copied. FALSE when the binding is closing: write the run now. */
static BOOLEAN StapKeepSegment(PSTAP_BINDING Binding, PSTAP_RUN_QUEUE Queue, UINT First, PNDIS_PACKET Packet)
{
    PUCHAR To = Queue->Copy + Queue->CopyUsed;
    UINT Copied = 0;
    UINT i;

    if (!Queue->Queued) {
        if (!StapReference(Binding))
            return FALSE;
        Queue->Queued = TRUE;
        KeInsertQueueDpc(&Queue->Dpc, NULL, NULL);
    }
    if (Packet != NULL) {
        Queue->Held[Queue->HeldCount++] = Packet;
        return TRUE;
    }
    /* The run's payload fits an IP packet, so the copy area cannot overflow. */
    for (i = First; i < Queue->PieceCount; i++) {
        NdisMoveMemory(To + Copied, Queue->Pieces[i].base, Queue->Pieces[i].length);
        Copied += (UINT)Queue->Pieces[i].length;
    }
    Queue->CopyUsed += Copied;
    /* Consecutive copies are one piece. */
    if (First > 2 && (const UCHAR *)Queue->Pieces[First - 1].base + Queue->Pieces[First - 1].length == To) {
        Queue->Pieces[First - 1].length += Copied;
        Queue->PieceCount = First;
    } else {
        Queue->Pieces[First].base = To;
        Queue->Pieces[First].length = Copied;
        Queue->PieceCount = First + 1;
    }
    return TRUE;
}

/* The payload of a frame: its pieces from byte Skip on, into Payload (room for Count - 1). */
static UINT StapPayloadPieces(const tap_iovec *Pieces, UINT Count, UINT Skip, tap_iovec *Payload)
{
    UINT Found = 0;
    UINT i;

    for (i = 1; i < Count; i++) {
        if (Skip >= Pieces[i].length) {
            Skip -= (UINT)Pieces[i].length;
            continue;
        }
        Payload[Found].base = (const UCHAR *)Pieces[i].base + Skip;
        Payload[Found].length = Pieces[i].length - Skip;
        Skip = 0;
        Found++;
    }
    return Found;
}

/* Whether the segment's TCP checksum is right: the adapter's word (per-packet
 * TcpIpChecksumPacketInfo) when it checked, else summed here. Joined segments reach Linux as
 * CHECKSUM_PARTIAL, which it does not check again. */
static BOOLEAN StapSegmentIntact(const UCHAR *Headers, const struct stap_gro_segment *Segment,
    const tap_iovec *Payload, UINT PayloadCount, ULONG ChecksumInfo)
{
    NDIS_TCP_IP_CHECKSUM_PACKET_INFO Info;
    uint16_t Sum = 0;
    BOOLEAN Odd = FALSE;
    UINT i;

    Info.Value = ChecksumInfo;
    if (Info.Receive.NdisPacketTcpChecksumFailed || Info.Receive.NdisPacketIpChecksumFailed)
        return FALSE;
    if (Info.Receive.NdisPacketTcpChecksumSucceeded)
        return TRUE;
    for (i = 0; i < PayloadCount; i++) {
        uint16_t Piece = stap_gro_sum(Payload[i].base, Payload[i].length);

        Sum = stap_gro_add(Sum, Odd ? stap_gro_swap(Piece) : Piece);
        Odd ^= (Payload[i].length & 1) != 0;
    }
    return stap_gro_tcp_valid(Headers, Segment, Sum) ? TRUE : FALSE;
}

/* DISPATCH_LEVEL. A received frame of Length bytes in Pieces[1..Count) (Pieces[0] free for the
 * vnet header) joins this processor's run or is written after it. Packet is the indicated
 * packet when it may be kept, else NULL; ChecksumInfo the adapter's receive checksum word.
 * TRUE when Packet was kept (NdisReturnPackets gives it back once its run is written). */
static BOOLEAN StapCoalesce(PSTAP_BINDING Binding, tap_iovec *Pieces, UINT Count, UINT Length,
    PNDIS_PACKET Packet, ULONG ChecksumInfo)
{
    PSTAP_RUN_QUEUE Queue = &Binding->Runs[KeGetCurrentProcessorNumber() % Binding->RunQueues];
    PNDIS_PACKET Returns[STAP_GRO_MAX_SEGMENTS];
    tap_iovec Payload[STAP_MAX_PIECES];
    UCHAR Scratch[STAP_GRO_HEADER_MAX];
    struct stap_gro_segment Segment;
    const UCHAR *Headers = (const UCHAR *)Pieces[1].base;
    UINT Contiguous = (UINT)Pieces[1].length;
    UINT PayloadCount = 0;
    UINT ReturnCount = 0;
    BOOLEAN Candidate;
    BOOLEAN Kept = FALSE;
    UINT First, i;

    if (Contiguous < STAP_GRO_HEADER_MAX && Contiguous < Length) {
        /* Headers split over buffers (a lookahead indication's always are): parse a copy. */
        Contiguous = 0;
        for (i = 1; i < Count && Contiguous < STAP_GRO_HEADER_MAX; i++) {
            UINT Take = (UINT)Pieces[i].length;

            if (Take > STAP_GRO_HEADER_MAX - Contiguous)
                Take = STAP_GRO_HEADER_MAX - Contiguous;
            NdisMoveMemory(Scratch + Contiguous, Pieces[i].base, Take);
            Contiguous += Take;
        }
        Headers = Scratch;
    }
    Candidate = stap_gro_parse(Headers, Contiguous, Length, &Segment) != 0;
    if (Candidate) {
        PayloadCount = StapPayloadPieces(Pieces, Count, Segment.header_bytes, Payload);
        Candidate = StapSegmentIntact(Headers, &Segment, Payload, PayloadCount, ChecksumInfo);
    }

    NdisDprAcquireSpinLock(&Queue->Lock);
    if (!Candidate) {
        StapFlushRun(Binding, Queue, Returns, &ReturnCount);
        StapWriteToTap(Binding, Pieces, Count, Length);
    } else {
        BOOLEAN Closed;

        if (Queue->Run.segments != 0 && (!stap_gro_joins(&Queue->Run, Headers, &Segment) ||
                                            Queue->PieceCount + PayloadCount > STAP_RUN_PIECES))
            StapFlushRun(Binding, Queue, Returns, &ReturnCount);
        if (Queue->Run.segments == 0) {
            stap_gro_start(&Queue->Run, Headers, &Segment);
            Queue->Pieces[1].base = Queue->Run.header;
            Queue->Pieces[1].length = Segment.header_bytes;
            Queue->PieceCount = 2;
            Closed = Queue->Run.closed;
        } else {
            Closed = stap_gro_append(&Queue->Run, &Segment) != 0;
        }
        /* Borrowed for now: a run written before we return needs neither a copy nor the packet. */
        First = Queue->PieceCount;
        NdisMoveMemory(&Queue->Pieces[First], Payload, PayloadCount * sizeof(tap_iovec));
        Queue->PieceCount += PayloadCount;
        if (Closed || !StapKeepSegment(Binding, Queue, First, Packet))
            StapFlushRun(Binding, Queue, Returns, &ReturnCount);
        else
            Kept = Packet != NULL;
    }
    NdisDprReleaseSpinLock(&Queue->Lock);
    if (ReturnCount != 0)
        NdisReturnPackets(Returns, ReturnCount);
    return Kept;
}

/* DISPATCH_LEVEL. Writes this processor's run before a frame that bypasses coalescing. */
static VOID StapFlushHere(PSTAP_BINDING Binding)
{
    PSTAP_RUN_QUEUE Queue = &Binding->Runs[KeGetCurrentProcessorNumber() % Binding->RunQueues];
    PNDIS_PACKET Returns[STAP_GRO_MAX_SEGMENTS];
    UINT ReturnCount = 0;

    NdisDprAcquireSpinLock(&Queue->Lock);
    StapFlushRun(Binding, Queue, Returns, &ReturnCount);
    NdisDprReleaseSpinLock(&Queue->Lock);
    if (ReturnCount != 0)
        NdisReturnPackets(Returns, ReturnCount);
}

/* ---- receive handlers ----------------------------------------------------------------------------- */

/* ProtocolReceivePacket (ndis.h) — seed 003 §2.7.1.1 — DISPATCH_LEVEL; any processor, several at
 * once. The frame goes to the TAP from the packet's buffers, joined with the TCP segments around
 * it when it can be. Returns 1 when the packet is kept until its run is written (never one
 * indicated with NDIS_STATUS_RESOURCES: its payload is copied if it must outlive the call). */
INT StapReceivePacket(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet)
{
    PSTAP_BINDING Binding = (PSTAP_BINDING)ProtocolBindingContext;
    tap_iovec Pieces[1 + STAP_MAX_PIECES];
    PNDIS_BUFFER Buffer;
    UINT Total = 0;
    UINT Count = 1;
    BOOLEAN MayKeep = NDIS_GET_PACKET_STATUS(Packet) != NDIS_STATUS_RESOURCES;

    NdisQueryPacket(Packet, NULL, NULL, &Buffer, &Total);
    if (Total < STAP_ETH_HEADER) {
        InterlockedIncrement64(&Binding->ToTapDropped);
        return 0;
    }
    while (Buffer != NULL) {
        PVOID Va;
        UINT Length;

        NdisQueryBufferSafe(Buffer, &Va, &Length, NormalPagePriority);
        if (Va == NULL || (Length != 0 && Count == ARRAYSIZE(Pieces))) {
            InterlockedIncrement64(&Binding->ToTapDropped);
            return 0;
        }
        if (Length != 0) {
            Pieces[Count].base = Va;
            Pieces[Count].length = Length;
            Count++;
        }
        NdisGetNextBuffer(Buffer, &Buffer);
    }
    return StapCoalesce(Binding, Pieces, Count, Total, MayKeep ? Packet : NULL,
               (ULONG)(ULONG_PTR)NDIS_PER_PACKET_INFO_FROM_PACKET(Packet, TcpIpChecksumPacketInfo))
               ? 1
               : 0;
}

/* IRQL <= DISPATCH_LEVEL. A transfer into Packet ended: the frame (header saved by
 * ProtocolReceive, data transferred after it) goes to the TAP; the packet is recycled. */
static VOID StapTransferDone(PSTAP_BINDING Binding, PNDIS_PACKET Packet, NDIS_STATUS Status, UINT BytesTransferred)
{
    PSTAP_PACKET_RESERVED Reserved = STAP_RESERVED(Packet);
    PNDIS_BUFFER Buffer;

    if (Status == NDIS_STATUS_SUCCESS) {
        tap_iovec Pieces[2];

        Pieces[1].base = Reserved->Frame;
        Pieces[1].length = STAP_ETH_HEADER + BytesTransferred;
        StapWriteToTap(Binding, Pieces, 2, (UINT)Pieces[1].length);
    } else {
        InterlockedIncrement64(&Binding->ToTapDropped);
    }
    NdisUnchainBufferAtFront(Packet, &Buffer);
    NdisReinitializePacket(Packet);
    NdisAcquireSpinLock(&Binding->RecvLock);
    Reserved->Next = Binding->FreeTransfers;
    Binding->FreeTransfers = Packet;
    NdisReleaseSpinLock(&Binding->RecvLock);
    StapDereference(Binding);
}

/* ProtocolReceive (ndis.h) — seed 003 §2.7.1.2 — DISPATCH_LEVEL. A lookahead holding the whole
 * frame goes the way ProtocolReceivePacket's frames go (copied if it joins a run that outlives
 * the call; NdisGetReceivedPacket's packet, when there is one, tells whether the checksums were
 * checked). Otherwise this processor's run is written first, the header is saved and
 * NdisTransferData, called here and once as the seed requires, copies the rest into a
 * preallocated packet (ByteOffset 0 = the first byte after the header). */
NDIS_STATUS StapReceive(NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE MacReceiveContext, PVOID HeaderBuffer,
    UINT HeaderBufferSize, PVOID LookAheadBuffer, UINT LookaheadBufferSize, UINT PacketSize)
{
    PSTAP_BINDING Binding = (PSTAP_BINDING)ProtocolBindingContext;
    PSTAP_PACKET_RESERVED Reserved;
    PNDIS_PACKET Packet;
    NDIS_STATUS Status;
    UINT Transferred = 0;

    if (HeaderBufferSize != STAP_ETH_HEADER)
        return NDIS_STATUS_NOT_ACCEPTED;
    if (LookaheadBufferSize >= PacketSize) {
        PNDIS_PACKET Indicated = NdisGetReceivedPacket(Binding->BindingHandle, MacReceiveContext);
        ULONG ChecksumInfo = 0;
        tap_iovec Pieces[3];

        if (Indicated != NULL)
            ChecksumInfo = (ULONG)(ULONG_PTR)NDIS_PER_PACKET_INFO_FROM_PACKET(Indicated, TcpIpChecksumPacketInfo);
        Pieces[1].base = HeaderBuffer;
        Pieces[1].length = STAP_ETH_HEADER;
        Pieces[2].base = LookAheadBuffer;
        Pieces[2].length = PacketSize;
        StapCoalesce(Binding, Pieces, PacketSize != 0 ? 3 : 2, STAP_ETH_HEADER + PacketSize, NULL, ChecksumInfo);
        return NDIS_STATUS_SUCCESS;
    }
    StapFlushHere(Binding);
    if (PacketSize > Binding->FrameStride - STAP_ETH_HEADER || !StapReference(Binding)) {
        InterlockedIncrement64(&Binding->ToTapDropped);
        return NDIS_STATUS_NOT_ACCEPTED;
    }
    NdisAcquireSpinLock(&Binding->RecvLock);
    Packet = Binding->FreeTransfers;
    if (Packet != NULL)
        Binding->FreeTransfers = STAP_RESERVED(Packet)->Next;
    NdisReleaseSpinLock(&Binding->RecvLock);
    if (Packet == NULL) {
        InterlockedIncrement64(&Binding->ToTapDropped);
        StapDereference(Binding);
        return NDIS_STATUS_NOT_ACCEPTED;
    }

    Reserved = STAP_RESERVED(Packet);
    NdisMoveMemory(Reserved->Frame, HeaderBuffer, STAP_ETH_HEADER);
    NdisAdjustBufferLength(Reserved->Buffer, PacketSize);
    NdisChainBufferAtFront(Packet, Reserved->Buffer);
    NdisTransferData(&Status, Binding->BindingHandle, MacReceiveContext, 0, PacketSize, Packet, &Transferred);
    if (Status != NDIS_STATUS_PENDING)
        StapTransferDone(Binding, Packet, Status, Transferred);
    return NDIS_STATUS_SUCCESS;
}

/* ProtocolTransferDataComplete (ndis.h) — seed 003 §2.7.1.2 — DISPATCH_LEVEL. */
VOID StapTransferDataComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status,
    UINT BytesTransferred)
{
    StapTransferDone((PSTAP_BINDING)ProtocolBindingContext, Packet, Status, BytesTransferred);
}

/* ProtocolReceiveComplete (ndis.h) — seed 003 §2.7.1.2 — DISPATCH_LEVEL. Not a flush point: an
 * IM above a miniport that indicates arrays passes packets up one indication each, so this comes
 * after every frame; the queues' DPCs end the runs instead. */
VOID StapReceiveComplete(NDIS_HANDLE ProtocolBindingContext)
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
}
