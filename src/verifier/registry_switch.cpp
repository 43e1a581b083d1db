// registry_switch.cpp — VerifyDrivers and VerifyDriverLevel (registry_switch.h).
#include "verifier/registry_switch.h"

#include <sstream>

#include "registry/registry.h"
#include "registry/value.h"
#include "verifier/verifier.h"

namespace strata::verifier {

std::optional<Switch> read_switch(registry::Registry& reg) {
    std::optional<registry::Value> value = reg.get_value(kMemoryManagementKey, kVerifyDriversValue);
    if (!value || (value->type() != registry::ValueType::Sz && value->type() != registry::ValueType::ExpandSz))
        return std::nullopt;
    Switch on;
    std::istringstream words(value->as_string());
    for (std::string word; words >> word;) {
        if (word == "*") on.all = true;
        else on.images.push_back(word);
    }
    if (!on.all && on.images.empty()) return std::nullopt;
    return on;
}

void write_switch(registry::Registry& reg, const Switch& on) {
    std::string text = on.all ? "*" : "";
    if (!on.all)
        for (const std::string& image : on.images) text += (text.empty() ? "" : " ") + image;
    auto tx = reg.transaction();
    reg.set_value(kMemoryManagementKey, kVerifyDriversValue, registry::Value::sz(text));
    reg.set_value(kMemoryManagementKey, kVerifyDriverLevelValue, registry::Value::dword(kStandardLevel));
    tx.commit();
}

bool clear_switch(registry::Registry& reg) {
    auto tx = reg.transaction();
    bool had = reg.delete_value(kMemoryManagementKey, kVerifyDriversValue);
    reg.delete_value(kMemoryManagementKey, kVerifyDriverLevelValue);
    tx.commit();
    return had;
}

void apply_switch(registry::Registry& reg, bool verify_all) {
    std::optional<Switch> on = read_switch(reg);
    if (verify_all || (on && on->all)) set_verified_drivers(true, {});
    else set_verified_drivers(false, on ? on->images : std::vector<std::string>{});
}

}  // namespace strata::verifier
