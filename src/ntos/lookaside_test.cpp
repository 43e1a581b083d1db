// lookaside_test.cpp — unit tests for nonpaged lookaside lists (wdm.h ExXxxNPagedLookasideList and
// ndis.h's NdisXxxNPagedLookasideList macros).
#include <gtest/gtest.h>

#include <ndis.h>

#include <set>

#include "ntos/pool.h"
#include "ntos/testing.h"

namespace strata::ntos {
namespace {

using testing::VerifierScope;

constexpr ULONG kTag = 0x6B6F6F4C;  // 'Look'

int g_allocations = 0;
int g_frees = 0;

PVOID NTAPI counting_allocate(POOL_TYPE type, SIZE_T bytes, ULONG tag) {
    ++g_allocations;
    return ExAllocatePoolWithTag(type, bytes, tag);
}

VOID NTAPI counting_free(PVOID block) {
    ++g_frees;
    ExFreePool(block);
}

TEST(Lookaside, FreedBlocksAreReusedBeforeAllocatingMore) {
    VerifierScope verifier;
    NPAGED_LOOKASIDE_LIST list;
    g_allocations = g_frees = 0;
    ExInitializeNPagedLookasideList(&list, counting_allocate, counting_free, 0, 100, kTag, 0);
    PVOID a = ExAllocateFromNPagedLookasideList(&list);
    PVOID b = ExAllocateFromNPagedLookasideList(&list);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(g_allocations, 2);
    ExFreeToNPagedLookasideList(&list, a);
    EXPECT_EQ(ExAllocateFromNPagedLookasideList(&list), a) << "the cached block comes back";
    EXPECT_EQ(g_allocations, 2);
    EXPECT_EQ(list.L.TotalAllocates, 3u);
    EXPECT_EQ(list.L.AllocateMisses, 2u);
    ExFreeToNPagedLookasideList(&list, a);
    ExFreeToNPagedLookasideList(&list, b);
    ExDeleteNPagedLookasideList(&list);
    EXPECT_EQ(g_frees, 2) << "delete hands every cached block to Free";
    EXPECT_EQ(verifier::total(), 0u);
}

TEST(Lookaside, NdisMacrosDefaultToThePoolAndRoundTinySizesUp) {
    VerifierScope verifier;
    NPAGED_LOOKASIDE_LIST list;
    NdisInitializeNPagedLookasideList(&list, nullptr, nullptr, 0, 2, kTag, 0);
    EXPECT_EQ(list.L.Size, sizeof(SLIST_ENTRY));
    std::set<PVOID> blocks;
    for (int i = 0; i < 8; ++i) blocks.insert(NdisAllocateFromNPagedLookasideList(&list));
    EXPECT_EQ(blocks.size(), 8u);
    EXPECT_EQ(outstanding_for_tag(kTag).allocations, 8u) << "tagged pool blocks";
    for (PVOID block : blocks) NdisFreeToNPagedLookasideList(&list, block);
    NdisDeleteNPagedLookasideList(&list);
    EXPECT_EQ(outstanding_for_tag(kTag).allocations, 0u);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST(Lookaside, FreesBeyondTheDepthGoBackToThePool) {
    NPAGED_LOOKASIDE_LIST list;
    g_allocations = g_frees = 0;
    ExInitializeNPagedLookasideList(&list, counting_allocate, counting_free, 0, 32, kTag, 0);
    std::vector<PVOID> blocks;
    for (unsigned i = 0; i < list.L.Depth + 3u; ++i) blocks.push_back(ExAllocateFromNPagedLookasideList(&list));
    for (PVOID block : blocks) ExFreeToNPagedLookasideList(&list, block);
    EXPECT_EQ(g_frees, 3);
    EXPECT_EQ(list.L.FreeMisses, 3u);
    ExDeleteNPagedLookasideList(&list);
    EXPECT_EQ(g_frees, g_allocations);
}

}  // namespace
}  // namespace strata::ntos
