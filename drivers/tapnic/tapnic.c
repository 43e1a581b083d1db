/* tapnic.c — DriverEntry of the tapnic NIC miniport: NDIS 5.1 miniport characteristics and
 * NdisMRegisterMiniport (seed 003 §2.3, §2.3.1.1), and the driver's log line (issue 6
 * deliverable 1).
 *
 * NAME
 *     tapnic — NDIS 5.1 Ethernet miniport whose wire is a Linux TAP device
 *
 * SYNOPSIS
 *     Service "tapnic", image tapnic.sys, component id strata_tapnic (nettapnic.inf); one
 *     adapter, and one TAP device, per device instance (NdisMedium802_3, deserialized).
 *         strata install nettapnic.inf
 *         strata device add strata_tapnic --name t0 --param TapName=tap0
 *
 * DESCRIPTION
 *     MiniportInitialize creates a TAP device (/dev/net/tun, TUNSETIFF IFF_TAP|IFF_NO_PI) and
 *     the Linux side of it is this adapter's wire: a frame Linux transmits on the TAP is one
 *     this adapter receives, and a frame a protocol sends on the adapter is written to the TAP,
 *     so Linux receives it. The TAP is the adapter's for its whole life and disappears when the
 *     adapter halts (its descriptors close; it is not persistent). It may be moved to another
 *     network namespace meanwhile; its descriptors keep working.
 *
 *     Each TAP descriptor is watched with StrataMRegisterIoEvent: when it is readable the
 *     adapter reads frames into preallocated receive slots and indicates them in packet arrays
 *     (NdisMIndicateReceivePacket); MiniportReturnPacket puts a slot back. When every slot is
 *     held by protocols the descriptor is not watched until one comes back, so Linux queues (and
 *     in the end drops) instead of us spinning. Sends are written at once with writev from the
 *     packet's own buffers and completed inline. Queues > 1 makes a multi-queue TAP with one
 *     descriptor per queue; a send uses the queue of the processor it runs on. VnetHeader=1
 *     asks for IFF_VNET_HDR: received frames start with a virtio_net_hdr, which is checked and
 *     stripped, and every sent frame gets a zero one (no offloads are asked of the kernel, so
 *     none arrive).
 *
 *     The link is up when the TAP is: an rtnetlink watcher (which follows the TAP into other
 *     namespaces) turns IFF_UP+IFF_RUNNING changes into NDIS_STATUS_MEDIA_CONNECT and
 *     NDIS_STATUS_MEDIA_DISCONNECT, and OID_GEN_MEDIA_CONNECT_STATUS answers the same. The packet
 *     filter and multicast list NDIS programs are applied to the TAP (TUNSETTXFILTER), so Linux
 *     hands over only frames some protocol wants; NDIS filters per binding as usual.
 *
 *     Bad input fails MiniportInitialize with one line in the host log naming the TAP: a name an
 *     interface already has (NDIS_STATUS_RESOURCE_CONFLICT), an invalid name
 *     (NDIS_STATUS_INVALID_DATA), no permission (NDIS_STATUS_OPEN_FAILED), no TAP support
 *     (NDIS_STATUS_ADAPTER_NOT_FOUND). Nothing is left behind.
 *
 * REGISTRY PARAMETERS (adapter instance key; nettapnic.inf declares them)
 *     TapName          REG_SZ, the TAP's name, 1-15 characters; "%d" once lets the kernel
 *                      number it. Default "tapnic%d".
 *     NetworkAddress   REG_SZ, 12 hex digits: the adapter's address. Default 02:54:xx:xx:xx:xx
 *                      from the TAP's name (locally administered); also the permanent address.
 *     Mtu              68..1500, default 1500: OID_GEN_MAXIMUM_FRAME_SIZE and the TAP's MTU.
 *     LinkSpeedMbps    1..400000, default 10000: OID_GEN_LINK_SPEED.
 *     Queues           1..16, default 1: TAP queues (IFF_MULTI_QUEUE above 1).
 *     VnetHeader       0/1, default 0: IFF_VNET_HDR.
 *     ReceiveBuffers   16..16384, default 512: receive slots and packets.
 *
 * COUNTERS (statistics OIDs)
 *     OID_GEN_XMIT_OK, OID_GEN_XMIT_ERROR   frames written to the TAP, and refused ones
 *     OID_GEN_RCV_OK                        frames indicated
 *     OID_GEN_RCV_ERROR                     frames dropped as malformed (runt, oversize, GSO)
 *     OID_GEN_RCV_NO_BUFFER                 times reception paused with every slot held
 */
#include "tapnic.h"

TAPNIC_DRIVER TapnicDriver;

/* Customer-defined (bit 29), error severity: a driver message, not an NDIS status. */
#define TAPNIC_EVENT_MESSAGE ((NDIS_STATUS)0xE0000001L)
#define TAPNIC_LOG_CHARS     200

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);

#pragma NDIS_INIT_FUNCTION(DriverEntry)

/* DriverEntry — seed 003 §2.3 — PASSIVE_LEVEL. Initialises the wrapper and registers the
 * miniport; on failure undoes what was done and returns the status. */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_MINIPORT_CHARACTERISTICS Chars;
    NDIS_STATUS Status;

    NdisMInitializeWrapper(&TapnicDriver.WrapperHandle, DriverObject, RegistryPath, NULL);
    if (TapnicDriver.WrapperHandle == NULL)
        return STATUS_UNSUCCESSFUL;
    TapnicDriver.DriverObject = DriverObject;

    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.MajorNdisVersion = 5;
    Chars.MinorNdisVersion = 1;
    Chars.CheckForHangHandler = TapnicCheckForHang;
    Chars.HaltHandler = TapnicHalt;
    Chars.InitializeHandler = TapnicInitialize;
    Chars.QueryInformationHandler = TapnicQueryInformation;
    Chars.ResetHandler = TapnicReset;
    Chars.SetInformationHandler = TapnicSetInformation;
    Chars.ReturnPacketHandler = TapnicReturnPacket;
    Chars.SendPacketsHandler = TapnicSendPackets;
    Chars.PnPEventNotifyHandler = TapnicPnPEventNotify;
    Chars.AdapterShutdownHandler = TapnicShutdown;

    Status = NdisMRegisterMiniport(TapnicDriver.WrapperHandle, &Chars, sizeof(Chars));
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("tapnic: NdisMRegisterMiniport failed %08x\n", (unsigned)Status);
        NdisTerminateWrapper(TapnicDriver.WrapperHandle, NULL);
        TapnicDriver.WrapperHandle = NULL;
        return (NTSTATUS)Status;
    }
    return STATUS_SUCCESS;
}

/* Appends the ASCII text From to Text (Length characters so far, at most TAPNIC_LOG_CHARS). */
static UINT TapnicAppend(PWCHAR Text, UINT Length, PCSTR From)
{
    while (Length < TAPNIC_LOG_CHARS && *From != '\0')
        Text[Length++] = (WCHAR)(UCHAR)*From++;
    return Length;
}

/* Any IRQL <= DISPATCH_LEVEL. DbgPrint shows only at debug level; an event log entry always
 * reaches the host log, so a user sees why an adapter did not start. */
VOID TapnicLog(PCSTR TapName, PCSTR Line)
{
    WCHAR Text[TAPNIC_LOG_CHARS + 1];
    UINT Length = 0;

    if (TapName != NULL) {
        DbgPrint("tapnic: TAP %s: %s\n", TapName, Line);
        Length = TapnicAppend(Text, Length, "TAP ");
        Length = TapnicAppend(Text, Length, TapName);
        Length = TapnicAppend(Text, Length, ": ");
    } else {
        DbgPrint("tapnic: %s\n", Line);
    }
    Length = TapnicAppend(Text, Length, Line);
    Text[Length] = 0;
    NdisWriteEventLogEntry(TapnicDriver.DriverObject, TAPNIC_EVENT_MESSAGE, 0, 1, Text, 0, NULL);
}
