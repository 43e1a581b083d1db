/* loop.h — private definitions of the loop NIC miniport: configuration, the adapter block, the
 * receive ring and the entry points each file provides (seed 003 §2.3–§2.8, §2.12).
 *
 * Locking (seed 003 §2.6: per-adapter locks split into send, receive and shared areas):
 *   LoopDriver.Lock     control path only: the adapter list and wire membership.
 *   Adapter->TxLock     the adapter's peer list and transmit counters; held while a send copies
 *                       its frames into the peers' rings.
 *   Adapter->RxLock     the receive ring (free slots, pending queue), receive counters, the
 *                       queue of pended transfers.
 *   Adapter->SendQLock  send completions queued for the send DPC and the serialized in-flight
 *                       count.
 * Order: LoopDriver.Lock -> TxLock(any) ; TxLock(sender) -> RxLock(peer). No lock is held while
 * NDIS is called (indications and completions may re-enter the miniport). */
#ifndef LOOP_H
#define LOOP_H

#include <ndis.h>
#include "loop_hooks.h"

/* Like a Windows driver image, loop.sys exports only DriverEntry and its hooks: everything
 * declared from here on stays inside the image. */
#pragma GCC visibility push(hidden)

#define LOOP_TAG               0x706F6F4CU /* 'pooL', shows as "Loop" in pool listings */
#define LOOP_VENDOR_DESCRIPTION "Strata loop virtual Ethernet adapter"
#define LOOP_VENDOR_DRIVER_VERSION 0x00010000U /* 1.0: major in the high word */
#define LOOP_NDIS_VERSION      0x0501      /* OID_GEN_DRIVER_VERSION (a USHORT) */

#define LOOP_ETH_HEADER        14
#define LOOP_ETH_ADDRESS       ETH_LENGTH_OF_ADDRESS
#define LOOP_MAX_DATA          1500
#define LOOP_MAX_FRAME         (LOOP_ETH_HEADER + LOOP_MAX_DATA)
#define LOOP_SLOT_BYTES        1536        /* a receive slot's frame area */

#define LOOP_MAX_PEERS         64          /* adapters on one wire, the sender included */
#define LOOP_TX_CHUNK          32          /* packets a send copies to the wire per lock hold */
#define LOOP_INDICATE_BATCH    32          /* slots the receive DPC indicates per call */
#define LOOP_DPC_BATCHES       8           /* batches per DPC run before it requeues itself */
#define LOOP_MAX_BATCH         256         /* LoopIndicateFrames' largest Batch */
#define LOOP_HALT_RETURN_WAIT_MS 10000     /* how long MiniportHalt waits for packet returns */

/* IndicationStyle values */
#define LOOP_INDICATE_PACKETS    0 /* NdisMIndicateReceivePacket, status SUCCESS */
#define LOOP_INDICATE_LOOKAHEAD  1 /* NdisMEthIndicateReceive + MiniportTransferData */
#define LOOP_INDICATE_RESOURCES  2 /* NdisMIndicateReceivePacket, status RESOURCES */

/* Registry parameters, read once in MiniportInitialize (see loop.c for their meaning). */
typedef struct _LOOP_CONFIG {
    ULONG Wire;
    ULONG LinkSpeedMbps;
    ULONG Serialized;
    ULONG TxRingSize;
    ULONG IndicationStyle;
    ULONG LookaheadBytes;
    ULONG TransferPends;
    ULONG SendCompletion;
    ULONG RequestsPend;
    ULONG ReceiveBuffers;
    ULONG MaxMulticastList;
    ULONG CheckForHangSeconds;
    ULONG PowerManagement;
    ULONG NoHaltOnSuspend;
    BOOLEAN HasNetworkAddress;
    UCHAR NetworkAddress[LOOP_ETH_ADDRESS];
} LOOP_CONFIG, *PLOOP_CONFIG;

/* The miniport's use of MiniportReserved in packets it owns: its own receive packets, and
 * protocol packets handed to MiniportSendPackets / MiniportTransferData until completed. */
typedef struct _LOOP_PACKET_RESERVED {
    PNDIS_PACKET Next; /* completion queue link */
    ULONG_PTR Value;   /* receive packet: its slot; send: final status; transfer: bytes */
} LOOP_PACKET_RESERVED, *PLOOP_PACKET_RESERVED;
C_ASSERT(sizeof(LOOP_PACKET_RESERVED) <= RTL_FIELD_SIZE(NDIS_PACKET, MiniportReserved));
#define LOOP_RESERVED(_Packet) ((PLOOP_PACKET_RESERVED)(_Packet)->MiniportReserved)

typedef struct _LOOP_PACKET_QUEUE {
    PNDIS_PACKET Head;
    PNDIS_PACKET Tail;
} LOOP_PACKET_QUEUE, *PLOOP_PACKET_QUEUE;

/* One receive buffer: a frame area with its packet and buffer descriptors, chained for good
 * at initialisation. A slot is free, pending (copied in, waiting for the DPC) or indicated. */
typedef struct _LOOP_RX_SLOT {
    struct _LOOP_RX_SLOT *Next; /* free list or pending queue, under RxLock */
    PNDIS_PACKET Packet;
    PNDIS_BUFFER Buffer;
    UINT Length;                /* frame bytes in Data */
    UINT ChainedLength;         /* the buffer length the packet's counts were computed with */
    UCHAR Data[LOOP_SLOT_BYTES];
} LOOP_RX_SLOT, *PLOOP_RX_SLOT;

typedef struct _LOOP_ADAPTER {
    LIST_ENTRY Link;            /* LoopDriver.Adapters, under LoopDriver.Lock */
    NDIS_HANDLE MiniportHandle;
    ULONG Number;               /* driver-wide, names the default MAC address */
    LOOP_CONFIG Config;
    UCHAR PermanentAddress[LOOP_ETH_ADDRESS];
    UCHAR CurrentAddress[LOOP_ETH_ADDRESS];

    /* OID state: NDIS passes one request at a time to a miniport. */
    ULONG PacketFilter;
    volatile ULONG CurrentLookahead; /* also read by the receive path */
    ULONG ProtocolOptions;
    ULONG MulticastCount;
    PUCHAR MulticastList;       /* MaxMulticastList addresses */
    volatile NDIS_MEDIA_STATE MediaState;
    NDIS_STATUS RequestStatus;  /* RequestsPend: result handed to the request DPC */
    volatile NDIS_DEVICE_POWER_STATE PowerState; /* OID_PNP_SET_POWER (LoopGetPower) */
    volatile ULONG QueryPowerCalls;
    volatile ULONG SetPowerCalls;
    ULONG WakeUpEnable;         /* OID_PNP_ENABLE_WAKE_UP */
    BOOLEAN RequestIsSet;
    KDPC RequestDpc;

    /* Transmit side, under TxLock. */
    NDIS_SPIN_LOCK TxLock;
    struct _LOOP_ADAPTER *Peers[LOOP_MAX_PEERS];
    ULONG PeerCount;
    ULONG64 TxFrames;
    ULONG64 TxBytes;
    ULONG64 TxDroppedNoPeer;
    ULONG64 TxErrors;

    /* Send completions, under SendQLock. */
    NDIS_SPIN_LOCK SendQLock;
    LOOP_PACKET_QUEUE SendsToComplete;
    ULONG SendsInFlight;        /* serialized adapters: accepted, not yet completed */
    KDPC SendDpc;

    /* Receive side, under RxLock. */
    NDIS_SPIN_LOCK RxLock;
    PLOOP_RX_SLOT FreeSlots;
    PLOOP_RX_SLOT PendingHead;
    PLOOP_RX_SLOT PendingTail;
    BOOLEAN Indicating;         /* a receive DPC is indicating; others leave it the queue */
    LOOP_PACKET_QUEUE TransfersToComplete;
    ULONG64 RxFrames;
    ULONG64 RxBytes;
    ULONG64 RxDroppedRingFull;
    ULONG64 ReturnsOutstanding;
    KDPC RxDpc;
    KDPC TransferDpc;

    /* Lifetime */
    volatile BOOLEAN Halting;
    volatile LONG DpcsRunning;  /* 1 (MiniportHalt's own) + DPCs running now */
    NDIS_EVENT DpcsIdle;        /* set when DpcsRunning drops to zero (only in MiniportHalt) */
    NDIS_EVENT ReturnsIdle;     /* set when Halting and the last packet comes back */

    /* Resources, owned from MiniportInitialize to MiniportHalt */
    PLOOP_RX_SLOT Slots;
    ULONG SlotCount;
    NDIS_HANDLE PacketPool;
    NDIS_HANDLE BufferPool;
} LOOP_ADAPTER, *PLOOP_ADAPTER;

/* Driver-wide state (loop.c). */
typedef struct _LOOP_DRIVER {
    NDIS_HANDLE WrapperHandle;
    NDIS_SPIN_LOCK Lock;        /* control path only: never taken on the data path */
    LIST_ENTRY Adapters;
    volatile LONG NextAdapterNumber;
} LOOP_DRIVER;
extern LOOP_DRIVER LoopDriver;

/* ---- adapter.c: MiniportInitialize / Halt / Reset / CheckForHang (§2.4.2, §2.10) ---------- */
NDIS_STATUS LoopInitialize(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray,
    UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE WrapperConfigurationContext);
VOID LoopHalt(NDIS_HANDLE MiniportAdapterContext);
NDIS_STATUS LoopReset(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext);
BOOLEAN LoopCheckForHang(NDIS_HANDLE MiniportAdapterContext);
VOID LoopPnPEventNotify(NDIS_HANDLE MiniportAdapterContext, NDIS_DEVICE_PNP_EVENT PnPEvent,
    PVOID InformationBuffer, ULONG InformationBufferLength);
VOID LoopShutdown(PVOID ShutdownContext);
/* Every DPC of the adapter brackets its body with these, so MiniportHalt can wait for it. */
VOID LoopDpcEnter(PLOOP_ADAPTER Adapter);
VOID LoopDpcLeave(PLOOP_ADAPTER Adapter);

/* ---- wire.c: the in-memory Ethernet segment ------------------------------------------------- */
NDIS_STATUS LoopWireAttach(PLOOP_ADAPTER Adapter);
VOID LoopWireDetach(PLOOP_ADAPTER Adapter);
VOID LoopWireTransmit(PLOOP_ADAPTER Adapter, PPNDIS_PACKET Packets, UINT Count, NDIS_STATUS *Statuses);
UINT LoopCopyFromPacket(PNDIS_PACKET Packet, PUCHAR Destination, UINT Length);

/* ---- send.c: MiniportSendPackets and send completion (§2.8) -------------------------------- */
VOID LoopSendPackets(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray, UINT NumberOfPackets);
KDEFERRED_ROUTINE LoopSendDpc;

/* ---- recv.c: receive ring, indications, returns, TransferData (§2.5, §2.7) ----------------- */
NDIS_STATUS LoopRxAllocate(PLOOP_ADAPTER Adapter);
VOID LoopRxFree(PLOOP_ADAPTER Adapter);
VOID LoopRxFromWire(PLOOP_ADAPTER Adapter, PPNDIS_PACKET Packets, const UINT *Lengths, UINT Count);
NDIS_STATUS LoopRxIndicateFrames(PLOOP_ADAPTER Adapter, const UCHAR *Frame, UINT Length, UINT Count, UINT Batch);
VOID LoopReturnPacket(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet);
NDIS_STATUS LoopTransferData(PNDIS_PACKET Packet, PUINT BytesTransferred, NDIS_HANDLE MiniportAdapterContext,
    NDIS_HANDLE MiniportReceiveContext, UINT ByteOffset, UINT BytesToTransfer);
KDEFERRED_ROUTINE LoopRxDpc;
KDEFERRED_ROUTINE LoopTransferDpc;

/* ---- oid.c: MiniportQueryInformation / MiniportSetInformation (§2.4.3) --------------------- */
NDIS_STATUS LoopQueryInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesWritten, PULONG BytesNeeded);
NDIS_STATUS LoopSetInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesRead, PULONG BytesNeeded);
KDEFERRED_ROUTINE LoopRequestDpc;

/* Packet queue helpers, used under the lock that guards the queue. */
FORCEINLINE VOID LoopQueuePush(PLOOP_PACKET_QUEUE Queue, PNDIS_PACKET Packet, ULONG_PTR Value)
{
    LOOP_RESERVED(Packet)->Next = NULL;
    LOOP_RESERVED(Packet)->Value = Value;
    if (Queue->Tail != NULL)
        LOOP_RESERVED(Queue->Tail)->Next = Packet;
    else
        Queue->Head = Packet;
    Queue->Tail = Packet;
}

/* Takes the whole queue; the caller walks it with LOOP_RESERVED(p)->Next. */
FORCEINLINE PNDIS_PACKET LoopQueueTakeAll(PLOOP_PACKET_QUEUE Queue)
{
    PNDIS_PACKET Head = Queue->Head;
    Queue->Head = Queue->Tail = NULL;
    return Head;
}

#pragma GCC visibility pop

#endif /* LOOP_H */
