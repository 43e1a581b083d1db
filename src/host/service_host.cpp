// service_host.cpp — see service_host.h.
#include "common/log.h"
#include "host/service_host.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "host/capture_server.h"
#include "host/loop_probe_stack.h"
#include "host/oid_client.h"
#include "host/oid_table.h"
#include "ndis/library.h"
#include "ndis/packet_pool.h"
#include "ndis/power.h"
#include "ndis/stats.h"
#include "netcfg/netcfg.h"
#include "ntos/pool.h"
#include "probe/probe_hooks.h"
#include "registry/registry.h"
#include "verifier/control.h"
#include "verifier/fault_registry.h"
#include "verifier/report_file.h"
#include "verifier/verifier.h"

namespace strata::host {
namespace {

const std::string kServices = std::string(netcfg::kCurrentControlSet) + "\\Services";

// "NDIS_STATUS_RESOURCE_CONFLICT (0xC001001E)", or the hex alone for a value ndis_status.h lacks.
std::string status_text(NDIS_STATUS status) {
    std::string hex = fmt::format("0x{:08X}", static_cast<unsigned>(status));
    std::string name = status_name(status);
    return name == hex ? hex : name + " (" + hex + ")";
}

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
    host_->set_adapter_removed_handler([this](const std::string& device_name) { adapter_removed(device_name); });
}

void ServiceHost::adapter_removed(const std::string& device_name) {
    std::lock_guard lock(state_mutex_);
    if (stopping_) return;
    log::write(log::Level::warning, "host", "adapter " + device_name + " was removed by its miniport; unbinding and halting it");
    unbind_device(device_name);
    host_->remove_adapter(device_name);
    std::erase_if(started_devices_, [&](const std::string& n) { return ndis::iequals(n, device_name); });
    removed_devices_.insert(device_name);
    forget_edges_of_gone_devices();
}

// An IM unbound from an adapter that went away took its virtual miniports down, and NDIS unbound
// what sat on them: those edges are gone. A device asleep (even halted for sleep) keeps its edges.
void ServiceHost::forget_edges_of_gone_devices() {
    std::erase_if(edges_, [](const Edge& e) { return ndis::find_power_device(e.device_name) == nullptr; });
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
    try {
        verifier::arm_stored_faults(reg);  // before any DriverEntry, which may be the call to fail
    } catch (const std::invalid_argument& e) {
        throw HostError(e.what());
    }
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

// The service that drives a device: its own, or for a filter's virtual miniport whose device
// INF names none (the NDIS 5 samples' null service), the filter component's.
std::string ServiceHost::device_service(const netcfg::Device& device) const {
    if (!device.service.empty() || !device.virtual_miniport) return device.service;
    for (const netcfg::Component& c : netcfg::components(host_->registry()))
        if (ndis::iequals(c.component_id, device.filter_component)) return c.service;
    return {};
}

std::vector<std::string> ServiceHost::reconcile() {
    std::vector<std::string> errors;
    registry::Registry& reg = host_->registry();
    std::vector<netcfg::Device> devices = netcfg::devices(reg);
    auto device_present = [&](const std::string& device_name) {
        return std::any_of(devices.begin(), devices.end(),
                           [&](const netcfg::Device& d) { return ndis::iequals(d.device_name, device_name); });
    };
    for (auto it = started_devices_.rbegin(); it != started_devices_.rend(); ++it) {
        if (device_present(*it)) continue;
        unbind_device(*it);
        host_->remove_adapter(*it);
    }
    std::erase_if(started_devices_, [&](const std::string& name) { return !device_present(name); });

    // PnP start of every device. A filter's virtual miniport only starts here: it initialises
    // when its IM, bound below it, calls NdisIMInitializeDeviceInstanceEx.
    for (const netcfg::Device& device : devices) {
        if (started(device.device_name) || removed_devices_.contains(device.device_name)) continue;
        std::string service = device_service(device);
        try {
            load(service);
        } catch (const HostError& e) {
            errors.push_back("device " + device.name + ": " + e.what());
            continue;
        }
        log::ThreadCapture reason;
        NDIS_STATUS status = host_->start_adapter(service, device.instance_key, device.instance_id, nullptr);
        if (status != NDIS_STATUS_SUCCESS) {
            errors.push_back("device " + device.name + ": MiniportInitialize of " + service + " failed with " +
                             status_text(status) + (reason.last().empty() ? "" : " (" + reason.last() + ")"));
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
            if (std::find(wanted.begin(), wanted.end(), e) == wanted.end()) wanted.push_back(e);
        }
    }
    // A protocol may have closed a binding by itself (strata_tap when its TAP was deleted): bind
    // it again below.
    std::erase_if(edges_, [&](const Edge& e) {
        return host_->adapter_running(e.device_name) && !host_->bound(e.service, e.device_name);
    });
    for (auto it = edges_.rbegin(); it != edges_.rend(); ++it)
        if (std::find(wanted.begin(), wanted.end(), *it) == wanted.end()) host_->unbind(it->service, it->device_name);
    std::erase_if(edges_, [&](const Edge& e) { return std::find(wanted.begin(), wanted.end(), e) == wanted.end(); });
    // Bottom up: binding an IM below a virtual miniport brings that miniport up, which lets the
    // next pass bind what sits above it.
    std::vector<Edge> tried;
    for (bool progress = true; progress;) {
        progress = false;
        for (const Edge& edge : wanted) {
            if (std::find(edges_.begin(), edges_.end(), edge) != edges_.end()) continue;
            if (std::find(tried.begin(), tried.end(), edge) != tried.end()) continue;
            if (!host_->adapter_running(edge.device_name)) continue;
            tried.push_back(edge);
            try {
                load(edge.service);
            } catch (const HostError& e) {
                errors.push_back(e.what());
                continue;
            }
            NDIS_STATUS status = host_->bind(edge.service, edge.device_name);
            if (status != NDIS_STATUS_SUCCESS) {
                errors.push_back("binding " + edge.service + " to " + edge.device_name +
                                 ": ProtocolBindAdapter failed with " + status_text(status));
                continue;
            }
            edges_.push_back(edge);
            progress = true;
        }
    }
    ndis::indicate_binds_complete();  // NetEventBindsComplete after a protocol's first binds
    tell_bind_lists(wanted);
    return errors;
}

// NetEventBindList to each protocol whose bound adapters, in the binding engine's order, are not
// what they were after the last reconcile (a binding enabled or disabled, an adapter added or
// removed). The first list a protocol gets is its starting point, not a change.
void ServiceHost::tell_bind_lists(const std::vector<Edge>& order) {
    std::map<std::string, std::vector<std::string>, std::less<>> now;
    for (const Edge& e : order)
        if (std::find(edges_.begin(), edges_.end(), e) != edges_.end()) now[e.service].push_back(e.device_name);
    for (const std::string& service : host_->loaded_drivers()) {
        ndis::Protocol* protocol = ndis::Library::instance().find_protocol(service);
        if (protocol == nullptr) continue;
        std::vector<std::string>& list = now[service];
        auto told = bind_lists_.find(service);
        if (told != bind_lists_.end() && told->second != list) ndis::indicate_bind_list(*protocol, list);
        bind_lists_[service] = list;
    }
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
    {
        std::lock_guard lock(state_mutex_);  // a removal in progress finishes first
        stopping_ = true;
    }
    captures_.reset();  // a capture's file ends with its statistics, written while the edges exist
    oid_client_.reset();  // NdisDeregisterProtocol while every adapter and driver is still there
    for (auto it = edges_.rbegin(); it != edges_.rend(); ++it) host_->unbind(it->service, it->device_name);
    edges_.clear();
    for (auto it = started_devices_.rbegin(); it != started_devices_.rend(); ++it) host_->remove_adapter(*it);
    started_devices_.clear();
    std::vector<std::string> loaded = host_->loaded_drivers();
    for (auto it = loaded.rbegin(); it != loaded.rend(); ++it) host_->unload_driver(*it);
    ndis::SendLedger sends = ndis::send_ledger();  // the bindings are gone with the host
    host_.reset();
    write_stop_report(sends);
}

namespace {
nlohmann::json tally_json(const ndis::SendTally& tally) {
    return {{"requested", tally.requested}, {"completed", tally.completed}, {"failed", tally.failed},
            {"unaccounted", tally.unaccounted()}};
}
}  // namespace

// After every driver unloaded, every descriptor of every pool must be back (seed 003 §2.5.1,
// §2.6: an IM returns what it borrowed) and every send completed or failed (§2.11). `strata stop`
// prints what this finds.
void ServiceHost::write_stop_report(const ndis::SendLedger& sends) const {
    nlohmann::json leaks = nlohmann::json::array();
    for (const ndis::PoolLeak& leak : ndis::leak_check())
        leaks.push_back({{"kind", leak.kind == ndis::PoolKind::Packet ? "packet" : "buffer"},
                         {"handle", fmt::format("{}", leak.handle)},
                         {"outstanding", leak.outstanding},
                         {"capacity", leak.capacity},
                         {"pool_freed", leak.pool_freed}});
    nlohmann::json tag_leaks = nlohmann::json::array();
    for (const ntos::TagLeak& leak : ntos::take_tag_leaks())
        tag_leaks.push_back({{"driver", leak.driver}, {"tag", ntos::tag_name(leak.tag)}, {"blocks", leak.blocks},
                             {"bytes", leak.bytes}});
    verifier::write_report_file(root_);
    std::filesystem::path file = stop_report_path(root_);
    std::filesystem::path partial = file;
    partial += ".partial";
    std::FILE* out = std::fopen(partial.c_str(), "w");
    if (out == nullptr) return;
    nlohmann::json send_totals = tally_json(sends.total);
    nlohmann::json by_protocol = nlohmann::json::object();
    for (const auto& [protocol, tally] : sends.protocols) by_protocol[protocol] = tally_json(tally);
    send_totals["protocols"] = std::move(by_protocol);
    std::string text =
        nlohmann::json{{"pool_leaks", leaks}, {"tag_leaks", tag_leaks}, {"sends", std::move(send_totals)}}.dump();
    bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
    if (std::fclose(out) == 0 && written) std::filesystem::rename(partial, file);
}

void ServiceHost::wait_for_stop_request() {
    std::unique_lock lock(stop_mutex_);
    stop_requested_cv_.wait(lock, [&] { return stop_requested_; });
}

nlohmann::json ServiceHost::handle(const nlohmann::json& request) {
    std::string cmd = request.value("cmd", "");
    if (host_ == nullptr) throw HostError("the host is stopping");
    std::lock_guard state_lock(state_mutex_);
    if (cmd == "status") return status();
    if (cmd == "stats") return stats();
    if (cmd == "stop") {
        std::lock_guard lock(stop_mutex_);
        stop_requested_ = true;
        stop_requested_cv_.notify_all();
        return nlohmann::json::object();
    }
    if (cmd == "reconcile") return {{"errors", reconcile()}};
    if (cmd == "rescan") {
        removed_devices_.clear();
        return {{"errors", reconcile()}};
    }
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
    if (cmd == "oid") return oid(request);
    if (cmd == "pnp") return pnp(request);
    if (verifier::is_verifier_request(request)) return verifier::handle_request(request);
    if (cmd == "reset") return reset(request);
    if (cmd == "capture-edges") {
        if (captures_ == nullptr) captures_ = std::make_unique<CaptureServer>(host_->registry());
        return {{"edges", captures_->edges()}};
    }
    throw HostError("unknown control request \"" + cmd + "\"");
}

void ServiceHost::handle_stream(const nlohmann::json& request, int fd) {
    if (host_ == nullptr) {
        CaptureServer::refuse(fd, "the host is stopping");
        return;
    }
    try {
        if (captures_ == nullptr) captures_ = std::make_unique<CaptureServer>(host_->registry());
    } catch (const std::exception& e) {
        CaptureServer::refuse(fd, e.what());
        return;
    }
    captures_->serve(request, fd);
}

nlohmann::json ServiceHost::status() const {
    nlohmann::json devices = nlohmann::json::array();
    for (const netcfg::Device& d : netcfg::devices(host_->registry())) {
        bool running = host_->adapter_running(d.device_name);
        ndis::Miniport* power = ndis::find_power_device(d.device_name);
        devices.push_back({{"name", d.name}, {"device", d.device_name}, {"service", d.service},
                           {"state", running                                      ? "running"
                                     : removed_devices_.contains(d.device_name) ? "removed"
                                                                                : "stopped"},
                           {"power", power != nullptr ? ndis::power_state_name(power->power_state.load()) : ""}});
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
    std::vector<netcfg::Device> devices = netcfg::devices(reg);
    // Probe binds an adapter itself, or the top virtual miniport of the filters stacked on it.
    auto binding_over = [&](const netcfg::Device& adapter_device) -> PVOID {
        if (PVOID direct = probe.find_binding(adapter_device.device_name.c_str())) return direct;
        for (const netcfg::Device& d : devices) {
            if (!d.virtual_miniport || !ndis::iequals(d.filter_adapter, adapter_device.instance_id)) continue;
            if (PVOID filtered = probe.find_binding(d.device_name.c_str())) return filtered;
        }
        return nullptr;
    };
    PVOID binding = binding_over(*sender);
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
    for (const netcfg::Device& d : devices) {
        if (ndis::iequals(d.name, sender->name) || !ndis::iequals(d.service, sender->service)) continue;
        if (device_parameter(reg, d, "Wire", 0) != wire) continue;
        PVOID other = binding_over(d);
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

// {"cmd":"oid","adapter":NAME,"op":"query"|"set","oid":N[,"length":N][,"data":HEX]}: one
// NdisRequest through the StrataOid protocol's own open of the adapter (oid_client.h). An
// unknown adapter or a malformed request is a HostError; an open that fails or a call that does
// not complete in time is {"failure": line}; otherwise the request's status and buffer, raw
// (the strata command decodes them with oid_table.h).
nlohmann::json ServiceHost::oid(const nlohmann::json& request) {
    std::string adapter = request.value("adapter", "");
    std::string op = request.value("op", "");
    if (op != "query" && op != "set") throw HostError("oid: \"op\" must be \"query\" or \"set\"");
    if (!request.contains("oid") || !request["oid"].is_number_unsigned() || request["oid"].get<std::uint64_t>() > 0xFFFFFFFF)
        throw HostError("oid: \"oid\" must be a number up to 0xFFFFFFFF");
    auto oid = static_cast<NDIS_OID>(request["oid"].get<std::uint64_t>());
    std::optional<ULONG> length;
    if (request.contains("length")) {
        if (!request["length"].is_number_unsigned() || request["length"].get<std::uint64_t>() > OidClient::kMaxQueryLength)
            throw HostError("oid: \"length\" must be a number up to " + std::to_string(OidClient::kMaxQueryLength));
        length = static_cast<ULONG>(request["length"].get<std::uint64_t>());
    }
    std::optional<std::vector<std::uint8_t>> data = parse_hex_bytes(request.value("data", ""));
    if (!data) throw HostError("oid: \"data\" must be hex bytes");

    std::string device_name = adapter_device_name(adapter);
    nlohmann::json reply = {{"adapter", adapter}, {"device", device_name}, {"oid", oid}};
    try {
        if (oid_client_ == nullptr) oid_client_ = std::make_unique<OidClient>();
        OidResult r = op == "query" ? oid_client_->query(device_name, oid, length) : oid_client_->set(device_name, oid, *data);
        reply["status"] = status_name(r.status);
        reply["status_code"] = static_cast<std::uint32_t>(r.status);
        reply[op == "query" ? "bytes_written" : "bytes_read"] = r.bytes;
        reply["bytes_needed"] = r.bytes_needed;
        reply["buffer_length"] = r.buffer_length;
        if (op == "query") reply["data"] = hex_bytes(r.data);
    } catch (const OidError& e) {
        reply["failure"] = e.what();
    }
    return reply;
}

std::string ServiceHost::adapter_device_name(const std::string& adapter) const {
    for (const netcfg::Device& d : netcfg::devices(host_->registry()))
        if (ndis::iequals(d.name, adapter) || ndis::iequals(d.device_name, adapter)) return d.device_name;
    if (ndis::Library::instance().find_miniport(adapter) != nullptr) return adapter;
    throw HostError("no adapter or virtual miniport named " + adapter + " (see strata device list)");
}

// {"cmd":"reset","adapter":NAME}: NdisReset's path without a requesting binding (seed 003 §2.10),
// as CheckForHang takes it: RESET_START to every binding, MiniportReset at DISPATCH_LEVEL on the
// adapter's processor, RESET_END once it finished — at once or through NdisMResetComplete.
nlohmann::json ServiceHost::reset(const nlohmann::json& request) {
    std::string adapter = request.value("adapter", "");
    std::string device_name = adapter_device_name(adapter);
    ndis::Miniport* m = ndis::Library::instance().find_miniport(device_name);
    if (m == nullptr || m->state.load() != ndis::MiniportState::Running)
        throw HostError("adapter " + adapter + " is not running");
    constexpr unsigned kResetWaitMs = 30'000;
    std::uint64_t before = ndis::resets_finished(*m);
    NDIS_STATUS started = NDIS_STATUS_FAILURE;
    unsigned processor = m->io_processor.load();
    host_->run_at_dispatch(processor < host_->processor_count() ? processor : 0,
                           [&] { started = ndis::reset_miniport(*m, nullptr); });
    nlohmann::json reply = {{"adapter", adapter}, {"device", device_name}};
    if (started == NDIS_STATUS_RESET_IN_PROGRESS) {
        reply["status"] = status_name(started);
        return reply;
    }
    std::optional<ndis::ResetOutcome> outcome = ndis::wait_for_reset(*m, before, kResetWaitMs);
    if (!outcome) {
        reply["failure"] = "MiniportReset pended and NdisMResetComplete did not come within 30 s";
        return reply;
    }
    reply["pended"] = started == NDIS_STATUS_PENDING;
    reply["status"] = status_name(outcome->status);
    reply["status_code"] = static_cast<std::uint32_t>(outcome->status);
    reply["addressing_reset"] = outcome->addressing_reset;
    return reply;
}

}  // namespace strata::host
