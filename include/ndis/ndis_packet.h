/* ndis/ndis_packet.h — NDIS_PACKET, NDIS_BUFFER (an MDL), out-of-band data, per-packet info and
 * the packet/buffer pool calls (ndis.h), seed 003 §2.5 and §2.7.1.3.
 * The public layout is Microsoft's, so every documented macro works on it unchanged. */
#ifndef STRATA_NDIS_PACKET_H
#define STRATA_NDIS_PACKET_H

typedef MDL NDIS_BUFFER, *PNDIS_BUFFER;
typedef struct _NDIS_PACKET_POOL NDIS_PACKET_POOL, *PNDIS_PACKET_POOL;

typedef struct _NDIS_PACKET_PRIVATE {
    UINT PhysicalCount;
    UINT TotalLength;
    PNDIS_BUFFER Head;
    PNDIS_BUFFER Tail;
    PNDIS_PACKET_POOL Pool;
    UINT Count;
    ULONG Flags;
    BOOLEAN ValidCounts;
    UCHAR NdisPacketFlags;
    USHORT NdisPacketOobOffset;
} NDIS_PACKET_PRIVATE, *PNDIS_PACKET_PRIVATE;

/* Private.NdisPacketFlags */
#define fPACKET_WRAPPER_RESERVED                0x3F
#define fPACKET_CONTAINS_MEDIA_SPECIFIC_INFO    0x40
#define fPACKET_ALLOCATED_BY_NDIS               0x80

/* Private.Flags: NdisGetPacketFlags / NdisSetPacketFlags */
#define NDIS_FLAGS_PROTOCOL_ID_MASK             0x0000000F
#define NDIS_FLAGS_MULTICAST_PACKET             0x00000010
#define NDIS_FLAGS_RESERVED2                    0x00000020
#define NDIS_FLAGS_RESERVED3                    0x00000040
#define NDIS_FLAGS_DONT_LOOPBACK                0x00000080
#define NDIS_FLAGS_IS_LOOPBACK_PACKET           0x00000100
#define NDIS_FLAGS_LOOPBACK_ONLY                0x00000200
#define NDIS_FLAGS_RESERVED4                    0x00000400
#define NDIS_FLAGS_DOUBLE_BUFFERED              0x00000800
#define NDIS_FLAGS_SENT_AT_DPC                  0x00001000
#define NDIS_FLAGS_USES_SG_BUFFER_LIST          0x00002000
#define NDIS_FLAGS_USES_ORIGINAL_PACKET         0x00004000
#define NDIS_FLAGS_PADDED                       0x00010000
#define NDIS_FLAGS_XLATE_AT_TOP                 0x00020000

#define NDIS_PROTOCOL_ID_DEFAULT    0x00
#define NDIS_PROTOCOL_ID_TCP_IP     0x02
#define NDIS_PROTOCOL_ID_IPX        0x06
#define NDIS_PROTOCOL_ID_NBF        0x07
#define NDIS_PROTOCOL_ID_MAX        0x0F
#define NDIS_PROTOCOL_ID_MASK       0x0F
#define NDIS_GET_PACKET_PROTOCOL_TYPE(_Packet_) ((_Packet_)->Private.Flags & NDIS_PROTOCOL_ID_MASK)

typedef struct _NDIS_PACKET {
    NDIS_PACKET_PRIVATE Private;
    union {
        struct {
            UCHAR MiniportReserved[2 * sizeof(PVOID)];
            UCHAR WrapperReserved[2 * sizeof(PVOID)];
        };
        struct {
            UCHAR MiniportReservedEx[3 * sizeof(PVOID)];
            UCHAR WrapperReservedEx[sizeof(PVOID)];
        };
        struct {
            UCHAR MacReserved[4 * sizeof(PVOID)];
        };
    };
    ULONG_PTR Reserved[2];
    UCHAR ProtocolReserved[1]; /* sized by the pool's ProtocolReservedLength */
} NDIS_PACKET, *PNDIS_PACKET, **PPNDIS_PACKET;

/* Out-of-band data, NdisPacketOobOffset bytes from the packet's start. */
typedef struct _NDIS_PACKET_OOB_DATA {
    union {
        ULONGLONG TimeToSend;
        ULONGLONG TimeSent;
    };
    ULONGLONG TimeReceived;
    UINT HeaderSize;
    UINT SizeMediaSpecificInfo;
    PVOID MediaSpecificInformation;
    NDIS_STATUS Status;
} NDIS_PACKET_OOB_DATA, *PNDIS_PACKET_OOB_DATA;

/* Media-specific out-of-band information (OOB MediaSpecificInformation), seed 003 §2.7.1.3. */
typedef enum _NDIS_CLASS_ID {
    NdisClass802_3Priority,
    NdisClassWirelessWanMbxMailbox,
    NdisClassIrdaPacketInfo,
    NdisClassAtmAALInfo
} NDIS_CLASS_ID;

typedef struct _MEDIA_SPECIFIC_INFORMATION {
    UINT NextEntryOffset;
    NDIS_CLASS_ID ClassId;
    UINT Size;
    UCHAR ClassInformation[1];
} MEDIA_SPECIFIC_INFORMATION, *PMEDIA_SPECIFIC_INFORMATION;

typedef enum _NDIS_PER_PACKET_INFO {
    TcpIpChecksumPacketInfo,
    IpSecPacketInfo,
    TcpLargeSendPacketInfo,
    ClassificationHandlePacketInfo,
    NdisReserved,
    ScatterGatherListPacketInfo,
    Ieee8021QInfo,
    OriginalPacketInfo,
    PacketCancelId,
    MaxPerPacketInfo
} NDIS_PER_PACKET_INFO, *PNDIS_PER_PACKET_INFO;

/* Follows the OOB block. */
typedef struct _NDIS_PACKET_EXTENSION {
    PVOID NdisPacketInfo[MaxPerPacketInfo];
} NDIS_PACKET_EXTENSION, *PNDIS_PACKET_EXTENSION;

typedef struct _NDIS_PACKET_STACK {
    ULONG_PTR IMReserved[2];
    ULONG_PTR NdisReserved[4];
} NDIS_PACKET_STACK, *PNDIS_PACKET_STACK;

typedef struct _NDIS_PACKET_8021Q_INFO {
    union {
        struct {
            UINT32 UserPriority : 3;
            UINT32 CanonicalFormatId : 1;
            UINT32 VlanId : 12;
            UINT32 Reserved : 16;
        } TagHeader;
        PVOID Value;
    };
} NDIS_PACKET_8021Q_INFO, *PNDIS_PACKET_8021Q_INFO;

/* ---- Packet field macros (lvalues where Microsoft's are) -------------------------------------- */
#define NDIS_PACKET_FIRST_NDIS_BUFFER(_Packet) ((_Packet)->Private.Head)
#define NDIS_PACKET_LAST_NDIS_BUFFER(_Packet) ((_Packet)->Private.Tail)
#define NDIS_PACKET_VALID_COUNTS(_Packet) ((_Packet)->Private.ValidCounts)

#define NdisGetPacketFlags(_Packet) ((_Packet)->Private.Flags)
#define NdisSetPacketFlags(_Packet, _Flags) ((_Packet)->Private.Flags |= (_Flags))
#define NdisClearPacketFlags(_Packet, _Flags) ((_Packet)->Private.Flags &= ~(_Flags))
#define NdisSetSendFlags(_Packet, _Flags) ((_Packet)->Private.Flags = (_Flags))
#define NdisQuerySendFlags(_Packet, _Flags) (*(_Flags) = (_Packet)->Private.Flags)

#define NDIS_OOB_DATA_FROM_PACKET(_Packet) \
    ((PNDIS_PACKET_OOB_DATA)((PUCHAR)(_Packet) + (_Packet)->Private.NdisPacketOobOffset))
#define NDIS_PACKET_EXTENSION_FROM_PACKET(_Packet) \
    ((PNDIS_PACKET_EXTENSION)((PUCHAR)(_Packet) + (_Packet)->Private.NdisPacketOobOffset + sizeof(NDIS_PACKET_OOB_DATA)))
#define NDIS_PER_PACKET_INFO_FROM_PACKET(_Packet, _InfoType) \
    (NDIS_PACKET_EXTENSION_FROM_PACKET(_Packet)->NdisPacketInfo[(_InfoType)])
#define NDIS_GET_ORIGINAL_PACKET(_Packet) ((PNDIS_PACKET)NDIS_PER_PACKET_INFO_FROM_PACKET(_Packet, OriginalPacketInfo))
#define NDIS_SET_ORIGINAL_PACKET(_Packet, _OriginalPacket) \
    (NDIS_PER_PACKET_INFO_FROM_PACKET(_Packet, OriginalPacketInfo) = (_OriginalPacket))
#define NDIS_GET_PACKET_CANCEL_ID(_Packet) NDIS_PER_PACKET_INFO_FROM_PACKET(_Packet, PacketCancelId)
#define NDIS_SET_PACKET_CANCEL_ID(_Packet, _CancelId) \
    (NDIS_PER_PACKET_INFO_FROM_PACKET(_Packet, PacketCancelId) = (_CancelId))
#define NdisSetPacketCancelId(_Packet, _CancelId) NDIS_SET_PACKET_CANCEL_ID(_Packet, _CancelId)
#define NdisGetPacketCancelId(_Packet) NDIS_GET_PACKET_CANCEL_ID(_Packet)

#define NDIS_GET_PACKET_HEADER_SIZE(_Packet) (NDIS_OOB_DATA_FROM_PACKET(_Packet)->HeaderSize)
#define NDIS_SET_PACKET_HEADER_SIZE(_Packet, _HdrSize) (NDIS_OOB_DATA_FROM_PACKET(_Packet)->HeaderSize = (_HdrSize))
#define NDIS_GET_PACKET_STATUS(_Packet) (NDIS_OOB_DATA_FROM_PACKET(_Packet)->Status)
#define NDIS_SET_PACKET_STATUS(_Packet, _Status) (NDIS_OOB_DATA_FROM_PACKET(_Packet)->Status = (_Status))
#define NDIS_GET_PACKET_TIME_TO_SEND(_Packet) (NDIS_OOB_DATA_FROM_PACKET(_Packet)->TimeToSend)
#define NDIS_SET_PACKET_TIME_TO_SEND(_Packet, _TimeToSend) (NDIS_OOB_DATA_FROM_PACKET(_Packet)->TimeToSend = (_TimeToSend))
#define NDIS_GET_PACKET_TIME_SENT(_Packet) (NDIS_OOB_DATA_FROM_PACKET(_Packet)->TimeSent)
#define NDIS_SET_PACKET_TIME_SENT(_Packet, _TimeSent) (NDIS_OOB_DATA_FROM_PACKET(_Packet)->TimeSent = (_TimeSent))
#define NDIS_GET_PACKET_TIME_RECEIVED(_Packet) (NDIS_OOB_DATA_FROM_PACKET(_Packet)->TimeReceived)
#define NDIS_SET_PACKET_TIME_RECEIVED(_Packet, _TimeReceived) \
    (NDIS_OOB_DATA_FROM_PACKET(_Packet)->TimeReceived = (_TimeReceived))

#define NDIS_GET_PACKET_MEDIA_SPECIFIC_INFO(_Packet, _pMediaSpecificInfo, _pSizeMediaSpecificInfo) \
    do { \
        if (!((_Packet)->Private.NdisPacketFlags & fPACKET_ALLOCATED_BY_NDIS) || \
            !((_Packet)->Private.NdisPacketFlags & fPACKET_CONTAINS_MEDIA_SPECIFIC_INFO)) { \
            *(_pMediaSpecificInfo) = NULL; \
            *(_pSizeMediaSpecificInfo) = 0; \
        } else { \
            *(_pMediaSpecificInfo) = NDIS_OOB_DATA_FROM_PACKET(_Packet)->MediaSpecificInformation; \
            *(_pSizeMediaSpecificInfo) = NDIS_OOB_DATA_FROM_PACKET(_Packet)->SizeMediaSpecificInfo; \
        } \
    } while (0)

#define NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(_Packet, _MediaSpecificInfo, _SizeMediaSpecificInfo) \
    do { \
        if ((_Packet)->Private.NdisPacketFlags & fPACKET_ALLOCATED_BY_NDIS) { \
            (_Packet)->Private.NdisPacketFlags |= fPACKET_CONTAINS_MEDIA_SPECIFIC_INFO; \
            NDIS_OOB_DATA_FROM_PACKET(_Packet)->MediaSpecificInformation = (_MediaSpecificInfo); \
            NDIS_OOB_DATA_FROM_PACKET(_Packet)->SizeMediaSpecificInfo = (_SizeMediaSpecificInfo); \
        } \
    } while (0)

#define NdisGetNextBuffer(_CurrentBuffer, _NextBuffer) (*(_NextBuffer) = (_CurrentBuffer)->Next)
#define NDIS_BUFFER_LINKAGE(_Buffer) ((_Buffer)->Next)
/* Re-finds Tail after a driver relinked the chain by hand; counts are recomputed on next query. */
#define NdisRecalculatePacketCounts(_Packet) \
    do { \
        PNDIS_BUFFER strata_b_ = (_Packet)->Private.Head; \
        if (strata_b_ != NULL) { \
            while (strata_b_->Next != NULL) \
                strata_b_ = strata_b_->Next; \
            (_Packet)->Private.Tail = strata_b_; \
        } \
        (_Packet)->Private.ValidCounts = FALSE; \
    } while (0)

/* Minimum ProtocolReserved a miniport allocates in packets it indicates. */
#define PROTOCOL_RESERVED_SIZE_IN_PACKET (4 * sizeof(PVOID))
#define NdisQueryPacketLength(_Packet, _TotalPacketLength) \
    NdisQueryPacket((_Packet), NULL, NULL, NULL, (_TotalPacketLength))

STRATA_EXTERN_C_BEGIN

/* ---- Packet pools ---------------------------------------------------------------------------- */
NDISAPI VOID NdisAllocatePacketPool(PNDIS_STATUS Status, PNDIS_HANDLE PoolHandle,
    UINT NumberOfDescriptors, UINT ProtocolReservedLength);
NDISAPI VOID NdisAllocatePacketPoolEx(PNDIS_STATUS Status, PNDIS_HANDLE PoolHandle,
    UINT NumberOfDescriptors, UINT NumberOfOverflowDescriptors, UINT ProtocolReservedLength);
NDISAPI VOID NdisFreePacketPool(NDIS_HANDLE PoolHandle);
NDISAPI UINT NdisPacketPoolUsage(NDIS_HANDLE PoolHandle);
NDISAPI UINT NdisPacketSize(UINT ProtocolReservedSize);
NDISAPI NDIS_HANDLE NdisGetPoolFromPacket(PNDIS_PACKET Packet);
NDISAPI VOID NdisSetPacketPoolProtocolId(NDIS_HANDLE PacketPoolHandle, UINT ProtocolId);
NDISAPI VOID NdisAllocatePacket(PNDIS_STATUS Status, PNDIS_PACKET *Packet, NDIS_HANDLE PoolHandle);
NDISAPI VOID NdisDprAllocatePacket(PNDIS_STATUS Status, PNDIS_PACKET *Packet, NDIS_HANDLE PoolHandle);
NDISAPI VOID NdisDprAllocatePacketNonInterlocked(PNDIS_STATUS Status, PNDIS_PACKET *Packet, NDIS_HANDLE PoolHandle);
NDISAPI VOID NdisFreePacket(PNDIS_PACKET Packet);
NDISAPI VOID NdisDprFreePacket(PNDIS_PACKET Packet);
NDISAPI VOID NdisDprFreePacketNonInterlocked(PNDIS_PACKET Packet);
/* Resets a packet for reuse; the verifier reports buffers still chained (seed 003 §2.5.1). */
NDISAPI VOID NdisReinitializePacket(PNDIS_PACKET Packet);

/* ---- Buffer pools and buffers ------------------------------------------------------------------ */
NDISAPI VOID NdisAllocateBufferPool(PNDIS_STATUS Status, PNDIS_HANDLE PoolHandle, UINT NumberOfDescriptors);
NDISAPI VOID NdisFreeBufferPool(NDIS_HANDLE PoolHandle);
NDISAPI VOID NdisAllocateBuffer(PNDIS_STATUS Status, PNDIS_BUFFER *Buffer, NDIS_HANDLE PoolHandle,
    PVOID VirtualAddress, UINT Length);
NDISAPI VOID NdisFreeBuffer(PNDIS_BUFFER Buffer);
NDISAPI VOID NdisCopyBuffer(PNDIS_STATUS Status, PNDIS_BUFFER *Buffer, NDIS_HANDLE PoolHandle,
    PVOID MemoryDescriptor, UINT Offset, UINT Length);
NDISAPI VOID NdisQueryBuffer(PNDIS_BUFFER Buffer, PVOID *VirtualAddress, PUINT Length);
NDISAPI VOID NdisQueryBufferSafe(PNDIS_BUFFER Buffer, PVOID *VirtualAddress, PUINT Length, MM_PAGE_PRIORITY Priority);
NDISAPI VOID NdisQueryBufferOffset(PNDIS_BUFFER Buffer, PUINT Offset, PUINT Length);
NDISAPI VOID NdisAdjustBufferLength(PNDIS_BUFFER Buffer, UINT Length);
NDISAPI ULONG NdisBufferLength(PNDIS_BUFFER Buffer);
NDISAPI PVOID NdisBufferVirtualAddress(PNDIS_BUFFER Buffer);
NDISAPI PVOID NdisBufferVirtualAddressSafe(PNDIS_BUFFER Buffer, MM_PAGE_PRIORITY Priority);
NDISAPI ULONG NDIS_BUFFER_TO_SPAN_PAGES(PNDIS_BUFFER Buffer);
NDISAPI VOID NdisGetBufferPhysicalArraySize(PNDIS_BUFFER Buffer, PUINT ArraySize);

/* ---- Chaining and querying --------------------------------------------------------------------- */
NDISAPI VOID NdisChainBufferAtFront(PNDIS_PACKET Packet, PNDIS_BUFFER Buffer);
NDISAPI VOID NdisChainBufferAtBack(PNDIS_PACKET Packet, PNDIS_BUFFER Buffer);
NDISAPI VOID NdisUnchainBufferAtFront(PNDIS_PACKET Packet, PNDIS_BUFFER *Buffer);
NDISAPI VOID NdisUnchainBufferAtBack(PNDIS_PACKET Packet, PNDIS_BUFFER *Buffer);
/* Any of the out pointers may be NULL. */
NDISAPI VOID NdisQueryPacket(PNDIS_PACKET Packet, PUINT PhysicalBufferCount, PUINT BufferCount,
    PNDIS_BUFFER *FirstBuffer, PUINT TotalPacketLength);
NDISAPI VOID NdisGetFirstBufferFromPacket(PNDIS_PACKET Packet, PNDIS_BUFFER *FirstBuffer,
    PVOID *FirstBufferVA, PUINT FirstBufferLength, PUINT TotalBufferLength);
NDISAPI VOID NdisGetFirstBufferFromPacketSafe(PNDIS_PACKET Packet, PNDIS_BUFFER *FirstBuffer,
    PVOID *FirstBufferVA, PUINT FirstBufferLength, PUINT TotalBufferLength, MM_PAGE_PRIORITY Priority);
NDISAPI VOID NdisCopyFromPacketToPacket(PNDIS_PACKET Destination, UINT DestinationOffset, UINT BytesToCopy,
    PNDIS_PACKET Source, UINT SourceOffset, PUINT BytesCopied);
NDISAPI VOID NdisCopyFromPacketToPacketSafe(PNDIS_PACKET Destination, UINT DestinationOffset, UINT BytesToCopy,
    PNDIS_PACKET Source, UINT SourceOffset, PUINT BytesCopied, MM_PAGE_PRIORITY Priority);
NDISAPI UCHAR NdisGeneratePartialCancelId(VOID);

/* ---- Intermediate drivers: packet stacking and per-packet info (seed 003 §2.5, §2.8) ----------- */
/* Returns the IM's stack slot in Packet, or NULL; *StacksRemaining says whether a lower IM can
 * still get one (the packet may then be passed down or up unchanged). */
NDISAPI PNDIS_PACKET_STACK NdisIMGetCurrentPacketStack(PNDIS_PACKET Packet, BOOLEAN *StacksRemaining);
NDISAPI VOID NdisIMCopySendPerPacketInfo(PNDIS_PACKET DstPacket, PNDIS_PACKET SrcPacket);
NDISAPI VOID NdisIMCopySendCompletePerPacketInfo(PNDIS_PACKET DstPacket, PNDIS_PACKET SrcPacket);

STRATA_EXTERN_C_END

/* C driver source: Microsoft's versions of these are macros. NdisChainBufferAt{Front,Back} expand
 * to a { } block, so DDK code that leaves out the ';' after them compiles; the VA out-pointers
 * accept any pointer type (PUCHAR *, ...) as Microsoft's assignments do. C++ sees the prototypes. */
#if !defined(__cplusplus) && !defined(STRATA_BUILDING_LIBRARY)
#define NdisChainBufferAtFront(_Packet, _Buffer) { (NdisChainBufferAtFront)((_Packet), (_Buffer)); }
#define NdisChainBufferAtBack(_Packet, _Buffer) { (NdisChainBufferAtBack)((_Packet), (_Buffer)); }
#define NdisQueryBuffer(_Buffer, _VirtualAddress, _Length) \
    (NdisQueryBuffer)((_Buffer), (PVOID *)(_VirtualAddress), (_Length))
#define NdisQueryBufferSafe(_Buffer, _VirtualAddress, _Length, _Priority) \
    (NdisQueryBufferSafe)((_Buffer), (PVOID *)(_VirtualAddress), (_Length), (_Priority))
#define NdisGetFirstBufferFromPacket(_Packet, _FirstBuffer, _FirstBufferVA, _FirstBufferLength, _TotalBufferLength) \
    (NdisGetFirstBufferFromPacket)((_Packet), (_FirstBuffer), (PVOID *)(_FirstBufferVA), (_FirstBufferLength), \
        (_TotalBufferLength))
#define NdisGetFirstBufferFromPacketSafe(_Packet, _FirstBuffer, _FirstBufferVA, _FirstBufferLength, \
        _TotalBufferLength, _Priority) \
    (NdisGetFirstBufferFromPacketSafe)((_Packet), (_FirstBuffer), (PVOID *)(_FirstBufferVA), (_FirstBufferLength), \
        (_TotalBufferLength), (_Priority))
#endif

#endif /* STRATA_NDIS_PACKET_H */
