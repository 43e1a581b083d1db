// bench.h — the strata-bench command's shared options and its benchmarks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace strata::bench {

struct Options {
    bool json = false;
    std::uint64_t packets = 2'000'000;
    std::filesystem::path driver_dir;
    std::vector<unsigned> layers{0};  // passthru IMs stacked between probe and loop, one run each
    bool stacking = false;            // the passthru layers use NDIS 5.1 packet stacking (PacketStacking=1)
};

int run_datapath(const Options& options);

}  // namespace strata::bench
