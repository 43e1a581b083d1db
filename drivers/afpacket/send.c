/* send.c — the afpacket adapter's send side (issue 6, deliverable 1; seed 003 §2.8):
 * MiniportSendPackets copies each packet into the next free frame of the TPACKET transmit
 * ring, kicks the kernel once per array and completes the packets before returning. A
 * deserialized miniport queues what it cannot take (it may not answer NDIS_STATUS_RESOURCES):
 * packets wait, linked through MiniportReserved, until the socket is writable again. */
#include "afpacket.h"

/* IRQL <= DISPATCH_LEVEL, TxLock held. Copies Packet into the ring frame at TxHead and posts it:
 * NDIS_STATUS_SUCCESS; NDIS_STATUS_FAILURE for a frame of the wrong length (counted);
 * NDIS_STATUS_PENDING when the kernel still owns that frame. */
static NDIS_STATUS AfpTxPlace(PAFP_ADAPTER Adapter, PNDIS_PACKET Packet)
{
    PNDIS_BUFFER Buffer;
    UINT Total;
    uint32_t Capacity;
    PUCHAR Frame;
    UINT Copied = 0;

    NdisQueryPacket(Packet, NULL, NULL, &Buffer, &Total);
    if (Total < AFP_ETH_HEADER || Total > Adapter->Mtu + AFP_ETH_HEADER) {
        Adapter->TxErrors++;
        return NDIS_STATUS_FAILURE;
    }
    Frame = afp_tx_frame(&Adapter->Port, Adapter->TxHead, &Capacity);
    if (Frame == NULL)
        return NDIS_STATUS_PENDING;
    if (Total > Capacity) {
        Adapter->TxErrors++;
        return NDIS_STATUS_FAILURE;
    }
    while (Buffer != NULL && Copied < Total) {
        PVOID Va;
        UINT Length;

        NdisQueryBufferSafe(Buffer, &Va, &Length, NormalPagePriority);
        if (Va == NULL)
            break;
        if (Length > Total - Copied)
            Length = Total - Copied;
        NdisMoveMemory(Frame + Copied, Va, Length);
        Copied += Length;
        NdisGetNextBuffer(Buffer, &Buffer);
    }
    if (Copied != Total) {
        Adapter->TxErrors++;
        return NDIS_STATUS_FAILURE;
    }
    afp_tx_post(&Adapter->Port, Adapter->TxHead, Total);
    Adapter->TxHead = (Adapter->TxHead + 1) % Adapter->Port.tx_frame_count;
    Adapter->TxFrames++;
    Adapter->TxBytes += Total;
    return NDIS_STATUS_SUCCESS;
}

/* TxLock held. */
static VOID AfpTxEnqueue(PAFP_ADAPTER Adapter, PNDIS_PACKET Packet)
{
    AFP_TX_NEXT(Packet) = NULL;
    if (Adapter->TxWaitTail != NULL)
        AFP_TX_NEXT(Adapter->TxWaitTail) = Packet;
    else
        Adapter->TxWaitHead = Packet;
    Adapter->TxWaitTail = Packet;
    Adapter->TxWaitCount++;
    Adapter->TxQueued++;
}

/* TxLock held. */
static PNDIS_PACKET AfpTxDequeue(PAFP_ADAPTER Adapter)
{
    PNDIS_PACKET Packet = Adapter->TxWaitHead;

    Adapter->TxWaitHead = AFP_TX_NEXT(Packet);
    if (Adapter->TxWaitHead == NULL)
        Adapter->TxWaitTail = NULL;
    Adapter->TxWaitCount--;
    return Packet;
}

/* No lock held. Has the kernel transmit what was posted. */
static VOID AfpTxKick(PAFP_ADAPTER Adapter)
{
    if (afp_tx_kick(&Adapter->Port) != 0)
        InterlockedIncrement64(&Adapter->TxKickErrors);
}

/* IRQL <= DISPATCH_LEVEL; no lock held. */
static VOID AfpTxComplete(PAFP_ADAPTER Adapter, PPNDIS_PACKET Packets, const NDIS_STATUS *Statuses, UINT Count)
{
    UINT i;

    for (i = 0; i < Count; i++)
        if (Statuses[i] != NDIS_STATUS_PENDING)
            NdisMSendComplete(Adapter->MiniportHandle, Packets[i], Statuses[i]);
}

/* Up to AFP_TX_CHUNK packets, in order behind any that already wait. */
static VOID AfpSendChunk(PAFP_ADAPTER Adapter, PPNDIS_PACKET Packets, UINT Count)
{
    NDIS_STATUS Statuses[AFP_TX_CHUNK];
    BOOLEAN Down = Adapter->MediaState != NdisMediaStateConnected || Adapter->Gone;
    UINT Posted = 0;
    UINT i;

    NdisAcquireSpinLock(&Adapter->TxLock);
    for (i = 0; i < Count; i++) {
        if (Down) {
            Adapter->TxErrors++;
            Statuses[i] = NDIS_STATUS_FAILURE;
            continue;
        }
        Statuses[i] = Adapter->TxWaitHead != NULL ? NDIS_STATUS_PENDING : AfpTxPlace(Adapter, Packets[i]);
        if (Statuses[i] == NDIS_STATUS_PENDING)
            AfpTxEnqueue(Adapter, Packets[i]);
        else if (Statuses[i] == NDIS_STATUS_SUCCESS)
            Posted++;
    }
    if (Adapter->TxWaitHead != NULL)
        AfpUpdatePortMask(Adapter, STRATA_IO_WRITABLE, 0);
    NdisReleaseSpinLock(&Adapter->TxLock);

    if (Posted != 0)
        AfpTxKick(Adapter);
    AfpTxComplete(Adapter, Packets, Statuses, Count);
}

/* MiniportSendPackets (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL; deserialized, so any
 * processor, concurrently. The frames are in the kernel's hands and the packets completed
 * before this returns, unless the ring is full: then they complete from AfpTxService. */
VOID AfpSendPackets(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray, UINT NumberOfPackets)
{
    PAFP_ADAPTER Adapter = (PAFP_ADAPTER)MiniportAdapterContext;

    while (NumberOfPackets != 0) {
        UINT Chunk = NumberOfPackets < AFP_TX_CHUNK ? NumberOfPackets : AFP_TX_CHUNK;

        AfpSendChunk(Adapter, PacketArray, Chunk);
        PacketArray += Chunk;
        NumberOfPackets -= Chunk;
    }
}

/* DISPATCH_LEVEL, the io processor, on WRITABLE. Moves waiting packets into the frames the
 * kernel gave back and completes them; stops watching WRITABLE once none waits. */
VOID AfpTxService(PAFP_ADAPTER Adapter)
{
    PNDIS_PACKET Packets[AFP_TX_CHUNK];
    NDIS_STATUS Statuses[AFP_TX_CHUNK];
    BOOLEAN More;

    do {
        UINT Count = 0;
        UINT Posted = 0;
        NDIS_STATUS Status = NDIS_STATUS_SUCCESS;

        NdisDprAcquireSpinLock(&Adapter->TxLock);
        while (Adapter->TxWaitHead != NULL && Count < AFP_TX_CHUNK) {
            Status = AfpTxPlace(Adapter, Adapter->TxWaitHead);
            if (Status == NDIS_STATUS_PENDING)
                break;
            Packets[Count] = AfpTxDequeue(Adapter);
            Statuses[Count++] = Status;
            if (Status == NDIS_STATUS_SUCCESS)
                Posted++;
        }
        if (Adapter->TxWaitHead == NULL)
            AfpUpdatePortMask(Adapter, 0, STRATA_IO_WRITABLE);
        More = Adapter->TxWaitHead != NULL && Status != NDIS_STATUS_PENDING;
        NdisDprReleaseSpinLock(&Adapter->TxLock);

        if (Posted != 0)
            AfpTxKick(Adapter);
        AfpTxComplete(Adapter, Packets, Statuses, Count);
    } while (More);
}

/* IRQL <= DISPATCH_LEVEL. Completes every waiting send with Status (the link went down, the
 * interface went away, the adapter halts). */
VOID AfpTxFlush(PAFP_ADAPTER Adapter, NDIS_STATUS Status)
{
    PNDIS_PACKET Packet;

    NdisAcquireSpinLock(&Adapter->TxLock);
    Packet = Adapter->TxWaitHead;
    Adapter->TxErrors += Adapter->TxWaitCount;
    Adapter->TxWaitHead = Adapter->TxWaitTail = NULL;
    Adapter->TxWaitCount = 0;
    AfpUpdatePortMask(Adapter, 0, STRATA_IO_WRITABLE);
    NdisReleaseSpinLock(&Adapter->TxLock);

    while (Packet != NULL) {
        PNDIS_PACKET Next = AFP_TX_NEXT(Packet);
        NdisMSendComplete(Adapter->MiniportHandle, Packet, Status);
        Packet = Next;
    }
}
