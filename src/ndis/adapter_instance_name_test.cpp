// adapter_instance_name_test.cpp — unit tests for NdisMQueryAdapterInstanceName and
// NdisQueryAdapterInstanceName (seed 003 §2.4): DriverDesc from the instance key, else the device
// name, in a string the caller frees with NdisFreeMemory.
#include <gtest/gtest.h>

#include <ndis.h>

#include <filesystem>
#include <memory>

#include "ndis/handle_table.h"
#include "ndis/library.h"
#include "ndis/miniport.h"
#include "ndis/open.h"
#include "ntos/pool.h"
#include "ntos/string.h"
#include "ntos/testing.h"
#include "registry/registry.h"

namespace strata::ndis {
namespace {

using ntos::testing::VerifierScope;

constexpr std::string_view kInstanceKey =
    "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Class\\{4D36E972-E325-11CE-BFC1-08002BE10318}\\0042";

class AdapterInstanceNameTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = std::filesystem::temp_directory_path() /
                ("strata-instance-name-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(root_);
        registry_ = std::make_unique<registry::Registry>(root_);
        saved_ = Library::instance().registry();
        Library::instance().set_registry(registry_.get());
        auto fresh = std::make_unique<Miniport>();
        fresh->device_name = "\\Device\\{5E7A1B2C-0000-4000-8000-000000000042}";
        fresh->instance_key = std::string(kInstanceKey);
        miniport_ = Library::instance().add_miniport(std::move(fresh));
        miniport_->handle = HandleTable::instance().insert(HandleKind::Miniport, miniport_);
        auto open = std::make_unique<Open>();
        open->miniport = miniport_;
        open_ = Library::instance().add_open(std::move(open));
        open_->handle = HandleTable::instance().insert(HandleKind::Open, open_);
    }
    void TearDown() override {
        // Retired like a halted adapter: Library::miniports() and the stats skip it from now on.
        open_->state.store(OpenState::Closed);
        miniport_->state.store(MiniportState::Halted);
        HandleTable::instance().erase(open_->handle);
        HandleTable::instance().erase(miniport_->handle);
        Library::instance().set_registry(saved_);
        registry_.reset();
        std::filesystem::remove_all(root_);
    }

    static std::string take(NDIS_STRING& name) {
        EXPECT_EQ(name.MaximumLength, name.Length + sizeof(WCHAR));
        EXPECT_EQ(name.Buffer[name.Length / sizeof(WCHAR)], u'\0') << "NUL-terminated";
        std::string text = ntos::to_utf8(name);
        NdisFreeMemory(name.Buffer, name.MaximumLength, 0);
        return text;
    }

    std::filesystem::path root_;
    std::unique_ptr<registry::Registry> registry_;
    registry::Registry* saved_ = nullptr;
    Miniport* miniport_ = nullptr;
    Open* open_ = nullptr;
};

TEST_F(AdapterInstanceNameTest, FriendlyNameIsTheDriverDescription) {
    VerifierScope verifier;
    registry_->set_value(kInstanceKey, "DriverDesc", registry::Value::sz("Passthru Miniport"));
    NDIS_STRING name{};
    ASSERT_EQ(NdisMQueryAdapterInstanceName(&name, miniport_->handle), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(take(name), "Passthru Miniport");
    ASSERT_EQ(NdisQueryAdapterInstanceName(&name, open_->handle), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(take(name), "Passthru Miniport") << "the binding's adapter";
    EXPECT_EQ(ntos::outstanding_for_tag(ntos::kTagString).allocations, 0u) << "NdisFreeMemory took both";
    EXPECT_EQ(verifier::total(), 0u);
}

TEST_F(AdapterInstanceNameTest, WithoutADriverDescriptionItIsTheDeviceName) {
    NDIS_STRING name{};
    ASSERT_EQ(NdisMQueryAdapterInstanceName(&name, miniport_->handle), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(take(name), miniport_->device_name);
}

TEST_F(AdapterInstanceNameTest, BadHandlesAndAllocationFailuresFail) {
    VerifierScope verifier;
    NDIS_STRING name{};
    EXPECT_EQ(NdisQueryAdapterInstanceName(&name, miniport_->handle), NDIS_STATUS_FAILURE) << "not a binding handle";
    EXPECT_EQ(verifier::count(verifier::Rule::InvalidHandle), 1u);
    ntos::fail_next_allocations(1);
    EXPECT_EQ(NdisMQueryAdapterInstanceName(&name, miniport_->handle), NDIS_STATUS_RESOURCES);
    EXPECT_EQ(name.Buffer, nullptr);
}

}  // namespace
}  // namespace strata::ndis
