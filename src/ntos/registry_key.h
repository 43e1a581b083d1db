// registry_key.h — the registry a non-PnP driver reads its parameters from (issue 5 item 4):
// ZwOpenKey, ZwCreateKey, ZwQueryValueKey and ZwSetValueKey over the host's SQLite registry, with
// key handles in the kernel handle table (object.h). The host names the registry once at start.
#pragma once

#include <string>
#include <string_view>

namespace strata::registry { class Registry; }

namespace strata::ntos {

// The registry the Zw* key calls use, or nullptr (then every key is missing). The host sets it
// before it loads a driver and clears it after the last one is gone; `registry` must outlive that.
void set_registry(registry::Registry* registry) noexcept;

// An NT key name as the registry stores it: \Registry\Machine\X is HKLM\X, \Registry\User\X is
// HKU\X; the bare hives are HKLM and HKU. Empty for any other name (no such key here).
std::string registry_path_from_nt(std::string_view nt_name);

}  // namespace strata::ntos
