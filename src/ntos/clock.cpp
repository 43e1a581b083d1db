// clock.cpp — real and fake clocks and the installed-clock switch (STYLE.md rule 12, seed 003 §2.2).
#include "ntos/clock.h"

#include <ctime>

#include "ntos/immortal.h"
#include "ntos/timer.h"

namespace strata::ntos {
namespace {

// Seconds from 1601-01-01 to 1970-01-01.
constexpr LONGLONG kUnixEpochSeconds = 11'644'473'600;

LONGLONG read_units(clockid_t id) noexcept {
    timespec ts{};
    ::clock_gettime(id, &ts);
    return static_cast<LONGLONG>(ts.tv_sec) * kUnitsPerSecond + ts.tv_nsec / 100;
}

// Immortal because threads may still read time while the process exits.
RealClock& real_clock() noexcept {
    static Immortal<RealClock> instance;
    return *instance;
}

std::atomic<Clock*> g_clock{nullptr};  // nullptr: the real clock

}  // namespace

ULONGLONG RealClock::now() const noexcept { return static_cast<ULONGLONG>(read_units(CLOCK_MONOTONIC)); }

LONGLONG RealClock::system_time() const noexcept {
    return read_units(CLOCK_REALTIME) + kUnixEpochSeconds * kUnitsPerSecond;
}

std::optional<std::chrono::nanoseconds> RealClock::real_time_until(ULONGLONG due) const noexcept {
    ULONGLONG current = now();
    return due > current ? Units(static_cast<LONGLONG>(due - current)) : std::chrono::nanoseconds::zero();
}

void FakeClock::advance(std::chrono::nanoseconds delta) noexcept {
    now_.fetch_add(static_cast<ULONGLONG>(std::chrono::duration_cast<Units>(delta).count()), std::memory_order_acq_rel);
    if (&active_clock() == this) expire_timers();
}

Clock& active_clock() noexcept {
    Clock* installed = g_clock.load(std::memory_order_acquire);
    return installed != nullptr ? *installed : real_clock();
}

void set_clock(Clock* replacement) noexcept {
    g_clock.store(replacement, std::memory_order_release);
    clock_changed();
}

}  // namespace strata::ntos
