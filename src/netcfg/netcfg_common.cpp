// netcfg_common.cpp — registry paths, text and value helpers shared by the installer and the
// binding engine (seed 003 ch. 4). Pure functions, or registry reads inside the caller's transaction.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <random>

#include "netcfg/netcfg_internal.h"

namespace strata::netcfg::detail {

std::string services_key(std::string_view service) {
    return std::string(kCurrentControlSet) + "\\Services\\" + std::string(service);
}

std::string network_key(std::string_view class_guid) {
    return std::string(kCurrentControlSet) + "\\Control\\Network\\" + std::string(class_guid);
}

std::string net_class_key() { return std::string(kCurrentControlSet) + "\\Control\\Class\\" + std::string(kNetClassGuid); }

std::string enum_root_net_key() { return std::string(kCurrentControlSet) + "\\Enum\\ROOT\\NET"; }

std::string binding_paths_key() { return std::string(kCurrentControlSet) + "\\Control\\Network\\BindingPaths"; }

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string where(const SourceLocation& at) {
    if (at.line == 0) return at.file;
    return at.file + ":" + std::to_string(at.line);
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i != 0) out += separator;
        out += parts[i];
    }
    return out;
}

bool contains_ci(const std::vector<std::string>& list, std::string_view item) {
    return std::any_of(list.begin(), list.end(), [&](const std::string& s) { return inf_iequals(s, item); });
}

std::string new_guid() {
    static std::random_device device;
    std::mt19937_64 engine((static_cast<uint64_t>(device()) << 32) ^ device());
    unsigned char b[16];
    for (unsigned char& byte : b) byte = static_cast<unsigned char>(engine());
    b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
    char text[40];
    std::snprintf(text, sizeof text, "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return text;
}

std::optional<std::string> read_string(Registry& reg, std::string_view key, std::string_view name) {
    auto value = reg.get_value(key, name);
    if (!value) return std::nullopt;
    switch (value->type()) {
    case registry::ValueType::Sz:
    case registry::ValueType::ExpandSz: return value->as_string();
    case registry::ValueType::MultiSz: return join(value->as_multi_sz(), ",");
    case registry::ValueType::Dword: return std::to_string(value->as_dword());
    default: return std::nullopt;
    }
}

std::vector<std::string> read_list(Registry& reg, std::string_view key, std::string_view name) {
    auto value = reg.get_value(key, name);
    if (!value) return {};
    if (value->type() == registry::ValueType::MultiSz) {
        std::vector<std::string> out;
        for (const auto& s : value->as_multi_sz())
            for (auto& token : split_list(s)) out.push_back(std::move(token));
        return out;
    }
    auto text = read_string(reg, key, name);
    return text ? split_list(*text) : std::vector<std::string>{};
}

std::optional<uint32_t> read_dword(Registry& reg, std::string_view key, std::string_view name) {
    auto value = reg.get_value(key, name);
    if (!value) return std::nullopt;
    if (value->type() == registry::ValueType::Dword) return value->as_dword();
    if (value->type() == registry::ValueType::Sz) {
        auto n = inf_number(value->as_string(), /*allow_negative=*/false);
        if (n && *n >= 0 && *n <= 0xFFFFFFFFll) return static_cast<uint32_t>(*n);
    }
    return std::nullopt;
}

}  // namespace strata::netcfg::detail
