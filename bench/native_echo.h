// native_echo.h — `strata-bench wsk`'s baseline (issue 5 item 7): a plain C++ TCP echo server on
// one thread with epoll, on a free loopback port, to hold echosrv against in the same run.
#pragma once

#include <cstdint>
#include <thread>

namespace strata::bench {

// Listens on 127.0.0.1:<free port> from construction; the destructor stops the thread and closes
// every connection. Like echosrv it reads at most 16 KiB at a time and leaves Nagle on for the
// connections it accepts; a connection whose peer does not read stops being read until its
// echo has gone out (partial writes wait for EPOLLOUT).
class NativeEchoServer {
public:
    NativeEchoServer();
    ~NativeEchoServer();
    NativeEchoServer(const NativeEchoServer&) = delete;
    NativeEchoServer& operator=(const NativeEchoServer&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    // The serving thread's name (in /proc and perf).
    static constexpr const char* kThreadName = "native-echo";

private:
    void serve() noexcept;

    int listener_ = -1;
    int epoll_ = -1;
    int stop_ = -1;  // eventfd: the destructor's request to stop
    std::uint16_t port_ = 0;
    std::thread thread_;
};

}  // namespace strata::bench
