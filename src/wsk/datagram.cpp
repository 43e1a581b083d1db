// datagram.cpp — datagram sockets (issue 5): WskSendTo and WskReceiveFrom (the source address
// returned), WskRelease of retained datagram indications, and WskReceiveFromEvent with
// WSK_DATAGRAM_INDICATION. Datagrams use the send and receive queues of stream.cpp, one datagram
// per IRP.
#include "ntos/check.h"
#include "verifier/verifier.h"
#include "wsk/socket.h"

namespace strata::wsk {

void receive_datagram_done(Socket& s, int result) {
    if (Indication* indication = s.event_buffer) {
        s.event_buffer = nullptr;
        if (s.closing || result < 0) {
            give_back_indication(*indication);
            if (s.closing) finish_close_if_idle(s);
            else pump_receives(s);
            return;
        }
        auto* events = static_cast<const WSK_CLIENT_DATAGRAM_DISPATCH*>(s.client_dispatch);
        Indication& i = *indication;
        describe_indication(i, 0, static_cast<std::uint32_t>(result));
        i.source_windows = {};
        io::to_windows(s.receive_address, &i.source_windows);
        i.datagram = WSK_DATAGRAM_INDICATION{};
        i.datagram.Buffer.Mdl = &i.mdl;
        i.datagram.Buffer.Length = static_cast<SIZE_T>(result);
        i.datagram.RemoteAddress = reinterpret_cast<PSOCKADDR>(&i.source_windows);
        i.socket = &s;
        s.add_reference();
        s.in_event = true;
        NTSTATUS status = events->WskReceiveFromEvent(s.context, WSK_FLAG_AT_DISPATCH_LEVEL, &i.datagram);
        s.in_event = false;
        if (status != STATUS_PENDING) give_back_indication(i);  // taken, or not accepted: a datagram is not kept
        pump_receives(s);
        return;
    }
    PIRP irp = s.receives.pop_front();
    if (s.closing) {
        complete_irp(irp, STATUS_CANCELLED, 0);
        finish_close_if_idle(s);
        return;
    }
    Request r{irp};
    if (result >= 0) {
        if (r.slot(2) != nullptr) io::to_windows(s.receive_address, r.slot(2));
        if (auto* control_length = static_cast<PULONG>(r.slot(3))) *control_length = 0;
        if (auto* control_flags = reinterpret_cast<PULONG>(r.location()->DeviceObject)) *control_flags = 0;
        complete_irp(irp, STATUS_SUCCESS, static_cast<ULONG_PTR>(result));
    } else {
        complete_irp(irp, status_from_errno(-result), 0);
    }
    pump_receives(s);
}

}  // namespace strata::wsk

using namespace strata;
using namespace strata::wsk;

namespace {

/* WskSendTo (wsk.h) — IRQL <= DISPATCH_LEVEL. RemoteAddress must stay valid until completion;
 * control information is not supported (ControlInfoLength must be 0). */
NTSTATUS WSKAPI wsk_send_to(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PSOCKADDR RemoteAddress,
                            ULONG ControlInfoLength, PCMSGHDR ControlInfo, PIRP Irp) {
    (void)Flags;
    (void)ControlInfo;
    if (!take_irp(Irp, "WskSendTo")) return STATUS_INVALID_PARAMETER;
    if (Socket == nullptr || Buffer == nullptr || RemoteAddress == nullptr)
        return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    if (ControlInfoLength != 0) return complete_irp(Irp, STATUS_NOT_SUPPORTED, 0);
    class Socket* s = Socket::from(Socket);
    if (!s->bound) return complete_irp(Irp, STATUS_INVALID_DEVICE_STATE, 0);
    Request r{Irp};
    r.set_socket(s);
    store_buffer(r, Buffer);
    r.slot(2) = RemoteAddress;
    return run_on_socket(*s, Irp, queue_send);
}

/* WskReceiveFrom (wsk.h) — IRQL <= DISPATCH_LEVEL. One datagram per IRP; RemoteAddress gets its
 * source; no control information is returned (*ControlLength 0). */
NTSTATUS WSKAPI wsk_receive_from(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PSOCKADDR RemoteAddress,
                                 PULONG ControlLength, PCMSGHDR ControlInfo, PULONG ControlFlags, PIRP Irp) {
    (void)Flags;
    (void)ControlInfo;
    if (!take_irp(Irp, "WskReceiveFrom")) return STATUS_INVALID_PARAMETER;
    if (Socket == nullptr || Buffer == nullptr) return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    class Socket* s = Socket::from(Socket);
    if (!s->bound) return complete_irp(Irp, STATUS_INVALID_DEVICE_STATE, 0);
    Request r{Irp};
    r.set_socket(s);
    store_buffer(r, Buffer);
    r.slot(2) = RemoteAddress;
    r.slot(3) = ControlLength;
    r.location()->DeviceObject = reinterpret_cast<PDEVICE_OBJECT>(ControlFlags);
    return run_on_socket(*s, Irp, queue_receive);
}

/* WskRelease (wsk.h, datagram sockets) — IRQL <= DISPATCH_LEVEL. */
NTSTATUS WSKAPI wsk_release_datagrams(PWSK_SOCKET Socket, PWSK_DATAGRAM_INDICATION DatagramIndication) {
    if (Socket == nullptr || DatagramIndication == nullptr) return STATUS_INVALID_PARAMETER;
    release_indications(*Socket::from(Socket), CONTAINING_RECORD(DatagramIndication, Indication, datagram),
                        [](Indication& i) -> Indication* {
                            return i.datagram.Next != nullptr ? CONTAINING_RECORD(i.datagram.Next, Indication, datagram)
                                                              : nullptr;
                        });
    return STATUS_SUCCESS;
}

/* WskSendMessages (wsk.h, Windows 8): not provided; the IRP completes with STATUS_NOT_SUPPORTED. */
NTSTATUS WSKAPI wsk_send_messages(PWSK_SOCKET, PWSK_BUF_LIST, ULONG, PSOCKADDR, ULONG, PCMSGHDR, PIRP Irp) {
    return take_irp(Irp, "WskSendMessages") ? complete_irp(Irp, STATUS_NOT_SUPPORTED, 0) : STATUS_INVALID_PARAMETER;
}

}  // namespace

namespace strata::wsk {

const WSK_PROVIDER_DATAGRAM_DISPATCH kDatagramDispatch = {
    {{control_socket, close_socket}}, bind_socket, wsk_send_to, wsk_receive_from, wsk_release_datagrams,
    get_local_address, wsk_send_messages,
};

}  // namespace strata::wsk
