// event_test.cpp — unit tests for KEVENT, NDIS_EVENT and KeWaitForSingleObject (seed 003 §2.2).
#include <gtest/gtest.h>

#include <ndis.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <future>
#include <thread>
#include <vector>

#include "ntos/testing.h"

namespace strata::ntos {
namespace {

using namespace std::chrono_literals;
using testing::kPatience;
using testing::VerifierScope;

NTSTATUS wait(PVOID object, PLARGE_INTEGER timeout = nullptr) {
    return KeWaitForSingleObject(object, Executive, KernelMode, FALSE, timeout);
}

LARGE_INTEGER relative(std::chrono::milliseconds delay) {
    LARGE_INTEGER due;
    due.QuadPart = -std::chrono::duration_cast<Units>(delay).count();
    return due;
}

TEST(Event, NotificationEventReleasesEveryWaiterAndStaysSignalled) {
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    std::vector<std::future<NTSTATUS>> waiters;
    for (int i = 0; i < 3; ++i) waiters.push_back(std::async(std::launch::async, [&] { return wait(&event); }));
    EXPECT_EQ(KeSetEvent(&event, IO_NO_INCREMENT, FALSE), 0);
    for (auto& w : waiters) {
        ASSERT_EQ(w.wait_for(kPatience), std::future_status::ready);
        EXPECT_EQ(w.get(), STATUS_SUCCESS);
    }
    EXPECT_EQ(KeReadStateEvent(&event), 1);
    EXPECT_EQ(KeSetEvent(&event, IO_NO_INCREMENT, FALSE), 1);
}

TEST(Event, SynchronizationEventReleasesOneWaiterPerSet) {
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    std::atomic<int> released{0};
    auto waiter = [&] {
        NTSTATUS status = wait(&event);
        ++released;
        return status;
    };
    auto first = std::async(std::launch::async, waiter);
    auto second = std::async(std::launch::async, waiter);
    KeSetEvent(&event, IO_NO_INCREMENT, FALSE);
    // Whichever waiter took the signal reset the event, so the other cannot have been released.
    auto done = [](std::future<NTSTATUS>& f) { return f.wait_for(0s) == std::future_status::ready; };
    auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (!done(first) && !done(second) && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    ASSERT_TRUE(done(first) || done(second));
    EXPECT_EQ(released.load(), 1);
    EXPECT_EQ(KeReadStateEvent(&event), 0);
    KeSetEvent(&event, IO_NO_INCREMENT, FALSE);
    ASSERT_EQ(first.wait_for(kPatience), std::future_status::ready);
    ASSERT_EQ(second.wait_for(kPatience), std::future_status::ready);
    EXPECT_EQ(first.get(), STATUS_SUCCESS);
    EXPECT_EQ(second.get(), STATUS_SUCCESS);
    EXPECT_EQ(released.load(), 2);
    EXPECT_EQ(KeReadStateEvent(&event), 0);
}

TEST(Event, SynchronizationEventSignalledBeforeTheWaitIsConsumed) {
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, TRUE);
    LARGE_INTEGER poll{};
    EXPECT_EQ(wait(&event, &poll), STATUS_SUCCESS);
    EXPECT_EQ(wait(&event, &poll), STATUS_TIMEOUT);
}

TEST(Event, ResetAndClearReturnTheEventToNotSignalled) {
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, TRUE);
    EXPECT_EQ(KeReadStateEvent(&event), 1);
    EXPECT_EQ(KeResetEvent(&event), 1);
    EXPECT_EQ(KeResetEvent(&event), 0);
    KeSetEvent(&event, IO_NO_INCREMENT, FALSE);
    KeClearEvent(&event);
    EXPECT_EQ(KeReadStateEvent(&event), 0);
}

TEST(Event, WaitsTimeOut) {
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    LARGE_INTEGER poll{};
    EXPECT_EQ(wait(&event, &poll), STATUS_TIMEOUT);
    LARGE_INTEGER short_wait = relative(5ms);
    EXPECT_EQ(wait(&event, &short_wait), STATUS_TIMEOUT);
    LARGE_INTEGER past;
    KeQuerySystemTime(&past);
    past.QuadPart -= 1;
    EXPECT_EQ(wait(&event, &past), STATUS_TIMEOUT);
}

TEST(Event, HugeTimeoutsDoNotOverflow) {
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, TRUE);
    LARGE_INTEGER timeout;
    timeout.QuadPart = LLONG_MIN;  // relative, longer than any clock can count
    EXPECT_EQ(wait(&event, &timeout), STATUS_SUCCESS);
    timeout.QuadPart = LLONG_MAX;  // absolute, far in the future
    EXPECT_EQ(wait(&event, &timeout), STATUS_SUCCESS);
}

TEST(Event, SetFromAnotherThreadEndsATimedWait) {
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    std::thread setter([&] { KeSetEvent(&event, IO_NO_INCREMENT, FALSE); });
    LARGE_INTEGER timeout = relative(std::chrono::duration_cast<std::chrono::milliseconds>(kPatience));
    EXPECT_EQ(wait(&event, &timeout), STATUS_SUCCESS);
    setter.join();
}

TEST(Event, BlockingAtDispatchIsReportedAndDoesNotBlock) {
    VerifierScope verifier;
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    EXPECT_EQ(wait(&event), STATUS_TIMEOUT);
    LARGE_INTEGER poll{};
    EXPECT_EQ(wait(&event, &poll), STATUS_TIMEOUT);  // a zero timeout is allowed at DISPATCH_LEVEL
    KeSetEvent(&event, IO_NO_INCREMENT, FALSE);
    EXPECT_EQ(wait(&event, &poll), STATUS_SUCCESS);
    KeLowerIrql(old);
    EXPECT_EQ(verifier::count(verifier::Rule::BlockingAtDispatch), 1u);
}

TEST(Event, WaitingOnSomethingElseIsReported) {
    VerifierScope verifier;
    KDPC dpc;
    KeInitializeDpc(&dpc, [](PKDPC, PVOID, PVOID, PVOID) {}, nullptr);
    EXPECT_EQ(wait(&dpc), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(verifier::count(verifier::Rule::InvalidHandle), 1u);
}

TEST(Event, NdisEvent) {
    NDIS_EVENT event;
    NdisInitializeEvent(&event);
    EXPECT_FALSE(NdisWaitEvent(&event, 1));
    auto waiter = std::async(std::launch::async, [&] { return NdisWaitEvent(&event, 0); });
    NdisSetEvent(&event);
    ASSERT_EQ(waiter.wait_for(kPatience), std::future_status::ready);
    EXPECT_TRUE(waiter.get());
    EXPECT_TRUE(NdisWaitEvent(&event, 1));
    NdisResetEvent(&event);
    EXPECT_FALSE(NdisWaitEvent(&event, 1));
}

}  // namespace
}  // namespace strata::ntos
