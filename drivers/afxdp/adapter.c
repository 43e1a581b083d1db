/* adapter.c — the afxdp adapter's life: MiniportInitialize (medium, registry parameters, the
 * interface, the UMEM and its packets, the AF_XDP socket, the io events), MiniportHalt,
 * MiniportReset, MiniportCheckForHang and the NDIS 5.1 PnP/shutdown handlers (seed 003 §2.4.2,
 * §2.9, §2.10; issue 6 deliverable 1). */
#include "afxdp.h"

/* How far MiniportInitialize got; AfxdpTeardown undoes exactly that (STYLE rule 7). */
typedef enum _AFXDP_INIT_STAGE {
    AfxdpStageBlock,   /* adapter block allocated, locks, events and timer initialised */
    AfxdpStagePackets, /* receive packets, buffer pool and transmit tables allocated */
    AfxdpStagePort     /* the AF_XDP socket exists, the fill ring holds every receive frame */
} AFXDP_INIT_STAGE;

/* One integer parameter of the adapter's instance key. */
typedef struct _AFXDP_PARAMETER {
    NDIS_STRING Keyword;
    PCSTR Name;    /* the keyword again, for messages */
    SIZE_T Offset; /* into AFXDP_CONFIG */
    ULONG Default;
    ULONG Minimum;
    ULONG Maximum;
} AFXDP_PARAMETER;

#define AFXDP_PARAM(_Name, _Default, _Min, _Max) \
    { NDIS_STRING_CONST(#_Name), #_Name, offsetof(AFXDP_CONFIG, _Name), (_Default), (_Min), (_Max) }

static const AFXDP_PARAMETER AfxdpParameters[] = {
    AFXDP_PARAM(Queue, 0, 0, 1023),
    AFXDP_PARAM(ZeroCopy, XP_ZEROCOPY_AUTO, XP_ZEROCOPY_OFF, XP_ZEROCOPY_AUTO),
    AFXDP_PARAM(XdpMode, XP_XDP_AUTO, XP_XDP_AUTO, XP_XDP_GENERIC),
    AFXDP_PARAM(FrameSize, 0, 0, 4096),
    AFXDP_PARAM(ReceiveBuffers, 1024, 64, 8192),
    AFXDP_PARAM(TransmitBuffers, 512, 64, 4096),
};

static NDIS_STRING AfxdpInterfaceKeyword = NDIS_STRING_CONST("Interface");

/* The largest power of two not above Value (Value >= 1). */
static ULONG AfxdpPowerOfTwoBelow(ULONG Value)
{
    ULONG Power = 1;

    while (Power <= Value / 2)
        Power *= 2;
    return Power;
}

/* PASSIVE_LEVEL. Reads the Interface parameter into Config->Interface; FALSE (logged) when it is
 * missing or not a Linux interface name. */
static BOOLEAN AfxdpReadInterface(NDIS_HANDLE ConfigHandle, PAFXDP_CONFIG Config)
{
    PNDIS_CONFIGURATION_PARAMETER Value;
    NDIS_STATUS Status;
    PNDIS_STRING Name;
    USHORT Characters;
    USHORT i;

    NdisReadConfiguration(&Status, &Value, ConfigHandle, &AfxdpInterfaceKeyword, NdisParameterString);
    if (Status != NDIS_STATUS_SUCCESS || Value->ParameterType != NdisParameterString) {
        AfxdpLog(NDIS_ERROR_CODE_MISSING_CONFIGURATION_PARAMETER,
            "the adapter has no Interface parameter (strata device add strata_afxdp --param Interface=IFNAME)");
        return FALSE;
    }
    Name = &Value->ParameterData.StringData;
    Characters = Name->Length / sizeof(WCHAR);
    if (Characters == 0 || Characters >= XP_IFNAME_BYTES) {
        AfxdpLog(NDIS_ERROR_CODE_UNSUPPORTED_CONFIGURATION, "Interface parameter must have 1 to %u characters",
            (unsigned)(XP_IFNAME_BYTES - 1));
        return FALSE;
    }
    for (i = 0; i < Characters; i++) {
        WCHAR c = Name->Buffer[i];

        /* Linux interface names are bytes without '/', ':' or blanks; we take ASCII. */
        if (c <= 0x20 || c >= 0x7F || c == '/' || c == ':') {
            AfxdpLog(NDIS_ERROR_CODE_UNSUPPORTED_CONFIGURATION, "Interface parameter is not a Linux interface name");
            return FALSE;
        }
        Config->Interface[i] = (char)c;
    }
    Config->Interface[Characters] = '\0';
    return TRUE;
}

/* PASSIVE_LEVEL. Fills Config from the instance key: defaults for absent integers, clamped
 * out-of-range ones, ring sizes rounded down to powers of two. FALSE (logged) without a usable
 * Interface. */
static BOOLEAN AfxdpReadConfiguration(NDIS_HANDLE WrapperConfigurationContext, PAFXDP_CONFIG Config)
{
    NDIS_STATUS Status;
    NDIS_HANDLE ConfigHandle = NULL;
    BOOLEAN HaveInterface;
    UINT i;

    NdisZeroMemory(Config, sizeof(*Config));
    for (i = 0; i < ARRAYSIZE(AfxdpParameters); i++)
        *(PULONG)((PUCHAR)Config + AfxdpParameters[i].Offset) = AfxdpParameters[i].Default;

    NdisOpenConfiguration(&Status, &ConfigHandle, WrapperConfigurationContext);
    if (Status != NDIS_STATUS_SUCCESS) {
        AfxdpLog(NDIS_ERROR_CODE_MISSING_CONFIGURATION_PARAMETER, "the adapter has no configuration key");
        return FALSE;
    }
    for (i = 0; i < ARRAYSIZE(AfxdpParameters); i++) {
        const AFXDP_PARAMETER *P = &AfxdpParameters[i];
        PNDIS_CONFIGURATION_PARAMETER Value;
        ULONG v;

        NdisReadConfiguration(&Status, &Value, ConfigHandle, (PNDIS_STRING)&P->Keyword, NdisParameterInteger);
        if (Status != NDIS_STATUS_SUCCESS ||
            (Value->ParameterType != NdisParameterInteger && Value->ParameterType != NdisParameterHexInteger))
            continue;
        v = Value->ParameterData.IntegerData;
        if (v < P->Minimum || v > P->Maximum) {
            ULONG Clamped = v < P->Minimum ? P->Minimum : P->Maximum;
            DbgPrint("afxdp: parameter %s=%u out of range %u..%u, using %u\n", P->Name, (unsigned)v,
                (unsigned)P->Minimum, (unsigned)P->Maximum, (unsigned)Clamped);
            v = Clamped;
        }
        *(PULONG)((PUCHAR)Config + P->Offset) = v;
    }
    HaveInterface = AfxdpReadInterface(ConfigHandle, Config);
    NdisCloseConfiguration(ConfigHandle);

    /* The rings need powers of two; a frame size is 2048, 4096 or automatic. */
    Config->ReceiveBuffers = AfxdpPowerOfTwoBelow(Config->ReceiveBuffers);
    Config->TransmitBuffers = AfxdpPowerOfTwoBelow(Config->TransmitBuffers);
    if (Config->FrameSize != 0 && Config->FrameSize != 2048 && Config->FrameSize != 4096) {
        DbgPrint("afxdp: parameter FrameSize=%u is not 0, 2048 or 4096, using 0 (automatic)\n",
            (unsigned)Config->FrameSize);
        Config->FrameSize = 0;
    }
    return HaveInterface;
}

/* PASSIVE_LEVEL. Checks the interface and derives the frame size from its MTU. */
static NDIS_STATUS AfxdpProbeInterface(PAFXDP_ADAPTER Adapter)
{
    const char *Name = Adapter->Config.Interface;
    struct xp_if_info Info;
    ULONG Needed;
    int Result;

    Result = xp_if_query(Name, &Info);
    if (Result == XP_ERR_NODEV) {
        AfxdpLog(NDIS_ERROR_CODE_ADAPTER_NOT_FOUND, "no interface named %s", Name);
        return NDIS_STATUS_ADAPTER_NOT_FOUND;
    }
    if (Result != 0) {
        AfxdpLog(NDIS_ERROR_CODE_ADAPTER_NOT_FOUND, "interface %s: %s", Name,
            Result == XP_ERR_NOT_ETHERNET ? "not an Ethernet interface" : xp_error_text(Result));
        return NDIS_STATUS_ADAPTER_NOT_FOUND;
    }
    if ((Info.flags & XP_IFF_UP) == 0) {
        AfxdpLog(NDIS_ERROR_CODE_ADAPTER_DISABLED, "interface %s is down (ip link set %s up)", Name, Name);
        return NDIS_STATUS_ADAPTER_NOT_READY;
    }
    Adapter->IfIndex = Info.ifindex;
    Adapter->Mtu = Info.mtu;
    Adapter->MaxFrame = Info.mtu + AFXDP_ETH_HEADER;
    NdisMoveMemory(Adapter->PermanentAddress, Info.mac, AFXDP_ETH_ADDRESS);
    Adapter->MediaState = (Info.flags & XP_IFF_RUNNING) != 0 ? NdisMediaStateConnected : NdisMediaStateDisconnected;
    Adapter->LinkSpeedMbps = xp_if_speed_mbps(Info.ifindex);
    if (Adapter->LinkSpeedMbps == 0)
        Adapter->LinkSpeedMbps = AFXDP_DEFAULT_SPEED_MBPS;

    /* A received frame (VLAN tag included) must fit behind the kernel's headroom. */
    Needed = Adapter->MaxFrame + AFXDP_VLAN_TAG + XP_RX_HEADROOM;
    Adapter->FrameSize = Adapter->Config.FrameSize != 0 ? Adapter->Config.FrameSize : (Needed <= 2048 ? 2048 : 4096);
    if (Needed > Adapter->FrameSize) {
        AfxdpLog(NDIS_ERROR_CODE_UNSUPPORTED_CONFIGURATION,
            "interface %s: MTU %u does not fit %u-byte UMEM frames (at most MTU %u%s)", Name, (unsigned)Info.mtu,
            (unsigned)Adapter->FrameSize,
            (unsigned)(Adapter->FrameSize - XP_RX_HEADROOM - AFXDP_VLAN_TAG - AFXDP_ETH_HEADER),
            Adapter->FrameSize < 4096 ? "; FrameSize=4096 allows more" : "");
        return NDIS_STATUS_NOT_SUPPORTED;
    }
    Adapter->FrameShift = Adapter->FrameSize == 4096 ? 12 : 11;
    return NDIS_STATUS_SUCCESS;
}

/* PASSIVE_LEVEL. Receive packets and buffer descriptors (one per receive frame) and the
 * transmit tables. */
static NDIS_STATUS AfxdpAllocatePackets(PAFXDP_ADAPTER Adapter)
{
    ULONG Rx = Adapter->Config.ReceiveBuffers;
    ULONG Tx = Adapter->Config.TransmitBuffers;
    NDIS_STATUS Status;
    ULONG i;

    Status = NdisAllocateMemoryWithTag((PVOID *)&Adapter->RxPackets, Rx * sizeof(PNDIS_PACKET), AFXDP_TAG);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    NdisZeroMemory(Adapter->RxPackets, Rx * sizeof(PNDIS_PACKET));
    Status = NdisAllocateMemoryWithTag((PVOID *)&Adapter->TxPackets, Tx * sizeof(PNDIS_PACKET), AFXDP_TAG);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    NdisZeroMemory(Adapter->TxPackets, Tx * sizeof(PNDIS_PACKET));
    Status = NdisAllocateMemoryWithTag((PVOID *)&Adapter->TxFree, Tx * sizeof(ULONG), AFXDP_TAG);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    for (i = 0; i < Tx; i++)
        Adapter->TxFree[i] = Tx - 1 - i; /* frame 0 on top */
    Adapter->TxFreeCount = Tx;

    /* Receive packets leave protocols the ProtocolReserved space they may use. */
    NdisAllocatePacketPool(&Status, &Adapter->RxPacketPool, Rx, PROTOCOL_RESERVED_SIZE_IN_PACKET);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    NdisAllocateBufferPool(&Status, &Adapter->RxBufferPool, Rx);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    for (i = 0; i < Rx; i++) {
        NdisAllocatePacket(&Status, &Adapter->RxPackets[i], Adapter->RxPacketPool);
        if (Status != NDIS_STATUS_SUCCESS) {
            Adapter->RxPackets[i] = NULL;
            return Status;
        }
        AFXDP_RESERVED(Adapter->RxPackets[i])->Next = NULL;
        AFXDP_RESERVED(Adapter->RxPackets[i])->Frame = i;
    }
    return NDIS_STATUS_SUCCESS;
}

/* Frees what AfxdpAllocatePackets allocated, whether it finished or not. */
static VOID AfxdpFreePackets(PAFXDP_ADAPTER Adapter)
{
    ULONG i;

    if (Adapter->RxPackets != NULL) {
        for (i = 0; i < Adapter->Config.ReceiveBuffers; i++)
            if (Adapter->RxPackets[i] != NULL)
                NdisFreePacket(Adapter->RxPackets[i]);
        NdisFreeMemory(Adapter->RxPackets, Adapter->Config.ReceiveBuffers * sizeof(PNDIS_PACKET), 0);
    }
    if (Adapter->RxBufferPool != NULL)
        NdisFreeBufferPool(Adapter->RxBufferPool);
    if (Adapter->RxPacketPool != NULL)
        NdisFreePacketPool(Adapter->RxPacketPool);
    if (Adapter->TxPackets != NULL)
        NdisFreeMemory(Adapter->TxPackets, Adapter->Config.TransmitBuffers * sizeof(PNDIS_PACKET), 0);
    if (Adapter->TxFree != NULL)
        NdisFreeMemory(Adapter->TxFree, Adapter->Config.TransmitBuffers * sizeof(ULONG), 0);
}

/* PASSIVE_LEVEL. Opens the AF_XDP socket and puts every receive frame on the fill ring. */
static NDIS_STATUS AfxdpOpenPort(PAFXDP_ADAPTER Adapter)
{
    struct xp_config Config;
    char Error[XP_ERROR_BYTES];
    uint64_t Frames[AFXDP_RX_BATCH];
    ULONG Frame = 0;
    int Result;

    NdisZeroMemory(&Config, sizeof(Config));
    Config.ifname = Adapter->Config.Interface;
    Config.queue = Adapter->Config.Queue;
    Config.zero_copy = (int)Adapter->Config.ZeroCopy;
    Config.xdp_mode = (int)Adapter->Config.XdpMode;
    Config.frame_size = Adapter->FrameSize;
    Config.rx_frames = Adapter->Config.ReceiveBuffers;
    Config.tx_frames = Adapter->Config.TransmitBuffers;
    Result = xp_port_open(&Adapter->Port, &Config, Error);
    if (Result != 0) {
        AfxdpLog(NDIS_ERROR_CODE_HARDWARE_FAILURE, "%s", Error);
        if (Result == XP_ERR_NOMEM)
            return NDIS_STATUS_RESOURCES;
        if (Result == XP_ERR_NODEV)
            return NDIS_STATUS_ADAPTER_NOT_FOUND;
        return NDIS_STATUS_NOT_SUPPORTED;
    }
    while (Frame < Adapter->Config.ReceiveBuffers) {
        UINT Count = 0;

        while (Count < AFXDP_RX_BATCH && Frame < Adapter->Config.ReceiveBuffers)
            Frames[Count++] = (uint64_t)Frame++ << Adapter->FrameShift;
        xp_fill(Adapter->Port, Frames, Count);
    }
    return NDIS_STATUS_SUCCESS;
}

/* PASSIVE_LEVEL. Watches the socket and the interface's link state. A link watch that cannot be
 * opened only costs the media indications, so it is logged, not fatal. */
static NDIS_STATUS AfxdpRegisterEvents(PAFXDP_ADAPTER Adapter)
{
    NDIS_STATUS Status;

    Status = StrataMRegisterIoEvent(&Adapter->PortEvent, Adapter->MiniportHandle, xp_port_fd(Adapter->Port),
        STRATA_IO_READABLE, AfxdpPortEvent, Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        AfxdpLog(NDIS_ERROR_CODE_INTERRUPT_CONNECT, "interface %s: StrataMRegisterIoEvent failed with %08x",
            Adapter->Config.Interface, (unsigned)Status);
        return Status;
    }
    KeSetTargetProcessorDpc(&Adapter->RxPollDpc, (CCHAR)StrataGetIoEventProcessor(Adapter->PortEvent));
    /* Paused until sends are in flight: a watched socket is woken for every frame the kernel frees. */
    Status = StrataMRegisterIoEvent(&Adapter->TxEvent, Adapter->MiniportHandle, xp_port_tx_fd(Adapter->Port), 0,
        AfxdpTxEvent, Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        AfxdpLog(NDIS_ERROR_CODE_INTERRUPT_CONNECT, "interface %s: StrataMRegisterIoEvent (transmit) failed with %08x",
            Adapter->Config.Interface, (unsigned)Status);
        StrataDeregisterIoEvent(Adapter->PortEvent);
        return Status;
    }
    Adapter->LinkFd = xp_link_open();
    if (Adapter->LinkFd < 0) {
        DbgPrint("afxdp: %s: no rtnetlink link watch (%s); media state stays as at start\n",
            Adapter->Config.Interface, xp_error_text(Adapter->LinkFd));
        return NDIS_STATUS_SUCCESS;
    }
    Status = StrataMRegisterIoEvent(&Adapter->LinkEvent, Adapter->MiniportHandle, Adapter->LinkFd,
        STRATA_IO_READABLE, AfxdpLinkEvent, Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("afxdp: %s: link watch not registered (%08x)\n", Adapter->Config.Interface, (unsigned)Status);
        xp_link_close(Adapter->LinkFd);
        Adapter->LinkFd = -1;
        Adapter->LinkEvent = NULL;
    }
    return NDIS_STATUS_SUCCESS;
}

/* PASSIVE_LEVEL; called only from AfxdpInitialize's failure paths and AfxdpHalt. Releases what
 * AfxdpInitialize had built up to Reached. */
static VOID AfxdpTeardown(PAFXDP_ADAPTER Adapter, AFXDP_INIT_STAGE Reached)
{
    switch (Reached) {
    case AfxdpStagePort:
        xp_port_close(Adapter->Port);
        /* fall through */
    case AfxdpStagePackets:
        AfxdpFreePackets(Adapter);
        /* fall through */
    case AfxdpStageBlock:
        NdisFreeSpinLock(&Adapter->FillLock);
        NdisFreeSpinLock(&Adapter->TxLock);
        NdisFreeMemory(Adapter, sizeof(*Adapter), 0);
        break;
    }
}

/* MiniportInitialize (ndis.h) — seed 003 §2.4.2 — PASSIVE_LEVEL.
 * Selects NdisMedium802_3, reads the parameters, checks the interface, preallocates the packets,
 * opens the AF_XDP socket and starts watching it. Every failure is one event-log line. */
NDIS_STATUS AfxdpInitialize(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray,
    UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE WrapperConfigurationContext)
{
    PAFXDP_ADAPTER Adapter = NULL;
    NDIS_STATUS Status;
    UINT i;

    *OpenErrorStatus = NDIS_STATUS_SUCCESS;
    for (i = 0; i < MediumArraySize; i++)
        if (MediumArray[i] == NdisMedium802_3)
            break;
    if (i == MediumArraySize)
        return NDIS_STATUS_UNSUPPORTED_MEDIA;
    *SelectedMediumIndex = i;

    Status = NdisAllocateMemoryWithTag((PVOID *)&Adapter, sizeof(*Adapter), AFXDP_TAG);
    if (Status != NDIS_STATUS_SUCCESS) {
        AfxdpLog(NDIS_ERROR_CODE_OUT_OF_RESOURCES, "no memory for the adapter block");
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Adapter, sizeof(*Adapter));
    Adapter->MiniportHandle = MiniportAdapterHandle;
    Adapter->LinkFd = -1;
    NdisAllocateSpinLock(&Adapter->FillLock);
    NdisAllocateSpinLock(&Adapter->TxLock);
    NdisInitializeEvent(&Adapter->ReturnsIdle);

    if (!AfxdpReadConfiguration(WrapperConfigurationContext, &Adapter->Config)) {
        AfxdpTeardown(Adapter, AfxdpStageBlock);
        return NDIS_STATUS_FAILURE;
    }
    Status = AfxdpProbeInterface(Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        AfxdpTeardown(Adapter, AfxdpStageBlock);
        return Status;
    }
    Adapter->CurrentLookahead = Adapter->Mtu;

    /* Seed §2.4.2: the attributes name the context NDIS passes back to every MiniportXxx. */
    NdisMSetAttributesEx(MiniportAdapterHandle, (NDIS_HANDLE)Adapter, 0, NDIS_ATTRIBUTE_DESERIALIZE,
        NdisInterfaceInternal);
    NdisMInitializeTimer(&Adapter->TxTimer, MiniportAdapterHandle, AfxdpTxTimer, Adapter);
    KeInitializeDpc(&Adapter->RxPollDpc, AfxdpRxPollDpc, Adapter);

    Status = AfxdpAllocatePackets(Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        AfxdpLog(NDIS_ERROR_CODE_OUT_OF_RESOURCES, "interface %s: no memory for %u receive packets",
            Adapter->Config.Interface, (unsigned)Adapter->Config.ReceiveBuffers);
        AfxdpTeardown(Adapter, AfxdpStagePackets);
        return NDIS_STATUS_RESOURCES;
    }
    Status = AfxdpOpenPort(Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        AfxdpTeardown(Adapter, AfxdpStagePackets);
        return Status;
    }
    Status = AfxdpRegisterEvents(Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        AfxdpTeardown(Adapter, AfxdpStagePort);
        return Status;
    }
    DbgPrint("afxdp: %s queue %u: %s; %u-byte frames, %u receive, %u transmit; MTU %u, %u Mb/s, %s\n",
        Adapter->Config.Interface, (unsigned)Adapter->Config.Queue, xp_port_mode(Adapter->Port),
        (unsigned)Adapter->FrameSize, (unsigned)Adapter->Config.ReceiveBuffers,
        (unsigned)Adapter->Config.TransmitBuffers, (unsigned)Adapter->Mtu, (unsigned)Adapter->LinkSpeedMbps,
        Adapter->MediaState == NdisMediaStateConnected ? "connected" : "disconnected");
    return NDIS_STATUS_SUCCESS;
}

/* MiniportHalt (ndis.h) — seed 003 §2.3.1.1 — PASSIVE_LEVEL. NDIS has closed every binding.
 * Lets posted frames finish, stops the io events and the timer, waits for indicated packets to
 * come back, then closes the socket (which removes the XDP program) and frees everything. */
VOID AfxdpHalt(NDIS_HANDLE MiniportAdapterContext)
{
    PAFXDP_ADAPTER Adapter = (PAFXDP_ADAPTER)MiniportAdapterContext;
    ULONG Unsent;
    LONG Outstanding;
    BOOLEAN Cancelled;

    Unsent = AfxdpDrainSends(Adapter, AFXDP_HALT_SEND_WAIT_MS);
    if (Unsent != 0)
        DbgPrint("afxdp: %s: halting with %u sends not completed by the kernel\n", Adapter->Config.Interface,
            (unsigned)Unsent);

    /* Under TxLock, so neither the timer nor a send changes the mask of an event going away. */
    NdisAcquireSpinLock(&Adapter->TxLock);
    Adapter->Halting = TRUE;
    NdisReleaseSpinLock(&Adapter->TxLock);
    if (Adapter->LinkEvent != NULL)
        StrataDeregisterIoEvent(Adapter->LinkEvent);
    Adapter->LinkEvent = NULL;
    StrataDeregisterIoEvent(Adapter->TxEvent);
    StrataDeregisterIoEvent(Adapter->PortEvent);
    NdisMCancelTimer(&Adapter->TxTimer, &Cancelled);
    /* A timer function or poll DPC already running sees Halting; this waits until it has left. */
    KeFlushQueuedDpcs();

    NdisAcquireSpinLock(&Adapter->FillLock);
    NdisResetEvent(&Adapter->ReturnsIdle);
    Adapter->ReturnsWanted = TRUE;
    Outstanding = Adapter->RxOutstanding;
    NdisReleaseSpinLock(&Adapter->FillLock);
    if (Outstanding != 0 && NdisWaitEvent(&Adapter->ReturnsIdle, AFXDP_HALT_RETURN_WAIT_MS)) {
        /* The returner signals under FillLock: once we hold it, the returner has left. */
        NdisAcquireSpinLock(&Adapter->FillLock);
        Outstanding = Adapter->RxOutstanding;
        NdisReleaseSpinLock(&Adapter->FillLock);
    }
    if (Outstanding != 0) {
        /* Someone still holds packets that map our UMEM and will return them to this adapter:
         * freeing anything would hand out freed memory, so the adapter is leaked, loudly. The
         * socket closes, so the interface loses its XDP program all the same. */
        DbgPrint("afxdp: %s: halted with %d packets not returned; leaking the adapter\n",
            Adapter->Config.Interface, (int)Outstanding);
        xp_link_close(Adapter->LinkFd);
        return;
    }
    xp_link_close(Adapter->LinkFd);
    AfxdpTeardown(Adapter, AfxdpStagePort);
}

/* MiniportReset (ndis.h) — seed 003 §2.10 — DISPATCH_LEVEL. The kernel owns the queue; there is
 * nothing to reset and the addressing state survives. */
NDIS_STATUS AfxdpReset(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    *AddressingReset = FALSE;
    return NDIS_STATUS_SUCCESS;
}

/* MiniportCheckForHang (ndis.h) — seed 003 §2.3.1.1 — DISPATCH_LEVEL. Sends that cannot finish
 * (a link down) wait in the adapter and complete when it comes back; a reset would not help. */
BOOLEAN AfxdpCheckForHang(NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    return FALSE;
}

/* MiniportPnPEventNotify (ndis.h, NDIS 5.1) — seed 003 §2.9 — PASSIVE_LEVEL. Noted only. */
VOID AfxdpPnPEventNotify(NDIS_HANDLE MiniportAdapterContext, NDIS_DEVICE_PNP_EVENT PnPEvent,
    PVOID InformationBuffer, ULONG InformationBufferLength)
{
    PAFXDP_ADAPTER Adapter = (PAFXDP_ADAPTER)MiniportAdapterContext;

    UNREFERENCED_PARAMETER(InformationBuffer);
    UNREFERENCED_PARAMETER(InformationBufferLength);
    DbgPrint("afxdp: %s: PnP event %d\n", Adapter->Config.Interface, (int)PnPEvent);
}

/* MiniportShutdown (ndis.h, NDIS 5.1) — any IRQL. The kernel quiesces the queue itself. */
VOID AfxdpShutdown(PVOID ShutdownContext)
{
    UNREFERENCED_PARAMETER(ShutdownContext);
}
