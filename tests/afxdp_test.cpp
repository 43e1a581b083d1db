// afxdp_test.cpp — system tests of the afxdp NIC miniport (drivers/afxdp; issue 6, deliverables 1
// and 5). A real veth pair whose far end lives in a network namespace (198.18.20.1/24), the near
// end driven by an afxdp adapter with the probe protocol bound to it.
//   AfxdpTest, end to end through the strata command: probe frames sent with `strata probe send`
//   arrive in the namespace; the ARP broadcasts of a ping from the namespace reach probe; OIDs
//   come from the interface; the XDP program is gone after `strata stop`; bad input fails
//   MiniportInitialize with one event-log line saying why and leaves nothing attached.
//   AfxdpHost, in an in-process host with the verifier on: frames from the namespace arrive whole
//   and in order through many turns of the fill ring; packets probe holds come back through
//   MiniportReturnPacket, and when protocols hold most frames NDIS gets RESOURCES arrays; the
//   multicast list and promiscuous mode reach the interface.
// Needs root and AF_XDP sockets; skipped otherwise.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_harness.h"
#include "host/loop_probe_stack.h"
#include "netns.h"
#include "probe/probe_hooks.h"
#include "registry/value.h"
#include "strata/host.hpp"
#include "test_support.h"
#include "verifier/verifier.h"

namespace {

using strata::test::CliResult;
using strata::test::NetNamespace;
using strata::test::VethPair;
using strata::registry::Value;
using Clock = std::chrono::steady_clock;
using Mac = std::array<std::uint8_t, 6>;

constexpr auto kDeadline = std::chrono::seconds(10);
constexpr UINT kWaitMs = 10000;
constexpr Mac kBroadcast{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

// Polls `condition` until it holds or the deadline passes; true if it held.
bool eventually(const std::function<bool()>& condition) {
    auto deadline = Clock::now() + kDeadline;
    while (!condition()) {
        if (Clock::now() > deadline) return false;
        std::this_thread::yield();
    }
    return true;
}

bool af_xdp_available() {
    int fd = ::socket(AF_XDP, SOCK_RAW, 0);
    if (fd < 0) return false;
    ::close(fd);
    return true;
}

// `ip link show` of an interface in the root namespace: "prog/xdp" appears while one is attached.
std::string link_text(const std::string& ifname) { return strata::test::shell("ip -d link show " + ifname).output; }

bool xdp_attached(const std::string& ifname) { return link_text(ifname).find("prog/xdp") != std::string::npos; }

class AfxdpTest : public strata::test::CliHarness {
protected:
    void SetUp() override {
        STRATA_REQUIRE_NETWORKS();
        if (!af_xdp_available()) GTEST_SKIP() << "AF_XDP sockets cannot be created here";
        CliHarness::SetUp();
        ns_ = std::make_unique<NetNamespace>();
        veth_ = std::make_unique<VethPair>();
        ns_->adopt(veth_->far_end(), "198.18.20.1/24");
        // The driver's start-up line (the mode it got) is a DbgPrint: the host logs those at debug.
        ::setenv("STRATA_LOG", "debug", 1);
        ASSERT_EQ(run({"install", driver_file("netafxdp.inf")}).status, 0);
        ASSERT_EQ(run({"install", driver_file("netprobe.inf")}).status, 0);
        CliResult started = run({"start"});
        ASSERT_EQ(started.status, 0) << started.err;
    }

    void TearDown() override {
        ::unsetenv("STRATA_LOG");
        if (!dir_.empty()) CliHarness::TearDown();
        veth_.reset();
        ns_.reset();
    }

    CliResult add_adapter(const std::string& name, const std::string& ifname, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"device", "add", "strata_afxdp", "--name", name, "--param", "Interface=" + ifname};
        args.insert(args.end(), extra.begin(), extra.end());
        return run(args);
    }

    std::string host_log() const { return read_file(root_ / "host.log"); }

    // Frames the far end received (its rx counter inside the namespace).
    std::uint64_t far_rx_packets() const {
        auto shown = strata::test::shell("ip -n " + ns_->name() + " -s -j link show " + veth_->far_end());
        nlohmann::json links = nlohmann::json::parse(shown.output, nullptr, false);
        if (!links.is_array() || links.empty()) return 0;
        return links[0]["stats64"]["rx"].value("packets", std::uint64_t{0});
    }

    // What the probe binding of adapter `name` received (strata stats).
    std::uint64_t probe_received(const std::string& name) {
        nlohmann::json stats = json({"stats"});
        for (const auto& adapter : stats["adapters"]) {
            if (adapter.value("name", "") != name) continue;
            for (const auto& binding : adapter["bindings"])
                if (binding.value("protocol", "") == "probe") return binding["counters"].value("received_packets", 0ull);
        }
        return 0;
    }

    std::string oid_decoded(const std::string& adapter, const std::string& oid) {
        nlohmann::json reply = json({"oid", "query", adapter, oid});
        EXPECT_EQ(reply.value("status", ""), "NDIS_STATUS_SUCCESS") << reply.dump();
        return reply["decoded"].is_string() ? reply["decoded"].get<std::string>() : reply["decoded"].dump();
    }

    std::unique_ptr<NetNamespace> ns_;
    std::unique_ptr<VethPair> veth_;
};

TEST_F(AfxdpTest, ProbeFramesReachTheNamespaceAndItsArpReachesProbe) {
    CliResult added = add_adapter("x0", veth_->near_end());
    ASSERT_EQ(added.status, 0) << added.err;
    EXPECT_TRUE(xdp_attached(veth_->near_end())) << link_text(veth_->near_end());
    // veth has no AF_XDP zero-copy support: copy mode, and the log says so.
    EXPECT_NE(host_log().find("afxdp: " + veth_->near_end() + " queue 0: copy mode"), std::string::npos) << host_log();

    std::uint64_t before = far_rx_packets();
    CliResult sent = run({"probe", "send", "x0", "--count", "2000", "--batch", "64"});
    ASSERT_EQ(sent.status, 0) << sent.err;
    EXPECT_TRUE(eventually([&] { return far_rx_packets() >= before + 2000; }))
        << "the far end received " << far_rx_packets() - before << " of 2000 frames";
    nlohmann::json probe = json({"probe", "stats"});
    ASSERT_TRUE(probe.is_array() && !probe.empty()) << probe.dump();
    EXPECT_EQ(probe[0].value("sent", 0ull), 2000u);
    EXPECT_EQ(probe[0].value("send_failed", 1ull), 0u);

    // A ping to an address on our side of the wire starts with an ARP broadcast.
    std::uint64_t received = probe_received("x0");
    ns_->run("ping -c 1 -W 1 198.18.20.2");
    EXPECT_TRUE(eventually([&] { return probe_received("x0") > received; }))
        << "probe received nothing from the namespace";
}

TEST_F(AfxdpTest, AnswersOidsFromTheInterfaceAndFollowsItsLink) {
    ASSERT_EQ(add_adapter("x0", veth_->near_end()).status, 0);
    std::string mac = read_file("/sys/class/net/" + veth_->near_end() + "/address");
    mac.erase(mac.find_last_not_of("\n") + 1);
    EXPECT_EQ(oid_decoded("x0", "OID_802_3_CURRENT_ADDRESS"), mac);
    EXPECT_EQ(oid_decoded("x0", "OID_802_3_PERMANENT_ADDRESS"), mac);
    EXPECT_EQ(oid_decoded("x0", "OID_GEN_MEDIA_CONNECT_STATUS"), "Connected");
    EXPECT_EQ(oid_decoded("x0", "OID_GEN_MAXIMUM_FRAME_SIZE"), "1500");

    // The far end going down takes the carrier away: the adapter reports it.
    ns_->run("ip link set " + veth_->far_end() + " down");
    EXPECT_TRUE(eventually([&] { return oid_decoded("x0", "OID_GEN_MEDIA_CONNECT_STATUS") == "Disconnected"; }));
    ns_->run("ip link set " + veth_->far_end() + " up");
    EXPECT_TRUE(eventually([&] { return oid_decoded("x0", "OID_GEN_MEDIA_CONNECT_STATUS") == "Connected"; }));
}

TEST_F(AfxdpTest, StopRemovesTheXdpProgram) {
    ASSERT_EQ(add_adapter("x0", veth_->near_end()).status, 0);
    ASSERT_TRUE(xdp_attached(veth_->near_end())) << link_text(veth_->near_end());
    CliResult stopped = run({"stop"});
    ASSERT_EQ(stopped.status, 0) << stopped.out << stopped.err;
    EXPECT_FALSE(xdp_attached(veth_->near_end())) << link_text(veth_->near_end());
}

TEST_F(AfxdpTest, Seed_2_11_DeletingTheInterfaceRemovesTheAdapterUntilARescan) {
    ASSERT_EQ(add_adapter("x0", veth_->near_end()).status, 0);
    auto state_of_x0 = [&] {
        nlohmann::json status = json({"status"});
        for (const auto& device : status["devices"])
            if (device.value("name", "") == "x0") return device.value("state", "");
        return std::string();
    };
    ASSERT_EQ(state_of_x0(), "running");
    ASSERT_EQ(strata::test::shell("ip link delete " + veth_->near_end()).exit_code, 0);
    EXPECT_TRUE(eventually([&] { return state_of_x0() == "removed"; })) << "afxdp called NdisMRemoveMiniport";
    CliResult rescan = run({"device", "rescan"});
    EXPECT_EQ(rescan.status, 1) << "the interface is still missing";
    EXPECT_NE(rescan.err.find("device x0"), std::string::npos) << rescan.err;
    EXPECT_EQ(state_of_x0(), "stopped");
    CliResult stopped = run({"stop"});
    EXPECT_EQ(stopped.status, 0) << stopped.err;
}

TEST_F(AfxdpTest, AMissingInterfaceFailsWithOneLineAndLeavesNothing) {
    const std::string missing = veth_->near_end() + "q";
    CliResult added = add_adapter("bad", missing);
    EXPECT_EQ(added.status, 2);
    EXPECT_TRUE(one_line(added.err)) << added.err;
    EXPECT_NE(added.err.find("device bad"), std::string::npos) << added.err;
    EXPECT_NE(host_log().find("\"no interface named " + missing + "\""), std::string::npos) << host_log();
    EXPECT_EQ(json({"device", "list"}).size(), 0u);
    EXPECT_FALSE(xdp_attached(veth_->near_end()));
}

TEST_F(AfxdpTest, BadInputSaysWhyAndLeavesNothingAttached) {
    // No Interface parameter at all.
    EXPECT_EQ(run({"device", "add", "strata_afxdp", "--name", "none"}).status, 2);
    EXPECT_NE(host_log().find("the adapter has no Interface parameter"), std::string::npos);

    // An interface that is down.
    strata::test::shell("ip link set " + veth_->near_end() + " down");
    EXPECT_EQ(add_adapter("down", veth_->near_end()).status, 2);
    EXPECT_NE(host_log().find("interface " + veth_->near_end() + " is down"), std::string::npos);
    strata::test::shell("ip link set " + veth_->near_end() + " up");

    // An MTU no UMEM frame holds.
    strata::test::shell("ip link set " + veth_->near_end() + " mtu 9000");
    EXPECT_EQ(add_adapter("jumbo", veth_->near_end()).status, 2);
    EXPECT_NE(host_log().find("MTU 9000 does not fit"), std::string::npos);
    strata::test::shell("ip link set " + veth_->near_end() + " mtu 1500");
    EXPECT_FALSE(xdp_attached(veth_->near_end()));

    // A queue another adapter already drives: the kernel refuses the second socket.
    ASSERT_EQ(add_adapter("x0", veth_->near_end()).status, 0);
    CliResult second = add_adapter("x1", veth_->near_end());
    EXPECT_EQ(second.status, 2);
    EXPECT_TRUE(one_line(second.err)) << second.err;
    EXPECT_NE(host_log().find("already uses this queue"), std::string::npos) << host_log();
    // The first adapter and its program are untouched.
    EXPECT_TRUE(xdp_attached(veth_->near_end()));
    EXPECT_EQ(run({"probe", "send", "x0", "--count", "100"}).status, 0);
    nlohmann::json devices = json({"device", "list"});
    ASSERT_EQ(devices.size(), 1u) << devices.dump();
    EXPECT_EQ(devices[0].value("name", ""), "x0");
}

TEST_F(AfxdpTest, WithoutCapabilitiesItSaysAfXdpNeedsRoot) {
    if (strata::test::shell("setpriv --version").exit_code != 0) GTEST_SKIP() << "needs setpriv (util-linux)";
    ASSERT_EQ(run({"stop"}).status, 0);
    // The host as root without the capabilities AF_XDP needs, as an unprivileged user would run it.
    strata::test::CommandResult started = strata::test::shell(
        "setpriv --bounding-set=-net_raw,-bpf,-sys_admin,-net_admin --inh-caps=-net_raw,-bpf,-sys_admin,-net_admin " +
        std::string(STRATA_BINARY_DIR) + "/bin/strata --root " + root_.string() + " start");
    ASSERT_EQ(started.exit_code, 0) << started.output;
    CliResult added = add_adapter("x0", veth_->near_end());
    EXPECT_EQ(added.status, 2);
    EXPECT_TRUE(one_line(added.err)) << added.err;
    EXPECT_NE(host_log().find("Operation not permitted (AF_XDP needs root"), std::string::npos) << host_log();
    EXPECT_FALSE(xdp_attached(veth_->near_end()));
}

// ---- in-process host ------------------------------------------------------------------------

// A probe frame (probe_hooks.h) of `size` bytes from sender `id` with sequence `sequence`.
std::vector<std::uint8_t> probe_frame(const Mac& source, std::uint32_t id, std::uint64_t sequence, std::size_t size) {
    std::vector<std::uint8_t> frame(size, 0);
    std::memcpy(frame.data(), kBroadcast.data(), 6);
    std::memcpy(frame.data() + 6, source.data(), 6);
    auto put = [&](std::size_t at, std::uint64_t value, int bytes) {
        for (int i = 0; i < bytes; ++i) frame[at + i] = static_cast<std::uint8_t>(value >> (8 * (bytes - 1 - i)));
    };
    put(12, PROBE_ETHERTYPE, 2);
    put(14, PROBE_MAGIC, 4);
    put(18, id, 4);
    put(22, sequence, 8);
    for (std::size_t i = 30; i < size; ++i) frame[i] = static_cast<std::uint8_t>(sequence + (i - 30));
    return frame;
}

// A packet socket on an interface inside a namespace, made on a thread that entered it (network
// namespaces are per thread); the socket stays in that namespace, whichever thread uses it.
class NamespaceSender {
public:
    NamespaceSender(const NetNamespace& ns, const std::string& ifname) {
        std::string error;
        std::thread([&] {
            int nsfd = ::open(("/var/run/netns/" + ns.name()).c_str(), O_RDONLY | O_CLOEXEC);
            if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) {
                error = "setns " + ns.name() + ": " + std::strerror(errno);
                if (nsfd >= 0) ::close(nsfd);
                return;
            }
            ::close(nsfd);
            fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
            sockaddr_ll address{};
            address.sll_family = AF_PACKET;
            address.sll_ifindex = static_cast<int>(::if_nametoindex(ifname.c_str()));
            if (fd_ < 0 || address.sll_ifindex == 0 ||
                ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
                error = "packet socket on " + ifname + ": " + std::strerror(errno);
        }).join();
        if (!error.empty()) throw std::runtime_error(error);
    }
    ~NamespaceSender() {
        if (fd_ >= 0) ::close(fd_);
    }
    NamespaceSender(const NamespaceSender&) = delete;
    NamespaceSender& operator=(const NamespaceSender&) = delete;

    bool send(const std::vector<std::uint8_t>& frame) {
        return ::send(fd_, frame.data(), frame.size(), 0) == static_cast<ssize_t>(frame.size());
    }

private:
    int fd_ = -1;
};

// A host with afxdp and probe loaded, next to a veth pair whose far end is in a namespace.
class AfxdpHost : public ::testing::Test {
protected:
    void SetUp() override {
        STRATA_REQUIRE_NETWORKS();
        if (!af_xdp_available()) GTEST_SKIP() << "AF_XDP sockets cannot be created here";
        veth_ = std::make_unique<VethPair>();
        ns_ = std::make_unique<NetNamespace>();
        ns_->adopt(veth_->far_end(), "198.18.20.1/24");
        host_ = strata::test::make_host(root_, 2, true);
        ASSERT_TRUE(NT_SUCCESS(host_->load_driver("afxdp"))) << host_->last_error();
        ASSERT_TRUE(NT_SUCCESS(host_->load_driver("probe"))) << host_->last_error();
        probe_ = strata::host::resolve_probe_hooks(*host_, "probe");
        strata::verifier::clear();
    }
    void TearDown() override {
        if (host_ == nullptr) return;
        host_.reset();  // halts the adapter: every packet back, every pool balanced
        EXPECT_EQ(strata::verifier::total(), 0u) << "verifier reports";
        EXPECT_FALSE(xdp_attached(veth_->near_end())) << link_text(veth_->near_end());
    }

    // Adds the adapter driving the near end and binds probe to it.
    void start_near(std::map<std::string, Value> parameters = {}) {
        parameters.emplace("Interface", Value::sz(veth_->near_end()));
        strata::AdapterInfo info;
        ASSERT_EQ(host_->add_adapter("afxdp", parameters, &info), NDIS_STATUS_SUCCESS);
        ASSERT_EQ(host_->bind("probe", info.device_name), NDIS_STATUS_SUCCESS);
        binding_ = probe_.find_binding(info.device_name.c_str());
        ASSERT_NE(binding_, nullptr);
    }

    PROBE_STATS probe_stats() {
        PROBE_STATS s{};
        probe_.get_stats(binding_, &s);
        return s;
    }
    NDIS_STATUS request(NDIS_OID oid, void* buffer, UINT length) {
        UINT done = 0, needed = 0;
        return probe_.request(binding_, NdisRequestSetInformation, oid, buffer, length, &done, &needed);
    }
    // Sends `count` probe frames from the namespace in rounds the receive side can take, waiting
    // for each round to arrive. `base` is the sequence of the first.
    void send_from_namespace(NamespaceSender& sender, std::uint64_t base, std::uint64_t count, std::uint64_t round) {
        Mac source{0x02, 0x00, 0x00, 0x00, 0x20, 0x01};
        std::uint64_t received = probe_stats().ReceivedFrames;
        for (std::uint64_t sent = 0; sent < count;) {
            std::uint64_t n = std::min(round, count - sent);
            for (std::uint64_t i = 0; i < n; ++i, ++sent) {
                std::uint64_t sequence = base + sent;
                ASSERT_TRUE(sender.send(probe_frame(source, 7, sequence, 60 + sequence * 7 % 1455)));
            }
            ASSERT_EQ(probe_.wait_received(binding_, received + sent, kWaitMs), NDIS_STATUS_SUCCESS)
                << "received " << probe_stats().ReceivedFrames - received << " of " << sent;
        }
    }
    std::string near_link_details() { return strata::test::shell("ip -d link show " + veth_->near_end()).output; }

    strata::test::TempDir root_;
    std::unique_ptr<VethPair> veth_;
    std::unique_ptr<NetNamespace> ns_;
    std::unique_ptr<strata::Host> host_;  // declared last: goes first, while the veth still exists
    strata::host::ProbeHooks probe_;
    PVOID binding_ = nullptr;
};

TEST_F(AfxdpHost, FramesFromTheNamespaceArriveWholeAndInOrderThroughManyFillRingTurns) {
    ASSERT_NO_FATAL_FAILURE(start_near({{"ReceiveBuffers", Value::dword(256)}}));
    NamespaceSender sender(*ns_, veth_->far_end());
    ASSERT_NO_FATAL_FAILURE(send_from_namespace(sender, 0, 3000, 128));  // each frame reused ~12 times
    PROBE_STATS s = probe_stats();
    EXPECT_EQ(s.ReceivedFrames, 3000u);
    EXPECT_EQ(s.SequenceErrors, 0u);
    EXPECT_EQ(s.PayloadErrors, 0u);
    EXPECT_EQ(s.ReceivedViaReceivePacket, 3000u) << "packet arrays, not lookahead indications";
}

TEST_F(AfxdpHost, HeldPacketsComeBackAndMostFramesHeldMeansResourcesArrays) {
    ASSERT_NO_FATAL_FAILURE(start_near({{"ReceiveBuffers", Value::dword(256)}}));
    NamespaceSender sender(*ns_, veth_->far_end());
    probe_.set_receive_mode(binding_, PROBE_RECEIVE_HOLD);
    ASSERT_NO_FATAL_FAILURE(send_from_namespace(sender, 0, 220, 20));
    // Past three quarters of the 256 frames held, batches come as NDIS_STATUS_RESOURCES arrays,
    // which a protocol cannot keep: the frames stay available.
    PROBE_STATS held = probe_stats();
    EXPECT_EQ(held.ReceivedFrames, 220u);
    EXPECT_GE(held.HeldPackets, 150u);
    EXPECT_LE(held.HeldPackets, 192u);
    EXPECT_EQ(probe_.return_held(binding_), held.HeldPackets);

    // Every returned frame is back on the fill ring: twice the ring goes through.
    probe_.set_receive_mode(binding_, PROBE_RECEIVE_COPY);
    ASSERT_NO_FATAL_FAILURE(send_from_namespace(sender, 220, 512, 128));
    PROBE_STATS s = probe_stats();
    EXPECT_EQ(s.ReceivedFrames, 732u);
    EXPECT_EQ(s.SequenceErrors, 0u);
    EXPECT_EQ(s.PayloadErrors, 0u);
}

TEST_F(AfxdpHost, MulticastListAndPromiscuousModeReachTheInterface) {
    ASSERT_NO_FATAL_FAILURE(start_near());
    const Mac group{0x01, 0x00, 0x5E, 0x12, 0x34, 0x56};
    auto near_groups = [&] { return strata::test::shell("ip maddr show dev " + veth_->near_end()).output; };
    ASSERT_EQ(near_groups().find("01:00:5e:12:34:56"), std::string::npos);

    Mac list = group;
    ASSERT_EQ(request(OID_802_3_MULTICAST_LIST, list.data(), 6), NDIS_STATUS_SUCCESS);
    EXPECT_NE(near_groups().find("01:00:5e:12:34:56"), std::string::npos) << near_groups();
    ASSERT_EQ(request(OID_802_3_MULTICAST_LIST, nullptr, 0), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(near_groups().find("01:00:5e:12:34:56"), std::string::npos) << near_groups();

    ULONG filter = NDIS_PACKET_TYPE_PROMISCUOUS;
    ASSERT_EQ(request(OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof filter), NDIS_STATUS_SUCCESS);
    EXPECT_NE(near_link_details().find("promiscuity 1"), std::string::npos) << near_link_details();
    filter = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST;
    ASSERT_EQ(request(OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof filter), NDIS_STATUS_SUCCESS);
    EXPECT_NE(near_link_details().find("promiscuity 0"), std::string::npos) << near_link_details();
}

}  // namespace
