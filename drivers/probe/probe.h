/* probe.h — private definitions of the probe protocol driver: configuration, the binding
 * block, packet reservations and the entry points each file provides (seed 003 §2.3.1.2,
 * §2.4, §2.5, §2.7, §2.8, §2.11, §2.12).
 *
 * Locking (seed 003 §2.6: per-binding state split into send, receive and shared areas):
 *   ProbeGlobals.Lock   control path only: the binding list.
 *   Binding->Lock       shared state: receive mode, status counters, the request slot.
 *   Binding->SendLock   the free send packets, the sequence counter, send counters.
 *   Binding->RecvLock   free transfer packets, held packets, sender sequences, receive counters.
 * No lock is held while NDIS is called. Binding->Outstanding counts everything that must end
 * before the binding can close (hook calls, sends, pended transfers) plus the binding's own
 * reference, which ProtocolUnbindAdapter drops before waiting; it only grows while the binding
 * is not closing (ProbeReference). */
#ifndef PROBE_H
#define PROBE_H

#include <ndis.h>
#include "probe_hooks.h"

/* Like a Windows driver image, probe.sys exports only DriverEntry and its hooks: everything
 * declared from here on stays inside the image. */
#pragma GCC visibility push(hidden)

#define PROBE_TAG              0x65627250U /* 'ebrP', shows as "Prbe" in pool listings */
#define PROBE_ETH_ADDRESS      ETH_LENGTH_OF_ADDRESS
#define PROBE_FRAME_STRIDE     1536        /* frame memory per preallocated packet */
#define PROBE_MAX_BATCH        256
#define PROBE_MAX_CPUS         64

/* PROBE_PACKET_RESERVED.BenchState */
#define PROBE_BENCH_IDLE       0 /* not a benchmark packet: ProtocolSendComplete recycles it */
#define PROBE_BENCH_IN_FLIGHT  1 /* ProbeBenchSend sent it and waits for it */
#define PROBE_BENCH_DONE       2 /* completed; ProbeBenchSend may resend it */
#define PROBE_BENCH_ORPHANED   3 /* ProbeBenchSend left; its completion recycles it */

/* Per-processor counter, written without a lock by one processor. Padded to a cache line rather
 * than aligned: NdisAllocateMemoryWithTag promises 16-byte alignment only. */
typedef struct _PROBE_CPU_COUNTER {
    ULONG64 Frames;
    UCHAR Padding[56];
} PROBE_CPU_COUNTER;
#define PROBE_MAX_SENDERS      32          /* senders whose sequence a binding tracks */
#define PROBE_NAME_CHARS       256         /* device name kept for ProbeFindBinding */
#define PROBE_RETURN_CHUNK     64          /* held packets returned per NdisReturnPackets */
#define PROBE_WAIT_SLICE_MS    250         /* longest single event wait in ProbeWait* */

/* Registry parameters, read in ProtocolBindAdapter (see probe.c for their meaning). */
typedef struct _PROBE_CONFIG {
    ULONG PacketFilter;
    ULONG Lookahead;
    ULONG SendPoolSize;
    ULONG TransferPoolSize;
    ULONG HoldLimit;
    ULONG VetoQueryRemove;
} PROBE_CONFIG, *PPROBE_CONFIG;

/* ProtocolReserved of the packets the probe allocates (send and transfer packets). Each owns
 * one buffer descriptor over its own frame memory; the buffer is chained only while the
 * packet is in use and unchained before NdisReinitializePacket (seed §2.5.1). */
typedef struct _PROBE_PACKET_RESERVED {
    PNDIS_PACKET Next;   /* free list link */
    PNDIS_BUFFER Buffer;
    PUCHAR Frame;        /* the whole frame; a transfer buffer maps Frame + 14 */
    ULONG FlagsSet;      /* send flags set on the previous use, cleared before the next */
    volatile LONG BenchState; /* PROBE_BENCH_*: who recycles a ProbeBenchSend packet */
} PROBE_PACKET_RESERVED, *PPROBE_PACKET_RESERVED;
#define PROBE_RESERVED(_Packet) ((PPROBE_PACKET_RESERVED)(_Packet)->ProtocolReserved)

/* One request at a time per binding; callers take the slot (ProbeRequestSlotAcquire). */
typedef struct _PROBE_REQUEST_SLOT {
    NDIS_REQUEST Request;
    NDIS_EVENT Done;     /* set by ProtocolRequestComplete */
    NDIS_STATUS Status;
    BOOLEAN Busy;        /* under Binding->Lock */
    NDIS_EVENT Free;     /* set when Busy clears */
} PROBE_REQUEST_SLOT, *PPROBE_REQUEST_SLOT;

typedef struct _PROBE_SENDER {
    ULONG Id;
    BOOLEAN InUse;
    ULONG64 NextSequence;
} PROBE_SENDER, *PPROBE_SENDER;

typedef struct _PROBE_BINDING {
    LIST_ENTRY Link;            /* ProbeGlobals.Bindings, under ProbeGlobals.Lock */
    BOOLEAN Listed;
    ULONG Id;                   /* the sender id in our frames */
    CHAR DeviceName[PROBE_NAME_CHARS];
    PROBE_CONFIG Config;
    NDIS_HANDLE BindingHandle;  /* from NdisOpenAdapter */
    NDIS_HANDLE BindContext;    /* for NdisCompleteBindAdapter when the open pended */
    NDIS_WORK_ITEM BindWorkItem;
    NDIS_STATUS OpenErrorStatus;
    UINT MediumIndex;
    UCHAR MacAddress[PROBE_ETH_ADDRESS];
    ULONG MaximumFrameSize;     /* OID_GEN_MAXIMUM_FRAME_SIZE: data bytes after the header */
    NDIS_EVENT CloseDone;       /* set by ProtocolCloseAdapterComplete */
    NDIS_STATUS CloseStatus;
    BOOLEAN CompleteBindOnClose; /* a pended bind failed: the close completion ends it */

    /* Shared, under Lock */
    NDIS_SPIN_LOCK Lock;
    volatile BOOLEAN Closing;
    volatile LONG Outstanding;  /* 1 (the binding's own) + hook calls, sends, transfers */
    NDIS_EVENT Idle;            /* set when Outstanding drops to zero (only while closing) */
    volatile ULONG ReceiveMode;
    PROBE_REQUEST_SLOT Req;
    ULONG64 StatusIndications;
    ULONG64 LastStatus;
    ULONG64 StatusCompletes;
    ULONG64 ResetCompletes;

    /* Send side, under SendLock */
    NDIS_SPIN_LOCK SendLock;
    PNDIS_PACKET FreeSends;
    ULONG PoolWaiters;
    NDIS_EVENT PoolEvent;       /* set when a packet is freed and someone waits */
    ULONG64 NextSequence;
    ULONG64 SendWaitTarget;     /* 0, or the smallest SendsCompleted a waiter wants */
    NDIS_EVENT SendWaitEvent;
    ULONG64 SendsRequested;
    ULONG64 SendsCompleted;
    ULONG64 SendsFailed;
    ULONG64 LastSendStatus;

    /* Receive side, under RecvLock */
    NDIS_SPIN_LOCK RecvLock;
    PNDIS_PACKET FreeTransfers;
    PNDIS_PACKET *Held;         /* HoldLimit entries */
    ULONG HeldCount;
    PROBE_SENDER Senders[PROBE_MAX_SENDERS];
    ULONG SenderVictim;         /* next entry to reuse when the table is full */
    ULONG64 RecvWaitTarget;
    NDIS_EVENT RecvWaitEvent;
    ULONG64 ReceivedFrames;
    ULONG64 ReceivedBytes;
    ULONG64 ReceivedViaReceivePacket;
    ULONG64 ReceivedViaReceive;
    ULONG64 TransferDataCalls;
    ULONG64 TransferDataPended;
    ULONG64 SequenceErrors;
    ULONG64 PayloadErrors;
    ULONG64 OtherFrames;
    ULONG64 ReceiveCompletes;
    ULONG64 ReceiveDropped;
    PROBE_CPU_COUNTER BenchFrames[PROBE_MAX_CPUS]; /* PROBE_RECEIVE_COUNT */

    /* Resources, from bind to unbind (bind.c) */
    NDIS_HANDLE SendPacketPool;
    NDIS_HANDLE TransferPacketPool;
    NDIS_HANDLE BufferPool;
    PUCHAR FrameMemory;         /* (SendPoolSize + TransferPoolSize) frames */
    UINT FrameMemoryBytes;
} PROBE_BINDING, *PPROBE_BINDING;

/* Driver-wide state (probe.c). */
typedef struct _PROBE_GLOBALS {
    NDIS_HANDLE ProtocolHandle;
    NDIS_SPIN_LOCK Lock;        /* control path only */
    LIST_ENTRY Bindings;
    volatile LONG NextBindingId;
} PROBE_GLOBALS;
extern PROBE_GLOBALS ProbeGlobals;

/* ProbeRamp[k] == (UCHAR)k: the pattern of sequence s is ProbeRamp + (s & 0xFF), so frames
 * are written with one copy and checked with one compare. Filled by DriverEntry. */
#define PROBE_RAMP_BYTES (256 + PROBE_MAX_FRAME)
extern UCHAR ProbeRamp[PROBE_RAMP_BYTES];
#define PROBE_PATTERN(_Sequence) (ProbeRamp + ((_Sequence) & 0xFF))

typedef enum _PROBE_RX_PATH {
    ProbeRxViaReceivePacket,
    ProbeRxViaReceive
} PROBE_RX_PATH;

/* ---- probe.c: registration, PnP, unload (§2.3.1.2, §2.9) ------------------------------------ */
NDIS_STATUS ProbePnPEvent(NDIS_HANDLE ProtocolBindingContext, PNET_PNP_EVENT NetPnPEvent);
VOID ProbeUnloadProtocol(VOID);

/* ---- bind.c: binding and unbinding (§2.4, §2.4.1, §2.11) ------------------------------------ */
VOID ProbeBindAdapter(PNDIS_STATUS Status, NDIS_HANDLE BindContext, PNDIS_STRING DeviceName,
    PVOID SystemSpecific1, PVOID SystemSpecific2);
VOID ProbeOpenAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status, NDIS_STATUS OpenErrorStatus);
VOID ProbeUnbindAdapter(PNDIS_STATUS Status, NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE UnbindContext);
VOID ProbeCloseAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status);
/* Takes a reference for a hook call; FALSE when the binding is closing. */
BOOLEAN ProbeReference(PPROBE_BINDING Binding);
VOID ProbeDereference(PPROBE_BINDING Binding);

/* ---- request.c: NdisRequest with a wait (§2.4.3.1) ----------------------------------------- */
NDIS_STATUS ProbeDoRequest(PPROBE_BINDING Binding, NDIS_REQUEST_TYPE Type, NDIS_OID Oid, PVOID Buffer,
    UINT Length, PUINT BytesDone, PUINT BytesNeeded);
VOID ProbeRequestComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_REQUEST NdisRequest, NDIS_STATUS Status);

/* ---- send.c: frames out (§2.5.1, §2.8) ----------------------------------------------------- */
NDIS_STATUS ProbeBenchFrames(PPROBE_BINDING Binding, const UCHAR *Destination, UINT Count, UINT Batch);
NDIS_STATUS ProbeSendFrames(PPROBE_BINDING Binding, const UCHAR *Destination, UINT FrameSize, UINT Count,
    UINT Batch, ULONG PacketFlags);
VOID ProbeSendComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status);

/* ---- recv.c: frames in (§2.7.1) ------------------------------------------------------------- */
INT ProbeReceivePacket(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet);
NDIS_STATUS ProbeReceive(NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE MacReceiveContext, PVOID HeaderBuffer,
    UINT HeaderBufferSize, PVOID LookAheadBuffer, UINT LookaheadBufferSize, UINT PacketSize);
VOID ProbeTransferDataComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status,
    UINT BytesTransferred);
VOID ProbeReceiveComplete(NDIS_HANDLE ProtocolBindingContext);
UINT ProbeReturnHeldPackets(PPROBE_BINDING Binding);

/* ---- status.c: status and reset indications (§2.10, §2.12) ---------------------------------- */
VOID ProbeStatus(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS GeneralStatus, PVOID StatusBuffer,
    UINT StatusBufferSize);
VOID ProbeStatusComplete(NDIS_HANDLE ProtocolBindingContext);
VOID ProbeResetComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status);

/* Unaligned big-endian field access for frames. */
FORCEINLINE VOID ProbePut32(PUCHAR p, ULONG v)
{
    p[0] = (UCHAR)(v >> 24);
    p[1] = (UCHAR)(v >> 16);
    p[2] = (UCHAR)(v >> 8);
    p[3] = (UCHAR)v;
}
FORCEINLINE ULONG ProbeGet32(const UCHAR *p)
{
    return ((ULONG)p[0] << 24) | ((ULONG)p[1] << 16) | ((ULONG)p[2] << 8) | (ULONG)p[3];
}
FORCEINLINE VOID ProbePut64(PUCHAR p, ULONG64 v)
{
    ProbePut32(p, (ULONG)(v >> 32));
    ProbePut32(p + 4, (ULONG)v);
}
FORCEINLINE ULONG64 ProbeGet64(const UCHAR *p)
{
    return ((ULONG64)ProbeGet32(p) << 32) | ProbeGet32(p + 4);
}

#pragma GCC visibility pop

#endif /* PROBE_H */
