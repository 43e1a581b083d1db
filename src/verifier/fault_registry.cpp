// fault_registry.cpp — VerifierFaultRules (fault_registry.h).
#include "verifier/fault_registry.h"

#include <charconv>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "registry/registry.h"
#include "registry/value.h"
#include "verifier/registry_switch.h"

namespace strata::verifier {
namespace {

template <typename Number>
Number number_after(std::string_view word, std::string_view key) {
    std::string_view digits = word.substr(key.size());
    Number value{};
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc() || end != digits.data() + digits.size() || digits.empty())
        throw std::invalid_argument(fmt::format("\"{}\" is not {}NUMBER", word, key));
    return value;
}

std::vector<std::string> stored_texts(registry::Registry& reg) {
    std::optional<registry::Value> value = reg.get_value(kMemoryManagementKey, kFaultRulesValue);
    if (!value || value->type() != registry::ValueType::MultiSz) return {};
    return value->as_multi_sz();
}

void write_texts(registry::Registry& reg, const std::vector<std::string>& texts) {
    auto tx = reg.transaction();
    if (texts.empty()) reg.delete_value(kMemoryManagementKey, kFaultRulesValue);
    else reg.set_value(kMemoryManagementKey, kFaultRulesValue, registry::Value::multi_sz(texts));
    tx.commit();
}

}  // namespace

std::string fault_text(const StoredFault& stored) {
    std::string rule = stored.rule.every != 0 ? fmt::format("every={}", stored.rule.every)
                                              : fmt::format("probability={}", stored.rule.probability);
    return fmt::format("{} {} seed={}", fault::fault_call_name(stored.call), rule, stored.rule.seed);
}

StoredFault parse_fault(std::string_view text) {
    std::istringstream words{std::string(text)};
    std::string name;
    if (!(words >> name)) throw std::invalid_argument("empty rule");
    std::optional<fault::FaultCall> call = fault::fault_call_from_name(name);
    if (!call) throw std::invalid_argument("no fallible call named \"" + name + "\"");
    StoredFault stored{*call, {}};
    for (std::string word; words >> word;) {
        if (word.starts_with("every=")) stored.rule.every = number_after<std::uint64_t>(word, "every=");
        else if (word.starts_with("probability=")) stored.rule.probability = number_after<double>(word, "probability=");
        else if (word.starts_with("seed=")) stored.rule.seed = number_after<std::uint64_t>(word, "seed=");
        else throw std::invalid_argument("\"" + word + "\" is not every=N, probability=P or seed=S");
    }
    if (std::string why = fault::check_rule(stored.rule); !why.empty())
        throw std::invalid_argument("give exactly one of every=N (N >= 1) and probability=P in (0, 1]");
    return stored;
}

std::vector<StoredFault> read_fault_rules(registry::Registry& reg) {
    std::vector<StoredFault> rules;
    std::vector<std::string> texts = stored_texts(reg);
    for (std::size_t i = 0; i < texts.size(); ++i) {
        try {
            rules.push_back(parse_fault(texts[i]));
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument(fmt::format("{}\\{} entry {} \"{}\": {}", kMemoryManagementKey, kFaultRulesValue,
                                                    i + 1, texts[i], e.what()));
        }
    }
    return rules;
}

void store_fault_rule(registry::Registry& reg, const StoredFault& stored) {
    std::vector<std::string> texts;
    for (const StoredFault& other : read_fault_rules(reg))
        if (other.call != stored.call) texts.push_back(fault_text(other));
    texts.push_back(fault_text(stored));
    write_texts(reg, texts);
}

bool clear_fault_rules(registry::Registry& reg, std::optional<fault::FaultCall> call) {
    std::vector<std::string> texts = stored_texts(reg);
    std::vector<std::string> kept;
    if (call)
        for (const std::string& text : texts) {
            std::istringstream words(text);
            std::string name;
            words >> name;
            if (fault::fault_call_from_name(name) != call) kept.push_back(text);
        }
    if (kept.size() == texts.size()) return false;
    write_texts(reg, kept);
    return true;
}

void arm_stored_faults(registry::Registry& reg) {
    for (const StoredFault& stored : read_fault_rules(reg)) fault::arm(stored.call, stored.rule);
}

}  // namespace strata::verifier
