// control.cpp — the basic functions every WSK socket kind has (issue 5): WskBind (a listening
// socket starts listening), WskGetLocalAddress, WskControlSocket (socket options with Windows
// levels and names, SO_WSK_EVENT_CALLBACK, SIO_WSK_QUERY_RECEIVE_BACKLOG) and WskCloseSocket,
// which cancels and completes every pending IRP, resets a connection that is not fully
// disconnected, and completes once no operation of the socket is left in the kernel.
#include <cerrno>

#include "ntos/check.h"
#include "verifier/verifier.h"
#include "wsk/socket.h"

namespace strata::wsk {
namespace {

void run_events_changed(Posted& posted) {
    Socket& s = Socket::handed_over(posted);
    events_changed(s);
    s.release_reference();
}

// SO_CONDITIONAL_ACCEPT: a listening socket whose client has a WskInspectEvent, before WskBind.
NTSTATUS set_conditional_accept(Socket& s, const void* value, SIZE_T size) {
    if (s.kind != SocketKind::Listen || size < sizeof(ULONG)) return STATUS_INVALID_PARAMETER;
    bool on = *static_cast<const ULONG*>(value) != 0;
    auto* events = static_cast<const WSK_CLIENT_LISTEN_DISPATCH*>(s.client_dispatch);
    if (on && (events == nullptr || events->WskInspectEvent == nullptr)) return STATUS_INVALID_PARAMETER;
    if (s.listening) return STATUS_INVALID_DEVICE_STATE;
    s.conditional_accept = on;
    return STATUS_SUCCESS;
}

NTSTATUS start_close(Socket& s, PIRP irp) {
    if (s.closing) {
        ntos::report_violation(verifier::Rule::BadCall, s.handle(), "WskCloseSocket", "the socket is already closing");
        return complete_irp(irp, STATUS_INVALID_DEVICE_STATE, 0);
    }
    s.closing = true;
    s.close_irp = irp;
    if (s.kind == SocketKind::Connection && s.connected && !(s.send_shut && s.receive_ended)) io::abort_connection(s.fd);
    // An IRP whose operation is in the kernel stays at its queue's head for that operation's
    // completion to finish; the rest complete now. A receive in the kernel for a receive event
    // holds no IRP.
    auto drain = [&s](IrpQueue& queue, SocketOperation& op, bool head_in_kernel) {
        PIRP in_kernel = head_in_kernel ? queue.pop_front() : nullptr;
        fail_all(queue, STATUS_CANCELLED);
        if (in_kernel != nullptr) queue.push_back(in_kernel);
        if (op.busy) s.ring.cancel(op);
    };
    drain(s.sends, s.send_op, s.send_op.busy);
    drain(s.receives, s.receive_op, s.receive_op.busy && s.event_buffer == nullptr);
    drain(s.accepts, s.accept_op, s.accept_op.busy);
    if (s.kind == SocketKind::Listen) drop_inspections(s);
    if (s.connect_op.busy) s.ring.cancel(s.connect_op);
    if (s.watch_op.busy) s.ring.cancel(s.watch_op);
    if (s.held != nullptr) {
        give_back_indication(*s.held);
        s.held = nullptr;
    }
    finish_close_if_idle(s);
    return STATUS_PENDING;
}

}  // namespace

void finish_close_if_idle(Socket& s) noexcept {
    if (s.close_irp == nullptr || s.in_event) return;
    if (s.send_op.busy || s.receive_op.busy || s.accept_op.busy || s.connect_op.busy || s.watch_op.busy ||
        s.inspections_watched != 0)
        return;
    PIRP irp = s.close_irp;
    s.close_irp = nullptr;
    complete_irp(irp, STATUS_SUCCESS, 0);
    s.release_reference();  // the client's: the socket goes once the last retained indication is back
}

void events_changed(Socket& s) noexcept {
    if (!s.ring.on_processor()) {
        s.hand_over(s.events_posted, run_events_changed);
        return;
    }
    if (s.closing) return;
    if (s.kind == SocketKind::Listen) pump_accepts(s);
    else pump_receives(s);
}

NTSTATUS WSKAPI bind_socket(PWSK_SOCKET Socket, PSOCKADDR LocalAddress, ULONG Flags, PIRP Irp) {
    (void)Flags;
    if (!take_irp(Irp, "WskBind")) return STATUS_INVALID_PARAMETER;
    class Socket* s = socket_from(Socket, "WskBind");
    io::Address address;
    if (s == nullptr || LocalAddress == nullptr) return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    if (s->bound) return complete_irp(Irp, STATUS_ADDRESS_ALREADY_ASSOCIATED, 0);
    if (!io::from_windows(LocalAddress, address)) return complete_irp(Irp, STATUS_INVALID_ADDRESS, 0);
    int rc = io::bind(s->fd, address);
    if (rc == 0 && s->kind == SocketKind::Listen) rc = io::listen(s->fd);
    if (rc != 0) return complete_irp(Irp, status_from_errno(-rc), 0);
    s->bound = true;
    s->listening = s->kind == SocketKind::Listen;
    if (s->kind != SocketKind::Connection) events_changed(*s);
    return complete_irp(Irp, STATUS_SUCCESS, 0);
}

NTSTATUS WSKAPI get_local_address(PWSK_SOCKET Socket, PSOCKADDR LocalAddress, PIRP Irp) {
    if (!take_irp(Irp, "WskGetLocalAddress")) return STATUS_INVALID_PARAMETER;
    class Socket* s = socket_from(Socket, "WskGetLocalAddress");
    if (s == nullptr || LocalAddress == nullptr) return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    if (!s->bound) return complete_irp(Irp, STATUS_INVALID_DEVICE_STATE, 0);
    io::Address address;
    int rc = io::local_address(s->fd, address);
    if (rc == 0) io::to_windows(address, LocalAddress);
    return complete_irp(Irp, rc == 0 ? STATUS_SUCCESS : status_from_errno(-rc), 0);
}

NTSTATUS WSKAPI control_socket(PWSK_SOCKET Socket, WSK_CONTROL_SOCKET_TYPE RequestType, ULONG ControlCode,
                               ULONG Level, SIZE_T InputSize, PVOID InputBuffer, SIZE_T OutputSize,
                               PVOID OutputBuffer, SIZE_T* OutputSizeReturned, PIRP Irp) {
    class Socket* s = socket_from(Socket, "WskControlSocket");
    // SO_WSK_EVENT_CALLBACK is synchronous and takes no IRP; everything else may have one.
    if (RequestType == WskSetOption && Level == static_cast<ULONG>(SOL_SOCKET) && ControlCode == SO_WSK_EVENT_CALLBACK) {
        if (Irp != nullptr) {
            ntos::report_violation(verifier::Rule::BadCall, Irp, "WskControlSocket",
                                   "SO_WSK_EVENT_CALLBACK takes no IRP (Irp must be NULL)");
            if (take_irp(Irp, "WskControlSocket")) complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
            return STATUS_INVALID_PARAMETER;
        }
        if (s == nullptr || InputBuffer == nullptr || InputSize < sizeof(WSK_EVENT_CALLBACK_CONTROL))
            return STATUS_INVALID_PARAMETER;
        auto* control = static_cast<PWSK_EVENT_CALLBACK_CONTROL>(InputBuffer);
        ULONG mask = control->EventMask & ~WSK_EVENT_DISABLE;
        ULONG allowed = s->kind == SocketKind::Listen       ? WSK_EVENT_ACCEPT | WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT |
                                                                  WSK_EVENT_SEND_BACKLOG
                        : s->kind == SocketKind::Connection ? WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT | WSK_EVENT_SEND_BACKLOG
                        : s->kind == SocketKind::Datagram   ? WSK_EVENT_RECEIVE_FROM
                                                            : 0;
        if (mask == 0 || (mask & ~allowed) != 0 || s->client_dispatch == nullptr) return STATUS_INVALID_PARAMETER;
        if (control->EventMask & WSK_EVENT_DISABLE) s->events.fetch_and(~mask);
        else s->events.fetch_or(mask);
        events_changed(*s);
        return STATUS_SUCCESS;
    }
    bool has_irp = Irp != nullptr;
    if (has_irp && !take_irp(Irp, "WskControlSocket")) return STATUS_INVALID_PARAMETER;
    auto finish = [&](NTSTATUS status, SIZE_T returned) {
        if (OutputSizeReturned != nullptr) *OutputSizeReturned = returned;
        return has_irp ? complete_irp(Irp, status, returned) : status;
    };
    if (s == nullptr) return finish(STATUS_INVALID_PARAMETER, 0);
    switch (RequestType) {
        case WskSetOption: {
            if (InputBuffer == nullptr) return finish(STATUS_INVALID_PARAMETER, 0);
            if (Level == static_cast<ULONG>(SOL_SOCKET) && ControlCode == static_cast<ULONG>(SO_EXCLUSIVEADDRUSE)) {
                // Linux binds exclusively unless SO_REUSEADDR/SO_REUSEPORT ask otherwise.
                return finish(STATUS_SUCCESS, 0);
            }
            if (Level == static_cast<ULONG>(SOL_SOCKET) && ControlCode == static_cast<ULONG>(SO_CONDITIONAL_ACCEPT))
                return finish(set_conditional_accept(*s, InputBuffer, InputSize), 0);
            int rc = io::set_option(s->fd, Level, ControlCode, InputBuffer, InputSize);
            return finish(rc == 0 ? STATUS_SUCCESS : status_from_errno(-rc), 0);
        }
        case WskGetOption: {
            if (OutputBuffer == nullptr) return finish(STATUS_INVALID_PARAMETER, 0);
            std::size_t size = OutputSize;
            int rc = io::get_option(s->fd, Level, ControlCode, OutputBuffer, &size);
            return finish(rc == 0 ? STATUS_SUCCESS : status_from_errno(-rc), rc == 0 ? size : 0);
        }
        case WskIoctl:
            if (ControlCode == SIO_WSK_QUERY_RECEIVE_BACKLOG && OutputBuffer != nullptr &&
                OutputSize >= sizeof(SIZE_T)) {
                int n = io::readable_bytes(s->fd);
                *static_cast<SIZE_T*>(OutputBuffer) = n > 0 ? static_cast<SIZE_T>(n) : 0;
                return finish(STATUS_SUCCESS, sizeof(SIZE_T));
            }
            return finish(STATUS_NOT_SUPPORTED, 0);
        default: return finish(STATUS_INVALID_PARAMETER, 0);
    }
}

NTSTATUS WSKAPI close_socket(PWSK_SOCKET Socket, PIRP Irp) {
    if (!take_irp(Irp, "WskCloseSocket")) return STATUS_INVALID_PARAMETER;
    class Socket* s = socket_from(Socket, "WskCloseSocket");
    if (s == nullptr) return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    Request{Irp}.set_socket(s);
    return run_on_socket(*s, Irp, start_close);
}

const WSK_PROVIDER_BASIC_DISPATCH kBasicDispatch = {control_socket, close_socket};

}  // namespace strata::wsk

// Data wsk.h and ws2ipdef.h declare.
extern "C" {
const NPIID NPI_WSK_INTERFACE_ID = {0x2227E803, 0x8D8B, 0x11D4, {0xAB, 0xAD, 0x00, 0x90, 0x27, 0x71, 0x9E, 0x09}};
const IN6_ADDR in6addr_any = {};
const IN6_ADDR in6addr_loopback = {{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}};
}
