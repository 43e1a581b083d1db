// bench.h — the strata-bench command's shared options and its benchmarks.
#pragma once

#include <cstddef>
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
    std::vector<unsigned> conns{1, 64};        // wsk: connections, one run each
    std::vector<std::size_t> sizes{64, 16384};  // wsk: message bytes, one run each
    double seconds = 2;                        // wsk: measured time per server and case
    unsigned processors = 1;                   // wsk: the host's processor threads
    unsigned rounds = 3;                       // wire: rounds, each the stack and its baseline back to back
    std::vector<unsigned> tpackets{2, 3};      // wire: afpacket's ring layouts (TpacketVersion), one run each
    unsigned tpacket = 2;                      // wire: the layout of the run in progress
};

int run_datapath(const Options& options);
int run_wsk(const Options& options);
int run_wire(const Options& options);

}  // namespace strata::bench
