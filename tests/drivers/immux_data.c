/* immux_data.c — immux's data path: sends from every VELAN down the one lower binding in new
 * descriptors, and receives demultiplexed by destination address — a directed frame to its VELAN
 * in a new descriptor sharing the lower buffers, a group frame copied to every VELAN, anything
 * ProtocolReceive gets copied (with NdisTransferData for a partial lookahead) (seed 003 §2.5,
 * §2.7, §2.8). */
#include "immux.h"

/* ---- Descriptors and copies ------------------------------------------------------------------- */

static PNDIS_PACKET ImxPop(NDIS_SPIN_LOCK *Lock, PNDIS_PACKET *List, PVOID *(*Link)(PNDIS_PACKET))
{
    PNDIS_PACKET Packet;

    NdisAcquireSpinLock(Lock);
    Packet = *List;
    if (Packet != NULL)
        *List = (PNDIS_PACKET)*Link(Packet);
    NdisReleaseSpinLock(Lock);
    return Packet;
}

static PVOID *ImxSendLink(PNDIS_PACKET Packet) { return (PVOID *)&IMX_SEND_RSVD(Packet)->Next; }
static PVOID *ImxRecvLink(PNDIS_PACKET Packet) { return &IMX_RECV_RSVD(Packet)->Link; }

/* Seed §2.5.1: the borrowed chain is unhooked, the descriptor reinitialised and reused. */
static VOID ImxPush(NDIS_SPIN_LOCK *Lock, PNDIS_PACKET *List, PNDIS_PACKET Packet, PVOID *(*Link)(PNDIS_PACKET))
{
    NDIS_PACKET_FIRST_NDIS_BUFFER(Packet) = NULL;
    NDIS_PACKET_LAST_NDIS_BUFFER(Packet) = NULL;
    NdisReinitializePacket(Packet);
    NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(Packet, NULL, 0);
    NdisAcquireSpinLock(Lock);
    *Link(Packet) = *List;
    *List = Packet;
    NdisReleaseSpinLock(Lock);
}

static PIMX_COPY ImxGetCopy(PIMX_ADAPT Adapt)
{
    PIMX_COPY Copy;

    NdisAcquireSpinLock(&Adapt->RecvLock);
    Copy = Adapt->FreeCopies;
    if (Copy != NULL)
        Adapt->FreeCopies = Copy->Next;
    NdisReleaseSpinLock(&Adapt->RecvLock);
    return Copy;
}

static VOID ImxPutCopy(PIMX_ADAPT Adapt, PIMX_COPY Copy)
{
    PNDIS_BUFFER Buffer;

    do {
        NdisUnchainBufferAtFront(Copy->Packet, &Buffer);
    } while (Buffer != NULL);
    NdisReinitializePacket(Copy->Packet);
    NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(Copy->Packet, NULL, 0);
    NDIS_SET_PACKET_TIME_RECEIVED(Copy->Packet, 0);
    IMX_COPY_TAG_OF(Copy->Packet)->Copy = NULL;
    NdisAcquireSpinLock(&Adapt->RecvLock);
    Copy->Next = Adapt->FreeCopies;
    Adapt->FreeCopies = Copy;
    NdisReleaseSpinLock(&Adapt->RecvLock);
}

NDIS_STATUS ImxAllocateDataPath(PIMX_ADAPT Adapt)
{
    NDIS_STATUS Status;
    PNDIS_PACKET Packet;
    UINT i;

    NdisAllocatePacketPool(&Status, &Adapt->SendPool, IMX_SEND_DESCRIPTORS, sizeof(IMX_SEND_RESERVED));
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    NdisAllocatePacketPool(&Status, &Adapt->ReceivePool, IMX_RECV_DESCRIPTORS, PROTOCOL_RESERVED_SIZE_IN_PACKET);
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    NdisAllocatePacketPool(&Status, &Adapt->CopyPool, IMX_COPIES, PROTOCOL_RESERVED_SIZE_IN_PACKET);
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    NdisAllocateBufferPool(&Status, &Adapt->BufferPool, 2 * IMX_COPIES);
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    Status = NdisAllocateMemoryWithTag((PVOID *)&Adapt->CopyMemory, IMX_COPIES * sizeof(IMX_COPY), IMX_TAG);
    if (Status != NDIS_STATUS_SUCCESS) {
        Adapt->CopyMemory = NULL;
        goto Fail;
    }
    NdisZeroMemory(Adapt->CopyMemory, IMX_COPIES * sizeof(IMX_COPY));
    for (i = 0; i < IMX_SEND_DESCRIPTORS; i++) {
        NdisAllocatePacket(&Status, &Packet, Adapt->SendPool);
        if (Status != NDIS_STATUS_SUCCESS)
            goto Fail;
        IMX_SEND_RSVD(Packet)->Next = Adapt->FreeSends;
        Adapt->FreeSends = Packet;
    }
    for (i = 0; i < IMX_RECV_DESCRIPTORS; i++) {
        NdisAllocatePacket(&Status, &Packet, Adapt->ReceivePool);
        if (Status != NDIS_STATUS_SUCCESS)
            goto Fail;
        IMX_RECV_RSVD(Packet)->Link = Adapt->FreeReceives;
        Adapt->FreeReceives = Packet;
    }
    for (i = 0; i < IMX_COPIES; i++) {
        PIMX_COPY Copy = &Adapt->CopyMemory[i];

        NdisAllocatePacket(&Status, &Copy->Packet, Adapt->CopyPool);
        if (Status != NDIS_STATUS_SUCCESS) {
            Copy->Packet = NULL;
            goto Fail;
        }
        NdisAllocateBuffer(&Status, &Copy->Header, Adapt->BufferPool, Copy->Frame, IMX_ETH_HEADER);
        if (Status == NDIS_STATUS_SUCCESS)
            NdisAllocateBuffer(&Status, &Copy->Data, Adapt->BufferPool, Copy->Frame + IMX_ETH_HEADER, IMX_MAX_DATA);
        if (Status != NDIS_STATUS_SUCCESS)
            goto Fail;
        Copy->Next = Adapt->FreeCopies;
        Adapt->FreeCopies = Copy;
    }
    return NDIS_STATUS_SUCCESS;

Fail:
    ImxFreeDataPath(Adapt);
    return NDIS_STATUS_RESOURCES;
}

VOID ImxFreeDataPath(PIMX_ADAPT Adapt)
{
    UINT i;

    while (Adapt->FreeSends != NULL) {
        PNDIS_PACKET Packet = Adapt->FreeSends;

        Adapt->FreeSends = IMX_SEND_RSVD(Packet)->Next;
        NdisFreePacket(Packet);
    }
    while (Adapt->FreeReceives != NULL) {
        PNDIS_PACKET Packet = Adapt->FreeReceives;

        Adapt->FreeReceives = (PNDIS_PACKET)IMX_RECV_RSVD(Packet)->Link;
        NdisFreePacket(Packet);
    }
    Adapt->FreeCopies = NULL;
    if (Adapt->CopyMemory != NULL) {
        for (i = 0; i < IMX_COPIES; i++) {
            PIMX_COPY Copy = &Adapt->CopyMemory[i];

            if (Copy->Header != NULL)
                NdisFreeBuffer(Copy->Header);
            if (Copy->Data != NULL)
                NdisFreeBuffer(Copy->Data);
            if (Copy->Packet != NULL)
                NdisFreePacket(Copy->Packet);
        }
        NdisFreeMemory(Adapt->CopyMemory, IMX_COPIES * sizeof(IMX_COPY), 0);
        Adapt->CopyMemory = NULL;
    }
    if (Adapt->BufferPool != NULL)
        NdisFreeBufferPool(Adapt->BufferPool);
    if (Adapt->CopyPool != NULL)
        NdisFreePacketPool(Adapt->CopyPool);
    if (Adapt->ReceivePool != NULL)
        NdisFreePacketPool(Adapt->ReceivePool);
    if (Adapt->SendPool != NULL)
        NdisFreePacketPool(Adapt->SendPool);
    Adapt->BufferPool = Adapt->CopyPool = Adapt->ReceivePool = Adapt->SendPool = NULL;
}

/* The OOB block of Source onto Mine, media-specific information through the NDIS macros (it
 * counts only when the packet's flags say it is there). */
static VOID ImxCopyOobBlock(PNDIS_PACKET Mine, PNDIS_PACKET Source)
{
    PVOID Info = NULL;
    UINT InfoSize = 0;

    NdisMoveMemory(NDIS_OOB_DATA_FROM_PACKET(Mine), NDIS_OOB_DATA_FROM_PACKET(Source), sizeof(NDIS_PACKET_OOB_DATA));
    NDIS_GET_PACKET_MEDIA_SPECIFIC_INFO(Source, &Info, &InfoSize);
    NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(Mine, Info, InfoSize);
}

/* ---- Send path -------------------------------------------------------------------------------- */

static VOID ImxCompleteUp(PIMX_VELAN VElan, PNDIS_PACKET Packet, NDIS_STATUS Status)
{
    if (Status != NDIS_STATUS_SUCCESS)
        ImxCount(VElan, SendsFailed);
    ImxCount(VElan, SendsCompletedUp);
    NdisMSendComplete(VElan->MiniportHandle, Packet, Status);
}

/* MiniportSendPackets (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL, concurrently on any
 * processor and for every VELAN: all go down the one lower binding, in array order. */
VOID ImxSendPackets(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray, UINT NumberOfPackets)
{
    PIMX_VELAN VElan = (PIMX_VELAN)MiniportAdapterContext;
    PIMX_ADAPT Adapt = VElan->Adapt;
    NDIS_HANDLE BindingHandle = Adapt->BindingHandle;
    PNDIS_PACKET Batch[IMX_SEND_BATCH];
    UINT Count = 0;
    UINT i;

    ImxAdd(VElan, SendsFromAbove, NumberOfPackets);
    for (i = 0; i < NumberOfPackets; i++) {
        PNDIS_PACKET Packet = PacketArray[i];
        PNDIS_PACKET Mine = NULL;

        if (BindingHandle != NULL && VElan->DeviceState == NdisDeviceStateD0)
            Mine = ImxPop(&Adapt->SendLock, &Adapt->FreeSends, ImxSendLink);
        if (Mine == NULL) {
            ImxCompleteUp(VElan, Packet, BindingHandle == NULL ? NDIS_STATUS_FAILURE : NDIS_STATUS_RESOURCES);
            continue;
        }
        IMX_SEND_RSVD(Mine)->Original = Packet;
        IMX_SEND_RSVD(Mine)->VElan = VElan;
        NDIS_PACKET_FIRST_NDIS_BUFFER(Mine) = NDIS_PACKET_FIRST_NDIS_BUFFER(Packet);
        NDIS_PACKET_LAST_NDIS_BUFFER(Mine) = NDIS_PACKET_LAST_NDIS_BUFFER(Packet);
        NDIS_PACKET_VALID_COUNTS(Mine) = FALSE;
        NdisSetSendFlags(Mine, NdisGetPacketFlags(Packet));
        ImxCopyOobBlock(Mine, Packet);
        NdisIMCopySendPerPacketInfo(Mine, Packet);
        InterlockedIncrement(&VElan->SendsOutstanding);
        Batch[Count++] = Mine;
        if (Count == IMX_SEND_BATCH) {
            ImxAdd(VElan, SendsDown, Count);
            NdisSendPackets(BindingHandle, Batch, Count);
            Count = 0;
        }
    }
    if (Count != 0) {
        ImxAdd(VElan, SendsDown, Count);
        NdisSendPackets(BindingHandle, Batch, Count);
    }
}

/* ProtocolSendComplete (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL: to the VELAN that sent it. */
VOID ImxSendComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status)
{
    PIMX_ADAPT Adapt = (PIMX_ADAPT)ProtocolBindingContext;
    PIMX_VELAN VElan = IMX_SEND_RSVD(Packet)->VElan;
    PNDIS_PACKET Original = IMX_SEND_RSVD(Packet)->Original;

    NdisIMCopySendCompletePerPacketInfo(Original, Packet);
    IMX_SEND_RSVD(Packet)->VElan = NULL;
    IMX_SEND_RSVD(Packet)->Original = NULL;
    ImxPush(&Adapt->SendLock, &Adapt->FreeSends, Packet, ImxSendLink);
    ImxCompleteUp(VElan, Original, Status);
    if (InterlockedDecrement(&VElan->SendsOutstanding) == 0 && VElan->Halting)
        NdisSetEvent(&VElan->SendsIdle);
}

/* ---- Receive path ----------------------------------------------------------------------------- */

static VOID ImxReceiveDone(PIMX_VELAN VElan)
{
    if (InterlockedDecrement(&VElan->ReceivesOutstanding) == 0 && VElan->Halting)
        NdisSetEvent(&VElan->ReceivesIdle);
}

/* The VELAN a destination address names, or NULL. */
static PIMX_VELAN ImxFindByAddress(PIMX_ADAPT Adapt, const UCHAR *Destination)
{
    ULONG i;

    for (i = 0; i < Adapt->VElanCount; i++) {
        PIMX_VELAN VElan = Adapt->VElans[i];

        if (NdisEqualMemory(VElan->Mac, Destination, IMX_ETH_ADDRESS))
            return VElan;
    }
    return NULL;
}

/* Copies up to Length bytes from the start of Packet's chain into Out; returns how many. */
static UINT ImxCopyFromPacket(PNDIS_PACKET Packet, PUCHAR Out, UINT Length)
{
    PNDIS_BUFFER Buffer = NDIS_PACKET_FIRST_NDIS_BUFFER(Packet);
    UINT Copied = 0;

    while (Buffer != NULL && Copied < Length) {
        PVOID Va = NULL;
        UINT Bytes = 0;
        UINT n;

        NdisQueryBufferSafe(Buffer, &Va, &Bytes, NormalPagePriority);
        if (Va == NULL)
            break;
        n = Bytes < Length - Copied ? Bytes : Length - Copied;
        NdisMoveMemory(Out + Copied, Va, n);
        Copied += n;
        NdisGetNextBuffer(Buffer, &Buffer);
    }
    return Copied;
}

/* Indicates a copy (its whole frame in our memory) to its target VELAN(s) with
 * NDIS_STATUS_RESOURCES and frees it. DISPATCH_LEVEL. */
static VOID ImxIndicateCopy(PIMX_ADAPT Adapt, PIMX_COPY Copy, BOOLEAN Group)
{
    ULONG i;

    for (i = 0; i < Adapt->VElanCount; i++) {
        PIMX_VELAN VElan = Adapt->VElans[i];
        NDIS_HANDLE Handle;

        if (Copy->Target != IMX_ALL_VELANS && Copy->Target != i)
            continue;
        InterlockedIncrement(&VElan->ReceivesOutstanding);
        Handle = ImxUpperHandle(VElan);
        if (Handle != NULL) {
            IMX_RECV_RSVD(Copy->Packet)->Original = NULL;
            IMX_RECV_RSVD(Copy->Packet)->Link = Copy;
            NDIS_SET_PACKET_STATUS(Copy->Packet, NDIS_STATUS_RESOURCES);
            NDIS_SET_PACKET_HEADER_SIZE(Copy->Packet, IMX_ETH_HEADER);
            ImxCount(VElan, ReceivesCopied);
            if (Group)
                ImxCount(VElan, GroupReceives);
            NdisMIndicateReceivePacket(Handle, &Copy->Packet, 1);
        }
        ImxReceiveDone(VElan);
    }
    ImxPutCopy(Adapt, Copy);
}

/* ProtocolReceivePacket (ndis.h) — seed 003 §2.7.1.1 — DISPATCH_LEVEL. Demultiplexed by the
 * destination address: see the file comment. Returns 1 only for a directed frame passed up in
 * our descriptor; MiniportReturnPacket gives the lower packet back. */
INT ImxReceivePacket(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet)
{
    PIMX_ADAPT Adapt = (PIMX_ADAPT)ProtocolBindingContext;
    UCHAR Header[IMX_ETH_HEADER];
    PIMX_VELAN VElan;
    PNDIS_PACKET Mine;
    NDIS_HANDLE Handle;
    PIMX_COPY Copy;
    UINT Length;

    ImxAdaptCount(Adapt, ReceivesFromBelow);
    if (ImxCopyFromPacket(Packet, Header, IMX_ETH_HEADER) < IMX_ETH_HEADER)
        return 0;
    if ((Header[0] & 0x01) == 0) {
        VElan = ImxFindByAddress(Adapt, Header);
        if (VElan == NULL) {
            ImxAdaptCount(Adapt, ReceivesUnmatched);
            return 0;
        }
        if (NDIS_GET_PACKET_STATUS(Packet) != NDIS_STATUS_RESOURCES) {
            InterlockedIncrement(&VElan->ReceivesOutstanding);
            Handle = ImxUpperHandle(VElan);
            Mine = Handle != NULL ? ImxPop(&Adapt->RecvLock, &Adapt->FreeReceives, ImxRecvLink) : NULL;
            if (Mine == NULL) {
                ImxReceiveDone(VElan);
                return 0;
            }
            IMX_RECV_RSVD(Mine)->Original = Packet;
            IMX_RECV_RSVD(Mine)->Link = VElan;
            NDIS_PACKET_FIRST_NDIS_BUFFER(Mine) = NDIS_PACKET_FIRST_NDIS_BUFFER(Packet);
            NDIS_PACKET_LAST_NDIS_BUFFER(Mine) = NDIS_PACKET_LAST_NDIS_BUFFER(Packet);
            NDIS_PACKET_VALID_COUNTS(Mine) = FALSE;
            ImxCopyOobBlock(Mine, Packet);
            NDIS_SET_PACKET_STATUS(Mine, NDIS_STATUS_SUCCESS);
            ImxCount(VElan, ReceivesShared);
            NdisMIndicateReceivePacket(Handle, &Mine, 1);
            return 1;
        }
    }
    /* A group frame, or one the lower miniport wants back now: copy it. */
    Copy = ImxGetCopy(Adapt);
    if (Copy == NULL)
        return 0;
    Length = ImxCopyFromPacket(Packet, Copy->Frame, IMX_MAX_FRAME);
    NdisAdjustBufferLength(Copy->Data, Length - IMX_ETH_HEADER);
    NdisChainBufferAtBack(Copy->Packet, Copy->Header);
    NdisChainBufferAtBack(Copy->Packet, Copy->Data);
    NDIS_SET_PACKET_TIME_RECEIVED(Copy->Packet, NDIS_GET_PACKET_TIME_RECEIVED(Packet));
    if ((Header[0] & 0x01) != 0) {
        ImxAdaptCount(Adapt, GroupReceives);
        Copy->Target = IMX_ALL_VELANS;
    } else {
        Copy->Target = ImxFindByAddress(Adapt, Header)->Index;
    }
    ImxIndicateCopy(Adapt, Copy, (Header[0] & 0x01) != 0);
    return 0;
}

/* MiniportReturnPacket (ndis.h) — DISPATCH_LEVEL: the lower packet goes back. */
VOID ImxReturnPacket(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet)
{
    PIMX_VELAN VElan = (PIMX_VELAN)MiniportAdapterContext;
    PIMX_ADAPT Adapt = VElan->Adapt;
    PNDIS_PACKET Original = IMX_RECV_RSVD(Packet)->Original;

    ImxCount(VElan, ReturnsFromAbove);
    if (Original == NULL)
        return; /* a copy: NDIS keeps NDIS_STATUS_RESOURCES packets, so this does not happen */
    IMX_RECV_RSVD(Packet)->Original = NULL;
    ImxPush(&Adapt->RecvLock, &Adapt->FreeReceives, Packet, ImxRecvLink);
    NdisReturnPackets(&Original, 1);
    ImxReceiveDone(VElan);
}

/* ProtocolReceive (ndis.h) — seed 003 §2.7.1.2 — DISPATCH_LEVEL. The frame is copied — the
 * lookahead if it holds it all, else NdisTransferData for the rest (pended transfers finish in
 * ProtocolTransferDataComplete) — and indicated to its VELAN(s). */
NDIS_STATUS ImxReceive(NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE MacReceiveContext, PVOID HeaderBuffer,
    UINT HeaderBufferSize, PVOID LookAheadBuffer, UINT LookaheadBufferSize, UINT PacketSize)
{
    PIMX_ADAPT Adapt = (PIMX_ADAPT)ProtocolBindingContext;
    const UCHAR *Header = (const UCHAR *)HeaderBuffer;
    PIMX_VELAN VElan = NULL;
    PIMX_COPY Copy;
    NDIS_STATUS Status;
    UINT Transferred = 0;

    ImxAdaptCount(Adapt, ReceivesFromBelow);
    if (HeaderBufferSize != IMX_ETH_HEADER || PacketSize > IMX_MAX_DATA)
        return NDIS_STATUS_NOT_ACCEPTED;
    if ((Header[0] & 0x01) == 0) {
        VElan = ImxFindByAddress(Adapt, Header);
        if (VElan == NULL) {
            ImxAdaptCount(Adapt, ReceivesUnmatched);
            return NDIS_STATUS_NOT_ACCEPTED;
        }
    } else {
        ImxAdaptCount(Adapt, GroupReceives);
    }
    Copy = ImxGetCopy(Adapt);
    if (Copy == NULL)
        return NDIS_STATUS_NOT_ACCEPTED;
    Copy->Target = VElan != NULL ? VElan->Index : IMX_ALL_VELANS;
    NdisMoveMemory(Copy->Frame, Header, IMX_ETH_HEADER);
    NdisAdjustBufferLength(Copy->Data, PacketSize);
    if (LookaheadBufferSize >= PacketSize) {
        PNDIS_PACKET Original = NdisGetReceivedPacket(Adapt->BindingHandle, MacReceiveContext);

        NdisMoveMemory(Copy->Frame + IMX_ETH_HEADER, LookAheadBuffer, PacketSize);
        NdisChainBufferAtBack(Copy->Packet, Copy->Header);
        NdisChainBufferAtBack(Copy->Packet, Copy->Data);
        if (Original != NULL)
            NDIS_SET_PACKET_TIME_RECEIVED(Copy->Packet, NDIS_GET_PACKET_TIME_RECEIVED(Original));
        ImxIndicateCopy(Adapt, Copy, VElan == NULL);
        return NDIS_STATUS_SUCCESS;
    }
    NdisChainBufferAtBack(Copy->Packet, Copy->Data);
    IMX_COPY_TAG_OF(Copy->Packet)->Copy = Copy;
    ImxAdaptCount(Adapt, TransferDataCalls);
    NdisTransferData(&Status, Adapt->BindingHandle, MacReceiveContext, 0, PacketSize, Copy->Packet, &Transferred);
    if (Status == NDIS_STATUS_PENDING) {
        ImxAdaptCount(Adapt, TransferDataPended);
        return NDIS_STATUS_SUCCESS;
    }
    if (Status != NDIS_STATUS_SUCCESS) {
        ImxPutCopy(Adapt, Copy);
        return NDIS_STATUS_SUCCESS;
    }
    NdisChainBufferAtFront(Copy->Packet, Copy->Header);
    ImxIndicateCopy(Adapt, Copy, VElan == NULL);
    return NDIS_STATUS_SUCCESS;
}

/* ProtocolTransferDataComplete (ndis.h) — DISPATCH_LEVEL: a copy whose transfer pended. */
VOID ImxTransferDataComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status,
    UINT BytesTransferred)
{
    PIMX_ADAPT Adapt = (PIMX_ADAPT)ProtocolBindingContext;
    PIMX_COPY Copy = IMX_COPY_TAG_OF(Packet)->Copy;

    UNREFERENCED_PARAMETER(BytesTransferred);
    if (Copy == NULL || Copy->Packet != Packet)
        return;
    if (Status != NDIS_STATUS_SUCCESS) {
        ImxPutCopy(Adapt, Copy);
        return;
    }
    NdisChainBufferAtFront(Copy->Packet, Copy->Header);
    ImxIndicateCopy(Adapt, Copy, Copy->Target == IMX_ALL_VELANS);
}

/* ProtocolReceiveComplete (ndis.h) — DISPATCH_LEVEL: passed to every VELAN that is up. */
VOID ImxReceiveComplete(NDIS_HANDLE ProtocolBindingContext)
{
    PIMX_ADAPT Adapt = (PIMX_ADAPT)ProtocolBindingContext;
    ULONG i;

    for (i = 0; i < Adapt->VElanCount; i++) {
        NDIS_HANDLE Handle = ImxUpperHandle(Adapt->VElans[i]);

        if (Handle != NULL)
            NdisMEthIndicateReceiveComplete(Handle);
    }
}
