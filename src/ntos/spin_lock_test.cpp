// spin_lock_test.cpp — unit tests for KSPIN_LOCK and NDIS_SPIN_LOCK (seed 003 §2.2).
#include <gtest/gtest.h>

#include <ndis.h>

#include <atomic>
#include <thread>
#include <vector>

#include "ntos/testing.h"

namespace strata::ntos {
namespace {

using testing::VerifierScope;
using verifier::Rule;

constexpr int kThreads = 4;
constexpr int kIncrements = 50'000;

TEST(SpinLock, ContendedCounterIsExact) {
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    long counter = 0;
    std::atomic<int> wrong_irql{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kIncrements; ++i) {
                KIRQL old;
                KeAcquireSpinLock(&lock, &old);
                if (old != PASSIVE_LEVEL || KeGetCurrentIrql() != DISPATCH_LEVEL) ++wrong_irql;
                ++counter;
                KeReleaseSpinLock(&lock, old);
            }
            if (KeGetCurrentIrql() != PASSIVE_LEVEL) ++wrong_irql;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(counter, long{kThreads} * kIncrements);
    EXPECT_EQ(wrong_irql.load(), 0);
    EXPECT_EQ(lock, 0u);
}

TEST(SpinLock, NdisContendedCounterIsExactWithVerifier) {
    VerifierScope verifier;
    NDIS_SPIN_LOCK lock;
    NdisAllocateSpinLock(&lock);
    long counter = 0;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kIncrements; ++i) {
                if (t % 2 == 0) {
                    NdisAcquireSpinLock(&lock);
                    ++counter;
                    NdisReleaseSpinLock(&lock);
                } else {
                    KIRQL old = KeRaiseIrqlToDpcLevel();
                    NdisDprAcquireSpinLock(&lock);
                    ++counter;
                    NdisDprReleaseSpinLock(&lock);
                    KeLowerIrql(old);
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    NdisFreeSpinLock(&lock);
    EXPECT_EQ(counter, long{kThreads} * kIncrements);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST(SpinLock, ReleasingAnUnheldLockIsReported) {
    VerifierScope verifier;
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    KeReleaseSpinLockFromDpcLevel(&lock);
    KeLowerIrql(old);
    EXPECT_EQ(verifier::count(Rule::SpinLockMisuse), 1u);
    EXPECT_EQ(verifier::total(), 1u);
    ASSERT_EQ(verifier::reports().size(), 1u);
    EXPECT_EQ(verifier::reports()[0].object, &lock);
    EXPECT_EQ(lock, 0u);
}

TEST(SpinLock, RecursiveAcquireIsReportedInsteadOfDeadlocking) {
    VerifierScope verifier;
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    KeAcquireSpinLockAtDpcLevel(&lock);
    EXPECT_EQ(verifier::count(Rule::SpinLockMisuse), 1u);
    KeReleaseSpinLock(&lock, old);
    EXPECT_EQ(lock, 0u);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

TEST(SpinLock, AtDpcLevelCallsBelowDispatchAreReported) {
    VerifierScope verifier;
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    KeAcquireSpinLockAtDpcLevel(&lock);
    KeReleaseSpinLockFromDpcLevel(&lock);
    EXPECT_EQ(verifier::count(Rule::SpinLockMisuse), 2u);
    EXPECT_EQ(lock, 0u);
}

TEST(SpinLock, ReleaseByAnotherThreadIsReportedButReleases) {
    VerifierScope verifier;
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    std::thread([&] {
        KIRQL raised = KeRaiseIrqlToDpcLevel();
        KeReleaseSpinLockFromDpcLevel(&lock);
        KeLowerIrql(raised);
    }).join();
    KeLowerIrql(old);
    EXPECT_EQ(verifier::count(Rule::SpinLockMisuse), 1u);
    EXPECT_EQ(lock, 0u);
}

TEST(SpinLock, TryToAcquireFailsWhileHeldElsewhere) {
    VerifierScope verifier(false);
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    BOOLEAN other = TRUE;
    std::thread([&] {
        KIRQL raised = KeRaiseIrqlToDpcLevel();
        other = KeTryToAcquireSpinLockAtDpcLevel(&lock);
        KeLowerIrql(raised);
    }).join();
    EXPECT_FALSE(other);
    KeReleaseSpinLock(&lock, old);
    old = KeRaiseIrqlToDpcLevel();
    EXPECT_TRUE(KeTryToAcquireSpinLockAtDpcLevel(&lock));
    KeReleaseSpinLockFromDpcLevel(&lock);
    KeLowerIrql(old);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST(SpinLock, NdisSpinLockRestoresTheCallersIrql) {
    NDIS_SPIN_LOCK lock;
    NdisAllocateSpinLock(&lock);
    NdisAcquireSpinLock(&lock);
    EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    EXPECT_EQ(lock.OldIrql, PASSIVE_LEVEL);
    NdisReleaseSpinLock(&lock);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    NdisFreeSpinLock(&lock);
}

TEST(SpinLock, FreeingAHeldNdisLockIsReported) {
    VerifierScope verifier;
    NDIS_SPIN_LOCK lock;
    NdisAllocateSpinLock(&lock);
    NdisAcquireSpinLock(&lock);
    NdisFreeSpinLock(&lock);
    EXPECT_EQ(verifier::count(Rule::SpinLockMisuse), 1u);
    NdisReleaseSpinLock(&lock);
}

TEST(SpinLock, NullLockIsReportedNotDereferenced) {
    VerifierScope verifier;
    KeAcquireSpinLockAtDpcLevel(nullptr);
    NdisAcquireSpinLock(nullptr);
    EXPECT_EQ(verifier::count(Rule::NullParameter), 2u);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

}  // namespace
}  // namespace strata::ntos
