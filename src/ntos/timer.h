// timer.h — the timer service behind KTIMER and NDIS_TIMER (seed 003 §2.2, STYLE.md rule 12):
// one queue of KTIMERs ordered by due time (intrusive through TimerListEntry) and one thread that
// sleeps until the earliest is due on the installed clock.
#pragma once

namespace strata::ntos {

// Expires every queued timer that is due on active_clock(): sets its signal state, wakes its
// waiters, re-queues it if periodic and queues its DPC. Any thread, any IRQL; no allocation.
void expire_timers() noexcept;

// set_clock() installed another clock: returns once no timer code still reads the previous one
// (so the caller may destroy it) and has the timer thread re-read the clock.
void clock_changed() noexcept;

// Joins the timer thread (library teardown, tests). The next KeSetTimer starts it again.
void stop_timer_thread() noexcept;

}  // namespace strata::ntos
