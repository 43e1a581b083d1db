// xdp_forwarder.cpp — the AF_XDP forwarding loop of `strata-bench wire` (see xdp_forwarder.h):
// one UMEM and socket per interface (copy mode, as veth gives), the receive side's fill ring kept
// full, one sendto per batch on the transmit side, its completion ring reaped into a free list;
// it waits for frames as afxdp does (RunPoller, then poll).
#include "xdp_forwarder.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <xdp/xsk.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "wire_io.h"

namespace strata::bench {
namespace {

constexpr unsigned kFrames = 4096;
constexpr unsigned kFrameSize = XSK_UMEM__DEFAULT_FRAME_SIZE;
constexpr unsigned kBatch = 64;

// One interface's UMEM and AF_XDP socket on queue 0.
struct XdpPort {
    void* area = nullptr;
    xsk_umem* umem = nullptr;
    xsk_socket* socket = nullptr;
    xsk_ring_prod fill{}, tx{};
    xsk_ring_cons completion{}, rx{};

    ~XdpPort() {
        if (socket != nullptr) xsk_socket__delete(socket);
        if (umem != nullptr) xsk_umem__delete(umem);
        if (area != nullptr) ::munmap(area, std::size_t{kFrames} * kFrameSize);
    }
    // "" or why it failed.
    std::string open(const std::string& ifname) {
        area = ::mmap(nullptr, std::size_t{kFrames} * kFrameSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (area == MAP_FAILED) {
            area = nullptr;
            return std::string("mmap: ") + std::strerror(errno);
        }
        int result = xsk_umem__create(&umem, area, std::size_t{kFrames} * kFrameSize, &fill, &completion, nullptr);
        if (result != 0) return "xsk_umem__create: " + std::string(std::strerror(-result));
        xsk_socket_config config{};
        config.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS;
        config.tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS;
        config.bind_flags = XDP_COPY;
        // A host that just exited leaves its sockets' queue bound until the kernel's deferred
        // release runs: busy for a moment, so retry for up to two seconds.
        for (int attempt = 0; attempt < 40; ++attempt) {
            result = xsk_socket__create(&socket, ifname.c_str(), 0, umem, &rx, &tx, &config);
            if (result != -EBUSY) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (result != 0) return "xsk_socket__create " + ifname + ": " + std::strerror(-result);
        return "";
    }
    std::uint8_t* frame(std::uint64_t address) const { return static_cast<std::uint8_t*>(xsk_umem__get_data(area, address)); }
};

}  // namespace

XdpForwarder::XdpForwarder(const std::string& from, const std::string& to, unsigned cpu) : from_(from), to_(to) {
    thread_ = std::thread([this, cpu] {
        pin_to_cpu(cpu);
        run();
    });
}

XdpForwarder::~XdpForwarder() { stop(); }

void XdpForwarder::stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

std::string XdpForwarder::error() const { return failed_.load() ? error_ : std::string(); }

double XdpForwarder::cpu_seconds() const { return thread_cpu_seconds(const_cast<std::thread&>(thread_)); }

void XdpForwarder::run() {
    XdpPort in, out;
    std::string why = in.open(from_);
    if (why.empty()) why = out.open(to_);
    if (!why.empty()) {
        error_ = why;
        failed_.store(true);
        return;
    }
    // The receive side's every frame waits on its fill ring; the transmit side's are free.
    std::uint32_t index = 0;
    unsigned filling = xsk_ring_prod__reserve(&in.fill, XSK_RING_PROD__DEFAULT_NUM_DESCS, &index);
    for (unsigned i = 0; i < filling; ++i) *xsk_ring_prod__fill_addr(&in.fill, index + i) = std::uint64_t{i} * kFrameSize;
    xsk_ring_prod__submit(&in.fill, filling);
    std::vector<std::uint64_t> free_tx;
    for (unsigned i = 0; i < kFrames; ++i) free_tx.push_back(std::uint64_t{i} * kFrameSize);

    RunPoller poller;
    while (!stop_.load(std::memory_order_relaxed)) {
        std::uint32_t done_index = 0;
        unsigned done = xsk_ring_cons__peek(&out.completion, kBatch, &done_index);
        for (unsigned i = 0; i < done; ++i) free_tx.push_back(*xsk_ring_cons__comp_addr(&out.completion, done_index + i));
        xsk_ring_cons__release(&out.completion, done);

        std::uint32_t rx_index = 0;
        unsigned received = xsk_ring_cons__peek(&in.rx, kBatch, &rx_index);
        if (received == 0) {
            if (poller.wait([&] { return xsk_cons_nb_avail(&in.rx, 1) != 0; })) continue;
            pollfd ready{xsk_socket__fd(in.socket), POLLIN, 0};
            ::poll(&ready, 1, 10);
            continue;
        }
        poller.took(received);
        std::uint32_t tx_index = 0, fill_index = 0;
        unsigned sendable = std::min<unsigned>(received, static_cast<unsigned>(free_tx.size()));
        sendable = xsk_ring_prod__reserve(&out.tx, sendable, &tx_index);
        for (unsigned i = 0; i < sendable; ++i) {
            const xdp_desc* desc = xsk_ring_cons__rx_desc(&in.rx, rx_index + i);
            std::uint64_t address = free_tx.back();
            free_tx.pop_back();
            std::memcpy(out.frame(address), in.frame(desc->addr), desc->len);
            xdp_desc* slot = xsk_ring_prod__tx_desc(&out.tx, tx_index + i);
            slot->addr = address;
            slot->len = desc->len;
        }
        xsk_ring_prod__submit(&out.tx, sendable);
        // Every received frame, sent or not, goes back to the fill ring.
        while (xsk_ring_prod__reserve(&in.fill, received, &fill_index) != received) {
        }
        for (unsigned i = 0; i < received; ++i)
            *xsk_ring_prod__fill_addr(&in.fill, fill_index + i) =
                xsk_umem__extract_addr(xsk_ring_cons__rx_desc(&in.rx, rx_index + i)->addr);
        xsk_ring_prod__submit(&in.fill, received);
        xsk_ring_cons__release(&in.rx, received);
        if (sendable != 0) ::sendto(xsk_socket__fd(out.socket), nullptr, 0, MSG_DONTWAIT, nullptr, 0);
    }
}

}  // namespace strata::bench
