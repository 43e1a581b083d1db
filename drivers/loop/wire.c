/* wire.c — the in-memory Ethernet segment joining loop adapters: membership (attach/detach on
 * the control path) and transmission, which copies a sender's frames into every peer's
 * receive ring under per-adapter locks only (seed 003 §2.6, §2.8).
 *
 * Each adapter keeps its own list of peers, guarded by its TxLock. Membership changes take
 * LoopDriver.Lock and then each member's TxLock in turn; a sender holds its TxLock for as long
 * as it copies into its peers. So once LoopWireDetach has passed every member's TxLock, no
 * sender can still be writing into the detached adapter. */
#include "loop.h"

/* PASSIVE_LEVEL (MiniportInitialize). Puts Adapter into the driver's adapter list and makes
 * it and every adapter with the same Wire number peers of each other. Fails with
 * NDIS_STATUS_RESOURCES when the wire already has LOOP_MAX_PEERS adapters. */
NDIS_STATUS LoopWireAttach(PLOOP_ADAPTER Adapter)
{
    PLIST_ENTRY Entry;
    ULONG Members = 0;

    NdisAcquireSpinLock(&LoopDriver.Lock);
    for (Entry = LoopDriver.Adapters.Flink; Entry != &LoopDriver.Adapters; Entry = Entry->Flink) {
        PLOOP_ADAPTER Other = CONTAINING_RECORD(Entry, LOOP_ADAPTER, Link);
        if (Other->Config.Wire == Adapter->Config.Wire)
            Members++;
    }
    if (Members + 1 > LOOP_MAX_PEERS) {
        NdisReleaseSpinLock(&LoopDriver.Lock);
        DbgPrint("loop: wire %u already has %u adapters\n", (unsigned)Adapter->Config.Wire, (unsigned)Members);
        return NDIS_STATUS_RESOURCES;
    }

    for (Entry = LoopDriver.Adapters.Flink; Entry != &LoopDriver.Adapters; Entry = Entry->Flink) {
        PLOOP_ADAPTER Other = CONTAINING_RECORD(Entry, LOOP_ADAPTER, Link);
        if (Other->Config.Wire != Adapter->Config.Wire)
            continue;
        NdisDprAcquireSpinLock(&Other->TxLock);
        Other->Peers[Other->PeerCount++] = Adapter;
        NdisDprReleaseSpinLock(&Other->TxLock);
        NdisDprAcquireSpinLock(&Adapter->TxLock);
        Adapter->Peers[Adapter->PeerCount++] = Other;
        NdisDprReleaseSpinLock(&Adapter->TxLock);
    }
    InsertTailList(&LoopDriver.Adapters, &Adapter->Link);
    NdisReleaseSpinLock(&LoopDriver.Lock);
    return NDIS_STATUS_SUCCESS;
}

/* PASSIVE_LEVEL (MiniportHalt, failed MiniportInitialize). Takes Adapter off its wire and out
 * of the adapter list. On return no other adapter copies frames into Adapter's ring and
 * Adapter sends to nobody. */
VOID LoopWireDetach(PLOOP_ADAPTER Adapter)
{
    PLIST_ENTRY Entry;

    NdisAcquireSpinLock(&LoopDriver.Lock);
    RemoveEntryList(&Adapter->Link);
    for (Entry = LoopDriver.Adapters.Flink; Entry != &LoopDriver.Adapters; Entry = Entry->Flink) {
        PLOOP_ADAPTER Other = CONTAINING_RECORD(Entry, LOOP_ADAPTER, Link);
        ULONG i;

        if (Other->Config.Wire != Adapter->Config.Wire)
            continue;
        NdisDprAcquireSpinLock(&Other->TxLock);
        for (i = 0; i < Other->PeerCount; i++) {
            if (Other->Peers[i] == Adapter) {
                /* Keep the remaining peers in the order they joined. */
                for (; i + 1 < Other->PeerCount; i++)
                    Other->Peers[i] = Other->Peers[i + 1];
                Other->PeerCount--;
                break;
            }
        }
        NdisDprReleaseSpinLock(&Other->TxLock);
    }
    NdisDprAcquireSpinLock(&Adapter->TxLock);
    Adapter->PeerCount = 0;
    NdisDprReleaseSpinLock(&Adapter->TxLock);
    NdisReleaseSpinLock(&LoopDriver.Lock);
}

/* Any IRQL <= DISPATCH_LEVEL. Copies up to Length bytes of Packet's data, buffer by buffer,
 * to Destination; returns the bytes copied. */
UINT LoopCopyFromPacket(PNDIS_PACKET Packet, PUCHAR Destination, UINT Length)
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
        NdisMoveMemory(Destination + Copied, Va, BufferLength);
        Copied += BufferLength;
        NdisGetNextBuffer(Buffer, &Buffer);
    }
    return Copied;
}

/* IRQL <= DISPATCH_LEVEL; concurrent senders on one adapter are serialised by its TxLock.
 * Transmits Count (<= LOOP_TX_CHUNK) packets: checks each length, counts, and copies the
 * valid ones into every peer's receive ring in order. Statuses[i] receives the packet's send
 * result: NDIS_STATUS_SUCCESS (a frame with nobody to hear it is still sent), or
 * NDIS_STATUS_INVALID_PACKET for a frame shorter than a header or longer than 1514 bytes.
 * The packets stay the caller's: they are only read. */
VOID LoopWireTransmit(PLOOP_ADAPTER Adapter, PPNDIS_PACKET Packets, UINT Count, NDIS_STATUS *Statuses)
{
    UINT Lengths[LOOP_TX_CHUNK];
    UINT Valid = 0;
    ULONG64 Bytes = 0;
    UINT i;

    ASSERT(Count <= LOOP_TX_CHUNK);
    for (i = 0; i < Count; i++) {
        UINT Length;

        NdisQueryPacketLength(Packets[i], &Length);
        if (Length < LOOP_ETH_HEADER || Length > LOOP_MAX_FRAME) {
            Statuses[i] = NDIS_STATUS_INVALID_PACKET;
            Lengths[i] = 0;
            continue;
        }
        Statuses[i] = NDIS_STATUS_SUCCESS;
        Lengths[i] = Length;
        Valid++;
        Bytes += Length;
    }

    NdisAcquireSpinLock(&Adapter->TxLock);
    Adapter->TxFrames += Valid;
    Adapter->TxBytes += Bytes;
    Adapter->TxErrors += Count - Valid;
    if (Adapter->PeerCount == 0)
        Adapter->TxDroppedNoPeer += Valid;
    else if (Valid != 0)
        for (i = 0; i < Adapter->PeerCount; i++)
            LoopRxFromWire(Adapter->Peers[i], Packets, Lengths, Count);
    NdisReleaseSpinLock(&Adapter->TxLock);
}
