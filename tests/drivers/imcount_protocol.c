/* imcount_protocol.c — imcount's lower edge, control path: ProtocolBindAdapter (parameters,
 * preallocation, NdisOpenAdapter, NdisIMInitializeDeviceInstanceEx), ProtocolUnbindAdapter
 * (the virtual miniport down first, then NdisCloseAdapter), open/close/request completions,
 * ProtocolStatus(Complete) and ProtocolPnPEvent forwarded up (seed 003 §2.4, §2.4.1, §2.4.2,
 * §2.9.2, §2.11, §2.12). */
#include "imcount.h"

/* NdisOpenAdapter may complete later: the medium array must outlive the call. */
static NDIS_MEDIUM ImcMedia[] = { NdisMedium802_3 };

typedef struct _IMC_PARAMETER {
    NDIS_STRING Keyword;
    SIZE_T Offset; /* into IMC_CONFIG */
    ULONG Default;
    ULONG Minimum;
    ULONG Maximum;
} IMC_PARAMETER;

#define IMC_PARAM(_Name, _Default, _Min, _Max) \
    { NDIS_STRING_CONST(#_Name), offsetof(IMC_CONFIG, _Name), (_Default), (_Min), (_Max) }

static const IMC_PARAMETER ImcParameters[] = {
    IMC_PARAM(DropEveryNth, 0, 0, MAXULONG),
    IMC_PARAM(CopyLookahead, 0, 0, 1),
    IMC_PARAM(SendDescriptors, 512, 1, 4096),
    IMC_PARAM(ReceiveDescriptors, 512, 1, 4096),
    IMC_PARAM(Copies, 64, 1, 1024),
};

static NDIS_STRING ImcUpperBindingsKeyword = NDIS_STRING_CONST("UpperBindings");

static VOID ImcAsciiName(CHAR *Out, const NDIS_STRING *Name)
{
    UINT Chars = Name->Length / sizeof(WCHAR);
    UINT i;

    if (Chars > IMC_NAME_CHARS - 1)
        Chars = IMC_NAME_CHARS - 1;
    for (i = 0; i < Chars; i++) {
        WCHAR c = Name->Buffer[i];
        Out[i] = (c > 0 && c < 0x80) ? (CHAR)c : '?';
    }
    Out[Chars] = '\0';
}

/* PASSIVE_LEVEL. Seed §2.4.1: the binding's parameters from the key SystemSpecific1 names.
 * UpperBindings is required; the rest default and are clamped. */
static NDIS_STATUS ImcReadConfiguration(PIMC_BINDING Binding, PNDIS_STRING ProtocolSection)
{
    PNDIS_CONFIGURATION_PARAMETER Value;
    NDIS_HANDLE ConfigHandle = NULL;
    NDIS_STATUS Status;
    UINT i;

    for (i = 0; i < ARRAYSIZE(ImcParameters); i++)
        *(PULONG)((PUCHAR)&Binding->Config + ImcParameters[i].Offset) = ImcParameters[i].Default;
    if (ProtocolSection == NULL)
        return NDIS_STATUS_FAILURE;
    NdisOpenProtocolConfiguration(&Status, &ConfigHandle, ProtocolSection);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;

    NdisReadConfiguration(&Status, &Value, ConfigHandle, &ImcUpperBindingsKeyword, NdisParameterString);
    if (Status == NDIS_STATUS_SUCCESS && Value->ParameterType == NdisParameterString &&
        Value->ParameterData.StringData.Length > 0 &&
        Value->ParameterData.StringData.Length < sizeof(Binding->UpperChars)) {
        USHORT Bytes = Value->ParameterData.StringData.Length;

        NdisMoveMemory(Binding->UpperChars, Value->ParameterData.StringData.Buffer, Bytes);
        Binding->UpperBindings.Buffer = Binding->UpperChars;
        Binding->UpperBindings.Length = Bytes;
        Binding->UpperBindings.MaximumLength = sizeof(Binding->UpperChars);
        ImcAsciiName(Binding->UpperName, &Binding->UpperBindings);
    } else {
        Status = NDIS_STATUS_FAILURE;
    }

    for (i = 0; i < ARRAYSIZE(ImcParameters); i++) {
        const IMC_PARAMETER *P = &ImcParameters[i];
        NDIS_STATUS ReadStatus;
        ULONG v;

        NdisReadConfiguration(&ReadStatus, &Value, ConfigHandle, (PNDIS_STRING)&P->Keyword, NdisParameterInteger);
        if (ReadStatus != NDIS_STATUS_SUCCESS || Value->ParameterType != NdisParameterInteger)
            continue;
        v = Value->ParameterData.IntegerData;
        if (v < P->Minimum)
            v = P->Minimum;
        if (v > P->Maximum)
            v = P->Maximum;
        *(PULONG)((PUCHAR)&Binding->Config + P->Offset) = v;
    }
    NdisCloseConfiguration(ConfigHandle);
    return Status;
}

/* PASSIVE_LEVEL. NdisCloseAdapter, waiting for ProtocolCloseAdapterComplete if it pends. */
static NDIS_STATUS ImcCloseAdapter(PIMC_BINDING Binding)
{
    NDIS_STATUS Status;

    NdisResetEvent(&Binding->CloseDone);
    NdisCloseAdapter(&Status, Binding->BindingHandle);
    if (Status == NDIS_STATUS_PENDING) {
        NdisWaitEvent(&Binding->CloseDone, 0);
        Status = Binding->CloseStatus;
    }
    Binding->BindingHandle = NULL;
    ImcSet(Binding, CloseSequence, ImcNextSequence());
    return Status;
}

/* ProtocolBindAdapter (ndis.h) — seed 003 §2.4, §2.4.1, §2.4.2 — PASSIVE_LEVEL. Completes
 * synchronously: a pended open is waited for here. The binding block is listed (for the hooks)
 * even when the bind fails after the configuration was read. */
VOID ImcBindAdapter(PNDIS_STATUS Status, NDIS_HANDLE BindContext, PNDIS_STRING DeviceName, PVOID SystemSpecific1,
    PVOID SystemSpecific2)
{
    PIMC_BINDING Binding;
    NDIS_STATUS OpenStatus;
    NDIS_STATUS InitStatus;

    UNREFERENCED_PARAMETER(BindContext);
    UNREFERENCED_PARAMETER(SystemSpecific2);

    if (NdisAllocateMemoryWithTag((PVOID *)&Binding, sizeof(*Binding), IMC_TAG) != NDIS_STATUS_SUCCESS) {
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }
    NdisZeroMemory(Binding, sizeof(*Binding));
    Binding->Id = (ULONG)InterlockedIncrement(&ImcGlobals.NextId);
    ImcAsciiName(Binding->LowerName, DeviceName);
    NdisAllocateSpinLock(&Binding->Lock);
    NdisAllocateSpinLock(&Binding->SendLock);
    NdisAllocateSpinLock(&Binding->RecvLock);
    NdisInitializeEvent(&Binding->OpenDone);
    NdisInitializeEvent(&Binding->CloseDone);
    NdisInitializeEvent(&Binding->InitDone);
    NdisInitializeEvent(&Binding->SendsIdle);
    NdisInitializeEvent(&Binding->ReceivesIdle);
    Binding->InitState = ImcInitNone;
    Binding->DeviceState = NdisDeviceStateD0;

    NdisAcquireSpinLock(&ImcGlobals.Lock);
    InsertHeadList(&ImcGlobals.Bindings, &Binding->Link);
    NdisReleaseSpinLock(&ImcGlobals.Lock);

    if (ImcReadConfiguration(Binding, (PNDIS_STRING)SystemSpecific1) != NDIS_STATUS_SUCCESS) {
        DbgPrint("imcount: %s has no UpperBindings\n", Binding->LowerName);
        *Status = NDIS_STATUS_OPEN_FAILED;
        return;
    }
    /* Seed §2.4, §2.4.2-18: the pools the data path needs exist before the virtual miniport. */
    if (ImcAllocateDataPath(Binding) != NDIS_STATUS_SUCCESS) {
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }

    /* Seed §2.4: DeviceName is passed on as NDIS gave it. */
    NdisOpenAdapter(&OpenStatus, &Binding->OpenErrorStatus, &Binding->BindingHandle, &Binding->MediumIndex,
        ImcMedia, ARRAYSIZE(ImcMedia), ImcGlobals.ProtocolHandle, (NDIS_HANDLE)Binding, DeviceName, 0, NULL);
    if (OpenStatus == NDIS_STATUS_PENDING) {
        ImcSet(Binding, OpenPended, 1);
        NdisWaitEvent(&Binding->OpenDone, 0);
        OpenStatus = Binding->OpenStatus;
    }
    if (OpenStatus != NDIS_STATUS_SUCCESS) {
        DbgPrint("imcount: NdisOpenAdapter(%s) failed %08x\n", Binding->LowerName, (unsigned)OpenStatus);
        Binding->BindingHandle = NULL;
        ImcFreeDataPath(Binding);
        *Status = OpenStatus;
        return;
    }

    /* Seed §2.4.2: ask for the virtual miniport; MiniportInitialize may run inside this call (the
     * device exists) or later (when it is created). */
    NdisAcquireSpinLock(&Binding->Lock);
    Binding->InitState = ImcInitPending;
    NdisReleaseSpinLock(&Binding->Lock);
    Binding->InsideIMInit = TRUE;
    InitStatus = NdisIMInitializeDeviceInstanceEx(ImcGlobals.DriverHandle, &Binding->UpperBindings, Binding);
    Binding->InsideIMInit = FALSE;
    ImcSet(Binding, InitializeStatus, (ULONG)InitStatus);
    if (InitStatus != NDIS_STATUS_SUCCESS) {
        DbgPrint("imcount: NdisIMInitializeDeviceInstanceEx(%s) failed %08x\n", Binding->UpperName,
            (unsigned)InitStatus);
        NdisAcquireSpinLock(&Binding->Lock);
        if (Binding->InitState == ImcInitPending)
            Binding->InitState = ImcInitNone;
        NdisReleaseSpinLock(&Binding->Lock);
        ImcCloseAdapter(Binding);
        ImcFreeDataPath(Binding);
        *Status = InitStatus;
        return;
    }
    *Status = NDIS_STATUS_SUCCESS;
}

/* ProtocolOpenAdapterComplete (ndis.h) — seed 003 §2.4 — IRQL <= DISPATCH_LEVEL. Wakes the
 * bind waiting in ImcBindAdapter. */
VOID ImcOpenAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status, NDIS_STATUS OpenErrorStatus)
{
    PIMC_BINDING Binding = (PIMC_BINDING)ProtocolBindingContext;

    Binding->OpenStatus = Status;
    Binding->OpenErrorStatus = OpenErrorStatus;
    NdisSetEvent(&Binding->OpenDone);
}

/* ProtocolCloseAdapterComplete (ndis.h) — seed 003 §2.11 — IRQL <= DISPATCH_LEVEL. */
VOID ImcCloseAdapterComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status)
{
    PIMC_BINDING Binding = (PIMC_BINDING)ProtocolBindingContext;

    Binding->CloseStatus = Status;
    NdisSetEvent(&Binding->CloseDone);
}

/* PASSIVE_LEVEL. Seed §2.11: the virtual miniport goes before the binding below it. A pending
 * initialisation is cancelled; if NDIS can no longer cancel it, MiniportInitialize has run or
 * is running, and we wait for it and de-initialise. */
static VOID ImcStopVirtualMiniport(PIMC_BINDING Binding)
{
    NDIS_HANDLE Handle;
    IMC_INIT_STATE State;

    NdisAcquireSpinLock(&Binding->Lock);
    State = Binding->InitState;
    NdisReleaseSpinLock(&Binding->Lock);

    if (State == ImcInitPending) {
        if (NdisIMCancelInitializeDeviceInstance(ImcGlobals.DriverHandle, &Binding->UpperBindings) ==
            NDIS_STATUS_SUCCESS) {
            NdisAcquireSpinLock(&Binding->Lock);
            Binding->InitState = ImcInitCancelled;
            NdisReleaseSpinLock(&Binding->Lock);
            return;
        }
        if (!NdisWaitEvent(&Binding->InitDone, IMC_WAIT_MS))
            DbgPrint("imcount: %s: MiniportInitialize never came\n", Binding->UpperName);
    }

    NdisAcquireSpinLock(&Binding->Lock);
    Handle = Binding->InitState == ImcInitRunning ? Binding->MiniportHandle : NULL;
    NdisReleaseSpinLock(&Binding->Lock);
    if (Handle != NULL) {
        NDIS_STATUS Status = NdisIMDeInitializeDeviceInstance(Handle);

        if (Status != NDIS_STATUS_SUCCESS)
            DbgPrint("imcount: NdisIMDeInitializeDeviceInstance(%s) failed %08x\n", Binding->UpperName,
                (unsigned)Status);
    }
}

/* ProtocolUnbindAdapter (ndis.h) — seed 003 §2.11 — PASSIVE_LEVEL. Completes synchronously. */
VOID ImcUnbindAdapter(PNDIS_STATUS Status, NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE UnbindContext)
{
    PIMC_BINDING Binding = (PIMC_BINDING)ProtocolBindingContext;

    UNREFERENCED_PARAMETER(UnbindContext);
    ImcSet(Binding, UnbindSequence, ImcNextSequence());
    ImcStopVirtualMiniport(Binding);

    /* Nothing of ours is below any more once the virtual miniport halted (MiniportHalt waited);
     * a virtual miniport that never came up never sent. */
    if (Binding->SendsOutstanding != 0 && !NdisWaitEvent(&Binding->SendsIdle, IMC_WAIT_MS))
        DbgPrint("imcount: %s: sends still below at unbind\n", Binding->LowerName);
    *Status = ImcCloseAdapter(Binding);
    ImcFreeDataPath(Binding);
}

/* ProtocolResetComplete (ndis.h) — seed 003 §2.10. imcount never calls NdisReset. */
VOID ImcResetComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status)
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    UNREFERENCED_PARAMETER(Status);
}

/* ProtocolRequestComplete (ndis.h) — seed 003 §2.4.3 — IRQL <= DISPATCH_LEVEL. The lower
 * driver finished a request we forwarded: hand the result to the protocol that asked. */
VOID ImcRequestComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_REQUEST NdisRequest, NDIS_STATUS Status)
{
    PIMC_BINDING Binding = (PIMC_BINDING)ProtocolBindingContext;
    NDIS_HANDLE Handle = Binding->MiniportHandle;

    Status = ImcFinishRequest(Binding, Status);
    if (Handle == NULL)
        return;
    if (NdisRequest->RequestType == NdisRequestQueryInformation)
        NdisMQueryInformationComplete(Handle, Status);
    else
        NdisMSetInformationComplete(Handle, Status);
}

/* ProtocolStatus (ndis.h) — seed 003 §2.12 — IRQL <= DISPATCH_LEVEL. Every status the lower
 * miniport indicates changes what our virtual miniport can do (media state, resets), so it goes
 * up unchanged while the virtual miniport is up and powered. */
VOID ImcStatus(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS GeneralStatus, PVOID StatusBuffer,
    UINT StatusBufferSize)
{
    PIMC_BINDING Binding = (PIMC_BINDING)ProtocolBindingContext;
    NDIS_HANDLE Handle = ImcUpperHandle(Binding);

    ImcCount(Binding, StatusIndications);
    ImcSet(Binding, LastStatus, (ULONG)GeneralStatus);
    if (Handle != NULL) {
        NdisMIndicateStatus(Handle, GeneralStatus, StatusBuffer, StatusBufferSize);
        ImcCount(Binding, StatusForwarded);
    }
}

/* ProtocolStatusComplete (ndis.h) — seed 003 §2.12 — IRQL <= DISPATCH_LEVEL. */
VOID ImcStatusComplete(NDIS_HANDLE ProtocolBindingContext)
{
    PIMC_BINDING Binding = (PIMC_BINDING)ProtocolBindingContext;
    NDIS_HANDLE Handle = ImcUpperHandle(Binding);

    ImcCount(Binding, StatusCompletes);
    if (Handle != NULL)
        NdisMIndicateStatusComplete(Handle);
}

/* ProtocolPnPEvent (ndis.h) — seed 003 §2.9.2 — PASSIVE_LEVEL. Events about the whole protocol
 * (no binding context) succeed; events on a binding are passed to the protocols bound to our
 * virtual miniport with NdisIMNotifyPnPEvent, whose answer is ours. */
NDIS_STATUS ImcPnPEvent(NDIS_HANDLE ProtocolBindingContext, PNET_PNP_EVENT NetPnPEvent)
{
    PIMC_BINDING Binding = (PIMC_BINDING)ProtocolBindingContext;
    NDIS_HANDLE Handle;
    NDIS_STATUS Status;

    if (Binding == NULL || NetPnPEvent == NULL)
        return NDIS_STATUS_SUCCESS;
    ImcCount(Binding, PnPEvents);
    ImcSet(Binding, LastPnPEvent, NetPnPEvent->NetEvent);
    Handle = Binding->MiniportHandle;
    if (Handle == NULL)
        return NDIS_STATUS_SUCCESS;
    Status = NdisIMNotifyPnPEvent(Handle, NetPnPEvent);
    ImcCount(Binding, PnPForwarded);
    ImcSet(Binding, LastPnPForwardStatus, (ULONG)Status);
    return Status;
}
