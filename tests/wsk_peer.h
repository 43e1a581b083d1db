// wsk_peer.h — the Linux side of the WSK socket tests (issue 5 "provider over Linux sockets"):
// real loopback TCP and UDP peers on 127.0.0.1 and ::1 with ephemeral ports. Every call that
// waits gives up after kPatience, so a provider bug fails a test instead of hanging it. This header
// includes no Linux socket header: the tests include wsk.h, whose AF_INET6 is 23.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace strata::test::peer {

enum class Family { V4, V6 };

// How long a peer waits for the provider (generous: only a broken provider takes this long).
inline constexpr int kPatienceMs = 10'000;

// An owned Linux descriptor.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) noexcept : fd_(fd) {}
    ~Fd();
    Fd(Fd&& other) noexcept : fd_(other.release()) {}
    Fd& operator=(Fd&& other) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const noexcept { return fd_; }
    int release() noexcept;
    explicit operator bool() const noexcept { return fd_ >= 0; }

private:
    int fd_ = -1;
};

// What a peer saw at the end of a stream.
enum class End { Eof, Reset, Data, Timeout, Error };

// One TCP connection end.
class Stream {
public:
    Stream() = default;
    explicit Stream(Fd fd) noexcept : fd_(std::move(fd)) {}
    // A blocking connect to the loopback address of `family`; an empty Stream on failure.
    static Stream connect(Family family, std::uint16_t port);
    explicit operator bool() const noexcept { return static_cast<bool>(fd_); }

    bool send_all(const void* data, std::size_t size);
    // Exactly `size` bytes, or false (EOF, error or timeout first).
    bool receive_all(void* data, std::size_t size);
    // Reads whatever arrives next: EOF, a reset, or data (appended to `data` if given).
    End next(std::vector<std::uint8_t>* data = nullptr);
    std::uint16_t local_port() const;
    std::uint16_t remote_port() const;
    // An abortive close (SO_LINGER 0: the other end sees a reset).
    void reset();
    void close() { fd_ = Fd{}; }

private:
    Fd fd_;
};

class Listener {
public:
    explicit Listener(Family family);
    std::uint16_t port() const noexcept { return port_; }
    explicit operator bool() const noexcept { return static_cast<bool>(fd_); }
    // The next connection, or an empty Stream after kPatience.
    Stream accept();

private:
    Fd fd_;
    std::uint16_t port_ = 0;
};

class Datagram {
public:
    explicit Datagram(Family family);
    std::uint16_t port() const noexcept { return port_; }
    bool send_to(std::uint16_t port, const void* data, std::size_t size);
    // The next datagram and its source port, or nullopt after kPatience.
    std::optional<std::vector<std::uint8_t>> receive(std::uint16_t* source_port);

private:
    Family family_;
    Fd fd_;
    std::uint16_t port_ = 0;
};

// A loopback TCP port that is bound but not listening: a connection to it is refused, and no
// other program can take the port while this object holds it.
class ClosedPort {
public:
    explicit ClosedPort(Family family);
    std::uint16_t port() const noexcept { return port_; }

private:
    Fd fd_;
    std::uint16_t port_ = 0;
};

}  // namespace strata::test::peer
