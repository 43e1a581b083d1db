// seed_2_8_im_send_test.cpp — conformance: sending through an intermediate driver (seed 003 §2.8):
// the order of 100000 frames is kept through one and through two IM layers; every send completes
// exactly once with the status the miniport below gave it, also when the completions come later
// and in a different order; an array keeps its order on the way down; a send the IM completes
// itself (dropped) completes once too.
#include "im_fixture.h"

namespace strata::test::im {
namespace {

class Seed_2_8_Im : public ImTest {
protected:
    // 100000 numbered frames from the top of `services` to the far adapter; probe checks every
    // sequence number on arrival.
    void order_through(ULONG wire, const std::vector<std::string>& services) {
        constexpr ULONG64 kFrames = 100000;
        Chain c = chain(wire, services);
        ASSERT_TRUE(ok(c));
        ASSERT_TRUE(send_and_wait(c.top_probe, c.far_mac, kFrames, c.far->probe, 64, 32, 2000));
        quiesce();
        PROBE_STATS far = stats(c.far->probe);
        EXPECT_EQ(far.ReceivedFrames, kFrames);
        EXPECT_EQ(far.SequenceErrors, 0u) << "every frame arrived in the order it was sent";
        EXPECT_EQ(far.PayloadErrors, 0u);
        PROBE_STATS top = stats(c.top_probe);
        EXPECT_EQ(top.SendsRequested, kFrames);
        EXPECT_EQ(top.SendsCompleted, kFrames) << "every send completed exactly once";
        EXPECT_EQ(top.SendsFailed, 0u);
        for (const Layer& l : c.layers) {
            if (l.service == "imcount") {
                IMCOUNT_STATS s = imcount_stats(l.lower);
                EXPECT_EQ(s.SendsFromAbove, kFrames);
                EXPECT_EQ(s.SendsDown, kFrames);
                EXPECT_EQ(s.SendCompletesFromBelow, kFrames);
                EXPECT_EQ(s.SendsCompletedUp, kFrames);
            } else if (l.service == "passthru") {
                PASSTHRU_COUNTERS pc{};
                ASSERT_TRUE(passthru_stats(l.upper, &pc));
                EXPECT_EQ(pc.Sends, kFrames);
                EXPECT_EQ(pc.SendCompletes, kFrames);
                EXPECT_EQ(pc.SendsFailed, 0u);
            }
        }
        EXPECT_EQ(loop_stats(c.near->loop).TxFrames, kFrames);
    }
};

// "当将这些引入包数组传给低层NIC驱动程序时,中间层驱动程序应该维持该包描述符顺序" through one IM (passthru when
// it is built, imcount otherwise).
TEST_F(Seed_2_8_Im, Seed_2_8_OrderOf100000FramesIsKeptThroughOneIm) {
    order_through(100, {have_passthru() ? "passthru" : "imcount"});
}

// ... and through two stacked IMs (imcount over passthru; imcount over imcount without passthru).
TEST_F(Seed_2_8_Im, Seed_2_8_OrderOf100000FramesIsKeptThroughTwoIms) {
    order_through(101, {have_passthru() ? "passthru" : "imcount", "imcount"});
}

// "MiniportSendPackets接收按序组织的包描述符数组 ... 低层NIC驱动程序假定:传给MiniportSendPackets函数的包指针数组隐含包
// 将以同样的顺序发送": one NdisSendPackets array of 24 reaches the miniport below in one array, in order.
TEST_F(Seed_2_8_Im, Seed_2_8_ArrayOrderIsKeptOnTheWayDown) {
    datapath::TestAdapter& below = test_adapter();
    Layer l = layer("imcount", below.info.device_name, {}, /*bind_probe=*/false);
    ASSERT_FALSE(l.upper.empty());
    datapath::TestBinding* above = test_protocol("torder").bind(host(), l.upper);
    ASSERT_NE(above, nullptr);
    datapath::TxPool& pool = tx_pool(32);
    std::vector<PNDIS_PACKET> packets;
    const Mac to{0x02, 0x4F, 0x52, 0x44, 0x45, 0x52};
    for (UINT i = 0; i < 24; ++i)
        packets.push_back(pool.build(datapath::make_frame(to, below.mac, datapath::kTestEtherType, 60 + i, UCHAR(i)), 1, i));
    above->send_packets(packets);
    ASSERT_TRUE(below.wait([&] { return below.sent_count() == 24; }));
    auto sent = below.sent();
    for (UINT i = 0; i < 24; ++i) {
        EXPECT_EQ(sent[i].bytes.size(), 60u + i) << "position " << i;
        EXPECT_EQ(sent[i].position, i);
        EXPECT_EQ(sent[i].call, sent[0].call) << "one array down";
    }
    ASSERT_TRUE(above->wait([&] { return above->send_complete_count() == 24; }));
}

// "如果NdisSend返回的状态是NDIS_STATUS_PENDING,当接下来发送操作完成的时候,发送操作的最终状态和包描述符将返回给
// ProtocolSendComplete。中间层驱动程序应该从ProtocolSendComplete函数中调用NdisSendComplete传送发送状态给相邻的高层驱动
// 程序": the miniport below pends every send and completes them later, some with a failure; each of
// the sender's packets completes exactly once, with the status its own copy below got.
TEST_F(Seed_2_8_Im, Seed_2_8_EverySendCompletesOnceWithTheLowerStatus) {
    datapath::TestAdapter& below = test_adapter();
    below.decide = [](PNDIS_PACKET) { return NDIS_STATUS_PENDING; };
    Layer l = layer("imcount", below.info.device_name, {}, /*bind_probe=*/false);
    ASSERT_FALSE(l.upper.empty());
    datapath::TestBinding* above = test_protocol("tonce").bind(host(), l.upper);
    ASSERT_NE(above, nullptr);
    datapath::TxPool& pool = tx_pool(32);
    std::vector<PNDIS_PACKET> packets;
    const Mac to{0x02, 0x4F, 0x4E, 0x43, 0x45, 0x00};
    for (UINT i = 0; i < 10; ++i)
        packets.push_back(pool.build(datapath::make_frame(to, below.mac, datapath::kTestEtherType, 100, UCHAR(i)), 1, i));
    above->send_packets(packets);
    ASSERT_TRUE(below.wait([&] { return below.pending().size() == 10; }));
    EXPECT_EQ(above->send_complete_count(), 0u) << "nothing completes before the miniport below completes";

    EXPECT_EQ(below.complete_sends(4, NDIS_STATUS_FAILURE), 4u);
    EXPECT_EQ(below.complete_sends(0, NDIS_STATUS_SUCCESS), 6u);
    ASSERT_TRUE(above->wait([&] { return above->send_complete_count() == 10; }));
    std::map<PNDIS_PACKET, std::vector<NDIS_STATUS>> completions;
    for (auto& [packet, status] : above->send_completes()) completions[packet].push_back(status);
    for (UINT i = 0; i < 10; ++i) {
        ASSERT_EQ(completions[packets[i]].size(), 1u) << "packet " << i;
        EXPECT_EQ(completions[packets[i]][0], i < 4 ? NDIS_STATUS_FAILURE : NDIS_STATUS_SUCCESS) << "packet " << i;
    }
    IMCOUNT_STATS s = imcount_stats(below.info.device_name);
    EXPECT_EQ(s.SendsFailed, 4u);
    EXPECT_EQ(s.SendsCompletedUp, 10u);
    EXPECT_EQ(s.SendsOutstanding, 0u);
    EXPECT_EQ(verifier::count(verifier::Rule::CompletionWithoutCall), 0u);
}

// A send the IM does not pass down (imcount's DropEveryNth) is still completed once: probe sees
// all its sends complete, successfully, and the far side the others.
TEST_F(Seed_2_8_Im, Seed_2_8_SendsTheImEndsItselfCompleteOnce) {
    Chain c = chain(102, {"imcount"}, {}, {{"imcount", {{"DropEveryNth", Value::dword(10)}}}});
    ASSERT_TRUE(ok(c));
    ASSERT_EQ(probe().send(c.top_probe, c.far_mac.data(), 80, 1000, 20, 0), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_sends_completed(c.top_probe, 1000, kWaitMs), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_received(c.far->probe, 900, kWaitMs), NDIS_STATUS_SUCCESS);
    quiesce();
    EXPECT_EQ(stats(c.top_probe).SendsCompleted, 1000u);
    EXPECT_EQ(stats(c.top_probe).SendsFailed, 0u);
    EXPECT_EQ(stats(c.far->probe).ReceivedFrames, 900u);
    IMCOUNT_STATS s = imcount_stats(c.near->info.device_name);
    EXPECT_EQ(s.SendsDropped, 100u);
    EXPECT_EQ(s.SendsCompletedUp, 1000u);
}

// Seed §2.8 "如果低层驱动程序返回大于'1的值,那么在发送包数组时使用NdisSendPackets函数": what comes down to
// imcount in arrays goes on down in arrays — 256 frames sent by probe 32 at a time reach the
// miniport below in a handful of MiniportSendPackets calls, not one call per packet.
TEST_F(Seed_2_8_Im, Seed_2_8_ArraysFromAboveGoDownAsArrays) {
    datapath::TestAdapter& below = test_adapter();
    Layer l = layer("imcount", below.info.device_name);
    ASSERT_NE(l.probe, nullptr);
    const Mac to{0x02, 0x41, 0x52, 0x52, 0x41, 0x59};
    ASSERT_EQ(probe().send(l.probe, to.data(), 64, 256, 32, 0), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_sends_completed(l.probe, 256, kWaitMs), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(below.sent_count(), 256u);
    EXPECT_LE(below.send_calls(), 256 / 32 * 2) << "arrays, not one packet per MiniportSendPackets";
    EXPECT_EQ(stats(l.probe).SequenceErrors, 0u);
}

}  // namespace
}  // namespace strata::test::im
