/* xconnect.c — a two-port cross-connect protocol (NetTrans; issue 6, the wire benchmark): it
 * binds to the first two Ethernet adapters it is offered, puts both in promiscuous mode and
 * sends every frame received on one out of the other, like a patch cable between two NICs.
 * Forwarding borrows the received packet's buffer chain in a descriptor of our own (the DDK
 * passthru technique), so a frame is never copied unless its miniport indicated it with
 * NDIS_STATUS_RESOURCES (seed 003 §2.5, §2.7.1, §2.8). Frames going out of a port are gathered
 * per processor and sent as one array by a DPC that runs once the current receive run is over, so
 * the miniport below sees batches (one doorbell per array) rather than single packets. The two
 * ports live as long as the driver, so a receive finds its peer without a lock: a reference
 * taken on a port that is not open is given straight back. */
#include <ndis.h>

#define XC_TAG 'cxtS'
#define XC_PORTS 2
#define XC_POOL 1024     /* descriptors per port: forwarded frames in flight */
#define XC_COPIES 64     /* per port: frames indicated with NDIS_STATUS_RESOURCES, copied */
#define XC_MAX_FRAME 1514
#define XC_BATCH 64      /* packets one NdisSendPackets carries */
#define XC_CPUS 64       /* processors with a send queue of their own */

/* Frames waiting to go out of a port, gathered on one processor. */
typedef struct _XC_QUEUE {
    NDIS_SPIN_LOCK Lock;
    KDPC Dpc;
    UINT Count;
    PNDIS_PACKET Packets[XC_BATCH];
} XC_QUEUE, *PXC_QUEUE;

typedef struct _XC_PORT {
    NDIS_HANDLE BindingHandle;
    NDIS_HANDLE PacketPool;
    NDIS_HANDLE BufferPool;
    PUCHAR CopyMemory;
    NDIS_SPIN_LOCK CopyLock;
    PNDIS_PACKET FreeCopies;
    NDIS_EVENT Done;          /* open, close or request completed */
    NDIS_STATUS DoneStatus;
    NDIS_EVENT Idle;          /* Outstanding reached zero */
    LONG Outstanding;         /* one for being open, one per forward in flight */
    volatile LONG Open;       /* bound, with its pools: references may be taken */
    LONG Claimed;             /* a bind owns the port (open or on its way) */
    UINT MediumIndex;
    LONG64 Forwarded, Dropped;
    XC_QUEUE Queues[XC_CPUS];
} XC_PORT, *PXC_PORT;

/* ProtocolReserved of our descriptors. */
typedef struct _XC_RESERVED {
    PNDIS_PACKET Original; /* the borrowed received packet, or NULL for a copy */
    PXC_PORT From;         /* the port it was received on (it goes back there) */
    PNDIS_PACKET NextFree; /* copies: the free list */
} XC_RESERVED, *PXC_RESERVED;
#define XC_RSVD(_P) ((PXC_RESERVED)(_P)->ProtocolReserved)

static struct {
    NDIS_HANDLE ProtocolHandle;
    XC_PORT Ports[XC_PORTS];
} Xc;

static NDIS_MEDIUM XcMedia[] = { NdisMedium802_3 };
static NDIS_STRING XcName = NDIS_STRING_CONST("xconnect");

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);

/* Any IRQL. A reference keeps a port open for a forward in flight. */
static BOOLEAN XcReference(PXC_PORT Port)
{
    InterlockedIncrement(&Port->Outstanding);
    if (!Port->Open) {
        if (InterlockedDecrement(&Port->Outstanding) == 0)
            NdisSetEvent(&Port->Idle);
        return FALSE;
    }
    return TRUE;
}

static VOID XcDereference(PXC_PORT Port)
{
    if (InterlockedDecrement(&Port->Outstanding) == 0)
        NdisSetEvent(&Port->Idle);
}

/* DISPATCH_LEVEL or below. The port frames from `From` go out of, referenced; or NULL. */
static PXC_PORT XcPeerOf(PXC_PORT From)
{
    PXC_PORT Peer = From == &Xc.Ports[0] ? &Xc.Ports[1] : &Xc.Ports[0];

    return XcReference(Peer) ? Peer : NULL;
}

/* Takes what the queue holds (into Batch) and sends it on Port. */
static VOID XcFlush(PXC_PORT Port, PXC_QUEUE Queue)
{
    PNDIS_PACKET Batch[XC_BATCH];
    UINT Count;

    NdisAcquireSpinLock(&Queue->Lock);
    Count = Queue->Count;
    NdisMoveMemory(Batch, Queue->Packets, Count * sizeof(PNDIS_PACKET));
    Queue->Count = 0;
    NdisReleaseSpinLock(&Queue->Lock);
    if (Count != 0)
        NdisSendPackets(Port->BindingHandle, Batch, Count);
}

/* DPC — DISPATCH_LEVEL, after the receive run that queued the frames. */
static VOID XcFlushDpc(PKDPC Dpc, PVOID Context, PVOID Port, PVOID Unused)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Unused);
    XcFlush((PXC_PORT)Port, (PXC_QUEUE)Context);
}

/* Queues Packet (already ours, holding a reference on Peer) to go out of Peer; the completion
 * returns everything. A full queue goes at once; otherwise the first frame queues the DPC. */
static VOID XcSend(PXC_PORT Peer, PNDIS_PACKET Packet)
{
    PXC_QUEUE Queue = &Peer->Queues[KeGetCurrentProcessorNumber() % XC_CPUS];
    UINT Count;

    NdisAcquireSpinLock(&Queue->Lock);
    Queue->Packets[Queue->Count++] = Packet;
    Count = Queue->Count;
    NdisReleaseSpinLock(&Queue->Lock);
    if (Count == XC_BATCH)
        XcFlush(Peer, Queue);
    else if (Count == 1)
        KeInsertQueueDpc(&Queue->Dpc, Peer, NULL);
}

/* A copy of a frame indicated with NDIS_STATUS_RESOURCES (or as lookahead) from Peer's spares. */
static PNDIS_PACKET XcTakeCopy(PXC_PORT Peer)
{
    PNDIS_PACKET Copy;

    NdisAcquireSpinLock(&Peer->CopyLock);
    Copy = Peer->FreeCopies;
    if (Copy != NULL)
        Peer->FreeCopies = XC_RSVD(Copy)->NextFree;
    NdisReleaseSpinLock(&Peer->CopyLock);
    return Copy;
}

static VOID XcGiveBackCopy(PXC_PORT Peer, PNDIS_PACKET Copy)
{
    NdisAcquireSpinLock(&Peer->CopyLock);
    XC_RSVD(Copy)->NextFree = Peer->FreeCopies;
    Peer->FreeCopies = Copy;
    NdisReleaseSpinLock(&Peer->CopyLock);
}

/* Sets the copy's one buffer to Length bytes. */
static VOID XcSetCopyLength(PNDIS_PACKET Copy, UINT Length)
{
    PNDIS_BUFFER Buffer;

    NdisQueryPacket(Copy, NULL, NULL, &Buffer, NULL);
    NdisAdjustBufferLength(Buffer, Length);
    NdisRecalculatePacketCounts(Copy);
}

/* ProtocolReceivePacket (ndis.h) — seed 003 §2.7.1 — DISPATCH_LEVEL. Returns 1 when the
 * packet was borrowed (ProtocolSendComplete returns it), 0 when it was copied or dropped. */
static INT XcReceivePacket(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet)
{
    PXC_PORT From = (PXC_PORT)ProtocolBindingContext;
    PXC_PORT Peer = XcPeerOf(From);
    PNDIS_PACKET Out;
    NDIS_STATUS Status;
    UINT Copied, Length;

    if (Peer == NULL)
        goto Drop;
    if (NDIS_GET_PACKET_STATUS(Packet) == NDIS_STATUS_RESOURCES) {
        NdisQueryPacket(Packet, NULL, NULL, NULL, &Length);
        Out = Length <= XC_MAX_FRAME ? XcTakeCopy(Peer) : NULL;
        if (Out == NULL)
            goto DropPeer;
        XcSetCopyLength(Out, Length);
        NdisCopyFromPacketToPacket(Out, 0, Length, Packet, 0, &Copied);
        XcSend(Peer, Out);
        return 0;
    }
    NdisDprAllocatePacket(&Status, &Out, Peer->PacketPool);
    if (Status != NDIS_STATUS_SUCCESS)
        goto DropPeer;
    if (!XcReference(From)) {
        NdisDprFreePacket(Out);
        goto DropPeer;
    }
    NDIS_PACKET_FIRST_NDIS_BUFFER(Out) = NDIS_PACKET_FIRST_NDIS_BUFFER(Packet);
    NDIS_PACKET_LAST_NDIS_BUFFER(Out) = NDIS_PACKET_LAST_NDIS_BUFFER(Packet);
    NDIS_PACKET_VALID_COUNTS(Out) = FALSE;
    XC_RSVD(Out)->Original = Packet;
    XC_RSVD(Out)->From = From;
    XcSend(Peer, Out);
    return 1;

DropPeer:
    XcDereference(Peer);
Drop:
    InterlockedIncrement64(&From->Dropped);
    return 0;
}

/* ProtocolReceive (ndis.h) — seed 003 §2.7.1.2 — DISPATCH_LEVEL. A lookahead indication is
 * forwarded when it holds the whole frame; a partial one is dropped (our miniports below
 * indicate packets). */
static NDIS_STATUS XcReceive(NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE MacReceiveContext, PVOID HeaderBuffer,
    UINT HeaderBufferSize, PVOID LookAheadBuffer, UINT LookaheadBufferSize, UINT PacketSize)
{
    PXC_PORT From = (PXC_PORT)ProtocolBindingContext;
    PXC_PORT Peer;
    PNDIS_PACKET Out;
    PNDIS_BUFFER Buffer;
    PUCHAR Frame;
    UINT Length = HeaderBufferSize + PacketSize;

    UNREFERENCED_PARAMETER(MacReceiveContext);
    if (LookaheadBufferSize < PacketSize || Length > XC_MAX_FRAME) {
        InterlockedIncrement64(&From->Dropped);
        return NDIS_STATUS_NOT_ACCEPTED;
    }
    Peer = XcPeerOf(From);
    Out = Peer != NULL ? XcTakeCopy(Peer) : NULL;
    if (Out == NULL) {
        if (Peer != NULL)
            XcDereference(Peer);
        InterlockedIncrement64(&From->Dropped);
        return NDIS_STATUS_NOT_ACCEPTED;
    }
    NdisQueryPacket(Out, NULL, NULL, &Buffer, NULL);
    NdisQueryBufferSafe(Buffer, (PVOID *)&Frame, NULL, NormalPagePriority);
    NdisMoveMemory(Frame, HeaderBuffer, HeaderBufferSize);
    NdisMoveMemory(Frame + HeaderBufferSize, LookAheadBuffer, PacketSize);
    XcSetCopyLength(Out, Length);
    XcSend(Peer, Out);
    return NDIS_STATUS_SUCCESS;
}

/* ProtocolSendComplete (ndis.h) — seed 003 §2.8 — DISPATCH_LEVEL. The borrowed packet goes back
 * to the miniport it came from; a copy goes back on its free list. */
static VOID XcSendComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status)
{
    PXC_PORT Peer = (PXC_PORT)ProtocolBindingContext;
    PNDIS_PACKET Original = XC_RSVD(Packet)->Original;
    PXC_PORT From = XC_RSVD(Packet)->From;

    if (Status == NDIS_STATUS_SUCCESS)
        InterlockedIncrement64(&Peer->Forwarded);
    else
        InterlockedIncrement64(&Peer->Dropped);
    if (Original == NULL) {
        XcGiveBackCopy(Peer, Packet);
    } else {
        NDIS_PACKET_FIRST_NDIS_BUFFER(Packet) = NULL;
        NDIS_PACKET_LAST_NDIS_BUFFER(Packet) = NULL;
        NdisDprFreePacket(Packet);
        NdisReturnPackets(&Original, 1);
        XcDereference(From);
    }
    XcDereference(Peer);
}

/* PASSIVE_LEVEL, the port closed and idle. Frees its pools and copies. */
static VOID XcFreeResources(PXC_PORT Port)
{
    while (Port->FreeCopies != NULL) {
        PNDIS_PACKET Copy = Port->FreeCopies;
        PNDIS_BUFFER Buffer;

        Port->FreeCopies = XC_RSVD(Copy)->NextFree;
        NdisUnchainBufferAtFront(Copy, &Buffer);
        NdisFreeBuffer(Buffer);
        NdisFreePacket(Copy);
    }
    if (Port->CopyMemory != NULL)
        NdisFreeMemory(Port->CopyMemory, XC_COPIES * XC_MAX_FRAME, 0);
    if (Port->BufferPool != NULL)
        NdisFreeBufferPool(Port->BufferPool);
    if (Port->PacketPool != NULL)
        NdisFreePacketPool(Port->PacketPool);
    Port->CopyMemory = NULL;
    Port->BufferPool = NULL;
    Port->PacketPool = NULL;
}

/* PASSIVE_LEVEL (DriverEntry). What a port keeps for the driver's life. */
static VOID XcInitializePort(PXC_PORT Port)
{
    UINT i;

    NdisZeroMemory(Port, sizeof(*Port));
    NdisAllocateSpinLock(&Port->CopyLock);
    NdisInitializeEvent(&Port->Done);
    NdisInitializeEvent(&Port->Idle);
    for (i = 0; i < XC_CPUS; i++) {
        NdisAllocateSpinLock(&Port->Queues[i].Lock);
        KeInitializeDpc(&Port->Queues[i].Dpc, XcFlushDpc, &Port->Queues[i]);
        KeSetTargetProcessorDpc(&Port->Queues[i].Dpc, (CCHAR)(i % (UINT)NdisSystemProcessorCount()));
    }
}

/* PASSIVE_LEVEL (unload). */
static VOID XcDeletePort(PXC_PORT Port)
{
    UINT i;

    NdisFreeSpinLock(&Port->CopyLock);
    for (i = 0; i < XC_CPUS; i++)
        NdisFreeSpinLock(&Port->Queues[i].Lock);
}

/* PASSIVE_LEVEL, the port claimed and not open. Descriptors for borrowed frames and spare copies,
 * before the open; FALSE (and nothing kept) when they cannot be had. */
static BOOLEAN XcAllocateResources(PXC_PORT Port)
{
    NDIS_STATUS Status;
    UINT i;

    Port->Forwarded = 0;
    Port->Dropped = 0;
    NdisAllocatePacketPool(&Status, &Port->PacketPool, XC_POOL + XC_COPIES, sizeof(XC_RESERVED));
    if (Status == NDIS_STATUS_SUCCESS)
        NdisAllocateBufferPool(&Status, &Port->BufferPool, XC_COPIES);
    if (Status == NDIS_STATUS_SUCCESS)
        Status = NdisAllocateMemoryWithTag((PVOID *)&Port->CopyMemory, XC_COPIES * XC_MAX_FRAME, XC_TAG);
    for (i = 0; Status == NDIS_STATUS_SUCCESS && i < XC_COPIES; i++) {
        PNDIS_PACKET Copy;
        PNDIS_BUFFER Buffer;

        NdisAllocatePacket(&Status, &Copy, Port->PacketPool);
        if (Status != NDIS_STATUS_SUCCESS)
            break;
        NdisAllocateBuffer(&Status, &Buffer, Port->BufferPool, Port->CopyMemory + i * XC_MAX_FRAME, XC_MAX_FRAME);
        if (Status != NDIS_STATUS_SUCCESS) {
            NdisFreePacket(Copy);
            break;
        }
        NdisChainBufferAtFront(Copy, Buffer);
        XC_RSVD(Copy)->Original = NULL; /* for good: a copy never borrows */
        XC_RSVD(Copy)->From = Port;
        XC_RSVD(Copy)->NextFree = Port->FreeCopies;
        Port->FreeCopies = Copy;
    }
    if (Status != NDIS_STATUS_SUCCESS) {
        XcFreeResources(Port);
        return FALSE;
    }
    return TRUE;
}

/* PASSIVE_LEVEL. One request on the port, waiting for it if it pends. */
static NDIS_STATUS XcSetFilter(PXC_PORT Port, ULONG Filter)
{
    NDIS_REQUEST Request;
    NDIS_STATUS Status;

    NdisZeroMemory(&Request, sizeof(Request));
    Request.RequestType = NdisRequestSetInformation;
    Request.DATA.SET_INFORMATION.Oid = OID_GEN_CURRENT_PACKET_FILTER;
    Request.DATA.SET_INFORMATION.InformationBuffer = &Filter;
    Request.DATA.SET_INFORMATION.InformationBufferLength = sizeof(Filter);
    NdisResetEvent(&Port->Done);
    NdisRequest(&Status, Port->BindingHandle, &Request);
    if (Status == NDIS_STATUS_PENDING) {
        NdisWaitEvent(&Port->Done, 0);
        Status = Port->DoneStatus;
    }
    return Status;
}

static VOID XcRequestComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_REQUEST Request, NDIS_STATUS Status)
{
    PXC_PORT Port = (PXC_PORT)ProtocolBindingContext;

    UNREFERENCED_PARAMETER(Request);
    Port->DoneStatus = Status;
    NdisSetEvent(&Port->Done);
}

static VOID XcOpenAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status, NDIS_STATUS OpenErrorStatus)
{
    PXC_PORT Port = (PXC_PORT)ProtocolBindingContext;

    UNREFERENCED_PARAMETER(OpenErrorStatus);
    Port->DoneStatus = Status;
    NdisSetEvent(&Port->Done);
}

static VOID XcCloseAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status)
{
    XcOpenAdapterComplete(ProtocolBindingContext, Status, NDIS_STATUS_SUCCESS);
}

/* A port no bind owns, now owned by the caller; NULL when both are taken. */
static PXC_PORT XcClaimPort(VOID)
{
    UINT i;

    for (i = 0; i < XC_PORTS; i++)
        if (InterlockedCompareExchange(&Xc.Ports[i].Claimed, TRUE, FALSE) == FALSE)
            return &Xc.Ports[i];
    return NULL;
}

/* PASSIVE_LEVEL. Closes an open port: no new forwards through it, the ones in flight (either
 * way) finish, then the binding closes and the port is free for the next bind. */
static NDIS_STATUS XcClosePort(PXC_PORT Port)
{
    NDIS_STATUS Status;

    NdisResetEvent(&Port->Idle);
    InterlockedExchange(&Port->Open, FALSE);
    XcDereference(Port);
    NdisWaitEvent(&Port->Idle, 0);
    /* A flush that found its queue already sent by a full batch may still be queued. */
    KeFlushQueuedDpcs();
    DbgPrint("xconnect: port closing, %lld forwarded out of it, %lld dropped\n", (long long)Port->Forwarded,
        (long long)Port->Dropped);
    NdisResetEvent(&Port->Done);
    NdisCloseAdapter(&Status, Port->BindingHandle);
    if (Status == NDIS_STATUS_PENDING) {
        NdisWaitEvent(&Port->Done, 0);
        Status = Port->DoneStatus;
    }
    XcFreeResources(Port);
    InterlockedExchange(&Port->Claimed, FALSE);
    return Status;
}

/* ProtocolBindAdapter (ndis.h) — seed 003 §2.4 — PASSIVE_LEVEL. Completes synchronously. */
static VOID XcBindAdapter(PNDIS_STATUS Status, NDIS_HANDLE BindContext, PNDIS_STRING DeviceName,
    PVOID SystemSpecific1, PVOID SystemSpecific2)
{
    PXC_PORT Port;
    NDIS_STATUS OpenError;

    UNREFERENCED_PARAMETER(BindContext);
    UNREFERENCED_PARAMETER(SystemSpecific1);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    Port = XcClaimPort();
    if (Port == NULL) {
        DbgPrint("xconnect: already cross-connecting two adapters; not binding %wZ\n", DeviceName);
        *Status = NDIS_STATUS_NOT_ACCEPTED;
        return;
    }
    if (!XcAllocateResources(Port)) {
        InterlockedExchange(&Port->Claimed, FALSE);
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }
    NdisResetEvent(&Port->Done);
    NdisOpenAdapter(Status, &OpenError, &Port->BindingHandle, &Port->MediumIndex, XcMedia, ARRAYSIZE(XcMedia),
        Xc.ProtocolHandle, Port, DeviceName, 0, NULL);
    if (*Status == NDIS_STATUS_PENDING) {
        NdisWaitEvent(&Port->Done, 0);
        *Status = Port->DoneStatus;
    }
    if (*Status != NDIS_STATUS_SUCCESS) {
        XcFreeResources(Port);
        InterlockedExchange(&Port->Claimed, FALSE);
        return;
    }
    /* A receive on the other port may be holding a reference it is about to give back: count ours
     * on top rather than overwrite. */
    InterlockedIncrement(&Port->Outstanding);
    InterlockedExchange(&Port->Open, TRUE);
    *Status = XcSetFilter(Port, NDIS_PACKET_TYPE_PROMISCUOUS | NDIS_PACKET_TYPE_DIRECTED |
        NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_ALL_MULTICAST);
    if (*Status == NDIS_STATUS_SUCCESS)
        return;
    DbgPrint("xconnect: %wZ refused the promiscuous filter (%08x)\n", DeviceName, (unsigned)*Status);
    XcClosePort(Port);
}

/* ProtocolUnbindAdapter (ndis.h) — seed 003 §2.11 — PASSIVE_LEVEL. Waits for forwards in flight
 * through this port (either way) before closing it. */
static VOID XcUnbindAdapter(PNDIS_STATUS Status, NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE UnbindContext)
{
    UNREFERENCED_PARAMETER(UnbindContext);
    *Status = XcClosePort((PXC_PORT)ProtocolBindingContext);
}

static VOID XcReceiveComplete(NDIS_HANDLE ProtocolBindingContext) { UNREFERENCED_PARAMETER(ProtocolBindingContext); }

static VOID XcTransferDataComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status,
    UINT BytesTransferred)
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    UNREFERENCED_PARAMETER(Packet);
    UNREFERENCED_PARAMETER(Status);
    UNREFERENCED_PARAMETER(BytesTransferred);
}

static VOID XcResetComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status)
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    UNREFERENCED_PARAMETER(Status);
}

static VOID XcStatus(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS GeneralStatus, PVOID StatusBuffer,
    UINT StatusBufferSize)
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    UNREFERENCED_PARAMETER(GeneralStatus);
    UNREFERENCED_PARAMETER(StatusBuffer);
    UNREFERENCED_PARAMETER(StatusBufferSize);
}

static VOID XcStatusComplete(NDIS_HANDLE ProtocolBindingContext) { UNREFERENCED_PARAMETER(ProtocolBindingContext); }

static NDIS_STATUS XcPnPEvent(NDIS_HANDLE ProtocolBindingContext, PNET_PNP_EVENT NetPnPEvent)
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    UNREFERENCED_PARAMETER(NetPnPEvent);
    return NDIS_STATUS_SUCCESS;
}

static VOID XcUnload(VOID)
{
    NDIS_STATUS Status;
    UINT i;

    NdisDeregisterProtocol(&Status, Xc.ProtocolHandle);
    for (i = 0; i < XC_PORTS; i++)
        XcDeletePort(&Xc.Ports[i]);
}

#pragma NDIS_INIT_FUNCTION(DriverEntry)

/* DriverEntry — seed 003 §2.3 — PASSIVE_LEVEL. */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_PROTOCOL_CHARACTERISTICS Chars;
    NDIS_STATUS Status;
    UINT i;

    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    for (i = 0; i < XC_PORTS; i++)
        XcInitializePort(&Xc.Ports[i]);
    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.MajorNdisVersion = 5;
    Chars.MinorNdisVersion = 0;
    Chars.Name = XcName;
    Chars.OpenAdapterCompleteHandler = XcOpenAdapterComplete;
    Chars.CloseAdapterCompleteHandler = XcCloseAdapterComplete;
    Chars.SendCompleteHandler = XcSendComplete;
    Chars.TransferDataCompleteHandler = XcTransferDataComplete;
    Chars.ResetCompleteHandler = XcResetComplete;
    Chars.RequestCompleteHandler = XcRequestComplete;
    Chars.ReceiveHandler = XcReceive;
    Chars.ReceiveCompleteHandler = XcReceiveComplete;
    Chars.StatusHandler = XcStatus;
    Chars.StatusCompleteHandler = XcStatusComplete;
    Chars.ReceivePacketHandler = XcReceivePacket;
    Chars.BindAdapterHandler = XcBindAdapter;
    Chars.UnbindAdapterHandler = XcUnbindAdapter;
    Chars.PnPEventHandler = XcPnPEvent;
    Chars.UnloadHandler = XcUnload;
    NdisRegisterProtocol(&Status, &Xc.ProtocolHandle, &Chars, sizeof(Chars));
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("xconnect: NdisRegisterProtocol failed %08x\n", (unsigned)Status);
        for (i = 0; i < XC_PORTS; i++)
            XcDeletePort(&Xc.Ports[i]);
        return STATUS_UNSUCCESSFUL;
    }
    return STATUS_SUCCESS;
}
