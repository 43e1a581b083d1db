/* afpacket.h — private definitions of the afpacket NIC miniport (issue 6, deliverable 1; seed 003
 * §2.3–§2.8, §2.12): configuration, the adapter block and the entry points each file provides.
 *
 * Execution: every io event of an adapter (its packet sockets and its rtnetlink socket) is served
 * by one processor, so the receive walk, the transmit-ring refill on WRITABLE and the link
 * handler never run concurrently with each other (strata/io_event.h). MiniportSendPackets,
 * MiniportReturnPacket and requests run on any processor.
 *
 * Locking:
 *   AfpDriver.Lock      control path only: the adapter list.
 *   Adapter->TxLock     the transmit ring's head, the queue of sends waiting for ring frames and
 *                       the transmit counters.
 *   Adapter->MaskLock   the events the packet sockets are watched for and the Halting flag; held
 *                       while StrataSetIoEventMask runs, so no one changes the mask of an event
 *                       MiniportHalt deregistered.
 * Receive blocks and descriptors are counted with interlocked operations, without a lock.
 * Order: TxLock -> MaskLock. No lock is held while NDIS is called. */
#ifndef AFPACKET_H
#define AFPACKET_H

#include <ndis.h>
#include <strata/io_event.h>

#include "afpacket_hooks.h"
#include "linux_port.h"

#pragma GCC visibility push(hidden)

#define AFP_TAG                   0x50464141U /* 'AAFP' */
#define AFP_VENDOR_DESCRIPTION    "Strata AF_PACKET Ethernet adapter"
#define AFP_VENDOR_DRIVER_VERSION 0x00010000U /* 1.0: major in the high word */
#define AFP_NDIS_VERSION          0x0501      /* OID_GEN_DRIVER_VERSION (a USHORT) */

#define AFP_ETH_HEADER            14
#define AFP_ETH_ADDRESS           ETH_LENGTH_OF_ADDRESS
#define AFP_MAX_MULTICAST         32          /* OID_802_3_MAXIMUM_LIST_SIZE */
#define AFP_INDICATE_BATCH        32          /* packets per NdisMIndicateReceivePacket */
#define AFP_RX_BLOCKS_PER_EVENT   16          /* V3 blocks one handler run walks before yielding */
#define AFP_RX_FRAMES_PER_EVENT   256         /* V2 frames one handler run walks before yielding */
#define AFP_RX_POLL_AFTER         8           /* V2 frames in one run that make it wait for more */
#define AFP_RX_POLL_US            20          /* how long it waits for the next frame */
#define AFP_TX_CHUNK              64          /* sends completed per batch */
#define AFP_TX_HEADER_SCRATCH     256         /* a large send's headers, copied to be adjusted */
#define AFP_LARGE_SEND_MAXIMUM    65535       /* NDIS_TASK_TCP_LARGE_SEND.MaxOffLoadSize */
#define AFP_DEFAULT_SPEED_MBPS    1000        /* when ethtool does not know the speed */
#define AFP_HALT_RETURN_WAIT_MS   10000       /* how long MiniportHalt waits for packet returns */

/* Registry parameters, read once in MiniportInitialize (afpacket.c documents them). */
typedef struct _AFP_CONFIG {
    char Interface[AFP_IFNAME_BYTES];
    ULONG RxBlockSizeKB;
    ULONG RxBlocks;
    ULONG RxBlockTimeoutMs;
    ULONG TxFrames;
    ULONG ReceivePackets;
    ULONG QdiscBypass;
    ULONG TpacketVersion;
} AFP_CONFIG, *PAFP_CONFIG;

/* MiniportReserved of a receive packet we indicated. */
typedef struct _AFP_RX_RESERVED {
    ULONG_PTR Block; /* the ring block its buffer points into */
} AFP_RX_RESERVED;
C_ASSERT(sizeof(AFP_RX_RESERVED) <= RTL_FIELD_SIZE(NDIS_PACKET, MiniportReserved));
#define AFP_RX_RESERVED(_Packet) ((AFP_RX_RESERVED *)(_Packet)->MiniportReserved)

/* MiniportReserved of a send waiting for a ring frame: the queue link. */
#define AFP_TX_NEXT(_Packet) (*(PNDIS_PACKET *)(_Packet)->MiniportReserved)

/* One receive ring block (in a TPACKET_V2 ring, one frame). Owned from the start of its walk
 * until it is back with the kernel; References counts 1 for the walk plus one per packet
 * indicated from it with NDIS_STATUS_SUCCESS and not returned, and whoever drops it to zero
 * gives the block back. A block the kernel marks ours while we still own it is one we walked a
 * lap ago, not new. WalkHandedOver (the io processor's alone) says the walk's reference went to
 * one of its packets instead of being dropped. */
typedef struct _AFP_RX_BLOCK {
    volatile LONG References;
    volatile LONG Owned;
    BOOLEAN WalkHandedOver;
} AFP_RX_BLOCK;

typedef struct _AFP_ADAPTER {
    LIST_ENTRY Link;            /* AfpDriver.Adapters, under AfpDriver.Lock */
    NDIS_HANDLE MiniportHandle;
    ULONG Number;               /* driver-wide, for messages */
    AFP_CONFIG Config;
    int IfIndex;
    volatile ULONG Mtu;         /* from rtnetlink; OIDs ask the interface itself */
    UCHAR PermanentAddress[AFP_ETH_ADDRESS];
    struct afp_port Port;
    int LinkFd;
    NDIS_HANDLE PortEvent;      /* the receive socket */
    NDIS_HANDLE TxEvent;        /* the transmit socket: WRITABLE while sends wait, else paused */
    NDIS_HANDLE LinkEvent;

    /* OID state: NDIS passes one request at a time to a miniport. */
    ULONG PacketFilter;
    ULONG CurrentLookahead;
    ULONG MulticastCount;
    UCHAR MulticastList[AFP_MAX_MULTICAST][AFP_ETH_ADDRESS];
    volatile NDIS_MEDIA_STATE MediaState; /* written by the link handler only */
    volatile BOOLEAN Gone;      /* the interface was deleted: the socket is no longer used */

    /* Io event mask, under MaskLock. */
    NDIS_SPIN_LOCK MaskLock;
    ULONG PortMask;             /* STRATA_IO_READABLE (PortEvent), STRATA_IO_WRITABLE (TxEvent) */
    ULONG AppliedMask;          /* what the watches are set to (AfpApplyMaskLocked) */
    BOOLEAN RxPolling;          /* READABLE is off: RxPollDpc walks the ring (written by the io
                                   processor only, under MaskLock) */
    BOOLEAN Halting;
    NDIS_MINIPORT_TIMER ParkTimer; /* re-arms a parked receive side (recv.c) */
    KDPC RxPollDpc;             /* walks the ring again while a stream lasts, on the io processor */

    /* Receive side: the walk belongs to the io processor; the rest is interlocked. */
    struct afp_ring_config Rings;
    AFP_RX_BLOCK *Blocks;
    PKTHREAD RxWalker;          /* the io processor's thread while it walks, else NULL */
    PULONG RxDeferred;          /* blocks whose last reference went on the walker's thread */
    ULONG RxDeferredCount;      /* (each at most once: RxBlockCount entries), walker only */
    ULONG RxBlockCount;         /* afp_rx_block_total(&Rings) */
    ULONG RxBlocksPerEvent;
    ULONG RxNextBlock;
    volatile LONG RxParked;     /* READABLE is off until the last walked block comes back */
    volatile LONG RxOutstanding;/* SUCCESS packets not yet returned */
    NDIS_EVENT ReturnsIdle;     /* set when Halting and the last packet comes back */
    NDIS_HANDLE RxPacketPool;
    NDIS_HANDLE RxBufferPool;
    PUCHAR SegmentArea;         /* AFP_INDICATE_BATCH slots for the segments of a GSO frame */
    ULONG SegmentSlotBytes;
    ULONG64 RxFrames;
    ULONG64 RxBytes;
    ULONG64 RxIndicatedResources;
    ULONG64 RxErrors;
    ULONG64 RxBlocksWalked;
    ULONG64 RxChecksummed;
    ULONG64 RxSegments;
    ULONG64 RxCopied;
    ULONG64 RxPolledRuns;
    volatile LONG64 RxKernelDrops;

    /* Task offload enabled by OID_TCP_TASK_OFFLOAD (oid.c); read by the send path. */
    NDIS_TASK_TCP_IP_CHECKSUM Checksum;   /* the checksums we compute (transmit) and report as
                                             verified on the frames we finished (receive) */
    volatile ULONG LargeSendMaximum;      /* 0: large send off */

    /* Transmit side, under TxLock. */
    NDIS_SPIN_LOCK TxLock;
    UCHAR TxScratch[AFP_TX_HEADER_SCRATCH];
    ULONG TxHead;               /* the next ring frame to fill */
    PNDIS_PACKET TxWaitHead;    /* sends waiting for ring frames, linked with AFP_TX_NEXT */
    PNDIS_PACKET TxWaitTail;
    ULONG TxWaitCount;
    ULONG64 TxFrames;
    ULONG64 TxBytes;
    ULONG64 TxErrors;
    ULONG64 TxQueued;
    ULONG64 TxLargeSends;       /* large sends the kernel segmented */
    ULONG64 TxChecksums;        /* frames whose checksum the kernel completed */
    volatile LONG64 TxKickErrors;
    volatile LONG64 MediaIndications;
} AFP_ADAPTER, *PAFP_ADAPTER;

/* Driver-wide state (afpacket.c). */
typedef struct _AFP_DRIVER {
    NDIS_HANDLE WrapperHandle;
    PDRIVER_OBJECT DriverObject; /* the event log's handle */
    NDIS_SPIN_LOCK Lock;         /* control path only */
    LIST_ENTRY Adapters;
    volatile LONG NextAdapterNumber;
} AFP_DRIVER;
extern AFP_DRIVER AfpDriver;

/* ---- afpacket.c ------------------------------------------------------------------------------ */
/* One line in the event log (NdisWriteEventLogEntry): "afpacket: ... <Text>". IRQL <= DISPATCH. */
VOID AfpLogError(NDIS_STATUS EventCode, const char *Format, ...) __attribute__((format(printf, 2, 3)));

/* ---- adapter.c: MiniportInitialize / Halt / Reset / CheckForHang (§2.4.2, §2.10) ------------- */
NDIS_STATUS AfpInitialize(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray,
    UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE WrapperConfigurationContext);
VOID AfpHalt(NDIS_HANDLE MiniportAdapterContext);
NDIS_STATUS AfpReset(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext);
BOOLEAN AfpCheckForHang(NDIS_HANDLE MiniportAdapterContext);
VOID AfpPnPEventNotify(NDIS_HANDLE MiniportAdapterContext, NDIS_DEVICE_PNP_EVENT PnPEvent,
    PVOID InformationBuffer, ULONG InformationBufferLength);
VOID AfpShutdown(PVOID ShutdownContext);
/* Adds Set and removes Clear from the packet sockets' watched events: READABLE is the receive
 * socket's, WRITABLE the transmit socket's. Any IRQL <= DISPATCH. */
VOID AfpUpdatePortMask(PAFP_ADAPTER Adapter, ULONG Set, ULONG Clear);
/* DISPATCH_LEVEL, the io processor. Polling: READABLE off and RxPollDpc queued (unless the
 * adapter halts or the interface is gone); not polling: READABLE as PortMask says. */
VOID AfpRxSetPolling(PAFP_ADAPTER Adapter, BOOLEAN Polling);

/* ---- recv.c: the receive ring, indications and returns (§2.5, §2.7.1) ------------------------ */
NDIS_STATUS AfpRxAllocate(PAFP_ADAPTER Adapter);
VOID AfpRxFree(PAFP_ADAPTER Adapter);
VOID AfpRxService(PAFP_ADAPTER Adapter);
VOID AfpReturnPacket(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet);
NDIS_TIMER_FUNCTION AfpParkTimer;
KDEFERRED_ROUTINE AfpRxPollDpc;

/* ---- send.c: MiniportSendPackets and the wait for ring frames (§2.8) -------------------------- */
VOID AfpSendPackets(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray, UINT NumberOfPackets);
VOID AfpTxService(PAFP_ADAPTER Adapter);
VOID AfpTxFlush(PAFP_ADAPTER Adapter, NDIS_STATUS Status);

/* ---- link.c: the io event handlers and media state (§2.12) ------------------------------------ */
VOID AfpPortEvent(PVOID Context, ULONG Events);
VOID AfpTxEvent(PVOID Context, ULONG Events);
VOID AfpLinkEvent(PVOID Context, ULONG Events);

/* ---- oid.c: MiniportQueryInformation / MiniportSetInformation (§2.4.3) ------------------------ */
NDIS_STATUS AfpQueryInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesWritten, PULONG BytesNeeded);
NDIS_STATUS AfpSetInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesRead, PULONG BytesNeeded);
/* ---- task_offload.c: OID_TCP_TASK_OFFLOAD ----------------------------------------------------- */
NDIS_STATUS AfpQueryTaskOffload(PAFP_ADAPTER Adapter, PVOID Buffer, ULONG Length, PULONG Written, PULONG Needed);
NDIS_STATUS AfpSetTaskOffload(PAFP_ADAPTER Adapter, PVOID Buffer, ULONG Length, PULONG Read, PULONG Needed);

/* Refreshes RxKernelDrops from the socket. PASSIVE_LEVEL or the OID path. */
ULONG64 AfpReadKernelDrops(PAFP_ADAPTER Adapter);

#pragma GCC visibility pop

#endif /* AFPACKET_H */
