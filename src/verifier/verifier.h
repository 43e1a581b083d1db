// verifier.h — the driver verifier's reporting side (DESIGN.md "Verifier"): every detected
// driver mistake becomes one report naming the driver, the rule, the object and a backtrace,
// and is counted. Cheap checks (handles, NULLs, states) always run; costly ones run when
// enabled() — `--verify` or the registry switch (VerifyDrivers, registry_switch.h); checks
// that can name the driver they check run only for the drivers verifying() lists.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::verifier {

enum class Rule : std::uint16_t {
    InvalidHandle,            // a handle that is not (or no longer) the kind the call takes
    NullParameter,            // NULL where the documentation does not allow it
    BadCharacteristics,       // characteristics length/version/mandatory handler
    IrqlTooHigh,              // called above the function's documented maximum IRQL
    BlockingAtDispatch,       // a wait at DISPATCH_LEVEL
    SpinLockMisuse,           // release of a lock not held, recursive acquire, wrong IRQL
    PacketNotOwned,           // indicating/returning/completing a packet the caller does not own
    PacketReturnMismatch,     // NdisReturnPackets count disagrees with ProtocolReceivePacket's result
    PacketDescriptorReplaced, // an IM replaced a packet descriptor it was not given
    TransferDataOutsideReceive, // NdisTransferData outside ProtocolReceive, or twice
    ReinitializeWithBuffers,  // NdisReinitializePacket with buffers still chained
    DoubleFree,               // a packet/buffer/memory block freed twice
    ResetNotStarted,          // NdisMResetComplete with no reset in progress
    RequestOutstanding,       // a second OID on a binding while one is outstanding
    RequestBadStatus,         // a completion status the documentation does not allow
    CompletionWithoutCall,    // completing something NDIS never handed to the driver
    Watchdog,                 // an OID or send not completed in time
    PoolLeak,                 // packet/buffer pool descriptors not freed at unload
    TagLeak,                  // tagged memory not freed at unload
    BadCall,                  // a call that is invalid in the object's current state
    NpiCaptureBalance,        // WSK: a provider NPI released more often than captured, or never
    Count_
};

const char* rule_name(Rule rule) noexcept;
std::string object_text(const void* object);  // "0x7f…", as reports print objects

struct Report {
    Rule rule;
    std::string driver;
    const void* object;
    std::string message;
    std::string backtrace;
};

// Read on hot paths, so inline: one relaxed load.
extern std::atomic<bool> g_enabled;
inline bool enabled() noexcept { return g_enabled.load(std::memory_order_relaxed); }
void set_enabled(bool on) noexcept;

// Which drivers the costly checks cover, as verifier.exe /driver names them: image names
// ("passthru.sys") or service names, case-insensitive. `all` (`--verify`, "*") or an empty list
// means every driver; a non-empty list or `all` turns enabled() on. Called when a host starts.
void set_verified_drivers(bool all, std::vector<std::string> images);
// The verifier is on for every driver (no VerifyDrivers list scopes it).
bool verifying_all() noexcept;
// The driver (a service name) is on the list, or there is no list. No lock, no allocation.
bool verifying_listed(std::string_view service) noexcept;
// The costly checks run for this driver.
inline bool verifying(std::string_view service) noexcept { return enabled() && verifying_listed(service); }

// Records and logs one violation; never throws, never aborts. `driver` may be empty when the
// caller cannot be attributed.
void report(Rule rule, std::string_view driver, const void* object, std::string_view message) noexcept;

std::uint64_t count(Rule rule) noexcept;
std::uint64_t total() noexcept;
std::vector<Report> reports();  // the most recent reports, oldest first
void clear();                   // forget reports and counts (tests)

// Called for every report (tests wait on it); replaces any earlier observer, nullptr removes.
void set_observer(std::function<void(const Report&)> observer);

}  // namespace strata::verifier
