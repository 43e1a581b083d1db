/* adapter.c — the afpacket adapter's life (issue 6, deliverable 1): MiniportInitialize (medium,
 * registry parameters, the interface checks, the packet and rtnetlink sockets, their io
 * events), MiniportHalt, MiniportReset, MiniportCheckForHang and the NDIS 5.1 PnP/shutdown
 * handlers (seed 003 §2.4.2, §2.9, §2.10). */
#include "afpacket.h"

/* How far MiniportInitialize got; AfpTeardown undoes exactly that (STYLE rule 7). */
typedef enum _AFP_INIT_STAGE {
    AfpStageBlock,     /* adapter block allocated, locks initialised */
    AfpStageClaimed,   /* in the adapter list: the interface is ours */
    AfpStageReceive,   /* receive pools and block table allocated */
    AfpStagePort,      /* packet socket open, rings mapped */
    AfpStageLink,      /* rtnetlink socket open */
    AfpStagePortEvent, /* receive socket watched */
    AfpStageTxEvent,   /* transmit socket registered (paused until its ring fills) */
    AfpStageLinkEvent  /* rtnetlink socket watched: running */
} AFP_INIT_STAGE;

/* One integer parameter of the adapter's instance key. */
typedef struct _AFP_PARAMETER {
    NDIS_STRING Keyword;
    PCSTR Name;
    SIZE_T Offset; /* into AFP_CONFIG */
    ULONG Default;
    ULONG Minimum;
    ULONG Maximum;
} AFP_PARAMETER;

#define AFP_PARAM(_Name, _Default, _Min, _Max) \
    { NDIS_STRING_CONST(#_Name), #_Name, offsetof(AFP_CONFIG, _Name), (_Default), (_Min), (_Max) }

static const AFP_PARAMETER AfpParameters[] = {
    AFP_PARAM(RxBlockSizeKB, 128, 4, 4096),
    AFP_PARAM(RxBlocks, 32, 2, 1024),
    AFP_PARAM(RxBlockTimeoutMs, 1, 1, 1000),
    AFP_PARAM(TxFrames, 512, 16, 16384),
    AFP_PARAM(ReceivePackets, 1024, 64, 65536),
    AFP_PARAM(QdiscBypass, 0, 0, 1),
    AFP_PARAM(TpacketVersion, 2, 2, 3),
};

static NDIS_STRING AfpInterfaceKeyword = NDIS_STRING_CONST("Interface");

/* PASSIVE_LEVEL. Fills Config from the instance key: defaults for absent integers, clamped
 * out-of-range ones. Returns FALSE (and logs why) when Interface is missing or unusable. */
static BOOLEAN AfpReadConfiguration(NDIS_HANDLE WrapperConfigurationContext, PAFP_CONFIG Config)
{
    NDIS_STATUS Status;
    NDIS_HANDLE ConfigHandle = NULL;
    PNDIS_CONFIGURATION_PARAMETER Value;
    BOOLEAN HaveInterface = FALSE;
    UINT i;

    NdisZeroMemory(Config, sizeof(*Config));
    for (i = 0; i < ARRAYSIZE(AfpParameters); i++)
        *(PULONG)((PUCHAR)Config + AfpParameters[i].Offset) = AfpParameters[i].Default;

    NdisOpenConfiguration(&Status, &ConfigHandle, WrapperConfigurationContext);
    if (Status != NDIS_STATUS_SUCCESS) {
        AfpLogError(NDIS_ERROR_CODE_MISSING_CONFIGURATION_PARAMETER, "the adapter has no configuration key");
        return FALSE;
    }
    for (i = 0; i < ARRAYSIZE(AfpParameters); i++) {
        const AFP_PARAMETER *P = &AfpParameters[i];
        ULONG v;

        NdisReadConfiguration(&Status, &Value, ConfigHandle, (PNDIS_STRING)&P->Keyword, NdisParameterInteger);
        if (Status != NDIS_STATUS_SUCCESS ||
            (Value->ParameterType != NdisParameterInteger && Value->ParameterType != NdisParameterHexInteger))
            continue;
        v = Value->ParameterData.IntegerData;
        if (v < P->Minimum || v > P->Maximum) {
            ULONG Clamped = v < P->Minimum ? P->Minimum : P->Maximum;
            DbgPrint("afpacket: parameter %s=%u out of range %u..%u, using %u\n", P->Name, (unsigned)v,
                (unsigned)P->Minimum, (unsigned)P->Maximum, (unsigned)Clamped);
            v = Clamped;
        }
        *(PULONG)((PUCHAR)Config + P->Offset) = v;
    }

    NdisReadConfiguration(&Status, &Value, ConfigHandle, &AfpInterfaceKeyword, NdisParameterString);
    if (Status == NDIS_STATUS_SUCCESS && Value->ParameterType == NdisParameterString) {
        PNDIS_STRING Name = &Value->ParameterData.StringData;
        USHORT Characters = Name->Length / sizeof(WCHAR);

        if (Characters == 0) {
            AfpLogError(NDIS_ERROR_CODE_MISSING_CONFIGURATION_PARAMETER, "the Interface parameter is empty");
        } else if (Characters >= AFP_IFNAME_BYTES) {
            AfpLogError(NDIS_ERROR_CODE_UNSUPPORTED_CONFIGURATION,
                "Interface parameter is longer than %u characters", (unsigned)(AFP_IFNAME_BYTES - 1));
        } else {
            HaveInterface = TRUE;
            for (i = 0; i < Characters; i++) {
                WCHAR c = Name->Buffer[i];
                /* Linux interface names are bytes without '/', ':' or blanks; we take ASCII. */
                if (c <= 0x20 || c >= 0x7F || c == '/' || c == ':') {
                    AfpLogError(NDIS_ERROR_CODE_UNSUPPORTED_CONFIGURATION,
                        "Interface parameter is not a Linux interface name");
                    HaveInterface = FALSE;
                    break;
                }
                Config->Interface[i] = (char)c;
            }
        }
    } else {
        AfpLogError(NDIS_ERROR_CODE_MISSING_CONFIGURATION_PARAMETER,
            "the adapter has no Interface parameter (strata device add ... --param Interface=IFNAME)");
    }
    NdisCloseConfiguration(ConfigHandle);

    /* The receive block size must be a power of two. */
    for (i = 31; i > 0 && (Config->RxBlockSizeKB & (1U << i)) == 0; i--)
        ;
    Config->RxBlockSizeKB = 1U << i;
    return HaveInterface;
}

/* PASSIVE_LEVEL. Enters Adapter in the driver's list unless another adapter drives the same
 * interface (returns that adapter's number then, else 0). */
static ULONG AfpClaimInterface(PAFP_ADAPTER Adapter)
{
    PLIST_ENTRY Entry;
    ULONG Owner = 0;

    NdisAcquireSpinLock(&AfpDriver.Lock);
    for (Entry = AfpDriver.Adapters.Flink; Entry != &AfpDriver.Adapters; Entry = Entry->Flink) {
        PAFP_ADAPTER Other = CONTAINING_RECORD(Entry, AFP_ADAPTER, Link);
        if (Other->IfIndex == Adapter->IfIndex) {
            Owner = Other->Number;
            break;
        }
    }
    if (Owner == 0)
        InsertTailList(&AfpDriver.Adapters, &Adapter->Link);
    NdisReleaseSpinLock(&AfpDriver.Lock);
    return Owner;
}

/* PASSIVE_LEVEL; only from AfpInitialize's failure paths and AfpHalt (after the io events are
 * gone and every packet came back). Releases what AfpInitialize had built up to Reached. */
static VOID AfpTeardown(PAFP_ADAPTER Adapter, AFP_INIT_STAGE Reached)
{
    switch (Reached) {
    case AfpStageLinkEvent:
        StrataDeregisterIoEvent(Adapter->LinkEvent);
        /* fall through */
    case AfpStageTxEvent:
        StrataDeregisterIoEvent(Adapter->TxEvent);
        /* fall through */
    case AfpStagePortEvent:
        StrataDeregisterIoEvent(Adapter->PortEvent);
        /* fall through */
    case AfpStageLink:
        afp_link_close(Adapter->LinkFd);
        /* fall through */
    case AfpStagePort:
        afp_port_close(&Adapter->Port);
        /* fall through */
    case AfpStageReceive:
        AfpRxFree(Adapter);
        /* fall through */
    case AfpStageClaimed:
        NdisAcquireSpinLock(&AfpDriver.Lock);
        RemoveEntryList(&Adapter->Link);
        NdisReleaseSpinLock(&AfpDriver.Lock);
        /* fall through */
    case AfpStageBlock:
        NdisFreeSpinLock(&Adapter->TxLock);
        NdisFreeSpinLock(&Adapter->MaskLock);
        NdisFreeMemory(Adapter, sizeof(*Adapter), 0);
        break;
    }
}

/* A ring frame: the smallest power of two from 2 KiB that holds an MTU-sized frame behind
 * DataOffset bytes. */
static ULONG AfpRingFrameBytes(ULONG Mtu, ULONG DataOffset)
{
    ULONG Bytes = 2048;

    while (Bytes < 65536 && Bytes < DataOffset + AFP_ETH_HEADER + Mtu)
        Bytes <<= 1;
    return Bytes;
}

/* PASSIVE_LEVEL. The rings' geometry, from the parameters and the MTU. */
static VOID AfpPlanRings(PAFP_ADAPTER Adapter)
{
    struct afp_ring_config *Rings = &Adapter->Rings;

    NdisZeroMemory(Rings, sizeof(*Rings));
    Rings->version = Adapter->Config.TpacketVersion == 3 ? AFP_RING_V3 : AFP_RING_V2;
    Rings->rx_block_bytes = Adapter->Config.RxBlockSizeKB * 1024U;
    Rings->rx_block_count = Adapter->Config.RxBlocks;
    Rings->rx_block_timeout_ms = Adapter->Config.RxBlockTimeoutMs;
    /* A V2 slot holds an MTU-sized frame with an 802.1Q tag behind the kernel's headers (at
     * most 90 bytes with the virtio header); GSO frames take the copy path. */
    Rings->rx_frame_bytes = AfpRingFrameBytes(Adapter->Mtu + 4, 128);
    if (Rings->rx_block_bytes < Rings->rx_frame_bytes)
        Rings->rx_block_bytes = Rings->rx_frame_bytes;
    /* The data offset is 48 bytes (TPACKET_V3's header; V2's is 32); 64 leaves room. */
    Rings->tx_frame_bytes = AfpRingFrameBytes(Adapter->Mtu, 64);
    Rings->tx_frame_count = Adapter->Config.TxFrames;
    Rings->qdisc_bypass = Adapter->Config.QdiscBypass != 0;
    Adapter->RxBlockCount = afp_rx_block_total(Rings);
    Adapter->RxBlocksPerEvent = Rings->version == AFP_RING_V2 ? AFP_RX_FRAMES_PER_EVENT : AFP_RX_BLOCKS_PER_EVENT;
}

/* PASSIVE_LEVEL. Opens the packet socket on the claimed interface; logs why it cannot. */
static NDIS_STATUS AfpOpenPort(PAFP_ADAPTER Adapter)
{
    int Error;

    Error = afp_port_open(&Adapter->Port, Adapter->IfIndex, &Adapter->Rings);
    if (Error == 0)
        return NDIS_STATUS_SUCCESS;
    AfpLogError(NDIS_ERROR_CODE_DRIVER_FAILURE, "cannot open a packet socket on interface %s: %s",
        Adapter->Config.Interface, afp_error_text(Error));
    return NDIS_STATUS_OPEN_FAILED;
}

/* MiniportInitialize (ndis.h) — seed 003 §2.4.2 — PASSIVE_LEVEL.
 * Selects NdisMedium802_3, reads the parameters, checks the interface (exists, Ethernet, up,
 * not driven by another adapter), preallocates the receive descriptors, opens the packet and
 * rtnetlink sockets and starts watching them. Every failure is one event-log line. */
NDIS_STATUS AfpInitialize(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray,
    UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE WrapperConfigurationContext)
{
    PAFP_ADAPTER Adapter = NULL;
    struct afp_if_info Info;
    NDIS_STATUS Status;
    ULONG Owner;
    int Error;
    UINT i;

    *OpenErrorStatus = NDIS_STATUS_SUCCESS;
    for (i = 0; i < MediumArraySize; i++)
        if (MediumArray[i] == NdisMedium802_3)
            break;
    if (i == MediumArraySize)
        return NDIS_STATUS_UNSUPPORTED_MEDIA;
    *SelectedMediumIndex = i;

    Status = NdisAllocateMemoryWithTag((PVOID *)&Adapter, sizeof(*Adapter), AFP_TAG);
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisWriteErrorLogEntry(MiniportAdapterHandle, NDIS_ERROR_CODE_OUT_OF_RESOURCES, 1, (ULONG)AfpStageBlock);
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Adapter, sizeof(*Adapter));
    Adapter->MiniportHandle = MiniportAdapterHandle;
    Adapter->Number = (ULONG)InterlockedIncrement(&AfpDriver.NextAdapterNumber);
    Adapter->LinkFd = -1;
    Adapter->Port.fd = -1;
    Adapter->Port.tx_fd = -1;
    NdisAllocateSpinLock(&Adapter->TxLock);
    NdisAllocateSpinLock(&Adapter->MaskLock);
    NdisInitializeEvent(&Adapter->ReturnsIdle);
    NdisMInitializeTimer(&Adapter->ParkTimer, MiniportAdapterHandle, AfpParkTimer, Adapter);
    KeInitializeDpc(&Adapter->RxPollDpc, AfpRxPollDpc, Adapter);

    if (!AfpReadConfiguration(WrapperConfigurationContext, &Adapter->Config)) {
        AfpTeardown(Adapter, AfpStageBlock);
        return NDIS_STATUS_FAILURE;
    }
    Error = afp_if_query(Adapter->Config.Interface, &Info);
    if (Error != 0) {
        AfpLogError(Error == AFP_ENODEV ? NDIS_ERROR_CODE_ADAPTER_NOT_FOUND : NDIS_ERROR_CODE_UNSUPPORTED_CONFIGURATION,
            "interface %s: %s", Adapter->Config.Interface, afp_error_text(Error));
        AfpTeardown(Adapter, AfpStageBlock);
        return Error == AFP_ENODEV ? NDIS_STATUS_ADAPTER_NOT_FOUND : NDIS_STATUS_NOT_ACCEPTED;
    }
    if ((Info.flags & AFP_IFF_UP) == 0) {
        AfpLogError(NDIS_ERROR_CODE_ADAPTER_DISABLED, "interface %s is down (ip link set %s up)",
            Adapter->Config.Interface, Adapter->Config.Interface);
        AfpTeardown(Adapter, AfpStageBlock);
        return NDIS_STATUS_ADAPTER_NOT_READY;
    }
    Adapter->IfIndex = Info.ifindex;
    Adapter->Mtu = Info.mtu;
    NdisMoveMemory(Adapter->PermanentAddress, Info.mac, AFP_ETH_ADDRESS);
    Adapter->CurrentLookahead = Info.mtu;
    Adapter->MediaState = afp_flags_connected(Info.flags) ? NdisMediaStateConnected : NdisMediaStateDisconnected;

    Owner = AfpClaimInterface(Adapter);
    if (Owner != 0) {
        AfpLogError(NDIS_ERROR_CODE_RESOURCE_CONFLICT, "interface %s is already driven by afpacket adapter %u",
            Adapter->Config.Interface, (unsigned)Owner);
        AfpTeardown(Adapter, AfpStageBlock);
        return NDIS_STATUS_RESOURCE_CONFLICT;
    }

    /* Seed §2.4.2: the attributes name the context NDIS passes back to every MiniportXxx. */
    NdisMSetAttributesEx(MiniportAdapterHandle, (NDIS_HANDLE)Adapter, 0, NDIS_ATTRIBUTE_DESERIALIZE,
        NdisInterfacePNPBus);

    AfpPlanRings(Adapter);
    Status = AfpRxAllocate(Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisWriteErrorLogEntry(MiniportAdapterHandle, NDIS_ERROR_CODE_OUT_OF_RESOURCES, 1, (ULONG)AfpStageReceive);
        AfpTeardown(Adapter, AfpStageClaimed);
        return NDIS_STATUS_RESOURCES;
    }
    Status = AfpOpenPort(Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        AfpTeardown(Adapter, AfpStageReceive);
        return Status;
    }
    Adapter->LinkFd = afp_link_open();
    if (Adapter->LinkFd < 0) {
        AfpLogError(NDIS_ERROR_CODE_DRIVER_FAILURE, "cannot open an rtnetlink socket for interface %s: %s",
            Adapter->Config.Interface, afp_error_text(Adapter->LinkFd));
        AfpTeardown(Adapter, AfpStagePort);
        return NDIS_STATUS_OPEN_FAILED;
    }

    /* Frames may be indicated from here on; before a protocol binds NDIS hands them back. */
    Adapter->PortMask = STRATA_IO_READABLE;
    Adapter->AppliedMask = STRATA_IO_READABLE;
    Status = StrataMRegisterIoEvent(&Adapter->PortEvent, MiniportAdapterHandle, Adapter->Port.fd,
        Adapter->AppliedMask, AfpPortEvent, Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        AfpLogError(NDIS_ERROR_CODE_DRIVER_FAILURE, "cannot watch the packet socket of interface %s (0x%08X)",
            Adapter->Config.Interface, (unsigned)Status);
        AfpTeardown(Adapter, AfpStageLink);
        return NDIS_STATUS_FAILURE;
    }
    KeSetTargetProcessorDpc(&Adapter->RxPollDpc, (CCHAR)StrataGetIoEventProcessor(Adapter->PortEvent));
    /* Paused: a watched socket is woken for every frame the kernel frees (strata/io_event.h). */
    Status = StrataMRegisterIoEvent(&Adapter->TxEvent, MiniportAdapterHandle, Adapter->Port.tx_fd, 0,
        AfpTxEvent, Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        AfpLogError(NDIS_ERROR_CODE_DRIVER_FAILURE, "cannot watch the transmit socket of interface %s (0x%08X)",
            Adapter->Config.Interface, (unsigned)Status);
        AfpTeardown(Adapter, AfpStagePortEvent);
        return NDIS_STATUS_FAILURE;
    }
    Status = StrataMRegisterIoEvent(&Adapter->LinkEvent, MiniportAdapterHandle, Adapter->LinkFd,
        STRATA_IO_READABLE, AfpLinkEvent, Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        AfpLogError(NDIS_ERROR_CODE_DRIVER_FAILURE, "cannot watch the rtnetlink socket of interface %s (0x%08X)",
            Adapter->Config.Interface, (unsigned)Status);
        AfpTeardown(Adapter, AfpStageTxEvent);
        return NDIS_STATUS_FAILURE;
    }
    return NDIS_STATUS_SUCCESS;
}

/* MiniportHalt (ndis.h) — seed 003 §2.3.1.1 — PASSIVE_LEVEL. NDIS has closed every binding.
 * Stops the io events and the park timer, fails sends still waiting, waits for indicated
 * packets to come back (their buffers point into the ring), then closes and frees everything. */
VOID AfpHalt(NDIS_HANDLE MiniportAdapterContext)
{
    PAFP_ADAPTER Adapter = (PAFP_ADAPTER)MiniportAdapterContext;
    BOOLEAN Cancelled;

    NdisAcquireSpinLock(&Adapter->MaskLock);
    Adapter->Halting = TRUE;
    NdisReleaseSpinLock(&Adapter->MaskLock);
    StrataDeregisterIoEvent(Adapter->LinkEvent);
    StrataDeregisterIoEvent(Adapter->TxEvent);
    StrataDeregisterIoEvent(Adapter->PortEvent);
    NdisMCancelTimer(&Adapter->ParkTimer, &Cancelled);
    KeFlushQueuedDpcs(); /* a park timer that fired, a poll DPC queued: both ran (and did nothing) */
    AfpTxFlush(Adapter, NDIS_STATUS_FAILURE);

    /* Drop the adapter's own reference on RxOutstanding; the last returner sets ReturnsIdle
     * under MaskLock, so once we hold that lock the returner has left. */
    if (InterlockedDecrement(&Adapter->RxOutstanding) != 0) {
        if (!NdisWaitEvent(&Adapter->ReturnsIdle, AFP_HALT_RETURN_WAIT_MS)) {
            /* Someone still holds packets pointing into our ring: unmapping it would hand out
             * freed memory, so the adapter is leaked, loudly. */
            DbgPrint("afpacket: adapter %u (%s) halted with %d packets not returned; leaking the adapter\n",
                (unsigned)Adapter->Number, Adapter->Config.Interface, (int)Adapter->RxOutstanding);
            return;
        }
        NdisAcquireSpinLock(&Adapter->MaskLock);
        NdisReleaseSpinLock(&Adapter->MaskLock);
    }
    AfpTeardown(Adapter, AfpStageLink);
}

/* Under MaskLock. Applies PortMask to the two sockets' watches, less READABLE while the receive
 * side polls from its DPC and nothing once the interface is gone. */
static VOID AfpApplyMaskLocked(PAFP_ADAPTER Adapter)
{
    ULONG Mask = Adapter->PortMask;
    ULONG Changed;

    if (Adapter->RxPolling)
        Mask &= ~STRATA_IO_READABLE;
    if (Adapter->Gone)
        Mask = 0;
    Changed = Mask ^ Adapter->AppliedMask;
    if (Changed == 0 || Adapter->Halting)
        return;
    Adapter->AppliedMask = Mask;
    if ((Changed & STRATA_IO_READABLE) != 0)
        StrataSetIoEventMask(Adapter->PortEvent, Mask & STRATA_IO_READABLE);
    if ((Changed & STRATA_IO_WRITABLE) != 0)
        StrataSetIoEventMask(Adapter->TxEvent, Mask & STRATA_IO_WRITABLE);
}

VOID AfpUpdatePortMask(PAFP_ADAPTER Adapter, ULONG Set, ULONG Clear)
{
    NdisAcquireSpinLock(&Adapter->MaskLock);
    Adapter->PortMask = (Adapter->PortMask | Set) & ~Clear;
    AfpApplyMaskLocked(Adapter);
    NdisReleaseSpinLock(&Adapter->MaskLock);
}

VOID AfpRxSetPolling(PAFP_ADAPTER Adapter, BOOLEAN Polling)
{
    NdisDprAcquireSpinLock(&Adapter->MaskLock);
    Adapter->RxPolling = Polling;
    if (Polling && !Adapter->Halting && !Adapter->Gone)
        KeInsertQueueDpc(&Adapter->RxPollDpc, NULL, NULL);
    AfpApplyMaskLocked(Adapter);
    NdisDprReleaseSpinLock(&Adapter->MaskLock);
}

/* MiniportReset (ndis.h) — seed 003 §2.10 — DISPATCH_LEVEL. The interface is the kernel's and
 * keeps its addressing, so the reset completes at once. */
NDIS_STATUS AfpReset(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    *AddressingReset = FALSE;
    return NDIS_STATUS_SUCCESS;
}

/* MiniportCheckForHang (ndis.h) — seed 003 §2.3.1.1 — DISPATCH_LEVEL. The kernel owns the
 * device; a stuck transmit ring shows as a disconnect, not a hang. */
BOOLEAN AfpCheckForHang(NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    return FALSE;
}

/* MiniportPnPEventNotify (ndis.h, NDIS 5.1) — seed 003 §2.9 — PASSIVE_LEVEL. Surprise removal
 * of the interface is seen through rtnetlink (link.c); the event is noted. */
VOID AfpPnPEventNotify(NDIS_HANDLE MiniportAdapterContext, NDIS_DEVICE_PNP_EVENT PnPEvent,
    PVOID InformationBuffer, ULONG InformationBufferLength)
{
    PAFP_ADAPTER Adapter = (PAFP_ADAPTER)MiniportAdapterContext;

    UNREFERENCED_PARAMETER(InformationBuffer);
    UNREFERENCED_PARAMETER(InformationBufferLength);
    DbgPrint("afpacket: adapter %u (%s) PnP event %d\n", (unsigned)Adapter->Number, Adapter->Config.Interface,
        (int)PnPEvent);
}

/* MiniportShutdown (ndis.h, NDIS 5.1) — any IRQL. The kernel quiesces the interface. */
VOID AfpShutdown(PVOID ShutdownContext)
{
    UNREFERENCED_PARAMETER(ShutdownContext);
}
