// bad_input_test.cpp — conformance: bad input to the NDIS calls of seed 003 §2.4–§2.12. A NULL,
// closed or wrong-kind handle, or a NULL pointer the documentation does not allow, gets the
// documented failure status (or is ignored by a VOID call) and one verifier report; it never
// crashes and never reaches a driver. Tests are named after the section of the call they feed.
#include <gtest/gtest.h>

#include "ndis_test_drivers.h"

namespace {

using namespace strata::test::drivers;
using strata::verifier::Rule;

class BadInput : public StackTest {
protected:
    ProtocolBinding* bind_protocol(TestProtocol& p, const std::string& device) {
        EXPECT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
        EXPECT_EQ(host().bind(p.name(), device), NDIS_STATUS_SUCCESS);
        return p.open_binding(device);
    }
    // A binding handle that was valid and is closed now (the protocol was unbound).
    NDIS_HANDLE closed_handle(TestProtocol& p, const std::string& device) {
        ProtocolBinding* b = bind_protocol(p, device);
        EXPECT_NE(b, nullptr);
        if (b == nullptr) return nullptr;
        NDIS_HANDLE handle = b->handle;
        EXPECT_EQ(host().unbind(p.name(), device), NDIS_STATUS_SUCCESS);
        strata::verifier::clear();
        return handle;
    }
    static std::uint64_t invalid_handles() { return strata::verifier::count(Rule::InvalidHandle); }
    static std::uint64_t null_parameters() { return strata::verifier::count(Rule::NullParameter); }
};

NDIS_REQUEST query_request(NDIS_OID oid, ULONG* value) {
    NDIS_REQUEST r{};
    r.RequestType = NdisRequestQueryInformation;
    r.DATA.QUERY_INFORMATION.Oid = oid;
    r.DATA.QUERY_INFORMATION.InformationBuffer = value;
    r.DATA.QUERY_INFORMATION.InformationBufferLength = sizeof *value;
    return r;
}

TEST_F(BadInput, Seed_2_8_NdisSendWithNullOrClosedBindingHandle) {
    auto& a = add();
    TestProtocol gone("badsendgone");
    NDIS_HANDLE stale = closed_handle(gone, a.info.device_name);
    TestProtocol p("badsend");
    ProtocolBinding* b = bind_protocol(p, a.info.device_name);
    ASSERT_NE(b, nullptr);
    PNDIS_PACKET packet = p.make_packet();
    ASSERT_NE(packet, nullptr);
    LOOP_STATS before{};
    loop().get_stats(a.loop, &before);
    strata::verifier::clear();

    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    NdisSend(&status, nullptr, packet);
    EXPECT_TRUE(failed(status)) << std::hex << status;
    EXPECT_EQ(invalid_handles(), 1u);

    status = NDIS_STATUS_SUCCESS;
    NdisSend(&status, stale, packet);
    EXPECT_TRUE(failed(status)) << std::hex << status;
    EXPECT_EQ(invalid_handles(), 2u);

    PNDIS_PACKET array[] = {packet};
    NdisSendPackets(stale, array, 1);
    EXPECT_EQ(invalid_handles(), 3u);

    status = NDIS_STATUS_SUCCESS;
    NdisSend(&status, b->handle, nullptr);
    EXPECT_TRUE(failed(status));
    EXPECT_EQ(null_parameters(), 1u);
    NdisSend(nullptr, b->handle, packet);
    EXPECT_EQ(null_parameters(), 2u) << "no status to write: reported and not sent";

    LOOP_STATS after{};
    loop().get_stats(a.loop, &after);
    EXPECT_EQ(after.TxFrames, before.TxFrames) << "nothing reached the miniport";
    EXPECT_EQ(p.snapshot(b).send_completes, 0u) << "and no ProtocolSendComplete followed";

    // The packet is still the protocol's: it can be sent for real, then freed.
    status = NDIS_STATUS_FAILURE;
    NdisSend(&status, b->handle, packet);
    if (status == NDIS_STATUS_PENDING)
        EXPECT_TRUE(p.wait(b, [](const ProtocolBinding& r) { return r.send_completes == 1; }));
    else
        EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
    p.free_packet(packet);
    EXPECT_EQ(strata::verifier::count(Rule::PacketNotOwned), 0u);
    EXPECT_EQ(strata::verifier::count(Rule::DoubleFree), 0u);
}

TEST_F(BadInput, Seed_2_4_3_NdisRequestWithNullOrClosedBindingHandle) {
    auto& a = add();
    TestProtocol gone("badreqgone");
    NDIS_HANDLE stale = closed_handle(gone, a.info.device_name);
    TestProtocol p("badreq");
    ProtocolBinding* b = bind_protocol(p, a.info.device_name);
    ASSERT_NE(b, nullptr);
    strata::verifier::clear();
    ULONG value = 0;
    NDIS_REQUEST request = query_request(OID_GEN_MAXIMUM_FRAME_SIZE, &value);

    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    NdisRequest(&status, nullptr, &request);
    EXPECT_TRUE(failed(status));
    EXPECT_EQ(invalid_handles(), 1u);

    status = NDIS_STATUS_SUCCESS;
    NdisRequest(&status, stale, &request);
    EXPECT_TRUE(failed(status));
    EXPECT_EQ(invalid_handles(), 2u);

    status = NDIS_STATUS_SUCCESS;
    NdisRequest(&status, p.handle(), &request);  // a protocol handle is not a binding handle
    EXPECT_TRUE(failed(status));
    EXPECT_EQ(invalid_handles(), 3u);

    status = NDIS_STATUS_SUCCESS;
    NdisRequest(&status, b->handle, nullptr);
    EXPECT_TRUE(failed(status));
    EXPECT_EQ(null_parameters(), 1u);
    NdisRequest(nullptr, b->handle, &request);
    EXPECT_EQ(null_parameters(), 2u);
    NdisRequest(nullptr, nullptr, nullptr);
    EXPECT_EQ(invalid_handles(), 4u);

    EXPECT_EQ(value, 0u) << "no request reached the miniport";
    EXPECT_TRUE(p.snapshot(b).request_completes.empty());
    // The binding itself is unharmed.
    RequestResult r = p.query(b, OID_GEN_MAXIMUM_FRAME_SIZE, &value, sizeof value);
    EXPECT_EQ(r.status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(value, 1500u);
    EXPECT_EQ(strata::verifier::count(Rule::RequestOutstanding), 0u);
}

TEST_F(BadInput, Seed_2_11_NdisCloseAdapterWithNullOrClosedBindingHandle) {
    auto& a = add();
    TestProtocol gone("badclosegone");
    NDIS_HANDLE stale = closed_handle(gone, a.info.device_name);

    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    NdisCloseAdapter(&status, nullptr);
    EXPECT_TRUE(failed(status));
    EXPECT_EQ(invalid_handles(), 1u);

    status = NDIS_STATUS_SUCCESS;
    NdisCloseAdapter(&status, stale);
    EXPECT_TRUE(failed(status)) << "a binding cannot be closed twice";
    EXPECT_EQ(invalid_handles(), 2u);

    NdisCloseAdapter(nullptr, stale);
    EXPECT_EQ(invalid_handles(), 3u);

    // probe's binding to the same adapter still works.
    EXPECT_EQ(probe_ulong(a.probe, OID_GEN_MAXIMUM_FRAME_SIZE), 1500u);
}

TEST_F(BadInput, Seed_2_10_NdisResetWithNullOrClosedBindingHandle) {
    auto& a = add();
    TestProtocol gone("badresetgone");
    NDIS_HANDLE stale = closed_handle(gone, a.info.device_name);
    probe().reset_stats(a.probe);

    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    NdisReset(&status, nullptr);
    EXPECT_TRUE(failed(status));
    EXPECT_EQ(invalid_handles(), 1u);
    status = NDIS_STATUS_SUCCESS;
    NdisReset(&status, stale);
    EXPECT_TRUE(failed(status));
    EXPECT_EQ(invalid_handles(), 2u);
    EXPECT_EQ(probe_stats(a.probe).StatusIndications, 0u) << "no reset started";
}

class BadInputMiniport : public BadInput {
protected:
    void SetUp() override {
        BadInput::SetUp();
        miniport_ = std::make_unique<TestMiniport>(host(), "badmp");
        ASSERT_EQ(miniport_->register_driver(), NDIS_STATUS_SUCCESS);
        adapter_ = miniport_->add_adapter({}, &info_);
        ASSERT_NE(adapter_, nullptr);
        protocol_ = std::make_unique<TestProtocol>("badmpproto");
        binding_ = bind_protocol(*protocol_, info_.device_name);
        ASSERT_NE(binding_, nullptr);
        ULONG filter = NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_DIRECTED;
        ASSERT_EQ(protocol_->set(binding_, OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof filter).status,
                  NDIS_STATUS_SUCCESS);
        strata::verifier::clear();
    }
    void TearDown() override {
        protocol_.reset();
        miniport_.reset();
        BadInput::TearDown();
    }
    // The adapter's MiniportAdapterHandle after the adapter was halted and removed.
    NDIS_HANDLE remove_adapter() {
        NDIS_HANDLE handle = adapter_->handle;
        EXPECT_EQ(miniport_->remove_adapter(adapter_), NDIS_STATUS_SUCCESS);
        strata::verifier::clear();
        return handle;
    }

    std::unique_ptr<TestMiniport> miniport_;
    strata::AdapterInfo info_;
    MiniportAdapter* adapter_ = nullptr;
    std::unique_ptr<TestProtocol> protocol_;
    ProtocolBinding* binding_ = nullptr;
};

TEST_F(BadInputMiniport, Seed_2_8_NdisMSendCompleteWithNullOrStaleMiniportHandle) {
    PNDIS_PACKET packet = protocol_->make_packet();
    ASSERT_NE(packet, nullptr);
    NdisMSendComplete(nullptr, packet, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(invalid_handles(), 1u);
    NdisMSendComplete(adapter_->handle, packet, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(strata::verifier::count(Rule::PacketNotOwned), 1u) << "NDIS never gave the miniport this packet";
    EXPECT_EQ(protocol_->snapshot(binding_).send_completes, 0u) << "no ProtocolSendComplete for either";

    PNDIS_PACKET loose = protocol_->make_packet();
    NDIS_HANDLE stale = remove_adapter();
    NdisMSendComplete(stale, loose, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(invalid_handles(), 1u);
    protocol_->free_packet(packet);
    protocol_->free_packet(loose);
}

TEST_F(BadInputMiniport, Seed_2_7_1_NdisMIndicateReceivePacketWithNullOrStaleMiniportHandle) {
    PNDIS_PACKET packet = protocol_->make_packet();  // a broadcast frame
    ASSERT_NE(packet, nullptr);
    PNDIS_PACKET packets[] = {packet};
    host().run_at_dispatch(0, [&] { NdisMIndicateReceivePacket(nullptr, packets, 1); });
    EXPECT_EQ(invalid_handles(), 1u);
    EXPECT_EQ(protocol_->snapshot(binding_).receives, 0u);

    // The same indication with the right handle is delivered: the NULL one was refused, not lost.
    host().run_at_dispatch(0, [&] { NdisMIndicateReceivePacket(adapter_->handle, packets, 1); });
    EXPECT_EQ(protocol_->snapshot(binding_).receives, 1u);

    NDIS_HANDLE stale = remove_adapter();
    host().run_at_dispatch(0, [&] { NdisMIndicateReceivePacket(stale, packets, 1); });
    EXPECT_EQ(invalid_handles(), 1u);
    EXPECT_EQ(protocol_->snapshot(binding_).receives, 1u);
    protocol_->free_packet(packet);
}

TEST_F(BadInputMiniport, Seed_2_12_NdisMIndicateStatusWithNullOrStaleMiniportHandle) {
    NdisMIndicateStatus(nullptr, NDIS_STATUS_MEDIA_DISCONNECT, nullptr, 0);
    NdisMIndicateStatusComplete(nullptr);
    EXPECT_EQ(invalid_handles(), 2u);
    EXPECT_TRUE(protocol_->snapshot(binding_).statuses.empty());
    EXPECT_EQ(protocol_->snapshot(binding_).status_completes, 0u);

    NDIS_HANDLE stale = remove_adapter();
    NdisMIndicateStatus(stale, NDIS_STATUS_MEDIA_CONNECT, nullptr, 0);
    NdisMResetComplete(stale, NDIS_STATUS_SUCCESS, FALSE);
    EXPECT_EQ(invalid_handles(), 2u);
    EXPECT_EQ(strata::verifier::count(Rule::ResetNotStarted), 0u) << "a stale handle is not an adapter";
}

TEST_F(BadInputMiniport, Seed_2_8_NullPacketArgumentsAreReported) {
    NdisMSendComplete(adapter_->handle, nullptr, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(null_parameters(), 1u);
    host().run_at_dispatch(0, [&] { NdisMIndicateReceivePacket(adapter_->handle, nullptr, 1); });
    EXPECT_EQ(null_parameters(), 2u);
    EXPECT_EQ(protocol_->snapshot(binding_).send_completes, 0u);
    EXPECT_EQ(protocol_->snapshot(binding_).receives, 0u);
}

TEST_F(BadInput, Seed_2_5_NdisAllocatePacketWithNullOrFreedPool) {
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    PNDIS_PACKET packet = reinterpret_cast<PNDIS_PACKET>(0x1);
    NdisAllocatePacket(&status, &packet, nullptr);
    EXPECT_EQ(status, NDIS_STATUS_FAILURE);
    EXPECT_EQ(packet, nullptr);
    EXPECT_EQ(invalid_handles(), 1u);

    NDIS_HANDLE pool = nullptr;
    NdisAllocatePacketPool(&status, &pool, 4, 16);
    ASSERT_EQ(status, NDIS_STATUS_SUCCESS);
    NdisFreePacketPool(pool);
    packet = reinterpret_cast<PNDIS_PACKET>(0x1);
    status = NDIS_STATUS_SUCCESS;
    NdisAllocatePacket(&status, &packet, pool);
    EXPECT_EQ(status, NDIS_STATUS_FAILURE) << "a freed pool";
    EXPECT_EQ(packet, nullptr);
    EXPECT_EQ(invalid_handles(), 2u);

    NDIS_HANDLE buffers = nullptr;
    NdisAllocateBufferPool(&status, &buffers, 4);
    ASSERT_EQ(status, NDIS_STATUS_SUCCESS);
    status = NDIS_STATUS_SUCCESS;
    NdisAllocatePacket(&status, &packet, buffers);
    EXPECT_EQ(status, NDIS_STATUS_FAILURE) << "a buffer pool is not a packet pool";
    EXPECT_EQ(packet, nullptr);
    EXPECT_EQ(invalid_handles(), 3u);
    NdisFreeBufferPool(buffers);
}

TEST_F(BadInput, Seed_2_5_NdisAllocatePacketNullOutPointersAreReported) {
    NDIS_HANDLE pool = nullptr;
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    NdisAllocatePacketPool(&status, &pool, 4, 16);
    ASSERT_EQ(status, NDIS_STATUS_SUCCESS);
    status = NDIS_STATUS_SUCCESS;
    NdisAllocatePacket(&status, nullptr, pool);
    EXPECT_EQ(status, NDIS_STATUS_FAILURE);
    EXPECT_EQ(null_parameters(), 1u);
    PNDIS_PACKET packet = nullptr;
    NdisAllocatePacket(nullptr, &packet, pool);
    EXPECT_EQ(null_parameters(), 2u);
    EXPECT_EQ(NdisPacketPoolUsage(pool), 0u) << "no descriptor was taken by either call";
    NdisFreePacketPool(pool);
}

TEST_F(BadInput, Seed_2_4_1_NdisOpenAdapterNullOutPointersAndBadProtocolHandle) {
    auto& a = add();
    TestProtocol p("badopen");
    ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
    OwnedUnicode name(a.info.device_name);
    NDIS_MEDIUM media[] = {NdisMedium802_3};
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    NDIS_STATUS open_error = NDIS_STATUS_SUCCESS;
    NDIS_HANDLE handle = nullptr;
    UINT index = 0;

    NdisOpenAdapter(&status, &open_error, nullptr, &index, media, 1, p.handle(), nullptr, name.get(), 0, nullptr);
    EXPECT_TRUE(failed(status)) << "NULL NdisBindingHandle";
    NdisOpenAdapter(&status, &open_error, &handle, nullptr, media, 1, p.handle(), nullptr, name.get(), 0, nullptr);
    EXPECT_TRUE(failed(status)) << "NULL SelectedMediumIndex";
    NdisOpenAdapter(&status, &open_error, &handle, &index, nullptr, 1, p.handle(), nullptr, name.get(), 0, nullptr);
    EXPECT_TRUE(failed(status)) << "NULL MediumArray";
    NdisOpenAdapter(&status, &open_error, &handle, &index, media, 1, p.handle(), nullptr, nullptr, 0, nullptr);
    EXPECT_TRUE(failed(status)) << "NULL AdapterName";
    NdisOpenAdapter(nullptr, &open_error, &handle, &index, media, 1, p.handle(), nullptr, name.get(), 0, nullptr);
    EXPECT_EQ(null_parameters(), 5u);

    status = NDIS_STATUS_SUCCESS;
    NdisOpenAdapter(&status, &open_error, &handle, &index, media, 1, nullptr, nullptr, name.get(), 0, nullptr);
    EXPECT_TRUE(failed(status)) << "NULL NdisProtocolHandle";
    EXPECT_EQ(invalid_handles(), 1u);

    // None of these opened anything: a status indication reaches only probe.
    probe().reset_stats(a.probe);
    loop().indicate_status(a.loop, NDIS_STATUS_MEDIA_CONNECT, nullptr, 0);
    EXPECT_EQ(probe_stats(a.probe).StatusIndications, 1u);
}

TEST_F(BadInput, Seed_2_4_2_ConfigurationCallsWithBadHandles) {
    NDIS_HANDLE saved_context = nullptr;
    NDIS_HANDLE closed_config = nullptr;
    TestMiniport::Options mo;
    mo.on_initialize = [&](MiniportAdapter&, NDIS_HANDLE wrapper_configuration) {
        saved_context = wrapper_configuration;
        NDIS_STATUS status;
        NdisOpenConfiguration(&status, &closed_config, wrapper_configuration);
        if (status == NDIS_STATUS_SUCCESS) NdisCloseConfiguration(closed_config);
    };
    TestMiniport m(host(), "badconfig", mo);
    ASSERT_EQ(m.register_driver(), NDIS_STATUS_SUCCESS);
    ASSERT_NE(m.add_adapter(), nullptr);
    ASSERT_NE(closed_config, nullptr);
    strata::verifier::clear();

    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    NDIS_HANDLE config = reinterpret_cast<NDIS_HANDLE>(0x1);
    NdisOpenConfiguration(&status, &config, nullptr);
    EXPECT_EQ(status, NDIS_STATUS_FAILURE);
    EXPECT_EQ(config, nullptr);
    EXPECT_EQ(invalid_handles(), 1u);

    status = NDIS_STATUS_SUCCESS;
    NdisOpenConfiguration(&status, &config, saved_context);
    EXPECT_EQ(status, NDIS_STATUS_FAILURE) << "WrapperConfigurationContext is valid only in MiniportInitialize";
    EXPECT_EQ(invalid_handles(), 2u);

    OwnedUnicode keyword("Anything");
    PNDIS_CONFIGURATION_PARAMETER value = reinterpret_cast<PNDIS_CONFIGURATION_PARAMETER>(0x1);
    status = NDIS_STATUS_SUCCESS;
    NdisReadConfiguration(&status, &value, closed_config, keyword.get(), NdisParameterInteger);
    EXPECT_EQ(status, NDIS_STATUS_FAILURE) << "a closed configuration handle";
    EXPECT_EQ(value, nullptr);
    EXPECT_EQ(invalid_handles(), 3u);

    status = NDIS_STATUS_SUCCESS;
    NdisReadConfiguration(&status, &value, nullptr, keyword.get(), NdisParameterInteger);
    EXPECT_EQ(status, NDIS_STATUS_FAILURE);
    EXPECT_EQ(invalid_handles(), 4u);

    NdisCloseConfiguration(closed_config);
    EXPECT_EQ(invalid_handles(), 5u) << "closing twice";

    OwnedUnicode section("HKLM\\SYSTEM\\CurrentControlSet\\Services\\nosuchprotocol\\Parameters");
    status = NDIS_STATUS_SUCCESS;
    NdisOpenProtocolConfiguration(&status, &config, section.get());
    EXPECT_EQ(status, NDIS_STATUS_FAILURE) << "a key that does not exist";
}

TEST_F(BadInput, Seed_2_4_2_ConfigurationNullOutPointersAreReported) {
    NDIS_HANDLE config = nullptr;
    NDIS_STATUS status = NDIS_STATUS_PENDING;
    TestMiniport::Options mo;
    std::vector<NDIS_STATUS> statuses;
    mo.on_initialize = [&](MiniportAdapter&, NDIS_HANDLE wrapper_configuration) {
        NDIS_STATUS s = NDIS_STATUS_PENDING;
        NdisOpenConfiguration(&s, nullptr, wrapper_configuration);
        statuses.push_back(s);
        NdisOpenConfiguration(&status, &config, wrapper_configuration);
        if (status != NDIS_STATUS_SUCCESS) return;
        OwnedUnicode keyword("NdisVersion");
        s = NDIS_STATUS_PENDING;
        NdisReadConfiguration(&s, nullptr, config, keyword.get(), NdisParameterInteger);
        statuses.push_back(s);
        UINT length = 0;
        s = NDIS_STATUS_PENDING;
        NdisReadNetworkAddress(&s, nullptr, &length, config);
        statuses.push_back(s);
        NdisCloseConfiguration(config);
    };
    TestMiniport m(host(), "badconfignull", mo);
    ASSERT_EQ(m.register_driver(), NDIS_STATUS_SUCCESS);
    ASSERT_NE(m.add_adapter(), nullptr);
    ASSERT_EQ(statuses.size(), 3u);
    for (NDIS_STATUS s : statuses) EXPECT_EQ(s, NDIS_STATUS_FAILURE);
    EXPECT_EQ(null_parameters(), 3u);
}

}  // namespace
