// listen.cpp — listening sockets (issue 5): WskAccept and the WskAcceptEvent callback. Accepted
// connections are connection sockets served by the next ring; they inherit the listening
// socket's connection events (receive, disconnect, send backlog). Pending WskAccept IRPs are
// served before the accept event. Conditional accept is inspect.cpp's.
#include "ntos/check.h"
#include "verifier/verifier.h"
#include "wsk/socket.h"

namespace strata::wsk {
namespace {

constexpr ULONG kInheritedEvents = WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT | WSK_EVENT_SEND_BACKLOG;

const WSK_CLIENT_LISTEN_DISPATCH* listen_events(const Socket& s) noexcept {
    return static_cast<const WSK_CLIENT_LISTEN_DISPATCH*>(s.client_dispatch);
}

bool accept_event_on(const Socket& s) noexcept {
    return (s.events.load(std::memory_order_relaxed) & WSK_EVENT_ACCEPT) != 0 && s.client_dispatch != nullptr &&
           listen_events(s)->WskAcceptEvent != nullptr;
}

void start_accepted(Posted& posted) {
    Socket& s = Socket::handed_over(posted);
    if (!s.closing) connected_now(s);
    s.release_reference();
}

NTSTATUS queue_accept(Socket& s, PIRP irp) {
    if (s.closing) return complete_irp(irp, STATUS_CANCELLED, 0);
    if (!s.listening) return complete_irp(irp, STATUS_INVALID_DEVICE_STATE, 0);
    if (!hold_cancelable(irp)) return STATUS_CANCELLED;
    s.accepts.push_back(irp);
    pump_accepts(s);
    return STATUS_PENDING;
}

// Hands an accepted connection to the first WskAccept IRP, else to WskAcceptEvent; false when the
// event refused it.
bool offer(Socket& s, Socket& accepted, SOCKADDR_STORAGE& local, SOCKADDR_STORAGE& remote,
            const io::Address& local_address, const io::Address& remote_address) {
    if (PIRP irp = s.accepts.pop_front()) {
        Request r{irp};
        accepted.context = r.slot(0);
        accepted.client_dispatch = r.slot(1);
        if (r.slot(2) != nullptr) io::to_windows(local_address, r.slot(2));
        if (r.slot(3) != nullptr) io::to_windows(remote_address, r.slot(3));
        complete_irp(irp, STATUS_SUCCESS, reinterpret_cast<ULONG_PTR>(accepted.handle()));
        return true;
    }
    PVOID context = nullptr;
    const WSK_CLIENT_CONNECTION_DISPATCH* dispatch = nullptr;
    s.in_event = true;
    NTSTATUS status = listen_events(s)->WskAcceptEvent(s.context, WSK_FLAG_AT_DISPATCH_LEVEL,
                                                        reinterpret_cast<PSOCKADDR>(&local),
                                                        reinterpret_cast<PSOCKADDR>(&remote), accepted.handle(),
                                                        &context, &dispatch);
    s.in_event = false;
    if (status != STATUS_SUCCESS) return false;
    accepted.context = context;
    accepted.client_dispatch = dispatch;
    return true;
}

}  // namespace

void pump_accepts(Socket& s) noexcept {
    if (s.closing || !s.listening || s.accept_op.busy) return;
    s.accepts.complete_cancelled_head();
    deliver_inspected(s);
    bool inspecting = s.conditional_accept && listen_events(s)->WskInspectEvent != nullptr;
    if (s.accepts.empty() && !accept_event_on(s) && !inspecting) return;
    s.accept_op.busy = true;
    s.add_reference();
    io::accept(s.ring, s.accept_op, s.fd, s.accept_address);
}

void accept_done(Socket& s, int result, unsigned) {
    if (s.closing) {
        if (result >= 0) io::close(result);
        if (PIRP irp = s.accepts.pop_front()) complete_irp(irp, STATUS_CANCELLED, 0);
        finish_close_if_idle(s);
        return;
    }
    if (result < 0) {
        if (PIRP irp = s.accepts.pop_front()) complete_irp(irp, status_from_errno(-result), 0);
        pump_accepts(s);
        return;
    }
    inspect_or_deliver(s, result, s.accept_address);
    if (s.close_irp != nullptr) finish_close_if_idle(s);
    else pump_accepts(s);
}

bool deliver_accepted(Socket& s, int fd, const io::Address& remote_address) noexcept {
    if (s.accepts.empty() && !accept_event_on(s)) return false;
    SOCKADDR_STORAGE local{}, remote{};
    io::Address local_address;
    io::local_address(fd, local_address);
    io::to_windows(local_address, &local);
    io::to_windows(remote_address, &remote);
    Socket* accepted = create_socket(s.client, SocketKind::Connection, fd, nullptr, nullptr);
    accepted->bound = true;
    accepted->connected = true;
    accepted->events.store(s.events.load(std::memory_order_relaxed) & kInheritedEvents, std::memory_order_relaxed);
    // Ours until the handover: a WskAccept IRP's completion may let the client close it at once.
    accepted->add_reference();
    if (offer(s, *accepted, local, remote, local_address, remote_address)) {
        // Its receive events start on its own processor.
        accepted->hand_over(accepted->start_posted, start_accepted);
    } else {
        io::abort_connection(accepted->fd);
        accepted->closing = true;
        accepted->release_reference();  // the client's, which it never got
    }
    accepted->release_reference();
    return true;
}

}  // namespace strata::wsk

using namespace strata;
using namespace strata::wsk;

namespace {

/* WskAccept (wsk.h) — IRQL <= DISPATCH_LEVEL. Irp->IoStatus.Information returns the accepted
 * PWSK_SOCKET, whose events go to AcceptSocketDispatch with AcceptSocketContext. */
NTSTATUS WSKAPI wsk_accept(PWSK_SOCKET ListenSocket, ULONG Flags, PVOID AcceptSocketContext,
                           CONST WSK_CLIENT_CONNECTION_DISPATCH* AcceptSocketDispatch, PSOCKADDR LocalAddress,
                           PSOCKADDR RemoteAddress, PIRP Irp) {
    (void)Flags;
    if (!take_irp(Irp, "WskAccept")) return STATUS_INVALID_PARAMETER;
    if (ListenSocket == nullptr) return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    class Socket* s = Socket::from(ListenSocket);
    Request r{Irp};
    r.set_socket(s);
    r.slot(0) = AcceptSocketContext;
    r.slot(1) = const_cast<WSK_CLIENT_CONNECTION_DISPATCH*>(AcceptSocketDispatch);
    r.slot(2) = LocalAddress;
    r.slot(3) = RemoteAddress;
    return run_on_socket(*s, Irp, queue_accept);
}

}  // namespace

namespace strata::wsk {

const WSK_PROVIDER_LISTEN_DISPATCH kListenDispatch = {
    {{control_socket, close_socket}}, bind_socket, wsk_accept, inspect_complete, get_local_address,
};

}  // namespace strata::wsk
