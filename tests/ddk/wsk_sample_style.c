/* wsk_sample_style.c — a WSK TCP echo server written the way Microsoft's WSK sample drivers are written
 * (from the WSK documentation, not copied from any sample), so Ddk.WskSampleStyle_{gcc,clang} prove
 * that our headers and libstrata take that style of source unchanged and run it (issue 5, item 5).
 * The test (tests/ddk/wsk_sample.sh) builds it like an out-of-tree driver, free and checked:
 *
 *   cmake -DOUTPUT_DIR=wpp -DSOURCES=wsk_sample_style.c -P StrataWpp.cmake
 *   cc -std=gnu11 -Wall -Wextra -Werror -Iwpp wsk_sample_style.c $(pkg-config --cflags --libs strata-ddk) \
 *      -shared -fPIC -Wl,--no-undefined -o wssecho.sys
 *
 * then `strata sc create wssecho --binary wssecho.sys`, `sc start`: it echoes on port 40017 over
 * IPv4 and IPv6 until `sc stop` (which waits until the peers have disconnected).
 *
 * What it exercises: MSVC pragmas before <ntddk.h>; POOL_ZERO_DOWN_LEVEL_SUPPORT and
 * ExInitializeDriverRuntime(DrvRtPoolNxOptIn); WPP tracing (WPP_CONTROL_GUIDS, the .tmh,
 * DoTraceMessage with %p, %Iu and 0x%lx); SAL 2 and __drv annotations on declarations and
 * _Use_decl_annotations_ definitions; role-type declarations (DRIVER_INITIALIZE, DRIVER_UNLOAD,
 * KSTART_ROUTINE, IO_COMPLETION_ROUTINE) and #pragma alloc_text under ALLOC_PRAGMA; one system
 * thread draining an SLIST work queue that completion routines and event callbacks feed
 * (PsCreateSystemThread, ObReferenceObjectByHandle with a PETHREAD *, KeWaitForSingleObject on the
 * thread at unload); IRPs the driver allocates once and reuses (IoAllocateIrp, IoReuseIrp,
 * IoSetCompletionRoutine returning STATUS_MORE_PROCESSING_REQUIRED); MDLs over nonpaged pool
 * (IoAllocateMdl, MmBuildMdlForNonPagedPool); the three pool allocators with tags; and WSK:
 * WskRegister, WskCaptureProviderNPI(WSK_INFINITE_WAIT), WSK_SET_STATIC_EVENT_CALLBACKS, a listening
 * socket on the IPv6 wildcard with IPV6_V6ONLY off, WskBind, WskGetLocalAddress, the accept event,
 * per-connection WskReceive / WskSend / WskDisconnect / WskCloseSocket, WskReleaseProviderNPI and
 * WskDeregister. */
#pragma warning(push)
#pragma warning(disable:4201) /* nameless struct/union */
#pragma warning(disable:4214) /* bit fields other than int */

#define POOL_ZERO_DOWN_LEVEL_SUPPORT

#include <ntddk.h>
#include <wsk.h>

#pragma warning(pop)

#define WPP_CONTROL_GUIDS \
    WPP_DEFINE_CONTROL_GUID(WssTraceGuid, \
        (6c1a9f3e, 52b0, 4d8e, 9a41, 7f02c3d5e8b1), \
        WPP_DEFINE_BIT(WSS_ERROR) \
        WPP_DEFINE_BIT(WSS_FLOW) )

#include "wsk_sample_style.tmh"

#define WSS_TAG_CONNECTION ((ULONG)'cSsW')
#define WSS_TAG_DATA       ((ULONG)'dSsW')
#define WSS_TAG_LISTENER   ((ULONG)'lSsW')

#define WSS_PORT 40017
/* sin6_port is in network byte order; the initializer below needs a constant expression. */
#define WSS_NET_PORT ((USHORT)(((WSS_PORT) >> 8) | (((WSS_PORT) & 0xff) << 8)))

#define WSS_DATA_SIZE 4096
/* Requests a socket can have outstanding at once: two receives keep data flowing while one echoes. */
#define WSS_REQUESTS 2

typedef struct _WSS_QUEUE WSS_QUEUE, *PWSS_QUEUE;
typedef struct _WSS_SOCKET WSS_SOCKET, *PWSS_SOCKET;
typedef struct _WSS_REQUEST WSS_REQUEST, *PWSS_REQUEST;

/* One step of a request, run by the worker thread at PASSIVE_LEVEL. */
typedef
_IRQL_requires_(PASSIVE_LEVEL)
VOID
WSS_STEP(
    _In_ PWSS_REQUEST Request
    );
typedef WSS_STEP *PWSS_STEP;

/* The work queue: completion routines and the accept callback push, the worker thread drains. */
struct _WSS_QUEUE {
    SLIST_HEADER Pending;
    KEVENT Wake;
    BOOLEAN Stopping;     /* the worker ends once this is set and Pending is empty */
    PETHREAD Worker;
};

/* A request: its queue linkage, the step it runs next, its own IRP and (on connections) its data. */
struct _WSS_REQUEST {
    SLIST_ENTRY Link;
    PWSS_STEP Step;
    PWSS_SOCKET Owner;
    PIRP Irp;
    _Field_size_bytes_part_(Capacity, Filled) PUCHAR Data;
    PMDL Mdl;
    SIZE_T Capacity;
    SIZE_T Filled;
};

/* A listening or accepted socket and its requests. Only the worker changes the flags. */
struct _WSS_SOCKET {
    PWSK_SOCKET Socket;
    PWSS_QUEUE Queue;
    BOOLEAN Listener;
    BOOLEAN Unloading;    /* listener: the driver is unloading, do not listen again */
    BOOLEAN PeerDone;     /* connection: the peer sent FIN, our disconnect is issued */
    BOOLEAN Closing;      /* WskCloseSocket is issued; no call may follow */
    WSS_REQUEST Request[WSS_REQUESTS];
};

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD WssUnload;
KSTART_ROUTINE WssWorker;
IO_COMPLETION_ROUTINE WssSignalCompletion;
IO_COMPLETION_ROUTINE WssReceiveCompletion;
IO_COMPLETION_ROUTINE WssSendCompletion;
IO_COMPLETION_ROUTINE WssDisconnectCompletion;
IO_COMPLETION_ROUTINE WssCloseCompletion;
WSS_STEP WssListen;
WSS_STEP WssStopListening;
WSS_STEP WssReceive;
WSS_STEP WssSend;
WSS_STEP WssDisconnect;
WSS_STEP WssClose;
WSS_STEP WssFree;

_Must_inspect_result_
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS
WssStartQueue(
    _Out_ PWSS_QUEUE Queue
    );

_IRQL_requires_(PASSIVE_LEVEL)
VOID
WssStopQueue(
    _Inout_ PWSS_QUEUE Queue
    );

_Must_inspect_result_
__drv_allocatesMem(Mem)
_Success_(return != NULL)
_IRQL_requires_max_(DISPATCH_LEVEL)
PWSS_SOCKET
WssAllocateSocket(
    _In_ PWSS_QUEUE Queue,
    _In_ BOOLEAN Listener
    );

_At_(Socket, __drv_freesMem(Mem))
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID
WssFreeSocket(
    _In_ PWSS_SOCKET Socket
    );

_At_(Request, __drv_aliasesMem)
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID
WssQueue(
    _In_ PWSS_REQUEST Request,
    _In_ PWSS_STEP Step
    );

_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS
WssCallAndWait(
    _In_ PIRP Irp,
    _In_ PKEVENT Done,
    _In_ NTSTATUS Status
    );

_Must_inspect_result_
NTSTATUS
WSKAPI
WssAcceptEvent(
    _In_opt_ PVOID SocketContext,
    _In_ ULONG Flags,
    _In_ PSOCKADDR LocalAddress,
    _In_ PSOCKADDR RemoteAddress,
    _In_opt_ PWSK_SOCKET AcceptSocket,
    _Outptr_result_maybenull_ PVOID *AcceptSocketContext,
    _Outptr_result_maybenull_ CONST WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch
    );

#ifdef ALLOC_PRAGMA
#pragma alloc_text(INIT, DriverEntry)
#pragma alloc_text(INIT, WssStartQueue)
#pragma alloc_text(PAGE, WssUnload)
#pragma alloc_text(PAGE, WssStopQueue)
#pragma alloc_text(PAGE, WssWorker)
#pragma alloc_text(PAGE, WssListen)
#pragma alloc_text(PAGE, WssStopListening)
#pragma alloc_text(PAGE, WssReceive)
#pragma alloc_text(PAGE, WssSend)
#pragma alloc_text(PAGE, WssDisconnect)
#pragma alloc_text(PAGE, WssClose)
#pragma alloc_text(PAGE, WssFree)
#endif

/* WSK 1.0 is all this driver needs; it has no client-level event. */
static const WSK_CLIENT_DISPATCH WssClientDispatch = {
    MAKE_WSK_VERSION(1, 0),
    0,
    NULL
};

static const WSK_CLIENT_LISTEN_DISPATCH WssListenDispatch = {
    WssAcceptEvent,
    NULL,   /* no conditional accept */
    NULL
};

static WSK_REGISTRATION WssRegistration;
static WSS_QUEUE WssWorkQueue;
static PWSS_SOCKET WssListener;

/* Any IPv6 address (and, with IPV6_V6ONLY off, any IPv4 address), port WSS_PORT. */
static SOCKADDR_IN6 WssListenAddress = { AF_INET6, WSS_NET_PORT, 0, IN6ADDR_ANY_INIT, 0 };

_Use_decl_annotations_
NTSTATUS
DriverEntry(
    PDRIVER_OBJECT DriverObject,
    PUNICODE_STRING RegistryPath
    )
{
    NTSTATUS status;
    WSK_CLIENT_NPI client;

    PAGED_CODE();

    ExInitializeDriverRuntime(DrvRtPoolNxOptIn);
    WPP_INIT_TRACING(DriverObject, RegistryPath);

    WssListener = WssAllocateSocket(&WssWorkQueue, TRUE);
    if (WssListener == NULL) {
        WPP_CLEANUP(DriverObject);
        return STATUS_INSUFFICIENT_RESOURCES;
    }

    client.ClientContext = NULL;
    client.Dispatch = &WssClientDispatch;
    status = WskRegister(&client, &WssRegistration);
    if (!NT_SUCCESS(status)) {
        DoTraceMessage(WSS_ERROR, "WskRegister failed 0x%lx", status);
        WssFreeSocket(WssListener);
        WPP_CLEANUP(DriverObject);
        return status;
    }

    status = WssStartQueue(&WssWorkQueue);
    if (!NT_SUCCESS(status)) {
        WskDeregister(&WssRegistration);
        WssFreeSocket(WssListener);
        WPP_CLEANUP(DriverObject);
        return status;
    }

    /* The provider may not be ready yet: the worker waits for it, DriverEntry does not. */
    WssQueue(&WssListener->Request[0], WssListen);

    DriverObject->DriverUnload = WssUnload;
    DoTraceMessage(WSS_FLOW, "loaded, port %u", WSS_PORT);
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID
WssUnload(
    PDRIVER_OBJECT DriverObject
    )
{
    C_ASSERT(WSS_REQUESTS >= 2);   /* Request[1] of the listener is kept for this */

    PAGED_CODE();

    DoTraceMessage(WSS_FLOW, "unloading");

    WssQueue(&WssListener->Request[1], WssStopListening);

    /* Returns once every socket is closed: connections end when their peers disconnect. */
    WskDeregister(&WssRegistration);

    WssStopQueue(&WssWorkQueue);

    DoTraceMessage(WSS_FLOW, "unloaded");
    WPP_CLEANUP(DriverObject);
}

_Use_decl_annotations_
NTSTATUS
WssStartQueue(
    PWSS_QUEUE Queue
    )
{
    NTSTATUS status;
    HANDLE thread;

    PAGED_CODE();

    InitializeSListHead(&Queue->Pending);
    KeInitializeEvent(&Queue->Wake, SynchronizationEvent, FALSE);
    Queue->Stopping = FALSE;
    Queue->Worker = NULL;

    status = PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, NULL, NULL, NULL, WssWorker, Queue);
    if (!NT_SUCCESS(status)) {
        DoTraceMessage(WSS_ERROR, "PsCreateSystemThread failed 0x%lx", status);
        return status;
    }

    status = ObReferenceObjectByHandle(thread, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, &Queue->Worker, NULL);
    ZwClose(thread);
    if (!NT_SUCCESS(status)) {
        /* Without the object the thread cannot be waited for: let it end on its own. */
        Queue->Stopping = TRUE;
        KeSetEvent(&Queue->Wake, IO_NO_INCREMENT, FALSE);
    }
    return status;
}

_Use_decl_annotations_
VOID
WssStopQueue(
    PWSS_QUEUE Queue
    )
{
    PAGED_CODE();

    ASSERT(Queue->Worker != NULL);
    Queue->Stopping = TRUE;
    KeSetEvent(&Queue->Wake, IO_NO_INCREMENT, FALSE);
    KeWaitForSingleObject(Queue->Worker, Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(Queue->Worker);
    Queue->Worker = NULL;
}

_Use_decl_annotations_
PWSS_SOCKET
WssAllocateSocket(
    PWSS_QUEUE Queue,
    BOOLEAN Listener
    )
{
    PWSS_SOCKET socket;
    ULONG i;

    /* A listener's requests need no data; a connection's carry WSS_DATA_SIZE bytes each. */
    if (Listener) {
        socket = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*socket), WSS_TAG_LISTENER);
        if (socket != NULL)
            RtlZeroMemory(socket, sizeof(*socket));
    } else {
        socket = ExAllocatePoolZero(NonPagedPoolNx, sizeof(*socket), WSS_TAG_CONNECTION);
    }
    if (socket == NULL)
        return NULL;

    socket->Queue = Queue;
    socket->Listener = Listener;
    for (i = 0; i < WSS_REQUESTS; i++) {
        PWSS_REQUEST request = &socket->Request[i];

        request->Owner = socket;
        request->Irp = IoAllocateIrp(1, FALSE);
        if (request->Irp == NULL)
            goto failed;
        if (Listener)
            continue;

        request->Data = (i % 2 == 0)
            ? ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_UNINITIALIZED, WSS_DATA_SIZE, WSS_TAG_DATA)
            : ExAllocatePoolUninitialized(NonPagedPoolNx, WSS_DATA_SIZE, WSS_TAG_DATA);
        if (request->Data == NULL)
            goto failed;
        request->Mdl = IoAllocateMdl(request->Data, WSS_DATA_SIZE, FALSE, FALSE, NULL);
        if (request->Mdl == NULL)
            goto failed;
        MmBuildMdlForNonPagedPool(request->Mdl);
        request->Capacity = WSS_DATA_SIZE;
    }
    DoTraceMessage(WSS_FLOW, "socket context %p (%s)", socket, Listener ? "listener" : "connection");
    return socket;

failed:
    DoTraceMessage(WSS_ERROR, "out of memory for socket context %p", socket);
    WssFreeSocket(socket);
    return NULL;
}

_Use_decl_annotations_
VOID
WssFreeSocket(
    PWSS_SOCKET Socket
    )
{
    ULONG i;

    for (i = 0; i < WSS_REQUESTS; i++) {
        PWSS_REQUEST request = &Socket->Request[i];

        if (request->Mdl != NULL)
            IoFreeMdl(request->Mdl);
        if (request->Data != NULL)
            ExFreePoolWithTag(request->Data, WSS_TAG_DATA);
        if (request->Irp != NULL)
            IoFreeIrp(request->Irp);
    }
    DoTraceMessage(WSS_FLOW, "socket context %p freed", Socket);
    ExFreePool(Socket);
}

_Use_decl_annotations_
VOID
WssQueue(
    PWSS_REQUEST Request,
    PWSS_STEP Step
    )
{
    PWSS_QUEUE queue = Request->Owner->Queue;

    Request->Step = Step;
    /* Only the push onto an empty list has to wake the worker: otherwise it has not drained yet. */
    if (InterlockedPushEntrySList(&queue->Pending, &Request->Link) == NULL)
        KeSetEvent(&queue->Wake, IO_NO_INCREMENT, FALSE);
}

_Use_decl_annotations_
VOID
WssWorker(
    PVOID StartContext
    )
{
    PWSS_QUEUE queue = (PWSS_QUEUE)StartContext;

    PAGED_CODE();

    for (;;) {
        PSLIST_ENTRY newestFirst = InterlockedFlushSList(&queue->Pending);
        PSLIST_ENTRY oldestFirst = NULL;

        if (newestFirst == NULL) {
            if (queue->Stopping)
                break;
            KeWaitForSingleObject(&queue->Wake, Executive, KernelMode, FALSE, NULL);
            continue;
        }

        /* The SLIST is LIFO; a socket's steps must run in the order they were queued. */
        while (newestFirst != NULL) {
            PSLIST_ENTRY entry = newestFirst;
            newestFirst = entry->Next;
            entry->Next = oldestFirst;
            oldestFirst = entry;
        }
        while (oldestFirst != NULL) {
            PWSS_REQUEST request = CONTAINING_RECORD(oldestFirst, WSS_REQUEST, Link);
            oldestFirst = oldestFirst->Next;    /* the step may queue the request again */
            request->Step(request);
        }
    }

    DoTraceMessage(WSS_FLOW, "worker %p ends", PsGetCurrentThread());
    PsTerminateSystemThread(STATUS_SUCCESS);
}

/* Completion routine of the calls the worker makes synchronously. */
_Use_decl_annotations_
NTSTATUS
WssSignalCompletion(
    PDEVICE_OBJECT DeviceObject,
    PIRP Irp,
    PVOID Context
    )
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    _Analysis_assume_(Context != NULL);

    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;   /* the IRP is ours: the worker reuses it */
}

/* The call was made with WssSignalCompletion on Irp; waits if it pended. */
_Use_decl_annotations_
NTSTATUS
WssCallAndWait(
    PIRP Irp,
    PKEVENT Done,
    NTSTATUS Status
    )
{
    if (Status == STATUS_PENDING)
        KeWaitForSingleObject(Done, Executive, KernelMode, FALSE, NULL);
    return Irp->IoStatus.Status;
}

/* Creates the dual-stack listening socket (again, after the provider reported it unusable). */
_Use_decl_annotations_
VOID
WssListen(
    PWSS_REQUEST Request
    )
{
    PWSS_SOCKET listener = Request->Owner;
    PIRP irp = Request->Irp;
    WSK_PROVIDER_NPI provider;
    WSK_EVENT_CALLBACK_CONTROL events;
    CONST WSK_PROVIDER_LISTEN_DISPATCH *dispatch;
    PWSK_SOCKET socket;
    SOCKADDR_IN6 bound;
    KEVENT done;
    ULONG v6Only = 0;
    NTSTATUS status;

    PAGED_CODE();

    if (listener->Unloading)
        return;

    status = WskCaptureProviderNPI(&WssRegistration, WSK_INFINITE_WAIT, &provider);
    if (!NT_SUCCESS(status)) {
        /* WskDeregister ran before the provider was ready. */
        DoTraceMessage(WSS_ERROR, "WskCaptureProviderNPI failed 0x%lx", status);
        return;
    }

    KeInitializeEvent(&done, SynchronizationEvent, FALSE);

    if (listener->Socket != NULL) {
        IoReuseIrp(irp, STATUS_UNSUCCESSFUL);
        IoSetCompletionRoutine(irp, WssSignalCompletion, &done, TRUE, TRUE, TRUE);
        dispatch = listener->Socket->Dispatch;
        (VOID)WssCallAndWait(irp, &done, dispatch->WskCloseSocket(listener->Socket, irp));
        listener->Socket = NULL;
    } else {
        /* Every listening socket of this client gets the accept event from the start. */
        events.NpiId = (PNPIID)&NPI_WSK_INTERFACE_ID;
        events.EventMask = WSK_EVENT_ACCEPT;
        status = provider.Dispatch->WskControlClient(provider.Client, WSK_SET_STATIC_EVENT_CALLBACKS,
            sizeof(events), &events, 0, NULL, NULL, NULL);
        if (!NT_SUCCESS(status)) {
            DoTraceMessage(WSS_ERROR, "WSK_SET_STATIC_EVENT_CALLBACKS failed 0x%lx", status);
            goto release;
        }
    }

    IoReuseIrp(irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(irp, WssSignalCompletion, &done, TRUE, TRUE, TRUE);
    status = WssCallAndWait(irp, &done, provider.Dispatch->WskSocket(provider.Client, AF_INET6, SOCK_STREAM,
        IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET, listener, &WssListenDispatch, NULL, NULL, NULL, irp));
    if (!NT_SUCCESS(status)) {
        DoTraceMessage(WSS_ERROR, "WskSocket failed 0x%lx", status);
        goto release;
    }
    socket = (PWSK_SOCKET)irp->IoStatus.Information;
    dispatch = socket->Dispatch;

    IoReuseIrp(irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(irp, WssSignalCompletion, &done, TRUE, TRUE, TRUE);
    status = WssCallAndWait(irp, &done, dispatch->WskControlSocket(socket, WskSetOption, IPV6_V6ONLY,
        IPPROTO_IPV6, sizeof(v6Only), &v6Only, 0, NULL, NULL, irp));

    if (NT_SUCCESS(status)) {
        IoReuseIrp(irp, STATUS_UNSUCCESSFUL);
        IoSetCompletionRoutine(irp, WssSignalCompletion, &done, TRUE, TRUE, TRUE);
        status = WssCallAndWait(irp, &done, dispatch->WskBind(socket, (PSOCKADDR)&WssListenAddress, 0, irp));
    }
    if (NT_SUCCESS(status)) {
        IoReuseIrp(irp, STATUS_UNSUCCESSFUL);
        IoSetCompletionRoutine(irp, WssSignalCompletion, &done, TRUE, TRUE, TRUE);
        status = WssCallAndWait(irp, &done, dispatch->WskGetLocalAddress(socket, (PSOCKADDR)&bound, irp));
    }
    if (!NT_SUCCESS(status)) {
        DoTraceMessage(WSS_ERROR, "setting up the listening socket failed 0x%lx", status);
        IoReuseIrp(irp, STATUS_UNSUCCESSFUL);
        IoSetCompletionRoutine(irp, WssSignalCompletion, &done, TRUE, TRUE, TRUE);
        (VOID)WssCallAndWait(irp, &done, dispatch->WskCloseSocket(socket, irp));
        goto release;
    }

    listener->Socket = socket;
    DoTraceMessage(WSS_FLOW, "listening on port %u (%s)", (bound.sin6_port >> 8) | ((bound.sin6_port & 0xff) << 8),
        IN6ADDR_ISANY(&bound) ? "any address" : "one address");

release:
    WskReleaseProviderNPI(&WssRegistration);
}

_Use_decl_annotations_
VOID
WssStopListening(
    PWSS_REQUEST Request
    )
{
    PWSS_SOCKET listener = Request->Owner;

    PAGED_CODE();

    listener->Unloading = TRUE;
    WssQueue(Request, listener->Socket != NULL ? WssClose : WssFree);
}

/* DISPATCH_LEVEL or below, on a provider thread: hands the new connection to the worker. */
_Use_decl_annotations_
NTSTATUS
WSKAPI
WssAcceptEvent(
    PVOID SocketContext,
    ULONG Flags,
    PSOCKADDR LocalAddress,
    PSOCKADDR RemoteAddress,
    PWSK_SOCKET AcceptSocket,
    PVOID *AcceptSocketContext,
    CONST WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch
    )
{
    PWSS_SOCKET listener = (PWSS_SOCKET)SocketContext;
    PWSS_SOCKET connection;
    ULONG i;

    UNREFERENCED_PARAMETER(Flags);
    UNREFERENCED_PARAMETER(LocalAddress);
    _Analysis_assume_(listener != NULL);

    if (AcceptSocket == NULL) {
        /* The listening socket stopped working (reported once): listen again from the worker. */
        WssQueue(&listener->Request[0], WssListen);
        return STATUS_REQUEST_NOT_ACCEPTED;
    }

    connection = WssAllocateSocket(listener->Queue, FALSE);
    if (connection == NULL)
        return STATUS_REQUEST_NOT_ACCEPTED;
    connection->Socket = AcceptSocket;
    DoTraceMessage(WSS_FLOW, "connection %p from family %u", connection, RemoteAddress->sa_family);

    for (i = 0; i < WSS_REQUESTS; i++)
        WssQueue(&connection->Request[i], WssReceive);

    /* No callbacks on the connection: it is driven by requests alone. */
    *AcceptSocketContext = NULL;
    *AcceptSocketDispatch = NULL;
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
VOID
WssReceive(
    PWSS_REQUEST Request
    )
{
    PWSS_SOCKET connection = Request->Owner;
    CONST WSK_PROVIDER_CONNECTION_DISPATCH *dispatch;
    WSK_BUF buffer;

    PAGED_CODE();

    if (connection->Closing || connection->PeerDone)
        return;   /* this request retires */

    buffer.Mdl = Request->Mdl;
    buffer.Offset = 0;
    buffer.Length = Request->Capacity;

    IoReuseIrp(Request->Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Request->Irp, WssReceiveCompletion, Request, TRUE, TRUE, TRUE);
    dispatch = connection->Socket->Dispatch;
    (VOID)dispatch->WskReceive(connection->Socket, &buffer, 0, Request->Irp);
}

_Use_decl_annotations_
NTSTATUS
WssReceiveCompletion(
    PDEVICE_OBJECT DeviceObject,
    PIRP Irp,
    PVOID Context
    )
{
    PWSS_REQUEST request = (PWSS_REQUEST)Context;

    UNREFERENCED_PARAMETER(DeviceObject);
    _Analysis_assume_(request != NULL);

    DoTraceMessage(WSS_FLOW, "receive %p: 0x%lx, %Iu bytes", request, Irp->IoStatus.Status, Irp->IoStatus.Information);
    if (!NT_SUCCESS(Irp->IoStatus.Status)) {
        WssQueue(request, WssClose);
    } else if (Irp->IoStatus.Information == 0) {
        WssQueue(request, WssDisconnect);    /* the peer's FIN */
    } else {
        request->Filled = Irp->IoStatus.Information;
        WssQueue(request, WssSend);
    }
    return STATUS_MORE_PROCESSING_REQUIRED;
}

_Use_decl_annotations_
VOID
WssSend(
    PWSS_REQUEST Request
    )
{
    PWSS_SOCKET connection = Request->Owner;
    CONST WSK_PROVIDER_CONNECTION_DISPATCH *dispatch;
    WSK_BUF buffer;

    PAGED_CODE();

    if (connection->Closing || connection->PeerDone)
        return;

    buffer.Mdl = Request->Mdl;
    buffer.Offset = 0;
    buffer.Length = Request->Filled;

    IoReuseIrp(Request->Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Request->Irp, WssSendCompletion, Request, TRUE, TRUE, TRUE);
    dispatch = connection->Socket->Dispatch;
    (VOID)dispatch->WskSend(connection->Socket, &buffer, 0, Request->Irp);
}

_Use_decl_annotations_
NTSTATUS
WssSendCompletion(
    PDEVICE_OBJECT DeviceObject,
    PIRP Irp,
    PVOID Context
    )
{
    PWSS_REQUEST request = (PWSS_REQUEST)Context;

    UNREFERENCED_PARAMETER(DeviceObject);
    _Analysis_assume_(request != NULL);

    DoTraceMessage(WSS_FLOW, "send %p: 0x%lx, %Iu bytes", request, Irp->IoStatus.Status, Irp->IoStatus.Information);
    WssQueue(request, NT_SUCCESS(Irp->IoStatus.Status) ? WssReceive : WssClose);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

_Use_decl_annotations_
VOID
WssDisconnect(
    PWSS_REQUEST Request
    )
{
    PWSS_SOCKET connection = Request->Owner;
    CONST WSK_PROVIDER_CONNECTION_DISPATCH *dispatch;

    PAGED_CODE();

    /* Both receives see the FIN; the first one disconnects. */
    if (connection->Closing || connection->PeerDone)
        return;
    connection->PeerDone = TRUE;

    IoReuseIrp(Request->Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Request->Irp, WssDisconnectCompletion, Request, TRUE, TRUE, TRUE);
    dispatch = connection->Socket->Dispatch;
    (VOID)dispatch->WskDisconnect(connection->Socket, NULL, 0, Request->Irp);
}

_Use_decl_annotations_
NTSTATUS
WssDisconnectCompletion(
    PDEVICE_OBJECT DeviceObject,
    PIRP Irp,
    PVOID Context
    )
{
    PWSS_REQUEST request = (PWSS_REQUEST)Context;

    UNREFERENCED_PARAMETER(DeviceObject);
    _Analysis_assume_(request != NULL);

    DoTraceMessage(WSS_FLOW, "disconnect %p: 0x%lx", request, Irp->IoStatus.Status);
    WssQueue(request, WssClose);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

_Use_decl_annotations_
VOID
WssClose(
    PWSS_REQUEST Request
    )
{
    PWSS_SOCKET socket = Request->Owner;
    CONST WSK_PROVIDER_BASIC_DISPATCH *dispatch;

    PAGED_CODE();

    /* Failures of both requests each ask for the close; the first one issues it. */
    if (socket->Closing)
        return;
    socket->Closing = TRUE;

    IoReuseIrp(Request->Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Request->Irp, WssCloseCompletion, Request, TRUE, TRUE, TRUE);
    dispatch = socket->Socket->Dispatch;
    (VOID)dispatch->WskCloseSocket(socket->Socket, Request->Irp);
}

_Use_decl_annotations_
NTSTATUS
WssCloseCompletion(
    PDEVICE_OBJECT DeviceObject,
    PIRP Irp,
    PVOID Context
    )
{
    PWSS_REQUEST request = (PWSS_REQUEST)Context;

    UNREFERENCED_PARAMETER(DeviceObject);
    _Analysis_assume_(request != NULL);

    /* WskCloseSocket always succeeds. Steps of this socket may still be queued ahead (they see
     * Closing and retire), so the context is freed by a step queued behind them. */
    ASSERT(NT_SUCCESS(Irp->IoStatus.Status));
    DoTraceMessage(WSS_FLOW, "close %p: 0x%lx", request, Irp->IoStatus.Status);
    WssQueue(request, WssFree);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

_Use_decl_annotations_
VOID
WssFree(
    PWSS_REQUEST Request
    )
{
    PWSS_SOCKET socket = Request->Owner;

    PAGED_CODE();

    ASSERT(socket->Closing || socket->Unloading);
    WssFreeSocket(socket);
}
