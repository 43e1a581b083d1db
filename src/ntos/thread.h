// thread.h — thread objects (wdm.h; seeds 000/002: a WSK client's worker threads): the KTHREAD /
// ETHREAD bodies drivers hold and wait on, for system threads (PsCreateSystemThread) and for the
// host's own threads, which get an object the first time they ask for one (PsGetCurrentThread).
#pragma once

#include <wdm.h>

namespace strata::ntos {
class Thread;
}  // namespace strata::ntos

// What KeWaitForSingleObject sees: a dispatcher object, signalled when the thread has ended.
struct _KTHREAD {
    DISPATCHER_HEADER Header;
};

// PETHREAD and PKTHREAD of a thread are the same address, as on Windows.
struct _ETHREAD {
    _KTHREAD Tcb;
    strata::ntos::Thread* thread;  // the object this body belongs to
};

namespace strata::ntos {

// STATUS_PENDING while the thread runs; then the status PsTerminateSystemThread was given, or
// STATUS_SUCCESS when its StartRoutine returned (a host thread: when it exited).
NTSTATUS thread_exit_status(PETHREAD thread) noexcept;

}  // namespace strata::ntos
