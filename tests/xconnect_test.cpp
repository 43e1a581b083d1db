// xconnect_test.cpp — system test of the wire path of issue 6 item 6: namespace A — veth —
// afpacket — passthru — xconnect — passthru — afpacket — veth — namespace B, installed and
// started with the strata command. Linux in A and Linux in B share one Ethernet segment through
// the NDIS stack: ping crosses it (ARP included), every frame is forwarded, and `strata stop`
// leaves the pools balanced. Needs root (STRATA_REQUIRE_NETWORKS).
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "cli_harness.h"
#include "netns.h"

namespace {

using strata::test::CliResult;
using strata::test::NetNamespace;
using strata::test::VethPair;
using namespace std::chrono_literals;

constexpr const char* kAddressA = "198.18.60.1";
constexpr const char* kAddressB = "198.18.60.2";

class XconnectWire : public strata::test::CliHarness {
protected:
    void SetUp() override {
        STRATA_REQUIRE_NETWORKS();
        CliHarness::SetUp();
        for (const char* inf : {"netafpacket.inf", "netpassthru.inf", "netxconnect.inf"})
            ASSERT_EQ(run({"install", driver_file(inf)}).status, 0) << inf;
        veth_a_.emplace();
        veth_b_.emplace();
        ns_a_.emplace();
        ns_b_.emplace();
        ns_a_->adopt(veth_a_->far_end(), std::string(kAddressA) + "/24");
        ns_b_->adopt(veth_b_->far_end(), std::string(kAddressB) + "/24");
    }

    void TearDown() override {
        if (HasFailure()) std::fprintf(stderr, "host.log:\n%s\n", read_file(root_ / "host.log").c_str());
        if (!dir_.empty()) CliHarness::TearDown();
    }

    std::optional<VethPair> veth_a_, veth_b_;
    std::optional<NetNamespace> ns_a_, ns_b_;
};

TEST_F(XconnectWire, PingCrossesTwoAfpacketAdaptersThroughPassthruAndXconnect) {
    ASSERT_EQ(run({"device", "add", "strata_afpacket", "--name", "port-a", "--param", "Interface=" + veth_a_->near_end()})
                  .status,
              0);
    ASSERT_EQ(run({"device", "add", "strata_afpacket", "--name", "port-b", "--param", "Interface=" + veth_b_->near_end()})
                  .status,
              0);
    CliResult bindings = run({"bindings"});
    EXPECT_NE(bindings.out.find("strata_xconnect -> passthru-port-a"), std::string::npos) << bindings.out;
    EXPECT_NE(bindings.out.find("strata_xconnect -> passthru-port-b"), std::string::npos) << bindings.out;
    CliResult started = run({"start"});
    ASSERT_EQ(started.status, 0) << started.err;

    strata::test::CommandResult ping = ns_a_->run(std::string("ping -c 5 -i 0.2 -W 2 ") + kAddressB);
    EXPECT_EQ(ping.exit_code, 0) << ping.output;
    EXPECT_NE(ping.output.find("5 received"), std::string::npos) << ping.output;

    nlohmann::json stats = json({"stats"});
    ASSERT_TRUE(stats.is_object()) << stats.dump();
    CliResult stopped = run({"stop"});
    EXPECT_EQ(stopped.status, 0) << stopped.out << stopped.err;
    EXPECT_NE(stopped.out.find("every packet and buffer pool balanced"), std::string::npos) << stopped.out;
}

// xconnect takes the first two adapters it is offered and refuses any other.
TEST_F(XconnectWire, AThirdAdapterIsRefusedInOneLine) {
    VethPair third;
    for (auto [name, ifname] : {std::pair{"port-a", veth_a_->near_end()}, std::pair{"port-b", veth_b_->near_end()},
                                std::pair{"port-c", third.near_end()}})
        ASSERT_EQ(run({"device", "add", "strata_afpacket", "--name", name, "--param", "Interface=" + ifname}).status, 0);
    // The refused bind fails the start in one line, and no host is left running.
    CliResult started = run({"start"});
    EXPECT_EQ(started.status, 2);
    EXPECT_TRUE(one_line(started.err)) << started.err;
    EXPECT_NE(started.err.find("binding xconnect to"), std::string::npos) << started.err;
    EXPECT_EQ(run({"status"}).status, 3);
}

}  // namespace
