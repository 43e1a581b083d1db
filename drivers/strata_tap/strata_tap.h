/* strata_tap.h — private definitions of the strata_tap protocol driver: configuration, the
 * binding block, packet reservations and the entry points each file provides (issue 6
 * deliverable 2; seed 003 §2.3.1.2, §2.4, §2.5, §2.7, §2.8, §2.11, §2.12).
 *
 * Concurrency: the TAP's readiness handler runs on the binding's one processor; receive
 * indications, send completions and status indications arrive on any processor at once.
 *   StapGlobals.Lock   control path only: the binding list.
 *   Binding->Lock      the media state and the TAP's carrier, which is set under it so two
 *                      indications cannot reorder.
 *   Binding->SendLock  the free send packets, the Stalled flag and the io event handle.
 *   Binding->RecvLock  the free transfer packets.
 *   Runs[i].Lock       one processor's coalescing queue; taken before Binding->Lock (the
 *                      reference its DPC holds).
 * Binding->Outstanding counts what must end before the adapter can close (sends in flight,
 * pended transfers, hang-up work, queued coalescing DPCs) plus the binding's own reference,
 * dropped by ProtocolUnbindAdapter before it waits. No lock is held while NDIS is called. */
#ifndef STRATA_TAP_H
#define STRATA_TAP_H

#include <ndis.h>
#include <strata/io_event.h>

#include "coalesce.h"
#include "tap_linux.h"

/* Like a Windows driver image, strata_tap.sys exports only DriverEntry. */
#pragma GCC visibility push(hidden)

#define STAP_TAG             0x70615453U /* 'paTS', shows as "STap" in pool listings */
#define STAP_ETH_HEADER      14
#define STAP_ETH_ADDRESS     ETH_LENGTH_OF_ADDRESS
#define STAP_MAX_DATA        1500        /* MaximumFrameSize's default: Ethernet's MTU */
#define STAP_JUMBO_DATA      65521       /* MaximumFrameSize's largest value: frames up to 64 KiB */
#define STAP_SEND_BATCH      32          /* frames one NdisSendPackets carries */
#define STAP_SEND_ROUNDS     4           /* batches one readiness call reads before yielding */
#define STAP_MAX_PIECES      32          /* buffers of one received packet written at once */
#define STAP_VNET_BYTES      TAP_VNET_HDR_BYTES /* the virtio_net_hdr before every TAP frame */
#define STAP_VNET_ROOM       16          /* room before a send frame for the header read with it */
#define STAP_LARGE_FRAME     (65535 + STAP_ETH_HEADER) /* an IPv4 packet's largest, with its header */
#define STAP_NAME_CHARS      64          /* a configured TAP name, kept whole for messages */
#define STAP_DEVICE_CHARS    96          /* the adapter's device name, for messages */
#define STAP_LOG_CHARS       200

/* Registry parameters (strata_tap.c documents them). */
typedef struct _STAP_CONFIG {
    CHAR TapName[STAP_NAME_CHARS];
    ULONG PacketFilter;
    ULONG SendPoolSize;
    ULONG TransferPoolSize;
    ULONG MaximumFrameSize; /* the largest MTU the binding mirrors; sizes its frame memory */
} STAP_CONFIG, *PSTAP_CONFIG;

/* ProtocolReserved of our packets (sends from the TAP, NdisTransferData targets). Each owns one
 * buffer over its frame memory, chained only while in use (seed §2.5.1). */
typedef struct _STAP_PACKET_RESERVED {
    PNDIS_PACKET Next;  /* free list */
    PNDIS_BUFFER Buffer;
    PUCHAR Frame;       /* the whole frame; a transfer buffer maps Frame + 14; a send frame has
                           STAP_VNET_ROOM bytes before it for the vnet header */
} STAP_PACKET_RESERVED, *PSTAP_PACKET_RESERVED;
#define STAP_RESERVED(_Packet) ((PSTAP_PACKET_RESERVED)(_Packet)->ProtocolReserved)

typedef struct _STAP_BINDING {
    LIST_ENTRY Link;            /* StapGlobals.Bindings */
    BOOLEAN Listed;
    CHAR DeviceName[STAP_DEVICE_CHARS];
    STAP_CONFIG Config;

    NDIS_HANDLE BindingHandle;
    NDIS_HANDLE BindContext;    /* NdisCompleteBindAdapter's, when the open pended */
    NDIS_WORK_ITEM BindWorkItem;
    NDIS_STATUS OpenErrorStatus;
    UINT MediumIndex;
    NDIS_EVENT CloseDone;
    NDIS_STATUS CloseStatus;
    BOOLEAN CompleteBindOnClose; /* a pended bind failed: the close completion ends it */

    /* Bind-time requests, one at a time at PASSIVE_LEVEL */
    NDIS_REQUEST Request;
    NDIS_EVENT RequestDone;
    NDIS_STATUS RequestStatus;

    /* What the adapter below says about itself */
    UCHAR MacAddress[STAP_ETH_ADDRESS];
    ULONG MaximumFrameSize;     /* data bytes after the header: the TAP's MTU */

    /* Task offload enabled on the adapter (OID_TCP_TASK_OFFLOAD), set once at bind. Linux is
     * told (TUNSETOFFLOAD) to leave the same work undone in the frames it writes to the TAP. */
    NDIS_TASK_TCP_IP_CHECKSUM Checksum; /* enabled: the transmit checksums the adapter computes,
                                           the receive ones it reports as verified */
    ULONG LargeSendMaximum;     /* LSO: user data bytes of the largest send; 0 without LSO */
    ULONG LargeSendMinSegments;
    UINT SendFrameBytes;        /* the largest frame a send packet holds */
    PUCHAR LargeMemory;         /* send frames of STAP_LARGE_FRAME bytes once LSO is on */
    UINT LargeMemoryBytes;

    /* The TAP */
    tap_device Tap;
    NDIS_SPIN_LOCK Lock;
    NDIS_MEDIA_STATE MediaState; /* Lock */
    BOOLEAN MediaIndicated;     /* MediaState came from an indication, not the bind's query (Lock) */
    BOOLEAN CarrierReady;       /* the TAP follows MediaState from now on (Lock) */

    /* Lifetime */
    volatile BOOLEAN Closing;   /* set under Lock */
    volatile LONG Outstanding;
    NDIS_EVENT Idle;            /* set when Outstanding drops to zero */
    NDIS_WORK_ITEM HangupWork;  /* closes the binding once its TAP's device was deleted */
    volatile LONG HangupScheduled;
    volatile LONG CloseClaimed; /* set by whichever closes the binding: ProtocolUnbindAdapter or
                                   the hangup worker */
    NDIS_EVENT Retired;         /* set when a close the hangup worker started is over */

    /* TAP -> adapter, under SendLock */
    NDIS_SPIN_LOCK SendLock;
    PNDIS_PACKET FreeSends;
    NDIS_HANDLE IoEvent;        /* NULL once deregistration began */
    BOOLEAN Stalled;            /* every send packet in flight: the TAP is not watched */

    /* Adapter -> TAP, under RecvLock */
    NDIS_SPIN_LOCK RecvLock;
    PNDIS_PACKET FreeTransfers;

    /* Counters (interlocked) */
    LONG64 volatile FromTap;       /* frames Linux wrote, sent down */
    LONG64 volatile FromTapDropped; /* runts, frames above the adapter's MTU, offloads it lacks */
    LONG64 volatile FromTapLarge;  /* of FromTap, large sends the adapter segments */
    LONG64 volatile FromTapSoftwareChecksums; /* checksums Linux left that we computed */
    LONG64 volatile SendFailures;  /* sends completed with an error */
    LONG64 volatile ToTap;         /* frames received and written to the TAP */
    LONG64 volatile ToTapDropped;  /* frames Linux did not take, or no transfer packet */

    /* Resources, from bind to unbind */
    NDIS_HANDLE SendPacketPool;
    NDIS_HANDLE TransferPacketPool;
    NDIS_HANDLE BufferPool;
    PUCHAR FrameMemory;
    UINT FrameMemoryBytes;
    UINT FrameStride;      /* frame memory per packet: a whole frame and a byte to see overruns */

    /* Adapter -> TAP coalescing: one queue per processor, from bind to unbind (datapath.c) */
    struct _STAP_RUN_QUEUE *Runs;
    UINT RunQueues;
    PUCHAR RunMemory;      /* the queues' copy areas */
    LONG64 volatile ToTapGsoWrites; /* GSO frames written: runs of two segments or more */
    LONG64 volatile ToTapGsoFrames; /* of ToTap, the frames those carried */
} STAP_BINDING, *PSTAP_BINDING;

/* ---- adapter -> TAP coalescing (datapath.c; the rules are coalesce.c's) ------------------------ */
/* Consecutive TCP segments of one flow received on one processor are gathered in that
 * processor's queue and written to the TAP as one GSO frame when the run ends: when a segment
 * does not join, or by the queue's DPC, which runs on the same processor once the current
 * indications are over (NDIS 5.1 has no end-of-burst signal a protocol can rely on). Payloads
 * stay where they are: packets indicated with NDIS_STATUS_SUCCESS are kept (ProtocolReceivePacket
 * returns 1) until the run is written; a payload that lives only during the indication
 * (NDIS_STATUS_RESOURCES, lookahead) is copied into the queue's copy area, unless the run is
 * written before the handler returns. */
#define STAP_RUN_PIECES      96     /* vnet header, the run's headers, payload pieces */
#define STAP_RUN_COPY_BYTES  65536  /* a run's payload never exceeds an IP packet's */

typedef struct _STAP_RUN_QUEUE {
    NDIS_SPIN_LOCK Lock;        /* uncontended: threads that are not processors share queues */
    KDPC Dpc;                   /* targeted at the queue's processor */
    PSTAP_BINDING Binding;
    BOOLEAN Queued;             /* the DPC is queued and holds a binding reference (Lock) */
    struct stap_gro_run Run;    /* Lock, as is everything below */
    UCHAR Vnet[STAP_VNET_BYTES];
    UINT PieceCount;            /* Pieces[0] is Vnet, Pieces[1] the run's headers */
    tap_iovec Pieces[STAP_RUN_PIECES];
    UINT HeldCount;
    PNDIS_PACKET Held[STAP_GRO_MAX_SEGMENTS]; /* kept packets, returned once the run is written */
    UINT CopyUsed;
    PUCHAR Copy;                /* STAP_RUN_COPY_BYTES */
} STAP_RUN_QUEUE, *PSTAP_RUN_QUEUE;

/* Driver-wide state (strata_tap.c). */
typedef struct _STAP_GLOBALS {
    NDIS_HANDLE ProtocolHandle;
    PDRIVER_OBJECT DriverObject;
    NDIS_SPIN_LOCK Lock;
    LIST_ENTRY Bindings;
    LIST_ENTRY Retired;         /* bindings closed because their TAP was deleted; freed at unload */
    STAP_CONFIG Defaults;       /* Services\strata_tap\Parameters, read by DriverEntry */
} STAP_GLOBALS;
extern STAP_GLOBALS StapGlobals;

/* ---- strata_tap.c ------------------------------------------------------------------------- */
/* Any IRQL <= DISPATCH_LEVEL. One line to the host log (also an event log entry): "<Subject>:
 * <Line>", or Line alone when Subject is NULL. */
VOID StapLog(PCSTR Subject, PCSTR Line);
NDIS_STATUS StapPnPEvent(NDIS_HANDLE ProtocolBindingContext, PNET_PNP_EVENT NetPnPEvent);
VOID StapUnloadProtocol(VOID);

/* ---- bind.c: binding and unbinding (§2.4, §2.4.1, §2.4.3.1, §2.11) ------------------------- */
VOID StapBindAdapter(PNDIS_STATUS Status, NDIS_HANDLE BindContext, PNDIS_STRING DeviceName,
    PVOID SystemSpecific1, PVOID SystemSpecific2);
VOID StapOpenAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status, NDIS_STATUS OpenErrorStatus);
VOID StapUnbindAdapter(PNDIS_STATUS Status, NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE UnbindContext);
VOID StapCloseAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status);
VOID StapRequestComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_REQUEST NdisRequest, NDIS_STATUS Status);
BOOLEAN StapReference(PSTAP_BINDING Binding);
/* PASSIVE_LEVEL; bind path only, one at a time. A query or set on the binding, waiting for
 * ProtocolRequestComplete when it pends. */
NDIS_STATUS StapDoRequest(PSTAP_BINDING Binding, NDIS_REQUEST_TYPE Type, NDIS_OID Oid, PVOID Buffer, UINT Length);
VOID StapDereference(PSTAP_BINDING Binding);
/* PASSIVE_LEVEL, the hangup worker holding a reference (dropped here). The TAP's device was
 * deleted: the binding is closed as ProtocolUnbindAdapter would close it. */
VOID StapCloseForDeletedTap(PSTAP_BINDING Binding);
/* PASSIVE_LEVEL, at unload. Frees the blocks of the bindings StapCloseForDeletedTap closed. */
VOID StapFreeRetired(VOID);

/* ---- datapath.c: TAP -> NdisSendPackets, receives -> TAP (§2.5.1, §2.7.1, §2.8) ------------ */
VOID StapTapReady(PVOID Context, ULONG Events);
VOID StapSendComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status);
INT StapReceivePacket(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet);
NDIS_STATUS StapReceive(NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE MacReceiveContext, PVOID HeaderBuffer,
    UINT HeaderBufferSize, PVOID LookAheadBuffer, UINT LookaheadBufferSize, UINT PacketSize);
VOID StapTransferDataComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status,
    UINT BytesTransferred);
VOID StapReceiveComplete(NDIS_HANDLE ProtocolBindingContext);
VOID StapHangupWorker(PNDIS_WORK_ITEM WorkItem, PVOID Context);
/* PASSIVE_LEVEL. Stops watching the TAP: takes the handle under SendLock (so nobody changes its
 * mask any more) and deregisters it. */
VOID StapUnwatch(PSTAP_BINDING Binding);

/* ---- datapath.c: adapter -> TAP coalescing --------------------------------------------------- */
/* PASSIVE_LEVEL, bind path, before the open. One queue per processor with its DPC and copy area. */
NDIS_STATUS StapAllocateRuns(PSTAP_BINDING Binding);
/* PASSIVE_LEVEL (or at bind failure before the open, any level). Every run was written by now:
 * each queued DPC holds a binding reference, and the unbind waits for them. */
VOID StapFreeRuns(PSTAP_BINDING Binding);

/* ---- offload.c: task offload between the TAP's vnet headers and NDIS (§2.4.3, §2.5) ---------- */
/* PASSIVE_LEVEL, bind path, after the open. Enables what the adapter offers of checksum and
 * large-send offload and tells the TAP; without either the binding still works, with Linux doing
 * the work. NDIS_STATUS_RESOURCES only when large send frames cannot be had. */
NDIS_STATUS StapNegotiateOffload(PSTAP_BINDING Binding);
VOID StapFreeLargeFrames(PSTAP_BINDING Binding);
/* DISPATCH_LEVEL. Turns the vnet header read before a frame of Length bytes into Packet's
 * per-packet information, or computes in software what the adapter does not; FALSE for a frame
 * the binding cannot send (counted by the caller). */
BOOLEAN StapOffloadFromTap(PSTAP_BINDING Binding, PNDIS_PACKET Packet, const UCHAR *Vnet, PUCHAR Frame, UINT Length);

/* ---- status.c: status and reset indications (§2.10, §2.12) --------------------------------- */
VOID StapStatus(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS GeneralStatus, PVOID StatusBuffer,
    UINT StatusBufferSize);
VOID StapStatusComplete(NDIS_HANDLE ProtocolBindingContext);
VOID StapResetComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status);
/* IRQL <= DISPATCH_LEVEL. From now on the TAP's carrier follows the media state; Queried is the
 * state OID_GEN_MEDIA_CONNECT_STATUS gave, unless an indication came since. */
VOID StapStartCarrier(PSTAP_BINDING Binding, NDIS_MEDIA_STATE Queried);

#pragma GCC visibility pop

#endif /* STRATA_TAP_H */
