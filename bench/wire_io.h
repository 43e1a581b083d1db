// wire_io.h — the Linux side of `strata-bench wire` (issue 6 item 6): veth pairs, a 64-byte
// frame generator pinned to one core, and the baseline — a plain C++ forwarding loop doing the
// same AF_PACKET I/O as the afpacket miniport (TPACKET_V3 receive ring, TPACKET_V2 transmit
// ring) with no NDIS in between.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace strata::bench {

// Runs `command` with /bin/sh; its exit code, and what it printed in `output` when given.
int shell(const std::string& command, std::string* output = nullptr);

// Pins the calling thread to `cpu`.
void pin_to_cpu(unsigned cpu);

// CPU seconds `thread` has used so far (0 when it is not running).
double thread_cpu_seconds(std::thread& thread);

// A veth pair in the root namespace, with IPv6 off so the kernel sends nothing on it; deleted
// by the destructor.
class Veth {
public:
    Veth(std::string near, std::string far);
    ~Veth();
    Veth(const Veth&) = delete;
    Veth& operator=(const Veth&) = delete;
    const std::string& near() const { return near_; }
    const std::string& far() const { return far_; }

private:
    std::string near_, far_;
};

// Frames received by `ifname`, as the kernel counts them.
std::uint64_t rx_packets(const std::string& ifname);

// Sends 64-byte frames out of `ifname` in batches, as fast as it can, on its own thread pinned
// to `cpu`, until stop().
class FrameGenerator {
public:
    FrameGenerator(const std::string& ifname, unsigned cpu);
    ~FrameGenerator();
    void stop();
    std::uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
    const std::string& error() const { return error_; }

private:
    void run(int fd);
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> sent_{0};
    std::string error_;
    std::thread thread_;
};

// The drivers' rule for waiting (afpacket with TPACKET_V2, afxdp), which the baselines follow
// too: once a run — the frames since the loop last slept — took 8 frames, it polls for the next
// frame instead of sleeping, up to 20 µs in all.
class RunPoller {
public:
    void took(unsigned frames) { frames_ += frames; }
    // Whether `ready` said yes before the run's polling time ran out; if not, the caller sleeps.
    template <typename Ready>
    bool wait(Ready ready) {
        if (frames_ < 8) return end_run();
        auto now = std::chrono::steady_clock::now();
        if (!polling_) {
            deadline_ = now + std::chrono::microseconds(20);
            polling_ = true;
        }
        for (; now < deadline_; now = std::chrono::steady_clock::now()) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
            if (ready()) return true;
        }
        return end_run();
    }

private:
    bool end_run() {
        frames_ = 0;
        polling_ = false;
        return false;
    }
    unsigned frames_ = 0;
    bool polling_ = false;
    std::chrono::steady_clock::time_point deadline_;
};

// The baseline: receives on `from` and transmits on `to`, copying each frame, on a thread pinned
// to `cpu`, until stop(). The receive ring is laid out as afpacket's TpacketVersion `tpacket`
// says: 3, blocks (slept on until one is handed over); 2, frames (waited for as RunPoller says). The
// transmit ring is TPACKET_V2. cpu_seconds() is the CPU time that thread has used so far.
class PlainForwarder {
public:
    PlainForwarder(const std::string& from, const std::string& to, unsigned cpu, unsigned tpacket);
    ~PlainForwarder();
    void stop();
    double cpu_seconds() const;
    std::uint64_t forwarded() const { return forwarded_.load(std::memory_order_relaxed); }
    const std::string& error() const { return error_; }

private:
    void run();
    std::string from_, to_;
    unsigned tpacket_;
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> forwarded_{0};
    std::string error_;
    std::thread thread_;
};

}  // namespace strata::bench
