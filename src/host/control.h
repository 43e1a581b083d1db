// control.h — the host's control channel (DESIGN.md "Host and the strata command"): a Unix
// stream socket at <root>/strata.sock, mode 0600, carrying one JSON object per line each way.
// A request is {"cmd": "...", ...}; a reply is {"ok": true, ...} or {"ok": false, "error": "..."}.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace strata::host {

std::filesystem::path control_socket_path(const std::filesystem::path& root);

// A failure to reach the host or a reply with ok=false: what() is the host's one-line reason.
class ControlError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Sends one request to the host of `root` and returns its reply. nullopt when no host is
// listening there; throws ControlError when the host answers ok=false or the channel breaks.
std::optional<nlohmann::json> send_request(const std::filesystem::path& root, const nlohmann::json& request);

// A streaming request's connection (`strata capture`): the host answered the request's line
// with `reply` (ok=true) and now sends a byte stream until it closes its side. The client may
// shut down its own side to ask the host to finish.
class ControlStream {
public:
    ControlStream(int fd, nlohmann::json reply, std::string pending);
    ~ControlStream();
    ControlStream(ControlStream&& other) noexcept;
    ControlStream(const ControlStream&) = delete;
    ControlStream& operator=(const ControlStream&) = delete;

    const nlohmann::json& reply() const noexcept { return reply_; }
    int fd() const noexcept { return fd_; }
    // Appends what arrived to `out`: false at the end of the stream. Blocks when nothing has.
    bool read(std::string& out);
    void finish_sending() noexcept;  // shutdown(SHUT_WR)

private:
    int fd_;
    nlohmann::json reply_;
    std::string pending_;  // stream bytes that came with the reply line
};

// Like send_request for a command the host serves as a stream (ControlServer::add_stream).
std::optional<ControlStream> open_stream(const std::filesystem::path& root, const nlohmann::json& request);

// Serves requests on <root>/strata.sock from one thread, one connection at a time (requests
// are registry and driver operations that must not interleave). The handler's exceptions become
// {"ok": false, "error": what()}.
class ControlServer {
public:
    using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;
    // Takes over the connection of a streaming request: owns `fd` from the call on, answers the
    // request's line itself and may keep the connection after returning (on its own thread).
    using StreamHandler = std::function<void(const nlohmann::json& request, int fd)>;
    // Binds the socket (replacing a stale one; the root lock says no other host owns it).
    ControlServer(const std::filesystem::path& root, Handler handler);
    ~ControlServer();  // stops serving and removes the socket
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // Before start(): requests with this "cmd" go to `handler` with their connection.
    void add_stream(std::string cmd, StreamHandler handler);
    void start();

private:
    void serve();
    bool serve_connection(int fd);  // true when a stream handler took the connection

    std::filesystem::path path_;
    Handler handler_;
    std::map<std::string, StreamHandler, std::less<>> stream_handlers_;
    int listen_fd_ = -1;
    int stop_fd_ = -1;  // eventfd that wakes serve() to leave
    std::thread thread_;
};

}  // namespace strata::host
