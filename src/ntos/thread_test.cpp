// thread_test.cpp — unit tests for system threads, thread objects, references and kernel handles
// (wdm.h; seeds 000/002: a WSK client starts a thread, waits for it in DriverUnload, closes it).
#include <gtest/gtest.h>

#include <wdm.h>

#include <thread>

#include "ntos/object.h"
#include "ntos/testing.h"
#include "ntos/thread.h"

namespace strata::ntos {
namespace {

using testing::VerifierScope;
using verifier::Rule;

LARGE_INTEGER patience() {
    LARGE_INTEGER timeout;
    timeout.QuadPart = -std::chrono::duration_cast<Units>(testing::kPatience).count();
    return timeout;
}

// Waits for a thread object: STATUS_SUCCESS once it has ended.
NTSTATUS wait_for_thread(PVOID thread) {
    LARGE_INTEGER timeout = patience();
    return KeWaitForSingleObject(thread, Executive, KernelMode, FALSE, &timeout);
}

struct Observed {
    KEVENT go;
    KIRQL irql = HIGH_LEVEL;
    BOOLEAN system = FALSE;
    HANDLE id = nullptr;
    PETHREAD self = nullptr;
    bool returned_from_terminate = false;
    NTSTATUS terminate_status = STATUS_SUCCESS;
};

VOID observe_then_wait(PVOID context) {
    auto* seen = static_cast<Observed*>(context);
    seen->irql = KeGetCurrentIrql();
    seen->self = PsGetCurrentThread();
    seen->system = PsIsSystemThread(seen->self);
    seen->id = PsGetCurrentThreadId();
    EXPECT_EQ(KeGetCurrentThread(), reinterpret_cast<PKTHREAD>(seen->self));
    KeWaitForSingleObject(&seen->go, Executive, KernelMode, FALSE, nullptr);
}

// Two frames below StartRoutine, as a driver's helper would call it.
VOID give_up(Observed* seen) {
    seen->terminate_status = PsTerminateSystemThread(STATUS_CANCELLED);
    seen->returned_from_terminate = true;
}
VOID terminate_early(PVOID context) { give_up(static_cast<Observed*>(context)); }

VOID end_at_dispatch(PVOID) { KfRaiseIrql(DISPATCH_LEVEL); }
VOID do_nothing(PVOID) {}

TEST(Thread, SystemThreadRunsAtPassiveLevelAndItsObjectIsSignalledWhenItEnds) {
    VerifierScope verifier;
    Observed seen;
    KeInitializeEvent(&seen.go, NotificationEvent, FALSE);
    HANDLE handle = nullptr;
    CLIENT_ID client{};
    OBJECT_ATTRIBUTES attributes;
    InitializeObjectAttributes(&attributes, nullptr, OBJ_KERNEL_HANDLE, nullptr, nullptr);
    ASSERT_EQ(PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, &attributes, nullptr, &client, observe_then_wait, &seen),
              STATUS_SUCCESS);
    ASSERT_NE(handle, nullptr);

    PVOID object = nullptr;
    OBJECT_HANDLE_INFORMATION info{};
    ASSERT_EQ(ObReferenceObjectByHandle(handle, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, &object, &info),
              STATUS_SUCCESS);
    EXPECT_EQ(info.GrantedAccess, static_cast<ACCESS_MASK>(THREAD_ALL_ACCESS));
    EXPECT_EQ(ZwClose(handle), STATUS_SUCCESS);  // the reference keeps the object

    LARGE_INTEGER poll{};
    EXPECT_EQ(KeWaitForSingleObject(object, Executive, KernelMode, FALSE, &poll), STATUS_TIMEOUT);
    EXPECT_EQ(thread_exit_status(static_cast<PETHREAD>(object)), STATUS_PENDING);
    KeSetEvent(&seen.go, IO_NO_INCREMENT, FALSE);
    EXPECT_EQ(wait_for_thread(object), STATUS_SUCCESS);
    EXPECT_EQ(wait_for_thread(object), STATUS_SUCCESS);  // stays signalled

    EXPECT_EQ(seen.irql, PASSIVE_LEVEL);
    EXPECT_TRUE(seen.system);
    EXPECT_EQ(seen.self, object);
    EXPECT_EQ(seen.id, client.UniqueThread);
    EXPECT_NE(client.UniqueProcess, nullptr);
    EXPECT_EQ(thread_exit_status(static_cast<PETHREAD>(object)), STATUS_SUCCESS);
    ObDereferenceObject(object);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST(Thread, TerminateEndsTheCallingSystemThreadWithoutReturning) {
    VerifierScope verifier;
    Observed seen;
    HANDLE handle = nullptr;
    ASSERT_EQ(PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, nullptr, NtCurrentProcess(), nullptr, terminate_early,
                                   &seen),
              STATUS_SUCCESS);
    PVOID object = nullptr;
    ASSERT_EQ(ObReferenceObjectByHandle(handle, SYNCHRONIZE, nullptr, KernelMode, &object, nullptr), STATUS_SUCCESS);
    EXPECT_EQ(wait_for_thread(object), STATUS_SUCCESS);
    EXPECT_FALSE(seen.returned_from_terminate);
    EXPECT_EQ(thread_exit_status(static_cast<PETHREAD>(object)), STATUS_CANCELLED);
    ObDereferenceObject(object);
    EXPECT_EQ(ZwClose(handle), STATUS_SUCCESS);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST(Thread, TerminateFromAThreadThatIsNotASystemThreadFails) {
    VerifierScope verifier;
    EXPECT_EQ(PsTerminateSystemThread(STATUS_SUCCESS), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(verifier::count(Rule::BadCall), 1u);
}

TEST(Thread, SystemThreadEndingAbovePassiveLevelIsReported) {
    VerifierScope verifier;
    HANDLE handle = nullptr;
    ASSERT_EQ(PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, nullptr, nullptr, nullptr, end_at_dispatch, nullptr),
              STATUS_SUCCESS);
    PVOID object = nullptr;
    ASSERT_EQ(ObReferenceObjectByHandle(handle, SYNCHRONIZE, *PsThreadType, KernelMode, &object, nullptr),
              STATUS_SUCCESS);
    ZwClose(handle);
    EXPECT_EQ(wait_for_thread(object), STATUS_SUCCESS);
    EXPECT_EQ(verifier::count(Rule::BadCall), 1u);
    ObDereferenceObject(object);
}

TEST(Thread, OnlyTheHostProcessMayOwnASystemThread) {
    VerifierScope verifier;
    HANDLE handle = reinterpret_cast<HANDLE>(0x1234);
    EXPECT_EQ(PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, nullptr, reinterpret_cast<HANDLE>(0x88), nullptr,
                                   do_nothing, nullptr),
              STATUS_INVALID_HANDLE);
    EXPECT_EQ(handle, nullptr);
    EXPECT_EQ(verifier::count(Rule::InvalidHandle), 1u);
}

TEST(Thread, HostThreadsGetAnObjectSignalledWhenTheyExit) {
    VerifierScope verifier;
    PETHREAD other = nullptr;
    HANDLE other_id = nullptr;
    std::thread host([&] {
        other = PsGetCurrentThread();
        other_id = PsGetCurrentThreadId();
        EXPECT_FALSE(PsIsSystemThread(other));
        EXPECT_EQ(PsGetCurrentThread(), other);  // the same object on every call
        PVOID self = nullptr;
        EXPECT_EQ(ObReferenceObjectByHandle(NtCurrentThread(), SYNCHRONIZE, *PsThreadType, KernelMode, &self, nullptr),
                  STATUS_SUCCESS);
        EXPECT_EQ(self, other);  // this reference outlives the thread
    });
    host.join();
    ASSERT_NE(other, nullptr);
    EXPECT_NE(other, PsGetCurrentThread());
    EXPECT_NE(other_id, PsGetCurrentThreadId());
    EXPECT_EQ(wait_for_thread(other), STATUS_SUCCESS);
    EXPECT_EQ(ObDereferenceObject(other), 0);
    EXPECT_EQ(verifier::total(), 0u);
}

// Counts are exact only once the thread is joined: a system thread drops its own reference just
// after waking its waiters, so right after a wait they may still see it.
TEST(Object, ReferencesCountUpAndDownAndTheLastOneDestroys) {
    VerifierScope verifier;
    PETHREAD object = nullptr;
    std::thread host([&] {
        object = PsGetCurrentThread();
        EXPECT_EQ(ObReferenceObject(object), 2);  // the running thread's and ours
    });
    host.join();
    ASSERT_NE(object, nullptr);
    EXPECT_EQ(ObReferenceObject(object), 2);
    EXPECT_EQ(ObDereferenceObject(object), 1);
    EXPECT_EQ(ObDereferenceObject(object), 0);
    EXPECT_EQ(verifier::total(), 0u);
    EXPECT_EQ(ObDereferenceObject(object), 0);  // gone: reported, never touched
    EXPECT_EQ(verifier::count(Rule::InvalidHandle), 1u);
}

TEST(Object, HandlesThatAreNotOpenAreReported) {
    VerifierScope verifier;
    HANDLE handle = nullptr;
    ASSERT_EQ(PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, nullptr, nullptr, nullptr, do_nothing, nullptr),
              STATUS_SUCCESS);
    EXPECT_EQ(ZwClose(handle), STATUS_SUCCESS);
    EXPECT_EQ(ZwClose(handle), STATUS_INVALID_HANDLE);
    PVOID object = reinterpret_cast<PVOID>(0x1);
    EXPECT_EQ(ObReferenceObjectByHandle(handle, SYNCHRONIZE, nullptr, KernelMode, &object, nullptr),
              STATUS_INVALID_HANDLE);
    EXPECT_EQ(object, nullptr);
    int not_an_object = 0;
    EXPECT_EQ(ObReferenceObject(&not_an_object), 0);
    EXPECT_EQ(ObDereferenceObject(&not_an_object), 0);
    EXPECT_EQ(verifier::count(Rule::InvalidHandle), 4u);
}

TEST(Object, AHandleOfAnotherTypeIsATypeMismatch) {
    VerifierScope verifier;
    _OBJECT_TYPE other_type{"Other"};
    HANDLE handle = nullptr;
    ASSERT_EQ(PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, nullptr, nullptr, nullptr, do_nothing, nullptr),
              STATUS_SUCCESS);
    PVOID object = reinterpret_cast<PVOID>(0x1);
    EXPECT_EQ(ObReferenceObjectByHandle(handle, SYNCHRONIZE, &other_type, KernelMode, &object, nullptr),
              STATUS_OBJECT_TYPE_MISMATCH);
    EXPECT_EQ(object, nullptr);
    EXPECT_EQ(ZwClose(handle), STATUS_SUCCESS);
}

}  // namespace
}  // namespace strata::ntos
