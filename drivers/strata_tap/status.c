/* status.c — strata_tap's status and reset handlers: NDIS_STATUS_MEDIA_CONNECT and
 * _DISCONNECT turn the binding's TAP carrier on and off (TUNSETCARRIER), so Linux sees the
 * adapter's link state (issue 6 deliverable 2; seed 003 §2.10, §2.12). */
#include "strata_tap.h"

/* IRQL <= DISPATCH_LEVEL, Binding->Lock held: the TAP's carrier follows MediaState. Under the
 * lock so two indications on two processors cannot reach the TAP in the wrong order. */
static VOID StapApplyCarrierLocked(PSTAP_BINDING Binding)
{
    BOOLEAN On = Binding->MediaState == NdisMediaStateConnected;
    INT Failure = tap_set_carrier(&Binding->Tap, On);

    if (Failure != 0)
        DbgPrint("strata_tap: %s: TUNSETCARRIER %d failed (%d)\n", Binding->Tap.name, (int)On, -Failure);
}

VOID StapStartCarrier(PSTAP_BINDING Binding, NDIS_MEDIA_STATE Queried)
{
    NdisAcquireSpinLock(&Binding->Lock);
    if (!Binding->MediaIndicated)
        Binding->MediaState = Queried;
    Binding->CarrierReady = TRUE;
    StapApplyCarrierLocked(Binding);
    NdisReleaseSpinLock(&Binding->Lock);
}

/* ProtocolStatus (ndis.h) — seed 003 §2.12 — IRQL <= DISPATCH_LEVEL. Media changes reach the
 * TAP's carrier; other indications (reset start and end, ...) need nothing of a TAP. */
VOID StapStatus(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS GeneralStatus, PVOID StatusBuffer,
    UINT StatusBufferSize)
{
    PSTAP_BINDING Binding = (PSTAP_BINDING)ProtocolBindingContext;

    UNREFERENCED_PARAMETER(StatusBuffer);
    UNREFERENCED_PARAMETER(StatusBufferSize);
    if (GeneralStatus != NDIS_STATUS_MEDIA_CONNECT && GeneralStatus != NDIS_STATUS_MEDIA_DISCONNECT)
        return;
    NdisAcquireSpinLock(&Binding->Lock);
    Binding->MediaState =
        GeneralStatus == NDIS_STATUS_MEDIA_CONNECT ? NdisMediaStateConnected : NdisMediaStateDisconnected;
    Binding->MediaIndicated = TRUE;
    if (Binding->CarrierReady)
        StapApplyCarrierLocked(Binding);
    NdisReleaseSpinLock(&Binding->Lock);
}

/* ProtocolStatusComplete (ndis.h) — seed 003 §2.12 — IRQL <= DISPATCH_LEVEL. Each indication was
 * applied as it came. */
VOID StapStatusComplete(NDIS_HANDLE ProtocolBindingContext)
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
}

/* ProtocolResetComplete (ndis.h) — seed 003 §2.10 — IRQL <= DISPATCH_LEVEL. strata_tap never
 * calls NdisReset, so there is nothing of ours to complete. */
VOID StapResetComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status)
{
    PSTAP_BINDING Binding = (PSTAP_BINDING)ProtocolBindingContext;

    DbgPrint("strata_tap: %s: unexpected ProtocolResetComplete %08x\n", Binding->DeviceName, (unsigned)Status);
}
