// netcfg_commands.cpp — `strata install|uninstall|lint|components|bindings|bind|device`: the
// netcfg -l/-i/-u, InfVerif and devcon tools of Windows over our registry (seed 003 ch. 4;
// DESIGN.md "netcfg"). Each netcfg call is one registry transaction that also recomputes the
// bindings; a running host picks the change up.
#include <iostream>
#include <map>
#include <set>

#include "cli.h"
#include "netcfg/lint.h"
#include "netcfg/netcfg.h"
#include "registry/registry.h"

namespace strata::cli {
namespace {

// Every key under `path`, for taking back what a failed device add created.
void collect_keys(registry::Registry& reg, const std::string& path, std::set<std::string>& keys) {
    keys.insert(path);
    for (const std::string& sub : reg.subkeys(path)) collect_keys(reg, path + "\\" + sub, keys);
}

void report_host_errors(const std::vector<std::string>& errors) {
    for (const std::string& e : errors) std::fprintf(stderr, "strata: host: %s\n", e.c_str());
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string text;
    for (const auto& p : parts) text += (text.empty() ? "" : std::string(separator)) + p;
    return text;
}

void add_install(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("install", "install the components of a network INF file (netcfg -l/-i)");
    auto inf = std::make_shared<std::string>();
    auto model = std::make_shared<std::string>();
    cmd->add_option("inf", *inf, "the INF file; the files it copies are found next to it")->required()->type_name("FILE.inf");
    cmd->add_option("--model", *model, "install only this hardware/component id")->type_name("HWID");
    cmd->callback([&context, inf, model] {
        std::filesystem::path root = context.root();
        registry::Registry reg(root);
        netcfg::InstallOptions options{root, model->empty() ? std::nullopt : std::optional<std::string>(*model)};
        auto installed = netcfg::install(reg, *inf, options);
        report_host_errors(notify_host(context));
        if (context.json) {
            nlohmann::json list = nlohmann::json::array();
            for (const auto& c : installed)
                list.push_back({{"component_id", c.component_id}, {"class", c.class_name}, {"service", c.service},
                                {"key", c.key}, {"inf", c.inf}});
            print_json(list);
            return;
        }
        for (const auto& c : installed)
            std::printf("installed %s (%s%s%s) from %s\n", c.component_id.c_str(), c.class_name.c_str(),
                        c.service.empty() ? "" : ", service ", c.service.c_str(), c.inf.c_str());
    });
}

void add_uninstall(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("uninstall", "remove an installed component (netcfg -u)");
    auto id = std::make_shared<std::string>();
    cmd->add_option("component", *id, "its component id")->required()->type_name("COMPONENT-ID");
    cmd->callback([&context, id] {
        std::filesystem::path root = context.root();
        registry::Registry reg(root);
        netcfg::uninstall(reg, root, *id);
        report_host_errors(notify_host(context));
        if (!context.json) std::printf("uninstalled %s\n", id->c_str());
    });
}

void add_lint(CLI::App& app, Context&) {
    auto* cmd = app.add_subcommand("lint", "check INF files against the network INF rules (exit 0 clean, 1 warnings, 2 errors)");
    auto files = std::make_shared<std::vector<std::string>>();
    cmd->add_option("files", *files, "INF files")->required()->type_name("FILE.inf");
    cmd->callback([files] {
        int status = netcfg::run_lint(*files, std::cout, std::cerr);
        std::cout.flush();
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

void add_components(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("components", "list installed network components");
    cmd->callback([&context] {
        registry::Registry reg(context.root());
        std::vector<netcfg::Component> list = netcfg::components(reg);
        if (context.json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& c : list)
                out.push_back({{"component_id", c.component_id}, {"class", c.class_name}, {"service", c.service},
                               {"key", c.key}, {"inf", c.inf}, {"description", c.description}});
            print_json(out);
            return;
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& c : list) rows.push_back({c.component_id, c.class_name, c.service, c.description});
        print_table({"COMPONENT", "CLASS", "SERVICE", "DESCRIPTION"}, rows);
    });
}

void add_bindings(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("bindings", "list every binding path, top to bottom");
    cmd->callback([&context] {
        registry::Registry reg(context.root());
        std::vector<netcfg::BindingPath> paths = netcfg::bindings(reg);
        if (context.json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& p : paths) {
                nlohmann::json edges = nlohmann::json::array();
                for (const auto& e : p.edges)
                    edges.push_back({{"upper", e.upper_component}, {"service", e.upper_service},
                                     {"lower", e.lower_device}, {"device", e.lower_device_name}});
                out.push_back({{"path", p.id}, {"nodes", p.nodes}, {"enabled", p.enabled}, {"edges", edges}});
            }
            print_json(out);
            return;
        }
        for (const auto& p : paths)
            std::printf("%-8s %s\n", p.enabled ? "enabled" : "disabled", join(p.nodes, " -> ").c_str());
    });
}

void add_bind(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("bind", "enable or disable one binding path (see strata bindings)");
    cmd->require_subcommand(1);
    for (bool enable : {true, false}) {
        auto* sub = cmd->add_subcommand(enable ? "enable" : "disable", enable ? "turn a path on" : "turn a path off");
        auto path = std::make_shared<std::string>();
        sub->add_option("path", *path, "the path id as `strata bindings --json` prints it")->required()->type_name("PATH");
        sub->callback([&context, path, enable] {
            std::filesystem::path root = context.root();
            registry::Registry reg(root);
            netcfg::set_binding_enabled(reg, root, *path, enable);
            report_host_errors(notify_host(context));
            if (!context.json) std::printf("%s %s\n", enable ? "enabled" : "disabled", path->c_str());
        });
    }
}

void add_device(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("device", "adapter instances of installed Net components (PnP)");
    cmd->require_subcommand(1);

    auto* add = cmd->add_subcommand("add", "create an adapter instance and start it when the host runs");
    auto hwid = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    auto params = std::make_shared<std::vector<std::string>>();
    add->add_option("hwid", *hwid, "hardware id of an installed Net component")->required()->type_name("HWID");
    add->add_option("--name", *name, "connection name (default <service><n>)")->type_name("N");
    add->add_option("--param", *params, "an Ndi\\params value, validated against the INF")->type_name("KEY=VALUE");
    add->callback([&context, hwid, name, params] {
        std::map<std::string, std::string> values;
        for (const std::string& p : *params) {
            auto eq = p.find('=');
            if (eq == std::string::npos || eq == 0) throw UsageError("--param " + p + ": expected KEY=VALUE");
            values[p.substr(0, eq)] = p.substr(eq + 1);
        }
        std::filesystem::path root = context.root();
        registry::Registry reg(root);
        std::set<std::string> keys_before;
        collect_keys(reg, "HKLM", keys_before);
        netcfg::Device device = netcfg::add_device(reg, root, *hwid, *name, values);
        std::vector<std::string> errors = notify_host(context);
        for (const std::string& e : errors) {
            if (e.find("device " + device.name + ":") != 0) continue;
            // The host could not start it: take the instance and every key the add created (its
            // service's included) back out, so the registry is as before.
            auto tx = reg.transaction();
            netcfg::remove_device(reg, device.name);
            std::set<std::string> keys_after;
            collect_keys(reg, "HKLM", keys_after);
            for (auto key = keys_after.rbegin(); key != keys_after.rend(); ++key)
                if (!keys_before.contains(*key)) reg.delete_key(*key);
            tx.commit();
            notify_host(context);
            throw UsageError(e);
        }
        report_host_errors(errors);
        if (context.json) {
            print_json({{"name", device.name}, {"device", device.device_name}, {"service", device.service},
                        {"key", device.instance_key}});
            return;
        }
        std::printf("added %s: %s (%s)\n", device.name.c_str(), device.device_name.c_str(), device.instance_key.c_str());
    });

    auto* remove = cmd->add_subcommand("remove", "halt and delete an adapter instance");
    auto remove_name = std::make_shared<std::string>();
    remove->add_option("name", *remove_name, "its connection name")->required()->type_name("NAME");
    remove->callback([&context, remove_name] {
        std::filesystem::path root = context.root();
        registry::Registry reg(root);
        if (!netcfg::find_device(reg, *remove_name)) throw UsageError("no device named " + *remove_name);
        ask_host(context, {{"cmd", "device-stop"}, {"name", *remove_name}});
        netcfg::remove_device(reg, *remove_name);
        report_host_errors(notify_host(context));
        if (!context.json) std::printf("removed %s\n", remove_name->c_str());
    });

    auto* rescan = cmd->add_subcommand("rescan", "start devices again that their miniport removed (devcon rescan)");
    rescan->callback([&context] {
        nlohmann::json reply = require_host(context, {{"cmd", "rescan"}});
        std::vector<std::string> errors = reply.value("errors", std::vector<std::string>{});
        report_host_errors(errors);
        if (!errors.empty()) throw RunError("rescan: " + std::to_string(errors.size()) + " device(s) did not start");
    });

    auto* list = cmd->add_subcommand("list", "list adapter instances");
    list->callback([&context] {
        registry::Registry reg(context.root());
        std::vector<netcfg::Device> devices = netcfg::devices(reg);
        std::optional<nlohmann::json> status = ask_host(context, {{"cmd", "status"}});
        auto state_of = [&](const netcfg::Device& d) -> std::string {
            if (!status) return "stopped";
            for (const auto& s : (*status)["devices"])
                if (s.value("device", "") == d.device_name) return s.value("state", "stopped");
            return "stopped";
        };
        if (context.json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& d : devices)
                out.push_back({{"name", d.name}, {"component_id", d.component_id}, {"service", d.service},
                               {"device", d.device_name}, {"key", d.instance_key}, {"virtual", d.virtual_miniport},
                               {"state", state_of(d)}});
            print_json(out);
            return;
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& d : devices) rows.push_back({d.name, d.component_id, d.service, state_of(d), d.device_name});
        print_table({"NAME", "COMPONENT", "SERVICE", "STATE", "DEVICE"}, rows);
    });
}

}  // namespace

void add_netcfg_commands(CLI::App& app, Context& context) {
    add_install(app, context);
    add_uninstall(app, context);
    add_lint(app, context);
    add_components(app, context);
    add_bindings(app, context);
    add_bind(app, context);
    add_device(app, context);
}

}  // namespace strata::cli
