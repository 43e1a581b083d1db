/* status.c — the probe's status and reset handlers: ProtocolStatus, ProtocolStatusComplete and
 * ProtocolResetComplete, counted per binding (seed 003 §2.10, §2.12). */
#include "probe.h"

/* ProtocolStatus (ndis.h) — seed 003 §2.12 — IRQL <= DISPATCH_LEVEL. Records the indication
 * (NDIS_STATUS_MEDIA_CONNECT/_DISCONNECT, _RESET_START/_END, _CLOSING, ...). */
VOID ProbeStatus(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS GeneralStatus, PVOID StatusBuffer,
    UINT StatusBufferSize)
{
    PPROBE_BINDING Binding = (PPROBE_BINDING)ProtocolBindingContext;

    UNREFERENCED_PARAMETER(StatusBuffer);
    UNREFERENCED_PARAMETER(StatusBufferSize);
    NdisAcquireSpinLock(&Binding->Lock);
    Binding->StatusIndications++;
    Binding->LastStatus = (ULONG)GeneralStatus;
    NdisReleaseSpinLock(&Binding->Lock);
}

/* ProtocolStatusComplete (ndis.h) — seed 003 §2.12 — IRQL <= DISPATCH_LEVEL. */
VOID ProbeStatusComplete(NDIS_HANDLE ProtocolBindingContext)
{
    PPROBE_BINDING Binding = (PPROBE_BINDING)ProtocolBindingContext;

    NdisAcquireSpinLock(&Binding->Lock);
    Binding->StatusCompletes++;
    NdisReleaseSpinLock(&Binding->Lock);
}

/* ProtocolResetComplete (ndis.h) — seed 003 §2.10 — IRQL <= DISPATCH_LEVEL. Completes an
 * NdisReset that pended; the probe never resets, so this only counts. */
VOID ProbeResetComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status)
{
    PPROBE_BINDING Binding = (PPROBE_BINDING)ProtocolBindingContext;

    UNREFERENCED_PARAMETER(Status);
    NdisAcquireSpinLock(&Binding->Lock);
    Binding->ResetCompletes++;
    NdisReleaseSpinLock(&Binding->Lock);
}
