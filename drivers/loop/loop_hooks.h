/* loop_hooks.h — test and benchmark hooks exported by loop.sys (drivers/loop), found with dlsym.
 * They are not part of NDIS: a host test drives the miniport's receive path (seed 003 §2.7) and
 * status path (§2.12) through them and reads its counters. The functions are plain C and
 * compile as C++ (extern "C"); the PFN_ types are for dlsym callers. */
#ifndef LOOP_HOOKS_H
#define LOOP_HOOKS_H

#include <ndis.h>

STRATA_EXTERN_C_BEGIN

/* Per-adapter counters. Every member is a count since MiniportInitialize, except
 * ReturnsOutstanding, which is a gauge. */
typedef struct _LOOP_STATS {
    ULONG64 TxFrames;           /* frames accepted for transmission (14..1514 bytes) */
    ULONG64 TxBytes;            /* their bytes, Ethernet header included */
    ULONG64 TxDroppedNoPeer;    /* accepted frames no other adapter was on the wire to receive */
    ULONG64 RxFrames;           /* frames indicated to NDIS (wire and LoopIndicateFrames) */
    ULONG64 RxBytes;            /* their bytes, Ethernet header included */
    ULONG64 RxDroppedRingFull;  /* wire frames dropped because every receive slot was in use */
    ULONG64 ReturnsOutstanding; /* packets indicated with NDIS_STATUS_SUCCESS and not yet
                                   returned to MiniportReturnPacket */
    ULONG64 TxErrors;           /* packets refused as malformed (shorter than 14 or longer than
                                   1514 bytes); reported as OID_GEN_XMIT_ERROR */
} LOOP_STATS, *PLOOP_STATS;

/* LoopFindAdapter — the adapter whose current MAC address (OID_802_3_CURRENT_ADDRESS) is Mac,
 * or NULL. Any IRQL <= DISPATCH_LEVEL. The pointer stays valid until MiniportHalt for that
 * adapter; the caller must not use it afterwards. */
DECLSPEC_EXPORT PVOID LoopFindAdapter(const UCHAR Mac[6]);

/* LoopIndicateFrames — the benchmark's receive source: indicates Count copies of Frame (an
 * Ethernet frame of Length bytes, 14..1514) on Adapter, Batch at a time (1..256), synchronously
 * in the caller's context using the adapter's IndicationStyle. Called at DISPATCH_LEVEL on a
 * processor thread (a PASSIVE_LEVEL caller is raised for the duration). Uses the adapter's
 * preallocated receive slots and packets; allocates nothing. Returns NDIS_STATUS_SUCCESS when
 * all Count were indicated, NDIS_STATUS_RESOURCES when the slots ran out because protocols
 * hold indicated packets (the frames indicated until then stay indicated), and
 * NDIS_STATUS_INVALID_LENGTH / NDIS_STATUS_INVALID_DATA for bad arguments. */
DECLSPEC_EXPORT NDIS_STATUS LoopIndicateFrames(PVOID Adapter, const UCHAR *Frame, UINT Length, UINT Count,
    UINT Batch);

/* LoopIndicateStatus — NdisMIndicateStatus(GeneralStatus, Buffer, Size) followed by
 * NdisMIndicateStatusComplete on Adapter. NDIS_STATUS_MEDIA_DISCONNECT / _MEDIA_CONNECT also
 * set what OID_GEN_MEDIA_CONNECT_STATUS reports (the wire itself keeps carrying frames).
 * IRQL <= DISPATCH_LEVEL. */
DECLSPEC_EXPORT VOID LoopIndicateStatus(PVOID Adapter, NDIS_STATUS GeneralStatus, PVOID Buffer, UINT Size);

/* LoopGetStats — a consistent-per-direction snapshot of Adapter's counters.
 * IRQL <= DISPATCH_LEVEL. */
DECLSPEC_EXPORT VOID LoopGetStats(PVOID Adapter, LOOP_STATS *Stats);

/* What the adapter's power OIDs did (PowerManagement / NoHaltOnSuspend, seed 003 §2.9). */
typedef struct _LOOP_POWER {
    ULONG PowerState;       /* NDIS_DEVICE_POWER_STATE of the last OID_PNP_SET_POWER (D0 at start) */
    ULONG QueryPowerCalls;  /* OID_PNP_QUERY_POWER queries */
    ULONG SetPowerCalls;    /* OID_PNP_SET_POWER sets */
    ULONG WakeUpEnable;     /* the OID_PNP_ENABLE_WAKE_UP flags last set */
} LOOP_POWER, *PLOOP_POWER;

/* LoopGetPower — Adapter's power record. IRQL <= DISPATCH_LEVEL. */
DECLSPEC_EXPORT VOID LoopGetPower(PVOID Adapter, LOOP_POWER *Power);

typedef PVOID (*PFN_LOOP_FIND_ADAPTER)(const UCHAR Mac[6]);
typedef NDIS_STATUS (*PFN_LOOP_INDICATE_FRAMES)(PVOID Adapter, const UCHAR *Frame, UINT Length, UINT Count,
    UINT Batch);
typedef VOID (*PFN_LOOP_INDICATE_STATUS)(PVOID Adapter, NDIS_STATUS GeneralStatus, PVOID Buffer, UINT Size);
typedef VOID (*PFN_LOOP_GET_STATS)(PVOID Adapter, LOOP_STATS *Stats);
typedef VOID (*PFN_LOOP_GET_POWER)(PVOID Adapter, LOOP_POWER *Power);

STRATA_EXTERN_C_END

#endif /* LOOP_HOOKS_H */
