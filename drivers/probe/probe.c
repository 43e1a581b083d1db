/* probe.c — DriverEntry of the probe protocol: NDIS 5.0 protocol characteristics with every
 * handler, NdisRegisterProtocol, ProtocolPnPEvent and unloading (seed 003 §2.3, §2.3.1.2,
 * §2.9.2).
 *
 * NAME
 *     probe — NDIS 5.0 test protocol: sends numbered frames, checks what it receives
 *
 * SYNOPSIS
 *     Service "probe", image probe.sys, protocol name L"probe"; binds to NdisMedium802_3
 *     adapters. Test hooks: drivers/probe/probe_hooks.h (ProbeFindBinding, ProbeRequest,
 *     ProbeSend, ProbeBenchSend, ProbeSetReceiveMode, ProbeReturnHeld, ProbeGetStats,
 *     ProbeResetStats, ProbeWaitReceived, ProbeWaitSendsCompleted).
 *
 * DESCRIPTION
 *     For every adapter NDIS offers, ProtocolBindAdapter preallocates a binding (send packets,
 *     transfer packets, their buffers and frame memory), opens the adapter (a pended open is
 *     finished by ProtocolOpenAdapterComplete through a work item and NdisCompleteBindAdapter),
 *     queries OID_802_3_CURRENT_ADDRESS and OID_GEN_MAXIMUM_FRAME_SIZE, and sets
 *     OID_GEN_CURRENT_LOOKAHEAD and OID_GEN_CURRENT_PACKET_FILTER.
 *     It sends probe frames (EtherType 0x88B5, layout in probe_hooks.h) with NdisSend or
 *     NdisSendPackets, recycling packets in ProtocolSendComplete (unchain,
 *     NdisReinitializePacket: seed §2.5.1). It checks every probe frame it receives - magic,
 *     per-sender sequence, pattern - on each receive path of seed §2.7.1: ProtocolReceivePacket
 *     (walking the packet's buffers; the packet may be held and returned later with
 *     NdisReturnPackets), ProtocolReceive with the whole frame in the lookahead, and
 *     ProtocolReceive with a partial lookahead followed by NdisTransferData into one of its
 *     packets (completing synchronously or in ProtocolTransferDataComplete). Other frames
 *     are counted and ignored. ProtocolUnbindAdapter waits for its sends, transfers and hook
 *     calls, returns held packets, closes the adapter (waiting when the close pends) and
 *     frees everything.
 *
 * REGISTRY PARAMETERS (the protocol's per-adapter key, NdisOpenProtocolConfiguration with
 * SystemSpecific1; all optional REG_DWORD)
 *     PacketFilter         default NDIS_PACKET_TYPE_DIRECTED | _BROADCAST | _MULTICAST (0xB).
 *     Lookahead            16..1500, default 16 (the probe payload header): the
 *                          OID_GEN_CURRENT_LOOKAHEAD the binding asks for.
 *     SendPoolSize         1..4096, default 256: preallocated send packets.
 *     TransferPoolSize     1..4096, default 64: packets for NdisTransferData.
 *     HoldLimit            0..65536, default 1024: received packets held at most
 *                          (PROBE_RECEIVE_HOLD); beyond it packets are copied, not held.
 *     VetoQueryRemove      0/1, default 0: ProtocolPnPEvent fails NetEventQueryRemoveDevice
 *                          with NDIS_STATUS_FAILURE (seed §2.9.2: the device is in use).
 *
 * COUNTERS (per binding; ProbeGetStats, see PROBE_STATS in probe_hooks.h)
 *     SendsRequested, SendsCompleted, SendsFailed, LastSendStatus, ReceivedFrames,
 *     ReceivedBytes, ReceivedViaReceivePacket, ReceivedViaReceive, TransferDataCalls,
 *     TransferDataPended, SequenceErrors, PayloadErrors, OtherFrames, ReceiveCompletes,
 *     StatusIndications, LastStatus, StatusCompletes, ResetCompletes, HeldPackets,
 *     ReceiveDropped.
 */
#include "probe.h"

PROBE_GLOBALS ProbeGlobals;
UCHAR ProbeRamp[PROBE_RAMP_BYTES];

static NDIS_STRING ProbeProtocolName = NDIS_STRING_CONST("probe");

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
static DRIVER_UNLOAD ProbeDriverUnload;

#pragma NDIS_INIT_FUNCTION(DriverEntry)

/* DriverEntry — seed 003 §2.3, §2.3.1.2 — PASSIVE_LEVEL. Registers the protocol with every
 * ProtocolXxx handler of the NDIS 5.0 characteristics. */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_PROTOCOL_CHARACTERISTICS Chars;
    NDIS_STATUS Status;
    UINT i;

    UNREFERENCED_PARAMETER(RegistryPath);
    for (i = 0; i < PROBE_RAMP_BYTES; i++)
        ProbeRamp[i] = (UCHAR)i;
    NdisAllocateSpinLock(&ProbeGlobals.Lock);
    InitializeListHead(&ProbeGlobals.Bindings);
    ProbeGlobals.NextBindingId = 0;

    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.MajorNdisVersion = 5;
    Chars.MinorNdisVersion = 0;
    Chars.Name = ProbeProtocolName;
    Chars.OpenAdapterCompleteHandler = ProbeOpenAdapterComplete;
    Chars.CloseAdapterCompleteHandler = ProbeCloseAdapterComplete;
    Chars.SendCompleteHandler = ProbeSendComplete;
    Chars.TransferDataCompleteHandler = ProbeTransferDataComplete;
    Chars.ResetCompleteHandler = ProbeResetComplete;
    Chars.RequestCompleteHandler = ProbeRequestComplete;
    Chars.ReceiveHandler = ProbeReceive;
    Chars.ReceiveCompleteHandler = ProbeReceiveComplete;
    Chars.StatusHandler = ProbeStatus;
    Chars.StatusCompleteHandler = ProbeStatusComplete;
    Chars.ReceivePacketHandler = ProbeReceivePacket;
    Chars.BindAdapterHandler = ProbeBindAdapter;
    Chars.UnbindAdapterHandler = ProbeUnbindAdapter;
    Chars.PnPEventHandler = ProbePnPEvent;
    Chars.UnloadHandler = ProbeUnloadProtocol;

    NdisRegisterProtocol(&Status, &ProbeGlobals.ProtocolHandle, &Chars, sizeof(Chars));
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("probe: NdisRegisterProtocol failed %08x\n", (unsigned)Status);
        ProbeGlobals.ProtocolHandle = NULL;
        NdisFreeSpinLock(&ProbeGlobals.Lock);
        return (NTSTATUS)Status;
    }
    DriverObject->DriverUnload = ProbeDriverUnload;
    return STATUS_SUCCESS;
}

/* ProtocolUnload (ndis.h) — PASSIVE_LEVEL. Deregisters the protocol (which unbinds every
 * remaining binding) once, whichever of NDIS's ProtocolUnload and the driver's Unload routine
 * comes first. */
VOID ProbeUnloadProtocol(VOID)
{
    NDIS_HANDLE Handle = InterlockedExchangePointer((PVOID volatile *)&ProbeGlobals.ProtocolHandle, NULL);
    NDIS_STATUS Status;

    if (Handle != NULL)
        NdisDeregisterProtocol(&Status, Handle);
}

/* Unload routine — PASSIVE_LEVEL. */
static VOID ProbeDriverUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    ProbeUnloadProtocol();
    if (!IsListEmpty(&ProbeGlobals.Bindings))
        DbgPrint("probe: unload with bindings still listed\n");
    NdisFreeSpinLock(&ProbeGlobals.Lock);
}

/* ProtocolPnPEvent (ndis.h) — seed 003 §2.9.2 — PASSIVE_LEVEL. The probe holds nothing that a
 * power change or a removal query must give up, so every event succeeds, except
 * NetEventQueryRemoveDevice on a binding configured with VetoQueryRemove (a protocol that cannot
 * let the adapter go). Events on a NULL binding context concern all bindings. */
/* NetEventBindList: the adapters the probe is bound to now, as NDIS lists them (NUL-terminated
 * device names one after another, an empty one last), to the debug log: the count, then a line
 * per adapter. */
static VOID ProbeLogBindList(PNET_PNP_EVENT NetPnPEvent)
{
    const WCHAR *Names = (const WCHAR *)NetPnPEvent->Buffer;
    ULONG Chars = Names != NULL ? NetPnPEvent->BufferLength / sizeof(WCHAR) : 0;
    ULONG Count = 0;
    ULONG At;

    for (At = 0; At < Chars && Names[At] != 0; At++) {
        Count++;
        while (At < Chars && Names[At] != 0)
            At++;
    }
    DbgPrint("probe: NetEventBindList: %lu adapter(s)\n", Count);
    for (At = 0; At < Chars && Names[At] != 0; At++) {
        ULONG Start = At;

        while (At < Chars && Names[At] != 0)
            At++;
        DbgPrint("probe: NetEventBindList: %.*ws\n", (int)(At - Start), Names + Start);
    }
}

NDIS_STATUS ProbePnPEvent(NDIS_HANDLE ProtocolBindingContext, PNET_PNP_EVENT NetPnPEvent)
{
    PPROBE_BINDING Binding = (PPROBE_BINDING)ProtocolBindingContext;

    if (Binding == NULL && NetPnPEvent != NULL && NetPnPEvent->NetEvent == NetEventBindList)
        ProbeLogBindList(NetPnPEvent);

    if (Binding != NULL && NetPnPEvent != NULL && NetPnPEvent->NetEvent == NetEventQueryRemoveDevice &&
        Binding->Config.VetoQueryRemove)
        return NDIS_STATUS_FAILURE;
    return NDIS_STATUS_SUCCESS;
}
