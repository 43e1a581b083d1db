// fault.h — fault injection (DESIGN.md "Verifier", issue 7 §4), like Driver Verifier's low
// resources simulation: a named fallible call is made to fail every Nth time or at random with
// a seed, returning its documented failure. Entry points ask should_fail(), which costs one
// relaxed load while nothing is armed. An injected failure is logged and counted, not reported.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::verifier::fault {

// Spelled as the exported functions are (fault_call_name gives the string).
enum class FaultCall : std::uint8_t {
    NdisAllocateMemoryWithTag,
    NdisAllocateMemory,
    ExAllocatePoolWithTag,
    ExAllocatePool,
    ExAllocatePool2,
    NdisAllocatePacketPool,
    NdisAllocatePacketPoolEx,
    NdisAllocatePacket,
    NdisAllocateBufferPool,
    NdisAllocateBuffer,
    NdisOpenAdapter,
    NdisRequest,
    NdisRegisterProtocol,
    NdisMRegisterMiniport,
    NdisIMRegisterLayeredMiniport,
    NdisIMInitializeDeviceInstanceEx,
    NdisOpenConfiguration,
    NdisMRegisterDevice,
    IoAllocateIrp,
    IoAllocateMdl,
    WskRegister,
    Count_
};

const char* fault_call_name(FaultCall call) noexcept;
// Case-insensitive; nullopt for a name that is not a fallible call we know.
std::optional<FaultCall> fault_call_from_name(std::string_view name) noexcept;

struct Rule {
    std::uint64_t every = 0;   // fail calls N, 2N, 3N, ... after arming; 0 = use probability
    double probability = 0;    // in (0, 1]: each call fails with this chance
    std::uint64_t seed = 0;    // the random sequence: the same seed fails the same calls
};

// One line saying what is wrong with `rule`, or "" when it is valid.
std::string check_rule(const Rule& rule);

// Arms `call` (replacing its earlier rule, counting from zero again). The rule must be valid.
void arm(FaultCall call, const Rule& rule) noexcept;
void disarm(FaultCall call) noexcept;
void disarm_all() noexcept;

struct Armed {
    FaultCall call;
    Rule rule;
    std::uint64_t calls;     // calls seen since arming
    std::uint64_t injected;  // of those, failed on purpose
};
std::vector<Armed> armed();
// Failures injected into `call` since the process started (kept across disarming).
std::uint64_t injected_total(FaultCall call) noexcept;

extern std::atomic<std::uint32_t> g_armed;  // how many calls are armed
bool should_fail_armed(FaultCall call) noexcept;
// True when this call of `call` must fail; the caller then returns its documented failure.
inline bool should_fail(FaultCall call) noexcept {
    if (g_armed.load(std::memory_order_relaxed) == 0) [[likely]] return false;
    return should_fail_armed(call);
}

}  // namespace strata::verifier::fault
