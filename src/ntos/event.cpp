// event.cpp — KEVENT, NDIS_EVENT and KeWaitForSingleObject on events, timers and threads (seed
// 003 §2.2, DESIGN.md "Execution model"). Waiters sleep on a futex on DISPATCHER_HEADER.SignalState;
// timeouts are real time on the waiting thread.
#include <ndis.h>

#include <chrono>
#include <cstdio>
#include <optional>

#include "ntos/check.h"
#include "ntos/clock.h"
#include "ntos/dispatcher.h"
#include "ntos/futex.h"
#include "ntos/irql.h"

namespace strata::ntos {
namespace {

using SteadyClock = std::chrono::steady_clock;

// About a century: any timeout beyond it is, for a driver, a wait forever.
constexpr Units kLongestTimedWait{LONGLONG{100} * 365 * 24 * 3600 * kUnitsPerSecond};

// Takes the signal if the object is signalled: a synchronization object is reset by the one
// waiter it releases, a notification object stays signalled.
bool try_satisfy(DISPATCHER_HEADER& header) noexcept {
    LONG state = __atomic_load_n(&header.SignalState, __ATOMIC_ACQUIRE);
    if (!is_synchronization(header)) return state > 0;
    while (state > 0) {
        if (__atomic_compare_exchange_n(&header.SignalState, &state, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return true;
    }
    return false;
}

// The wait behind KeWaitForSingleObject and NdisWaitEvent. `timeout`: nullptr = forever,
// negative = relative 100 ns units, positive = absolute system time, zero = poll.
NTSTATUS wait_for(DISPATCHER_HEADER& header, const LARGE_INTEGER* timeout, const char* function) noexcept {
    bool poll = timeout != nullptr && timeout->QuadPart == 0;
    if (!poll && at_dispatch()) {
        // A processor thread that sleeps stops every DPC behind it; look once and report instead.
        report_violation(verifier::Rule::BlockingAtDispatch, &header, function,
               "non-zero wait at DISPATCH_LEVEL; polled once instead of waiting");
        poll = true;
    }
    std::optional<SteadyClock::time_point> deadline;
    if (timeout != nullptr && !poll) {
        LONGLONG units = units_until(timeout->QuadPart, active_clock());
        if (units <= 0)
            poll = true;
        else if (units < kLongestTimedWait.count())  // longer ones would overflow steady_clock: forever
            deadline = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(Units(units));
    }
    for (;;) {
        if (try_satisfy(header)) return STATUS_SUCCESS;
        if (poll) return STATUS_TIMEOUT;
        if (!deadline) {
            futex_wait(&header.SignalState, 0);
            continue;
        }
        auto remaining = std::chrono::duration_cast<std::chrono::nanoseconds>(*deadline - SteadyClock::now());
        // Checked after the last look at the state, so a signal that raced the deadline still wins.
        if (remaining <= std::chrono::nanoseconds::zero()) return try_satisfy(header) ? STATUS_SUCCESS : STATUS_TIMEOUT;
        futex_wait(&header.SignalState, 0, &remaining);
    }
}

bool check_event(const KEVENT* event, const char* function) noexcept {
    if (!non_null(event, function)) return false;
    if (is_event(event->Header)) [[likely]] return true;
    report_violation(verifier::Rule::BadCall, event, function, "not a KEVENT initialised by KeInitializeEvent");
    return false;
}

}  // namespace
}  // namespace strata::ntos

using namespace strata::ntos;
namespace verifier = strata::verifier;

/* KeInitializeEvent (wdm.h) — seed 003 §2.2 — any IRQL */
extern "C" VOID NTAPI KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State) {
    if (!non_null(Event, "KeInitializeEvent")) return;
    initialize_header(Event->Header, Type == SynchronizationEvent ? kEventSynchronizationObject : kEventNotificationObject,
                      sizeof(KEVENT), State != FALSE);
}

/* KeSetEvent (wdm.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL; returns the previous state.
 * Increment is a priority boost and Wait a hint for the next call: neither applies here. */
extern "C" LONG NTAPI KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait) {
    (void)Increment;
    (void)Wait;
    if (!check_event(Event, "KeSetEvent")) return 0;
    irql_at_most(DISPATCH_LEVEL, "KeSetEvent", Event);
    return signal_object(Event->Header);
}

/* KeResetEvent (wdm.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL; returns the previous state */
extern "C" LONG NTAPI KeResetEvent(PRKEVENT Event) {
    if (!check_event(Event, "KeResetEvent")) return 0;
    irql_at_most(DISPATCH_LEVEL, "KeResetEvent", Event);
    return __atomic_exchange_n(&Event->Header.SignalState, 0, __ATOMIC_ACQ_REL);
}

/* KeClearEvent (wdm.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NTAPI KeClearEvent(PRKEVENT Event) {
    if (!check_event(Event, "KeClearEvent")) return;
    irql_at_most(DISPATCH_LEVEL, "KeClearEvent", Event);
    __atomic_store_n(&Event->Header.SignalState, 0, __ATOMIC_RELEASE);
}

/* KeReadStateEvent (wdm.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" LONG NTAPI KeReadStateEvent(PRKEVENT Event) {
    if (!check_event(Event, "KeReadStateEvent")) return 0;
    return __atomic_load_n(&Event->Header.SignalState, __ATOMIC_ACQUIRE);
}

/* KeWaitForSingleObject (wdm.h) — seed 003 §2.2, seeds 000/002 (waiting for a client's thread) —
 * IRQL <= APC_LEVEL, or DISPATCH_LEVEL with a zero timeout. Object is a KEVENT, a KTIMER or a
 * thread object (satisfied once the thread has ended). STATUS_SUCCESS or STATUS_TIMEOUT; no APCs
 * exist, so Alertable never ends a wait. */
extern "C" NTSTATUS NTAPI KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
                                                BOOLEAN Alertable, PLARGE_INTEGER Timeout) {
    (void)WaitReason;
    (void)WaitMode;
    (void)Alertable;
    if (!non_null(Object, "KeWaitForSingleObject")) return STATUS_INVALID_PARAMETER;
    auto& header = *static_cast<DISPATCHER_HEADER*>(Object);
    if (!is_event(header) && !is_timer(header) && !is_thread(header)) {
        char what[64];
        std::snprintf(what, sizeof what, "object type %u is not a KEVENT, KTIMER or thread", unsigned{header.Type});
        report_violation(verifier::Rule::InvalidHandle, Object, "KeWaitForSingleObject", what);
        return STATUS_INVALID_PARAMETER;
    }
    return wait_for(header, Timeout, "KeWaitForSingleObject");
}

/* NdisInitializeEvent (ndis.h) — seed 003 §2.2 — IRQL == PASSIVE_LEVEL; a notification event */
extern "C" VOID NdisInitializeEvent(PNDIS_EVENT Event) {
    if (!non_null(Event, "NdisInitializeEvent")) return;
    KeInitializeEvent(&Event->Event, NotificationEvent, FALSE);
}

/* NdisSetEvent (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisSetEvent(PNDIS_EVENT Event) {
    if (!non_null(Event, "NdisSetEvent")) return;
    KeSetEvent(&Event->Event, 0, FALSE);
}

/* NdisResetEvent (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisResetEvent(PNDIS_EVENT Event) {
    if (!non_null(Event, "NdisResetEvent")) return;
    KeResetEvent(&Event->Event);
}

/* NdisWaitEvent (ndis.h) — seed 003 §2.2 — IRQL == PASSIVE_LEVEL; MsToWait 0 waits forever;
 * TRUE if the event was signalled */
extern "C" BOOLEAN NdisWaitEvent(PNDIS_EVENT Event, UINT MsToWait) {
    if (!check_event(Event ? &Event->Event : nullptr, "NdisWaitEvent")) return FALSE;
    LARGE_INTEGER timeout;
    timeout.QuadPart = -static_cast<LONGLONG>(MsToWait) * kUnitsPerMillisecond;
    NTSTATUS status = wait_for(Event->Event.Header, MsToWait == 0 ? nullptr : &timeout, "NdisWaitEvent");
    return status == STATUS_SUCCESS ? TRUE : FALSE;
}
