/* immux_protocol.c — immux's lower edge, control path: ProtocolBindAdapter (the UpperBindings
 * list, NdisOpenAdapter, the bind-time queries and the promiscuous filter, one
 * NdisIMInitializeDeviceInstanceEx per VELAN), ProtocolUnbindAdapter (every VELAN down, then
 * NdisCloseAdapter), completions, and status and PnP events fanned out to every VELAN
 * (seed 003 §2.4, §2.4.1, §2.4.2, §2.4.3.1, §2.9.2, §2.11, §2.12). */
#include "immux.h"

static NDIS_MEDIUM ImxMedia[] = { NdisMedium802_3 };
static NDIS_STRING ImxUpperBindingsKeyword = NDIS_STRING_CONST("UpperBindings");

static VOID ImxAsciiName(CHAR *Out, const WCHAR *Chars, UINT Count)
{
    UINT i;

    if (Count > IMX_NAME_CHARS - 1)
        Count = IMX_NAME_CHARS - 1;
    for (i = 0; i < Count; i++)
        Out[i] = (Chars[i] > 0 && Chars[i] < 0x80) ? (CHAR)Chars[i] : '?';
    Out[Count] = '\0';
}

/* PASSIVE_LEVEL. A VELAN block for the name Chars[0..Count), its MAC derived from the lower
 * adapter's (see immux.c). */
static PIMX_VELAN ImxNewVElan(PIMX_ADAPT Adapt, const WCHAR *Chars, UINT Count)
{
    PIMX_VELAN VElan;
    ULONG Index = Adapt->VElanCount;

    if (Index == IMMUX_MAX_VELANS || Count == 0 || Count >= IMX_NAME_CHARS)
        return NULL;
    if (NdisAllocateMemoryWithTag((PVOID *)&VElan, sizeof(*VElan), IMX_TAG) != NDIS_STATUS_SUCCESS)
        return NULL;
    NdisZeroMemory(VElan, sizeof(*VElan));
    VElan->Adapt = Adapt;
    VElan->Index = Index;
    NdisMoveMemory(VElan->NameChars, Chars, Count * sizeof(WCHAR));
    VElan->DeviceName.Buffer = VElan->NameChars;
    VElan->DeviceName.Length = (USHORT)(Count * sizeof(WCHAR));
    VElan->DeviceName.MaximumLength = sizeof(VElan->NameChars);
    ImxAsciiName(VElan->Name, Chars, Count);
    NdisAllocateSpinLock(&VElan->Lock);
    NdisInitializeEvent(&VElan->InitDone);
    NdisInitializeEvent(&VElan->SendsIdle);
    NdisInitializeEvent(&VElan->ReceivesIdle);
    VElan->InitState = ImxInitNone;
    VElan->DeviceState = NdisDeviceStateD0;
    Adapt->VElans[Index] = VElan;
    Adapt->VElanCount = Index + 1;
    return VElan;
}

/* PASSIVE_LEVEL. Seed §2.4.1: the binding's UpperBindings — REG_MULTI_SZ (NdisParameterMultiString,
 * NUL-separated names) or one REG_SZ — becomes the VELAN list. */
static NDIS_STATUS ImxReadUpperBindings(PIMX_ADAPT Adapt, PNDIS_STRING ProtocolSection)
{
    PNDIS_CONFIGURATION_PARAMETER Value;
    NDIS_HANDLE Config = NULL;
    NDIS_STATUS Status;

    if (ProtocolSection == NULL)
        return NDIS_STATUS_FAILURE;
    NdisOpenProtocolConfiguration(&Status, &Config, ProtocolSection);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    NdisReadConfiguration(&Status, &Value, Config, &ImxUpperBindingsKeyword, NdisParameterMultiString);
    if (Status == NDIS_STATUS_SUCCESS &&
        (Value->ParameterType == NdisParameterMultiString || Value->ParameterType == NdisParameterString)) {
        const WCHAR *Chars = Value->ParameterData.StringData.Buffer;
        UINT Total = Value->ParameterData.StringData.Length / sizeof(WCHAR);
        UINT Start = 0;
        UINT i;

        for (i = 0; i <= Total; i++) {
            if (i == Total || Chars[i] == 0) {
                if (i > Start && ImxNewVElan(Adapt, Chars + Start, i - Start) == NULL)
                    DbgPrint("immux: %s: VELAN %u not created\n", Adapt->LowerName, (unsigned)Adapt->VElanCount);
                Start = i + 1;
            }
        }
    }
    NdisCloseConfiguration(Config);
    return Adapt->VElanCount != 0 ? NDIS_STATUS_SUCCESS : NDIS_STATUS_FAILURE;
}

/* PASSIVE_LEVEL. One request on the lower binding, waiting for ProtocolRequestComplete. */
static NDIS_STATUS ImxLowerRequest(PIMX_ADAPT Adapt, NDIS_REQUEST_TYPE Type, NDIS_OID Oid, PVOID Buffer, ULONG Length)
{
    NDIS_STATUS Status;

    NdisZeroMemory(&Adapt->Request, sizeof(Adapt->Request));
    Adapt->Request.RequestType = Type;
    Adapt->Request.DATA.QUERY_INFORMATION.Oid = Oid;
    Adapt->Request.DATA.QUERY_INFORMATION.InformationBuffer = Buffer;
    Adapt->Request.DATA.QUERY_INFORMATION.InformationBufferLength = Length;
    NdisResetEvent(&Adapt->RequestDone);
    NdisRequest(&Status, Adapt->BindingHandle, &Adapt->Request);
    if (Status == NDIS_STATUS_PENDING) {
        NdisWaitEvent(&Adapt->RequestDone, 0);
        Status = Adapt->RequestStatus;
    }
    return Status;
}

static NDIS_STATUS ImxCloseAdapter(PIMX_ADAPT Adapt)
{
    NDIS_STATUS Status;

    NdisResetEvent(&Adapt->CloseDone);
    NdisCloseAdapter(&Status, Adapt->BindingHandle);
    if (Status == NDIS_STATUS_PENDING) {
        NdisWaitEvent(&Adapt->CloseDone, 0);
        Status = Adapt->CloseStatus;
    }
    Adapt->BindingHandle = NULL;
    ImxAdaptSet(Adapt, CloseSequence, ImxNextSequence());
    return Status;
}

/* PASSIVE_LEVEL. Seed §2.4.3.1: what the VELANs will report, learned once; then the lower
 * binding becomes promiscuous, since the VELANs' addresses are not the adapter's. */
static NDIS_STATUS ImxQueryLower(PIMX_ADAPT Adapt)
{
    NDIS_STATUS Status;
    ULONG Filter = NDIS_PACKET_TYPE_PROMISCUOUS;

    Status = ImxLowerRequest(Adapt, NdisRequestQueryInformation, OID_802_3_CURRENT_ADDRESS, Adapt->Mac,
        sizeof(Adapt->Mac));
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    Adapt->MaxFrameSize = IMX_MAX_DATA;
    (VOID)ImxLowerRequest(Adapt, NdisRequestQueryInformation, OID_GEN_MAXIMUM_FRAME_SIZE, &Adapt->MaxFrameSize,
        sizeof(Adapt->MaxFrameSize));
    Adapt->LinkSpeed = 10000; /* 1 Mbps in 100 bps units, if the lower will not say */
    (VOID)ImxLowerRequest(Adapt, NdisRequestQueryInformation, OID_GEN_LINK_SPEED, &Adapt->LinkSpeed,
        sizeof(Adapt->LinkSpeed));
    Adapt->MaxSendPackets = 1;
    (VOID)ImxLowerRequest(Adapt, NdisRequestQueryInformation, OID_GEN_MAXIMUM_SEND_PACKETS, &Adapt->MaxSendPackets,
        sizeof(Adapt->MaxSendPackets));
    Status = ImxLowerRequest(Adapt, NdisRequestSetInformation, OID_GEN_CURRENT_PACKET_FILTER, &Filter, sizeof(Filter));
    if (Status == NDIS_STATUS_SUCCESS)
        ImxAdaptSet(Adapt, LowerPacketFilter, Filter);
    return Status;
}

/* ProtocolBindAdapter (ndis.h) — seed 003 §2.4, §2.4.1, §2.4.2 — PASSIVE_LEVEL; completes
 * synchronously (a pended open is waited for). The VELANs' addresses derive from the lower
 * one, so they are made after the open; each asks for its virtual miniport in turn. */
VOID ImxBindAdapter(PNDIS_STATUS Status, NDIS_HANDLE BindContext, PNDIS_STRING DeviceName, PVOID SystemSpecific1,
    PVOID SystemSpecific2)
{
    PIMX_ADAPT Adapt;
    NDIS_STATUS OpenStatus;
    ULONG i;

    UNREFERENCED_PARAMETER(BindContext);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    if (NdisAllocateMemoryWithTag((PVOID *)&Adapt, sizeof(*Adapt), IMX_TAG) != NDIS_STATUS_SUCCESS) {
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }
    NdisZeroMemory(Adapt, sizeof(*Adapt));
    ImxAsciiName(Adapt->LowerName, DeviceName->Buffer, DeviceName->Length / sizeof(WCHAR));
    NdisAllocateSpinLock(&Adapt->SendLock);
    NdisAllocateSpinLock(&Adapt->RecvLock);
    NdisInitializeEvent(&Adapt->OpenDone);
    NdisInitializeEvent(&Adapt->CloseDone);
    NdisInitializeEvent(&Adapt->RequestDone);
    Adapt->MediaState = NdisMediaStateConnected;
    NdisAcquireSpinLock(&ImxGlobals.Lock);
    InsertHeadList(&ImxGlobals.Adapters, &Adapt->Link);
    NdisReleaseSpinLock(&ImxGlobals.Lock);

    if (ImxReadUpperBindings(Adapt, (PNDIS_STRING)SystemSpecific1) != NDIS_STATUS_SUCCESS) {
        DbgPrint("immux: %s has no UpperBindings\n", Adapt->LowerName);
        *Status = NDIS_STATUS_OPEN_FAILED;
        return;
    }
    if (ImxAllocateDataPath(Adapt) != NDIS_STATUS_SUCCESS) {
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }
    NdisOpenAdapter(&OpenStatus, &Adapt->OpenErrorStatus, &Adapt->BindingHandle, &Adapt->MediumIndex, ImxMedia,
        ARRAYSIZE(ImxMedia), ImxGlobals.ProtocolHandle, (NDIS_HANDLE)Adapt, DeviceName, 0, NULL);
    if (OpenStatus == NDIS_STATUS_PENDING) {
        NdisWaitEvent(&Adapt->OpenDone, 0);
        OpenStatus = Adapt->OpenStatus;
    }
    if (OpenStatus != NDIS_STATUS_SUCCESS) {
        Adapt->BindingHandle = NULL;
        ImxFreeDataPath(Adapt);
        *Status = OpenStatus;
        return;
    }
    OpenStatus = ImxQueryLower(Adapt);
    if (OpenStatus != NDIS_STATUS_SUCCESS) {
        DbgPrint("immux: %s: bind-time requests failed %08x\n", Adapt->LowerName, (unsigned)OpenStatus);
        ImxCloseAdapter(Adapt);
        ImxFreeDataPath(Adapt);
        *Status = OpenStatus;
        return;
    }

    for (i = 0; i < Adapt->VElanCount; i++) {
        PIMX_VELAN VElan = Adapt->VElans[i];
        NDIS_STATUS InitStatus;

        NdisMoveMemory(VElan->Mac, Adapt->Mac, IMX_ETH_ADDRESS);
        VElan->Mac[0] |= 0x02;
        VElan->Mac[1] ^= 0x80;
        VElan->Mac[5] = (UCHAR)(VElan->Mac[5] + i);
        NdisAcquireSpinLock(&VElan->Lock);
        VElan->InitState = ImxInitPending;
        NdisReleaseSpinLock(&VElan->Lock);
        VElan->InsideIMInit = TRUE;
        InitStatus = NdisIMInitializeDeviceInstanceEx(ImxGlobals.DriverHandle, &VElan->DeviceName, VElan);
        VElan->InsideIMInit = FALSE;
        if (InitStatus != NDIS_STATUS_SUCCESS) {
            DbgPrint("immux: NdisIMInitializeDeviceInstanceEx(%s) failed %08x\n", VElan->Name, (unsigned)InitStatus);
            NdisAcquireSpinLock(&VElan->Lock);
            if (VElan->InitState == ImxInitPending)
                VElan->InitState = ImxInitNone;
            NdisReleaseSpinLock(&VElan->Lock);
        }
    }
    *Status = NDIS_STATUS_SUCCESS;
}

VOID ImxOpenAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status, NDIS_STATUS OpenErrorStatus)
{
    PIMX_ADAPT Adapt = (PIMX_ADAPT)ProtocolBindingContext;

    Adapt->OpenStatus = Status;
    Adapt->OpenErrorStatus = OpenErrorStatus;
    NdisSetEvent(&Adapt->OpenDone);
}

VOID ImxCloseAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status)
{
    PIMX_ADAPT Adapt = (PIMX_ADAPT)ProtocolBindingContext;

    Adapt->CloseStatus = Status;
    NdisSetEvent(&Adapt->CloseDone);
}

/* PASSIVE_LEVEL. Seed §2.11: a pending initialisation is cancelled, a running VELAN
 * de-initialised (NDIS unbinds its protocols and halts it). */
static VOID ImxStopVElan(PIMX_VELAN VElan)
{
    IMX_INIT_STATE State;
    NDIS_HANDLE Handle;

    NdisAcquireSpinLock(&VElan->Lock);
    State = VElan->InitState;
    NdisReleaseSpinLock(&VElan->Lock);
    if (State == ImxInitPending) {
        if (NdisIMCancelInitializeDeviceInstance(ImxGlobals.DriverHandle, &VElan->DeviceName) ==
            NDIS_STATUS_SUCCESS) {
            NdisAcquireSpinLock(&VElan->Lock);
            VElan->InitState = ImxInitCancelled;
            NdisReleaseSpinLock(&VElan->Lock);
            return;
        }
        if (!NdisWaitEvent(&VElan->InitDone, IMX_WAIT_MS))
            DbgPrint("immux: %s: MiniportInitialize never came\n", VElan->Name);
    }
    NdisAcquireSpinLock(&VElan->Lock);
    Handle = VElan->InitState == ImxInitRunning ? VElan->MiniportHandle : NULL;
    NdisReleaseSpinLock(&VElan->Lock);
    if (Handle != NULL)
        (VOID)NdisIMDeInitializeDeviceInstance(Handle);
}

/* ProtocolUnbindAdapter (ndis.h) — seed 003 §2.11 — PASSIVE_LEVEL; completes synchronously. */
VOID ImxUnbindAdapter(PNDIS_STATUS Status, NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE UnbindContext)
{
    PIMX_ADAPT Adapt = (PIMX_ADAPT)ProtocolBindingContext;
    ULONG i;

    UNREFERENCED_PARAMETER(UnbindContext);
    for (i = 0; i < Adapt->VElanCount; i++)
        ImxStopVElan(Adapt->VElans[i]);
    *Status = ImxCloseAdapter(Adapt);
    ImxFreeDataPath(Adapt);
}

VOID ImxResetComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status)
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    UNREFERENCED_PARAMETER(Status);
}

VOID ImxRequestComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_REQUEST NdisRequest, NDIS_STATUS Status)
{
    PIMX_ADAPT Adapt = (PIMX_ADAPT)ProtocolBindingContext;

    UNREFERENCED_PARAMETER(NdisRequest);
    Adapt->RequestStatus = Status;
    NdisSetEvent(&Adapt->RequestDone);
}

/* ProtocolStatus (ndis.h) — seed 003 §2.12 — IRQL <= DISPATCH_LEVEL. The lower adapter's
 * state is every VELAN's: the status goes to each one that is up. */
VOID ImxStatus(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS GeneralStatus, PVOID StatusBuffer,
    UINT StatusBufferSize)
{
    PIMX_ADAPT Adapt = (PIMX_ADAPT)ProtocolBindingContext;
    ULONG i;

    ImxAdaptCount(Adapt, StatusIndications);
    if (GeneralStatus == NDIS_STATUS_MEDIA_CONNECT)
        Adapt->MediaState = NdisMediaStateConnected;
    else if (GeneralStatus == NDIS_STATUS_MEDIA_DISCONNECT)
        Adapt->MediaState = NdisMediaStateDisconnected;
    for (i = 0; i < Adapt->VElanCount; i++) {
        PIMX_VELAN VElan = Adapt->VElans[i];
        NDIS_HANDLE Handle = ImxUpperHandle(VElan);

        if (Handle != NULL) {
            NdisMIndicateStatus(Handle, GeneralStatus, StatusBuffer, StatusBufferSize);
            ImxCount(VElan, StatusForwarded);
        }
    }
}

VOID ImxStatusComplete(NDIS_HANDLE ProtocolBindingContext)
{
    PIMX_ADAPT Adapt = (PIMX_ADAPT)ProtocolBindingContext;
    ULONG i;

    for (i = 0; i < Adapt->VElanCount; i++) {
        NDIS_HANDLE Handle = ImxUpperHandle(Adapt->VElans[i]);

        if (Handle != NULL)
            NdisMIndicateStatusComplete(Handle);
    }
}

/* ProtocolPnPEvent (ndis.h) — seed 003 §2.9.2 — PASSIVE_LEVEL. Passed to every VELAN's
 * protocols with NdisIMNotifyPnPEvent; the first failure is the answer. */
NDIS_STATUS ImxPnPEvent(NDIS_HANDLE ProtocolBindingContext, PNET_PNP_EVENT NetPnPEvent)
{
    PIMX_ADAPT Adapt = (PIMX_ADAPT)ProtocolBindingContext;
    NDIS_STATUS Result = NDIS_STATUS_SUCCESS;
    ULONG i;

    if (Adapt == NULL || NetPnPEvent == NULL)
        return NDIS_STATUS_SUCCESS;
    ImxAdaptCount(Adapt, PnPEvents);
    for (i = 0; i < Adapt->VElanCount; i++) {
        PIMX_VELAN VElan = Adapt->VElans[i];
        NDIS_HANDLE Handle = VElan->MiniportHandle;
        NDIS_STATUS Status;

        if (Handle == NULL)
            continue;
        Status = NdisIMNotifyPnPEvent(Handle, NetPnPEvent);
        ImxCount(VElan, PnPForwarded);
        if (Status != NDIS_STATUS_SUCCESS && Result == NDIS_STATUS_SUCCESS)
            Result = Status;
    }
    return Result;
}
