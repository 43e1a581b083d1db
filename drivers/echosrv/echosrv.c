/* echosrv.c — a WSK TCP echo server (issue 5, item 4), written for the Windows WSK model against wsk.h.
 *
 * Synopsis: strata sc create echosrv --binary echosrv.sys; strata sc start echosrv
 *
 * Description: WskRegister and WskCaptureProviderNPI in DriverEntry, a dual-stack listening socket
 * with the accept event, and per connection several receives in flight, each echoed with WskSend
 * before it is posted again. The peer's disconnect (a receive of 0 bytes) closes the connection;
 * DriverUnload resets every connection, closes the listening socket, then deregisters.
 *
 * Registry parameters (Services\echosrv\Parameters, read once in DriverEntry with ZwOpenKey and
 * ZwQueryValueKey):
 *   Port  REG_DWORD  the TCP port, 1..65535; default 40007 when the key or the value is missing.
 *                    Any other value (0, above 65535, not a REG_DWORD) fails DriverEntry with
 *                    STATUS_INVALID_PARAMETER and a DbgPrint naming it.
 *
 * Counters: none. */
#include <ntddk.h>
#include <wsk.h>

#define ECHO_TAG 'ohcE'
#define ECHO_DEFAULT_PORT 40007
#define ECHO_RECEIVES 2
#define ECHO_BUFFER 16384

typedef struct _ECHO_CONNECTION ECHO_CONNECTION, *PECHO_CONNECTION;

typedef struct _ECHO_SLOT {
    PECHO_CONNECTION Connection;
    PIRP Irp;
    PMDL Mdl;
    WSK_BUF Buffer;
    UCHAR Data[ECHO_BUFFER];
} ECHO_SLOT, *PECHO_SLOT;

struct _ECHO_CONNECTION {
    LIST_ENTRY Link;
    PWSK_SOCKET Socket;
    volatile LONG Busy;      /* slots with an IRP outstanding */
    volatile LONG Closing;
    PIRP CloseIrp;
    ECHO_SLOT Slots[ECHO_RECEIVES];
};

static WSK_REGISTRATION EchoRegistration;
static WSK_PROVIDER_NPI EchoProvider;
static PWSK_SOCKET EchoListenSocket;
static KSPIN_LOCK EchoLock;
static LIST_ENTRY EchoConnections;
static volatile LONG EchoConnectionCount;
static KEVENT EchoAllClosed;
static volatile LONG EchoUnloading;
static USHORT EchoPort;

static const WSK_CLIENT_DISPATCH EchoClientDispatch = { MAKE_WSK_VERSION(1, 0), 0, NULL };

static NTSTATUS NTAPI EchoAcceptEvent(PVOID SocketContext, ULONG Flags, PSOCKADDR LocalAddress,
    PSOCKADDR RemoteAddress, PWSK_SOCKET AcceptSocket, PVOID *AcceptSocketContext,
    CONST WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch);
static const WSK_CLIENT_LISTEN_DISPATCH EchoListenDispatch = { EchoAcceptEvent, NULL, NULL };
static const WSK_CLIENT_CONNECTION_DISPATCH EchoConnectionDispatch = { NULL, NULL, NULL };

/* Completion routine of a synchronous call: wakes the waiter and keeps the IRP. */
static NTSTATUS NTAPI EchoSignal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* PASSIVE_LEVEL: an IRP and an event for one synchronous WSK call. */
static PIRP EchoSyncIrp(PKEVENT Event)
{
    PIRP Irp = IoAllocateIrp(1, FALSE);
    if (Irp != NULL) {
        KeInitializeEvent(Event, NotificationEvent, FALSE);
        IoSetCompletionRoutine(Irp, EchoSignal, Event, TRUE, TRUE, TRUE);
    }
    return Irp;
}

static NTSTATUS EchoWait(PIRP Irp, PKEVENT Event, NTSTATUS Status, PULONG_PTR Information)
{
    if (Status == STATUS_PENDING)
        KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, NULL);
    Status = Irp->IoStatus.Status;
    if (Information != NULL)
        *Information = Irp->IoStatus.Information;
    IoFreeIrp(Irp);
    return Status;
}

static NTSTATUS NTAPI EchoFreeIrp(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Context);
    IoFreeIrp(Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static VOID EchoFreeConnection(PECHO_CONNECTION Connection)
{
    KIRQL Irql;
    ULONG i;

    KeAcquireSpinLock(&EchoLock, &Irql);
    RemoveEntryList(&Connection->Link);
    KeReleaseSpinLock(&EchoLock, Irql);
    for (i = 0; i < ECHO_RECEIVES; i++) {
        if (Connection->Slots[i].Mdl != NULL)
            IoFreeMdl(Connection->Slots[i].Mdl);
        if (Connection->Slots[i].Irp != NULL)
            IoFreeIrp(Connection->Slots[i].Irp);
    }
    if (Connection->CloseIrp != NULL)
        IoFreeIrp(Connection->CloseIrp);
    ExFreePoolWithTag(Connection, ECHO_TAG);
    if (InterlockedDecrement(&EchoConnectionCount) == 0)
        KeSetEvent(&EchoAllClosed, IO_NO_INCREMENT, FALSE);
}

static NTSTATUS NTAPI EchoCloseComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    EchoFreeConnection((PECHO_CONNECTION)Context);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* The last slot of a closing connection came back: close its socket. */
static VOID EchoSlotIdle(PECHO_CONNECTION Connection)
{
    const WSK_PROVIDER_CONNECTION_DISPATCH *Dispatch = Connection->Socket->Dispatch;

    if (InterlockedDecrement(&Connection->Busy) != 0 || !Connection->Closing)
        return;
    IoReuseIrp(Connection->CloseIrp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Connection->CloseIrp, EchoCloseComplete, Connection, TRUE, TRUE, TRUE);
    Dispatch->WskCloseSocket(Connection->Socket, Connection->CloseIrp);
}

static NTSTATUS NTAPI EchoReceiveComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context);

static VOID EchoPostReceive(PECHO_SLOT Slot)
{
    PECHO_CONNECTION Connection = Slot->Connection;
    const WSK_PROVIDER_CONNECTION_DISPATCH *Dispatch = Connection->Socket->Dispatch;

    if (Connection->Closing || EchoUnloading) {
        InterlockedExchange(&Connection->Closing, 1);
        EchoSlotIdle(Connection);
        return;
    }
    Slot->Buffer.Mdl = Slot->Mdl;
    Slot->Buffer.Offset = 0;
    Slot->Buffer.Length = ECHO_BUFFER;
    IoReuseIrp(Slot->Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Slot->Irp, EchoReceiveComplete, Slot, TRUE, TRUE, TRUE);
    Dispatch->WskReceive(Connection->Socket, &Slot->Buffer, 0, Slot->Irp);
}

static NTSTATUS NTAPI EchoSendComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    PECHO_SLOT Slot = (PECHO_SLOT)Context;

    UNREFERENCED_PARAMETER(DeviceObject);
    if (!NT_SUCCESS(Irp->IoStatus.Status))
        InterlockedExchange(&Slot->Connection->Closing, 1);
    EchoPostReceive(Slot);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static NTSTATUS NTAPI EchoReceiveComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    PECHO_SLOT Slot = (PECHO_SLOT)Context;
    PECHO_CONNECTION Connection = Slot->Connection;
    const WSK_PROVIDER_CONNECTION_DISPATCH *Dispatch = Connection->Socket->Dispatch;
    ULONG_PTR Bytes = Irp->IoStatus.Information;

    UNREFERENCED_PARAMETER(DeviceObject);
    if (!NT_SUCCESS(Irp->IoStatus.Status) || Bytes == 0) {
        /* The peer is gone (or we are unloading): no more receives on this slot. */
        InterlockedExchange(&Connection->Closing, 1);
        EchoSlotIdle(Connection);
        return STATUS_MORE_PROCESSING_REQUIRED;
    }
    Slot->Buffer.Mdl = Slot->Mdl;
    Slot->Buffer.Offset = 0;
    Slot->Buffer.Length = Bytes;
    IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Irp, EchoSendComplete, Slot, TRUE, TRUE, TRUE);
    Dispatch->WskSend(Connection->Socket, &Slot->Buffer, 0, Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static NTSTATUS NTAPI EchoAcceptEvent(PVOID SocketContext, ULONG Flags, PSOCKADDR LocalAddress,
    PSOCKADDR RemoteAddress, PWSK_SOCKET AcceptSocket, PVOID *AcceptSocketContext,
    CONST WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch)
{
    PECHO_CONNECTION Connection;
    KIRQL Irql;
    ULONG i;

    UNREFERENCED_PARAMETER(SocketContext);
    UNREFERENCED_PARAMETER(Flags);
    UNREFERENCED_PARAMETER(LocalAddress);
    UNREFERENCED_PARAMETER(RemoteAddress);
    if (AcceptSocket == NULL || EchoUnloading)
        return STATUS_REQUEST_NOT_ACCEPTED;
    Connection = ExAllocatePoolZero(NonPagedPool, sizeof(*Connection), ECHO_TAG);
    if (Connection == NULL)
        return STATUS_REQUEST_NOT_ACCEPTED;
    Connection->Socket = AcceptSocket;
    Connection->CloseIrp = IoAllocateIrp(1, FALSE);
    for (i = 0; i < ECHO_RECEIVES; i++) {
        PECHO_SLOT Slot = &Connection->Slots[i];
        Slot->Connection = Connection;
        Slot->Irp = IoAllocateIrp(1, FALSE);
        Slot->Mdl = IoAllocateMdl(Slot->Data, ECHO_BUFFER, FALSE, FALSE, NULL);
        if (Slot->Mdl != NULL)
            MmBuildMdlForNonPagedPool(Slot->Mdl);
    }
    InterlockedIncrement(&EchoConnectionCount);
    KeAcquireSpinLock(&EchoLock, &Irql);
    InsertTailList(&EchoConnections, &Connection->Link);
    KeReleaseSpinLock(&EchoLock, Irql);
    for (i = 0; i < ECHO_RECEIVES; i++) {
        if (Connection->Slots[i].Irp == NULL || Connection->Slots[i].Mdl == NULL || Connection->CloseIrp == NULL) {
            EchoFreeConnection(Connection);
            return STATUS_REQUEST_NOT_ACCEPTED;
        }
    }
    *AcceptSocketContext = Connection;
    *AcceptSocketDispatch = &EchoConnectionDispatch;
    Connection->Busy = ECHO_RECEIVES;
    for (i = 0; i < ECHO_RECEIVES; i++)
        EchoPostReceive(&Connection->Slots[i]);
    return STATUS_SUCCESS;
}

static NTSTATUS EchoStartListening(VOID)
{
    const WSK_PROVIDER_LISTEN_DISPATCH *Dispatch;
    WSK_EVENT_CALLBACK_CONTROL Events;
    SOCKADDR_IN6 Address;
    ULONG V6Only = 0;
    ULONG_PTR Information = 0;
    KEVENT Event;
    NTSTATUS Status;
    PIRP Irp;

    Irp = EchoSyncIrp(&Event);
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Status = EchoProvider.Dispatch->WskSocket(EchoProvider.Client, AF_INET6, SOCK_STREAM, IPPROTO_TCP,
        WSK_FLAG_LISTEN_SOCKET, NULL, &EchoListenDispatch, NULL, NULL, NULL, Irp);
    Status = EchoWait(Irp, &Event, Status, &Information);
    if (!NT_SUCCESS(Status))
        return Status;
    EchoListenSocket = (PWSK_SOCKET)Information;
    Dispatch = EchoListenSocket->Dispatch;

    /* Dual stack: IPv4 clients arrive as IPv4-mapped IPv6 addresses. */
    Irp = EchoSyncIrp(&Event);
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Status = Dispatch->WskControlSocket(EchoListenSocket, WskSetOption, IPV6_V6ONLY, IPPROTO_IPV6, sizeof(V6Only),
        &V6Only, 0, NULL, NULL, Irp);
    Status = EchoWait(Irp, &Event, Status, NULL);
    if (!NT_SUCCESS(Status))
        return Status;

    RtlZeroMemory(&Address, sizeof(Address));
    Address.sin6_family = AF_INET6;
    Address.sin6_port = (USHORT)(((EchoPort & 0xFF) << 8) | (EchoPort >> 8)); /* network order */
    Irp = EchoSyncIrp(&Event);
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Status = Dispatch->WskBind(EchoListenSocket, (PSOCKADDR)&Address, 0, Irp);
    Status = EchoWait(Irp, &Event, Status, NULL);
    if (!NT_SUCCESS(Status))
        return Status;

    Events.NpiId = &NPI_WSK_INTERFACE_ID;
    Events.EventMask = WSK_EVENT_ACCEPT;
    return Dispatch->WskControlSocket(EchoListenSocket, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET,
        sizeof(Events), &Events, 0, NULL, NULL, NULL);
}

static VOID EchoCloseSocket(PWSK_SOCKET Socket)
{
    const WSK_PROVIDER_BASIC_DISPATCH *Dispatch = Socket->Dispatch;
    KEVENT Event;
    PIRP Irp = EchoSyncIrp(&Event);

    if (Irp != NULL)
        EchoWait(Irp, &Event, Dispatch->WskCloseSocket(Socket, Irp), NULL);
}

static VOID NTAPI EchoUnload(PDRIVER_OBJECT DriverObject)
{
    PLIST_ENTRY Entry;
    KIRQL Irql;

    UNREFERENCED_PARAMETER(DriverObject);
    InterlockedExchange(&EchoUnloading, 1);
    if (EchoListenSocket != NULL)
        EchoCloseSocket(EchoListenSocket);
    /* Every open connection is reset: its receives fail, its slots come back, it closes. */
    KeAcquireSpinLock(&EchoLock, &Irql);
    for (Entry = EchoConnections.Flink; Entry != &EchoConnections; Entry = Entry->Flink) {
        PECHO_CONNECTION Connection = CONTAINING_RECORD(Entry, ECHO_CONNECTION, Link);
        const WSK_PROVIDER_CONNECTION_DISPATCH *Dispatch = Connection->Socket->Dispatch;
        PIRP Irp = IoAllocateIrp(1, FALSE);
        InterlockedExchange(&Connection->Closing, 1);
        if (Irp == NULL)
            continue;
        IoSetCompletionRoutine(Irp, EchoFreeIrp, NULL, TRUE, TRUE, TRUE);
        Dispatch->WskDisconnect(Connection->Socket, NULL, WSK_FLAG_ABORTIVE, Irp);
    }
    KeReleaseSpinLock(&EchoLock, Irql);
    if (InterlockedDecrement(&EchoConnectionCount) != 0)
        KeWaitForSingleObject(&EchoAllClosed, Executive, KernelMode, FALSE, NULL);
    WskReleaseProviderNPI(&EchoRegistration);
    WskDeregister(&EchoRegistration);
}

/* PASSIVE_LEVEL: Parameters\Port of the service key, or ECHO_DEFAULT_PORT when the Parameters key or
 * the value is missing. A value that is there but unusable is an error, not a reason to guess. */
static NTSTATUS EchoReadPort(PUNICODE_STRING RegistryPath, PUSHORT Port)
{
    UNICODE_STRING Parameters = RTL_CONSTANT_STRING(L"Parameters");
    UNICODE_STRING ValueName = RTL_CONSTANT_STRING(L"Port");
    OBJECT_ATTRIBUTES Attributes;
    HANDLE ServiceKey;
    HANDLE Key;
    union {
        KEY_VALUE_PARTIAL_INFORMATION Info;
        UCHAR Space[sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG)];
    } Value;
    ULONG Length = 0;
    ULONG Number;
    NTSTATUS Status;

    *Port = ECHO_DEFAULT_PORT;
    InitializeObjectAttributes(&Attributes, RegistryPath, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    Status = ZwOpenKey(&ServiceKey, KEY_READ, &Attributes);
    if (!NT_SUCCESS(Status))
        return Status == STATUS_OBJECT_NAME_NOT_FOUND ? STATUS_SUCCESS : Status;
    InitializeObjectAttributes(&Attributes, &Parameters, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, ServiceKey, NULL);
    Status = ZwOpenKey(&Key, KEY_QUERY_VALUE, &Attributes);
    ZwClose(ServiceKey);
    if (!NT_SUCCESS(Status))
        return Status == STATUS_OBJECT_NAME_NOT_FOUND ? STATUS_SUCCESS : Status;
    Status = ZwQueryValueKey(Key, &ValueName, KeyValuePartialInformation, &Value, sizeof(Value), &Length);
    ZwClose(Key);
    if (Status == STATUS_OBJECT_NAME_NOT_FOUND)
        return STATUS_SUCCESS;
    /* STATUS_BUFFER_OVERFLOW still returns the type: a value longer than a DWORD is not one. */
    if (Status != STATUS_SUCCESS && Status != STATUS_BUFFER_OVERFLOW)
        return Status;
    if (Value.Info.Type != REG_DWORD || Value.Info.DataLength != sizeof(ULONG)) {
        DbgPrint("echosrv: %wZ\\Parameters\\Port must be a REG_DWORD (type %lu, %lu bytes)\n", RegistryPath,
            Value.Info.Type, Value.Info.DataLength);
        return STATUS_INVALID_PARAMETER;
    }
    RtlCopyMemory(&Number, Value.Info.Data, sizeof(Number));
    if (Number == 0 || Number > 65535) {
        DbgPrint("echosrv: %wZ\\Parameters\\Port is %lu, not a TCP port (1..65535)\n", RegistryPath, Number);
        return STATUS_INVALID_PARAMETER;
    }
    *Port = (USHORT)Number;
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WSK_CLIENT_NPI ClientNpi;
    NTSTATUS Status;

    Status = EchoReadPort(RegistryPath, &EchoPort);
    if (!NT_SUCCESS(Status))
        return Status;
    KeInitializeSpinLock(&EchoLock);
    InitializeListHead(&EchoConnections);
    KeInitializeEvent(&EchoAllClosed, NotificationEvent, FALSE);
    EchoConnectionCount = 1; /* the driver's own, dropped at unload */
    ClientNpi.ClientContext = NULL;
    ClientNpi.Dispatch = &EchoClientDispatch;
    Status = WskRegister(&ClientNpi, &EchoRegistration);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = WskCaptureProviderNPI(&EchoRegistration, 5000, &EchoProvider);
    if (!NT_SUCCESS(Status)) {
        WskDeregister(&EchoRegistration);
        return Status;
    }
    Status = EchoStartListening();
    if (!NT_SUCCESS(Status)) {
        if (EchoListenSocket != NULL)
            EchoCloseSocket(EchoListenSocket);
        WskReleaseProviderNPI(&EchoRegistration);
        WskDeregister(&EchoRegistration);
        return Status;
    }
    DriverObject->DriverUnload = EchoUnload;
    return STATUS_SUCCESS;
}
