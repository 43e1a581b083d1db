// seed_2_4_3_im_requests_test.cpp — conformance: query and set requests through an intermediate
// driver (seed 003 §2.4.3, §2.4.3.1, §2.4.3.2, with §2.8's OID_GEN_MAXIMUM_SEND_PACKETS and
// §2.9.1's power OIDs): an upper protocol's queries through passthru and imcount get the loop
// miniport's answers, sets reach the adapter below, pended lower requests complete up, the IM
// answers OID_PNP_QUERY_POWER / OID_PNP_SET_POWER itself, mirrors OID_GEN_MAXIMUM_SEND_PACKETS,
// and a MUX VELAN answers about the medium it exports.
#include "im_fixture.h"

namespace strata::test::im {
namespace {

class Seed_2_4_3_Im : public ImTest {
protected:
    // Queries whose answers come from loop; near has LinkSpeedMbps 2500 and TxRingSize 48.
    void expect_loop_answers(PVOID top, const host::StackAdapter& near) {
        EXPECT_EQ(probe_mac(top), near.mac) << "OID_802_3_CURRENT_ADDRESS";
        EXPECT_EQ(probe_ulong(top, OID_GEN_MAXIMUM_FRAME_SIZE), 1500u);
        EXPECT_EQ(probe_ulong(top, OID_GEN_LINK_SPEED), 2500u * 10000u) << "LinkSpeedMbps in 100 bps units";
        EXPECT_EQ(probe_ulong(top, OID_GEN_MAXIMUM_SEND_PACKETS), 48u) << "loop's TxRingSize";
        char description[64] = {};
        UINT done = 0;
        EXPECT_EQ(probe_query(top, OID_GEN_VENDOR_DESCRIPTION, description, sizeof description, &done),
                  NDIS_STATUS_SUCCESS);
        EXPECT_STREQ(description, "Strata loop virtual Ethernet adapter");
    }
    static std::map<std::string, Value> near_parameters() {
        return {{"LinkSpeedMbps", Value::dword(2500)}, {"TxRingSize", Value::dword(48)}};
    }
};

// "在某些情况下,中间层驱动程序所起的作用仅仅是将这些请求传递给低层驱动程序": queries through passthru come back
// with the loop miniport's values.
TEST_F(Seed_2_4_3_Im, Seed_2_4_3_2_QueriesThroughPassthruReturnTheLoopMiniportsValues) {
    if (!have_passthru()) GTEST_SKIP() << "drivers/passthru is not built";
    Chain c = chain(70, {"passthru"}, near_parameters());
    ASSERT_TRUE(ok(c));
    PASSTHRU_COUNTERS before{};
    ASSERT_TRUE(passthru_stats(c.layers[0].upper, &before));
    expect_loop_answers(c.top_probe, *c.near);
    PASSTHRU_COUNTERS after{};
    ASSERT_TRUE(passthru_stats(c.layers[0].upper, &after));
    EXPECT_GE(after.RequestsForwarded, before.RequestsForwarded + 4) << "the queries went down";
}

// The same through imcount, whose counters show each query forwarded with NdisRequest.
TEST_F(Seed_2_4_3_Im, Seed_2_4_3_2_QueriesThroughImcountAreForwardedWithNdisRequest) {
    Chain c = chain(71, {"imcount"}, near_parameters());
    ASSERT_TRUE(ok(c));
    IMCOUNT_STATS before = imcount_stats(c.near->info.device_name);
    expect_loop_answers(c.top_probe, *c.near);
    IMCOUNT_STATS after = imcount_stats(c.near->info.device_name);
    EXPECT_EQ(after.RequestsForwarded, before.RequestsForwarded + 5);
    EXPECT_EQ(after.LastForwardedOid, ULONG64{OID_GEN_VENDOR_DESCRIPTION});
    EXPECT_EQ(after.RequestsAnsweredLocally, before.RequestsAnsweredLocally);
}

// A lower miniport that pends its requests (loop RequestsPend=1): NdisRequest below returns
// NDIS_STATUS_PENDING, the IM's MiniportQueryInformation returns PENDING too, and
// ProtocolRequestComplete -> NdisMQueryInformationComplete brings the answer up.
TEST_F(Seed_2_4_3_Im, Seed_2_4_3_1_PendedLowerRequestsCompleteUpThroughTheIm) {
    auto params = near_parameters();
    params.emplace("RequestsPend", Value::dword(1));
    Chain c = chain(72, {"imcount"}, params);
    ASSERT_TRUE(ok(c));
    expect_loop_answers(c.top_probe, *c.near);
    if (have_passthru()) {
        Chain p = chain(72, {"passthru"}, params);
        ASSERT_TRUE(ok(p));
        expect_loop_answers(p.top_probe, *p.near);
    }
}

// Sets go down too: the packet filter probe sets on the virtual miniport becomes the filter of
// imcount's open below, and NDIS programs it on the loop adapter.
TEST_F(Seed_2_4_3_Im, Seed_2_4_3_2_SetsReachTheAdapterBelow) {
    Chain c = chain(73, {"imcount"});
    ASSERT_TRUE(ok(c));
    ULONG filter = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_ALL_MULTICAST;
    ASSERT_EQ(probe().request(c.top_probe, NdisRequestSetInformation, OID_GEN_CURRENT_PACKET_FILTER, &filter,
                              sizeof filter, nullptr, nullptr),
              NDIS_STATUS_SUCCESS);
    IMCOUNT_STATS s = imcount_stats(c.near->info.device_name);
    EXPECT_EQ(s.LastForwardedOid, ULONG64{OID_GEN_CURRENT_PACKET_FILTER});
    ndis::Miniport* loop_miniport = ndis::Library::instance().find_miniport(c.near->info.device_name);
    ASSERT_NE(loop_miniport, nullptr);
    EXPECT_EQ(loop_miniport->programmed_filter & filter, filter) << std::hex << loop_miniport->programmed_filter;
}

// Seed §2.9.1: "中间层驱动程序对OID_PNP_QUERY_POWER查询和OID_PNP_SET_POWER设置返回NDIS_STATUS_SUCCESS。中间层驱动程序
// 不能将这些OID请求传递给低层微端口驱动程序" — loop does not support either OID, so a SUCCESS can only be
// the IM's own answer; the counters show nothing went down.
TEST_F(Seed_2_4_3_Im, Seed_2_4_3_2_PowerOidsAreAnsweredByTheImItself) {
    Chain c = chain(74, {"imcount"});
    ASSERT_TRUE(ok(c));
    IMCOUNT_STATS before = imcount_stats(c.near->info.device_name);
    NDIS_DEVICE_POWER_STATE state = NdisDeviceStateD0;
    EXPECT_EQ(probe_query(c.top_probe, OID_PNP_QUERY_POWER, &state, sizeof state), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(probe().request(c.top_probe, NdisRequestSetInformation, OID_PNP_SET_POWER, &state, sizeof state, nullptr,
                              nullptr),
              NDIS_STATUS_SUCCESS);
    IMCOUNT_STATS after = imcount_stats(c.near->info.device_name);
    EXPECT_EQ(after.RequestsAnsweredLocally, before.RequestsAnsweredLocally + 2);
    EXPECT_EQ(after.RequestsForwarded, before.RequestsForwarded) << "neither OID went to the miniport below";
    EXPECT_EQ(after.DeviceState, ULONG64{NdisDeviceStateD0});

    // The seed's other half: OID_PNP_CAPABILITIES goes down, and a NIC without power management
    // answers NDIS_STATUS_NOT_SUPPORTED, which comes back up unchanged.
    NDIS_PNP_CAPABILITIES caps{};
    EXPECT_EQ(probe_query(c.top_probe, OID_PNP_CAPABILITIES, &caps, sizeof caps), NDIS_STATUS_NOT_SUPPORTED);
    EXPECT_EQ(imcount_stats(c.near->info.device_name).LastForwardedOid, ULONG64{OID_PNP_CAPABILITIES});

    if (have_passthru()) {
        Chain p = chain(74, {"passthru"});
        ASSERT_TRUE(ok(p));
        PASSTHRU_COUNTERS pb{};
        ASSERT_TRUE(passthru_stats(p.layers[0].upper, &pb));
        EXPECT_EQ(probe_query(p.top_probe, OID_PNP_QUERY_POWER, &state, sizeof state), NDIS_STATUS_SUCCESS);
        PASSTHRU_COUNTERS pa{};
        ASSERT_TRUE(passthru_stats(p.layers[0].upper, &pa));
        EXPECT_EQ(pa.RequestsLocal, pb.RequestsLocal + 1);
        EXPECT_EQ(pa.RequestsForwarded, pb.RequestsForwarded);
    }
}

// Seed §2.8: "中间层驱动程序应该用与低层NIC驱动程序相等大小的值响应OID_GEN_MAXIMUM_SEND_PACKETS查询" — through
// passthru, through imcount, and through both stacked.
TEST_F(Seed_2_4_3_Im, Seed_2_8_MaximumSendPacketsIsTheLowerMiniportsValue) {
    std::vector<std::vector<std::string>> stacks{{"imcount"}};
    if (have_passthru()) {
        stacks.push_back({"passthru"});
        stacks.push_back({"passthru", "imcount"});
    }
    ULONG ring = 17;
    for (const auto& services : stacks) {
        Chain c = chain(75, services, {{"TxRingSize", Value::dword(ring)}});
        ASSERT_TRUE(ok(c));
        EXPECT_EQ(probe_ulong(c.top_probe, OID_GEN_MAXIMUM_SEND_PACKETS), ring) << services.back();
        ++ring;
    }
}

// Seed 2.4.3.2: an IM can answer requests about the medium it exports itself — a MUX VELAN reports
// its own address, not the adapter's, and keeps its own packet filter; the lower binding is
// promiscuous.
TEST_F(Seed_2_4_3_Im, Seed_2_4_3_2_MuxVElanAnswersAboutItsOwnMedium) {
    auto& a = loop_on(76);
    std::string v0 = virtual_device("immux");
    std::string v1 = virtual_device("immux");
    set_binding_value("immux", a.info.device_name, "UpperBindings", Value::multi_sz({v0, v1}));
    ASSERT_EQ(host().bind("immux", a.info.device_name), NDIS_STATUS_SUCCESS);
    PVOID p0 = bind_probe_to(v0);
    PVOID p1 = bind_probe_to(v1);
    ASSERT_NE(p0, nullptr);
    ASSERT_NE(p1, nullptr);
    Mac m0{}, m1{};
    immux().velan_address(immux().find_velan(v0.c_str()), m0.data());
    immux().velan_address(immux().find_velan(v1.c_str()), m1.data());
    EXPECT_EQ(probe_mac(p0), m0);
    EXPECT_EQ(probe_mac(p1), m1);
    EXPECT_NE(m0, m1);
    EXPECT_NE(m0, a.mac);
    EXPECT_EQ(probe_ulong(p0, OID_GEN_MAXIMUM_FRAME_SIZE), 1500u) << "learned from the adapter at bind time";
    EXPECT_EQ(mux_stats(a.info.device_name).LowerPacketFilter, ULONG64{NDIS_PACKET_TYPE_PROMISCUOUS});
    EXPECT_EQ(velan_stats(v0).PacketFilter,
              ULONG64{NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_MULTICAST})
        << "probe's filter, kept by the VELAN (NDIS programs the union of its bindings' filters)";
}

}  // namespace
}  // namespace strata::test::im
