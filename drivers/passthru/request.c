/* request.c — OIDs: MiniportQueryInformation and MiniportSetInformation answer the power OIDs,
 * OID_GEN_MAXIMUM_SEND_PACKETS and (with TaskOffload 0) OID_TCP_TASK_OFFLOAD themselves and
 * pass everything else to the adapter below with the binding's one NDIS_REQUEST;
 * ProtocolRequestComplete finishes what pended (seed 003 §2.4.3, §2.8, §2.9.1, §2.9.3). */
#include "passthru.h"

/* §2.9.1: the wake-up OIDs, passed down when the adapter below is power-manageable and refused
 * (NDIS_STATUS_NOT_SUPPORTED) when it is not. */
static BOOLEAN PtIsWakeUpOid(NDIS_OID Oid)
{
    switch (Oid) {
    case OID_PNP_ENABLE_WAKE_UP:
    case OID_PNP_ADD_WAKE_UP_PATTERN:
    case OID_PNP_REMOVE_WAKE_UP_PATTERN:
    case OID_PNP_WAKE_UP_PATTERN_LIST:
    case OID_PNP_WAKE_UP_ERROR:
    case OID_PNP_WAKE_UP_OK:
        return TRUE;
    default:
        return FALSE;
    }
}

/* PASSIVE_LEVEL, during ProtocolBindAdapter (before the virtual miniport exists, so the
 * forwarded request is never in use at the same time). */
NDIS_STATUS PtQueryLower(PPT_ADAPTER Adapter, NDIS_OID Oid, PVOID Buffer, ULONG Length, PULONG BytesWritten)
{
    PNDIS_REQUEST Request = &Adapter->BindRequest;
    NDIS_STATUS Status;

    NdisZeroMemory(Request, sizeof(*Request));
    Request->RequestType = NdisRequestQueryInformation;
    Request->DATA.QUERY_INFORMATION.Oid = Oid;
    Request->DATA.QUERY_INFORMATION.InformationBuffer = Buffer;
    Request->DATA.QUERY_INFORMATION.InformationBufferLength = Length;
    NdisResetEvent(&Adapter->BindRequestDone);
    NdisRequest(&Status, Adapter->BindingHandle, Request);
    if (Status == NDIS_STATUS_PENDING) {
        NdisWaitEvent(&Adapter->BindRequestDone, 0);
        Status = Adapter->BindRequestStatus;
    }
    *BytesWritten = Request->DATA.QUERY_INFORMATION.BytesWritten;
    return Status;
}

/* Any IRQL <= DISPATCH_LEVEL. The forwarded request is back from below with Status: adjust what
 * an IM must answer differently from the adapter (seed §2.9.1; the loopback option, which only
 * the lowest miniport of a stack may report) and give the counts to the caller's variables. */
static NDIS_STATUS PtFinishForwarded(PPT_ADAPTER Adapter, NDIS_STATUS Status)
{
    PNDIS_REQUEST Request = &Adapter->Request;

    if (Request->RequestType == NdisRequestQueryInformation) {
        NDIS_OID Oid = Request->DATA.QUERY_INFORMATION.Oid;
        PVOID Buffer = Request->DATA.QUERY_INFORMATION.InformationBuffer;
        UINT Written = Request->DATA.QUERY_INFORMATION.BytesWritten;

        if (Status == NDIS_STATUS_SUCCESS && Oid == OID_PNP_CAPABILITIES) {
            if (Written >= sizeof(NDIS_PNP_CAPABILITIES)) {
                /* The passthru is power-manageable but cannot wake the system itself. */
                PNDIS_PM_WAKE_UP_CAPABILITIES WakeUp = &((PNDIS_PNP_CAPABILITIES)Buffer)->WakeUpCapabilities;

                WakeUp->MinMagicPacketWakeUp = NdisDeviceStateUnspecified;
                WakeUp->MinPatternWakeUp = NdisDeviceStateUnspecified;
                WakeUp->MinLinkChangeWakeUp = NdisDeviceStateUnspecified;
            } else {
                Status = NDIS_STATUS_INVALID_LENGTH;
            }
        }
        if (Status == NDIS_STATUS_SUCCESS && Oid == OID_GEN_MAC_OPTIONS && Written >= sizeof(ULONG)) {
            ULONG Options;

            NdisRetrieveUlong(&Options, Buffer);
            NdisStoreUlong(Buffer, Options & ~(ULONG)NDIS_MAC_OPTION_NO_LOOPBACK);
        }
        *Adapter->RequestBytesDone = Written;
        *Adapter->RequestBytesNeeded = Request->DATA.QUERY_INFORMATION.BytesNeeded;
    } else {
        *Adapter->RequestBytesDone = Request->DATA.SET_INFORMATION.BytesRead;
        *Adapter->RequestBytesNeeded = Request->DATA.SET_INFORMATION.BytesNeeded;
    }
    return Status;
}

/* IRQL <= DISPATCH_LEVEL. Passes a query or set to the adapter below. NDIS gives a miniport one
 * request at a time, so the binding's NDIS_REQUEST is free. Returns the final status, or
 * NDIS_STATUS_PENDING when ProtocolRequestComplete will complete it. */
static NDIS_STATUS PtForward(PPT_ADAPTER Adapter, NDIS_REQUEST_TYPE Type, NDIS_OID Oid, PVOID Buffer, ULONG Length,
    PULONG BytesDone, PULONG BytesNeeded)
{
    PNDIS_REQUEST Request = &Adapter->Request;
    NDIS_STATUS Status;
    BOOLEAN Refused;

    /* The request holds a miniport reference until completed up, and one below while there. */
    PtRefAdd(&Adapter->MiniportRefs, 1);
    PtRefAdd(&Adapter->LowerRefs, 1);
    KeMemoryBarrier();
    NdisAcquireSpinLock(&Adapter->Lock);
    Refused = Adapter->Unbinding || Adapter->LowerPowerState != NdisDeviceStateD0;
    if (!Refused) {
        Adapter->RequestBytesDone = BytesDone;
        Adapter->RequestBytesNeeded = BytesNeeded;
    }
    NdisReleaseSpinLock(&Adapter->Lock);
    if (Refused) {
        PtRefDrop(&Adapter->LowerRefs, 1);
        PtMiniportLeave(Adapter, 1);
        return NDIS_STATUS_FAILURE;
    }

    NdisZeroMemory(Request, sizeof(*Request));
    Request->RequestType = Type;
    if (Type == NdisRequestQueryInformation) {
        Request->DATA.QUERY_INFORMATION.Oid = Oid;
        Request->DATA.QUERY_INFORMATION.InformationBuffer = Buffer;
        Request->DATA.QUERY_INFORMATION.InformationBufferLength = Length;
    } else {
        Request->DATA.SET_INFORMATION.Oid = Oid;
        Request->DATA.SET_INFORMATION.InformationBuffer = Buffer;
        Request->DATA.SET_INFORMATION.InformationBufferLength = Length;
    }
    InterlockedIncrement64(&Adapter->RequestsForwarded);
    NdisRequest(&Status, Adapter->BindingHandle, Request);
    if (Status == NDIS_STATUS_PENDING)
        return NDIS_STATUS_PENDING;

    Status = PtFinishForwarded(Adapter, Status);
    PtRefDrop(&Adapter->LowerRefs, 1);
    PtMiniportLeave(Adapter, 1);
    return Status;
}

/* MiniportQueryInformation (ndis.h) — seed 003 §2.4.3.2, §2.9.1 — IRQL <= DISPATCH_LEVEL. */
NDIS_STATUS MpQueryInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesWritten, PULONG BytesNeeded)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)MiniportAdapterContext;

    *BytesWritten = 0;
    *BytesNeeded = 0;
    switch (Oid) {
    case OID_PNP_QUERY_POWER:
        /* §2.9.1: answered here, never passed down; an IM can always go to sleep. */
        InterlockedIncrement64(&Adapter->RequestsLocal);
        return NDIS_STATUS_SUCCESS;
    case OID_TCP_TASK_OFFLOAD:
        if (Adapter->TaskOffload)
            break;
        InterlockedIncrement64(&Adapter->RequestsLocal);
        return NDIS_STATUS_NOT_SUPPORTED;
    default:
        break;
    }
    if (Adapter->Unbinding || Adapter->MiniportPowerState != NdisDeviceStateD0)
        return NDIS_STATUS_FAILURE;

    if (Oid == OID_GEN_MAXIMUM_SEND_PACKETS) {
        /* §2.8: the protocols above may send arrays as large as the adapter below takes. */
        InterlockedIncrement64(&Adapter->RequestsLocal);
        if (InformationBufferLength < sizeof(ULONG)) {
            *BytesNeeded = sizeof(ULONG);
            return NDIS_STATUS_INVALID_LENGTH;
        }
        NdisStoreUlong(InformationBuffer, Adapter->LowerMaxSendPackets);
        *BytesWritten = sizeof(ULONG);
        return NDIS_STATUS_SUCCESS;
    }
    if (PtIsWakeUpOid(Oid) && !Adapter->LowerPmCapable) {
        InterlockedIncrement64(&Adapter->RequestsLocal);
        return NDIS_STATUS_NOT_SUPPORTED;
    }
    return PtForward(Adapter, NdisRequestQueryInformation, Oid, InformationBuffer, InformationBufferLength,
        BytesWritten, BytesNeeded);
}

/* OID_PNP_SET_POWER — seed 003 §2.9.1, §2.9.3 — answered here, never passed down: the virtual
 * miniport's device state is recorded (sends, receives and requests stop outside D0); back in
 * D0 the protocols above learn the media state they missed. */
static NDIS_STATUS PtSetPower(PPT_ADAPTER Adapter, PVOID InformationBuffer, ULONG InformationBufferLength,
    PULONG BytesRead, PULONG BytesNeeded)
{
    NDIS_DEVICE_POWER_STATE NewState;
    NDIS_DEVICE_POWER_STATE OldState;

    InterlockedIncrement64(&Adapter->RequestsLocal);
    if (InformationBufferLength < sizeof(NDIS_DEVICE_POWER_STATE)) {
        *BytesNeeded = sizeof(NDIS_DEVICE_POWER_STATE);
        return NDIS_STATUS_INVALID_LENGTH;
    }
    NdisMoveMemory(&NewState, InformationBuffer, sizeof(NewState));
    if (NewState < NdisDeviceStateD0 || NewState > NdisDeviceStateD3)
        return NDIS_STATUS_INVALID_DATA;

    NdisAcquireSpinLock(&Adapter->Lock);
    OldState = Adapter->MiniportPowerState;
    Adapter->MiniportPowerState = NewState;
    NdisReleaseSpinLock(&Adapter->Lock);
    *BytesRead = sizeof(NDIS_DEVICE_POWER_STATE);
    if (OldState != NdisDeviceStateD0 && NewState == NdisDeviceStateD0)
        PtIndicateMissedMediaStatus(Adapter);
    return NDIS_STATUS_SUCCESS;
}

/* MiniportSetInformation (ndis.h) — seed 003 §2.4.3.2, §2.9.1, §2.9.3 — IRQL <= DISPATCH_LEVEL. */
NDIS_STATUS MpSetInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesRead, PULONG BytesNeeded)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)MiniportAdapterContext;

    *BytesRead = 0;
    *BytesNeeded = 0;
    switch (Oid) {
    case OID_PNP_SET_POWER:
        return PtSetPower(Adapter, InformationBuffer, InformationBufferLength, BytesRead, BytesNeeded);
    case OID_TCP_TASK_OFFLOAD:
        if (Adapter->TaskOffload)
            break;
        InterlockedIncrement64(&Adapter->RequestsLocal);
        return NDIS_STATUS_NOT_SUPPORTED;
    default:
        break;
    }
    if (Adapter->Unbinding || Adapter->MiniportPowerState != NdisDeviceStateD0)
        return NDIS_STATUS_FAILURE;
    if (PtIsWakeUpOid(Oid) && !Adapter->LowerPmCapable) {
        InterlockedIncrement64(&Adapter->RequestsLocal);
        return NDIS_STATUS_NOT_SUPPORTED;
    }
    return PtForward(Adapter, NdisRequestSetInformation, Oid, InformationBuffer, InformationBufferLength, BytesRead,
        BytesNeeded);
}

/* ProtocolRequestComplete (ndis.h) — seed 003 §2.4.3 — IRQL <= DISPATCH_LEVEL. Either one of
 * the bind's own queries (its waiter is woken) or the forwarded request, which is completed up
 * with NdisMQueryInformationComplete / NdisMSetInformationComplete. */
VOID PtRequestComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_REQUEST NdisRequest, NDIS_STATUS Status)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)ProtocolBindingContext;
    NDIS_REQUEST_TYPE Type;

    if (NdisRequest == &Adapter->BindRequest) {
        Adapter->BindRequestStatus = Status;
        NdisSetEvent(&Adapter->BindRequestDone);
        return;
    }
    Type = NdisRequest->RequestType;
    Status = PtFinishForwarded(Adapter, Status);
    PtRefDrop(&Adapter->LowerRefs, 1);
    if (Type == NdisRequestQueryInformation)
        NdisMQueryInformationComplete(Adapter->MiniportHandle, Status);
    else
        NdisMSetInformationComplete(Adapter->MiniportHandle, Status);
    PtMiniportLeave(Adapter, 1);
}
