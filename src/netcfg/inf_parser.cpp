// inf_parser.cpp — InfFile: an INF file parsed with Windows' rules (seed 003 ch. 4; Microsoft's
// "General Syntax Rules for INF Files", "INF Strings Section", "INF DDInstall Section" for
// Include/Needs, "Using Dirids"). Lexing is in inf_text.cpp, Strings and substitution in
// inf_strings.cpp; this file builds sections, substitutes fields and follows Include= entries.
//
// Choices made where the documentation leaves room:
//  - Lines before the first section header are reported once (INF1001) and dropped.
//  - A header without ']' still opens the section it names (INF1002), so later lines land where
//    the author meant and the linter can check them.
//  - Lines of [Strings] / [Strings.LLLL] sections are only unquoted, never substituted.
//  - Include= (in any section, any number of times) names INFs to append. Each file is searched
//    for in the directory of the file naming it (load() only, or an Include'd file), then in
//    ParseOptions::include_dirs; a name is matched exactly, then ASCII case-insensitively, as on
//    Windows' file systems. A file found nowhere is skipped with INF1014 (Windows skips system
//    INFs it cannot find); a file found but unreadable throws InfError. A file already loaded
//    (same canonical path) is not loaded again, which also ends include cycles. Include'd files
//    are loaded breadth-first in order of their Include= entries; each is substituted with its
//    own Strings sections ("an included INF must have its own Strings section").
//  - Needs= is kept as an ordinary line; the installer acts on it.
//
// Contract: load() and parse() are synchronous and may run on any thread; they do file I/O
// (load(), Include=) and never throw for syntax. An InfFile is immutable once built, so any
// number of threads may read it at once.
#include "netcfg/inf.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <deque>
#include <set>
#include <system_error>

#include "netcfg/inf_strings.h"
#include "netcfg/inf_text.h"
#include "netcfg/inf_values.h"
#include "netcfg/syntax_codes.h"

namespace strata::netcfg {
namespace fs = std::filesystem;
using detail::StringTable;

namespace {

constexpr std::size_t kMaxField = 4095;  // 4096 with its NUL, before and after substitution

// What one file contributes: its sections (its own duplicates merged), its findings, and the
// Include= names it gives.
struct FileParse {
    std::vector<InfSection> sections;
    StringTable strings;
    std::vector<Diagnostic> diagnostics;
    struct Include {
        std::string name;
        SourceLocation where;
    };
    std::vector<Include> includes;
};

// Substitutes one key or field of `line`, reporting what Windows would stumble on.
std::string substitute_field(const std::string& raw, const InfLine& line, const StringTable& strings,
                             const ParseOptions& options, std::set<std::string>& reported_tokens,
                             std::vector<Diagnostic>& out) {
    std::string unquoted = detail::unquote(raw);
    detail::Substituted result = detail::substitute(unquoted, strings, options.dirids);
    std::size_t before = detail::utf16_length(unquoted);
    if (before > kMaxField) {
        out.push_back(make_diagnostic(syntax::kFieldTooLong, line.where,
                                      "field is " + std::to_string(before) + " characters long; Windows allows " +
                                          std::to_string(kMaxField)));
    } else if (std::size_t after = detail::utf16_length(result.text); after > kMaxField) {
        out.push_back(make_diagnostic(syntax::kSubstitutedTooLong, line.where,
                                      "field is " + std::to_string(after) +
                                          " characters long after string substitution; Windows allows " +
                                          std::to_string(kMaxField)));
    }
    for (const std::string& token : result.unknown) {
        if (!reported_tokens.insert(lower(token)).second) continue;
        std::string message = "%" + token + "% ";
        if (strings.selected().empty()) {
            message += "names no string: the file has no Strings section";
        } else {
            message += "is not defined in [" + strings.selected() + "]";
            if (std::string other = strings.defined_elsewhere(token); !other.empty())
                message += " (it is in [" + other + "], but Windows reads only the Strings section it selects)";
        }
        out.push_back(make_diagnostic(syntax::kUnknownStringKey, line.where, message + "; kept as written"));
    }
    if (result.lone_percent)
        out.push_back(make_diagnostic(syntax::kLonePercent, line.where,
                                      "'" + raw + "' has a single %; write %% for a literal percent sign"));
    return std::move(result.text);
}

// Parses one file's bytes into sections, then substitutes every line with the file's strings.
FileParse parse_one(std::string_view bytes, const std::string& file, const ParseOptions& options) {
    FileParse parse;
    std::vector<Diagnostic>& out = parse.diagnostics;
    std::string text = detail::decode_inf_bytes(bytes, file, out);

    std::map<std::string, std::size_t> index;  // lower-case name -> parse.sections
    std::optional<std::size_t> current;
    bool reported_outside = false;
    for (detail::TextLine& text_line : detail::split_lines(text, file, out)) {
        if (text_line.is_header) {
            auto [it, inserted] = index.emplace(lower(text_line.name), parse.sections.size());
            if (inserted) parse.sections.push_back(InfSection{text_line.name, {file, text_line.line}, {}});
            current = it->second;
            continue;
        }
        if (!current) {
            if (!reported_outside)
                out.push_back(make_diagnostic(syntax::kLineOutsideSection, {file, text_line.line},
                                              "'" + text_line.text + "' comes before the first [section] header"));
            reported_outside = true;
            continue;
        }
        detail::SplitEntry entry = detail::split_entry(text_line.text);
        InfLine line;
        line.where = {file, text_line.line};
        line.key = std::move(entry.raw_key);  // as written until substituted below
        line.raw_fields = std::move(entry.raw_fields);
        line.raw = std::move(text_line.text);
        parse.sections[*current].lines.push_back(std::move(line));
    }

    // Strings sections are only unquoted; their keys are what StringTable::build reads.
    for (InfSection& section : parse.sections) {
        if (!detail::is_strings_section(section.name)) continue;
        for (InfLine& line : section.lines) {
            if (line.key) line.key = detail::unquote(*line.key);
            for (const std::string& raw : line.raw_fields) line.fields.push_back(detail::unquote(raw));
        }
    }
    parse.strings = StringTable::build(parse.sections, options.language, out);

    for (InfSection& section : parse.sections) {
        if (detail::is_strings_section(section.name)) continue;
        for (InfLine& line : section.lines) {
            std::set<std::string> reported_tokens;  // one INF1007 per token and line
            if (line.key) line.key = substitute_field(*line.key, line, parse.strings, options, reported_tokens, out);
            for (const std::string& raw : line.raw_fields)
                line.fields.push_back(substitute_field(raw, line, parse.strings, options, reported_tokens, out));
            if (line.key && inf_iequals(*line.key, "Include"))
                for (const std::string& name : line.fields)
                    if (!name.empty()) parse.includes.push_back({name, line.where});
        }
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Diagnostic& a, const Diagnostic& b) { return a.where.line < b.where.line; });
    return parse;
}

// The bytes of `path`; throws InfError "<shown>: cannot read: <reason>".
std::string read_bytes(const fs::path& path, const std::string& shown) {
    auto fail = [&](int error) {
        throw InfError(shown + ": cannot read: " + std::generic_category().message(error));
    };
    std::error_code ec;
    if (fs::is_directory(path, ec)) fail(EISDIR);
    errno = 0;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) fail(errno != 0 ? errno : EIO);
    std::string bytes;
    char buffer[1 << 16];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0;) bytes.append(buffer, n);
    if (std::ferror(file.get())) fail(errno != 0 ? errno : EIO);
    return bytes;
}

// `name` as written in Include= (Windows separators allowed) in `dir`: exact, then ASCII
// case-insensitive. nullopt if not there.
std::optional<fs::path> find_in(const fs::path& dir, const fs::path& relative) {
    std::error_code ec;
    fs::path exact = dir / relative;
    if (fs::is_regular_file(exact, ec)) return exact;
    fs::path parent = exact.parent_path();
    std::string wanted = relative.filename().string();
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
        if (inf_iequals(it->path().filename().string(), wanted) && it->is_regular_file(ec)) return it->path();
    }
    return std::nullopt;
}

std::string canonical_key(const fs::path& path) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(path, ec);
    return ec ? fs::absolute(path, ec).lexically_normal().string() : canonical.string();
}

}  // namespace

struct InfFile::Impl {
    std::string file_name;
    fs::path path;
    ParseOptions options;
    std::vector<InfSection> sections;
    std::map<std::string, std::size_t> index;  // lower-case name -> sections
    StringTable strings;                       // the main file's
    std::vector<fs::path> included;
    std::vector<Diagnostic> diagnostics;

    // Appends one file's sections (merged into same-named ones) and findings.
    void append(FileParse& parse) {
        for (InfSection& section : parse.sections) {
            auto [it, inserted] = index.emplace(lower(section.name), sections.size());
            if (inserted) {
                sections.push_back(std::move(section));
            } else {
                std::vector<InfLine>& lines = sections[it->second].lines;
                std::move(section.lines.begin(), section.lines.end(), std::back_inserter(lines));
            }
        }
        std::move(parse.diagnostics.begin(), parse.diagnostics.end(), std::back_inserter(diagnostics));
    }

    // Parses the main file and every file it Includes, directly or not. `own_dir` is where the
    // main file's Include= names are looked for first (empty for parse()).
    void build(std::string_view bytes, const fs::path& own_dir) {
        FileParse main = parse_one(bytes, file_name, options);
        strings = main.strings;
        std::set<std::string> loaded;
        if (!path.empty()) loaded.insert(canonical_key(path));

        struct Pending {
            FileParse::Include include;
            fs::path own_dir;
        };
        std::deque<Pending> queue;
        for (FileParse::Include& include : main.includes) queue.push_back({std::move(include), own_dir});
        append(main);

        while (!queue.empty()) {
            Pending next = std::move(queue.front());
            queue.pop_front();
            std::string relative_name = next.include.name;
            std::replace(relative_name.begin(), relative_name.end(), '\\', '/');
            fs::path relative(relative_name);

            std::vector<fs::path> search;
            if (relative.is_absolute()) {
                search.push_back(relative.root_path());
                relative = relative.relative_path();
            } else {
                if (!next.own_dir.empty()) search.push_back(next.own_dir);
                search.insert(search.end(), options.include_dirs.begin(), options.include_dirs.end());
            }
            std::optional<fs::path> found;
            for (const fs::path& dir : search)
                if ((found = find_in(dir, relative))) break;
            if (!found) {
                std::string where;
                for (const fs::path& dir : search) where += (where.empty() ? "" : ", ") + dir.string();
                diagnostics.push_back(make_diagnostic(
                    syntax::kIncludeNotFound, next.include.where,
                    "Include file '" + next.include.name + "' not found" +
                        (where.empty() ? " (no directories to search)" : " in " + where) + "; skipped"));
                continue;
            }
            if (!loaded.insert(canonical_key(*found)).second) continue;
            std::string bytes_of_include = read_bytes(*found, found->string());
            FileParse parse = parse_one(bytes_of_include, next.include.name, options);
            included.push_back(*found);
            for (FileParse::Include& include : parse.includes)
                queue.push_back({std::move(include), found->parent_path()});
            append(parse);
        }
    }
};

InfFile::InfFile() : impl_(std::make_unique<Impl>()) {}
InfFile::InfFile(InfFile&&) noexcept = default;
InfFile& InfFile::operator=(InfFile&&) noexcept = default;
InfFile::~InfFile() = default;

InfFile InfFile::load(const fs::path& path, const ParseOptions& options) {
    InfFile inf;
    inf.impl_->file_name = path.string();
    inf.impl_->path = path;
    inf.impl_->options = options;
    std::string bytes = read_bytes(path, path.string());
    fs::path own_dir = path.parent_path();
    inf.impl_->build(bytes, own_dir.empty() ? fs::path(".") : own_dir);
    return inf;
}

InfFile InfFile::parse(std::string_view bytes, std::string file_name, const ParseOptions& options) {
    InfFile inf;
    inf.impl_->file_name = std::move(file_name);
    inf.impl_->options = options;
    inf.impl_->build(bytes, {});
    return inf;
}

const std::string& InfFile::file_name() const { return impl_->file_name; }
const fs::path& InfFile::path() const { return impl_->path; }
std::span<const InfSection> InfFile::sections() const { return impl_->sections; }

const InfSection* InfFile::section(std::string_view name) const {
    auto it = impl_->index.find(lower(name));
    return it == impl_->index.end() ? nullptr : &impl_->sections[it->second];
}

const InfSection* InfFile::decorated(std::string_view base, std::string_view suffix) const {
    std::string b(base), s(suffix);
    for (const std::string& name : {b + ".NT" + impl_->options.architecture + s, b + ".NT" + s, b + s})
        if (const InfSection* found = section(name)) return found;
    return nullptr;
}

std::optional<std::string> InfFile::string(std::string_view key) const {
    const std::string* value = impl_->strings.find(key);
    return value ? std::optional<std::string>(*value) : std::nullopt;
}

std::string InfFile::substitute(std::string_view text) const {
    return detail::substitute(text, impl_->strings, impl_->options.dirids).text;
}

std::span<const fs::path> InfFile::included() const { return impl_->included; }
std::span<const Diagnostic> InfFile::diagnostics() const { return impl_->diagnostics; }

const std::string& InfLine::field(std::size_t i) const {
    static const std::string kEmpty;
    return i < fields.size() ? fields[i] : kEmpty;
}

const InfLine* InfSection::find(std::string_view key) const {
    for (const InfLine& line : lines)
        if (line.key && inf_iequals(*line.key, key)) return &line;
    return nullptr;
}

std::vector<const InfLine*> InfSection::find_all(std::string_view key) const {
    std::vector<const InfLine*> found;
    for (const InfLine& line : lines)
        if (line.key && inf_iequals(*line.key, key)) found.push_back(&line);
    return found;
}

std::optional<std::string> InfSection::value(std::string_view key) const {
    const InfLine* line = find(key);
    if (!line) return std::nullopt;
    return line->field(0);
}

bool inf_iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

std::optional<int64_t> inf_number(std::string_view text, bool allow_negative) {
    constexpr uint64_t kMaxMagnitude = uint64_t{1} << 62;
    std::string trimmed = trim(text);
    std::string_view digits = trimmed;
    bool negative = !digits.empty() && digits.front() == '-';
    if (negative) {
        if (!allow_negative) return std::nullopt;
        digits.remove_prefix(1);
    }
    int base = 10;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        base = 16;
        digits.remove_prefix(2);
    }
    uint64_t magnitude = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
    if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size() || magnitude > kMaxMagnitude)
        return std::nullopt;
    auto value = static_cast<int64_t>(magnitude);
    return negative ? -value : value;
}

}  // namespace strata::netcfg
