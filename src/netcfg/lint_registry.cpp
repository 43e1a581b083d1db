// lint_registry.cpp — the linter's model of a network INF (seed 003 §4.2.7): classes, numbers,
// add-registry-section lines decoded per Microsoft's "INF AddReg Directive", components.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <utility>

#include "netcfg/lint_rules.h"

namespace strata::netcfg::lint_detail {

namespace {

struct ClassRow {
    NetClass cls;
    std::string_view name;
    std::string_view guid;
};

// Seed §4.2.2's table (its OCR'd digits corrected against Microsoft's published GUIDs).
constexpr std::array<ClassRow, 5> kClasses{{
    {NetClass::Net, "Net", "{4D36E972-E325-11CE-BFC1-08002BE10318}"},
    {NetClass::NetTrans, "NetTrans", "{4D36E973-E325-11CE-BFC1-08002BE10318}"},
    {NetClass::NetClient, "NetClient", "{4D36E974-E325-11CE-BFC1-08002BE10318}"},
    {NetClass::NetService, "NetService", "{4D36E975-E325-11CE-BFC1-08002BE10318}"},
    {NetClass::Infrared, "Infrared", "{6BDD1FC5-810F-11D0-BEC7-08002BE2092F}"},
}};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool is_hex_byte(std::string_view s) {
    s = trim(s);
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
    return !s.empty() && s.size() <= 2 &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

}  // namespace

std::string_view class_name(NetClass c) {
    for (const auto& row : kClasses)
        if (row.cls == c) return row.name;
    return "unknown";
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

std::optional<int64_t> parse_number(std::string_view text) {
    text = trim(text);
    bool negative = false;
    if (!text.empty() && text.front() == '-') {
        negative = true;
        text.remove_prefix(1);
    }
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text.remove_prefix(2);
    }
    if (text.empty()) return std::nullopt;
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (ec != std::errc{} || end != text.data() + text.size() || value > 0xFFFFFFFFFFFFull) return std::nullopt;
    auto signed_value = static_cast<int64_t>(value);
    return negative ? -signed_value : signed_value;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    while (true) {
        auto comma = text.find(',');
        auto item = trim(text.substr(0, comma));
        if (!item.empty()) out.push_back(lower(item));
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

std::string normalize_key(std::string_view subkey) {
    std::string out;
    for (char c : trim(subkey)) {
        if (c == '\\' && (out.empty() || out.back() == '\\')) continue;
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    while (!out.empty() && out.back() == '\\') out.pop_back();
    return out;
}

const std::string& RegEntry::text() const {
    static const std::string kEmpty;
    return data.empty() ? kEmpty : data.front();
}

std::optional<RegEntry> decode_reg_line(const InfLine& line, RegProblem& problem) {
    // A value holding an unquoted '=' makes the parser split a key off; the fields as written
    // are then the key followed by the rest, which is what an AddReg line means.
    std::vector<std::string> fields = line.fields;
    if (line.key) {
        fields.insert(fields.begin(), *line.key);
    }
    auto field = [&](std::size_t i) -> std::string { return i < fields.size() ? fields[i] : std::string(); };

    RegEntry e;
    e.line = &line;
    e.root = std::string(trim(field(0)));
    for (char& c : e.root) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    static constexpr std::array<std::string_view, 5> kRoots{"HKR", "HKLM", "HKCU", "HKCR", "HKU"};
    if (std::find(kRoots.begin(), kRoots.end(), e.root) == kRoots.end()) {
        problem = {"NET2703", "registry root '" + field(0) + "' is not HKR, HKLM, HKCU, HKCR or HKU"};
        return std::nullopt;
    }
    e.subkey = field(1);
    e.key = normalize_key(e.subkey);
    e.name = field(2);
    std::string flags_text = std::string(trim(field(3)));
    if (!flags_text.empty()) {
        auto flags = parse_number(flags_text);
        if (!flags || *flags < 0 || *flags > 0xFFFFFFFF) {
            problem = {"NET2704", "AddReg flags '" + flags_text + "' are not a number"};
            return std::nullopt;
        }
        e.flags = static_cast<uint32_t>(*flags);
    }
    // Low-word bits Microsoft documents for AddReg; the high word selects the type.
    constexpr uint32_t kKnownLow = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x1000 | 0x2000 | 0x4000;
    uint32_t high = e.flags >> 16;
    if ((e.flags & 0xFFFF & ~kKnownLow) != 0 || ((e.flags & kFlgBinValueType) == 0 && high > 2)) {
        problem = {"NET2704", "AddReg flags " + flags_text + " name no documented FLG_ADDREG_* combination"};
        return std::nullopt;
    }
    if (e.flags & kFlgBinValueType) {
        e.type = high == 1 ? RegType::Dword : high == 2 ? RegType::None : RegType::Binary;
    } else {
        e.type = high == 1 ? RegType::MultiSz : high == 2 ? RegType::ExpandSz : RegType::Sz;
    }
    e.data.assign(fields.begin() + std::min<std::size_t>(4, fields.size()), fields.end());
    if (e.deletes() || e.key_only() || e.data.empty()) return e;
    if (e.type == RegType::Dword && !parse_number(e.data.front())) {
        problem = {"NET2705", "REG_DWORD value '" + e.name + "' has non-numeric data '" + e.data.front() + "'"};
        return std::nullopt;
    }
    if (e.type == RegType::Binary) {
        for (const auto& byte : e.data)
            if (!is_hex_byte(byte)) {
                problem = {"NET2705", "binary value '" + e.name + "' has '" + byte + "', not a hex byte"};
                return std::nullopt;
            }
    }
    return e;
}

const RegEntry* Component::hkr(std::string_view key, std::string_view name) const {
    const RegEntry* found = nullptr;
    for (const auto& e : reg)
        if (e.root == "HKR" && e.key == key && inf_iequals(e.name, name) && !e.key_only())
            found = e.deletes() ? nullptr : &e;
    return found;
}

std::vector<const RegEntry*> Component::hkr_under(std::string_view key) const {
    std::vector<const RegEntry*> out;
    for (const auto& e : reg) {
        if (e.root != "HKR" || e.deletes()) continue;
        if (e.key == key || (e.key.size() > key.size() && e.key.compare(0, key.size(), key) == 0 &&
                             e.key[key.size()] == '\\'))
            out.push_back(&e);
    }
    return out;
}

SourceLocation Component::addreg_where() const {
    if (const InfLine* addreg = ddinstall->find("AddReg")) return addreg->where;
    return ddinstall->where;
}

const std::string& Component::first_hw_id() const {
    static const std::string kNone = "?";
    return hw_ids.empty() ? kNone : hw_ids.front();
}

Context::Context(const InfFile& inf_file) : inf(inf_file) {}

void Context::error(const SourceLocation& where, std::string_view code, std::string message) {
    found_.push_back({where, std::string(code), Severity::Error, std::move(message)});
}

void Context::warning(const SourceLocation& where, std::string_view code, std::string message) {
    found_.push_back({where, std::string(code), Severity::Warning, std::move(message)});
}

const InfSection* resolve_install(const InfFile& inf, std::string_view name,
                                  std::string_view models_decoration, std::string_view suffix) {
    if (const InfSection* s = inf.decorated(name, suffix)) return s;
    auto platform = models_decoration.substr(0, models_decoration.find('.'));
    if (platform.empty()) return nullptr;
    return inf.section(std::string(name) + "." + std::string(platform) + std::string(suffix));
}

}  // namespace strata::netcfg::lint_detail
