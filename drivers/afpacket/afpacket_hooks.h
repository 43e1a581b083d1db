/* afpacket_hooks.h — test and benchmark hooks exported by afpacket.sys (drivers/afpacket), found
 * with dlsym. Not part of NDIS: a host test or the wire benchmark finds the adapter driving a
 * Linux interface, reads its counters and learns which processor serves its packet socket. The
 * functions are plain C and compile as C++ (extern "C"); the PFN_ types are for dlsym callers. */
#ifndef AFPACKET_HOOKS_H
#define AFPACKET_HOOKS_H

#include <ndis.h>

STRATA_EXTERN_C_BEGIN

/* Per-adapter counters since MiniportInitialize, except the gauges ReturnsOutstanding and
 * TxWaiting. */
typedef struct _AFP_STATS {
    ULONG64 RxFrames;            /* frames indicated to NDIS */
    ULONG64 RxBytes;             /* their bytes, Ethernet header included */
    ULONG64 RxIndicatedResources;/* of those, indicated with NDIS_STATUS_RESOURCES because the
                                    receive descriptors ran low (protocols had to copy) */
    ULONG64 RxErrors;            /* frames not indicated: truncated, shorter than 14 bytes or
                                    longer than the MTU allows (OID_GEN_RCV_ERROR) */
    ULONG64 RxBlocks;            /* receive ring blocks walked */
    ULONG64 RxChecksummed;       /* frames whose L4 checksum the sender left to offload and the
                                    adapter completed */
    ULONG64 RxSegments;          /* frames cut from GSO frames (TCP/UDP up to 64 KiB) the sender
                                    left to offload; indicated with NDIS_STATUS_RESOURCES */
    ULONG64 RxCopied;            /* TPACKET_V2: frames too large for their ring frame, read from
                                    the socket instead (GSO frames, mostly) */
    ULONG64 RxKernelDrops;       /* frames the kernel dropped, the ring being full
                                    (OID_GEN_RCV_NO_BUFFER; read when that OID or this hook is) */
    ULONG64 ReturnsOutstanding;  /* packets indicated with NDIS_STATUS_SUCCESS not yet returned */
    ULONG64 TxFrames;            /* frames placed in the transmit ring (OID_GEN_XMIT_OK) */
    ULONG64 TxBytes;             /* their bytes */
    ULONG64 TxErrors;            /* sends failed: shorter than 14 bytes, longer than MTU + 14 or the
                                    ring frame, or the link was down (OID_GEN_XMIT_ERROR) */
    ULONG64 TxQueued;            /* sends that waited in the driver for a free ring frame */
    ULONG64 TxWaiting;           /* sends waiting now */
    ULONG64 TxKickErrors;        /* send(2) calls that failed (ENETDOWN, ENXIO, ...) */
    ULONG64 MediaIndications;    /* NDIS_STATUS_MEDIA_CONNECT/_DISCONNECT indications made */
    ULONG64 RxPolledRuns;        /* receive runs made by the poll DPC, READABLE paused, because
                                    the run before used its whole budget (a stream) */
} AFP_STATS, *PAFP_STATS;

/* AfpFindAdapter — the adapter driving the Linux interface named InterfaceName, or NULL. Any
 * IRQL <= DISPATCH_LEVEL. Valid until that adapter's MiniportHalt. */
DECLSPEC_EXPORT PVOID AfpFindAdapter(const char *InterfaceName);

/* AfpGetStats — Adapter's counters. IRQL <= DISPATCH_LEVEL; PASSIVE_LEVEL to refresh
 * RxKernelDrops (it is a getsockopt). */
DECLSPEC_EXPORT VOID AfpGetStats(PVOID Adapter, AFP_STATS *Stats);

/* AfpGetProcessor — the processor (0-based) whose thread runs Adapter's receive and link
 * handlers; the wire benchmark pins its traffic generators elsewhere. IRQL <= DISPATCH_LEVEL. */
DECLSPEC_EXPORT ULONG AfpGetProcessor(PVOID Adapter);

typedef PVOID (*PFN_AFP_FIND_ADAPTER)(const char *InterfaceName);
typedef VOID (*PFN_AFP_GET_STATS)(PVOID Adapter, AFP_STATS *Stats);
typedef ULONG (*PFN_AFP_GET_PROCESSOR)(PVOID Adapter);

STRATA_EXTERN_C_END

#endif /* AFPACKET_HOOKS_H */
