// root_lock.cpp — see root_lock.h.
#include "host/root_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace strata::host {
namespace {

std::filesystem::path lock_path(const std::filesystem::path& root) { return root / "host.lock"; }

}  // namespace

std::optional<RootLock> RootLock::acquire(const std::filesystem::path& root) {
    std::filesystem::path path = lock_path(root);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error(path.string() + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return std::nullopt;
    }
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        ::close(fd);
        throw std::runtime_error(path.string() + ": cannot write the pid: " + std::strerror(errno));
    }
    return RootLock(fd);
}

std::optional<pid_t> RootLock::holder(const std::filesystem::path& root) {
    int fd = ::open(lock_path(root).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::optional<pid_t> pid;
    if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
        char text[32] = {};
        if (::pread(fd, text, sizeof text - 1, 0) > 0) pid = static_cast<pid_t>(std::atoi(text));
    } else {
        ::flock(fd, LOCK_UN);
    }
    ::close(fd);
    return pid;
}

RootLock::RootLock(RootLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

RootLock::~RootLock() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace strata::host
