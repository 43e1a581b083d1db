/* udpecho.c — a WSK UDP echo server (issue 5, item 4), written for the Windows WSK model against wsk.h.
 * Zero-copy: the receive-from event retains each indication chain (returns STATUS_PENDING), every
 * datagram of the chain goes back to its source with WskSendTo straight from the provider's buffer,
 * and the chain is handed back with WskRelease once the last of those sends has completed.
 *
 * Synopsis: strata sc create udpecho --binary udpecho.sys; strata sc start udpecho
 *
 * Description: WskRegister and WskCaptureProviderNPI in DriverEntry, one dual-stack datagram socket
 * (AF_INET6, IPV6_V6ONLY off, so IPv4 peers arrive as IPv4-mapped addresses and are answered the
 * same way) bound to the port, with WskReceiveFromEvent enabled. DriverUnload stops retaining
 * datagrams, waits until every retained chain is released, closes the socket and deregisters.
 *
 * Registry parameters (Services\udpecho\Parameters, read once in DriverEntry with ZwOpenKey and
 * ZwQueryValueKey):
 *   Port  REG_DWORD  the UDP port, 1..65535; default 40008 when the key or the value is missing.
 *                    Any other value (0, above 65535, not a REG_DWORD) fails DriverEntry with
 *                    STATUS_INVALID_PARAMETER and a DbgPrint naming it.
 *
 * Counters: none. */
#include <ntddk.h>
#include <wsk.h>

#define UDPECHO_TAG 'ohcU'
#define UDPECHO_DEFAULT_PORT 40008

/* One retained indication chain: released when its last send completes. */
typedef struct _UDPECHO_CHAIN {
    PWSK_DATAGRAM_INDICATION Head;
    volatile LONG Pending; /* sends in flight, plus one while the event callback runs */
} UDPECHO_CHAIN, *PUDPECHO_CHAIN;

static WSK_REGISTRATION UdpEchoRegistration;
static WSK_PROVIDER_NPI UdpEchoProvider;
static PWSK_SOCKET UdpEchoSocket;
static USHORT UdpEchoPort;
static volatile LONG UdpEchoChains; /* retained chains, plus the driver's own count until unload */
static KEVENT UdpEchoIdle;
static volatile LONG UdpEchoUnloading;

static const WSK_CLIENT_DISPATCH UdpEchoClientDispatch = { MAKE_WSK_VERSION(1, 0), 0, NULL };

static NTSTATUS NTAPI UdpEchoReceiveFromEvent(PVOID SocketContext, ULONG Flags, PWSK_DATAGRAM_INDICATION DataIndication);
static const WSK_CLIENT_DATAGRAM_DISPATCH UdpEchoDatagramDispatch = { UdpEchoReceiveFromEvent };

/* Completion routine of a synchronous call: wakes the waiter and keeps the IRP. */
static NTSTATUS NTAPI UdpEchoSignal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* PASSIVE_LEVEL: an IRP and an event for one synchronous WSK call. */
static PIRP UdpEchoSyncIrp(PKEVENT Event)
{
    PIRP Irp = IoAllocateIrp(1, FALSE);
    if (Irp != NULL) {
        KeInitializeEvent(Event, NotificationEvent, FALSE);
        IoSetCompletionRoutine(Irp, UdpEchoSignal, Event, TRUE, TRUE, TRUE);
    }
    return Irp;
}

static NTSTATUS UdpEchoWait(PIRP Irp, PKEVENT Event, NTSTATUS Status, PULONG_PTR Information)
{
    if (Status == STATUS_PENDING)
        KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, NULL);
    Status = Irp->IoStatus.Status;
    if (Information != NULL)
        *Information = Irp->IoStatus.Information;
    IoFreeIrp(Irp);
    return Status;
}

/* A retained chain is gone (or was never retained): unload may be waiting for the last one. */
static VOID UdpEchoChainGone(VOID)
{
    if (InterlockedDecrement(&UdpEchoChains) == 0)
        KeSetEvent(&UdpEchoIdle, IO_NO_INCREMENT, FALSE);
}

/* Any IRQL <= DISPATCH_LEVEL: one send of the chain is done; the last one hands the chain back. */
static VOID UdpEchoSendDone(PUDPECHO_CHAIN Chain)
{
    if (InterlockedDecrement(&Chain->Pending) != 0)
        return;
    ((const WSK_PROVIDER_DATAGRAM_DISPATCH *)UdpEchoSocket->Dispatch)->WskRelease(UdpEchoSocket, Chain->Head);
    ExFreePoolWithTag(Chain, UDPECHO_TAG);
    UdpEchoChainGone();
}

static NTSTATUS NTAPI UdpEchoSendComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    /* A failed echo is a lost datagram, as UDP allows. */
    IoFreeIrp(Irp);
    UdpEchoSendDone((PUDPECHO_CHAIN)Context);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* DISPATCH_LEVEL, on the socket's processor: echoes every datagram of the chain to its source. */
static NTSTATUS NTAPI UdpEchoReceiveFromEvent(PVOID SocketContext, ULONG Flags, PWSK_DATAGRAM_INDICATION DataIndication)
{
    const WSK_PROVIDER_DATAGRAM_DISPATCH *Dispatch = UdpEchoSocket->Dispatch;
    PWSK_DATAGRAM_INDICATION Datagram;
    PUDPECHO_CHAIN Chain;

    UNREFERENCED_PARAMETER(SocketContext);
    UNREFERENCED_PARAMETER(Flags);
    if (DataIndication == NULL)
        return STATUS_SUCCESS; /* the socket stopped working; DriverUnload closes it */
    /* Counted before the check, so that unload either sees this chain or this call sees unload. */
    InterlockedIncrement(&UdpEchoChains);
    Chain = UdpEchoUnloading ? NULL : ExAllocatePoolZero(NonPagedPool, sizeof(*Chain), UDPECHO_TAG);
    if (Chain == NULL) {
        UdpEchoChainGone();
        return STATUS_SUCCESS; /* dropped, as a full receive buffer would */
    }
    Chain->Head = DataIndication;
    Chain->Pending = 1;
    for (Datagram = DataIndication; Datagram != NULL; Datagram = Datagram->Next) {
        PIRP Irp = IoAllocateIrp(1, FALSE);
        if (Irp == NULL)
            continue;
        InterlockedIncrement(&Chain->Pending);
        IoSetCompletionRoutine(Irp, UdpEchoSendComplete, Chain, TRUE, TRUE, TRUE);
        Dispatch->WskSendTo(UdpEchoSocket, &Datagram->Buffer, 0, Datagram->RemoteAddress, 0, NULL, Irp);
    }
    if (InterlockedDecrement(&Chain->Pending) != 0)
        return STATUS_PENDING; /* retained: UdpEchoSendDone releases it */
    /* Every send finished before the callback returned: nothing to retain. */
    ExFreePoolWithTag(Chain, UDPECHO_TAG);
    UdpEchoChainGone();
    return STATUS_SUCCESS;
}

/* PASSIVE_LEVEL: Parameters\Port of the service key, or UDPECHO_DEFAULT_PORT when the Parameters
 * key or the value is missing. A value that is there but unusable is an error, not a reason to guess. */
static NTSTATUS UdpEchoReadPort(PUNICODE_STRING RegistryPath, PUSHORT Port)
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

    *Port = UDPECHO_DEFAULT_PORT;
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
        DbgPrint("udpecho: %wZ\\Parameters\\Port must be a REG_DWORD (type %lu, %lu bytes)\n", RegistryPath,
            Value.Info.Type, Value.Info.DataLength);
        return STATUS_INVALID_PARAMETER;
    }
    RtlCopyMemory(&Number, Value.Info.Data, sizeof(Number));
    if (Number == 0 || Number > 65535) {
        DbgPrint("udpecho: %wZ\\Parameters\\Port is %lu, not a UDP port (1..65535)\n", RegistryPath, Number);
        return STATUS_INVALID_PARAMETER;
    }
    *Port = (USHORT)Number;
    return STATUS_SUCCESS;
}

static NTSTATUS UdpEchoOpenSocket(VOID)
{
    const WSK_PROVIDER_DATAGRAM_DISPATCH *Dispatch;
    WSK_EVENT_CALLBACK_CONTROL Events;
    SOCKADDR_IN6 Address;
    ULONG V6Only = 0;
    ULONG_PTR Information = 0;
    KEVENT Event;
    NTSTATUS Status;
    PIRP Irp;

    Irp = UdpEchoSyncIrp(&Event);
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Status = UdpEchoProvider.Dispatch->WskSocket(UdpEchoProvider.Client, AF_INET6, SOCK_DGRAM, IPPROTO_UDP,
        WSK_FLAG_DATAGRAM_SOCKET, NULL, &UdpEchoDatagramDispatch, NULL, NULL, NULL, Irp);
    Status = UdpEchoWait(Irp, &Event, Status, &Information);
    if (!NT_SUCCESS(Status))
        return Status;
    UdpEchoSocket = (PWSK_SOCKET)Information;
    Dispatch = UdpEchoSocket->Dispatch;

    /* Dual stack: IPv4 peers arrive as IPv4-mapped IPv6 addresses and are answered the same way. */
    Irp = UdpEchoSyncIrp(&Event);
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Status = Dispatch->WskControlSocket(UdpEchoSocket, WskSetOption, IPV6_V6ONLY, IPPROTO_IPV6, sizeof(V6Only),
        &V6Only, 0, NULL, NULL, Irp);
    Status = UdpEchoWait(Irp, &Event, Status, NULL);
    if (!NT_SUCCESS(Status))
        return Status;

    RtlZeroMemory(&Address, sizeof(Address));
    Address.sin6_family = AF_INET6;
    Address.sin6_port = (USHORT)(((UdpEchoPort & 0xFF) << 8) | (UdpEchoPort >> 8)); /* network order */
    Irp = UdpEchoSyncIrp(&Event);
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Status = Dispatch->WskBind(UdpEchoSocket, (PSOCKADDR)&Address, 0, Irp);
    Status = UdpEchoWait(Irp, &Event, Status, NULL);
    if (!NT_SUCCESS(Status))
        return Status;

    Events.NpiId = &NPI_WSK_INTERFACE_ID;
    Events.EventMask = WSK_EVENT_RECEIVE_FROM;
    return Dispatch->WskControlSocket(UdpEchoSocket, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET,
        sizeof(Events), &Events, 0, NULL, NULL, NULL);
}

static VOID UdpEchoCloseSocket(VOID)
{
    const WSK_PROVIDER_BASIC_DISPATCH *Dispatch = UdpEchoSocket->Dispatch;
    KEVENT Event;
    PIRP Irp = UdpEchoSyncIrp(&Event);

    if (Irp != NULL)
        UdpEchoWait(Irp, &Event, Dispatch->WskCloseSocket(UdpEchoSocket, Irp), NULL);
    UdpEchoSocket = NULL;
}

static VOID NTAPI UdpEchoUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    InterlockedExchange(&UdpEchoUnloading, 1);
    /* WskCloseSocket does not release retained chains: wait until their sends have handed them back. */
    if (InterlockedDecrement(&UdpEchoChains) != 0)
        KeWaitForSingleObject(&UdpEchoIdle, Executive, KernelMode, FALSE, NULL);
    UdpEchoCloseSocket();
    WskReleaseProviderNPI(&UdpEchoRegistration);
    WskDeregister(&UdpEchoRegistration);
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WSK_CLIENT_NPI ClientNpi;
    NTSTATUS Status;

    Status = UdpEchoReadPort(RegistryPath, &UdpEchoPort);
    if (!NT_SUCCESS(Status))
        return Status;
    KeInitializeEvent(&UdpEchoIdle, NotificationEvent, FALSE);
    UdpEchoChains = 1; /* the driver's own, dropped at unload */
    UdpEchoUnloading = 0;
    ClientNpi.ClientContext = NULL;
    ClientNpi.Dispatch = &UdpEchoClientDispatch;
    Status = WskRegister(&ClientNpi, &UdpEchoRegistration);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = WskCaptureProviderNPI(&UdpEchoRegistration, 5000, &UdpEchoProvider);
    if (!NT_SUCCESS(Status)) {
        WskDeregister(&UdpEchoRegistration);
        return Status;
    }
    Status = UdpEchoOpenSocket();
    if (!NT_SUCCESS(Status)) {
        if (UdpEchoSocket != NULL)
            UdpEchoCloseSocket();
        WskReleaseProviderNPI(&UdpEchoRegistration);
        WskDeregister(&UdpEchoRegistration);
        return Status;
    }
    DriverObject->DriverUnload = UdpEchoUnload;
    return STATUS_SUCCESS;
}
