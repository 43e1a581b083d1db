// socket.h — a WSK socket of the provider (issue 5): the WSK_SOCKET the client holds, the Linux
// socket behind it and the ring that serves it. Everything that changes a socket runs on its
// ring's processor thread (a call from another thread is handed over with its IRP), so a socket
// needs no lock; sends, receives and accepts queue their IRPs and the head of each queue is in
// the kernel at a time, which keeps byte order across any number of pending IRPs.
#pragma once

#include <atomic>
#include <cstdint>

#include <wsk.h>

#include "wsk/io.h"
#include "wsk/subsystem.h"

namespace strata::wsk {

class Socket;

enum class SocketKind : std::uint8_t { Basic, Listen, Connection, Datagram };

// A FIFO of IRPs linked through Tail.Overlay.ListEntry (which the provider owns while it holds one).
class IrpQueue {
public:
    IrpQueue() noexcept { InitializeListHead(&head_); }
    IrpQueue(const IrpQueue&) = delete;
    IrpQueue& operator=(const IrpQueue&) = delete;
    bool empty() const noexcept { return head_.Flink == &head_; }
    PIRP front() const noexcept;
    void push_back(PIRP irp) noexcept { InsertTailList(&head_, &irp->Tail.Overlay.ListEntry); }
    PIRP pop_front() noexcept;
    // Completes, with STATUS_CANCELLED, every IRP IoCancelIrp flagged except `in_kernel` (whose
    // operation the caller cancels in the kernel instead). True when `in_kernel` is flagged.
    bool complete_cancelled(PIRP in_kernel) noexcept;
    // Completes, with STATUS_CANCELLED, the flagged IRPs at the head (before one goes to the kernel).
    void complete_cancelled_head() noexcept;

private:
    LIST_ENTRY head_;
};

// One kind of operation of a socket in the kernel (at most one at a time).
class SocketOperation final : public Completion {
public:
    using Done = void (*)(Socket&, int result, unsigned flags);
    SocketOperation(Socket& socket, Done done) noexcept : socket_(socket), done_(done) {}
    bool busy = false;
    void complete(int result, unsigned flags) noexcept override;

private:
    Socket& socket_;
    Done done_;
};

// A provider-owned receive buffer indicated to WskReceiveEvent/WskReceiveFromEvent; back on its
// ring's free list once the client returned or released it.
struct Indication {
    WSK_DATA_INDICATION data{};
    WSK_DATAGRAM_INDICATION datagram{};
    MDL mdl{};
    Socket* socket = nullptr;
    Indication* next_free = nullptr;
    Posted release{};
    SOCKADDR_STORAGE source_windows{};
    std::uint8_t* bytes = nullptr;
    std::uint32_t capacity = 0;
};

inline constexpr unsigned kMaxIov = 64;

class Socket {
public:
    WSK_SOCKET wsk{};  // first: the client's PWSK_SOCKET is this object's address

    Socket(Client& client, Ring& ring, SocketKind kind, int fd, PVOID context, const void* client_dispatch) noexcept;
    ~Socket();
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;

    static Socket* from(PWSK_SOCKET socket) noexcept { return reinterpret_cast<Socket*>(socket); }
    PWSK_SOCKET handle() noexcept { return &wsk; }

    Client& client;
    Ring& ring;
    const SocketKind kind;
    int fd;
    PVOID context;
    const void* client_dispatch;
    std::atomic<ULONG> events{0};  // WSK_EVENT_* enabled (SO_WSK_EVENT_CALLBACK)
    std::atomic<int> references{1};
    bool bound = false;
    bool listening = false;
    bool connected = false;
    bool closing = false;
    bool send_shut = false;     // a graceful disconnect went out
    bool receive_ended = false; // the peer's FIN (or a reset) was seen
    bool in_event = false;      // an event callback is running (close waits for it)
    bool pumping_sends = false; // pump_sends is running (a send completed inline re-enters it)

    IrpQueue sends;
    IrpQueue receives;
    IrpQueue accepts;
    PIRP close_irp = nullptr;
    PIRP connect_irp = nullptr;
    PIRP disconnect_irp = nullptr;

    SocketOperation send_op;
    SocketOperation receive_op;
    SocketOperation accept_op;
    SocketOperation connect_op;
    SocketOperation watch_op;     // readiness for receive events
    io::Message send_message;
    io::Message receive_message;
    iovec send_iov[kMaxIov]{};
    iovec receive_iov[kMaxIov]{};
    io::Address send_address;     // datagram destination
    io::Address receive_address;  // datagram source
    io::Address accept_address;
    io::Address connect_address;
    Indication* event_buffer = nullptr;  // receiving for a receive event
    Indication* held = nullptr;          // data a receive event did not take, for WskReceive
    std::uint32_t held_offset = 0;
    std::uint32_t held_length = 0;
    // Work handed to the socket's processor from another thread. One node per kind of work:
    // while it is queued, later requests ride on it (the processor reads the socket's state when
    // it runs). `events` carries events_changed, `start` an accepted socket's start, `cancels`
    // IoCancelIrp of the socket's waiting IRPs.
    struct Handover {
        Posted posted;
        Socket* socket;
        std::atomic<bool> queued{false};
    };
    Handover events_posted{{}, this};
    Handover start_posted{{}, this};
    Handover cancels_posted{{}, this};

    // Queues `run` on the socket's processor through `node` unless it is queued already; `run`
    // gets a reference, and handed_over() frees the node.
    void hand_over(Handover& node, void (*run)(Posted&)) noexcept;
    static Socket& handed_over(Posted& posted) noexcept;

    // Conditional accept (SO_CONDITIONAL_ACCEPT) of a listening socket: connection requests the
    // client's WskInspectEvent pended, and requests it accepted that wait for WskAccept.
    bool conditional_accept = false;
    LIST_ENTRY inspections;  // Inspection::link (inspect.cpp)
    LIST_ENTRY inspected;    // accepted requests waiting for a WskAccept IRP
    unsigned inspections_watched = 0;  // pending requests with a hang-up watch in the kernel
    ULONG inspect_serial = 0;

    void add_reference() noexcept { references.fetch_add(1, std::memory_order_relaxed); }
    void release_reference() noexcept;
};

// WskRelease's common part: hands each indication of a list back on the socket's processor.
void release_indications(Socket& socket, Indication* first, Indication* (*next)(Indication&)) noexcept;

// ---- the provider's hold on a client's IRP -------------------------------------------------
// The stack location the client prepared (IoSetCompletionRoutine on the next location) becomes
// current; false (reported) when the IRP has none left.
bool take_irp(PIRP irp, const char* function) noexcept;
// Completes a taken IRP: Status and Information, then IoCompleteRequest (completion routines;
// the IRP may be gone afterwards). Returns `status`. A cancelable IRP stops being one first.
NTSTATUS complete_irp(PIRP irp, NTSTATUS status, ULONG_PTR information) noexcept;
// Lets IoCancelIrp reach an IRP the provider keeps waiting on `socket` (true), or completes it
// with STATUS_CANCELLED when it was cancelled before the provider got it (false). The socket's
// processor then completes it (IrpQueue::complete_cancelled, or its operation's cancellation).
bool hold_cancelable(PIRP irp) noexcept;
NTSTATUS status_from_errno(int error) noexcept;

// The socket and the request's parameters, kept in the provider's stack location and the IRP's
// DriverContext while the provider holds it.
struct Request {
    PIRP irp;
    PIO_STACK_LOCATION location() const noexcept { return IoGetCurrentIrpStackLocation(irp); }
    Socket* socket() const noexcept { return static_cast<Socket*>(location()->Parameters.Others.Argument1); }
    void set_socket(Socket* s) const noexcept { location()->Parameters.Others.Argument1 = s; }
    PVOID& slot(unsigned i) const noexcept { return irp->Tail.Overlay.DriverContext[i]; }
    PVOID& argument(unsigned i) const noexcept;  // Argument2..Argument4 as 0..2
};

// Runs `work(socket, irp)` on the socket's processor: at once when the caller is that processor,
// else after handing the IRP over (the return value is then STATUS_PENDING). `work` returns the
// status it completed the IRP with, or STATUS_PENDING while the provider still holds it.
using SocketWork = NTSTATUS (*)(Socket&, PIRP);
NTSTATUS run_on_socket(Socket& socket, PIRP irp, SocketWork work) noexcept;

// Stores a WSK_BUF in a taken IRP (Argument2..4) and reads it back as iovecs from `done` bytes on.
void store_buffer(const Request& request, const WSK_BUF* buffer) noexcept;
unsigned buffer_iov(const Request& request, SIZE_T done, iovec* iov, unsigned max) noexcept;
SIZE_T buffer_length(const Request& request) noexcept;

// The socket behind a client's PWSK_SOCKET; null (reported) when it is NULL.
Socket* socket_from(PWSK_SOCKET handle, const char* function) noexcept;

// Completes every IRP in `queue` with `status`.
void fail_all(IrpQueue& queue, NTSTATUS status) noexcept;

// Socket creation for WskSocket/WskSocketConnect and accepted connections; the client's count.
Socket* create_socket(Client& client, SocketKind kind, int fd, PVOID context, const void* dispatch) noexcept;

// ---- per-kind operations (stream.cpp, listen.cpp, datagram.cpp, control.cpp) ----------------
extern const WSK_PROVIDER_BASIC_DISPATCH kBasicDispatch;
extern const WSK_PROVIDER_LISTEN_DISPATCH kListenDispatch;
extern const WSK_PROVIDER_CONNECTION_DISPATCH kConnectionDispatch;
extern const WSK_PROVIDER_DATAGRAM_DISPATCH kDatagramDispatch;

NTSTATUS WSKAPI control_socket(PWSK_SOCKET Socket, WSK_CONTROL_SOCKET_TYPE RequestType, ULONG ControlCode,
                               ULONG Level, SIZE_T InputSize, PVOID InputBuffer, SIZE_T OutputSize,
                               PVOID OutputBuffer, SIZE_T* OutputSizeReturned, PIRP Irp);
NTSTATUS WSKAPI close_socket(PWSK_SOCKET Socket, PIRP Irp);
NTSTATUS WSKAPI get_local_address(PWSK_SOCKET Socket, PSOCKADDR LocalAddress, PIRP Irp);
NTSTATUS WSKAPI bind_socket(PWSK_SOCKET Socket, PSOCKADDR LocalAddress, ULONG Flags, PIRP Irp);
NTSTATUS WSKAPI get_address_info(PWSK_CLIENT Client, PUNICODE_STRING NodeName, PUNICODE_STRING ServiceName,
                                 ULONG NameSpace, GUID* Provider, PADDRINFOEXW Hints, PADDRINFOEXW* Result,
                                 PEPROCESS OwningProcess, PETHREAD OwningThread, PIRP Irp);
VOID WSKAPI free_address_info(PWSK_CLIENT Client, PADDRINFOEXW AddrInfo);
NTSTATUS WSKAPI get_name_info(PWSK_CLIENT Client, PSOCKADDR SockAddr, ULONG SockAddrLength, PUNICODE_STRING NodeName,
                              PUNICODE_STRING ServiceName, ULONG Flags, PEPROCESS OwningProcess,
                              PETHREAD OwningThread, PIRP Irp);
NTSTATUS WSKAPI inspect_complete(PWSK_SOCKET ListenSocket, PWSK_INSPECT_ID InspectID, WSK_INSPECT_ACTION Action,
                                 PIRP Irp);

// Completions of the socket's kernel operations.
void send_done(Socket& socket, int result, unsigned flags);
void receive_done(Socket& socket, int result, unsigned flags);
void accept_done(Socket& socket, int result, unsigned flags);
void connect_done(Socket& socket, int result, unsigned flags);
void watch_done(Socket& socket, int result, unsigned flags);

// Event callbacks the socket's kind may enable, and what enabling one starts.
void events_changed(Socket& socket) noexcept;
// A connection is up (connected or accepted): its send backlog event, then its receives.
void connected_now(Socket& socket) noexcept;

// WskConnect's and WskSocketConnect's request on the socket's processor.
NTSTATUS start_connect(Socket& socket, PIRP irp);

// Send and receive requests on the socket's processor (stream.cpp; datagram sockets share them).
NTSTATUS queue_send(Socket& socket, PIRP irp);
NTSTATUS queue_receive(Socket& socket, PIRP irp);

// Stream and datagram receive machinery: more data may be wanted (a receive IRP or an event).
void pump_receives(Socket& socket) noexcept;
void pump_sends(Socket& socket) noexcept;
void pump_accepts(Socket& socket) noexcept;
// Close: cancels and completes every pending IRP, then the close IRP once the kernel let go.
void finish_close_if_idle(Socket& socket) noexcept;

// A connection the listening socket accepted in the kernel: inspected first when the socket is in
// conditional-accept mode (inspect.cpp), then delivered (listen.cpp).
void inspect_or_deliver(Socket& listener, int fd, const io::Address& remote) noexcept;
// Hands the connection to a WskAccept IRP or WskAcceptEvent (which may refuse it: it is reset);
// false, leaving `fd` alone, when there is neither.
bool deliver_accepted(Socket& listener, int fd, const io::Address& remote) noexcept;
// Inspected and accepted connections waiting for a WskAccept IRP (or the accept event) get them.
void deliver_inspected(Socket& listener) noexcept;
// WskCloseSocket of a listening socket: pending and waiting connection requests are reset.
void drop_inspections(Socket& listener) noexcept;

// Indication buffers of a ring (processor thread only).
Indication* take_indication() noexcept;
void give_back_indication(Indication& indication) noexcept;
// Points the indication's MDL at `length` bytes of its buffer from `offset` on.
void describe_indication(Indication& indication, std::uint32_t offset, std::uint32_t length) noexcept;

}  // namespace strata::wsk
