// seed_verifier_rules_test.cpp — issue 7 part 4 (DESIGN.md "Verifier"): one conformance test per
// verifier rule. Each runs a deliberately broken driver (tests/drivers/broken_*.c, hooks in
// broken_hooks.h) that commits one mistake, asserts exactly one new report under the right rule
// naming the broken driver, the object and the function, and then that the host still works.
// Tests named Seed_x_y_... prove the seed 003 section of that number.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "drivers/broken_hooks.h"
#include "registry/value.h"
#include "strata/host.hpp"
#include "test_support.h"
#include "verifier/verifier.h"

namespace strata::test {
namespace {

using verifier::Report;
using verifier::Rule;

constexpr auto kDeadline = std::chrono::seconds(20);

template <typename F>
void resolve(Host& host, const char* service, const char* name, F*& out) {
    out = reinterpret_cast<F*>(host.driver_symbol(service, name));
    ASSERT_NE(out, nullptr) << service << " exports no " << name;
}

std::string describe(const std::vector<Report>& reports) {
    std::string out;
    for (const Report& r : reports)
        out += std::string(verifier::rule_name(r.rule)) + " driver=" + r.driver + ": " + r.message + "\n";
    return out;
}

class VerifierRules : public ::testing::Test {
protected:
    void SetUp() override {
        was_enabled_ = verifier::enabled();
        host_ = make_host(root_);
        verifier::set_enabled(true);
        for (const char* service : {"broken_miniport", "broken_protocol"})
            ASSERT_EQ(host_->load_driver(service), STATUS_SUCCESS) << service << ": " << host_->last_error();
        resolve(*host_, "broken_miniport", "BrokenMiniportCommit", mp_commit_);
        resolve(*host_, "broken_miniport", "BrokenMiniportAdapterHandle", mp_handle_);
        resolve(*host_, "broken_miniport", "BrokenMiniportIndicate", mp_indicate_);
        resolve(*host_, "broken_miniport", "BrokenMiniportHoldRequests", mp_hold_);
        resolve(*host_, "broken_miniport", "BrokenMiniportCompleteRequest", mp_complete_);
        resolve(*host_, "broken_protocol", "BrokenProtocolCommit", pr_commit_);
        resolve(*host_, "broken_protocol", "BrokenProtocolSetReceiveMode", pr_mode_);
        resolve(*host_, "broken_protocol", "BrokenProtocolQuery", pr_query_);
        resolve(*host_, "broken_protocol", "BrokenProtocolReady", pr_ready_);
        resolve(*host_, "broken_protocol", "BrokenProtocolReceives", pr_receives_);
        resolve(*host_, "broken_protocol", "BrokenProtocolRequestsCompleted", pr_completed_);
        verifier::set_observer([this](const Report&) {
            std::lock_guard lock(mutex_);
            changed_.notify_all();
        });
        verifier::clear();
    }
    void TearDown() override {
        verifier::set_observer(nullptr);
        host_.reset();
        verifier::clear();
        verifier::set_enabled(was_enabled_);
    }

    Host& host() { return *host_; }

    // A broken_miniport adapter with the broken protocol bound to it and its filter set.
    std::string bound_adapter(const std::map<std::string, registry::Value>& parameters = {}) {
        AdapterInfo info;
        EXPECT_EQ(host().add_adapter("broken_miniport", parameters, &info), NDIS_STATUS_SUCCESS);
        EXPECT_EQ(host().bind("broken_protocol", info.device_name), NDIS_STATUS_SUCCESS);
        EXPECT_TRUE(wait_for([&] { return pr_ready_() != FALSE; })) << "the packet filter was never set";
        verifier::clear();
        return info.device_name;
    }

    template <typename Condition>
    bool wait_for(Condition condition) {
        std::unique_lock lock(mutex_);
        auto deadline = std::chrono::steady_clock::now() + kDeadline;
        while (!condition()) {
            if (changed_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() +
                                                                 std::chrono::milliseconds(10))) ==
                    std::cv_status::timeout &&
                std::chrono::steady_clock::now() >= deadline)
                return condition();
        }
        return true;
    }

    // Exactly one report since the last clear: `rule`, against `driver` and `object`, its
    // message naming `function`.
    void expect_one(Rule rule, const std::string& driver, const void* object, const std::string& function) {
        std::vector<Report> reports = verifier::reports();
        ASSERT_EQ(reports.size(), 1u) << describe(reports);
        const Report& r = reports.front();
        EXPECT_EQ(verifier::rule_name(r.rule), std::string(verifier::rule_name(rule))) << r.message;
        EXPECT_EQ(r.driver, driver) << r.message;
        if (object != nullptr) {
            EXPECT_EQ(r.object, object) << r.message;
        }
        EXPECT_NE(r.object, nullptr) << r.message;
        EXPECT_NE(r.message.find(function), std::string::npos) << r.message;
        EXPECT_FALSE(r.backtrace.empty());
        EXPECT_EQ(verifier::count(rule), 1u);
    }

    // The well-behaved operations still work: an OID round trip and a receive.
    void expect_host_works() {
        ULONG before = pr_completed_();
        NDIS_STATUS status = pr_query_();
        if (status == NDIS_STATUS_PENDING) {
            EXPECT_TRUE(wait_for([&] { return pr_completed_() > before; }));
        } else {
            EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
        }
        ULONG receives = pr_receives_();
        pr_mode_(BrokenReceiveDrop);
        host().run_at_dispatch(0, [&] { mp_indicate_(); });
        EXPECT_EQ(pr_receives_(), receives + 1);
    }

    TempDir root_;
    std::unique_ptr<Host> host_;
    bool was_enabled_ = false;
    std::mutex mutex_;
    std::condition_variable changed_;
    decltype(&BrokenMiniportCommit) mp_commit_ = nullptr;
    decltype(&BrokenMiniportAdapterHandle) mp_handle_ = nullptr;
    decltype(&BrokenMiniportIndicate) mp_indicate_ = nullptr;
    decltype(&BrokenMiniportHoldRequests) mp_hold_ = nullptr;
    decltype(&BrokenMiniportCompleteRequest) mp_complete_ = nullptr;
    decltype(&BrokenProtocolCommit) pr_commit_ = nullptr;
    decltype(&BrokenProtocolSetReceiveMode) pr_mode_ = nullptr;
    decltype(&BrokenProtocolQuery) pr_query_ = nullptr;
    decltype(&BrokenProtocolReady) pr_ready_ = nullptr;
    decltype(&BrokenProtocolReceives) pr_receives_ = nullptr;
    decltype(&BrokenProtocolRequestsCompleted) pr_completed_ = nullptr;
};

constexpr const char* kMiniport = "broken_miniport";
constexpr const char* kProtocol = "broken_protocol";

// --- Packet ownership (seed 003 §2.5, §2.7.1, §2.8) ---

TEST_F(VerifierRules, Seed_2_8_SendCompleteOfPacketNeverSentIsPacketNotOwned) {
    bound_adapter();
    PVOID packet = mp_commit_(BrokenSendCompleteNotSent);
    expect_one(Rule::PacketNotOwned, kMiniport, packet, "NdisMSendComplete");
    expect_host_works();
}

TEST_F(VerifierRules, Seed_2_7_1_IndicatingAHeldPacketAgainIsPacketNotOwned) {
    bound_adapter();
    pr_mode_(BrokenReceiveHold);
    host().run_at_dispatch(0, [&] { mp_indicate_(); });
    ASSERT_EQ(pr_receives_(), 1u);
    PVOID packet = nullptr;
    host().run_at_dispatch(0, [&] { packet = mp_commit_(BrokenIndicateTwice); });
    expect_one(Rule::PacketNotOwned, kMiniport, packet, "NdisMIndicateReceivePacket");
    EXPECT_EQ(pr_receives_(), 1u) << "the second indication reached the protocol";
    pr_commit_(BrokenReturnKept);  // the one return owed
    EXPECT_EQ(verifier::reports().size(), 1u) << describe(verifier::reports());
    expect_host_works();
}

TEST_F(VerifierRules, Seed_2_7_1_ReturnAfterReceivePacketReturnedZeroIsPacketReturnMismatch) {
    bound_adapter();
    pr_mode_(BrokenReceiveDrop);
    host().run_at_dispatch(0, [&] { mp_indicate_(); });
    ASSERT_EQ(pr_receives_(), 1u);
    PVOID packet = pr_commit_(BrokenReturnKept);
    expect_one(Rule::PacketReturnMismatch, kProtocol, packet, "NdisReturnPackets");
    expect_host_works();
}

TEST_F(VerifierRules, Seed_2_7_1_ReturnCountMismatchTwoReturnsForOneIsPacketReturnMismatch) {
    bound_adapter();
    pr_mode_(BrokenReceiveHold);
    host().run_at_dispatch(0, [&] { mp_indicate_(); });
    ASSERT_EQ(pr_receives_(), 1u);
    PVOID packet = pr_commit_(BrokenReturnKeptTwice);
    expect_one(Rule::PacketReturnMismatch, kProtocol, packet, "NdisReturnPackets");
    expect_host_works();
}

TEST_F(VerifierRules, Seed_2_7_1_ReturningAPacketNeverIndicatedIsPacketNotOwned) {
    bound_adapter();
    PVOID packet = pr_commit_(BrokenReturnOwnPacket);
    expect_one(Rule::PacketNotOwned, kProtocol, packet, "NdisReturnPackets");
    expect_host_works();
}

TEST_F(VerifierRules, Seed_2_7_TransferDataOutsideReceive) {
    bound_adapter();
    PVOID binding = pr_commit_(BrokenTransferOutsideReceive);
    expect_one(Rule::TransferDataOutsideReceive, kProtocol, binding, "NdisTransferData");
    expect_host_works();
}

TEST_F(VerifierRules, Seed_2_5_ReinitializePacketWithBuffersChained) {
    bound_adapter();
    PVOID packet = pr_commit_(BrokenReinitializeChained);
    expect_one(Rule::ReinitializeWithBuffers, kProtocol, packet, "NdisReinitializePacket");
    expect_host_works();
}

TEST_F(VerifierRules, Seed_2_5_FreePacketTwiceIsDoubleFree) {
    bound_adapter();
    PVOID packet = pr_commit_(BrokenFreePacketTwice);
    expect_one(Rule::DoubleFree, kProtocol, packet, "NdisFreePacket");
    expect_host_works();
}

TEST_F(VerifierRules, Seed_2_5_FreePacketPoolWithPacketsOutstandingIsPoolLeak) {
    bound_adapter();
    PVOID pool = pr_commit_(BrokenFreePoolInUse);
    expect_one(Rule::PoolLeak, kProtocol, pool, "NdisFreePacketPool");
    expect_host_works();
}

// --- Requests (seed 003 §2.4.3) ---

TEST_F(VerifierRules, Seed_2_4_3_SecondRequestWhileOneIsOutstanding) {
    bound_adapter();
    mp_hold_();
    ASSERT_EQ(pr_query_(), NDIS_STATUS_PENDING);
    PVOID binding = pr_commit_(BrokenSecondRequest);
    expect_one(Rule::RequestOutstanding, kProtocol, binding, "NdisRequest");
    EXPECT_TRUE(mp_complete_(NDIS_STATUS_SUCCESS));
    EXPECT_TRUE(wait_for([&] { return pr_completed_() == 2; })) << "both requests complete in the end";
    expect_host_works();
}

TEST_F(VerifierRules, Seed_2_4_3_RequestCompletedWithPendingIsRequestBadStatus) {
    bound_adapter();
    mp_hold_();
    ASSERT_EQ(pr_query_(), NDIS_STATUS_PENDING);
    PVOID handle = mp_commit_(BrokenCompleteRequestPending);
    expect_one(Rule::RequestBadStatus, kMiniport, handle, "NdisMQueryInformationComplete");
    EXPECT_TRUE(wait_for([&] { return pr_completed_() == 1; })) << "the protocol's request still completes";
    expect_host_works();
}

TEST_F(VerifierRules, Seed_2_4_3_QueryCompleteWithNoRequestIsCompletionWithoutCall) {
    bound_adapter();
    PVOID handle = mp_commit_(BrokenQueryCompleteNoRequest);
    expect_one(Rule::CompletionWithoutCall, kMiniport, handle, "NdisMQueryInformationComplete");
    expect_host_works();
}

// --- Reset and hang detection (seed 003 §2.10, §2.4.2) ---

TEST_F(VerifierRules, Seed_2_10_ResetCompleteWithoutResetIsResetNotStarted) {
    bound_adapter();
    PVOID handle = mp_commit_(BrokenResetCompleteUnstarted);
    expect_one(Rule::ResetNotStarted, kMiniport, handle, "NdisMResetComplete");
    expect_host_works();
}

TEST_F(VerifierRules, Seed_2_10_RequestNeverCompletedIsWatchdog) {
    bound_adapter({{"CheckForHangSeconds", registry::Value::dword(1)}});
    mp_hold_();
    ASSERT_EQ(pr_query_(), NDIS_STATUS_PENDING);
    ASSERT_TRUE(wait_for([&] { return verifier::count(Rule::Watchdog) != 0; })) << describe(verifier::reports());
    EXPECT_TRUE(wait_for([&] { return pr_completed_() == 1; })) << "the stuck request is aborted";
    expect_one(Rule::Watchdog, kMiniport, mp_handle_(), "request");
    expect_host_works();
}

// --- IRQL and locks (seed 003 §2.2) ---

TEST_F(VerifierRules, Seed_2_4_2_ReadConfigurationUnderSpinLockIsIrqlTooHigh) {
    AdapterInfo info;
    ASSERT_EQ(host().add_adapter(kMiniport, {{"ReadConfigLocked", registry::Value::dword(1)}}, &info),
              NDIS_STATUS_SUCCESS);
    expect_one(Rule::IrqlTooHigh, kMiniport, nullptr, "NdisReadConfiguration");
    verifier::clear();
    ASSERT_EQ(host().bind(kProtocol, info.device_name), NDIS_STATUS_SUCCESS);
    ASSERT_TRUE(wait_for([&] { return pr_ready_() != FALSE; }));
    expect_host_works();
}

TEST_F(VerifierRules, Seed_2_2_WaitWithTimeoutUnderSpinLockIsBlockingAtDispatch) {
    bound_adapter();
    PVOID event = mp_commit_(BrokenWaitLocked);
    expect_one(Rule::BlockingAtDispatch, kMiniport, event, "KeWaitForSingleObject");
    expect_host_works();
}

TEST_F(VerifierRules, Seed_2_2_ReleaseOfSpinLockNotHeldIsSpinLockMisuse) {
    bound_adapter();
    PVOID lock = nullptr;
    host().run_at_dispatch(0, [&] { lock = mp_commit_(BrokenReleaseUnheldLock); });
    expect_one(Rule::SpinLockMisuse, kMiniport, lock, "ReleaseSpinLock");
    expect_host_works();
}

// --- Handles, parameters, registration (seed 003 §2.3, §2.8, §2.11) ---

TEST_F(VerifierRules, Seed_2_11_SendOnClosedBindingIsInvalidHandle) {
    std::string device = bound_adapter();
    ASSERT_EQ(host().unbind(kProtocol, device), NDIS_STATUS_SUCCESS);
    verifier::clear();
    PVOID stale = pr_commit_(BrokenSendStaleHandle);
    expect_one(Rule::InvalidHandle, kProtocol, stale, "NdisSend");
    verifier::clear();
    ASSERT_EQ(host().bind(kProtocol, device), NDIS_STATUS_SUCCESS);
    ASSERT_TRUE(wait_for([&] { return pr_ready_() != FALSE; }));
    expect_host_works();
}

TEST_F(VerifierRules, Seed_2_8_SendOfNullPacketIsNullParameter) {
    bound_adapter();
    PVOID binding = pr_commit_(BrokenSendNullPacket);
    expect_one(Rule::NullParameter, kProtocol, binding, "NdisSend");
    expect_host_works();
}

TEST_F(VerifierRules, Seed_2_3_1_1_RegisterMiniportWithNdis6VersionIsBadCharacteristics) {
    bound_adapter();
    PVOID wrapper = mp_commit_(BrokenRegisterBadVersion);
    expect_one(Rule::BadCharacteristics, kMiniport, wrapper, "NdisMRegisterMiniport");
    expect_host_works();
}

// --- WSK and I/O (seed 002) ---

class VerifierWskRules : public VerifierRules {
protected:
    void SetUp() override {
        VerifierRules::SetUp();
        ASSERT_EQ(host().load_driver("broken_wsk"), STATUS_SUCCESS) << host().last_error();
        resolve(host(), "broken_wsk", "BrokenWskCommit", wsk_commit_);
        verifier::clear();
    }
    decltype(&BrokenWskCommit) wsk_commit_ = nullptr;
};

TEST_F(VerifierWskRules, ReleaseProviderNpiWithoutCaptureIsNpiCaptureBalance) {
    PVOID registration = wsk_commit_(BrokenReleaseUncaptured);
    expect_one(Rule::NpiCaptureBalance, "broken_wsk", registration, "WskReleaseProviderNPI");
    verifier::clear();
    EXPECT_EQ(host().unload_driver("broken_wsk"), STATUS_SUCCESS);
    EXPECT_EQ(verifier::count(Rule::NpiCaptureBalance), 0u) << describe(verifier::reports());
}

TEST_F(VerifierWskRules, IrpCompletedTwiceIsBadCall) {
    PVOID irp = wsk_commit_(BrokenCompleteIrpTwice);
    expect_one(Rule::BadCall, "broken_wsk", irp, "IoCompleteRequest");
    verifier::clear();
    EXPECT_EQ(host().unload_driver("broken_wsk"), STATUS_SUCCESS);
    EXPECT_EQ(verifier::total(), 0u) << describe(verifier::reports());
}

TEST_F(VerifierWskRules, TaggedPoolNotFreedAtUnloadIsTagLeak) {
    PVOID block = wsk_commit_(BrokenLeakTaggedPool);
    ASSERT_NE(block, nullptr);
    EXPECT_EQ(verifier::total(), 0u) << describe(verifier::reports());
    EXPECT_EQ(host().unload_driver("broken_wsk"), STATUS_SUCCESS);
    expect_one(Rule::TagLeak, "broken_wsk", block, "BLak");
    EXPECT_EQ(host().load_driver("broken_wsk"), STATUS_SUCCESS) << "the driver loads again after its leak";
}

}  // namespace
}  // namespace strata::test
