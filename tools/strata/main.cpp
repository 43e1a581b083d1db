// main.cpp — the strata command (DESIGN.md "Host and the strata command"): one command with
// subcommands mirroring the tools Windows driver writers know (netcfg, InfVerif, devcon/PnP,
// sc.exe, pktmon), a global --root and --json, exit 0 / 1 / 2.
#include <cstdio>
#include <iostream>

#include "cli.h"
#include "host/control.h"
#include "host/service_host.h"
#include "netcfg/inf.h"
#include "netcfg/netcfg.h"
#include "registry/root.h"
#include "registry/value.h"

namespace strata::cli {

std::filesystem::path Context::root() const {
    return root_option.empty() ? registry::default_root() : std::filesystem::absolute(root_option);
}

std::optional<nlohmann::json> ask_host(const Context& context, const nlohmann::json& request) {
    try {
        return host::send_request(context.root(), request);
    } catch (const host::ControlError& e) {
        throw UsageError(e.what());
    }
}

nlohmann::json require_host(const Context& context, const nlohmann::json& request) {
    std::optional<nlohmann::json> reply = ask_host(context, request);
    if (!reply) throw UsageError("no host is running for " + context.root().string() + " (strata start)");
    return *reply;
}

std::vector<std::string> notify_host(const Context& context) {
    std::optional<nlohmann::json> reply = ask_host(context, {{"cmd", "reconcile"}});
    if (!reply) return {};
    return reply->value("errors", std::vector<std::string>{});
}

void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width(header.size());
    for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
    auto print_row = [&](const std::vector<std::string>& row) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
        }
        std::puts(line.c_str());
    };
    print_row(header);
    for (const auto& row : rows) print_row(row);
}

void print_json(const nlohmann::json& value) { std::puts(value.dump(2).c_str()); }

// oid_commands.cpp: oid query|set
void add_oid_commands(CLI::App& app, Context& context);
// capture_commands.cpp: capture
void add_capture_command(CLI::App& app, Context& context);
// verifier_commands.cpp: verifier enable|disable|query|report|fault
void add_verifier_commands(CLI::App& app, Context& context);
// reset_command.cpp: reset
void add_reset_command(CLI::App& app, Context& context);
// pnp_commands.cpp: pnp DEVICE setpower|query-remove|cancel-remove|remove|reconfigure
void add_pnp_command(CLI::App& app, Context& context);

}  // namespace strata::cli

int main(int argc, char** argv) {
    using namespace strata;
    cli::Context context;
    CLI::App app{"strata — NDIS 5.1 intermediate drivers and WSK in Linux user space"};
    app.name("strata");
    app.require_subcommand(1);
    app.fallthrough();
    app.add_option("--root", context.root_option, "state directory (registry.db, drivers/, inf/); default $STRATA_ROOT")
        ->type_name("DIR");
    app.add_flag("--json", context.json, "machine-readable output");
    cli::add_netcfg_commands(app, context);
    cli::add_host_commands(app, context);
    cli::add_probe_commands(app, context);
    cli::add_oid_commands(app, context);
    cli::add_capture_command(app, context);
    cli::add_verifier_commands(app, context);
    cli::add_reset_command(app, context);
    cli::add_pnp_command(app, context);
    cli::add_registry_commands(app, context);
    cli::add_demo_command(app, context);
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--root") {
            ++i;
            continue;
        }
        if (arg.starts_with("-")) continue;
        auto commands = app.get_subcommands([&](const CLI::App* sub) { return sub->check_name(std::string(arg)); });
        if (commands.empty()) {
            std::fprintf(stderr, "strata: unknown command '%s' (see strata --help)\n", argv[i]);
            return 2;
        }
        break;
    }
    try {
        app.parse(argc, argv);
        return 0;
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        std::cout << app.help("", CLI::AppFormatMode::All);
        return 0;
    } catch (const CLI::RuntimeError& e) {
        return e.get_exit_code();
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "strata: %s (see strata --help)\n", e.what());
        return 2;
    } catch (const cli::RunError& e) {
        std::fprintf(stderr, "strata: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        // UsageError and the libraries' one-line errors (netcfg, registry, INF, host).
        std::fprintf(stderr, "strata: %s\n", e.what());
        return 2;
    }
}
