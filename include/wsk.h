/* wsk.h — the Winsock Kernel (WSK) Network Programming Interface for WSK client drivers (seeds
 * 000, 002): registration and provider-NPI capture (WskRegister, WskCaptureProviderNPI,
 * WskReleaseProviderNPI, WskQueryProviderCharacteristics, WskDeregister), the socket and
 * dispatch-table types, the event callbacks a client implements and the control codes, flags and
 * event masks that go with them. Implemented by libstrata (src/wsk) over Linux sockets.
 *
 * Names, signatures, member order, x64 layouts and values are Microsoft's. Differences a driver
 * author can see:
 *  - The provider tables' unnamed WSK_PROVIDER_BASIC_DISPATCH member (a Microsoft C extension;
 *    named Basic in C++ on Windows) is a union of Basic and the flattened WskControlSocket /
 *    WskCloseSocket, so both spellings work in C and in C++ without -fms-extensions.
 *  - Members and types added after Vista follow NTDDI_VERSION as in the WDK (WskGetAddressInfo and
 *    friends: NTDDI_WIN7; WskSendMessages, WSK_BUF_LIST: NTDDI_WIN8; stream sockets, WskListen,
 *    WskConnectEx/WskSendEx/WskReceiveEx: NTDDI_WIN10_RS2). A driver that does not define
 *    NTDDI_VERSION gets all of them, as the WDK targets its newest version by default. The
 *    provider (libstrata) must hand out the full tables; every view is then a valid prefix.
 *  - WSK_CURRENT_VERSION is a Strata convenience: the version libstrata implements, 1.0.
 * The Winsock types (SOCKADDR, SOCKADDR_IN6, ADDRINFOEXW, IPPROTO, CMSGHDR...) come from ws2def.h
 * and ws2ipdef.h, included here; they exclude the Linux socket headers from the same unit. */
#ifndef STRATA_WSK_H
#define STRATA_WSK_H

#include <wdm.h>
#include <ws2def.h>
#include <ws2ipdef.h>

STRATA_EXTERN_C_BEGIN

/* ---- Target version ---------------------------------------------------------------------------- */
/* The NTDDI_* values of sdkddkver.h, so that a driver can say -DNTDDI_VERSION=NTDDI_WIN7. */
#ifndef NTDDI_WIN2K
#define NTDDI_WIN2K        0x05000000
#define NTDDI_WINXP        0x05010000
#define NTDDI_WS03         0x05020000
#define NTDDI_VISTA        0x06000000
#define NTDDI_LONGHORN     NTDDI_VISTA
#define NTDDI_VISTASP1     0x06000100
#define NTDDI_WS08         NTDDI_VISTASP1
#define NTDDI_VISTASP2     0x06000200
#define NTDDI_WIN7         0x06010000
#define NTDDI_WIN8         0x06020000
#define NTDDI_WINBLUE      0x06030000
#define NTDDI_WINTHRESHOLD 0x0A000000
#define NTDDI_WIN10        0x0A000000
#define NTDDI_WIN10_TH2    0x0A000001
#define NTDDI_WIN10_RS1    0x0A000002
#define NTDDI_WIN10_RS2    0x0A000003
#define NTDDI_WIN10_RS3    0x0A000004
#define NTDDI_WIN10_RS4    0x0A000005
#define NTDDI_WIN10_RS5    0x0A000006
#define NTDDI_WIN10_19H1   0x0A000007
#define NTDDI_WIN10_VB     0x0A000008
#define NTDDI_WIN10_MN     0x0A000009
#define NTDDI_WIN10_FE     0x0A00000A
#define NTDDI_WIN10_CO     0x0A00000B
#define NTDDI_WIN10_NI     0x0A00000C
#endif

/* The target the optional members below are compiled for: the driver's NTDDI_VERSION, else the
 * newest (as the WDK build sets NTDDI_VERSION to the highest version it supports by default). */
#ifdef NTDDI_VERSION
#define STRATA_WSK_NTDDI NTDDI_VERSION
#else
#define STRATA_WSK_NTDDI 0xFFFFFFFF
#endif

/* ---- Kernel types WSK signatures use that wdm.h does not declare (PETHREAD is wdm.h's) -------- */
typedef struct _EPROCESS *PEPROCESS;
typedef PVOID PSECURITY_DESCRIPTOR;

/* NPI identifiers (netioddk.h on Windows). */
typedef GUID NPIID;
typedef CONST NPIID *PNPIID;

/* ---- Objects, calling convention, interface ID, versions ------------------------------------- */
/* Socket object. Dispatch points to the provider table for the socket's type:
 * WSK_PROVIDER_BASIC_DISPATCH, _LISTEN_, _DATAGRAM_, _CONNECTION_ or _STREAM_DISPATCH. */
typedef struct _WSK_SOCKET {
    CONST VOID *Dispatch;
} WSK_SOCKET, *PWSK_SOCKET;

/* Client object: the provider's opaque binding context for one registration. */
typedef PVOID PWSK_CLIENT;

#define WSKAPI NTAPI

/* {2227E803-8D8B-11D4-ABAD-009027719E09}; exported by libstrata (netio.lib on Windows). */
extern CONST NPIID NPI_WSK_INTERFACE_ID;

#define MAKE_WSK_VERSION(Mj, Mn) ((USHORT)((Mj) << 8) | (USHORT)((Mn) & 0xff))
#define WSK_MAJOR_VERSION(V) ((UCHAR)((V) >> 8))
#define WSK_MINOR_VERSION(V) ((UCHAR)(V))
/* Strata: the WSK NPI version libstrata provides (the one documented for Windows Vista). */
#define WSK_CURRENT_VERSION MAKE_WSK_VERSION(1, 0)

/* Range of NPI versions the provider supports (WskQueryProviderCharacteristics). */
typedef struct _WSK_PROVIDER_CHARACTERISTICS {
    USHORT HighestVersion;
    USHORT LowestVersion;
} WSK_PROVIDER_CHARACTERISTICS, *PWSK_PROVIDER_CHARACTERISTICS;

/* One element of the WSK_TRANSPORT_LIST_QUERY result. */
typedef struct _WSK_TRANSPORT {
    USHORT Version;
    USHORT SocketType;
    ULONG Protocol;
    ADDRESS_FAMILY AddressFamily;
    GUID ProviderId;
} WSK_TRANSPORT, *PWSK_TRANSPORT;

/* ---- Buffers and indications ----------------------------------------------------------------- */
/* Length bytes starting Offset bytes into the first MDL of the locked chain Mdl (Offset lies
 * within that first MDL). */
typedef struct _WSK_BUF {
    PMDL Mdl;
    ULONG Offset;
    SIZE_T Length;
} WSK_BUF, *PWSK_BUF;

/* Received data on a connection-oriented socket (WskReceiveEvent); a NULL-terminated list. */
typedef struct _WSK_DATA_INDICATION {
    struct _WSK_DATA_INDICATION *Next;
    WSK_BUF Buffer;
} WSK_DATA_INDICATION, *PWSK_DATA_INDICATION;

/* Received datagrams on a datagram socket (WskReceiveFromEvent); a NULL-terminated list. */
typedef struct _WSK_DATAGRAM_INDICATION {
    struct _WSK_DATAGRAM_INDICATION *Next;
    WSK_BUF Buffer;
    _Field_size_bytes_(ControlInfoLength) PCMSGHDR ControlInfo;
    ULONG ControlInfoLength;
    PSOCKADDR RemoteAddress;
} WSK_DATAGRAM_INDICATION, *PWSK_DATAGRAM_INDICATION;

/* Identifies a connection request on a conditional-accept listening socket (by content). */
typedef struct _WSK_INSPECT_ID {
    ULONG_PTR Key;
    ULONG SerialNumber;
} WSK_INSPECT_ID, *PWSK_INSPECT_ID;

/* A client's verdict on an inspected connection request. */
typedef enum {
    WskInspectReject,
    WskInspectAccept,
    WskInspectPend,
    WskInspectMax
} WSK_INSPECT_ACTION, *PWSK_INSPECT_ACTION;

/* ---- Flags ---------------------------------------------------------------------------------- */
/* Event callbacks: the provider called at IRQL == DISPATCH_LEVEL. */
#define WSK_FLAG_AT_DISPATCH_LEVEL 0x00000008
/* WskReceiveEvent: release retained buffers as soon as possible; the data ends a message. */
#define WSK_FLAG_RELEASE_ASAP      0x00000002
#define WSK_FLAG_ENTIRE_MESSAGE    0x00000004
/* WskDisconnect, WskDisconnectEvent: abortive rather than graceful. */
#define WSK_FLAG_ABORTIVE          0x00000001

/* WskSocket Flags: the socket type, which decides the Dispatch tables. */
#define WSK_FLAG_BASIC_SOCKET      0x00000000
#define WSK_FLAG_LISTEN_SOCKET     0x00000001
#define WSK_FLAG_CONNECTION_SOCKET 0x00000002
#define WSK_FLAG_DATAGRAM_SOCKET   0x00000004
#define WSK_FLAG_STREAM_SOCKET     0x00000008

/* WskSend: out-of-band data; send without delay (Nagle off for this request). */
#define WSK_FLAG_OOB               0x00000001
#define WSK_FLAG_NODELAY           0x00000002
/* WskReceive: wait until the buffer is full; discard data until disconnect. */
#define WSK_FLAG_WAITALL           0x00000002
#define WSK_FLAG_DRAIN             0x00000004

/* WskCaptureProviderNPI WaitTimeout (milliseconds otherwise). */
#define WSK_NO_WAIT       0
#define WSK_INFINITE_WAIT 0xffffffff

/* ---- Client-level control codes (WskControlClient) ---------------------------------------- */
#define WSK_TRANSPORT_LIST_QUERY       2
#define WSK_TRANSPORT_LIST_CHANGE      3
#define WSK_CACHE_SD                   4
#define WSK_RELEASE_SD                 5
#define WSK_TDI_DEVICENAME_MAPPING     6
#define WSK_SET_STATIC_EVENT_CALLBACKS 7
#define WSK_TDI_BEHAVIOR               8

/* WSK_TDI_DEVICENAME_MAPPING input. */
typedef struct _WSK_TDI_MAP {
    USHORT SocketType;
    ADDRESS_FAMILY AddressFamily;
    ULONG Protocol;
    PCWSTR TdiDeviceName;
} WSK_TDI_MAP, *PWSK_TDI_MAP;

typedef struct _WSK_TDI_MAP_INFO {
    CONST ULONG ElementCount;
    _Field_size_(ElementCount) CONST WSK_TDI_MAP *Map;
} WSK_TDI_MAP_INFO, *PWSK_TDI_MAP_INFO;

/* WSK_TDI_BEHAVIOR input flag. */
#define WSK_TDI_BEHAVIOR_BYPASS_TDI 0x00000001

/* ---- Socket-level options, event masks and IOCTLs (WskControlSocket) ------------------------- */
#define SO_WSK_SECURITY       (WSK_SO_BASE + 1)
#define SO_WSK_EVENT_CALLBACK (WSK_SO_BASE + 2)

/* EventMask bits for SO_WSK_EVENT_CALLBACK (and WSK_SET_STATIC_EVENT_CALLBACKS). */
#define WSK_EVENT_RECEIVE_FROM 0x00000100 /* datagram sockets */
#define WSK_EVENT_ACCEPT       0x00000200 /* listening sockets */
#define WSK_EVENT_SEND_BACKLOG 0x00000010 /* connection-oriented sockets */
#define WSK_EVENT_RECEIVE      0x00000040 /* connection-oriented sockets */
#define WSK_EVENT_DISCONNECT   0x00000080 /* connection-oriented sockets */
/* Or'ed with one event bit: disable that callback instead. */
#define WSK_EVENT_DISABLE      0x80000000

/* SO_WSK_EVENT_CALLBACK input: NpiId is &NPI_WSK_INTERFACE_ID for the standard callbacks. */
typedef struct _WSK_EVENT_CALLBACK_CONTROL {
    PNPIID NpiId;
    ULONG EventMask;
} WSK_EVENT_CALLBACK_CONTROL, *PWSK_EVENT_CALLBACK_CONTROL;

#define SIO_WSK_SET_REMOTE_ADDRESS       _WSAIOW(IOC_WSK, 0x1)
#define SIO_WSK_REGISTER_EXTENSION       _WSAIORW(IOC_WSK, 0x2)
#define SIO_WSK_QUERY_IDEAL_SEND_BACKLOG _WSAIOR(IOC_WSK, 0x3)
#define SIO_WSK_QUERY_RECEIVE_BACKLOG    _WSAIOR(IOC_WSK, 0x4)
#define SIO_WSK_QUERY_INSPECT_ID         _WSAIOR(IOC_WSK, 0x5)
#define SIO_WSK_SET_SENDTO_ADDRESS       _WSAIOW(IOC_WSK, 0x6)
#define SIO_WSK_SET_TCP_SILENT_MODE      _WSAIO(IOC_WSK, 0x7)

/* SIO_WSK_REGISTER_EXTENSION input and output. */
typedef struct _WSK_EXTENSION_CONTROL_IN {
    PNPIID NpiId;
    PVOID ClientContext;
    CONST VOID *ClientDispatch;
} WSK_EXTENSION_CONTROL_IN, *PWSK_EXTENSION_CONTROL_IN;

typedef struct _WSK_EXTENSION_CONTROL_OUT {
    PVOID ProviderContext;
    CONST VOID *ProviderDispatch;
} WSK_EXTENSION_CONTROL_OUT, *PWSK_EXTENSION_CONTROL_OUT;

/* WskControlSocket RequestType. */
typedef enum {
    WskSetOption,
    WskGetOption,
    WskIoctl,
    WskControlMax
} WSK_CONTROL_SOCKET_TYPE, *PWSK_CONTROL_SOCKET_TYPE;

/* ---- Event callbacks a WSK client implements ---------------------------------------------- */
/* Client-level event; no EventType is defined yet. */
typedef NTSTATUS (WSKAPI *PFN_WSK_CLIENT_EVENT)(
    _In_opt_ PVOID ClientContext,
    _In_ ULONG EventType,
    _In_reads_bytes_opt_(InformationLength) PVOID Information,
    _In_ SIZE_T InformationLength);

/* Datagrams arrived. Flags: MSG_BCAST, MSG_MCAST, WSK_FLAG_AT_DISPATCH_LEVEL. DataIndication NULL:
 * the socket must be closed. Returns STATUS_SUCCESS, STATUS_PENDING (retained until WskRelease)
 * or STATUS_DATA_NOT_ACCEPTED. */
typedef _Must_inspect_result_ NTSTATUS (WSKAPI *PFN_WSK_RECEIVE_FROM_EVENT)(
    _In_opt_ PVOID SocketContext,
    _In_ ULONG Flags,
    _In_opt_ PWSK_DATAGRAM_INDICATION DataIndication);

/* Defined below; the accept callbacks name it first. */
typedef struct _WSK_CLIENT_CONNECTION_DISPATCH WSK_CLIENT_CONNECTION_DISPATCH, *PWSK_CLIENT_CONNECTION_DISPATCH;

/* A connection was accepted on a listening socket. Flags: WSK_FLAG_AT_DISPATCH_LEVEL.
 * AcceptSocket NULL: the listening socket must be closed. Returns STATUS_SUCCESS or
 * STATUS_REQUEST_NOT_ACCEPTED. */
typedef _Must_inspect_result_ _At_(AcceptSocket, __drv_aliasesMem) NTSTATUS (WSKAPI *PFN_WSK_ACCEPT_EVENT)(
    _In_opt_ PVOID SocketContext,
    _In_ ULONG Flags,
    _In_ PSOCKADDR LocalAddress,
    _In_ PSOCKADDR RemoteAddress,
    _In_opt_ PWSK_SOCKET AcceptSocket,
    _Outptr_result_maybenull_ PVOID *AcceptSocketContext,
    _Outptr_result_maybenull_ CONST WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch);

/* A connection request arrived on a conditional-accept listening socket (before the handshake).
 * InspectID NULL: the listening socket must be closed. */
typedef _Must_inspect_result_ WSK_INSPECT_ACTION (WSKAPI *PFN_WSK_INSPECT_EVENT)(
    _In_opt_ PVOID SocketContext,
    _In_ PSOCKADDR LocalAddress,
    _In_ PSOCKADDR RemoteAddress,
    _In_opt_ PWSK_INSPECT_ID InspectID);

/* A request reported by WskInspectEvent was dropped. Returns STATUS_SUCCESS. */
typedef NTSTATUS (WSKAPI *PFN_WSK_ABORT_EVENT)(
    _In_opt_ PVOID SocketContext,
    _In_ PWSK_INSPECT_ID InspectID);

/* The ideal send backlog of a connection changed. Returns STATUS_SUCCESS. */
typedef NTSTATUS (WSKAPI *PFN_WSK_SEND_BACKLOG_EVENT)(
    _In_opt_ PVOID SocketContext,
    _In_ SIZE_T IdealBacklogSize);

/* Data arrived on a connection. Flags: WSK_FLAG_RELEASE_ASAP, WSK_FLAG_ENTIRE_MESSAGE,
 * WSK_FLAG_AT_DISPATCH_LEVEL. DataIndication NULL: the socket must be closed. Set *BytesAccepted
 * only to accept part of BytesIndicated. Returns STATUS_SUCCESS, STATUS_PENDING or
 * STATUS_DATA_NOT_ACCEPTED. */
typedef _Must_inspect_result_ NTSTATUS (WSKAPI *PFN_WSK_RECEIVE_EVENT)(
    _In_opt_ PVOID SocketContext,
    _In_ ULONG Flags,
    _In_opt_ PWSK_DATA_INDICATION DataIndication,
    _In_ SIZE_T BytesIndicated,
    _Inout_ SIZE_T *BytesAccepted);

/* The peer disconnected. Flags: WSK_FLAG_ABORTIVE, WSK_FLAG_AT_DISPATCH_LEVEL. Returns
 * STATUS_SUCCESS. */
typedef NTSTATUS (WSKAPI *PFN_WSK_DISCONNECT_EVENT)(
    _In_opt_ PVOID SocketContext,
    _In_ ULONG Flags);

/* ---- Provider functions, client level ------------------------------------------------------ */
/* Irp->IoStatus.Information returns the new PWSK_SOCKET. Dispatch: the client table matching
 * Flags (NULL for a basic socket). */
typedef _At_((void *)Irp->IoStatus.Information, __drv_allocatesMem(Mem)) NTSTATUS (WSKAPI *PFN_WSK_SOCKET)(
    _In_ PWSK_CLIENT Client,
    _In_ ADDRESS_FAMILY AddressFamily,
    _In_ USHORT SocketType,
    _In_ ULONG Protocol,
    _In_ ULONG Flags,
    _In_opt_ PVOID SocketContext,
    _In_opt_ CONST VOID *Dispatch,
    _In_opt_ PEPROCESS OwningProcess,
    _In_opt_ PETHREAD OwningThread,
    _In_opt_ PSECURITY_DESCRIPTOR SecurityDescriptor,
    _Inout_ PIRP Irp);

/* Creates, binds and connects a connection-oriented socket. Flags is reserved (0). */
typedef _At_(Irp->IoStatus.Information, __drv_allocatesMem(Mem)) NTSTATUS (WSKAPI *PFN_WSK_SOCKET_CONNECT)(
    _In_ PWSK_CLIENT Client,
    _In_ USHORT SocketType,
    _In_ ULONG Protocol,
    _In_ PSOCKADDR LocalAddress,
    _In_ PSOCKADDR RemoteAddress,
    _Reserved_ ULONG Flags,
    _In_opt_ PVOID SocketContext,
    _In_opt_ CONST WSK_CLIENT_CONNECTION_DISPATCH *Dispatch,
    _In_opt_ PEPROCESS OwningProcess,
    _In_opt_ PETHREAD OwningThread,
    _In_opt_ PSECURITY_DESCRIPTOR SecurityDescriptor,
    _Inout_ PIRP Irp);

/* ControlCode: WSK_TRANSPORT_LIST_QUERY ... WSK_TDI_BEHAVIOR. */
typedef NTSTATUS (WSKAPI *PFN_WSK_CONTROL_CLIENT)(
    _In_ PWSK_CLIENT Client,
    _In_ ULONG ControlCode,
    _In_ SIZE_T InputSize,
    _In_reads_bytes_opt_(InputSize) PVOID InputBuffer,
    _In_ SIZE_T OutputSize,
    _Out_writes_bytes_opt_(OutputSize) PVOID OutputBuffer,
    _Out_opt_ SIZE_T *OutputSizeReturned,
    _Inout_opt_ PIRP Irp);

#if STRATA_WSK_NTDDI >= NTDDI_WIN7
/* Host name to addresses; *Result is freed with WskFreeAddressInfo. */
typedef _At_(*Result, __drv_allocatesMem(Mem)) NTSTATUS (WSKAPI *PFN_WSK_GET_ADDRESS_INFO)(
    _In_ PWSK_CLIENT Client,
    _In_opt_ PUNICODE_STRING NodeName,
    _In_opt_ PUNICODE_STRING ServiceName,
    _In_opt_ ULONG NameSpace,
    _In_opt_ GUID *Provider,
    _In_opt_ PADDRINFOEXW Hints,
    _Outptr_ PADDRINFOEXW *Result,
    _In_opt_ PEPROCESS OwningProcess,
    _In_opt_ PETHREAD OwningThread,
    _Inout_ PIRP Irp);

/* Address to host and service names. Flags: NI_*. */
typedef NTSTATUS (WSKAPI *PFN_WSK_GET_NAME_INFO)(
    _In_ PWSK_CLIENT Client,
    _In_ PSOCKADDR SockAddr,
    _In_ ULONG SockAddrLength,
    _Out_opt_ PUNICODE_STRING NodeName,
    _Out_opt_ PUNICODE_STRING ServiceName,
    _In_ ULONG Flags,
    _In_opt_ PEPROCESS OwningProcess,
    _In_opt_ PETHREAD OwningThread,
    _Inout_ PIRP Irp);

typedef _At_(AddrInfo, __drv_freesMem(Mem)) VOID (WSKAPI *PFN_WSK_FREE_ADDRESS_INFO)(
    _In_ PWSK_CLIENT Client,
    _In_ PADDRINFOEXW AddrInfo);
#endif /* NTDDI_WIN7 */

/* ---- Provider functions, socket level -------------------------------------------------------- */
/* Flags is reserved (0). */
typedef NTSTATUS (WSKAPI *PFN_WSK_BIND)(
    _In_ PWSK_SOCKET Socket,
    _In_ PSOCKADDR LocalAddress,
    _Reserved_ ULONG Flags,
    _Inout_ PIRP Irp);

/* Flags is reserved (0). */
typedef NTSTATUS (WSKAPI *PFN_WSK_CONNECT)(
    _In_ PWSK_SOCKET Socket,
    _In_ PSOCKADDR RemoteAddress,
    _Reserved_ ULONG Flags,
    _Inout_ PIRP Irp);

/* Connect, sending Buffer (at most 65,535 bytes) during or after the handshake. Flags: 0. */
typedef NTSTATUS (WSKAPI *PFN_WSK_CONNECT_EX)(
    _In_ PWSK_SOCKET Socket,
    _In_ PSOCKADDR RemoteAddress,
    _In_opt_ PWSK_BUF Buffer,
    _Reserved_ ULONG Flags,
    _Inout_ PIRP Irp);

/* RequestType WskSetOption / WskGetOption (Level SOL_SOCKET or a protocol) or WskIoctl. */
typedef NTSTATUS (WSKAPI *PFN_WSK_CONTROL_SOCKET)(
    _In_ PWSK_SOCKET Socket,
    _In_ WSK_CONTROL_SOCKET_TYPE RequestType,
    _In_ ULONG ControlCode,
    _In_ ULONG Level,
    _In_ SIZE_T InputSize,
    _In_reads_bytes_opt_(InputSize) PVOID InputBuffer,
    _In_ SIZE_T OutputSize,
    _Out_writes_bytes_opt_(OutputSize) PVOID OutputBuffer,
    _Out_opt_ SIZE_T *OutputSizeReturned,
    _Inout_opt_ PIRP Irp);

/* Irp is required; no call may be in progress on the socket, none may follow. */
typedef _At_(Socket, __drv_freesMem(Mem)) NTSTATUS (WSKAPI *PFN_WSK_CLOSE_SOCKET)(
    _In_ PWSK_SOCKET Socket,
    _Inout_ PIRP Irp);

/* Irp->IoStatus.Information returns the accepted PWSK_SOCKET. Flags is reserved (0). */
typedef _At_(Irp->IoStatus.Information, __drv_allocatesMem(Mem)) NTSTATUS (WSKAPI *PFN_WSK_ACCEPT)(
    _In_ PWSK_SOCKET ListenSocket,
    _Reserved_ ULONG Flags,
    _In_opt_ PVOID AcceptSocketContext,
    _In_opt_ CONST WSK_CLIENT_CONNECTION_DISPATCH *AcceptSocketDispatch,
    _Out_opt_ PSOCKADDR LocalAddress,
    _Out_opt_ PSOCKADDR RemoteAddress,
    _Inout_ PIRP Irp);

/* Resumes a request WskInspectEvent pended: Action WskInspectReject or WskInspectAccept. */
typedef NTSTATUS (WSKAPI *PFN_WSK_INSPECT_COMPLETE)(
    _In_ PWSK_SOCKET ListenSocket,
    _In_ PWSK_INSPECT_ID InspectID,
    _In_ WSK_INSPECT_ACTION Action,
    _Inout_ PIRP Irp);

/* Flags is reserved (0). */
typedef NTSTATUS (WSKAPI *PFN_WSK_SEND_TO)(
    _In_ PWSK_SOCKET Socket,
    _In_ PWSK_BUF Buffer,
    _Reserved_ ULONG Flags,
    _In_opt_ PSOCKADDR RemoteAddress,
    _In_ ULONG ControlInfoLength,
    _In_reads_bytes_opt_(ControlInfoLength) PCMSGHDR ControlInfo,
    _Inout_ PIRP Irp);

#if STRATA_WSK_NTDDI >= NTDDI_WIN8
/* Datagrams for WskSendMessages; a NULL-terminated list. */
typedef struct _WSK_BUF_LIST {
    struct _WSK_BUF_LIST *Next;
    WSK_BUF Buffer;
} WSK_BUF_LIST, *PWSK_BUF_LIST;

/* Flags is reserved (0). */
typedef NTSTATUS (WSKAPI *PFN_WSK_SEND_MESSAGES)(
    _In_ PWSK_SOCKET Socket,
    _In_ PWSK_BUF_LIST BufferList,
    _Reserved_ ULONG Flags,
    _In_opt_ PSOCKADDR RemoteAddress,
    _In_ ULONG ControlInfoLength,
    _In_reads_bytes_opt_(ControlInfoLength) PCMSGHDR ControlInfo,
    _Inout_ PIRP Irp);
#endif /* NTDDI_WIN8 */

/* Flags is reserved (0). *ControlFlags may receive MSG_MCAST, MSG_BCAST, MSG_TRUNC, MSG_CTRUNC. */
typedef NTSTATUS (WSKAPI *PFN_WSK_RECEIVE_FROM)(
    _In_ PWSK_SOCKET Socket,
    _In_ PWSK_BUF Buffer,
    _Reserved_ ULONG Flags,
    _Out_opt_ PSOCKADDR RemoteAddress,
    _Inout_ PULONG ControlLength,
    _Out_writes_bytes_opt_(*ControlLength) PCMSGHDR ControlInfo,
    _Out_opt_ PULONG ControlFlags,
    _Inout_ PIRP Irp);

typedef NTSTATUS (WSKAPI *PFN_WSK_GET_LOCAL_ADDRESS)(
    _In_ PWSK_SOCKET Socket,
    _Out_ PSOCKADDR LocalAddress,
    _Inout_ PIRP Irp);

typedef NTSTATUS (WSKAPI *PFN_WSK_GET_REMOTE_ADDRESS)(
    _In_ PWSK_SOCKET Socket,
    _Out_ PSOCKADDR RemoteAddress,
    _Inout_ PIRP Irp);

/* Returns indications a WskReceiveEvent retained with STATUS_PENDING. */
typedef NTSTATUS (WSKAPI *PFN_WSK_RELEASE_DATA_INDICATION_LIST)(
    _In_ PWSK_SOCKET Socket,
    _In_ PWSK_DATA_INDICATION DataIndication);

/* Returns indications a WskReceiveFromEvent retained with STATUS_PENDING. */
typedef NTSTATUS (WSKAPI *PFN_WSK_RELEASE_DATAGRAM_INDICATION_LIST)(
    _In_ PWSK_SOCKET Socket,
    _In_ PWSK_DATAGRAM_INDICATION DatagramIndication);

/* Flags: WSK_FLAG_NODELAY (WSK_FLAG_OOB). */
typedef NTSTATUS (WSKAPI *PFN_WSK_SEND)(
    _In_ PWSK_SOCKET Socket,
    _In_ PWSK_BUF Buffer,
    _In_ ULONG Flags,
    _Inout_ PIRP Irp);

/* Flags: WSK_FLAG_WAITALL or WSK_FLAG_DRAIN. */
typedef NTSTATUS (WSKAPI *PFN_WSK_RECEIVE)(
    _In_ PWSK_SOCKET Socket,
    _In_ PWSK_BUF Buffer,
    _In_ ULONG Flags,
    _Inout_ PIRP Irp);

/* Flags: WSK_FLAG_ABORTIVE, else graceful (with optional final data in Buffer). Irp required. */
typedef NTSTATUS (WSKAPI *PFN_WSK_DISCONNECT)(
    _In_ PWSK_SOCKET Socket,
    _In_opt_ PWSK_BUF Buffer,
    _In_ ULONG Flags,
    _Inout_ PIRP Irp);

#if STRATA_WSK_NTDDI >= NTDDI_WIN10_RS2
/* Stream sockets: listen on the bound address. */
typedef NTSTATUS (WSKAPI *PFN_WSK_LISTEN)(
    _In_ PWSK_SOCKET Socket,
    _Inout_ PIRP Irp);

/* WskSend with control information. Flags: WSK_FLAG_NODELAY. */
typedef NTSTATUS (WSKAPI *PFN_WSK_SEND_EX)(
    _In_ PWSK_SOCKET Socket,
    _In_ PWSK_BUF Buffer,
    _In_ ULONG Flags,
    _In_ ULONG ControlInfoLength,
    _In_reads_bytes_opt_(ControlInfoLength) PCMSGHDR ControlInfo,
    _Inout_ PIRP Irp);

/* WskReceive with control information. Flags: WSK_FLAG_WAITALL or WSK_FLAG_DRAIN; ControlFlags
 * is reserved (NULL). */
typedef NTSTATUS (WSKAPI *PFN_WSK_RECEIVE_EX)(
    _In_ PWSK_SOCKET Socket,
    _In_ PWSK_BUF Buffer,
    _In_ ULONG Flags,
    _Inout_opt_ PULONG ControlInfoLength,
    _Out_writes_bytes_opt_(*ControlInfoLength) PCMSGHDR ControlInfo,
    _Reserved_ PULONG ControlFlags,
    _Inout_ PIRP Irp);

/* WskReceiveEvent with control information; a client installs it with the
 * SIO_WSK_SET_RECEIVE_EX_CALLBACK IOCTL (whose code Microsoft has not published). */
typedef _Must_inspect_result_ NTSTATUS (WSKAPI *PFN_WSK_RECEIVE_EX_EVENT)(
    _In_opt_ PVOID SocketContext,
    _In_ ULONG Flags,
    _In_opt_ PWSK_DATA_INDICATION DataIndication,
    _In_reads_bytes_opt_(ControlInfoLength) PCMSGHDR ControlInfo,
    _In_ ULONG ControlInfoLength,
    _In_ SIZE_T BytesIndicated,
    _Inout_ SIZE_T *BytesAccepted);
#endif /* NTDDI_WIN10_RS2 */

/* ---- Client dispatch tables ------------------------------------------------------------------- */
/* Version: MAKE_WSK_VERSION(major, minor) of the NPI the client wants; Reserved: 0. */
typedef struct _WSK_CLIENT_DISPATCH {
    USHORT Version;
    USHORT Reserved;
    PFN_WSK_CLIENT_EVENT WskClientEvent;
} WSK_CLIENT_DISPATCH, *PWSK_CLIENT_DISPATCH;

typedef struct _WSK_CLIENT_LISTEN_DISPATCH {
    PFN_WSK_ACCEPT_EVENT WskAcceptEvent;
    PFN_WSK_INSPECT_EVENT WskInspectEvent;
    PFN_WSK_ABORT_EVENT WskAbortEvent;
} WSK_CLIENT_LISTEN_DISPATCH, *PWSK_CLIENT_LISTEN_DISPATCH;

typedef struct _WSK_CLIENT_DATAGRAM_DISPATCH {
    PFN_WSK_RECEIVE_FROM_EVENT WskReceiveFromEvent;
} WSK_CLIENT_DATAGRAM_DISPATCH, *PWSK_CLIENT_DATAGRAM_DISPATCH;

struct _WSK_CLIENT_CONNECTION_DISPATCH {
    PFN_WSK_RECEIVE_EVENT WskReceiveEvent;
    PFN_WSK_DISCONNECT_EVENT WskDisconnectEvent;
    PFN_WSK_SEND_BACKLOG_EVENT WskSendBacklogEvent;
};

#if STRATA_WSK_NTDDI >= NTDDI_WIN10_RS2
/* A stream socket acts as a listening or a connection-oriented socket. */
typedef struct _WSK_CLIENT_STREAM_DISPATCH {
    CONST WSK_CLIENT_LISTEN_DISPATCH *Listen;
    CONST WSK_CLIENT_CONNECTION_DISPATCH *Connect;
} WSK_CLIENT_STREAM_DISPATCH, *PWSK_CLIENT_STREAM_DISPATCH;
#endif /* NTDDI_WIN10_RS2 */

/* ---- Provider dispatch tables ----------------------------------------------------------------- */
typedef struct _WSK_PROVIDER_DISPATCH {
    USHORT Version;
    USHORT Reserved;
    PFN_WSK_SOCKET WskSocket;
    PFN_WSK_SOCKET_CONNECT WskSocketConnect;
    PFN_WSK_CONTROL_CLIENT WskControlClient;
#if STRATA_WSK_NTDDI >= NTDDI_WIN7
    PFN_WSK_GET_ADDRESS_INFO WskGetAddressInfo;
    PFN_WSK_FREE_ADDRESS_INFO WskFreeAddressInfo;
    PFN_WSK_GET_NAME_INFO WskGetNameInfo;
#endif
} WSK_PROVIDER_DISPATCH, *PWSK_PROVIDER_DISPATCH;

/* Functions every socket type supports. */
#define STRATA_WSK_PROVIDER_BASIC_FIELDS \
    PFN_WSK_CONTROL_SOCKET WskControlSocket; \
    PFN_WSK_CLOSE_SOCKET WskCloseSocket;

typedef struct _WSK_PROVIDER_BASIC_DISPATCH {
    STRATA_WSK_PROVIDER_BASIC_FIELDS
} WSK_PROVIDER_BASIC_DISPATCH, *PWSK_PROVIDER_BASIC_DISPATCH;

/* The leading WSK_PROVIDER_BASIC_DISPATCH of the per-type tables: Table->Basic.WskCloseSocket
 * (Windows C++) and Table->WskCloseSocket (Windows C) both work. */
#define STRATA_WSK_PROVIDER_BASIC_MEMBER \
    union { \
        WSK_PROVIDER_BASIC_DISPATCH Basic; \
        struct { \
            STRATA_WSK_PROVIDER_BASIC_FIELDS \
        }; \
    };

typedef struct _WSK_PROVIDER_LISTEN_DISPATCH {
    STRATA_WSK_PROVIDER_BASIC_MEMBER
    PFN_WSK_BIND WskBind;
    PFN_WSK_ACCEPT WskAccept;
    PFN_WSK_INSPECT_COMPLETE WskInspectComplete;
    PFN_WSK_GET_LOCAL_ADDRESS WskGetLocalAddress;
} WSK_PROVIDER_LISTEN_DISPATCH, *PWSK_PROVIDER_LISTEN_DISPATCH;

typedef struct _WSK_PROVIDER_DATAGRAM_DISPATCH {
    STRATA_WSK_PROVIDER_BASIC_MEMBER
    PFN_WSK_BIND WskBind;
    PFN_WSK_SEND_TO WskSendTo;
    PFN_WSK_RECEIVE_FROM WskReceiveFrom;
    PFN_WSK_RELEASE_DATAGRAM_INDICATION_LIST WskRelease;
    PFN_WSK_GET_LOCAL_ADDRESS WskGetLocalAddress;
#if STRATA_WSK_NTDDI >= NTDDI_WIN8
    PFN_WSK_SEND_MESSAGES WskSendMessages;
#endif
} WSK_PROVIDER_DATAGRAM_DISPATCH, *PWSK_PROVIDER_DATAGRAM_DISPATCH;

typedef struct _WSK_PROVIDER_CONNECTION_DISPATCH {
    STRATA_WSK_PROVIDER_BASIC_MEMBER
    PFN_WSK_BIND WskBind;
    PFN_WSK_CONNECT WskConnect;
    PFN_WSK_GET_LOCAL_ADDRESS WskGetLocalAddress;
    PFN_WSK_GET_REMOTE_ADDRESS WskGetRemoteAddress;
    PFN_WSK_SEND WskSend;
    PFN_WSK_RECEIVE WskReceive;
    PFN_WSK_DISCONNECT WskDisconnect;
    PFN_WSK_RELEASE_DATA_INDICATION_LIST WskRelease;
#if STRATA_WSK_NTDDI >= NTDDI_WIN10_RS2
    PFN_WSK_CONNECT_EX WskConnectEx;
    PFN_WSK_SEND_EX WskSendEx;       /* reserved for system use */
    PFN_WSK_RECEIVE_EX WskReceiveEx; /* reserved for system use */
#endif
} WSK_PROVIDER_CONNECTION_DISPATCH, *PWSK_PROVIDER_CONNECTION_DISPATCH;

#if STRATA_WSK_NTDDI >= NTDDI_WIN10_RS2
typedef struct _WSK_PROVIDER_STREAM_DISPATCH {
    STRATA_WSK_PROVIDER_BASIC_MEMBER
    PFN_WSK_BIND WskBind;
    PFN_WSK_ACCEPT WskAccept;
    PFN_WSK_CONNECT WskConnect;
    PFN_WSK_LISTEN WskListen;
    PFN_WSK_SEND WskSend;
    PFN_WSK_RECEIVE WskReceive;
    PFN_WSK_DISCONNECT WskDisconnect;
    PFN_WSK_RELEASE_DATA_INDICATION_LIST WskRelease;
    PFN_WSK_GET_LOCAL_ADDRESS WskGetLocalAddress;
    PFN_WSK_GET_REMOTE_ADDRESS WskGetRemoteAddress;
    PFN_WSK_CONNECT_EX WskConnectEx;
    PFN_WSK_SEND_EX WskSendEx;       /* reserved for system use */
    PFN_WSK_RECEIVE_EX WskReceiveEx; /* reserved for system use */
} WSK_PROVIDER_STREAM_DISPATCH, *PWSK_PROVIDER_STREAM_DISPATCH;
#endif /* NTDDI_WIN10_RS2 */

/* ---- Registration ------------------------------------------------------------------------------ */
/* What the client passes to WskRegister; Dispatch must stay valid until WskDeregister. */
typedef struct _WSK_CLIENT_NPI {
    PVOID ClientContext;
    CONST WSK_CLIENT_DISPATCH *Dispatch;
} WSK_CLIENT_NPI, *PWSK_CLIENT_NPI;

/* What WskCaptureProviderNPI returns. */
typedef struct _WSK_PROVIDER_NPI {
    PWSK_CLIENT Client;
    CONST WSK_PROVIDER_DISPATCH *Dispatch;
} WSK_PROVIDER_NPI, *PWSK_PROVIDER_NPI;

/* Client-allocated, initialised by WskRegister, opaque to the client; must stay valid (not freed,
 * not moved) while any registration function may still be called with it. */
typedef struct _WSK_REGISTRATION {
    ULONGLONG ReservedRegistrationState;
    PVOID ReservedRegistrationContext;
    KSPIN_LOCK ReservedRegistrationLock;
} WSK_REGISTRATION, *PWSK_REGISTRATION;

/* IRQL == PASSIVE_LEVEL. One WskDeregister per successful call, with the same block. */
_Must_inspect_result_ NTSTATUS WSKAPI WskRegister(
    _In_ PWSK_CLIENT_NPI WskClientNpi,
    _Out_ PWSK_REGISTRATION WskRegistration);

/* IRQL == PASSIVE_LEVEL unless WaitTimeout is WSK_NO_WAIT (then <= DISPATCH_LEVEL). Waits up to
 * WaitTimeout ms for the provider: STATUS_SUCCESS, STATUS_DEVICE_NOT_READY (not yet, or
 * WskDeregister was called), STATUS_NOINTERFACE (version not supported). One
 * WskReleaseProviderNPI per success. */
_Must_inspect_result_ NTSTATUS WSKAPI WskCaptureProviderNPI(
    _In_ PWSK_REGISTRATION WskRegistration,
    _In_ ULONG WaitTimeout,
    _Out_ PWSK_PROVIDER_NPI WskProviderNpi);

/* IRQL <= DISPATCH_LEVEL. */
VOID WSKAPI WskReleaseProviderNPI(
    _In_ PWSK_REGISTRATION WskRegistration);

/* IRQL <= DISPATCH_LEVEL; after WskCaptureProviderNPI returned STATUS_SUCCESS or
 * STATUS_NOINTERFACE. */
_Must_inspect_result_ NTSTATUS WSKAPI WskQueryProviderCharacteristics(
    _In_ PWSK_REGISTRATION WskRegistration,
    _Out_ PWSK_PROVIDER_CHARACTERISTICS WskProviderCharacteristics);

/* IRQL == PASSIVE_LEVEL. Waits until every captured NPI is released, every provider-level call
 * has returned and every socket is closed. */
VOID WSKAPI WskDeregister(
    _In_ PWSK_REGISTRATION WskRegistration);

STRATA_EXTERN_C_END

#endif /* STRATA_WSK_H */
