// inf.h — an INF file parsed with Windows' own rules (seed 003 ch. 4; Microsoft's "General
// Syntax Rules for INF Files", "Strings section", "Include/Needs", "Using Dirids").
//
// Parsing never throws for bad syntax: what Windows would reject or ignore becomes a
// Diagnostic and parsing goes on, so the linter can report every finding at once. Only a
// file that cannot be read throws InfError.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "netcfg/diagnostic.h"

namespace strata::netcfg {

// An INF that cannot be used at all: one line naming the file (and line when there is one).
class InfError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One logical line of a section (continuations joined). Fields are split on commas outside
// quotes, trimmed of blanks outside quotes, unquoted ("" inside quotes is one "), with %%
// turned into % and %strkey% replaced from the Strings section; numeric tokens such as %12%
// are replaced by ParseOptions::dirids when it has them and kept as written otherwise.
// A token that names no string is kept with its percent signs (and reported, INF1xxx).
struct InfLine {
    SourceLocation where;
    std::optional<std::string> key;      // left of the first unquoted '=', substituted; nullopt if no '='
    std::vector<std::string> fields;     // right of '=' (or the whole line when keyless), substituted
    std::vector<std::string> raw_fields; // the same fields as written: quotes kept, nothing substituted
    std::string raw;                     // the logical line as written, comment removed

    // fields[i] or "" when the line has fewer fields (Windows treats a missing field as empty).
    const std::string& field(std::size_t i) const;
};

// A section with every same-named section of the file (and of appended Include files) merged
// in order of appearance, as Windows does.
struct InfSection {
    std::string name;        // as first written
    SourceLocation where;    // the first header line
    std::vector<InfLine> lines;

    // The first line whose key equals `key` (ASCII case-insensitive), or nullptr.
    const InfLine* find(std::string_view key) const;
    // Every line whose key equals `key`, in order (AddReg=a and AddReg=b both count).
    std::vector<const InfLine*> find_all(std::string_view key) const;
    // The first field of find(key), or nullopt.
    std::optional<std::string> value(std::string_view key) const;
};

struct ParseOptions {
    std::string architecture = "amd64";  // decorations tried: .NT<architecture>, .NT, undecorated
    uint16_t language = 0x0409;          // LANGID choosing among [Strings.LLLL] sections
    std::map<unsigned, std::string> dirids;  // numeric %N% tokens to substitute (e.g. 12 -> <root>/drivers)
    std::vector<std::filesystem::path> include_dirs;  // where Include= files are searched after the INF's own directory
};

class InfFile {
public:
    // Reads and parses `path` (UTF-16LE with BOM, UTF-8 with or without BOM, or ANSI taken as
    // Windows-1252). Include= directives in any section load the named INFs (own directory
    // first, then include_dirs) and append their sections. Throws InfError if `path` (or an
    // Include'd file) cannot be read. An Include'd file found in none of those directories is
    // skipped with a warning (INF1014), as Windows skips system INFs it cannot find; a file
    // already loaded is not loaded again. Each file's %strkey% tokens use its own Strings.
    static InfFile load(const std::filesystem::path& path, const ParseOptions& options = {});
    // Parses in-memory bytes; `file_name` is what diagnostics print. Include'd files are looked
    // up in `options.include_dirs` only.
    static InfFile parse(std::string_view bytes, std::string file_name, const ParseOptions& options = {});

    const std::string& file_name() const;          // as given to load()/parse()
    const std::filesystem::path& path() const;     // empty for parse()

    // Every section in order of first appearance, duplicates merged.
    std::span<const InfSection> sections() const;
    // The section named `name` (ASCII case-insensitive), or nullptr.
    const InfSection* section(std::string_view name) const;
    // The install section Windows would pick for `base`: base.NT<arch>, then base.NT, then base
    // (first that exists), with `suffix` appended after the decoration: decorated("loop",
    // ".Services") tries loop.NTamd64.Services, loop.NT.Services, loop.Services. nullptr if none.
    const InfSection* decorated(std::string_view base, std::string_view suffix = "") const;

    // The string a %key% token names, from the Strings section chosen for options.language
    // (exact [Strings.LLLL], then the primary language's, then [Strings]); nullopt if none.
    // Windows uses only the one section it selects: no fallback from [Strings.LLLL] to [Strings].
    // Only the main file's Strings count here.
    std::optional<std::string> string(std::string_view key) const;
    // Substitutes %…% tokens in `text` the way fields are substituted.
    std::string substitute(std::string_view text) const;

    // Files appended through Include=, in load order.
    std::span<const std::filesystem::path> included() const;

    // Syntax findings (codes INF1xxx), in file order.
    std::span<const Diagnostic> diagnostics() const;

    InfFile(InfFile&&) noexcept;
    InfFile& operator=(InfFile&&) noexcept;
    ~InfFile();

private:
    InfFile();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// ASCII case-insensitive equality, the comparison INF names use.
bool inf_iequals(std::string_view a, std::string_view b);

// An INF number (Characteristics, AddReg flags and data, DIRIDs, Ndi\params limits…): decimal or
// 0x/0X-prefixed hexadecimal, with one leading '-' when `allow_negative`, blanks, CR and LF around
// it ignored. nullopt when the text is anything else or the magnitude exceeds 2^62; callers check
// the range of what they read (a DWORD, a byte, a DIRID). Pure; any thread.
std::optional<int64_t> inf_number(std::string_view text, bool allow_negative = true);

}  // namespace strata::netcfg
