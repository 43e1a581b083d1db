/* send.c — the afpacket adapter's send side (issue 6, deliverable 1; seed 003 §2.8):
 * MiniportSendPackets copies each packet into the next free frame of the TPACKET transmit
 * ring, kicks the kernel once per array and completes the packets before returning. Task
 * offload: a packet asking for checksums goes with a virtio_net_hdr telling the kernel to
 * finish them; a large send (TcpLargeSendPacketInfo) goes whole through the large-send socket,
 * gathered from its buffers, for the kernel to segment. A
 * deserialized miniport queues what it cannot take (it may not answer NDIS_STATUS_RESOURCES):
 * packets wait, linked through MiniportReserved, until the socket is writable again. */
#include "afpacket.h"

/* TxLock held. Sends a large TCP packet of Total bytes for segmentation into Mss-byte segments;
 * on success TcpLargeSendPacketInfo holds the user data bytes sent, as NDIS 5.1 asks. Its
 * headers are adjusted in TxScratch, the rest goes straight from the packet's buffers. */
static NDIS_STATUS AfpTxLargeSend(PAFP_ADAPTER Adapter, PNDIS_PACKET Packet, PNDIS_BUFFER Buffer, UINT Total, ULONG Mss)
{
    struct afp_iovec Pieces[AFP_LARGE_PIECES];
    struct afp_tx_offload Offload;
    UINT Captured = 0;
    UINT Skip;
    UINT Count = 1;
    PNDIS_BUFFER Walk;
    LONG Sent;

    if (Adapter->LargeSendMaximum == 0 || Total > AFP_ETH_HEADER + 0xFFFF)
        return NDIS_STATUS_FAILURE;
    for (Walk = Buffer; Walk != NULL && Captured < sizeof(Adapter->TxScratch); NdisGetNextBuffer(Walk, &Walk)) {
        PVOID Va;
        UINT Length;

        NdisQueryBufferSafe(Walk, &Va, &Length, NormalPagePriority);
        if (Va == NULL)
            return NDIS_STATUS_FAILURE;
        if (Length > sizeof(Adapter->TxScratch) - Captured)
            Length = sizeof(Adapter->TxScratch) - Captured;
        NdisMoveMemory(Adapter->TxScratch + Captured, Va, Length);
        Captured += Length;
    }
    if (afp_tx_large_send(Adapter->TxScratch, Captured, Total, Mss, &Offload) != 0 ||
        Total - Offload.header_bytes > Adapter->LargeSendMaximum)
        return NDIS_STATUS_FAILURE;
    Pieces[0].base = Adapter->TxScratch;
    Pieces[0].length = Offload.header_bytes;
    Skip = Offload.header_bytes;
    for (Walk = Buffer; Walk != NULL; NdisGetNextBuffer(Walk, &Walk)) {
        PVOID Va;
        UINT Length;

        NdisQueryBufferSafe(Walk, &Va, &Length, NormalPagePriority);
        if (Va == NULL)
            return NDIS_STATUS_FAILURE;
        if (Length <= Skip) {
            Skip -= Length;
            continue;
        }
        if (Count == AFP_LARGE_PIECES)
            return NDIS_STATUS_FAILURE;
        Pieces[Count].base = (PUCHAR)Va + Skip;
        Pieces[Count].length = Length - Skip;
        Skip = 0;
        Count++;
    }
    /* What the ring holds goes first: the kernel sends it before this returns. */
    afp_tx_kick(&Adapter->Port);
    Sent = (LONG)afp_tx_send_large(&Adapter->Port, &Offload, Pieces, Count);
    if (Sent != (LONG)Total)
        return NDIS_STATUS_FAILURE;
    NDIS_PER_PACKET_INFO_FROM_PACKET(Packet, TcpLargeSendPacketInfo) =
        (PVOID)(ULONG_PTR)(Total - Offload.header_bytes);
    Adapter->TxFrames++;
    Adapter->TxBytes += Total;
    Adapter->TxLargeSends++;
    return NDIS_STATUS_SUCCESS;
}

/* TxLock held. Describes the checksums Packet asks for (Request) in *Offload, or computes the
 * IPv4 header checksum in the ring copy at Frame; FALSE for a request we did not enable. */
static BOOLEAN AfpTxChecksumOffload(PAFP_ADAPTER Adapter, NDIS_TCP_IP_CHECKSUM_PACKET_INFO Request, PUCHAR Frame,
    UINT Total, struct afp_tx_offload *Offload)
{
    const NDIS_TASK_TCP_IP_CHECKSUM *Enabled = &Adapter->Checksum;
    BOOLEAN V4 = Request.Transmit.NdisPacketChecksumV4, V6 = Request.Transmit.NdisPacketChecksumV6;

    if ((Request.Transmit.NdisPacketTcpChecksum &&
         !(V4 ? Enabled->V4Transmit.TcpChecksum : V6 && Enabled->V6Transmit.TcpChecksum)) ||
        (Request.Transmit.NdisPacketUdpChecksum &&
         !(V4 ? Enabled->V4Transmit.UdpChecksum : V6 && Enabled->V6Transmit.UdpChecksum)) ||
        (Request.Transmit.NdisPacketIpChecksum && !(V4 && Enabled->V4Transmit.IpChecksum)))
        return FALSE;
    if (Request.Transmit.NdisPacketIpChecksum && afp_ipv4_header_checksum(Frame, Total) != 0)
        return FALSE;
    if (Request.Transmit.NdisPacketTcpChecksum || Request.Transmit.NdisPacketUdpChecksum) {
        if (Adapter->Port.vnet_bytes == 0 || afp_tx_checksum(Frame, Total, Total, Offload) != 0)
            return FALSE;
        Adapter->TxChecksums++;
    }
    return TRUE;
}

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
    ULONG Mss = (ULONG)(ULONG_PTR)NDIS_PER_PACKET_INFO_FROM_PACKET(Packet, TcpLargeSendPacketInfo);
    NDIS_TCP_IP_CHECKSUM_PACKET_INFO Checksum;
    struct afp_tx_offload Offload;

    NdisQueryPacket(Packet, NULL, NULL, &Buffer, &Total);
    if (Mss != 0) {
        NDIS_STATUS Status = AfpTxLargeSend(Adapter, Packet, Buffer, Total, Mss);

        if (Status != NDIS_STATUS_SUCCESS)
            Adapter->TxErrors++;
        return Status;
    }
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
    NdisZeroMemory(&Offload, sizeof(Offload));
    Checksum.Value = (ULONG)(ULONG_PTR)NDIS_PER_PACKET_INFO_FROM_PACKET(Packet, TcpIpChecksumPacketInfo);
    if (Checksum.Value != 0 && !AfpTxChecksumOffload(Adapter, Checksum, Frame, Total, &Offload)) {
        Adapter->TxErrors++;
        return NDIS_STATUS_FAILURE;
    }
    afp_tx_post(&Adapter->Port, Adapter->TxHead, Total, Offload.needs_csum ? &Offload : NULL);
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
