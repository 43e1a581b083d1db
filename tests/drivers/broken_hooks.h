/* broken_hooks.h — test hooks of the deliberately broken drivers (tests/drivers/broken_*.c) that
 * prove the verifier rules of DESIGN.md "Verifier" (issue 7 part 4). Each hook makes its driver
 * commit one mistake, at the moment the test chooses and on the caller's thread (the test calls
 * it at PASSIVE_LEVEL or through Host::run_at_dispatch), and returns the object the verifier
 * should name in its report. Found with dlsym; plain C, compiled as C++ by the tests. */
#ifndef BROKEN_HOOKS_H
#define BROKEN_HOOKS_H

#include <ndis.h>

STRATA_EXTERN_C_BEGIN

/* broken_miniport: a serialized 802.3 miniport. Adapter parameters (registry, read in
 * MiniportInitialize): CheckForHangSeconds (default 10), ReadConfigLocked (1: MiniportInitialize
 * reads a parameter while holding a spin lock, i.e. at DISPATCH_LEVEL). */
typedef enum _BROKEN_MINIPORT_MISTAKE {
    BrokenSendCompleteNotSent = 1,   /* NdisMSendComplete of a packet NDIS never gave it */
    BrokenResetCompleteUnstarted,    /* NdisMResetComplete with no reset in progress */
    BrokenQueryCompleteNoRequest,    /* NdisMQueryInformationComplete with no request pending */
    BrokenCompleteRequestPending,    /* completes the held OID with NDIS_STATUS_PENDING */
    BrokenRegisterBadVersion,        /* NdisMRegisterMiniport with MajorNdisVersion 6 */
    BrokenReleaseUnheldLock,         /* NdisDprReleaseSpinLock of a lock it does not hold (call at DISPATCH_LEVEL) */
    BrokenWaitLocked,                /* KeWaitForSingleObject with a timeout holding a spin lock */
    BrokenIndicateTwice              /* indicates its receive packet again while protocols hold it */
} BROKEN_MINIPORT_MISTAKE;

/* The last adapter initialised (NULL when none); its MiniportAdapterHandle is what NDIS names. */
DECLSPEC_EXPORT NDIS_HANDLE BrokenMiniportAdapterHandle(void);
/* Commits Mistake on the last adapter; returns the object the report should name. */
DECLSPEC_EXPORT PVOID BrokenMiniportCommit(BROKEN_MINIPORT_MISTAKE Mistake);
/* Indicates one broadcast frame with NdisMIndicateReceivePacket (the well-behaved way). */
DECLSPEC_EXPORT VOID BrokenMiniportIndicate(void);
/* From now on every OID pends (held) until BrokenMiniportCompleteRequest. */
DECLSPEC_EXPORT VOID BrokenMiniportHoldRequests(void);
/* Completes the held OID, if any, with Status (HoldRequests stops first). TRUE if one was held. */
DECLSPEC_EXPORT BOOLEAN BrokenMiniportCompleteRequest(NDIS_STATUS Status);
/* OIDs MiniportQueryInformation/MiniportSetInformation answered or held. */
DECLSPEC_EXPORT ULONG BrokenMiniportRequests(void);

/* broken_protocol: an 802.3 protocol; binds to whatever Host::bind names, one binding. */
typedef enum _BROKEN_PROTOCOL_MISTAKE {
    BrokenTransferOutsideReceive = 1, /* NdisTransferData with no indication in progress */
    BrokenReinitializeChained,        /* NdisReinitializePacket with a buffer still chained */
    BrokenFreePacketTwice,            /* NdisFreePacket twice */
    BrokenFreePoolInUse,              /* NdisFreePacketPool with a packet allocated */
    BrokenSecondRequest,              /* a second NdisRequest while the first is outstanding */
    BrokenSendStaleHandle,            /* NdisSend on the binding handle of a closed binding */
    BrokenSendNullPacket,             /* NdisSend with Packet NULL */
    BrokenReturnKept,                 /* NdisReturnPackets of the kept packet */
    BrokenReturnKeptTwice,            /* NdisReturnPackets of the kept packet, twice */
    BrokenReturnOwnPacket             /* NdisReturnPackets of a packet it allocated itself */
} BROKEN_PROTOCOL_MISTAKE;

/* What ProtocolReceivePacket does with the next packet; the last one is kept either way. */
typedef enum _BROKEN_RECEIVE_MODE {
    BrokenReceiveDrop = 0,            /* returns 0: NDIS may reuse the packet at once */
    BrokenReceiveHold                 /* returns 1: one NdisReturnPackets is owed */
} BROKEN_RECEIVE_MODE;

DECLSPEC_EXPORT PVOID BrokenProtocolCommit(BROKEN_PROTOCOL_MISTAKE Mistake);
DECLSPEC_EXPORT VOID BrokenProtocolSetReceiveMode(BROKEN_RECEIVE_MODE Mode);
/* The current (or last) binding handle, NULL before the first bind. */
DECLSPEC_EXPORT NDIS_HANDLE BrokenProtocolBindingHandle(void);
/* NdisRequest(OID_GEN_MAXIMUM_FRAME_SIZE) on the binding; its status (PENDING when held). */
DECLSPEC_EXPORT NDIS_STATUS BrokenProtocolQuery(void);
/* TRUE once the bind's packet filter (directed | broadcast) is set. */
DECLSPEC_EXPORT BOOLEAN BrokenProtocolReady(void);
/* ProtocolReceivePacket calls, ProtocolRequestComplete calls. */
DECLSPEC_EXPORT ULONG BrokenProtocolReceives(void);
DECLSPEC_EXPORT ULONG BrokenProtocolRequestsCompleted(void);

/* broken_wsk: a WSK client (registered by DriverEntry, never captured) that also misuses IRPs
 * and pool. */
typedef enum _BROKEN_WSK_MISTAKE {
    BrokenReleaseUncaptured = 1,      /* WskReleaseProviderNPI without WskCaptureProviderNPI */
    BrokenCompleteIrpTwice,           /* IoCompleteRequest twice on an IRP of its own */
    BrokenLeakTaggedPool              /* ExAllocatePoolWithTag(tag 'BLak') never freed before unload */
} BROKEN_WSK_MISTAKE;

DECLSPEC_EXPORT PVOID BrokenWskCommit(BROKEN_WSK_MISTAKE Mistake);

STRATA_EXTERN_C_END

#endif /* BROKEN_HOOKS_H */
