// rw_lock_test.cpp — unit tests for NDIS_RW_LOCK (NdisXxxReadWriteLock, seed 003 §2.2).
#include <gtest/gtest.h>

#include <ndis.h>

#include <atomic>
#include <thread>
#include <vector>

#include "ntos/irql.h"
#include "ntos/testing.h"

namespace strata::ndis {
namespace {

using ntos::testing::VerifierScope;

TEST(RwLock, ReadersShareAndRaiseToDispatch) {
    VerifierScope verifier;
    NDIS_RW_LOCK lock;
    NdisInitializeReadWriteLock(&lock);
    LOCK_STATE first, second;
    NdisAcquireReadWriteLock(&lock, FALSE, &first);
    EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    NdisAcquireReadWriteLock(&lock, FALSE, &second);  // nested read on this thread
    std::atomic<bool> other_read{false};
    std::thread reader([&] {
        LOCK_STATE state;
        NdisAcquireReadWriteLock(&lock, FALSE, &state);
        other_read = true;
        NdisReleaseReadWriteLock(&lock, &state);
    });
    reader.join();
    EXPECT_TRUE(other_read) << "another reader does not wait for this one";
    NdisReleaseReadWriteLock(&lock, &second);
    NdisReleaseReadWriteLock(&lock, &first);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST(RwLock, WriterExcludesReadersAndWriters) {
    VerifierScope verifier;
    NDIS_RW_LOCK lock;
    NdisInitializeReadWriteLock(&lock);
    long shared = 0;
    std::atomic<int> readers{0}, writers{0};
    std::atomic<bool> overlap{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                LOCK_STATE state;
                bool write = (i + t) % 4 == 0;
                NdisAcquireReadWriteLock(&lock, write ? TRUE : FALSE, &state);
                if (write) {
                    if (writers.fetch_add(1) != 0 || readers.load() != 0) overlap = true;
                    ++shared;
                    writers.fetch_sub(1);
                } else {
                    readers.fetch_add(1);
                    if (writers.load() != 0) overlap = true;
                    readers.fetch_sub(1);
                }
                NdisReleaseReadWriteLock(&lock, &state);
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_FALSE(overlap);
    EXPECT_EQ(shared, 4 * 500);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST(RwLock, WriterWaitsForReadersToDrain) {
    NDIS_RW_LOCK lock;
    NdisInitializeReadWriteLock(&lock);
    LOCK_STATE read;
    NdisAcquireReadWriteLock(&lock, FALSE, &read);
    std::atomic<bool> written{false};
    std::thread writer([&] {
        LOCK_STATE state;
        NdisAcquireReadWriteLock(&lock, TRUE, &state);
        written = true;
        NdisReleaseReadWriteLock(&lock, &state);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(written) << "the writer waits while a reader holds the lock";
    NdisReleaseReadWriteLock(&lock, &read);
    writer.join();
    EXPECT_TRUE(written);
}

TEST(RwLock, ReleasingALockStateTwiceIsReported) {
    VerifierScope verifier;
    NDIS_RW_LOCK lock;
    NdisInitializeReadWriteLock(&lock);
    LOCK_STATE state;
    NdisAcquireReadWriteLock(&lock, FALSE, &state);
    NdisReleaseReadWriteLock(&lock, &state);
    ntos::tls_irql = DISPATCH_LEVEL;
    NdisReleaseReadWriteLock(&lock, &state);
    ntos::tls_irql = PASSIVE_LEVEL;
    EXPECT_EQ(verifier::count(verifier::Rule::SpinLockMisuse), 1u);
    LOCK_STATE write;
    NdisAcquireReadWriteLock(&lock, TRUE, &write);
    NdisReleaseReadWriteLock(&lock, &write);
}

}  // namespace
}  // namespace strata::ndis
