/* bind.c — strata_tap's bindings: ProtocolBindAdapter (parameters, preallocation, the TAP,
 * NdisOpenAdapter, the queries that the TAP mirrors and the sets), ProtocolOpenAdapterComplete
 * finishing a pended bind, ProtocolUnbindAdapter and ProtocolCloseAdapterComplete, and the
 * bind-time requests (issue 6 deliverable 2; seed 003 §2.4, §2.4.1, §2.4.3.1, §2.5, §2.11). */
#include "strata_tap.h"

/* NdisOpenAdapter may complete later: the medium array must outlive the call. */
static NDIS_MEDIUM StapMedia[] = { NdisMedium802_3 };

/* ---- parameters ------------------------------------------------------------------------------- */

/* PASSIVE_LEVEL. The service-wide defaults, then what the binding's own key holds. */
static VOID StapReadConfiguration(PNDIS_STRING ProtocolSection, PSTAP_CONFIG Config)
{
    NDIS_STRING TapName = NDIS_STRING_CONST("TapName");
    NDIS_STRING PacketFilter = NDIS_STRING_CONST("PacketFilter");
    NDIS_STRING MaximumFrameSize = NDIS_STRING_CONST("MaximumFrameSize");
    PNDIS_CONFIGURATION_PARAMETER Value;
    NDIS_HANDLE ConfigHandle = NULL;
    NDIS_STATUS Status;

    *Config = StapGlobals.Defaults;
    if (ProtocolSection == NULL)
        return;
    NdisOpenProtocolConfiguration(&Status, &ConfigHandle, ProtocolSection);
    if (Status != NDIS_STATUS_SUCCESS)
        return;
    NdisReadConfiguration(&Status, &Value, ConfigHandle, &TapName, NdisParameterString);
    if (Status == NDIS_STATUS_SUCCESS && Value->ParameterType == NdisParameterString) {
        UINT Chars = Value->ParameterData.StringData.Length / sizeof(WCHAR);
        UINT i;

        if (Chars > STAP_NAME_CHARS - 1)
            Chars = STAP_NAME_CHARS - 1;
        for (i = 0; i < Chars; i++) {
            WCHAR c = Value->ParameterData.StringData.Buffer[i];
            Config->TapName[i] = (c >= 0x20 && c < 0x7F) ? (CHAR)c : '?';
        }
        Config->TapName[Chars] = '\0';
    }
    NdisReadConfiguration(&Status, &Value, ConfigHandle, &PacketFilter, NdisParameterInteger);
    if (Status == NDIS_STATUS_SUCCESS &&
        (Value->ParameterType == NdisParameterInteger || Value->ParameterType == NdisParameterHexInteger))
        Config->PacketFilter = Value->ParameterData.IntegerData;
    NdisReadConfiguration(&Status, &Value, ConfigHandle, &MaximumFrameSize, NdisParameterInteger);
    if (Status == NDIS_STATUS_SUCCESS && Value->ParameterType == NdisParameterInteger &&
        Value->ParameterData.IntegerData >= 576 && Value->ParameterData.IntegerData <= STAP_JUMBO_DATA)
        Config->MaximumFrameSize = Value->ParameterData.IntegerData;
    NdisCloseConfiguration(ConfigHandle);
}

/* ---- resources ---------------------------------------------------------------------------------- */

/* PASSIVE_LEVEL. Frees every preallocated packet (all on their free lists, unchained), the pools
 * and the memory; tolerates a partly finished StapAllocateResources. */
static VOID StapFreeResources(PSTAP_BINDING Binding)
{
    PNDIS_PACKET *Lists[2];
    UINT l;

    Lists[0] = &Binding->FreeSends;
    Lists[1] = &Binding->FreeTransfers;
    for (l = 0; l < ARRAYSIZE(Lists); l++) {
        while (*Lists[l] != NULL) {
            PNDIS_PACKET Packet = *Lists[l];

            *Lists[l] = STAP_RESERVED(Packet)->Next;
            NdisFreeBuffer(STAP_RESERVED(Packet)->Buffer);
            NdisFreePacket(Packet);
        }
    }
    if (Binding->BufferPool != NULL)
        NdisFreeBufferPool(Binding->BufferPool);
    if (Binding->TransferPacketPool != NULL)
        NdisFreePacketPool(Binding->TransferPacketPool);
    if (Binding->SendPacketPool != NULL)
        NdisFreePacketPool(Binding->SendPacketPool);
    if (Binding->FrameMemory != NULL)
        NdisFreeMemory(Binding->FrameMemory, Binding->FrameMemoryBytes, 0);
    StapFreeLargeFrames(Binding);
    StapFreeRuns(Binding);
    Binding->BufferPool = Binding->TransferPacketPool = Binding->SendPacketPool = NULL;
    Binding->FrameMemory = NULL;
}

/* One packet with a buffer over Frame + Offset (Length bytes), pushed on List. */
static NDIS_STATUS StapAllocatePacket(PSTAP_BINDING Binding, NDIS_HANDLE Pool, PUCHAR Frame, UINT Offset,
    UINT Length, PNDIS_PACKET *List)
{
    PNDIS_PACKET Packet;
    PNDIS_BUFFER Buffer;
    NDIS_STATUS Status;

    NdisAllocatePacket(&Status, &Packet, Pool);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    NdisAllocateBuffer(&Status, &Buffer, Binding->BufferPool, Frame + Offset, Length);
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisFreePacket(Packet);
        return Status;
    }
    STAP_RESERVED(Packet)->Buffer = Buffer;
    STAP_RESERVED(Packet)->Frame = Frame;
    STAP_RESERVED(Packet)->Next = *List;
    *List = Packet;
    return NDIS_STATUS_SUCCESS;
}

/* PASSIVE_LEVEL. Everything the data path uses, before the adapter opens: send packets over a
 * whole frame each, with room before it for the vnet header, transfer packets whose buffer maps
 * the frame after its header. */
static NDIS_STATUS StapAllocateResources(PSTAP_BINDING Binding)
{
    const STAP_CONFIG *Config = &Binding->Config;
    UINT Frames = Config->SendPoolSize + Config->TransferPoolSize;
    NDIS_STATUS Status;
    UINT i;

    Binding->FrameStride = (STAP_VNET_ROOM + Config->MaximumFrameSize + STAP_ETH_HEADER + 1 + 63) & ~63u;
    Binding->SendFrameBytes = Binding->FrameStride - STAP_VNET_ROOM - 1;
    Binding->FrameMemoryBytes = Frames * Binding->FrameStride;
    Status = NdisAllocateMemoryWithTag((PVOID *)&Binding->FrameMemory, Binding->FrameMemoryBytes, STAP_TAG);
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    NdisAllocatePacketPool(&Status, &Binding->SendPacketPool, Config->SendPoolSize, sizeof(STAP_PACKET_RESERVED));
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    NdisAllocatePacketPool(&Status, &Binding->TransferPacketPool, Config->TransferPoolSize,
        sizeof(STAP_PACKET_RESERVED));
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    NdisAllocateBufferPool(&Status, &Binding->BufferPool, Frames);
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    for (i = 0; i < Frames; i++) {
        PUCHAR Frame = Binding->FrameMemory + (SIZE_T)i * Binding->FrameStride;

        if (i < Config->SendPoolSize)
            Status = StapAllocatePacket(Binding, Binding->SendPacketPool, Frame + STAP_VNET_ROOM, 0,
                Binding->FrameStride - STAP_VNET_ROOM, &Binding->FreeSends);
        else
            Status = StapAllocatePacket(Binding, Binding->TransferPacketPool, Frame, STAP_ETH_HEADER,
                Binding->FrameStride - STAP_ETH_HEADER, &Binding->FreeTransfers);
        if (Status != NDIS_STATUS_SUCCESS)
            goto Fail;
    }
    if (StapAllocateRuns(Binding) != NDIS_STATUS_SUCCESS)
        goto Fail;
    return NDIS_STATUS_SUCCESS;

Fail:
    StapFreeResources(Binding);
    return NDIS_STATUS_RESOURCES;
}

/* PASSIVE_LEVEL. Frees the block itself. */
static VOID StapFreeBlock(PSTAP_BINDING Binding)
{
    NdisFreeSpinLock(&Binding->Lock);
    NdisFreeSpinLock(&Binding->SendLock);
    NdisFreeSpinLock(&Binding->RecvLock);
    NdisFreeMemory(Binding, sizeof(*Binding), 0);
}

/* PASSIVE_LEVEL. Closes the TAP (the interface disappears) and frees the block. */
static VOID StapFreeBinding(PSTAP_BINDING Binding)
{
    tap_destroy(&Binding->Tap);
    StapFreeResources(Binding);
    StapFreeBlock(Binding);
}

/* The status a bind that could not make its TAP fails with. */
static NDIS_STATUS StapStatusOf(enum tap_result Result)
{
    switch (Result) {
    case TAP_OK: return NDIS_STATUS_SUCCESS;
    case TAP_INVALID_NAME: return NDIS_STATUS_INVALID_DATA;
    case TAP_NAME_EXISTS: return NDIS_STATUS_RESOURCE_CONFLICT;
    case TAP_NO_PERMISSION: return NDIS_STATUS_OPEN_FAILED;
    case TAP_UNSUPPORTED: return NDIS_STATUS_ADAPTER_NOT_FOUND;
    default: return NDIS_STATUS_FAILURE;
    }
}

/* PASSIVE_LEVEL. A binding block with its parameters, resources and TAP; NULL (with *Status and
 * one line in the host log) when any of them cannot be had. */
static PSTAP_BINDING StapAllocateBinding(PNDIS_STRING DeviceName, PNDIS_STRING ProtocolSection, PNDIS_STATUS Status)
{
    CHAR Error[TAP_ERROR_BYTES];
    PSTAP_BINDING Binding;
    enum tap_result Result;
    UINT Chars;
    UINT i;

    if (NdisAllocateMemoryWithTag((PVOID *)&Binding, sizeof(*Binding), STAP_TAG) != NDIS_STATUS_SUCCESS) {
        *Status = NDIS_STATUS_RESOURCES;
        return NULL;
    }
    NdisZeroMemory(Binding, sizeof(*Binding));
    for (i = 0; i < TAP_MAX_QUEUES; i++)
        Binding->Tap.fds[i] = -1;
    Binding->Outstanding = 1; /* the binding's own reference, dropped by ProtocolUnbindAdapter */
    Binding->MediaState = NdisMediaStateConnected;
    Chars = DeviceName->Length / sizeof(WCHAR);
    if (Chars > STAP_DEVICE_CHARS - 1)
        Chars = STAP_DEVICE_CHARS - 1;
    for (i = 0; i < Chars; i++) {
        WCHAR c = DeviceName->Buffer[i];
        Binding->DeviceName[i] = (c > 0 && c < 0x80) ? (CHAR)c : '?';
    }
    Binding->DeviceName[Chars] = '\0';
    NdisAllocateSpinLock(&Binding->Lock);
    NdisAllocateSpinLock(&Binding->SendLock);
    NdisAllocateSpinLock(&Binding->RecvLock);
    NdisInitializeEvent(&Binding->Idle);
    NdisInitializeEvent(&Binding->CloseDone);
    NdisInitializeEvent(&Binding->Retired);
    NdisInitializeEvent(&Binding->RequestDone);
    NdisInitializeWorkItem(&Binding->HangupWork, StapHangupWorker, Binding);

    StapReadConfiguration(ProtocolSection, &Binding->Config);
    if (StapAllocateResources(Binding) != NDIS_STATUS_SUCCESS) {
        StapLog(Binding->DeviceName, "no memory for the binding's packets");
        StapFreeBinding(Binding);
        *Status = NDIS_STATUS_RESOURCES;
        return NULL;
    }
    /* The TAP first: a taken or invalid name fails the bind before the adapter is opened. */
    Result = tap_create(&Binding->Tap, Binding->Config.TapName, 1, 1, Error);
    if (Result != TAP_OK) {
        StapLog(Binding->DeviceName, Error);
        StapFreeBinding(Binding);
        *Status = StapStatusOf(Result);
        return NULL;
    }
    *Status = NDIS_STATUS_SUCCESS;
    return Binding;
}

/* ---- requests ------------------------------------------------------------------------------------ */

NDIS_STATUS StapDoRequest(PSTAP_BINDING Binding, NDIS_REQUEST_TYPE Type, NDIS_OID Oid, PVOID Buffer,
    UINT Length)
{
    PNDIS_REQUEST Request = &Binding->Request;
    NDIS_STATUS Status;

    NdisZeroMemory(Request, sizeof(*Request));
    Request->RequestType = Type;
    if (Type == NdisRequestQueryInformation) {
        Request->DATA.QUERY_INFORMATION.Oid = Oid;
        Request->DATA.QUERY_INFORMATION.InformationBuffer = Buffer;
        Request->DATA.QUERY_INFORMATION.InformationBufferLength = Length;
    } else {
        Request->DATA.SET_INFORMATION.Oid = Oid;
        Request->DATA.SET_INFORMATION.InformationBuffer = Buffer;
        Request->DATA.SET_INFORMATION.InformationBufferLength = Length;
    }
    NdisResetEvent(&Binding->RequestDone);
    NdisRequest(&Status, Binding->BindingHandle, Request);
    if (Status == NDIS_STATUS_PENDING) {
        NdisWaitEvent(&Binding->RequestDone, 0);
        Status = Binding->RequestStatus;
    }
    return Status;
}

/* ProtocolRequestComplete (ndis.h) — seed 003 §2.4.3.1 — IRQL <= DISPATCH_LEVEL. */
VOID StapRequestComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_REQUEST NdisRequest, NDIS_STATUS Status)
{
    PSTAP_BINDING Binding = (PSTAP_BINDING)ProtocolBindingContext;

    UNREFERENCED_PARAMETER(NdisRequest);
    Binding->RequestStatus = Status;
    NdisSetEvent(&Binding->RequestDone);
}

/* ---- bind and unbind ---------------------------------------------------------------------------- */

/* PASSIVE_LEVEL. NdisCloseAdapter, waiting for ProtocolCloseAdapterComplete if it pends. */
static VOID StapCloseAdapter(PSTAP_BINDING Binding)
{
    NDIS_STATUS Status;

    NdisResetEvent(&Binding->CloseDone);
    NdisCloseAdapter(&Status, Binding->BindingHandle);
    if (Status == NDIS_STATUS_PENDING)
        NdisWaitEvent(&Binding->CloseDone, 0);
    Binding->BindingHandle = NULL;
}

/* PASSIVE_LEVEL. The TAP takes the adapter's MAC address and MTU. */
static NDIS_STATUS StapMirrorAdapter(PSTAP_BINDING Binding)
{
    CHAR Error[TAP_ERROR_BYTES];
    INT Failure;

    Failure = tap_set_address(&Binding->Tap, Binding->MacAddress);
    if (Failure != 0) {
        StapLog(Binding->Tap.name, "cannot take the adapter's MAC address");
        return NDIS_STATUS_FAILURE;
    }
    if (tap_set_mtu(&Binding->Tap, Binding->MaximumFrameSize, Error) != 0) {
        StapLog(NULL, Error);
        return NDIS_STATUS_FAILURE;
    }
    return NDIS_STATUS_SUCCESS;
}

/* PASSIVE_LEVEL, after the open succeeded. Seed §2.4.3.1: learn the adapter's address, frame
 * size and media state and mirror them on the TAP; ask for whole frames and our packet filter;
 * watch the TAP; publish the binding. On failure the adapter is closed and everything freed. */
static NDIS_STATUS StapFinishBind(PSTAP_BINDING Binding)
{
    NDIS_MEDIA_STATE Media = NdisMediaStateConnected;
    NDIS_HANDLE IoEvent = NULL;
    NDIS_STATUS Status;
    ULONG Value;

    Status = StapDoRequest(Binding, NdisRequestQueryInformation, OID_802_3_CURRENT_ADDRESS, Binding->MacAddress,
        sizeof(Binding->MacAddress));
    if (Status == NDIS_STATUS_SUCCESS)
        Status = StapDoRequest(Binding, NdisRequestQueryInformation, OID_GEN_MAXIMUM_FRAME_SIZE,
            &Binding->MaximumFrameSize, sizeof(Binding->MaximumFrameSize));
    if (Status == NDIS_STATUS_SUCCESS) {
        if (Binding->MaximumFrameSize > Binding->Config.MaximumFrameSize)
            Binding->MaximumFrameSize = Binding->Config.MaximumFrameSize;
        /* An adapter that does not report its media state is taken as connected. */
        if (StapDoRequest(Binding, NdisRequestQueryInformation, OID_GEN_MEDIA_CONNECT_STATUS, &Media,
                sizeof(Media)) != NDIS_STATUS_SUCCESS)
            Media = NdisMediaStateConnected;
        Status = StapMirrorAdapter(Binding);
    }
    if (Status == NDIS_STATUS_SUCCESS) {
        Value = Binding->MaximumFrameSize;
        Status = StapDoRequest(Binding, NdisRequestSetInformation, OID_GEN_CURRENT_LOOKAHEAD, &Value, sizeof(Value));
    }
    if (Status == NDIS_STATUS_SUCCESS) {
        Value = Binding->Config.PacketFilter;
        Status = StapDoRequest(Binding, NdisRequestSetInformation, OID_GEN_CURRENT_PACKET_FILTER, &Value,
            sizeof(Value));
    }
    if (Status == NDIS_STATUS_SUCCESS)
        Status = StapNegotiateOffload(Binding);
    if (Status == NDIS_STATUS_SUCCESS)
        Status = StrataRegisterIoEvent(&IoEvent, Binding->BindingHandle, Binding->Tap.fds[0], STRATA_IO_READABLE,
            StapTapReady, Binding);
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("strata_tap: %s: post-open setup failed %08x; closing\n", Binding->DeviceName, (unsigned)Status);
        StapCloseAdapter(Binding);
        StapFreeBinding(Binding);
        return Status;
    }
    NdisAcquireSpinLock(&Binding->SendLock);
    Binding->IoEvent = IoEvent;
    NdisReleaseSpinLock(&Binding->SendLock);
    StapStartCarrier(Binding, Media);

    NdisAcquireSpinLock(&StapGlobals.Lock);
    InsertTailList(&StapGlobals.Bindings, &Binding->Link);
    Binding->Listed = TRUE;
    NdisReleaseSpinLock(&StapGlobals.Lock);
    DbgPrint("strata_tap: %s bound as TAP %s, MTU %u\n", Binding->DeviceName, Binding->Tap.name,
        (unsigned)Binding->MaximumFrameSize);
    return NDIS_STATUS_SUCCESS;
}

/* Work item — PASSIVE_LEVEL: the rest of a bind whose open pended. */
static VOID StapFinishBindWorker(PNDIS_WORK_ITEM WorkItem, PVOID Context)
{
    PSTAP_BINDING Binding = (PSTAP_BINDING)Context;
    NDIS_HANDLE BindContext = Binding->BindContext;
    NDIS_STATUS Status;

    UNREFERENCED_PARAMETER(WorkItem);
    Status = StapFinishBind(Binding); /* frees Binding on failure */
    NdisCompleteBindAdapter(BindContext, Status, NDIS_STATUS_SUCCESS);
}

/* ProtocolBindAdapter (ndis.h) — seed 003 §2.4, §2.4.1 — PASSIVE_LEVEL. Returns
 * NDIS_STATUS_PENDING when NdisOpenAdapter pends; ProtocolOpenAdapterComplete then finishes the
 * bind and calls NdisCompleteBindAdapter. */
VOID StapBindAdapter(PNDIS_STATUS Status, NDIS_HANDLE BindContext, PNDIS_STRING DeviceName,
    PVOID SystemSpecific1, PVOID SystemSpecific2)
{
    PSTAP_BINDING Binding;
    NDIS_STATUS OpenStatus;

    UNREFERENCED_PARAMETER(SystemSpecific2);
    Binding = StapAllocateBinding(DeviceName, (PNDIS_STRING)SystemSpecific1, Status);
    if (Binding == NULL)
        return;
    Binding->BindContext = BindContext;
    NdisOpenAdapter(&OpenStatus, &Binding->OpenErrorStatus, &Binding->BindingHandle, &Binding->MediumIndex,
        StapMedia, ARRAYSIZE(StapMedia), StapGlobals.ProtocolHandle, (NDIS_HANDLE)Binding, DeviceName, 0, NULL);
    if (OpenStatus == NDIS_STATUS_PENDING) {
        *Status = NDIS_STATUS_PENDING;
        return;
    }
    if (OpenStatus != NDIS_STATUS_SUCCESS) {
        DbgPrint("strata_tap: NdisOpenAdapter(%s) failed %08x (open error %08x)\n", Binding->DeviceName,
            (unsigned)OpenStatus, (unsigned)Binding->OpenErrorStatus);
        StapFreeBinding(Binding);
        *Status = OpenStatus;
        return;
    }
    *Status = StapFinishBind(Binding);
}

/* ProtocolOpenAdapterComplete (ndis.h) — seed 003 §2.4 — IRQL <= DISPATCH_LEVEL. The pended open
 * finished; the requests that follow wait, so they run at PASSIVE_LEVEL (inline when we are
 * there, else in a work item). NdisCompleteBindAdapter ends the bind either way. */
VOID StapOpenAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status, NDIS_STATUS OpenErrorStatus)
{
    PSTAP_BINDING Binding = (PSTAP_BINDING)ProtocolBindingContext;
    NDIS_HANDLE BindContext = Binding->BindContext;

    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("strata_tap: pended open of %s failed %08x\n", Binding->DeviceName, (unsigned)Status);
        StapFreeBinding(Binding);
        NdisCompleteBindAdapter(BindContext, Status, OpenErrorStatus);
        return;
    }
    NdisInitializeWorkItem(&Binding->BindWorkItem, StapFinishBindWorker, Binding);
    if (KeGetCurrentIrql() == PASSIVE_LEVEL) {
        StapFinishBindWorker(&Binding->BindWorkItem, Binding);
        return;
    }
    if (NdisScheduleWorkItem(&Binding->BindWorkItem) != NDIS_STATUS_SUCCESS) {
        /* The bind cannot finish: undo the open without waiting; when the close pends,
         * ProtocolCloseAdapterComplete ends the bind. */
        NDIS_STATUS CloseStatus;

        StapLog(Binding->DeviceName, "cannot schedule the end of the bind; closing");
        Binding->CompleteBindOnClose = TRUE;
        NdisCloseAdapter(&CloseStatus, Binding->BindingHandle);
        if (CloseStatus != NDIS_STATUS_PENDING) {
            StapFreeBinding(Binding);
            NdisCompleteBindAdapter(BindContext, NDIS_STATUS_RESOURCES, NDIS_STATUS_SUCCESS);
        }
    }
}

/* IRQL <= DISPATCH_LEVEL. A reference for work that must end before the adapter closes; FALSE
 * once the binding is closing. */
BOOLEAN StapReference(PSTAP_BINDING Binding)
{
    BOOLEAN Taken;

    NdisAcquireSpinLock(&Binding->Lock);
    Taken = !Binding->Closing;
    if (Taken)
        InterlockedIncrement(&Binding->Outstanding);
    NdisReleaseSpinLock(&Binding->Lock);
    return Taken;
}

/* IRQL <= DISPATCH_LEVEL. Drops a reference; the last one (while closing) wakes the unbind. */
VOID StapDereference(PSTAP_BINDING Binding)
{
    if (InterlockedDecrement(&Binding->Outstanding) == 0)
        NdisSetEvent(&Binding->Idle);
}

/* PASSIVE_LEVEL. Takes the binding off the list, stops reading the TAP, waits for every send and
 * transfer and closes the adapter. */
static VOID StapShutDown(PSTAP_BINDING Binding)
{
    NdisAcquireSpinLock(&StapGlobals.Lock);
    if (Binding->Listed) {
        RemoveEntryList(&Binding->Link);
        Binding->Listed = FALSE;
    }
    NdisReleaseSpinLock(&StapGlobals.Lock);

    NdisAcquireSpinLock(&Binding->Lock);
    Binding->Closing = TRUE;
    NdisReleaseSpinLock(&Binding->Lock);
    StapUnwatch(Binding);
    StapDereference(Binding);
    NdisWaitEvent(&Binding->Idle, 0);

    StapCloseAdapter(Binding);
    DbgPrint("strata_tap: %s unbound; TAP %s closed (from TAP %lld, to TAP %lld in %lld GSO writes of %lld "
             "frames and single ones, dropped %lld/%lld)\n",
        Binding->DeviceName, Binding->Tap.name, (long long)Binding->FromTap, (long long)Binding->ToTap,
        (long long)Binding->ToTapGsoWrites, (long long)Binding->ToTapGsoFrames, (long long)Binding->FromTapDropped,
        (long long)Binding->ToTapDropped);
}

/* ProtocolUnbindAdapter (ndis.h) — seed 003 §2.11 — PASSIVE_LEVEL. Stops reading the TAP, waits
 * for every send and transfer, closes the adapter and then the TAP (the interface disappears).
 * Completes synchronously. A binding its deleted TAP already closed (NDIS may have picked it just
 * before) is over once that close is. */
VOID StapUnbindAdapter(PNDIS_STATUS Status, NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE UnbindContext)
{
    PSTAP_BINDING Binding = (PSTAP_BINDING)ProtocolBindingContext;

    UNREFERENCED_PARAMETER(UnbindContext);
    if (InterlockedCompareExchange(&Binding->CloseClaimed, 1, 0) != 0) {
        NdisWaitEvent(&Binding->Retired, 0);
        *Status = NDIS_STATUS_SUCCESS;
        return;
    }
    StapShutDown(Binding);
    StapFreeBinding(Binding);
    *Status = NDIS_STATUS_SUCCESS;
}

/* The TAP was the binding's only use: close it the way ProtocolUnbindAdapter does (seed 003
 * §2.11: a driver may start the unbind itself). The block is kept until unload, since NDIS may be
 * about to call ProtocolUnbindAdapter with it; `strata device rescan` binds again. */
VOID StapCloseForDeletedTap(PSTAP_BINDING Binding)
{
    if (InterlockedCompareExchange(&Binding->CloseClaimed, 1, 0) != 0) {
        StapDereference(Binding); /* ProtocolUnbindAdapter is closing it */
        return;
    }
    StapDereference(Binding);
    StapShutDown(Binding);
    tap_destroy(&Binding->Tap);
    StapFreeResources(Binding);
    NdisAcquireSpinLock(&StapGlobals.Lock);
    InsertTailList(&StapGlobals.Retired, &Binding->Link);
    NdisReleaseSpinLock(&StapGlobals.Lock);
    NdisSetEvent(&Binding->Retired);
}

VOID StapFreeRetired(VOID)
{
    while (!IsListEmpty(&StapGlobals.Retired))
        StapFreeBlock(CONTAINING_RECORD(RemoveHeadList(&StapGlobals.Retired), STAP_BINDING, Link));
}

/* ProtocolCloseAdapterComplete (ndis.h) — seed 003 §2.11 — IRQL <= DISPATCH_LEVEL. Wakes the
 * unbind, or ends a pended bind that could not finish. */
VOID StapCloseAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status)
{
    PSTAP_BINDING Binding = (PSTAP_BINDING)ProtocolBindingContext;
    NDIS_HANDLE BindContext = Binding->BindContext;

    if (Binding->CompleteBindOnClose) {
        StapFreeBinding(Binding);
        NdisCompleteBindAdapter(BindContext, NDIS_STATUS_RESOURCES, NDIS_STATUS_SUCCESS);
        return;
    }
    Binding->CloseStatus = Status;
    NdisSetEvent(&Binding->CloseDone);
}
