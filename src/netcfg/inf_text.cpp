// inf_text.cpp — the lexical layer of the INF parser (seed 003 ch. 4; Microsoft's "General Syntax
// Rules for INF Files", "INF Strings Section"): decoding, comments, quotes, continuation lines,
// section headers and field splitting, with Windows' rules. No substitution happens here.
//
// Rules, and the choices made where the documentation leaves room:
//  - ';' starts a comment outside a "quoted string" and outside a %strkey% token (the syntax rules
//    say so for both). A token, for this purpose, is '%', then characters other than blanks, '"',
//    ',' and '%', then '%': "%a;b%" keeps its ';', "50% ; note" is a comment.
//  - A '\' that is the last non-blank character before the end of the line or the comment, outside
//    quotes, joins the next physical line (documented: `CopyFiles = "Dir\"\ ; comment`). Text is
//    joined as is; for "Dir\\" at the end, the first '\' is ordinary text and the second joins.
//  - A quoted part ends at the end of its physical line when unclosed (INF1006); quotes never span
//    lines, so a continuation cannot start inside quotes.
//  - A section header's name is the text between '[' and the first ']', kept exactly (the syntax
//    rules match "[;; Std Mfg ]" with its spaces and semicolons), never substituted.
#include "netcfg/inf_text.h"

#include <array>
#include <cstdint>

#include "netcfg/syntax_codes.h"
#include "ntos/string.h"

namespace strata::netcfg::detail {
namespace {

constexpr char kCtrlZ = '\x1A';
constexpr std::size_t kMaxSectionName = 255;  // "General Syntax Rules for INF Files"

// Windows-1252 0x80..0x9F; the five unassigned bytes map to the C1 controls, as Windows does.
constexpr std::array<char16_t, 32> kCp1252High{
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

// The length of the well-formed UTF-8 sequence at s[i] (no overlongs, no surrogates, at most
// U+10FFFF), or 0 when it is not one.
std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char b = byte(i);
    if (b < 0x80) return 1;
    std::size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 0;
    if (len == 0 || b > 0xF4 || i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k)
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
    unsigned char b1 = byte(i + 1);
    if (b == 0xE0 && b1 < 0xA0) return 0;  // overlong
    if (b == 0xED && b1 >= 0xA0) return 0;  // surrogate
    if (b == 0xF0 && b1 < 0x90) return 0;  // overlong
    if (b == 0xF4 && b1 >= 0x90) return 0;  // beyond U+10FFFF
    return len;
}

bool valid_utf8(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size();) {
        std::size_t len = utf8_sequence(s, i);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

std::string utf8_replacing_invalid(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t len = utf8_sequence(s, i);
        if (len == 0) {
            ntos::append_utf8(out, 0xFFFD);
            ++i;
        } else {
            out.append(s.substr(i, len));
            i += len;
        }
    }
    return out;
}

std::string cp1252_to_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size() + s.size() / 8);
    for (char ch : s) {
        auto b = static_cast<unsigned char>(ch);
        char32_t c = b >= 0x80 && b < 0xA0 ? kCp1252High[b - 0x80] : b;
        ntos::append_utf8(out, c);
    }
    return out;
}

std::string utf16le_to_utf8(std::string_view bytes, const std::string& file, std::vector<Diagnostic>& out) {
    std::u16string units;
    units.reserve(bytes.size() / 2 + 1);
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2)
        units += static_cast<char16_t>(static_cast<unsigned char>(bytes[i]) |
                                       (static_cast<unsigned char>(bytes[i + 1]) << 8));
    bool odd = bytes.size() % 2 != 0;
    if (odd) units += char16_t{0xFFFD};
    std::size_t unpaired = 0;
    for (std::size_t i = 0; i < units.size(); ++i) {
        char16_t u = units[i];
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units.size() && units[i + 1] >= 0xDC00 && units[i + 1] <= 0xDFFF) {
            ++i;
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            ++unpaired;
        }
    }
    if (odd || unpaired != 0) {
        std::string why = odd ? "an odd number of bytes" : "";
        if (unpaired != 0) {
            if (!why.empty()) why += " and ";
            why += std::to_string(unpaired) + " unpaired surrogate" + (unpaired == 1 ? "" : "s");
        }
        out.push_back(make_diagnostic(syntax::kInvalidUtf16, {file, 0},
                                      "UTF-16 text has " + why + "; replaced by U+FFFD"));
    }
    return ntos::to_utf8(units);  // unpaired surrogates become U+FFFD there too
}

// Where the structure of a line is: its comment, its first '=', its commas, all outside quotes
// and %strkey% tokens; and whether a quoted part is still open at the end.
struct Scan {
    std::size_t comment = std::string_view::npos;
    std::optional<std::size_t> equals;
    std::vector<std::size_t> commas;
    bool open_quote = false;
};

// The end of the %strkey% token starting at s[i] == '%' (one past its closing '%'), or 0 when the
// '%' starts no token (see the file comment). "%%" is a token of its own: an escaped percent sign.
std::size_t token_end(std::string_view s, std::size_t i) noexcept {
    if (i + 1 < s.size() && s[i + 1] == '%') return i + 2;
    std::size_t j = i + 1;
    while (j < s.size() && !is_blank(s[j]) && s[j] != '"' && s[j] != ',' && s[j] != '%') ++j;
    if (j < s.size() && s[j] == '%' && j > i + 1) return j + 1;
    return 0;
}

Scan scan(std::string_view s) {
    Scan result;
    bool quoted = false;
    for (std::size_t i = 0; i < s.size();) {
        char c = s[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < s.size() && s[i + 1] == '"') {
                    i += 2;
                    continue;
                }
                quoted = false;
            }
            ++i;
            continue;
        }
        if (c == '"') {
            quoted = true;
        } else if (c == ';') {
            result.comment = i;
            break;
        } else if (c == '=' && !result.equals) {
            result.equals = i;
        } else if (c == ',') {
            result.commas.push_back(i);
        } else if (c == '%') {
            if (std::size_t end = token_end(s, i); end != 0) {
                i = end;
                continue;
            }
        }
        ++i;
    }
    result.open_quote = quoted;
    return result;
}

std::string_view trim_right(std::string_view s) noexcept {
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

// A header line: '[' is its first non-blank character. Appends the header to `lines`.
void header_line(std::string_view pl, unsigned line_no, const std::string& file, std::vector<TextLine>& lines,
                 std::vector<Diagnostic>& out) {
    std::size_t open = pl.find('[');
    std::size_t close = pl.find(']', open + 1);
    TextLine header{line_no, true, {}, {}};
    SourceLocation where{file, line_no};
    if (close == std::string_view::npos) {
        std::string_view rest = pl.substr(open + 1);
        rest = trim_right(rest.substr(0, rest.find(';')));
        header.name = std::string(rest);
        out.push_back(make_diagnostic(syntax::kUnclosedSectionHeader, where,
                                      "section header [" + header.name + " has no closing ]"));
    } else {
        header.name = std::string(pl.substr(open + 1, close - open - 1));
        std::string_view after = trim_blanks(pl.substr(close + 1));
        if (!after.empty() && after.front() != ';')
            out.push_back(make_diagnostic(syntax::kTextAfterSectionHeader, where,
                                          "text after [" + header.name + "] is ignored: '" + std::string(after) + "'"));
        if (header.name.empty())
            out.push_back(make_diagnostic(syntax::kEmptySectionName, where, "section header [] names no section"));
    }
    if (std::size_t n = utf16_length(header.name); n > kMaxSectionName)
        out.push_back(make_diagnostic(syntax::kSectionNameTooLong, where,
                                      "section name is " + std::to_string(n) + " characters long; Windows allows " +
                                          std::to_string(kMaxSectionName)));
    lines.push_back(std::move(header));
}

}  // namespace

bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim_blanks(std::string_view s) noexcept {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    return trim_right(s);
}

std::size_t utf16_length(std::string_view utf8) noexcept {
    std::size_t n = 0;
    for (char c : utf8) {
        auto b = static_cast<unsigned char>(c);
        if ((b & 0xC0) != 0x80) n += b >= 0xF0 ? 2 : 1;  // 4-byte sequences are surrogate pairs
    }
    return n;
}

std::string decode_inf_bytes(std::string_view bytes, const std::string& file, std::vector<Diagnostic>& out) {
    if (bytes.size() >= 2 && bytes[0] == '\xFF' && bytes[1] == '\xFE')
        return utf16le_to_utf8(bytes.substr(2), file, out);
    if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") return utf8_replacing_invalid(bytes.substr(3));
    if (valid_utf8(bytes)) return std::string(bytes);
    return cp1252_to_utf8(bytes);
}

std::vector<TextLine> split_lines(std::string_view text, const std::string& file, std::vector<Diagnostic>& out) {
    if (std::size_t eof = text.find(kCtrlZ); eof != std::string_view::npos) text = text.substr(0, eof);

    std::vector<TextLine> lines;
    std::optional<TextLine> pending;  // an entry whose last physical line ended in '\'
    unsigned line_no = 0;
    std::size_t nuls = 0;
    unsigned first_nul_line = 0;
    auto flush = [&] {
        if (!pending) return;
        pending->text = std::string(trim_blanks(pending->text));
        if (!pending->text.empty()) lines.push_back(std::move(*pending));
        pending.reset();
    };

    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t end = text.find_first_of("\r\n", pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view physical = text.substr(pos, end - pos);
        pos = end;
        if (pos < text.size()) pos += (text[pos] == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ? 2 : 1;
        ++line_no;

        std::string without_nuls;
        if (physical.find('\0') != std::string_view::npos) {
            for (char c : physical) {
                if (c == '\0') {
                    if (nuls++ == 0) first_nul_line = line_no;
                } else {
                    without_nuls += c;
                }
            }
            physical = without_nuls;
        }

        std::string_view content = trim_blanks(physical);
        if (!pending && !content.empty() && content.front() == '[') {
            header_line(physical, line_no, file, lines, out);
            continue;
        }
        Scan shape = scan(physical);
        if (shape.open_quote)
            out.push_back(make_diagnostic(syntax::kUnterminatedQuote, {file, line_no},
                                          "quoted string is not closed before the end of the line"));
        content = trim_right(physical.substr(0, shape.comment));
        bool continues = !shape.open_quote && !content.empty() && content.back() == '\\';
        if (continues) content.remove_suffix(1);
        if (!pending) pending = TextLine{line_no, false, {}, {}};
        pending->text += content;
        if (!continues) flush();
    }
    if (pending) {
        out.push_back(make_diagnostic(syntax::kContinuationAtEnd, {file, line_no},
                                      "the last line ends with '\\' but no line follows to join"));
        flush();
    }
    if (nuls != 0) {
        std::string message = std::to_string(nuls) + " NUL character" + (nuls == 1 ? "" : "s") +
                              " ignored (the first on this line)";
        if (nuls * 4 >= text.size()) message += "; is this a UTF-16 file without its byte-order mark (FF FE)?";
        out.push_back(make_diagnostic(syntax::kNulCharacter, {file, first_nul_line}, std::move(message)));
    }
    return lines;
}

SplitEntry split_entry(std::string_view text) {
    Scan shape = scan(text);
    SplitEntry entry;
    std::size_t start = 0;
    if (shape.equals) {
        entry.equals = shape.equals;
        entry.raw_key = std::string(trim_blanks(text.substr(0, *shape.equals)));
        start = *shape.equals + 1;
    }
    for (std::size_t comma : shape.commas) {
        if (comma < start) continue;
        entry.raw_fields.emplace_back(trim_blanks(text.substr(start, comma - start)));
        start = comma + 1;
    }
    entry.raw_fields.emplace_back(trim_blanks(text.substr(start)));
    return entry;
}

std::string unquote(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    bool quoted = false;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c != '"') {
            out += c;
        } else if (quoted && i + 1 < raw.size() && raw[i + 1] == '"') {
            out += '"';
            ++i;
        } else {
            quoted = !quoted;
        }
    }
    return out;
}

}  // namespace strata::netcfg::detail
