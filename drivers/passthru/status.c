/* status.c — status from below: ProtocolStatus and ProtocolStatusComplete pass the adapter's
 * indications up while the virtual miniport is initialised and in D0, remembering the media
 * state; ProtocolResetComplete (seed 003 §2.10, §2.12). */
#include "passthru.h"

static BOOLEAN PtIsMediaStatus(NDIS_STATUS Status)
{
    return Status == NDIS_STATUS_MEDIA_CONNECT || Status == NDIS_STATUS_MEDIA_DISCONNECT;
}

/* ProtocolStatus (ndis.h) — seed 003 §2.12 — IRQL <= DISPATCH_LEVEL. Reset start and end,
 * media changes and the rest all change what the protocols above can do on the virtual
 * miniport, so they hear every one of them (the passthru queues nothing of its own). A media
 * change that cannot go up now is indicated when the virtual miniport is back in D0. */
VOID PtStatus(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS GeneralStatus, PVOID StatusBuffer,
    UINT StatusBufferSize)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)ProtocolBindingContext;
    BOOLEAN Media = PtIsMediaStatus(GeneralStatus);
    BOOLEAN Up;

    InterlockedIncrement64(&Adapter->StatusIndications);
    if (!PtMiniportEnter(Adapter, 1)) {
        if (Media) {
            NdisAcquireSpinLock(&Adapter->Lock);
            Adapter->LatestMediaStatus = GeneralStatus;
            NdisReleaseSpinLock(&Adapter->Lock);
        }
        return;
    }
    NdisAcquireSpinLock(&Adapter->Lock);
    if (Media)
        Adapter->LatestMediaStatus = GeneralStatus;
    Up = Adapter->MiniportPowerState == NdisDeviceStateD0;
    if (Up) {
        if (Media)
            Adapter->LastIndicatedStatus = GeneralStatus;
        Adapter->IndicateStatusComplete = TRUE;
    }
    NdisReleaseSpinLock(&Adapter->Lock);
    if (Up)
        NdisMIndicateStatus(Adapter->MiniportHandle, GeneralStatus, StatusBuffer, StatusBufferSize);
    PtMiniportLeave(Adapter, 1);
}

/* ProtocolStatusComplete (ndis.h) — seed 003 §2.12 — IRQL <= DISPATCH_LEVEL. */
VOID PtStatusComplete(NDIS_HANDLE ProtocolBindingContext)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)ProtocolBindingContext;
    BOOLEAN Due;

    if (!PtMiniportEnter(Adapter, 1))
        return;
    NdisAcquireSpinLock(&Adapter->Lock);
    Due = Adapter->IndicateStatusComplete;
    Adapter->IndicateStatusComplete = FALSE;
    NdisReleaseSpinLock(&Adapter->Lock);
    if (Due)
        NdisMIndicateStatusComplete(Adapter->MiniportHandle);
    PtMiniportLeave(Adapter, 1);
}

/* IRQL <= DISPATCH_LEVEL. The virtual miniport is back in D0: if the media state changed while
 * it was asleep, the protocols above are told now. */
VOID PtIndicateMissedMediaStatus(PPT_ADAPTER Adapter)
{
    NDIS_STATUS Latest;
    BOOLEAN Missed;

    NdisAcquireSpinLock(&Adapter->Lock);
    Latest = Adapter->LatestMediaStatus;
    Missed = Latest != Adapter->LastIndicatedStatus;
    if (Missed)
        Adapter->LastIndicatedStatus = Latest;
    NdisReleaseSpinLock(&Adapter->Lock);
    if (!Missed || !PtMiniportEnter(Adapter, 1))
        return;
    NdisMIndicateStatus(Adapter->MiniportHandle, Latest, NULL, 0);
    NdisMIndicateStatusComplete(Adapter->MiniportHandle);
    PtMiniportLeave(Adapter, 1);
}

/* ProtocolResetComplete (ndis.h) — seed 003 §2.10 — IRQL <= DISPATCH_LEVEL. The passthru never
 * calls NdisReset (resets of the adapter below reach it as NDIS_STATUS_RESET_START/END through
 * ProtocolStatus), so this completes nothing of ours. */
VOID PtResetComplete(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)ProtocolBindingContext;

    DbgPrint("passthru: %s: unexpected ProtocolResetComplete %08x\n", Adapter->LowerName, (unsigned)Status);
}
