// wsk_client.h — the test WSK client of the socket tests (issue 5, seed 002 registration): it
// registers, captures the provider NPI and calls the provider's dispatch tables the way a Windows
// driver does — IRPs from IoAllocateIrp whose completion routine signals a KEVENT and keeps the
// IRP (STATUS_MORE_PROCESSING_REQUIRED), buffers described by chains of MDLs, waits bounded by a
// timeout — and records what its socket event callbacks saw. Peers are in wsk_peer.h.
#pragma once

#include <gtest/gtest.h>

#include <wsk.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "ntos/testing.h"
#include "test_support.h"
#include "verifier/verifier.h"
#include "wsk_peer.h"

namespace strata::test::wsk {

using peer::Family;

// The status a call "completed" with when its IRP never came back (a customer-defined code, so
// no provider can return it).
inline constexpr NTSTATUS kNeverCompleted = static_cast<NTSTATUS>(0xE0000001);

// Every Irp that completes takes the next number: tests compare what completed before what.
inline std::atomic<unsigned> g_completions{0};

// One caller-owned IRP for WSK calls, reused call after call.
class Irp {
public:
    Irp() : state_(std::make_unique<State>()) {
        state_->irp = IoAllocateIrp(1, FALSE);
        KeInitializeEvent(&state_->done, NotificationEvent, FALSE);
    }
    ~Irp() {
        if (state_->armed && !completed()) {
            // The provider still holds it (the test failed): freeing it would let a late
            // completion write freed memory, so it is left behind.
            static_cast<void>(state_.release());
            return;
        }
        if (state_->irp != nullptr) IoFreeIrp(state_->irp);
    }
    Irp(const Irp&) = delete;
    Irp& operator=(const Irp&) = delete;

    // The IRP ready for one call: reinitialised, its event cleared and the completion routine set.
    PIRP arm() {
        State& s = *state_;
        IoReuseIrp(s.irp, STATUS_UNSUCCESSFUL);
        KeClearEvent(&s.done);
        s.order = 0;
        s.armed = true;
        IoSetCompletionRoutine(s.irp, signal, &s, TRUE, TRUE, TRUE);
        return s.irp;
    }
    PIRP get() const noexcept { return state_->irp; }
    bool completed() const { return KeReadStateEvent(&state_->done) != 0; }
    bool wait() { return ntos::testing::wait_for(state_->done); }
    NTSTATUS status() const { return state_->irp->IoStatus.Status; }
    ULONG_PTR information() const { return state_->irp->IoStatus.Information; }
    unsigned order() const { return state_->order; }

    // The final status of a call that returned `returned`: the IRP's once it completed, which a
    // status other than STATUS_PENDING must equal.
    NTSTATUS finish(NTSTATUS returned) {
        if (!wait()) return kNeverCompleted;
        EXPECT_TRUE(returned == STATUS_PENDING || returned == status())
            << "returned " << std::hex << returned << ", completed with " << status();
        return status();
    }

private:
    struct State {
        PIRP irp = nullptr;
        KEVENT done;
        bool armed = false;
        unsigned order = 0;
    };
    static NTSTATUS NTAPI signal(PDEVICE_OBJECT, PIRP, PVOID context) {
        auto* s = static_cast<State*>(context);
        s->order = ++g_completions;
        KeSetEvent(&s->done, IO_NO_INCREMENT, FALSE);
        return STATUS_MORE_PROCESSING_REQUIRED;
    }
    std::unique_ptr<State> state_;
};

// Bytes that are hard to confuse: a different `seed` gives a different stream, and an offset
// error of any size shows.
inline std::vector<std::uint8_t> pattern(std::size_t size, std::uint32_t seed) {
    std::vector<std::uint8_t> bytes(size);
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& b : bytes) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b = static_cast<std::uint8_t>(x);
    }
    return bytes;
}

// Separate pieces of memory, each described by one MDL (IoAllocateMdl +
// MmBuildMdlForNonPagedPool) and chained through Next, addressed as if they were one array: a
// WSK_BUF over them crosses MDL boundaries.
class MdlChain {
public:
    MdlChain(std::initializer_list<std::size_t> sizes) {
        PMDL previous = nullptr;
        for (std::size_t size : sizes) {
            pieces_.emplace_back(size, std::uint8_t{0xEE});
            PMDL mdl = IoAllocateMdl(pieces_.back().data(), static_cast<ULONG>(size), FALSE, FALSE, nullptr);
            EXPECT_NE(mdl, nullptr);
            if (mdl == nullptr) break;
            MmBuildMdlForNonPagedPool(mdl);
            if (previous != nullptr) previous->Next = mdl;
            mdls_.push_back(mdl);
            previous = mdl;
        }
    }
    ~MdlChain() {
        for (PMDL mdl : mdls_) IoFreeMdl(mdl);
    }
    MdlChain(const MdlChain&) = delete;
    MdlChain& operator=(const MdlChain&) = delete;

    WSK_BUF buffer(std::size_t offset, std::size_t length) const {
        return WSK_BUF{mdls_.empty() ? nullptr : mdls_.front(), static_cast<ULONG>(offset), length};
    }
    WSK_BUF whole() const { return buffer(0, size()); }
    std::size_t size() const {
        std::size_t n = 0;
        for (const auto& piece : pieces_) n += piece.size();
        return n;
    }
    void write(std::size_t at, const std::vector<std::uint8_t>& bytes) {
        for_range(at, bytes.size(), [&](std::uint8_t* p, std::size_t done, std::size_t n) {
            std::memcpy(p, bytes.data() + done, n);
        });
    }
    std::vector<std::uint8_t> read(std::size_t at, std::size_t length) const {
        std::vector<std::uint8_t> bytes(length);
        const_cast<MdlChain*>(this)->for_range(at, length, [&](std::uint8_t* p, std::size_t done, std::size_t n) {
            std::memcpy(bytes.data() + done, p, n);
        });
        return bytes;
    }

private:
    template <class F>
    void for_range(std::size_t at, std::size_t length, F&& f) {
        if (length == 0) return;
        std::size_t done = 0;
        for (auto& piece : pieces_) {
            if (at >= piece.size()) {
                at -= piece.size();
                continue;
            }
            std::size_t n = std::min(piece.size() - at, length - done);
            f(piece.data() + at, done, n);
            done += n;
            at = 0;
            if (done == length) return;
        }
    }
    std::vector<std::vector<std::uint8_t>> pieces_;
    std::vector<PMDL> mdls_;
};

// The bytes a WSK_BUF describes (an indication's, as a client reads them).
inline void append(const WSK_BUF& buffer, std::vector<std::uint8_t>& out) {
    SIZE_T skip = buffer.Offset;
    SIZE_T left = buffer.Length;
    for (PMDL mdl = buffer.Mdl; mdl != nullptr && left != 0; mdl = mdl->Next) {
        SIZE_T size = MmGetMdlByteCount(mdl);
        if (skip >= size) {
            skip -= size;
            continue;
        }
        auto* base = static_cast<std::uint8_t*>(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority));
        SIZE_T take = std::min(size - skip, left);
        out.insert(out.end(), base + skip, base + skip + take);
        left -= take;
        skip = 0;
    }
}

// ---- addresses ----------------------------------------------------------------------------------

inline USHORT net16(USHORT value) { return static_cast<USHORT>((value >> 8) | (value << 8)); }

inline ADDRESS_FAMILY family_of(Family family) { return family == Family::V4 ? AF_INET : AF_INET6; }

inline SOCKADDR_STORAGE loopback(Family family, USHORT port) {
    SOCKADDR_STORAGE storage{};
    if (family == Family::V4) {
        auto& in = reinterpret_cast<SOCKADDR_IN&>(storage);
        in.sin_family = AF_INET;
        in.sin_port = net16(port);
        in.sin_addr.s_addr = 0x0100007f;  // 127.0.0.1 in network order
    } else {
        auto& in6 = reinterpret_cast<SOCKADDR_IN6&>(storage);
        IN6ADDR_SETLOOPBACK(&in6);
        in6.sin6_port = net16(port);
    }
    return storage;
}

// ::ffff:127.0.0.1 — where an IPv6 socket that is not IPv6-only meets IPv4 loopback peers.
inline SOCKADDR_STORAGE v4_mapped_loopback(USHORT port) {
    SOCKADDR_STORAGE storage{};
    auto& in6 = reinterpret_cast<SOCKADDR_IN6&>(storage);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = net16(port);
    const std::uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
    std::memcpy(in6.sin6_addr.s6_bytes, mapped, sizeof mapped);
    return storage;
}

inline USHORT port_of(const SOCKADDR_STORAGE& storage) {
    if (storage.ss_family == AF_INET) return net16(reinterpret_cast<const SOCKADDR_IN&>(storage).sin_port);
    if (storage.ss_family == AF_INET6) return net16(reinterpret_cast<const SOCKADDR_IN6&>(storage).sin6_port);
    return 0;
}

// Whether the address is the family's loopback address (127.0.0.1 or ::1).
inline bool is_loopback(const SOCKADDR_STORAGE& storage, Family family) {
    SOCKADDR_STORAGE expected = loopback(family, port_of(storage));
    std::size_t size = family == Family::V4 ? sizeof(SOCKADDR_IN) : sizeof(SOCKADDR_IN6);
    return storage.ss_family == family_of(family) && std::memcmp(&storage, &expected, size) == 0;
}

inline PSOCKADDR sockaddr_of(SOCKADDR_STORAGE& storage) { return reinterpret_cast<PSOCKADDR>(&storage); }

// Copies a Windows SOCKADDR the provider passed (its size by family).
inline SOCKADDR_STORAGE copy_address(const SOCKADDR* address) {
    SOCKADDR_STORAGE storage{};
    if (address == nullptr) return storage;
    std::size_t size = address->sa_family == AF_INET6 ? sizeof(SOCKADDR_IN6) : sizeof(SOCKADDR_IN);
    std::memcpy(&storage, address, size);
    return storage;
}

// ---- dispatch tables ---------------------------------------------------------------------------

template <class Table>
const Table& table(PWSK_SOCKET socket) {
    return *static_cast<const Table*>(socket->Dispatch);
}
inline const WSK_PROVIDER_BASIC_DISPATCH& basic(PWSK_SOCKET s) { return table<WSK_PROVIDER_BASIC_DISPATCH>(s); }
inline const WSK_PROVIDER_CONNECTION_DISPATCH& connection(PWSK_SOCKET s) {
    return table<WSK_PROVIDER_CONNECTION_DISPATCH>(s);
}
inline const WSK_PROVIDER_LISTEN_DISPATCH& listening(PWSK_SOCKET s) { return table<WSK_PROVIDER_LISTEN_DISPATCH>(s); }
inline const WSK_PROVIDER_DATAGRAM_DISPATCH& datagram(PWSK_SOCKET s) { return table<WSK_PROVIDER_DATAGRAM_DISPATCH>(s); }

// ---- synchronous calls (an IRP, then a bounded wait) ------------------------------------------

inline NTSTATUS close_socket(PWSK_SOCKET s) {
    Irp irp;
    return irp.finish(basic(s).WskCloseSocket(s, irp.arm()));
}

// WskBind of a listening, connection or datagram socket (`Table` says which).
template <class Table>
NTSTATUS bind(PWSK_SOCKET s, SOCKADDR_STORAGE address) {
    Irp irp;
    return irp.finish(table<Table>(s).WskBind(s, sockaddr_of(address), 0, irp.arm()));
}

template <class Table>
NTSTATUS local_address(PWSK_SOCKET s, SOCKADDR_STORAGE* address) {
    Irp irp;
    return irp.finish(table<Table>(s).WskGetLocalAddress(s, sockaddr_of(*address), irp.arm()));
}

inline NTSTATUS remote_address(PWSK_SOCKET s, SOCKADDR_STORAGE* address) {
    Irp irp;
    return irp.finish(connection(s).WskGetRemoteAddress(s, sockaddr_of(*address), irp.arm()));
}

inline NTSTATUS connect(PWSK_SOCKET s, SOCKADDR_STORAGE remote) {
    Irp irp;
    return irp.finish(connection(s).WskConnect(s, sockaddr_of(remote), 0, irp.arm()));
}

inline NTSTATUS set_option(PWSK_SOCKET s, ULONG level, ULONG name, ULONG value) {
    Irp irp;
    return irp.finish(basic(s).WskControlSocket(s, WskSetOption, name, level, sizeof value, &value, 0, nullptr,
                                                nullptr, irp.arm()));
}

inline NTSTATUS get_option(PWSK_SOCKET s, ULONG level, ULONG name, ULONG* value) {
    Irp irp;
    SIZE_T returned = 0;
    *value = 0;
    NTSTATUS status = irp.finish(basic(s).WskControlSocket(s, WskGetOption, name, level, 0, nullptr, sizeof *value,
                                                           value, &returned, irp.arm()));
    if (status == STATUS_SUCCESS) {
        EXPECT_EQ(irp.information(), sizeof *value);
    }
    return status;
}

// SO_WSK_EVENT_CALLBACK: synchronous, and documented to take no IRP.
inline NTSTATUS set_events(PWSK_SOCKET s, ULONG mask) {
    WSK_EVENT_CALLBACK_CONTROL control{const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID), mask};
    return basic(s).WskControlSocket(s, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET, sizeof control, &control, 0,
                                     nullptr, nullptr, nullptr);
}

// The whole buffer sent (WskSend); the bytes sent in *sent.
inline NTSTATUS send(PWSK_SOCKET s, WSK_BUF buffer, SIZE_T* sent = nullptr) {
    Irp irp;
    NTSTATUS status = irp.finish(connection(s).WskSend(s, &buffer, 0, irp.arm()));
    if (sent != nullptr) *sent = irp.information();
    return status;
}

// One WskReceive of up to `size` bytes into a fresh buffer; what arrived in *out.
inline NTSTATUS receive(PWSK_SOCKET s, std::size_t size, std::vector<std::uint8_t>* out, ULONG flags = 0) {
    MdlChain chain{size};
    WSK_BUF buffer = chain.whole();
    Irp irp;
    NTSTATUS status = irp.finish(connection(s).WskReceive(s, &buffer, flags, irp.arm()));
    *out = status == STATUS_SUCCESS ? chain.read(0, irp.information()) : std::vector<std::uint8_t>{};
    return status;
}

inline NTSTATUS send_bytes(PWSK_SOCKET s, const std::vector<std::uint8_t>& bytes) {
    MdlChain chain{bytes.size()};
    chain.write(0, bytes);
    SIZE_T sent = 0;
    NTSTATUS status = send(s, chain.whole(), &sent);
    if (status == STATUS_SUCCESS) {
        EXPECT_EQ(sent, bytes.size());
    }
    return status;
}

// ---- event callbacks ---------------------------------------------------------------------------

// State the event callbacks (a processor thread, DISPATCH_LEVEL) share with the test thread: a
// spin lock, and an event set after every change.
class Signal {
public:
    Signal() {
        KeInitializeSpinLock(&lock_);
        KeInitializeEvent(&changed_, SynchronizationEvent, FALSE);
    }
    template <class F>
    auto locked(F&& f) {
        struct Guard {
            PKSPIN_LOCK lock;
            KIRQL irql;
            ~Guard() { KeReleaseSpinLock(lock, irql); }
        } guard{&lock_, 0};
        KeAcquireSpinLock(&lock_, &guard.irql);
        return f();
    }
    void notify() { KeSetEvent(&changed_, IO_NO_INCREMENT, FALSE); }
    // Until `holds` (called under the lock) is true; false once nothing changed for the patience.
    template <class P>
    bool wait_until(P&& holds) {
        while (!locked(holds))
            if (!ntos::testing::wait_for(changed_)) return locked(holds);
        return true;
    }
    // A callback ran above the IRQL its flags claimed (WSK_FLAG_AT_DISPATCH_LEVEL).
    std::atomic<unsigned> wrong_irql{0};

protected:
    void check_irql(ULONG flags) {
        if ((flags & WSK_FLAG_AT_DISPATCH_LEVEL) && KeGetCurrentIrql() != DISPATCH_LEVEL) ++wrong_irql;
    }

private:
    KSPIN_LOCK lock_;
    KEVENT changed_;
};

// WskReceiveEvent and WskDisconnectEvent of one connection socket.
class ConnectionEvents : public Signal {
public:
    // What WskReceiveEvent answers: take the data; retain the indications (STATUS_PENDING, given
    // back with WskRelease); or refuse the first indication (STATUS_DATA_NOT_ACCEPTED).
    enum class Reply { Take, Retain, RefuseFirst };
    explicit ConnectionEvents(Reply reply = Reply::Take) : reply_(reply) {}

    std::vector<std::uint8_t> data;             // every byte of the indications taken
    std::vector<PWSK_DATA_INDICATION> retained;  // lists returned STATUS_PENDING for
    unsigned receive_events = 0;
    unsigned disconnect_events = 0;
    ULONG disconnect_flags = 0;

    std::size_t data_size() {
        return locked([&] { return data.size(); });
    }

    static NTSTATUS WSKAPI on_receive(PVOID context, ULONG flags, PWSK_DATA_INDICATION indication, SIZE_T indicated,
                                      SIZE_T* accepted) {
        static_cast<void>(indicated);
        static_cast<void>(accepted);
        auto& self = *static_cast<ConnectionEvents*>(context);
        self.check_irql(flags);
        NTSTATUS status = self.locked([&] {
            ++self.receive_events;
            if (indication == nullptr) return STATUS_SUCCESS;
            if (self.reply_ == Reply::RefuseFirst && self.receive_events == 1) return STATUS_DATA_NOT_ACCEPTED;
            for (PWSK_DATA_INDICATION i = indication; i != nullptr; i = i->Next) append(i->Buffer, self.data);
            if (self.reply_ != Reply::Retain) return STATUS_SUCCESS;
            self.retained.push_back(indication);
            return STATUS_PENDING;
        });
        self.notify();
        return status;
    }

    static NTSTATUS WSKAPI on_disconnect(PVOID context, ULONG flags) {
        auto& self = *static_cast<ConnectionEvents*>(context);
        self.check_irql(flags);
        self.locked([&] {
            ++self.disconnect_events;
            self.disconnect_flags = flags;
            return 0;
        });
        self.notify();
        return STATUS_SUCCESS;
    }

private:
    Reply reply_;
};

inline constexpr WSK_CLIENT_CONNECTION_DISPATCH kConnectionEvents = {ConnectionEvents::on_receive,
                                                                     ConnectionEvents::on_disconnect, nullptr};

// WskAcceptEvent of one listening socket.
class ListenEvents : public Signal {
public:
    NTSTATUS reply = STATUS_SUCCESS;  // or STATUS_REQUEST_NOT_ACCEPTED
    // What an accepted socket's events go to.
    PVOID accepted_context = nullptr;
    const WSK_CLIENT_CONNECTION_DISPATCH* accepted_dispatch = nullptr;
    std::vector<PWSK_SOCKET> accepted;
    unsigned calls = 0;
    SOCKADDR_STORAGE local{};
    SOCKADDR_STORAGE remote{};

    static NTSTATUS WSKAPI on_accept(PVOID context, ULONG flags, PSOCKADDR local_address, PSOCKADDR remote_address,
                                     PWSK_SOCKET socket, PVOID* socket_context,
                                     const WSK_CLIENT_CONNECTION_DISPATCH** socket_dispatch) {
        auto& self = *static_cast<ListenEvents*>(context);
        self.check_irql(flags);
        *socket_context = nullptr;
        *socket_dispatch = nullptr;
        NTSTATUS status = self.locked([&] {
            ++self.calls;
            if (socket == nullptr) return STATUS_SUCCESS;  // the listening socket failed
            self.local = copy_address(local_address);
            self.remote = copy_address(remote_address);
            if (self.reply == STATUS_SUCCESS) {
                self.accepted.push_back(socket);
                *socket_context = self.accepted_context;
                *socket_dispatch = self.accepted_dispatch;
            }
            return self.reply;
        });
        self.notify();
        return status;
    }
};

inline constexpr WSK_CLIENT_LISTEN_DISPATCH kListenEvents = {ListenEvents::on_accept, nullptr, nullptr};

// WskReceiveFromEvent of one datagram socket.
class DatagramEvents : public Signal {
public:
    struct Received {
        std::vector<std::uint8_t> data;
        SOCKADDR_STORAGE source;
    };
    bool retain = false;  // answer STATUS_PENDING and keep the list for WskRelease
    std::vector<Received> datagrams;
    std::vector<PWSK_DATAGRAM_INDICATION> retained;

    std::size_t count() {
        return locked([&] { return datagrams.size(); });
    }

    static NTSTATUS WSKAPI on_receive_from(PVOID context, ULONG flags, PWSK_DATAGRAM_INDICATION indication) {
        auto& self = *static_cast<DatagramEvents*>(context);
        self.check_irql(flags);
        NTSTATUS status = self.locked([&] {
            if (indication == nullptr) return STATUS_SUCCESS;
            for (PWSK_DATAGRAM_INDICATION i = indication; i != nullptr; i = i->Next) {
                Received r{{}, copy_address(i->RemoteAddress)};
                append(i->Buffer, r.data);
                self.datagrams.push_back(std::move(r));
            }
            if (!self.retain) return STATUS_SUCCESS;
            self.retained.push_back(indication);
            return STATUS_PENDING;
        });
        self.notify();
        return status;
    }
};

inline constexpr WSK_CLIENT_DATAGRAM_DISPATCH kDatagramEvents = {DatagramEvents::on_receive_from};

// ---- the client ---------------------------------------------------------------------------------

// WskRegister + WskCaptureProviderNPI(WSK_INFINITE_WAIT) on construction; deregister() (or the
// destructor) releases the NPI and runs WskDeregister, which returns once every socket is closed.
class Client {
public:
    Client() {
        WSK_CLIENT_NPI npi{nullptr, &kClientDispatch};
        registered_ = WskRegister(&npi, &registration_);
        if (registered_ == STATUS_SUCCESS)
            captured_ = WskCaptureProviderNPI(&registration_, WSK_INFINITE_WAIT, &provider_);
    }
    ~Client() { deregister(); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    NTSTATUS registered() const noexcept { return registered_; }
    NTSTATUS captured() const noexcept { return captured_; }
    const WSK_PROVIDER_DISPATCH& provider() const noexcept { return *provider_.Dispatch; }
    PWSK_CLIENT handle() const noexcept { return provider_.Client; }

    void deregister() {
        if (captured_ == STATUS_SUCCESS) WskReleaseProviderNPI(&registration_);
        if (registered_ == STATUS_SUCCESS) WskDeregister(&registration_);
        captured_ = registered_ = STATUS_UNSUCCESSFUL;
    }

    // WskSocket; the new socket, or null with the status in *status.
    PWSK_SOCKET socket(ADDRESS_FAMILY family, USHORT type, ULONG protocol, ULONG flags, PVOID context = nullptr,
                       const void* dispatch = nullptr, NTSTATUS* status = nullptr) {
        Irp irp;
        NTSTATUS result = irp.finish(provider().WskSocket(handle(), family, type, protocol, flags, context, dispatch,
                                                          nullptr, nullptr, nullptr, irp.arm()));
        if (status != nullptr) *status = result;
        return result == STATUS_SUCCESS ? reinterpret_cast<PWSK_SOCKET>(irp.information()) : nullptr;
    }
    PWSK_SOCKET socket(Family family, ULONG flags, PVOID context = nullptr, const void* dispatch = nullptr) {
        bool datagram = flags == WSK_FLAG_DATAGRAM_SOCKET;
        NTSTATUS status;
        PWSK_SOCKET s = socket(family_of(family), datagram ? SOCK_DGRAM : SOCK_STREAM,
                               datagram ? IPPROTO_UDP : IPPROTO_TCP, flags, context, dispatch, &status);
        EXPECT_EQ(status, STATUS_SUCCESS) << "WskSocket";
        return s;
    }

private:
    static constexpr WSK_CLIENT_DISPATCH kClientDispatch = {MAKE_WSK_VERSION(1, 0), 0, nullptr};
    WSK_REGISTRATION registration_{};
    WSK_PROVIDER_NPI provider_{};
    NTSTATUS registered_ = STATUS_UNSUCCESSFUL;
    NTSTATUS captured_ = STATUS_UNSUCCESSFUL;
};

// ---- the fixture --------------------------------------------------------------------------------

// An in-process host (its WSK subsystem on two processors) and a registered client. Every test
// closes its sockets; TearDown deregisters, which returns at once only when none is left.
class WskSocketTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(client.registered(), STATUS_SUCCESS);
        ASSERT_EQ(client.captured(), STATUS_SUCCESS);
    }
    void TearDown() override {
        client.deregister();
        EXPECT_EQ(verifier::count(verifier::Rule::NpiCaptureBalance), 0u)
            << "WskDeregister gave up waiting: a socket was left open or an indication retained";
        if (!expect_reports_) {
            std::string reports;
            for (const auto& report : verifier::reports()) reports += report.message + "\n";
            EXPECT_EQ(verifier::total(), 0u) << reports;
        }
    }

    // A test that provokes verifier reports on purpose checks them itself.
    void expect_reports() { expect_reports_ = true; }

    struct Connection {
        PWSK_SOCKET socket = nullptr;
        peer::Stream peer;
    };
    // A connection socket (WskSocket, WskBind to port 0, WskConnect) connected to a Linux listener.
    Connection connect_to_peer(Family family, PVOID context = nullptr, const void* dispatch = nullptr) {
        Connection c;
        peer::Listener listener(family);
        if (!listener) {
            ADD_FAILURE() << "no Linux listener";
            return c;
        }
        PWSK_SOCKET s = client.socket(family, WSK_FLAG_CONNECTION_SOCKET, context, dispatch);
        if (s == nullptr) return c;
        NTSTATUS status = bind<WSK_PROVIDER_CONNECTION_DISPATCH>(s, loopback(family, 0));
        if (status == STATUS_SUCCESS) status = connect(s, loopback(family, listener.port()));
        if (status != STATUS_SUCCESS) {
            ADD_FAILURE() << "WskBind/WskConnect: " << std::hex << status;
            close_socket(s);
            return c;
        }
        c.socket = s;
        c.peer = listener.accept();
        if (!c.peer) ADD_FAILURE() << "the Linux listener saw no connection";
        return c;
    }

    // Data both ways between a connected WSK socket and its Linux peer.
    void expect_exchange(PWSK_SOCKET s, peer::Stream& peer) {
        auto out = pattern(3000, 11);
        EXPECT_EQ(send_bytes(s, out), STATUS_SUCCESS);
        std::vector<std::uint8_t> got(out.size());
        EXPECT_TRUE(peer.receive_all(got.data(), got.size()));
        EXPECT_TRUE(got == out);
        auto back = pattern(2000, 12);
        EXPECT_TRUE(peer.send_all(back.data(), back.size()));
        std::vector<std::uint8_t> in;
        EXPECT_EQ(receive(s, back.size(), &in, WSK_FLAG_WAITALL), STATUS_SUCCESS);
        EXPECT_TRUE(in == back);
    }

    ntos::testing::VerifierScope verifier_;
    TempDir root_;
    std::unique_ptr<Host> host_ = make_host(root_);
    Client client;

private:
    bool expect_reports_ = false;
};

// V4/V6 in parameterised test names.
inline std::string family_name(const ::testing::TestParamInfo<Family>& info) {
    return info.param == Family::V4 ? "IPv4" : "IPv6";
}

}  // namespace strata::test::wsk
