/* oid.c — the afpacket adapter's object identifiers (issue 6, deliverable 1; seed 003 §2.4.3):
 * MiniportQueryInformation answers the general and 802.3 OIDs from the Linux interface itself
 * (address, MTU, ethtool link speed) and from the adapter's counters; MiniportSetInformation
 * applies the multicast list and the promiscuous / all-multicast filters to the interface as
 * packet-socket memberships. Information buffers are untrusted: every length is checked before
 * the buffer is touched, values are moved with NdisMoveMemory. */
#include "afpacket.h"

static const NDIS_OID AfpSupportedOids[] = {
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
    OID_TCP_TASK_OFFLOAD,
};

/* The packet filter bits an Ethernet NIC honours; others are refused. */
#define AFP_PACKET_FILTERS \
    (NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST | NDIS_PACKET_TYPE_ALL_MULTICAST | \
     NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_PROMISCUOUS | NDIS_PACKET_TYPE_ALL_LOCAL)

/* Copies a fixed-size answer into the caller's buffer, or says how much is needed. */
static NDIS_STATUS AfpAnswer(PVOID Buffer, ULONG Length, const VOID *Data, ULONG DataLength, PULONG Written,
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

/* Statistics are 64-bit when the buffer holds 8 bytes and 32-bit (truncated) when it holds 4. */
static NDIS_STATUS AfpAnswerCounter(PVOID Buffer, ULONG Length, ULONG64 Value, PULONG Written, PULONG Needed)
{
    ULONG Value32 = (ULONG)Value;

    if (Length >= sizeof(ULONG64))
        return AfpAnswer(Buffer, Length, &Value, sizeof(Value), Written, Needed);
    if (Length >= sizeof(ULONG))
        return AfpAnswer(Buffer, Length, &Value32, sizeof(Value32), Written, Needed);
    *Written = 0;
    *Needed = sizeof(ULONG64);
    return NDIS_STATUS_INVALID_LENGTH;
}

static ULONG64 AfpReadTxCounter(PAFP_ADAPTER Adapter, const ULONG64 *Counter)
{
    ULONG64 Value;

    NdisAcquireSpinLock(&Adapter->TxLock);
    Value = *Counter;
    NdisReleaseSpinLock(&Adapter->TxLock);
    return Value;
}

ULONG64 AfpReadKernelDrops(PAFP_ADAPTER Adapter)
{
    if (!Adapter->Gone)
        InterlockedExchangeAdd64(&Adapter->RxKernelDrops, (LONG64)afp_port_take_drops(&Adapter->Port));
    return (ULONG64)Adapter->RxKernelDrops;
}

/* The interface as it is now; what initialisation saw once it is gone. */
static VOID AfpCurrentInterface(PAFP_ADAPTER Adapter, struct afp_if_info *Info)
{
    if (Adapter->Gone || afp_if_query_index(Adapter->IfIndex, Info) != 0) {
        NdisZeroMemory(Info, sizeof(*Info));
        Info->ifindex = Adapter->IfIndex;
        Info->mtu = Adapter->Mtu;
        NdisMoveMemory(Info->mac, Adapter->PermanentAddress, AFP_ETH_ADDRESS);
    }
}

static NDIS_STATUS AfpQuery(PAFP_ADAPTER Adapter, NDIS_OID Oid, PVOID Buffer, ULONG Length, PULONG Written,
    PULONG Needed)
{
    struct afp_if_info Info;
    ULONG Value = 0;
    ULONG Speed;
    USHORT DriverVersion;
    NDIS_MEDIUM Medium = NdisMedium802_3;
    NDIS_HARDWARE_STATUS Hardware = NdisHardwareStatusReady;
    NDIS_MEDIA_STATE MediaState;
    UCHAR VendorId[4];

    switch (Oid) {
    case OID_GEN_SUPPORTED_LIST:
        return AfpAnswer(Buffer, Length, AfpSupportedOids, sizeof(AfpSupportedOids), Written, Needed);
    case OID_GEN_HARDWARE_STATUS:
        return AfpAnswer(Buffer, Length, &Hardware, sizeof(Hardware), Written, Needed);
    case OID_GEN_MEDIA_SUPPORTED:
    case OID_GEN_MEDIA_IN_USE:
        return AfpAnswer(Buffer, Length, &Medium, sizeof(Medium), Written, Needed);
    case OID_GEN_MAXIMUM_LOOKAHEAD:
    case OID_GEN_MAXIMUM_FRAME_SIZE:
        AfpCurrentInterface(Adapter, &Info);
        Value = Info.mtu;
        break;
    case OID_GEN_MAXIMUM_TOTAL_SIZE:
    case OID_GEN_TRANSMIT_BLOCK_SIZE:
    case OID_GEN_RECEIVE_BLOCK_SIZE:
        AfpCurrentInterface(Adapter, &Info);
        Value = Info.mtu + AFP_ETH_HEADER;
        break;
    case OID_GEN_LINK_SPEED:
        Speed = Adapter->Gone ? 0 : afp_if_speed_mbps(Adapter->IfIndex);
        if (Speed == 0)
            Speed = AFP_DEFAULT_SPEED_MBPS;
        /* 100 bps units; 400 Gb/s is the most a ULONG holds. */
        Value = Speed > 400000 ? 4000000000U : Speed * 10000U;
        break;
    case OID_GEN_TRANSMIT_BUFFER_SPACE:
        Value = Adapter->Port.tx_frame_count * (Adapter->Port.tx_frame_bytes - Adapter->Port.tx_data_offset);
        break;
    case OID_GEN_RECEIVE_BUFFER_SPACE:
        Value = Adapter->Port.rx_block_count * Adapter->Port.rx_block_bytes;
        break;
    case OID_GEN_VENDOR_ID:
        /* The OUI of the interface's address, then our NIC number 0. */
        NdisMoveMemory(VendorId, Adapter->PermanentAddress, 3);
        VendorId[3] = 0;
        return AfpAnswer(Buffer, Length, VendorId, sizeof(VendorId), Written, Needed);
    case OID_GEN_VENDOR_DESCRIPTION:
        return AfpAnswer(Buffer, Length, AFP_VENDOR_DESCRIPTION, sizeof(AFP_VENDOR_DESCRIPTION), Written, Needed);
    case OID_GEN_VENDOR_DRIVER_VERSION:
        Value = AFP_VENDOR_DRIVER_VERSION;
        break;
    case OID_GEN_DRIVER_VERSION:
        DriverVersion = AFP_NDIS_VERSION;
        return AfpAnswer(Buffer, Length, &DriverVersion, sizeof(DriverVersion), Written, Needed);
    case OID_GEN_CURRENT_PACKET_FILTER:
        Value = Adapter->PacketFilter;
        break;
    case OID_GEN_CURRENT_LOOKAHEAD:
        Value = Adapter->CurrentLookahead;
        break;
    case OID_GEN_MAC_OPTIONS:
        /* Indications are whole packets, so transfers never pend; the kernel never loops our
         * transmissions back to us (PACKET_IGNORE_OUTGOING), NDIS does that. */
        Value = NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA | NDIS_MAC_OPTION_TRANSFERS_NOT_PEND |
                NDIS_MAC_OPTION_NO_LOOPBACK | NDIS_MAC_OPTION_FULL_DUPLEX;
        break;
    case OID_GEN_MEDIA_CONNECT_STATUS:
        MediaState = Adapter->MediaState;
        return AfpAnswer(Buffer, Length, &MediaState, sizeof(MediaState), Written, Needed);
    case OID_GEN_MAXIMUM_SEND_PACKETS:
        Value = Adapter->Port.tx_frame_count;
        break;
    case OID_GEN_XMIT_OK:
        return AfpAnswerCounter(Buffer, Length, AfpReadTxCounter(Adapter, &Adapter->TxFrames), Written, Needed);
    case OID_GEN_XMIT_ERROR:
        return AfpAnswerCounter(Buffer, Length, AfpReadTxCounter(Adapter, &Adapter->TxErrors), Written, Needed);
    case OID_GEN_RCV_OK:
        return AfpAnswerCounter(Buffer, Length, Adapter->RxFrames, Written, Needed);
    case OID_GEN_RCV_ERROR:
        return AfpAnswerCounter(Buffer, Length, Adapter->RxErrors, Written, Needed);
    case OID_GEN_RCV_NO_BUFFER:
        return AfpAnswerCounter(Buffer, Length, AfpReadKernelDrops(Adapter), Written, Needed);
    case OID_802_3_RCV_ERROR_ALIGNMENT:
    case OID_802_3_XMIT_ONE_COLLISION:
    case OID_802_3_XMIT_MORE_COLLISIONS:
        return AfpAnswerCounter(Buffer, Length, 0, Written, Needed);
    case OID_802_3_PERMANENT_ADDRESS:
        return AfpAnswer(Buffer, Length, Adapter->PermanentAddress, AFP_ETH_ADDRESS, Written, Needed);
    case OID_802_3_CURRENT_ADDRESS:
        AfpCurrentInterface(Adapter, &Info);
        return AfpAnswer(Buffer, Length, Info.mac, AFP_ETH_ADDRESS, Written, Needed);
    case OID_802_3_MULTICAST_LIST:
        return AfpAnswer(Buffer, Length, Adapter->MulticastList, Adapter->MulticastCount * AFP_ETH_ADDRESS, Written,
            Needed);
    case OID_802_3_MAXIMUM_LIST_SIZE:
        Value = AFP_MAX_MULTICAST;
        break;
    case OID_TCP_TASK_OFFLOAD:
        return AfpQueryTaskOffload(Adapter, Buffer, Length, Written, Needed);
    default:
        *Written = 0;
        *Needed = 0;
        return NDIS_STATUS_NOT_SUPPORTED;
    }
    return AfpAnswer(Buffer, Length, &Value, sizeof(Value), Written, Needed);
}

/* Reads the ULONG a set carries, or says a ULONG is needed. */
static NDIS_STATUS AfpSetUlong(PVOID Buffer, ULONG Length, PULONG Value, PULONG Read, PULONG Needed)
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

static BOOLEAN AfpListed(const UCHAR (*List)[AFP_ETH_ADDRESS], ULONG Count, const UCHAR *Address)
{
    ULONG i;

    for (i = 0; i < Count; i++)
        if (NdisEqualMemory(List[i], Address, AFP_ETH_ADDRESS))
            return TRUE;
    return FALSE;
}

/* Makes the interface's memberships the new list: drops the addresses that left it, adds the
 * ones that joined. On a refused add the list keeps what the interface really has. */
static NDIS_STATUS AfpSetMulticastList(PAFP_ADAPTER Adapter, const UCHAR *Buffer, ULONG Count)
{
    UCHAR Wanted[AFP_MAX_MULTICAST][AFP_ETH_ADDRESS];
    UCHAR Kept[AFP_MAX_MULTICAST][AFP_ETH_ADDRESS];
    NDIS_STATUS Status = NDIS_STATUS_SUCCESS;
    ULONG KeptCount = 0;
    ULONG i;

    if (Count != 0)
        NdisMoveMemory(Wanted, Buffer, Count * AFP_ETH_ADDRESS);
    for (i = 0; i < Adapter->MulticastCount; i++) {
        if (AfpListed(Wanted, Count, Adapter->MulticastList[i]) ||
            afp_port_membership(&Adapter->Port, AFP_MEMBER_MULTICAST, 0, Adapter->MulticastList[i]) != 0)
            NdisMoveMemory(Kept[KeptCount++], Adapter->MulticastList[i], AFP_ETH_ADDRESS);
    }
    for (i = 0; i < Count; i++) {
        if (AfpListed(Kept, KeptCount, Wanted[i]))
            continue;
        if ((Wanted[i][0] & 0x01) == 0 || KeptCount == AFP_MAX_MULTICAST ||
            afp_port_membership(&Adapter->Port, AFP_MEMBER_MULTICAST, 1, Wanted[i]) != 0) {
            Status = NDIS_STATUS_INVALID_DATA;
            continue;
        }
        NdisMoveMemory(Kept[KeptCount++], Wanted[i], AFP_ETH_ADDRESS);
    }
    if (KeptCount != 0)
        NdisMoveMemory(Adapter->MulticastList, Kept, KeptCount * AFP_ETH_ADDRESS);
    Adapter->MulticastCount = KeptCount;
    return Status;
}

/* Turns the promiscuous / all-multicast membership on or off when Bit changes in the filter. */
static NDIS_STATUS AfpApplyFilterBit(PAFP_ADAPTER Adapter, ULONG Old, ULONG New, ULONG Bit, int Kind)
{
    if ((Old & Bit) == (New & Bit))
        return NDIS_STATUS_SUCCESS;
    return afp_port_membership(&Adapter->Port, Kind, (New & Bit) != 0, NULL) == 0 ? NDIS_STATUS_SUCCESS
                                                                                 : NDIS_STATUS_FAILURE;
}

static NDIS_STATUS AfpSet(PAFP_ADAPTER Adapter, NDIS_OID Oid, PVOID Buffer, ULONG Length, PULONG Read,
    PULONG Needed)
{
    NDIS_STATUS Status;
    ULONG Value;

    *Read = 0;
    *Needed = 0;
    switch (Oid) {
    case OID_GEN_CURRENT_PACKET_FILTER:
        Status = AfpSetUlong(Buffer, Length, &Value, Read, Needed);
        if (Status != NDIS_STATUS_SUCCESS)
            return Status;
        if (Value & ~AFP_PACKET_FILTERS)
            return NDIS_STATUS_NOT_SUPPORTED;
        if (Adapter->Gone)
            return NDIS_STATUS_ADAPTER_REMOVED;
        Status = AfpApplyFilterBit(Adapter, Adapter->PacketFilter, Value, NDIS_PACKET_TYPE_PROMISCUOUS,
            AFP_MEMBER_PROMISC);
        if (Status == NDIS_STATUS_SUCCESS)
            Status = AfpApplyFilterBit(Adapter, Adapter->PacketFilter, Value, NDIS_PACKET_TYPE_ALL_MULTICAST,
                AFP_MEMBER_ALLMULTI);
        if (Status != NDIS_STATUS_SUCCESS) {
            /* Undo a promiscuous change whose all-multicast half failed. */
            AfpApplyFilterBit(Adapter, Value, Adapter->PacketFilter, NDIS_PACKET_TYPE_PROMISCUOUS,
                AFP_MEMBER_PROMISC);
            return Status;
        }
        Adapter->PacketFilter = Value;
        return NDIS_STATUS_SUCCESS;

    case OID_GEN_CURRENT_LOOKAHEAD:
        Status = AfpSetUlong(Buffer, Length, &Value, Read, Needed);
        if (Status != NDIS_STATUS_SUCCESS)
            return Status;
        if (Value > Adapter->Mtu)
            return NDIS_STATUS_INVALID_DATA;
        Adapter->CurrentLookahead = Value;
        return NDIS_STATUS_SUCCESS;

    case OID_802_3_MULTICAST_LIST:
        if (Length % AFP_ETH_ADDRESS != 0) {
            /* Round up to whole addresses: that is the smallest well-formed list. */
            *Needed = (Length / AFP_ETH_ADDRESS + 1) * AFP_ETH_ADDRESS;
            return NDIS_STATUS_INVALID_LENGTH;
        }
        if (Length / AFP_ETH_ADDRESS > AFP_MAX_MULTICAST) {
            *Needed = AFP_MAX_MULTICAST * AFP_ETH_ADDRESS;
            return NDIS_STATUS_MULTICAST_FULL;
        }
        if (Adapter->Gone)
            return NDIS_STATUS_ADAPTER_REMOVED;
        *Read = Length;
        return AfpSetMulticastList(Adapter, (const UCHAR *)Buffer, Length / AFP_ETH_ADDRESS);

    case OID_TCP_TASK_OFFLOAD:
        return AfpSetTaskOffload(Adapter, Buffer, Length, Read, Needed);

    default:
        return NDIS_STATUS_NOT_SUPPORTED;
    }
}

/* MiniportQueryInformation (ndis.h) — seed 003 §2.4.3.2 — IRQL <= DISPATCH_LEVEL; one request
 * at a time; completes synchronously. Short buffers: NDIS_STATUS_INVALID_LENGTH with
 * *BytesNeeded; unknown OIDs: NDIS_STATUS_NOT_SUPPORTED. */
NDIS_STATUS AfpQueryInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesWritten, PULONG BytesNeeded)
{
    return AfpQuery((PAFP_ADAPTER)MiniportAdapterContext, Oid, InformationBuffer, InformationBufferLength,
        BytesWritten, BytesNeeded);
}

/* MiniportSetInformation (ndis.h) — seed 003 §2.4.3.2 — IRQL <= DISPATCH_LEVEL; one request at a
 * time; completes synchronously. Sets CURRENT_PACKET_FILTER (promiscuous and all-multicast reach
 * the interface), CURRENT_LOOKAHEAD and 802.3 MULTICAST_LIST (the interface's memberships). */
NDIS_STATUS AfpSetInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesRead, PULONG BytesNeeded)
{
    return AfpSet((PAFP_ADAPTER)MiniportAdapterContext, Oid, InformationBuffer, InformationBufferLength, BytesRead,
        BytesNeeded);
}
