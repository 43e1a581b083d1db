// lint_providers.cpp — NET27xx (part 2): Remove sections, Winsock install and remove sections,
// NetworkProvider and PrintProvider sections, and ControlFlags ExcludeFromSelect (seed 003
// §4.2.5, §4.2.6, §4.2.7.6, §4.2.9, §4.2.10).
#include <algorithm>

#include "netcfg/lint_rules.h"

namespace strata::netcfg::lint_detail {

namespace {

// The section <DDInstall><suffix>, under the decorated or the undecorated install name.
const InfSection* companion(const Context& ctx, const Component& c, std::string_view suffix) {
    if (const InfSection* s = ctx.inf.section(c.ddinstall->name + std::string(suffix))) return s;
    return ctx.inf.section(c.install_name + std::string(suffix));
}

// §4.2.5: the class installer does not track adapter instances, so removing files would break
// the adapter's other instances.
void check_remove(Context& ctx, const Component& c) {
    if (ctx.cls != NetClass::Net) return;
    if (const InfSection* remove = companion(ctx, c, ".Remove"))
        ctx.error(remove->where, "NET2708",
                  "Net adapters do not support Remove sections; [" + remove->name + "] would delete files other "
                  "adapter instances share (track them in a co-installer)");
}

void check_addsock(Context& ctx, const Component& c, const InfSection& sock) {
    for (std::string_view required : {"TransportService", "HelperDllName", "MaxSockAddrLength", "MinSockAddrLength"})
        if (!sock.find(required))
            ctx.error(sock.where, "NET2709", "Winsock section [" + sock.name + "] has no " + std::string(required));
    if (sock.find("ProviderId"))
        for (std::string_view required : {"LibraryPath", "DisplayString", "SupportedNameSpace"})
            if (!sock.find(required))
                ctx.error(sock.where, "NET2710",
                          "[" + sock.name + "] registers a name space ProviderId but has no " + std::string(required));
    const InfLine* transport = sock.find("TransportService");
    const RegEntry* service = c.hkr("ndi", "Service");
    if (transport && service && !inf_iequals(transport->field(0), service->text()))
        ctx.warning(transport->where, "NET2711",
                    "TransportService '" + transport->field(0) + "' should equal Ndi\\Service '" + service->text() + "'");
}

void check_winsock(Context& ctx, const Component& c) {
    const InfSection* winsock = companion(ctx, c, ".Winsock");
    if (winsock && ctx.cls != NetClass::NetTrans)
        ctx.warning(winsock->where, "NET2716", "Winsock sections belong to NetTrans (protocol) INFs");
    if (!winsock && ctx.cls == NetClass::NetTrans) {
        const RegEntry* upper = c.hkr("ndi\\interfaces", "UpperRange");
        auto tokens = upper ? split_lower(upper->text()) : std::vector<std::string>{};
        if (std::find(tokens.begin(), tokens.end(), "winsock") != tokens.end())
            ctx.warning(upper->line->where, "NET2712",
                        "protocol exposes winsock but has no [" + c.ddinstall->name + ".Winsock] section");
    }
    if (winsock) {
        const InfLine* add = winsock->find("AddSock");
        if (!add)
            ctx.error(winsock->where, "NET2709", "[" + winsock->name + "] has no AddSock directive");
        for (const InfLine* line : winsock->find_all("AddSock"))
            for (const auto& name : line->fields)
                if (const InfSection* sock = ctx.inf.section(name)) check_addsock(ctx, c, *sock);
    }
    if (const InfSection* remove = companion(ctx, c, ".Remove.Winsock"))
        for (const InfLine* line : remove->find_all("DelSock"))
            for (const auto& name : line->fields)
                if (const InfSection* del = ctx.inf.section(name); del && !del->find("TransportService"))
                    ctx.error(del->where, "NET2713", "DelSock section [" + del->name + "] has no TransportService");
}

// §4.2.7.6: a NetClient's service key carries NetworkProvider Name and ProviderPath, added by
// the AddReg of its service-install section.
void check_network_provider(Context& ctx, const Component& c) {
    const InfSection* network = companion(ctx, c, ".NetworkProvider");
    const InfSection* print = companion(ctx, c, ".PrintProvider");
    if (ctx.cls != NetClass::NetClient) {
        for (const InfSection* s : {network, print})
            if (s) ctx.warning(s->where, "NET2716", "[" + s->name + "] applies to NetClient components only");
        return;
    }
    if (print)
        for (std::string_view required : {"PrintProviderName", "PrintProviderDll", "DisplayName"})
            if (!print->find(required))
                ctx.error(print->where, "NET2715", "[" + print->name + "] has no " + std::string(required));
    if (c.add_services.empty()) return;
    bool name = false, path = false;
    for (const InfLine* add : c.add_services) {
        const InfSection* install = ctx.inf.section(add->field(2));
        if (!install) continue;
        for (const RegEntry& e : addreg_entries(ctx.inf, *install)) {
            if (e.root != "HKR" || e.key != "networkprovider") continue;
            name = name || inf_iequals(e.name, "Name");
            path = path || inf_iequals(e.name, "ProviderPath");
        }
    }
    if (!name || !path)
        ctx.warning(c.add_services.front()->where, "NET2714",
                    "NetClient service should add HKR, NetworkProvider, Name and ProviderPath in its "
                    "service-install section's AddReg");
}

bool listed(const std::vector<std::string>& excluded, const Component& c) {
    for (const auto& id : c.hw_ids)
        if (std::none_of(excluded.begin(), excluded.end(),
                         [&](const std::string& e) { return e == "*" || inf_iequals(e, id); }))
            return false;
    return true;
}

// §4.2.6: PnP adapters (and adapters a program adds) are excluded from the Select dialog;
// ISA and EISA adapters are added by hand, so they are not.
void check_control_flags(Context& ctx) {
    if (ctx.cls != NetClass::Net) return;
    std::vector<std::string> excluded;
    const InfSection* flags = ctx.inf.section("ControlFlags");
    if (flags)
        for (const InfLine* line : flags->find_all("ExcludeFromSelect"))
            excluded.insert(excluded.end(), line->fields.begin(), line->fields.end());
    for (const auto& c : ctx.components) {
        const InfLine* bus = c.ddinstall->find("BusType");
        auto bus_type = bus ? inf_number(bus->field(0)) : std::nullopt;
        bool manual = bus_type == 1 || bus_type == 2;
        bool pnp = (c.has(kNcfPhysical) && !manual) || c.has(kNcfHidden);
        if (pnp && !listed(excluded, c))
            ctx.warning(c.models.front()->where, "NET2717",
                        "adapter " + c.first_hw_id() + " is installed by Plug and Play or a program; list it in "
                        "[ControlFlags] ExcludeFromSelect");
        if (manual && flags)
            for (const auto& id : c.hw_ids)
                if (std::any_of(excluded.begin(), excluded.end(),
                                [&](const std::string& e) { return inf_iequals(e, id); }))
                    ctx.warning(flags->where, "NET2718",
                                "ISA/EISA adapter " + id + " is installed by hand; do not exclude it from Select");
    }
}

}  // namespace

void check_providers(Context& ctx) {
    for (const auto& c : ctx.components) {
        check_remove(ctx, c);
        check_winsock(ctx, c);
        check_network_provider(ctx, c);
    }
    check_control_flags(ctx);
}

}  // namespace strata::netcfg::lint_detail
