// loop_probe_stack.cpp — the in-process loop↔probe stack (loop_probe_stack.h).
#include "host/loop_probe_stack.h"

#include <cstdio>
#include <stdexcept>

#include "ndis/library.h"

namespace strata::host {
namespace {

template <typename F>
void resolve(const Host& host, std::string_view service, const char* name, F& out) {
    out = reinterpret_cast<F>(host.driver_symbol(service, name));
    if (out == nullptr) throw std::runtime_error(std::string(service) + ".sys does not export " + name);
}

std::string hex_status(const char* what, long status) {
    char text[96];
    std::snprintf(text, sizeof text, "%s failed with status 0x%08lX", what, static_cast<unsigned long>(status) & 0xFFFFFFFFul);
    return text;
}

}  // namespace

ProbeHooks resolve_probe_hooks(const Host& host, std::string_view service) {
    ProbeHooks probe;
    resolve(host, service, "ProbeFindBinding", probe.find_binding);
    resolve(host, service, "ProbeRequest", probe.request);
    resolve(host, service, "ProbeSend", probe.send);
    resolve(host, service, "ProbeBenchSend", probe.bench_send);
    resolve(host, service, "ProbeSetReceiveMode", probe.set_receive_mode);
    resolve(host, service, "ProbeReturnHeld", probe.return_held);
    resolve(host, service, "ProbeGetStats", probe.get_stats);
    resolve(host, service, "ProbeResetStats", probe.reset_stats);
    resolve(host, service, "ProbeWaitReceived", probe.wait_received);
    resolve(host, service, "ProbeWaitSendsCompleted", probe.wait_sends_completed);
    return probe;
}

LoopProbeStack::LoopProbeStack(const std::filesystem::path& root, const std::filesystem::path& driver_dir,
                               unsigned processors, bool verify) {
    std::filesystem::create_directories(root);
    host_ = std::make_unique<Host>(HostOptions{root, driver_dir, processors, verify});
    for (const char* service : {"loop", "probe"}) {
        NTSTATUS status = host_->load_driver(service);
        if (!NT_SUCCESS(status)) throw std::runtime_error(hex_status((std::string("loading ") + service).c_str(), status));
    }
    resolve(*host_, "loop", "LoopFindAdapter", loop_.find_adapter);
    resolve(*host_, "loop", "LoopIndicateFrames", loop_.indicate_frames);
    resolve(*host_, "loop", "LoopIndicateStatus", loop_.indicate_status);
    resolve(*host_, "loop", "LoopGetStats", loop_.get_stats);
    probe_ = resolve_probe_hooks(*host_, "probe");
}

LoopProbeStack::~LoopProbeStack() = default;

StackAdapter& LoopProbeStack::add_adapter(const std::map<std::string, registry::Value>& parameters, bool bind) {
    auto adapter = std::make_unique<StackAdapter>();
    NDIS_STATUS status = host_->add_adapter("loop", parameters, &adapter->info);
    if (status != NDIS_STATUS_SUCCESS) throw std::runtime_error(hex_status("adding a loop adapter", status));
    ndis::Miniport* miniport = ndis::Library::instance().find_miniport(adapter->info.device_name);
    std::copy(miniport->station.begin(), miniport->station.end(), adapter->mac.begin());
    adapter->loop = loop_.find_adapter(adapter->mac.data());
    if (adapter->loop == nullptr) throw std::runtime_error("loop has no adapter with the address NDIS read from it");
    if (bind) {
        status = host_->bind("probe", adapter->info.device_name);
        if (status != NDIS_STATUS_SUCCESS) throw std::runtime_error(hex_status("binding probe", status));
        rebind(*adapter);
    }
    adapters_.push_back(std::move(adapter));
    return *adapters_.back();
}

void LoopProbeStack::rebind(StackAdapter& adapter) {
    adapter.probe = probe_.find_binding(adapter.info.device_name.c_str());
    if (adapter.probe == nullptr) throw std::runtime_error("probe has no binding to " + adapter.info.device_name);
}

}  // namespace strata::host
