// main.cpp — strata-bench: benchmarks printed as one JSON object per line (--json) with the
// baseline measured in the same run (DESIGN "Testing and measuring").
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench.h"

namespace {

void usage() {
    std::fprintf(stderr, "usage: strata-bench datapath [--json] [--packets N] [--layers L,L...] [--stacking] [--driver-dir DIR]\n");
}

}  // namespace

int main(int argc, char** argv) {
    strata::bench::Options options;
    options.driver_dir = STRATA_DRIVER_DIR;
    std::string bench;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--json") {
            options.json = true;
        } else if (arg == "--packets" && i + 1 < argc) {
            char* end = nullptr;
            options.packets = std::strtoull(argv[++i], &end, 10);
            if (*end != '\0' || options.packets < 32) {
                std::fprintf(stderr, "strata-bench: --packets: '%s' is not a whole number >= 32\n", argv[i]);
                return 2;
            }
        } else if (arg == "--layers" && i + 1 < argc) {
            options.layers.clear();
            std::string list = argv[++i];
            for (std::size_t at = 0; at <= list.size();) {
                std::size_t comma = std::min(list.find(',', at), list.size());
                std::string item = list.substr(at, comma - at);
                char* end = nullptr;
                unsigned long layers = std::strtoul(item.c_str(), &end, 10);
                if (item.empty() || *end != '\0' || layers > 3) {
                    std::fprintf(stderr, "strata-bench: --layers: '%s' is not a list of numbers 0 to 3\n", list.c_str());
                    return 2;
                }
                options.layers.push_back(static_cast<unsigned>(layers));
                at = comma + 1;
            }
        } else if (arg == "--stacking") {
            options.stacking = true;
        } else if (arg == "--driver-dir" && i + 1 < argc) {
            options.driver_dir = argv[++i];
        } else if (bench.empty() && arg[0] != '-') {
            bench = arg;
        } else {
            std::fprintf(stderr, "strata-bench: unknown argument '%s'\n", arg.c_str());
            usage();
            return 2;
        }
    }
    if (bench.empty() || bench == "datapath") return strata::bench::run_datapath(options);
    std::fprintf(stderr, "strata-bench: unknown benchmark '%s'\n", bench.c_str());
    usage();
    return 2;
}
