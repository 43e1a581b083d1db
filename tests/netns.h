// netns.h — the system tests' network parts (DESIGN.md "Testing and measuring", issue 6): network
// namespaces and veth pairs a test creates with unique names and deletes in its destructor, so
// nothing is left behind even when an assertion fails. Names carry the test process's pid; parts
// a killed test left behind are removed by the next test that starts (reap_stale_parts).
// Addresses used with them must be in 198.18.0.0/15.
#pragma once

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <utility>

namespace strata::test {

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together
};

// Runs `command` with /bin/sh, capturing what it prints.
inline CommandResult shell(const std::string& command) {
    CommandResult result;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return result;
    char chunk[4096];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) result.output.append(chunk, n);
    int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

// System tests need root (namespaces, veth, TAP, packet sockets) and the `ip` command.
inline bool can_build_networks() {
    return ::geteuid() == 0 && shell("ip -V").exit_code == 0 && std::filesystem::exists("/dev/net/tun");
}

#define STRATA_REQUIRE_NETWORKS()                                                              \
    do {                                                                                       \
        if (!::strata::test::can_build_networks())                                             \
            GTEST_SKIP() << "needs root, iproute2 and /dev/net/tun to build namespaces";      \
    } while (0)

// A unique short name: interface names have at most 15 characters. "st<pid>x<n><suffix>".
inline std::string unique_net_name(const char* suffix) {
    static std::atomic<unsigned> next{0};
    std::ostringstream name;
    name << "st" << (::getpid() % 100000) << 'x' << next.fetch_add(1) << suffix;
    return name.str();
}

// Deletes namespaces and links named by a test process that no longer exists.
inline void reap_stale_parts() {
    auto owner_gone = [](const std::string& name) {
        if (name.rfind("st", 0) != 0) return false;
        std::size_t x = name.find('x', 2);
        if (x == std::string::npos || x == 2) return false;
        for (std::size_t i = 2; i < x; ++i)
            if (name[i] < '0' || name[i] > '9') return false;
        pid_t pid = static_cast<pid_t>(std::stol(name.substr(2, x - 2)));
        return pid != ::getpid() % 100000 && ::kill(pid, 0) != 0 && errno == ESRCH;
    };
    std::istringstream namespaces(shell("ip netns list").output);
    for (std::string line; std::getline(namespaces, line);) {
        std::string name = line.substr(0, line.find(' '));
        if (owner_gone(name)) shell("ip netns delete " + name);
    }
    std::error_code error;
    for (const auto& link : std::filesystem::directory_iterator("/sys/class/net", error)) {
        std::string name = link.path().filename().string();
        if (owner_gone(name)) shell("ip link delete " + name);
    }
}

// A network namespace, deleted (with every interface in it) by the destructor.
class NetNamespace {
public:
    NetNamespace() : name_(unique_net_name("n")) {
        reap_stale_parts();
        CommandResult made = shell("ip netns add " + name_);
        if (made.exit_code != 0) throw std::runtime_error("ip netns add " + name_ + ": " + made.output);
        shell("ip -n " + name_ + " link set lo up");
    }
    ~NetNamespace() { shell("ip netns delete " + name_); }
    NetNamespace(const NetNamespace&) = delete;
    NetNamespace& operator=(const NetNamespace&) = delete;

    const std::string& name() const { return name_; }
    // Runs `command` inside the namespace.
    CommandResult run(const std::string& command) const { return shell("ip netns exec " + name_ + " " + command); }
    // Moves interface `ifname` into the namespace, gives it `cidr` (may be empty) and sets it up.
    void adopt(const std::string& ifname, const std::string& cidr) const {
        CommandResult moved = shell("ip link set " + ifname + " netns " + name_);
        if (moved.exit_code != 0) throw std::runtime_error("ip link set " + ifname + " netns: " + moved.output);
        if (!cidr.empty()) shell("ip -n " + name_ + " addr add " + cidr + " dev " + ifname);
        shell("ip -n " + name_ + " link set " + ifname + " up");
    }

private:
    std::string name_;
};

// A veth pair in the root namespace; deleting either end deletes both, wherever they moved.
class VethPair {
public:
    VethPair() : near_(unique_net_name("a")), far_(unique_net_name("b")) {
        reap_stale_parts();
        CommandResult made = shell("ip link add " + near_ + " type veth peer name " + far_);
        if (made.exit_code != 0) throw std::runtime_error("ip link add veth: " + made.output);
        shell("ip link set " + near_ + " up");
    }
    ~VethPair() {
        shell("ip link delete " + near_);
        shell("ip link delete " + far_);
    }
    VethPair(const VethPair&) = delete;
    VethPair& operator=(const VethPair&) = delete;

    const std::string& near_end() const { return near_; }  // stays in the root namespace
    const std::string& far_end() const { return far_; }    // usually moved into a namespace

private:
    std::string near_;
    std::string far_;
};

inline bool interface_exists(const std::string& ifname) {
    return std::filesystem::exists("/sys/class/net/" + ifname);
}

}  // namespace strata::test
