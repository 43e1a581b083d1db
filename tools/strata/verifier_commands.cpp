// verifier_commands.cpp — `strata verifier enable|disable|query|report|fault` (issue 7 §4,
// DESIGN.md "Verifier"), after verifier.exe: /standard /driver and /all write the registry
// switch the next host start reads, /reset clears it, /query shows it; report and fault talk
// to the running host (a stopped host's reports come from <root>/verifier-report.json).
#include <cctype>
#include <cinttypes>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli.h"
#include "registry/registry.h"
#include "registry/value.h"
#include "verifier/control.h"
#include "verifier/fault.h"
#include "verifier/fault_registry.h"
#include "verifier/registry_switch.h"
#include "verifier/report_file.h"

namespace strata::cli {
namespace {

// An image name as VerifyDrivers lists it: "passthru.sys"; a bare service name gets ".sys".
std::string image_name(const std::string& name) {
    if (name.empty()) throw UsageError("--driver: empty driver name");
    for (char c : name)
        if (std::isspace(static_cast<unsigned char>(c)) || c == '\\' || c == '/' || c == '*')
            throw UsageError("--driver " + name + ": not an image name like passthru.sys");
    std::string lower;
    for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower.ends_with(".sys") ? name : name + ".sys";
}

// The switch as the registry of the root holds it; a root with no registry yet has none (and
// reading must not create one).
std::optional<verifier::Switch> registry_switch(const Context& context) {
    if (!std::filesystem::exists(context.root() / "registry.db")) return std::nullopt;
    registry::Registry reg(context.root());
    return verifier::read_switch(reg);
}

nlohmann::json switch_json(const std::optional<verifier::Switch>& on) {
    if (!on) return nullptr;
    return {{"all", on->all}, {"drivers", on->images}};
}

nlohmann::json stored_json(const std::vector<verifier::StoredFault>& stored) {
    nlohmann::json list = nlohmann::json::array();
    for (const verifier::StoredFault& f : stored) list.push_back(verifier::fault_rule_json(f.call, f.rule));
    return list;
}

std::vector<verifier::StoredFault> read_stored_faults(const Context& context) {
    if (!std::filesystem::exists(context.root() / "registry.db")) return {};
    registry::Registry reg(context.root());
    try {
        return verifier::read_fault_rules(reg);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
}

void add_enable(CLI::App& verifier, Context& context) {
    auto* cmd = verifier.add_subcommand("enable", "turn the verifier on from the next host start (verifier /standard /driver)");
    auto drivers = std::make_shared<std::vector<std::string>>();
    auto all = std::make_shared<bool>(false);
    cmd->add_option("--driver", *drivers, "verify this driver image (repeatable)")->type_name("NAME.sys");
    cmd->add_flag("--all", *all, "verify every driver (verifier /all)");
    cmd->callback([&context, drivers, all] {
        if (*all == !drivers->empty()) throw UsageError("verifier enable: give --all or at least one --driver NAME.sys");
        verifier::Switch on;
        on.all = *all;
        for (const std::string& d : *drivers) on.images.push_back(image_name(d));
        registry::Registry reg(context.root());
        verifier::write_switch(reg, on);
        bool running = ask_host(context, {{"cmd", "status"}}).has_value();
        if (context.json) {
            print_json({{"registry", switch_json(on)}, {"takes_effect", running ? "next start" : "start"}});
            return;
        }
        std::string what = on.all ? std::string("every driver") : "";
        for (const std::string& image : on.images) what += (what.empty() ? "" : " ") + image;
        std::printf("verifier: enabled for %s; takes effect at the next host start%s\n", what.c_str(),
                    running ? " (the running host is unchanged: strata stop, strata start)" : "");
    });
}

void add_disable(CLI::App& verifier, Context& context) {
    auto* cmd = verifier.add_subcommand("disable", "turn the registry switch off from the next host start (verifier /reset)");
    cmd->callback([&context] {
        bool had = false;
        if (std::filesystem::exists(context.root() / "registry.db")) {
            registry::Registry reg(context.root());
            had = verifier::clear_switch(reg);
            had = verifier::clear_fault_rules(reg, std::nullopt) || had;
        }
        if (context.json) print_json({{"registry", nullptr}, {"was_set", had}});
        else std::printf("verifier: %s; takes effect at the next host start\n", had ? "disabled" : "was not enabled");
    });
}

void add_query(CLI::App& verifier, Context& context) {
    auto* cmd = verifier.add_subcommand("query", "the registry switch and the running host's verifier (verifier /query)");
    cmd->callback([&context] {
        std::optional<verifier::Switch> on = registry_switch(context);
        std::optional<nlohmann::json> running = ask_host(context, {{"cmd", "verifier-report"}});
        if (context.json) {
            nlohmann::json host = nullptr;
            if (running)
                host = {{"enabled", running->value("enabled", false)}, {"all", running->value("all", false)},
                        {"reports", running->value("total", 0ull)}};
            nlohmann::json faults = nlohmann::json::array();
            if (running)
                if (std::optional<nlohmann::json> list = ask_host(context, {{"cmd", "verifier-fault-list"}}))
                    faults = list->value("armed", nlohmann::json::array());
            print_json({{"registry", switch_json(on)}, {"stored_faults", stored_json(read_stored_faults(context))},
                        {"host", host}, {"faults", faults}});
            return;
        }
        if (!on) std::puts("registry: VerifyDrivers not set (the verifier is off unless strata start --verify)");
        else {
            std::string what = on->all ? std::string("*") : "";
            for (const std::string& image : on->images) what += (what.empty() ? "" : " ") + image;
            std::printf("registry: VerifyDrivers = %s, VerifyDriverLevel = 0x%lX\n", what.c_str(), verifier::kStandardLevel);
        }
        for (const verifier::StoredFault& f : read_stored_faults(context))
            std::printf("registry: fault injection at the next start: %s\n", verifier::fault_text(f).c_str());
        if (!running) std::puts("host: not running");
        else
            std::printf("host: verifier %s%s, %" PRIu64 " report(s)\n", running->value("enabled", false) ? "on" : "off",
                        running->value("all", false) ? " for every driver" : "", running->value("total", std::uint64_t{0}));
    });
}

void print_reports(const nlohmann::json& reports, const std::string& source) {
    const nlohmann::json& list = reports["reports"];
    std::printf("verifier: %zu report(s) kept, %" PRIu64 " counted (%s)\n", list.size(),
                reports.value("total", std::uint64_t{0}), source.c_str());
    // driver -> rule -> reports, in the order first seen
    std::map<std::string, std::map<std::string, std::vector<const nlohmann::json*>>> grouped;
    for (const auto& r : list) grouped[r.value("driver", "")][r.value("rule", "")].push_back(&r);
    for (const auto& [driver, rules] : grouped) {
        std::size_t n = 0;
        for (const auto& [rule, rs] : rules) n += rs.size();
        std::printf("\ndriver %s: %zu report(s)\n", driver.empty() ? "(unattributed)" : driver.c_str(), n);
        for (const auto& [rule, rs] : rules) {
            std::printf("  %s: %zu\n", rule.c_str(), rs.size());
            for (const nlohmann::json* r : rs) {
                std::printf("    object %s: %s\n", r->value("object", "").c_str(), r->value("message", "").c_str());
                for (const auto& frame : (*r)["backtrace"]) std::printf("        %s\n", frame.get<std::string>().c_str());
            }
        }
    }
}

void add_report(CLI::App& verifier, Context& context) {
    auto* cmd = verifier.add_subcommand("report", "every verifier report: driver, rule, object, message, backtrace");
    cmd->callback([&context] {
        std::string source = "running host";
        std::optional<nlohmann::json> reports = ask_host(context, {{"cmd", "verifier-report"}});
        if (reports) reports->erase("ok");
        else {
            std::filesystem::path file = verifier::report_file_path(context.root());
            std::ifstream in(file);
            if (!in) throw UsageError("no host is running for " + context.root().string() + " and no " + file.string() +
                                      " from a stopped one");
            reports = nlohmann::json::parse(in, nullptr, false);
            if (reports->is_discarded() || !reports->is_object()) throw RunError(file.string() + ": not a verifier report file");
            source = "the host stopped last, from " + file.string();
        }
        if (context.json) print_json(*reports);
        else print_reports(*reports, source);
    });
}

struct FaultOptions {
    std::string call;
    std::uint64_t every = 0;
    double probability = 0;
    std::uint64_t seed = 0;
    bool clear = false;
    bool list = false;
};

void print_armed(const nlohmann::json& armed) {
    if (armed.empty()) {
        std::puts("fault injection: nothing armed");
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : armed) {
        std::string rule = a.contains("every") ? "every " + std::to_string(a["every"].get<std::uint64_t>())
                                               : "probability " + std::to_string(a["probability"].get<double>());
        rows.push_back({a.value("call", ""), rule, std::to_string(a.value("seed", std::uint64_t{0})),
                        std::to_string(a.value("calls", std::uint64_t{0})), std::to_string(a.value("injected", std::uint64_t{0}))});
    }
    print_table({"CALL", "RULE", "SEED", "CALLS", "INJECTED"}, rows);
}

// No host runs: a rule is stored for the next start, --list shows what is stored.
void stored_faults(const Context& context, const std::shared_ptr<FaultOptions>& o,
                   std::optional<verifier::fault::FaultCall> call) {
    if (!o->list && !o->clear) {
        verifier::StoredFault stored{*call, {o->every, o->probability, o->seed}};
        registry::Registry reg(context.root());
        try {
            verifier::store_fault_rule(reg, stored);
        } catch (const std::invalid_argument& e) {
            throw UsageError(e.what());
        }
        if (!context.json)
            std::printf("fault injection: no host is running; %s stored in the registry, armed at the next strata start\n",
                        verifier::fault_text(stored).c_str());
    }
    std::vector<verifier::StoredFault> stored = read_stored_faults(context);
    if (context.json) {
        print_json(stored_json(stored));
        return;
    }
    if (o->list) {
        if (stored.empty()) std::puts("fault injection: no host is running and nothing is stored for the next start");
        else std::puts("fault injection: no host is running; stored for the next strata start:");
    }
    if (!stored.empty() && !o->clear) print_armed(stored_json(stored));
}

void add_fault(CLI::App& verifier, Context& context) {
    std::string calls;
    for (std::size_t i = 0; i < static_cast<std::size_t>(verifier::fault::FaultCall::Count_); ++i)
        calls += std::string(i == 0 ? "" : ", ") + verifier::fault::fault_call_name(static_cast<verifier::fault::FaultCall>(i));
    auto* cmd = verifier.add_subcommand("fault", "fail a call every Nth time or at random (low resources simulation): in "
                                                 "the running host, or from the next start when none runs; calls: " + calls);
    auto o = std::make_shared<FaultOptions>();
    cmd->add_option("--call", o->call, "the exported function to fail")->type_name("NAME");
    cmd->add_option("--every", o->every, "fail calls N, 2N, 3N, ...")->type_name("N");
    cmd->add_option("--probability", o->probability, "fail each call with this chance, in (0, 1]")->type_name("P");
    cmd->add_option("--seed", o->seed, "the random sequence (default 0): the same seed fails the same calls")->type_name("S");
    cmd->add_flag("--clear", o->clear, "disarm --call NAME, or every call");
    cmd->add_flag("--list", o->list, "armed calls and how many failures were injected");
    cmd->callback([&context, o, cmd, calls] {
        bool every = cmd->count("--every") > 0, probability = cmd->count("--probability") > 0;
        if (o->clear + o->list > 1) throw UsageError("verifier fault: --clear and --list do not go together");
        std::optional<verifier::fault::FaultCall> call;
        if (!o->call.empty() || cmd->count("--call") > 0) {
            call = verifier::fault::fault_call_from_name(o->call);
            if (!call) throw UsageError("verifier fault: no fallible call named \"" + o->call + "\" (one of: " + calls + ")");
        }
        nlohmann::json request;
        if (o->list || o->clear) {
            if (every || probability || cmd->count("--seed") > 0)
                throw UsageError(std::string("verifier fault: --") + (o->list ? "list" : "clear") +
                                 " takes no --every, --probability or --seed");
            if (o->list && call) throw UsageError("verifier fault: --list takes no --call");
            request = {{"cmd", o->list ? "verifier-fault-list" : "verifier-fault-clear"}};
            if (call) request["call"] = verifier::fault::fault_call_name(*call);
        } else {
            if (!call) throw UsageError("verifier fault: give --call NAME (or --clear, --list)");
            if (every == probability) throw UsageError("verifier fault: give exactly one of --every N and --probability P");
            if (every && o->every == 0) throw UsageError("verifier fault: --every must be at least 1");
            if (probability && !(o->probability > 0 && o->probability <= 1))
                throw UsageError("verifier fault: --probability must be in (0, 1], not " + std::to_string(o->probability));
            request = {{"cmd", "verifier-fault"}, {"call", verifier::fault::fault_call_name(*call)}, {"seed", o->seed}};
            if (every) request["every"] = o->every;
            else request["probability"] = o->probability;
        }
        std::optional<nlohmann::json> reply = ask_host(context, request);
        // --clear also forgets what waits in the registry, or the next start would arm it again.
        bool stored_cleared = false;
        if (o->clear && std::filesystem::exists(context.root() / "registry.db")) {
            registry::Registry reg(context.root());
            stored_cleared = verifier::clear_fault_rules(reg, call);
        }
        if (!reply) {
            stored_faults(context, o, call);
            if (!context.json && o->clear)
                std::printf("fault injection: %s\n", stored_cleared ? "cleared from the registry" : "nothing stored");
            return;
        }
        if (context.json) {
            print_json(reply->value("armed", nlohmann::json::array()));
            return;
        }
        if (!o->list && !o->clear)
            std::printf("fault injection: %s armed in the running host\n", verifier::fault::fault_call_name(*call));
        print_armed(reply->value("armed", nlohmann::json::array()));
    });
}

}  // namespace

void add_verifier_commands(CLI::App& app, Context& context) {
    auto* verifier = app.add_subcommand("verifier", "the driver verifier: registry switch, reports, fault injection");
    verifier->require_subcommand(1);
    add_enable(*verifier, context);
    add_disable(*verifier, context);
    add_query(*verifier, context);
    add_report(*verifier, context);
    add_fault(*verifier, context);
}

}  // namespace strata::cli
