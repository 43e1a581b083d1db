// wsk.cpp — `strata-bench wsk` (issue 5 item 7): echo round trips per second and throughput
// through echosrv (drivers/echosrv, a WSK client in an in-process host) against a plain C++ epoll
// echo server (native_echo.h) in the same run, for each number of connections and message size.
// Both servers get the same closed-loop load (echo_load.h); for each case the native server and
// echosrv run back to back, in alternating slices that add up to --seconds each. The host has one
// processor by default, so echosrv is served by one thread like the native server; the load
// generator is one more thread for both.
// Round trips per second depend on what else the machine runs; the servers' CPU time per round
// trip (their threads' run time over the run) depends much less on it, so it is reported too.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "bench.h"
#include "echo_load.h"
#include "native_echo.h"
#include "registry/registry.h"
#include "registry/value.h"
#include "strata/host.hpp"

namespace strata::bench {
namespace {

constexpr const char* kEchosrvParameters = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\echosrv\\Parameters";
// Each case alternates the two servers this many times, so a change in what else the machine
// runs falls on both alike.
constexpr int kSlices = 4;
// The threads serving echosrv's sockets: the host's processors (ntos/processor.cpp names them).
constexpr std::string_view kHostThreads = "strata-cpu";

// A TCP port free right now for echosrv's dual-stack wildcard bind, checked with the same bind.
std::uint16_t free_port() {
    int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    int off = 0;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_addr = in6addr_any;
    socklen_t length = sizeof address;
    std::uint16_t port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
        port = ntohs(address.sin6_port);
    ::close(fd);
    return port;
}

// CPU seconds the process's threads named `prefix`… have run: field 1 of /proc/self/task/TID/schedstat
// is the time spent on a CPU in nanoseconds (the kernel's Documentation/scheduler/sched-stats.rst).
double threads_cpu_seconds(std::string_view prefix) {
    double total = 0;
    std::error_code error;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", error)) {
        std::string name;
        std::getline(std::ifstream(task.path() / "comm"), name);
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        unsigned long long ns = 0;
        if (std::ifstream(task.path() / "schedstat") >> ns) total += static_cast<double>(ns) / 1e9;
    }
    return total;
}

// What one server did under one case's load, summed over the case's slices.
struct Run {
    std::uint64_t round_trips = 0;
    double seconds = 0;
    std::uint64_t all_round_trips = 0;
    double cpu_seconds = 0;  // the server's threads, over every round trip (all_round_trips)
    std::string error;

    void add_slice(std::uint16_t port, std::string_view threads, unsigned conns, std::size_t message_bytes, double slice) {
        double before = threads_cpu_seconds(threads);
        EchoLoad load = run_echo_load(port, conns, message_bytes, slice);
        cpu_seconds += threads_cpu_seconds(threads) - before;
        round_trips += load.round_trips;
        seconds += load.seconds;
        all_round_trips += load.all_round_trips;
        if (error.empty()) error = load.error;
    }
    double rps() const { return static_cast<double>(round_trips) / seconds; }
    double megabytes_per_second(std::size_t message_bytes) const { return rps() * static_cast<double>(message_bytes) / 1e6; }
    double cpu_us_per_round_trip() const { return cpu_seconds * 1e6 / static_cast<double>(all_round_trips); }
};

void emit(const Options& options, unsigned conns, std::size_t message_bytes, const Run& echosrv, const Run& native) {
    double rps = echosrv.rps();
    double native_rps = native.rps();
    double mbps = echosrv.megabytes_per_second(message_bytes);
    double native_mbps = native.megabytes_per_second(message_bytes);
    if (options.json) {
        std::printf("{\"bench\":\"wsk\",\"conns\":%u,\"msg_bytes\":%zu,\"rps\":%.0f,\"native_rps\":%.0f,\"ratio\":%.3f,"
                    "\"mbps\":%.2f,\"native_mbps\":%.2f,\"cpu_us_per_rt\":%.2f,\"native_cpu_us_per_rt\":%.2f,"
                    "\"seconds\":%.2f,\"processors\":%u}\n",
                    conns, message_bytes, rps, native_rps, rps / native_rps, mbps, native_mbps,
                    echosrv.cpu_us_per_round_trip(), native.cpu_us_per_round_trip(), echosrv.seconds, options.processors);
    } else {
        std::printf("%5u  %9zu  %11.0f  %8.2f  %10.2f  %11.0f  %8.2f  %10.2f  %6.3f\n", conns, message_bytes, rps, mbps,
                    echosrv.cpu_us_per_round_trip(), native_rps, native_mbps, native.cpu_us_per_round_trip(), rps / native_rps);
    }
    std::fflush(stdout);
}

// The measured cases, with the host and echosrv loaded and the native server listening.
int run_cases(const Options& options, std::uint16_t echosrv_port, std::uint16_t native_port) {
    if (!options.json)
        std::printf("conns  msg_bytes  echosrv rps      MB/s  µs CPU/rt   native rps      MB/s  µs CPU/rt   ratio\n");
    int rc = 0;
    for (unsigned conns : options.conns) {
        for (std::size_t message_bytes : options.sizes) {
            Run native;
            Run echosrv;
            for (int slice = 0; slice < kSlices && native.error.empty() && echosrv.error.empty(); ++slice) {
                native.add_slice(native_port, NativeEchoServer::kThreadName, conns, message_bytes, options.seconds / kSlices);
                echosrv.add_slice(echosrv_port, kHostThreads, conns, message_bytes, options.seconds / kSlices);
            }
            for (const auto& [name, run] : {std::pair{"native", &native}, std::pair{"echosrv", &echosrv}}) {
                if (!run->error.empty()) {
                    std::fprintf(stderr, "strata-bench: wsk: %s, %u connections, %zu-byte messages: %s\n", name, conns,
                                 message_bytes, run->error.c_str());
                    rc = 1;
                }
            }
            if (native.error.empty() && echosrv.error.empty()) emit(options, conns, message_bytes, echosrv, native);
        }
    }
    return rc;
}

}  // namespace

int run_wsk(const Options& options) {
    char root_template[] = "/tmp/strata-bench-XXXXXX";
    if (::mkdtemp(root_template) == nullptr) {
        std::fprintf(stderr, "strata-bench: cannot create a temporary registry root\n");
        return 1;
    }
    std::filesystem::path root = root_template;
    int rc = 0;
    try {
        NativeEchoServer native;
        Host host(HostOptions{root, options.driver_dir, options.processors, false});
        std::uint16_t port = free_port();
        if (port == 0) throw std::runtime_error("no free TCP port for echosrv");
        host.registry().set_value(kEchosrvParameters, "Port", registry::Value::dword(port));
        if (host.load_driver("echosrv") != STATUS_SUCCESS) throw std::runtime_error("cannot load echosrv.sys: " + host.last_error());
        rc = run_cases(options, port, native.port());
        if (host.unload_driver("echosrv") != STATUS_SUCCESS) throw std::runtime_error("echosrv did not unload");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "strata-bench: wsk: %s\n", e.what());
        rc = 1;
    }
    std::filesystem::remove_all(root);
    return rc;
}

}  // namespace strata::bench
