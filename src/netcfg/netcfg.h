// netcfg.h — installing network components from INF files, creating adapter instances and
// computing bindings, all in the registry (seed 003 ch. 4; DESIGN.md "Registry", "netcfg").
//
// Registry layout written here (HKLM\SYSTEM\CurrentControlSet = CCS):
//   CCS\Control\Network\{ClassGuid}\{InstanceGuid}   NetTrans/NetClient/NetService component
//       ComponentId, Characteristics, InfPath, InfSection, Description, Ndi\…   (HKR of its AddReg)
//   CCS\Control\Class\{4D36E972-…}\NNNN               Net adapter instance (HKR of its AddReg)
//       ComponentId, NetCfgInstanceId, Characteristics, DriverDesc, InfPath, InfSection,
//       Ndi\…, parameter values; its connection name under
//       CCS\Control\Network\{4D36E972-…}\{NetCfgInstanceId}\Connection  Name
//   CCS\Enum\ROOT\NET\NNNN                            device instance: HardwareID, Service, Driver
//   CCS\Services\<svc>                                AddService: ImagePath, Start, Type, …, Linkage
//   HKLM\SYSTEM\DriverDatabase\DeviceIds\<hw-id>      installed Net packages: value <oemN.inf> = DDInstall section
//   HKLM\SYSTEM\DriverDatabase\DriverInfFiles\<oemN.inf>  staged package: InfPath (absolute), OriginalInfPath,
//       Class, Files (MULTI_SZ of copied files), Companions (MULTI_SZ of oemM.inf staged with it)
//   CCS\Services\<svc>\Linkage  Bind/Export/Route and Linkage\Disabled (the binding engine; see bindings.cpp)
//   CCS\Services\<svc>\Parameters\Adapters\{guid}   per bound adapter (a filter's holds UpperBindings)
//   CCS\Control\Network\BindingPaths\NNNN            the paths as last computed (what bindings() reads)
// ImagePath is REG_EXPAND_SZ (as AddService writes it) holding ServiceBinary after DIRID substitution, an
// absolute path with '/' separators. A filter's virtual miniport instance key also holds StrataFilter
// (the filter's component id) and StrataFilterAdapter (the NetCfgInstanceId of the adapter it filters).
// Installed INF files are copied to <root>/inf/oemN.inf, driver files to <root>/drivers (DIRID 12).
//
// Every function taking a Registry& is one registry transaction: on any error it throws
// NetcfgError, the registry is unchanged and no file it copied is left behind.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace strata::registry { class Registry; }

namespace strata::netcfg {

// One line naming the file and line, key, component, device or service, and the reason.
class NetcfgError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr std::string_view kNetClassGuid = "{4D36E972-E325-11CE-BFC1-08002BE10318}";
inline constexpr std::string_view kNetTransClassGuid = "{4D36E973-E325-11CE-BFC1-08002BE10318}";
inline constexpr std::string_view kNetClientClassGuid = "{4D36E974-E325-11CE-BFC1-08002BE10318}";
inline constexpr std::string_view kNetServiceClassGuid = "{4D36E975-E325-11CE-BFC1-08002BE10318}";
inline constexpr std::string_view kCurrentControlSet = "HKLM\\SYSTEM\\CurrentControlSet";

struct InstallOptions {
    std::filesystem::path root;        // registry.db, drivers/ (DIRID 12), inf/ (DIRID 17)
    std::optional<std::string> model;  // the hw-id to install; default: every model of the INF
};

// A component installed (or, for class Net, a package staged for `device add`).
struct Component {
    std::string component_id;   // hw-id, as written in the INF's Models section
    std::string class_name;     // Net, NetTrans, NetClient, NetService
    std::string key;            // its registry key (Control\Network\… ; for Net: DriverDatabase\DeviceIds\<hw-id>)
    std::string service;        // Ndi\Service, or "" (NCF_NO_SERVICE)
    std::string inf;            // <root>/inf/oemN.inf
    std::string description;    // the Models line's device description
};

// Installs the components of `inf` (RequiredAll dependencies first, FilterDeviceInfFile
// and CopyInf INFs alongside). Re-installing an installed component id is an error.
std::vector<Component> install(registry::Registry& registry, const std::filesystem::path& inf,
                               const InstallOptions& options);
// Removes a component (running its Remove sections and deleting its services and files no
// other component uses). Refused while another installed component requires it, and for a
// Net package while a device of it exists.
void uninstall(registry::Registry& registry, const std::filesystem::path& root, std::string_view component_id);
std::vector<Component> components(registry::Registry& registry);

// One adapter instance of an installed Net component.
struct Device {
    std::string name;              // the connection name (`device add --name`), unique, case-insensitive
    std::string component_id;
    std::string service;           // the miniport's service
    std::string instance_key;      // CCS\Control\Class\{Net}\NNNN
    std::string instance_id;       // NetCfgInstanceId {GUID}
    std::string device_name;       // \Device\{GUID}, what NDIS and ProtocolBindAdapter use
    std::vector<std::string> lower_range;  // Ndi\Interfaces\LowerRange tokens (the medium, e.g. ethernet)
    bool virtual_miniport = false; // created by the binding engine for a filter (FilterDeviceInfId)
    std::string filter_component;  // virtual miniports: the filter's component id
    std::string filter_adapter;    // virtual miniports: the NetCfgInstanceId of the adapter it filters
};

// Creates an instance of the installed Net component `hw_id` named `name` (generated as
// <service><n> when empty): runs its DDInstall (AddReg with HKR = the instance key,
// AddService), then writes `parameters` after validating each against Ndi\params\<key>
// (Type, Min, Max, Step, enum, edit) — unknown keys and out-of-range values are errors.
Device add_device(registry::Registry& registry, const std::filesystem::path& root, std::string_view hw_id,
                  std::string_view name, const std::map<std::string, std::string>& parameters);
void remove_device(registry::Registry& registry, std::string_view name);
std::vector<Device> devices(registry::Registry& registry);
std::optional<Device> find_device(registry::Registry& registry, std::string_view name);

// One edge of a binding path: the upper component's service binds the lower device.
// An edge whose lower is a component (a client over a protocol) names that component in
// lower_device and its export (\Device\<svc>_{GUID}) in lower_device_name. The edge from a
// filter's virtual miniport down to the filter is internal to the IM: upper_component and
// upper_service are the virtual miniport's, lower_device is the filter's component id and
// lower_device_name is empty, since NDIS makes no binding for it.
struct Binding {
    std::string upper_component;  // component id of the protocol/IM/service above
    std::string upper_service;    // its service: the NDIS protocol that calls NdisOpenAdapter
    std::string lower_device;     // the Device::name below
    std::string lower_device_name;// \Device\{GUID}
};

// A path from a top component down to a physical (or non-filter) adapter, top to bottom.
struct BindingPath {
    std::string id;                    // stable text id, e.g. "ms_probe->loop0" (used by `bind enable|disable`)
    std::vector<std::string> nodes;    // component ids / device names, top to bottom
    std::vector<Binding> edges;        // edges[i] joins nodes[i] (upper) and nodes[i+1] (lower)
    bool enabled = true;
    std::string reason;                // why the engine refused it (e.g. a second filter of one FilterClass); "" otherwise
};

// Every binding path the engine derives from Ndi\Interfaces, FilterClass/FilterMediaTypes
// and the disabled set; recomputes and writes Linkage (Bind/Export/Route, Disabled) and the
// filter IMs' per-adapter virtual miniport instances and UpperBindings as Windows does.
std::vector<BindingPath> update_bindings(registry::Registry& registry, const std::filesystem::path& root);
// The paths as last written by update_bindings (read-only).
std::vector<BindingPath> bindings(registry::Registry& registry);
// Turns one path (by id) off or on, then update_bindings. Unknown ids are an error.
void set_binding_enabled(registry::Registry& registry, const std::filesystem::path& root, std::string_view path_id,
                         bool enabled);

}  // namespace strata::netcfg
