// cli.h — what every `strata` subcommand shares (DESIGN.md "Host and the strata command"):
// the root, --json, the exit-code contract (0 success, 1 failure at run time, 2 bad input) and
// small printing helpers.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace strata::cli {

struct Context {
    std::string root_option;  // --root as given; empty = registry::default_root()
    bool json = false;        // --json

    std::filesystem::path root() const;  // --root made absolute, or the default root
};

// Bad input: printed as `strata: <message>`, exit 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};
// Something failed while running (frames lost, a driver misbehaved): exit 1.
class RunError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Each registers its subcommands on `app`; the callbacks throw UsageError/RunError (or the
// library's one-line errors) and main turns them into the exit status.
void add_netcfg_commands(CLI::App& app, Context& context);   // install, uninstall, lint, components, bindings, bind, device
void add_host_commands(CLI::App& app, Context& context);     // start, stop, status, stats, sc
void add_probe_commands(CLI::App& app, Context& context);    // probe send|stats
void add_registry_commands(CLI::App& app, Context& context); // reg export
void add_demo_command(CLI::App& app, Context& context);      // demo

// The running host's reply, or nullopt when no host runs for the root. Host-side failures
// become UsageError (the host names what was wrong).
std::optional<nlohmann::json> ask_host(const Context& context, const nlohmann::json& request);
// Like ask_host, but a missing host is a UsageError saying so.
nlohmann::json require_host(const Context& context, const nlohmann::json& request);
// After a registry change: lets a running host pick it up; returns the errors it reported.
std::vector<std::string> notify_host(const Context& context);

// Prints rows as aligned columns under a header.
void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
void print_json(const nlohmann::json& value);

}  // namespace strata::cli
