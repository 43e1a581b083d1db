// seed_2_11_removal_test.cpp — conformance: an adapter that goes away (seed 003 §2.11). A miniport
// that calls NdisMRemoveMiniport — from its DPC, as afpacket does when its interface is deleted —
// is told it was surprise-removed (MiniportPnPEventNotify, NdisDevicePnPEventSurpriseRemoved),
// then every protocol bound to it is unbound (ProtocolUnbindAdapter, NdisCloseAdapter) and only
// then is it halted; a second call changes nothing, and sends on the closed binding fail with
// NDIS_STATUS_CLOSING.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "ndis_test_drivers.h"

namespace {

using namespace strata::test::drivers;

class Seed_2_11 : public StackTest {};

TEST_F(Seed_2_11, Seed_2_11_NdisMRemoveMiniportNotifiesUnbindsThenHalts) {
    EventLog log;
    TestMiniport::Options mo;
    mo.log = &log;
    TestMiniport m(host(), "seedrmmp", mo);
    ASSERT_EQ(m.register_driver(), NDIS_STATUS_SUCCESS);
    strata::AdapterInfo info;
    MiniportAdapter* adapter = m.add_adapter({}, &info);
    ASSERT_NE(adapter, nullptr);
    TestProtocol::Options po;
    po.log = &log;
    TestProtocol p("seedrmpt", po);
    ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(host().bind(p.name(), info.device_name), NDIS_STATUS_SUCCESS);
    ProtocolBinding* b = p.open_binding(info.device_name);
    ASSERT_NE(b, nullptr);
    NDIS_HANDLE closed_handle = b->handle;

    NDIS_STATUS first = NDIS_STATUS_FAILURE;
    NDIS_STATUS second = NDIS_STATUS_FAILURE;
    host().run_at_dispatch(0, [&] {
        first = NdisMRemoveMiniport(adapter->handle);
        second = NdisMRemoveMiniport(adapter->handle);
    });
    EXPECT_EQ(first, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(second, NDIS_STATUS_SUCCESS) << "asking twice is not an error";

    ASSERT_TRUE(p.wait(b, [](const ProtocolBinding& x) { return x.unbound; }));
    // MiniportHalt follows the unbind on the host's removal thread; poll it with a deadline.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!adapter->halted.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    ASSERT_TRUE(adapter->halted.load()) << "the removal thread halted the adapter";
    EXPECT_FALSE(host().adapter_running(info.device_name));

    long notified = log.index_of("pnp" + std::to_string(static_cast<int>(NdisDevicePnPEventSurpriseRemoved)) + ":seedrmmp");
    long unbound = log.index_of("unbind:seedrmpt");
    long halted = log.index_of("halt:seedrmmp");
    ASSERT_GE(notified, 0) << "MiniportPnPEventNotify(NdisDevicePnPEventSurpriseRemoved) ran";
    ASSERT_GE(unbound, 0);
    ASSERT_GE(halted, 0);
    EXPECT_LT(notified, unbound) << "the driver hears of the removal before its protocols are unbound";
    EXPECT_LT(unbound, halted) << "and they are unbound before MiniportHalt";
    EXPECT_EQ(m.halts(), 1u) << "halted once";

    PNDIS_PACKET packet = p.make_packet();
    ASSERT_NE(packet, nullptr);
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    NdisSend(&status, closed_handle, packet);
    EXPECT_NE(status, NDIS_STATUS_SUCCESS) << "the binding is gone";
    EXPECT_NE(status, NDIS_STATUS_PENDING);
    p.free_packet(packet);
}

}  // namespace
