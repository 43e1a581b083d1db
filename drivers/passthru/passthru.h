/* passthru.h — private definitions of the passthru intermediate driver: the per-binding block
 * (one lower binding and the virtual miniport above it), packet reservations, reference counts
 * and the entry points each file provides (seed 003 §2.3–§2.12).
 *
 * Lifetime: ProtocolBindAdapter creates a PT_ADAPTER and ProtocolUnbindAdapter frees it; nothing
 * else does. MiniportInitialize attaches the virtual miniport to it (NdisIMGetDeviceContext) and
 * MiniportHalt detaches it again, after everything on the miniport edge has come back.
 *
 * Locking (seed 003 §2.2, §2.6):
 *   PtGlobals.Lock   the adapter list (control path and the counter hook only).
 *   Adapter->Lock    shared control state: power states, the forwarded request, status flags.
 * The data path takes no lock: it counts with interlocked operations in a send area and a
 * receive area of the block. No lock is held while NDIS is called.
 *
 * Reference counts (PT_REFCOUNT): MiniportRefs counts everything on the virtual miniport's edge
 * that must end before MiniportHalt returns (sends not completed up, descriptors indicated up
 * and not returned, a forwarded request not completed, indications in progress); it only grows
 * while MiniportReady. LowerRefs counts sends and requests at the adapter below; a transition of
 * the lower binding to a low-power state waits for it. */
#ifndef PASSTHRU_H
#define PASSTHRU_H

#include <ndis.h>
#include "passthru_hooks.h"

/* Like a Windows driver image, passthru.sys exports only DriverEntry and its hook. */
#pragma GCC visibility push(hidden)

#define PT_TAG                 0x74506850U /* 'tPhP', shows as "PhPt" in pool listings */
#define PT_POOL_DESCRIPTORS    256         /* per pool, preallocated */
#define PT_POOL_OVERFLOW       3840        /* more on demand, NdisAllocatePacketPoolEx */
#define PT_MAX_SEND_BATCH      64          /* packets per NdisSendPackets call */
#define PT_SEND_QUEUE_SIZE     1024        /* sends held while the adapter below sleeps (§2.9.3.2) */

/* ProtocolReserved of our send descriptors: the upper driver's packet it stands for. */
typedef struct _PT_SEND_RESERVED {
    PNDIS_PACKET Original;
} PT_SEND_RESERVED, *PPT_SEND_RESERVED;
#define PT_SEND_RSVD(_Packet) ((PPT_SEND_RESERVED)(_Packet)->ProtocolReserved)

/* MiniportReserved of our receive descriptors (we are their miniport): the lower's packet. */
typedef struct _PT_RECV_RESERVED {
    PNDIS_PACKET Original;
} PT_RECV_RESERVED, *PPT_RECV_RESERVED;
#define PT_RECV_RSVD(_Packet) ((PPT_RECV_RESERVED)(_Packet)->MiniportReserved)
C_ASSERT(sizeof(PT_RECV_RESERVED) <= 2 * sizeof(PVOID)); /* MiniportReserved */

/* A count that a single waiter can wait to reach zero, without sleeping or polling. */
typedef struct _PT_REFCOUNT {
    volatile LONG Count;
    volatile LONG Waiting;
    NDIS_EVENT Zero;
} PT_REFCOUNT, *PPT_REFCOUNT;

/* How far ProtocolBindAdapter got; the unbind and a failed bind undo from there (STYLE rule 7). */
typedef enum _PT_BIND_STAGE {
    PtStageNone,        /* nothing */
    PtStageAllocated,   /* the block, its lock and events */
    PtStageConfigured,  /* UpperBindings copied */
    PtStagePools,       /* send and receive packet pools */
    PtStageOpened,      /* the lower binding is open */
    PtStageListed       /* on PtGlobals.Adapters */
} PT_BIND_STAGE;

typedef struct _PT_ADAPTER {
    LIST_ENTRY Link;                  /* PtGlobals.Adapters, under PtGlobals.Lock */
    PT_BIND_STAGE Stage;
    NDIS_SPIN_LOCK Lock;
    CHAR LowerName[PASSTHRU_NAME_CHARS];
    CHAR UpperName[PASSTHRU_NAME_CHARS];

    /* Lower edge: our binding to the adapter below (protocol side, seed §2.4.1) */
    NDIS_HANDLE BindingHandle;
    UINT MediumIndex;
    NDIS_MEDIUM Medium;
    NDIS_EVENT OpenCloseEvent;        /* ProtocolOpen/CloseAdapterComplete */
    NDIS_STATUS OpenCloseStatus;
    NDIS_DEVICE_POWER_STATE LowerPowerState;  /* from NetEventSetPower */
    ULONG LowerMaxSendPackets;        /* OID_GEN_MAXIMUM_SEND_PACKETS of the adapter below */
    BOOLEAN LowerPmCapable;           /* it answered OID_PNP_CAPABILITIES */
    BOOLEAN PacketStacking;           /* registry PacketStacking */
    BOOLEAN TaskOffload;              /* registry TaskOffload: OID_TCP_TASK_OFFLOAD goes below */
    NDIS_REQUEST BindRequest;         /* our own queries during the bind */
    NDIS_EVENT BindRequestDone;
    NDIS_STATUS BindRequestStatus;
    PT_REFCOUNT LowerRefs;

    /* Upper edge: the virtual miniport (seed §2.4.2) */
    NDIS_HANDLE MiniportHandle;
    NDIS_STRING UpperBindings;        /* our copy; NdisIMInitializeDeviceInstanceEx names it */
    volatile BOOLEAN MiniportReady;   /* initialised and not halting */
    BOOLEAN MiniportInitPending;      /* under Lock: NdisIMInitializeDeviceInstanceEx asked, no
                                         MiniportInitialize yet */
    NDIS_EVENT MiniportInitEvent;     /* set when MiniportInitialize ran (or will not) */
    NDIS_EVENT MiniportHaltEvent;     /* set when MiniportHalt finished */
    BOOLEAN MiniportHalted;           /* MiniportHalt ran since the last initialise */
    BOOLEAN Unbinding;                /* under Lock: ProtocolUnbindAdapter started */
    NDIS_DEVICE_POWER_STATE MiniportPowerState; /* from OID_PNP_SET_POWER */
    PT_REFCOUNT MiniportRefs;

    /* Send queue (seed §2.9.3.2): while SendQueueing, sends from above wait here, in order, for
     * the adapter below to be back at D0; PtPnPSetPower sets it before the adapter sleeps and
     * the drain clears it once the queue is empty. Under Lock; the data path reads
     * SendQueueing without it and takes the lock only when it is set. */
    volatile BOOLEAN SendQueueing;
    ULONG SendQueueHead;
    ULONG SendQueueCount;
    PNDIS_PACKET SendQueue[PT_SEND_QUEUE_SIZE];
    NDIS_REQUEST Request;             /* the one forwarded request (NDIS sends one at a time) */
    PULONG RequestBytesDone;          /* the caller's BytesWritten / BytesRead */
    PULONG RequestBytesNeeded;
    NDIS_STATUS LastIndicatedStatus;  /* last media status indicated up */
    NDIS_STATUS LatestMediaStatus;    /* last media status seen from below */
    BOOLEAN IndicateStatusComplete;
    volatile BOOLEAN IndicateReceiveComplete;
    NDIS_DEVICE_PNP_EVENT LastDevicePnPEvent;
    ULONG DevicePnPEvents;

    /* Packet pools (seed §2.5) */
    NDIS_HANDLE SendPacketPool;
    NDIS_HANDLE RecvPacketPool;

    /* Send area: counters written by the send path */
    volatile LONG64 Sends;
    volatile LONG64 SendsStacked;
    volatile LONG64 SendCompletes;
    volatile LONG64 SendsFailed;
    volatile LONG64 SendsNoDescriptor;
    volatile LONG64 SendsQueued;
    volatile LONG64 SendsQueueFull;
    UCHAR SendPad[64];

    /* Receive area: counters written by the receive path */
    volatile LONG64 Receives;
    volatile LONG64 ReceivesStacked;
    volatile LONG64 ReceivesLookahead;
    volatile LONG64 ReceivesDropped;
    volatile LONG64 Returns;
    volatile LONG64 TransferDataCalls;
    UCHAR RecvPad[64];

    /* Control area */
    volatile LONG64 RequestsForwarded;
    volatile LONG64 RequestsLocal;
    volatile LONG64 StatusIndications;
} PT_ADAPTER, *PPT_ADAPTER;

/* Driver-wide state (passthru.c): the handles and the adapter list, nothing else. */
typedef struct _PT_GLOBALS {
    NDIS_HANDLE WrapperHandle;
    NDIS_HANDLE DriverHandle;         /* NdisIMRegisterLayeredMiniport */
    NDIS_HANDLE ProtocolHandle;       /* NdisRegisterProtocol */
    NDIS_SPIN_LOCK Lock;
    LIST_ENTRY Adapters;
} PT_GLOBALS;
extern PT_GLOBALS PtGlobals;

/* ---- Reference counts (passthru.c) ----------------------------------------------------------- */
/* Any IRQL. */
FORCEINLINE VOID PtRefAdd(PPT_REFCOUNT Ref, LONG N)
{
    InterlockedExchangeAdd(&Ref->Count, N);
}
/* Any IRQL. Drops N references; the last one wakes a waiter. */
FORCEINLINE VOID PtRefDrop(PPT_REFCOUNT Ref, LONG N)
{
    if (InterlockedExchangeAdd(&Ref->Count, -N) == N && Ref->Waiting)
        NdisSetEvent(&Ref->Zero);
}
VOID PtRefInit(PPT_REFCOUNT Ref);
/* PASSIVE_LEVEL; one waiter per count at a time. Returns once the count is zero. */
VOID PtRefWaitZero(PPT_REFCOUNT Ref);

/* Any IRQL. Takes N miniport references; FALSE (and none taken) when the virtual miniport is
 * not initialised or is halting. */
FORCEINLINE BOOLEAN PtMiniportEnter(PPT_ADAPTER Adapter, LONG N)
{
    PtRefAdd(&Adapter->MiniportRefs, N);
    KeMemoryBarrier();
    if (!Adapter->MiniportReady) {
        PtRefDrop(&Adapter->MiniportRefs, N);
        return FALSE;
    }
    return TRUE;
}
FORCEINLINE VOID PtMiniportLeave(PPT_ADAPTER Adapter, LONG N)
{
    PtRefDrop(&Adapter->MiniportRefs, N);
}

/* ---- protocol.c: the lower edge's bindings and PnP (§2.3.1.2, §2.4, §2.4.1, §2.9.2, §2.11) --- */
VOID PtBindAdapter(PNDIS_STATUS Status, NDIS_HANDLE BindContext, PNDIS_STRING DeviceName,
    PVOID SystemSpecific1, PVOID SystemSpecific2);
VOID PtOpenAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status, NDIS_STATUS OpenErrorStatus);
VOID PtUnbindAdapter(PNDIS_STATUS Status, NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE UnbindContext);
VOID PtCloseAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status);
NDIS_STATUS PtPnPEvent(NDIS_HANDLE ProtocolBindingContext, PNET_PNP_EVENT NetPnPEvent);
VOID PtUnloadProtocol(VOID);

/* ---- miniport.c: the virtual miniport's life (§2.3.1.1, §2.4.2, §2.9, §2.10) ----------------- */
NDIS_STATUS MpInitialize(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray,
    UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE WrapperConfigurationContext);
VOID MpHalt(NDIS_HANDLE MiniportAdapterContext);
NDIS_STATUS MpReset(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext);
VOID MpPnPEventNotify(NDIS_HANDLE MiniportAdapterContext, NDIS_DEVICE_PNP_EVENT PnPEvent, PVOID InformationBuffer,
    ULONG InformationBufferLength);
VOID MpAdapterShutdown(NDIS_HANDLE MiniportAdapterContext);

/* ---- send.c: packets down (§2.5, §2.8) ------------------------------------------------------- */
VOID MpSendPackets(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray, UINT NumberOfPackets);
VOID MpCancelSendPackets(NDIS_HANDLE MiniportAdapterContext, PVOID CancelId);
VOID PtSendComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status);
/* PASSIVE_LEVEL. The adapter below is back at D0: sends what waited, in order, then lets sends
 * through directly again. */
VOID PtDrainSendQueue(PPT_ADAPTER Adapter);
/* IRQL <= DISPATCH_LEVEL. The virtual miniport or the binding goes: every waiting send is
 * completed up with Status and sends are no longer queued. */
VOID PtFailSendQueue(PPT_ADAPTER Adapter, NDIS_STATUS Status);

/* ---- recv.c: packets up (§2.5, §2.7.1) ------------------------------------------------------- */
INT PtReceivePacket(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet);
NDIS_STATUS PtReceive(NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE MacReceiveContext, PVOID HeaderBuffer,
    UINT HeaderBufferSize, PVOID LookAheadBuffer, UINT LookaheadBufferSize, UINT PacketSize);
VOID PtReceiveComplete(NDIS_HANDLE ProtocolBindingContext);
VOID MpReturnPacket(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet);
NDIS_STATUS MpTransferData(PNDIS_PACKET Packet, PUINT BytesTransferred, NDIS_HANDLE MiniportAdapterContext,
    NDIS_HANDLE MiniportReceiveContext, UINT ByteOffset, UINT BytesToTransfer);
VOID PtTransferDataComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status,
    UINT BytesTransferred);

/* ---- request.c: OIDs (§2.4.3, §2.9.1, §2.9.3) ------------------------------------------------ */
NDIS_STATUS MpQueryInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesWritten, PULONG BytesNeeded);
NDIS_STATUS MpSetInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesRead, PULONG BytesNeeded);
VOID PtRequestComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_REQUEST NdisRequest, NDIS_STATUS Status);
/* PASSIVE_LEVEL, during the bind: a query of the adapter below, waiting if it pends. */
NDIS_STATUS PtQueryLower(PPT_ADAPTER Adapter, NDIS_OID Oid, PVOID Buffer, ULONG Length, PULONG BytesWritten);

/* ---- status.c: status and reset indications from below (§2.10, §2.12) ------------------------- */
VOID PtStatus(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS GeneralStatus, PVOID StatusBuffer,
    UINT StatusBufferSize);
VOID PtStatusComplete(NDIS_HANDLE ProtocolBindingContext);
VOID PtResetComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status);
/* Any IRQL <= DISPATCH_LEVEL. Back in D0: tells the protocols above the media state they missed. */
VOID PtIndicateMissedMediaStatus(PPT_ADAPTER Adapter);

/* ---- Packet helpers (recv.c, send.c) ---------------------------------------------------------- */
/* Any IRQL. Makes Packet describe the buffers of Original (the same chain, not a copy). */
FORCEINLINE VOID PtShareBuffers(PNDIS_PACKET Packet, PNDIS_PACKET Original)
{
    NDIS_PACKET_FIRST_NDIS_BUFFER(Packet) = NDIS_PACKET_FIRST_NDIS_BUFFER(Original);
    NDIS_PACKET_LAST_NDIS_BUFFER(Packet) = NDIS_PACKET_LAST_NDIS_BUFFER(Original);
    NDIS_PACKET_VALID_COUNTS(Packet) = FALSE;
}
/* Any IRQL. Lets go of the borrowed chain before the descriptor is freed. */
FORCEINLINE VOID PtUnshareBuffers(PNDIS_PACKET Packet)
{
    NDIS_PACKET_FIRST_NDIS_BUFFER(Packet) = NULL;
    NDIS_PACKET_LAST_NDIS_BUFFER(Packet) = NULL;
    NDIS_PACKET_VALID_COUNTS(Packet) = FALSE;
}

#pragma GCC visibility pop

#endif /* PASSTHRU_H */
