/* broken_im.c — a filter intermediate driver with one mistake (issue 7 part 4, DESIGN.md
 * "Verifier", seed 003 §2.5/§2.6/§2.8: "every intermediate driver must allocate its own packet
 * descriptors to replace the higher driver's"): MiniportSendPackets passes the descriptors the
 * protocol above sent straight down with NdisSendPackets, without NdisIMGetCurrentPacketStack
 * (NDIS 5.1 packet stacking) saying a level remains, and completes them up from
 * ProtocolSendComplete; likewise ProtocolReceivePacket indicates the descriptor it received up
 * and returns it below from MiniportReturnPacket. The verifier reports
 * Rule::PacketDescriptorReplaced against "broken_im" for each. One binding (UpperBindings from its
 * per-binding key) at a time; the lower filter is directed | broadcast | promiscuous. */
#include <ndis.h>

static NDIS_HANDLE Wrapper;
static NDIS_HANDLE DriverHandle;
static NDIS_HANDLE ProtocolHandle;
static NDIS_HANDLE Lower;          /* the open below */
static NDIS_HANDLE Virtual;        /* the virtual miniport, while initialised */
static NDIS_HANDLE PendingBind;
static NDIS_HANDLE PendingUnbind;
static NDIS_MEDIUM Media[] = {NdisMedium802_3};
static UINT SelectedMedium;
static WCHAR UpperChars[128];
static NDIS_STRING Upper;
static ULONG PacketFilter;
static ULONG LowerFilter = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_PROMISCUOUS;
static NDIS_REQUEST FilterRequest;
static const UCHAR ImMac[6] = {0x02, 0x42, 0x52, 0x4B, 0x00, 0x02};

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);

/* ---- virtual miniport ---- */

static NDIS_STATUS ImInitialize(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray,
    UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE WrapperConfigurationContext)
{
    UINT i;
    UNREFERENCED_PARAMETER(WrapperConfigurationContext);
    *OpenErrorStatus = NDIS_STATUS_SUCCESS;
    for (i = 0; i < MediumArraySize && MediumArray[i] != NdisMedium802_3; i++)
        ;
    if (i == MediumArraySize)
        return NDIS_STATUS_UNSUPPORTED_MEDIA;
    *SelectedMediumIndex = i;
    NdisMSetAttributesEx(MiniportAdapterHandle, NdisIMGetDeviceContext(MiniportAdapterHandle), 0,
        NDIS_ATTRIBUTE_IGNORE_PACKET_TIMEOUT | NDIS_ATTRIBUTE_IGNORE_REQUEST_TIMEOUT |
            NDIS_ATTRIBUTE_INTERMEDIATE_DRIVER | NDIS_ATTRIBUTE_DESERIALIZE | NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND,
        NdisInterfaceInternal);
    Virtual = MiniportAdapterHandle;
    return NDIS_STATUS_SUCCESS;
}

static VOID ImHalt(NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    Virtual = NULL;
}

static NDIS_STATUS ImReset(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    *AddressingReset = FALSE;
    return NDIS_STATUS_SUCCESS;
}

/* Answered here, not passed down: the mistake under test is in the send path only. */
static NDIS_STATUS ImQueryInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID Buffer,
    ULONG BufferLength, PULONG BytesWritten, PULONG BytesNeeded)
{
    ULONG Value = 0;
    const VOID *Source = &Value;
    ULONG Length = sizeof(Value);
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    switch (Oid) {
    case OID_GEN_MAXIMUM_FRAME_SIZE: Value = 1500; break;
    case OID_GEN_MAXIMUM_TOTAL_SIZE: Value = 1514; break;
    case OID_GEN_MAXIMUM_LOOKAHEAD:
    case OID_GEN_CURRENT_LOOKAHEAD: Value = 1500; break;
    case OID_GEN_LINK_SPEED: Value = 10000000; break;
    case OID_GEN_MEDIA_CONNECT_STATUS: Value = NdisMediaStateConnected; break;
    case OID_GEN_MAC_OPTIONS: Value = NDIS_MAC_OPTION_NO_LOOPBACK; break;
    case OID_GEN_CURRENT_PACKET_FILTER: Value = PacketFilter; break;
    case OID_802_3_MAXIMUM_LIST_SIZE: Value = 4; break;
    case OID_802_3_PERMANENT_ADDRESS:
    case OID_802_3_CURRENT_ADDRESS: Source = ImMac; Length = 6; break;
    default: return NDIS_STATUS_NOT_SUPPORTED;
    }
    if (BufferLength < Length) {
        *BytesNeeded = Length;
        return NDIS_STATUS_INVALID_LENGTH;
    }
    NdisMoveMemory(Buffer, Source, Length);
    *BytesWritten = Length;
    return NDIS_STATUS_SUCCESS;
}

static NDIS_STATUS ImSetInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID Buffer,
    ULONG BufferLength, PULONG BytesRead, PULONG BytesNeeded)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    *BytesNeeded = 0;
    if (Oid == OID_GEN_CURRENT_PACKET_FILTER && BufferLength >= sizeof(ULONG))
        NdisMoveMemory(&PacketFilter, Buffer, sizeof(ULONG));
    else if (Oid != OID_GEN_CURRENT_LOOKAHEAD && Oid != OID_802_3_MULTICAST_LIST &&
             Oid != OID_GEN_CURRENT_PACKET_FILTER)
        return NDIS_STATUS_NOT_SUPPORTED;
    *BytesRead = BufferLength;
    return NDIS_STATUS_SUCCESS;
}

/* The mistake: the descriptors from above go down as they are. */
static VOID ImSendPackets(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray, UINT NumberOfPackets)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    NdisSendPackets(Lower, PacketArray, NumberOfPackets);
}

/* The packet came from below (ProtocolReceivePacket held it): give it back there. */
static VOID ImReturnPacket(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    NdisReturnPackets(&Packet, 1);
}

/* ---- protocol edge ---- */

/* Sets the lower filter (completing in ProtocolRequestComplete if it pends), then starts the
 * virtual miniport. */
static VOID ImStartVirtual(PNDIS_STATUS Status)
{
    NDIS_STATUS FilterStatus;
    NdisZeroMemory(&FilterRequest, sizeof(FilterRequest));
    FilterRequest.RequestType = NdisRequestSetInformation;
    FilterRequest.DATA.SET_INFORMATION.Oid = OID_GEN_CURRENT_PACKET_FILTER;
    FilterRequest.DATA.SET_INFORMATION.InformationBuffer = &LowerFilter;
    FilterRequest.DATA.SET_INFORMATION.InformationBufferLength = sizeof(LowerFilter);
    NdisRequest(&FilterStatus, Lower, &FilterRequest);
    *Status = NdisIMInitializeDeviceInstanceEx(DriverHandle, &Upper, NULL);
}

static VOID ImBindAdapter(PNDIS_STATUS Status, NDIS_HANDLE BindContext, PNDIS_STRING DeviceName,
    PVOID SystemSpecific1, PVOID SystemSpecific2)
{
    NDIS_STRING Keyword = NDIS_STRING_CONST("UpperBindings");
    PNDIS_CONFIGURATION_PARAMETER Value;
    NDIS_HANDLE Config;
    NDIS_STATUS OpenError;
    UNREFERENCED_PARAMETER(SystemSpecific2);

    if (Lower != NULL) {
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }
    NdisOpenProtocolConfiguration(Status, &Config, (PNDIS_STRING)SystemSpecific1);
    if (*Status != NDIS_STATUS_SUCCESS)
        return;
    NdisReadConfiguration(Status, &Value, Config, &Keyword, NdisParameterString);
    if (*Status == NDIS_STATUS_SUCCESS && Value->ParameterData.StringData.Length <= sizeof(UpperChars)) {
        NdisMoveMemory(UpperChars, Value->ParameterData.StringData.Buffer, Value->ParameterData.StringData.Length);
        Upper.Buffer = UpperChars;
        Upper.Length = Value->ParameterData.StringData.Length;
        Upper.MaximumLength = sizeof(UpperChars);
    } else {
        *Status = NDIS_STATUS_FAILURE;
    }
    NdisCloseConfiguration(Config);
    if (*Status != NDIS_STATUS_SUCCESS)
        return;
    PendingBind = BindContext;
    NdisOpenAdapter(Status, &OpenError, &Lower, &SelectedMedium, Media, 1, ProtocolHandle, NULL, DeviceName, 0,
        NULL);
    if (*Status == NDIS_STATUS_PENDING)
        return;
    PendingBind = NULL;
    if (*Status != NDIS_STATUS_SUCCESS) {
        Lower = NULL;
        return;
    }
    ImStartVirtual(Status);
}

static VOID ImOpenAdapterComplete(NDIS_HANDLE Context, NDIS_STATUS Status, NDIS_STATUS OpenErrorStatus)
{
    NDIS_HANDLE BindContext = PendingBind;
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(OpenErrorStatus);
    PendingBind = NULL;
    if (Status == NDIS_STATUS_SUCCESS)
        ImStartVirtual(&Status);
    else
        Lower = NULL;
    NdisCompleteBindAdapter(BindContext, Status, NDIS_STATUS_SUCCESS);
}

static VOID ImUnbindAdapter(PNDIS_STATUS Status, NDIS_HANDLE Context, NDIS_HANDLE UnbindContext)
{
    NDIS_HANDLE Handle = Lower;
    UNREFERENCED_PARAMETER(Context);
    if (Virtual != NULL)
        (void)NdisIMDeInitializeDeviceInstance(Virtual);
    else
        (void)NdisIMCancelInitializeDeviceInstance(DriverHandle, &Upper);
    Lower = NULL;
    PendingUnbind = UnbindContext;
    NdisCloseAdapter(Status, Handle);
    if (*Status != NDIS_STATUS_PENDING)
        PendingUnbind = NULL;
}

static VOID ImCloseAdapterComplete(NDIS_HANDLE Context, NDIS_STATUS Status)
{
    NDIS_HANDLE UnbindContext = PendingUnbind;
    UNREFERENCED_PARAMETER(Context);
    PendingUnbind = NULL;
    if (UnbindContext != NULL)
        NdisCompleteUnbindAdapter(UnbindContext, Status);
}

static VOID ImSendComplete(NDIS_HANDLE Context, PNDIS_PACKET Packet, NDIS_STATUS Status)
{
    UNREFERENCED_PARAMETER(Context);
    NdisMSendComplete(Virtual, Packet, Status);
}

static VOID ImTransferDataComplete(NDIS_HANDLE Context, PNDIS_PACKET Packet, NDIS_STATUS Status, UINT Bytes)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Packet);
    UNREFERENCED_PARAMETER(Status);
    UNREFERENCED_PARAMETER(Bytes);
}

static VOID ImResetComplete(NDIS_HANDLE Context, NDIS_STATUS Status)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Status);
}

static VOID ImRequestComplete(NDIS_HANDLE Context, PNDIS_REQUEST Request, NDIS_STATUS Status)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Request);
    UNREFERENCED_PARAMETER(Status);
}

static NDIS_STATUS ImReceive(NDIS_HANDLE Context, NDIS_HANDLE MacReceiveContext, PVOID HeaderBuffer,
    UINT HeaderBufferSize, PVOID LookAheadBuffer, UINT LookaheadBufferSize, UINT PacketSize)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(MacReceiveContext);
    UNREFERENCED_PARAMETER(HeaderBuffer);
    UNREFERENCED_PARAMETER(HeaderBufferSize);
    UNREFERENCED_PARAMETER(LookAheadBuffer);
    UNREFERENCED_PARAMETER(LookaheadBufferSize);
    UNREFERENCED_PARAMETER(PacketSize);
    return NDIS_STATUS_NOT_ACCEPTED;
}

static VOID ImReceiveComplete(NDIS_HANDLE Context)
{
    UNREFERENCED_PARAMETER(Context);
}

/* The second mistake: the descriptor from below goes up as it is; held until ImReturnPacket. */
static INT ImReceivePacket(NDIS_HANDLE Context, PNDIS_PACKET Packet)
{
    UNREFERENCED_PARAMETER(Context);
    if (Virtual == NULL)
        return 0;
    NDIS_SET_PACKET_STATUS(Packet, NDIS_STATUS_SUCCESS);
    NdisMIndicateReceivePacket(Virtual, &Packet, 1);
    return 1;
}

static VOID ImStatus(NDIS_HANDLE Context, NDIS_STATUS Status, PVOID Buffer, UINT Size)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Status);
    UNREFERENCED_PARAMETER(Buffer);
    UNREFERENCED_PARAMETER(Size);
}

static VOID ImStatusComplete(NDIS_HANDLE Context)
{
    UNREFERENCED_PARAMETER(Context);
}

static NDIS_STATUS ImPnPEvent(NDIS_HANDLE Context, PNET_PNP_EVENT Event)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Event);
    return NDIS_STATUS_SUCCESS;
}

static VOID ImUnload(PDRIVER_OBJECT DriverObject)
{
    NDIS_STATUS Status;
    UNREFERENCED_PARAMETER(DriverObject);
    if (ProtocolHandle != NULL)
        NdisDeregisterProtocol(&Status, ProtocolHandle);
    ProtocolHandle = NULL;
    if (DriverHandle != NULL)
        NdisIMDeregisterLayeredMiniport(DriverHandle);
    DriverHandle = NULL;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_STRING Name = NDIS_STRING_CONST("broken_im");
    NDIS_MINIPORT_CHARACTERISTICS MChars;
    NDIS_PROTOCOL_CHARACTERISTICS PChars;
    NDIS_STATUS Status;

    NdisMInitializeWrapper(&Wrapper, DriverObject, RegistryPath, NULL);
    if (Wrapper == NULL)
        return STATUS_UNSUCCESSFUL;
    NdisZeroMemory(&MChars, sizeof(MChars));
    MChars.MajorNdisVersion = 5;
    MChars.MinorNdisVersion = 1;
    MChars.InitializeHandler = ImInitialize;
    MChars.HaltHandler = ImHalt;
    MChars.QueryInformationHandler = ImQueryInformation;
    MChars.SetInformationHandler = ImSetInformation;
    MChars.ResetHandler = ImReset;
    MChars.ReturnPacketHandler = ImReturnPacket;
    MChars.SendPacketsHandler = ImSendPackets;
    Status = NdisIMRegisterLayeredMiniport(Wrapper, &MChars, sizeof(MChars), &DriverHandle);
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisTerminateWrapper(Wrapper, NULL);
        return (NTSTATUS)Status;
    }
    NdisZeroMemory(&PChars, sizeof(PChars));
    PChars.MajorNdisVersion = 5;
    PChars.MinorNdisVersion = 0;
    PChars.Name = Name;
    PChars.OpenAdapterCompleteHandler = ImOpenAdapterComplete;
    PChars.CloseAdapterCompleteHandler = ImCloseAdapterComplete;
    PChars.SendCompleteHandler = ImSendComplete;
    PChars.TransferDataCompleteHandler = ImTransferDataComplete;
    PChars.ResetCompleteHandler = ImResetComplete;
    PChars.RequestCompleteHandler = ImRequestComplete;
    PChars.ReceiveHandler = ImReceive;
    PChars.ReceiveCompleteHandler = ImReceiveComplete;
    PChars.StatusHandler = ImStatus;
    PChars.StatusCompleteHandler = ImStatusComplete;
    PChars.ReceivePacketHandler = ImReceivePacket;
    PChars.BindAdapterHandler = ImBindAdapter;
    PChars.UnbindAdapterHandler = ImUnbindAdapter;
    PChars.PnPEventHandler = ImPnPEvent;
    NdisRegisterProtocol(&Status, &ProtocolHandle, &PChars, sizeof(PChars));
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisIMDeregisterLayeredMiniport(DriverHandle);
        NdisTerminateWrapper(Wrapper, NULL);
        return (NTSTATUS)Status;
    }
    NdisIMAssociateMiniport(DriverHandle, ProtocolHandle);
    NdisMRegisterUnloadHandler(Wrapper, ImUnload);
    return STATUS_SUCCESS;
}
