// log.cpp — the host log (see log.h).
#include "common/log.h"

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

namespace strata::log {
namespace {

constexpr std::size_t kRingSize = 256;

Level level_from_env() {
    const char* v = std::getenv("STRATA_LOG");
    if (v == nullptr) return Level::warning;
    constexpr std::array<std::pair<const char*, Level>, 5> names{{{"trace", Level::trace},
        {"debug", Level::debug}, {"info", Level::info}, {"warning", Level::warning}, {"error", Level::error}}};
    for (const auto& [name, level] : names)
        if (std::strcmp(v, name) == 0) return level;
    return Level::warning;
}

std::atomic<Level> g_threshold{level_from_env()};

struct Ring {
    std::mutex mutex;
    std::array<std::string, kRingSize> lines;
    std::size_t next = 0;
    std::size_t count = 0;
};
Ring& ring() {
    static Ring r;
    return r;
}

const char* level_name(Level level) {
    switch (level) {
    case Level::trace: return "trace";
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warning: return "warning";
    case Level::error: return "error";
    }
    return "?";
}

}  // namespace

void set_threshold(Level level) { g_threshold.store(level, std::memory_order_relaxed); }
Level threshold() noexcept { return g_threshold.load(std::memory_order_relaxed); }

namespace {
thread_local ThreadCapture* tls_capture = nullptr;
}  // namespace

ThreadCapture::ThreadCapture() noexcept : outer_(tls_capture) { tls_capture = this; }
ThreadCapture::~ThreadCapture() { tls_capture = outer_; }

void write(Level level, std::string_view component, std::string_view message) {
    if (level >= Level::warning && tls_capture != nullptr) tls_capture->last_.assign(message);
    std::string line;
    line.reserve(component.size() + message.size() + 16);
    line.append(level_name(level)).append(" ").append(component).append(": ").append(message);
    if (level >= Level::info) {
        Ring& r = ring();
        std::lock_guard lock(r.mutex);
        r.lines[r.next] = line;
        r.next = (r.next + 1) % kRingSize;
        r.count = std::min(r.count + 1, kRingSize);
    }
    if (enabled(level)) std::fprintf(stderr, "strata: %s\n", line.c_str());
}

std::vector<std::string> recent() {
    Ring& r = ring();
    std::lock_guard lock(r.mutex);
    std::vector<std::string> out;
    out.reserve(r.count);
    std::size_t first = (r.next + kRingSize - r.count) % kRingSize;
    for (std::size_t i = 0; i < r.count; ++i) out.push_back(r.lines[(first + i) % kRingSize]);
    return out;
}

}  // namespace strata::log
