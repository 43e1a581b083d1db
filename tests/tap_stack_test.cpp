// tap_stack_test.cpp — system tests of the TAP stack (issue 6 deliverables 1, 2 and 5): with the
// strata command, a tapnic adapter whose TAP is moved into namespace A, passthru over it (it
// binds over every Ethernet adapter by itself) and strata_tap bound to passthru's virtual
// miniport, its TAP moved into namespace B. Linux in A and Linux in B then talk through
// tapnic -> passthru -> strata_tap: ping, a TCP transfer checked byte for byte, the link state of
// A's TAP reaching B's TAP as its carrier, the MTU and MAC address mirrored; `strata stop` leaves
// no interface, no host process, and the test no namespace. Bad TAP names fail `strata start`
// with one line and leave nothing. Needs root (STRATA_REQUIRE_NETWORKS).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_harness.h"
#include "netns.h"

namespace {

using strata::test::CliResult;
using strata::test::NetNamespace;
using strata::test::shell;
using strata::test::unique_net_name;
using namespace std::chrono_literals;

constexpr const char* kAddressA = "198.18.10.1";
constexpr const char* kAddressB = "198.18.10.2";
constexpr const char* kServiceParameters = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\strata_tap\\Parameters";
constexpr auto kPatience = 15s;

// Polls `holds` until it is true or kPatience has passed; its last answer.
bool eventually(const std::function<bool()>& holds) {
    auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (!holds()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

// A socket made inside network namespace `ns`: a thread enters the namespace and creates it. A
// socket stays in the namespace it was made in, whichever thread uses it afterwards.
int socket_in(const std::string& ns, int type) {
    int fd = -1;
    std::thread maker([&] {
        int ns_fd = ::open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
        if (ns_fd < 0) return;
        if (::setns(ns_fd, CLONE_NEWNET) == 0) fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
        ::close(ns_fd);
    });
    maker.join();
    return fd;
}

sockaddr_in address_of(const char* ip, std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, ip, &address.sin_addr);
    return address;
}

// The byte at `offset` of the transfer: not periodic in any power of two, so a reordered or
// duplicated segment changes the digest.
std::uint8_t pattern(std::uint64_t offset) { return static_cast<std::uint8_t>((offset * 131 + offset / 251) % 253); }

struct Received {
    std::uint64_t bytes = 0;
    std::uint64_t mismatches = 0;
    bool timed_out = false;
};

// Waits up to kPatience for `fd` to be readable (or writable); false on a timeout.
bool ready(int fd, short events) {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kPatience).count())) > 0;
}

// Sends `total` pattern bytes from namespace A to a listener at `server_address` in namespace B
// over TCP and reports what arrived. Every wait has a deadline, so a broken stack fails the test
// instead of hanging it.
Received tcp_transfer(const std::string& ns_a, const std::string& ns_b, std::uint64_t total,
                      const char* server_address = kAddressB) {
    Received received;
    constexpr std::uint16_t kPort = 40411;
    int listener = socket_in(ns_b, SOCK_STREAM);
    int client = socket_in(ns_a, SOCK_STREAM);
    if (listener < 0 || client < 0) {
        received.timed_out = true;
        if (listener >= 0) ::close(listener);
        if (client >= 0) ::close(client);
        return received;
    }
    int on = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in server = address_of(server_address, kPort);
    if (::bind(listener, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0 || ::listen(listener, 1) != 0) {
        received.timed_out = true;
        ::close(listener);
        ::close(client);
        return received;
    }
    std::thread sink([&] {
        if (!ready(listener, POLLIN)) {
            received.timed_out = true;
            return;
        }
        int peer = ::accept(listener, nullptr, nullptr);
        if (peer < 0) {
            received.timed_out = true;
            return;
        }
        std::vector<std::uint8_t> chunk(65536);
        for (;;) {
            if (!ready(peer, POLLIN)) {
                received.timed_out = true;
                break;
            }
            ssize_t n = ::recv(peer, chunk.data(), chunk.size(), 0);
            if (n <= 0) break;
            for (ssize_t i = 0; i < n; ++i)
                if (chunk[i] != pattern(received.bytes + i)) ++received.mismatches;
            received.bytes += static_cast<std::uint64_t>(n);
        }
        ::close(peer);
    });

    timeval patience{static_cast<time_t>(std::chrono::seconds(kPatience).count()), 0};
    ::setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &patience, sizeof patience);
    if (::connect(client, reinterpret_cast<sockaddr*>(&server), sizeof server) == 0) {
        std::vector<std::uint8_t> chunk(65536);
        std::uint64_t sent = 0;
        while (sent < total) {
            std::size_t n = std::min<std::uint64_t>(chunk.size(), total - sent);
            for (std::size_t i = 0; i < n; ++i) chunk[i] = pattern(sent + i);
            ssize_t written = ::send(client, chunk.data(), n, MSG_NOSIGNAL);
            if (written <= 0) break;
            sent += static_cast<std::uint64_t>(written);
        }
        ::shutdown(client, SHUT_WR);
    }
    sink.join();
    ::close(client);
    ::close(listener);
    return received;
}

class TapStack : public strata::test::CliHarness {
protected:
    void SetUp() override {
        STRATA_REQUIRE_NETWORKS();
        CliHarness::SetUp();
        tap_a_ = unique_net_name("t");
        tap_b_ = unique_net_name("u");
        for (const char* inf : {"nettapnic.inf", "netpassthru.inf", "netstrata_tap.inf"})
            ASSERT_EQ(run({"install", driver_file(inf)}).status, 0) << inf;
    }

    void TearDown() override {
        if (HasFailure()) std::fprintf(stderr, "host.log:\n%s\n", read_file(root_ / "host.log").c_str());
        if (!dir_.empty()) CliHarness::TearDown();
        // The namespaces go after the host stopped (the members' destructors), so the TAPs in
        // them were closed by their drivers first.
    }

    // tapnic's device t0 with TAP tap_a_, and strata_tap's TAP name tap_b_.
    void add_stack(std::vector<std::string> tapnic_parameters) {
        std::vector<std::string> add = {"device", "add", "strata_tapnic", "--name", "t0", "--param", "TapName=" + tap_a_};
        for (const std::string& p : tapnic_parameters) {
            add.push_back("--param");
            add.push_back(p);
        }
        CliResult added = run(add);
        ASSERT_EQ(added.status, 0) << added.err;
        CliResult set = run({"reg", "add", kServiceParameters, "/v", "TapName", "/t", "REG_SZ", "/d", tap_b_, "/f"});
        ASSERT_EQ(set.status, 0) << set.err;
    }

    // Starts the host and records its pid.
    void start() {
        CliResult started = run({"start"});
        ASSERT_EQ(started.status, 0) << started.err;
        std::size_t at = started.out.find("(pid ");
        ASSERT_NE(at, std::string::npos) << started.out;
        host_pid_ = static_cast<pid_t>(std::stol(started.out.substr(at + 5)));
    }

    // Namespace A gets tapnic's TAP, B strata_tap's, with their addresses; both come up.
    void build_namespaces() {
        ns_a_.emplace();
        ns_b_.emplace();
        ns_a_->adopt(tap_a_, std::string(kAddressA) + "/24");
        ns_b_->adopt(tap_b_, std::string(kAddressB) + "/24");
    }

    std::string in_b(const std::string& file) { return trimmed(ns_b_->run("cat /sys/class/net/" + tap_b_ + "/" + file).output); }
    std::string in_a(const std::string& file) { return trimmed(ns_a_->run("cat /sys/class/net/" + tap_a_ + "/" + file).output); }

    // What `strata oid query t0 OID --json` decodes (tapnic's adapter, through NDIS).
    nlohmann::json tapnic_answer(const char* oid) {
        nlohmann::json answer = json({"oid", "query", "t0", oid});
        EXPECT_EQ(answer.value("status", ""), "NDIS_STATUS_SUCCESS") << oid;
        return answer.contains("decoded") ? answer["decoded"] : nlohmann::json();
    }
    std::uint64_t tapnic_oid(const char* oid) {
        nlohmann::json value = tapnic_answer(oid);
        return value.is_number() ? value.get<std::uint64_t>() : ~0ull;
    }
    std::string tapnic_media() {
        nlohmann::json value = tapnic_answer("OID_GEN_MEDIA_CONNECT_STATUS");
        return value.is_string() ? value.get<std::string>() : value.dump();
    }

    bool carrier_b_is(const char* value) {
        return eventually([&] { return in_b("carrier") == value; });
    }

    void expect_ping() {
        strata::test::CommandResult ping = ns_a_->run(std::string("ping -c 3 -W 2 ") + kAddressB);
        EXPECT_EQ(ping.exit_code, 0) << ping.output;
    }

    void expect_tcp(std::uint64_t total) {
        Received received = tcp_transfer(ns_a_->name(), ns_b_->name(), total);
        EXPECT_FALSE(received.timed_out);
        EXPECT_EQ(received.bytes, total);
        EXPECT_EQ(received.mismatches, 0u);
    }

    // `strata stop`: pools balanced, both TAPs gone (from inside their namespaces), the host
    // process gone.
    void stop_and_expect_nothing_left() {
        CliResult stopped = run({"stop"});
        EXPECT_EQ(stopped.status, 0) << stopped.out << stopped.err;
        EXPECT_NE(stopped.out.find("every packet and buffer pool balanced"), std::string::npos) << stopped.out;
        EXPECT_NE(ns_a_->run("ip link show " + tap_a_).exit_code, 0) << "tapnic's TAP outlived the host";
        EXPECT_NE(ns_b_->run("ip link show " + tap_b_).exit_code, 0) << "strata_tap's TAP outlived the host";
        EXPECT_EQ(run({"status"}).status, 3);
        EXPECT_TRUE(eventually([&] { return ::kill(host_pid_, 0) != 0 && errno == ESRCH; })) << "host " << host_pid_;
    }

    std::string tap_a_;
    std::string tap_b_;
    pid_t host_pid_ = 0;
    std::optional<NetNamespace> ns_a_;
    std::optional<NetNamespace> ns_b_;
};

// Issue 6 deliverables 1-2, 5: ping and TCP through tapnic -> passthru -> strata_tap; the link
// state of A's TAP reaches B's carrier both ways; MTU and MAC address mirrored; nothing left.
TEST_F(TapStack, PingTcpLinkStateAndMtuCrossTapnicPassthruStrataTap) {
    add_stack({"Mtu=1400", "NetworkAddress=02123456789A"});
    start();
    CliResult bindings = run({"bindings"});
    EXPECT_NE(bindings.out.find("enabled  strata_tap -> passthru-t0 -> strata_passthru -> t0"), std::string::npos)
        << bindings.out;
    ASSERT_TRUE(strata::test::interface_exists(tap_a_));
    ASSERT_TRUE(strata::test::interface_exists(tap_b_));
    build_namespaces();

    // Mirrored at bind: the adapter's address and frame size (through passthru's virtual miniport).
    EXPECT_EQ(in_b("address"), "02:12:34:56:78:9a");
    EXPECT_EQ(in_b("mtu"), "1400");
    EXPECT_EQ(in_a("mtu"), "1400");

    ASSERT_TRUE(carrier_b_is("1")) << "A's TAP is up: B's carrier should be on";
    expect_ping();
    // tapnic counted what crossed it: the echo requests in, the replies out.
    EXPECT_GE(tapnic_oid("OID_GEN_RCV_OK"), 3u);
    EXPECT_GE(tapnic_oid("OID_GEN_XMIT_OK"), 3u);
    expect_tcp(8u << 20);

    // Multicast: an echo to all-hosts leaves A as 01:00:5e:00:00:01, passes the TAP's filter
    // (strata_tap asked for all multicast), NDIS's, and reaches B, which answers.
    ASSERT_EQ(ns_b_->run("sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0").exit_code, 0);
    strata::test::CommandResult group = ns_a_->run("ping -c 2 -W 2 -I " + tap_a_ + " 224.0.0.1");
    EXPECT_EQ(group.exit_code, 0) << group.output;
    EXPECT_NE(group.output.find(std::string("from ") + kAddressB), std::string::npos) << group.output;

    // A's TAP down: NDIS_STATUS_MEDIA_DISCONNECT from tapnic, through passthru, to strata_tap.
    ASSERT_EQ(ns_a_->run("ip link set " + tap_a_ + " down").exit_code, 0);
    EXPECT_TRUE(carrier_b_is("0")) << "B's carrier after A's TAP went down: " << in_b("carrier");
    ASSERT_EQ(ns_a_->run("ip link set " + tap_a_ + " up").exit_code, 0);
    EXPECT_TRUE(carrier_b_is("1")) << "B's carrier after A's TAP came back: " << in_b("carrier");
    expect_ping();

    stop_and_expect_nothing_left();
    std::string a = ns_a_->name(), b = ns_b_->name();
    ns_a_.reset();
    ns_b_.reset();
    std::string namespaces = shell("ip netns list").output;
    EXPECT_EQ(namespaces.find(a), std::string::npos) << namespaces;
    EXPECT_EQ(namespaces.find(b), std::string::npos) << namespaces;
}

// Issue 6 deliverable 1: Queues=4 makes a multi-queue TAP with a descriptor per queue, and
// VnetHeader=1 frames carrying a virtio_net_hdr; traffic crosses it unchanged either way.
TEST_F(TapStack, MultiQueueTapWithVnetHeadersCarriesPingAndTcp) {
    add_stack({"Queues=4", "VnetHeader=1"});
    start();
    strata::test::CommandResult details = shell("ip -d link show " + tap_a_);
    EXPECT_NE(details.output.find("vnet_hdr on"), std::string::npos) << details.output;
    EXPECT_NE(details.output.find("multi_queue"), std::string::npos) << details.output;
    EXPECT_NE(details.output.find("numqueues 4"), std::string::npos) << details.output;
    build_namespaces();
    ASSERT_TRUE(carrier_b_is("1"));
    expect_ping();
    expect_tcp(8u << 20);
    stop_and_expect_nothing_left();
}

// Issue 6 deliverable 1: tapnic answers OIDs from its parameters and its TAP: frame sizes from
// Mtu, the link speed, and a media state that follows the TAP's administrative state.
TEST_F(TapStack, TapnicOidsFollowItsParametersAndItsTap) {
    add_stack({"Mtu=1280", "LinkSpeedMbps=2500"});
    start();
    EXPECT_EQ(tapnic_oid("OID_GEN_MAXIMUM_FRAME_SIZE"), 1280u);
    EXPECT_EQ(tapnic_oid("OID_GEN_MAXIMUM_TOTAL_SIZE"), 1294u);
    EXPECT_EQ(tapnic_oid("OID_GEN_LINK_SPEED"), 25000000u);  // 100 bps units
    EXPECT_EQ(tapnic_media(), "Disconnected") << "a TAP that is down is a disconnected link";
    ASSERT_EQ(shell("ip link set " + tap_a_ + " up").exit_code, 0);
    EXPECT_TRUE(eventually([&] { return tapnic_media() == "Connected"; })) << tapnic_media();
    ASSERT_EQ(shell("ip link set " + tap_a_ + " down").exit_code, 0);
    EXPECT_TRUE(eventually([&] { return tapnic_media() == "Disconnected"; })) << tapnic_media();
    CliResult stopped = run({"stop"});
    EXPECT_EQ(stopped.status, 0) << stopped.out << stopped.err;
    EXPECT_FALSE(strata::test::interface_exists(tap_a_));
    EXPECT_FALSE(strata::test::interface_exists(tap_b_));
}

// Issue 7 deliverable 3, seed 003 §2.11: the TAP under tapnic is deleted. tapnic removes its
// adapter (NdisMRemoveMiniport); NDIS unbinds passthru, whose virtual miniport goes down and takes
// strata_tap's binding — and its TAP — with it. Nothing crashes or leaks; a rescan brings it all back.
TEST_F(TapStack, Seed_2_11_DeletingTapnicsTapRemovesTheChainAbove) {
    add_stack({});
    start();
    ASSERT_TRUE(strata::test::interface_exists(tap_b_));
    ASSERT_EQ(shell("ip link delete " + tap_a_).exit_code, 0);
    auto state_of_t0 = [&] {
        nlohmann::json status = json({"status"});
        for (const auto& device : status["devices"])
            if (device.value("name", "") == "t0") return device.value("state", "");
        return std::string();
    };
    EXPECT_TRUE(eventually([&] { return state_of_t0() == "removed"; })) << state_of_t0();
    EXPECT_TRUE(eventually([&] { return !strata::test::interface_exists(tap_b_); }))
        << "strata_tap was unbound from passthru's virtual miniport and closed its TAP";
    CliResult rescan = run({"device", "rescan"});
    EXPECT_EQ(rescan.status, 0) << rescan.err;
    EXPECT_EQ(state_of_t0(), "running");
    EXPECT_TRUE(eventually([&] { return strata::test::interface_exists(tap_b_); })) << "the chain is back";
    CliResult stopped = run({"stop"});
    EXPECT_EQ(stopped.status, 0) << stopped.out << stopped.err;
    EXPECT_NE(stopped.out.find("every packet and buffer pool balanced"), std::string::npos) << stopped.out;
}

// Seed 003 §2.11 (a driver may start the unbind itself): strata_tap's TAP deleted by hand leaves
// it nothing to carry, so strata_tap closes that binding itself; the adapters below keep
// running, `strata device rescan` binds it again with a new TAP, and the stop is clean.
TEST_F(TapStack, Seed_2_11_DeletingStrataTapsTapClosesItsBindingUntilRescan) {
    add_stack({});
    start();
    ASSERT_TRUE(strata::test::interface_exists(tap_b_));
    auto strata_tap_bound = [&] {
        nlohmann::json stats = json({"stats"});
        for (const auto& adapter : stats["adapters"])
            for (const auto& binding : adapter["bindings"])
                if (binding.value("protocol", "") == "strata_tap") return true;
        return false;
    };
    ASSERT_TRUE(strata_tap_bound());
    ASSERT_EQ(shell("ip link delete " + tap_b_).exit_code, 0);
    EXPECT_TRUE(eventually([&] { return !strata_tap_bound(); })) << "strata_tap kept its binding";
    nlohmann::json status = json({"status"});
    for (const auto& device : status["devices"]) EXPECT_EQ(device.value("state", ""), "running") << device.dump();

    CliResult rescan = run({"device", "rescan"});
    EXPECT_EQ(rescan.status, 0) << rescan.err;
    EXPECT_TRUE(strata_tap_bound());
    EXPECT_TRUE(strata::test::interface_exists(tap_b_)) << "the new binding made its TAP again";
    CliResult stopped = run({"stop"});
    EXPECT_EQ(stopped.status, 0) << stopped.out << stopped.err;
    EXPECT_NE(stopped.out.find("every packet and buffer pool balanced"), std::string::npos) << stopped.out;
    EXPECT_FALSE(strata::test::interface_exists(tap_b_));
}

// Issue 7 part 3 (seed 003 §2.11): `strata stop` while UDP floods cross the stack both ways.
// Every packet a protocol handed to NDIS was completed or failed (the stop report's ledger), every
// pool is balanced, and nothing is left.
TEST_F(TapStack, Seed_2_11_StopUnderTrafficLosesNoAccounting) {
    add_stack({});
    start();
    build_namespaces();
    ASSERT_TRUE(carrier_b_is("1"));
    expect_ping();  // both neighbours resolved: the floods are unicast from the first datagram

    std::atomic<bool> flooding{true};
    auto flood = [&](int fd, const char* to) {
        sockaddr_in peer = address_of(to, 40412);
        std::array<std::uint8_t, 512> payload{};
        while (flooding.load(std::memory_order_relaxed))
            ::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&peer), sizeof peer);
    };
    int from_a = socket_in(ns_a_->name(), SOCK_DGRAM);
    int from_b = socket_in(ns_b_->name(), SOCK_DGRAM);
    ASSERT_GE(from_a, 0);
    ASSERT_GE(from_b, 0);
    std::thread a_to_b(flood, from_a, kAddressB);
    std::thread b_to_a(flood, from_b, kAddressA);
    std::string last_stats;
    auto sent_through_ndis = [&] {
        std::uint64_t sent = 0;
        nlohmann::json stats = json({"stats"});
        last_stats = stats.dump();
        for (const auto& adapter : stats["adapters"])
            for (const auto& binding : adapter["bindings"]) sent += binding["counters"].value("send_requested", 0ull);
        return sent;
    };
    bool flowing = eventually([&] { return sent_through_ndis() > 2000; });
    CliResult stopped = run({"stop"});
    flooding = false;
    a_to_b.join();
    b_to_a.join();
    ::close(from_a);
    ::close(from_b);
    EXPECT_TRUE(flowing) << "the floods never got through the stack" << last_stats;

    EXPECT_EQ(stopped.status, 0) << stopped.out << stopped.err;
    EXPECT_NE(stopped.out.find("every packet and buffer pool balanced"), std::string::npos) << stopped.out;
    nlohmann::json sends = nlohmann::json::parse(read_file(root_ / "stop-report.json"), nullptr, false)["sends"];
    ASSERT_TRUE(sends.is_object()) << read_file(root_ / "stop-report.json");
    EXPECT_GT(sends.value("requested", 0ull), 2000u);
    EXPECT_EQ(sends.value("unaccounted", ~0ull), 0u) << sends.dump();
    for (const char* protocol : {"strata_tap", "passthru"}) {
        const nlohmann::json& tally = sends["protocols"][protocol];
        EXPECT_GT(tally.value("requested", 0ull), 0u) << protocol << ": " << sends.dump();
        EXPECT_EQ(tally.value("completed", 0ull) + tally.value("failed", 0ull), tally.value("requested", ~0ull))
            << protocol;
    }
    EXPECT_NE(stopped.out.find(" 0 unaccounted for"), std::string::npos) << stopped.out;
    EXPECT_NE(ns_b_->run("ip link show " + tap_b_).exit_code, 0) << "strata_tap's TAP outlived the host";
}

// Bad input (issue 6): a TAP name an interface already has, for tapnic or for strata_tap, fails
// `strata start` with one line (exit 2); the host log names the TAP; no host and no TAP is left.
TEST_F(TapStack, TakenTapNamesFailStartWithOneLineAndLeaveNothing) {
    strata::test::VethPair taken;
    tap_a_ = taken.near_end();
    add_stack({});
    CliResult refused = run({"start"});
    EXPECT_EQ(refused.status, 2);
    EXPECT_TRUE(one_line(refused.err)) << refused.err;
    EXPECT_NE(refused.err.find("device t0"), std::string::npos) << refused.err;
    EXPECT_NE(read_file(root_ / "host.log").find("TAP " + tap_a_ + ": an interface of that name already exists"),
              std::string::npos);
    EXPECT_EQ(run({"status"}).status, 3);
    EXPECT_FALSE(strata::test::interface_exists(tap_b_));

    // tapnic's name free again, strata_tap's taken: the bind fails, the host stops, and it
    // deletes tapnic's TAP on its way out.
    std::string tapnic_name = unique_net_name("t");
    ASSERT_EQ(run({"device", "remove", "t0"}).status, 0);
    ASSERT_EQ(run({"device", "add", "strata_tapnic", "--name", "t1", "--param", "TapName=" + tapnic_name}).status, 0);
    ASSERT_EQ(run({"reg", "add", kServiceParameters, "/v", "TapName", "/t", "REG_SZ", "/d", taken.far_end(), "/f"})
                  .status,
              0);
    refused = run({"start"});
    EXPECT_EQ(refused.status, 2);
    EXPECT_TRUE(one_line(refused.err)) << refused.err;
    EXPECT_NE(refused.err.find("binding strata_tap"), std::string::npos) << refused.err;
    EXPECT_NE(read_file(root_ / "host.log").find("TAP " + taken.far_end() + ": an interface of that name already exists"),
              std::string::npos);
    EXPECT_EQ(run({"status"}).status, 3);
    EXPECT_FALSE(strata::test::interface_exists(tapnic_name));

    // Not a name Linux accepts: refused the same way.
    ASSERT_EQ(run({"reg", "add", kServiceParameters, "/v", "TapName", "/t", "REG_SZ", "/d", "bad name", "/f"}).status, 0);
    refused = run({"start"});
    EXPECT_EQ(refused.status, 2);
    EXPECT_TRUE(one_line(refused.err)) << refused.err;
    EXPECT_NE(read_file(root_ / "host.log").find("TAP name \"bad name\" is not a valid interface name"),
              std::string::npos);
    EXPECT_FALSE(strata::test::interface_exists(tapnic_name));
}

// Issue 6 item 6 (TCP with offloads), NDIS 5.1 task offload: strata_tap over passthru over an
// afpacket adapter enables the checksum and large-send offloads the adapter offers (through
// passthru, OID_TCP_TASK_OFFLOAD) and lets Linux in B hand its TAP 64 KiB TCP frames; afpacket
// sends them whole for the kernel to segment. The veth end it sends on has its own offloads off,
// so the kernel segments and checksums in software and A's TCP checks every segment's checksum:
// a wrong pseudo-header sum would lose data, not pass unnoticed.
TEST_F(TapStack, LargeSendsFromTheTapReachTheWireAsValidSegments) {
    ASSERT_EQ(run({"install", driver_file("netafpacket.inf")}).status, 0);
    strata::test::VethPair wire;
    ASSERT_EQ(shell("ethtool -K " + wire.near_end() + " tso off gso off tx off").exit_code, 0)
        << "needs ethtool (./run installs it)";
    CliResult added = run({"device", "add", "strata_afpacket", "--name", "w0", "--param", "Interface=" + wire.near_end()});
    ASSERT_EQ(added.status, 0) << added.err;
    ASSERT_EQ(run({"reg", "add", kServiceParameters, "/v", "TapName", "/t", "REG_SZ", "/d", tap_b_, "/f"}).status, 0);
    ns_a_.emplace();
    ns_a_->adopt(wire.far_end(), std::string(kAddressA) + "/24");
    start();
    ns_b_.emplace();
    ns_b_->adopt(tap_b_, std::string(kAddressB) + "/24");
    ASSERT_TRUE(carrier_b_is("1"));

    // Linux may now leave checksums and TCP segmentation to the TAP's reader.
    std::string features = ns_b_->run("ethtool -k " + tap_b_).output;
    EXPECT_NE(features.find("tcp-segmentation-offload: on"), std::string::npos) << features;
    EXPECT_NE(features.find("tx-checksumming: on"), std::string::npos) << features;

    expect_ping();
    Received received = tcp_transfer(ns_b_->name(), ns_a_->name(), 8u << 20, kAddressA);
    EXPECT_FALSE(received.timed_out);
    EXPECT_EQ(received.bytes, 8u << 20);
    EXPECT_EQ(received.mismatches, 0u);
    // And the other way, where afpacket cuts A's 64 KiB frames into MTU-sized ones before NDIS
    // sees them, and strata_tap joins consecutive segments again into GSO frames for B's TAP:
    // B's Linux counts each written frame once, so the frames it took are larger than the MTU.
    std::uint64_t packets = std::stoull(in_b("statistics/rx_packets")), bytes = std::stoull(in_b("statistics/rx_bytes"));
    expect_tcp(8u << 20);
    packets = std::stoull(in_b("statistics/rx_packets")) - packets;
    bytes = std::stoull(in_b("statistics/rx_bytes")) - bytes;
    ASSERT_NE(packets, 0u);
    EXPECT_GT(bytes / packets, 2u * 1514) << packets << " frames, " << bytes << " bytes";

    CliResult stopped = run({"stop"});
    EXPECT_EQ(stopped.status, 0) << stopped.err;
    EXPECT_NE(stopped.out.find("every packet and buffer pool balanced"), std::string::npos) << stopped.out;
}

}  // namespace
