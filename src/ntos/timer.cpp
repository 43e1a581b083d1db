// timer.cpp — KTIMER and NDIS_TIMER over one due-time-ordered queue and a timer thread (seed 003
// §2.2, STYLE.md rule 12). Setting, cancelling and expiring a timer never allocates.
#include "ntos/timer.h"

#include <ndis.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include "common/log.h"
#include "ntos/check.h"
#include "ntos/clock.h"
#include "ntos/dispatcher.h"
#include "ntos/dpc.h"
#include "ntos/futex.h"
#include "ntos/immortal.h"
#include "ntos/irql.h"
#include "ntos/processor.h"
#include "ntos/record.h"
#include "ntos/spin_lock.h"

namespace strata::ntos {
namespace {

struct TimerService {
    TimerService() noexcept { InitializeListHead(&queue); }
    // Lock order: this lock, then a DPC queue lock (expiry queues DPCs while holding it, so a
    // timer cancelled and freed by its driver is never touched afterwards).
    SmallLock lock;
    LIST_ENTRY queue;                       // KTIMER.TimerListEntry, ascending DueTime
    std::atomic<std::int32_t> wake_seq{0};  // the timer thread sleeps on this futex word
    std::mutex lifecycle;                   // starting and stopping the thread
    std::thread thread;
    std::atomic<bool> started{false};
    std::atomic<bool> stopping{false};
};

TimerService& service() noexcept {
    static Immortal<TimerService> instance;
    return *instance;
}

KTIMER& timer_of(LIST_ENTRY* entry) noexcept { return *containing_record<KTIMER>(entry, offsetof(KTIMER, TimerListEntry)); }

ULONGLONG due_of(const KTIMER& timer) noexcept { return timer.DueTime.QuadPart; }

// Caller holds the lock. Searches from the tail: new timers are usually the latest due.
void enqueue(TimerService& s, KTIMER& timer) noexcept {
    LIST_ENTRY* before = s.queue.Blink;
    while (before != &s.queue && due_of(timer_of(before)) > due_of(timer)) before = before->Blink;
    InsertHeadList(before, &timer.TimerListEntry);
    timer.Header.Inserted = TRUE;
}

void wake_thread(TimerService& s) noexcept {
    s.wake_seq.fetch_add(1, std::memory_order_release);
    futex_wake(&s.wake_seq, 1);
}

void timer_main() noexcept {
    TimerService& s = service();
    while (!s.stopping.load(std::memory_order_acquire)) {
        std::int32_t seen = s.wake_seq.load(std::memory_order_acquire);
        expire_timers();
        bool queued = false;
        std::optional<std::chrono::nanoseconds> sleep;
        {
            std::lock_guard guard(s.lock);
            if (!IsListEmpty(&s.queue)) {
                queued = true;
                sleep = active_clock().real_time_until(due_of(timer_of(s.queue.Flink)));
            }
        }
        if (queued && sleep && *sleep <= std::chrono::nanoseconds::zero()) continue;
        futex_wait(&s.wake_seq, seen, queued && sleep ? &*sleep : nullptr);
    }
}

// Started by the first KeSetTimer rather than at load, so programs that never use timers (and
// unit tests with a FakeClock) have no extra thread until they need one.
void ensure_thread(TimerService& s) noexcept {
    if (s.started.load(std::memory_order_acquire)) [[likely]] return;
    try {
        std::lock_guard guard(s.lifecycle);
        if (s.started.load(std::memory_order_relaxed)) return;
        s.thread = std::thread(timer_main);
        s.started.store(true, std::memory_order_release);
    } catch (const std::system_error& e) {
        log::write(log::Level::error, "ntos",
                   std::string("cannot start the timer thread (timers expire only when a FakeClock advances): ") +
                       e.what());
    }
}

bool check_timer(const KTIMER* timer, const char* function) noexcept {
    if (!non_null(timer, function)) return false;
    if (is_timer(timer->Header)) [[likely]] return true;
    report_violation(verifier::Rule::BadCall, timer, function, "not a KTIMER initialised by KeInitializeTimer(Ex)");
    return false;
}

// Interrupt time at which a DueTime (negative: relative; otherwise absolute system time) falls.
ULONGLONG due_time(LARGE_INTEGER due, const Clock& c, ULONGLONG now) noexcept {
    LONGLONG ahead = units_until(due.QuadPart, c);
    if (ahead <= 0) return now;
    auto units = static_cast<ULONGLONG>(ahead);
    return units > ULLONG_MAX - now ? ULLONG_MAX : now + units;
}

LARGE_INTEGER relative_ms(UINT milliseconds) noexcept {
    LARGE_INTEGER due;
    due.QuadPart = -static_cast<LONGLONG>(milliseconds) * kUnitsPerMillisecond;
    return due;
}

PVOID ulong_to_ptr(ULONG value) noexcept { return reinterpret_cast<PVOID>(static_cast<ULONG_PTR>(value)); }

}  // namespace

void expire_timers() noexcept {
    TimerService& s = service();
    std::lock_guard guard(s.lock);
    // Read under the lock: set_clock() relies on it to know the old clock is no longer in use.
    const Clock& c = active_clock();
    ULONGLONG now = c.now();
    LARGE_INTEGER system;
    system.QuadPart = c.system_time();
    while (!IsListEmpty(&s.queue)) {
        KTIMER& timer = timer_of(s.queue.Flink);
        if (due_of(timer) > now) break;
        RemoveEntryList(&timer.TimerListEntry);
        timer.Header.Inserted = FALSE;
        if (timer.Period > 0) {
            // One expiry per evaluation: periods missed while the clock jumped are skipped, as
            // a queued DPC would absorb them anyway.
            ULONGLONG period = static_cast<ULONGLONG>(timer.Period) * kUnitsPerMillisecond;
            ULONGLONG next = due_of(timer) + period;
            if (next <= now) next += ((now - next) / period + 1) * period;
            timer.DueTime.QuadPart = next;
            enqueue(s, timer);
        }
        // A waiter released by the signal may free the timer without cancelling it, so the DPC
        // and its processor are read first; one that cancels first waits for our lock.
        PKDPC dpc = timer.Dpc;
        ULONG processor = timer.Processor;
        signal_object(timer.Header);
        if (dpc != nullptr)
            insert_dpc(*dpc, dpc_target(*dpc, processor), ulong_to_ptr(system.LowPart),
                       ulong_to_ptr(static_cast<ULONG>(system.HighPart)));
    }
}

void clock_changed() noexcept {
    TimerService& s = service();
    {
        // Every reader of the clock in this file holds the lock: once we have held it, none is
        // still using the previous clock.
        std::lock_guard guard(s.lock);
    }
    wake_thread(s);
}

void stop_timer_thread() noexcept {
    TimerService& s = service();
    std::lock_guard guard(s.lifecycle);
    if (!s.started.load(std::memory_order_acquire)) return;
    s.stopping.store(true, std::memory_order_release);
    wake_thread(s);
    s.thread.join();
    s.started.store(false, std::memory_order_release);
    s.stopping.store(false, std::memory_order_release);
}

}  // namespace strata::ntos

using namespace strata::ntos;
namespace verifier = strata::verifier;

/* KeInitializeTimerEx (wdm.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NTAPI KeInitializeTimerEx(PKTIMER Timer, TIMER_TYPE Type) {
    if (!non_null(Timer, "KeInitializeTimerEx")) return;
    irql_at_most(DISPATCH_LEVEL, "KeInitializeTimerEx", Timer);
    initialize_header(Timer->Header, Type == SynchronizationTimer ? kTimerSynchronizationObject : kTimerNotificationObject,
                      sizeof(KTIMER), false);
    Timer->DueTime.QuadPart = 0;
    Timer->TimerListEntry.Flink = Timer->TimerListEntry.Blink = nullptr;
    Timer->Dpc = nullptr;
    Timer->Processor = 0;
    Timer->Period = 0;
}

/* KeInitializeTimer (wdm.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NTAPI KeInitializeTimer(PKTIMER Timer) { KeInitializeTimerEx(Timer, NotificationTimer); }

/* KeSetTimerEx (wdm.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL; TRUE if it was already queued.
 * DueTime: negative = relative 100 ns units, otherwise absolute system time. Period in ms. */
extern "C" BOOLEAN NTAPI KeSetTimerEx(PKTIMER Timer, LARGE_INTEGER DueTime, LONG Period, PKDPC Dpc) {
    if (!check_timer(Timer, "KeSetTimerEx")) return FALSE;
    irql_at_most(DISPATCH_LEVEL, "KeSetTimerEx", Timer);
    if (Period < 0) {
        report_violation(verifier::Rule::BadCall, Timer, "KeSetTimerEx", "negative Period; set as a one-shot timer");
        Period = 0;
    }
    TimerService& s = service();
    ensure_thread(s);
    ULONGLONG now;
    ULONGLONG due;
    bool was_queued;
    bool earliest;
    {
        std::lock_guard guard(s.lock);
        const Clock& c = active_clock();
        now = c.now();
        due = due_time(DueTime, c, now);
        was_queued = Timer->Header.Inserted != FALSE;
        if (was_queued) RemoveEntryList(&Timer->TimerListEntry);
        __atomic_store_n(&Timer->Header.SignalState, 0, __ATOMIC_RELEASE);
        Timer->Header.Absolute = DueTime.QuadPart > 0 ? TRUE : FALSE;
        Timer->DueTime.QuadPart = due;
        Timer->Period = Period;
        Timer->Dpc = Dpc;
        // Where its DPC runs unless targeted: the processor that set it, as on Windows.
        Timer->Processor = current_processor_number();
        enqueue(s, *Timer);
        earliest = s.queue.Flink == &Timer->TimerListEntry;
    }
    if (due <= now)
        expire_timers();  // already due: expire now, so a FakeClock test sees it without advancing
    else if (earliest)
        wake_thread(s);
    return was_queued ? TRUE : FALSE;
}

/* KeSetTimer (wdm.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL; TRUE if it was already queued */
extern "C" BOOLEAN NTAPI KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, PKDPC Dpc) {
    return KeSetTimerEx(Timer, DueTime, 0, Dpc);
}

/* KeCancelTimer (wdm.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL; TRUE if it was queued. A DPC
 * the timer already queued is not removed (KeRemoveQueueDpc / KeFlushQueuedDpcs do that). */
extern "C" BOOLEAN NTAPI KeCancelTimer(PKTIMER Timer) {
    if (!check_timer(Timer, "KeCancelTimer")) return FALSE;
    irql_at_most(DISPATCH_LEVEL, "KeCancelTimer", Timer);
    TimerService& s = service();
    std::lock_guard guard(s.lock);
    if (Timer->Header.Inserted == FALSE) return FALSE;
    RemoveEntryList(&Timer->TimerListEntry);
    Timer->Header.Inserted = FALSE;
    return TRUE;
}

/* KeReadStateTimer (wdm.h) — seed 003 §2.2 — any IRQL */
extern "C" BOOLEAN NTAPI KeReadStateTimer(PKTIMER Timer) {
    if (!check_timer(Timer, "KeReadStateTimer")) return FALSE;
    return __atomic_load_n(&Timer->Header.SignalState, __ATOMIC_ACQUIRE) != 0 ? TRUE : FALSE;
}

/* NdisInitializeTimer (ndis.h) — seed 003 §2.2 — IRQL == PASSIVE_LEVEL. The NDIS timer function
 * has the DPC routine's shape (ndis/types.h), so it is the DPC's routine, called at DISPATCH. */
extern "C" VOID NdisInitializeTimer(PNDIS_TIMER Timer, PNDIS_TIMER_FUNCTION TimerFunction, PVOID FunctionContext) {
    if (!non_null(Timer, "NdisInitializeTimer")) return;
    KeInitializeTimer(&Timer->Timer);
    KeInitializeDpc(&Timer->Dpc, reinterpret_cast<PKDEFERRED_ROUTINE>(TimerFunction), FunctionContext);
}

/* NdisSetTimer (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisSetTimer(PNDIS_TIMER Timer, UINT MillisecondsToDelay) {
    if (!non_null(Timer, "NdisSetTimer")) return;
    KeSetTimer(&Timer->Timer, relative_ms(MillisecondsToDelay), &Timer->Dpc);
}

/* NdisSetPeriodicTimer (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisSetPeriodicTimer(PNDIS_TIMER NdisTimer, UINT MillisecondsPeriod) {
    if (!non_null(NdisTimer, "NdisSetPeriodicTimer")) return;
    LONG period = MillisecondsPeriod > static_cast<UINT>(MAXLONG) ? MAXLONG : static_cast<LONG>(MillisecondsPeriod);
    KeSetTimerEx(&NdisTimer->Timer, relative_ms(MillisecondsPeriod), period, &NdisTimer->Dpc);
}

/* NdisCancelTimer (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL; *TimerCancelled is TRUE iff
 * the timer was dequeued before it fired */
extern "C" VOID NdisCancelTimer(PNDIS_TIMER Timer, PBOOLEAN TimerCancelled) {
    if (!non_null(Timer, "NdisCancelTimer") || !non_null(TimerCancelled, "NdisCancelTimer")) return;
    *TimerCancelled = KeCancelTimer(&Timer->Timer);
}
