// dispatcher.h — what events, timers and threads share as dispatcher objects (seed 003 §2.2): Windows'
// object type codes and signalling over DISPATCHER_HEADER.SignalState, which is also the futex.
#pragma once

#include <climits>

#include <wdm.h>

#include "ntos/futex.h"

namespace strata::ntos {

// Windows' KOBJECTS values, kept so a debugger or driver reading Header.Type sees the usual codes.
enum : UCHAR {
    kEventNotificationObject = 0,
    kEventSynchronizationObject = 1,
    kThreadObject = 6,
    kTimerNotificationObject = 8,
    kTimerSynchronizationObject = 9,
    kDpcObject = 19,
};

inline bool is_event(const DISPATCHER_HEADER& header) noexcept {
    return header.Type == kEventNotificationObject || header.Type == kEventSynchronizationObject;
}
inline bool is_timer(const DISPATCHER_HEADER& header) noexcept {
    return header.Type == kTimerNotificationObject || header.Type == kTimerSynchronizationObject;
}
// A thread object is signalled once, when the thread has ended (a notification object).
inline bool is_thread(const DISPATCHER_HEADER& header) noexcept { return header.Type == kThreadObject; }
// A satisfied wait on a synchronization object consumes the signal (auto-reset).
inline bool is_synchronization(const DISPATCHER_HEADER& header) noexcept {
    return header.Type == kEventSynchronizationObject || header.Type == kTimerSynchronizationObject;
}

inline void initialize_header(DISPATCHER_HEADER& header, UCHAR type, UCHAR size_in_bytes, bool signalled) noexcept {
    header.Type = type;
    header.Absolute = FALSE;
    header.Size = static_cast<UCHAR>(size_in_bytes / sizeof(LONG));
    header.Inserted = FALSE;
    InitializeListHead(&header.WaitListHead);
    __atomic_store_n(&header.SignalState, signalled ? 1 : 0, __ATOMIC_RELEASE);
}

// Signals the object and wakes its sleepers: one for a synchronization object (each satisfied
// wait consumes the signal), all for a notification object. Setting an already signalled object
// wakes no one: whoever could consume that signal was woken when it was first set. Returns the
// previous state. Any IRQL; a syscall only when the state changes. Once the state is 1 a waiter
// may return and free the object, so nothing but its address is used after the exchange.
inline LONG signal_object(DISPATCHER_HEADER& header) noexcept {
    int wake = is_synchronization(header) ? 1 : INT_MAX;
    volatile LONG* state = &header.SignalState;
    LONG previous = __atomic_exchange_n(state, 1, __ATOMIC_SEQ_CST);
    if (previous == 0) futex_wake(state, wake);
    return previous;
}

}  // namespace strata::ntos
