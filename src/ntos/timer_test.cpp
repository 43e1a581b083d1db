// timer_test.cpp — unit tests for KTIMER, NDIS_TIMER and time queries on a FakeClock (seed 003
// §2.2, STYLE.md rule 12): the clock is advanced, nothing sleeps.
#include <gtest/gtest.h>

#include <ndis.h>

#include <atomic>
#include <chrono>
#include <climits>

#include "ntos/testing.h"

namespace strata::ntos {
namespace {

using namespace std::chrono_literals;
using testing::FakeClockScope;
using testing::ProcessorScope;
using testing::VerifierScope;
using testing::wait_for;

LARGE_INTEGER relative(std::chrono::milliseconds delay) {
    LARGE_INTEGER due;
    due.QuadPart = -std::chrono::duration_cast<Units>(delay).count();
    return due;
}

// A timer DPC that counts its runs and signals a synchronization event per run.
struct Counter {
    KDPC dpc;
    KEVENT ran;
    std::atomic<int> runs{0};
    std::atomic<KIRQL> irql{PASSIVE_LEVEL};
    Counter() {
        KeInitializeEvent(&ran, SynchronizationEvent, FALSE);
        KeInitializeDpc(&dpc, routine, this);
    }
    static void routine(PKDPC, PVOID context, PVOID, PVOID) {
        auto* c = static_cast<Counter*>(context);
        c->irql = KeGetCurrentIrql();
        ++c->runs;
        KeSetEvent(&c->ran, 0, FALSE);
    }
};

TEST(Timer, OneShotExpiresWhenTheClockReachesItsDueTime) {
    ProcessorScope processors;
    FakeClockScope clock;
    KTIMER timer;
    KeInitializeTimer(&timer);
    Counter counter;
    EXPECT_FALSE(KeSetTimer(&timer, relative(10ms), &counter.dpc));
    clock->advance(9ms);
    EXPECT_FALSE(KeReadStateTimer(&timer));
    clock->advance(1ms);
    EXPECT_TRUE(KeReadStateTimer(&timer));
    ASSERT_TRUE(wait_for(counter.ran));
    EXPECT_EQ(counter.irql.load(), DISPATCH_LEVEL);
    clock->advance(100ms);
    KeFlushQueuedDpcs();
    EXPECT_EQ(counter.runs.load(), 1);
    EXPECT_FALSE(KeCancelTimer(&timer));
}

TEST(Timer, PeriodicTimerExpiresEveryPeriod) {
    ProcessorScope processors;
    FakeClockScope clock;
    KTIMER timer;
    KeInitializeTimerEx(&timer, NotificationTimer);
    Counter counter;
    KeSetTimerEx(&timer, relative(10ms), 5, &counter.dpc);
    clock->advance(10ms);
    ASSERT_TRUE(wait_for(counter.ran));
    for (int i = 2; i <= 4; ++i) {
        clock->advance(5ms);
        ASSERT_TRUE(wait_for(counter.ran));
        EXPECT_EQ(counter.runs.load(), i);
    }
    EXPECT_TRUE(KeCancelTimer(&timer));
    clock->advance(50ms);
    KeFlushQueuedDpcs();
    EXPECT_EQ(counter.runs.load(), 4);
}

TEST(Timer, CancelBeforeExpiryDequeuesIt) {
    ProcessorScope processors;
    FakeClockScope clock;
    KTIMER timer;
    KeInitializeTimer(&timer);
    Counter counter;
    KeSetTimer(&timer, relative(10ms), &counter.dpc);
    EXPECT_TRUE(KeCancelTimer(&timer));
    EXPECT_FALSE(KeCancelTimer(&timer));
    clock->advance(1s);
    KeFlushQueuedDpcs();
    EXPECT_FALSE(KeReadStateTimer(&timer));
    EXPECT_EQ(counter.runs.load(), 0);
}

TEST(Timer, CancelAfterExpiryReturnsFalse) {
    FakeClockScope clock;
    KTIMER timer;
    KeInitializeTimer(&timer);
    KeSetTimer(&timer, relative(1ms), nullptr);
    clock->advance(1ms);
    EXPECT_TRUE(KeReadStateTimer(&timer));
    EXPECT_FALSE(KeCancelTimer(&timer));
}

TEST(Timer, SettingAQueuedTimerReturnsTrueAndResetsItsState) {
    FakeClockScope clock;
    KTIMER timer;
    KeInitializeTimer(&timer);
    EXPECT_FALSE(KeSetTimer(&timer, relative(1ms), nullptr));
    EXPECT_TRUE(KeSetTimer(&timer, relative(5ms), nullptr));
    clock->advance(1ms);
    EXPECT_FALSE(KeReadStateTimer(&timer));
    clock->advance(4ms);
    EXPECT_TRUE(KeReadStateTimer(&timer));
    EXPECT_FALSE(KeSetTimer(&timer, relative(5ms), nullptr));
    EXPECT_FALSE(KeReadStateTimer(&timer));
    EXPECT_TRUE(KeCancelTimer(&timer));
}

TEST(Timer, AbsoluteDueTimeInSystemTime) {
    FakeClockScope clock;
    KTIMER timer;
    KeInitializeTimer(&timer);
    LARGE_INTEGER due;
    KeQuerySystemTime(&due);
    due.QuadPart += std::chrono::duration_cast<Units>(2s).count();
    KeSetTimer(&timer, due, nullptr);
    EXPECT_TRUE(timer.Header.Absolute);
    clock->advance(1s);
    EXPECT_FALSE(KeReadStateTimer(&timer));
    clock->advance(1s);
    EXPECT_TRUE(KeReadStateTimer(&timer));
}

TEST(Timer, ZeroDueTimeExpiresAtOnce) {
    FakeClockScope clock;
    KTIMER timer;
    KeInitializeTimer(&timer);
    KeSetTimer(&timer, relative(0ms), nullptr);
    EXPECT_TRUE(KeReadStateTimer(&timer));
}

TEST(Timer, HugeDueTimesDoNotOverflow) {
    FakeClockScope clock;
    KTIMER timer;
    KeInitializeTimer(&timer);
    LARGE_INTEGER due;
    due.QuadPart = LLONG_MIN;
    KeSetTimer(&timer, due, nullptr);
    clock->advance(std::chrono::hours(24 * 365));
    EXPECT_FALSE(KeReadStateTimer(&timer));
    EXPECT_TRUE(KeCancelTimer(&timer));
}

TEST(Timer, WaitOnATimer) {
    FakeClockScope clock;
    KTIMER notification, synchronization;
    KeInitializeTimerEx(&notification, NotificationTimer);
    KeInitializeTimerEx(&synchronization, SynchronizationTimer);
    LARGE_INTEGER poll{};
    KeSetTimer(&notification, relative(1ms), nullptr);
    KeSetTimer(&synchronization, relative(1ms), nullptr);
    EXPECT_EQ(KeWaitForSingleObject(&notification, Executive, KernelMode, FALSE, &poll), STATUS_TIMEOUT);
    clock->advance(1ms);
    EXPECT_EQ(KeWaitForSingleObject(&notification, Executive, KernelMode, FALSE, &poll), STATUS_SUCCESS);
    EXPECT_EQ(KeWaitForSingleObject(&notification, Executive, KernelMode, FALSE, &poll), STATUS_SUCCESS);
    EXPECT_EQ(KeWaitForSingleObject(&synchronization, Executive, KernelMode, FALSE, &poll), STATUS_SUCCESS);
    EXPECT_EQ(KeWaitForSingleObject(&synchronization, Executive, KernelMode, FALSE, &poll), STATUS_TIMEOUT);
}

TEST(Timer, WaiterIsReleasedWhenTheClockAdvances) {
    FakeClockScope clock;
    KTIMER timer;
    KeInitializeTimer(&timer);
    KeSetTimer(&timer, relative(10ms), nullptr);
    std::atomic<NTSTATUS> status{STATUS_PENDING};
    std::thread waiter([&] { status = KeWaitForSingleObject(&timer, Executive, KernelMode, FALSE, nullptr); });
    clock->advance(10ms);
    waiter.join();
    EXPECT_EQ(status.load(), STATUS_SUCCESS);
}

// NdisTimerFunction shape: SystemSpecific1 is the DPC, FunctionContext the driver's context.
void ndis_timer_function(PVOID, PVOID context, PVOID, PVOID) {
    auto* c = static_cast<Counter*>(context);
    c->irql = KeGetCurrentIrql();
    ++c->runs;
    KeSetEvent(&c->ran, 0, FALSE);
}

TEST(Timer, NdisTimerCallsItsFunctionWithItsContext) {
    ProcessorScope processors;
    FakeClockScope clock;
    Counter counter;
    NDIS_TIMER timer;
    NdisInitializeTimer(&timer, ndis_timer_function, &counter);
    NdisSetTimer(&timer, 20);
    clock->advance(20ms);
    ASSERT_TRUE(wait_for(counter.ran));
    EXPECT_EQ(counter.irql.load(), DISPATCH_LEVEL);
    BOOLEAN cancelled = TRUE;
    NdisCancelTimer(&timer, &cancelled);
    EXPECT_FALSE(cancelled);
}

TEST(Timer, NdisCancelTimerBeforeItFires) {
    ProcessorScope processors;
    FakeClockScope clock;
    Counter counter;
    NDIS_TIMER timer;
    NdisInitializeTimer(&timer, ndis_timer_function, &counter);
    NdisSetTimer(&timer, 20);
    BOOLEAN cancelled = FALSE;
    NdisCancelTimer(&timer, &cancelled);
    EXPECT_TRUE(cancelled);
    clock->advance(1s);
    KeFlushQueuedDpcs();
    EXPECT_EQ(counter.runs.load(), 0);
}

TEST(Timer, NdisPeriodicTimer) {
    ProcessorScope processors;
    FakeClockScope clock;
    Counter counter;
    NDIS_TIMER timer;
    NdisInitializeTimer(&timer, ndis_timer_function, &counter);
    NdisSetPeriodicTimer(&timer, 100);
    for (int i = 1; i <= 3; ++i) {
        clock->advance(100ms);
        ASSERT_TRUE(wait_for(counter.ran));
    }
    BOOLEAN cancelled = FALSE;
    NdisCancelTimer(&timer, &cancelled);
    EXPECT_TRUE(cancelled);  // a periodic timer is queued again after every expiry
    KeFlushQueuedDpcs();
    EXPECT_EQ(counter.runs.load(), 3);
}

TEST(Timer, ExpiresOnTheRealClock) {
    ProcessorScope processors;
    KTIMER timer;
    KeInitializeTimer(&timer);
    Counter counter;
    KeSetTimer(&timer, relative(1ms), &counter.dpc);
    ASSERT_TRUE(wait_for(counter.ran));
    EXPECT_TRUE(KeReadStateTimer(&timer));
}

TEST(Timer, UninitialisedTimerIsReported) {
    VerifierScope verifier;
    KTIMER timer{};
    timer.Header.Type = 0x55;
    EXPECT_FALSE(KeSetTimer(&timer, relative(1ms), nullptr));
    EXPECT_EQ(verifier::count(verifier::Rule::BadCall), 1u);
}

TEST(Time, QueriesFollowTheInstalledClock) {
    FakeClockScope clock;
    ULONGLONG start = KeQueryInterruptTime();
    LARGE_INTEGER system_before, ticks_before, frequency;
    KeQuerySystemTime(&system_before);
    KeQueryTickCount(&ticks_before);
    LARGE_INTEGER counter_before = KeQueryPerformanceCounter(&frequency);
    ULONG uptime_before;
    NdisGetSystemUpTime(&uptime_before);

    clock->advance(1s);

    EXPECT_EQ(KeQueryInterruptTime() - start, 10'000'000u);
    LARGE_INTEGER system_after, ticks_after;
    NdisGetCurrentSystemTime(&system_after);
    EXPECT_EQ(system_after.QuadPart - system_before.QuadPart, 10'000'000);
    KeQueryTickCount(&ticks_after);
    EXPECT_EQ(ticks_after.QuadPart - ticks_before.QuadPart, 10'000'000 / KeQueryTimeIncrement());
    EXPECT_EQ(frequency.QuadPart, 10'000'000);
    EXPECT_EQ(KeQueryPerformanceCounter(nullptr).QuadPart - counter_before.QuadPart, 10'000'000);
    ULONG uptime_after;
    NdisGetSystemUpTime(&uptime_after);
    EXPECT_EQ(uptime_after - uptime_before, 1000u);
}

TEST(Time, RealSystemTimeIsAfter2020) {
    LARGE_INTEGER now;
    KeQuerySystemTime(&now);
    EXPECT_GT(now.QuadPart, 132'223'104'000'000'000);  // 2020-01-01 in 100 ns since 1601
}

TEST(Time, SleepingAtDispatchIsReportedAndReturns) {
    VerifierScope verifier;
    KIRQL old = KeRaiseIrqlToDpcLevel();
    NdisMSleep(10'000'000);
    LARGE_INTEGER interval = relative(10s);
    EXPECT_EQ(KeDelayExecutionThread(KernelMode, FALSE, &interval), STATUS_SUCCESS);
    KeLowerIrql(old);
    EXPECT_EQ(verifier::count(verifier::Rule::BlockingAtDispatch), 2u);
}

TEST(Time, StallsAndSleepsReturn) {
    NdisStallExecution(10);
    KeStallExecutionProcessor(10);
    NdisMSleep(10);
    LARGE_INTEGER interval = relative(1ms);
    EXPECT_EQ(KeDelayExecutionThread(KernelMode, FALSE, &interval), STATUS_SUCCESS);
}

}  // namespace
}  // namespace strata::ntos
