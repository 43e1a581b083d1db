// seed_2_3_registration_test.cpp — conformance: DriverEntry registration (seed 003 §2.3,
// §2.3.1.1 miniport characteristics, §2.3.1.2 protocol characteristics). The calls are made as
// a driver's DriverEntry would make them; bad characteristics get the documented status and a
// verifier report, never a crash.
#include <gtest/gtest.h>

#include "test_support.h"
#include "verifier/verifier.h"

#include <ndis.h>

namespace {

using strata::verifier::Rule;

NDIS_STATUS MiniportInitialize(PNDIS_STATUS, PUINT, PNDIS_MEDIUM, UINT, NDIS_HANDLE, NDIS_HANDLE) {
    return NDIS_STATUS_FAILURE;
}
VOID MiniportHalt(NDIS_HANDLE) {}
NDIS_STATUS MiniportQuery(NDIS_HANDLE, NDIS_OID, PVOID, ULONG, PULONG, PULONG) { return NDIS_STATUS_NOT_SUPPORTED; }
NDIS_STATUS MiniportSet(NDIS_HANDLE, NDIS_OID, PVOID, ULONG, PULONG, PULONG) { return NDIS_STATUS_NOT_SUPPORTED; }
NDIS_STATUS MiniportReset(PBOOLEAN, NDIS_HANDLE) { return NDIS_STATUS_SUCCESS; }
VOID MiniportSendPackets(NDIS_HANDLE, PPNDIS_PACKET, UINT) {}

NDIS51_MINIPORT_CHARACTERISTICS valid_miniport(UCHAR major, UCHAR minor) {
    NDIS51_MINIPORT_CHARACTERISTICS c{};
    c.MajorNdisVersion = major;
    c.MinorNdisVersion = minor;
    c.InitializeHandler = MiniportInitialize;
    c.HaltHandler = MiniportHalt;
    c.QueryInformationHandler = MiniportQuery;
    c.SetInformationHandler = MiniportSet;
    c.ResetHandler = MiniportReset;
    c.SendPacketsHandler = MiniportSendPackets;
    return c;
}

class Seed_2_3 : public ::testing::Test {
protected:
    void SetUp() override {
        host_ = strata::test::make_host(root_, 1);
        strata::verifier::clear();
        NdisMInitializeWrapper(&wrapper_, &driver_object_, nullptr, nullptr);
        ASSERT_NE(wrapper_, nullptr);
    }
    void TearDown() override { NdisTerminateWrapper(wrapper_, nullptr); }

    NDIS_STATUS register_miniport(NDIS51_MINIPORT_CHARACTERISTICS& c, UINT length) {
        return NdisMRegisterMiniport(wrapper_, reinterpret_cast<PNDIS_MINIPORT_CHARACTERISTICS>(&c), length);
    }

    strata::test::TempDir root_;
    std::unique_ptr<strata::Host> host_;
    DRIVER_OBJECT driver_object_{};
    NDIS_HANDLE wrapper_ = nullptr;
};

TEST_F(Seed_2_3, Seed_2_3_1_1_RegisterMiniportAcceptsEachVersionWithItsLength) {
    auto c30 = valid_miniport(3, 0);
    c30.SendPacketsHandler = nullptr;
    c30.SendHandler = [](NDIS_HANDLE, PNDIS_PACKET, UINT) -> NDIS_STATUS { return NDIS_STATUS_SUCCESS; };
    EXPECT_EQ(register_miniport(c30, sizeof(NDIS30_MINIPORT_CHARACTERISTICS)), NDIS_STATUS_SUCCESS);
    auto c40 = valid_miniport(4, 0);
    EXPECT_EQ(register_miniport(c40, sizeof(NDIS40_MINIPORT_CHARACTERISTICS)), NDIS_STATUS_SUCCESS);
    auto c50 = valid_miniport(5, 0);
    EXPECT_EQ(register_miniport(c50, sizeof(NDIS50_MINIPORT_CHARACTERISTICS)), NDIS_STATUS_SUCCESS);
    auto c51 = valid_miniport(5, 1);
    EXPECT_EQ(register_miniport(c51, sizeof(NDIS51_MINIPORT_CHARACTERISTICS)), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(strata::verifier::count(Rule::BadCharacteristics), 0u);
}

TEST_F(Seed_2_3, Seed_2_3_1_1_RegisterMiniportRejectsShortLengthForDeclaredVersion) {
    auto c = valid_miniport(5, 1);
    EXPECT_EQ(register_miniport(c, sizeof(NDIS50_MINIPORT_CHARACTERISTICS)), NDIS_STATUS_BAD_CHARACTERISTICS);
    EXPECT_EQ(strata::verifier::count(Rule::BadCharacteristics), 1u);
}

TEST_F(Seed_2_3, Seed_2_3_1_1_RegisterMiniportRejectsUnknownVersion) {
    auto c = valid_miniport(2, 0);
    EXPECT_EQ(register_miniport(c, sizeof c), NDIS_STATUS_BAD_VERSION);
    auto c41 = valid_miniport(4, 1);
    EXPECT_EQ(register_miniport(c41, sizeof c41), NDIS_STATUS_BAD_VERSION);
    auto c6 = valid_miniport(6, 0);
    EXPECT_EQ(register_miniport(c6, sizeof c6), NDIS_STATUS_BAD_VERSION);
}

TEST_F(Seed_2_3, Seed_2_3_1_1_RegisterMiniportRequiresMandatoryHandlers) {
    auto no_init = valid_miniport(5, 1);
    no_init.InitializeHandler = nullptr;
    EXPECT_EQ(register_miniport(no_init, sizeof no_init), NDIS_STATUS_BAD_CHARACTERISTICS);
    auto no_send = valid_miniport(5, 1);
    no_send.SendPacketsHandler = nullptr;
    EXPECT_EQ(register_miniport(no_send, sizeof no_send), NDIS_STATUS_BAD_CHARACTERISTICS);
    auto send_only = valid_miniport(5, 1);
    send_only.SendPacketsHandler = nullptr;
    send_only.SendHandler = [](NDIS_HANDLE, PNDIS_PACKET, UINT) -> NDIS_STATUS { return NDIS_STATUS_SUCCESS; };
    EXPECT_EQ(register_miniport(send_only, sizeof send_only), NDIS_STATUS_SUCCESS);
    auto reports = strata::verifier::reports();
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_NE(reports[0].message.find("InitializeHandler"), std::string::npos);
    EXPECT_NE(reports[1].message.find("SendHandler or SendPacketsHandler"), std::string::npos);
}

TEST_F(Seed_2_3, Seed_2_3_1_1_RegisterMiniportWithClosedWrapperIsReportedNotCrashed) {
    NDIS_HANDLE stale = wrapper_;
    NdisTerminateWrapper(wrapper_, nullptr);
    auto c = valid_miniport(5, 1);
    EXPECT_EQ(NdisMRegisterMiniport(stale, reinterpret_cast<PNDIS_MINIPORT_CHARACTERISTICS>(&c), sizeof c),
              NDIS_STATUS_FAILURE);
    EXPECT_EQ(strata::verifier::count(Rule::InvalidHandle), 1u);
    NdisMInitializeWrapper(&wrapper_, &driver_object_, nullptr, nullptr);  // for TearDown
}

TEST_F(Seed_2_3, Seed_2_3_1_1_RegisterMiniportNullCharacteristics) {
    EXPECT_EQ(NdisMRegisterMiniport(wrapper_, nullptr, 0), NDIS_STATUS_FAILURE);
    EXPECT_EQ(strata::verifier::count(Rule::BadCharacteristics), 1u);
}

// ---- Protocols -----------------------------------------------------------------------------

VOID OpenComplete(NDIS_HANDLE, NDIS_STATUS, NDIS_STATUS) {}
VOID CloseComplete(NDIS_HANDLE, NDIS_STATUS) {}
VOID SendComplete(NDIS_HANDLE, PNDIS_PACKET, NDIS_STATUS) {}
VOID TransferComplete(NDIS_HANDLE, PNDIS_PACKET, NDIS_STATUS, UINT) {}
VOID ResetComplete(NDIS_HANDLE, NDIS_STATUS) {}
VOID RequestComplete(NDIS_HANDLE, PNDIS_REQUEST, NDIS_STATUS) {}
NDIS_STATUS Receive(NDIS_HANDLE, NDIS_HANDLE, PVOID, UINT, PVOID, UINT, UINT) { return NDIS_STATUS_NOT_ACCEPTED; }
VOID ReceiveComplete(NDIS_HANDLE) {}
VOID Status(NDIS_HANDLE, NDIS_STATUS, PVOID, UINT) {}
VOID StatusComplete(NDIS_HANDLE) {}
VOID Bind(PNDIS_STATUS s, NDIS_HANDLE, PNDIS_STRING, PVOID, PVOID) { *s = NDIS_STATUS_FAILURE; }
VOID Unbind(PNDIS_STATUS s, NDIS_HANDLE, NDIS_HANDLE) { *s = NDIS_STATUS_SUCCESS; }

const WCHAR kName[] = {'t', 'e', 's', 't', 'p', 'r', 'o', 't', 'o', 0};

NDIS50_PROTOCOL_CHARACTERISTICS valid_protocol(UCHAR major, UCHAR minor) {
    NDIS50_PROTOCOL_CHARACTERISTICS c{};
    c.MajorNdisVersion = major;
    c.MinorNdisVersion = minor;
    c.OpenAdapterCompleteHandler = OpenComplete;
    c.CloseAdapterCompleteHandler = CloseComplete;
    c.SendCompleteHandler = SendComplete;
    c.TransferDataCompleteHandler = TransferComplete;
    c.ResetCompleteHandler = ResetComplete;
    c.RequestCompleteHandler = RequestComplete;
    c.ReceiveHandler = Receive;
    c.ReceiveCompleteHandler = ReceiveComplete;
    c.StatusHandler = Status;
    c.StatusCompleteHandler = StatusComplete;
    c.BindAdapterHandler = Bind;
    c.UnbindAdapterHandler = Unbind;
    NdisInitUnicodeString(&c.Name, kName);
    return c;
}

TEST_F(Seed_2_3, Seed_2_3_1_2_RegisterProtocolEachVersionAndDeregister) {
    struct Case { UCHAR major, minor; UINT length; } cases[] = {
        {4, 0, sizeof(NDIS40_PROTOCOL_CHARACTERISTICS)},
        {5, 0, sizeof(NDIS50_PROTOCOL_CHARACTERISTICS)},
        {5, 1, sizeof(NDIS50_PROTOCOL_CHARACTERISTICS)},
    };
    for (const auto& k : cases) {
        auto c = valid_protocol(k.major, k.minor);
        NDIS_STATUS status = NDIS_STATUS_FAILURE;
        NDIS_HANDLE handle = nullptr;
        NdisRegisterProtocol(&status, &handle, reinterpret_cast<PNDIS_PROTOCOL_CHARACTERISTICS>(&c), k.length);
        EXPECT_EQ(status, NDIS_STATUS_SUCCESS) << int(k.major) << "." << int(k.minor);
        ASSERT_NE(handle, nullptr);
        NdisDeregisterProtocol(&status, handle);
        EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
        NdisDeregisterProtocol(&status, handle);
        EXPECT_EQ(status, NDIS_STATUS_FAILURE) << "a deregistered handle is closed";
    }
}

TEST_F(Seed_2_3, Seed_2_3_1_2_RegisterProtocolRejectsBadCharacteristics) {
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    NDIS_HANDLE handle = reinterpret_cast<NDIS_HANDLE>(1);
    auto short_length = valid_protocol(5, 0);
    NdisRegisterProtocol(&status, &handle, reinterpret_cast<PNDIS_PROTOCOL_CHARACTERISTICS>(&short_length),
                         sizeof(NDIS40_PROTOCOL_CHARACTERISTICS));
    EXPECT_EQ(status, NDIS_STATUS_BAD_CHARACTERISTICS);
    EXPECT_EQ(handle, nullptr);
    auto bad_version = valid_protocol(3, 0);
    NdisRegisterProtocol(&status, &handle, reinterpret_cast<PNDIS_PROTOCOL_CHARACTERISTICS>(&bad_version),
                         sizeof bad_version);
    EXPECT_EQ(status, NDIS_STATUS_BAD_VERSION);
    auto no_bind = valid_protocol(5, 0);
    no_bind.BindAdapterHandler = nullptr;
    NdisRegisterProtocol(&status, &handle, reinterpret_cast<PNDIS_PROTOCOL_CHARACTERISTICS>(&no_bind), sizeof no_bind);
    EXPECT_EQ(status, NDIS_STATUS_BAD_CHARACTERISTICS);
    auto no_name = valid_protocol(5, 0);
    no_name.Name = {};
    NdisRegisterProtocol(&status, &handle, reinterpret_cast<PNDIS_PROTOCOL_CHARACTERISTICS>(&no_name), sizeof no_name);
    EXPECT_EQ(status, NDIS_STATUS_BAD_CHARACTERISTICS);
    EXPECT_EQ(strata::verifier::count(Rule::BadCharacteristics), 4u);
}

// Every handler the seed lists as mandatory for a connectionless protocol (§2.3.1.2).
TEST_F(Seed_2_3, Seed_2_3_1_2_EveryMandatoryProtocolHandlerIsRequired) {
    using Chars = NDIS50_PROTOCOL_CHARACTERISTICS;
    const struct { const char* name; void (*clear)(Chars&); } handlers[] = {
        {"OpenAdapterCompleteHandler", [](Chars& c) { c.OpenAdapterCompleteHandler = nullptr; }},
        {"CloseAdapterCompleteHandler", [](Chars& c) { c.CloseAdapterCompleteHandler = nullptr; }},
        {"SendCompleteHandler", [](Chars& c) { c.SendCompleteHandler = nullptr; }},
        {"ResetCompleteHandler", [](Chars& c) { c.ResetCompleteHandler = nullptr; }},
        {"RequestCompleteHandler", [](Chars& c) { c.RequestCompleteHandler = nullptr; }},
        {"ReceiveHandler", [](Chars& c) { c.ReceiveHandler = nullptr; }},
        {"ReceiveCompleteHandler", [](Chars& c) { c.ReceiveCompleteHandler = nullptr; }},
        {"StatusHandler", [](Chars& c) { c.StatusHandler = nullptr; }},
        {"StatusCompleteHandler", [](Chars& c) { c.StatusCompleteHandler = nullptr; }},
        {"BindAdapterHandler", [](Chars& c) { c.BindAdapterHandler = nullptr; }},
        {"UnbindAdapterHandler", [](Chars& c) { c.UnbindAdapterHandler = nullptr; }},
    };
    for (const auto& handler : handlers) {
        strata::verifier::clear();
        auto c = valid_protocol(5, 0);
        handler.clear(c);
        NDIS_STATUS status = NDIS_STATUS_SUCCESS;
        NDIS_HANDLE handle = nullptr;
        NdisRegisterProtocol(&status, &handle, reinterpret_cast<PNDIS_PROTOCOL_CHARACTERISTICS>(&c), sizeof c);
        EXPECT_EQ(status, NDIS_STATUS_BAD_CHARACTERISTICS) << handler.name;
        EXPECT_EQ(handle, nullptr) << handler.name;
        auto reports = strata::verifier::reports();
        ASSERT_EQ(reports.size(), 1u) << handler.name;
        EXPECT_NE(reports[0].message.find(handler.name), std::string::npos) << reports[0].message;
    }
}

// ProtocolTransferDataComplete is needed only by protocols that call NdisTransferData (§2.3.1.2).
TEST_F(Seed_2_3, Seed_2_3_1_2_TransferDataCompleteHandlerIsOptional) {
    auto c = valid_protocol(5, 0);
    c.TransferDataCompleteHandler = nullptr;
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    NDIS_HANDLE handle = nullptr;
    NdisRegisterProtocol(&status, &handle, reinterpret_cast<PNDIS_PROTOCOL_CHARACTERISTICS>(&c), sizeof c);
    EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
    NdisDeregisterProtocol(&status, handle);
    EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
}

TEST_F(Seed_2_3, Seed_2_3_1_2_RegisterProtocolTwiceWithOneNameFails) {
    auto c = valid_protocol(5, 0);
    NDIS_STATUS status;
    NDIS_HANDLE first = nullptr;
    NDIS_HANDLE second = nullptr;
    NdisRegisterProtocol(&status, &first, reinterpret_cast<PNDIS_PROTOCOL_CHARACTERISTICS>(&c), sizeof c);
    ASSERT_EQ(status, NDIS_STATUS_SUCCESS);
    NdisRegisterProtocol(&status, &second, reinterpret_cast<PNDIS_PROTOCOL_CHARACTERISTICS>(&c), sizeof c);
    EXPECT_EQ(status, NDIS_STATUS_FAILURE);
    EXPECT_EQ(second, nullptr);
    NdisDeregisterProtocol(&status, first);
}

}  // namespace
