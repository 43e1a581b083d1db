// lint_registry.cpp — the linter's model of a network INF (seed 003 §4.2.7): add-registry-section
// lines decoded per Microsoft's "INF AddReg Directive", components; classes, numbers and flag
// values are inf_values.h's, shared with the installer.
#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "netcfg/lint_rules.h"

namespace strata::netcfg::lint_detail {

std::vector<std::string> split_lower(std::string_view text) {
    std::vector<std::string> tokens = split_list(text);
    for (std::string& token : tokens) token = lower(token);
    return tokens;
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
    e.root = trim(field(0));
    for (char& c : e.root) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    static constexpr std::array<std::string_view, 5> kRoots{"HKR", "HKLM", "HKCU", "HKCR", "HKU"};
    if (std::find(kRoots.begin(), kRoots.end(), e.root) == kRoots.end()) {
        problem = {"NET2703", "registry root '" + field(0) + "' is not HKR, HKLM, HKCU, HKCR or HKU"};
        return std::nullopt;
    }
    e.subkey = field(1);
    e.key = normalize_key(e.subkey);
    e.name = field(2);
    std::string flags_text = trim(field(3));
    if (!flags_text.empty()) {
        auto flags = inf_number(flags_text);
        if (!flags || *flags < 0 || *flags > 0xFFFFFFFF) {
            problem = {"NET2704", "AddReg flags '" + flags_text + "' are not a number"};
            return std::nullopt;
        }
        e.flags = static_cast<uint32_t>(*flags);
    }
    uint32_t high = e.flags >> 16;
    if (unknown_addreg_flags(e.flags) != 0 || ((e.flags & kFlgBinValueType) == 0 && high > 2)) {
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
    if (e.type == RegType::Dword && !inf_number(e.data.front())) {
        problem = {"NET2705", "REG_DWORD value '" + e.name + "' has non-numeric data '" + e.data.front() + "'"};
        return std::nullopt;
    }
    if (e.type == RegType::Binary) {
        for (const auto& byte : e.data)
            if (!hex_byte(byte)) {
                problem = {"NET2705", "binary value '" + e.name + "' has '" + byte + "', not a hex byte"};
                return std::nullopt;
            }
    }
    return e;
}

std::vector<RegEntry> addreg_entries(const InfFile& inf, const InfSection& section) {
    std::vector<RegEntry> entries;
    for (const InfLine* addreg : section.find_all("AddReg"))
        for (const auto& name : addreg->fields)
            if (const InfSection* reg = inf.section(name))
                for (const auto& line : reg->lines) {
                    RegProblem ignored;
                    if (auto entry = decode_reg_line(line, ignored)) entries.push_back(std::move(*entry));
                }
    return entries;
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
