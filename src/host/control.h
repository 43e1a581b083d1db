// control.h — the host's control channel (DESIGN.md "Host and the strata command"): a Unix
// stream socket at <root>/strata.sock, mode 0600, carrying one JSON object per line each way.
// A request is {"cmd": "...", ...}; a reply is {"ok": true, ...} or {"ok": false, "error": "..."}.
#pragma once

#include <filesystem>
#include <functional>
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

// Serves requests on <root>/strata.sock from one thread, one connection at a time (requests
// are registry and driver operations that must not interleave). The handler's exceptions become
// {"ok": false, "error": what()}.
class ControlServer {
public:
    using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;
    // Binds the socket (replacing a stale one; the root lock says no other host owns it).
    ControlServer(const std::filesystem::path& root, Handler handler);
    ~ControlServer();  // stops serving and removes the socket
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    void start();

private:
    void serve();
    void serve_connection(int fd);

    std::filesystem::path path_;
    Handler handler_;
    int listen_fd_ = -1;
    int stop_fd_ = -1;  // eventfd that wakes serve() to leave
    std::thread thread_;
};

}  // namespace strata::host
