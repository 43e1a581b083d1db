// pool.h — tagged pool memory (seed 003 §2.2, DESIGN.md "Verifier"): every block carries a small
// header (magic, tag, size) and is counted per tag, so leaks can be named at driver unload and a
// double free or foreign pointer is reported instead of corrupting the heap.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <wdm.h>

#include "verifier/images.h"

namespace strata::ntos {

// Windows promises MEMORY_ALLOCATION_ALIGNMENT (16 on x64); we give a cache line, because drivers
// put DECLSPEC_CACHEALIGN members in pool-allocated contexts and the compiler then relies on it.
inline constexpr std::size_t kPoolAlignment = 64;

// Tags the library uses for the allocations it makes on a driver's behalf.
inline constexpr ULONG kTagExAllocatePool = 0x656E6F4E;   // 'None', as Windows tags ExAllocatePool
inline constexpr ULONG kTagNdisMemory = 0x614D444E;       // 'NDMa', NdisAllocateMemory without a tag
inline constexpr ULONG kTagString = 0x67727453;           // 'Strg', Rtl/Ndis string buffers
inline constexpr ULONG kTagMdl = 0x206C644D;              // 'Mdl ', IoAllocateMdl

struct TagUsage {
    ULONG tag;
    std::uint64_t allocations;  // blocks outstanding
    std::uint64_t bytes;        // bytes outstanding (as requested)
};

// Outstanding blocks per tag, ordered by tag; tags with nothing outstanding are left out.
std::vector<TagUsage> pool_usage();
TagUsage outstanding_for_tag(ULONG tag) noexcept;

// The four tag characters as written in source ('Strg' -> "Strg"), non-printables as '.'.
std::string tag_name(ULONG tag);

// Fault injection: the next `count` allocations fail as if the pool were exhausted.
void fail_next_allocations(unsigned count) noexcept;

// The allocator behind every entry point: NULL on exhaustion or injected failure. The caller's
// IRQL is checked by the entry points, not here. `caller` (the entry point's return address)
// charges the block to the driver image it lies in; nullptr charges no driver.
void* pool_allocate(SIZE_T bytes, ULONG tag, const void* caller = nullptr) noexcept;

// Blocks a driver allocated and did not free, per tag (issue 7 §4 "tag leak at unload").
struct TagLeak {
    std::string driver;
    ULONG tag;
    std::uint64_t blocks;
    std::uint64_t bytes;
};
// At unload, before the image is unmapped: one Rule::TagLeak report per tag with blocks still
// charged to `image`, named `driver`; returns them (and keeps them for take_tag_leaks).
std::vector<TagLeak> report_tag_leaks(verifier::ImageId image, const std::string& driver);
// The leaks reported at unloads since the last call (the host's stop report).
std::vector<TagLeak> take_tag_leaks();
// Frees a block from pool_allocate. `expected_tag` 0 accepts any tag; `expected_size` 0 any size.
// NULL, unknown and already freed pointers are reported (naming `function`) and ignored.
void pool_free(void* block, ULONG expected_tag, SIZE_T expected_size, const char* function) noexcept;

}  // namespace strata::ntos
