/* ndis/ndis_miniport.h — the miniport edge: MiniportXxx handler types, NDIS 3.0–5.1 miniport
 * characteristics, and the NdisMXxx calls a NIC or virtual miniport makes, seed 003 §2.3.1.1,
 * §2.4.2, §2.7, §2.8, §2.10, §2.12. Characteristics are flattened (no embedded unnamed
 * structs) so no -fms-extensions is needed; field order and sizes are Microsoft's. */
#ifndef STRATA_NDIS_MINIPORT_H
#define STRATA_NDIS_MINIPORT_H

typedef struct _NDIS_MINIPORT_BLOCK NDIS_MINIPORT_BLOCK, *PNDIS_MINIPORT_BLOCK;

/* ---- Handler types ------------------------------------------------------------------------- */
typedef BOOLEAN (*W_CHECK_FOR_HANG_HANDLER)(NDIS_HANDLE MiniportAdapterContext);
typedef VOID (*W_DISABLE_INTERRUPT_HANDLER)(NDIS_HANDLE MiniportAdapterContext);
typedef VOID (*W_ENABLE_INTERRUPT_HANDLER)(NDIS_HANDLE MiniportAdapterContext);
typedef VOID (*W_HALT_HANDLER)(NDIS_HANDLE MiniportAdapterContext);
typedef VOID (*W_HANDLE_INTERRUPT_HANDLER)(NDIS_HANDLE MiniportAdapterContext);
typedef NDIS_STATUS (*W_INITIALIZE_HANDLER)(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex,
    PNDIS_MEDIUM MediumArray, UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle,
    NDIS_HANDLE WrapperConfigurationContext);
typedef VOID (*W_ISR_HANDLER)(PBOOLEAN InterruptRecognized, PBOOLEAN QueueMiniportHandleInterrupt,
    NDIS_HANDLE MiniportAdapterContext);
typedef NDIS_STATUS (*W_QUERY_INFORMATION_HANDLER)(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid,
    PVOID InformationBuffer, ULONG InformationBufferLength, PULONG BytesWritten, PULONG BytesNeeded);
typedef NDIS_STATUS (*W_RECONFIGURE_HANDLER)(PNDIS_STATUS OpenErrorStatus, NDIS_HANDLE MiniportAdapterContext,
    NDIS_HANDLE WrapperConfigurationContext);
typedef NDIS_STATUS (*W_RESET_HANDLER)(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext);
typedef NDIS_STATUS (*W_SEND_HANDLER)(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet, UINT Flags);
typedef NDIS_STATUS (*WM_SEND_HANDLER)(NDIS_HANDLE MiniportAdapterContext, NDIS_HANDLE NdisLinkHandle,
    PNDIS_WAN_PACKET Packet);
typedef NDIS_STATUS (*W_SET_INFORMATION_HANDLER)(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid,
    PVOID InformationBuffer, ULONG InformationBufferLength, PULONG BytesRead, PULONG BytesNeeded);
typedef NDIS_STATUS (*W_TRANSFER_DATA_HANDLER)(PNDIS_PACKET Packet, PUINT BytesTransferred,
    NDIS_HANDLE MiniportAdapterContext, NDIS_HANDLE MiniportReceiveContext, UINT ByteOffset, UINT BytesToTransfer);
typedef NDIS_STATUS (*WM_TRANSFER_DATA_HANDLER)(VOID);
typedef VOID (*W_RETURN_PACKET_HANDLER)(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet);
typedef VOID (*W_SEND_PACKETS_HANDLER)(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray,
    UINT NumberOfPackets);
typedef VOID (*W_ALLOCATE_COMPLETE_HANDLER)(NDIS_HANDLE MiniportAdapterContext, PVOID VirtualAddress,
    PNDIS_PHYSICAL_ADDRESS PhysicalAddress, ULONG Length, PVOID Context);
typedef NDIS_STATUS (*W_CO_CREATE_VC_HANDLER)(NDIS_HANDLE MiniportAdapterContext, NDIS_HANDLE NdisVcHandle,
    PNDIS_HANDLE MiniportVcContext);
typedef NDIS_STATUS (*W_CO_DELETE_VC_HANDLER)(NDIS_HANDLE MiniportVcContext);
typedef NDIS_STATUS (*W_CO_ACTIVATE_VC_HANDLER)(NDIS_HANDLE MiniportVcContext, PCO_CALL_PARAMETERS CallParameters);
typedef NDIS_STATUS (*W_CO_DEACTIVATE_VC_HANDLER)(NDIS_HANDLE MiniportVcContext);
typedef VOID (*W_CO_SEND_PACKETS_HANDLER)(NDIS_HANDLE MiniportVcContext, PPNDIS_PACKET PacketArray,
    UINT NumberOfPackets);
typedef NDIS_STATUS (*W_CO_REQUEST_HANDLER)(NDIS_HANDLE MiniportAdapterContext, NDIS_HANDLE MiniportVcContext,
    PNDIS_REQUEST NdisRequest);
typedef VOID (*W_CANCEL_SEND_PACKETS_HANDLER)(NDIS_HANDLE MiniportAdapterContext, PVOID CancelId);
typedef VOID (*W_PNP_EVENT_NOTIFY_HANDLER)(NDIS_HANDLE MiniportAdapterContext, NDIS_DEVICE_PNP_EVENT PnPEvent,
    PVOID InformationBuffer, ULONG InformationBufferLength);
typedef VOID (*W_MINIPORT_SHUTDOWN_HANDLER)(NDIS_HANDLE MiniportAdapterContext);
typedef VOID (*ADAPTER_SHUTDOWN_HANDLER)(PVOID ShutdownContext);

/* ---- Characteristics, by version ------------------------------------------------------------- */
#define STRATA_NDIS30_MINIPORT_FIELDS \
    UCHAR MajorNdisVersion; \
    UCHAR MinorNdisVersion; \
    UINT Reserved; \
    W_CHECK_FOR_HANG_HANDLER CheckForHangHandler; \
    W_DISABLE_INTERRUPT_HANDLER DisableInterruptHandler; \
    W_ENABLE_INTERRUPT_HANDLER EnableInterruptHandler; \
    W_HALT_HANDLER HaltHandler; \
    W_HANDLE_INTERRUPT_HANDLER HandleInterruptHandler; \
    W_INITIALIZE_HANDLER InitializeHandler; \
    W_ISR_HANDLER ISRHandler; \
    W_QUERY_INFORMATION_HANDLER QueryInformationHandler; \
    W_RECONFIGURE_HANDLER ReconfigureHandler; \
    W_RESET_HANDLER ResetHandler; \
    union { \
        W_SEND_HANDLER SendHandler; \
        WM_SEND_HANDLER WanSendHandler; \
    }; \
    W_SET_INFORMATION_HANDLER SetInformationHandler; \
    union { \
        W_TRANSFER_DATA_HANDLER TransferDataHandler; \
        WM_TRANSFER_DATA_HANDLER WanTransferDataHandler; \
    };
#define STRATA_NDIS40_MINIPORT_FIELDS \
    STRATA_NDIS30_MINIPORT_FIELDS \
    W_RETURN_PACKET_HANDLER ReturnPacketHandler; \
    W_SEND_PACKETS_HANDLER SendPacketsHandler; \
    W_ALLOCATE_COMPLETE_HANDLER AllocateCompleteHandler;
#define STRATA_NDIS50_MINIPORT_FIELDS \
    STRATA_NDIS40_MINIPORT_FIELDS \
    W_CO_CREATE_VC_HANDLER CoCreateVcHandler; \
    W_CO_DELETE_VC_HANDLER CoDeleteVcHandler; \
    W_CO_ACTIVATE_VC_HANDLER CoActivateVcHandler; \
    W_CO_DEACTIVATE_VC_HANDLER CoDeactivateVcHandler; \
    W_CO_SEND_PACKETS_HANDLER CoSendPacketsHandler; \
    W_CO_REQUEST_HANDLER CoRequestHandler;
#define STRATA_NDIS51_MINIPORT_FIELDS \
    STRATA_NDIS50_MINIPORT_FIELDS \
    W_CANCEL_SEND_PACKETS_HANDLER CancelSendPacketsHandler; \
    W_PNP_EVENT_NOTIFY_HANDLER PnPEventNotifyHandler; \
    W_MINIPORT_SHUTDOWN_HANDLER AdapterShutdownHandler; \
    PVOID Reserved1; \
    PVOID Reserved2; \
    PVOID Reserved3; \
    PVOID Reserved4;

typedef struct _NDIS30_MINIPORT_CHARACTERISTICS { STRATA_NDIS30_MINIPORT_FIELDS } NDIS30_MINIPORT_CHARACTERISTICS;
typedef struct _NDIS40_MINIPORT_CHARACTERISTICS { STRATA_NDIS40_MINIPORT_FIELDS } NDIS40_MINIPORT_CHARACTERISTICS;
typedef struct _NDIS50_MINIPORT_CHARACTERISTICS { STRATA_NDIS50_MINIPORT_FIELDS } NDIS50_MINIPORT_CHARACTERISTICS;
typedef struct _NDIS51_MINIPORT_CHARACTERISTICS { STRATA_NDIS51_MINIPORT_FIELDS } NDIS51_MINIPORT_CHARACTERISTICS;

/* The driver's chosen version decides NDIS_MINIPORT_CHARACTERISTICS, as in the WDK (where it is the
 * versioned type itself, not a copy); 5.1 when the driver names none. */
#if defined(NDIS40_MINIPORT) && !defined(NDIS50_MINIPORT) && !defined(NDIS51_MINIPORT)
typedef NDIS40_MINIPORT_CHARACTERISTICS NDIS_MINIPORT_CHARACTERISTICS;
#define NDIS_MINIPORT_MAJOR_VERSION 4
#define NDIS_MINIPORT_MINOR_VERSION 0
#elif defined(NDIS50_MINIPORT) && !defined(NDIS51_MINIPORT)
typedef NDIS50_MINIPORT_CHARACTERISTICS NDIS_MINIPORT_CHARACTERISTICS;
#define NDIS_MINIPORT_MAJOR_VERSION 5
#define NDIS_MINIPORT_MINOR_VERSION 0
#else
typedef NDIS51_MINIPORT_CHARACTERISTICS NDIS_MINIPORT_CHARACTERISTICS;
#define NDIS_MINIPORT_MAJOR_VERSION 5
#define NDIS_MINIPORT_MINOR_VERSION 1
#endif
typedef NDIS_MINIPORT_CHARACTERISTICS *PNDIS_MINIPORT_CHARACTERISTICS;

/* ---- NdisMSetAttributesEx flags (seed 003 §2.4.2) ----------------------------------------------- */
#define NDIS_ATTRIBUTE_IGNORE_PACKET_TIMEOUT        0x00000001
#define NDIS_ATTRIBUTE_IGNORE_REQUEST_TIMEOUT       0x00000002
#define NDIS_ATTRIBUTE_IGNORE_TOKEN_RING_ERRORS     0x00000004
#define NDIS_ATTRIBUTE_BUS_MASTER                   0x00000008
#define NDIS_ATTRIBUTE_INTERMEDIATE_DRIVER          0x00000010
#define NDIS_ATTRIBUTE_DESERIALIZE                  0x00000020
#define NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND           0x00000040
#define NDIS_ATTRIBUTE_SURPRISE_REMOVE_OK           0x00000080
#define NDIS_ATTRIBUTE_NOT_CO_NDIS                  0x00000100
#define NDIS_ATTRIBUTE_USES_SAFE_BUFFER_APIS        0x00000200
#define NDIS_ATTRIBUTE_DO_NOT_BIND_TO_ALL_CO        0x00000400
#define NDIS_ATTRIBUTE_MINIPORT_PADS_SHORT_PACKETS  0x00000800

/* OID_GEN_MINIPORT_INFO flags */
#define NDIS_MINIPORT_BUS_MASTER                    0x00000001

STRATA_EXTERN_C_BEGIN

/* ---- Registration and attributes ------------------------------------------------------------- */
NDISAPI VOID NdisMInitializeWrapper(PNDIS_HANDLE NdisWrapperHandle, PVOID SystemSpecific1,
    PVOID SystemSpecific2, PVOID SystemSpecific3);
NDISAPI VOID NdisTerminateWrapper(NDIS_HANDLE NdisWrapperHandle, PVOID SystemSpecific);
NDISAPI NDIS_STATUS NdisMRegisterMiniport(NDIS_HANDLE NdisWrapperHandle,
    PNDIS_MINIPORT_CHARACTERISTICS MiniportCharacteristics, UINT CharacteristicsLength);
NDISAPI VOID NdisMRegisterUnloadHandler(NDIS_HANDLE NdisWrapperHandle, PDRIVER_UNLOAD UnloadHandler);
NDISAPI VOID NdisMSetAttributes(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE MiniportAdapterContext,
    BOOLEAN BusMaster, NDIS_INTERFACE_TYPE AdapterType);
NDISAPI VOID NdisMSetAttributesEx(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE MiniportAdapterContext,
    UINT CheckForHangTimeInSeconds, ULONG AttributeFlags, NDIS_INTERFACE_TYPE AdapterType);
NDISAPI VOID NdisMRegisterAdapterShutdownHandler(NDIS_HANDLE MiniportHandle, PVOID ShutdownContext,
    ADAPTER_SHUTDOWN_HANDLER ShutdownHandler);
NDISAPI VOID NdisMDeregisterAdapterShutdownHandler(NDIS_HANDLE MiniportHandle);
NDISAPI VOID NdisMGetDeviceProperty(NDIS_HANDLE MiniportAdapterHandle, PDEVICE_OBJECT *PhysicalDeviceObject,
    PDEVICE_OBJECT *FunctionalDeviceObject, PDEVICE_OBJECT *NextDeviceObject, PVOID *AllocatedResources,
    PVOID *AllocatedResourcesTranslated);

/* ---- Send and receive (seed 003 §2.7, §2.8) ---------------------------------------------------- */
NDISAPI VOID NdisMSendComplete(NDIS_HANDLE MiniportAdapterHandle, PNDIS_PACKET Packet, NDIS_STATUS Status);
NDISAPI VOID NdisMSendResourcesAvailable(NDIS_HANDLE MiniportAdapterHandle);
NDISAPI VOID NdisMIndicateReceivePacket(NDIS_HANDLE MiniportAdapterHandle, PPNDIS_PACKET ReceivedPackets,
    UINT NumberOfPackets);
NDISAPI VOID NdisMEthIndicateReceive(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE MiniportReceiveContext,
    PVOID HeaderBuffer, UINT HeaderBufferSize, PVOID LookaheadBuffer, UINT LookaheadBufferSize, UINT PacketSize);
NDISAPI VOID NdisMEthIndicateReceiveComplete(NDIS_HANDLE MiniportAdapterHandle);
/* Token Ring (802.5) and FDDI lookahead indications. Strata's adapters are Ethernet: an adapter
 * whose selected medium is not the one indicated gets a verifier report and the frame is dropped;
 * an 802.5/FDDI adapter's frames reach no protocol (no 802.5/FDDI filter yet, logged once). */
NDISAPI VOID NdisMTrIndicateReceive(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE MiniportReceiveContext,
    PVOID HeaderBuffer, UINT HeaderBufferSize, PVOID LookaheadBuffer, UINT LookaheadBufferSize, UINT PacketSize);
NDISAPI VOID NdisMTrIndicateReceiveComplete(NDIS_HANDLE MiniportAdapterHandle);
NDISAPI VOID NdisMFddiIndicateReceive(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE MiniportReceiveContext,
    PVOID HeaderBuffer, UINT HeaderBufferSize, PVOID LookaheadBuffer, UINT LookaheadBufferSize, UINT PacketSize);
NDISAPI VOID NdisMFddiIndicateReceiveComplete(NDIS_HANDLE MiniportAdapterHandle);
NDISAPI VOID NdisMTransferDataComplete(NDIS_HANDLE MiniportAdapterHandle, PNDIS_PACKET Packet,
    NDIS_STATUS Status, UINT BytesTransferred);

/* ---- Requests, status, reset (seed 003 §2.4.3, §2.10, §2.12) ----------------------------------- */
NDISAPI VOID NdisMQueryInformationComplete(NDIS_HANDLE MiniportAdapterHandle, NDIS_STATUS Status);
NDISAPI VOID NdisMSetInformationComplete(NDIS_HANDLE MiniportAdapterHandle, NDIS_STATUS Status);
NDISAPI VOID NdisMIndicateStatus(NDIS_HANDLE MiniportAdapterHandle, NDIS_STATUS GeneralStatus,
    PVOID StatusBuffer, UINT StatusBufferSize);
NDISAPI VOID NdisMIndicateStatusComplete(NDIS_HANDLE MiniportAdapterHandle);
NDISAPI VOID NdisMResetComplete(NDIS_HANDLE MiniportAdapterHandle, NDIS_STATUS Status, BOOLEAN AddressingReset);

/* ---- Miniport timers ---------------------------------------------------------------------------- */
NDISAPI VOID NdisMInitializeTimer(PNDIS_MINIPORT_TIMER Timer, NDIS_HANDLE MiniportAdapterHandle,
    PNDIS_TIMER_FUNCTION TimerFunction, PVOID FunctionContext);
NDISAPI VOID NdisMSetTimer(PNDIS_MINIPORT_TIMER Timer, UINT MillisecondsToDelay);
NDISAPI VOID NdisMSetPeriodicTimer(PNDIS_MINIPORT_TIMER Timer, UINT MillisecondPeriod);
NDISAPI VOID NdisMCancelTimer(PNDIS_MINIPORT_TIMER Timer, PBOOLEAN TimerCancelled);

/* ---- Intermediate drivers: the virtual-miniport edge (seed 003 §2.3, §2.4, §2.11) --------------- */
NDISAPI NDIS_STATUS NdisIMRegisterLayeredMiniport(NDIS_HANDLE NdisWrapperHandle,
    PNDIS_MINIPORT_CHARACTERISTICS MiniportCharacteristics, UINT CharacteristicsLength, PNDIS_HANDLE DriverHandle);
NDISAPI VOID NdisIMDeregisterLayeredMiniport(NDIS_HANDLE DriverHandle);
NDISAPI VOID NdisIMAssociateMiniport(NDIS_HANDLE DriverHandle, NDIS_HANDLE ProtocolHandle);
/* Asks NDIS to call MiniportInitialize for DriverInstance (an UpperBindings name); DeviceContext is
 * what NdisIMGetDeviceContext returns from inside that call. */
NDISAPI NDIS_STATUS NdisIMInitializeDeviceInstanceEx(NDIS_HANDLE DriverHandle, PNDIS_STRING DriverInstance,
    NDIS_HANDLE DeviceContext);
#define NdisIMInitializeDeviceInstance(_H_, _I_) NdisIMInitializeDeviceInstanceEx(_H_, _I_, NULL)
NDISAPI NDIS_STATUS NdisIMCancelInitializeDeviceInstance(NDIS_HANDLE DriverHandle, PNDIS_STRING DeviceInstance);
NDISAPI NDIS_STATUS NdisIMDeInitializeDeviceInstance(NDIS_HANDLE NdisMiniportHandle);
NDISAPI NDIS_HANDLE NdisIMGetDeviceContext(NDIS_HANDLE MiniportAdapterHandle);
/* PnP events an IM forwards up from its protocol edge to the protocols bound to its virtual miniport. */
NDISAPI NDIS_STATUS NdisIMNotifyPnPEvent(NDIS_HANDLE MiniportHandle, PNET_PNP_EVENT NetPnPEvent);
/* Running a function in the virtual miniport's context (what a serialized miniport's handlers see). */
typedef VOID (*W_MINIPORT_CALLBACK)(NDIS_HANDLE MiniportAdapterContext, PVOID CallbackContext);
NDISAPI BOOLEAN NdisIMSwitchToMiniport(NDIS_HANDLE MiniportAdapterHandle, PNDIS_HANDLE SwitchHandle);
NDISAPI VOID NdisIMRevertBack(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE SwitchHandle);
NDISAPI NDIS_STATUS NdisIMQueueMiniportCallback(NDIS_HANDLE MiniportAdapterHandle, W_MINIPORT_CALLBACK CallbackRoutine,
    PVOID CallbackContext);
NDISAPI NDIS_STATUS NdisMQueryAdapterInstanceName(PNDIS_STRING pAdapterInstanceName, NDIS_HANDLE MiniportHandle);

/* ---- Stand-alone control device for a miniport or IM driver -------------------------------------- */
NDISAPI NDIS_STATUS NdisMRegisterDevice(NDIS_HANDLE NdisWrapperHandle, PNDIS_STRING DeviceName,
    PNDIS_STRING SymbolicName, PDRIVER_DISPATCH MajorFunctions[], PDEVICE_OBJECT *pDeviceObject,
    NDIS_HANDLE *NdisDeviceHandle);
NDISAPI NDIS_STATUS NdisMDeregisterDevice(NDIS_HANDLE NdisDeviceHandle);

/* ---- Load balancing and failover (seed 003 chapter 3) --------------------------------------------- */
NDISAPI NDIS_STATUS NdisMSetMiniportSecondary(NDIS_HANDLE MiniportHandle, NDIS_HANDLE PrimaryMiniportHandle);
NDISAPI NDIS_STATUS NdisMPromoteMiniport(NDIS_HANDLE MiniportHandle);
NDISAPI NDIS_STATUS NdisMRemoveMiniport(NDIS_HANDLE MiniportHandle);

STRATA_EXTERN_C_END

#endif /* STRATA_NDIS_MINIPORT_H */
