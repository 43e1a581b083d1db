// service_host.cpp — see service_host.h.
#include "host/service_host.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "host/loop_probe_stack.h"
#include "ndis/library.h"
#include "ndis/packet_pool.h"
#include "ndis/stats.h"
#include "netcfg/netcfg.h"
#include "ntos/pool.h"
#include "probe/probe_hooks.h"
#include "registry/registry.h"
#include "verifier/verifier.h"

namespace strata::host {
namespace {

const std::string kServices = std::string(netcfg::kCurrentControlSet) + "\\Services";

std::string status_text(NDIS_STATUS status) { return fmt::format("0x{:08X}", static_cast<unsigned>(status)); }

// Probe's exported hooks (probe_hooks.h) from whichever loaded driver exports them: netprobe.inf
// may give the service any name. A driver with ProbeFindBinding but not the rest is skipped.
ProbeHooks find_probe_hooks(const Host& host) {
    for (const std::string& service : host.loaded_drivers()) {
        if (host.driver_symbol(service, "ProbeFindBinding") == nullptr) continue;
        try {
            return resolve_probe_hooks(host, service);
        } catch (const std::runtime_error&) {
            // ProbeFindBinding without the rest: not probe.sys; look further.
        }
    }
    throw HostError("no loaded driver exports the probe hooks: install netprobe.inf and start the host");
}

// A device's integer parameter as NdisReadConfiguration would see it (REG_SZ or REG_DWORD).
unsigned long device_parameter(registry::Registry& reg, const netcfg::Device& device, std::string_view name,
                               unsigned long fallback) {
    std::optional<registry::Value> value = reg.get_value(device.instance_key, name);
    if (!value) return fallback;
    if (value->type() == registry::ValueType::Dword) return value->as_dword();
    if (value->type() == registry::ValueType::Sz) return std::strtoul(value->as_string().c_str(), nullptr, 0);
    return fallback;
}

nlohmann::json counters_json(const ndis::CounterValues& values) {
    nlohmann::json counters = nlohmann::json::object();
    for (unsigned i = 0; i < values.size(); ++i) counters[std::string(ndis::kCounterNames[i])] = values[i];
    return counters;
}

}  // namespace

ServiceHost::ServiceHost(const std::filesystem::path& root, unsigned processors, bool verify) : root_(root) {
    HostOptions options;
    options.root = root;
    options.driver_dir = root / "drivers";
    options.processors = processors;
    options.verify = verify;
    host_ = std::make_unique<Host>(options);
}

ServiceHost::~ServiceHost() { stop(); }

void ServiceHost::load(const std::string& service) {
    if (host_->driver_loaded(service)) return;
    if (!host_->registry().key_exists(kServices + "\\" + service))
        throw HostError("service " + service + " is not installed (no " + kServices + "\\" + service + ")");
    NTSTATUS status = host_->load_driver(service);
    if (NT_SUCCESS(status)) return;
    std::string why = host_->last_error().empty() ? "load failed with " + status_text(status) : host_->last_error();
    throw HostError("service " + service + ": " + why);
}

void ServiceHost::start() {
    std::vector<std::string> errors;
    registry::Registry& reg = host_->registry();
    for (const std::string& service : reg.subkeys(kServices)) {
        std::optional<registry::Value> start = reg.get_value(kServices + "\\" + service, "Start");
        if (!start || start->type() != registry::ValueType::Dword || start->as_dword() > 2) continue;
        try {
            load(service);
        } catch (const HostError& e) {
            errors.push_back(e.what());
        }
    }
    std::vector<std::string> more = reconcile();
    errors.insert(errors.end(), more.begin(), more.end());
    if (!errors.empty()) {
        stop();
        throw HostError(errors.front());
    }
}

bool ServiceHost::started(std::string_view device_name) const {
    return std::any_of(started_devices_.begin(), started_devices_.end(),
                       [&](const std::string& n) { return ndis::iequals(n, device_name); });
}

std::vector<std::string> ServiceHost::reconcile() {
    std::vector<std::string> errors;
    registry::Registry& reg = host_->registry();
    std::vector<netcfg::Device> devices = netcfg::devices(reg);
    auto device_present = [&](const std::string& device_name) {
        return std::any_of(devices.begin(), devices.end(), [&](const netcfg::Device& d) {
            return !d.virtual_miniport && ndis::iequals(d.device_name, device_name);
        });
    };
    for (auto it = started_devices_.rbegin(); it != started_devices_.rend(); ++it) {
        if (device_present(*it)) continue;
        unbind_device(*it);
        host_->remove_adapter(*it);
    }
    std::erase_if(started_devices_, [&](const std::string& name) { return !device_present(name); });

    for (const netcfg::Device& device : devices) {
        // A filter's virtual miniport is initialized by its IM driver, not by PnP.
        if (device.virtual_miniport) continue;
        if (started(device.device_name)) continue;
        try {
            load(device.service);
        } catch (const HostError& e) {
            errors.push_back("device " + device.name + ": " + e.what());
            continue;
        }
        NDIS_STATUS status = host_->start_adapter(device.service, device.instance_key, device.instance_id, nullptr);
        if (status != NDIS_STATUS_SUCCESS) {
            errors.push_back("device " + device.name + ": MiniportInitialize of " + device.service + " failed with " +
                             status_text(status));
            continue;
        }
        started_devices_.push_back(device.device_name);
    }

    std::vector<Edge> wanted;
    for (const netcfg::BindingPath& path : netcfg::bindings(reg)) {
        if (!path.enabled) continue;
        for (const netcfg::Binding& edge : path.edges) {
            if (edge.upper_service.empty()) continue;
            Edge e{edge.upper_service, edge.lower_device_name};
            if (started(edge.lower_device_name) && std::find(wanted.begin(), wanted.end(), e) == wanted.end()) wanted.push_back(e);
        }
    }
    for (auto it = edges_.rbegin(); it != edges_.rend(); ++it)
        if (std::find(wanted.begin(), wanted.end(), *it) == wanted.end()) host_->unbind(it->service, it->device_name);
    std::erase_if(edges_, [&](const Edge& e) { return std::find(wanted.begin(), wanted.end(), e) == wanted.end(); });
    for (const Edge& edge : wanted) {
        if (std::find(edges_.begin(), edges_.end(), edge) != edges_.end()) continue;
        try {
            load(edge.service);
        } catch (const HostError& e) {
            errors.push_back(e.what());
            continue;
        }
        NDIS_STATUS status = host_->bind(edge.service, edge.device_name);
        if (status != NDIS_STATUS_SUCCESS) {
            errors.push_back("binding " + edge.service + " to " + edge.device_name + ": ProtocolBindAdapter failed with " +
                             status_text(status));
            continue;
        }
        edges_.push_back(edge);
    }
    return errors;
}

void ServiceHost::unbind_device(const std::string& device_name) {
    for (auto it = edges_.rbegin(); it != edges_.rend(); ++it)
        if (ndis::iequals(it->device_name, device_name)) host_->unbind(it->service, it->device_name);
    std::erase_if(edges_, [&](const Edge& e) { return ndis::iequals(e.device_name, device_name); });
}

void ServiceHost::stop_device(const std::string& name) {
    std::optional<netcfg::Device> device = netcfg::find_device(host_->registry(), name);
    if (!device) throw HostError("no device named " + name);
    auto it = std::find_if(started_devices_.begin(), started_devices_.end(),
                           [&](const std::string& n) { return ndis::iequals(n, device->device_name); });
    if (it == started_devices_.end()) return;
    unbind_device(device->device_name);
    host_->remove_adapter(device->device_name);
    started_devices_.erase(it);
}

void ServiceHost::stop() {
    if (host_ == nullptr) return;
    for (auto it = edges_.rbegin(); it != edges_.rend(); ++it) host_->unbind(it->service, it->device_name);
    edges_.clear();
    for (auto it = started_devices_.rbegin(); it != started_devices_.rend(); ++it) host_->remove_adapter(*it);
    started_devices_.clear();
    std::vector<std::string> loaded = host_->loaded_drivers();
    for (auto it = loaded.rbegin(); it != loaded.rend(); ++it) host_->unload_driver(*it);
    host_.reset();
}

void ServiceHost::wait_for_stop_request() {
    std::unique_lock lock(stop_mutex_);
    stop_requested_cv_.wait(lock, [&] { return stop_requested_; });
}

nlohmann::json ServiceHost::handle(const nlohmann::json& request) {
    std::string cmd = request.value("cmd", "");
    if (host_ == nullptr) throw HostError("the host is stopping");
    if (cmd == "status") return status();
    if (cmd == "stats") return stats();
    if (cmd == "stop") {
        std::lock_guard lock(stop_mutex_);
        stop_requested_ = true;
        stop_requested_cv_.notify_all();
        return nlohmann::json::object();
    }
    if (cmd == "reconcile") return {{"errors", reconcile()}};
    if (cmd == "device-stop") {
        stop_device(request.value("name", ""));
        return nlohmann::json::object();
    }
    if (cmd == "sc-start") {
        std::string service = request.value("service", "");
        if (host_->driver_loaded(service)) throw HostError("service " + service + " is already running");
        load(service);
        return nlohmann::json::object();
    }
    if (cmd == "sc-stop") {
        std::string service = request.value("service", "");
        if (!host_->driver_loaded(service)) throw HostError("service " + service + " is not running");
        for (const Edge& e : edges_)
            if (ndis::iequals(e.service, service))
                throw HostError("service " + service + " is bound to " + e.device_name + ": disable its bindings first");
        host_->unload_driver(service);
        return nlohmann::json::object();
    }
    if (cmd == "probe-send") return probe_send(request);
    if (cmd == "probe-stats") return {{"bindings", probe_stats()}};
    throw HostError("unknown control request \"" + cmd + "\"");
}

nlohmann::json ServiceHost::status() const {
    nlohmann::json devices = nlohmann::json::array();
    for (const netcfg::Device& d : netcfg::devices(host_->registry())) {
        bool running = started(d.device_name);
        devices.push_back({{"name", d.name}, {"device", d.device_name}, {"service", d.service},
                           {"state", running ? "running" : "stopped"}});
    }
    nlohmann::json bindings = nlohmann::json::array();
    for (const Edge& e : edges_) bindings.push_back({{"service", e.service}, {"device", e.device_name}});
    return {{"pid", ::getpid()},
            {"root", root_.string()},
            {"processors", host_->processor_count()},
            {"drivers", host_->loaded_drivers()},
            {"devices", devices},
            {"bindings", bindings}};
}

nlohmann::json ServiceHost::stats() const {
    std::map<std::string, std::string, std::less<>> names;  // \Device\{GUID} -> connection name
    for (const netcfg::Device& d : netcfg::devices(host_->registry())) names[d.device_name] = d.name;
    auto drops = [](const ndis::CounterValues& v) {
        auto at = [&](ndis::Counter c) { return v[static_cast<unsigned>(c)]; };
        return nlohmann::json{{"filtered", at(ndis::Counter::Filtered)},
                              {"runt", at(ndis::Counter::Runt)},
                              {"send_failed", at(ndis::Counter::SendFailed)},
                              {"closing", at(ndis::Counter::SendClosing)}};
    };
    nlohmann::json adapters = nlohmann::json::array();
    for (const ndis::AdapterStats& a : ndis::adapter_stats()) {
        nlohmann::json bindings = nlohmann::json::array();
        for (const ndis::BindingStats& b : a.bindings)
            bindings.push_back({{"protocol", b.protocol},
                                {"counters", counters_json(b.counters)},
                                {"drops", drops(b.counters)},
                                {"pending", {{"sends", b.sends_pending}, {"requests", b.requests_pending}}}});
        auto name = names.find(a.device_name);
        adapters.push_back({{"name", name != names.end() ? name->second : ""},
                            {"device", a.device_name},
                            {"service", a.service},
                            {"state", a.state},
                            {"counters", counters_json(a.counters)},
                            {"drops", drops(a.counters)},
                            {"pending",
                             {{"indications", a.indications_in_flight},
                              {"sends_in_miniport", a.sends_in_miniport},
                              {"reset", a.reset_in_progress}}},
                            {"packets_returned", a.packets_returned},
                            {"bindings", bindings}});
    }
    std::map<std::string, nlohmann::json> drivers;
    for (const std::string& service : host_->loaded_drivers())
        drivers[service] = {{"service", service}, {"packet_pools", nlohmann::json::array()}, {"verifier_reports", 0}};
    for (const ndis::PacketPoolUsage& pool : ndis::packet_pool_usage()) {
        auto it = drivers.find(pool.owner);
        if (it == drivers.end()) continue;
        it->second["packet_pools"].push_back({{"capacity", pool.capacity}, {"in_use", pool.in_use}});
    }
    for (const verifier::Report& report : verifier::reports()) {
        auto it = drivers.find(report.driver);
        if (it != drivers.end()) it->second["verifier_reports"] = it->second["verifier_reports"].get<int>() + 1;
    }
    nlohmann::json driver_list = nlohmann::json::array();
    for (auto& [service, entry] : drivers) driver_list.push_back(entry);
    nlohmann::json memory = nlohmann::json::array();
    for (const ntos::TagUsage& usage : ntos::pool_usage())
        memory.push_back({{"tag", ntos::tag_name(usage.tag)}, {"blocks", usage.allocations}, {"bytes", usage.bytes}});
    return {{"adapters", adapters},
            {"drivers", driver_list},
            {"pool_tags", memory},
            {"verifier", {{"enabled", verifier::enabled()}, {"reports", verifier::total()}}}};
}

nlohmann::json ServiceHost::probe_send(const nlohmann::json& request) {
    std::string adapter = request.value("adapter", "");
    unsigned count = request.value("count", 0u);
    unsigned size = request.value("size", 0u);
    unsigned batch = request.value("batch", 1u);
    registry::Registry& reg = host_->registry();
    std::optional<netcfg::Device> sender = netcfg::find_device(reg, adapter);
    if (!sender) throw HostError("no adapter named " + adapter + " (see strata device list)");
    ProbeHooks probe = find_probe_hooks(*host_);
    PVOID binding = probe.find_binding(sender->device_name.c_str());
    if (binding == nullptr) throw HostError("the probe protocol is not bound to adapter " + adapter);

    // Loop adapters with the same Wire are one segment: pace the sender to what their receive
    // rings hold, so every frame arrives (the wire drops what a full ring cannot take).
    struct Receiver {
        std::string name;
        PVOID binding;
        ULONG64 base;
    };
    std::vector<Receiver> receivers;
    unsigned round = 128;
    unsigned long wire = device_parameter(reg, *sender, "Wire", 0);
    for (const netcfg::Device& d : netcfg::devices(reg)) {
        if (ndis::iequals(d.name, sender->name) || !ndis::iequals(d.service, sender->service)) continue;
        if (device_parameter(reg, d, "Wire", 0) != wire) continue;
        PVOID other = probe.find_binding(d.device_name.c_str());
        if (other == nullptr) continue;
        PROBE_STATS stats{};
        probe.get_stats(other, &stats);
        receivers.push_back({d.name, other, stats.ReceivedFrames});
        round = std::min<unsigned>(round, std::max<unsigned long>(1, device_parameter(reg, d, "ReceiveBuffers", 256) / 2));
    }
    PROBE_STATS before{};
    probe.get_stats(binding, &before);
    const UCHAR broadcast[6] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    constexpr UINT kWaitMs = 30'000;
    unsigned sent = 0;
    auto began = std::chrono::steady_clock::now();
    while (sent < count) {
        unsigned n = receivers.empty() ? count - sent : std::min(round, count - sent);
        NDIS_STATUS status = probe.send(binding, broadcast, size, n, std::min(batch, n), 0);
        if (status != NDIS_STATUS_SUCCESS)
            throw HostError(fmt::format("probe send on {}: ProbeSend failed with {} after {} frames", adapter,
                                        status_text(status), sent));
        sent += n;
        for (const Receiver& r : receivers)
            if (probe.wait_received(r.binding, r.base + sent, kWaitMs) != NDIS_STATUS_SUCCESS) {
                PROBE_STATS stats{};
                probe.get_stats(r.binding, &stats);
                throw HostError(fmt::format("probe send on {}: adapter {} received {} of {} frames", adapter, r.name,
                                            stats.ReceivedFrames - r.base, sent));
            }
    }
    if (probe.wait_sends_completed(binding, before.SendsCompleted + count, kWaitMs) != NDIS_STATUS_SUCCESS)
        throw HostError("probe send on " + adapter + ": sends did not complete");
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    nlohmann::json names = nlohmann::json::array();
    for (const Receiver& r : receivers) names.push_back(r.name);
    return {{"adapter", adapter}, {"sent", count}, {"size", size}, {"batch", batch}, {"receivers", names},
            {"seconds", seconds}};
}

nlohmann::json ServiceHost::probe_stats() const {
    nlohmann::json list = nlohmann::json::array();
    ProbeHooks probe = find_probe_hooks(*host_);
    for (const netcfg::Device& d : netcfg::devices(host_->registry())) {
        PVOID binding = probe.find_binding(d.device_name.c_str());
        if (binding == nullptr) continue;
        PROBE_STATS s{};
        probe.get_stats(binding, &s);
        list.push_back({{"adapter", d.name},
                        {"device", d.device_name},
                        {"sent", s.SendsCompleted - s.SendsFailed},
                        {"send_failed", s.SendsFailed},
                        {"received", s.ReceivedFrames},
                        {"received_bytes", s.ReceivedBytes},
                        {"in_order", s.ReceivedFrames - std::min(s.ReceivedFrames, s.SequenceErrors)},
                        {"sequence_errors", s.SequenceErrors},
                        {"corrupt", s.PayloadErrors},
                        {"dropped", s.ReceiveDropped}});
    }
    return list;
}

}  // namespace strata::host
