// seed_verifier_rules_im_test.cpp — issue 7 part 4 (DESIGN.md "Verifier"), the intermediate
// driver rule: tests/drivers/broken_im.c passes the descriptors its virtual miniport is given
// straight down, and indicates the ones it receives straight up (seed 003 §2.5, §2.6, §2.8: every
// IM must replace them with its own, or use NDIS 5.1 packet stacking after
// NdisIMGetCurrentPacketStack), and the verifier must say so once per packet, naming broken_im,
// while the frames still get through.
#include "im_fixture.h"

namespace strata::test::im {
namespace {

class VerifierImRules : public ImTest {
protected:
    void SetUp() override {
        ImTest::SetUp();
        ASSERT_EQ(host().load_driver("broken_im"), STATUS_SUCCESS) << host().last_error();
    }

    // Exactly one report since the last clear: PacketDescriptorReplaced against broken_im, its
    // message naming `function`.
    void expect_one_replaced(const std::string& function) {
        std::vector<verifier::Report> reports = verifier::reports();
        ASSERT_EQ(reports.size(), 1u);
        const verifier::Report& r = reports.front();
        EXPECT_EQ(r.rule, verifier::Rule::PacketDescriptorReplaced) << r.message;
        EXPECT_EQ(r.driver, "broken_im");
        EXPECT_NE(r.object, nullptr);
        EXPECT_NE(r.message.find(function), std::string::npos) << r.message;
    }
};

TEST_F(VerifierImRules, Seed_2_5_ImPassingTheSendersDescriptorDownIsPacketDescriptorReplaced) {
    Chain c = chain(91, {"broken_im"});
    ASSERT_TRUE(ok(c));
    verifier::clear();
    ASSERT_TRUE(send_and_wait(c.top_probe, c.far_mac, 1, c.far->probe));
    expect_one_replaced("NdisSend");
    EXPECT_NE(verifier::reports().front().message.find("NdisIMGetCurrentPacketStack"), std::string::npos);
    // The host keeps running: more traffic flows, one report per packet passed down.
    ASSERT_TRUE(send_and_wait(c.top_probe, c.far_mac, 8, c.far->probe));
    EXPECT_EQ(verifier::count(verifier::Rule::PacketDescriptorReplaced), 9u);
}

TEST_F(VerifierImRules, Seed_2_7_1_ImIndicatingTheReceivedDescriptorUpIsPacketDescriptorReplaced) {
    Chain c = chain(93, {"broken_im"});
    ASSERT_TRUE(ok(c));
    verifier::clear();
    ASSERT_TRUE(send_and_wait(c.far->probe, c.top_mac, 1, c.top_probe));
    quiesce();
    expect_one_replaced("NdisMIndicateReceivePacket");
    ASSERT_TRUE(send_and_wait(c.far->probe, c.top_mac, 8, c.top_probe));
    quiesce();
    EXPECT_EQ(verifier::count(verifier::Rule::PacketDescriptorReplaced), 9u);
    EXPECT_EQ(loop_stats(c.near->loop).ReturnsOutstanding, 0u) << "every packet went back to the NIC";
}

// The same stack through passthru with packet stacking asks first: no report.
TEST_F(VerifierImRules, Seed_2_5_ImStackingAfterNdisIMGetCurrentPacketStackIsNotReported) {
    if (!std::filesystem::exists(driver_dir() / "passthru.sys")) GTEST_SKIP() << "passthru.sys not built";
    Chain c = chain(92, {"passthru"}, {}, {{"passthru", {{"PacketStacking", Value::dword(1)}}}});
    ASSERT_TRUE(ok(c));
    verifier::clear();
    ASSERT_TRUE(send_and_wait(c.top_probe, c.far_mac, 8, c.far->probe));
    EXPECT_EQ(verifier::count(verifier::Rule::PacketDescriptorReplaced), 0u);
}

}  // namespace
}  // namespace strata::test::im
