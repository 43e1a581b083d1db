// subsystem.h — the WSK subsystem's state (seed 002 "WSK provider NPI capture"): whether the
// provider NPI is available, its per-processor rings, and the registered clients that
// WskRegister creates and WskDeregister retires.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include <wsk.h>

#include "wsk/lifecycle.h"
#include "wsk/ring.h"

namespace strata::wsk {

// What a client's WSK_REGISTRATION stands for, and what its PWSK_CLIENT points at.
struct Client {
    const WSK_CLIENT_DISPATCH* dispatch = nullptr;
    PVOID context = nullptr;
    std::mutex mutex;
    std::condition_variable changed;
    unsigned captures = 0;      // WskCaptureProviderNPI calls not yet released
    unsigned waiting = 0;       // WskCaptureProviderNPI calls waiting for the provider
    bool deregistering = false;
    std::atomic<unsigned> sockets{0};  // open sockets (WskDeregister waits for none)
    std::atomic<ULONG> static_events{0};
    std::atomic<bool> made_a_socket{false};

    void socket_closed() noexcept;
};

// The ring of a processor, and the ring a new socket is served by (spread over processors).
Ring& ring_of(unsigned processor) noexcept;
Ring& ring_for_new_socket() noexcept;

// The client behind a PWSK_CLIENT the provider handed out; null (reported) when it is not one.
Client* client_from(PWSK_CLIENT handle, const char* function) noexcept;

// WSK versions this provider implements (WskQueryProviderCharacteristics).
inline constexpr USHORT kLowestVersion = MAKE_WSK_VERSION(1, 0);
inline constexpr USHORT kHighestVersion = MAKE_WSK_VERSION(1, 0);

// ---- test hooks (tests/wsk_registration_test.cpp) --------------------------------------------
// How long WskDeregister waits for a client's releases and socket closes before it reports them
// and returns (10 s unless a test shortens it).
void set_deregister_patience(std::chrono::milliseconds patience) noexcept;
// Passive. Waits up to `timeout` until at least `waiting` WskCaptureProviderNPI calls on the
// registration are blocked waiting for the provider and, if `deregistering`, WskDeregister has
// begun on it; false on timeout or once the registration is gone.
bool wait_for_client_state(PWSK_REGISTRATION registration, unsigned waiting, bool deregistering,
                           std::chrono::milliseconds timeout);

}  // namespace strata::wsk
