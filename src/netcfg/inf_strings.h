// inf_strings.h — Strings sections and %strkey% substitution for the INF parser (seed 003 ch. 4;
// Microsoft's "INF Strings Section", "General Syntax Rules for INF Files", "Using Dirids").
// Internal to src/netcfg; the public view is InfFile::string() and InfFile::substitute().
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "netcfg/inf.h"

namespace strata::netcfg::detail {

// [Strings] or [Strings.<anything>], ASCII case-insensitive.
bool is_strings_section(std::string_view name);

// The strings of one INF file: the single Strings section Windows selects for a language.
class StringTable {
public:
    StringTable() = default;
    // Selects among `sections` (one file's, duplicates merged) and reads the selected section's
    // values. Reports INF1010, INF1015..1017 for every Strings section of the file.
    static StringTable build(std::span<const InfSection> sections, uint16_t language, std::vector<Diagnostic>& out);

    // The value of `key` (ASCII case-insensitive) in the selected section, or nullptr.
    const std::string* find(std::string_view key) const;
    // The selected section's name as written, or "" when the file has no usable Strings section.
    const std::string& selected() const { return selected_; }
    // Another Strings section of the file that defines `key` (for messages), or "".
    std::string defined_elsewhere(std::string_view key) const;

private:
    std::map<std::string, std::string> values_;                 // lower-case key -> value
    std::map<std::string, std::string> elsewhere_;              // lower-case key -> section name
    std::string selected_;
};

// `text` with %% turned into % and %strkey% tokens replaced, in one pass: an inserted value is
// not scanned again. A numeric token is a DIRID: replaced from `dirids`, else from the strings,
// else kept as written without complaint. Other unknown tokens are kept and listed in `unknown`.
struct Substituted {
    std::string text;
    std::vector<std::string> unknown;  // token names without their percent signs
    bool lone_percent = false;         // a '%' with no closing '%' on the rest of the text
};
Substituted substitute(std::string_view text, const StringTable& strings, const std::map<unsigned, std::string>& dirids);

}  // namespace strata::netcfg::detail
