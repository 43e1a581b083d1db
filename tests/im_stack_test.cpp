// im_stack_test.cpp — intermediate drivers stacked and multiplexed (seed 003 §2.3–§2.12 as a
// whole): imcount over passthru over loop carries data both ways, requests, status and PnP events
// through the whole chain; removing the lower adapter unbinds and halts the virtual miniports
// from the top down; a MUX (immux) runs two virtual miniports over one loop adapter, each with its
// own address and probe binding, and demultiplexes received frames by destination address;
// passthru with packet stacking passes the sender's descriptor itself and everything balances.
#include "im_fixture.h"

#include <set>

namespace strata::test::im {
namespace {

class ImStack : public ImTest {
protected:
    // The filter IM that sits between imcount and loop in the stack tests: passthru when it is
    // built, else a second imcount layer.
    std::string middle() const { return have_passthru() ? "passthru" : "imcount"; }
};

// Data both ways through imcount over passthru, with both layers' counters agreeing.
TEST_F(ImStack, PassthruAndImcountCarryDataBothWays) {
    Chain c = chain(120, {middle(), "imcount"});
    ASSERT_TRUE(ok(c));
    ASSERT_TRUE(send_and_wait(c.top_probe, c.far_mac, 5000, c.far->probe, 256, 16));
    ASSERT_TRUE(send_and_wait(c.far->probe, c.top_mac, 5000, c.top_probe, 256, 16));
    quiesce();
    EXPECT_EQ(stats(c.far->probe).SequenceErrors, 0u);
    EXPECT_EQ(stats(c.top_probe).SequenceErrors, 0u);
    EXPECT_EQ(stats(c.top_probe).PayloadErrors, 0u);
    IMCOUNT_STATS top = imcount_stats(c.layers[1].lower);
    EXPECT_EQ(top.SendsDown, 5000u);
    EXPECT_EQ(top.ReceivePackets, 5000u);
    EXPECT_EQ(top.ReturnsFromAbove, 5000u);
    PASSTHRU_COUNTERS pc{};
    if (have_passthru() && passthru_stats(c.layers[0].upper, &pc)) {
        EXPECT_EQ(pc.Sends, 5000u);
        EXPECT_EQ(pc.Receives, 5000u);
        EXPECT_EQ(pc.Returns, 5000u);
    }
    EXPECT_EQ(loop_stats(c.near->loop).ReturnsOutstanding, 0u);
}

// Requests through the whole chain: queries reach loop through both IMs; the power query stops at
// the top IM, which answers it itself.
TEST_F(ImStack, RequestsPassThroughTheWholeChain) {
    Chain c = chain(121, {middle(), "imcount"}, {{"LinkSpeedMbps", Value::dword(40000)}});
    ASSERT_TRUE(ok(c));
    EXPECT_EQ(c.top_mac, c.near->mac);
    EXPECT_EQ(probe_ulong(c.top_probe, OID_GEN_LINK_SPEED), 40000u * 10000u);
    EXPECT_EQ(probe_ulong(c.top_probe, OID_GEN_MAXIMUM_FRAME_SIZE), 1500u);
    ULONG64 xmit = 0;
    ASSERT_TRUE(send_and_wait(c.top_probe, c.far_mac, 100, c.far->probe));
    EXPECT_EQ(probe_query(c.top_probe, OID_GEN_XMIT_OK, &xmit, sizeof xmit), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(xmit, 100u) << "loop's own counter, read through two IMs";

    IMCOUNT_STATS before = imcount_stats(c.layers[1].lower);
    NDIS_DEVICE_POWER_STATE state = NdisDeviceStateD0;
    EXPECT_EQ(probe_query(c.top_probe, OID_PNP_QUERY_POWER, &state, sizeof state), NDIS_STATUS_SUCCESS);
    IMCOUNT_STATS after = imcount_stats(c.layers[1].lower);
    EXPECT_EQ(after.RequestsAnsweredLocally, before.RequestsAnsweredLocally + 1);
    EXPECT_EQ(after.RequestsForwarded, before.RequestsForwarded);
}

// Status through the whole chain: loop's media disconnect reaches probe above both IMs.
TEST_F(ImStack, StatusPassesThroughTheWholeChain) {
    Chain c = chain(122, {middle(), "imcount"});
    ASSERT_TRUE(ok(c));
    loop().indicate_status(c.near->loop, NDIS_STATUS_MEDIA_DISCONNECT, nullptr, 0);
    PROBE_STATS s = stats(c.top_probe);
    EXPECT_EQ(s.StatusIndications, 1u);
    EXPECT_EQ(s.LastStatus, as_stat(NDIS_STATUS_MEDIA_DISCONNECT));
    EXPECT_EQ(s.StatusCompletes, 1u);
    EXPECT_EQ(imcount_stats(c.layers[1].lower).StatusForwarded, 1u);
    EXPECT_EQ(probe_ulong(c.top_probe, OID_GEN_MEDIA_CONNECT_STATUS), ULONG{NdisMediaStateDisconnected});
    loop().indicate_status(c.near->loop, NDIS_STATUS_MEDIA_CONNECT, nullptr, 0);
    EXPECT_EQ(stats(c.top_probe).LastStatus, as_stat(NDIS_STATUS_MEDIA_CONNECT));
}

// PnP events through the whole chain (seed §2.9.2, NdisIMNotifyPnPEvent): imcount at the bottom
// raises an event on its virtual miniport as though its adapter had; the IM above it receives it
// in ProtocolPnPEvent and passes it on with NdisIMNotifyPnPEvent, and so on up to probe; the
// answer comes back down.
TEST_F(ImStack, PnPEventsPassThroughImcountLayers) {
    Chain c = chain(123, {"imcount", "imcount", "imcount"});
    ASSERT_TRUE(ok(c));
    PVOID bottom = imcount().find_binding(c.near->info.device_name.c_str());
    ASSERT_NE(bottom, nullptr);
    NDIS_DEVICE_POWER_STATE d0 = NdisDeviceStateD0;
    EXPECT_EQ(imcount().indicate_pnp_event(bottom, NetEventQueryPower, &d0, sizeof d0), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(imcount().indicate_pnp_event(bottom, NetEventSetPower, &d0, sizeof d0), NDIS_STATUS_SUCCESS);
    IMCOUNT_STATS middle = imcount_stats(c.layers[1].lower);
    IMCOUNT_STATS top = imcount_stats(c.layers[2].lower);
    EXPECT_EQ(middle.PnPEvents, 2u);
    EXPECT_EQ(middle.PnPForwarded, 2u);
    EXPECT_EQ(top.PnPEvents, 2u) << "the events crossed the middle IM";
    EXPECT_EQ(top.LastPnPEvent, ULONG64{NetEventSetPower});
    EXPECT_EQ(top.PnPForwarded, 2u) << "and went on to probe";
    EXPECT_EQ(top.LastPnPForwardStatus, as_stat(NDIS_STATUS_SUCCESS));
    EXPECT_TRUE(send_and_wait(c.top_probe, c.far_mac, 10, c.far->probe)) << "still carrying traffic";
}

// The same with passthru in the middle.
TEST_F(ImStack, PnPEventsPassThroughPassthru) {
    if (!have_passthru()) GTEST_SKIP() << "drivers/passthru is not built";
    Chain c = chain(128, {"imcount", "passthru", "imcount"});
    ASSERT_TRUE(ok(c));
    PVOID bottom = imcount().find_binding(c.near->info.device_name.c_str());
    ASSERT_NE(bottom, nullptr);
    NDIS_DEVICE_POWER_STATE d0 = NdisDeviceStateD0;
    EXPECT_EQ(imcount().indicate_pnp_event(bottom, NetEventQueryPower, &d0, sizeof d0), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(imcount().indicate_pnp_event(bottom, NetEventSetPower, &d0, sizeof d0), NDIS_STATUS_SUCCESS);
    IMCOUNT_STATS top = imcount_stats(c.layers[2].lower);
    EXPECT_EQ(top.PnPEvents, 2u) << "the events crossed passthru";
    EXPECT_EQ(top.LastPnPEvent, ULONG64{NetEventSetPower});
    EXPECT_EQ(top.PnPForwarded, 2u);
    EXPECT_EQ(top.LastPnPForwardStatus, as_stat(NDIS_STATUS_SUCCESS));
    EXPECT_TRUE(send_and_wait(c.top_probe, c.far_mac, 10, c.far->probe)) << "still carrying traffic";
}

// Seed §2.11 "例如,如果低层NIC超时并且NDIS为故障NIC调用了NIC驱动程序的MiniportHalt函数,那么接下来NDIS将调用上层的中间
// 层驱动程序的NdisUnbindAdapter函数" and "那么中间层驱动程序能够通过调用NdisIMDeInitializeDeviceInstance ... 关闭这些
// 设备": removing the loop adapter under imcount / passthru / imcount unbinds the bottom IM, whose
// virtual miniport's removal unbinds the middle one, and so on up; the top virtual miniport halts
// first and each IM closes its adapter only after the layer above it is gone.
TEST_F(ImStack, RemovingTheLowerAdapterUnbindsAndHaltsTheVirtualMiniportsTopDown) {
    Chain c = chain(124, {"imcount", middle(), "imcount"});
    ASSERT_TRUE(ok(c));
    ASSERT_TRUE(send_and_wait(c.top_probe, c.far_mac, 100, c.far->probe));
    ASSERT_EQ(host().remove_adapter(c.near->info.device_name), NDIS_STATUS_SUCCESS);

    EXPECT_EQ(probe().find_binding(c.layers[2].upper.c_str()), nullptr) << "probe at the top was unbound";
    for (const Layer& l : c.layers) EXPECT_FALSE(host().adapter_running(l.upper)) << l.service << " " << l.upper;
    EXPECT_FALSE(host().adapter_running(c.near->info.device_name));
    IMCOUNT_STATS bottom = imcount_stats(c.layers[0].lower);
    IMCOUNT_STATS top = imcount_stats(c.layers[2].lower);
    EXPECT_EQ(bottom.HaltCalls, 1u);
    EXPECT_EQ(top.HaltCalls, 1u);
    EXPECT_LT(bottom.UnbindSequence, top.UnbindSequence) << "the unbinding starts at the bottom";
    EXPECT_LT(top.UnbindSequence, top.HaltSequence);
    EXPECT_LT(top.HaltSequence, top.CloseSequence);
    EXPECT_LT(top.CloseSequence, bottom.HaltSequence) << "the top layer is gone before the bottom virtual NIC halts";
    EXPECT_LT(bottom.HaltSequence, bottom.CloseSequence) << "and the bottom closes the adapter last";
    EXPECT_FALSE(imcount().is_bound(imcount().find_binding(c.layers[0].lower.c_str())));
    EXPECT_FALSE(imcount().is_bound(imcount().find_binding(c.layers[2].lower.c_str())));
    PASSTHRU_COUNTERS pc{};
    if (have_passthru() && passthru_stats(c.layers[1].upper, &pc)) {
        EXPECT_EQ(pc.MiniportUp, 0u);
    }
    // The far side keeps working on its own.
    EXPECT_TRUE(host().adapter_running(c.far->info.device_name));
}

// Seed §2.3.1 "如果中间层驱动程序导出了多个虚拟NIC,那么为使其可用于网络请求,驱动程序必须为每一个NIC调用
// NdisIMInitializeDeviceInstance": immux binds one loop adapter and brings up two VELANs over it, each
// with its own address and its own probe binding; frames from the far side are demultiplexed by
// destination address, group frames go to both, frames for no VELAN to none; both VELANs' sends
// go down the one binding and arrive in order.
TEST_F(ImStack, MuxDemultiplexesTwoVirtualMiniportsOverOneAdapterByAddress) {
    auto& near = loop_on(125);
    auto& far = loop_on(125, {}, /*bind_probe=*/true);
    std::string v0 = virtual_device("immux");
    std::string v1 = virtual_device("immux");
    set_binding_value("immux", near.info.device_name, "UpperBindings", Value::multi_sz({v0, v1}));
    ASSERT_EQ(host().bind("immux", near.info.device_name), NDIS_STATUS_SUCCESS);
    EXPECT_TRUE(host().adapter_running(v0));
    EXPECT_TRUE(host().adapter_running(v1));
    EXPECT_EQ(mux_stats(near.info.device_name).VElansInitialized, 2u);
    PVOID p0 = bind_probe_to(v0);
    PVOID p1 = bind_probe_to(v1);
    ASSERT_NE(p0, nullptr);
    ASSERT_NE(p1, nullptr);
    Mac m0 = probe_mac(p0);
    Mac m1 = probe_mac(p1);
    ASSERT_NE(m0, m1);

    ASSERT_TRUE(send_and_wait(far.probe, m0, 300, p0));
    ASSERT_TRUE(send_and_wait(far.probe, m1, 200, p1));
    quiesce();
    EXPECT_EQ(stats(p0).ReceivedFrames, 300u) << "VELAN 0 got only its frames";
    EXPECT_EQ(stats(p1).ReceivedFrames, 200u);
    EXPECT_EQ(stats(p0).PayloadErrors + stats(p1).PayloadErrors, 0u);
    EXPECT_EQ(velan_stats(v0).ReceivesShared, 300u);
    EXPECT_EQ(velan_stats(v1).ReceivesShared, 200u);

    const Mac nobody{0x02, 0x4E, 0x4F, 0x42, 0x4F, 0x44};
    ASSERT_TRUE(send_and_wait(far.probe, nobody, 50, nullptr));
    ASSERT_TRUE(send_and_wait(far.probe, datapath::kBroadcast, 20, p0));
    ASSERT_EQ(probe().wait_received(p1, 220, kWaitMs), NDIS_STATUS_SUCCESS);
    quiesce();
    EXPECT_EQ(mux_stats(near.info.device_name).ReceivesUnmatched, 50u);
    EXPECT_EQ(stats(p0).ReceivedFrames, 320u) << "a broadcast reaches both VELANs";
    EXPECT_EQ(stats(p1).ReceivedFrames, 220u);
    EXPECT_EQ(velan_stats(v0).GroupReceives, 20u);

    ASSERT_TRUE(send_and_wait(p0, far.mac, 400, nullptr));
    ASSERT_TRUE(send_and_wait(p1, far.mac, 400, nullptr));
    ASSERT_EQ(probe().wait_received(far.probe, 800, kWaitMs), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(stats(far.probe).SequenceErrors, 0u) << "each VELAN's frames in order, on one lower binding";
    EXPECT_EQ(velan_stats(v0).SendsDown, 400u);
    EXPECT_EQ(velan_stats(v1).SendsDown, 400u);
    EXPECT_EQ(loop_stats(near.loop).TxFrames, 800u);
}

// Unbinding a MUX from its adapter takes every VELAN down (protocols unbound, MiniportHalt each)
// before the adapter closes.
TEST_F(ImStack, UnbindingTheMuxHaltsEveryVirtualMiniport) {
    auto& near = loop_on(126);
    std::string v0 = virtual_device("immux");
    std::string v1 = virtual_device("immux");
    set_binding_value("immux", near.info.device_name, "UpperBindings", Value::multi_sz({v0, v1}));
    ASSERT_EQ(host().bind("immux", near.info.device_name), NDIS_STATUS_SUCCESS);
    ASSERT_NE(bind_probe_to(v0), nullptr);
    ASSERT_NE(bind_probe_to(v1), nullptr);
    ASSERT_EQ(host().unbind("immux", near.info.device_name), NDIS_STATUS_SUCCESS);
    for (const std::string& v : {v0, v1}) {
        EXPECT_FALSE(host().adapter_running(v)) << v;
        EXPECT_EQ(probe().find_binding(v.c_str()), nullptr) << v;
        EXPECT_EQ(velan_stats(v).HaltCalls, 1u) << v;
        EXPECT_LT(velan_stats(v).HaltSequence, mux_stats(near.info.device_name).CloseSequence) << v;
    }
}

// NDIS 5.1 packet stacking (NdisIMGetCurrentPacketStack): passthru with PacketStacking=1 passes the
// sender's own descriptor down and the miniport's own descriptor up; the sender still gets each
// packet back once, the miniport gets each of its packets back once after the protocol above
// returned it, and no descriptor of passthru's is in use afterwards.
TEST_F(ImStack, PacketStackingPassesTheSameDescriptorAndEverythingBalances) {
    if (!have_passthru()) GTEST_SKIP() << "drivers/passthru is not built";
    datapath::TestAdapter& below = test_adapter();
    Layer l = layer("passthru", below.info.device_name, {{"PacketStacking", Value::dword(1)}}, /*bind_probe=*/false);
    ASSERT_FALSE(l.upper.empty());
    datapath::TestBinding* above = test_protocol("tstack").bind(host(), l.upper);
    ASSERT_NE(above, nullptr);
    ASSERT_EQ(above->set_packet_filter(NDIS_PACKET_TYPE_DIRECTED), NDIS_STATUS_SUCCESS);

    datapath::TxPool& pool = tx_pool(16);
    std::vector<PNDIS_PACKET> ours;
    const Mac peer{0x02, 0x53, 0x54, 0x41, 0x43, 0x4B};
    for (UINT i = 0; i < 8; ++i)
        ours.push_back(pool.build(datapath::make_frame(peer, below.mac, datapath::kTestEtherType, 90, UCHAR(i)), 1, i));
    above->send_packets(ours);
    ASSERT_TRUE(below.wait([&] { return below.sent_count() == 8; }));
    ASSERT_TRUE(above->wait([&] { return above->send_complete_count() == 8; }));
    auto sent = below.sent();
    for (UINT i = 0; i < 8; ++i) EXPECT_EQ(sent[i].packet, ours[i]) << "the sender's own descriptor went down";
    std::map<PNDIS_PACKET, int> completions;
    for (auto& [packet, status] : above->send_completes()) ++completions[packet];
    for (PNDIS_PACKET p : ours) EXPECT_EQ(completions[p], 1);

    above->receive_packet_result = [](PNDIS_PACKET) { return 1; };
    std::vector<PNDIS_PACKET> packets;
    for (UINT i = 0; i < 4; ++i)
        packets.push_back(below.rx_packet(datapath::make_frame(below.mac, peer, datapath::kTestEtherType, 120, UCHAR(i))));
    below.indicate(host(), packets);
    auto receives = above->receives();
    ASSERT_EQ(receives.size(), 4u);
    for (UINT i = 0; i < 4; ++i) EXPECT_EQ(receives[i].packet, packets[i]) << "the miniport's own descriptor came up";
    EXPECT_EQ(below.return_count(), 0u);
    EXPECT_EQ(above->return_held(), 4u);
    ASSERT_TRUE(below.wait([&] { return below.return_count() == 4; }));
    for (PNDIS_PACKET p : packets) EXPECT_EQ(below.returns_of(p), 1u);
    quiesce();

    PASSTHRU_COUNTERS pc{};
    ASSERT_TRUE(passthru_stats(l.upper, &pc));
    EXPECT_EQ(pc.PacketStacking, 1u);
    EXPECT_EQ(pc.SendsStacked, 8u);
    EXPECT_EQ(pc.ReceivesStacked, 4u);
    EXPECT_EQ(pc.SendDescriptorsInUse, 0u);
    EXPECT_EQ(pc.ReceiveDescriptorsInUse, 0u);
    EXPECT_EQ(pc.MiniportReferences, 0u);
    EXPECT_EQ(verifier::count(verifier::Rule::PacketNotOwned), 0u);
    EXPECT_EQ(verifier::count(verifier::Rule::PacketReturnMismatch), 0u);
}

// Packet stacking end to end: loop -> passthru (PacketStacking=1) -> imcount -> probe, traffic both
// ways; imcount still replaces descriptors, passthru stacks what it can; all balances.
TEST_F(ImStack, PacketStackingUnderImcountCarriesTrafficAndBalances) {
    if (!have_passthru()) GTEST_SKIP() << "drivers/passthru is not built";
    Chain c = chain(127, {"passthru", "imcount"}, {}, {{"passthru", {{"PacketStacking", Value::dword(1)}}}});
    ASSERT_TRUE(ok(c));
    ASSERT_TRUE(send_and_wait(c.top_probe, c.far_mac, 3000, c.far->probe));
    ASSERT_TRUE(send_and_wait(c.far->probe, c.top_mac, 3000, c.top_probe));
    quiesce();
    EXPECT_EQ(stats(c.far->probe).SequenceErrors, 0u);
    EXPECT_EQ(stats(c.top_probe).SequenceErrors, 0u);
    PASSTHRU_COUNTERS pc{};
    ASSERT_TRUE(passthru_stats(c.layers[0].upper, &pc));
    EXPECT_EQ(pc.Sends, 3000u);
    EXPECT_GT(pc.SendsStacked, 0u) << "imcount's descriptors had stack locations left";
    EXPECT_EQ(pc.SendDescriptorsInUse, 0u);
    EXPECT_EQ(pc.ReceiveDescriptorsInUse, 0u);
    EXPECT_EQ(pc.MiniportReferences, 0u);
    IMCOUNT_STATS s = imcount_stats(c.layers[1].lower);
    EXPECT_EQ(s.SendsOutstanding, 0u);
    EXPECT_EQ(s.ReceivesOutstanding, 0u);
    EXPECT_EQ(loop_stats(c.near->loop).ReturnsOutstanding, 0u);
}

}  // namespace
}  // namespace strata::test::im
