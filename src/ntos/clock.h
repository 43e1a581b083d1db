// clock.h — the injectable clock behind timers and time queries (STYLE.md rule 12, seed 003 §2.2):
// production reads the monotonic and real-time clocks; tests install a FakeClock and advance it,
// which expires due timers synchronously instead of anyone sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <climits>
#include <optional>

#include <wdm.h>

namespace strata::ntos {

// Windows time units: 100 ns. System time counts from 1601-01-01 UTC; interrupt time from boot.
inline constexpr LONGLONG kUnitsPerMillisecond = 10'000;
inline constexpr LONGLONG kUnitsPerSecond = 10'000'000;
using Units = std::chrono::duration<LONGLONG, std::ratio<1, kUnitsPerSecond>>;

class Clock {
public:
    virtual ~Clock() = default;
    // Interrupt time: monotonic, 100 ns units.
    virtual ULONGLONG now() const noexcept = 0;
    // System time: 100 ns units since 1601-01-01 UTC.
    virtual LONGLONG system_time() const noexcept = 0;
    // How long a thread should sleep for interrupt time `due` to arrive; nullopt when only an
    // explicit advance brings it (the timer thread then sleeps until it is woken).
    virtual std::optional<std::chrono::nanoseconds> real_time_until(ULONGLONG due) const noexcept = 0;
};

// CLOCK_MONOTONIC (interrupt time) and CLOCK_REALTIME (system time).
class RealClock final : public Clock {
public:
    ULONGLONG now() const noexcept override;
    LONGLONG system_time() const noexcept override;
    std::optional<std::chrono::nanoseconds> real_time_until(ULONGLONG due) const noexcept override;
};

// Time that moves only when advance() is called. System time is a fixed epoch plus interrupt time.
class FakeClock final : public Clock {
public:
    static constexpr LONGLONG kEpoch = 125'911'584'000'000'000;  // 2000-01-01 00:00:00 UTC

    explicit FakeClock(ULONGLONG start = 0) noexcept : now_(start) {}
    ULONGLONG now() const noexcept override { return now_.load(std::memory_order_acquire); }
    LONGLONG system_time() const noexcept override { return kEpoch + static_cast<LONGLONG>(now()); }
    std::optional<std::chrono::nanoseconds> real_time_until(ULONGLONG) const noexcept override { return std::nullopt; }

    // Moves time forward by `delta` (rounded down to 100 ns) and, if this clock is installed,
    // expires every timer now due before returning: signal states are set and DPCs queued.
    void advance(std::chrono::nanoseconds delta) noexcept;

private:
    std::atomic<ULONGLONG> now_;
};

// How far ahead a Windows due time lies, in 100 ns units: a negative `due` is relative (its
// magnitude), a positive one absolute system time on `clock`. Zero or less: already due.
inline LONGLONG units_until(LONGLONG due, const Clock& clock) noexcept {
    if (due < 0) return due == LLONG_MIN ? LLONG_MAX : -due;
    return due - clock.system_time();
}

// The clock in use. set_clock(nullptr) restores the real clock. Install a clock while no timer
// is queued (due times are kept in the installed clock's units) and no driver or test thread is
// reading time; the timer service itself is synchronised, so once set_clock() has returned the
// previous clock may be destroyed.
Clock& active_clock() noexcept;
void set_clock(Clock* clock) noexcept;

}  // namespace strata::ntos
