/* strata_tap.c — DriverEntry of the strata_tap protocol: the service's parameters, NDIS 5.0
 * protocol characteristics, NdisRegisterProtocol, ProtocolPnPEvent, unloading and the driver's
 * log line (issue 6 deliverable 2; seed 003 §2.3, §2.3.1.2, §2.9.2).
 *
 * NAME
 *     strata_tap — NDIS 5.0 protocol that gives every binding a Linux TAP interface
 *
 * SYNOPSIS
 *     Service "strata_tap", image strata_tap.sys, component id strata_tap (netstrata_tap.inf,
 *     NetTrans, LowerRange ndis5); binds to NdisMedium802_3 adapters, normally the virtual
 *     miniports of IM drivers (passthru's), so Linux programs' traffic crosses the NDIS stack.
 *         strata install netstrata_tap.inf
 *         strata reg add 'HKLM\SYSTEM\CurrentControlSet\Services\strata_tap\Parameters' /v TapName /t REG_SZ /d stap%d
 *
 * DESCRIPTION
 *     ProtocolBindAdapter first creates the binding's TAP (so a bad or taken name fails the
 *     bind before the adapter is opened), then opens the adapter, queries
 *     OID_802_3_CURRENT_ADDRESS, OID_GEN_MAXIMUM_FRAME_SIZE and OID_GEN_MEDIA_CONNECT_STATUS and
 *     mirrors them on the TAP: its MAC address is the adapter's, its MTU the adapter's frame
 *     size, its carrier the media state (TUNSETCARRIER). It sets OID_GEN_CURRENT_LOOKAHEAD to
 *     the whole frame and OID_GEN_CURRENT_PACKET_FILTER, and watches the TAP with
 *     StrataRegisterIoEvent.
 *
 *     Frames Linux writes to the TAP are read into preallocated packets and sent with
 *     NdisSendPackets; ProtocolSendComplete recycles them (unchain, NdisReinitializePacket).
 *     While every packet is in flight the TAP is not watched, so Linux queues instead of us
 *     spinning. Frames the adapter indicates are written to the TAP: from the packet's buffers
 *     (ProtocolReceivePacket), from the lookahead when it holds the whole frame, or after
 *     NdisTransferData into a preallocated packet when it does not (ProtocolReceive).
 *     Consecutive TCP segments of one flow indicated on one processor are joined, as Linux's
 *     GRO would, into one GSO frame written once (a virtio_net_hdr asking for TCP
 *     segmentation): packets indicated with NDIS_STATUS_SUCCESS are kept until their run is
 *     written, by a DPC on that processor at the latest; other payloads are copied.
 *     NDIS_STATUS_MEDIA_CONNECT / _DISCONNECT set the TAP's carrier on and off.
 *
 *     ProtocolUnbindAdapter stops watching the TAP, waits for its sends and transfers, closes
 *     the adapter and closes the TAP: the interface disappears. A TAP moved to another network
 *     namespace keeps working; one deleted under us (its namespace deleted) stops being read.
 *
 *     Linux's own changes to the TAP's MTU or MAC address are not carried back to the adapter:
 *     frames longer than the adapter's MTU are dropped (and counted).
 *
 * REGISTRY PARAMETERS
 *     Read from the binding's key, Services\strata_tap\Parameters\Adapters\<adapter GUID>
 *     (ProtocolBindAdapter's SystemSpecific1), falling back to Services\strata_tap\Parameters
 *     (read when the driver loads), falling back to the defaults:
 *     TapName           REG_SZ, the TAP's name, 1-15 characters; "%d" once lets the kernel
 *                       number it, which a name shared by several bindings needs. Default
 *                       "stap%d". A name an interface already has fails the bind with
 *                       NDIS_STATUS_RESOURCE_CONFLICT, an invalid one with
 *                       NDIS_STATUS_INVALID_DATA; either way one line in the host log names it.
 *     PacketFilter      REG_DWORD, default 0xD (DIRECTED | ALL_MULTICAST | BROADCAST): the
 *                       Linux stack above does its own multicast filtering. 0x20 (PROMISCUOUS)
 *                       suits a TAP enslaved to a Linux bridge.
 *     SendPoolSize      REG_DWORD 16..4096, default 256: packets for frames from the TAP.
 *     TransferPoolSize  REG_DWORD 1..1024, default 32: packets for NdisTransferData.
 *     MaximumFrameSize  REG_DWORD 576..65521, default 1500: the largest MTU the binding takes
 *                       from its adapter (OID_GEN_MAXIMUM_FRAME_SIZE) and gives the TAP. Jumbo
 *                       frames for an adapter whose interface has a large MTU; each of the
 *                       binding's packets owns this much frame memory.
 *
 * COUNTERS (per binding, in the binding block; `strata stats` shows NDIS's own per binding)
 *     FromTap, FromTapDropped, SendFailures, ToTap, ToTapDropped; ToTapGsoWrites, the GSO
 *     frames written, and ToTapGsoFrames, the received frames they carried (counted in ToTap).
 */
#include "strata_tap.h"

STAP_GLOBALS StapGlobals;

static NDIS_STRING StapProtocolName = NDIS_STRING_CONST("strata_tap");

/* Customer-defined (bit 29), error severity: a driver message, not an NDIS status. */
#define STAP_EVENT_MESSAGE ((NDIS_STATUS)0xE0000001L)

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
static DRIVER_UNLOAD StapDriverUnload;

#pragma NDIS_INIT_FUNCTION(DriverEntry)

static const CHAR StapDefaultTapName[] = "stap%d";

/* PASSIVE_LEVEL. One value of the open key: its type and up to Size bytes of data in Data;
 * FALSE when it is missing. */
static BOOLEAN StapQueryValue(HANDLE Key, PCWSTR Name, PULONG Type, PVOID Data, ULONG Size, PULONG DataLength)
{
    union {
        KEY_VALUE_PARTIAL_INFORMATION Info;
        UCHAR Space[sizeof(KEY_VALUE_PARTIAL_INFORMATION) + STAP_NAME_CHARS * sizeof(WCHAR)];
    } Value;
    UNICODE_STRING ValueName;
    ULONG Length = 0;
    NTSTATUS Status;

    RtlInitUnicodeString(&ValueName, Name);
    Status = ZwQueryValueKey(Key, &ValueName, KeyValuePartialInformation, &Value, sizeof(Value), &Length);
    if (Status != STATUS_SUCCESS)
        return FALSE;
    *Type = Value.Info.Type;
    *DataLength = Value.Info.DataLength < Size ? Value.Info.DataLength : Size;
    NdisMoveMemory(Data, Value.Info.Data, *DataLength);
    return TRUE;
}

/* PASSIVE_LEVEL. The service-wide parameters, Services\strata_tap\Parameters; a missing key or
 * value keeps the default. */
static VOID StapReadServiceParameters(PUNICODE_STRING RegistryPath, PSTAP_CONFIG Config)
{
    UNICODE_STRING Parameters = RTL_CONSTANT_STRING(L"Parameters");
    OBJECT_ATTRIBUTES Attributes;
    HANDLE ServiceKey;
    HANDLE Key;
    WCHAR Text[STAP_NAME_CHARS];
    ULONG Type;
    ULONG Length;
    ULONG Number;
    UINT i;

    NdisZeroMemory(Config, sizeof(*Config));
    NdisMoveMemory(Config->TapName, StapDefaultTapName, sizeof(StapDefaultTapName));
    Config->PacketFilter = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_ALL_MULTICAST | NDIS_PACKET_TYPE_BROADCAST;
    Config->SendPoolSize = 256;
    Config->TransferPoolSize = 32;
    Config->MaximumFrameSize = STAP_MAX_DATA;

    InitializeObjectAttributes(&Attributes, RegistryPath, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    if (!NT_SUCCESS(ZwOpenKey(&ServiceKey, KEY_READ, &Attributes)))
        return;
    InitializeObjectAttributes(&Attributes, &Parameters, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, ServiceKey, NULL);
    if (!NT_SUCCESS(ZwOpenKey(&Key, KEY_QUERY_VALUE, &Attributes))) {
        ZwClose(ServiceKey);
        return;
    }
    ZwClose(ServiceKey);

    if (StapQueryValue(Key, L"TapName", &Type, Text, sizeof(Text) - sizeof(WCHAR), &Length) && Type == REG_SZ) {
        UINT Chars = Length / sizeof(WCHAR);

        for (i = 0; i < Chars && Text[i] != 0; i++)
            Config->TapName[i] = (Text[i] >= 0x20 && Text[i] < 0x7F) ? (CHAR)Text[i] : '?';
        Config->TapName[i] = '\0';
    }
    if (StapQueryValue(Key, L"PacketFilter", &Type, &Number, sizeof(Number), &Length) && Type == REG_DWORD &&
        Length == sizeof(Number))
        Config->PacketFilter = Number;
    if (StapQueryValue(Key, L"SendPoolSize", &Type, &Number, sizeof(Number), &Length) && Type == REG_DWORD &&
        Length == sizeof(Number) && Number >= 16 && Number <= 4096)
        Config->SendPoolSize = Number;
    if (StapQueryValue(Key, L"TransferPoolSize", &Type, &Number, sizeof(Number), &Length) && Type == REG_DWORD &&
        Length == sizeof(Number) && Number >= 1 && Number <= 1024)
        Config->TransferPoolSize = Number;
    if (StapQueryValue(Key, L"MaximumFrameSize", &Type, &Number, sizeof(Number), &Length) && Type == REG_DWORD &&
        Length == sizeof(Number) && Number >= 576 && Number <= STAP_JUMBO_DATA)
        Config->MaximumFrameSize = Number;
    ZwClose(Key);
}

/* DriverEntry — seed 003 §2.3, §2.3.1.2 — PASSIVE_LEVEL. Reads the service's parameters and
 * registers the protocol with its NDIS 5.0 handlers. */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_PROTOCOL_CHARACTERISTICS Chars;
    NDIS_STATUS Status;

    StapGlobals.DriverObject = DriverObject;
    NdisAllocateSpinLock(&StapGlobals.Lock);
    InitializeListHead(&StapGlobals.Bindings);
    InitializeListHead(&StapGlobals.Retired);
    StapReadServiceParameters(RegistryPath, &StapGlobals.Defaults);

    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.MajorNdisVersion = 5;
    Chars.MinorNdisVersion = 0;
    Chars.Name = StapProtocolName;
    Chars.OpenAdapterCompleteHandler = StapOpenAdapterComplete;
    Chars.CloseAdapterCompleteHandler = StapCloseAdapterComplete;
    Chars.SendCompleteHandler = StapSendComplete;
    Chars.TransferDataCompleteHandler = StapTransferDataComplete;
    Chars.ResetCompleteHandler = StapResetComplete;
    Chars.RequestCompleteHandler = StapRequestComplete;
    Chars.ReceiveHandler = StapReceive;
    Chars.ReceiveCompleteHandler = StapReceiveComplete;
    Chars.StatusHandler = StapStatus;
    Chars.StatusCompleteHandler = StapStatusComplete;
    Chars.ReceivePacketHandler = StapReceivePacket;
    Chars.BindAdapterHandler = StapBindAdapter;
    Chars.UnbindAdapterHandler = StapUnbindAdapter;
    Chars.PnPEventHandler = StapPnPEvent;
    Chars.UnloadHandler = StapUnloadProtocol;

    NdisRegisterProtocol(&Status, &StapGlobals.ProtocolHandle, &Chars, sizeof(Chars));
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("strata_tap: NdisRegisterProtocol failed %08x\n", (unsigned)Status);
        StapGlobals.ProtocolHandle = NULL;
        NdisFreeSpinLock(&StapGlobals.Lock);
        return (NTSTATUS)Status;
    }
    DriverObject->DriverUnload = StapDriverUnload;
    return STATUS_SUCCESS;
}

/* ProtocolUnload (ndis.h) — PASSIVE_LEVEL. Deregisters the protocol (which unbinds what is left)
 * once, whichever of ProtocolUnload and the Unload routine comes first. */
VOID StapUnloadProtocol(VOID)
{
    NDIS_HANDLE Handle = InterlockedExchangePointer((PVOID volatile *)&StapGlobals.ProtocolHandle, NULL);
    NDIS_STATUS Status;

    if (Handle != NULL)
        NdisDeregisterProtocol(&Status, Handle);
}

/* Unload routine — PASSIVE_LEVEL. */
static VOID StapDriverUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    StapUnloadProtocol();
    StapFreeRetired();
    if (!IsListEmpty(&StapGlobals.Bindings))
        DbgPrint("strata_tap: unload with bindings still listed\n");
    NdisFreeSpinLock(&StapGlobals.Lock);
}

/* ProtocolPnPEvent (ndis.h) — seed 003 §2.9.2 — PASSIVE_LEVEL. Nothing a power change or a
 * removal query must give up: every event succeeds. */
NDIS_STATUS StapPnPEvent(NDIS_HANDLE ProtocolBindingContext, PNET_PNP_EVENT NetPnPEvent)
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    UNREFERENCED_PARAMETER(NetPnPEvent);
    return NDIS_STATUS_SUCCESS;
}

/* Appends the ASCII text From to Text (Length characters so far). */
static UINT StapAppend(PWCHAR Text, UINT Length, PCSTR From)
{
    while (Length < STAP_LOG_CHARS && *From != '\0')
        Text[Length++] = (WCHAR)(UCHAR)*From++;
    return Length;
}

VOID StapLog(PCSTR Subject, PCSTR Line)
{
    WCHAR Text[STAP_LOG_CHARS + 1];
    UINT Length = 0;

    if (Subject != NULL) {
        DbgPrint("strata_tap: %s: %s\n", Subject, Line);
        Length = StapAppend(Text, Length, Subject);
        Length = StapAppend(Text, Length, ": ");
    } else {
        DbgPrint("strata_tap: %s\n", Line);
    }
    Length = StapAppend(Text, Length, Line);
    Text[Length] = 0;
    NdisWriteEventLogEntry(StapGlobals.DriverObject, STAP_EVENT_MESSAGE, 0, 1, Text, 0, NULL);
}
