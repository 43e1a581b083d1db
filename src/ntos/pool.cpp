// pool.cpp — ExAllocatePool*/NdisAllocateMemory* with tags and per-tag accounting (seed 003 §2.2,
// DESIGN.md "Verifier"). Blocks are cache-line aligned behind a small header; a table of live
// blocks recognises a double free or a foreign pointer without reading memory that is not ours.
#include "ntos/pool.h"

#include <ndis.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <unordered_map>
#include <utility>

#include "ntos/check.h"
#include "ntos/immortal.h"
#include "ntos/irql.h"
#include "verifier/fault.h"
#include "verifier/images.h"

namespace strata::ntos {
namespace {

using verifier::Rule;
using verifier::fault::FaultCall;
using verifier::fault::should_fail;

constexpr ULONG kLiveMagic = 0x4C4F4F50;   // "POOL"
constexpr ULONG kFreedMagic = 0x45455246;  // "FREE"
// PROTECTED_POOL: a tag flag Windows ignores when matching the tag at free time.
constexpr ULONG kProtectedPool = 0x80000000;

// Sits just before the driver's block, at the end of a cache line of its own: a debugger sees
// the tag, and a changed magic tells us the driver wrote in front of its buffer.
struct BlockHeader {
    ULONG magic;
    ULONG tag;
    SIZE_T size;
};
static_assert(sizeof(BlockHeader) <= kPoolAlignment);

BlockHeader* header_of(void* block) noexcept { return static_cast<BlockHeader*>(block) - 1; }
// Blocks of a page or more are page-aligned, as ExAllocatePoolWithTag documents; smaller ones
// are kPoolAlignment-aligned. The header sits just before the block either way.
SIZE_T lead_for(SIZE_T bytes) noexcept { return bytes >= PAGE_SIZE ? PAGE_SIZE : kPoolAlignment; }
void* raw_of(void* block, SIZE_T bytes) noexcept { return static_cast<unsigned char*>(block) - lead_for(bytes); }

struct BlockInfo {
    ULONG tag;
    SIZE_T size;
    verifier::ImageId owner;  // the driver image whose code asked for the block, or 0
};

// Allocation is not a fast path (DESIGN.md: pools are preallocated), so one mutex is enough.
struct PoolState {
    std::mutex mutex;
    std::unordered_map<const void*, BlockInfo> live;
    std::map<ULONG, TagUsage> tags;
    std::atomic<unsigned> fail_next{0};
    std::vector<TagLeak> unload_leaks;  // reported since the last take_tag_leaks()
};

PoolState& state() noexcept {
    static Immortal<PoolState> instance;
    return *instance;
}

bool take_injected_failure(PoolState& s) noexcept {
    unsigned pending = s.fail_next.load(std::memory_order_relaxed);
    while (pending > 0) {
        if (s.fail_next.compare_exchange_weak(pending, pending - 1, std::memory_order_relaxed)) return true;
    }
    return false;
}

void report_block(Rule rule, const void* block, const char* function, const char* format, ULONG a, ULONG b) noexcept {
    char what[160];
    std::snprintf(what, sizeof what, format, a, b);
    report_violation(rule, block, function, what);
}

// PagedPool and PagedPoolCacheAligned are the odd pool types.
bool is_paged(POOL_TYPE type) noexcept { return (type & 1) != 0; }

}  // namespace

void* pool_allocate(SIZE_T bytes, ULONG tag, const void* caller) noexcept {
    PoolState& s = state();
    if (take_injected_failure(s)) return nullptr;
    SIZE_T lead = lead_for(bytes);
    if (bytes > SIZE_MAX - 2 * lead) return nullptr;
    SIZE_T total = (lead + bytes + lead - 1) & ~(lead - 1);
    void* raw = std::aligned_alloc(lead, total);
    if (raw == nullptr) return nullptr;
    void* block = static_cast<unsigned char*>(raw) + lead;
    std::construct_at(header_of(block), BlockHeader{kLiveMagic, tag, bytes});
    verifier::ImageId owner = caller != nullptr ? verifier::image_at(caller) : 0;
    try {
        std::lock_guard guard(s.mutex);
        s.live.emplace(block, BlockInfo{tag, bytes, owner});
        TagUsage& usage = s.tags.try_emplace(tag, TagUsage{tag, 0, 0}).first->second;
        ++usage.allocations;
        usage.bytes += bytes;
    } catch (const std::bad_alloc&) {
        std::free(raw);
        return nullptr;
    }
    return block;
}

void pool_free(void* block, ULONG expected_tag, SIZE_T expected_size, const char* function) noexcept {
    if (!non_null(block, function)) return;
    PoolState& s = state();
    BlockInfo info;
    {
        std::lock_guard guard(s.mutex);
        auto found = s.live.find(block);
        if (found == s.live.end()) {
            report_violation(Rule::DoubleFree, block, function, "not a live pool block (double free or foreign pointer); ignored");
            return;
        }
        info = found->second;
        s.live.erase(found);
        TagUsage& usage = s.tags[info.tag];
        --usage.allocations;
        usage.bytes -= info.size;
    }
    BlockHeader* header = header_of(block);
    if (header->magic != kLiveMagic || header->tag != info.tag || header->size != info.size)
        report_block(Rule::BadCall, block, function, "pool header overwritten (buffer underrun); tag %08X size %u",
                     info.tag, static_cast<ULONG>(info.size));
    if (expected_tag != 0 && ((expected_tag ^ info.tag) & ~kProtectedPool) != 0)
        report_block(Rule::BadCall, block, function, "freed with tag %08X but allocated with tag %08X", expected_tag,
                     info.tag);
    if (expected_size != 0 && expected_size != info.size)
        report_block(Rule::BadCall, block, function, "freed with length %u but allocated with length %u",
                     static_cast<ULONG>(expected_size), static_cast<ULONG>(info.size));
    header->magic = kFreedMagic;
    std::free(raw_of(block, info.size));
}

std::vector<TagUsage> pool_usage() {
    PoolState& s = state();
    std::lock_guard guard(s.mutex);
    std::vector<TagUsage> out;
    for (const auto& [tag, usage] : s.tags)
        if (usage.allocations != 0) out.push_back(usage);
    return out;
}

TagUsage outstanding_for_tag(ULONG tag) noexcept {
    PoolState& s = state();
    std::lock_guard guard(s.mutex);
    auto found = s.tags.find(tag);
    return found != s.tags.end() ? found->second : TagUsage{tag, 0, 0};
}

std::string tag_name(ULONG tag) {
    std::string name(4, '.');
    for (int i = 0; i < 4; ++i) {
        auto c = static_cast<char>((tag >> (8 * i)) & 0xFF);
        if (c >= 0x20 && c < 0x7F) name[static_cast<std::size_t>(i)] = c;
    }
    return name;
}

void fail_next_allocations(unsigned count) noexcept { state().fail_next.store(count, std::memory_order_relaxed); }

std::vector<TagLeak> report_tag_leaks(verifier::ImageId image, const std::string& driver) {
    if (image == 0) return {};
    PoolState& s = state();
    std::map<ULONG, TagLeak> by_tag;
    std::map<ULONG, const void*> first;
    {
        std::lock_guard guard(s.mutex);
        for (const auto& [block, info] : s.live) {
            if (info.owner != image) continue;
            TagLeak& leak = by_tag.try_emplace(info.tag, TagLeak{driver, info.tag, 0, 0}).first->second;
            ++leak.blocks;
            leak.bytes += info.size;
            first.try_emplace(info.tag, block);
        }
    }
    std::vector<TagLeak> leaks;
    for (const auto& [tag, leak] : by_tag) {
        char what[128];
        std::snprintf(what, sizeof what, "tag '%s' (%08X): %llu block(s), %llu bytes not freed at unload",
                      tag_name(tag).c_str(), tag, static_cast<unsigned long long>(leak.blocks),
                      static_cast<unsigned long long>(leak.bytes));
        verifier::report(Rule::TagLeak, driver, first[tag], what);
        leaks.push_back(leak);
    }
    std::lock_guard guard(s.mutex);
    s.unload_leaks.insert(s.unload_leaks.end(), leaks.begin(), leaks.end());
    return leaks;
}

std::vector<TagLeak> take_tag_leaks() {
    PoolState& s = state();
    std::lock_guard guard(s.mutex);
    return std::exchange(s.unload_leaks, {});
}

}  // namespace strata::ntos

using namespace strata::ntos;

/* ExAllocatePoolWithTag (wdm.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL (paged: <= APC_LEVEL);
 * NULL when the pool is exhausted; 16-byte aligned, contents undefined */
extern "C" PVOID NTAPI ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag) {
    irql_at_most(is_paged(PoolType) ? APC_LEVEL : DISPATCH_LEVEL, "ExAllocatePoolWithTag");
    if (should_fail(FaultCall::ExAllocatePoolWithTag)) return nullptr;
    return pool_allocate(NumberOfBytes, Tag, __builtin_return_address(0));
}

/* ExAllocatePool (wdm.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL (paged: <= APC_LEVEL) */
extern "C" PVOID NTAPI ExAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes) {
    irql_at_most(is_paged(PoolType) ? APC_LEVEL : DISPATCH_LEVEL, "ExAllocatePool");
    if (should_fail(FaultCall::ExAllocatePool)) return nullptr;
    return pool_allocate(NumberOfBytes, kTagExAllocatePool, __builtin_return_address(0));
}

/* ExFreePoolWithTag (wdm.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NTAPI ExFreePoolWithTag(PVOID P, ULONG Tag) {
    irql_at_most(DISPATCH_LEVEL, "ExFreePoolWithTag", P);
    pool_free(P, Tag, 0, "ExFreePoolWithTag");
}

/* ExFreePool (wdm.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NTAPI ExFreePool(PVOID P) {
    irql_at_most(DISPATCH_LEVEL, "ExFreePool", P);
    pool_free(P, 0, 0, "ExFreePool");
}

/* ExAllocatePool2 (wdm.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL (POOL_FLAG_PAGED: <= APC_LEVEL)
 * Zeroed unless POOL_FLAG_UNINITIALIZED. NULL when the pool is exhausted, when not exactly one pool
 * type flag is given, or when a required flag (low 32 bits) is unknown; unknown optional flags
 * are ignored. POOL_FLAG_RAISE_ON_FAILURE cannot raise without structured exceptions: a failure is
 * reported and NULL returned. */
extern "C" PVOID NTAPI ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag) {
    constexpr POOL_FLAGS kTypes = POOL_FLAG_NON_PAGED | POOL_FLAG_NON_PAGED_EXECUTE | POOL_FLAG_PAGED;
    constexpr POOL_FLAGS kKnownRequired = kTypes | POOL_FLAG_USE_QUOTA | POOL_FLAG_UNINITIALIZED | POOL_FLAG_SESSION |
                                          POOL_FLAG_CACHE_ALIGNED | POOL_FLAG_RAISE_ON_FAILURE;
    irql_at_most((Flags & POOL_FLAG_PAGED) != 0 ? APC_LEVEL : DISPATCH_LEVEL, "ExAllocatePool2");
    POOL_FLAGS type = Flags & kTypes;
    if ((type & (type - 1)) != 0 || type == 0 || (Flags & 0xFFFFFFFFULL & ~kKnownRequired) != 0) {
        char what[96];
        std::snprintf(what, sizeof what, "Flags 0x%llx: not exactly one pool type, or an unknown required flag",
                      static_cast<unsigned long long>(Flags));
        report_violation(Rule::BadCall, nullptr, "ExAllocatePool2", what);
        return nullptr;
    }
    void* block = should_fail(FaultCall::ExAllocatePool2) ? nullptr
                                                         : pool_allocate(NumberOfBytes, Tag, __builtin_return_address(0));
    if (block == nullptr) {
        if ((Flags & POOL_FLAG_RAISE_ON_FAILURE) != 0)
            report_violation(Rule::BadCall, nullptr, "ExAllocatePool2",
                             "allocation failed with POOL_FLAG_RAISE_ON_FAILURE; no exception can be raised, NULL returned");
        return nullptr;
    }
    if ((Flags & POOL_FLAG_UNINITIALIZED) == 0) std::memset(block, 0, NumberOfBytes);
    return block;
}

/* NdisAllocateMemoryWithTag (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL;
 * NDIS_STATUS_FAILURE (and *VirtualAddress NULL) when the pool is exhausted */
extern "C" NDIS_STATUS NdisAllocateMemoryWithTag(PVOID* VirtualAddress, UINT Length, ULONG Tag) {
    if (!non_null(VirtualAddress, "NdisAllocateMemoryWithTag")) return NDIS_STATUS_FAILURE;
    irql_at_most(DISPATCH_LEVEL, "NdisAllocateMemoryWithTag");
    *VirtualAddress = should_fail(FaultCall::NdisAllocateMemoryWithTag)
                          ? nullptr
                          : pool_allocate(Length, Tag, __builtin_return_address(0));
    return *VirtualAddress != nullptr ? NDIS_STATUS_SUCCESS : NDIS_STATUS_FAILURE;
}

/* NdisAllocateMemory (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL (PASSIVE_LEVEL with
 * NDIS_MEMORY_CONTIGUOUS or NDIS_MEMORY_NONCACHED). User space has no physical address limit. */
extern "C" NDIS_STATUS NdisAllocateMemory(PVOID* VirtualAddress, UINT Length, UINT MemoryFlags,
                                          NDIS_PHYSICAL_ADDRESS HighestAcceptableAddress) {
    (void)HighestAcceptableAddress;
    if (!non_null(VirtualAddress, "NdisAllocateMemory")) return NDIS_STATUS_FAILURE;
    irql_at_most(MemoryFlags != 0 ? PASSIVE_LEVEL : DISPATCH_LEVEL, "NdisAllocateMemory");
    *VirtualAddress = should_fail(FaultCall::NdisAllocateMemory)
                          ? nullptr
                          : pool_allocate(Length, kTagNdisMemory, __builtin_return_address(0));
    return *VirtualAddress != nullptr ? NDIS_STATUS_SUCCESS : NDIS_STATUS_FAILURE;
}

/* NdisFreeMemory (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL (PASSIVE_LEVEL for
 * contiguous or noncached memory); Length must be the allocated length */
extern "C" VOID NdisFreeMemory(PVOID VirtualAddress, UINT Length, UINT MemoryFlags) {
    irql_at_most(MemoryFlags != 0 ? PASSIVE_LEVEL : DISPATCH_LEVEL, "NdisFreeMemory", VirtualAddress);
    pool_free(VirtualAddress, 0, Length, "NdisFreeMemory");
}

/* RtlCompareMemory (wdm.h) — seed 003 §2.2 — any IRQL for nonpaged memory; the number of
 * leading bytes that match */
extern "C" SIZE_T NTAPI RtlCompareMemory(const VOID* Source1, const VOID* Source2, SIZE_T Length) {
    auto* a = static_cast<const unsigned char*>(Source1);
    auto* b = static_cast<const unsigned char*>(Source2);
    SIZE_T i = 0;
    while (i < Length && a[i] == b[i]) ++i;
    return i;
}
