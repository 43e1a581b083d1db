/* afpacket.c — DriverEntry of the afpacket NIC miniport (issue 6, deliverable 1): NDIS 5.1
 * deserialized miniport characteristics and NdisMRegisterMiniport (seed 003 §2.3, §2.3.1.1),
 * the unload handler and the driver's event-log line.
 *
 * NAME
 *     afpacket — NDIS 5.1 Ethernet miniport over an existing Linux interface
 *
 * SYNOPSIS
 *     Service "afpacket", image afpacket.sys, INF netafpacket.inf (component strata_afpacket);
 *     one adapter per device instance (NdisMedium802_3), deserialized.
 *         strata install build/drivers/netafpacket.inf
 *         strata device add strata_afpacket --name wan --param Interface=veth0
 *     Test hooks: drivers/afpacket/afpacket_hooks.h (AfpFindAdapter, AfpGetStats,
 *     AfpGetProcessor).
 *
 * DESCRIPTION
 *     Every adapter drives the Linux interface its Interface parameter names through two
 *     AF_PACKET sockets bound to it: one receives (ETH_P_ALL, PACKET_IGNORE_OUTGOING: our own
 *     transmissions do not come back), one transmits and receives nothing (protocol 0). Each
 *     has a PACKET_MMAP ring laid out as TpacketVersion says: TPACKET_V2, the kernel hands over
 *     every frame (and a frame larger than a ring frame, such as a GSO frame, comes through
 *     recv(2) in its place); or TPACKET_V3, blocks of many frames. Transmit rings are
 *     frame-based in both. The transmit socket is apart because the kernel wakes whoever
 *     watches a socket for every frame it sent and frees; it is watched only while its ring is
 *     full.
 *
 *     Receive: the socket's io event (StrataMRegisterIoEvent) runs on one processor when the
 *     kernel hands over a frame (V2) or retires a block (V3: full, or RxBlockTimeoutMs after
 *     its first frame); in a V2 stream the handler waits for the next frame instead of
 *     sleeping, up to 20 us per run, and a run that used its whole budget pauses READABLE and
 *     has a DPC on the same processor run the next (NAPI style) until a run ends short. It indicates the frames in arrays of up to 32 with
 *     NdisMIndicateReceivePacket; each packet's one buffer points into the ring (no copy). A
 *     block (a V2 frame) returns to the kernel when the walk is over and every packet indicated
 *     from it came back through MiniportReturnPacket; those that come back during the handler's
 *     run return after each array, newest first. When ReceivePackets descriptors are out, the rest of an
 *     array is indicated with NDIS_STATUS_RESOURCES: protocols copy, the descriptors come back at
 *     once. Packets and buffers come from pools allocated at initialisation.
 *
 *     Send: MiniportSendPackets copies each packet's buffer chain into the next free transmit
 *     frame, makes one send(MSG_DONTWAIT) per array and completes every packet with
 *     NdisMSendComplete before returning. When the ring is full the packets wait in the driver
 *     (a deserialized miniport may not answer NDIS_STATUS_RESOURCES) and the transmit socket is
 *     watched for WRITABLE until they fit. A frame shorter than 14 bytes or longer than MTU + 14
 *     completes with NDIS_STATUS_FAILURE, as does every send while the medium is disconnected.
 *
 *     Link: an rtnetlink socket (RTMGRP_LINK), a second io event on the same processor, turns
 *     changes of IFF_UP/IFF_RUNNING into NDIS_STATUS_MEDIA_CONNECT / _MEDIA_DISCONNECT
 *     indications; when the interface is deleted the adapter indicates a disconnect and stops
 *     using the socket (its ring stays mapped until MiniportHalt, for packets still out).
 *
 *     OIDs are answered from the interface itself: address (SIOCGIFHWADDR), MTU (frame sizes),
 *     link speed (ethtool), connect state; multicast list, promiscuous and all-multicast
 *     filters are applied to the interface as packet-socket memberships (`ip maddr` shows them).
 *     The receive ring is indicated unfiltered: NDIS filters per binding.
 *
 *     PACKET_VNET_HDR (when the kernel has it): receive frames the sender left to checksum
 *     offload are finished in the ring; TCP and UDP GSO frames (up to 64 KiB, as veth passes a
 *     namespace's TSO segments) are cut into MTU-sized frames with finished headers and
 *     checksums in a preallocated area and indicated with NDIS_STATUS_RESOURCES. Transmit
 *     frames carry a zero virtio header: no transmit offloads.
 *
 *     Initialisation fails, with one event-log line naming the interface, when the Interface
 *     parameter is missing, the interface does not exist, is not Ethernet, is down, is already
 *     driven by another afpacket adapter, or the socket cannot be opened (no CAP_NET_RAW).
 *
 * REGISTRY PARAMETERS (adapter instance key)
 *     Interface            REG_SZ, required: the Linux interface (at most 15 characters).
 *     TpacketVersion       2 or 3, default 2: the rings' layout, TPACKET_V2 (a frame and a
 *                          wake-up at a time: lowest latency) or TPACKET_V3 (blocks of frames).
 *     RxBlockSizeKB        4..4096, default 128: receive block size (rounded down to a power of
 *                          two). One block holds many frames; V2 cuts it into ring frames.
 *     RxBlocks             2..1024, default 32: receive blocks.
 *     RxBlockTimeoutMs     1..1000, default 1: V3: a block with frames is handed over after
 *                          this; both: a parked receive side looks again after this.
 *     TxFrames             16..16384, default 512: transmit ring frames; also
 *                          OID_GEN_MAXIMUM_SEND_PACKETS.
 *     ReceivePackets       64..65536, default 1024: receive descriptors protocols may hold.
 *     QdiscBypass          0/1, default 0: PACKET_QDISC_BYPASS (faster; skips tc and taps on
 *                          the interface's transmit side).
 *
 * COUNTERS (AfpGetStats; the OID that reports each, if any)
 *     RxFrames, RxBytes      frames indicated                        (OID_GEN_RCV_OK)
 *     RxIndicatedResources   of those, with NDIS_STATUS_RESOURCES
 *     RxErrors               truncated, runt or oversized frames     (OID_GEN_RCV_ERROR)
 *     RxBlocks               ring blocks walked
 *     RxChecksummed          partial checksums completed
 *     RxSegments             frames cut from GSO frames
 *     RxCopied               V2: frames too large for a ring frame, read with recv(2)
 *     RxKernelDrops          dropped by the kernel, ring full        (OID_GEN_RCV_NO_BUFFER)
 *     ReturnsOutstanding     indicated packets protocols still hold
 *     TxFrames, TxBytes      frames put in the transmit ring         (OID_GEN_XMIT_OK)
 *     TxErrors               sends failed                            (OID_GEN_XMIT_ERROR)
 *     TxQueued, TxWaiting    sends that waited / wait for ring frames
 *     TxKickErrors           failed send(2) calls
 *     MediaIndications       media connect/disconnect indications
 */
#include <stdarg.h>
#include <stdio.h>

#include "afpacket.h"

AFP_DRIVER AfpDriver;

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
static DRIVER_UNLOAD AfpUnload;

#pragma NDIS_INIT_FUNCTION(DriverEntry)

/* DriverEntry — seed 003 §2.3 — PASSIVE_LEVEL. Initialises the wrapper and registers the
 * miniport; on failure undoes what was done and returns the status. */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_MINIPORT_CHARACTERISTICS Chars;
    NDIS_STATUS Status;

    NdisMInitializeWrapper(&AfpDriver.WrapperHandle, DriverObject, RegistryPath, NULL);
    if (AfpDriver.WrapperHandle == NULL)
        return STATUS_UNSUCCESSFUL;
    AfpDriver.DriverObject = DriverObject;
    NdisAllocateSpinLock(&AfpDriver.Lock);
    InitializeListHead(&AfpDriver.Adapters);
    AfpDriver.NextAdapterNumber = 0;

    /* Zeroed first: every handler we do not provide stays NULL (seed §2.3.1.1). Receives are
     * packet indications only, so NDIS serves NdisTransferData itself. */
    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.MajorNdisVersion = 5;
    Chars.MinorNdisVersion = 1;
    Chars.CheckForHangHandler = AfpCheckForHang;
    Chars.HaltHandler = AfpHalt;
    Chars.InitializeHandler = AfpInitialize;
    Chars.QueryInformationHandler = AfpQueryInformation;
    Chars.ResetHandler = AfpReset;
    Chars.SetInformationHandler = AfpSetInformation;
    Chars.ReturnPacketHandler = AfpReturnPacket;
    Chars.SendPacketsHandler = AfpSendPackets;
    Chars.PnPEventNotifyHandler = AfpPnPEventNotify;
    Chars.AdapterShutdownHandler = AfpShutdown;

    Status = NdisMRegisterMiniport(AfpDriver.WrapperHandle, &Chars, sizeof(Chars));
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("afpacket: NdisMRegisterMiniport failed %08x\n", (unsigned)Status);
        NdisFreeSpinLock(&AfpDriver.Lock);
        NdisTerminateWrapper(AfpDriver.WrapperHandle, NULL);
        AfpDriver.WrapperHandle = NULL;
        return (NTSTATUS)Status;
    }
    NdisMRegisterUnloadHandler(AfpDriver.WrapperHandle, AfpUnload);
    return STATUS_SUCCESS;
}

/* AfpUnload — PASSIVE_LEVEL, after every adapter was halted: releases driver-wide state. */
static VOID AfpUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    if (!IsListEmpty(&AfpDriver.Adapters))
        DbgPrint("afpacket: unload with adapters still listed\n");
    NdisFreeSpinLock(&AfpDriver.Lock);
}

VOID AfpLogError(NDIS_STATUS EventCode, const char *Format, ...)
{
    char Text[256];
    WCHAR Wide[256];
    va_list Args;
    UINT i;

    va_start(Args, Format);
    vsnprintf(Text, sizeof(Text), Format, Args);
    va_end(Args);
    /* Interface names and our messages are ASCII. */
    for (i = 0; Text[i] != '\0' && i + 1 < ARRAYSIZE(Wide); i++)
        Wide[i] = (WCHAR)(UCHAR)Text[i];
    Wide[i] = 0;
    NdisWriteEventLogEntry(AfpDriver.DriverObject, EventCode, 0, 1, Wide, 0, NULL);
}
