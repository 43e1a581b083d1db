/* immux_miniport.c — immux's virtual miniports (VELANs), control path: MiniportInitialize,
 * MiniportHalt, MiniportReset and requests answered by the VELAN itself from what the lower
 * adapter reported at bind time (seed 003 §2.4.2, §2.4.3.2, §2.9.1). */
#include "immux.h"

#define IMX_ATTRIBUTES (NDIS_ATTRIBUTE_IGNORE_PACKET_TIMEOUT | NDIS_ATTRIBUTE_IGNORE_REQUEST_TIMEOUT | \
    NDIS_ATTRIBUTE_INTERMEDIATE_DRIVER | NDIS_ATTRIBUTE_DESERIALIZE | NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND)

static const NDIS_OID ImxSupportedOids[] = {
    OID_GEN_SUPPORTED_LIST, OID_GEN_HARDWARE_STATUS, OID_GEN_MEDIA_SUPPORTED, OID_GEN_MEDIA_IN_USE,
    OID_GEN_MAXIMUM_LOOKAHEAD, OID_GEN_MAXIMUM_FRAME_SIZE, OID_GEN_LINK_SPEED, OID_GEN_TRANSMIT_BLOCK_SIZE,
    OID_GEN_RECEIVE_BLOCK_SIZE, OID_GEN_VENDOR_ID, OID_GEN_VENDOR_DESCRIPTION, OID_GEN_CURRENT_PACKET_FILTER,
    OID_GEN_CURRENT_LOOKAHEAD, OID_GEN_DRIVER_VERSION, OID_GEN_MAXIMUM_TOTAL_SIZE, OID_GEN_PROTOCOL_OPTIONS,
    OID_GEN_MAC_OPTIONS, OID_GEN_MEDIA_CONNECT_STATUS, OID_GEN_MAXIMUM_SEND_PACKETS, OID_GEN_VENDOR_DRIVER_VERSION,
    OID_802_3_PERMANENT_ADDRESS, OID_802_3_CURRENT_ADDRESS, OID_802_3_MULTICAST_LIST, OID_802_3_MAXIMUM_LIST_SIZE,
    OID_PNP_QUERY_POWER, OID_PNP_SET_POWER,
};
static const char ImxVendorDescription[] = "Strata MUX test VELAN";

NDIS_STATUS ImxInitialize(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray,
    UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE WrapperConfigurationContext)
{
    PIMX_VELAN VElan = (PIMX_VELAN)NdisIMGetDeviceContext(MiniportAdapterHandle);
    UINT i;

    UNREFERENCED_PARAMETER(OpenErrorStatus);
    UNREFERENCED_PARAMETER(WrapperConfigurationContext);
    if (VElan == NULL)
        return NDIS_STATUS_FAILURE; /* only NdisIMInitializeDeviceInstanceEx makes VELANs */
    ImxCount(VElan, DeviceContextMatched);
    ImxCount(VElan, MiniportInitializeCalls);
    if (VElan->InsideIMInit)
        ImxCount(VElan, InitializedInsideIMInit);
    for (i = 0; i < MediumArraySize; i++)
        if (MediumArray[i] == NdisMedium802_3)
            break;
    if (i == MediumArraySize)
        return NDIS_STATUS_UNSUPPORTED_MEDIA;
    *SelectedMediumIndex = i;

    NdisMSetAttributesEx(MiniportAdapterHandle, (NDIS_HANDLE)VElan, 0, IMX_ATTRIBUTES, NdisInterfaceInternal);
    ImxSet(VElan, AttributeFlags, IMX_ATTRIBUTES);
    NdisResetEvent(&VElan->SendsIdle);
    NdisResetEvent(&VElan->ReceivesIdle);
    NdisAcquireSpinLock(&VElan->Lock);
    VElan->MiniportHandle = MiniportAdapterHandle;
    VElan->InitState = ImxInitRunning;
    VElan->Halting = FALSE;
    VElan->DeviceState = NdisDeviceStateD0;
    VElan->Lookahead = VElan->Adapt->MaxFrameSize;
    NdisReleaseSpinLock(&VElan->Lock);
    NdisSetEvent(&VElan->InitDone);
    return NDIS_STATUS_SUCCESS;
}

/* MiniportHalt (ndis.h) — PASSIVE_LEVEL. Waits for the VELAN's sends below and the lower
 * packets held for it, then forgets the handle; the lower binding stays. */
VOID ImxHalt(NDIS_HANDLE MiniportAdapterContext)
{
    PIMX_VELAN VElan = (PIMX_VELAN)MiniportAdapterContext;

    ImxSet(VElan, HaltSequence, ImxNextSequence());
    ImxCount(VElan, HaltCalls);
    VElan->Halting = TRUE;
    KeMemoryBarrier();
    if (VElan->SendsOutstanding != 0 && !NdisWaitEvent(&VElan->SendsIdle, IMX_WAIT_MS))
        DbgPrint("immux: %s: halt with sends below\n", VElan->Name);
    if (VElan->ReceivesOutstanding != 0 && !NdisWaitEvent(&VElan->ReceivesIdle, IMX_WAIT_MS))
        DbgPrint("immux: %s: halt with receives held above\n", VElan->Name);
    NdisAcquireSpinLock(&VElan->Lock);
    VElan->MiniportHandle = NULL;
    VElan->InitState = ImxInitHalted;
    NdisReleaseSpinLock(&VElan->Lock);
}

NDIS_STATUS ImxReset(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    *AddressingReset = FALSE;
    return NDIS_STATUS_SUCCESS;
}

/* MiniportQueryInformation (ndis.h) — seed 003 §2.4.3.2 — IRQL <= DISPATCH_LEVEL. A VELAN
 * answers about the medium it exports itself (seed 2.4.3.2-3). */
NDIS_STATUS ImxQueryInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesWritten, PULONG BytesNeeded)
{
    PIMX_VELAN VElan = (PIMX_VELAN)MiniportAdapterContext;
    PIMX_ADAPT Adapt = VElan->Adapt;
    ULONG Value = 0;
    ULONG64 Value64 = 0;
    const VOID *Data = &Value;
    ULONG Size = sizeof(ULONG);

    *BytesWritten = 0;
    *BytesNeeded = 0;
    switch (Oid) {
    case OID_GEN_SUPPORTED_LIST: Data = ImxSupportedOids; Size = sizeof(ImxSupportedOids); break;
    case OID_GEN_HARDWARE_STATUS: Value = NdisHardwareStatusReady; break;
    case OID_GEN_MEDIA_SUPPORTED:
    case OID_GEN_MEDIA_IN_USE: Value = NdisMedium802_3; break;
    case OID_GEN_MAXIMUM_LOOKAHEAD:
    case OID_GEN_MAXIMUM_FRAME_SIZE: Value = Adapt->MaxFrameSize; break;
    case OID_GEN_CURRENT_LOOKAHEAD: Value = VElan->Lookahead; break;
    case OID_GEN_MAXIMUM_TOTAL_SIZE: Value = Adapt->MaxFrameSize + IMX_ETH_HEADER; break;
    case OID_GEN_TRANSMIT_BLOCK_SIZE:
    case OID_GEN_RECEIVE_BLOCK_SIZE: Value = IMX_MAX_FRAME; break;
    case OID_GEN_LINK_SPEED: Value = Adapt->LinkSpeed; break;
    case OID_GEN_VENDOR_ID: Value = 0x00FFFFFF; break;
    case OID_GEN_VENDOR_DESCRIPTION: Data = ImxVendorDescription; Size = sizeof(ImxVendorDescription); break;
    case OID_GEN_VENDOR_DRIVER_VERSION: Value = 0x00010000; break;
    case OID_GEN_DRIVER_VERSION: Value = 0x0501; Size = sizeof(USHORT); break;
    case OID_GEN_CURRENT_PACKET_FILTER: Value = VElan->PacketFilter; break;
    case OID_GEN_MAC_OPTIONS:
        Value = NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA | NDIS_MAC_OPTION_NO_LOOPBACK;
        break;
    case OID_GEN_MEDIA_CONNECT_STATUS: Value = Adapt->MediaState; break;
    case OID_GEN_MAXIMUM_SEND_PACKETS: Value = Adapt->MaxSendPackets; break;
    case OID_GEN_XMIT_OK:
        Value64 = (ULONG64)VElan->Counters[FIELD_OFFSET(IMMUX_VELAN_STATS, SendsCompletedUp) / 8];
        Data = &Value64;
        Size = sizeof(Value64);
        break;
    case OID_GEN_RCV_OK:
        Value64 = (ULONG64)(VElan->Counters[FIELD_OFFSET(IMMUX_VELAN_STATS, ReceivesShared) / 8] +
            VElan->Counters[FIELD_OFFSET(IMMUX_VELAN_STATS, ReceivesCopied) / 8]);
        Data = &Value64;
        Size = sizeof(Value64);
        break;
    case OID_802_3_PERMANENT_ADDRESS:
    case OID_802_3_CURRENT_ADDRESS: Data = VElan->Mac; Size = IMX_ETH_ADDRESS; break;
    case OID_802_3_MULTICAST_LIST: Data = VElan->Multicast; Size = VElan->MulticastCount * IMX_ETH_ADDRESS; break;
    case OID_802_3_MAXIMUM_LIST_SIZE: Value = IMX_MAX_MULTICAST; break;
    case OID_PNP_QUERY_POWER: Size = 0; break; /* seed §2.9.1: an IM always agrees */
    default:
        ImxCount(VElan, RequestsNotSupported);
        return NDIS_STATUS_NOT_SUPPORTED;
    }
    /* A 64-bit counter may be read into 4 bytes, as NDIS 5 allows for statistics. */
    if (Size == sizeof(ULONG64) && InformationBufferLength == sizeof(ULONG)) {
        Value = (ULONG)Value64;
        Data = &Value;
        Size = sizeof(ULONG);
    }
    if (InformationBufferLength < Size) {
        *BytesNeeded = Size;
        return NDIS_STATUS_INVALID_LENGTH;
    }
    if (Size != 0)
        NdisMoveMemory(InformationBuffer, Data, Size);
    *BytesWritten = Size;
    ImxCount(VElan, RequestsAnswered);
    return NDIS_STATUS_SUCCESS;
}

/* MiniportSetInformation (ndis.h) — seed 003 §2.4.3.2 — IRQL <= DISPATCH_LEVEL. The filter,
 * lookahead and multicast list are the VELAN's own: the lower binding stays promiscuous and
 * NDIS filters each VELAN binding's indications. */
NDIS_STATUS ImxSetInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesRead, PULONG BytesNeeded)
{
    PIMX_VELAN VElan = (PIMX_VELAN)MiniportAdapterContext;
    ULONG Needed = sizeof(ULONG);

    *BytesRead = 0;
    *BytesNeeded = 0;
    switch (Oid) {
    case OID_802_3_MULTICAST_LIST:
        if (InformationBufferLength % IMX_ETH_ADDRESS != 0)
            return NDIS_STATUS_INVALID_LENGTH;
        if (InformationBufferLength / IMX_ETH_ADDRESS > IMX_MAX_MULTICAST)
            return NDIS_STATUS_MULTICAST_FULL;
        NdisAcquireSpinLock(&VElan->Lock);
        if (InformationBufferLength != 0)
            NdisMoveMemory(VElan->Multicast, InformationBuffer, InformationBufferLength);
        VElan->MulticastCount = InformationBufferLength / IMX_ETH_ADDRESS;
        NdisReleaseSpinLock(&VElan->Lock);
        *BytesRead = InformationBufferLength;
        ImxCount(VElan, RequestsAnswered);
        return NDIS_STATUS_SUCCESS;
    case OID_PNP_SET_POWER:
        Needed = sizeof(NDIS_DEVICE_POWER_STATE);
        break;
    case OID_GEN_CURRENT_PACKET_FILTER:
    case OID_GEN_CURRENT_LOOKAHEAD:
    case OID_GEN_PROTOCOL_OPTIONS:
        break;
    default:
        ImxCount(VElan, RequestsNotSupported);
        return NDIS_STATUS_NOT_SUPPORTED;
    }
    if (InformationBufferLength < Needed) {
        *BytesNeeded = Needed;
        return NDIS_STATUS_INVALID_LENGTH;
    }
    switch (Oid) {
    case OID_GEN_CURRENT_PACKET_FILTER: VElan->PacketFilter = *(PULONG)InformationBuffer; break;
    case OID_GEN_CURRENT_LOOKAHEAD: VElan->Lookahead = *(PULONG)InformationBuffer; break;
    case OID_PNP_SET_POWER: VElan->DeviceState = *(PNDIS_DEVICE_POWER_STATE)InformationBuffer; break;
    default: break;
    }
    *BytesRead = Needed;
    ImxCount(VElan, RequestsAnswered);
    return NDIS_STATUS_SUCCESS;
}
