// protocol_registration.cpp — NdisRegisterProtocol and NdisDeregisterProtocol (seed 003
// §2.3.1.2): characteristics validated against the declared version (4.0, 5.0, 5.1).
#include <cstdio>
#include <memory>

#include "ndis/binding.h"
#include "ndis/handle_table.h"
#include "ndis/library.h"
#include "verifier/fault.h"
#include "verifier/verifier.h"

using namespace strata;
using namespace strata::ndis;

namespace {

void reject(PNDIS_STATUS status, NDIS_STATUS value, const char* why) {
    char message[256];
    std::snprintf(message, sizeof message, "NdisRegisterProtocol: %s", why);
    verifier::report(verifier::Rule::BadCharacteristics, Library::loading_service(), nullptr, message);
    *status = value;
}

}  // namespace

/* NdisRegisterProtocol (ndis.h) — seed 003 §2.3.1.2 — IRQL == PASSIVE_LEVEL
 * NDIS 5.1 protocols use the 5.0 characteristics layout. ProtocolTransferDataComplete is needed
 * only by protocols that call NdisTransferData, so NdisTransferData checks it, not this. */
extern "C" VOID NdisRegisterProtocol(PNDIS_STATUS Status, PNDIS_HANDLE NdisProtocolHandle,
                                     PNDIS_PROTOCOL_CHARACTERISTICS ProtocolCharacteristics,
                                     UINT CharacteristicsLength) {
    if (Status == nullptr || NdisProtocolHandle == nullptr) {
        verifier::report(verifier::Rule::NullParameter, Library::loading_service(), nullptr,
                         "NdisRegisterProtocol: Status or NdisProtocolHandle is NULL");
        return;
    }
    *NdisProtocolHandle = nullptr;
    if (verifier::fault::should_fail(verifier::fault::FaultCall::NdisRegisterProtocol)) {
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }
    if (ProtocolCharacteristics == nullptr) return reject(Status, NDIS_STATUS_FAILURE, "ProtocolCharacteristics is NULL");
    const auto* chars = reinterpret_cast<const NDIS50_PROTOCOL_CHARACTERISTICS*>(ProtocolCharacteristics);
    UINT expected = 0;
    switch (chars->MajorNdisVersion * 10 + chars->MinorNdisVersion) {
    case 40: expected = sizeof(NDIS40_PROTOCOL_CHARACTERISTICS); break;
    case 50:
    case 51: expected = sizeof(NDIS50_PROTOCOL_CHARACTERISTICS); break;
    default: {
        char why[96];
        std::snprintf(why, sizeof why, "NDIS version %u.%u is not 4.0, 5.0 or 5.1", chars->MajorNdisVersion,
                      chars->MinorNdisVersion);
        return reject(Status, NDIS_STATUS_BAD_VERSION, why);
    }
    }
    if (CharacteristicsLength < expected) {
        char why[128];
        std::snprintf(why, sizeof why, "CharacteristicsLength %u is shorter than %u for NDIS %u.%u",
                      CharacteristicsLength, expected, chars->MajorNdisVersion, chars->MinorNdisVersion);
        return reject(Status, NDIS_STATUS_BAD_CHARACTERISTICS, why);
    }
    auto protocol = std::make_unique<Protocol>();
    std::memcpy(&protocol->chars, chars, expected);
    const auto& c = protocol->chars;
    const struct { const char* name; bool present; } required[] = {
        {"OpenAdapterCompleteHandler", c.OpenAdapterCompleteHandler != nullptr},
        {"CloseAdapterCompleteHandler", c.CloseAdapterCompleteHandler != nullptr},
        {"SendCompleteHandler", c.SendCompleteHandler != nullptr},
        {"ResetCompleteHandler", c.ResetCompleteHandler != nullptr},
        {"RequestCompleteHandler", c.RequestCompleteHandler != nullptr},
        {"ReceiveHandler", c.ReceiveHandler != nullptr},
        {"ReceiveCompleteHandler", c.ReceiveCompleteHandler != nullptr},
        {"StatusHandler", c.StatusHandler != nullptr},
        {"StatusCompleteHandler", c.StatusCompleteHandler != nullptr},
        {"BindAdapterHandler", c.BindAdapterHandler != nullptr},
        {"UnbindAdapterHandler", c.UnbindAdapterHandler != nullptr},
        {"Name", c.Name.Buffer != nullptr && c.Name.Length != 0},
    };
    for (const auto& handler : required) {
        if (!handler.present) {
            char why[96];
            std::snprintf(why, sizeof why, "mandatory %s is missing", handler.name);
            return reject(Status, NDIS_STATUS_BAD_CHARACTERISTICS, why);
        }
    }
    protocol->name_storage.assign(reinterpret_cast<const char16_t*>(c.Name.Buffer), c.Name.Length / sizeof(WCHAR));
    protocol->name = to_utf8(protocol->name_storage);
    protocol->service = Library::loading_service();
    protocol->chars.Name.Buffer = reinterpret_cast<PWSTR>(protocol->name_storage.data());

    Library& library = Library::instance();
    std::lock_guard lock(library.mutex);
    if (library.find_protocol(protocol->name) != nullptr) {
        char why[160];
        std::snprintf(why, sizeof why, "a protocol named \"%s\" is already registered", protocol->name.c_str());
        return reject(Status, NDIS_STATUS_FAILURE, why);
    }
    Protocol* raw = library.add_protocol(std::move(protocol));
    raw->handle = HandleTable::instance().insert(HandleKind::Protocol, raw);
    *NdisProtocolHandle = raw->handle;
    *Status = NDIS_STATUS_SUCCESS;
}

/* NdisDeregisterProtocol (ndis.h) — seed 003 §2.3.1.2, §2.11 — IRQL == PASSIVE_LEVEL
 * Bindings the protocol still has are unbound first through its ProtocolUnbindAdapter. */
extern "C" VOID NdisDeregisterProtocol(PNDIS_STATUS Status, NDIS_HANDLE NdisProtocolHandle) {
    auto* protocol = lookup<Protocol>(NdisProtocolHandle, HandleKind::Protocol, "NdisDeregisterProtocol");
    if (protocol == nullptr) {
        if (Status != nullptr) *Status = NDIS_STATUS_FAILURE;
        return;
    }
    protocol->deregistering = true;
    unbind_all(*protocol);
    std::lock_guard lock(Library::instance().mutex);
    HandleTable::instance().erase(protocol->handle);
    protocol->handle = nullptr;
    if (Status != nullptr) *Status = NDIS_STATUS_SUCCESS;
}
