// wsk_registration_test.cpp — conformance: registering a Winsock Kernel application (seed 002,
// "WSK client object registration" and "WSK provider NPI capture"): WskRegister,
// WskCaptureProviderNPI with WSK_NO_WAIT, WSK_INFINITE_WAIT and a timeout while the provider is
// up and while it is not, WskReleaseProviderNPI, WskQueryProviderCharacteristics and
// WskDeregister, which fails waiting captures and returns only once every capture is released and
// every socket closed. The calls are made as a WSK client driver makes them, from the test thread
// and from threads the test starts, against an in-process host whose WSK subsystem the tests stop
// and start themselves.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "ntos/testing.h"
#include "test_support.h"
#include "verifier/verifier.h"
#include "wsk/lifecycle.h"
#include "wsk/subsystem.h"

#include <wsk.h>

namespace {

using strata::ntos::testing::kPatience;
using strata::verifier::Rule;

const WSK_CLIENT_DISPATCH kVersion1_0 = {MAKE_WSK_VERSION(1, 0), 0, nullptr};
const WSK_CLIENT_DISPATCH kVersion2_0 = {MAKE_WSK_VERSION(2, 0), 0, nullptr};
const WSK_CLIENT_DISPATCH kVersion0_9 = {MAKE_WSK_VERSION(0, 9), 0, nullptr};

// A notification KEVENT, waited on with a bound.
class Event {
public:
    Event() { KeInitializeEvent(&event_, NotificationEvent, FALSE); }
    void set() { KeSetEvent(&event_, IO_NO_INCREMENT, FALSE); }
    bool wait() { return strata::ntos::testing::wait_for(event_); }
    bool signalled() { return KeReadStateEvent(&event_) != 0; }
    PKEVENT get() { return &event_; }

private:
    KEVENT event_;
};

// A thread of the test, joined when the test ends however it ends.
class Thread {
public:
    explicit Thread(std::function<void()> body) : thread_(std::move(body)) {}
    ~Thread() { join(); }
    void join() {
        if (thread_.joinable()) thread_.join();
    }

private:
    std::thread thread_;
};

// The WSK subsystem down for a part of a test (the provider NPI "not yet available"); it comes
// back up at the end of the scope unless the test brought it up itself.
class ProviderDown {
public:
    ProviderDown() { strata::wsk::stop_subsystem(); }
    ~ProviderDown() {
        if (!strata::wsk::subsystem_ready()) strata::wsk::start_subsystem();
    }
    ProviderDown(const ProviderDown&) = delete;
    ProviderDown& operator=(const ProviderDown&) = delete;
};

// WskDeregister's patience shortened for one test.
class DeregisterPatience {
public:
    explicit DeregisterPatience(std::chrono::milliseconds patience) { strata::wsk::set_deregister_patience(patience); }
    ~DeregisterPatience() { strata::wsk::set_deregister_patience(std::chrono::seconds(10)); }
    DeregisterPatience(const DeregisterPatience&) = delete;
    DeregisterPatience& operator=(const DeregisterPatience&) = delete;
};

// A client driver's registration, as the seed's DriverEntry sample makes it.
struct WskApp {
    WSK_REGISTRATION registration{};
    WSK_PROVIDER_NPI provider{};

    NTSTATUS register_with(const WSK_CLIENT_DISPATCH& dispatch) {
        WSK_CLIENT_NPI npi{};
        npi.ClientContext = this;
        npi.Dispatch = &dispatch;
        return WskRegister(&npi, &registration);
    }
    NTSTATUS capture(ULONG wait) { return WskCaptureProviderNPI(&registration, wait, &provider); }
};

// The completion routine of a synchronous call: wakes the caller and keeps the IRP.
NTSTATUS NTAPI wake_caller(PDEVICE_OBJECT, PIRP, PVOID context) {
    KeSetEvent(static_cast<PKEVENT>(context), IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

// One synchronous WSK call the way a driver makes it: its own IRP with one stack location for
// the WSK subsystem and a completion routine that wakes the caller.
class SyncIrp {
public:
    SyncIrp() : irp_(IoAllocateIrp(1, FALSE)) {
        if (irp_ != nullptr) IoSetCompletionRoutine(irp_, wake_caller, done_.get(), TRUE, TRUE, TRUE);
    }
    ~SyncIrp() {
        // An IRP the provider never completed is still its: leaked rather than freed under it.
        if (irp_ != nullptr && (completed_ || done_.signalled())) IoFreeIrp(irp_);
    }
    SyncIrp(const SyncIrp&) = delete;
    SyncIrp& operator=(const SyncIrp&) = delete;
    PIRP get() const { return irp_; }
    // The IRP's final status once it completed; STATUS_IO_TIMEOUT if it never did.
    NTSTATUS wait(NTSTATUS returned) {
        if (returned == STATUS_PENDING && !done_.wait()) return STATUS_IO_TIMEOUT;
        completed_ = true;
        return irp_->IoStatus.Status;
    }
    ULONG_PTR information() const { return irp_->IoStatus.Information; }

private:
    Event done_;
    PIRP irp_;
    bool completed_ = false;
};

// A basic TCP socket created with the captured provider dispatch's WskSocket.
NTSTATUS create_basic_socket(const WSK_PROVIDER_NPI& provider, PWSK_SOCKET* socket) {
    SyncIrp irp;
    if (irp.get() == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS status = irp.wait(provider.Dispatch->WskSocket(provider.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP,
                                                            WSK_FLAG_BASIC_SOCKET, nullptr, nullptr, nullptr,
                                                            nullptr, nullptr, irp.get()));
    *socket = NT_SUCCESS(status) ? reinterpret_cast<PWSK_SOCKET>(irp.information()) : nullptr;
    return status;
}

NTSTATUS close_socket(PWSK_SOCKET socket) {
    SyncIrp irp;
    if (irp.get() == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
    auto dispatch = static_cast<const WSK_PROVIDER_BASIC_DISPATCH*>(socket->Dispatch);
    return irp.wait(dispatch->WskCloseSocket(socket, irp.get()));
}

class Seed_002 : public ::testing::Test {
protected:
    void SetUp() override { host_ = strata::test::make_host(root_, 2); }

    strata::ntos::testing::VerifierScope verifier_;
    strata::test::TempDir root_;
    std::unique_ptr<strata::Host> host_;
};

class Seed_002_Register : public Seed_002 {};
class Seed_002_Query : public Seed_002 {};
class Seed_002_Capture : public Seed_002 {};
class Seed_002_Release : public Seed_002 {};
class Seed_002_Deregister : public Seed_002 {};

// ---- WskRegister ---------------------------------------------------------------------------------

TEST_F(Seed_002_Register, ValidClientNpiSucceedsAndTheProviderCanBeCaptured) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    EXPECT_EQ(app.capture(WSK_NO_WAIT), STATUS_SUCCESS);
    WskReleaseProviderNPI(&app.registration);
    WskDeregister(&app.registration);
    EXPECT_EQ(strata::verifier::total(), 0u);
}

TEST_F(Seed_002_Register, NullRegistrationClientNpiOrDispatchFailsAndIsReported) {
    WSK_CLIENT_NPI npi{nullptr, &kVersion1_0};
    WSK_REGISTRATION registration{};
    EXPECT_EQ(WskRegister(&npi, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(WskRegister(nullptr, &registration), STATUS_INVALID_PARAMETER);
    WSK_CLIENT_NPI no_dispatch{nullptr, nullptr};
    EXPECT_EQ(WskRegister(&no_dispatch, &registration), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(strata::verifier::count(Rule::NullParameter), 3u);
    // None of them registered the block.
    WSK_PROVIDER_NPI provider{};
    EXPECT_EQ(WskCaptureProviderNPI(&registration, WSK_NO_WAIT, &provider), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(strata::verifier::count(Rule::InvalidHandle), 1u);
}

TEST_F(Seed_002_Register, OneClientMayRegisterSeveralTimesWithDifferentBlocks) {
    WskApp first;
    WskApp second;
    ASSERT_EQ(first.register_with(kVersion1_0), STATUS_SUCCESS);
    ASSERT_EQ(second.register_with(kVersion1_0), STATUS_SUCCESS);
    EXPECT_EQ(second.capture(WSK_NO_WAIT), STATUS_SUCCESS);
    // Deregistering one instance leaves the other's capture alone.
    WskDeregister(&first.registration);
    EXPECT_EQ(first.capture(WSK_NO_WAIT), STATUS_DEVICE_NOT_READY);
    EXPECT_EQ(second.capture(WSK_NO_WAIT), STATUS_SUCCESS);
    WskReleaseProviderNPI(&second.registration);
    WskReleaseProviderNPI(&second.registration);
    WskDeregister(&second.registration);
    EXPECT_EQ(strata::verifier::total(), 0u);
}

TEST_F(Seed_002_Register, RegisteringABlockThatIsStillRegisteredFailsAndIsReported) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    EXPECT_EQ(app.register_with(kVersion1_0), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(strata::verifier::count(Rule::BadCall), 1u);
    // The first registration is untouched.
    EXPECT_EQ(app.capture(WSK_NO_WAIT), STATUS_SUCCESS);
    WskReleaseProviderNPI(&app.registration);
    WskDeregister(&app.registration);
}

TEST_F(Seed_002_Register, RegisterFromAThreadOfTheClient) {
    WskApp app;
    NTSTATUS registered = STATUS_UNSUCCESSFUL;
    NTSTATUS captured = STATUS_UNSUCCESSFUL;
    Thread client([&] {
        registered = app.register_with(kVersion1_0);
        if (NT_SUCCESS(registered)) captured = app.capture(WSK_INFINITE_WAIT);
    });
    client.join();
    ASSERT_EQ(registered, STATUS_SUCCESS);
    EXPECT_EQ(captured, STATUS_SUCCESS);
    if (NT_SUCCESS(captured)) WskReleaseProviderNPI(&app.registration);
    WskDeregister(&app.registration);
    EXPECT_EQ(strata::verifier::total(), 0u);
}

// ---- WskQueryProviderCharacteristics ------------------------------------------------------------

TEST_F(Seed_002_Query, VersionRangeIsOnePointZeroWhileTheProviderIsUp) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    WSK_PROVIDER_CHARACTERISTICS characteristics{};
    ASSERT_EQ(WskQueryProviderCharacteristics(&app.registration, &characteristics), STATUS_SUCCESS);
    EXPECT_EQ(characteristics.HighestVersion, MAKE_WSK_VERSION(1, 0));
    EXPECT_EQ(characteristics.LowestVersion, MAKE_WSK_VERSION(1, 0));
    EXPECT_EQ(WSK_MAJOR_VERSION(characteristics.HighestVersion), 1);
    EXPECT_EQ(WSK_MINOR_VERSION(characteristics.HighestVersion), 0);
    WskDeregister(&app.registration);
}

TEST_F(Seed_002_Query, ProviderNotYetAvailableIsDeviceNotReady) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    {
        ProviderDown down;
        WSK_PROVIDER_CHARACTERISTICS characteristics{};
        EXPECT_EQ(WskQueryProviderCharacteristics(&app.registration, &characteristics), STATUS_DEVICE_NOT_READY);
    }
    WSK_PROVIDER_CHARACTERISTICS characteristics{};
    EXPECT_EQ(WskQueryProviderCharacteristics(&app.registration, &characteristics), STATUS_SUCCESS);
    WskDeregister(&app.registration);
    EXPECT_EQ(strata::verifier::total(), 0u);
}

TEST_F(Seed_002_Query, UnregisteredBlockOrNullOutputFailsAndIsReported) {
    WSK_REGISTRATION never_registered{};
    WSK_PROVIDER_CHARACTERISTICS characteristics{};
    EXPECT_EQ(WskQueryProviderCharacteristics(&never_registered, &characteristics), STATUS_INVALID_PARAMETER);
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    EXPECT_EQ(WskQueryProviderCharacteristics(&app.registration, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(strata::verifier::count(Rule::InvalidHandle), 2u);
    WskDeregister(&app.registration);
}

// ---- WskCaptureProviderNPI ----------------------------------------------------------------------

TEST_F(Seed_002_Capture, EveryWaitModeSucceedsAtOnceWhileTheProviderIsUp) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    for (ULONG wait : {ULONG{WSK_NO_WAIT}, ULONG{WSK_INFINITE_WAIT}, ULONG{5000}}) {
        app.provider = {};
        EXPECT_EQ(app.capture(wait), STATUS_SUCCESS) << "WaitTimeout " << wait;
        EXPECT_NE(app.provider.Client, nullptr);
        EXPECT_NE(app.provider.Dispatch, nullptr);
    }
    for (int i = 0; i < 3; ++i) WskReleaseProviderNPI(&app.registration);
    WskDeregister(&app.registration);
    EXPECT_EQ(strata::verifier::total(), 0u);
}

TEST_F(Seed_002_Capture, ProviderDispatchIsVersionOnePointZeroWithEveryFunction) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    ASSERT_EQ(app.capture(WSK_NO_WAIT), STATUS_SUCCESS);
    const WSK_PROVIDER_DISPATCH* dispatch = app.provider.Dispatch;
    ASSERT_NE(dispatch, nullptr);
    EXPECT_EQ(dispatch->Version, MAKE_WSK_VERSION(1, 0));
    EXPECT_NE(dispatch->WskSocket, nullptr);
    EXPECT_NE(dispatch->WskSocketConnect, nullptr);
    EXPECT_NE(dispatch->WskControlClient, nullptr);
    EXPECT_NE(dispatch->WskGetAddressInfo, nullptr);
    EXPECT_NE(dispatch->WskFreeAddressInfo, nullptr);
    EXPECT_NE(dispatch->WskGetNameInfo, nullptr);
    WskReleaseProviderNPI(&app.registration);
    WskDeregister(&app.registration);
}

TEST_F(Seed_002_Capture, NoWaitWhileTheProviderIsDownIsDeviceNotReady) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    {
        ProviderDown down;
        EXPECT_EQ(app.capture(WSK_NO_WAIT), STATUS_DEVICE_NOT_READY);
    }
    EXPECT_EQ(app.capture(WSK_NO_WAIT), STATUS_SUCCESS);
    WskReleaseProviderNPI(&app.registration);
    WskDeregister(&app.registration);
    EXPECT_EQ(strata::verifier::total(), 0u);
}

TEST_F(Seed_002_Capture, TimeoutWhileTheProviderStaysDownIsDeviceNotReady) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    {
        ProviderDown down;
        // Documented: returns when the wait reaches WaitTimeout; the NPI "was not yet available".
        EXPECT_EQ(app.capture(50), STATUS_DEVICE_NOT_READY);
    }
    // Nothing of the timed-out wait is left behind: deregistration does not wait for it.
    WskDeregister(&app.registration);
    EXPECT_EQ(strata::verifier::total(), 0u);
}

TEST_F(Seed_002_Capture, TimeoutSucceedsWhenTheProviderComesUpDuringTheWait) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    ProviderDown down;
    Event done;
    NTSTATUS status = STATUS_UNSUCCESSFUL;
    Thread waiter([&] {
        status = app.capture(600'000);
        done.set();
    });
    EXPECT_TRUE(strata::wsk::wait_for_client_state(&app.registration, 1, false, kPatience));
    EXPECT_FALSE(done.signalled());
    Thread starter([] { strata::wsk::start_subsystem(); });
    ASSERT_TRUE(done.wait());
    EXPECT_EQ(status, STATUS_SUCCESS);
    WskReleaseProviderNPI(&app.registration);
    WskDeregister(&app.registration);
    EXPECT_EQ(strata::verifier::total(), 0u);
}

TEST_F(Seed_002_Capture, InfiniteWaitSucceedsOnceTheProviderComesUp) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    ProviderDown down;
    Event done;
    NTSTATUS status = STATUS_UNSUCCESSFUL;
    Thread waiter([&] {
        status = app.capture(WSK_INFINITE_WAIT);
        done.set();
    });
    EXPECT_TRUE(strata::wsk::wait_for_client_state(&app.registration, 1, false, kPatience));
    EXPECT_FALSE(done.signalled()) << "an infinite wait returned while the provider was down";
    Thread starter([] { strata::wsk::start_subsystem(); });
    starter.join();
    ASSERT_TRUE(done.wait());
    EXPECT_EQ(status, STATUS_SUCCESS);
    EXPECT_NE(app.provider.Dispatch, nullptr);
    if (NT_SUCCESS(status)) WskReleaseProviderNPI(&app.registration);
    WskDeregister(&app.registration);
    EXPECT_EQ(strata::verifier::total(), 0u);
}

TEST_F(Seed_002_Capture, ProviderStartedByAHostWhoseLifetimeTheTestControls) {
    host_.reset();  // no host: no processors, no provider
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    EXPECT_EQ(app.capture(WSK_NO_WAIT), STATUS_DEVICE_NOT_READY);
    Event done;
    NTSTATUS status = STATUS_UNSUCCESSFUL;
    Thread waiter([&] {
        status = app.capture(WSK_INFINITE_WAIT);
        done.set();
    });
    EXPECT_TRUE(strata::wsk::wait_for_client_state(&app.registration, 1, false, kPatience));
    host_ = strata::test::make_host(root_, 2);
    ASSERT_TRUE(done.wait());
    EXPECT_EQ(status, STATUS_SUCCESS);
    if (NT_SUCCESS(status)) WskReleaseProviderNPI(&app.registration);
    WskDeregister(&app.registration);
    EXPECT_EQ(strata::verifier::total(), 0u);
}

TEST_F(Seed_002_Capture, UnsupportedClientVersionIsNoInterface) {
    for (const WSK_CLIENT_DISPATCH* dispatch : {&kVersion2_0, &kVersion0_9}) {
        WskApp app;
        ASSERT_EQ(app.register_with(*dispatch), STATUS_SUCCESS);
        EXPECT_EQ(app.capture(WSK_NO_WAIT), STATUS_NOINTERFACE) << "version " << std::hex << dispatch->Version;
        EXPECT_EQ(app.capture(WSK_INFINITE_WAIT), STATUS_NOINTERFACE);
        EXPECT_EQ(app.capture(1000), STATUS_NOINTERFACE);
        WskDeregister(&app.registration);
    }
    EXPECT_EQ(strata::verifier::total(), 0u);
}

TEST_F(Seed_002_Capture, AfterNoInterfaceTheClientReregistersWithASupportedVersion) {
    // The seed's recovery: query the supported range, deregister, register again with it.
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion2_0), STATUS_SUCCESS);
    ASSERT_EQ(app.capture(WSK_NO_WAIT), STATUS_NOINTERFACE);
    WSK_PROVIDER_CHARACTERISTICS characteristics{};
    ASSERT_EQ(WskQueryProviderCharacteristics(&app.registration, &characteristics), STATUS_SUCCESS);
    WskDeregister(&app.registration);
    const WSK_CLIENT_DISPATCH supported = {characteristics.HighestVersion, 0, nullptr};
    ASSERT_EQ(app.register_with(supported), STATUS_SUCCESS);
    EXPECT_EQ(app.capture(WSK_NO_WAIT), STATUS_SUCCESS);
    WskReleaseProviderNPI(&app.registration);
    WskDeregister(&app.registration);
    EXPECT_EQ(strata::verifier::total(), 0u);
}

TEST_F(Seed_002_Capture, AfterDeregisterIsDeviceNotReady) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    WskDeregister(&app.registration);
    EXPECT_EQ(app.capture(WSK_NO_WAIT), STATUS_DEVICE_NOT_READY);
    EXPECT_EQ(app.capture(1000), STATUS_DEVICE_NOT_READY);
    EXPECT_EQ(app.capture(WSK_INFINITE_WAIT), STATUS_DEVICE_NOT_READY);
    EXPECT_EQ(strata::verifier::total(), 0u);
}

TEST_F(Seed_002_Capture, WaitAtDispatchLevelIsReportedAndDoesNotWait) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    ProviderDown down;
    KIRQL old_irql;
    KeRaiseIrql(DISPATCH_LEVEL, &old_irql);
    NTSTATUS status = app.capture(WSK_INFINITE_WAIT);
    KeLowerIrql(old_irql);
    EXPECT_EQ(status, STATUS_DEVICE_NOT_READY);
    EXPECT_EQ(strata::verifier::count(Rule::BlockingAtDispatch), 1u);
    WskDeregister(&app.registration);
}

TEST_F(Seed_002_Capture, NullArgumentsFailAndAreReported) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    WSK_PROVIDER_NPI provider{};
    EXPECT_EQ(WskCaptureProviderNPI(nullptr, WSK_NO_WAIT, &provider), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(WskCaptureProviderNPI(&app.registration, WSK_NO_WAIT, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(strata::verifier::count(Rule::NullParameter), 2u);
    WskDeregister(&app.registration);
}

// ---- WskReleaseProviderNPI ----------------------------------------------------------------------

TEST_F(Seed_002_Release, ExtraReleaseIsReportedAndHarmless) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    ASSERT_EQ(app.capture(WSK_NO_WAIT), STATUS_SUCCESS);
    WskReleaseProviderNPI(&app.registration);
    EXPECT_EQ(strata::verifier::count(Rule::NpiCaptureBalance), 0u);
    WskReleaseProviderNPI(&app.registration);
    EXPECT_EQ(strata::verifier::count(Rule::NpiCaptureBalance), 1u);
    auto reports = strata::verifier::reports();
    ASSERT_FALSE(reports.empty());
    EXPECT_EQ(reports.back().rule, Rule::NpiCaptureBalance);
    EXPECT_EQ(reports.back().object, &app.registration);
    // The balance is not driven below zero: one capture and one release still leave nothing held.
    ASSERT_EQ(app.capture(WSK_NO_WAIT), STATUS_SUCCESS);
    WskReleaseProviderNPI(&app.registration);
    WskDeregister(&app.registration);
    EXPECT_EQ(strata::verifier::count(Rule::NpiCaptureBalance), 1u);
}

TEST_F(Seed_002_Release, ReleaseOfAnUnregisteredOrDeregisteredBlockIsReported) {
    WSK_REGISTRATION never_registered{};
    WskReleaseProviderNPI(&never_registered);
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    WskDeregister(&app.registration);
    WskReleaseProviderNPI(&app.registration);
    EXPECT_EQ(strata::verifier::count(Rule::InvalidHandle), 2u);
}

// ---- WskDeregister ------------------------------------------------------------------------------

TEST_F(Seed_002_Deregister, WaitingCapturesReturnDeviceNotReady) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    ProviderDown down;
    Event infinite_done;
    Event timeout_done;
    NTSTATUS infinite = STATUS_UNSUCCESSFUL;
    NTSTATUS timed = STATUS_UNSUCCESSFUL;
    WSK_PROVIDER_NPI second_provider{};
    Thread infinite_waiter([&] {
        infinite = app.capture(WSK_INFINITE_WAIT);
        infinite_done.set();
    });
    Thread timeout_waiter([&] {
        timed = WskCaptureProviderNPI(&app.registration, 600'000, &second_provider);
        timeout_done.set();
    });
    EXPECT_TRUE(strata::wsk::wait_for_client_state(&app.registration, 2, false, kPatience));
    EXPECT_FALSE(infinite_done.signalled());
    EXPECT_FALSE(timeout_done.signalled());
    // WskDeregister returns once the waiting captures have left (they hold no capture).
    WskDeregister(&app.registration);
    ASSERT_TRUE(infinite_done.wait());
    ASSERT_TRUE(timeout_done.wait());
    EXPECT_EQ(infinite, STATUS_DEVICE_NOT_READY);
    EXPECT_EQ(timed, STATUS_DEVICE_NOT_READY);
    EXPECT_EQ(strata::verifier::total(), 0u);
}

TEST_F(Seed_002_Deregister, WaitsUntilEveryCaptureIsReleased) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    ASSERT_EQ(app.capture(WSK_NO_WAIT), STATUS_SUCCESS);
    ASSERT_EQ(app.capture(WSK_INFINITE_WAIT), STATUS_SUCCESS);
    std::atomic<bool> returned{false};
    Event deregistered;
    Thread deregistering([&] {
        WskDeregister(&app.registration);
        returned.store(true);
        deregistered.set();
    });
    EXPECT_TRUE(strata::wsk::wait_for_client_state(&app.registration, 0, true, kPatience));
    EXPECT_FALSE(returned.load()) << "WskDeregister returned with two captures held";
    // A new capture once WskDeregister has begun fails, even though the provider is up.
    WSK_PROVIDER_NPI late{};
    EXPECT_EQ(WskCaptureProviderNPI(&app.registration, WSK_NO_WAIT, &late), STATUS_DEVICE_NOT_READY);
    Thread first_release([&] { WskReleaseProviderNPI(&app.registration); });
    first_release.join();
    EXPECT_FALSE(returned.load()) << "WskDeregister returned with one capture held";
    Thread last_release([&] { WskReleaseProviderNPI(&app.registration); });
    last_release.join();
    ASSERT_TRUE(deregistered.wait());
    EXPECT_TRUE(returned.load());
    EXPECT_EQ(app.capture(WSK_NO_WAIT), STATUS_DEVICE_NOT_READY);
    EXPECT_EQ(strata::verifier::total(), 0u);
}

TEST_F(Seed_002_Deregister, WaitsUntilEverySocketIsClosed) {
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    ASSERT_EQ(app.capture(WSK_INFINITE_WAIT), STATUS_SUCCESS);
    PWSK_SOCKET socket = nullptr;
    ASSERT_EQ(create_basic_socket(app.provider, &socket), STATUS_SUCCESS);
    ASSERT_NE(socket, nullptr);
    // The provider NPI is released; the socket (its own dispatch table) stays open.
    WskReleaseProviderNPI(&app.registration);
    std::atomic<bool> returned{false};
    Event deregistered;
    Thread deregistering([&] {
        WskDeregister(&app.registration);
        returned.store(true);
        deregistered.set();
    });
    EXPECT_TRUE(strata::wsk::wait_for_client_state(&app.registration, 0, true, kPatience));
    EXPECT_FALSE(returned.load()) << "WskDeregister returned with a socket open";
    NTSTATUS closed = STATUS_UNSUCCESSFUL;
    Thread closer([&] { closed = close_socket(socket); });
    closer.join();
    EXPECT_EQ(closed, STATUS_SUCCESS);
    ASSERT_TRUE(deregistered.wait());
    EXPECT_TRUE(returned.load());
    EXPECT_EQ(strata::verifier::total(), 0u);
}

TEST_F(Seed_002_Deregister, ClientThatNeverReleasesIsReportedAfterThePatience) {
    DeregisterPatience patience(std::chrono::milliseconds(100));
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    ASSERT_EQ(app.capture(WSK_NO_WAIT), STATUS_SUCCESS);
    WskDeregister(&app.registration);  // returns although the capture is never released
    EXPECT_EQ(strata::verifier::count(Rule::NpiCaptureBalance), 1u);
    auto reports = strata::verifier::reports();
    ASSERT_FALSE(reports.empty());
    EXPECT_EQ(reports.back().rule, Rule::NpiCaptureBalance);
    EXPECT_NE(reports.back().message.find("1 capture(s) never released"), std::string::npos)
        << reports.back().message;
    // The registration is retired all the same.
    EXPECT_EQ(app.capture(WSK_NO_WAIT), STATUS_DEVICE_NOT_READY);
}

TEST_F(Seed_002_Deregister, DeregisterOfAnUnregisteredBlockIsReported) {
    WSK_REGISTRATION never_registered{};
    WskDeregister(&never_registered);
    WskApp app;
    ASSERT_EQ(app.register_with(kVersion1_0), STATUS_SUCCESS);
    WskDeregister(&app.registration);
    WskDeregister(&app.registration);
    EXPECT_EQ(strata::verifier::count(Rule::InvalidHandle), 2u);
}

}  // namespace
