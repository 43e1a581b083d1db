// seed_2_3_im_registration_test.cpp — conformance: DriverEntry of an intermediate driver (seed 003
// §2.3, §2.3.1, §2.3.1.1) as NDIS sees it after the IM test drivers' DriverEntry: the miniport half
// registered with NdisIMRegisterLayeredMiniport (a layered driver with a DriverHandle), the protocol
// half with NdisRegisterProtocol, the two associated with NdisIMAssociateMiniport; the handlers an
// IM leaves out (CheckForHang, MiniportSend) stay out; NdisIMRegisterLayeredMiniport refuses a
// closed wrapper handle.
#include "im_fixture.h"

namespace strata::test::im {
namespace {

class Seed_2_3_Im : public ImTest {};

// "调用NdisMInitializeWrapper ... 调用NdisIMRegisterLayeredMiniport注册驱动程序的MiniportXxx函数 ... 调用
// NdisRegisterProtocol ... 调用NdisIMAssociateMiniport向NDIS通告有关驱动程序的微端口低边界和协议高边界信息".
TEST_F(Seed_2_3_Im, Seed_2_3_ImDriverEntryRegistersBothEdgesAndAssociatesThem) {
    std::vector<std::string> services{"imcount", "immux"};
    if (have_passthru()) services.push_back("passthru");
    ndis::Library& library = ndis::Library::instance();
    for (const std::string& service : services) {
        SCOPED_TRACE(service);
        ndis::MiniportDriver* driver = library.find_miniport_driver(service);
        ASSERT_NE(driver, nullptr);
        EXPECT_TRUE(driver->registered);
        EXPECT_TRUE(driver->layered) << "registered with NdisIMRegisterLayeredMiniport";
        EXPECT_NE(driver->driver_handle, nullptr) << "the DriverHandle the IM keeps for NdisIMInitializeDeviceInstanceEx";
        EXPECT_NE(driver->associated_protocol, nullptr) << "NdisIMAssociateMiniport";
        EXPECT_NE(library.find_protocol(service), nullptr) << "NdisRegisterProtocol";
    }
    ndis::MiniportDriver* loop_driver = library.find_miniport_driver("loop");
    ASSERT_NE(loop_driver, nullptr);
    EXPECT_FALSE(loop_driver->layered) << "a NIC miniport (NdisMRegisterMiniport) is not layered";
}

// §2.3.1.1: an IM provides MiniportSendPackets rather than MiniportSend, and no CheckForHang ("中间层
// 驱动程序并不提供对MiniportCheckForHang函数的支持"); NDIS accepts that and runs the virtual miniport.
TEST_F(Seed_2_3_Im, Seed_2_3_1_1_ImRegistersSendPacketsAndNoCheckForHang) {
    for (const char* service : {"imcount", "immux"}) {
        SCOPED_TRACE(service);
        ndis::MiniportDriver* driver = ndis::Library::instance().find_miniport_driver(service);
        ASSERT_NE(driver, nullptr);
        EXPECT_NE(driver->chars.SendPacketsHandler, nullptr);
        EXPECT_EQ(driver->chars.SendHandler, nullptr);
        EXPECT_EQ(driver->chars.CheckForHangHandler, nullptr);
        EXPECT_EQ(driver->chars.ISRHandler, nullptr);
        EXPECT_EQ(driver->chars.HandleInterruptHandler, nullptr);
    }
    auto& a = loop_on(130);
    Layer l = layer("imcount", a.info.device_name);
    ASSERT_NE(l.probe, nullptr);
    EXPECT_TRUE(host().adapter_running(l.upper));
}

// "NdisWrapperHandle句柄是由先前的NdisMInitializeWrapper函数返回的": a wrapper already terminated is
// refused with a verifier report, not used.
TEST_F(Seed_2_3_Im, Seed_2_3_1_1_RegisterLayeredMiniportWithClosedWrapperIsReported) {
    DRIVER_OBJECT driver_object{};
    NDIS_HANDLE wrapper = nullptr;
    NdisMInitializeWrapper(&wrapper, &driver_object, nullptr, nullptr);
    ASSERT_NE(wrapper, nullptr);
    NdisTerminateWrapper(wrapper, nullptr);
    NDIS51_MINIPORT_CHARACTERISTICS c{};
    c.MajorNdisVersion = 5;
    c.MinorNdisVersion = 1;
    c.InitializeHandler = [](PNDIS_STATUS, PUINT, PNDIS_MEDIUM, UINT, NDIS_HANDLE, NDIS_HANDLE) -> NDIS_STATUS {
        return NDIS_STATUS_FAILURE;
    };
    c.HaltHandler = [](NDIS_HANDLE) {};
    c.QueryInformationHandler = [](NDIS_HANDLE, NDIS_OID, PVOID, ULONG, PULONG, PULONG) -> NDIS_STATUS {
        return NDIS_STATUS_NOT_SUPPORTED;
    };
    c.SetInformationHandler = [](NDIS_HANDLE, NDIS_OID, PVOID, ULONG, PULONG, PULONG) -> NDIS_STATUS {
        return NDIS_STATUS_NOT_SUPPORTED;
    };
    c.ResetHandler = [](PBOOLEAN, NDIS_HANDLE) -> NDIS_STATUS { return NDIS_STATUS_SUCCESS; };
    c.SendPacketsHandler = [](NDIS_HANDLE, PPNDIS_PACKET, UINT) {};
    NDIS_HANDLE driver_handle = reinterpret_cast<NDIS_HANDLE>(1);
    verifier::clear();
    EXPECT_EQ(NdisIMRegisterLayeredMiniport(wrapper, reinterpret_cast<PNDIS_MINIPORT_CHARACTERISTICS>(&c), sizeof c,
                                            &driver_handle),
              NDIS_STATUS_FAILURE);
    EXPECT_EQ(verifier::count(verifier::Rule::InvalidHandle), 1u);
}

}  // namespace
}  // namespace strata::test::im
