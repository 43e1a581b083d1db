// stream.cpp — connection-oriented sockets (issue 5): WskConnect, WskSend and WskReceive over
// chained MDLs, WskDisconnect (graceful, with optional final data, or abortive), WskRelease,
// WskGetRemoteAddress, and the events WskReceiveEvent (WSK_DATA_INDICATION, retained until
// WskRelease), WskDisconnectEvent and WskSendBacklogEvent. The send and receive machinery is
// shared with datagram sockets (datagram.cpp).
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ntos/check.h"
#include "verifier/verifier.h"
#include "wsk/socket.h"

namespace strata::wsk {
namespace {

// Slot 3 of a send-queue IRP: it is WskDisconnect's (its optional data goes first).
constexpr ULONG_PTR kDisconnectMarker = 0xD15C;
// poll(2)'s POLLERR, as wait_readable reports it.
constexpr int POLLERR_BIT = 0x008;

const WSK_CLIENT_CONNECTION_DISPATCH* connection_events(const Socket& s) noexcept {
    return static_cast<const WSK_CLIENT_CONNECTION_DISPATCH*>(s.client_dispatch);
}

bool event_on(const Socket& s, ULONG event) noexcept {
    return (s.events.load(std::memory_order_relaxed) & event) != 0 && s.client_dispatch != nullptr;
}

SIZE_T done_bytes(const Request& r) noexcept { return reinterpret_cast<SIZE_T>(r.slot(1)); }
void set_done_bytes(const Request& r, SIZE_T n) noexcept { r.slot(1) = reinterpret_cast<PVOID>(n); }
ULONG request_flags(const Request& r) noexcept { return static_cast<ULONG>(reinterpret_cast<ULONG_PTR>(r.slot(0))); }

void disconnected(Socket& s, bool abortive) noexcept {
    if (s.receive_ended) return;
    s.receive_ended = true;
    if (!event_on(s, WSK_EVENT_DISCONNECT) || s.closing || connection_events(s)->WskDisconnectEvent == nullptr) return;
    s.in_event = true;
    connection_events(s)->WskDisconnectEvent(s.context, WSK_FLAG_AT_DISPATCH_LEVEL | (abortive ? WSK_FLAG_ABORTIVE : 0));
    s.in_event = false;
}

// Data a receive event left (not accepted, or accepted in part) goes to the next WskReceive.
bool serve_from_held(Socket& s) noexcept {
    if (s.held == nullptr) return false;
    while (s.held != nullptr && !s.receives.empty()) {
        PIRP irp = s.receives.pop_front();
        Request r{irp};
        iovec iov[kMaxIov];
        unsigned n = buffer_iov(r, 0, iov, kMaxIov);
        std::uint32_t copied = 0;
        for (unsigned i = 0; i < n && s.held_length != 0; ++i) {
            std::uint32_t take = static_cast<std::uint32_t>(std::min<std::size_t>(iov[i].iov_len, s.held_length));
            std::memcpy(iov[i].iov_base, s.held->bytes + s.held_offset, take);
            s.held_offset += take;
            s.held_length -= take;
            copied += take;
        }
        if (s.held_length == 0) {
            Indication* spent = s.held;
            s.held = nullptr;
            give_back_indication(*spent);
        }
        complete_irp(irp, STATUS_SUCCESS, copied);
    }
    return true;
}

void indicate_receive(Socket& s, Indication& indication, std::uint32_t length) noexcept {
    describe_indication(indication, 0, length);
    indication.data.Next = nullptr;
    indication.data.Buffer.Mdl = &indication.mdl;
    indication.data.Buffer.Offset = 0;
    indication.data.Buffer.Length = length;
    indication.socket = &s;
    s.add_reference();
    SIZE_T accepted = length;
    s.in_event = true;
    NTSTATUS status = connection_events(s)->WskReceiveEvent(s.context, WSK_FLAG_AT_DISPATCH_LEVEL, &indication.data,
                                                           length, &accepted);
    s.in_event = false;
    if (status == STATUS_PENDING) return;  // the client's until WskRelease
    if (status == STATUS_SUCCESS && accepted >= length) {
        give_back_indication(indication);
        return;
    }
    // Not accepted, or only its first `accepted` bytes: the rest waits for WskReceive, and no
    // more events are raised until it is taken.
    std::uint32_t kept_from = status == STATUS_SUCCESS ? static_cast<std::uint32_t>(accepted) : 0;
    s.held = &indication;
    s.held_offset = kept_from;
    s.held_length = length - kept_from;
}

}  // namespace

// ---- sends ------------------------------------------------------------------------------------

void pump_sends(Socket& s) noexcept {
    if (s.pumping_sends) return;
    s.pumping_sends = true;
    // A completion routine may close the socket: it stays until the loop is done with it.
    s.add_reference();
    while (!s.send_op.busy && !s.closing) {
        PIRP irp = s.sends.front();
        if (irp == nullptr) break;
        Request r{irp};
        SIZE_T done = done_bytes(r);
        if (irp->Cancel) {  // between two parts of a short send
            s.sends.pop_front();
            complete_irp(irp, STATUS_CANCELLED, done);
            continue;
        }
        unsigned n = buffer_length(r) > done ? buffer_iov(r, done, s.send_iov, kMaxIov) : 0;
        // An empty WSK_BUF is nothing to send on a stream, but on a datagram socket it is a datagram.
        bool empty_datagram = s.kind == SocketKind::Datagram && buffer_length(r) == 0;
        if (n == 0 && !empty_datagram) {
            s.sends.pop_front();
            if (reinterpret_cast<ULONG_PTR>(r.slot(3)) == kDisconnectMarker) {
                int rc = io::shutdown_send(s.fd);
                s.send_shut = rc == 0;
                complete_irp(irp, rc == 0 ? STATUS_SUCCESS : status_from_errno(-rc), 0);
            } else {
                complete_irp(irp, STATUS_SUCCESS, done);
            }
            continue;
        }
        s.send_message = io::Message{};
        s.send_message.iov = s.send_iov;
        s.send_message.iov_count = n;
        if (s.kind == SocketKind::Datagram) {
            if (!io::from_windows(r.slot(2), s.send_address)) {
                s.sends.pop_front();
                complete_irp(irp, STATUS_INVALID_ADDRESS, 0);
                continue;
            }
            s.send_message.address = &s.send_address;
        }
        s.send_op.busy = true;
        s.add_reference();
        // Like a socket API's write: at once while the socket's buffer has room (the usual
        // case), through the ring only when it is full. Its completion runs here, and the loop
        // goes on with the next send.
        int sent = io::send_now(s.fd, s.send_message);
        if (sent == -EAGAIN) {
            io::send(s.ring, s.send_op, s.fd, s.send_message);
            break;
        }
        s.send_op.complete(sent, 0);
    }
    s.pumping_sends = false;
    s.release_reference();
}

void send_done(Socket& s, int result, unsigned) {
    PIRP irp = s.sends.front();
    Request r{irp};
    if (result < 0 || s.closing) {
        s.sends.pop_front();
        // WskCloseSocket cancels what is pending, whatever its reset did to the send in the kernel.
        complete_irp(irp, s.closing ? STATUS_CANCELLED : status_from_errno(-result), done_bytes(r));
        if (s.closing) finish_close_if_idle(s);
        else pump_sends(s);
        return;
    }
    SIZE_T done = done_bytes(r) + static_cast<SIZE_T>(result);
    set_done_bytes(r, done);
    // A datagram goes in one piece; a stream send completes when every byte went out.
    if (s.kind == SocketKind::Datagram) {
        s.sends.pop_front();
        complete_irp(irp, STATUS_SUCCESS, done);
    }
    pump_sends(s);
}

// ---- receives ---------------------------------------------------------------------------------

void pump_receives(Socket& s) noexcept {
    if (s.closing || s.receive_op.busy) return;
    if (s.kind == SocketKind::Connection) {
        if (!s.connected) return;
        serve_from_held(s);
        if (s.held != nullptr) return;
        if (s.receive_ended) {
            // The peer's FIN: every later WskReceive completes at once with no data.
            while (PIRP irp = s.receives.pop_front()) complete_irp(irp, STATUS_SUCCESS, 0);
            return;
        }
    } else if (s.kind != SocketKind::Datagram || !s.bound) {
        return;
    }
    s.receive_message = io::Message{};
    s.receive_message.iov = s.receive_iov;
    if (s.kind == SocketKind::Datagram) s.receive_message.address = &s.receive_address;
    int flags = 0;
    s.receives.complete_cancelled_head();
    if (PIRP irp = s.receives.front()) {
        Request r{irp};
        s.receive_message.iov_count = buffer_iov(r, 0, s.receive_iov, kMaxIov);
        if (s.kind == SocketKind::Connection && (request_flags(r) & WSK_FLAG_WAITALL)) flags |= io::kWaitAll;
    } else {
        ULONG wanted = s.kind == SocketKind::Datagram ? WSK_EVENT_RECEIVE_FROM : WSK_EVENT_RECEIVE;
        if (!event_on(s, wanted)) {
            // Nobody wants data, but a disconnect event must still hear of the peer's FIN.
            if (s.kind == SocketKind::Connection && event_on(s, WSK_EVENT_DISCONNECT) && !s.watch_op.busy) {
                s.watch_op.busy = true;
                s.add_reference();
                io::wait_readable(s.ring, s.watch_op, s.fd);
            }
            return;
        }
        s.event_buffer = take_indication();
        if (s.event_buffer == nullptr) return;
        s.receive_iov[0] = {s.event_buffer->bytes, s.event_buffer->capacity};
        s.receive_message.iov_count = 1;
    }
    s.receive_op.busy = true;
    s.add_reference();
    io::receive(s.ring, s.receive_op, s.fd, s.receive_message, flags);
}

void watch_done(Socket& s, int result, unsigned) {
    if (s.closing) {
        finish_close_if_idle(s);
        return;
    }
    // Readable with nothing to read: the peer's FIN (or a reset).
    if (result > 0 && io::readable_bytes(s.fd) <= 0 && s.receives.empty()) {
        disconnected(s, (result & POLLERR_BIT) != 0);
        return;
    }
    pump_receives(s);
}

void receive_datagram_done(Socket& s, int result);

void receive_done(Socket& s, int result, unsigned) {
    io::finish_receive(s.receive_message);
    if (s.kind == SocketKind::Datagram) {
        receive_datagram_done(s, result);
        return;
    }
    if (Indication* indication = s.event_buffer) {
        s.event_buffer = nullptr;
        if (s.closing || result <= 0) {
            give_back_indication(*indication);
            if (s.closing) {
                finish_close_if_idle(s);
                return;
            }
            disconnected(s, result < 0);
            pump_receives(s);
            return;
        }
        indicate_receive(s, *indication, static_cast<std::uint32_t>(result));
        pump_receives(s);
        return;
    }
    PIRP irp = s.receives.pop_front();
    if (s.closing) {
        complete_irp(irp, STATUS_CANCELLED, 0);
        finish_close_if_idle(s);
        return;
    }
    if (result < 0) {
        complete_irp(irp, status_from_errno(-result), 0);
        if (result == -ECONNRESET) disconnected(s, true);
    } else {
        complete_irp(irp, STATUS_SUCCESS, static_cast<ULONG_PTR>(result));
        if (result == 0) disconnected(s, false);
    }
    pump_receives(s);
}

// ---- connect ----------------------------------------------------------------------------------

NTSTATUS start_connect(Socket& s, PIRP irp) {
    if (s.closing || s.connected || s.connect_irp != nullptr)
        return complete_irp(irp, s.connected ? STATUS_CONNECTION_ACTIVE : STATUS_INVALID_DEVICE_STATE, 0);
    if (!hold_cancelable(irp)) return STATUS_CANCELLED;
    s.connect_irp = irp;
    s.connect_op.busy = true;
    s.add_reference();
    io::connect(s.ring, s.connect_op, s.fd, s.connect_address);
    return STATUS_PENDING;
}

void connected_now(Socket& s) noexcept {
    s.connected = true;
    s.bound = true;
    if (event_on(s, WSK_EVENT_SEND_BACKLOG) && connection_events(s)->WskSendBacklogEvent != nullptr) {
        int backlog = 0;
        std::size_t size = sizeof backlog;
        io::get_option(s.fd, SOL_SOCKET, SO_SNDBUF, &backlog, &size);
        s.in_event = true;
        connection_events(s)->WskSendBacklogEvent(s.context, static_cast<SIZE_T>(backlog));
        s.in_event = false;
    }
    pump_receives(s);
}

void connect_done(Socket& s, int result, unsigned) {
    PIRP irp = s.connect_irp;
    s.connect_irp = nullptr;
    Request r{irp};
    bool socket_connect = r.slot(3) != nullptr;  // WskSocketConnect: the IRP returns the socket
    if (s.closing) {
        complete_irp(irp, STATUS_CANCELLED, 0);
        finish_close_if_idle(s);
        return;
    }
    if (result < 0) {
        complete_irp(irp, status_from_errno(-result), 0);
        if (socket_connect) {
            s.closing = true;
            s.release_reference();  // the client never saw this socket
        }
        return;
    }
    connected_now(s);
    complete_irp(irp, STATUS_SUCCESS, socket_connect ? reinterpret_cast<ULONG_PTR>(s.handle()) : 0);
}

NTSTATUS queue_send(Socket& s, PIRP irp) {
    if (s.closing || s.send_shut || (s.kind == SocketKind::Connection && !s.connected))
        return complete_irp(irp, s.closing ? STATUS_CANCELLED : STATUS_CONNECTION_INVALID, 0);
    if (!hold_cancelable(irp)) return STATUS_CANCELLED;
    s.sends.push_back(irp);
    pump_sends(s);
    return STATUS_PENDING;
}

NTSTATUS queue_receive(Socket& s, PIRP irp) {
    if (s.closing) return complete_irp(irp, STATUS_CANCELLED, 0);
    if (s.kind == SocketKind::Connection && !s.connected) return complete_irp(irp, STATUS_CONNECTION_INVALID, 0);
    if (!hold_cancelable(irp)) return STATUS_CANCELLED;
    s.receives.push_back(irp);
    pump_receives(s);
    return STATUS_PENDING;
}

namespace {

NTSTATUS start_disconnect(Socket& s, PIRP irp) {
    Request r{irp};
    if (!s.connected || s.closing) return complete_irp(irp, STATUS_CONNECTION_INVALID, 0);
    if (request_flags(r) & WSK_FLAG_ABORTIVE) {
        int rc = io::abort_connection(s.fd);
        s.send_shut = true;
        s.receive_ended = true;
        return complete_irp(irp, rc == 0 ? STATUS_SUCCESS : status_from_errno(-rc), 0);
    }
    r.slot(3) = reinterpret_cast<PVOID>(kDisconnectMarker);
    if (!hold_cancelable(irp)) return STATUS_CANCELLED;
    s.sends.push_back(irp);
    pump_sends(s);
    return STATUS_PENDING;
}

void release_indication(Posted& posted) {
    Indication& indication = *CONTAINING_RECORD(&posted, Indication, release);
    Socket* s = indication.socket;
    s->add_reference();
    give_back_indication(indication);
    if (s->held == nullptr) pump_receives(*s);
    s->release_reference();
}

}  // namespace

void release_indications(Socket& s, Indication* first, Indication* (*next)(Indication&)) noexcept {
    for (Indication* indication = first; indication != nullptr;) {
        Indication* following = next(*indication);
        if (indication->socket != &s) {
            ntos::report_violation(verifier::Rule::BadCall, indication, "WskRelease",
                                   "the indication was not retained from this socket, or was released already");
            return;
        }
        indication->release.run = release_indication;
        s.ring.post(indication->release);
        indication = following;
    }
}

}  // namespace strata::wsk

using namespace strata;
using namespace strata::wsk;

namespace {

/* WskConnect (wsk.h) — IRQL <= DISPATCH_LEVEL. The socket must have been bound (WskBind). */
NTSTATUS WSKAPI wsk_connect(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress, ULONG Flags, PIRP Irp) {
    (void)Flags;
    if (!take_irp(Irp, "WskConnect")) return STATUS_INVALID_PARAMETER;
    class Socket* s = socket_from(Socket, "WskConnect");
    if (s == nullptr || RemoteAddress == nullptr) return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    if (!s->bound) return complete_irp(Irp, STATUS_INVALID_DEVICE_STATE, 0);
    if (!io::from_windows(RemoteAddress, s->connect_address)) return complete_irp(Irp, STATUS_INVALID_ADDRESS, 0);
    Request{Irp}.set_socket(s);
    return run_on_socket(*s, Irp, start_connect);
}

/* WskSend (wsk.h) — IRQL <= DISPATCH_LEVEL. Completes when every byte of Buffer went out. */
NTSTATUS WSKAPI wsk_send(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PIRP Irp) {
    if (!take_irp(Irp, "WskSend")) return STATUS_INVALID_PARAMETER;
    class Socket* s = socket_from(Socket, "WskSend");
    if (s == nullptr || Buffer == nullptr) return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    Request r{Irp};
    r.set_socket(s);
    store_buffer(r, Buffer);
    r.slot(0) = reinterpret_cast<PVOID>(static_cast<ULONG_PTR>(Flags));
    return run_on_socket(*s, Irp, queue_send);
}

/* WskReceive (wsk.h) — IRQL <= DISPATCH_LEVEL. Completes with what arrived (all of Buffer with
 * WSK_FLAG_WAITALL); no data and STATUS_SUCCESS after the peer's graceful disconnect. */
NTSTATUS WSKAPI wsk_receive(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PIRP Irp) {
    if (!take_irp(Irp, "WskReceive")) return STATUS_INVALID_PARAMETER;
    class Socket* s = socket_from(Socket, "WskReceive");
    if (s == nullptr || Buffer == nullptr) return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    Request r{Irp};
    r.set_socket(s);
    store_buffer(r, Buffer);
    r.slot(0) = reinterpret_cast<PVOID>(static_cast<ULONG_PTR>(Flags));
    return run_on_socket(*s, Irp, queue_receive);
}

/* WskDisconnect (wsk.h) — IRQL <= DISPATCH_LEVEL. Graceful: Buffer's data, then a FIN after every
 * pending send; WSK_FLAG_ABORTIVE: a reset at once. */
NTSTATUS WSKAPI wsk_disconnect(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PIRP Irp) {
    if (!take_irp(Irp, "WskDisconnect")) return STATUS_INVALID_PARAMETER;
    class Socket* s = socket_from(Socket, "WskDisconnect");
    if (s == nullptr) return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    Request r{Irp};
    r.set_socket(s);
    WSK_BUF none{};
    store_buffer(r, Buffer != nullptr ? Buffer : &none);
    r.slot(0) = reinterpret_cast<PVOID>(static_cast<ULONG_PTR>(Flags));
    return run_on_socket(*s, Irp, start_disconnect);
}

/* WskRelease (wsk.h, connection sockets) — IRQL <= DISPATCH_LEVEL. */
NTSTATUS WSKAPI wsk_release(PWSK_SOCKET Socket, PWSK_DATA_INDICATION DataIndication) {
    class Socket* s = socket_from(Socket, "WskRelease");
    if (s == nullptr || DataIndication == nullptr) return STATUS_INVALID_PARAMETER;
    release_indications(*s, CONTAINING_RECORD(DataIndication, Indication, data), [](Indication& i) -> Indication* {
        return i.data.Next != nullptr ? CONTAINING_RECORD(i.data.Next, Indication, data) : nullptr;
    });
    return STATUS_SUCCESS;
}

/* WskGetRemoteAddress (wsk.h) — IRQL <= DISPATCH_LEVEL. */
NTSTATUS WSKAPI wsk_get_remote_address(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress, PIRP Irp) {
    if (!take_irp(Irp, "WskGetRemoteAddress")) return STATUS_INVALID_PARAMETER;
    class Socket* s = socket_from(Socket, "WskGetRemoteAddress");
    if (s == nullptr || RemoteAddress == nullptr) return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    io::Address address;
    int rc = io::remote_address(s->fd, address);
    if (rc == 0) io::to_windows(address, RemoteAddress);
    return complete_irp(Irp, rc == 0 ? STATUS_SUCCESS : status_from_errno(-rc), 0);
}

/* WskConnectEx, WskSendEx, WskReceiveEx (wsk.h, Windows 10 1703): not provided; the IRP
 * completes with STATUS_NOT_SUPPORTED. */
NTSTATUS WSKAPI wsk_connect_ex(PWSK_SOCKET, PSOCKADDR, PWSK_BUF, ULONG, PIRP Irp) {
    return take_irp(Irp, "WskConnectEx") ? complete_irp(Irp, STATUS_NOT_SUPPORTED, 0) : STATUS_INVALID_PARAMETER;
}
NTSTATUS WSKAPI wsk_send_ex(PWSK_SOCKET, PWSK_BUF, ULONG, ULONG, PCMSGHDR, PIRP Irp) {
    return take_irp(Irp, "WskSendEx") ? complete_irp(Irp, STATUS_NOT_SUPPORTED, 0) : STATUS_INVALID_PARAMETER;
}
NTSTATUS WSKAPI wsk_receive_ex(PWSK_SOCKET, PWSK_BUF, ULONG, PULONG, PCMSGHDR, PULONG, PIRP Irp) {
    return take_irp(Irp, "WskReceiveEx") ? complete_irp(Irp, STATUS_NOT_SUPPORTED, 0) : STATUS_INVALID_PARAMETER;
}

}  // namespace

namespace strata::wsk {

const WSK_PROVIDER_CONNECTION_DISPATCH kConnectionDispatch = {
    {{control_socket, close_socket}}, bind_socket, wsk_connect, get_local_address, wsk_get_remote_address,
    wsk_send, wsk_receive, wsk_disconnect, wsk_release, wsk_connect_ex, wsk_send_ex, wsk_receive_ex,
};

}  // namespace strata::wsk
