// seed_2_5_im_packets_test.cpp — conformance: packet management in an intermediate driver (seed 003
// §2.5, §2.5.1, §2.6): every packet changes descriptor at the IM both ways — the miniport below
// never sees the sender's descriptor and the sender gets its own back on completion; a protocol
// above never sees the lower miniport's descriptor and the lower packet is returned only after
// the IM's descriptor came back; NDIS_STATUS_RESOURCES packets are copied and released at once;
// descriptors are recycled with NdisReinitializePacket; every pool balances once traffic stops and
// no IM pool survives the stack.
#include "im_fixture.h"

#include <set>

namespace strata::test::im {
namespace {

class Seed_2_5_Im : public ImTest {};
class Seed_2_5_1_Im : public ImTest {};

const Mac kPeer{0x02, 0x50, 0x45, 0x45, 0x52, 0x01};

// "每一个中间层驱动程序都必须分配自己的包描述符来代替高层的数据包描述符" and §2.8 "当发送完成、返回高层驱动程序之前,
// 驱动程序应该返回原始的包描述符": the in-test miniport below imcount records descriptors that are
// none of the in-test protocol's, carrying the same buffers in the same order; every one of the
// protocol's own packets comes back to its ProtocolSendComplete exactly once. With passthru
// (PacketStacking 0) stacked under imcount, the same holds through two layers.
TEST_F(Seed_2_5_Im, Seed_2_5_SendsGoDownInTheImsOwnDescriptorsAndTheSenderGetsItsOwnBack) {
    for (bool two_layers : {false, true}) {
        if (two_layers && !have_passthru()) continue;
        SCOPED_TRACE(two_layers ? "imcount over passthru" : "imcount");
        datapath::TestAdapter& below = test_adapter();
        std::string lower = below.info.device_name;
        if (two_layers) {
            Layer p = layer("passthru", lower, {}, /*bind_probe=*/false);
            ASSERT_FALSE(p.upper.empty());
            lower = p.upper;
        }
        Layer l = layer("imcount", lower, {}, /*bind_probe=*/false);
        ASSERT_FALSE(l.upper.empty());
        datapath::TestBinding* above = test_protocol(two_layers ? "tproto2" : "tproto1").bind(host(), l.upper);
        ASSERT_NE(above, nullptr);

        datapath::TxPool& pool = tx_pool(16);
        std::vector<Frame> frames;
        std::vector<PNDIS_PACKET> ours;
        for (UINT i = 0; i < 8; ++i) {
            frames.push_back(datapath::make_frame(kPeer, below.mac, datapath::kTestEtherType, 100 + 10 * i, UCHAR(i)));
            ours.push_back(pool.build(frames.back(), 2, i));
            ASSERT_NE(ours.back(), nullptr);
        }
        above->send_packets(ours);
        ASSERT_TRUE(below.wait([&] { return below.sent_count() == 8; })) << below.sent_count();
        ASSERT_TRUE(above->wait([&] { return above->send_complete_count() == 8; }));

        std::set<PNDIS_PACKET> own(ours.begin(), ours.end());
        auto sent = below.sent();
        for (std::size_t i = 0; i < sent.size(); ++i) {
            EXPECT_EQ(own.count(sent[i].packet), 0u) << "frame " << i << " went down in the sender's descriptor";
            EXPECT_EQ(sent[i].bytes, frames[i]) << "frame " << i << ": same data, same order";
            EXPECT_EQ(sent[i].buffers, 2u) << "the IM chained the sender's buffers";
        }
        std::map<PNDIS_PACKET, int> completions;
        for (auto& [packet, status] : above->send_completes()) {
            ++completions[packet];
            EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
        }
        for (PNDIS_PACKET p : ours) EXPECT_EQ(completions[p], 1) << "each own packet completes exactly once";
        IMCOUNT_STATS s = imcount_stats(lower);
        EXPECT_EQ(s.SendsSameDescriptor, 0u);
        EXPECT_EQ(s.SendsDown, 8u);
        EXPECT_EQ(s.SendsOutstanding, 0u);
    }
}

// §2.5-25 "如果ProtocolReceivePacket向高层驱动程序传递其所接收的资源,那么至少应该用中间层驱动程序已经分配的包描述符
// 替代引入包描述符", and strategy 2 (the lower buffers chained to a new descriptor, the original returned
// when the new one comes back): the protocol above sees imcount's descriptors with the same bytes;
// while it holds them the lower packets stay pending at the miniport, and each lower packet comes
// back to MiniportReturnPacket once, after the protocol above returned imcount's.
TEST_F(Seed_2_5_Im, Seed_2_5_ReceivesGoUpInTheImsOwnDescriptorsAndReturnAfterTheUpperReturns) {
    datapath::TestAdapter& below = test_adapter();
    Layer l = layer("imcount", below.info.device_name, {}, /*bind_probe=*/false);
    ASSERT_FALSE(l.upper.empty());
    datapath::TestBinding* above = test_protocol("tabove").bind(host(), l.upper);
    ASSERT_NE(above, nullptr);
    ASSERT_EQ(above->set_packet_filter(NDIS_PACKET_TYPE_DIRECTED), NDIS_STATUS_SUCCESS);
    above->receive_packet_result = [](PNDIS_PACKET) { return 1; };

    std::vector<Frame> frames;
    std::vector<PNDIS_PACKET> packets;
    for (UINT i = 0; i < 4; ++i) {
        frames.push_back(datapath::make_frame(below.mac, kPeer, datapath::kTestEtherType, 80 + 20 * i, UCHAR(i)));
        packets.push_back(below.rx_packet(frames.back()));
    }
    below.indicate(host(), packets);
    auto receives = above->receives();
    ASSERT_EQ(receives.size(), 4u);
    std::set<PNDIS_PACKET> lower_packets(packets.begin(), packets.end());
    for (std::size_t i = 0; i < receives.size(); ++i) {
        EXPECT_TRUE(receives[i].via_receive_packet);
        EXPECT_EQ(lower_packets.count(receives[i].packet), 0u) << "the protocol above got the miniport's descriptor";
        EXPECT_EQ(receives[i].frame, frames[i]);
    }
    for (PNDIS_PACKET p : packets) EXPECT_EQ(NDIS_GET_PACKET_STATUS(p), NDIS_STATUS_PENDING) << "imcount kept it";
    EXPECT_EQ(below.return_count(), 0u);
    EXPECT_EQ(imcount_stats(below.info.device_name).ReceivesOutstanding, 4u);

    EXPECT_EQ(above->return_held(), 4u);
    ASSERT_TRUE(below.wait([&] { return below.return_count() == 4; })) << below.return_count();
    for (PNDIS_PACKET p : packets) EXPECT_EQ(below.returns_of(p), 1u);
    quiesce();
    IMCOUNT_STATS s = imcount_stats(below.info.device_name);
    EXPECT_EQ(s.ReturnsFromAbove, 4u);
    EXPECT_EQ(s.ReceivesOutstanding, 0u);
    EXPECT_EQ(verifier::count(verifier::Rule::PacketReturnMismatch), 0u);
}

// A packet the miniport below indicates with NDIS_STATUS_RESOURCES may not be kept: imcount copies
// the frame into a packet with its own memory, indicates that, and the miniport's packet is its
// own again when the indication returns (no MiniportReturnPacket).
TEST_F(Seed_2_5_Im, Seed_2_5_ResourcesIndicationIsCopiedAndReleasedAtOnce) {
    datapath::TestAdapter& below = test_adapter();
    Layer l = layer("imcount", below.info.device_name, {}, /*bind_probe=*/false);
    ASSERT_FALSE(l.upper.empty());
    datapath::TestBinding* above = test_protocol("tres").bind(host(), l.upper);
    ASSERT_NE(above, nullptr);
    ASSERT_EQ(above->set_packet_filter(NDIS_PACKET_TYPE_DIRECTED), NDIS_STATUS_SUCCESS);
    Frame frame = datapath::make_frame(below.mac, kPeer, datapath::kTestEtherType, 300, 7);
    PNDIS_PACKET p = below.rx_packet(frame, NDIS_STATUS_RESOURCES);
    below.indicate(host(), {p});
    auto receives = above->receives();
    ASSERT_EQ(receives.size(), 1u);
    EXPECT_EQ(receives[0].frame, frame) << "the whole frame, copied";
    EXPECT_NE(receives[0].packet, p) << "NdisGetReceivedPacket above finds imcount's copy, not the miniport's packet";
    EXPECT_EQ(NDIS_GET_PACKET_STATUS(p), NDIS_STATUS_RESOURCES);
    quiesce();
    EXPECT_EQ(below.return_count(), 0u);
    IMCOUNT_STATS s = imcount_stats(below.info.device_name);
    EXPECT_EQ(s.ReceivesCopied, 1u);
    EXPECT_EQ(s.ReceivesOutstanding, 0u);
    EXPECT_EQ(s.ReturnsFromAbove, 0u) << "NDIS keeps no NDIS_STATUS_RESOURCES packet";
}

// §2.5.1 "重新初始化并重用其所分配的包描述符 ... 必须首先确定已经调用NdisUnchainBufferAtXxx移去了所有链接缓冲区":
// 3000 frames each way through imcount with only 16 send descriptors: every descriptor is
// recycled (unhooked, NdisReinitializePacket) many times, and the verifier never sees a packet
// reinitialised with buffers still chained.
TEST_F(Seed_2_5_1_Im, Seed_2_5_1_DescriptorsAreReinitializedAndReused) {
    Chain c = chain(80, {"imcount"}, {},
                    {{"imcount", {{"SendDescriptors", Value::dword(16)}, {"ReceiveDescriptors", Value::dword(64)}}}});
    ASSERT_TRUE(ok(c));
    ASSERT_TRUE(send_and_wait(c.top_probe, c.far_mac, 3000, c.far->probe, 128, 8, 500));
    ASSERT_TRUE(send_and_wait(c.far->probe, c.top_mac, 3000, c.top_probe, 128, 8, 500));
    quiesce();
    IMCOUNT_STATS s = imcount_stats(c.near->info.device_name);
    EXPECT_EQ(s.SendsDown, 3000u);
    EXPECT_EQ(s.SendsFailed, 0u) << "16 descriptors were always enough: each came back before it was needed";
    EXPECT_EQ(s.ReceivePackets, 3000u);
    EXPECT_EQ(s.ReceivesDropped, 0u);
    EXPECT_EQ(stats(c.far->probe).SequenceErrors, 0u);
    EXPECT_EQ(stats(c.top_probe).SequenceErrors, 0u);
    EXPECT_EQ(verifier::count(verifier::Rule::ReinitializeWithBuffers), 0u);
    EXPECT_EQ(verifier::count(verifier::Rule::DoubleFree), 0u);
}

// §2.6 "及时地返还其从高层或低层驱动程序借入的资源": after traffic both ways through imcount, passthru
// and immux nothing is borrowed any more (no send below, no lower packet held, loop has every
// receive packet back); after the adapters go, no pool of an IM is left and none leaked.
TEST_F(Seed_2_5_Im, Seed_2_5_PoolsBalanceWhileRunningAndAfterTheStackStops) {
    std::vector<std::vector<std::string>> stacks{{"imcount"}};
    if (have_passthru()) stacks.push_back({"passthru", "imcount"});
    ULONG wire = 81;
    std::vector<Chain> chains;
    for (const auto& services : stacks) {
        Chain c = chain(wire++, services);
        ASSERT_TRUE(ok(c));
        ASSERT_TRUE(send_and_wait(c.top_probe, c.far_mac, 2000, c.far->probe));
        ASSERT_TRUE(send_and_wait(c.far->probe, c.top_mac, 2000, c.top_probe));
        chains.push_back(c);
    }
    auto& m = loop_on(wire);
    auto& mfar = loop_on(wire, {}, /*bind_probe=*/true);
    std::string v = virtual_device("immux");
    set_binding_value("immux", m.info.device_name, "UpperBindings", Value::multi_sz({v}));
    ASSERT_EQ(host().bind("immux", m.info.device_name), NDIS_STATUS_SUCCESS);
    PVOID pv = bind_probe_to(v);
    ASSERT_NE(pv, nullptr);
    ASSERT_TRUE(send_and_wait(pv, mfar.mac, 1000, mfar.probe));
    ASSERT_TRUE(send_and_wait(mfar.probe, probe_mac(pv), 1000, pv));
    quiesce();

    for (const Chain& c : chains) {
        EXPECT_EQ(loop_stats(c.near->loop).ReturnsOutstanding, 0u);
        IMCOUNT_STATS s = imcount_stats(c.layers.back().lower);
        EXPECT_EQ(s.SendsOutstanding, 0u);
        EXPECT_EQ(s.ReceivesOutstanding, 0u);
        EXPECT_EQ(s.SendsFromAbove, s.SendsCompletedUp);
        EXPECT_EQ(s.ReceivePacketsHeld, s.ReturnsFromAbove);
        PASSTHRU_COUNTERS pc{};
        if (c.layers.size() == 2 && passthru_stats(c.layers[0].upper, &pc)) {
            EXPECT_EQ(pc.MiniportReferences, 0u);
            EXPECT_EQ(pc.SendDescriptorsInUse, 0u);
            EXPECT_EQ(pc.ReceiveDescriptorsInUse, 0u);
            EXPECT_EQ(pc.Sends, pc.SendCompletes);
        }
    }
    EXPECT_EQ(loop_stats(m.loop).ReturnsOutstanding, 0u);
    IMMUX_VELAN_STATS vs = velan_stats(v);
    EXPECT_EQ(vs.SendsFromAbove, vs.SendsCompletedUp);
    EXPECT_EQ(vs.ReceivesShared, vs.ReturnsFromAbove);

    for (auto it = loops_.rbegin(); it != loops_.rend(); ++it) EXPECT_EQ(host().remove_adapter(*it), NDIS_STATUS_SUCCESS);
    loops_.clear();
    for (const ndis::PacketPoolUsage& pool : ndis::packet_pool_usage())
        EXPECT_TRUE(pool.owner != "imcount" && pool.owner != "immux" && pool.owner != "passthru")
            << pool.owner << " still has a packet pool (" << pool.in_use << " of " << pool.capacity << " in use)";
    for (const ndis::PoolLeak& leak : ndis::leak_check())
        EXPECT_FALSE(leak.pool_freed) << "a freed pool with " << leak.outstanding << " descriptors outstanding";
    EXPECT_EQ(verifier::count(verifier::Rule::PoolLeak), 0u);
    EXPECT_EQ(verifier::count(verifier::Rule::PacketNotOwned), 0u);
}

}  // namespace
}  // namespace strata::test::im
