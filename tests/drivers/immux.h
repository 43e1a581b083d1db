/* immux.h — private definitions of immux, the MUX intermediate driver of the IM conformance
 * tests: one lower binding (IMX_ADAPT) with several virtual miniports (IMX_VELAN) over it,
 * packet reservations and the entry points each file provides (seed 003 §2.3–§2.8, §2.12).
 *
 * Locking:
 *   ImxGlobals.Lock   control path only: the adapter list.
 *   Adapt->SendLock   the free send descriptors.
 *   Adapt->RecvLock   the free receive descriptors and copies.
 *   VElan->Lock       the VELAN's init/halt state and its request-visible state (filter,
 *                     lookahead, multicast list).
 * An adapter's VELAN array is fixed before the first VELAN is initialised, so the data path
 * reads it without a lock. No lock is held while NDIS is called. */
#ifndef IMMUX_H
#define IMMUX_H

#include <ndis.h>
#include "immux_hooks.h"

#pragma GCC visibility push(hidden)

#define IMX_TAG               0x784D4D49U /* 'IMMx' */
#define IMX_NAME_CHARS        128
#define IMX_ETH_HEADER        14
#define IMX_ETH_ADDRESS       6
#define IMX_MAX_DATA          1500
#define IMX_MAX_FRAME         (IMX_ETH_HEADER + IMX_MAX_DATA)
#define IMX_FRAME_STRIDE      1536
#define IMX_MAX_MULTICAST     32
#define IMX_SEND_BATCH        64
#define IMX_WAIT_MS           20000
#define IMX_SEND_DESCRIPTORS  1024
#define IMX_RECV_DESCRIPTORS  1024
#define IMX_COPIES            64
#define IMX_ALL_VELANS        ((ULONG)-1) /* a copy's target: every VELAN (group frames) */

typedef enum _IMX_INIT_STATE {
    ImxInitNone,
    ImxInitPending,
    ImxInitCancelled,
    ImxInitRunning,
    ImxInitHalted
} IMX_INIT_STATE;

struct _IMX_ADAPT;

typedef struct _IMX_VELAN {
    struct _IMX_ADAPT *Adapt;
    ULONG Index;
    CHAR Name[IMX_NAME_CHARS];
    WCHAR NameChars[IMX_NAME_CHARS];
    NDIS_STRING DeviceName;
    UCHAR Mac[IMX_ETH_ADDRESS];

    NDIS_SPIN_LOCK Lock;
    NDIS_HANDLE MiniportHandle;       /* MiniportInitialize .. MiniportHalt */
    IMX_INIT_STATE InitState;
    volatile BOOLEAN InsideIMInit;
    volatile BOOLEAN Halting;
    NDIS_EVENT InitDone;
    NDIS_DEVICE_POWER_STATE DeviceState;
    ULONG PacketFilter;
    ULONG Lookahead;
    ULONG MulticastCount;
    UCHAR Multicast[IMX_MAX_MULTICAST][IMX_ETH_ADDRESS];

    volatile LONG SendsOutstanding;
    volatile LONG ReceivesOutstanding;
    NDIS_EVENT SendsIdle;
    NDIS_EVENT ReceivesIdle;

    volatile LONG64 Counters[sizeof(IMMUX_VELAN_STATS) / sizeof(ULONG64)];
} IMX_VELAN, *PIMX_VELAN;

/* ProtocolReserved of our send descriptors. */
typedef struct _IMX_SEND_RESERVED {
    PNDIS_PACKET Original;
    PIMX_VELAN VElan;      /* sender; NULL while the descriptor is free */
    PNDIS_PACKET Next;     /* free-list link */
} IMX_SEND_RESERVED, *PIMX_SEND_RESERVED;
#define IMX_SEND_RSVD(_P) ((PIMX_SEND_RESERVED)(_P)->ProtocolReserved)

/* MiniportReserved of the descriptors we indicate up. */
typedef struct _IMX_RECV_RESERVED {
    PNDIS_PACKET Original; /* the lower packet whose buffers we share; NULL for a copy */
    PVOID Link;            /* free-list link, or the IMX_COPY of a copy */
} IMX_RECV_RESERVED, *PIMX_RECV_RESERVED;
C_ASSERT(sizeof(IMX_RECV_RESERVED) <= RTL_FIELD_SIZE(NDIS_PACKET, MiniportReserved));
#define IMX_RECV_RSVD(_P) ((PIMX_RECV_RESERVED)(_P)->MiniportReserved)

/* A packet with frame memory of its own, for group frames and ProtocolReceive. */
typedef struct _IMX_COPY {
    struct _IMX_COPY *Next;
    PNDIS_PACKET Packet;
    PNDIS_BUFFER Header;       /* Frame[0..14) */
    PNDIS_BUFFER Data;         /* Frame[14..), length adjusted per frame */
    ULONG Target;              /* VELAN index, or IMX_ALL_VELANS */
    UCHAR Frame[IMX_FRAME_STRIDE];
} IMX_COPY, *PIMX_COPY;

/* ProtocolReserved of a copy while NdisTransferData fills it. */
typedef struct _IMX_COPY_TAG {
    PIMX_COPY Copy;
} IMX_COPY_TAG, *PIMX_COPY_TAG;
#define IMX_COPY_TAG_OF(_P) ((PIMX_COPY_TAG)(_P)->ProtocolReserved)

typedef struct _IMX_ADAPT {
    LIST_ENTRY Link;                  /* ImxGlobals.Adapters (newest first), until unload */
    CHAR LowerName[IMX_NAME_CHARS];

    NDIS_HANDLE BindingHandle;
    UINT MediumIndex;
    NDIS_STATUS OpenStatus;
    NDIS_STATUS OpenErrorStatus;
    NDIS_EVENT OpenDone;
    NDIS_STATUS CloseStatus;
    NDIS_EVENT CloseDone;
    /* Bind-time requests (PASSIVE_LEVEL, one at a time) */
    NDIS_REQUEST Request;
    NDIS_STATUS RequestStatus;
    NDIS_EVENT RequestDone;

    /* What the lower adapter told us */
    UCHAR Mac[IMX_ETH_ADDRESS];
    ULONG MaxFrameSize;
    ULONG LinkSpeed;
    ULONG MaxSendPackets;
    volatile ULONG MediaState;        /* NdisMediaStateConnected / Disconnected, from ProtocolStatus */

    ULONG VElanCount;
    PIMX_VELAN VElans[IMMUX_MAX_VELANS];

    NDIS_SPIN_LOCK SendLock;
    PNDIS_PACKET FreeSends;
    NDIS_SPIN_LOCK RecvLock;
    PNDIS_PACKET FreeReceives;
    PIMX_COPY FreeCopies;

    NDIS_HANDLE SendPool;
    NDIS_HANDLE ReceivePool;
    NDIS_HANDLE CopyPool;
    NDIS_HANDLE BufferPool;
    PIMX_COPY CopyMemory;

    volatile LONG64 Counters[sizeof(IMMUX_ADAPTER_STATS) / sizeof(ULONG64)];
} IMX_ADAPT, *PIMX_ADAPT;

#define ImxAdaptCount(_A, _F) InterlockedIncrement64(&(_A)->Counters[FIELD_OFFSET(IMMUX_ADAPTER_STATS, _F) / 8])
#define ImxAdaptSet(_A, _F, _V) ((_A)->Counters[FIELD_OFFSET(IMMUX_ADAPTER_STATS, _F) / 8] = (LONG64)(_V))
#define ImxCount(_V, _F) InterlockedIncrement64(&(_V)->Counters[FIELD_OFFSET(IMMUX_VELAN_STATS, _F) / 8])
#define ImxAdd(_V, _F, _N) InterlockedExchangeAdd64(&(_V)->Counters[FIELD_OFFSET(IMMUX_VELAN_STATS, _F) / 8], (LONG64)(_N))
#define ImxSet(_V, _F, _X) ((_V)->Counters[FIELD_OFFSET(IMMUX_VELAN_STATS, _F) / 8] = (LONG64)(_X))

typedef struct _IMX_GLOBALS {
    NDIS_HANDLE WrapperHandle;
    NDIS_HANDLE DriverHandle;
    NDIS_HANDLE ProtocolHandle;
    NDIS_SPIN_LOCK Lock;
    LIST_ENTRY Adapters;
    volatile LONG64 Sequence;
} IMX_GLOBALS;
extern IMX_GLOBALS ImxGlobals;

/* ---- immux_protocol.c ------------------------------------------------------------------------ */
VOID ImxBindAdapter(PNDIS_STATUS Status, NDIS_HANDLE BindContext, PNDIS_STRING DeviceName, PVOID SystemSpecific1,
    PVOID SystemSpecific2);
VOID ImxUnbindAdapter(PNDIS_STATUS Status, NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE UnbindContext);
VOID ImxOpenAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status, NDIS_STATUS OpenErrorStatus);
VOID ImxCloseAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status);
VOID ImxResetComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status);
VOID ImxRequestComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_REQUEST NdisRequest, NDIS_STATUS Status);
VOID ImxStatus(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS GeneralStatus, PVOID StatusBuffer,
    UINT StatusBufferSize);
VOID ImxStatusComplete(NDIS_HANDLE ProtocolBindingContext);
NDIS_STATUS ImxPnPEvent(NDIS_HANDLE ProtocolBindingContext, PNET_PNP_EVENT NetPnPEvent);
VOID ImxUnloadProtocol(VOID);

/* ---- immux_miniport.c ------------------------------------------------------------------------ */
NDIS_STATUS ImxInitialize(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray,
    UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE WrapperConfigurationContext);
VOID ImxHalt(NDIS_HANDLE MiniportAdapterContext);
NDIS_STATUS ImxReset(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext);
NDIS_STATUS ImxQueryInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesWritten, PULONG BytesNeeded);
NDIS_STATUS ImxSetInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesRead, PULONG BytesNeeded);

/* ---- immux_data.c ---------------------------------------------------------------------------- */
NDIS_STATUS ImxAllocateDataPath(PIMX_ADAPT Adapt);
VOID ImxFreeDataPath(PIMX_ADAPT Adapt);
VOID ImxSendPackets(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray, UINT NumberOfPackets);
VOID ImxSendComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status);
INT ImxReceivePacket(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet);
NDIS_STATUS ImxReceive(NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE MacReceiveContext, PVOID HeaderBuffer,
    UINT HeaderBufferSize, PVOID LookAheadBuffer, UINT LookaheadBufferSize, UINT PacketSize);
VOID ImxReceiveComplete(NDIS_HANDLE ProtocolBindingContext);
VOID ImxTransferDataComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status,
    UINT BytesTransferred);
VOID ImxReturnPacket(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet);

LONG64 ImxNextSequence(VOID);

/* The VELAN's handle when it may indicate (up, D0, not halting), else NULL. */
FORCEINLINE NDIS_HANDLE ImxUpperHandle(PIMX_VELAN VElan)
{
    NDIS_HANDLE Handle = VElan->MiniportHandle;
    if (VElan->Halting || VElan->DeviceState > NdisDeviceStateD0)
        return NULL;
    return Handle;
}

#pragma GCC visibility pop

#endif /* IMMUX_H */
