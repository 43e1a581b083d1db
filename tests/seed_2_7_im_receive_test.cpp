// seed_2_7_im_receive_test.cpp — conformance: receiving through an intermediate driver with a
// connectionless lower edge (seed 003 §2.7.1, §2.7.1.1–§2.7.1.3, §2.7.3): loop's three
// indication styles — packet arrays (ProtocolReceivePacket), NDIS_STATUS_RESOURCES packets and
// partial lookaheads (ProtocolReceive, NdisTransferData, synchronous or pended) — reach probe
// through imcount, passthru and both stacked, intact and in order; held packets stay with the
// lower miniport until returned above; copies made in ProtocolReceive are indicated from
// ProtocolReceiveComplete; OOB data (header size, time stamps, media-specific information)
// travels with the IM's descriptor or copy.
#include "im_fixture.h"

namespace strata::test::im {
namespace {

class Seed_2_7_Im : public ImTest {
protected:
    struct Expect {
        ULONG64 via_receive_packet = 0;
        ULONG64 via_receive = 0;
        ULONG64 transfer_calls = 0;
        ULONG64 transfers_pended = 0;
    };
    // `count` 600-byte frames from the far adapter to probe at the top of `services` over a near
    // adapter with `near`; returns the chain for further checks.
    Chain receive_through(ULONG wire, const std::vector<std::string>& services, std::map<std::string, Value> near,
                          ULONG64 count, const Expect& expect,
                          const std::map<std::string, std::map<std::string, Value>>& parameters = {}) {
        Chain c = chain(wire, services, near, parameters);
        EXPECT_TRUE(ok(c));
        if (!ok(c)) return c;
        bool arrived = send_and_wait(c.far->probe, c.top_mac, count, c.top_probe, 600, 16, 500);
        EXPECT_TRUE(arrived);
        quiesce();
        if (!arrived) describe(c);
        PROBE_STATS s = stats(c.top_probe);
        EXPECT_EQ(s.ReceivedFrames, count);
        EXPECT_EQ(s.PayloadErrors, 0u);
        EXPECT_EQ(s.SequenceErrors, 0u) << "frames arrive in the order they were sent";
        EXPECT_EQ(s.ReceivedViaReceivePacket, expect.via_receive_packet);
        EXPECT_EQ(s.ReceivedViaReceive, expect.via_receive);
        EXPECT_EQ(s.TransferDataCalls, expect.transfer_calls);
        EXPECT_EQ(s.TransferDataPended, expect.transfers_pended);
        EXPECT_EQ(loop_stats(c.near->loop).ReturnsOutstanding, 0u) << "every packet loop indicated came back";
        return c;
    }
    // What each layer counted, for a failure message.
    void describe(const Chain& c) {
        LOOP_STATS ls = loop_stats(c.near->loop);
        PROBE_STATS ps = stats(c.top_probe);
        std::fprintf(stderr, "loop: rx %llu dropped(ring) %llu; probe: rx %llu transfers %llu pended %llu dropped %llu\n",
                     (unsigned long long)ls.RxFrames, (unsigned long long)ls.RxDroppedRingFull,
                     (unsigned long long)ps.ReceivedFrames, (unsigned long long)ps.TransferDataCalls,
                     (unsigned long long)ps.TransferDataPended, (unsigned long long)ps.ReceiveDropped);
        for (const Layer& l : c.layers) {
            if (l.service != "imcount") continue;
            IMCOUNT_STATS s = imcount_stats(l.lower);
            std::fprintf(stderr,
                         "imcount over %s: lookahead %llu forwarded %llu pended %llu copied %llu dropped %llu "
                         "completes %llu\n",
                         l.lower.c_str(), (unsigned long long)s.ReceivesLookahead,
                         (unsigned long long)s.TransferDataForwarded, (unsigned long long)s.TransferDataPended,
                         (unsigned long long)s.ReceivesCopied, (unsigned long long)s.ReceivesDropped,
                         (unsigned long long)s.ReceiveCompletes);
        }
    }
    static std::map<std::string, Value> style(ULONG indication, ULONG transfer_pends = 0) {
        return {{"IndicationStyle", Value::dword(indication)},
                {"LookaheadBytes", Value::dword(32)},
                {"TransferPends", Value::dword(transfer_pends)}};
    }
};
class Seed_2_7_1_Im : public Seed_2_7_Im {};
class Seed_2_7_1_3_Im : public Seed_2_7_Im {};

constexpr ULONG64 kFrames = 1000;
const Mac kPeer{0x02, 0x50, 0x45, 0x45, 0x52, 0x02};

// §2.7.1.1: packet arrays reach imcount's ProtocolReceivePacket, which holds each lower packet and
// indicates its own descriptor; probe returns them at once, imcount returns each lower packet.
TEST_F(Seed_2_7_1_Im, Seed_2_7_1_1_PacketIndicationsPassThroughImcount) {
    Chain c = receive_through(90, {"imcount"}, style(0), kFrames, {kFrames, 0, 0, 0});
    ASSERT_TRUE(ok(c));
    IMCOUNT_STATS s = imcount_stats(c.near->info.device_name);
    EXPECT_EQ(s.ReceivePackets, kFrames);
    EXPECT_EQ(s.ReceivePacketsHeld, kFrames);
    EXPECT_EQ(s.ReturnsFromAbove, kFrames);
    EXPECT_EQ(s.ReceivesOutstanding, 0u);
}

// "它能够通过返回一个非零值的方式保持该包的所有权": probe holds what comes up through imcount, so imcount keeps
// the lower packets and loop counts them outstanding until probe returns them.
TEST_F(Seed_2_7_1_Im, Seed_2_7_1_1_PacketsHeldAboveStayWithTheLowerMiniportUntilReturned) {
    Chain c = chain(91, {"imcount"});
    ASSERT_TRUE(ok(c));
    probe().set_receive_mode(c.top_probe, PROBE_RECEIVE_HOLD);
    holding(c.top_probe);
    ASSERT_TRUE(send_and_wait(c.far->probe, c.top_mac, 40, c.top_probe));
    quiesce();
    EXPECT_EQ(stats(c.top_probe).HeldPackets, 40u);
    EXPECT_EQ(loop_stats(c.near->loop).ReturnsOutstanding, 40u);
    EXPECT_EQ(imcount_stats(c.near->info.device_name).ReceivesOutstanding, 40u);
    EXPECT_EQ(probe().return_held(c.top_probe), 40u);
    quiesce();
    EXPECT_EQ(loop_stats(c.near->loop).ReturnsOutstanding, 0u);
    EXPECT_EQ(imcount_stats(c.near->info.device_name).ReceivesOutstanding, 0u);
    EXPECT_EQ(verifier::count(verifier::Rule::PacketReturnMismatch), 0u);
}

// NDIS_STATUS_RESOURCES packets (loop IndicationStyle 2) reach imcount's ProtocolReceive with the
// whole frame; imcount copies them and probe gets the copies through ProtocolReceive.
TEST_F(Seed_2_7_1_Im, Seed_2_7_1_1_ResourcesIndicationsAreCopiedThroughImcount) {
    Chain c = receive_through(92, {"imcount"}, style(2), kFrames, {0, kFrames, 0, 0});
    ASSERT_TRUE(ok(c));
    IMCOUNT_STATS s = imcount_stats(c.near->info.device_name);
    EXPECT_EQ(s.ReceivesCopied, kFrames);
    EXPECT_EQ(s.ReceivePackets, 0u);
}

// §2.7.1.2: a partial lookahead (loop IndicationStyle 1) goes up as a lookahead; probe's
// NdisTransferData reaches imcount's MiniportTransferData, which transfers from the lower binding
// into probe's packet — synchronously, or pended and completed up with NdisMTransferDataComplete.
TEST_F(Seed_2_7_1_Im, Seed_2_7_1_2_LookaheadIndicationsAndTransferDataPassThroughImcount) {
    Chain c = receive_through(93, {"imcount"}, style(1), kFrames, {0, kFrames, kFrames, 0});
    ASSERT_TRUE(ok(c));
    IMCOUNT_STATS s = imcount_stats(c.near->info.device_name);
    EXPECT_EQ(s.ReceivesLookahead, kFrames);
    EXPECT_EQ(s.TransferDataForwarded, kFrames);
    EXPECT_EQ(s.TransferDataPended, 0u);

    Chain p = receive_through(193, {"imcount"}, style(1, /*transfer_pends=*/1), kFrames, {0, kFrames, kFrames, kFrames});
    ASSERT_TRUE(ok(p));
    IMCOUNT_STATS sp = imcount_stats(p.near->info.device_name);
    EXPECT_EQ(sp.TransferDataForwarded, kFrames);
    EXPECT_EQ(sp.TransferDataPended, kFrames);
}

// §2.7.1-5 "必须将数据复制到已分配的数据包", §2.7.1.2 "NdisTransferData必须在ProtocolReceive环境中调用" and
// "中间层驱动程序必须对ProtocolReceive复制的数据包进行排队,以使ProtocolReceiveComplete函数能够过它们进行后期处理":
// with CopyLookahead imcount completes each partial lookahead with its own NdisTransferData and
// indicates the copies from ProtocolReceiveComplete (or from ProtocolTransferDataComplete when
// the transfer pended); probe gets whole frames and never transfers.
TEST_F(Seed_2_7_1_Im, Seed_2_7_1_2_CopiesMadeInReceiveAreIndicatedFromReceiveComplete) {
    // Enough copies for a whole chunk of pended transfers.
    std::map<std::string, std::map<std::string, Value>> copy{
        {"imcount", {{"CopyLookahead", Value::dword(1)}, {"Copies", Value::dword(1024)}}}};
    Chain c = receive_through(94, {"imcount"}, style(1), kFrames, {0, kFrames, 0, 0}, copy);
    ASSERT_TRUE(ok(c));
    IMCOUNT_STATS s = imcount_stats(c.near->info.device_name);
    EXPECT_EQ(s.ReceivesTransferred, kFrames);
    EXPECT_EQ(s.ReceivesQueued, kFrames) << "every copy was indicated from ProtocolReceiveComplete";
    EXPECT_EQ(s.ReceivesLookahead, 0u);

    Chain p = receive_through(194, {"imcount"}, style(1, /*transfer_pends=*/1), kFrames, {0, kFrames, 0, 0}, copy);
    ASSERT_TRUE(ok(p));
    IMCOUNT_STATS sp = imcount_stats(p.near->info.device_name);
    EXPECT_EQ(sp.TransferDataPended, kFrames);
    EXPECT_EQ(sp.ReceivesTransferred, kFrames);
    EXPECT_EQ(sp.ReceivesQueued, 0u) << "pended copies are indicated when their transfer completes";
}

// The same ordering in slow motion with an in-test miniport below: the copy made in
// ProtocolReceive is not indicated until the miniport's NdisMEthIndicateReceiveComplete.
TEST_F(Seed_2_7_1_Im, Seed_2_7_1_2_CopyWaitsForReceiveComplete) {
    datapath::TestAdapter& below = test_adapter();
    std::string upper = virtual_device("imcount");
    ASSERT_FALSE(upper.empty());
    set_binding_value("imcount", below.info.device_name, "UpperBindings", Value::sz(upper));
    set_binding_value("imcount", below.info.device_name, "CopyLookahead", Value::dword(1));
    ASSERT_EQ(host().bind("imcount", below.info.device_name), NDIS_STATUS_SUCCESS);
    datapath::TestBinding* above = test_protocol("tcopy").bind(host(), upper);
    ASSERT_NE(above, nullptr);
    ASSERT_EQ(above->set_packet_filter(NDIS_PACKET_TYPE_DIRECTED), NDIS_STATUS_SUCCESS);

    Frame frame = datapath::make_frame(below.mac, kPeer, datapath::kTestEtherType, 400, 3);
    below.indicate_lookahead(host(), frame, 20, /*complete=*/false);
    EXPECT_EQ(below.transfers().size(), 1u) << "imcount transferred the rest inside ProtocolReceive";
    EXPECT_EQ(above->receive_count(), 0u) << "and processes nothing before ProtocolReceiveComplete";
    below.indicate_receive_complete(host());
    auto receives = above->receives();
    ASSERT_EQ(receives.size(), 1u);
    EXPECT_EQ(receives[0].frame, frame);
    EXPECT_EQ(above->receive_completes(), 1u);
}

// The three styles through passthru, and through imcount stacked on passthru (a lookahead
// transfer then crosses two MiniportTransferData forwards).
TEST_F(Seed_2_7_1_Im, Seed_2_7_1_EveryReceivePathPassesThroughPassthruAndTwoLayers) {
    if (!have_passthru()) GTEST_SKIP() << "drivers/passthru is not built";
    ULONG wire = 300;
    for (const auto& services : {std::vector<std::string>{"passthru"}, std::vector<std::string>{"passthru", "imcount"}}) {
        SCOPED_TRACE(services.size() == 1 ? "passthru" : "imcount over passthru");
        Chain a = receive_through(wire++, services, style(0), kFrames, {kFrames, 0, 0, 0});
        Chain b = receive_through(wire++, services, style(2), kFrames, {0, kFrames, 0, 0});
        Chain c = receive_through(wire++, services, style(1), kFrames, {0, kFrames, kFrames, 0});
        Chain d = receive_through(wire++, services, style(1, 1), kFrames, {0, kFrames, kFrames, kFrames});
        ASSERT_TRUE(ok(a) && ok(b) && ok(c) && ok(d));
        PASSTHRU_COUNTERS pc{};
        ASSERT_TRUE(passthru_stats(c.layers[0].upper, &pc));
        EXPECT_EQ(pc.ReceivesLookahead, kFrames);
        EXPECT_EQ(pc.TransferDataCalls, kFrames);
    }
}

// §2.7.1.3 "中间层驱动程序必须以下面的方式用NDIS宏保存与包关联的OOB数据信息": the header size, TimeReceived,
// TimeSent and media-specific information the miniport below set reach the protocol above in
// imcount's descriptor (ProtocolReceivePacket) and in its copy (NDIS_STATUS_RESOURCES, found with
// NdisGetReceivedPacket in ProtocolReceive).
TEST_F(Seed_2_7_1_3_Im, Seed_2_7_1_3_OobDataTravelsWithTheImsDescriptorAndCopy) {
    static UCHAR media_info[24] = {1, 2, 3, 4, 5, 6, 7, 8};
    constexpr ULONGLONG kReceived = 0x0123456789ABCDEFull;
    constexpr ULONGLONG kSent = 0x0FEDCBA987654321ull;
    datapath::TestAdapter& below = test_adapter();
    Layer l = layer("imcount", below.info.device_name, {}, /*bind_probe=*/false);
    ASSERT_FALSE(l.upper.empty());
    datapath::TestBinding* above = test_protocol("toob").bind(host(), l.upper);
    ASSERT_NE(above, nullptr);
    ASSERT_EQ(above->set_packet_filter(NDIS_PACKET_TYPE_DIRECTED), NDIS_STATUS_SUCCESS);

    Frame frame = datapath::make_frame(below.mac, kPeer, datapath::kTestEtherType, 200, 9);
    PNDIS_PACKET held = below.rx_packet(frame);
    PNDIS_PACKET copied = below.rx_packet(frame, NDIS_STATUS_RESOURCES);
    for (PNDIS_PACKET p : {held, copied}) {
        NDIS_SET_PACKET_TIME_RECEIVED(p, kReceived);
        NDIS_SET_PACKET_TIME_SENT(p, kSent);
        NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(p, media_info, sizeof media_info);
    }
    below.indicate(host(), {held});
    below.indicate(host(), {copied});
    auto receives = above->receives();
    ASSERT_EQ(receives.size(), 2u);
    for (const auto& r : receives) {
        SCOPED_TRACE(r.via_receive_packet ? "ProtocolReceivePacket" : "ProtocolReceive");
        ASSERT_NE(r.packet, nullptr);
        EXPECT_NE(r.packet, held);
        EXPECT_NE(r.packet, copied);
        EXPECT_EQ(r.time_received, kReceived);
        EXPECT_EQ(r.time_sent, kSent);
        EXPECT_EQ(r.media_info, static_cast<PVOID>(media_info));
        EXPECT_EQ(r.media_info_size, sizeof media_info);
        EXPECT_EQ(r.oob_header_size, 14u);
        EXPECT_EQ(r.frame, frame);
    }
    EXPECT_TRUE(receives[0].via_receive_packet);
    EXPECT_FALSE(receives[1].via_receive_packet);
    EXPECT_EQ(imcount_stats(below.info.device_name).LastTimeReceived, kReceived);
}

}  // namespace
}  // namespace strata::test::im
