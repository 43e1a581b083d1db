/* datapath.c — the afxdp adapter's packet paths (seed 003 §2.7, §2.8; issue 6 deliverable 1):
 * the AF_XDP socket's io handler (receive drain, transmit poll), packet-array indications whose
 * buffers map UMEM frames, MiniportReturnPacket refilling the fill ring, MiniportSendPackets
 * copying into transmit frames, completions from the completion ring, the back-off timer and the
 * rtnetlink link handler. Nothing here allocates from the heap: packets are preallocated, buffer
 * descriptors come from a pool with one descriptor per receive frame. */
#include "afxdp.h"

/* AfxdpTxPass results (bits) */
#define AFXDP_PASS_PROGRESS 0x1u /* frames were reaped or posted */
#define AFXDP_PASS_AGAIN    0x2u /* the batch filled up while sends and frames remain */

/* ---- receive ----------------------------------------------------------------------------------- */

/* Any IRQL <= DISPATCH_LEVEL. Takes a packet's buffer off it (the frame is ours again) and
 * returns the frame's UMEM address. */
static uint64_t AfxdpUnchainRxPacket(PAFXDP_ADAPTER Adapter, PNDIS_PACKET Packet)
{
    PNDIS_BUFFER Buffer = NULL;

    NdisUnchainBufferAtFront(Packet, &Buffer);
    if (Buffer != NULL)
        NdisFreeBuffer(Buffer);
    return (uint64_t)AFXDP_RESERVED(Packet)->Frame << Adapter->FrameShift;
}

/* DISPATCH_LEVEL, on the io processor. Whether a frame came before *Deadline to a run that
 * already took Received frames (*Deadline 0: the run has not waited yet; the first wait sets it
 * AFXDP_RX_POLL_US ahead, so a run waits that long at most in all). In a stream of frames,
 * sleeping until the kernel wakes us for the next one costs more than the wait (the socket wakes
 * us per frame), so after AFXDP_RX_POLL_AFTER frames the run waits a little. Trickles go to
 * sleep and are woken. */
static BOOLEAN AfxdpRxPoll(PAFXDP_ADAPTER Adapter, UINT Received, PULONGLONG Deadline)
{
    if (Received < AFXDP_RX_POLL_AFTER)
        return FALSE;
    if (*Deadline == 0)
        *Deadline = KeQueryInterruptTime() + AFXDP_RX_POLL_US * 10;
    do {
        YieldProcessor();
        if (xp_rx_ready(Adapter->Port))
            return TRUE;
    } while (KeQueryInterruptTime() < *Deadline);
    return FALSE;
}

/* DISPATCH_LEVEL, on the io processor. Polling: the receive socket's watch paused and RxPollDpc
 * queued; not polling: READABLE watched. Nothing once the adapter halts (its events go away). */
static VOID AfxdpRxSetPolling(PAFXDP_ADAPTER Adapter, BOOLEAN Polling)
{
    NdisDprAcquireSpinLock(&Adapter->TxLock);
    if (!Adapter->Halting) {
        if (Polling != Adapter->RxPolling)
            StrataSetIoEventMask(Adapter->PortEvent, Polling ? 0 : STRATA_IO_READABLE);
        Adapter->RxPolling = Polling;
        if (Polling)
            KeInsertQueueDpc(&Adapter->RxPollDpc, NULL, NULL);
    }
    NdisDprReleaseSpinLock(&Adapter->TxLock);
}

/* DISPATCH_LEVEL, on the io processor. Drains the receive ring in batches: each frame's packet
 * gets a buffer mapping the frame where the kernel wrote it, the batch is indicated as one packet
 * array, and what the protocols did not keep goes straight back to the fill ring. */
static VOID AfxdpReceive(PAFXDP_ADAPTER Adapter)
{
    ULONG Frames = Adapter->Config.ReceiveBuffers;
    uint64_t Addrs[AFXDP_RX_BATCH];
    uint32_t Lengths[AFXDP_RX_BATCH];
    PNDIS_PACKET Packets[AFXDP_RX_BATCH];
    uint64_t Recycle[AFXDP_RX_BATCH];
    ULONGLONG PollDeadline = 0;
    UINT Received = 0;
    UINT Round;

    for (Round = 0; Round < AFXDP_RX_ROUNDS; Round++) {
        UINT Taken = xp_rx_take(Adapter->Port, Addrs, Lengths, AFXDP_RX_BATCH);
        UINT Count = 0;
        UINT Recycled = 0;
        LONG Reclaimed = 0; /* of the indicated packets, those back with us at once */
        UINT Errors = 0;
        ULONG64 Bytes = 0;
        UINT i;

        if (Taken == 0 && AfxdpRxPoll(Adapter, Received, &PollDeadline))
            Taken = xp_rx_take(Adapter->Port, Addrs, Lengths, AFXDP_RX_BATCH);
        if (Taken == 0)
            break;
        Received += Taken;
        for (i = 0; i < Taken; i++) {
            ULONG Frame = (ULONG)(Addrs[i] >> Adapter->FrameShift);
            PNDIS_BUFFER Buffer;
            NDIS_STATUS BufferStatus = NDIS_STATUS_FAILURE;

            if (Frame >= Frames) {
                Errors++; /* not a receive frame: the kernel never hands out such an address */
                continue;
            }
            if (Lengths[i] >= AFXDP_ETH_HEADER)
                NdisAllocateBuffer(&BufferStatus, &Buffer, Adapter->RxBufferPool,
                    xp_port_data(Adapter->Port, Addrs[i]), Lengths[i]);
            if (BufferStatus != NDIS_STATUS_SUCCESS) {
                Errors++;
                Recycle[Recycled++] = (uint64_t)Frame << Adapter->FrameShift;
                continue;
            }
            NdisChainBufferAtFront(Adapter->RxPackets[Frame], Buffer);
            NDIS_SET_PACKET_HEADER_SIZE(Adapter->RxPackets[Frame], AFXDP_ETH_HEADER);
            Packets[Count++] = Adapter->RxPackets[Frame];
            Bytes += Lengths[i];
        }

        if (Count != 0) {
            LONG Held;
            NDIS_STATUS Status;

            /* Counted before NDIS sees them: a protocol may return one before the call ends. */
            NdisDprAcquireSpinLock(&Adapter->FillLock);
            Held = Adapter->RxOutstanding += (LONG)Count;
            NdisDprReleaseSpinLock(&Adapter->FillLock);
            /* Protocols hold most frames: NDIS copies this batch and the frames come back now. */
            Status = Held > (LONG)(Frames - Frames / 4) ? NDIS_STATUS_RESOURCES : NDIS_STATUS_SUCCESS;
            for (i = 0; i < Count; i++)
                NDIS_SET_PACKET_STATUS(Packets[i], Status);
            NdisMIndicateReceivePacket(Adapter->MiniportHandle, Packets, Count);
            /* Seed §2.7.1: PENDING means a protocol kept the packet until MiniportReturnPacket. */
            for (i = 0; i < Count; i++) {
                if (NDIS_GET_PACKET_STATUS(Packets[i]) == NDIS_STATUS_PENDING)
                    continue;
                Recycle[Recycled++] = AfxdpUnchainRxPacket(Adapter, Packets[i]);
                Reclaimed++;
            }
            if (Status == NDIS_STATUS_RESOURCES)
                Adapter->RxIndicatedResources += Count;
        }
        if (Recycled != 0) {
            NdisDprAcquireSpinLock(&Adapter->FillLock);
            Adapter->RxOutstanding -= Reclaimed;
            xp_fill(Adapter->Port, Recycle, Recycled);
            NdisDprReleaseSpinLock(&Adapter->FillLock);
        }
        Adapter->RxFrames += Count;
        Adapter->RxBytes += Bytes;
        Adapter->RxErrors += Errors;
    }
    /* A run that used its whole budget is in a stream: poll from a DPC with READABLE off, as a
     * NIC driver masks its interrupt while its DPC drains the ring. Watched, the socket has the
     * kernel call our waker for every frame it queues, on the sender's core. */
    if (Round == AFXDP_RX_ROUNDS)
        AfxdpRxSetPolling(Adapter, TRUE);
    else if (Adapter->RxPolling)
        AfxdpRxSetPolling(Adapter, FALSE); /* the stream ended: READABLE wakes us again */
}

/* MiniportReturnPacket (ndis.h) — seed 003 §2.7.1 — DISPATCH_LEVEL; any processor. A packet a
 * protocol kept comes back: its frame goes back on the fill ring. */
VOID AfxdpReturnPacket(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet)
{
    PAFXDP_ADAPTER Adapter = (PAFXDP_ADAPTER)MiniportAdapterContext;
    uint64_t Frame = AfxdpUnchainRxPacket(Adapter, Packet);

    NdisAcquireSpinLock(&Adapter->FillLock);
    xp_fill(Adapter->Port, &Frame, 1);
    if (--Adapter->RxOutstanding == 0 && Adapter->ReturnsWanted)
        NdisSetEvent(&Adapter->ReturnsIdle);
    NdisReleaseSpinLock(&Adapter->FillLock);
}

/* ---- send -------------------------------------------------------------------------------------- */

/* Any IRQL <= DISPATCH_LEVEL. Copies Packet's frame to Destination; 0 when it is longer than
 * Capacity or a buffer cannot be mapped. */
static UINT AfxdpCopyPacket(PNDIS_PACKET Packet, PUCHAR Destination, UINT Capacity)
{
    PNDIS_BUFFER Buffer;
    UINT Total = 0;
    UINT Copied = 0;

    NdisQueryPacket(Packet, NULL, NULL, &Buffer, &Total);
    if (Total > Capacity)
        return 0;
    while (Buffer != NULL && Copied < Total) {
        PVOID Va;
        UINT Length;

        NdisQueryBufferSafe(Buffer, &Va, &Length, NormalPagePriority);
        if (Va == NULL)
            return 0;
        if (Length > Total - Copied)
            Length = Total - Copied;
        NdisMoveMemory(Destination + Copied, Va, Length);
        Copied += Length;
        NdisGetNextBuffer(Buffer, &Buffer);
    }
    return Copied;
}

/* Under TxLock. Takes up to AFXDP_TX_BATCH completions: their sends go to Done, their frames
 * back to the free stack. */
static UINT AfxdpReapLocked(PAFXDP_ADAPTER Adapter, PNDIS_PACKET *Done)
{
    uint64_t Addrs[AFXDP_TX_BATCH];
    UINT Taken = xp_tx_reap(Adapter->Port, Addrs, AFXDP_TX_BATCH);
    UINT Count = 0;
    UINT i;

    for (i = 0; i < Taken; i++) {
        ULONG Index = (ULONG)(Addrs[i] >> Adapter->FrameShift) - Adapter->Config.ReceiveBuffers;

        if (Index >= Adapter->Config.TransmitBuffers || Adapter->TxPackets[Index] == NULL)
            continue; /* not a frame we posted: the kernel never completes such an address */
        Done[Count++] = Adapter->TxPackets[Index];
        Adapter->TxPackets[Index] = NULL;
        Adapter->TxFree[Adapter->TxFreeCount++] = Index;
        Adapter->TxInFlight--;
    }
    return Count;
}

/* Under TxLock. Copies waiting sends into free frames, in order, and posts them: at most
 * AFXDP_TX_BATCH sends per call. A send too long or too short for a frame goes to Failed. */
static UINT AfxdpPostLocked(PAFXDP_ADAPTER Adapter, PNDIS_PACKET *Failed, PUINT FailedCount)
{
    uint64_t Addrs[AFXDP_TX_BATCH];
    uint32_t Lengths[AFXDP_TX_BATCH];
    UINT Capacity = Adapter->MaxFrame + AFXDP_VLAN_TAG;
    UINT Posted = 0;
    UINT Tried;

    if (Capacity > Adapter->FrameSize)
        Capacity = Adapter->FrameSize;
    for (Tried = 0; Tried < AFXDP_TX_BATCH && Adapter->TxWaitHead != NULL && Adapter->TxFreeCount != 0; Tried++) {
        PNDIS_PACKET Packet = Adapter->TxWaitHead;
        ULONG Index = Adapter->TxFree[Adapter->TxFreeCount - 1];
        uint64_t Addr = (uint64_t)(Adapter->Config.ReceiveBuffers + Index) << Adapter->FrameShift;
        UINT Length;

        Adapter->TxWaitHead = AFXDP_RESERVED(Packet)->Next;
        if (Adapter->TxWaitHead == NULL)
            Adapter->TxWaitTail = NULL;
        Adapter->TxWaitCount--;
        Length = AfxdpCopyPacket(Packet, xp_port_data(Adapter->Port, Addr), Capacity);
        if (Length < AFXDP_ETH_HEADER) {
            Failed[(*FailedCount)++] = Packet;
            Adapter->TxErrors++;
            continue;
        }
        Adapter->TxFreeCount--;
        Adapter->TxPackets[Index] = Packet;
        Addrs[Posted] = Addr;
        Lengths[Posted] = Length;
        Posted++;
        Adapter->TxFrames++;
        Adapter->TxBytes += Length;
    }
    xp_tx_post(Adapter->Port, Addrs, Lengths, Posted);
    Adapter->TxInFlight += Posted;
    return Posted;
}

/* Under TxLock. The transmit socket is watched for WRITABLE while frames are in flight or sends
 * wait (its poll drives copy-mode transmission and lets us reap), unless the timer polls
 * instead; otherwise its watch is paused. */
static VOID AfxdpUpdateMaskLocked(PAFXDP_ADAPTER Adapter)
{
    BOOLEAN Want = (Adapter->TxInFlight != 0 || Adapter->TxWaitHead != NULL) && !Adapter->BackingOff;

    /* Once halting, the event may be deregistered: its mask is nobody's business any more. */
    if (Adapter->Halting || Want == Adapter->Writable)
        return;
    StrataSetIoEventMask(Adapter->TxEvent, Want ? STRATA_IO_WRITABLE : 0);
    Adapter->Writable = Want;
}

/* IRQL <= DISPATCH_LEVEL. One pass over the transmit side: queues Count new sends behind those
 * waiting, reaps completions, posts what fits, kicks the kernel once for the batch and completes
 * sends outside the lock. Polled passes (FromPoll) that find nothing to do count towards the
 * back-off to the timer. Returns AFXDP_PASS_* bits. */
static ULONG AfxdpTxPass(PAFXDP_ADAPTER Adapter, PPNDIS_PACKET Packets, UINT Count, BOOLEAN FromPoll)
{
    PNDIS_PACKET Done[2 * AFXDP_TX_BATCH];
    PNDIS_PACKET Failed[AFXDP_TX_BATCH];
    UINT DoneCount;
    UINT FailedCount = 0;
    UINT Posted;
    ULONG Result = 0;
    UINT i;

    NdisAcquireSpinLock(&Adapter->TxLock);
    for (i = 0; i < Count; i++) {
        AFXDP_RESERVED(Packets[i])->Next = NULL;
        if (Adapter->TxWaitTail != NULL)
            AFXDP_RESERVED(Adapter->TxWaitTail)->Next = Packets[i];
        else
            Adapter->TxWaitHead = Packets[i];
        Adapter->TxWaitTail = Packets[i];
    }
    Adapter->TxWaitCount += Count;
    DoneCount = AfxdpReapLocked(Adapter, Done);
    Posted = AfxdpPostLocked(Adapter, Failed, &FailedCount);
    if (DoneCount != 0 || Posted != 0 || FailedCount != 0)
        Result |= AFXDP_PASS_PROGRESS;
    if (Posted + FailedCount == AFXDP_TX_BATCH && Adapter->TxWaitHead != NULL && Adapter->TxFreeCount != 0)
        Result |= AFXDP_PASS_AGAIN;
    if (FromPoll) {
        if (Result != 0) {
            Adapter->IdlePolls = 0;
        } else if (++Adapter->IdlePolls >= AFXDP_IDLE_POLLS && !Adapter->Halting) {
            Adapter->IdlePolls = 0;
            Adapter->BackingOff = TRUE;
            NdisMSetTimer(&Adapter->TxTimer, AFXDP_BACKOFF_MS);
        }
    }
    if (Posted == 0)
        AfxdpUpdateMaskLocked(Adapter);
    NdisReleaseSpinLock(&Adapter->TxLock);

    if (Posted != 0) {
        if (xp_tx_kick(Adapter->Port) != 0)
            InterlockedIncrement64(&Adapter->TxKickErrors);
        /* In copy mode the kick sent the frames, and a veth peer took them, before it returned:
         * reaping now spares a WRITABLE watch (and its wake-ups) for completions already there. */
        NdisAcquireSpinLock(&Adapter->TxLock);
        DoneCount += AfxdpReapLocked(Adapter, Done + DoneCount);
        AfxdpUpdateMaskLocked(Adapter);
        NdisReleaseSpinLock(&Adapter->TxLock);
    }
    for (i = 0; i < DoneCount; i++)
        NdisMSendComplete(Adapter->MiniportHandle, Done[i], NDIS_STATUS_SUCCESS);
    for (i = 0; i < FailedCount; i++)
        NdisMSendComplete(Adapter->MiniportHandle, Failed[i], NDIS_STATUS_INVALID_PACKET);
    return Result;
}

/* MiniportSendPackets (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL; deserialized, so any
 * processor and concurrently. Every packet completes later with NdisMSendComplete; those beyond
 * the free frames wait in order (a deserialized miniport never returns RESOURCES). */
VOID AfxdpSendPackets(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray, UINT NumberOfPackets)
{
    PAFXDP_ADAPTER Adapter = (PAFXDP_ADAPTER)MiniportAdapterContext;

    if ((AfxdpTxPass(Adapter, PacketArray, NumberOfPackets, FALSE) & AFXDP_PASS_AGAIN) == 0)
        return;
    while (AfxdpTxPass(Adapter, NULL, 0, FALSE) & AFXDP_PASS_AGAIN)
        ;
}

/* Back-off timer (NDIS_TIMER_FUNCTION) — DISPATCH_LEVEL. WRITABLE polls found nothing to do for a
 * while (a link down, a slow peer): kick the kernel, reap, and go back to polling. */
VOID AfxdpTxTimer(PVOID SystemSpecific1, PVOID FunctionContext, PVOID SystemSpecific2, PVOID SystemSpecific3)
{
    PAFXDP_ADAPTER Adapter = (PAFXDP_ADAPTER)FunctionContext;

    UNREFERENCED_PARAMETER(SystemSpecific1);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    UNREFERENCED_PARAMETER(SystemSpecific3);
    NdisDprAcquireSpinLock(&Adapter->TxLock);
    if (Adapter->Halting) {
        NdisDprReleaseSpinLock(&Adapter->TxLock);
        return;
    }
    Adapter->BackingOff = FALSE;
    NdisDprReleaseSpinLock(&Adapter->TxLock);
    if (xp_tx_kick(Adapter->Port) != 0)
        InterlockedIncrement64(&Adapter->TxKickErrors);
    AfxdpTxPass(Adapter, NULL, 0, TRUE);
}

/* PASSIVE_LEVEL (MiniportHalt). The io events still run; this kicks and polls once a
 * millisecond as well, so frames posted on a link that went down get their chance. */
ULONG AfxdpDrainSends(PAFXDP_ADAPTER Adapter, ULONG WaitMs)
{
    ULONG Waited = 0;

    for (;;) {
        ULONG Left;

        NdisAcquireSpinLock(&Adapter->TxLock);
        Left = Adapter->TxInFlight + Adapter->TxWaitCount;
        NdisReleaseSpinLock(&Adapter->TxLock);
        if (Left == 0 || Waited >= WaitMs)
            return Left;
        xp_tx_kick(Adapter->Port);
        AfxdpTxPass(Adapter, NULL, 0, FALSE);
        NdisMSleep(1000);
        Waited++;
    }
}

/* ---- io handlers ------------------------------------------------------------------------------- */

/* The poll DPC (KeInitializeDpc), targeted at the io processor — DISPATCH_LEVEL. The next run of
 * a stream; nothing once the adapter halts. */
VOID AfxdpRxPollDpc(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    PAFXDP_ADAPTER Adapter = (PAFXDP_ADAPTER)DeferredContext;

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    if (!Adapter->Halting)
        AfxdpReceive(Adapter);
}

/* STRATA_IO_EVENT_HANDLER for the receive socket — DISPATCH_LEVEL, on the adapter's io
 * processor. READABLE: frames arrived. */
VOID AfxdpPortEvent(PVOID Context, ULONG Events)
{
    PAFXDP_ADAPTER Adapter = (PAFXDP_ADAPTER)Context;

    if ((Events & (STRATA_IO_READABLE | STRATA_IO_HANGUP)) != 0)
        AfxdpReceive(Adapter);
}

/* STRATA_IO_EVENT_HANDLER for the transmit socket — DISPATCH_LEVEL, on the adapter's io
 * processor. WRITABLE (watched only while sends are in flight or wait): reap and post. */
VOID AfxdpTxEvent(PVOID Context, ULONG Events)
{
    PAFXDP_ADAPTER Adapter = (PAFXDP_ADAPTER)Context;

    if ((Events & STRATA_IO_WRITABLE) != 0)
        AfxdpTxPass(Adapter, NULL, 0, TRUE);
}

/* STRATA_IO_EVENT_HANDLER for the rtnetlink socket — DISPATCH_LEVEL, on the adapter's io
 * processor. Turns the interface's up/running flags into media connect/disconnect indications. */
VOID AfxdpLinkEvent(PVOID Context, ULONG Events)
{
    PAFXDP_ADAPTER Adapter = (PAFXDP_ADAPTER)Context;
    unsigned Flags = 0;
    unsigned Bits;
    NDIS_MEDIA_STATE State;

    UNREFERENCED_PARAMETER(Events);
    Bits = xp_link_read(Adapter->LinkFd, Adapter->IfIndex, &Flags);
    if ((Bits & XP_LINK_OVERRUN) != 0) {
        struct xp_if_info Info;

        if (xp_if_query_index(Adapter->IfIndex, &Info) == 0) {
            Flags = Info.flags;
            Bits |= XP_LINK_CHANGED;
        } else {
            Bits |= XP_LINK_DELETED;
        }
    }
    if ((Bits & XP_LINK_DELETED) != 0)
        State = NdisMediaStateDisconnected;
    else if ((Bits & XP_LINK_CHANGED) != 0)
        State = (Flags & XP_IFF_UP) != 0 && (Flags & XP_IFF_RUNNING) != 0 ? NdisMediaStateConnected
                                                                          : NdisMediaStateDisconnected;
    else
        return;
    if (State != Adapter->MediaState) {
        Adapter->MediaState = State;
        DbgPrint("afxdp: %s: link %s%s\n", Adapter->Config.Interface,
            State == NdisMediaStateConnected ? "up" : "down", (Bits & XP_LINK_DELETED) != 0 ? " (interface deleted)" : "");
        NdisMIndicateStatus(Adapter->MiniportHandle,
            State == NdisMediaStateConnected ? NDIS_STATUS_MEDIA_CONNECT : NDIS_STATUS_MEDIA_DISCONNECT, NULL, 0);
        NdisMIndicateStatusComplete(Adapter->MiniportHandle);
    }
    /* The interface is gone for good: NDIS unbinds the protocols and halts the adapter (seed 003
     * §2.11); MiniportHalt's detach of the XDP program finds nothing left to detach. */
    if ((Bits & XP_LINK_DELETED) != 0)
        NdisMRemoveMiniport(Adapter->MiniportHandle);
}
