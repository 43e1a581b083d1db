// lint_rules.h — shared model of a network INF for the NET2xxx rule families (seed 003 §4.2):
// the components its Models sections install, their DDInstall and .Services sections, and the
// registry values their add-registry-sections write. Internal to src/netcfg/lint_*.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netcfg/diagnostic.h"
#include "netcfg/inf.h"
#include "netcfg/inf_values.h"

namespace strata::netcfg::lint_detail {

// A comma-separated list (UpperRange, FilterMediaTypes): split_list() with every token lower-cased.
std::vector<std::string> split_lower(std::string_view text);

// Registry value type selected by an AddReg flags field (Microsoft's "INF AddReg Directive").
// The linter reads every FLG_ADDREG_BINVALUETYPE type but DWORD and NONE as bytes.
enum class RegType { Sz, ExpandSz, MultiSz, Dword, Binary, None };

// One line of an add-registry-section, decoded.
struct RegEntry {
    const InfLine* line = nullptr;
    std::string root;          // upper-cased: HKR, HKLM, HKCU, HKCR, HKU
    std::string subkey;        // as written (after %strkey% substitution)
    std::string key;           // subkey normalised: lower case, single '\', no outer '\' ("ndi\params\foo")
    std::string name;          // value name as written; empty for the key's default value
    uint32_t flags = 0;
    RegType type = RegType::Sz;
    std::vector<std::string> data;  // fields after the flags; MULTI_SZ strings or binary bytes

    bool deletes() const { return (flags & kFlgDelVal) != 0; }
    bool key_only() const { return (flags & kFlgKeyOnly) != 0; }
    const std::string& text() const;  // data[0] or ""
};

// Lowers, folds runs of '\' and trims outer backslashes, so `Ndi\Params` == `ndi\params\`.
std::string normalize_key(std::string_view subkey);

// Decodes one add-registry-section line. Returns nullopt and sets `problem` ("code: message")
// when Windows would reject it (bad root, bad flags, non-numeric DWORD, bad binary byte).
struct RegProblem {
    std::string code;
    std::string message;
};
std::optional<RegEntry> decode_reg_line(const InfLine& line, RegProblem& problem);
// Every decodable line of the add-registry-sections that `section`'s AddReg directives name, in
// order; sections that do not exist and lines that do not decode are check_sections' to report.
std::vector<RegEntry> addreg_entries(const InfFile& inf, const InfSection& section);

// One DDInstall section with everything installing through it. Several model lines may share
// one DDInstall section; they become one Component with several hw-ids.
struct Component {
    std::string install_name;                  // as the model line writes it
    const InfSection* ddinstall = nullptr;     // as Windows would pick it (decorations)
    const InfSection* services = nullptr;      // <ddinstall>.Services, or nullptr
    std::vector<const InfLine*> models;        // model lines naming this DDInstall
    std::vector<std::string> hw_ids;
    std::optional<uint32_t> characteristics;   // nullopt when absent or not a number
    std::vector<RegEntry> reg;                 // every decodable line of its DDInstall AddReg sections
    std::vector<const InfLine*> add_services;  // AddService lines of `services`

    // The last HKR entry writing `name` under `key` (normalised), or nullptr; deletions skipped.
    const RegEntry* hkr(std::string_view key, std::string_view name) const;
    // Every HKR entry whose key is `key` or below it.
    std::vector<const RegEntry*> hkr_under(std::string_view key) const;
    bool has(uint32_t ncf) const { return characteristics && (*characteristics & ncf) != 0; }
    // Where to report a finding about the DDInstall as a whole: its first AddReg line, else its header.
    SourceLocation addreg_where() const;
    const std::string& first_hw_id() const;
};

// A filter service INF's pointer at its filter device INF (seed §4.2.7.13), for the check
// across the two files. check_filter() fills ctx.filter_links.
struct FilterLink {
    SourceLocation file_where;    // the FilterDeviceInfFile value (or the Ndi key when it is absent)
    SourceLocation id_where;      // the FilterDeviceInfId value
    std::string device_inf;       // FilterDeviceInfFile, empty when absent
    std::string device_id;        // FilterDeviceInfId
    std::optional<std::string> service;  // Ndi\Service of the filter service
};

// The state of one lint run: the INF, its class, its components and the findings so far.
class Context {
public:
    explicit Context(const InfFile& inf);

    const InfFile& inf;
    NetClass cls = NetClass::Unknown;       // what Windows installs it as (ClassGuid first)
    std::vector<Component> components;
    std::vector<FilterLink> filter_links;

    void error(const SourceLocation& where, std::string_view code, std::string message);
    void warning(const SourceLocation& where, std::string_view code, std::string message);
    std::vector<Diagnostic> take() { return std::move(found_); }

private:
    std::vector<Diagnostic> found_;
};

// Resolves `name` the way Windows picks an install section: decorated() first, then the
// platform part of the Models decoration ("NTx86" of "NTx86.5.1"). nullptr if none exists.
const InfSection* resolve_install(const InfFile& inf, std::string_view name,
                                  std::string_view models_decoration, std::string_view suffix = "");

// The rule families, run in this order by lint(). Each reports into the Context.
void check_version(Context& ctx);     // lint_version.cpp   NET20xx; sets ctx.cls
void collect_models(Context& ctx);    // lint_models.cpp    NET21xx; fills ctx.components
void check_ddinstall(Context& ctx);   // lint_ddinstall.cpp NET22xx
void check_ndi(Context& ctx);         // lint_ndi.cpp       NET23xx
void check_interfaces(Context& ctx);  // lint_ndi.cpp       NET24xx
void check_params(Context& ctx);      // lint_params.cpp    NET25xx
void check_filter(Context& ctx);      // lint_filter.cpp    NET26xx
void check_sections(Context& ctx);    // lint_sections.cpp  NET27xx (references, AddReg syntax, services)
void check_providers(Context& ctx);   // lint_providers.cpp NET27xx (Remove, Winsock, providers, ControlFlags)

// Checks `device` (the INF `link.device_inf` names) against the service INF's link.
void check_filter_device(Context& ctx, const FilterLink& link, const InfFile& device);

}  // namespace strata::netcfg::lint_detail
