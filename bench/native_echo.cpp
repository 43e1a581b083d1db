// native_echo.cpp — the native epoll echo server `strata-bench wsk` measures echosrv against
// (native_echo.h; issue 5 item 7).
#include "native_echo.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <system_error>
#include <vector>

namespace strata::bench {
namespace {

// echosrv's receive buffer (ECHO_BUFFER), so both servers move data in the same pieces.
constexpr std::size_t kChunk = 16384;

struct Connection {
    int fd = -1;
    std::size_t pending_at = 0;  // the part of `data` not yet written back
    std::size_t pending_end = 0;
    bool writing = false;  // watched for EPOLLOUT instead of EPOLLIN
    char data[kChunk];
};

[[noreturn]] void fail(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

}  // namespace

NativeEchoServer::NativeEchoServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener_ < 0) fail("socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, SOMAXCONN) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(listener_);
        fail("native echo server: bind/listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    stop_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event listen_event{EPOLLIN, {.fd = listener_}};
    epoll_event stop_event{EPOLLIN, {.fd = stop_}};
    if (epoll_ < 0 || stop_ < 0 || ::epoll_ctl(epoll_, EPOLL_CTL_ADD, listener_, &listen_event) != 0 ||
        ::epoll_ctl(epoll_, EPOLL_CTL_ADD, stop_, &stop_event) != 0) {
        int saved = errno;
        for (int fd : {listener_, epoll_, stop_})
            if (fd >= 0) ::close(fd);
        errno = saved;
        fail("native echo server: epoll");
    }
    thread_ = std::thread([this] { serve(); });
}

NativeEchoServer::~NativeEchoServer() {
    std::uint64_t one = 1;
    (void)!::write(stop_, &one, sizeof one);
    thread_.join();
    ::close(stop_);
    ::close(epoll_);
    ::close(listener_);
}

// Its own thread: level-triggered, one read or one write per readiness report.
void NativeEchoServer::serve() noexcept {
    ::pthread_setname_np(::pthread_self(), kThreadName);
    std::vector<std::unique_ptr<Connection>> connections;  // by descriptor
    auto drop = [&](int fd) {
        ::close(fd);  // also takes it out of the epoll set
        connections[static_cast<std::size_t>(fd)].reset();
    };
    auto watch = [&](Connection& c, std::uint32_t events) {
        epoll_event event{events, {.fd = c.fd}};
        ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &event);
    };
    // Writes what is pending; false when the connection is gone.
    auto write_back = [&](Connection& c) {
        while (c.pending_at < c.pending_end) {
            ssize_t n = ::send(c.fd, c.data + c.pending_at, c.pending_end - c.pending_at, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno != EAGAIN) return false;
                if (!c.writing) watch(c, EPOLLOUT);
                c.writing = true;
                return true;
            }
            c.pending_at += static_cast<std::size_t>(n);
        }
        return true;
    };
    epoll_event events[64];
    for (;;) {
        int ready = ::epoll_wait(epoll_, events, 64, -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < ready; ++i) {
            int fd = events[i].data.fd;
            if (fd == stop_) {
                for (auto& c : connections)
                    if (c) ::close(c->fd);
                return;
            }
            if (fd == listener_) {
                for (int accepted; (accepted = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
                    if (connections.size() <= static_cast<std::size_t>(accepted)) connections.resize(accepted + 1);
                    auto connection = std::make_unique<Connection>();
                    connection->fd = accepted;
                    connections[static_cast<std::size_t>(accepted)] = std::move(connection);
                    epoll_event event{EPOLLIN, {.fd = accepted}};
                    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, accepted, &event);
                }
                continue;
            }
            if (!connections[static_cast<std::size_t>(fd)]) continue;  // dropped earlier in this batch
            Connection& c = *connections[static_cast<std::size_t>(fd)];
            if (c.writing) {
                if (!write_back(c)) {
                    drop(fd);
                } else if (c.pending_at == c.pending_end) {
                    watch(c, EPOLLIN);
                    c.writing = false;
                }
                continue;
            }
            ssize_t n = ::recv(fd, c.data, kChunk, 0);
            if (n == 0 || (n < 0 && errno != EAGAIN)) {
                drop(fd);
                continue;
            }
            if (n < 0) continue;
            c.pending_at = 0;
            c.pending_end = static_cast<std::size_t>(n);
            if (!write_back(c)) drop(fd);
        }
    }
}

}  // namespace strata::bench
