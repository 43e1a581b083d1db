// miniport_timer.cpp — miniport timers (seed 003 §2.2): NdisMInitializeTimer, NdisMSetTimer,
// NdisMSetPeriodicTimer, NdisMCancelTimer on the kernel timer and DPC of NDIS_MINIPORT_TIMER.
// A serialized miniport's timer function runs inside its one-call-at-a-time gate.
#include "ndis/handle_table.h"
#include "ndis/library.h"

using namespace strata;
using namespace strata::ndis;

namespace {

void run_miniport_timer(PKDPC dpc, PVOID context, PVOID argument1, PVOID argument2) {
    auto* timer = static_cast<PNDIS_MINIPORT_TIMER>(context);
    auto* m = static_cast<Miniport*>(
        HandleTable::instance().find(reinterpret_cast<NDIS_HANDLE>(timer->Miniport), HandleKind::Miniport));
    if (m == nullptr) return;  // the adapter halted; its timers are dead
    auto call = [&] { timer->MiniportTimerFunction(dpc, timer->MiniportTimerContext, argument1, argument2); };
    m->call_serialized(call);
}

LARGE_INTEGER relative_ms(UINT milliseconds) {
    LARGE_INTEGER due;
    due.QuadPart = -static_cast<LONGLONG>(milliseconds) * 10000;
    return due;
}

}  // namespace

/* NdisMInitializeTimer (ndis.h) — seed 003 §2.2 — IRQL == PASSIVE_LEVEL */
extern "C" VOID NdisMInitializeTimer(PNDIS_MINIPORT_TIMER Timer, NDIS_HANDLE MiniportAdapterHandle,
                                     PNDIS_TIMER_FUNCTION TimerFunction, PVOID FunctionContext) {
    if (Timer == nullptr || miniport_from(MiniportAdapterHandle, "NdisMInitializeTimer") == nullptr) return;
    KeInitializeTimer(&Timer->Timer);
    KeInitializeDpc(&Timer->Dpc, run_miniport_timer, Timer);
    Timer->MiniportTimerFunction = TimerFunction;
    Timer->MiniportTimerContext = FunctionContext;
    Timer->Miniport = static_cast<PNDIS_MINIPORT_BLOCK>(MiniportAdapterHandle);
    Timer->NextTimer = nullptr;
}

/* NdisMSetTimer (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisMSetTimer(PNDIS_MINIPORT_TIMER Timer, UINT MillisecondsToDelay) {
    KeSetTimer(&Timer->Timer, relative_ms(MillisecondsToDelay), &Timer->Dpc);
}

/* NdisMSetPeriodicTimer (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisMSetPeriodicTimer(PNDIS_MINIPORT_TIMER Timer, UINT MillisecondPeriod) {
    KeSetTimerEx(&Timer->Timer, relative_ms(MillisecondPeriod), static_cast<LONG>(MillisecondPeriod), &Timer->Dpc);
}

/* NdisMCancelTimer (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL
 * *TimerCancelled is TRUE when the timer was still queued (its function will not run). */
extern "C" VOID NdisMCancelTimer(PNDIS_MINIPORT_TIMER Timer, PBOOLEAN TimerCancelled) {
    BOOLEAN cancelled = KeCancelTimer(&Timer->Timer);
    if (TimerCancelled != nullptr) *TimerCancelled = cancelled;
}
