/* oid.c — the tapnic adapter's object identifiers: MiniportQueryInformation and
 * MiniportSetInformation for the general and 802.3 OIDs, and the packet filter and multicast
 * list applied to the TAP (issue 6 deliverable 1; seed 003 §2.4.3). Information buffers are
 * untrusted: every length is checked before the buffer is touched, values move with
 * NdisMoveMemory (no alignment assumed). */
#include "tapnic.h"

static const NDIS_OID TapnicSupportedOids[] = {
    OID_GEN_SUPPORTED_LIST,
    OID_GEN_HARDWARE_STATUS,
    OID_GEN_MEDIA_SUPPORTED,
    OID_GEN_MEDIA_IN_USE,
    OID_GEN_MAXIMUM_LOOKAHEAD,
    OID_GEN_MAXIMUM_FRAME_SIZE,
    OID_GEN_MAXIMUM_TOTAL_SIZE,
    OID_GEN_LINK_SPEED,
    OID_GEN_TRANSMIT_BUFFER_SPACE,
    OID_GEN_RECEIVE_BUFFER_SPACE,
    OID_GEN_TRANSMIT_BLOCK_SIZE,
    OID_GEN_RECEIVE_BLOCK_SIZE,
    OID_GEN_VENDOR_ID,
    OID_GEN_VENDOR_DESCRIPTION,
    OID_GEN_VENDOR_DRIVER_VERSION,
    OID_GEN_DRIVER_VERSION,
    OID_GEN_CURRENT_PACKET_FILTER,
    OID_GEN_CURRENT_LOOKAHEAD,
    OID_GEN_PROTOCOL_OPTIONS,
    OID_GEN_MAC_OPTIONS,
    OID_GEN_MEDIA_CONNECT_STATUS,
    OID_GEN_MAXIMUM_SEND_PACKETS,
    OID_GEN_XMIT_OK,
    OID_GEN_RCV_OK,
    OID_GEN_XMIT_ERROR,
    OID_GEN_RCV_ERROR,
    OID_GEN_RCV_NO_BUFFER,
    OID_802_3_PERMANENT_ADDRESS,
    OID_802_3_CURRENT_ADDRESS,
    OID_802_3_MULTICAST_LIST,
    OID_802_3_MAXIMUM_LIST_SIZE,
    OID_802_3_RCV_ERROR_ALIGNMENT,
    OID_802_3_XMIT_ONE_COLLISION,
    OID_802_3_XMIT_MORE_COLLISIONS,
};

#define TAPNIC_PACKET_FILTERS \
    (NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST | NDIS_PACKET_TYPE_ALL_MULTICAST | \
     NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_PROMISCUOUS | NDIS_PACKET_TYPE_ALL_LOCAL)

/* Sends that can be in MiniportSendPackets at once: writes complete inline, so this only says
 * how large an array is worth passing. */
#define TAPNIC_MAX_SEND_PACKETS 64

static const UCHAR TapnicBroadcast[TAPNIC_ETH_ADDRESS] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };

static NDIS_STATUS TapnicAnswer(PVOID Buffer, ULONG Length, const VOID *Data, ULONG DataLength, PULONG Written,
    PULONG Needed)
{
    if (Length < DataLength) {
        *Written = 0;
        *Needed = DataLength;
        return NDIS_STATUS_INVALID_LENGTH;
    }
    if (DataLength != 0)
        NdisMoveMemory(Buffer, Data, DataLength);
    *Written = DataLength;
    *Needed = 0;
    return NDIS_STATUS_SUCCESS;
}

/* 64-bit when the buffer holds 8 bytes, 32-bit (truncated) when it holds 4, as NDIS 5.1
 * statistics OIDs allow. */
static NDIS_STATUS TapnicAnswerCounter(PVOID Buffer, ULONG Length, LONG64 Value, PULONG Written, PULONG Needed)
{
    ULONG64 Value64 = (ULONG64)Value;
    ULONG Value32 = (ULONG)Value64;

    if (Length >= sizeof(ULONG64))
        return TapnicAnswer(Buffer, Length, &Value64, sizeof(Value64), Written, Needed);
    if (Length >= sizeof(ULONG))
        return TapnicAnswer(Buffer, Length, &Value32, sizeof(Value32), Written, Needed);
    *Written = 0;
    *Needed = sizeof(ULONG64);
    return NDIS_STATUS_INVALID_LENGTH;
}

/* A receive counter, read under RxLock (64-bit values written on another processor). */
static LONG64 TapnicRxCounter(PTAPNIC_ADAPTER Adapter, const LONG64 *Counter)
{
    LONG64 Value;

    NdisAcquireSpinLock(&Adapter->RxLock);
    Value = *Counter;
    NdisReleaseSpinLock(&Adapter->RxLock);
    return Value;
}

static NDIS_STATUS TapnicQuery(PTAPNIC_ADAPTER Adapter, NDIS_OID Oid, PVOID Buffer, ULONG Length, PULONG Written,
    PULONG Needed)
{
    const ULONG FrameBytes = Adapter->Config.Mtu + TAPNIC_ETH_HEADER;
    NDIS_HARDWARE_STATUS Hardware = NdisHardwareStatusReady;
    NDIS_MEDIUM Medium = NdisMedium802_3;
    NDIS_MEDIA_STATE MediaState;
    USHORT DriverVersion;
    UCHAR VendorId[4];
    ULONG Value = 0;

    switch (Oid) {
    case OID_GEN_SUPPORTED_LIST:
        return TapnicAnswer(Buffer, Length, TapnicSupportedOids, sizeof(TapnicSupportedOids), Written, Needed);
    case OID_GEN_HARDWARE_STATUS:
        return TapnicAnswer(Buffer, Length, &Hardware, sizeof(Hardware), Written, Needed);
    case OID_GEN_MEDIA_SUPPORTED:
    case OID_GEN_MEDIA_IN_USE:
        return TapnicAnswer(Buffer, Length, &Medium, sizeof(Medium), Written, Needed);
    case OID_GEN_MAXIMUM_LOOKAHEAD:
    case OID_GEN_MAXIMUM_FRAME_SIZE:
        Value = Adapter->Config.Mtu;
        break;
    case OID_GEN_MAXIMUM_TOTAL_SIZE:
    case OID_GEN_TRANSMIT_BLOCK_SIZE:
    case OID_GEN_RECEIVE_BLOCK_SIZE:
        Value = FrameBytes;
        break;
    case OID_GEN_LINK_SPEED:
        Value = Adapter->Config.LinkSpeedMbps * 10000U; /* 100 bps units */
        break;
    case OID_GEN_TRANSMIT_BUFFER_SPACE:
        Value = TAPNIC_MAX_SEND_PACKETS * FrameBytes;
        break;
    case OID_GEN_RECEIVE_BUFFER_SPACE:
        Value = Adapter->Config.ReceiveBuffers * FrameBytes;
        break;
    case OID_GEN_VENDOR_ID:
        NdisMoveMemory(VendorId, Adapter->PermanentAddress, 3);
        VendorId[3] = 0;
        return TapnicAnswer(Buffer, Length, VendorId, sizeof(VendorId), Written, Needed);
    case OID_GEN_VENDOR_DESCRIPTION:
        return TapnicAnswer(Buffer, Length, TAPNIC_VENDOR_DESCRIPTION, sizeof(TAPNIC_VENDOR_DESCRIPTION), Written,
            Needed);
    case OID_GEN_VENDOR_DRIVER_VERSION:
        Value = TAPNIC_VENDOR_DRIVER_VERSION;
        break;
    case OID_GEN_DRIVER_VERSION:
        DriverVersion = TAPNIC_NDIS_VERSION;
        return TapnicAnswer(Buffer, Length, &DriverVersion, sizeof(DriverVersion), Written, Needed);
    case OID_GEN_CURRENT_PACKET_FILTER:
        Value = Adapter->PacketFilter;
        break;
    case OID_GEN_CURRENT_LOOKAHEAD:
        Value = Adapter->CurrentLookahead;
        break;
    case OID_GEN_MAC_OPTIONS:
        /* Received frames are whole in one buffer; NDIS loops sends back to other bindings. */
        Value = NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA | NDIS_MAC_OPTION_TRANSFERS_NOT_PEND |
            NDIS_MAC_OPTION_NO_LOOPBACK | NDIS_MAC_OPTION_FULL_DUPLEX;
        break;
    case OID_GEN_MEDIA_CONNECT_STATUS:
        MediaState = Adapter->MediaState;
        return TapnicAnswer(Buffer, Length, &MediaState, sizeof(MediaState), Written, Needed);
    case OID_GEN_MAXIMUM_SEND_PACKETS:
        Value = TAPNIC_MAX_SEND_PACKETS;
        break;
    case OID_GEN_XMIT_OK:
        return TapnicAnswerCounter(Buffer, Length, Adapter->TxFrames, Written, Needed);
    case OID_GEN_XMIT_ERROR:
        return TapnicAnswerCounter(Buffer, Length, Adapter->TxErrors, Written, Needed);
    case OID_GEN_RCV_OK:
        return TapnicAnswerCounter(Buffer, Length, TapnicRxCounter(Adapter, &Adapter->RxFrames), Written, Needed);
    case OID_GEN_RCV_ERROR:
        return TapnicAnswerCounter(Buffer, Length, TapnicRxCounter(Adapter, &Adapter->RxErrors), Written, Needed);
    case OID_GEN_RCV_NO_BUFFER:
        return TapnicAnswerCounter(Buffer, Length, TapnicRxCounter(Adapter, &Adapter->RxNoBuffer), Written, Needed);
    case OID_802_3_RCV_ERROR_ALIGNMENT:
    case OID_802_3_XMIT_ONE_COLLISION:
    case OID_802_3_XMIT_MORE_COLLISIONS:
        return TapnicAnswerCounter(Buffer, Length, 0, Written, Needed);
    case OID_802_3_PERMANENT_ADDRESS:
        return TapnicAnswer(Buffer, Length, Adapter->PermanentAddress, TAPNIC_ETH_ADDRESS, Written, Needed);
    case OID_802_3_CURRENT_ADDRESS:
        return TapnicAnswer(Buffer, Length, Adapter->CurrentAddress, TAPNIC_ETH_ADDRESS, Written, Needed);
    case OID_802_3_MULTICAST_LIST:
        return TapnicAnswer(Buffer, Length, Adapter->MulticastList, Adapter->MulticastCount * TAPNIC_ETH_ADDRESS,
            Written, Needed);
    case OID_802_3_MAXIMUM_LIST_SIZE:
        Value = TAPNIC_MAX_MULTICAST;
        break;
    default:
        *Written = 0;
        *Needed = 0;
        return NDIS_STATUS_NOT_SUPPORTED;
    }
    return TapnicAnswer(Buffer, Length, &Value, sizeof(Value), Written, Needed);
}

VOID TapnicApplyReceiveFilter(PTAPNIC_ADAPTER Adapter)
{
    UCHAR Addresses[2 + TAPNIC_MAX_MULTICAST][TAPNIC_ETH_ADDRESS];
    ULONG Filter = Adapter->PacketFilter;
    BOOLEAN All = (Filter & (NDIS_PACKET_TYPE_PROMISCUOUS | NDIS_PACKET_TYPE_ALL_LOCAL)) != 0 || Filter == 0;
    UINT Count = 0;
    INT Failure;

    C_ASSERT(2 + TAPNIC_MAX_MULTICAST <= TAP_MAX_FILTER);
    if (!All) {
        if (Filter & NDIS_PACKET_TYPE_DIRECTED)
            NdisMoveMemory(Addresses[Count++], Adapter->CurrentAddress, TAPNIC_ETH_ADDRESS);
        if (Filter & NDIS_PACKET_TYPE_BROADCAST)
            NdisMoveMemory(Addresses[Count++], TapnicBroadcast, TAPNIC_ETH_ADDRESS);
        if (Filter & NDIS_PACKET_TYPE_MULTICAST) {
            NdisMoveMemory(Addresses[Count], Adapter->MulticastList, Adapter->MulticastCount * TAPNIC_ETH_ADDRESS);
            Count += Adapter->MulticastCount;
        }
        /* The kernel reads an empty list as "no filter": a filter that names nothing keeps our
         * own address, the narrowest list there is. */
        if (Count == 0 && (Filter & NDIS_PACKET_TYPE_ALL_MULTICAST) == 0)
            NdisMoveMemory(Addresses[Count++], Adapter->CurrentAddress, TAPNIC_ETH_ADDRESS);
    }
    Failure = tap_set_rx_filter(&Adapter->Tap, All, (Filter & NDIS_PACKET_TYPE_ALL_MULTICAST) != 0,
        &Addresses[0][0], Count);
    if (Failure != 0)
        DbgPrint("tapnic: %s: TUNSETTXFILTER failed (%d); Linux hands over every frame\n", Adapter->Tap.name,
            -Failure);
}

static NDIS_STATUS TapnicSetUlong(PVOID Buffer, ULONG Length, PULONG Value, PULONG Read, PULONG Needed)
{
    if (Length < sizeof(ULONG)) {
        *Read = 0;
        *Needed = sizeof(ULONG);
        return NDIS_STATUS_INVALID_LENGTH;
    }
    NdisMoveMemory(Value, Buffer, sizeof(ULONG));
    *Read = sizeof(ULONG);
    *Needed = 0;
    return NDIS_STATUS_SUCCESS;
}

static NDIS_STATUS TapnicSet(PTAPNIC_ADAPTER Adapter, NDIS_OID Oid, PVOID Buffer, ULONG Length, PULONG Read,
    PULONG Needed)
{
    NDIS_STATUS Status;
    ULONG Value;

    *Read = 0;
    *Needed = 0;
    switch (Oid) {
    case OID_GEN_CURRENT_PACKET_FILTER:
        Status = TapnicSetUlong(Buffer, Length, &Value, Read, Needed);
        if (Status != NDIS_STATUS_SUCCESS)
            return Status;
        if (Value & ~TAPNIC_PACKET_FILTERS)
            return NDIS_STATUS_NOT_SUPPORTED;
        Adapter->PacketFilter = Value;
        TapnicApplyReceiveFilter(Adapter);
        return NDIS_STATUS_SUCCESS;

    case OID_GEN_CURRENT_LOOKAHEAD:
        Status = TapnicSetUlong(Buffer, Length, &Value, Read, Needed);
        if (Status != NDIS_STATUS_SUCCESS)
            return Status;
        if (Value > Adapter->Config.Mtu)
            return NDIS_STATUS_INVALID_DATA;
        Adapter->CurrentLookahead = Value;
        return NDIS_STATUS_SUCCESS;

    case OID_GEN_PROTOCOL_OPTIONS:
        Status = TapnicSetUlong(Buffer, Length, &Value, Read, Needed);
        if (Status == NDIS_STATUS_SUCCESS)
            Adapter->ProtocolOptions = Value;
        return Status;

    case OID_802_3_MULTICAST_LIST:
        if (Length % TAPNIC_ETH_ADDRESS != 0) {
            *Needed = (Length / TAPNIC_ETH_ADDRESS + 1) * TAPNIC_ETH_ADDRESS;
            return NDIS_STATUS_INVALID_LENGTH;
        }
        if (Length / TAPNIC_ETH_ADDRESS > TAPNIC_MAX_MULTICAST) {
            *Needed = TAPNIC_MAX_MULTICAST * TAPNIC_ETH_ADDRESS;
            return NDIS_STATUS_MULTICAST_FULL;
        }
        if (Length != 0)
            NdisMoveMemory(Adapter->MulticastList, Buffer, Length);
        Adapter->MulticastCount = Length / TAPNIC_ETH_ADDRESS;
        *Read = Length;
        TapnicApplyReceiveFilter(Adapter);
        return NDIS_STATUS_SUCCESS;

    default:
        return NDIS_STATUS_NOT_SUPPORTED;
    }
}

/* MiniportQueryInformation (ndis.h) — seed 003 §2.4.3.2 — IRQL <= DISPATCH_LEVEL; one request
 * at a time. Short buffers: NDIS_STATUS_INVALID_LENGTH with *BytesNeeded; unknown OIDs:
 * NDIS_STATUS_NOT_SUPPORTED. Never pends. */
NDIS_STATUS TapnicQueryInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesWritten, PULONG BytesNeeded)
{
    return TapnicQuery((PTAPNIC_ADAPTER)MiniportAdapterContext, Oid, InformationBuffer, InformationBufferLength,
        BytesWritten, BytesNeeded);
}

/* MiniportSetInformation (ndis.h) — seed 003 §2.4.3.2 — IRQL <= DISPATCH_LEVEL; one request at a
 * time. CURRENT_PACKET_FILTER and 802.3 MULTICAST_LIST also program the TAP's filter. */
NDIS_STATUS TapnicSetInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesRead, PULONG BytesNeeded)
{
    return TapnicSet((PTAPNIC_ADAPTER)MiniportAdapterContext, Oid, InformationBuffer, InformationBufferLength,
        BytesRead, BytesNeeded);
}
