// buffer_pool.h — NDIS buffer pools (seed 003 §2.5): NDIS_BUFFER descriptors (MDLs) preallocated
// at NdisAllocateBufferPool, each behind a small private BufferHeader, handed out through the
// same per-processor DescriptorCache as packets.
//
// Slot layout (64 bytes, one cache line, so buffers used on different processors never share
// a line): [BufferHeader, 16 bytes][MDL, 48 bytes]. Our MDLs carry no PFN array: user space has
// no physical pages to list, and MDL.Size says so (sizeof(MDL)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ndis/packet_pool.h"  // includes <ndis.h> after the C++ headers it needs

namespace strata::ndis {

class BufferPool;  // buffer_pool.cpp; an NDIS buffer pool handle points at one

enum class BufferState : std::uint8_t { Free, Allocated };

inline constexpr std::uint32_t kBufferHeaderMagic = 0x46554242u;  // "BBUF"

struct BufferHeader {
    std::uint32_t magic;  // kBufferHeaderMagic for the life of the pool
    BufferState state;    // Free while on a free list: how NdisFreeBuffer recognises a double free
    BufferPool* pool;     // owning pool
};
static_assert(sizeof(BufferHeader) == 16 && alignof(MDL) <= 16);

// O(1); valid only for buffers that came from NdisAllocateBuffer or NdisCopyBuffer.
inline BufferHeader* header_of(PNDIS_BUFFER buffer) noexcept {
    return reinterpret_cast<BufferHeader*>(reinterpret_cast<std::byte*>(buffer) - sizeof(BufferHeader));
}

// True for a buffer from one of our pools. Reads the 16 bytes before `buffer`, so it is safe only
// when those are readable (always so for our buffers); an MDL from IoAllocateMdl fails the test
// but the read itself is outside that allocation: for verifier checks, not general type tests.
inline bool is_pool_buffer(PNDIS_BUFFER buffer) noexcept {
    return buffer != nullptr && header_of(buffer)->magic == kBufferHeaderMagic;
}

// Internal API (any thread). Both return 0 for a handle that is not a live or leaked buffer pool.
std::size_t buffer_pool_in_use(NDIS_HANDLE pool) noexcept;
std::size_t buffer_pool_capacity(NDIS_HANDLE pool) noexcept;

// Buffer pools with descriptors outstanding; leak_check() (packet_pool.h) reports both kinds.
std::vector<PoolLeak> buffer_pool_leaks();

}  // namespace strata::ndis
