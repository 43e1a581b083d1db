// packet_pool_test.cpp — unit tests for NDIS packet pools (seed 003 §2.5, §2.5.1): allocation
// and exhaustion, descriptor layout and every OOB/per-packet macro, per-processor caches,
// concurrency, and the verifier reports for misuse.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "ntos/processor.h"
#include "verifier/verifier.h"

#include "ndis/buffer_pool.h"
#include "ndis/packet_pool.h"

namespace strata::ndis {
namespace {

using verifier::Rule;

// Makes the calling thread look like processor `index` to the pools, as the host's processor
// threads do, for the lifetime of the object.
class AsProcessor {
public:
    explicit AsProcessor(unsigned index) noexcept { ntos::tls_processor_index = index; }
    ~AsProcessor() { ntos::tls_processor_index = ntos::kNoProcessor; }
    AsProcessor(const AsProcessor&) = delete;
    AsProcessor& operator=(const AsProcessor&) = delete;
};

NDIS_HANDLE make_pool(UINT descriptors, UINT protocol_reserved = 16, UINT overflow = 0) {
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    NDIS_HANDLE pool = nullptr;
    NdisAllocatePacketPoolEx(&status, &pool, descriptors, overflow, protocol_reserved);
    EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
    EXPECT_NE(pool, nullptr);
    return pool;
}

PNDIS_PACKET allocate(NDIS_HANDLE pool) {
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    PNDIS_PACKET packet = nullptr;
    NdisAllocatePacket(&status, &packet, pool);
    EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
    EXPECT_NE(packet, nullptr);
    return packet;
}

bool all_zero(const void* p, std::size_t n) {
    const auto* bytes = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) {
        if (bytes[i] != 0) return false;
    }
    return true;
}

TEST(PacketPool, AllocatesUntilExhaustedThenReturnsResources) {
    NDIS_HANDLE pool = make_pool(8);
    std::vector<PNDIS_PACKET> packets;
    for (int i = 0; i < 8; ++i) packets.push_back(allocate(pool));

    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    PNDIS_PACKET extra = reinterpret_cast<PNDIS_PACKET>(&status);  // must be overwritten with NULL
    NdisAllocatePacket(&status, &extra, pool);
    EXPECT_EQ(status, NDIS_STATUS_RESOURCES);
    EXPECT_EQ(extra, nullptr);

    NdisFreePacket(packets.back());
    packets.pop_back();
    packets.push_back(allocate(pool));  // a freed descriptor is available again
    for (PNDIS_PACKET p : packets) NdisFreePacket(p);
    NdisFreePacketPool(pool);
}

TEST(PacketPool, UsageCountsAllocatedDescriptors) {
    NDIS_HANDLE pool = make_pool(16);
    EXPECT_EQ(NdisPacketPoolUsage(pool), 0u);
    PNDIS_PACKET a = allocate(pool);
    PNDIS_PACKET b = allocate(pool);
    EXPECT_EQ(NdisPacketPoolUsage(pool), 2u);
    EXPECT_EQ(packet_pool_in_use(pool), 2u);
    EXPECT_EQ(packet_pool_capacity(pool), 16u);
    NdisFreePacket(a);
    EXPECT_EQ(NdisPacketPoolUsage(pool), 1u);
    NdisDprFreePacket(b);
    EXPECT_EQ(NdisPacketPoolUsage(pool), 0u);
    NdisFreePacketPool(pool);
}

TEST(PacketPool, OverflowDescriptorsAddToCapacity) {
    NDIS_HANDLE pool = make_pool(4, 0, 3);
    EXPECT_EQ(packet_pool_capacity(pool), 7u);
    std::vector<PNDIS_PACKET> packets;
    for (int i = 0; i < 7; ++i) packets.push_back(allocate(pool));
    NDIS_STATUS status;
    PNDIS_PACKET extra;
    NdisDprAllocatePacket(&status, &extra, pool);
    EXPECT_EQ(status, NDIS_STATUS_RESOURCES);
    for (PNDIS_PACKET p : packets) NdisFreePacket(p);
    NdisFreePacketPool(pool);
}

TEST(PacketPool, DescriptorLimitIsDocumented0xFFFF) {
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    NDIS_HANDLE pool = reinterpret_cast<NDIS_HANDLE>(1);
    NdisAllocatePacketPool(&status, &pool, 0x10000, 0);
    EXPECT_EQ(status, NDIS_STATUS_RESOURCES);
    EXPECT_EQ(pool, nullptr);

    // The overflow is trimmed so that the total is 0xFFFF.
    pool = make_pool(0xFFF0, 0, 0x100);
    EXPECT_EQ(packet_pool_capacity(pool), 0xFFFFu);
    NdisFreePacketPool(pool);
}

TEST(PacketPool, ProtocolReservedIsSizedAndOobFollowsIt8Aligned) {
    NDIS_HANDLE pool = make_pool(4, 13);
    PNDIS_PACKET a = allocate(pool);
    PNDIS_PACKET b = allocate(pool);
    const std::size_t oob = offsetof(NDIS_PACKET, ProtocolReserved) + 16;  // 13 rounded up to 8
    EXPECT_EQ(a->Private.NdisPacketOobOffset, oob);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(NDIS_OOB_DATA_FROM_PACKET(a)) % 8, 0u);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a) % 64, 0u);
    EXPECT_EQ(NdisPacketSize(13), oob + sizeof(NDIS_PACKET_OOB_DATA) + sizeof(NDIS_PACKET_EXTENSION));
    EXPECT_EQ(NdisPacketSize(0), offsetof(NDIS_PACKET, ProtocolReserved) + sizeof(NDIS_PACKET_OOB_DATA) +
                                     sizeof(NDIS_PACKET_EXTENSION));

    // All 13 bytes are usable and do not reach the OOB block or the neighbouring packet.
    for (int i = 0; i < 13; ++i) a->ProtocolReserved[i] = 0xA5;
    EXPECT_EQ(NDIS_GET_PACKET_STATUS(a), NDIS_STATUS_SUCCESS);
    auto distance = reinterpret_cast<std::intptr_t>(b) - reinterpret_cast<std::intptr_t>(a);
    EXPECT_GE(static_cast<std::size_t>(distance < 0 ? -distance : distance), NdisPacketSize(13));
    NdisFreePacket(a);
    NdisFreePacket(b);
    NdisFreePacketPool(pool);
}

TEST(PacketPool, AllocateReturnsAZeroedDescriptorOwnedByThePool) {
    NDIS_HANDLE pool = make_pool(1, 24);
    PNDIS_PACKET p = allocate(pool);
    std::memset(p->MiniportReservedEx, 0x11, sizeof p->MiniportReservedEx);
    std::memset(p->ProtocolReserved, 0x22, 24);
    NDIS_SET_PACKET_STATUS(p, NDIS_STATUS_RESOURCES);
    NDIS_SET_ORIGINAL_PACKET(p, p);
    p->Private.ValidCounts = TRUE;
    NdisFreePacket(p);

    PNDIS_PACKET q = allocate(pool);  // the only descriptor: the same one, reinitialised
    ASSERT_EQ(q, p);
    EXPECT_EQ(q->Private.Head, nullptr);
    EXPECT_EQ(q->Private.Tail, nullptr);
    EXPECT_FALSE(q->Private.ValidCounts);
    EXPECT_EQ(q->Private.NdisPacketFlags, fPACKET_ALLOCATED_BY_NDIS);
    EXPECT_EQ(NdisGetPoolFromPacket(q), pool);
    EXPECT_TRUE(all_zero(q->MacReserved, sizeof q->MacReserved));
    EXPECT_TRUE(all_zero(q->ProtocolReserved, 24));
    EXPECT_TRUE(all_zero(NDIS_OOB_DATA_FROM_PACKET(q), sizeof(NDIS_PACKET_OOB_DATA)));
    EXPECT_TRUE(all_zero(NDIS_PACKET_EXTENSION_FROM_PACKET(q), sizeof(NDIS_PACKET_EXTENSION)));
    NdisFreePacket(q);
    NdisFreePacketPool(pool);
}

TEST(PacketPool, OobAndPerPacketMacrosRoundTrip) {
    NDIS_HANDLE pool = make_pool(2, 8);
    PNDIS_PACKET p = allocate(pool);
    PNDIS_PACKET other = allocate(pool);

    NDIS_SET_PACKET_STATUS(p, NDIS_STATUS_RESOURCES);
    EXPECT_EQ(NDIS_GET_PACKET_STATUS(p), NDIS_STATUS_RESOURCES);
    NDIS_SET_PACKET_HEADER_SIZE(p, 14);
    EXPECT_EQ(NDIS_GET_PACKET_HEADER_SIZE(p), 14u);
    NDIS_SET_PACKET_TIME_TO_SEND(p, 1234);
    EXPECT_EQ(NDIS_GET_PACKET_TIME_TO_SEND(p), 1234u);
    NDIS_SET_PACKET_TIME_SENT(p, 5678);  // shares storage with TimeToSend, as on Windows
    EXPECT_EQ(NDIS_GET_PACKET_TIME_SENT(p), 5678u);
    EXPECT_EQ(NDIS_GET_PACKET_TIME_TO_SEND(p), 5678u);
    NDIS_SET_PACKET_TIME_RECEIVED(p, 91011);
    EXPECT_EQ(NDIS_GET_PACKET_TIME_RECEIVED(p), 91011u);

    PVOID info = nullptr;
    UINT info_size = 99;
    NDIS_GET_PACKET_MEDIA_SPECIFIC_INFO(p, &info, &info_size);
    EXPECT_EQ(info, nullptr);
    EXPECT_EQ(info_size, 0u);
    char media[6] = "media";
    NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(p, media, sizeof media);
    EXPECT_TRUE(p->Private.NdisPacketFlags & fPACKET_CONTAINS_MEDIA_SPECIFIC_INFO);
    NDIS_GET_PACKET_MEDIA_SPECIFIC_INFO(p, &info, &info_size);
    EXPECT_EQ(info, media);
    EXPECT_EQ(info_size, sizeof media);

    NDIS_SET_ORIGINAL_PACKET(p, other);
    EXPECT_EQ(NDIS_GET_ORIGINAL_PACKET(p), other);
    EXPECT_EQ(NDIS_PER_PACKET_INFO_FROM_PACKET(p, OriginalPacketInfo), other);
    NDIS_SET_PACKET_CANCEL_ID(p, reinterpret_cast<PVOID>(0x4200));
    EXPECT_EQ(NDIS_GET_PACKET_CANCEL_ID(p), reinterpret_cast<PVOID>(0x4200));
    NDIS_PER_PACKET_INFO_FROM_PACKET(p, TcpIpChecksumPacketInfo) = reinterpret_cast<PVOID>(7);
    EXPECT_EQ(NDIS_PACKET_EXTENSION_FROM_PACKET(p)->NdisPacketInfo[TcpIpChecksumPacketInfo],
              reinterpret_cast<PVOID>(7));

    // Nothing written to p leaked into its neighbour.
    EXPECT_TRUE(all_zero(NDIS_OOB_DATA_FROM_PACKET(other), sizeof(NDIS_PACKET_OOB_DATA)));
    EXPECT_TRUE(all_zero(NDIS_PACKET_EXTENSION_FROM_PACKET(other), sizeof(NDIS_PACKET_EXTENSION)));
    NdisFreePacket(p);
    NdisFreePacket(other);
    NdisFreePacketPool(pool);
}

TEST(PacketPool, PacketFlagsMacrosAreLvalues) {
    NDIS_HANDLE pool = make_pool(1);
    PNDIS_PACKET p = allocate(pool);
    NdisGetPacketFlags(p) = NDIS_FLAGS_DONT_LOOPBACK;
    EXPECT_EQ(p->Private.Flags, static_cast<ULONG>(NDIS_FLAGS_DONT_LOOPBACK));
    NdisGetPacketFlags(p) |= NDIS_FLAGS_MULTICAST_PACKET;
    NdisSetPacketFlags(p, NDIS_FLAGS_PADDED);
    NdisClearPacketFlags(p, NDIS_FLAGS_DONT_LOOPBACK);
    EXPECT_EQ(NdisGetPacketFlags(p), static_cast<ULONG>(NDIS_FLAGS_MULTICAST_PACKET | NDIS_FLAGS_PADDED));
    NdisSetSendFlags(p, NDIS_FLAGS_LOOPBACK_ONLY);
    ULONG flags = 0;
    NdisQuerySendFlags(p, &flags);
    EXPECT_EQ(flags, static_cast<ULONG>(NDIS_FLAGS_LOOPBACK_ONLY));
    NdisFreePacket(p);
    NdisFreePacketPool(pool);
}

TEST(PacketPool, ProtocolIdIsStampedIntoNewPackets) {
    NDIS_HANDLE pool = make_pool(2);
    NdisSetPacketPoolProtocolId(pool, NDIS_PROTOCOL_ID_TCP_IP);
    PNDIS_PACKET p = allocate(pool);
    EXPECT_EQ(NdisGetPacketFlags(p) & NDIS_PROTOCOL_ID_MASK, static_cast<ULONG>(NDIS_PROTOCOL_ID_TCP_IP));
    NdisGetPacketFlags(p) = 0;
    NdisFreePacket(p);
    p = allocate(pool);
    EXPECT_EQ(NdisGetPacketFlags(p), static_cast<ULONG>(NDIS_PROTOCOL_ID_TCP_IP));  // restamped on reuse
    NdisFreePacket(p);
    NdisFreePacketPool(pool);
}

TEST(PacketPool, HeaderTracksThePacketForTheDataPath) {
    NDIS_HANDLE pool = make_pool(2);
    PNDIS_PACKET p = allocate(pool);
    PacketHeader* h = header_of(p);
    EXPECT_EQ(packet_of(h), p);
    EXPECT_TRUE(is_pool_packet(p));
    EXPECT_EQ(h->path_state, PacketPath::Allocator);
    EXPECT_EQ(h->holder, nullptr);
    EXPECT_EQ(h->receive_refs.load(), 0);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(h) % 64, 0u);
    h->holder = &pool;
    h->path_state = PacketPath::Sending;
    h->receive_refs.store(3);
    NdisFreePacket(p);
    EXPECT_EQ(h->path_state, PacketPath::Free);
    PNDIS_PACKET q = allocate(pool);
    PacketHeader* hq = header_of(q);
    EXPECT_EQ(hq->holder, nullptr);
    EXPECT_EQ(hq->receive_refs.load(), 0);
    EXPECT_EQ(hq->path_state, PacketPath::Allocator);
    NdisFreePacket(q);
    NdisFreePacketPool(pool);
}

TEST(PacketPool, ProcessorThreadsServeFromTheirOwnCache) {
    NDIS_HANDLE pool = make_pool(1024);
    PNDIS_PACKET cached;
    {
        AsProcessor cpu(0);
        cached = allocate(pool);
        NdisFreePacket(cached);  // parked in processor 0's cache, not on the shared list
        EXPECT_EQ(NdisPacketPoolUsage(pool), 0u);
    }
    PNDIS_PACKET shared = allocate(pool);  // a non-processor thread uses the shared list
    EXPECT_NE(shared, cached);
    {
        AsProcessor cpu(1);
        PNDIS_PACKET other = allocate(pool);
        EXPECT_NE(other, cached);
        EXPECT_EQ(NdisPacketPoolUsage(pool), 2u);
        NdisFreePacket(other);
    }
    {
        AsProcessor cpu(0);
        PNDIS_PACKET again = allocate(pool);
        EXPECT_EQ(again, cached);  // LIFO cache: the warm descriptor comes back first
        {
            AsProcessor cpu3(3);  // allocated on 0, freed on 3: usage stays exact
            NdisFreePacket(again);
        }
    }
    NdisFreePacket(shared);
    EXPECT_EQ(NdisPacketPoolUsage(pool), 0u);
    EXPECT_EQ(packet_pool_in_use(pool), 0u);
    NdisFreePacketPool(pool);
}

TEST(PacketPool, ProcessorCacheFlushesAndRefillsInBursts) {
    NDIS_HANDLE pool = make_pool(1024);
    {
        AsProcessor cpu(2);
        // Far more than one cache holds: forces refills on the way up and flushes on the way down.
        std::vector<PNDIS_PACKET> packets;
        for (int i = 0; i < 1024; ++i) packets.push_back(allocate(pool));
        NDIS_STATUS status;
        PNDIS_PACKET none;
        NdisAllocatePacket(&status, &none, pool);
        EXPECT_EQ(status, NDIS_STATUS_RESOURCES);
        EXPECT_EQ(NdisPacketPoolUsage(pool), 1024u);
        for (PNDIS_PACKET p : packets) NdisFreePacket(p);
        EXPECT_EQ(NdisPacketPoolUsage(pool), 0u);
    }
    // Everything a non-processor thread can reach plus the cache still adds up to the pool.
    std::vector<PNDIS_PACKET> reachable;
    for (;;) {
        NDIS_STATUS status;
        PNDIS_PACKET p;
        NdisAllocatePacket(&status, &p, pool);
        if (status != NDIS_STATUS_SUCCESS) break;
        reachable.push_back(p);
    }
    EXPECT_GE(reachable.size(), 1024u - DescriptorCache::kMaxCached);
    for (PNDIS_PACKET p : reachable) NdisFreePacket(p);
    EXPECT_EQ(NdisPacketPoolUsage(pool), 0u);
    NdisFreePacketPool(pool);
}

TEST(PacketPool, ConcurrentAllocFreeFromFourThreadsLeavesUsageZero) {
    NDIS_HANDLE pool = make_pool(512, 8);
    std::vector<std::thread> threads;
    std::vector<int> failures(4, 0);
    for (unsigned t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            // Three processor threads and one ordinary thread, as in the host.
            if (t < 3) ntos::tls_processor_index = t;
            std::vector<PNDIS_PACKET> held;
            for (int round = 0; round < 2000; ++round) {
                for (int i = 0; i < 1 + round % 16; ++i) {
                    NDIS_STATUS status;
                    PNDIS_PACKET p;
                    NdisAllocatePacket(&status, &p, pool);
                    if (status != NDIS_STATUS_SUCCESS) continue;
                    p->ProtocolReserved[0] = static_cast<UCHAR>(t);
                    held.push_back(p);
                }
                for (PNDIS_PACKET p : held) {
                    if (p->ProtocolReserved[0] != t || header_of(p)->path_state != PacketPath::Allocator) ++failures[t];
                    NdisFreePacket(p);
                }
                held.clear();
            }
            ntos::tls_processor_index = ntos::kNoProcessor;
        });
    }
    for (auto& th : threads) th.join();
    for (int f : failures) EXPECT_EQ(f, 0);
    EXPECT_EQ(NdisPacketPoolUsage(pool), 0u);
    NdisFreePacketPool(pool);
}

TEST(PacketPool, DoubleFreeIsReportedAndIgnored) {
    NDIS_HANDLE pool = make_pool(2);
    PNDIS_PACKET p = allocate(pool);
    NdisFreePacket(p);
    auto before = verifier::count(Rule::DoubleFree);
    NdisFreePacket(p);
    EXPECT_EQ(verifier::count(Rule::DoubleFree), before + 1);
    EXPECT_EQ(NdisPacketPoolUsage(pool), 0u);
    // The descriptor went back once only: two allocations give two different packets.
    PNDIS_PACKET a = allocate(pool);
    PNDIS_PACKET b = allocate(pool);
    EXPECT_NE(a, b);
    NdisFreePacket(a);
    NdisFreePacket(b);
    NdisFreePacketPool(pool);
}

TEST(PacketPool, InvalidHandlesAreReportedNotFollowed) {
    auto before = verifier::count(Rule::InvalidHandle);
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    PNDIS_PACKET p = reinterpret_cast<PNDIS_PACKET>(&status);
    NdisAllocatePacket(&status, &p, nullptr);
    EXPECT_EQ(status, NDIS_STATUS_FAILURE);
    EXPECT_EQ(p, nullptr);

    NDIS_HANDLE buffers = nullptr;
    NdisAllocateBufferPool(&status, &buffers, 1);
    ASSERT_EQ(status, NDIS_STATUS_SUCCESS);
    NdisAllocatePacket(&status, &p, buffers);  // a buffer pool is not a packet pool
    EXPECT_EQ(status, NDIS_STATUS_FAILURE);
    NdisFreeBufferPool(buffers);

    NDIS_HANDLE stale = make_pool(1);
    NdisFreePacketPool(stale);
    NdisAllocatePacket(&status, &p, stale);  // freed: the control block says so
    EXPECT_EQ(status, NDIS_STATUS_FAILURE);
    EXPECT_EQ(NdisPacketPoolUsage(stale), 0u);
    NdisFreePacketPool(stale);
    EXPECT_EQ(verifier::count(Rule::InvalidHandle), before + 5);
}

TEST(PacketPool, FreeingAPoolWithPacketsOutstandingReportsALeakAndKeepsMemory) {
    NDIS_HANDLE pool = make_pool(4);
    PNDIS_PACKET late = allocate(pool);
    auto before = verifier::count(Rule::PoolLeak);
    NdisFreePacketPool(pool);
    EXPECT_EQ(verifier::count(Rule::PoolLeak), before + 1);

    bool listed = false;
    for (const PoolLeak& leak : leak_check()) {
        if (leak.handle != pool) continue;
        listed = true;
        EXPECT_EQ(leak.kind, PoolKind::Packet);
        EXPECT_EQ(leak.outstanding, 1u);
        EXPECT_EQ(leak.capacity, 4u);
        EXPECT_TRUE(leak.pool_freed);
    }
    EXPECT_TRUE(listed);

    late->ProtocolReserved[0] = 1;  // still valid memory
    NdisFreePacket(late);           // a late free is safe and clears the leak
    for (const PoolLeak& leak : leak_check()) EXPECT_NE(leak.handle, pool);
}

TEST(PacketPool, LeakCheckListsLivePoolsWithOutstandingPackets) {
    NDIS_HANDLE pool = make_pool(4);
    PNDIS_PACKET p = allocate(pool);
    bool listed = false;
    for (const PoolLeak& leak : leak_check()) {
        if (leak.handle == pool) listed = !leak.pool_freed && leak.outstanding == 1;
    }
    EXPECT_TRUE(listed);
    NdisFreePacket(p);
    for (const PoolLeak& leak : leak_check()) EXPECT_NE(leak.handle, pool);
    NdisFreePacketPool(pool);
}

TEST(PacketPool, ReinitializeWithBuffersChainedIsReported) {
    NDIS_HANDLE pool = make_pool(1);
    PNDIS_PACKET p = allocate(pool);
    MDL mdl{};
    p->Private.Head = p->Private.Tail = &mdl;
    p->Private.ValidCounts = TRUE;
    p->ProtocolReserved[0] = 0x5A;
    auto before = verifier::count(Rule::ReinitializeWithBuffers);
    NdisReinitializePacket(p);
    EXPECT_EQ(verifier::count(Rule::ReinitializeWithBuffers), before + 1);
    EXPECT_EQ(p->Private.Head, nullptr);
    EXPECT_EQ(p->Private.Tail, nullptr);
    EXPECT_FALSE(p->Private.ValidCounts);
    EXPECT_EQ(p->ProtocolReserved[0], 0x5A);  // the reserved areas are the driver's to reset

    NdisReinitializePacket(p);  // an empty chain is the documented way: no report
    EXPECT_EQ(verifier::count(Rule::ReinitializeWithBuffers), before + 1);
    NdisFreePacket(p);
    NdisFreePacketPool(pool);
}

TEST(PacketPool, ControlBlocksAreReusedAfterRetirement) {
    // Type-stable control blocks: freed pools' blocks are reused, never returned to the heap, so
    // pool churn (bind/unbind) does not grow memory and stale handles stay readable.
    std::set<NDIS_HANDLE> handles;
    for (int i = 0; i < 100; ++i) {
        NDIS_HANDLE pool = make_pool(1);
        handles.insert(pool);
        NdisFreePacketPool(pool);
    }
    EXPECT_LT(handles.size(), 10u);
}

}  // namespace
}  // namespace strata::ndis
