// list_test.cpp — unit tests for interlocked lists and SLISTs (seed 003 §2.2).
#include <gtest/gtest.h>

#include <ndis.h>

#include <array>
#include <set>
#include <thread>
#include <vector>

#include "ntos/record.h"
#include "ntos/testing.h"

namespace strata::ntos {
namespace {

struct Node {
    LIST_ENTRY link;
    int value;
};

int value_of(PLIST_ENTRY entry) { return containing_record<Node>(entry, offsetof(Node, link))->value; }

TEST(List, ExInterlockedInsertAndRemove) {
    LIST_ENTRY head;
    InitializeListHead(&head);
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    Node a{{}, 1}, b{{}, 2}, c{{}, 3};
    EXPECT_EQ(ExInterlockedInsertTailList(&head, &a.link, &lock), nullptr);
    EXPECT_EQ(ExInterlockedInsertTailList(&head, &b.link, &lock), &a.link);
    EXPECT_EQ(ExInterlockedInsertHeadList(&head, &c.link, &lock), &a.link);
    EXPECT_EQ(value_of(ExInterlockedRemoveHeadList(&head, &lock)), 3);
    EXPECT_EQ(value_of(ExInterlockedRemoveHeadList(&head, &lock)), 1);
    EXPECT_EQ(value_of(ExInterlockedRemoveHeadList(&head, &lock)), 2);
    EXPECT_EQ(ExInterlockedRemoveHeadList(&head, &lock), nullptr);
    EXPECT_EQ(lock, 0u);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

TEST(List, NdisInterlockedListsFromManyThreads) {
    LIST_ENTRY head;
    InitializeListHead(&head);
    NDIS_SPIN_LOCK lock;
    NdisAllocateSpinLock(&lock);
    constexpr int kThreads = 4, kPerThread = 1000;
    std::vector<Node> nodes(kThreads * kPerThread);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                Node& n = nodes[t * kPerThread + i];
                n.value = t * kPerThread + i;
                if (i % 2 == 0)
                    NdisInterlockedInsertHeadList(&head, &n.link, &lock);
                else
                    NdisInterlockedInsertTailList(&head, &n.link, &lock);
            }
        });
    }
    for (auto& t : threads) t.join();
    std::set<int> seen;
    while (PLIST_ENTRY e = NdisInterlockedRemoveHeadList(&head, &lock)) seen.insert(value_of(e));
    EXPECT_EQ(seen.size(), nodes.size());
    NdisFreeSpinLock(&lock);
}

TEST(List, InterlockedSinglyLinkedLists) {
    SINGLE_LIST_ENTRY head{nullptr};
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    NDIS_SPIN_LOCK ndis_lock;
    NdisAllocateSpinLock(&ndis_lock);
    SINGLE_LIST_ENTRY a, b;
    EXPECT_EQ(ExInterlockedPushEntryList(&head, &a, &lock), nullptr);
    EXPECT_EQ(NdisInterlockedPushEntryList(&head, &b, &ndis_lock), &a);
    EXPECT_EQ(NdisInterlockedPopEntryList(&head, &ndis_lock), &b);
    EXPECT_EQ(ExInterlockedPopEntryList(&head, &lock), &a);
    EXPECT_EQ(ExInterlockedPopEntryList(&head, &lock), nullptr);
}

TEST(List, InterlockedAdditions) {
    NDIS_SPIN_LOCK lock;
    NdisAllocateSpinLock(&lock);
    ULONG total = 0;
    LARGE_INTEGER big;
    big.QuadPart = 0xFFFFFFFFLL;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i) {
                NdisInterlockedAddUlong(&total, 2, &lock);
                NdisInterlockedAddLargeInteger(&big, 1, &lock.SpinLock);
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(total, 8000u);
    EXPECT_EQ(NdisInterlockedAddLargeInteger(&big, 1, &lock.SpinLock).QuadPart, 0xFFFFFFFFLL + 4000);
    EXPECT_EQ(big.QuadPart, 0xFFFFFFFFLL + 4001);
}

struct alignas(16) Item {
    SLIST_ENTRY entry;
    int id;
};

TEST(SList, PushPopIsLastInFirstOutAndCountsDepth) {
    SLIST_HEADER head;
    InitializeSListHead(&head);
    EXPECT_EQ(QueryDepthSList(&head), 0);
    EXPECT_EQ(InterlockedPopEntrySList(&head), nullptr);
    Item a{{}, 1}, b{{}, 2};
    EXPECT_EQ(InterlockedPushEntrySList(&head, &a.entry), nullptr);
    EXPECT_EQ(InterlockedPushEntrySList(&head, &b.entry), &a.entry);
    EXPECT_EQ(QueryDepthSList(&head), 2);
    EXPECT_EQ(head.HeaderX64.NextEntry << 4, reinterpret_cast<ULONGLONG>(&b.entry));
    EXPECT_EQ(InterlockedPopEntrySList(&head), &b.entry);
    EXPECT_EQ(QueryDepthSList(&head), 1);
    EXPECT_EQ(InterlockedPopEntrySList(&head), &a.entry);
    EXPECT_EQ(QueryDepthSList(&head), 0);
}

TEST(SList, SequenceChangesOnEveryOperation) {
    SLIST_HEADER head;
    InitializeSListHead(&head);
    Item a{{}, 1};
    ULONGLONG before = head.HeaderX64.Sequence;
    InterlockedPushEntrySList(&head, &a.entry);
    InterlockedPopEntrySList(&head);
    InterlockedPushEntrySList(&head, &a.entry);
    // Same first entry and depth as after the first push, but a different header: no ABA.
    EXPECT_EQ(head.HeaderX64.Sequence, before + 3);
    EXPECT_EQ(InterlockedFlushSList(&head), &a.entry);
}

TEST(SList, FlushReturnsTheWholeChain) {
    SLIST_HEADER head;
    NdisInitializeSListHead(&head);
    std::array<Item, 5> items{};
    for (Item& item : items) NdisInterlockedPushEntrySList(&head, &item.entry, nullptr);
    EXPECT_EQ(NdisQueryDepthSList(&head), 5);
    int chained = 0;
    for (PSLIST_ENTRY e = InterlockedFlushSList(&head); e != nullptr; e = e->Next) ++chained;
    EXPECT_EQ(chained, 5);
    EXPECT_EQ(QueryDepthSList(&head), 0);
    EXPECT_EQ(InterlockedFlushSList(&head), nullptr);
}

TEST(SList, ExecutiveNamesWorkTheSameList) {
    KSPIN_LOCK unused;
    KeInitializeSpinLock(&unused);
    SLIST_HEADER head;
    ExInitializeSListHead(&head);
    Item a{{}, 1}, b{{}, 2}, c{{}, 3};
    EXPECT_EQ(ExInterlockedPushEntrySList(&head, &a.entry, &unused), nullptr);
    EXPECT_EQ(ExInterlockedPushEntrySList(&head, &b.entry, &unused), &a.entry);
    EXPECT_EQ(ExInterlockedPushEntrySList(&head, &c.entry, &unused), &b.entry);
    EXPECT_EQ(ExQueryDepthSList(&head), 3);
    EXPECT_EQ(ExInterlockedPopEntrySList(&head, &unused), &c.entry);
    EXPECT_EQ(ExQueryDepthSList(&head), 2);
    PSLIST_ENTRY chain = ExInterlockedFlushSList(&head);
    EXPECT_EQ(chain, &b.entry);
    EXPECT_EQ(chain->Next, &a.entry);
    EXPECT_EQ(chain->Next->Next, nullptr);
    EXPECT_EQ(ExQueryDepthSList(&head), 0);
    EXPECT_EQ(ExInterlockedPopEntrySList(&head, &unused), nullptr);
    EXPECT_EQ(unused, 0u);  // the lock argument is not used on x64
}

TEST(SList, ConcurrentPushAndPopLoseNothing) {
    constexpr int kThreads = 4, kPerThread = 2000, kRounds = 20;
    SLIST_HEADER head;
    InitializeSListHead(&head);
    std::vector<Item> items(kThreads * kPerThread);
    for (std::size_t i = 0; i < items.size(); ++i) items[i].id = static_cast<int>(i);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) InterlockedPushEntrySList(&head, &items[t * kPerThread + i].entry);
            // Entries move between threads: each pops a batch and pushes back what it got.
            std::vector<PSLIST_ENTRY> taken;
            for (int round = 0; round < kRounds; ++round) {
                for (int i = 0; i < 100; ++i)
                    if (PSLIST_ENTRY e = InterlockedPopEntrySList(&head)) taken.push_back(e);
                for (PSLIST_ENTRY e : taken) InterlockedPushEntrySList(&head, e);
                taken.clear();
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(QueryDepthSList(&head), kThreads * kPerThread);
    std::set<int> ids;
    while (PSLIST_ENTRY e = InterlockedPopEntrySList(&head)) ids.insert(containing_record<Item>(e, offsetof(Item, entry))->id);
    EXPECT_EQ(ids.size(), items.size());
}

TEST(SList, MisalignedEntryIsReportedAndNotPushed) {
    testing::VerifierScope verifier;
    SLIST_HEADER head;
    InitializeSListHead(&head);
    alignas(16) unsigned char raw[48];
    EXPECT_EQ(InterlockedPushEntrySList(&head, reinterpret_cast<PSLIST_ENTRY>(raw + 8)), nullptr);
    EXPECT_EQ(QueryDepthSList(&head), 0);
    EXPECT_EQ(verifier::count(verifier::Rule::BadCall), 1u);
}

}  // namespace
}  // namespace strata::ntos
