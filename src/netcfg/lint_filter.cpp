// lint_filter.cpp — NET26xx: a filter service INF's Ndi filter values and, across files, its
// filter device INF (seed 003 §4.2.7.13, §4.2.11.4).
#include <algorithm>
#include <array>

#include "netcfg/lint_rules.h"

namespace strata::netcfg::lint_detail {

namespace {

constexpr std::array<std::string_view, 11> kMedia{"ethernet", "atm",    "tokenring", "serial",    "fddi", "baseband",
                                                  "broadband", "arcnet", "isdn",      "localtalk", "wan"};
constexpr std::array<std::string_view, 4> kFilterValues{"FilterClass", "FilterDeviceInfFile", "FilterDeviceInfId",
                                                        "FilterMediaTypes"};

void check_filter_ranges(Context& ctx, const Component& c) {
    const RegEntry* upper = c.hkr("ndi\\interfaces", "UpperRange");
    const RegEntry* lower_range = c.hkr("ndi\\interfaces", "LowerRange");
    if (upper && lower(upper->text()) != "noupper")
        ctx.warning(upper->line->where, "NET2608", "a filter service exposes no upper edge: UpperRange must be noupper");
    if (lower_range && lower(lower_range->text()) != "nolower")
        ctx.warning(lower_range->line->where, "NET2608",
                    "a filter service exposes no lower edge: LowerRange must be nolower");
}

void check_media(Context& ctx, const Component& c) {
    const RegEntry* media = c.hkr("ndi\\interfaces", "FilterMediaTypes");
    if (!media) {
        if ((media = c.hkr("ndi", "FilterMediaTypes")))
            ctx.warning(media->line->where, "NET2613", "FilterMediaTypes belongs under Ndi\\Interfaces, not Ndi");
    }
    if (!media) {
        ctx.warning(c.addreg_where(), "NET2606",
                    "filter service has no Ndi\\Interfaces FilterMediaTypes; it attaches to no adapter");
        return;
    }
    for (const auto& token : split_lower(media->text()))
        if (std::find(kMedia.begin(), kMedia.end(), token) == kMedia.end())
            ctx.warning(media->line->where, "NET2607",
                        "FilterMediaTypes token '" + token + "' is not a LowerRange medium of §4.2.7.10");
}

void check_filter_service(Context& ctx, const Component& c) {
    if (ctx.cls != NetClass::NetService)
        ctx.warning(c.ddinstall->find("Characteristics")->where, "NET2601",
                    "NCF_FILTER belongs to a NetService filter service INF, not a " +
                        std::string(class_name(ctx.cls)) + " INF");
    const RegEntry* klass = c.hkr("ndi", "FilterClass");
    if (!klass) {
        ctx.error(c.addreg_where(), "NET2602", "filter service has no Ndi\\FilterClass");
    } else if (!is_filter_class(klass->text())) {
        ctx.error(klass->line->where, "NET2603",
                  "FilterClass '" + klass->text() + "' is not scheduler, loadbalance or failover");
    }
    const RegEntry* file = c.hkr("ndi", "FilterDeviceInfFile");
    const RegEntry* id = c.hkr("ndi", "FilterDeviceInfId");
    if (!file)
        ctx.warning(c.addreg_where(), "NET2604", "filter service has no Ndi\\FilterDeviceInfFile naming its device INF");
    if (!id)
        ctx.error(c.addreg_where(), "NET2605", "filter service has no Ndi\\FilterDeviceInfId naming its filter device");
    check_media(ctx, c);
    check_filter_ranges(ctx, c);
    if (!id) return;
    FilterLink link;
    link.file_where = file ? file->line->where : c.addreg_where();
    link.id_where = id->line->where;
    link.device_inf = file ? file->text() : std::string();
    link.device_id = id->text();
    if (const RegEntry* service = c.hkr("ndi", "Service")) link.service = service->text();
    ctx.filter_links.push_back(std::move(link));
}

}  // namespace

void check_filter(Context& ctx) {
    for (const auto& c : ctx.components) {
        if (c.has(kNcfFilter)) {
            check_filter_service(ctx, c);
            continue;
        }
        for (std::string_view name : kFilterValues) {
            const RegEntry* e = c.hkr("ndi", name);
            if (!e) e = c.hkr("ndi\\interfaces", name);
            if (e && !c.has(kNcfLwFilter))
                ctx.warning(e->line->where, "NET2612",
                            std::string(name) + " has no effect: Characteristics lacks NCF_FILTER (0x400)");
        }
    }
}

void check_filter_device(Context& ctx, const FilterLink& link, const InfFile& device) {
    Context dev(device);
    check_version(dev);
    collect_models(dev);
    const Component* found = nullptr;
    for (const auto& c : dev.components)
        for (const auto& id : c.hw_ids)
            if (inf_iequals(id, link.device_id)) found = &c;
    if (!found) {
        ctx.error(link.id_where, "NET2609",
                  "FilterDeviceInfId " + link.device_id + " is not a hw-id in the Models of " + link.device_inf);
        return;
    }
    if (link.service) {
        bool matches = std::any_of(found->add_services.begin(), found->add_services.end(),
                                   [&](const InfLine* add) { return inf_iequals(add->field(0), *link.service); });
        if (!matches)
            ctx.error(link.id_where, "NET2610",
                      "filter device " + link.device_id + " in " + link.device_inf +
                          " does not AddService the filter's Ndi\\Service '" + *link.service + "'");
    }
    bool excluded = false;
    if (const InfSection* flags = device.section("ControlFlags"))
        for (const InfLine* line : flags->find_all("ExcludeFromSelect"))
            for (const auto& id : line->fields)
                if (id == "*" || inf_iequals(id, link.device_id)) excluded = true;
    if (!excluded)
        ctx.warning(link.id_where, "NET2614",
                    link.device_inf + " should list " + link.device_id + " in [ControlFlags] ExcludeFromSelect");
}

}  // namespace strata::netcfg::lint_detail
