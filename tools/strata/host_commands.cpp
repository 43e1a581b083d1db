// host_commands.cpp — `strata start|stop|status|stats|sc`: the host process (one per root) and
// its service control, after sc.exe and pktmon (DESIGN.md "Host and the strata command").
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "cli.h"
#include "host/control.h"
#include "host/root_lock.h"
#include "host/service_host.h"
#include "registry/registry.h"

namespace strata::cli {
namespace {

const std::string kServices = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\";

struct StartOptions {
    bool foreground = false;
    unsigned processors = 0;
    bool verify = false;
};

// Every socket a WSK client driver opens is a descriptor of the host process: a server such as
// echosrv with a thousand connections needs more than the usual soft limit of 1024.
void raise_descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == limit.rlim_max) return;
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
}

// Runs the host until a stop request or SIGINT/SIGTERM. `ready` is called once it serves
// requests, with "" or the one-line reason it could not start.
int run_host(const std::filesystem::path& root, const StartOptions& options,
             const std::function<void(const std::string&)>& ready) {
    raise_descriptor_limit();
    std::optional<host::RootLock> lock = host::RootLock::acquire(root);
    if (!lock) {
        std::optional<pid_t> pid = host::RootLock::holder(root);
        ready("a host is already running for " + root.string() +
              (pid ? " (pid " + std::to_string(*pid) + ")" : std::string()));
        return 2;
    }
    // Signals go to one thread that turns them into a stop request; every other thread
    // (processors, workers) inherits the blocked mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    try {
        host::ServiceHost service_host(root, options.processors, options.verify);
        service_host.start();
        auto server = std::make_unique<host::ControlServer>(
            root, [&](const nlohmann::json& request) { return service_host.handle(request); });
        server->add_stream("capture", [&](const nlohmann::json& request, int fd) {
            service_host.handle_stream(request, fd);
        });
        server->start();
        std::thread signal_thread([&] {
            int signal = 0;
            sigwait(&signals, &signal);
            service_host.handle({{"cmd", "stop"}});
        });
        ready("");
        service_host.wait_for_stop_request();
        pthread_kill(signal_thread.native_handle(), SIGTERM);
        signal_thread.join();
        server.reset();  // no request may reach the host while it shuts down
        service_host.stop();
        return 0;
    } catch (const std::exception& e) {
        ready(e.what());
        return 2;
    }
}

void add_start(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("start", "start the host for this root: load drivers, start devices, bind");
    auto options = std::make_shared<StartOptions>();
    cmd->add_flag("--foreground", options->foreground, "stay attached to the terminal (Ctrl-C stops)");
    cmd->add_option("--processors", options->processors, "processor threads (default: the CPU count)");
    cmd->add_flag("--verify", options->verify, "turn on the verifier's costly checks");
    cmd->callback([&context, options] {
        std::filesystem::path root = context.root();
        std::filesystem::create_directories(root);
        // The registry, the drivers and the control socket are the host's: owner only.
        std::filesystem::permissions(root, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
        if (std::optional<pid_t> pid = host::RootLock::holder(root))
            throw UsageError("a host is already running for " + root.string() + " (pid " + std::to_string(*pid) + ")");
        if (options->foreground) {
            int status = run_host(root, *options, [&](const std::string& error) {
                if (error.empty()) std::printf("strata: host running for %s (pid %d); Ctrl-C stops\n", root.c_str(), ::getpid());
                else std::fprintf(stderr, "strata: %s\n", error.c_str());
                std::fflush(stdout);
            });
            if (status != 0) throw CLI::RuntimeError(status);
            return;
        }
        int pipe_fds[2];
        if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw RunError(std::string("pipe: ") + std::strerror(errno));
        std::fflush(nullptr);
        pid_t child = ::fork();
        if (child < 0) throw RunError(std::string("fork: ") + std::strerror(errno));
        if (child == 0) {
            ::close(pipe_fds[0]);
            ::setsid();
            int null_fd = ::open("/dev/null", O_RDONLY);
            int log_fd = ::open((root / "host.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
            ::dup2(null_fd, 0);
            if (log_fd >= 0) {
                ::dup2(log_fd, 1);
                ::dup2(log_fd, 2);
            }
            int status = run_host(root, *options, [&](const std::string& error) {
                std::string line = (error.empty() ? "ok" : error) + "\n";
                [[maybe_unused]] ssize_t n = ::write(pipe_fds[1], line.data(), line.size());
                ::close(pipe_fds[1]);
            });
            std::fflush(nullptr);
            ::_exit(status);
        }
        ::close(pipe_fds[1]);
        std::string line;
        char c;
        while (::read(pipe_fds[0], &c, 1) == 1 && c != '\n') line += c;
        ::close(pipe_fds[0]);
        if (line != "ok") throw UsageError(line.empty() ? "the host exited while starting (see " + (root / "host.log").string() + ")" : line);
        if (!context.json) std::printf("strata: host running for %s (pid %d)\n", root.c_str(), child);
        else print_json({{"pid", child}, {"root", root.string()}});
    });
}

void add_stop(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("stop", "stop the host: unbind, halt and unload in reverse order");
    cmd->callback([&context] {
        std::filesystem::path root = context.root();
        std::optional<pid_t> pid = host::RootLock::holder(root);
        std::filesystem::path report_file = host::stop_report_path(root);
        std::error_code ignored;
        std::filesystem::remove(report_file, ignored);
        require_host(context, {{"cmd", "stop"}});
        // The lock is released when the host process has finished its orderly shutdown.
        int fd = ::open((root / "host.lock").c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ::flock(fd, LOCK_SH);
            ::close(fd);
        }
        nlohmann::json report = nlohmann::json::object();
        if (std::ifstream in(report_file); in) report = nlohmann::json::parse(in, nullptr, false);
        nlohmann::json leaks = report.is_object() ? report.value("pool_leaks", nlohmann::json::array()) : nlohmann::json::array();
        nlohmann::json tag_leaks = report.is_object() ? report.value("tag_leaks", nlohmann::json::array()) : nlohmann::json::array();
        nlohmann::json sends = report.is_object() ? report.value("sends", nlohmann::json::object()) : nlohmann::json::object();
        std::uint64_t unaccounted = sends.value("unaccounted", std::uint64_t{0});
        std::string who = pid ? " (pid " + std::to_string(*pid) + ")" : "";
        if (context.json) print_json({{"stopped", true}, {"pool_leaks", leaks}, {"tag_leaks", tag_leaks}, {"sends", sends}});
        else if (leaks.empty()) std::printf("strata: host stopped%s; every packet and buffer pool balanced\n", who.c_str());
        else {
            std::printf("strata: host stopped%s; %zu pools still have descriptors out:\n", who.c_str(), leaks.size());
            for (const auto& leak : leaks)
                std::printf("  %s pool %s: %zu of %zu descriptors not freed%s\n",
                            leak.value("kind", "").c_str(), leak.value("handle", "").c_str(),
                            leak.value("outstanding", std::size_t{0}), leak.value("capacity", std::size_t{0}),
                            leak.value("pool_freed", false) ? " (pool freed)" : "");
        }
        if (!context.json && !sends.empty())
            std::printf("  sends: %llu requested, %llu completed, %llu failed, %llu unaccounted for\n",
                        static_cast<unsigned long long>(sends.value("requested", std::uint64_t{0})),
                        static_cast<unsigned long long>(sends.value("completed", std::uint64_t{0})),
                        static_cast<unsigned long long>(sends.value("failed", std::uint64_t{0})),
                        static_cast<unsigned long long>(unaccounted));
        if (!context.json)
            for (const auto& leak : tag_leaks)
                std::printf("  driver %s: tag '%s' leaked %zu block(s), %zu bytes (see strata verifier report)\n",
                            leak.value("driver", "").c_str(), leak.value("tag", "").c_str(),
                            leak.value("blocks", std::size_t{0}), leak.value("bytes", std::size_t{0}));
        if (!leaks.empty()) throw RunError("pools leaked descriptors");
        if (!tag_leaks.empty()) throw RunError("drivers leaked pool memory at unload");
        if (unaccounted != 0) throw RunError(std::to_string(unaccounted) + " sends were neither completed nor failed");
    });
}

void add_status(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("status", "is the host running, with what (exit 3 when not running)");
    cmd->callback([&context] {
        std::optional<nlohmann::json> status = ask_host(context, {{"cmd", "status"}});
        if (!status) {
            if (context.json) print_json({{"running", false}, {"root", context.root().string()}});
            else std::printf("host: not running (root %s)\n", context.root().c_str());
            throw CLI::RuntimeError(3);
        }
        (*status)["running"] = true;
        status->erase("ok");
        if (context.json) {
            print_json(*status);
            return;
        }
        std::printf("host: running, pid %d, %u processors, root %s\n", status->value("pid", 0),
                    status->value("processors", 0u), status->value("root", "").c_str());
        std::string drivers;
        for (const auto& d : (*status)["drivers"]) drivers += (drivers.empty() ? "" : ", ") + d.get<std::string>();
        std::printf("drivers: %s\n", drivers.empty() ? "(none)" : drivers.c_str());
        std::vector<std::vector<std::string>> rows;
        for (const auto& d : (*status)["devices"])
            rows.push_back({d.value("name", ""), d.value("service", ""), d.value("state", ""), d.value("power", ""),
                            d.value("device", "")});
        print_table({"NAME", "SERVICE", "STATE", "POWER", "DEVICE"}, rows);
        std::printf("bindings: %zu\n", (*status)["bindings"].size());
    });
}

std::string count(const nlohmann::json& object, const char* key) { return std::to_string(object.value(key, 0ull)); }

void print_stats(const nlohmann::json& stats) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : stats["adapters"]) {
        const auto& c = a["counters"];
        const auto& d = a["drops"];
        rows.push_back({a.value("name", ""), "(adapter " + a.value("service", "") + ")", count(c, "sent_packets"),
                        count(c, "sent_bytes"), count(c, "received_packets"), count(c, "received_bytes"),
                        "filtered " + count(d, "filtered") + ", failed " + count(d, "send_failed") + ", runt " +
                            count(d, "runt"),
                        "indications " + std::to_string(a["pending"].value("indications", 0))});
        for (const auto& b : a["bindings"]) {
            const auto& bc = b["counters"];
            const auto& bd = b["drops"];
            rows.push_back({"", b.value("protocol", ""), count(bc, "sent_packets"), count(bc, "sent_bytes"),
                            count(bc, "received_packets"), count(bc, "received_bytes"),
                            "filtered " + count(bd, "filtered") + ", failed " + count(bd, "send_failed") + ", closing " +
                                count(bd, "closing"),
                            "sends " + std::to_string(b["pending"].value("sends", 0)) + ", requests " +
                                std::to_string(b["pending"].value("requests", 0))});
        }
    }
    print_table({"ADAPTER", "BINDING", "TX PKTS", "TX BYTES", "RX PKTS", "RX BYTES", "DROPS", "PENDING"}, rows);
    std::vector<std::vector<std::string>> drivers;
    for (const auto& d : stats["drivers"]) {
        std::string pools;
        for (const auto& p : d["packet_pools"])
            pools += (pools.empty() ? "" : ", ") + std::to_string(p.value("in_use", 0u)) + "/" +
                     std::to_string(p.value("capacity", 0u));
        drivers.push_back({d.value("service", ""), pools.empty() ? "-" : pools, std::to_string(d.value("verifier_reports", 0))});
    }
    std::puts("");
    print_table({"DRIVER", "PACKET POOLS (in use/capacity)", "VERIFIER REPORTS"}, drivers);
}

void add_stats(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand("stats", "per adapter, binding and driver: packets, bytes, drops, pending, pools");
    auto watch = std::make_shared<double>(0);
    cmd->add_option("--watch", *watch, "repeat every SECONDS until interrupted")->type_name("SECONDS")->expected(0, 1)
        ->default_str("1");
    cmd->callback([&context, watch, cmd] {
        bool watching = cmd->count("--watch") > 0;
        double period = *watch > 0 ? *watch : 1.0;
        for (;;) {
            nlohmann::json stats = require_host(context, {{"cmd", "stats"}});
            stats.erase("ok");
            if (context.json) {
                std::puts(stats.dump(watching ? -1 : 2).c_str());
            } else {
                if (watching) std::printf("\033[H\033[2J");
                print_stats(stats);
            }
            std::fflush(stdout);
            if (!watching) return;
            std::this_thread::sleep_for(std::chrono::duration<double>(period));
        }
    });
}

const char* start_name(unsigned start) {
    switch (start) {
        case 0: return "BOOT_START";
        case 1: return "SYSTEM_START";
        case 2: return "AUTO_START";
        case 3: return "DEMAND_START";
        case 4: return "DISABLED";
    }
    return "UNKNOWN";
}

void add_sc(CLI::App& app, Context& context) {
    auto* sc = app.add_subcommand("sc", "non-PnP drivers (WSK clients and the like), as sc.exe manages them");
    sc->require_subcommand(1);

    auto* create = sc->add_subcommand("create", "register a kernel driver service");
    auto name = std::make_shared<std::string>();
    auto binary = std::make_shared<std::string>();
    auto start = std::make_shared<std::string>("demand");
    create->add_option("name", *name, "service name")->required();
    create->add_option("--binary", *binary, "the driver image (.sys)")->required()->type_name("FILE");
    create->add_option("--start", *start, "demand (sc start) or auto (with the host)")
        ->check(CLI::IsMember({"demand", "auto", "disabled"}));
    create->callback([&context, name, binary, start] {
        registry::Registry reg(context.root());
        std::string key = kServices + *name;
        if (reg.key_exists(key)) throw UsageError("service " + *name + " already exists");
        std::filesystem::path image = std::filesystem::absolute(*binary);
        if (!std::filesystem::is_regular_file(image)) throw UsageError(*binary + ": no such driver image");
        unsigned start_type = *start == "auto" ? 2 : *start == "disabled" ? 4 : 3;
        auto tx = reg.transaction();
        reg.set_value(key, "Type", registry::Value::dword(1));
        reg.set_value(key, "Start", registry::Value::dword(start_type));
        reg.set_value(key, "ErrorControl", registry::Value::dword(1));
        reg.set_value(key, "ImagePath", registry::Value::expand_sz(image.string()));
        reg.set_value(key, "DisplayName", registry::Value::sz(*name));
        tx.commit();
        if (!context.json) std::printf("[SC] CreateService SUCCESS: %s\n", name->c_str());
    });

    for (const char* verb : {"start", "stop"}) {
        auto* sub = sc->add_subcommand(verb, std::string(verb) + " a service in the running host");
        auto service = std::make_shared<std::string>();
        sub->add_option("name", *service, "service name")->required();
        sub->callback([&context, service, verb] {
            registry::Registry reg(context.root());
            if (!reg.key_exists(kServices + *service)) throw UsageError("service " + *service + " does not exist");
            require_host(context, {{"cmd", std::string("sc-") + verb}, {"service", *service}});
            if (!context.json) std::printf("[SC] %s %s: SUCCESS\n", verb, service->c_str());
        });
    }

    auto* del = sc->add_subcommand("delete", "delete a stopped service");
    auto del_name = std::make_shared<std::string>();
    del->add_option("name", *del_name, "service name")->required();
    del->callback([&context, del_name] {
        registry::Registry reg(context.root());
        if (!reg.key_exists(kServices + *del_name)) throw UsageError("service " + *del_name + " does not exist");
        if (auto status = ask_host(context, {{"cmd", "status"}}))
            for (const auto& d : (*status)["drivers"])
                if (d.get<std::string>() == *del_name) throw UsageError("service " + *del_name + " is running: sc stop it first");
        reg.delete_key(kServices + *del_name);
        if (!context.json) std::printf("[SC] DeleteService SUCCESS: %s\n", del_name->c_str());
    });

    auto* query = sc->add_subcommand("query", "a service's type, state, start type and image");
    auto query_name = std::make_shared<std::string>();
    query->add_option("name", *query_name, "service name")->required();
    query->callback([&context, query_name] {
        registry::Registry reg(context.root());
        std::string key = kServices + *query_name;
        if (!reg.key_exists(key)) throw UsageError("service " + *query_name + " does not exist");
        auto dword = [&](const char* value, unsigned fallback) {
            auto v = reg.get_value(key, value);
            return v && v->type() == registry::ValueType::Dword ? v->as_dword() : fallback;
        };
        auto image = reg.get_value(key, "ImagePath");
        bool running = false;
        if (auto status = ask_host(context, {{"cmd", "status"}}))
            for (const auto& d : (*status)["drivers"]) running = running || d.get<std::string>() == *query_name;
        unsigned start_type = dword("Start", 3);
        std::string path = image && (image->type() == registry::ValueType::Sz || image->type() == registry::ValueType::ExpandSz)
                               ? image->as_string() : "";
        if (context.json) {
            print_json({{"service", *query_name}, {"type", dword("Type", 1)}, {"state", running ? "RUNNING" : "STOPPED"},
                        {"start_type", start_name(start_type)}, {"binary", path}});
            return;
        }
        std::printf("SERVICE_NAME: %s\n", query_name->c_str());
        std::printf("        TYPE               : %u  KERNEL_DRIVER\n", dword("Type", 1));
        std::printf("        STATE              : %s\n", running ? "4  RUNNING" : "1  STOPPED");
        std::printf("        START_TYPE         : %u  %s\n", start_type, start_name(start_type));
        std::printf("        BINARY_PATH_NAME   : %s\n", path.c_str());
    });
}

}  // namespace

void add_host_commands(CLI::App& app, Context& context) {
    add_start(app, context);
    add_stop(app, context);
    add_status(app, context);
    add_stats(app, context);
    add_sc(app, context);
}

}  // namespace strata::cli
