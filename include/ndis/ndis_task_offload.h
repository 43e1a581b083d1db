/* ndis_task_offload.h — NDIS 5.1 task offload (ntddndis.h / ndis.h): what OID_TCP_TASK_OFFLOAD
 * queries and sets, and the per-packet information that asks a miniport to compute checksums
 * or to segment a large TCP packet (TcpIpChecksumPacketInfo, TcpLargeSendPacketInfo). Seed 003
 * §2.4.3 (OIDs) and §2.5 (per-packet information); the layouts and values are Microsoft's.
 *
 * A query of OID_TCP_TASK_OFFLOAD carries an NDIS_TASK_OFFLOAD_HEADER whose OffsetFirstTask
 * leads to a chain of NDIS_TASK_OFFLOAD entries (OffsetNextTask from one entry to the next, 0 at
 * the last), each holding the task's structure in TaskBuffer. */
#ifndef STRATA_NDIS_TASK_OFFLOAD_H
#define STRATA_NDIS_TASK_OFFLOAD_H

#define NDIS_TASK_OFFLOAD_VERSION   1
#define NDIS_TASK_TCP_LARGE_SEND_V0 0

typedef enum _NDIS_ENCAPSULATION {
    UNSPECIFIED_Encapsulation,
    NULL_Encapsulation,
    IEEE_802_3_Encapsulation,
    IEEE_802_5_Encapsulation,
    LLC_SNAP_ROUTED_Encapsulation,
    LLC_SNAP_BRIDGED_Encapsulation
} NDIS_ENCAPSULATION;

typedef struct _NDIS_ENCAPSULATION_FORMAT {
    NDIS_ENCAPSULATION Encapsulation;
    struct {
        ULONG FixedHeaderSize : 1;
        ULONG Reserved : 31;
    } Flags;
    ULONG EncapsulationHeaderSize; /* where the IP header starts: 14 for Ethernet */
} NDIS_ENCAPSULATION_FORMAT, *PNDIS_ENCAPSULATION_FORMAT;

typedef struct _NDIS_TASK_OFFLOAD_HEADER {
    ULONG Version;         /* NDIS_TASK_OFFLOAD_VERSION */
    ULONG Size;            /* sizeof(NDIS_TASK_OFFLOAD_HEADER) */
    ULONG Reserved;
    ULONG OffsetFirstTask; /* from the start of the information buffer; 0: no task */
    NDIS_ENCAPSULATION_FORMAT EncapsulationFormat;
} NDIS_TASK_OFFLOAD_HEADER, *PNDIS_TASK_OFFLOAD_HEADER;

typedef enum _NDIS_TASK {
    TcpIpChecksumNdisTask,
    IpSecNdisTask,
    TcpLargeSendNdisTask,
    MaxNdisTask
} NDIS_TASK, *PNDIS_TASK;

typedef struct _NDIS_TASK_OFFLOAD {
    ULONG Version;
    ULONG Size;            /* sizeof(NDIS_TASK_OFFLOAD) */
    NDIS_TASK Task;
    ULONG OffsetNextTask;  /* from this entry to the next; 0 at the last */
    ULONG TaskBufferLength;
    UCHAR TaskBuffer[1];
} NDIS_TASK_OFFLOAD, *PNDIS_TASK_OFFLOAD;

typedef struct _NDIS_TASK_TCP_IP_CHECKSUM {
    struct {
        ULONG IpOptionsSupported : 1;
        ULONG TcpOptionsSupported : 1;
        ULONG TcpChecksum : 1;
        ULONG UdpChecksum : 1;
        ULONG IpChecksum : 1;
    } V4Transmit;
    struct {
        ULONG IpOptionsSupported : 1;
        ULONG TcpOptionsSupported : 1;
        ULONG TcpChecksum : 1;
        ULONG UdpChecksum : 1;
        ULONG IpChecksum : 1;
    } V4Receive;
    struct {
        ULONG IpOptionsSupported : 1;
        ULONG TcpOptionsSupported : 1;
        ULONG TcpChecksum : 1;
        ULONG UdpChecksum : 1;
    } V6Transmit;
    struct {
        ULONG IpOptionsSupported : 1;
        ULONG TcpOptionsSupported : 1;
        ULONG TcpChecksum : 1;
        ULONG UdpChecksum : 1;
    } V6Receive;
} NDIS_TASK_TCP_IP_CHECKSUM, *PNDIS_TASK_TCP_IP_CHECKSUM;

typedef struct _NDIS_TASK_TCP_LARGE_SEND {
    ULONG Version;         /* NDIS_TASK_TCP_LARGE_SEND_V0 */
    ULONG MaxOffLoadSize;  /* user data bytes of the largest packet the transport may pass */
    ULONG MinSegmentCount;
    BOOLEAN TcpOptions;
    BOOLEAN IpOptions;
} NDIS_TASK_TCP_LARGE_SEND, *PNDIS_TASK_TCP_LARGE_SEND;

/* NDIS_PER_PACKET_INFO_FROM_PACKET(Packet, TcpIpChecksumPacketInfo), read as a ULONG. On a send
 * the transport asks for checksums (Transmit); on a receive the miniport reports what it
 * verified (Receive). */
typedef struct _NDIS_TCP_IP_CHECKSUM_PACKET_INFO {
    union {
        struct {
            ULONG NdisPacketChecksumV4 : 1;
            ULONG NdisPacketChecksumV6 : 1;
            ULONG NdisPacketTcpChecksum : 1;
            ULONG NdisPacketUdpChecksum : 1;
            ULONG NdisPacketIpChecksum : 1;
        } Transmit;
        struct {
            ULONG NdisPacketTcpChecksumFailed : 1;
            ULONG NdisPacketUdpChecksumFailed : 1;
            ULONG NdisPacketIpChecksumFailed : 1;
            ULONG NdisPacketTcpChecksumSucceeded : 1;
            ULONG NdisPacketUdpChecksumSucceeded : 1;
            ULONG NdisPacketIpChecksumSucceeded : 1;
            ULONG NdisPacketLoopback : 1;
        } Receive;
        ULONG Value;
    };
} NDIS_TCP_IP_CHECKSUM_PACKET_INFO, *PNDIS_TCP_IP_CHECKSUM_PACKET_INFO;

#endif /* STRATA_NDIS_TASK_OFFLOAD_H */
