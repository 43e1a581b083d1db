/* afxdp.c — DriverEntry of the afxdp NIC miniport (issue 6, deliverable 1): NDIS 5.1 deserialized
 * miniport characteristics and NdisMRegisterMiniport (seed 003 §2.3, §2.3.1.1), and the driver's
 * event-log line.
 *
 * NAME
 *     afxdp — NDIS 5.1 Ethernet miniport over an AF_XDP socket on an existing Linux interface
 *
 * SYNOPSIS
 *     Service "afxdp", image afxdp.sys, INF netafxdp.inf (component strata_afxdp); one adapter per
 *     device instance (NdisMedium802_3):
 *         strata device add strata_afxdp --name x0 --param Interface=eth0
 *
 * DESCRIPTION
 *     The adapter binds two AF_XDP sockets to one queue of the interface, sharing one UMEM: a
 *     receive socket (libxdp) and a transmit socket (XDP_SHARED_UMEM). libxdp attaches its default
 *     XDP program, which redirects every frame arriving on that queue to the receive socket; the
 *     program is removed when the adapter halts. The UMEM is one anonymous mapping cut into
 *     FrameSize-byte frames: the first ReceiveBuffers for receiving, the rest for sending.
 *
 *     Receive: every free receive frame sits on the fill ring. When the socket turns readable the
 *     adapter's io processor drains the receive ring and indicates the frames in packet arrays
 *     (NdisMIndicateReceivePacket) whose one buffer maps the frame inside the UMEM: no copy. A
 *     frame goes back on the fill ring when its packet comes back (MiniportReturnPacket) or at
 *     once when the protocols did not keep it. When most frames are held by protocols the batch
 *     is indicated with NDIS_STATUS_RESOURCES, so NDIS copies and the frames return at once.
 *     A run that drained its whole budget pauses READABLE and has a DPC on the same processor
 *     run the next, until a run ends short of it.
 *
 *     Send: MiniportSendPackets copies each packet into a free transmit frame, posts the batch on
 *     the transmit ring and kicks the kernel (sendto, MSG_DONTWAIT; again while frames remain, as
 *     copy mode sends 32 per call), then reaps the completion ring. A send completes
 *     (NdisMSendComplete) when its frame comes back on the completion ring. While frames are still
 *     in flight the transmit socket is watched for WRITABLE, whose poll drives copy-mode
 *     transmission and reaps completions; after AFXDP_IDLE_POLLS polls without progress (a link
 *     that is down) a 1 ms timer polls instead. Otherwise its watch is paused: a watched socket is
 *     woken for every frame the kernel frees. Sends beyond the free frames wait in order in the
 *     adapter.
 *
 *     Zero-copy (XDP_ZEROCOPY) needs a driver with AF_XDP support; veth and most virtual
 *     interfaces give copy mode. The mode the socket got is written to the host log at start.
 *     Link state follows rtnetlink (NDIS_STATUS_MEDIA_CONNECT / MEDIA_DISCONNECT). Multicast and
 *     promiscuous settings are applied to the interface through a packet-socket membership, which
 *     the kernel drops when the adapter halts; NDIS's filter library filters what protocols see.
 *
 *     MiniportInitialize fails, with one event-log line saying why, when the interface is missing,
 *     down or not Ethernet, its MTU does not fit the frames, or AF_XDP cannot be used (no kernel
 *     support, not root, queue already in use, mode refused); nothing stays attached then.
 *
 * REGISTRY PARAMETERS (adapter instance key; REG_DWORD unless noted)
 *     Interface        REG_SZ, required: the Linux interface to drive.
 *     Queue            0..1023, default 0: the interface queue the socket binds to. Frames the
 *                      interface steers to other queues are not seen.
 *     ZeroCopy         0 copy mode, 1 zero-copy or fail, 2 (default) zero-copy if the driver
 *                      supports it, else copy mode.
 *     XdpMode          0 (default) native XDP, else generic (skb) XDP; 1 native only; 2 generic.
 *     FrameSize        0 (default: 2048, or 4096 when the MTU needs it), 2048 or 4096. A frame
 *                      receives at most FrameSize - 256 bytes.
 *     ReceiveBuffers   64..8192 (a power of two), default 1024: receive frames and packets.
 *     TransmitBuffers  64..4096 (a power of two), default 512: transmit frames;
 *                      also OID_GEN_MAXIMUM_SEND_PACKETS.
 */
#include <stdarg.h>
#include <stdio.h>

#include "afxdp.h"

AFXDP_DRIVER AfxdpDriver;

static VOID AfxdpUnload(PDRIVER_OBJECT DriverObject);

#pragma NDIS_INIT_FUNCTION(DriverEntry)

/* DriverEntry — seed 003 §2.3 — PASSIVE_LEVEL. Initialises the wrapper and registers the
 * miniport; on failure undoes what was done and returns the status. */
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_MINIPORT_CHARACTERISTICS Chars;
    NDIS_STATUS Status;

    AfxdpDriver.DriverObject = DriverObject;
    NdisMInitializeWrapper(&AfxdpDriver.WrapperHandle, DriverObject, RegistryPath, NULL);
    if (AfxdpDriver.WrapperHandle == NULL)
        return STATUS_UNSUCCESSFUL;

    /* Zeroed first: every handler we do not provide stays NULL (seed §2.3.1.1). Receives are
     * always whole-frame packet indications, so MiniportTransferData is never needed. */
    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.MajorNdisVersion = 5;
    Chars.MinorNdisVersion = 1;
    Chars.CheckForHangHandler = AfxdpCheckForHang;
    Chars.HaltHandler = AfxdpHalt;
    Chars.InitializeHandler = AfxdpInitialize;
    Chars.QueryInformationHandler = AfxdpQueryInformation;
    Chars.ResetHandler = AfxdpReset;
    Chars.SetInformationHandler = AfxdpSetInformation;
    Chars.ReturnPacketHandler = AfxdpReturnPacket;
    Chars.SendPacketsHandler = AfxdpSendPackets;
    Chars.PnPEventNotifyHandler = AfxdpPnPEventNotify;
    Chars.AdapterShutdownHandler = AfxdpShutdown;

    Status = NdisMRegisterMiniport(AfxdpDriver.WrapperHandle, &Chars, sizeof(Chars));
    if (Status != NDIS_STATUS_SUCCESS) {
        DbgPrint("afxdp: NdisMRegisterMiniport failed %08x\n", (unsigned)Status);
        NdisTerminateWrapper(AfxdpDriver.WrapperHandle, NULL);
        AfxdpDriver.WrapperHandle = NULL;
        return (NTSTATUS)Status;
    }
    NdisMRegisterUnloadHandler(AfxdpDriver.WrapperHandle, AfxdpUnload);
    return STATUS_SUCCESS;
}

/* AfxdpUnload — PASSIVE_LEVEL, after every adapter was halted. Nothing driver-wide to free. */
static VOID AfxdpUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

/* Any IRQL <= DISPATCH_LEVEL. DbgPrint shows only at debug level; an event log entry always
 * reaches the host log, so whoever started the adapter can read why it did not start. */
VOID AfxdpLog(NDIS_STATUS EventCode, const char *Format, ...)
{
    char Text[320];
    WCHAR Wide[320];
    va_list Args;
    UINT i;

    va_start(Args, Format);
    vsnprintf(Text, sizeof(Text), Format, Args);
    va_end(Args);
    DbgPrint("afxdp: %s\n", Text);
    /* Interface names and our messages are ASCII; the host log names the driver itself. */
    for (i = 0; Text[i] != '\0' && i + 1 < ARRAYSIZE(Wide); i++)
        Wide[i] = (WCHAR)(UCHAR)Text[i];
    Wide[i] = 0;
    NdisWriteEventLogEntry(AfxdpDriver.DriverObject, EventCode, 0, 1, Wide, 0, NULL);
}
