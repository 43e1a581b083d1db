// wsk_peer.cpp — the Linux loopback peers of the WSK socket tests (wsk_peer.h; issue 5). Blocking
// sockets whose every wait is a poll(2) bounded by kPatienceMs.
#include "wsk_peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace strata::test::peer {
namespace {

struct Loopback {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_INET;
};

Loopback loopback(Family family, std::uint16_t port) {
    Loopback a;
    if (family == Family::V4) {
        auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.length = sizeof(sockaddr_in);
        a.family = AF_INET;
    } else {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        in6->sin6_addr = in6addr_loopback;
        a.length = sizeof(sockaddr_in6);
        a.family = AF_INET6;
    }
    return a;
}

std::uint16_t port_of(const sockaddr_storage& storage) {
    if (storage.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(storage).sin_port);
    if (storage.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(storage).sin6_port);
    return 0;
}

std::uint16_t bound_port(int fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return 0;
    return port_of(storage);
}

// A socket bound to the loopback address of `family` on an ephemeral port.
Fd bound_socket(Family family, int type, std::uint16_t* port) {
    Loopback a = loopback(family, 0);
    Fd fd(::socket(a.family, type | SOCK_CLOEXEC, 0));
    if (!fd) return fd;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a.storage), a.length) != 0) return Fd{};
    *port = bound_port(fd.get());
    return fd;
}

bool wait_for(int fd, short events) {
    pollfd p{fd, events, 0};
    int rc;
    do {
        rc = ::poll(&p, 1, kPatienceMs);
    } while (rc < 0 && errno == EINTR);
    return rc == 1;
}

}  // namespace

Fd::~Fd() {
    if (fd_ >= 0) ::close(fd_);
}

Fd& Fd::operator=(Fd&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.release();
    }
    return *this;
}

int Fd::release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
}

Stream Stream::connect(Family family, std::uint16_t port) {
    Loopback a = loopback(family, port);
    Fd fd(::socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&a.storage), a.length) != 0) return Stream{};
    return Stream(std::move(fd));
}

bool Stream::send_all(const void* data, std::size_t size) {
    auto* p = static_cast<const std::uint8_t*>(data);
    while (size != 0) {
        if (!wait_for(fd_.get(), POLLOUT)) return false;
        ssize_t n = ::send(fd_.get(), p, size, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool Stream::receive_all(void* data, std::size_t size) {
    auto* p = static_cast<std::uint8_t*>(data);
    while (size != 0) {
        if (!wait_for(fd_.get(), POLLIN)) return false;
        ssize_t n = ::recv(fd_.get(), p, size, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

End Stream::next(std::vector<std::uint8_t>* data) {
    std::uint8_t buffer[4096];
    for (;;) {
        if (!wait_for(fd_.get(), POLLIN)) return End::Timeout;
        ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n < 0) return errno == ECONNRESET ? End::Reset : End::Error;
        if (n == 0) return End::Eof;
        if (data != nullptr) data->insert(data->end(), buffer, buffer + n);
        return End::Data;
    }
}

std::uint16_t Stream::local_port() const { return bound_port(fd_.get()); }

std::uint16_t Stream::remote_port() const {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getpeername(fd_.get(), reinterpret_cast<sockaddr*>(&storage), &length) != 0) return 0;
    return port_of(storage);
}

void Stream::reset() {
    linger l{1, 0};
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close();
}

Listener::Listener(Family family) {
    fd_ = bound_socket(family, SOCK_STREAM, &port_);
    if (fd_ && ::listen(fd_.get(), 16) != 0) fd_ = Fd{};
}

Stream Listener::accept() {
    if (!wait_for(fd_.get(), POLLIN)) return Stream{};
    return Stream(Fd(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC)));
}

Datagram::Datagram(Family family) : family_(family) { fd_ = bound_socket(family, SOCK_DGRAM, &port_); }

bool Datagram::send_to(std::uint16_t port, const void* data, std::size_t size) {
    Loopback a = loopback(family_, port);
    ssize_t n = ::sendto(fd_.get(), data, size, 0, reinterpret_cast<sockaddr*>(&a.storage), a.length);
    return n == static_cast<ssize_t>(size);
}

std::optional<std::vector<std::uint8_t>> Datagram::receive(std::uint16_t* source_port) {
    if (!wait_for(fd_.get(), POLLIN)) return std::nullopt;
    std::vector<std::uint8_t> data(65536);
    sockaddr_storage source{};
    socklen_t length = sizeof source;
    ssize_t n = ::recvfrom(fd_.get(), data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&source), &length);
    if (n < 0) return std::nullopt;
    data.resize(static_cast<std::size_t>(n));
    if (source_port != nullptr) *source_port = port_of(source);
    return data;
}

ClosedPort::ClosedPort(Family family) { fd_ = bound_socket(family, SOCK_STREAM, &port_); }

}  // namespace strata::test::peer
