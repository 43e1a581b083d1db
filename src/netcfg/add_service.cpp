// add_service.cpp — the INF AddService directive (DDInstall.Services, seed 003 §4.2.8; Microsoft's
// "INF AddService directive") and the Winsock AddSock/DelSock sections (§4.2.10). Runs inside the
// caller's registry transaction; throws NetcfgError naming the INF line.
#include <algorithm>

#include "netcfg/netcfg_internal.h"

namespace strata::netcfg::detail {
namespace {

// SPSVCINST_* flags (setupapi.h).
constexpr uint32_t kTagToFront = 0x1;
constexpr uint32_t kAssocService = 0x2;
constexpr uint32_t kDeleteEventLogEntry = 0x4;
constexpr uint32_t kNoClobberDisplayName = 0x8;
constexpr uint32_t kNoClobberStartType = 0x10;
constexpr uint32_t kNoClobberErrorControl = 0x20;
constexpr uint32_t kNoClobberLoadOrderGroup = 0x40;
constexpr uint32_t kNoClobberDependencies = 0x80;
constexpr uint32_t kNoClobberDescription = 0x100;
constexpr uint32_t kStopService = 0x200;
constexpr uint32_t kClobberSecurity = 0x400;
constexpr uint32_t kStartService = 0x800;
constexpr uint32_t kNoClobberRequiredPrivileges = 0x1000;
// Tag order, security descriptors, privileges and starting/stopping have no meaning here.
constexpr uint32_t kKnownFlags = kTagToFront | kAssocService | kDeleteEventLogEntry | kNoClobberDisplayName |
                                 kNoClobberStartType | kNoClobberErrorControl | kNoClobberLoadOrderGroup |
                                 kNoClobberDependencies | kNoClobberDescription | kStopService | kClobberSecurity |
                                 kStartService | kNoClobberRequiredPrivileges;

[[noreturn]] void fail(const SourceLocation& at, const std::string& message) {
    throw NetcfgError(where(at) + ": " + message);
}

uint32_t number_field(const InfLine& line, std::size_t index, std::string_view what) {
    std::string text = trim(line.field(index));
    if (text.empty()) return 0;
    auto n = inf_number(text, /*allow_negative=*/false);
    if (!n || *n > 0xFFFFFFFFll) fail(line.where, std::string(what) + " \"" + text + "\" is not a number");
    return static_cast<uint32_t>(*n);
}

uint32_t required_number(const InfSection& section, std::string_view key) {
    const InfLine* line = section.find(key);
    if (line == nullptr) fail(section.where, "service-install section [" + section.name + "] has no " + std::string(key));
    return number_field(*line, 0, key);
}

// ServiceBinary after DIRID substitution: Windows separators become '/'.
std::string image_path(const InfLine& line) {
    std::string path = trim(line.field(0));
    std::replace(path.begin(), path.end(), '\\', '/');
    if (path.empty()) fail(line.where, "ServiceBinary is empty");
    return path;
}

void set_unless(Registry& reg, const std::string& key, bool keep_existing, std::string_view name, const Value& value) {
    if (keep_existing && reg.get_value(key, name)) return;
    reg.set_value(key, name, value);
}

// One service-install section into CCS\Services\<name> (value names as Windows writes them).
void install_service(const InstallContext& ctx, std::string_view name, uint32_t flags, const InfSection& section) {
    std::string key = services_key(name);
    bool existed = ctx.reg.key_exists(key);
    ctx.reg.create_key(key);
    uint32_t type = required_number(section, "ServiceType");
    uint32_t start = required_number(section, "StartType");
    uint32_t error_control = required_number(section, "ErrorControl");
    const InfLine* binary = section.find("ServiceBinary");
    if (binary == nullptr) fail(section.where, "service-install section [" + section.name + "] has no ServiceBinary");
    ctx.reg.set_value(key, "Type", Value::dword(type));
    set_unless(ctx.reg, key, existed && (flags & kNoClobberStartType), "Start", Value::dword(start));
    set_unless(ctx.reg, key, existed && (flags & kNoClobberErrorControl), "ErrorControl", Value::dword(error_control));
    ctx.reg.set_value(key, "ImagePath", Value::expand_sz(image_path(*binary)));
    if (auto v = section.value("DisplayName"))
        set_unless(ctx.reg, key, existed && (flags & kNoClobberDisplayName), "DisplayName", Value::sz(*v));
    if (auto v = section.value("Description"))
        set_unless(ctx.reg, key, existed && (flags & kNoClobberDescription), "Description", Value::sz(*v));
    if (auto v = section.value("LoadOrderGroup"))
        set_unless(ctx.reg, key, existed && (flags & kNoClobberLoadOrderGroup), "Group", Value::sz(*v));
    if (auto v = section.value("StartName")) ctx.reg.set_value(key, "ObjectName", Value::sz(*v));
    if (const InfLine* deps = section.find("Dependencies")) {
        // "+Group" names a load-order group (DependOnGroup), anything else a service.
        std::vector<std::string> services, groups;
        for (const std::string& d : deps->fields) {
            std::string t = trim(d);
            if (t.empty()) continue;
            if (t.front() == '+') groups.push_back(t.substr(1));
            else services.push_back(t);
        }
        bool keep = existed && (flags & kNoClobberDependencies);
        set_unless(ctx.reg, key, keep, "DependOnService", Value::multi_sz(services));
        set_unless(ctx.reg, key, keep, "DependOnGroup", Value::multi_sz(groups));
    }
    // HKR of a service-install section's AddReg/DelReg is the service key.
    run_registry_directives(ctx, section, key);
}

void install_event_log(const InstallContext& ctx, const InfLine& line, std::string_view service) {
    std::string log = trim(line.field(4));
    std::string source = trim(line.field(5));
    std::string key = std::string(kCurrentControlSet) + "\\Services\\EventLog\\" + (log.empty() ? "System" : log) +
                      "\\" + (source.empty() ? std::string(service) : source);
    ctx.reg.create_key(key);
    run_registry_directives(ctx, required_section(ctx.inf, line.field(3), line.where), key);
}

std::vector<const InfLine*> add_service_lines(const InfFile& inf, const InfSection* services) {
    std::vector<const InfLine*> lines;
    if (services == nullptr) return lines;
    for (const InfSection* s : with_needs(inf, *services))
        for (const InfLine* line : s->find_all("AddService")) lines.push_back(line);
    return lines;
}

}  // namespace

std::vector<std::string> service_names(const InfFile& inf, const InfSection* services) {
    std::vector<std::string> names;
    for (const InfLine* line : add_service_lines(inf, services)) {
        std::string name = trim(line->field(0));
        if (name.empty() || contains_ci(names, name)) continue;
        bool assoc = (number_field(*line, 1, "AddService flags") & kAssocService) != 0;
        if (assoc) names.insert(names.begin(), name);
        else names.push_back(name);
    }
    return names;
}

std::vector<std::string> add_services(const InstallContext& ctx, const InfSection& services) {
    for (const InfLine* line : add_service_lines(ctx.inf, &services)) {
        std::string name = trim(line->field(0));
        uint32_t flags = number_field(*line, 1, "AddService flags");
        if ((flags & ~kKnownFlags) != 0) fail(line->where, "unknown AddService flags " + trim(line->field(1)));
        // AddService=,2 installs a device without a driver ("null service"): nothing to write.
        if (name.empty()) {
            if (!(flags & kAssocService)) fail(line->where, "AddService without a service name");
            continue;
        }
        install_service(ctx, name, flags, required_section(ctx.inf, line->field(2), line->where));
        if (!trim(line->field(3)).empty()) install_event_log(ctx, *line, name);
    }
    return service_names(ctx.inf, &services);
}

void delete_service(Registry& reg, std::string_view service) {
    reg.delete_key(services_key(service));
    std::string event_log = std::string(kCurrentControlSet) + "\\Services\\EventLog";
    for (const std::string& log : reg.subkeys(event_log)) reg.delete_key(event_log + "\\" + log + "\\" + std::string(service));
}

namespace {

enum class SockType { Sz, ExpandSz, Dword };
struct SockValue {
    std::string_view name;
    SockType type;
};
// The AddSock values of seed §4.2.10 and the types Windows stores them with.
constexpr SockValue kSockValues[] = {
    {"TransportService", SockType::Sz},   {"HelperDllName", SockType::ExpandSz},  {"MaxSockAddrLength", SockType::Dword},
    {"MinSockAddrLength", SockType::Dword}, {"ProviderId", SockType::Sz},       {"LibraryPath", SockType::ExpandSz},
    {"DisplayString", SockType::Sz},      {"SupportedNameSpace", SockType::Dword}, {"Version", SockType::Dword},
};

std::string winsock_transports_key() { return services_key("Winsock") + "\\Parameters"; }

}  // namespace

void add_winsock(const InstallContext& ctx, const InfSection& winsock) {
    for (const InfLine* directive : winsock.find_all("AddSock")) {
        const InfSection& section = required_section(ctx.inf, directive->field(0), directive->where);
        auto transport = section.value("TransportService");
        if (!transport || trim(*transport).empty()) fail(section.where, "[" + section.name + "] has no TransportService");
        std::string key = services_key(trim(*transport)) + "\\Parameters\\Winsock";
        ctx.reg.create_key(key);
        for (const InfLine& line : section.lines) {
            if (!line.key) fail(line.where, "AddSock section lines are name=value");
            const SockValue* known = nullptr;
            for (const SockValue& v : kSockValues)
                if (inf_iequals(*line.key, v.name)) known = &v;
            if (known == nullptr) fail(line.where, "unknown Winsock value \"" + *line.key + "\"");
            switch (known->type) {
            case SockType::Sz: ctx.reg.set_value(key, known->name, Value::sz(line.field(0))); break;
            case SockType::ExpandSz: ctx.reg.set_value(key, known->name, Value::expand_sz(line.field(0))); break;
            case SockType::Dword: ctx.reg.set_value(key, known->name, Value::dword(number_field(line, 0, known->name))); break;
            }
        }
        // Windows Sockets finds its transports through Services\Winsock\Parameters Transports.
        std::vector<std::string> transports = read_list(ctx.reg, winsock_transports_key(), "Transports");
        if (!contains_ci(transports, trim(*transport))) transports.push_back(trim(*transport));
        ctx.reg.set_value(winsock_transports_key(), "Transports", Value::multi_sz(transports));
    }
}

void del_winsock(const InstallContext& ctx, const InfSection& winsock) {
    for (const InfLine* directive : winsock.find_all("DelSock")) {
        const InfSection& section = required_section(ctx.inf, directive->field(0), directive->where);
        auto transport = section.value("TransportService");
        if (!transport || trim(*transport).empty()) fail(section.where, "[" + section.name + "] has no TransportService");
        ctx.reg.delete_key(services_key(trim(*transport)) + "\\Parameters\\Winsock");
        std::vector<std::string> kept;
        for (const std::string& t : read_list(ctx.reg, winsock_transports_key(), "Transports"))
            if (!inf_iequals(t, trim(*transport))) kept.push_back(t);
        if (ctx.reg.key_exists(winsock_transports_key()))
            ctx.reg.set_value(winsock_transports_key(), "Transports", Value::multi_sz(kept));
    }
}

}  // namespace strata::netcfg::detail
