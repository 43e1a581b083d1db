/* afxdp.h — private definitions of the afxdp NIC miniport (issue 6, deliverable 1; seed 003
 * §2.3–§2.8, §2.12): configuration, the adapter block and the entry points each file provides.
 *
 * Execution: both io events of an adapter (the AF_XDP socket and the rtnetlink socket) are served
 * by one processor, so the receive drain, the transmit poll on WRITABLE and the link handler never
 * run concurrently with each other (strata/io_event.h). MiniportSendPackets, MiniportReturnPacket,
 * the back-off timer and requests run on any processor.
 *
 * Locking (per adapter; nothing driver-wide is taken on the packet path):
 *   Adapter->FillLock  the fill ring (the receive drain and MiniportReturnPacket both refill it)
 *                      and the count of packets protocols hold.
 *   Adapter->TxLock    the transmit and completion rings, the free transmit frames, the queue of
 *                      sends waiting for a frame, the socket's event mask and Halting.
 * The receive ring belongs to the io processor alone. No lock is held while NDIS is called. */
#ifndef AFXDP_H
#define AFXDP_H

#include <ndis.h>
#include <strata/io_event.h>

#include "xdp_port.h"

#pragma GCC visibility push(hidden)

#define AFXDP_TAG                   0x50445841U /* 'AXDP' */
#define AFXDP_VENDOR_DESCRIPTION    "Strata AF_XDP Ethernet adapter"
#define AFXDP_VENDOR_DRIVER_VERSION 0x00010000U /* 1.0: major in the high word */
#define AFXDP_NDIS_VERSION          0x0501      /* OID_GEN_DRIVER_VERSION (a USHORT) */
#define AFXDP_EVENT_MESSAGE         ((NDIS_STATUS)0xE0000001L) /* event log: one line of text */

#define AFXDP_ETH_HEADER            14
#define AFXDP_VLAN_TAG              4           /* a tagged frame may carry MTU + 18 bytes */
#define AFXDP_ETH_ADDRESS           ETH_LENGTH_OF_ADDRESS
#define AFXDP_MAX_MULTICAST         32          /* OID_802_3_MAXIMUM_LIST_SIZE */
#define AFXDP_RX_BATCH              64          /* packets per NdisMIndicateReceivePacket */
#define AFXDP_RX_ROUNDS             8           /* batches one handler run drains before yielding */
#define AFXDP_RX_POLL_AFTER         8           /* frames in one run that make it wait for more */
#define AFXDP_RX_POLL_US            20          /* how long it waits for the next frame */
#define AFXDP_TX_BATCH              64          /* frames posted or reaped per pass */
#define AFXDP_IDLE_POLLS            64          /* WRITABLE polls without progress before backing off */
#define AFXDP_BACKOFF_MS            1           /* then the timer polls the completion ring */
#define AFXDP_DEFAULT_SPEED_MBPS    1000        /* when ethtool does not know the speed */
#define AFXDP_HALT_SEND_WAIT_MS     1000        /* how long MiniportHalt lets posted frames finish */
#define AFXDP_HALT_RETURN_WAIT_MS   10000       /* how long MiniportHalt waits for packet returns */

/* Registry parameters, read once in MiniportInitialize (afxdp.c documents them). */
typedef struct _AFXDP_CONFIG {
    char Interface[XP_IFNAME_BYTES];
    ULONG Queue;
    ULONG ZeroCopy;
    ULONG XdpMode;
    ULONG FrameSize;
    ULONG ReceiveBuffers;
    ULONG TransmitBuffers;
} AFXDP_CONFIG, *PAFXDP_CONFIG;

/* MiniportReserved of our packets: a receive packet's UMEM frame, and the queue link of a send
 * waiting for a transmit frame. */
typedef struct _AFXDP_RESERVED {
    PNDIS_PACKET Next;
    ULONG_PTR Frame;
} AFXDP_RESERVED;
C_ASSERT(sizeof(AFXDP_RESERVED) <= RTL_FIELD_SIZE(NDIS_PACKET, MiniportReserved));
#define AFXDP_RESERVED(_Packet) ((AFXDP_RESERVED *)(_Packet)->MiniportReserved)

typedef struct _AFXDP_ADAPTER {
    NDIS_HANDLE MiniportHandle;
    AFXDP_CONFIG Config;
    INT IfIndex;
    ULONG Mtu;
    ULONG MaxFrame;             /* MTU + Ethernet header: the largest frame we send */
    ULONG FrameSize;            /* UMEM frame size actually used */
    ULONG FrameShift;           /* log2(FrameSize) */
    ULONG LinkSpeedMbps;
    UCHAR PermanentAddress[AFXDP_ETH_ADDRESS];
    struct xp_port *Port;
    INT LinkFd;
    NDIS_HANDLE PortEvent;      /* the receive socket */
    NDIS_HANDLE TxEvent;        /* the transmit socket: WRITABLE or paused (Writable) */
    KDPC RxPollDpc;             /* drains the receive ring again while a stream lasts */
    BOOLEAN RxPolling;          /* the receive socket's watch is paused: RxPollDpc polls
                                   (written by the io processor only, under TxLock) */
    NDIS_HANDLE LinkEvent;

    /* OID state: NDIS passes one request at a time to a miniport. */
    ULONG PacketFilter;
    ULONG CurrentLookahead;
    ULONG ProtocolOptions;
    ULONG Memberships;          /* XP_MEMBER_PROMISC/ALLMULTI bits applied to the interface */
    ULONG MulticastCount;
    UCHAR MulticastList[AFXDP_MAX_MULTICAST][AFXDP_ETH_ADDRESS];
    volatile NDIS_MEDIA_STATE MediaState; /* written by the link handler only */

    /* Receive side. Frames 0 .. ReceiveBuffers-1 of the UMEM; RxPackets[i] describes frame i. */
    NDIS_SPIN_LOCK FillLock;
    PNDIS_PACKET *RxPackets;
    NDIS_HANDLE RxPacketPool;
    NDIS_HANDLE RxBufferPool;
    LONG RxOutstanding;         /* indicated packets not yet back, under FillLock */
    BOOLEAN ReturnsWanted;      /* MiniportHalt waits for ReturnsIdle, under FillLock */
    NDIS_EVENT ReturnsIdle;     /* set when ReturnsWanted and the last packet comes back */
    ULONG64 RxFrames;           /* written by the io processor only */
    ULONG64 RxBytes;
    ULONG64 RxErrors;
    ULONG64 RxIndicatedResources;

    /* Transmit side, under TxLock. Frames ReceiveBuffers .. +TransmitBuffers-1 of the UMEM. */
    NDIS_SPIN_LOCK TxLock;
    PNDIS_PACKET *TxPackets;    /* by transmit frame: the send it carries until completed */
    PULONG TxFree;              /* free transmit frames (indexes from 0), a stack */
    ULONG TxFreeCount;
    ULONG TxInFlight;           /* frames posted and not yet completed */
    PNDIS_PACKET TxWaitHead;    /* sends waiting for a frame, linked through AFXDP_RESERVED */
    PNDIS_PACKET TxWaitTail;
    ULONG TxWaitCount;
    BOOLEAN Writable;           /* the transmit socket is watched for WRITABLE: completions are polled */
    BOOLEAN BackingOff;         /* WRITABLE is off and TxTimer polls instead */
    BOOLEAN Halting;
    ULONG IdlePolls;
    NDIS_MINIPORT_TIMER TxTimer;
    ULONG64 TxFrames;
    ULONG64 TxBytes;
    ULONG64 TxErrors;
    volatile LONG64 TxKickErrors; /* kicks the kernel refused (other than busy), interlocked */
} AFXDP_ADAPTER, *PAFXDP_ADAPTER;

/* Driver-wide state (afxdp.c): set in DriverEntry, read-only afterwards. */
typedef struct _AFXDP_DRIVER {
    NDIS_HANDLE WrapperHandle;
    PDRIVER_OBJECT DriverObject; /* the event log's handle */
} AFXDP_DRIVER;
extern AFXDP_DRIVER AfxdpDriver;

/* ---- afxdp.c ----------------------------------------------------------------------------------- */
/* One line in the event log (always in the host log) and in DbgPrint: "afxdp: <Text>". */
VOID AfxdpLog(NDIS_STATUS EventCode, const char *Format, ...) __attribute__((format(printf, 2, 3)));

/* ---- adapter.c: MiniportInitialize / Halt / Reset / CheckForHang (§2.4.2, §2.10) --------------- */
NDIS_STATUS AfxdpInitialize(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray,
    UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE WrapperConfigurationContext);
VOID AfxdpHalt(NDIS_HANDLE MiniportAdapterContext);
NDIS_STATUS AfxdpReset(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext);
BOOLEAN AfxdpCheckForHang(NDIS_HANDLE MiniportAdapterContext);
VOID AfxdpPnPEventNotify(NDIS_HANDLE MiniportAdapterContext, NDIS_DEVICE_PNP_EVENT PnPEvent,
    PVOID InformationBuffer, ULONG InformationBufferLength);
VOID AfxdpShutdown(PVOID ShutdownContext);

/* ---- datapath.c: the io handlers, receive indications, returns, sends (§2.7, §2.8) ------------- */
VOID AfxdpPortEvent(PVOID Context, ULONG Events);
VOID AfxdpTxEvent(PVOID Context, ULONG Events);
KDEFERRED_ROUTINE AfxdpRxPollDpc;
VOID AfxdpLinkEvent(PVOID Context, ULONG Events);
VOID AfxdpTxTimer(PVOID SystemSpecific1, PVOID FunctionContext, PVOID SystemSpecific2, PVOID SystemSpecific3);
VOID AfxdpReturnPacket(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet);
VOID AfxdpSendPackets(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray, UINT NumberOfPackets);
/* PASSIVE_LEVEL (MiniportHalt): polls the transmit side until nothing is in flight or the wait
 * is over; returns the sends still not completed. */
ULONG AfxdpDrainSends(PAFXDP_ADAPTER Adapter, ULONG WaitMs);

/* ---- oid.c: MiniportQueryInformation / MiniportSetInformation (§2.4.3) ------------------------- */
NDIS_STATUS AfxdpQueryInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesWritten, PULONG BytesNeeded);
NDIS_STATUS AfxdpSetInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesRead, PULONG BytesNeeded);

#pragma GCC visibility pop

#endif /* AFXDP_H */
