// work_item.cpp — passive-level worker threads and NdisScheduleWorkItem (DESIGN.md "Execution
// model", seed 003 §2.2). NDIS_WORK_ITEM.WrapperReserved holds the WorkRequest that queues it.
#include "ntos/work_item.h"

#include <ndis.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "common/log.h"
#include "ntos/check.h"
#include "ntos/futex.h"
#include "ntos/immortal.h"
#include "ntos/irql.h"
#include "ntos/record.h"
#include "ntos/spin_lock.h"

namespace strata::ntos {
namespace {

// Enough for work items that wait on each other in small chains; Windows' delayed queue is similar.
constexpr unsigned kWorkers = 4;

struct WorkerPool {
    WorkerPool() noexcept { InitializeListHead(&queue); }
    SmallLock lock;
    LIST_ENTRY queue;                  // WorkRequest.link, FIFO
    std::atomic<std::int32_t> seq{0};  // bumped per queued item; idle workers sleep on it
    std::mutex lifecycle;              // starting and stopping the threads
    std::array<std::thread, kWorkers> threads;
    std::atomic<bool> started{false};
    std::atomic<bool> stopping{false};
};

WorkerPool& pool() noexcept {
    static Immortal<WorkerPool> instance;
    return *instance;
}

thread_local bool tls_is_worker = false;

WorkRequest* pop(WorkerPool& p) noexcept {
    std::lock_guard guard(p.lock);
    if (IsListEmpty(&p.queue)) return nullptr;
    return containing_record<WorkRequest>(RemoveHeadList(&p.queue), offsetof(WorkRequest, link));
}

void worker_main(unsigned index) noexcept {
    tls_is_worker = true;
    char name[16];
    std::snprintf(name, sizeof name, "strata-work%u", index);
    ::pthread_setname_np(::pthread_self(), name);
    WorkerPool& p = pool();
    for (;;) {
        // Read before looking at the queue: an item queued after the look changes it, so the
        // futex wait below returns at once instead of sleeping past that item.
        std::int32_t seen = p.seq.load(std::memory_order_acquire);
        if (WorkRequest* request = pop(p)) {
            request->routine(*request);
            if (tls_irql != PASSIVE_LEVEL) {
                char what[64];
                std::snprintf(what, sizeof what, "returned at IRQL %u; restored to PASSIVE_LEVEL", unsigned{tls_irql});
                report_violation(verifier::Rule::BadCall, nullptr, "work item routine", what);
                tls_irql = PASSIVE_LEVEL;
            }
            continue;
        }
        if (p.stopping.load(std::memory_order_acquire)) return;
        futex_wait(&p.seq, seen);
    }
}

void ensure_started(WorkerPool& p) noexcept {
    if (p.started.load(std::memory_order_acquire)) [[likely]] return;
    try {
        std::lock_guard guard(p.lifecycle);
        if (p.started.load(std::memory_order_relaxed)) return;
        unsigned created = 0;
        try {
            for (; created < kWorkers; ++created) p.threads[created] = std::thread(worker_main, created);
        } catch (...) {
            if (created == 0) throw;  // with at least one worker the queue still drains
        }
        p.started.store(true, std::memory_order_release);
    } catch (const std::system_error& e) {
        log::write(log::Level::error, "ntos", std::string("cannot start work item threads (items stay queued): ") + e.what());
    }
}

void wake_all(WorkerPool& p) noexcept {
    p.seq.fetch_add(1, std::memory_order_release);
    futex_wake(&p.seq);
}

void run_ndis_work_item(WorkRequest& request) {
    auto* item = containing_record<NDIS_WORK_ITEM>(&request, offsetof(NDIS_WORK_ITEM, WrapperReserved));
    item->Routine(item, item->Context);
}

static_assert(sizeof(WorkRequest) <= sizeof(NDIS_WORK_ITEM::WrapperReserved));
static_assert(offsetof(NDIS_WORK_ITEM, WrapperReserved) % alignof(WorkRequest) == 0);

}  // namespace

void queue_work(WorkRequest& request) noexcept {
    WorkerPool& p = pool();
    ensure_started(p);
    {
        std::lock_guard guard(p.lock);
        InsertTailList(&p.queue, &request.link);
    }
    p.seq.fetch_add(1, std::memory_order_release);
    futex_wake(&p.seq, 1);
}

void stop_workers() noexcept {
    if (tls_is_worker) {
        log::write(log::Level::error, "ntos", "stop_workers called from a worker thread; ignored");
        return;
    }
    WorkerPool& p = pool();
    std::lock_guard guard(p.lifecycle);
    if (!p.started.load(std::memory_order_acquire)) return;
    p.stopping.store(true, std::memory_order_release);
    wake_all(p);
    for (std::thread& t : p.threads)
        if (t.joinable()) t.join();
    p.started.store(false, std::memory_order_release);
    p.stopping.store(false, std::memory_order_release);
}

}  // namespace strata::ntos

using namespace strata::ntos;

/* NdisScheduleWorkItem (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL. The routine runs once
 * at PASSIVE_LEVEL on a worker thread; NDIS_STATUS_SUCCESS once queued. */
extern "C" NDIS_STATUS NdisScheduleWorkItem(PNDIS_WORK_ITEM WorkItem) {
    if (!non_null(WorkItem, "NdisScheduleWorkItem")) return NDIS_STATUS_FAILURE;
    if (WorkItem->Routine == nullptr) {
        report_violation(strata::verifier::Rule::NullParameter, WorkItem, "NdisScheduleWorkItem", "work item has no Routine");
        return NDIS_STATUS_FAILURE;
    }
    irql_at_most(DISPATCH_LEVEL, "NdisScheduleWorkItem", WorkItem);
    WorkRequest* request = std::construct_at(reinterpret_cast<WorkRequest*>(WorkItem->WrapperReserved),
                                             WorkRequest{{nullptr, nullptr}, run_ndis_work_item});
    queue_work(*request);
    return NDIS_STATUS_SUCCESS;
}
