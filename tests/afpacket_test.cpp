// afpacket_test.cpp — system tests of the afpacket NIC miniport (drivers/afpacket; issue 6,
// deliverables 1 and 5): a real veth pair whose far end lives in a network namespace, the near
// end driven by an afpacket adapter in an in-process host with the probe protocol bound to it.
// Frames go out through the TPACKET transmit ring and are read by a packet socket inside the
// namespace; frames sent from the namespace come up the receive ring to probe; the far end going
// down and up reaches probe as media status indications; OIDs come from the interface (address,
// MTU, link speed) and set its multicast memberships and promiscuity. Every bad input of the
// issue fails MiniportInitialize with one event-log line naming the interface. Needs root.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "afpacket/afpacket_hooks.h"
#include "common/log.h"
#include "host/loop_probe_stack.h"
#include "netns.h"
#include "ntos/processor.h"
#include "probe/probe_hooks.h"
#include "registry/value.h"
#include "strata/host.hpp"
#include "test_support.h"
#include "verifier/verifier.h"

// The software offloads are plain C on bytes with no dependencies; their unit tests below run
// the driver's own code, compiled into this test.
#include "afpacket/offload.c"

namespace {

namespace fs = std::filesystem;
using strata::registry::Value;
using strata::test::NetNamespace;
using strata::test::VethPair;
using Mac = std::array<std::uint8_t, 6>;
using Clock = std::chrono::steady_clock;

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

Mac mac_of(const std::string& ifname) {
    std::ifstream in("/sys/class/net/" + ifname + "/address");
    std::string text;
    in >> text;
    Mac mac{};
    for (std::size_t i = 0; i < mac.size() && i * 3 + 1 < text.size(); ++i)
        mac[i] = static_cast<std::uint8_t>(std::stoul(text.substr(i * 3, 2), nullptr, 16));
    return mac;
}

std::string mac_text(const Mac& mac) {
    char text[18];
    std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    return text;
}

std::size_t open_descriptors() {
    std::error_code error;
    return static_cast<std::size_t>(std::distance(fs::directory_iterator("/proc/self/fd", error), fs::directory_iterator()));
}

// Whether the host log holds a line containing every one of `parts`.
bool logged(std::initializer_list<std::string> parts) {
    for (const std::string& line : strata::log::recent()) {
        bool all = true;
        for (const std::string& part : parts) all = all && line.find(part) != std::string::npos;
        if (all) return true;
    }
    return false;
}

// A probe frame (probe_hooks.h) of `size` bytes from sender `id` with sequence `sequence`.
std::vector<std::uint8_t> probe_frame(const Mac& destination, const Mac& source, std::uint32_t id,
                                      std::uint64_t sequence, std::size_t size) {
    std::vector<std::uint8_t> frame(size, 0);
    std::memcpy(frame.data(), destination.data(), 6);
    std::memcpy(frame.data() + 6, source.data(), 6);
    frame[12] = PROBE_ETHERTYPE >> 8;
    frame[13] = PROBE_ETHERTYPE & 0xFF;
    auto put = [&](std::size_t at, std::uint64_t value, int bytes) {
        for (int i = 0; i < bytes; ++i) frame[at + i] = static_cast<std::uint8_t>(value >> (8 * (bytes - 1 - i)));
    };
    put(14, PROBE_MAGIC, 4);
    put(18, id, 4);
    put(22, sequence, 8);
    for (std::size_t i = 30; i < size; ++i) frame[i] = static_cast<std::uint8_t>(sequence + (i - 30));
    return frame;
}

// ---- Frames with offloads left undone, and an independent check of the result ----------------

// The RFC 1071 sum of `bytes`, folded; a correct header or segment sums to 0xFFFF.
std::uint16_t internet_sum(const std::vector<std::uint8_t>& bytes, std::size_t from, std::size_t to,
                           std::uint32_t sum = 0) {
    for (std::size_t i = from; i < to; i += 2) sum += (bytes[i] << 8) | (i + 1 < to ? bytes[i + 1] : 0);
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}
std::uint16_t get16(const std::vector<std::uint8_t>& b, std::size_t at) { return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]); }
std::uint32_t get32(const std::vector<std::uint8_t>& b, std::size_t at) {
    return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}
void put16(std::vector<std::uint8_t>& b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
}

// An IPv4 frame to `destination` as a sender with offloads builds it: an L4 header (TCP with
// PSH|FIN|CWR, or UDP), `payload` bytes of pattern, the L4 checksum seeded with the pseudo-header
// only, the IP header finished.
std::vector<std::uint8_t> offloaded_ipv4(const Mac& destination, const Mac& source, bool tcp, std::size_t payload) {
    std::size_t l4 = 14 + 20, header = l4 + (tcp ? 20 : 8);
    std::vector<std::uint8_t> f(header + payload, 0);
    std::memcpy(f.data(), destination.data(), 6);
    std::memcpy(f.data() + 6, source.data(), 6);
    put16(f, 12, 0x0800);
    f[14] = 0x45;
    put16(f, 16, static_cast<std::uint16_t>(f.size() - 14));
    put16(f, 18, 0x1234);
    f[22] = 64;
    f[23] = tcp ? 6 : 17;
    const std::uint8_t addresses[8] = {198, 18, 0, 2, 198, 18, 0, 1};
    std::memcpy(f.data() + 26, addresses, 8);
    put16(f, 24, static_cast<std::uint16_t>(~internet_sum(f, 14, 34)));
    put16(f, l4, 40000);
    put16(f, l4 + 2, 5001);
    if (tcp) {
        f[l4 + 4] = 0x10;  // sequence 0x10000000
        f[l4 + 12] = 0x50;
        f[l4 + 13] = 0x80 | 0x08 | 0x01 | 0x10;  // CWR PSH FIN ACK
        put16(f, l4 + 14, 512);
    } else {
        put16(f, l4 + 4, static_cast<std::uint16_t>(f.size() - l4));
    }
    for (std::size_t i = header; i < f.size(); ++i) f[i] = static_cast<std::uint8_t>(i * 7);
    std::uint32_t pseudo = internet_sum(f, 26, 34) + (tcp ? 6u : 17u) + static_cast<std::uint32_t>(f.size() - l4);
    while (pseudo >> 16) pseudo = (pseudo & 0xFFFF) + (pseudo >> 16);
    put16(f, l4 + (tcp ? 16 : 6), static_cast<std::uint16_t>(pseudo));
    return f;
}

// Whether a finished IPv4 TCP/UDP frame's IP and L4 checksums verify.
bool checksums_verify(const std::vector<std::uint8_t>& f) {
    std::size_t l4 = 14 + static_cast<std::size_t>(f[14] & 0x0F) * 4;
    std::uint32_t pseudo = internet_sum(f, 26, 34) + f[23] + static_cast<std::uint32_t>(f.size() - l4);
    return internet_sum(f, 14, l4) == 0xFFFF && internet_sum(f, l4, f.size(), pseudo) == 0xFFFF;
}

TEST(AfpacketOffload, PartialChecksumIsCompleted) {
    for (bool tcp : {true, false}) {
        std::vector<std::uint8_t> f = offloaded_ipv4(kBroadcast, kBroadcast, tcp, 777);
        EXPECT_FALSE(checksums_verify(f));
        ASSERT_EQ(afp_csum_complete(f.data(), static_cast<uint32_t>(f.size()), 34, tcp ? 16 : 6), 0);
        EXPECT_TRUE(checksums_verify(f)) << (tcp ? "TCP" : "UDP");
    }
    std::vector<std::uint8_t> f(40, 0);
    EXPECT_EQ(afp_csum_complete(f.data(), 40, 34, 16), -1) << "an offset past the frame is refused";
}

// NDIS 5.1 task offload on transmit: a checksum request becomes NEEDS_CSUM at the L4 header; a
// large send's checksum field (NDIS: pseudo-header sum without the TCP length) gets the length
// back, as the kernel's segmentation expects; anything but TCP/IPv4 is no large send.
TEST(AfpacketOffload, TransmitOffloadsDescribeWhatTheKernelFinishes) {
    for (bool tcp : {true, false}) {
        std::vector<std::uint8_t> f = offloaded_ipv4(kBroadcast, kBroadcast, tcp, 300);
        afp_tx_offload offload{};
        ASSERT_EQ(afp_tx_checksum(f.data(), static_cast<uint32_t>(f.size()), static_cast<uint32_t>(f.size()), &offload), 0);
        EXPECT_EQ(offload.needs_csum, 1);
        EXPECT_EQ(offload.gso, AFP_GSO_NONE);
        EXPECT_EQ(offload.csum_start, 34);
        EXPECT_EQ(offload.csum_offset, tcp ? 16 : 6);
    }
    std::vector<std::uint8_t> f = offloaded_ipv4(kBroadcast, kBroadcast, true, 3000);
    std::uint16_t linux_sum = get16(f, 34 + 16);
    std::uint32_t without_length = linux_sum + static_cast<std::uint16_t>(~static_cast<std::uint16_t>(f.size() - 34));
    while (without_length >> 16) without_length = (without_length & 0xFFFF) + (without_length >> 16);
    put16(f, 34 + 16, static_cast<std::uint16_t>(without_length));
    afp_tx_offload large{};
    ASSERT_EQ(afp_tx_large_send(f.data(), 54, static_cast<uint32_t>(f.size()), 1448, &large), 0);
    EXPECT_EQ(get16(f, 34 + 16), linux_sum) << "the TCP length is back in the pseudo-header sum";
    EXPECT_EQ(large.gso, AFP_GSO_TCPV4);
    EXPECT_EQ(large.gso_size, 1448);
    EXPECT_EQ(large.header_bytes, 54);
    EXPECT_EQ(large.csum_start, 34);
    EXPECT_EQ(large.csum_offset, 16);
    std::vector<std::uint8_t> udp = offloaded_ipv4(kBroadcast, kBroadcast, false, 3000);
    EXPECT_EQ(afp_tx_large_send(udp.data(), 42, static_cast<uint32_t>(udp.size()), 1448, &large), -1);
    EXPECT_EQ(afp_tx_large_send(f.data(), 54, 54, 1448, &large), -1) << "no payload, no large send";

    std::vector<std::uint8_t> header = offloaded_ipv4(kBroadcast, kBroadcast, true, 10);
    put16(header, 24, 0);
    ASSERT_EQ(afp_ipv4_header_checksum(header.data(), static_cast<uint32_t>(header.size())), 0);
    EXPECT_EQ(internet_sum(header, 14, 34), 0xFFFF);
}

TEST(AfpacketOffload, TcpGsoFrameIsCutIntoFinishedSegments) {
    std::vector<std::uint8_t> big = offloaded_ipv4(kBroadcast, kBroadcast, true, 3500);
    afp_rx_offload offload{1, AFP_GSO_TCPV4, 1448, 34, 16};
    afp_gso gso;
    ASSERT_EQ(afp_gso_begin(&gso, big.data(), static_cast<uint32_t>(big.size()), &offload), 0);
    std::vector<std::vector<std::uint8_t>> segments;
    std::vector<std::uint8_t> out(1514);
    int overflow = 0;
    while (std::uint32_t n = afp_gso_next(&gso, out.data(), static_cast<uint32_t>(out.size()), &overflow))
        segments.emplace_back(out.begin(), out.begin() + n);
    EXPECT_EQ(overflow, 0);
    ASSERT_EQ(segments.size(), 3u) << "1448 + 1448 + 604";
    std::size_t sent = 0;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const auto& s = segments[i];
        std::size_t payload = s.size() - 54;
        EXPECT_EQ(payload, i < 2 ? 1448u : 604u);
        EXPECT_TRUE(checksums_verify(s)) << "segment " << i;
        EXPECT_EQ(get16(s, 16), s.size() - 14) << "IP total length";
        EXPECT_EQ(get16(s, 18), 0x1234 + i) << "IP identification counts up";
        EXPECT_EQ(get32(s, 38), 0x10000000u + sent) << "sequence number";
        EXPECT_EQ(s[47] & 0x80, i == 0 ? 0x80 : 0) << "CWR only on the first";
        EXPECT_EQ(s[47] & 0x09, i == 2 ? 0x09 : 0) << "PSH and FIN only on the last";
        EXPECT_EQ(std::memcmp(s.data() + 54, big.data() + 54 + sent, payload), 0) << "payload in place";
        sent += payload;
    }
    out.resize(600);
    ASSERT_EQ(afp_gso_begin(&gso, big.data(), static_cast<uint32_t>(big.size()), &offload), 0);
    EXPECT_EQ(afp_gso_next(&gso, out.data(), static_cast<uint32_t>(out.size()), &overflow), 0u);
    EXPECT_EQ(overflow, 1) << "a segment larger than the slot is reported, not truncated";
}

TEST(AfpacketOffload, UdpGsoFrameIsCutAndMalformedOnesRefused) {
    std::vector<std::uint8_t> big = offloaded_ipv4(kBroadcast, kBroadcast, false, 2500);
    afp_rx_offload offload{1, AFP_GSO_UDP, 1000, 34, 6};
    afp_gso gso;
    ASSERT_EQ(afp_gso_begin(&gso, big.data(), static_cast<uint32_t>(big.size()), &offload), 0);
    std::vector<std::uint8_t> out(1514);
    int overflow = 0;
    std::size_t count = 0;
    while (std::uint32_t n = afp_gso_next(&gso, out.data(), static_cast<uint32_t>(out.size()), &overflow)) {
        std::vector<std::uint8_t> s(out.begin(), out.begin() + n);
        EXPECT_TRUE(checksums_verify(s)) << "segment " << count;
        EXPECT_EQ(get16(s, 38), n - 34) << "UDP length";
        ++count;
    }
    EXPECT_EQ(count, 3u);

    afp_rx_offload tcp_claim{1, AFP_GSO_TCPV4, 1000, 34, 16};
    EXPECT_EQ(afp_gso_begin(&gso, big.data(), static_cast<uint32_t>(big.size()), &tcp_claim), -1)
        << "a UDP frame labelled TCP";
    afp_rx_offload wrong_start{1, AFP_GSO_UDP, 1000, 30, 6};
    EXPECT_EQ(afp_gso_begin(&gso, big.data(), static_cast<uint32_t>(big.size()), &wrong_start), -1);
    afp_rx_offload no_size{1, AFP_GSO_UDP, 0, 34, 6};
    EXPECT_EQ(afp_gso_begin(&gso, big.data(), static_cast<uint32_t>(big.size()), &no_size), -1);
}

// A packet socket bound to an interface inside a namespace, for EtherType `ethertype`. The socket
// is made on a thread that entered the namespace (network namespaces are per thread); it stays in
// that namespace for its life.
class NamespaceSocket {
public:
    // With `vnet`, every frame sent starts with a struct virtio_net_hdr (PACKET_VNET_HDR).
    NamespaceSocket(const NetNamespace& ns, const std::string& ifname, std::uint16_t ethertype, bool vnet = false) {
        std::string error;
        std::thread([&] {
            int nsfd = ::open(("/var/run/netns/" + ns.name()).c_str(), O_RDONLY | O_CLOEXEC);
            if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) {
                error = "setns " + ns.name() + ": " + std::strerror(errno);
                if (nsfd >= 0) ::close(nsfd);
                return;
            }
            ::close(nsfd);
            fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ethertype));
            // Room for every frame a test sends before it reads them.
            int buffer_bytes = 8 << 20;
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &buffer_bytes, sizeof buffer_bytes);
            int on = 1;
            if (vnet && ::setsockopt(fd_, SOL_PACKET, PACKET_VNET_HDR, &on, sizeof on) != 0)
                error = std::string("PACKET_VNET_HDR: ") + std::strerror(errno);
            ifindex_ = static_cast<int>(::if_nametoindex(ifname.c_str()));
            sockaddr_ll address{};
            address.sll_family = AF_PACKET;
            address.sll_protocol = htons(ethertype);
            address.sll_ifindex = ifindex_;
            if (error.empty() &&
                (fd_ < 0 || ifindex_ == 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)) {
                error = "packet socket on " + ifname + ": " + std::strerror(errno);
            }
        }).join();
        if (!error.empty()) throw std::runtime_error(error);
    }
    ~NamespaceSocket() {
        if (fd_ >= 0) ::close(fd_);
    }
    NamespaceSocket(const NamespaceSocket&) = delete;
    NamespaceSocket& operator=(const NamespaceSocket&) = delete;

    bool send(const std::vector<std::uint8_t>& frame) {
        return ::send(fd_, frame.data(), frame.size(), 0) == static_cast<ssize_t>(frame.size());
    }
    // The next frame, or an empty vector when none arrives before the deadline.
    std::vector<std::uint8_t> receive() {
        auto deadline = Clock::now() + kDeadline;
        std::vector<std::uint8_t> frame(65536);
        while (Clock::now() < deadline) {
            pollfd p{fd_, POLLIN, 0};
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (::poll(&p, 1, static_cast<int>(left > 0 ? left : 0)) <= 0) continue;
            ssize_t n = ::recv(fd_, frame.data(), frame.size(), MSG_DONTWAIT);
            if (n > 0) {
                frame.resize(static_cast<std::size_t>(n));
                return frame;
            }
        }
        return {};
    }

private:
    int fd_ = -1;
    int ifindex_ = 0;
};

// A host with afpacket and probe loaded, next to a veth pair whose far end is in a namespace.
class Afpacket : public ::testing::Test {
protected:
    void SetUp() override {
        if (!strata::test::can_build_networks()) return;  // each test skips itself
        veth_ = std::make_unique<VethPair>();
        ns_ = std::make_unique<NetNamespace>();
        ns_->adopt(veth_->far_end(), "198.18.0.2/24");
        host_ = strata::test::make_host(root_, 2, true);
        ASSERT_TRUE(NT_SUCCESS(host_->load_driver("afpacket"))) << host_->last_error();
        ASSERT_TRUE(NT_SUCCESS(host_->load_driver("probe"))) << host_->last_error();
        probe_ = strata::host::resolve_probe_hooks(*host_, "probe");
        find_adapter_ = reinterpret_cast<PFN_AFP_FIND_ADAPTER>(host_->driver_symbol("afpacket", "AfpFindAdapter"));
        get_stats_ = reinterpret_cast<PFN_AFP_GET_STATS>(host_->driver_symbol("afpacket", "AfpGetStats"));
        ASSERT_NE(find_adapter_, nullptr);
        ASSERT_NE(get_stats_, nullptr);
        strata::verifier::clear();
    }
    void TearDown() override {
        if (host_ == nullptr) return;
        host_.reset();  // halts the adapters: every packet back, every pool balanced
        EXPECT_EQ(strata::verifier::total(), 0u) << "verifier reports";
    }

    NDIS_STATUS add(const std::string& ifname, strata::AdapterInfo* info) {
        return host_->add_adapter("afpacket", {{"Interface", Value::sz(ifname)}}, info);
    }
    // Adds the adapter driving the near end, with parameters, and binds probe to it.
    void start_near(std::map<std::string, Value> parameters = {}) {
        parameters.emplace("Interface", Value::sz(near()));
        if (tpacket_version() != 0) parameters.emplace("TpacketVersion", Value::dword(tpacket_version()));
        ASSERT_EQ(host_->add_adapter("afpacket", parameters, &info_), NDIS_STATUS_SUCCESS);
        ASSERT_EQ(host_->bind("probe", info_.device_name), NDIS_STATUS_SUCCESS);
        binding_ = probe_.find_binding(info_.device_name.c_str());
        ASSERT_NE(binding_, nullptr);
        adapter_ = find_adapter_(near().c_str());
        ASSERT_NE(adapter_, nullptr);
    }

    // The ring layout asked for, or 0: the driver's default.
    virtual ULONG tpacket_version() const { return 0; }
    const std::string& near() const { return veth_->near_end(); }
    const std::string& far() const { return veth_->far_end(); }
    Mac far_mac_address() {
        std::string text = ns_->run("cat /sys/class/net/" + far() + "/address").output;
        Mac mac{};
        for (std::size_t i = 0; i < mac.size() && i * 3 + 1 < text.size(); ++i)
            mac[i] = static_cast<std::uint8_t>(std::stoul(text.substr(i * 3, 2), nullptr, 16));
        return mac;
    }

    PROBE_STATS probe_stats() {
        PROBE_STATS s{};
        probe_.get_stats(binding_, &s);
        return s;
    }
    AFP_STATS afp_stats() {
        AFP_STATS s{};
        get_stats_(adapter_, &s);
        return s;
    }
    NDIS_STATUS request(NDIS_REQUEST_TYPE type, NDIS_OID oid, void* buffer, UINT length) {
        UINT done = 0, needed = 0;
        return probe_.request(binding_, type, oid, buffer, length, &done, &needed);
    }
    ULONG query_ulong(NDIS_OID oid) {
        ULONG value = 0;
        EXPECT_EQ(request(NdisRequestQueryInformation, oid, &value, sizeof value), NDIS_STATUS_SUCCESS)
            << "OID 0x" << std::hex << oid;
        return value;
    }
    Mac query_mac(NDIS_OID oid) {
        Mac mac{};
        EXPECT_EQ(request(NdisRequestQueryInformation, oid, mac.data(), 6), NDIS_STATUS_SUCCESS);
        return mac;
    }
    std::string near_link_details() { return strata::test::shell("ip -d link show " + near()).output; }

    strata::test::TempDir root_;
    std::unique_ptr<VethPair> veth_;
    std::unique_ptr<NetNamespace> ns_;
    std::unique_ptr<strata::Host> host_;  // declared last: goes first, while the veth still exists
    strata::host::ProbeHooks probe_;
    PFN_AFP_FIND_ADAPTER find_adapter_ = nullptr;
    PFN_AFP_GET_STATS get_stats_ = nullptr;
    strata::AdapterInfo info_;
    PVOID binding_ = nullptr;
    PVOID adapter_ = nullptr;
};

// The receive and transmit paths, once with each ring layout (TpacketVersion 2 and 3).
class AfpacketRings : public Afpacket, public ::testing::WithParamInterface<ULONG> {
protected:
    ULONG tpacket_version() const override { return GetParam(); }
};
INSTANTIATE_TEST_SUITE_P(Layouts, AfpacketRings, ::testing::Values(2u, 3u),
                         [](const ::testing::TestParamInfo<ULONG>& info) { return "TPACKET_V" + std::to_string(info.param); });

TEST_P(AfpacketRings, SentFramesLeaveThroughTheInterfaceInOrder) {
    STRATA_REQUIRE_NETWORKS();
    ASSERT_NO_FATAL_FAILURE(start_near());
    NamespaceSocket far_socket(*ns_, far(), PROBE_ETHERTYPE);
    constexpr UINT kFrames = 200;
    constexpr UINT kSize = 300;

    ASSERT_EQ(probe_.send(binding_, kBroadcast.data(), kSize, kFrames, 16, 0), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe_.wait_sends_completed(binding_, kFrames, kWaitMs), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(probe_stats().SendsFailed, 0u);

    Mac source = mac_of(near());
    for (UINT i = 0; i < kFrames; ++i) {
        std::vector<std::uint8_t> frame = far_socket.receive();
        ASSERT_EQ(frame.size(), kSize) << "frame " << i << " reached the far end whole";
        EXPECT_EQ(std::memcmp(frame.data() + 6, source.data(), 6), 0) << "sent from the near end's address";
        std::uint64_t sequence = 0;
        for (int b = 0; b < 8; ++b) sequence = (sequence << 8) | frame[22 + b];
        ASSERT_EQ(sequence, i) << "in the order probe sent them";
        EXPECT_EQ(frame[kSize - 1], static_cast<std::uint8_t>(i + kSize - 1 - 30)) << "payload intact";
    }
    AFP_STATS s = afp_stats();
    EXPECT_EQ(s.TxFrames, kFrames);
    EXPECT_EQ(s.TxErrors, 0u);
    EXPECT_EQ(query_ulong(OID_GEN_XMIT_OK), kFrames);
}

TEST_P(AfpacketRings, FramesFromTheNamespaceReachTheProtocolFilteredByAddress) {
    STRATA_REQUIRE_NETWORKS();
    ASSERT_NO_FATAL_FAILURE(start_near());
    NamespaceSocket far_socket(*ns_, far(), PROBE_ETHERTYPE);
    Mac near_mac = mac_of(near());
    Mac far_mac = far_mac_address();
    constexpr Mac kSomeoneElse{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    constexpr std::uint64_t kFrames = 300;

    // Frames for another station come first: NDIS drops them for probe's directed filter, and
    // once the good ones are in, the others have been dealt with (one ring, in order).
    for (std::uint64_t i = 0; i < 5; ++i) ASSERT_TRUE(far_socket.send(probe_frame(kSomeoneElse, far_mac, 7, i, 64)));
    for (std::uint64_t i = 0; i < kFrames; ++i)
        ASSERT_TRUE(far_socket.send(probe_frame(i % 2 ? near_mac : kBroadcast, far_mac, 9, i, 60 + i % 1400)));

    ASSERT_EQ(probe_.wait_received(binding_, kFrames, kWaitMs), NDIS_STATUS_SUCCESS)
        << "received " << probe_stats().ReceivedFrames;
    PROBE_STATS p = probe_stats();
    EXPECT_EQ(p.ReceivedFrames, kFrames) << "the frames for another station were filtered";
    EXPECT_EQ(p.SequenceErrors, 0u);
    EXPECT_EQ(p.PayloadErrors, 0u);
    EXPECT_EQ(p.ReceivedViaReceivePacket, kFrames) << "indicated as packets, not copied through lookahead";

    EXPECT_TRUE(eventually([&] { return afp_stats().ReturnsOutstanding == 0; })) << "every packet came back";
    AFP_STATS s = afp_stats();
    EXPECT_GE(s.RxFrames, kFrames + 5) << "the adapter indicates everything; NDIS filters";
    EXPECT_EQ(s.RxErrors, 0u);
    EXPECT_GE(query_ulong(OID_GEN_RCV_OK), kFrames + 5);
}

TEST_P(AfpacketRings, SendsWaitForAFullTransmitRingInsteadOfFailing) {
    STRATA_REQUIRE_NETWORKS();
    ASSERT_NO_FATAL_FAILURE(start_near({{"TxFrames", Value::dword(16)}}));
    NamespaceSocket far_socket(*ns_, far(), PROBE_ETHERTYPE);
    constexpr UINT kFrames = 1000;

    // Arrays of 64 on a ring of 16 frames: 48 of each array wait for the socket to be writable.
    ASSERT_EQ(probe_.send(binding_, kBroadcast.data(), 128, kFrames, 64, 0), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe_.wait_sends_completed(binding_, kFrames, kWaitMs), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(probe_stats().SendsFailed, 0u);
    AFP_STATS s = afp_stats();
    EXPECT_GE(s.TxQueued, 48u) << "sends waited for ring frames";
    EXPECT_EQ(s.TxWaiting, 0u);
    EXPECT_EQ(s.TxFrames, kFrames);
    for (UINT i = 0; i < kFrames; ++i) {
        std::vector<std::uint8_t> frame = far_socket.receive();
        ASSERT_EQ(frame.size(), 128u) << "frame " << i;
        ASSERT_EQ(frame[29], static_cast<std::uint8_t>(i)) << "in order";
    }
}

TEST_P(AfpacketRings, HeldPacketsCostDescriptorsNotTheRing) {
    STRATA_REQUIRE_NETWORKS();
    ASSERT_NO_FATAL_FAILURE(start_near({{"ReceivePackets", Value::dword(64)}}));
    NamespaceSocket far_socket(*ns_, far(), PROBE_ETHERTYPE);
    Mac near_mac = mac_of(near());
    Mac far_mac = far_mac_address();
    std::uint64_t sequence = 0;
    auto send_frames = [&](std::uint64_t count) {
        for (std::uint64_t i = 0; i < count; ++i) ASSERT_TRUE(far_socket.send(probe_frame(near_mac, far_mac, 3, sequence++, 64)));
    };

    probe_.set_receive_mode(binding_, PROBE_RECEIVE_HOLD);
    send_frames(200);
    ASSERT_EQ(probe_.wait_received(binding_, 200, kWaitMs), NDIS_STATUS_SUCCESS);
    PROBE_STATS p = probe_stats();
    EXPECT_EQ(p.HeldPackets, 64u) << "protocols hold at most ReceivePackets descriptors";
    AFP_STATS s = afp_stats();
    EXPECT_EQ(s.ReturnsOutstanding, 64u);
    EXPECT_EQ(s.RxIndicatedResources, 136u) << "the rest went up with NDIS_STATUS_RESOURCES: probe copied them";

    // While packets are held the receive side keeps going (the held blocks are not the ring).
    send_frames(50);
    ASSERT_EQ(probe_.wait_received(binding_, 250, kWaitMs), NDIS_STATUS_SUCCESS);

    EXPECT_EQ(probe_.return_held(binding_), 64u);
    EXPECT_TRUE(eventually([&] { return afp_stats().ReturnsOutstanding == 0; }));
    probe_.set_receive_mode(binding_, PROBE_RECEIVE_COPY);
    send_frames(50);
    ASSERT_EQ(probe_.wait_received(binding_, 300, kWaitMs), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(probe_stats().SequenceErrors, 0u);
    EXPECT_EQ(probe_stats().PayloadErrors, 0u);
}

TEST_P(AfpacketRings, RingFullWhileProtocolsHoldEveryBlockDropsThenRecovers) {
    STRATA_REQUIRE_NETWORKS();
    // Two 4 KiB blocks (V2: four 2 KiB frames): a held packet in each freezes the ring.
    ASSERT_NO_FATAL_FAILURE(start_near({{"RxBlocks", Value::dword(2)}, {"RxBlockSizeKB", Value::dword(4)}}));
    NamespaceSocket far_socket(*ns_, far(), PROBE_ETHERTYPE);
    Mac near_mac = mac_of(near());
    Mac far_mac = far_mac_address();
    std::uint64_t sequence = 0;
    auto send_frame = [&] { return far_socket.send(probe_frame(near_mac, far_mac, 4, sequence++, 1000)); };

    probe_.set_receive_mode(binding_, PROBE_RECEIVE_HOLD);
    // Keep sending until probe holds packets of both blocks and the kernel reports drops.
    ASSERT_TRUE(eventually([&] {
        send_frame();
        ULONG64 drops = 0;
        UINT done = 0, needed = 0;
        probe_.request(binding_, NdisRequestQueryInformation, OID_GEN_RCV_NO_BUFFER, &drops, sizeof drops, &done,
                       &needed);
        return drops > 0 && afp_stats().RxBlocks >= 2;
    })) << "OID_GEN_RCV_NO_BUFFER counts the frames the full ring lost";
    // Frames probe does not take (the namespace's own ARP or neighbour discovery) may have let
    // a block go round before both froze; from now on every block is held, so none is walked
    // again however many frames the kernel has to drop.
    auto rx_no_buffer = [&] {
        ULONG64 drops = 0;
        UINT done = 0, needed = 0;
        probe_.request(binding_, NdisRequestQueryInformation, OID_GEN_RCV_NO_BUFFER, &drops, sizeof drops, &done,
                       &needed);
        return drops;
    };
    AFP_STATS held = afp_stats();
    ULONG64 drops_when_frozen = rx_no_buffer();
    ASSERT_TRUE(eventually([&] {
        send_frame();
        return rx_no_buffer() > drops_when_frozen + 5;
    }));
    std::uint64_t held_by_probe = probe_stats().HeldPackets;
    EXPECT_EQ(afp_stats().RxBlocks, held.RxBlocks) << "a block still held is not walked again";
    EXPECT_EQ(afp_stats().ReturnsOutstanding, held_by_probe) << "what probe holds is all that is out";
    std::uint64_t before = probe_stats().ReceivedFrames;

    probe_.set_receive_mode(binding_, PROBE_RECEIVE_COPY);
    EXPECT_EQ(probe_.return_held(binding_), held_by_probe);
    EXPECT_TRUE(eventually([&] {
        send_frame();
        return probe_stats().ReceivedFrames > before + 10;
    })) << "frames flow again once the blocks are back";
    EXPECT_TRUE(eventually([&] { return afp_stats().ReturnsOutstanding == 0; }));
    EXPECT_EQ(probe_stats().PayloadErrors, 0u);
}

// A run that finds more than its budget (256 V2 frames, 16 V3 blocks) is in a stream: the next
// runs come from a DPC with READABLE paused, and once a run ends short the socket is watched
// again, so a lone frame afterwards still wakes the adapter.
TEST_P(AfpacketRings, AStreamIsWalkedFromADpcAndALoneFrameStillWakesTheAdapter) {
    STRATA_REQUIRE_NETWORKS();
    // V3 blocks retire only when full (or a second after their first frame), so that a slow
    // sender cannot fill the ring with part-full blocks while the processor is held.
    ASSERT_NO_FATAL_FAILURE(start_near({{"RxBlockTimeoutMs", Value::dword(1000)}}));
    NamespaceSocket far_socket(*ns_, far(), PROBE_ETHERTYPE);
    Mac near_mac = mac_of(near());
    Mac far_mac = far_mac_address();
    const bool v2 = GetParam() == 2;
    // V2: 600 of 2048 ring frames. V3: about 19 of 32 blocks of 128 KiB, as frames of ~1.1 KiB.
    const std::uint64_t kFrames = v2 ? 600 : 2300;
    const std::size_t kSize = v2 ? 200 : 1000;
    auto get_processor = reinterpret_cast<ULONG (*)(PVOID)>(host_->driver_symbol("afpacket", "AfpGetProcessor"));
    ASSERT_NE(get_processor, nullptr);

    // The adapter's processor is held while the ring fills, so that one run finds it all.
    auto holding = std::make_shared<std::atomic<bool>>(false);
    auto release = std::make_shared<std::atomic<bool>>(false);
    strata::ntos::post_to_processor(get_processor(adapter_), [holding, release] {
        holding->store(true);
        while (!release->load()) std::this_thread::yield();
    });
    ASSERT_TRUE(eventually([&] { return holding->load(); }));
    for (std::uint64_t i = 0; i < kFrames; ++i)
        ASSERT_TRUE(far_socket.send(probe_frame(near_mac, far_mac, 9, i, kSize)));
    release->store(true);

    ASSERT_EQ(probe_.wait_received(binding_, kFrames, kWaitMs), NDIS_STATUS_SUCCESS)
        << "received " << probe_stats().ReceivedFrames << ", kernel drops " << afp_stats().RxKernelDrops;
    EXPECT_GE(afp_stats().RxPolledRuns, 1u) << "the runs after the first came from the poll DPC";
    EXPECT_EQ(probe_stats().SequenceErrors, 0u);

    ASSERT_TRUE(far_socket.send(probe_frame(near_mac, far_mac, 9, kFrames, 60)));
    ASSERT_EQ(probe_.wait_received(binding_, kFrames + 1, kWaitMs), NDIS_STATUS_SUCCESS)
        << "READABLE is watched again after the stream";
    EXPECT_TRUE(eventually([&] { return afp_stats().ReturnsOutstanding == 0; }));
}

TEST_P(AfpacketRings, OffloadsTheSenderLeftUndoneAreFinishedBeforeProtocolsSeeTheFrames) {
    STRATA_REQUIRE_NETWORKS();
    ASSERT_NO_FATAL_FAILURE(start_near());
    // The namespace side sends like a kernel with checksum and segmentation offloads: a
    // virtio_net_hdr asks veth to leave the checksum partial and the 9000-byte TCP frame whole.
    NamespaceSocket far_socket(*ns_, far(), 0x0800, true);
    Mac near_mac = mac_of(near());
    Mac far_mac = far_mac_address();
    auto with_vnet = [](const std::vector<std::uint8_t>& frame, std::uint8_t gso_type, std::uint16_t gso_size,
                        std::uint16_t csum_offset) {
        std::vector<std::uint8_t> out(10, 0);
        out[0] = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
        out[1] = gso_type;
        std::uint16_t fields[4] = {static_cast<std::uint16_t>(gso_type ? 54 : 0), gso_size, 34, csum_offset};
        std::memcpy(out.data() + 2, fields, sizeof fields);  // little-endian, as x86-64
        out.insert(out.end(), frame.begin(), frame.end());
        return out;
    };
    std::uint64_t before = probe_stats().OtherFrames;
    ASSERT_TRUE(far_socket.send(with_vnet(offloaded_ipv4(near_mac, far_mac, false, 300), 0, 0, 6)));
    ASSERT_TRUE(far_socket.send(with_vnet(offloaded_ipv4(near_mac, far_mac, true, 9000), AFP_GSO_TCPV4, 1448, 16)));

    ASSERT_TRUE(eventually([&] { return probe_stats().OtherFrames >= before + 1 + 7; }))
        << "the UDP frame and the 7 segments of 9000 bytes reached probe: " << probe_stats().OtherFrames - before;
    AFP_STATS s = afp_stats();
    EXPECT_EQ(s.RxChecksummed, 1u);
    EXPECT_EQ(s.RxSegments, 7u);
    EXPECT_EQ(s.RxCopied, GetParam() == 2 ? 1u : 0u) << "a V2 ring frame holds an MTU-sized frame, not 9000 bytes";
    EXPECT_EQ(s.RxErrors, 0u);
}

TEST_F(Afpacket, ArpRequestsOfAPingInTheNamespaceReachTheProtocol) {
    STRATA_REQUIRE_NETWORKS();
    ASSERT_NO_FATAL_FAILURE(start_near());
    std::uint64_t before = probe_stats().OtherFrames;
    // Nobody answers 198.18.0.9: the namespace's kernel broadcasts ARP requests for it.
    strata::test::CommandResult ping = ns_->run("ping -c 1 -W 1 198.18.0.9");
    EXPECT_NE(ping.exit_code, 0) << "there is no 198.18.0.9";
    EXPECT_TRUE(eventually([&] { return probe_stats().OtherFrames > before; }))
        << "the broadcast ARP request came up to probe";
}

TEST_F(Afpacket, FarEndDownAndUpReachTheProtocolAsMediaStatus) {
    STRATA_REQUIRE_NETWORKS();
    ASSERT_NO_FATAL_FAILURE(start_near());
    EXPECT_EQ(query_ulong(OID_GEN_MEDIA_CONNECT_STATUS), static_cast<ULONG>(NdisMediaStateConnected));

    ASSERT_EQ(ns_->run("ip link set " + far() + " down").exit_code, 0);
    // ProtocolStatusComplete follows ProtocolStatus on the adapter's processor: wait for both.
    ASSERT_TRUE(eventually([&] {
        PROBE_STATS s = probe_stats();
        return s.LastStatus == static_cast<ULONG>(NDIS_STATUS_MEDIA_DISCONNECT) && s.StatusCompletes >= 1;
    })) << "a disconnect, followed by ProtocolStatusComplete";
    EXPECT_EQ(query_ulong(OID_GEN_MEDIA_CONNECT_STATUS), static_cast<ULONG>(NdisMediaStateDisconnected));

    // Sends fail while the medium is gone.
    ASSERT_EQ(probe_.send(binding_, kBroadcast.data(), 64, 3, 1, 0), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe_.wait_sends_completed(binding_, 3, kWaitMs), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(probe_stats().SendsFailed, 3u);

    ASSERT_EQ(ns_->run("ip link set " + far() + " up").exit_code, 0);
    ASSERT_TRUE(eventually([&] { return probe_stats().LastStatus == static_cast<ULONG>(NDIS_STATUS_MEDIA_CONNECT); }));
    EXPECT_EQ(query_ulong(OID_GEN_MEDIA_CONNECT_STATUS), static_cast<ULONG>(NdisMediaStateConnected));
    EXPECT_EQ(afp_stats().MediaIndications, 2u);
}

TEST_F(Afpacket, Seed_2_11_InterfaceDeletedUnderTheAdapterRemovesIt) {
    STRATA_REQUIRE_NETWORKS();
    ASSERT_NO_FATAL_FAILURE(start_near());
    ASSERT_EQ(strata::test::shell("ip link delete " + near()).exit_code, 0);
    // afpacket calls NdisMRemoveMiniport; NDIS unbinds probe and halts the adapter.
    ASSERT_TRUE(eventually([&] { return !host_->adapter_running(info_.device_name); }));
    EXPECT_TRUE(logged({"afpacket", near(), "removing its adapter"}));
    EXPECT_EQ(probe_.find_binding(info_.device_name.c_str()), nullptr) << "probe was unbound";
}

TEST_F(Afpacket, OidsComeFromTheInterface) {
    STRATA_REQUIRE_NETWORKS();
    ASSERT_NO_FATAL_FAILURE(start_near());
    EXPECT_EQ(query_mac(OID_802_3_CURRENT_ADDRESS), mac_of(near()));
    EXPECT_EQ(query_mac(OID_802_3_PERMANENT_ADDRESS), mac_of(near()));
    EXPECT_EQ(query_ulong(OID_GEN_MEDIA_IN_USE), static_cast<ULONG>(NdisMedium802_3));
    EXPECT_EQ(query_ulong(OID_GEN_MAXIMUM_FRAME_SIZE), 1500u);
    EXPECT_EQ(query_ulong(OID_GEN_MAXIMUM_TOTAL_SIZE), 1514u);
    EXPECT_EQ(query_ulong(OID_GEN_LINK_SPEED), 10000u * 10000u) << "veth says 10000 Mb/s; the unit is 100 bps";

    ASSERT_EQ(strata::test::shell("ip link set " + near() + " mtu 1400").exit_code, 0);
    EXPECT_EQ(query_ulong(OID_GEN_MAXIMUM_FRAME_SIZE), 1400u);
    EXPECT_EQ(query_ulong(OID_GEN_MAXIMUM_TOTAL_SIZE), 1414u);
    EXPECT_EQ(query_ulong(OID_GEN_MAXIMUM_LOOKAHEAD), 1400u);

    // Sends longer than the new MTU fail (probe still allows the 1500 it read at bind time);
    // shorter ones go. The data path learns the MTU from rtnetlink: wait until it has.
    NamespaceSocket far_socket(*ns_, far(), PROBE_ETHERTYPE);
    ASSERT_TRUE(eventually([&] {
        probe_.send(binding_, kBroadcast.data(), 1514, 1, 1, 0);
        return afp_stats().TxErrors == 1;
    }));
    probe_.reset_stats(binding_);
    ASSERT_EQ(probe_.send(binding_, kBroadcast.data(), 1414, 1, 1, 0), NDIS_STATUS_SUCCESS);
    std::vector<std::uint8_t> frame;
    do frame = far_socket.receive();
    while (frame.size() == 1500u + 14u);  // frames sent before the MTU change reached the data path
    EXPECT_EQ(frame.size(), 1414u);
    ASSERT_EQ(probe_.wait_sends_completed(binding_, 1, kWaitMs), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(probe_stats().SendsFailed, 0u);
    EXPECT_EQ(query_ulong(OID_GEN_XMIT_ERROR), 1u) << "the 1514-byte frame did not fit an MTU of 1400";
}

TEST_F(Afpacket, MulticastListAndPromiscuousModeReachTheInterface) {
    STRATA_REQUIRE_NETWORKS();
    ASSERT_NO_FATAL_FAILURE(start_near());
    const Mac group{0x01, 0x00, 0x5E, 0x12, 0x34, 0x56};
    auto near_groups = [&] { return strata::test::shell("ip maddr show dev " + near()).output; };
    ASSERT_EQ(near_groups().find(mac_text(group)), std::string::npos);

    Mac list = group;
    ASSERT_EQ(request(NdisRequestSetInformation, OID_802_3_MULTICAST_LIST, list.data(), 6), NDIS_STATUS_SUCCESS);
    EXPECT_TRUE(eventually([&] { return near_groups().find(mac_text(group)) != std::string::npos; }))
        << "ip maddr shows the group:\n" << near_groups();
    ASSERT_EQ(request(NdisRequestSetInformation, OID_802_3_MULTICAST_LIST, nullptr, 0), NDIS_STATUS_SUCCESS);
    EXPECT_TRUE(eventually([&] { return near_groups().find(mac_text(group)) == std::string::npos; }))
        << "and drops it with the list";

    ULONG filter = NDIS_PACKET_TYPE_PROMISCUOUS;
    ASSERT_EQ(request(NdisRequestSetInformation, OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof filter),
              NDIS_STATUS_SUCCESS);
    EXPECT_TRUE(eventually([&] { return near_link_details().find("promiscuity 1") != std::string::npos; }))
        << near_link_details();
    filter = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST;
    ASSERT_EQ(request(NdisRequestSetInformation, OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof filter),
              NDIS_STATUS_SUCCESS);
    EXPECT_TRUE(eventually([&] { return near_link_details().find("promiscuity 0") != std::string::npos; }))
        << near_link_details();
}

// ---- Bad input: MiniportInitialize fails with one line naming the interface, nothing stays ----

TEST_F(Afpacket, NoInterfaceParameterIsRefused) {
    STRATA_REQUIRE_NETWORKS();
    strata::AdapterInfo info;
    EXPECT_EQ(host_->add_adapter("afpacket", {}, &info), NDIS_STATUS_FAILURE);
    EXPECT_TRUE(logged({"afpacket", "no Interface parameter"}));
    EXPECT_TRUE(host_->adapters().empty());
}

TEST_F(Afpacket, MissingInterfaceIsRefused) {
    STRATA_REQUIRE_NETWORKS();
    std::string missing = strata::test::unique_net_name("z");
    strata::AdapterInfo info;
    std::size_t descriptors = open_descriptors();
    EXPECT_EQ(add(missing, &info), NDIS_STATUS_ADAPTER_NOT_FOUND);
    EXPECT_EQ(open_descriptors(), descriptors) << "nothing left open";
    EXPECT_TRUE(logged({"afpacket", "interface " + missing, "no such interface"}));
    EXPECT_TRUE(host_->adapters().empty());
}

TEST_F(Afpacket, DownInterfaceIsRefused) {
    STRATA_REQUIRE_NETWORKS();
    ASSERT_EQ(strata::test::shell("ip link set " + near() + " down").exit_code, 0);
    strata::AdapterInfo info;
    EXPECT_EQ(add(near(), &info), NDIS_STATUS_ADAPTER_NOT_READY);
    EXPECT_TRUE(logged({"afpacket", "interface " + near() + " is down"}));
    EXPECT_TRUE(host_->adapters().empty());
    ASSERT_EQ(strata::test::shell("ip link set " + near() + " up").exit_code, 0);
    EXPECT_EQ(add(near(), &info), NDIS_STATUS_SUCCESS) << "nothing of the refused adapter stayed behind";
}

TEST_F(Afpacket, InterfaceDrivenByAnotherAdapterIsRefused) {
    STRATA_REQUIRE_NETWORKS();
    strata::AdapterInfo first, second;
    ASSERT_EQ(add(near(), &first), NDIS_STATUS_SUCCESS);
    std::size_t descriptors = open_descriptors();
    EXPECT_EQ(add(near(), &second), NDIS_STATUS_RESOURCE_CONFLICT);
    EXPECT_EQ(open_descriptors(), descriptors) << "nothing left open";
    EXPECT_TRUE(logged({"afpacket", "interface " + near() + " is already driven"}));
    EXPECT_EQ(host_->adapters().size(), 1u);
}

TEST_F(Afpacket, NonEthernetInterfaceIsRefused) {
    STRATA_REQUIRE_NETWORKS();
    strata::AdapterInfo info;
    EXPECT_EQ(add("lo", &info), NDIS_STATUS_NOT_ACCEPTED);
    EXPECT_TRUE(logged({"afpacket", "interface lo", "not an Ethernet interface"}));
    EXPECT_TRUE(host_->adapters().empty());
}

// Without root the packet socket cannot be opened: `strata start` as nobody fails with exit 2 and
// one line carrying the driver's reason (naming the interface), the host log has it too, and no
// host is left running.
TEST_F(Afpacket, WithoutRootTheStartFailsAndNamesTheReason) {
    STRATA_REQUIRE_NETWORKS();
    if (strata::test::shell("setpriv --version").exit_code != 0) GTEST_SKIP() << "needs setpriv (util-linux)";
    fs::path dir = root_.path() / "cli";
    fs::create_directories(dir);
    const std::string strata_bin = STRATA_BINARY_DIR "/bin/strata";
    const std::string as_root = strata_bin + " --root " + dir.string() + " ";
    ASSERT_EQ(strata::test::shell(as_root + "install " STRATA_DRIVER_DIR "/netafpacket.inf").exit_code, 0);
    ASSERT_EQ(strata::test::shell(as_root + "device add strata_afpacket --name wan --param Interface=" + near()).exit_code,
              0);
    ASSERT_EQ(::chmod(root_.path().c_str(), 0755), 0);
    ASSERT_EQ(strata::test::shell("chown -R 65534:65534 " + dir.string()).exit_code, 0);

    std::string as_nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all " + as_root;
    strata::test::CommandResult start = strata::test::shell(as_nobody + "start");
    EXPECT_EQ(start.exit_code, 2) << start.output;
    EXPECT_EQ(std::count(start.output.begin(), start.output.end(), '\n'), 1) << "one line: " << start.output;
    EXPECT_NE(start.output.find("device wan"), std::string::npos) << start.output;
    EXPECT_NE(start.output.find("interface " + near()), std::string::npos) << "the driver's reason: " << start.output;
    std::ifstream log(dir / "host.log");
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("cannot open a packet socket on interface " + near()), std::string::npos) << text;
    EXPECT_NE(text.find("CAP_NET_RAW"), std::string::npos) << text;
    EXPECT_EQ(strata::test::shell(as_nobody + "status").exit_code, 3) << "no host is left running";
}

}  // namespace
