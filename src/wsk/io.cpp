// io.cpp — the WSK provider's Linux side (io.h): socket calls, address and option translation
// from Windows numbers, and the io_uring operations.
#include "wsk/io.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "wsk/ring_kernel.h"

namespace strata::wsk::io {
namespace {

// Windows numbers (ws2def.h, ws2ipdef.h): the Windows side passes these through unchanged.
constexpr std::uint16_t kWinAfInet = 2;
constexpr std::uint16_t kWinAfInet6 = 23;
constexpr int kWinSockStream = 1;
constexpr int kWinSockDgram = 2;
constexpr int kWinSockRaw = 3;
constexpr std::uint32_t kWinSolSocket = 0xffff;
constexpr std::uint32_t kWinIpprotoIp = 0;
constexpr std::uint32_t kWinIpprotoTcp = 6;
constexpr std::uint32_t kWinIpprotoIpv6 = 41;

static_assert(sizeof(msghdr) <= sizeof(Message::header));
static_assert(sizeof(sockaddr_storage) <= sizeof(Address::bytes));

struct Translated {
    int level;
    int name;
};

// Windows option → Linux option; name -1 when Linux has none.
Translated translate(std::uint32_t level, std::uint32_t name) noexcept {
    switch (level) {
        case kWinSolSocket:
            switch (name) {
                case 0x0004: return {SOL_SOCKET, SO_REUSEADDR};
                case 0x0008: return {SOL_SOCKET, SO_KEEPALIVE};
                case 0x0020: return {SOL_SOCKET, SO_BROADCAST};
                case 0x0080: return {SOL_SOCKET, SO_LINGER};
                case 0x1001: return {SOL_SOCKET, SO_SNDBUF};
                case 0x1002: return {SOL_SOCKET, SO_RCVBUF};
                case 0x1007: return {SOL_SOCKET, SO_ERROR};
                case 0x1008: return {SOL_SOCKET, SO_TYPE};
                case 0x0100: return {SOL_SOCKET, SO_OOBINLINE};
            }
            return {SOL_SOCKET, -1};
        case kWinIpprotoTcp:
            switch (name) {
                case 1: return {IPPROTO_TCP, TCP_NODELAY};
                case 3: return {IPPROTO_TCP, TCP_KEEPIDLE};     // TCP_KEEPALIVE (seconds)
                case 16: return {IPPROTO_TCP, TCP_KEEPCNT};
                case 17: return {IPPROTO_TCP, TCP_KEEPINTVL};
            }
            return {IPPROTO_TCP, -1};
        case kWinIpprotoIp:
            switch (name) {
                case 4: return {IPPROTO_IP, IP_TTL};
                case 3: return {IPPROTO_IP, IP_TOS};
                case 19: return {IPPROTO_IP, IP_PKTINFO};
            }
            return {IPPROTO_IP, -1};
        case kWinIpprotoIpv6:
            switch (name) {
                case 27: return {IPPROTO_IPV6, IPV6_V6ONLY};
                case 4: return {IPPROTO_IPV6, IPV6_UNICAST_HOPS};
                case 19: return {IPPROTO_IPV6, IPV6_RECVPKTINFO};
            }
            return {IPPROTO_IPV6, -1};
    }
    return {-1, -1};
}

constexpr std::uint32_t kWinSoLinger = 0x0080;

int result(int rc) noexcept { return rc < 0 ? -errno : rc; }

}  // namespace

std::uint16_t windows_family(const void* windows_sockaddr) noexcept {
    std::uint16_t family;
    std::memcpy(&family, windows_sockaddr, sizeof family);
    return family;
}

int linux_family(int windows_family) noexcept {
    return windows_family == kWinAfInet ? AF_INET : windows_family == kWinAfInet6 ? AF_INET6 : -1;
}

bool from_windows(const void* windows_sockaddr, Address& out) noexcept {
    int family = linux_family(windows_family(windows_sockaddr));
    if (family < 0) return false;
    std::size_t size = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    auto linux_number = static_cast<sa_family_t>(family);
    // SOCKADDR_IN and SOCKADDR_IN6 have Linux's layout but for the family number.
    std::memcpy(out.bytes, windows_sockaddr, size);
    std::memcpy(out.bytes, &linux_number, sizeof linux_number);
    out.length = static_cast<std::uint32_t>(size);
    return true;
}

std::size_t to_windows(const Address& address, void* windows_sockaddr) noexcept {
    sa_family_t family;
    std::memcpy(&family, address.bytes, sizeof family);
    std::size_t size;
    std::uint16_t windows;
    if (family == AF_INET) {
        size = sizeof(sockaddr_in);
        windows = kWinAfInet;
    } else if (family == AF_INET6) {
        size = sizeof(sockaddr_in6);
        windows = kWinAfInet6;
    } else {
        return 0;
    }
    std::memcpy(windows_sockaddr, address.bytes, size);
    std::memcpy(windows_sockaddr, &windows, sizeof windows);
    return size;
}

int open_socket(int windows_family, int windows_type, int protocol) noexcept {
    int family = linux_family(windows_family);
    if (family < 0) return -EAFNOSUPPORT;
    int type = windows_type == kWinSockStream ? SOCK_STREAM
               : windows_type == kWinSockDgram ? SOCK_DGRAM
               : windows_type == kWinSockRaw   ? SOCK_RAW
                                               : -1;
    if (type < 0) return -ESOCKTNOSUPPORT;
    int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd < 0) return -errno;
    if (family == AF_INET6) {
        int on = 1;
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    }
    return fd;
}

int bind(int fd, const Address& address) noexcept {
    return result(::bind(fd, reinterpret_cast<const sockaddr*>(address.bytes), address.length));
}

int listen(int fd) noexcept { return result(::listen(fd, SOMAXCONN)); }

int local_address(int fd, Address& out) noexcept {
    socklen_t length = sizeof out.bytes;
    int rc = ::getsockname(fd, reinterpret_cast<sockaddr*>(out.bytes), &length);
    out.length = length;
    return result(rc);
}

int remote_address(int fd, Address& out) noexcept {
    socklen_t length = sizeof out.bytes;
    int rc = ::getpeername(fd, reinterpret_cast<sockaddr*>(out.bytes), &length);
    out.length = length;
    return result(rc);
}

int set_option(int fd, std::uint32_t windows_level, std::uint32_t windows_name, const void* value,
               std::size_t size) noexcept {
    Translated t = translate(windows_level, windows_name);
    if (t.name < 0) return -ENOPROTOOPT;
    if (windows_level == kWinSolSocket && windows_name == kWinSoLinger) {
        // Windows' LINGER is two USHORTs, Linux's two ints.
        if (size < 2 * sizeof(std::uint16_t)) return -EINVAL;
        std::uint16_t parts[2];
        std::memcpy(parts, value, sizeof parts);
        linger l{parts[0], parts[1]};
        return result(::setsockopt(fd, t.level, t.name, &l, sizeof l));
    }
    // Windows passes BOOL and DWORD options as 4 bytes, like Linux's int.
    return result(::setsockopt(fd, t.level, t.name, value, static_cast<socklen_t>(size)));
}

int get_option(int fd, std::uint32_t windows_level, std::uint32_t windows_name, void* value,
               std::size_t* size) noexcept {
    Translated t = translate(windows_level, windows_name);
    if (t.name < 0) return -ENOPROTOOPT;
    if (windows_level == kWinSolSocket && windows_name == kWinSoLinger) {
        linger l{};
        socklen_t length = sizeof l;
        if (::getsockopt(fd, t.level, t.name, &l, &length) != 0) return -errno;
        if (*size < 2 * sizeof(std::uint16_t)) return -EINVAL;
        std::uint16_t parts[2] = {static_cast<std::uint16_t>(l.l_onoff), static_cast<std::uint16_t>(l.l_linger)};
        std::memcpy(value, parts, sizeof parts);
        *size = sizeof parts;
        return 0;
    }
    socklen_t length = static_cast<socklen_t>(*size);
    int rc = ::getsockopt(fd, t.level, t.name, value, &length);
    *size = length;
    return result(rc);
}

int shutdown_send(int fd) noexcept { return result(::shutdown(fd, SHUT_WR)); }

int abort_connection(int fd) noexcept {
    // Linux resets an established TCP connection that is "connected" to AF_UNSPEC.
    sockaddr unspecified{};
    unspecified.sa_family = AF_UNSPEC;
    return result(::connect(fd, &unspecified, sizeof unspecified));
}

void close(int fd) noexcept {
    if (fd >= 0) ::close(fd);
}

int readable_bytes(int fd) noexcept {
    int n = 0;
    return ::ioctl(fd, FIONREAD, &n) == 0 ? n : -errno;
}

namespace {

msghdr& header_of(Message& message) noexcept {
    auto* header = reinterpret_cast<msghdr*>(message.header);
    *header = msghdr{};
    header->msg_iov = message.iov;
    header->msg_iovlen = message.iov_count;
    if (message.address != nullptr) {
        header->msg_name = message.address->bytes;
        header->msg_namelen = message.address->length != 0 ? message.address->length : sizeof message.address->bytes;
    }
    return *header;
}

}  // namespace

void receive(Ring& ring, Completion& completion, int fd, Message& message, int flags) noexcept {
    if (message.address != nullptr) message.address->length = 0;
    io_uring_sqe* sqe = ring.kernel().prepare(&completion);
    int linux_flags = (flags & kWaitAll) ? MSG_WAITALL : 0;
    io_uring_prep_recvmsg(sqe, fd, &header_of(message), static_cast<unsigned>(linux_flags));
    // A receive is posted before its data arrives: arm the poll at once instead of trying first.
    sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
}

void finish_receive(Message& message) noexcept {
    auto* header = reinterpret_cast<msghdr*>(message.header);
    if (message.address != nullptr) message.address->length = header->msg_namelen;
}

void send(Ring& ring, Completion& completion, int fd, Message& message) noexcept {
    io_uring_sqe* sqe = ring.kernel().prepare(&completion);
    io_uring_prep_sendmsg(sqe, fd, &header_of(message), MSG_NOSIGNAL);
}

int send_now(int fd, Message& message) noexcept {
    ssize_t sent = ::sendmsg(fd, &header_of(message), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent >= 0) return static_cast<int>(sent);
    return errno == EWOULDBLOCK ? -EAGAIN : -errno;
}

void accept(Ring& ring, Completion& completion, int fd, Address& peer) noexcept {
    peer.length = sizeof peer.bytes;
    io_uring_sqe* sqe = ring.kernel().prepare(&completion);
    io_uring_prep_accept(sqe, fd, reinterpret_cast<sockaddr*>(peer.bytes), reinterpret_cast<socklen_t*>(&peer.length),
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
}

void connect(Ring& ring, Completion& completion, int fd, const Address& peer) noexcept {
    io_uring_sqe* sqe = ring.kernel().prepare(&completion);
    io_uring_prep_connect(sqe, fd, reinterpret_cast<const sockaddr*>(peer.bytes), peer.length);
}

void wait_readable(Ring& ring, Completion& completion, int fd) noexcept {
    io_uring_sqe* sqe = ring.kernel().prepare(&completion);
    io_uring_prep_poll_add(sqe, fd, POLLIN | POLLRDHUP | POLLHUP | POLLERR);
}

void wait_hangup(Ring& ring, Completion& completion, int fd) noexcept {
    io_uring_sqe* sqe = ring.kernel().prepare(&completion);
    io_uring_prep_poll_add(sqe, fd, POLLRDHUP | POLLHUP | POLLERR);
}

}  // namespace strata::wsk::io
