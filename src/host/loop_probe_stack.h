// loop_probe_stack.h — an in-process stack of the loop NIC miniport and the probe protocol
// (drivers/loop, drivers/probe) on one strata::Host: adapters on in-memory wires, probe bound
// to each. The demo, the datapath benchmark and the conformance tests drive NDIS through it.
#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loop/loop_hooks.h"
#include "probe/probe_hooks.h"
#include "registry/value.h"
#include "strata/host.hpp"

namespace strata::host {

struct LoopHooks {
    decltype(&LoopFindAdapter) find_adapter = nullptr;
    decltype(&LoopIndicateFrames) indicate_frames = nullptr;
    decltype(&LoopIndicateStatus) indicate_status = nullptr;
    decltype(&LoopGetStats) get_stats = nullptr;
};

struct ProbeHooks {
    decltype(&ProbeFindBinding) find_binding = nullptr;
    decltype(&ProbeRequest) request = nullptr;
    decltype(&ProbeSend) send = nullptr;
    decltype(&ProbeBenchSend) bench_send = nullptr;
    decltype(&ProbeSetReceiveMode) set_receive_mode = nullptr;
    decltype(&ProbeReturnHeld) return_held = nullptr;
    decltype(&ProbeGetStats) get_stats = nullptr;
    decltype(&ProbeResetStats) reset_stats = nullptr;
    decltype(&ProbeWaitReceived) wait_received = nullptr;
    decltype(&ProbeWaitSendsCompleted) wait_sends_completed = nullptr;
};

// Every ProbeHooks entry point from the loaded driver `service` (probe.sys, however its INF names
// the service). Throws std::runtime_error naming the first export `service` lacks.
// PASSIVE_LEVEL; any thread; the pointers stay valid while the driver stays loaded.
ProbeHooks resolve_probe_hooks(const Host& host, std::string_view service);

// One loop adapter and, when probe is bound to it, its binding.
struct StackAdapter {
    AdapterInfo info;
    PVOID loop = nullptr;   // LoopFindAdapter's handle
    PVOID probe = nullptr;  // ProbeFindBinding's handle, or nullptr when unbound
    std::array<UCHAR, 6> mac{};
};

class LoopProbeStack {
public:
    // A host rooted at `root` (created), with loop.sys and probe.sys from `driver_dir` loaded.
    LoopProbeStack(const std::filesystem::path& root, const std::filesystem::path& driver_dir, unsigned processors = 0,
                   bool verify = false);
    ~LoopProbeStack();

    Host& host() { return *host_; }
    const LoopHooks& loop() const { return loop_; }
    const ProbeHooks& probe() const { return probe_; }

    // Adds a loop adapter with these registry parameters; binds probe to it when `bind`.
    // Throws std::runtime_error naming the step and status on failure.
    StackAdapter& add_adapter(const std::map<std::string, registry::Value>& parameters, bool bind = true);
    StackAdapter& adapter(std::size_t index) { return *adapters_.at(index); }
    std::size_t adapter_count() const { return adapters_.size(); }
    void rebind(StackAdapter& adapter);  // finds probe's binding to the adapter after a (re)bind

private:
    std::unique_ptr<Host> host_;
    LoopHooks loop_;
    ProbeHooks probe_;
    std::vector<std::unique_ptr<StackAdapter>> adapters_;
};

}  // namespace strata::host
