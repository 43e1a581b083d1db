// stubs.h — the export manifest's stub side (STYLE rule 2): documented NDIS functions that are
// declared in ndis.h but not implemented yet. Each logs a FIXME and fails; the loader refuses a
// driver image that imports one, naming the function and the issue that will deliver it.
#pragma once

#include <span>
#include <string_view>

namespace strata::ndis {

struct StubExport {
    std::string_view name;
    std::string_view delivered_by;  // where the real implementation is planned
};

std::span<const StubExport> stub_exports() noexcept;
const StubExport* find_stub_export(std::string_view name) noexcept;

}  // namespace strata::ndis
