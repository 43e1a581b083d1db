// capture_ring.cpp — see capture_ring.h.
#include "ndis/capture_ring.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace strata::ndis {
namespace {

constexpr std::uint64_t align8(std::uint64_t n) noexcept { return (n + 7) & ~std::uint64_t{7}; }

}  // namespace

CaptureRing::CaptureRing(std::size_t capacity) {
    std::size_t bytes = std::bit_ceil(std::max(capacity, kMinCapacity));
    storage_ = std::make_unique<std::uint64_t[]>(bytes / sizeof(std::uint64_t));  // zeroed
    base_ = reinterpret_cast<std::uint8_t*>(storage_.get());
    mask_ = bytes - 1;
    event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (event_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

CaptureRing::~CaptureRing() { ::close(event_fd_); }

std::uint8_t* CaptureRing::reserve(std::uint32_t captured, const RecordInfo& info) noexcept {
    if (captured > kMaxRecordData) return nullptr;
    const std::uint64_t need = align8(sizeof(Header) + captured);
    const std::uint64_t capacity = mask_ + 1;
    std::uint64_t head = head_.load(std::memory_order_relaxed);
    std::uint64_t skip;
    for (;;) {
        // A record never wraps: when it does not fit before the end, the rest of the lap is
        // reserved with it and marked as padding.
        std::uint64_t to_end = capacity - (head & mask_);
        skip = to_end < need ? to_end : 0;
        // acquire: the consumer zeroed what it freed before publishing the new tail.
        std::uint64_t tail = tail_.load(std::memory_order_acquire);
        if (head + skip + need - tail > capacity) return nullptr;
        if (head_.compare_exchange_weak(head, head + skip + need, std::memory_order_relaxed)) break;
    }
    if (skip != 0) size_word(at(head)).store(static_cast<std::uint32_t>(skip) | kPadding, std::memory_order_release);
    std::uint8_t* record = at(head + skip);
    auto* header = reinterpret_cast<Header*>(record);
    header->captured_length = captured;
    header->info = info;
    return record + sizeof(Header);
}

void CaptureRing::commit(std::uint8_t* data) noexcept {
    std::uint8_t* record = data - sizeof(Header);
    const auto* header = reinterpret_cast<const Header*>(record);
    auto size = static_cast<std::uint32_t>(align8(sizeof(Header) + header->captured_length));
    size_word(record).store(size, std::memory_order_release);
    // Pairs with prepare_wait(): either the consumer sees this record, or we see it waiting.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (waiting_.load(std::memory_order_relaxed) && waiting_.exchange(false, std::memory_order_acq_rel)) {
        std::uint64_t one = 1;
        [[maybe_unused]] ssize_t n = ::write(event_fd_, &one, sizeof one);
    }
}

bool CaptureRing::readable() const noexcept {
    return size_word(at(tail_.load(std::memory_order_relaxed))).load(std::memory_order_acquire) != 0;
}

void CaptureRing::prepare_wait() noexcept {
    waiting_.store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
}

void CaptureRing::finish_wait() noexcept {
    waiting_.store(false, std::memory_order_relaxed);
    std::uint64_t count;
    [[maybe_unused]] ssize_t n = ::read(event_fd_, &count, sizeof count);
}

void CaptureRing::release(std::uint64_t bytes) noexcept {
    std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    std::memset(at(tail), 0, bytes);
    tail_.store(tail + bytes, std::memory_order_release);
}

}  // namespace strata::ndis
