// serial_gate.h — NDIS's one-call-at-a-time guarantee for serialized miniports (seed 003 §2.2,
// DESIGN "Execution model"). A recursive call from the thread already inside the miniport is
// never made: callers check owned_by_me() and defer the work to the owner instead.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace strata::ndis {

class SerialGate {
public:
    bool owned_by_me() const noexcept { return owner_.load(std::memory_order_acquire) == self(); }
    bool try_enter() noexcept {
        std::uintptr_t expected = 0;
        return owner_.compare_exchange_strong(expected, self(), std::memory_order_acquire);
    }
    void enter() noexcept {
        for (unsigned spins = 0; !try_enter(); ++spins)
            if (spins > 64) std::this_thread::yield();
    }
    void leave() noexcept { owner_.store(0, std::memory_order_release); }

private:
    static std::uintptr_t self() noexcept {
        static thread_local const char marker = 0;
        return reinterpret_cast<std::uintptr_t>(&marker);
    }
    std::atomic<std::uintptr_t> owner_{0};
};

}  // namespace strata::ndis
