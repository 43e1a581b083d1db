/* loop.c — DriverEntry of the loop NIC miniport: NdisMInitializeWrapper, NDIS 5.1 miniport
 * characteristics and NdisMRegisterMiniport (seed 003 §2.3, §2.3.1.1), and the unload handler.
 *
 * NAME
 *     loop — NDIS 5.1 Ethernet miniport on an in-memory wire
 *
 * SYNOPSIS
 *     Service "loop", image loop.sys; one adapter per device instance (NdisMedium802_3).
 *     Test hooks: drivers/loop/loop_hooks.h (LoopFindAdapter, LoopIndicateFrames,
 *     LoopIndicateStatus, LoopGetStats).
 *
 * DESCRIPTION
 *     Every adapter is a NIC on a software Ethernet segment (a "wire") shared by all adapters
 *     whose Wire parameter is equal. A frame sent on one adapter is copied into the receive
 *     ring of every other adapter on its wire; the miniport itself is promiscuous and leaves
 *     packet filtering and loopback to NDIS (NDIS_MAC_OPTION_NO_LOOPBACK). Each adapter's
 *     receive DPC indicates what its ring holds, in batches, in the style its IndicationStyle
 *     selects, so every receive path of seed §2.7 can be driven: packet arrays the protocols
 *     may keep (returned to MiniportReturnPacket), packet arrays marked NDIS_STATUS_RESOURCES
 *     that NDIS must copy, and lookahead indications completed with MiniportTransferData,
 *     synchronous or pended. Sends complete inline or from a DPC; with Serialized=1 the
 *     adapter registers as serialized and refuses sends with NDIS_STATUS_RESOURCES when its
 *     TxRingSize sends are in flight, so NDIS's send queue is exercised (seed §2.8). Requests
 *     can pend and complete from a DPC. All buffers and packets are preallocated: the data
 *     path allocates nothing and takes only per-adapter spin locks.
 *
 *     The miniport registers MiniportSendPackets (NDIS calls it whenever it is registered, so
 *     a per-adapter choice of MiniportSend is impossible); a serialized adapter answers
 *     through each packet's status as documented for serialized MiniportSendPackets.
 *
 * REGISTRY PARAMETERS (adapter instance key; all optional, REG_DWORD unless noted)
 *     NetworkAddress       REG_SZ, 12 hex digits, read with NdisReadNetworkAddress; default
 *                          02:00:5E:xx:xx:xx (locally administered, unique per adapter).
 *                          This default is also OID_802_3_PERMANENT_ADDRESS.
 *     Wire                 segment number; adapters with equal numbers share it. Default 0.
 *     LinkSpeedMbps        1..400000, default 1000; OID_GEN_LINK_SPEED in 100 bps units.
 *     Serialized           0/1, default 0. 1: no NDIS_ATTRIBUTE_DESERIALIZE, at most TxRingSize
 *                          sends in flight (NDIS_STATUS_RESOURCES beyond), completed by a DPC.
 *     TxRingSize           1..4096, default 64; also OID_GEN_MAXIMUM_SEND_PACKETS.
 *     IndicationStyle      0 packet arrays (default), 1 NdisMEthIndicateReceive with a partial
 *                          lookahead + MiniportTransferData, 2 packet arrays with status
 *                          NDIS_STATUS_RESOURCES (reclaimed when the indication returns).
 *     LookaheadBytes       0..1500, default 64: style 1 indicates max(LookaheadBytes,
 *                          OID_GEN_CURRENT_LOOKAHEAD) bytes after the header, at most the frame.
 *     TransferPends        0/1, default 0: MiniportTransferData copies, returns PENDING and
 *                          completes with NdisMTransferDataComplete from a DPC.
 *     SendCompletion       0/1, default 0: deserialized sends complete inline in
 *                          MiniportSendPackets (0) or from a DPC (1).
 *     RequestsPend         0/1, default 0: queries and sets return PENDING and complete with
 *                          NdisMQuery/SetInformationComplete from a DPC.
 *     ReceiveBuffers       1..16384, default 256: receive slots (and receive packets).
 *     MaxMulticastList     1..256, default 32: OID_802_3_MAXIMUM_LIST_SIZE.
 *     CheckForHangSeconds  0..3600, default 0 (NDIS's default interval).
 *     PowerManagement      0/1, default 0: answers OID_PNP_CAPABILITIES (wakes on magic packet
 *                          and pattern from D3), OID_PNP_QUERY_POWER, OID_PNP_SET_POWER and
 *                          OID_PNP_ENABLE_WAKE_UP (seed 003 §2.9.1); 0 makes it a legacy
 *                          miniport that NDIS halts for sleep.
 *     NoHaltOnSuspend      0/1, default 0: sets NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND.
 *
 * COUNTERS (LoopGetStats; also behind the statistics OIDs)
 *     TxFrames, TxBytes     frames/bytes accepted for transmission  (OID_GEN_XMIT_OK)
 *     TxDroppedNoPeer       accepted with no other adapter on the wire
 *     TxErrors              refused as malformed                    (OID_GEN_XMIT_ERROR)
 *     RxFrames, RxBytes     frames/bytes indicated                  (OID_GEN_RCV_OK)
 *     RxDroppedRingFull     wire frames dropped, no free slot       (OID_GEN_RCV_NO_BUFFER)
 *     ReturnsOutstanding    indicated packets protocols still hold
 */
#include "loop.h"

LOOP_DRIVER LoopDriver;

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
static DRIVER_UNLOAD LoopUnload;

#pragma NDIS_INIT_FUNCTION(DriverEntry)

/* DriverEntry — seed 003 §2.3 — PASSIVE_LEVEL. Initialises the wrapper and registers the
 * miniport; on failure undoes what was done (NdisTerminateWrapper) and returns the status. */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_MINIPORT_CHARACTERISTICS Chars;
    NDIS_STATUS Status;

    NdisMInitializeWrapper(&LoopDriver.WrapperHandle, DriverObject, RegistryPath, NULL);
    if (LoopDriver.WrapperHandle == NULL)
        return STATUS_UNSUCCESSFUL;

    NdisAllocateSpinLock(&LoopDriver.Lock);
    InitializeListHead(&LoopDriver.Adapters);
    LoopDriver.NextAdapterNumber = 0;

    /* Zeroed first: every handler we do not provide stays NULL (seed §2.3.1.1). */
    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.MajorNdisVersion = 5;
    Chars.MinorNdisVersion = 1;
    Chars.CheckForHangHandler = LoopCheckForHang;
    Chars.HaltHandler = LoopHalt;
    Chars.InitializeHandler = LoopInitialize;
    Chars.QueryInformationHandler = LoopQueryInformation;
    Chars.ResetHandler = LoopReset;
    Chars.SetInformationHandler = LoopSetInformation;
    Chars.TransferDataHandler = LoopTransferData;
    Chars.ReturnPacketHandler = LoopReturnPacket;
    Chars.SendPacketsHandler = LoopSendPackets;
    Chars.PnPEventNotifyHandler = LoopPnPEventNotify;
    Chars.AdapterShutdownHandler = LoopShutdown;

    Status = NdisMRegisterMiniport(LoopDriver.WrapperHandle, &Chars, sizeof(Chars));
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("loop: NdisMRegisterMiniport failed %08x\n", (unsigned)Status);
        NdisFreeSpinLock(&LoopDriver.Lock);
        NdisTerminateWrapper(LoopDriver.WrapperHandle, NULL);
        LoopDriver.WrapperHandle = NULL;
        return (NTSTATUS)Status;
    }
    NdisMRegisterUnloadHandler(LoopDriver.WrapperHandle, LoopUnload);
    return STATUS_SUCCESS;
}

/* LoopUnload — PASSIVE_LEVEL, after every adapter was halted: releases driver-wide state. */
static VOID LoopUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    if (!IsListEmpty(&LoopDriver.Adapters))
        DbgPrint("loop: unload with adapters still listed\n");
    NdisFreeSpinLock(&LoopDriver.Lock);
}
