// im_fixture.h — the fixture of the intermediate-driver conformance tests (seed 003 §2.4–§2.8,
// §2.12 seen from the IM's side): a DatapathTest host with the IM test drivers loaded (imcount,
// immux from tests/drivers, and drivers/passthru when it is built), and helpers that build
// stacks with the strata::Host API the way Windows' binding engine would: loop adapters on one
// wire, the IM's per-binding key (Services\<im>\Parameters\Adapters\<lower GUID>) with its
// UpperBindings, the virtual miniport's device instance (Host::add_adapter), the IM bind, then
// probe bound to the virtual miniport. Traffic helpers send numbered probe frames and wait on
// probe's events (with a timeout, never a sleep); quiesce() waits for every processor to have run
// what was queued before it, so counters of returns and completions are final.
//
// Teardown: held packets are returned, then every loop adapter the test made is removed (NDIS
// unbinds the IMs above it, which take their virtual miniports down top-down), then the
// DatapathTest teardown runs. Tests that removed an adapter themselves are fine.
#pragma once

#include "datapath_test_drivers.h"

#include <strings.h>

#include <cstdio>
#include <random>

#include "drivers/imcount_hooks.h"
#include "drivers/immux_hooks.h"
#include "ndis/library.h"
#include "ndis/miniport.h"
#include "ndis/request.h"
#include "ntos/work_item.h"
#include "passthru/passthru_hooks.h"
#include "registry/registry.h"

namespace strata::test::im {

using datapath::Frame;
using datapath::kWaitMs;
using datapath::Mac;
using registry::Value;

inline constexpr const char* kNetClassKey =
    "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Class\\{4D36E972-E325-11CE-BFC1-08002BE10318}";

struct ImCountHooks {
    decltype(&ImCountFindBinding) find_binding = nullptr;
    decltype(&ImCountIsBound) is_bound = nullptr;
    decltype(&ImCountGetStats) get_stats = nullptr;
    decltype(&ImCountCancelInitialize) cancel_initialize = nullptr;
    decltype(&ImCountIndicatePnPEvent) indicate_pnp_event = nullptr;
};

struct ImMuxHooks {
    decltype(&ImMuxFindAdapter) find_adapter = nullptr;
    decltype(&ImMuxFindVElan) find_velan = nullptr;
    decltype(&ImMuxGetAdapterStats) adapter_stats = nullptr;
    decltype(&ImMuxGetVElanStats) velan_stats = nullptr;
    decltype(&ImMuxGetVElanAddress) velan_address = nullptr;
};

// "{GUID}" of "\Device\{GUID}": the adapter's NetCfgInstanceId.
inline std::string guid_of(const std::string& device_name) {
    return device_name.substr(device_name.find_last_of('\\') + 1);
}

// HKLM\...\Services\<service>\Parameters\Adapters\<lower GUID>: the IM's per-binding key, which
// ProtocolBindAdapter gets as SystemSpecific1.
inline std::string binding_key(const std::string& service, const std::string& lower_device) {
    return "HKLM\\SYSTEM\\CurrentControlSet\\Services\\" + service + "\\Parameters\\Adapters\\" + guid_of(lower_device);
}

inline std::string random_guid() {
    std::random_device device;
    std::uniform_int_distribution<unsigned> byte(0, 255);
    unsigned b[16];
    for (auto& x : b) x = byte(device);
    b[6] = (b[6] & 0x0F) | 0x40;
    b[8] = (b[8] & 0x3F) | 0x80;
    char text[40];
    std::snprintf(text, sizeof text, "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return text;
}

inline ULONG64 as_stat(NDIS_STATUS status) { return static_cast<ULONG>(status); }

// One IM layer over an adapter: the lower device, the virtual miniport's device, and probe's
// binding to the virtual miniport (nullptr when probe was not bound).
struct Layer {
    std::string service;
    std::string lower;
    std::string upper;
    PVOID probe = nullptr;
};

// A near loop adapter with IM layers over it, and a far loop adapter on the same wire with
// probe bound directly: top_probe/top_mac are probe's binding at the top of the stack.
struct Chain {
    host::StackAdapter* near = nullptr;
    host::StackAdapter* far = nullptr;
    std::vector<Layer> layers;  // bottom first
    PVOID top_probe = nullptr;
    Mac top_mac{};
    Mac far_mac{};
};

class ImTest : public datapath::DatapathTest {
protected:
    void SetUp() override {
        DatapathTest::SetUp();
        for (const char* service : {"imcount", "immux"}) {
            NTSTATUS status = host().load_driver(service);
            ASSERT_EQ(status, STATUS_SUCCESS) << "loading " << service << ": " << host().last_error();
        }
        resolve("imcount", "ImCountFindBinding", imcount_.find_binding);
        resolve("imcount", "ImCountIsBound", imcount_.is_bound);
        resolve("imcount", "ImCountGetStats", imcount_.get_stats);
        resolve("imcount", "ImCountCancelInitialize", imcount_.cancel_initialize);
        resolve("imcount", "ImCountIndicatePnPEvent", imcount_.indicate_pnp_event);
        resolve("immux", "ImMuxFindAdapter", immux_.find_adapter);
        resolve("immux", "ImMuxFindVElan", immux_.find_velan);
        resolve("immux", "ImMuxGetAdapterStats", immux_.adapter_stats);
        resolve("immux", "ImMuxGetVElanStats", immux_.velan_stats);
        resolve("immux", "ImMuxGetVElanAddress", immux_.velan_address);
        if (std::filesystem::exists(driver_dir() / "passthru.sys")) {
            NTSTATUS status = host().load_driver("passthru");
            ASSERT_EQ(status, STATUS_SUCCESS) << "loading passthru: " << host().last_error();
            resolve("passthru", "PassthruQueryCounters", passthru_counters_);
        }
        verifier::clear();
    }

    void TearDown() override {
        // A failed test shows what the verifier saw: often the reason.
        if (HasFailure())
            for (const verifier::Report& r : verifier::reports())
                std::fprintf(stderr, "verifier: %s [%s] %s\n", verifier::rule_name(r.rule), r.driver.c_str(),
                             r.message.c_str());
        if (stack_) {
            for (PVOID b : held_probes_) probe().return_held(b);
            for (auto& p : protocols_)
                for (datapath::TestBinding* b : p->bindings()) b->return_held();
            for (auto it = loops_.rbegin(); it != loops_.rend(); ++it) host().remove_adapter(*it);
        }
        DatapathTest::TearDown();
    }

    template <typename F>
    void resolve(const char* service, const char* name, F& out) {
        out = reinterpret_cast<F>(host().driver_symbol(service, name));
        ASSERT_NE(out, nullptr) << service << ".sys does not export " << name;
    }

    bool have_passthru() const { return passthru_counters_ != nullptr; }
    const ImCountHooks& imcount() const { return imcount_; }
    const ImMuxHooks& immux() const { return immux_; }

    // ---- Building stacks -------------------------------------------------------------------------

    // A loop adapter on `wire` (probe bound when asked). ReceiveBuffers defaults to 4096 so a
    // chunk of traffic never overflows the ring.
    host::StackAdapter& loop_on(ULONG wire, std::map<std::string, Value> parameters = {}, bool bind_probe = false) {
        parameters.emplace("Wire", Value::dword(wire));
        parameters.emplace("ReceiveBuffers", Value::dword(4096));
        host::StackAdapter& a = loop_adapter(parameters, bind_probe);
        loops_.push_back(a.info.device_name);
        return a;
    }

    // The IM's per-binding parameter `name` for the binding to `lower`.
    void set_binding_value(const std::string& service, const std::string& lower, const std::string& name,
                           const Value& value) {
        host().registry().set_value(binding_key(service, lower), name, value);
    }

    // The virtual miniport's device instance of `service` (Host::add_adapter): started, not yet
    // initialised. Returns its device name ("" on failure, with a test failure recorded).
    std::string virtual_device(const std::string& service, const std::map<std::string, Value>& parameters = {}) {
        AdapterInfo info;
        NDIS_STATUS status = host().add_adapter(service, parameters, &info);
        EXPECT_EQ(status, NDIS_STATUS_SUCCESS) << "add_adapter(" << service << ")";
        return status == NDIS_STATUS_SUCCESS ? info.device_name : std::string();
    }

    // A device instance of `service` whose name the test chooses, not installed yet: its instance
    // key path and GUID. (NDIS counts a virtual device whose instance key exists as started, so
    // the key is written only by start_device.)
    std::pair<std::string, std::string> future_device(unsigned index) {
        char number[8];
        std::snprintf(number, sizeof number, "%04u", 900 + index);
        return {std::string(kNetClassKey) + "\\" + number, random_guid()};
    }
    // Installs and starts that device instance (what `strata device add` and PnP do):
    // Host::start_adapter's status.
    NDIS_STATUS start_device(const std::string& service, const std::string& key, const std::string& guid,
                             AdapterInfo* info) {
        host().registry().set_value(key, "ComponentId", Value::sz(service));
        host().registry().set_value(key, "NetCfgInstanceId", Value::sz(guid));
        host().registry().set_value(key + "\\Ndi", "Service", Value::sz(service));
        return host().start_adapter(service, key, guid, info);
    }

    // IM `service` over `lower`: its virtual miniport's device instance, the binding's
    // UpperBindings and `parameters`, host.bind(service, lower), and probe bound to the virtual
    // miniport when `bind_probe`. Fails the test (returning a Layer with an empty upper) when a
    // step fails.
    Layer layer(const std::string& service, const std::string& lower, const std::map<std::string, Value>& parameters = {},
                bool bind_probe = true) {
        Layer l{service, lower, virtual_device(service), nullptr};
        if (l.upper.empty()) return Layer{};
        set_binding_value(service, lower, "UpperBindings", Value::sz(l.upper));
        for (const auto& [name, value] : parameters) set_binding_value(service, lower, name, value);
        NDIS_STATUS status = host().bind(service, lower);
        EXPECT_EQ(status, NDIS_STATUS_SUCCESS) << "bind(" << service << ", " << lower << ")";
        if (status != NDIS_STATUS_SUCCESS) return Layer{};
        EXPECT_TRUE(host().adapter_running(l.upper)) << service << "'s virtual miniport did not initialise";
        if (bind_probe) l.probe = bind_probe_to(l.upper);
        return l;
    }

    // probe bound to `device`; nullptr (and a test failure) when the bind fails. Its transfer pool
    // holds a whole chunk of send_and_wait, so pended transfers never run it dry.
    PVOID bind_probe_to(const std::string& device) {
        set_binding_value("probe", device, "TransferPoolSize", Value::dword(1024));
        NDIS_STATUS status = host().bind("probe", device);
        EXPECT_EQ(status, NDIS_STATUS_SUCCESS) << "bind(probe, " << device << ")";
        return status == NDIS_STATUS_SUCCESS ? probe().find_binding(device.c_str()) : nullptr;
    }

    // near (wire `wire`, `near_parameters`) with `services` layered over it bottom-up (each with
    // its per-binding `parameters`), probe bound at the top only, and a far loop adapter with
    // probe. Check `ok()` on the result.
    Chain chain(ULONG wire, const std::vector<std::string>& services, std::map<std::string, Value> near_parameters = {},
                const std::map<std::string, std::map<std::string, Value>>& parameters = {}) {
        Chain c;
        c.near = &loop_on(wire, near_parameters);
        c.far = &loop_on(wire, {}, /*bind_probe=*/true);
        c.far_mac = c.far->mac;
        std::string lower = c.near->info.device_name;
        for (std::size_t i = 0; i < services.size(); ++i) {
            auto p = parameters.find(services[i]);
            Layer l = layer(services[i], lower, p == parameters.end() ? std::map<std::string, Value>{} : p->second,
                            /*bind_probe=*/i + 1 == services.size());
            if (l.upper.empty()) return c;
            c.layers.push_back(l);
            lower = l.upper;
        }
        c.top_probe = services.empty() ? bind_probe_to(lower) : c.layers.back().probe;
        if (c.top_probe != nullptr) c.top_mac = probe_mac(c.top_probe);
        return c;
    }
    static bool ok(const Chain& c) { return c.near != nullptr && c.far != nullptr && c.top_probe != nullptr; }

    // ---- Traffic -------------------------------------------------------------------------------

    // probe's address on `binding` (OID_802_3_CURRENT_ADDRESS through the whole stack).
    Mac probe_mac(PVOID binding) {
        Mac mac{};
        UINT done = 0;
        EXPECT_EQ(probe().request(binding, NdisRequestQueryInformation, OID_802_3_CURRENT_ADDRESS, mac.data(), 6, &done,
                                  nullptr),
                  NDIS_STATUS_SUCCESS);
        return mac;
    }
    NDIS_STATUS probe_query(PVOID binding, NDIS_OID oid, void* buffer, UINT length, UINT* done = nullptr) {
        return probe().request(binding, NdisRequestQueryInformation, oid, buffer, length, done, nullptr);
    }
    // A ULONG query that must succeed.
    ULONG probe_ulong(PVOID binding, NDIS_OID oid) {
        ULONG value = 0;
        EXPECT_EQ(probe_query(binding, oid, &value, sizeof value), NDIS_STATUS_SUCCESS) << "OID 0x" << std::hex << oid;
        return value;
    }

    // Sends `count` numbered probe frames from `from` to `to` in chunks of at most `chunk`,
    // waiting after each chunk until `receiver` has received them all (flow control without
    // sleeping: loop drops frames when a receive ring is full). `receiver` may be nullptr (no
    // waiting on a receiver: then only the send completions are waited for).
    ::testing::AssertionResult send_and_wait(PVOID from, const Mac& to, ULONG64 count, PVOID receiver, UINT size = 128,
                                             UINT batch = 16, ULONG64 chunk = 1000) {
        PROBE_STATS before_send{};
        probe().get_stats(from, &before_send);
        PROBE_STATS before_receive{};
        if (receiver != nullptr) probe().get_stats(receiver, &before_receive);
        for (ULONG64 sent = 0; sent < count;) {
            ULONG64 n = std::min(chunk, count - sent);
            NDIS_STATUS status = probe().send(from, to.data(), size, UINT(n), batch, 0);
            if (status != NDIS_STATUS_SUCCESS)
                return ::testing::AssertionFailure() << "ProbeSend returned 0x" << std::hex << ULONG(status);
            sent += n;
            if (receiver != nullptr &&
                probe().wait_received(receiver, before_receive.ReceivedFrames + sent, kWaitMs) != NDIS_STATUS_SUCCESS)
                return ::testing::AssertionFailure()
                       << "received " << stats(receiver).ReceivedFrames - before_receive.ReceivedFrames << " of " << sent;
        }
        if (probe().wait_sends_completed(from, before_send.SendsCompleted + count, kWaitMs) != NDIS_STATUS_SUCCESS)
            return ::testing::AssertionFailure()
                   << "completed " << stats(from).SendsCompleted - before_send.SendsCompleted << " of " << count;
        return ::testing::AssertionSuccess();
    }

    // Waits until every processor has run what was queued before this call (DPCs, indications
    // and the returns that follow them): afterwards counters of returns and completions are final.
    void quiesce() {
        for (int round = 0; round < 2; ++round)
            for (unsigned cpu = 0; cpu < host().processor_count(); ++cpu) host().run_at_dispatch(cpu, [] {});
    }

    PROBE_STATS stats(PVOID probe_binding) {
        PROBE_STATS s{};
        probe().get_stats(probe_binding, &s);
        return s;
    }
    IMCOUNT_STATS imcount_stats(const std::string& device) {
        IMCOUNT_STATS s{};
        PVOID b = imcount_.find_binding(device.c_str());
        EXPECT_NE(b, nullptr) << "imcount has no binding for " << device;
        if (b != nullptr) imcount_.get_stats(b, &s);
        return s;
    }
    IMMUX_VELAN_STATS velan_stats(const std::string& device) {
        IMMUX_VELAN_STATS s{};
        PVOID v = immux_.find_velan(device.c_str());
        EXPECT_NE(v, nullptr) << "immux has no VELAN " << device;
        if (v != nullptr) immux_.velan_stats(v, &s);
        return s;
    }
    IMMUX_ADAPTER_STATS mux_stats(const std::string& lower) {
        IMMUX_ADAPTER_STATS s{};
        PVOID a = immux_.find_adapter(lower.c_str());
        EXPECT_NE(a, nullptr) << "immux has no binding to " << lower;
        if (a != nullptr) immux_.adapter_stats(a, &s);
        return s;
    }
    // passthru's counters for the binding whose upper (virtual) device is `upper`; false when
    // passthru has no such binding (any more).
    bool passthru_stats(const std::string& upper, PASSTHRU_COUNTERS* out) {
        if (passthru_counters_ == nullptr) return false;
        for (ULONG i = 0;; ++i) {
            PASSTHRU_COUNTERS c{};
            if (passthru_counters_(i, &c) != NDIS_STATUS_SUCCESS) return false;
            if (strcasecmp(c.UpperName, upper.c_str()) == 0) {
                *out = c;
                return true;
            }
        }
    }
    // Remembers probe bindings that hold packets, so teardown returns them first.
    void holding(PVOID probe_binding) { held_probes_.push_back(probe_binding); }

    // Attribute flags NDIS recorded for a miniport (NdisMSetAttributesEx).
    static ULONG attribute_flags(const std::string& device) {
        ndis::Miniport* m = ndis::Library::instance().find_miniport(device);
        return m == nullptr ? 0 : m->attribute_flags;
    }

    ImCountHooks imcount_;
    ImMuxHooks immux_;
    PFN_PASSTHRU_QUERY_COUNTERS passthru_counters_ = nullptr;
    std::vector<std::string> loops_;
    std::vector<PVOID> held_probes_;
};

}  // namespace strata::test::im
