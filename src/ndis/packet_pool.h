// packet_pool.h — NDIS packet pools (seed 003 §2.5): every descriptor preallocated at pool
// creation, handed out through DPDK-style per-processor caches, with a private PacketHeader in
// front of each NDIS_PACKET for the data path and the verifier.
//
// Slot layout, one slot per descriptor inside one block per pool (64-byte aligned):
//   [PacketHeader, 64 bytes][NDIS_PACKET, ProtocolReserved rounded up to 8][OOB data][extension]
// so header_of()/packet_of() are one subtraction/addition and NDIS_OOB_DATA_FROM_PACKET works
// through Private.NdisPacketOobOffset exactly as on Windows.
#pragma once

// C++ headers before <ndis.h>: its SAL 1 macros (__in, __out) would rewrite libstdc++ code.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "ntos/processor.h"
#include "ntos/spin_lock.h"
#include "verifier/verifier.h"

#include <ndis.h>

namespace strata::ndis {

// ---- Building blocks shared by packet and buffer pools --------------------------------------

// One verifier report, "<api>: <problem>". Out of line and cold so that the checks guarding the
// fast paths stay a compare and a branch.
[[gnu::cold]] [[gnu::noinline]] void report_misuse(verifier::Rule rule, const void* object, const char* api,
                                                   const char* problem) noexcept;

// Memory that std::aligned_alloc gave us, released with std::free.
struct FreeDeleter {
    void operator()(std::byte* p) const noexcept { std::free(p); }
};
using AlignedBlock = std::unique_ptr<std::byte[], FreeDeleter>;
// `bytes` zeroed bytes aligned to `alignment` (bytes is rounded up to it); null when out of memory.
AlignedBlock allocate_block(std::size_t bytes, std::size_t alignment) noexcept;

// The free descriptors of one pool: a shared LIFO array under a SmallLock plus, for each
// processor, a cache of up to kMaxCached descriptors refilled from and flushed to the shared array
// in bursts of half the cache size. Caches are used only when the calling thread *is* that
// processor (ntos::processor_thread_index()), so their fast path takes no lock and no atomic
// read-modify-write; any other thread goes to the shared array.
//
// Exactness: free_count() adds the shared count and every cache count; it is exact whenever no
// thread is inside get()/put(). Cost of the caches: descriptors parked in one processor's cache
// are invisible to the others, so a processor can see exhaustion while another holds free
// descriptors. Caches are therefore sized to at most capacity / (2 × processors) and disabled for
// pools too small to afford them.
class DescriptorCache {
public:
    static constexpr std::uint32_t kMaxCached = 64;

    // Room for `capacity` descriptors, all initially absent: give each once with seed().
    // Throws std::bad_alloc (pool creation only).
    explicit DescriptorCache(std::size_t capacity);
    DescriptorCache(const DescriptorCache&) = delete;
    DescriptorCache& operator=(const DescriptorCache&) = delete;

    // Pool creation only, before the pool is published.
    void seed(void* descriptor) noexcept { shared_[shared_count_++] = descriptor; }

    // Any thread, IRQL <= DISPATCH_LEVEL. Null when no descriptor is free (for this processor).
    void* get() noexcept {
        unsigned cpu = ntos::processor_thread_index();
        if (cpu >= ntos::kMaxProcessors || cache_size_ == 0) return get_shared();
        CpuCache& c = caches_[cpu];
        std::uint32_t n = c.count.load(std::memory_order_relaxed);
        if (n == 0) [[unlikely]] return refill_and_get(c);
        c.count.store(n - 1, std::memory_order_relaxed);
        return c.slots[n - 1];
    }

    // Any thread, IRQL <= DISPATCH_LEVEL; `descriptor` must have come from get().
    void put(void* descriptor) noexcept {
        unsigned cpu = ntos::processor_thread_index();
        if (cpu >= ntos::kMaxProcessors || cache_size_ == 0) return put_shared(descriptor);
        CpuCache& c = caches_[cpu];
        std::uint32_t n = c.count.load(std::memory_order_relaxed);
        if (n == cache_size_) [[unlikely]] return flush_and_put(c, descriptor);
        c.slots[n] = descriptor;
        c.count.store(n + 1, std::memory_order_relaxed);
    }

    std::size_t capacity() const noexcept { return capacity_; }
    std::size_t free_count() const noexcept;

private:
    // Written only by its processor's thread; count is atomic only so that free_count() may read
    // it from another thread without a data race (relaxed loads/stores are plain moves).
    struct alignas(64) CpuCache {
        std::atomic<std::uint32_t> count{0};
        std::array<void*, kMaxCached> slots{};
    };

    void* refill_and_get(CpuCache& c) noexcept;
    void flush_and_put(CpuCache& c, void* descriptor) noexcept;
    void* get_shared() noexcept;
    void put_shared(void* descriptor) noexcept;

    // Read-only after construction.
    std::size_t capacity_;
    std::uint32_t cache_size_;
    std::uint32_t burst_;
    std::unique_ptr<void*[]> shared_;
    std::unique_ptr<CpuCache[]> caches_;  // kMaxProcessors entries, or null when caching is off
    // The lock and what it guards share their own cache line.
    alignas(64) mutable ntos::SmallLock lock_;  // spins, then yields: callers may be at DISPATCH_LEVEL
    std::size_t shared_count_ = 0;
};

// ---- Pool handles -----------------------------------------------------------------------------

enum class PoolKind : std::uint8_t { Packet, Buffer };
enum class PoolState : std::uint8_t {
    Retired,    // free for reuse; handles to it are invalid
    Opening,    // claimed by a pool-creating call, not yet returned to the driver
    Live,       // usable
    Abandoned,  // freed by the driver with descriptors outstanding; memory kept for late frees
};

// The first member of every pool control block; an NDIS pool handle points at one. Control blocks
// are reused but never returned to the heap, so a stale handle still reads a magic (saying
// Retired) instead of freed memory, and a packet pool handle passed where a buffer pool is
// expected reads the wrong kind: both are reported, neither crashes.
class PoolControlBlock {
public:
    explicit PoolControlBlock(PoolKind kind) noexcept : kind_(kind), magic_(encode(kind, PoolState::Retired)) {}

    // Any thread. NULL is fine; so is any handle a pool-creating call ever returned.
    static bool is(NDIS_HANDLE handle, PoolKind kind, PoolState state) noexcept {
        if (handle == nullptr) return false;
        auto* block = static_cast<const PoolControlBlock*>(handle);
        return block->magic_.load(std::memory_order_acquire) == encode(kind, state);
    }
    bool in(PoolState state) const noexcept { return magic_.load(std::memory_order_acquire) == encode(kind_, state); }
    void set_state(PoolState state) noexcept { magic_.store(encode(kind_, state), std::memory_order_release); }
    bool claim_if_retired() noexcept {
        std::uint32_t expected = encode(kind_, PoolState::Retired);
        return magic_.compare_exchange_strong(expected, encode(kind_, PoolState::Opening), std::memory_order_acq_rel);
    }

private:
    static constexpr std::uint32_t encode(PoolKind kind, PoolState state) noexcept {
        return 0x4C500000u | static_cast<std::uint32_t>(kind) << 8 | static_cast<std::uint32_t>(state);  // "PL"
    }
    const PoolKind kind_;
    std::atomic<std::uint32_t> magic_;
};

// Every control block of one pool kind ever made, for reuse and for leak_check().
template <class Pool>
class PoolRegistry {
public:
    // A block switched to Opening for the caller (a retired one when there is one); null when out of memory.
    Pool* claim() noexcept {
        std::lock_guard guard(lock_);
        for (auto& pool : pools_) {
            if (pool->claim_if_retired()) return pool.get();
        }
        try {
            pools_.push_back(std::make_unique<Pool>());
        } catch (const std::bad_alloc&) {
            return nullptr;
        }
        pools_.back()->set_state(PoolState::Opening);
        return pools_.back().get();
    }
    // Runs fn(Pool&) for every block under the registry lock (state changes of pools take it too).
    template <class Fn>
    void for_each(Fn&& fn) {
        std::lock_guard guard(lock_);
        for (auto& pool : pools_) fn(*pool);
    }
    ntos::SmallLock& lock() noexcept { return lock_; }

private:
    ntos::SmallLock lock_;
    std::vector<std::unique_ptr<Pool>> pools_;
};

// ---- Packet descriptors -----------------------------------------------------------------------

class PacketPool;  // packet_pool.cpp; an NDIS packet pool handle points at one

// Who holds a pool packet on the data path (one byte). Free is set and tested only by the pool (it
// is how NdisFreePacket recognises a double free); Allocator is the state NdisAllocatePacket returns.
enum class PacketPath : std::uint8_t {
    Free,       // on a free list
    Allocator,  // owned by the driver that allocated it
    Sending,    // handed down by NdisSend(Packets), not yet completed
    Indicated,  // indicated up by NdisMIndicateReceivePacket, protocols may hold it
    Transferring,  // given to MiniportTransferData, NdisMTransferDataComplete not yet called
};

inline constexpr std::uint32_t kPacketHeaderMagic = 0x544B504Eu;  // "NPKT"

// NDIS 5.1 packet stacking (NdisIMGetCurrentPacketStack): an intermediate driver may pass the
// descriptor it was given to the next driver instead of replacing it. Each layer the packet passes
// through this way gets one level: its NDIS_PACKET_STACK (IMReserved for the IM) and the data-path
// state NDIS keeps for that layer. Level 0 is the packet's own state in its PacketHeader.
inline constexpr std::uint8_t kPacketStackDepth = 4;

struct PacketStackLevel {
    NDIS_PACKET_STACK stack;                 // what NdisIMGetCurrentPacketStack returns for the level
    void* holder;                            // levels >= 1: the binding or adapter holding it there
    std::atomic<std::int32_t> receive_refs;  // levels >= 1
    PacketPath path_state;                   // levels >= 1
};

// Private bookkeeping in front of every pool packet. The pool owns magic, pool and stack; the NDIS
// data path owns holder, receive_refs, path_state (except Free), indicated, stack_top and stack_offered.
struct alignas(64) PacketHeader {
    std::uint32_t magic;                     // kPacketHeaderMagic for the life of the pool
    PacketPath path_state;                   // data-path ownership; Free only while on a free list
    std::uint8_t stack_top;                  // the packet-stack level now in use (0 = not stacked)
    std::uint8_t stack_offered;              // verifier: the level NdisIMGetCurrentPacketStack last said was free
    bool indicated;                          // verifier: indicated up at least once since allocation
    std::uint8_t spare[3];
    PacketPool* pool;                        // owning pool
    void* holder;                            // binding or adapter currently holding the packet
    std::atomic<std::int32_t> receive_refs;  // protocol holds outstanding after an indication
    PacketStackLevel* stack;                 // kPacketStackDepth levels in the pool's slot
};
static_assert(sizeof(PacketHeader) == 64, "the NDIS_PACKET must follow its header on a cache-line boundary");

// The data-path state of one level: the header's own fields for level 0, a stack level above.
struct LevelState {
    void*& holder;
    PacketPath& path_state;
    std::atomic<std::int32_t>& receive_refs;
};
inline LevelState level_state(PacketHeader* header, std::uint8_t level) noexcept {
    if (level == 0) return {header->holder, header->path_state, header->receive_refs};
    PacketStackLevel& l = header->stack[level];
    return {l.holder, l.path_state, l.receive_refs};
}
inline LevelState top_state(PacketHeader* header) noexcept { return level_state(header, header->stack_top); }
// The holder at the top level is done with the packet: the level goes back to Allocator and a
// stacked level is popped, so the packet is again where the intermediate driver above left it.
// Returns that holder.
inline void* release_top_level(PacketHeader* header) noexcept {
    LevelState level = top_state(header);
    level.path_state = PacketPath::Allocator;
    void* holder = level.holder;
    if (header->stack_top != 0) {
        --header->stack_top;
        header->stack_offered = 0;  // the next pass down asks NdisIMGetCurrentPacketStack again
    }
    return holder;
}

// O(1) conversions; valid only for packets that came from NdisAllocatePacket.
inline PacketHeader* header_of(PNDIS_PACKET packet) noexcept {
    return reinterpret_cast<PacketHeader*>(reinterpret_cast<std::byte*>(packet) - sizeof(PacketHeader));
}
inline PNDIS_PACKET packet_of(PacketHeader* header) noexcept {
    return reinterpret_cast<PNDIS_PACKET>(reinterpret_cast<std::byte*>(header) + sizeof(PacketHeader));
}

// True for a packet from one of our pools. It reads the 64 bytes before `packet`, which is safe
// only when that memory is readable: meant for verifier checks on packets a driver hands back,
// not as a general "is this ours" test on arbitrary pointers.
inline bool is_pool_packet(PNDIS_PACKET packet) noexcept {
    return packet != nullptr && header_of(packet)->magic == kPacketHeaderMagic;
}

// Internal API (any thread). Both return 0 for a handle that is not a live or leaked packet pool.
std::size_t packet_pool_in_use(NDIS_HANDLE pool) noexcept;
std::size_t packet_pool_capacity(NDIS_HANDLE pool) noexcept;

// ---- Usage for `strata stats` ----------------------------------------------------------------

struct PacketPoolUsage {
    NDIS_HANDLE handle;
    std::string owner;        // the driver image that allocated the pool (service name), or ""
    std::size_t capacity;
    std::size_t in_use;
};

// Every live packet pool. Passive level; takes the pool registry's lock.
std::vector<PacketPoolUsage> packet_pool_usage();

// ---- Unload-time leak check -------------------------------------------------------------------

struct PoolLeak {
    PoolKind kind;
    NDIS_HANDLE handle;
    std::size_t outstanding;  // descriptors allocated and not freed
    std::size_t capacity;
    bool pool_freed;          // the driver already called NdisFree{Packet,Buffer}Pool (memory kept)
};

// Every packet and buffer pool with descriptors outstanding. Passive level; takes the pool
// registries' locks, so not for hot paths. Exact when no thread is allocating or freeing.
std::vector<PoolLeak> leak_check();

}  // namespace strata::ndis
