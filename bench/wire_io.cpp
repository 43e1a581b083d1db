// wire_io.cpp — veth pairs, the frame generator and the plain AF_PACKET forwarder of
// `strata-bench wire` (see wire_io.h).
#include "wire_io.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace strata::bench {
namespace {

constexpr std::size_t kFrameBytes = 64;
constexpr unsigned kBatch = 64;

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// A raw packet socket bound to `ifname`, or -1 with `error` set.
int packet_socket(const std::string& ifname, std::string& error) {
    int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0) {
        error = errno_text("socket(AF_PACKET)");
        return -1;
    }
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_ALL);
    address.sll_ifindex = static_cast<int>(::if_nametoindex(ifname.c_str()));
    int one = 1;
    ::setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    if (address.sll_ifindex == 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        error = errno_text(("bind " + ifname).c_str());
        ::close(fd);
        return -1;
    }
    return fd;
}


}  // namespace

int shell(const std::string& command, std::string* output) {
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return -1;
    std::array<char, 4096> chunk;
    std::size_t n;
    while ((n = std::fread(chunk.data(), 1, chunk.size(), pipe)) > 0)
        if (output != nullptr) output->append(chunk.data(), n);
    int status = ::pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void pin_to_cpu(unsigned cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
}

Veth::Veth(std::string near, std::string far) : near_(std::move(near)), far_(std::move(far)) {
    std::string output;
    if (shell("ip link add " + near_ + " type veth peer name " + far_, &output) != 0)
        throw std::runtime_error("ip link add " + near_ + ": " + output);
    for (const std::string& end : {near_, far_}) {
        shell("sysctl -qw net.ipv6.conf." + end + ".disable_ipv6=1");
        shell("ip link set " + end + " up");
    }
}

Veth::~Veth() { shell("ip link delete " + near_); }

std::uint64_t rx_packets(const std::string& ifname) {
    std::uint64_t packets = 0;
    std::ifstream("/sys/class/net/" + ifname + "/statistics/rx_packets") >> packets;
    return packets;
}

FrameGenerator::FrameGenerator(const std::string& ifname, unsigned cpu) {
    int fd = packet_socket(ifname, error_);
    if (fd < 0) return;
    thread_ = std::thread([this, fd, cpu] {
        pin_to_cpu(cpu);
        run(fd);
        ::close(fd);
    });
}

FrameGenerator::~FrameGenerator() { stop(); }

void FrameGenerator::stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

void FrameGenerator::run(int fd) {
    // Unicast to a locally administered address nobody has: the forwarders are promiscuous, the
    // sink's kernel drops it after counting it.
    std::array<unsigned char, kFrameBytes> frame{0x02, 0x00, 0x5e, 0x10, 0x00, 0x02, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01,
                                                 0x88, 0xb5};
    std::array<iovec, kBatch> vectors;
    std::array<mmsghdr, kBatch> messages{};
    for (unsigned i = 0; i < kBatch; ++i) {
        vectors[i] = {frame.data(), frame.size()};
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    while (!stop_.load(std::memory_order_relaxed)) {
        int n = ::sendmmsg(fd, messages.data(), kBatch, 0);
        if (n > 0) sent_.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
    }
}

PlainForwarder::PlainForwarder(const std::string& from, const std::string& to, unsigned cpu, unsigned tpacket)
    : from_(from), to_(to), tpacket_(tpacket) {
    thread_ = std::thread([this, cpu] {
        pin_to_cpu(cpu);
        run();
    });
}

double thread_cpu_seconds(std::thread& thread) {
    clockid_t clock;
    timespec ts{};
    if (!thread.joinable() || ::pthread_getcpuclockid(thread.native_handle(), &clock) != 0 ||
        ::clock_gettime(clock, &ts) != 0)
        return 0;
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double PlainForwarder::cpu_seconds() const { return thread_cpu_seconds(const_cast<std::thread&>(thread_)); }

PlainForwarder::~PlainForwarder() { stop(); }

void PlainForwarder::stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

void PlainForwarder::run() {
    constexpr unsigned kBlockSize = 1 << 18, kBlocks = 16, kRxFrameSize = 2048;
    constexpr unsigned kRxFrames = kBlockSize / kRxFrameSize * kBlocks;
    constexpr unsigned kTxFrameSize = 2048, kTxFrames = 1024;
    Fd rx(packet_socket(from_, error_));
    Fd tx(packet_socket(to_, error_));
    if (rx.get() < 0 || tx.get() < 0) return;
    int rx_version = tpacket_ == 3 ? TPACKET_V3 : TPACKET_V2, v2 = TPACKET_V2;
    tpacket_req3 rx_req{};
    rx_req.tp_block_size = kBlockSize;
    rx_req.tp_block_nr = kBlocks;
    rx_req.tp_frame_size = kRxFrameSize;
    rx_req.tp_frame_nr = kRxFrames;
    if (tpacket_ == 3) rx_req.tp_retire_blk_tov = 1;
    tpacket_req tx_req{kTxFrameSize * 16, kTxFrames / 16, kTxFrameSize, kTxFrames};
    if (::setsockopt(rx.get(), SOL_PACKET, PACKET_VERSION, &rx_version, sizeof rx_version) != 0 ||
        ::setsockopt(rx.get(), SOL_PACKET, PACKET_RX_RING, &rx_req, sizeof rx_req) != 0 ||
        ::setsockopt(tx.get(), SOL_PACKET, PACKET_VERSION, &v2, sizeof v2) != 0 ||
        ::setsockopt(tx.get(), SOL_PACKET, PACKET_TX_RING, &tx_req, sizeof tx_req) != 0) {
        error_ = errno_text("packet ring");
        return;
    }
    std::size_t rx_bytes = std::size_t{kBlockSize} * kBlocks, tx_bytes = std::size_t{kTxFrameSize} * kTxFrames;
    auto* rx_ring = static_cast<unsigned char*>(::mmap(nullptr, rx_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, rx.get(), 0));
    auto* tx_ring = static_cast<unsigned char*>(::mmap(nullptr, tx_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, tx.get(), 0));
    if (rx_ring == MAP_FAILED || tx_ring == MAP_FAILED) {
        error_ = errno_text("mmap");
        return;
    }
    unsigned tx_next = 0, queued = 0;
    auto forward = [&](const unsigned char* data, unsigned length) {
        auto* slot = reinterpret_cast<tpacket2_hdr*>(tx_ring + std::size_t{tx_next} * kTxFrameSize);
        if (__atomic_load_n(&slot->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE ||
            length > kTxFrameSize - TPACKET2_HDRLEN)
            return;
        std::memcpy(reinterpret_cast<unsigned char*>(slot) + TPACKET2_HDRLEN - sizeof(sockaddr_ll), data, length);
        slot->tp_len = length;
        __atomic_store_n(&slot->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
        tx_next = (tx_next + 1) % kTxFrames;
        ++queued;
    };
    auto kick = [&] {
        if (queued == 0) return;
        ::send(tx.get(), nullptr, 0, MSG_DONTWAIT);
        forwarded_.fetch_add(queued, std::memory_order_relaxed);
        queued = 0;
    };
    auto sleep_until_readable = [&] {
        pollfd p{rx.get(), POLLIN, 0};
        ::poll(&p, 1, 10);
    };

    unsigned next = 0;
    RunPoller poller;
    while (!stop_.load(std::memory_order_relaxed)) {
        if (tpacket_ == 3) {
            auto* desc = reinterpret_cast<tpacket_block_desc*>(rx_ring + std::size_t{next} * kBlockSize);
            if ((__atomic_load_n(&desc->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0) {
                sleep_until_readable();
                continue;
            }
            unsigned count = desc->hdr.bh1.num_pkts;
            auto* packet = reinterpret_cast<tpacket3_hdr*>(reinterpret_cast<unsigned char*>(desc) +
                                                           desc->hdr.bh1.offset_to_first_pkt);
            for (unsigned i = 0; i < count; ++i) {
                forward(reinterpret_cast<unsigned char*>(packet) + packet->tp_mac, packet->tp_snaplen);
                packet = reinterpret_cast<tpacket3_hdr*>(reinterpret_cast<unsigned char*>(packet) + packet->tp_next_offset);
            }
            __atomic_store_n(&desc->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
            next = (next + 1) % kBlocks;
            kick();
            continue;
        }
        auto status_of = [&](unsigned frame) {
            return &reinterpret_cast<tpacket2_hdr*>(rx_ring + std::size_t{frame} * kRxFrameSize)->tp_status;
        };
        if ((__atomic_load_n(status_of(next), __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0) {
            kick();
            if (poller.wait([&] { return (__atomic_load_n(status_of(next), __ATOMIC_ACQUIRE) & TP_STATUS_USER) != 0; }))
                continue;
            sleep_until_readable();
            continue;
        }
        auto* frame = reinterpret_cast<tpacket2_hdr*>(rx_ring + std::size_t{next} * kRxFrameSize);
        forward(reinterpret_cast<unsigned char*>(frame) + frame->tp_mac, frame->tp_snaplen);
        __atomic_store_n(&frame->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        next = (next + 1) % kRxFrames;
        poller.took(1);
        if (queued == 32) kick();
    }
    ::munmap(rx_ring, rx_bytes);
    ::munmap(tx_ring, tx_bytes);
}

}  // namespace strata::bench
