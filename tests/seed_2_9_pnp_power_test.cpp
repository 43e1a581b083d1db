// seed_2_9_pnp_power_test.cpp — conformance tests of seed 003 §2.9 (issue 7 part 1): PnP and
// power management as NDIS drives it (src/ndis/power.cpp). A small recording protocol of this
// file (PnpProtocol) logs every ProtocolPnPEvent and, at that moment, what the loop miniport's
// power OIDs have done so far (LoopGetPower), which proves the documented order; loop answers
// the PnP OIDs with PowerManagement=1 and is a legacy miniport without it; passthru over loop
// shows the IM's queue of sends while the adapter below sleeps (§2.9.3.2) and its handling of
// the wake-up OIDs (§2.9.1).
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <memory>
#include <stdexcept>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "cli_harness.h"
#include "im_fixture.h"
#include "loop/loop_hooks.h"
#include "ndis/library.h"
#include "ndis/power.h"
#include "registry/registry.h"

namespace strata::test::im {
namespace {

// One ProtocolPnPEvent as the protocol saw it.
struct PnpRecord {
    std::string protocol;
    NET_PNP_EVENT_CODE event = NetEventMaximum;
    bool null_context = false;
    ULONG state = 0;             // the NDIS_DEVICE_POWER_STATE of a power event (a buffer's first ULONG)
    std::vector<std::string> bind_list;  // NetEventBindList: the device names in the buffer
    LOOP_POWER loop_then{};      // the loop adapter's power record when the event arrived
};

class PnpProtocol;

// What the test sees of every PnpProtocol: one log in arrival order.
struct PnpLog {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<PnpRecord> records;
    PFN_LOOP_GET_POWER get_power = nullptr;
    PVOID loop = nullptr;  // the loop adapter whose power record events capture
};
PnpLog g_log;

// A binding of a PnpProtocol: the NdisBindingHandle and the protocol it belongs to.
struct PnpBinding {
    PnpProtocol* protocol = nullptr;
    NDIS_HANDLE handle = nullptr;
    std::string device;
};

// An NDIS 5.0 protocol that binds anything and records its PnP events. `veto` fails
// NetEventQueryRemoveDevice; `pend` returns NDIS_STATUS_PENDING for that event code and keeps
// the event for complete_pended().
class PnpProtocol {
public:
    static constexpr int kSlots = 2;
    NET_PNP_EVENT_CODE pend = NetEventMaximum;
    bool veto = false;

    explicit PnpProtocol(std::string name) : name_(std::move(name)) {
        for (slot_ = 0; slot_ < kSlots && slots()[slot_] != nullptr; ++slot_) {}
        if (slot_ == kSlots) throw std::runtime_error("too many PnpProtocols");
        slots()[slot_] = this;
        name_chars_.assign(name_.begin(), name_.end());
        name_chars_.push_back(0);
        NDIS50_PROTOCOL_CHARACTERISTICS c{};
        c.MajorNdisVersion = 5;
        c.OpenAdapterCompleteHandler = [](NDIS_HANDLE, NDIS_STATUS, NDIS_STATUS) {};
        c.CloseAdapterCompleteHandler = [](NDIS_HANDLE, NDIS_STATUS) {};
        c.SendCompleteHandler = [](NDIS_HANDLE, PNDIS_PACKET, NDIS_STATUS) {};
        c.TransferDataCompleteHandler = [](NDIS_HANDLE, PNDIS_PACKET, NDIS_STATUS, UINT) {};
        c.ResetCompleteHandler = [](NDIS_HANDLE, NDIS_STATUS) {};
        c.RequestCompleteHandler = [](NDIS_HANDLE, PNDIS_REQUEST, NDIS_STATUS) {};
        c.ReceiveHandler = [](NDIS_HANDLE, NDIS_HANDLE, PVOID, UINT, PVOID, UINT, UINT) -> NDIS_STATUS {
            return NDIS_STATUS_NOT_ACCEPTED;
        };
        c.ReceiveCompleteHandler = [](NDIS_HANDLE) {};
        c.StatusHandler = [](NDIS_HANDLE, NDIS_STATUS, PVOID, UINT) {};
        c.StatusCompleteHandler = [](NDIS_HANDLE) {};
        c.BindAdapterHandler = slot_ == 0 ? &Bind<0> : &Bind<1>;
        c.UnbindAdapterHandler = &Unbind;
        c.PnPEventHandler = slot_ == 0 ? &PnPEvent<0> : &PnPEvent<1>;
        NdisInitUnicodeString(&c.Name, name_chars_.data());
        NDIS_STATUS status = NDIS_STATUS_FAILURE;
        NdisRegisterProtocol(&status, &handle_, reinterpret_cast<PNDIS_PROTOCOL_CHARACTERISTICS>(&c), sizeof c);
        if (status != NDIS_STATUS_SUCCESS) throw std::runtime_error("NdisRegisterProtocol failed");
    }
    ~PnpProtocol() {
        NDIS_STATUS status;
        NdisDeregisterProtocol(&status, handle_);
        slots()[slot_] = nullptr;
    }
    PnpProtocol(const PnpProtocol&) = delete;
    PnpProtocol& operator=(const PnpProtocol&) = delete;

    const std::string& name() const { return name_; }
    // Open bindings now (a halt for sleep closes them; the wake opens new ones).
    int open_bindings() {
        std::lock_guard lock(mutex_);
        int n = 0;
        for (auto& b : bindings_) n += b->handle != nullptr;
        return n;
    }
    // Waits until an event of `code` pended, then completes it with NdisCompletePnPEvent.
    bool complete_pended(NET_PNP_EVENT_CODE code, NDIS_STATUS status) {
        std::unique_lock lock(mutex_);
        if (!pended_changed_.wait_for(lock, std::chrono::seconds(30), [&] { return pended_ != nullptr; })) return false;
        PNET_PNP_EVENT event = pended_;
        NDIS_HANDLE handle = pended_handle_;
        pended_ = nullptr;
        lock.unlock();
        if (event->NetEvent != code) return false;
        NdisCompletePnPEvent(status, handle, event);
        return true;
    }

private:
    static std::array<PnpProtocol*, kSlots>& slots() {
        static std::array<PnpProtocol*, kSlots> s{};
        return s;
    }
    template <int Slot>
    static VOID Bind(PNDIS_STATUS status, NDIS_HANDLE, PNDIS_STRING device, PVOID, PVOID) {
        slots()[Slot]->bind(status, device);
    }
    template <int Slot>
    static NDIS_STATUS PnPEvent(NDIS_HANDLE context, PNET_PNP_EVENT event) {
        return slots()[Slot]->pnp_event(static_cast<PnpBinding*>(context), event);
    }
    static VOID Unbind(PNDIS_STATUS status, NDIS_HANDLE context, NDIS_HANDLE) {
        auto* b = static_cast<PnpBinding*>(context);
        NdisCloseAdapter(status, b->handle);
        std::lock_guard lock(b->protocol->mutex_);
        b->handle = nullptr;
    }

    void bind(PNDIS_STATUS status, PNDIS_STRING device) {
        auto binding = std::make_unique<PnpBinding>();
        binding->protocol = this;
        for (USHORT i = 0; i < device->Length / sizeof(WCHAR); ++i) binding->device.push_back(char(device->Buffer[i]));
        NDIS_MEDIUM media[] = {NdisMedium802_3};
        UINT selected = 0;
        NDIS_STATUS open_error = NDIS_STATUS_SUCCESS;
        NDIS_HANDLE handle = nullptr;
        NdisOpenAdapter(status, &open_error, &handle, &selected, media, 1, handle_, binding.get(), device, 0, nullptr);
        std::lock_guard lock(mutex_);
        if (*status == NDIS_STATUS_SUCCESS) binding->handle = handle;
        bindings_.push_back(std::move(binding));
    }

    NDIS_STATUS pnp_event(PnpBinding* binding, PNET_PNP_EVENT event) {
        PnpRecord r;
        r.protocol = name_;
        r.event = event->NetEvent;
        r.null_context = binding == nullptr;
        if (event->Buffer != nullptr && event->BufferLength >= sizeof(ULONG))
            r.state = *static_cast<const ULONG*>(event->Buffer);
        if (event->NetEvent == NetEventBindList && event->Buffer != nullptr) {
            const auto* text = static_cast<const char16_t*>(event->Buffer);
            std::size_t units = event->BufferLength / sizeof(char16_t);
            for (std::size_t i = 0; i < units && text[i] != 0;) {
                std::string name;
                for (; i < units && text[i] != 0; ++i) name.push_back(static_cast<char>(text[i]));
                r.bind_list.push_back(name);
                ++i;
            }
        }
        {
            std::lock_guard lock(g_log.mutex);
            if (g_log.get_power != nullptr && g_log.loop != nullptr) g_log.get_power(g_log.loop, &r.loop_then);
            g_log.records.push_back(r);
        }
        g_log.changed.notify_all();
        if (veto && event->NetEvent == NetEventQueryRemoveDevice) return NDIS_STATUS_FAILURE;
        if (event->NetEvent == pend && binding != nullptr) {
            std::lock_guard lock(mutex_);
            pended_ = event;
            pended_handle_ = binding->handle;
            pended_changed_.notify_all();
            return NDIS_STATUS_PENDING;
        }
        return NDIS_STATUS_SUCCESS;
    }

    std::string name_;
    std::vector<WCHAR> name_chars_;
    int slot_ = 0;
    NDIS_HANDLE handle_ = nullptr;
    std::mutex mutex_;
    std::vector<std::unique_ptr<PnpBinding>> bindings_;
    std::condition_variable pended_changed_;
    PNET_PNP_EVENT pended_ = nullptr;
    NDIS_HANDLE pended_handle_ = nullptr;
};

class Seed_2_9 : public ImTest {
protected:
    void SetUp() override {
        ImTest::SetUp();
        resolve("loop", "LoopGetPower", get_power_);
        std::lock_guard lock(g_log.mutex);
        g_log.records.clear();
        g_log.get_power = get_power_;
        g_log.loop = nullptr;
    }
    void TearDown() override {
        {
            std::lock_guard lock(g_log.mutex);
            g_log.loop = nullptr;
        }
        pnp_protocols_.clear();  // before the adapters go: NdisDeregisterProtocol unbinds
        ImTest::TearDown();
    }

    PnpProtocol& pnp_protocol(const std::string& name) {
        pnp_protocols_.push_back(std::make_unique<PnpProtocol>(name));
        return *pnp_protocols_.back();
    }
    // Loop adapter on `wire` with `parameters`, watched by the PnP log.
    host::StackAdapter& watched_loop(ULONG wire, std::map<std::string, Value> parameters) {
        host::StackAdapter& a = loop_on(wire, std::move(parameters));
        std::lock_guard lock(g_log.mutex);
        g_log.loop = a.loop;
        return a;
    }
    static ndis::Miniport& miniport(const std::string& device) {
        ndis::Miniport* m = ndis::find_power_device(device);
        if (m == nullptr) throw std::runtime_error("no miniport " + device);
        return *m;
    }
    LOOP_POWER power_of(PVOID loop) {
        LOOP_POWER p{};
        get_power_(loop, &p);
        return p;
    }
    static std::vector<PnpRecord> records(const std::string& protocol) {
        std::lock_guard lock(g_log.mutex);
        std::vector<PnpRecord> out;
        for (const PnpRecord& r : g_log.records)
            if (r.protocol == protocol) out.push_back(r);
        return out;
    }
    static std::vector<NET_PNP_EVENT_CODE> codes(const std::vector<PnpRecord>& rs) {
        std::vector<NET_PNP_EVENT_CODE> out;
        for (const PnpRecord& r : rs) out.push_back(r.event);
        return out;
    }
    static void clear_log() {
        std::lock_guard lock(g_log.mutex);
        g_log.records.clear();
    }

    PFN_LOOP_GET_POWER get_power_ = nullptr;
    std::vector<std::unique_ptr<PnpProtocol>> pnp_protocols_;
};

// §2.9.2: the user turning the adapter's wake-up on or off is NetEventPnPCapabilities to each
// binding, with NDIS_DEVICE_WAKE_UP_ENABLE in the buffer's NDIS_PNP_CAPABILITIES Flags; an adapter
// without power management has no wake-up to turn on.
TEST_F(Seed_2_9, Seed_2_9_2_WakeUpToggleReachesBindingsAsPnPCapabilities) {
    host::StackAdapter& pm = loop_on(297, {{"PowerManagement", Value::dword(1)}});
    host::StackAdapter& legacy = loop_on(297, {});
    PnpProtocol& p = pnp_protocol("pnprec0");
    ASSERT_EQ(host().bind(p.name(), pm.info.device_name), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(host().bind(p.name(), legacy.info.device_name), NDIS_STATUS_SUCCESS);
    clear_log();

    EXPECT_EQ(ndis::set_wake_up(miniport(pm.info.device_name), true).status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(ndis::set_wake_up(miniport(pm.info.device_name), false).status, NDIS_STATUS_SUCCESS);
    std::vector<PnpRecord> rs = records(p.name());
    ASSERT_EQ(codes(rs), (std::vector<NET_PNP_EVENT_CODE>{NetEventPnPCapabilities, NetEventPnPCapabilities}));
    EXPECT_FALSE(rs[0].null_context) << "about one binding";
    EXPECT_EQ(rs[0].state & NDIS_DEVICE_WAKE_UP_ENABLE, ULONG{NDIS_DEVICE_WAKE_UP_ENABLE});
    EXPECT_EQ(rs[1].state & NDIS_DEVICE_WAKE_UP_ENABLE, 0u);

    clear_log();
    EXPECT_EQ(ndis::set_wake_up(miniport(legacy.info.device_name), true).status, NDIS_STATUS_NOT_SUPPORTED);
    EXPECT_TRUE(records(p.name()).empty()) << "nothing to tell";
}

// NetEventBindList: the protocol's bindings' new order, as NUL-terminated device names, with a
// NULL ProtocolBindingContext.
TEST_F(Seed_2_9, Seed_2_9_2_BindListIsTheDeviceNamesInOrderForTheWholeProtocol) {
    PnpProtocol& p = pnp_protocol("pnprec0");
    ndis::Protocol* protocol = ndis::Library::instance().find_protocol(p.name());
    ASSERT_NE(protocol, nullptr);
    clear_log();
    std::vector<std::string> order{"\\Device\\{B}", "\\Device\\{A}"};
    EXPECT_EQ(ndis::indicate_bind_list(*protocol, order), NDIS_STATUS_SUCCESS);
    std::vector<PnpRecord> rs = records(p.name());
    ASSERT_EQ(codes(rs), (std::vector<NET_PNP_EVENT_CODE>{NetEventBindList}));
    EXPECT_TRUE(rs[0].null_context);
    EXPECT_EQ(rs[0].bind_list, order);
}

// §2.9.1: NDIS asks OID_PNP_CAPABILITIES at initialisation; the answer decides whether the
// adapter is power-manageable.
TEST_F(Seed_2_9, Seed_2_9_1_CapabilitiesQueriedAtInitialisation) {
    host::StackAdapter& pm = loop_on(290, {{"PowerManagement", Value::dword(1)}});
    host::StackAdapter& legacy = loop_on(290, {});
    EXPECT_TRUE(miniport(pm.info.device_name).pm_capable);
    EXPECT_EQ(miniport(pm.info.device_name).pnp_capabilities.WakeUpCapabilities.MinMagicPacketWakeUp,
              NdisDeviceStateD3);
    EXPECT_FALSE(miniport(legacy.info.device_name).pm_capable);
    EXPECT_EQ(miniport(pm.info.device_name).power_state.load(), NdisDeviceStateD0);
}

// §2.9.2, §2.9.3: going to sleep the protocols hear NetEventQueryPower before the miniport gets
// OID_PNP_QUERY_POWER and NetEventSetPower before OID_PNP_SET_POWER; waking, the miniport is at D0
// before the protocols hear NetEventSetPower D0.
TEST_F(Seed_2_9, Seed_2_9_3_PowerManagedSleepAndWakeInDocumentedOrder) {
    host::StackAdapter& a = watched_loop(291, {{"PowerManagement", Value::dword(1)}});
    PnpProtocol& p = pnp_protocol("pnprec0");
    ASSERT_EQ(host().bind(p.name(), a.info.device_name), NDIS_STATUS_SUCCESS);
    ndis::Miniport& m = miniport(a.info.device_name);

    ndis::PnpOutcome slept = ndis::set_power(m, NdisDeviceStateD3);
    EXPECT_EQ(slept.status, NDIS_STATUS_SUCCESS);
    EXPECT_TRUE(slept.notes.empty()) << slept.notes.front();
    std::vector<PnpRecord> rs = records(p.name());
    ASSERT_EQ(codes(rs), (std::vector<NET_PNP_EVENT_CODE>{NetEventQueryPower, NetEventSetPower}));
    EXPECT_EQ(rs[0].state, ULONG{NdisDeviceStateD3});
    EXPECT_EQ(rs[0].loop_then.QueryPowerCalls, 0u) << "the protocol hears the query first";
    EXPECT_EQ(rs[1].state, ULONG{NdisDeviceStateD3});
    EXPECT_EQ(rs[1].loop_then.QueryPowerCalls, 1u);
    EXPECT_EQ(rs[1].loop_then.SetPowerCalls, 0u) << "the protocol hears SetPower before the miniport";
    EXPECT_EQ(power_of(a.loop).PowerState, ULONG{NdisDeviceStateD3});
    EXPECT_EQ(m.power_state.load(), NdisDeviceStateD3);
    EXPECT_EQ(p.open_bindings(), 1) << "a power-manageable adapter keeps its bindings";

    clear_log();
    ndis::PnpOutcome woken = ndis::set_power(m, NdisDeviceStateD0);
    EXPECT_EQ(woken.status, NDIS_STATUS_SUCCESS);
    rs = records(p.name());
    ASSERT_EQ(codes(rs), (std::vector<NET_PNP_EVENT_CODE>{NetEventSetPower}));
    EXPECT_EQ(rs[0].state, ULONG{NdisDeviceStateD0});
    EXPECT_EQ(rs[0].loop_then.PowerState, ULONG{NdisDeviceStateD0}) << "the miniport is at D0 first";
    EXPECT_EQ(rs[0].loop_then.SetPowerCalls, 2u);
    EXPECT_EQ(m.power_state.load(), NdisDeviceStateD0);
}

// "Power Management for Legacy Miniport Drivers": a miniport that failed OID_PNP_CAPABILITIES and
// did not set NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND is halted for sleep (its bindings closed) and
// initialised again at D0, where NDIS binds its protocols again.
TEST_F(Seed_2_9, Seed_2_9_3_LegacyMiniportHaltedForSleepAndReinitialised) {
    host::StackAdapter& a = watched_loop(292, {});
    PnpProtocol& p = pnp_protocol("pnprec0");
    ASSERT_EQ(host().bind(p.name(), a.info.device_name), NDIS_STATUS_SUCCESS);
    ndis::Miniport& m = miniport(a.info.device_name);
    std::string device = a.info.device_name;
    {
        std::lock_guard lock(g_log.mutex);
        g_log.loop = nullptr;  // the adapter block goes with MiniportHalt
    }

    ndis::PnpOutcome slept = ndis::set_power(m, NdisDeviceStateD3);
    EXPECT_EQ(slept.status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(codes(records(p.name())), (std::vector<NET_PNP_EVENT_CODE>{NetEventQueryPower, NetEventSetPower}));
    EXPECT_FALSE(host().adapter_running(device)) << "halted for sleep";
    EXPECT_EQ(p.open_bindings(), 0) << "unbound before the halt";
    EXPECT_EQ(ndis::find_power_device(device), &m) << "still known, asleep";

    ndis::PnpOutcome woken = ndis::set_power(m, NdisDeviceStateD0);
    EXPECT_EQ(woken.status, NDIS_STATUS_SUCCESS);
    EXPECT_TRUE(woken.notes.empty()) << woken.notes.front();
    EXPECT_TRUE(host().adapter_running(device)) << "MiniportInitialize ran again";
    EXPECT_EQ(p.open_bindings(), 1) << "ProtocolBindAdapter ran again";
    EXPECT_EQ(m.power_state.load(), NdisDeviceStateD0);
}

// NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND: the legacy miniport stays initialised and hears
// OID_PNP_SET_POWER D3 and D0, never OID_PNP_QUERY_POWER.
TEST_F(Seed_2_9, Seed_2_9_3_NoHaltOnSuspendKeepsTheLegacyMiniport) {
    host::StackAdapter& a = watched_loop(293, {{"NoHaltOnSuspend", Value::dword(1)}});
    PnpProtocol& p = pnp_protocol("pnprec0");
    ASSERT_EQ(host().bind(p.name(), a.info.device_name), NDIS_STATUS_SUCCESS);
    ndis::Miniport& m = miniport(a.info.device_name);
    EXPECT_NE(m.attribute_flags & NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND, 0u);

    EXPECT_EQ(ndis::set_power(m, NdisDeviceStateD2).status, NDIS_STATUS_SUCCESS);
    EXPECT_TRUE(host().adapter_running(a.info.device_name));
    EXPECT_EQ(p.open_bindings(), 1);
    LOOP_POWER asleep = power_of(a.loop);
    EXPECT_EQ(asleep.PowerState, ULONG{NdisDeviceStateD3}) << "a legacy miniport knows only D0 and D3";
    EXPECT_EQ(asleep.QueryPowerCalls, 0u);
    EXPECT_EQ(asleep.SetPowerCalls, 1u);
    EXPECT_EQ(ndis::set_power(m, NdisDeviceStateD0).status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(power_of(a.loop).PowerState, ULONG{NdisDeviceStateD0});
    EXPECT_EQ(power_of(a.loop).SetPowerCalls, 2u);
}

// §2.9.2: a protocol may fail NetEventQueryRemoveDevice; NDIS reports the veto and tells the
// bindings that had accepted NetEventCancelRemoveDevice.
TEST_F(Seed_2_9, Seed_2_9_2_QueryRemoveVetoCancelsTheAcceptedBindings) {
    host::StackAdapter& a = loop_on(294, {});
    PnpProtocol& accepting = pnp_protocol("pnprec0");
    PnpProtocol& vetoing = pnp_protocol("pnprec1");
    vetoing.veto = true;
    ASSERT_EQ(host().bind(accepting.name(), a.info.device_name), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(host().bind(vetoing.name(), a.info.device_name), NDIS_STATUS_SUCCESS);

    ndis::PnpOutcome outcome = ndis::query_remove(miniport(a.info.device_name));
    EXPECT_EQ(outcome.status, NDIS_STATUS_FAILURE);
    EXPECT_EQ(outcome.vetoed_by, "pnprec1");
    EXPECT_EQ(codes(records("pnprec0")),
              (std::vector<NET_PNP_EVENT_CODE>{NetEventQueryRemoveDevice, NetEventCancelRemoveDevice}));
    EXPECT_EQ(codes(records("pnprec1")), (std::vector<NET_PNP_EVENT_CODE>{NetEventQueryRemoveDevice}));

    vetoing.veto = false;
    clear_log();
    EXPECT_EQ(ndis::query_remove(miniport(a.info.device_name)).status, NDIS_STATUS_SUCCESS);
    ndis::cancel_remove(miniport(a.info.device_name));
    for (const char* name : {"pnprec0", "pnprec1"})
        EXPECT_EQ(codes(records(name)),
                  (std::vector<NET_PNP_EVENT_CODE>{NetEventQueryRemoveDevice, NetEventCancelRemoveDevice}))
            << name;
    EXPECT_TRUE(ndis::reconfigure(miniport(a.info.device_name)).notes.empty());
    EXPECT_EQ(records("pnprec0").back().event, NetEventReconfigure);
}

// §2.9.2 "中间层驱动程序能够以NdisCompletePnPEvent异步地完成ProtocolPnPEvent调用": NDIS waits for a
// pended NetEventSetPower and only then gives the miniport OID_PNP_SET_POWER.
TEST_F(Seed_2_9, Seed_2_9_2_PendedPnPEventCompletedWithNdisCompletePnPEvent) {
    host::StackAdapter& a = watched_loop(295, {{"PowerManagement", Value::dword(1)}});
    PnpProtocol& p = pnp_protocol("pnprec0");
    p.pend = NetEventSetPower;
    ASSERT_EQ(host().bind(p.name(), a.info.device_name), NDIS_STATUS_SUCCESS);
    ndis::Miniport& m = miniport(a.info.device_name);

    auto sleeping = std::async(std::launch::async, [&] { return ndis::set_power(m, NdisDeviceStateD3); });
    ASSERT_TRUE(p.complete_pended(NetEventSetPower, NDIS_STATUS_SUCCESS)) << "no pended NetEventSetPower";
    ndis::PnpOutcome outcome = sleeping.get();
    EXPECT_EQ(outcome.status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(records(p.name()).back().loop_then.SetPowerCalls, 0u);
    EXPECT_EQ(power_of(a.loop).SetPowerCalls, 1u) << "OID_PNP_SET_POWER after the completion";
    EXPECT_EQ(power_of(a.loop).PowerState, ULONG{NdisDeviceStateD3});
    EXPECT_TRUE(verifier::reports().empty());
    p.pend = NetEventMaximum;
    EXPECT_EQ(ndis::set_power(m, NdisDeviceStateD0).status, NDIS_STATUS_SUCCESS);
}

// NetEventBindsComplete goes once to each protocol, on a NULL ProtocolBindingContext.
TEST_F(Seed_2_9, Seed_2_9_2_BindsCompleteOncePerProtocol) {
    host::StackAdapter& a = loop_on(296, {});
    PnpProtocol& p = pnp_protocol("pnprec0");
    ASSERT_EQ(host().bind(p.name(), a.info.device_name), NDIS_STATUS_SUCCESS);
    ndis::indicate_binds_complete();
    ndis::indicate_binds_complete();
    std::vector<PnpRecord> rs = records(p.name());
    ASSERT_EQ(codes(rs), (std::vector<NET_PNP_EVENT_CODE>{NetEventBindsComplete}));
    EXPECT_TRUE(rs[0].null_context);
}

// §2.9.3.2: probe sends through passthru while the adapter below sleeps. The virtual miniport
// sleeps with it; the sends wait in passthru's queue (what does not fit fails with
// NDIS_STATUS_RESOURCES, counted), and at D0 — the virtual miniport first, then the adapter —
// they go out in order: every frame sent is received or counted as failed.
TEST_F(Seed_2_9, Seed_2_9_3_2_PassthruQueuesSendsWhileTheAdapterBelowSleeps) {
    if (!have_passthru()) GTEST_SKIP() << "drivers/passthru is not built";
    host::StackAdapter& near = loop_on(297, {{"PowerManagement", Value::dword(1)}});
    host::StackAdapter& far = loop_on(297, {}, /*bind_probe=*/true);
    Layer l = layer("passthru", near.info.device_name, {}, /*bind_probe=*/false);
    ASSERT_FALSE(l.upper.empty());
    set_binding_value("probe", l.upper, "SendPoolSize", Value::dword(2048));
    PVOID top = bind_probe_to(l.upper);
    ASSERT_NE(top, nullptr);
    Mac far_mac = probe_mac(far.probe);
    ASSERT_TRUE(send_and_wait(top, far_mac, 100, far.probe)) << "traffic before sleeping";

    ndis::Miniport& m = miniport(near.info.device_name);
    ndis::Miniport& upper = miniport(l.upper);
    ndis::PnpOutcome slept = ndis::set_power(m, NdisDeviceStateD3);
    EXPECT_EQ(slept.status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(upper.power_state.load(), NdisDeviceStateD3) << "the virtual miniport above sleeps too";

    const UINT kQueue = 1024, kSent = 1100;
    PROBE_STATS before_send = stats(top);
    PROBE_STATS before_receive = stats(far.probe);
    ASSERT_EQ(probe().send(top, far_mac.data(), 128, kSent, 16, 0), NDIS_STATUS_SUCCESS);
    PASSTHRU_COUNTERS asleep{};
    ASSERT_TRUE(passthru_stats(l.upper, &asleep));
    EXPECT_EQ(asleep.SendsWaiting, kQueue);
    EXPECT_EQ(asleep.SendsQueueFull, kSent - kQueue);
    EXPECT_EQ(stats(top).SendsFailed - before_send.SendsFailed, kSent - kQueue) << "counted, completed RESOURCES";
    EXPECT_EQ(stats(far.probe).ReceivedFrames, before_receive.ReceivedFrames) << "nothing left while asleep";

    ndis::PnpOutcome woken = ndis::set_power(m, NdisDeviceStateD0);
    EXPECT_EQ(woken.status, NDIS_STATUS_SUCCESS);
    EXPECT_TRUE(woken.notes.empty()) << woken.notes.front();
    EXPECT_EQ(upper.power_state.load(), NdisDeviceStateD0);
    EXPECT_EQ(probe().wait_received(far.probe, before_receive.ReceivedFrames + kQueue, kWaitMs), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(probe().wait_sends_completed(top, before_send.SendsCompleted + kSent, kWaitMs), NDIS_STATUS_SUCCESS);
    PROBE_STATS sender = stats(top), receiver = stats(far.probe);
    EXPECT_EQ(receiver.ReceivedFrames - before_receive.ReceivedFrames + (sender.SendsFailed - before_send.SendsFailed),
              kSent)
        << "every frame received or counted as failed";
    EXPECT_EQ(receiver.SequenceErrors, before_receive.SequenceErrors) << "in order";
    PASSTHRU_COUNTERS awake{};
    ASSERT_TRUE(passthru_stats(l.upper, &awake));
    EXPECT_EQ(awake.SendsQueued, kQueue);
    EXPECT_EQ(awake.SendsWaiting, 0u);
    EXPECT_TRUE(send_and_wait(top, far_mac, 100, far.probe)) << "sends go straight through again";
}

// §2.9.3: a protocol bound straight to a NIC that is asleep is refused with
// NDIS_STATUS_ADAPTER_NOT_READY (counted, never handed to the miniport); at D0 it sends again.
TEST_F(Seed_2_9, Seed_2_9_3_SendsToASleepingNicAreRefused) {
    host::StackAdapter& near = loop_on(299, {{"PowerManagement", Value::dword(1)}}, /*bind_probe=*/true);
    host::StackAdapter& far = loop_on(299, {}, /*bind_probe=*/true);
    Mac far_mac = probe_mac(far.probe);
    ndis::Miniport& m = miniport(near.info.device_name);
    ASSERT_EQ(ndis::set_power(m, NdisDeviceStateD3).status, NDIS_STATUS_SUCCESS);

    const UINT kSent = 50;
    PROBE_STATS before_send = stats(near.probe);
    PROBE_STATS before_receive = stats(far.probe);
    ASSERT_EQ(probe().send(near.probe, far_mac.data(), 128, kSent, 16, 0), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(probe().wait_sends_completed(near.probe, before_send.SendsCompleted + kSent, kWaitMs), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(stats(near.probe).SendsFailed - before_send.SendsFailed, kSent);
    EXPECT_EQ(stats(far.probe).ReceivedFrames, before_receive.ReceivedFrames) << "nothing left while asleep";
    EXPECT_EQ(power_of(near.loop).PowerState, ULONG{NdisDeviceStateD3});

    ASSERT_EQ(ndis::set_power(m, NdisDeviceStateD0).status, NDIS_STATUS_SUCCESS);
    EXPECT_TRUE(send_and_wait(near.probe, far_mac, 100, far.probe)) << "sends go through at D0";
}

// §2.9.1: passthru passes the wake-up OIDs to a power-manageable adapter below and answers
// NDIS_STATUS_NOT_SUPPORTED over one that is not; its OID_PNP_CAPABILITIES says it cannot wake
// the system itself.
TEST_F(Seed_2_9, Seed_2_9_1_WakeUpOidsPassThroughPassthru) {
    if (!have_passthru()) GTEST_SKIP() << "drivers/passthru is not built";
    Chain pm = chain(298, {"passthru"}, {{"PowerManagement", Value::dword(1)}});
    ASSERT_TRUE(ok(pm));
    ULONG wake = NDIS_DEVICE_WAKE_ON_MAGIC_PACKET_ENABLE;
    EXPECT_EQ(probe_set(pm.top_probe, OID_PNP_ENABLE_WAKE_UP, &wake, sizeof wake), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(power_of(pm.near->loop).WakeUpEnable, wake) << "reached the adapter below";
    NDIS_PNP_CAPABILITIES capabilities{};
    EXPECT_EQ(probe_query(pm.top_probe, OID_PNP_CAPABILITIES, &capabilities, sizeof capabilities), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(capabilities.WakeUpCapabilities.MinMagicPacketWakeUp, NdisDeviceStateUnspecified);
    EXPECT_TRUE(miniport(pm.layers[0].upper).pm_capable);

    Chain legacy = chain(299, {"passthru"});
    ASSERT_TRUE(ok(legacy));
    EXPECT_EQ(probe_set(legacy.top_probe, OID_PNP_ENABLE_WAKE_UP, &wake, sizeof wake), NDIS_STATUS_NOT_SUPPORTED);
    EXPECT_FALSE(miniport(legacy.layers[0].upper).pm_capable);
}

}  // namespace
}  // namespace strata::test::im

namespace strata::test {
namespace {

// `strata pnp` end to end: a loop adapter with power management and probe bound, in the host
// the built binary starts. Transitions exit 0 and show in `strata status`; an unknown device,
// action or state is one line and exit 2; `remove` stops the device, which stays installed.
class Seed_2_9_Cli : public CliHarness {
protected:
    // The device path of the adapter named `name` (\Device\{GUID}).
    std::string device_of(const std::string& name) {
        for (const auto& d : json({"device", "list"}))
            if (d["name"] == name) return d["device"].get<std::string>();
        return {};
    }
    // What probe wrote to the host log of the NetEventBindList events it got, in order.
    std::vector<std::string> bind_list_lines() {
        std::vector<std::string> lines;
        std::istringstream log(read_file(root_ / "host.log"));
        constexpr std::string_view kMark = "probe: NetEventBindList: ";
        for (std::string line; std::getline(log, line);)
            if (std::size_t at = line.find(kMark); at != std::string::npos) lines.push_back(line.substr(at + kMark.size()));
        return lines;
    }
};

// §2.9.2: NetEventBindList reaches a protocol whose bound adapters change in the running host —
// a device added, then one removed — with the adapters it is bound to now (probe logs each list
// NDIS gives it; the host runs with STRATA_LOG=debug so DbgPrint reaches host.log).
TEST_F(Seed_2_9_Cli, Seed_2_9_2_BindListFollowsDevicesAddedAndRemovedInTheRunningHost) {
    install_loop_and_probe();
    ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "e0"}).status, 0);
    const char* was = std::getenv("STRATA_LOG");
    std::string saved = was != nullptr ? was : "";
    ::setenv("STRATA_LOG", "debug", 1);
    CliResult started = run({"start"});
    if (was != nullptr) ::setenv("STRATA_LOG", saved.c_str(), 1);
    else ::unsetenv("STRATA_LOG");
    ASSERT_EQ(started.status, 0) << started.err;
    EXPECT_TRUE(bind_list_lines().empty()) << "the first list is the starting point, not a change";

    ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "e1"}).status, 0);
    std::string e0 = device_of("e0"), e1 = device_of("e1");
    ASSERT_FALSE(e0.empty());
    ASSERT_FALSE(e1.empty());
    EXPECT_EQ(bind_list_lines(), (std::vector<std::string>{"2 adapter(s)", e0, e1}));

    ASSERT_EQ(run({"device", "remove", "e0"}).status, 0);
    EXPECT_EQ(bind_list_lines(), (std::vector<std::string>{"2 adapter(s)", e0, e1, "1 adapter(s)", e1}));
    EXPECT_EQ(run({"stop"}).status, 0);
}

TEST_F(Seed_2_9_Cli, Seed_2_9_PnpCommandDrivesTheRunningDevice) {
    install_loop_and_probe();
    ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "e0", "--param", "PowerManagement=1"}).status, 0);
    CliResult started = run({"start"});
    ASSERT_EQ(started.status, 0) << started.err;

    CliResult slept = run({"pnp", "e0", "setpower", "D3"});
    EXPECT_EQ(slept.status, 0) << slept.err;
    EXPECT_EQ(slept.out, "device e0: setpower: done, power D3\n");
    nlohmann::json status = json({"status"});
    ASSERT_TRUE(status["devices"].is_array());
    EXPECT_EQ(status["devices"][0]["power"], "D3");
    EXPECT_EQ(run({"pnp", "e0", "setpower", "D0"}).status, 0);
    EXPECT_EQ(json({"status"})["devices"][0]["power"], "D0");

    for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
             {"pnp", "e0", "setpower", "D7"}, {"pnp", "e0", "setpower"}, {"pnp", "nosuch", "setpower", "D3"},
             {"pnp", "e0", "frobnicate"}, {"pnp", "e0", "reconfigure", "D3"}}) {
        CliResult r = run(bad);
        EXPECT_EQ(r.status, 2) << bad[1] << " " << bad[2];
        EXPECT_TRUE(one_line(r.err)) << r.err;
    }
    EXPECT_NE(run({"pnp", "nosuch", "setpower", "D3"}).err.find("nosuch"), std::string::npos);
    EXPECT_NE(run({"pnp", "e0", "setpower", "D7"}).err.find("D7"), std::string::npos);

    for (const char* action : {"query-remove", "cancel-remove", "reconfigure"}) {
        CliResult r = run({"pnp", "e0", action});
        EXPECT_EQ(r.status, 0) << action << ": " << r.err;
    }
    CliResult removed = run({"pnp", "e0", "remove"});
    EXPECT_EQ(removed.status, 0) << removed.err;
    status = json({"status"});
    EXPECT_EQ(status["devices"][0]["state"], "stopped") << "halted, still installed";
    EXPECT_EQ(run({"pnp", "e0", "setpower", "D3"}).status, 2) << "not running any more";
    EXPECT_EQ(run({"stop"}).status, 0);
}

// A protocol that vetoes QueryRemove (probe with its binding's VetoQueryRemove=1): `strata pnp
// query-remove` and `remove` name it and exit 1, and the device keeps running.
TEST_F(Seed_2_9_Cli, Seed_2_9_2_QueryRemoveVetoExitsOne) {
    install_loop_and_probe();
    ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "e0"}).status, 0);
    std::string guid;
    for (const auto& d : json({"device", "list"}))
        if (d["name"] == "e0") guid = d["device"].get<std::string>().substr(std::string("\\Device\\").size());
    ASSERT_FALSE(guid.empty());
    {
        registry::Registry reg(root_);
        reg.set_value("HKLM\\SYSTEM\\CurrentControlSet\\Services\\probe\\Parameters\\Adapters\\" + guid,
                      "VetoQueryRemove", registry::Value::dword(1));
    }
    CliResult started = run({"start"});
    ASSERT_EQ(started.status, 0) << started.err;

    CliResult vetoed = run({"pnp", "e0", "query-remove"});
    EXPECT_EQ(vetoed.status, 1);
    EXPECT_EQ(vetoed.err, "strata: device e0: query-remove vetoed by probe (NDIS_STATUS_FAILURE)\n");
    CliResult not_removed = run({"pnp", "e0", "remove"});
    EXPECT_EQ(not_removed.status, 1);
    EXPECT_EQ(not_removed.err, "strata: device e0: remove vetoed by probe (NDIS_STATUS_FAILURE)\n");
    EXPECT_EQ(json({"status"})["devices"][0]["state"], "running");
    EXPECT_EQ(run({"stop"}).status, 0);
}

}  // namespace
}  // namespace strata::test
