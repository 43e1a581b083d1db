// pool_test.cpp — unit tests for tagged pool memory (seed 003 §2.2, DESIGN.md "Verifier").
#include <gtest/gtest.h>

#include <ndis.h>

#include <cstdint>
#include <cstring>

#include "ntos/pool.h"
#include "ntos/testing.h"

namespace strata::ntos {
namespace {

using testing::VerifierScope;
using verifier::Rule;

constexpr ULONG kTag = 0x74736554;  // 'Test'

TEST(Pool, CountsOutstandingBlocksAndBytesPerTag) {
    TagUsage before = outstanding_for_tag(kTag);
    PVOID a = ExAllocatePoolWithTag(NonPagedPool, 100, kTag);
    PVOID b = ExAllocatePoolWithTag(NonPagedPool, 28, kTag);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    TagUsage during = outstanding_for_tag(kTag);
    EXPECT_EQ(during.allocations - before.allocations, 2u);
    EXPECT_EQ(during.bytes - before.bytes, 128u);
    bool listed = false;
    for (const TagUsage& usage : pool_usage()) listed |= usage.tag == kTag && usage.allocations == during.allocations;
    EXPECT_TRUE(listed);
    ExFreePoolWithTag(a, kTag);
    ExFreePool(b);
    TagUsage after = outstanding_for_tag(kTag);
    EXPECT_EQ(after.allocations, before.allocations);
    EXPECT_EQ(after.bytes, before.bytes);
    EXPECT_EQ(tag_name(kTag), "Test");
}

TEST(Pool, BlocksAreCacheLineAlignedAndUsable) {
    static_assert(kPoolAlignment % 16 == 0);  // at least MEMORY_ALLOCATION_ALIGNMENT (x64)
    for (SIZE_T size : {SIZE_T{0}, SIZE_T{1}, SIZE_T{15}, SIZE_T{16}, SIZE_T{17}, SIZE_T{4096}}) {
        auto* p = static_cast<unsigned char*>(ExAllocatePoolWithTag(NonPagedPool, size, kTag));
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % kPoolAlignment, 0u);
        std::memset(p, 0xAB, size);
        ExFreePoolWithTag(p, kTag);
    }
}

TEST(Pool, DoubleFreeIsReportedAndIgnored) {
    VerifierScope verifier;
    PVOID p = ExAllocatePoolWithTag(NonPagedPool, 32, kTag);
    ExFreePoolWithTag(p, kTag);
    ExFreePoolWithTag(p, kTag);
    EXPECT_EQ(verifier::count(Rule::DoubleFree), 1u);
    ASSERT_EQ(verifier::reports().size(), 1u);
    EXPECT_EQ(verifier::reports()[0].object, p);
}

TEST(Pool, ForeignPointerIsReportedAndIgnored) {
    VerifierScope verifier;
    alignas(16) unsigned char not_ours[64] = {};
    ExFreePool(not_ours + 16);
    NdisFreeMemory(not_ours + 32, 16, 0);
    EXPECT_EQ(verifier::count(Rule::DoubleFree), 2u);
}

TEST(Pool, WrongTagOrLengthAtFreeIsReported) {
    VerifierScope verifier;
    PVOID p = ExAllocatePoolWithTag(NonPagedPool, 32, kTag);
    ExFreePoolWithTag(p, kTag ^ 0x01000000);
    EXPECT_EQ(verifier::count(Rule::BadCall), 1u);
    PVOID q = nullptr;
    ASSERT_EQ(NdisAllocateMemoryWithTag(&q, 48, kTag), NDIS_STATUS_SUCCESS);
    NdisFreeMemory(q, 40, 0);
    EXPECT_EQ(verifier::count(Rule::BadCall), 2u);
    EXPECT_EQ(verifier::count(Rule::DoubleFree), 0u);
}

TEST(Pool, ProtectedPoolBitIsIgnoredWhenMatchingTags) {
    VerifierScope verifier;
    PVOID p = ExAllocatePoolWithTag(NonPagedPool, 32, kTag | 0x80000000);
    ExFreePoolWithTag(p, kTag);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST(Pool, UnderrunIntoTheHeaderIsReported) {
    VerifierScope verifier;
    auto* p = static_cast<unsigned char*>(ExAllocatePoolWithTag(NonPagedPool, 32, kTag));
    p[-16] ^= 0xFF;  // the header's magic, just before the block
    ExFreePool(p);
    EXPECT_EQ(verifier::count(Rule::BadCall), 1u);
    EXPECT_EQ(outstanding_for_tag(kTag).allocations, 0u);
}

TEST(Pool, InjectedFailuresLookLikeExhaustion) {
    fail_next_allocations(2);
    EXPECT_EQ(ExAllocatePoolWithTag(NonPagedPool, 8, kTag), nullptr);
    PVOID p = reinterpret_cast<PVOID>(1);
    EXPECT_EQ(NdisAllocateMemoryWithTag(&p, 8, kTag), NDIS_STATUS_FAILURE);
    EXPECT_EQ(p, nullptr);
    PVOID q = ExAllocatePool(NonPagedPool, 8);
    ASSERT_NE(q, nullptr);
    ExFreePool(q);
}

TEST(Pool, NdisAllocateMemory) {
    PVOID p = nullptr;
    NDIS_PHYSICAL_ADDRESS highest = NDIS_PHYSICAL_ADDRESS_CONST(-1, -1);
    TagUsage before = outstanding_for_tag(kTagNdisMemory);
    ASSERT_EQ(NdisAllocateMemory(&p, 64, 0, highest), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(outstanding_for_tag(kTagNdisMemory).allocations, before.allocations + 1);
    NdisZeroMemory(p, 64);
    NdisFreeMemory(p, 64, 0);
    EXPECT_EQ(outstanding_for_tag(kTagNdisMemory).allocations, before.allocations);
}

TEST(Pool, PagedAllocationAtDispatchIsReported) {
    VerifierScope verifier;
    KIRQL old = KeRaiseIrqlToDpcLevel();
    PVOID p = ExAllocatePoolWithTag(PagedPool, 8, kTag);
    PVOID q = ExAllocatePoolWithTag(NonPagedPool, 8, kTag);
    KeLowerIrql(old);
    EXPECT_EQ(verifier::count(Rule::IrqlTooHigh), 1u);
    ExFreePool(p);
    ExFreePool(q);
}

TEST(Pool, AllocatePoolZeroClearsTheBlock) {
    constexpr SIZE_T kSize = 200;
    // Dirty a block of the same size first, so a reused one would show its old contents.
    auto* dirty = static_cast<unsigned char*>(ExAllocatePoolUninitialized(NonPagedPoolNx, kSize, kTag));
    ASSERT_NE(dirty, nullptr);
    std::memset(dirty, 0xAB, kSize);
    ExFreePoolWithTag(dirty, kTag);
    auto* zeroed = static_cast<unsigned char*>(ExAllocatePoolZero(NonPagedPoolNx, kSize, kTag));
    ASSERT_NE(zeroed, nullptr);
    for (SIZE_T i = 0; i < kSize; ++i) ASSERT_EQ(zeroed[i], 0) << "byte " << i;
    ExFreePoolWithTag(zeroed, kTag);
    fail_next_allocations(1);
    EXPECT_EQ(ExAllocatePoolZero(NonPagedPoolNx, kSize, kTag), nullptr);
}

TEST(Pool, AllocatePool2ZeroesUnlessAskedNotTo) {
    VerifierScope verifier;
    TagUsage before = outstanding_for_tag(kTag);
    auto* zeroed = static_cast<unsigned char*>(ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, kTag));
    ASSERT_NE(zeroed, nullptr);
    for (int i = 0; i < 64; ++i) ASSERT_EQ(zeroed[i], 0);
    PVOID raw = ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_UNINITIALIZED | POOL_FLAG_SPECIAL_POOL, 64, kTag);
    ASSERT_NE(raw, nullptr);
    PVOID unknown_optional = ExAllocatePool2(POOL_FLAG_NON_PAGED | (1ULL << 40), 8, kTag);
    ASSERT_NE(unknown_optional, nullptr);
    EXPECT_EQ(outstanding_for_tag(kTag).allocations, before.allocations + 3);
    ExFreePoolWithTag(zeroed, kTag);
    ExFreePoolWithTag(raw, kTag);
    ExFreePoolWithTag(unknown_optional, kTag);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST(Pool, AllocatePool2RefusesBadFlags) {
    VerifierScope verifier;
    EXPECT_EQ(ExAllocatePool2(0, 8, kTag), nullptr);                                          // no pool type
    EXPECT_EQ(ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED, 8, kTag), nullptr);      // two
    EXPECT_EQ(ExAllocatePool2(POOL_FLAG_NON_PAGED | 0x00010000ULL, 8, kTag), nullptr);        // unknown required
    EXPECT_EQ(verifier::count(Rule::BadCall), 3u);
    fail_next_allocations(1);
    EXPECT_EQ(ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_RAISE_ON_FAILURE, 8, kTag), nullptr);
    EXPECT_EQ(verifier::count(Rule::BadCall), 4u);  // cannot raise: said so
}

TEST(Pool, CompareMemoryCountsTheMatchingPrefix) {
    const char a[] = "abcdef", b[] = "abcxef";
    EXPECT_EQ(RtlCompareMemory(a, b, 6), 3u);
    EXPECT_EQ(RtlCompareMemory(a, a, 6), 6u);
    EXPECT_EQ(RtlCompareMemory(a, b, 0), 0u);
}

}  // namespace
}  // namespace strata::ntos
