// seed_2_10_reset_test.cpp — conformance: reset (seed 003 §2.10). While an adapter resets, NDIS
// fails new sends with NDIS_STATUS_RESET_IN_PROGRESS (NdisSend's documented status) and gives back
// the sends it still queued for a serialized miniport with the same status, so protocols resend
// after RESET_END; an addressing reset has NDIS set the packet filter, lookahead and multicast
// list again; `strata reset ADAPTER` runs the reset in a running host.
#include <gtest/gtest.h>

#include "cli_harness.h"
#include "ndis_test_drivers.h"

namespace {

using namespace strata::test::drivers;

class Seed_2_10 : public StackTest {
protected:
    struct Stack {
        std::unique_ptr<TestMiniport> miniport;
        MiniportAdapter* adapter = nullptr;
        std::unique_ptr<TestProtocol> protocol;
        ProtocolBinding* binding = nullptr;
    };
    Stack make(const std::string& name, TestMiniport::Options options) {
        Stack s;
        s.miniport = std::make_unique<TestMiniport>(host(), name + "mp", std::move(options));
        EXPECT_EQ(s.miniport->register_driver(), NDIS_STATUS_SUCCESS);
        strata::AdapterInfo info;
        s.adapter = s.miniport->add_adapter({}, &info);
        EXPECT_NE(s.adapter, nullptr);
        s.protocol = std::make_unique<TestProtocol>(name + "pt");
        EXPECT_EQ(s.protocol->register_protocol(), NDIS_STATUS_SUCCESS);
        EXPECT_EQ(host().bind(s.protocol->name(), info.device_name), NDIS_STATUS_SUCCESS);
        s.binding = s.protocol->open_binding(info.device_name);
        EXPECT_NE(s.binding, nullptr);
        return s;
    }
    // Forgets the OIDs set so far, then resets through the binding: what is set next is NDIS's.
    static NDIS_STATUS reset_with_sets_cleared(Stack& s) {
        {
            std::lock_guard lock(s.adapter->sets_mutex);
            s.adapter->sets.clear();
        }
        NDIS_STATUS status = NDIS_STATUS_FAILURE;
        NdisReset(&status, s.binding->handle);
        return status;
    }
    static bool sends_completed(TestProtocol& p, ProtocolBinding* b, unsigned n) {
        return p.wait(b, [n](const ProtocolBinding& x) { return x.send_completes >= n; });
    }
};

TEST_F(Seed_2_10, Seed_2_10_SendsDuringAResetFailWithResetInProgress) {
    TestMiniport::Options mo;
    mo.reset_pends = true;
    Stack s = make("seedrstsend", mo);
    ASSERT_NE(s.binding, nullptr);
    TestProtocol& p = *s.protocol;
    PNDIS_PACKET one = p.make_packet();
    PNDIS_PACKET two = p.make_packet();
    ASSERT_NE(one, nullptr);
    ASSERT_NE(two, nullptr);

    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    NdisReset(&status, s.binding->handle);
    ASSERT_EQ(status, NDIS_STATUS_PENDING);

    NdisSend(&status, s.binding->handle, one);
    EXPECT_EQ(status, NDIS_STATUS_RESET_IN_PROGRESS) << "NdisSend returns the reason at once";
    NdisSendPackets(s.binding->handle, &two, 1);
    ASSERT_TRUE(sends_completed(p, s.binding, 1));
    EXPECT_EQ(p.snapshot(s.binding).send_statuses, std::vector<NDIS_STATUS>{NDIS_STATUS_RESET_IN_PROGRESS})
        << "NdisSendPackets completes the packet with the reason";
    EXPECT_EQ(s.adapter->packets_sent.load(), 0u) << "the resetting miniport saw neither send";

    host().run_at_dispatch(0, [&] { NdisMResetComplete(s.adapter->handle, NDIS_STATUS_SUCCESS, FALSE); });
    ASSERT_TRUE(p.wait(s.binding, [](const ProtocolBinding& x) { return !x.reset_completes.empty(); }));

    NdisSendPackets(s.binding->handle, &two, 1);
    ASSERT_TRUE(sends_completed(p, s.binding, 2));
    EXPECT_EQ(p.snapshot(s.binding).send_statuses.back(), NDIS_STATUS_SUCCESS) << "after RESET_END sends go through";
    EXPECT_EQ(s.adapter->packets_sent.load(), 1u);
    p.free_packet(one);
    p.free_packet(two);
}

TEST_F(Seed_2_10, Seed_2_10_SendsQueuedForASerializedMiniportCompleteWithResetInProgress) {
    TestMiniport::Options mo;
    mo.deserialize = false;
    mo.serialized_send_status = NDIS_STATUS_RESOURCES;  // the first send stalls the queue behind it
    Stack s = make("seedrstqueue", mo);
    ASSERT_NE(s.binding, nullptr);
    TestProtocol& p = *s.protocol;
    std::array<PNDIS_PACKET, 3> packets{p.make_packet(), p.make_packet(), p.make_packet()};
    for (PNDIS_PACKET packet : packets) ASSERT_NE(packet, nullptr);

    NdisSendPackets(s.binding->handle, packets.data(), static_cast<UINT>(packets.size()));
    EXPECT_EQ(s.adapter->packets_sent.load(), 1u) << "the miniport said RESOURCES to the first";
    EXPECT_EQ(p.snapshot(s.binding).send_completes, 0u) << "all three wait in NDIS's queue";

    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    NdisReset(&status, s.binding->handle);
    EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
    ASSERT_TRUE(sends_completed(p, s.binding, 3));
    ProtocolBinding seen = p.snapshot(s.binding);
    EXPECT_EQ(seen.send_statuses, std::vector<NDIS_STATUS>(3, NDIS_STATUS_RESET_IN_PROGRESS));
    EXPECT_EQ(seen.statuses, (std::vector<NDIS_STATUS>{NDIS_STATUS_RESET_START, NDIS_STATUS_RESET_END}));

    s.miniport->options().serialized_send_status = NDIS_STATUS_SUCCESS;
    NdisSendPackets(s.binding->handle, packets.data(), 1);
    ASSERT_TRUE(sends_completed(p, s.binding, 4));
    EXPECT_EQ(p.snapshot(s.binding).send_statuses.back(), NDIS_STATUS_SUCCESS) << "the queue works after the reset";
    for (PNDIS_PACKET packet : packets) p.free_packet(packet);
}

TEST_F(Seed_2_10, Seed_2_10_AddressingResetHasNdisRestoreFilterLookaheadAndMulticast) {
    TestMiniport::Options mo;
    mo.addressing_reset = true;
    Stack s = make("seedrstaddr", mo);
    ASSERT_NE(s.binding, nullptr);
    TestProtocol& p = *s.protocol;
    ULONG filter = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST;
    ULONG lookahead = 128;
    std::array<UCHAR, 12> multicast{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01, 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
    ASSERT_EQ(p.set(s.binding, OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof filter).status, NDIS_STATUS_SUCCESS);
    ASSERT_EQ(p.set(s.binding, OID_GEN_CURRENT_LOOKAHEAD, &lookahead, sizeof lookahead).status, NDIS_STATUS_SUCCESS);
    ASSERT_EQ(p.set(s.binding, OID_802_3_MULTICAST_LIST, multicast.data(), multicast.size()).status,
              NDIS_STATUS_SUCCESS);
    ASSERT_EQ(reset_with_sets_cleared(s), NDIS_STATUS_SUCCESS);

    std::lock_guard lock(s.adapter->sets_mutex);
    auto value_of = [&](NDIS_OID oid) -> std::vector<UCHAR> {
        for (const auto& [set_oid, bytes] : s.adapter->sets)
            if (set_oid == oid) return bytes;
        ADD_FAILURE() << "NDIS did not set OID 0x" << std::hex << oid << " after the addressing reset";
        return {};
    };
    auto as_bytes = [](const ULONG& v) {
        const auto* b = reinterpret_cast<const UCHAR*>(&v);
        return std::vector<UCHAR>(b, b + sizeof v);
    };
    EXPECT_EQ(value_of(OID_GEN_CURRENT_PACKET_FILTER), as_bytes(filter));
    EXPECT_EQ(value_of(OID_GEN_CURRENT_LOOKAHEAD), as_bytes(lookahead));
    EXPECT_EQ(value_of(OID_802_3_MULTICAST_LIST), std::vector<UCHAR>(multicast.begin(), multicast.end()));
}

TEST_F(Seed_2_10, Seed_2_10_ResetWithoutAddressingResetLeavesTheAddressingToTheMiniport) {
    Stack s = make("seedrstnoaddr", {});
    ASSERT_NE(s.binding, nullptr);
    ULONG filter = NDIS_PACKET_TYPE_DIRECTED;
    ASSERT_EQ(s.protocol->set(s.binding, OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof filter).status,
              NDIS_STATUS_SUCCESS);
    ASSERT_EQ(reset_with_sets_cleared(s), NDIS_STATUS_SUCCESS);
    std::lock_guard lock(s.adapter->sets_mutex);
    EXPECT_TRUE(s.adapter->sets.empty()) << "NDIS sets nothing when AddressingReset is FALSE";
}

using Result = strata::test::CliResult;

class CliReset : public strata::test::CliHarness {
protected:
    void SetUp() override {
        CliHarness::SetUp();
        install_loop_and_probe();
        ASSERT_EQ(run({"device", "add", "strata_loop", "--name", "e0"}).status, 0);
    }
};

TEST_F(CliReset, Seed_2_10_StrataResetResetsTheAdapterInTheRunningHost) {
    Result r = run({"reset", "e0"});
    EXPECT_EQ(r.status, 2) << "no host yet";
    EXPECT_NE(r.err.find("no host is running"), std::string::npos) << r.err;

    ASSERT_EQ(run({"start"}).status, 0);
    r = run({"reset", "e0"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "reset e0: NDIS_STATUS_SUCCESS\n");
    nlohmann::json reply = json({"reset", "e0"});
    EXPECT_EQ(reply["status"], "NDIS_STATUS_SUCCESS");
    EXPECT_EQ(reply["pended"], false);
    EXPECT_EQ(reply["addressing_reset"], false);

    r = run({"reset", "nosuch"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err, "strata: no adapter or virtual miniport named nosuch (see strata device list)\n");

    r = run({"oid", "query", "e0", "OID_GEN_MAXIMUM_FRAME_SIZE"});
    EXPECT_EQ(r.status, 0) << "the adapter answers after the reset: " << r.err;
    EXPECT_EQ(run({"stop"}).status, 0);
}

}  // namespace
