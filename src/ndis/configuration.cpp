// configuration.cpp — NDIS configuration calls on the SQLite registry (seed 003 §2.4.2):
// NdisOpenConfiguration, NdisOpenProtocolConfiguration, NdisOpenConfigurationKeyByName/ByIndex,
// NdisReadConfiguration, NdisWriteConfiguration, NdisCloseConfiguration, NdisReadNetworkAddress.
// Returned parameters and strings stay valid until the handle is closed, as documented.
#include <cctype>
#include <cstdio>
#include <deque>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>

#include "ndis/handle_table.h"
#include "ndis/library.h"
#include "ntos/irql.h"
#include "registry/registry.h"
#include "verifier/fault.h"
#include "verifier/verifier.h"

using namespace strata;
using namespace strata::ndis;

namespace {

constexpr ULONG kNdisVersion = 0x00050001;
constexpr ULONG kEnvironmentWindowsNt = 1;  // NdisEnvironmentWindowsNt
constexpr ULONG kProcessorAmd64 = 4;        // NdisProcessorAmd64

// One open configuration key and the storage of everything NDIS returned through it.
struct ConfigurationKey {
    std::string path;
    NDIS_HANDLE handle = nullptr;
    struct Parameter {
        NDIS_CONFIGURATION_PARAMETER value{};
        std::u16string text;
        std::vector<std::uint8_t> bytes;
    };
    std::deque<Parameter> parameters;  // deque: addresses stay stable as it grows
    std::deque<std::u16string> names;
};

std::mutex g_keys_mutex;
std::vector<std::unique_ptr<ConfigurationKey>>& keys() {
    static std::vector<std::unique_ptr<ConfigurationKey>> all;
    return all;
}

NDIS_HANDLE open_key(std::string path) {
    auto key = std::make_unique<ConfigurationKey>();
    key->path = std::move(path);
    key->handle = HandleTable::instance().insert(HandleKind::Configuration, key.get());
    NDIS_HANDLE handle = key->handle;
    std::lock_guard lock(g_keys_mutex);
    keys().push_back(std::move(key));
    return handle;
}

registry::Registry* registry_or_null() { return Library::instance().registry(); }

bool key_exists(const std::string& path) {
    registry::Registry* reg = registry_or_null();
    try {
        return reg != nullptr && reg->key_exists(path);
    } catch (const registry::Error&) {
        return false;
    }
}

// "\Registry\Machine\System\..." (what Windows passes) and "HKLM\..." name the same key.
std::string registry_path(std::string path) {
    static constexpr std::string_view kMachine = "\\Registry\\Machine\\";
    if (path.size() >= kMachine.size() && iequals(std::string_view(path).substr(0, kMachine.size()), kMachine))
        return "HKLM\\" + path.substr(kMachine.size());
    return path;
}

std::optional<ULONG> parse_integer(const std::string& text, int base) {
    if (text.empty()) return std::nullopt;
    std::size_t used = 0;
    try {
        unsigned long long v = std::stoull(text, &used, base);
        if (used != text.size() || v > 0xFFFFFFFFull) return std::nullopt;
        return static_cast<ULONG>(v);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

PNDIS_CONFIGURATION_PARAMETER store_integer(ConfigurationKey& key, NDIS_PARAMETER_TYPE type, ULONG value) {
    auto& p = key.parameters.emplace_back();
    p.value.ParameterType = type;
    p.value.ParameterData.IntegerData = value;
    return &p.value;
}

PNDIS_CONFIGURATION_PARAMETER store_string(ConfigurationKey& key, NDIS_PARAMETER_TYPE type, std::u16string text) {
    auto& p = key.parameters.emplace_back();
    p.text = std::move(text);
    p.value.ParameterType = type;
    auto bytes = static_cast<USHORT>(p.text.size() * sizeof(WCHAR));
    p.value.ParameterData.StringData = {bytes, bytes, reinterpret_cast<PWSTR>(p.text.data())};
    return &p.value;
}

// The keywords NDIS answers without the registry.
std::optional<ULONG> builtin_keyword(const std::string& keyword) {
    if (iequals(keyword, "Environment")) return kEnvironmentWindowsNt;
    if (iequals(keyword, "ProcessorType")) return kProcessorAmd64;
    if (iequals(keyword, "NdisVersion")) return kNdisVersion;
    return std::nullopt;
}

PNDIS_CONFIGURATION_PARAMETER convert(ConfigurationKey& key, const registry::Value& value, NDIS_PARAMETER_TYPE wanted) {
    using registry::ValueType;
    switch (value.type()) {
    case ValueType::Dword: return store_integer(key, wanted == NdisParameterHexInteger ? wanted : NdisParameterInteger,
                                                value.as_dword());
    case ValueType::Sz:
    case ValueType::ExpandSz:
        if (wanted == NdisParameterInteger || wanted == NdisParameterHexInteger) {
            auto parsed = parse_integer(value.as_string(), wanted == NdisParameterHexInteger ? 16 : 10);
            return parsed ? store_integer(key, wanted, *parsed) : nullptr;
        }
        return store_string(key, NdisParameterString, to_utf16(value.as_string()));
    case ValueType::MultiSz: {
        std::u16string joined;
        for (const auto& s : value.as_multi_sz()) {
            joined += to_utf16(s);
            joined.push_back(u'\0');
        }
        return store_string(key, NdisParameterMultiString, std::move(joined));
    }
    case ValueType::Binary: {
        auto& p = key.parameters.emplace_back();
        p.bytes = value.as_bytes();
        p.value.ParameterType = NdisParameterBinary;
        p.value.ParameterData.BinaryData = {static_cast<USHORT>(p.bytes.size()), p.bytes.data()};
        return &p.value;
    }
    default: return nullptr;
    }
}

// A NULL out-pointer is a driver bug: report it, fail the call, write what can be written.
bool missing_out(PNDIS_STATUS status, std::initializer_list<const void*> outs, const char* function) {
    bool missing = status == nullptr;
    for (const void* out : outs) missing = missing || out == nullptr;
    if (!missing) return false;
    verifier::report(verifier::Rule::NullParameter, "", nullptr,
                     std::string(function) + ": Status and the out-parameters must not be NULL");
    if (status != nullptr) *status = NDIS_STATUS_FAILURE;
    return true;
}

ConfigurationKey* config_from(NDIS_HANDLE handle, const char* function) {
    return lookup<ConfigurationKey>(handle, HandleKind::Configuration, function);
}

}  // namespace

/* NdisOpenConfiguration (ndis.h) — seed 003 §2.4.2 — IRQL == PASSIVE_LEVEL
 * WrapperConfigurationContext is MiniportInitialize's; the key is the adapter's instance key. */
extern "C" VOID NdisOpenConfiguration(PNDIS_STATUS Status, PNDIS_HANDLE ConfigurationHandle,
                                      NDIS_HANDLE WrapperConfigurationContext) {
    if (missing_out(Status, {ConfigurationHandle}, "NdisOpenConfiguration")) return;
    *ConfigurationHandle = nullptr;
    if (verifier::fault::should_fail(verifier::fault::FaultCall::NdisOpenConfiguration)) {
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }
    auto* miniport = lookup<Miniport>(WrapperConfigurationContext, HandleKind::WrapperConfig, "NdisOpenConfiguration");
    if (miniport == nullptr || !key_exists(miniport->instance_key)) {
        *Status = NDIS_STATUS_FAILURE;
        return;
    }
    *ConfigurationHandle = open_key(miniport->instance_key);
    *Status = NDIS_STATUS_SUCCESS;
}

/* NdisOpenProtocolConfiguration (ndis.h) — seed 003 §2.4.1 — IRQL == PASSIVE_LEVEL
 * ProtocolSection is ProtocolBindAdapter's SystemSpecific1: the binding's parameters key. */
extern "C" VOID NdisOpenProtocolConfiguration(PNDIS_STATUS Status, PNDIS_HANDLE ConfigurationHandle,
                                              PNDIS_STRING ProtocolSection) {
    if (missing_out(Status, {ConfigurationHandle}, "NdisOpenProtocolConfiguration")) return;
    *ConfigurationHandle = nullptr;
    if (ProtocolSection == nullptr) {
        *Status = NDIS_STATUS_FAILURE;
        return;
    }
    std::string path = registry_path(to_utf8(*ProtocolSection));
    if (!key_exists(path)) {
        *Status = NDIS_STATUS_FAILURE;
        return;
    }
    *ConfigurationHandle = open_key(path);
    *Status = NDIS_STATUS_SUCCESS;
}

/* NdisOpenConfigurationKeyByName (ndis.h) — seed 003 §2.4.2 — IRQL == PASSIVE_LEVEL */
extern "C" VOID NdisOpenConfigurationKeyByName(PNDIS_STATUS Status, NDIS_HANDLE ConfigurationHandle,
                                               PNDIS_STRING SubKeyName, PNDIS_HANDLE SubKeyHandle) {
    if (missing_out(Status, {SubKeyHandle}, "NdisOpenConfigurationKeyByName")) return;
    *SubKeyHandle = nullptr;
    ConfigurationKey* key = config_from(ConfigurationHandle, "NdisOpenConfigurationKeyByName");
    if (key == nullptr || SubKeyName == nullptr) {
        *Status = NDIS_STATUS_FAILURE;
        return;
    }
    std::string path = key->path + "\\" + to_utf8(*SubKeyName);
    if (!key_exists(path)) {
        *Status = NDIS_STATUS_FAILURE;
        return;
    }
    *SubKeyHandle = open_key(path);
    *Status = NDIS_STATUS_SUCCESS;
}

/* NdisOpenConfigurationKeyByIndex (ndis.h) — seed 003 §2.4.2 — IRQL == PASSIVE_LEVEL
 * KeyName receives the sub-key's name, valid until ConfigurationHandle is closed. */
extern "C" VOID NdisOpenConfigurationKeyByIndex(PNDIS_STATUS Status, NDIS_HANDLE ConfigurationHandle, ULONG Index,
                                                PNDIS_STRING KeyName, PNDIS_HANDLE KeyHandle) {
    if (missing_out(Status, {KeyHandle}, "NdisOpenConfigurationKeyByIndex")) return;
    *KeyHandle = nullptr;
    ConfigurationKey* key = config_from(ConfigurationHandle, "NdisOpenConfigurationKeyByIndex");
    registry::Registry* reg = registry_or_null();
    if (key == nullptr || reg == nullptr) {
        *Status = NDIS_STATUS_FAILURE;
        return;
    }
    std::vector<std::string> names;
    try {
        names = reg->subkeys(key->path);
    } catch (const registry::Error&) {
        names.clear();
    }
    if (Index >= names.size()) {
        *Status = NDIS_STATUS_FAILURE;
        return;
    }
    if (KeyName != nullptr) {
        std::u16string& name = key->names.emplace_back(to_utf16(names[Index]));
        auto bytes = static_cast<USHORT>(name.size() * sizeof(WCHAR));
        *KeyName = {bytes, bytes, reinterpret_cast<PWSTR>(name.data())};
    }
    *KeyHandle = open_key(key->path + "\\" + names[Index]);
    *Status = NDIS_STATUS_SUCCESS;
}

/* NdisReadConfiguration (ndis.h) — seed 003 §2.4.2 — IRQL == PASSIVE_LEVEL
 * REG_SZ values convert to NdisParameterInteger (decimal) or HexInteger (hex) on request;
 * the keywords Environment, ProcessorType and NdisVersion are NDIS's own. */
extern "C" VOID NdisReadConfiguration(PNDIS_STATUS Status, PNDIS_CONFIGURATION_PARAMETER* ParameterValue,
                                      NDIS_HANDLE ConfigurationHandle, PNDIS_STRING Keyword,
                                      NDIS_PARAMETER_TYPE ParameterType) {
    ntos::irql_at_most(PASSIVE_LEVEL, "NdisReadConfiguration", ConfigurationHandle);
    if (missing_out(Status, {ParameterValue}, "NdisReadConfiguration")) return;
    *ParameterValue = nullptr;
    *Status = NDIS_STATUS_FAILURE;
    ConfigurationKey* key = config_from(ConfigurationHandle, "NdisReadConfiguration");
    registry::Registry* reg = registry_or_null();
    if (key == nullptr || Keyword == nullptr || reg == nullptr) return;
    std::string keyword = to_utf8(*Keyword);
    if (auto builtin = builtin_keyword(keyword)) {
        *ParameterValue = store_integer(*key, NdisParameterInteger, *builtin);
        *Status = NDIS_STATUS_SUCCESS;
        return;
    }
    try {
        std::optional<registry::Value> value = reg->get_value(key->path, keyword);
        if (!value) return;
        *ParameterValue = convert(*key, *value, ParameterType);
        if (*ParameterValue != nullptr) *Status = NDIS_STATUS_SUCCESS;
    } catch (const registry::Error&) {
        *ParameterValue = nullptr;
    }
}

/* NdisWriteConfiguration (ndis.h) — seed 003 §2.4.2 — IRQL == PASSIVE_LEVEL */
extern "C" VOID NdisWriteConfiguration(PNDIS_STATUS Status, NDIS_HANDLE ConfigurationHandle, PNDIS_STRING Keyword,
                                       PNDIS_CONFIGURATION_PARAMETER ParameterValue) {
    if (missing_out(Status, {}, "NdisWriteConfiguration")) return;
    *Status = NDIS_STATUS_FAILURE;
    ConfigurationKey* key = config_from(ConfigurationHandle, "NdisWriteConfiguration");
    registry::Registry* reg = registry_or_null();
    if (key == nullptr || Keyword == nullptr || ParameterValue == nullptr || reg == nullptr) return;
    const auto& data = ParameterValue->ParameterData;
    std::optional<registry::Value> value;
    switch (ParameterValue->ParameterType) {
    case NdisParameterInteger:
    case NdisParameterHexInteger: value = registry::Value::dword(data.IntegerData); break;
    case NdisParameterString: value = registry::Value::sz(to_utf8(data.StringData)); break;
    case NdisParameterMultiString: {
        std::vector<std::string> strings;
        std::u16string all(reinterpret_cast<const char16_t*>(data.StringData.Buffer), data.StringData.Length / sizeof(WCHAR));
        for (std::size_t start = 0; start < all.size();) {
            std::size_t end = all.find(u'\0', start);
            if (end == std::u16string::npos) end = all.size();
            if (end > start) strings.push_back(to_utf8(std::u16string_view(all).substr(start, end - start)));
            start = end + 1;
        }
        value = registry::Value::multi_sz(std::move(strings));
        break;
    }
    case NdisParameterBinary: {
        const auto* bytes = static_cast<const std::uint8_t*>(data.BinaryData.Buffer);
        value = registry::Value::binary(std::vector<std::uint8_t>(bytes, bytes + data.BinaryData.Length));
        break;
    }
    default: return;
    }
    try {
        reg->set_value(key->path, to_utf8(*Keyword), *value);
        *Status = NDIS_STATUS_SUCCESS;
    } catch (const registry::Error&) {
        *Status = NDIS_STATUS_FAILURE;
    }
}

/* NdisCloseConfiguration (ndis.h) — seed 003 §2.4.2 — IRQL == PASSIVE_LEVEL
 * Frees every parameter returned through the handle. */
extern "C" VOID NdisCloseConfiguration(NDIS_HANDLE ConfigurationHandle) {
    ConfigurationKey* key = config_from(ConfigurationHandle, "NdisCloseConfiguration");
    if (key == nullptr) return;
    HandleTable::instance().erase(ConfigurationHandle);
    std::lock_guard lock(g_keys_mutex);
    auto& all = keys();
    std::erase_if(all, [key](const auto& k) { return k.get() == key; });
}

/* NdisReadNetworkAddress (ndis.h) — seed 003 §2.4.2 — IRQL == PASSIVE_LEVEL
 * The NetworkAddress keyword: 12 hex digits (separators '-' or ':' allowed); a multicast address
 * is refused, as on Windows. */
extern "C" VOID NdisReadNetworkAddress(PNDIS_STATUS Status, PVOID* NetworkAddress, PUINT NetworkAddressLength,
                                       NDIS_HANDLE ConfigurationHandle) {
    if (missing_out(Status, {NetworkAddress, NetworkAddressLength}, "NdisReadNetworkAddress")) return;
    *Status = NDIS_STATUS_FAILURE;
    *NetworkAddress = nullptr;
    *NetworkAddressLength = 0;
    ConfigurationKey* key = config_from(ConfigurationHandle, "NdisReadNetworkAddress");
    registry::Registry* reg = registry_or_null();
    if (key == nullptr || reg == nullptr) return;
    std::optional<registry::Value> value;
    try {
        value = reg->get_value(key->path, "NetworkAddress");
    } catch (const registry::Error&) {
        return;
    }
    if (!value || value->type() != registry::ValueType::Sz) return;
    std::string digits;
    for (char c : value->as_string()) {
        if (c == '-' || c == ':') continue;
        if (!std::isxdigit(static_cast<unsigned char>(c))) return;
        digits.push_back(c);
    }
    if (digits.size() != 2 * ETH_LENGTH_OF_ADDRESS) return;
    auto& p = key->parameters.emplace_back();
    p.bytes.resize(ETH_LENGTH_OF_ADDRESS);
    for (std::size_t i = 0; i < ETH_LENGTH_OF_ADDRESS; ++i)
        p.bytes[i] = static_cast<std::uint8_t>(std::stoul(digits.substr(2 * i, 2), nullptr, 16));
    if (p.bytes[0] & 1) return;
    *NetworkAddress = p.bytes.data();
    *NetworkAddressLength = ETH_LENGTH_OF_ADDRESS;
    *Status = NDIS_STATUS_SUCCESS;
}
