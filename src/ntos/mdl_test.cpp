// mdl_test.cpp — unit tests for MDLs (seed 003 §2.5; chained on an IRP for WSK, seeds 000/002).
#include <gtest/gtest.h>

#include <ndis.h>

#include <cstdint>
#include <vector>

#include "ntos/pool.h"

namespace strata::ntos {
namespace {

TEST(Mdl, FieldsDescribeTheBuffer) {
    std::vector<unsigned char> storage(3 * PAGE_SIZE);
    auto misalignment = reinterpret_cast<std::uintptr_t>(storage.data()) % PAGE_SIZE;
    unsigned char* page = storage.data() + (PAGE_SIZE - misalignment) % PAGE_SIZE;
    unsigned char* buffer = page + PAGE_SIZE - 100;  // 300 bytes across a page boundary
    TagUsage before = outstanding_for_tag(kTagMdl);

    PMDL mdl = IoAllocateMdl(buffer, 300, FALSE, FALSE, nullptr);
    ASSERT_NE(mdl, nullptr);
    EXPECT_EQ(mdl->Next, nullptr);
    EXPECT_EQ(mdl->StartVa, PAGE_ALIGN(buffer));
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(mdl->StartVa) % PAGE_SIZE, 0u);
    EXPECT_EQ(mdl->ByteOffset, PAGE_SIZE - 100);
    EXPECT_EQ(mdl->ByteCount, 300u);
    EXPECT_EQ(MmGetMdlVirtualAddress(mdl), buffer);
    EXPECT_EQ(static_cast<SIZE_T>(mdl->Size), MmSizeOfMdl(buffer, 300));
    EXPECT_EQ(MmSizeOfMdl(buffer, 300), sizeof(MDL) + 2 * sizeof(PFN_NUMBER));  // spans two pages
    EXPECT_EQ(mdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL, 0);

    MmBuildMdlForNonPagedPool(mdl);
    EXPECT_EQ(mdl->MappedSystemVa, buffer);
    EXPECT_NE(mdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL, 0);
    EXPECT_EQ(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority), buffer);
    PPFN_NUMBER pfns = MmGetMdlPfnArray(mdl);
    EXPECT_EQ(pfns[0], reinterpret_cast<std::uintptr_t>(buffer) >> PAGE_SHIFT);
    EXPECT_EQ(pfns[1], pfns[0] + 1);
    EXPECT_EQ(outstanding_for_tag(kTagMdl).allocations, before.allocations + 1);

    IoFreeMdl(mdl);
    EXPECT_EQ(outstanding_for_tag(kTagMdl).allocations, before.allocations);
}

TEST(Mdl, SizeOfMdlCountsSpannedPages) {
    auto* base = reinterpret_cast<PVOID>(0x10000);
    EXPECT_EQ(MmSizeOfMdl(base, 0), sizeof(MDL));
    EXPECT_EQ(MmSizeOfMdl(base, PAGE_SIZE), sizeof(MDL) + sizeof(PFN_NUMBER));
    EXPECT_EQ(MmSizeOfMdl(static_cast<char*>(base) + 1, PAGE_SIZE), sizeof(MDL) + 2 * sizeof(PFN_NUMBER));
}

TEST(Mdl, AllocatingWithAnIrpChainsTheMdls) {
    static unsigned char first[64], second[32], third[16];
    PIRP irp = IoAllocateIrp(1, FALSE);
    ASSERT_NE(irp, nullptr);
    PMDL a = IoAllocateMdl(first, sizeof first, FALSE, FALSE, irp);
    PMDL b = IoAllocateMdl(second, sizeof second, TRUE, FALSE, irp);
    PMDL c = IoAllocateMdl(third, sizeof third, TRUE, FALSE, irp);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(irp->MdlAddress, a);
    EXPECT_EQ(a->Next, b);
    EXPECT_EQ(b->Next, c);
    EXPECT_EQ(c->Next, nullptr);
    ULONG total = 0;
    for (PMDL mdl = irp->MdlAddress; mdl != nullptr; mdl = mdl->Next) {
        MmBuildMdlForNonPagedPool(mdl);
        total += MmGetMdlByteCount(mdl);
    }
    EXPECT_EQ(total, sizeof first + sizeof second + sizeof third);
    EXPECT_EQ(MmGetSystemAddressForMdlSafe(b, NormalPagePriority), second);
    IoFreeMdl(c);
    IoFreeMdl(b);
    IoFreeMdl(a);
    IoFreeIrp(irp);
}

TEST(Mdl, TooLongForOneMdlFails) {
    static unsigned char byte;
    EXPECT_EQ(IoAllocateMdl(&byte, 64u << 20, FALSE, FALSE, nullptr), nullptr);
}

}  // namespace
}  // namespace strata::ntos
