// dpc.cpp — deferred procedure calls and the per-processor DPC queues (seed 003 §2.2, DESIGN.md
// "Execution model"). If the processors are not started yet, KeInsertQueueDpc still queues: the
// DPC runs once start_processors() has started its processor.
#include "ntos/dpc.h"

#include <array>
#include <cstdio>
#include <mutex>

#include "ntos/check.h"
#include "ntos/dispatcher.h"
#include "ntos/immortal.h"
#include "ntos/irql.h"
#include "ntos/processor.h"
#include "ntos/record.h"
#include "ntos/spin_lock.h"

namespace strata::ntos {
namespace {

// KDPC.Number encoding from Windows: values from here up mean "targeted at Number - base".
constexpr USHORT kTargetedBase = kMaxProcessors;

// One cache line per queue: processors insert into each other's queues constantly.
struct alignas(64) DpcQueue {
    SmallLock lock;
    LIST_ENTRY head;
};

struct DpcQueues {
    DpcQueues() noexcept {
        for (DpcQueue& q : queue) InitializeListHead(&q.head);
    }
    std::array<DpcQueue, kMaxProcessors> queue;
};

DpcQueues& queues() noexcept {
    static Immortal<DpcQueues> instance;
    return *instance;
}

// DpcData is driver-visible memory: only a pointer to one of our queues counts as "queued".
DpcQueue* owning_queue(const KDPC& dpc) noexcept {
    auto* data = static_cast<DpcQueue*>(__atomic_load_n(&dpc.DpcData, __ATOMIC_ACQUIRE));
    auto& all = queues().queue;
    if (data == nullptr || (data >= all.data() && data < all.data() + all.size())) return data;
    report_violation(verifier::Rule::BadCall, &dpc, "KDPC", "DpcData is garbage: KeInitializeDpc was not called");
    return nullptr;
}

// NdisInitializeTimer installs the driver's NDIS_TIMER_FUNCTION as the DPC routine: the two have
// the same shape by definition (ndis/types.h), as in Windows' NDIS. clang's function sanitizer
// would still flag the call through the other pointer type, so it is told not to check here.
#if defined(__clang__)
__attribute__((no_sanitize("function")))
#endif
void call_routine(PKDEFERRED_ROUTINE routine, KDPC* dpc, PVOID context, PVOID argument1, PVOID argument2) {
    routine(dpc, context, argument1, argument2);
}

}  // namespace

unsigned dpc_target(const KDPC& dpc, unsigned default_processor) noexcept {
    unsigned number = __atomic_load_n(&dpc.Number, __ATOMIC_RELAXED);
    unsigned chosen = number >= kTargetedBase ? number - kTargetedBase : default_processor;
    return chosen % processor_count();
}

bool insert_dpc(KDPC& dpc, unsigned processor, PVOID argument1, PVOID argument2) noexcept {
    DpcQueue& q = queues().queue[processor];
    {
        std::lock_guard guard(q.lock);
        PVOID expected = nullptr;
        if (!__atomic_compare_exchange_n(&dpc.DpcData, &expected, &q, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            owning_queue(dpc);  // reports a DpcData that is not ours
            return false;
        }
        dpc.SystemArgument1 = argument1;
        dpc.SystemArgument2 = argument2;
        if (dpc.Importance == HighImportance)
            InsertHeadList(&q.head, &dpc.DpcListEntry);
        else
            InsertTailList(&q.head, &dpc.DpcListEntry);
    }
    wake_processor(processor);
    return true;
}

void run_dpcs(unsigned processor) noexcept {
    DpcQueue& q = queues().queue[processor];
    for (;;) {
        KDPC* dpc;
        PKDEFERRED_ROUTINE routine;
        PVOID context, argument1, argument2;
        {
            std::lock_guard guard(q.lock);
            if (IsListEmpty(&q.head)) return;
            dpc = containing_record<KDPC>(RemoveHeadList(&q.head), offsetof(KDPC, DpcListEntry));
            routine = dpc->DeferredRoutine;
            context = dpc->DeferredContext;
            argument1 = dpc->SystemArgument1;
            argument2 = dpc->SystemArgument2;
            // Dequeued before it runs, as on Windows: the routine may queue its own DPC again.
            __atomic_store_n(&dpc->DpcData, nullptr, __ATOMIC_RELEASE);
        }
        call_routine(routine, dpc, context, argument1, argument2);
        if (tls_irql != DISPATCH_LEVEL) {
            char what[64];
            std::snprintf(what, sizeof what, "returned at IRQL %u; restored to DISPATCH_LEVEL", unsigned{tls_irql});
            report_violation(verifier::Rule::BadCall, dpc, "DPC routine", what);
            tls_irql = DISPATCH_LEVEL;
        }
    }
}

bool dpcs_pending(unsigned processor) noexcept {
    DpcQueue& q = queues().queue[processor];
    std::lock_guard guard(q.lock);
    return !IsListEmpty(&q.head);
}

void fold_dpc_queues(unsigned count) noexcept {
    auto& all = queues().queue;
    for (unsigned from = count; from < kMaxProcessors; ++from) {
        DpcQueue& source = all[from];
        DpcQueue& target = all[from % count];
        // The only place holding two queue locks; start_processors() is never concurrent with itself.
        std::lock_guard source_guard(source.lock);
        std::lock_guard target_guard(target.lock);
        while (!IsListEmpty(&source.head)) {
            KDPC* dpc = containing_record<KDPC>(RemoveHeadList(&source.head), offsetof(KDPC, DpcListEntry));
            __atomic_store_n(&dpc->DpcData, &target, __ATOMIC_RELEASE);
            InsertTailList(&target.head, &dpc->DpcListEntry);
        }
    }
}

}  // namespace strata::ntos

using namespace strata::ntos;
namespace verifier = strata::verifier;

/* KeInitializeDpc (wdm.h) — seed 003 §2.2 — any IRQL */
extern "C" VOID NTAPI KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext) {
    if (!non_null(Dpc, "KeInitializeDpc") || !non_null(reinterpret_cast<void*>(DeferredRoutine), "KeInitializeDpc"))
        return;
    Dpc->Type = kDpcObject;
    Dpc->Importance = MediumImportance;
    Dpc->Number = 0;
    Dpc->DpcListEntry.Flink = Dpc->DpcListEntry.Blink = nullptr;
    Dpc->DeferredRoutine = DeferredRoutine;
    Dpc->DeferredContext = DeferredContext;
    Dpc->SystemArgument1 = Dpc->SystemArgument2 = nullptr;
    __atomic_store_n(&Dpc->DpcData, nullptr, __ATOMIC_RELEASE);
}

/* KeInsertQueueDpc (wdm.h) — seed 003 §2.2 — any IRQL; FALSE if the DPC is already queued */
extern "C" BOOLEAN NTAPI KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2) {
    if (!non_null(Dpc, "KeInsertQueueDpc")) return FALSE;
    unsigned processor = dpc_target(*Dpc, current_processor_number());
    return insert_dpc(*Dpc, processor, SystemArgument1, SystemArgument2) ? TRUE : FALSE;
}

/* KeRemoveQueueDpc (wdm.h) — seed 003 §2.2 — any IRQL; TRUE if it was dequeued before running */
extern "C" BOOLEAN NTAPI KeRemoveQueueDpc(PRKDPC Dpc) {
    if (!non_null(Dpc, "KeRemoveQueueDpc")) return FALSE;
    for (;;) {
        DpcQueue* q = owning_queue(*Dpc);
        if (q == nullptr) return FALSE;
        std::lock_guard guard(q->lock);
        // It may have run (or moved to another queue) between the read and the lock.
        if (__atomic_load_n(&Dpc->DpcData, __ATOMIC_RELAXED) != q) continue;
        RemoveEntryList(&Dpc->DpcListEntry);
        __atomic_store_n(&Dpc->DpcData, nullptr, __ATOMIC_RELEASE);
        return TRUE;
    }
}

/* KeSetTargetProcessorDpc (wdm.h) — seed 003 §2.2 — any IRQL */
extern "C" VOID NTAPI KeSetTargetProcessorDpc(PRKDPC Dpc, CCHAR Number) {
    if (!non_null(Dpc, "KeSetTargetProcessorDpc")) return;
    auto index = static_cast<unsigned char>(Number);
    if (index >= processor_count()) {
        char what[80];
        std::snprintf(what, sizeof what, "processor %u does not exist (%u processors); using %u", unsigned{index},
                      processor_count(), index % processor_count());
        report_violation(verifier::Rule::BadCall, Dpc, "KeSetTargetProcessorDpc", what);
    }
    __atomic_store_n(&Dpc->Number, static_cast<USHORT>(kTargetedBase + index % kMaxProcessors), __ATOMIC_RELAXED);
}

/* KeSetImportanceDpc (wdm.h) — seed 003 §2.2 — any IRQL; HighImportance queues at the head */
extern "C" VOID NTAPI KeSetImportanceDpc(PRKDPC Dpc, KDPC_IMPORTANCE Importance) {
    if (!non_null(Dpc, "KeSetImportanceDpc")) return;
    Dpc->Importance = static_cast<UCHAR>(Importance);
}

/* KeFlushQueuedDpcs (wdm.h) — seed 003 §2.2 — IRQL == PASSIVE_LEVEL. Returns once every DPC
 * queued before the call has run; with processors not started there is nothing that could run
 * them, so it returns at once (they run after start_processors()). */
extern "C" VOID NTAPI KeFlushQueuedDpcs(VOID) {
    if (at_dispatch()) {
        report_violation(verifier::Rule::BlockingAtDispatch, nullptr, "KeFlushQueuedDpcs", "would wait at DISPATCH_LEVEL; skipped");
        return;
    }
    if (!processors_running()) return;
    // Each queue is FIFO, so an empty call queued behind everything marks the point reached.
    for (unsigned i = 0; i < processor_count(); ++i) run_on_processor(i, [] {});
}
