// control.cpp — the host's control socket and its client (see control.h).
#include "host/control.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace strata::host {
namespace {

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

sockaddr_un address_of(const std::filesystem::path& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string text = path.string();
    if (text.size() >= sizeof address.sun_path)
        throw ControlError("control socket path too long (" + std::to_string(text.size()) + " bytes): " + text);
    std::memcpy(address.sun_path, text.c_str(), text.size() + 1);
    return address;
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// One '\n'-terminated line, or nullopt at end of stream.
std::optional<std::string> read_line(int fd, std::string& buffer) {
    for (;;) {
        if (auto end = buffer.find('\n'); end != std::string::npos) {
            std::string line = buffer.substr(0, end);
            buffer.erase(0, end + 1);
            return line;
        }
        char chunk[4096];
        ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::nullopt;
        buffer.append(chunk, static_cast<std::size_t>(n));
    }
}

// Connects, sends `request` and reads the reply line; `buffer` keeps what came after it.
// nullopt when no host listens at `root`.
std::optional<std::pair<Fd, nlohmann::json>> exchange(const std::filesystem::path& root, const nlohmann::json& request,
                                                      std::string& buffer) {
    std::filesystem::path path = control_socket_path(root);
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) throw ControlError(std::string("socket: ") + std::strerror(errno));
    sockaddr_un address = address_of(path);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        if (errno == ENOENT || errno == ECONNREFUSED) return std::nullopt;
        throw ControlError(path.string() + ": " + std::strerror(errno));
    }
    if (!write_all(fd.get(), request.dump() + "\n"))
        throw ControlError(path.string() + ": the host closed the connection");
    std::optional<std::string> line = read_line(fd.get(), buffer);
    if (!line) throw ControlError(path.string() + ": the host closed the connection without a reply");
    nlohmann::json reply = nlohmann::json::parse(*line, nullptr, false);
    if (reply.is_discarded() || !reply.is_object())
        throw ControlError(path.string() + ": the host sent a malformed reply");
    if (!reply.value("ok", false)) throw ControlError(reply.value("error", std::string("the host refused the request")));
    return std::make_pair(Fd(fd.release()), std::move(reply));
}

}  // namespace

std::filesystem::path control_socket_path(const std::filesystem::path& root) { return root / "strata.sock"; }

std::optional<nlohmann::json> send_request(const std::filesystem::path& root, const nlohmann::json& request) {
    std::string buffer;
    auto connection = exchange(root, request, buffer);
    if (!connection) return std::nullopt;
    return std::move(connection->second);
}

ControlStream::ControlStream(int fd, nlohmann::json reply, std::string pending)
    : fd_(fd), reply_(std::move(reply)), pending_(std::move(pending)) {}

ControlStream::~ControlStream() {
    if (fd_ >= 0) ::close(fd_);
}

ControlStream::ControlStream(ControlStream&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), reply_(std::move(other.reply_)), pending_(std::move(other.pending_)) {}

bool ControlStream::read(std::string& out) {
    if (!pending_.empty()) {
        out += pending_;
        pending_.clear();
        return true;
    }
    char chunk[65536];
    for (;;) {
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        out.append(chunk, static_cast<std::size_t>(n));
        return true;
    }
}

void ControlStream::finish_sending() noexcept { ::shutdown(fd_, SHUT_WR); }

std::optional<ControlStream> open_stream(const std::filesystem::path& root, const nlohmann::json& request) {
    std::string buffer;
    auto connection = exchange(root, request, buffer);
    if (!connection) return std::nullopt;
    return ControlStream(connection->first.release(), std::move(connection->second), std::move(buffer));
}

ControlServer::ControlServer(const std::filesystem::path& root, Handler handler)
    : path_(control_socket_path(root)), handler_(std::move(handler)) {
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) throw ControlError(std::string("socket: ") + std::strerror(errno));
    sockaddr_un address = address_of(path_);
    ::unlink(path_.c_str());
    // The umask makes the socket 0600 from the moment it exists: no window where others connect.
    mode_t old_mask = ::umask(0177);
    int rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::umask(old_mask);
    if (rc != 0) throw ControlError(path_.string() + ": bind: " + std::strerror(errno));
    if (::listen(fd.get(), 16) != 0) throw ControlError(path_.string() + ": listen: " + std::strerror(errno));
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (stop_fd_ < 0) throw ControlError(std::string("eventfd: ") + std::strerror(errno));
    listen_fd_ = fd.release();
}

ControlServer::~ControlServer() {
    if (thread_.joinable()) {
        uint64_t one = 1;
        [[maybe_unused]] ssize_t n = ::write(stop_fd_, &one, sizeof one);
        thread_.join();
    }
    ::close(listen_fd_);
    ::close(stop_fd_);
    ::unlink(path_.c_str());
}

void ControlServer::add_stream(std::string cmd, StreamHandler handler) {
    stream_handlers_.emplace(std::move(cmd), std::move(handler));
}

void ControlServer::start() { thread_ = std::thread([this] { serve(); }); }

void ControlServer::serve() {
    for (;;) {
        pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents != 0) return;
        if (fds[0].revents == 0) continue;
        int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        Fd connection(client);
        if (serve_connection(connection.get())) connection.release();
    }
}

bool ControlServer::serve_connection(int fd) {
    std::string buffer;
    while (std::optional<std::string> line = read_line(fd, buffer)) {
        nlohmann::json reply;
        nlohmann::json request = nlohmann::json::parse(*line, nullptr, false);
        if (request.is_object() && request.contains("cmd") && request["cmd"].is_string()) {
            if (auto stream = stream_handlers_.find(request["cmd"].get<std::string>()); stream != stream_handlers_.end()) {
                stream->second(request, fd);
                return true;
            }
        }
        if (request.is_discarded() || !request.is_object() || !request.contains("cmd")) {
            reply = {{"ok", false}, {"error", "malformed request: expected a JSON object with \"cmd\""}};
        } else {
            try {
                reply = handler_(request);
                reply["ok"] = true;
            } catch (const std::exception& e) {
                reply = {{"ok", false}, {"error", e.what()}};
            }
        }
        if (!write_all(fd, reply.dump() + "\n")) return false;
        if (request.is_object() && request.value("cmd", "") == "stop") return false;
    }
    return false;
}

}  // namespace strata::host
