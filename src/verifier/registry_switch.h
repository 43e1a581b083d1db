// registry_switch.h — the verifier's registry switch, the Windows way (issue 7 §4): verifier.exe
// /standard /driver X.sys writes VerifyDrivers (REG_SZ, space-separated image names, "*" for
// all) and VerifyDriverLevel under Session Manager\Memory Management; the host reads them once
// at start, as Windows does at boot.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::registry { class Registry; }

namespace strata::verifier {

inline constexpr std::string_view kMemoryManagementKey =
    "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Memory Management";
inline constexpr std::string_view kVerifyDriversValue = "VerifyDrivers";
inline constexpr std::string_view kVerifyDriverLevelValue = "VerifyDriverLevel";
// verifier.exe /standard: special pool, IRQL checking, pool tracking, I/O verification,
// deadlock detection, DMA checking, security checks, miscellaneous checks, DDI compliance.
inline constexpr unsigned long kStandardLevel = 0x209BB;

struct Switch {
    bool all = false;                 // "*"
    std::vector<std::string> images;  // "passthru.sys", ...
};

// What the registry says (nullopt: the verifier is off there).
std::optional<Switch> read_switch(registry::Registry& reg);
// verifier /standard /driver ... (or /all); takes effect at the next host start.
void write_switch(registry::Registry& reg, const Switch& on);
// verifier /reset; false when nothing was set.
bool clear_switch(registry::Registry& reg);

// At host start: `--verify` (or STRATA_VERIFY) means every driver, else what the registry says.
void apply_switch(registry::Registry& reg, bool verify_all);

}  // namespace strata::verifier
