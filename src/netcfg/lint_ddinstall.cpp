// lint_ddinstall.cpp — NET22xx: the network entries of a DDInstall section — Characteristics,
// BusType, EisaCompressedId, Port1DeviceNumber/Port1FunctionNumber — and the Net class's
// DDInstall.Services section (seed 003 §4.2.4, §4.2.8, §4.2.11).
#include <cstdio>

#include "netcfg/lint_rules.h"

namespace strata::netcfg::lint_detail {

namespace {

constexpr uint32_t kKnownBits = kNcfVirtual | kNcfSoftwareEnumerated | kNcfPhysical | kNcfHidden | kNcfNoService |
                                kNcfNotUserRemovable | kNcfMultiportInstancedAdapter | kNcfHasUi | kNcfFilter |
                                kNcfNdisProtocol | kNcfLwFilter;
constexpr uint32_t kSoftwareBits = kNcfHidden | kNcfNoService | kNcfNotUserRemovable | kNcfHasUi;

// The Characteristics values §4.2.11's table allows for each class.
uint32_t allowed_bits(NetClass cls) {
    switch (cls) {
    case NetClass::Net:
        return kNcfAdapterKinds | kNcfMultiportInstancedAdapter | kNcfHasUi | kNcfHidden | kNcfNotUserRemovable;
    case NetClass::NetTrans: return kSoftwareBits | kNcfNdisProtocol;
    case NetClass::NetClient: return kSoftwareBits;
    case NetClass::NetService: return kSoftwareBits | kNcfFilter | kNcfNdisProtocol | kNcfLwFilter;
    case NetClass::Infrared:
    case NetClass::Unknown: return kKnownBits;
    }
    return kKnownBits;
}

std::string hex(uint32_t value) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%X", value);
    return text;
}

void check_characteristics(Context& ctx, const Component& c) {
    const InfLine* line = c.ddinstall->find("Characteristics");
    bool network_class = ctx.cls != NetClass::Unknown && ctx.cls != NetClass::Infrared;
    if (!line) {
        if (network_class)
            ctx.error(c.ddinstall->where, "NET2201",
                      "[" + c.ddinstall->name + "] has no Characteristics entry (NCF_* flags)");
        return;
    }
    if (!c.characteristics) {
        ctx.error(line->where, "NET2202", "Characteristics '" + line->field(0) + "' is not a number");
        return;
    }
    uint32_t chars = *c.characteristics;
    uint32_t kinds = chars & kNcfAdapterKinds;
    if (kinds != 0 && (kinds & (kinds - 1)) != 0)
        ctx.error(line->where, "NET2203",
                  "Characteristics " + hex(chars) +
                      ": NCF_VIRTUAL, NCF_SOFTWARE_ENUMERATED and NCF_PHYSICAL are mutually exclusive");
    if (kinds != 0 && (chars & kNcfNoService))
        ctx.error(line->where, "NET2204",
                  "Characteristics " + hex(chars) + ": an adapter (NCF_VIRTUAL, NCF_SOFTWARE_ENUMERATED, "
                                                    "NCF_PHYSICAL) must have a service, so NCF_NO_SERVICE is not allowed");
    if (chars & ~kKnownBits) {
        ctx.warning(line->where, "NET2205",
                    "Characteristics " + hex(chars) + " has undocumented bits " + hex(chars & ~kKnownBits));
    } else if (chars & ~allowed_bits(ctx.cls)) {
        ctx.warning(line->where, "NET2206",
                    "Characteristics " + hex(chars & ~allowed_bits(ctx.cls)) + " are not " +
                        std::string(class_name(ctx.cls)) + " class flags");
    }
    if (ctx.cls == NetClass::Net && kinds == 0)
        ctx.warning(line->where, "NET2207",
                    "a Net adapter should be NCF_VIRTUAL, NCF_SOFTWARE_ENUMERATED or NCF_PHYSICAL");
}

void check_bus(Context& ctx, const Component& c) {
    const InfSection& dd = *c.ddinstall;
    const InfLine* bus = dd.find("BusType");
    std::optional<int64_t> bus_type = bus ? inf_number(bus->field(0)) : std::nullopt;
    if (c.has(kNcfPhysical) && !bus)
        ctx.warning(dd.where, "NET2208", "physical adapter [" + dd.name + "] has no BusType entry");
    if (bus && (!bus_type || *bus_type < 0 || *bus_type > 17))
        ctx.warning(bus->where, "NET2209", "BusType '" + bus->field(0) + "' is not an INTERFACE_TYPE value");
    if (bus_type == 2 && !dd.find("EisaCompressedId"))
        ctx.warning(bus->where, "NET2211", "EISA adapter (BusType=2) has no EisaCompressedId entry");
    if (c.has(kNcfMultiportInstancedAdapter) && bus_type != 2)
        ctx.warning(dd.find("Characteristics")->where, "NET2213",
                    "NCF_MULTIPORT_INSTANCED_ADAPTER applies to EISA adapters (BusType=2) only");
    const InfLine* device = dd.find("Port1DeviceNumber");
    const InfLine* function = dd.find("Port1FunctionNumber");
    if (device && function)
        ctx.warning(function->where, "NET2210",
                    "Port1DeviceNumber and Port1FunctionNumber are exclusive; Windows ignores Port1FunctionNumber");
}

// §4.2.8: a Net component's INF must have a DDInstall.Services section.
void check_net_services(Context& ctx, const Component& c) {
    if (ctx.cls != NetClass::Net || c.has(kNcfNoService)) return;
    if (!c.services) {
        ctx.error(c.ddinstall->where, "NET2212",
                  "Net adapter has no [" + c.ddinstall->name + ".Services] section with an AddService");
    } else if (c.add_services.empty()) {
        ctx.error(c.services->where, "NET2212", "[" + c.services->name + "] has no AddService entry");
    }
}

}  // namespace

void check_ddinstall(Context& ctx) {
    for (const auto& c : ctx.components) {
        check_characteristics(ctx, c);
        check_bus(ctx, c);
        check_net_services(ctx, c);
    }
}

}  // namespace strata::netcfg::lint_detail
