/* imcount.c — DriverEntry of imcount, a counting filter intermediate driver: the wrapper,
 * NdisIMRegisterLayeredMiniport, NdisRegisterProtocol, NdisIMAssociateMiniport (seed 003 §2.3,
 * §2.3.1, §2.3.1.1, §2.3.1.2), unloading, and the test hooks of imcount_hooks.h.
 *
 * NAME
 *     imcount — NDIS 5.1 filter IM that counts what passes through it (a test driver)
 *
 * SYNOPSIS
 *     Service "imcount", image imcount.sys, protocol name L"imcount"; one virtual miniport per
 *     lower 802.3 adapter, named by the binding's UpperBindings value. INF pair
 *     tests/drivers/netimcount.inf (NetService, FilterClass scheduler) and netimcount_m.inf.
 *     Test hooks: tests/drivers/imcount_hooks.h (ImCountFindBinding, ImCountIsBound,
 *     ImCountGetStats, ImCountCancelInitialize, ImCountIndicatePnPEvent).
 *
 * DESCRIPTION
 *     ProtocolBindAdapter reads the binding's parameters, preallocates every descriptor the data
 *     path needs, opens the adapter (waiting for ProtocolOpenAdapterComplete when the open
 *     pends) and asks NDIS for its virtual miniport with NdisIMInitializeDeviceInstanceEx,
 *     passing the binding block as the DeviceContext that MiniportInitialize gets back from
 *     NdisIMGetDeviceContext. The virtual miniport is deserialized and intermediate.
 *     Every packet changes descriptor at the layer, both ways (seed §2.5, §2.6): a send from
 *     above goes down in one of our descriptors chaining the sender's buffers, its OOB block and
 *     per-packet information copied, and the original is completed with NdisMSendComplete when
 *     ours completes; our descriptors are recycled with NdisReinitializePacket (§2.5.1). A packet
 *     from below (ProtocolReceivePacket) goes up in one of our descriptors chaining the lower
 *     miniport's buffers with its OOB data; we hold the lower packet (return 1) until our
 *     descriptor comes back to MiniportReturnPacket, then NdisReturnPackets it. ProtocolReceive
 *     copies a whole frame (lookahead = packet) into a packet with our own frame memory and
 *     indicates it with NDIS_STATUS_RESOURCES; a partial lookahead goes up unchanged with
 *     NdisMEthIndicateReceive and MiniportTransferData forwards NdisTransferData to the lower
 *     binding, or, with CopyLookahead=1, ProtocolReceive fetches the rest itself with
 *     NdisTransferData and the copy is indicated from ProtocolReceiveComplete (§2.7.1.2).
 *     Requests are passed down with NdisRequest, except OID_PNP_QUERY_POWER and
 *     OID_PNP_SET_POWER, which the IM answers itself (§2.9.1); wake-up capabilities coming up
 *     are rewritten to NdisDeviceStateUnspecified. Status indications and their completes go
 *     up with NdisMIndicateStatus(Complete); PnP events go up with NdisIMNotifyPnPEvent.
 *     ProtocolUnbindAdapter takes the virtual miniport down first (NdisIMDeInitializeDeviceInstance,
 *     or NdisIMCancelInitializeDeviceInstance while it is still pending), then closes the
 *     adapter and frees the pools. Binding blocks, with their counters, stay until unload.
 *
 * REGISTRY PARAMETERS (Services\imcount\Parameters\Adapters\<lower NetCfgInstanceId>)
 *     UpperBindings        REG_SZ "\Device\{GUID}": the virtual miniport's device (required).
 *     DropEveryNth         REG_DWORD, default 0: complete every Nth send from above without
 *                          sending it (proves the layer is in the path).
 *     CopyLookahead        REG_DWORD 0/1, default 0 (see DESCRIPTION).
 *     SendDescriptors      REG_DWORD 1..4096, default 512.
 *     ReceiveDescriptors   REG_DWORD 1..4096, default 512.
 *     Copies               REG_DWORD 1..1024, default 64.
 *   The virtual miniport's instance key may hold REG_DWORD TestValue, read in MiniportInitialize
 *   and reported as IMCOUNT_STATS.TestValue.
 *
 * COUNTERS (per binding; ImCountGetStats, see IMCOUNT_STATS in imcount_hooks.h)
 *     send path     SendsFromAbove, SendsDown, SendCompletesFromBelow, SendsCompletedUp,
 *                   SendsDropped, SendsFailed, SendsSameDescriptor, SendsOutstanding (gauge)
 *     receive path  ReceivePackets, ReceivePacketsHeld, ReturnsFromAbove, ReceivesCopied,
 *                   ReceivesLookahead, ReceivesTransferred, ReceivesQueued, TransferDataForwarded,
 *                   TransferDataPended, ReceiveCompletes, ReceivesDropped, LastTimeReceived,
 *                   ReceivesOutstanding (gauge)
 *     requests      RequestsForwarded, RequestsAnsweredLocally, LastForwardedOid
 *     status, PnP   StatusIndications, StatusForwarded, LastStatus, StatusCompletes, PnPEvents,
 *                   LastPnPEvent, PnPForwarded, LastPnPForwardStatus, DeviceState
 *     lifetime      OpenPended, InitializeStatus, MiniportInitializeCalls, InitializedInsideIMInit,
 *                   DeviceContextMatched, AttributeFlags, TestValue, HaltCalls, UnbindSequence,
 *                   HaltSequence, CloseSequence
 */
#include "imcount.h"

IMC_GLOBALS ImcGlobals;

static NDIS_STRING ImcProtocolName = NDIS_STRING_CONST("imcount");

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
static DRIVER_UNLOAD ImcUnload;

#pragma NDIS_INIT_FUNCTION(DriverEntry)

/* DriverEntry — seed 003 §2.3 — PASSIVE_LEVEL. Wrapper, layered miniport, protocol, then the
 * association of the two edges; on failure undoes what was done and returns the status. */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_MINIPORT_CHARACTERISTICS MChars;
    NDIS_PROTOCOL_CHARACTERISTICS PChars;
    NDIS_STATUS Status;

    NdisAllocateSpinLock(&ImcGlobals.Lock);
    InitializeListHead(&ImcGlobals.Bindings);

    NdisMInitializeWrapper(&ImcGlobals.WrapperHandle, DriverObject, RegistryPath, NULL);
    if (ImcGlobals.WrapperHandle == NULL) {
        NdisFreeSpinLock(&ImcGlobals.Lock);
        return STATUS_UNSUCCESSFUL;
    }

    /* Seed §2.3.1.1: zeroed, so every handler an IM does not provide (interrupts, CheckForHang,
     * Reconfigure, AllocateComplete) stays NULL. */
    NdisZeroMemory(&MChars, sizeof(MChars));
    MChars.MajorNdisVersion = 5;
    MChars.MinorNdisVersion = 1;
    MChars.InitializeHandler = ImcInitialize;
    MChars.HaltHandler = ImcHalt;
    MChars.QueryInformationHandler = ImcQueryInformation;
    MChars.SetInformationHandler = ImcSetInformation;
    MChars.ResetHandler = ImcReset;
    MChars.TransferDataHandler = ImcTransferData;
    MChars.ReturnPacketHandler = ImcReturnPacket;
    MChars.SendPacketsHandler = ImcSendPackets;
    MChars.CancelSendPacketsHandler = ImcCancelSendPackets;
    MChars.PnPEventNotifyHandler = ImcPnPEventNotify;
    MChars.AdapterShutdownHandler = ImcShutdown;
    Status = NdisIMRegisterLayeredMiniport(ImcGlobals.WrapperHandle, &MChars, sizeof(MChars),
        &ImcGlobals.DriverHandle);
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("imcount: NdisIMRegisterLayeredMiniport failed %08x\n", (unsigned)Status);
        goto FailWrapper;
    }
    NdisMRegisterUnloadHandler(ImcGlobals.WrapperHandle, ImcUnload);

    NdisZeroMemory(&PChars, sizeof(PChars));
    PChars.MajorNdisVersion = 5;
    PChars.MinorNdisVersion = 0;
    PChars.Name = ImcProtocolName;
    PChars.OpenAdapterCompleteHandler = ImcOpenAdapterComplete;
    PChars.CloseAdapterCompleteHandler = ImcCloseAdapterComplete;
    PChars.SendCompleteHandler = ImcSendComplete;
    PChars.TransferDataCompleteHandler = ImcTransferDataComplete;
    PChars.ResetCompleteHandler = ImcResetComplete;
    PChars.RequestCompleteHandler = ImcRequestComplete;
    PChars.ReceiveHandler = ImcReceive;
    PChars.ReceiveCompleteHandler = ImcReceiveComplete;
    PChars.StatusHandler = ImcStatus;
    PChars.StatusCompleteHandler = ImcStatusComplete;
    PChars.ReceivePacketHandler = ImcReceivePacket;
    PChars.BindAdapterHandler = ImcBindAdapter;
    PChars.UnbindAdapterHandler = ImcUnbindAdapter;
    PChars.PnPEventHandler = ImcPnPEvent;
    PChars.UnloadHandler = ImcUnloadProtocol;
    NdisRegisterProtocol(&Status, &ImcGlobals.ProtocolHandle, &PChars, sizeof(PChars));
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("imcount: NdisRegisterProtocol failed %08x\n", (unsigned)Status);
        ImcGlobals.ProtocolHandle = NULL;
        NdisIMDeregisterLayeredMiniport(ImcGlobals.DriverHandle);
        ImcGlobals.DriverHandle = NULL;
        goto FailWrapper;
    }

    /* Seed §2.3: both edges exported, so tell NDIS they belong together. */
    NdisIMAssociateMiniport(ImcGlobals.DriverHandle, ImcGlobals.ProtocolHandle);
    return STATUS_SUCCESS;

FailWrapper:
    NdisTerminateWrapper(ImcGlobals.WrapperHandle, NULL);
    ImcGlobals.WrapperHandle = NULL;
    NdisFreeSpinLock(&ImcGlobals.Lock);
    return (NTSTATUS)Status;
}

/* ProtocolUnload (ndis.h) — PASSIVE_LEVEL. Deregisters the protocol once (NDIS unbinds what is
 * still bound), whichever of NDIS and our unload routine comes first. */
VOID ImcUnloadProtocol(VOID)
{
    NDIS_HANDLE Handle = InterlockedExchangePointer((PVOID volatile *)&ImcGlobals.ProtocolHandle, NULL);
    NDIS_STATUS Status;

    if (Handle != NULL)
        NdisDeregisterProtocol(&Status, Handle);
}

/* Unload routine — PASSIVE_LEVEL, after every virtual miniport was halted: deregisters both
 * edges and frees the binding blocks kept for their counters. */
static VOID ImcUnload(PDRIVER_OBJECT DriverObject)
{
    NDIS_HANDLE DriverHandle;

    UNREFERENCED_PARAMETER(DriverObject);
    ImcUnloadProtocol();
    DriverHandle = InterlockedExchangePointer((PVOID volatile *)&ImcGlobals.DriverHandle, NULL);
    if (DriverHandle != NULL)
        NdisIMDeregisterLayeredMiniport(DriverHandle);
    while (!IsListEmpty(&ImcGlobals.Bindings)) {
        PIMC_BINDING Binding = CONTAINING_RECORD(RemoveHeadList(&ImcGlobals.Bindings), IMC_BINDING, Link);

        if (Binding->BindingHandle != NULL)
            DbgPrint("imcount: unload with %s still bound\n", Binding->LowerName);
        NdisFreeSpinLock(&Binding->Lock);
        NdisFreeSpinLock(&Binding->SendLock);
        NdisFreeSpinLock(&Binding->RecvLock);
        NdisFreeMemory(Binding, sizeof(*Binding), 0);
    }
    NdisFreeSpinLock(&ImcGlobals.Lock);
}

/* Any IRQL. Driver-wide event numbers, so tests can order events of different bindings. */
LONG64 ImcNextSequence(VOID)
{
    return InterlockedIncrement64(&ImcGlobals.Sequence);
}

/* ---- Hooks (imcount_hooks.h) ------------------------------------------------------------------ */

static BOOLEAN ImcNameEquals(const CHAR *a, const char *b)
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

PVOID ImCountFindBinding(const char *DeviceNameUtf8)
{
    PIMC_BINDING Found = NULL;
    PLIST_ENTRY Entry;

    if (DeviceNameUtf8 == NULL)
        return NULL;
    NdisAcquireSpinLock(&ImcGlobals.Lock);
    /* Newest first: a rebound adapter finds its live binding, not an old one. */
    for (Entry = ImcGlobals.Bindings.Flink; Entry != &ImcGlobals.Bindings; Entry = Entry->Flink) {
        PIMC_BINDING Binding = CONTAINING_RECORD(Entry, IMC_BINDING, Link);

        if (ImcNameEquals(Binding->LowerName, DeviceNameUtf8) || ImcNameEquals(Binding->UpperName, DeviceNameUtf8)) {
            Found = Binding;
            break;
        }
    }
    NdisReleaseSpinLock(&ImcGlobals.Lock);
    return Found;
}

BOOLEAN ImCountIsBound(PVOID Binding)
{
    return Binding != NULL && ((PIMC_BINDING)Binding)->BindingHandle != NULL;
}

VOID ImCountGetStats(PVOID Binding, IMCOUNT_STATS *Stats)
{
    PIMC_BINDING B = (PIMC_BINDING)Binding;
    ULONG64 *Out = (ULONG64 *)Stats;
    UINT i;

    if (B == NULL || Stats == NULL)
        return;
    for (i = 0; i < ARRAYSIZE(B->Counters); i++)
        Out[i] = (ULONG64)InterlockedExchangeAdd64(&B->Counters[i], 0);
    Stats->SendsOutstanding = (ULONG64)B->SendsOutstanding;
    Stats->ReceivesOutstanding = (ULONG64)B->ReceivesOutstanding;
}

NDIS_STATUS ImCountCancelInitialize(PVOID Binding)
{
    PIMC_BINDING B = (PIMC_BINDING)Binding;
    NDIS_STATUS Status;

    if (B == NULL)
        return NDIS_STATUS_INVALID_DATA;
    Status = NdisIMCancelInitializeDeviceInstance(ImcGlobals.DriverHandle, &B->UpperBindings);
    if (Status == NDIS_STATUS_SUCCESS) {
        NdisAcquireSpinLock(&B->Lock);
        if (B->InitState == ImcInitPending)
            B->InitState = ImcInitCancelled;
        NdisReleaseSpinLock(&B->Lock);
        NdisSetEvent(&B->InitDone);
    }
    return Status;
}

NDIS_STATUS ImCountIndicatePnPEvent(PVOID Binding, NET_PNP_EVENT_CODE NetEvent, PVOID Buffer, ULONG BufferLength)
{
    PIMC_BINDING B = (PIMC_BINDING)Binding;
    NET_PNP_EVENT Event;
    NDIS_HANDLE Handle;
    NDIS_STATUS Status;

    if (B == NULL)
        return NDIS_STATUS_INVALID_DATA;
    Handle = B->MiniportHandle;
    if (Handle == NULL)
        return NDIS_STATUS_ADAPTER_NOT_READY;
    NdisZeroMemory(&Event, sizeof(Event));
    Event.NetEvent = NetEvent;
    Event.Buffer = Buffer;
    Event.BufferLength = BufferLength;
    Status = NdisIMNotifyPnPEvent(Handle, &Event);
    ImcCount(B, PnPForwarded);
    ImcSet(B, LastPnPForwardStatus, (ULONG)Status);
    return Status;
}
