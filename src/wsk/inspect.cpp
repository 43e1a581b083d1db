// inspect.cpp — conditional accept on listening sockets (issue 5: SO_CONDITIONAL_ACCEPT,
// WskInspectEvent, WskInspectComplete, WskAbortEvent). Linux finishes the TCP handshake before a
// listener sees a connection, so the inspection follows the handshake: a rejected request is
// reset rather than never answered, and a pended one is watched for the peer's hang-up, which
// WskAbortEvent reports. Requests accepted while no WskAccept IRP (or accept event) is there
// wait for one, as they would in Windows' backlog.
#include <memory>

#include "ntos/check.h"
#include "verifier/verifier.h"
#include "wsk/socket.h"

namespace strata::wsk {
namespace {

enum class Verdict : std::uint8_t { Pending, Accept, Reject };

// One connection request between WskInspectEvent and the client's verdict (or its delivery).
struct Inspection final : Completion {
    Inspection(Socket& owner, int descriptor, const io::Address& peer) noexcept
        : listener(owner), fd(descriptor), remote(peer) {}
    Socket& listener;
    int fd;
    io::Address remote;
    WSK_INSPECT_ID id{};
    struct Link {
        LIST_ENTRY entry;  // first: a PLIST_ENTRY of the socket's lists is a Link*
        Inspection* owner;
    } link{{}, this};
    bool watched = false;  // a hang-up watch is in the kernel
    Verdict verdict = Verdict::Pending;

    void complete(int result, unsigned flags) noexcept override;
};

const WSK_CLIENT_LISTEN_DISPATCH* listen_events(const Socket& s) noexcept {
    return static_cast<const WSK_CLIENT_LISTEN_DISPATCH*>(s.client_dispatch);
}

void reset_connection(int fd) noexcept {
    io::abort_connection(fd);
    io::close(fd);
}

void reset(std::unique_ptr<Inspection> inspection) noexcept { reset_connection(inspection->fd); }

Inspection* inspection_at(PLIST_ENTRY entry) noexcept { return reinterpret_cast<Inspection::Link*>(entry)->owner; }

// The client said accept: deliver now, or wait in the listener's backlog for a WskAccept IRP.
void accepted(std::unique_ptr<Inspection> inspection) noexcept {
    Socket& s = inspection->listener;
    if (deliver_accepted(s, inspection->fd, inspection->remote)) return;
    InsertTailList(&s.inspected, &inspection.release()->link.entry);
}

void carry_out(std::unique_ptr<Inspection> inspection) noexcept {
    if (inspection->verdict == Verdict::Accept) accepted(std::move(inspection));
    else reset(std::move(inspection));
}

void Inspection::complete(int result, unsigned) noexcept {
    std::unique_ptr<Inspection> self(this);
    Socket& s = listener;
    watched = false;
    s.inspections_watched -= 1;
    if (s.closing) {
        reset(std::move(self));
        finish_close_if_idle(s);
    } else if (verdict != Verdict::Pending) {
        carry_out(std::move(self));
    } else if (result > 0) {
        // The peer went away before the client decided.
        RemoveEntryList(&link.entry);
        if (listen_events(s)->WskAbortEvent != nullptr) {
            WSK_INSPECT_ID dropped = id;
            s.in_event = true;
            listen_events(s)->WskAbortEvent(s.context, &dropped);
            s.in_event = false;
        }
        reset(std::move(self));
    } else {
        self.release();  // the watch failed; the request keeps waiting for WskInspectComplete
    }
    s.release_reference();
}

NTSTATUS finish_inspection(Socket& s, PIRP irp) {
    Request r{irp};
    auto key = reinterpret_cast<ULONG_PTR>(r.slot(0));
    auto serial = static_cast<ULONG>(reinterpret_cast<ULONG_PTR>(r.slot(1)));
    auto action = static_cast<WSK_INSPECT_ACTION>(reinterpret_cast<ULONG_PTR>(r.slot(2)));
    for (PLIST_ENTRY entry = s.inspections.Flink; entry != &s.inspections; entry = entry->Flink) {
        Inspection* inspection = inspection_at(entry);
        if (inspection->id.Key != key || inspection->id.SerialNumber != serial) continue;
        RemoveEntryList(entry);
        inspection->verdict = action == WskInspectAccept ? Verdict::Accept : Verdict::Reject;
        if (inspection->watched) s.ring.cancel(*inspection);  // its completion carries the verdict out
        else carry_out(std::unique_ptr<Inspection>(inspection));
        return complete_irp(irp, STATUS_SUCCESS, 0);
    }
    ntos::report_violation(verifier::Rule::BadCall, s.handle(), "WskInspectComplete",
                           "InspectID names no pended connection request of this listening socket");
    return complete_irp(irp, STATUS_INVALID_PARAMETER, 0);
}

}  // namespace

void inspect_or_deliver(Socket& s, int fd, const io::Address& remote) noexcept {
    PFN_WSK_INSPECT_EVENT inspect = s.conditional_accept ? listen_events(s)->WskInspectEvent : nullptr;
    if (inspect == nullptr) {
        if (!deliver_accepted(s, fd, remote)) reset_connection(fd);
        return;
    }
    auto inspection = std::make_unique<Inspection>(s, fd, remote);
    inspection->id = {reinterpret_cast<ULONG_PTR>(inspection.get()), ++s.inspect_serial};
    SOCKADDR_STORAGE local_windows{}, remote_windows{};
    io::Address local;
    io::local_address(fd, local);
    io::to_windows(local, &local_windows);
    io::to_windows(remote, &remote_windows);
    WSK_INSPECT_ID id = inspection->id;
    s.in_event = true;
    WSK_INSPECT_ACTION action = inspect(s.context, reinterpret_cast<PSOCKADDR>(&local_windows),
                                        reinterpret_cast<PSOCKADDR>(&remote_windows), &id);
    s.in_event = false;
    switch (action) {
        case WskInspectAccept: accepted(std::move(inspection)); return;
        case WskInspectPend:
            InsertTailList(&s.inspections, &inspection->link.entry);
            inspection->watched = true;
            s.inspections_watched += 1;
            s.add_reference();
            io::wait_hangup(s.ring, *inspection, fd);
            inspection.release();
            return;
        case WskInspectReject: reset(std::move(inspection)); return;
        default:
            ntos::report_violation(verifier::Rule::BadCall, s.handle(), "WskInspectEvent",
                                   "returned no WSK_INSPECT_ACTION; the request is rejected");
            reset(std::move(inspection));
    }
}

void deliver_inspected(Socket& s) noexcept {
    while (!IsListEmpty(&s.inspected)) {
        Inspection* waiting = inspection_at(s.inspected.Flink);
        if (!deliver_accepted(s, waiting->fd, waiting->remote)) return;
        RemoveEntryList(&waiting->link.entry);
        delete waiting;
    }
}

void drop_inspections(Socket& s) noexcept {
    for (LIST_ENTRY* list : {&s.inspections, &s.inspected}) {
        while (!IsListEmpty(list)) {
            Inspection* inspection = inspection_at(RemoveHeadList(list));
            if (inspection->watched) s.ring.cancel(*inspection);  // closing: its completion resets it
            else reset(std::unique_ptr<Inspection>(inspection));
        }
    }
}

/* WskInspectComplete (wsk.h) — IRQL <= DISPATCH_LEVEL. Action is WskInspectAccept or
 * WskInspectReject for a request WskInspectEvent pended. */
NTSTATUS WSKAPI inspect_complete(PWSK_SOCKET ListenSocket, PWSK_INSPECT_ID InspectID, WSK_INSPECT_ACTION Action,
                                 PIRP Irp) {
    if (!take_irp(Irp, "WskInspectComplete")) return STATUS_INVALID_PARAMETER;
    class Socket* s = socket_from(ListenSocket, "WskInspectComplete");
    if (s == nullptr || InspectID == nullptr || (Action != WskInspectAccept && Action != WskInspectReject))
        return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    if (s->kind != SocketKind::Listen || !s->conditional_accept)
        return complete_irp(Irp, STATUS_INVALID_DEVICE_STATE, 0);
    Request r{Irp};
    r.set_socket(s);
    r.slot(0) = reinterpret_cast<PVOID>(InspectID->Key);
    r.slot(1) = reinterpret_cast<PVOID>(static_cast<ULONG_PTR>(InspectID->SerialNumber));
    r.slot(2) = reinterpret_cast<PVOID>(static_cast<ULONG_PTR>(Action));
    return run_on_socket(*s, Irp, finish_inspection);
}

}  // namespace strata::wsk
