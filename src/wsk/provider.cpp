// provider.cpp — WSK_PROVIDER_DISPATCH (issue 5): WskSocket for basic, listening, connection and
// datagram sockets, WskSocketConnect, WskControlClient (WSK_SET_STATIC_EVENT_CALLBACKS) and the
// name functions (resolve.cpp).
#include "wsk/provider.h"

#include "ntos/check.h"
#include "verifier/verifier.h"
#include "wsk/socket.h"

using namespace strata;
using namespace strata::wsk;

namespace {

bool kind_of(ULONG flags, SocketKind& kind) noexcept {
    switch (flags) {
        case WSK_FLAG_BASIC_SOCKET: kind = SocketKind::Basic; return true;
        case WSK_FLAG_LISTEN_SOCKET: kind = SocketKind::Listen; return true;
        case WSK_FLAG_CONNECTION_SOCKET: kind = SocketKind::Connection; return true;
        case WSK_FLAG_DATAGRAM_SOCKET: kind = SocketKind::Datagram; return true;
    }
    return false;
}

/* WskSocket (wsk.h) — IRQL <= DISPATCH_LEVEL. Irp->IoStatus.Information returns the socket. */
NTSTATUS WSKAPI wsk_socket(PWSK_CLIENT Client, ADDRESS_FAMILY AddressFamily, USHORT SocketType, ULONG Protocol,
                           ULONG Flags, PVOID SocketContext, CONST VOID* Dispatch, PEPROCESS OwningProcess,
                           PETHREAD OwningThread, PSECURITY_DESCRIPTOR SecurityDescriptor, PIRP Irp) {
    (void)OwningProcess;
    (void)OwningThread;
    (void)SecurityDescriptor;
    if (!take_irp(Irp, "WskSocket")) return STATUS_INVALID_PARAMETER;
    class Client* client = client_from(Client, "WskSocket");
    SocketKind kind;
    if (client == nullptr || !kind_of(Flags, kind)) return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    if ((kind == SocketKind::Datagram) != (SocketType == SOCK_DGRAM) && kind != SocketKind::Basic)
        return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    if (!subsystem_ready()) return complete_irp(Irp, STATUS_DEVICE_NOT_READY, 0);
    int fd = io::open_socket(AddressFamily, SocketType, static_cast<int>(Protocol));
    if (fd < 0) return complete_irp(Irp, fd == -EAFNOSUPPORT ? STATUS_INVALID_PARAMETER : status_from_errno(-fd), 0);
    Socket* socket = create_socket(*client, kind, fd, SocketContext, Dispatch);
    return complete_irp(Irp, STATUS_SUCCESS, reinterpret_cast<ULONG_PTR>(socket->handle()));
}

/* WskSocketConnect (wsk.h) — IRQL <= DISPATCH_LEVEL. Creates, binds and connects a connection
 * socket; Irp->IoStatus.Information returns it once connected. */
NTSTATUS WSKAPI wsk_socket_connect(PWSK_CLIENT Client, USHORT SocketType, ULONG Protocol, PSOCKADDR LocalAddress,
                                   PSOCKADDR RemoteAddress, ULONG Flags, PVOID SocketContext,
                                   CONST WSK_CLIENT_CONNECTION_DISPATCH* Dispatch, PEPROCESS OwningProcess,
                                   PETHREAD OwningThread, PSECURITY_DESCRIPTOR SecurityDescriptor, PIRP Irp) {
    (void)Flags;
    (void)OwningProcess;
    (void)OwningThread;
    (void)SecurityDescriptor;
    if (!take_irp(Irp, "WskSocketConnect")) return STATUS_INVALID_PARAMETER;
    class Client* client = client_from(Client, "WskSocketConnect");
    if (client == nullptr || LocalAddress == nullptr || RemoteAddress == nullptr)
        return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    if (!subsystem_ready()) return complete_irp(Irp, STATUS_DEVICE_NOT_READY, 0);
    io::Address local;
    io::Address remote;
    if (!io::from_windows(LocalAddress, local) || !io::from_windows(RemoteAddress, remote) ||
        io::windows_family(LocalAddress) != io::windows_family(RemoteAddress))
        return complete_irp(Irp, STATUS_INVALID_ADDRESS, 0);
    int fd = io::open_socket(io::windows_family(LocalAddress), SocketType, static_cast<int>(Protocol));
    if (fd < 0) return complete_irp(Irp, status_from_errno(-fd), 0);
    int rc = io::bind(fd, local);
    if (rc != 0) {
        io::close(fd);
        return complete_irp(Irp, status_from_errno(-rc), 0);
    }
    Socket* socket = create_socket(*client, SocketKind::Connection, fd, SocketContext, Dispatch);
    socket->bound = true;
    socket->connect_address = remote;
    Request r{Irp};
    r.set_socket(socket);
    r.slot(3) = socket;  // connect_done: the IRP returns the socket
    return run_on_socket(*socket, Irp, start_connect);
}

/* WskControlClient (wsk.h) — IRQL <= DISPATCH_LEVEL (PASSIVE_LEVEL with an IRP). */
NTSTATUS WSKAPI wsk_control_client(PWSK_CLIENT Client, ULONG ControlCode, SIZE_T InputSize, PVOID InputBuffer,
                                   SIZE_T OutputSize, PVOID OutputBuffer, SIZE_T* OutputSizeReturned, PIRP Irp) {
    (void)OutputSize;
    (void)OutputBuffer;
    bool has_irp = Irp != nullptr;
    if (has_irp && !take_irp(Irp, "WskControlClient")) return STATUS_INVALID_PARAMETER;
    auto finish = [&](NTSTATUS status) {
        if (OutputSizeReturned != nullptr) *OutputSizeReturned = 0;
        return has_irp ? complete_irp(Irp, status, 0) : status;
    };
    class Client* client = client_from(Client, "WskControlClient");
    if (client == nullptr) return finish(STATUS_INVALID_PARAMETER);
    if (ControlCode == WSK_SET_STATIC_EVENT_CALLBACKS) {
        if (InputBuffer == nullptr || InputSize < sizeof(WSK_EVENT_CALLBACK_CONTROL)) return finish(STATUS_INVALID_PARAMETER);
        // Documented: only before the client created its first socket.
        if (client->made_a_socket.load(std::memory_order_relaxed)) return finish(STATUS_INVALID_DEVICE_STATE);
        auto* control = static_cast<PWSK_EVENT_CALLBACK_CONTROL>(InputBuffer);
        client->static_events.store(control->EventMask & ~WSK_EVENT_DISABLE, std::memory_order_relaxed);
        return finish(STATUS_SUCCESS);
    }
    return finish(STATUS_NOT_SUPPORTED);
}

}  // namespace

namespace strata::wsk {

const WSK_PROVIDER_DISPATCH kProviderDispatch = {
    kHighestVersion,  0, wsk_socket, wsk_socket_connect, wsk_control_client, get_address_info,
    free_address_info, get_name_info,
};

}  // namespace strata::wsk
