// verifier.cpp — report storage, counting and backtraces for the driver verifier (verifier.h).
#include "verifier/verifier.h"

#include <execinfo.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <deque>
#include <mutex>

#include "common/log.h"

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

std::string capture_backtrace() {
    std::array<void*, 24> frames{};
    int n = ::backtrace(frames.data(), static_cast<int>(frames.size()));
    char** symbols = ::backtrace_symbols(frames.data(), n);
    std::string out;
    if (symbols == nullptr) return out;
    for (int i = 2; i < n; ++i) out.append("    ").append(symbols[i]).append("\n");
    std::free(symbols);  // backtrace_symbols allocates with malloc
    return out;
}

}  // namespace

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

void report(Rule rule, std::string_view driver, const void* object, std::string_view message) noexcept {
    try {
        State& s = state();
        s.counts[static_cast<std::size_t>(rule)].fetch_add(1, std::memory_order_relaxed);
        Report r{rule, std::string(driver), object, std::string(message), capture_backtrace()};
        std::string line = "driver=" + (r.driver.empty() ? std::string("?") : r.driver) + " rule=" +
                           rule_name(rule) + " object=" + std::to_string(reinterpret_cast<std::uintptr_t>(object)) +
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
