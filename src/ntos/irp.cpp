// irp.cpp — IRPs (wdm.h; seed 003 §2.3 control devices, seeds 000/002 WSK requests): allocation
// and reuse, IoCallDriver, IofCompleteRequest's walk back up through the completion routines, and
// cancellation under the one cancel spin lock. Strata's own senders (control devices) wait on
// UserEvent the way the I/O manager finishes a synchronous request.
#include "ntos/irp.h"

#include <cstdio>
#include <cstring>
#include <new>

#include "ntos/check.h"
#include "ntos/irql.h"
#include "ntos/pool.h"
#include "verifier/fault.h"

namespace strata::ntos {
namespace {

using verifier::Rule;

// The cancel spin lock: one for the whole system, as on Windows.
KSPIN_LOCK g_cancel_lock = 0;

PIO_STACK_LOCATION first_location(PIRP irp) noexcept { return reinterpret_cast<PIO_STACK_LOCATION>(irp + 1); }

// IoInitializeIrp's work: everything zero but the size, the stack and no location current yet.
void initialize(PIRP irp, USHORT packet_size, CCHAR stack_size) noexcept {
    std::memset(static_cast<void*>(irp), 0, packet_size);
    irp->Type = kIoTypeIrp;
    irp->Size = packet_size;
    irp->StackCount = stack_size;
    irp->CurrentLocation = static_cast<CHAR>(stack_size + 1);
    irp->Tail.Overlay.CurrentStackLocation = first_location(irp) + stack_size;
    InitializeListHead(&irp->ThreadListEntry);
    irp->RequestorMode = KernelMode;
}

PIRP new_irp(CCHAR stack_size) noexcept {
    if (stack_size < 1) stack_size = 1;
    USHORT bytes = IoSizeOfIrp(stack_size);
    auto* irp = static_cast<PIRP>(pool_allocate(bytes, kTagIrp));
    if (irp != nullptr) initialize(irp, bytes, stack_size);
    return irp;
}

bool check_irp(const IRP* irp, const char* function) noexcept {
    if (!non_null(irp, function)) return false;
    if (irp->Type == kIoTypeIrp) [[likely]] return true;
    report_violation(Rule::InvalidHandle, irp, function, "not an IRP (Type is not IO_TYPE_IRP)");
    return false;
}

// The routine IoCallDriver would run for the IRP's next location at `device`, NULL if none.
PDRIVER_DISPATCH dispatch_for(PDEVICE_OBJECT device, PIRP irp) noexcept {
    if (device->DriverObject == nullptr) return nullptr;
    UCHAR major = IoGetNextIrpStackLocation(irp)->MajorFunction;
    return major <= IRP_MJ_MAXIMUM_FUNCTION ? device->DriverObject->MajorFunction[major] : nullptr;
}

// Whether a completion routine registered with `control` (SL_INVOKE_*) runs for the IRP as it is now.
bool invokes(UCHAR control, const IRP& irp) noexcept {
    if (NT_SUCCESS(irp.IoStatus.Status) ? (control & SL_INVOKE_ON_SUCCESS) : (control & SL_INVOKE_ON_ERROR)) return true;
    return irp.Cancel && (control & SL_INVOKE_ON_CANCEL);
}

// What the walk does at a location whose routine does not run: a lower driver's pending return
// becomes the pending return of the driver above.
void propagate_pending(PIRP irp) noexcept {
    if (irp->PendingReturned && irp->CurrentLocation <= irp->StackCount) IoMarkIrpPending(irp);
}

// The top of the stack: nothing above to call. Strata's own senders wait on UserEvent (and read
// UserIosb), as the I/O manager ends a synchronous request. An IRP nobody waits for was a
// driver's (IoAllocateIrp, no thread): its completion routine should have kept it.
void finish_at_top(PIRP irp) noexcept {
    if (irp->UserIosb == nullptr && irp->UserEvent == nullptr) {
        report_violation(Rule::BadCall, irp, "IoCompleteRequest",
                         "an IRP without a thread (IoAllocateIrp) was completed to the top: its completion routine must "
                         "return STATUS_MORE_PROCESSING_REQUIRED and free or reuse it");
        return;
    }
    // Read before signalling: once UserEvent is set the waiter may free the IRP.
    PKEVENT event = irp->UserEvent;
    if (irp->UserIosb != nullptr) *irp->UserIosb = irp->IoStatus;
    if (event != nullptr) KeSetEvent(event, IO_NO_INCREMENT, FALSE);
}

// IoSetCompletionRoutineEx's record: the driver's routine and when it wants it.
struct CompletionEx {
    PIO_COMPLETION_ROUTINE routine;
    PVOID context;
    UCHAR control;  // SL_INVOKE_* the driver asked for
};

// Registered for every outcome so the record is always freed; calls the driver's routine only
// for the outcomes it asked for, else continues the walk as if no routine were there.
NTSTATUS completion_ex(PDEVICE_OBJECT device, PIRP irp, PVOID context) {
    auto* record = static_cast<CompletionEx*>(context);
    CompletionEx copy = *record;
    pool_free(record, kTagCompletionEx, 0, "IoSetCompletionRoutineEx");
    if (invokes(copy.control, *irp)) return copy.routine(device, irp, copy.context);
    propagate_pending(irp);
    return STATUS_SUCCESS;
}

}  // namespace

void IrpDeleter::operator()(IRP* irp) const noexcept {
    if (irp != nullptr) pool_free(irp, kTagIrp, 0, "IrpDeleter");
}

IrpPtr allocate_irp(CCHAR stack_size) {
    PIRP irp = new_irp(stack_size);
    if (irp == nullptr) throw std::bad_alloc();
    return IrpPtr(irp);
}

bool irp_completed(const IRP& irp) noexcept { return irp.CurrentLocation > irp.StackCount; }

NTSTATUS call_driver(PDEVICE_OBJECT device, PIRP irp) {
    if (!non_null(device, "IoCallDriver") || !check_irp(irp, "IoCallDriver")) return STATUS_INVALID_PARAMETER;
    irql_at_most(DISPATCH_LEVEL, "IoCallDriver", irp);
    if (irp->CurrentLocation <= 1) {
        report_violation(Rule::BadCall, irp, "IoCallDriver", "the IRP has no stack location left");
        return STATUS_INVALID_PARAMETER;
    }
    PDRIVER_DISPATCH dispatch = dispatch_for(device, irp);
    if (dispatch == nullptr) {
        report_violation(Rule::BadCall, device, "IoCallDriver",
                         "the device's driver has no dispatch routine for the IRP's MajorFunction; not sent");
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    IoSetNextIrpStackLocation(irp);
    IoGetCurrentIrpStackLocation(irp)->DeviceObject = device;
    return dispatch(device, irp);
}

NTSTATUS call_driver_and_wait(PDEVICE_OBJECT device, PIRP irp) {
    // What call_driver refuses never reaches the driver, so nothing would complete it.
    if (device == nullptr || irp == nullptr || irp->Type != kIoTypeIrp || irp->CurrentLocation <= 1 ||
        dispatch_for(device, irp) == nullptr)
        return call_driver(device, irp);
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    irp->UserEvent = &done;
    NTSTATUS status = call_driver(device, irp);
    if (status != STATUS_PENDING && !irp_completed(*irp)) {
        report_violation(Rule::BadCall, irp, "IoCallDriver",
                         "the dispatch routine returned without completing the IRP or STATUS_PENDING");
        irp->UserEvent = nullptr;
        return status;
    }
    KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, nullptr);
    irp->UserEvent = nullptr;
    return irp->IoStatus.Status;
}

}  // namespace strata::ntos

using namespace strata::ntos;
using strata::verifier::Rule;

/* IoAllocateIrp (wdm.h) — seeds 000/002 (WSK requests) — IRQL <= DISPATCH_LEVEL
 * A zeroed IRP with StackSize locations, none current, no thread; NULL when out of memory.
 * ChargeQuota is accepted and ignored (no process quotas). */
extern "C" PIRP NTAPI IoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota) {
    (void)ChargeQuota;
    irql_at_most(DISPATCH_LEVEL, "IoAllocateIrp");
    if (StackSize < 1) {
        report_violation(Rule::BadCall, nullptr, "IoAllocateIrp", "StackSize must be at least 1");
        return nullptr;
    }
    if (strata::verifier::fault::should_fail(strata::verifier::fault::FaultCall::IoAllocateIrp)) return nullptr;
    return new_irp(StackSize);
}

/* IoFreeIrp (wdm.h) — seeds 000/002 — IRQL <= DISPATCH_LEVEL
 * Frees an IRP from IoAllocateIrp. Freeing it twice, or memory IoAllocateIrp did not return, is
 * reported (Rule::DoubleFree) without touching that memory. */
extern "C" VOID NTAPI IoFreeIrp(PIRP Irp) {
    irql_at_most(DISPATCH_LEVEL, "IoFreeIrp", Irp);
    pool_free(Irp, kTagIrp, 0, "IoFreeIrp");
}

/* IoInitializeIrp (wdm.h) — seeds 000/002 — IRQL <= DISPATCH_LEVEL
 * Makes PacketSize bytes (>= IoSizeOfIrp(StackSize)) of the caller's memory an IRP. */
extern "C" VOID NTAPI IoInitializeIrp(PIRP Irp, USHORT PacketSize, CCHAR StackSize) {
    if (!non_null(Irp, "IoInitializeIrp")) return;
    if (StackSize < 1 || PacketSize < IoSizeOfIrp(StackSize)) {
        char what[96];
        std::snprintf(what, sizeof what, "PacketSize %u is too small for %d stack locations; not initialised",
                      unsigned{PacketSize}, int{StackSize});
        report_violation(Rule::BadCall, Irp, "IoInitializeIrp", what);
        return;
    }
    initialize(Irp, PacketSize, StackSize);
}

/* IoReuseIrp (wdm.h) — seeds 000/002 — IRQL <= DISPATCH_LEVEL
 * Reinitialises an IRP the caller allocated (IoAllocateIrp or raw memory) for another request:
 * same size, stack and allocation flags, IoStatus.Status = Iostatus, everything else zero. */
extern "C" VOID NTAPI IoReuseIrp(PIRP Irp, NTSTATUS Iostatus) {
    if (!check_irp(Irp, "IoReuseIrp")) return;
    irql_at_most(DISPATCH_LEVEL, "IoReuseIrp", Irp);
    UCHAR allocation_flags = Irp->AllocationFlags;
    initialize(Irp, Irp->Size, Irp->StackCount);
    Irp->AllocationFlags = allocation_flags;
    Irp->IoStatus.Status = Iostatus;
}

/* IoSetCompletionRoutineEx (wdm.h) — seeds 000/002 — IRQL <= DISPATCH_LEVEL
 * IoSetCompletionRoutine through a record freed when the routine's turn comes. Windows also holds
 * DeviceObject so a non-PnP driver cannot unload before its routine ran; Strata's loader keeps no
 * such count, so DeviceObject is accepted and not referenced. */
extern "C" NTSTATUS NTAPI IoSetCompletionRoutineEx(PDEVICE_OBJECT DeviceObject, PIRP Irp,
                                                   PIO_COMPLETION_ROUTINE CompletionRoutine, PVOID Context,
                                                   BOOLEAN InvokeOnSuccess, BOOLEAN InvokeOnError,
                                                   BOOLEAN InvokeOnCancel) {
    (void)DeviceObject;
    if (!check_irp(Irp, "IoSetCompletionRoutineEx") || !non_null(reinterpret_cast<const void*>(CompletionRoutine),
                                                                 "IoSetCompletionRoutineEx"))
        return STATUS_INVALID_PARAMETER;
    auto* record = static_cast<CompletionEx*>(pool_allocate(sizeof(CompletionEx), kTagCompletionEx));
    if (record == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
    UCHAR control = static_cast<UCHAR>((InvokeOnSuccess ? SL_INVOKE_ON_SUCCESS : 0) |
                                       (InvokeOnError ? SL_INVOKE_ON_ERROR : 0) |
                                       (InvokeOnCancel ? SL_INVOKE_ON_CANCEL : 0));
    *record = CompletionEx{CompletionRoutine, Context, control};
    IoSetCompletionRoutine(Irp, completion_ex, record, TRUE, TRUE, TRUE);
    return STATUS_SUCCESS;
}

/* IofCallDriver (wdm.h; IoCallDriver) — seed 003 §2.3 — IRQL <= DISPATCH_LEVEL
 * Makes the next stack location current (DeviceObject in it) and returns what the device's
 * dispatch routine for its MajorFunction returns. The caller gives up the IRP until it completes. */
extern "C" NTSTATUS FASTCALL IofCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp) { return call_driver(DeviceObject, Irp); }

/* IofCompleteRequest (wdm.h; IoCompleteRequest) — seed 003 §2.3, seeds 000/002 — IRQL <=
 * DISPATCH_LEVEL; completion routines run on the caller's thread at the caller's IRQL.
 * From the current location up: PendingReturned takes the location's SL_PENDING_RETURNED; the
 * location's completion routine runs if its SL_INVOKE_* bits match (success, error, or Cancel),
 * with the DeviceObject of the location above it (NULL above the first location: the sender of
 * a driver-allocated IRP has none). STATUS_MORE_PROCESSING_REQUIRED stops the walk: the routine
 * owns the IRP again. Where no routine runs, a pending return propagates to the location above.
 * A second completion, completing with STATUS_PENDING or with a cancel routine still set are
 * reported (Windows bugchecks MULTIPLE_IRP_COMPLETE_REQUESTS, IRP_COMPLETE_WITH_PENDING,
 * CANCEL_STATE_IN_COMPLETED_IRP); the first is ignored, the others are corrected. */
extern "C" VOID FASTCALL IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost) {
    (void)PriorityBoost;
    if (!check_irp(Irp, "IoCompleteRequest")) return;
    irql_at_most(DISPATCH_LEVEL, "IoCompleteRequest", Irp);
    if (irp_completed(*Irp)) {
        report_violation(Rule::BadCall, Irp, "IoCompleteRequest",
                         "the IRP is at no driver (already completed, or never sent); ignored");
        return;
    }
    if (Irp->IoStatus.Status == STATUS_PENDING)
        report_violation(Rule::RequestBadStatus, Irp, "IoCompleteRequest", "IoStatus.Status is STATUS_PENDING");
    if (IoSetCancelRoutine(Irp, nullptr) != nullptr)
        report_violation(Rule::BadCall, Irp, "IoCompleteRequest", "completed with a cancel routine still set; cleared");
    while (Irp->CurrentLocation <= Irp->StackCount) {
        PIO_STACK_LOCATION location = IoGetCurrentIrpStackLocation(Irp);
        Irp->PendingReturned = (location->Control & SL_PENDING_RETURNED) ? TRUE : FALSE;
        bool run = location->CompletionRoutine != nullptr && invokes(location->Control, *Irp);
        PIO_COMPLETION_ROUTINE routine = location->CompletionRoutine;
        PVOID context = location->Context;
        location->Control = 0;
        location->CompletionRoutine = nullptr;
        location->Context = nullptr;
        IoSkipCurrentIrpStackLocation(Irp);
        if (!run) {
            propagate_pending(Irp);
            continue;
        }
        PDEVICE_OBJECT above =
            Irp->CurrentLocation <= Irp->StackCount ? IoGetCurrentIrpStackLocation(Irp)->DeviceObject : nullptr;
        if (routine(above, Irp, context) == STATUS_MORE_PROCESSING_REQUIRED) return;
    }
    finish_at_top(Irp);
}

/* IoAcquireCancelSpinLock (wdm.h) — seeds 000/002 — IRQL <= DISPATCH_LEVEL; raises to DISPATCH_LEVEL */
extern "C" VOID NTAPI IoAcquireCancelSpinLock(PKIRQL Irql) {
    if (!non_null(Irql, "IoAcquireCancelSpinLock")) return;
    *Irql = KeAcquireSpinLockRaiseToDpc(&g_cancel_lock);
}

/* IoReleaseCancelSpinLock (wdm.h) — seeds 000/002 — IRQL == DISPATCH_LEVEL; restores Irql */
extern "C" VOID NTAPI IoReleaseCancelSpinLock(KIRQL Irql) { KeReleaseSpinLock(&g_cancel_lock, Irql); }

/* IoCancelIrp (wdm.h) — seeds 000/002 — IRQL <= DISPATCH_LEVEL
 * Sets Irp->Cancel. Under the cancel spin lock it takes the IRP's cancel routine (leaving NULL);
 * if there was one it stores the caller's IRQL in Irp->CancelIrql and calls the routine with the
 * current location's DeviceObject, still holding the lock: the routine must release it with
 * IoReleaseCancelSpinLock(Irp->CancelIrql) and then complete the IRP (it owns it now). Returns
 * TRUE when a routine was called, FALSE when the IRP was not cancelable (the driver holding it is
 * expected to notice Cancel later). The IRP must not be touched after the routine runs. */
extern "C" BOOLEAN NTAPI IoCancelIrp(PIRP Irp) {
    if (!check_irp(Irp, "IoCancelIrp")) return FALSE;
    irql_at_most(DISPATCH_LEVEL, "IoCancelIrp", Irp);
    KIRQL irql;
    IoAcquireCancelSpinLock(&irql);
    Irp->Cancel = TRUE;
    PDRIVER_CANCEL routine = IoSetCancelRoutine(Irp, nullptr);
    if (routine == nullptr) {
        IoReleaseCancelSpinLock(irql);
        return FALSE;
    }
    Irp->CancelIrql = irql;
    PDEVICE_OBJECT device = !irp_completed(*Irp) ? IoGetCurrentIrpStackLocation(Irp)->DeviceObject : nullptr;
    routine(device, Irp);
    if (current_irql() > irql) {
        report_violation(Rule::SpinLockMisuse, &g_cancel_lock, "IoCancelIrp",
                         "the cancel routine returned without IoReleaseCancelSpinLock; released");
        IoReleaseCancelSpinLock(irql);
    }
    return TRUE;
}
