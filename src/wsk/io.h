// io.h — the Linux side of the WSK provider (issue 5 "provider over Linux sockets with io_uring"):
// sockets, addresses and options in Linux terms, and the operations a socket puts on its ring.
// Windows numbers (address families, option levels and names) come in and are translated here;
// this header includes no socket header, so the Windows side can include wsk.h next to it.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "wsk/ring.h"

namespace strata::wsk::io {

// A socket address in Linux form (the bytes of a sockaddr_storage).
struct Address {
    alignas(8) std::uint8_t bytes[128]{};
    std::uint32_t length = 0;
};

// Windows SOCKADDR bytes (AF_INET = 2 or AF_INET6 = 23) → Linux; false for another family.
bool from_windows(const void* windows_sockaddr, Address& out) noexcept;
// Linux → Windows SOCKADDR bytes (SOCKADDR_IN or SOCKADDR_IN6); the bytes written, 0 if neither.
std::size_t to_windows(const Address& address, void* windows_sockaddr) noexcept;
// The Windows family number of a Windows SOCKADDR (its first USHORT).
std::uint16_t windows_family(const void* windows_sockaddr) noexcept;
// Linux's number for Windows' AF_INET (2) or AF_INET6 (23); -1 for any other family.
int linux_family(int windows_family) noexcept;

// A non-blocking socket for Windows family/type/protocol numbers; -errno on failure. IPv6
// sockets start with IPV6_V6ONLY set, as on Windows.
int open_socket(int windows_family, int windows_type, int protocol) noexcept;
int bind(int fd, const Address& address) noexcept;
int listen(int fd) noexcept;
int local_address(int fd, Address& out) noexcept;
int remote_address(int fd, Address& out) noexcept;
// Windows level/name (SOL_SOCKET 0xffff, IPPROTO_TCP, IPPROTO_IPV6 …) → setsockopt/getsockopt.
// -ENOPROTOOPT for an option Linux has no equivalent of.
int set_option(int fd, std::uint32_t windows_level, std::uint32_t windows_name, const void* value,
               std::size_t size) noexcept;
int get_option(int fd, std::uint32_t windows_level, std::uint32_t windows_name, void* value,
               std::size_t* size) noexcept;
// Sends a FIN (graceful disconnect) / a RST (abortive disconnect; the descriptor stays open).
int shutdown_send(int fd) noexcept;
int abort_connection(int fd) noexcept;
void close(int fd) noexcept;
// Bytes queued for receive (FIONREAD).
int readable_bytes(int fd) noexcept;

// What a sendmsg/recvmsg operation keeps until it completes.
struct Message {
    iovec* iov = nullptr;
    unsigned iov_count = 0;
    Address* address = nullptr;          // destination (send) or source (receive); may be null
    alignas(8) unsigned char header[64]{};  // the struct msghdr, filled by the operation
};

enum : int { kWaitAll = 1 };

// Operations on `ring` (its processor thread only); `completion` gets the result (bytes, or -errno).
void receive(Ring& ring, Completion& completion, int fd, Message& message, int flags) noexcept;
void send(Ring& ring, Completion& completion, int fd, Message& message) noexcept;
// A non-blocking sendmsg on the caller's thread: bytes sent, -EAGAIN when the socket's buffer is
// full (then `send` queues it), or another -errno.
int send_now(int fd, Message& message) noexcept;
void accept(Ring& ring, Completion& completion, int fd, Address& peer) noexcept;
void connect(Ring& ring, Completion& completion, int fd, const Address& peer) noexcept;
// Completes when `fd` is readable or hung up (the result is the poll mask).
void wait_readable(Ring& ring, Completion& completion, int fd) noexcept;
// Completes when the peer of `fd` hangs up or resets (data arriving does not complete it).
void wait_hangup(Ring& ring, Completion& completion, int fd) noexcept;
// Copies recvmsg's source address length out of `message` after its completion.
void finish_receive(Message& message) noexcept;

// ---- name resolution (io_resolve.cpp; blocking: worker threads only) ---------------------------
enum class ResolveError : std::uint8_t { None, NotFound, BadFamily, BadFlags, NoMemory, TryAgain, Failed };

// One address getaddrinfo found, with its socket type and protocol (the same numbers on Windows).
struct Found {
    Address address;
    int socktype = 0;
    int protocol = 0;
};

// getaddrinfo with Windows hints: AI_* flags, family (0, 2 or 23), socket type and protocol.
// `node` or `service` may be null (not both). The canonical name comes with AI_CANONNAME.
ResolveError resolve(const char* node, const char* service, int windows_flags, int windows_family, int socktype,
                     int protocol, std::vector<Found>& found, std::string& canonical);
// getnameinfo with Windows NI_* flags; `host`/`service` may be null when not wanted.
ResolveError name_of(const Address& address, int windows_flags, std::string* host, std::string* service);

}  // namespace strata::wsk::io
