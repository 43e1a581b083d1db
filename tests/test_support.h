// test_support.h — shared pieces of the cross-cutting tests: a temporary registry root that is
// removed even when a test fails, and a host on it with the built drivers.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "strata/host.hpp"

namespace strata::test {

class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "strata-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

inline std::filesystem::path driver_dir() { return STRATA_DRIVER_DIR; }

inline std::unique_ptr<Host> make_host(const TempDir& root, unsigned processors = 2, bool verify = true) {
    return std::make_unique<Host>(HostOptions{root.path(), driver_dir(), processors, verify});
}

}  // namespace strata::test
