// inf_text.h — the lexical layer of the INF parser (seed 003 ch. 4; Microsoft's "General Syntax
// Rules for INF Files"): bytes to UTF-8 text, physical lines to logical lines (comments removed,
// backslash continuations joined, section headers recognised), and a logical line to its key and
// fields. Internal to src/netcfg; the public view is inf.h.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netcfg/diagnostic.h"

namespace strata::netcfg::detail {

// UTF-16LE with BOM, UTF-8 with BOM, valid UTF-8, or else Windows-1252 → UTF-8. Malformed UTF-16
// becomes U+FFFD and is reported (INF1012) at line 0 of `file`. NULs are left for split_lines().
std::string decode_inf_bytes(std::string_view bytes, const std::string& file, std::vector<Diagnostic>& out);

// One logical line: a section header, or an entry with its continuations joined.
struct TextLine {
    unsigned line = 0;        // the first physical line, 1-based
    bool is_header = false;
    std::string name;         // is_header: the section name, exactly as between the brackets
    std::string text;         // entry: the joined line without comments, trimmed of blanks
};

// Splits decoded text into logical lines. Ctrl-Z ends the text; CRLF, LF and CR end lines;
// blank and comment-only lines are dropped. Reports INF1002..1006, INF1011, INF1013.
std::vector<TextLine> split_lines(std::string_view text, const std::string& file, std::vector<Diagnostic>& out);

// An entry split at its first unquoted '=' and its unquoted commas. Fields are trimmed of
// blanks but otherwise as written (quotes kept); `equals` is the offset of the '=' in the text.
struct SplitEntry {
    std::optional<std::string> raw_key;
    std::vector<std::string> raw_fields;
    std::optional<std::size_t> equals;
};
SplitEntry split_entry(std::string_view text);

// Removes the quoting of one field as written: a '"' opens or closes a quoted part, '""' inside a
// quoted part is one '"'. An unclosed quoted part runs to the end (split_lines reported it).
std::string unquote(std::string_view raw);

// Blanks INF syntax trims around fields: space and tab.
bool is_blank(char c) noexcept;
std::string_view trim_blanks(std::string_view s) noexcept;

// The length of UTF-8 text in UTF-16 units, the characters Windows' INF limits count.
std::size_t utf16_length(std::string_view utf8) noexcept;

}  // namespace strata::netcfg::detail
