// irp_test.cpp — unit tests for IRPs (wdm.h; seeds 000/002 WSK requests, seed 003 §2.3): allocation
// and reuse, completion routines walked bottom-up through a three-driver stack, SL_INVOKE_*
// filtering, STATUS_MORE_PROCESSING_REQUIRED, pending propagation, cancellation, and the reports
// for completing twice, with STATUS_PENDING, or to the top of a driver-allocated IRP.
#include <gtest/gtest.h>

#include <wdm.h>

#include <cstring>
#include <vector>

#include "ntos/irp.h"
#include "ntos/pool.h"
#include "ntos/testing.h"

namespace strata::ntos {
namespace {

using testing::VerifierScope;
using verifier::Rule;

// One call of a completion routine, as the routine saw it.
struct Call {
    int who;
    PDEVICE_OBJECT device;
    NTSTATUS status;
    BOOLEAN pending_returned;
    KIRQL irql;
};

// A stack of up to three single-device drivers. Layer i forwards to layer i + 1, registering
// its own completion routine in the next location; the bottom layer completes the IRP at once
// with `bottom_status`, or pends it (`pend`) for the test to complete later.
struct Stack {
    struct Layer {
        DRIVER_OBJECT driver{};
        DEVICE_OBJECT device{};
        bool set_routine = true;
        BOOLEAN on_success = TRUE, on_error = TRUE, on_cancel = TRUE;
        NTSTATUS routine_result = STATUS_SUCCESS;
    };
    Layer layers[3];
    int depth = 3;
    bool pend = false;
    NTSTATUS bottom_status = STATUS_SUCCESS;
    PIRP pended = nullptr;
    std::vector<Call> calls;

    Stack() {
        for (int i = 0; i < 3; ++i) {
            Layer& layer = layers[i];
            layer.device.Type = kIoTypeDevice;
            layer.device.DriverObject = &layer.driver;
            layer.device.DeviceExtension = this;
            layer.device.StackSize = static_cast<CCHAR>(3 - i);
            layer.driver.Type = kIoTypeDriver;
            layer.driver.MajorFunction[IRP_MJ_INTERNAL_DEVICE_CONTROL] = dispatch;
        }
    }

    int index_of(PDEVICE_OBJECT device) const {
        for (int i = 0; i < 3; ++i)
            if (&layers[i].device == device) return i;
        return -1;
    }

    static Stack& of(PDEVICE_OBJECT device) { return *static_cast<Stack*>(device->DeviceExtension); }

    static NTSTATUS dispatch(PDEVICE_OBJECT device, PIRP irp) {
        Stack& stack = of(device);
        int i = stack.index_of(device);
        EXPECT_EQ(IoGetCurrentIrpStackLocation(irp)->DeviceObject, device);
        if (i + 1 < stack.depth) {
            Layer& layer = stack.layers[i];
            IoCopyCurrentIrpStackLocationToNext(irp);
            if (layer.set_routine)
                IoSetCompletionRoutine(irp, layer_done, &layer, layer.on_success, layer.on_error, layer.on_cancel);
            return IoCallDriver(&stack.layers[i + 1].device, irp);
        }
        if (stack.pend) {
            IoMarkIrpPending(irp);
            stack.pended = irp;
            return STATUS_PENDING;
        }
        irp->IoStatus.Status = stack.bottom_status;
        IoCompleteRequest(irp, IO_NO_INCREMENT);
        return stack.bottom_status;
    }

    static NTSTATUS layer_done(PDEVICE_OBJECT device, PIRP irp, PVOID context) {
        auto* layer = static_cast<Layer*>(context);
        Stack& stack = of(&layer->device);
        stack.calls.push_back({stack.index_of(&layer->device), device, irp->IoStatus.Status, irp->PendingReturned,
                               KeGetCurrentIrql()});
        if (irp->PendingReturned) IoMarkIrpPending(irp);
        return layer->routine_result;
    }
};

// The sender's routine (the top location): records the call and keeps the IRP.
std::vector<Call> g_top_calls;
NTSTATUS top_done(PDEVICE_OBJECT device, PIRP irp, PVOID context) {
    g_top_calls.push_back({-1, device, irp->IoStatus.Status, irp->PendingReturned, KeGetCurrentIrql()});
    return context != nullptr ? *static_cast<NTSTATUS*>(context) : STATUS_MORE_PROCESSING_REQUIRED;
}

PIRP send(Stack& stack, PVOID top_context = nullptr) {
    PIRP irp = IoAllocateIrp(static_cast<CCHAR>(stack.depth), FALSE);
    EXPECT_NE(irp, nullptr);
    IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_INTERNAL_DEVICE_CONTROL;
    IoSetCompletionRoutine(irp, top_done, top_context, TRUE, TRUE, TRUE);
    IoCallDriver(&stack.layers[0].device, irp);
    return irp;
}

class IrpTest : public ::testing::Test {
protected:
    void SetUp() override { g_top_calls.clear(); }
    VerifierScope verifier_;
};

TEST_F(IrpTest, AllocatedIrpHasItsStackAndNoCurrentLocation) {
    TagUsage before = outstanding_for_tag(kTagIrp);
    PIRP irp = IoAllocateIrp(3, FALSE);
    ASSERT_NE(irp, nullptr);
    EXPECT_EQ(irp->Type, kIoTypeIrp);
    EXPECT_EQ(irp->Size, IoSizeOfIrp(3));
    EXPECT_EQ(irp->StackCount, 3);
    EXPECT_EQ(irp->CurrentLocation, 4);
    EXPECT_EQ(IoGetCurrentIrpStackLocation(irp), reinterpret_cast<PIO_STACK_LOCATION>(irp + 1) + 3);
    EXPECT_EQ(IoGetNextIrpStackLocation(irp), reinterpret_cast<PIO_STACK_LOCATION>(irp + 1) + 2);
    EXPECT_EQ(irp->Tail.Overlay.Thread, nullptr);
    EXPECT_EQ(irp->MdlAddress, nullptr);
    EXPECT_EQ(irp->CancelRoutine, nullptr);
    EXPECT_FALSE(irp->Cancel);
    EXPECT_EQ(outstanding_for_tag(kTagIrp).allocations, before.allocations + 1);
    IoFreeIrp(irp);
    EXPECT_EQ(outstanding_for_tag(kTagIrp).allocations, before.allocations);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST_F(IrpTest, CompletionRoutinesRunBottomUpWithTheDeviceAboveThem) {
    Stack stack;
    PIRP irp = send(stack);
    ASSERT_EQ(stack.calls.size(), 2u);
    EXPECT_EQ(stack.calls[0].who, 1);  // registered by the middle driver, called first
    EXPECT_EQ(stack.calls[0].device, &stack.layers[1].device);
    EXPECT_EQ(stack.calls[1].who, 0);
    EXPECT_EQ(stack.calls[1].device, &stack.layers[0].device);
    ASSERT_EQ(g_top_calls.size(), 1u);
    EXPECT_EQ(g_top_calls[0].device, nullptr);  // the sender of an IoAllocateIrp IRP has no location
    EXPECT_EQ(g_top_calls[0].status, STATUS_SUCCESS);
    EXPECT_FALSE(g_top_calls[0].pending_returned);
    EXPECT_EQ(irp->CurrentLocation, 4);
    IoFreeIrp(irp);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST_F(IrpTest, InvokeFlagsChooseWhichRoutinesRun) {
    Stack stack;
    stack.layers[0].on_success = FALSE;  // the top driver wants errors only
    stack.layers[1].on_error = FALSE;    // the middle one successes only
    PIRP irp = send(stack);
    ASSERT_EQ(stack.calls.size(), 1u);
    EXPECT_EQ(stack.calls[0].who, 1);
    IoFreeIrp(irp);

    stack.calls.clear();
    g_top_calls.clear();
    stack.bottom_status = STATUS_CONNECTION_REFUSED;
    irp = send(stack);
    ASSERT_EQ(stack.calls.size(), 1u);
    EXPECT_EQ(stack.calls[0].who, 0);
    EXPECT_EQ(stack.calls[0].status, STATUS_CONNECTION_REFUSED);
    ASSERT_EQ(g_top_calls.size(), 1u);
    IoFreeIrp(irp);

    // A cancelled IRP runs routines registered for cancellation whatever its status.
    stack.calls.clear();
    g_top_calls.clear();
    stack.bottom_status = STATUS_SUCCESS;
    stack.pend = true;
    stack.layers[0].on_success = FALSE;
    stack.layers[0].on_error = FALSE;
    stack.layers[1].on_success = FALSE;
    stack.layers[1].on_cancel = FALSE;
    irp = send(stack);
    ASSERT_NE(stack.pended, nullptr);
    EXPECT_FALSE(IoCancelIrp(irp));  // no cancel routine: only the Cancel bit
    EXPECT_TRUE(irp->Cancel);
    stack.pended->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(stack.pended, IO_NO_INCREMENT);
    ASSERT_EQ(stack.calls.size(), 1u);
    EXPECT_EQ(stack.calls[0].who, 0);
    ASSERT_EQ(g_top_calls.size(), 1u);
    IoFreeIrp(irp);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST_F(IrpTest, MoreProcessingRequiredStopsTheWalkUntilTheOwnerCompletesAgain) {
    Stack stack;
    stack.layers[1].routine_result = STATUS_MORE_PROCESSING_REQUIRED;
    PIRP irp = send(stack);
    ASSERT_EQ(stack.calls.size(), 1u);
    EXPECT_EQ(stack.calls[0].who, 1);
    EXPECT_TRUE(g_top_calls.empty());
    // The middle driver owns the IRP again, at its own location (the pattern of a dispatch
    // routine that waits for the lower driver and then completes the IRP itself).
    EXPECT_EQ(irp->CurrentLocation, 2);
    EXPECT_EQ(IoGetCurrentIrpStackLocation(irp)->DeviceObject, &stack.layers[1].device);
    irp->IoStatus.Status = STATUS_DATA_ERROR;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    ASSERT_EQ(stack.calls.size(), 2u);
    EXPECT_EQ(stack.calls[1].who, 0);
    EXPECT_EQ(stack.calls[1].status, STATUS_DATA_ERROR);
    ASSERT_EQ(g_top_calls.size(), 1u);
    IoFreeIrp(irp);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST_F(IrpTest, TheAllocatorReusesTheIrpItKeptThenFreesIt) {
    Stack stack;
    PIRP irp = send(stack);
    ASSERT_EQ(g_top_calls.size(), 1u);
    irp->Cancel = TRUE;
    irp->IoStatus.Information = 99;
    IoReuseIrp(irp, STATUS_UNSUCCESSFUL);
    EXPECT_EQ(irp->Type, kIoTypeIrp);
    EXPECT_EQ(irp->Size, IoSizeOfIrp(3));
    EXPECT_EQ(irp->StackCount, 3);
    EXPECT_EQ(irp->CurrentLocation, 4);
    EXPECT_EQ(IoGetCurrentIrpStackLocation(irp), reinterpret_cast<PIO_STACK_LOCATION>(irp + 1) + 3);
    EXPECT_EQ(irp->IoStatus.Status, STATUS_UNSUCCESSFUL);
    EXPECT_EQ(irp->IoStatus.Information, 0u);
    EXPECT_FALSE(irp->Cancel);
    EXPECT_EQ(IoGetNextIrpStackLocation(irp)->CompletionRoutine, nullptr);

    stack.bottom_status = STATUS_CONNECTION_RESET;
    IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_INTERNAL_DEVICE_CONTROL;
    IoSetCompletionRoutine(irp, top_done, nullptr, TRUE, TRUE, TRUE);
    EXPECT_EQ(IoCallDriver(&stack.layers[0].device, irp), STATUS_CONNECTION_RESET);
    ASSERT_EQ(g_top_calls.size(), 2u);
    EXPECT_EQ(g_top_calls[1].status, STATUS_CONNECTION_RESET);
    IoFreeIrp(irp);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST_F(IrpTest, PendingReturnedPropagatesUpPastDriversWithoutRoutines) {
    Stack stack;
    stack.pend = true;
    stack.layers[0].set_routine = false;
    PIRP irp = send(stack);
    ASSERT_NE(stack.pended, nullptr);
    EXPECT_TRUE(g_top_calls.empty());
    stack.pended->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(stack.pended, IO_NO_INCREMENT);
    ASSERT_EQ(stack.calls.size(), 1u);
    EXPECT_TRUE(stack.calls[0].pending_returned);  // the bottom driver's IoMarkIrpPending
    ASSERT_EQ(g_top_calls.size(), 1u);
    EXPECT_TRUE(g_top_calls[0].pending_returned);  // marked by the middle routine, carried past layer 0
    IoFreeIrp(irp);

    // Completed at once: nobody returned STATUS_PENDING, so nobody sees PendingReturned.
    g_top_calls.clear();
    stack.pend = false;
    irp = send(stack);
    ASSERT_EQ(g_top_calls.size(), 1u);
    EXPECT_FALSE(g_top_calls[0].pending_returned);
    IoFreeIrp(irp);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST_F(IrpTest, RoutinesRunAtTheCompletersIrql) {
    Stack stack;
    stack.pend = true;
    PIRP irp = send(stack);
    ASSERT_NE(stack.pended, nullptr);
    KIRQL old = KfRaiseIrql(DISPATCH_LEVEL);
    stack.pended->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(stack.pended, IO_NO_INCREMENT);
    KeLowerIrql(old);
    ASSERT_EQ(stack.calls.size(), 2u);
    EXPECT_EQ(stack.calls[0].irql, DISPATCH_LEVEL);
    ASSERT_EQ(g_top_calls.size(), 1u);
    EXPECT_EQ(g_top_calls[0].irql, DISPATCH_LEVEL);
    IoFreeIrp(irp);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST_F(IrpTest, DriverIrpCompletedToTheTopIsReported) {
    Stack stack;
    NTSTATUS keep_going = STATUS_SUCCESS;  // the sender's routine forgets MORE_PROCESSING_REQUIRED
    PIRP irp = send(stack, &keep_going);
    ASSERT_EQ(g_top_calls.size(), 1u);
    EXPECT_EQ(verifier::count(Rule::BadCall), 1u);
    IoFreeIrp(irp);
}

TEST_F(IrpTest, CompletingTwiceIsReportedAndIgnored) {
    Stack stack;
    PIRP irp = send(stack);
    ASSERT_EQ(g_top_calls.size(), 1u);
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    EXPECT_EQ(verifier::count(Rule::BadCall), 1u);
    EXPECT_EQ(g_top_calls.size(), 1u);
    IoFreeIrp(irp);
}

TEST_F(IrpTest, CompletingWithStatusPendingIsReported) {
    Stack stack;
    stack.bottom_status = STATUS_PENDING;
    PIRP irp = send(stack);
    EXPECT_EQ(verifier::count(Rule::RequestBadStatus), 1u);
    IoFreeIrp(irp);
}

struct CancelRecord {
    PDEVICE_OBJECT device = nullptr;
    KIRQL cancel_irql = HIGH_LEVEL;
    KIRQL irql = PASSIVE_LEVEL;
    bool release = true;
};
CancelRecord g_cancel;

VOID cancel_pended(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    g_cancel.device = DeviceObject;
    g_cancel.cancel_irql = Irp->CancelIrql;
    g_cancel.irql = KeGetCurrentIrql();
    EXPECT_EQ(Irp->CancelRoutine, nullptr);
    if (!g_cancel.release) return;
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    Irp->IoStatus.Status = STATUS_CANCELLED;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

TEST_F(IrpTest, CancelCallsTheCancelRoutineHoldingTheCancelLock) {
    g_cancel = {};
    Stack stack;
    stack.pend = true;
    PIRP irp = send(stack);
    ASSERT_NE(stack.pended, nullptr);
    EXPECT_EQ(IoSetCancelRoutine(stack.pended, cancel_pended), nullptr);
    EXPECT_TRUE(IoCancelIrp(irp));
    EXPECT_EQ(g_cancel.device, &stack.layers[2].device);
    EXPECT_EQ(g_cancel.cancel_irql, PASSIVE_LEVEL);
    EXPECT_EQ(g_cancel.irql, DISPATCH_LEVEL);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    ASSERT_EQ(g_top_calls.size(), 1u);
    EXPECT_EQ(g_top_calls[0].status, STATUS_CANCELLED);
    EXPECT_TRUE(irp->Cancel);
    IoFreeIrp(irp);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST_F(IrpTest, CancelSpinLockLeftHeldByTheCancelRoutineIsReportedAndReleased) {
    g_cancel = {};
    g_cancel.release = false;
    Stack stack;
    stack.pend = true;
    PIRP irp = send(stack);
    ASSERT_NE(stack.pended, nullptr);
    IoSetCancelRoutine(stack.pended, cancel_pended);
    EXPECT_TRUE(IoCancelIrp(irp));
    EXPECT_EQ(verifier::count(Rule::SpinLockMisuse), 1u);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KIRQL irql;
    IoAcquireCancelSpinLock(&irql);  // free again: would hang (or be reported) otherwise
    IoReleaseCancelSpinLock(irql);
    stack.pended->IoStatus.Status = STATUS_CANCELLED;
    IoCompleteRequest(stack.pended, IO_NO_INCREMENT);
    IoFreeIrp(irp);
    EXPECT_EQ(verifier::count(Rule::SpinLockMisuse), 1u);
}

TEST_F(IrpTest, CompletingWithACancelRoutineSetIsReportedAndCleared) {
    Stack stack;
    stack.pend = true;
    PIRP irp = send(stack);
    ASSERT_NE(stack.pended, nullptr);
    IoSetCancelRoutine(stack.pended, cancel_pended);
    stack.pended->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(stack.pended, IO_NO_INCREMENT);
    EXPECT_EQ(verifier::count(Rule::BadCall), 1u);
    EXPECT_EQ(irp->CancelRoutine, nullptr);
    IoFreeIrp(irp);
}

TEST_F(IrpTest, CompletionRoutineExRunsOnlyForTheOutcomesAskedFor) {
    TagUsage before = outstanding_for_tag(kTagCompletionEx);
    Stack stack;
    stack.depth = 1;
    for (NTSTATUS status : {STATUS_SUCCESS, STATUS_CONNECTION_RESET}) {
        g_top_calls.clear();
        stack.bottom_status = status;
        PIRP irp = IoAllocateIrp(1, FALSE);
        ASSERT_NE(irp, nullptr);
        IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_INTERNAL_DEVICE_CONTROL;
        ASSERT_EQ(IoSetCompletionRoutineEx(&stack.layers[0].device, irp, top_done, nullptr, FALSE, TRUE, FALSE),
                  STATUS_SUCCESS);
        IoCallDriver(&stack.layers[0].device, irp);
        EXPECT_EQ(g_top_calls.size(), NT_SUCCESS(status) ? 0u : 1u);
        EXPECT_EQ(outstanding_for_tag(kTagCompletionEx).allocations, before.allocations);
        IoFreeIrp(irp);
    }
    // On success the driver's routine did not run, so the IRP reached the top: reported.
    EXPECT_EQ(verifier::count(Rule::BadCall), 1u);
}

TEST_F(IrpTest, CallingADeviceWithoutThatDispatchRoutineIsReported) {
    Stack stack;
    PIRP irp = IoAllocateIrp(1, FALSE);
    ASSERT_NE(irp, nullptr);
    IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_READ;
    EXPECT_EQ(IoCallDriver(&stack.layers[0].device, irp), STATUS_INVALID_DEVICE_REQUEST);
    EXPECT_EQ(irp->CurrentLocation, 2);  // not sent
    EXPECT_EQ(verifier::count(Rule::BadCall), 1u);
    IoFreeIrp(irp);
}

TEST_F(IrpTest, InitializeIrpMakesCallerMemoryAnIrp) {
    alignas(16) unsigned char memory[sizeof(IRP) + 2 * sizeof(IO_STACK_LOCATION)];
    std::memset(memory, 0xCD, sizeof memory);
    auto* irp = reinterpret_cast<PIRP>(memory);
    IoInitializeIrp(irp, IoSizeOfIrp(2), 2);
    EXPECT_EQ(irp->Type, kIoTypeIrp);
    EXPECT_EQ(irp->StackCount, 2);
    EXPECT_EQ(irp->CurrentLocation, 3);
    EXPECT_EQ(irp->IoStatus.Information, 0u);
    EXPECT_EQ(IoGetNextIrpStackLocation(irp)->CompletionRoutine, nullptr);
    IoInitializeIrp(irp, IoSizeOfIrp(1), 2);  // too small for two locations
    EXPECT_EQ(verifier::count(Rule::BadCall), 1u);
}

TEST_F(IrpTest, FreeingTwiceOrNotAnAllocatedIrpIsReported) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    ASSERT_NE(irp, nullptr);
    IoFreeIrp(irp);
    IoFreeIrp(irp);
    IRP on_the_stack{};
    IoFreeIrp(&on_the_stack);
    EXPECT_EQ(verifier::count(Rule::DoubleFree), 2u);
}

TEST_F(IrpTest, SomethingThatIsNotAnIrpIsReported) {
    IRP not_an_irp{};
    IoCompleteRequest(&not_an_irp, IO_NO_INCREMENT);
    EXPECT_FALSE(IoCancelIrp(&not_an_irp));
    EXPECT_EQ(verifier::count(Rule::InvalidHandle), 2u);
}

}  // namespace
}  // namespace strata::ntos
