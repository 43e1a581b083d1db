// seed_2_4_2_check_for_hang_test.cpp — conformance: the CheckForHang interval and the timeouts of
// NdisMSetAttributesEx (seed 003 §2.4.2): MiniportCheckForHang every 2 s by default or every
// CheckForHangTimeInSeconds, a reset when it says TRUE, a reset for a request outstanding two
// periods unless NDIS_ATTRIBUTE_IGNORE_REQUEST_TIMEOUT, and for a serialized miniport's sends not
// completed for two periods unless NDIS_ATTRIBUTE_IGNORE_PACKET_TIMEOUT (§2.10: the send timeout
// behind most resets). Time is a FakeClock: no sleeps.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "ndis/library.h"
#include "ndis_test_drivers.h"
#include "ntos/clock.h"
#include "registry/value.h"
#include "test_support.h"
#include "verifier/verifier.h"

#include <ndis.h>

namespace {

using namespace std::chrono_literals;

constexpr NDIS_OID kNeverCompletedOid = 0xFF00'0001;

struct HangMiniport {
    std::atomic<UINT> interval_seconds{0};
    std::atomic<ULONG> attribute_flags{NDIS_ATTRIBUTE_DESERIALIZE};
    std::atomic<BOOLEAN> hung{FALSE};
    std::atomic<int> checks{0};
    std::atomic<int> resets{0};
    std::atomic<bool> pend_sends{false};  // MiniportSendPackets keeps every packet (a stuck transmitter)
    NDIS_HANDLE handle = nullptr;         // MiniportAdapterHandle
} g_hang;

NDIS_STATUS Initialize(PNDIS_STATUS, PUINT selected, PNDIS_MEDIUM media, UINT count, NDIS_HANDLE handle, NDIS_HANDLE) {
    for (UINT i = 0; i < count; ++i) {
        if (media[i] != NdisMedium802_3) continue;
        *selected = i;
        g_hang.handle = handle;
        NdisMSetAttributesEx(handle, &g_hang, g_hang.interval_seconds, g_hang.attribute_flags, NdisInterfaceInternal);
        return NDIS_STATUS_SUCCESS;
    }
    return NDIS_STATUS_UNSUPPORTED_MEDIA;
}
VOID Halt(NDIS_HANDLE) {}
BOOLEAN CheckForHang(NDIS_HANDLE) {
    g_hang.checks++;
    return g_hang.hung.load();
}
NDIS_STATUS Reset(PBOOLEAN addressing, NDIS_HANDLE) {
    *addressing = FALSE;
    g_hang.resets++;
    return NDIS_STATUS_SUCCESS;
}
NDIS_STATUS Query(NDIS_HANDLE, NDIS_OID oid, PVOID buffer, ULONG length, PULONG written, PULONG needed) {
    static const UCHAR mac[6] = {0x02, 0, 0x5E, 0x10, 0x20, 0x30};
    if (oid == kNeverCompletedOid) return NDIS_STATUS_PENDING;
    if (oid != OID_802_3_CURRENT_ADDRESS) return NDIS_STATUS_NOT_SUPPORTED;
    if (length < sizeof mac) {
        *needed = sizeof mac;
        return NDIS_STATUS_INVALID_LENGTH;
    }
    NdisMoveMemory(buffer, mac, sizeof mac);
    *written = sizeof mac;
    return NDIS_STATUS_SUCCESS;
}
NDIS_STATUS Set(NDIS_HANDLE, NDIS_OID, PVOID, ULONG, PULONG, PULONG) { return NDIS_STATUS_SUCCESS; }
VOID SendPackets(NDIS_HANDLE, PPNDIS_PACKET packets, UINT count) {
    if (!g_hang.pend_sends) return;
    for (UINT i = 0; i < count; ++i) NDIS_SET_PACKET_STATUS(packets[i], NDIS_STATUS_PENDING);
}

class Seed_2_4_2_CheckForHang : public ::testing::Test {
protected:
    void SetUp() override {
        strata::ntos::set_clock(&clock_);
        host_ = strata::test::make_host(root_, 1);
        strata::verifier::clear();
        g_hang.hung = FALSE;
        g_hang.checks = 0;
        g_hang.resets = 0;
        g_hang.pend_sends = false;
        NdisInitUnicodeString(&registry_path_, kRegistryPath);
        NdisMInitializeWrapper(&wrapper_, &driver_object_, &registry_path_, nullptr);
        NDIS51_MINIPORT_CHARACTERISTICS c{};
        c.MajorNdisVersion = 5;
        c.MinorNdisVersion = 1;
        c.InitializeHandler = Initialize;
        c.HaltHandler = Halt;
        c.CheckForHangHandler = CheckForHang;
        c.ResetHandler = Reset;
        c.QueryInformationHandler = Query;
        c.SetInformationHandler = Set;
        c.SendPacketsHandler = SendPackets;
        ASSERT_EQ(NdisMRegisterMiniport(wrapper_, reinterpret_cast<PNDIS_MINIPORT_CHARACTERISTICS>(&c), sizeof c),
                  NDIS_STATUS_SUCCESS);
    }
    void TearDown() override {
        host_->remove_adapter(adapter_.device_name);
        NdisTerminateWrapper(wrapper_, nullptr);
        host_.reset();
        strata::ntos::set_clock(nullptr);
    }
    void add_adapter(UINT interval_seconds, ULONG flags) {
        g_hang.interval_seconds = interval_seconds;
        g_hang.attribute_flags = flags;
        ASSERT_EQ(host_->add_adapter("hangtest", {}, &adapter_), NDIS_STATUS_SUCCESS);
    }
    // Queues NDIS's own query of an OID the miniport pends forever; `completed_` gets its status.
    strata::ndis::Miniport* submit_never_completed_request() {
        auto* m = strata::ndis::Library::instance().find_miniport(adapter_.device_name);
        if (m == nullptr) return nullptr;
        request_.RequestType = NdisRequestQueryInformation;
        request_.DATA.QUERY_INFORMATION.Oid = kNeverCompletedOid;
        request_.DATA.QUERY_INFORMATION.InformationBuffer = &request_buffer_;
        request_.DATA.QUERY_INFORMATION.InformationBufferLength = sizeof request_buffer_;
        strata::ndis::RequestEntry entry;
        entry.request = &request_;
        entry.done = [this](NDIS_STATUS status) { completed_ = status; };
        return m->submit_request(std::move(entry)) == NDIS_STATUS_PENDING ? m : nullptr;
    }
    // Moves time on and waits until every DPC the expired timers queued has run.
    void advance(std::chrono::nanoseconds delta) {
        clock_.advance(delta);
        KeFlushQueuedDpcs();
    }

    static constexpr WCHAR kRegistryPath[] = u"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\hangtest";
    strata::ntos::FakeClock clock_;
    strata::test::TempDir root_;
    std::unique_ptr<strata::Host> host_;
    DRIVER_OBJECT driver_object_{};
    UNICODE_STRING registry_path_{};
    NDIS_HANDLE wrapper_ = nullptr;
    strata::AdapterInfo adapter_;
    NDIS_REQUEST request_{};
    ULONG request_buffer_ = 0;
    std::atomic<NDIS_STATUS> completed_{NDIS_STATUS_PENDING};
};

TEST_F(Seed_2_4_2_CheckForHang, Seed_2_4_2_CheckForHangEveryTwoSecondsByDefault) {
    add_adapter(0, NDIS_ATTRIBUTE_DESERIALIZE);
    advance(1999ms);
    EXPECT_EQ(g_hang.checks, 0);
    advance(1ms);
    EXPECT_EQ(g_hang.checks, 1);
    advance(2s);
    advance(2s);
    EXPECT_EQ(g_hang.checks, 3);
    EXPECT_EQ(g_hang.resets, 0);
}

TEST_F(Seed_2_4_2_CheckForHang, Seed_2_4_2_CheckForHangTimeInSecondsSetsTheInterval) {
    add_adapter(5, NDIS_ATTRIBUTE_DESERIALIZE);
    advance(4900ms);
    EXPECT_EQ(g_hang.checks, 0);
    advance(100ms);
    EXPECT_EQ(g_hang.checks, 1);
}

TEST_F(Seed_2_4_2_CheckForHang, Seed_2_4_2_HungMiniportIsReset) {
    add_adapter(0, NDIS_ATTRIBUTE_DESERIALIZE);
    advance(2s);
    EXPECT_EQ(g_hang.resets, 0);
    g_hang.hung = TRUE;
    advance(2s);
    EXPECT_EQ(g_hang.resets, 1);
}

TEST_F(Seed_2_4_2_CheckForHang, Seed_2_4_2_RequestTimeoutResetsAndAbortsTheRequest) {
    add_adapter(0, NDIS_ATTRIBUTE_DESERIALIZE);
    strata::ndis::Miniport* m = submit_never_completed_request();
    ASSERT_NE(m, nullptr);
    advance(2s);
    EXPECT_EQ(g_hang.resets, 0);
    EXPECT_EQ(completed_.load(), NDIS_STATUS_PENDING);
    advance(2s);
    EXPECT_EQ(g_hang.resets, 1);
    EXPECT_EQ(completed_.load(), NDIS_STATUS_REQUEST_ABORTED);
    EXPECT_EQ(strata::verifier::count(strata::verifier::Rule::Watchdog), 1u);
}

TEST_F(Seed_2_4_2_CheckForHang, Seed_2_4_2_IgnoreRequestTimeoutKeepsTheRequestPending) {
    add_adapter(0, NDIS_ATTRIBUTE_DESERIALIZE | NDIS_ATTRIBUTE_IGNORE_REQUEST_TIMEOUT);
    strata::ndis::Miniport* m = submit_never_completed_request();
    ASSERT_NE(m, nullptr);
    for (int period = 0; period < 5; ++period) advance(2s);
    EXPECT_EQ(g_hang.checks, 5);
    EXPECT_EQ(g_hang.resets, 0);
    EXPECT_EQ(completed_.load(), NDIS_STATUS_PENDING);
    NdisMQueryInformationComplete(m->handle, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(completed_.load(), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(strata::verifier::count(strata::verifier::Rule::Watchdog), 0u);
}

// A serialized miniport that keeps a send past two CheckForHang periods is reset, and the
// verifier's watchdog names the stuck sends; NDIS_ATTRIBUTE_IGNORE_PACKET_TIMEOUT turns that off.
class Seed_2_4_2_SendTimeout : public Seed_2_4_2_CheckForHang {
protected:
    // Binds a protocol and leaves one send with the miniport while `periods` CheckForHang periods
    // pass; `after_each(period)` looks at what NDIS did meanwhile.
    template <typename F>
    void send_stuck_for(unsigned periods, F&& after_each) {
        strata::test::drivers::TestProtocol p("hangproto");
        ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
        ASSERT_EQ(host_->bind(p.name(), adapter_.device_name), NDIS_STATUS_SUCCESS);
        strata::test::drivers::ProtocolBinding* b = p.open_binding(adapter_.device_name);
        ASSERT_NE(b, nullptr);
        PNDIS_PACKET packet = p.make_packet();
        ASSERT_NE(packet, nullptr);
        g_hang.pend_sends = true;
        NdisSendPackets(b->handle, &packet, 1);
        for (unsigned i = 1; i <= periods; ++i) {
            advance(2s);
            after_each(i);
        }
        NdisMSendComplete(g_hang.handle, packet, NDIS_STATUS_SUCCESS);
        ASSERT_TRUE(p.wait(b, [](const strata::test::drivers::ProtocolBinding& x) { return x.send_completes == 1; }));
        p.free_packet(packet);
        ASSERT_EQ(host_->unbind(p.name(), adapter_.device_name), NDIS_STATUS_SUCCESS);
    }
};

TEST_F(Seed_2_4_2_SendTimeout, Seed_2_4_2_SendTimeoutResetsASerializedMiniport) {
    add_adapter(0, 0);
    send_stuck_for(2, [](unsigned period) {
        EXPECT_EQ(g_hang.resets, period == 2 ? 1 : 0) << "after period " << period;
    });
    ASSERT_EQ(strata::verifier::count(strata::verifier::Rule::Watchdog), 1u);
    EXPECT_NE(strata::verifier::reports().back().message.find("sends were not completed"), std::string::npos);
}

TEST_F(Seed_2_4_2_SendTimeout, Seed_2_4_2_IgnorePacketTimeoutKeepsStuckSends) {
    add_adapter(0, NDIS_ATTRIBUTE_IGNORE_PACKET_TIMEOUT);
    send_stuck_for(5, [](unsigned) { EXPECT_EQ(g_hang.resets, 0); });
    EXPECT_EQ(g_hang.checks, 5);
    EXPECT_EQ(strata::verifier::count(strata::verifier::Rule::Watchdog), 0u);
}

}  // namespace
