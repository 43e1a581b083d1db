/* miniport.c — the passthru's virtual miniport: MiniportInitialize (NdisIMGetDeviceContext,
 * NdisMSetAttributesEx with the IM attributes), MiniportHalt, MiniportReset,
 * MiniportPnPEventNotify and MiniportShutdown (seed 003 §2.3.1.1, §2.4.2, §2.6, §2.9, §2.10). */
#include "passthru.h"

/* §2.4.2 and §2.6: an IM is deserialized, handles its own timeouts (it cannot tell whether the
 * adapter below hangs) and must not be halted when the adapter below goes to sleep. */
#define PT_MINIPORT_ATTRIBUTES (NDIS_ATTRIBUTE_IGNORE_PACKET_TIMEOUT | NDIS_ATTRIBUTE_IGNORE_REQUEST_TIMEOUT | \
    NDIS_ATTRIBUTE_INTERMEDIATE_DRIVER | NDIS_ATTRIBUTE_DESERIALIZE | NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND)

/* MiniportInitialize (ndis.h) — seed 003 §2.4.2 — PASSIVE_LEVEL. Called because
 * ProtocolBindAdapter asked with NdisIMInitializeDeviceInstanceEx; the binding block is the
 * device context. The virtual miniport offers the medium of the adapter below. Whatever the
 * outcome, a ProtocolUnbindAdapter waiting for this call is released. */
NDIS_STATUS MpInitialize(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray,
    UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE WrapperConfigurationContext)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)NdisIMGetDeviceContext(MiniportAdapterHandle);
    NDIS_STATUS Status = NDIS_STATUS_UNSUPPORTED_MEDIA;
    UINT i;

    UNREFERENCED_PARAMETER(WrapperConfigurationContext);
    *OpenErrorStatus = NDIS_STATUS_SUCCESS;
    if (Adapter == NULL) {
        DbgPrint("passthru: MiniportInitialize without a device context\n");
        return NDIS_STATUS_FAILURE;
    }

    for (i = 0; i < MediumArraySize; i++) {
        if (MediumArray[i] == Adapter->Medium) {
            *SelectedMediumIndex = i;
            Status = NDIS_STATUS_SUCCESS;
            break;
        }
    }

    if (Status == NDIS_STATUS_SUCCESS) {
        NdisMSetAttributesEx(MiniportAdapterHandle, (NDIS_HANDLE)Adapter, 0, PT_MINIPORT_ATTRIBUTES,
            NdisInterfaceInternal);
        NdisAcquireSpinLock(&Adapter->Lock);
        Adapter->MiniportHandle = MiniportAdapterHandle;
        Adapter->MiniportPowerState = NdisDeviceStateD0;
        Adapter->LastIndicatedStatus = NDIS_STATUS_MEDIA_CONNECT;
        Adapter->MiniportHalted = FALSE;
        NdisResetEvent(&Adapter->MiniportHaltEvent);
        NdisReleaseSpinLock(&Adapter->Lock);
        KeMemoryBarrier();
        Adapter->MiniportReady = TRUE;
    } else {
        DbgPrint("passthru: %s: NDIS offers no medium the adapter below uses\n", Adapter->UpperName);
    }

    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->MiniportInitPending = FALSE;
    NdisReleaseSpinLock(&Adapter->Lock);
    NdisSetEvent(&Adapter->MiniportInitEvent);
    return Status;
}

/* MiniportHalt (ndis.h) — seed 003 §2.3.1.1, §2.11 — PASSIVE_LEVEL. Admits no new work, fails
 * the sends waiting for the adapter below to wake, waits until every send is completed up, every packet indicated up is returned and the forwarded
 * request is completed, then forgets the miniport handle. The binding below stays: it belongs
 * to ProtocolUnbindAdapter, which this call may be part of (NdisIMDeInitializeDeviceInstance)
 * or not (the virtual miniport was removed on its own). */
VOID MpHalt(NDIS_HANDLE MiniportAdapterContext)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)MiniportAdapterContext;

    Adapter->MiniportReady = FALSE;
    KeMemoryBarrier();
    PtFailSendQueue(Adapter, NDIS_STATUS_FAILURE);
    PtRefWaitZero(&Adapter->MiniportRefs);

    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->MiniportHandle = NULL;
    Adapter->MiniportHalted = TRUE;
    NdisReleaseSpinLock(&Adapter->Lock);
    NdisSetEvent(&Adapter->MiniportHaltEvent);
}

/* MiniportReset (ndis.h) — seed 003 §2.10 — IRQL <= DISPATCH_LEVEL. Rare for an IM (timeouts are
 * ignored). The passthru keeps no addressing state of its own (packet filter, multicast list and
 * lookahead live in the adapter below), so there is nothing to restore and NDIS need not set
 * them again: AddressingReset FALSE. */
NDIS_STATUS MpReset(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    *AddressingReset = FALSE;
    return NDIS_STATUS_SUCCESS;
}

/* MiniportPnPEventNotify (ndis.h) — seed 003 §2.9 — PASSIVE_LEVEL. Recorded only: the virtual
 * miniport has no hardware to prepare for removal or a power-profile change. */
VOID MpPnPEventNotify(NDIS_HANDLE MiniportAdapterContext, NDIS_DEVICE_PNP_EVENT PnPEvent, PVOID InformationBuffer,
    ULONG InformationBufferLength)
{
    PPT_ADAPTER Adapter = (PPT_ADAPTER)MiniportAdapterContext;

    UNREFERENCED_PARAMETER(InformationBuffer);
    UNREFERENCED_PARAMETER(InformationBufferLength);
    NdisAcquireSpinLock(&Adapter->Lock);
    Adapter->LastDevicePnPEvent = PnPEvent;
    Adapter->DevicePnPEvents++;
    NdisReleaseSpinLock(&Adapter->Lock);
}

/* MiniportShutdown (ndis.h) — seed 003 §2.3.1.1 — any IRQL. There is no hardware to put in a
 * known state; the adapter below gets its own shutdown call. */
VOID MpAdapterShutdown(NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
}
