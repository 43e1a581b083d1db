// seed_2_12_im_status_test.cpp — conformance: status indications through an intermediate driver
// (seed 003 §2.12, with the reset statuses of §2.10): the loop miniport's media disconnect and
// connect reach probe above passthru and imcount (ProtocolStatus -> NdisMIndicateStatus, and
// ProtocolStatusComplete -> NdisMIndicateStatusComplete), the media state the stack reports
// follows, RESET_START/RESET_END of a reset below go up, a reset of the virtual miniport is
// reported to its own bindings, and a MUX passes the lower adapter's status to every VELAN.
#include "im_fixture.h"

namespace strata::test::im {
namespace {

class Seed_2_12_Im : public ImTest {
protected:
    // Disconnect then connect the near adapter; probe at the top hears each, with its complete,
    // and the media state queried through the stack follows.
    void media_through(const Chain& c) {
        PROBE_STATS before = stats(c.top_probe);
        loop().indicate_status(c.near->loop, NDIS_STATUS_MEDIA_DISCONNECT, nullptr, 0);
        PROBE_STATS down = stats(c.top_probe);
        EXPECT_EQ(down.StatusIndications, before.StatusIndications + 1);
        EXPECT_EQ(down.LastStatus, as_stat(NDIS_STATUS_MEDIA_DISCONNECT));
        EXPECT_EQ(down.StatusCompletes, before.StatusCompletes + 1);
        EXPECT_EQ(probe_ulong(c.top_probe, OID_GEN_MEDIA_CONNECT_STATUS), ULONG{NdisMediaStateDisconnected});

        loop().indicate_status(c.near->loop, NDIS_STATUS_MEDIA_CONNECT, nullptr, 0);
        PROBE_STATS up = stats(c.top_probe);
        EXPECT_EQ(up.StatusIndications, before.StatusIndications + 2);
        EXPECT_EQ(up.LastStatus, as_stat(NDIS_STATUS_MEDIA_CONNECT));
        EXPECT_EQ(up.StatusCompletes, before.StatusCompletes + 2);
        EXPECT_EQ(probe_ulong(c.top_probe, OID_GEN_MEDIA_CONNECT_STATUS), ULONG{NdisMediaStateConnected});
    }
};

// "当低层面向无连接的NIC驱动程序调用NdisMIndicateStatus报告硬件状态时,NDIS调用ProtocolStatus ... 那么它将通过调用
// NdisMIndicateStatus向上层驱动程序指示该状态": through passthru.
TEST_F(Seed_2_12_Im, Seed_2_12_MediaDisconnectAndConnectReachProbeThroughPassthru) {
    if (!have_passthru()) GTEST_SKIP() << "drivers/passthru is not built";
    Chain c = chain(110, {"passthru"});
    ASSERT_TRUE(ok(c));
    media_through(c);
    PASSTHRU_COUNTERS pc{};
    ASSERT_TRUE(passthru_stats(c.layers[0].upper, &pc));
    EXPECT_EQ(pc.StatusIndications, 2u);
    EXPECT_EQ(pc.LastMediaStatus, as_stat(NDIS_STATUS_MEDIA_CONNECT));
}

// The same through imcount, whose counters show each status and its complete passed up.
TEST_F(Seed_2_12_Im, Seed_2_12_MediaDisconnectAndConnectReachProbeThroughImcount) {
    Chain c = chain(111, {"imcount"});
    ASSERT_TRUE(ok(c));
    media_through(c);
    IMCOUNT_STATS s = imcount_stats(c.near->info.device_name);
    EXPECT_EQ(s.StatusIndications, 2u);
    EXPECT_EQ(s.StatusForwarded, 2u);
    EXPECT_EQ(s.StatusCompletes, 2u);
    EXPECT_EQ(s.LastStatus, as_stat(NDIS_STATUS_MEDIA_CONNECT));
}

// Seed §2.10/§2.12 "NDIS以NDIS_STATUS_RESET_START状态调用每一个绑定协议和中间层驱动程序的Protocol(Co)Status函数,
// 然后调用同一个绑定驱动程序的ProtocolStatusComplete函数 ... NDIS_STATUS_RESET_END": another protocol resets the loop
// adapter under imcount; both statuses and their completes reach probe above imcount, in order.
TEST_F(Seed_2_12_Im, Seed_2_12_ResetStartAndEndBelowReachProbeAboveTheIm) {
    Chain c = chain(112, {"imcount"});
    ASSERT_TRUE(ok(c));
    datapath::TestBinding* resetter = test_protocol("treset").bind(host(), c.near->info.device_name);
    ASSERT_NE(resetter, nullptr);
    PROBE_STATS before = stats(c.top_probe);
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    NdisReset(&status, resetter->handle);
    EXPECT_TRUE(status == NDIS_STATUS_SUCCESS || status == NDIS_STATUS_PENDING) << std::hex << ULONG(status);
    IMCOUNT_STATS s = imcount_stats(c.near->info.device_name);
    EXPECT_EQ(s.StatusIndications, 2u);
    EXPECT_EQ(s.LastStatus, as_stat(NDIS_STATUS_RESET_END));
    PROBE_STATS after = stats(c.top_probe);
    EXPECT_EQ(after.StatusIndications, before.StatusIndications + 2) << "RESET_START and RESET_END";
    EXPECT_EQ(after.LastStatus, as_stat(NDIS_STATUS_RESET_END));
    EXPECT_EQ(after.StatusCompletes, before.StatusCompletes + 2);
    // The stack still carries traffic afterwards.
    EXPECT_TRUE(send_and_wait(c.top_probe, c.far_mac, 20, c.far->probe));
}

// "在高层驱动程序调用NdisReset的指示下,NDIS能够调用中间层驱动程序的MiniportReset函数": a reset asked of the
// virtual miniport runs imcount's MiniportReset; every binding of the virtual miniport hears
// RESET_START and RESET_END, and nothing reaches the adapter below.
TEST_F(Seed_2_12_Im, Seed_2_10_ResetOfTheVirtualMiniportIsReportedToItsBindings) {
    Chain c = chain(113, {"imcount"});
    ASSERT_TRUE(ok(c));
    datapath::TestBinding* resetter = test_protocol("tvreset").bind(host(), c.layers[0].upper);
    ASSERT_NE(resetter, nullptr);
    PROBE_STATS before = stats(c.top_probe);
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    NdisReset(&status, resetter->handle);
    EXPECT_EQ(status, NDIS_STATUS_SUCCESS) << "imcount's MiniportReset completes at once";
    PROBE_STATS after = stats(c.top_probe);
    EXPECT_EQ(after.StatusIndications, before.StatusIndications + 2);
    EXPECT_EQ(after.LastStatus, as_stat(NDIS_STATUS_RESET_END));
    EXPECT_EQ(imcount_stats(c.near->info.device_name).StatusIndications, 0u) << "the loop adapter was not reset";
}

// A MUX's VELANs all sit on the one adapter: its media status reaches the protocols of every VELAN
// and each VELAN reports the media state.
TEST_F(Seed_2_12_Im, Seed_2_12_MuxPassesTheAdaptersStatusToEveryVElan) {
    auto& a = loop_on(114);
    std::string v0 = virtual_device("immux");
    std::string v1 = virtual_device("immux");
    set_binding_value("immux", a.info.device_name, "UpperBindings", Value::multi_sz({v0, v1}));
    ASSERT_EQ(host().bind("immux", a.info.device_name), NDIS_STATUS_SUCCESS);
    PVOID p0 = bind_probe_to(v0);
    PVOID p1 = bind_probe_to(v1);
    ASSERT_NE(p0, nullptr);
    ASSERT_NE(p1, nullptr);
    loop().indicate_status(a.loop, NDIS_STATUS_MEDIA_DISCONNECT, nullptr, 0);
    for (PVOID p : {p0, p1}) {
        EXPECT_EQ(stats(p).StatusIndications, 1u);
        EXPECT_EQ(stats(p).LastStatus, as_stat(NDIS_STATUS_MEDIA_DISCONNECT));
        EXPECT_EQ(stats(p).StatusCompletes, 1u);
        EXPECT_EQ(probe_ulong(p, OID_GEN_MEDIA_CONNECT_STATUS), ULONG{NdisMediaStateDisconnected});
    }
    EXPECT_EQ(velan_stats(v0).StatusForwarded, 1u);
    EXPECT_EQ(velan_stats(v1).StatusForwarded, 1u);
}

}  // namespace
}  // namespace strata::test::im
