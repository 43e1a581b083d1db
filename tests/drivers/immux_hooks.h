/* immux_hooks.h — test hooks exported by immux.sys (tests/drivers/immux*.c), found with dlsym:
 * the counters of one lower binding of the MUX intermediate driver and of each virtual miniport
 * (VELAN) over it (seed 003 §2.4, §2.7, §2.8, §2.12). Plain C, compiles as C++ (extern "C"). */
#ifndef IMMUX_HOOKS_H
#define IMMUX_HOOKS_H

#include <ndis.h>

STRATA_EXTERN_C_BEGIN

#define IMMUX_MAX_VELANS 8

/* One lower binding. Counts since ProtocolBindAdapter unless marked value. */
typedef struct _IMMUX_ADAPTER_STATS {
    ULONG64 VElans;              /* value: virtual miniports named by UpperBindings */
    ULONG64 VElansInitialized;   /* value: of those, with MiniportInitialize run and not halted */
    ULONG64 LowerPacketFilter;   /* value: the filter set on the lower binding */
    ULONG64 ReceivesFromBelow;   /* ProtocolReceivePacket + ProtocolReceive calls */
    ULONG64 ReceivesUnmatched;   /* directed frames for no VELAN's address (dropped) */
    ULONG64 GroupReceives;       /* multicast/broadcast frames (given to every VELAN) */
    ULONG64 TransferDataCalls;   /* NdisTransferData calls for partial lookaheads */
    ULONG64 TransferDataPended;
    ULONG64 StatusIndications;   /* ProtocolStatus calls */
    ULONG64 PnPEvents;           /* ProtocolPnPEvent calls */
    ULONG64 CloseSequence;       /* driver-wide event number of the lower NdisCloseAdapter's end */
} IMMUX_ADAPTER_STATS, *PIMMUX_ADAPTER_STATS;

/* One VELAN (virtual miniport). Counts since the lower binding was made unless marked value. */
typedef struct _IMMUX_VELAN_STATS {
    ULONG64 Index;               /* value: position in UpperBindings */
    ULONG64 SendsFromAbove;      /* packets MiniportSendPackets was given */
    ULONG64 SendsDown;           /* our descriptors handed to NdisSendPackets on the lower binding */
    ULONG64 SendsCompletedUp;    /* NdisMSendComplete calls */
    ULONG64 SendsFailed;         /* of those, with a failure status */
    ULONG64 ReceivesShared;      /* frames indicated in our descriptor chaining the lower buffers */
    ULONG64 ReceivesCopied;      /* frames indicated as a copy (NDIS_STATUS_RESOURCES) */
    ULONG64 GroupReceives;       /* of the indicated frames, multicast/broadcast */
    ULONG64 ReturnsFromAbove;    /* MiniportReturnPacket calls */
    ULONG64 RequestsAnswered;    /* MiniportQuery/SetInformation answered with success */
    ULONG64 RequestsNotSupported;
    ULONG64 PacketFilter;        /* value: the VELAN's OID_GEN_CURRENT_PACKET_FILTER */
    ULONG64 StatusForwarded;     /* NdisMIndicateStatus calls */
    ULONG64 PnPForwarded;        /* NdisIMNotifyPnPEvent calls */
    ULONG64 MiniportInitializeCalls;
    ULONG64 InitializedInsideIMInit;
    ULONG64 DeviceContextMatched;
    ULONG64 AttributeFlags;      /* value */
    ULONG64 HaltCalls;
    ULONG64 HaltSequence;        /* driver-wide event number of MiniportHalt */
} IMMUX_VELAN_STATS, *PIMMUX_VELAN_STATS;

/* ImMuxFindAdapter — the lower binding to the adapter named DeviceNameUtf8, or NULL.
 * ImMuxFindVElan — the VELAN whose device name is DeviceNameUtf8, or NULL. Names compare ASCII
 * case-insensitively. Blocks stay (with their counters) until the driver unloads.
 * IRQL <= DISPATCH_LEVEL. */
DECLSPEC_EXPORT PVOID ImMuxFindAdapter(const char *DeviceNameUtf8);
DECLSPEC_EXPORT PVOID ImMuxFindVElan(const char *DeviceNameUtf8);
DECLSPEC_EXPORT VOID ImMuxGetAdapterStats(PVOID Adapter, IMMUX_ADAPTER_STATS *Stats);
DECLSPEC_EXPORT VOID ImMuxGetVElanStats(PVOID VElan, IMMUX_VELAN_STATS *Stats);
/* The VELAN's MAC address (what it answers for OID_802_3_CURRENT_ADDRESS). */
DECLSPEC_EXPORT VOID ImMuxGetVElanAddress(PVOID VElan, UCHAR Mac[6]);

typedef PVOID (*PFN_IMMUX_FIND_ADAPTER)(const char *DeviceNameUtf8);
typedef PVOID (*PFN_IMMUX_FIND_VELAN)(const char *DeviceNameUtf8);
typedef VOID (*PFN_IMMUX_GET_ADAPTER_STATS)(PVOID Adapter, IMMUX_ADAPTER_STATS *Stats);
typedef VOID (*PFN_IMMUX_GET_VELAN_STATS)(PVOID VElan, IMMUX_VELAN_STATS *Stats);
typedef VOID (*PFN_IMMUX_GET_VELAN_ADDRESS)(PVOID VElan, UCHAR Mac[6]);

STRATA_EXTERN_C_END

#endif /* IMMUX_HOOKS_H */
