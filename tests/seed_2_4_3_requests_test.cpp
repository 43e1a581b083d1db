// seed_2_4_3_requests_test.cpp — conformance: query and set requests (seed 003 §2.4.3,
// §2.4.3.1): NdisRequest answered synchronously and pended (ProtocolRequestComplete), short
// buffers with BytesNeeded, unknown OIDs, the per-open OIDs NDIS keeps itself (packet filter,
// multicast list, lookahead) and the statistics OIDs counting real traffic through loop.
#include <gtest/gtest.h>

#include "ndis_test_drivers.h"

namespace {

using namespace strata::test::drivers;
using strata::registry::Value;

class Seed_2_4_3 : public StackTest {
protected:
    // An in-test protocol bound to `a` next to probe.
    ProtocolBinding* bind_second(TestProtocol& p, strata::host::StackAdapter& a) {
        EXPECT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
        EXPECT_EQ(host().bind(p.name(), a.info.device_name), NDIS_STATUS_SUCCESS);
        return p.open_binding(a.info.device_name);
    }
};

constexpr NDIS_OID kUnknownOid = 0x00FFFF01;

TEST_F(Seed_2_4_3, Seed_2_4_3_1_QueryAndSetCompleteSynchronously) {
    auto& a = add({{"LinkSpeedMbps", Value::dword(100)}});
    ULONG value = 0;
    ProbeResult r = probe_query(a.probe, OID_GEN_MAXIMUM_FRAME_SIZE, &value, sizeof value);
    EXPECT_EQ(r.status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(value, 1500u) << "seed §2.4.3.1: the frame size without the header";
    EXPECT_EQ(r.bytes_done, sizeof(ULONG));
    EXPECT_EQ(probe_ulong(a.probe, OID_GEN_MAXIMUM_TOTAL_SIZE), 1514u);
    EXPECT_EQ(probe_ulong(a.probe, OID_GEN_LINK_SPEED), 100u * 10000u) << "in units of 100 bps";
    EXPECT_NE(probe_ulong(a.probe, OID_GEN_MAC_OPTIONS) & NDIS_MAC_OPTION_NO_LOOPBACK, 0u);
    std::array<UCHAR, 6> mac{};
    EXPECT_EQ(probe_query(a.probe, OID_802_3_CURRENT_ADDRESS, mac.data(), 6).status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(mac, a.mac);

    ULONG lookahead = 256;
    r = probe_set(a.probe, OID_GEN_CURRENT_LOOKAHEAD, &lookahead, sizeof lookahead);
    EXPECT_EQ(r.status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(r.bytes_done, sizeof(ULONG)) << "BytesRead";
    EXPECT_EQ(probe_ulong(a.probe, OID_GEN_CURRENT_LOOKAHEAD), 256u);

    // The in-test protocol sees NdisRequest return the final status itself.
    TestProtocol p("seedsync");
    ProtocolBinding* b = bind_second(p, a);
    ASSERT_NE(b, nullptr);
    RequestResult q = p.query(b, OID_GEN_MAXIMUM_FRAME_SIZE, &value, sizeof value);
    EXPECT_EQ(q.status, NDIS_STATUS_SUCCESS);
    EXPECT_FALSE(q.pended);
    EXPECT_EQ(p.snapshot(b).request_completes.size(), 0u) << "no ProtocolRequestComplete for a synchronous result";
}

TEST_F(Seed_2_4_3, Seed_2_4_3_1_PendedRequestsCompleteThroughRequestComplete) {
    auto& a = add({{"RequestsPend", Value::dword(1)}});
    // probe waits for ProtocolRequestComplete inside its hook.
    EXPECT_EQ(probe_ulong(a.probe, OID_GEN_MAXIMUM_FRAME_SIZE), 1500u);
    std::array<UCHAR, 6> mac{};
    EXPECT_EQ(probe_query(a.probe, OID_802_3_CURRENT_ADDRESS, mac.data(), 6).status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(mac, a.mac);
    ULONG junk = 1;
    EXPECT_EQ(probe_set(a.probe, kUnknownOid, &junk, sizeof junk).status, NDIS_STATUS_NOT_SUPPORTED)
        << "the miniport's final status reaches the protocol";

    TestProtocol p("seedpended");
    ProtocolBinding* b = bind_second(p, a);
    ASSERT_NE(b, nullptr);
    ULONG value = 0;
    RequestResult q = p.query(b, OID_GEN_MAXIMUM_TOTAL_SIZE, &value, sizeof value);
    EXPECT_TRUE(q.pended) << "NdisRequest returned NDIS_STATUS_PENDING";
    EXPECT_EQ(q.status, NDIS_STATUS_SUCCESS) << "ProtocolRequestComplete's status";
    EXPECT_EQ(value, 1514u);
    EXPECT_EQ(q.bytes_done, sizeof(ULONG)) << "BytesWritten is filled in before the completion";
    RequestResult s = p.set(b, kUnknownOid, &junk, sizeof junk);
    EXPECT_TRUE(s.pended);
    EXPECT_EQ(s.status, NDIS_STATUS_NOT_SUPPORTED);
    ProtocolBinding seen = p.snapshot(b);
    ASSERT_EQ(seen.request_completes.size(), 2u) << "one ProtocolRequestComplete per pended request";
    EXPECT_EQ(seen.request_completes[0].second, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(seen.request_completes[1].second, NDIS_STATUS_NOT_SUPPORTED);
}

TEST_F(Seed_2_4_3, Seed_2_4_3_ShortBufferReportsBytesNeeded) {
    for (ULONG pend : {0u, 1u}) {
        SCOPED_TRACE(pend ? "RequestsPend=1" : "synchronous");
        auto& a = add({{"RequestsPend", Value::dword(pend)}});
        UCHAR small[2] = {};
        ProbeResult r = probe_query(a.probe, OID_GEN_MAXIMUM_FRAME_SIZE, small, sizeof small);
        EXPECT_TRUE(r.status == NDIS_STATUS_INVALID_LENGTH || r.status == NDIS_STATUS_BUFFER_TOO_SHORT)
            << std::hex << r.status;
        EXPECT_EQ(r.bytes_needed, sizeof(ULONG));
        EXPECT_EQ(r.bytes_done, 0u);

        UCHAR four[4] = {};
        r = probe_query(a.probe, OID_802_3_CURRENT_ADDRESS, four, sizeof four);
        EXPECT_TRUE(r.status == NDIS_STATUS_INVALID_LENGTH || r.status == NDIS_STATUS_BUFFER_TOO_SHORT);
        EXPECT_EQ(r.bytes_needed, 6u);

        // A variable-length answer: ask with too little, then with what it said it needs.
        r = probe_query(a.probe, OID_GEN_SUPPORTED_LIST, four, sizeof four);
        EXPECT_TRUE(r.status == NDIS_STATUS_INVALID_LENGTH || r.status == NDIS_STATUS_BUFFER_TOO_SHORT);
        ASSERT_GT(r.bytes_needed, sizeof four);
        EXPECT_EQ(r.bytes_needed % sizeof(NDIS_OID), 0u);
        std::vector<NDIS_OID> oids(r.bytes_needed / sizeof(NDIS_OID));
        ProbeResult full = probe_query(a.probe, OID_GEN_SUPPORTED_LIST, oids.data(), r.bytes_needed);
        EXPECT_EQ(full.status, NDIS_STATUS_SUCCESS);
        EXPECT_EQ(full.bytes_done, r.bytes_needed);
        EXPECT_NE(std::find(oids.begin(), oids.end(), OID_GEN_MAXIMUM_FRAME_SIZE), oids.end());

        // OIDs NDIS answers for the open itself follow the same rule.
        r = probe_query(a.probe, OID_GEN_CURRENT_PACKET_FILTER, small, sizeof small);
        EXPECT_TRUE(r.status == NDIS_STATUS_INVALID_LENGTH || r.status == NDIS_STATUS_BUFFER_TOO_SHORT);
        EXPECT_EQ(r.bytes_needed, sizeof(ULONG));
        r = probe_set(a.probe, OID_GEN_CURRENT_LOOKAHEAD, small, sizeof small);
        EXPECT_TRUE(r.status == NDIS_STATUS_INVALID_LENGTH || r.status == NDIS_STATUS_BUFFER_TOO_SHORT);
        EXPECT_EQ(r.bytes_needed, sizeof(ULONG));
        EXPECT_EQ(r.bytes_done, 0u) << "BytesRead";
    }
}

TEST_F(Seed_2_4_3, Seed_2_4_3_UnknownOidIsNotSupported) {
    for (ULONG pend : {0u, 1u}) {
        SCOPED_TRACE(pend ? "RequestsPend=1" : "synchronous");
        auto& a = add({{"RequestsPend", Value::dword(pend)}});
        ULONG value = 0;
        ProbeResult q = probe_query(a.probe, kUnknownOid, &value, sizeof value);
        EXPECT_TRUE(q.status == NDIS_STATUS_NOT_SUPPORTED || q.status == NDIS_STATUS_INVALID_OID)
            << std::hex << q.status;
        EXPECT_EQ(q.bytes_done, 0u);
        ProbeResult s = probe_set(a.probe, kUnknownOid, &value, sizeof value);
        EXPECT_TRUE(s.status == NDIS_STATUS_NOT_SUPPORTED || s.status == NDIS_STATUS_INVALID_OID)
            << std::hex << s.status;
        // The binding is still usable afterwards.
        EXPECT_EQ(probe_ulong(a.probe, OID_GEN_MAXIMUM_FRAME_SIZE), 1500u);
    }
}

TEST_F(Seed_2_4_3, Seed_2_4_3_PacketFilterIsPerOpenAndUnsupportedBitsFail) {
    auto& a = add();
    const ULONG probe_filter = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_MULTICAST;
    EXPECT_EQ(probe_ulong(a.probe, OID_GEN_CURRENT_PACKET_FILTER), probe_filter);

    TestProtocol p("seedfilter");
    ProtocolBinding* b = bind_second(p, a);
    ASSERT_NE(b, nullptr);
    ULONG filter = 0xFFFF;
    ASSERT_EQ(p.query(b, OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof filter).status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(filter, 0u) << "a new open receives nothing until it sets a filter";

    filter = NDIS_PACKET_TYPE_PROMISCUOUS | NDIS_PACKET_TYPE_DIRECTED;
    RequestResult s = p.set(b, OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof filter);
    EXPECT_EQ(s.status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(s.bytes_done, sizeof(ULONG));
    filter = 0;
    ASSERT_EQ(p.query(b, OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof filter).status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(filter, ULONG{NDIS_PACKET_TYPE_PROMISCUOUS | NDIS_PACKET_TYPE_DIRECTED});
    EXPECT_EQ(probe_ulong(a.probe, OID_GEN_CURRENT_PACKET_FILTER), probe_filter)
        << "the other protocol's open keeps its own filter";

    ULONG functional = NDIS_PACKET_TYPE_FUNCTIONAL;  // a Token Ring bit: not for an 802.3 adapter
    EXPECT_TRUE(failed(p.set(b, OID_GEN_CURRENT_PACKET_FILTER, &functional, sizeof functional).status));
    filter = 0;
    ASSERT_EQ(p.query(b, OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof filter).status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(filter, ULONG{NDIS_PACKET_TYPE_PROMISCUOUS | NDIS_PACKET_TYPE_DIRECTED})
        << "a refused set leaves the filter as it was";

    ULONG probe_bad = NDIS_PACKET_TYPE_SOURCE_ROUTING;
    EXPECT_TRUE(failed(probe_set(a.probe, OID_GEN_CURRENT_PACKET_FILTER, &probe_bad, sizeof probe_bad).status));
    EXPECT_EQ(probe_ulong(a.probe, OID_GEN_CURRENT_PACKET_FILTER), probe_filter);
}

TEST_F(Seed_2_4_3, Seed_2_4_3_MulticastListLengthAndLimit) {
    auto& a = add();
    std::vector<UCHAR> list(33 * 6);
    for (std::size_t i = 0; i < 33; ++i) {
        list[i * 6 + 0] = 0x01;
        list[i * 6 + 1] = 0x00;
        list[i * 6 + 2] = 0x5E;
        list[i * 6 + 5] = static_cast<UCHAR>(i);
    }
    ProbeResult r = probe_set(a.probe, OID_802_3_MULTICAST_LIST, list.data(), 7);
    EXPECT_EQ(r.status, NDIS_STATUS_INVALID_LENGTH) << "not a whole number of 6-byte addresses";
    EXPECT_EQ(r.bytes_done, 0u) << "BytesRead";
    r = probe_set(a.probe, OID_802_3_MULTICAST_LIST, list.data(), 33 * 6);
    EXPECT_EQ(r.status, NDIS_STATUS_MULTICAST_FULL) << "more than the 32 addresses an 802.3 open may have";

    r = probe_set(a.probe, OID_802_3_MULTICAST_LIST, list.data(), 2 * 6);
    EXPECT_EQ(r.status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(r.bytes_done, 12u);
    std::vector<UCHAR> back(32 * 6);
    r = probe_query(a.probe, OID_802_3_MULTICAST_LIST, back.data(), static_cast<UINT>(back.size()));
    EXPECT_EQ(r.status, NDIS_STATUS_SUCCESS);
    ASSERT_EQ(r.bytes_done, 12u);
    EXPECT_TRUE(std::equal(list.begin(), list.begin() + 12, back.begin()));

    r = probe_set(a.probe, OID_802_3_MULTICAST_LIST, list.data(), 32 * 6);
    EXPECT_EQ(r.status, NDIS_STATUS_SUCCESS) << "exactly 32 addresses fit";
    r = probe_set(a.probe, OID_802_3_MULTICAST_LIST, list.data(), 0);
    EXPECT_EQ(r.status, NDIS_STATUS_SUCCESS) << "an empty list clears it";
    r = probe_query(a.probe, OID_802_3_MULTICAST_LIST, back.data(), static_cast<UINT>(back.size()));
    EXPECT_EQ(r.status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(r.bytes_done, 0u);
}

TEST_F(Seed_2_4_3, Seed_2_4_3_1_LookaheadAboveTheMaximumIsInvalidData) {
    auto& a = add();
    TestProtocol p("seedlookahead");
    ProtocolBinding* b = bind_second(p, a);
    ASSERT_NE(b, nullptr);
    ULONG maximum = 0;
    ASSERT_EQ(p.query(b, OID_GEN_MAXIMUM_LOOKAHEAD, &maximum, sizeof maximum).status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(maximum, 1500u);

    ULONG too_big = maximum + 1;
    RequestResult s = p.set(b, OID_GEN_CURRENT_LOOKAHEAD, &too_big, sizeof too_big);
    EXPECT_EQ(s.status, NDIS_STATUS_INVALID_DATA);
    ULONG exact = maximum;
    EXPECT_EQ(p.set(b, OID_GEN_CURRENT_LOOKAHEAD, &exact, sizeof exact).status, NDIS_STATUS_SUCCESS);
    ULONG current = 0;
    ASSERT_EQ(p.query(b, OID_GEN_CURRENT_LOOKAHEAD, &current, sizeof current).status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(current, maximum);
}

TEST_F(Seed_2_4_3, Seed_2_4_3_StatisticsOidsCountTheTrafficSent) {
    auto& sender = add();
    auto& receiver = add();  // the same wire (Wire 0)
    constexpr UINT kFrames = 25;
    ASSERT_EQ(probe().send(sender.probe, receiver.mac.data(), 100, kFrames, 1, 0), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_sends_completed(sender.probe, kFrames, 20000), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_received(receiver.probe, kFrames, 20000), NDIS_STATUS_SUCCESS);
    // loop counts a batch once its indication has returned: let the receive DPC finish.
    KeFlushQueuedDpcs();

    ULONG64 xmit_ok = 0;
    ProbeResult r = probe_query(sender.probe, OID_GEN_XMIT_OK, &xmit_ok, sizeof xmit_ok);
    EXPECT_EQ(r.status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(r.bytes_done, 8u);
    EXPECT_EQ(xmit_ok, kFrames);
    ULONG xmit_ok32 = 0;
    r = probe_query(sender.probe, OID_GEN_XMIT_OK, &xmit_ok32, sizeof xmit_ok32);
    EXPECT_EQ(r.status, NDIS_STATUS_SUCCESS) << "a 4-byte buffer gets the low 32 bits";
    EXPECT_EQ(r.bytes_done, 4u);
    EXPECT_EQ(xmit_ok32, kFrames);
    UCHAR two[2];
    r = probe_query(sender.probe, OID_GEN_XMIT_OK, two, sizeof two);
    EXPECT_TRUE(r.status == NDIS_STATUS_INVALID_LENGTH || r.status == NDIS_STATUS_BUFFER_TOO_SHORT);
    EXPECT_GE(r.bytes_needed, 4u);

    auto counter = [&](PVOID binding, NDIS_OID oid) {
        ULONG64 v = ~0ull;
        EXPECT_EQ(probe_query(binding, oid, &v, sizeof v).status, NDIS_STATUS_SUCCESS) << std::hex << oid;
        return v;
    };
    EXPECT_EQ(counter(sender.probe, OID_GEN_XMIT_ERROR), 0u);
    EXPECT_EQ(counter(receiver.probe, OID_GEN_RCV_OK), kFrames);
    EXPECT_EQ(counter(receiver.probe, OID_GEN_RCV_ERROR), 0u);
    EXPECT_EQ(counter(receiver.probe, OID_GEN_RCV_NO_BUFFER), 0u);
    EXPECT_EQ(counter(receiver.probe, OID_GEN_XMIT_OK), 0u) << "the receiver sent nothing";
    EXPECT_EQ(counter(receiver.probe, OID_802_3_RCV_ERROR_ALIGNMENT), 0u);
    EXPECT_EQ(counter(sender.probe, OID_802_3_XMIT_ONE_COLLISION), 0u);
    EXPECT_EQ(counter(sender.probe, OID_802_3_XMIT_MORE_COLLISIONS), 0u);

    LOOP_STATS stats{};
    loop().get_stats(sender.loop, &stats);
    EXPECT_EQ(stats.TxFrames, xmit_ok) << "the OID reports the miniport's own counter";
    EXPECT_EQ(stats.TxBytes, 100u * kFrames);
}

}  // namespace
