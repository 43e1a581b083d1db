// wsk_datagram_test.cpp — WSK datagram sockets against a real Linux UDP peer on loopback, socket
// options and I/O controls through WskControlSocket, and calls Windows documents as invalid
// (issue 5, the provider's WSK_PROVIDER_DATAGRAM_DISPATCH, WskControlSocket and WskSocket).
// Expected statuses are Microsoft's documented ones.
#include "wsk_client.h"

namespace strata::test::wsk {
namespace {

using Datagram = WSK_PROVIDER_DATAGRAM_DISPATCH;
using Connect = WSK_PROVIDER_CONNECTION_DISPATCH;

class WskDatagramTest : public WskSocketTest, public ::testing::WithParamInterface<Family> {
protected:
    // A datagram socket bound to the loopback address on an ephemeral port (in *port).
    PWSK_SOCKET bound_datagram_socket(Family family, USHORT* port, PVOID context = nullptr,
                                      const void* dispatch = nullptr) {
        PWSK_SOCKET s = client.socket(family, WSK_FLAG_DATAGRAM_SOCKET, context, dispatch);
        if (s == nullptr) return nullptr;
        SOCKADDR_STORAGE bound{};
        if (bind<Datagram>(s, loopback(family, 0)) != STATUS_SUCCESS ||
            local_address<Datagram>(s, &bound) != STATUS_SUCCESS) {
            ADD_FAILURE() << "WskBind/WskGetLocalAddress of a datagram socket";
            close_socket(s);
            return nullptr;
        }
        EXPECT_TRUE(is_loopback(bound, family));
        *port = port_of(bound);
        return s;
    }
};
INSTANTIATE_TEST_SUITE_P(Families, WskDatagramTest, ::testing::Values(Family::V4, Family::V6), family_name);

using WskControlTest = WskSocketTest;
using WskBadInputTest = WskSocketTest;

// ---- datagrams --------------------------------------------------------------------------------

TEST_P(WskDatagramTest, SendToAndReceiveFromALinuxPeer) {
    Family family = GetParam();
    peer::Datagram linux_peer(family);
    ASSERT_NE(linux_peer.port(), 0);
    USHORT port = 0;
    PWSK_SOCKET s = bound_datagram_socket(family, &port);
    ASSERT_NE(s, nullptr);

    // WSK to Linux: one datagram from a buffer that crosses two MDLs.
    auto out = pattern(600, 20);
    MdlChain out_chain{10, 1000};
    out_chain.write(3, out);
    WSK_BUF out_buffer = out_chain.buffer(3, out.size());
    SOCKADDR_STORAGE to = loopback(family, linux_peer.port());
    Irp send_irp;
    EXPECT_EQ(send_irp.finish(datagram(s).WskSendTo(s, &out_buffer, 0, sockaddr_of(to), 0, nullptr, send_irp.arm())),
              STATUS_SUCCESS);
    EXPECT_EQ(send_irp.information(), out.size());
    std::uint16_t source_port = 0;
    auto arrived = linux_peer.receive(&source_port);
    ASSERT_TRUE(arrived.has_value());
    EXPECT_TRUE(*arrived == out);
    EXPECT_EQ(source_port, port);

    // Linux to WSK: the datagram and where it came from.
    auto back = pattern(900, 21);
    MdlChain in_chain{100, 2000};
    WSK_BUF in_buffer = in_chain.buffer(50, 1500);
    SOCKADDR_STORAGE source{};
    ULONG control_length = 99;
    ULONG control_flags = 99;
    Irp receive_irp;
    NTSTATUS status = datagram(s).WskReceiveFrom(s, &in_buffer, 0, sockaddr_of(source), &control_length, nullptr,
                                                 &control_flags, receive_irp.arm());
    ASSERT_TRUE(linux_peer.send_to(port, back.data(), back.size()));
    EXPECT_EQ(receive_irp.finish(status), STATUS_SUCCESS);
    EXPECT_EQ(receive_irp.information(), back.size());
    EXPECT_TRUE(in_chain.read(50, back.size()) == back);
    EXPECT_TRUE(is_loopback(source, family));
    EXPECT_EQ(port_of(source), linux_peer.port());
    EXPECT_EQ(control_length, 0u);
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
}

TEST_P(WskDatagramTest, ReceiveFromEventIndicationsAreRetainedUntilWskRelease) {
    Family family = GetParam();
    peer::Datagram linux_peer(family);
    DatagramEvents events;
    events.retain = true;
    USHORT port = 0;
    PWSK_SOCKET s = bound_datagram_socket(family, &port, &events, &kDatagramEvents);
    ASSERT_NE(s, nullptr);
    ASSERT_EQ(set_events(s, WSK_EVENT_RECEIVE_FROM), STATUS_SUCCESS);
    std::vector<std::vector<std::uint8_t>> sent;
    for (unsigned i = 0; i < 3; ++i) {
        sent.push_back(pattern(100 + 300 * i, 30 + i));
        ASSERT_TRUE(linux_peer.send_to(port, sent.back().data(), sent.back().size()));
    }
    ASSERT_TRUE(events.wait_until([&] { return events.datagrams.size() >= sent.size(); }));
    auto [datagrams, retained] = events.locked([&] { return std::make_pair(events.datagrams, events.retained); });
    ASSERT_EQ(datagrams.size(), sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        EXPECT_TRUE(datagrams[i].data == sent[i]) << "datagram " << i;
        EXPECT_TRUE(is_loopback(datagrams[i].source, family));
        EXPECT_EQ(port_of(datagrams[i].source), linux_peer.port());
    }
    // Retained lists still describe their datagrams; then they go back to the provider.
    std::vector<std::uint8_t> first;
    append(retained.front()->Buffer, first);
    EXPECT_TRUE(first == sent.front());
    for (PWSK_DATAGRAM_INDICATION list : retained) EXPECT_EQ(datagram(s).WskRelease(s, list), STATUS_SUCCESS);
    EXPECT_EQ(events.wrong_irql, 0u);
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
}

TEST_P(WskDatagramTest, CloseCancelsAPendingReceiveFrom) {
    USHORT port = 0;
    PWSK_SOCKET s = bound_datagram_socket(GetParam(), &port);
    ASSERT_NE(s, nullptr);
    MdlChain in{500};
    WSK_BUF buffer = in.whole();
    SOCKADDR_STORAGE source{};
    Irp receive_irp;
    EXPECT_EQ(datagram(s).WskReceiveFrom(s, &buffer, 0, sockaddr_of(source), nullptr, nullptr, nullptr,
                                         receive_irp.arm()),
              STATUS_PENDING);
    Irp close;
    EXPECT_EQ(close.finish(basic(s).WskCloseSocket(s, close.arm())), STATUS_SUCCESS);
    ASSERT_TRUE(receive_irp.completed());
    EXPECT_EQ(receive_irp.status(), STATUS_CANCELLED);
    EXPECT_LT(receive_irp.order(), close.order());
}

// ---- WskControlSocket -------------------------------------------------------------------------

TEST_F(WskControlTest, SocketOptionsReadBackWhatWasSet) {
    auto c = connect_to_peer(Family::V4);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    PWSK_SOCKET s = c.socket;
    struct Flag {
        ULONG level;
        ULONG name;
        const char* what;
    };
    for (Flag flag : {Flag{SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE"}, Flag{IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY"}}) {
        ULONG value = 99;
        EXPECT_EQ(set_option(s, flag.level, flag.name, 1), STATUS_SUCCESS) << flag.what;
        EXPECT_EQ(get_option(s, flag.level, flag.name, &value), STATUS_SUCCESS) << flag.what;
        EXPECT_EQ(value, 1u) << flag.what;
        EXPECT_EQ(set_option(s, flag.level, flag.name, 0), STATUS_SUCCESS) << flag.what;
        EXPECT_EQ(get_option(s, flag.level, flag.name, &value), STATUS_SUCCESS) << flag.what;
        EXPECT_EQ(value, 0u) << flag.what;
    }
    // Buffer sizes: the stack may round up, never down.
    for (Flag size : {Flag{SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF"}, Flag{SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF"}}) {
        ULONG value = 0;
        EXPECT_EQ(set_option(s, size.level, size.name, 96 * 1024), STATUS_SUCCESS) << size.what;
        EXPECT_EQ(get_option(s, size.level, size.name, &value), STATUS_SUCCESS) << size.what;
        EXPECT_GE(value, 96u * 1024) << size.what;
    }
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);

    // SO_REUSEADDR goes on before WskBind.
    PWSK_SOCKET fresh = client.socket(Family::V4, WSK_FLAG_CONNECTION_SOCKET);
    ASSERT_NE(fresh, nullptr);
    ULONG reuse = 0;
    EXPECT_EQ(set_option(fresh, SOL_SOCKET, SO_REUSEADDR, 1), STATUS_SUCCESS);
    EXPECT_EQ(get_option(fresh, SOL_SOCKET, SO_REUSEADDR, &reuse), STATUS_SUCCESS);
    EXPECT_EQ(reuse, 1u);
    EXPECT_EQ(bind<Connect>(fresh, loopback(Family::V4, 0)), STATUS_SUCCESS);
    EXPECT_EQ(close_socket(fresh), STATUS_SUCCESS);
}

TEST_F(WskControlTest, QueryReceiveBacklogCountsUnreadBytes) {
    auto c = connect_to_peer(Family::V4);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    PWSK_SOCKET s = c.socket;
    auto data = pattern(1000, 40);
    ASSERT_TRUE(c.peer.send_all(data.data(), data.size()));
    // One byte taken proves the data is there; the rest waits, as no receive or event wants it.
    std::vector<std::uint8_t> first;
    ASSERT_EQ(receive(s, 1, &first), STATUS_SUCCESS);
    ASSERT_EQ(first.size(), 1u);
    SIZE_T backlog = 0;
    Irp irp;
    EXPECT_EQ(irp.finish(basic(s).WskControlSocket(s, WskIoctl, SIO_WSK_QUERY_RECEIVE_BACKLOG, 0, 0, nullptr,
                                                   sizeof backlog, &backlog, nullptr, irp.arm())),
              STATUS_SUCCESS);
    EXPECT_EQ(backlog, data.size() - 1);
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
}

// ---- invalid calls: an error status (or the documented one), never a hang or a crash -----------

TEST_F(WskBadInputTest, WskSocketRefusesInvalidFlagsFamiliesAndTypes) {
    struct Case {
        ADDRESS_FAMILY family;
        USHORT type;
        ULONG protocol;
        ULONG flags;
        const char* what;
    };
    const Case cases[] = {
        {AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET | WSK_FLAG_CONNECTION_SOCKET, "two socket kinds"},
        {AF_INET, SOCK_STREAM, IPPROTO_TCP, 0x100, "an undefined flag"},
        {99, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, "an unknown address family"},
        {AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_DATAGRAM_SOCKET, "a datagram socket of type SOCK_STREAM"},
        {AF_INET6, 77, 0, WSK_FLAG_CONNECTION_SOCKET, "an unknown socket type"},
    };
    for (const Case& c : cases) {
        NTSTATUS status = STATUS_SUCCESS;
        PWSK_SOCKET s = client.socket(c.family, c.type, c.protocol, c.flags, nullptr, nullptr, &status);
        EXPECT_TRUE(NT_ERROR(status)) << c.what << ": " << std::hex << status;
        EXPECT_NE(status, kNeverCompleted) << c.what;
        EXPECT_EQ(s, nullptr) << c.what;
        if (s != nullptr) close_socket(s);
    }
}

TEST_F(WskBadInputTest, NullIrpWhereOneIsRequiredIsAnInvalidParameter) {
    expect_reports();
    EXPECT_EQ(client.provider().WskSocket(client.handle(), AF_INET, SOCK_STREAM, IPPROTO_TCP,
                                          WSK_FLAG_CONNECTION_SOCKET, nullptr, nullptr, nullptr, nullptr, nullptr,
                                          nullptr),
              STATUS_INVALID_PARAMETER);
    auto c = connect_to_peer(Family::V4);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    PWSK_SOCKET s = c.socket;
    MdlChain chain{10};
    WSK_BUF buffer = chain.whole();
    SOCKADDR_STORAGE address = loopback(Family::V4, 0);
    EXPECT_EQ(connection(s).WskSend(s, &buffer, 0, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(connection(s).WskReceive(s, &buffer, 0, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(connection(s).WskDisconnect(s, nullptr, 0, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(connection(s).WskGetLocalAddress(s, sockaddr_of(address), nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(basic(s).WskCloseSocket(s, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(verifier::count(verifier::Rule::NullParameter), 6u);
    // SO_WSK_EVENT_CALLBACK is the other way round: it takes no IRP.
    Irp irp;
    WSK_EVENT_CALLBACK_CONTROL control{const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID), WSK_EVENT_RECEIVE};
    NTSTATUS status = basic(s).WskControlSocket(s, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET, sizeof control,
                                                &control, 0, nullptr, nullptr, irp.arm());
    EXPECT_EQ(irp.finish(status), STATUS_INVALID_PARAMETER);

    // None of it touched the connection.
    expect_exchange(s, c.peer);
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
}

TEST_F(WskBadInputTest, CallsInTheWrongStateFail) {
    // A connection socket that was never connected.
    PWSK_SOCKET s = client.socket(Family::V4, WSK_FLAG_CONNECTION_SOCKET);
    ASSERT_NE(s, nullptr);
    std::vector<std::uint8_t> none;
    EXPECT_TRUE(NT_ERROR(receive(s, 10, &none)));
    EXPECT_TRUE(NT_ERROR(send_bytes(s, pattern(10, 50))));
    // WskConnect needs WskBind first.
    peer::ClosedPort closed(Family::V4);
    NTSTATUS status = connect(s, loopback(Family::V4, closed.port()));
    EXPECT_TRUE(NT_ERROR(status));
    EXPECT_NE(status, kNeverCompleted);
    // An address of another family than the socket's.
    EXPECT_TRUE(NT_ERROR(bind<Connect>(s, loopback(Family::V6, 0))));
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);

    // A datagram socket that was never bound.
    PWSK_SOCKET d = client.socket(Family::V4, WSK_FLAG_DATAGRAM_SOCKET);
    ASSERT_NE(d, nullptr);
    MdlChain chain{10};
    WSK_BUF buffer = chain.whole();
    SOCKADDR_STORAGE to = loopback(Family::V4, closed.port());
    Irp irp;
    status = irp.finish(datagram(d).WskSendTo(d, &buffer, 0, sockaddr_of(to), 0, nullptr, irp.arm()));
    EXPECT_TRUE(NT_ERROR(status));
    EXPECT_NE(status, kNeverCompleted);
    EXPECT_EQ(close_socket(d), STATUS_SUCCESS);
}

}  // namespace
}  // namespace strata::test::wsk
