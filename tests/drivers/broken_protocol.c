/* broken_protocol.c — an 802.3 protocol that breaks NDIS rules on request (issue 7 part 4,
 * DESIGN.md "Verifier"): each BrokenProtocolCommit mistake is one rule the verifier must report
 * against "broken_protocol"; between mistakes it behaves, so the host keeps running. One binding
 * at a time; hooks in broken_hooks.h. */
#include <ndis.h>

#include "broken_hooks.h"

#define BROKEN_PACKETS 8

static NDIS_HANDLE ProtocolHandle;
static NDIS_HANDLE PacketPool;
static NDIS_HANDLE BufferPool;
static NDIS_HANDLE Binding;       /* open binding, or NULL */
static NDIS_HANDLE LastBinding;   /* kept after the close: the stale handle */
static NDIS_HANDLE PendingBind;   /* BindContext of a pended NdisOpenAdapter */
static NDIS_HANDLE PendingUnbind; /* UnbindContext of a pended NdisCloseAdapter */
static NDIS_MEDIUM Media[] = {NdisMedium802_3};
static UINT SelectedMedium;
static NDIS_REQUEST Requests[2];
static ULONG Frame[4];
static BROKEN_RECEIVE_MODE ReceiveMode;
static PNDIS_PACKET Kept;
static LONG Receives;
static LONG RequestsCompleted;
static NDIS_REQUEST FilterRequest;
static ULONG Filter = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST;
static BOOLEAN FilterSet;

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);

/* Receives start once the filter is set; it may complete in ProtocolRequestComplete. */
static VOID BrokenSetFilter(void)
{
    NDIS_STATUS Status;
    FilterSet = FALSE;
    NdisZeroMemory(&FilterRequest, sizeof(FilterRequest));
    FilterRequest.RequestType = NdisRequestSetInformation;
    FilterRequest.DATA.SET_INFORMATION.Oid = OID_GEN_CURRENT_PACKET_FILTER;
    FilterRequest.DATA.SET_INFORMATION.InformationBuffer = &Filter;
    FilterRequest.DATA.SET_INFORMATION.InformationBufferLength = sizeof(Filter);
    NdisRequest(&Status, Binding, &FilterRequest);
    if (Status == NDIS_STATUS_SUCCESS)
        FilterSet = TRUE;
}

static VOID BrokenOpenAdapterComplete(NDIS_HANDLE Context, NDIS_STATUS Status, NDIS_STATUS OpenErrorStatus)
{
    NDIS_HANDLE BindContext = PendingBind;
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(OpenErrorStatus);
    PendingBind = NULL;
    if (Status != NDIS_STATUS_SUCCESS)
        Binding = NULL;
    else
        BrokenSetFilter();
    NdisCompleteBindAdapter(BindContext, Status, NDIS_STATUS_SUCCESS);
}

static VOID BrokenCloseAdapterComplete(NDIS_HANDLE Context, NDIS_STATUS Status)
{
    NDIS_HANDLE UnbindContext = PendingUnbind;
    UNREFERENCED_PARAMETER(Context);
    PendingUnbind = NULL;
    if (UnbindContext != NULL)
        NdisCompleteUnbindAdapter(UnbindContext, Status);
}

static VOID BrokenBindAdapter(PNDIS_STATUS Status, NDIS_HANDLE BindContext, PNDIS_STRING DeviceName,
    PVOID SystemSpecific1, PVOID SystemSpecific2)
{
    NDIS_STATUS OpenError;
    UNREFERENCED_PARAMETER(SystemSpecific1);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    if (Binding != NULL) {
        *Status = NDIS_STATUS_RESOURCES; /* one binding at a time */
        return;
    }
    PendingBind = BindContext;
    NdisOpenAdapter(Status, &OpenError, &Binding, &SelectedMedium, Media, 1, ProtocolHandle, NULL, DeviceName, 0,
        NULL);
    if (*Status != NDIS_STATUS_PENDING) {
        PendingBind = NULL;
        if (*Status != NDIS_STATUS_SUCCESS)
            Binding = NULL;
    }
    if (Binding != NULL)
        LastBinding = Binding;
    if (*Status == NDIS_STATUS_SUCCESS)
        BrokenSetFilter();
}

static VOID BrokenUnbindAdapter(PNDIS_STATUS Status, NDIS_HANDLE Context, NDIS_HANDLE UnbindContext)
{
    NDIS_HANDLE Handle = Binding;
    UNREFERENCED_PARAMETER(Context);
    Binding = NULL;
    PendingUnbind = UnbindContext;
    NdisCloseAdapter(Status, Handle);
    if (*Status != NDIS_STATUS_PENDING)
        PendingUnbind = NULL;
}

static VOID BrokenSendComplete(NDIS_HANDLE Context, PNDIS_PACKET Packet, NDIS_STATUS Status)
{
    PNDIS_BUFFER Buffer;
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Status);
    NdisUnchainBufferAtFront(Packet, &Buffer);
    if (Buffer != NULL)
        NdisFreeBuffer(Buffer);
    NdisFreePacket(Packet);
}

static VOID BrokenTransferDataComplete(NDIS_HANDLE Context, PNDIS_PACKET Packet, NDIS_STATUS Status, UINT Bytes)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Packet);
    UNREFERENCED_PARAMETER(Status);
    UNREFERENCED_PARAMETER(Bytes);
}

static VOID BrokenResetComplete(NDIS_HANDLE Context, NDIS_STATUS Status)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Status);
}

static VOID BrokenRequestComplete(NDIS_HANDLE Context, PNDIS_REQUEST Request, NDIS_STATUS Status)
{
    UNREFERENCED_PARAMETER(Context);
    if (Request == &FilterRequest) {
        FilterSet = Status == NDIS_STATUS_SUCCESS;
        return;
    }
    InterlockedIncrement(&RequestsCompleted);
}

static NDIS_STATUS BrokenReceive(NDIS_HANDLE Context, NDIS_HANDLE MacReceiveContext, PVOID HeaderBuffer,
    UINT HeaderBufferSize, PVOID LookAheadBuffer, UINT LookaheadBufferSize, UINT PacketSize)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(MacReceiveContext);
    UNREFERENCED_PARAMETER(HeaderBuffer);
    UNREFERENCED_PARAMETER(HeaderBufferSize);
    UNREFERENCED_PARAMETER(LookAheadBuffer);
    UNREFERENCED_PARAMETER(LookaheadBufferSize);
    UNREFERENCED_PARAMETER(PacketSize);
    InterlockedIncrement(&Receives);
    return NDIS_STATUS_NOT_ACCEPTED;
}

static VOID BrokenReceiveComplete(NDIS_HANDLE Context)
{
    UNREFERENCED_PARAMETER(Context);
}

static INT BrokenReceivePacket(NDIS_HANDLE Context, PNDIS_PACKET Packet)
{
    UNREFERENCED_PARAMETER(Context);
    InterlockedIncrement(&Receives);
    Kept = Packet;
    return ReceiveMode == BrokenReceiveHold ? 1 : 0;
}

static VOID BrokenStatus(NDIS_HANDLE Context, NDIS_STATUS Status, PVOID Buffer, UINT Size)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Status);
    UNREFERENCED_PARAMETER(Buffer);
    UNREFERENCED_PARAMETER(Size);
}

static VOID BrokenStatusComplete(NDIS_HANDLE Context)
{
    UNREFERENCED_PARAMETER(Context);
}

static NDIS_STATUS BrokenPnPEvent(NDIS_HANDLE Context, PNET_PNP_EVENT Event)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Event);
    return NDIS_STATUS_SUCCESS;
}

static VOID BrokenUnload(PDRIVER_OBJECT DriverObject)
{
    NDIS_STATUS Status;
    UNREFERENCED_PARAMETER(DriverObject);
    if (ProtocolHandle != NULL)
        NdisDeregisterProtocol(&Status, ProtocolHandle);
    ProtocolHandle = NULL;
    NdisFreeBufferPool(BufferPool);
    NdisFreePacketPool(PacketPool);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_STRING Name = NDIS_STRING_CONST("broken_protocol");
    NDIS_PROTOCOL_CHARACTERISTICS Chars;
    NDIS_STATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    NdisAllocatePacketPool(&Status, &PacketPool, BROKEN_PACKETS, PROTOCOL_RESERVED_SIZE_IN_PACKET);
    if (Status != NDIS_STATUS_SUCCESS)
        return STATUS_INSUFFICIENT_RESOURCES;
    NdisAllocateBufferPool(&Status, &BufferPool, BROKEN_PACKETS);
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisFreePacketPool(PacketPool);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.MajorNdisVersion = 5;
    Chars.MinorNdisVersion = 0;
    Chars.Name = Name;
    Chars.OpenAdapterCompleteHandler = BrokenOpenAdapterComplete;
    Chars.CloseAdapterCompleteHandler = BrokenCloseAdapterComplete;
    Chars.SendCompleteHandler = BrokenSendComplete;
    Chars.TransferDataCompleteHandler = BrokenTransferDataComplete;
    Chars.ResetCompleteHandler = BrokenResetComplete;
    Chars.RequestCompleteHandler = BrokenRequestComplete;
    Chars.ReceiveHandler = BrokenReceive;
    Chars.ReceiveCompleteHandler = BrokenReceiveComplete;
    Chars.StatusHandler = BrokenStatus;
    Chars.StatusCompleteHandler = BrokenStatusComplete;
    Chars.ReceivePacketHandler = BrokenReceivePacket;
    Chars.BindAdapterHandler = BrokenBindAdapter;
    Chars.UnbindAdapterHandler = BrokenUnbindAdapter;
    Chars.PnPEventHandler = BrokenPnPEvent;
    NdisRegisterProtocol(&Status, &ProtocolHandle, &Chars, sizeof(Chars));
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisFreeBufferPool(BufferPool);
        NdisFreePacketPool(PacketPool);
        return (NTSTATUS)Status;
    }
    DriverObject->DriverUnload = BrokenUnload;
    return STATUS_SUCCESS;
}

/* A packet of PacketPool with one buffer over Frame, or NULL. */
static PNDIS_PACKET BrokenFramePacket(void)
{
    PNDIS_PACKET Packet;
    PNDIS_BUFFER Buffer;
    NDIS_STATUS Status;
    NdisAllocatePacket(&Status, &Packet, PacketPool);
    if (Status != NDIS_STATUS_SUCCESS)
        return NULL;
    NdisAllocateBuffer(&Status, &Buffer, BufferPool, Frame, sizeof(Frame));
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisFreePacket(Packet);
        return NULL;
    }
    NdisChainBufferAtFront(Packet, Buffer);
    return Packet;
}

static PVOID BrokenQueryWith(PNDIS_REQUEST Request, PNDIS_STATUS Status)
{
    static ULONG Answer[2];
    NdisZeroMemory(Request, sizeof(*Request));
    Request->RequestType = NdisRequestQueryInformation;
    Request->DATA.QUERY_INFORMATION.Oid = OID_GEN_MAXIMUM_FRAME_SIZE;
    Request->DATA.QUERY_INFORMATION.InformationBuffer = &Answer[Request == &Requests[0] ? 0 : 1];
    Request->DATA.QUERY_INFORMATION.InformationBufferLength = sizeof(ULONG);
    NdisRequest(Status, Binding, Request);
    return Binding;
}

NDIS_STATUS BrokenProtocolQuery(void)
{
    NDIS_STATUS Status;
    (void)BrokenQueryWith(&Requests[0], &Status);
    return Status;
}

PVOID BrokenProtocolCommit(BROKEN_PROTOCOL_MISTAKE Mistake)
{
    NDIS_STATUS Status;
    NDIS_HANDLE Pool;
    PNDIS_PACKET Packet;
    PNDIS_BUFFER Buffer;
    UINT Bytes;

    switch (Mistake) {
    case BrokenTransferOutsideReceive:
        Packet = BrokenFramePacket();
        NdisTransferData(&Status, Binding, NULL, 0, sizeof(Frame), Packet, &Bytes);
        BrokenSendComplete(NULL, Packet, Status);
        return Binding;
    case BrokenReinitializeChained:
        Packet = BrokenFramePacket();
        NdisQueryPacket(Packet, NULL, NULL, &Buffer, NULL);
        NdisReinitializePacket(Packet);
        NdisFreeBuffer(Buffer);
        NdisFreePacket(Packet);
        return Packet;
    case BrokenFreePacketTwice:
        NdisAllocatePacket(&Status, &Packet, PacketPool);
        NdisFreePacket(Packet);
        NdisFreePacket(Packet);
        return Packet;
    case BrokenFreePoolInUse:
        NdisAllocatePacketPool(&Status, &Pool, 1, 0);
        NdisAllocatePacket(&Status, &Packet, Pool);
        NdisFreePacketPool(Pool);
        NdisFreePacket(Packet);
        return Pool;
    case BrokenSecondRequest:
        return BrokenQueryWith(&Requests[1], &Status);
    case BrokenSendStaleHandle:
        Packet = BrokenFramePacket();
        NdisSend(&Status, LastBinding, Packet);
        if (Status != NDIS_STATUS_PENDING)
            BrokenSendComplete(NULL, Packet, Status);
        return LastBinding;
    case BrokenSendNullPacket:
        NdisSend(&Status, Binding, NULL);
        return Binding;
    case BrokenReturnKept:
        NdisReturnPackets(&Kept, 1);
        return Kept;
    case BrokenReturnKeptTwice:
        NdisReturnPackets(&Kept, 1);
        NdisReturnPackets(&Kept, 1);
        return Kept;
    case BrokenReturnOwnPacket:
        NdisAllocatePacket(&Status, &Packet, PacketPool);
        NdisReturnPackets(&Packet, 1);
        NdisFreePacket(Packet);
        return Packet;
    default:
        return NULL;
    }
}

VOID BrokenProtocolSetReceiveMode(BROKEN_RECEIVE_MODE Mode)
{
    ReceiveMode = Mode;
}

NDIS_HANDLE BrokenProtocolBindingHandle(void)
{
    return Binding != NULL ? Binding : LastBinding;
}

BOOLEAN BrokenProtocolReady(void)
{
    return FilterSet;
}

ULONG BrokenProtocolReceives(void)
{
    return (ULONG)Receives;
}

ULONG BrokenProtocolRequestsCompleted(void)
{
    return (ULONG)RequestsCompleted;
}
