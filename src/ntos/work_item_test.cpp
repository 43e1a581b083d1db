// work_item_test.cpp — unit tests for passive-level work items (seed 003 §2.2).
#include <gtest/gtest.h>

#include <ndis.h>

#include <atomic>
#include <thread>
#include <vector>

#include "ntos/processor.h"
#include "ntos/testing.h"
#include "ntos/work_item.h"

namespace strata::ntos {
namespace {

using testing::ProcessorScope;
using testing::wait_for;

struct Observed {
    NDIS_WORK_ITEM item;
    KEVENT done;
    KIRQL irql = HIGH_LEVEL;
    unsigned processor = 0;
    std::thread::id thread;
    PNDIS_WORK_ITEM seen_item = nullptr;
    Observed() { KeInitializeEvent(&done, NotificationEvent, FALSE); }
};

void observe(PNDIS_WORK_ITEM item, PVOID context) {
    auto* o = static_cast<Observed*>(context);
    o->irql = KeGetCurrentIrql();
    o->processor = processor_thread_index();
    o->thread = std::this_thread::get_id();
    o->seen_item = item;
    KeSetEvent(&o->done, 0, FALSE);
}

TEST(WorkItem, RunsAtPassiveLevelOnAWorkerThread) {
    Observed observed;
    NdisInitializeWorkItem(&observed.item, observe, &observed);
    EXPECT_EQ(NdisScheduleWorkItem(&observed.item), NDIS_STATUS_SUCCESS);
    ASSERT_TRUE(wait_for(observed.done));
    EXPECT_EQ(observed.irql, PASSIVE_LEVEL);
    EXPECT_EQ(observed.processor, kNoProcessor);
    EXPECT_NE(observed.thread, std::this_thread::get_id());
    EXPECT_EQ(observed.seen_item, &observed.item);
}

TEST(WorkItem, ScheduledFromADpcStillRunsAtPassiveLevel) {
    ProcessorScope processors(1);
    Observed observed;
    NdisInitializeWorkItem(&observed.item, observe, &observed);
    run_on_processor(0, [&] { EXPECT_EQ(NdisScheduleWorkItem(&observed.item), NDIS_STATUS_SUCCESS); });
    ASSERT_TRUE(wait_for(observed.done));
    EXPECT_EQ(observed.irql, PASSIVE_LEVEL);
    EXPECT_EQ(observed.processor, kNoProcessor);
}

TEST(WorkItem, StopWorkersRunsEverythingQueuedFirst) {
    constexpr int kItems = 100;
    std::atomic<int> ran{0};
    struct Counted {
        WorkRequest request;
        std::atomic<int>* ran;
    };
    std::vector<Counted> items(kItems);
    for (auto& item : items) {
        item.ran = &ran;
        item.request.routine = [](WorkRequest& r) { ++*reinterpret_cast<Counted*>(&r)->ran; };
        queue_work(item.request);
    }
    stop_workers();
    EXPECT_EQ(ran.load(), kItems);
    // The pool starts again on demand.
    Observed observed;
    NdisInitializeWorkItem(&observed.item, observe, &observed);
    NdisScheduleWorkItem(&observed.item);
    ASSERT_TRUE(wait_for(observed.done));
}

TEST(WorkItem, ItemsMayWaitForEachOther) {
    struct Pair {
        NDIS_WORK_ITEM waiter, setter;
        KEVENT between, done;
    } pair;
    KeInitializeEvent(&pair.between, NotificationEvent, FALSE);
    KeInitializeEvent(&pair.done, NotificationEvent, FALSE);
    NdisInitializeWorkItem(
        &pair.waiter,
        [](PNDIS_WORK_ITEM, PVOID c) {
            auto* p = static_cast<Pair*>(c);
            if (testing::wait_for(p->between)) KeSetEvent(&p->done, 0, FALSE);
        },
        &pair);
    NdisInitializeWorkItem(
        &pair.setter, [](PNDIS_WORK_ITEM, PVOID c) { KeSetEvent(&static_cast<Pair*>(c)->between, 0, FALSE); }, &pair);
    NdisScheduleWorkItem(&pair.waiter);
    NdisScheduleWorkItem(&pair.setter);
    ASSERT_TRUE(wait_for(pair.done));
}

}  // namespace
}  // namespace strata::ntos
