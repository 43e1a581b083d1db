// futex.h — the Linux futex under every blocking wait in ntos (DESIGN.md "Execution model"):
// dispatcher objects wait on their own 32-bit SignalState, so no side allocation is needed.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdint>
#include <ctime>

namespace strata::ntos {

// Sleeps while the 32-bit word at `word` equals `expected`, at most `timeout` (nullptr = forever).
// Returns early on a wake, a signal or a changed value: callers re-check their condition.
inline void futex_wait(const volatile void* word, std::int32_t expected,
                       const std::chrono::nanoseconds* timeout = nullptr) noexcept {
    timespec ts{};
    if (timeout != nullptr) {
        auto ns = timeout->count() > 0 ? timeout->count() : 0;
        ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
        ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    }
    ::syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, timeout != nullptr ? &ts : nullptr, nullptr, 0);
}

// Wakes up to `count` threads sleeping on `word`. Only the address is used, so waking a word
// whose owner has just returned (and may be gone) is harmless: sleepers always re-check.
inline void futex_wake(const volatile void* word, int count = INT_MAX) noexcept {
    ::syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0);
}

}  // namespace strata::ntos
