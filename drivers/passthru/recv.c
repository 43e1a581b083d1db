/* recv.c — packets up: ProtocolReceivePacket repackages the adapter's packet in a receive
 * descriptor (or, with packet stacking, indicates the packet itself) and MiniportReturnPacket
 * gives it back below; ProtocolReceive passes a packet indicated with NDIS_STATUS_RESOURCES up
 * the same way and a lookahead indication up as lookahead, with MiniportTransferData forwarded
 * to NdisTransferData below (seed 003 §2.5, §2.7.1, §2.7.1.1–§2.7.1.3). */
#include "passthru.h"

/* Any IRQL <= DISPATCH_LEVEL. Our descriptor Up for the adapter's packet Below: the same
 * buffers, its flags, its OOB information (header size, time stamps, media-specific
 * information: seed §2.7.1.3), the per-packet information protocols look at on receive, and
 * the packet the lowest miniport indicated, so NDIS_GET_ORIGINAL_PACKET above still finds it. */
static VOID PtPrepareReceive(PNDIS_PACKET Up, PNDIS_PACKET Below)
{
    PNDIS_PACKET Original = NDIS_GET_ORIGINAL_PACKET(Below);
    PVOID MediaInfo;
    UINT MediaInfoSize;

    PT_RECV_RSVD(Up)->Original = Below;
    PtShareBuffers(Up, Below);
    NdisSetSendFlags(Up, NdisGetPacketFlags(Below)); /* assigns Private.Flags */
    NDIS_SET_ORIGINAL_PACKET(Up, Original != NULL ? Original : Below);
    NDIS_SET_PACKET_HEADER_SIZE(Up, NDIS_GET_PACKET_HEADER_SIZE(Below));
    NDIS_SET_PACKET_TIME_SENT(Up, NDIS_GET_PACKET_TIME_SENT(Below));
    NDIS_SET_PACKET_TIME_RECEIVED(Up, NDIS_GET_PACKET_TIME_RECEIVED(Below));
    NDIS_GET_PACKET_MEDIA_SPECIFIC_INFO(Below, &MediaInfo, &MediaInfoSize);
    if (MediaInfo != NULL || MediaInfoSize != 0)
        NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(Up, MediaInfo, MediaInfoSize);
    NDIS_PER_PACKET_INFO_FROM_PACKET(Up, TcpIpChecksumPacketInfo) =
        NDIS_PER_PACKET_INFO_FROM_PACKET(Below, TcpIpChecksumPacketInfo);
    NDIS_PER_PACKET_INFO_FROM_PACKET(Up, Ieee8021QInfo) = NDIS_PER_PACKET_INFO_FROM_PACKET(Below, Ieee8021QInfo);
}

/* Any IRQL <= DISPATCH_LEVEL. A receive descriptor nobody holds any more goes back to its pool. */
static VOID PtFreeReceiveDescriptor(PNDIS_PACKET Up)
{
    PtUnshareBuffers(Up);
    NdisFreePacket(Up);
}

/* ProtocolReceivePacket (ndis.h) — seed 003 §2.7.1, §2.7.1.1 — DISPATCH_LEVEL. Returns how many
 * times the passthru will call NdisReturnPackets for Packet: 1 when it went up in a form the
 * protocols above may keep (it comes back through MiniportReturnPacket, always, whether a
 * protocol kept it or not), 0 when it went up with NDIS_STATUS_RESOURCES (they copied it during
 * the indication) or was dropped. */
INT PtReceivePacket(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)ProtocolBindingContext;
    NDIS_STATUS PacketStatus = NDIS_GET_PACKET_STATUS(Packet);
    BOOLEAN StacksRemaining = FALSE;
    NDIS_STATUS Status;
    PNDIS_PACKET Up;

    /* The reference lives as long as our indication does: until MiniportReturnPacket, or
     * until we reclaimed the descriptor ourselves. */
    if (!PtMiniportEnter(Adapter, 1)) {
        InterlockedIncrement64(&Adapter->ReceivesDropped);
        return 0;
    }
    if (Adapter->MiniportPowerState != NdisDeviceStateD0)
        goto Drop;

    if (Adapter->PacketStacking) {
        NdisIMGetCurrentPacketStack(Packet, &StacksRemaining);
        if (StacksRemaining) {
            InterlockedIncrement64(&Adapter->Receives);
            InterlockedIncrement64(&Adapter->ReceivesStacked);
            NdisMIndicateReceivePacket(Adapter->MiniportHandle, &Packet, 1);
            if (PacketStatus == NDIS_STATUS_RESOURCES) {
                PtMiniportLeave(Adapter, 1);
                return 0;
            }
            return 1;
        }
    }

    NdisAllocatePacket(&Status, &Up, Adapter->RecvPacketPool);
    if (Status != NDIS_STATUS_SUCCESS)
        goto Drop;
    PtPrepareReceive(Up, Packet);
    NDIS_SET_PACKET_STATUS(Up, PacketStatus);
    InterlockedIncrement64(&Adapter->Receives);
    NdisMIndicateReceivePacket(Adapter->MiniportHandle, &Up, 1);
    /* Only the status we set ourselves is looked at: a deserialized miniport's packet indicated
     * with any other status belongs to NDIS until MiniportReturnPacket. */
    if (PacketStatus == NDIS_STATUS_RESOURCES) {
        PtFreeReceiveDescriptor(Up);
        PtMiniportLeave(Adapter, 1);
        return 0;
    }
    return 1;

Drop:
    InterlockedIncrement64(&Adapter->ReceivesDropped);
    PtMiniportLeave(Adapter, 1);
    return 0;
}

/* MiniportReturnPacket (ndis.h) — seed 003 §2.7.1.1, §2.5.1 — IRQL <= DISPATCH_LEVEL. A packet
 * the passthru indicated is back: its descriptor is freed and the adapter's packet returned
 * below. A packet that is not from our receive pool was passed up stacked and is the adapter's
 * packet itself. */
VOID MpReturnPacket(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)MiniportAdapterContext;
    PNDIS_PACKET Below = Packet;

    InterlockedIncrement64(&Adapter->Returns);
    if (NdisGetPoolFromPacket(Packet) == Adapter->RecvPacketPool) {
        Below = PT_RECV_RSVD(Packet)->Original;
        PtFreeReceiveDescriptor(Packet);
    }
    NdisReturnPackets(&Below, 1);
    PtMiniportLeave(Adapter, 1);
}

/* ProtocolReceive (ndis.h) — seed 003 §2.7.1.2, §2.7.1.3 — DISPATCH_LEVEL. Two kinds of
 * indication arrive here:
 *   - a packet the adapter indicated with NDIS_STATUS_RESOURCES (NdisGetReceivedPacket finds it;
 *     the lookahead is the whole frame): it goes up in a descriptor of ours, with its OOB
 *     information, marked NDIS_STATUS_RESOURCES, and the descriptor is reclaimed as soon as the
 *     indication returns. A fresh descriptor is used even with packet stacking: the adapter's
 *     packet status must not be rewritten;
 *   - a lookahead indication (or the above without a free descriptor): it goes up as lookahead
 *     with NdisMEthIndicateReceive, the adapter's receive context becoming ours, so that a
 *     protocol's NdisTransferData reaches MiniportTransferData and is forwarded below. */
NDIS_STATUS PtReceive(NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE MacReceiveContext, PVOID HeaderBuffer,
    UINT HeaderBufferSize, PVOID LookAheadBuffer, UINT LookaheadBufferSize, UINT PacketSize)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)ProtocolBindingContext;
    PNDIS_PACKET Packet;
    PNDIS_PACKET Up;
    NDIS_STATUS Status;

    if (!PtMiniportEnter(Adapter, 1)) {
        InterlockedIncrement64(&Adapter->ReceivesDropped);
        return NDIS_STATUS_NOT_ACCEPTED;
    }
    if (Adapter->MiniportPowerState != NdisDeviceStateD0) {
        InterlockedIncrement64(&Adapter->ReceivesDropped);
        PtMiniportLeave(Adapter, 1);
        return NDIS_STATUS_NOT_ACCEPTED;
    }

    Packet = NdisGetReceivedPacket(Adapter->BindingHandle, MacReceiveContext);
    if (Packet != NULL) {
        NdisAllocatePacket(&Status, &Up, Adapter->RecvPacketPool);
        if (Status == NDIS_STATUS_SUCCESS) {
            PtPrepareReceive(Up, Packet);
            NDIS_SET_PACKET_STATUS(Up, NDIS_STATUS_RESOURCES);
            InterlockedIncrement64(&Adapter->Receives);
            NdisMIndicateReceivePacket(Adapter->MiniportHandle, &Up, 1);
            PtFreeReceiveDescriptor(Up);
            PtMiniportLeave(Adapter, 1);
            return NDIS_STATUS_SUCCESS;
        }
    }

    Adapter->IndicateReceiveComplete = TRUE;
    InterlockedIncrement64(&Adapter->Receives);
    InterlockedIncrement64(&Adapter->ReceivesLookahead);
    NdisMEthIndicateReceive(Adapter->MiniportHandle, MacReceiveContext, HeaderBuffer, HeaderBufferSize,
        LookAheadBuffer, LookaheadBufferSize, PacketSize);
    PtMiniportLeave(Adapter, 1);
    return NDIS_STATUS_SUCCESS;
}

/* ProtocolReceiveComplete (ndis.h) — seed 003 §2.7.1.2 — DISPATCH_LEVEL. The adapter finished
 * a run of indications; if some went up as lookahead, the protocols above hear it too. */
VOID PtReceiveComplete(NDIS_HANDLE ProtocolBindingContext)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)ProtocolBindingContext;

    if (!Adapter->IndicateReceiveComplete || !PtMiniportEnter(Adapter, 1))
        return;
    Adapter->IndicateReceiveComplete = FALSE;
    NdisMEthIndicateReceiveComplete(Adapter->MiniportHandle);
    PtMiniportLeave(Adapter, 1);
}

/* MiniportTransferData (ndis.h) — seed 003 §2.7.1.2 — DISPATCH_LEVEL, inside our
 * NdisMEthIndicateReceive (so inside the adapter's indication to PtReceive): the protocol above
 * wants the rest of the frame; MiniportReceiveContext is the adapter's MacReceiveContext, so the
 * request goes below unchanged. A pended transfer keeps a miniport reference until
 * ProtocolTransferDataComplete hands it up. */
NDIS_STATUS MpTransferData(PNDIS_PACKET Packet, PUINT BytesTransferred, NDIS_HANDLE MiniportAdapterContext,
    NDIS_HANDLE MiniportReceiveContext, UINT ByteOffset, UINT BytesToTransfer)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)MiniportAdapterContext;
    NDIS_STATUS Status;

    *BytesTransferred = 0;
    if (Adapter->BindingHandle == NULL || Adapter->LowerPowerState != NdisDeviceStateD0)
        return NDIS_STATUS_FAILURE;
    InterlockedIncrement64(&Adapter->TransferDataCalls);
    /* PtReceive holds a reference around this call, so this one cannot come too late. */
    PtRefAdd(&Adapter->MiniportRefs, 1);
    NdisTransferData(&Status, Adapter->BindingHandle, MiniportReceiveContext, ByteOffset, BytesToTransfer, Packet,
        BytesTransferred);
    if (Status != NDIS_STATUS_PENDING)
        PtMiniportLeave(Adapter, 1);
    return Status;
}

/* ProtocolTransferDataComplete (ndis.h) — seed 003 §2.7.1.2 — DISPATCH_LEVEL. A transfer that
 * pended below is done: complete the one that pended above. */
VOID PtTransferDataComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status,
    UINT BytesTransferred)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)ProtocolBindingContext;

    NdisMTransferDataComplete(Adapter->MiniportHandle, Packet, Status, BytesTransferred);
    PtMiniportLeave(Adapter, 1);
}
