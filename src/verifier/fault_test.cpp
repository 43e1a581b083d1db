// fault_test.cpp — fault injection rules (fault.h), their effect at the entry points, the
// registry switch and per-driver scoping (registry_switch.h), and pool blocks charged to the
// image that allocated them with the tag leak reported at unload (images.h, issue 7 §4).
#include <dlfcn.h>

#include <gtest/gtest.h>

#include <ndis.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "ntos/pool.h"
#include "ntos/testing.h"
#include "registry/registry.h"
#include "registry/value.h"
#include "test_support.h"
#include "verifier/fault.h"
#include "verifier/images.h"
#include "verifier/registry_switch.h"
#include "verifier/verifier.h"

namespace strata::verifier {
namespace {

using fault::FaultCall;

// Disarms everything before and after one test.
class FaultScope {
public:
    FaultScope() { fault::disarm_all(); }
    ~FaultScope() { fault::disarm_all(); }
};

std::vector<bool> outcomes(FaultCall call, int n) {
    std::vector<bool> out;
    for (int i = 0; i < n; ++i) out.push_back(fault::should_fail(call));
    return out;
}

TEST(Fault, NothingArmedNeverFails) {
    FaultScope scope;
    EXPECT_EQ(fault::g_armed.load(), 0u);
    for (bool failed : outcomes(FaultCall::NdisAllocatePacket, 100)) EXPECT_FALSE(failed);
    EXPECT_TRUE(fault::armed().empty());
}

TEST(Fault, EveryNFailsCallsN2N3N) {
    FaultScope scope;
    fault::arm(FaultCall::NdisRequest, {3, 0, 0});
    std::vector<bool> got = outcomes(FaultCall::NdisRequest, 9);
    EXPECT_EQ(got, (std::vector<bool>{false, false, true, false, false, true, false, false, true}));
    EXPECT_FALSE(fault::should_fail(FaultCall::NdisOpenAdapter));  // other calls are not armed
    std::vector<fault::Armed> armed = fault::armed();
    ASSERT_EQ(armed.size(), 1u);
    EXPECT_EQ(armed[0].calls, 9u);
    EXPECT_EQ(armed[0].injected, 3u);
    fault::disarm(FaultCall::NdisRequest);
    EXPECT_FALSE(fault::should_fail(FaultCall::NdisRequest));
    EXPECT_EQ(fault::g_armed.load(), 0u);
}

TEST(Fault, ProbabilityWithASeedReplaysTheSameFailures) {
    FaultScope scope;
    fault::arm(FaultCall::NdisAllocateBuffer, {0, 0.25, 42});
    std::vector<bool> first = outcomes(FaultCall::NdisAllocateBuffer, 1000);
    fault::arm(FaultCall::NdisAllocateBuffer, {0, 0.25, 42});
    EXPECT_EQ(outcomes(FaultCall::NdisAllocateBuffer, 1000), first);
    fault::arm(FaultCall::NdisAllocateBuffer, {0, 0.25, 43});
    EXPECT_NE(outcomes(FaultCall::NdisAllocateBuffer, 1000), first);
    long failed = std::count(first.begin(), first.end(), true);
    EXPECT_GT(failed, 150);  // a quarter of 1000, give or take what a fair hash gives
    EXPECT_LT(failed, 350);
    fault::arm(FaultCall::NdisAllocateBuffer, {0, 1.0, 5});
    for (bool f : outcomes(FaultCall::NdisAllocateBuffer, 50)) EXPECT_TRUE(f);
}

TEST(Fault, NamesAndRuleChecks) {
    EXPECT_EQ(fault::fault_call_from_name("NdisAllocatePacketPool"), FaultCall::NdisAllocatePacketPool);
    EXPECT_EQ(fault::fault_call_from_name("ndisallocatepacketpool"), FaultCall::NdisAllocatePacketPool);
    EXPECT_FALSE(fault::fault_call_from_name("NdisAllocatePacketPoo").has_value());
    EXPECT_FALSE(fault::fault_call_from_name("").has_value());
    for (std::size_t i = 0; i < static_cast<std::size_t>(FaultCall::Count_); ++i) {
        auto call = static_cast<FaultCall>(i);
        EXPECT_EQ(fault::fault_call_from_name(fault::fault_call_name(call)), call);
    }
    EXPECT_EQ(fault::check_rule({1, 0, 0}), "");
    EXPECT_EQ(fault::check_rule({0, 1.0, 0}), "");
    EXPECT_NE(fault::check_rule({0, 0, 0}), "");
    EXPECT_NE(fault::check_rule({2, 0.5, 0}), "");
    EXPECT_NE(fault::check_rule({0, 1.5, 0}), "");
    EXPECT_NE(fault::check_rule({0, -0.5, 0}), "");
}

TEST(Fault, EntryPointsReturnTheirDocumentedFailure) {
    FaultScope scope;
    ntos::testing::VerifierScope verifier;
    fault::arm(FaultCall::NdisAllocateMemoryWithTag, {1, 0, 0});
    PVOID block = reinterpret_cast<PVOID>(1);
    EXPECT_EQ(NdisAllocateMemoryWithTag(&block, 64, 0x74736554), NDIS_STATUS_FAILURE);
    EXPECT_EQ(block, nullptr);
    fault::arm(FaultCall::ExAllocatePoolWithTag, {1, 0, 0});
    EXPECT_EQ(ExAllocatePoolWithTag(NonPagedPool, 64, 0x74736554), nullptr);

    fault::arm(FaultCall::NdisAllocatePacketPool, {2, 0, 0});
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    NDIS_HANDLE pool = nullptr;
    NdisAllocatePacketPool(&status, &pool, 4, 16);  // call 1: not failed
    ASSERT_EQ(status, NDIS_STATUS_SUCCESS);
    NDIS_HANDLE second = reinterpret_cast<NDIS_HANDLE>(1);
    NdisAllocatePacketPool(&status, &second, 4, 16);
    EXPECT_EQ(status, NDIS_STATUS_RESOURCES);
    EXPECT_EQ(second, nullptr);

    fault::arm(FaultCall::NdisAllocatePacket, {1, 0, 0});
    PNDIS_PACKET packet = reinterpret_cast<PNDIS_PACKET>(1);
    NdisAllocatePacket(&status, &packet, pool);
    EXPECT_EQ(status, NDIS_STATUS_RESOURCES);
    EXPECT_EQ(packet, nullptr);
    NdisFreePacketPool(pool);
    EXPECT_EQ(total(), 0u);  // injected failures are not verifier reports
}

TEST(VerifierSwitch, RegistryValueScopesTheCostlyChecks) {
    ntos::testing::VerifierScope verifier(false);
    strata::test::TempDir dir;
    registry::Registry reg(dir.path());
    EXPECT_FALSE(read_switch(reg).has_value());
    write_switch(reg, {false, {"passthru.sys", "AfPacket.sys"}});
    EXPECT_EQ(reg.get_value(kMemoryManagementKey, kVerifyDriversValue)->as_string(), "passthru.sys AfPacket.sys");
    EXPECT_EQ(reg.get_value(kMemoryManagementKey, kVerifyDriverLevelValue)->as_dword(), kStandardLevel);

    apply_switch(reg, false);
    EXPECT_TRUE(enabled());
    EXPECT_TRUE(verifying("passthru"));
    EXPECT_TRUE(verifying("afpacket"));
    EXPECT_FALSE(verifying("probe"));

    write_switch(reg, {true, {}});
    apply_switch(reg, false);
    EXPECT_TRUE(verifying("probe"));

    EXPECT_TRUE(clear_switch(reg));
    EXPECT_FALSE(clear_switch(reg));
    apply_switch(reg, true);  // --verify
    EXPECT_TRUE(verifying("anything"));
    set_verified_drivers(false, {});
}

// Allocated from this test's own code: the block is charged to the image holding it.
__attribute__((noinline)) PVOID allocate_here(ULONG tag) { return ExAllocatePoolWithTag(NonPagedPool, 100, tag); }

TEST(TagLeak, BlocksAreChargedToTheCallingImageAndReportedAtUnload) {
    ntos::testing::VerifierScope verifier;
    void* self = ::dlopen(nullptr, RTLD_NOW);
    ASSERT_NE(self, nullptr);
    ImageId id = add_image(self, "selftest");
    ASSERT_NE(id, 0u);
    EXPECT_EQ(driver_at(reinterpret_cast<const void*>(&allocate_here)), "selftest");
    PVOID kept = allocate_here(0x316B614C);
    PVOID freed = allocate_here(0x326B614C);
    ExFreePoolWithTag(freed, 0x326B614C);
    std::vector<ntos::TagLeak> leaks = ntos::report_tag_leaks(id, "selftest");
    remove_image(id);
    EXPECT_EQ(driver_at(reinterpret_cast<const void*>(&allocate_here)), "");
    ASSERT_EQ(leaks.size(), 1u);
    EXPECT_EQ(leaks[0].driver, "selftest");
    EXPECT_EQ(leaks[0].tag, 0x316B614Cu);
    EXPECT_EQ(leaks[0].blocks, 1u);
    EXPECT_EQ(leaks[0].bytes, 100u);
    std::vector<Report> got = reports();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].rule, Rule::TagLeak);
    EXPECT_EQ(got[0].driver, "selftest");
    EXPECT_EQ(got[0].object, kept);
    EXPECT_NE(got[0].message.find("tag 'Lak1'"), std::string::npos) << got[0].message;
    bool taken = false;
    for (const ntos::TagLeak& leak : ntos::take_tag_leaks()) taken |= leak.driver == "selftest";
    EXPECT_TRUE(taken);
    ExFreePoolWithTag(kept, 0x316B614C);
    ::dlclose(self);
}

}  // namespace
}  // namespace strata::verifier
