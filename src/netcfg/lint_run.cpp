// lint_run.cpp — lint() and run_lint(): the rule families of seed 003 §4.2 run over one INF in
// order, the check across a filter's service and device INFs, and the exit-status contract.
#include <algorithm>
#include <filesystem>
#include <system_error>

#include "netcfg/lint.h"
#include "netcfg/lint_rules.h"

namespace strata::netcfg {

namespace {

namespace fs = std::filesystem;
using namespace lint_detail;

// `name` in `dir`, exactly or ASCII case-insensitively, as Windows would find it; nullopt if absent.
std::optional<fs::path> sibling(const fs::path& dir, const std::string& name) {
    std::error_code ec;
    fs::path exact = dir / name;
    if (fs::is_regular_file(exact, ec)) return exact;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (inf_iequals(it->path().filename().string(), name) && it->is_regular_file(ec)) return it->path();
    return std::nullopt;
}

void check_filter_devices(Context& ctx) {
    if (ctx.inf.path().empty()) return;  // parsed from memory: no directory to look in
    fs::path dir = ctx.inf.path().parent_path();
    for (const FilterLink& link : ctx.filter_links) {
        if (link.device_inf.empty()) continue;  // NET2604 reported it
        auto found = sibling(dir.empty() ? fs::path(".") : dir, link.device_inf);
        if (!found) {
            ctx.warning(link.file_where, "NET2611",
                        "filter device INF " + link.device_inf + " is not next to this INF; its hw-id and "
                        "service were not checked");
            continue;
        }
        try {
            InfFile device = InfFile::load(*found);
            check_filter_device(ctx, link, device);
        } catch (const InfError& e) {
            ctx.warning(link.file_where, "NET2611", std::string("filter device INF not checked: ") + e.what());
        }
    }
}

}  // namespace

std::vector<Diagnostic> lint(const InfFile& inf) {
    Context ctx(inf);
    check_version(ctx);
    collect_models(ctx);
    check_ddinstall(ctx);
    check_ndi(ctx);
    check_interfaces(ctx);
    check_params(ctx);
    check_filter(ctx);
    check_sections(ctx);
    check_providers(ctx);
    check_filter_devices(ctx);

    std::vector<Diagnostic> all(inf.diagnostics().begin(), inf.diagnostics().end());
    auto rules = ctx.take();
    all.insert(all.end(), std::make_move_iterator(rules.begin()), std::make_move_iterator(rules.end()));
    std::stable_sort(all.begin(), all.end(), [](const Diagnostic& a, const Diagnostic& b) {
        if (a.where.file != b.where.file) return a.where.file < b.where.file;
        return a.where.line < b.where.line;
    });
    return all;
}

int run_lint(std::span<const std::string> files, std::ostream& out, std::ostream& err) {
    int status = 0;
    for (const std::string& file : files) {
        try {
            InfFile inf = InfFile::load(file);
            for (const Diagnostic& d : lint(inf)) {
                out << d.format() << '\n';
                status = std::max(status, d.severity == Severity::Error ? 2 : 1);
            }
        } catch (const InfError& e) {
            err << e.what() << '\n';
            status = 2;
        }
    }
    return status;
}

}  // namespace strata::netcfg
