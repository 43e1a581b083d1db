// capture_commands.cpp — `strata capture EDGE... -w FILE.pcapng [--count N] [--direction
// in|out|both]` (issue 6 "Capture"; DESIGN.md "Host and the strata command", after pktmon and
// tcpdump): frames at any adapter or binding edge of the running stack, above or below each IM.
// The host arms the edges and streams pcapng blocks over the control socket
// (src/host/capture_server.h); this command writes only whole blocks to the file, so the file
// is readable however the capture ends, and on SIGINT/SIGTERM asks the host to finish (flush
// and write its statistics) before closing it.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <span>

#include "cli.h"
#include "host/control.h"
#include "host/pcapng_writer.h"

namespace strata::cli {
namespace {

struct CaptureOptions {
    std::vector<std::string> edges;
    std::string file;
    std::uint64_t count = 0;
    std::string direction = "both";
    std::uint32_t snaplen = 65535;
    std::string precision = "micro";
    bool list = false;
};

class Descriptor {
public:
    explicit Descriptor(int fd) : fd_(fd) {}
    ~Descriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

void write_all(int fd, const char* data, std::size_t size, const std::string& file) {
    while (size != 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw RunError(file + ": " + std::strerror(errno));
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

void list_edges(const Context& context) {
    nlohmann::json reply = require_host(context, {{"cmd", "capture-edges"}});
    if (context.json) {
        print_json(reply["edges"]);
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : reply["edges"]) rows.push_back({e.value("name", ""), e.value("kind", ""), e.value("description", "")});
    print_table({"EDGE", "KIND", "DESCRIPTION"}, rows);
}

void capture(const Context& context, const CaptureOptions& options) {
    if (options.edges.empty())
        throw UsageError("capture: name an adapter or binding to capture at (see strata capture --list)");
    if (options.file.empty()) throw UsageError("capture: -w FILE is required");

    // Signals are read from a descriptor from here on, so Ctrl-C during the start is no loss.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigprocmask(SIG_BLOCK, &signals, nullptr);
    Descriptor signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC));
    if (signal_fd.get() < 0) throw RunError(std::string("signalfd: ") + std::strerror(errno));

    nlohmann::json request = {{"cmd", "capture"},      {"edges", options.edges},        {"direction", options.direction},
                              {"snaplen", options.snaplen}, {"count", options.count}, {"precision", options.precision}};
    std::optional<host::ControlStream> stream = [&] {
        try {
            return host::open_stream(context.root(), request);
        } catch (const host::ControlError& e) {
            throw UsageError(e.what());  // the host's one line: an unknown edge, a bad option
        }
    }();
    if (!stream) throw UsageError("no host is running for " + context.root().string() + " (strata start)");

    Descriptor file(::open(options.file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (file.get() < 0) throw UsageError(options.file + ": " + std::strerror(errno));

    std::string names;
    for (const auto& e : stream->reply()["edges"]) names += (names.empty() ? "" : ", ") + e.value("name", std::string());
    std::printf("capturing on %s (direction %s, snaplen %u); %s\n", names.c_str(), options.direction.c_str(),
                options.snaplen,
                options.count != 0 ? ("stops after " + std::to_string(options.count) + " packets or Ctrl-C").c_str()
                                   : "Ctrl-C stops");
    std::fflush(stdout);

    std::uint64_t packets = 0, dropped = 0;
    std::string buffer;
    bool finishing = false;
    for (;;) {
        pollfd fds[2] = {{stream->fd(), POLLIN, 0}, {signal_fd.get(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            throw RunError(std::string("poll: ") + std::strerror(errno));
        }
        if (fds[1].revents != 0) {
            signalfd_siginfo info;
            [[maybe_unused]] ssize_t n = ::read(signal_fd.get(), &info, sizeof info);
            if (!finishing) stream->finish_sending();  // the host flushes, writes statistics, closes
            finishing = true;
        }
        if (fds[0].revents == 0) continue;
        if (!stream->read(buffer)) break;
        std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(buffer.data()), buffer.size());
        std::size_t whole = 0;
        try {
            while (std::size_t length = host::pcapng::complete_block(bytes.subspan(whole))) {
                std::span<const std::uint8_t> block = bytes.subspan(whole, length);
                std::uint32_t type = host::pcapng::block_type(block);
                if (type == host::pcapng::kEnhancedPacketBlock) ++packets;
                if (type == host::pcapng::kInterfaceStatisticsBlock)
                    dropped += host::pcapng::statistics_counter(block, host::pcapng::kIsbIfDrop).value_or(0);
                whole += length;
            }
        } catch (const host::pcapng::FormatError& e) {
            throw RunError(std::string("capture: the host sent ") + e.what());
        }
        write_all(file.get(), buffer.data(), whole, options.file);
        buffer.erase(0, whole);
    }
    if (::close(file.release()) != 0) throw RunError(options.file + ": " + std::strerror(errno));
    if (context.json) {
        print_json({{"packets", packets}, {"dropped", dropped}, {"file", options.file}});
        return;
    }
    std::printf("%llu packets captured, %llu dropped \u2192 %s\n", static_cast<unsigned long long>(packets),
                static_cast<unsigned long long>(dropped), options.file.c_str());
}

}  // namespace

void add_capture_command(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("capture", "record frames at adapters and bindings (above or below each IM) as pcapng");
    auto options = std::make_shared<CaptureOptions>();
    cmd->add_option("edges", options->edges, "an adapter (connection name) or a binding PROTOCOL@ADAPTER")
        ->type_name("ADAPTER-OR-BINDING");
    cmd->add_option("-w,--write", options->file, "the pcapng file to write")->type_name("FILE");
    cmd->add_option("-c,--count", options->count, "stop after N packets (default: at Ctrl-C)")
        ->type_name("N")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--direction", options->direction, "in (indications), out (sends) or both")
        ->check(CLI::IsMember({"in", "out", "both"}));
    cmd->add_option("-s,--snaplen", options->snaplen, "bytes kept of each frame")->check(CLI::Range(1u, 262144u));
    cmd->add_option("--time-stamp-precision", options->precision, "micro or nano (pcapng if_tsresol)")
        ->check(CLI::IsMember({"micro", "nano"}));
    cmd->add_flag("--list", options->list, "list the edges of the running stack and exit");
    cmd->callback([&context, options] {
        if (options->list) list_edges(context);
        else capture(context, *options);
    });
}

}  // namespace strata::cli
