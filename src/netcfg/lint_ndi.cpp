// lint_ndi.cpp — NET23xx and NET24xx: the Ndi key of each component — Service, CoServices,
// HelpText, notify object, obsolete Windows 95 values — and its Ndi\Interfaces binding ranges
// (seed 003 §4.2.7.2–§4.2.7.10, §4.2.7.15, §4.2.11).
#include <algorithm>
#include <array>

#include "netcfg/lint_rules.h"

namespace strata::netcfg::lint_detail {

namespace {

bool contains(std::span<const std::string_view> set, std::string_view token) {
    return std::find(set.begin(), set.end(), token) != set.end();
}

// §4.2.7.15: keys and values Windows 95/98 read and Windows 2000 ignores.
std::optional<std::string_view> obsolete_value(const RegEntry& e) {
    static constexpr std::array<std::string_view, 5> kInstance{"devloader", "devicevxd", "driverdesc", "inffile",
                                                               "staticvxd"};
    static constexpr std::array<std::string_view, 7> kNdi{"deviceid",   "ndiinstaller", "installinf", "cardtype",
                                                          "compatibility", "install",   "remove"};
    static constexpr std::array<std::string_view, 3> kInterfaces{"defupper", "deflower", "requireany"};
    static constexpr std::array<std::string_view, 3> kParam{"flag", "location", "resc"};
    std::string name = lower(e.name);
    if (e.key.empty() && contains(kInstance, name)) return "instance value";
    if (e.key == "ndis" || e.key.rfind("ndis\\", 0) == 0) return "NDIS key";
    if (e.key == "ndi" && contains(kNdi, name)) return "Ndi value";
    for (auto sub : kNdi)
        if (e.key == "ndi\\" + std::string(sub) || e.key.rfind("ndi\\" + std::string(sub) + "\\", 0) == 0)
            return "Ndi subkey";
    if (e.key == "ndi\\interfaces" && contains(kInterfaces, name)) return "Ndi\\Interfaces value";
    if (e.key.rfind("ndi\\params\\", 0) == 0) {
        auto tail = e.key.substr(11);
        auto slash = tail.find('\\');
        if (slash == std::string::npos && contains(kParam, name)) return "Ndi\\params value";
        if (slash != std::string::npos && contains(kParam, tail.substr(slash + 1))) return "Ndi\\params subkey";
    }
    return std::nullopt;
}

// The name of the service an AddService line installs, as Windows compares them (any case).
bool installs(const Component& c, std::string_view service) {
    for (const InfLine* add : c.add_services)
        if (inf_iequals(add->field(0), service)) return true;
    return false;
}

void check_service(Context& ctx, const Component& c, bool filter) {
    const RegEntry* service = c.hkr("ndi", "Service");
    // A filter service's driver is installed by its device INF, so NCF_NO_SERVICE is normal there.
    if (service && c.has(kNcfNoService) && c.add_services.empty() && !filter)
        ctx.warning(service->line->where, "NET2314",
                    "Ndi\\Service is set but Characteristics has NCF_NO_SERVICE");
    if (!service) {
        if (!c.add_services.empty() && !c.has(kNcfNoService))
            ctx.error(c.addreg_where(), "NET2303",
                      "component installs service " + c.add_services.front()->field(0) +
                          " but its Ndi key has no Service value naming it");
        return;
    }
    const std::string& name = service->text();
    if (!c.add_services.empty()) {
        if (!installs(c, name))
            ctx.error(service->line->where, "NET2302",
                      "Ndi\\Service '" + name + "' is not the ServiceName of any AddService in [" +
                          c.services->name + "] (" + c.add_services.front()->field(0) + ")");
    } else if (is_software(ctx.cls) && !filter && !c.has(kNcfNoService)) {
        ctx.warning(service->line->where, "NET2313",
                    "Ndi\\Service '" + name + "' names a service this INF does not install (no AddService)");
    }

    const RegEntry* co = c.hkr("ndi", "CoServices");
    if (ctx.cls == NetClass::Net) {
        if (co)
            ctx.warning(co->line->where, "NET2305", "a Net adapter has one service; CoServices does not apply");
        return;
    }
    if (!is_software(ctx.cls)) return;
    if (!co) {
        ctx.warning(service->line->where, "NET2304",
                    std::string(class_name(ctx.cls)) + " component has Ndi\\Service but no Ndi\\CoServices");
        return;
    }
    bool listed = std::any_of(co->data.begin(), co->data.end(),
                              [&](const std::string& s) { return inf_iequals(s, name); });
    if (co->type != RegType::MultiSz || !listed)
        ctx.warning(co->line->where, "NET2306",
                    "Ndi\\CoServices should be REG_MULTI_SZ (0x00010000) listing the Service '" + name + "' too");
}

void check_texts(Context& ctx, const Component& c) {
    const RegEntry* help = c.hkr("ndi", "HelpText");
    if (is_software(ctx.cls) && !help)
        ctx.warning(c.addreg_where(), "NET2307",
                    std::string(class_name(ctx.cls)) + " component " + c.first_hw_id() + " has no Ndi\\HelpText");
    if (!is_software(ctx.cls) && help)
        ctx.warning(help->line->where, "NET2308", "Net and IrDA components do not support Ndi\\HelpText");

    const RegEntry* clsid = c.hkr("ndi", "ClsID");
    const RegEntry* dll = c.hkr("ndi", "ComponentDll");
    if ((clsid != nullptr) != (dll != nullptr)) {
        const RegEntry* present = clsid ? clsid : dll;
        ctx.error(present->line->where, "NET2310",
                  "a notify object needs both Ndi\\ClsID and Ndi\\ComponentDll");
    }
    if ((clsid || dll) && ctx.cls == NetClass::Net)
        ctx.warning((clsid ? clsid : dll)->line->where, "NET2311",
                    "Net adapters do not support notify objects; use a co-installer");
    if (dll && !c.ddinstall->find("CopyFiles"))
        ctx.warning(dll->line->where, "NET2312",
                    "notify object DLL is not copied: [" + c.ddinstall->name + "] has no CopyFiles");

    for (const auto& e : c.reg)
        if (e.root == "HKR")
            if (auto what = obsolete_value(e))
                ctx.warning(e.line->where, "NET2309",
                            "obsolete Windows 95/98 " + std::string(*what) + " '" +
                                (e.name.empty() ? e.subkey : e.subkey + "," + e.name) + "' is ignored by Windows 2000");
}

// §4.2.7.10 and §4.2.11: the binding interfaces each class may name.
struct Ranges {
    std::span<const std::string_view> upper;
    std::span<const std::string_view> lower;
};

constexpr std::array<std::string_view, 11> kAdapterUpper{"ndis5",       "ndisatm",   "ndiswan",  "ndiscowan",
                                                         "noupper",     "ndis5_atalk", "ndis5_dlc", "ndis5_ip",
                                                         "ndis5_ipx",   "ndis5_nbf", "ndis5_streams"};
constexpr std::array<std::string_view, 12> kMedia{"ethernet", "atm",   "tokenring", "serial",    "fddi", "baseband",
                                                  "broadband", "arcnet", "isdn",     "localtalk", "wan",  "nolower"};
constexpr std::array<std::string_view, 5> kProtocolUpper{"netbios", "ipx", "tdi", "winsock", "noupper"};
constexpr std::array<std::string_view, 11> kProtocolLower{"ndis5",     "ndisatm",   "ndiswan",     "ndiscowan",
                                                          "nolower",   "ndis5_atalk", "ndis5_dlc", "ndis5_ip",
                                                          "ndis5_ipx", "ndis5_nbf", "ndis5_streams"};
constexpr std::array<std::string_view, 1> kNoUpper{"noupper"};
constexpr std::array<std::string_view, 5> kClientLower{"ipx", "tdi", "winsock", "netbios", "nolower"};

std::optional<Ranges> ranges_for(NetClass cls) {
    switch (cls) {
    case NetClass::Net: return Ranges{kAdapterUpper, kMedia};
    case NetClass::NetTrans: return Ranges{kProtocolUpper, kProtocolLower};
    case NetClass::NetClient:
    case NetClass::NetService: return Ranges{kNoUpper, kClientLower};
    case NetClass::Infrared:
    case NetClass::Unknown: return std::nullopt;
    }
    return std::nullopt;
}

void check_range(Context& ctx, const RegEntry& e, std::span<const std::string_view> allowed, std::string_view none) {
    if (e.type != RegType::Sz)
        ctx.warning(e.line->where, "NET2405", e.name + " should be REG_SZ (flags 0): a comma-separated token list");
    auto tokens = split_lower(e.text());
    for (const auto& token : tokens) {
        if (token == "ndis2" || token == "ndis3" || token == "ndis4") {
            ctx.warning(e.line->where, "NET2403", e.name + " token " + token + " is obsolete; use ndis5");
        } else if (!contains(allowed, token)) {
            ctx.warning(e.line->where, "NET2402",
                        e.name + " token '" + token + "' is not one Microsoft defines for the " +
                            std::string(class_name(ctx.cls)) + " class (binds only to components naming it too)");
        }
    }
    if (tokens.size() > 1 && std::find(tokens.begin(), tokens.end(), none) != tokens.end())
        ctx.warning(e.line->where, "NET2404", e.name + " combines " + std::string(none) + " with other interfaces");
}

void check_wan(Context& ctx, const Component& c, const RegEntry& lower_range) {
    auto tokens = split_lower(lower_range.text());
    auto has = [&](std::string_view t) { return std::find(tokens.begin(), tokens.end(), t) != tokens.end(); };
    if (!has("wan") && !has("isdn")) return;
    const RegEntry* endpoints = c.hkr("", "WanEndpoints");
    if (!endpoints || endpoints->type != RegType::Dword)
        ctx.warning(lower_range.line->where, "NET2406",
                    "WAN adapter should add REG_DWORD WanEndpoints (0x00010001) to its instance key");
    if (has("isdn"))
        for (std::string_view value : {"IsdnNumDChannels", "IsdnSwitchType"})
            if (!c.hkr("", value))
                ctx.warning(lower_range.line->where, "NET2407",
                            "ISDN adapter should add REG_DWORD " + std::string(value) + " to its instance key");
}

}  // namespace

void check_ndi(Context& ctx) {
    for (const auto& c : ctx.components) {
        if (c.hkr_under("ndi").empty()) {
            ctx.error(c.addreg_where(), "NET2301",
                      "component " + c.first_hw_id() + " adds no Ndi key (HKR, Ndi, ...) to its instance key");
            continue;
        }
        check_service(ctx, c, c.has(kNcfFilter));
        check_texts(ctx, c);
    }
}

void check_interfaces(Context& ctx) {
    auto ranges = ranges_for(ctx.cls);
    if (!ranges) return;
    for (const auto& c : ctx.components) {
        if (c.hkr_under("ndi").empty()) continue;  // NET2301 said it
        const RegEntry* upper = c.hkr("ndi\\interfaces", "UpperRange");
        const RegEntry* lower_range = c.hkr("ndi\\interfaces", "LowerRange");
        if (!upper || !lower_range)
            ctx.warning(c.addreg_where(), "NET2401",
                        "component " + c.first_hw_id() + " has no Ndi\\Interfaces " +
                            (upper ? "LowerRange" : "UpperRange") + "; it binds to nothing on that edge");
        if (c.has(kNcfFilter)) continue;  // a filter service's ranges are NET2608's
        if (upper) check_range(ctx, *upper, ranges->upper, "noupper");
        if (lower_range) {
            check_range(ctx, *lower_range, ranges->lower, "nolower");
            if (ctx.cls == NetClass::Net) check_wan(ctx, c, *lower_range);
        }
    }
}

}  // namespace strata::netcfg::lint_detail
