/* bind.c — the probe's bindings: ProtocolBindAdapter (preallocation, registry, NdisOpenAdapter,
 * the post-open queries and sets), ProtocolOpenAdapterComplete finishing a pended bind with
 * NdisCompleteBindAdapter, ProtocolUnbindAdapter and ProtocolCloseAdapterComplete
 * (seed 003 §2.4, §2.4.1, §2.4.3.1, §2.5, §2.11). */
#include "probe.h"

/* NdisOpenAdapter may complete later: the medium array must outlive the call. */
static NDIS_MEDIUM ProbeMedia[] = { NdisMedium802_3 };

/* One integer parameter of the protocol's per-adapter key. */
typedef struct _PROBE_PARAMETER {
    NDIS_STRING Keyword;
    PCSTR Name;
    SIZE_T Offset; /* into PROBE_CONFIG */
    ULONG Default;
    ULONG Minimum;
    ULONG Maximum;
} PROBE_PARAMETER;

#define PROBE_PARAM(_Name, _Default, _Min, _Max) \
    { NDIS_STRING_CONST(#_Name), #_Name, offsetof(PROBE_CONFIG, _Name), (_Default), (_Min), (_Max) }

static const PROBE_PARAMETER ProbeParameters[] = {
    PROBE_PARAM(PacketFilter, NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_MULTICAST,
        0, MAXULONG),
    PROBE_PARAM(Lookahead, PROBE_PAYLOAD_HEADER, 0, PROBE_MAX_FRAME - PROBE_HEADER_BYTES),
    PROBE_PARAM(SendPoolSize, 256, 1, 4096),
    PROBE_PARAM(TransferPoolSize, 64, 1, 4096),
    PROBE_PARAM(HoldLimit, 1024, 0, 65536),
    PROBE_PARAM(VetoQueryRemove, 0, 0, 1),
};

/* PASSIVE_LEVEL. Defaults, then whatever the protocol's per-adapter key holds (clamped). */
static VOID ProbeReadConfiguration(PNDIS_STRING ProtocolSection, PPROBE_CONFIG Config)
{
    NDIS_STATUS Status;
    NDIS_HANDLE ConfigHandle = NULL;
    UINT i;

    for (i = 0; i < ARRAYSIZE(ProbeParameters); i++)
        *(PULONG)((PUCHAR)Config + ProbeParameters[i].Offset) = ProbeParameters[i].Default;
    if (ProtocolSection == NULL)
        return;

    NdisOpenProtocolConfiguration(&Status, &ConfigHandle, ProtocolSection);
    if (Status != NDIS_STATUS_SUCCESS)
        return;
    for (i = 0; i < ARRAYSIZE(ProbeParameters); i++) {
        const PROBE_PARAMETER *P = &ProbeParameters[i];
        PNDIS_CONFIGURATION_PARAMETER Value;
        ULONG v;

        NdisReadConfiguration(&Status, &Value, ConfigHandle, (PNDIS_STRING)&P->Keyword, NdisParameterInteger);
        if (Status != NDIS_STATUS_SUCCESS ||
            (Value->ParameterType != NdisParameterInteger && Value->ParameterType != NdisParameterHexInteger))
            continue;
        v = Value->ParameterData.IntegerData;
        if (v < P->Minimum || v > P->Maximum) {
            ULONG Clamped = v < P->Minimum ? P->Minimum : P->Maximum;
            DbgPrint("probe: parameter %s=%u out of range %u..%u, using %u\n", P->Name, (unsigned)v,
                (unsigned)P->Minimum, (unsigned)P->Maximum, (unsigned)Clamped);
            v = Clamped;
        }
        *(PULONG)((PUCHAR)Config + P->Offset) = v;
    }
    NdisCloseConfiguration(ConfigHandle);
}

/* Frees every preallocated packet (all are on their free lists, unchained), the pools and the
 * memory; tolerates a partly finished ProbeAllocateResources. */
static VOID ProbeFreeResources(PPROBE_BINDING Binding)
{
    PNDIS_PACKET *Lists[2];
    UINT l;

    Lists[0] = &Binding->FreeSends;
    Lists[1] = &Binding->FreeTransfers;
    for (l = 0; l < ARRAYSIZE(Lists); l++) {
        while (*Lists[l] != NULL) {
            PNDIS_PACKET Packet = *Lists[l];

            *Lists[l] = PROBE_RESERVED(Packet)->Next;
            NdisFreeBuffer(PROBE_RESERVED(Packet)->Buffer);
            NdisFreePacket(Packet);
        }
    }
    if (Binding->BufferPool != NULL)
        NdisFreeBufferPool(Binding->BufferPool);
    if (Binding->TransferPacketPool != NULL)
        NdisFreePacketPool(Binding->TransferPacketPool);
    if (Binding->SendPacketPool != NULL)
        NdisFreePacketPool(Binding->SendPacketPool);
    if (Binding->Held != NULL)
        NdisFreeMemory(Binding->Held, Binding->Config.HoldLimit * sizeof(PNDIS_PACKET), 0);
    if (Binding->FrameMemory != NULL)
        NdisFreeMemory(Binding->FrameMemory, Binding->FrameMemoryBytes, 0);
    Binding->BufferPool = Binding->TransferPacketPool = Binding->SendPacketPool = NULL;
    Binding->Held = NULL;
    Binding->FrameMemory = NULL;
}

/* Allocates one packet with its buffer over Frame + Offset (Length bytes) and pushes it on
 * List. */
static NDIS_STATUS ProbeAllocatePacket(PPROBE_BINDING Binding, NDIS_HANDLE Pool, PUCHAR Frame, UINT Offset,
    UINT Length, PNDIS_PACKET *List)
{
    PPROBE_PACKET_RESERVED Reserved;
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
    Reserved = PROBE_RESERVED(Packet);
    Reserved->Buffer = Buffer;
    Reserved->Frame = Frame;
    Reserved->FlagsSet = 0;
    Reserved->Next = *List;
    *List = Packet;
    return NDIS_STATUS_SUCCESS;
}

/* PASSIVE_LEVEL. Everything the data path will use, allocated before the adapter opens:
 * send packets (frame memory of PROBE_MAX_FRAME bytes each), transfer packets (their buffer
 * maps the frame after the Ethernet header, which ProtocolReceive copies in), the held-packet
 * array. */
static NDIS_STATUS ProbeAllocateResources(PPROBE_BINDING Binding)
{
    const PROBE_CONFIG *Config = &Binding->Config;
    UINT Frames = Config->SendPoolSize + Config->TransferPoolSize;
    NDIS_STATUS Status;
    UINT i;

    Binding->FrameMemoryBytes = Frames * PROBE_FRAME_STRIDE;
    Status = NdisAllocateMemoryWithTag((PVOID *)&Binding->FrameMemory, Binding->FrameMemoryBytes, PROBE_TAG);
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    NdisZeroMemory(Binding->FrameMemory, Binding->FrameMemoryBytes);
    if (Config->HoldLimit != 0) {
        Status = NdisAllocateMemoryWithTag((PVOID *)&Binding->Held, Config->HoldLimit * sizeof(PNDIS_PACKET),
            PROBE_TAG);
        if (Status != NDIS_STATUS_SUCCESS)
            goto Fail;
    }
    NdisAllocatePacketPool(&Status, &Binding->SendPacketPool, Config->SendPoolSize, sizeof(PROBE_PACKET_RESERVED));
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    NdisAllocatePacketPool(&Status, &Binding->TransferPacketPool, Config->TransferPoolSize,
        sizeof(PROBE_PACKET_RESERVED));
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;
    NdisAllocateBufferPool(&Status, &Binding->BufferPool, Frames);
    if (Status != NDIS_STATUS_SUCCESS)
        goto Fail;

    for (i = 0; i < Frames; i++) {
        PUCHAR Frame = Binding->FrameMemory + (SIZE_T)i * PROBE_FRAME_STRIDE;

        if (i < Config->SendPoolSize)
            Status = ProbeAllocatePacket(Binding, Binding->SendPacketPool, Frame, 0, PROBE_MAX_FRAME,
                &Binding->FreeSends);
        else
            Status = ProbeAllocatePacket(Binding, Binding->TransferPacketPool, Frame, PROBE_HEADER_BYTES,
                PROBE_MAX_FRAME - PROBE_HEADER_BYTES, &Binding->FreeTransfers);
        if (Status != NDIS_STATUS_SUCCESS)
            goto Fail;
    }
    return NDIS_STATUS_SUCCESS;

Fail:
    ProbeFreeResources(Binding);
    return NDIS_STATUS_RESOURCES;
}

static VOID ProbeFreeBinding(PPROBE_BINDING Binding)
{
    ProbeFreeResources(Binding);
    NdisFreeSpinLock(&Binding->Lock);
    NdisFreeSpinLock(&Binding->SendLock);
    NdisFreeSpinLock(&Binding->RecvLock);
    NdisFreeMemory(Binding, sizeof(*Binding), 0);
}

/* PASSIVE_LEVEL. A new binding block with its configuration and preallocated resources, or
 * NULL. The device name is kept in ASCII for ProbeFindBinding (names are ASCII; anything else
 * becomes '?'). */
static PPROBE_BINDING ProbeAllocateBinding(PNDIS_STRING DeviceName, PNDIS_STRING ProtocolSection)
{
    PPROBE_BINDING Binding;
    UINT Chars;
    UINT i;

    if (NdisAllocateMemoryWithTag((PVOID *)&Binding, sizeof(*Binding), PROBE_TAG) != NDIS_STATUS_SUCCESS)
        return NULL;
    NdisZeroMemory(Binding, sizeof(*Binding));
    Binding->Id = (ULONG)InterlockedIncrement(&ProbeGlobals.NextBindingId);
    Binding->Outstanding = 1; /* the binding's own reference, dropped by ProtocolUnbindAdapter */

    Chars = DeviceName->Length / sizeof(WCHAR);
    if (Chars > PROBE_NAME_CHARS - 1)
        Chars = PROBE_NAME_CHARS - 1;
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
    NdisInitializeEvent(&Binding->Req.Done);
    NdisInitializeEvent(&Binding->Req.Free);
    NdisInitializeEvent(&Binding->PoolEvent);
    NdisInitializeEvent(&Binding->SendWaitEvent);
    NdisInitializeEvent(&Binding->RecvWaitEvent);
    Binding->ReceiveMode = PROBE_RECEIVE_COPY;

    ProbeReadConfiguration(ProtocolSection, &Binding->Config);
    if (ProbeAllocateResources(Binding) != NDIS_STATUS_SUCCESS) {
        DbgPrint("probe: cannot preallocate for %s\n", Binding->DeviceName);
        ProbeFreeBinding(Binding);
        return NULL;
    }
    return Binding;
}

/* PASSIVE_LEVEL. NdisCloseAdapter, waiting for ProtocolCloseAdapterComplete if it pends. */
static NDIS_STATUS ProbeCloseAdapter(PPROBE_BINDING Binding)
{
    NDIS_STATUS Status;

    NdisResetEvent(&Binding->CloseDone);
    NdisCloseAdapter(&Status, Binding->BindingHandle);
    if (Status == NDIS_STATUS_PENDING) {
        NdisWaitEvent(&Binding->CloseDone, 0);
        Status = Binding->CloseStatus;
    }
    Binding->BindingHandle = NULL;
    return Status;
}

/* PASSIVE_LEVEL, after the open succeeded. Seed §2.4.3.1: learn the adapter's address and
 * frame size, ask for our lookahead and packet filter; then publish the binding. On failure
 * the adapter is closed and the binding freed. */
static NDIS_STATUS ProbeFinishBind(PPROBE_BINDING Binding)
{
    NDIS_STATUS Status;
    ULONG Value;

    Status = ProbeDoRequest(Binding, NdisRequestQueryInformation, OID_802_3_CURRENT_ADDRESS, Binding->MacAddress,
        sizeof(Binding->MacAddress), NULL, NULL);
    if (Status == NDIS_STATUS_SUCCESS)
        Status = ProbeDoRequest(Binding, NdisRequestQueryInformation, OID_GEN_MAXIMUM_FRAME_SIZE,
            &Binding->MaximumFrameSize, sizeof(Binding->MaximumFrameSize), NULL, NULL);
    if (Status == NDIS_STATUS_SUCCESS) {
        Value = Binding->Config.Lookahead;
        Status = ProbeDoRequest(Binding, NdisRequestSetInformation, OID_GEN_CURRENT_LOOKAHEAD, &Value, sizeof(Value),
            NULL, NULL);
    }
    if (Status == NDIS_STATUS_SUCCESS) {
        Value = Binding->Config.PacketFilter;
        Status = ProbeDoRequest(Binding, NdisRequestSetInformation, OID_GEN_CURRENT_PACKET_FILTER, &Value,
            sizeof(Value), NULL, NULL);
    }
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("probe: %s: post-open requests failed %08x; closing\n", Binding->DeviceName, (unsigned)Status);
        ProbeCloseAdapter(Binding);
        ProbeFreeBinding(Binding);
        return Status;
    }

    NdisAcquireSpinLock(&ProbeGlobals.Lock);
    InsertTailList(&ProbeGlobals.Bindings, &Binding->Link);
    Binding->Listed = TRUE;
    NdisReleaseSpinLock(&ProbeGlobals.Lock);
    return NDIS_STATUS_SUCCESS;
}

/* Work item — PASSIVE_LEVEL: the rest of a bind whose open pended. */
static VOID ProbeFinishBindWorker(PNDIS_WORK_ITEM WorkItem, PVOID Context)
{
    PPROBE_BINDING Binding = (PPROBE_BINDING)Context;
    NDIS_HANDLE BindContext = Binding->BindContext;
    NDIS_STATUS Status;

    UNREFERENCED_PARAMETER(WorkItem);
    Status = ProbeFinishBind(Binding); /* frees Binding on failure */
    NdisCompleteBindAdapter(BindContext, Status, NDIS_STATUS_SUCCESS);
}

/* ProtocolBindAdapter (ndis.h) — seed 003 §2.4, §2.4.1 — PASSIVE_LEVEL. Returns
 * NDIS_STATUS_PENDING when NdisOpenAdapter pends; ProtocolOpenAdapterComplete then finishes
 * the bind and calls NdisCompleteBindAdapter(BindContext). */
VOID ProbeBindAdapter(PNDIS_STATUS Status, NDIS_HANDLE BindContext, PNDIS_STRING DeviceName,
    PVOID SystemSpecific1, PVOID SystemSpecific2)
{
    PPROBE_BINDING Binding;
    NDIS_STATUS OpenStatus;

    UNREFERENCED_PARAMETER(SystemSpecific2);
    Binding = ProbeAllocateBinding(DeviceName, (PNDIS_STRING)SystemSpecific1);
    if (Binding == NULL) {
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }
    Binding->BindContext = BindContext;

    /* Seed §2.4: the DeviceName passed on is the very string NDIS gave us. */
    NdisOpenAdapter(&OpenStatus, &Binding->OpenErrorStatus, &Binding->BindingHandle, &Binding->MediumIndex,
        ProbeMedia, ARRAYSIZE(ProbeMedia), ProbeGlobals.ProtocolHandle, (NDIS_HANDLE)Binding, DeviceName, 0, NULL);
    if (OpenStatus == NDIS_STATUS_PENDING) {
        *Status = NDIS_STATUS_PENDING;
        return;
    }
    if (OpenStatus != NDIS_STATUS_SUCCESS) {
        DbgPrint("probe: NdisOpenAdapter(%s) failed %08x (open error %08x)\n", Binding->DeviceName,
            (unsigned)OpenStatus, (unsigned)Binding->OpenErrorStatus);
        ProbeFreeBinding(Binding);
        *Status = OpenStatus;
        return;
    }
    *Status = ProbeFinishBind(Binding);
}

/* ProtocolOpenAdapterComplete (ndis.h) — seed 003 §2.4 — IRQL <= DISPATCH_LEVEL. The pended
 * open finished. The post-open requests wait, so they run at PASSIVE_LEVEL: inline when we are
 * there, otherwise in a work item; either way NdisCompleteBindAdapter ends the bind. */
VOID ProbeOpenAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status, NDIS_STATUS OpenErrorStatus)
{
    PPROBE_BINDING Binding = (PPROBE_BINDING)ProtocolBindingContext;
    NDIS_HANDLE BindContext = Binding->BindContext;

    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("probe: pended open of %s failed %08x (open error %08x)\n", Binding->DeviceName, (unsigned)Status,
            (unsigned)OpenErrorStatus);
        ProbeFreeBinding(Binding);
        NdisCompleteBindAdapter(BindContext, Status, OpenErrorStatus);
        return;
    }
    NdisInitializeWorkItem(&Binding->BindWorkItem, ProbeFinishBindWorker, Binding);
    if (KeGetCurrentIrql() == PASSIVE_LEVEL) {
        ProbeFinishBindWorker(&Binding->BindWorkItem, Binding);
        return;
    }
    Status = NdisScheduleWorkItem(&Binding->BindWorkItem);
    if (Status != NDIS_STATUS_SUCCESS) {
        /* Rare: the bind cannot finish; undo the open without waiting (ProbeCloseAdapterComplete
         * finishes the job if the close pends). */
        NDIS_STATUS CloseStatus;

        DbgPrint("probe: cannot schedule the bind of %s (%08x); closing\n", Binding->DeviceName, (unsigned)Status);
        Binding->Closing = TRUE;
        Binding->CompleteBindOnClose = TRUE;
        NdisCloseAdapter(&CloseStatus, Binding->BindingHandle);
        if (CloseStatus == NDIS_STATUS_PENDING)
            return;
        ProbeFreeBinding(Binding);
        NdisCompleteBindAdapter(BindContext, NDIS_STATUS_RESOURCES, NDIS_STATUS_SUCCESS);
    }
}

/* ProtocolCloseAdapterComplete (ndis.h) — seed 003 §2.11 — IRQL <= DISPATCH_LEVEL. Wakes the
 * closer; for a bind that failed after its open (see above) it finishes that bind. */
VOID ProbeCloseAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status)
{
    PPROBE_BINDING Binding = (PPROBE_BINDING)ProtocolBindingContext;

    Binding->CloseStatus = Status;
    if (Binding->CompleteBindOnClose) {
        NDIS_HANDLE BindContext = Binding->BindContext;

        ProbeFreeBinding(Binding);
        NdisCompleteBindAdapter(BindContext, NDIS_STATUS_RESOURCES, NDIS_STATUS_SUCCESS);
        return;
    }
    NdisSetEvent(&Binding->CloseDone);
}

/* Any IRQL. A reference keeps the binding open (ProtocolUnbindAdapter waits for it). */
BOOLEAN ProbeReference(PPROBE_BINDING Binding)
{
    InterlockedIncrement(&Binding->Outstanding);
    if (Binding->Closing) {
        ProbeDereference(Binding);
        return FALSE;
    }
    return TRUE;
}

/* Any IRQL. The binding holds a reference of its own until ProtocolUnbindAdapter drops it,
 * so the count reaches zero only while closing; the last holder wakes the unbind, and setting
 * the event is the last thing it does with the binding. */
VOID ProbeDereference(PPROBE_BINDING Binding)
{
    if (InterlockedDecrement(&Binding->Outstanding) == 0)
        NdisSetEvent(&Binding->Idle);
}

/* ProtocolUnbindAdapter (ndis.h) — seed 003 §2.11 — PASSIVE_LEVEL. Stops new work, wakes hook
 * callers that wait, gives back held packets, waits for sends, transfers and hook calls to
 * end, closes the adapter (waiting if the close pends) and frees the binding. */
VOID ProbeUnbindAdapter(PNDIS_STATUS Status, NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE UnbindContext)
{
    PPROBE_BINDING Binding = (PPROBE_BINDING)ProtocolBindingContext;
    NDIS_STATUS CloseStatus;

    UNREFERENCED_PARAMETER(UnbindContext);

    NdisAcquireSpinLock(&ProbeGlobals.Lock);
    if (Binding->Listed) {
        RemoveEntryList(&Binding->Link);
        Binding->Listed = FALSE;
    }
    NdisReleaseSpinLock(&ProbeGlobals.Lock);

    NdisResetEvent(&Binding->Idle);
    Binding->Closing = TRUE;
    KeMemoryBarrier();

    NdisSetEvent(&Binding->PoolEvent);
    NdisSetEvent(&Binding->SendWaitEvent);
    NdisSetEvent(&Binding->RecvWaitEvent);
    ProbeReturnHeldPackets(Binding);

    /* Drop our own reference and wait for the last holder (maybe ourselves) to leave. */
    ProbeDereference(Binding);
    NdisWaitEvent(&Binding->Idle, 0);
    ProbeReturnHeldPackets(Binding);

    CloseStatus = ProbeCloseAdapter(Binding);
    if (CloseStatus != NDIS_STATUS_SUCCESS)
        DbgPrint("probe: closing %s returned %08x\n", Binding->DeviceName, (unsigned)CloseStatus);
    ProbeFreeBinding(Binding);
    *Status = NDIS_STATUS_SUCCESS;
}
