// binding.cpp — ProtocolBindAdapter/ProtocolUnbindAdapter calls and their completions
// (seed 003 §2.4, §2.11): NdisCompleteBindAdapter, NdisCompleteUnbindAdapter,
// NdisReEnumerateProtocolBindings.
#include "ndis/binding.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "ndis/handle_table.h"
#include "ndis/library.h"
#include "ntos/irql.h"
#include "verifier/verifier.h"

namespace strata::ndis {
namespace {

// A BindContext or UnbindContext: the protocol completes it from any thread.
struct Completion {
    NDIS_HANDLE handle = nullptr;
    std::mutex mutex;
    std::condition_variable done;
    bool completed = false;
    NDIS_STATUS status = NDIS_STATUS_PENDING;

    void complete(NDIS_STATUS s) {
        std::lock_guard lock(mutex);
        status = s;
        completed = true;
        done.notify_all();
    }
    NDIS_STATUS wait() {
        std::unique_lock lock(mutex);
        done.wait(lock, [this] { return completed; });
        return status;
    }
};

// Runs `call(handle)` with a fresh completion context of `kind`, waits if it pended.
template <typename Call>
NDIS_STATUS call_and_wait(HandleKind kind, Call&& call) {
    Completion completion;
    completion.handle = HandleTable::instance().insert(kind, &completion);
    NDIS_STATUS status = NDIS_STATUS_PENDING;
    call(completion.handle, &status);
    if (status == NDIS_STATUS_PENDING) status = completion.wait();
    HandleTable::instance().erase(completion.handle);
    return status;
}

Open* find_open(Protocol& protocol, Miniport& miniport) {
    std::lock_guard lock(Library::instance().mutex);
    for (Open* open : protocol.opens)
        if (open->miniport == &miniport && open->state.load() == OpenState::Open) return open;
    return nullptr;
}

}  // namespace

std::string protocol_binding_key(const Protocol& protocol, const Miniport& miniport) {
    std::string adapter = miniport.device_name.substr(miniport.device_name.find_last_of('\\') + 1);
    std::string service = protocol.service.empty() ? protocol.name : protocol.service;
    return "HKLM\\SYSTEM\\CurrentControlSet\\Services\\" + service + "\\Parameters\\Adapters\\" + adapter;
}

NDIS_STATUS bind_protocol(Protocol& protocol, Miniport& miniport) {
    if (find_open(protocol, miniport) != nullptr) return NDIS_STATUS_SUCCESS;
    {
        std::lock_guard lock(Library::instance().mutex);
        if (std::find(protocol.wanted_bindings.begin(), protocol.wanted_bindings.end(), miniport.device_name) ==
            protocol.wanted_bindings.end())
            protocol.wanted_bindings.push_back(miniport.device_name);
    }
    std::u16string device = miniport.device_name_utf16;
    UNICODE_STRING device_name{static_cast<USHORT>(device.size() * sizeof(WCHAR)),
                               static_cast<USHORT>(device.size() * sizeof(WCHAR)),
                               reinterpret_cast<PWSTR>(device.data())};
    std::u16string key = to_utf16(protocol_binding_key(protocol, miniport));
    UNICODE_STRING key_name{static_cast<USHORT>(key.size() * sizeof(WCHAR)),
                            static_cast<USHORT>(key.size() * sizeof(WCHAR)), reinterpret_cast<PWSTR>(key.data())};
    return call_and_wait(HandleKind::BindContext, [&](NDIS_HANDLE context, NDIS_STATUS* status) {
        protocol.chars.BindAdapterHandler(status, context, &device_name, &key_name, nullptr);
    });
}

NDIS_STATUS unbind_open(Open& open) {
    Protocol& protocol = *open.protocol;
    return call_and_wait(HandleKind::UnbindContext, [&](NDIS_HANDLE context, NDIS_STATUS* status) {
        protocol.chars.UnbindAdapterHandler(status, open.binding_context, context);
    });
}

void unbind_all(Protocol& protocol) {
    for (;;) {
        Open* open = nullptr;
        {
            std::lock_guard lock(Library::instance().mutex);
            for (Open* candidate : protocol.opens)
                if (candidate->state.load() == OpenState::Open) open = candidate;
        }
        if (open == nullptr) return;
        if (unbind_open(*open) != NDIS_STATUS_SUCCESS || open->state.load() == OpenState::Open) {
            verifier::report(verifier::Rule::BadCall, protocol.service, open->handle,
                             "ProtocolUnbindAdapter returned without closing the binding");
            return;
        }
    }
}

void unbind_all(Miniport& miniport) {
    for (;;) {
        Open* open = nullptr;
        miniport.for_each_open([&](Open* candidate) {
            if (open == nullptr && candidate->state.load() == OpenState::Open) open = candidate;
        });
        if (open == nullptr) return;
        if (unbind_open(*open) != NDIS_STATUS_SUCCESS || open->state.load() == OpenState::Open) {
            verifier::report(verifier::Rule::BadCall, open->protocol->service, open->handle,
                             "ProtocolUnbindAdapter returned without closing the binding");
            return;
        }
    }
}

}  // namespace strata::ndis

using namespace strata;
using namespace strata::ndis;

namespace {
void complete_context(NDIS_HANDLE context, HandleKind kind, NDIS_STATUS status, const char* function) {
    if (auto* completion = lookup<Completion>(context, kind, function)) completion->complete(status);
}
}  // namespace

/* NdisCompleteBindAdapter (ndis.h) — seed 003 §2.4.1 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisCompleteBindAdapter(NDIS_HANDLE BindAdapterContext, NDIS_STATUS Status, NDIS_STATUS OpenStatus) {
    (void)OpenStatus;
    complete_context(BindAdapterContext, HandleKind::BindContext, Status, "NdisCompleteBindAdapter");
}

/* NdisCompleteUnbindAdapter (ndis.h) — seed 003 §2.11 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisCompleteUnbindAdapter(NDIS_HANDLE UnbindAdapterContext, NDIS_STATUS Status) {
    complete_context(UnbindAdapterContext, HandleKind::UnbindContext, Status, "NdisCompleteUnbindAdapter");
}

/* NdisReEnumerateProtocolBindings (ndis.h) — seed 003 §2.4 — IRQL == PASSIVE_LEVEL
 * Offers the protocol every adapter it should be bound to but is not (a bind that failed). */
extern "C" VOID NdisReEnumerateProtocolBindings(NDIS_HANDLE NdisProtocolHandle) {
    auto* protocol = lookup<Protocol>(NdisProtocolHandle, HandleKind::Protocol, "NdisReEnumerateProtocolBindings");
    if (protocol == nullptr) return;
    std::vector<std::string> wanted;
    {
        std::lock_guard lock(Library::instance().mutex);
        wanted = protocol->wanted_bindings;
    }
    for (const std::string& device : wanted)
        if (Miniport* miniport = Library::instance().find_miniport(device)) bind_protocol(*protocol, *miniport);
}
