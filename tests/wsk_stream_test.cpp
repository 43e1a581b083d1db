// wsk_stream_test.cpp — WSK connection and listening sockets against real Linux loopback peers
// (issue 5, the provider's WSK_PROVIDER_CONNECTION_DISPATCH and WSK_PROVIDER_LISTEN_DISPATCH):
// connect, send and receive over chained MDLs, graceful and abortive disconnects, the receive,
// disconnect and accept events, and close and cancel with IRPs pending. Expected statuses are
// Microsoft's documented ones.
#include "wsk_client.h"

namespace strata::test::wsk {
namespace {

using Listen = WSK_PROVIDER_LISTEN_DISPATCH;
using Connect = WSK_PROVIDER_CONNECTION_DISPATCH;

using WskConnectionTest = WskSocketTest;
class WskStreamTest : public WskSocketTest, public ::testing::WithParamInterface<Family> {};
INSTANTIATE_TEST_SUITE_P(Families, WskStreamTest, ::testing::Values(Family::V4, Family::V6), family_name);

// ---- connecting -------------------------------------------------------------------------------

TEST_P(WskStreamTest, ConnectedSocketReportsBothEnds) {
    Family family = GetParam();
    auto c = connect_to_peer(family);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    SOCKADDR_STORAGE local{}, remote{};
    EXPECT_EQ(local_address<Connect>(c.socket, &local), STATUS_SUCCESS);
    EXPECT_EQ(remote_address(c.socket, &remote), STATUS_SUCCESS);
    EXPECT_TRUE(is_loopback(local, family));
    EXPECT_TRUE(is_loopback(remote, family));
    EXPECT_EQ(port_of(local), c.peer.remote_port());
    EXPECT_EQ(port_of(remote), c.peer.local_port());
    expect_exchange(c.socket, c.peer);
    EXPECT_EQ(close_socket(c.socket), STATUS_SUCCESS);
}

TEST_P(WskStreamTest, SocketConnectReturnsAConnectedSocket) {
    Family family = GetParam();
    peer::Listener listener(family);
    ASSERT_TRUE(listener);
    SOCKADDR_STORAGE local = loopback(family, 0);
    SOCKADDR_STORAGE remote = loopback(family, listener.port());
    Irp irp;
    NTSTATUS status = client.provider().WskSocketConnect(client.handle(), SOCK_STREAM, IPPROTO_TCP, sockaddr_of(local),
                                                         sockaddr_of(remote), 0, nullptr, nullptr, nullptr, nullptr,
                                                         nullptr, irp.arm());
    ASSERT_EQ(irp.finish(status), STATUS_SUCCESS);
    auto s = reinterpret_cast<PWSK_SOCKET>(irp.information());
    ASSERT_NE(s, nullptr);
    peer::Stream peer = listener.accept();
    ASSERT_TRUE(peer);
    expect_exchange(s, peer);
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
}

TEST_P(WskStreamTest, ConnectToAClosedPortIsRefused) {
    Family family = GetParam();
    peer::ClosedPort closed(family);
    PWSK_SOCKET s = client.socket(family, WSK_FLAG_CONNECTION_SOCKET);
    ASSERT_NE(s, nullptr);
    ASSERT_EQ(bind<Connect>(s, loopback(family, 0)), STATUS_SUCCESS);
    EXPECT_EQ(connect(s, loopback(family, closed.port())), STATUS_CONNECTION_REFUSED);
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);

    // WskSocketConnect creates no socket when the connection fails.
    SOCKADDR_STORAGE local = loopback(family, 0);
    SOCKADDR_STORAGE remote = loopback(family, closed.port());
    Irp irp;
    NTSTATUS status = client.provider().WskSocketConnect(client.handle(), SOCK_STREAM, IPPROTO_TCP, sockaddr_of(local),
                                                         sockaddr_of(remote), 0, nullptr, nullptr, nullptr, nullptr,
                                                         nullptr, irp.arm());
    EXPECT_EQ(irp.finish(status), STATUS_CONNECTION_REFUSED);
    EXPECT_EQ(irp.information(), 0u);
}

// ---- sending and receiving --------------------------------------------------------------------

TEST_P(WskStreamTest, MegabyteEachWayThroughChainedMdls) {
    constexpr std::size_t kSize = 1 << 20;
    auto c = connect_to_peer(GetParam());
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    PWSK_SOCKET s = c.socket;

    // WSK to Linux: the data starts 100 bytes into the first of three MDLs and ends in the third.
    MdlChain out{1000, 700000, 400000};
    auto sent = pattern(kSize, 1);
    out.write(100, sent);
    WSK_BUF out_buffer = out.buffer(100, kSize);
    Irp send_irp;
    NTSTATUS send_status = connection(s).WskSend(s, &out_buffer, 0, send_irp.arm());
    std::vector<std::uint8_t> arrived(kSize);
    EXPECT_TRUE(c.peer.receive_all(arrived.data(), kSize));
    EXPECT_EQ(send_irp.finish(send_status), STATUS_SUCCESS);
    EXPECT_EQ(send_irp.information(), kSize);
    EXPECT_TRUE(arrived == sent);

    // Linux to WSK, into a window of another chain; the bytes around the window stay untouched.
    MdlChain in{4096, 524291, 600000};
    WSK_BUF in_buffer = in.buffer(17, kSize);
    Irp receive_irp;
    NTSTATUS receive_status = connection(s).WskReceive(s, &in_buffer, WSK_FLAG_WAITALL, receive_irp.arm());
    auto back = pattern(kSize, 2);
    EXPECT_TRUE(c.peer.send_all(back.data(), kSize));
    EXPECT_EQ(receive_irp.finish(receive_status), STATUS_SUCCESS);
    EXPECT_EQ(receive_irp.information(), kSize);
    EXPECT_TRUE(in.read(17, kSize) == back);
    EXPECT_EQ(in.read(0, 17), std::vector<std::uint8_t>(17, 0xEE));
    std::size_t tail = in.size() - 17 - kSize;
    EXPECT_TRUE(in.read(17 + kSize, tail) == std::vector<std::uint8_t>(tail, 0xEE));
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
}

TEST_F(WskConnectionTest, WaitAllCompletesOnlyWhenTheBufferIsFull) {
    auto c = connect_to_peer(Family::V4);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    PWSK_SOCKET s = c.socket;
    MdlChain in{1000, 2000};
    WSK_BUF buffer = in.whole();
    Irp irp;
    NTSTATUS status = connection(s).WskReceive(s, &buffer, WSK_FLAG_WAITALL, irp.arm());
    auto data = pattern(3000, 3);
    for (std::size_t at = 0; at < data.size(); at += 1000) {
        // Before the last part it cannot have completed, however the parts arrive.
        EXPECT_FALSE(irp.completed()) << "completed with " << at << " of 3000 bytes sent";
        ASSERT_TRUE(c.peer.send_all(data.data() + at, 1000));
    }
    EXPECT_EQ(irp.finish(status), STATUS_SUCCESS);
    EXPECT_EQ(irp.information(), data.size());
    EXPECT_TRUE(in.read(0, data.size()) == data);
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
}

TEST_F(WskConnectionTest, PendingReceivesCompleteInOrder) {
    constexpr unsigned kReceives = 4;
    constexpr std::size_t kEach = 1000;
    auto c = connect_to_peer(Family::V4);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    PWSK_SOCKET s = c.socket;
    std::vector<std::unique_ptr<MdlChain>> buffers;
    std::vector<WSK_BUF> wsk_bufs(kReceives);
    std::vector<Irp> irps(kReceives);
    for (unsigned i = 0; i < kReceives; ++i) {
        buffers.push_back(std::make_unique<MdlChain>(std::initializer_list<std::size_t>{kEach / 2, kEach / 2}));
        wsk_bufs[i] = buffers[i]->whole();
        EXPECT_EQ(connection(s).WskReceive(s, &wsk_bufs[i], 0, irps[i].arm()), STATUS_PENDING);
    }
    auto data = pattern(kReceives * kEach, 4);
    ASSERT_TRUE(c.peer.send_all(data.data(), data.size()));
    std::vector<std::uint8_t> received;
    for (unsigned i = 0; i < kReceives; ++i) {
        ASSERT_EQ(irps[i].finish(STATUS_PENDING), STATUS_SUCCESS);
        EXPECT_GT(irps[i].information(), 0u);
        auto part = buffers[i]->read(0, irps[i].information());
        received.insert(received.end(), part.begin(), part.end());
        if (i > 0) {
            EXPECT_LT(irps[i - 1].order(), irps[i].order()) << "receive " << i << " completed out of order";
        }
    }
    // However TCP cut the stream, the receives hold its beginning, in order; the rest follows.
    while (received.size() < data.size()) {
        std::vector<std::uint8_t> more;
        ASSERT_EQ(receive(s, data.size() - received.size(), &more), STATUS_SUCCESS);
        ASSERT_FALSE(more.empty());
        received.insert(received.end(), more.begin(), more.end());
    }
    EXPECT_TRUE(received == data);
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
}

TEST_F(WskConnectionTest, PendingSendsArriveInOrder) {
    constexpr unsigned kSends = 8;
    constexpr std::size_t kEach = 64 * 1024;
    auto c = connect_to_peer(Family::V4);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    PWSK_SOCKET s = c.socket;
    std::vector<std::unique_ptr<MdlChain>> buffers;
    std::vector<WSK_BUF> wsk_bufs(kSends);
    std::vector<Irp> irps(kSends);
    std::vector<NTSTATUS> returned(kSends);
    std::vector<std::uint8_t> expected;
    for (unsigned i = 0; i < kSends; ++i) {
        auto part = pattern(kEach, 100 + i);
        expected.insert(expected.end(), part.begin(), part.end());
        buffers.push_back(std::make_unique<MdlChain>(std::initializer_list<std::size_t>{kEach}));
        buffers[i]->write(0, part);
        wsk_bufs[i] = buffers[i]->whole();
        returned[i] = connection(s).WskSend(s, &wsk_bufs[i], 0, irps[i].arm());
    }
    std::vector<std::uint8_t> arrived(expected.size());
    EXPECT_TRUE(c.peer.receive_all(arrived.data(), arrived.size()));
    EXPECT_TRUE(arrived == expected);
    for (unsigned i = 0; i < kSends; ++i) {
        EXPECT_EQ(irps[i].finish(returned[i]), STATUS_SUCCESS);
        EXPECT_EQ(irps[i].information(), kEach);
        if (i > 0) {
            EXPECT_LT(irps[i - 1].order(), irps[i].order()) << "send " << i << " completed out of order";
        }
    }
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
}

// ---- disconnecting ----------------------------------------------------------------------------

TEST_F(WskConnectionTest, GracefulDisconnectEndsTheStreamAfterPendingSends) {
    auto c = connect_to_peer(Family::V4);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    PWSK_SOCKET s = c.socket;
    auto data = pattern(256 * 1024, 5);
    MdlChain out{data.size()};
    out.write(0, data);
    WSK_BUF buffer = out.whole();
    Irp send_irp, disconnect_irp;
    NTSTATUS send_status = connection(s).WskSend(s, &buffer, 0, send_irp.arm());
    NTSTATUS disconnect_status = connection(s).WskDisconnect(s, nullptr, 0, disconnect_irp.arm());
    std::vector<std::uint8_t> arrived(data.size());
    EXPECT_TRUE(c.peer.receive_all(arrived.data(), arrived.size()));
    EXPECT_TRUE(arrived == data);
    EXPECT_EQ(c.peer.next(), peer::End::Eof);
    EXPECT_EQ(send_irp.finish(send_status), STATUS_SUCCESS);
    EXPECT_EQ(disconnect_irp.finish(disconnect_status), STATUS_SUCCESS);
    EXPECT_LT(send_irp.order(), disconnect_irp.order());

    // Only the sending half is closed: the peer's data still arrives.
    auto back = pattern(500, 6);
    ASSERT_TRUE(c.peer.send_all(back.data(), back.size()));
    std::vector<std::uint8_t> in;
    EXPECT_EQ(receive(s, back.size(), &in, WSK_FLAG_WAITALL), STATUS_SUCCESS);
    EXPECT_TRUE(in == back);
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
}

TEST_F(WskConnectionTest, GracefulDisconnectSendsItsFinalData) {
    auto c = connect_to_peer(Family::V6);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    PWSK_SOCKET s = c.socket;
    auto last = pattern(3000, 7);
    MdlChain out{1000, 1000, 1000};
    out.write(0, last);
    WSK_BUF buffer = out.whole();
    Irp irp;
    NTSTATUS status = connection(s).WskDisconnect(s, &buffer, 0, irp.arm());
    std::vector<std::uint8_t> arrived(last.size());
    EXPECT_TRUE(c.peer.receive_all(arrived.data(), arrived.size()));
    EXPECT_TRUE(arrived == last);
    EXPECT_EQ(c.peer.next(), peer::End::Eof);
    EXPECT_EQ(irp.finish(status), STATUS_SUCCESS);
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
}

TEST_F(WskConnectionTest, AbortiveDisconnectResetsThePeer) {
    auto c = connect_to_peer(Family::V4);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    Irp irp;
    EXPECT_EQ(irp.finish(connection(c.socket).WskDisconnect(c.socket, nullptr, WSK_FLAG_ABORTIVE, irp.arm())),
              STATUS_SUCCESS);
    EXPECT_EQ(c.peer.next(), peer::End::Reset);
    EXPECT_EQ(close_socket(c.socket), STATUS_SUCCESS);
}

TEST_F(WskConnectionTest, PeerCloseCompletesReceivesWithNoData) {
    auto c = connect_to_peer(Family::V4);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    PWSK_SOCKET s = c.socket;
    MdlChain in{100};
    WSK_BUF buffer = in.whole();
    Irp irp;
    NTSTATUS status = connection(s).WskReceive(s, &buffer, 0, irp.arm());
    c.peer.close();
    EXPECT_EQ(irp.finish(status), STATUS_SUCCESS);
    EXPECT_EQ(irp.information(), 0u);
    // And every receive after it.
    std::vector<std::uint8_t> none;
    EXPECT_EQ(receive(s, 100, &none), STATUS_SUCCESS);
    EXPECT_TRUE(none.empty());
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
}

// ---- connection events ------------------------------------------------------------------------

TEST_F(WskConnectionTest, ReceiveEventsCarryTheStreamAndDisconnectEventFollowsPeerClose) {
    ConnectionEvents events;
    auto c = connect_to_peer(Family::V4, &events, &kConnectionEvents);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    ASSERT_EQ(set_events(c.socket, WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT), STATUS_SUCCESS);
    // More than one indication buffer's worth.
    auto data = pattern(200 * 1000, 8);
    ASSERT_TRUE(c.peer.send_all(data.data(), data.size()));
    ASSERT_TRUE(events.wait_until([&] { return events.data.size() >= data.size(); }));
    EXPECT_TRUE(events.locked([&] { return events.data == data; }));
    c.peer.close();
    ASSERT_TRUE(events.wait_until([&] { return events.disconnect_events != 0; }));
    events.locked([&] {
        EXPECT_EQ(events.disconnect_events, 1u);
        EXPECT_EQ(events.disconnect_flags & WSK_FLAG_ABORTIVE, 0u);
        return 0;
    });
    EXPECT_EQ(events.wrong_irql, 0u);
    EXPECT_EQ(close_socket(c.socket), STATUS_SUCCESS);
}

TEST_F(WskConnectionTest, RetainedIndicationsStayValidUntilWskRelease) {
    ConnectionEvents events(ConnectionEvents::Reply::Retain);
    auto c = connect_to_peer(Family::V4, &events, &kConnectionEvents);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    PWSK_SOCKET s = c.socket;
    ASSERT_EQ(set_events(s, WSK_EVENT_RECEIVE), STATUS_SUCCESS);
    auto first = pattern(700, 9);
    ASSERT_TRUE(c.peer.send_all(first.data(), first.size()));
    ASSERT_TRUE(events.wait_until([&] { return events.data.size() >= first.size(); }));
    auto second = pattern(900, 10);
    ASSERT_TRUE(c.peer.send_all(second.data(), second.size()));
    ASSERT_TRUE(events.wait_until([&] { return events.data.size() >= first.size() + second.size(); }));
    auto retained = events.locked([&] { return events.retained; });
    ASSERT_GE(retained.size(), 2u);
    // The first list still describes the first data although more arrived since.
    std::vector<std::uint8_t> still;
    for (PWSK_DATA_INDICATION i = retained.front(); i != nullptr; i = i->Next) append(i->Buffer, still);
    EXPECT_TRUE(still == first);
    for (PWSK_DATA_INDICATION list : retained) EXPECT_EQ(connection(s).WskRelease(s, list), STATUS_SUCCESS);
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
}

TEST_F(WskConnectionTest, RefusedIndicationDataGoesToTheNextWskReceive) {
    ConnectionEvents events(ConnectionEvents::Reply::RefuseFirst);
    auto c = connect_to_peer(Family::V4, &events, &kConnectionEvents);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    PWSK_SOCKET s = c.socket;
    ASSERT_EQ(set_events(s, WSK_EVENT_RECEIVE), STATUS_SUCCESS);
    auto refused = pattern(600, 13);
    ASSERT_TRUE(c.peer.send_all(refused.data(), refused.size()));
    ASSERT_TRUE(events.wait_until([&] { return events.receive_events != 0; }));
    std::vector<std::uint8_t> in;
    EXPECT_EQ(receive(s, 4096, &in), STATUS_SUCCESS);
    // What the refused indication did not carry (if TCP cut it) comes through events after it.
    ASSERT_TRUE(events.wait_until([&] { return in.size() + events.data.size() >= refused.size(); }));
    in.insert(in.end(), events.data.begin(), events.data.end());
    EXPECT_TRUE(in == refused);
    // Once WskReceive took the data, events deliver again.
    std::size_t before = events.data_size();
    auto later = pattern(400, 14);
    ASSERT_TRUE(c.peer.send_all(later.data(), later.size()));
    ASSERT_TRUE(events.wait_until([&] { return events.data.size() >= before + later.size(); }));
    EXPECT_TRUE(events.locked([&] { return std::vector<std::uint8_t>(events.data.begin() + before, events.data.end()); }) ==
                later);
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
}

TEST_F(WskConnectionTest, CloseGivesBackDataARefusedIndicationLeft) {
    ConnectionEvents events(ConnectionEvents::Reply::RefuseFirst);
    auto c = connect_to_peer(Family::V4, &events, &kConnectionEvents);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    ASSERT_EQ(set_events(c.socket, WSK_EVENT_RECEIVE), STATUS_SUCCESS);
    auto data = pattern(300, 17);
    ASSERT_TRUE(c.peer.send_all(data.data(), data.size()));
    ASSERT_TRUE(events.wait_until([&] { return events.receive_events != 0; }));
    // Never received: the close must not wait for it (TearDown's WskDeregister checks it is freed).
    EXPECT_EQ(close_socket(c.socket), STATUS_SUCCESS);
}

TEST_F(WskConnectionTest, DisconnectEventReportsAPeerResetAsAbortive) {
    ConnectionEvents events;
    auto c = connect_to_peer(Family::V4, &events, &kConnectionEvents);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    ASSERT_EQ(set_events(c.socket, WSK_EVENT_DISCONNECT), STATUS_SUCCESS);
    c.peer.reset();
    ASSERT_TRUE(events.wait_until([&] { return events.disconnect_events != 0; }));
    EXPECT_NE(events.locked([&] { return events.disconnect_flags; }) & WSK_FLAG_ABORTIVE, 0u);
    EXPECT_EQ(events.locked([&] { return events.receive_events; }), 0u);
    EXPECT_EQ(close_socket(c.socket), STATUS_SUCCESS);
}

// ---- listening sockets ------------------------------------------------------------------------

TEST_P(WskStreamTest, WskAcceptTakesALinuxClient) {
    Family family = GetParam();
    PWSK_SOCKET listener = client.socket(family, WSK_FLAG_LISTEN_SOCKET);
    ASSERT_NE(listener, nullptr);
    ASSERT_EQ(bind<Listen>(listener, loopback(family, 0)), STATUS_SUCCESS);
    SOCKADDR_STORAGE bound{};
    ASSERT_EQ(local_address<Listen>(listener, &bound), STATUS_SUCCESS);
    EXPECT_TRUE(is_loopback(bound, family));
    USHORT port = port_of(bound);
    ASSERT_NE(port, 0);

    SOCKADDR_STORAGE local{}, remote{};
    Irp irp;
    NTSTATUS status = listening(listener).WskAccept(listener, 0, nullptr, nullptr, sockaddr_of(local),
                                                    sockaddr_of(remote), irp.arm());
    peer::Stream peer = peer::Stream::connect(family, port);
    ASSERT_TRUE(peer);
    ASSERT_EQ(irp.finish(status), STATUS_SUCCESS);
    auto accepted = reinterpret_cast<PWSK_SOCKET>(irp.information());
    ASSERT_NE(accepted, nullptr);
    EXPECT_TRUE(is_loopback(local, family));
    EXPECT_EQ(port_of(local), port);
    EXPECT_TRUE(is_loopback(remote, family));
    EXPECT_EQ(port_of(remote), peer.local_port());
    expect_exchange(accepted, peer);
    EXPECT_EQ(close_socket(accepted), STATUS_SUCCESS);
    EXPECT_EQ(close_socket(listener), STATUS_SUCCESS);
}

TEST_P(WskStreamTest, WskAcceptTakesAConnectionThatArrivedFirst) {
    Family family = GetParam();
    PWSK_SOCKET listener = client.socket(family, WSK_FLAG_LISTEN_SOCKET);
    ASSERT_NE(listener, nullptr);
    ASSERT_EQ(bind<Listen>(listener, loopback(family, 0)), STATUS_SUCCESS);
    SOCKADDR_STORAGE bound{};
    ASSERT_EQ(local_address<Listen>(listener, &bound), STATUS_SUCCESS);
    // The connection waits in the backlog until a WskAccept asks for it.
    peer::Stream peer = peer::Stream::connect(family, port_of(bound));
    ASSERT_TRUE(peer);
    SOCKADDR_STORAGE remote{};
    Irp irp;
    NTSTATUS status =
        listening(listener).WskAccept(listener, 0, nullptr, nullptr, nullptr, sockaddr_of(remote), irp.arm());
    ASSERT_EQ(irp.finish(status), STATUS_SUCCESS);
    auto accepted = reinterpret_cast<PWSK_SOCKET>(irp.information());
    ASSERT_NE(accepted, nullptr);
    EXPECT_EQ(port_of(remote), peer.local_port());
    expect_exchange(accepted, peer);
    EXPECT_EQ(close_socket(accepted), STATUS_SUCCESS);
    EXPECT_EQ(close_socket(listener), STATUS_SUCCESS);
}

TEST_P(WskStreamTest, AcceptEventHandsOverTheConnection) {
    Family family = GetParam();
    ListenEvents events;
    PWSK_SOCKET listener = client.socket(family, WSK_FLAG_LISTEN_SOCKET, &events, &kListenEvents);
    ASSERT_NE(listener, nullptr);
    ASSERT_EQ(bind<Listen>(listener, loopback(family, 0)), STATUS_SUCCESS);
    SOCKADDR_STORAGE bound{};
    ASSERT_EQ(local_address<Listen>(listener, &bound), STATUS_SUCCESS);
    ASSERT_EQ(set_events(listener, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
    peer::Stream peer = peer::Stream::connect(family, port_of(bound));
    ASSERT_TRUE(peer);
    ASSERT_TRUE(events.wait_until([&] { return !events.accepted.empty(); }));
    PWSK_SOCKET accepted = events.locked([&] { return events.accepted.front(); });
    events.locked([&] {
        EXPECT_EQ(port_of(events.local), port_of(bound));
        EXPECT_EQ(port_of(events.remote), peer.local_port());
        EXPECT_TRUE(is_loopback(events.remote, family));
        return 0;
    });
    expect_exchange(accepted, peer);
    EXPECT_EQ(events.wrong_irql, 0u);
    EXPECT_EQ(close_socket(accepted), STATUS_SUCCESS);
    EXPECT_EQ(close_socket(listener), STATUS_SUCCESS);
}

TEST_F(WskConnectionTest, AcceptEventThatRefusesClosesTheConnection) {
    ListenEvents events;
    events.reply = STATUS_REQUEST_NOT_ACCEPTED;
    PWSK_SOCKET listener = client.socket(Family::V4, WSK_FLAG_LISTEN_SOCKET, &events, &kListenEvents);
    ASSERT_NE(listener, nullptr);
    ASSERT_EQ(bind<Listen>(listener, loopback(Family::V4, 0)), STATUS_SUCCESS);
    SOCKADDR_STORAGE bound{};
    ASSERT_EQ(local_address<Listen>(listener, &bound), STATUS_SUCCESS);
    ASSERT_EQ(set_events(listener, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
    peer::Stream refused = peer::Stream::connect(Family::V4, port_of(bound));
    ASSERT_TRUE(refused);
    ASSERT_TRUE(events.wait_until([&] { return events.calls != 0; }));
    peer::End end = refused.next();
    EXPECT_TRUE(end == peer::End::Reset || end == peer::End::Eof) << "the refused peer saw " << static_cast<int>(end);

    // The listening socket goes on accepting.
    events.locked([&] { return events.reply = STATUS_SUCCESS; });
    peer::Stream taken = peer::Stream::connect(Family::V4, port_of(bound));
    ASSERT_TRUE(taken);
    ASSERT_TRUE(events.wait_until([&] { return !events.accepted.empty(); }));
    PWSK_SOCKET accepted = events.locked([&] { return events.accepted.front(); });
    expect_exchange(accepted, taken);
    EXPECT_EQ(close_socket(accepted), STATUS_SUCCESS);
    EXPECT_EQ(close_socket(listener), STATUS_SUCCESS);
}

TEST_F(WskConnectionTest, AcceptedSocketsInheritTheListenersConnectionEvents) {
    ListenEvents events;
    ConnectionEvents accepted_events;
    events.accepted_context = &accepted_events;
    events.accepted_dispatch = &kConnectionEvents;
    PWSK_SOCKET listener = client.socket(Family::V4, WSK_FLAG_LISTEN_SOCKET, &events, &kListenEvents);
    ASSERT_NE(listener, nullptr);
    ASSERT_EQ(bind<Listen>(listener, loopback(Family::V4, 0)), STATUS_SUCCESS);
    SOCKADDR_STORAGE bound{};
    ASSERT_EQ(local_address<Listen>(listener, &bound), STATUS_SUCCESS);
    ASSERT_EQ(set_events(listener, WSK_EVENT_ACCEPT | WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT), STATUS_SUCCESS);
    peer::Stream peer = peer::Stream::connect(Family::V4, port_of(bound));
    ASSERT_TRUE(peer);
    ASSERT_TRUE(events.wait_until([&] { return !events.accepted.empty(); }));
    PWSK_SOCKET accepted = events.locked([&] { return events.accepted.front(); });
    // No SO_WSK_EVENT_CALLBACK on the accepted socket: its events come from the listener.
    auto data = pattern(5000, 16);
    ASSERT_TRUE(peer.send_all(data.data(), data.size()));
    ASSERT_TRUE(accepted_events.wait_until([&] { return accepted_events.data.size() >= data.size(); }));
    EXPECT_TRUE(accepted_events.locked([&] { return accepted_events.data == data; }));
    peer.close();
    ASSERT_TRUE(accepted_events.wait_until([&] { return accepted_events.disconnect_events != 0; }));
    EXPECT_EQ(accepted_events.wrong_irql, 0u);
    EXPECT_EQ(close_socket(accepted), STATUS_SUCCESS);
    EXPECT_EQ(close_socket(listener), STATUS_SUCCESS);
}

TEST_P(WskStreamTest, BindingAnAddressInUseFails) {
    Family family = GetParam();
    peer::Listener taken(family);
    ASSERT_TRUE(taken);
    PWSK_SOCKET listener = client.socket(family, WSK_FLAG_LISTEN_SOCKET);
    ASSERT_NE(listener, nullptr);
    EXPECT_EQ(bind<Listen>(listener, loopback(family, taken.port())), STATUS_ADDRESS_ALREADY_EXISTS);
    EXPECT_EQ(close_socket(listener), STATUS_SUCCESS);
}

TEST_F(WskConnectionTest, DualStackListenerAcceptsAnIPv4Client) {
    PWSK_SOCKET listener = client.socket(Family::V6, WSK_FLAG_LISTEN_SOCKET);
    ASSERT_NE(listener, nullptr);
    // Windows creates IPv6 sockets IPv6-only.
    ULONG v6only = 0;
    EXPECT_EQ(get_option(listener, IPPROTO_IPV6, IPV6_V6ONLY, &v6only), STATUS_SUCCESS);
    EXPECT_EQ(v6only, 1u);
    ASSERT_EQ(set_option(listener, IPPROTO_IPV6, IPV6_V6ONLY, 0), STATUS_SUCCESS);
    ASSERT_EQ(bind<Listen>(listener, v4_mapped_loopback(0)), STATUS_SUCCESS);
    SOCKADDR_STORAGE bound{};
    ASSERT_EQ(local_address<Listen>(listener, &bound), STATUS_SUCCESS);

    SOCKADDR_STORAGE local{}, remote{};
    Irp irp;
    NTSTATUS status = listening(listener).WskAccept(listener, 0, nullptr, nullptr, sockaddr_of(local),
                                                    sockaddr_of(remote), irp.arm());
    peer::Stream peer = peer::Stream::connect(Family::V4, port_of(bound));
    ASSERT_TRUE(peer);
    ASSERT_EQ(irp.finish(status), STATUS_SUCCESS);
    auto accepted = reinterpret_cast<PWSK_SOCKET>(irp.information());
    ASSERT_NE(accepted, nullptr);
    // The IPv4 client appears as an IPv4-mapped IPv6 address.
    SOCKADDR_STORAGE expected = v4_mapped_loopback(peer.local_port());
    EXPECT_EQ(std::memcmp(&remote, &expected, sizeof(SOCKADDR_IN6)), 0);
    expect_exchange(accepted, peer);
    EXPECT_EQ(close_socket(accepted), STATUS_SUCCESS);
    EXPECT_EQ(close_socket(listener), STATUS_SUCCESS);
}

// ---- closing and cancelling -------------------------------------------------------------------

TEST_F(WskConnectionTest, CloseCancelsPendingReceivesBeforeItCompletes) {
    constexpr unsigned kReceives = 3;
    auto c = connect_to_peer(Family::V4);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    PWSK_SOCKET s = c.socket;
    MdlChain in{kReceives * 100};
    std::vector<WSK_BUF> buffers(kReceives);
    std::vector<Irp> irps(kReceives);
    for (unsigned i = 0; i < kReceives; ++i) {
        buffers[i] = in.buffer(i * 100, 100);
        EXPECT_EQ(connection(s).WskReceive(s, &buffers[i], 0, irps[i].arm()), STATUS_PENDING);
    }
    Irp close;
    EXPECT_EQ(close.finish(basic(s).WskCloseSocket(s, close.arm())), STATUS_SUCCESS);
    for (unsigned i = 0; i < kReceives; ++i) {
        ASSERT_TRUE(irps[i].completed()) << "receive " << i << " still pending after the close completed";
        EXPECT_EQ(irps[i].status(), STATUS_CANCELLED);
        EXPECT_EQ(irps[i].information(), 0u);
        EXPECT_LT(irps[i].order(), close.order());
    }
    // A connection not disconnected both ways is closed abortively.
    EXPECT_EQ(c.peer.next(), peer::End::Reset);
}

TEST_F(WskConnectionTest, CloseCancelsSendsThePeerDoesNotTake) {
    // Far more than loopback TCP buffers hold while the peer reads nothing (in MDLs of a size
    // any IoAllocateMdl takes).
    constexpr std::size_t kPiece = 8 << 20;
    constexpr std::size_t kBig = 8 * kPiece;
    auto c = connect_to_peer(Family::V4);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    PWSK_SOCKET s = c.socket;
    MdlChain big{kPiece, kPiece, kPiece, kPiece, kPiece, kPiece, kPiece, kPiece};
    MdlChain small{100};
    WSK_BUF big_buffer = big.whole();
    WSK_BUF small_buffer = small.whole();
    Irp in_progress, queued;
    EXPECT_EQ(connection(s).WskSend(s, &big_buffer, 0, in_progress.arm()), STATUS_PENDING);
    EXPECT_EQ(connection(s).WskSend(s, &small_buffer, 0, queued.arm()), STATUS_PENDING);
    Irp close;
    EXPECT_EQ(close.finish(basic(s).WskCloseSocket(s, close.arm())), STATUS_SUCCESS);
    for (Irp* irp : {&in_progress, &queued}) {
        ASSERT_TRUE(irp->completed()) << "a send still pending after the close completed";
        EXPECT_EQ(irp->status(), STATUS_CANCELLED);
        EXPECT_LT(irp->order(), close.order());
    }
    EXPECT_LT(in_progress.information(), kBig);
    EXPECT_EQ(queued.information(), 0u);
}

TEST_P(WskStreamTest, CloseCancelsAPendingAccept) {
    Family family = GetParam();
    PWSK_SOCKET listener = client.socket(family, WSK_FLAG_LISTEN_SOCKET);
    ASSERT_NE(listener, nullptr);
    ASSERT_EQ(bind<Listen>(listener, loopback(family, 0)), STATUS_SUCCESS);
    Irp accept;
    EXPECT_EQ(listening(listener).WskAccept(listener, 0, nullptr, nullptr, nullptr, nullptr, accept.arm()),
              STATUS_PENDING);
    Irp close;
    EXPECT_EQ(close.finish(basic(listener).WskCloseSocket(listener, close.arm())), STATUS_SUCCESS);
    ASSERT_TRUE(accept.completed());
    EXPECT_EQ(accept.status(), STATUS_CANCELLED);
    EXPECT_EQ(accept.information(), 0u);
    EXPECT_LT(accept.order(), close.order());
}

TEST_F(WskConnectionTest, IoCancelIrpCancelsAPendingReceive) {
    auto c = connect_to_peer(Family::V4);
    ASSERT_NE(c.socket, nullptr);
    ASSERT_TRUE(c.peer);
    PWSK_SOCKET s = c.socket;
    MdlChain in{100, 100};
    WSK_BUF first = in.buffer(0, 100);
    WSK_BUF second = in.buffer(100, 100);
    Irp head, queued;
    EXPECT_EQ(connection(s).WskReceive(s, &first, 0, head.arm()), STATUS_PENDING);
    EXPECT_EQ(connection(s).WskReceive(s, &second, 0, queued.arm()), STATUS_PENDING);

    // The receive queued behind another one.
    IoCancelIrp(queued.get());
    if (!queued.wait()) {
        ADD_FAILURE() << "IoCancelIrp did not complete the queued WskReceive";
        EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
        return;
    }
    EXPECT_EQ(queued.status(), STATUS_CANCELLED);
    EXPECT_FALSE(head.completed());

    // The receive in progress.
    IoCancelIrp(head.get());
    if (!head.wait()) {
        ADD_FAILURE() << "IoCancelIrp did not complete the WskReceive in progress";
        EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
        return;
    }
    EXPECT_EQ(head.status(), STATUS_CANCELLED);

    // The connection carries on, nothing lost.
    auto data = pattern(50, 15);
    ASSERT_TRUE(c.peer.send_all(data.data(), data.size()));
    std::vector<std::uint8_t> got;
    EXPECT_EQ(receive(s, data.size(), &got, WSK_FLAG_WAITALL), STATUS_SUCCESS);
    EXPECT_TRUE(got == data);
    EXPECT_EQ(close_socket(s), STATUS_SUCCESS);
}

}  // namespace
}  // namespace strata::test::wsk
