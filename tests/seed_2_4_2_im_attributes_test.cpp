// seed_2_4_2_im_attributes_test.cpp — conformance: the attributes of an intermediate driver's
// virtual miniport (seed 003 §2.4.2, §2.6): MiniportInitialize sets NDIS_ATTRIBUTE_INTERMEDIATE_DRIVER,
// NDIS_ATTRIBUTE_DESERIALIZE, NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND and the two timeout flags with
// NdisMSetAttributesEx, NDIS records them, and NDIS treats the virtual miniport as deserialized
// (no send queue: a send that pends below does not hold the next one back).
#include "im_fixture.h"

namespace strata::test::im {
namespace {

class Seed_2_4_2_Im : public ImTest {};

constexpr ULONG kImAttributes = NDIS_ATTRIBUTE_INTERMEDIATE_DRIVER | NDIS_ATTRIBUTE_DESERIALIZE |
                                NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND | NDIS_ATTRIBUTE_IGNORE_PACKET_TIMEOUT |
                                NDIS_ATTRIBUTE_IGNORE_REQUEST_TIMEOUT;

// "MiniportInitialize也必须设置AttributeFlags参数 ... 中的NDIS_ATTRIBUTE_INTERMEDIATE_DRIVER标记", "必须像一个非串行
// 驱动程序那样进行操作 ... NDIS_ATTRIBUTE_DESERIALIZE", "也必须设置 ... NDIS_ATTRIBUTE_NO_HALT_SUSPEND": what
// each IM passes and what NDIS keeps for its virtual miniport.
TEST_F(Seed_2_4_2_Im, Seed_2_4_2_VirtualMiniportIsDeserializedAndIntermediate) {
    auto& a = loop_on(60);
    Layer l = layer("imcount", a.info.device_name, {}, /*bind_probe=*/false);
    ASSERT_FALSE(l.upper.empty());
    EXPECT_EQ(imcount_stats(a.info.device_name).AttributeFlags, kImAttributes);
    ULONG recorded = attribute_flags(l.upper);
    EXPECT_EQ(recorded & kImAttributes, kImAttributes) << std::hex << recorded;
    ndis::Miniport* m = ndis::Library::instance().find_miniport(l.upper);
    ASSERT_NE(m, nullptr);
    EXPECT_FALSE(m->serialized());
    EXPECT_TRUE(m->driver->layered) << "registered with NdisIMRegisterLayeredMiniport";
    EXPECT_FALSE(ndis::Library::instance().find_miniport(a.info.device_name)->driver->layered);

    auto& b = loop_on(60);
    std::string v = virtual_device("immux");
    set_binding_value("immux", b.info.device_name, "UpperBindings", Value::multi_sz({v}));
    ASSERT_EQ(host().bind("immux", b.info.device_name), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(velan_stats(v).AttributeFlags, kImAttributes);
    EXPECT_EQ(attribute_flags(v) & kImAttributes, kImAttributes);

    if (have_passthru()) {
        auto& c = loop_on(60);
        Layer p = layer("passthru", c.info.device_name, {}, /*bind_probe=*/false);
        ASSERT_FALSE(p.upper.empty());
        EXPECT_EQ(attribute_flags(p.upper) & kImAttributes, kImAttributes) << std::hex << attribute_flags(p.upper);
    }
}

// A deserialized miniport keeps its own send queue: NDIS hands it every send at once. Below
// imcount an in-test miniport pends every send; all of probe's sends still reach imcount and go
// down, none completes until the miniport below completes them, and then each completes once.
TEST_F(Seed_2_4_2_Im, Seed_2_4_2_DeserializedVirtualMiniportGetsSendsWhileOthersPend) {
    datapath::TestAdapter& below = test_adapter();
    below.decide = [](PNDIS_PACKET) { return NDIS_STATUS_PENDING; };
    Layer l = layer("imcount", below.info.device_name);
    ASSERT_NE(l.probe, nullptr);
    const Mac to{0x02, 0x44, 0x45, 0x53, 0x54, 0x01};
    ASSERT_EQ(probe().send(l.probe, to.data(), 100, 20, 1, 0), NDIS_STATUS_SUCCESS);
    ASSERT_TRUE(below.wait([&] { return below.pending().size() == 20; })) << below.pending().size();
    IMCOUNT_STATS s = imcount_stats(below.info.device_name);
    EXPECT_EQ(s.SendsFromAbove, 20u) << "NDIS queued nothing in front of the virtual miniport";
    EXPECT_EQ(s.SendsCompletedUp, 0u);
    EXPECT_EQ(stats(l.probe).SendsCompleted, 0u);

    EXPECT_EQ(below.complete_sends(), 20u);
    ASSERT_EQ(probe().wait_sends_completed(l.probe, 20, kWaitMs), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(imcount_stats(below.info.device_name).SendsCompletedUp, 20u);
    EXPECT_EQ(stats(l.probe).SendsFailed, 0u);
}

// The virtual miniport exports the medium of the adapter it is bound to, and NDIS reads its
// station address (OID_802_3_CURRENT_ADDRESS through the IM) for its Ethernet filter.
TEST_F(Seed_2_4_2_Im, Seed_2_4_2_VirtualMiniportExportsTheLowerMedium) {
    auto& a = loop_on(61);
    Layer l = layer("imcount", a.info.device_name);
    ASSERT_NE(l.probe, nullptr);
    ndis::Miniport* m = ndis::Library::instance().find_miniport(l.upper);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->medium, NdisMedium802_3);
    Mac station{};
    std::copy(m->station.begin(), m->station.end(), station.begin());
    EXPECT_EQ(station, a.mac);
    bool listed = false;
    for (const AdapterInfo& info : host().adapters())
        if (info.device_name == l.upper) listed = info.medium == NdisMedium802_3 && info.service == "imcount";
    EXPECT_TRUE(listed) << "Host::adapters lists the initialised virtual miniport";
}

}  // namespace
}  // namespace strata::test::im
