// time.cpp — time queries, stalls and sleeps (seed 003 §2.2, STYLE.md rule 12). Queries read the
// installed clock; stalls and sleeps are real time on the calling thread.
#include <ndis.h>

#include <chrono>
#include <thread>

#include "ntos/check.h"
#include "ntos/clock.h"
#include "ntos/irql.h"

namespace strata::ntos {
namespace {

// Windows' classic 15.625 ms clock tick, in 100 ns units.
constexpr ULONG kTimeIncrement = 156'250;

void stall(std::chrono::microseconds duration) noexcept {
    auto until = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < until) __builtin_ia32_pause();
}

// A blocking sleep: refused (reported, not slept) at DISPATCH_LEVEL, where it would stall a processor.
bool may_sleep(const char* function) noexcept {
    if (!at_dispatch()) [[likely]] return true;
    report_violation(verifier::Rule::BlockingAtDispatch, nullptr, function, "sleep at DISPATCH_LEVEL; returned immediately");
    return false;
}

}  // namespace
}  // namespace strata::ntos

using namespace strata::ntos;
namespace verifier = strata::verifier;

/* KeQuerySystemTime (wdm.h) — seed 003 §2.2 — any IRQL; 100 ns since 1601-01-01 UTC */
extern "C" VOID NTAPI KeQuerySystemTime(PLARGE_INTEGER CurrentTime) {
    if (!non_null(CurrentTime, "KeQuerySystemTime")) return;
    CurrentTime->QuadPart = active_clock().system_time();
}

/* KeQueryInterruptTime (wdm.h) — seed 003 §2.2 — any IRQL; 100 ns since boot */
extern "C" ULONGLONG NTAPI KeQueryInterruptTime(VOID) { return active_clock().now(); }

/* KeQueryTickCount (wdm.h) — seed 003 §2.2 — any IRQL; ticks of KeQueryTimeIncrement() */
extern "C" VOID NTAPI KeQueryTickCount(PLARGE_INTEGER TickCount) {
    if (!non_null(TickCount, "KeQueryTickCount")) return;
    TickCount->QuadPart = static_cast<LONGLONG>(active_clock().now() / kTimeIncrement);
}

/* KeQueryTimeIncrement (wdm.h) — seed 003 §2.2 — any IRQL; 100 ns units per tick */
extern "C" ULONG NTAPI KeQueryTimeIncrement(VOID) { return kTimeIncrement; }

/* KeQueryPerformanceCounter (wdm.h) — seed 003 §2.2 — any IRQL; counts interrupt time at 10 MHz */
extern "C" LARGE_INTEGER NTAPI KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency) {
    if (PerformanceFrequency != nullptr) PerformanceFrequency->QuadPart = kUnitsPerSecond;
    LARGE_INTEGER counter;
    counter.QuadPart = static_cast<LONGLONG>(active_clock().now());
    return counter;
}

/* KeStallExecutionProcessor (wdm.h) — seed 003 §2.2 — any IRQL; busy-waits */
extern "C" VOID NTAPI KeStallExecutionProcessor(ULONG MicroSeconds) { stall(std::chrono::microseconds(MicroSeconds)); }

/* KeDelayExecutionThread (wdm.h) — seed 003 §2.2 — IRQL <= APC_LEVEL. Interval: negative =
 * relative 100 ns units, otherwise absolute system time. No APCs exist: never alerted. */
extern "C" NTSTATUS NTAPI KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Interval) {
    (void)WaitMode;
    (void)Alertable;
    if (!non_null(Interval, "KeDelayExecutionThread")) return STATUS_INVALID_PARAMETER;
    if (!may_sleep("KeDelayExecutionThread")) return STATUS_SUCCESS;
    LONGLONG units = units_until(Interval->QuadPart, active_clock());
    if (units > 0) std::this_thread::sleep_for(Units(units));
    return STATUS_SUCCESS;
}

/* NdisGetCurrentSystemTime (ndis.h) — seed 003 §2.2 — any IRQL */
extern "C" VOID NdisGetCurrentSystemTime(PLARGE_INTEGER pSystemTime) { KeQuerySystemTime(pSystemTime); }

/* NdisGetSystemUpTime (ndis.h) — seed 003 §2.2 — any IRQL; milliseconds since boot */
extern "C" VOID NdisGetSystemUpTime(PULONG pSystemUpTime) {
    if (!non_null(pSystemUpTime, "NdisGetSystemUpTime")) return;
    *pSystemUpTime = static_cast<ULONG>(active_clock().now() / kUnitsPerMillisecond);
}

/* NdisStallExecution (ndis.h) — seed 003 §2.2 — any IRQL; busy-waits */
extern "C" VOID NdisStallExecution(UINT MicrosecondsToStall) { stall(std::chrono::microseconds(MicrosecondsToStall)); }

/* NdisMSleep (ndis.h) — seed 003 §2.2 — IRQL == PASSIVE_LEVEL */
extern "C" VOID NdisMSleep(ULONG MicrosecondsToSleep) {
    if (!may_sleep("NdisMSleep")) return;
    std::this_thread::sleep_for(std::chrono::microseconds(MicrosecondsToSleep));
}
