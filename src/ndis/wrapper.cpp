// wrapper.cpp — miniport driver registration: NdisMInitializeWrapper, NdisMRegisterMiniport (and
// the characteristics checks NdisIMRegisterLayeredMiniport shares),
// NdisMRegisterUnloadHandler, NdisTerminateWrapper (seed 003 §2.3, §2.3.1.1).
#include <cstdio>
#include <memory>

#include "ndis/handle_table.h"
#include "ndis/library.h"
#include "ntos/irql.h"
#include "verifier/fault.h"
#include "verifier/verifier.h"

using namespace strata;
using namespace strata::ndis;

namespace {

struct RequiredHandler {
    const char* name;
    bool present;
};

NDIS_STATUS reject(MiniportDriver& driver, const char* api, NDIS_STATUS status, const char* why) {
    char message[256];
    std::snprintf(message, sizeof message, "%s: %s", api, why);
    verifier::report(verifier::Rule::BadCharacteristics, driver.service, driver.wrapper_handle, message);
    return status;
}

}  // namespace

/* NdisMInitializeWrapper (ndis.h) — seed 003 §2.3 — IRQL == PASSIVE_LEVEL
 * SystemSpecific1/2 are DriverEntry's DriverObject and RegistryPath; *NdisWrapperHandle is NULL
 * on failure. */
extern "C" VOID NdisMInitializeWrapper(PNDIS_HANDLE NdisWrapperHandle, PVOID SystemSpecific1,
                                       PVOID SystemSpecific2, PVOID SystemSpecific3) {
    (void)SystemSpecific3;
    if (NdisWrapperHandle == nullptr) {
        verifier::report(verifier::Rule::NullParameter, Library::loading_service(), nullptr,
                         "NdisMInitializeWrapper: NdisWrapperHandle is NULL");
        return;
    }
    *NdisWrapperHandle = nullptr;
    auto driver = std::make_unique<MiniportDriver>();
    driver->driver_object = static_cast<PDRIVER_OBJECT>(SystemSpecific1);
    driver->service = Library::loading_service();
    if (driver->service.empty() && SystemSpecific2 != nullptr) {
        std::string path = to_utf8(*static_cast<PUNICODE_STRING>(SystemSpecific2));
        driver->service = path.substr(path.find_last_of('\\') + 1);
    }
    MiniportDriver* raw = Library::instance().add_miniport_driver(std::move(driver));
    raw->wrapper_handle = HandleTable::instance().insert(HandleKind::Wrapper, raw);
    *NdisWrapperHandle = raw->wrapper_handle;
}

NDIS_STATUS strata::ndis::register_characteristics(MiniportDriver& driver, const void* characteristics, UINT length,
                                                   const char* api) {
    if (characteristics == nullptr) return reject(driver, api, NDIS_STATUS_FAILURE, "MiniportCharacteristics is NULL");
    const auto* chars = static_cast<const NDIS51_MINIPORT_CHARACTERISTICS*>(characteristics);
    UINT expected = 0;
    switch (chars->MajorNdisVersion * 10 + chars->MinorNdisVersion) {
    case 30: expected = sizeof(NDIS30_MINIPORT_CHARACTERISTICS); break;
    case 40: expected = sizeof(NDIS40_MINIPORT_CHARACTERISTICS); break;
    case 50: expected = sizeof(NDIS50_MINIPORT_CHARACTERISTICS); break;
    case 51: expected = sizeof(NDIS51_MINIPORT_CHARACTERISTICS); break;
    default: {
        char why[96];
        std::snprintf(why, sizeof why, "NDIS version %u.%u is not 3.0, 4.0, 5.0 or 5.1", chars->MajorNdisVersion,
                      chars->MinorNdisVersion);
        return reject(driver, api, NDIS_STATUS_BAD_VERSION, why);
    }
    }
    if (length < expected) {
        char why[128];
        std::snprintf(why, sizeof why, "CharacteristicsLength %u is shorter than %u for NDIS %u.%u", length, expected,
                      chars->MajorNdisVersion, chars->MinorNdisVersion);
        return reject(driver, api, NDIS_STATUS_BAD_CHARACTERISTICS, why);
    }
    NDIS51_MINIPORT_CHARACTERISTICS copy{};
    std::memcpy(&copy, chars, expected);
    const RequiredHandler required[] = {
        {"InitializeHandler", copy.InitializeHandler != nullptr},
        {"HaltHandler", copy.HaltHandler != nullptr},
        {"QueryInformationHandler", copy.QueryInformationHandler != nullptr},
        {"SetInformationHandler", copy.SetInformationHandler != nullptr},
        {"ResetHandler", copy.ResetHandler != nullptr},
        {"SendHandler or SendPacketsHandler", copy.SendHandler != nullptr || copy.SendPacketsHandler != nullptr},
    };
    for (const auto& handler : required) {
        if (!handler.present) {
            char why[96];
            std::snprintf(why, sizeof why, "mandatory %s is NULL", handler.name);
            return reject(driver, api, NDIS_STATUS_BAD_CHARACTERISTICS, why);
        }
    }
    std::lock_guard lock(Library::instance().mutex);
    driver.chars = copy;
    driver.registered = true;
    return NDIS_STATUS_SUCCESS;
}

/* NdisMRegisterMiniport (ndis.h) — seed 003 §2.3.1.1 — IRQL == PASSIVE_LEVEL
 * Validates the length against the declared version (3.0, 4.0, 5.0, 5.1: the seed lists 0x03
 * as valid for non-intermediate miniports) and the mandatory handlers, then keeps a
 * zero-extended copy of the characteristics. */
extern "C" NDIS_STATUS NdisMRegisterMiniport(NDIS_HANDLE NdisWrapperHandle,
                                             PNDIS_MINIPORT_CHARACTERISTICS MiniportCharacteristics,
                                             UINT CharacteristicsLength) {
    auto* driver = lookup<MiniportDriver>(NdisWrapperHandle, HandleKind::Wrapper, "NdisMRegisterMiniport");
    if (driver == nullptr) return NDIS_STATUS_FAILURE;
    if (verifier::fault::should_fail(verifier::fault::FaultCall::NdisMRegisterMiniport)) return NDIS_STATUS_RESOURCES;
    return register_characteristics(*driver, MiniportCharacteristics, CharacteristicsLength, "NdisMRegisterMiniport");
}

/* NdisMRegisterUnloadHandler (ndis.h) — seed 003 §2.3 — IRQL == PASSIVE_LEVEL */
extern "C" VOID NdisMRegisterUnloadHandler(NDIS_HANDLE NdisWrapperHandle, PDRIVER_UNLOAD UnloadHandler) {
    auto* driver = lookup<MiniportDriver>(NdisWrapperHandle, HandleKind::Wrapper, "NdisMRegisterUnloadHandler");
    if (driver == nullptr) return;
    driver->unload_handler = UnloadHandler;
}

/* NdisTerminateWrapper (ndis.h) — seed 003 §2.3 — IRQL == PASSIVE_LEVEL
 * Called when DriverEntry fails after NdisMInitializeWrapper, or from the unload handler. */
extern "C" VOID NdisTerminateWrapper(NDIS_HANDLE NdisWrapperHandle, PVOID SystemSpecific) {
    (void)SystemSpecific;
    auto* driver = lookup<MiniportDriver>(NdisWrapperHandle, HandleKind::Wrapper, "NdisTerminateWrapper");
    if (driver == nullptr) return;
    std::lock_guard lock(Library::instance().mutex);
    if (!driver->adapters.empty())
        verifier::report(verifier::Rule::BadCall, driver->service, NdisWrapperHandle,
                         "NdisTerminateWrapper: adapters are still initialised");
    HandleTable::instance().erase(NdisWrapperHandle);
    driver->wrapper_handle = nullptr;
    driver->registered = false;
}
