// alloc_counter.h — counts every heap allocation in the process (malloc and friends are
// interposed by this executable), so benchmarks can report heap allocations per packet.
#pragma once

#include <cstdint>

namespace strata::bench {
std::uint64_t heap_allocations() noexcept;
}
