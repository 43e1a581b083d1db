// capture_ring.h — the packet capture ring (issue 6 "Capture"): one preallocated byte ring per
// capture session that the data path copies captured frames into and one writer thread drains.
// Producers on any thread reserve a record with one compare-and-swap and commit it with a
// release store; the consumer takes committed records in reservation order and zeroes what it
// took, so a zero size word always means "not committed yet". Nothing allocates after
// construction; a full ring refuses the frame and the caller counts the drop.
//
// The consumer can sleep on event_fd(): prepare_wait(), check readable() once more, poll, then
// finish_wait(). A producer that commits while the consumer is in that window writes the eventfd
// (one write per sleep, not per frame).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace strata::ndis {

class CaptureRing {
public:
    // What a producer says about its frame.
    struct RecordInfo {
        std::uint32_t interface_id = 0;
        std::uint32_t flags = 0;            // pcapng epb_flags (direction)
        std::uint64_t timestamp_ns = 0;     // CLOCK_REALTIME
        std::uint32_t original_length = 0;  // the frame's length on the wire
    };
    // A committed record as the consumer sees it; `data` holds the captured bytes.
    struct Record {
        RecordInfo info;
        std::span<const std::uint8_t> data;
    };

    static constexpr std::size_t kMinCapacity = 256 * 1024;
    static constexpr std::uint32_t kMaxRecordData = 256 * 1024;

    // `capacity` bytes rounded up to a power of two (at least kMinCapacity). Throws
    // std::system_error when the eventfd cannot be made.
    explicit CaptureRing(std::size_t capacity);
    ~CaptureRing();
    CaptureRing(const CaptureRing&) = delete;
    CaptureRing& operator=(const CaptureRing&) = delete;

    std::size_t capacity() const noexcept { return mask_ + 1; }

    // Any thread, any IRQL. Room for `captured` (<= kMaxRecordData) bytes of frame data, which
    // the caller fills and then passes to commit(); nullptr when the ring is full.
    std::uint8_t* reserve(std::uint32_t captured, const RecordInfo& info) noexcept;
    void commit(std::uint8_t* data) noexcept;

    // Consumer only. Calls visit(const Record&) for up to `limit` committed records, oldest first,
    // and frees them; returns how many it visited.
    template <typename Visit>
    std::size_t drain(Visit&& visit, std::size_t limit);
    // Consumer only: the oldest record is committed.
    bool readable() const noexcept;

    int event_fd() const noexcept { return event_fd_; }
    void prepare_wait() noexcept;
    void finish_wait() noexcept;

private:
    struct alignas(8) Header {
        std::uint32_t size;  // record bytes with this header, 8-aligned; 0 = not committed
        std::uint32_t captured_length;
        RecordInfo info;
    };
    static constexpr std::uint32_t kPadding = 1u << 31;  // size flag: skip to the ring's start

    std::uint8_t* at(std::uint64_t position) const noexcept { return base_ + (position & mask_); }
    static std::atomic_ref<std::uint32_t> size_word(std::uint8_t* record) noexcept {
        return std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(record));
    }
    // Frees [tail_, tail_ + bytes): zeroed first, so the next lap finds no stale size words.
    void release(std::uint64_t bytes) noexcept;

    std::unique_ptr<std::uint64_t[]> storage_;
    std::uint8_t* base_ = nullptr;
    std::uint64_t mask_ = 0;
    int event_fd_ = -1;
    alignas(64) std::atomic<std::uint64_t> head_{0};  // next byte to reserve (producers)
    alignas(64) std::atomic<std::uint64_t> tail_{0};  // next byte to read (consumer)
    alignas(64) std::atomic<bool> waiting_{false};    // the consumer is about to sleep
};

template <typename Visit>
std::size_t CaptureRing::drain(Visit&& visit, std::size_t limit) {
    std::size_t visited = 0;
    while (visited < limit) {
        std::uint8_t* record = at(tail_.load(std::memory_order_relaxed));
        std::uint32_t size = size_word(record).load(std::memory_order_acquire);
        if (size == 0) break;
        if (size & kPadding) {
            release(size & ~kPadding);
            continue;
        }
        const auto* header = reinterpret_cast<const Header*>(record);
        visit(Record{header->info, {record + sizeof(Header), header->captured_length}});
        release(size);
        ++visited;
    }
    return visited;
}

}  // namespace strata::ndis
