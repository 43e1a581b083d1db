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

constexpr std::string_view kIntermediateDrivers = "the intermediate-driver issue (seed 003 §2.3-2.11)";
constexpr std::string_view kLbfo = "the LBFO work (seed 003 chapter 3)";

constexpr std::array kStubs{
    StubExport{"NdisIMRegisterLayeredMiniport", kIntermediateDrivers},
    StubExport{"NdisIMDeregisterLayeredMiniport", kIntermediateDrivers},
    StubExport{"NdisIMAssociateMiniport", kIntermediateDrivers},
    StubExport{"NdisIMInitializeDeviceInstanceEx", kIntermediateDrivers},
    StubExport{"NdisIMCancelInitializeDeviceInstance", kIntermediateDrivers},
    StubExport{"NdisIMDeInitializeDeviceInstance", kIntermediateDrivers},
    StubExport{"NdisIMGetDeviceContext", kIntermediateDrivers},
    StubExport{"NdisIMGetBindingContext", kIntermediateDrivers},
    StubExport{"NdisIMGetCurrentPacketStack", kIntermediateDrivers},
    StubExport{"NdisIMCopySendPerPacketInfo", kIntermediateDrivers},
    StubExport{"NdisIMCopySendCompletePerPacketInfo", kIntermediateDrivers},
    StubExport{"NdisMRegisterDevice", kIntermediateDrivers},
    StubExport{"NdisMDeregisterDevice", kIntermediateDrivers},
    StubExport{"NdisMQueryAdapterInstanceName", kIntermediateDrivers},
    StubExport{"NdisQueryAdapterInstanceName", kIntermediateDrivers},
    StubExport{"NdisMSetMiniportSecondary", kLbfo},
    StubExport{"NdisMPromoteMiniport", kLbfo},
    StubExport{"NdisMRemoveMiniport", kLbfo},
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

NDIS_STATUS NdisIMRegisterLayeredMiniport(NDIS_HANDLE, PNDIS_MINIPORT_CHARACTERISTICS, UINT, PNDIS_HANDLE DriverHandle) {
    fixme(__func__);
    if (DriverHandle != nullptr) *DriverHandle = nullptr;
    return NDIS_STATUS_NOT_SUPPORTED;
}
VOID NdisIMDeregisterLayeredMiniport(NDIS_HANDLE) { fixme(__func__); }
VOID NdisIMAssociateMiniport(NDIS_HANDLE, NDIS_HANDLE) { fixme(__func__); }
NDIS_STATUS NdisIMInitializeDeviceInstanceEx(NDIS_HANDLE, PNDIS_STRING, NDIS_HANDLE) {
    fixme(__func__);
    return NDIS_STATUS_NOT_SUPPORTED;
}
NDIS_STATUS NdisIMCancelInitializeDeviceInstance(NDIS_HANDLE, PNDIS_STRING) {
    fixme(__func__);
    return NDIS_STATUS_NOT_SUPPORTED;
}
NDIS_STATUS NdisIMDeInitializeDeviceInstance(NDIS_HANDLE) {
    fixme(__func__);
    return NDIS_STATUS_NOT_SUPPORTED;
}
NDIS_HANDLE NdisIMGetDeviceContext(NDIS_HANDLE) {
    fixme(__func__);
    return nullptr;
}
NDIS_HANDLE NdisIMGetBindingContext(NDIS_HANDLE) {
    fixme(__func__);
    return nullptr;
}
PNDIS_PACKET_STACK NdisIMGetCurrentPacketStack(PNDIS_PACKET, BOOLEAN* StacksRemaining) {
    fixme(__func__);
    if (StacksRemaining != nullptr) *StacksRemaining = FALSE;
    return nullptr;
}
VOID NdisIMCopySendPerPacketInfo(PNDIS_PACKET, PNDIS_PACKET) { fixme(__func__); }
VOID NdisIMCopySendCompletePerPacketInfo(PNDIS_PACKET, PNDIS_PACKET) { fixme(__func__); }
NDIS_STATUS NdisMRegisterDevice(NDIS_HANDLE, PNDIS_STRING, PNDIS_STRING, PDRIVER_DISPATCH*, PDEVICE_OBJECT* pDeviceObject,
                                NDIS_HANDLE* NdisDeviceHandle) {
    fixme(__func__);
    if (pDeviceObject != nullptr) *pDeviceObject = nullptr;
    if (NdisDeviceHandle != nullptr) *NdisDeviceHandle = nullptr;
    return NDIS_STATUS_NOT_SUPPORTED;
}
NDIS_STATUS NdisMDeregisterDevice(NDIS_HANDLE) {
    fixme(__func__);
    return NDIS_STATUS_NOT_SUPPORTED;
}
NDIS_STATUS NdisMQueryAdapterInstanceName(PNDIS_STRING, NDIS_HANDLE) {
    fixme(__func__);
    return NDIS_STATUS_NOT_SUPPORTED;
}
NDIS_STATUS NdisQueryAdapterInstanceName(PNDIS_STRING, NDIS_HANDLE) {
    fixme(__func__);
    return NDIS_STATUS_NOT_SUPPORTED;
}
NDIS_STATUS NdisMSetMiniportSecondary(NDIS_HANDLE, NDIS_HANDLE) {
    fixme(__func__);
    return NDIS_STATUS_NOT_SUPPORTED;
}
NDIS_STATUS NdisMPromoteMiniport(NDIS_HANDLE) {
    fixme(__func__);
    return NDIS_STATUS_NOT_SUPPORTED;
}
NDIS_STATUS NdisMRemoveMiniport(NDIS_HANDLE) {
    fixme(__func__);
    return NDIS_STATUS_NOT_SUPPORTED;
}

}  // extern "C"
