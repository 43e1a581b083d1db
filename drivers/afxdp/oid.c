/* oid.c — the afxdp adapter's object identifiers: MiniportQueryInformation and
 * MiniportSetInformation for the general and 802.3 OIDs, answered from the interface (MAC, MTU,
 * link speed, link state) and the socket's counters; the packet filter's promiscuous and
 * all-multicast bits and the multicast list are applied to the interface (seed 003 §2.4.3; issue
 * 6 deliverable 1). Information buffers are untrusted: lengths are checked before use and values
 * are moved with NdisMoveMemory (no alignment is assumed). */
#include "afxdp.h"

static const NDIS_OID AfxdpSupportedOids[] = {
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

/* The packet filter bits an Ethernet NIC honours; others are refused. */
#define AFXDP_PACKET_FILTERS \
    (NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST | NDIS_PACKET_TYPE_ALL_MULTICAST | \
     NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_PROMISCUOUS | NDIS_PACKET_TYPE_ALL_LOCAL)

#define AFXDP_MEMBER_BIT(_Kind) (1UL << (_Kind))

/* Copies a fixed-size answer into the caller's buffer, or says how much is needed. */
static NDIS_STATUS AfxdpAnswer(PVOID InformationBuffer, ULONG InformationBufferLength, const VOID *Data,
    ULONG DataLength, PULONG BytesWritten, PULONG BytesNeeded)
{
    if (InformationBufferLength < DataLength) {
        *BytesWritten = 0;
        *BytesNeeded = DataLength;
        return NDIS_STATUS_INVALID_LENGTH;
    }
    if (DataLength != 0)
        NdisMoveMemory(InformationBuffer, Data, DataLength);
    *BytesWritten = DataLength;
    *BytesNeeded = 0;
    return NDIS_STATUS_SUCCESS;
}

/* Statistics are 64-bit when the buffer holds 8 bytes and 32-bit (truncated) when it holds 4,
 * as NDIS 5.1 statistics OIDs allow. */
static NDIS_STATUS AfxdpAnswerCounter(PVOID InformationBuffer, ULONG InformationBufferLength, ULONG64 Value,
    PULONG BytesWritten, PULONG BytesNeeded)
{
    ULONG Value32 = (ULONG)Value;

    if (InformationBufferLength >= sizeof(ULONG64))
        return AfxdpAnswer(InformationBuffer, InformationBufferLength, &Value, sizeof(Value), BytesWritten,
            BytesNeeded);
    if (InformationBufferLength >= sizeof(ULONG))
        return AfxdpAnswer(InformationBuffer, InformationBufferLength, &Value32, sizeof(Value32), BytesWritten,
            BytesNeeded);
    *BytesWritten = 0;
    *BytesNeeded = sizeof(ULONG64);
    return NDIS_STATUS_INVALID_LENGTH;
}

static ULONG64 AfxdpReadTxCounter(PAFXDP_ADAPTER Adapter, const ULONG64 *Counter)
{
    ULONG64 Value;

    NdisAcquireSpinLock(&Adapter->TxLock);
    Value = *Counter;
    NdisReleaseSpinLock(&Adapter->TxLock);
    return Value;
}

/* Frames the kernel could not hand us: the socket's own drop counters. A frame that found the
 * fill ring empty counts as dropped and as an empty-ring event, so only the first is added. */
static ULONG64 AfxdpKernelDrops(PAFXDP_ADAPTER Adapter)
{
    struct xp_stats Stats;

    if (xp_port_stats(Adapter->Port, &Stats) != 0)
        return 0;
    return Stats.rx_dropped + Stats.rx_ring_full;
}

static ULONG64 AfxdpReceiveErrors(PAFXDP_ADAPTER Adapter)
{
    struct xp_stats Stats;
    /* Written by the io processor alone; a 64-bit aligned read is whole on every target. */
    ULONG64 Errors = *(volatile ULONG64 *)&Adapter->RxErrors;

    if (xp_port_stats(Adapter->Port, &Stats) == 0)
        Errors += Stats.rx_invalid;
    return Errors;
}

static NDIS_STATUS AfxdpQuery(PAFXDP_ADAPTER Adapter, NDIS_OID Oid, PVOID Buffer, ULONG Length, PULONG Written,
    PULONG Needed)
{
    ULONG Value = 0;
    USHORT DriverVersion;
    NDIS_MEDIUM Medium = NdisMedium802_3;
    NDIS_HARDWARE_STATUS Hardware = NdisHardwareStatusReady;
    NDIS_MEDIA_STATE MediaState;
    UCHAR VendorId[4];

    switch (Oid) {
    case OID_GEN_SUPPORTED_LIST:
        return AfxdpAnswer(Buffer, Length, AfxdpSupportedOids, sizeof(AfxdpSupportedOids), Written, Needed);
    case OID_GEN_HARDWARE_STATUS:
        return AfxdpAnswer(Buffer, Length, &Hardware, sizeof(Hardware), Written, Needed);
    case OID_GEN_MEDIA_SUPPORTED:
    case OID_GEN_MEDIA_IN_USE:
        return AfxdpAnswer(Buffer, Length, &Medium, sizeof(Medium), Written, Needed);
    case OID_GEN_MAXIMUM_LOOKAHEAD:
    case OID_GEN_MAXIMUM_FRAME_SIZE:
        Value = Adapter->Mtu;
        break;
    case OID_GEN_MAXIMUM_TOTAL_SIZE:
        Value = Adapter->MaxFrame;
        break;
    case OID_GEN_TRANSMIT_BLOCK_SIZE:
    case OID_GEN_RECEIVE_BLOCK_SIZE:
        Value = Adapter->FrameSize;
        break;
    case OID_GEN_LINK_SPEED:
        Value = Adapter->LinkSpeedMbps * 10000U; /* 100 bps units */
        break;
    case OID_GEN_TRANSMIT_BUFFER_SPACE:
        Value = Adapter->Config.TransmitBuffers * Adapter->FrameSize;
        break;
    case OID_GEN_RECEIVE_BUFFER_SPACE:
        Value = Adapter->Config.ReceiveBuffers * Adapter->FrameSize;
        break;
    case OID_GEN_VENDOR_ID:
        /* The OUI of the interface's address, then our NIC number 0. */
        NdisMoveMemory(VendorId, Adapter->PermanentAddress, 3);
        VendorId[3] = 0;
        return AfxdpAnswer(Buffer, Length, VendorId, sizeof(VendorId), Written, Needed);
    case OID_GEN_VENDOR_DESCRIPTION:
        return AfxdpAnswer(Buffer, Length, AFXDP_VENDOR_DESCRIPTION, sizeof(AFXDP_VENDOR_DESCRIPTION), Written,
            Needed);
    case OID_GEN_VENDOR_DRIVER_VERSION:
        Value = AFXDP_VENDOR_DRIVER_VERSION;
        break;
    case OID_GEN_DRIVER_VERSION:
        DriverVersion = AFXDP_NDIS_VERSION;
        return AfxdpAnswer(Buffer, Length, &DriverVersion, sizeof(DriverVersion), Written, Needed);
    case OID_GEN_CURRENT_PACKET_FILTER:
        Value = Adapter->PacketFilter;
        break;
    case OID_GEN_CURRENT_LOOKAHEAD:
        Value = Adapter->CurrentLookahead;
        break;
    case OID_GEN_MAC_OPTIONS:
        /* Every indication is a whole frame in a packet: transfers never pend (or happen). */
        Value = NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA | NDIS_MAC_OPTION_TRANSFERS_NOT_PEND |
                NDIS_MAC_OPTION_NO_LOOPBACK | NDIS_MAC_OPTION_FULL_DUPLEX;
        break;
    case OID_GEN_MEDIA_CONNECT_STATUS:
        MediaState = Adapter->MediaState;
        return AfxdpAnswer(Buffer, Length, &MediaState, sizeof(MediaState), Written, Needed);
    case OID_GEN_MAXIMUM_SEND_PACKETS:
        Value = Adapter->Config.TransmitBuffers;
        break;
    case OID_GEN_XMIT_OK:
        return AfxdpAnswerCounter(Buffer, Length, AfxdpReadTxCounter(Adapter, &Adapter->TxFrames), Written, Needed);
    case OID_GEN_XMIT_ERROR:
        return AfxdpAnswerCounter(Buffer, Length, AfxdpReadTxCounter(Adapter, &Adapter->TxErrors), Written, Needed);
    case OID_GEN_RCV_OK:
        return AfxdpAnswerCounter(Buffer, Length, *(volatile ULONG64 *)&Adapter->RxFrames, Written, Needed);
    case OID_GEN_RCV_ERROR:
        return AfxdpAnswerCounter(Buffer, Length, AfxdpReceiveErrors(Adapter), Written, Needed);
    case OID_GEN_RCV_NO_BUFFER:
        return AfxdpAnswerCounter(Buffer, Length, AfxdpKernelDrops(Adapter), Written, Needed);
    case OID_802_3_RCV_ERROR_ALIGNMENT:
    case OID_802_3_XMIT_ONE_COLLISION:
    case OID_802_3_XMIT_MORE_COLLISIONS:
        return AfxdpAnswerCounter(Buffer, Length, 0, Written, Needed);
    case OID_802_3_PERMANENT_ADDRESS:
    case OID_802_3_CURRENT_ADDRESS:
        return AfxdpAnswer(Buffer, Length, Adapter->PermanentAddress, AFXDP_ETH_ADDRESS, Written, Needed);
    case OID_802_3_MULTICAST_LIST:
        return AfxdpAnswer(Buffer, Length, Adapter->MulticastList, Adapter->MulticastCount * AFXDP_ETH_ADDRESS,
            Written, Needed);
    case OID_802_3_MAXIMUM_LIST_SIZE:
        Value = AFXDP_MAX_MULTICAST;
        break;
    default:
        *Written = 0;
        *Needed = 0;
        return NDIS_STATUS_NOT_SUPPORTED;
    }
    return AfxdpAnswer(Buffer, Length, &Value, sizeof(Value), Written, Needed);
}

/* Reads the ULONG a set carries, or says a ULONG is needed. */
static NDIS_STATUS AfxdpSetUlong(PVOID Buffer, ULONG Length, PULONG Value, PULONG Read, PULONG Needed)
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

/* Makes the interface's promiscuous and all-multicast memberships match Filter. */
static NDIS_STATUS AfxdpApplyFilter(PAFXDP_ADAPTER Adapter, ULONG Filter)
{
    ULONG Wanted = 0;
    int Kinds[2] = { XP_MEMBER_PROMISC, XP_MEMBER_ALLMULTI };
    UINT i;

    if (Filter & NDIS_PACKET_TYPE_PROMISCUOUS)
        Wanted |= AFXDP_MEMBER_BIT(XP_MEMBER_PROMISC);
    if (Filter & NDIS_PACKET_TYPE_ALL_MULTICAST)
        Wanted |= AFXDP_MEMBER_BIT(XP_MEMBER_ALLMULTI);
    for (i = 0; i < ARRAYSIZE(Kinds); i++) {
        ULONG Bit = AFXDP_MEMBER_BIT(Kinds[i]);
        int Result;

        if ((Wanted & Bit) == (Adapter->Memberships & Bit))
            continue;
        Result = xp_port_membership(Adapter->Port, Kinds[i], (Wanted & Bit) != 0, NULL);
        if (Result != 0) {
            DbgPrint("afxdp: %s: %s %s failed: %s\n", Adapter->Config.Interface, (Wanted & Bit) ? "entering" : "leaving",
                Kinds[i] == XP_MEMBER_PROMISC ? "promiscuous mode" : "all-multicast mode", xp_error_text(Result));
            return NDIS_STATUS_FAILURE;
        }
        Adapter->Memberships ^= Bit;
    }
    return NDIS_STATUS_SUCCESS;
}

/* Replaces the interface's multicast memberships with the Count addresses at List. The kernel
 * counts memberships per address, so adding the new list before dropping the old one never
 * leaves an address in both lists out, even for a moment. */
static NDIS_STATUS AfxdpApplyMulticast(PAFXDP_ADAPTER Adapter, const UCHAR *List, ULONG Count)
{
    ULONG Added;
    ULONG i;

    for (Added = 0; Added < Count; Added++) {
        int Result = xp_port_membership(Adapter->Port, XP_MEMBER_MULTICAST, 1, List + Added * AFXDP_ETH_ADDRESS);
        if (Result != 0) {
            DbgPrint("afxdp: %s: multicast membership failed: %s\n", Adapter->Config.Interface, xp_error_text(Result));
            while (Added-- != 0)
                xp_port_membership(Adapter->Port, XP_MEMBER_MULTICAST, 0, List + Added * AFXDP_ETH_ADDRESS);
            return NDIS_STATUS_FAILURE;
        }
    }
    for (i = 0; i < Adapter->MulticastCount; i++)
        xp_port_membership(Adapter->Port, XP_MEMBER_MULTICAST, 0, Adapter->MulticastList[i]);
    if (Count != 0)
        NdisMoveMemory(Adapter->MulticastList, List, Count * AFXDP_ETH_ADDRESS);
    Adapter->MulticastCount = Count;
    return NDIS_STATUS_SUCCESS;
}

static NDIS_STATUS AfxdpSet(PAFXDP_ADAPTER Adapter, NDIS_OID Oid, PVOID Buffer, ULONG Length, PULONG Read,
    PULONG Needed)
{
    NDIS_STATUS Status;
    ULONG Value;

    *Read = 0;
    *Needed = 0;
    switch (Oid) {
    case OID_GEN_CURRENT_PACKET_FILTER:
        Status = AfxdpSetUlong(Buffer, Length, &Value, Read, Needed);
        if (Status != NDIS_STATUS_SUCCESS)
            return Status;
        if (Value & ~AFXDP_PACKET_FILTERS)
            return NDIS_STATUS_NOT_SUPPORTED;
        Status = AfxdpApplyFilter(Adapter, Value);
        if (Status == NDIS_STATUS_SUCCESS)
            Adapter->PacketFilter = Value;
        return Status;

    case OID_GEN_CURRENT_LOOKAHEAD:
        Status = AfxdpSetUlong(Buffer, Length, &Value, Read, Needed);
        if (Status != NDIS_STATUS_SUCCESS)
            return Status;
        if (Value > Adapter->Mtu)
            return NDIS_STATUS_INVALID_DATA;
        Adapter->CurrentLookahead = Value;
        return NDIS_STATUS_SUCCESS;

    case OID_GEN_PROTOCOL_OPTIONS:
        Status = AfxdpSetUlong(Buffer, Length, &Value, Read, Needed);
        if (Status == NDIS_STATUS_SUCCESS)
            Adapter->ProtocolOptions = Value;
        return Status;

    case OID_802_3_MULTICAST_LIST:
        if (Length % AFXDP_ETH_ADDRESS != 0) {
            /* Round up to whole addresses: that is the smallest well-formed list. */
            *Needed = (Length / AFXDP_ETH_ADDRESS + 1) * AFXDP_ETH_ADDRESS;
            return NDIS_STATUS_INVALID_LENGTH;
        }
        if (Length / AFXDP_ETH_ADDRESS > AFXDP_MAX_MULTICAST) {
            *Needed = AFXDP_MAX_MULTICAST * AFXDP_ETH_ADDRESS;
            return NDIS_STATUS_MULTICAST_FULL;
        }
        Status = AfxdpApplyMulticast(Adapter, (const UCHAR *)Buffer, Length / AFXDP_ETH_ADDRESS);
        if (Status == NDIS_STATUS_SUCCESS)
            *Read = Length;
        return Status;

    default:
        return NDIS_STATUS_NOT_SUPPORTED;
    }
}

/* MiniportQueryInformation (ndis.h) — seed 003 §2.4.3.2 — IRQL <= DISPATCH_LEVEL; one request
 * at a time. Short buffers: NDIS_STATUS_INVALID_LENGTH with *BytesNeeded; unknown OIDs:
 * NDIS_STATUS_NOT_SUPPORTED. */
NDIS_STATUS AfxdpQueryInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesWritten, PULONG BytesNeeded)
{
    return AfxdpQuery((PAFXDP_ADAPTER)MiniportAdapterContext, Oid, InformationBuffer, InformationBufferLength,
        BytesWritten, BytesNeeded);
}

/* MiniportSetInformation (ndis.h) — seed 003 §2.4.3.2 — IRQL <= DISPATCH_LEVEL; one request at a
 * time. Sets CURRENT_PACKET_FILTER, CURRENT_LOOKAHEAD, PROTOCOL_OPTIONS, 802.3 MULTICAST_LIST. */
NDIS_STATUS AfxdpSetInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesRead, PULONG BytesNeeded)
{
    return AfxdpSet((PAFXDP_ADAPTER)MiniportAdapterContext, Oid, InformationBuffer, InformationBufferLength, BytesRead,
        BytesNeeded);
}
