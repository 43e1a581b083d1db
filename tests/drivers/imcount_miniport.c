/* imcount_miniport.c — imcount's virtual miniport, control path: MiniportInitialize (inside
 * NdisIMInitializeDeviceInstanceEx, NdisIMGetDeviceContext, deserialized intermediate
 * attributes), MiniportHalt, MiniportReset, and MiniportQuery/SetInformation passing requests
 * down except the power OIDs an IM answers itself (seed 003 §2.3.1.1, §2.4.2, §2.4.3.2, §2.9.1). */
#include "imcount.h"

static NDIS_STRING ImcTestValueKeyword = NDIS_STRING_CONST("TestValue");

/* The attributes seed §2.4.2 asks of an intermediate driver. */
#define IMC_ATTRIBUTES (NDIS_ATTRIBUTE_IGNORE_PACKET_TIMEOUT | NDIS_ATTRIBUTE_IGNORE_REQUEST_TIMEOUT | \
    NDIS_ATTRIBUTE_INTERMEDIATE_DRIVER | NDIS_ATTRIBUTE_DESERIALIZE | NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND)

/* The binding that asked for a virtual miniport and has not got it yet: used only when
 * NdisIMGetDeviceContext does not give one back. */
static PIMC_BINDING ImcFindPendingBinding(VOID)
{
    PIMC_BINDING Found = NULL;
    PLIST_ENTRY Entry;

    NdisAcquireSpinLock(&ImcGlobals.Lock);
    for (Entry = ImcGlobals.Bindings.Flink; Entry != &ImcGlobals.Bindings; Entry = Entry->Flink) {
        PIMC_BINDING Binding = CONTAINING_RECORD(Entry, IMC_BINDING, Link);

        if (Binding->InitState == ImcInitPending) {
            Found = Binding;
            break;
        }
    }
    NdisReleaseSpinLock(&ImcGlobals.Lock);
    return Found;
}

/* MiniportInitialize (ndis.h) — seed 003 §2.3.1.1, §2.4.2 — PASSIVE_LEVEL, in the context of
 * NdisIMInitializeDeviceInstanceEx (or of the device's creation when we asked earlier). The
 * binding block is the virtual NIC's context; the pools were allocated by ProtocolBindAdapter. */
NDIS_STATUS ImcInitialize(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray,
    UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE WrapperConfigurationContext)
{
    PIMC_BINDING Binding = (PIMC_BINDING)NdisIMGetDeviceContext(MiniportAdapterHandle);
    PNDIS_CONFIGURATION_PARAMETER Value;
    NDIS_HANDLE Config = NULL;
    NDIS_STATUS Status;
    UINT i;

    UNREFERENCED_PARAMETER(OpenErrorStatus);
    if (Binding != NULL) {
        ImcCount(Binding, DeviceContextMatched);
    } else {
        Binding = ImcFindPendingBinding();
        if (Binding == NULL)
            return NDIS_STATUS_FAILURE;
    }
    ImcCount(Binding, MiniportInitializeCalls);
    if (Binding->InsideIMInit)
        ImcCount(Binding, InitializedInsideIMInit);

    /* We export the medium we bound to: 802.3. */
    for (i = 0; i < MediumArraySize; i++)
        if (MediumArray[i] == NdisMedium802_3)
            break;
    if (i == MediumArraySize)
        return NDIS_STATUS_UNSUPPORTED_MEDIA;
    *SelectedMediumIndex = i;

    /* The virtual miniport's own instance key (seed §2.4.1's NdisReadConfiguration, miniport side). */
    NdisOpenConfiguration(&Status, &Config, WrapperConfigurationContext);
    if (Status == NDIS_STATUS_SUCCESS) {
        NdisReadConfiguration(&Status, &Value, Config, &ImcTestValueKeyword, NdisParameterInteger);
        if (Status == NDIS_STATUS_SUCCESS && Value->ParameterType == NdisParameterInteger)
            ImcSet(Binding, TestValue, Value->ParameterData.IntegerData);
        NdisCloseConfiguration(Config);
    }

    NdisMSetAttributesEx(MiniportAdapterHandle, (NDIS_HANDLE)Binding, 0, IMC_ATTRIBUTES, NdisInterfaceInternal);
    ImcSet(Binding, AttributeFlags, IMC_ATTRIBUTES);

    NdisResetEvent(&Binding->SendsIdle);
    NdisResetEvent(&Binding->ReceivesIdle);
    NdisAcquireSpinLock(&Binding->Lock);
    Binding->MiniportHandle = MiniportAdapterHandle;
    Binding->InitState = ImcInitRunning;
    Binding->Halting = FALSE;
    Binding->DeviceState = NdisDeviceStateD0;
    NdisReleaseSpinLock(&Binding->Lock);
    ImcSet(Binding, DeviceState, NdisDeviceStateD0);
    NdisSetEvent(&Binding->InitDone);
    return NDIS_STATUS_SUCCESS;
}

/* MiniportHalt (ndis.h) — seed 003 §2.3.1.1, §2.11 — PASSIVE_LEVEL. NDIS has unbound every
 * protocol from the virtual miniport. Waits for our descriptors below and the lower packets we
 * still hold, then forgets the miniport handle; the lower binding stays until
 * ProtocolUnbindAdapter. */
VOID ImcHalt(NDIS_HANDLE MiniportAdapterContext)
{
    PIMC_BINDING Binding = (PIMC_BINDING)MiniportAdapterContext;

    ImcSet(Binding, HaltSequence, ImcNextSequence());
    ImcCount(Binding, HaltCalls);
    Binding->Halting = TRUE;
    KeMemoryBarrier();
    if (Binding->SendsOutstanding != 0 && !NdisWaitEvent(&Binding->SendsIdle, IMC_WAIT_MS))
        DbgPrint("imcount: %s: halt with sends below\n", Binding->UpperName);
    if (Binding->ReceivesOutstanding != 0 && !NdisWaitEvent(&Binding->ReceivesIdle, IMC_WAIT_MS))
        DbgPrint("imcount: %s: halt with receives held above\n", Binding->UpperName);

    NdisAcquireSpinLock(&Binding->Lock);
    Binding->MiniportHandle = NULL;
    Binding->InitState = ImcInitHalted;
    NdisReleaseSpinLock(&Binding->Lock);
}

/* MiniportReset (ndis.h) — seed 003 §2.10 — IRQL <= DISPATCH_LEVEL. Nothing of ours to reset:
 * the lower miniport resets itself and its RESET_START/END come up through ProtocolStatus. */
NDIS_STATUS ImcReset(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    *AddressingReset = FALSE;
    return NDIS_STATUS_SUCCESS;
}

/* Any IRQL <= DISPATCH_LEVEL. The forwarded request ended with Status: copy its byte counts to
 * the miniport's out-parameters and fix up what an IM must change on the way up (seed §2.9.1:
 * an IM cannot wake the system, so every wake-up state becomes NdisDeviceStateUnspecified;
 * NDIS_MAC_OPTION_NO_LOOPBACK is the lowest miniport's to report).
 * Returns the status to report. */
NDIS_STATUS ImcFinishRequest(PIMC_BINDING Binding, NDIS_STATUS Status)
{
    PNDIS_REQUEST Request = &Binding->Request;

    if (Request->RequestType == NdisRequestQueryInformation) {
        if (Status == NDIS_STATUS_SUCCESS && Request->DATA.QUERY_INFORMATION.Oid == OID_PNP_CAPABILITIES &&
            Request->DATA.QUERY_INFORMATION.BytesWritten >= sizeof(NDIS_PNP_CAPABILITIES)) {
            PNDIS_PNP_CAPABILITIES Caps = (PNDIS_PNP_CAPABILITIES)Request->DATA.QUERY_INFORMATION.InformationBuffer;

            Caps->WakeUpCapabilities.MinMagicPacketWakeUp = NdisDeviceStateUnspecified;
            Caps->WakeUpCapabilities.MinPatternWakeUp = NdisDeviceStateUnspecified;
            Caps->WakeUpCapabilities.MinLinkChangeWakeUp = NdisDeviceStateUnspecified;
        }
        /* Only the lowest miniport of a stack leaves loopback to NDIS; a layer above it must not
         * ask NDIS to loop its sends back a second time. */
        if (Status == NDIS_STATUS_SUCCESS && Request->DATA.QUERY_INFORMATION.Oid == OID_GEN_MAC_OPTIONS &&
            Request->DATA.QUERY_INFORMATION.BytesWritten >= sizeof(ULONG))
            *(PULONG)Request->DATA.QUERY_INFORMATION.InformationBuffer &= ~NDIS_MAC_OPTION_NO_LOOPBACK;
        *Binding->RequestBytesDone = Request->DATA.QUERY_INFORMATION.BytesWritten;
        *Binding->RequestBytesNeeded = Request->DATA.QUERY_INFORMATION.BytesNeeded;
    } else {
        *Binding->RequestBytesDone = Request->DATA.SET_INFORMATION.BytesRead;
        *Binding->RequestBytesNeeded = Request->DATA.SET_INFORMATION.BytesNeeded;
    }
    return Status;
}

/* Passes one request down (NDIS hands the virtual miniport one at a time, so one NDIS_REQUEST
 * per binding is enough). Returns NDIS_STATUS_PENDING when ProtocolRequestComplete will finish it. */
static NDIS_STATUS ImcForwardRequest(PIMC_BINDING Binding, NDIS_REQUEST_TYPE Type, NDIS_OID Oid, PVOID Buffer,
    ULONG Length, PULONG BytesDone, PULONG BytesNeeded)
{
    NDIS_STATUS Status;

    if (Binding->BindingHandle == NULL || Binding->DeviceState > NdisDeviceStateD0)
        return NDIS_STATUS_FAILURE;
    NdisZeroMemory(&Binding->Request, sizeof(Binding->Request));
    Binding->Request.RequestType = Type;
    if (Type == NdisRequestQueryInformation) {
        Binding->Request.DATA.QUERY_INFORMATION.Oid = Oid;
        Binding->Request.DATA.QUERY_INFORMATION.InformationBuffer = Buffer;
        Binding->Request.DATA.QUERY_INFORMATION.InformationBufferLength = Length;
    } else {
        Binding->Request.DATA.SET_INFORMATION.Oid = Oid;
        Binding->Request.DATA.SET_INFORMATION.InformationBuffer = Buffer;
        Binding->Request.DATA.SET_INFORMATION.InformationBufferLength = Length;
    }
    Binding->RequestBytesDone = BytesDone;
    Binding->RequestBytesNeeded = BytesNeeded;
    ImcCount(Binding, RequestsForwarded);
    ImcSet(Binding, LastForwardedOid, Oid);
    NdisRequest(&Status, Binding->BindingHandle, &Binding->Request);
    if (Status != NDIS_STATUS_PENDING)
        Status = ImcFinishRequest(Binding, Status);
    return Status;
}

/* MiniportQueryInformation (ndis.h) — seed 003 §2.4.3.2, §2.9.1 — IRQL <= DISPATCH_LEVEL.
 * OID_PNP_QUERY_POWER is answered here (an IM always agrees and never passes it down); every
 * other OID, OID_GEN_MAXIMUM_SEND_PACKETS included, gets the lower driver's answer. */
NDIS_STATUS ImcQueryInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesWritten, PULONG BytesNeeded)
{
    PIMC_BINDING Binding = (PIMC_BINDING)MiniportAdapterContext;

    *BytesWritten = 0;
    *BytesNeeded = 0;
    if (Oid == OID_PNP_QUERY_POWER) {
        ImcCount(Binding, RequestsAnsweredLocally);
        return NDIS_STATUS_SUCCESS;
    }
    return ImcForwardRequest(Binding, NdisRequestQueryInformation, Oid, InformationBuffer, InformationBufferLength,
        BytesWritten, BytesNeeded);
}

/* MiniportSetInformation (ndis.h) — seed 003 §2.4.3.2, §2.9.1, §2.9.3 — IRQL <= DISPATCH_LEVEL.
 * OID_PNP_SET_POWER is the virtual miniport's own power state and never goes down. */
NDIS_STATUS ImcSetInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID InformationBuffer,
    ULONG InformationBufferLength, PULONG BytesRead, PULONG BytesNeeded)
{
    PIMC_BINDING Binding = (PIMC_BINDING)MiniportAdapterContext;

    *BytesRead = 0;
    *BytesNeeded = 0;
    if (Oid == OID_PNP_SET_POWER) {
        NDIS_DEVICE_POWER_STATE State;

        if (InformationBufferLength < sizeof(NDIS_DEVICE_POWER_STATE)) {
            *BytesNeeded = sizeof(NDIS_DEVICE_POWER_STATE);
            return NDIS_STATUS_INVALID_LENGTH;
        }
        State = *(PNDIS_DEVICE_POWER_STATE)InformationBuffer;
        Binding->DeviceState = State;
        ImcSet(Binding, DeviceState, State);
        ImcCount(Binding, RequestsAnsweredLocally);
        *BytesRead = sizeof(NDIS_DEVICE_POWER_STATE);
        return NDIS_STATUS_SUCCESS;
    }
    return ImcForwardRequest(Binding, NdisRequestSetInformation, Oid, InformationBuffer, InformationBufferLength,
        BytesRead, BytesNeeded);
}

/* MiniportPnPEventNotify (ndis.h) — PASSIVE_LEVEL. Nothing to do for a virtual NIC. */
VOID ImcPnPEventNotify(NDIS_HANDLE MiniportAdapterContext, NDIS_DEVICE_PNP_EVENT PnPEvent, PVOID InformationBuffer,
    ULONG InformationBufferLength)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(PnPEvent);
    UNREFERENCED_PARAMETER(InformationBuffer);
    UNREFERENCED_PARAMETER(InformationBufferLength);
}

/* MiniportShutdown (ndis.h) — any IRQL. No hardware. */
VOID ImcShutdown(NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
}
