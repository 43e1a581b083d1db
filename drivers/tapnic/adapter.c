/* adapter.c — the tapnic adapter's life: MiniportInitialize (registry parameters, the TAP
 * device, its link watcher, preallocated receive slots, readiness registration), MiniportHalt,
 * MiniportReset, MiniportCheckForHang and the NDIS 5.1 PnP/shutdown handlers (issue 6
 * deliverable 1; seed 003 §2.4.2, §2.9, §2.10). */
#include "tapnic.h"

/* How far MiniportInitialize got; TapnicTeardown undoes exactly that (STYLE rule 7). */
typedef enum _TAPNIC_INIT_STAGE {
    TapnicStageBlock,   /* adapter block, locks and events */
    TapnicStageTap,     /* the TAP device exists */
    TapnicStageLink,    /* its link watcher is open */
    TapnicStageReceive, /* receive slots, packets and buffers */
    TapnicStageEvents   /* descriptors watched (some of them, on a failure) */
} TAPNIC_INIT_STAGE;

typedef struct _TAPNIC_PARAMETER {
    NDIS_STRING Keyword;
    PCSTR Name;
    SIZE_T Offset; /* into TAPNIC_CONFIG */
    ULONG Default;
    ULONG Minimum;
    ULONG Maximum;
} TAPNIC_PARAMETER;

#define TAPNIC_PARAM(_Name, _Default, _Min, _Max) \
    { NDIS_STRING_CONST(#_Name), #_Name, offsetof(TAPNIC_CONFIG, _Name), (_Default), (_Min), (_Max) }

static const TAPNIC_PARAMETER TapnicParameters[] = {
    TAPNIC_PARAM(Queues, 1, 1, TAP_MAX_QUEUES),
    TAPNIC_PARAM(VnetHeader, 0, 0, 1),
    TAPNIC_PARAM(Mtu, TAPNIC_MAX_MTU, TAPNIC_MIN_MTU, TAPNIC_MAX_MTU),
    TAPNIC_PARAM(LinkSpeedMbps, 10000, 1, 400000),
    TAPNIC_PARAM(ReceiveBuffers, 512, 16, 16384),
};

static const CHAR TapnicDefaultName[] = "tapnic%d";

/* PASSIVE_LEVEL. A REG_SZ parameter as ASCII in Name (NameChars with the NUL); FALSE when it is
 * absent. Characters outside printable ASCII become '?', which no interface name accepts. */
static BOOLEAN TapnicReadString(NDIS_HANDLE ConfigHandle, PCWSTR Keyword, PCHAR Name, UINT NameChars)
{
    PNDIS_CONFIGURATION_PARAMETER Value;
    NDIS_STRING KeywordString;
    NDIS_STATUS Status;
    UINT Length;
    UINT i;

    NdisInitUnicodeString(&KeywordString, Keyword);
    NdisReadConfiguration(&Status, &Value, ConfigHandle, &KeywordString, NdisParameterString);
    if (Status != NDIS_STATUS_SUCCESS || Value->ParameterType != NdisParameterString)
        return FALSE;
    Length = Value->ParameterData.StringData.Length / sizeof(WCHAR);
    if (Length > NameChars - 1)
        Length = NameChars - 1;
    for (i = 0; i < Length; i++) {
        WCHAR c = Value->ParameterData.StringData.Buffer[i];
        Name[i] = (c >= 0x20 && c < 0x7F) ? (CHAR)c : '?';
    }
    Name[Length] = '\0';
    return TRUE;
}

/* PASSIVE_LEVEL. Defaults, then the instance key's values; out-of-range numbers are clamped (and
 * logged). NetworkAddress counts only when it is a six-byte unicast address. */
static VOID TapnicReadConfiguration(NDIS_HANDLE WrapperConfigurationContext, PTAPNIC_CONFIG Config)
{
    NDIS_STATUS Status;
    NDIS_HANDLE ConfigHandle = NULL;
    PVOID Address = NULL;
    UINT AddressLength = 0;
    UINT i;

    NdisZeroMemory(Config, sizeof(*Config));
    for (i = 0; i < ARRAYSIZE(TapnicParameters); i++)
        *(PULONG)((PUCHAR)Config + TapnicParameters[i].Offset) = TapnicParameters[i].Default;
    NdisMoveMemory(Config->TapName, TapnicDefaultName, sizeof(TapnicDefaultName));

    NdisOpenConfiguration(&Status, &ConfigHandle, WrapperConfigurationContext);
    if (Status != NDIS_STATUS_SUCCESS)
        return;
    for (i = 0; i < ARRAYSIZE(TapnicParameters); i++) {
        const TAPNIC_PARAMETER *P = &TapnicParameters[i];
        PNDIS_CONFIGURATION_PARAMETER Value;
        ULONG v;

        NdisReadConfiguration(&Status, &Value, ConfigHandle, (PNDIS_STRING)&P->Keyword, NdisParameterInteger);
        if (Status != NDIS_STATUS_SUCCESS ||
            (Value->ParameterType != NdisParameterInteger && Value->ParameterType != NdisParameterHexInteger))
            continue;
        v = Value->ParameterData.IntegerData;
        if (v < P->Minimum || v > P->Maximum) {
            ULONG Clamped = v < P->Minimum ? P->Minimum : P->Maximum;
            DbgPrint("tapnic: parameter %s=%u out of range %u..%u, using %u\n", P->Name, (unsigned)v,
                (unsigned)P->Minimum, (unsigned)P->Maximum, (unsigned)Clamped);
            v = Clamped;
        }
        *(PULONG)((PUCHAR)Config + P->Offset) = v;
    }
    TapnicReadString(ConfigHandle, L"TapName", Config->TapName, sizeof(Config->TapName));

    NdisReadNetworkAddress(&Status, &Address, &AddressLength, ConfigHandle);
    if (Status == NDIS_STATUS_SUCCESS && Address != NULL) {
        const UCHAR *Mac = (const UCHAR *)Address;
        static const UCHAR Zero[TAPNIC_ETH_ADDRESS];

        if (AddressLength == TAPNIC_ETH_ADDRESS && (Mac[0] & 0x01) == 0 &&
            !NdisEqualMemory(Mac, Zero, TAPNIC_ETH_ADDRESS)) {
            NdisMoveMemory(Config->NetworkAddress, Mac, TAPNIC_ETH_ADDRESS);
            Config->HasNetworkAddress = TRUE;
        } else {
            DbgPrint("tapnic: ignoring NetworkAddress (length %u or group address)\n", AddressLength);
        }
    }
    NdisCloseConfiguration(ConfigHandle);
}

/* The status MiniportInitialize returns for a TAP that could not be made. */
static NDIS_STATUS TapnicStatusOf(enum tap_result Result)
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

/* 02:54 and 32 bits of FNV-1a over the TAP's name: locally administered, and the same each time
 * the adapter makes a TAP of that name. */
static VOID TapnicAddressFromName(PCSTR Name, PUCHAR Mac)
{
    ULONG Hash = 0x811C9DC5U;
    UINT i;

    for (i = 0; Name[i] != '\0'; i++)
        Hash = (Hash ^ (UCHAR)Name[i]) * 0x01000193U;
    Mac[0] = 0x02;
    Mac[1] = 0x54;
    Mac[2] = (UCHAR)(Hash >> 24);
    Mac[3] = (UCHAR)(Hash >> 16);
    Mac[4] = (UCHAR)(Hash >> 8);
    Mac[5] = (UCHAR)Hash;
}

/* PASSIVE_LEVEL; no handler of the adapter runs afterwards. Stops watching every descriptor
 * that is still watched (the hang-up work may have done some already) and waits for that work. */
static VOID TapnicStopWatching(PTAPNIC_ADAPTER Adapter)
{
    UINT q;

    for (q = 0; q < Adapter->Tap.queues; q++)
        TapnicUnwatchQueue(&Adapter->Queues[q]);
    TapnicUnwatchLink(Adapter);
    /* Nothing schedules hang-up work any more: drop our own count and wait for the rest. */
    if (InterlockedDecrement(&Adapter->HangupsRunning) == 0)
        NdisSetEvent(&Adapter->HangupIdle);
    NdisWaitEvent(&Adapter->HangupIdle, 0);
}

/* PASSIVE_LEVEL; from TapnicInitialize's failure paths and TapnicHalt. */
static VOID TapnicTeardown(PTAPNIC_ADAPTER Adapter, TAPNIC_INIT_STAGE Reached)
{
    switch (Reached) {
    case TapnicStageEvents:
        TapnicStopWatching(Adapter);
        /* fall through */
    case TapnicStageReceive:
        TapnicRxFree(Adapter);
        /* fall through */
    case TapnicStageLink:
        tap_link_close(&Adapter->Link);
        /* fall through */
    case TapnicStageTap:
        tap_destroy(&Adapter->Tap);
        /* fall through */
    case TapnicStageBlock:
        NdisFreeSpinLock(&Adapter->RxLock);
        NdisFreeMemory(Adapter, sizeof(*Adapter), 0);
        break;
    }
}

/* PASSIVE_LEVEL. Logs why initialisation stopped and undoes it. TapName is NULL when Line
 * names the TAP itself. */
static NDIS_STATUS TapnicFail(PTAPNIC_ADAPTER Adapter, TAPNIC_INIT_STAGE Reached, NDIS_STATUS Status,
    PCSTR TapName, PCSTR Line)
{
    TapnicLog(TapName, Line);
    TapnicTeardown(Adapter, Reached);
    return Status;
}

/* PASSIVE_LEVEL. The TAP, with our MTU, and its link watcher. */
static NDIS_STATUS TapnicOpenTap(PTAPNIC_ADAPTER Adapter, TAPNIC_INIT_STAGE *Reached)
{
    CHAR Error[TAP_ERROR_BYTES];
    enum tap_result Result;
    UINT q;

    Result = tap_create(&Adapter->Tap, Adapter->Config.TapName, Adapter->Config.Queues, Adapter->Config.VnetHeader,
        Error);
    if (Result != TAP_OK)
        return TapnicFail(Adapter, *Reached, TapnicStatusOf(Result), NULL, Error);
    *Reached = TapnicStageTap;
    for (q = 0; q < Adapter->Tap.queues; q++) {
        Adapter->Queues[q].Adapter = Adapter;
        Adapter->Queues[q].Fd = Adapter->Tap.fds[q];
    }
    Adapter->VnetBytes = Adapter->Tap.vnet_hdr ? TAP_VNET_HDR_BYTES : 0;

    if (tap_set_mtu(&Adapter->Tap, Adapter->Config.Mtu, Error) != 0)
        return TapnicFail(Adapter, *Reached, NDIS_STATUS_FAILURE, NULL, Error);
    if (tap_link_open(&Adapter->Link, &Adapter->Tap, Error) != 0)
        return TapnicFail(Adapter, *Reached, NDIS_STATUS_FAILURE, NULL, Error);
    *Reached = TapnicStageLink;
    return NDIS_STATUS_SUCCESS;
}

/* PASSIVE_LEVEL. Watches the link socket and every queue. Handles are published under RxLock,
 * where the handlers and MiniportReturnPacket read them. */
static NDIS_STATUS TapnicWatch(PTAPNIC_ADAPTER Adapter)
{
    NDIS_HANDLE Handle;
    NDIS_STATUS Status;
    UINT q;

    Status = StrataMRegisterIoEvent(&Handle, Adapter->MiniportHandle, Adapter->Link.event_fd, STRATA_IO_READABLE,
        TapnicLinkReady, Adapter);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    NdisAcquireSpinLock(&Adapter->RxLock);
    Adapter->LinkEvent = Handle;
    NdisReleaseSpinLock(&Adapter->RxLock);
    for (q = 0; q < Adapter->Tap.queues; q++) {
        Status = StrataMRegisterIoEvent(&Handle, Adapter->MiniportHandle, Adapter->Queues[q].Fd, STRATA_IO_READABLE,
            TapnicQueueReady, &Adapter->Queues[q]);
        if (Status != NDIS_STATUS_SUCCESS)
            return Status;
        NdisAcquireSpinLock(&Adapter->RxLock);
        Adapter->Queues[q].IoEvent = Handle;
        NdisReleaseSpinLock(&Adapter->RxLock);
    }
    return NDIS_STATUS_SUCCESS;
}

/* MiniportInitialize (ndis.h) — seed 003 §2.4.2 — PASSIVE_LEVEL. Selects NdisMedium802_3, reads
 * the parameters, makes the TAP and everything the data path uses, and starts watching the
 * TAP's descriptors. Every failure logs one line naming the TAP and leaves nothing behind. */
NDIS_STATUS TapnicInitialize(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray,
    UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE WrapperConfigurationContext)
{
    TAPNIC_INIT_STAGE Reached = TapnicStageBlock;
    PTAPNIC_ADAPTER Adapter = NULL;
    NDIS_STATUS Status;
    UINT i;

    *OpenErrorStatus = NDIS_STATUS_SUCCESS;
    for (i = 0; i < MediumArraySize; i++)
        if (MediumArray[i] == NdisMedium802_3)
            break;
    if (i == MediumArraySize)
        return NDIS_STATUS_UNSUPPORTED_MEDIA;
    *SelectedMediumIndex = i;

    Status = NdisAllocateMemoryWithTag((PVOID *)&Adapter, sizeof(*Adapter), TAPNIC_TAG);
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisWriteErrorLogEntry(MiniportAdapterHandle, NDIS_ERROR_CODE_OUT_OF_RESOURCES, 1, (ULONG)TapnicStageBlock);
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Adapter, sizeof(*Adapter));
    Adapter->MiniportHandle = MiniportAdapterHandle;
    NdisAllocateSpinLock(&Adapter->RxLock);
    NdisInitializeEvent(&Adapter->ReturnsIdle);
    NdisInitializeEvent(&Adapter->HangupIdle);
    Adapter->HangupsRunning = 1; /* MiniportHalt's own count, dropped before it waits */
    NdisInitializeWorkItem(&Adapter->HangupWork, TapnicHangupWorker, Adapter);

    TapnicReadConfiguration(WrapperConfigurationContext, &Adapter->Config);
    NdisMSetAttributesEx(MiniportAdapterHandle, (NDIS_HANDLE)Adapter, 0, NDIS_ATTRIBUTE_DESERIALIZE,
        NdisInterfaceInternal);

    Status = TapnicOpenTap(Adapter, &Reached);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;

    TapnicAddressFromName(Adapter->Tap.name, Adapter->PermanentAddress);
    NdisMoveMemory(Adapter->CurrentAddress,
        Adapter->Config.HasNetworkAddress ? Adapter->Config.NetworkAddress : Adapter->PermanentAddress,
        TAPNIC_ETH_ADDRESS);
    Adapter->CurrentLookahead = Adapter->Config.Mtu;
    Adapter->MediaState = Adapter->Link.running ? NdisMediaStateConnected : NdisMediaStateDisconnected;

    Status = TapnicRxAllocate(Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisWriteErrorLogEntry(MiniportAdapterHandle, NDIS_ERROR_CODE_OUT_OF_RESOURCES, 1, (ULONG)TapnicStageReceive);
        return TapnicFail(Adapter, Reached, NDIS_STATUS_RESOURCES, Adapter->Tap.name, "no memory for the receive slots");
    }
    Reached = TapnicStageReceive;

    Status = TapnicWatch(Adapter);
    if (Status != NDIS_STATUS_SUCCESS)
        return TapnicFail(Adapter, TapnicStageEvents, Status, Adapter->Tap.name, "cannot watch its descriptors");
    DbgPrint("tapnic: adapter on TAP %s, %u queue(s)%s, MTU %u\n", Adapter->Tap.name, Adapter->Tap.queues,
        Adapter->VnetBytes != 0 ? ", vnet headers" : "", (unsigned)Adapter->Config.Mtu);
    return NDIS_STATUS_SUCCESS;
}

/* MiniportHalt (ndis.h) — seed 003 §2.3.1.1 — PASSIVE_LEVEL. NDIS has closed every binding.
 * Stops watching the TAP (no handler runs after that), closes it (the interface disappears),
 * waits for indicated packets to come back and frees everything. */
VOID TapnicHalt(NDIS_HANDLE MiniportAdapterContext)
{
    PTAPNIC_ADAPTER Adapter = (PTAPNIC_ADAPTER)MiniportAdapterContext;
    BOOLEAN Outstanding;

    TapnicStopWatching(Adapter);
    tap_link_close(&Adapter->Link);
    tap_destroy(&Adapter->Tap);

    NdisAcquireSpinLock(&Adapter->RxLock);
    Adapter->Halting = TRUE;
    NdisResetEvent(&Adapter->ReturnsIdle);
    Outstanding = Adapter->ReturnsOutstanding != 0;
    NdisReleaseSpinLock(&Adapter->RxLock);
    if (Outstanding && NdisWaitEvent(&Adapter->ReturnsIdle, TAPNIC_HALT_RETURN_WAIT_MS)) {
        /* The returner signals under RxLock: once we hold it, it has left. */
        NdisAcquireSpinLock(&Adapter->RxLock);
        Outstanding = Adapter->ReturnsOutstanding != 0;
        NdisReleaseSpinLock(&Adapter->RxLock);
    }
    if (Outstanding) {
        /* Someone will still return packets to this adapter: freeing it would hand out freed
         * memory, so it is leaked, loudly. */
        DbgPrint("tapnic: halted with %llu packets not returned; leaking the adapter\n",
            (unsigned long long)Adapter->ReturnsOutstanding);
        return;
    }
    TapnicTeardown(Adapter, TapnicStageReceive);
}

/* MiniportReset (ndis.h) — seed 003 §2.10 — DISPATCH_LEVEL. A TAP has no hardware to reset and
 * the addressing survives. */
NDIS_STATUS TapnicReset(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    *AddressingReset = FALSE;
    return NDIS_STATUS_SUCCESS;
}

/* MiniportCheckForHang (ndis.h) — DISPATCH_LEVEL. Writes never block and reads are driven by
 * readiness, so nothing can hang. */
BOOLEAN TapnicCheckForHang(NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    return FALSE;
}

/* MiniportPnPEventNotify (ndis.h, NDIS 5.1) — seed 003 §2.9 — PASSIVE_LEVEL. */
VOID TapnicPnPEventNotify(NDIS_HANDLE MiniportAdapterContext, NDIS_DEVICE_PNP_EVENT PnPEvent,
    PVOID InformationBuffer, ULONG InformationBufferLength)
{
    PTAPNIC_ADAPTER Adapter = (PTAPNIC_ADAPTER)MiniportAdapterContext;

    UNREFERENCED_PARAMETER(InformationBuffer);
    UNREFERENCED_PARAMETER(InformationBufferLength);
    DbgPrint("tapnic: %s: PnP event %d\n", Adapter->Tap.name, (int)PnPEvent);
}

/* MiniportShutdown (ndis.h, NDIS 5.1) — any IRQL. Nothing to quiesce: the TAP goes with the
 * process. */
VOID TapnicShutdown(PVOID ShutdownContext)
{
    UNREFERENCED_PARAMETER(ShutdownContext);
}
