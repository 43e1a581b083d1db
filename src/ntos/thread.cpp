// thread.cpp — system threads and thread objects (wdm.h; seeds 000/002: WSK client drivers run
// their socket work on threads of their own): PsCreateSystemThread, PsTerminateSystemThread,
// PsGetCurrentThread, KeGetCurrentThread, PsGetCurrentThreadId, PsIsSystemThread and *PsThreadType.
//
// A system thread is a detached std::thread running StartRoutine at PASSIVE_LEVEL. Its object
// holds one reference for the running thread (dropped when it ends, after the object is
// signalled) and one per handle or ObReferenceObject, so a driver may wait on it after it ended.
//
// PsTerminateSystemThread ends the thread the way Windows does: the frames between StartRoutine
// and the call are abandoned, not unwound. It longjmps to the setjmp at the top of the thread
// (run_start_routine), whose own frames — std::thread's and ours — stay intact and finish
// normally. A C++ exception would instead run through the driver's frames: C frames have no
// handlers to honour, C++ frames could swallow it in catch (...) or turn it into std::terminate in
// a noexcept function, and pthread_exit's forced unwind has the same problems and skips our own
// bookkeeping. The price is the C++ rule for longjmp: no frame it skips may own an object with a
// non-trivial destructor. That holds for C drivers; C++ drivers must not keep such objects live
// across the call, and no driver may call it from a callback Strata runs on the thread (a
// completion routine, an event callback), exactly the contexts Windows forbids too.
#include "ntos/thread.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <csetjmp>
#include <cstdio>
#include <new>
#include <system_error>
#include <thread>

#include "ntos/check.h"
#include "ntos/dispatcher.h"
#include "ntos/irql.h"
#include "ntos/object.h"

namespace strata::ntos {

class Thread final : public Object {
public:
    Thread(POBJECT_TYPE type, bool system, PKSTART_ROUTINE routine, PVOID context, HANDLE id) noexcept
        : Object(type), system(system), start_routine(routine), start_context(context), id(id) {
        initialize_header(ethread.Tcb.Header, kThreadObject, sizeof(_KTHREAD), false);
        ethread.thread = this;
    }
    void* body() noexcept override { return &ethread; }

    _ETHREAD ethread{};
    const bool system;
    const PKSTART_ROUTINE start_routine;
    const PVOID start_context;
    const HANDLE id;  // CLIENT_ID.UniqueThread
    NTSTATUS exit_status = STATUS_PENDING;
    std::jmp_buf exit_point;  // system threads: where PsTerminateSystemThread resumes
};

namespace {

using verifier::Rule;

_OBJECT_TYPE g_thread_type{"Thread"};
POBJECT_TYPE g_thread_type_pointer = &g_thread_type;

std::atomic<ULONG_PTR> g_next_id{1};

// The thread object of the calling thread, or nullptr before a host thread asked for one.
thread_local constinit Thread* tls_thread = nullptr;

// Ends a host thread's object when the thread exits.
struct HostThreadObject {
    Thread* thread = nullptr;
    ~HostThreadObject();
};
thread_local HostThreadObject tls_host_thread;

HANDLE next_id() noexcept { return reinterpret_cast<HANDLE>(g_next_id.fetch_add(1, std::memory_order_relaxed) << 2); }

// The thread has ended: record how, wake its waiters, drop the running thread's reference.
void end(Thread& thread, NTSTATUS status) noexcept {
    thread.exit_status = status;
    tls_thread = nullptr;
    signal_object(thread.ethread.Tcb.Header);
    dereference_object(thread);
}

HostThreadObject::~HostThreadObject() {
    if (thread != nullptr) end(*thread, STATUS_SUCCESS);
}

// The calling thread's object, made on first use for a host thread; nullptr only when out of memory.
Thread* current() noexcept {
    if (tls_thread != nullptr) [[likely]] return tls_thread;
    auto* thread = new (std::nothrow) Thread(g_thread_type_pointer, false, nullptr, nullptr, next_id());
    if (thread == nullptr) return nullptr;
    if (!insert_object(*thread)) {
        delete thread;
        return nullptr;
    }
    tls_host_thread.thread = thread;
    tls_thread = thread;
    return thread;
}

// Returns when StartRoutine returns or PsTerminateSystemThread longjmps here. Nothing with a
// destructor lives in this frame, and `thread` is not read after a longjmp.
void run_start_routine(Thread& thread) noexcept {
    if (setjmp(thread.exit_point) == 0) {
        thread.start_routine(thread.start_context);
        thread.exit_status = STATUS_SUCCESS;
    }
}

void system_thread_main(Thread* thread) noexcept {
    tls_thread = thread;
    char name[32];
    std::snprintf(name, sizeof name, "strata-sys%zu", static_cast<std::size_t>(reinterpret_cast<ULONG_PTR>(thread->id) >> 2));
    name[15] = '\0';  // the kernel's limit for a thread name
    ::pthread_setname_np(::pthread_self(), name);
    run_start_routine(*thread);
    if (tls_irql != PASSIVE_LEVEL) {
        char what[80];
        std::snprintf(what, sizeof what, "system thread ended at IRQL %u; restored to PASSIVE_LEVEL", unsigned{tls_irql});
        report_violation(Rule::BadCall, &thread->ethread, "PsCreateSystemThread", what);
        tls_irql = PASSIVE_LEVEL;
    }
    end(*thread, thread->exit_status);
}

bool check_thread(const _ETHREAD* thread, const char* function) noexcept {
    if (!non_null(thread, function)) return false;
    if (is_thread(thread->Tcb.Header)) [[likely]] return true;
    report_violation(Rule::InvalidHandle, thread, function, "not a thread object");
    return false;
}

}  // namespace

NTSTATUS thread_exit_status(PETHREAD thread) noexcept {
    return check_thread(thread, "thread_exit_status") ? thread->thread->exit_status : STATUS_INVALID_PARAMETER;
}

}  // namespace strata::ntos

using namespace strata::ntos;
using strata::verifier::Rule;

/* PsThreadType (wdm.h) — seeds 000/002 — the thread object type, for ObReferenceObjectByHandle */
extern "C" {
POBJECT_TYPE* PsThreadType = &g_thread_type_pointer;
}

/* PsCreateSystemThread (wdm.h) — seeds 000/002 — IRQL == PASSIVE_LEVEL
 * Starts StartRoutine(StartContext) on a new thread at PASSIVE_LEVEL and returns a kernel handle
 * to its thread object (close it with ZwClose; ObReferenceObjectByHandle gives the object to
 * wait on). ObjectAttributes is accepted and ignored; ProcessHandle must be NULL or
 * NtCurrentProcess() (STATUS_INVALID_HANDLE otherwise). ClientId gets the host's process id and
 * the thread's id. STATUS_INSUFFICIENT_RESOURCES when the object or the thread cannot be made. */
extern "C" NTSTATUS NTAPI PsCreateSystemThread(PHANDLE ThreadHandle, ULONG DesiredAccess,
                                               POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle,
                                               PCLIENT_ID ClientId, PKSTART_ROUTINE StartRoutine, PVOID StartContext) {
    (void)ObjectAttributes;
    constexpr const char* kFunction = "PsCreateSystemThread";
    if (!non_null(ThreadHandle, kFunction)) return STATUS_INVALID_PARAMETER;
    *ThreadHandle = nullptr;
    if (!non_null(reinterpret_cast<const void*>(StartRoutine), kFunction)) return STATUS_INVALID_PARAMETER;
    irql_at_most(PASSIVE_LEVEL, kFunction);
    if (ProcessHandle != nullptr && ProcessHandle != NtCurrentProcess()) {
        report_violation(Rule::InvalidHandle, ProcessHandle, kFunction,
                         "ProcessHandle must be NULL or NtCurrentProcess(): the host is the only process");
        return STATUS_INVALID_HANDLE;
    }
    auto* thread = new (std::nothrow) Thread(g_thread_type_pointer, true, StartRoutine, StartContext, next_id());
    if (thread == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
    if (!insert_object(*thread)) {
        delete thread;
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    HANDLE handle = create_handle(*thread, DesiredAccess);
    if (handle == nullptr) {
        dereference_object(*thread);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (ClientId != nullptr) *ClientId = CLIENT_ID{reinterpret_cast<HANDLE>(static_cast<ULONG_PTR>(::getpid())), thread->id};
    try {
        std::thread(system_thread_main, thread).detach();  // the creation reference is now the thread's
    } catch (const std::system_error&) {
        ZwClose(handle);
        dereference_object(*thread);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    *ThreadHandle = handle;
    return STATUS_SUCCESS;
}

/* PsTerminateSystemThread (wdm.h) — seeds 000/002 — IRQL == PASSIVE_LEVEL
 * Ends the calling system thread with ExitStatus and does not return; its object is signalled.
 * The frames between StartRoutine and this call are abandoned, not unwound (see the top of this
 * file for why and what that asks of C++ drivers). From a thread PsCreateSystemThread did not
 * make: reported, STATUS_INVALID_PARAMETER. */
extern "C" NTSTATUS NTAPI PsTerminateSystemThread(NTSTATUS ExitStatus) {
    Thread* thread = tls_thread;
    if (thread == nullptr || !thread->system) {
        report_violation(Rule::BadCall, thread != nullptr ? thread->body() : nullptr, "PsTerminateSystemThread",
                         "the caller is not a system thread");
        return STATUS_INVALID_PARAMETER;
    }
    thread->exit_status = ExitStatus;
    std::longjmp(thread->exit_point, 1);
}

/* PsGetCurrentThread (wdm.h) — seeds 000/002 — any IRQL
 * The calling thread's object. A host thread (a processor, a worker, the thread running
 * DriverEntry) gets one on first call, signalled when the thread exits. No reference is added. */
extern "C" PETHREAD NTAPI PsGetCurrentThread(VOID) {
    Thread* thread = current();
    return thread != nullptr ? &thread->ethread : nullptr;
}

/* KeGetCurrentThread (wdm.h) — seeds 000/002 — any IRQL; the same object as PsGetCurrentThread */
extern "C" PKTHREAD NTAPI KeGetCurrentThread(VOID) {
    Thread* thread = current();
    return thread != nullptr ? &thread->ethread.Tcb : nullptr;
}

/* PsGetCurrentThreadId (wdm.h) — seeds 000/002 — any IRQL; CLIENT_ID.UniqueThread of the caller */
extern "C" HANDLE NTAPI PsGetCurrentThreadId(VOID) {
    Thread* thread = current();
    return thread != nullptr ? thread->id : nullptr;
}

/* PsIsSystemThread (wdm.h) — seeds 000/002 — any IRQL; TRUE for a PsCreateSystemThread thread */
extern "C" BOOLEAN NTAPI PsIsSystemThread(PETHREAD Thread) {
    if (!check_thread(Thread, "PsIsSystemThread")) return FALSE;
    return Thread->thread->system ? TRUE : FALSE;
}
