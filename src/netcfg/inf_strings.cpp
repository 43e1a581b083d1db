// inf_strings.cpp — Strings sections and %strkey% substitution for the INF parser (seed 003 ch. 4;
// Microsoft's "INF Strings Section", "General Syntax Rules for INF Files", "Using Dirids").
//
// Windows' rules as documented, and the choices made where the documentation leaves room:
//  - Windows selects ONE Strings section for all tokens of the INF: [Strings.LLLL] with the exact
//    LANGID, else the primary language with SUBLANG_NEUTRAL, else the first section with the same
//    primary language, else the undecorated [Strings]. A key missing from the selected section is
//    not looked up in [Strings] ("You do need to duplicate all string tokens across all Strings.*
//    sections"); the INF1007 message says when another Strings section has it.
//  - A value is the whole rest of the line after '=': commas do not split it (an unquoted string
//    may not contain '"' or ';' but may contain commas). Blanks around it are dropped, quotes are
//    removed and "" inside quotes is one '"'. Nothing else is done to it: substitution is one pass
//    over the field, so a value inserted for %key% is not scanned again, and its own %% and
//    %tokens% stay as written.
//  - A key defined twice in one section: the first definition counts (INF1015).
//  - LLLL is read as hexadecimal of 1 to 4 digits ([Strings.407] is 0x0407).
#include "netcfg/inf_strings.h"

#include <charconv>

#include "netcfg/inf_text.h"
#include "netcfg/inf_values.h"
#include "netcfg/syntax_codes.h"

namespace strata::netcfg::detail {
namespace {

constexpr std::size_t kMaxStringValue = 4095;  // 4096 with its NUL (Windows Vista and later)
constexpr std::string_view kStrings = "strings";

// The LANGID of [Strings.LLLL], nullopt when the suffix is not 1..4 hex digits; nullopt for
// the undecorated [Strings] too (check that first).
std::optional<uint16_t> language_of(std::string_view name) {
    std::string_view suffix = name.substr(kStrings.size() + 1);
    unsigned value = 0;
    auto [end, error] = std::from_chars(suffix.data(), suffix.data() + suffix.size(), value, 16);
    if (error != std::errc() || end != suffix.data() + suffix.size() || suffix.empty() || suffix.size() > 4 ||
        suffix.front() == '+' || suffix.front() == '-')
        return std::nullopt;
    return static_cast<uint16_t>(value);
}

bool is_undecorated(std::string_view name) { return inf_iequals(name, kStrings); }

// The value text of a Strings line: everything after the first unquoted '='.
std::optional<std::string> value_of(const InfLine& line) {
    SplitEntry entry = split_entry(line.raw);
    if (!entry.equals) return std::nullopt;
    return unquote(trim_blanks(std::string_view(line.raw).substr(*entry.equals + 1)));
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

}  // namespace

bool is_strings_section(std::string_view name) {
    return name.size() >= kStrings.size() && inf_iequals(name.substr(0, kStrings.size()), kStrings) &&
           (name.size() == kStrings.size() || name[kStrings.size()] == '.');
}

StringTable StringTable::build(std::span<const InfSection> sections, uint16_t language, std::vector<Diagnostic>& out) {
    const InfSection* exact = nullptr;
    const InfSection* neutral = nullptr;
    const InfSection* same_primary = nullptr;
    const InfSection* undecorated = nullptr;
    const uint16_t primary = language & 0x3FF;

    StringTable table;
    for (const InfSection& section : sections) {
        if (!is_strings_section(section.name)) continue;
        if (is_undecorated(section.name)) {
            undecorated = &section;
        } else if (auto id = language_of(section.name)) {
            if (*id == language && !exact) exact = &section;
            if (*id == primary && !neutral) neutral = &section;
            if ((*id & 0x3FF) == primary && !same_primary) same_primary = &section;
        } else {
            out.push_back(make_diagnostic(syntax::kBadLanguageId, section.where,
                                          "[" + section.name + "]: '" + section.name.substr(kStrings.size() + 1) +
                                              "' is not a hexadecimal language ID; Windows never selects this section"));
        }
        // Per-section checks, and where each key is defined (for INF1007 messages).
        std::map<std::string, unsigned> seen;
        for (const InfLine& line : section.lines) {
            std::optional<std::string> value = value_of(line);
            if (!value) {
                out.push_back(make_diagnostic(syntax::kStringWithoutKey, line.where,
                                              "'" + line.raw + "' in [" + section.name + "] has no '='; it defines no string"));
                continue;
            }
            std::string key = lower(line.key.value_or(""));
            if (auto [it, inserted] = seen.emplace(key, line.where.line); !inserted) {
                out.push_back(make_diagnostic(syntax::kDuplicateStringKey, line.where,
                                              "string key '" + *line.key + "' is already defined in [" + section.name +
                                                  "] on line " + std::to_string(it->second) + "; the first definition is used"));
            }
            if (std::size_t length = utf16_length(*value); length > kMaxStringValue)
                out.push_back(make_diagnostic(syntax::kStringValueTooLong, line.where,
                                              "value of string key '" + *line.key + "' is " + std::to_string(length) +
                                                  " characters long; Windows allows " + std::to_string(kMaxStringValue)));
            table.elsewhere_.emplace(key, section.name);
        }
    }

    const InfSection* chosen = exact ? exact : neutral ? neutral : same_primary ? same_primary : undecorated;
    if (!chosen) return table;
    table.selected_ = chosen->name;
    for (const InfLine& line : chosen->lines) {
        std::optional<std::string> value = value_of(line);
        if (!value || !line.key) continue;
        table.values_.emplace(lower(*line.key), std::move(*value));
    }
    return table;
}

const std::string* StringTable::find(std::string_view key) const {
    auto it = values_.find(lower(key));
    return it == values_.end() ? nullptr : &it->second;
}

std::string StringTable::defined_elsewhere(std::string_view key) const {
    auto it = elsewhere_.find(lower(key));
    if (it == elsewhere_.end() || inf_iequals(it->second, selected_)) return {};
    return it->second;
}

Substituted substitute(std::string_view text, const StringTable& strings, const std::map<unsigned, std::string>& dirids) {
    Substituted result;
    result.text.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        char c = text[i];
        if (c != '%') {
            result.text += c;
            ++i;
            continue;
        }
        if (i + 1 < text.size() && text[i + 1] == '%') {
            result.text += '%';
            i += 2;
            continue;
        }
        std::size_t close = text.find('%', i + 1);
        if (close == std::string_view::npos) {
            result.lone_percent = true;
            result.text += '%';
            ++i;
            continue;
        }
        std::string_view token = text.substr(i + 1, close - i - 1);
        const std::string* value = nullptr;
        if (all_digits(token)) {
            unsigned dirid = 0;
            auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), dirid);
            if (error == std::errc() && end == token.data() + token.size()) {
                if (auto it = dirids.find(dirid); it != dirids.end()) value = &it->second;
            }
            if (!value) value = strings.find(token);
        } else {
            value = strings.find(token);
            if (!value) result.unknown.emplace_back(token);
        }
        if (value) {
            result.text += *value;
        } else {
            result.text.append(text.substr(i, close - i + 1));
        }
        i = close + 1;
    }
    return result;
}

}  // namespace strata::netcfg::detail
