/* recv.c — the afpacket adapter's receive side (issue 6, deliverable 1; seed 003 §2.5, §2.7.1):
 * the walk of the receive ring's blocks (TPACKET_V3 blocks the kernel retired, or TPACKET_V2
 * frames, each a block of one), zero-copy packet-array indications gathered across blocks,
 * MiniportReturnPacket and the return of blocks to the kernel.
 *
 * The kernel reports the socket readable while the block before the one it fills is ours. When
 * the handler has walked every retired block but protocols still hold packets of the last one,
 * that would hold forever: the side "parks" — READABLE is switched off until a block goes back
 * (from MiniportReturnPacket) or the park timer fires (new blocks may retire meanwhile). The walk
 * stops at a block we still own: when protocols hold every block the ring is full, the kernel
 * drops (and counts) frames, and the walk resumes once returns give blocks back. */
#include "afpacket.h"

/* PASSIVE_LEVEL (MiniportInitialize). The descriptor pools: ReceivePackets that protocols may
 * keep plus one array's worth for NDIS_STATUS_RESOURCES indications, which come straight back. */
NDIS_STATUS AfpRxAllocate(PAFP_ADAPTER Adapter)
{
    UINT Descriptors = Adapter->Config.ReceivePackets + AFP_INDICATE_BATCH;
    NDIS_STATUS Status;

    Adapter->RxOutstanding = 1; /* the adapter's own reference, dropped by MiniportHalt */
    Status = NdisAllocateMemoryWithTag((PVOID *)&Adapter->Blocks, Adapter->RxBlockCount * sizeof(AFP_RX_BLOCK),
        AFP_TAG);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    NdisZeroMemory(Adapter->Blocks, Adapter->RxBlockCount * sizeof(AFP_RX_BLOCK));
    Status = NdisAllocateMemoryWithTag((PVOID *)&Adapter->RxDeferred, Adapter->RxBlockCount * sizeof(ULONG), AFP_TAG);
    if (Status != NDIS_STATUS_SUCCESS) {
        AfpRxFree(Adapter);
        return Status;
    }
    /* Receive packets leave protocols the ProtocolReserved space they may use. */
    NdisAllocatePacketPool(&Status, &Adapter->RxPacketPool, Descriptors, PROTOCOL_RESERVED_SIZE_IN_PACKET);
    if (Status == NDIS_STATUS_SUCCESS)
        NdisAllocateBufferPool(&Status, &Adapter->RxBufferPool, Descriptors);
    if (Status == NDIS_STATUS_SUCCESS) {
        /* A segment is at most an MTU-sized frame with an 802.1Q tag; cache-line slots. */
        ULONG Frame = Adapter->Mtu + AFP_ETH_HEADER + 4 > 1518 ? Adapter->Mtu + AFP_ETH_HEADER + 4 : 1518;
        Adapter->SegmentSlotBytes = (Frame + 63) & ~63U;
        Status = NdisAllocateMemoryWithTag((PVOID *)&Adapter->SegmentArea,
            AFP_INDICATE_BATCH * Adapter->SegmentSlotBytes, AFP_TAG);
    }
    if (Status != NDIS_STATUS_SUCCESS) {
        AfpRxFree(Adapter);
        return NDIS_STATUS_RESOURCES;
    }
    return NDIS_STATUS_SUCCESS;
}

/* PASSIVE_LEVEL. Frees what AfpRxAllocate allocated, whether it finished or not; every packet
 * is back by now. */
VOID AfpRxFree(PAFP_ADAPTER Adapter)
{
    if (Adapter->RxBufferPool != NULL)
        NdisFreeBufferPool(Adapter->RxBufferPool);
    if (Adapter->RxPacketPool != NULL)
        NdisFreePacketPool(Adapter->RxPacketPool);
    if (Adapter->Blocks != NULL)
        NdisFreeMemory(Adapter->Blocks, Adapter->RxBlockCount * sizeof(AFP_RX_BLOCK), 0);
    if (Adapter->RxDeferred != NULL)
        NdisFreeMemory(Adapter->RxDeferred, Adapter->RxBlockCount * sizeof(ULONG), 0);
    if (Adapter->SegmentArea != NULL)
        NdisFreeMemory(Adapter->SegmentArea, AFP_INDICATE_BATCH * Adapter->SegmentSlotBytes, 0);
    Adapter->SegmentArea = NULL;
    Adapter->RxDeferred = NULL;
    Adapter->RxBufferPool = NULL;
    Adapter->RxPacketPool = NULL;
    Adapter->Blocks = NULL;
}

/* Any IRQL <= DISPATCH_LEVEL. Turns READABLE back on if the receive side is parked. */
static VOID AfpRxUnpark(PAFP_ADAPTER Adapter)
{
    if (InterlockedExchange(&Adapter->RxParked, 0) == 1)
        AfpUpdatePortMask(Adapter, STRATA_IO_READABLE, 0);
}

/* Any IRQL <= DISPATCH_LEVEL; any processor. Drops one reference on Block; the last one gives
 * the block back to the kernel, or, on the walker's own thread during its run, leaves that to
 * AfpRxReleaseDeferred. */
static VOID AfpRxBlockDereference(PAFP_ADAPTER Adapter, ULONG Block)
{
    if (InterlockedDecrement(&Adapter->Blocks[Block].References) != 0)
        return;
    if (Adapter->RxWalker != NULL && Adapter->RxWalker == KeGetCurrentThread()) {
        Adapter->RxDeferred[Adapter->RxDeferredCount++] = Block;
        return;
    }
    afp_rx_block_release(&Adapter->Port, Block);
    InterlockedExchange(&Adapter->Blocks[Block].Owned, 0); /* after the kernel has it back */
    if (Adapter->RxParked)
        AfpRxUnpark(Adapter);
}

/* DISPATCH_LEVEL, the walker's thread. Gives the blocks whose last reference went during the
 * run back to the kernel, newest first. A full ring's kernel reads the status word of the oldest
 * block we hold for every frame it has to drop, so writing that one last makes one wait for the
 * other core per group instead of one per block (a V2 frame). Only the walker reads Owned of a
 * block it released itself (it parks after this, on the same thread): plain stores do. */
static VOID AfpRxReleaseDeferred(PAFP_ADAPTER Adapter)
{
    ULONG i;

    for (i = Adapter->RxDeferredCount; i-- > 0;)
        afp_rx_block_release(&Adapter->Port, Adapter->RxDeferred[i]);
    for (i = 0; i < Adapter->RxDeferredCount; i++)
        Adapter->Blocks[Adapter->RxDeferred[i]].Owned = 0;
    Adapter->RxDeferredCount = 0;
}

/* DISPATCH_LEVEL. A receive packet whose one buffer maps Length bytes at Data, or NULL when
 * the pools are empty (they are sized so that this does not happen). */
static PNDIS_PACKET AfpRxBuildPacket(PAFP_ADAPTER Adapter, ULONG Block, PUCHAR Data, UINT Length, ULONG Checksums)
{
    PNDIS_PACKET Packet;
    PNDIS_BUFFER Buffer;
    NDIS_STATUS Status;

    NdisAllocatePacket(&Status, &Packet, Adapter->RxPacketPool);
    if (Status != NDIS_STATUS_SUCCESS)
        return NULL;
    NdisAllocateBuffer(&Status, &Buffer, Adapter->RxBufferPool, Data, Length);
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisFreePacket(Packet);
        return NULL;
    }
    NdisChainBufferAtFront(Packet, Buffer);
    NDIS_SET_PACKET_HEADER_SIZE(Packet, AFP_ETH_HEADER);
    NDIS_PER_PACKET_INFO_FROM_PACKET(Packet, TcpIpChecksumPacketInfo) = (PVOID)(ULONG_PTR)Checksums;
    AFP_RX_RESERVED(Packet)->Block = Block;
    return Packet;
}

/* The receive TcpIpChecksumPacketInfo of a frame whose L4 checksum (and, with Ip, IPv4 header
 * checksum) afpacket computed itself, as far as the transport enabled receive checksums. */
static ULONG AfpRxVerified(PAFP_ADAPTER Adapter, BOOLEAN Ipv6, BOOLEAN Tcp, BOOLEAN Ip)
{
    const NDIS_TASK_TCP_IP_CHECKSUM *Enabled = &Adapter->Checksum;
    NDIS_TCP_IP_CHECKSUM_PACKET_INFO Info;

    Info.Value = 0;
    if (Ipv6 ? (Tcp ? Enabled->V6Receive.TcpChecksum : Enabled->V6Receive.UdpChecksum)
             : (Tcp ? Enabled->V4Receive.TcpChecksum : Enabled->V4Receive.UdpChecksum)) {
        Info.Receive.NdisPacketTcpChecksumSucceeded = Tcp;
        Info.Receive.NdisPacketUdpChecksumSucceeded = !Tcp;
    }
    if (Ip && !Ipv6 && Enabled->V4Receive.IpChecksum)
        Info.Receive.NdisPacketIpChecksumSucceeded = 1;
    return Info.Value;
}

/* Any IRQL <= DISPATCH_LEVEL. Unchains and frees a receive packet that is ours again. */
static VOID AfpRxFreePacket(PNDIS_PACKET Packet)
{
    PNDIS_BUFFER Buffer;

    NdisUnchainBufferAtFront(Packet, &Buffer);
    if (Buffer != NULL)
        NdisFreeBuffer(Buffer);
    NdisFreePacket(Packet);
}

/* The packets one handler run gathered and has not indicated yet, and the blocks walked to the
 * end whose walk references it still holds (Held of them, in ring order from HeldFrom): a
 * block's walk reference goes only after every packet of it went up, and a V2 ring's frames
 * are gathered across many blocks. */
typedef struct _AFP_RX_BATCH {
    PNDIS_PACKET Packets[AFP_INDICATE_BATCH];
    UINT Count;
    ULONG64 Bytes;
    ULONG HeldFrom;
    ULONG Held;
} AFP_RX_BATCH;

/* The block after Block in ring order. A V2 ring steps once per frame: no division. */
static ULONG AfpRxNext(const PAFP_ADAPTER Adapter, ULONG Block)
{
    return Block + 1 == Adapter->RxBlockCount ? 0 : Block + 1;
}

/* Whether Block is one of the batch's held blocks. */
static BOOLEAN AfpRxHeld(const PAFP_ADAPTER Adapter, const AFP_RX_BATCH *Batch, ULONG Block)
{
    ULONG Distance = Block >= Batch->HeldFrom ? Block - Batch->HeldFrom : Block + Adapter->RxBlockCount - Batch->HeldFrom;

    return Distance < Batch->Held;
}

/* DISPATCH_LEVEL, the io processor. Indicates the batch. As many as the ReceivePackets budget
 * allows go up with NDIS_STATUS_SUCCESS (protocols may keep them; every one comes back through
 * MiniportReturnPacket, perhaps before this call returns) and count on their blocks; the rest,
 * last in the array as the RESOURCES rule requires, with NDIS_STATUS_RESOURCES. Then drops the
 * walk references of the blocks walked to the end. A held block whose packets in the batch all
 * stay up hands its walk's reference to them instead: in a V2 ring, where every frame is a
 * block, that saves two interlocked operations per frame. */
static VOID AfpRxFlush(PAFP_ADAPTER Adapter, AFP_RX_BATCH *Batch)
{
    PPNDIS_PACKET Packets = Batch->Packets;
    UINT Count = Batch->Count;
    LONG Budget = (LONG)Adapter->Config.ReceivePackets - (Adapter->RxOutstanding - 1);
    UINT Keep = Budget <= 0 ? 0 : ((UINT)Budget < Count ? (UINT)Budget : Count);
    UINT i;
    UINT j;

    if (Count != 0) {
        for (i = 0; i < Count; i++)
            NDIS_SET_PACKET_STATUS(Packets[i], i < Keep ? NDIS_STATUS_SUCCESS : NDIS_STATUS_RESOURCES);
        if (Keep != 0)
            InterlockedAdd(&Adapter->RxOutstanding, (LONG)Keep);
        /* At most one interlocked add per run of packets from the same block. */
        for (i = 0; i < Keep; i = j) {
            ULONG Block = (ULONG)AFP_RX_RESERVED(Packets[i])->Block;
            LONG References;

            for (j = i + 1; j < Keep && AFP_RX_RESERVED(Packets[j])->Block == Block; j++)
                ;
            References = (LONG)(j - i);
            if (AfpRxHeld(Adapter, Batch, Block) && (j == Count || AFP_RX_RESERVED(Packets[j])->Block != Block)) {
                Adapter->Blocks[Block].WalkHandedOver = TRUE;
                References--;
            }
            if (References != 0)
                InterlockedAdd(&Adapter->Blocks[Block].References, References);
        }
        Adapter->RxFrames += Count;
        Adapter->RxBytes += Batch->Bytes;
        Adapter->RxIndicatedResources += Count - Keep;

        NdisMIndicateReceivePacket(Adapter->MiniportHandle, Packets, Count);

        /* The SUCCESS ones may already be back and reused: only the RESOURCES ones are touched. */
        for (i = Keep; i < Count; i++)
            AfpRxFreePacket(Packets[i]);
        Batch->Count = 0;
        Batch->Bytes = 0;
    }
    for (; Batch->Held != 0; Batch->Held--) {
        AFP_RX_BLOCK *Held = &Adapter->Blocks[Batch->HeldFrom];

        if (Held->WalkHandedOver)
            Held->WalkHandedOver = FALSE;
        else
            AfpRxBlockDereference(Adapter, Batch->HeldFrom);
        Batch->HeldFrom = AfpRxNext(Adapter, Batch->HeldFrom);
    }
    AfpRxReleaseDeferred(Adapter);
}

/* DISPATCH_LEVEL, the io processor. Indicates Count packets whose frames are in memory this
 * driver reuses at once, with NDIS_STATUS_RESOURCES: protocols copy them before the call
 * returns. */
static VOID AfpRxIndicateCopies(PAFP_ADAPTER Adapter, PPNDIS_PACKET Packets, UINT Count, ULONG64 Bytes)
{
    UINT i;

    for (i = 0; i < Count; i++)
        NDIS_SET_PACKET_STATUS(Packets[i], NDIS_STATUS_RESOURCES);
    Adapter->RxFrames += Count;
    Adapter->RxBytes += Bytes;
    Adapter->RxIndicatedResources += Count;
    NdisMIndicateReceivePacket(Adapter->MiniportHandle, Packets, Count);
    for (i = 0; i < Count; i++)
        AfpRxFreePacket(Packets[i]);
}

/* DISPATCH_LEVEL, the io processor. Cuts a GSO frame into MTU-sized frames in the segment
 * area and indicates them, AFP_INDICATE_BATCH at a time, as copies: the area is free again for
 * the next batch. */
static VOID AfpRxIndicateSegments(PAFP_ADAPTER Adapter, PUCHAR Data, UINT Length,
    const struct afp_rx_offload *Offload)
{
    PNDIS_PACKET Packets[AFP_INDICATE_BATCH];
    struct afp_gso Gso;
    int Overflow = 0;
    ULONG Checksums;

    if (afp_gso_begin(&Gso, Data, Length, Offload) != 0) {
        Adapter->RxErrors++;
        return;
    }
    Checksums = AfpRxVerified(Adapter, Gso.ipv6, Gso.tcp, !Gso.ipv6);
    for (;;) {
        ULONG64 Bytes = 0;
        UINT Count = 0;

        while (Count < AFP_INDICATE_BATCH) {
            PUCHAR Slot = Adapter->SegmentArea + Count * Adapter->SegmentSlotBytes;
            uint32_t Segment = afp_gso_next(&Gso, Slot, Adapter->SegmentSlotBytes, &Overflow);
            PNDIS_PACKET Packet;

            if (Segment == 0)
                break;
            Packet = AfpRxBuildPacket(Adapter, 0, Slot, Segment, Checksums);
            if (Packet == NULL) {
                Overflow = 1;
                break;
            }
            Packets[Count++] = Packet;
            Bytes += Segment;
        }
        if (Count != 0) {
            Adapter->RxSegments += Count;
            AfpRxIndicateCopies(Adapter, Packets, Count, Bytes);
        }
        if (Count < AFP_INDICATE_BATCH || Overflow)
            break;
    }
    if (Overflow)
        Adapter->RxErrors++;
}

/* DISPATCH_LEVEL, the io processor. Gathers every good frame of one block into Batch,
 * indicating it whenever it fills; completes the checksums and cuts the GSO frames the sender
 * left to offloads. A frame in the copy area goes up at once, as a copy. */
static VOID AfpRxWalkBlock(PAFP_ADAPTER Adapter, ULONG Block, struct afp_rx_cursor *Cursor, AFP_RX_BATCH *Batch)
{
    /* A frame may carry an 802.1Q tag the interface did not strip. */
    UINT Longest = Adapter->Mtu + AFP_ETH_HEADER + 4;
    struct afp_rx_offload Offload;
    uint32_t Length;
    uint32_t Flags;
    PUCHAR Data;
    ULONG Checksums;

    while ((Data = afp_rx_next(Cursor, &Length, &Flags, &Offload)) != NULL) {
        PNDIS_PACKET Packet;

        if ((Flags & AFP_RX_TRUNCATED) != 0 || Length < AFP_ETH_HEADER) {
            Adapter->RxErrors++;
            continue;
        }
        if ((Flags & AFP_RX_COPIED) != 0)
            Adapter->RxCopied++;
        if (Offload.gso != AFP_GSO_NONE || (Flags & AFP_RX_COPIED) != 0) {
            /* In order: what is batched goes up first. */
            AfpRxFlush(Adapter, Batch);
        }
        if (Offload.gso != AFP_GSO_NONE) {
            AfpRxIndicateSegments(Adapter, Data, Length, &Offload);
            continue;
        }
        if (Length > Longest) {
            Adapter->RxErrors++;
            continue;
        }
        /* The ring is ours until the block goes back: the checksum is finished in place. */
        Checksums = 0;
        if (Offload.needs_csum && afp_csum_complete(Data, Length, Offload.csum_start, Offload.csum_offset) == 0) {
            Adapter->RxChecksummed++;
            Checksums = AfpRxVerified(Adapter, Data[12] == 0x86 && Data[13] == 0xDD, Offload.csum_offset == 16, FALSE);
        }
        Packet = AfpRxBuildPacket(Adapter, Block, Data, Length, Checksums);
        if (Packet == NULL) {
            Adapter->RxErrors++;
            continue;
        }
        if ((Flags & AFP_RX_COPIED) != 0) {
            AfpRxIndicateCopies(Adapter, &Packet, 1, Length);
            continue;
        }
        Batch->Packets[Batch->Count++] = Packet;
        Batch->Bytes += Length;
        if (Batch->Count == AFP_INDICATE_BATCH)
            AfpRxFlush(Adapter, Batch);
    }
}

/* DISPATCH_LEVEL, the io processor. Whether Block came to a V2 ring run that walked Walked
 * frames before *Deadline (0: the run has not waited yet; the first wait sets it AFP_RX_POLL_US
 * ahead, so a run waits that long at most in all). In a stream of frames, sleeping until the
 * kernel wakes us for the next one costs more than the wait (a wake-up per frame), so after
 * AFP_RX_POLL_AFTER frames the run waits a little, with what it gathered indicated first.
 * Trickles (acknowledgements) do not wait: they go to sleep and are woken per frame. */
static BOOLEAN AfpRxPoll(PAFP_ADAPTER Adapter, AFP_RX_BATCH *Batch, ULONG Block, struct afp_rx_cursor *Cursor,
    ULONG Walked, PULONGLONG Deadline)
{
    if (Adapter->Port.version != AFP_RING_V2 || Walked < AFP_RX_POLL_AFTER)
        return FALSE;
    AfpRxFlush(Adapter, Batch);
    if (*Deadline == 0)
        *Deadline = KeQueryInterruptTime() + AFP_RX_POLL_US * 10;
    do {
        YieldProcessor();
        if (afp_rx_block_open(&Adapter->Port, Block, Cursor) != 0)
            return TRUE;
    } while (KeQueryInterruptTime() < *Deadline);
    return FALSE;
}

/* DISPATCH_LEVEL, the io processor (AfpPortEvent). Walks the blocks the kernel handed over, in
 * ring order, at most RxBlocksPerEvent per call (readiness brings us back for more). */
VOID AfpRxService(PAFP_ADAPTER Adapter)
{
    AFP_RX_BATCH Batch;
    ULONGLONG PollDeadline = 0;
    ULONG Walked;
    ULONG Last;

    Batch.Count = 0;
    Batch.Bytes = 0;
    Batch.HeldFrom = Adapter->RxNextBlock;
    Batch.Held = 0;
    Adapter->RxWalker = KeGetCurrentThread();
    for (Walked = 0; Walked < Adapter->RxBlocksPerEvent; Walked++) {
        ULONG Block = Adapter->RxNextBlock;
        struct afp_rx_cursor Cursor;

        if (Adapter->Blocks[Block].Owned)
            break;
        if (afp_rx_block_open(&Adapter->Port, Block, &Cursor) == 0 && !AfpRxPoll(Adapter, &Batch, Block, &Cursor, Walked, &PollDeadline))
            break;
        /* No one else touches a block we do not own: plain stores do. */
        Adapter->Blocks[Block].Owned = 1;
        Adapter->Blocks[Block].References = 1; /* the walk's own */
        AfpRxWalkBlock(Adapter, Block, &Cursor, &Batch);
        Adapter->RxNextBlock = AfpRxNext(Adapter, Block);
        Adapter->RxBlocksWalked++;
        Batch.Held++;
    }
    AfpRxFlush(Adapter, &Batch);
    if (Walked != 0)
        NdisMEthIndicateReceiveComplete(Adapter->MiniportHandle);
    Adapter->RxWalker = NULL;
    AfpRxReleaseDeferred(Adapter); /* returns during the receive-complete indication */

    /* A run that used its whole budget is in a stream: poll from a DPC with READABLE off, as a
     * NIC driver masks its interrupt while its DPC drains the ring. Watched, the socket has the
     * kernel call our waker for every frame it queues, on the sender's core. */
    if (Walked == Adapter->RxBlocksPerEvent) {
        AfpRxSetPolling(Adapter, TRUE);
        return;
    }
    if (Adapter->RxPolling)
        AfpRxSetPolling(Adapter, FALSE); /* the stream ended: READABLE wakes us again */

    /* Everything handed over is walked. If protocols still hold packets of the last block, the
     * socket stays readable for it: park until it comes back or the timer looks again. */
    Last = (Adapter->RxNextBlock + Adapter->RxBlockCount - 1) % Adapter->RxBlockCount;
    if (!Adapter->Blocks[Last].Owned)
        return;
    InterlockedExchange(&Adapter->RxParked, 1);
    AfpUpdatePortMask(Adapter, 0, STRATA_IO_READABLE);
    if (!Adapter->Blocks[Last].Owned)
        AfpRxUnpark(Adapter); /* it came back while we parked */
    else
        NdisMSetTimer(&Adapter->ParkTimer, Adapter->Config.RxBlockTimeoutMs);
}

/* MiniportReturnPacket (ndis.h) — seed 003 §2.7.1 — DISPATCH_LEVEL; any processor. A packet we
 * indicated with NDIS_STATUS_SUCCESS comes back: its descriptors go to the pools and its block
 * loses a reference. The last return during MiniportHalt wakes it (under MaskLock, which
 * MiniportHalt takes before freeing anything). */
VOID AfpReturnPacket(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet)
{
    PAFP_ADAPTER Adapter = (PAFP_ADAPTER)MiniportAdapterContext;
    ULONG Block = (ULONG)AFP_RX_RESERVED(Packet)->Block;

    AfpRxFreePacket(Packet);
    AfpRxBlockDereference(Adapter, Block);
    if (InterlockedDecrement(&Adapter->RxOutstanding) == 0) {
        NdisAcquireSpinLock(&Adapter->MaskLock);
        NdisSetEvent(&Adapter->ReturnsIdle);
        NdisReleaseSpinLock(&Adapter->MaskLock);
    }
}

/* The poll DPC (KeInitializeDpc), targeted at the io processor — DISPATCH_LEVEL. The next run of
 * a stream; nothing once the adapter halts or the interface is gone. */
VOID AfpRxPollDpc(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    PAFP_ADAPTER Adapter = (PAFP_ADAPTER)DeferredContext;

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    if (Adapter->Halting || Adapter->Gone)
        return;
    Adapter->RxPolledRuns++;
    AfpRxService(Adapter);
}

/* The park timer (NdisMInitializeTimer) — DISPATCH_LEVEL. Lets the handler look at the ring
 * again; it parks once more if nothing changed. */
VOID AfpParkTimer(PVOID SystemSpecific1, PVOID FunctionContext, PVOID SystemSpecific2, PVOID SystemSpecific3)
{
    UNREFERENCED_PARAMETER(SystemSpecific1);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    UNREFERENCED_PARAMETER(SystemSpecific3);
    AfpRxUnpark((PAFP_ADAPTER)FunctionContext);
}
