// seed_2_4_im_binding_test.cpp — conformance from the intermediate driver's side: dynamic binding
// (seed 003 §2.4), opening the adapter below (§2.4.1) and the virtual miniport's initialisation
// (§2.3.1, §2.4.2) with the IM test drivers (tests/drivers/imcount, immux): one virtual miniport
// per binding, initialised only inside NdisIMInitializeDeviceInstanceEx and bound by upper
// protocols only afterwards, NdisIMGetDeviceContext, NdisIMGetBindingContext,
// NdisIMCancelInitializeDeviceInstance, a pended NdisOpenAdapter, the per-binding parameters, and
// unbinding or removing the virtual device (§2.11).
#include "im_fixture.h"

namespace strata::test::im {
namespace {

class Seed_2_4_Im : public ImTest {};
class Seed_2_4_1_Im : public ImTest {};

// "NDIS调用中间层驱动程序(能够绑定到NIC)的ProtocolBindAdapter函数实现动态绑定操作" and "如果中间层驱动程序导出了
// 多个虚拟NIC ... 必须为每一个NIC调用NdisIMInitializeDeviceInstance": the IM binds every adapter it is
// offered and each binding brings up its own virtual miniport.
TEST_F(Seed_2_4_Im, Seed_2_4_ImBindsEachAdapterAndInitialisesOneVirtualMiniportEach) {
    auto& a = loop_on(40);
    auto& b = loop_on(40);
    Layer la = layer("imcount", a.info.device_name);
    Layer lb = layer("imcount", b.info.device_name);
    ASSERT_FALSE(la.upper.empty());
    ASSERT_FALSE(lb.upper.empty());
    EXPECT_NE(la.upper, lb.upper);
    EXPECT_TRUE(host().adapter_running(la.upper));
    EXPECT_TRUE(host().adapter_running(lb.upper));

    PVOID ba = imcount().find_binding(a.info.device_name.c_str());
    ASSERT_NE(ba, nullptr);
    EXPECT_EQ(imcount().find_binding(la.upper.c_str()), ba) << "one binding block per lower adapter and its virtual NIC";
    EXPECT_TRUE(imcount().is_bound(ba));
    for (const Layer* l : {&la, &lb}) {
        IMCOUNT_STATS s = imcount_stats(l->lower);
        EXPECT_EQ(s.MiniportInitializeCalls, 1u);
        EXPECT_EQ(s.InitializeStatus, as_stat(NDIS_STATUS_SUCCESS));
        ASSERT_NE(l->probe, nullptr) << "an upper protocol binds to the virtual miniport";
    }
    // Each virtual miniport answers for its own lower adapter.
    EXPECT_EQ(probe_mac(la.probe), a.mac);
    EXPECT_EQ(probe_mac(lb.probe), b.mac);
}

// "NdisIMIntializeDeviceInstance调用中间层驱动程序的MiniportInitialize函数 ... 当MiniportInitialize函数返回后,
// 上层NDIS驱动程序就能够进行对中间层驱动程序的虚拟NIC(s)的绑定操作了": the device instance exists before
// the IM binds, yet MiniportInitialize runs only inside the IM's NdisIMInitializeDeviceInstanceEx,
// and no protocol can bind to the virtual NIC before that.
TEST_F(Seed_2_4_Im, Seed_2_4_2_VirtualMiniportInitialisesOnlyInsideIMInitializeDeviceInstance) {
    auto& a = loop_on(41);
    std::string upper = virtual_device("imcount");
    ASSERT_FALSE(upper.empty());
    EXPECT_FALSE(host().adapter_running(upper)) << "starting the device does not initialise a virtual miniport";
    EXPECT_NE(host().bind("probe", upper), NDIS_STATUS_SUCCESS) << "nothing binds to an uninitialised virtual NIC";
    EXPECT_EQ(probe().find_binding(upper.c_str()), nullptr);

    set_binding_value("imcount", a.info.device_name, "UpperBindings", Value::sz(upper));
    ASSERT_EQ(host().bind("imcount", a.info.device_name), NDIS_STATUS_SUCCESS);
    EXPECT_TRUE(host().adapter_running(upper));
    IMCOUNT_STATS s = imcount_stats(a.info.device_name);
    EXPECT_EQ(s.MiniportInitializeCalls, 1u);
    EXPECT_EQ(s.InitializedInsideIMInit, 1u) << "MiniportInitialize ran inside NdisIMInitializeDeviceInstanceEx";

    PVOID p = bind_probe_to(upper);
    ASSERT_NE(p, nullptr) << "once MiniportInitialize returned, upper protocols can bind";
    EXPECT_EQ(probe_mac(p), a.mac);
}

// The other order: the IM asks first (its UpperBindings names a device not started yet);
// MiniportInitialize runs when the device instance starts, not inside the IM's call.
TEST_F(Seed_2_4_Im, Seed_2_4_2_DeviceStartedAfterTheImAskedInitialisesAtOnce) {
    auto& a = loop_on(42);
    auto [key, guid] = future_device(0);
    std::string upper = "\\Device\\" + guid;
    set_binding_value("imcount", a.info.device_name, "UpperBindings", Value::sz(upper));
    ASSERT_EQ(host().bind("imcount", a.info.device_name), NDIS_STATUS_SUCCESS);
    IMCOUNT_STATS before = imcount_stats(a.info.device_name);
    EXPECT_EQ(before.InitializeStatus, as_stat(NDIS_STATUS_SUCCESS)) << "NDIS accepts the request and keeps it";
    EXPECT_EQ(before.MiniportInitializeCalls, 0u);
    EXPECT_FALSE(host().adapter_running(upper));

    AdapterInfo info;
    ASSERT_EQ(start_device("imcount", key, guid, &info), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(info.device_name, upper);
    EXPECT_TRUE(host().adapter_running(upper));
    IMCOUNT_STATS after = imcount_stats(a.info.device_name);
    EXPECT_EQ(after.MiniportInitializeCalls, 1u);
    EXPECT_EQ(after.InitializedInsideIMInit, 0u) << "it ran when the device started";
    EXPECT_EQ(after.DeviceContextMatched, 1u) << "with the DeviceContext the IM passed earlier";
    EXPECT_NE(bind_probe_to(upper), nullptr);
}

// NdisIMGetDeviceContext inside MiniportInitialize returns the DeviceContext given to
// NdisIMInitializeDeviceInstanceEx (imcount passes its binding block; immux each VELAN's block).
TEST_F(Seed_2_4_Im, Seed_2_4_2_GetDeviceContextInMiniportInitializeReturnsTheContextPassed) {
    auto& a = loop_on(43);
    Layer l = layer("imcount", a.info.device_name, {}, /*bind_probe=*/false);
    ASSERT_FALSE(l.upper.empty());
    IMCOUNT_STATS s = imcount_stats(a.info.device_name);
    EXPECT_EQ(s.MiniportInitializeCalls, 1u);
    EXPECT_EQ(s.DeviceContextMatched, 1u);

    auto& m = loop_on(43);
    std::string v0 = virtual_device("immux");
    std::string v1 = virtual_device("immux");
    set_binding_value("immux", m.info.device_name, "UpperBindings", Value::multi_sz({v0, v1}));
    ASSERT_EQ(host().bind("immux", m.info.device_name), NDIS_STATUS_SUCCESS);
    for (const std::string& v : {v0, v1}) {
        IMMUX_VELAN_STATS vs = velan_stats(v);
        EXPECT_EQ(vs.MiniportInitializeCalls, 1u) << v;
        EXPECT_EQ(vs.DeviceContextMatched, 1u) << v;
        EXPECT_EQ(vs.InitializedInsideIMInit, 1u) << v;
    }
}

// NdisIMGetBindingContext: a protocol bound to an IM's virtual miniport gets back the DeviceContext
// that IM passed to NdisIMInitializeDeviceInstanceEx (imcount's binding block); bound to a NIC
// miniport it gets NULL.
TEST_F(Seed_2_4_Im, Seed_2_4_GetBindingContextAboveAVirtualMiniportIsTheImsDeviceContext) {
    auto& a = loop_on(49);
    Layer l = layer("imcount", a.info.device_name, {}, /*bind_probe=*/false);
    ASSERT_FALSE(l.upper.empty());
    datapath::TestBinding* above = test_protocol("tctx").bind(host(), l.upper);
    datapath::TestBinding* beside = test_protocol("tnic").bind(host(), a.info.device_name);
    ASSERT_NE(above, nullptr);
    ASSERT_NE(beside, nullptr);
    PVOID block = imcount().find_binding(a.info.device_name.c_str());
    ASSERT_NE(block, nullptr);
    EXPECT_EQ(NdisIMGetBindingContext(above->handle), block);
    EXPECT_EQ(NdisIMGetBindingContext(beside->handle), nullptr);
}

// NdisIMCancelInitializeDeviceInstance: SUCCESS while the initialisation is still pending (the
// device does not exist yet), after which MiniportInitialize never runs for it; FAILURE when
// there is nothing left to cancel or the virtual miniport is already initialised.
TEST_F(Seed_2_4_Im, Seed_2_4_2_CancelInitializeSucceedsBeforeTheDeviceExistsAndFailsLater) {
    auto& a = loop_on(44);
    auto [key, guid] = future_device(1);
    std::string upper = "\\Device\\" + guid;
    set_binding_value("imcount", a.info.device_name, "UpperBindings", Value::sz(upper));
    ASSERT_EQ(host().bind("imcount", a.info.device_name), NDIS_STATUS_SUCCESS);
    PVOID b = imcount().find_binding(a.info.device_name.c_str());
    ASSERT_NE(b, nullptr);

    EXPECT_EQ(imcount().cancel_initialize(b), NDIS_STATUS_SUCCESS) << "the pending initialisation is cancelled";
    EXPECT_EQ(imcount().cancel_initialize(b), NDIS_STATUS_FAILURE) << "nothing is pending any more";
    AdapterInfo info;
    EXPECT_EQ(start_device("imcount", key, guid, &info), NDIS_STATUS_SUCCESS) << "the device itself starts";
    EXPECT_FALSE(host().adapter_running(upper)) << "a cancelled initialisation does not run when the device starts";
    EXPECT_EQ(imcount_stats(a.info.device_name).MiniportInitializeCalls, 0u);

    auto& c = loop_on(44);
    Layer l = layer("imcount", c.info.device_name, {}, /*bind_probe=*/false);
    ASSERT_FALSE(l.upper.empty());
    PVOID bc = imcount().find_binding(c.info.device_name.c_str());
    EXPECT_EQ(imcount().cancel_initialize(bc), NDIS_STATUS_FAILURE) << "an initialised virtual miniport cannot be cancelled";
    EXPECT_TRUE(host().adapter_running(l.upper));
}

// "如果NdisOpenAdapter返回NDIS_STATUS_PEDDING ... 直到打开适配器的操作完成,并且其ProtocolOpenAdapterComplete
// 函数已调用完成": the IM's open of the lower adapter pends and completes; the IM then brings up its
// virtual miniport, and probe's own pended open of the virtual miniport completes too.
TEST_F(Seed_2_4_1_Im, Seed_2_4_1_PendedOpenOfTheLowerAdapterCompletes) {
    auto& a = loop_on(45);
    auto& far = loop_on(45, {}, /*bind_probe=*/true);
    std::string upper = virtual_device("imcount");
    ASSERT_FALSE(upper.empty());
    set_binding_value("imcount", a.info.device_name, "UpperBindings", Value::sz(upper));
    ndis::set_open_adapter_pends(true);
    NDIS_STATUS im_bind = host().bind("imcount", a.info.device_name);
    NDIS_STATUS probe_bind = host().bind("probe", upper);
    ndis::set_open_adapter_pends(false);
    ntos::stop_workers();  // the completions' workers leave the drivers before anything unloads
    ASSERT_EQ(im_bind, NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe_bind, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(imcount_stats(a.info.device_name).OpenPended, 1u) << "NdisOpenAdapter returned NDIS_STATUS_PENDING";
    EXPECT_TRUE(host().adapter_running(upper));
    PVOID p = probe().find_binding(upper.c_str());
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(send_and_wait(p, far.mac, 50, far.probe));
}

// "如果中间层驱动程序将适配器相关信息存入注册表,那么SystemSpecific1将指向注册表路径": imcount reads its
// per-binding DropEveryNth from Services\imcount\Parameters\Adapters\<lower GUID> and the virtual
// miniport reads TestValue from its own instance key; dropping every 4th frame proves the layer is
// in the path.
TEST_F(Seed_2_4_1_Im, Seed_2_4_1_ImReadsItsBindingAndVirtualMiniportConfiguration) {
    auto& a = loop_on(46);
    auto& far = loop_on(46, {}, /*bind_probe=*/true);
    std::string upper = virtual_device("imcount", {{"TestValue", Value::dword(0x5EED)}});
    ASSERT_FALSE(upper.empty());
    set_binding_value("imcount", a.info.device_name, "UpperBindings", Value::sz(upper));
    set_binding_value("imcount", a.info.device_name, "DropEveryNth", Value::dword(4));
    ASSERT_EQ(host().bind("imcount", a.info.device_name), NDIS_STATUS_SUCCESS);
    PVOID p = bind_probe_to(upper);
    ASSERT_NE(p, nullptr);

    EXPECT_EQ(imcount_stats(a.info.device_name).TestValue, 0x5EEDu) << "NdisReadConfiguration in MiniportInitialize";
    ASSERT_EQ(probe().send(p, far.mac.data(), 100, 100, 10, 0), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_sends_completed(p, 100, kWaitMs), NDIS_STATUS_SUCCESS) << "dropped sends complete too";
    ASSERT_EQ(probe().wait_received(far.probe, 75, kWaitMs), NDIS_STATUS_SUCCESS);
    quiesce();
    IMCOUNT_STATS s = imcount_stats(a.info.device_name);
    EXPECT_EQ(s.SendsDropped, 25u);
    EXPECT_EQ(s.SendsDown, 75u);
    EXPECT_EQ(s.SendsCompletedUp, 100u);
    EXPECT_EQ(stats(far.probe).ReceivedFrames, 75u);
    EXPECT_EQ(stats(far.probe).SequenceErrors, 24u) << "every drop but the last (frame 100) is a gap in the sequence";
}

// A binding without UpperBindings cannot name its virtual NIC: the bind fails and nothing stays open.
TEST_F(Seed_2_4_1_Im, Seed_2_4_1_BindWithoutUpperBindingsFails) {
    auto& a = loop_on(47);
    NDIS_STATUS status = host().bind("imcount", a.info.device_name);
    EXPECT_NE(status, NDIS_STATUS_SUCCESS);
    PVOID b = imcount().find_binding(a.info.device_name.c_str());
    ASSERT_NE(b, nullptr) << "ProtocolBindAdapter ran";
    EXPECT_FALSE(imcount().is_bound(b));
    EXPECT_EQ(imcount_stats(a.info.device_name).MiniportInitializeCalls, 0u);
}

// Seed §2.11: unbinding the IM from its adapter takes the virtual miniport down first — the
// protocols above are unbound, MiniportHalt runs — and only then is the lower adapter closed.
TEST_F(Seed_2_4_Im, Seed_2_11_UnbindingTheImHaltsItsVirtualMiniportBeforeClosingBelow) {
    auto& a = loop_on(48);
    Layer l = layer("imcount", a.info.device_name);
    ASSERT_NE(l.probe, nullptr);
    ASSERT_EQ(host().unbind("imcount", a.info.device_name), NDIS_STATUS_SUCCESS);

    EXPECT_EQ(probe().find_binding(l.upper.c_str()), nullptr) << "probe was unbound from the virtual NIC";
    EXPECT_FALSE(host().adapter_running(l.upper));
    PVOID b = imcount().find_binding(a.info.device_name.c_str());
    ASSERT_NE(b, nullptr);
    EXPECT_FALSE(imcount().is_bound(b));
    IMCOUNT_STATS s = imcount_stats(a.info.device_name);
    EXPECT_EQ(s.HaltCalls, 1u);
    EXPECT_GT(s.UnbindSequence, 0u);
    EXPECT_LT(s.UnbindSequence, s.HaltSequence) << "ProtocolUnbindAdapter de-initialised the virtual miniport";
    EXPECT_LT(s.HaltSequence, s.CloseSequence) << "the virtual miniport halted before the adapter below closed";
    EXPECT_TRUE(host().adapter_running(a.info.device_name)) << "the lower adapter itself stays";
}

// The virtual miniport's device instance can go first (PnP removes it): NDIS unbinds the protocols
// above and halts the virtual miniport, while the IM stays bound below; its later unbind finds
// nothing to de-initialise and just closes the adapter.
TEST_F(Seed_2_4_Im, Seed_2_11_RemovingTheVirtualDeviceHaltsItWhileTheImStaysBound) {
    auto& a = loop_on(50);
    Layer l = layer("imcount", a.info.device_name);
    ASSERT_NE(l.probe, nullptr);
    ASSERT_EQ(host().remove_adapter(l.upper), NDIS_STATUS_SUCCESS);
    EXPECT_FALSE(host().adapter_running(l.upper));
    EXPECT_EQ(probe().find_binding(l.upper.c_str()), nullptr);
    PVOID b = imcount().find_binding(a.info.device_name.c_str());
    ASSERT_NE(b, nullptr);
    EXPECT_TRUE(imcount().is_bound(b)) << "the binding below stays";
    IMCOUNT_STATS halted = imcount_stats(a.info.device_name);
    EXPECT_EQ(halted.HaltCalls, 1u);
    EXPECT_EQ(halted.UnbindSequence, 0u);

    ASSERT_EQ(host().unbind("imcount", a.info.device_name), NDIS_STATUS_SUCCESS);
    EXPECT_FALSE(imcount().is_bound(b));
    IMCOUNT_STATS s = imcount_stats(a.info.device_name);
    EXPECT_EQ(s.HaltCalls, 1u) << "no second halt";
    EXPECT_LT(s.HaltSequence, s.UnbindSequence);
    EXPECT_LT(s.UnbindSequence, s.CloseSequence);
}

}  // namespace
}  // namespace strata::test::im
