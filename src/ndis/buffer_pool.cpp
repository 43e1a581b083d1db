// buffer_pool.cpp — NDIS buffer pools (seed 003 §2.5): MDL descriptors preallocated at
// NdisAllocateBufferPool, per-processor caches, no heap after create.
//
// Windows XP ignored NumberOfDescriptors and allocated MDLs from the system on demand. We honour
// it: the descriptors are preallocated (no heap on the data path, DESIGN.md "Packets") and running
// out is reported to the driver, which is what the §2.5 pool model and its tests ask for.
// C++ headers first, ours included: <ndis.h> (through buffer_pool.h) defines SAL macros libstdc++ trips on.
#include <cstring>
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

namespace strata::ndis {
namespace {

constexpr std::size_t kSlotSize = 64;  // header + MDL on one cache line
static_assert(sizeof(BufferHeader) + sizeof(MDL) <= kSlotSize);

// Windows ignored NumberOfDescriptors, so drivers may pass anything; since we preallocate, a
// count beyond 2^20 descriptors (72 MiB with the free list) fails at creation instead of
// exhausting the host's memory.
constexpr std::size_t kMaxBufferDescriptors = std::size_t{1} << 20;

// Points an MDL at [va, va + length) the way MmInitializeMdl followed by MmBuildMdlForNonPagedPool
// would, except that Size counts no PFN array: user space has no physical pages to list.
void describe(PMDL mdl, PVOID va, ULONG length) noexcept {
    mdl->Next = nullptr;
    mdl->Size = static_cast<CSHORT>(sizeof(MDL));
    mdl->MdlFlags = MDL_SOURCE_IS_NONPAGED_POOL;
    mdl->Process = nullptr;
    mdl->MappedSystemVa = va;
    mdl->StartVa = PAGE_ALIGN(va);
    mdl->ByteOffset = BYTE_OFFSET(va);
    mdl->ByteCount = length;
}

}  // namespace

class BufferPool : public PoolControlBlock {
public:
    BufferPool() noexcept : PoolControlBlock(PoolKind::Buffer) {}

    // The one checked way from a driver's handle to a usable pool; reports and returns null otherwise.
    static BufferPool* from(NDIS_HANDLE handle, const char* api) noexcept {
        if (is(handle, PoolKind::Buffer, PoolState::Live)) [[likely]] return of(handle);
        report_misuse(verifier::Rule::InvalidHandle, handle, api,
                      "PoolHandle is not a buffer pool (NULL, freed, or another kind of handle)");
        return nullptr;
    }
    // Live or abandoned: the pools that still own descriptors. No report.
    static BufferPool* holding_memory(NDIS_HANDLE handle) noexcept {
        bool owns = is(handle, PoolKind::Buffer, PoolState::Live) || is(handle, PoolKind::Buffer, PoolState::Abandoned);
        return owns ? of(handle) : nullptr;
    }
    NDIS_HANDLE handle() noexcept { return static_cast<PoolControlBlock*>(this); }

    // Opening → Live: builds the descriptors. Only the creating thread sees the pool meanwhile.
    NDIS_STATUS open(std::size_t capacity) noexcept;
    // → Retired, memory released. Under the registry lock.
    void retire() noexcept {
        set_state(PoolState::Retired);
        slab_.reset();
        store_.reset();
    }

    PNDIS_BUFFER allocate(PVOID va, ULONG length) noexcept {
        auto* header = static_cast<BufferHeader*>(store_->get());
        if (header == nullptr) return nullptr;
        header->state = BufferState::Allocated;
        auto* mdl = reinterpret_cast<PNDIS_BUFFER>(header + 1);
        describe(mdl, va, length);
        return mdl;
    }
    void release(BufferHeader* header) noexcept {
        header->state = BufferState::Free;
        store_->put(header);
    }

    std::size_t capacity() const noexcept { return store_->capacity(); }
    std::size_t in_use() const noexcept { return store_->capacity() - store_->free_count(); }

private:
    static BufferPool* of(NDIS_HANDLE handle) noexcept {
        return static_cast<BufferPool*>(static_cast<PoolControlBlock*>(handle));
    }

    AlignedBlock slab_;
    std::optional<DescriptorCache> store_;  // in place: one load less on every allocate and free
};

NDIS_STATUS BufferPool::open(std::size_t capacity) noexcept {
    try {
        store_.emplace(capacity);
    } catch (const std::bad_alloc&) {
        return NDIS_STATUS_RESOURCES;
    }
    if (capacity != 0) {
        slab_ = allocate_block(capacity * kSlotSize, kSlotSize);
        if (!slab_) {
            store_.reset();
            return NDIS_STATUS_RESOURCES;
        }
    }
    for (std::size_t i = capacity; i-- > 0;) {
        auto* header = reinterpret_cast<BufferHeader*>(slab_.get() + i * kSlotSize);
        header->magic = kBufferHeaderMagic;
        header->state = BufferState::Free;
        header->pool = this;
        store_->seed(header);
    }
    set_state(PoolState::Live);
    return NDIS_STATUS_SUCCESS;
}

namespace {

// Never destroyed: a processor thread may still free a packet while the process exits.
PoolRegistry<BufferPool>& registry() {
    static ntos::Immortal<PoolRegistry<BufferPool>> r;
    return *r;
}

// The descriptor for a buffer from one of our pools, or null after reporting why it is not one.
BufferHeader* checked_header(PNDIS_BUFFER buffer, const char* api) noexcept {
    if (buffer == nullptr) [[unlikely]] {
        report_misuse(verifier::Rule::NullParameter, nullptr, api, "Buffer is NULL");
        return nullptr;
    }
    BufferHeader* header = header_of(buffer);
    if (header->magic != kBufferHeaderMagic) [[unlikely]] {
        report_misuse(verifier::Rule::InvalidHandle, buffer, api, "buffer was not allocated from an NDIS buffer pool");
        return nullptr;
    }
    if (header->state == BufferState::Free) [[unlikely]] {
        report_misuse(verifier::Rule::DoubleFree, buffer, api, "buffer is already free");
        return nullptr;
    }
    return header;
}

}  // namespace

std::size_t buffer_pool_in_use(NDIS_HANDLE handle) noexcept {
    BufferPool* pool = BufferPool::holding_memory(handle);
    return pool != nullptr ? pool->in_use() : 0;
}

std::size_t buffer_pool_capacity(NDIS_HANDLE handle) noexcept {
    BufferPool* pool = BufferPool::holding_memory(handle);
    return pool != nullptr ? pool->capacity() : 0;
}

std::vector<PoolLeak> buffer_pool_leaks() {
    std::vector<PoolLeak> leaks;
    registry().for_each([&](BufferPool& pool) {
        if (BufferPool::holding_memory(pool.handle()) == nullptr) return;
        if (std::size_t n = pool.in_use(); n != 0) {
            leaks.push_back({PoolKind::Buffer, pool.handle(), n, pool.capacity(), pool.in(PoolState::Abandoned)});
        }
    });
    return leaks;
}

}  // namespace strata::ndis

using strata::ndis::BufferPool;

/* NdisAllocateBufferPool (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; preallocates NumberOfDescriptors MDLs; RESOURCES when memory (or our 2^20 cap) says no.
extern "C" VOID NdisAllocateBufferPool(PNDIS_STATUS Status, PNDIS_HANDLE PoolHandle, UINT NumberOfDescriptors) {
    *PoolHandle = nullptr;
    if (strata::verifier::fault::should_fail(strata::verifier::fault::FaultCall::NdisAllocateBufferPool)) {
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }
    BufferPool* pool = nullptr;
    if (NumberOfDescriptors <= strata::ndis::kMaxBufferDescriptors) pool = strata::ndis::registry().claim();
    *Status = pool != nullptr ? pool->open(NumberOfDescriptors) : NDIS_STATUS_RESOURCES;
    if (*Status == NDIS_STATUS_SUCCESS) {
        *PoolHandle = pool->handle();
    } else if (pool != nullptr) {
        std::lock_guard guard(strata::ndis::registry().lock());
        pool->retire();
    }
    auto level = *Status == NDIS_STATUS_SUCCESS ? strata::log::Level::debug : strata::log::Level::warning;
    if (strata::log::enabled(level)) {
        strata::log::write(level, "ndis",
                           "NdisAllocateBufferPool NumberOfDescriptors=" + std::to_string(NumberOfDescriptors) +
                               " Status=" + std::to_string(*Status));
    }
}

/* NdisFreeBufferPool (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; every buffer should be back. If not: PoolLeak report, and the memory stays so that
// late NdisFreeBuffer calls remain safe.
extern "C" VOID NdisFreeBufferPool(NDIS_HANDLE PoolHandle) {
    BufferPool* pool = BufferPool::from(PoolHandle, "NdisFreeBufferPool");
    if (pool == nullptr) return;
    std::size_t outstanding;
    {
        std::lock_guard guard(strata::ndis::registry().lock());
        outstanding = pool->in_use();
        if (outstanding != 0) {
            pool->set_state(strata::ndis::PoolState::Abandoned);
        } else {
            pool->retire();
        }
    }
    if (outstanding != 0) {
        strata::verifier::report(strata::verifier::Rule::PoolLeak, strata::verifier::driver_at(__builtin_return_address(0)),
                                 PoolHandle, "NdisFreeBufferPool: " + std::to_string(outstanding) +
                                     " buffer(s) still allocated; pool memory kept so late NdisFreeBuffer"
                                     " calls stay safe");
    }
}

/* NdisAllocateBuffer (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; lock-free on a processor thread; *Buffer maps [VirtualAddress, +Length) until freed.
// Exhaustion returns NDIS_STATUS_FAILURE: the documented failure status of this call.
extern "C" VOID NdisAllocateBuffer(PNDIS_STATUS Status, PNDIS_BUFFER* Buffer, NDIS_HANDLE PoolHandle,
                                   PVOID VirtualAddress, UINT Length) {
    if (strata::verifier::fault::should_fail(strata::verifier::fault::FaultCall::NdisAllocateBuffer)) [[unlikely]] {
        *Buffer = nullptr;
        *Status = NDIS_STATUS_FAILURE;
        return;
    }
    BufferPool* pool = BufferPool::from(PoolHandle, "NdisAllocateBuffer");
    *Buffer = pool != nullptr ? pool->allocate(VirtualAddress, Length) : nullptr;
    *Status = *Buffer != nullptr ? NDIS_STATUS_SUCCESS : NDIS_STATUS_FAILURE;
}

/* NdisFreeBuffer (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; the caller gives the descriptor up (not the memory it maps); a double free is
// reported and ignored.
extern "C" VOID NdisFreeBuffer(PNDIS_BUFFER Buffer) {
    if (strata::ndis::BufferHeader* header = strata::ndis::checked_header(Buffer, "NdisFreeBuffer")) {
        header->pool->release(header);
    }
}

/* NdisCopyBuffer (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; a new descriptor for Length bytes at Offset within MemoryDescriptor (an MDL); FAILURE
// (the documented status) when the range falls outside it or the pool is exhausted.
extern "C" VOID NdisCopyBuffer(PNDIS_STATUS Status, PNDIS_BUFFER* Buffer, NDIS_HANDLE PoolHandle,
                               PVOID MemoryDescriptor, UINT Offset, UINT Length) {
    *Buffer = nullptr;
    *Status = NDIS_STATUS_FAILURE;
    BufferPool* pool = BufferPool::from(PoolHandle, "NdisCopyBuffer");
    auto* source = static_cast<PMDL>(MemoryDescriptor);
    if (pool == nullptr || source == nullptr) return;
    // 64-bit sum: Offset + Length must not wrap past the check.
    if (static_cast<std::uint64_t>(Offset) + Length > MmGetMdlByteCount(source)) return;
    auto* base = static_cast<PUCHAR>(MmGetSystemAddressForMdlSafe(source, NormalPagePriority));
    *Buffer = pool->allocate(base + Offset, Length);
    if (*Buffer != nullptr) *Status = NDIS_STATUS_SUCCESS;
}
