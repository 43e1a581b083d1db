/* all_calls.c — a driver-shaped C translation unit that calls every function and uses every macro
 * that include/ndis.h, include/wdm.h and include/wsk.h declare (with ntdef.h, sal.h,
 * driverspecs.h, ws2def.h and ws2ipdef.h under them), with correctly typed arguments: for WSK
 * also every provider dispatch function and every client callback. It is compiled and linked, never run:
 *
 *   gcc -std=gnu11 -Wall -Wextra -Werror -shared -fPIC -Wl,--no-undefined \
 *       $(pkg-config --cflags --libs strata-ddk) -o all_calls.sys all_calls.c
 *
 * (tests/ddk/CMakeLists.txt: Ddk.AllCalls_gcc, Ddk.AllCalls_clang). Compiling proves the
 * signatures, the lvalue macros and the annotations; linking with --no-undefined proves that
 * libstrata exports every declared function. Handlers are written with Microsoft's documented
 * prototypes, so assigning them to the characteristics tables checks our handler typedefs.
 * Ddk.AllCallsCoverage fails when a header gains a name this file does not use. */
#include <ndis.h>
#include <wsk.h>

C_ASSERT(MEMORY_ALLOCATION_ALIGNMENT == 16);

/* Compile-time checks a driver might carry. */
C_ASSERT(sizeof(NDIS_PACKET_OOB_DATA) == 40);
C_ASSERT(FIELD_OFFSET(NDIS_PACKET, ProtocolReserved) == 96);
C_ASSERT(RTL_FIELD_SIZE(NDIS_PACKET, Private) == 48);
C_ASSERT(RTL_SIZEOF_THROUGH_FIELD(MDL, ByteOffset) == sizeof(MDL));
C_ASSERT(ALIGN_UP_BY(13, 8) == 16 && ALIGN_DOWN_BY(13, 8) == 8);

/* Everything the driver reads and writes; nothing here is ever executed. */
static volatile ULONG_PTR Sink;
#define KEEP(x) (Sink += (ULONG_PTR)(x))

DECLARE_CONST_UNICODE_STRING(AllCallsDeviceName, L"\\Device\\AllCalls");
static NDIS_STRING AllCallsProtocolName = NDIS_STRING_CONST("AllCalls");
static UNICODE_STRING AllCallsLinkName = RTL_CONSTANT_STRING(L"\\DosDevices\\AllCalls");
static ANSI_STRING AllCallsAnsiName = RTL_CONSTANT_STRING("AllCalls");
static NDIS_PHYSICAL_ADDRESS HighestAcceptable = NDIS_PHYSICAL_ADDRESS_CONST(-1, -1);

static NDIS_HANDLE WrapperHandle;
static NDIS_HANDLE DriverHandle;
static NDIS_HANDLE ProtocolHandle;
static NDIS_HANDLE PacketPool;
static NDIS_HANDLE BufferPool;
static LONG volatile Counter;
static LONG64 volatile Counter64;
static PVOID volatile SharedPointer;
static DECLSPEC_CACHEALIGN NDIS_SPIN_LOCK Lock;
static KSPIN_LOCK KLock;
static DECLSPEC_ALIGN(16) SLIST_HEADER SList;
static DECLSPEC_ALIGN(16) SLIST_ENTRY SListEntry;
static LIST_ENTRY ListHead, ListEntry, OtherList;
static SINGLE_LIST_ENTRY SingleHead, SingleEntry;
static UCHAR Storage[2 * PAGE_SIZE];
static union {
    MDL Mdl;
    UCHAR Space[sizeof(MDL) + 4 * sizeof(PFN_NUMBER)];
} MdlSpace;

/* ---- Every constant, as a driver would switch on or pass them -------------------------------------- */
static const NTSTATUS NtStatusValues[] = {
    STATUS_SUCCESS, STATUS_WAIT_0, STATUS_ALERTED, STATUS_TIMEOUT, STATUS_PENDING, STATUS_REPARSE,
    STATUS_MORE_ENTRIES, STATUS_NOT_ALL_ASSIGNED, STATUS_BUFFER_OVERFLOW, STATUS_NO_MORE_ENTRIES,
    STATUS_UNSUCCESSFUL, STATUS_NOT_IMPLEMENTED, STATUS_INVALID_INFO_CLASS, STATUS_INFO_LENGTH_MISMATCH,
    STATUS_ACCESS_VIOLATION, STATUS_INVALID_HANDLE, STATUS_INVALID_PARAMETER, STATUS_NO_SUCH_DEVICE,
    STATUS_NO_SUCH_FILE, STATUS_INVALID_DEVICE_REQUEST, STATUS_END_OF_FILE, STATUS_NO_MEMORY,
    STATUS_ACCESS_DENIED, STATUS_BUFFER_TOO_SMALL, STATUS_OBJECT_TYPE_MISMATCH, STATUS_OBJECT_NAME_INVALID,
    STATUS_OBJECT_NAME_NOT_FOUND, STATUS_OBJECT_NAME_COLLISION, STATUS_OBJECT_PATH_NOT_FOUND,
    STATUS_OBJECT_PATH_SYNTAX_BAD, STATUS_KEY_DELETED,
    STATUS_DATA_ERROR, STATUS_INSUFFICIENT_RESOURCES, STATUS_DEVICE_NOT_CONNECTED, STATUS_NOT_SUPPORTED,
    STATUS_INTERNAL_ERROR, STATUS_INVALID_PARAMETER_1, STATUS_INVALID_PARAMETER_2, STATUS_CANCELLED,
    STATUS_DELETE_PENDING, STATUS_DEVICE_NOT_READY, STATUS_DEVICE_BUSY, STATUS_INVALID_DEVICE_STATE,
    STATUS_NOT_FOUND, STATUS_CONNECTION_REFUSED, STATUS_GRACEFUL_DISCONNECT,
    STATUS_ADDRESS_ALREADY_ASSOCIATED, STATUS_ADDRESS_NOT_ASSOCIATED, STATUS_CONNECTION_INVALID,
    STATUS_CONNECTION_ACTIVE, STATUS_NETWORK_UNREACHABLE, STATUS_HOST_UNREACHABLE,
    STATUS_PROTOCOL_UNREACHABLE, STATUS_PORT_UNREACHABLE, STATUS_REQUEST_ABORTED,
    STATUS_CONNECTION_ABORTED, STATUS_CONNECTION_RESET, STATUS_CONNECTION_DISCONNECTED,
    STATUS_INVALID_ADDRESS, STATUS_ADDRESS_ALREADY_EXISTS, STATUS_IO_TIMEOUT, STATUS_NOINTERFACE,
    STATUS_INVALID_BUFFER_SIZE, STATUS_DEVICE_DOES_NOT_EXIST, STATUS_INVALID_IMAGE_FORMAT,
    STATUS_DRIVER_ENTRYPOINT_NOT_FOUND, STATUS_DEVICE_REMOVED, STATUS_MORE_PROCESSING_REQUIRED,
    STATUS_REQUEST_NOT_ACCEPTED, STATUS_DATA_NOT_ACCEPTED,
};

static const NDIS_STATUS NdisStatusValues[] = {
    NDIS_STATUS_SUCCESS, NDIS_STATUS_PENDING, NDIS_STATUS_NOT_RECOGNIZED, NDIS_STATUS_NOT_COPIED,
    NDIS_STATUS_NOT_ACCEPTED, NDIS_STATUS_CALL_ACTIVE, NDIS_STATUS_ONLINE, NDIS_STATUS_RESET_START,
    NDIS_STATUS_RESET_END, NDIS_STATUS_RING_STATUS, NDIS_STATUS_CLOSED, NDIS_STATUS_WAN_LINE_UP,
    NDIS_STATUS_WAN_LINE_DOWN, NDIS_STATUS_WAN_FRAGMENT, NDIS_STATUS_MEDIA_CONNECT,
    NDIS_STATUS_MEDIA_DISCONNECT, NDIS_STATUS_HARDWARE_LINE_UP, NDIS_STATUS_HARDWARE_LINE_DOWN,
    NDIS_STATUS_INTERFACE_UP, NDIS_STATUS_INTERFACE_DOWN, NDIS_STATUS_MEDIA_BUSY,
    NDIS_STATUS_MEDIA_SPECIFIC_INDICATION, NDIS_STATUS_WW_INDICATION, NDIS_STATUS_LINK_SPEED_CHANGE,
    NDIS_STATUS_WAN_GET_STATS, NDIS_STATUS_WAN_CO_FRAGMENT, NDIS_STATUS_WAN_CO_LINKPARAMS,
    NDIS_STATUS_NOT_RESETTABLE, NDIS_STATUS_SOFT_ERRORS, NDIS_STATUS_HARD_ERRORS,
    NDIS_STATUS_BUFFER_OVERFLOW, NDIS_STATUS_FAILURE, NDIS_STATUS_RESOURCES, NDIS_STATUS_CLOSING,
    NDIS_STATUS_BAD_VERSION, NDIS_STATUS_BAD_CHARACTERISTICS, NDIS_STATUS_ADAPTER_NOT_FOUND,
    NDIS_STATUS_OPEN_FAILED, NDIS_STATUS_DEVICE_FAILED, NDIS_STATUS_MULTICAST_FULL,
    NDIS_STATUS_MULTICAST_EXISTS, NDIS_STATUS_MULTICAST_NOT_FOUND, NDIS_STATUS_REQUEST_ABORTED,
    NDIS_STATUS_RESET_IN_PROGRESS, NDIS_STATUS_CLOSING_INDICATING, NDIS_STATUS_NOT_SUPPORTED,
    NDIS_STATUS_INVALID_PACKET, NDIS_STATUS_OPEN_LIST_FULL, NDIS_STATUS_ADAPTER_NOT_READY,
    NDIS_STATUS_ADAPTER_NOT_OPEN, NDIS_STATUS_NOT_INDICATING, NDIS_STATUS_INVALID_LENGTH,
    NDIS_STATUS_INVALID_DATA, NDIS_STATUS_BUFFER_TOO_SHORT, NDIS_STATUS_INVALID_OID,
    NDIS_STATUS_ADAPTER_REMOVED, NDIS_STATUS_UNSUPPORTED_MEDIA, NDIS_STATUS_GROUP_ADDRESS_IN_USE,
    NDIS_STATUS_FILE_NOT_FOUND, NDIS_STATUS_ERROR_READING_FILE, NDIS_STATUS_ALREADY_MAPPED,
    NDIS_STATUS_RESOURCE_CONFLICT, NDIS_STATUS_NO_CABLE, NDIS_STATUS_INVALID_SAP, NDIS_STATUS_SAP_IN_USE,
    NDIS_STATUS_INVALID_ADDRESS, NDIS_STATUS_VC_NOT_ACTIVATED, NDIS_STATUS_DEST_OUT_OF_ORDER,
    NDIS_STATUS_VC_NOT_AVAILABLE, NDIS_STATUS_CELLRATE_NOT_AVAILABLE, NDIS_STATUS_INCOMPATABLE_QOS,
    NDIS_STATUS_AAL_PARAMS_UNSUPPORTED, NDIS_STATUS_NO_ROUTE_TO_DESTINATION,
    NDIS_STATUS_TOKEN_RING_OPEN_ERROR, NDIS_STATUS_INVALID_DEVICE_REQUEST, NDIS_STATUS_NETWORK_UNREACHABLE,
};

static const NDIS_ERROR_CODE ErrorCodes[] = {
    NDIS_ERROR_CODE_RESOURCE_CONFLICT, NDIS_ERROR_CODE_OUT_OF_RESOURCES, NDIS_ERROR_CODE_HARDWARE_FAILURE,
    NDIS_ERROR_CODE_ADAPTER_NOT_FOUND, NDIS_ERROR_CODE_INTERRUPT_CONNECT, NDIS_ERROR_CODE_DRIVER_FAILURE,
    NDIS_ERROR_CODE_BAD_VERSION, NDIS_ERROR_CODE_TIMEOUT, NDIS_ERROR_CODE_NETWORK_ADDRESS,
    NDIS_ERROR_CODE_UNSUPPORTED_CONFIGURATION, NDIS_ERROR_CODE_INVALID_VALUE_FROM_ADAPTER,
    NDIS_ERROR_CODE_MISSING_CONFIGURATION_PARAMETER, NDIS_ERROR_CODE_BAD_IO_BASE_ADDRESS,
    NDIS_ERROR_CODE_RECEIVE_SPACE_SMALL, NDIS_ERROR_CODE_ADAPTER_DISABLED,
};

static const NDIS_OID SupportedOids[] = {
    OID_GEN_SUPPORTED_LIST, OID_GEN_HARDWARE_STATUS, OID_GEN_MEDIA_SUPPORTED, OID_GEN_MEDIA_IN_USE,
    OID_GEN_MAXIMUM_LOOKAHEAD, OID_GEN_MAXIMUM_FRAME_SIZE, OID_GEN_LINK_SPEED, OID_GEN_TRANSMIT_BUFFER_SPACE,
    OID_GEN_RECEIVE_BUFFER_SPACE, OID_GEN_TRANSMIT_BLOCK_SIZE, OID_GEN_RECEIVE_BLOCK_SIZE, OID_GEN_VENDOR_ID,
    OID_GEN_VENDOR_DESCRIPTION, OID_GEN_CURRENT_PACKET_FILTER, OID_GEN_CURRENT_LOOKAHEAD,
    OID_GEN_DRIVER_VERSION, OID_GEN_MAXIMUM_TOTAL_SIZE, OID_GEN_PROTOCOL_OPTIONS, OID_GEN_MAC_OPTIONS,
    OID_GEN_MEDIA_CONNECT_STATUS, OID_GEN_MAXIMUM_SEND_PACKETS, OID_GEN_VENDOR_DRIVER_VERSION,
    OID_GEN_SUPPORTED_GUIDS, OID_GEN_NETWORK_LAYER_ADDRESSES, OID_GEN_TRANSPORT_HEADER_OFFSET,
    OID_GEN_MACHINE_NAME, OID_GEN_RNDIS_CONFIG_PARAMETER, OID_GEN_VLAN_ID, OID_GEN_MEDIA_CAPABILITIES,
    OID_GEN_PHYSICAL_MEDIUM, OID_GEN_XMIT_OK, OID_GEN_RCV_OK, OID_GEN_XMIT_ERROR, OID_GEN_RCV_ERROR,
    OID_GEN_RCV_NO_BUFFER, OID_GEN_DIRECTED_BYTES_XMIT, OID_GEN_DIRECTED_FRAMES_XMIT,
    OID_GEN_MULTICAST_BYTES_XMIT, OID_GEN_MULTICAST_FRAMES_XMIT, OID_GEN_BROADCAST_BYTES_XMIT,
    OID_GEN_BROADCAST_FRAMES_XMIT, OID_GEN_DIRECTED_BYTES_RCV, OID_GEN_DIRECTED_FRAMES_RCV,
    OID_GEN_MULTICAST_BYTES_RCV, OID_GEN_MULTICAST_FRAMES_RCV, OID_GEN_BROADCAST_BYTES_RCV,
    OID_GEN_BROADCAST_FRAMES_RCV, OID_GEN_RCV_CRC_ERROR, OID_GEN_TRANSMIT_QUEUE_LENGTH,
    OID_GEN_GET_TIME_CAPS, OID_GEN_GET_NETCARD_TIME, OID_GEN_NETCARD_LOAD, OID_GEN_DEVICE_PROFILE,
    OID_GEN_INIT_TIME_MS, OID_GEN_RESET_COUNTS, OID_GEN_MEDIA_SENSE_COUNTS,
    OID_802_3_PERMANENT_ADDRESS, OID_802_3_CURRENT_ADDRESS, OID_802_3_MULTICAST_LIST,
    OID_802_3_MAXIMUM_LIST_SIZE, OID_802_3_MAC_OPTIONS, OID_802_3_RCV_ERROR_ALIGNMENT,
    OID_802_3_XMIT_ONE_COLLISION, OID_802_3_XMIT_MORE_COLLISIONS, OID_802_3_XMIT_DEFERRED,
    OID_802_3_XMIT_MAX_COLLISIONS, OID_802_3_RCV_OVERRUN, OID_802_3_XMIT_UNDERRUN,
    OID_802_3_XMIT_HEARTBEAT_FAILURE, OID_802_3_XMIT_TIMES_CRS_LOST, OID_802_3_XMIT_LATE_COLLISIONS,
    OID_PNP_CAPABILITIES, OID_PNP_SET_POWER, OID_PNP_QUERY_POWER, OID_PNP_ADD_WAKE_UP_PATTERN,
    OID_PNP_REMOVE_WAKE_UP_PATTERN, OID_PNP_WAKE_UP_PATTERN_LIST, OID_PNP_ENABLE_WAKE_UP,
    OID_PNP_WAKE_UP_OK, OID_PNP_WAKE_UP_ERROR,
    OID_TCP_TASK_OFFLOAD, OID_TCP_TASK_IPSEC_ADD_SA, OID_TCP_TASK_IPSEC_DELETE_SA, OID_TCP_SAN_SUPPORT,
    OID_GEN_CO_SUPPORTED_LIST, OID_GEN_CO_HARDWARE_STATUS, OID_GEN_CO_MEDIA_SUPPORTED,
    OID_GEN_CO_MEDIA_IN_USE, OID_GEN_CO_LINK_SPEED, OID_GEN_CO_VENDOR_ID, OID_GEN_CO_VENDOR_DESCRIPTION,
    OID_GEN_CO_DRIVER_VERSION, OID_GEN_CO_PROTOCOL_OPTIONS, OID_GEN_CO_MAC_OPTIONS,
    OID_GEN_CO_MEDIA_CONNECT_STATUS, OID_GEN_CO_VENDOR_DRIVER_VERSION, OID_GEN_CO_SUPPORTED_GUIDS,
    OID_GEN_CO_GET_TIME_CAPS, OID_GEN_CO_GET_NETCARD_TIME, OID_GEN_CO_MINIMUM_LINK_SPEED,
    OID_GEN_CO_XMIT_PDUS_OK, OID_GEN_CO_RCV_PDUS_OK, OID_GEN_CO_XMIT_PDUS_ERROR, OID_GEN_CO_RCV_PDUS_ERROR,
    OID_GEN_CO_RCV_PDUS_NO_BUFFER,
};

/* Flag words: packet filter, protocol and MAC options, media and PM capabilities, attributes,
 * packet flags, memory flags, MDL flags. */
static const ULONG FlagValues[] = {
    NDIS_PACKET_TYPE_DIRECTED, NDIS_PACKET_TYPE_MULTICAST, NDIS_PACKET_TYPE_ALL_MULTICAST,
    NDIS_PACKET_TYPE_BROADCAST, NDIS_PACKET_TYPE_SOURCE_ROUTING, NDIS_PACKET_TYPE_PROMISCUOUS,
    NDIS_PACKET_TYPE_SMT, NDIS_PACKET_TYPE_ALL_LOCAL, NDIS_PACKET_TYPE_GROUP, NDIS_PACKET_TYPE_ALL_FUNCTIONAL,
    NDIS_PACKET_TYPE_FUNCTIONAL, NDIS_PACKET_TYPE_MAC_FRAME,
    NDIS_PROT_OPTION_ESTIMATED_LENGTH, NDIS_PROT_OPTION_NO_LOOPBACK, NDIS_PROT_OPTION_NO_RSVD_ON_RCVPKT,
    NDIS_PROT_OPTION_SEND_RESTRICTED,
    NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA, NDIS_MAC_OPTION_RECEIVE_SERIALIZED,
    NDIS_MAC_OPTION_TRANSFERS_NOT_PEND, NDIS_MAC_OPTION_NO_LOOPBACK, NDIS_MAC_OPTION_FULL_DUPLEX,
    NDIS_MAC_OPTION_EOTX_INDICATION, NDIS_MAC_OPTION_8021P_PRIORITY,
    NDIS_MAC_OPTION_SUPPORTS_MAC_ADDRESS_OVERWRITE, NDIS_MAC_OPTION_RECEIVE_AT_DPC,
    NDIS_MAC_OPTION_8021Q_VLAN, NDIS_MAC_OPTION_RESERVED, NDIS_802_3_MAC_OPTION_PRIORITY,
    NDIS_MEDIA_CAP_TRANSMIT, NDIS_MEDIA_CAP_RECEIVE,
    NDIS_DEVICE_WAKE_UP_ENABLE, NDIS_DEVICE_WAKE_ON_PATTERN_MATCH_ENABLE,
    NDIS_DEVICE_WAKE_ON_MAGIC_PACKET_ENABLE, NDIS_DEVICE_NOT_STOPPABLE, NDIS_DEVICE_NOT_REMOVEABLE,
    NDIS_DEVICE_NOT_SUSPENDABLE, NDIS_DEVICE_DISABLE_PM, NDIS_DEVICE_DISABLE_WAKE_UP,
    NDIS_DEVICE_DISABLE_WAKE_ON_RECONNECT, NDIS_DEVICE_DISABLE_WAKE_ON_MAGIC_PACKET,
    NDIS_DEVICE_DISABLE_WAKE_ON_PATTERN_MATCH,
    NDIS_ATTRIBUTE_IGNORE_PACKET_TIMEOUT, NDIS_ATTRIBUTE_IGNORE_REQUEST_TIMEOUT,
    NDIS_ATTRIBUTE_IGNORE_TOKEN_RING_ERRORS, NDIS_ATTRIBUTE_BUS_MASTER, NDIS_ATTRIBUTE_INTERMEDIATE_DRIVER,
    NDIS_ATTRIBUTE_DESERIALIZE, NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND, NDIS_ATTRIBUTE_SURPRISE_REMOVE_OK,
    NDIS_ATTRIBUTE_NOT_CO_NDIS, NDIS_ATTRIBUTE_USES_SAFE_BUFFER_APIS, NDIS_ATTRIBUTE_DO_NOT_BIND_TO_ALL_CO,
    NDIS_ATTRIBUTE_MINIPORT_PADS_SHORT_PACKETS, NDIS_MINIPORT_BUS_MASTER,
    NDIS_PROTOCOL_BIND_ALL_CO_MINIPORTS,
    fPACKET_WRAPPER_RESERVED, fPACKET_CONTAINS_MEDIA_SPECIFIC_INFO, fPACKET_ALLOCATED_BY_NDIS,
    NDIS_FLAGS_PROTOCOL_ID_MASK, NDIS_FLAGS_MULTICAST_PACKET, NDIS_FLAGS_RESERVED2, NDIS_FLAGS_RESERVED3,
    NDIS_FLAGS_DONT_LOOPBACK, NDIS_FLAGS_IS_LOOPBACK_PACKET, NDIS_FLAGS_LOOPBACK_ONLY, NDIS_FLAGS_RESERVED4,
    NDIS_FLAGS_DOUBLE_BUFFERED, NDIS_FLAGS_SENT_AT_DPC, NDIS_FLAGS_USES_SG_BUFFER_LIST,
    NDIS_FLAGS_USES_ORIGINAL_PACKET, NDIS_FLAGS_PADDED, NDIS_FLAGS_XLATE_AT_TOP,
    NDIS_PROTOCOL_ID_DEFAULT, NDIS_PROTOCOL_ID_TCP_IP, NDIS_PROTOCOL_ID_IPX, NDIS_PROTOCOL_ID_NBF,
    NDIS_PROTOCOL_ID_MAX, NDIS_PROTOCOL_ID_MASK,
    NDIS_MEMORY_CONTIGUOUS, NDIS_MEMORY_NONCACHED,
    MDL_MAPPED_TO_SYSTEM_VA, MDL_PAGES_LOCKED, MDL_SOURCE_IS_NONPAGED_POOL, MDL_ALLOCATED_FIXED_SIZE,
    MDL_PARTIAL, MDL_PARTIAL_HAS_BEEN_MAPPED, MDL_IO_PAGE_READ, MDL_WRITE_OPERATION, MDL_LOCKED_PAGE_TABLES,
    MDL_PARENT_MAPPED_SYSTEM_VA, MDL_FREE_EXTRA_PTES, MDL_DESCRIBES_AWE, MDL_IO_SPACE, MDL_NETWORK_HEADER,
    MDL_MAPPING_CAN_FAIL, MDL_PAGE_CONTENTS_INVARIANT, MDL_ALLOCATED_MUST_SUCCEED, MDL_INTERNAL,
    MdlMappingNoExecute,
    ETH_LENGTH_OF_ADDRESS, NDIS_ANY_NUMBER_OF_NBS, PROTOCOL_RESERVED_SIZE_IN_PACKET,
    NDIS_MINIPORT_MAJOR_VERSION, NDIS_MINIPORT_MINOR_VERSION,
    MAXUCHAR, MAXUSHORT, MAXULONG, MAXLONG, ANYSIZE_ARRAY, PAGE_SIZE, PAGE_SHIFT,
};

static const KIRQL IrqlValues[] = {
    PASSIVE_LEVEL, LOW_LEVEL, APC_LEVEL, DISPATCH_LEVEL, CMCI_LEVEL, CLOCK_LEVEL, IPI_LEVEL, POWER_LEVEL,
    PROFILE_LEVEL, HIGH_LEVEL,
};

static const KPRIORITY Increments[] = { IO_NO_INCREMENT, IO_NETWORK_INCREMENT, EVENT_INCREMENT };

static const UCHAR MajorFunctions[] = {
    IRP_MJ_CREATE, IRP_MJ_CREATE_NAMED_PIPE, IRP_MJ_CLOSE, IRP_MJ_READ, IRP_MJ_WRITE,
    IRP_MJ_QUERY_INFORMATION, IRP_MJ_SET_INFORMATION, IRP_MJ_QUERY_EA, IRP_MJ_SET_EA, IRP_MJ_FLUSH_BUFFERS,
    IRP_MJ_QUERY_VOLUME_INFORMATION, IRP_MJ_SET_VOLUME_INFORMATION, IRP_MJ_DIRECTORY_CONTROL,
    IRP_MJ_FILE_SYSTEM_CONTROL, IRP_MJ_DEVICE_CONTROL, IRP_MJ_INTERNAL_DEVICE_CONTROL, IRP_MJ_SHUTDOWN,
    IRP_MJ_LOCK_CONTROL, IRP_MJ_CLEANUP, IRP_MJ_CREATE_MAILSLOT, IRP_MJ_QUERY_SECURITY, IRP_MJ_SET_SECURITY,
    IRP_MJ_POWER, IRP_MJ_SYSTEM_CONTROL, IRP_MJ_DEVICE_CHANGE, IRP_MJ_QUERY_QUOTA, IRP_MJ_SET_QUOTA,
    IRP_MJ_PNP, IRP_MJ_PNP_POWER, IRP_MJ_SCSI, IRP_MJ_MAXIMUM_FUNCTION,
};

static const ULONG IoControlValues[] = {
    FILE_DEVICE_NETWORK, FILE_DEVICE_PHYSICAL_NETCARD, FILE_DEVICE_TRANSPORT, FILE_DEVICE_UNKNOWN,
    METHOD_BUFFERED, METHOD_IN_DIRECT, METHOD_OUT_DIRECT, METHOD_NEITHER,
    FILE_ANY_ACCESS, FILE_SPECIAL_ACCESS, FILE_READ_ACCESS, FILE_WRITE_ACCESS,
    DEVICE_TYPE_FROM_CTL_CODE(CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_OUT_DIRECT, FILE_ANY_ACCESS)),
    METHOD_FROM_CTL_CODE(CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_IN_DIRECT, FILE_ANY_ACCESS)),
    SL_PENDING_RETURNED, MAXIMUM_PROCESSORS,
};

/* OID_GEN_SUPPORTED_GUIDS: the WMI GUID map a miniport may return. */
static const NDIS_GUID GuidMap[] = {
    { { 0x12345678, 0x1234, 0x5678, { 1, 2, 3, 4, 5, 6, 7, 8 } }, { OID_GEN_VENDOR_ID }, sizeof(ULONG),
      fNDIS_GUID_TO_OID | fNDIS_GUID_ALLOW_READ | fNDIS_GUID_ALLOW_WRITE },
    { { 0x12345679, 0x1234, 0x5678, { 1, 2, 3, 4, 5, 6, 7, 8 } }, { (NDIS_OID)NDIS_STATUS_MEDIA_CONNECT }, 0,
      fNDIS_GUID_TO_STATUS | fNDIS_GUID_ARRAY | fNDIS_GUID_ANSI_STRING | fNDIS_GUID_UNICODE_STRING },
};

/* A structure member aligned the way wdm.h's IO_STACK_LOCATION parameters are. */
typedef struct _ALIGNED_PARAMETERS {
    ULONG Length;
    ULONG POINTER_ALIGNMENT Key;
} ALIGNED_PARAMETERS;
C_ASSERT(sizeof(ALIGNED_PARAMETERS) == 16);

static const LONGLONG Limits[] = { MAXLONGLONG };

static ULONG_PTR ConstantTables(VOID)
{
    ULONG_PTR n = 0;
    n += RTL_NUMBER_OF(NtStatusValues) + ARRAYSIZE(NdisStatusValues) + ARRAYSIZE(ErrorCodes);
    n += ARRAYSIZE(SupportedOids) + ARRAYSIZE(FlagValues) + ARRAYSIZE(IrqlValues) + ARRAYSIZE(Increments);
    n += ARRAYSIZE(MajorFunctions) + ARRAYSIZE(Limits) + ARRAYSIZE(IoControlValues) + ARRAYSIZE(GuidMap);
    n += IoControlValues[0] + GuidMap[0].Size + GuidMap[1].Status;
    n += (ULONG_PTR)NtStatusValues[0] + (ULONG_PTR)NdisStatusValues[0] + ErrorCodes[0] + SupportedOids[0];
    n += FlagValues[0] + IrqlValues[0] + (ULONG_PTR)Increments[0] + MajorFunctions[0] + (ULONG_PTR)Limits[0];
    return n;
}

/* ---- Annotations compile to nothing: the whole SAL and __drv vocabulary ------------------------- */
_Must_inspect_result_ _Check_return_ __checkReturn _Success_(return >= 0) __success(return >= 0)
_When_(Count > 0, _Post_satisfies_(return != 0)) _Ret_range_(0, MAXLONG) _Const_
__drv_maxIRQL(DISPATCH_LEVEL) __drv_minIRQL(PASSIVE_LEVEL) __drv_maxFunctionIRQL(DISPATCH_LEVEL)
__drv_minFunctionIRQL(PASSIVE_LEVEL) __drv_sameIRQL __drv_when(Count == 0, __drv_reportError("zero"))
__drv_preferredFunction("AnnotatedSum", "documentation") __drv_functionClass(ANNOTATED_SUM)
_Function_class_(ANNOTATED_SUM) _IRQL_requires_max_(DISPATCH_LEVEL) _IRQL_requires_min_(PASSIVE_LEVEL)
_IRQL_requires_same_ _IRQL_always_function_max_(DISPATCH_LEVEL) _IRQL_always_function_min_(PASSIVE_LEVEL)
_Requires_lock_not_held_(Lock) _Kernel_float_used_ __drv_floatUsed
static LONG AnnotatedSum(
    _In_reads_(Count) _In_reads_opt_(Count) __in_ecount(Count) CONST LONG *Values,
    _In_ __in IN ULONG Count,
    _In_reads_bytes_(Bytes) _In_reads_bytes_opt_(Bytes) __in_bcount(Bytes) __in_bcount_opt(Bytes)
        _Readable_bytes_(Bytes) _Points_to_data_ const VOID *Raw,
    _In_ ULONG Bytes,
    _Out_writes_(Count) _Out_writes_opt_(Count) _Out_writes_to_(Count, Count) __out_ecount(Count) LONG *Copy,
    _Out_writes_bytes_(Bytes) _Out_writes_bytes_opt_(Bytes) _Out_writes_bytes_to_(Bytes, Bytes)
        _Out_writes_bytes_to_opt_(Bytes, Bytes) __out_bcount(Bytes) __out_bcount_opt(Bytes)
        __out_bcount_part(Bytes, Bytes) _Writable_bytes_(Bytes) _Post_writable_byte_size_(Bytes) VOID *RawCopy,
    _Inout_updates_(Count) _Inout_updates_bytes_(Bytes) LONG *Accumulate,
    _In_opt_ __in_opt _In_z_ _In_opt_z_ _Null_terminated_ __nullterminated _Printf_format_string_
        _Literal_ _Notliteral_ PCSTR Label,
    _Out_ _Out_opt_ __out __out_opt _Deref_out_range_(0, 1) OUT OPTIONAL PULONG Flag,
    _Inout_ _Inout_opt_ __inout __inout_opt _Pre_notnull_ _Interlocked_operand_ __drv_interlocked
        LONG volatile *Shared,
    _Outptr_ _Outptr_opt_ _Outptr_result_maybenull_ _Outptr_result_bytebuffer_(Bytes) _Deref_out_ __deref_out
        __deref_out_opt __deref_inout _Result_nullonfailure_ PVOID *Result,
    _Reserved_ __reserved _Strict_type_match_ __drv_strictTypeMatch(__drv_typeConst)
        __drv_strictType(PVOID, __drv_typeConst) __drv_isObjectPointer __drv_constant __drv_nonConstant
        __drv_in(__drv_valueIs(==0)) __drv_out(__drv_valueIs(==0)) __drv_arg(Reserved, __drv_inTry)
        __drv_inTry __drv_notInTry _Pre_ _Post_ _Post_invalid_ _Field_range_(0, 0) PVOID Reserved)
{
    LONG sum = 0;
    ULONG i;
    _Analysis_assume_(Count < 16);
    for (i = 0; i < Count; i++) {
        Copy[i] = Values[i];
        Accumulate[i] += Values[i];
        sum += Values[i];
    }
    RtlCopyMemory(RawCopy, Raw, Bytes);
    *Flag = (Label != NULL);
    InterlockedAdd(Shared, sum);
    *Result = Reserved;
    return sum;
}

typedef struct _ANNOTATED_RECORD {
    ULONG Count;
    _Field_size_(Count) PLONG Values;
    _Field_size_bytes_(Count) PUCHAR Bytes;
    _Field_size_opt_(Count) PLONG Optional;
    __field_ecount(Count) PLONG Legacy;
    __field_bcount(Count) PUCHAR LegacyBytes;
    _Field_range_(0, 15) ULONG Small;
    ULONG UNALIGNED *Unaligned;
    ULONG __unaligned *AlsoUnaligned;
} ANNOTATED_RECORD;

_Acquires_lock_(Lock) _Acquires_exclusive_lock_(Lock) __drv_acquiresResource(SpinLock)
__drv_acquiresExclusiveResource(SpinLock) __drv_acquiresResourceGlobal(SpinLock, Lock)
_Kernel_acquires_resource_(SpinLock) _IRQL_raises_(DISPATCH_LEVEL) _IRQL_saves_ __drv_raisesIRQL(DISPATCH_LEVEL)
__drv_savesIRQL __drv_setsIRQL(DISPATCH_LEVEL) __drv_savesIRQLGlobal(OldIrql, Lock)
_IRQL_saves_global_(OldIrql, Lock) __drv_innerNeverHoldGlobal(SpinLock, Lock) __drv_neverHold(SpinLock)
_Requires_lock_not_held_(*SpinLock) _Kernel_float_saved_ __drv_floatSaved
static VOID AnnotatedAcquire(_Inout_ _Requires_lock_not_held_(*_Curr_) PNDIS_SPIN_LOCK SpinLock)
{
    NdisAcquireSpinLock(SpinLock);
}

_Releases_lock_(Lock) _Releases_exclusive_lock_(Lock) __drv_releasesResource(SpinLock)
__drv_releasesExclusiveResource(SpinLock) __drv_releasesResourceGlobal(SpinLock, Lock)
_Kernel_releases_resource_(SpinLock) _Requires_lock_held_(Lock) _Requires_exclusive_lock_held_(Lock)
_Kernel_requires_resource_held_(SpinLock) __drv_mustHold(SpinLock) __drv_innerMustHoldGlobal(SpinLock, Lock)
_IRQL_restores_ __drv_restoresIRQL __drv_restoresIRQLGlobal(OldIrql, Lock) _IRQL_restores_global_(OldIrql, Lock)
_Kernel_float_restored_ __drv_floatRestored __drv_requiresIRQL(DISPATCH_LEVEL) _IRQL_requires_(DISPATCH_LEVEL)
static VOID AnnotatedRelease(_Inout_ PNDIS_SPIN_LOCK SpinLock)
{
    NdisReleaseSpinLock(SpinLock);
}

_Drv_allocatesMem_(Mem) __drv_allocatesMem(Mem) _Ret_maybenull_ _Post_writable_byte_size_(Length)
static PVOID AnnotatedAllocate(_In_ UINT Length)
{
    PVOID p = NULL;
    return NdisAllocateMemoryWithTag(&p, Length, 'llAS') == NDIS_STATUS_SUCCESS ? p : NULL;
}

static VOID AnnotatedFree(_In_ _Frees_ptr_ _Frees_ptr_opt_ _Drv_freesMem_(Mem) __drv_freesMem(Mem)
    _Drv_aliasesMem_ __drv_aliasesMem __drv_at(Memory, __drv_freesMem(Mem)) PVOID Memory, _In_ UINT Length)
{
    NdisFreeMemory(Memory, Length, 0);
}

_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) __drv_dispatchType(IRP_MJ_CREATE)
__drv_dispatchType_other _IRQL_uses_cancel_ __drv_useCancelIRQL _Kernel_clear_do_init_(yes)
__drv_clearDoInit(yes) __drv_Mode_impl(x) _At_(Irp, _Pre_notnull_) _IRQL_is_cancel_
static NTSTATUS WINAPI AllCallsDispatch(_In_ PDEVICE_OBJECT DeviceObject, _Inout_ struct _IRP *Irp)
{
    PIO_STACK_LOCATION irpStack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status = STATUS_SUCCESS;
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Information = 0;
    switch (irpStack->MajorFunction) {
    case IRP_MJ_DEVICE_CONTROL:
        switch (irpStack->Parameters.DeviceIoControl.IoControlCode) {
        case CTL_CODE(FILE_DEVICE_NETWORK, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS):
            if (irpStack->Parameters.DeviceIoControl.OutputBufferLength >= sizeof(ULONG)) {
                *(PULONG)Irp->AssociatedIrp.SystemBuffer = irpStack->Parameters.DeviceIoControl.InputBufferLength;
                Irp->IoStatus.Information = sizeof(ULONG);
            }
            break;
        case CTL_CODE(FILE_DEVICE_NETWORK, 0x801, METHOD_NEITHER, FILE_READ_ACCESS | FILE_WRITE_ACCESS):
            KEEP(irpStack->Parameters.DeviceIoControl.Type3InputBuffer);
            KEEP(Irp->UserBuffer);
            break;
        default:
            status = STATUS_INVALID_DEVICE_REQUEST;
            break;
        }
        break;
    case IRP_MJ_READ:
        KEEP(irpStack->Parameters.Read.Length + irpStack->Parameters.Read.ByteOffset.QuadPart);
        KEEP(Irp->MdlAddress);
        /* Pended and completed at once: what a driver that queues the IRP does later. */
        IoMarkIrpPending(Irp);
        Irp->IoStatus.Status = STATUS_SUCCESS;
        IofCompleteRequest(Irp, IO_NETWORK_INCREMENT);
        return STATUS_PENDING;
    default:
        break;
    }
    KEEP(IoGetNextIrpStackLocation(Irp) + 1 == irpStack);
    Irp->IoStatus.Status = status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

/* Calling-convention and linkage words are accepted where a Windows source puts them. */
static ULONG NTAPI CallNtapi(ULONG x) { return x + 1; }
static ULONG __stdcall CallStdcall(ULONG x) { return x + 2; }
static ULONG __cdecl CallCdecl(ULONG x) { return x + 3; }
static ULONG __fastcall CallFastcall(ULONG x) { return x + 4; }
static ULONG FASTCALL CallFASTCALL(ULONG x) { return x + 5; }
static ULONG CALLBACK CallCallback(ULONG x) { return x + 6; }
static __inline ULONG CallInline(ULONG x) { return x + 7; }
static __forceinline ULONG CallForceinline(ULONG x) { return x + 8; }
FORCEINLINE ULONG CallFORCEINLINE(ULONG x) { return x + 9; }
static NTAPI_INLINE ULONG CallNtapiInline(ULONG x) { return x + 10; }
static DECLSPEC_NOINLINE ULONG CallNoinline(ULONG x) { return x + 11; }
static __declspec(noinline) ULONG CallDeclspec(ULONG x) { return x + 12; }
NTSYSAPI NTSYSCALLAPI NTKERNELAPI NTHALAPI NDISAPI ULONG NTAPI AllCallsExported(ULONG x);
DECLSPEC_EXPORT ULONG NTAPI AllCallsExported(ULONG x) { return x; }
DECLSPEC_IMPORT NDIS_STATUS NdisScheduleWorkItem(PNDIS_WORK_ITEM WorkItem);

static ULONG CallingConventions(VOID)
{
    __int64 wide = 1;
    __volatile ULONG v = 0;
    PVOID RESTRICTED_POINTER p = Storage;
    KEEP(p);
    v += CallNtapi(0) + CallStdcall(0) + CallCdecl(0) + CallFastcall(0) + CallFASTCALL(0) + CallCallback(0);
    v += CallInline(0) + CallForceinline(0) + CallFORCEINLINE(0) + CallNtapiInline(0) + CallNoinline(0);
    v += CallDeclspec(0) + AllCallsExported(0);
    return v + (ULONG)wide;
}

static DECLSPEC_NORETURN VOID Fatal(ULONG Code)
{
    if (Code != 0)
        KeBugCheckEx(Code, 1, 2, 3, 4);
    KeBugCheck(Code);
}

/* ---- Kernel substrate (wdm.h) ------------------------------------------------------------------ */
_Function_class_(KDEFERRED_ROUTINE) _IRQL_requires_(DISPATCH_LEVEL)
static VOID AllCallsDpc(_In_ struct _KDPC *Dpc, _In_opt_ PVOID DeferredContext, _In_opt_ PVOID SystemArgument1,
    _In_opt_ PVOID SystemArgument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(DeferredContext);
    DBG_UNREFERENCED_PARAMETER(SystemArgument1);
    DBG_UNREFERENCED_PARAMETER(SystemArgument2);
}

static VOID Irql(VOID)
{
    KIRQL old, cur;
    cur = KeGetCurrentIrql();
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    KeLowerIrql(old);
    old = KfRaiseIrql(DISPATCH_LEVEL);
    KeLowerIrql(old);
    old = KeRaiseIrqlToDpcLevel();
    KeLowerIrql(old);
    KEEP(cur);
    KEEP(KeGetCurrentProcessorNumber());
    KEEP(KeQueryActiveProcessorCount(NULL));
    KEEP(KeNumberProcessors);
}

static VOID SpinLocks(VOID)
{
    KIRQL old;
    KeInitializeSpinLock(&KLock);
    KeAcquireSpinLock(&KLock, &old);
    KeReleaseSpinLock(&KLock, old);
    old = KeAcquireSpinLockRaiseToDpc(&KLock);
    KeAcquireSpinLockAtDpcLevel(&Lock.SpinLock);
    KeReleaseSpinLockFromDpcLevel(&Lock.SpinLock);
    if (KeTryToAcquireSpinLockAtDpcLevel(&Lock.SpinLock))
        KeReleaseSpinLockFromDpcLevel(&Lock.SpinLock);
    KeReleaseSpinLock(&KLock, old);
}

static VOID Dispatcher(VOID)
{
    static KEVENT event;
    static KTIMER timer;
    static KDPC dpc;
    LARGE_INTEGER due, now, ticks, freq, perf;
    NTSTATUS status;

    KeInitializeEvent(&event, NotificationEvent, FALSE);
    KeInitializeEvent(&event, SynchronizationEvent, TRUE);
    KEEP(KeSetEvent(&event, IO_NO_INCREMENT, FALSE));
    KEEP(KeResetEvent(&event));
    KeClearEvent(&event);
    KEEP(KeReadStateEvent(&event));
    due.QuadPart = -10000;
    status = KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &due);
    KEEP(NT_SUCCESS(status) + NT_INFORMATION(status) + NT_WARNING(status) + NT_ERROR(status));
    status = KeDelayExecutionThread(UserMode, TRUE, &due);
    KEEP(status == STATUS_TIMEOUT);
    KEEP(WrRundown + MaximumWaitReason + MaximumMode + WaitAll + WaitAny);

    KeInitializeDpc(&dpc, AllCallsDpc, NULL);
    KeSetImportanceDpc(&dpc, MediumHighImportance);
    KeSetTargetProcessorDpc(&dpc, 0);
    KEEP(KeInsertQueueDpc(&dpc, NULL, NULL));
    KEEP(KeRemoveQueueDpc(&dpc));
    KeFlushQueuedDpcs();

    KeInitializeTimer(&timer);
    KeInitializeTimerEx(&timer, SynchronizationTimer);
    KEEP(KeSetTimer(&timer, due, &dpc));
    KEEP(KeSetTimerEx(&timer, due, 100, &dpc));
    KEEP(KeReadStateTimer(&timer));
    KEEP(KeCancelTimer(&timer));
    KEEP(NotificationTimer);

    KeQuerySystemTime(&now);
    KeQueryTickCount(&ticks);
    perf = KeQueryPerformanceCounter(&freq);
    KEEP(now.QuadPart + ticks.LowPart + ticks.HighPart + ticks.u.LowPart + perf.QuadPart + freq.QuadPart);
    KEEP(KeQueryInterruptTime());
    KEEP(KeQueryTimeIncrement());
    KeStallExecutionProcessor(1);
}

static VOID Pool(VOID)
{
    PVOID p = ExAllocatePoolWithTag(NonPagedPoolNx, 64, 'llAS');
    PVOID q = ExAllocatePool(PagedPool, 64);
    UCHAR a[8], b[8];
    RtlZeroMemory(a, sizeof a);
    RtlFillMemory(b, sizeof b, 0x5a);
    RtlCopyMemory(a, b, sizeof a);
    RtlMoveMemory(a + 1, a, 4);
    KEEP(RtlEqualMemory(a, b, sizeof a));
    KEEP(RtlCompareMemory(a, b, sizeof a));
    ExFreePoolWithTag(p, 'llAS');
    ExFreePool(q);
    p = ExAllocatePoolZero(NonPagedPoolNx, 64, 'llAS');
    q = ExAllocatePoolUninitialized(NonPagedPoolNx, 64, 'llAS');
    ExFreePoolWithTag(p, 'llAS');
    ExFreePoolWithTag(q, 'llAS');
    p = ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_CACHE_ALIGNED | POOL_FLAG_SPECIAL_POOL, 64, 'llAS');
    q = ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_UNINITIALIZED, 64, 'llAS');
    ExFreePoolWithTag(p, 'llAS');
    ExFreePoolWithTag(q, 'llAS');
    KEEP(POOL_FLAG_USE_QUOTA + POOL_FLAG_SESSION + POOL_FLAG_RAISE_ON_FAILURE + POOL_FLAG_NON_PAGED_EXECUTE);
    KEEP(NonPagedPool + NonPagedPoolExecute + NonPagedPoolMustSucceed + DontUseThisType +
         NonPagedPoolCacheAligned + PagedPoolCacheAligned + NonPagedPoolCacheAlignedMustS + MaxPoolType +
         NonPagedPoolSession + NonPagedPoolNxCacheAligned);
}

static VOID Interlocked(VOID)
{
    LONG x = 0;
    x += InterlockedIncrement(&Counter);
    x += InterlockedDecrement(&Counter);
    x += InterlockedExchange(&Counter, 5);
    x += InterlockedExchangeAdd(&Counter, 2);
    x += InterlockedAdd(&Counter, 3);
    x += InterlockedOr(&Counter, 0x10);
    x += InterlockedAnd(&Counter, 0xff);
    x += InterlockedCompareExchange(&Counter, 7, 5);
    KEEP(x);
    KEEP(InterlockedIncrement64(&Counter64) + InterlockedDecrement64(&Counter64));
    KEEP(InterlockedExchangeAdd64(&Counter64, 4) + InterlockedCompareExchange64(&Counter64, 1, 4));
    KEEP(InterlockedExchangePointer(&SharedPointer, &x));
    KEEP(InterlockedCompareExchangePointer(&SharedPointer, NULL, &x));
    KeMemoryBarrier();
    MemoryBarrier();
    YieldProcessor();
}

typedef struct _ALLCALLS_ITEM {
    ULONG Tag;
    LIST_ENTRY Link;
} ALLCALLS_ITEM;

static VOID Lists(VOID)
{
    static ALLCALLS_ITEM item;
    PLIST_ENTRY e;
    ALLCALLS_ITEM *owner;

    InitializeListHead(&ListHead);
    InitializeListHead(&OtherList);
    InsertTailList(&ListHead, &ListEntry);
    InsertHeadList(&ListHead, &item.Link);
    owner = CONTAINING_RECORD(ListHead.Flink, ALLCALLS_ITEM, Link);
    KEEP(owner->Tag);
    AppendTailList(&ListHead, &OtherList);
    KEEP(IsListEmpty(&ListHead));
    e = RemoveHeadList(&ListHead);
    KEEP(RemoveEntryList(e));
    e = RemoveTailList(&ListHead);
    KEEP(e);

    PushEntryList(&SingleHead, &SingleEntry);
    KEEP(PopEntryList(&SingleHead));

    KEEP(ExInterlockedInsertHeadList(&ListHead, &ListEntry, &KLock));
    KEEP(ExInterlockedInsertTailList(&ListHead, &item.Link, &KLock));
    KEEP(ExInterlockedRemoveHeadList(&ListHead, &KLock));
    KEEP(ExInterlockedPushEntryList(&SingleHead, &SingleEntry, &KLock));
    KEEP(ExInterlockedPopEntryList(&SingleHead, &KLock));

    InitializeSListHead(&SList);
    ExInitializeSListHead(&SList);
    KEEP(InterlockedPushEntrySList(&SList, &SListEntry));
    KEEP(ExInterlockedPushEntrySList(&SList, &SListEntry, &KLock));
    KEEP(QueryDepthSList(&SList) + ExQueryDepthSList(&SList));
    KEEP(InterlockedPopEntrySList(&SList));
    KEEP(ExInterlockedPopEntrySList(&SList, &KLock));
    KEEP(InterlockedFlushSList(&SList));
    KEEP(ExInterlockedFlushSList(&SList));
}

static VOID Strings(VOID)
{
    UNICODE_STRING u, v;
    ANSI_STRING a;
    STRING s;
    ULONG value = 0;
    DECLARE_UNICODE_STRING_SIZE(scratch, 32);

    RtlInitUnicodeString(&u, L"AllCalls");
    RtlInitAnsiString(&a, "AllCalls");
    RtlInitString(&s, "AllCalls");
    KEEP(RtlAnsiStringToUnicodeString(&v, &a, TRUE));
    RtlFreeUnicodeString(&v);
    KEEP(RtlUnicodeStringToAnsiString(&a, &u, TRUE));
    RtlFreeAnsiString(&a);
    KEEP(RtlCompareUnicodeString(&u, &AllCallsLinkName, TRUE));
    KEEP(RtlEqualUnicodeString(&u, &AllCallsDeviceName, FALSE));
    KEEP(RtlEqualString(&s, &AllCallsAnsiName, FALSE));
    RtlCopyUnicodeString(&scratch, &u);
    KEEP(RtlAppendUnicodeStringToString(&scratch, &u));
    KEEP(RtlAppendUnicodeToString(&scratch, L"!"));
    KEEP(RtlUpcaseUnicodeChar(L'a'));
    KEEP(RtlUpcaseUnicodeString(&scratch, &u, FALSE));
    KEEP(RtlIntegerToUnicodeString(42, 10, &scratch));
    KEEP(RtlUnicodeStringToInteger(&scratch, 0, &value));
    KEEP(value);
}

static VOID Mdls(VOID)
{
    PMDL mdl = &MdlSpace.Mdl;
    PVOID va = Storage + 100;
    PMDL allocated;

    MmInitializeMdl(mdl, va, 200);
    MmBuildMdlForNonPagedPool(mdl);
    KEEP(MmGetMdlVirtualAddress(mdl));
    KEEP(MmGetMdlByteOffset(mdl));
    MmGetMdlByteCount(mdl) = 150; /* lvalue */
    KEEP(MmGetMdlPfnArray(mdl)[0]);
    KEEP(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority | MdlMappingNoExecute));
    KEEP(MmGetSystemAddressForMdl(mdl));
    KEEP(BYTE_OFFSET(va) + ROUND_TO_PAGES(300) + ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, 5000));
    KEEP(PAGE_ALIGN(va));
    KEEP(MmSizeOfMdl(va, 200));
    KEEP(LowPagePriority + HighPagePriority);
    allocated = IoAllocateMdl(va, 200, FALSE, FALSE, NULL);
    IoFreeMdl(allocated);
}

static VOID Debugging(ULONG Value)
{
    DbgPrint("AllCalls: %u\n", Value);
    DbgPrintEx(0, 0, "AllCalls: %s\n", "DbgPrintEx");
    KdPrint(("AllCalls: %u\n", Value));
    KdPrintEx((0, 0, "AllCalls: %u\n", Value));
    ASSERT(Value != 0);
    ASSERTMSG("value must be set", Value != 0);
    NT_ASSERT(Value != 0);
    if (Value == 0xdead) {
        DbgBreakPoint();
        KdBreakPoint();
        RtlAssert((PVOID) "Value", (PVOID)__FILE__, __LINE__, NULL);
    }
}

#pragma alloc_text(PAGE, PagedWork)
static ULONG PagedWork(ULONG Value)
{
    ULONG unused_in_free_builds = Value;
    PAGED_CODE();
    PAGED_CODE_LOCKED();
    DBG_UNREFERENCED_LOCAL_VARIABLE(unused_in_free_builds);
    return Value;
}

/* ---- IRPs a driver allocates, cancellation, system threads and objects (a WSK client's calls) ---------- */
static NTSTATUS AllCallsIrpDone(_In_ PDEVICE_OBJECT DeviceObject, _In_ struct _IRP *Irp, _In_opt_ PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    if (Irp->PendingReturned)
        IoMarkIrpPending(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

_Function_class_(DRIVER_CANCEL) _Requires_lock_held_(_Global_cancel_spin_lock_)
static VOID AllCallsCancel(_Inout_ PDEVICE_OBJECT DeviceObject, _Inout_ _IRQL_uses_cancel_ struct _IRP *Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    Irp->IoStatus.Status = STATUS_CANCELLED;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

static VOID Irps(PDEVICE_OBJECT Lower)
{
    static KEVENT done;
    PIO_COMPLETION_ROUTINE completion = AllCallsIrpDone;
    PDRIVER_CANCEL cancel = AllCallsCancel;
    PIRP irp = IoAllocateIrp(Lower->StackSize, FALSE);
    PIO_STACK_LOCATION next;
    KIRQL irql;
    static DECLSPEC_ALIGN(16) UCHAR raw[IoSizeOfIrp(2)];

    if (irp == NULL)
        return;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    next = IoGetNextIrpStackLocation(irp);
    next->MajorFunction = IRP_MJ_INTERNAL_DEVICE_CONTROL;
    IoSetCompletionRoutine(irp, completion, &done, TRUE, TRUE, TRUE);
    KEEP(IoCallDriver(Lower, irp));
    KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
    KEEP(irp->IoStatus.Status == STATUS_MORE_PROCESSING_REQUIRED);

    IoReuseIrp(irp, STATUS_UNSUCCESSFUL);
    IoSetNextIrpStackLocation(irp); /* a location of our own, passed on below */
    IoCopyCurrentIrpStackLocationToNext(irp);
    if (IoSetCompletionRoutineEx(Lower, irp, completion, &done, TRUE, TRUE, FALSE) == STATUS_SUCCESS)
        KEEP(IofCallDriver(Lower, irp));
    KEEP(IoSetCancelRoutine(irp, cancel));
    KEEP(IoCancelIrp(irp));
    IoAcquireCancelSpinLock(&irql);
    IoReleaseCancelSpinLock(irql);
    IoFreeIrp(irp);

    IoInitializeIrp((PIRP)raw, IoSizeOfIrp(2), 2);
    IoSkipCurrentIrpStackLocation((PIRP)raw);
    KEEP(SL_PENDING_RETURNED | SL_ERROR_RETURNED | SL_INVOKE_ON_CANCEL | SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_ERROR);
}

_Function_class_(KSTART_ROUTINE)
static VOID AllCallsThread(_In_ PVOID StartContext)
{
    PETHREAD self = PsGetCurrentThread();
    KEEP(StartContext);
    KEEP(PsIsSystemThread(self));
    KEEP(KeGetCurrentThread() == (PKTHREAD)self);
    KEEP(PsGetCurrentThreadId());
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static VOID Threads(VOID)
{
    HANDLE thread;
    CLIENT_ID client;
    OBJECT_ATTRIBUTES attributes;
    OBJECT_HANDLE_INFORMATION info;
    PVOID object;
    PKSTART_ROUTINE start = AllCallsThread;
    NTSTATUS status;

    InitializeObjectAttributes(&attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    status = PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, &attributes, NULL, &client, start, NULL);
    if (!NT_SUCCESS(status))
        return;
    KEEP(client.UniqueProcess == NtCurrentProcess() || client.UniqueThread == ZwCurrentThread());
    status = ObReferenceObjectByHandle(thread, SYNCHRONIZE, *PsThreadType, KernelMode, &object, &info);
    ZwClose(thread);
    if (NT_SUCCESS(status)) {
        KEEP(info.GrantedAccess + info.HandleAttributes);
        KeWaitForSingleObject(object, Executive, KernelMode, FALSE, NULL);
        KEEP(ObReferenceObject(object));
        KEEP(ObfReferenceObject(object));
        KEEP(ObfDereferenceObject(object));
        ObDereferenceObject(object);
        ObDereferenceObject(object);
    }
    if (NT_SUCCESS(ObReferenceObjectByHandle(NtCurrentThread(), 0, NULL, KernelMode, &object, NULL)))
        ObDereferenceObject(object);
    KEEP(ZwCurrentProcess());
    KEEP(OBJ_INHERIT | OBJ_PERMANENT | OBJ_EXCLUSIVE | OBJ_CASE_INSENSITIVE | OBJ_OPENIF | OBJ_OPENLINK |
         OBJ_FORCE_ACCESS_CHECK | OBJ_VALID_ATTRIBUTES);
    KEEP(DELETE | READ_CONTROL | WRITE_DAC | WRITE_OWNER | STANDARD_RIGHTS_REQUIRED | STANDARD_RIGHTS_ALL |
         GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL);
}

/* ---- Winsock Kernel (wsk.h, with ws2def.h and ws2ipdef.h): registration, every provider function, every
 * client callback, every constant and macro ------------------------------------------------------------- */
static const ULONG NtddiValues[] = {
    NTDDI_WIN2K, NTDDI_WINXP, NTDDI_WS03, NTDDI_VISTA, NTDDI_LONGHORN, NTDDI_VISTASP1, NTDDI_WS08,
    NTDDI_VISTASP2, NTDDI_WIN7, NTDDI_WIN8, NTDDI_WINBLUE, NTDDI_WINTHRESHOLD, NTDDI_WIN10, NTDDI_WIN10_TH2,
    NTDDI_WIN10_RS1, NTDDI_WIN10_RS2, NTDDI_WIN10_RS3, NTDDI_WIN10_RS4, NTDDI_WIN10_RS5, NTDDI_WIN10_19H1,
    NTDDI_WIN10_VB, NTDDI_WIN10_MN, NTDDI_WIN10_FE, NTDDI_WIN10_CO, NTDDI_WIN10_NI,
};

static const ULONG WskValues[] = {
    WSK_CURRENT_VERSION, MAKE_WSK_VERSION(1, 0), WSK_MAJOR_VERSION(WSK_CURRENT_VERSION),
    WSK_MINOR_VERSION(WSK_CURRENT_VERSION),
    WSK_FLAG_AT_DISPATCH_LEVEL, WSK_FLAG_RELEASE_ASAP, WSK_FLAG_ENTIRE_MESSAGE, WSK_FLAG_ABORTIVE,
    WSK_FLAG_BASIC_SOCKET, WSK_FLAG_LISTEN_SOCKET, WSK_FLAG_CONNECTION_SOCKET, WSK_FLAG_DATAGRAM_SOCKET,
    WSK_FLAG_STREAM_SOCKET, WSK_FLAG_OOB, WSK_FLAG_NODELAY, WSK_FLAG_WAITALL, WSK_FLAG_DRAIN, WSK_NO_WAIT,
    WSK_INFINITE_WAIT, WSK_TRANSPORT_LIST_QUERY, WSK_TRANSPORT_LIST_CHANGE, WSK_CACHE_SD, WSK_RELEASE_SD,
    WSK_TDI_DEVICENAME_MAPPING, WSK_SET_STATIC_EVENT_CALLBACKS, WSK_TDI_BEHAVIOR, WSK_TDI_BEHAVIOR_BYPASS_TDI,
    SO_WSK_SECURITY, SO_WSK_EVENT_CALLBACK, WSK_SO_BASE, WSK_EVENT_RECEIVE_FROM, WSK_EVENT_ACCEPT,
    WSK_EVENT_SEND_BACKLOG, WSK_EVENT_RECEIVE, WSK_EVENT_DISCONNECT, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE,
    SIO_WSK_SET_REMOTE_ADDRESS, SIO_WSK_REGISTER_EXTENSION, SIO_WSK_QUERY_IDEAL_SEND_BACKLOG,
    SIO_WSK_QUERY_RECEIVE_BACKLOG, SIO_WSK_QUERY_INSPECT_ID, SIO_WSK_SET_SENDTO_ADDRESS,
    SIO_WSK_SET_TCP_SILENT_MODE, IOC_WSK, _WSAIO(IOC_VENDOR, 1), _WSAIOR(IOC_PROTOCOL, 2),
    _WSAIOW(IOC_UNIX, 3), _WSAIORW(IOC_WS2, 4), IOCPARM_MASK, IOC_VOID, IOC_OUT, IOC_IN, IOC_INOUT,
};

static const ADDRESS_FAMILY AddressFamilies[] = {
    AF_UNSPEC, AF_UNIX, AF_INET, AF_IMPLINK, AF_PUP, AF_CHAOS, AF_NS, AF_IPX, AF_ISO, AF_OSI, AF_ECMA,
    AF_DATAKIT, AF_CCITT, AF_SNA, AF_DECnet, AF_DLI, AF_LAT, AF_HYLINK, AF_APPLETALK, AF_NETBIOS,
    AF_VOICEVIEW, AF_FIREFOX, AF_UNKNOWN1, AF_BAN, AF_ATM, AF_INET6, AF_CLUSTER, AF_12844, AF_IRDA,
    AF_NETDES, AF_TCNPROCESS, AF_TCNMESSAGE, AF_ICLFXBM, AF_BTH, AF_LINK, AF_HYPERV, AF_MAX,
};

/* Socket types, levels and options, address and name-resolution flags (LONGLONG: some are -1). */
static const LONGLONG SocketValues[] = {
    SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_RDM, SOCK_SEQPACKET, SOL_SOCKET, SOL_IP, SOL_IPV6, IPPROTO_IP,
    SO_DEBUG, SO_ACCEPTCONN, SO_REUSEADDR, SO_KEEPALIVE, SO_DONTROUTE, SO_BROADCAST, SO_USELOOPBACK,
    SO_LINGER, SO_OOBINLINE, SO_DONTLINGER, SO_EXCLUSIVEADDRUSE, SO_SNDBUF, SO_RCVBUF, SO_SNDLOWAT,
    SO_RCVLOWAT, SO_SNDTIMEO, SO_RCVTIMEO, SO_ERROR, SO_TYPE, SO_BSP_STATE, SO_GROUP_ID, SO_GROUP_PRIORITY,
    SO_MAX_MSG_SIZE, SO_CONDITIONAL_ACCEPT, SO_PAUSE_ACCEPT, SO_COMPARTMENT_ID, SO_RANDOMIZE_PORT,
    SO_PORT_SCALABILITY, SO_REUSE_UNICASTPORT, SO_REUSE_MULTICASTPORT, SO_ORIGINAL_DST, IP6T_SO_ORIGINAL_DST,
    _SS_MAXSIZE, _SS_ALIGNSIZE, _SS_PAD1SIZE, _SS_PAD2SIZE, MAX_NATURAL_ALIGNMENT,
    TYPE_ALIGNMENT(SOCKADDR_STORAGE), INADDR_ANY, INADDR_LOOPBACK, INADDR_BROADCAST, INADDR_NONE,
    MSG_TRUNC, MSG_CTRUNC, MSG_BCAST, MSG_MCAST, MSG_ERRQUEUE,
    AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST, AI_NUMERICSERV, AI_DNS_ONLY, AI_FORCE_CLEAR_TEXT,
    AI_BYPASS_DNS_CACHE, AI_RETURN_TTL, AI_ALL, AI_ADDRCONFIG, AI_V4MAPPED, AI_NON_AUTHORITATIVE, AI_SECURE,
    AI_RETURN_PREFERRED_NAMES, AI_FQDN, AI_FILESERVER, AI_DISABLE_IDN_ENCODING, AI_SECURE_WITH_FALLBACK,
    AI_EXCLUSIVE_CUSTOM_SERVERS, AI_RETURN_RESPONSE_FLAGS, AI_REQUIRE_SECURE, AI_RESOLUTION_HANDLE,
    AI_EXTENDED, NS_ALL, NS_SAP, NS_NDS, NS_PEER_BROWSE, NS_SLP, NS_DHCP, NS_TCPIP_LOCAL, NS_TCPIP_HOSTS,
    NS_DNS, NS_NETBT, NS_WINS, NS_NLA, NS_BTH, NS_NBP, NS_MS, NS_STDA, NS_NTDS, NS_EMAIL, NS_PNRPNAME,
    NS_PNRPCLOUD, NS_X500, NS_NIS, NS_NISPLUS, NS_WRQ, NS_NETDES, NI_NOFQDN, NI_NUMERICHOST, NI_NAMEREQD,
    NI_NUMERICSERV, NI_DGRAM, NI_MAXHOST, NI_MAXSERV, INET_ADDRSTRLEN, INET6_ADDRSTRLEN,
    IP_OPTIONS, IP_HDRINCL, IP_TOS, IP_TTL, IP_MULTICAST_IF, IP_MULTICAST_TTL, IP_MULTICAST_LOOP,
    IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP, IP_DONTFRAGMENT, IP_ADD_SOURCE_MEMBERSHIP,
    IP_DROP_SOURCE_MEMBERSHIP, IP_BLOCK_SOURCE, IP_UNBLOCK_SOURCE, IP_PKTINFO, IP_HOPLIMIT, IP_RECVTTL,
    IP_RECEIVE_BROADCAST, IP_RECVIF, IP_RECVDSTADDR, IP_IFLIST, IP_ADD_IFLIST, IP_DEL_IFLIST, IP_UNICAST_IF,
    IP_RTHDR, IP_GET_IFLIST, IP_RECVRTHDR, IP_TCLASS, IP_RECVTCLASS, IP_RECVTOS, IP_ORIGINAL_ARRIVAL_IF,
    IP_ECN, IP_RECVECN, IP_PKTINFO_EX, IP_WFP_REDIRECT_RECORDS, IP_WFP_REDIRECT_CONTEXT, IP_MTU_DISCOVER,
    IP_MTU, IP_NRT_INTERFACE, IP_RECVERR, IP_USER_MTU, IP_UNSPECIFIED_TYPE_OF_SERVICE,
    IP_UNSPECIFIED_USER_MTU, IP_UNSPECIFIED_HOP_LIMIT, IP_PROTECTION_LEVEL, MCAST_JOIN_GROUP,
    MCAST_LEAVE_GROUP, MCAST_BLOCK_SOURCE, MCAST_UNBLOCK_SOURCE, MCAST_JOIN_SOURCE_GROUP,
    MCAST_LEAVE_SOURCE_GROUP, IPV6_HOPOPTS, IPV6_HDRINCL, IPV6_UNICAST_HOPS, IPV6_MULTICAST_IF,
    IPV6_MULTICAST_HOPS, IPV6_MULTICAST_LOOP, IPV6_ADD_MEMBERSHIP, IPV6_JOIN_GROUP, IPV6_DROP_MEMBERSHIP,
    IPV6_LEAVE_GROUP, IPV6_DONTFRAG, IPV6_PKTINFO, IPV6_HOPLIMIT, IPV6_PROTECTION_LEVEL, IPV6_RECVIF,
    IPV6_RECVDSTADDR, IPV6_CHECKSUM, IPV6_V6ONLY, IPV6_IFLIST, IPV6_ADD_IFLIST, IPV6_DEL_IFLIST,
    IPV6_UNICAST_IF, IPV6_RTHDR, IPV6_GET_IFLIST, IPV6_RECVRTHDR, IPV6_TCLASS, IPV6_RECVTCLASS, IPV6_ECN,
    IPV6_RECVECN, IPV6_PKTINFO_EX, IPV6_WFP_REDIRECT_RECORDS, IPV6_WFP_REDIRECT_CONTEXT, IPV6_MTU_DISCOVER,
    IPV6_MTU, IPV6_NRT_INTERFACE, IPV6_RECVERR, IPV6_USER_MTU, PROTECTION_LEVEL_UNRESTRICTED,
    PROTECTION_LEVEL_EDGERESTRICTED, PROTECTION_LEVEL_RESTRICTED, PROTECTION_LEVEL_DEFAULT,
    TCP_NODELAY, TCP_OFFLOAD_NO_PREFERENCE, TCP_OFFLOAD_NOT_PREFERRED, TCP_OFFLOAD_PREFERRED,
    TCP_EXPEDITED_1122, TCP_KEEPALIVE, TCP_MAXSEG, TCP_MAXRT, TCP_STDURG, TCP_NOURG, TCP_ATMARK,
    TCP_NOSYNRETRIES, TCP_TIMESTAMPS, TCP_OFFLOAD_PREFERENCE, TCP_CONGESTION_ALGORITHM, TCP_DELAY_FIN_ACK,
    TCP_MAXRTMS, TCP_FASTOPEN, TCP_KEEPCNT, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_FAIL_CONNECT_ON_ICMP_ERROR,
    TCP_ICMP_ERROR_INFO, UDP_SEND_MSG_SIZE, UDP_RECV_MAX_COALESCED_SIZE, UDP_COALESCED_INFO,
};

/* A buffer descriptor annotated the way WSK samples annotate theirs. */
typedef struct _ALLCALLS_WSK_BUFFER {
    SIZE_T Capacity;
    SIZE_T Used;
    _Field_size_bytes_part_(Capacity, Used) PUCHAR Bytes;
    _Field_size_part_(Capacity, Used) PUCHAR Items;
    _Field_size_full_(Capacity) PUCHAR Full;
    _Field_size_bytes_full_(Capacity) PUCHAR FullBytes;
} ALLCALLS_WSK_BUFFER;

/* The client callbacks, with Microsoft's documented prototypes (the tables below check the types). */
static NTSTATUS WSKAPI AllCallsClientEvent(_In_opt_ PVOID ClientContext, _In_ ULONG EventType,
    _In_reads_bytes_opt_(InformationLength) PVOID Information, _In_ SIZE_T InformationLength)
{
    KEEP(ClientContext);
    KEEP(EventType + InformationLength);
    KEEP(Information);
    return STATUS_SUCCESS;
}

static NTSTATUS WSKAPI AllCallsAcceptEvent(_In_opt_ PVOID SocketContext, _In_ ULONG Flags,
    _In_ PSOCKADDR LocalAddress, _In_ PSOCKADDR RemoteAddress, _In_opt_ PWSK_SOCKET AcceptSocket,
    _Outptr_result_maybenull_ PVOID *AcceptSocketContext,
    _Outptr_result_maybenull_ CONST WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch);
static WSK_INSPECT_ACTION WSKAPI AllCallsInspectEvent(_In_opt_ PVOID SocketContext, _In_ PSOCKADDR LocalAddress,
    _In_ PSOCKADDR RemoteAddress, _In_opt_ PWSK_INSPECT_ID InspectID)
{
    KEEP(SocketContext);
    KEEP(LocalAddress->sa_family + RemoteAddress->sa_family);
    if (InspectID == NULL)
        return WskInspectReject;
    return InspectID->SerialNumber % 2 ? WskInspectPend : WskInspectAccept;
}

static NTSTATUS WSKAPI AllCallsAbortEvent(_In_opt_ PVOID SocketContext, _In_ PWSK_INSPECT_ID InspectID)
{
    KEEP(SocketContext);
    KEEP(InspectID->Key);
    return STATUS_SUCCESS;
}

static NTSTATUS WSKAPI AllCallsReceiveFromEvent(_In_opt_ PVOID SocketContext, _In_ ULONG Flags,
    _In_opt_ PWSK_DATAGRAM_INDICATION DataIndication)
{
    KEEP(SocketContext);
    KEEP(Flags & (MSG_BCAST | MSG_MCAST | WSK_FLAG_AT_DISPATCH_LEVEL));
    for (; DataIndication != NULL; DataIndication = DataIndication->Next)
        KEEP(DataIndication->Buffer.Length + DataIndication->ControlInfoLength + DataIndication->RemoteAddress->sa_family);
    return STATUS_DATA_NOT_ACCEPTED;
}

static NTSTATUS WSKAPI AllCallsReceiveEvent(_In_opt_ PVOID SocketContext, _In_ ULONG Flags,
    _In_opt_ PWSK_DATA_INDICATION DataIndication, _In_ SIZE_T BytesIndicated, _Inout_ SIZE_T *BytesAccepted)
{
    KEEP(SocketContext);
    KEEP(Flags & (WSK_FLAG_RELEASE_ASAP | WSK_FLAG_ENTIRE_MESSAGE));
    if (DataIndication == NULL)
        return STATUS_SUCCESS;
    *BytesAccepted = BytesIndicated / 2;
    return STATUS_SUCCESS;
}

static NTSTATUS WSKAPI AllCallsDisconnectEvent(_In_opt_ PVOID SocketContext, _In_ ULONG Flags)
{
    KEEP(SocketContext);
    KEEP(Flags & WSK_FLAG_ABORTIVE);
    return STATUS_SUCCESS;
}

static NTSTATUS WSKAPI AllCallsSendBacklogEvent(_In_opt_ PVOID SocketContext, _In_ SIZE_T IdealBacklogSize)
{
    KEEP(SocketContext);
    KEEP(IdealBacklogSize);
    return STATUS_SUCCESS;
}

static NTSTATUS WSKAPI AllCallsReceiveExEvent(_In_opt_ PVOID SocketContext, _In_ ULONG Flags,
    _In_opt_ PWSK_DATA_INDICATION DataIndication, _In_reads_bytes_opt_(ControlInfoLength) PCMSGHDR ControlInfo,
    _In_ ULONG ControlInfoLength, _In_ SIZE_T BytesIndicated, _Inout_ SIZE_T *BytesAccepted)
{
    KEEP(ControlInfo);
    KEEP(ControlInfoLength);
    return AllCallsReceiveEvent(SocketContext, Flags, DataIndication, BytesIndicated, BytesAccepted);
}

static const WSK_CLIENT_DISPATCH AllCallsWskClientDispatch = {
    .Version = MAKE_WSK_VERSION(1, 0),
    .Reserved = 0,
    .WskClientEvent = AllCallsClientEvent,
};
static const WSK_CLIENT_CONNECTION_DISPATCH AllCallsConnectionDispatch = {
    .WskReceiveEvent = AllCallsReceiveEvent,
    .WskDisconnectEvent = AllCallsDisconnectEvent,
    .WskSendBacklogEvent = AllCallsSendBacklogEvent,
};
static const WSK_CLIENT_LISTEN_DISPATCH AllCallsListenDispatch = {
    .WskAcceptEvent = AllCallsAcceptEvent,
    .WskInspectEvent = AllCallsInspectEvent,
    .WskAbortEvent = AllCallsAbortEvent,
};
static const WSK_CLIENT_DATAGRAM_DISPATCH AllCallsDatagramDispatch = {
    .WskReceiveFromEvent = AllCallsReceiveFromEvent,
};
static const WSK_CLIENT_STREAM_DISPATCH AllCallsStreamDispatch = { &AllCallsListenDispatch, &AllCallsConnectionDispatch };

static NTSTATUS WSKAPI AllCallsAcceptEvent(_In_opt_ PVOID SocketContext, _In_ ULONG Flags,
    _In_ PSOCKADDR LocalAddress, _In_ PSOCKADDR RemoteAddress, _In_opt_ PWSK_SOCKET AcceptSocket,
    _Outptr_result_maybenull_ PVOID *AcceptSocketContext,
    _Outptr_result_maybenull_ CONST WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch)
{
    KEEP(Flags & WSK_FLAG_AT_DISPATCH_LEVEL);
    KEEP(SS_PORT(LocalAddress) + SS_PORT(RemoteAddress));
    if (AcceptSocket == NULL)
        return STATUS_REQUEST_NOT_ACCEPTED;
    *AcceptSocketContext = SocketContext;
    *AcceptSocketDispatch = &AllCallsConnectionDispatch;
    return STATUS_SUCCESS;
}

static WSK_REGISTRATION AllCallsWskRegistration;
static KEVENT AllCallsWskDone;

/* Waits for the IRP's completion routine (AllCallsIrpDone) and reuses the IRP. */
static NTSTATUS WskWait(_In_ PIRP Irp, _In_ NTSTATUS Status)
{
    if (Status == STATUS_PENDING)
        KeWaitForSingleObject(&AllCallsWskDone, Executive, KernelMode, FALSE, NULL);
    Status = Irp->IoStatus.Status;
    IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
    KeClearEvent(&AllCallsWskDone);
    IoSetCompletionRoutine(Irp, AllCallsIrpDone, &AllCallsWskDone, TRUE, TRUE, TRUE);
    return Status;
}

/* Addresses, address tests and ancillary data as a WSK client builds them. */
static VOID WskAddresses(_Out_ PSOCKADDR_IN6 Any, _Out_ PSOCKADDR_IN Loopback)
{
    SOCKADDR_IN6 wildcard = { AF_INET6, 0x479c, 0, IN6ADDR_ANY_INIT, 0 };
    SOCKADDR_IN6 scoped = { AF_INET6, 0, 0, IN6ADDR_LOOPBACK_INIT, .sin6_scope_struct = SCOPEID_UNSPECIFIED_INIT };
    struct in_addr6 loop6 = IN6ADDR_LOOPBACK_INIT;
    SOCKADDR_STORAGE storage;
    UCHAR control[WSA_CMSG_SPACE(sizeof(IN6_PKTINFO)) + CMSG_SPACE(sizeof(ULONG))];
    struct _WSACMSGHDR *header = (struct _WSACMSGHDR *)control;
    ALLCALLS_WSK_BUFFER buffer = { sizeof control, 0, control, control, control, control };

    *Any = wildcard;
    IN6ADDR_SETANY(Any);
    IN6ADDR_SETLOOPBACK(&scoped);
    KEEP(IN6ADDR_ISANY(Any) + IN6ADDR_ISLOOPBACK(&scoped));
    KEEP(IN6_ADDR_EQUAL(&loop6, &in6addr_loopback) + IN6_ARE_ADDR_EQUAL(&Any->sin6_addr, &in6addr_any));
    KEEP(IN6_IS_ADDR_UNSPECIFIED(&in6addr_any) + IN6_IS_ADDR_LOOPBACK(&loop6) + IN6_IS_ADDR_MULTICAST(&loop6));
    KEEP(IN6_IS_ADDR_LINKLOCAL(&loop6) + IN6_IS_ADDR_SITELOCAL(&loop6) + IN6_IS_ADDR_V4MAPPED(&loop6));
    IN6_SET_ADDR_UNSPECIFIED(&loop6);
    IN6_SET_ADDR_LOOPBACK(&loop6);
    loop6._S6_un._S6_u8[0] = loop6.s6_addr[15];
    KEEP(loop6.s6_bytes[0] + loop6.s6_words[7]);

    Loopback->sin_family = AF_INET;
    Loopback->sin_addr.s_addr = 0x0100007f; /* 127.0.0.1 in network byte order */
    KEEP(Loopback->sin_addr.s_net + Loopback->sin_addr.s_host + Loopback->sin_addr.s_lh +
         Loopback->sin_addr.s_impno + Loopback->sin_addr.s_imp);
    storage.ss_family = AF_INET6;
    SS_PORT(&storage) = 0x479c;

    header->cmsg_level = IPPROTO_IPV6;
    header->cmsg_type = IPV6_PKTINFO;
    header->cmsg_len = WSA_CMSG_LEN(sizeof(IN6_PKTINFO));
    KEEP(WSA_CMSG_DATA(header));
    KEEP(CMSG_LEN(sizeof(ULONG)) + WSA_CMSGHDR_ALIGN(3) + WSA_CMSGDATA_ALIGN(3) + CMSGHDR_ALIGN(5) + CMSGDATA_ALIGN(5));
    KEEP(buffer.Bytes[0] + buffer.Items[0] + buffer.Full[0] + buffer.FullBytes[0] + buffer.Capacity + buffer.Used);
}

/* Every provider function, through the dispatch tables of each socket type. */
static VOID WskSockets(_In_ PWSK_PROVIDER_NPI Provider, _In_ PIRP Irp)
{
    CONST WSK_PROVIDER_LISTEN_DISPATCH *listen;
    CONST WSK_PROVIDER_CONNECTION_DISPATCH *connection;
    CONST WSK_PROVIDER_DATAGRAM_DISPATCH *datagram;
    CONST WSK_PROVIDER_STREAM_DISPATCH *stream;
    CONST WSK_PROVIDER_BASIC_DISPATCH *basic;
    PWSK_SOCKET socket, accepted;
    SOCKADDR_IN6 any, peer;
    SOCKADDR_IN loopback;
    ULONG option = 0, controlLength = 0, controlFlags = 0;
    SIZE_T returned = 0;
    WSK_INSPECT_ID inspect = { 0, 0 };
    WSK_BUF buffer = { NULL, 0, 0 };
    WSK_BUF_LIST list = { NULL, { NULL, 0, 0 } };
    UCHAR control[CMSG_SPACE(sizeof(IN_PKTINFO))];
    WSK_EVENT_CALLBACK_CONTROL events = { (PNPIID)&NPI_WSK_INTERFACE_ID, WSK_EVENT_ACCEPT };

    WskAddresses(&any, &loopback);
    KEEP(Provider->Dispatch->WskControlClient(Provider->Client, WSK_SET_STATIC_EVENT_CALLBACKS, sizeof events,
                                              &events, 0, NULL, NULL, NULL));

    /* Listening socket: dual stack, conditional accept. */
    if (NT_SUCCESS(WskWait(Irp, Provider->Dispatch->WskSocket(Provider->Client, AF_INET6, SOCK_STREAM, IPPROTO_TCP,
            WSK_FLAG_LISTEN_SOCKET, NULL, &AllCallsListenDispatch, NULL, NULL, NULL, Irp)))) {
        socket = (PWSK_SOCKET)Irp->IoStatus.Information;
        listen = (CONST WSK_PROVIDER_LISTEN_DISPATCH *)socket->Dispatch;
        KEEP(WskWait(Irp, listen->WskControlSocket(socket, WskSetOption, IPV6_V6ONLY, IPPROTO_IPV6, sizeof option,
                                                   &option, 0, NULL, NULL, Irp)));
        KEEP(listen->WskControlSocket(socket, WskGetOption, SO_CONDITIONAL_ACCEPT, SOL_SOCKET, 0, NULL,
                                      sizeof option, &option, &returned, NULL));
        KEEP(WskWait(Irp, listen->WskBind(socket, (PSOCKADDR)&any, 0, Irp)));
        KEEP(WskWait(Irp, listen->WskGetLocalAddress(socket, (PSOCKADDR)&any, Irp)));
        KEEP(WskWait(Irp, listen->WskInspectComplete(socket, &inspect, WskInspectAccept, Irp)));
        if (NT_SUCCESS(WskWait(Irp, listen->WskAccept(socket, 0, NULL, &AllCallsConnectionDispatch,
                                                      (PSOCKADDR)&any, (PSOCKADDR)&peer, Irp)))) {
            accepted = (PWSK_SOCKET)Irp->IoStatus.Information;
            basic = (CONST WSK_PROVIDER_BASIC_DISPATCH *)accepted->Dispatch;
            KEEP(WskWait(Irp, basic->WskCloseSocket(accepted, Irp)));
        }
        KEEP(WskWait(Irp, listen->Basic.WskCloseSocket(socket, Irp)));
    }

    /* Connection-oriented socket. */
    if (NT_SUCCESS(WskWait(Irp, Provider->Dispatch->WskSocketConnect(Provider->Client, SOCK_STREAM, IPPROTO_TCP,
            (PSOCKADDR)&any, (PSOCKADDR)&peer, 0, NULL, &AllCallsConnectionDispatch, NULL, NULL, NULL, Irp)))) {
        socket = (PWSK_SOCKET)Irp->IoStatus.Information;
        connection = (CONST WSK_PROVIDER_CONNECTION_DISPATCH *)socket->Dispatch;
        KEEP(WskWait(Irp, connection->WskGetRemoteAddress(socket, (PSOCKADDR)&peer, Irp)));
        KEEP(WskWait(Irp, connection->WskSend(socket, &buffer, WSK_FLAG_NODELAY, Irp)));
        KEEP(WskWait(Irp, connection->WskReceive(socket, &buffer, WSK_FLAG_WAITALL, Irp)));
        KEEP(WskWait(Irp, connection->WskDisconnect(socket, NULL, 0, Irp)));
        KEEP(connection->WskRelease(socket, NULL));
        KEEP(WskWait(Irp, connection->WskCloseSocket(socket, Irp)));
    }
    if (NT_SUCCESS(WskWait(Irp, Provider->Dispatch->WskSocket(Provider->Client, AF_INET, SOCK_STREAM, IPPROTO_TCP,
            WSK_FLAG_CONNECTION_SOCKET, NULL, &AllCallsConnectionDispatch, NULL, NULL, NULL, Irp)))) {
        socket = (PWSK_SOCKET)Irp->IoStatus.Information;
        connection = (CONST WSK_PROVIDER_CONNECTION_DISPATCH *)socket->Dispatch;
        KEEP(WskWait(Irp, connection->WskBind(socket, (PSOCKADDR)&loopback, 0, Irp)));
        KEEP(WskWait(Irp, connection->WskConnect(socket, (PSOCKADDR)&loopback, 0, Irp)));
        KEEP(WskWait(Irp, connection->WskConnectEx(socket, (PSOCKADDR)&loopback, &buffer, 0, Irp)));
        KEEP(WskWait(Irp, connection->WskGetLocalAddress(socket, (PSOCKADDR)&loopback, Irp)));
        KEEP(WskWait(Irp, connection->WskSendEx(socket, &buffer, 0, 0, NULL, Irp)));
        KEEP(WskWait(Irp, connection->WskReceiveEx(socket, &buffer, 0, &controlLength, NULL, NULL, Irp)));
        KEEP(WskWait(Irp, connection->WskDisconnect(socket, &buffer, WSK_FLAG_ABORTIVE, Irp)));
        KEEP(WskWait(Irp, connection->Basic.WskCloseSocket(socket, Irp)));
    }

    /* Datagram socket. */
    if (NT_SUCCESS(WskWait(Irp, Provider->Dispatch->WskSocket(Provider->Client, AF_INET, SOCK_DGRAM, IPPROTO_UDP,
            WSK_FLAG_DATAGRAM_SOCKET, NULL, &AllCallsDatagramDispatch, NULL, NULL, NULL, Irp)))) {
        socket = (PWSK_SOCKET)Irp->IoStatus.Information;
        datagram = (CONST WSK_PROVIDER_DATAGRAM_DISPATCH *)socket->Dispatch;
        KEEP(WskWait(Irp, datagram->WskBind(socket, (PSOCKADDR)&loopback, 0, Irp)));
        KEEP(WskWait(Irp, datagram->WskGetLocalAddress(socket, (PSOCKADDR)&loopback, Irp)));
        KEEP(WskWait(Irp, datagram->WskSendTo(socket, &buffer, 0, (PSOCKADDR)&loopback, 0, NULL, Irp)));
        KEEP(WskWait(Irp, datagram->WskSendMessages(socket, &list, 0, (PSOCKADDR)&loopback, 0, NULL, Irp)));
        controlLength = sizeof control;
        KEEP(WskWait(Irp, datagram->WskReceiveFrom(socket, &buffer, 0, (PSOCKADDR)&loopback, &controlLength,
                                                   (PCMSGHDR)control, &controlFlags, Irp)));
        KEEP(datagram->WskRelease(socket, NULL));
        KEEP(WskWait(Irp, datagram->WskCloseSocket(socket, Irp)));
    }

    /* Stream socket (listens or connects) and a basic socket. */
    if (NT_SUCCESS(WskWait(Irp, Provider->Dispatch->WskSocket(Provider->Client, AF_INET6, SOCK_STREAM, IPPROTO_TCP,
            WSK_FLAG_STREAM_SOCKET, NULL, &AllCallsStreamDispatch, NULL, NULL, NULL, Irp)))) {
        socket = (PWSK_SOCKET)Irp->IoStatus.Information;
        stream = (CONST WSK_PROVIDER_STREAM_DISPATCH *)socket->Dispatch;
        KEEP(WskWait(Irp, stream->WskBind(socket, (PSOCKADDR)&any, 0, Irp)));
        KEEP(WskWait(Irp, stream->WskListen(socket, Irp)));
        KEEP(stream->WskAccept != NULL && stream->WskConnect != NULL && stream->WskSend != NULL &&
             stream->WskReceive != NULL && stream->WskDisconnect != NULL && stream->WskRelease != NULL &&
             stream->WskGetLocalAddress != NULL && stream->WskGetRemoteAddress != NULL &&
             stream->WskConnectEx != NULL && stream->WskSendEx != NULL && stream->WskReceiveEx != NULL);
        KEEP(WskWait(Irp, stream->WskCloseSocket(socket, Irp)));
    }
    if (NT_SUCCESS(WskWait(Irp, Provider->Dispatch->WskSocket(Provider->Client, AF_INET, SOCK_RAW, IPPROTO_ICMP,
            WSK_FLAG_BASIC_SOCKET, NULL, NULL, NULL, NULL, NULL, Irp)))) {
        socket = (PWSK_SOCKET)Irp->IoStatus.Information;
        basic = (CONST WSK_PROVIDER_BASIC_DISPATCH *)socket->Dispatch;
        KEEP(WskWait(Irp, basic->WskCloseSocket(socket, Irp)));
    }
}

/* Name resolution (Windows 7 and later members of WSK_PROVIDER_DISPATCH). */
static VOID WskNames(_In_ PWSK_PROVIDER_NPI Provider, _In_ PIRP Irp)
{
    UNICODE_STRING node = RTL_CONSTANT_STRING(L"localhost");
    UNICODE_STRING service = RTL_CONSTANT_STRING(L"40007");
    WCHAR hostBuffer[NI_MAXHOST], serviceBuffer[NI_MAXSERV];
    UNICODE_STRING host = { 0, sizeof hostBuffer, hostBuffer };
    UNICODE_STRING port = { 0, sizeof serviceBuffer, serviceBuffer };
    ADDRINFOEXW hints = { 0 };
    PADDRINFOEXW result = NULL;

    hints.ai_family = AF_INET6;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    if (NT_SUCCESS(WskWait(Irp, Provider->Dispatch->WskGetAddressInfo(Provider->Client, &node, &service, NS_DNS, NULL,
            &hints, &result, NULL, NULL, Irp)))) {
        KEEP(WskWait(Irp, Provider->Dispatch->WskGetNameInfo(Provider->Client, result->ai_addr,
            (ULONG)result->ai_addrlen, &host, &port, NI_NUMERICHOST | NI_NUMERICSERV, NULL, NULL, Irp)));
        Provider->Dispatch->WskFreeAddressInfo(Provider->Client, result);
    }
}

static VOID Wsk(VOID)
{
    WSK_CLIENT_NPI client = { NULL, &AllCallsWskClientDispatch };
    WSK_PROVIDER_NPI provider;
    WSK_PROVIDER_CHARACTERISTICS characteristics;
    PFN_WSK_RECEIVE_EX_EVENT receiveEx = AllCallsReceiveExEvent;
    PIRP irp;

    ExInitializeDriverRuntime(DrvRtPoolNxOptIn);
    KEEP(receiveEx);
    KEEP(ARRAYSIZE(NtddiValues) + ARRAYSIZE(WskValues) + ARRAYSIZE(AddressFamilies) + ARRAYSIZE(SocketValues));
    KEEP(NtddiValues[0] + WskValues[0] + AddressFamilies[0] + SocketValues[0]);
    if (!NT_SUCCESS(WskRegister(&client, &AllCallsWskRegistration)))
        return;
    if (WskCaptureProviderNPI(&AllCallsWskRegistration, WSK_INFINITE_WAIT, &provider) == STATUS_SUCCESS) {
        KEEP(WskQueryProviderCharacteristics(&AllCallsWskRegistration, &characteristics));
        KEEP(characteristics.HighestVersion + characteristics.LowestVersion + provider.Dispatch->Version);
        irp = IoAllocateIrp(1, FALSE);
        if (irp != NULL) {
            KeInitializeEvent(&AllCallsWskDone, SynchronizationEvent, FALSE);
            IoSetCompletionRoutine(irp, AllCallsIrpDone, &AllCallsWskDone, TRUE, TRUE, TRUE);
            WskSockets(&provider, irp);
            WskNames(&provider, irp);
            IoFreeIrp(irp);
        }
        WskReleaseProviderNPI(&AllCallsWskRegistration);
    }
    WskDeregister(&AllCallsWskRegistration);
}

/* ---- Registry keys: a driver reading and writing its Parameters key ----------------------------------- */
static VOID RegistryKeys(_In_ PUNICODE_STRING RegistryPath)
{
    static const ULONG types[] = {
        REG_NONE, REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_DWORD_LITTLE_ENDIAN, REG_DWORD_BIG_ENDIAN,
        REG_LINK, REG_MULTI_SZ, REG_RESOURCE_LIST, REG_FULL_RESOURCE_DESCRIPTOR, REG_RESOURCE_REQUIREMENTS_LIST,
        REG_QWORD, REG_QWORD_LITTLE_ENDIAN,
    };
    UNICODE_STRING parameters = RTL_CONSTANT_STRING(L"Parameters");
    UNICODE_STRING port = RTL_CONSTANT_STRING(L"Port");
    OBJECT_ATTRIBUTES attributes;
    HANDLE service, key;
    ULONG disposition = 0, length = 0, value = 40007;
    UCHAR buffer[sizeof(KEY_VALUE_FULL_INFORMATION) + 64];
    PKEY_VALUE_PARTIAL_INFORMATION partial = (PKEY_VALUE_PARTIAL_INFORMATION)buffer;
    PKEY_VALUE_PARTIAL_INFORMATION_ALIGN64 partial64 = (PKEY_VALUE_PARTIAL_INFORMATION_ALIGN64)buffer;
    PKEY_VALUE_FULL_INFORMATION full = (PKEY_VALUE_FULL_INFORMATION)buffer;
    PKEY_VALUE_BASIC_INFORMATION basic = (PKEY_VALUE_BASIC_INFORMATION)buffer;

    InitializeObjectAttributes(&attributes, RegistryPath, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    if (!NT_SUCCESS(ZwOpenKey(&service, KEY_READ | KEY_CREATE_SUB_KEY, &attributes)))
        return;
    InitializeObjectAttributes(&attributes, &parameters, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, service, NULL);
    if (NT_SUCCESS(ZwCreateKey(&key, KEY_ALL_ACCESS, &attributes, 0, NULL, REG_OPTION_NON_VOLATILE, &disposition))) {
        KEEP(disposition == REG_CREATED_NEW_KEY || disposition == REG_OPENED_EXISTING_KEY);
        KEEP(ZwSetValueKey(key, &port, 0, REG_DWORD, &value, sizeof(value)));
        if (ZwQueryValueKey(key, &port, KeyValuePartialInformation, partial, sizeof(buffer), &length) == STATUS_SUCCESS &&
            partial->Type == REG_DWORD && partial->DataLength == sizeof(ULONG))
            KEEP(*(PULONG)partial->Data + partial->TitleIndex);
        if (NT_SUCCESS(ZwQueryValueKey(key, &port, KeyValuePartialInformationAlign64, partial64, sizeof(buffer), &length)))
            KEEP(partial64->Type + partial64->DataLength + partial64->Data[0]);
        if (NT_SUCCESS(ZwQueryValueKey(key, &port, KeyValueFullInformation, full, sizeof(buffer), &length)))
            KEEP(full->TitleIndex + full->Type + full->DataOffset + full->DataLength + full->NameLength + full->Name[0]);
        KEEP(ZwQueryValueKey(key, &port, KeyValueFullInformationAlign64, full, sizeof(buffer), &length));
        if (NT_SUCCESS(ZwQueryValueKey(key, &port, KeyValueBasicInformation, basic, sizeof(buffer), &length)))
            KEEP(basic->TitleIndex + basic->Type + basic->NameLength + basic->Name[0]);
        KEEP(ZwQueryValueKey(key, &port, KeyValueLayerInformation, NULL, 0, &length) + MaxKeyValueInfoClass);
        ZwClose(key);
    }
    ZwClose(service);
    KEEP(types[0]);
    KEEP(KEY_QUERY_VALUE | KEY_SET_VALUE | KEY_CREATE_SUB_KEY | KEY_ENUMERATE_SUB_KEYS | KEY_NOTIFY | KEY_CREATE_LINK);
    KEEP(KEY_WOW64_32KEY | KEY_WOW64_64KEY | KEY_WOW64_RES | KEY_READ | KEY_WRITE | KEY_EXECUTE | KEY_ALL_ACCESS);
    KEEP(STANDARD_RIGHTS_READ | STANDARD_RIGHTS_WRITE | STANDARD_RIGHTS_EXECUTE | MAXIMUM_ALLOWED);
    KEEP(REG_OPTION_RESERVED | REG_OPTION_VOLATILE | REG_OPTION_CREATE_LINK | REG_OPTION_BACKUP_RESTORE |
         REG_OPTION_OPEN_LINK | REG_LEGAL_OPTION);
}

/* ---- Lookaside lists, read/write locks, Ethernet addresses --------------------------------------------- */
typedef struct _ADAPTER *PADAPTER_FORWARD;
static NPAGED_LOOKASIDE_LIST Lookaside;
static NDIS_RW_LOCK RwLock;

static PVOID NTAPI LookasideAllocate(_In_ POOL_TYPE PoolType, _In_ SIZE_T NumberOfBytes, _In_ ULONG Tag)
{
    return ExAllocatePoolWithTag(PoolType, NumberOfBytes, Tag);
}

static VOID NTAPI LookasideFree(_In_ PVOID Buffer)
{
    ExFreePool(Buffer);
}

static VOID LookasideLists(VOID)
{
    PVOID block;
    ExInitializeNPagedLookasideList(&Lookaside, LookasideAllocate, LookasideFree, 0, 64, 'kooL', 0);
    block = ExAllocateFromNPagedLookasideList(&Lookaside);
    if (block != NULL)
        ExFreeToNPagedLookasideList(&Lookaside, block);
    ExDeleteNPagedLookasideList(&Lookaside);

    NdisInitializeNPagedLookasideList(&Lookaside, NULL, NULL, 0, 18, 'TxuM', 0);
    block = NdisAllocateFromNPagedLookasideList(&Lookaside);
    if (block != NULL)
        NdisFreeToNPagedLookasideList(&Lookaside, block);
    NdisDeleteNPagedLookasideList(&Lookaside);
    KEEP(Lookaside.L.TotalAllocates + Lookaside.L.AllocateMisses + Lookaside.L.TotalFrees + Lookaside.L.FreeMisses);
}

static VOID ReadWriteLocks(VOID)
{
    LOCK_STATE readState, nestedState, writeState;
    NdisInitializeReadWriteLock(&RwLock);
    NdisAcquireReadWriteLock(&RwLock, FALSE, &readState);
    NdisAcquireReadWriteLock(&RwLock, FALSE, &nestedState);
    NdisReleaseReadWriteLock(&RwLock, &nestedState);
    NdisReleaseReadWriteLock(&RwLock, &readState);
    NdisAcquireReadWriteLock(&RwLock, TRUE, &writeState);
    NdisReleaseReadWriteLock(&RwLock, &writeState);
}

static VOID EthernetAddresses(PVOID NetworkAddress)
{
    UCHAR station[ETH_LENGTH_OF_ADDRESS] = { 0x02, 0, 0, 0, 0, 1 };
    UCHAR broadcast[ETH_LENGTH_OF_ADDRESS] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    PUCHAR header = broadcast;
    UINT equal;
    INT order;
    if (ETH_IS_BROADCAST(header) && ETH_IS_MULTICAST(header))
        KEEP(1);
    if (!ETH_IS_MULTICAST(NetworkAddress))
        ETH_COPY_NETWORK_ADDRESS(station, NetworkAddress);
    ETH_COMPARE_NETWORK_ADDRESSES_EQ(station, header, &equal);
    ETH_COMPARE_NETWORK_ADDRESSES(station, broadcast, &order);
    KEEP(equal + (ULONG_PTR)(LONG_PTR)order);
}

/* DDK C passes typed pointers where the calls take PVOID *; Microsoft's compiler converts them. */
static VOID TypedOutPointers(PNDIS_PACKET Packet, NDIS_HANDLE Config)
{
    PADAPTER_FORWARD adapter = NULL;
    PWSTR text = NULL;
    PUCHAR data, mac;
    PNDIS_BUFFER first;
    UINT firstLength, total, macLength;
    NDIS_STATUS status;
    NDIS_PHYSICAL_ADDRESS highest = NDIS_PHYSICAL_ADDRESS_CONST(-1, -1);

    if (NdisAllocateMemoryWithTag(&adapter, 64, 'pyTA') == NDIS_STATUS_SUCCESS)
        NdisFreeMemory(adapter, 64, 0);
    if (NdisAllocateMemory(&text, 64, 0, highest) == NDIS_STATUS_SUCCESS)
        NdisFreeMemory(text, 64, 0);
    NdisGetFirstBufferFromPacketSafe(Packet, &first, &data, &firstLength, &total, NormalPagePriority);
    NdisGetFirstBufferFromPacket(Packet, &first, &data, &firstLength, &total);
    NdisQueryBufferSafe(first, &data, &firstLength, HighPagePriority);
    NdisQueryBuffer(first, &data, &firstLength);
    NdisReadNetworkAddress(&status, &mac, &macLength, Config);
    /* Microsoft's NdisChainBufferAtFront/Back are { } blocks: DDK code leaves out the ';'. */
    NdisChainBufferAtFront(Packet, first)
    NdisChainBufferAtBack(Packet, first)
    KEEP(data + total + firstLength + macLength + status);
}

/* ---- NDIS: miniport edge (the handlers a virtual miniport registers) -------------------------------- */
typedef struct _ADAPTER {
    NDIS_HANDLE MiniportHandle;
    NDIS_HANDLE BindingHandle;
    NDIS_MINIPORT_TIMER Timer;
    NDIS_TIMER ProtocolTimer;
    NDIS_EVENT Event;
    NDIS_WORK_ITEM WorkItem;
    NDIS_REQUEST Request;
    NDIS_STRING DeviceName;
    PNDIS_PACKET Packet;
    PNDIS_BUFFER Buffer;
    NDIS_MEDIUM Medium;
    NDIS_DEVICE_POWER_STATE PowerState;
} ADAPTER, *PADAPTER;

static ADAPTER Adapter;

_IRQL_requires_max_(DISPATCH_LEVEL)
static BOOLEAN MpCheckForHang(_In_ NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    return FALSE;
}

static VOID MpDisableInterrupt(_In_ NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
}

static VOID MpEnableInterrupt(_In_ NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
}

_IRQL_requires_(PASSIVE_LEVEL)
static VOID MpHalt(_In_ NDIS_HANDLE MiniportAdapterContext)
{
    PADAPTER a = (PADAPTER)MiniportAdapterContext;
    BOOLEAN cancelled;
    NdisMCancelTimer(&a->Timer, &cancelled);
    NdisMDeregisterAdapterShutdownHandler(a->MiniportHandle);
}

static VOID MpHandleInterrupt(_In_ NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
}

_Function_class_(NDIS_TIMER_FUNCTION)
static VOID MpTimer(_In_ PVOID SystemSpecific1, _In_ PVOID FunctionContext, _In_ PVOID SystemSpecific2,
    _In_ PVOID SystemSpecific3)
{
    UNREFERENCED_PARAMETER(SystemSpecific1);
    UNREFERENCED_PARAMETER(FunctionContext);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    UNREFERENCED_PARAMETER(SystemSpecific3);
}

static VOID MpAdapterShutdownContext(_In_ PVOID ShutdownContext)
{
    UNREFERENCED_PARAMETER(ShutdownContext);
}

_IRQL_requires_(PASSIVE_LEVEL)
static NDIS_STATUS MpInitialize(_Out_ PNDIS_STATUS OpenErrorStatus, _Out_ PUINT SelectedMediumIndex,
    _In_reads_(MediumArraySize) PNDIS_MEDIUM MediumArray, _In_ UINT MediumArraySize,
    _In_ NDIS_HANDLE MiniportAdapterHandle, _In_ NDIS_HANDLE WrapperConfigurationContext)
{
    PADAPTER a = NdisIMGetDeviceContext(MiniportAdapterHandle);
    NDIS_HANDLE config;
    NDIS_HANDLE subkey;
    NDIS_STATUS status;
    PNDIS_CONFIGURATION_PARAMETER param;
    NDIS_CONFIGURATION_PARAMETER write;
    NDIS_STRING keyword = NDIS_STRING_CONST("MTU");
    NDIS_STRING keyName;
    PVOID networkAddress;
    UINT networkAddressLength;
    PDEVICE_OBJECT pdo, fdo, next;
    UINT i;

    *OpenErrorStatus = NDIS_STATUS_SUCCESS;
    for (i = 0; i < MediumArraySize; i++)
        if (MediumArray[i] == NdisMedium802_3)
            break;
    if (i == MediumArraySize)
        return NDIS_STATUS_UNSUPPORTED_MEDIA;
    *SelectedMediumIndex = i;

    NdisOpenConfiguration(&status, &config, WrapperConfigurationContext);
    NdisReadConfiguration(&status, &param, config, &keyword, NdisParameterInteger);
    if (status == NDIS_STATUS_SUCCESS)
        KEEP(param->ParameterData.IntegerData);
    NdisReadConfiguration(&status, &param, config, &keyword, NdisParameterHexInteger);
    NdisReadConfiguration(&status, &param, config, &keyword, NdisParameterString);
    NdisReadConfiguration(&status, &param, config, &keyword, NdisParameterMultiString);
    NdisReadConfiguration(&status, &param, config, &keyword, NdisParameterBinary);
    NdisZeroMemory(&write, sizeof write);
    write.ParameterType = NdisParameterInteger;
    write.ParameterData.IntegerData = 1500;
    NdisWriteConfiguration(&status, config, &keyword, &write);
    NdisReadNetworkAddress(&status, &networkAddress, &networkAddressLength, config);
    NdisOpenConfigurationKeyByName(&status, config, &AllCallsProtocolName, &subkey);
    NdisCloseConfiguration(subkey);
    NdisOpenConfigurationKeyByIndex(&status, config, 0, &keyName, &subkey);
    NdisCloseConfiguration(subkey);
    NdisCloseConfiguration(config);

    NdisMSetAttributesEx(MiniportAdapterHandle, a, 0,
        NDIS_ATTRIBUTE_IGNORE_PACKET_TIMEOUT | NDIS_ATTRIBUTE_IGNORE_REQUEST_TIMEOUT |
            NDIS_ATTRIBUTE_INTERMEDIATE_DRIVER | NDIS_ATTRIBUTE_DESERIALIZE | NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND,
        NdisInterfaceInternal);
    NdisMSetAttributes(MiniportAdapterHandle, a, FALSE, NdisInterfacePNPBus);
    NdisMGetDeviceProperty(MiniportAdapterHandle, &pdo, &fdo, &next, NULL, NULL);
    NdisMRegisterAdapterShutdownHandler(MiniportAdapterHandle, a, MpAdapterShutdownContext);
    NdisMInitializeTimer(&a->Timer, MiniportAdapterHandle, MpTimer, a);
    NdisMSetTimer(&a->Timer, 100);
    NdisMSetPeriodicTimer(&a->Timer, 1000);
    KEEP(NdisMQueryAdapterInstanceName(&a->DeviceName, MiniportAdapterHandle));
    a->MiniportHandle = MiniportAdapterHandle;
    return NDIS_STATUS_SUCCESS;
}

static VOID MpIsr(_Out_ PBOOLEAN InterruptRecognized, _Out_ PBOOLEAN QueueMiniportHandleInterrupt,
    _In_ NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    *InterruptRecognized = FALSE;
    *QueueMiniportHandleInterrupt = FALSE;
}

static NDIS_STATUS MpQueryInformation(_In_ NDIS_HANDLE MiniportAdapterContext, _In_ NDIS_OID Oid,
    _Out_writes_bytes_to_(InformationBufferLength, *BytesWritten) PVOID InformationBuffer,
    _In_ ULONG InformationBufferLength, _Out_ PULONG BytesWritten, _Out_ PULONG BytesNeeded)
{
    PADAPTER a = (PADAPTER)MiniportAdapterContext;
    ULONG value = 0;
    NDIS_PNP_CAPABILITIES caps;
    *BytesWritten = 0;
    *BytesNeeded = 0;
    switch (Oid) {
    case OID_GEN_SUPPORTED_LIST:
        *BytesNeeded = sizeof SupportedOids;
        if (InformationBufferLength < sizeof SupportedOids)
            return NDIS_STATUS_BUFFER_TOO_SHORT;
        NdisMoveMemory(InformationBuffer, SupportedOids, sizeof SupportedOids);
        *BytesWritten = sizeof SupportedOids;
        return NDIS_STATUS_SUCCESS;
    case OID_GEN_HARDWARE_STATUS:
        value = NdisHardwareStatusReady;
        break;
    case OID_GEN_MEDIA_CONNECT_STATUS:
        value = NdisMediaStateConnected;
        break;
    case OID_GEN_PHYSICAL_MEDIUM:
        value = NdisPhysicalMediumUnspecified;
        break;
    case OID_PNP_CAPABILITIES:
        NdisZeroMemory(&caps, sizeof caps);
        caps.WakeUpCapabilities.MinMagicPacketWakeUp = NdisDeviceStateUnspecified;
        caps.WakeUpCapabilities.MinPatternWakeUp = NdisDeviceStateD3;
        caps.WakeUpCapabilities.MinLinkChangeWakeUp = NdisDeviceStateD0;
        *BytesNeeded = sizeof caps;
        if (InformationBufferLength < sizeof caps)
            return NDIS_STATUS_INVALID_LENGTH;
        NdisMoveMemory(InformationBuffer, &caps, sizeof caps);
        *BytesWritten = sizeof caps;
        return NDIS_STATUS_SUCCESS;
    default:
        /* Pass the query down the binding, as an IM does, and complete it later. */
        a->Request.RequestType = NdisRequestQueryInformation;
        a->Request.DATA.QUERY_INFORMATION.Oid = Oid;
        a->Request.DATA.QUERY_INFORMATION.InformationBuffer = InformationBuffer;
        a->Request.DATA.QUERY_INFORMATION.InformationBufferLength = InformationBufferLength;
        return NDIS_STATUS_PENDING;
    }
    *BytesNeeded = sizeof value;
    if (InformationBufferLength < sizeof value)
        return NDIS_STATUS_INVALID_LENGTH;
    NdisStoreUlong(InformationBuffer, value);
    NdisRetrieveUlong(&value, InformationBuffer);
    *BytesWritten = sizeof value;
    return NDIS_STATUS_SUCCESS;
}

static NDIS_STATUS MpReconfigure(_Out_ PNDIS_STATUS OpenErrorStatus, _In_ NDIS_HANDLE MiniportAdapterContext,
    _In_ NDIS_HANDLE WrapperConfigurationContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(WrapperConfigurationContext);
    *OpenErrorStatus = NDIS_STATUS_SUCCESS;
    return NDIS_STATUS_NOT_SUPPORTED;
}

static NDIS_STATUS MpReset(_Out_ PBOOLEAN AddressingReset, _In_ NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    *AddressingReset = FALSE;
    return NDIS_STATUS_SUCCESS;
}

static NDIS_STATUS MpSend(_In_ NDIS_HANDLE MiniportAdapterContext, _In_ PNDIS_PACKET Packet, _In_ UINT Flags)
{
    PADAPTER a = (PADAPTER)MiniportAdapterContext;
    NDIS_STATUS status;
    UNREFERENCED_PARAMETER(Flags);
    NdisSend(&status, a->BindingHandle, Packet);
    return status;
}

static NDIS_STATUS MpWanSend(_In_ NDIS_HANDLE MiniportAdapterContext, _In_ NDIS_HANDLE NdisLinkHandle,
    _In_ PNDIS_WAN_PACKET Packet)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(NdisLinkHandle);
    UNREFERENCED_PARAMETER(Packet);
    return NDIS_STATUS_NOT_SUPPORTED;
}

static NDIS_STATUS MpSetInformation(_In_ NDIS_HANDLE MiniportAdapterContext, _In_ NDIS_OID Oid,
    _In_reads_bytes_(InformationBufferLength) PVOID InformationBuffer, _In_ ULONG InformationBufferLength,
    _Out_ PULONG BytesRead, _Out_ PULONG BytesNeeded)
{
    PADAPTER a = (PADAPTER)MiniportAdapterContext;
    NDIS_DEVICE_POWER_STATE state;
    *BytesRead = 0;
    *BytesNeeded = 0;
    if (Oid == OID_PNP_SET_POWER) {
        *BytesNeeded = sizeof state;
        if (InformationBufferLength < sizeof state)
            return NDIS_STATUS_INVALID_LENGTH;
        NdisMoveMemory(&state, InformationBuffer, sizeof state);
        a->PowerState = state;
        *BytesRead = sizeof state;
        return NDIS_STATUS_SUCCESS;
    }
    a->Request.RequestType = NdisRequestSetInformation;
    a->Request.DATA.SET_INFORMATION.Oid = Oid;
    a->Request.DATA.SET_INFORMATION.InformationBuffer = InformationBuffer;
    a->Request.DATA.SET_INFORMATION.InformationBufferLength = InformationBufferLength;
    return NDIS_STATUS_PENDING;
}

static NDIS_STATUS MpTransferData(_Out_ PNDIS_PACKET Packet, _Out_ PUINT BytesTransferred,
    _In_ NDIS_HANDLE MiniportAdapterContext, _In_ NDIS_HANDLE MiniportReceiveContext, _In_ UINT ByteOffset,
    _In_ UINT BytesToTransfer)
{
    PADAPTER a = (PADAPTER)MiniportAdapterContext;
    NDIS_STATUS status;
    NdisTransferData(&status, a->BindingHandle, MiniportReceiveContext, ByteOffset, BytesToTransfer, Packet,
        BytesTransferred);
    return status;
}

static NDIS_STATUS MpWanTransferData(VOID)
{
    return NDIS_STATUS_NOT_SUPPORTED;
}

static VOID MpReturnPacket(_In_ NDIS_HANDLE MiniportAdapterContext, _In_ PNDIS_PACKET Packet)
{
    PNDIS_PACKET original = NDIS_GET_ORIGINAL_PACKET(Packet);
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    NdisReturnPackets(&original, 1);
    NdisDprFreePacket(Packet);
}

_IRQL_requires_max_(DISPATCH_LEVEL)
static VOID MpSendPackets(_In_ NDIS_HANDLE MiniportAdapterContext,
    _In_reads_(NumberOfPackets) PPNDIS_PACKET PacketArray, _In_ UINT NumberOfPackets)
{
    PADAPTER a = (PADAPTER)MiniportAdapterContext;
    UINT i;
    for (i = 0; i < NumberOfPackets; i++) {
        PNDIS_PACKET mine;
        NDIS_STATUS status;
        NdisAllocatePacket(&status, &mine, PacketPool);
        if (status != NDIS_STATUS_SUCCESS) {
            NdisMSendComplete(a->MiniportHandle, PacketArray[i], status);
            continue;
        }
        NDIS_PACKET_FIRST_NDIS_BUFFER(mine) = NDIS_PACKET_FIRST_NDIS_BUFFER(PacketArray[i]);
        NDIS_PACKET_LAST_NDIS_BUFFER(mine) = NDIS_PACKET_LAST_NDIS_BUFFER(PacketArray[i]);
        NDIS_PACKET_VALID_COUNTS(mine) = FALSE;
        NdisGetPacketFlags(mine) = NdisGetPacketFlags(PacketArray[i]); /* lvalue */
        NdisIMCopySendPerPacketInfo(mine, PacketArray[i]);
        NDIS_SET_ORIGINAL_PACKET(mine, NDIS_GET_ORIGINAL_PACKET(PacketArray[i]));
        NdisSetPacketCancelId(mine, NdisGetPacketCancelId(PacketArray[i]));
        NdisSendPackets(a->BindingHandle, &mine, 1);
    }
}

static VOID MpAllocateComplete(_In_ NDIS_HANDLE MiniportAdapterContext, _In_ PVOID VirtualAddress,
    _In_ PNDIS_PHYSICAL_ADDRESS PhysicalAddress, _In_ ULONG Length, _In_ PVOID Context)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(VirtualAddress);
    KEEP(NdisGetPhysicalAddressLow(*PhysicalAddress) + (ULONG)NdisGetPhysicalAddressHigh(*PhysicalAddress));
    UNREFERENCED_PARAMETER(Length);
    UNREFERENCED_PARAMETER(Context);
}

static NDIS_STATUS MpCoCreateVc(_In_ NDIS_HANDLE MiniportAdapterContext, _In_ NDIS_HANDLE NdisVcHandle,
    _Out_ PNDIS_HANDLE MiniportVcContext)
{
    UNREFERENCED_PARAMETER(NdisVcHandle);
    *MiniportVcContext = MiniportAdapterContext;
    return NDIS_STATUS_NOT_SUPPORTED;
}

static NDIS_STATUS MpCoDeleteVc(_In_ NDIS_HANDLE MiniportVcContext)
{
    UNREFERENCED_PARAMETER(MiniportVcContext);
    return NDIS_STATUS_NOT_SUPPORTED;
}

static NDIS_STATUS MpCoActivateVc(_In_ NDIS_HANDLE MiniportVcContext, _Inout_ PCO_CALL_PARAMETERS CallParameters)
{
    UNREFERENCED_PARAMETER(MiniportVcContext);
    UNREFERENCED_PARAMETER(CallParameters);
    return NDIS_STATUS_NOT_SUPPORTED;
}

static NDIS_STATUS MpCoDeactivateVc(_In_ NDIS_HANDLE MiniportVcContext)
{
    UNREFERENCED_PARAMETER(MiniportVcContext);
    return NDIS_STATUS_NOT_SUPPORTED;
}

static VOID MpCoSendPackets(_In_ NDIS_HANDLE MiniportVcContext, _In_ PPNDIS_PACKET PacketArray,
    _In_ UINT NumberOfPackets)
{
    UNREFERENCED_PARAMETER(MiniportVcContext);
    UNREFERENCED_PARAMETER(PacketArray);
    UNREFERENCED_PARAMETER(NumberOfPackets);
}

static NDIS_STATUS MpCoRequest(_In_ NDIS_HANDLE MiniportAdapterContext, _In_opt_ NDIS_HANDLE MiniportVcContext,
    _Inout_ PNDIS_REQUEST NdisRequest)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(MiniportVcContext);
    UNREFERENCED_PARAMETER(NdisRequest);
    return NDIS_STATUS_NOT_SUPPORTED;
}

static VOID MpCancelSendPackets(_In_ NDIS_HANDLE MiniportAdapterContext, _In_ PVOID CancelId)
{
    PADAPTER a = (PADAPTER)MiniportAdapterContext;
    NdisCancelSendPackets(a->BindingHandle, CancelId);
}

static VOID MpPnPEventNotify(_In_ NDIS_HANDLE MiniportAdapterContext, _In_ NDIS_DEVICE_PNP_EVENT DevicePnPEvent,
    _In_ PVOID InformationBuffer, _In_ ULONG InformationBufferLength)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(InformationBufferLength);
    switch (DevicePnPEvent) {
    case NdisDevicePnPEventQueryRemoved:
    case NdisDevicePnPEventRemoved:
    case NdisDevicePnPEventSurpriseRemoved:
    case NdisDevicePnPEventQueryStopped:
    case NdisDevicePnPEventStopped:
    case NdisDevicePnPEventMaximum:
        break;
    case NdisDevicePnPEventPowerProfileChanged:
        if (*(PULONG)InformationBuffer == NdisPowerProfileAcOnLine)
            KEEP(NdisPowerProfileBattery);
        break;
    }
}

static VOID MpAdapterShutdown(_In_ NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
}

/* ---- NDIS: protocol edge (the handlers the IM's lower binding registers) ----------------------------- */
static VOID PtOpenAdapterComplete(_In_ NDIS_HANDLE ProtocolBindingContext, _In_ NDIS_STATUS Status,
    _In_ NDIS_STATUS OpenErrorStatus)
{
    PADAPTER a = (PADAPTER)ProtocolBindingContext;
    UNREFERENCED_PARAMETER(OpenErrorStatus);
    KEEP(Status);
    NdisSetEvent(&a->Event);
}

static VOID PtCloseAdapterComplete(_In_ NDIS_HANDLE ProtocolBindingContext, _In_ NDIS_STATUS Status)
{
    PADAPTER a = (PADAPTER)ProtocolBindingContext;
    KEEP(Status);
    NdisSetEvent(&a->Event);
}

static VOID PtSendComplete(_In_ NDIS_HANDLE ProtocolBindingContext, _In_ PNDIS_PACKET Packet,
    _In_ NDIS_STATUS Status)
{
    PADAPTER a = (PADAPTER)ProtocolBindingContext;
    PNDIS_PACKET original = NDIS_GET_ORIGINAL_PACKET(Packet);
    NdisIMCopySendCompletePerPacketInfo(original, Packet);
    NdisDprFreePacket(Packet);
    NdisMSendComplete(a->MiniportHandle, original, Status);
}

static VOID PtWanSendComplete(_In_ NDIS_HANDLE ProtocolBindingContext, _In_ PNDIS_WAN_PACKET Packet,
    _In_ NDIS_STATUS Status)
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    UNREFERENCED_PARAMETER(Packet);
    UNREFERENCED_PARAMETER(Status);
}

static VOID PtTransferDataComplete(_In_ NDIS_HANDLE ProtocolBindingContext, _In_ PNDIS_PACKET Packet,
    _In_ NDIS_STATUS Status, _In_ UINT BytesTransferred)
{
    PADAPTER a = (PADAPTER)ProtocolBindingContext;
    NdisMTransferDataComplete(a->MiniportHandle, Packet, Status, BytesTransferred);
}

static VOID PtWanTransferDataComplete(VOID)
{
}

static VOID PtResetComplete(_In_ NDIS_HANDLE ProtocolBindingContext, _In_ NDIS_STATUS Status)
{
    PADAPTER a = (PADAPTER)ProtocolBindingContext;
    NdisMResetComplete(a->MiniportHandle, Status, FALSE);
}

static VOID PtRequestComplete(_In_ NDIS_HANDLE ProtocolBindingContext, _In_ PNDIS_REQUEST NdisRequest,
    _In_ NDIS_STATUS Status)
{
    PADAPTER a = (PADAPTER)ProtocolBindingContext;
    if (NdisRequest->RequestType == NdisRequestQueryInformation)
        NdisMQueryInformationComplete(a->MiniportHandle, Status);
    else
        NdisMSetInformationComplete(a->MiniportHandle, Status);
    KEEP(NdisRequestQueryStatistics + NdisRequestOpen + NdisRequestClose + NdisRequestSend +
         NdisRequestTransferData + NdisRequestReset + NdisRequestGeneric1 + NdisRequestGeneric2 +
         NdisRequestGeneric3 + NdisRequestGeneric4);
}

static NDIS_STATUS PtReceive(_In_ NDIS_HANDLE ProtocolBindingContext, _In_ NDIS_HANDLE MacReceiveContext,
    _In_reads_bytes_(HeaderBufferSize) PVOID HeaderBuffer, _In_ UINT HeaderBufferSize,
    _In_reads_bytes_(LookaheadBufferSize) PVOID LookAheadBuffer, _In_ UINT LookaheadBufferSize,
    _In_ UINT PacketSize)
{
    PADAPTER a = (PADAPTER)ProtocolBindingContext;
    PNDIS_PACKET packet = NdisGetReceivedPacket(a->BindingHandle, MacReceiveContext);
    if (packet == NULL) {
        switch (a->Medium) {
        case NdisMedium802_5:
            NdisMTrIndicateReceive(a->MiniportHandle, MacReceiveContext, HeaderBuffer, HeaderBufferSize,
                LookAheadBuffer, LookaheadBufferSize, PacketSize);
            break;
        case NdisMediumFddi:
            NdisMFddiIndicateReceive(a->MiniportHandle, MacReceiveContext, HeaderBuffer, HeaderBufferSize,
                LookAheadBuffer, LookaheadBufferSize, PacketSize);
            break;
        default:
            NdisMEthIndicateReceive(a->MiniportHandle, MacReceiveContext, HeaderBuffer, HeaderBufferSize,
                LookAheadBuffer, LookaheadBufferSize, PacketSize);
            break;
        }
        return NDIS_STATUS_SUCCESS;
    }
    NdisMIndicateReceivePacket(a->MiniportHandle, &packet, 1);
    return NDIS_STATUS_SUCCESS;
}

static NDIS_STATUS PtWanReceive(_In_ NDIS_HANDLE NdisLinkHandle, _In_ PUCHAR Packet, _In_ ULONG PacketSize)
{
    UNREFERENCED_PARAMETER(NdisLinkHandle);
    UNREFERENCED_PARAMETER(Packet);
    UNREFERENCED_PARAMETER(PacketSize);
    return NDIS_STATUS_NOT_ACCEPTED;
}

static VOID PtReceiveComplete(_In_ NDIS_HANDLE ProtocolBindingContext)
{
    PADAPTER a = (PADAPTER)ProtocolBindingContext;
    if (a->Medium == NdisMedium802_5)
        NdisMTrIndicateReceiveComplete(a->MiniportHandle);
    else if (a->Medium == NdisMediumFddi)
        NdisMFddiIndicateReceiveComplete(a->MiniportHandle);
    else
        NdisMEthIndicateReceiveComplete(a->MiniportHandle);
}

static VOID PtStatus(_In_ NDIS_HANDLE ProtocolBindingContext, _In_ NDIS_STATUS GeneralStatus,
    _In_reads_bytes_(StatusBufferSize) PVOID StatusBuffer, _In_ UINT StatusBufferSize)
{
    PADAPTER a = (PADAPTER)ProtocolBindingContext;
    NdisMIndicateStatus(a->MiniportHandle, GeneralStatus, StatusBuffer, StatusBufferSize);
}

static VOID PtStatusComplete(_In_ NDIS_HANDLE ProtocolBindingContext)
{
    PADAPTER a = (PADAPTER)ProtocolBindingContext;
    NdisMIndicateStatusComplete(a->MiniportHandle);
}

static INT PtReceivePacket(_In_ NDIS_HANDLE ProtocolBindingContext, _In_ PNDIS_PACKET Packet)
{
    PADAPTER a = (PADAPTER)ProtocolBindingContext;
    BOOLEAN remaining;
    PNDIS_PACKET_STACK stack = NdisIMGetCurrentPacketStack(Packet, &remaining);
    PNDIS_PACKET mine;
    NDIS_STATUS status;

    if (stack != NULL && remaining) {
        stack->IMReserved[0] = (ULONG_PTR)a;
        NdisMIndicateReceivePacket(a->MiniportHandle, &Packet, 1);
        return 0;
    }
    NdisDprAllocatePacket(&status, &mine, PacketPool);
    if (status != NDIS_STATUS_SUCCESS)
        return 0;
    NDIS_PACKET_FIRST_NDIS_BUFFER(mine) = NDIS_PACKET_FIRST_NDIS_BUFFER(Packet);
    NDIS_PACKET_LAST_NDIS_BUFFER(mine) = NDIS_PACKET_LAST_NDIS_BUFFER(Packet);
    NDIS_SET_ORIGINAL_PACKET(mine, NDIS_GET_ORIGINAL_PACKET(Packet));
    NDIS_SET_PACKET_HEADER_SIZE(mine, NDIS_GET_PACKET_HEADER_SIZE(Packet));
    NDIS_SET_PACKET_STATUS(mine, NDIS_GET_PACKET_STATUS(Packet));
    NdisMIndicateReceivePacket(a->MiniportHandle, &mine, 1);
    return NDIS_GET_PACKET_STATUS(Packet) == NDIS_STATUS_RESOURCES ? 0 : 1;
}

_IRQL_requires_(PASSIVE_LEVEL)
static VOID PtBindAdapter(_Out_ PNDIS_STATUS Status, _In_ NDIS_HANDLE BindContext, _In_ PNDIS_STRING DeviceName,
    _In_ PVOID SystemSpecific1, _In_ PVOID SystemSpecific2)
{
    static NDIS_MEDIUM media[] = { NdisMedium802_3, NdisMediumWan, NdisMediumLoopback };
    PADAPTER a = &Adapter;
    NDIS_HANDLE config;
    NDIS_STATUS openError;
    UINT selected;
    NDIS_STRING upperBindings = NDIS_STRING_CONST("UpperBindings");
    PNDIS_CONFIGURATION_PARAMETER param;

    UNREFERENCED_PARAMETER(SystemSpecific2);
    NdisOpenProtocolConfiguration(Status, &config, (PNDIS_STRING)SystemSpecific1);
    NdisReadConfiguration(Status, &param, config, &upperBindings, NdisParameterString);
    a->DeviceName = param->ParameterData.StringData;
    NdisCloseConfiguration(config);

    NdisInitializeEvent(&a->Event);
    NdisOpenAdapter(Status, &openError, &a->BindingHandle, &selected, media, ARRAYSIZE(media), ProtocolHandle,
        a, DeviceName, 0, NULL);
    if (*Status == NDIS_STATUS_PENDING) {
        NdisWaitEvent(&a->Event, 0);
        NdisResetEvent(&a->Event);
    }
    a->Medium = media[selected];
    KEEP(NdisIMGetBindingContext(a->BindingHandle));
    KEEP(NdisQueryAdapterInstanceName(&a->DeviceName, a->BindingHandle));
    *Status = NdisIMInitializeDeviceInstanceEx(DriverHandle, &a->DeviceName, a);
    if (*Status != NDIS_STATUS_SUCCESS)
        *Status = NdisIMInitializeDeviceInstance(DriverHandle, &a->DeviceName);
    NdisCompleteBindAdapter(BindContext, *Status, openError);
}

_IRQL_requires_(PASSIVE_LEVEL)
static VOID PtUnbindAdapter(_Out_ PNDIS_STATUS Status, _In_ NDIS_HANDLE ProtocolBindingContext,
    _In_ NDIS_HANDLE UnbindContext)
{
    PADAPTER a = (PADAPTER)ProtocolBindingContext;
    if (NdisIMCancelInitializeDeviceInstance(DriverHandle, &a->DeviceName) != NDIS_STATUS_SUCCESS)
        KEEP(NdisIMDeInitializeDeviceInstance(a->MiniportHandle));
    NdisCloseAdapter(Status, a->BindingHandle);
    NdisCompleteUnbindAdapter(UnbindContext, *Status);
}

_IRQL_requires_(PASSIVE_LEVEL)
static NDIS_STATUS PtPnPEvent(_In_ NDIS_HANDLE ProtocolBindingContext, _In_ PNET_PNP_EVENT NetPnPEvent)
{
    PADAPTER a = (PADAPTER)ProtocolBindingContext;
    switch (NetPnPEvent->NetEvent) {
    case NetEventSetPower:
        a->PowerState = *(PNDIS_DEVICE_POWER_STATE)NetPnPEvent->Buffer;
        break;
    case NetEventReconfigure:
        if (a == NULL)
            NdisReEnumerateProtocolBindings(ProtocolHandle);
        break;
    case NetEventQueryPower:
    case NetEventQueryRemoveDevice:
    case NetEventCancelRemoveDevice:
    case NetEventBindList:
    case NetEventBindsComplete:
    case NetEventPnPCapabilities:
    case NetEventPause:
    case NetEventRestart:
    case NetEventPortActivation:
    case NetEventPortDeactivation:
    case NetEventIMReEnableDevice:
    case NetEventMaximum:
        break;
    }
    KEEP(NetDeviceStateD0 + NetDeviceStateMaximum);
    /* NDIS 5.1 IM drivers pass every PnP event on to the protocols above their virtual miniport. */
    if (a != NULL && a->MiniportHandle != NULL)
        return NdisIMNotifyPnPEvent(a->MiniportHandle, NetPnPEvent);
    return NDIS_STATUS_SUCCESS;
}

static VOID PtUnload(VOID)
{
    NDIS_STATUS status;
    NdisDeregisterProtocol(&status, ProtocolHandle);
    NdisIMDeregisterLayeredMiniport(DriverHandle);
}

static VOID PtCoSendComplete(_In_ NDIS_STATUS Status, _In_ NDIS_HANDLE ProtocolVcContext,
    _In_ PNDIS_PACKET Packet)
{
    UNREFERENCED_PARAMETER(Status);
    UNREFERENCED_PARAMETER(ProtocolVcContext);
    UNREFERENCED_PARAMETER(Packet);
}

static VOID PtCoStatus(_In_ NDIS_HANDLE ProtocolBindingContext, _In_opt_ NDIS_HANDLE ProtocolVcContext,
    _In_ NDIS_STATUS GeneralStatus, _In_ PVOID StatusBuffer, _In_ UINT StatusBufferSize)
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    UNREFERENCED_PARAMETER(ProtocolVcContext);
    UNREFERENCED_PARAMETER(GeneralStatus);
    UNREFERENCED_PARAMETER(StatusBuffer);
    UNREFERENCED_PARAMETER(StatusBufferSize);
}

static UINT PtCoReceivePacket(_In_ NDIS_HANDLE ProtocolBindingContext, _In_ NDIS_HANDLE ProtocolVcContext,
    _In_ PNDIS_PACKET Packet)
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    UNREFERENCED_PARAMETER(ProtocolVcContext);
    UNREFERENCED_PARAMETER(Packet);
    return 0;
}

static VOID PtCoAfRegisterNotify(_In_ NDIS_HANDLE ProtocolBindingContext, _In_ PCO_ADDRESS_FAMILY AddressFamily)
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    KEEP(AddressFamily->AddressFamily + AddressFamily->MajorVersion + AddressFamily->MinorVersion);
}

/* ---- NDIS: packets and buffers --------------------------------------------------------------------- */
static VOID Packets(VOID)
{
    NDIS_STATUS status;
    PNDIS_PACKET p, q;
    PNDIS_BUFFER b, c, next;
    PVOID va, info;
    UINT length, offset, physical, count, total, size, copied;
    ULONG sendFlags;
    NDIS_PACKET_8021Q_INFO vlan;
    MEDIA_SPECIFIC_INFORMATION *msi;

    NdisAllocatePacketPool(&status, &PacketPool, 64, sizeof(PVOID));
    NdisFreePacketPool(PacketPool);
    NdisAllocatePacketPoolEx(&status, &PacketPool, 64, 64, PROTOCOL_RESERVED_SIZE_IN_PACKET);
    NdisSetPacketPoolProtocolId(PacketPool, NDIS_PROTOCOL_ID_TCP_IP);
    KEEP(NdisPacketPoolUsage(PacketPool) + NdisPacketSize(16));
    NdisAllocateBufferPool(&status, &BufferPool, 64);

    NdisAllocatePacket(&status, &p, PacketPool);
    NdisDprAllocatePacketNonInterlocked(&status, &q, PacketPool);
    KEEP(NdisGetPoolFromPacket(p));
    NdisAllocateBuffer(&status, &b, BufferPool, Storage, 64);
    NdisCopyBuffer(&status, &c, BufferPool, b, 4, 16);
    NdisChainBufferAtFront(p, b);
    NdisChainBufferAtBack(p, c);
    NdisQueryPacket(p, &physical, &count, &next, &total);
    NdisQueryPacketLength(p, &total);
    NdisGetFirstBufferFromPacket(p, &next, &va, &length, &total);
    NdisGetFirstBufferFromPacketSafe(p, &next, &va, &length, &total, NormalPagePriority);
    NdisGetNextBuffer(b, &next);
    NDIS_BUFFER_LINKAGE(c) = NULL; /* lvalue */
    NdisRecalculatePacketCounts(p);
    NdisQueryBuffer(b, &va, &length);
    NdisQueryBufferSafe(b, &va, &length, HighPagePriority);
    NdisQueryBufferOffset(b, &offset, &length);
    NdisAdjustBufferLength(b, 32);
    KEEP(NdisBufferLength(b) + NDIS_BUFFER_TO_SPAN_PAGES(b));
    KEEP(NdisBufferVirtualAddress(b));
    KEEP(NdisBufferVirtualAddressSafe(b, LowPagePriority));
    NdisGetBufferPhysicalArraySize(b, &size);
    NdisCopyFromPacketToPacket(q, 0, total, p, 0, &copied);
    NdisCopyFromPacketToPacketSafe(q, 0, total, p, 0, &copied, NormalPagePriority);
    KEEP(physical + count + offset + size + copied);

    /* Flags, OOB data and per-packet information: the lvalue macros. */
    NdisSetPacketFlags(p, NDIS_FLAGS_DONT_LOOPBACK);
    NdisClearPacketFlags(p, NDIS_FLAGS_DONT_LOOPBACK);
    NdisGetPacketFlags(p) = 0;
    NdisSetSendFlags(p, NDIS_FLAGS_LOOPBACK_ONLY);
    NdisQuerySendFlags(p, &sendFlags);
    KEEP(sendFlags + NDIS_GET_PACKET_PROTOCOL_TYPE(p));
    NDIS_SET_PACKET_STATUS(p, NDIS_STATUS_RESOURCES);
    NDIS_GET_PACKET_STATUS(p) = NDIS_STATUS_SUCCESS;
    NDIS_SET_PACKET_HEADER_SIZE(p, 14);
    NDIS_GET_PACKET_HEADER_SIZE(p) = 14;
    NDIS_SET_PACKET_TIME_TO_SEND(p, 0);
    NDIS_SET_PACKET_TIME_SENT(p, NDIS_GET_PACKET_TIME_TO_SEND(p));
    NDIS_SET_PACKET_TIME_RECEIVED(p, NDIS_GET_PACKET_TIME_SENT(p));
    KEEP(NDIS_GET_PACKET_TIME_RECEIVED(p));
    KEEP(NDIS_OOB_DATA_FROM_PACKET(p)->SizeMediaSpecificInfo);
    NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(p, Storage, 16);
    NDIS_GET_PACKET_MEDIA_SPECIFIC_INFO(p, &info, &size);
    msi = (MEDIA_SPECIFIC_INFORMATION *)info;
    if (msi != NULL && msi->ClassId == NdisClass802_3Priority)
        KEEP(NdisClassWirelessWanMbxMailbox + NdisClassIrdaPacketInfo + NdisClassAtmAALInfo + msi->Size);
    NDIS_PER_PACKET_INFO_FROM_PACKET(p, Ieee8021QInfo) = 0; /* lvalue */
    vlan.Value = NDIS_PER_PACKET_INFO_FROM_PACKET(p, Ieee8021QInfo);
    vlan.TagHeader.VlanId = 7;
    vlan.TagHeader.UserPriority = 5;
    NDIS_PACKET_EXTENSION_FROM_PACKET(p)->NdisPacketInfo[TcpIpChecksumPacketInfo] = vlan.Value;
    KEEP(IpSecPacketInfo + TcpLargeSendPacketInfo + ClassificationHandlePacketInfo + NdisReserved +
         ScatterGatherListPacketInfo + MaxPerPacketInfo);
    {
        /* Task offload as a miniport answers OID_TCP_TASK_OFFLOAD and reads a send's requests. */
        NDIS_TASK_OFFLOAD_HEADER header = {NDIS_TASK_OFFLOAD_VERSION, sizeof(NDIS_TASK_OFFLOAD_HEADER), 0, 0,
                                           {IEEE_802_3_Encapsulation, {1, 0}, 14}};
        NDIS_TASK_TCP_LARGE_SEND large = {NDIS_TASK_TCP_LARGE_SEND_V0, 65535, 2, TRUE, TRUE};
        NDIS_TCP_IP_CHECKSUM_PACKET_INFO checksum;

        checksum.Value = (ULONG)(ULONG_PTR)NDIS_PER_PACKET_INFO_FROM_PACKET(p, TcpIpChecksumPacketInfo);
        KEEP(header.Size + large.MaxOffLoadSize + checksum.Transmit.NdisPacketTcpChecksum);
    }
    NDIS_SET_ORIGINAL_PACKET(q, p);
    KEEP(NDIS_GET_ORIGINAL_PACKET(q));
    NDIS_SET_PACKET_CANCEL_ID(p, (PVOID)(ULONG_PTR)NdisGeneratePartialCancelId());
    KEEP(NDIS_GET_PACKET_CANCEL_ID(p));

    NdisUnchainBufferAtFront(p, &b);
    NdisUnchainBufferAtBack(p, &c);
    NdisReinitializePacket(p);
    NdisFreeBuffer(b);
    NdisFreeBuffer(c);
    NdisFreePacket(p);
    NdisDprFreePacketNonInterlocked(q);
    NdisFreeBufferPool(BufferPool);
    NdisFreePacketPool(PacketPool);
}

/* ---- NDIS: library support -------------------------------------------------------------------------- */
_Function_class_(NDIS_PROC)
static VOID AllCallsWorkItem(_In_ struct _NDIS_WORK_ITEM *WorkItem, _In_opt_ PVOID Context)
{
    UNREFERENCED_PARAMETER(WorkItem);
    UNREFERENCED_PARAMETER(Context);
}

static VOID Support(VOID)
{
    PVOID memory;
    NDIS_STRING s, t;
    NDIS_ANSI_STRING as;
    LARGE_INTEGER now, large;
    ULONG ulong = 0, upTime, cpu, idle, kernelAndUser, index;
    PLIST_ENTRY e;
    PSINGLE_LIST_ENTRY se;
    UCHAR x[4] = { 1, 2, 3, 4 }, y[4];
    static WCHAR buffer[64];

    KEEP(NdisAllocateMemory(&memory, 128, NDIS_MEMORY_CONTIGUOUS | NDIS_MEMORY_NONCACHED, HighestAcceptable));
    NdisFreeMemory(memory, 128, NDIS_MEMORY_CONTIGUOUS | NDIS_MEMORY_NONCACHED);
    memory = AnnotatedAllocate(64);
    AnnotatedFree(memory, 64);
    NdisZeroMemory(y, sizeof y);
    NdisFillMemory(y, sizeof y, 0xff);
    NdisMoveMemory(y, x, sizeof y);
    NdisMoveMappedMemory(y, x, sizeof y);
    KEEP(NdisEqualMemory(x, y, sizeof x));

    NdisAllocateSpinLock(&Lock);
    NdisAcquireSpinLock(&Lock);
    NdisReleaseSpinLock(&Lock);
    NdisDprAcquireSpinLock(&Lock);
    NdisDprReleaseSpinLock(&Lock);
    AnnotatedAcquire(&Lock);
    AnnotatedRelease(&Lock);
    NdisFreeSpinLock(&Lock);

    KEEP(NdisInterlockedIncrement(&Counter) + NdisInterlockedDecrement(&Counter));
    KEEP(NdisInterlockedExchange(&Counter, 1) + NdisInterlockedCompareExchange(&Counter, 2, 1));
    NdisInterlockedAddUlong(&ulong, 5, &Lock);
    large = NdisInterlockedAddLargeInteger(&now, 5, &Lock.SpinLock);
    KEEP(large.QuadPart);
    NdisInitializeListHead(&ListHead);
    KEEP(NdisInterlockedInsertHeadList(&ListHead, &ListEntry, &Lock));
    KEEP(NdisInterlockedInsertTailList(&ListHead, &OtherList, &Lock));
    e = NdisInterlockedRemoveHeadList(&ListHead, &Lock);
    KEEP(e);
    KEEP(NdisInterlockedPushEntryList(&SingleHead, &SingleEntry, &Lock));
    se = NdisInterlockedPopEntryList(&SingleHead, &Lock);
    KEEP(se);
    NdisInitializeSListHead(&SList);
    KEEP(NdisInterlockedPushEntrySList(&SList, &SListEntry, &Lock));
    KEEP(NdisQueryDepthSList(&SList));
    KEEP(NdisInterlockedPopEntrySList(&SList, &Lock));
    KEEP(NdisInterlockedFlushSList(&SList));

    NdisInitializeEvent(&Adapter.Event);
    NdisSetEvent(&Adapter.Event);
    KEEP(NdisWaitEvent(&Adapter.Event, 10));
    NdisResetEvent(&Adapter.Event);

    NdisInitializeTimer(&Adapter.ProtocolTimer, MpTimer, &Adapter);
    NdisSetTimer(&Adapter.ProtocolTimer, 10);
    NdisSetPeriodicTimer(&Adapter.ProtocolTimer, 100);
    NdisCancelTimer(&Adapter.ProtocolTimer, &Adapter.Event.Event.Header.Inserted);

    NdisInitializeWorkItem(&Adapter.WorkItem, AllCallsWorkItem, &Adapter);
    KEEP(NdisScheduleWorkItem(&Adapter.WorkItem));

    NdisInitUnicodeString(&s, L"AllCalls");
    NdisInitAnsiString(&as, "AllCalls");
    NdisInitializeString(&t, (PUCHAR) "AllCalls");
    KEEP(NdisEqualString(&s, &t, TRUE) + NdisEqualUnicodeString(&s, &t, FALSE));
    s.Buffer = buffer;
    s.MaximumLength = sizeof buffer;
    KEEP(NdisAnsiStringToUnicodeString(&s, &as));
    KEEP(NdisUnicodeStringToAnsiString(&as, &t));
    KEEP(NdisUpcaseUnicodeString(&s, &t));
    NdisPrintString(s);
    NdisFreeString(t);
    KEEP(NDIS_STRING_CONST_LENGTH(L"AllCalls"));

    NdisGetCurrentSystemTime(&now);
    NdisGetSystemUpTime(&upTime);
    NdisStallExecution(10);
    NdisMSleep(10);
    NdisGetCurrentProcessorCpuUsage(&cpu);
    NdisGetCurrentProcessorCounts(&idle, &kernelAndUser, &index);
    KEEP(upTime + cpu + idle + kernelAndUser + index + ulong + now.HighPart);
    KEEP(NdisSystemProcessorCount() + NdisGetVersion());
    NdisSetPhysicalAddressHigh(large, 0);
    NdisSetPhysicalAddressLow(large, 0x1000);
    KEEP(large.QuadPart);

    NdisWriteErrorLogEntry(Adapter.MiniportHandle, NDIS_ERROR_CODE_ADAPTER_NOT_FOUND, 2, 0x11u, 0x22u);
    {
        static const WCHAR strings[] = L"AllCalls\0adapter";
        ULONG data = 0x1234;
        KEEP(NdisWriteEventLogEntry(WrapperHandle, NDIS_STATUS_MEDIA_DISCONNECT, 7, 2, (PVOID)strings, sizeof data,
            &data));
    }
}

/* ---- NDIS: the rest of the miniport and protocol calls ---------------------------------------------------- */
static VOID MpCallback(_In_ NDIS_HANDLE MiniportAdapterContext, _In_ PVOID CallbackContext)
{
    KEEP(MiniportAdapterContext);
    KEEP(CallbackContext);
}

/* A serialized IM miniport running code in its miniport's context. */
static VOID SwitchToMiniport(VOID)
{
    NDIS_HANDLE switchHandle;
    W_MINIPORT_CALLBACK callback = MpCallback;
    if (NdisIMSwitchToMiniport(Adapter.MiniportHandle, &switchHandle)) {
        NdisMIndicateStatusComplete(Adapter.MiniportHandle);
        NdisIMRevertBack(Adapter.MiniportHandle, switchHandle);
    } else {
        KEEP(NdisIMQueueMiniportCallback(Adapter.MiniportHandle, callback, &Adapter));
    }
}

static VOID MiniportCalls(VOID)
{
    NDIS_STATUS status;
    PDRIVER_DISPATCH dispatch[IRP_MJ_MAXIMUM_FUNCTION + 1];
    PDEVICE_OBJECT device;
    NDIS_HANDLE deviceHandle;
    NDIS_STRING deviceName = NDIS_STRING_CONST("\\Device\\AllCallsControl");
    NDIS_STRING linkName = NDIS_STRING_CONST("\\DosDevices\\AllCallsControl");
    NDIS_HANDLE secondary = &Adapter;
    UINT i;

    for (i = 0; i < ARRAYSIZE(dispatch); i++)
        dispatch[i] = AllCallsDispatch;
    status = NdisMRegisterDevice(WrapperHandle, &deviceName, &linkName, dispatch, &device, &deviceHandle);
    if (status == NDIS_STATUS_SUCCESS)
        KEEP(NdisMDeregisterDevice(deviceHandle));

    NdisMSendResourcesAvailable(Adapter.MiniportHandle);
    KEEP(NdisMSetMiniportSecondary(secondary, Adapter.MiniportHandle));
    KEEP(NdisMPromoteMiniport(secondary));
    KEEP(NdisMRemoveMiniport(secondary));
}

static VOID ProtocolCalls(VOID)
{
    NDIS_STATUS status;
    NET_PNP_EVENT event;
    PNDIS_PACKET packets[1] = { Adapter.Packet };

    NdisRequest(&status, Adapter.BindingHandle, &Adapter.Request);
    NdisReset(&status, Adapter.BindingHandle);
    NdisZeroMemory(&event, sizeof event);
    event.NetEvent = NetEventBindsComplete;
    NdisCompletePnPEvent(NDIS_STATUS_SUCCESS, Adapter.BindingHandle, &event);
    NdisReturnPackets(packets, 1);
    {
        ULONG pending = 0;
        status = NdisQueryPendingIOCount(Adapter.BindingHandle, &pending);
        KEEP(pending + status);
    }
}

/* ---- Registration ---------------------------------------------------------------------------------------- */
static VOID AllCallsUnload(_In_ PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    PtUnload();
}

static NTSTATUS AllCallsAddDevice(_In_ PDRIVER_OBJECT DriverObject, _In_ PDEVICE_OBJECT PhysicalDeviceObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(PhysicalDeviceObject);
    return STATUS_NOT_SUPPORTED;
}

static VOID AllCallsStartIo(_In_ PDEVICE_OBJECT DeviceObject, _Inout_ struct _IRP *Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
}

static NDIS_STATUS RegisterMiniport(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS51_MINIPORT_CHARACTERISTICS mc;
    NDIS_MINIPORT_CHARACTERISTICS chars;
    NDIS30_MINIPORT_CHARACTERISTICS v30;
    NDIS40_MINIPORT_CHARACTERISTICS v40;
    NDIS50_MINIPORT_CHARACTERISTICS v50;
    NDIS_STATUS status;

    NdisMInitializeWrapper(&WrapperHandle, DriverObject, RegistryPath, NULL);

    NdisZeroMemory(&mc, sizeof mc);
    mc.MajorNdisVersion = NDIS_MINIPORT_MAJOR_VERSION;
    mc.MinorNdisVersion = NDIS_MINIPORT_MINOR_VERSION;
    mc.CheckForHangHandler = MpCheckForHang;
    mc.DisableInterruptHandler = MpDisableInterrupt;
    mc.EnableInterruptHandler = MpEnableInterrupt;
    mc.HaltHandler = MpHalt;
    mc.HandleInterruptHandler = MpHandleInterrupt;
    mc.InitializeHandler = MpInitialize;
    mc.ISRHandler = MpIsr;
    mc.QueryInformationHandler = MpQueryInformation;
    mc.ReconfigureHandler = MpReconfigure;
    mc.ResetHandler = MpReset;
    mc.SendHandler = MpSend;
    mc.WanSendHandler = MpWanSend;
    mc.SetInformationHandler = MpSetInformation;
    mc.TransferDataHandler = MpTransferData;
    mc.WanTransferDataHandler = MpWanTransferData;
    mc.ReturnPacketHandler = MpReturnPacket;
    mc.SendPacketsHandler = MpSendPackets;
    mc.AllocateCompleteHandler = MpAllocateComplete;
    mc.CoCreateVcHandler = MpCoCreateVc;
    mc.CoDeleteVcHandler = MpCoDeleteVc;
    mc.CoActivateVcHandler = MpCoActivateVc;
    mc.CoDeactivateVcHandler = MpCoDeactivateVc;
    mc.CoSendPacketsHandler = MpCoSendPackets;
    mc.CoRequestHandler = MpCoRequest;
    mc.CancelSendPacketsHandler = MpCancelSendPackets;
    mc.PnPEventNotifyHandler = MpPnPEventNotify;
    mc.AdapterShutdownHandler = MpAdapterShutdown;
    mc.Reserved1 = mc.Reserved2 = mc.Reserved3 = mc.Reserved4 = NULL;
    NdisMoveMemory(&chars, &mc, sizeof chars);
    NdisMoveMemory(&v30, &mc, sizeof v30);
    NdisMoveMemory(&v40, &mc, sizeof v40);
    NdisMoveMemory(&v50, &mc, sizeof v50);
    KEEP(v30.Reserved);
    KEEP(v40.ReturnPacketHandler);
    KEEP(v50.CoRequestHandler);

    status = NdisIMRegisterLayeredMiniport(WrapperHandle, &chars, sizeof chars, &DriverHandle);
    if (status != NDIS_STATUS_SUCCESS)
        status = NdisMRegisterMiniport(WrapperHandle, &chars, sizeof chars);
    NdisMRegisterUnloadHandler(WrapperHandle, AllCallsUnload);
    return status;
}

static NDIS_STATUS RegisterProtocol(VOID)
{
    NDIS_PROTOCOL_CHARACTERISTICS pc;
    NDIS40_PROTOCOL_CHARACTERISTICS v40;
    NDIS30_PROTOCOL_CHARACTERISTICS v30;
    NDIS50_PROTOCOL_CHARACTERISTICS *v50 = &pc;
    NDIS_STATUS status;

    NdisZeroMemory(&pc, sizeof pc);
    pc.MajorNdisVersion = 5;
    pc.MinorNdisVersion = 0;
    pc.Filler = 0;
    pc.Flags = 0;
    pc.Reserved = 0;
    pc.Name = AllCallsProtocolName;
    pc.OpenAdapterCompleteHandler = PtOpenAdapterComplete;
    pc.CloseAdapterCompleteHandler = PtCloseAdapterComplete;
    pc.SendCompleteHandler = PtSendComplete;
    pc.WanSendCompleteHandler = PtWanSendComplete;
    pc.TransferDataCompleteHandler = PtTransferDataComplete;
    pc.WanTransferDataCompleteHandler = PtWanTransferDataComplete;
    pc.ResetCompleteHandler = PtResetComplete;
    pc.RequestCompleteHandler = PtRequestComplete;
    pc.ReceiveHandler = PtReceive;
    pc.WanReceiveHandler = PtWanReceive;
    pc.ReceiveCompleteHandler = PtReceiveComplete;
    pc.StatusHandler = PtStatus;
    pc.StatusCompleteHandler = PtStatusComplete;
    pc.ReceivePacketHandler = PtReceivePacket;
    pc.BindAdapterHandler = PtBindAdapter;
    pc.UnbindAdapterHandler = PtUnbindAdapter;
    pc.PnPEventHandler = PtPnPEvent;
    pc.UnloadHandler = PtUnload;
    pc.ReservedHandlers[0] = NULL;
    pc.CoSendCompleteHandler = PtCoSendComplete;
    pc.CoStatusHandler = PtCoStatus;
    pc.CoReceivePacketHandler = PtCoReceivePacket;
    pc.CoAfRegisterNotifyHandler = PtCoAfRegisterNotify;
    NdisMoveMemory(&v40, &pc, sizeof v40);
    NdisMoveMemory(&v30, &pc, sizeof v30);
    KEEP(v40.UnloadHandler);
    KEEP(v30.StatusCompleteHandler);
    KEEP(v50->CoAfRegisterNotifyHandler);

    NdisRegisterProtocol(&status, &ProtocolHandle, &pc, sizeof pc);
    if (status == NDIS_STATUS_SUCCESS)
        NdisIMAssociateMiniport(DriverHandle, ProtocolHandle);
    return status;
}

DRIVER_INITIALIZE DriverEntry;
#pragma NDIS_INIT_FUNCTION(DriverEntry)
#pragma NDIS_PAGABLE_FUNCTION(RegisterProtocol)
#pragma NDIS_PAGEABLE_FUNCTION(RegisterMiniport)
#pragma alloc_text(INIT, DriverEntry)

_Function_class_(DRIVER_INITIALIZE) _IRQL_requires_(PASSIVE_LEVEL) _Use_decl_annotations_
DECLSPEC_EXPORT NTSTATUS DriverEntry(_In_ PDRIVER_OBJECT DriverObject, _In_ PUNICODE_STRING RegistryPath)
{
    NDIS_STATUS status;
    LONG values[2] = { 1, 2 }, copy[2], acc[2] = { 0, 0 };
    UCHAR raw[4] = { 0 }, rawCopy[4];
    ULONG flag;
    PVOID result;
    PDRIVER_INITIALIZE init = DriverEntry;
    PDRIVER_DISPATCH dispatch = AllCallsDispatch;
    PDRIVER_ADD_DEVICE addDevice = AllCallsAddDevice;
    PDRIVER_STARTIO startIo = AllCallsStartIo;
    PDRIVER_UNLOAD unload = AllCallsUnload;
    PKDEFERRED_ROUTINE deferred = AllCallsDpc;
    PNDIS_TIMER_FUNCTION timerFunction = MpTimer;
    NDIS_PROC workRoutine = AllCallsWorkItem;
    ADAPTER_SHUTDOWN_HANDLER shutdown = MpAdapterShutdownContext;
    W_MINIPORT_SHUTDOWN_HANDLER miniportShutdown = MpAdapterShutdown;

    PAGED_CODE();
    if (RegistryPath == NULL)
        Fatal(0x100);

    DriverObject->DriverUnload = unload;
    DriverObject->DriverStartIo = startIo;
    DriverObject->DriverInit = init;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = dispatch;
    DriverObject->DriverExtension->AddDevice = addDevice;
    KEEP(deferred);
    KEEP(timerFunction);
    KEEP(workRoutine);
    KEEP(shutdown);
    KEEP(miniportShutdown);

    status = RegisterMiniport(DriverObject, RegistryPath);
    if (status == NDIS_STATUS_SUCCESS)
        status = RegisterProtocol();
    if (status != NDIS_STATUS_SUCCESS) {
        NdisTerminateWrapper(WrapperHandle, NULL);
        return status;
    }

    KEEP(ConstantTables());
    KEEP(CallingConventions());
    KEEP(AnnotatedSum(values, 2, raw, sizeof raw, copy, rawCopy, acc, "sum", &flag, &Counter, &result, NULL));
    Irql();
    SpinLocks();
    Dispatcher();
    Pool();
    Interlocked();
    Lists();
    Strings();
    Mdls();
    Irps(DriverObject->DeviceObject);
    Threads();
    Wsk();
    RegistryKeys(RegistryPath);
    Debugging(status);
    KEEP(PagedWork(1));
    Packets();
    Support();
    LookasideLists();
    ReadWriteLocks();
    EthernetAddresses(Storage);
    TypedOutPointers(Adapter.Packet, NULL);
    MiniportCalls();
    SwitchToMiniport();
    ProtocolCalls();
    return STATUS_SUCCESS;
}
