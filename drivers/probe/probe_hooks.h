/* probe_hooks.h — test and benchmark hooks exported by probe.sys (drivers/probe), found with
 * dlsym. Through them a host test drives the protocol's bindings: requests (seed 003 §2.4.3),
 * sends (§2.8), receive ownership (§2.7.1) and its counters. The functions are plain C and
 * compile as C++ (extern "C"); the PFN_ types are for dlsym callers.
 *
 * Probe frames (all multi-byte fields big-endian):
 *     0  destination MAC (6)   6  source MAC (6)   12  EtherType 0x88B5 (2)
 *    14  magic 'P' 'R' 'B' 'E' (UINT32 0x50524245)
 *    18  sender binding id (UINT32)
 *    22  sequence number (UINT64), per sender binding, starting at 0
 *    30  pattern: byte i (i = 0, 1, ...) is (UCHAR)(sequence + i), to the end of the frame */
#ifndef PROBE_HOOKS_H
#define PROBE_HOOKS_H

#include <ndis.h>

STRATA_EXTERN_C_BEGIN

#define PROBE_ETHERTYPE        0x88B5
#define PROBE_MAGIC            0x50524245U /* "PRBE" */
#define PROBE_HEADER_BYTES     14          /* Ethernet header */
#define PROBE_PAYLOAD_HEADER   16          /* magic, sender id, sequence */
#define PROBE_MIN_FRAME        60
#define PROBE_MAX_FRAME        1514
#define PROBE_BENCH_FRAME      64

/* ProbeSetReceiveMode values */
#define PROBE_RECEIVE_COPY     0 /* ProtocolReceivePacket returns 0: done with the packet */
#define PROBE_RECEIVE_HOLD     1 /* returns 1 and keeps the packet until ProbeReturnHeld */
#define PROBE_RECEIVE_COUNT    2 /* benchmark: returns 0 after counting the packet per processor,
                                    without looking at it (BenchFrames) */

/* Per-binding counters. Counts since the binding opened or the last ProbeResetStats, except
 * HeldPackets (a gauge). The two Last* members hold an NDIS_STATUS, zero-extended. */
typedef struct _PROBE_STATS {
    ULONG64 SendsRequested;           /* frames handed to NdisSend / NdisSendPackets */
    ULONG64 SendsCompleted;           /* of those, completed (synchronously or in SendComplete) */
    ULONG64 SendsFailed;              /* completed with a status other than NDIS_STATUS_SUCCESS */
    ULONG64 LastSendStatus;           /* status of the latest completion */
    ULONG64 ReceivedFrames;           /* probe frames (EtherType 0x88B5) received, any path */
    ULONG64 ReceivedBytes;            /* their bytes, Ethernet header included */
    ULONG64 ReceivedViaReceivePacket; /* probe frames that came through ProtocolReceivePacket */
    ULONG64 ReceivedViaReceive;       /* probe frames that came through ProtocolReceive */
    ULONG64 TransferDataCalls;        /* NdisTransferData calls (partial lookahead) */
    ULONG64 TransferDataPended;       /* of those, returned NDIS_STATUS_PENDING */
    ULONG64 SequenceErrors;           /* a sender's frame whose sequence was not the next one */
    ULONG64 PayloadErrors;            /* bad magic, short payload or wrong pattern byte */
    ULONG64 OtherFrames;              /* frames of other EtherTypes (ignored) */
    ULONG64 ReceiveCompletes;         /* ProtocolReceiveComplete calls */
    ULONG64 StatusIndications;        /* ProtocolStatus calls */
    ULONG64 LastStatus;               /* GeneralStatus of the latest ProtocolStatus */
    ULONG64 StatusCompletes;          /* ProtocolStatusComplete calls */
    ULONG64 ResetCompletes;           /* ProtocolResetComplete calls */
    ULONG64 HeldPackets;              /* received packets held now (PROBE_RECEIVE_HOLD) */
    ULONG64 ReceiveDropped;           /* probe frames lost to the probe itself: no transfer
                                         packet free, or a failed NdisTransferData */
    ULONG64 BenchFrames;              /* packets counted in PROBE_RECEIVE_COUNT mode (ReceivePacket
                                         only; not in ReceivedFrames) */
} PROBE_STATS, *PPROBE_STATS;

/* ProbeFindBinding — the binding opened on the adapter whose device name (as passed to
 * ProtocolBindAdapter, e.g. "\\Device\\{GUID}") is DeviceNameUtf8, compared without regard to
 * ASCII case; NULL if none. IRQL <= DISPATCH_LEVEL. Valid until the binding is unbound. */
DECLSPEC_EXPORT PVOID ProbeFindBinding(const char *DeviceNameUtf8);

/* ProbeRequest — NdisRequest of Type (NdisRequestQueryInformation or
 * NdisRequestSetInformation) for Oid with Buffer/Length on Binding; waits when it pends.
 * PASSIVE_LEVEL. Returns the final status; *BytesDone receives BytesWritten (query) or
 * BytesRead (set) and *BytesNeeded BytesNeeded (either pointer may be NULL). */
DECLSPEC_EXPORT NDIS_STATUS ProbeRequest(PVOID Binding, NDIS_REQUEST_TYPE Type, NDIS_OID Oid, PVOID Buffer,
    UINT Length, PUINT BytesDone, PUINT BytesNeeded);

/* ProbeSend — builds Count probe frames of FrameSize bytes (60..1514, header included, at
 * most the adapter's maximum frame size + 14) addressed to Destination and sends them: with
 * NdisSend one at a time when Batch == 1, else with NdisSendPackets in arrays of Batch
 * (at most 256 and the send pool size). Each packet gets NdisSetPacketFlags(PacketFlags).
 * Packets come from the binding's preallocated pool; when it is empty the call waits for
 * completions at PASSIVE_LEVEL and returns NDIS_STATUS_RESOURCES at DISPATCH_LEVEL.
 * Returns once every frame was submitted: NDIS_STATUS_SUCCESS, the last failure NdisSend
 * returned synchronously, NDIS_STATUS_RESOURCES, NDIS_STATUS_CLOSING (unbinding) or
 * NDIS_STATUS_INVALID_LENGTH / _INVALID_DATA for bad arguments. Completions are counted in
 * the stats (ProbeWaitSendsCompleted). */
DECLSPEC_EXPORT NDIS_STATUS ProbeSend(PVOID Binding, const UCHAR Destination[6], UINT FrameSize, UINT Count,
    UINT Batch, ULONG PacketFlags);

/* ProbeBenchSend — the benchmark's send source: Count 64-byte probe frames to Destination in
 * NdisSendPackets arrays of Batch (NdisSend when Batch == 1). It borrows Batch packets from
 * the send pool, builds their frames once (every frame carries sequence 0: benchmark traffic
 * is not for verification) and resends them as soon as they complete; a completion costs one
 * interlocked exchange. Called at DISPATCH_LEVEL on a processor thread. The miniport must
 * complete inside MiniportSendPackets (loop SendCompletion=0, deserialized): after the first
 * array that did not complete inline it stops and returns NDIS_STATUS_PENDING, and those
 * packets return to the pool through ProtocolSendComplete as usual. NDIS_STATUS_RESOURCES when
 * the pool has fewer than Batch free packets. Sends are counted in SendsRequested and
 * SendsCompleted. */
DECLSPEC_EXPORT NDIS_STATUS ProbeBenchSend(PVOID Binding, const UCHAR Destination[6], UINT Count, UINT Batch);

/* ProbeSetReceiveMode — PROBE_RECEIVE_COPY (default), PROBE_RECEIVE_HOLD or PROBE_RECEIVE_COUNT;
 * other values mean copy. Packets indicated with NDIS_STATUS_RESOURCES are never held. Any IRQL <= DISPATCH. */
DECLSPEC_EXPORT VOID ProbeSetReceiveMode(PVOID Binding, ULONG Mode);

/* ProbeReturnHeld — NdisReturnPackets on every held packet; returns how many.
 * IRQL <= DISPATCH_LEVEL. */
DECLSPEC_EXPORT UINT ProbeReturnHeld(PVOID Binding);

/* ProbeGetStats / ProbeResetStats — read or zero Binding's counters (ResetStats keeps the
 * HeldPackets gauge and forgets every sender's sequence). IRQL <= DISPATCH_LEVEL. */
DECLSPEC_EXPORT VOID ProbeGetStats(PVOID Binding, PROBE_STATS *Stats);
DECLSPEC_EXPORT VOID ProbeResetStats(PVOID Binding);

/* ProbeWaitReceived / ProbeWaitSendsCompleted — wait until ReceivedFrames (resp.
 * SendsCompleted) reaches Count: NDIS_STATUS_SUCCESS, or NDIS_STATUS_FAILURE after TimeoutMs
 * milliseconds (0: no waiting, just the check) or when the binding is unbinding. Woken by the
 * data path through an NDIS_EVENT. PASSIVE_LEVEL (at DISPATCH_LEVEL only the check is made). */
DECLSPEC_EXPORT NDIS_STATUS ProbeWaitReceived(PVOID Binding, ULONG64 Count, UINT TimeoutMs);
DECLSPEC_EXPORT NDIS_STATUS ProbeWaitSendsCompleted(PVOID Binding, ULONG64 Count, UINT TimeoutMs);

typedef PVOID (*PFN_PROBE_FIND_BINDING)(const char *DeviceNameUtf8);
typedef NDIS_STATUS (*PFN_PROBE_REQUEST)(PVOID Binding, NDIS_REQUEST_TYPE Type, NDIS_OID Oid, PVOID Buffer,
    UINT Length, PUINT BytesDone, PUINT BytesNeeded);
typedef NDIS_STATUS (*PFN_PROBE_SEND)(PVOID Binding, const UCHAR Destination[6], UINT FrameSize, UINT Count,
    UINT Batch, ULONG PacketFlags);
typedef NDIS_STATUS (*PFN_PROBE_BENCH_SEND)(PVOID Binding, const UCHAR Destination[6], UINT Count, UINT Batch);
typedef VOID (*PFN_PROBE_SET_RECEIVE_MODE)(PVOID Binding, ULONG Mode);
typedef UINT (*PFN_PROBE_RETURN_HELD)(PVOID Binding);
typedef VOID (*PFN_PROBE_GET_STATS)(PVOID Binding, PROBE_STATS *Stats);
typedef VOID (*PFN_PROBE_RESET_STATS)(PVOID Binding);
typedef NDIS_STATUS (*PFN_PROBE_WAIT_RECEIVED)(PVOID Binding, ULONG64 Count, UINT TimeoutMs);
typedef NDIS_STATUS (*PFN_PROBE_WAIT_SENDS_COMPLETED)(PVOID Binding, ULONG64 Count, UINT TimeoutMs);

STRATA_EXTERN_C_END

#endif /* PROBE_HOOKS_H */
