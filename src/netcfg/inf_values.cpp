// inf_values.cpp — the INF value rules of inf_values.h (seed 003 §4.2.2, §4.2.4, §4.2.7.13).
#include "netcfg/inf_values.h"

#include <algorithm>
#include <charconv>

#include "netcfg/inf.h"
#include "netcfg/netcfg.h"

namespace strata::netcfg {
namespace {

struct ClassRow {
    NetClass cls;
    std::string_view name;
    std::string_view guid;
};

// Seed §4.2.2's table (its OCR'd digits corrected against Microsoft's published GUIDs).
constexpr std::array<ClassRow, 5> kClasses{{
    {NetClass::Net, "Net", kNetClassGuid},
    {NetClass::NetTrans, "NetTrans", kNetTransClassGuid},
    {NetClass::NetClient, "NetClient", kNetClientClassGuid},
    {NetClass::NetService, "NetService", kNetServiceClassGuid},
    {NetClass::Infrared, "Infrared", "{6BDD1FC5-810F-11D0-BEC7-08002BE2092F}"},
}};

}  // namespace

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string trim(std::string_view text) {
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    return std::string(text);
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) comma = text.size();
        std::string token = trim(text.substr(start, comma - start));
        if (!token.empty()) out.push_back(std::move(token));
        start = comma + 1;
    }
    return out;
}

std::optional<uint8_t> hex_byte(std::string_view text) {
    std::string trimmed = trim(text);
    std::string_view digits = trimmed;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) digits.remove_prefix(2);
    if (digits.empty() || digits.size() > 2) return std::nullopt;
    unsigned value = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
    if (error != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    return static_cast<uint8_t>(value);
}

std::string_view class_name(NetClass c) {
    for (const auto& row : kClasses)
        if (row.cls == c) return row.name;
    return "unknown";
}

std::string_view class_guid(NetClass c) {
    for (const auto& row : kClasses)
        if (row.cls == c) return row.guid;
    return "";
}

NetClass class_from_guid(std::string_view guid) {
    for (const auto& row : kClasses)
        if (inf_iequals(trim(guid), row.guid)) return row.cls;
    return NetClass::Unknown;
}

NetClass class_from_name(std::string_view name) {
    for (const auto& row : kClasses)
        if (inf_iequals(trim(name), row.name)) return row.cls;
    return NetClass::Unknown;
}

bool is_filter_class(std::string_view name) {
    return std::any_of(kFilterClasses.begin(), kFilterClasses.end(),
                       [&](std::string_view c) { return inf_iequals(c, name); });
}

}  // namespace strata::netcfg
