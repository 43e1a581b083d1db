/* protocol.c — the passthru's lower edge as a protocol: ProtocolBindAdapter (registry, packet
 * pools, NdisOpenAdapter, the adapter's properties, NdisIMInitializeDeviceInstanceEx),
 * ProtocolUnbindAdapter (cancel or wait for the virtual miniport's initialisation,
 * NdisIMDeInitializeDeviceInstance, NdisCloseAdapter), their completion handlers and
 * ProtocolPnPEvent (seed 003 §2.4, §2.4.1, §2.4.2, §2.5, §2.9.2, §2.9.3, §2.11). */
#include "passthru.h"

/* NdisOpenAdapter may complete later: the medium array outlives the call. The lookahead path
 * indicates with NdisMEthIndicateReceive, so the passthru binds 802.3 adapters. */
static NDIS_MEDIUM PtMedia[] = { NdisMedium802_3 };

static NDIS_STRING PtUpperBindingsKeyword = NDIS_STRING_CONST("UpperBindings");
static NDIS_STRING PtPacketStackingKeyword = NDIS_STRING_CONST("PacketStacking");
static NDIS_STRING PtTaskOffloadKeyword = NDIS_STRING_CONST("TaskOffload");

/* Any IRQL. A device name as NUL-terminated ASCII for the counter hook ('?' for the rest). */
static VOID PtCopyAsciiName(CHAR *Destination, PNDIS_STRING Source)
{
    UINT Chars = Source->Length / sizeof(WCHAR);
    UINT i;

    if (Chars > PASSTHRU_NAME_CHARS - 1)
        Chars = PASSTHRU_NAME_CHARS - 1;
    for (i = 0; i < Chars; i++) {
        WCHAR c = Source->Buffer[i];
        Destination[i] = (c > 0 && c < 0x80) ? (CHAR)c : '?';
    }
    Destination[Chars] = '\0';
}

/* PASSIVE_LEVEL. Reads UpperBindings (required), PacketStacking and TaskOffload from the protocol's
 * per-adapter key (seed §2.4: SystemSpecific1 names it) and keeps a copy of UpperBindings,
 * which NdisIMInitializeDeviceInstanceEx and NdisIMCancelInitializeDeviceInstance name. */
static NDIS_STATUS PtReadConfiguration(PPT_ADAPTER Adapter, PNDIS_STRING ProtocolSection)
{
    PNDIS_CONFIGURATION_PARAMETER Value;
    NDIS_HANDLE Config = NULL;
    NDIS_STATUS Status;
    PWSTR Copy;
    USHORT Length;

    if (ProtocolSection == NULL) {
        DbgPrint("passthru: %s: no protocol configuration key\n", Adapter->LowerName);
        return NDIS_STATUS_OPEN_FAILED;
    }
    NdisOpenProtocolConfiguration(&Status, &Config, ProtocolSection);
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("passthru: %s: NdisOpenProtocolConfiguration failed %08x\n", Adapter->LowerName, (unsigned)Status);
        return Status;
    }

    NdisReadConfiguration(&Status, &Value, Config, &PtUpperBindingsKeyword, NdisParameterString);
    if (Status != NDIS_STATUS_SUCCESS || Value->ParameterType != NdisParameterString ||
        Value->ParameterData.StringData.Length == 0) {
        DbgPrint("passthru: %s: no UpperBindings in the binding's key\n", Adapter->LowerName);
        NdisCloseConfiguration(Config);
        return NDIS_STATUS_OPEN_FAILED;
    }
    /* The parameter's memory belongs to the configuration handle: copy it before closing. */
    Length = Value->ParameterData.StringData.Length;
    Status = NdisAllocateMemoryWithTag((PVOID *)&Copy, Length + sizeof(WCHAR), PT_TAG);
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisCloseConfiguration(Config);
        return NDIS_STATUS_RESOURCES;
    }
    NdisMoveMemory(Copy, Value->ParameterData.StringData.Buffer, Length);
    Copy[Length / sizeof(WCHAR)] = L'\0';
    Adapter->UpperBindings.Buffer = Copy;
    Adapter->UpperBindings.Length = Length;
    Adapter->UpperBindings.MaximumLength = (USHORT)(Length + sizeof(WCHAR));
    PtCopyAsciiName(Adapter->UpperName, &Adapter->UpperBindings);

    Adapter->PacketStacking = FALSE;
    NdisReadConfiguration(&Status, &Value, Config, &PtPacketStackingKeyword, NdisParameterInteger);
    if (Status == NDIS_STATUS_SUCCESS &&
        (Value->ParameterType == NdisParameterInteger || Value->ParameterType == NdisParameterHexInteger))
        Adapter->PacketStacking = Value->ParameterData.IntegerData != 0;

    Adapter->TaskOffload = TRUE;
    NdisReadConfiguration(&Status, &Value, Config, &PtTaskOffloadKeyword, NdisParameterInteger);
    if (Status == NDIS_STATUS_SUCCESS &&
        (Value->ParameterType == NdisParameterInteger || Value->ParameterType == NdisParameterHexInteger))
        Adapter->TaskOffload = Value->ParameterData.IntegerData != 0;

    NdisCloseConfiguration(Config);
    return NDIS_STATUS_SUCCESS;
}

/* PASSIVE_LEVEL. NdisCloseAdapter, waiting for ProtocolCloseAdapterComplete if it pends. */
static NDIS_STATUS PtCloseLower(PPT_ADAPTER Adapter)
{
    NDIS_STATUS Status;

    NdisResetEvent(&Adapter->OpenCloseEvent);
    NdisCloseAdapter(&Status, Adapter->BindingHandle);
    if (Status == NDIS_STATUS_PENDING) {
        NdisWaitEvent(&Adapter->OpenCloseEvent, 0);
        Status = Adapter->OpenCloseStatus;
    }
    Adapter->BindingHandle = NULL;
    if (Status != NDIS_STATUS_SUCCESS)
        DbgPrint("passthru: %s: NdisCloseAdapter returned %08x\n", Adapter->LowerName, (unsigned)Status);
    return Status;
}

/* PASSIVE_LEVEL. Undoes a binding from the stage it reached: off the list, the adapter closed,
 * the pools and the UpperBindings copy freed, the block freed. The virtual miniport is gone
 * (never initialised, or halted) and nothing is outstanding on either edge. */
static VOID PtTeardown(PPT_ADAPTER Adapter)
{
    switch (Adapter->Stage) {
    case PtStageListed:
        NdisAcquireSpinLock(&PtGlobals.Lock);
        RemoveEntryList(&Adapter->Link);
        NdisReleaseSpinLock(&PtGlobals.Lock);
        /* fall through */
    case PtStageOpened:
        PtCloseLower(Adapter);
        /* fall through */
    case PtStagePools:
        if (Adapter->SendPacketPool != NULL) {
            if (NdisPacketPoolUsage(Adapter->SendPacketPool) != 0)
                DbgPrint("passthru: %s: send descriptors still in use at unbind\n", Adapter->LowerName);
            NdisFreePacketPool(Adapter->SendPacketPool);
            Adapter->SendPacketPool = NULL;
        }
        if (Adapter->RecvPacketPool != NULL) {
            if (NdisPacketPoolUsage(Adapter->RecvPacketPool) != 0)
                DbgPrint("passthru: %s: receive descriptors still in use at unbind\n", Adapter->LowerName);
            NdisFreePacketPool(Adapter->RecvPacketPool);
            Adapter->RecvPacketPool = NULL;
        }
        /* fall through */
    case PtStageConfigured:
        if (Adapter->UpperBindings.Buffer != NULL)
            NdisFreeMemory(Adapter->UpperBindings.Buffer, Adapter->UpperBindings.MaximumLength, 0);
        /* fall through */
    case PtStageAllocated:
        NdisFreeSpinLock(&Adapter->Lock);
        NdisFreeMemory(Adapter, sizeof(*Adapter), 0);
        /* fall through */
    case PtStageNone:
        break;
    }
}

/* PASSIVE_LEVEL, the binding open. What the passthru needs to know about the adapter below
 * (seed §2.4.3.1, §2.8, §2.9.1): how many packets one NdisSendPackets may carry (mirrored to the
 * protocols above) and whether it is power-manageable (it answers OID_PNP_CAPABILITIES). */
static VOID PtLearnLowerAdapter(PPT_ADAPTER Adapter)
{
    NDIS_PNP_CAPABILITIES Capabilities;
    ULONG MaxSendPackets = 0;
    ULONG Written = 0;
    NDIS_STATUS Status;

    Status = PtQueryLower(Adapter, OID_GEN_MAXIMUM_SEND_PACKETS, &MaxSendPackets, sizeof(MaxSendPackets), &Written);
    /* §2.8: 1 or NOT_SUPPORTED means one packet at a time (NdisSend). */
    Adapter->LowerMaxSendPackets = (Status == NDIS_STATUS_SUCCESS && Written >= sizeof(ULONG) && MaxSendPackets > 1)
        ? MaxSendPackets : 1;

    NdisZeroMemory(&Capabilities, sizeof(Capabilities));
    Status = PtQueryLower(Adapter, OID_PNP_CAPABILITIES, &Capabilities, sizeof(Capabilities), &Written);
    Adapter->LowerPmCapable = Status == NDIS_STATUS_SUCCESS;
}

/* ProtocolBindAdapter (ndis.h) — seed 003 §2.4, §2.4.1, §2.4.2 — PASSIVE_LEVEL. Completes
 * synchronously: a pended open is waited for on an NDIS_EVENT. On success the binding is listed
 * and its virtual miniport requested; MiniportInitialize may run inside that call or later. */
VOID PtBindAdapter(PNDIS_STATUS Status, NDIS_HANDLE BindContext, PNDIS_STRING DeviceName,
    PVOID SystemSpecific1, PVOID SystemSpecific2)
{
    PPT_ADAPTER Adapter;
    NDIS_STATUS OpenErrorStatus = NDIS_STATUS_SUCCESS;
    NDIS_STATUS Result;

    UNREFERENCED_PARAMETER(BindContext);
    UNREFERENCED_PARAMETER(SystemSpecific2);

    if (NdisAllocateMemoryWithTag((PVOID *)&Adapter, sizeof(*Adapter), PT_TAG) != NDIS_STATUS_SUCCESS) {
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }
    NdisZeroMemory(Adapter, sizeof(*Adapter));
    NdisAllocateSpinLock(&Adapter->Lock);
    NdisInitializeEvent(&Adapter->OpenCloseEvent);
    NdisInitializeEvent(&Adapter->BindRequestDone);
    NdisInitializeEvent(&Adapter->MiniportInitEvent);
    NdisInitializeEvent(&Adapter->MiniportHaltEvent);
    PtRefInit(&Adapter->LowerRefs);
    PtRefInit(&Adapter->MiniportRefs);
    Adapter->LowerPowerState = NdisDeviceStateD0;
    Adapter->MiniportPowerState = NdisDeviceStateD0;
    Adapter->LastIndicatedStatus = NDIS_STATUS_MEDIA_CONNECT;
    Adapter->LatestMediaStatus = NDIS_STATUS_MEDIA_CONNECT;
    Adapter->LowerMaxSendPackets = 1;
    PtCopyAsciiName(Adapter->LowerName, DeviceName);
    Adapter->Stage = PtStageAllocated;

    Result = PtReadConfiguration(Adapter, (PNDIS_STRING)SystemSpecific1);
    if (Result != NDIS_STATUS_SUCCESS)
        goto Fail;
    Adapter->Stage = PtStageConfigured;

    /* §2.4.2, §2.5: descriptors for both directions exist before the virtual miniport does.
     * Receive descriptors give the protocols above the ProtocolReserved room they may use. */
    NdisAllocatePacketPoolEx(&Result, &Adapter->SendPacketPool, PT_POOL_DESCRIPTORS, PT_POOL_OVERFLOW,
        sizeof(PT_SEND_RESERVED));
    if (Result == NDIS_STATUS_SUCCESS)
        NdisAllocatePacketPoolEx(&Result, &Adapter->RecvPacketPool, PT_POOL_DESCRIPTORS, PT_POOL_OVERFLOW,
            PROTOCOL_RESERVED_SIZE_IN_PACKET);
    Adapter->Stage = PtStagePools;
    if (Result != NDIS_STATUS_SUCCESS) {
        DbgPrint("passthru: %s: cannot allocate packet pools\n", Adapter->LowerName);
        Result = NDIS_STATUS_RESOURCES;
        goto Fail;
    }

    /* §2.4.1: the very DeviceName NDIS gave us. */
    NdisResetEvent(&Adapter->OpenCloseEvent);
    NdisOpenAdapter(&Result, &OpenErrorStatus, &Adapter->BindingHandle, &Adapter->MediumIndex, PtMedia,
        ARRAYSIZE(PtMedia), PtGlobals.ProtocolHandle, (NDIS_HANDLE)Adapter, DeviceName, 0, NULL);
    if (Result == NDIS_STATUS_PENDING) {
        NdisWaitEvent(&Adapter->OpenCloseEvent, 0);
        Result = Adapter->OpenCloseStatus;
    }
    if (Result != NDIS_STATUS_SUCCESS) {
        DbgPrint("passthru: NdisOpenAdapter(%s) failed %08x (open error %08x)\n", Adapter->LowerName,
            (unsigned)Result, (unsigned)OpenErrorStatus);
        Adapter->BindingHandle = NULL;
        goto Fail;
    }
    Adapter->Medium = PtMedia[Adapter->MediumIndex];
    Adapter->Stage = PtStageOpened;

    PtLearnLowerAdapter(Adapter);

    NdisAcquireSpinLock(&PtGlobals.Lock);
    InsertTailList(&PtGlobals.Adapters, &Adapter->Link);
    NdisReleaseSpinLock(&PtGlobals.Lock);
    Adapter->Stage = PtStageListed;

    /* §2.4.2: ask for the virtual miniport; ProtocolUnbindAdapter must know an initialisation
     * may still be on its way. */
    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->MiniportInitPending = TRUE;
    NdisResetEvent(&Adapter->MiniportInitEvent);
    NdisReleaseSpinLock(&Adapter->Lock);
    Result = NdisIMInitializeDeviceInstanceEx(PtGlobals.DriverHandle, &Adapter->UpperBindings, Adapter);
    if (Result != NDIS_STATUS_SUCCESS) {
        DbgPrint("passthru: %s: NdisIMInitializeDeviceInstanceEx(%s) failed %08x\n", Adapter->LowerName,
            Adapter->UpperName, (unsigned)Result);
        NdisAcquireSpinLock(&Adapter->Lock);
        Adapter->MiniportInitPending = FALSE;
        NdisReleaseSpinLock(&Adapter->Lock);
        NdisSetEvent(&Adapter->MiniportInitEvent);
        goto Fail;
    }
    DbgPrint("passthru: bound %s below %s (max send packets %u, %s, packet stacking %s)\n", Adapter->LowerName,
        Adapter->UpperName, (unsigned)Adapter->LowerMaxSendPackets,
        Adapter->LowerPmCapable ? "power-manageable" : "not power-manageable", Adapter->PacketStacking ? "on" : "off");
    *Status = NDIS_STATUS_SUCCESS;
    return;

Fail:
    PtTeardown(Adapter);
    *Status = Result;
}

/* ProtocolOpenAdapterComplete (ndis.h) — seed 003 §2.4.1 — IRQL <= DISPATCH_LEVEL. Wakes the
 * bind waiting for its pended open. */
VOID PtOpenAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status, NDIS_STATUS OpenErrorStatus)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)ProtocolBindingContext;

    if (Status != NDIS_STATUS_SUCCESS)
        DbgPrint("passthru: pended open of %s failed %08x (open error %08x)\n", Adapter->LowerName,
            (unsigned)Status, (unsigned)OpenErrorStatus);
    Adapter->OpenCloseStatus = Status;
    NdisSetEvent(&Adapter->OpenCloseEvent);
}

/* ProtocolCloseAdapterComplete (ndis.h) — seed 003 §2.11 — IRQL <= DISPATCH_LEVEL. Wakes the
 * unbind waiting for its pended close. */
VOID PtCloseAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)ProtocolBindingContext;

    Adapter->OpenCloseStatus = Status;
    NdisSetEvent(&Adapter->OpenCloseEvent);
}

/* ProtocolUnbindAdapter (ndis.h) — seed 003 §2.11, §2.4.2 — PASSIVE_LEVEL. Refuses new
 * requests, settles a virtual-miniport initialisation still pending (cancelled, or waited for),
 * deinitialises the virtual miniport if it is up (NDIS unbinds the protocols above it and calls
 * MiniportHalt, which waits for everything on that edge), then closes the adapter below and
 * frees the binding. */
VOID PtUnbindAdapter(PNDIS_STATUS Status, NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE UnbindContext)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)ProtocolBindingContext;
    NDIS_HANDLE MiniportHandle;
    BOOLEAN InitPending;
    NDIS_STATUS Result;

    UNREFERENCED_PARAMETER(UnbindContext);

    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->Unbinding = TRUE;
    InitPending = Adapter->MiniportInitPending;
    NdisReleaseSpinLock(&Adapter->Lock);

    if (InitPending) {
        Result = NdisIMCancelInitializeDeviceInstance(PtGlobals.DriverHandle, &Adapter->UpperBindings);
        if (Result == NDIS_STATUS_SUCCESS) {
            /* NDIS will not call MiniportInitialize for it now. */
            NdisAcquireSpinLock(&Adapter->Lock);
            Adapter->MiniportInitPending = FALSE;
            NdisReleaseSpinLock(&Adapter->Lock);
        } else {
            /* Too late to cancel: MiniportInitialize runs or ran; let it finish. */
            NdisWaitEvent(&Adapter->MiniportInitEvent, 0);
        }
    }

    NdisAcquireSpinLock(&Adapter->Lock);
    MiniportHandle = Adapter->MiniportHandle;
    NdisReleaseSpinLock(&Adapter->Lock);
    if (MiniportHandle != NULL) {
        /* Sends waiting for the adapter below to wake will not go there now. */
        PtFailSendQueue(Adapter, NDIS_STATUS_FAILURE);
        Result = NdisIMDeInitializeDeviceInstance(MiniportHandle);
        if (Result != NDIS_STATUS_SUCCESS) {
            /* The virtual miniport stays: so must the binding it sends on. */
            DbgPrint("passthru: %s: NdisIMDeInitializeDeviceInstance failed %08x; binding kept\n",
                Adapter->LowerName, (unsigned)Result);
            *Status = NDIS_STATUS_FAILURE;
            return;
        }
        NdisWaitEvent(&Adapter->MiniportHaltEvent, 0);
    }

    DbgPrint("passthru: unbinding %s: sends %llu (stacked %llu, no descriptor %llu), send completes %llu, "
        "receives %llu (stacked %llu, lookahead %llu, dropped %llu), returns %llu, transfers %llu\n",
        Adapter->LowerName, (unsigned long long)Adapter->Sends, (unsigned long long)Adapter->SendsStacked,
        (unsigned long long)Adapter->SendsNoDescriptor, (unsigned long long)Adapter->SendCompletes,
        (unsigned long long)Adapter->Receives, (unsigned long long)Adapter->ReceivesStacked,
        (unsigned long long)Adapter->ReceivesLookahead, (unsigned long long)Adapter->ReceivesDropped,
        (unsigned long long)Adapter->Returns, (unsigned long long)Adapter->TransferDataCalls);
    PtTeardown(Adapter);
    *Status = NDIS_STATUS_SUCCESS;
}

/* NetEventSetPower on the binding — seed 003 §2.9.2, §2.9.3 — PASSIVE_LEVEL. Going to sleep the
 * passthru stops sending and requesting below (sends from above wait in the send queue,
 * requests are refused) and waits for what is outstanding there; back in D0 it sends what
 * waited, in order, and resumes. Always succeeds. */
static NDIS_STATUS PtPnPSetPower(PPT_ADAPTER Adapter, PNET_PNP_EVENT NetPnPEvent)
{
    NDIS_DEVICE_POWER_STATE NewState;

    if (NetPnPEvent->Buffer == NULL || NetPnPEvent->BufferLength < sizeof(NDIS_DEVICE_POWER_STATE))
        return NDIS_STATUS_SUCCESS;
    NewState = *(PNDIS_DEVICE_POWER_STATE)NetPnPEvent->Buffer;

    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->LowerPowerState = NewState;
    if (NewState > NdisDeviceStateD0)
        Adapter->SendQueueing = TRUE;
    NdisReleaseSpinLock(&Adapter->Lock);
    KeMemoryBarrier();
    if (NewState > NdisDeviceStateD0)
        PtRefWaitZero(&Adapter->LowerRefs);
    else
        PtDrainSendQueue(Adapter);
    return NDIS_STATUS_SUCCESS;
}

/* ProtocolPnPEvent (ndis.h) — seed 003 §2.9.2 — PASSIVE_LEVEL. NetEventSetPower records the
 * adapter's power state; NetEventReconfigure without a binding asks NDIS to offer the adapters
 * again (a binding may have become possible); every other event succeeds. */
NDIS_STATUS PtPnPEvent(NDIS_HANDLE ProtocolBindingContext, PNET_PNP_EVENT NetPnPEvent)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)ProtocolBindingContext;
    NDIS_STATUS Status = NDIS_STATUS_SUCCESS;

    if (NetPnPEvent == NULL)
        return NDIS_STATUS_SUCCESS;
    switch (NetPnPEvent->NetEvent) {
    case NetEventSetPower:
        if (Adapter != NULL)
            Status = PtPnPSetPower(Adapter, NetPnPEvent);
        break;
    case NetEventReconfigure:
        if (Adapter == NULL && PtGlobals.ProtocolHandle != NULL)
            NdisReEnumerateProtocolBindings(PtGlobals.ProtocolHandle);
        break;
    default:
        break;
    }
    /* Seed §2.9: what happens to the adapter below happens to the virtual miniport above it, so
     * the protocols bound to it hear the event too (and may veto a query). */
    if (Status == NDIS_STATUS_SUCCESS && Adapter != NULL && Adapter->MiniportHandle != NULL)
        Status = NdisIMNotifyPnPEvent(Adapter->MiniportHandle, NetPnPEvent);
    return Status;
}
