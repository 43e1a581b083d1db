// capture_server.cpp — see capture_server.h.
#include "host/capture_server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <iterator>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>

#include "host/pcapng_writer.h"
#include "ndis/capture.h"
#include "ndis/library.h"
#include "netcfg/netcfg.h"

namespace strata::host {
namespace {

constexpr std::size_t kRingBytes = 8u << 20;   // per capture: ~5000 full-size frames in flight
constexpr std::uint32_t kMaxSnaplen = 262144;  // pcapng readers' own limit
constexpr std::size_t kFlushBytes = 256 * 1024;
constexpr std::size_t kDrainBatch = 512;
constexpr int kFinalFlushMs = 5000;  // after a stop: how long a requester that stopped reading gets

std::uint64_t now_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(now.tv_nsec);
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string text;
    for (const std::string& part : parts) text += (text.empty() ? "" : std::string(separator)) + part;
    return text;
}

// One capturable edge of the running stack and the names it answers to.
struct Edge {
    std::string name;
    std::string kind;  // "adapter" or "binding"
    std::string description;
    std::vector<std::string> adapter_names;   // connection name, \Device\{GUID}
    std::vector<std::string> protocol_names;  // bindings: service, NdisRegisterProtocol name, component id
    ndis::Miniport* miniport = nullptr;
    ndis::Open* open = nullptr;  // nullptr: the adapter's own edge
};

std::string protocol_label(const ndis::Protocol& protocol) {
    return protocol.service.empty() ? protocol.name : protocol.service;
}

// The IM whose protocol edge `protocol` is, or "".
std::string intermediate_of(const ndis::Protocol& protocol) {
    if (protocol.service.empty()) return {};
    ndis::MiniportDriver* driver = ndis::Library::instance().find_miniport_driver(protocol.service);
    return driver != nullptr && driver->layered ? driver->service : std::string();
}

std::vector<Edge> collect_edges(registry::Registry& registry) {
    std::map<std::string, std::string> connection_names;  // upper-cased \Device\{GUID} -> connection name
    auto key = [](std::string text) {
        std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
        return text;
    };
    for (const netcfg::Device& d : netcfg::devices(registry)) connection_names[key(d.device_name)] = d.name;
    std::map<std::string, std::string> component_ids;  // upper-cased service -> component id
    for (const netcfg::Component& c : netcfg::components(registry))
        if (!c.service.empty()) component_ids[key(c.service)] = c.component_id;

    ndis::Library& library = ndis::Library::instance();
    std::lock_guard lock(library.mutex);
    std::vector<Edge> edges;
    for (ndis::Miniport* m : library.miniports()) {
        if (m->state.load() != ndis::MiniportState::Running) continue;
        auto connection = connection_names.find(key(m->device_name));
        std::string adapter = connection != connection_names.end() ? connection->second : m->device_name;
        const std::string& driver = m->driver->service;
        const bool virtual_miniport = m->driver->layered;

        std::vector<std::string> adapter_positions;
        if (virtual_miniport) adapter_positions.push_back("above " + driver);
        std::vector<Edge> bindings;
        m->for_each_open([&](ndis::Open* open) {
            if (open->state.load() != ndis::OpenState::Open) return;
            const ndis::Protocol& protocol = *open->protocol;
            std::string label = protocol_label(protocol);
            std::string im = intermediate_of(protocol);
            if (!im.empty()) adapter_positions.push_back("below " + im);
            std::vector<std::string> positions;
            if (virtual_miniport) positions.push_back("above " + driver);
            if (!im.empty()) positions.push_back("below " + im);
            std::string detail = "protocol " + label + " over adapter " + adapter +
                                 (virtual_miniport ? std::string() : ", miniport " + driver);
            Edge edge{label + "@" + adapter, "binding",
                      positions.empty() ? detail : join(positions, ", ") + " (" + detail + ")",
                      {adapter, m->device_name}, {label, protocol.name}, m, open};
            if (auto id = component_ids.find(key(protocol.service)); id != component_ids.end())
                edge.protocol_names.push_back(id->second);
            bindings.push_back(std::move(edge));
        });
        std::string where = adapter_positions.empty() ? std::string() : ", " + join(adapter_positions, ", ");
        edges.push_back({adapter, "adapter",
                         "adapter " + adapter + where + " (" + (virtual_miniport ? "virtual miniport of " : "miniport ") +
                             driver + ")",
                         {adapter, m->device_name}, {}, m, nullptr});
        for (Edge& b : bindings) edges.push_back(std::move(b));
    }
    return edges;
}

bool named(const std::vector<std::string>& names, std::string_view name) {
    return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return ndis::iequals(n, name); });
}

const Edge* find_edge(const std::vector<Edge>& edges, std::string_view name) {
    auto at = name.find('@');
    for (const Edge& edge : edges) {
        if (at == std::string_view::npos) {
            if (edge.open == nullptr && named(edge.adapter_names, name)) return &edge;
        } else if (edge.open != nullptr && named(edge.protocol_names, name.substr(0, at)) &&
                   named(edge.adapter_names, name.substr(at + 1))) {
            return &edge;
        }
    }
    return nullptr;
}

// Writes all of `data` to the requester. Waits for room at most `wait_ms` at a time (-1: as long
// as it takes) and gives up when `stop_fd` becomes readable (-1: never) or the peer is gone.
bool send_all(int fd, std::span<const std::uint8_t> data, int stop_fd, int wait_ms) {
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            data = data.subspan(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
        pollfd fds[2] = {{fd, POLLOUT, 0}, {stop_fd, POLLIN, 0}};
        int ready = ::poll(fds, stop_fd >= 0 ? 2 : 1, wait_ms);
        if (ready == 0) return false;
        if (ready < 0 && errno != EINTR) return false;
        if (stop_fd >= 0 && fds[1].revents != 0) return false;
    }
    return true;
}

bool send_line(int fd, const nlohmann::json& line) {
    std::string text = line.dump() + "\n";
    return send_all(fd, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), -1, kFinalFlushMs);
}

std::string os_name() {
    utsname names{};
    if (::uname(&names) != 0) return "Linux";
    return std::string(names.sysname) + " " + names.release;
}

}  // namespace

struct CaptureServer::Session {
    int fd = -1;
    std::unique_ptr<ndis::CaptureSession> capture;
    std::vector<std::pair<std::string, std::string>> interfaces;  // name, description
    std::uint64_t count = 0;
    std::uint32_t snaplen = 65535;
    pcapng::TimeResolution resolution = pcapng::TimeResolution::Microseconds;
    std::thread thread;
    std::atomic<bool> done{false};
};

CaptureServer::CaptureServer(registry::Registry& registry) : registry_(registry) {
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (stop_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

CaptureServer::~CaptureServer() {
    stop_all();
    ::close(stop_fd_);
}

nlohmann::json CaptureServer::edges() const {
    nlohmann::json list = nlohmann::json::array();
    for (const Edge& edge : collect_edges(registry_))
        list.push_back({{"name", edge.name}, {"kind", edge.kind}, {"description", edge.description}});
    return list;
}

void CaptureServer::refuse(int fd, const std::string& message) {
    send_line(fd, {{"ok", false}, {"error", message}});
    ::close(fd);
}

void CaptureServer::serve(const nlohmann::json& request, int fd) {
    reap();
    auto session = std::make_unique<Session>();
    session->fd = fd;
    std::uint8_t directions = ndis::kCaptureBoth;
    try {
        const nlohmann::json& names = request.value("edges", nlohmann::json::array());
        if (!names.is_array() || names.empty() ||
            !std::all_of(names.begin(), names.end(), [](const nlohmann::json& n) { return n.is_string(); }))
            throw std::invalid_argument("capture: \"edges\" must be a list of adapter or binding names");
        std::string direction = request.value("direction", "both");
        if (direction == "in") directions = ndis::kCaptureIn;
        else if (direction == "out") directions = ndis::kCaptureOut;
        else if (direction != "both") throw std::invalid_argument("capture: direction must be in, out or both, not " + direction);
        session->snaplen = request.value("snaplen", 65535u);
        if (session->snaplen == 0 || session->snaplen > kMaxSnaplen)
            throw std::invalid_argument("capture: snaplen must be 1.." + std::to_string(kMaxSnaplen));
        session->count = request.value("count", std::uint64_t{0});
        std::string precision = request.value("precision", "micro");
        if (precision == "nano") session->resolution = pcapng::TimeResolution::Nanoseconds;
        else if (precision != "micro") throw std::invalid_argument("capture: precision must be micro or nano, not " + precision);

        std::vector<Edge> edges = collect_edges(registry_);
        session->capture = std::make_unique<ndis::CaptureSession>(kRingBytes, session->snaplen);
        std::lock_guard lock(ndis::Library::instance().mutex);  // no open closes between naming and arming
        for (const nlohmann::json& n : names) {
            std::string name = n.get<std::string>();
            const Edge* edge = find_edge(edges, name);
            if (edge == nullptr)
                throw std::invalid_argument("no adapter or binding named " + name + " (see strata capture --list)");
            for (const auto& armed : session->interfaces)
                if (armed.first == edge->name) throw std::invalid_argument("capture: " + name + " is named twice");
            if (!session->capture->add(*edge->miniport, edge->open, directions))
                throw std::invalid_argument(edge->name + " is already being captured");
            session->interfaces.emplace_back(edge->name, edge->description);
        }
    } catch (const std::exception& e) {
        session->capture.reset();  // disarms what was armed
        refuse(fd, e.what());
        return;
    }
    nlohmann::json armed = nlohmann::json::array();
    for (const auto& [name, description] : session->interfaces) armed.push_back({{"name", name}, {"description", description}});
    if (!send_line(fd, {{"ok", true}, {"edges", armed}})) {
        session->capture.reset();
        ::close(fd);
        return;
    }
    Session& s = *session;
    {
        std::lock_guard lock(mutex_);
        sessions_.push_back(std::move(session));
    }
    s.thread = std::thread([this, &s] { run(s); });
}

// The writer: drains the ring into pcapng blocks and sends them, sleeping on the ring's eventfd
// when it is empty. Ends at the count, when the requester shuts down its side (or goes away), or
// at stop_all(); then disarms, writes what the ring still holds and the statistics, and closes.
void CaptureServer::run(Session& s) {
    ndis::CaptureRing& ring = s.capture->ring();
    const std::size_t interfaces = s.interfaces.size();
    std::vector<std::uint64_t> delivered(interfaces, 0);
    std::uint64_t written = 0;
    const std::uint64_t start_ns = now_ns();
    std::vector<std::uint8_t> out;
    out.reserve(kFlushBytes + 2 * kMaxSnaplen);
    pcapng::Writer writer(out);
    writer.section_header(os_name(), "strata capture");
    for (const auto& [name, description] : s.interfaces)
        writer.interface_description(name, description, s.snaplen, s.resolution);

    auto full = [&] { return s.count != 0 && written >= s.count; };
    auto visit = [&](const ndis::CaptureRing::Record& r) {
        if (full()) return;
        writer.enhanced_packet(r.info.interface_id, s.resolution, r.info.timestamp_ns, r.data, r.info.original_length,
                               r.info.flags);
        ++delivered[r.info.interface_id];
        ++written;
    };
    bool connected = true;
    while (connected && !full()) {
        std::size_t taken = ring.drain(visit, kDrainBatch);
        if (out.size() >= kFlushBytes || (taken == 0 && !out.empty())) {
            connected = send_all(s.fd, out, stop_fd_, -1);
            out.clear();
        }
        if (taken != 0 || full()) continue;
        ring.prepare_wait();
        if (ring.readable()) {
            ring.finish_wait();
            continue;
        }
        pollfd fds[3] = {{ring.event_fd(), POLLIN, 0}, {s.fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
        int ready = ::poll(fds, 3, -1);
        ring.finish_wait();
        if (ready < 0 && errno != EINTR) break;
        if (fds[2].revents != 0) break;
        if (fds[1].revents != 0) {
            // The requester sends nothing after its request: readable means it shut down its side.
            char ignored[256];
            ssize_t n = ::recv(s.fd, ignored, sizeof ignored, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
        }
    }
    s.capture->stop();
    while (ring.drain(visit, kDrainBatch) != 0) {
    }
    const std::uint64_t end_ns = now_ns();
    for (std::size_t i = 0; i < interfaces; ++i) {
        const ndis::CaptureTap& tap = s.capture->tap(i);
        writer.interface_statistics(static_cast<std::uint32_t>(i), s.resolution,
                                    {start_ns, end_ns, tap.seen.load(), tap.dropped.load(), delivered[i]});
    }
    if (connected) send_all(s.fd, out, -1, kFinalFlushMs);
    ::shutdown(s.fd, SHUT_RDWR);
    ::close(s.fd);
    s.done.store(true, std::memory_order_release);
}

void CaptureServer::reap() {
    std::vector<std::unique_ptr<Session>> ended;
    {
        std::lock_guard lock(mutex_);
        auto split = std::stable_partition(sessions_.begin(), sessions_.end(),
                                           [](const auto& s) { return !s->done.load(std::memory_order_acquire); });
        std::move(split, sessions_.end(), std::back_inserter(ended));
        sessions_.erase(split, sessions_.end());
    }
    for (auto& s : ended) s->thread.join();
}

void CaptureServer::stop_all() {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(stop_fd_, &one, sizeof one);
    std::vector<std::unique_ptr<Session>> all;
    {
        std::lock_guard lock(mutex_);
        all.swap(sessions_);
    }
    for (auto& s : all) s->thread.join();
}

}  // namespace strata::host
