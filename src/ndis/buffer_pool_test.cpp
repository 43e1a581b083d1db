// buffer_pool_test.cpp — unit tests for NDIS buffer pools (seed 003 §2.5): MDL initialisation,
// exhaustion, NdisCopyBuffer ranges, per-processor caching and the verifier reports for misuse.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "ntos/processor.h"
#include "verifier/verifier.h"

#include "ndis/buffer_pool.h"

namespace strata::ndis {
namespace {

using verifier::Rule;

NDIS_HANDLE make_pool(UINT descriptors) {
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    NDIS_HANDLE pool = nullptr;
    NdisAllocateBufferPool(&status, &pool, descriptors);
    EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
    EXPECT_NE(pool, nullptr);
    return pool;
}

PNDIS_BUFFER allocate(NDIS_HANDLE pool, void* va, UINT length) {
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    PNDIS_BUFFER buffer = nullptr;
    NdisAllocateBuffer(&status, &buffer, pool, va, length);
    EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
    EXPECT_NE(buffer, nullptr);
    return buffer;
}

TEST(BufferPool, AllocateDescribesTheRangeLikeMmBuildMdlForNonPagedPool) {
    NDIS_HANDLE pool = make_pool(2);
    alignas(4096) static std::array<unsigned char, 3 * 4096> memory{};
    unsigned char* va = memory.data() + 4096 + 100;
    PNDIS_BUFFER b = allocate(pool, va, 5000);
    EXPECT_EQ(b->Next, nullptr);
    EXPECT_EQ(b->MdlFlags, MDL_SOURCE_IS_NONPAGED_POOL);
    EXPECT_EQ(b->Process, nullptr);
    EXPECT_EQ(b->MappedSystemVa, va);
    EXPECT_EQ(b->StartVa, memory.data() + 4096);
    EXPECT_EQ(b->ByteOffset, 100u);
    EXPECT_EQ(b->ByteCount, 5000u);
    EXPECT_EQ(b->Size, static_cast<CSHORT>(sizeof(MDL)));  // no PFN array in user space
    EXPECT_EQ(MmGetMdlVirtualAddress(b), va);
    EXPECT_EQ(MmGetSystemAddressForMdlSafe(b, NormalPagePriority), va);
    EXPECT_TRUE(is_pool_buffer(b));
    EXPECT_EQ(header_of(b)->state, BufferState::Allocated);
    NdisFreeBuffer(b);
    EXPECT_EQ(header_of(b)->state, BufferState::Free);
    NdisFreeBufferPool(pool);
}

TEST(BufferPool, ExhaustionFailsWithTheDocumentedStatus) {
    NDIS_HANDLE pool = make_pool(3);
    char data[8];
    std::vector<PNDIS_BUFFER> buffers;
    for (int i = 0; i < 3; ++i) buffers.push_back(allocate(pool, data, sizeof data));
    EXPECT_EQ(buffer_pool_in_use(pool), 3u);
    EXPECT_EQ(buffer_pool_capacity(pool), 3u);
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    PNDIS_BUFFER extra = reinterpret_cast<PNDIS_BUFFER>(data);
    NdisAllocateBuffer(&status, &extra, pool, data, sizeof data);
    EXPECT_EQ(status, NDIS_STATUS_FAILURE);
    EXPECT_EQ(extra, nullptr);
    NdisFreeBuffer(buffers[1]);
    buffers[1] = allocate(pool, data + 1, 2);
    for (PNDIS_BUFFER b : buffers) NdisFreeBuffer(b);
    EXPECT_EQ(buffer_pool_in_use(pool), 0u);
    NdisFreeBufferPool(pool);
}

TEST(BufferPool, AbsurdDescriptorCountsFailAtCreation) {
    // Windows ignored the count; we preallocate, so a count no host can back fails up front.
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    NDIS_HANDLE pool = reinterpret_cast<NDIS_HANDLE>(1);
    NdisAllocateBufferPool(&status, &pool, 0xFFFFFFFFu);
    EXPECT_EQ(status, NDIS_STATUS_RESOURCES);
    EXPECT_EQ(pool, nullptr);

    pool = make_pool(0);  // legal, and every allocation fails
    char data[1];
    PNDIS_BUFFER b;
    NdisAllocateBuffer(&status, &b, pool, data, 1);
    EXPECT_EQ(status, NDIS_STATUS_FAILURE);
    NdisFreeBufferPool(pool);
}

TEST(BufferPool, CopyBufferDescribesASubrange) {
    NDIS_HANDLE pool = make_pool(4);
    std::array<unsigned char, 256> memory{};
    PNDIS_BUFFER whole = allocate(pool, memory.data(), 200);
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    PNDIS_BUFFER part = nullptr;
    NdisCopyBuffer(&status, &part, pool, whole, 50, 100);
    ASSERT_EQ(status, NDIS_STATUS_SUCCESS);
    EXPECT_NE(part, whole);
    EXPECT_EQ(MmGetSystemAddressForMdlSafe(part, NormalPagePriority), memory.data() + 50);
    EXPECT_EQ(MmGetMdlByteCount(part), 100u);
    EXPECT_EQ(part->Next, nullptr);

    PNDIS_BUFFER tail = nullptr;
    NdisCopyBuffer(&status, &tail, pool, whole, 150, 50);  // ends exactly at the end: fine
    EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
    NdisFreeBuffer(tail);

    PNDIS_BUFFER bad = whole;
    NdisCopyBuffer(&status, &bad, pool, whole, 150, 51);  // one byte past the end
    EXPECT_EQ(status, NDIS_STATUS_FAILURE);
    EXPECT_EQ(bad, nullptr);
    NdisCopyBuffer(&status, &bad, pool, whole, 0xFFFFFFF0u, 0x20);  // Offset + Length wraps in 32 bits
    EXPECT_EQ(status, NDIS_STATUS_FAILURE);
    EXPECT_EQ(buffer_pool_in_use(pool), 2u);  // failures allocate nothing
    NdisFreeBufferPool(pool);  // two outstanding: reported, kept
    bool listed = false;
    for (const PoolLeak& leak : leak_check()) listed |= leak.handle == pool && leak.outstanding == 2;
    EXPECT_TRUE(listed);
    NdisFreeBuffer(whole);
    NdisFreeBuffer(part);
    for (const PoolLeak& leak : leak_check()) EXPECT_NE(leak.handle, pool);
}

TEST(BufferPool, DoubleFreeIsReportedAndIgnored) {
    NDIS_HANDLE pool = make_pool(2);
    char data[4];
    PNDIS_BUFFER b = allocate(pool, data, sizeof data);
    NdisFreeBuffer(b);
    auto before = verifier::count(Rule::DoubleFree);
    NdisFreeBuffer(b);
    EXPECT_EQ(verifier::count(Rule::DoubleFree), before + 1);
    PNDIS_BUFFER x = allocate(pool, data, 1);
    PNDIS_BUFFER y = allocate(pool, data, 2);
    EXPECT_NE(x, y);  // the descriptor went back to the pool once only
    NdisFreeBuffer(x);
    NdisFreeBuffer(y);
    EXPECT_EQ(buffer_pool_in_use(pool), 0u);
    NdisFreeBufferPool(pool);
}

TEST(BufferPool, InvalidHandlesAndForeignBuffersAreReported) {
    auto handles = verifier::count(Rule::InvalidHandle);
    char data[4];
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    PNDIS_BUFFER b = reinterpret_cast<PNDIS_BUFFER>(data);
    NdisAllocateBuffer(&status, &b, nullptr, data, sizeof data);
    EXPECT_EQ(status, NDIS_STATUS_FAILURE);
    EXPECT_EQ(b, nullptr);

    NDIS_HANDLE packets = nullptr;
    NdisAllocatePacketPool(&status, &packets, 1, 0);
    ASSERT_EQ(status, NDIS_STATUS_SUCCESS);
    NdisAllocateBuffer(&status, &b, packets, data, sizeof data);  // a packet pool is not a buffer pool
    EXPECT_EQ(status, NDIS_STATUS_FAILURE);
    NdisFreePacketPool(packets);

    NDIS_HANDLE stale = make_pool(1);
    NdisFreeBufferPool(stale);
    NdisAllocateBuffer(&status, &b, stale, data, sizeof data);
    EXPECT_EQ(status, NDIS_STATUS_FAILURE);
    EXPECT_EQ(verifier::count(Rule::InvalidHandle), handles + 3);

    // An MDL the pools never handed out: its (zeroed) bytes before it carry no magic.
    struct {
        std::array<unsigned char, 16> before{};
        MDL mdl{};
    } foreign;
    NdisFreeBuffer(&foreign.mdl);
    EXPECT_EQ(verifier::count(Rule::InvalidHandle), handles + 4);
    auto nulls = verifier::count(Rule::NullParameter);
    NdisFreeBuffer(nullptr);
    EXPECT_EQ(verifier::count(Rule::NullParameter), nulls + 1);
}

TEST(BufferPool, ProcessorThreadsUseTheirCache) {
    NDIS_HANDLE pool = make_pool(512);
    char data[16];
    ntos::tls_processor_index = 1;
    PNDIS_BUFFER first = allocate(pool, data, 16);
    NdisFreeBuffer(first);
    PNDIS_BUFFER again = allocate(pool, data, 8);
    EXPECT_EQ(again, first);
    EXPECT_EQ(MmGetMdlByteCount(again), 8u);  // reinitialised for the new range
    EXPECT_EQ(buffer_pool_in_use(pool), 1u);
    ntos::tls_processor_index = ntos::kNoProcessor;
    NdisFreeBuffer(again);  // freed by another thread: still exact
    EXPECT_EQ(buffer_pool_in_use(pool), 0u);
    NdisFreeBufferPool(pool);
}

TEST(BufferPool, DescriptorsSitOnTheirOwnCacheLines) {
    NDIS_HANDLE pool = make_pool(2);
    char data[1];
    PNDIS_BUFFER a = allocate(pool, data, 1);
    PNDIS_BUFFER b = allocate(pool, data, 1);
    auto ha = reinterpret_cast<std::uintptr_t>(header_of(a));
    auto hb = reinterpret_cast<std::uintptr_t>(header_of(b));
    EXPECT_EQ(ha % 64, 0u);
    EXPECT_EQ(hb % 64, 0u);
    EXPECT_NE(ha, hb);
    NdisFreeBuffer(a);
    NdisFreeBuffer(b);
    NdisFreeBufferPool(pool);
}

}  // namespace
}  // namespace strata::ndis
