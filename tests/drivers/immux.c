/* immux.c — DriverEntry of immux, a MUX intermediate driver: NdisIMRegisterLayeredMiniport,
 * NdisRegisterProtocol, NdisIMAssociateMiniport (seed 003 §2.3), unloading and the hooks of
 * immux_hooks.h.
 *
 * NAME
 *     immux — NDIS 5.1 MUX IM: several virtual Ethernet adapters over one lower adapter (a test
 *     driver)
 *
 * SYNOPSIS
 *     Service "immux", image immux.sys, protocol name L"immux"; binds 802.3 adapters. Test hooks:
 *     tests/drivers/immux_hooks.h (ImMuxFindAdapter, ImMuxFindVElan, ImMuxGetAdapterStats,
 *     ImMuxGetVElanStats, ImMuxGetVElanAddress).
 *
 * DESCRIPTION
 *     One protocol edge binding per lower adapter; over it up to IMMUX_MAX_VELANS virtual
 *     miniports (VELANs), one per name in the binding's UpperBindings list, each initialised with
 *     NdisIMInitializeDeviceInstanceEx (DeviceContext = the VELAN block). VELAN i has its own
 *     MAC address, derived from the lower adapter's: byte 0 gets the locally-administered bit,
 *     byte 1 is XORed with 0x80 and byte 5 gets i added (so 02:00:5E:00:00:07 gives
 *     02:80:5E:00:00:07 for VELAN 0 and 02:80:5E:00:00:08 for VELAN 1). The lower binding's
 *     packet filter is NDIS_PACKET_TYPE_PROMISCUOUS; receives are demultiplexed by destination
 *     address: a directed frame goes to the VELAN with that address (sharing the lower buffers
 *     in a new descriptor, the lower packet held until the VELAN's descriptor returns), a
 *     multicast or broadcast frame is copied once and indicated to every VELAN with
 *     NDIS_STATUS_RESOURCES, and a frame for no VELAN is dropped. ProtocolReceive copies
 *     (NdisTransferData for a partial lookahead) and indicates the copy. NDIS filters each VELAN's
 *     indications further by its bindings' packet filters. Sends from every VELAN go down the
 *     one lower binding in new descriptors and complete to the VELAN that sent them. VELANs
 *     answer requests themselves (address, filter, lookahead, multicast list, power) from what
 *     the lower adapter reported at bind time; statuses and PnP events of the lower adapter go
 *     up to every VELAN.
 *
 * REGISTRY PARAMETERS (Services\immux\Parameters\Adapters\<lower NetCfgInstanceId>)
 *     UpperBindings        REG_MULTI_SZ, one "\Device\{GUID}" per VELAN (a REG_SZ names one),
 *                          read with NdisReadConfiguration(NdisParameterMultiString). Required.
 *
 * COUNTERS (ImMuxGetAdapterStats, ImMuxGetVElanStats; see immux_hooks.h)
 *     per lower binding  VElans, VElansInitialized, LowerPacketFilter, ReceivesFromBelow,
 *                        ReceivesUnmatched, GroupReceives, TransferDataCalls, TransferDataPended,
 *                        StatusIndications, PnPEvents, CloseSequence
 *     per VELAN          SendsFromAbove, SendsDown, SendsCompletedUp, SendsFailed, ReceivesShared,
 *                        ReceivesCopied, GroupReceives, ReturnsFromAbove, RequestsAnswered,
 *                        RequestsNotSupported, PacketFilter, StatusForwarded, PnPForwarded,
 *                        MiniportInitializeCalls, InitializedInsideIMInit, DeviceContextMatched,
 *                        AttributeFlags, HaltCalls, HaltSequence
 */
#include "immux.h"

IMX_GLOBALS ImxGlobals;

static NDIS_STRING ImxProtocolName = NDIS_STRING_CONST("immux");

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
static DRIVER_UNLOAD ImxUnload;

#pragma NDIS_INIT_FUNCTION(DriverEntry)

/* DriverEntry — seed 003 §2.3 — PASSIVE_LEVEL. */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_MINIPORT_CHARACTERISTICS MChars;
    NDIS_PROTOCOL_CHARACTERISTICS PChars;
    NDIS_STATUS Status;

    NdisAllocateSpinLock(&ImxGlobals.Lock);
    InitializeListHead(&ImxGlobals.Adapters);
    NdisMInitializeWrapper(&ImxGlobals.WrapperHandle, DriverObject, RegistryPath, NULL);
    if (ImxGlobals.WrapperHandle == NULL) {
        NdisFreeSpinLock(&ImxGlobals.Lock);
        return STATUS_UNSUCCESSFUL;
    }

    /* Every receive goes up with NdisMIndicateReceivePacket, so no MiniportTransferData (seed
     * §2.3.1.1). */
    NdisZeroMemory(&MChars, sizeof(MChars));
    MChars.MajorNdisVersion = 5;
    MChars.MinorNdisVersion = 1;
    MChars.InitializeHandler = ImxInitialize;
    MChars.HaltHandler = ImxHalt;
    MChars.QueryInformationHandler = ImxQueryInformation;
    MChars.SetInformationHandler = ImxSetInformation;
    MChars.ResetHandler = ImxReset;
    MChars.ReturnPacketHandler = ImxReturnPacket;
    MChars.SendPacketsHandler = ImxSendPackets;
    Status = NdisIMRegisterLayeredMiniport(ImxGlobals.WrapperHandle, &MChars, sizeof(MChars),
        &ImxGlobals.DriverHandle);
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("immux: NdisIMRegisterLayeredMiniport failed %08x\n", (unsigned)Status);
        goto FailWrapper;
    }
    NdisMRegisterUnloadHandler(ImxGlobals.WrapperHandle, ImxUnload);

    NdisZeroMemory(&PChars, sizeof(PChars));
    PChars.MajorNdisVersion = 5;
    PChars.MinorNdisVersion = 0;
    PChars.Name = ImxProtocolName;
    PChars.OpenAdapterCompleteHandler = ImxOpenAdapterComplete;
    PChars.CloseAdapterCompleteHandler = ImxCloseAdapterComplete;
    PChars.SendCompleteHandler = ImxSendComplete;
    PChars.TransferDataCompleteHandler = ImxTransferDataComplete;
    PChars.ResetCompleteHandler = ImxResetComplete;
    PChars.RequestCompleteHandler = ImxRequestComplete;
    PChars.ReceiveHandler = ImxReceive;
    PChars.ReceiveCompleteHandler = ImxReceiveComplete;
    PChars.StatusHandler = ImxStatus;
    PChars.StatusCompleteHandler = ImxStatusComplete;
    PChars.ReceivePacketHandler = ImxReceivePacket;
    PChars.BindAdapterHandler = ImxBindAdapter;
    PChars.UnbindAdapterHandler = ImxUnbindAdapter;
    PChars.PnPEventHandler = ImxPnPEvent;
    PChars.UnloadHandler = ImxUnloadProtocol;
    NdisRegisterProtocol(&Status, &ImxGlobals.ProtocolHandle, &PChars, sizeof(PChars));
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("immux: NdisRegisterProtocol failed %08x\n", (unsigned)Status);
        ImxGlobals.ProtocolHandle = NULL;
        NdisIMDeregisterLayeredMiniport(ImxGlobals.DriverHandle);
        ImxGlobals.DriverHandle = NULL;
        goto FailWrapper;
    }
    NdisIMAssociateMiniport(ImxGlobals.DriverHandle, ImxGlobals.ProtocolHandle);
    return STATUS_SUCCESS;

FailWrapper:
    NdisTerminateWrapper(ImxGlobals.WrapperHandle, NULL);
    ImxGlobals.WrapperHandle = NULL;
    NdisFreeSpinLock(&ImxGlobals.Lock);
    return (NTSTATUS)Status;
}

/* ProtocolUnload (ndis.h) — PASSIVE_LEVEL. Deregisters the protocol once. */
VOID ImxUnloadProtocol(VOID)
{
    NDIS_HANDLE Handle = InterlockedExchangePointer((PVOID volatile *)&ImxGlobals.ProtocolHandle, NULL);
    NDIS_STATUS Status;

    if (Handle != NULL)
        NdisDeregisterProtocol(&Status, Handle);
}

/* Unload routine — PASSIVE_LEVEL. */
static VOID ImxUnload(PDRIVER_OBJECT DriverObject)
{
    NDIS_HANDLE DriverHandle;
    ULONG i;

    UNREFERENCED_PARAMETER(DriverObject);
    ImxUnloadProtocol();
    DriverHandle = InterlockedExchangePointer((PVOID volatile *)&ImxGlobals.DriverHandle, NULL);
    if (DriverHandle != NULL)
        NdisIMDeregisterLayeredMiniport(DriverHandle);
    while (!IsListEmpty(&ImxGlobals.Adapters)) {
        PIMX_ADAPT Adapt = CONTAINING_RECORD(RemoveHeadList(&ImxGlobals.Adapters), IMX_ADAPT, Link);

        for (i = 0; i < Adapt->VElanCount; i++) {
            NdisFreeSpinLock(&Adapt->VElans[i]->Lock);
            NdisFreeMemory(Adapt->VElans[i], sizeof(IMX_VELAN), 0);
        }
        NdisFreeSpinLock(&Adapt->SendLock);
        NdisFreeSpinLock(&Adapt->RecvLock);
        NdisFreeMemory(Adapt, sizeof(*Adapt), 0);
    }
    NdisFreeSpinLock(&ImxGlobals.Lock);
}

LONG64 ImxNextSequence(VOID)
{
    return InterlockedIncrement64(&ImxGlobals.Sequence);
}

/* ---- Hooks (immux_hooks.h) ------------------------------------------------------------------- */

static BOOLEAN ImxNameEquals(const CHAR *a, const char *b)
{
    while (*a != '\0' && *b != '\0') {
        CHAR ca = (*a >= 'a' && *a <= 'z') ? (CHAR)(*a - 'a' + 'A') : *a;
        CHAR cb = (*b >= 'a' && *b <= 'z') ? (CHAR)(*b - 'a' + 'A') : *b;
        if (ca != cb)
            return FALSE;
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

PVOID ImMuxFindAdapter(const char *DeviceNameUtf8)
{
    PVOID Found = NULL;
    PLIST_ENTRY Entry;

    if (DeviceNameUtf8 == NULL)
        return NULL;
    NdisAcquireSpinLock(&ImxGlobals.Lock);
    for (Entry = ImxGlobals.Adapters.Flink; Entry != &ImxGlobals.Adapters && Found == NULL; Entry = Entry->Flink) {
        PIMX_ADAPT Adapt = CONTAINING_RECORD(Entry, IMX_ADAPT, Link);

        if (ImxNameEquals(Adapt->LowerName, DeviceNameUtf8))
            Found = Adapt;
    }
    NdisReleaseSpinLock(&ImxGlobals.Lock);
    return Found;
}

PVOID ImMuxFindVElan(const char *DeviceNameUtf8)
{
    PVOID Found = NULL;
    PLIST_ENTRY Entry;
    ULONG i;

    if (DeviceNameUtf8 == NULL)
        return NULL;
    NdisAcquireSpinLock(&ImxGlobals.Lock);
    for (Entry = ImxGlobals.Adapters.Flink; Entry != &ImxGlobals.Adapters && Found == NULL; Entry = Entry->Flink) {
        PIMX_ADAPT Adapt = CONTAINING_RECORD(Entry, IMX_ADAPT, Link);

        for (i = 0; i < Adapt->VElanCount && Found == NULL; i++)
            if (ImxNameEquals(Adapt->VElans[i]->Name, DeviceNameUtf8))
                Found = Adapt->VElans[i];
    }
    NdisReleaseSpinLock(&ImxGlobals.Lock);
    return Found;
}

VOID ImMuxGetAdapterStats(PVOID Adapter, IMMUX_ADAPTER_STATS *Stats)
{
    PIMX_ADAPT Adapt = (PIMX_ADAPT)Adapter;
    ULONG64 *Out = (ULONG64 *)Stats;
    ULONG Running = 0;
    UINT i;

    if (Adapt == NULL || Stats == NULL)
        return;
    for (i = 0; i < ARRAYSIZE(Adapt->Counters); i++)
        Out[i] = (ULONG64)InterlockedExchangeAdd64(&Adapt->Counters[i], 0);
    for (i = 0; i < Adapt->VElanCount; i++)
        if (Adapt->VElans[i]->InitState == ImxInitRunning)
            Running++;
    Stats->VElans = Adapt->VElanCount;
    Stats->VElansInitialized = Running;
}

VOID ImMuxGetVElanStats(PVOID VElan, IMMUX_VELAN_STATS *Stats)
{
    PIMX_VELAN V = (PIMX_VELAN)VElan;
    ULONG64 *Out = (ULONG64 *)Stats;
    UINT i;

    if (V == NULL || Stats == NULL)
        return;
    for (i = 0; i < ARRAYSIZE(V->Counters); i++)
        Out[i] = (ULONG64)InterlockedExchangeAdd64(&V->Counters[i], 0);
    Stats->Index = V->Index;
    Stats->PacketFilter = V->PacketFilter;
}

VOID ImMuxGetVElanAddress(PVOID VElan, UCHAR Mac[6])
{
    PIMX_VELAN V = (PIMX_VELAN)VElan;

    if (V != NULL && Mac != NULL)
        NdisMoveMemory(Mac, V->Mac, IMX_ETH_ADDRESS);
}
