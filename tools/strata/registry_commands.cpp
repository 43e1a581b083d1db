// registry_commands.cpp — `strata reg export [KEY]`: the registry as regedit's .reg text
// (DESIGN.md "Registry").
#include "cli.h"
#include "registry/registry.h"

namespace strata::cli {

void add_registry_commands(CLI::App& app, Context& context) {
    auto* reg = app.add_subcommand("reg", "the registry");
    reg->require_subcommand(1);
    auto* export_cmd = reg->add_subcommand("export", "print a key and its subtree as .reg text");
    auto key = std::make_shared<std::string>("HKLM\\SYSTEM\\CurrentControlSet");
    export_cmd->add_option("key", *key, "default HKLM\\SYSTEM\\CurrentControlSet")->type_name("KEY");
    export_cmd->callback([&context, key] {
        registry::Registry registry(context.root());
        std::fputs(registry.export_reg(*key).c_str(), stdout);
    });
}

}  // namespace strata::cli
