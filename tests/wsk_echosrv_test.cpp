// wsk_echosrv_test.cpp — system tests of the WSK echo drivers (issue 5 item 4) through the strata
// command, as a user runs them: `sc create`, `reg add ... Port`, `start`, `sc start`, then real
// loopback TCP and UDP clients; `sc stop` with connections open; `stop` with no verifier report.
// Also `strata reg add|query`, which set the port.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli_harness.h"

namespace strata::test {
namespace {

using namespace std::chrono_literals;

// Generous bounds for waits on the network; only a broken driver or provider reaches them.
constexpr int kPatienceMs = 20000;

const std::string kServices = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\";

class Fd {
public:
    explicit Fd(int fd = -1) noexcept : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        std::swap(fd_, other.fd_);
        return *this;
    }
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const noexcept { return fd_; }

private:
    int fd_;
};

sockaddr_storage address(int family, uint16_t port) {
    sockaddr_storage storage{};
    if (family == AF_INET) {
        auto* in = reinterpret_cast<sockaddr_in*>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        in6->sin6_addr = in6addr_loopback;
    }
    return storage;
}

socklen_t length_of(int family) { return family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6); }

// A port nothing is bound to right now, on both stacks (a dual-stack wildcard bind proves it).
uint16_t free_port(int type) {
    Fd fd(::socket(AF_INET6, type, 0));
    int off = 0;
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    sockaddr_in6 any{};
    any.sin6_family = AF_INET6;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) return 0;
    socklen_t size = sizeof any;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&any), &size);
    return ntohs(any.sin6_port);
}

bool wait_for(int fd, short events, int timeout_ms = kPatienceMs) {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, timeout_ms) == 1;
}

// A blocking TCP connection to the loopback address of `family`; -1 with errno on failure.
Fd connect_to(int family, uint16_t port) {
    Fd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_storage to = address(family, port);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&to), length_of(family)) != 0) return Fd();
    return fd;
}

// Sends all of `data` and reads the same number of bytes back.
std::string echo(int fd, const std::string& data) {
    std::string back;
    std::size_t sent = 0;
    while (back.size() < data.size()) {
        short events = POLLIN | (sent < data.size() ? POLLOUT : 0);
        pollfd p{fd, events, 0};
        if (::poll(&p, 1, kPatienceMs) != 1) break;
        if ((p.revents & POLLOUT) && sent < data.size()) {
            ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n < 0) break;
            sent += static_cast<std::size_t>(n);
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            char buffer[65536];
            ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN)) break;
            if (n > 0) back.append(buffer, static_cast<std::size_t>(n));
        }
    }
    return back;
}

std::string payload(std::size_t index, std::size_t size) {
    std::string text = "connection " + std::to_string(index) + ":";
    uint32_t state = static_cast<uint32_t>(index) * 2654435761u + 1;
    while (text.size() < size) {
        state = state * 1664525u + 1013904223u;
        text.push_back(static_cast<char>('a' + (state >> 24) % 26));
    }
    return text;
}

// Lets this process hold `wanted` descriptors; false when the hard limit is below it.
bool raise_descriptor_limit(rlim_t wanted) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_max < wanted) return false;
    limit.rlim_cur = limit.rlim_max;
    return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

class WskDriverSystem : public CliHarness {
protected:
    // sc create, the Port parameter, the host and sc start: the driver serves `port`.
    void start_driver(const std::string& service, uint16_t port) {
        ASSERT_EQ(run({"sc", "create", service, "--binary", driver_file((service + ".sys").c_str())}).status, 0);
        CliResult add = run({"reg", "add", kServices + service + "\\Parameters", "/v", "Port", "/t", "REG_DWORD", "/d",
                             std::to_string(port)});
        ASSERT_EQ(add.status, 0) << add.err;
        CliResult start = run({"start", "--verify"});
        ASSERT_EQ(start.status, 0) << start.err;
        CliResult sc = run({"sc", "start", service});
        ASSERT_EQ(sc.status, 0) << sc.err;
    }

    // sc stop unloads the driver; sc query then says so.
    void stop_driver(const std::string& service) {
        CliResult stop = run({"sc", "stop", service});
        EXPECT_EQ(stop.status, 0) << stop.err;
        CliResult query = run({"sc", "query", service});
        EXPECT_EQ(query.status, 0) << query.err;
        EXPECT_NE(query.out.find("STOPPED"), std::string::npos) << query.out;
    }

    // strata stop succeeds and nothing in the host's log came from the verifier.
    void stop_host() {
        CliResult stop = run({"stop"});
        EXPECT_EQ(stop.status, 0) << stop.out << stop.err;
        std::string log = read_file(root_ / "host.log");
        EXPECT_EQ(log.find("verifier"), std::string::npos) << log;
    }
};

using EchosrvSystem = WskDriverSystem;
using UdpechoSystem = WskDriverSystem;

TEST_F(EchosrvSystem, EchoesOverIpv4AndIpv6OnThePortFromTheRegistry) {
    uint16_t port = free_port(SOCK_STREAM);
    ASSERT_NE(port, 0);
    ASSERT_NO_FATAL_FAILURE(start_driver("echosrv", port));
    for (int family : {AF_INET, AF_INET6}) {
        Fd client = connect_to(family, port);
        ASSERT_GE(client.get(), 0) << "family " << family << ": " << std::strerror(errno);
        std::string data = payload(static_cast<std::size_t>(family), 300 * 1024);
        std::string back = echo(client.get(), data);
        EXPECT_EQ(back.size(), data.size()) << "family " << family;
        EXPECT_TRUE(back == data) << "family " << family << ": the echo differs";
        EXPECT_EQ(echo(client.get(), "again"), "again");
    }
    stop_driver("echosrv");
    stop_host();
}

TEST_F(EchosrvSystem, ServesAThousandConcurrentConnections) {
    constexpr std::size_t kConnections = 1000;
    if (!raise_descriptor_limit(kConnections + 64)) GTEST_SKIP() << "RLIMIT_NOFILE's hard limit is below " << kConnections;
    uint16_t port = free_port(SOCK_STREAM);
    ASSERT_NE(port, 0);
    ASSERT_NO_FATAL_FAILURE(start_driver("echosrv", port));

    struct Connection {
        Fd fd;
        std::string data;
        std::size_t sent = 0;
        std::string back;
        bool connected = false;
    };
    std::vector<Connection> connections(kConnections);
    Fd epoll(::epoll_create1(EPOLL_CLOEXEC));
    ASSERT_GE(epoll.get(), 0);
    // Every connection is opened before any data moves and stays open until all are echoed.
    for (std::size_t i = 0; i < kConnections; ++i) {
        Connection& c = connections[i];
        int family = i % 2 == 0 ? AF_INET : AF_INET6;
        c.fd = Fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        ASSERT_GE(c.fd.get(), 0) << std::strerror(errno);
        c.data = payload(i, 512 + (i % 16) * 512);
        sockaddr_storage to = address(family, port);
        int rc = ::connect(c.fd.get(), reinterpret_cast<sockaddr*>(&to), length_of(family));
        ASSERT_TRUE(rc == 0 || errno == EINPROGRESS) << "connection " << i << ": " << std::strerror(errno);
        epoll_event event{EPOLLOUT | EPOLLIN, {.u64 = i}};
        ASSERT_EQ(::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, c.fd.get(), &event), 0);
    }
    std::size_t echoed = 0;
    auto deadline = std::chrono::steady_clock::now() + 120s;
    std::vector<epoll_event> ready(256);
    while (echoed < kConnections && std::chrono::steady_clock::now() < deadline) {
        int n = ::epoll_wait(epoll.get(), ready.data(), static_cast<int>(ready.size()), 1000);
        ASSERT_GE(n, 0) << std::strerror(errno);
        for (int k = 0; k < n; ++k) {
            Connection& c = connections[ready[k].data.u64];
            if (!c.connected && (ready[k].events & (EPOLLOUT | EPOLLERR))) {
                int error = 0;
                socklen_t size = sizeof error;
                ::getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &error, &size);
                ASSERT_EQ(error, 0) << "connection " << ready[k].data.u64 << ": " << std::strerror(error);
                c.connected = true;
            }
            if (c.connected && c.sent < c.data.size()) {
                ssize_t sent = ::send(c.fd.get(), c.data.data() + c.sent, c.data.size() - c.sent, MSG_NOSIGNAL);
                ASSERT_TRUE(sent >= 0 || errno == EAGAIN) << std::strerror(errno);
                if (sent > 0) c.sent += static_cast<std::size_t>(sent);
                if (c.sent == c.data.size()) {
                    epoll_event event{EPOLLIN, {.u64 = ready[k].data.u64}};
                    ::epoll_ctl(epoll.get(), EPOLL_CTL_MOD, c.fd.get(), &event);
                }
            }
            if (ready[k].events & (EPOLLIN | EPOLLHUP)) {
                char buffer[16384];
                ssize_t got = ::recv(c.fd.get(), buffer, sizeof buffer, 0);
                ASSERT_TRUE(got > 0 || (got < 0 && errno == EAGAIN))
                    << "connection " << ready[k].data.u64 << " ended early: " << (got == 0 ? "EOF" : std::strerror(errno));
                if (got > 0) c.back.append(buffer, static_cast<std::size_t>(got));
                ASSERT_LE(c.back.size(), c.data.size());
                if (c.back.size() == c.data.size()) {
                    ++echoed;
                    ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr);
                }
            }
        }
    }
    ASSERT_EQ(echoed, kConnections);
    for (std::size_t i = 0; i < kConnections; ++i) ASSERT_EQ(connections[i].back, connections[i].data) << "connection " << i;
    connections.clear();
    stop_driver("echosrv");
    stop_host();
}

// The host holds a descriptor per socket its drivers open: `strata start` lifts its soft limit to
// the hard one, whatever limit it inherited.
TEST_F(EchosrvSystem, TheHostRaisesItsDescriptorLimitToTheHardLimit) {
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    if (saved.rlim_max <= 256) GTEST_SKIP() << "RLIMIT_NOFILE's hard limit is " << saved.rlim_max;
    rlimit low = saved;
    low.rlim_cur = 256;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    CliResult start = run({"start"});
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
    ASSERT_EQ(start.status, 0) << start.err;
    nlohmann::json status = json({"status"});
    std::string limits = read_file("/proc/" + std::to_string(status.value("pid", 0)) + "/limits");
    std::size_t line = limits.find("Max open files");
    ASSERT_NE(line, std::string::npos) << limits;
    unsigned long long soft = 0, hard = 0;
    ASSERT_EQ(std::sscanf(limits.c_str() + line, "Max open files %llu %llu", &soft, &hard), 2) << limits;
    EXPECT_EQ(soft, hard);
    EXPECT_EQ(hard, saved.rlim_max);
    stop_host();
}

TEST_F(EchosrvSystem, StopWithConnectionsOpenClosesThemAndUnloads) {
    constexpr std::size_t kOpen = 50;
    uint16_t port = free_port(SOCK_STREAM);
    ASSERT_NE(port, 0);
    ASSERT_NO_FATAL_FAILURE(start_driver("echosrv", port));
    std::vector<Fd> clients;
    for (std::size_t i = 0; i < kOpen; ++i) {
        Fd client = connect_to(i % 2 == 0 ? AF_INET6 : AF_INET, port);
        ASSERT_GE(client.get(), 0) << std::strerror(errno);
        // An echo proves the driver accepted it and has receives posted on it.
        std::string hello = "hello " + std::to_string(i);
        ASSERT_EQ(echo(client.get(), hello), hello);
        clients.push_back(std::move(client));
    }
    stop_driver("echosrv");
    for (std::size_t i = 0; i < kOpen; ++i) {
        ASSERT_TRUE(wait_for(clients[i].get(), POLLIN)) << "connection " << i << " still open after sc stop";
        char byte;
        ssize_t n = ::recv(clients[i].get(), &byte, 1, MSG_DONTWAIT);
        EXPECT_TRUE(n == 0 || (n < 0 && errno == ECONNRESET))
            << "connection " << i << ": " << (n > 0 ? "data" : std::strerror(errno));
    }
    Fd late = connect_to(AF_INET, port);
    int error = errno;
    EXPECT_LT(late.get(), 0);
    EXPECT_EQ(error, ECONNREFUSED);
    stop_host();
}

TEST_F(EchosrvSystem, AnUnusablePortFailsTheStartAndNamesTheStatus) {
    ASSERT_EQ(run({"sc", "create", "echosrv", "--binary", driver_file("echosrv.sys")}).status, 0);
    ASSERT_EQ(run({"start"}).status, 0);
    const std::string key = kServices + "echosrv\\Parameters";
    for (const std::vector<std::string>& value : {std::vector<std::string>{"/t", "REG_DWORD", "/d", "0"},
                                                   std::vector<std::string>{"/t", "REG_DWORD", "/d", "70000"},
                                                   std::vector<std::string>{"/t", "REG_SZ", "/d", "40007"}}) {
        std::vector<std::string> add{"reg", "add", key, "/v", "Port"};
        add.insert(add.end(), value.begin(), value.end());
        ASSERT_EQ(run(add).status, 0);
        CliResult start = run({"sc", "start", "echosrv"});
        EXPECT_EQ(start.status, 2) << value[3];
        EXPECT_TRUE(one_line(start.err)) << start.err;
        EXPECT_NE(start.err.find("0xC000000D"), std::string::npos) << start.err;  // STATUS_INVALID_PARAMETER
        EXPECT_NE(run({"sc", "query", "echosrv"}).out.find("STOPPED"), std::string::npos);
    }
    stop_host();
}

// Sends `data` from `client` to the server and waits for the reply; checks it came from the
// server's port and address and carries the same bytes.
void expect_echoed(int client, int family, uint16_t port, const std::string& data) {
    sockaddr_storage to = address(family, port);
    ASSERT_EQ(::sendto(client, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&to), length_of(family)),
              static_cast<ssize_t>(data.size()));
    ASSERT_TRUE(wait_for(client, POLLIN)) << "no reply to a " << data.size() << "-byte datagram";
    std::string back(65536, '\0');
    sockaddr_storage from{};
    socklen_t from_size = sizeof from;
    ssize_t n = ::recvfrom(client, back.data(), back.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_size);
    ASSERT_GE(n, 0) << std::strerror(errno);
    back.resize(static_cast<std::size_t>(n));
    EXPECT_EQ(back, data);
    ASSERT_EQ(from.ss_family, family);
    if (family == AF_INET) {
        auto* in = reinterpret_cast<sockaddr_in*>(&from);
        EXPECT_EQ(ntohs(in->sin_port), port);
        EXPECT_EQ(ntohl(in->sin_addr.s_addr), INADDR_LOOPBACK);
    } else {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&from);
        EXPECT_EQ(ntohs(in6->sin6_port), port);
        EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));
    }
}

TEST_F(UdpechoSystem, EchoesDatagramsToTheirSourceOverIpv4AndIpv6) {
    uint16_t port = free_port(SOCK_DGRAM);
    ASSERT_NE(port, 0);
    ASSERT_NO_FATAL_FAILURE(start_driver("udpecho", port));
    for (int family : {AF_INET, AF_INET6}) {
        Fd client(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        sockaddr_storage local = address(family, 0);
        ASSERT_EQ(::bind(client.get(), reinterpret_cast<sockaddr*>(&local), length_of(family)), 0);
        // An empty datagram is a datagram too.
        ASSERT_NO_FATAL_FAILURE(expect_echoed(client.get(), family, port, ""));
        for (std::size_t i = 0; i < 50; ++i) {
            SCOPED_TRACE("family " + std::to_string(family) + " datagram " + std::to_string(i));
            ASSERT_NO_FATAL_FAILURE(expect_echoed(client.get(), family, port, payload(i, 1 + (i * 397) % 9000)));
        }
        // Two senders at once: each reply goes back to the port it came from.
        Fd other(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        ASSERT_EQ(::bind(other.get(), reinterpret_cast<sockaddr*>(&local), length_of(family)), 0);
        ASSERT_NO_FATAL_FAILURE(expect_echoed(other.get(), family, port, "from the other socket"));
        ASSERT_NO_FATAL_FAILURE(expect_echoed(client.get(), family, port, "from the first socket"));
    }
    stop_driver("udpecho");
    // Unloaded means the socket is closed: the port can be bound again.
    Fd rebind(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    int off = 0;
    ::setsockopt(rebind.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    sockaddr_in6 any{};
    any.sin6_family = AF_INET6;
    any.sin6_port = htons(port);
    EXPECT_EQ(::bind(rebind.get(), reinterpret_cast<sockaddr*>(&any), sizeof any), 0) << std::strerror(errno);
    stop_host();
}

// `strata reg add` and `reg query`, reg.exe's syntax.
using RegCli = CliHarness;

TEST_F(RegCli, AddThenQueryEveryType) {
    const std::string key = kServices + "echosrv\\Parameters";
    ASSERT_EQ(run({"reg", "add", key, "/v", "Port", "/t", "REG_DWORD", "/d", "0x9c47"}).status, 0);
    ASSERT_EQ(run({"reg", "add", key, "/v", "Name", "/d", "echo server"}).status, 0);  // REG_SZ by default
    ASSERT_EQ(run({"reg", "add", key, "/v", "Bind", "/t", "REG_MULTI_SZ", "/d", "a\\0b"}).status, 0);
    ASSERT_EQ(run({"reg", "add", key, "/v", "Blob", "/t", "reg_binary", "/d", "0aff", "/f"}).status, 0);
    ASSERT_EQ(run({"reg", "add", key, "/ve", "/t", "REG_QWORD", "/d", "5"}).status, 0);
    CliResult query = run({"reg", "query", key});
    ASSERT_EQ(query.status, 0) << query.err;
    EXPECT_NE(query.out.find("HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\echosrv\\Parameters"),
              std::string::npos) << query.out;
    EXPECT_NE(query.out.find("    Port    REG_DWORD    0x9c47"), std::string::npos) << query.out;
    EXPECT_NE(query.out.find("    Name    REG_SZ    echo server"), std::string::npos) << query.out;
    EXPECT_NE(query.out.find("    Bind    REG_MULTI_SZ    a\\0b"), std::string::npos) << query.out;
    EXPECT_NE(query.out.find("    Blob    REG_BINARY    0AFF"), std::string::npos) << query.out;
    EXPECT_NE(query.out.find("    (Default)    REG_QWORD    0x5"), std::string::npos) << query.out;

    nlohmann::json one = json({"reg", "query", key, "/v", "port"});
    ASSERT_EQ(one.size(), 1u) << one.dump();
    EXPECT_EQ(one[0]["values"][0]["data"], 40007);
    EXPECT_EQ(one[0]["values"][0]["type"], "REG_DWORD");

    CliResult services = run({"reg", "query", kServices + "echosrv"});
    EXPECT_NE(services.out.find("Services\\echosrv\\Parameters"), std::string::npos) << services.out;
}

TEST_F(RegCli, BadInputIsOneLineNamingKeyAndValueWithExitTwo) {
    const std::string key = kServices + "echosrv\\Parameters";
    struct Case {
        std::vector<std::string> args;
        std::string named;
    };
    const Case cases[] = {
        {{"reg", "add", key, "/v", "Port", "/t", "REG_DWORD", "/d", "forty"}, "\"Port\""},
        {{"reg", "add", key, "/v", "Port", "/t", "REG_DWORD", "/d", "4294967296"}, "\"Port\""},
        {{"reg", "add", key, "/v", "Port", "/t", "REG_WORD", "/d", "1"}, "REG_WORD"},
        {{"reg", "add", key, "/v", "Blob", "/t", "REG_BINARY", "/d", "abc"}, "\"Blob\""},
        {{"reg", "add", key, "/v"}, "/v"},
        {{"reg", "add", "SYSTEM\\CurrentControlSet", "/v", "Port", "/d", "1"}, "SYSTEM\\CurrentControlSet"},
        {{"reg", "add", key, "/x"}, "/x"},
        {{"reg", "query", key}, key},
        {{"reg", "add", "HKLM\\a\\\\b", "/v", "x", "/d", "1"}, "HKLM\\a\\\\b"},
    };
    for (const Case& c : cases) {
        CliResult r = run(c.args);
        std::string shown;
        for (const std::string& a : c.args) shown += a + " ";
        EXPECT_EQ(r.status, 2) << shown;
        EXPECT_TRUE(one_line(r.err)) << shown << ": " << r.err;
        EXPECT_NE(r.err.find(c.named), std::string::npos) << shown << ": " << r.err;
    }
    ASSERT_EQ(run({"reg", "add", key, "/v", "Port", "/t", "REG_DWORD", "/d", "1"}).status, 0);
    CliResult missing = run({"reg", "query", key, "/v", "Nope"});
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("\"Nope\""), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace strata::test
