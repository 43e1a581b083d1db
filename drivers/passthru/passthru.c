/* passthru.c — DriverEntry of the passthru intermediate driver: NdisMInitializeWrapper,
 * NdisIMRegisterLayeredMiniport with NDIS 5.1 miniport characteristics, NdisRegisterProtocol
 * with NDIS 5.0 protocol characteristics, NdisIMAssociateMiniport and the unload handler
 * (seed 003 §2.3, §2.3.1, §2.3.1.1, §2.3.1.2).
 *
 * NAME
 *     passthru — NDIS 5.1 intermediate driver that passes every packet through unchanged
 *
 * SYNOPSIS
 *     Service "passthru", image passthru.sys, protocol name L"Passthru". Installed as a filter
 *     service (netpassthru.inf, FilterClass failover) with its virtual miniport
 *     (netpassthru_m.inf, strata_passthrump); the binding engine puts one virtual miniport
 *     above every Ethernet adapter. Test hook: drivers/passthru/passthru_hooks.h
 *     (PassthruQueryCounters).
 *
 * DESCRIPTION
 *     The lower edge is a protocol. For every adapter NDIS offers, ProtocolBindAdapter reads
 *     the binding's UpperBindings (the device name of the virtual miniport the binding engine
 *     made for this adapter) and PacketStacking, allocates a send and a receive packet pool,
 *     opens the adapter (waiting on an NDIS_EVENT when the open pends), learns the adapter's
 *     OID_GEN_MAXIMUM_SEND_PACKETS and whether it answers OID_PNP_CAPABILITIES, and asks NDIS
 *     to initialise the virtual miniport with NdisIMInitializeDeviceInstanceEx, passing the
 *     binding block as the device context. ProtocolUnbindAdapter cancels or waits for a pending
 *     initialisation, deinitialises the virtual miniport (which halts it), closes the adapter
 *     and frees the binding.
 *
 *     The upper edge is a deserialized virtual miniport over the adapter's medium (802.3).
 *     Sends keep the order of each MiniportSendPackets array: every packet gets a descriptor
 *     from the send pool that shares the upper packet's buffers and carries its flags, OOB data
 *     and per-packet information; the arrays go down with NdisSendPackets when the adapter
 *     takes arrays, one NdisSend at a time otherwise. ProtocolSendComplete gives the upper
 *     packet its completion information back, frees the descriptor and completes the upper
 *     packet. Received packets get a descriptor from the receive pool in the same way, carrying
 *     header size, time stamps, media-specific information, the original packet and the
 *     status; a packet indicated with NDIS_STATUS_RESOURCES is reclaimed as soon as the
 *     indication returns, any other one comes back through MiniportReturnPacket, which returns
 *     the adapter's packet below. Lookahead indications are passed up as lookahead
 *     (NdisMEthIndicateReceive) with the adapter's receive context, so MiniportTransferData
 *     forwards to NdisTransferData below and ProtocolTransferDataComplete to
 *     NdisMTransferDataComplete above. Queries and sets go down one at a time; the passthru
 *     answers the power OIDs itself as the seed requires (§2.9.1), mirrors the adapter's
 *     OID_GEN_MAXIMUM_SEND_PACKETS, reports wake-up capabilities as NdisDeviceStateUnspecified,
 *     passes OID_TCP_TASK_OFFLOAD below unless TaskOffload is 0 (then refuses it, as the DDK
 *     sample does) and clears NDIS_MAC_OPTION_NO_LOOPBACK (only the lowest
 *     miniport of a stack reports it). Status indications go up while the virtual miniport is
 *     in D0; the last media status is remembered and indicated on the return to D0.
 *
 *     With PacketStacking 1 (NDIS 5.1 packet stacking) a packet that still has a free stack
 *     location (NdisIMGetCurrentPacketStack) is passed on itself instead: sends go down as the
 *     upper packet and complete as it, receives go up as the adapter's packet, and
 *     MiniportReturnPacket hands a packet that is not from its own pool back below.
 *
 * REGISTRY PARAMETERS (the protocol's per-adapter key, NdisOpenProtocolConfiguration with
 * SystemSpecific1)
 *     UpperBindings        REG_SZ, required: the virtual miniport's device name. Written by
 *                          the binding engine, as on Windows.
 *     PacketStacking       REG_DWORD 0/1, default 0: use NDIS 5.1 packet stacking when the
 *                          packet has a stack location left; 0 always allocates descriptors.
 *     TaskOffload          REG_DWORD 0/1, default 1: the adapter's checksum and large-send
 *                          offloads show through (the passthru never changes a packet, and
 *                          the per-packet information goes down with each send); 0 hides them.
 *
 * COUNTERS (per binding; PassthruQueryCounters, see PASSTHRU_COUNTERS in passthru_hooks.h)
 *     Sends, SendsStacked, SendCompletes, SendsFailed, SendsNoDescriptor, Receives,
 *     ReceivesStacked, ReceivesLookahead, ReceivesDropped, Returns, TransferDataCalls,
 *     RequestsForwarded, RequestsLocal, StatusIndications, LastMediaStatus, and the gauges
 *     SendDescriptorsInUse, ReceiveDescriptorsInUse, MiniportReferences.
 */
#include "passthru.h"

PT_GLOBALS PtGlobals;

static NDIS_STRING PtProtocolName = NDIS_STRING_CONST("Passthru");

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
static DRIVER_UNLOAD PtDriverUnload;

#pragma NDIS_INIT_FUNCTION(DriverEntry)

/* DriverEntry — seed 003 §2.3, §2.3.1 — PASSIVE_LEVEL. Initialises the wrapper, registers the
 * virtual miniport's handlers and the protocol's, associates the two and registers the unload
 * handler. A failure undoes what was done, in reverse order, and returns its status. */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS51_MINIPORT_CHARACTERISTICS MChars;
    NDIS50_PROTOCOL_CHARACTERISTICS PChars;
    NDIS_STATUS Status;

    NdisAllocateSpinLock(&PtGlobals.Lock);
    InitializeListHead(&PtGlobals.Adapters);

    NdisMInitializeWrapper(&PtGlobals.WrapperHandle, DriverObject, RegistryPath, NULL);
    if (PtGlobals.WrapperHandle == NULL) {
        NdisFreeSpinLock(&PtGlobals.Lock);
        return STATUS_UNSUCCESSFUL;
    }

    /* §2.3.1.1: zeroed first, so every handler an IM does not provide (interrupts, CheckForHang,
     * MiniportSend, reconfigure, CoNDIS) stays NULL. */
    NdisZeroMemory(&MChars, sizeof(MChars));
    MChars.MajorNdisVersion = 5;
    MChars.MinorNdisVersion = 1;
    MChars.InitializeHandler = MpInitialize;
    MChars.HaltHandler = MpHalt;
    MChars.QueryInformationHandler = MpQueryInformation;
    MChars.SetInformationHandler = MpSetInformation;
    MChars.ResetHandler = MpReset;
    MChars.SendPacketsHandler = MpSendPackets;
    MChars.TransferDataHandler = MpTransferData;
    MChars.ReturnPacketHandler = MpReturnPacket;
    MChars.CancelSendPacketsHandler = MpCancelSendPackets;
    MChars.PnPEventNotifyHandler = MpPnPEventNotify;
    MChars.AdapterShutdownHandler = MpAdapterShutdown;

    Status = NdisIMRegisterLayeredMiniport(PtGlobals.WrapperHandle, (PNDIS_MINIPORT_CHARACTERISTICS)&MChars,
        sizeof(MChars), &PtGlobals.DriverHandle);
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("passthru: NdisIMRegisterLayeredMiniport failed %08x\n", (unsigned)Status);
        goto FailWrapper;
    }

    /* §2.3.1.2: every handler of a connectionless lower edge. */
    NdisZeroMemory(&PChars, sizeof(PChars));
    PChars.MajorNdisVersion = 5;
    PChars.MinorNdisVersion = 0;
    PChars.Name = PtProtocolName;
    PChars.OpenAdapterCompleteHandler = PtOpenAdapterComplete;
    PChars.CloseAdapterCompleteHandler = PtCloseAdapterComplete;
    PChars.SendCompleteHandler = PtSendComplete;
    PChars.TransferDataCompleteHandler = PtTransferDataComplete;
    PChars.ResetCompleteHandler = PtResetComplete;
    PChars.RequestCompleteHandler = PtRequestComplete;
    PChars.ReceiveHandler = PtReceive;
    PChars.ReceiveCompleteHandler = PtReceiveComplete;
    PChars.StatusHandler = PtStatus;
    PChars.StatusCompleteHandler = PtStatusComplete;
    PChars.ReceivePacketHandler = PtReceivePacket;
    PChars.BindAdapterHandler = PtBindAdapter;
    PChars.UnbindAdapterHandler = PtUnbindAdapter;
    PChars.PnPEventHandler = PtPnPEvent;
    PChars.UnloadHandler = PtUnloadProtocol;

    NdisRegisterProtocol(&Status, &PtGlobals.ProtocolHandle, (PNDIS_PROTOCOL_CHARACTERISTICS)&PChars, sizeof(PChars));
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("passthru: NdisRegisterProtocol failed %08x\n", (unsigned)Status);
        PtGlobals.ProtocolHandle = NULL;
        goto FailMiniport;
    }

    /* §2.3: both edges are one driver. */
    NdisIMAssociateMiniport(PtGlobals.DriverHandle, PtGlobals.ProtocolHandle);
    NdisMRegisterUnloadHandler(PtGlobals.WrapperHandle, PtDriverUnload);
    return STATUS_SUCCESS;

FailMiniport:
    NdisIMDeregisterLayeredMiniport(PtGlobals.DriverHandle);
    PtGlobals.DriverHandle = NULL;
FailWrapper:
    NdisTerminateWrapper(PtGlobals.WrapperHandle, NULL);
    PtGlobals.WrapperHandle = NULL;
    NdisFreeSpinLock(&PtGlobals.Lock);
    return (NTSTATUS)Status;
}

/* ProtocolUnload (ndis.h) — seed 003 §2.3.1.2 — PASSIVE_LEVEL. Deregisters the protocol (NDIS
 * unbinds whatever is still bound first), once, whichever of ProtocolUnload and the driver's
 * unload routine comes first. */
VOID PtUnloadProtocol(VOID)
{
    NDIS_HANDLE Handle = InterlockedExchangePointer((PVOID volatile *)&PtGlobals.ProtocolHandle, NULL);
    NDIS_STATUS Status;

    if (Handle != NULL)
        NdisDeregisterProtocol(&Status, Handle);
}

/* Unload routine (NdisMRegisterUnloadHandler) — PASSIVE_LEVEL. The protocol goes first, so
 * every binding, and with it every virtual miniport, is gone before the miniport edge is
 * deregistered. */
static VOID PtDriverUnload(PDRIVER_OBJECT DriverObject)
{
    NDIS_HANDLE DriverHandle;

    UNREFERENCED_PARAMETER(DriverObject);
    PtUnloadProtocol();
    DriverHandle = InterlockedExchangePointer((PVOID volatile *)&PtGlobals.DriverHandle, NULL);
    if (DriverHandle != NULL)
        NdisIMDeregisterLayeredMiniport(DriverHandle);
    if (!IsListEmpty(&PtGlobals.Adapters))
        DbgPrint("passthru: unload with bindings still listed\n");
    NdisFreeSpinLock(&PtGlobals.Lock);
}

/* Reference counts ------------------------------------------------------------------------------ */

VOID PtRefInit(PPT_REFCOUNT Ref)
{
    Ref->Count = 0;
    Ref->Waiting = 0;
    NdisInitializeEvent(&Ref->Zero);
}

/* PASSIVE_LEVEL. The waiter announces itself before it looks at the count, and a holder looks
 * for a waiter after its decrement (both are full barriers), so a last release either sees the
 * waiter and sets the event or happened before the waiter's look. */
VOID PtRefWaitZero(PPT_REFCOUNT Ref)
{
    InterlockedExchange(&Ref->Waiting, 1);
    for (;;) {
        NdisResetEvent(&Ref->Zero);
        KeMemoryBarrier();
        if (Ref->Count == 0)
            break;
        NdisWaitEvent(&Ref->Zero, 0);
    }
    InterlockedExchange(&Ref->Waiting, 0);
}
