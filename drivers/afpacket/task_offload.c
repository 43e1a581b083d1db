/* task_offload.c — OID_TCP_TASK_OFFLOAD for the afpacket adapter (issue 6, deliverable 1; seed
 * 003 §2.4.3; NDIS 5.1 task offload): what the adapter offers and what the transport enabled.
 * The work is the kernel's, asked for through PACKET_VNET_HDR (send.c): TCP and UDP checksums
 * over IPv4 and IPv6, the IPv4 header checksum (in software), and large send over IPv4 — only
 * when the packet socket has vnet headers and the large-send socket opened. On receive the
 * checksums of the frames afpacket finishes itself (recv.c) are reported as verified. */
#include "afpacket.h"

/* Whether a query or set can be served: the socket has vnet headers, and Buffer holds a header
 * of our version describing Ethernet framing. Otherwise the status to answer, with *Needed =
 * Short when the buffer cannot even hold the header. */
static NDIS_STATUS AfpTaskRequestUsable(PAFP_ADAPTER Adapter, const VOID *Buffer, ULONG Length, ULONG Short,
    PULONG Needed)
{
    const NDIS_TASK_OFFLOAD_HEADER *Header = (const NDIS_TASK_OFFLOAD_HEADER *)Buffer;

    if (Adapter->Port.vnet_bytes == 0)
        return NDIS_STATUS_NOT_SUPPORTED;
    if (Length < sizeof(NDIS_TASK_OFFLOAD_HEADER)) {
        *Needed = Short;
        return NDIS_STATUS_INVALID_LENGTH;
    }
    return Header->Version == NDIS_TASK_OFFLOAD_VERSION && Header->Size == sizeof(NDIS_TASK_OFFLOAD_HEADER) &&
                   Header->EncapsulationFormat.Encapsulation == IEEE_802_3_Encapsulation &&
                   Header->EncapsulationFormat.EncapsulationHeaderSize == AFP_ETH_HEADER
               ? NDIS_STATUS_SUCCESS
               : NDIS_STATUS_NOT_SUPPORTED;
}

static VOID AfpTaskEntry(PUCHAR At, NDIS_TASK Task, ULONG Version, const VOID *Body, ULONG BodyBytes, ULONG Next)
{
    PNDIS_TASK_OFFLOAD Entry = (PNDIS_TASK_OFFLOAD)At;

    NdisZeroMemory(Entry, FIELD_OFFSET(NDIS_TASK_OFFLOAD, TaskBuffer) + BodyBytes);
    Entry->Version = Version;
    Entry->Size = sizeof(NDIS_TASK_OFFLOAD);
    Entry->Task = Task;
    Entry->OffsetNextTask = Next;
    Entry->TaskBufferLength = BodyBytes;
    NdisMoveMemory(Entry->TaskBuffer, Body, BodyBytes);
}

#define AFP_TASK_ALIGN(_Bytes) (((_Bytes) + 7u) & ~7u)
#define AFP_TASK_ENTRY(_Body) AFP_TASK_ALIGN(FIELD_OFFSET(NDIS_TASK_OFFLOAD, TaskBuffer) + sizeof(_Body))
#define AFP_CHECKSUM_ENTRY AFP_TASK_ENTRY(NDIS_TASK_TCP_IP_CHECKSUM)
#define AFP_LARGE_ENTRY AFP_TASK_ENTRY(NDIS_TASK_TCP_LARGE_SEND)
#define AFP_TASKS_FIRST AFP_TASK_ALIGN(sizeof(NDIS_TASK_OFFLOAD_HEADER))

NDIS_STATUS AfpQueryTaskOffload(PAFP_ADAPTER Adapter, PVOID Buffer, ULONG Length, PULONG Written, PULONG Needed)
{
    PNDIS_TASK_OFFLOAD_HEADER Header = (PNDIS_TASK_OFFLOAD_HEADER)Buffer;
    NDIS_TASK_TCP_IP_CHECKSUM Checksum;
    NDIS_TASK_TCP_LARGE_SEND LargeSend;
    ULONG Bytes = AFP_TASKS_FIRST + AFP_CHECKSUM_ENTRY + AFP_LARGE_ENTRY;
    BOOLEAN Large = Adapter->Port.large_fd >= 0;
    NDIS_STATUS Status;

    *Written = 0;
    *Needed = 0;
    Status = AfpTaskRequestUsable(Adapter, Buffer, Length, Bytes, Needed);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    if (!Large)
        Bytes -= AFP_LARGE_ENTRY;
    if (Length < Bytes) {
        *Needed = Bytes;
        return NDIS_STATUS_INVALID_LENGTH;
    }
    NdisZeroMemory(&Checksum, sizeof(Checksum));
    Checksum.V4Transmit.IpOptionsSupported = 1;
    Checksum.V4Transmit.TcpOptionsSupported = 1;
    Checksum.V4Transmit.TcpChecksum = 1;
    Checksum.V4Transmit.UdpChecksum = 1;
    Checksum.V4Transmit.IpChecksum = 1;
    Checksum.V6Transmit.TcpOptionsSupported = 1;
    Checksum.V6Transmit.TcpChecksum = 1;
    Checksum.V6Transmit.UdpChecksum = 1;
    /* Receive: only for the frames whose checksums afpacket itself finished (recv.c). */
    Checksum.V4Receive.IpOptionsSupported = 1;
    Checksum.V4Receive.TcpOptionsSupported = 1;
    Checksum.V4Receive.TcpChecksum = 1;
    Checksum.V4Receive.UdpChecksum = 1;
    Checksum.V4Receive.IpChecksum = 1;
    Checksum.V6Receive.TcpOptionsSupported = 1;
    Checksum.V6Receive.TcpChecksum = 1;
    Checksum.V6Receive.UdpChecksum = 1;
    NdisZeroMemory(&LargeSend, sizeof(LargeSend));
    LargeSend.Version = NDIS_TASK_TCP_LARGE_SEND_V0;
    LargeSend.MaxOffLoadSize = AFP_LARGE_SEND_MAXIMUM;
    LargeSend.MinSegmentCount = 2;
    LargeSend.TcpOptions = TRUE;
    LargeSend.IpOptions = TRUE;

    Header->OffsetFirstTask = AFP_TASKS_FIRST;
    AfpTaskEntry((PUCHAR)Buffer + AFP_TASKS_FIRST, TcpIpChecksumNdisTask, 0, &Checksum, sizeof(Checksum),
        Large ? AFP_CHECKSUM_ENTRY : 0);
    if (Large)
        AfpTaskEntry((PUCHAR)Buffer + AFP_TASKS_FIRST + AFP_CHECKSUM_ENTRY, TcpLargeSendNdisTask,
            NDIS_TASK_TCP_LARGE_SEND_V0, &LargeSend, sizeof(LargeSend), 0);
    *Written = Bytes;
    return NDIS_STATUS_SUCCESS;
}

NDIS_STATUS AfpSetTaskOffload(PAFP_ADAPTER Adapter, PVOID Buffer, ULONG Length, PULONG Read, PULONG Needed)
{
    const NDIS_TASK_OFFLOAD_HEADER *Header = (const NDIS_TASK_OFFLOAD_HEADER *)Buffer;
    NDIS_TASK_TCP_IP_CHECKSUM Checksum;
    ULONG LargeSendMaximum = 0;
    ULONG Offset;
    UINT Guard;
    NDIS_STATUS Status;

    *Read = 0;
    *Needed = 0;
    Status = AfpTaskRequestUsable(Adapter, Buffer, Length, sizeof(NDIS_TASK_OFFLOAD_HEADER), Needed);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    NdisZeroMemory(&Checksum, sizeof(Checksum));
    Offset = Header->OffsetFirstTask;
    for (Guard = 0; Offset != 0; Guard++) {
        const NDIS_TASK_OFFLOAD *Task = (const NDIS_TASK_OFFLOAD *)((const UCHAR *)Buffer + Offset);

        if (Guard == MaxNdisTask * 2 || Offset > Length ||
            Length - Offset < FIELD_OFFSET(NDIS_TASK_OFFLOAD, TaskBuffer) ||
            Length - Offset - FIELD_OFFSET(NDIS_TASK_OFFLOAD, TaskBuffer) < Task->TaskBufferLength)
            return NDIS_STATUS_INVALID_DATA;
        if (Task->Task == TcpIpChecksumNdisTask && Task->TaskBufferLength >= sizeof(Checksum)) {
            NdisMoveMemory(&Checksum, Task->TaskBuffer, sizeof(Checksum));
            if (Checksum.V6Transmit.IpOptionsSupported)
                return NDIS_STATUS_NOT_SUPPORTED; /* IPv6 extension headers are not parsed */
        } else if (Task->Task == TcpLargeSendNdisTask && Task->Version == NDIS_TASK_TCP_LARGE_SEND_V0 &&
                   Task->TaskBufferLength >= sizeof(NDIS_TASK_TCP_LARGE_SEND) && Adapter->Port.large_fd >= 0) {
            NDIS_TASK_TCP_LARGE_SEND LargeSend;

            NdisMoveMemory(&LargeSend, Task->TaskBuffer, sizeof(LargeSend));
            if (LargeSend.MaxOffLoadSize == 0 || LargeSend.MaxOffLoadSize > AFP_LARGE_SEND_MAXIMUM)
                return NDIS_STATUS_INVALID_DATA;
            LargeSendMaximum = LargeSend.MaxOffLoadSize;
        } else {
            return NDIS_STATUS_NOT_SUPPORTED;
        }
        Offset = Task->OffsetNextTask != 0 ? Offset + Task->OffsetNextTask : 0;
    }
    NdisAcquireSpinLock(&Adapter->TxLock);
    Adapter->Checksum = Checksum;
    Adapter->LargeSendMaximum = LargeSendMaximum;
    NdisReleaseSpinLock(&Adapter->TxLock);
    *Read = Length;
    return NDIS_STATUS_SUCCESS;
}
