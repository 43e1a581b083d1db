// echo_load.cpp — the closed-loop echo load generator of `strata-bench wsk` (echo_load.h; issue 5
// item 7).
#include "echo_load.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace strata::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kStallLimit = std::chrono::seconds(5);

struct Connection {
    int fd = -1;
    std::vector<char> out;  // the message in flight; its echo must equal it
    std::vector<char> in;
    std::size_t sent = 0;
    std::size_t received = 0;
    std::uint64_t round = 0;
    bool busy = false;          // a message is in flight
    bool watching_out = false;  // EPOLLOUT is in the epoll set (a send was short)
};

class Load {
public:
    explicit Load(std::size_t message_bytes) : message_bytes_(message_bytes) {}
    ~Load() {
        for (Connection& c : connections_)
            if (c.fd >= 0) ::close(c.fd);
        if (epoll_ >= 0) ::close(epoll_);
    }

    bool open(std::uint16_t port, unsigned count) {
        epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (epoll_ < 0) return failed("epoll_create1");
        connections_.resize(count);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        for (std::size_t i = 0; i < connections_.size(); ++i) {
            Connection& c = connections_[i];
            c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (c.fd < 0) return failed("socket");
            timeval patience{5, 0};
            int one = 1;
            ::setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &patience, sizeof patience);  // bounds connect
            if (::connect(c.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return failed("connect");
            if (::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) return failed("TCP_NODELAY");
            if (::fcntl(c.fd, F_SETFL, O_NONBLOCK) != 0) return failed("O_NONBLOCK");
            epoll_event event{EPOLLIN, {.u64 = i}};
            if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &event) != 0) return failed("epoll_ctl");
            c.out.resize(message_bytes_);
            c.in.resize(message_bytes_);
            // A per-connection pattern; each round writes its number over the first bytes.
            for (std::size_t b = 0; b < message_bytes_; ++b) c.out[b] = static_cast<char>(b * 131 + i * 7 + 1);
        }
        return true;
    }

    bool run(double seconds, EchoLoad& result) {
        auto start = Clock::now();
        auto measured_from = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds / 10));
        auto measured_for = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
        auto until = Clock::time_point::max();
        for (Connection& c : connections_)
            if (!begin_round(c)) return false;
        bool counting = false;
        bool ending = false;
        last_progress_ = start;
        epoll_event events[256];
        for (;;) {
            auto now = Clock::now();
            if (!counting && now >= measured_from) {
                counting = true;
                completed_ = 0;
                measured_from = now;
                until = now + measured_for;
            } else if (!ending && now >= until) {
                // Round trips end here; what is in flight is drained, not counted.
                result.round_trips = completed_;
                result.seconds = std::chrono::duration<double>(now - measured_from).count();
                ending = true;
                stopping_ = true;
            }
            if (ending && in_flight_ == 0) {
                result.all_round_trips = all_completed_;
                if (result.round_trips != 0) return true;
                error_ = "no round trip completed in the measured time (more --seconds?)";
                return false;
            }
            if (now - last_progress_ > kStallLimit) {
                error_ = "no echo for " + std::to_string(kStallLimit.count()) + " s (" + std::to_string(in_flight_) +
                         " of " + std::to_string(connections_.size()) + " messages in flight)";
                return false;
            }
            int ready = ::epoll_wait(epoll_, events, 256, 100);
            if (ready < 0) {
                if (errno == EINTR) continue;
                return failed("epoll_wait");
            }
            for (int i = 0; i < ready; ++i) {
                Connection& c = connections_[events[i].data.u64];
                if ((events[i].events & EPOLLOUT) && !send_more(c)) return false;
                if ((events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !receive(c)) return false;
            }
        }
    }

    const std::string& error() const { return error_; }

private:
    bool failed(const char* what) {
        error_ = std::string(what) + ": " + std::strerror(errno);
        return false;
    }

    bool begin_round(Connection& c) {
        ++c.round;
        std::memcpy(c.out.data(), &c.round, std::min(sizeof c.round, message_bytes_));
        c.sent = 0;
        c.received = 0;
        c.busy = true;
        ++in_flight_;
        return send_more(c);
    }

    bool send_more(Connection& c) {
        while (c.sent < message_bytes_) {
            ssize_t n = ::send(c.fd, c.out.data() + c.sent, message_bytes_ - c.sent, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno != EAGAIN) return failed("send");
                return watch_out(c, true);
            }
            c.sent += static_cast<std::size_t>(n);
            last_progress_ = Clock::now();
        }
        return watch_out(c, false);
    }

    bool watch_out(Connection& c, bool on) {
        if (c.watching_out == on) return true;
        epoll_event event{EPOLLIN | (on ? EPOLLOUT : 0u), {.u64 = static_cast<std::uint64_t>(&c - connections_.data())}};
        if (::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &event) != 0) return failed("epoll_ctl");
        c.watching_out = on;
        return true;
    }

    bool receive(Connection& c) {
        if (!c.busy) {  // nothing is owed: anything arriving is an error
            char extra;
            ssize_t n = ::recv(c.fd, &extra, 1, 0);
            if (n < 0 && errno == EAGAIN) return true;
            error_ = n == 0 ? "the server closed a connection" : "the server sent bytes nobody asked for";
            return false;
        }
        ssize_t n = ::recv(c.fd, c.in.data() + c.received, message_bytes_ - c.received, 0);
        if (n < 0) return errno == EAGAIN ? true : failed("recv");
        if (n == 0) {
            error_ = "the server closed a connection with a message in flight";
            return false;
        }
        c.received += static_cast<std::size_t>(n);
        last_progress_ = Clock::now();
        if (c.received < message_bytes_) return true;
        if (std::memcmp(c.in.data(), c.out.data(), message_bytes_) != 0) {
            error_ = "an echo differs from the message sent (round " + std::to_string(c.round) + ")";
            return false;
        }
        ++completed_;
        ++all_completed_;
        c.busy = false;
        --in_flight_;
        return stopping_ ? true : begin_round(c);
    }

    std::size_t message_bytes_;
    int epoll_ = -1;
    std::vector<Connection> connections_;
    std::uint64_t completed_ = 0;      // since the warm-up ended
    std::uint64_t all_completed_ = 0;  // since the start
    std::size_t in_flight_ = 0;
    bool stopping_ = false;
    Clock::time_point last_progress_;
    std::string error_;
};

}  // namespace

EchoLoad run_echo_load(std::uint16_t port, unsigned connections, std::size_t message_bytes, double seconds) {
    EchoLoad result;
    Load load(message_bytes);
    if (!load.open(port, connections) || !load.run(seconds, result)) result.error = load.error();
    return result;
}

}  // namespace strata::bench
