/* request.c — the probe's queries and sets: NdisRequest through the binding's request slot,
 * waiting on an NDIS_EVENT that ProtocolRequestComplete sets when the request pends
 * (seed 003 §2.4.3.1). */
#include "probe.h"

/* PASSIVE_LEVEL. One request per binding at a time; later callers wait their turn. */
static VOID ProbeRequestSlotAcquire(PPROBE_BINDING Binding)
{
    NdisAcquireSpinLock(&Binding->Lock);
    while (Binding->Req.Busy) {
        NdisResetEvent(&Binding->Req.Free);
        NdisReleaseSpinLock(&Binding->Lock);
        NdisWaitEvent(&Binding->Req.Free, 0);
        NdisAcquireSpinLock(&Binding->Lock);
    }
    Binding->Req.Busy = TRUE;
    NdisReleaseSpinLock(&Binding->Lock);
}

static VOID ProbeRequestSlotRelease(PPROBE_BINDING Binding)
{
    NdisAcquireSpinLock(&Binding->Lock);
    Binding->Req.Busy = FALSE;
    NdisSetEvent(&Binding->Req.Free);
    NdisReleaseSpinLock(&Binding->Lock);
}

/* PASSIVE_LEVEL; the binding is open. Issues a query or set and returns its final status,
 * waiting for ProtocolRequestComplete when NdisRequest pends. *BytesDone receives
 * BytesWritten or BytesRead, *BytesNeeded BytesNeeded (NULL pointers are skipped). */
NDIS_STATUS ProbeDoRequest(PPROBE_BINDING Binding, NDIS_REQUEST_TYPE Type, NDIS_OID Oid, PVOID Buffer,
    UINT Length, PUINT BytesDone, PUINT BytesNeeded)
{
    PNDIS_REQUEST Request = &Binding->Req.Request;
    NDIS_STATUS Status;

    if (Type != NdisRequestQueryInformation && Type != NdisRequestSetInformation)
        return NDIS_STATUS_NOT_SUPPORTED;
    if (KeGetCurrentIrql() != PASSIVE_LEVEL) {
        DbgPrint("probe: request %08x refused above PASSIVE_LEVEL\n", (unsigned)Oid);
        return NDIS_STATUS_FAILURE;
    }

    ProbeRequestSlotAcquire(Binding);
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
    NdisResetEvent(&Binding->Req.Done);
    NdisRequest(&Status, Binding->BindingHandle, Request);
    if (Status == NDIS_STATUS_PENDING) {
        NdisWaitEvent(&Binding->Req.Done, 0);
        Status = Binding->Req.Status;
    }
    if (Type == NdisRequestQueryInformation) {
        if (BytesDone != NULL)
            *BytesDone = Request->DATA.QUERY_INFORMATION.BytesWritten;
        if (BytesNeeded != NULL)
            *BytesNeeded = Request->DATA.QUERY_INFORMATION.BytesNeeded;
    } else {
        if (BytesDone != NULL)
            *BytesDone = Request->DATA.SET_INFORMATION.BytesRead;
        if (BytesNeeded != NULL)
            *BytesNeeded = Request->DATA.SET_INFORMATION.BytesNeeded;
    }
    ProbeRequestSlotRelease(Binding);
    return Status;
}

/* ProtocolRequestComplete (ndis.h) — seed 003 §2.4.3.1 — IRQL <= DISPATCH_LEVEL. A request
 * that pended is done: hand its status to the waiter. */
VOID ProbeRequestComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_REQUEST NdisRequest, NDIS_STATUS Status)
{
    PPROBE_REQUEST_SLOT Slot = CONTAINING_RECORD(NdisRequest, PROBE_REQUEST_SLOT, Request);

    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    Slot->Status = Status;
    NdisSetEvent(&Slot->Done);
}
