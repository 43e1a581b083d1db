// main.cpp — strata-bench: benchmarks printed as one JSON object per line (--json) with the
// baseline measured in the same run (DESIGN "Testing and measuring").
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "bench.h"

namespace {

void usage() {
    std::fprintf(stderr,
                 "usage: strata-bench datapath [--json] [--packets N] [--layers L,L...] [--stacking] [--driver-dir DIR]\n"
                 "       strata-bench wsk [--json] [--conns N,N...] [--sizes BYTES,BYTES...] [--seconds S] [--processors N]\n"
                 "                        [--driver-dir DIR]\n"
                 "       strata-bench wire [--json] [--seconds S] [--rounds N] [--tpacket 2,3]\n"
                 "                         [--driver-dir DIR]   (root)\n");
}

// A comma-separated list of whole numbers in [low, high]; false (and `out` untouched) otherwise.
template <typename T>
bool parse_list(const std::string& list, unsigned long long low, unsigned long long high, std::vector<T>& out) {
    std::vector<T> items;
    for (std::size_t at = 0; at <= list.size();) {
        std::size_t comma = std::min(list.find(',', at), list.size());
        std::string item = list.substr(at, comma - at);
        char* end = nullptr;
        unsigned long long number = std::strtoull(item.c_str(), &end, 10);
        if (item.empty() || item[0] == '-' || *end != '\0' || number < low || number > high) return false;
        items.push_back(static_cast<T>(number));
        at = comma + 1;
    }
    out = std::move(items);
    return true;
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
            if (!parse_list(argv[++i], 0, 3, options.layers)) {
                std::fprintf(stderr, "strata-bench: --layers: '%s' is not a list of numbers 0 to 3\n", argv[i]);
                return 2;
            }
        } else if (arg == "--conns" && i + 1 < argc) {
            if (!parse_list(argv[++i], 1, 1000, options.conns)) {
                std::fprintf(stderr, "strata-bench: --conns: '%s' is not a list of numbers 1 to 1000\n", argv[i]);
                return 2;
            }
        } else if (arg == "--sizes" && i + 1 < argc) {
            if (!parse_list(argv[++i], 1, 1 << 20, options.sizes)) {
                std::fprintf(stderr, "strata-bench: --sizes: '%s' is not a list of byte counts 1 to 1048576\n", argv[i]);
                return 2;
            }
        } else if (arg == "--seconds" && i + 1 < argc) {
            char* end = nullptr;
            options.seconds = std::strtod(argv[++i], &end);
            if (*end != '\0' || !(options.seconds >= 0.1 && options.seconds <= 3600)) {
                std::fprintf(stderr, "strata-bench: --seconds: '%s' is not a duration of 0.1 to 3600 seconds\n", argv[i]);
                return 2;
            }
        } else if (arg == "--tpacket" && i + 1 < argc) {
            if (!parse_list(argv[++i], 2, 3, options.tpackets)) {
                std::fprintf(stderr, "strata-bench: --tpacket: '%s' is not a list of ring layouts 2 and 3\n", argv[i]);
                return 2;
            }
        } else if ((arg == "--processors" || arg == "--rounds") && i + 1 < argc) {
            unsigned high = arg == "--processors" ? 64 : 99;
            std::vector<unsigned> number;
            if (!parse_list(argv[++i], 1, high, number) || number.size() != 1) {
                std::fprintf(stderr, "strata-bench: %s: '%s' is not a number 1 to %u\n", arg.c_str(), argv[i], high);
                return 2;
            }
            (arg == "--processors" ? options.processors : options.rounds) = number[0];
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
    if (bench == "wsk") return strata::bench::run_wsk(options);
    if (bench == "wire") return strata::bench::run_wire(options);
    std::fprintf(stderr, "strata-bench: unknown benchmark '%s'\n", bench.c_str());
    usage();
    return 2;
}
