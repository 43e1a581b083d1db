// traffic_counters_test.cpp — the per-adapter and per-binding counters `strata stats` prints
// (issue 3 "stats … packets, bytes, drops with reasons"): sends count on the binding and add up
// on its adapter, also after the binding closed; receives count per adapter and per binding.
#include "datapath_test_drivers.h"
#include "ndis/stats.h"

namespace strata::test::datapath {
namespace {

using ndis::Counter;

class TrafficCounters : public DatapathTest {
protected:
    static const ndis::AdapterStats* find(const std::vector<ndis::AdapterStats>& all, const std::string& device) {
        for (const auto& a : all)
            if (a.device_name == device) return &a;
        return nullptr;
    }
    static std::uint64_t at(const ndis::CounterValues& v, Counter c) { return v[static_cast<unsigned>(c)]; }
};

TEST_F(TrafficCounters, SendsAndReceivesAddUpPerBindingAndAdapter) {
    auto& a = loop_adapter({{"Wire", dword(31)}});
    auto& b = loop_adapter({{"Wire", dword(31)}});
    ASSERT_EQ(probe().send(a.probe, b.mac.data(), 100, 200, 32, 0), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_sends_completed(a.probe, 200, kWaitMs), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_received(b.probe, 200, kWaitMs), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().send(a.probe, b.mac.data(), 60, 5, 1, 0), NDIS_STATUS_SUCCESS);  // NdisSend
    ASSERT_EQ(probe().wait_received(b.probe, 205, kWaitMs), NDIS_STATUS_SUCCESS);

    auto stats = ndis::adapter_stats();
    const auto* sender = find(stats, a.info.device_name);
    const auto* receiver = find(stats, b.info.device_name);
    ASSERT_NE(sender, nullptr);
    ASSERT_NE(receiver, nullptr);
    ASSERT_EQ(sender->bindings.size(), 1u);
    EXPECT_EQ(at(sender->bindings[0].counters, Counter::SentPackets), 205u);
    EXPECT_EQ(at(sender->bindings[0].counters, Counter::SentBytes), 200u * 100 + 5 * 60);
    EXPECT_EQ(at(sender->counters, Counter::SentPackets), 205u);
    ASSERT_EQ(receiver->bindings.size(), 1u);
    EXPECT_EQ(at(receiver->bindings[0].counters, Counter::ReceivedPackets), 205u);
    EXPECT_EQ(at(receiver->bindings[0].counters, Counter::ReceivedBytes), 200u * 100 + 5 * 60);
    EXPECT_EQ(at(receiver->counters, Counter::ReceivedPackets), 205u);
    EXPECT_EQ(at(receiver->counters, Counter::ReceivedBytes), 200u * 100 + 5 * 60);
    EXPECT_EQ(at(receiver->counters, Counter::Runt), 0u);

    ASSERT_EQ(host().unbind("probe", a.info.device_name), NDIS_STATUS_SUCCESS);
    stats = ndis::adapter_stats();
    sender = find(stats, a.info.device_name);
    ASSERT_NE(sender, nullptr);
    EXPECT_TRUE(sender->bindings.empty());
    EXPECT_EQ(at(sender->counters, Counter::SentPackets), 205u);  // kept after the binding closed
}

}  // namespace
}  // namespace strata::test::datapath
