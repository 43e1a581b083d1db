// lint_models.cpp — NET21xx: the Manufacturer and Models sections of a network INF and the
// components they install (seed 003 §4.2.3; Microsoft's "INF Manufacturer Section").
#include <set>

#include "netcfg/lint_rules.h"

namespace strata::netcfg::lint_detail {

namespace {

// Provider_Product: a software component's hw-id (seed §4.2.3, e.g. MS_DLC).
bool follows_provider_product(std::string_view hw_id) {
    auto underscore = hw_id.find('_');
    return underscore != std::string_view::npos && underscore > 0 && underscore + 1 < hw_id.size();
}

Component& component_for(Context& ctx, const InfSection* ddinstall, std::string_view install_name) {
    for (auto& c : ctx.components)
        if (c.ddinstall == ddinstall) return c;
    Component& c = ctx.components.emplace_back();
    c.install_name = std::string(install_name);
    c.ddinstall = ddinstall;
    c.services = ctx.inf.section(ddinstall->name + ".Services");
    if (const InfLine* chars = ddinstall->find("Characteristics"))
        if (auto value = inf_number(chars->field(0)); value && *value >= 0)
            c.characteristics = static_cast<uint32_t>(*value);
    c.reg = addreg_entries(ctx.inf, *ddinstall);
    if (c.services)
        for (const InfLine* add : c.services->find_all("AddService")) c.add_services.push_back(add);
    return c;
}

void collect_models_section(Context& ctx, const InfSection& models, std::string_view decoration) {
    std::set<std::string> seen;
    for (const auto& line : models.lines) {
        const std::string& install = line.field(0);
        const std::string& hw_id = line.field(1);
        if (install.empty() || hw_id.empty()) {
            ctx.error(line.where, "NET2104",
                      "model entry needs device-description = install-section, hw-id: '" + line.raw + "'");
            continue;
        }
        if (!seen.insert(lower(hw_id)).second)
            ctx.warning(line.where, "NET2107", "hw-id " + hw_id + " is listed twice in [" + models.name + "]");
        const InfSection* ddinstall = resolve_install(ctx.inf, install, decoration);
        if (!ddinstall) {
            ctx.error(line.where, "NET2105", "install section [" + install + "] for " + hw_id + " does not exist");
            continue;
        }
        Component& c = component_for(ctx, ddinstall, install);
        c.models.push_back(&line);
        c.hw_ids.push_back(hw_id);
    }
}

// Software components and virtual adapters carry an invented Provider_Product id; physical
// adapters carry the id their bus reports (PCI\VEN_8086&DEV_100E), so they are exempt (seed §4.2.3).
void check_hw_id_names(Context& ctx) {
    for (const auto& c : ctx.components) {
        bool invented = is_software(ctx.cls) || (ctx.cls == NetClass::Net && c.has(kNcfVirtual));
        if (!invented) continue;
        for (std::size_t i = 0; i < c.hw_ids.size(); ++i) {
            const std::string& id = c.hw_ids[i];
            if (id.find('\\') != std::string::npos || follows_provider_product(id)) continue;
            ctx.warning(c.models[i]->where, "NET2106",
                        "hw-id " + id + " should be Provider_Product (provider, underscore, product), like MS_DLC");
        }
    }
}

}  // namespace

void collect_models(Context& ctx) {
    const InfFile& inf = ctx.inf;
    const InfSection* manufacturer = inf.section("Manufacturer");
    if (!manufacturer || manufacturer->lines.empty()) {
        ctx.error(manufacturer ? manufacturer->where : SourceLocation{inf.file_name(), 0}, "NET2101",
                  manufacturer ? "[Manufacturer] lists no models section" : "no [Manufacturer] section");
        return;
    }
    std::set<const InfSection*> visited;
    for (const auto& line : manufacturer->lines) {
        const std::string& base = line.field(0);
        if (base.empty()) {
            ctx.error(line.where, "NET2104", "manufacturer entry names no models section: '" + line.raw + "'");
            continue;
        }
        std::vector<std::string> decorations(line.fields.begin() + 1, line.fields.end());
        if (decorations.empty()) decorations.emplace_back();
        for (const auto& decoration : decorations) {
            std::string name = decoration.empty() ? base : base + "." + decoration;
            bool placeholder = decoration.find('$') != std::string::npos;
            if (placeholder)
                ctx.warning(line.where, "NET2103",
                            "decoration " + decoration + " holds a build placeholder (stampinf); Windows matches no "
                            "platform against it");
            const InfSection* models = inf.section(name);
            if (!models) {
                if (!placeholder)
                    ctx.error(line.where, "NET2102", "models section [" + name + "] does not exist");
                continue;
            }
            if (visited.insert(models).second) collect_models_section(ctx, *models, decoration);
        }
    }
    check_hw_id_names(ctx);
}

}  // namespace strata::netcfg::lint_detail
