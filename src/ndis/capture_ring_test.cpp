// capture_ring_test.cpp — unit tests for the capture ring (issue 6 "Capture"): records in
// reservation order with their data, a full ring refusing instead of blocking, laps without a
// record split at the end, many producers losing nothing, and the consumer's wakeup.
#include <gtest/gtest.h>

#include <poll.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "ndis/capture_ring.h"

namespace strata::ndis {
namespace {

bool push(CaptureRing& ring, std::uint32_t interface_id, std::uint32_t value, std::uint32_t bytes) {
    CaptureRing::RecordInfo info{interface_id, 2, value, bytes};
    std::uint8_t* data = ring.reserve(bytes, info);
    if (data == nullptr) return false;
    for (std::uint32_t i = 0; i < bytes; ++i) data[i] = static_cast<std::uint8_t>(value + i);
    ring.commit(data);
    return true;
}

// The record's bytes are what push() wrote for its value.
bool intact(const CaptureRing::Record& r) {
    for (std::size_t i = 0; i < r.data.size(); ++i)
        if (r.data[i] != static_cast<std::uint8_t>(r.info.timestamp_ns + i)) return false;
    return r.data.size() == r.info.original_length;
}

TEST(CaptureRing, RecordsComeOutInOrderWithTheirInfoAndData) {
    CaptureRing ring(0);
    EXPECT_EQ(ring.capacity(), CaptureRing::kMinCapacity);
    EXPECT_FALSE(ring.readable());
    ASSERT_TRUE(push(ring, 0, 10, 61));
    ASSERT_TRUE(push(ring, 3, 20, 0));
    ASSERT_TRUE(push(ring, 1, 30, 1514));
    std::vector<std::pair<std::uint32_t, std::uint64_t>> seen;
    EXPECT_EQ(ring.drain([&](const CaptureRing::Record& r) {
                  EXPECT_TRUE(intact(r));
                  EXPECT_EQ(r.info.flags, 2u);
                  seen.emplace_back(r.info.interface_id, r.info.timestamp_ns);
              }, 100),
              3u);
    EXPECT_EQ(seen, (std::vector<std::pair<std::uint32_t, std::uint64_t>>{{0, 10}, {3, 20}, {1, 30}}));
    EXPECT_FALSE(ring.readable());
}

TEST(CaptureRing, AFullRingRefusesAndDrainingMakesRoom) {
    CaptureRing ring(0);
    unsigned pushed = 0;
    while (push(ring, 0, pushed, 60000)) ++pushed;
    EXPECT_EQ(pushed, CaptureRing::kMinCapacity / 60040);
    EXPECT_EQ(ring.drain([](const CaptureRing::Record&) {}, 1), 1u);
    EXPECT_TRUE(push(ring, 0, 99, 60000));
    EXPECT_FALSE(ring.reserve(CaptureRing::kMaxRecordData + 1, {}));
}

TEST(CaptureRing, LapsNeverSplitARecord) {
    CaptureRing ring(0);
    std::uint32_t next = 0, expected = 0;
    // Sizes that do not divide the capacity, so records meet the end at every offset; a backlog
    // of about 100 records stays in the ring.
    for (int round = 0; round < 2000; ++round) {
        for (int i = 0; i < 5; ++i, ++next) ASSERT_TRUE(push(ring, 0, next, 997 + next % 13)) << next;
        if (round < 20) continue;
        ring.drain([&](const CaptureRing::Record& r) {
            EXPECT_EQ(r.info.timestamp_ns, expected++);
            EXPECT_TRUE(intact(r));
        }, 5);
    }
    ring.drain([&](const CaptureRing::Record& r) { EXPECT_EQ(r.info.timestamp_ns, expected++); }, 1u << 20);
    EXPECT_EQ(expected, next);
}

// Producers retry when the ring is full, so every record must come out exactly once, each
// producer's in its own order, while the consumer sleeps on the eventfd between batches.
TEST(CaptureRing, ManyProducersLoseNothingAndKeepTheirOrder) {
    CaptureRing ring(0);
    constexpr unsigned kProducers = 4, kEach = 50000;
    std::vector<std::thread> producers;
    for (unsigned p = 0; p < kProducers; ++p)
        producers.emplace_back([&ring, p] {
            for (unsigned i = 0; i < kEach; ++i)
                while (!push(ring, p, i, 40 + i % 200)) std::this_thread::yield();
        });
    std::vector<std::uint64_t> next(kProducers, 0);
    unsigned total = 0;
    bool in_order = true, all_intact = true;
    while (total < kProducers * kEach) {
        std::size_t n = ring.drain([&](const CaptureRing::Record& r) {
            in_order = in_order && r.info.timestamp_ns == next[r.info.interface_id];
            all_intact = all_intact && intact(r);
            next[r.info.interface_id] = r.info.timestamp_ns + 1;
        }, 256);
        total += static_cast<unsigned>(n);
        if (n != 0) continue;
        ring.prepare_wait();
        if (!ring.readable()) {
            pollfd fd{ring.event_fd(), POLLIN, 0};
            ASSERT_EQ(::poll(&fd, 1, 30000), 1) << "no wakeup with " << total << " records taken";
        }
        ring.finish_wait();
    }
    for (auto& t : producers) t.join();
    EXPECT_TRUE(in_order);
    EXPECT_TRUE(all_intact);
    EXPECT_EQ(total, kProducers * kEach);
    EXPECT_FALSE(ring.readable());
}

TEST(CaptureRing, ACommitWakesAConsumerThatPreparedToWait) {
    CaptureRing ring(0);
    ring.prepare_wait();
    ASSERT_FALSE(ring.readable());
    std::thread producer([&] { push(ring, 0, 1, 100); });
    pollfd fd{ring.event_fd(), POLLIN, 0};
    EXPECT_EQ(::poll(&fd, 1, 30000), 1);
    ring.finish_wait();
    producer.join();
    EXPECT_TRUE(ring.readable());
    // A commit with nobody waiting writes no wakeup.
    push(ring, 0, 2, 100);
    EXPECT_EQ(::poll(&fd, 1, 0), 0);
}

}  // namespace
}  // namespace strata::ndis
