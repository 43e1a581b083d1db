/* offload.c — strata_tap's task offload (issue 6 deliverable 2; seed 003 §2.4.3, §2.5): at bind
 * it enables the checksum and large-send offloads the adapter offers (OID_TCP_TASK_OFFLOAD, the
 * TCP/IP transport's part in NDIS 5.1) and lets Linux leave the same work in the frames it
 * writes to the TAP (TUNSETOFFLOAD); per frame it turns the virtio_net_hdr Linux put before the
 * frame into NDIS per-packet information, and does in software what the adapter cannot.
 *
 * The two sides disagree on one thing: Linux leaves a pseudo-header sum that includes the TCP
 * length in a large packet's checksum field, NDIS 5.1 large send expects one without it. */
#include "strata_tap.h"

#define STAP_VNET_F_NEEDS_CSUM   0x01
#define STAP_VNET_GSO_NONE       0x00
#define STAP_VNET_GSO_TCPV4      0x01
#define STAP_VNET_GSO_ECN        0x80
#define STAP_ETHERTYPE_IPV4      0x0800
#define STAP_ETHERTYPE_IPV6      0x86DD
#define STAP_IPPROTO_TCP         6
#define STAP_IPPROTO_UDP         17
#define STAP_TCP_CHECK_OFFSET    16
#define STAP_UDP_CHECK_OFFSET    6
#define STAP_OFFLOAD_QUERY_BYTES 512

static USHORT StapRead16(const UCHAR *At) { return (USHORT)((At[0] << 8) | At[1]); }

static VOID StapWrite16(PUCHAR At, USHORT Value)
{
    At[0] = (UCHAR)(Value >> 8);
    At[1] = (UCHAR)Value;
}

/* A little-endian field of the vnet header (the kernel's byte order on x86-64). */
static USHORT StapVnet16(const UCHAR *At) { return (USHORT)(At[0] | (At[1] << 8)); }

/* ---- bind time ------------------------------------------------------------------------------------ */

/* Appends one NDIS_TASK_OFFLOAD holding Length bytes of Task to the set buffer at *Offset. */
static VOID StapAppendTask(PUCHAR Buffer, ULONG *Offset, PNDIS_TASK_OFFLOAD *Previous, NDIS_TASK Kind,
    ULONG Version, const VOID *Task, ULONG Length)
{
    PNDIS_TASK_OFFLOAD Entry = (PNDIS_TASK_OFFLOAD)(Buffer + *Offset);
    ULONG Bytes = (FIELD_OFFSET(NDIS_TASK_OFFLOAD, TaskBuffer) + Length + 7) & ~7u;

    NdisZeroMemory(Entry, Bytes);
    Entry->Version = Version;
    Entry->Size = sizeof(NDIS_TASK_OFFLOAD);
    Entry->Task = Kind;
    Entry->TaskBufferLength = Length;
    NdisMoveMemory(Entry->TaskBuffer, Task, Length);
    if (*Previous != NULL)
        (*Previous)->OffsetNextTask = (ULONG)((PUCHAR)Entry - (PUCHAR)*Previous);
    *Previous = Entry;
    *Offset += Bytes;
}

static VOID StapInitHeader(PNDIS_TASK_OFFLOAD_HEADER Header)
{
    NdisZeroMemory(Header, sizeof(*Header));
    Header->Version = NDIS_TASK_OFFLOAD_VERSION;
    Header->Size = sizeof(*Header);
    Header->EncapsulationFormat.Encapsulation = IEEE_802_3_Encapsulation;
    Header->EncapsulationFormat.Flags.FixedHeaderSize = 1;
    Header->EncapsulationFormat.EncapsulationHeaderSize = STAP_ETH_HEADER;
}

/* PASSIVE_LEVEL. Points every (free) send packet at a STAP_LARGE_FRAME frame of its own. */
static NDIS_STATUS StapUseLargeFrames(PSTAP_BINDING Binding)
{
    UINT Stride = (STAP_VNET_ROOM + STAP_LARGE_FRAME + 1 + 63) & ~63u;
    PNDIS_PACKET Packet;
    PUCHAR Slot;
    NDIS_STATUS Status;

    Binding->LargeMemoryBytes = Binding->Config.SendPoolSize * Stride;
    if (NdisAllocateMemoryWithTag((PVOID *)&Binding->LargeMemory, Binding->LargeMemoryBytes, STAP_TAG) !=
        NDIS_STATUS_SUCCESS) {
        Binding->LargeMemory = NULL;
        return NDIS_STATUS_RESOURCES;
    }
    Slot = Binding->LargeMemory;
    for (Packet = Binding->FreeSends; Packet != NULL; Packet = STAP_RESERVED(Packet)->Next, Slot += Stride) {
        PSTAP_PACKET_RESERVED Reserved = STAP_RESERVED(Packet);

        /* The buffer pool has one buffer per packet: the old one goes back before the new one. */
        NdisFreeBuffer(Reserved->Buffer);
        NdisAllocateBuffer(&Status, &Reserved->Buffer, Binding->BufferPool, Slot + STAP_VNET_ROOM, STAP_LARGE_FRAME);
        if (Status != NDIS_STATUS_SUCCESS)
            return Status; /* cannot happen: the buffer just freed is reused */
        Reserved->Frame = Slot + STAP_VNET_ROOM;
    }
    Binding->SendFrameBytes = STAP_LARGE_FRAME;
    return NDIS_STATUS_SUCCESS;
}

VOID StapFreeLargeFrames(PSTAP_BINDING Binding)
{
    if (Binding->LargeMemory != NULL)
        NdisFreeMemory(Binding->LargeMemory, Binding->LargeMemoryBytes, 0);
    Binding->LargeMemory = NULL;
}

NDIS_STATUS StapNegotiateOffload(PSTAP_BINDING Binding)
{
    ULONG Buffer[STAP_OFFLOAD_QUERY_BYTES / sizeof(ULONG)];
    PUCHAR Bytes = (PUCHAR)Buffer;
    PNDIS_TASK_OFFLOAD_HEADER Header = (PNDIS_TASK_OFFLOAD_HEADER)Buffer;
    NDIS_TASK_TCP_IP_CHECKSUM Checksum;
    NDIS_TASK_TCP_LARGE_SEND LargeSend;
    BOOLEAN HaveChecksum = FALSE, HaveLargeSend = FALSE;
    PNDIS_TASK_OFFLOAD Previous = NULL;
    ULONG Offset;
    ULONG Written;
    UINT Guard;

    NdisZeroMemory(&Checksum, sizeof(Checksum));
    NdisZeroMemory(&LargeSend, sizeof(LargeSend));
    StapInitHeader(Header);
    if (StapDoRequest(Binding, NdisRequestQueryInformation, OID_TCP_TASK_OFFLOAD, Buffer, sizeof(Buffer)) !=
        NDIS_STATUS_SUCCESS)
        return NDIS_STATUS_SUCCESS; /* no offload: Linux does it all */
    Written = Binding->Request.DATA.QUERY_INFORMATION.BytesWritten;
    if (Written > sizeof(Buffer))
        Written = sizeof(Buffer);
    Offset = Header->OffsetFirstTask;
    for (Guard = 0; Offset != 0 && Guard < 16; Guard++) {
        PNDIS_TASK_OFFLOAD Task = (PNDIS_TASK_OFFLOAD)(Bytes + Offset);

        if (Offset + FIELD_OFFSET(NDIS_TASK_OFFLOAD, TaskBuffer) > Written ||
            Offset + FIELD_OFFSET(NDIS_TASK_OFFLOAD, TaskBuffer) + Task->TaskBufferLength > Written)
            break;
        if (Task->Task == TcpIpChecksumNdisTask && Task->TaskBufferLength >= sizeof(Checksum)) {
            NdisMoveMemory(&Checksum, Task->TaskBuffer, sizeof(Checksum));
            HaveChecksum = TRUE;
        } else if (Task->Task == TcpLargeSendNdisTask && Task->Version == NDIS_TASK_TCP_LARGE_SEND_V0 &&
                   Task->TaskBufferLength >= sizeof(LargeSend)) {
            NdisMoveMemory(&LargeSend, Task->TaskBuffer, sizeof(LargeSend));
            HaveLargeSend = TRUE;
        }
        Offset = Task->OffsetNextTask != 0 ? Offset + Task->OffsetNextTask : 0;
    }

    /* Receive checksums as offered: segments the adapter verified are joined without a second
     * look (datapath.c). */
    Checksum.V4Transmit.IpChecksum = 0; /* Linux always fills in the IPv4 header checksum */
    HaveChecksum = HaveChecksum && (Checksum.V4Transmit.TcpChecksum || Checksum.V4Transmit.UdpChecksum ||
                                    Checksum.V6Transmit.TcpChecksum || Checksum.V6Transmit.UdpChecksum);
    /* Large sends carry TCP timestamps (options); Linux hands over nothing smaller than 2 MSS. */
    HaveLargeSend = HaveLargeSend && LargeSend.TcpOptions && LargeSend.MaxOffLoadSize >= 2 * 1460 &&
                    LargeSend.MinSegmentCount <= 2;
    if (!HaveChecksum && !HaveLargeSend)
        return NDIS_STATUS_SUCCESS;
    if (HaveLargeSend && StapUseLargeFrames(Binding) != NDIS_STATUS_SUCCESS) {
        StapLog(Binding->Tap.name, "no memory for large send frames; large send offload stays off");
        StapFreeLargeFrames(Binding);
        return NDIS_STATUS_RESOURCES;
    }

    StapInitHeader(Header);
    Offset = (sizeof(NDIS_TASK_OFFLOAD_HEADER) + 7) & ~7u;
    Header->OffsetFirstTask = Offset;
    if (HaveChecksum)
        StapAppendTask(Bytes, &Offset, &Previous, TcpIpChecksumNdisTask, 0, &Checksum, sizeof(Checksum));
    if (HaveLargeSend)
        StapAppendTask(Bytes, &Offset, &Previous, TcpLargeSendNdisTask, NDIS_TASK_TCP_LARGE_SEND_V0, &LargeSend,
            sizeof(LargeSend));
    if (StapDoRequest(Binding, NdisRequestSetInformation, OID_TCP_TASK_OFFLOAD, Buffer, Offset) !=
        NDIS_STATUS_SUCCESS) {
        StapLog(Binding->Tap.name, "the adapter refused the offloads it offered; Linux does that work");
        return NDIS_STATUS_SUCCESS; /* large frames stay: harmless, the TAP is not told */
    }
    if (tap_set_offload(&Binding->Tap, TAP_OFFLOAD_CSUM | (HaveLargeSend ? TAP_OFFLOAD_TSO4 : 0)) != 0) {
        StapLog(Binding->Tap.name, "the TAP refused offloads; Linux does that work");
        return NDIS_STATUS_SUCCESS;
    }
    Binding->Checksum = Checksum;
    if (HaveLargeSend) {
        Binding->LargeSendMaximum = LargeSend.MaxOffLoadSize;
        Binding->LargeSendMinSegments = LargeSend.MinSegmentCount;
    }
    return NDIS_STATUS_SUCCESS;
}

/* ---- per frame ------------------------------------------------------------------------------------ */

/* Finishes the checksum Linux left at Frame[Start + Offset] (seeded with the pseudo-header sum). */
static VOID StapSoftwareChecksum(PSTAP_BINDING Binding, PUCHAR Frame, UINT Length, UINT Start, UINT Offset)
{
    USHORT Sum = (USHORT)~stap_gro_sum(Frame + Start, Length - Start);

    if (Sum == 0 && Offset == STAP_UDP_CHECK_OFFSET)
        Sum = 0xFFFF; /* UDP's 0 means "no checksum" */
    StapWrite16(Frame + Start + Offset, Sum);
    InterlockedIncrement64(&Binding->FromTapSoftwareChecksums);
}

/* What a frame whose checksum Linux left undone needs from the adapter, or 0 for software. */
static ULONG StapChecksumRequest(PSTAP_BINDING Binding, const UCHAR *Frame, UINT Length, UINT Start, UINT Offset)
{
    const NDIS_TASK_TCP_IP_CHECKSUM *Can = &Binding->Checksum;
    NDIS_TCP_IP_CHECKSUM_PACKET_INFO Info;
    USHORT EtherType = StapRead16(Frame + 12);
    UINT Protocol;
    BOOLEAN Tcp = Offset == STAP_TCP_CHECK_OFFSET, Udp = Offset == STAP_UDP_CHECK_OFFSET;

    Info.Value = 0;
    if (EtherType == STAP_ETHERTYPE_IPV4 && Length >= STAP_ETH_HEADER + 20) {
        UINT HeaderBytes = (Frame[STAP_ETH_HEADER] & 0x0F) * 4u;

        Protocol = Frame[STAP_ETH_HEADER + 9];
        if (Start != STAP_ETH_HEADER + HeaderBytes || (HeaderBytes > 20 && !Can->V4Transmit.IpOptionsSupported))
            return 0;
        if (Tcp && Protocol == STAP_IPPROTO_TCP && Can->V4Transmit.TcpChecksum &&
            (Frame[Start + 12] >> 4 == 5 || Can->V4Transmit.TcpOptionsSupported))
            Info.Transmit.NdisPacketTcpChecksum = 1;
        else if (Udp && Protocol == STAP_IPPROTO_UDP && Can->V4Transmit.UdpChecksum)
            Info.Transmit.NdisPacketUdpChecksum = 1;
        else
            return 0;
        Info.Transmit.NdisPacketChecksumV4 = 1;
    } else if (EtherType == STAP_ETHERTYPE_IPV6 && Start == STAP_ETH_HEADER + 40) {
        Protocol = Frame[STAP_ETH_HEADER + 6]; /* no extension headers: the transport header is next */
        if (Tcp && Protocol == STAP_IPPROTO_TCP && Can->V6Transmit.TcpChecksum &&
            (Frame[Start + 12] >> 4 == 5 || Can->V6Transmit.TcpOptionsSupported))
            Info.Transmit.NdisPacketTcpChecksum = 1;
        else if (Udp && Protocol == STAP_IPPROTO_UDP && Can->V6Transmit.UdpChecksum)
            Info.Transmit.NdisPacketUdpChecksum = 1;
        else
            return 0;
        Info.Transmit.NdisPacketChecksumV6 = 1;
    }
    return Info.Value;
}

/* A TCP/IPv4 frame Linux left for segmentation into Mss-byte segments: NDIS 5.1 large send. */
static BOOLEAN StapLargeSend(PSTAP_BINDING Binding, PNDIS_PACKET Packet, PUCHAR Frame, UINT Length, UINT Start,
    UINT Offset, UINT Mss)
{
    UINT HeaderBytes, TcpBytes, Payload;
    USHORT Check;

    if (Binding->LargeSendMaximum == 0 || StapRead16(Frame + 12) != STAP_ETHERTYPE_IPV4 ||
        Offset != STAP_TCP_CHECK_OFFSET || Length < Start + 20 || Mss == 0)
        return FALSE;
    HeaderBytes = (Frame[STAP_ETH_HEADER] & 0x0F) * 4u;
    TcpBytes = (Frame[Start + 12] >> 4) * 4u;
    if (Start != STAP_ETH_HEADER + HeaderBytes || Frame[STAP_ETH_HEADER + 9] != STAP_IPPROTO_TCP ||
        Length < Start + TcpBytes || Start + TcpBytes + Mss > Binding->MaximumFrameSize + STAP_ETH_HEADER)
        return FALSE;
    Payload = Length - Start - TcpBytes;
    if (Payload > Binding->LargeSendMaximum || Payload < Binding->LargeSendMinSegments * (ULONG64)Mss - Mss + 1)
        return FALSE;
    /* Linux's pseudo-header sum counts the TCP length; NDIS's for a large send does not. */
    Check = StapRead16(Frame + Start + Offset);
    StapWrite16(Frame + Start + Offset, stap_gro_add(Check, (USHORT)~(USHORT)(Length - Start)));
    NDIS_PER_PACKET_INFO_FROM_PACKET(Packet, TcpLargeSendPacketInfo) = (PVOID)(ULONG_PTR)Mss;
    InterlockedIncrement64(&Binding->FromTapLarge);
    return TRUE;
}

BOOLEAN StapOffloadFromTap(PSTAP_BINDING Binding, PNDIS_PACKET Packet, const UCHAR *Vnet, PUCHAR Frame, UINT Length)
{
    UINT Gso = Vnet[1] & ~STAP_VNET_GSO_ECN;
    UINT Mss = StapVnet16(Vnet + 4);
    UINT Start = StapVnet16(Vnet + 6);
    UINT Offset = StapVnet16(Vnet + 8);
    ULONG Request;

    NDIS_PER_PACKET_INFO_FROM_PACKET(Packet, TcpIpChecksumPacketInfo) = NULL;
    NDIS_PER_PACKET_INFO_FROM_PACKET(Packet, TcpLargeSendPacketInfo) = NULL;
    if (!(Vnet[0] & STAP_VNET_F_NEEDS_CSUM))
        return Gso == STAP_VNET_GSO_NONE && Length <= Binding->MaximumFrameSize + STAP_ETH_HEADER;
    if (Start < STAP_ETH_HEADER || Start + Offset + 2 > Length)
        return FALSE;
    if (Gso != STAP_VNET_GSO_NONE && Length > Binding->MaximumFrameSize + STAP_ETH_HEADER)
        return Gso == STAP_VNET_GSO_TCPV4 && StapLargeSend(Binding, Packet, Frame, Length, Start, Offset, Mss);
    if (Length > Binding->MaximumFrameSize + STAP_ETH_HEADER)
        return FALSE;
    /* One segment's worth (or no segmentation asked): a checksum is all that is left. */
    Request = StapChecksumRequest(Binding, Frame, Length, Start, Offset);
    if (Request != 0)
        NDIS_PER_PACKET_INFO_FROM_PACKET(Packet, TcpIpChecksumPacketInfo) = (PVOID)(ULONG_PTR)Request;
    else
        StapSoftwareChecksum(Binding, Frame, Length, Start, Offset);
    return TRUE;
}
