// root_lock.h — one host per root: an exclusive flock on <root>/host.lock holding the host's pid
// (DESIGN.md "Host and the strata command"). The lock dies with the process, so a crashed host
// never blocks the next start.
#pragma once

#include <filesystem>
#include <optional>
#include <sys/types.h>

namespace strata::host {

class RootLock {
public:
    // Takes the lock and writes this process's pid; nullopt when another process holds it.
    // Throws std::runtime_error naming the file when it cannot be created.
    static std::optional<RootLock> acquire(const std::filesystem::path& root);
    // The pid written by the process holding the lock, or nullopt when nobody holds it.
    static std::optional<pid_t> holder(const std::filesystem::path& root);

    RootLock(RootLock&& other) noexcept;
    RootLock& operator=(RootLock&&) = delete;
    ~RootLock();

private:
    explicit RootLock(int fd) : fd_(fd) {}
    int fd_;
};

}  // namespace strata::host
