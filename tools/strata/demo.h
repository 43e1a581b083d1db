// demo.h — `strata demo`.
#pragma once

#include <filesystem>

namespace strata::cli {
int run_demo(const std::filesystem::path& root, const std::filesystem::path& driver_dir);
}
