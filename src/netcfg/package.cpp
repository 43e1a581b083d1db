// package.cpp — staging driver packages: INF files to <root>/inf/oemN.inf (DIRID 17) and the
// files of CopyFiles to their DestinationDirs (DIRID 12 = <root>/drivers), undone on failure
// (seed 003 §4.1, §4.2.7.5; Microsoft's "INF CopyFiles directive", "INF CopyINF directive",
// "INF DestinationDirs section", "Using Dirids").
#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>

#include "netcfg/netcfg_internal.h"

namespace strata::netcfg::detail {
namespace fs = std::filesystem;

// ---- FileStage --------------------------------------------------------------------------------

FileStage::~FileStage() {
    if (committed_) return;
    // Undo newest first so a file copied twice ends as it was before the call.
    for (auto it = copies_.rbegin(); it != copies_.rend(); ++it) {
        std::error_code ec;
        fs::remove(it->to, ec);
        if (it->backup) fs::rename(*it->backup, it->to, ec);
    }
}

void FileStage::copy(const fs::path& from, const fs::path& to) {
    fs::create_directories(to.parent_path());
    Copy copy{to, std::nullopt};
    if (fs::exists(to)) {
        fs::path backup = to;
        backup += ".strata-" + std::to_string(copies_.size()) + ".bak";
        fs::rename(to, backup);
        copy.backup = backup;
    }
    copies_.push_back(copy);
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

void FileStage::commit() {
    committed_ = true;
    for (const Copy& c : copies_) {
        std::error_code ec;
        if (c.backup) fs::remove(*c.backup, ec);
    }
}

// ---- paths and staged packages -------------------------------------------------------------------

ParseOptions parse_options(const fs::path& root, const fs::path& inf_dir) {
    ParseOptions options;
    options.dirids = {
        {1, inf_dir.string()},
        {10, root.string()},
        {11, (root / "system32").string()},
        {12, (root / "drivers").string()},
        {17, (root / "inf").string()},
    };
    options.include_dirs = {root / "inf"};
    return options;
}

InfFile load_staged(Registry& reg, const StagedPackage& package, const fs::path& root) {
    ParseOptions options = parse_options(root, package.staged.parent_path());
    // Include= names INFs next to the original, which staging does not copy.
    options.include_dirs.push_back(source_dir_of(reg, package));
    return InfFile::load(package.staged, options);
}

fs::path root_of_staged(const fs::path& staged_inf) { return staged_inf.parent_path().parent_path(); }

std::optional<StagedPackage> staged_package(Registry& reg, std::string_view oem_name) {
    std::string key = std::string(kInfFiles) + "\\" + std::string(oem_name);
    auto path = read_string(reg, key, "InfPath");
    if (!path) return std::nullopt;
    return StagedPackage{reg.stored_path(key)->substr(kInfFiles.size() + 1), *path};
}

std::string device_id_key(std::string_view hw_id) {
    std::string name(hw_id);
    std::replace(name.begin(), name.end(), '\\', '#');
    return std::string(kDeviceIds) + "\\" + name;
}

std::string hw_id_of_key(std::string_view key_name) {
    std::string id(key_name);
    std::replace(id.begin(), id.end(), '#', '\\');
    return id;
}

std::optional<std::pair<StagedPackage, std::string>> net_package(Registry& reg, std::string_view hw_id) {
    std::string key = device_id_key(hw_id);
    for (const auto& [oem, section] : reg.values(key)) {
        if (section.type() != registry::ValueType::Sz) continue;
        if (auto package = staged_package(reg, oem)) return std::make_pair(*package, section.as_string());
    }
    return std::nullopt;
}

namespace {

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw NetcfgError(path.string() + ": cannot read");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string windows_to_path(std::string_view text) {
    std::string out = trim(text);
    std::replace(out.begin(), out.end(), '\\', '/');
    return out;
}

}  // namespace

StagedPackage stage_inf(Registry& reg, FileStage& files, const fs::path& root, const fs::path& source) {
    std::string bytes = read_all(source);
    // Windows keeps one oemN.inf per distinct package: an identical INF is the same package.
    for (const std::string& oem : reg.subkeys(kInfFiles)) {
        auto package = staged_package(reg, oem);
        if (package && fs::exists(package->staged) && read_all(package->staged) == bytes) return *package;
    }
    fs::path inf_dir = root / "inf";
    for (unsigned n = 0;; ++n) {
        std::string name = "oem" + std::to_string(n) + ".inf";
        if (fs::exists(inf_dir / name) || reg.key_exists(std::string(kInfFiles) + "\\" + name)) continue;
        files.copy(source, inf_dir / name);
        std::string key = std::string(kInfFiles) + "\\" + name;
        reg.set_value(key, "InfPath", Value::sz((inf_dir / name).string()));
        reg.set_value(key, "OriginalInfPath", Value::sz(fs::absolute(source).lexically_normal().string()));
        reg.set_value(key, "Files", Value::multi_sz({}));
        reg.set_value(key, "Companions", Value::multi_sz({}));
        return StagedPackage{name, inf_dir / name};
    }
}

fs::path source_dir_of(Registry& reg, const StagedPackage& package) {
    auto original = read_string(reg, std::string(kInfFiles) + "\\" + package.oem_name, "OriginalInfPath");
    return original ? fs::path(*original).parent_path() : package.staged.parent_path();
}

void add_to_list(Registry& reg, const StagedPackage& package, std::string_view name, const std::string& item) {
    std::string key = std::string(kInfFiles) + "\\" + package.oem_name;
    std::vector<std::string> list = read_list(reg, key, name);
    if (!contains_ci(list, item)) list.push_back(item);
    reg.set_value(key, name, Value::multi_sz(list));
}

namespace {

// A DestinationDirs entry (dirid[,subdir]) as a directory under the root.
fs::path destination_dir(const InstallContext& ctx, const InfLine* entry) {
    int64_t dirid = 11;  // Windows' default when an INF names no DefaultDestDir
    std::string subdir;
    if (entry != nullptr) {
        auto n = inf_number(entry->field(0));
        if (!n) throw NetcfgError(where(entry->where) + ": \"" + entry->field(0) + "\" is not a DIRID");
        dirid = *n;
        subdir = windows_to_path(entry->field(1));
    }
    fs::path base;
    switch (dirid) {
    case 10: base = ctx.root; break;
    case 11: base = ctx.root / "system32"; break;
    case 12: base = ctx.root / "drivers"; break;
    case 17: base = ctx.root / "inf"; break;
    default: {
        std::string at = entry != nullptr ? where(entry->where) : ctx.inf.file_name();
        throw NetcfgError(at + ": DIRID " + std::to_string(dirid) + " is not supported (10, 11, 12, 17 are)");
    }
    }
    return subdir.empty() ? base : base / subdir;
}

const InfLine* destination_entry(const InfFile& inf, std::string_view file_list) {
    const InfSection* dirs = inf.section("DestinationDirs");
    if (dirs == nullptr) return nullptr;
    if (const InfLine* line = dirs->find(file_list)) return line;
    return dirs->find("DefaultDestDir");
}

// Where a source file is: SourceDisksFiles names its disk and subdirectory, SourceDisksNames
// the disk's path, all relative to the directory of the INF.
fs::path source_file(const InfFile& inf, const fs::path& source_dir, const std::string& name) {
    fs::path dir = source_dir;
    const InfSection* files = inf.section("SourceDisksFiles.amd64");
    const InfLine* entry = files != nullptr ? files->find(name) : nullptr;
    if (entry == nullptr && (files = inf.section("SourceDisksFiles")) != nullptr) entry = files->find(name);
    if (entry != nullptr) {
        const InfSection* disks = inf.section("SourceDisksNames.amd64");
        const InfLine* disk = disks != nullptr ? disks->find(trim(entry->field(0))) : nullptr;
        if (disk == nullptr && (disks = inf.section("SourceDisksNames")) != nullptr) disk = disks->find(trim(entry->field(0)));
        if (disk != nullptr && !windows_to_path(disk->field(3)).empty())
            dir /= fs::path(windows_to_path(disk->field(3))).relative_path();
        if (!windows_to_path(entry->field(1)).empty()) dir /= fs::path(windows_to_path(entry->field(1))).relative_path();
    }
    return dir / name;
}

struct PlannedCopy {
    fs::path from;
    fs::path to;
};

}  // namespace

void copy_files(const InstallContext& ctx, FileStage& files, const StagedPackage& package,
                const InfSection& ddinstall, const fs::path& source_dir) {
    // Every source is checked before anything is copied.
    std::vector<PlannedCopy> plan;
    for (const InfSection* section : with_needs(ctx.inf, ddinstall)) {
        for (const InfLine* directive : section->find_all("CopyFiles")) {
            for (const std::string& field : directive->fields) {
                std::string item = trim(field);
                if (item.empty()) continue;
                if (item.front() == '@') {
                    std::string name = windows_to_path(item.substr(1));
                    fs::path from = source_file(ctx.inf, source_dir, name);
                    if (!fs::is_regular_file(from))
                        throw NetcfgError(where(directive->where) + ": source file " + name + " not found (" + from.string() + ")");
                    plan.push_back({from, destination_dir(ctx, destination_entry(ctx.inf, "DefaultDestDir")) / name});
                    continue;
                }
                const InfSection& list = required_section(ctx.inf, item, directive->where);
                fs::path dest_dir = destination_dir(ctx, destination_entry(ctx.inf, list.name));
                for (const InfLine& line : list.lines) {
                    // destination-file-name[,source-file-name[,unused[,flags]]]
                    std::string name = windows_to_path(line.field(0));
                    std::string src = windows_to_path(line.field(1));
                    if (src.empty()) src = name;
                    if (name.empty()) throw NetcfgError(where(line.where) + ": file-list line names no file");
                    fs::path from = source_file(ctx.inf, source_dir, src);
                    if (!fs::is_regular_file(from))
                        throw NetcfgError(where(line.where) + ": source file " + src + " not found (" + from.string() + ")");
                    plan.push_back({from, dest_dir / name});
                }
            }
        }
    }
    for (const PlannedCopy& copy : plan) {
        files.copy(copy.from, copy.to);
        add_to_list(ctx.reg, package, "Files", copy.to.string());
    }
}

std::vector<fs::path> del_files(const InstallContext& ctx, const InfSection& remove) {
    std::vector<fs::path> out;
    for (const InfSection* section : with_needs(ctx.inf, remove)) {
        for (const InfLine* directive : section->find_all("DelFiles")) {
            for (const std::string& field : directive->fields) {
                std::string item = trim(field);
                if (item.empty()) continue;
                if (item.front() == '@') {
                    out.push_back(destination_dir(ctx, destination_entry(ctx.inf, "DefaultDestDir")) / windows_to_path(item.substr(1)));
                    continue;
                }
                const InfSection& list = required_section(ctx.inf, item, directive->where);
                fs::path dir = destination_dir(ctx, destination_entry(ctx.inf, list.name));
                for (const InfLine& line : list.lines)
                    if (!trim(line.field(0)).empty()) out.push_back(dir / windows_to_path(line.field(0)));
            }
        }
    }
    return out;
}

}  // namespace strata::netcfg::detail
