// main.cpp — the strata command (DESIGN "Host and the strata command"). Subcommands arrive with
// the netcfg/host work; today: demo.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "demo.h"

namespace {

void usage() {
    std::fprintf(stderr,
                 "usage: strata [--root DIR] [--driver-dir DIR] demo\n"
                 "  demo   run the in-process loop <-> probe NDIS stack and print its counters\n");
}

}  // namespace

int main(int argc, char** argv) {
    std::filesystem::path root;
    std::filesystem::path driver_dir = STRATA_DRIVER_DIR;
    std::string command;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if ((arg == "--root" || arg == "--driver-dir") && i + 1 < argc) {
            (arg == "--root" ? root : driver_dir) = argv[++i];
        } else if (arg == "-h" || arg == "--help") {
            usage();
            return 0;
        } else if (command.empty() && arg[0] != '-') {
            command = arg;
        } else {
            std::fprintf(stderr, "strata: unknown argument '%s'\n", arg.c_str());
            usage();
            return 2;
        }
    }
    if (command != "demo") {
        if (command.empty()) std::fprintf(stderr, "strata: no command given\n");
        else std::fprintf(stderr, "strata: unknown command '%s'\n", command.c_str());
        usage();
        return 2;
    }
    bool temporary = root.empty();
    if (temporary) {
        char templ[] = "/tmp/strata-demo-XXXXXX";
        if (::mkdtemp(templ) == nullptr) {
            std::fprintf(stderr, "strata: cannot create a temporary registry root\n");
            return 1;
        }
        root = templ;
    }
    int rc = strata::cli::run_demo(root, driver_dir);
    if (temporary) std::filesystem::remove_all(root);
    return rc;
}
