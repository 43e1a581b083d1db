/* ndis/ndis_protocol.h — the protocol edge: ProtocolXxx handler types, NDIS 3.0–5.0 protocol
 * characteristics (5.1 protocols use the 5.0 layout), and the calls a protocol or the lower
 * edge of an intermediate driver makes, seed 003 §2.3.1.2, §2.4.1, §2.7, §2.8, §2.11, §2.12. */
#ifndef STRATA_NDIS_PROTOCOL_H
#define STRATA_NDIS_PROTOCOL_H

typedef struct _NDIS_OPEN_BLOCK NDIS_OPEN_BLOCK, *PNDIS_OPEN_BLOCK;
typedef struct _NDIS_PROTOCOL_BLOCK NDIS_PROTOCOL_BLOCK, *PNDIS_PROTOCOL_BLOCK;

/* ---- Handler types ------------------------------------------------------------------------- */
typedef VOID (*OPEN_ADAPTER_COMPLETE_HANDLER)(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status,
    NDIS_STATUS OpenErrorStatus);
typedef VOID (*CLOSE_ADAPTER_COMPLETE_HANDLER)(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status);
typedef VOID (*RESET_COMPLETE_HANDLER)(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS Status);
typedef VOID (*REQUEST_COMPLETE_HANDLER)(NDIS_HANDLE ProtocolBindingContext, PNDIS_REQUEST NdisRequest,
    NDIS_STATUS Status);
typedef VOID (*STATUS_HANDLER)(NDIS_HANDLE ProtocolBindingContext, NDIS_STATUS GeneralStatus,
    PVOID StatusBuffer, UINT StatusBufferSize);
typedef VOID (*STATUS_COMPLETE_HANDLER)(NDIS_HANDLE ProtocolBindingContext);
typedef VOID (*SEND_COMPLETE_HANDLER)(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status);
typedef VOID (*WAN_SEND_COMPLETE_HANDLER)(NDIS_HANDLE ProtocolBindingContext, PNDIS_WAN_PACKET Packet,
    NDIS_STATUS Status);
typedef VOID (*TRANSFER_DATA_COMPLETE_HANDLER)(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet,
    NDIS_STATUS Status, UINT BytesTransferred);
typedef VOID (*WAN_TRANSFER_DATA_COMPLETE_HANDLER)(VOID);
typedef NDIS_STATUS (*RECEIVE_HANDLER)(NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE MacReceiveContext,
    PVOID HeaderBuffer, UINT HeaderBufferSize, PVOID LookAheadBuffer, UINT LookaheadBufferSize, UINT PacketSize);
typedef NDIS_STATUS (*WAN_RECEIVE_HANDLER)(NDIS_HANDLE NdisLinkHandle, PUCHAR Packet, ULONG PacketSize);
typedef VOID (*RECEIVE_COMPLETE_HANDLER)(NDIS_HANDLE ProtocolBindingContext);
typedef INT (*RECEIVE_PACKET_HANDLER)(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet);
typedef VOID (*BIND_HANDLER)(PNDIS_STATUS Status, NDIS_HANDLE BindContext, PNDIS_STRING DeviceName,
    PVOID SystemSpecific1, PVOID SystemSpecific2);
typedef VOID (*UNBIND_HANDLER)(PNDIS_STATUS Status, NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE UnbindContext);
typedef NDIS_STATUS (*PNP_EVENT_HANDLER)(NDIS_HANDLE ProtocolBindingContext, PNET_PNP_EVENT NetPnPEvent);
typedef VOID (*UNLOAD_PROTOCOL_HANDLER)(VOID);
typedef VOID (*CO_SEND_COMPLETE_HANDLER)(NDIS_STATUS Status, NDIS_HANDLE ProtocolVcContext, PNDIS_PACKET Packet);
typedef VOID (*CO_STATUS_HANDLER)(NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE ProtocolVcContext,
    NDIS_STATUS GeneralStatus, PVOID StatusBuffer, UINT StatusBufferSize);
typedef UINT (*CO_RECEIVE_PACKET_HANDLER)(NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE ProtocolVcContext,
    PNDIS_PACKET Packet);
typedef VOID (*CO_AF_REGISTER_NOTIFY_HANDLER)(NDIS_HANDLE ProtocolBindingContext, PCO_ADDRESS_FAMILY AddressFamily);

/* ---- Characteristics, by version ------------------------------------------------------------- */
#define STRATA_NDIS30_PROTOCOL_FIELDS \
    UCHAR MajorNdisVersion; \
    UCHAR MinorNdisVersion; \
    USHORT Filler; \
    union { \
        UINT Reserved; \
        UINT Flags; \
    }; \
    OPEN_ADAPTER_COMPLETE_HANDLER OpenAdapterCompleteHandler; \
    CLOSE_ADAPTER_COMPLETE_HANDLER CloseAdapterCompleteHandler; \
    union { \
        SEND_COMPLETE_HANDLER SendCompleteHandler; \
        WAN_SEND_COMPLETE_HANDLER WanSendCompleteHandler; \
    }; \
    union { \
        TRANSFER_DATA_COMPLETE_HANDLER TransferDataCompleteHandler; \
        WAN_TRANSFER_DATA_COMPLETE_HANDLER WanTransferDataCompleteHandler; \
    }; \
    RESET_COMPLETE_HANDLER ResetCompleteHandler; \
    REQUEST_COMPLETE_HANDLER RequestCompleteHandler; \
    union { \
        RECEIVE_HANDLER ReceiveHandler; \
        WAN_RECEIVE_HANDLER WanReceiveHandler; \
    }; \
    RECEIVE_COMPLETE_HANDLER ReceiveCompleteHandler; \
    STATUS_HANDLER StatusHandler; \
    STATUS_COMPLETE_HANDLER StatusCompleteHandler; \
    NDIS_STRING Name;
#define STRATA_NDIS40_PROTOCOL_FIELDS \
    STRATA_NDIS30_PROTOCOL_FIELDS \
    RECEIVE_PACKET_HANDLER ReceivePacketHandler; \
    BIND_HANDLER BindAdapterHandler; \
    UNBIND_HANDLER UnbindAdapterHandler; \
    PNP_EVENT_HANDLER PnPEventHandler; \
    UNLOAD_PROTOCOL_HANDLER UnloadHandler;
#define STRATA_NDIS50_PROTOCOL_FIELDS \
    STRATA_NDIS40_PROTOCOL_FIELDS \
    PVOID ReservedHandlers[4]; \
    CO_SEND_COMPLETE_HANDLER CoSendCompleteHandler; \
    CO_STATUS_HANDLER CoStatusHandler; \
    CO_RECEIVE_PACKET_HANDLER CoReceivePacketHandler; \
    CO_AF_REGISTER_NOTIFY_HANDLER CoAfRegisterNotifyHandler;

typedef struct _NDIS30_PROTOCOL_CHARACTERISTICS { STRATA_NDIS30_PROTOCOL_FIELDS } NDIS30_PROTOCOL_CHARACTERISTICS;
typedef struct _NDIS40_PROTOCOL_CHARACTERISTICS { STRATA_NDIS40_PROTOCOL_FIELDS } NDIS40_PROTOCOL_CHARACTERISTICS;
typedef struct _NDIS50_PROTOCOL_CHARACTERISTICS { STRATA_NDIS50_PROTOCOL_FIELDS } NDIS50_PROTOCOL_CHARACTERISTICS;
typedef NDIS30_PROTOCOL_CHARACTERISTICS *PNDIS30_PROTOCOL_CHARACTERISTICS;
typedef NDIS40_PROTOCOL_CHARACTERISTICS *PNDIS40_PROTOCOL_CHARACTERISTICS;
typedef NDIS50_PROTOCOL_CHARACTERISTICS *PNDIS50_PROTOCOL_CHARACTERISTICS;

#if defined(NDIS40) && !defined(NDIS50) && !defined(NDIS51)
typedef NDIS40_PROTOCOL_CHARACTERISTICS NDIS_PROTOCOL_CHARACTERISTICS;
#else
typedef NDIS50_PROTOCOL_CHARACTERISTICS NDIS_PROTOCOL_CHARACTERISTICS;
#endif
typedef NDIS_PROTOCOL_CHARACTERISTICS *PNDIS_PROTOCOL_CHARACTERISTICS;

/* NDIS_PROTOCOL_CHARACTERISTICS.Flags */
#define NDIS_PROTOCOL_BIND_ALL_CO_MINIPORTS 0x00000001

STRATA_EXTERN_C_BEGIN

/* ---- Registration and binding (seed 003 §2.3.1.2, §2.4.1, §2.11) ------------------------------ */
NDISAPI VOID NdisRegisterProtocol(PNDIS_STATUS Status, PNDIS_HANDLE NdisProtocolHandle,
    PNDIS_PROTOCOL_CHARACTERISTICS ProtocolCharacteristics, UINT CharacteristicsLength);
NDISAPI VOID NdisDeregisterProtocol(PNDIS_STATUS Status, NDIS_HANDLE NdisProtocolHandle);
NDISAPI VOID NdisOpenAdapter(PNDIS_STATUS Status, PNDIS_STATUS OpenErrorStatus, PNDIS_HANDLE NdisBindingHandle,
    PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray, UINT MediumArraySize, NDIS_HANDLE NdisProtocolHandle,
    NDIS_HANDLE ProtocolBindingContext, PNDIS_STRING AdapterName, UINT OpenOptions,
    PSTRING AddressingInformation);
NDISAPI VOID NdisCloseAdapter(PNDIS_STATUS Status, NDIS_HANDLE NdisBindingHandle);
NDISAPI VOID NdisCompleteBindAdapter(NDIS_HANDLE BindAdapterContext, NDIS_STATUS Status, NDIS_STATUS OpenStatus);
NDISAPI VOID NdisCompleteUnbindAdapter(NDIS_HANDLE UnbindAdapterContext, NDIS_STATUS Status);
NDISAPI VOID NdisReEnumerateProtocolBindings(NDIS_HANDLE NdisProtocolHandle);
NDISAPI VOID NdisCompletePnPEvent(NDIS_STATUS Status, NDIS_HANDLE NdisBindingHandle, PNET_PNP_EVENT NetPnPEvent);
NDISAPI NDIS_STATUS NdisQueryAdapterInstanceName(PNDIS_STRING pAdapterInstanceName, NDIS_HANDLE NdisBindingHandle);
/* From ProtocolBindAdapter: the DeviceContext the IM below passed to NdisIMInitializeDeviceInstanceEx
 * for the virtual miniport NdisBindingHandle is bound to, or NULL. */
NDISAPI NDIS_HANDLE NdisIMGetBindingContext(NDIS_HANDLE NdisBindingHandle);

/* ---- Data path (seed 003 §2.7, §2.8) --------------------------------------------------------- */
NDISAPI VOID NdisSend(PNDIS_STATUS Status, NDIS_HANDLE NdisBindingHandle, PNDIS_PACKET Packet);
NDISAPI VOID NdisSendPackets(NDIS_HANDLE NdisBindingHandle, PPNDIS_PACKET PacketArray, UINT NumberOfPackets);
NDISAPI VOID NdisTransferData(PNDIS_STATUS Status, NDIS_HANDLE NdisBindingHandle, NDIS_HANDLE MacReceiveContext,
    UINT ByteOffset, UINT BytesToTransfer, PNDIS_PACKET Packet, PUINT BytesTransferred);
NDISAPI VOID NdisReturnPackets(PNDIS_PACKET *PacketsToReturn, UINT NumberOfPackets);
/* The seed writes this NdisGetReceivePacket; the documented name is NdisGetReceivedPacket. */
NDISAPI PNDIS_PACKET NdisGetReceivedPacket(NDIS_HANDLE NdisBindingHandle, NDIS_HANDLE MacContext);
NDISAPI VOID NdisCancelSendPackets(NDIS_HANDLE NdisBindingHandle, PVOID CancelId);
/* Sends and requests the binding has outstanding in the miniport below (NDIS 5.1). */
NDISAPI NDIS_STATUS NdisQueryPendingIOCount(PVOID NdisBindingHandle, PULONG IoCount);

/* ---- Requests and reset (seed 003 §2.4.3, §2.10) --------------------------------------------- */
NDISAPI VOID NdisRequest(PNDIS_STATUS Status, NDIS_HANDLE NdisBindingHandle, PNDIS_REQUEST NdisRequest);
NDISAPI VOID NdisReset(PNDIS_STATUS Status, NDIS_HANDLE NdisBindingHandle);

STRATA_EXTERN_C_END

#endif /* STRATA_NDIS_PROTOCOL_H */
