// dpc_test.cpp — unit tests for processors and DPCs (seed 003 §2.2, DESIGN.md "Execution model").
#include <gtest/gtest.h>

#include <ndis.h>

#include <atomic>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "ntos/irql.h"
#include "ntos/testing.h"

namespace strata::ntos {
namespace {

using testing::kPatience;
using testing::ProcessorScope;
using testing::VerifierScope;
using testing::wait_for;

// What a DPC routine saw, and an event it sets when done.
struct Probe {
    KEVENT done;
    std::atomic<int> runs{0};
    ULONG processor = ~0u;
    KIRQL irql = PASSIVE_LEVEL;
    PVOID argument1 = nullptr;
    PVOID argument2 = nullptr;
    Probe() { KeInitializeEvent(&done, NotificationEvent, FALSE); }
};

void probe_routine(PKDPC, PVOID context, PVOID argument1, PVOID argument2) {
    auto* probe = static_cast<Probe*>(context);
    probe->processor = KeGetCurrentProcessorNumber();
    probe->irql = KeGetCurrentIrql();
    probe->argument1 = argument1;
    probe->argument2 = argument2;
    ++probe->runs;
    KeSetEvent(&probe->done, 0, FALSE);
}

// Holds processor `index` inside a posted function until released, so DPCs queued to it stay
// queued for as long as a test needs. The posted function owns what it touches.
class Gate {
public:
    explicit Gate(unsigned index) {
        auto entered = std::make_shared<std::promise<void>>();
        std::shared_future<void> released = released_.get_future().share();
        std::future<void> inside = entered->get_future();
        post_to_processor(index, [entered, released] {
            entered->set_value();
            released.wait();
        });
        EXPECT_EQ(inside.wait_for(kPatience), std::future_status::ready);
    }
    ~Gate() { release(); }
    void release() {
        if (!released_once_) released_.set_value();
        released_once_ = true;
    }

private:
    std::promise<void> released_;
    bool released_once_ = false;
};

TEST(Dpc, RunsOnTheTargetedProcessorAtDispatchLevel) {
    ProcessorScope processors(2);
    for (CCHAR target = 0; target < 2; ++target) {
        Probe probe;
        KDPC dpc;
        KeInitializeDpc(&dpc, probe_routine, &probe);
        KeSetTargetProcessorDpc(&dpc, target);
        int a = 1, b = 2;
        ASSERT_TRUE(KeInsertQueueDpc(&dpc, &a, &b));
        ASSERT_TRUE(wait_for(probe.done));
        EXPECT_EQ(probe.processor, static_cast<ULONG>(target));
        EXPECT_EQ(probe.irql, DISPATCH_LEVEL);
        EXPECT_EQ(probe.argument1, &a);
        EXPECT_EQ(probe.argument2, &b);
    }
}

TEST(Dpc, UntargetedDpcRunsOnTheCurrentProcessor) {
    ProcessorScope processors(2);
    Probe probe;
    KDPC dpc;
    KeInitializeDpc(&dpc, probe_routine, &probe);
    run_on_processor(1, [&] { EXPECT_TRUE(KeInsertQueueDpc(&dpc, nullptr, nullptr)); });
    ASSERT_TRUE(wait_for(probe.done));
    EXPECT_EQ(probe.processor, 1u);
}

TEST(Dpc, DoubleQueueReturnsFalseAndRemoveDequeues) {
    ProcessorScope processors(2);
    Probe probe;
    KDPC dpc;
    KeInitializeDpc(&dpc, probe_routine, &probe);
    KeSetTargetProcessorDpc(&dpc, 0);
    {
        Gate gate(0);
        EXPECT_TRUE(KeInsertQueueDpc(&dpc, nullptr, nullptr));
        EXPECT_FALSE(KeInsertQueueDpc(&dpc, nullptr, nullptr));
        EXPECT_TRUE(KeRemoveQueueDpc(&dpc));
        EXPECT_FALSE(KeRemoveQueueDpc(&dpc));
    }
    KeFlushQueuedDpcs();
    EXPECT_EQ(probe.runs.load(), 0);
    EXPECT_TRUE(KeInsertQueueDpc(&dpc, nullptr, nullptr));
    ASSERT_TRUE(wait_for(probe.done));
    EXPECT_EQ(probe.runs.load(), 1);
}

TEST(Dpc, QueuedBeforeStartRunsAfterStart) {
    { ProcessorScope earlier(2); }  // processor_count() keeps the last started count: 2
    Probe probe;
    KDPC dpc;
    KeInitializeDpc(&dpc, probe_routine, &probe);
    KeSetTargetProcessorDpc(&dpc, 1);
    ASSERT_TRUE(KeInsertQueueDpc(&dpc, nullptr, nullptr));
    EXPECT_FALSE(KeInsertQueueDpc(&dpc, nullptr, nullptr));
    ProcessorScope processors(2);
    ASSERT_TRUE(wait_for(probe.done));
    EXPECT_EQ(probe.processor, 1u);
}

TEST(Dpc, QueuedForAProcessorThatDoesNotStartRunsOnOneThatDoes) {
    { ProcessorScope earlier(2); }
    Probe probe;
    KDPC dpc;
    KeInitializeDpc(&dpc, probe_routine, &probe);
    KeSetTargetProcessorDpc(&dpc, 1);
    ASSERT_TRUE(KeInsertQueueDpc(&dpc, nullptr, nullptr));
    ProcessorScope processors(1);
    ASSERT_TRUE(wait_for(probe.done));
    EXPECT_EQ(probe.processor, 0u);
}

TEST(Dpc, HighImportanceRunsFirst) {
    ProcessorScope processors(1);
    std::vector<int> order;
    struct Entry {
        KDPC dpc;
        std::vector<int>* order;
        int id;
    };
    auto routine = [](PKDPC, PVOID context, PVOID, PVOID) {
        auto* e = static_cast<Entry*>(context);
        e->order->push_back(e->id);
    };
    Entry medium{{}, &order, 1}, high{{}, &order, 2};
    KeInitializeDpc(&medium.dpc, routine, &medium);
    KeInitializeDpc(&high.dpc, routine, &high);
    KeSetImportanceDpc(&high.dpc, HighImportance);
    {
        Gate gate(0);
        KeInsertQueueDpc(&medium.dpc, nullptr, nullptr);
        KeInsertQueueDpc(&high.dpc, nullptr, nullptr);
    }
    KeFlushQueuedDpcs();
    EXPECT_EQ(order, (std::vector<int>{2, 1}));
}

TEST(Dpc, RoutineMayRequeueItself) {
    ProcessorScope processors(2);
    struct Chain {
        KDPC dpc;
        KEVENT done;
        int remaining = 3;
    } chain;
    KeInitializeEvent(&chain.done, NotificationEvent, FALSE);
    KeInitializeDpc(
        &chain.dpc,
        [](PKDPC dpc, PVOID context, PVOID, PVOID) {
            auto* c = static_cast<Chain*>(context);
            if (--c->remaining > 0)
                EXPECT_TRUE(KeInsertQueueDpc(dpc, nullptr, nullptr));
            else
                KeSetEvent(&c->done, 0, FALSE);
        },
        &chain);
    KeInsertQueueDpc(&chain.dpc, nullptr, nullptr);
    ASSERT_TRUE(wait_for(chain.done));
    EXPECT_EQ(chain.remaining, 0);
}

TEST(Dpc, FlushWaitsForEveryQueuedDpc) {
    ProcessorScope processors(2);
    constexpr int kCount = 64;
    std::atomic<int> ran{0};
    std::vector<KDPC> dpcs(kCount);
    for (int i = 0; i < kCount; ++i) {
        KeInitializeDpc(&dpcs[i], [](PKDPC, PVOID c, PVOID, PVOID) { ++*static_cast<std::atomic<int>*>(c); }, &ran);
        KeSetTargetProcessorDpc(&dpcs[i], static_cast<CCHAR>(i % 2));
        KeInsertQueueDpc(&dpcs[i], nullptr, nullptr);
    }
    KeFlushQueuedDpcs();
    EXPECT_EQ(ran.load(), kCount);
}

TEST(Dpc, StopDrainsQueuedDpcs) {
    std::atomic<int> ran{0};
    KDPC dpc;
    KeInitializeDpc(&dpc, [](PKDPC, PVOID c, PVOID, PVOID) { ++*static_cast<std::atomic<int>*>(c); }, &ran);
    {
        ProcessorScope processors(1);
        Gate gate(0);
        KeInsertQueueDpc(&dpc, nullptr, nullptr);
        gate.release();
    }
    EXPECT_EQ(ran.load(), 1);
}

TEST(Dpc, RoutineReturningAtTheWrongIrqlIsReported) {
    VerifierScope verifier;
    ProcessorScope processors(1);
    KDPC dpc;
    KeInitializeDpc(&dpc, [](PKDPC, PVOID, PVOID, PVOID) { KeLowerIrql(PASSIVE_LEVEL); }, nullptr);
    KeInsertQueueDpc(&dpc, nullptr, nullptr);
    KeFlushQueuedDpcs();
    EXPECT_EQ(verifier::count(verifier::Rule::BadCall), 1u);
    run_on_processor(0, [] { EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL); });
}

TEST(Dpc, TargetingAMissingProcessorIsReported) {
    VerifierScope verifier;
    ProcessorScope processors(2);
    KDPC dpc;
    KeInitializeDpc(&dpc, [](PKDPC, PVOID, PVOID, PVOID) {}, nullptr);
    KeSetTargetProcessorDpc(&dpc, 5);
    EXPECT_EQ(verifier::count(verifier::Rule::BadCall), 1u);
    KeInsertQueueDpc(&dpc, nullptr, nullptr);
    KeFlushQueuedDpcs();
}

TEST(Processor, RunOnProcessorRunsThereAtDispatchLevel) {
    ProcessorScope processors(2);
    for (unsigned i = 0; i < 2; ++i) {
        unsigned index = kNoProcessor;
        KIRQL irql = PASSIVE_LEVEL;
        std::thread::id thread;
        run_on_processor(i, [&] {
            index = processor_thread_index();
            irql = KeGetCurrentIrql();
            thread = std::this_thread::get_id();
        });
        EXPECT_EQ(index, i);
        EXPECT_EQ(irql, DISPATCH_LEVEL);
        EXPECT_NE(thread, std::this_thread::get_id());
    }
    EXPECT_EQ(processor_thread_index(), kNoProcessor);
}

TEST(Processor, RunOnProcessorBeforeStartStandsInOnTheCaller) {
    ASSERT_FALSE(processors_running());
    unsigned index = kNoProcessor;
    KIRQL irql = PASSIVE_LEVEL;
    run_on_processor(0, [&] {
        index = processor_thread_index();
        irql = KeGetCurrentIrql();
    });
    EXPECT_EQ(index, 0u);
    EXPECT_EQ(irql, DISPATCH_LEVEL);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    EXPECT_EQ(processor_thread_index(), kNoProcessor);
}

TEST(Processor, ExceptionsFromFunctionsDoNotEscape) {
    ProcessorScope processors(1);
    EXPECT_NO_THROW(run_on_processor(0, [] { throw std::runtime_error("test"); }));
    bool ran = false;
    run_on_processor(0, [&] { ran = true; });
    EXPECT_TRUE(ran);
}

TEST(Processor, PostToProcessorRunsWithoutWaiting) {
    ProcessorScope processors(2);
    std::promise<unsigned> where;
    post_to_processor(1, [&] { where.set_value(processor_thread_index()); });
    auto future = where.get_future();
    ASSERT_EQ(future.wait_for(kPatience), std::future_status::ready);
    EXPECT_EQ(future.get(), 1u);
}

TEST(Processor, BadIndexThrows) {
    ProcessorScope processors(2);
    EXPECT_THROW(run_on_processor(2, [] {}), std::out_of_range);
    EXPECT_THROW(start_processors(1), std::logic_error);
}

TEST(Processor, CountsAndNumbers) {
    ProcessorScope processors(3);
    EXPECT_EQ(processor_count(), 3u);
    EXPECT_EQ(NdisSystemProcessorCount(), 3);
    KAFFINITY active = 0;
    EXPECT_EQ(KeQueryActiveProcessorCount(&active), 3u);
    EXPECT_EQ(active, KAFFINITY{0b111});
    ULONG mine = KeGetCurrentProcessorNumber();
    EXPECT_LT(mine, 3u);
    EXPECT_EQ(KeGetCurrentProcessorNumber(), mine);
    ULONG seen = ~0u;
    run_on_processor(2, [&] { seen = KeGetCurrentProcessorNumber(); });
    EXPECT_EQ(seen, 2u);
    EXPECT_EQ(NdisGetVersion(), 0x00050001u);
}

}  // namespace
}  // namespace strata::ntos
