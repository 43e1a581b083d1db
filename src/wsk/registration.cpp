// registration.cpp — WSK client registration and provider NPI capture, exactly as seed 002
// describes: WskRegister, WskCaptureProviderNPI (WSK_NO_WAIT, WSK_INFINITE_WAIT or a timeout in
// milliseconds; STATUS_DEVICE_NOT_READY while the provider is not up or once WskDeregister ran;
// STATUS_NOINTERFACE for a version the provider does not implement), WskReleaseProviderNPI,
// WskQueryProviderCharacteristics and WskDeregister (returns once every capture is released and
// every socket closed). Also the subsystem's start and stop and its rings.
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ntos/check.h"
#include "ntos/irql.h"
#include "verifier/fault.h"
#include "verifier/verifier.h"
#include "wsk/provider.h"
#include "wsk/subsystem.h"

namespace strata::wsk {
namespace {

// ReservedRegistrationState of a WSK_REGISTRATION: registered, or deregistered (the block may
// still be passed to WskCaptureProviderNPI, which then fails with STATUS_DEVICE_NOT_READY).
constexpr ULONGLONG kRegistered = 0x5753'4B52'6567'6973;    // "WSKRegis"
constexpr ULONGLONG kDeregistered = 0x5753'4B52'6574'6972;  // "WSKRetir"
// How long WskDeregister waits for a client's own releases before the verifier reports them and
// the host moves on (a client that never releases must not hang the host's unload). Tests
// shorten it (set_deregister_patience).
constexpr std::chrono::milliseconds kDeregisterPatience = std::chrono::seconds(10);
std::atomic<std::chrono::milliseconds::rep> g_deregister_patience{kDeregisterPatience.count()};

// One lock for registrations, captures and the provider's state: none of it is on a data path.
struct State {
    std::mutex mutex;
    std::condition_variable changed;
    bool ready = false;
    std::vector<std::unique_ptr<Ring>> rings;
    std::atomic<unsigned> next_ring{0};
    std::map<Client*, std::unique_ptr<Client>> clients;
};

State& state() {
    static State s;
    return s;
}

Client* registered_client(PWSK_REGISTRATION registration) noexcept {
    if (registration == nullptr || registration->ReservedRegistrationState != kRegistered) return nullptr;
    return static_cast<Client*>(registration->ReservedRegistrationContext);
}

bool version_supported(USHORT version) noexcept { return version >= kLowestVersion && version <= kHighestVersion; }

}  // namespace

void Client::socket_closed() noexcept {
    if (sockets.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard guard(state().mutex);
        state().changed.notify_all();
    }
}

void start_subsystem() {
    State& s = state();
    std::vector<std::unique_ptr<Ring>> rings;
    for (unsigned i = 0; i < ntos::processor_count(); ++i) {
        rings.push_back(std::make_unique<Ring>(i));
        ntos::attach_poller(i, *rings.back());
    }
    std::lock_guard guard(s.mutex);
    s.rings = std::move(rings);
    s.ready = true;
    s.changed.notify_all();
}

void stop_subsystem() {
    State& s = state();
    std::vector<std::unique_ptr<Ring>> rings;
    {
        std::lock_guard guard(s.mutex);
        s.ready = false;
        rings = std::move(s.rings);
    }
    for (auto& ring : rings) ntos::detach_poller(ring->processor(), *ring);
}

bool subsystem_ready() noexcept {
    std::lock_guard guard(state().mutex);
    return state().ready;
}

Ring& ring_of(unsigned processor) noexcept { return *state().rings[processor % state().rings.size()]; }

Ring& ring_for_new_socket() noexcept {
    State& s = state();
    return *s.rings[s.next_ring.fetch_add(1, std::memory_order_relaxed) % s.rings.size()];
}

Client* client_from(PWSK_CLIENT handle, const char* function) noexcept {
    auto* client = reinterpret_cast<Client*>(handle);
    if (client == nullptr) ntos::report_violation(verifier::Rule::NullParameter, nullptr, function, "Client is NULL");
    return client;
}

void set_deregister_patience(std::chrono::milliseconds patience) noexcept {
    g_deregister_patience.store(patience.count(), std::memory_order_relaxed);
}

bool wait_for_client_state(PWSK_REGISTRATION registration, unsigned waiting, bool deregistering,
                           std::chrono::milliseconds timeout) {
    State& s = state();
    std::unique_lock lock(s.mutex);
    return s.changed.wait_for(lock, timeout, [&] {
        Client* client = registered_client(registration);
        return client != nullptr && client->waiting >= waiting && (!deregistering || client->deregistering);
    });
}

}  // namespace strata::wsk

using namespace strata;
using namespace strata::wsk;

/* WskRegister (wsk.h) — seed 002 "WSK client object registration" — IRQL == PASSIVE_LEVEL
 * The dispatch table must stay valid until WskDeregister; the registration block is ours until then. */
extern "C" NTSTATUS WSKAPI WskRegister(PWSK_CLIENT_NPI WskClientNpi, PWSK_REGISTRATION WskRegistration) {
    if (WskClientNpi == nullptr || WskRegistration == nullptr || WskClientNpi->Dispatch == nullptr) {
        ntos::report_violation(verifier::Rule::NullParameter, WskRegistration, "WskRegister",
                               "WskClientNpi, its Dispatch and WskRegistration must not be NULL");
        return STATUS_INVALID_PARAMETER;
    }
    if (WskRegistration->ReservedRegistrationState == kRegistered) {
        ntos::report_violation(verifier::Rule::BadCall, WskRegistration, "WskRegister",
                               "the registration block is already registered (WskDeregister it first)");
        return STATUS_INVALID_PARAMETER;
    }
    if (verifier::fault::should_fail(verifier::fault::FaultCall::WskRegister)) return STATUS_INSUFFICIENT_RESOURCES;
    auto client = std::make_unique<Client>();
    client->dispatch = WskClientNpi->Dispatch;
    client->context = WskClientNpi->ClientContext;
    WskRegistration->ReservedRegistrationContext = client.get();
    WskRegistration->ReservedRegistrationLock = 0;
    {
        std::lock_guard guard(state().mutex);
        state().clients.emplace(client.get(), std::move(client));
    }
    WskRegistration->ReservedRegistrationState = kRegistered;
    return STATUS_SUCCESS;
}

/* WskCaptureProviderNPI (wsk.h) — seed 002 "WSK provider NPI capture"
 * IRQL == PASSIVE_LEVEL unless WaitTimeout is WSK_NO_WAIT (then <= DISPATCH_LEVEL). */
extern "C" NTSTATUS WSKAPI WskCaptureProviderNPI(PWSK_REGISTRATION WskRegistration, ULONG WaitTimeout,
                                                 PWSK_PROVIDER_NPI WskProviderNpi) {
    if (WskRegistration == nullptr || WskProviderNpi == nullptr) {
        ntos::report_violation(verifier::Rule::NullParameter, WskRegistration, "WskCaptureProviderNPI",
                               "WskRegistration and WskProviderNpi must not be NULL");
        return STATUS_INVALID_PARAMETER;
    }
    if (WaitTimeout != WSK_NO_WAIT && ntos::at_dispatch()) {
        ntos::report_violation(verifier::Rule::BlockingAtDispatch, WskRegistration, "WskCaptureProviderNPI",
                               "a wait (WaitTimeout other than WSK_NO_WAIT) at DISPATCH_LEVEL; not waiting");
        WaitTimeout = WSK_NO_WAIT;
    }
    State& s = state();
    std::unique_lock lock(s.mutex);
    // Under the lock: a WskDeregister running in another thread retires the block and frees
    // its client under it, so the client is only looked up once no WskDeregister can finish.
    if (WskRegistration->ReservedRegistrationState == kDeregistered) return STATUS_DEVICE_NOT_READY;
    Client* client = registered_client(WskRegistration);
    if (client == nullptr) {
        lock.unlock();
        ntos::report_violation(verifier::Rule::InvalidHandle, WskRegistration, "WskCaptureProviderNPI",
                               "the registration block was not initialised by WskRegister");
        return STATUS_INVALID_PARAMETER;
    }
    auto available = [&] { return s.ready || client->deregistering; };
    if (!available() && WaitTimeout != WSK_NO_WAIT) {
        ++client->waiting;
        s.changed.notify_all();  // for wait_for_client_state
        if (WaitTimeout == WSK_INFINITE_WAIT) s.changed.wait(lock, available);
        else s.changed.wait_for(lock, std::chrono::milliseconds(WaitTimeout), available);
        --client->waiting;
        s.changed.notify_all();
    }
    // Documented: a capture that finds the provider available at the same time as WskDeregister
    // still succeeds; one that was only woken by WskDeregister fails.
    if (!s.ready) return STATUS_DEVICE_NOT_READY;
    if (client->deregistering) return STATUS_DEVICE_NOT_READY;
    if (!version_supported(client->dispatch->Version)) return STATUS_NOINTERFACE;
    ++client->captures;
    WskProviderNpi->Client = reinterpret_cast<PWSK_CLIENT>(client);
    WskProviderNpi->Dispatch = &kProviderDispatch;
    return STATUS_SUCCESS;
}

/* WskReleaseProviderNPI (wsk.h) — seed 002 — IRQL <= DISPATCH_LEVEL
 * One release for every successful capture. */
extern "C" VOID WSKAPI WskReleaseProviderNPI(PWSK_REGISTRATION WskRegistration) {
    Client* client = registered_client(WskRegistration);
    if (client == nullptr) {
        ntos::report_violation(verifier::Rule::InvalidHandle, WskRegistration, "WskReleaseProviderNPI",
                               "the registration block is not registered");
        return;
    }
    State& s = state();
    std::lock_guard guard(s.mutex);
    if (client->captures == 0) {
        ntos::report_violation(verifier::Rule::NpiCaptureBalance, WskRegistration, "WskReleaseProviderNPI",
                               "released more often than WskCaptureProviderNPI succeeded");
        return;
    }
    if (--client->captures == 0) s.changed.notify_all();
}

/* WskQueryProviderCharacteristics (wsk.h) — seed 002 — IRQL <= DISPATCH_LEVEL
 * The range of WSK versions the provider implements; documented: STATUS_DEVICE_NOT_READY while
 * the provider NPI is not yet available. */
extern "C" NTSTATUS WSKAPI WskQueryProviderCharacteristics(PWSK_REGISTRATION WskRegistration,
                                                           PWSK_PROVIDER_CHARACTERISTICS WskProviderCharacteristics) {
    if (registered_client(WskRegistration) == nullptr || WskProviderCharacteristics == nullptr) {
        ntos::report_violation(verifier::Rule::InvalidHandle, WskRegistration, "WskQueryProviderCharacteristics",
                               "the registration block is not registered, or WskProviderCharacteristics is NULL");
        return STATUS_INVALID_PARAMETER;
    }
    if (!subsystem_ready()) return STATUS_DEVICE_NOT_READY;
    WskProviderCharacteristics->HighestVersion = kHighestVersion;
    WskProviderCharacteristics->LowestVersion = kLowestVersion;
    return STATUS_SUCCESS;
}

/* WskDeregister (wsk.h) — seed 002 — IRQL == PASSIVE_LEVEL
 * Fails waiting captures with STATUS_DEVICE_NOT_READY, then returns once every capture was
 * released and every socket closed. */
extern "C" VOID WSKAPI WskDeregister(PWSK_REGISTRATION WskRegistration) {
    Client* client = registered_client(WskRegistration);
    if (client == nullptr) {
        ntos::report_violation(verifier::Rule::InvalidHandle, WskRegistration, "WskDeregister",
                               "the registration block is not registered");
        return;
    }
    State& s = state();
    std::unique_lock lock(s.mutex);
    client->deregistering = true;
    s.changed.notify_all();
    auto idle = [&] {
        return client->waiting == 0 && client->captures == 0 && client->sockets.load(std::memory_order_acquire) == 0;
    };
    const std::chrono::milliseconds patience{g_deregister_patience.load(std::memory_order_relaxed)};
    if (!s.changed.wait_for(lock, patience, idle)) {
        std::string what = "returning after " + std::to_string(patience.count()) + " ms with " +
                           std::to_string(client->captures) + " capture(s) never released and " +
                           std::to_string(client->sockets.load()) + " socket(s) never closed";
        // The client may still hold pointers to it: the object is left, the registration retired.
        WskRegistration->ReservedRegistrationState = kDeregistered;
        lock.unlock();
        ntos::report_violation(verifier::Rule::NpiCaptureBalance, WskRegistration, "WskDeregister", what);
        return;
    }
    s.clients.erase(client);
    WskRegistration->ReservedRegistrationState = kDeregistered;
    WskRegistration->ReservedRegistrationContext = nullptr;
}
