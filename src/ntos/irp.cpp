// irp.cpp — IRPs for Strata's own senders and IofCompleteRequest (wdm.h; seed 003 §2.3 control
// devices). There is no I/O manager above a Strata device: completion finishes the IRP at once,
// no completion routines run and no thread is attached to it.
#include "ntos/irp.h"

#include <cstring>
#include <new>

#include "ntos/check.h"
#include "ntos/irql.h"

namespace strata::ntos {
namespace {

std::size_t irp_bytes(CCHAR stack_size) noexcept {
    return sizeof(IRP) + static_cast<std::size_t>(stack_size) * sizeof(IO_STACK_LOCATION);
}

PIO_STACK_LOCATION first_location(PIRP irp) noexcept { return reinterpret_cast<PIO_STACK_LOCATION>(irp + 1); }

}  // namespace

void IrpDeleter::operator()(IRP* irp) const noexcept {
    if (irp == nullptr) return;
    irp->~IRP();
    ::operator delete(static_cast<void*>(irp), std::align_val_t{alignof(IRP)});
}

IrpPtr allocate_irp(CCHAR stack_size) {
    if (stack_size < 1) stack_size = 1;
    std::size_t bytes = irp_bytes(stack_size);
    void* memory = ::operator new(bytes, std::align_val_t{alignof(IRP)});
    std::memset(memory, 0, bytes);
    auto* irp = new (memory) IRP{};
    irp->Type = kIoTypeIrp;
    irp->Size = static_cast<USHORT>(bytes);
    irp->StackCount = stack_size;
    irp->CurrentLocation = static_cast<CHAR>(stack_size + 1);
    irp->Tail.Overlay.CurrentStackLocation = first_location(irp) + stack_size;
    InitializeListHead(&irp->ThreadListEntry);
    irp->RequestorMode = KernelMode;
    return IrpPtr(irp);
}

bool irp_completed(const IRP& irp) noexcept { return irp.CurrentLocation > irp.StackCount; }

NTSTATUS call_driver(PDEVICE_OBJECT device, PIRP irp) {
    if (!non_null(device, "IoCallDriver") || !non_null(irp, "IoCallDriver")) return STATUS_INVALID_PARAMETER;
    if (irp->CurrentLocation <= 1) {
        report_violation(verifier::Rule::BadCall, irp, "IoCallDriver", "the IRP has no stack location left");
        return STATUS_INVALID_PARAMETER;
    }
    irp->CurrentLocation -= 1;
    irp->Tail.Overlay.CurrentStackLocation -= 1;
    PIO_STACK_LOCATION location = irp->Tail.Overlay.CurrentStackLocation;
    location->DeviceObject = device;
    PDRIVER_DISPATCH dispatch = device->DriverObject->MajorFunction[location->MajorFunction];
    return dispatch(device, irp);
}

NTSTATUS call_driver_and_wait(PDEVICE_OBJECT device, PIRP irp) {
    // What call_driver refuses never reaches the driver, so nothing would complete it.
    if (device == nullptr || irp == nullptr || irp->CurrentLocation <= 1) return call_driver(device, irp);
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    irp->UserEvent = &done;
    NTSTATUS status = call_driver(device, irp);
    if (status != STATUS_PENDING && !irp_completed(*irp)) {
        report_violation(verifier::Rule::BadCall, irp, "IoCallDriver",
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

/* IofCompleteRequest (wdm.h; IoCompleteRequest) — IRQL <= DISPATCH_LEVEL
 * The driver is done with the IRP and IoStatus is final. A second completion, or completing with
 * STATUS_PENDING, is reported (Windows bugchecks MULTIPLE_IRP_COMPLETE_REQUESTS /
 * IRP_COMPLETE_WITH_PENDING) and otherwise ignored. */
extern "C" VOID FASTCALL IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost) {
    (void)PriorityBoost;
    if (!non_null(Irp, "IoCompleteRequest")) return;
    irql_at_most(DISPATCH_LEVEL, "IoCompleteRequest", Irp);
    if (irp_completed(*Irp)) {
        report_violation(strata::verifier::Rule::BadCall, Irp, "IoCompleteRequest", "the IRP was already completed");
        return;
    }
    if (Irp->IoStatus.Status == STATUS_PENDING) {
        report_violation(strata::verifier::Rule::RequestBadStatus, Irp, "IoCompleteRequest",
                         "IoStatus.Status is STATUS_PENDING");
    }
    Irp->CurrentLocation = static_cast<CHAR>(Irp->StackCount + 1);
    Irp->Tail.Overlay.CurrentStackLocation = reinterpret_cast<PIO_STACK_LOCATION>(Irp + 1) + Irp->StackCount;
    if (Irp->UserIosb != nullptr) *Irp->UserIosb = Irp->IoStatus;
    if (Irp->UserEvent != nullptr) KeSetEvent(Irp->UserEvent, IO_NO_INCREMENT, FALSE);
}
