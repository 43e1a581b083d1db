// wsk_inspect_cancel_test.cpp — conditional accept (SO_CONDITIONAL_ACCEPT with WskInspectEvent,
// WskInspectComplete and WskAbortEvent), IoCancelIrp of single pending WSK IRPs, and
// WskGetAddressInfo / WskFreeAddressInfo / WskGetNameInfo (issue 5 items 3 and 6), against real
// loopback peers. Name lookups use numeric addresses and "localhost" only: no DNS is needed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wsk_client.h"

namespace strata::test::wsk {
namespace {

// WskInspectEvent and WskAbortEvent (plus the accept event) of one conditional-accept listener.
class InspectEvents : public Signal {
public:
    WSK_INSPECT_ACTION reply = WskInspectAccept;
    std::vector<WSK_INSPECT_ID> inspected;
    std::vector<WSK_INSPECT_ID> aborted;
    std::vector<PWSK_SOCKET> accepted;
    USHORT remote_port = 0;

    static WSK_INSPECT_ACTION WSKAPI on_inspect(PVOID context, PSOCKADDR, PSOCKADDR remote, PWSK_INSPECT_ID id) {
        auto& self = *static_cast<InspectEvents*>(context);
        WSK_INSPECT_ACTION action = self.locked([&] {
            self.inspected.push_back(*id);
            self.remote_port = port_of(copy_address(remote));
            return self.reply;
        });
        self.notify();
        return action;
    }
    static NTSTATUS WSKAPI on_abort(PVOID context, PWSK_INSPECT_ID id) {
        auto& self = *static_cast<InspectEvents*>(context);
        self.locked([&] {
            self.aborted.push_back(*id);
            return 0;
        });
        self.notify();
        return STATUS_SUCCESS;
    }
    static NTSTATUS WSKAPI on_accept(PVOID context, ULONG, PSOCKADDR, PSOCKADDR, PWSK_SOCKET socket, PVOID* socket_context,
                                     const WSK_CLIENT_CONNECTION_DISPATCH** socket_dispatch) {
        auto& self = *static_cast<InspectEvents*>(context);
        *socket_context = nullptr;
        *socket_dispatch = nullptr;
        self.locked([&] {
            if (socket != nullptr) self.accepted.push_back(socket);
            return 0;
        });
        self.notify();
        return STATUS_SUCCESS;
    }
};

constexpr WSK_CLIENT_LISTEN_DISPATCH kInspectOnly = {nullptr, InspectEvents::on_inspect, InspectEvents::on_abort};
constexpr WSK_CLIENT_LISTEN_DISPATCH kInspectAndAccept = {InspectEvents::on_accept, InspectEvents::on_inspect,
                                                          InspectEvents::on_abort};

class WskConditionalAcceptTest : public WskSocketTest {
protected:
    // A conditional-accept listener on 127.0.0.1; its port in `port`.
    PWSK_SOCKET listen(InspectEvents& events, const WSK_CLIENT_LISTEN_DISPATCH& dispatch, USHORT* port) {
        PWSK_SOCKET s = client.socket(Family::V4, WSK_FLAG_LISTEN_SOCKET, &events, &dispatch);
        if (s == nullptr) return nullptr;
        EXPECT_EQ(set_option(s, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 1), STATUS_SUCCESS);
        EXPECT_EQ(bind<WSK_PROVIDER_LISTEN_DISPATCH>(s, loopback(Family::V4, 0)), STATUS_SUCCESS);
        SOCKADDR_STORAGE local{};
        EXPECT_EQ(local_address<WSK_PROVIDER_LISTEN_DISPATCH>(s, &local), STATUS_SUCCESS);
        *port = port_of(local);
        return s;
    }
    // A conditional-accept listener (accept event on) whose client pended one request of a Linux
    // peer; false when that did not happen (a failure is recorded).
    struct Pended {
        InspectEvents events;
        PWSK_SOCKET listener = nullptr;
        peer::Stream peer;
    };
    bool pend_one(Pended& p) {
        p.events.reply = WskInspectPend;
        USHORT port = 0;
        p.listener = listen(p.events, kInspectAndAccept, &port);
        if (p.listener == nullptr) return false;
        EXPECT_EQ(set_events(p.listener, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
        p.peer = peer::Stream::connect(Family::V4, port);
        bool pended = p.peer && p.events.wait_until([&] { return p.events.inspected.size() == 1; });
        EXPECT_TRUE(pended) << "no pended connection request";
        return pended;
    }
    NTSTATUS inspect_complete(PWSK_SOCKET s, WSK_INSPECT_ID id, WSK_INSPECT_ACTION action) {
        Irp irp;
        return irp.finish(listening(s).WskInspectComplete(s, &id, action, irp.arm()));
    }
};

TEST_F(WskConditionalAcceptTest, AcceptedRequestGoesToWskAccept) {
    InspectEvents events;
    USHORT port = 0;
    PWSK_SOCKET listener = listen(events, kInspectOnly, &port);
    ASSERT_NE(listener, nullptr);
    Irp accept;
    NTSTATUS returned = listening(listener).WskAccept(listener, 0, nullptr, nullptr, nullptr, nullptr, accept.arm());
    peer::Stream peer = peer::Stream::connect(Family::V4, port);
    ASSERT_TRUE(peer);
    ASSERT_EQ(accept.finish(returned), STATUS_SUCCESS);
    auto* accepted = reinterpret_cast<PWSK_SOCKET>(accept.information());
    ASSERT_NE(accepted, nullptr);
    EXPECT_EQ(events.locked([&] { return events.inspected.size(); }), 1u);
    EXPECT_EQ(events.locked([&] { return events.remote_port; }), peer.local_port());
    expect_exchange(accepted, peer);
    EXPECT_EQ(close_socket(accepted), STATUS_SUCCESS);
    EXPECT_EQ(close_socket(listener), STATUS_SUCCESS);
}

TEST_F(WskConditionalAcceptTest, RejectedRequestIsReset) {
    InspectEvents events;
    events.reply = WskInspectReject;
    USHORT port = 0;
    PWSK_SOCKET listener = listen(events, kInspectAndAccept, &port);
    ASSERT_NE(listener, nullptr);
    peer::Stream peer = peer::Stream::connect(Family::V4, port);
    ASSERT_TRUE(peer);
    peer::End end = peer.next();
    EXPECT_TRUE(end == peer::End::Reset || end == peer::End::Eof);
    EXPECT_EQ(events.locked([&] { return events.inspected.size(); }), 1u);
    EXPECT_TRUE(events.locked([&] { return events.accepted.empty(); }));
    EXPECT_EQ(close_socket(listener), STATUS_SUCCESS);
}

TEST_F(WskConditionalAcceptTest, PendedRequestAcceptedByWskInspectCompleteReachesAcceptEvent) {
    Pended p;
    ASSERT_TRUE(pend_one(p));
    InspectEvents& events = p.events;
    PWSK_SOCKET listener = p.listener;
    peer::Stream& peer = p.peer;
    EXPECT_TRUE(events.locked([&] { return events.accepted.empty(); }));
    WSK_INSPECT_ID id = events.locked([&] { return events.inspected.front(); });
    EXPECT_EQ(inspect_complete(listener, id, WskInspectAccept), STATUS_SUCCESS);
    ASSERT_TRUE(events.wait_until([&] { return events.accepted.size() == 1; }));
    PWSK_SOCKET accepted = events.locked([&] { return events.accepted.front(); });
    expect_exchange(accepted, peer);
    EXPECT_EQ(close_socket(accepted), STATUS_SUCCESS);
    EXPECT_EQ(close_socket(listener), STATUS_SUCCESS);
}

TEST_F(WskConditionalAcceptTest, PeerThatGivesUpWhilePendedRaisesAbortEvent) {
    Pended p;
    ASSERT_TRUE(pend_one(p));
    InspectEvents& events = p.events;
    PWSK_SOCKET listener = p.listener;
    peer::Stream& peer = p.peer;
    peer.reset();
    ASSERT_TRUE(events.wait_until([&] { return events.aborted.size() == 1; }));
    WSK_INSPECT_ID inspected = events.locked([&] { return events.inspected.front(); });
    WSK_INSPECT_ID aborted = events.locked([&] { return events.aborted.front(); });
    EXPECT_EQ(aborted.Key, inspected.Key);
    EXPECT_EQ(aborted.SerialNumber, inspected.SerialNumber);
    // The dropped request is no longer the client's to complete.
    expect_reports();
    EXPECT_EQ(inspect_complete(listener, inspected, WskInspectAccept), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(close_socket(listener), STATUS_SUCCESS);
}

TEST_F(WskConditionalAcceptTest, CloseResetsPendedRequests) {
    Pended p;
    ASSERT_TRUE(pend_one(p));
    EXPECT_EQ(close_socket(p.listener), STATUS_SUCCESS);
    peer::End end = p.peer.next();
    EXPECT_TRUE(end == peer::End::Reset || end == peer::End::Eof);
}

TEST_F(WskConditionalAcceptTest, NeedsAnInspectEventAndAListeningSocketNotYetBound) {
    ListenEvents plain;
    PWSK_SOCKET s = client.socket(Family::V4, WSK_FLAG_LISTEN_SOCKET, &plain, &kListenEvents);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(set_option(s, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 1), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);

    InspectEvents events;
    USHORT port = 0;
    PWSK_SOCKET listener = listen(events, kInspectOnly, &port);
    ASSERT_NE(listener, nullptr);
    EXPECT_EQ(set_option(listener, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 0), STATUS_INVALID_DEVICE_STATE);
    WSK_INSPECT_ID unknown{0x1234, 99};
    expect_reports();
    EXPECT_EQ(inspect_complete(listener, unknown, WskInspectAccept), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(inspect_complete(listener, unknown, WskInspectPend), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(close_socket(listener), STATUS_SUCCESS);
}

// ---- IoCancelIrp of one pending IRP ----------------------------------------------------------------

TEST_F(WskSocketTest, CancelledSecondReceiveCompletesAloneAndTheFirstStillGetsData) {
    Connection c = connect_to_peer(Family::V4);
    ASSERT_NE(c.socket, nullptr);
    MdlChain first_buffer{64}, second_buffer{64};
    WSK_BUF first_wsk = first_buffer.whole(), second_wsk = second_buffer.whole();
    Irp first, second;
    NTSTATUS first_returned = connection(c.socket).WskReceive(c.socket, &first_wsk, 0, first.arm());
    NTSTATUS second_returned = connection(c.socket).WskReceive(c.socket, &second_wsk, 0, second.arm());
    EXPECT_EQ(second_returned, STATUS_PENDING);
    // TRUE once the provider queued it, FALSE while it is still on its way to the socket's
    // processor (which then sees Irp->Cancel): either way it completes cancelled.
    IoCancelIrp(second.get());
    EXPECT_EQ(second.finish(second_returned), STATUS_CANCELLED);
    EXPECT_FALSE(first.completed());
    auto bytes = pattern(64, 3);
    ASSERT_TRUE(c.peer.send_all(bytes.data(), bytes.size()));
    EXPECT_EQ(first.finish(first_returned), STATUS_SUCCESS);
    EXPECT_EQ(first_buffer.read(0, first.information()), std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + first.information()));
    EXPECT_EQ(close_socket(c.socket), STATUS_SUCCESS);
}

TEST_F(WskSocketTest, CancelledReceiveInTheKernelCompletesCancelled) {
    Connection c = connect_to_peer(Family::V6);
    ASSERT_NE(c.socket, nullptr);
    MdlChain buffer{128};
    WSK_BUF wsk = buffer.whole();
    Irp receive;
    NTSTATUS returned = connection(c.socket).WskReceive(c.socket, &wsk, 0, receive.arm());
    IoCancelIrp(receive.get());
    EXPECT_EQ(receive.finish(returned), STATUS_CANCELLED);
    // The connection still works afterwards.
    expect_exchange(c.socket, c.peer);
    EXPECT_EQ(close_socket(c.socket), STATUS_SUCCESS);
}

TEST_F(WskSocketTest, CancelledAcceptCompletesCancelledAndTheListenerStillAccepts) {
    PWSK_SOCKET listener = client.socket(Family::V4, WSK_FLAG_LISTEN_SOCKET);
    ASSERT_NE(listener, nullptr);
    ASSERT_EQ(bind<WSK_PROVIDER_LISTEN_DISPATCH>(listener, loopback(Family::V4, 0)), STATUS_SUCCESS);
    SOCKADDR_STORAGE local{};
    ASSERT_EQ(local_address<WSK_PROVIDER_LISTEN_DISPATCH>(listener, &local), STATUS_SUCCESS);
    Irp cancelled;
    NTSTATUS returned = listening(listener).WskAccept(listener, 0, nullptr, nullptr, nullptr, nullptr, cancelled.arm());
    IoCancelIrp(cancelled.get());
    EXPECT_EQ(cancelled.finish(returned), STATUS_CANCELLED);
    Irp accept;
    returned = listening(listener).WskAccept(listener, 0, nullptr, nullptr, nullptr, nullptr, accept.arm());
    peer::Stream peer = peer::Stream::connect(Family::V4, port_of(local));
    ASSERT_TRUE(peer);
    ASSERT_EQ(accept.finish(returned), STATUS_SUCCESS);
    auto* accepted = reinterpret_cast<PWSK_SOCKET>(accept.information());
    expect_exchange(accepted, peer);
    EXPECT_EQ(close_socket(accepted), STATUS_SUCCESS);
    EXPECT_EQ(close_socket(listener), STATUS_SUCCESS);
}

TEST_F(WskSocketTest, IrpCancelledBeforeTheCallCompletesCancelled) {
    Connection c = connect_to_peer(Family::V4);
    ASSERT_NE(c.socket, nullptr);
    MdlChain buffer{16};
    WSK_BUF wsk = buffer.whole();
    Irp receive;
    PIRP irp = receive.arm();
    EXPECT_FALSE(IoCancelIrp(irp));  // nobody holds it yet: only flagged
    EXPECT_EQ(receive.finish(connection(c.socket).WskReceive(c.socket, &wsk, 0, irp)), STATUS_CANCELLED);
    EXPECT_EQ(close_socket(c.socket), STATUS_SUCCESS);
}

// ---- name resolution -----------------------------------------------------------------------------

class WskNameTest : public WskSocketTest {
protected:
    NTSTATUS get_address_info(const char16_t* node, const char16_t* service, const ADDRINFOEXW* hints,
                              PADDRINFOEXW* result) {
        UNICODE_STRING node_name{}, service_name{};
        if (node != nullptr) RtlInitUnicodeString(&node_name, reinterpret_cast<PCWSTR>(node));
        if (service != nullptr) RtlInitUnicodeString(&service_name, reinterpret_cast<PCWSTR>(service));
        ADDRINFOEXW hints_copy = hints != nullptr ? *hints : ADDRINFOEXW{};
        Irp irp;
        return irp.finish(client.provider().WskGetAddressInfo(
            client.handle(), node != nullptr ? &node_name : nullptr, service != nullptr ? &service_name : nullptr,
            NS_ALL, nullptr, hints != nullptr ? &hints_copy : nullptr, result, nullptr, nullptr, irp.arm()));
    }
};

TEST_F(WskNameTest, LocalhostResolvesToLoopbackWithThePort) {
    ADDRINFOEXW hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    PADDRINFOEXW result = nullptr;
    ASSERT_EQ(get_address_info(u"localhost", u"40007", &hints, &result), STATUS_SUCCESS);
    ASSERT_NE(result, nullptr);
    for (PADDRINFOEXW entry = result; entry != nullptr; entry = entry->ai_next) {
        EXPECT_EQ(entry->ai_family, AF_INET);
        EXPECT_EQ(entry->ai_socktype, SOCK_STREAM);
        ASSERT_EQ(entry->ai_addrlen, sizeof(SOCKADDR_IN));
        SOCKADDR_STORAGE address = copy_address(entry->ai_addr);
        EXPECT_TRUE(is_loopback(address, Family::V4));
        EXPECT_EQ(port_of(address), 40007);
    }
    client.provider().WskFreeAddressInfo(client.handle(), result);
}

TEST_F(WskNameTest, NumericIpv6HostGivesAWindowsSockaddrIn6) {
    ADDRINFOEXW hints{};
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    hints.ai_socktype = SOCK_DGRAM;
    PADDRINFOEXW result = nullptr;
    ASSERT_EQ(get_address_info(u"::1", u"53", &hints, &result), STATUS_SUCCESS);
    ASSERT_NE(result, nullptr);
    EXPECT_EQ(result->ai_family, AF_INET6);
    EXPECT_EQ(result->ai_next, nullptr);
    ASSERT_EQ(result->ai_addrlen, sizeof(SOCKADDR_IN6));
    SOCKADDR_STORAGE address = copy_address(result->ai_addr);
    EXPECT_EQ(address.ss_family, AF_INET6);
    EXPECT_TRUE(is_loopback(address, Family::V6));
    EXPECT_EQ(port_of(address), 53);
    client.provider().WskFreeAddressInfo(client.handle(), result);
}

TEST_F(WskNameTest, CanonicalNameComesWithAiCanonname) {
    ADDRINFOEXW hints{};
    hints.ai_flags = AI_CANONNAME | AI_NUMERICHOST;
    PADDRINFOEXW result = nullptr;
    ASSERT_EQ(get_address_info(u"127.0.0.1", nullptr, &hints, &result), STATUS_SUCCESS);
    ASSERT_NE(result, nullptr);
    ASSERT_NE(result->ai_canonname, nullptr);
    EXPECT_EQ(std::u16string(reinterpret_cast<const char16_t*>(result->ai_canonname)), u"127.0.0.1");
    client.provider().WskFreeAddressInfo(client.handle(), result);
}

TEST_F(WskNameTest, BadRequestsGetTheirStatus) {
    ADDRINFOEXW numeric{};
    numeric.ai_flags = AI_NUMERICHOST;
    PADDRINFOEXW result = nullptr;
    EXPECT_EQ(get_address_info(u"not-an-address", u"80", &numeric, &result), STATUS_NOT_FOUND);
    EXPECT_EQ(result, nullptr);
    EXPECT_EQ(get_address_info(nullptr, nullptr, nullptr, &result), STATUS_INVALID_PARAMETER);
    ADDRINFOEXW odd_family{};
    odd_family.ai_family = 17;
    EXPECT_EQ(get_address_info(u"127.0.0.1", nullptr, &odd_family, &result), STATUS_NOT_SUPPORTED);
    GUID provider{};
    UNICODE_STRING node{};
    RtlInitUnicodeString(&node, reinterpret_cast<PCWSTR>(u"127.0.0.1"));
    Irp irp;
    EXPECT_EQ(irp.finish(client.provider().WskGetAddressInfo(client.handle(), &node, nullptr, NS_ALL, &provider,
                                                             nullptr, &result, nullptr, nullptr, irp.arm())),
              STATUS_NOT_SUPPORTED);
}

TEST_F(WskNameTest, NameInfoGivesNumericHostAndServiceAndChecksBufferSizes) {
    SOCKADDR_STORAGE address = loopback(Family::V4, 8080);
    WCHAR host_chars[64], service_chars[16];
    UNICODE_STRING host{0, sizeof host_chars, host_chars}, service{0, sizeof service_chars, service_chars};
    Irp irp;
    ASSERT_EQ(irp.finish(client.provider().WskGetNameInfo(client.handle(), sockaddr_of(address), sizeof(SOCKADDR_IN),
                                                          &host, &service, NI_NUMERICHOST | NI_NUMERICSERV, nullptr,
                                                          nullptr, irp.arm())),
              STATUS_SUCCESS);
    EXPECT_EQ(std::u16string(reinterpret_cast<const char16_t*>(host.Buffer), host.Length / sizeof(WCHAR)), u"127.0.0.1");
    EXPECT_EQ(std::u16string(reinterpret_cast<const char16_t*>(service.Buffer), service.Length / sizeof(WCHAR)), u"8080");

    WCHAR tiny_chars[3];
    UNICODE_STRING tiny{0, sizeof tiny_chars, tiny_chars};
    EXPECT_EQ(irp.finish(client.provider().WskGetNameInfo(client.handle(), sockaddr_of(address), sizeof(SOCKADDR_IN),
                                                          &tiny, nullptr, NI_NUMERICHOST, nullptr, nullptr, irp.arm())),
              STATUS_BUFFER_TOO_SMALL);
    EXPECT_EQ(irp.finish(client.provider().WskGetNameInfo(client.handle(), sockaddr_of(address), 4, &host, nullptr,
                                                          NI_NUMERICHOST, nullptr, nullptr, irp.arm())),
              STATUS_INVALID_PARAMETER);
}

}  // namespace
}  // namespace strata::test::wsk
