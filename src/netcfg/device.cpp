// device.cpp — Net adapter instances of installed Net packages (seed 003 §4.2.4, §4.2.7.11):
// CCS\Control\Class\{Net}\NNNN with its DDInstall run against it, CCS\Enum\ROOT\NET\NNNN, the
// connection name, and the advanced-page parameters validated against Ndi\params.
//
// Parameters are stored as REG_SZ, as Windows' advanced property page stores them; numbers in
// decimal, because NdisReadConfiguration (src/ndis/configuration.cpp) converts a decimal REG_SZ
// to NdisParameterInteger. Numeric types follow their C types on Windows: int and long are
// 32-bit signed, word 16-bit unsigned, dword 32-bit unsigned.
#include <algorithm>
#include <climits>
#include <cstdio>

#include "netcfg/netcfg_internal.h"

namespace strata::netcfg {
namespace fs = std::filesystem;
using namespace detail;

namespace {

std::string connection_key(std::string_view instance_id) {
    return network_key(kNetClassGuid) + "\\" + std::string(instance_id) + "\\Connection";
}

// The value to store for parameter `name` = `value`, or NetcfgError naming the hw-id and the key.
std::optional<std::string> check_param(Registry& reg, const std::string& params, const std::string& name,
                                       const std::string& value, std::string_view who) {
    std::string key = params + "\\" + name;
    auto bad = [&](const std::string& why) -> NetcfgError {
        return NetcfgError(std::string(who) + ": parameter " + name + " = \"" + value + "\": " + why);
    };
    if (!reg.key_exists(key)) throw NetcfgError(std::string(who) + ": unknown parameter " + name + " (no Ndi\\params\\" + name + ")");
    std::string type = lower(trim(read_string(reg, key, "Type").value_or("")));
    bool optional = trim(read_string(reg, key, "Optional").value_or("0")) == "1";
    if (value.empty()) {
        if (optional) return std::nullopt;  // "Not Present" on the advanced page
        throw bad("a value is required (the parameter is not Optional)");
    }
    if (type == "int" || type == "long" || type == "word" || type == "dword") {
        int64_t lo = type == "word" || type == "dword" ? 0 : INT32_MIN;
        int64_t hi = type == "word" ? 0xFFFF : type == "dword" ? 0xFFFFFFFFll : INT32_MAX;
        auto number = [&](std::string_view what, int64_t fallback) {
            auto text = read_string(reg, key, what);
            if (!text) return fallback;
            auto n = inf_number(*text);
            if (!n) throw NetcfgError(std::string(who) + ": Ndi\\params\\" + name + " " + std::string(what) + " \"" + *text + "\" is not a number");
            return *n;
        };
        int64_t min = number("Min", lo), max = number("Max", hi), step = number("Step", 1);
        auto n = inf_number(value, lo < 0);
        if (!n) throw bad("not a number (" + type + ")");
        if (*n < lo || *n > hi) throw bad("out of the " + type + " range");
        if (*n < min || *n > max) throw bad("outside Min " + std::to_string(min) + " .. Max " + std::to_string(max));
        if (step <= 0) throw NetcfgError(std::string(who) + ": Ndi\\params\\" + name + " Step must be positive");
        if ((*n - min) % step != 0) throw bad("not Min " + std::to_string(min) + " plus a multiple of Step " + std::to_string(step));
        return std::to_string(*n);
    }
    if (type == "enum") {
        for (const auto& [choice, description] : reg.values(key + "\\enum"))
            if (inf_iequals(choice, value)) return choice;
        std::vector<std::string> choices;
        for (const auto& entry : reg.values(key + "\\enum")) choices.push_back(entry.first);
        throw bad("not one of the enum values (" + join(choices, ", ") + ")");
    }
    if (type == "edit") {
        std::string stored = value;
        if (auto limit = read_string(reg, key, "LimitText")) {
            auto n = inf_number(*limit, /*allow_negative=*/false);
            if (n && static_cast<int64_t>(value.size()) > *n) throw bad("longer than LimitText " + *limit);
        }
        if (trim(read_string(reg, key, "UpperCase").value_or("0")) == "1") stored = upper(stored);
        return stored;
    }
    throw NetcfgError(std::string(who) + ": Ndi\\params\\" + name + " Type \"" + type +
                      "\" is not int, long, word, dword, enum or edit");
}

std::string next_index(Registry& reg) {
    std::vector<std::string> existing = reg.subkeys(net_class_key());
    for (unsigned index = 0;; ++index) {
        char name[8];
        std::snprintf(name, sizeof name, "%04u", index);
        if (!contains_ci(existing, name)) return name;
    }
}

void check_name(const std::vector<Device>& devices, const std::string& name) {
    if (name.empty() || name.size() > 255) throw NetcfgError("device name \"" + name + "\" must have 1 to 255 characters");
    for (char c : name)
        if (static_cast<unsigned char>(c) < 0x20 || c == '\\')
            throw NetcfgError("device name \"" + name + "\" contains a control character or a backslash");
    for (const Device& d : devices)
        if (inf_iequals(d.name, name)) throw NetcfgError("a device named " + d.name + " exists already");
}

Device read_device(Registry& reg, const std::string& index) {
    Device d;
    d.instance_key = net_class_key() + "\\" + index;
    d.component_id = read_string(reg, d.instance_key, "ComponentId").value_or("");
    d.instance_id = read_string(reg, d.instance_key, "NetCfgInstanceId").value_or("");
    d.device_name = "\\Device\\" + d.instance_id;
    d.name = read_string(reg, connection_key(d.instance_id), "Name").value_or(index);
    d.service = read_string(reg, d.instance_key + "\\Ndi", "Service")
                    .value_or(read_string(reg, enum_root_net_key() + "\\" + index, "Service").value_or(""));
    d.lower_range = read_list(reg, d.instance_key + "\\Ndi\\Interfaces", "LowerRange");
    d.virtual_miniport = reg.get_value(d.instance_key, "StrataFilter").has_value();
    d.filter_component = read_string(reg, d.instance_key, "StrataFilter").value_or("");
    d.filter_adapter = read_string(reg, d.instance_key, "StrataFilterAdapter").value_or("");
    return d;
}

std::optional<Device> lookup(Registry& reg, std::string_view name) {
    for (Device& d : read_devices(reg))
        if (inf_iequals(d.name, name)) return d;
    return std::nullopt;
}

}  // namespace

namespace detail {

std::vector<Device> read_devices(Registry& reg) {
    std::vector<Device> out;
    for (const std::string& index : reg.subkeys(net_class_key()))
        if (reg.get_value(net_class_key() + "\\" + index, "NetCfgInstanceId")) out.push_back(read_device(reg, index));
    return out;
}

void validate_param_defaults(Registry& reg, std::string_view key, std::string_view component_id) {
    std::string params = std::string(key) + "\\Ndi\\params";
    for (const std::string& name : reg.subkeys(params))
        if (auto def = read_string(reg, params + "\\" + name, "Default"))
            check_param(reg, params, name, *def, std::string(component_id) + " (Default in the INF)");
}

Device create_device(Registry& reg, const fs::path& root, const DeviceSpec& spec) {
    auto package = net_package(reg, spec.hw_id);
    if (!package) throw NetcfgError(spec.hw_id + " is not an installed Net component (strata install its INF first)");
    const fs::path& staged = package->first.staged;
    InfFile inf = load_staged(reg, package->first, root);
    const InfSection* ddinstall = inf.decorated(package->second);
    if (ddinstall == nullptr) throw NetcfgError(staged.string() + ": install section [" + package->second + "] does not exist");
    InstallContext ctx{reg, inf, root};
    std::vector<Device> existing = read_devices(reg);
    if (!spec.name.empty()) check_name(existing, spec.name);

    std::string index = next_index(reg);
    std::string key = net_class_key() + "\\" + index;
    std::string guid = new_guid();
    std::string description;
    for (const Model& m : models(inf))
        if (inf_iequals(m.hw_id, spec.hw_id)) description = m.description;
    reg.set_value(key, "DriverDesc", Value::sz(description));
    reg.set_value(key, "ComponentId", Value::sz(spec.hw_id));
    reg.set_value(key, "NetCfgInstanceId", Value::sz(guid));
    reg.set_value(key, "Characteristics", Value::dword(characteristics(inf, *ddinstall)));
    reg.set_value(key, "InfPath", Value::sz(package->first.oem_name));
    reg.set_value(key, "InfSection", Value::sz(package->second));
    reg.set_value(key, "InfSectionExt", Value::sz(ddinstall->name.substr(package->second.size())));
    if (const InfSection* version = inf.section("Version"))
        if (auto provider = version->value("Provider")) reg.set_value(key, "ProviderName", Value::sz(*provider));
    if (!spec.filter.empty()) {
        reg.set_value(key, "StrataFilter", Value::sz(spec.filter));
        reg.set_value(key, "StrataFilterAdapter", Value::sz(spec.filter_adapter));
    }
    run_ddinstall_registry(ctx, *ddinstall, key);
    std::vector<std::string> services;
    if (const InfSection* s = inf.decorated(package->second, ".Services")) services = add_services(ctx, *s);
    std::string service = read_string(reg, key + "\\Ndi", "Service").value_or(services.empty() ? "" : services.front());

    std::string name = spec.name;
    for (unsigned n = 0; name.empty(); ++n) {
        std::string candidate = (service.empty() ? spec.hw_id : service) + std::to_string(n);
        if (std::none_of(existing.begin(), existing.end(), [&](const Device& d) { return inf_iequals(d.name, candidate); }))
            name = candidate;
    }
    reg.set_value(connection_key(guid), "Name", Value::sz(name));
    reg.set_value(connection_key(guid), "PnpInstanceID", Value::sz("ROOT\\NET\\" + index));
    std::string enum_key = enum_root_net_key() + "\\" + index;
    reg.set_value(enum_key, "HardwareID", Value::multi_sz({spec.hw_id}));
    reg.set_value(enum_key, "Service", Value::sz(service));
    reg.set_value(enum_key, "Driver", Value::sz(std::string(kNetClassGuid) + "\\" + index));
    reg.set_value(enum_key, "ClassGUID", Value::sz(std::string(kNetClassGuid)));
    reg.set_value(enum_key, "Class", Value::sz("Net"));
    reg.set_value(enum_key, "DeviceDesc", Value::sz(description));

    // Defaults of required parameters first (as the class installer writes them), then the user's.
    std::string params = key + "\\Ndi\\params";
    std::string who = spec.hw_id + " device " + name;
    for (const std::string& param : reg.subkeys(params)) {
        auto def = read_string(reg, params + "\\" + param, "Default");
        bool optional = trim(read_string(reg, params + "\\" + param, "Optional").value_or("0")) == "1";
        if (def && !optional)
            if (auto stored = check_param(reg, params, param, *def, who)) reg.set_value(key, param, Value::sz(*stored));
    }
    for (const auto& [param, value] : spec.parameters) {
        auto stored = check_param(reg, params, param, value, who);
        std::string stored_name = reg.stored_path(params + "\\" + param)->substr(params.size() + 1);
        if (stored) reg.set_value(key, stored_name, Value::sz(*stored));
        else reg.delete_value(key, stored_name);
    }
    return read_device(reg, index);
}

void delete_device(Registry& reg, const Device& device) {
    std::string index = device.instance_key.substr(device.instance_key.rfind('\\') + 1);
    reg.delete_key(device.instance_key);
    reg.delete_key(enum_root_net_key() + "\\" + index);
    reg.delete_key(network_key(kNetClassGuid) + "\\" + device.instance_id);
}

}  // namespace detail

Device add_device(registry::Registry& registry, const fs::path& root, std::string_view hw_id, std::string_view name,
                  const std::map<std::string, std::string>& parameters) {
    return guarded([&] {
        auto tx = registry.transaction();
        Device device = create_device(registry, root, DeviceSpec{std::string(hw_id), std::string(name), parameters, "", ""});
        refresh_bindings(registry, root);
        tx.commit();
        return device;
    });
}

void remove_device(registry::Registry& registry, std::string_view name) {
    guarded([&] {
        auto tx = registry.transaction();
        auto device = lookup(registry, name);
        if (!device) throw NetcfgError("no device named " + std::string(name));
        if (device->virtual_miniport)
            throw NetcfgError("device " + device->name + " is the virtual miniport of filter " +
                              device->filter_component + "; uninstall the filter instead");
        delete_device(registry, *device);
        refresh_bindings(registry, std::nullopt);
        tx.commit();
    });
}

std::vector<Device> devices(registry::Registry& registry) {
    return guarded([&] { return read_devices(registry); });
}

std::optional<Device> find_device(registry::Registry& registry, std::string_view name) {
    return guarded([&] { return lookup(registry, name); });
}

}  // namespace strata::netcfg
