// service_host.h — the host behind `strata start` (DESIGN.md "Host and the strata command";
// seed 003 §2.3, §2.4): it loads the drivers the registry names, PnP-starts every adapter
// instance, binds protocols along the binding engine's enabled paths, and answers control
// requests; stop unbinds, halts and unloads in reverse order.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ndis/send_ledger.h"
#include "netcfg/netcfg.h"
#include "strata/host.hpp"

namespace strata::host {

class CaptureServer;
class OidClient;

// A start or control request that failed: one line naming the service, device or file.
class HostError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What the host found after stopping: {"pool_leaks": [...], "tag_leaks": [...]}, written by
// ServiceHost::stop() (with verifier-report.json beside it).
inline std::filesystem::path stop_report_path(const std::filesystem::path& root) { return root / "stop-report.json"; }

class ServiceHost {
public:
    ServiceHost(const std::filesystem::path& root, unsigned processors, bool verify);
    ~ServiceHost();

    // Auto-start services, every device, every enabled binding. Throws HostError after undoing
    // what it started when a driver is missing, its DriverEntry fails or an adapter fails.
    void start();
    // Unbinds, halts and unloads everything, in reverse order of starting.
    void stop();

    // One control request (see control.h); throws HostError for a bad one.
    nlohmann::json handle(const nlohmann::json& request);
    // A streaming request ("capture", capture_server.h) with its connection, which it owns.
    void handle_stream(const nlohmann::json& request, int fd);
    // Blocks until a "stop" request arrived.
    void wait_for_stop_request();

private:
    struct Edge {
        std::string service;      // the upper (protocol) service
        std::string device_name;  // \Device\{GUID} of the adapter it binds
        auto operator<=>(const Edge&) const = default;
    };

    // Brings the running state to what the registry says; returns one line per failure.
    std::vector<std::string> reconcile();
    void load(const std::string& service);
    void tell_bind_lists(const std::vector<Edge>& order);
    bool started(std::string_view device_name) const;  // PnP-started (a virtual miniport may wait for its IM)
    std::string device_service(const netcfg::Device& device) const;
    void unbind_device(const std::string& device_name);
    void stop_device(const std::string& name);
    void write_stop_report(const ndis::SendLedger& sends) const;
    nlohmann::json status() const;
    nlohmann::json stats() const;
    nlohmann::json probe_send(const nlohmann::json& request);
    nlohmann::json probe_stats() const;
    nlohmann::json oid(const nlohmann::json& request);  // `strata oid` through oid_client_
    nlohmann::json pnp(const nlohmann::json& request);  // `strata pnp` (pnp_requests.cpp)
    nlohmann::json reset(const nlohmann::json& request);  // `strata reset`: MiniportReset, waited for
    // A miniport removed its adapter (NdisMRemoveMiniport, e.g. its interface was deleted): the
    // host's removal thread unbinds and halts it and keeps it stopped until `strata device rescan`.
    void adapter_removed(const std::string& device_name);
    void forget_edges_of_gone_devices();
    // \Device\{GUID} of a connection name, a virtual miniport's name or a device name; HostError if none.
    std::string adapter_device_name(const std::string& adapter) const;

    std::filesystem::path root_;
    std::unique_ptr<Host> host_;
    std::vector<std::string> started_devices_;  // device names (\Device\{GUID}) in start order
    std::vector<Edge> edges_;                    // bindings in bind order
    std::unique_ptr<OidClient> oid_client_;      // registered on the first oid request; gone before drivers unload
    std::unique_ptr<CaptureServer> captures_;    // made on the first capture; ended before anything unbinds

    // The running state above (devices, edges) changes on the control thread and on the host's
    // removal thread; each takes this for the whole change.
    mutable std::recursive_mutex state_mutex_;
    bool stopping_ = false;
    std::set<std::string> removed_devices_;  // device names removed by their miniport, until a rescan
    std::map<std::string, std::vector<std::string>, std::less<>> bind_lists_;  // per protocol, as last told

    std::mutex stop_mutex_;
    std::condition_variable stop_requested_cv_;
    bool stop_requested_ = false;
};

}  // namespace strata::host
