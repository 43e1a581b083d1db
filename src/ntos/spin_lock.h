// spin_lock.h — the spin-wait under KSPIN_LOCK and the library's own small locks (seed 003 §2.2,
// DESIGN.md "Execution model"). Test-and-test-and-set on one word; after a bounded spin the
// waiter yields, because in user space the holder may have been preempted.
#pragma once

#include <sched.h>

#include <wdm.h>

namespace strata::ntos {

// Roughly a few microseconds of PAUSE before giving the CPU to a possibly preempted holder.
inline constexpr unsigned kSpinsBeforeYield = 128;

// Spins (read-only, so the cache line is shared while waiting) until `word` reads 0.
inline void spin_until_free(const ULONG_PTR& word) noexcept {
    unsigned spins = 0;
    while (__atomic_load_n(&word, __ATOMIC_RELAXED) != 0) {
        if (++spins < kSpinsBeforeYield) {
            __builtin_ia32_pause();
        } else {
            ::sched_yield();
            spins = 0;
        }
    }
}

// Stores `value` (non-zero) into the free (0) lock word `word`, waiting as long as it is held.
inline void spin_acquire(ULONG_PTR& word, ULONG_PTR value) noexcept {
    for (;;) {
        ULONG_PTR expected = 0;
        if (__atomic_compare_exchange_n(&word, &expected, value, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
        spin_until_free(word);
    }
}

inline bool spin_try_acquire(ULONG_PTR& word, ULONG_PTR value) noexcept {
    ULONG_PTR expected = 0;
    return __atomic_load_n(&word, __ATOMIC_RELAXED) == 0 &&
           __atomic_compare_exchange_n(&word, &expected, value, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

inline void spin_release(ULONG_PTR& word) noexcept { __atomic_store_n(&word, 0, __ATOMIC_RELEASE); }

// A lock for the library's short internal critical sections (DPC queues, timer queue, work
// queue). It neither changes IRQL nor involves the verifier; never hold it while calling out
// to driver code. Satisfies BasicLockable, so std::lock_guard works.
class SmallLock {
public:
    void lock() noexcept { spin_acquire(word_, 1); }
    void unlock() noexcept { spin_release(word_); }

private:
    ULONG_PTR word_ = 0;
};

}  // namespace strata::ntos
