// fault.cpp — the fault injection rules and their counters (fault.h). Lock-free: a call's
// outcome depends only on its rule and on how many calls of it came before (a counter), so a
// seed replays the same failures for the same sequence of calls.
#include "verifier/fault.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <strings.h>

#include "common/log.h"

namespace strata::verifier::fault {

std::atomic<std::uint32_t> g_armed{0};

namespace {

constexpr std::size_t kCalls = static_cast<std::size_t>(FaultCall::Count_);

constexpr std::array<const char*, kCalls> kNames = {
    "NdisAllocateMemoryWithTag",  "NdisAllocateMemory",       "ExAllocatePoolWithTag",
    "ExAllocatePool",             "ExAllocatePool2",          "NdisAllocatePacketPool",
    "NdisAllocatePacketPoolEx",   "NdisAllocatePacket",       "NdisAllocateBufferPool",
    "NdisAllocateBuffer",         "NdisOpenAdapter",          "NdisRequest",
    "NdisRegisterProtocol",       "NdisMRegisterMiniport",    "NdisIMRegisterLayeredMiniport",
    "NdisIMInitializeDeviceInstanceEx", "NdisOpenConfiguration", "NdisMRegisterDevice",
    "IoAllocateIrp",              "IoAllocateMdl",            "WskRegister",
};

// A rule's fields are written only while `on` is false; readers load `on` with acquire.
struct Slot {
    std::atomic<bool> on{false};
    std::atomic<std::uint64_t> every{0};
    std::atomic<std::uint64_t> threshold{0};  // fail when hash < threshold (probability * 2^64)
    std::atomic<double> probability{0};
    std::atomic<std::uint64_t> seed{0};
    std::atomic<std::uint64_t> calls{0};
    std::atomic<std::uint64_t> injected{0};
    std::atomic<std::uint64_t> injected_total{0};
};
std::array<Slot, kCalls> g_slots;

// splitmix64: a well-mixed 64-bit value for call number n of a seed.
std::uint64_t mix(std::uint64_t x) noexcept {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

Slot& slot(FaultCall call) noexcept { return g_slots[static_cast<std::size_t>(call)]; }

}  // namespace

const char* fault_call_name(FaultCall call) noexcept {
    auto i = static_cast<std::size_t>(call);
    return i < kCalls ? kNames[i] : "Unknown";
}

std::optional<FaultCall> fault_call_from_name(std::string_view name) noexcept {
    for (std::size_t i = 0; i < kCalls; ++i)
        if (name.size() == std::char_traits<char>::length(kNames[i]) &&
            ::strncasecmp(name.data(), kNames[i], name.size()) == 0)
            return static_cast<FaultCall>(i);
    return std::nullopt;
}

std::string check_rule(const Rule& rule) {
    bool every = rule.every != 0;
    bool probability = rule.probability != 0;
    if (every == probability) return "give exactly one of --every N and --probability P";
    if (probability && !(rule.probability > 0 && rule.probability <= 1))
        return "--probability must be in (0, 1], not " + std::to_string(rule.probability);
    return {};
}

void arm(FaultCall call, const Rule& rule) noexcept {
    Slot& s = slot(call);
    disarm(call);
    s.every.store(rule.every, std::memory_order_relaxed);
    s.probability.store(rule.probability, std::memory_order_relaxed);
    // 2^64 * p, saturating at p = 1 (every call fails).
    double scaled = std::ldexp(rule.probability, 64);
    s.threshold.store(scaled >= 18446744073709551615.0 ? UINT64_MAX : static_cast<std::uint64_t>(scaled),
                      std::memory_order_relaxed);
    s.seed.store(rule.seed, std::memory_order_relaxed);
    s.calls.store(0, std::memory_order_relaxed);
    s.injected.store(0, std::memory_order_relaxed);
    s.on.store(true, std::memory_order_release);
    g_armed.fetch_add(1, std::memory_order_relaxed);
}

void disarm(FaultCall call) noexcept {
    if (slot(call).on.exchange(false, std::memory_order_acq_rel)) g_armed.fetch_sub(1, std::memory_order_relaxed);
}

void disarm_all() noexcept {
    for (std::size_t i = 0; i < kCalls; ++i) disarm(static_cast<FaultCall>(i));
}

std::vector<Armed> armed() {
    std::vector<Armed> out;
    for (std::size_t i = 0; i < kCalls; ++i) {
        const Slot& s = g_slots[i];
        if (!s.on.load(std::memory_order_acquire)) continue;
        out.push_back({static_cast<FaultCall>(i),
                       {s.every.load(std::memory_order_relaxed), s.probability.load(std::memory_order_relaxed),
                        s.seed.load(std::memory_order_relaxed)},
                       s.calls.load(std::memory_order_relaxed),
                       s.injected.load(std::memory_order_relaxed)});
    }
    return out;
}

std::uint64_t injected_total(FaultCall call) noexcept {
    return slot(call).injected_total.load(std::memory_order_relaxed);
}

bool should_fail_armed(FaultCall call) noexcept {
    Slot& s = slot(call);
    if (!s.on.load(std::memory_order_acquire)) return false;
    std::uint64_t n = s.calls.fetch_add(1, std::memory_order_relaxed) + 1;
    std::uint64_t every = s.every.load(std::memory_order_relaxed);
    bool fail = every != 0 ? n % every == 0
                           : mix(s.seed.load(std::memory_order_relaxed) ^ mix(n)) < s.threshold.load(std::memory_order_relaxed) ||
                                 s.threshold.load(std::memory_order_relaxed) == UINT64_MAX;
    if (!fail) return false;
    std::uint64_t k = s.injected.fetch_add(1, std::memory_order_relaxed) + 1;
    s.injected_total.fetch_add(1, std::memory_order_relaxed);
    char line[128];
    std::snprintf(line, sizeof line, "%s: injected failure %llu (call %llu since arming)", fault_call_name(call),
                  static_cast<unsigned long long>(k), static_cast<unsigned long long>(n));
    log::write(log::Level::warning, "fault", line);
    return true;
}

}  // namespace strata::verifier::fault
