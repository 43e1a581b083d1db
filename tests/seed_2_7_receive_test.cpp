// seed_2_7_receive_test.cpp — conformance: receiving on a connectionless lower edge (seed 003
// §2.7.1): packet-array indications to ProtocolReceivePacket and their ownership
// (§2.7.1.1: the return value counts the NdisReturnPackets calls owed, MiniportReturnPacket once
// after the last), NDIS_STATUS_RESOURCES and lookahead indications to ProtocolReceive with
// NdisTransferData and ProtocolReceiveComplete (§2.7.1.2), OOB data and NdisGetReceivedPacket
// (§2.7.1.3), and the per-open Ethernet packet filter every indication passes (§2.7).
#include "datapath_test_drivers.h"

namespace strata::test::datapath {
namespace {

using verifier::Rule;

class Seed_2_7 : public DatapathTest {};
class Seed_2_7_1 : public DatapathTest {};

const Mac kRemote{0x02, 0x52, 0x45, 0x4D, 0x4F, 0x01};  // a station on the wire that is not us
constexpr ULONG kSender = 0x7E572701;                      // sender id in hand-built probe frames
constexpr ULONG kFilterDirected = NDIS_PACKET_TYPE_DIRECTED;

Frame test_frame(const Mac& destination, UINT size, UCHAR first = 0) {
    return make_frame(destination, kRemote, kTestEtherType, size, first);
}
Frame tail(const Frame& f, std::size_t from) { return Frame(f.begin() + long(from), f.end()); }

// Shared between a test and the handlers it installs (which may outlive a failed assertion).
struct TransferState {
    std::mutex mutex;
    NDIS_HANDLE saved_context = nullptr;
    std::vector<NDIS_STATUS> statuses;
    std::vector<UINT> transferred;
};

// ---- §2.7.1.1 ProtocolReceivePacket -------------------------------------------------------------

// "NIC驱动程序调用非过滤相关的NdisMIndicateReceivePacket,传递指向数据包描述符的指针数组的指针" —
// each packet of the array reaches ProtocolReceivePacket, in order, at DISPATCH_LEVEL, whole.
TEST_F(Seed_2_7_1, Seed_2_7_1_1_PacketArrayReachesReceivePacket) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    std::vector<Frame> frames;
    std::vector<PNDIS_PACKET> packets;
    for (UINT size : {60u, 200u, 1000u, 1514u}) {
        frames.push_back(test_frame(adapter.mac, size, UCHAR(size)));
        packets.push_back(adapter.rx_packet(frames.back()));
    }
    adapter.indicate(host(), packets);
    auto receives = binding->receives();
    ASSERT_EQ(receives.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_TRUE(receives[i].via_receive_packet);
        EXPECT_EQ(receives[i].packet, packets[i]);
        EXPECT_EQ(receives[i].frame, frames[i]);
        EXPECT_EQ(receives[i].irql, DISPATCH_LEVEL);
    }
}

// The same through loop's receive DPC: frames sent on the wire arrive in packet arrays.
TEST_F(Seed_2_7_1, Seed_2_7_1_1_WireFramesReachProbeReceivePacket) {
    auto& a = loop_adapter({{"Wire", dword(1)}});
    auto& b = loop_adapter({{"Wire", dword(1)}, {"ReceiveBuffers", dword(1024)}});
    ASSERT_EQ(probe().send(a.probe, b.mac.data(), 200, 64, 16, 0), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_received(b.probe, 64, kWaitMs), NDIS_STATUS_SUCCESS);
    PROBE_STATS s = probe_stats(b.probe);
    EXPECT_EQ(s.ReceivedFrames, 64u);
    EXPECT_EQ(s.ReceivedViaReceivePacket, 64u);
    EXPECT_EQ(s.ReceivedViaReceive, 0u);
    EXPECT_EQ(s.PayloadErrors, 0u);
    EXPECT_EQ(s.SequenceErrors, 0u);
}

MiniportOptions serialized_miniport() {
    MiniportOptions options;
    options.serialized = true;
    return options;
}

// "如果中间层驱动程序从ProtocolReceivePacket中返回零值,这表示将立即释放数据包及相关资源": for a
// serialized miniport, on return from NdisMIndicateReceivePacket the status is NDIS_STATUS_SUCCESS
// (the miniport owns the packet again) and MiniportReturnPacket is never called for it.
TEST_F(Seed_2_7_1, Seed_2_7_1_1_ReturnZeroLeavesPacketWithMiniport) {
    TestAdapter& adapter = test_adapter(serialized_miniport());
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    binding->receive_packet_result = [](PNDIS_PACKET) { return 0; };
    std::vector<PNDIS_PACKET> packets;
    for (int i = 0; i < 3; ++i) packets.push_back(adapter.rx_packet(test_frame(adapter.mac, 100, UCHAR(i))));
    adapter.indicate(host(), packets);
    for (PNDIS_PACKET p : packets) EXPECT_EQ(NDIS_GET_PACKET_STATUS(p), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(adapter.return_count(), 0u);

    // The miniport owns them: it may indicate the same descriptors again at once.
    for (PNDIS_PACKET p : packets) NDIS_SET_PACKET_STATUS(p, NDIS_STATUS_SUCCESS);
    adapter.indicate(host(), packets);
    EXPECT_EQ(binding->receive_count(), 6u);
    for (PNDIS_PACKET p : packets) EXPECT_EQ(NDIS_GET_PACKET_STATUS(p), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(adapter.return_count(), 0u);
    EXPECT_EQ(verifier::count(Rule::PacketNotOwned), 0u);
}

// A deserialized miniport may not read the status after the call (Microsoft's NdisMIndicateReceivePacket
// rule): every packet it indicated without NDIS_STATUS_RESOURCES comes back through
// MiniportReturnPacket exactly once, even when no protocol kept it.
TEST_F(Seed_2_7_1, Seed_2_7_1_1_DeserializedMiniportGetsEveryPacketBack) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    binding->receive_packet_result = [](PNDIS_PACKET) { return 0; };
    std::vector<PNDIS_PACKET> packets;
    for (int i = 0; i < 3; ++i) packets.push_back(adapter.rx_packet(test_frame(adapter.mac, 100, UCHAR(i))));
    adapter.indicate(host(), packets);
    ASSERT_TRUE(adapter.wait([&] { return adapter.return_count() == 3; }));
    for (PNDIS_PACKET p : packets) EXPECT_EQ(adapter.returns_of(p), 1u);
    EXPECT_EQ(binding->receive_count(), 3u);
    EXPECT_EQ(verifier::count(Rule::PacketNotOwned), 0u);
}

// "它能够通过返回一个非零值的方式保持该包的所有权 ... 调用NdisReturnPackets": a held packet's status is
// NDIS_STATUS_PENDING on return, and MiniportReturnPacket follows exactly once after
// NdisReturnPackets, for that packet only.
TEST_F(Seed_2_7_1, Seed_2_7_1_1_HeldPacketPendsUntilNdisReturnPackets) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    binding->receive_packet_result = [](PNDIS_PACKET) { return 1; };
    PNDIS_PACKET p0 = adapter.rx_packet(test_frame(adapter.mac, 100, 1));
    PNDIS_PACKET p1 = adapter.rx_packet(test_frame(adapter.mac, 100, 2));
    adapter.indicate(host(), {p0, p1});
    EXPECT_EQ(NDIS_GET_PACKET_STATUS(p0), NDIS_STATUS_PENDING);
    EXPECT_EQ(NDIS_GET_PACKET_STATUS(p1), NDIS_STATUS_PENDING);
    EXPECT_EQ(adapter.return_count(), 0u);
    ASSERT_EQ(binding->held().size(), 2u);

    EXPECT_EQ(binding->return_held(1), 1u);  // p0
    ASSERT_TRUE(adapter.wait([&] { return adapter.returned().size() == 1; }));
    EXPECT_EQ(adapter.returns_of(p0), 1u);
    EXPECT_EQ(adapter.returns_of(p1), 0u);
    EXPECT_EQ(binding->return_held(), 1u);  // p1
    ASSERT_TRUE(adapter.wait([&] { return adapter.returned().size() == 2; }));
    EXPECT_EQ(adapter.returns_of(p1), 1u);
    EXPECT_EQ(verifier::count(Rule::PacketReturnMismatch), 0u);
}

// loop and probe: packets probe holds stay outstanding at loop (ReturnsOutstanding) until
// ProbeReturnHeld gives them back.
TEST_F(Seed_2_7_1, Seed_2_7_1_1_LoopReturnsOutstandingUntilProbeReturnsHeld) {
    auto& b = loop_adapter({{"Wire", dword(2)}});
    probe().set_receive_mode(b.probe, PROBE_RECEIVE_HOLD);
    Frame f = make_probe_frame(stack_mac(b), kRemote, kSender, 0, 128);
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    at_dispatch([&] { status = loop().indicate_frames(b.loop, f.data(), UINT(f.size()), 8, 8); });
    ASSERT_EQ(status, NDIS_STATUS_SUCCESS);
    PROBE_STATS s = probe_stats(b.probe);
    EXPECT_EQ(s.ReceivedViaReceivePacket, 8u);
    EXPECT_EQ(s.HeldPackets, 8u);
    EXPECT_EQ(s.PayloadErrors, 0u);
    EXPECT_EQ(loop_stats(b.loop).ReturnsOutstanding, 8u);
    EXPECT_EQ(probe().return_held(b.probe), 8u);
    EXPECT_EQ(loop_stats(b.loop).ReturnsOutstanding, 0u);
    EXPECT_EQ(probe_stats(b.probe).HeldPackets, 0u);
    EXPECT_EQ(verifier::count(Rule::PacketReturnMismatch), 0u);
}

// "对于一个特定的包描述符,该函数被调用的次数应与接收指示时ProtocolReceivePacket函数返回的非零值的
// 数目相等" across protocols: two protocols on one adapter both hold a packet; the miniport gets it
// back once, after the second of them returned it, whichever order they return in.
TEST_F(Seed_2_7_1, Seed_2_7_1_1_TwoProtocolsHoldingGiveOneReturnAfterBoth) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    binding->receive_packet_result = [](PNDIS_PACKET) { return 1; };
    PVOID probe_binding = bind_probe(adapter);
    ASSERT_NE(probe_binding, nullptr);
    probe().set_receive_mode(probe_binding, PROBE_RECEIVE_HOLD);

    PNDIS_PACKET first = adapter.rx_packet(make_probe_frame(adapter.mac, kRemote, kSender, 0, 100));
    adapter.indicate(host(), {first});
    EXPECT_EQ(NDIS_GET_PACKET_STATUS(first), NDIS_STATUS_PENDING);
    EXPECT_EQ(probe_stats(probe_binding).HeldPackets, 1u);
    EXPECT_EQ(binding->held().size(), 1u);
    EXPECT_EQ(binding->return_held(), 1u);
    EXPECT_EQ(adapter.return_count(), 0u) << "probe still holds the packet";
    EXPECT_EQ(probe().return_held(probe_binding), 1u);
    ASSERT_TRUE(adapter.wait([&] { return adapter.returned().size() == 1; }));
    EXPECT_EQ(adapter.returns_of(first), 1u);

    PNDIS_PACKET second = adapter.rx_packet(make_probe_frame(adapter.mac, kRemote, kSender, 1, 100));
    adapter.indicate(host(), {second});
    EXPECT_EQ(NDIS_GET_PACKET_STATUS(second), NDIS_STATUS_PENDING);
    EXPECT_EQ(probe().return_held(probe_binding), 1u);
    EXPECT_EQ(adapter.returns_of(second), 0u) << "the in-test protocol still holds the packet";
    EXPECT_EQ(binding->return_held(), 1u);
    ASSERT_TRUE(adapter.wait([&] { return adapter.returned().size() == 2; }));
    EXPECT_EQ(adapter.returns_of(second), 1u);
    EXPECT_EQ(probe_stats(probe_binding).PayloadErrors, 0u);
    EXPECT_EQ(verifier::count(Rule::PacketReturnMismatch), 0u);
}

// A ProtocolReceivePacket result of 2 owes two NdisReturnPackets calls.
TEST_F(Seed_2_7_1, Seed_2_7_1_1_ReturnCountFollowsReceivePacketResult) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    binding->receive_packet_result = [](PNDIS_PACKET) { return 2; };
    PNDIS_PACKET p = adapter.rx_packet(test_frame(adapter.mac, 100));
    adapter.indicate(host(), {p});
    EXPECT_EQ(NDIS_GET_PACKET_STATUS(p), NDIS_STATUS_PENDING);
    ASSERT_EQ(binding->held().size(), 2u);
    EXPECT_EQ(binding->return_held(1), 1u);
    EXPECT_EQ(adapter.return_count(), 0u);
    EXPECT_EQ(binding->return_held(1), 1u);
    ASSERT_TRUE(adapter.wait([&] { return adapter.returned().size() == 1; }));
    EXPECT_EQ(adapter.returns_of(p), 1u);
    EXPECT_EQ(verifier::count(Rule::PacketReturnMismatch), 0u);
}

// Returning more often than ProtocolReceivePacket's result promised is a verifier report, and
// the miniport still sees exactly one MiniportReturnPacket.
TEST_F(Seed_2_7_1, Seed_2_7_1_1_ReturnTwiceIsReportedAndMiniportSeesOneReturn) {
    TestAdapter& adapter = test_adapter(serialized_miniport());
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    binding->receive_packet_result = [](PNDIS_PACKET) { return 1; };
    PNDIS_PACKET p = adapter.rx_packet(test_frame(adapter.mac, 100));
    adapter.indicate(host(), {p});
    ASSERT_EQ(NDIS_GET_PACKET_STATUS(p), NDIS_STATUS_PENDING);
    NdisReturnPackets(&p, 1);
    ASSERT_TRUE(adapter.wait([&] { return adapter.returned().size() == 1; }));
    NdisReturnPackets(&p, 1);
    EXPECT_EQ(verifier::count(Rule::PacketReturnMismatch), 1u);
    EXPECT_EQ(adapter.returns_of(p), 1u);
    binding->forget_held();  // the test returned it by hand
    // The miniport owns it again and can indicate it once more.
    NDIS_SET_PACKET_STATUS(p, NDIS_STATUS_SUCCESS);
    binding->receive_packet_result = [](PNDIS_PACKET) { return 0; };
    adapter.indicate(host(), {p});
    EXPECT_EQ(NDIS_GET_PACKET_STATUS(p), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(verifier::count(Rule::PacketNotOwned), 0u);
    EXPECT_EQ(adapter.returns_of(p), 1u);
}

// A miniport may not indicate a descriptor a protocol still holds: the verifier reports it, the
// protocols do not see it twice, and the one outstanding return still comes back once.
TEST_F(Seed_2_7_1, Seed_2_7_1_1_ReindicatingHeldPacketIsReported) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    binding->receive_packet_result = [](PNDIS_PACKET) { return 1; };
    PNDIS_PACKET p = adapter.rx_packet(test_frame(adapter.mac, 100));
    adapter.indicate(host(), {p});
    ASSERT_EQ(NDIS_GET_PACKET_STATUS(p), NDIS_STATUS_PENDING);
    NDIS_SET_PACKET_STATUS(p, NDIS_STATUS_SUCCESS);
    adapter.indicate(host(), {p});
    EXPECT_EQ(verifier::count(Rule::PacketNotOwned), 1u);
    EXPECT_EQ(binding->receive_count(), 1u);
    EXPECT_EQ(binding->return_held(), 1u);
    ASSERT_TRUE(adapter.wait([&] { return adapter.returned().size() == 1; }));
    EXPECT_EQ(adapter.returns_of(p), 1u);
}

// A serialized miniport gets MiniportReturnPacket one call at a time like every other
// MiniportXxx, whichever threads return the packets.
TEST_F(Seed_2_7_1, Seed_2_7_1_1_SerializedMiniportReturnsAreSerialized) {
    MiniportOptions options;
    options.serialized = true;
    TestAdapter& adapter = test_adapter(options);
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    binding->receive_packet_result = [](PNDIS_PACKET) { return 1; };
    std::vector<PNDIS_PACKET> packets;
    for (int i = 0; i < 64; ++i) packets.push_back(adapter.rx_packet(test_frame(adapter.mac, 100, UCHAR(i))));
    adapter.indicate(host(), packets);
    ASSERT_EQ(binding->held().size(), 64u);
    binding->forget_held();
    std::vector<std::thread> returners;
    for (int t = 0; t < 2; ++t) {
        returners.emplace_back([&, t] {
            for (std::size_t i = t; i < packets.size(); i += 2) NdisReturnPackets(&packets[i], 1);
        });
    }
    at_dispatch([&] {
        for (int i = 0; i < 8; ++i) NdisMSendResourcesAvailable(adapter.handle);  // NDIS work in the gate meanwhile
    }, 1);
    for (auto& t : returners) t.join();
    ASSERT_TRUE(adapter.wait([&] { return adapter.returned().size() == 64; }));
    for (PNDIS_PACKET p : packets) EXPECT_EQ(adapter.returns_of(p), 1u);
    EXPECT_EQ(adapter.max_concurrent_calls(), 1);
}

// §2.7.1.3: with ProtocolReceivePacket the OOB data is read with the NDIS macros
// (NDIS_GET_PACKET_TIME_RECEIVED, NDIS_GET_PACKET_TIME_SENT, NDIS_GET_PACKET_MEDIA_SPECIFIC_INFO,
// the header size) straight from the indicated descriptor.
TEST_F(Seed_2_7_1, Seed_2_7_1_3_OobOfIndicatedPacketVisibleInReceivePacket) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    static MEDIA_SPECIFIC_INFORMATION media{0, NdisClass802_3Priority, 1, {3}};
    PNDIS_PACKET p = adapter.rx_packet(test_frame(adapter.mac, 300));
    NDIS_SET_PACKET_TIME_RECEIVED(p, 0x1122334455667788ull);
    NDIS_SET_PACKET_TIME_SENT(p, 0x0102030405060708ull);
    NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(p, &media, sizeof media);
    adapter.indicate(host(), {p});
    auto receives = binding->receives();
    ASSERT_EQ(receives.size(), 1u);
    EXPECT_TRUE(receives[0].via_receive_packet);
    EXPECT_EQ(receives[0].time_received, 0x1122334455667788ull);
    EXPECT_EQ(receives[0].time_sent, 0x0102030405060708ull);
    EXPECT_EQ(receives[0].media_info, static_cast<PVOID>(&media));
    EXPECT_EQ(receives[0].media_info_size, sizeof media);
    EXPECT_EQ(receives[0].oob_header_size, 14u);
    EXPECT_EQ(receives[0].original, nullptr);
}

// ---- §2.7.1.2 ProtocolReceive -------------------------------------------------------------------

// "如果低层NIC驱动程序用NdisMIndicateReceivePacket函数指示接收数据包时,被指示的数据包描述符的OOB
// 数据块状态设为NDIS_STATUS_RESOUCES,那么ProtocolReceive也可以被调用 ... 前视缓冲的大小总是与数据包的
// 大小相等": the whole frame as lookahead, even to a protocol that has ProtocolReceivePacket, the
// miniport keeps the packet (no MiniportReturnPacket), ProtocolReceiveComplete follows.
TEST_F(Seed_2_7_1, Seed_2_7_1_2_ResourcesPacketGoesToReceiveWithWholeFrame) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    binding->receive_packet_result = [](PNDIS_PACKET) { return 1; };
    Frame f = test_frame(adapter.mac, 1000, 9);
    PNDIS_PACKET p = adapter.rx_packet(f, NDIS_STATUS_RESOURCES);
    adapter.indicate(host(), {p});
    auto receives = binding->receives();
    ASSERT_EQ(receives.size(), 1u);
    const ReceiveRecord& r = receives[0];
    EXPECT_FALSE(r.via_receive_packet);
    EXPECT_EQ(r.header_size, 14u);
    EXPECT_EQ(r.lookahead_size, 986u);
    EXPECT_EQ(r.packet_size, 986u);
    EXPECT_EQ(r.frame, f);
    EXPECT_EQ(r.irql, DISPATCH_LEVEL);
    EXPECT_EQ(binding->held().size(), 0u);
    EXPECT_NE(NDIS_GET_PACKET_STATUS(p), NDIS_STATUS_PENDING);
    EXPECT_EQ(adapter.return_count(), 0u);
    EXPECT_EQ(binding->events(), (std::vector<std::string>{"r", "rc"}));
}

// loop with IndicationStyle 2 (packet arrays marked NDIS_STATUS_RESOURCES): probe counts every
// frame as received through ProtocolReceive without NdisTransferData, holds nothing even in
// hold mode, and loop has nothing outstanding.
TEST_F(Seed_2_7_1, Seed_2_7_1_2_LoopResourcesIndicationsReachProbeReceive) {
    auto& a = loop_adapter({{"Wire", dword(3)}});
    auto& b = loop_adapter({{"Wire", dword(3)}, {"IndicationStyle", dword(2)}, {"ReceiveBuffers", dword(1024)}});
    probe().set_receive_mode(b.probe, PROBE_RECEIVE_HOLD);
    Frame f = make_probe_frame(stack_mac(b), kRemote, kSender, 0, 600);
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    at_dispatch([&] { status = loop().indicate_frames(b.loop, f.data(), UINT(f.size()), 16, 8); });
    ASSERT_EQ(status, NDIS_STATUS_SUCCESS);
    PROBE_STATS s = probe_stats(b.probe);
    EXPECT_EQ(s.ReceivedViaReceive, 16u);
    EXPECT_EQ(s.ReceivedViaReceivePacket, 0u);
    EXPECT_EQ(s.TransferDataCalls, 0u);
    EXPECT_EQ(s.HeldPackets, 0u);
    EXPECT_EQ(s.PayloadErrors, 0u);
    EXPECT_GE(s.ReceiveCompletes, 1u);
    EXPECT_EQ(loop_stats(b.loop).ReturnsOutstanding, 0u);

    probe().reset_stats(b.probe);
    ASSERT_EQ(probe().send(a.probe, b.mac.data(), 300, 48, 16, 0), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_received(b.probe, 48, kWaitMs), NDIS_STATUS_SUCCESS);
    s = probe_stats(b.probe);
    EXPECT_EQ(s.ReceivedViaReceive, 48u);
    EXPECT_EQ(s.PayloadErrors, 0u);
    EXPECT_EQ(s.SequenceErrors, 0u);
    EXPECT_EQ(s.HeldPackets, 0u);
}

// "该状态指示的数据包将导致NDIS以该包及数组中相继的其他包为参数调用高层驱动程序的ProtocolReceive函数":
// only the packets before the RESOURCES one can be held; it and every later packet are copied
// through ProtocolReceive and stay the miniport's.
TEST_F(Seed_2_7_1, Seed_2_7_1_2_ResourcesMidArrayAppliesToItAndLaterPackets) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    binding->receive_packet_result = [](PNDIS_PACKET) { return 1; };
    std::vector<Frame> frames;
    std::vector<PNDIS_PACKET> packets;
    for (int i = 0; i < 4; ++i) {
        frames.push_back(test_frame(adapter.mac, 100 + 50 * i, UCHAR(i)));
        packets.push_back(adapter.rx_packet(frames.back(), i == 1 ? NDIS_STATUS_RESOURCES : NDIS_STATUS_SUCCESS));
    }
    adapter.indicate(host(), packets);
    auto receives = binding->receives();
    ASSERT_EQ(receives.size(), 4u);
    EXPECT_TRUE(receives[0].via_receive_packet);
    EXPECT_EQ(receives[0].packet, packets[0]);
    for (int i = 1; i < 4; ++i) {
        EXPECT_FALSE(receives[i].via_receive_packet) << "packet " << i;
        EXPECT_EQ(receives[i].frame, frames[i]) << "packet " << i;
        EXPECT_EQ(receives[i].lookahead_size, receives[i].packet_size) << "packet " << i;
    }
    EXPECT_EQ(NDIS_GET_PACKET_STATUS(packets[0]), NDIS_STATUS_PENDING);
    for (int i = 1; i < 4; ++i) EXPECT_NE(NDIS_GET_PACKET_STATUS(packets[i]), NDIS_STATUS_PENDING) << "packet " << i;
    ASSERT_EQ(binding->held(), std::vector<PNDIS_PACKET>{packets[0]});
    EXPECT_EQ(adapter.return_count(), 0u);
    EXPECT_EQ(binding->return_held(), 1u);
    ASSERT_TRUE(adapter.wait([&] { return adapter.returned().size() == 1; }));
    EXPECT_EQ(adapter.returned(), std::vector<PNDIS_PACKET>{packets[0]});
    auto events = binding->events();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back(), "rc");
}

// "如果前视缓冲区尺寸小于接收到的包大小,中间层驱动程序必须首先在ProtocolReceive的环境中调用
// NdisTransferData复制接收数据包的其余部分": a 64-byte lookahead of a 1000-byte frame; NdisTransferData
// inside ProtocolReceive completes synchronously with every byte (ByteOffset counts from the end
// of the header), either for the whole data or for the rest after the lookahead.
TEST_F(Seed_2_7_1, Seed_2_7_1_2_PartialLookaheadThenSynchronousTransferData) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    TxPool& pool = tx_pool(2);
    PNDIS_PACKET whole = pool.build(Frame(986, 0), 2);
    PNDIS_PACKET rest = pool.build(Frame(922, 0), 3);
    ASSERT_NE(whole, nullptr);
    ASSERT_NE(rest, nullptr);
    auto state = std::make_shared<TransferState>();
    binding->on_receive = [state, whole, rest](TestBinding& self, NDIS_HANDLE context, const ReceiveRecord& r) {
        bool first = state->statuses.empty();
        UINT offset = first ? 0 : r.lookahead_size;
        NDIS_STATUS status = NDIS_STATUS_FAILURE;
        UINT n = 0;
        NdisTransferData(&status, self.handle, context, offset, r.packet_size - offset, first ? whole : rest, &n);
        std::lock_guard lock(state->mutex);
        state->statuses.push_back(status);
        state->transferred.push_back(n);
        return NDIS_STATUS_SUCCESS;
    };
    Frame f = test_frame(adapter.mac, 1000, 11);
    adapter.indicate_lookahead(host(), f, 64);
    adapter.indicate_lookahead(host(), f, 64);

    auto receives = binding->receives();
    ASSERT_EQ(receives.size(), 2u);
    for (const ReceiveRecord& r : receives) {
        EXPECT_FALSE(r.via_receive_packet);
        EXPECT_EQ(r.header_size, 14u);
        EXPECT_EQ(r.lookahead_size, 64u);
        EXPECT_EQ(r.packet_size, 986u);
        EXPECT_EQ(r.frame, Frame(f.begin(), f.begin() + 78));
        EXPECT_EQ(r.irql, DISPATCH_LEVEL);
    }
    std::lock_guard lock(state->mutex);
    ASSERT_EQ(state->statuses.size(), 2u);
    EXPECT_EQ(state->statuses[0], NDIS_STATUS_SUCCESS);
    EXPECT_EQ(state->statuses[1], NDIS_STATUS_SUCCESS);
    EXPECT_EQ(state->transferred[0], 986u);
    EXPECT_EQ(state->transferred[1], 922u);
    EXPECT_EQ(packet_bytes(whole), tail(f, 14));
    EXPECT_EQ(packet_bytes(rest), tail(f, 78));
    EXPECT_EQ(binding->receive_completes(), 2u);
    EXPECT_EQ(verifier::count(Rule::TransferDataOutsideReceive), 0u);
}

// loop with IndicationStyle 1 (LookaheadBytes 64) and 1000-byte frames over the wire: probe
// receives every frame through ProtocolReceive + NdisTransferData, synchronously, intact.
TEST_F(Seed_2_7_1, Seed_2_7_1_2_LoopPartialLookaheadProbeTransfers) {
    auto& a = loop_adapter({{"Wire", dword(4)}});
    auto& b = loop_adapter({{"Wire", dword(4)},
                            {"IndicationStyle", dword(1)},
                            {"LookaheadBytes", dword(64)},
                            {"ReceiveBuffers", dword(1024)}});
    ASSERT_EQ(probe().send(a.probe, b.mac.data(), 1000, 50, 10, 0), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_received(b.probe, 50, kWaitMs), NDIS_STATUS_SUCCESS);
    PROBE_STATS s = probe_stats(b.probe);
    EXPECT_EQ(s.ReceivedViaReceive, 50u);
    EXPECT_EQ(s.ReceivedViaReceivePacket, 0u);
    EXPECT_EQ(s.TransferDataCalls, 50u);
    EXPECT_EQ(s.TransferDataPended, 0u);
    EXPECT_EQ(s.PayloadErrors, 0u);
    EXPECT_EQ(s.SequenceErrors, 0u);
    EXPECT_EQ(s.ReceiveDropped, 0u);

    // Synchronously in this thread's indication: the transfer and ProtocolReceiveComplete.
    Frame f = make_probe_frame(stack_mac(b), kRemote, kSender, 0, 1000);
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    at_dispatch([&] { status = loop().indicate_frames(b.loop, f.data(), UINT(f.size()), 4, 4); });
    ASSERT_EQ(status, NDIS_STATUS_SUCCESS);
    s = probe_stats(b.probe);
    EXPECT_EQ(s.TransferDataCalls, 54u);
    EXPECT_EQ(s.ReceivedViaReceive, 54u);
    EXPECT_EQ(s.PayloadErrors, 0u);
    EXPECT_GE(s.ReceiveCompletes, 1u);
}

// "如果复制接收数据包剩余部分的NdisTransferData函数调用返回NDIS_STATUS_PENDING,那么当传输操作完成后,
// 将调用ProtocolTransferDataComplete函数": MiniportTransferData pends, NdisTransferData says PENDING,
// NdisMTransferDataComplete reaches ProtocolTransferDataComplete with the packet and byte count.
TEST_F(Seed_2_7_1, Seed_2_7_1_2_TransferDataPendsThenTransferDataComplete) {
    TestAdapter& adapter = test_adapter();
    adapter.transfer_pends = true;
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    TxPool& pool = tx_pool(1);
    PNDIS_PACKET destination = pool.build(Frame(986, 0), 2);
    ASSERT_NE(destination, nullptr);
    auto state = std::make_shared<TransferState>();
    binding->on_receive = [state, destination](TestBinding& self, NDIS_HANDLE context, const ReceiveRecord& r) {
        NDIS_STATUS status = NDIS_STATUS_FAILURE;
        UINT n = 0;
        NdisTransferData(&status, self.handle, context, 0, r.packet_size, destination, &n);
        std::lock_guard lock(state->mutex);
        state->statuses.push_back(status);
        return NDIS_STATUS_SUCCESS;
    };
    Frame f = test_frame(adapter.mac, 1000, 21);
    adapter.indicate_lookahead(host(), f, 64);
    {
        std::lock_guard lock(state->mutex);
        ASSERT_EQ(state->statuses, std::vector<NDIS_STATUS>{NDIS_STATUS_PENDING});
    }
    EXPECT_TRUE(binding->transfer_completes().empty());
    adapter.complete_transfers(host());
    ASSERT_TRUE(binding->wait([&] { return binding->transfer_completes().size() == 1; }));
    auto done = binding->transfer_completes()[0];
    EXPECT_EQ(done.packet, destination);
    EXPECT_EQ(done.status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(done.bytes, 986u);
    EXPECT_EQ(done.data, tail(f, 14));
}

// loop with TransferPends 1: every NdisTransferData of probe pends and completes later through
// ProtocolTransferDataComplete with the right data.
TEST_F(Seed_2_7_1, Seed_2_7_1_2_LoopTransferPendsProbeCompletes) {
    auto& b = loop_adapter({{"Wire", dword(5)},
                            {"IndicationStyle", dword(1)},
                            {"LookaheadBytes", dword(64)},
                            {"TransferPends", dword(1)}});
    Frame f = make_probe_frame(stack_mac(b), kRemote, kSender, 0, 1000);
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    at_dispatch([&] { status = loop().indicate_frames(b.loop, f.data(), UINT(f.size()), 8, 8); });
    ASSERT_EQ(status, NDIS_STATUS_SUCCESS);
    PROBE_STATS s = probe_stats(b.probe);
    EXPECT_EQ(s.TransferDataCalls, 8u);
    EXPECT_EQ(s.TransferDataPended, 8u);
    ASSERT_EQ(probe().wait_received(b.probe, 8, kWaitMs), NDIS_STATUS_SUCCESS);
    s = probe_stats(b.probe);
    EXPECT_EQ(s.ReceivedViaReceive, 8u);
    EXPECT_EQ(s.PayloadErrors, 0u);
    EXPECT_EQ(s.ReceiveDropped, 0u);
}

// "中间层驱动程序在以后的ProtocolReceiveComplete函数中对接收数据包进行处理": ProtocolReceiveComplete
// comes after the ProtocolReceive calls — for lookahead indications when the miniport calls
// NdisMEthIndicateReceiveComplete, not before; for packets NDIS copied through ProtocolReceive
// before NdisMIndicateReceivePacket returns.
TEST_F(Seed_2_7_1, Seed_2_7_1_2_ReceiveCompleteFollowsReceiveIndications) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    Frame f = test_frame(adapter.mac, 80);
    for (int i = 0; i < 3; ++i) adapter.indicate_lookahead(host(), f, 66, false);
    EXPECT_EQ(binding->receive_completes(), 0u);
    adapter.indicate_receive_complete(host());
    EXPECT_EQ(binding->receive_completes(), 1u);
    EXPECT_EQ(binding->events(), (std::vector<std::string>{"r", "r", "r", "rc"}));

    PNDIS_PACKET p0 = adapter.rx_packet(f, NDIS_STATUS_RESOURCES);
    PNDIS_PACKET p1 = adapter.rx_packet(f, NDIS_STATUS_RESOURCES);
    adapter.indicate(host(), {p0, p1});
    EXPECT_EQ(binding->events(), (std::vector<std::string>{"r", "r", "r", "rc", "r", "r", "rc"}));
}

// "NdisTransferData必须在ProtocolReceive环境中调用,而且只能调用一次": after ProtocolReceive returned,
// the MacReceiveContext is dead — the call fails, the verifier reports it, the miniport is not
// called.
TEST_F(Seed_2_7_1, Seed_2_7_1_2_TransferDataOutsideReceiveIsReported) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    auto state = std::make_shared<TransferState>();
    binding->on_receive = [state](TestBinding&, NDIS_HANDLE context, const ReceiveRecord&) {
        std::lock_guard lock(state->mutex);
        state->saved_context = context;
        return NDIS_STATUS_SUCCESS;
    };
    TxPool& pool = tx_pool(1);
    PNDIS_PACKET destination = pool.build(Frame(986, 0));
    ASSERT_NE(destination, nullptr);
    Frame f = test_frame(adapter.mac, 1000);
    adapter.indicate_lookahead(host(), f, 64);
    NDIS_HANDLE context = state->saved_context;
    ASSERT_NE(context, nullptr);
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    UINT n = 12345;
    at_dispatch([&] { NdisTransferData(&status, binding->handle, context, 0, 986, destination, &n); });
    EXPECT_NE(status, NDIS_STATUS_SUCCESS);
    EXPECT_NE(status, NDIS_STATUS_PENDING);
    EXPECT_EQ(verifier::count(Rule::TransferDataOutsideReceive), 1u);
    EXPECT_TRUE(adapter.transfers().empty());
}

TEST_F(Seed_2_7_1, Seed_2_7_1_2_TransferDataTwiceInOneReceiveIsReported) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = bind_filtered(adapter, kFilterDirected, "tproto");
    ASSERT_NE(binding, nullptr);
    TxPool& pool = tx_pool(2);
    PNDIS_PACKET d1 = pool.build(Frame(986, 0));
    PNDIS_PACKET d2 = pool.build(Frame(986, 0));
    ASSERT_NE(d2, nullptr);
    auto state = std::make_shared<TransferState>();
    binding->on_receive = [state, d1, d2](TestBinding& self, NDIS_HANDLE context, const ReceiveRecord& r) {
        for (PNDIS_PACKET d : {d1, d2}) {
            NDIS_STATUS status = NDIS_STATUS_FAILURE;
            UINT n = 0;
            NdisTransferData(&status, self.handle, context, 0, r.packet_size, d, &n);
            std::lock_guard lock(state->mutex);
            state->statuses.push_back(status);
        }
        return NDIS_STATUS_SUCCESS;
    };
    adapter.indicate_lookahead(host(), test_frame(adapter.mac, 1000), 64);
    EXPECT_EQ(verifier::count(Rule::TransferDataOutsideReceive), 1u);
    std::lock_guard lock(state->mutex);
    ASSERT_EQ(state->statuses.size(), 2u);
    EXPECT_EQ(state->statuses[0], NDIS_STATUS_SUCCESS);
}

// For packets NDIS indicates through ProtocolReceive (here: a protocol without
// ProtocolReceivePacket) NDIS has the whole frame: NdisTransferData copies it from the packet and
// never calls MiniportTransferData.
TEST_F(Seed_2_7_1, Seed_2_7_1_2_TransferDataOnPacketIndicationCopiesWithoutMiniport) {
    TestAdapter& adapter = test_adapter();
    ProtocolOptions options;
    options.receive_packet_handler = false;
    TestBinding* binding = test_protocol("tnorp", options).bind(host(), adapter.info.device_name);
    ASSERT_NE(binding, nullptr);
    ASSERT_EQ(binding->set_packet_filter(kFilterDirected), NDIS_STATUS_SUCCESS);
    TxPool& pool = tx_pool(1);
    PNDIS_PACKET destination = pool.build(Frame(100, 0), 2);
    ASSERT_NE(destination, nullptr);
    auto state = std::make_shared<TransferState>();
    binding->on_receive = [state, destination](TestBinding& self, NDIS_HANDLE context, const ReceiveRecord&) {
        NDIS_STATUS status = NDIS_STATUS_FAILURE;
        UINT n = 0;
        NdisTransferData(&status, self.handle, context, 10, 100, destination, &n);
        std::lock_guard lock(state->mutex);
        state->statuses.push_back(status);
        state->transferred.push_back(n);
        return NDIS_STATUS_SUCCESS;
    };
    Frame f = test_frame(adapter.mac, 500, 33);
    adapter.indicate(host(), {adapter.rx_packet(f)});
    std::lock_guard lock(state->mutex);
    ASSERT_EQ(state->statuses, std::vector<NDIS_STATUS>{NDIS_STATUS_SUCCESS});
    EXPECT_EQ(state->transferred[0], 100u);
    EXPECT_EQ(packet_bytes(destination), Frame(f.begin() + 24, f.begin() + 124));
    EXPECT_TRUE(adapter.transfers().empty());
    EXPECT_EQ(verifier::count(Rule::TransferDataOutsideReceive), 0u);
}

// ---- §2.7.1.3 OOB data through ProtocolReceive ----------------------------------------------------

// "中间层驱动程序在ProtocolReceive处理中必须以NIDS_GET_ORIGINAL_PACKET为参数调用NdisGetReceivePacket
// 找到这些信息": a protocol without ProtocolReceivePacket gets packet indications through
// ProtocolReceive; NdisGetReceivedPacket returns the indicated descriptor with its OOB data;
// the packet is never held (status SUCCESS on return, no MiniportReturnPacket).
TEST_F(Seed_2_7_1, Seed_2_7_1_3_GetReceivedPacketReturnsIndicatedPacketInReceive) {
    TestAdapter& adapter = test_adapter(serialized_miniport());
    ProtocolOptions options;
    options.receive_packet_handler = false;
    TestBinding* binding = test_protocol("tnorp", options).bind(host(), adapter.info.device_name);
    ASSERT_NE(binding, nullptr);
    ASSERT_EQ(binding->set_packet_filter(kFilterDirected), NDIS_STATUS_SUCCESS);
    static MEDIA_SPECIFIC_INFORMATION media{0, NdisClass802_3Priority, 1, {4}};
    Frame f = test_frame(adapter.mac, 400, 5);
    PNDIS_PACKET p = adapter.rx_packet(f);
    NDIS_SET_PACKET_TIME_RECEIVED(p, 0xCAFEF00Dull);
    NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(p, &media, sizeof media);
    adapter.indicate(host(), {p});
    auto receives = binding->receives();
    ASSERT_EQ(receives.size(), 1u);
    const ReceiveRecord& r = receives[0];
    EXPECT_FALSE(r.via_receive_packet);
    EXPECT_EQ(r.packet, p);
    EXPECT_EQ(r.original, nullptr) << "no IM replaced the descriptor: the driver uses the packet itself";
    EXPECT_EQ(r.lookahead_size, 386u);
    EXPECT_EQ(r.packet_size, 386u);
    EXPECT_EQ(r.frame, f);
    EXPECT_EQ(r.time_received, 0xCAFEF00Dull);
    EXPECT_EQ(r.media_info, static_cast<PVOID>(&media));
    EXPECT_EQ(r.media_info_size, sizeof media);
    EXPECT_EQ(r.oob_header_size, 14u);
    EXPECT_EQ(NDIS_GET_PACKET_STATUS(p), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(adapter.return_count(), 0u);
    EXPECT_EQ(binding->receive_completes(), 1u);
}

// An IM that indicates its own descriptor for a packet it received sets the original with
// NDIS_SET_ORIGINAL_PACKET; the protocol above finds it through NdisGetReceivedPacket.
TEST_F(Seed_2_7_1, Seed_2_7_1_3_OriginalPacketReachableThroughGetReceivedPacket) {
    TestAdapter& adapter = test_adapter();
    ProtocolOptions options;
    options.receive_packet_handler = false;
    TestBinding* binding = test_protocol("tnorp", options).bind(host(), adapter.info.device_name);
    ASSERT_NE(binding, nullptr);
    ASSERT_EQ(binding->set_packet_filter(kFilterDirected), NDIS_STATUS_SUCCESS);
    Frame f = test_frame(adapter.mac, 120);
    PNDIS_PACKET lower = adapter.rx_packet(f);
    PNDIS_PACKET mine = adapter.rx_packet(f);
    NDIS_SET_ORIGINAL_PACKET(mine, lower);
    adapter.indicate(host(), {mine});
    auto receives = binding->receives();
    ASSERT_EQ(receives.size(), 1u);
    EXPECT_EQ(receives[0].packet, mine);
    EXPECT_EQ(receives[0].original, lower);
}

// For a lookahead indication there is no packet: NdisGetReceivedPacket returns NULL.
TEST_F(Seed_2_7_1, Seed_2_7_1_3_GetReceivedPacketIsNullForLookaheadIndication) {
    TestAdapter& adapter = test_adapter();
    ProtocolOptions options;
    options.receive_packet_handler = false;
    TestBinding* binding = test_protocol("tnorp", options).bind(host(), adapter.info.device_name);
    ASSERT_NE(binding, nullptr);
    ASSERT_EQ(binding->set_packet_filter(kFilterDirected), NDIS_STATUS_SUCCESS);
    Frame f = test_frame(adapter.mac, 200);
    adapter.indicate_lookahead(host(), f, 186);
    auto receives = binding->receives();
    ASSERT_EQ(receives.size(), 1u);
    EXPECT_EQ(receives[0].packet, nullptr);
    EXPECT_EQ(receives[0].frame, f);
}

// ---- §2.7 the per-open packet filter -----------------------------------------------------------

// Adapters A and B on one wire, probe bound to both; an in-test protocol on B in promiscuous mode
// observes every frame B indicates. A frame sent to a station nobody has, after the frame under
// test, marks the end: once the observer saw it, every open on B has dealt with the frame before
// it, because B indicates in order. Filters are set through probe's NdisRequest.
class FilterTest : public DatapathTest {
protected:
    void make_rig(ULONG indication_style = 0) {
        a_ = &loop_adapter({{"Wire", dword(11)}});
        b_ = &loop_adapter({{"Wire", dword(11)}, {"IndicationStyle", dword(indication_style)},
                            {"ReceiveBuffers", dword(1024)}});
        observer_ = test_protocol("tobserve").bind(host(), b_->info.device_name);
        ASSERT_NE(observer_, nullptr);
        ASSERT_EQ(observer_->set_packet_filter(NDIS_PACKET_TYPE_PROMISCUOUS), NDIS_STATUS_SUCCESS);
    }
    void set_filter(ULONG filter) {
        ASSERT_EQ(probe_set(b_->probe, OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof filter), NDIS_STATUS_SUCCESS);
    }
    void set_multicast(std::vector<Mac> list) {
        ASSERT_EQ(probe_set(b_->probe, OID_802_3_MULTICAST_LIST, list.data(), UINT(list.size() * 6)),
                  NDIS_STATUS_SUCCESS);
    }
    // Probe frames probe on B received from one frame probe on A sent to `destination`, plus the
    // end marker (which only a promiscuous open receives).
    ULONG64 delivered(const Mac& destination) {
        ULONG64 before = probe_stats(b_->probe).ReceivedFrames;
        EXPECT_EQ(probe().send(a_->probe, destination.data(), 64, 1, 1, 0), NDIS_STATUS_SUCCESS);
        Mac marker{0x02, 0xEE, 0xEE, 0xEE, 0xEE, ++markers_};
        EXPECT_EQ(probe().send(a_->probe, marker.data(), 64, 1, 1, 0), NDIS_STATUS_SUCCESS);
        EXPECT_TRUE(observer_->wait([&] {
            auto receives = observer_->receives();
            return std::any_of(receives.begin(), receives.end(),
                               [&](const ReceiveRecord& r) { return mac_of(r.frame) == marker; });
        })) << "the end marker never reached B";
        return probe_stats(b_->probe).ReceivedFrames - before;
    }
    Mac b_mac() const { return stack_mac(*b_); }

    static constexpr Mac kGroup1{0x01, 0x00, 0x5E, 0x7F, 0x00, 0x01};
    static constexpr Mac kGroup2{0x01, 0x00, 0x5E, 0x7F, 0x00, 0x02};
    static constexpr Mac kOther{0x02, 0xAB, 0xCD, 0xEF, 0x00, 0x01};

    host::StackAdapter* a_ = nullptr;
    host::StackAdapter* b_ = nullptr;
    TestBinding* observer_ = nullptr;
    UCHAR markers_ = 0;
};

class Seed_2_7_Filter : public FilterTest {};

// Every frame reaches the observer whatever the other open's filter: the filter is per open.
// NDIS_PACKET_TYPE_DIRECTED alone: frames for this station only.
TEST_F(Seed_2_7_Filter, Seed_2_7_FilterDirectedOnlySeesOnlyOwnAddress) {
    ASSERT_NO_FATAL_FAILURE(make_rig());
    ASSERT_NO_FATAL_FAILURE(set_filter(NDIS_PACKET_TYPE_DIRECTED));
    EXPECT_EQ(delivered(b_mac()), 1u);
    EXPECT_EQ(delivered(kBroadcast), 0u);
    EXPECT_EQ(delivered(kGroup1), 0u);
    EXPECT_EQ(delivered(kOther), 0u);
}

TEST_F(Seed_2_7_Filter, Seed_2_7_FilterBroadcastBitAddsBroadcast) {
    ASSERT_NO_FATAL_FAILURE(make_rig());
    ASSERT_NO_FATAL_FAILURE(set_filter(NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST));
    EXPECT_EQ(delivered(kBroadcast), 1u);
    EXPECT_EQ(delivered(b_mac()), 1u);
    EXPECT_EQ(delivered(kGroup1), 0u);
    ASSERT_NO_FATAL_FAILURE(set_filter(NDIS_PACKET_TYPE_BROADCAST));
    EXPECT_EQ(delivered(kBroadcast), 1u);
    EXPECT_EQ(delivered(b_mac()), 0u);
}

// NDIS_PACKET_TYPE_MULTICAST: only the groups in the open's OID_802_3_MULTICAST_LIST.
TEST_F(Seed_2_7_Filter, Seed_2_7_FilterMulticastListMembership) {
    ASSERT_NO_FATAL_FAILURE(make_rig());
    ASSERT_NO_FATAL_FAILURE(set_filter(NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST));
    ASSERT_NO_FATAL_FAILURE(set_multicast({kGroup1}));
    EXPECT_EQ(delivered(kGroup1), 1u);
    EXPECT_EQ(delivered(kGroup2), 0u);
    EXPECT_EQ(delivered(kBroadcast), 0u);
    ASSERT_NO_FATAL_FAILURE(set_multicast({kGroup2}));
    EXPECT_EQ(delivered(kGroup1), 0u);
    EXPECT_EQ(delivered(kGroup2), 1u);
    ASSERT_NO_FATAL_FAILURE(set_multicast({}));
    EXPECT_EQ(delivered(kGroup2), 0u);
}

// NDIS_PACKET_TYPE_ALL_MULTICAST: every group, no list needed; broadcast still needs its bit.
TEST_F(Seed_2_7_Filter, Seed_2_7_FilterAllMulticastSeesEveryGroup) {
    ASSERT_NO_FATAL_FAILURE(make_rig());
    ASSERT_NO_FATAL_FAILURE(set_filter(NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_ALL_MULTICAST));
    EXPECT_EQ(delivered(kGroup1), 1u);
    EXPECT_EQ(delivered(kGroup2), 1u);
    EXPECT_EQ(delivered(kBroadcast), 0u);
    EXPECT_EQ(delivered(kOther), 0u);
}

// NDIS_PACKET_TYPE_PROMISCUOUS: frames for other stations too (and the end markers).
TEST_F(Seed_2_7_Filter, Seed_2_7_FilterPromiscuousSeesOtherStations) {
    ASSERT_NO_FATAL_FAILURE(make_rig());
    ASSERT_NO_FATAL_FAILURE(set_filter(NDIS_PACKET_TYPE_PROMISCUOUS));
    EXPECT_EQ(delivered(kOther), 2u);
    EXPECT_EQ(delivered(kBroadcast), 2u);
    EXPECT_EQ(delivered(kGroup2), 2u);
    EXPECT_EQ(delivered(b_mac()), 2u);
}

// A filter of 0 receives nothing at all.
TEST_F(Seed_2_7_Filter, Seed_2_7_FilterZeroSeesNothing) {
    ASSERT_NO_FATAL_FAILURE(make_rig());
    ASSERT_NO_FATAL_FAILURE(set_filter(0));
    EXPECT_EQ(delivered(b_mac()), 0u);
    EXPECT_EQ(delivered(kBroadcast), 0u);
    EXPECT_EQ(delivered(kGroup1), 0u);
    EXPECT_EQ(delivered(kOther), 0u);
    EXPECT_EQ(probe_stats(b_->probe).ReceiveCompletes, 0u);
}

// The filter applies to lookahead indications (IndicationStyle 1) and to NDIS_STATUS_RESOURCES
// packet arrays (IndicationStyle 2) alike.
TEST_F(Seed_2_7_Filter, Seed_2_7_FilterAppliesToLookaheadIndications) {
    ASSERT_NO_FATAL_FAILURE(make_rig(1));
    ASSERT_NO_FATAL_FAILURE(set_filter(NDIS_PACKET_TYPE_DIRECTED));
    EXPECT_EQ(delivered(b_mac()), 1u);
    EXPECT_EQ(delivered(kBroadcast), 0u);
    EXPECT_EQ(delivered(kOther), 0u);
    EXPECT_EQ(probe_stats(b_->probe).ReceivedViaReceive, 1u);
}

TEST_F(Seed_2_7_Filter, Seed_2_7_FilterAppliesToResourcesIndications) {
    ASSERT_NO_FATAL_FAILURE(make_rig(2));
    ASSERT_NO_FATAL_FAILURE(set_filter(NDIS_PACKET_TYPE_DIRECTED));
    EXPECT_EQ(delivered(b_mac()), 1u);
    EXPECT_EQ(delivered(kBroadcast), 0u);
    EXPECT_EQ(delivered(kOther), 0u);
    EXPECT_EQ(probe_stats(b_->probe).ReceivedViaReceive, 1u);
}

}  // namespace
}  // namespace strata::test::datapath
