// capture_test.cpp — `strata capture` end to end (issue 6 "Capture" and "How it is checked": a
// capture read back by tshark with the expected packet count). The loop → passthru → probe stack
// from INF files as a user builds it; captures run as background `strata capture` processes,
// traffic starts once a capture printed its ready line, and each file is checked twice: by this
// file's own pcapng reader (block lengths, padding, byte-order magic, IDB/EPB/ISB fields, written
// from the pcapng specification independently of src/host/pcapng_writer) and by tshark when it
// is installed. No root needed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_harness.h"

namespace {

namespace fs = std::filesystem;
using strata::test::CliResult;

// ---- A pcapng reader written from the specification ----------------------------------------

struct PcapngInterface {
    std::uint16_t link_type = 0;
    std::uint32_t snaplen = 0;
    std::string name;
    std::string description;
    std::uint8_t tsresol = 6;
};

struct PcapngPacket {
    std::uint32_t interface_id = 0;
    std::uint32_t captured = 0;
    std::uint32_t original = 0;
    std::uint32_t flags = 0;
    bool has_flags = false;
};

struct PcapngStatistics {
    std::uint32_t interface_id = 0;
    std::map<std::uint16_t, std::uint64_t> counters;  // isb_ifrecv (4), isb_ifdrop (5), isb_usrdeliv (8)
};

struct PcapngFile {
    std::vector<PcapngInterface> interfaces;
    std::vector<PcapngPacket> packets;
    std::vector<PcapngStatistics> statistics;
    std::string error;  // the first violation of the format found, or ""
};

std::string file_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <typename T>
T load(const std::string& bytes, std::size_t offset) {
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

// Walks the options from `offset` to `end` (the trailing length field), calling visit(code, offset
// of the value, length). False when an option runs past the block or is not padded to 32 bits.
template <typename Visit>
bool read_options(const std::string& bytes, std::size_t offset, std::size_t end, Visit&& visit) {
    while (offset < end) {
        if (offset + 4 > end) return false;
        auto code = load<std::uint16_t>(bytes, offset);
        auto length = load<std::uint16_t>(bytes, offset + 2);
        if (code == 0) return length == 0 && offset + 4 == end;  // opt_endofopt ends the list
        std::size_t padded = (length + 3u) & ~3u;
        if (offset + 4 + padded > end) return false;
        for (std::size_t i = length; i < padded; ++i)
            if (bytes[offset + 4 + i] != 0) return false;
        visit(code, offset + 4, length);
        offset += 4 + padded;
    }
    return true;
}

PcapngFile read_pcapng(const fs::path& path) {
    PcapngFile file;
    std::string bytes = file_bytes(path);
    std::size_t offset = 0;
    auto fail = [&](const std::string& why) {
        file.error = why + " at offset " + std::to_string(offset);
        return file;
    };
    if (bytes.size() < 28 || load<std::uint32_t>(bytes, 0) != 0x0A0D0D0A) return fail("no Section Header Block");
    if (load<std::uint32_t>(bytes, 8) != 0x1A2B3C4D) return fail("byte-order magic is not 0x1A2B3C4D");
    if (load<std::uint16_t>(bytes, 12) != 1 || load<std::uint16_t>(bytes, 14) != 0) return fail("version is not 1.0");
    while (offset < bytes.size()) {
        if (bytes.size() - offset < 12) return fail("truncated block");
        auto type = load<std::uint32_t>(bytes, offset);
        auto length = load<std::uint32_t>(bytes, offset + 4);
        if (length < 12 || length % 4 != 0 || offset + length > bytes.size()) return fail("bad block length");
        if (load<std::uint32_t>(bytes, offset + length - 4) != length) return fail("trailing length differs");
        const std::size_t end = offset + length - 4;
        bool options_ok = true;
        if (type == 0x0A0D0D0A) {
            if (offset != 0) return fail("a second section");
            options_ok = read_options(bytes, offset + 24, end, [](auto...) {});
        } else if (type == 1) {
            PcapngInterface idb;
            idb.link_type = load<std::uint16_t>(bytes, offset + 8);
            idb.snaplen = load<std::uint32_t>(bytes, offset + 12);
            options_ok = read_options(bytes, offset + 16, end, [&](std::uint16_t code, std::size_t at, std::size_t n) {
                if (code == 2) idb.name = bytes.substr(at, n);
                if (code == 3) idb.description = bytes.substr(at, n);
                if (code == 9 && n == 1) idb.tsresol = static_cast<std::uint8_t>(bytes[at]);
            });
            file.interfaces.push_back(idb);
        } else if (type == 6) {
            PcapngPacket epb;
            epb.interface_id = load<std::uint32_t>(bytes, offset + 8);
            epb.captured = load<std::uint32_t>(bytes, offset + 20);
            epb.original = load<std::uint32_t>(bytes, offset + 24);
            std::size_t data_end = offset + 28 + ((epb.captured + 3u) & ~3u);
            if (data_end > end) return fail("packet data runs past its block");
            if (epb.interface_id >= file.interfaces.size()) return fail("packet of an undescribed interface");
            options_ok = read_options(bytes, data_end, end, [&](std::uint16_t code, std::size_t at, std::size_t n) {
                if (code == 2 && n == 4) {
                    epb.flags = load<std::uint32_t>(bytes, at);
                    epb.has_flags = true;
                }
            });
            file.packets.push_back(epb);
        } else if (type == 5) {
            PcapngStatistics isb;
            isb.interface_id = load<std::uint32_t>(bytes, offset + 8);
            options_ok = read_options(bytes, offset + 20, end, [&](std::uint16_t code, std::size_t at, std::size_t n) {
                if (n == 8) isb.counters[code] = load<std::uint64_t>(bytes, at);
            });
            file.statistics.push_back(isb);
        }
        if (!options_ok) return fail("malformed options");
        offset += length;
    }
    return file;
}

// ---- Running strata capture in the background ---------------------------------------------

constexpr auto kDeadline = std::chrono::seconds(60);

// One `strata capture` process: its stdout through a pipe, so a test can wait for its lines.
class Background {
public:
    Background(const std::vector<std::string>& arguments, const fs::path& stderr_file) {
        std::vector<std::string> args = arguments;
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        int pipe_fds[2];
        if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return;
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
        posix_spawn_file_actions_addopen(&actions, 2, stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&actions);
        ::close(pipe_fds[1]);
        out_fd_ = pipe_fds[0];
        stderr_file_ = stderr_file;
    }
    ~Background() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (out_fd_ >= 0) ::close(out_fd_);
    }
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;

    // Reads stdout until it contains `text` (true) or ends or the deadline passes (false).
    bool wait_for(const std::string& text) {
        auto until = std::chrono::steady_clock::now() + kDeadline;
        while (out_.find(text) == std::string::npos) {
            if (!read_some(until)) return false;
        }
        return true;
    }

    void signal(int number) { ::kill(pid_, number); }

    // Reads stdout to its end and returns the exit status (-1 when it did not end in time).
    int finish() {
        auto until = std::chrono::steady_clock::now() + kDeadline;
        while (read_some(until)) {
        }
        if (std::chrono::steady_clock::now() >= until) return -1;
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    const std::string& out() const { return out_; }
    std::string err() const { return file_bytes(stderr_file_); }

private:
    bool read_some(std::chrono::steady_clock::time_point until) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0 || out_fd_ < 0) return false;
        pollfd fd{out_fd_, POLLIN, 0};
        if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) return false;
        char chunk[4096];
        ssize_t n = ::read(out_fd_, chunk, sizeof chunk);
        if (n <= 0) return false;
        out_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    pid_t pid_ = -1;
    int out_fd_ = -1;
    std::string out_;
    fs::path stderr_file_;
};

bool have_tshark() { return std::system("command -v tshark >/dev/null 2>&1") == 0; }

// tshark's view of `file`: one line per frame with the fields asked for, tab-separated.
std::vector<std::string> tshark_fields(const fs::path& file, const std::vector<std::string>& fields) {
    std::string command = "tshark -r '" + file.string() + "' -T fields";
    for (const std::string& f : fields) command += " -e " + f;
    command += " 2>/dev/null";
    std::vector<std::string> lines;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return lines;
    std::string text;
    char chunk[4096];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) text.append(chunk, n);
    ::pclose(pipe);
    for (std::size_t start = 0; start < text.size();) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

constexpr std::uint32_t kInbound = 1, kOutbound = 2;  // epb_flags direction bits
constexpr std::uint16_t kIfRecv = 4, kIfDrop = 5, kUsrDeliv = 8;

class Capture : public strata::test::CliHarness {
protected:
    // Two loop adapters on one wire, passthru over each, probe over passthru: the stack of
    // `./run demo` without root.
    void SetUp() override {
        CliHarness::SetUp();
        if (!fs::exists(driver_file("netpassthru.inf"))) GTEST_SKIP() << "no passthru IM driver in this build";
        install_loop_and_probe();
        ASSERT_EQ(run({"install", driver_file("netpassthru.inf")}).status, 0);
        ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "e0", "--param", "Wire=7"}).status, 0);
        ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "e1", "--param", "Wire=7"}).status, 0);
        CliResult start = run({"start"});
        ASSERT_EQ(start.status, 0) << start.err;
    }

    fs::path file(const std::string& name) const { return dir_ / name; }

    // `strata capture ARGS...` in the background, returned once it says it captures.
    std::unique_ptr<Background> start_capture(std::vector<std::string> args) {
        args.insert(args.begin(), {STRATA_BINARY_DIR "/bin/strata", "--root", root_.string(), "capture"});
        auto capture = std::make_unique<Background>(args, dir_ / ("capture-stderr-" + std::to_string(++captures_)));
        EXPECT_TRUE(capture->wait_for("capturing on ")) << capture->out() << capture->err();
        return capture;
    }

    void send(const std::string& adapter, unsigned count, unsigned size) {
        CliResult r = run({"probe", "send", adapter, "--count", std::to_string(count), "--size", std::to_string(size)});
        ASSERT_EQ(r.status, 0) << r.err;
    }

    // Checks `path` holds exactly `count` frames of `size` bytes on one interface named `name`
    // with `description`, all in `direction`, and what tshark reads from it.
    void expect_one_edge(const fs::path& path, const std::string& name, const std::string& description,
                         unsigned count, unsigned size, std::uint32_t direction) {
        PcapngFile pcap = read_pcapng(path);
        ASSERT_EQ(pcap.error, "");
        ASSERT_EQ(pcap.interfaces.size(), 1u);
        EXPECT_EQ(pcap.interfaces[0].link_type, 1);  // LINKTYPE_ETHERNET
        EXPECT_EQ(pcap.interfaces[0].snaplen, 65535u);
        EXPECT_EQ(pcap.interfaces[0].tsresol, 6);
        EXPECT_EQ(pcap.interfaces[0].name, name);
        EXPECT_EQ(pcap.interfaces[0].description, description);
        ASSERT_EQ(pcap.packets.size(), count);
        for (const PcapngPacket& p : pcap.packets) {
            EXPECT_EQ(p.interface_id, 0u);
            EXPECT_EQ(p.original, size);
            EXPECT_EQ(p.captured, size);
            EXPECT_TRUE(p.has_flags);
            EXPECT_EQ(p.flags & 3u, direction);
        }
        ASSERT_EQ(pcap.statistics.size(), 1u);
        EXPECT_EQ(pcap.statistics[0].counters[kIfDrop], 0u);
        EXPECT_EQ(pcap.statistics[0].counters[kUsrDeliv], count);
        if (!have_tshark()) return;
        std::vector<std::string> lines =
            tshark_fields(path, {"frame.len", "frame.interface_description", "frame.interface_name"});
        ASSERT_EQ(lines.size(), count);
        for (const std::string& line : lines) EXPECT_EQ(line, std::to_string(size) + "\t" + description + "\t" + name);
    }

    unsigned captures_ = 0;
};

// (a) above the IM: probe's binding to passthru's virtual miniport, its sends going down.
TEST_F(Capture, AboveTheImRecordsTheProtocolsSends) {
    fs::path out = file("above.pcapng");
    auto capture = start_capture({"probe@passthru-e0", "-w", out.string(), "--count", "50"});
    send("e0", 50, 61);  // 61 bytes: the packet data needs 3 bytes of padding
    ASSERT_EQ(capture->finish(), 0) << capture->err();
    EXPECT_NE(capture->out().find("50 packets captured, 0 dropped \u2192 " + out.string() + "\n"), std::string::npos)
        << capture->out();
    expect_one_edge(out, "probe@passthru-e0", "above passthru (protocol probe over adapter passthru-e0)", 50, 61,
                    kOutbound);
}

// (b) below the IM: passthru's own binding to the loop adapter, what passthru passes down.
TEST_F(Capture, BelowTheImRecordsWhatTheImPassesDown) {
    fs::path out = file("below.pcapng");
    auto capture = start_capture({"passthru@e0", "-w", out.string(), "--count", "40"});
    send("e0", 40, 1514);
    ASSERT_EQ(capture->finish(), 0) << capture->err();
    EXPECT_NE(capture->out().find("40 packets captured, 0 dropped"), std::string::npos) << capture->out();
    expect_one_edge(out, "passthru@e0", "below passthru (protocol passthru over adapter e0, miniport loop)", 40, 1514,
                    kOutbound);
}

// (c) an adapter: what the far loop miniport indicates.
TEST_F(Capture, AnAdapterRecordsItsMiniportsIndications) {
    fs::path out = file("adapter.pcapng");
    auto capture = start_capture({"e1", "--direction", "in", "-w", out.string(), "--count", "30"});
    send("e0", 30, 200);
    ASSERT_EQ(capture->finish(), 0) << capture->err();
    EXPECT_NE(capture->out().find("30 packets captured, 0 dropped"), std::string::npos) << capture->out();
    expect_one_edge(out, "e1", "adapter e1, below passthru (miniport loop)", 30, 200, kInbound);
}

// A miniport that indicates lookahead (NdisMEthIndicateReceive): the adapter's edge and the
// binding above it record header + lookahead, with the frame's whole length as its length.
TEST_F(Capture, LookaheadIndicationsKeepTheFramesLength) {
    ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "f0", "--param", "Wire=9"}).status, 0);
    CliResult add = run({"device", "add", "strata_loop", "--name", "f1", "--param", "Wire=9", "--param",
                         "IndicationStyle=1", "--param", "LookaheadBytes=0"});
    ASSERT_EQ(add.status, 0) << add.err;
    fs::path out = file("lookahead.pcapng");
    auto capture = start_capture({"f1", "passthru@f1", "--direction", "in", "-w", out.string(), "--count", "20"});
    send("f0", 10, 600);
    ASSERT_EQ(capture->finish(), 0) << capture->err();
    PcapngFile pcap = read_pcapng(out);
    ASSERT_EQ(pcap.error, "");
    ASSERT_EQ(pcap.packets.size(), 20u);
    std::vector<unsigned> per_interface(2, 0);
    for (const PcapngPacket& p : pcap.packets) {
        ++per_interface[p.interface_id];
        EXPECT_EQ(p.original, 600u);
        EXPECT_GE(p.captured, 14u);
        EXPECT_LE(p.captured, 600u);
        EXPECT_EQ(p.flags & 3u, kInbound);
    }
    EXPECT_EQ(per_interface, (std::vector<unsigned>{10, 10}));
    if (have_tshark()) {
        for (const std::string& line : tshark_fields(out, {"frame.len"})) EXPECT_EQ(line, "600");
    }
}

// Every edge of both stacks in one file: one IDB each, and each frame at every edge it crosses —
// down through probe, passthru and e0, up through e1, passthru and probe.
TEST_F(Capture, EveryEdgeOfTheStackInOneFile) {
    const std::vector<std::string> edges{"probe@passthru-e0", "passthru-e0", "passthru@e0", "e0",
                                         "e1",                "passthru@e1", "passthru-e1", "probe@passthru-e1"};
    fs::path out = file("all.pcapng");
    std::vector<std::string> args = edges;
    for (std::string a : {"-w", out.c_str(), "--count", "80", "--time-stamp-precision", "nano"}) args.push_back(a);
    auto capture = start_capture(args);
    send("e0", 10, 128);
    ASSERT_EQ(capture->finish(), 0) << capture->err();
    PcapngFile pcap = read_pcapng(out);
    ASSERT_EQ(pcap.error, "");
    ASSERT_EQ(pcap.interfaces.size(), edges.size());
    std::vector<unsigned> per_interface(edges.size(), 0);
    for (const PcapngPacket& p : pcap.packets) {
        ASSERT_LT(p.interface_id, edges.size());
        ++per_interface[p.interface_id];
        EXPECT_EQ(p.original, 128u);
        EXPECT_EQ(p.flags & 3u, p.interface_id < 4 ? kOutbound : kInbound) << edges[p.interface_id];
    }
    for (std::size_t i = 0; i < edges.size(); ++i) {
        EXPECT_EQ(pcap.interfaces[i].name, edges[i]);
        EXPECT_EQ(pcap.interfaces[i].tsresol, 9);
        EXPECT_EQ(per_interface[i], 10u) << edges[i];
    }
    EXPECT_EQ(pcap.interfaces[1].description, "adapter passthru-e0, above passthru (virtual miniport of passthru)");
    EXPECT_EQ(pcap.interfaces[7].description, "above passthru (protocol probe over adapter passthru-e1)");
    if (have_tshark()) {
        EXPECT_EQ(tshark_fields(out, {"frame.interface_name"}).size(), 80u);
    }
}

// --direction keeps only its side, and Ctrl-C (SIGINT, SIGTERM) ends a capture with a complete
// file whose statistics count what crossed the edge.
TEST_F(Capture, DirectionFilterAndInterruptLeaveCompleteFiles) {
    fs::path in_file = file("e0-in.pcapng"), out_file = file("e1-out.pcapng"), both_file = file("both.pcapng");
    auto e0_in = start_capture({"e0", "--direction", "in", "-w", in_file.string()});
    auto e1_out = start_capture({"e1", "--direction", "out", "-w", out_file.string()});
    auto both = start_capture({"passthru@e0", "-w", both_file.string()});
    send("e0", 20, 100);
    e0_in->signal(SIGINT);
    e1_out->signal(SIGTERM);
    both->signal(SIGINT);
    ASSERT_EQ(e0_in->finish(), 0) << e0_in->err();
    ASSERT_EQ(e1_out->finish(), 0) << e1_out->err();
    ASSERT_EQ(both->finish(), 0) << both->err();
    EXPECT_NE(e0_in->out().find("0 packets captured, 0 dropped"), std::string::npos) << e0_in->out();
    EXPECT_NE(e1_out->out().find("0 packets captured, 0 dropped"), std::string::npos) << e1_out->out();
    EXPECT_NE(both->out().find("20 packets captured, 0 dropped"), std::string::npos) << both->out();
    for (const fs::path& empty : {in_file, out_file}) {
        PcapngFile pcap = read_pcapng(empty);
        ASSERT_EQ(pcap.error, "") << empty;
        EXPECT_EQ(pcap.interfaces.size(), 1u);
        EXPECT_TRUE(pcap.packets.empty());
        ASSERT_EQ(pcap.statistics.size(), 1u);
        EXPECT_EQ(pcap.statistics[0].counters[kIfRecv], 0u);
    }
    PcapngFile pcap = read_pcapng(both_file);
    ASSERT_EQ(pcap.error, "");
    ASSERT_EQ(pcap.packets.size(), 20u);
    for (const PcapngPacket& p : pcap.packets) EXPECT_EQ(p.flags & 3u, kOutbound);
    ASSERT_EQ(pcap.statistics.size(), 1u);
    EXPECT_EQ(pcap.statistics[0].counters[kIfRecv], 20u);
    if (have_tshark()) {
        EXPECT_TRUE(tshark_fields(in_file, {"frame.len"}).empty());
        EXPECT_EQ(tshark_fields(both_file, {"frame.len"}).size(), 20u);
    }
}

// `strata stop` while a capture runs: the capture ends with what it had and a readable file.
TEST_F(Capture, HostStoppingEndsTheCaptureWithACompleteFile) {
    fs::path out = file("stopped.pcapng");
    auto capture = start_capture({"e1", "-w", out.string()});
    send("e0", 5, 64);
    CliResult stop = run({"stop"});
    ASSERT_EQ(stop.status, 0) << stop.err;
    ASSERT_EQ(capture->finish(), 0) << capture->err();
    EXPECT_NE(capture->out().find("5 packets captured"), std::string::npos) << capture->out();
    PcapngFile pcap = read_pcapng(out);
    ASSERT_EQ(pcap.error, "");
    EXPECT_EQ(pcap.packets.size(), 5u);
}

TEST_F(Capture, ListNamesEveryAdapterAndBinding) {
    CliResult list = run({"capture", "--list", "--json"});
    ASSERT_EQ(list.status, 0) << list.err;
    nlohmann::json edges = nlohmann::json::parse(list.out, nullptr, false);
    ASSERT_TRUE(edges.is_array()) << list.out;
    std::map<std::string, std::string> described;
    for (const auto& e : edges) described[e.value("name", "")] = e.value("description", "");
    EXPECT_EQ(described["e0"], "adapter e0, below passthru (miniport loop)");
    EXPECT_EQ(described["passthru@e0"], "below passthru (protocol passthru over adapter e0, miniport loop)");
    EXPECT_EQ(described["probe@passthru-e0"], "above passthru (protocol probe over adapter passthru-e0)");
    EXPECT_EQ(described.size(), 8u) << list.out;
}

TEST_F(Capture, BadEdgeNamesAreOneLineExitTwoAndNoFile) {
    for (std::vector<std::string> edge : {std::vector<std::string>{"nosuch"}, {"probe@nosuch"}, {"nosuch@e0"},
                                          {"e0", "e0"}}) {
        fs::path out = file("never.pcapng");
        std::vector<std::string> args{"capture"};
        args.insert(args.end(), edge.begin(), edge.end());
        args.insert(args.end(), {"-w", out.string(), "--count", "1"});
        CliResult r = run(args);
        EXPECT_EQ(r.status, 2) << edge[0];
        EXPECT_TRUE(one_line(r.err)) << r.err;
        EXPECT_NE(r.err.find(edge[0]), std::string::npos) << r.err;
        EXPECT_FALSE(fs::exists(out)) << edge[0];
    }
    // The edge stays free for the next capture after a refused one.
    fs::path out = file("after.pcapng");
    auto capture = start_capture({"e0", "-w", out.string(), "--count", "1"});
    send("e0", 1, 60);
    EXPECT_EQ(capture->finish(), 0) << capture->err();
}

TEST_F(Capture, WithoutARunningHostSaysSo) {
    ASSERT_EQ(run({"stop"}).status, 0);
    fs::path out = file("nohost.pcapng");
    CliResult r = run({"capture", "e0", "-w", out.string()});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(one_line(r.err)) << r.err;
    EXPECT_NE(r.err.find("no host is running"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
}

}  // namespace
