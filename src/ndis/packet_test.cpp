// packet_test.cpp — unit tests for buffer chaining, packet and buffer queries and packet-to-packet
// copies (seed 003 §2.5), with Windows' documented results as the expected values.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <vector>

#include "ndis/buffer_pool.h"
#include "ndis/packet_pool.h"

namespace strata::ndis {
namespace {

// One packet pool, one buffer pool and the packets/buffers a test takes from them, all given
// back at the end of the test.
class Pools {
public:
    Pools() {
        NDIS_STATUS status;
        NdisAllocatePacketPool(&status, &packets_, 8, 16);
        EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
        NdisAllocateBufferPool(&status, &buffers_, 64);
        EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
    }
    ~Pools() {
        for (PNDIS_PACKET p : taken_packets_) {
            PNDIS_BUFFER b;
            for (NdisUnchainBufferAtFront(p, &b); b != nullptr; NdisUnchainBufferAtFront(p, &b)) NdisFreeBuffer(b);
            NdisFreePacket(p);
        }
        for (PNDIS_BUFFER b : loose_buffers_) NdisFreeBuffer(b);
        EXPECT_EQ(NdisPacketPoolUsage(packets_), 0u);
        EXPECT_EQ(buffer_pool_in_use(buffers_), 0u);
        NdisFreePacketPool(packets_);
        NdisFreeBufferPool(buffers_);
    }
    Pools(const Pools&) = delete;
    Pools& operator=(const Pools&) = delete;

    PNDIS_PACKET packet() {
        NDIS_STATUS status;
        PNDIS_PACKET p;
        NdisAllocatePacket(&status, &p, packets_);
        EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
        taken_packets_.push_back(p);
        return p;
    }
    // A buffer that the test will chain to one of packet()'s packets (freed with it).
    PNDIS_BUFFER buffer(void* va, UINT length) {
        NDIS_STATUS status;
        PNDIS_BUFFER b;
        NdisAllocateBuffer(&status, &b, buffers_, va, length);
        EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
        return b;
    }
    // A buffer that stays off every packet (freed by the destructor).
    PNDIS_BUFFER loose_buffer(void* va, UINT length) {
        PNDIS_BUFFER b = buffer(va, length);
        loose_buffers_.push_back(b);
        return b;
    }
    // A packet whose data is `memory`, split into buffers of the given lengths.
    PNDIS_PACKET split(unsigned char* memory, std::initializer_list<UINT> lengths) {
        PNDIS_PACKET p = packet();
        for (UINT length : lengths) {
            NdisChainBufferAtBack(p, buffer(memory, length));
            memory += length;
        }
        return p;
    }

private:
    NDIS_HANDLE packets_ = nullptr;
    NDIS_HANDLE buffers_ = nullptr;
    std::vector<PNDIS_PACKET> taken_packets_;
    std::vector<PNDIS_BUFFER> loose_buffers_;
};

std::vector<PNDIS_BUFFER> chain_of(PNDIS_PACKET p) {
    std::vector<PNDIS_BUFFER> chain;
    for (PNDIS_BUFFER b = NDIS_PACKET_FIRST_NDIS_BUFFER(p); b != nullptr; NdisGetNextBuffer(b, &b)) chain.push_back(b);
    return chain;
}

TEST(PacketChain, ChainAndUnchainKeepOrder) {
    Pools pools;
    char data[4];
    PNDIS_PACKET p = pools.packet();
    PNDIS_BUFFER b1 = pools.buffer(data, 1), b2 = pools.buffer(data, 2), b3 = pools.buffer(data, 3);
    NdisChainBufferAtBack(p, b2);
    NdisChainBufferAtFront(p, b1);
    NdisChainBufferAtBack(p, b3);
    EXPECT_EQ(chain_of(p), (std::vector<PNDIS_BUFFER>{b1, b2, b3}));
    EXPECT_EQ(NDIS_PACKET_LAST_NDIS_BUFFER(p), b3);

    PNDIS_BUFFER out = nullptr;
    NdisUnchainBufferAtFront(p, &out);
    EXPECT_EQ(out, b1);
    EXPECT_EQ(out->Next, nullptr);
    NdisUnchainBufferAtBack(p, &out);
    EXPECT_EQ(out, b3);
    EXPECT_EQ(NDIS_PACKET_LAST_NDIS_BUFFER(p), b2);
    EXPECT_EQ(b2->Next, nullptr);
    NdisUnchainBufferAtBack(p, &out);
    EXPECT_EQ(out, b2);
    EXPECT_EQ(NDIS_PACKET_FIRST_NDIS_BUFFER(p), nullptr);
    EXPECT_EQ(NDIS_PACKET_LAST_NDIS_BUFFER(p), nullptr);

    NdisUnchainBufferAtFront(p, &out);
    EXPECT_EQ(out, nullptr);
    out = b1;
    NdisUnchainBufferAtBack(p, &out);
    EXPECT_EQ(out, nullptr);

    // The chain still works after being emptied.
    NdisChainBufferAtFront(p, b3);
    NdisChainBufferAtBack(p, b1);
    EXPECT_EQ(chain_of(p), (std::vector<PNDIS_BUFFER>{b3, b1}));
    NdisChainBufferAtFront(p, b2);
    EXPECT_EQ(chain_of(p), (std::vector<PNDIS_BUFFER>{b2, b3, b1}));
    EXPECT_EQ(NDIS_PACKET_LAST_NDIS_BUFFER(p), b1);
}

TEST(PacketChain, ChainingAcceptsABufferChainAsAWhole) {
    Pools pools;
    char data[4];
    PNDIS_PACKET p = pools.packet();
    PNDIS_BUFFER a = pools.buffer(data, 1), b = pools.buffer(data, 1), c = pools.buffer(data, 1),
                 d = pools.buffer(data, 1);
    a->Next = b;
    NdisChainBufferAtBack(p, a);
    EXPECT_EQ(NDIS_PACKET_LAST_NDIS_BUFFER(p), b);
    c->Next = d;
    NdisChainBufferAtFront(p, c);
    EXPECT_EQ(chain_of(p), (std::vector<PNDIS_BUFFER>{c, d, a, b}));
    EXPECT_EQ(NDIS_PACKET_LAST_NDIS_BUFFER(p), b);
}

TEST(PacketChain, QueryPacketCountsPagesAcrossMultiPageBuffers) {
    Pools pools;
    alignas(4096) static std::array<unsigned char, 6 * 4096> memory{};
    unsigned char* base = memory.data();
    PNDIS_BUFFER three_pages_offset = pools.buffer(base + 100, 3 * 4096);  // spans 4 pages
    PNDIS_BUFFER one_page = pools.buffer(base + 4 * 4096, 4096);             // exactly 1
    PNDIS_BUFFER straddle = pools.buffer(base + 4000, 200);                  // crosses 1 boundary: 2
    PNDIS_BUFFER empty = pools.buffer(base, 0);                              // Windows counts 1
    EXPECT_EQ(NDIS_BUFFER_TO_SPAN_PAGES(three_pages_offset), 4u);
    EXPECT_EQ(NDIS_BUFFER_TO_SPAN_PAGES(one_page), 1u);
    EXPECT_EQ(NDIS_BUFFER_TO_SPAN_PAGES(straddle), 2u);
    EXPECT_EQ(NDIS_BUFFER_TO_SPAN_PAGES(empty), 1u);
    UINT array_size = 0;
    NdisGetBufferPhysicalArraySize(three_pages_offset, &array_size);
    EXPECT_EQ(array_size, 4u);

    PNDIS_PACKET p = pools.packet();
    for (PNDIS_BUFFER b : {three_pages_offset, one_page, straddle, empty}) NdisChainBufferAtBack(p, b);
    EXPECT_FALSE(NDIS_PACKET_VALID_COUNTS(p));
    UINT physical = 0, count = 0, total = 0;
    PNDIS_BUFFER first = nullptr;
    NdisQueryPacket(p, &physical, &count, &first, &total);
    EXPECT_EQ(physical, 8u);
    EXPECT_EQ(count, 4u);
    EXPECT_EQ(first, three_pages_offset);
    EXPECT_EQ(total, 3u * 4096 + 4096 + 200);
    EXPECT_TRUE(NDIS_PACKET_VALID_COUNTS(p));
    EXPECT_EQ(p->Private.TotalLength, total);  // cached in the packet, as on Windows

    UINT length = 0;
    NdisQueryPacketLength(p, &length);
    EXPECT_EQ(length, total);
    PNDIS_BUFFER removed;
    NdisUnchainBufferAtBack(p, &removed);  // chain changes invalidate the cache
    EXPECT_FALSE(NDIS_PACKET_VALID_COUNTS(p));
    NdisQueryPacket(p, nullptr, &count, nullptr, nullptr);
    EXPECT_EQ(count, 3u);
    NdisFreeBuffer(removed);
}

TEST(PacketChain, QueryPacketOnAnEmptyPacket) {
    Pools pools;
    PNDIS_PACKET p = pools.packet();
    UINT physical = 9, count = 9, total = 9;
    PNDIS_BUFFER first = reinterpret_cast<PNDIS_BUFFER>(p);
    NdisQueryPacket(p, &physical, &count, &first, &total);
    EXPECT_EQ(physical, 0u);
    EXPECT_EQ(count, 0u);
    EXPECT_EQ(first, nullptr);
    EXPECT_EQ(total, 0u);
    NdisQueryPacket(p, nullptr, nullptr, nullptr, nullptr);
}

TEST(PacketChain, FirstBufferFromPacketReportsTheWholePacketLength) {
    Pools pools;
    std::array<unsigned char, 64> memory{};
    PNDIS_PACKET p = pools.split(memory.data(), {10, 20, 30});
    PNDIS_BUFFER first = nullptr;
    PVOID va = nullptr;
    UINT first_length = 0, total = 0;
    NdisGetFirstBufferFromPacket(p, &first, &va, &first_length, &total);
    EXPECT_EQ(first, NDIS_PACKET_FIRST_NDIS_BUFFER(p));
    EXPECT_EQ(va, memory.data());
    EXPECT_EQ(first_length, 10u);
    EXPECT_EQ(total, 60u);

    // The total is walked, so a length adjusted after NdisQueryPacket is seen.
    NdisQueryPacketLength(p, &total);
    NdisAdjustBufferLength(NDIS_PACKET_LAST_NDIS_BUFFER(p), 5);
    NdisGetFirstBufferFromPacketSafe(p, &first, &va, &first_length, &total, NormalPagePriority);
    EXPECT_EQ(total, 35u);

    PNDIS_PACKET empty = pools.packet();
    NdisGetFirstBufferFromPacket(empty, &first, &va, &first_length, &total);
    EXPECT_EQ(first, nullptr);
    EXPECT_EQ(va, nullptr);
    EXPECT_EQ(first_length, 0u);
    EXPECT_EQ(total, 0u);
}

TEST(PacketChain, BufferQueriesReadTheMdl) {
    Pools pools;
    alignas(4096) static std::array<unsigned char, 2 * 4096> memory{};
    unsigned char* va = memory.data() + 4096 - 8;
    PNDIS_BUFFER b = pools.loose_buffer(va, 100);

    PVOID got_va = nullptr;
    UINT length = 0;
    NdisQueryBuffer(b, &got_va, &length);
    EXPECT_EQ(got_va, va);
    EXPECT_EQ(length, 100u);
    length = 0;
    NdisQueryBuffer(b, nullptr, &length);  // VirtualAddress is optional
    EXPECT_EQ(length, 100u);
    got_va = nullptr;
    NdisQueryBufferSafe(b, &got_va, &length, LowPagePriority);
    EXPECT_EQ(got_va, va);

    UINT offset = 0;
    NdisQueryBufferOffset(b, &offset, &length);
    EXPECT_EQ(offset, 4096u - 8);
    EXPECT_EQ(length, 100u);
    EXPECT_EQ(NdisBufferLength(b), 100u);
    EXPECT_EQ(NdisBufferVirtualAddress(b), va);
    EXPECT_EQ(NdisBufferVirtualAddressSafe(b, HighPagePriority), va);
    EXPECT_EQ(NDIS_BUFFER_TO_SPAN_PAGES(b), 2u);

    NdisAdjustBufferLength(b, 8);  // now ends exactly at the page boundary
    EXPECT_EQ(NdisBufferLength(b), 8u);
    EXPECT_EQ(NDIS_BUFFER_TO_SPAN_PAGES(b), 1u);
}

// The packet's bytes, read through its chain.
std::vector<unsigned char> bytes_of(PNDIS_PACKET p) {
    std::vector<unsigned char> out;
    for (PNDIS_BUFFER b : chain_of(p)) {
        auto* va = static_cast<unsigned char*>(NdisBufferVirtualAddress(b));
        out.insert(out.end(), va, va + NdisBufferLength(b));
    }
    return out;
}

TEST(PacketChain, CopyFromPacketToPacketCrossesUnevenBufferSplits) {
    Pools pools;
    std::array<unsigned char, 31> source{};
    for (std::size_t i = 0; i < source.size(); ++i) source[i] = static_cast<unsigned char>(0x80 + i);
    std::array<unsigned char, 31> destination{};
    PNDIS_PACKET src = pools.split(source.data(), {3, 7, 0, 1, 20});
    PNDIS_PACKET dst = pools.split(destination.data(), {5, 5, 5, 16});

    UINT copied = 0;
    NdisCopyFromPacketToPacket(dst, 4, 25, src, 2, &copied);
    EXPECT_EQ(copied, 25u);
    std::vector<unsigned char> got = bytes_of(dst);
    for (std::size_t i = 0; i < got.size(); ++i) {
        unsigned char expected = (i >= 4 && i < 29) ? source[i - 4 + 2] : 0;
        EXPECT_EQ(got[i], expected) << "destination byte " << i;
    }

    std::array<unsigned char, 31> again{};
    PNDIS_PACKET dst2 = pools.split(again.data(), {31});
    NdisCopyFromPacketToPacketSafe(dst2, 0, 31, src, 0, &copied, NormalPagePriority);
    EXPECT_EQ(copied, 31u);
    EXPECT_EQ(again, source);
}

TEST(PacketChain, CopyFromPacketToPacketStopsAtEitherPacketsEnd) {
    Pools pools;
    std::array<unsigned char, 31> source{};
    source.fill(0xEE);
    std::array<unsigned char, 12> small{};
    PNDIS_PACKET src = pools.split(source.data(), {10, 21});
    PNDIS_PACKET dst = pools.split(small.data(), {4, 8});
    PNDIS_PACKET empty = pools.packet();  // no buffers at all

    UINT copied = 99;
    NdisCopyFromPacketToPacket(dst, 0, 100, src, 25, &copied);  // the source runs out after 6
    EXPECT_EQ(copied, 6u);
    NdisCopyFromPacketToPacket(dst, 3, 100, src, 0, &copied);  // the destination runs out after 9
    EXPECT_EQ(copied, 9u);
    NdisCopyFromPacketToPacket(dst, 12, 5, src, 0, &copied);  // destination offset at its end
    EXPECT_EQ(copied, 0u);
    NdisCopyFromPacketToPacket(dst, 0, 5, src, 40, &copied);  // source offset past its end
    EXPECT_EQ(copied, 0u);
    NdisCopyFromPacketToPacket(empty, 0, 5, src, 0, &copied);
    EXPECT_EQ(copied, 0u);
    NdisCopyFromPacketToPacket(dst, 0, 0, src, 0, &copied);
    EXPECT_EQ(copied, 0u);
}

TEST(PacketChain, PartialCancelIdsAreDistinctAndNeverZero) {
    std::set<UCHAR> seen;
    for (int i = 0; i < 255; ++i) {
        UCHAR id = NdisGeneratePartialCancelId();
        EXPECT_NE(id, 0);
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 255u);  // a full cycle before any value repeats
}

}  // namespace
}  // namespace strata::ndis
