// wire.cpp — `strata-bench wire` (issue 6 item 6): 64-byte frames forwarded veth → afpacket →
// passthru → xconnect → passthru → afpacket → veth by a one-processor `strata start` host pinned
// to core 0, against the baseline — a plain C++ loop doing the same AF_PACKET (or, for afxdp,
// AF_XDP) I/O without NDIS (wire_io.h, xdp_forwarder.h) on the same core. The generator runs on
// core 1; the sink is the far veth end, whose kernel counts what arrives. Then TCP both ways:
// iperf3 between two namespaces through afpacket → passthru → strata_tap (with the task offloads
// they negotiate), against a Linux bridge joining the same veth to a second one into the other
// namespace. afpacket and TCP run once per ring layout in --tpacket (TpacketVersion; the
// baseline loop uses the same layout and waits for frames as the driver does). Every figure is
// the median of --rounds rounds, each measuring the stack and its baseline back to back, with
// the per-round ratios alongside. Needs root.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench.h"
#include "wire_io.h"
#include "xdp_forwarder.h"

namespace strata::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr unsigned kForwarderCpu = 0;
constexpr unsigned kGeneratorCpu = 1;

struct Rate {
    double mpps = 0;
    double cpu_ns_per_pkt = 0;
    double offered_mpps = 0;
    std::string error;
};

// CPU seconds process `pid` has used (utime + stime of /proc/PID/stat).
double process_cpu_seconds(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Offers frames on `in_far` for `seconds` and counts what reaches `out_far`; `cpu_seconds` says
// how much CPU the forwarder used so far (read before and after the window).
template <typename CpuSeconds>
Rate measure(const Veth& in, const Veth& out, double seconds, CpuSeconds cpu_seconds) {
    Rate rate;
    FrameGenerator generator(in.far(), kGeneratorCpu);
    if (!generator.error().empty()) {
        rate.error = generator.error();
        return rate;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // rings and queues fill up
    std::uint64_t sent = generator.sent(), received = rx_packets(out.far());
    double cpu = cpu_seconds();
    auto start = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::uint64_t forwarded = rx_packets(out.far()) - received;
    rate.offered_mpps = static_cast<double>(generator.sent() - sent) / elapsed / 1e6;
    rate.mpps = static_cast<double>(forwarded) / elapsed / 1e6;
    rate.cpu_ns_per_pkt = forwarded == 0 ? 0 : (cpu_seconds() - cpu) * 1e9 / static_cast<double>(forwarded);
    generator.stop();
    return rate;
}

class Cli {
public:
    explicit Cli(const std::filesystem::path& driver_dir)
        : strata_((driver_dir / ".." / "bin" / "strata").lexically_normal()), driver_dir_(driver_dir) {
        char pattern[] = "/tmp/strata-wire-XXXXXX";
        root_ = ::mkdtemp(pattern);
    }
    ~Cli() {
        run("stop");
        std::error_code ignored;
        std::filesystem::remove_all(root_, ignored);
    }
    Cli(const Cli&) = delete;
    Cli& operator=(const Cli&) = delete;

    // Runs `strata --root ROOT args` pinned to the forwarder's core; "" on success, else its output.
    std::string run(const std::string& args, std::string* output = nullptr) {
        std::string text;
        int code = shell("taskset -c " + std::to_string(kForwarderCpu) + " " + strata_.string() + " --root " + root_ +
                         " " + args, &text);
        if (output != nullptr) *output = text;
        return code == 0 ? std::string() : "strata " + args + ": " + text;
    }
    std::string inf(const char* name) const { return (driver_dir_ / name).string(); }
    const std::string& root() const { return root_; }

private:
    std::filesystem::path strata_;
    std::filesystem::path driver_dir_;
    std::string root_;
};

// The pid `strata start --json` printed.
pid_t host_pid(const std::string& output) {
    std::size_t at = output.find("\"pid\":");
    return at == std::string::npos ? 0 : static_cast<pid_t>(std::stol(output.substr(at + 6)));
}

Rate measure_stack(const Options& options, const Veth& in, const Veth& out, const char* component, const char* inf) {
    Rate rate;
    Cli cli(options.driver_dir);
    std::string output;
    for (std::string step : {"install " + cli.inf(inf), "install " + cli.inf("netpassthru.inf"),
                             "install " + cli.inf("netxconnect.inf")}) {
        rate.error = cli.run(step);
        if (!rate.error.empty()) return rate;
    }
    for (const auto& [name, ifname] : {std::pair{"wire-in", in.near()}, std::pair{"wire-out", out.near()}}) {
        // The baseline loop bypasses the qdisc too (PACKET_QDISC_BYPASS): the same transmit I/O.
        std::string bypass = std::string(component) == "strata_afpacket"
                                 ? " --param QdiscBypass=1 --param TpacketVersion=" + std::to_string(options.tpacket)
                                 : "";
        rate.error = cli.run(std::string("device add ") + component + " --name " + name + " --param Interface=" + ifname +
                                 bypass,
                             &output);
        if (!rate.error.empty()) return rate;
        // NDIS 5.1 packet stacking in the passthru bound to it: the packet itself goes through.
        std::size_t guid = output.find("\\Device\\{");
        if (guid == std::string::npos) {
            rate.error = "device add printed no device name: " + output;
            return rate;
        }
        std::string key = "'HKLM\\SYSTEM\\CurrentControlSet\\Services\\passthru\\Parameters\\Adapters\\" +
                          output.substr(guid + 8, 38) + "'";
        rate.error = cli.run("reg add " + key + " /v PacketStacking /t REG_DWORD /d 1");
        if (!rate.error.empty()) return rate;
    }
    rate.error = cli.run("start --processors 1 --json", &output);
    if (!rate.error.empty()) return rate;
    pid_t pid = host_pid(output);
    if (pid <= 0) {
        rate.error = "strata start printed no pid: " + output;
        return rate;
    }
    rate = measure(in, out, options.seconds, [pid] { return process_cpu_seconds(pid); });
    return rate;
}

// ---- TCP: iperf3 between namespace A and namespace B, both ways ------------------------------------

// A network namespace, deleted with what is in it by the destructor.
class Namespace {
public:
    explicit Namespace(std::string name) : name_(std::move(name)) {
        std::string output;
        if (shell("ip netns add " + name_, &output) != 0) throw std::runtime_error("ip netns add " + name_ + ": " + output);
        shell("ip -n " + name_ + " link set lo up");
    }
    ~Namespace() { shell("ip netns delete " + name_); }
    Namespace(const Namespace&) = delete;
    Namespace& operator=(const Namespace&) = delete;
    const std::string& name() const { return name_; }
    int run(const std::string& command, std::string* output = nullptr) const {
        return shell("ip netns exec " + name_ + " " + command, output);
    }
    // Moves `ifname` in and gives it `cidr`.
    void adopt(const std::string& ifname, const std::string& cidr) const {
        shell("ip link set " + ifname + " netns " + name_);
        shell("ip -n " + name_ + " addr add " + cidr + " dev " + ifname);
        shell("ip -n " + name_ + " link set " + ifname + " up");
    }

private:
    std::string name_;
};

// Gbit/s of an iperf3 run between a client in A and a one-off server at `address` in B
// (receiver side): A sends, or with `reverse` B sends. 0 and `error` set when it fails.
double iperf_gbps(const Namespace& a, const Namespace& b, const std::string& address, double seconds, bool reverse,
                  std::string& error) {
    // Bounded, so a path that carries nothing fails the run instead of hanging it.
    std::string limit = "timeout " + std::to_string(static_cast<int>(seconds) + 20) + " ";
    std::string output, server_output;
    std::thread server([&] { b.run(limit + "iperf3 -s -1 -B " + address, &server_output); });
    // The one-off server serves exactly one client: the client starts once it listens.
    bool listening = false;
    for (int attempt = 0; attempt < 200 && !listening; ++attempt) {
        std::string sockets;
        b.run("ss -Hltn src " + address + ":5201", &sockets);
        listening = sockets.find(address + ":5201") != std::string::npos;
        if (!listening) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    int code = 1;
    if (listening)
        code = a.run(limit + "iperf3 -J -c " + address + (reverse ? " -R" : "") + " -t " +
                         std::to_string(static_cast<int>(seconds)),
                     &output);
    server.join();
    // iperf3 -J exits 0 even when it could not connect: the JSON's "error" says so.
    std::size_t sum = output.find("\"sum_received\"");
    std::size_t bps = sum == std::string::npos ? sum : output.find("\"bits_per_second\":", sum);
    if (!listening || code != 0 || output.find("\"error\"") != std::string::npos || bps == std::string::npos) {
        std::size_t at = output.find("\"error\"");
        error = std::string("iperf3") + (listening ? "" : " server never listened") + ": " +
                output.substr(at == std::string::npos ? 0 : at, 200) + "; server: " + server_output.substr(0, 200);
        return 0;
    }
    return std::stod(output.substr(bps + 18)) / 1e9;
}

// One value per round and what the rounds say together. Each round measures the stack and its
// baseline back to back, so a ratio compares two measurements taken under the same conditions: on
// a shared VM, steal time moves either side by up to 2× from one minute to the next.
struct Series {
    std::vector<double> values;
    double median() const {
        if (values.empty()) return 0;
        std::vector<double> sorted = values;
        std::sort(sorted.begin(), sorted.end());
        std::size_t mid = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
    double min() const { return values.empty() ? 0 : *std::min_element(values.begin(), values.end()); }
    double max() const { return values.empty() ? 0 : *std::max_element(values.begin(), values.end()); }
};

std::string json_array(const Series& series) {
    std::string text = "[";
    for (double value : series.values) {
        char item[32];
        std::snprintf(item, sizeof item, "%s%.3f", text.size() > 1 ? "," : "", value);
        text += item;
    }
    return text + "]";
}

// TCP through the stack and through the bridge, both ways: to the TAP (A sends; afpacket
// receives, strata_tap writes) and from the TAP (B sends into its TAP; strata_tap reads, afpacket
// sends with NDIS 5.1 large send).
struct TcpSeries {
    Series stack_to_tap, stack_from_tap, bridge_to_b, bridge_from_b, to_tap_ratio, from_tap_ratio;
    std::string error;
};

// One pass through the stack: installs and starts afpacket → passthru → strata_tap on the near end
// of `wire`, gives B the TAP, runs iperf3 both ways and stops the host (the TAP goes with it).
std::string tcp_through_stack(const Options& options, const Namespace& a, const Namespace& b, const Veth& wire,
                              const std::string& tap, double& to_tap, double& from_tap) {
    Cli cli(options.driver_dir);
    for (std::string step : {"install " + cli.inf("netafpacket.inf"), "install " + cli.inf("netpassthru.inf"),
                             "install " + cli.inf("netstrata_tap.inf"),
                             "reg add 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\strata_tap\\Parameters' /v TapName "
                             "/t REG_SZ /d " + tap,
                             "device add strata_afpacket --name tcp-wire --param Interface=" + wire.near() +
                                 " --param TpacketVersion=" + std::to_string(options.tpacket),
                             std::string("start")}) {
        std::string error = cli.run(step);
        if (!error.empty()) return error;
    }
    for (int i = 0; i < 100 && !std::filesystem::exists("/sys/class/net/" + tap); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // strata_tap binds after start returns
    b.adopt(tap, "198.18.50.2/24");
    std::string error;
    to_tap = iperf_gbps(a, b, "198.18.50.2", options.seconds, false, error);
    if (error.empty()) from_tap = iperf_gbps(a, b, "198.18.50.2", options.seconds, true, error);
    return error;
}

// One pass through a Linux bridge joining the near end of `wire` to a second veth into B; the
// bridge and that veth are gone afterwards, so B has one route to A in the next stack pass.
std::string tcp_through_bridge(const Options& options, const Namespace& a, const Namespace& b, const Veth& wire,
                               const std::string& tag, double& to_b, double& from_b) {
    Veth other(tag + "x", tag + "b");
    b.adopt(other.far(), "198.18.50.3/24");
    std::string bridge = tag + "br";
    shell("ip link add " + bridge + " type bridge");
    shell("sysctl -qw net.ipv6.conf." + bridge + ".disable_ipv6=1");
    shell("ip link set " + wire.near() + " master " + bridge);
    shell("ip link set " + other.near() + " master " + bridge);
    shell("ip link set " + bridge + " up");
    std::string error;
    to_b = iperf_gbps(a, b, "198.18.50.3", options.seconds, false, error);
    if (error.empty()) from_b = iperf_gbps(a, b, "198.18.50.3", options.seconds, true, error);
    shell("ip link delete " + bridge);
    return error;
}

TcpSeries measure_tcp(const Options& options, const std::string& tag) {
    TcpSeries series;
    Namespace a(tag + "A"), b(tag + "B");
    Veth wire(tag + "w", tag + "a");
    a.adopt(wire.far(), "198.18.50.1/24");
    // Each pass gives B an interface with a new MAC address: A must not keep the last one's.
    auto forget_neighbours = [&] {
        a.run("ip neigh flush all");
        b.run("ip neigh flush all");
    };
    for (unsigned round = 0; round < options.rounds; ++round) {
        double to_tap = 0, from_tap = 0, to_b = 0, from_b = 0;
        forget_neighbours();
        std::string error = tcp_through_stack(options, a, b, wire, tag + "t", to_tap, from_tap);
        if (!error.empty()) {
            series.error = "through the stack: " + error;
            return series;
        }
        forget_neighbours();
        error = tcp_through_bridge(options, a, b, wire, tag, to_b, from_b);
        if (!error.empty()) {
            series.error = "through the bridge: " + error;
            return series;
        }
        series.stack_to_tap.values.push_back(to_tap);
        series.stack_from_tap.values.push_back(from_tap);
        series.bridge_to_b.values.push_back(to_b);
        series.bridge_from_b.values.push_back(from_b);
        series.to_tap_ratio.values.push_back(to_b > 0 ? to_tap / to_b : 0);
        series.from_tap_ratio.values.push_back(from_b > 0 ? from_tap / from_b : 0);
    }
    return series;
}

// A forwarding path over its rounds.
struct RateSeries {
    Series mpps, cpu_ns_per_pkt, offered_mpps, baseline_mpps, baseline_cpu_ns_per_pkt, ratio;
    std::string error;
    void add(const Rate& stack, const Rate& baseline) {
        mpps.values.push_back(stack.mpps);
        cpu_ns_per_pkt.values.push_back(stack.cpu_ns_per_pkt);
        offered_mpps.values.push_back(stack.offered_mpps);
        baseline_mpps.values.push_back(baseline.mpps);
        baseline_cpu_ns_per_pkt.values.push_back(baseline.cpu_ns_per_pkt);
        ratio.values.push_back(baseline.mpps > 0 ? stack.mpps / baseline.mpps : 0);
    }
};

void emit(const Options& options, const char* driver, const RateSeries& rates) {
    // afpacket's ring layout, which the figures depend on.
    std::string layout = driver == std::string("afpacket") ? ",\"tpacket\":" + std::to_string(options.tpacket) : "";
    if (options.json) {
        std::printf("{\"bench\":\"wire\",\"driver\":\"%s\"%s,\"frame_bytes\":64,\"mpps\":%.3f,\"cpu_ns_per_pkt\":%.1f,"
                    "\"baseline_mpps\":%.3f,\"baseline_cpu_ns_per_pkt\":%.1f,\"ratio\":%.3f,\"ratio_min\":%.3f,"
                    "\"ratio_max\":%.3f,\"ratios\":%s,\"offered_mpps\":%.3f,\"rounds\":%zu,\"seconds\":%.1f}\n",
                    driver, layout.c_str(), rates.mpps.median(), rates.cpu_ns_per_pkt.median(),
                    rates.baseline_mpps.median(), rates.baseline_cpu_ns_per_pkt.median(), rates.ratio.median(),
                    rates.ratio.min(), rates.ratio.max(), json_array(rates.ratio).c_str(), rates.offered_mpps.median(), rates.ratio.values.size(),
                    options.seconds);
    } else {
        std::string label = driver;
        if (!layout.empty()) label += " V" + std::to_string(options.tpacket);
        std::printf("%-11s  %8.3f Mpps  %8.1f ns/pkt   baseline %8.3f Mpps  %8.1f ns/pkt   ratio %.3f (%.3f–%.3f)\n",
                    label.c_str(), rates.mpps.median(), rates.cpu_ns_per_pkt.median(), rates.baseline_mpps.median(),
                    rates.baseline_cpu_ns_per_pkt.median(), rates.ratio.median(), rates.ratio.min(), rates.ratio.max());
    }
    std::fflush(stdout);
}

void emit_tcp(const Options& options, const char* direction, const Series& stack, const Series& bridge,
              const Series& ratio) {
    if (options.json)
        std::printf("{\"bench\":\"wire.tcp\",\"stack\":\"afpacket+passthru+strata_tap\",\"tpacket\":%u,"
                    "\"direction\":\"%s\",\"gbps\":%.3f,\"baseline\":\"linux bridge\",\"baseline_gbps\":%.3f,\"ratio\":%.3f,"
                    "\"ratio_min\":%.3f,\"ratio_max\":%.3f,\"ratios\":%s,\"rounds\":%zu,\"seconds\":%.1f}\n",
                    options.tpacket, direction, stack.median(), bridge.median(), ratio.median(), ratio.min(),
                    ratio.max(), json_array(ratio).c_str(), ratio.values.size(), options.seconds);
    else
        std::printf("tcp %-8s %8.3f Gbit/s through afpacket(V%u)+passthru+strata_tap   bridge %8.3f Gbit/s   "
                    "ratio %.3f (%.3f–%.3f)\n",
                    direction, stack.median(), options.tpacket, bridge.median(), ratio.median(), ratio.min(), ratio.max());
    std::fflush(stdout);
}

// One window of a baseline forwarding loop (PlainForwarder or XdpForwarder).
template <typename Forwarder, typename... Layout>
Rate measure_forwarder(const Options& options, const Veth& in, const Veth& out, Layout... layout) {
    Forwarder plain(in.near(), out.near(), kForwarderCpu, layout...);
    Rate rate = measure(in, out, options.seconds, [&] { return plain.cpu_seconds(); });
    plain.stop();
    if (!plain.error().empty()) rate.error = plain.error();
    return rate;
}

// The baseline forwarding loop of `driver` for one window.
Rate measure_baseline(const Options& options, const std::string& driver, const Veth& in, const Veth& out) {
    return driver == "afxdp" ? measure_forwarder<XdpForwarder>(options, in, out)
                             : measure_forwarder<PlainForwarder>(options, in, out, options.tpacket);
}

}  // namespace

int run_wire(const Options& options) {
    if (::geteuid() != 0) {
        std::fprintf(stderr, "strata-bench wire: needs root (it creates veth pairs and opens packet sockets)\n");
        return 2;
    }
    if (std::thread::hardware_concurrency() < 2) {
        std::fprintf(stderr, "strata-bench wire: needs two CPUs (forwarder and generator on different cores)\n");
        return 2;
    }
    std::string tag = "sw" + std::to_string(::getpid() % 100000);
    try {
        Veth in(tag + "i", tag + "g");   // generator → in.far() … in.near() → forwarder
        Veth out(tag + "o", tag + "s");  // forwarder → out.near() … out.far() → sink
        // afpacket once per ring layout, then afxdp.
        std::vector<std::tuple<const char*, const char*, const char*, unsigned>> paths;
        for (unsigned layout : options.tpackets) paths.emplace_back("afpacket", "strata_afpacket", "netafpacket.inf", layout);
        paths.emplace_back("afxdp", "strata_afxdp", "netafxdp.inf", 0);
        for (const auto& [driver, component, inf, layout] : paths) {
            if (!std::filesystem::exists(options.driver_dir / inf)) continue;
            Options path_options = options;
            path_options.tpacket = layout;
            RateSeries rates;
            for (unsigned round = 0; round < options.rounds && rates.error.empty(); ++round) {
                // Alternate which side goes first, so neither always follows the other's warm-up.
                Rate stack, baseline;
                if (round % 2 == 1) stack = measure_stack(path_options, in, out, component, inf);
                baseline = measure_baseline(path_options, driver, in, out);
                if (round % 2 == 0 && baseline.error.empty()) stack = measure_stack(path_options, in, out, component, inf);
                if (!baseline.error.empty())
                    rates.error = std::string(driver == std::string("afxdp") ? "AF_XDP" : "AF_PACKET") +
                                  " baseline: " + baseline.error;
                else if (!stack.error.empty())
                    rates.error = stack.error;
                else
                    rates.add(stack, baseline);
            }
            if (!rates.error.empty()) {
                std::fprintf(stderr, "strata-bench wire: %s: %s\n", driver, rates.error.c_str());
                if (driver == std::string("afpacket")) return 1;
                continue;
            }
            emit(path_options, driver, rates);
        }
        for (unsigned layout : options.tpackets) {
            Options layout_options = options;
            layout_options.tpacket = layout;
            TcpSeries tcp = measure_tcp(layout_options, tag);
            if (!tcp.error.empty()) {
                std::fprintf(stderr, "strata-bench wire: tcp: %s\n", tcp.error.c_str());
                return 1;
            }
            emit_tcp(layout_options, "to_tap", tcp.stack_to_tap, tcp.bridge_to_b, tcp.to_tap_ratio);
            emit_tcp(layout_options, "from_tap", tcp.stack_from_tap, tcp.bridge_from_b, tcp.from_tap_ratio);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "strata-bench wire: %s\n", e.what());
        return 1;
    }
    return 0;
}

}  // namespace strata::bench
