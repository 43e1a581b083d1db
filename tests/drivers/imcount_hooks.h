/* imcount_hooks.h — test hooks exported by imcount.sys (tests/drivers/imcount*.c), found with
 * dlsym. They are not part of NDIS: through them a host test reads what flowed through one
 * binding of the counting filter IM (seed 003 §2.4–§2.8, §2.12) and drives the few IM calls a
 * test must time itself (NdisIMCancelInitializeDeviceInstance, NdisIMNotifyPnPEvent). The
 * functions are plain C and compile as C++ (extern "C"); the PFN_ types are for dlsym callers. */
#ifndef IMCOUNT_HOOKS_H
#define IMCOUNT_HOOKS_H

#include <ndis.h>

STRATA_EXTERN_C_BEGIN

/* Per-binding counters (one binding = one lower adapter = one virtual miniport). Every member
 * is a count since ProtocolBindAdapter unless it says gauge, flag or value. */
typedef struct _IMCOUNT_STATS {
    /* Send path: MiniportSendPackets -> NdisSendPackets -> ProtocolSendComplete -> NdisMSendComplete */
    ULONG64 SendsFromAbove;        /* packets MiniportSendPackets was given */
    ULONG64 SendsDown;             /* our own descriptors handed to NdisSendPackets */
    ULONG64 SendCompletesFromBelow;/* ProtocolSendComplete calls */
    ULONG64 SendsCompletedUp;      /* NdisMSendComplete calls (every packet from above, once) */
    ULONG64 SendsDropped;          /* completed up without being sent (DropEveryNth) */
    ULONG64 SendsFailed;           /* completed up with a failure status */
    ULONG64 SendsOutstanding;      /* gauge: our descriptors below, not yet completed */
    ULONG64 SendsSameDescriptor;   /* sends where the packet below was the one from above (must stay 0) */
    /* Receive path */
    ULONG64 ReceivePackets;        /* ProtocolReceivePacket calls */
    ULONG64 ReceivePacketsHeld;    /* of those, held (returned 1) until our copy came back */
    ULONG64 ReturnsFromAbove;      /* MiniportReturnPacket calls */
    ULONG64 ReceivesOutstanding;   /* gauge: packets of the lower miniport we hold */
    ULONG64 ReceivesCopied;        /* ProtocolReceive: whole frame copied into our packet and indicated */
    ULONG64 ReceivesLookahead;     /* ProtocolReceive: partial lookahead passed up (NdisMEthIndicateReceive) */
    ULONG64 ReceivesTransferred;   /* CopyLookahead=1: rest fetched with our own NdisTransferData */
    ULONG64 ReceivesQueued;        /* CopyLookahead=1: copies indicated from ProtocolReceiveComplete */
    ULONG64 TransferDataForwarded; /* MiniportTransferData -> NdisTransferData below */
    ULONG64 TransferDataPended;    /* NdisTransferData calls (ours or forwarded) that pended */
    ULONG64 ReceiveCompletes;      /* ProtocolReceiveComplete calls */
    ULONG64 ReceivesDropped;       /* frames we could not pass up (no descriptor, or no miniport) */
    ULONG64 LastTimeReceived;      /* value: NDIS_GET_PACKET_TIME_RECEIVED of the last packet indicated up */
    /* Requests */
    ULONG64 RequestsForwarded;     /* MiniportQuery/SetInformation passed down with NdisRequest */
    ULONG64 RequestsAnsweredLocally; /* answered by the IM itself (OID_PNP_QUERY_POWER, _SET_POWER) */
    ULONG64 LastForwardedOid;      /* value */
    /* Status and PnP */
    ULONG64 StatusIndications;     /* ProtocolStatus calls */
    ULONG64 StatusForwarded;       /* of those, passed up with NdisMIndicateStatus */
    ULONG64 LastStatus;            /* value: the last GeneralStatus (NDIS_STATUS, zero-extended) */
    ULONG64 StatusCompletes;       /* ProtocolStatusComplete calls */
    ULONG64 PnPEvents;             /* ProtocolPnPEvent calls for this binding */
    ULONG64 LastPnPEvent;          /* value: NET_PNP_EVENT_CODE of the last one */
    ULONG64 PnPForwarded;          /* passed up with NdisIMNotifyPnPEvent */
    ULONG64 LastPnPForwardStatus;  /* value: what NdisIMNotifyPnPEvent returned */
    ULONG64 DeviceState;           /* value: NDIS_DEVICE_POWER_STATE of the virtual miniport (OID_PNP_SET_POWER) */
    /* Lifetime */
    ULONG64 OpenPended;            /* flag: NdisOpenAdapter returned NDIS_STATUS_PENDING */
    ULONG64 InitializeStatus;      /* value: what NdisIMInitializeDeviceInstanceEx returned */
    ULONG64 MiniportInitializeCalls;
    ULONG64 InitializedInsideIMInit; /* MiniportInitialize calls made while our
                                        NdisIMInitializeDeviceInstanceEx call was running */
    ULONG64 DeviceContextMatched;  /* MiniportInitialize calls where NdisIMGetDeviceContext returned
                                      the DeviceContext we passed */
    ULONG64 AttributeFlags;        /* value: what MiniportInitialize gave NdisMSetAttributesEx */
    ULONG64 TestValue;             /* value: the virtual miniport's instance-key REG_DWORD "TestValue"
                                      read in MiniportInitialize (0 when absent) */
    ULONG64 HaltCalls;             /* MiniportHalt calls */
    ULONG64 UnbindSequence;        /* driver-wide event number of ProtocolUnbindAdapter (0: not yet) */
    ULONG64 HaltSequence;          /* driver-wide event number of MiniportHalt (0: not yet) */
    ULONG64 CloseSequence;         /* driver-wide event number of the lower NdisCloseAdapter's end */
} IMCOUNT_STATS, *PIMCOUNT_STATS;

/* ImCountFindBinding — the binding whose lower adapter or virtual miniport has the device name
 * DeviceNameUtf8 ("\\Device\\{GUID}", ASCII case-insensitive), or NULL. IRQL <= DISPATCH_LEVEL.
 * The binding block outlives its unbinding: imcount keeps it (and its counters) until the driver
 * unloads, so a test may read the counters of a binding that is gone. */
DECLSPEC_EXPORT PVOID ImCountFindBinding(const char *DeviceNameUtf8);

/* ImCountIsBound — TRUE while Binding has an open lower adapter (between a successful bind and
 * its unbinding). IRQL <= DISPATCH_LEVEL. */
DECLSPEC_EXPORT BOOLEAN ImCountIsBound(PVOID Binding);

/* ImCountGetStats — a snapshot of Binding's counters. IRQL <= DISPATCH_LEVEL. */
DECLSPEC_EXPORT VOID ImCountGetStats(PVOID Binding, IMCOUNT_STATS *Stats);

/* ImCountCancelInitialize — NdisIMCancelInitializeDeviceInstance for Binding's virtual miniport;
 * returns its status. PASSIVE_LEVEL. After NDIS_STATUS_SUCCESS the binding no longer expects
 * MiniportInitialize. */
DECLSPEC_EXPORT NDIS_STATUS ImCountCancelInitialize(PVOID Binding);

/* ImCountIndicatePnPEvent — NdisIMNotifyPnPEvent(NetEvent, Buffer, BufferLength) on Binding's
 * virtual miniport, as though Binding's lower edge had received the event; returns its status,
 * or NDIS_STATUS_ADAPTER_NOT_READY when the virtual miniport is not initialised. PASSIVE_LEVEL. */
DECLSPEC_EXPORT NDIS_STATUS ImCountIndicatePnPEvent(PVOID Binding, NET_PNP_EVENT_CODE NetEvent, PVOID Buffer,
    ULONG BufferLength);

typedef PVOID (*PFN_IMCOUNT_FIND_BINDING)(const char *DeviceNameUtf8);
typedef BOOLEAN (*PFN_IMCOUNT_IS_BOUND)(PVOID Binding);
typedef VOID (*PFN_IMCOUNT_GET_STATS)(PVOID Binding, IMCOUNT_STATS *Stats);
typedef NDIS_STATUS (*PFN_IMCOUNT_CANCEL_INITIALIZE)(PVOID Binding);
typedef NDIS_STATUS (*PFN_IMCOUNT_INDICATE_PNP_EVENT)(PVOID Binding, NET_PNP_EVENT_CODE NetEvent, PVOID Buffer,
    ULONG BufferLength);

STRATA_EXTERN_C_END

#endif /* IMCOUNT_HOOKS_H */
