// lint_sections.cpp — NET27xx (part 1): directives that name sections which must exist, the
// add-registry-section line syntax, service-install sections and the files CopyFiles copies
// (seed 003 §4.2.7, §4.2.8; Microsoft's "INF AddReg Directive", "INF AddService Directive",
// "INF CopyFiles Directive", "INF SourceDisksFiles Section").
#include <algorithm>
#include <array>
#include <set>

#include "netcfg/lint_rules.h"

namespace strata::netcfg::lint_detail {

namespace {

// Directives whose every field names a section of this INF.
constexpr std::array<std::string_view, 7> kSectionLists{"AddReg", "DelReg", "CopyFiles", "DelFiles",
                                                        "RenFiles", "AddSock", "DelSock"};

bool starts_with_ci(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && inf_iequals(text.substr(0, prefix.size()), prefix);
}

// Keys of every [base] and [base.<platform>] section, lower-cased.
std::set<std::string> keys_of(const InfFile& inf, std::string_view base) {
    std::set<std::string> keys;
    for (const auto& s : inf.sections())
        if (inf_iequals(s.name, base) || (starts_with_ci(s.name, base) && s.name.size() > base.size() &&
                                          s.name[base.size()] == '.'))
            for (const auto& line : s.lines)
                if (line.key) keys.insert(lower(*line.key));
    return keys;
}

void check_reg_section(Context& ctx, const InfSection& section) {
    for (const auto& line : section.lines) {
        RegProblem problem;
        if (!decode_reg_line(line, problem)) ctx.error(line.where, problem.code, problem.message);
    }
}

void check_service_install(Context& ctx, const InfLine& add, const InfSection& install) {
    for (std::string_view required : {"ServiceType", "StartType", "ErrorControl", "ServiceBinary"}) {
        const InfLine* entry = install.find(required);
        if (!entry || entry->field(0).empty())
            ctx.error(install.where, "NET2706",
                      "service-install section [" + install.name + "] for " + add.field(0) + " has no " +
                          std::string(required));
        else if (required != "ServiceBinary" && !inf_number(entry->field(0)))
            ctx.error(entry->where, "NET2706",
                      std::string(required) + " '" + entry->field(0) + "' is not a number");
    }
}

void check_add_service(Context& ctx, const InfLine& add, std::set<const InfSection*>& installs_checked) {
    if (add.field(0).empty() || add.field(2).empty()) {
        ctx.error(add.where, "NET2702",
                  "AddService needs ServiceName,[flags],service-install-section: '" + add.raw + "'");
        return;
    }
    if (!add.field(1).empty() && !inf_number(add.field(1)))
        ctx.error(add.where, "NET2702", "AddService flags '" + add.field(1) + "' are not a number");
    for (std::size_t i : {std::size_t{2}, std::size_t{3}}) {
        const std::string& name = add.field(i);
        if (name.empty()) continue;
        const InfSection* target = ctx.inf.section(name);
        if (!target) {
            ctx.error(add.where, "NET2701", "AddService names section [" + name + "], which does not exist");
        } else if (i == 2 && installs_checked.insert(target).second) {
            check_service_install(ctx, add, *target);
        }
    }
}

void check_copy_section(Context& ctx, const InfSection& copy, const std::set<std::string>& files,
                        const std::set<std::string>& dest_dirs, bool layout_file) {
    if (!dest_dirs.count(lower(copy.name)) && !dest_dirs.count("defaultdestdir"))
        ctx.warning(copy.where, "NET2720",
                    "[DestinationDirs] has neither an entry for " + copy.name + " nor DefaultDestDir");
    if (layout_file) return;
    for (const auto& line : copy.lines) {
        const std::string& source = line.field(1).empty() ? line.field(0) : line.field(1);
        if (source.empty()) continue;
        if (!files.count(lower(source)))
            ctx.error(line.where, "NET2719", "file " + source + " is not listed in [SourceDisksFiles]");
    }
}

void check_files(Context& ctx, const std::vector<const InfSection*>& copy_sections,
                 const std::vector<const InfLine*>& single_files) {
    if (copy_sections.empty() && single_files.empty()) return;
    const InfFile& inf = ctx.inf;
    const InfSection* version = inf.section("Version");
    bool layout_file = version && version->find("LayoutFile");
    auto files = keys_of(inf, "SourceDisksFiles");
    auto disks = keys_of(inf, "SourceDisksNames");
    auto dest_dirs = keys_of(inf, "DestinationDirs");
    if (!layout_file && (files.empty() || disks.empty())) {
        const InfLine* first = single_files.empty() ? nullptr : single_files.front();
        ctx.error(first ? first->where : copy_sections.front()->where, "NET2719",
                  "files are copied but the INF has no [SourceDisksNames]/[SourceDisksFiles] and no LayoutFile");
        return;
    }
    for (const InfSection* copy : copy_sections) check_copy_section(ctx, *copy, files, dest_dirs, layout_file);
    for (const InfLine* line : single_files)
        for (const auto& field : line->fields)
            if (!field.empty() && field.front() == '@' && !layout_file && !files.count(lower(field.substr(1))))
                ctx.error(line->where, "NET2719", "file " + field.substr(1) + " is not listed in [SourceDisksFiles]");
    // Every listed file must name a disk that [SourceDisksNames] describes.
    for (const auto& s : inf.sections()) {
        if (!starts_with_ci(s.name, "SourceDisksFiles")) continue;
        for (const auto& line : s.lines)
            if (line.key && !disks.count(lower(line.field(0))))
                ctx.error(line.where, "NET2719",
                          "file " + *line.key + " is on disk '" + line.field(0) + "', which [SourceDisksNames] lacks");
    }
}

}  // namespace

void check_sections(Context& ctx) {
    const InfFile& inf = ctx.inf;
    std::set<const InfSection*> reg_sections;
    std::vector<const InfSection*> copy_sections;
    std::vector<const InfLine*> single_files;
    std::set<const InfSection*> installs_checked;
    for (const auto& section : inf.sections()) {
        if (starts_with_ci(section.name, "Strings") || inf_iequals(section.name, "DestinationDirs")) continue;
        for (const auto& line : section.lines) {
            if (!line.key) continue;
            if (inf_iequals(*line.key, "AddService")) {
                check_add_service(ctx, line, installs_checked);
                continue;
            }
            auto directive = std::find_if(kSectionLists.begin(), kSectionLists.end(),
                                          [&](std::string_view d) { return inf_iequals(*line.key, d); });
            if (directive == kSectionLists.end()) continue;
            bool copies = *directive == "CopyFiles";
            for (const auto& name : line.fields) {
                if (name.empty()) continue;
                if (copies && name.front() == '@') {
                    single_files.push_back(&line);
                    continue;
                }
                const InfSection* target = inf.section(name);
                if (!target) {
                    ctx.error(line.where, "NET2701",
                              std::string(*directive) + " names section [" + name + "], which does not exist");
                } else if (*directive == "AddReg") {
                    reg_sections.insert(target);
                } else if (copies && std::find(copy_sections.begin(), copy_sections.end(), target) ==
                                         copy_sections.end()) {
                    copy_sections.push_back(target);
                }
            }
        }
    }
    for (const InfSection* s : reg_sections) check_reg_section(ctx, *s);
    check_files(ctx, copy_sections, single_files);

    if (ctx.cls != NetClass::Net) return;
    for (const auto& c : ctx.components) {
        if (c.add_services.empty()) continue;
        bool associated = std::any_of(c.add_services.begin(), c.add_services.end(), [](const InfLine* add) {
            auto flags = inf_number(add->field(1));
            return flags && (*flags & 0x2);
        });
        if (!associated)
            ctx.warning(c.add_services.front()->where, "NET2707",
                        "no AddService of the Net adapter sets SPSVCINST_ASSOCSERVICE (0x2); it gets no function driver");
    }
}

}  // namespace strata::netcfg::lint_detail
