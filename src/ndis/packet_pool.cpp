// packet_pool.cpp — NDIS packet pools (seed 003 §2.5): preallocated descriptors, per-processor
// caches, no heap after NdisAllocatePacketPool(Ex); verifier checks for handles and double frees.
// C++ headers first, ours included: <ndis.h> (through packet_pool.h) defines SAL macros libstdc++ trips on.
#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>

#include "common/log.h"
#include "ntos/immortal.h"
#include "verifier/fault.h"
#include "verifier/images.h"
#include "verifier/verifier.h"

#include "ndis/buffer_pool.h"
#include "ndis/packet_pool.h"

// Microsoft's published 64-bit layouts; the NDIS macros and drivers depend on them.
static_assert(sizeof(void*) == 8, "Strata targets LP64");
static_assert(offsetof(NDIS_PACKET_PRIVATE, Head) == 8 && offsetof(NDIS_PACKET_PRIVATE, Pool) == 24);
static_assert(offsetof(NDIS_PACKET_PRIVATE, Flags) == 36 && offsetof(NDIS_PACKET_PRIVATE, NdisPacketOobOffset) == 42);
static_assert(sizeof(NDIS_PACKET_PRIVATE) == 48);
static_assert(offsetof(NDIS_PACKET, MiniportReserved) == 48 && offsetof(NDIS_PACKET, ProtocolReserved) == 96);
static_assert(offsetof(NDIS_PACKET_OOB_DATA, HeaderSize) == 16 && offsetof(NDIS_PACKET_OOB_DATA, Status) == 32);
static_assert(sizeof(NDIS_PACKET_OOB_DATA) == 40 && sizeof(NDIS_PACKET_EXTENSION) == 72);

namespace strata::ndis {

// ---- Building blocks --------------------------------------------------------------------------

void report_misuse(verifier::Rule rule, const void* object, const char* api, const char* problem) noexcept {
    verifier::report(rule, "", object, std::string(api) + ": " + problem);
}

AlignedBlock allocate_block(std::size_t bytes, std::size_t alignment) noexcept {
    std::size_t rounded = (bytes + alignment - 1) / alignment * alignment;
    if (rounded < bytes || rounded == 0) return AlignedBlock{};
    AlignedBlock block{static_cast<std::byte*>(std::aligned_alloc(alignment, rounded))};
    if (block) std::memset(block.get(), 0, rounded);  // also faults every page in now, not on the data path
    return block;
}

DescriptorCache::DescriptorCache(std::size_t capacity)
    : capacity_(capacity), shared_(std::make_unique<void*[]>(capacity == 0 ? 1 : capacity)) {
    // Per-processor caches may strand up to cache_size_ descriptors each; keep that to half the
    // pool even when every processor holds a full cache, and skip caching when the result would
    // refill too often to pay for itself.
    std::size_t processors = std::max(1u, ntos::processor_count());
    std::size_t size = std::min<std::size_t>(kMaxCached, capacity / (2 * processors));
    cache_size_ = size >= 4 ? static_cast<std::uint32_t>(size) : 0;
    burst_ = cache_size_ / 2;
    if (cache_size_ != 0) caches_ = std::make_unique<CpuCache[]>(ntos::kMaxProcessors);
}

std::size_t DescriptorCache::free_count() const noexcept {
    std::size_t n;
    {
        std::lock_guard guard(lock_);
        n = shared_count_;
    }
    if (caches_) {
        for (unsigned i = 0; i < ntos::kMaxProcessors; ++i) n += caches_[i].count.load(std::memory_order_relaxed);
    }
    return n;
}

void* DescriptorCache::refill_and_get(CpuCache& c) noexcept {
    std::uint32_t got;
    {
        std::lock_guard guard(lock_);
        got = static_cast<std::uint32_t>(std::min<std::size_t>(burst_, shared_count_));
        shared_count_ -= got;
        std::copy_n(&shared_[shared_count_], got, c.slots.data());
    }
    if (got == 0) return nullptr;
    c.count.store(got - 1, std::memory_order_relaxed);
    return c.slots[got - 1];
}

void DescriptorCache::flush_and_put(CpuCache& c, void* descriptor) noexcept {
    std::uint32_t keep = cache_size_ - burst_;
    {
        std::lock_guard guard(lock_);
        std::copy_n(&c.slots[keep], burst_, &shared_[shared_count_]);
        shared_count_ += burst_;
    }
    c.slots[keep] = descriptor;
    c.count.store(keep + 1, std::memory_order_relaxed);
}

void* DescriptorCache::get_shared() noexcept {
    std::lock_guard guard(lock_);
    return shared_count_ == 0 ? nullptr : shared_[--shared_count_];
}

void DescriptorCache::put_shared(void* descriptor) noexcept {
    std::lock_guard guard(lock_);
    shared_[shared_count_++] = descriptor;
}

// ---- Packet pools -----------------------------------------------------------------------------

namespace {

// Documented limit: NumberOfDescriptors above it fails, the overflow is trimmed to fit it.
constexpr std::size_t kMaxPacketDescriptors = 0xFFFF;

constexpr std::size_t round_up(std::size_t value, std::size_t to) { return (value + to - 1) / to * to; }

// Offset of the OOB block from the packet's start: the ProtocolReserved area is rounded up to 8
// so the OOB block's ULONGLONGs are aligned.
constexpr std::size_t oob_offset_for(std::size_t protocol_reserved) {
    return offsetof(NDIS_PACKET, ProtocolReserved) + round_up(protocol_reserved, 8);
}
// Bytes from the packet's start to the end of its extension: everything NdisAllocatePacket zeroes.
constexpr std::size_t packet_span_for(std::size_t protocol_reserved) {
    return oob_offset_for(protocol_reserved) + sizeof(NDIS_PACKET_OOB_DATA) + sizeof(NDIS_PACKET_EXTENSION);
}

}  // namespace

class PacketPool : public PoolControlBlock {
public:
    PacketPool() noexcept : PoolControlBlock(PoolKind::Packet) {}

    // The one checked way from a driver's handle to a usable pool; reports and returns null otherwise.
    static PacketPool* from(NDIS_HANDLE handle, const char* api) noexcept {
        if (is(handle, PoolKind::Packet, PoolState::Live)) [[likely]] return of(handle);
        report_misuse(verifier::Rule::InvalidHandle, handle, api,
                      "PoolHandle is not a packet pool (NULL, freed, or another kind of handle)");
        return nullptr;
    }
    // Live or abandoned: the pools that still own descriptors. No report.
    static PacketPool* holding_memory(NDIS_HANDLE handle) noexcept {
        bool owns = is(handle, PoolKind::Packet, PoolState::Live) || is(handle, PoolKind::Packet, PoolState::Abandoned);
        return owns ? of(handle) : nullptr;
    }
    NDIS_HANDLE handle() noexcept { return static_cast<PoolControlBlock*>(this); }

    // Opening → Live: builds the descriptors. Only the creating thread sees the pool meanwhile.
    NDIS_STATUS open(std::size_t capacity, std::size_t protocol_reserved) noexcept;
    // → Retired, memory released. Under the registry lock.
    void retire() noexcept {
        set_state(PoolState::Retired);
        slab_.reset();
        store_.reset();
    }

    PNDIS_PACKET allocate() noexcept {
        auto* header = static_cast<PacketHeader*>(store_->get());
        if (header == nullptr) return nullptr;
        PNDIS_PACKET packet = packet_of(header);
        // Documented: the descriptor comes back zeroed with an empty buffer chain. Private, the
        // reserved areas, ProtocolReserved, OOB data and extension are one contiguous span.
        std::memset(static_cast<void*>(packet), 0, packet_span_);
        packet->Private.Pool = static_cast<PNDIS_PACKET_POOL>(handle());
        packet->Private.Flags = protocol_id_.load(std::memory_order_relaxed);
        packet->Private.NdisPacketFlags = fPACKET_ALLOCATED_BY_NDIS;
        packet->Private.NdisPacketOobOffset = static_cast<USHORT>(oob_offset_);
        header->holder = nullptr;
        header->receive_refs.store(0, std::memory_order_relaxed);
        header->path_state = PacketPath::Allocator;
        header->stack_top = 0;
        header->stack_offered = 0;
        header->indicated = false;
        return packet;
    }
    void release(PacketHeader* header) noexcept {
        header->path_state = PacketPath::Free;
        store_->put(header);
    }

    std::size_t capacity() const noexcept { return store_->capacity(); }
    std::size_t in_use() const noexcept { return store_->capacity() - store_->free_count(); }
    void set_protocol_id(ULONG id) noexcept { protocol_id_.store(id, std::memory_order_relaxed); }

private:
    static PacketPool* of(NDIS_HANDLE handle) noexcept {
        return static_cast<PacketPool*>(static_cast<PoolControlBlock*>(handle));
    }

    std::atomic<ULONG> protocol_id_{NDIS_PROTOCOL_ID_DEFAULT};  // set by a call the docs order before allocations
    std::size_t oob_offset_ = 0;
    std::size_t packet_span_ = 0;
    AlignedBlock slab_;
    std::optional<DescriptorCache> store_;  // in place: one load less on every allocate and free
};

NDIS_STATUS PacketPool::open(std::size_t capacity, std::size_t protocol_reserved) noexcept {
    oob_offset_ = oob_offset_for(protocol_reserved);
    packet_span_ = packet_span_for(protocol_reserved);
    protocol_id_.store(NDIS_PROTOCOL_ID_DEFAULT, std::memory_order_relaxed);
    const std::size_t stack_offset = round_up(sizeof(PacketHeader) + packet_span_, alignof(PacketStackLevel));
    const std::size_t stride = round_up(stack_offset + kPacketStackDepth * sizeof(PacketStackLevel), alignof(PacketHeader));
    try {
        store_.emplace(capacity);
    } catch (const std::bad_alloc&) {
        return NDIS_STATUS_RESOURCES;
    }
    if (capacity != 0) {
        slab_ = allocate_block(capacity * stride, alignof(PacketHeader));
        if (!slab_) {
            store_.reset();
            return NDIS_STATUS_RESOURCES;
        }
    }
    // Seeded in reverse so the shared LIFO hands out slot 0 first (easier to follow in a debugger).
    for (std::size_t i = capacity; i-- > 0;) {
        auto* header = std::construct_at(reinterpret_cast<PacketHeader*>(slab_.get() + i * stride));
        header->magic = kPacketHeaderMagic;
        header->pool = this;
        header->path_state = PacketPath::Free;
        header->stack = reinterpret_cast<PacketStackLevel*>(reinterpret_cast<std::byte*>(header) + stack_offset);
        for (std::uint8_t level = 0; level < kPacketStackDepth; ++level) std::construct_at(header->stack + level);
        store_->seed(header);
    }
    set_state(PoolState::Live);
    return NDIS_STATUS_SUCCESS;
}

namespace {

// Never destroyed: a processor thread may still free a packet while the process exits.
PoolRegistry<PacketPool>& registry() {
    static ntos::Immortal<PoolRegistry<PacketPool>> r;
    return *r;
}

NDIS_STATUS create_packet_pool(PNDIS_HANDLE handle, std::size_t descriptors, std::size_t overflow,
                               std::size_t protocol_reserved) noexcept {
    *handle = nullptr;
    if (descriptors > kMaxPacketDescriptors) return NDIS_STATUS_RESOURCES;
    // Private.NdisPacketOobOffset is a USHORT.
    if (oob_offset_for(protocol_reserved) > 0xFFFF) return NDIS_STATUS_RESOURCES;
    PacketPool* pool = registry().claim();
    if (pool == nullptr) return NDIS_STATUS_RESOURCES;
    NDIS_STATUS status = pool->open(std::min(descriptors + overflow, kMaxPacketDescriptors), protocol_reserved);
    if (status != NDIS_STATUS_SUCCESS) {
        std::lock_guard guard(registry().lock());
        pool->retire();
        return status;
    }
    *handle = pool->handle();
    return NDIS_STATUS_SUCCESS;
}

// NdisFreePacketPool: returns the packets still outstanding. With none the memory is released;
// otherwise the pool is abandoned with its memory so that late NdisFreePacket calls stay safe.
std::size_t close_packet_pool(PacketPool* pool) noexcept {
    std::lock_guard guard(registry().lock());
    std::size_t outstanding = pool->in_use();
    if (outstanding != 0) {
        pool->set_state(PoolState::Abandoned);
    } else {
        pool->retire();
    }
    return outstanding;
}

void trace(const std::string& line) {
    log::write(log::Level::debug, "ndis", line);
}

void allocate_packet(PNDIS_STATUS status, PNDIS_PACKET* packet, NDIS_HANDLE handle, const char* api) noexcept {
    if (status == nullptr || packet == nullptr) [[unlikely]] {
        report_misuse(verifier::Rule::NullParameter, handle, api, "Status and Packet must not be NULL");
        if (status != nullptr) *status = NDIS_STATUS_FAILURE;
        return;
    }
    PacketPool* pool = PacketPool::from(handle, api);
    if (pool == nullptr) {
        *packet = nullptr;
        *status = NDIS_STATUS_FAILURE;
        return;
    }
    *packet = pool->allocate();
    *status = *packet != nullptr ? NDIS_STATUS_SUCCESS : NDIS_STATUS_RESOURCES;
}

void free_packet(PNDIS_PACKET packet, const char* api) noexcept {
    if (packet == nullptr) [[unlikely]] {
        report_misuse(verifier::Rule::NullParameter, nullptr, api, "Packet is NULL");
        return;
    }
    // Reading the header is part of the double-free check anyway; the magic costs one compare more
    // and keeps a foreign descriptor off our free lists.
    PacketHeader* header = header_of(packet);
    if (header->magic != kPacketHeaderMagic) [[unlikely]] {
        report_misuse(verifier::Rule::InvalidHandle, packet, api, "packet was not allocated from an NDIS packet pool");
        return;
    }
    if (header->path_state == PacketPath::Free) [[unlikely]] {
        report_misuse(verifier::Rule::DoubleFree, packet, api, "packet is already free");
        return;
    }
    header->pool->release(header);
}

}  // namespace

std::size_t packet_pool_in_use(NDIS_HANDLE handle) noexcept {
    PacketPool* pool = PacketPool::holding_memory(handle);
    return pool != nullptr ? pool->in_use() : 0;
}

std::size_t packet_pool_capacity(NDIS_HANDLE handle) noexcept {
    PacketPool* pool = PacketPool::holding_memory(handle);
    return pool != nullptr ? pool->capacity() : 0;
}

namespace {

// Which image allocated each pool: recorded at allocation (never on a packet path).
std::mutex g_owner_mutex;
std::map<NDIS_HANDLE, std::string> g_pool_owners;

void record_owner(NDIS_HANDLE pool, const void* caller) {
    if (pool == nullptr) return;
    Dl_info info{};
    std::string owner;
    if (::dladdr(caller, &info) != 0 && info.dli_fname != nullptr) {
        owner = std::filesystem::path(info.dli_fname).filename().string();
        if (owner.ends_with(".sys")) owner.resize(owner.size() - 4);
    }
    std::lock_guard guard(g_owner_mutex);
    g_pool_owners[pool] = std::move(owner);
}

}  // namespace

std::vector<PacketPoolUsage> packet_pool_usage() {
    std::vector<PacketPoolUsage> pools;
    registry().for_each([&](PacketPool& pool) {
        if (!pool.in(PoolState::Live)) return;
        pools.push_back({pool.handle(), "", pool.capacity(), pool.in_use()});
    });
    std::lock_guard guard(g_owner_mutex);
    for (auto& pool : pools)
        if (auto it = g_pool_owners.find(pool.handle); it != g_pool_owners.end()) pool.owner = it->second;
    return pools;
}

std::vector<PoolLeak> leak_check() {
    std::vector<PoolLeak> leaks;
    registry().for_each([&](PacketPool& pool) {
        if (PacketPool::holding_memory(pool.handle()) == nullptr) return;
        if (std::size_t n = pool.in_use(); n != 0) {
            leaks.push_back({PoolKind::Packet, pool.handle(), n, pool.capacity(), pool.in(PoolState::Abandoned)});
        }
    });
    std::vector<PoolLeak> buffers = buffer_pool_leaks();
    leaks.insert(leaks.end(), buffers.begin(), buffers.end());
    return leaks;
}

}  // namespace strata::ndis

using strata::ndis::PacketPool;

/* NdisAllocatePacketPool (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; preallocates every descriptor now; RESOURCES when memory or the 0xFFFF limit says no.
extern "C" VOID NdisAllocatePacketPool(PNDIS_STATUS Status, PNDIS_HANDLE PoolHandle, UINT NumberOfDescriptors,
                                       UINT ProtocolReservedLength) {
    if (strata::verifier::fault::should_fail(strata::verifier::fault::FaultCall::NdisAllocatePacketPool)) {
        *PoolHandle = nullptr;
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }
    *Status = strata::ndis::create_packet_pool(PoolHandle, NumberOfDescriptors, 0, ProtocolReservedLength);
    if (*Status == NDIS_STATUS_SUCCESS) strata::ndis::record_owner(*PoolHandle, __builtin_return_address(0));
    if (strata::log::enabled(strata::log::Level::debug)) {
        strata::ndis::trace("NdisAllocatePacketPool NumberOfDescriptors=" + std::to_string(NumberOfDescriptors) +
                            " ProtocolReservedLength=" + std::to_string(ProtocolReservedLength) +
                            " Status=" + std::to_string(*Status));
    }
}

/* NdisAllocatePacketPoolEx (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; NumberOfDescriptors + NumberOfOverflowDescriptors (trimmed to 0xFFFF) all preallocated.
extern "C" VOID NdisAllocatePacketPoolEx(PNDIS_STATUS Status, PNDIS_HANDLE PoolHandle, UINT NumberOfDescriptors,
                                         UINT NumberOfOverflowDescriptors, UINT ProtocolReservedLength) {
    if (strata::verifier::fault::should_fail(strata::verifier::fault::FaultCall::NdisAllocatePacketPoolEx)) {
        *PoolHandle = nullptr;
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }
    *Status = strata::ndis::create_packet_pool(PoolHandle, NumberOfDescriptors, NumberOfOverflowDescriptors,
                                               ProtocolReservedLength);
    if (*Status == NDIS_STATUS_SUCCESS) strata::ndis::record_owner(*PoolHandle, __builtin_return_address(0));
    if (strata::log::enabled(strata::log::Level::debug)) {
        strata::ndis::trace("NdisAllocatePacketPoolEx NumberOfDescriptors=" + std::to_string(NumberOfDescriptors) +
                            " NumberOfOverflowDescriptors=" + std::to_string(NumberOfOverflowDescriptors) +
                            " ProtocolReservedLength=" + std::to_string(ProtocolReservedLength) +
                            " Status=" + std::to_string(*Status));
    }
}

/* NdisFreePacketPool (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; every packet should be back. If not: PoolLeak report, and the memory stays.
extern "C" VOID NdisFreePacketPool(NDIS_HANDLE PoolHandle) {
    PacketPool* pool = PacketPool::from(PoolHandle, "NdisFreePacketPool");
    if (pool == nullptr) return;
    std::size_t outstanding = strata::ndis::close_packet_pool(pool);
    if (outstanding != 0) {
        strata::verifier::report(strata::verifier::Rule::PoolLeak, strata::verifier::driver_at(__builtin_return_address(0)),
                                 PoolHandle, "NdisFreePacketPool: " + std::to_string(outstanding) +
                                     " packet(s) still allocated; pool memory kept so late NdisFreePacket"
                                     " calls stay safe");
    }
}

/* NdisPacketPoolUsage (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; packets currently allocated, exact when no thread is allocating or freeing.
extern "C" UINT NdisPacketPoolUsage(NDIS_HANDLE PoolHandle) {
    PacketPool* pool = PacketPool::from(PoolHandle, "NdisPacketPoolUsage");
    return pool != nullptr ? static_cast<UINT>(pool->in_use()) : 0;
}

/* NdisPacketSize (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; bytes of one descriptor (packet, ProtocolReserved, OOB data, extension) for that size.
extern "C" UINT NdisPacketSize(UINT ProtocolReservedSize) {
    return static_cast<UINT>(strata::ndis::packet_span_for(ProtocolReservedSize));
}

/* NdisGetPoolFromPacket (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; the handle of the pool the packet was allocated from.
extern "C" NDIS_HANDLE NdisGetPoolFromPacket(PNDIS_PACKET Packet) {
    return Packet->Private.Pool;
}

/* NdisSetPacketPoolProtocolId (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread, before the first allocation; packets allocated afterwards carry the id in Private.Flags.
extern "C" VOID NdisSetPacketPoolProtocolId(NDIS_HANDLE PacketPoolHandle, UINT ProtocolId) {
    PacketPool* pool = PacketPool::from(PacketPoolHandle, "NdisSetPacketPoolProtocolId");
    if (pool == nullptr) return;
    if (strata::verifier::enabled() && pool->in_use() != 0) {
        strata::verifier::report(strata::verifier::Rule::BadCall, "", PacketPoolHandle,
                                 "NdisSetPacketPoolProtocolId: called after packets were allocated from the pool");
    }
    pool->set_protocol_id(ProtocolId & NDIS_PROTOCOL_ID_MASK);
}

/* NdisAllocatePacket (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; lock-free on a processor thread; *Packet zeroed, owned by the caller until freed.
extern "C" VOID NdisAllocatePacket(PNDIS_STATUS Status, PNDIS_PACKET* Packet, NDIS_HANDLE PoolHandle) {
    if (strata::verifier::fault::should_fail(strata::verifier::fault::FaultCall::NdisAllocatePacket)) [[unlikely]] {
        *Packet = nullptr;
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }
    strata::ndis::allocate_packet(Status, Packet, PoolHandle, "NdisAllocatePacket");
}

/* NdisDprAllocatePacket (ndis.h) — seed 003 §2.5 — IRQL = DISPATCH_LEVEL */
// As NdisAllocatePacket; there is no IRQL to save by calling it, the pool lock is the same.
extern "C" VOID NdisDprAllocatePacket(PNDIS_STATUS Status, PNDIS_PACKET* Packet, NDIS_HANDLE PoolHandle) {
    strata::ndis::allocate_packet(Status, Packet, PoolHandle, "NdisDprAllocatePacket");
}

/* NdisDprAllocatePacketNonInterlocked (ndis.h) — seed 003 §2.5 — IRQL = DISPATCH_LEVEL */
// As NdisAllocatePacket; the caller's own serialisation is not needed, the pool is always safe.
extern "C" VOID NdisDprAllocatePacketNonInterlocked(PNDIS_STATUS Status, PNDIS_PACKET* Packet,
                                                    NDIS_HANDLE PoolHandle) {
    strata::ndis::allocate_packet(Status, Packet, PoolHandle, "NdisDprAllocatePacketNonInterlocked");
}

/* NdisFreePacket (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; the caller gives the packet up; a second free is reported (DoubleFree) and ignored.
extern "C" VOID NdisFreePacket(PNDIS_PACKET Packet) {
    strata::ndis::free_packet(Packet, "NdisFreePacket");
}

/* NdisDprFreePacket (ndis.h) — seed 003 §2.5 — IRQL = DISPATCH_LEVEL */
// As NdisFreePacket.
extern "C" VOID NdisDprFreePacket(PNDIS_PACKET Packet) {
    strata::ndis::free_packet(Packet, "NdisDprFreePacket");
}

/* NdisDprFreePacketNonInterlocked (ndis.h) — seed 003 §2.5 — IRQL = DISPATCH_LEVEL */
// As NdisFreePacket.
extern "C" VOID NdisDprFreePacketNonInterlocked(PNDIS_PACKET Packet) {
    strata::ndis::free_packet(Packet, "NdisDprFreePacketNonInterlocked");
}

/* NdisReinitializePacket (ndis.h) — seed 003 §2.5.1 — IRQL <= DISPATCH_LEVEL */
// The caller owns the packet; empties the buffer chain (ReinitializeWithBuffers report if it was
// not empty: §2.5.1 requires unchaining first) and, like Windows, leaves the reserved areas and
// the OOB data alone.
extern "C" VOID NdisReinitializePacket(PNDIS_PACKET Packet) {
    if (Packet->Private.Head != nullptr) {
        strata::verifier::report(strata::verifier::Rule::ReinitializeWithBuffers, "", Packet,
                                 "NdisReinitializePacket: buffers are still chained; unchain and free them first "
                                 "(seed 003 §2.5.1), they are now unreachable from the packet");
    }
    Packet->Private.Head = nullptr;
    Packet->Private.Tail = nullptr;
    Packet->Private.ValidCounts = FALSE;
}
