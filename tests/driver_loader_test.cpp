// driver_loader_test.cpp — loading driver images (DESIGN "Layout": module loader; STYLE rule 2):
// DriverEntry runs with the DRIVER_OBJECT and registry path, images that import a stub or do
// not exist are refused with one line naming the file and the reason.
#include <gtest/gtest.h>

#include "ndis/stubs.h"
#include "registry/registry.h"
#include "test_support.h"

namespace {

TEST(DriverLoader, LoadsAndUnloadsADriverImage) {
    strata::test::TempDir root;
    auto host = strata::test::make_host(root, 1);
    EXPECT_EQ(host->load_driver("loop"), STATUS_SUCCESS);
    EXPECT_NE(host->driver_symbol("loop", "DriverEntry"), nullptr);
    EXPECT_TRUE(host->registry().key_exists("HKLM\\SYSTEM\\CurrentControlSet\\Services\\loop"));
    EXPECT_EQ(host->load_driver("loop"), STATUS_OBJECT_NAME_COLLISION);
    EXPECT_EQ(host->unload_driver("loop"), STATUS_SUCCESS);
    EXPECT_EQ(host->driver_symbol("loop", "DriverEntry"), nullptr);
    EXPECT_EQ(host->unload_driver("loop"), STATUS_OBJECT_NAME_NOT_FOUND);
}

TEST(DriverLoader, RefusesAnImageThatImportsAStubNamingTheFunction) {
    strata::test::TempDir root;
    auto host = strata::test::make_host(root, 1);
    EXPECT_EQ(host->load_driver("test_stub_import"), STATUS_INVALID_IMAGE_FORMAT);
    EXPECT_NE(host->last_error().find("test_stub_import.sys"), std::string::npos);
    EXPECT_NE(host->last_error().find("imports NdisMSetMiniportSecondary"), std::string::npos) << host->last_error();
    EXPECT_EQ(host->last_error().find('\n'), std::string::npos);
}

TEST(DriverLoader, RefusesAMissingImage) {
    strata::test::TempDir root;
    auto host = strata::test::make_host(root, 1);
    EXPECT_EQ(host->load_driver("no_such_driver"), STATUS_INVALID_IMAGE_FORMAT);
    EXPECT_NE(host->last_error().find("no_such_driver.sys: driver image not found"), std::string::npos);
}

TEST(DriverLoader, EveryStubFailsAndIsInTheManifest) {
    for (const auto& stub : strata::ndis::stub_exports()) {
        EXPECT_EQ(strata::ndis::find_stub_export(stub.name), &stub);
        EXPECT_FALSE(stub.delivered_by.empty());
    }
    EXPECT_EQ(strata::ndis::find_stub_export("NdisSend"), nullptr);
    EXPECT_EQ(NdisMSetMiniportSecondary(nullptr, nullptr), NDIS_STATUS_NOT_SUPPORTED);
    EXPECT_EQ(NdisMPromoteMiniport(nullptr), NDIS_STATUS_NOT_SUPPORTED);
}

}  // namespace
