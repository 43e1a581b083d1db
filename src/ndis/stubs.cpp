// stubs.cpp — documented NDIS functions not implemented yet (STYLE rule 2): each logs a loud
// FIXME and returns a failure, never success; the manifest below lets the driver loader refuse
// images that import them.
#include "ndis/stubs.h"

#include <algorithm>
#include <array>
#include <string>

#include <ndis.h>

#include "common/log.h"

namespace strata::ndis {
namespace {

constexpr std::string_view kLbfo = "the LBFO work (seed 003 chapter 3)";

constexpr std::array kStubs{
    StubExport{"NdisMSetMiniportSecondary", kLbfo},
    StubExport{"NdisMPromoteMiniport", kLbfo},
};

void fixme(const char* function) {
    log::write(log::Level::error, "ndis", std::string("FIXME: ") + function + " is not implemented; failing the call");
}

}  // namespace

std::span<const StubExport> stub_exports() noexcept { return kStubs; }

const StubExport* find_stub_export(std::string_view name) noexcept {
    auto it = std::find_if(kStubs.begin(), kStubs.end(), [&](const StubExport& s) { return s.name == name; });
    return it == kStubs.end() ? nullptr : &*it;
}

}  // namespace strata::ndis

using strata::ndis::fixme;

extern "C" {

NDIS_STATUS NdisMSetMiniportSecondary(NDIS_HANDLE, NDIS_HANDLE) {
    fixme(__func__);
    return NDIS_STATUS_NOT_SUPPORTED;
}
NDIS_STATUS NdisMPromoteMiniport(NDIS_HANDLE) {
    fixme(__func__);
    return NDIS_STATUS_NOT_SUPPORTED;
}

}  // extern "C"
