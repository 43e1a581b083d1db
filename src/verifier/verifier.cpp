// verifier.cpp — report storage, counting and backtraces for the driver verifier (verifier.h),
// and which drivers the costly checks cover (issue 7 §4).
#include "verifier/verifier.h"

#include <execinfo.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <memory>
#include <strings.h>

#include "common/log.h"
#include "verifier/images.h"

namespace strata::verifier {
namespace {

constexpr std::size_t kKeptReports = 512;

struct State {
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Rule::Count_)> counts{};
    std::mutex mutex;
    std::deque<Report> kept;
    std::function<void(const Report&)> observer;
};
State& state() {
    static State s;
    return s;
}

bool enabled_from_env() {
    const char* v = std::getenv("STRATA_VERIFY");
    return v != nullptr && v[0] != '\0' && v[0] != '0';
}

struct Backtrace {
    std::string text;
    std::string driver;  // the innermost frame's driver image, or ""
};

// Symbolised by backtrace_symbols (image path, symbol, offset): driver frames name the .sys.
Backtrace capture_backtrace() {
    std::array<void*, 24> frames{};
    int n = ::backtrace(frames.data(), static_cast<int>(frames.size()));
    Backtrace out;
    for (int i = 2; i < n && out.driver.empty(); ++i) out.driver = driver_at(frames[i]);
    char** symbols = ::backtrace_symbols(frames.data(), n);
    if (symbols == nullptr) return out;
    for (int i = 2; i < n; ++i) out.text.append("    ").append(symbols[i]).append("\n");
    std::free(symbols);  // backtrace_symbols allocates with malloc
    return out;
}

}  // namespace

std::string object_text(const void* object) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(object)));
    return text;
}

const char* rule_name(Rule rule) noexcept {
    switch (rule) {
    case Rule::InvalidHandle: return "InvalidHandle";
    case Rule::NullParameter: return "NullParameter";
    case Rule::BadCharacteristics: return "BadCharacteristics";
    case Rule::IrqlTooHigh: return "IrqlTooHigh";
    case Rule::BlockingAtDispatch: return "BlockingAtDispatch";
    case Rule::SpinLockMisuse: return "SpinLockMisuse";
    case Rule::PacketNotOwned: return "PacketNotOwned";
    case Rule::PacketReturnMismatch: return "PacketReturnMismatch";
    case Rule::PacketDescriptorReplaced: return "PacketDescriptorReplaced";
    case Rule::TransferDataOutsideReceive: return "TransferDataOutsideReceive";
    case Rule::ReinitializeWithBuffers: return "ReinitializeWithBuffers";
    case Rule::DoubleFree: return "DoubleFree";
    case Rule::ResetNotStarted: return "ResetNotStarted";
    case Rule::RequestOutstanding: return "RequestOutstanding";
    case Rule::RequestBadStatus: return "RequestBadStatus";
    case Rule::CompletionWithoutCall: return "CompletionWithoutCall";
    case Rule::Watchdog: return "Watchdog";
    case Rule::PoolLeak: return "PoolLeak";
    case Rule::TagLeak: return "TagLeak";
    case Rule::BadCall: return "BadCall";
    case Rule::NpiCaptureBalance: return "NpiCaptureBalance";
    case Rule::Count_: break;
    }
    return "Unknown";
}

std::atomic<bool> g_enabled{enabled_from_env()};
void set_enabled(bool on) noexcept { g_enabled.store(on, std::memory_order_relaxed); }

namespace {

// The drivers VerifyDrivers lists (lower case, without ".sys"), or nullptr for every driver.
// Replaced only when a host starts; a replaced list is kept, so readers need no lock.
std::atomic<const std::vector<std::string>*> g_list{nullptr};

std::string image_stem(std::string_view name) {
    std::string stem;
    for (char c : name) stem += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (stem.ends_with(".sys")) stem.resize(stem.size() - 4);
    return stem;
}

bool same_stem(std::string_view service, const std::string& stem) noexcept {
    if (service.size() >= 4 && ::strncasecmp(service.data() + service.size() - 4, ".sys", 4) == 0)
        service.remove_suffix(4);
    return service.size() == stem.size() && ::strncasecmp(service.data(), stem.data(), stem.size()) == 0;
}

}  // namespace

void set_verified_drivers(bool all, std::vector<std::string> images) {
    static std::mutex retired_mutex;
    static std::vector<std::unique_ptr<std::vector<std::string>>> lists;
    for (std::string& image : images) image = image_stem(image);
    std::erase_if(images, [](const std::string& image) { return image.empty(); });
    all = all || enabled_from_env();
    const std::vector<std::string>* list = nullptr;
    if (!all && !images.empty()) {
        std::lock_guard lock(retired_mutex);
        list = lists.emplace_back(std::make_unique<std::vector<std::string>>(std::move(images))).get();
    }
    g_list.store(list, std::memory_order_release);
    if (all || list != nullptr) set_enabled(true);
}

bool verifying_all() noexcept { return enabled() && g_list.load(std::memory_order_acquire) == nullptr; }

bool verifying_listed(std::string_view service) noexcept {
    const std::vector<std::string>* list = g_list.load(std::memory_order_acquire);
    if (list == nullptr) return true;
    return std::any_of(list->begin(), list->end(), [&](const std::string& stem) { return same_stem(service, stem); });
}

void report(Rule rule, std::string_view driver, const void* object, std::string_view message) noexcept {
    try {
        State& s = state();
        s.counts[static_cast<std::size_t>(rule)].fetch_add(1, std::memory_order_relaxed);
        // A check that cannot name the driver (an ntos entry point) blames the driver whose
        // code is on the stack: the innermost frame inside a driver image.
        Backtrace trace = capture_backtrace();
        Report r{rule, driver.empty() ? trace.driver : std::string(driver), object, std::string(message),
                 std::move(trace.text)};
        std::string line = "driver=" + (r.driver.empty() ? std::string("?") : r.driver) + " rule=" +
                           rule_name(rule) + " object=" + object_text(object) +
                           ": " + r.message;
        log::write(log::Level::warning, "verifier", line);
        std::function<void(const Report&)> observer;
        {
            std::lock_guard lock(s.mutex);
            s.kept.push_back(r);
            if (s.kept.size() > kKeptReports) s.kept.pop_front();
            observer = s.observer;
        }
        if (observer) observer(r);
    } catch (...) {
        // Reporting must never take the host down; the count above already recorded it.
    }
}

std::uint64_t count(Rule rule) noexcept {
    return state().counts[static_cast<std::size_t>(rule)].load(std::memory_order_relaxed);
}

std::uint64_t total() noexcept {
    std::uint64_t sum = 0;
    for (const auto& c : state().counts) sum += c.load(std::memory_order_relaxed);
    return sum;
}

std::vector<Report> reports() {
    State& s = state();
    std::lock_guard lock(s.mutex);
    return {s.kept.begin(), s.kept.end()};
}

void clear() {
    State& s = state();
    std::lock_guard lock(s.mutex);
    s.kept.clear();
    for (auto& c : s.counts) c.store(0, std::memory_order_relaxed);
}

void set_observer(std::function<void(const Report&)> observer) {
    State& s = state();
    std::lock_guard lock(s.mutex);
    s.observer = std::move(observer);
}

}  // namespace strata::verifier
