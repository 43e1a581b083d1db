// socket.cpp — what every WSK socket kind shares (issue 5): creation and lifetime, the provider's
// hold on IRPs, handing calls over to the socket's processor, WSK_BUF as iovecs, WskBind,
// WskGetLocalAddress, WskControlSocket (options, SO_WSK_EVENT_CALLBACK) and WskCloseSocket.
#include "wsk/socket.h"

#include <algorithm>
#include <cerrno>
#include <memory>

#include "ntos/check.h"
#include "verifier/verifier.h"

namespace strata::wsk {

PIRP IrpQueue::front() const noexcept {
    return empty() ? nullptr : CONTAINING_RECORD(head_.Flink, IRP, Tail.Overlay.ListEntry);
}

PIRP IrpQueue::pop_front() noexcept {
    if (empty()) return nullptr;
    PLIST_ENTRY entry = RemoveHeadList(&head_);
    return CONTAINING_RECORD(entry, IRP, Tail.Overlay.ListEntry);
}

void IrpQueue::complete_cancelled_head() noexcept {
    while (!empty() && front()->Cancel) complete_irp(pop_front(), STATUS_CANCELLED, 0);
}

bool IrpQueue::complete_cancelled(PIRP in_kernel) noexcept {
    bool in_kernel_cancelled = false;
    for (PLIST_ENTRY entry = head_.Flink; entry != &head_;) {
        PIRP irp = CONTAINING_RECORD(entry, IRP, Tail.Overlay.ListEntry);
        entry = entry->Flink;
        if (!irp->Cancel) continue;
        if (irp == in_kernel) {
            in_kernel_cancelled = true;
            continue;
        }
        RemoveEntryList(&irp->Tail.Overlay.ListEntry);
        complete_irp(irp, STATUS_CANCELLED, 0);
    }
    return in_kernel_cancelled;
}

void SocketOperation::complete(int result, unsigned flags) noexcept {
    busy = false;
    done_(socket_, result, flags);
    socket_.release_reference();
}

Socket::Socket(Client& owner, Ring& served_by, SocketKind socket_kind, int descriptor, PVOID socket_context,
               const void* dispatch) noexcept
    : client(owner),
      ring(served_by),
      kind(socket_kind),
      fd(descriptor),
      context(socket_context),
      client_dispatch(dispatch),
      send_op(*this, send_done),
      receive_op(*this, receive_done),
      accept_op(*this, accept_done),
      connect_op(*this, connect_done),
      watch_op(*this, watch_done) {
    InitializeListHead(&inspections);
    InitializeListHead(&inspected);
    switch (kind) {
        case SocketKind::Basic: wsk.Dispatch = &kBasicDispatch; break;
        case SocketKind::Listen: wsk.Dispatch = &kListenDispatch; break;
        case SocketKind::Connection: wsk.Dispatch = &kConnectionDispatch; break;
        case SocketKind::Datagram: wsk.Dispatch = &kDatagramDispatch; break;
    }
}

Socket::~Socket() { io::close(fd); }

void Socket::hand_over(Handover& node, void (*run)(Posted&)) noexcept {
    if (node.queued.exchange(true, std::memory_order_acq_rel)) return;
    add_reference();
    node.posted.run = run;
    ring.post(node.posted);
}

Socket& Socket::handed_over(Posted& posted) noexcept {
    Handover& node = *CONTAINING_RECORD(&posted, Handover, posted);
    node.queued.store(false, std::memory_order_release);
    return *node.socket;
}

void Socket::release_reference() noexcept {
    if (references.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    Client& owner = client;
    std::unique_ptr<Socket> last(this);
    last.reset();
    owner.socket_closed();
}

Socket* create_socket(Client& client, SocketKind kind, int fd, PVOID context, const void* dispatch) noexcept {
    client.sockets.fetch_add(1, std::memory_order_acq_rel);
    client.made_a_socket.store(true, std::memory_order_relaxed);
    auto socket = std::make_unique<Socket>(client, ring_for_new_socket(), kind, fd, context, dispatch);
    ULONG statics = client.static_events.load(std::memory_order_relaxed);
    if (statics != 0) socket->events.store(statics, std::memory_order_relaxed);
    return socket.release();
}

// ---- IRPs ------------------------------------------------------------------------------------

bool take_irp(PIRP irp, const char* function) noexcept {
    if (irp == nullptr) {
        ntos::report_violation(verifier::Rule::NullParameter, nullptr, function, "Irp is NULL");
        return false;
    }
    if (irp->CurrentLocation <= 1) {
        ntos::report_violation(verifier::Rule::BadCall, irp, function,
                               "the IRP has no stack location left for the WSK subsystem (IoAllocateIrp(1, …))");
        return false;
    }
    irp->CurrentLocation -= 1;
    irp->Tail.Overlay.CurrentStackLocation -= 1;
    PIO_STACK_LOCATION location = irp->Tail.Overlay.CurrentStackLocation;
    location->Parameters.Others = {};
    irp->IoStatus.Status = STATUS_PENDING;
    irp->IoStatus.Information = 0;
    return true;
}

namespace {

// On the socket's processor: every waiting IRP IoCancelIrp flagged completes with
// STATUS_CANCELLED; one whose operation is in the kernel has that operation cancelled, and its
// completion finishes it.
void run_cancels(Posted& posted) {
    Socket& s = Socket::handed_over(posted);
    if (s.sends.complete_cancelled(s.send_op.busy ? s.sends.front() : nullptr)) s.ring.cancel(s.send_op);
    bool receiving_for_irp = s.receive_op.busy && s.event_buffer == nullptr;
    if (s.receives.complete_cancelled(receiving_for_irp ? s.receives.front() : nullptr)) s.ring.cancel(s.receive_op);
    if (s.accepts.complete_cancelled(s.accept_op.busy ? s.accepts.front() : nullptr)) s.ring.cancel(s.accept_op);
    if (s.connect_irp != nullptr && s.connect_irp->Cancel && s.connect_op.busy) s.ring.cancel(s.connect_op);
    s.release_reference();
}

// The cancel routine of every IRP the provider keeps waiting: IoCancelIrp calls it holding the
// cancel spin lock, which keeps the IRP (and so its socket) from completing meanwhile.
VOID NTAPI cancel_waiting_irp(PDEVICE_OBJECT, PIRP irp) {
    Socket* s = Request{irp}.socket();
    s->hand_over(s->cancels_posted, run_cancels);
    IoReleaseCancelSpinLock(irp->CancelIrql);
}

}  // namespace

bool hold_cancelable(PIRP irp) noexcept {
    IoSetCancelRoutine(irp, cancel_waiting_irp);
    if (irp->Cancel && IoSetCancelRoutine(irp, nullptr) != nullptr) {
        complete_irp(irp, STATUS_CANCELLED, 0);
        return false;
    }
    return true;
}

NTSTATUS complete_irp(PIRP irp, NTSTATUS status, ULONG_PTR information) noexcept {
    if (IoSetCancelRoutine(irp, nullptr) == nullptr && irp->Cancel) {
        // IoCancelIrp took the cancel routine and may still be in it: wait for it to let go.
        KIRQL irql;
        IoAcquireCancelSpinLock(&irql);
        IoReleaseCancelSpinLock(irql);
    }
    PIO_STACK_LOCATION location = IoGetCurrentIrpStackLocation(irp);
    location->Parameters.Others = {};
    location->DeviceObject = nullptr;
    location->FileObject = nullptr;
    irp->IoStatus.Status = status;
    irp->IoStatus.Information = information;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    return status;
}

NTSTATUS status_from_errno(int error) noexcept {
    switch (error) {
        case 0: return STATUS_SUCCESS;
        case EADDRINUSE: return STATUS_ADDRESS_ALREADY_EXISTS;
        case EADDRNOTAVAIL: return STATUS_INVALID_ADDRESS;
        case ECONNREFUSED: return STATUS_CONNECTION_REFUSED;
        case ECONNRESET: return STATUS_CONNECTION_RESET;
        case ECONNABORTED: return STATUS_CONNECTION_ABORTED;
        case EPIPE: return STATUS_CONNECTION_DISCONNECTED;
        case ENOTCONN: return STATUS_CONNECTION_INVALID;
        case EISCONN: return STATUS_CONNECTION_ACTIVE;
        case ENETUNREACH: return STATUS_NETWORK_UNREACHABLE;
        case EHOSTUNREACH: return STATUS_HOST_UNREACHABLE;
        case ETIMEDOUT: return STATUS_IO_TIMEOUT;
        case ECANCELED: return STATUS_CANCELLED;
        case EAFNOSUPPORT:
        case ESOCKTNOSUPPORT:
        case EPROTONOSUPPORT: return STATUS_NOT_SUPPORTED;
        case ENOPROTOOPT: return STATUS_NOT_SUPPORTED;
        case EINVAL: return STATUS_INVALID_PARAMETER;
        case ENOMEM:
        case ENOBUFS:
        case EMFILE:
        case ENFILE: return STATUS_INSUFFICIENT_RESOURCES;
        case EACCES:
        case EPERM: return STATUS_ACCESS_DENIED;
        case EMSGSIZE: return STATUS_INVALID_BUFFER_SIZE;
    }
    return STATUS_UNSUCCESSFUL;
}

PVOID& Request::argument(unsigned i) const noexcept {
    auto& others = location()->Parameters.Others;
    return i == 0 ? others.Argument2 : i == 1 ? others.Argument3 : others.Argument4;
}

namespace {

// The IRP's Tail.Overlay.ListEntry carries it to the processor as a Posted.
void run_handed_over(Posted& posted) {
    auto* entry = reinterpret_cast<PLIST_ENTRY>(&posted);
    PIRP irp = CONTAINING_RECORD(entry, IRP, Tail.Overlay.ListEntry);
    Request request{irp};
    auto work = reinterpret_cast<SocketWork>(IoGetCurrentIrpStackLocation(irp)->FileObject);
    IoGetCurrentIrpStackLocation(irp)->FileObject = nullptr;
    Socket& socket = *request.socket();
    work(socket, irp);
    socket.release_reference();
}

}  // namespace

NTSTATUS run_on_socket(Socket& socket, PIRP irp, SocketWork work) noexcept {
    if (socket.ring.on_processor()) return work(socket, irp);
    IoMarkIrpPending(irp);
    socket.add_reference();
    // The stack location's FileObject holds the work until the processor runs it.
    IoGetCurrentIrpStackLocation(irp)->FileObject = reinterpret_cast<struct _FILE_OBJECT*>(work);
    static_assert(sizeof(Posted) == sizeof(LIST_ENTRY));
    auto* posted = reinterpret_cast<Posted*>(&irp->Tail.Overlay.ListEntry);
    posted->next = nullptr;
    posted->run = run_handed_over;
    socket.ring.post(*posted);
    return STATUS_PENDING;
}

// ---- WSK_BUF ---------------------------------------------------------------------------------

void store_buffer(const Request& request, const WSK_BUF* buffer) noexcept {
    request.argument(0) = buffer->Mdl;
    request.argument(1) = reinterpret_cast<PVOID>(static_cast<ULONG_PTR>(buffer->Offset));
    request.argument(2) = reinterpret_cast<PVOID>(buffer->Length);
}

SIZE_T buffer_length(const Request& request) noexcept { return reinterpret_cast<SIZE_T>(request.argument(2)); }

unsigned buffer_iov(const Request& request, SIZE_T done, iovec* iov, unsigned max) noexcept {
    auto mdl = static_cast<PMDL>(request.argument(0));
    SIZE_T skip = reinterpret_cast<ULONG_PTR>(request.argument(1)) + done;
    SIZE_T left = buffer_length(request) - done;
    unsigned n = 0;
    for (; mdl != nullptr && left != 0 && n < max; mdl = mdl->Next) {
        SIZE_T size = MmGetMdlByteCount(mdl);
        if (skip >= size) {
            skip -= size;
            continue;
        }
        auto* base = static_cast<std::uint8_t*>(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority));
        SIZE_T take = std::min(size - skip, left);
        iov[n++] = {base + skip, take};
        left -= take;
        skip = 0;
    }
    return n;
}

Socket* socket_from(PWSK_SOCKET handle, const char* function) noexcept {
    if (handle == nullptr) ntos::report_violation(verifier::Rule::NullParameter, nullptr, function, "Socket is NULL");
    return handle != nullptr ? Socket::from(handle) : nullptr;
}

void fail_all(IrpQueue& queue, NTSTATUS status) noexcept {
    while (PIRP irp = queue.pop_front()) complete_irp(irp, status, 0);
}

// ---- indication buffers ------------------------------------------------------------------------

namespace {

constexpr std::uint32_t kIndicationBytes = 64 * 1024;
constexpr ULONG kIndicationTag = 0x696B7357;  // 'Wski'
// A processor's free indication buffers; freed when its thread ends (a host stopping its
// processors), or every host a process starts would leave its buffers behind.
struct FreeIndications {
    Indication* first = nullptr;
    ~FreeIndications() {
        while (Indication* indication = first) {
            first = indication->next_free;
            ExFreePoolWithTag(indication->bytes, kIndicationTag);
            std::unique_ptr<Indication> gone(indication);
        }
    }
};
thread_local FreeIndications tls_free_indications;

}  // namespace

Indication* take_indication() noexcept {
    Indication* indication = tls_free_indications.first;
    if (indication != nullptr) {
        tls_free_indications.first = indication->next_free;
        return indication;
    }
    // Grows once per concurrently held buffer; reused afterwards (a processor's pool).
    auto fresh = std::make_unique<Indication>();
    fresh->bytes = static_cast<std::uint8_t*>(ExAllocatePoolWithTag(NonPagedPool, kIndicationBytes, kIndicationTag));
    if (fresh->bytes == nullptr) return nullptr;
    fresh->capacity = kIndicationBytes;
    return fresh.release();
}

void describe_indication(Indication& indication, std::uint32_t offset, std::uint32_t length) noexcept {
    MDL& mdl = indication.mdl;
    mdl = MDL{};
    mdl.Size = sizeof(MDL);
    mdl.MdlFlags = MDL_SOURCE_IS_NONPAGED_POOL;
    std::uint8_t* start = indication.bytes + offset;
    auto address = reinterpret_cast<ULONG_PTR>(start);
    mdl.StartVa = reinterpret_cast<PVOID>(address & ~static_cast<ULONG_PTR>(PAGE_SIZE - 1));
    mdl.ByteOffset = static_cast<ULONG>(address & (PAGE_SIZE - 1));
    mdl.ByteCount = length;
    mdl.MappedSystemVa = start;
}

void give_back_indication(Indication& indication) noexcept {
    Socket* socket = indication.socket;
    indication.socket = nullptr;
    indication.next_free = tls_free_indications.first;
    tls_free_indications.first = &indication;
    if (socket != nullptr) socket->release_reference();
}

}  // namespace strata::wsk
