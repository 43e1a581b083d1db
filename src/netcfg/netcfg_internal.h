// netcfg_internal.h — what install.cpp, addreg.cpp, add_service.cpp, device.cpp and bindings.cpp
// share (seed 003 ch. 4): registry paths, INF directive helpers, file staging, device creation.
//
// Bookkeeping beyond Windows' own keys (all under HKLM\SYSTEM\DriverDatabase):
//   DriverInfFiles\<oemN.inf>   one staged package: InfPath (absolute staged file), OriginalInfPath,
//                               Class, Files (MULTI_SZ, absolute paths CopyFiles wrote),
//                               Companions (MULTI_SZ, oemM.inf staged with it: CopyINF, FilterDeviceInfFile)
//   DeviceIds\<hw-id>           Net packages: value <oemN.inf> = DDInstall section (as Windows)
// Net adapter instances created by the binding engine for a filter carry StrataFilter (the filter's
// component id) and StrataFilterAdapter (the NetCfgInstanceId of the adapter it filters) in their instance key.
// Everything here runs inside the caller's registry transaction, PASSIVE_LEVEL, one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "netcfg/inf.h"
#include "netcfg/inf_values.h"
#include "netcfg/netcfg.h"
#include "registry/registry.h"

namespace strata::netcfg::detail {

using registry::Registry;
using registry::Value;

// ---- registry layout ---------------------------------------------------------------------
inline constexpr std::string_view kDeviceIds = "HKLM\\SYSTEM\\DriverDatabase\\DeviceIds";
// A hardware id's key under kDeviceIds: bus ids such as PCI\VEN_1AF4&DEV_7001 keep their
// backslash as '#' (one key, not a PCI key with children), as device instance paths do.
std::string device_id_key(std::string_view hw_id);
std::string hw_id_of_key(std::string_view key_name);
inline constexpr std::string_view kInfFiles = "HKLM\\SYSTEM\\DriverDatabase\\DriverInfFiles";
// Scratch key for evaluating AddReg sections without keeping the result (always rolled back).
inline constexpr std::string_view kScratch = "HKLM\\SYSTEM\\Setup\\StrataScratch";

std::string services_key(std::string_view service);        // CCS\Services\<svc>
std::string network_key(std::string_view class_guid);      // CCS\Control\Network\{class}
std::string net_class_key();                                // CCS\Control\Class\{Net}
std::string enum_root_net_key();                            // CCS\Enum\ROOT\NET
std::string binding_paths_key();                            // CCS\Control\Network\BindingPaths

// ---- small text helpers (lower, trim, split_list: inf_values.h; numbers: inf_number, inf.h) ---
std::string upper(std::string_view text);
std::string where(const SourceLocation& at);  // "file:line" (or "file")
std::string join(const std::vector<std::string>& parts, std::string_view separator);
bool contains_ci(const std::vector<std::string>& list, std::string_view item);
std::string new_guid();  // "{XXXXXXXX-XXXX-4XXX-YXXX-XXXXXXXXXXXX}", random (RFC 4122 version 4)

// ---- reading values -----------------------------------------------------------------------
std::optional<std::string> read_string(Registry& reg, std::string_view key, std::string_view name);
// A list stored as MULTI_SZ or as a comma-separated REG_SZ.
std::vector<std::string> read_list(Registry& reg, std::string_view key, std::string_view name);
// REG_DWORD, or REG_SZ holding a number.
std::optional<uint32_t> read_dword(Registry& reg, std::string_view key, std::string_view name);

// ---- INF install sections (addreg.cpp) ------------------------------------------------------
// Every InstallContext-taking function throws NetcfgError naming the INF line on failure.
struct InstallContext {
    Registry& reg;
    const InfFile& inf;
    std::filesystem::path root;
};
// AddReg=a[,b…] and DelReg=… lines of `section` (and of the sections its Needs= lines name), HKR = hkr.
void run_registry_directives(const InstallContext& ctx, const InfSection& section, std::string_view hkr);
void add_reg_section(const InstallContext& ctx, std::string_view name, const SourceLocation& from, std::string_view hkr);
void add_reg_line(Registry& reg, const InfLine& line, std::string_view hkr);
void del_reg_section(const InstallContext& ctx, std::string_view name, const SourceLocation& from, std::string_view hkr);
void del_reg_line(Registry& reg, const InfLine& line, std::string_view hkr);
// The section an AddReg/Needs/… field names, or NetcfgError naming the referring line.
const InfSection& required_section(const InfFile& inf, std::string_view name, const SourceLocation& from);
// `section` then, depth first, every section its Needs= lines name (each once).
std::vector<const InfSection*> with_needs(const InfFile& inf, const InfSection& section);

// ---- services (add_service.cpp) ---------------------------------------------------------------
// Runs the AddService lines of a DDInstall.Services section (with its Needs). Returns the
// services named, the SPSVCINST_ASSOCSERVICE one first.
std::vector<std::string> add_services(const InstallContext& ctx, const InfSection& services);
// The service names the AddService lines of `services` (with Needs) name, associated one first.
std::vector<std::string> service_names(const InfFile& inf, const InfSection* services);
void delete_service(Registry& reg, std::string_view service);
// <DDInstall>.Winsock AddSock= and <DDInstall>.Remove.Winsock DelSock= (seed §4.2.10).
void add_winsock(const InstallContext& ctx, const InfSection& winsock);
void del_winsock(const InstallContext& ctx, const InfSection& winsock);

// ---- files (install.cpp) -------------------------------------------------------------------
// Copies made during one public call: undone (and overwritten files restored) unless commit().
class FileStage {
public:
    FileStage() = default;
    FileStage(const FileStage&) = delete;
    FileStage& operator=(const FileStage&) = delete;
    ~FileStage();
    void copy(const std::filesystem::path& from, const std::filesystem::path& to);
    void commit();  // after the registry transaction committed: drop the backups

private:
    struct Copy {
        std::filesystem::path to;
        std::optional<std::filesystem::path> backup;
    };
    std::vector<Copy> copies_;
    bool committed_ = false;
};

ParseOptions parse_options(const std::filesystem::path& root, const std::filesystem::path& inf_dir);
// The root a staged INF (<root>/inf/oemN.inf) belongs to.
std::filesystem::path root_of_staged(const std::filesystem::path& staged_inf);
// A staged package's key values, or nullopt when `oem_name` is not staged.
struct StagedPackage {
    std::string oem_name;
    std::filesystem::path staged;  // <root>/inf/oemN.inf
};
std::optional<StagedPackage> staged_package(Registry& reg, std::string_view oem_name);
// Loads a staged package's INF (its Include= files are also looked for next to the original).
InfFile load_staged(Registry& reg, const StagedPackage& package, const std::filesystem::path& root);
// The staged Net package of `hw_id`: its package and DDInstall section; nullopt if not staged.
std::optional<std::pair<StagedPackage, std::string>> net_package(Registry& reg, std::string_view hw_id);

// Copies `source` to <root>/inf/oemN.inf (or finds the identical package already staged) and
// records it under DriverInfFiles.
StagedPackage stage_inf(Registry& reg, FileStage& files, const std::filesystem::path& root,
                        const std::filesystem::path& source);
// The directory the package was installed from (where CopyFiles finds its sources).
std::filesystem::path source_dir_of(Registry& reg, const StagedPackage& package);
// Adds `item` to the package's MULTI_SZ `name` (Files, Companions) unless present.
void add_to_list(Registry& reg, const StagedPackage& package, std::string_view name, const std::string& item);
// Every CopyFiles of `ddinstall` (with Needs): all sources checked first, then copied and
// recorded in the package's Files.
void copy_files(const InstallContext& ctx, FileStage& files, const StagedPackage& package,
                const InfSection& ddinstall, const std::filesystem::path& source_dir);
// The files the DelFiles directives of `remove` (with Needs) name.
std::vector<std::filesystem::path> del_files(const InstallContext& ctx, const InfSection& remove);
// One line of a Models section (seed §4.2.3): device-description = install-section, hw-id.
struct Model {
    std::string description;
    std::string section;  // the DDInstall base name
    std::string hw_id;
    SourceLocation where;
};
// Every model of the INF, from the Models sections [Manufacturer] names, decorated for amd64.
std::vector<Model> models(const InfFile& inf);
// AddReg/DelReg of a DDInstall section into `key`, plus its network entries (BusType, …) as values.
void run_ddinstall_registry(const InstallContext& ctx, const InfSection& ddinstall, std::string_view key);
// Characteristics of a DDInstall section (with Needs); NetcfgError when missing or malformed.
uint32_t characteristics(const InfFile& inf, const InfSection& ddinstall);

// ---- devices (device.cpp) --------------------------------------------------------------------
struct DeviceSpec {
    std::string hw_id;
    std::string name;                              // "" = <service><n>
    std::map<std::string, std::string> parameters; // validated against Ndi\params
    std::string filter;                            // set for a filter's virtual miniport
    std::string filter_adapter;                    // the NetCfgInstanceId of the adapter it filters
};
Device create_device(Registry& reg, const std::filesystem::path& root, const DeviceSpec& spec);
void delete_device(Registry& reg, const Device& device);
std::vector<Device> read_devices(Registry& reg);
// The instance key's StrataFilter / StrataFilterAdapter values ("" for an ordinary adapter).
// Checks every Ndi\params\<name>\Default under `key` against its own Type/Min/Max/Step/enum/edit.
void validate_param_defaults(Registry& reg, std::string_view key, std::string_view component_id);

// ---- bindings (bindings.cpp) -------------------------------------------------------------------
// Recomputes every path, creates/removes filter virtual miniports and writes Linkage, the
// stored paths and the per-adapter keys. `root` is used to create virtual miniports; when
// nullopt it is derived from the staged filter device INF.
std::vector<BindingPath> refresh_bindings(Registry& reg, const std::optional<std::filesystem::path>& root);

// Runs `body` translating registry and INF errors to NetcfgError (the boundary of every public call).
template <class Body>
auto guarded(Body&& body) -> decltype(body()) {
    try {
        return body();
    } catch (const NetcfgError&) {
        throw;
    } catch (const registry::Error& e) {
        throw NetcfgError(e.what());
    } catch (const InfError& e) {
        throw NetcfgError(e.what());
    } catch (const std::filesystem::filesystem_error& e) {
        throw NetcfgError(e.what());
    }
}

}  // namespace strata::netcfg::detail
