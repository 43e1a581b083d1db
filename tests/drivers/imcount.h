/* imcount.h — private definitions of imcount, the counting filter intermediate driver used by
 * the IM conformance tests: configuration, the binding block (one lower adapter, one virtual
 * miniport), packet reservations and the entry points each file provides (seed 003 §2.3–§2.8,
 * §2.12).
 *
 * Locking (seed 003 §2.6: per-binding state split into send, receive and shared areas):
 *   ImcGlobals.Lock   control path only: the binding list.
 *   Binding->Lock     shared state: init/halt state, the request slot, the status flags.
 *   Binding->SendLock the free send descriptors.
 *   Binding->RecvLock the free receive descriptors and copies, the queue of copies waiting for
 *                     ProtocolReceiveComplete.
 * No lock is held while NDIS is called. Counters are 64-bit interlocked adds. */
#ifndef IMCOUNT_H
#define IMCOUNT_H

#include <ndis.h>
#include "imcount_hooks.h"

/* Like a Windows driver image, imcount.sys exports only DriverEntry and its hooks. */
#pragma GCC visibility push(hidden)

#define IMC_TAG               0x436D4D49U /* 'IMmC' */
#define IMC_NAME_CHARS        128         /* "\Device\{GUID}" is 46 characters */
#define IMC_ETH_HEADER        14
#define IMC_MAX_FRAME         1514
#define IMC_FRAME_STRIDE      1536
#define IMC_SEND_BATCH        64          /* descriptors per NdisSendPackets call */
#define IMC_WAIT_MS           20000       /* longest wait for packets other drivers hold */
#define IMC_COPY_MAGIC        ((ULONG_PTR)0x79706F43436D4900ULL) /* "\0ImCCopy", marks our copies */

/* Registry parameters of a binding (Services\imcount\Parameters\Adapters\<lower GUID>). */
typedef struct _IMC_CONFIG {
    ULONG DropEveryNth;     /* 0 = off; N: every Nth packet from above is completed, not sent */
    ULONG CopyLookahead;    /* 0: pass partial lookaheads up; 1: NdisTransferData into our copy */
    ULONG SendDescriptors;  /* preallocated send descriptors */
    ULONG ReceiveDescriptors; /* preallocated receive descriptors (shared buffer chains) */
    ULONG Copies;           /* preallocated copy packets with their own frame memory */
} IMC_CONFIG, *PIMC_CONFIG;

/* Virtual-miniport life of a binding. */
typedef enum _IMC_INIT_STATE {
    ImcInitNone,       /* NdisIMInitializeDeviceInstanceEx not called (or it failed) */
    ImcInitPending,    /* asked; MiniportInitialize not run yet */
    ImcInitCancelled,  /* NdisIMCancelInitializeDeviceInstance succeeded */
    ImcInitRunning,    /* MiniportInitialize ran; the virtual miniport is up */
    ImcInitHalted      /* MiniportHalt ran */
} IMC_INIT_STATE;

/* ProtocolReserved of our send descriptors while they are below us. */
typedef struct _IMC_SEND_RESERVED {
    PNDIS_PACKET Original; /* the packet MiniportSendPackets was given */
    PNDIS_PACKET Next;     /* free-list link while idle */
} IMC_SEND_RESERVED, *PIMC_SEND_RESERVED;
#define IMC_SEND_RSVD(_P) ((PIMC_SEND_RESERVED)(_P)->ProtocolReserved)

/* A packet with frame memory of its own: the ProtocolReceive copies. */
typedef struct _IMC_COPY {
    struct _IMC_COPY *Next;    /* free list or the ReceiveComplete queue, under RecvLock */
    PNDIS_PACKET Packet;
    PNDIS_BUFFER Header;       /* maps Frame[0..14) */
    PNDIS_BUFFER Data;         /* maps Frame[14..), length adjusted per frame */
    UCHAR Frame[IMC_FRAME_STRIDE];
} IMC_COPY, *PIMC_COPY;

/* MiniportReserved of the packets we indicate up (we are their miniport). */
typedef struct _IMC_RECV_RESERVED {
    PNDIS_PACKET Original; /* the lower miniport's packet whose buffers we share, or NULL */
    PVOID Link;            /* descriptor: free-list link; copy: its IMC_COPY */
} IMC_RECV_RESERVED, *PIMC_RECV_RESERVED;
C_ASSERT(sizeof(IMC_RECV_RESERVED) <= RTL_FIELD_SIZE(NDIS_PACKET, MiniportReserved));
#define IMC_RECV_RSVD(_P) ((PIMC_RECV_RESERVED)(_P)->MiniportReserved)

/* ProtocolReserved of a copy while it is below us in NdisTransferData. */
typedef struct _IMC_COPY_TAG {
    ULONG_PTR Magic;
    PIMC_COPY Copy;
} IMC_COPY_TAG, *PIMC_COPY_TAG;

typedef struct _IMC_BINDING {
    LIST_ENTRY Link;                  /* ImcGlobals.Bindings (newest first), until unload */
    ULONG Id;
    CHAR LowerName[IMC_NAME_CHARS];   /* ASCII copies for ImCountFindBinding */
    CHAR UpperName[IMC_NAME_CHARS];
    WCHAR UpperChars[IMC_NAME_CHARS];
    NDIS_STRING UpperBindings;        /* the virtual miniport's device name */
    IMC_CONFIG Config;

    /* Lower edge */
    NDIS_HANDLE BindingHandle;        /* NULL when not bound */
    UINT MediumIndex;
    NDIS_STATUS OpenStatus;
    NDIS_STATUS OpenErrorStatus;
    NDIS_EVENT OpenDone;
    NDIS_STATUS CloseStatus;
    NDIS_EVENT CloseDone;

    /* Upper edge, under Lock */
    NDIS_SPIN_LOCK Lock;
    NDIS_HANDLE MiniportHandle;       /* set in MiniportInitialize, cleared in MiniportHalt */
    IMC_INIT_STATE InitState;
    volatile BOOLEAN InsideIMInit;    /* our NdisIMInitializeDeviceInstanceEx call is running */
    volatile BOOLEAN Halting;
    NDIS_EVENT InitDone;              /* MiniportInitialize ran (or the init was cancelled) */
    NDIS_DEVICE_POWER_STATE DeviceState; /* virtual miniport, from OID_PNP_SET_POWER */
    BOOLEAN LookaheadIndicated;       /* NdisMEthIndicateReceiveComplete owed */

    /* The one forwarded request (NDIS gives a miniport one at a time). */
    NDIS_REQUEST Request;
    PULONG RequestBytesDone;
    PULONG RequestBytesNeeded;

    /* Outstanding work the halt waits for */
    volatile LONG SendsOutstanding;
    volatile LONG ReceivesOutstanding;
    NDIS_EVENT SendsIdle;
    NDIS_EVENT ReceivesIdle;
    volatile LONG SendCounter;        /* DropEveryNth */

    /* Send side, under SendLock */
    NDIS_SPIN_LOCK SendLock;
    PNDIS_PACKET FreeSends;

    /* Receive side, under RecvLock */
    NDIS_SPIN_LOCK RecvLock;
    PNDIS_PACKET FreeReceives;
    PIMC_COPY FreeCopies;
    PIMC_COPY QueueHead;              /* copies waiting for ProtocolReceiveComplete */
    PIMC_COPY QueueTail;

    /* Resources, from ProtocolBindAdapter to ProtocolUnbindAdapter */
    NDIS_HANDLE SendPool;
    NDIS_HANDLE ReceivePool;
    NDIS_HANDLE CopyPool;
    NDIS_HANDLE BufferPool;
    PIMC_COPY CopyMemory;

    /* Counters (interlocked) */
    volatile LONG64 Counters[sizeof(IMCOUNT_STATS) / sizeof(ULONG64)];
} IMC_BINDING, *PIMC_BINDING;

#define IMC_COUNTER(_Field) (FIELD_OFFSET(IMCOUNT_STATS, _Field) / sizeof(ULONG64))
#define ImcCount(_B, _Field) InterlockedIncrement64(&(_B)->Counters[IMC_COUNTER(_Field)])
#define ImcAdd(_B, _Field, _N) InterlockedExchangeAdd64(&(_B)->Counters[IMC_COUNTER(_Field)], (LONG64)(_N))
/* "value" members: one writer at a time, an aligned 64-bit store (atomic on x64). */
#define ImcSet(_B, _Field, _V) ((_B)->Counters[IMC_COUNTER(_Field)] = (LONG64)(_V))

typedef struct _IMC_GLOBALS {
    NDIS_HANDLE WrapperHandle;
    NDIS_HANDLE DriverHandle;         /* NdisIMRegisterLayeredMiniport */
    NDIS_HANDLE ProtocolHandle;       /* NdisRegisterProtocol */
    NDIS_SPIN_LOCK Lock;
    LIST_ENTRY Bindings;
    volatile LONG NextId;
    volatile LONG64 Sequence;         /* driver-wide event numbers (UnbindSequence ...) */
} IMC_GLOBALS;
extern IMC_GLOBALS ImcGlobals;

/* ---- imcount_protocol.c: the lower edge's control path (§2.4, §2.4.1, §2.11, §2.12) ---------- */
VOID ImcBindAdapter(PNDIS_STATUS Status, NDIS_HANDLE BindContext, PNDIS_STRING DeviceName, PVOID SystemSpecific1,
    PVOID SystemSpecific2);
VOID ImcUnbindAdapter(PNDIS_STATUS Status, NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE UnbindContext);
VOID ImcOpenAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status, NDIS_STATUS OpenErrorStatus);
VOID ImcCloseAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status);
VOID ImcResetComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status);
VOID ImcRequestComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_REQUEST NdisRequest, NDIS_STATUS Status);
VOID ImcStatus(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS GeneralStatus, PVOID StatusBuffer,
    UINT StatusBufferSize);
VOID ImcStatusComplete(NDIS_HANDLE ProtocolBindingContext);
NDIS_STATUS ImcPnPEvent(NDIS_HANDLE ProtocolBindingContext, PNET_PNP_EVENT NetPnPEvent);
VOID ImcUnloadProtocol(VOID);
LONG64 ImcNextSequence(VOID);

/* ---- imcount_miniport.c: the virtual miniport's control path (§2.4.2, §2.4.3.2) ------------- */
NDIS_STATUS ImcInitialize(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray,
    UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE WrapperConfigurationContext);
VOID ImcHalt(NDIS_HANDLE MiniportAdapterContext);
NDIS_STATUS ImcReset(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext);
NDIS_STATUS ImcQueryInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesWritten, PULONG BytesNeeded);
NDIS_STATUS ImcSetInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesRead, PULONG BytesNeeded);
VOID ImcPnPEventNotify(NDIS_HANDLE MiniportAdapterContext, NDIS_DEVICE_PNP_EVENT PnPEvent, PVOID InformationBuffer,
    ULONG InformationBufferLength);
VOID ImcShutdown(NDIS_HANDLE MiniportAdapterContext);
/* Finishes a forwarded request that NdisRequest completed (inline or in ProtocolRequestComplete). */
NDIS_STATUS ImcFinishRequest(PIMC_BINDING Binding, NDIS_STATUS Status);

/* ---- imcount_data.c: packets both ways (§2.5, §2.5.1, §2.7, §2.8) ----------------------------- */
NDIS_STATUS ImcAllocateDataPath(PIMC_BINDING Binding);
VOID ImcFreeDataPath(PIMC_BINDING Binding);
VOID ImcSendPackets(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray, UINT NumberOfPackets);
VOID ImcSendComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status);
VOID ImcCancelSendPackets(NDIS_HANDLE MiniportAdapterContext, PVOID CancelId);
INT ImcReceivePacket(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet);
NDIS_STATUS ImcReceive(NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE MacReceiveContext, PVOID HeaderBuffer,
    UINT HeaderBufferSize, PVOID LookAheadBuffer, UINT LookaheadBufferSize, UINT PacketSize);
VOID ImcReceiveComplete(NDIS_HANDLE ProtocolBindingContext);
VOID ImcTransferDataComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status,
    UINT BytesTransferred);
NDIS_STATUS ImcTransferData(PNDIS_PACKET Packet, PUINT BytesTransferred, NDIS_HANDLE MiniportAdapterContext,
    NDIS_HANDLE MiniportReceiveContext, UINT ByteOffset, UINT BytesToTransfer);
VOID ImcReturnPacket(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet);

/* The virtual miniport's handle when it is up and may indicate (D0, not halting), else NULL. */
FORCEINLINE NDIS_HANDLE ImcUpperHandle(PIMC_BINDING Binding)
{
    NDIS_HANDLE Handle = Binding->MiniportHandle;
    if (Binding->Halting || Binding->DeviceState > NdisDeviceStateD0)
        return NULL;
    return Handle;
}

#pragma GCC visibility pop

#endif /* IMCOUNT_H */
