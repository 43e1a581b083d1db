/* datapath.c — strata_tap's frames: the TAP's readiness handler reading what Linux writes into
 * preallocated packets for NdisSendPackets, ProtocolSendComplete recycling them, and the receive
 * handlers writing what the adapter indicates to the TAP (from the packet, the lookahead, or
 * after NdisTransferData), plus the work item that lets go of a TAP deleted under us (issue 6
 * deliverable 2; seed 003 §2.5.1, §2.7.1, §2.8). Nothing here allocates. */
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

/* DISPATCH_LEVEL, in the TAP's handler. The TAP's device was deleted (its namespace went away):
 * readiness would be reported forever, so the descriptor is let go at PASSIVE_LEVEL. */
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
    StapUnwatch(Binding);
    StapLog(Binding->Tap.name, "the TAP device was deleted; its frames are no longer read");
    StapDereference(Binding);
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

/* ProtocolReceivePacket (ndis.h) — seed 003 §2.7.1.1 — DISPATCH_LEVEL; any processor, several at
 * once. The frame goes to the TAP straight from the packet's buffers; the packet is never held
 * (returns 0), so packets indicated with NDIS_STATUS_RESOURCES need nothing special. */
INT StapReceivePacket(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet)
{
    PSTAP_BINDING Binding = (PSTAP_BINDING)ProtocolBindingContext;
    tap_iovec Pieces[1 + STAP_MAX_PIECES];
    PNDIS_BUFFER Buffer;
    UINT Total = 0;
    UINT Count = 1;

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
    StapWriteToTap(Binding, Pieces, Count, Total);
    return 0;
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
 * frame is written to the TAP at once. Otherwise the header is saved and NdisTransferData,
 * called here and once as the seed requires, copies the rest into a preallocated packet
 * (ByteOffset 0 = the first byte after the header). */
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
        tap_iovec Pieces[3];

        Pieces[1].base = HeaderBuffer;
        Pieces[1].length = STAP_ETH_HEADER;
        Pieces[2].base = LookAheadBuffer;
        Pieces[2].length = PacketSize;
        StapWriteToTap(Binding, Pieces, PacketSize != 0 ? 3 : 2, STAP_ETH_HEADER + PacketSize);
        return NDIS_STATUS_SUCCESS;
    }
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

/* ProtocolReceiveComplete (ndis.h) — seed 003 §2.7.1.2 — DISPATCH_LEVEL. Every frame was written
 * as it came; Linux needs no end-of-burst signal. */
VOID StapReceiveComplete(NDIS_HANDLE ProtocolBindingContext)
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
}
