// adapter_instance_name.cpp — NdisMQueryAdapterInstanceName and NdisQueryAdapterInstanceName
// (ndis.h; seed 003 §2.4): an adapter's friendly name, the DriverDesc its instance key holds (what
// the INF's device description became at install), else its device name. The string is the
// caller's, freed with NdisFreeMemory(Buffer, MaximumLength, 0) as Microsoft documents.
#include <optional>
#include <string>

#include "ndis/handle_table.h"
#include "ndis/library.h"
#include "ndis/miniport.h"
#include "ndis/open.h"
#include "ntos/check.h"
#include "ntos/irql.h"
#include "ntos/pool.h"
#include "registry/registry.h"
#include "verifier/verifier.h"

namespace strata::ndis {
namespace {

// The instance key's DriverDesc, when the adapter has one (a registry failure counts as none).
std::optional<std::string> driver_description(const Miniport& miniport) {
    registry::Registry* reg = Library::instance().registry();
    if (reg == nullptr || miniport.instance_key.empty()) return std::nullopt;
    try {
        std::optional<registry::Value> value = reg->get_value(miniport.instance_key, "DriverDesc");
        if (value && (value->type() == registry::ValueType::Sz || value->type() == registry::ValueType::ExpandSz) &&
            !value->as_string().empty())
            return value->as_string();
    } catch (const registry::Error&) {
    }
    return std::nullopt;
}

// Fills *name with a NUL-terminated copy the caller frees with NdisFreeMemory.
NDIS_STATUS give_name(const Miniport& miniport, PNDIS_STRING name) {
    std::u16string text = to_utf16(driver_description(miniport).value_or(miniport.device_name));
    constexpr std::size_t kMaxCharacters = (MAXUSHORT - sizeof(WCHAR)) / sizeof(WCHAR);
    if (text.size() > kMaxCharacters) text.resize(kMaxCharacters);
    auto bytes = static_cast<USHORT>(text.size() * sizeof(WCHAR));
    PVOID buffer = nullptr;
    if (NdisAllocateMemoryWithTag(&buffer, bytes + sizeof(WCHAR), ntos::kTagString) != NDIS_STATUS_SUCCESS)
        return NDIS_STATUS_RESOURCES;
    auto* characters = static_cast<WCHAR*>(buffer);
    text.copy(characters, text.size());
    characters[text.size()] = u'\0';
    name->Buffer = characters;
    name->Length = bytes;
    name->MaximumLength = static_cast<USHORT>(bytes + sizeof(WCHAR));
    return NDIS_STATUS_SUCCESS;
}

}  // namespace
}  // namespace strata::ndis

using namespace strata;
using namespace strata::ndis;

/* NdisMQueryAdapterInstanceName (ndis.h) — seed 003 §2.4.2 — IRQL == PASSIVE_LEVEL
 * The friendly name of the caller's own adapter (MiniportHandle: its MiniportAdapterHandle).
 * NDIS_STATUS_RESOURCES when the string cannot be allocated. */
extern "C" NDIS_STATUS NdisMQueryAdapterInstanceName(PNDIS_STRING pAdapterInstanceName, NDIS_HANDLE MiniportHandle) {
    constexpr const char* kFunction = "NdisMQueryAdapterInstanceName";
    ntos::irql_at_most(PASSIVE_LEVEL, kFunction);
    Miniport* miniport = miniport_from(MiniportHandle, kFunction);
    if (miniport == nullptr || !ntos::non_null(pAdapterInstanceName, kFunction)) return NDIS_STATUS_FAILURE;
    return give_name(*miniport, pAdapterInstanceName);
}

/* NdisQueryAdapterInstanceName (ndis.h) — seed 003 §2.4.1 — IRQL <= DISPATCH_LEVEL
 * The friendly name of the adapter (physical or an IM's virtual one) NdisBindingHandle is bound
 * to. NDIS_STATUS_RESOURCES when the string cannot be allocated. */
extern "C" NDIS_STATUS NdisQueryAdapterInstanceName(PNDIS_STRING pAdapterInstanceName, NDIS_HANDLE NdisBindingHandle) {
    constexpr const char* kFunction = "NdisQueryAdapterInstanceName";
    ntos::irql_at_most(DISPATCH_LEVEL, kFunction);
    auto* open = lookup<Open>(NdisBindingHandle, HandleKind::Open, kFunction);
    if (open == nullptr || open->miniport == nullptr || !ntos::non_null(pAdapterInstanceName, kFunction))
        return NDIS_STATUS_FAILURE;
    return give_name(*open->miniport, pAdapterInstanceName);
}
