// install.cpp — installing and removing network components from INF files (seed 003 ch. 4:
// §4.2.2 Version, §4.2.3 Models, §4.2.4 DDInstall, §4.2.5 Remove, §4.2.7.5 RequiredAll,
// §4.2.7.13 filters, §4.2.10 Winsock). One registry transaction per call; see netcfg.h.
//
// NetTrans/NetClient/NetService components get CCS\Control\Network\{class}\{guid} at install;
// a Net package is only staged (DriverDatabase\DeviceIds\<hw-id>) and becomes an adapter
// instance with add_device (device.cpp), as Windows installs a driver package before a device.
#include <algorithm>
#include <set>

#include "netcfg/netcfg_internal.h"

namespace strata::netcfg {
namespace fs = std::filesystem;
using namespace detail;

namespace {

// The classes whose components live under CCS\Control\Network\{class}.
constexpr NetClass kComponentClasses[] = {NetClass::NetTrans, NetClass::NetClient, NetClass::NetService};

// DDInstall entries of seed §4.2.4 that the class installer keeps as values of the instance key.
constexpr std::string_view kStoredEntries[] = {"BusType", "EisaCompressedId", "AdapterMask", "Port1DeviceNumber",
                                               "Port1FunctionNumber"};

// The class named by Class wins over a ClassGuid of another network class: Microsoft's own
// samples pair Class=NetService with the NetClient GUID (passthru) and Class=NetTrans with the
// NetService GUID (ndisprot), and they install as the class they name (the linter warns).
NetClass inf_class(const InfFile& inf) {
    const InfSection* version = inf.section("Version");
    if (version == nullptr) throw NetcfgError(inf.file_name() + ": no [Version] section");
    // Seed §4.2.2: $Windows NT$ installs; $Chicago$ only with Compatible=1; $Windows 95$ never.
    auto signature = version->value("Signature");
    std::string sig = lower(trim(signature.value_or("")));
    if (sig != "$windows nt$" && sig != "$chicago$")
        throw NetcfgError(where(version->where) + ": Signature " + signature.value_or("(missing)") +
                          " is not $Windows NT$ or $Chicago$; Windows 2000 and later do not install it");
    if (sig == "$chicago$" && trim(version->value("Compatible").value_or("")) != "1")
        throw NetcfgError(where(version->where) + ": a $Chicago$ network INF needs Compatible=1 to install");
    auto name = version->value("Class");
    auto guid = version->value("ClassGuid");
    NetClass cls = name ? class_from_name(*name) : guid ? class_from_guid(*guid) : NetClass::Unknown;
    if (cls != NetClass::Unknown && cls != NetClass::Infrared) return cls;
    throw NetcfgError(where(version->where) + ": not a network INF (Class/ClassGuid " + name.value_or("") + " " +
                      guid.value_or("") + "; want Net, NetTrans, NetClient or NetService)");
}

InfFile load_inf(Registry& reg, const fs::path& root, const fs::path& path, fs::path* source_dir) {
    fs::path dir = path.parent_path();
    for (const std::string& oem : reg.subkeys(kInfFiles))
        if (auto package = staged_package(reg, oem)) {
            std::error_code ec;
            if (fs::equivalent(package->staged, path, ec)) dir = source_dir_of(reg, *package);
        }
    if (source_dir != nullptr) *source_dir = dir;
    ParseOptions options = parse_options(root, path.parent_path());
    options.include_dirs.push_back(dir);
    InfFile inf = InfFile::load(path, options);
    for (const Diagnostic& d : inf.diagnostics())
        if (d.severity == Severity::Error) throw NetcfgError(d.format());
    return inf;
}

// Where a Network-class component lives, or "" when `id` is not one.
std::string component_key(Registry& reg, std::string_view id) {
    for (NetClass cls : kComponentClasses)
        for (const std::string& instance : reg.subkeys(network_key(class_guid(cls)))) {
            std::string key = network_key(class_guid(cls)) + "\\" + instance;
            if (auto cid = read_string(reg, key, "ComponentId"); cid && inf_iequals(*cid, id)) return key;
        }
    return "";
}

bool is_installed(Registry& reg, std::string_view id) {
    return !component_key(reg, id).empty() || net_package(reg, id).has_value();
}

// Runs `ddinstall`'s registry directives into the scratch key, hands it to `inspect`, rolls back.
template <class Inspect>
void with_scratch(const InstallContext& ctx, const InfSection& ddinstall, Inspect&& inspect) {
    auto scratch = ctx.reg.transaction();
    ctx.reg.delete_key(kScratch);
    ctx.reg.create_key(kScratch);
    run_ddinstall_registry(ctx, ddinstall, kScratch);
    inspect(std::string(kScratch));
}

std::vector<std::string> required_all(const InstallContext& ctx, const InfSection& ddinstall) {
    std::vector<std::string> out;
    with_scratch(ctx, ddinstall, [&](const std::string& key) { out = read_list(ctx.reg, key + "\\Ndi", "RequiredAll"); });
    return out;
}

// An INF in `dirs` whose Models list `id`.
std::optional<fs::path> find_inf_for(Registry& reg, const fs::path& root, const std::vector<fs::path>& dirs,
                                     std::string_view id) {
    for (const fs::path& dir : dirs) {
        std::error_code ec;
        std::vector<fs::path> candidates;
        for (const auto& entry : fs::directory_iterator(dir, ec))
            if (entry.is_regular_file() && inf_iequals(entry.path().extension().string(), ".inf"))
                candidates.push_back(entry.path());
        std::sort(candidates.begin(), candidates.end());
        for (const fs::path& candidate : candidates) {
            try {
                InfFile inf = load_inf(reg, root, candidate, nullptr);
                for (const Model& m : models(inf))
                    if (inf_iequals(m.hw_id, id)) return candidate;
            } catch (const NetcfgError&) {
                // An INF that cannot be installed cannot satisfy the requirement: try the next one.
            } catch (const InfError&) {
                // Unreadable: likewise.
            }
        }
    }
    return std::nullopt;
}

class Installer {
public:
    Installer(Registry& reg, fs::path root) : reg_(reg), root_(std::move(root)) {}

    std::vector<Component> install(const fs::path& path, const std::optional<std::string>& only) {
        fs::path source_dir;
        InfFile inf = load_inf(reg_, root_, path, &source_dir);
        NetClass cls = inf_class(inf);
        std::vector<Model> chosen;
        for (const Model& m : models(inf))
            if (!only || inf_iequals(m.hw_id, *only)) chosen.push_back(m);
        if (chosen.empty() && only) throw NetcfgError(inf.file_name() + ": no model has hw-id " + *only);
        if (chosen.empty()) throw NetcfgError(inf.file_name() + ": the Models sections list no component");
        StagedPackage package = stage_inf(reg_, files, root_, path);
        reg_.set_value(std::string(kInfFiles) + "\\" + package.oem_name, "Class", Value::sz(std::string(class_name(cls))));
        for (const Model& m : chosen) {
            // A model installed earlier in this call as another model's RequiredAll is done.
            if (std::any_of(installed_.begin(), installed_.end(), [&](const Component& c) { return inf_iequals(c.component_id, m.hw_id); }))
                continue;
            install_model(inf, cls, package, source_dir, m);
        }
        return installed_;
    }

    FileStage files;

private:
    void install_model(const InfFile& inf, NetClass cls, const StagedPackage& package, const fs::path& source_dir,
                       const Model& model) {
        if (is_installed(reg_, model.hw_id))
            throw NetcfgError(where(model.where) + ": " + model.hw_id + " is already installed");
        if (!in_progress_.insert(lower(model.hw_id)).second)
            throw NetcfgError(where(model.where) + ": RequiredAll cycle through " + model.hw_id);
        const InfSection* ddinstall = inf.decorated(model.section);
        if (ddinstall == nullptr)
            throw NetcfgError(where(model.where) + ": install section [" + model.section + "] does not exist");
        InstallContext ctx{reg_, inf, root_};
        uint32_t flags = characteristics(inf, *ddinstall);
        for (const std::string& required : required_all(ctx, *ddinstall)) install_required(model, required, source_dir);
        copy_files(ctx, files, package, *ddinstall, source_dir);
        for (const InfSection* s : with_needs(inf, *ddinstall))
            for (const InfLine* line : s->find_all("CopyINF"))
                for (const std::string& name : line->fields) {
                    if (trim(name).empty()) continue;
                    fs::path copied = source_dir / trim(name);
                    if (!fs::is_regular_file(copied))
                        throw NetcfgError(where(line->where) + ": CopyINF file " + trim(name) + " not found");
                    add_to_list(reg_, package, "Companions", stage_inf(reg_, files, root_, copied).oem_name);
                }

        Component component{model.hw_id, std::string(class_name(cls)), "", "", package.staged.string(), model.description};
        if (cls == NetClass::Net) {
            with_scratch(ctx, *ddinstall, [&](const std::string& key) { validate_param_defaults(reg_, key, model.hw_id); });
            component.key = device_id_key(model.hw_id);
            reg_.set_value(component.key, package.oem_name, Value::sz(model.section));
            auto services = service_names(inf, inf.decorated(model.section, ".Services"));
            component.service = services.empty() ? "" : services.front();
        } else {
            component.key = network_key(class_guid(cls)) + "\\" + new_guid();
            reg_.set_value(component.key, "ComponentId", Value::sz(model.hw_id));
            reg_.set_value(component.key, "Characteristics", Value::dword(flags));
            reg_.set_value(component.key, "InfPath", Value::sz(package.oem_name));
            reg_.set_value(component.key, "InfSection", Value::sz(model.section));
            reg_.set_value(component.key, "InfSectionExt", Value::sz(ddinstall->name.substr(model.section.size())));
            reg_.set_value(component.key, "Description", Value::sz(model.description));
            run_ddinstall_registry(ctx, *ddinstall, component.key);
            validate_param_defaults(reg_, component.key, model.hw_id);
            if (const InfSection* services = inf.decorated(model.section, ".Services")) add_services(ctx, *services);
            if (const InfSection* winsock = inf.decorated(model.section, ".Winsock")) add_winsock(ctx, *winsock);
            component.service = read_string(reg_, component.key + "\\Ndi", "Service").value_or("");
            if (flags & kNcfFilter) stage_filter_device(component, package, source_dir);
        }
        in_progress_.erase(lower(model.hw_id));
        installed_.push_back(component);
    }

    // RequiredAll (seed §4.2.7.5): installed already, or installed now from an INF next to the
    // requiring one or in <root>/inf whose Models list it.
    void install_required(const Model& requirer, const std::string& id, const fs::path& source_dir) {
        if (is_installed(reg_, id)) return;
        auto inf = find_inf_for(reg_, root_, {source_dir, root_ / "inf"}, id);
        if (!inf)
            throw NetcfgError(where(requirer.where) + ": " + requirer.hw_id + " requires " + id +
                              " (Ndi\\RequiredAll), which no INF in " + source_dir.string() + " or " +
                              (root_ / "inf").string() + " installs");
        install(*inf, id);
    }

    // A filter's FilterDeviceInfFile is staged with it so FilterDeviceInfId resolves (seed §4.2.7.13).
    void stage_filter_device(const Component& filter, const StagedPackage& package, const fs::path& source_dir) {
        std::string ndi = filter.key + "\\Ndi";
        auto filter_class = read_string(reg_, ndi, "FilterClass");
        auto device_inf = read_string(reg_, ndi, "FilterDeviceInfFile");
        auto device_id = read_string(reg_, ndi, "FilterDeviceInfId");
        std::string at = filter.component_id + " (NCF_FILTER)";
        if (!filter_class || !is_filter_class(trim(*filter_class)))
            throw NetcfgError(at + ": Ndi FilterClass \"" + filter_class.value_or("") +
                              "\" is not scheduler, loadbalance or failover");
        if (!device_id) throw NetcfgError(at + ": Ndi needs FilterDeviceInfId");
        if (read_list(reg_, ndi + "\\Interfaces", "FilterMediaTypes").empty())
            throw NetcfgError(at + ": Ndi\\Interfaces FilterMediaTypes is missing");
        // Windows 2000 names the device INF in FilterDeviceInfFile; later samples stage it with
        // CopyINF instead, which has already run by now.
        if (!net_package(reg_, *device_id) && !device_inf) {
            auto copied = find_inf_for(reg_, root_, {source_dir, root_ / "inf"}, trim(*device_id));
            if (!copied)
                throw NetcfgError(at + ": FilterDeviceInfId " + *device_id +
                                  " is in no INF it copies; name its INF with FilterDeviceInfFile or CopyINF");
            install(*copied, trim(*device_id));
        }
        if (!net_package(reg_, *device_id)) {
            fs::path path = source_dir / trim(*device_inf);
            if (!fs::is_regular_file(path))
                throw NetcfgError(at + ": FilterDeviceInfFile " + *device_inf + " not found next to the INF");
            install(path, trim(*device_id));
        }
        auto device = net_package(reg_, *device_id);
        if (!device)
            throw NetcfgError(at + ": FilterDeviceInfId " + *device_id + " is not a Net model of " +
                              device_inf.value_or("the INFs it copies"));
        add_to_list(reg_, package, "Companions", device->first.oem_name);
    }

    Registry& reg_;
    fs::path root_;
    std::set<std::string> in_progress_;
    std::vector<Component> installed_;
};

// Every installed component: Network-class ones first, then staged Net packages.
std::vector<Component> all_components(Registry& reg) {
    std::vector<Component> out;
    for (NetClass cls : kComponentClasses) {
        std::string_view guid = class_guid(cls);
        for (const std::string& instance : reg.subkeys(network_key(guid))) {
            std::string key = network_key(guid) + "\\" + instance;
            auto id = read_string(reg, key, "ComponentId");
            if (!id) continue;
            std::string oem = read_string(reg, key, "InfPath").value_or("");
            auto package = staged_package(reg, oem);
            out.push_back({*id, std::string(class_name(cls)), key, read_string(reg, key + "\\Ndi", "Service").value_or(""),
                           package ? package->staged.string() : oem, read_string(reg, key, "Description").value_or("")});
        }
    }
    for (const std::string& key_name : reg.subkeys(kDeviceIds)) {
        std::string hw_id = hw_id_of_key(key_name);
        auto package = net_package(reg, hw_id);
        if (!package) continue;
        Component c{hw_id, "Net", device_id_key(hw_id), "", package->first.staged.string(), ""};
        InfFile inf = load_staged(reg, package->first, root_of_staged(package->first.staged));
        for (const Model& m : models(inf))
            if (inf_iequals(m.hw_id, hw_id)) c.description = m.description;
        auto services = service_names(inf, inf.decorated(package->second, ".Services"));
        c.service = services.empty() ? "" : services.front();
        out.push_back(std::move(c));
    }
    return out;
}

// The staged INF a component was installed from.
InfFile component_inf(Registry& reg, const Component& c) {
    StagedPackage package{fs::path(c.inf).filename().string(), c.inf};
    return load_staged(reg, package, root_of_staged(package.staged));
}

// The component ids `c` requires (Ndi\RequiredAll; for a Net package, as its DDInstall would write it).
std::vector<std::string> requirements(Registry& reg, const Component& c) {
    if (c.class_name != "Net") return read_list(reg, c.key + "\\Ndi", "RequiredAll");
    auto package = net_package(reg, c.component_id);
    InfFile inf = load_staged(reg, package->first, root_of_staged(package->first.staged));
    const InfSection* ddinstall = inf.decorated(package->second);
    if (ddinstall == nullptr) return {};
    InstallContext ctx{reg, inf, root_of_staged(package->first.staged)};
    return required_all(ctx, *ddinstall);
}


std::string install_section(Registry& reg, const Component& c) {
    if (c.class_name == "Net") return net_package(reg, c.component_id)->second;
    return read_string(reg, c.key, "InfSection").value_or("");
}


// Uninstall is refused while another component requires the target (RequiredAll), a filter
// names it as its FilterDeviceInfId, or (Net) an adapter instance of it exists.
void refuse_if_needed(Registry& reg, const Component& target, const std::vector<Component>& all) {
    for (const Component& other : all) {
        if (inf_iequals(other.component_id, target.component_id)) continue;
        if (contains_ci(requirements(reg, other), target.component_id))
            throw NetcfgError("cannot uninstall " + target.component_id + ": " + other.component_id +
                              " requires it (Ndi\\RequiredAll)");
        if (other.class_name != "Net" &&
            inf_iequals(read_string(reg, other.key + "\\Ndi", "FilterDeviceInfId").value_or(""), target.component_id))
            throw NetcfgError("cannot uninstall " + target.component_id + ": filter " + other.component_id +
                              " uses it (Ndi\\FilterDeviceInfId)");
    }
    std::vector<std::string> names;
    for (const Device& d : read_devices(reg))
        if (inf_iequals(d.component_id, target.component_id)) names.push_back(d.name);
    if (!names.empty())
        throw NetcfgError("cannot uninstall " + target.component_id + ": devices exist (" + join(names, ", ") +
                          "); remove them first");
}

bool package_in_use(Registry& reg, const fs::path& staged) {
    for (const Component& c : all_components(reg))
        if (fs::path(c.inf) == staged) return true;
    return false;
}

// Services some installed component or device still uses (AddService names, Ndi\Service, Service).
std::set<std::string> services_in_use(Registry& reg) {
    std::set<std::string> used;
    for (const Component& c : all_components(reg)) {
        used.insert(lower(c.service));
        InfFile inf = component_inf(reg, c);
        for (const std::string& s : service_names(inf, inf.decorated(install_section(reg, c), ".Services")))
            used.insert(lower(s));
    }
    for (const Device& d : read_devices(reg)) used.insert(lower(d.service));
    return used;
}

// A companion package (CopyINF, FilterDeviceInfFile) of an uninstalled component is dropped
// when each component staged from it is a Net package without devices that no filter names.
// Its services join `services` as candidates for deletion. True when it can be unstaged.
bool drop_companion(Registry& reg, const std::string& oem, std::vector<std::string>& services) {
    auto package = staged_package(reg, oem);
    if (!package) return false;
    std::vector<Component> all = all_components(reg);
    std::vector<Component> own;
    for (const Component& c : all)
        if (fs::path(c.inf) == package->staged) own.push_back(c);
    for (const Component& c : own) {
        if (c.class_name != "Net") return false;
        for (const Device& d : read_devices(reg))
            if (inf_iequals(d.component_id, c.component_id)) return false;
        for (const Component& filter : all)
            if (filter.class_name != "Net" &&
                inf_iequals(read_string(reg, filter.key + "\\Ndi", "FilterDeviceInfId").value_or(""), c.component_id))
                return false;
    }
    for (const Component& c : own) {
        InfFile inf = component_inf(reg, c);
        for (const std::string& s : service_names(inf, inf.decorated(install_section(reg, c), ".Services")))
            services.push_back(s);
        reg.delete_key(c.key);
    }
    return true;
}

}  // namespace

namespace detail {

namespace {

// The Models section Windows picks for amd64: .NTamd64, else .NT, else undecorated. An unstamped
// NT$ARCH$ decoration counts as NTamd64; its section is the one written with the placeholder
// unless the file also has the stamped name.
std::string models_section(const InfFile& inf, const InfLine& manufacturer) {
    std::string base = trim(manufacturer.field(0));
    std::string generic;
    for (std::size_t i = 1; i < manufacturer.fields.size(); ++i) {
        std::string decoration = trim(manufacturer.fields[i]);
        std::string lowered = lower(decoration);
        bool placeholder = false;
        if (auto arch = lowered.find("$arch$"); arch != std::string::npos) {
            lowered.replace(arch, 6, "amd64");
            placeholder = true;
        }
        std::string os = lowered.substr(0, lowered.find('.'));
        if (os == "ntamd64") {
            std::string stamped = base + "." + lowered;
            return placeholder && inf.section(stamped) == nullptr ? base + "." + decoration : stamped;
        }
        if (os == "nt" && generic.empty()) generic = base + "." + lowered;
    }
    return generic.empty() ? base : generic;
}

}  // namespace

std::vector<Model> models(const InfFile& inf) {
    const InfSection* manufacturer = inf.section("Manufacturer");
    if (manufacturer == nullptr) throw NetcfgError(inf.file_name() + ": no [Manufacturer] section");
    std::vector<Model> out;
    for (const InfLine& line : manufacturer->lines) {
        const InfSection& section = required_section(inf, models_section(inf, line), line.where);
        for (const InfLine& m : section.lines) {
            std::string hw_id = trim(m.field(1));
            if (hw_id.empty()) throw NetcfgError(where(m.where) + ": model line names no hw-id");
            out.push_back({m.key.value_or(""), trim(m.field(0)), hw_id, m.where});
        }
    }
    return out;
}

uint32_t characteristics(const InfFile& inf, const InfSection& ddinstall) {
    for (const InfSection* s : with_needs(inf, ddinstall))
        if (const InfLine* line = s->find("Characteristics")) {
            auto n = inf_number(line->field(0), /*allow_negative=*/false);
            if (!n || *n > 0xFFFFFFFFll) throw NetcfgError(where(line->where) + ": Characteristics is not a number");
            auto flags = static_cast<uint32_t>(*n);
            uint32_t kinds = flags & kNcfAdapterKinds;
            if (kinds & (kinds - 1))
                throw NetcfgError(where(line->where) +
                                  ": NCF_VIRTUAL, NCF_SOFTWARE_ENUMERATED and NCF_PHYSICAL exclude each other");
            if (kinds != 0 && (flags & kNcfNoService))
                throw NetcfgError(where(line->where) + ": NCF_NO_SERVICE with an adapter kind (seed 4.2.4)");
            return flags;
        }
    throw NetcfgError(where(ddinstall.where) + ": [" + ddinstall.name + "] has no Characteristics (seed 4.2.4)");
}

void run_ddinstall_registry(const InstallContext& ctx, const InfSection& ddinstall, std::string_view key) {
    run_registry_directives(ctx, ddinstall, key);
    for (const InfSection* s : with_needs(ctx.inf, ddinstall))
        for (std::string_view entry : kStoredEntries)
            if (auto v = s->value(entry)) ctx.reg.set_value(key, entry, Value::sz(trim(*v)));
}

}  // namespace detail

std::vector<Component> install(registry::Registry& registry, const fs::path& inf, const InstallOptions& options) {
    return guarded([&] {
        auto tx = registry.transaction();
        Installer installer(registry, options.root);
        std::vector<Component> out = installer.install(inf, options.model);
        refresh_bindings(registry, options.root);
        tx.commit();
        installer.files.commit();
        return out;
    });
}

std::vector<Component> components(registry::Registry& registry) {
    return guarded([&] { return all_components(registry); });
}

void uninstall(registry::Registry& registry, const fs::path& root, std::string_view component_id) {
    guarded([&] {
        auto tx = registry.transaction();
        std::vector<Component> all = all_components(registry);
        auto it = std::find_if(all.begin(), all.end(), [&](const Component& c) { return inf_iequals(c.component_id, component_id); });
        if (it == all.end()) throw NetcfgError(std::string(component_id) + " is not installed");
        Component target = *it;
        refuse_if_needed(registry, target, all);

        fs::path staged = target.inf;
        InfFile inf = load_staged(registry, StagedPackage{staged.filename().string(), staged}, root);
        InstallContext ctx{registry, inf, root};
        std::string section = install_section(registry, target);
        std::vector<fs::path> doomed;
        if (target.class_name != "Net") {
            // Net components have no Remove section (seed 4.2.5); the others run theirs.
            if (const InfSection* remove = inf.decorated(section, ".Remove")) {
                run_registry_directives(ctx, *remove, target.key);
                doomed = del_files(ctx, *remove);
            }
            if (const InfSection* services = inf.decorated(section, ".Remove.Services"))
                for (const InfSection* s : with_needs(inf, *services))
                    for (const InfLine* line : s->find_all("DelService")) delete_service(registry, trim(line->field(0)));
            if (const InfSection* winsock = inf.decorated(section, ".Remove.Winsock")) del_winsock(ctx, *winsock);
        }
        std::vector<std::string> services = service_names(inf, inf.decorated(section, ".Services"));
        registry.delete_key(target.key);
        // The filter's virtual miniports go before its companion package can.
        refresh_bindings(registry, root);

        std::vector<std::string> unstage;
        if (!package_in_use(registry, staged)) {
            unstage.push_back(staged.filename().string());
            for (const std::string& companion : read_list(registry, std::string(kInfFiles) + "\\" + staged.filename().string(), "Companions"))
                if (drop_companion(registry, companion, services)) unstage.push_back(companion);
        }
        std::set<std::string> used = services_in_use(registry);
        for (const std::string& s : services)
            if (!used.count(lower(s))) delete_service(registry, s);

        std::set<std::string> kept_files;
        for (const std::string& other : registry.subkeys(kInfFiles))
            if (!contains_ci(unstage, other))
                for (const std::string& f : read_list(registry, std::string(kInfFiles) + "\\" + other, "Files")) kept_files.insert(f);
        for (const std::string& name : unstage) {
            std::string key = std::string(kInfFiles) + "\\" + name;
            if (auto p = staged_package(registry, name)) doomed.push_back(p->staged);
            for (const std::string& f : read_list(registry, key, "Files"))
                if (!kept_files.count(f)) doomed.push_back(f);
            registry.delete_key(key);
        }
        tx.commit();
        for (const fs::path& file : doomed) {
            std::error_code ec;
            fs::remove(file, ec);
        }
    });
}

}  // namespace strata::netcfg
