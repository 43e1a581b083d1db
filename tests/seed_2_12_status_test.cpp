// seed_2_12_status_test.cpp — conformance: status indications (seed 003 §2.12): NdisMIndicateStatus
// and NdisMIndicateStatusComplete reach ProtocolStatus and ProtocolStatusComplete of every binding
// of that adapter and of no other; OID_GEN_MEDIA_CONNECT_STATUS follows the media indications;
// NDIS_STATUS_RESET_START / RESET_END around a reset (§2.10) reach every open, a pended reset
// completes through ProtocolResetComplete, and NdisMResetComplete without a reset is reported.
#include <gtest/gtest.h>

#include "ndis_test_drivers.h"

namespace {

using namespace strata::test::drivers;
using strata::verifier::Rule;

class Seed_2_12 : public StackTest {
protected:
    ProtocolBinding* bind_protocol(TestProtocol& p, const std::string& device) {
        EXPECT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
        EXPECT_EQ(host().bind(p.name(), device), NDIS_STATUS_SUCCESS);
        return p.open_binding(device);
    }
};

ULONG64 as_stat(NDIS_STATUS status) { return static_cast<ULONG>(status); }

TEST_F(Seed_2_12, Seed_2_12_StatusReachesEveryBindingOfThatAdapterOnly) {
    auto& a = add();
    auto& other = add();
    TestProtocol p("seedstatus");
    ProtocolBinding* b = bind_protocol(p, a.info.device_name);
    ASSERT_NE(b, nullptr);
    probe().reset_stats(a.probe);
    probe().reset_stats(other.probe);

    loop().indicate_status(a.loop, NDIS_STATUS_MEDIA_DISCONNECT, nullptr, 0);

    PROBE_STATS s = probe_stats(a.probe);
    EXPECT_EQ(s.StatusIndications, 1u) << "probe's ProtocolStatus ran once";
    EXPECT_EQ(s.LastStatus, as_stat(NDIS_STATUS_MEDIA_DISCONNECT));
    EXPECT_EQ(s.StatusCompletes, 1u) << "and its ProtocolStatusComplete";
    ProtocolBinding seen = p.snapshot(b);
    EXPECT_EQ(seen.statuses, std::vector<NDIS_STATUS>{NDIS_STATUS_MEDIA_DISCONNECT})
        << "the second protocol's binding to the adapter got it too";
    EXPECT_EQ(seen.status_completes, 1u);

    PROBE_STATS o = probe_stats(other.probe);
    EXPECT_EQ(o.StatusIndications, 0u) << "a binding to another adapter hears nothing";
    EXPECT_EQ(o.StatusCompletes, 0u);
}

TEST_F(Seed_2_12, Seed_2_12_StatusIndicatedAtDispatchLevelIsDelivered) {
    auto& a = add();
    probe().reset_stats(a.probe);
    host().run_at_dispatch(1, [&] { loop().indicate_status(a.loop, NDIS_STATUS_MEDIA_DISCONNECT, nullptr, 0); });
    PROBE_STATS s = probe_stats(a.probe);
    EXPECT_EQ(s.StatusIndications, 1u);
    EXPECT_EQ(s.LastStatus, as_stat(NDIS_STATUS_MEDIA_DISCONNECT));
    EXPECT_EQ(s.StatusCompletes, 1u);
}

TEST_F(Seed_2_12, Seed_2_12_MediaConnectStatusOidFollowsTheIndications) {
    auto& a = add();
    auto media_state = [&] {
        NDIS_MEDIA_STATE state = static_cast<NDIS_MEDIA_STATE>(-1);
        EXPECT_EQ(probe_query(a.probe, OID_GEN_MEDIA_CONNECT_STATUS, &state, sizeof state).status,
                  NDIS_STATUS_SUCCESS);
        return state;
    };
    EXPECT_EQ(media_state(), NdisMediaStateConnected);
    loop().indicate_status(a.loop, NDIS_STATUS_MEDIA_DISCONNECT, nullptr, 0);
    EXPECT_EQ(media_state(), NdisMediaStateDisconnected);
    loop().indicate_status(a.loop, NDIS_STATUS_MEDIA_CONNECT, nullptr, 0);
    EXPECT_EQ(media_state(), NdisMediaStateConnected);
    PROBE_STATS s = probe_stats(a.probe);
    EXPECT_EQ(s.LastStatus, as_stat(NDIS_STATUS_MEDIA_CONNECT));
}

TEST_F(Seed_2_12, Seed_2_12_ResetStartAndEndReachEveryOpen) {
    auto& a = add();
    auto& other = add();
    TestProtocol p("seedreset");
    ProtocolBinding* b = bind_protocol(p, a.info.device_name);
    ASSERT_NE(b, nullptr);
    probe().reset_stats(a.probe);
    probe().reset_stats(other.probe);

    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    NdisReset(&status, b->handle);
    EXPECT_EQ(status, NDIS_STATUS_SUCCESS) << "loop resets at once";

    ProtocolBinding seen = p.snapshot(b);
    EXPECT_EQ(seen.statuses, (std::vector<NDIS_STATUS>{NDIS_STATUS_RESET_START, NDIS_STATUS_RESET_END}));
    EXPECT_EQ(seen.status_completes, 2u);
    EXPECT_TRUE(seen.reset_completes.empty()) << "no ProtocolResetComplete when NdisReset did not pend";

    PROBE_STATS s = probe_stats(a.probe);
    EXPECT_EQ(s.StatusIndications, 2u) << "the other open of the adapter hears the reset too";
    EXPECT_EQ(s.LastStatus, as_stat(NDIS_STATUS_RESET_END));
    EXPECT_EQ(s.StatusCompletes, 2u);
    EXPECT_EQ(s.ResetCompletes, 0u) << "only the protocol that asked for the reset is told it is complete";
    EXPECT_EQ(probe_stats(other.probe).StatusIndications, 0u);

    EXPECT_EQ(probe_ulong(a.probe, OID_GEN_MAXIMUM_FRAME_SIZE), 1500u) << "the adapter works after the reset";
}

TEST_F(Seed_2_12, Seed_2_12_PendedResetCompletesThroughResetComplete) {
    TestMiniport::Options mo;
    mo.reset_pends = true;
    TestMiniport m(host(), "seedresetmp", mo);
    ASSERT_EQ(m.register_driver(), NDIS_STATUS_SUCCESS);
    strata::AdapterInfo info;
    MiniportAdapter* adapter = m.add_adapter({}, &info);
    ASSERT_NE(adapter, nullptr);
    TestProtocol requester("seedresetter");
    TestProtocol bystander("seedbystander");
    ProtocolBinding* r = bind_protocol(requester, info.device_name);
    ProtocolBinding* o = bind_protocol(bystander, info.device_name);
    ASSERT_NE(r, nullptr);
    ASSERT_NE(o, nullptr);

    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    NdisReset(&status, r->handle);
    ASSERT_EQ(status, NDIS_STATUS_PENDING);
    EXPECT_EQ(adapter->resets.load(), 1u) << "MiniportReset ran";
    EXPECT_EQ(requester.snapshot(r).statuses, std::vector<NDIS_STATUS>{NDIS_STATUS_RESET_START});
    EXPECT_EQ(bystander.snapshot(o).statuses, std::vector<NDIS_STATUS>{NDIS_STATUS_RESET_START});
    EXPECT_TRUE(requester.snapshot(r).reset_completes.empty());

    NDIS_STATUS second = NDIS_STATUS_FAILURE;
    NdisReset(&second, o->handle);
    EXPECT_EQ(second, NDIS_STATUS_RESET_IN_PROGRESS);
    EXPECT_EQ(adapter->resets.load(), 1u);

    // The miniport finishes the reset later, from its DPC.
    host().run_at_dispatch(0, [&] { NdisMResetComplete(adapter->handle, NDIS_STATUS_SUCCESS, FALSE); });

    EXPECT_TRUE(requester.wait(r, [](const ProtocolBinding& x) { return !x.reset_completes.empty(); }));
    ProtocolBinding seen = requester.snapshot(r);
    EXPECT_EQ(seen.reset_completes, std::vector<NDIS_STATUS>{NDIS_STATUS_SUCCESS});
    EXPECT_EQ(seen.statuses, (std::vector<NDIS_STATUS>{NDIS_STATUS_RESET_START, NDIS_STATUS_RESET_END}));
    ProtocolBinding other = bystander.snapshot(o);
    EXPECT_EQ(other.statuses, (std::vector<NDIS_STATUS>{NDIS_STATUS_RESET_START, NDIS_STATUS_RESET_END}));
    EXPECT_TRUE(other.reset_completes.empty());
    EXPECT_EQ(strata::verifier::count(Rule::ResetNotStarted), 0u);

    NdisReset(&status, o->handle);
    EXPECT_EQ(status, NDIS_STATUS_PENDING) << "a new reset may start once the last one completed";
    host().run_at_dispatch(0, [&] { NdisMResetComplete(adapter->handle, NDIS_STATUS_SUCCESS, FALSE); });
    EXPECT_TRUE(bystander.wait(o, [](const ProtocolBinding& x) { return !x.reset_completes.empty(); }));
}

TEST_F(Seed_2_12, Seed_2_12_ResetCompleteWithoutAResetIsReported) {
    TestMiniport m(host(), "seednoreset");
    ASSERT_EQ(m.register_driver(), NDIS_STATUS_SUCCESS);
    strata::AdapterInfo info;
    MiniportAdapter* adapter = m.add_adapter({}, &info);
    ASSERT_NE(adapter, nullptr);
    TestProtocol p("seednoresetproto");
    ProtocolBinding* b = bind_protocol(p, info.device_name);
    ASSERT_NE(b, nullptr);

    NdisMResetComplete(adapter->handle, NDIS_STATUS_SUCCESS, FALSE);
    EXPECT_EQ(strata::verifier::count(Rule::ResetNotStarted), 1u);
    ProtocolBinding seen = p.snapshot(b);
    EXPECT_TRUE(seen.statuses.empty()) << "no RESET_END for a reset that never started";
    EXPECT_TRUE(seen.reset_completes.empty());
}

}  // namespace
