// testing.h — scopes the ntos unit tests share (STYLE.md rule 14): verifier, processors and a
// fake clock set up for one test and restored after it, and bounded waits instead of sleeps.
#pragma once

#include <chrono>
#include <thread>

#include <wdm.h>

#include "ntos/clock.h"
#include "ntos/processor.h"
#include "verifier/verifier.h"

namespace strata::ntos::testing {

// Generous: only a broken implementation ever waits this long.
inline constexpr std::chrono::seconds kPatience{10};

// The verifier on (or off) for one test, with no reports before or after it.
class VerifierScope {
public:
    explicit VerifierScope(bool on = true) : saved_(verifier::enabled()) {
        verifier::set_enabled(on);
        verifier::clear();
    }
    ~VerifierScope() {
        verifier::clear();
        verifier::set_enabled(saved_);
    }
    VerifierScope(const VerifierScope&) = delete;
    VerifierScope& operator=(const VerifierScope&) = delete;

private:
    bool saved_;
};

// `count` processor threads for one test; stopping drains their queues.
class ProcessorScope {
public:
    explicit ProcessorScope(unsigned count = 2) { start_processors(count); }
    ~ProcessorScope() { stop_processors(); }
    ProcessorScope(const ProcessorScope&) = delete;
    ProcessorScope& operator=(const ProcessorScope&) = delete;
};

// A FakeClock installed for one test; timers must be cancelled before it ends.
class FakeClockScope {
public:
    FakeClockScope() { set_clock(&clock_); }
    ~FakeClockScope() { set_clock(nullptr); }
    FakeClockScope(const FakeClockScope&) = delete;
    FakeClockScope& operator=(const FakeClockScope&) = delete;
    FakeClock& operator*() noexcept { return clock_; }
    FakeClock* operator->() noexcept { return &clock_; }

private:
    FakeClock clock_{1'000'000};
};

// Waits at PASSIVE_LEVEL until `event` is signalled; false if that takes kPatience.
// Waits until `condition()` holds or kPatience passed; true if it held.
template <typename Condition>
bool wait_until(Condition condition) {
    auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::yield();
    }
    return true;
}

inline bool wait_for(KEVENT& event) {
    LARGE_INTEGER timeout;
    timeout.QuadPart = -std::chrono::duration_cast<Units>(kPatience).count();
    return KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS;
}

}  // namespace strata::ntos::testing
