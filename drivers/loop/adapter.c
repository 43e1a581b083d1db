/* adapter.c — the loop adapter's life: MiniportInitialize (medium selection, registry
 * parameters, NdisMSetAttributesEx, preallocation), MiniportHalt, MiniportReset,
 * MiniportCheckForHang and the NDIS 5.1 PnP/shutdown handlers (seed 003 §2.4.2, §2.9, §2.10). */
#include "loop.h"

/* How far MiniportInitialize got; LoopTeardown undoes exactly that (STYLE rule 7). */
typedef enum _LOOP_INIT_STAGE {
    LoopStageBlock,     /* adapter block allocated, locks and DPCs initialised */
    LoopStageMulticast, /* multicast list allocated */
    LoopStageReceive,   /* receive slots, packets and buffers allocated */
    LoopStageWire       /* on the wire and in the adapter list */
} LOOP_INIT_STAGE;

/* One integer parameter of the adapter's instance key. */
typedef struct _LOOP_PARAMETER {
    NDIS_STRING Keyword;
    PCSTR Name;    /* the keyword again, for messages */
    SIZE_T Offset; /* into LOOP_CONFIG */
    ULONG Default;
    ULONG Minimum;
    ULONG Maximum;
} LOOP_PARAMETER;

#define LOOP_PARAM(_Name, _Default, _Min, _Max) \
    { NDIS_STRING_CONST(#_Name), #_Name, offsetof(LOOP_CONFIG, _Name), (_Default), (_Min), (_Max) }

static const LOOP_PARAMETER LoopParameters[] = {
    LOOP_PARAM(Wire, 0, 0, MAXULONG),
    LOOP_PARAM(LinkSpeedMbps, 1000, 1, 400000),
    LOOP_PARAM(Serialized, 0, 0, 1),
    LOOP_PARAM(TxRingSize, 64, 1, 4096),
    LOOP_PARAM(IndicationStyle, LOOP_INDICATE_PACKETS, LOOP_INDICATE_PACKETS, LOOP_INDICATE_RESOURCES),
    LOOP_PARAM(LookaheadBytes, 64, 0, LOOP_MAX_DATA),
    LOOP_PARAM(TransferPends, 0, 0, 1),
    LOOP_PARAM(SendCompletion, 0, 0, 1),
    LOOP_PARAM(RequestsPend, 0, 0, 1),
    LOOP_PARAM(ReceiveBuffers, 256, 1, 16384),
    LOOP_PARAM(MaxMulticastList, 32, 1, 256),
    LOOP_PARAM(CheckForHangSeconds, 0, 0, 3600),
    LOOP_PARAM(PowerManagement, 0, 0, 1),
    LOOP_PARAM(NoHaltOnSuspend, 0, 0, 1),
};

/* PASSIVE_LEVEL. Fills Config from the instance key: defaults for absent values, out-of-range
 * values clamped (and logged). A missing key leaves every default. */
static VOID LoopReadConfiguration(NDIS_HANDLE WrapperConfigurationContext, PLOOP_CONFIG Config)
{
    NDIS_STATUS Status;
    NDIS_HANDLE ConfigHandle = NULL;
    UINT i;

    NdisZeroMemory(Config, sizeof(*Config));
    for (i = 0; i < ARRAYSIZE(LoopParameters); i++)
        *(PULONG)((PUCHAR)Config + LoopParameters[i].Offset) = LoopParameters[i].Default;

    NdisOpenConfiguration(&Status, &ConfigHandle, WrapperConfigurationContext);
    if (Status != NDIS_STATUS_SUCCESS)
        return;

    for (i = 0; i < ARRAYSIZE(LoopParameters); i++) {
        const LOOP_PARAMETER *P = &LoopParameters[i];
        PNDIS_CONFIGURATION_PARAMETER Value;
        ULONG v;

        NdisReadConfiguration(&Status, &Value, ConfigHandle, (PNDIS_STRING)&P->Keyword, NdisParameterInteger);
        if (Status != NDIS_STATUS_SUCCESS ||
            (Value->ParameterType != NdisParameterInteger && Value->ParameterType != NdisParameterHexInteger))
            continue;
        v = Value->ParameterData.IntegerData;
        if (v < P->Minimum || v > P->Maximum) {
            ULONG Clamped = v < P->Minimum ? P->Minimum : P->Maximum;
            DbgPrint("loop: parameter %s=%u out of range %u..%u, using %u\n", P->Name,
                (unsigned)v, (unsigned)P->Minimum, (unsigned)P->Maximum, (unsigned)Clamped);
            v = Clamped;
        }
        *(PULONG)((PUCHAR)Config + P->Offset) = v;
    }

    {
        PVOID Address = NULL;
        UINT AddressLength = 0;

        NdisReadNetworkAddress(&Status, &Address, &AddressLength, ConfigHandle);
        if (Status == NDIS_STATUS_SUCCESS && Address != NULL) {
            const UCHAR *Mac = (const UCHAR *)Address;
            static const UCHAR Zero[LOOP_ETH_ADDRESS];

            /* Only a unicast, non-zero six-byte address can name an Ethernet station. */
            if (AddressLength == LOOP_ETH_ADDRESS && (Mac[0] & 0x01) == 0 &&
                !NdisEqualMemory(Mac, Zero, LOOP_ETH_ADDRESS)) {
                NdisMoveMemory(Config->NetworkAddress, Mac, LOOP_ETH_ADDRESS);
                Config->HasNetworkAddress = TRUE;
            } else {
                DbgPrint("loop: ignoring NetworkAddress (length %u or group address)\n", AddressLength);
            }
        }
    }
    NdisCloseConfiguration(ConfigHandle);
}

/* Any IRQL; called only from LoopInitialize's failure paths and LoopHalt. Releases what
 * LoopInitialize had built up to Reached. */
static VOID LoopTeardown(PLOOP_ADAPTER Adapter, LOOP_INIT_STAGE Reached)
{
    switch (Reached) {
    case LoopStageWire:
        LoopWireDetach(Adapter);
        /* fall through */
    case LoopStageReceive:
        LoopRxFree(Adapter);
        /* fall through */
    case LoopStageMulticast:
        NdisFreeMemory(Adapter->MulticastList, Adapter->Config.MaxMulticastList * LOOP_ETH_ADDRESS, 0);
        /* fall through */
    case LoopStageBlock:
        NdisFreeSpinLock(&Adapter->TxLock);
        NdisFreeSpinLock(&Adapter->SendQLock);
        NdisFreeSpinLock(&Adapter->RxLock);
        NdisFreeMemory(Adapter, sizeof(*Adapter), 0);
        break;
    }
}

/* MiniportInitialize (ndis.h) — seed 003 §2.4.2 — PASSIVE_LEVEL.
 * Selects NdisMedium802_3, reads the registry parameters, declares the adapter's attributes
 * and preallocates everything the data path uses; then joins the adapter's wire. */
NDIS_STATUS LoopInitialize(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray,
    UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE WrapperConfigurationContext)
{
    PLOOP_ADAPTER Adapter = NULL;
    NDIS_STATUS Status;
    ULONG Attributes;
    UINT i;

    *OpenErrorStatus = NDIS_STATUS_SUCCESS;
    for (i = 0; i < MediumArraySize; i++)
        if (MediumArray[i] == NdisMedium802_3)
            break;
    if (i == MediumArraySize)
        return NDIS_STATUS_UNSUPPORTED_MEDIA;
    *SelectedMediumIndex = i;

    Status = NdisAllocateMemoryWithTag((PVOID *)&Adapter, sizeof(*Adapter), LOOP_TAG);
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisWriteErrorLogEntry(MiniportAdapterHandle, NDIS_ERROR_CODE_OUT_OF_RESOURCES, 1, (ULONG)LoopStageBlock);
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Adapter, sizeof(*Adapter));
    Adapter->MiniportHandle = MiniportAdapterHandle;
    Adapter->Number = (ULONG)InterlockedIncrement(&LoopDriver.NextAdapterNumber);
    Adapter->DpcsRunning = 1; /* MiniportHalt's own count, dropped before it waits */
    NdisAllocateSpinLock(&Adapter->TxLock);
    NdisAllocateSpinLock(&Adapter->SendQLock);
    NdisAllocateSpinLock(&Adapter->RxLock);
    NdisInitializeEvent(&Adapter->DpcsIdle);
    NdisInitializeEvent(&Adapter->ReturnsIdle);
    KeInitializeDpc(&Adapter->RxDpc, LoopRxDpc, Adapter);
    KeInitializeDpc(&Adapter->TransferDpc, LoopTransferDpc, Adapter);
    KeInitializeDpc(&Adapter->SendDpc, LoopSendDpc, Adapter);
    KeInitializeDpc(&Adapter->RequestDpc, LoopRequestDpc, Adapter);

    LoopReadConfiguration(WrapperConfigurationContext, &Adapter->Config);

    /* 02:00:5E + the adapter number: locally administered, unique per adapter. */
    Adapter->PermanentAddress[0] = 0x02;
    Adapter->PermanentAddress[1] = 0x00;
    Adapter->PermanentAddress[2] = 0x5E;
    Adapter->PermanentAddress[3] = (UCHAR)(Adapter->Number >> 16);
    Adapter->PermanentAddress[4] = (UCHAR)(Adapter->Number >> 8);
    Adapter->PermanentAddress[5] = (UCHAR)Adapter->Number;
    NdisMoveMemory(Adapter->CurrentAddress,
        Adapter->Config.HasNetworkAddress ? Adapter->Config.NetworkAddress : Adapter->PermanentAddress,
        LOOP_ETH_ADDRESS);

    Adapter->CurrentLookahead = Adapter->Config.LookaheadBytes;
    Adapter->MediaState = NdisMediaStateConnected;

    /* Seed §2.4.2: the attributes name the context NDIS passes back to every MiniportXxx. */
    Attributes = Adapter->Config.Serialized ? 0 : NDIS_ATTRIBUTE_DESERIALIZE;
    if (Adapter->Config.NoHaltOnSuspend)
        Attributes |= NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND;
    Adapter->PowerState = NdisDeviceStateD0;
    NdisMSetAttributesEx(MiniportAdapterHandle, (NDIS_HANDLE)Adapter, Adapter->Config.CheckForHangSeconds,
        Attributes, NdisInterfaceInternal);

    Status = NdisAllocateMemoryWithTag((PVOID *)&Adapter->MulticastList,
        Adapter->Config.MaxMulticastList * LOOP_ETH_ADDRESS, LOOP_TAG);
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisWriteErrorLogEntry(MiniportAdapterHandle, NDIS_ERROR_CODE_OUT_OF_RESOURCES, 1, (ULONG)LoopStageMulticast);
        LoopTeardown(Adapter, LoopStageBlock);
        return NDIS_STATUS_RESOURCES;
    }

    Status = LoopRxAllocate(Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisWriteErrorLogEntry(MiniportAdapterHandle, NDIS_ERROR_CODE_OUT_OF_RESOURCES, 1, (ULONG)LoopStageReceive);
        LoopTeardown(Adapter, LoopStageMulticast);
        return NDIS_STATUS_RESOURCES;
    }

    Status = LoopWireAttach(Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisWriteErrorLogEntry(MiniportAdapterHandle, NDIS_ERROR_CODE_OUT_OF_RESOURCES, 1, (ULONG)LoopStageWire);
        LoopTeardown(Adapter, LoopStageReceive);
        return Status;
    }
    return NDIS_STATUS_SUCCESS;
}

/* MiniportHalt (ndis.h) — seed 003 §2.3.1.1 — PASSIVE_LEVEL. NDIS has closed every binding.
 * Leaves the wire (no frames arrive any more), lets queued DPCs finish (the receive DPC
 * discards what it still holds), waits for indicated packets to come back, frees everything. */
VOID LoopHalt(NDIS_HANDLE MiniportAdapterContext)
{
    PLOOP_ADAPTER Adapter = (PLOOP_ADAPTER)MiniportAdapterContext;
    BOOLEAN Outstanding;

    LoopWireDetach(Adapter);

    NdisResetEvent(&Adapter->DpcsIdle);
    NdisResetEvent(&Adapter->ReturnsIdle);
    Adapter->Halting = TRUE;
    KeMemoryBarrier();
    KeFlushQueuedDpcs();
    /* Nothing queues our DPCs any more; drop our own count and wait for any still running.
     * A receive DPC that was mid-run when Halting was set may have requeued itself: take it
     * off the queue, nothing it would do matters now. */
    LoopDpcLeave(Adapter);
    NdisWaitEvent(&Adapter->DpcsIdle, 0);
    KeRemoveQueueDpc(&Adapter->RxDpc);

    NdisAcquireSpinLock(&Adapter->RxLock);
    Outstanding = Adapter->ReturnsOutstanding != 0;
    NdisReleaseSpinLock(&Adapter->RxLock);
    if (Outstanding && NdisWaitEvent(&Adapter->ReturnsIdle, LOOP_HALT_RETURN_WAIT_MS)) {
        /* The returner signals under RxLock: once we hold it, the returner has left. */
        NdisAcquireSpinLock(&Adapter->RxLock);
        Outstanding = Adapter->ReturnsOutstanding != 0;
        NdisReleaseSpinLock(&Adapter->RxLock);
    }
    if (Outstanding) {
        /* Someone still holds our packets and will return them to this adapter: freeing
         * anything would hand out freed memory, so the whole adapter is leaked, loudly. */
        DbgPrint("loop: adapter %u halted with %llu packets not returned; leaking the adapter\n",
            (unsigned)Adapter->Number, (unsigned long long)Adapter->ReturnsOutstanding);
        return;
    }
    LoopTeardown(Adapter, LoopStageReceive);
}

/* MiniportReset (ndis.h) — seed 003 §2.10 — DISPATCH_LEVEL. There is no hardware to reset and
 * the addressing state survives, so the reset completes at once. */
NDIS_STATUS LoopReset(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    *AddressingReset = FALSE;
    return NDIS_STATUS_SUCCESS;
}

/* MiniportCheckForHang (ndis.h) — seed 003 §2.3.1.1 — DISPATCH_LEVEL. A wire in memory does
 * not hang. */
BOOLEAN LoopCheckForHang(NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    return FALSE;
}

/* MiniportPnPEventNotify (ndis.h, NDIS 5.1) — seed 003 §2.9 — PASSIVE_LEVEL. Nothing to power
 * down or remove; the event is noted. */
VOID LoopPnPEventNotify(NDIS_HANDLE MiniportAdapterContext, NDIS_DEVICE_PNP_EVENT PnPEvent,
    PVOID InformationBuffer, ULONG InformationBufferLength)
{
    PLOOP_ADAPTER Adapter = (PLOOP_ADAPTER)MiniportAdapterContext;

    UNREFERENCED_PARAMETER(InformationBuffer);
    UNREFERENCED_PARAMETER(InformationBufferLength);
    DbgPrint("loop: adapter %u PnP event %d\n", (unsigned)Adapter->Number, (int)PnPEvent);
}

/* MiniportShutdown (ndis.h, NDIS 5.1) — any IRQL. No hardware to quiesce. */
VOID LoopShutdown(PVOID ShutdownContext)
{
    UNREFERENCED_PARAMETER(ShutdownContext);
}

/* DISPATCH_LEVEL; any processor. */
VOID LoopDpcEnter(PLOOP_ADAPTER Adapter)
{
    InterlockedIncrement(&Adapter->DpcsRunning);
}

/* DISPATCH_LEVEL; any processor. The count includes MiniportHalt's own, so it reaches zero
 * only once MiniportHalt dropped it; the last one out wakes MiniportHalt, and setting the
 * event is the last thing it does with the adapter. */
VOID LoopDpcLeave(PLOOP_ADAPTER Adapter)
{
    if (InterlockedDecrement(&Adapter->DpcsRunning) == 0)
        NdisSetEvent(&Adapter->DpcsIdle);
}
