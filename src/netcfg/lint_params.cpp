// lint_params.cpp — NET25xx: the Ndi\params keys of an adapter's Advanced page and BundleId
// (seed 003 §4.2.7.11, §4.2.7.14; Microsoft's "Specifying Configuration Parameters for the
// Advanced Properties Page").
#include <algorithm>
#include <array>
#include <map>

#include "netcfg/lint_rules.h"

namespace strata::netcfg::lint_detail {

namespace {

struct Param {
    std::string name;                                   // as first written
    const InfLine* first = nullptr;
    std::map<std::string, const RegEntry*> values;      // lower-cased value name -> entry
    std::vector<const RegEntry*> enum_values;           // Ndi\params\<name>\enum
};

struct TypeRange {
    std::string_view type;
    int64_t min;
    int64_t max;
};

// Numeric Type values and the integers each holds.
constexpr std::array<TypeRange, 4> kNumericTypes{{
    {"int", -2147483648LL, 2147483647LL},
    {"long", -2147483648LL, 2147483647LL},
    {"word", 0, 65535},
    {"dword", 0, 4294967295LL},
}};

constexpr std::array<std::string_view, 12> kReserved{
    "bundleid",     "characteristics",  "componentid", "description", "driverdesc", "infpath",
    "infsection",   "infsectionext",    "manufacturer", "netcfginstanceid", "provider", "providername"};

std::map<std::string, Param> collect(const Component& c) {
    std::map<std::string, Param> params;
    for (const RegEntry* e : c.hkr_under("ndi\\params")) {
        if (e->key.size() <= 11) continue;  // Ndi\params itself
        std::string tail = e->key.substr(11);
        auto slash = tail.find('\\');
        std::string id = tail.substr(0, slash);
        Param& p = params[id];
        if (!p.first) {
            p.first = e->line;
            // The name as written: the subkey's component after Ndi\params.
            std::string written = e->subkey;
            auto at = lower(written).find(id);
            p.name = at == std::string::npos ? id : written.substr(at, id.size());
        }
        if (slash == std::string::npos) {
            if (!e->name.empty()) p.values[lower(e->name)] = e;
        } else if (tail.substr(slash + 1) == "enum" && !e->name.empty()) {
            p.enum_values.push_back(e);
        }
    }
    return params;
}

const std::string* value(const Param& p, std::string_view name) {
    auto it = p.values.find(std::string(name));
    return it == p.values.end() ? nullptr : &it->second->text();
}

SourceLocation where_of(const Param& p, std::string_view name) {
    auto it = p.values.find(std::string(name));
    return it == p.values.end() ? p.first->where : it->second->line->where;
}

void check_numeric(Context& ctx, const Param& p, const TypeRange& range) {
    int base = 10;
    if (const std::string* b = value(p, "base"); b && inf_number(*b) == 16) base = 16;
    auto number = [&](const std::string& text) -> std::optional<int64_t> {
        if (base == 16 && text.rfind("0x", 0) != 0 && text.rfind("0X", 0) != 0) return inf_number("0x" + text);
        return inf_number(text);
    };
    std::map<std::string_view, int64_t> n;
    for (std::string_view name : {"min", "max", "step", "default"}) {
        const std::string* text = value(p, name);
        if (!text) continue;
        const std::string& written = p.values.at(std::string(name))->name;
        auto parsed = number(*text);
        if (!parsed) {
            ctx.error(where_of(p, name), "NET2508",
                      "parameter " + p.name + " " + written + " '" + *text + "' is not a number");
            continue;
        }
        if (*parsed < range.min || *parsed > range.max)
            ctx.warning(where_of(p, name), "NET2513",
                        "parameter " + p.name + " " + written + " " + *text + " is outside the range of " +
                            std::string(range.type));
        n[name] = *parsed;
    }
    bool has_min = n.count("min") != 0, has_max = n.count("max") != 0;
    if (has_min && has_max && n["min"] > n["max"])
        ctx.error(where_of(p, "max"), "NET2506", "parameter " + p.name + " has Min greater than Max");
    if (n.count("default")) {
        int64_t d = n["default"];
        if ((has_min && d < n["min"]) || (has_max && d > n["max"]))
            ctx.error(where_of(p, "default"), "NET2507",
                      "parameter " + p.name + " Default " + *value(p, "default") + " is outside Min..Max");
        else if (n.count("step") && n["step"] > 0 && has_min && (d - n["min"]) % n["step"] != 0)
            ctx.warning(where_of(p, "default"), "NET2512",
                        "parameter " + p.name + " Default is not Min plus a multiple of Step");
    }
    if (n.count("step") && n["step"] <= 0)
        ctx.warning(where_of(p, "step"), "NET2512", "parameter " + p.name + " Step must be positive");
}

void check_param(Context& ctx, const std::string& id, const Param& p) {
    if (std::find(kReserved.begin(), kReserved.end(), id) != kReserved.end()) {
        // BundleId is reserved as a parameter yet §4.2.7.14 uses Ndi\params\BundleId for LBFO bundles.
        if (id != "bundleid") {
            ctx.error(p.first->where, "NET2504", "parameter name " + p.name + " is reserved by Windows");
            return;
        }
        if (ctx.cls != NetClass::Net)
            ctx.warning(p.first->where, "NET2515", "BundleId (bundle membership) applies to Net adapters only");
        return;
    }
    if (!value(p, "paramdesc"))
        ctx.error(p.first->where, "NET2501", "parameter " + p.name + " has no ParamDesc");
    const std::string* type = value(p, "type");
    if (!type) {
        ctx.error(p.first->where, "NET2502", "parameter " + p.name + " has no Type");
        return;
    }
    for (const auto& [name, e] : p.values)
        if (e->type != RegType::Sz && name != "base")
            ctx.warning(e->line->where, "NET2516",
                        "parameter " + p.name + " value " + e->name + " should be REG_SZ (flags 0)");

    const std::string* optional = value(p, "optional");
    if (optional && *optional != "0" && *optional != "1")
        ctx.warning(where_of(p, "optional"), "NET2511", "parameter " + p.name + " Optional must be 0 or 1");
    bool is_optional = optional && *optional == "1";
    const std::string* def = value(p, "default");
    if (is_optional && def && !def->empty())
        ctx.warning(where_of(p, "default"), "NET2509", "optional parameter " + p.name + " should not set a Default");
    if (!is_optional && !def)
        ctx.warning(p.first->where, "NET2510", "required parameter " + p.name + " has no Default");

    std::string t = lower(*type);
    auto numeric = std::find_if(kNumericTypes.begin(), kNumericTypes.end(),
                                [&](const TypeRange& r) { return r.type == t; });
    if (numeric != kNumericTypes.end()) {
        check_numeric(ctx, p, *numeric);
    } else if (t == "enum") {
        if (p.enum_values.empty()) {
            ctx.error(p.first->where, "NET2505",
                      "enum parameter " + p.name + " has no Ndi\\params\\" + p.name + "\\enum values");
        } else if (def && !std::any_of(p.enum_values.begin(), p.enum_values.end(),
                                       [&](const RegEntry* e) { return inf_iequals(e->name, *def); })) {
            ctx.error(where_of(p, "default"), "NET2507",
                      "parameter " + p.name + " Default '" + *def + "' is not one of its enum values");
        }
    } else if (t != "edit") {
        ctx.error(where_of(p, "type"), "NET2503",
                  "parameter " + p.name + " Type '" + *type + "' is not int, long, word, dword, edit or enum");
    }
}

}  // namespace

void check_params(Context& ctx) {
    for (const auto& c : ctx.components) {
        auto params = collect(c);
        if (params.empty()) continue;
        bool advanced_page = std::any_of(params.begin(), params.end(),
                                         [](const auto& kv) { return kv.first != "bundleid"; });
        if (advanced_page && ctx.cls == NetClass::Net && c.characteristics && !c.has(kNcfHasUi))
            ctx.warning(c.ddinstall->find("Characteristics")->where, "NET2514",
                        "Ndi\\params define an Advanced page but Characteristics lacks NCF_HAS_UI (0x80)");
        for (const auto& [id, p] : params) check_param(ctx, id, p);
    }
}

}  // namespace strata::netcfg::lint_detail
