// io_event.cpp — StrataRegisterIoEvent and friends (include/strata/io_event.h; DESIGN.md
// "Execution model"): a driver's file descriptor takes the place of an interrupt line. Every
// descriptor of one adapter (or one binding) is watched by the same processor, chosen round-robin
// when the first is registered, so a driver's handlers for it never race each other; a serialized
// miniport's handler runs inside its one-call-at-a-time gate, like its timers.
#include <sys/epoll.h>

#include <atomic>
#include <memory>
#include <system_error>

#include <strata/io_event.h>

#include "ndis/handle_table.h"
#include "ndis/library.h"
#include "ntos/check.h"
#include "ntos/irql.h"
#include "ntos/processor.h"

using namespace strata;
using namespace strata::ndis;

namespace {

constexpr ULONG kKnownEvents = STRATA_IO_READABLE | STRATA_IO_WRITABLE | STRATA_IO_HANGUP;

struct IoEvent final : ntos::IoWatch {
    NDIS_HANDLE handle = nullptr;  // the IoEventHandle
    Miniport* miniport = nullptr;  // set for a miniport's event: its gate serialises the handler
    int fd = -1;
    unsigned processor = 0;
    STRATA_IO_EVENT_HANDLER handler = nullptr;
    PVOID context = nullptr;

    void ready(unsigned epoll_events) noexcept override {
        ULONG events = 0;
        if ((epoll_events & EPOLLIN) != 0) events |= STRATA_IO_READABLE;
        if ((epoll_events & EPOLLOUT) != 0) events |= STRATA_IO_WRITABLE;
        if ((epoll_events & (EPOLLERR | EPOLLHUP)) != 0) events |= STRATA_IO_HANGUP;
        if (miniport != nullptr) miniport->call_serialized([&] { handler(context, events); });
        else handler(context, events);
    }
};

unsigned to_epoll(ULONG events) noexcept {
    unsigned mask = 0;
    if ((events & STRATA_IO_READABLE) != 0) mask |= EPOLLIN;
    if ((events & STRATA_IO_WRITABLE) != 0) mask |= EPOLLOUT;
    return mask;  // EPOLLERR and EPOLLHUP are always reported
}

// The processor serving `slot`'s owner: the first registration picks it, later ones reuse it.
unsigned processor_for(std::atomic<unsigned>& slot) noexcept {
    static std::atomic<unsigned> next{0};
    unsigned chosen = slot.load(std::memory_order_acquire);
    if (chosen != ~0u) return chosen;
    unsigned candidate = next.fetch_add(1, std::memory_order_relaxed) % ntos::processor_count();
    return slot.compare_exchange_strong(chosen, candidate, std::memory_order_acq_rel) ? candidate : chosen;
}

NDIS_STATUS register_io_event(PNDIS_HANDLE out, NDIS_HANDLE owner, INT fd, ULONG events,
                              STRATA_IO_EVENT_HANDLER handler, PVOID context, bool miniport_only,
                              const char* function) {
    if (!ntos::irql_at_most(PASSIVE_LEVEL, function, owner)) return NDIS_STATUS_FAILURE;
    if (!ntos::non_null(out, function) || !ntos::non_null(reinterpret_cast<const void*>(handler), function))
        return NDIS_STATUS_INVALID_DATA;
    *out = nullptr;
    auto event = std::make_unique<IoEvent>();
    auto& table = HandleTable::instance();
    if (auto* m = static_cast<Miniport*>(table.find(owner, HandleKind::Miniport))) {
        event->miniport = m;
        event->processor = processor_for(m->io_processor);
    } else if (auto* open = miniport_only ? nullptr : static_cast<Open*>(table.find(owner, HandleKind::Open))) {
        event->processor = processor_for(open->io_processor);
    } else {
        report_invalid_handle(owner, HandleKind::Miniport, function);
        return NDIS_STATUS_INVALID_DATA;
    }
    if (fd < 0 || (events & ~kKnownEvents) != 0) return NDIS_STATUS_INVALID_DATA;
    if (!ntos::processors_running()) return NDIS_STATUS_FAILURE;
    event->fd = fd;
    event->handler = handler;
    event->context = context;
    event->handle = table.insert(HandleKind::IoEvent, event.get());
    if (event->handle == nullptr) return NDIS_STATUS_RESOURCES;
    try {
        ntos::add_io_watch(event->processor, fd, to_epoll(events), *event);
    } catch (const std::system_error&) {
        table.erase(event->handle);
        return NDIS_STATUS_INVALID_DATA;
    }
    *out = event->handle;
    [[maybe_unused]] IoEvent* owned_by_table = event.release();  // StrataDeregisterIoEvent adopts it
    return NDIS_STATUS_SUCCESS;
}

}  // namespace

/* StrataRegisterIoEvent (strata/io_event.h) — IRQL == PASSIVE_LEVEL */
extern "C" NDIS_STATUS StrataRegisterIoEvent(PNDIS_HANDLE IoEventHandle, NDIS_HANDLE NdisHandle, INT FileDescriptor,
                                             ULONG Events, STRATA_IO_EVENT_HANDLER Handler, PVOID Context) {
    return register_io_event(IoEventHandle, NdisHandle, FileDescriptor, Events, Handler, Context, false,
                             "StrataRegisterIoEvent");
}

/* StrataMRegisterIoEvent (strata/io_event.h) — IRQL == PASSIVE_LEVEL */
extern "C" NDIS_STATUS StrataMRegisterIoEvent(PNDIS_HANDLE IoEventHandle, NDIS_HANDLE MiniportAdapterHandle,
                                              INT FileDescriptor, ULONG Events, STRATA_IO_EVENT_HANDLER Handler,
                                              PVOID Context) {
    return register_io_event(IoEventHandle, MiniportAdapterHandle, FileDescriptor, Events, Handler, Context, true,
                             "StrataMRegisterIoEvent");
}

/* StrataSetIoEventMask (strata/io_event.h) — IRQL <= DISPATCH_LEVEL */
extern "C" VOID StrataSetIoEventMask(NDIS_HANDLE IoEventHandle, ULONG Events) {
    auto* event = lookup<IoEvent>(IoEventHandle, HandleKind::IoEvent, "StrataSetIoEventMask");
    if (event == nullptr) return;
    if ((Events & ~kKnownEvents) != 0) {
        ntos::report_violation(verifier::Rule::BadCall, IoEventHandle, "StrataSetIoEventMask", "unknown event bits");
        return;
    }
    ntos::modify_io_watch(event->processor, event->fd, to_epoll(Events), *event);
}

/* StrataDeregisterIoEvent (strata/io_event.h) — IRQL == PASSIVE_LEVEL, or DISPATCH_LEVEL on the
 * processor that serves the event (inside a handler) */
extern "C" VOID StrataDeregisterIoEvent(NDIS_HANDLE IoEventHandle) {
    constexpr const char* kFunction = "StrataDeregisterIoEvent";
    auto* found = lookup<IoEvent>(IoEventHandle, HandleKind::IoEvent, kFunction);
    if (found == nullptr) return;
    // A handler may stop its own processor's events (a TAP that disappeared hangs up for ever).
    if (ntos::processor_thread_index() != found->processor) ntos::irql_at_most(PASSIVE_LEVEL, kFunction, IoEventHandle);
    std::unique_ptr<IoEvent> event(found);
    ntos::remove_io_watch(event->processor, event->fd);
    HandleTable::instance().erase(IoEventHandle);
}

/* StrataGetIoEventProcessor (strata/io_event.h) — IRQL <= DISPATCH_LEVEL */
extern "C" ULONG StrataGetIoEventProcessor(NDIS_HANDLE IoEventHandle) {
    auto* event = static_cast<IoEvent*>(HandleTable::instance().find(IoEventHandle, HandleKind::IoEvent));
    return event == nullptr ? 0xFFFFFFFFu : event->processor;
}
