/* tapnic.h — private definitions of the tapnic NIC miniport: configuration, the adapter block,
 * receive slots and queues, and the entry points each file provides (issue 6 deliverable 1;
 * seed 003 §2.3–§2.8, §2.12).
 *
 * Concurrency: the adapter is deserialized. Every descriptor of an adapter is served by one
 * processor (strata/io_event.h), so the receive handlers of its queues and its link handler never
 * run at the same time; sends arrive on any processor at once and share nothing but interlocked
 * counters. Adapter->RxLock guards the free receive slots, the queues' Stalled flags and the
 * count of indicated packets not yet returned (returns come from any processor). NDIS passes
 * one request at a time, so the OID state needs no lock. No lock is held while NDIS is called. */
#ifndef TAPNIC_H
#define TAPNIC_H

#include <ndis.h>
#include <strata/io_event.h>

#include "tap_linux.h"

/* Like a Windows driver image, tapnic.sys exports only DriverEntry. */
#pragma GCC visibility push(hidden)

#define TAPNIC_TAG                 0x6E706154U /* 'npaT', shows as "Tapn" in pool listings */
#define TAPNIC_VENDOR_DESCRIPTION  "Strata TAP-backed Ethernet adapter"
#define TAPNIC_VENDOR_DRIVER_VERSION 0x00010000U
#define TAPNIC_NDIS_VERSION        0x0501

#define TAPNIC_ETH_HEADER          14
#define TAPNIC_ETH_ADDRESS         ETH_LENGTH_OF_ADDRESS
#define TAPNIC_MIN_MTU             68
#define TAPNIC_MAX_MTU             1500       /* NDIS's frames end at 1514 bytes */
#define TAPNIC_SLOT_BYTES          1536       /* vnet header + the largest frame + room to see overruns */
#define TAPNIC_MAX_MULTICAST       32
#define TAPNIC_RX_BATCH            32         /* frames one NdisMIndicateReceivePacket carries */
#define TAPNIC_RX_ROUNDS           4          /* batches one readiness call reads before yielding */
#define TAPNIC_MAX_PIECES          32         /* buffers of one sent packet (plus the vnet header) */
#define TAPNIC_HALT_RETURN_WAIT_MS 10000
#define TAPNIC_NAME_CHARS          64

/* Registry parameters (tapnic.c documents them), read once in MiniportInitialize. */
typedef struct _TAPNIC_CONFIG {
    ULONG Queues;
    ULONG VnetHeader;
    ULONG Mtu;
    ULONG LinkSpeedMbps;
    ULONG ReceiveBuffers;
    CHAR TapName[TAPNIC_NAME_CHARS]; /* as configured; may be too long, for the message */
    BOOLEAN HasNetworkAddress;
    UCHAR NetworkAddress[TAPNIC_ETH_ADDRESS];
} TAPNIC_CONFIG, *PTAPNIC_CONFIG;

/* One receive buffer with its packet and buffer descriptors, chained for good at
 * initialisation. The buffer maps the frame, after the vnet header when there is one. */
typedef struct _TAPNIC_RX_SLOT {
    struct _TAPNIC_RX_SLOT *Next; /* free list, under RxLock */
    PNDIS_PACKET Packet;
    PNDIS_BUFFER Buffer;
    UINT ChainedLength;
    UCHAR Data[TAPNIC_SLOT_BYTES];
} TAPNIC_RX_SLOT, *PTAPNIC_RX_SLOT;

/* MiniportReserved of our receive packets: the slot they belong to. */
typedef struct _TAPNIC_PACKET_RESERVED {
    PTAPNIC_RX_SLOT Slot;
} TAPNIC_PACKET_RESERVED;
C_ASSERT(sizeof(TAPNIC_PACKET_RESERVED) <= RTL_FIELD_SIZE(NDIS_PACKET, MiniportReserved));
#define TAPNIC_RESERVED(_Packet) ((TAPNIC_PACKET_RESERVED *)(_Packet)->MiniportReserved)

struct _TAPNIC_ADAPTER;

/* One TAP descriptor: frames Linux sends arrive on it, ours leave through it. */
typedef struct _TAPNIC_QUEUE {
    struct _TAPNIC_ADAPTER *Adapter;
    INT Fd;
    NDIS_HANDLE IoEvent;          /* read and cleared under RxLock; NULL once deregistration began */
    BOOLEAN Stalled;              /* no free slot: not watched until a packet comes back (RxLock) */
    volatile BOOLEAN Dead;        /* the device went away under it */
} TAPNIC_QUEUE, *PTAPNIC_QUEUE;

typedef struct _TAPNIC_ADAPTER {
    NDIS_HANDLE MiniportHandle;
    TAPNIC_CONFIG Config;
    UCHAR PermanentAddress[TAPNIC_ETH_ADDRESS];
    UCHAR CurrentAddress[TAPNIC_ETH_ADDRESS];
    tap_device Tap;
    tap_link Link;
    NDIS_HANDLE LinkEvent;
    TAPNIC_QUEUE Queues[TAP_MAX_QUEUES];
    UINT VnetBytes;             /* TAP_VNET_HDR_BYTES or 0 */

    /* OID state (one request at a time) */
    ULONG PacketFilter;
    ULONG CurrentLookahead;
    ULONG ProtocolOptions;
    ULONG MulticastCount;
    UCHAR MulticastList[TAPNIC_MAX_MULTICAST][TAPNIC_ETH_ADDRESS];
    volatile NDIS_MEDIA_STATE MediaState; /* written by the link handler only */

    /* Receive side, under RxLock */
    NDIS_SPIN_LOCK RxLock;
    PTAPNIC_RX_SLOT FreeSlots;
    ULONG64 ReturnsOutstanding;
    BOOLEAN Halting;
    NDIS_EVENT ReturnsIdle;

    /* Counters: the receive ones under RxLock, the send ones interlocked (any processor). */
    LONG64 volatile TxFrames;
    LONG64 volatile TxBytes;
    LONG64 volatile TxErrors;
    LONG64 RxFrames;
    LONG64 RxBytes;
    LONG64 RxErrors;            /* runts, oversize frames, GSO frames we did not ask for */
    LONG64 RxNoBuffer;          /* times a queue stalled with every slot indicated */

    /* A descriptor that hung up is deregistered at PASSIVE_LEVEL by this work item. */
    NDIS_WORK_ITEM HangupWork;
    LONG volatile HangupScheduled; /* the work item is queued and has not started */
    LONG volatile HangupsRunning;  /* 1 (MiniportHalt's own) + work items queued or running */
    NDIS_EVENT HangupIdle;         /* set when HangupsRunning drops to zero */
    BOOLEAN AnyStalled;            /* some queue is Stalled (RxLock) */

    /* Preallocated receive resources */
    PTAPNIC_RX_SLOT Slots;
    ULONG SlotCount;
    NDIS_HANDLE PacketPool;
    NDIS_HANDLE BufferPool;
} TAPNIC_ADAPTER, *PTAPNIC_ADAPTER;

/* Driver-wide state (tapnic.c). */
typedef struct _TAPNIC_DRIVER {
    NDIS_HANDLE WrapperHandle;
    PDRIVER_OBJECT DriverObject; /* NdisWriteEventLogEntry's LogHandle */
} TAPNIC_DRIVER;
extern TAPNIC_DRIVER TapnicDriver;

/* ---- tapnic.c ----------------------------------------------------------------------------- */
/* Any IRQL <= DISPATCH_LEVEL. One line to the host log ("TAP <TapName>: <Line>", or Line alone
 * when TapName is NULL), also as an event log entry. */
VOID TapnicLog(PCSTR TapName, PCSTR Line);

/* ---- adapter.c: MiniportInitialize / Halt / Reset / CheckForHang (§2.4.2, §2.10) ---------- */
NDIS_STATUS TapnicInitialize(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray,
    UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE WrapperConfigurationContext);
VOID TapnicHalt(NDIS_HANDLE MiniportAdapterContext);
NDIS_STATUS TapnicReset(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext);
BOOLEAN TapnicCheckForHang(NDIS_HANDLE MiniportAdapterContext);
VOID TapnicPnPEventNotify(NDIS_HANDLE MiniportAdapterContext, NDIS_DEVICE_PNP_EVENT PnPEvent,
    PVOID InformationBuffer, ULONG InformationBufferLength);
VOID TapnicShutdown(PVOID ShutdownContext);

/* ---- datapath.c: receive slots, the queues' readiness, sends, returns (§2.5, §2.7, §2.8) -- */
NDIS_STATUS TapnicRxAllocate(PTAPNIC_ADAPTER Adapter);
VOID TapnicRxFree(PTAPNIC_ADAPTER Adapter);
VOID TapnicQueueReady(PVOID Context, ULONG Events);
VOID TapnicLinkReady(PVOID Context, ULONG Events);
VOID TapnicSendPackets(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray, UINT NumberOfPackets);
VOID TapnicReturnPacket(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet);
VOID TapnicHangupWorker(PNDIS_WORK_ITEM WorkItem, PVOID Context);
/* PASSIVE_LEVEL. Stops watching the queue or the link socket: takes the handle under RxLock (so
 * nobody changes its mask any more) and deregisters it. */
VOID TapnicUnwatchQueue(PTAPNIC_QUEUE Queue);
VOID TapnicUnwatchLink(PTAPNIC_ADAPTER Adapter);

/* ---- oid.c: MiniportQueryInformation / MiniportSetInformation (§2.4.3) --------------------- */
NDIS_STATUS TapnicQueryInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesWritten, PULONG BytesNeeded);
NDIS_STATUS TapnicSetInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesRead, PULONG BytesNeeded);
/* Any IRQL <= DISPATCH_LEVEL. Tells the TAP which frames to hand us: the packet filter and
 * multicast list NDIS programmed, as TUNSETTXFILTER. */
VOID TapnicApplyReceiveFilter(PTAPNIC_ADAPTER Adapter);

#pragma GCC visibility pop

#endif /* TAPNIC_H */
