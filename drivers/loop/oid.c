/* oid.c — the loop adapter's object identifiers: MiniportQueryInformation and
 * MiniportSetInformation for the general and 802.3 OIDs, with optional pending completion
 * from a DPC (seed 003 §2.4.3). Information buffers are untrusted: every length is checked
 * once before the buffer is touched, and values are moved with NdisMoveMemory (no alignment
 * is assumed). */
#include "loop.h"

static const NDIS_OID LoopSupportedOids[] = {
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
#define LOOP_PACKET_FILTERS \
    (NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST | NDIS_PACKET_TYPE_ALL_MULTICAST | \
     NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_PROMISCUOUS | NDIS_PACKET_TYPE_ALL_LOCAL)

/* Copies a fixed-size answer into the caller's buffer, or says how much is needed. */
static NDIS_STATUS LoopAnswer(PVOID InformationBuffer, ULONG InformationBufferLength, const VOID *Data,
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
static NDIS_STATUS LoopAnswerCounter(PVOID InformationBuffer, ULONG InformationBufferLength, ULONG64 Value,
    PULONG BytesWritten, PULONG BytesNeeded)
{
    ULONG Value32 = (ULONG)Value;

    if (InformationBufferLength >= sizeof(ULONG64))
        return LoopAnswer(InformationBuffer, InformationBufferLength, &Value, sizeof(Value), BytesWritten,
            BytesNeeded);
    if (InformationBufferLength >= sizeof(ULONG))
        return LoopAnswer(InformationBuffer, InformationBufferLength, &Value32, sizeof(Value32), BytesWritten,
            BytesNeeded);
    *BytesWritten = 0;
    *BytesNeeded = sizeof(ULONG64);
    return NDIS_STATUS_INVALID_LENGTH;
}

static ULONG64 LoopReadTxCounter(PLOOP_ADAPTER Adapter, const ULONG64 *Counter)
{
    ULONG64 Value;

    NdisAcquireSpinLock(&Adapter->TxLock);
    Value = *Counter;
    NdisReleaseSpinLock(&Adapter->TxLock);
    return Value;
}

static ULONG64 LoopReadRxCounter(PLOOP_ADAPTER Adapter, const ULONG64 *Counter)
{
    ULONG64 Value;

    NdisAcquireSpinLock(&Adapter->RxLock);
    Value = *Counter;
    NdisReleaseSpinLock(&Adapter->RxLock);
    return Value;
}

static NDIS_STATUS LoopQuery(PLOOP_ADAPTER Adapter, NDIS_OID Oid, PVOID Buffer, ULONG Length, PULONG Written,
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
        return LoopAnswer(Buffer, Length, LoopSupportedOids, sizeof(LoopSupportedOids), Written, Needed);
    case OID_GEN_HARDWARE_STATUS:
        return LoopAnswer(Buffer, Length, &Hardware, sizeof(Hardware), Written, Needed);
    case OID_GEN_MEDIA_SUPPORTED:
    case OID_GEN_MEDIA_IN_USE:
        return LoopAnswer(Buffer, Length, &Medium, sizeof(Medium), Written, Needed);
    case OID_GEN_MAXIMUM_LOOKAHEAD:
    case OID_GEN_MAXIMUM_FRAME_SIZE:
        Value = LOOP_MAX_DATA;
        break;
    case OID_GEN_MAXIMUM_TOTAL_SIZE:
    case OID_GEN_TRANSMIT_BLOCK_SIZE:
    case OID_GEN_RECEIVE_BLOCK_SIZE:
        Value = LOOP_MAX_FRAME;
        break;
    case OID_GEN_LINK_SPEED:
        Value = Adapter->Config.LinkSpeedMbps * 10000U; /* 100 bps units */
        break;
    case OID_GEN_TRANSMIT_BUFFER_SPACE:
        Value = Adapter->Config.TxRingSize * LOOP_MAX_FRAME;
        break;
    case OID_GEN_RECEIVE_BUFFER_SPACE:
        Value = Adapter->Config.ReceiveBuffers * LOOP_MAX_FRAME;
        break;
    case OID_GEN_VENDOR_ID:
        /* The OUI of the permanent address, then our NIC number 0. */
        NdisMoveMemory(VendorId, Adapter->PermanentAddress, 3);
        VendorId[3] = 0;
        return LoopAnswer(Buffer, Length, VendorId, sizeof(VendorId), Written, Needed);
    case OID_GEN_VENDOR_DESCRIPTION:
        return LoopAnswer(Buffer, Length, LOOP_VENDOR_DESCRIPTION, sizeof(LOOP_VENDOR_DESCRIPTION), Written, Needed);
    case OID_GEN_VENDOR_DRIVER_VERSION:
        Value = LOOP_VENDOR_DRIVER_VERSION;
        break;
    case OID_GEN_DRIVER_VERSION:
        DriverVersion = LOOP_NDIS_VERSION;
        return LoopAnswer(Buffer, Length, &DriverVersion, sizeof(DriverVersion), Written, Needed);
    case OID_GEN_CURRENT_PACKET_FILTER:
        Value = Adapter->PacketFilter;
        break;
    case OID_GEN_CURRENT_LOOKAHEAD:
        Value = Adapter->CurrentLookahead;
        break;
    case OID_GEN_MAC_OPTIONS:
        Value = NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA | NDIS_MAC_OPTION_NO_LOOPBACK | NDIS_MAC_OPTION_FULL_DUPLEX;
        if (!Adapter->Config.TransferPends)
            Value |= NDIS_MAC_OPTION_TRANSFERS_NOT_PEND;
        break;
    case OID_GEN_MEDIA_CONNECT_STATUS:
        MediaState = Adapter->MediaState;
        return LoopAnswer(Buffer, Length, &MediaState, sizeof(MediaState), Written, Needed);
    case OID_GEN_MAXIMUM_SEND_PACKETS:
        Value = Adapter->Config.TxRingSize;
        break;
    case OID_GEN_XMIT_OK:
        return LoopAnswerCounter(Buffer, Length, LoopReadTxCounter(Adapter, &Adapter->TxFrames), Written, Needed);
    case OID_GEN_XMIT_ERROR:
        return LoopAnswerCounter(Buffer, Length, LoopReadTxCounter(Adapter, &Adapter->TxErrors), Written, Needed);
    case OID_GEN_RCV_OK:
        return LoopAnswerCounter(Buffer, Length, LoopReadRxCounter(Adapter, &Adapter->RxFrames), Written, Needed);
    case OID_GEN_RCV_NO_BUFFER:
        return LoopAnswerCounter(Buffer, Length, LoopReadRxCounter(Adapter, &Adapter->RxDroppedRingFull), Written,
            Needed);
    case OID_GEN_RCV_ERROR:
    case OID_802_3_RCV_ERROR_ALIGNMENT:
    case OID_802_3_XMIT_ONE_COLLISION:
    case OID_802_3_XMIT_MORE_COLLISIONS:
        return LoopAnswerCounter(Buffer, Length, 0, Written, Needed);
    case OID_802_3_PERMANENT_ADDRESS:
        return LoopAnswer(Buffer, Length, Adapter->PermanentAddress, LOOP_ETH_ADDRESS, Written, Needed);
    case OID_802_3_CURRENT_ADDRESS:
        return LoopAnswer(Buffer, Length, Adapter->CurrentAddress, LOOP_ETH_ADDRESS, Written, Needed);
    case OID_802_3_MULTICAST_LIST:
        return LoopAnswer(Buffer, Length, Adapter->MulticastList, Adapter->MulticastCount * LOOP_ETH_ADDRESS,
            Written, Needed);
    case OID_802_3_MAXIMUM_LIST_SIZE:
        Value = Adapter->Config.MaxMulticastList;
        break;
    case OID_PNP_CAPABILITIES:
        if (!Adapter->Config.PowerManagement)
            goto unsupported;
        {
            NDIS_PNP_CAPABILITIES Capabilities;

            NdisZeroMemory(&Capabilities, sizeof(Capabilities));
            Capabilities.WakeUpCapabilities.MinMagicPacketWakeUp = NdisDeviceStateD3;
            Capabilities.WakeUpCapabilities.MinPatternWakeUp = NdisDeviceStateD3;
            Capabilities.WakeUpCapabilities.MinLinkChangeWakeUp = NdisDeviceStateUnspecified;
            return LoopAnswer(Buffer, Length, &Capabilities, sizeof(Capabilities), Written, Needed);
        }
    case OID_PNP_QUERY_POWER:
        if (!Adapter->Config.PowerManagement)
            goto unsupported;
        InterlockedIncrement((PLONG)&Adapter->QueryPowerCalls);
        *Written = 0;
        *Needed = 0;
        return NDIS_STATUS_SUCCESS;
    case OID_PNP_ENABLE_WAKE_UP:
        if (!Adapter->Config.PowerManagement)
            goto unsupported;
        Value = Adapter->WakeUpEnable;
        break;
    default:
    unsupported:
        *Written = 0;
        *Needed = 0;
        return NDIS_STATUS_NOT_SUPPORTED;
    }
    return LoopAnswer(Buffer, Length, &Value, sizeof(Value), Written, Needed);
}

/* Reads the ULONG a set carries, or says a ULONG is needed. */
static NDIS_STATUS LoopSetUlong(PVOID Buffer, ULONG Length, PULONG Value, PULONG Read, PULONG Needed)
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

static NDIS_STATUS LoopSet(PLOOP_ADAPTER Adapter, NDIS_OID Oid, PVOID Buffer, ULONG Length, PULONG Read,
    PULONG Needed)
{
    NDIS_STATUS Status;
    ULONG Value;

    *Read = 0;
    *Needed = 0;
    switch (Oid) {
    case OID_GEN_CURRENT_PACKET_FILTER:
        Status = LoopSetUlong(Buffer, Length, &Value, Read, Needed);
        if (Status != NDIS_STATUS_SUCCESS)
            return Status;
        if (Value & ~LOOP_PACKET_FILTERS)
            return NDIS_STATUS_NOT_SUPPORTED;
        Adapter->PacketFilter = Value;
        return NDIS_STATUS_SUCCESS;

    case OID_GEN_CURRENT_LOOKAHEAD:
        Status = LoopSetUlong(Buffer, Length, &Value, Read, Needed);
        if (Status != NDIS_STATUS_SUCCESS)
            return Status;
        if (Value > LOOP_MAX_DATA)
            return NDIS_STATUS_INVALID_DATA;
        Adapter->CurrentLookahead = Value;
        return NDIS_STATUS_SUCCESS;

    case OID_GEN_PROTOCOL_OPTIONS:
        Status = LoopSetUlong(Buffer, Length, &Value, Read, Needed);
        if (Status == NDIS_STATUS_SUCCESS)
            Adapter->ProtocolOptions = Value;
        return Status;

    case OID_802_3_MULTICAST_LIST:
        if (Length % LOOP_ETH_ADDRESS != 0) {
            /* Round up to whole addresses: that is the smallest well-formed list. */
            *Needed = (Length / LOOP_ETH_ADDRESS + 1) * LOOP_ETH_ADDRESS;
            return NDIS_STATUS_INVALID_LENGTH;
        }
        if (Length / LOOP_ETH_ADDRESS > Adapter->Config.MaxMulticastList) {
            *Needed = Adapter->Config.MaxMulticastList * LOOP_ETH_ADDRESS;
            return NDIS_STATUS_MULTICAST_FULL;
        }
        if (Length != 0)
            NdisMoveMemory(Adapter->MulticastList, Buffer, Length);
        Adapter->MulticastCount = Length / LOOP_ETH_ADDRESS;
        *Read = Length;
        return NDIS_STATUS_SUCCESS;

    case OID_PNP_SET_POWER:
        /* A legacy miniport that asked not to be halted hears D3 and D0 too. */
        if (!Adapter->Config.PowerManagement && !Adapter->Config.NoHaltOnSuspend)
            return NDIS_STATUS_NOT_SUPPORTED;
        if (Length < sizeof(NDIS_DEVICE_POWER_STATE)) {
            *Needed = sizeof(NDIS_DEVICE_POWER_STATE);
            return NDIS_STATUS_INVALID_LENGTH;
        }
        NdisMoveMemory((PVOID)&Adapter->PowerState, Buffer, sizeof(NDIS_DEVICE_POWER_STATE));
        InterlockedIncrement((PLONG)&Adapter->SetPowerCalls);
        *Read = sizeof(NDIS_DEVICE_POWER_STATE);
        return NDIS_STATUS_SUCCESS;

    case OID_PNP_ENABLE_WAKE_UP:
        if (!Adapter->Config.PowerManagement)
            return NDIS_STATUS_NOT_SUPPORTED;
        Status = LoopSetUlong(Buffer, Length, &Value, Read, Needed);
        if (Status == NDIS_STATUS_SUCCESS)
            Adapter->WakeUpEnable = Value;
        return Status;

    default:
        return NDIS_STATUS_NOT_SUPPORTED;
    }
}

/* With RequestsPend the answer is already in the caller's buffer; only the completion waits
 * for the request DPC. NDIS passes one request at a time, so one slot suffices. */
static NDIS_STATUS LoopFinishRequest(PLOOP_ADAPTER Adapter, NDIS_STATUS Status, BOOLEAN IsSet)
{
    if (!Adapter->Config.RequestsPend)
        return Status;
    Adapter->RequestStatus = Status;
    Adapter->RequestIsSet = IsSet;
    KeInsertQueueDpc(&Adapter->RequestDpc, NULL, NULL);
    return NDIS_STATUS_PENDING;
}

/* MiniportQueryInformation (ndis.h) — seed 003 §2.4.3.2 — IRQL <= DISPATCH_LEVEL; one request
 * at a time. Short buffers: NDIS_STATUS_INVALID_LENGTH with *BytesNeeded; unknown OIDs:
 * NDIS_STATUS_NOT_SUPPORTED. */
NDIS_STATUS LoopQueryInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesWritten, PULONG BytesNeeded)
{
    PLOOP_ADAPTER Adapter = (PLOOP_ADAPTER)MiniportAdapterContext;
    NDIS_STATUS Status;

    Status = LoopQuery(Adapter, Oid, InformationBuffer, InformationBufferLength, BytesWritten, BytesNeeded);
    return LoopFinishRequest(Adapter, Status, FALSE);
}

/* MiniportSetInformation (ndis.h) — seed 003 §2.4.3.2 — IRQL <= DISPATCH_LEVEL; one request at a
 * time. Sets CURRENT_PACKET_FILTER, CURRENT_LOOKAHEAD, PROTOCOL_OPTIONS, 802.3 MULTICAST_LIST. */
NDIS_STATUS LoopSetInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesRead, PULONG BytesNeeded)
{
    PLOOP_ADAPTER Adapter = (PLOOP_ADAPTER)MiniportAdapterContext;
    NDIS_STATUS Status;

    Status = LoopSet(Adapter, Oid, InformationBuffer, InformationBufferLength, BytesRead, BytesNeeded);
    return LoopFinishRequest(Adapter, Status, TRUE);
}

/* Request DPC — DISPATCH_LEVEL. Completes the one pended request. */
VOID LoopRequestDpc(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    PLOOP_ADAPTER Adapter = (PLOOP_ADAPTER)DeferredContext;

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    LoopDpcEnter(Adapter);
    if (Adapter->RequestIsSet)
        NdisMSetInformationComplete(Adapter->MiniportHandle, Adapter->RequestStatus);
    else
        NdisMQueryInformationComplete(Adapter->MiniportHandle, Adapter->RequestStatus);
    LoopDpcLeave(Adapter);
}
