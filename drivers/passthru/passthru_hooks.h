/* passthru_hooks.h — the test hook exported by passthru.sys (drivers/passthru), found with dlsym:
 * per-binding counters of the passthru intermediate driver's send path (seed 003 §2.8), receive
 * paths (§2.7.1) and descriptor use (§2.5). Plain C that compiles as C++ (extern "C"); the PFN_
 * type is for dlsym callers. */
#ifndef PASSTHRU_HOOKS_H
#define PASSTHRU_HOOKS_H

#include <ndis.h>

STRATA_EXTERN_C_BEGIN

#define PASSTHRU_NAME_CHARS 128 /* device names below, NUL-terminated ASCII */

/* One binding: the adapter below (the DeviceName ProtocolBindAdapter was given) and the virtual
 * miniport above it (its UpperBindings). Counts since the binding was made; the gauges are
 * read when PassthruQueryCounters runs. */
typedef struct _PASSTHRU_COUNTERS {
    CHAR LowerName[PASSTHRU_NAME_CHARS];  /* e.g. "\Device\{GUID}" of the adapter below */
    CHAR UpperName[PASSTHRU_NAME_CHARS];  /* the virtual miniport's device name */
    ULONG PacketStacking;                 /* the binding's PacketStacking parameter, 0 or 1 */
    ULONG MiniportUp;                     /* 1 while the virtual miniport is initialised */
    ULONG64 Sends;                        /* packets MiniportSendPackets passed down */
    ULONG64 SendsStacked;                 /* of those, the upper's own packet (packet stacking) */
    ULONG64 SendCompletes;                /* NdisMSendComplete calls, failures included */
    ULONG64 SendsFailed;                  /* completed with a status other than SUCCESS */
    ULONG64 SendsNoDescriptor;            /* completed NDIS_STATUS_RESOURCES: send pool empty */
    ULONG64 Receives;                     /* frames indicated up, any path */
    ULONG64 ReceivesStacked;              /* of those, the lower's own packet (packet stacking) */
    ULONG64 ReceivesLookahead;            /* of those, as lookahead (NdisMEthIndicateReceive) */
    ULONG64 ReceivesDropped;              /* frames not indicated: miniport down, asleep or no descriptor */
    ULONG64 Returns;                      /* MiniportReturnPacket calls */
    ULONG64 TransferDataCalls;            /* MiniportTransferData forwarded to NdisTransferData */
    ULONG64 RequestsForwarded;            /* queries and sets passed to the adapter below */
    ULONG64 RequestsLocal;                /* queries and sets answered by the passthru itself */
    ULONG64 StatusIndications;            /* ProtocolStatus calls */
    ULONG64 LastMediaStatus;              /* NDIS_STATUS_MEDIA_CONNECT or _DISCONNECT, zero-extended */
    ULONG64 SendDescriptorsInUse;         /* gauge: NdisPacketPoolUsage of the send pool */
    ULONG64 ReceiveDescriptorsInUse;      /* gauge: NdisPacketPoolUsage of the receive pool */
    ULONG64 MiniportReferences;           /* gauge: sends not completed up, packets indicated up
                                             and not returned, a forwarded request, indications
                                             in progress; MiniportHalt waits for zero */
    ULONG64 SendsQueued;                  /* held while the adapter below slept (seed §2.9.3.2) */
    ULONG64 SendsQueueFull;               /* completed NDIS_STATUS_RESOURCES: the queue was full */
    ULONG64 SendsWaiting;                 /* gauge: in the queue now */
} PASSTHRU_COUNTERS, *PPASSTHRU_COUNTERS;

/* PassthruQueryCounters — fills *Counters for the Index-th binding (0, 1, ... in bind order)
 * and returns NDIS_STATUS_SUCCESS; NDIS_STATUS_ADAPTER_NOT_FOUND when there are not that many
 * bindings, NDIS_STATUS_INVALID_DATA when Counters is NULL. IRQL <= DISPATCH_LEVEL. */
DECLSPEC_EXPORT NDIS_STATUS PassthruQueryCounters(ULONG Index, PASSTHRU_COUNTERS *Counters);

typedef NDIS_STATUS (*PFN_PASSTHRU_QUERY_COUNTERS)(ULONG Index, PASSTHRU_COUNTERS *Counters);

STRATA_EXTERN_C_END

#endif /* PASSTHRU_HOOKS_H */
