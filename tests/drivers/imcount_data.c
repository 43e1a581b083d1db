/* imcount_data.c — imcount's data path: preallocated descriptors and copies, sends from above
 * in new descriptors (MiniportSendPackets -> NdisSendPackets -> ProtocolSendComplete ->
 * NdisMSendComplete), receives from below in new descriptors or copies (ProtocolReceivePacket,
 * ProtocolReceive, NdisTransferData, ProtocolReceiveComplete) and their returns
 * (MiniportReturnPacket -> NdisReturnPackets) (seed 003 §2.5, §2.5.1, §2.6, §2.7, §2.8). */
#include "imcount.h"

/* ---- Descriptor and copy lists ---------------------------------------------------------------- */

static PNDIS_PACKET ImcGetSendDescriptor(PIMC_BINDING Binding)
{
    PNDIS_PACKET Packet;

    NdisAcquireSpinLock(&Binding->SendLock);
    Packet = Binding->FreeSends;
    if (Packet != NULL)
        Binding->FreeSends = IMC_SEND_RSVD(Packet)->Next;
    NdisReleaseSpinLock(&Binding->SendLock);
    return Packet;
}

/* Seed §2.5.1: the sender's buffers are unhooked before NdisReinitializePacket, which would
 * otherwise be asked to forget a chain; the descriptor is then reused, not freed. */
static VOID ImcPutSendDescriptor(PIMC_BINDING Binding, PNDIS_PACKET Packet)
{
    NDIS_PACKET_FIRST_NDIS_BUFFER(Packet) = NULL;
    NDIS_PACKET_LAST_NDIS_BUFFER(Packet) = NULL;
    NdisReinitializePacket(Packet);
    NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(Packet, NULL, 0);
    IMC_SEND_RSVD(Packet)->Original = NULL;
    NdisAcquireSpinLock(&Binding->SendLock);
    IMC_SEND_RSVD(Packet)->Next = Binding->FreeSends;
    Binding->FreeSends = Packet;
    NdisReleaseSpinLock(&Binding->SendLock);
}

static PNDIS_PACKET ImcGetReceiveDescriptor(PIMC_BINDING Binding)
{
    PNDIS_PACKET Packet;

    NdisAcquireSpinLock(&Binding->RecvLock);
    Packet = Binding->FreeReceives;
    if (Packet != NULL)
        Binding->FreeReceives = (PNDIS_PACKET)IMC_RECV_RSVD(Packet)->Link;
    NdisReleaseSpinLock(&Binding->RecvLock);
    return Packet;
}

static VOID ImcPutReceiveDescriptor(PIMC_BINDING Binding, PNDIS_PACKET Packet)
{
    NDIS_PACKET_FIRST_NDIS_BUFFER(Packet) = NULL;
    NDIS_PACKET_LAST_NDIS_BUFFER(Packet) = NULL;
    NdisReinitializePacket(Packet);
    NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(Packet, NULL, 0);
    IMC_RECV_RSVD(Packet)->Original = NULL;
    NdisAcquireSpinLock(&Binding->RecvLock);
    IMC_RECV_RSVD(Packet)->Link = Binding->FreeReceives;
    Binding->FreeReceives = Packet;
    NdisReleaseSpinLock(&Binding->RecvLock);
}

static PIMC_COPY ImcGetCopy(PIMC_BINDING Binding)
{
    PIMC_COPY Copy;

    NdisAcquireSpinLock(&Binding->RecvLock);
    Copy = Binding->FreeCopies;
    if (Copy != NULL)
        Binding->FreeCopies = Copy->Next;
    NdisReleaseSpinLock(&Binding->RecvLock);
    return Copy;
}

/* Unchains the copy's own buffers (they stay allocated with it) and clears what the last use
 * wrote into the OOB block, then makes the copy free again. */
static VOID ImcPutCopy(PIMC_BINDING Binding, PIMC_COPY Copy)
{
    PNDIS_BUFFER Buffer;

    do {
        NdisUnchainBufferAtFront(Copy->Packet, &Buffer);
    } while (Buffer != NULL);
    NdisReinitializePacket(Copy->Packet);
    NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(Copy->Packet, NULL, 0);
    NDIS_SET_PACKET_TIME_RECEIVED(Copy->Packet, 0);
    NDIS_SET_PACKET_TIME_SENT(Copy->Packet, 0);
    ((PIMC_COPY_TAG)Copy->Packet->ProtocolReserved)->Magic = 0;
    NdisAcquireSpinLock(&Binding->RecvLock);
    Copy->Next = Binding->FreeCopies;
    Binding->FreeCopies = Copy;
    NdisReleaseSpinLock(&Binding->RecvLock);
}

/* PASSIVE_LEVEL, from ProtocolBindAdapter. Every descriptor, copy and buffer the data path will
 * use; on failure what was made is freed and NDIS_STATUS_RESOURCES returned. */
NDIS_STATUS ImcAllocateDataPath(PIMC_BINDING Binding)
{
    const IMC_CONFIG *Config = &Binding->Config;
    NDIS_STATUS Status;
    PNDIS_PACKET Packet;
    UINT i;

    NdisAllocatePacketPool(&Status, &Binding->SendPool, Config->SendDescriptors, sizeof(IMC_SEND_RESERVED));
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    NdisAllocatePacketPool(&Status, &Binding->ReceivePool, Config->ReceiveDescriptors,
        PROTOCOL_RESERVED_SIZE_IN_PACKET);
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    NdisAllocatePacketPool(&Status, &Binding->CopyPool, Config->Copies, PROTOCOL_RESERVED_SIZE_IN_PACKET);
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    NdisAllocateBufferPool(&Status, &Binding->BufferPool, 2 * Config->Copies);
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    Status = NdisAllocateMemoryWithTag((PVOID *)&Binding->CopyMemory, Config->Copies * sizeof(IMC_COPY), IMC_TAG);
    if (Status != NDIS_STATUS_SUCCESS) {
        Binding->CopyMemory = NULL;
        goto Fail;
    }
    NdisZeroMemory(Binding->CopyMemory, Config->Copies * sizeof(IMC_COPY));

    for (i = 0; i < Config->SendDescriptors; i++) {
        NdisAllocatePacket(&Status, &Packet, Binding->SendPool);
        if (Status != NDIS_STATUS_SUCCESS)
            goto Fail;
        IMC_SEND_RSVD(Packet)->Original = NULL;
        IMC_SEND_RSVD(Packet)->Next = Binding->FreeSends;
        Binding->FreeSends = Packet;
    }
    for (i = 0; i < Config->ReceiveDescriptors; i++) {
        NdisAllocatePacket(&Status, &Packet, Binding->ReceivePool);
        if (Status != NDIS_STATUS_SUCCESS)
            goto Fail;
        IMC_RECV_RSVD(Packet)->Original = NULL;
        IMC_RECV_RSVD(Packet)->Link = Binding->FreeReceives;
        Binding->FreeReceives = Packet;
    }
    for (i = 0; i < Config->Copies; i++) {
        PIMC_COPY Copy = &Binding->CopyMemory[i];

        NdisAllocatePacket(&Status, &Copy->Packet, Binding->CopyPool);
        if (Status != NDIS_STATUS_SUCCESS) {
            Copy->Packet = NULL;
            goto Fail;
        }
        NdisAllocateBuffer(&Status, &Copy->Header, Binding->BufferPool, Copy->Frame, IMC_ETH_HEADER);
        if (Status == NDIS_STATUS_SUCCESS)
            NdisAllocateBuffer(&Status, &Copy->Data, Binding->BufferPool, Copy->Frame + IMC_ETH_HEADER,
                IMC_MAX_FRAME - IMC_ETH_HEADER);
        if (Status != NDIS_STATUS_SUCCESS)
            goto Fail;
        IMC_RECV_RSVD(Copy->Packet)->Original = NULL;
        IMC_RECV_RSVD(Copy->Packet)->Link = Copy;
        Copy->Next = Binding->FreeCopies;
        Binding->FreeCopies = Copy;
    }
    return NDIS_STATUS_SUCCESS;

Fail:
    ImcFreeDataPath(Binding);
    return NDIS_STATUS_RESOURCES;
}

/* PASSIVE_LEVEL, when nothing of the binding is in flight. Frees the free lists, the pools and
 * the copy memory; tolerates a partly finished ImcAllocateDataPath. */
VOID ImcFreeDataPath(PIMC_BINDING Binding)
{
    UINT i;

    while (Binding->FreeSends != NULL) {
        PNDIS_PACKET Packet = Binding->FreeSends;

        Binding->FreeSends = IMC_SEND_RSVD(Packet)->Next;
        NdisFreePacket(Packet);
    }
    while (Binding->FreeReceives != NULL) {
        PNDIS_PACKET Packet = Binding->FreeReceives;

        Binding->FreeReceives = (PNDIS_PACKET)IMC_RECV_RSVD(Packet)->Link;
        NdisFreePacket(Packet);
    }
    Binding->FreeCopies = NULL;
    if (Binding->CopyMemory != NULL) {
        for (i = 0; i < Binding->Config.Copies; i++) {
            PIMC_COPY Copy = &Binding->CopyMemory[i];

            if (Copy->Header != NULL)
                NdisFreeBuffer(Copy->Header);
            if (Copy->Data != NULL)
                NdisFreeBuffer(Copy->Data);
            if (Copy->Packet != NULL)
                NdisFreePacket(Copy->Packet);
        }
        NdisFreeMemory(Binding->CopyMemory, Binding->Config.Copies * sizeof(IMC_COPY), 0);
        Binding->CopyMemory = NULL;
    }
    if (Binding->BufferPool != NULL)
        NdisFreeBufferPool(Binding->BufferPool);
    if (Binding->CopyPool != NULL)
        NdisFreePacketPool(Binding->CopyPool);
    if (Binding->ReceivePool != NULL)
        NdisFreePacketPool(Binding->ReceivePool);
    if (Binding->SendPool != NULL)
        NdisFreePacketPool(Binding->SendPool);
    Binding->BufferPool = Binding->CopyPool = Binding->ReceivePool = Binding->SendPool = NULL;
}

/* The OOB block of Source onto Mine (time stamps, header size, status) and the media-specific
 * information, which only counts when the packet's flags say it is there, so it goes through the
 * NDIS macros. */
static VOID ImcCopyOobBlock(PNDIS_PACKET Mine, PNDIS_PACKET Source)
{
    PVOID Info = NULL;
    UINT InfoSize = 0;

    NdisMoveMemory(NDIS_OOB_DATA_FROM_PACKET(Mine), NDIS_OOB_DATA_FROM_PACKET(Source), sizeof(NDIS_PACKET_OOB_DATA));
    NDIS_GET_PACKET_MEDIA_SPECIFIC_INFO(Source, &Info, &InfoSize);
    NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(Mine, Info, InfoSize);
}

/* ---- Send path (seed §2.8) -------------------------------------------------------------------- */

static VOID ImcSendDone(PIMC_BINDING Binding)
{
    if (InterlockedDecrement(&Binding->SendsOutstanding) == 0 && Binding->Halting)
        NdisSetEvent(&Binding->SendsIdle);
}

/* Completes a packet from above that never went down. */
static VOID ImcCompleteUp(PIMC_BINDING Binding, PNDIS_PACKET Packet, NDIS_STATUS Status)
{
    if (Status != NDIS_STATUS_SUCCESS)
        ImcCount(Binding, SendsFailed);
    ImcCount(Binding, SendsCompletedUp);
    NdisMSendComplete(Binding->MiniportHandle, Packet, Status);
}

/* MiniportSendPackets (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL; deserialized, any
 * processor, concurrently. Each packet from above goes down in one of our descriptors that
 * chains the sender's buffers and carries a copy of its flags, OOB block and per-packet info;
 * the array's order is kept (seed §2.8: the lower driver sends in array order). Packets we
 * cannot send are completed at once with a failure status. */
VOID ImcSendPackets(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray, UINT NumberOfPackets)
{
    PIMC_BINDING Binding = (PIMC_BINDING)MiniportAdapterContext;
    PNDIS_PACKET Batch[IMC_SEND_BATCH];
    NDIS_HANDLE BindingHandle = Binding->BindingHandle;
    ULONG DropEveryNth = Binding->Config.DropEveryNth;
    UINT Count = 0;
    UINT i;

    ImcAdd(Binding, SendsFromAbove, NumberOfPackets);
    for (i = 0; i < NumberOfPackets; i++) {
        PNDIS_PACKET Packet = PacketArray[i];
        PNDIS_PACKET Mine;

        if (DropEveryNth != 0 && (ULONG)InterlockedIncrement(&Binding->SendCounter) % DropEveryNth == 0) {
            ImcCount(Binding, SendsDropped);
            ImcCompleteUp(Binding, Packet, NDIS_STATUS_SUCCESS);
            continue;
        }
        if (BindingHandle == NULL || Binding->DeviceState > NdisDeviceStateD0) {
            ImcCompleteUp(Binding, Packet, NDIS_STATUS_FAILURE);
            continue;
        }
        Mine = ImcGetSendDescriptor(Binding);
        if (Mine == NULL) {
            ImcCompleteUp(Binding, Packet, NDIS_STATUS_RESOURCES);
            continue;
        }
        if (Mine == Packet)
            ImcCount(Binding, SendsSameDescriptor);
        IMC_SEND_RSVD(Mine)->Original = Packet;
        NDIS_PACKET_FIRST_NDIS_BUFFER(Mine) = NDIS_PACKET_FIRST_NDIS_BUFFER(Packet);
        NDIS_PACKET_LAST_NDIS_BUFFER(Mine) = NDIS_PACKET_LAST_NDIS_BUFFER(Packet);
        NDIS_PACKET_VALID_COUNTS(Mine) = FALSE;
        NdisSetSendFlags(Mine, NdisGetPacketFlags(Packet));
        ImcCopyOobBlock(Mine, Packet);
        NdisIMCopySendPerPacketInfo(Mine, Packet);
        InterlockedIncrement(&Binding->SendsOutstanding);
        Batch[Count++] = Mine;
        if (Count == IMC_SEND_BATCH) {
            ImcAdd(Binding, SendsDown, Count);
            NdisSendPackets(BindingHandle, Batch, Count);
            Count = 0;
        }
    }
    if (Count != 0) {
        ImcAdd(Binding, SendsDown, Count);
        NdisSendPackets(BindingHandle, Batch, Count);
    }
}

/* ProtocolSendComplete (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL. Puts the original
 * back in place of our descriptor (seed §2.6) and completes it up with the lower status. */
VOID ImcSendComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status)
{
    PIMC_BINDING Binding = (PIMC_BINDING)ProtocolBindingContext;
    PNDIS_PACKET Original = IMC_SEND_RSVD(Packet)->Original;

    ImcCount(Binding, SendCompletesFromBelow);
    NdisIMCopySendCompletePerPacketInfo(Original, Packet);
    ImcPutSendDescriptor(Binding, Packet);
    ImcCompleteUp(Binding, Original, Status);
    ImcSendDone(Binding);
}

/* MiniportCancelSendPackets (ndis.h) — IRQL <= DISPATCH_LEVEL. Our descriptors carry the
 * sender's cancel ids (NdisIMCopySendPerPacketInfo), so the cancel goes down unchanged. */
VOID ImcCancelSendPackets(NDIS_HANDLE MiniportAdapterContext, PVOID CancelId)
{
    PIMC_BINDING Binding = (PIMC_BINDING)MiniportAdapterContext;
    NDIS_HANDLE BindingHandle = Binding->BindingHandle;

    if (BindingHandle != NULL)
        NdisCancelSendPackets(BindingHandle, CancelId);
}

/* ---- Receive path (seed §2.7) ----------------------------------------------------------------- */

/* A receive we were part of ended; MiniportHalt waits for the last one. */
static VOID ImcReceiveDone(PIMC_BINDING Binding)
{
    if (InterlockedDecrement(&Binding->ReceivesOutstanding) == 0 && Binding->Halting)
        NdisSetEvent(&Binding->ReceivesIdle);
}

/* The OOB data seed §2.7.1.3 says an IM must keep (header size, time stamps, media-specific
 * information) from the lower packet, when there is one, onto our copy. */
static VOID ImcCopyOob(PNDIS_PACKET Copy, PNDIS_PACKET Source)
{
    PVOID Info = NULL;
    UINT InfoSize = 0;

    NDIS_SET_PACKET_HEADER_SIZE(Copy, IMC_ETH_HEADER);
    if (Source == NULL)
        return;
    NDIS_SET_PACKET_TIME_RECEIVED(Copy, NDIS_GET_PACKET_TIME_RECEIVED(Source));
    NDIS_SET_PACKET_TIME_SENT(Copy, NDIS_GET_PACKET_TIME_SENT(Source));
    NDIS_GET_PACKET_MEDIA_SPECIFIC_INFO(Source, &Info, &InfoSize);
    NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(Copy, Info, InfoSize);
}

/* Indicates one of our copies (whole frame in our memory) with NDIS_STATUS_RESOURCES, so NDIS
 * gives it back when the call returns, and frees it. DISPATCH_LEVEL. */
static VOID ImcIndicateCopy(PIMC_BINDING Binding, NDIS_HANDLE Handle, PIMC_COPY Copy)
{
    /* MiniportReserved may hold what the lower miniport wrote during NdisTransferData. */
    IMC_RECV_RSVD(Copy->Packet)->Original = NULL;
    IMC_RECV_RSVD(Copy->Packet)->Link = Copy;
    NDIS_SET_PACKET_STATUS(Copy->Packet, NDIS_STATUS_RESOURCES);
    ImcSet(Binding, LastTimeReceived, NDIS_GET_PACKET_TIME_RECEIVED(Copy->Packet));
    NdisMIndicateReceivePacket(Handle, &Copy->Packet, 1);
    ImcPutCopy(Binding, Copy);
}

/* ProtocolReceivePacket (ndis.h) — seed 003 §2.5, §2.7.1.1 — DISPATCH_LEVEL. The lower
 * packet's buffers go up chained to one of our descriptors with its OOB block (seed §2.5-25:
 * at least the descriptor is replaced). We keep the lower packet (return 1) until our
 * descriptor comes back to MiniportReturnPacket; a packet indicated with NDIS_STATUS_RESOURCES
 * is passed up the same way and released at once (return 0). */
INT ImcReceivePacket(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet)
{
    PIMC_BINDING Binding = (PIMC_BINDING)ProtocolBindingContext;
    PNDIS_PACKET Mine;
    PNDIS_PACKET Lowest;
    NDIS_HANDLE Handle;
    NDIS_STATUS Status;

    ImcCount(Binding, ReceivePackets);
    InterlockedIncrement(&Binding->ReceivesOutstanding); /* before the halting check: see ImcHalt */
    Handle = ImcUpperHandle(Binding);
    Mine = Handle != NULL ? ImcGetReceiveDescriptor(Binding) : NULL;
    if (Mine == NULL) {
        ImcCount(Binding, ReceivesDropped);
        ImcReceiveDone(Binding);
        return 0;
    }
    IMC_RECV_RSVD(Mine)->Original = Packet;
    IMC_RECV_RSVD(Mine)->Link = NULL;
    NDIS_PACKET_FIRST_NDIS_BUFFER(Mine) = NDIS_PACKET_FIRST_NDIS_BUFFER(Packet);
    NDIS_PACKET_LAST_NDIS_BUFFER(Mine) = NDIS_PACKET_LAST_NDIS_BUFFER(Packet);
    NDIS_PACKET_VALID_COUNTS(Mine) = FALSE;
    NdisSetSendFlags(Mine, NdisGetPacketFlags(Packet));
    ImcCopyOobBlock(Mine, Packet);
    Lowest = NDIS_GET_ORIGINAL_PACKET(Packet);
    NDIS_SET_ORIGINAL_PACKET(Mine, Lowest != NULL ? Lowest : Packet);
    Status = NDIS_GET_PACKET_STATUS(Packet);
    ImcSet(Binding, LastTimeReceived, NDIS_GET_PACKET_TIME_RECEIVED(Mine));

    NdisMIndicateReceivePacket(Handle, &Mine, 1);
    if (Status == NDIS_STATUS_RESOURCES) {
        ImcPutReceiveDescriptor(Binding, Mine);
        ImcReceiveDone(Binding);
        return 0;
    }
    ImcCount(Binding, ReceivePacketsHeld);
    return 1;
}

/* MiniportReturnPacket (ndis.h) — seed 003 §2.7.1.1 — DISPATCH_LEVEL. Our descriptor is back:
 * the lower packet it carried goes back to its miniport with NdisReturnPackets. */
VOID ImcReturnPacket(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet)
{
    PIMC_BINDING Binding = (PIMC_BINDING)MiniportAdapterContext;
    PNDIS_PACKET Original = IMC_RECV_RSVD(Packet)->Original;

    ImcCount(Binding, ReturnsFromAbove);
    if (Original == NULL) {
        /* One of our copies: indicated with NDIS_STATUS_RESOURCES, so NDIS should not return it. */
        DbgPrint("imcount: %s: a copy came back to MiniportReturnPacket\n", Binding->UpperName);
        return;
    }
    ImcPutReceiveDescriptor(Binding, Packet);
    NdisReturnPackets(&Original, 1);
    ImcReceiveDone(Binding);
}

/* ProtocolReceive (ndis.h) — seed 003 §2.7.1.2 — DISPATCH_LEVEL. A whole frame (the lower
 * miniport indicated a packet with NDIS_STATUS_RESOURCES, or a lookahead that holds it all) is
 * copied into one of our packets with the OOB data NdisGetReceivedPacket finds and indicated
 * now. A partial lookahead either goes up as it is (NdisMEthIndicateReceive; MiniportTransferData
 * forwards the rest) or, with CopyLookahead, is completed with our own NdisTransferData into a
 * copy that ProtocolReceiveComplete indicates (seed §2.7.1.2-11/13: no processing while
 * copying). */
NDIS_STATUS ImcReceive(NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE MacReceiveContext, PVOID HeaderBuffer,
    UINT HeaderBufferSize, PVOID LookAheadBuffer, UINT LookaheadBufferSize, UINT PacketSize)
{
    PIMC_BINDING Binding = (PIMC_BINDING)ProtocolBindingContext;
    NDIS_HANDLE Handle;
    PIMC_COPY Copy;
    NDIS_STATUS Status;
    UINT Transferred = 0;

    InterlockedIncrement(&Binding->ReceivesOutstanding);
    Handle = ImcUpperHandle(Binding);
    if (Handle == NULL || HeaderBufferSize != IMC_ETH_HEADER || PacketSize > IMC_MAX_FRAME - IMC_ETH_HEADER) {
        ImcCount(Binding, ReceivesDropped);
        ImcReceiveDone(Binding);
        return NDIS_STATUS_NOT_ACCEPTED;
    }

    if (LookaheadBufferSize < PacketSize && !Binding->Config.CopyLookahead) {
        Binding->LookaheadIndicated = TRUE;
        ImcCount(Binding, ReceivesLookahead);
        NdisMEthIndicateReceive(Handle, MacReceiveContext, (PCHAR)HeaderBuffer, HeaderBufferSize, LookAheadBuffer,
            LookaheadBufferSize, PacketSize);
        ImcReceiveDone(Binding);
        return NDIS_STATUS_SUCCESS;
    }

    Copy = ImcGetCopy(Binding);
    if (Copy == NULL) {
        ImcCount(Binding, ReceivesDropped);
        ImcReceiveDone(Binding);
        return NDIS_STATUS_NOT_ACCEPTED;
    }
    NdisMoveMemory(Copy->Frame, HeaderBuffer, IMC_ETH_HEADER);
    NdisAdjustBufferLength(Copy->Data, PacketSize);

    if (LookaheadBufferSize >= PacketSize) {
        NdisMoveMemory(Copy->Frame + IMC_ETH_HEADER, LookAheadBuffer, PacketSize);
        NdisChainBufferAtBack(Copy->Packet, Copy->Header);
        NdisChainBufferAtBack(Copy->Packet, Copy->Data);
        ImcCopyOob(Copy->Packet, NdisGetReceivedPacket(Binding->BindingHandle, MacReceiveContext));
        ImcCount(Binding, ReceivesCopied);
        ImcIndicateCopy(Binding, Handle, Copy);
        ImcReceiveDone(Binding);
        return NDIS_STATUS_SUCCESS;
    }

    /* CopyLookahead: the data after the header straight into our frame. */
    NdisChainBufferAtBack(Copy->Packet, Copy->Data);
    ((PIMC_COPY_TAG)Copy->Packet->ProtocolReserved)->Magic = IMC_COPY_MAGIC;
    ((PIMC_COPY_TAG)Copy->Packet->ProtocolReserved)->Copy = Copy;
    NdisTransferData(&Status, Binding->BindingHandle, MacReceiveContext, 0, PacketSize, Copy->Packet, &Transferred);
    if (Status == NDIS_STATUS_PENDING) {
        ImcCount(Binding, TransferDataPended);
        return NDIS_STATUS_SUCCESS; /* ImcTransferDataComplete indicates it */
    }
    if (Status != NDIS_STATUS_SUCCESS) {
        ImcCount(Binding, ReceivesDropped);
        ImcPutCopy(Binding, Copy);
        ImcReceiveDone(Binding);
        return NDIS_STATUS_SUCCESS;
    }
    ImcCount(Binding, ReceivesTransferred);
    NdisChainBufferAtFront(Copy->Packet, Copy->Header);
    ImcCopyOob(Copy->Packet, NULL);
    Copy->Next = NULL;
    NdisAcquireSpinLock(&Binding->RecvLock);
    if (Binding->QueueTail != NULL)
        Binding->QueueTail->Next = Copy;
    else
        Binding->QueueHead = Copy;
    Binding->QueueTail = Copy;
    NdisReleaseSpinLock(&Binding->RecvLock);
    return NDIS_STATUS_SUCCESS; /* still outstanding: ImcReceiveComplete ends it */
}

/* ProtocolTransferDataComplete (ndis.h) — seed 003 §2.7.1.2 — DISPATCH_LEVEL. Either one of our
 * copies (CopyLookahead) whose transfer pended, indicated now, or a transfer an upper protocol
 * made through MiniportTransferData, completed up with NdisMTransferDataComplete. */
VOID ImcTransferDataComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status,
    UINT BytesTransferred)
{
    PIMC_BINDING Binding = (PIMC_BINDING)ProtocolBindingContext;
    PIMC_COPY_TAG Tag = (PIMC_COPY_TAG)Packet->ProtocolReserved;
    NDIS_HANDLE Handle;

    if (Tag->Magic == IMC_COPY_MAGIC && Tag->Copy != NULL && Tag->Copy->Packet == Packet) {
        PIMC_COPY Copy = Tag->Copy;

        Tag->Magic = 0;
        Handle = ImcUpperHandle(Binding);
        if (Status == NDIS_STATUS_SUCCESS && Handle != NULL) {
            ImcCount(Binding, ReceivesTransferred);
            NdisChainBufferAtFront(Copy->Packet, Copy->Header);
            ImcCopyOob(Copy->Packet, NULL);
            ImcIndicateCopy(Binding, Handle, Copy);
            NdisMEthIndicateReceiveComplete(Handle);
        } else {
            ImcCount(Binding, ReceivesDropped);
            ImcPutCopy(Binding, Copy);
        }
        ImcReceiveDone(Binding);
        return;
    }
    Handle = Binding->MiniportHandle;
    if (Handle != NULL)
        NdisMTransferDataComplete(Handle, Packet, Status, BytesTransferred);
}

/* MiniportTransferData (ndis.h) — seed 003 §2.3.1.1, §2.7.1.2 — DISPATCH_LEVEL, inside the
 * upper protocol's ProtocolReceive, which is inside ours: the lower miniport still has the frame,
 * so the transfer goes down into the caller's own packet. */
NDIS_STATUS ImcTransferData(PNDIS_PACKET Packet, PUINT BytesTransferred, NDIS_HANDLE MiniportAdapterContext,
    NDIS_HANDLE MiniportReceiveContext, UINT ByteOffset, UINT BytesToTransfer)
{
    PIMC_BINDING Binding = (PIMC_BINDING)MiniportAdapterContext;
    NDIS_HANDLE BindingHandle = Binding->BindingHandle;
    NDIS_STATUS Status;

    if (BindingHandle == NULL)
        return NDIS_STATUS_FAILURE;
    ImcCount(Binding, TransferDataForwarded);
    NdisTransferData(&Status, BindingHandle, MiniportReceiveContext, ByteOffset, BytesToTransfer, Packet,
        BytesTransferred);
    if (Status == NDIS_STATUS_PENDING)
        ImcCount(Binding, TransferDataPended);
    return Status;
}

/* ProtocolReceiveComplete (ndis.h) — seed 003 §2.7.1.2 — DISPATCH_LEVEL. Indicates the copies
 * ProtocolReceive queued, in order, then tells the protocols above the burst is over. */
VOID ImcReceiveComplete(NDIS_HANDLE ProtocolBindingContext)
{
    PIMC_BINDING Binding = (PIMC_BINDING)ProtocolBindingContext;
    NDIS_HANDLE Handle = ImcUpperHandle(Binding);
    PIMC_COPY Copy;

    ImcCount(Binding, ReceiveCompletes);
    NdisAcquireSpinLock(&Binding->RecvLock);
    Copy = Binding->QueueHead;
    Binding->QueueHead = Binding->QueueTail = NULL;
    NdisReleaseSpinLock(&Binding->RecvLock);
    while (Copy != NULL) {
        PIMC_COPY Next = Copy->Next;

        if (Handle != NULL) {
            ImcCount(Binding, ReceivesQueued);
            ImcIndicateCopy(Binding, Handle, Copy);
        } else {
            ImcCount(Binding, ReceivesDropped);
            ImcPutCopy(Binding, Copy);
        }
        ImcReceiveDone(Binding);
        Copy = Next;
    }
    if (Handle != NULL) {
        Binding->LookaheadIndicated = FALSE;
        NdisMEthIndicateReceiveComplete(Handle);
    }
}
