/* im_sample_style.c — an NDIS 5.1 intermediate driver written the way the Windows DDK's PASSTHRU
 * and MUX samples are written (not copied from them): the identifiers, macros, pragmas, MSVC-isms
 * and C idioms those samples rely on, so Ddk.ImSampleStyle_{gcc,clang} prove our headers take
 * DDK-style source unchanged. Compiled and linked as a driver image, never run:
 *
 *   cc -std=gnu11 -Wall -Wextra -Werror $(pkg-config --cflags --libs strata-ddk) \
 *      -shared -fPIC -Wl,--no-undefined -o im_sample_style.sys im_sample_style.c
 *
 * What it exercises (seed 003 §2.3–2.11): DriverEntry registering a layered miniport and a
 * protocol and associating them; a control device with an IRP dispatch routine; a protocol edge
 * that reads UpperBindings (REG_MULTI_SZ) and starts one virtual miniport per name; VELAN lists
 * under an NDIS_RW_LOCK; sends and receives re-packaged into own descriptors or passed on with
 * packet stacking; Token Ring / FDDI lookahead indications; 802.1Q tags built in lookaside
 * blocks and chained with NdisChainBufferAtFront used without a ';' as the DDK allows; typed
 * out-pointers (PADAPT *, PUCHAR *) where the calls take PVOID *; power and PnP events. */
#include <ndis.h>

#pragma warning(disable:4201)   /* nameless struct/union */
#pragma warning(disable:4214)   /* bit field types other than int */
#pragma warning(push)
#pragma warning(pop)
#pragma hdrstop

/* ---- What the sample's header would hold ------------------------------------------------------ */
#ifdef NDIS51_MINIPORT
#define IMS_MAJOR_NDIS_VERSION 5
#define IMS_MINOR_NDIS_VERSION 1
#else
#define IMS_MAJOR_NDIS_VERSION 4
#define IMS_MINOR_NDIS_VERSION 0
#endif
#define IMS_PROT_MAJOR_NDIS_VERSION 5
#define IMS_PROT_MINOR_NDIS_VERSION 0

#define IMS_TAG       'SmIx'
#define IMS_TAG_VLAN  'VmIx'
#define WAIT_INFINITE 0
#define IMS_POOL_SIZE 256
#define IMS_MAX_RECEIVE_ARRAY 16
#define IMS_HEADER_SIZE 14
#define IMS_VLAN_TAG_SIZE 4
#define IMS_TPID 0x0081

#define IMS_LINKNAME  L"\\DosDevices\\ImStyle"
#define IMS_NTDEVICE  L"\\Device\\ImStyle"
#define IOCTL_IMS_QUERY_COUNT CTL_CODE(FILE_DEVICE_NETWORK, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

#if DBG
#define DBGPRINT(Fmt)                   \
    {                                   \
        DbgPrint("ImStyle: ");          \
        DbgPrint Fmt;                   \
    }
#else
#define DBGPRINT(Fmt)
#endif

/* The locally administered bit: the samples define this themselves (NDIS 5.1's ndis.h does not). */
#define IMS_IS_LOCALLY_ADMINISTERED(Address) (BOOLEAN)(((PUCHAR)(Address))[0] & ((UCHAR)0x02))

typedef struct _ADAPT ADAPT, *PADAPT;
typedef struct _VELAN VELAN, *PVELAN;

typedef struct _SEND_RSVD {
    PNDIS_PACKET OriginalPkt;
    PVELAN pVElan;
} SEND_RSVD, *PSEND_RSVD;

typedef struct _RECV_RSVD {
    PNDIS_PACKET OriginalPkt;
} RECV_RSVD, *PRECV_RSVD;

C_ASSERT(sizeof(RECV_RSVD) <= sizeof(((PNDIS_PACKET)0)->MiniportReserved));

typedef struct _TAG_HEADER {
    UCHAR TagInfo[2];
} TAG_HEADER, *PTAG_HEADER;

struct _ADAPT {
    LIST_ENTRY Link;
    ULONG RefCount;
    NDIS_HANDLE BindingHandle;
    NDIS_STATUS Status;
    NDIS_EVENT Event;
    NDIS_MEDIUM Medium;
    NDIS_STRING ConfigString;
    LIST_ENTRY VElanList;
    NDIS_RW_LOCK ReadWriteLock;
    NDIS_DEVICE_POWER_STATE PtDevicePowerState;
    UCHAR CurrentAddress[ETH_LENGTH_OF_ADDRESS];
};

struct _VELAN {
    LIST_ENTRY Link;
    PADAPT pAdapt;
    NDIS_HANDLE MiniportAdapterHandle;
    NDIS_HANDLE SendPacketPoolHandle;
    NDIS_HANDLE RecvPacketPoolHandle;
    NDIS_HANDLE BufferPoolHandle;
    NPAGED_LOOKASIDE_LIST TagLookaside;
    NDIS_SPIN_LOCK Lock;
    NDIS_EVENT MiniportInitEvent;
    BOOLEAN MiniportInitPending;
    BOOLEAN MiniportHalting;
    BOOLEAN IndicateRcvComplete;
    NDIS_REQUEST Request;
    PULONG BytesNeeded;
    PULONG BytesReadOrWritten;
    NDIS_DEVICE_POWER_STATE MPDevicePowerState;
    NDIS_STATUS LastIndicatedStatus;
    NDIS_STRING CfgDeviceName;
    ULONG VlanId;
    ULONG PacketFilter;
    ULONG OutstandingSends;
    ULONG OutstandingReceives;
    ULONG64 GoodTransmits;
    ULONG64 GoodReceives;
    UCHAR PermanentAddress[ETH_LENGTH_OF_ADDRESS];
    UCHAR CurrentAddress[ETH_LENGTH_OF_ADDRESS];
    PNDIS_PACKET ReceivedPackets[IMS_MAX_RECEIVE_ARRAY];
};

#define IMS_INCR_STATISTICS64(_pUlong64Val)                                  \
    {                                                                        \
        PLARGE_INTEGER _pLargeInt = (PLARGE_INTEGER)(_pUlong64Val);          \
        if (NdisInterlockedIncrement((PLONG)&_pLargeInt->LowPart) == 0)      \
            NdisInterlockedIncrement(&_pLargeInt->HighPart);                 \
    }
#define IMS_IS_LOW_POWER(_State) ((_State) > NdisDeviceStateD0)

extern NTSTATUS DriverEntry(IN PDRIVER_OBJECT DriverObject, IN PUNICODE_STRING RegistryPath);
DRIVER_DISPATCH PtDispatch;

/* ---- Globals ------------------------------------------------------------------------------------- */
#pragma NDIS_INIT_FUNCTION(DriverEntry)

NDIS_HANDLE NdisWrapperHandle;
NDIS_HANDLE ProtHandle = NULL;
NDIS_HANDLE DriverHandle = NULL;
NDIS_HANDLE NdisDeviceHandle = NULL;
PDEVICE_OBJECT ControlDeviceObject = NULL;
NDIS_SPIN_LOCK GlobalLock;
LIST_ENTRY AdapterList;
LONG MiniportCount = 0;
ULONG NextVElanNumber = 0;
NDIS_MEDIUM MediumArray[4] = { NdisMedium802_3, NdisMedium802_5, NdisMediumFddi, NdisMediumWan };

/* ---- Control device ---------------------------------------------------------------------------- */
NTSTATUS
PtDispatch(
    IN PDEVICE_OBJECT DeviceObject,
    IN PIRP Irp
    )
{
    PIO_STACK_LOCATION irpStack;
    NTSTATUS status = STATUS_SUCCESS;
    ULONG inlen;
    PVOID buffer;

    UNREFERENCED_PARAMETER(DeviceObject);

    irpStack = IoGetCurrentIrpStackLocation(Irp);
    Irp->IoStatus.Information = 0;
    switch (irpStack->MajorFunction) {
    case IRP_MJ_CREATE:
    case IRP_MJ_CLEANUP:
    case IRP_MJ_CLOSE:
        break;
    case IRP_MJ_DEVICE_CONTROL:
        buffer = Irp->AssociatedIrp.SystemBuffer;
        inlen = irpStack->Parameters.DeviceIoControl.InputBufferLength;
        switch (irpStack->Parameters.DeviceIoControl.IoControlCode) {
        case IOCTL_IMS_QUERY_COUNT:
            if (irpStack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(LONG)) {
                status = STATUS_BUFFER_TOO_SMALL;
                break;
            }
            *(PLONG)buffer = MiniportCount + (LONG)inlen;
            Irp->IoStatus.Information = sizeof(LONG);
            break;
        default:
            status = STATUS_INVALID_DEVICE_REQUEST;
            break;
        }
        break;
    default:
        break;
    }
    Irp->IoStatus.Status = status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

NDIS_STATUS
PtRegisterDevice(
    VOID
    )
{
    NDIS_STATUS Status = NDIS_STATUS_SUCCESS;
    UNICODE_STRING DeviceName;
    UNICODE_STRING DeviceLinkUnicodeString;
    PDRIVER_DISPATCH DispatchTable[IRP_MJ_MAXIMUM_FUNCTION + 1];

    NdisAcquireSpinLock(&GlobalLock);
    ++MiniportCount;
    if (1 == MiniportCount) {
        NdisReleaseSpinLock(&GlobalLock);
        NdisZeroMemory(DispatchTable, (IRP_MJ_MAXIMUM_FUNCTION + 1) * sizeof(PDRIVER_DISPATCH));
        DispatchTable[IRP_MJ_CREATE] = PtDispatch;
        DispatchTable[IRP_MJ_CLEANUP] = PtDispatch;
        DispatchTable[IRP_MJ_CLOSE] = PtDispatch;
        DispatchTable[IRP_MJ_DEVICE_CONTROL] = PtDispatch;
        NdisInitUnicodeString(&DeviceName, IMS_NTDEVICE);
        NdisInitUnicodeString(&DeviceLinkUnicodeString, IMS_LINKNAME);
        Status = NdisMRegisterDevice(NdisWrapperHandle, &DeviceName, &DeviceLinkUnicodeString, &DispatchTable[0],
                                     &ControlDeviceObject, &NdisDeviceHandle);
        NdisAcquireSpinLock(&GlobalLock);
    }
    NdisReleaseSpinLock(&GlobalLock);
    DBGPRINT(("<== PtRegisterDevice: %x\n", Status));
    return (Status);
}

NDIS_STATUS
PtDeregisterDevice(
    VOID
    )
{
    NDIS_STATUS Status = NDIS_STATUS_SUCCESS;

    NdisAcquireSpinLock(&GlobalLock);
    ASSERT(MiniportCount > 0);
    --MiniportCount;
    if (0 == MiniportCount && NdisDeviceHandle != NULL) {
        NdisReleaseSpinLock(&GlobalLock);
        Status = NdisMDeregisterDevice(NdisDeviceHandle);
        NdisDeviceHandle = NULL;
        NdisAcquireSpinLock(&GlobalLock);
    }
    NdisReleaseSpinLock(&GlobalLock);
    return Status;
}

/* ---- VELAN helpers ------------------------------------------------------------------------------- */
static BOOLEAN
PtMatchVElan(
    IN PVELAN pVElan,
    IN PUCHAR pDstMac
    )
{
    UINT Result;

    if (ETH_IS_BROADCAST(pDstMac))
        return (BOOLEAN)((pVElan->PacketFilter & NDIS_PACKET_TYPE_BROADCAST) != 0);
    if (ETH_IS_MULTICAST(pDstMac))
        return (BOOLEAN)((pVElan->PacketFilter & (NDIS_PACKET_TYPE_MULTICAST | NDIS_PACKET_TYPE_ALL_MULTICAST)) != 0);
    ETH_COMPARE_NETWORK_ADDRESSES_EQ(pVElan->CurrentAddress, pDstMac, &Result);
    return (BOOLEAN)(Result == 0 || (pVElan->PacketFilter & NDIS_PACKET_TYPE_PROMISCUOUS) != 0);
}

static PVELAN
PtAllocateVElan(
    IN PADAPT pAdapt,
    IN PNDIS_STRING pVElanKey
    )
{
    PVELAN pVElan = NULL;
    NDIS_STATUS Status;
    LOCK_STATE LockState;
    ULONG Length = sizeof(VELAN) + pVElanKey->Length + sizeof(WCHAR);

    NdisAllocateMemoryWithTag(&pVElan, Length, IMS_TAG);
    if (pVElan == NULL)
        return NULL;
    NdisZeroMemory(pVElan, Length);
    pVElan->pAdapt = pAdapt;
    pVElan->CfgDeviceName.Buffer = (PWCHAR)((PUCHAR)pVElan + sizeof(VELAN));
    pVElan->CfgDeviceName.MaximumLength = pVElanKey->Length + sizeof(WCHAR);
    (VOID)NdisUpcaseUnicodeString(&pVElan->CfgDeviceName, pVElanKey);
    pVElan->CfgDeviceName.Buffer[pVElanKey->Length / sizeof(WCHAR)] = ((WCHAR)0);
    pVElan->MPDevicePowerState = NdisDeviceStateD0;
    pVElan->LastIndicatedStatus = NDIS_STATUS_MEDIA_CONNECT;
    NdisAllocateSpinLock(&pVElan->Lock);
    NdisInitializeNPagedLookasideList(&pVElan->TagLookaside, NULL, NULL, 0, IMS_HEADER_SIZE + IMS_VLAN_TAG_SIZE,
                                      IMS_TAG_VLAN, 0);
    NdisAllocateBufferPool(&Status, &pVElan->BufferPoolHandle, IMS_POOL_SIZE);
    NdisAllocatePacketPoolEx(&Status, &pVElan->SendPacketPoolHandle, IMS_POOL_SIZE, 0, sizeof(SEND_RSVD));
    if (Status == NDIS_STATUS_SUCCESS)
        NdisAllocatePacketPoolEx(&Status, &pVElan->RecvPacketPoolHandle, IMS_POOL_SIZE, 0,
                                 PROTOCOL_RESERVED_SIZE_IN_PACKET);
    ETH_COPY_NETWORK_ADDRESS(pVElan->PermanentAddress, pAdapt->CurrentAddress);
    pVElan->PermanentAddress[0] |= 0x02;
    ETH_COPY_NETWORK_ADDRESS(pVElan->CurrentAddress, pVElan->PermanentAddress);

    NdisAcquireReadWriteLock(&pAdapt->ReadWriteLock, TRUE, &LockState);
    InsertTailList(&pAdapt->VElanList, &pVElan->Link);
    NdisInterlockedIncrement((PLONG)&pAdapt->RefCount);
    NdisReleaseReadWriteLock(&pAdapt->ReadWriteLock, &LockState);
    return pVElan;
}

static VOID
PtFreeVElan(
    IN PVELAN pVElan
    )
{
    if (pVElan->SendPacketPoolHandle != NULL)
        NdisFreePacketPool(pVElan->SendPacketPoolHandle);
    if (pVElan->RecvPacketPoolHandle != NULL)
        NdisFreePacketPool(pVElan->RecvPacketPoolHandle);
    if (pVElan->BufferPoolHandle != NULL)
        NdisFreeBufferPool(pVElan->BufferPoolHandle);
    NdisDeleteNPagedLookasideList(&pVElan->TagLookaside);
    NdisFreeSpinLock(&pVElan->Lock);
    NdisFreeMemory(pVElan, 0, 0);
}

static NDIS_STATUS
PtBootStrapVElans(
    IN PADAPT pAdapt
    )
{
    NDIS_STATUS Status;
    NDIS_HANDLE AdapterConfigHandle = NULL;
    PNDIS_CONFIGURATION_PARAMETER Param;
    NDIS_STRING DeviceStr = NDIS_STRING_CONST("UpperBindings");
    PWSTR buffer;

    NdisOpenProtocolConfiguration(&Status, &AdapterConfigHandle, &pAdapt->ConfigString);
    if (Status != NDIS_STATUS_SUCCESS)
        return NDIS_STATUS_OPEN_FAILED;
    NdisReadConfiguration(&Status, &Param, AdapterConfigHandle, &DeviceStr, NdisParameterMultiString);
    if (Status == NDIS_STATUS_SUCCESS) {
        buffer = (PWSTR)Param->ParameterData.StringData.Buffer;
        while (*buffer != L'\0') {
            NDIS_STRING DeviceName;
            PVELAN pVElan;

            NdisInitUnicodeString(&DeviceName, buffer);
            pVElan = PtAllocateVElan(pAdapt, &DeviceName);
            if (pVElan == NULL) {
                Status = NDIS_STATUS_RESOURCES;
                break;
            }
            pVElan->MiniportInitPending = TRUE;
            NdisInitializeEvent(&pVElan->MiniportInitEvent);
            Status = NdisIMInitializeDeviceInstanceEx(DriverHandle, &pVElan->CfgDeviceName, pVElan);
            if (Status != NDIS_STATUS_SUCCESS)
                break;
            buffer = (PWSTR)((PUCHAR)buffer + DeviceName.Length + sizeof(WCHAR));
        }
    }
    NdisCloseConfiguration(AdapterConfigHandle);
    return Status;
}

/* ---- Protocol edge -------------------------------------------------------------------------------- */
VOID
PtBindAdapter(
    OUT PNDIS_STATUS Status,
    IN NDIS_HANDLE BindContext,
    IN PNDIS_STRING DeviceName,
    IN PVOID SystemSpecific1,
    IN PVOID SystemSpecific2
    )
{
    PADAPT pAdapt = NULL;
    NDIS_STATUS OpenErrorStatus;
    UINT MediumIndex;
    PNDIS_STRING pConfigString = (PNDIS_STRING)SystemSpecific1;
    ULONG Length;

    UNREFERENCED_PARAMETER(BindContext);
    UNREFERENCED_PARAMETER(SystemSpecific2);
    DBGPRINT(("==> Protocol BindAdapter: %ws\n", pConfigString->Buffer));

    do {
        Length = sizeof(ADAPT) + pConfigString->MaximumLength + sizeof(WCHAR);
        NdisAllocateMemoryWithTag(&pAdapt, Length, IMS_TAG);
        if (pAdapt == NULL) {
            *Status = NDIS_STATUS_RESOURCES;
            break;
        }
        NdisZeroMemory(pAdapt, sizeof(ADAPT));
        pAdapt->ConfigString.MaximumLength = pConfigString->MaximumLength;
        pAdapt->ConfigString.Length = pConfigString->Length;
        pAdapt->ConfigString.Buffer = (PWCHAR)((PUCHAR)pAdapt + sizeof(ADAPT));
        NdisMoveMemory(pAdapt->ConfigString.Buffer, pConfigString->Buffer, pConfigString->Length);
        NdisInitializeEvent(&pAdapt->Event);
        NdisInitializeListHead(&pAdapt->VElanList);
        NdisInitializeReadWriteLock(&pAdapt->ReadWriteLock);
        pAdapt->PtDevicePowerState = NdisDeviceStateD0;

        NdisOpenAdapter(Status, &OpenErrorStatus, &pAdapt->BindingHandle, &MediumIndex, MediumArray,
                        sizeof(MediumArray) / sizeof(NDIS_MEDIUM), ProtHandle, pAdapt, DeviceName, 0, NULL);
        if (*Status == NDIS_STATUS_PENDING) {
            NdisWaitEvent(&pAdapt->Event, WAIT_INFINITE);
            *Status = pAdapt->Status;
        }
        if (*Status != NDIS_STATUS_SUCCESS)
            break;
        pAdapt->Medium = MediumArray[MediumIndex];
        NdisAcquireSpinLock(&GlobalLock);
        InsertTailList(&AdapterList, &pAdapt->Link);
        NdisReleaseSpinLock(&GlobalLock);
        *Status = PtBootStrapVElans(pAdapt);
    } while (FALSE);

    if (*Status != NDIS_STATUS_SUCCESS && pAdapt != NULL && pAdapt->BindingHandle == NULL)
        NdisFreeMemory(pAdapt, 0, 0);
}

VOID
PtOpenAdapterComplete(
    IN NDIS_HANDLE ProtocolBindingContext,
    IN NDIS_STATUS Status,
    IN NDIS_STATUS OpenErrorStatus
    )
{
    PADAPT pAdapt = (PADAPT)ProtocolBindingContext;
    UNREFERENCED_PARAMETER(OpenErrorStatus);
    pAdapt->Status = Status;
    NdisSetEvent(&pAdapt->Event);
}

VOID
PtUnbindAdapter(
    OUT PNDIS_STATUS Status,
    IN NDIS_HANDLE ProtocolBindingContext,
    IN NDIS_HANDLE UnbindContext
    )
{
    PADAPT pAdapt = (PADAPT)ProtocolBindingContext;
    PLIST_ENTRY p;
    PVELAN pVElan;
    LOCK_STATE LockState;
    ULONG Pending = 0;

    UNREFERENCED_PARAMETER(UnbindContext);

    NdisAcquireReadWriteLock(&pAdapt->ReadWriteLock, FALSE, &LockState);
    for (p = pAdapt->VElanList.Flink; p != &pAdapt->VElanList; p = p->Flink) {
        pVElan = CONTAINING_RECORD(p, VELAN, Link);
        if (pVElan->MiniportInitPending &&
            NdisIMCancelInitializeDeviceInstance(DriverHandle, &pVElan->CfgDeviceName) != NDIS_STATUS_SUCCESS)
            NdisWaitEvent(&pVElan->MiniportInitEvent, 0);
        if (pVElan->MiniportAdapterHandle != NULL)
            (VOID)NdisIMDeInitializeDeviceInstance(pVElan->MiniportAdapterHandle);
    }
    NdisReleaseReadWriteLock(&pAdapt->ReadWriteLock, &LockState);

    while (NdisQueryPendingIOCount(pAdapt->BindingHandle, &Pending) == NDIS_STATUS_SUCCESS && Pending != 0)
        NdisMSleep(1000);

    NdisResetEvent(&pAdapt->Event);
    NdisCloseAdapter(Status, pAdapt->BindingHandle);
    if (*Status == NDIS_STATUS_PENDING) {
        NdisWaitEvent(&pAdapt->Event, 0);
        *Status = pAdapt->Status;
    }
    NdisAcquireSpinLock(&GlobalLock);
    RemoveEntryList(&pAdapt->Link);
    NdisReleaseSpinLock(&GlobalLock);
    if (NdisInterlockedDecrement((PLONG)&pAdapt->RefCount) == 0 || IsListEmpty(&pAdapt->VElanList))
        NdisFreeMemory(pAdapt, 0, 0);
}

VOID
PtCloseAdapterComplete(
    IN NDIS_HANDLE ProtocolBindingContext,
    IN NDIS_STATUS Status
    )
{
    PADAPT pAdapt = (PADAPT)ProtocolBindingContext;
    pAdapt->Status = Status;
    NdisSetEvent(&pAdapt->Event);
}

VOID
PtResetComplete(
    IN NDIS_HANDLE ProtocolBindingContext,
    IN NDIS_STATUS Status
    )
{
    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    UNREFERENCED_PARAMETER(Status);
    ASSERT(0);
}

VOID
PtRequestComplete(
    IN NDIS_HANDLE ProtocolBindingContext,
    IN PNDIS_REQUEST NdisRequest,
    IN NDIS_STATUS Status
    )
{
    PVELAN pVElan = CONTAINING_RECORD(NdisRequest, VELAN, Request);
    PNDIS_PNP_CAPABILITIES pPNPCapabilities;

    UNREFERENCED_PARAMETER(ProtocolBindingContext);
    switch (NdisRequest->RequestType) {
    case NdisRequestQueryInformation:
        if (NdisRequest->DATA.QUERY_INFORMATION.Oid == OID_PNP_CAPABILITIES && Status == NDIS_STATUS_SUCCESS &&
            NdisRequest->DATA.QUERY_INFORMATION.InformationBufferLength >= sizeof(NDIS_PNP_CAPABILITIES)) {
            pPNPCapabilities = (PNDIS_PNP_CAPABILITIES)NdisRequest->DATA.QUERY_INFORMATION.InformationBuffer;
            pPNPCapabilities->WakeUpCapabilities.MinMagicPacketWakeUp = NdisDeviceStateUnspecified;
            pPNPCapabilities->WakeUpCapabilities.MinPatternWakeUp = NdisDeviceStateUnspecified;
            pPNPCapabilities->WakeUpCapabilities.MinLinkChangeWakeUp = NdisDeviceStateUnspecified;
        }
        if (NdisRequest->DATA.QUERY_INFORMATION.Oid == OID_GEN_MAC_OPTIONS && Status == NDIS_STATUS_SUCCESS)
            *(PULONG)NdisRequest->DATA.QUERY_INFORMATION.InformationBuffer &= ~NDIS_MAC_OPTION_NO_LOOPBACK;
        *pVElan->BytesReadOrWritten = NdisRequest->DATA.QUERY_INFORMATION.BytesWritten;
        *pVElan->BytesNeeded = NdisRequest->DATA.QUERY_INFORMATION.BytesNeeded;
        NdisMQueryInformationComplete(pVElan->MiniportAdapterHandle, Status);
        break;
    case NdisRequestSetInformation:
        *pVElan->BytesReadOrWritten = NdisRequest->DATA.SET_INFORMATION.BytesRead;
        *pVElan->BytesNeeded = NdisRequest->DATA.SET_INFORMATION.BytesNeeded;
        NdisMSetInformationComplete(pVElan->MiniportAdapterHandle, Status);
        break;
    default:
        ASSERT(FALSE);
        break;
    }
    NdisInterlockedDecrement((PLONG)&pVElan->OutstandingSends);
}

VOID
PtStatus(
    IN NDIS_HANDLE ProtocolBindingContext,
    IN NDIS_STATUS GeneralStatus,
    IN PVOID StatusBuffer,
    IN UINT StatusBufferSize
    )
{
    PADAPT pAdapt = (PADAPT)ProtocolBindingContext;
    PLIST_ENTRY p;
    PVELAN pVElan;
    LOCK_STATE LockState;

    if (GeneralStatus != NDIS_STATUS_MEDIA_CONNECT && GeneralStatus != NDIS_STATUS_MEDIA_DISCONNECT)
        return;
    NdisAcquireReadWriteLock(&pAdapt->ReadWriteLock, FALSE, &LockState);
    for (p = pAdapt->VElanList.Flink; p != &pAdapt->VElanList; p = p->Flink) {
        pVElan = CONTAINING_RECORD(p, VELAN, Link);
        if (pVElan->MiniportHalting || IMS_IS_LOW_POWER(pVElan->MPDevicePowerState))
            continue;
        pVElan->LastIndicatedStatus = GeneralStatus;
        NdisMIndicateStatus(pVElan->MiniportAdapterHandle, GeneralStatus, StatusBuffer, StatusBufferSize);
    }
    NdisReleaseReadWriteLock(&pAdapt->ReadWriteLock, &LockState);
}

VOID
PtStatusComplete(
    IN NDIS_HANDLE ProtocolBindingContext
    )
{
    PADAPT pAdapt = (PADAPT)ProtocolBindingContext;
    PLIST_ENTRY p;
    LOCK_STATE LockState;

    NdisAcquireReadWriteLock(&pAdapt->ReadWriteLock, FALSE, &LockState);
    for (p = pAdapt->VElanList.Flink; p != &pAdapt->VElanList; p = p->Flink)
        NdisMIndicateStatusComplete(CONTAINING_RECORD(p, VELAN, Link)->MiniportAdapterHandle);
    NdisReleaseReadWriteLock(&pAdapt->ReadWriteLock, &LockState);
}

VOID
PtSendComplete(
    IN NDIS_HANDLE ProtocolBindingContext,
    IN PNDIS_PACKET Packet,
    IN NDIS_STATUS Status
    )
{
    PSEND_RSVD SendRsvd = (PSEND_RSVD)(Packet->ProtocolReserved);
    PVELAN pVElan = SendRsvd->pVElan;
    PNDIS_PACKET Pkt = SendRsvd->OriginalPkt;
    PNDIS_BUFFER pNdisBuffer;
    PVOID pVa;
    ULONG BufferLength;

    UNREFERENCED_PARAMETER(ProtocolBindingContext);
#ifdef NDIS51
    if (NdisGetPoolFromPacket(Packet) != pVElan->SendPacketPoolHandle) {
        NdisMSendComplete(pVElan->MiniportAdapterHandle, Packet, Status);
        return;
    }
#endif
    NdisIMCopySendCompletePerPacketInfo(Pkt, Packet);
    if (Status == NDIS_STATUS_SUCCESS)
        IMS_INCR_STATISTICS64(&pVElan->GoodTransmits);
    if (pVElan->VlanId != 0) {
        /* The tag header was ours: a lookaside block behind the first buffer. */
        pNdisBuffer = Packet->Private.Head;
        NdisQueryBufferSafe(pNdisBuffer, &pVa, (PUINT)&BufferLength, NormalPagePriority);
        if (pVa != NULL)
            NdisFreeToNPagedLookasideList(&pVElan->TagLookaside, pVa);
        NdisFreeBuffer(NDIS_BUFFER_LINKAGE(pNdisBuffer));
        NdisFreeBuffer(pNdisBuffer);
    }
    NdisDprFreePacket(Packet);
    NdisMSendComplete(pVElan->MiniportAdapterHandle, Pkt, Status);
    NdisInterlockedDecrement((PLONG)&pVElan->OutstandingSends);
}

VOID
PtTransferDataComplete(
    IN NDIS_HANDLE ProtocolBindingContext,
    IN PNDIS_PACKET Packet,
    IN NDIS_STATUS Status,
    IN UINT BytesTransferred
    )
{
    PADAPT pAdapt = (PADAPT)ProtocolBindingContext;
    PVELAN pVElan = CONTAINING_RECORD(pAdapt->VElanList.Flink, VELAN, Link);
    NdisMTransferDataComplete(pVElan->MiniportAdapterHandle, Packet, Status, BytesTransferred);
}

NDIS_STATUS
PtReceive(
    IN NDIS_HANDLE ProtocolBindingContext,
    IN NDIS_HANDLE MacReceiveContext,
    IN PVOID HeaderBuffer,
    IN UINT HeaderBufferSize,
    IN PVOID LookAheadBuffer,
    IN UINT LookAheadBufferSize,
    IN UINT PacketSize
    )
{
    PADAPT pAdapt = (PADAPT)ProtocolBindingContext;
    PNDIS_PACKET MyPacket, Packet;
    NDIS_STATUS Status = NDIS_STATUS_SUCCESS;
    PLIST_ENTRY p;
    PVELAN pVElan;
    LOCK_STATE LockState;
    TAG_HEADER UNALIGNED *pTagHeader;
    USHORT UNALIGNED *pTpid;

    Packet = NdisGetReceivedPacket(pAdapt->BindingHandle, MacReceiveContext);
    NdisAcquireReadWriteLock(&pAdapt->ReadWriteLock, FALSE, &LockState);
    for (p = pAdapt->VElanList.Flink; p != &pAdapt->VElanList; p = p->Flink) {
        pVElan = CONTAINING_RECORD(p, VELAN, Link);
        if (!PtMatchVElan(pVElan, (PUCHAR)HeaderBuffer) || pVElan->MiniportHalting)
            continue;
        if (Packet != NULL) {
            NdisDprAllocatePacket(&Status, &MyPacket, pVElan->RecvPacketPoolHandle);
            if (Status == NDIS_STATUS_SUCCESS) {
                NDIS_PACKET_FIRST_NDIS_BUFFER(MyPacket) = NDIS_PACKET_FIRST_NDIS_BUFFER(Packet);
                NDIS_PACKET_LAST_NDIS_BUFFER(MyPacket) = NDIS_PACKET_LAST_NDIS_BUFFER(Packet);
                NDIS_SET_ORIGINAL_PACKET(MyPacket, NDIS_GET_ORIGINAL_PACKET(Packet));
                NDIS_SET_PACKET_HEADER_SIZE(MyPacket, HeaderBufferSize);
                NdisGetPacketFlags(MyPacket) = NdisGetPacketFlags(Packet);
                NDIS_SET_PACKET_STATUS(MyPacket, NDIS_STATUS_RESOURCES);
                ((PRECV_RSVD)MyPacket->MiniportReserved)->OriginalPkt = NULL;
                IMS_INCR_STATISTICS64(&pVElan->GoodReceives);
                NdisMIndicateReceivePacket(pVElan->MiniportAdapterHandle, &MyPacket, 1);
                NdisDprFreePacket(MyPacket);
                continue;
            }
        }
        pVElan->IndicateRcvComplete = TRUE;
        pTpid = (PUSHORT)((PUCHAR)HeaderBuffer + 2 * ETH_LENGTH_OF_ADDRESS);
        if (*pTpid == IMS_TPID && LookAheadBufferSize >= IMS_VLAN_TAG_SIZE) {
            pTagHeader = (TAG_HEADER UNALIGNED *)LookAheadBuffer;
            if ((pTagHeader->TagInfo[0] & 0x10) != 0) {
                Status = NDIS_STATUS_INVALID_PACKET;
                continue;
            }
        }
        switch (pAdapt->Medium) {
        case NdisMedium802_3:
        case NdisMediumWan:
            NdisMEthIndicateReceive(pVElan->MiniportAdapterHandle, MacReceiveContext, HeaderBuffer,
                                    HeaderBufferSize, LookAheadBuffer, LookAheadBufferSize, PacketSize);
            break;
        case NdisMedium802_5:
            NdisMTrIndicateReceive(pVElan->MiniportAdapterHandle, MacReceiveContext, HeaderBuffer,
                                   HeaderBufferSize, LookAheadBuffer, LookAheadBufferSize, PacketSize);
            break;
        case NdisMediumFddi:
            NdisMFddiIndicateReceive(pVElan->MiniportAdapterHandle, MacReceiveContext, HeaderBuffer,
                                     HeaderBufferSize, LookAheadBuffer, LookAheadBufferSize, PacketSize);
            break;
        default:
            ASSERT(FALSE);
            break;
        }
    }
    NdisReleaseReadWriteLock(&pAdapt->ReadWriteLock, &LockState);
    return Status;
}

VOID
PtReceiveComplete(
    IN NDIS_HANDLE ProtocolBindingContext
    )
{
    PADAPT pAdapt = (PADAPT)ProtocolBindingContext;
    PLIST_ENTRY p;
    PVELAN pVElan;
    LOCK_STATE LockState;

    NdisAcquireReadWriteLock(&pAdapt->ReadWriteLock, FALSE, &LockState);
    for (p = pAdapt->VElanList.Flink; p != &pAdapt->VElanList; p = p->Flink) {
        pVElan = CONTAINING_RECORD(p, VELAN, Link);
        if (!pVElan->IndicateRcvComplete)
            continue;
        pVElan->IndicateRcvComplete = FALSE;
        switch (pAdapt->Medium) {
        case NdisMedium802_5:
            NdisMTrIndicateReceiveComplete(pVElan->MiniportAdapterHandle);
            break;
        case NdisMediumFddi:
            NdisMFddiIndicateReceiveComplete(pVElan->MiniportAdapterHandle);
            break;
        default:
            NdisMEthIndicateReceiveComplete(pVElan->MiniportAdapterHandle);
            break;
        }
    }
    NdisReleaseReadWriteLock(&pAdapt->ReadWriteLock, &LockState);
}

INT
PtReceivePacket(
    IN NDIS_HANDLE ProtocolBindingContext,
    IN PNDIS_PACKET Packet
    )
{
    PADAPT pAdapt = (PADAPT)ProtocolBindingContext;
    PVELAN pVElan;
    NDIS_STATUS Status;
    PNDIS_PACKET MyPacket;
    PUCHAR pData;
    PNDIS_BUFFER pNdisBuffer;
    UINT FirstBufferLength, TotalLength;
    BOOLEAN Remaining;
    INT ReturnCount = 0;
    LOCK_STATE LockState;
    PLIST_ENTRY p;
    PNDIS_PACKET_8021Q_INFO pInfo;

    NdisGetFirstBufferFromPacketSafe(Packet, &pNdisBuffer, &pData, &FirstBufferLength, &TotalLength,
                                     NormalPagePriority);
    if (pNdisBuffer == NULL)
        return 0;
    pInfo = (PNDIS_PACKET_8021Q_INFO)&NDIS_PER_PACKET_INFO_FROM_PACKET(Packet, Ieee8021QInfo);

    NdisAcquireReadWriteLock(&pAdapt->ReadWriteLock, FALSE, &LockState);
    for (p = pAdapt->VElanList.Flink; p != &pAdapt->VElanList; p = p->Flink) {
        pVElan = CONTAINING_RECORD(p, VELAN, Link);
        if (!PtMatchVElan(pVElan, pData) ||
            (pInfo->TagHeader.VlanId != 0 && pInfo->TagHeader.VlanId != pVElan->VlanId))
            continue;
        (VOID)NdisIMGetCurrentPacketStack(Packet, &Remaining);
        if (Remaining && NDIS_GET_PACKET_STATUS(Packet) != NDIS_STATUS_RESOURCES) {
            NdisMIndicateReceivePacket(pVElan->MiniportAdapterHandle, &Packet, 1);
            ReturnCount++;
            continue;
        }
        NdisDprAllocatePacket(&Status, &MyPacket, pVElan->RecvPacketPoolHandle);
        if (Status != NDIS_STATUS_SUCCESS)
            continue;
        ((PRECV_RSVD)MyPacket->MiniportReserved)->OriginalPkt = Packet;
        MyPacket->Private.Head = Packet->Private.Head;
        MyPacket->Private.Tail = Packet->Private.Tail;
        NDIS_SET_ORIGINAL_PACKET(MyPacket, NDIS_GET_ORIGINAL_PACKET(Packet));
        NdisGetPacketFlags(MyPacket) = NdisGetPacketFlags(Packet);
        NDIS_SET_PACKET_STATUS(MyPacket, NDIS_GET_PACKET_STATUS(Packet));
        NDIS_SET_PACKET_HEADER_SIZE(MyPacket, NDIS_GET_PACKET_HEADER_SIZE(Packet));
        NdisInterlockedIncrement((PLONG)&pVElan->OutstandingReceives);
        NdisMIndicateReceivePacket(pVElan->MiniportAdapterHandle, &MyPacket, 1);
        ReturnCount++;
    }
    NdisReleaseReadWriteLock(&pAdapt->ReadWriteLock, &LockState);
    return ReturnCount;
}

NDIS_STATUS
PtPNPHandler(
    IN NDIS_HANDLE ProtocolBindingContext,
    IN PNET_PNP_EVENT pNetPnPEvent
    )
{
    PADAPT pAdapt = (PADAPT)ProtocolBindingContext;
    NDIS_STATUS Status = NDIS_STATUS_SUCCESS;
    PLIST_ENTRY p;
    LOCK_STATE LockState;

    switch (pNetPnPEvent->NetEvent) {
    case NetEventSetPower:
        pAdapt->PtDevicePowerState = *(PNDIS_DEVICE_POWER_STATE)pNetPnPEvent->Buffer;
        break;
    case NetEventReconfigure:
        if (pAdapt == NULL) {
            NdisReEnumerateProtocolBindings(ProtHandle);
            break;
        }
        Status = PtBootStrapVElans(pAdapt);
        break;
    default:
        break;
    }
#ifdef NDIS51
    if (pAdapt != NULL) {
        NdisAcquireReadWriteLock(&pAdapt->ReadWriteLock, FALSE, &LockState);
        for (p = pAdapt->VElanList.Flink; p != &pAdapt->VElanList; p = p->Flink)
            Status = NdisIMNotifyPnPEvent(CONTAINING_RECORD(p, VELAN, Link)->MiniportAdapterHandle, pNetPnPEvent);
        NdisReleaseReadWriteLock(&pAdapt->ReadWriteLock, &LockState);
    }
#else
    UNREFERENCED_PARAMETER(p);
    UNREFERENCED_PARAMETER(LockState);
#endif
    return Status;
}

/* ---- Miniport edge -------------------------------------------------------------------------------- */
NDIS_OID VElanSupportedOids[] = {
    OID_GEN_SUPPORTED_LIST, OID_GEN_HARDWARE_STATUS, OID_GEN_MEDIA_SUPPORTED, OID_GEN_MEDIA_IN_USE,
    OID_GEN_MAXIMUM_LOOKAHEAD, OID_GEN_MAXIMUM_FRAME_SIZE, OID_GEN_LINK_SPEED, OID_GEN_TRANSMIT_BUFFER_SPACE,
    OID_GEN_RECEIVE_BUFFER_SPACE, OID_GEN_TRANSMIT_BLOCK_SIZE, OID_GEN_RECEIVE_BLOCK_SIZE, OID_GEN_VENDOR_ID,
    OID_GEN_VENDOR_DESCRIPTION, OID_GEN_VENDOR_DRIVER_VERSION, OID_GEN_CURRENT_PACKET_FILTER,
    OID_GEN_CURRENT_LOOKAHEAD, OID_GEN_DRIVER_VERSION, OID_GEN_MAXIMUM_TOTAL_SIZE, OID_GEN_PROTOCOL_OPTIONS,
    OID_GEN_MAC_OPTIONS, OID_GEN_MEDIA_CONNECT_STATUS, OID_GEN_MAXIMUM_SEND_PACKETS, OID_GEN_XMIT_OK,
    OID_GEN_RCV_OK, OID_GEN_XMIT_ERROR, OID_GEN_RCV_ERROR, OID_GEN_RCV_NO_BUFFER, OID_GEN_RCV_CRC_ERROR,
    OID_GEN_TRANSMIT_QUEUE_LENGTH, OID_GEN_VLAN_ID, OID_802_3_PERMANENT_ADDRESS, OID_802_3_CURRENT_ADDRESS,
    OID_802_3_MULTICAST_LIST, OID_802_3_MAXIMUM_LIST_SIZE, OID_802_3_RCV_ERROR_ALIGNMENT,
    OID_802_3_XMIT_ONE_COLLISION, OID_802_3_XMIT_MORE_COLLISIONS, OID_802_3_XMIT_DEFERRED,
    OID_802_3_XMIT_MAX_COLLISIONS, OID_802_3_RCV_OVERRUN, OID_802_3_XMIT_UNDERRUN,
    OID_802_3_XMIT_HEARTBEAT_FAILURE, OID_802_3_XMIT_TIMES_CRS_LOST, OID_802_3_XMIT_LATE_COLLISIONS,
    OID_PNP_CAPABILITIES, OID_PNP_SET_POWER, OID_PNP_QUERY_POWER, OID_PNP_ADD_WAKE_UP_PATTERN,
    OID_PNP_REMOVE_WAKE_UP_PATTERN, OID_PNP_ENABLE_WAKE_UP, OID_TCP_TASK_OFFLOAD,
};

NDIS_STATUS
MPInitialize(
    OUT PNDIS_STATUS OpenErrorStatus,
    OUT PUINT SelectedMediumIndex,
    IN PNDIS_MEDIUM MediumArray,
    IN UINT MediumArraySize,
    IN NDIS_HANDLE MiniportAdapterHandle,
    IN NDIS_HANDLE WrapperConfigurationContext
    )
{
    UINT i;
    PVELAN pVElan;
    NDIS_STATUS Status = NDIS_STATUS_FAILURE;
    NDIS_HANDLE ConfigurationHandle;
    PVOID NetworkAddress;
    PNDIS_CONFIGURATION_PARAMETER Params;
    NDIS_STRING strVlanId = NDIS_STRING_CONST("VlanID");
    NDIS_STRING InstanceName;

    pVElan = NdisIMGetDeviceContext(MiniportAdapterHandle);
    ASSERT(pVElan != NULL);
    do {
        pVElan->MiniportAdapterHandle = MiniportAdapterHandle;
        for (i = 0; i < MediumArraySize; i++) {
            if (MediumArray[i] == NdisMedium802_3) {
                *SelectedMediumIndex = i;
                break;
            }
        }
        if (i == MediumArraySize) {
            Status = NDIS_STATUS_UNSUPPORTED_MEDIA;
            break;
        }
        NdisOpenConfiguration(&Status, &ConfigurationHandle, WrapperConfigurationContext);
        if (Status != NDIS_STATUS_SUCCESS)
            break;
        NdisReadNetworkAddress(&Status, &NetworkAddress, &i, ConfigurationHandle);
        if (Status == NDIS_STATUS_SUCCESS && i == ETH_LENGTH_OF_ADDRESS && !ETH_IS_MULTICAST(NetworkAddress) &&
            IMS_IS_LOCALLY_ADMINISTERED(NetworkAddress))
            ETH_COPY_NETWORK_ADDRESS(pVElan->CurrentAddress, NetworkAddress);
        NdisReadConfiguration(&Status, &Params, ConfigurationHandle, &strVlanId, NdisParameterInteger);
        pVElan->VlanId = (Status == NDIS_STATUS_SUCCESS && Params->ParameterData.IntegerData <= 0xfff)
                             ? Params->ParameterData.IntegerData
                             : 0;
        NdisCloseConfiguration(ConfigurationHandle);

        NdisMSetAttributesEx(MiniportAdapterHandle, pVElan, 0,
                             NDIS_ATTRIBUTE_IGNORE_PACKET_TIMEOUT | NDIS_ATTRIBUTE_IGNORE_REQUEST_TIMEOUT |
                                 NDIS_ATTRIBUTE_INTERMEDIATE_DRIVER | NDIS_ATTRIBUTE_DESERIALIZE |
                                 NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND,
                             0);
        if (NdisMQueryAdapterInstanceName(&InstanceName, MiniportAdapterHandle) == NDIS_STATUS_SUCCESS) {
            DBGPRINT(("Initialize: %ws\n", InstanceName.Buffer));
            NdisFreeMemory(InstanceName.Buffer, InstanceName.MaximumLength, 0);
        }
        (VOID)PtRegisterDevice();
        Status = NDIS_STATUS_SUCCESS;
    } while (FALSE);

    pVElan->MiniportInitPending = FALSE;
    NdisSetEvent(&pVElan->MiniportInitEvent);
    *OpenErrorStatus = Status;
    return Status;
}

/* Builds an 802.1Q header in a lookaside block in front of the packet's data. */
static NDIS_STATUS
MPHandleSendTagging(
    IN PVELAN pVElan,
    IN PNDIS_PACKET Packet,
    IN OUT PNDIS_PACKET MyPacket
    )
{
    NDIS_PACKET_8021Q_INFO NdisPacket8021qInfo;
    PNDIS_BUFFER pNdisBuffer, pFirstBuffer, pSecondBuffer;
    PUCHAR pVa, pEthTagBuffer;
    UINT BufferLength;
    NDIS_STATUS Status, Status2;
    PTAG_HEADER pTagHeader;

    NdisPacket8021qInfo.Value = NDIS_PER_PACKET_INFO_FROM_PACKET(MyPacket, Ieee8021QInfo);
    if (pVElan->VlanId == 0)
        return NDIS_STATUS_SUCCESS;
    if (NdisPacket8021qInfo.TagHeader.CanonicalFormatId)
        return NDIS_STATUS_INVALID_PACKET;
    pNdisBuffer = NDIS_PACKET_FIRST_NDIS_BUFFER(Packet);
    NdisQueryBufferSafe(pNdisBuffer, &pVa, &BufferLength, NormalPagePriority);
    if (pVa == NULL || BufferLength < IMS_HEADER_SIZE)
        return NDIS_STATUS_RESOURCES;
    pEthTagBuffer = NdisAllocateFromNPagedLookasideList(&pVElan->TagLookaside);
    if (pEthTagBuffer == NULL)
        return NDIS_STATUS_RESOURCES;
    NdisAllocateBuffer(&Status, &pSecondBuffer, pVElan->BufferPoolHandle, pVa + IMS_HEADER_SIZE,
                       BufferLength - IMS_HEADER_SIZE);
    NdisAllocateBuffer(&Status2, &pFirstBuffer, pVElan->BufferPoolHandle, pEthTagBuffer,
                       IMS_HEADER_SIZE + IMS_VLAN_TAG_SIZE);
    if (Status != NDIS_STATUS_SUCCESS || Status2 != NDIS_STATUS_SUCCESS) {
        if (Status == NDIS_STATUS_SUCCESS)
            NdisFreeBuffer(pSecondBuffer);
        if (Status2 == NDIS_STATUS_SUCCESS)
            NdisFreeBuffer(pFirstBuffer);
        NdisFreeToNPagedLookasideList(&pVElan->TagLookaside, pEthTagBuffer);
        return NDIS_STATUS_RESOURCES;
    }
    NDIS_PACKET_FIRST_NDIS_BUFFER(MyPacket) = NDIS_BUFFER_LINKAGE(pNdisBuffer);
    NdisChainBufferAtFront(MyPacket, pSecondBuffer)
    NdisChainBufferAtFront(MyPacket, pFirstBuffer)

    NdisMoveMemory(pEthTagBuffer, pVa, 2 * ETH_LENGTH_OF_ADDRESS);
    *(PUSHORT)(pEthTagBuffer + 2 * ETH_LENGTH_OF_ADDRESS) = IMS_TPID;
    pTagHeader = (PTAG_HEADER)(pEthTagBuffer + 2 * ETH_LENGTH_OF_ADDRESS + sizeof(USHORT));
    pTagHeader->TagInfo[0] = (UCHAR)((NdisPacket8021qInfo.TagHeader.UserPriority << 5) | ((pVElan->VlanId >> 8) & 0x0f));
    pTagHeader->TagInfo[1] = (UCHAR)pVElan->VlanId;
    *(PUSHORT)(pEthTagBuffer + IMS_HEADER_SIZE + sizeof(USHORT)) = *(PUSHORT)(pVa + 2 * ETH_LENGTH_OF_ADDRESS);
    NDIS_PER_PACKET_INFO_FROM_PACKET(MyPacket, Ieee8021QInfo) = 0;
    return NDIS_STATUS_SUCCESS;
}

VOID
MPSendPackets(
    IN NDIS_HANDLE MiniportAdapterContext,
    IN PPNDIS_PACKET PacketArray,
    IN UINT NumberOfPackets
    )
{
    PVELAN pVElan = (PVELAN)MiniportAdapterContext;
    PADAPT pAdapt = pVElan->pAdapt;
    PNDIS_PACKET Packet, MyPacket;
    NDIS_STATUS Status;
    PVOID MediaSpecificInfo;
    ULONG MediaSpecificInfoSize;
    PNDIS_PACKET_STACK pStack;
    BOOLEAN Remaining;
    UINT i;

    for (i = 0; i < NumberOfPackets; i++) {
        Packet = PacketArray[i];
        pStack = NdisIMGetCurrentPacketStack(Packet, &Remaining);
        if (Remaining && pVElan->VlanId == 0) {
            ASSERT(pStack);
            pStack->IMReserved[0] = (ULONG_PTR)pVElan;
            NdisInterlockedIncrement((PLONG)&pVElan->OutstandingSends);
            NdisSend(&Status, pAdapt->BindingHandle, Packet);
            if (Status != NDIS_STATUS_PENDING) {
                NdisMSendComplete(pVElan->MiniportAdapterHandle, Packet, Status);
                NdisInterlockedDecrement((PLONG)&pVElan->OutstandingSends);
            }
            continue;
        }
        NdisAllocatePacket(&Status, &MyPacket, pVElan->SendPacketPoolHandle);
        if (Status != NDIS_STATUS_SUCCESS) {
            NdisMSendComplete(pVElan->MiniportAdapterHandle, Packet, NDIS_STATUS_RESOURCES);
            continue;
        }
        ((PSEND_RSVD)MyPacket->ProtocolReserved)->OriginalPkt = Packet;
        ((PSEND_RSVD)MyPacket->ProtocolReserved)->pVElan = pVElan;
        NdisGetPacketFlags(MyPacket) = NdisGetPacketFlags(Packet) | NDIS_FLAGS_DONT_LOOPBACK;
        NDIS_PACKET_FIRST_NDIS_BUFFER(MyPacket) = NDIS_PACKET_FIRST_NDIS_BUFFER(Packet);
        NDIS_PACKET_LAST_NDIS_BUFFER(MyPacket) = NDIS_PACKET_LAST_NDIS_BUFFER(Packet);
#ifdef WIN9X
        NDIS_PACKET_VALID_COUNTS(MyPacket) = FALSE;
#endif
        NdisMoveMemory(NDIS_OOB_DATA_FROM_PACKET(MyPacket), NDIS_OOB_DATA_FROM_PACKET(Packet),
                       sizeof(NDIS_PACKET_OOB_DATA));
        NdisIMCopySendPerPacketInfo(MyPacket, Packet);
        NDIS_GET_PACKET_MEDIA_SPECIFIC_INFO(Packet, &MediaSpecificInfo, &MediaSpecificInfoSize);
        if (MediaSpecificInfo || MediaSpecificInfoSize)
            NDIS_SET_PACKET_MEDIA_SPECIFIC_INFO(MyPacket, MediaSpecificInfo, MediaSpecificInfoSize);
        Status = MPHandleSendTagging(pVElan, Packet, MyPacket);
        if (Status != NDIS_STATUS_SUCCESS) {
            NdisFreePacket(MyPacket);
            NdisMSendComplete(pVElan->MiniportAdapterHandle, Packet, Status);
            continue;
        }
        NdisInterlockedIncrement((PLONG)&pVElan->OutstandingSends);
        NdisSend(&Status, pAdapt->BindingHandle, MyPacket);
        if (Status != NDIS_STATUS_PENDING)
            PtSendComplete((NDIS_HANDLE)pAdapt, MyPacket, Status);
    }
}

NDIS_STATUS
MPQueryInformation(
    IN NDIS_HANDLE MiniportAdapterContext,
    IN NDIS_OID Oid,
    IN PVOID InformationBuffer,
    IN ULONG InformationBufferLength,
    OUT PULONG BytesWritten,
    OUT PULONG BytesNeeded
    )
{
    PVELAN pVElan = (PVELAN)MiniportAdapterContext;
    NDIS_STATUS Status = NDIS_STATUS_SUCCESS;
    NDIS_HARDWARE_STATUS HardwareStatus = NdisHardwareStatusReady;
    NDIS_MEDIUM Medium = NdisMedium802_3;
    UCHAR VendorDesc[] = "Strata";
    ULONG ulInfo = 0;
    ULONG64 ulInfo64;
    PVOID pInfo = (PVOID)&ulInfo;
    ULONG ulInfoLen = sizeof(ulInfo);

    *BytesWritten = 0;
    *BytesNeeded = 0;
    switch (Oid) {
    case OID_GEN_SUPPORTED_LIST:
        pInfo = (PVOID)VElanSupportedOids;
        ulInfoLen = sizeof(VElanSupportedOids);
        break;
    case OID_GEN_SUPPORTED_GUIDS:
        Status = NDIS_STATUS_NOT_SUPPORTED;
        break;
    case OID_GEN_HARDWARE_STATUS:
        pInfo = (PVOID)&HardwareStatus;
        ulInfoLen = sizeof(NDIS_HARDWARE_STATUS);
        break;
    case OID_GEN_MEDIA_SUPPORTED:
    case OID_GEN_MEDIA_IN_USE:
        pInfo = (PVOID)&Medium;
        ulInfoLen = sizeof(NDIS_MEDIUM);
        break;
    case OID_GEN_VENDOR_DESCRIPTION:
        pInfo = VendorDesc;
        ulInfoLen = sizeof(VendorDesc);
        break;
    case OID_GEN_MAC_OPTIONS:
        ulInfo = NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA | NDIS_MAC_OPTION_TRANSFERS_NOT_PEND |
                 NDIS_MAC_OPTION_NO_LOOPBACK | NDIS_MAC_OPTION_8021P_PRIORITY | NDIS_MAC_OPTION_8021Q_VLAN;
        break;
    case OID_802_3_CURRENT_ADDRESS:
        pInfo = pVElan->CurrentAddress;
        ulInfoLen = ETH_LENGTH_OF_ADDRESS;
        break;
    case OID_GEN_XMIT_OK:
        ulInfo64 = pVElan->GoodTransmits;
        pInfo = &ulInfo64;
        ulInfoLen = (InformationBufferLength >= sizeof(ULONG64) || InformationBufferLength == 0) ? sizeof(ULONG64)
                                                                                                 : sizeof(ULONG);
        break;
    case OID_GEN_VLAN_ID:
        ulInfo = pVElan->VlanId;
        break;
    case OID_PNP_QUERY_POWER:
        ulInfoLen = 0;
        break;
    case OID_GEN_LINK_SPEED:
    case OID_GEN_MEDIA_CONNECT_STATUS:
    case OID_PNP_CAPABILITIES:
        pVElan->Request.RequestType = NdisRequestQueryInformation;
        pVElan->Request.DATA.QUERY_INFORMATION.Oid = Oid;
        pVElan->Request.DATA.QUERY_INFORMATION.InformationBuffer = InformationBuffer;
        pVElan->Request.DATA.QUERY_INFORMATION.InformationBufferLength = InformationBufferLength;
        pVElan->BytesNeeded = BytesNeeded;
        pVElan->BytesReadOrWritten = BytesWritten;
        NdisInterlockedIncrement((PLONG)&pVElan->OutstandingSends);
        NdisRequest(&Status, pVElan->pAdapt->BindingHandle, &pVElan->Request);
        if (Status != NDIS_STATUS_PENDING) {
            PtRequestComplete(pVElan->pAdapt, &pVElan->Request, Status);
            Status = NDIS_STATUS_PENDING;
        }
        return Status;
    default:
        Status = NDIS_STATUS_INVALID_OID;
        break;
    }
    if (Status == NDIS_STATUS_SUCCESS) {
        if (ulInfoLen <= InformationBufferLength) {
            *BytesWritten = ulInfoLen;
            if (ulInfoLen)
                NdisMoveMemory(InformationBuffer, pInfo, ulInfoLen);
        } else {
            *BytesNeeded = ulInfoLen;
            Status = NDIS_STATUS_BUFFER_TOO_SHORT;
        }
    }
    return Status;
}

NDIS_STATUS
MPSetInformation(
    IN NDIS_HANDLE MiniportAdapterContext,
    IN NDIS_OID Oid,
    IN PVOID InformationBuffer,
    IN ULONG InformationBufferLength,
    OUT PULONG BytesRead,
    OUT PULONG BytesNeeded
    )
{
    PVELAN pVElan = (PVELAN)MiniportAdapterContext;
    NDIS_STATUS Status = NDIS_STATUS_SUCCESS;
    NDIS_DEVICE_POWER_STATE NewDeviceState;

    *BytesRead = 0;
    *BytesNeeded = 0;
    switch (Oid) {
    case OID_PNP_SET_POWER:
        *BytesNeeded = sizeof(NDIS_DEVICE_POWER_STATE);
        if (InformationBufferLength < *BytesNeeded) {
            Status = NDIS_STATUS_INVALID_LENGTH;
            break;
        }
        NewDeviceState = (*(PNDIS_DEVICE_POWER_STATE)InformationBuffer);
        if (IMS_IS_LOW_POWER(pVElan->MPDevicePowerState) && !IMS_IS_LOW_POWER(NewDeviceState)) {
            NdisMIndicateStatus(pVElan->MiniportAdapterHandle, pVElan->LastIndicatedStatus, (PVOID)NULL, 0);
            NdisMIndicateStatusComplete(pVElan->MiniportAdapterHandle);
        }
        pVElan->MPDevicePowerState = NewDeviceState;
        *BytesRead = sizeof(NDIS_DEVICE_POWER_STATE);
        break;
    case OID_GEN_CURRENT_PACKET_FILTER:
        if (InformationBufferLength != sizeof(ULONG)) {
            Status = NDIS_STATUS_INVALID_LENGTH;
            *BytesNeeded = sizeof(ULONG);
            break;
        }
        NdisMoveMemory(&pVElan->PacketFilter, InformationBuffer, sizeof(ULONG));
        *BytesRead = sizeof(ULONG);
        break;
    case OID_GEN_CURRENT_LOOKAHEAD:
        *(UNALIGNED PULONG)InformationBuffer += IMS_VLAN_TAG_SIZE;
        *BytesRead = sizeof(ULONG);
        break;
    default:
        Status = NDIS_STATUS_INVALID_OID;
        break;
    }
    return Status;
}

VOID
MPReturnPacket(
    IN NDIS_HANDLE MiniportAdapterContext,
    IN PNDIS_PACKET Packet
    )
{
    PVELAN pVElan = (PVELAN)MiniportAdapterContext;
    PNDIS_PACKET pOriginalPacket;

    if (NdisGetPoolFromPacket(Packet) != pVElan->RecvPacketPoolHandle) {
        NdisReturnPackets(&Packet, 1);
        return;
    }
    pOriginalPacket = ((PRECV_RSVD)Packet->MiniportReserved)->OriginalPkt;
    NdisFreePacket(Packet);
    if (pOriginalPacket != NULL)
        NdisReturnPackets(&pOriginalPacket, 1);
    NdisInterlockedDecrement((PLONG)&pVElan->OutstandingReceives);
}

NDIS_STATUS
MPTransferData(
    OUT PNDIS_PACKET Packet,
    OUT PUINT BytesTransferred,
    IN NDIS_HANDLE MiniportAdapterContext,
    IN NDIS_HANDLE MiniportReceiveContext,
    IN UINT ByteOffset,
    IN UINT BytesToTransfer
    )
{
    PVELAN pVElan = (PVELAN)MiniportAdapterContext;
    NDIS_STATUS Status;

    if (IMS_IS_LOW_POWER(pVElan->MPDevicePowerState))
        return NDIS_STATUS_FAILURE;
    NdisTransferData(&Status, pVElan->pAdapt->BindingHandle, MiniportReceiveContext, ByteOffset, BytesToTransfer,
                     Packet, BytesTransferred);
    return Status;
}

VOID
MPHalt(
    IN NDIS_HANDLE MiniportAdapterContext
    )
{
    PVELAN pVElan = (PVELAN)MiniportAdapterContext;
    PADAPT pAdapt = pVElan->pAdapt;
    LOCK_STATE LockState;

    pVElan->MiniportHalting = TRUE;
    while (pVElan->OutstandingSends || pVElan->OutstandingReceives)
        NdisMSleep(20000);
    (VOID)PtDeregisterDevice();
    NdisAcquireReadWriteLock(&pAdapt->ReadWriteLock, TRUE, &LockState);
    RemoveEntryList(&pVElan->Link);
    NdisReleaseReadWriteLock(&pAdapt->ReadWriteLock, &LockState);
    pVElan->MiniportAdapterHandle = NULL;
    PtFreeVElan(pVElan);
}

#ifdef NDIS51_MINIPORT
VOID
MPCancelSendPackets(
    IN NDIS_HANDLE MiniportAdapterContext,
    IN PVOID CancelId
    )
{
    PVELAN pVElan = (PVELAN)MiniportAdapterContext;
    NdisCancelSendPackets(pVElan->pAdapt->BindingHandle, CancelId);
}

VOID
MPDevicePnPEvent(
    IN NDIS_HANDLE MiniportAdapterContext,
    IN NDIS_DEVICE_PNP_EVENT DevicePnPEvent,
    IN PVOID InformationBuffer,
    IN ULONG InformationBufferLength
    )
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(DevicePnPEvent);
    UNREFERENCED_PARAMETER(InformationBuffer);
    UNREFERENCED_PARAMETER(InformationBufferLength);
}

VOID
MPAdapterShutdown(
    IN NDIS_HANDLE MiniportAdapterContext
    )
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
}
#endif /* NDIS51_MINIPORT */

/* ---- Registration ---------------------------------------------------------------------------------- */
VOID
PtUnloadProtocol(
    VOID
    )
{
    NDIS_STATUS Status;
    if (ProtHandle != NULL) {
        NdisDeregisterProtocol(&Status, ProtHandle);
        ProtHandle = NULL;
    }
}

VOID
PtUnload(
    IN PDRIVER_OBJECT DriverObject
    )
{
    UNREFERENCED_PARAMETER(DriverObject);
    PtUnloadProtocol();
    NdisIMDeregisterLayeredMiniport(DriverHandle);
    NdisFreeSpinLock(&GlobalLock);
}

NTSTATUS
DriverEntry(
    IN PDRIVER_OBJECT DriverObject,
    IN PUNICODE_STRING RegistryPath
    )
{
    NDIS_STATUS Status;
    NDIS_PROTOCOL_CHARACTERISTICS PChars;
    NDIS_MINIPORT_CHARACTERISTICS MChars;
    NDIS_STRING Name;

    NdisAllocateSpinLock(&GlobalLock);
    NdisInitializeListHead(&AdapterList);
    NdisMInitializeWrapper(&NdisWrapperHandle, DriverObject, RegistryPath, NULL);
    do {
        NdisZeroMemory(&MChars, sizeof(NDIS_MINIPORT_CHARACTERISTICS));
        MChars.MajorNdisVersion = IMS_MAJOR_NDIS_VERSION;
        MChars.MinorNdisVersion = IMS_MINOR_NDIS_VERSION;
        MChars.InitializeHandler = MPInitialize;
        MChars.QueryInformationHandler = MPQueryInformation;
        MChars.SetInformationHandler = MPSetInformation;
        MChars.ResetHandler = NULL;
        MChars.TransferDataHandler = MPTransferData;
        MChars.HaltHandler = MPHalt;
#ifdef NDIS51_MINIPORT
        MChars.CancelSendPacketsHandler = MPCancelSendPackets;
        MChars.PnPEventNotifyHandler = MPDevicePnPEvent;
        MChars.AdapterShutdownHandler = MPAdapterShutdown;
#endif
        MChars.CheckForHangHandler = NULL;
        MChars.ReturnPacketHandler = MPReturnPacket;
        MChars.SendHandler = NULL;
        MChars.SendPacketsHandler = MPSendPackets;
        Status = NdisIMRegisterLayeredMiniport(NdisWrapperHandle, &MChars, sizeof(MChars), &DriverHandle);
        if (Status != NDIS_STATUS_SUCCESS)
            break;
#ifndef WIN9X
        NdisMRegisterUnloadHandler(NdisWrapperHandle, PtUnload);
#endif
        NdisZeroMemory(&PChars, sizeof(NDIS_PROTOCOL_CHARACTERISTICS));
        PChars.MajorNdisVersion = IMS_PROT_MAJOR_NDIS_VERSION;
        PChars.MinorNdisVersion = IMS_PROT_MINOR_NDIS_VERSION;
        NdisInitUnicodeString(&Name, L"ImStyle");
        PChars.Name = Name;
        PChars.OpenAdapterCompleteHandler = PtOpenAdapterComplete;
        PChars.CloseAdapterCompleteHandler = PtCloseAdapterComplete;
        PChars.SendCompleteHandler = PtSendComplete;
        PChars.TransferDataCompleteHandler = PtTransferDataComplete;
        PChars.ResetCompleteHandler = PtResetComplete;
        PChars.RequestCompleteHandler = PtRequestComplete;
        PChars.ReceiveHandler = PtReceive;
        PChars.ReceiveCompleteHandler = PtReceiveComplete;
        PChars.StatusHandler = PtStatus;
        PChars.StatusCompleteHandler = PtStatusComplete;
        PChars.BindAdapterHandler = PtBindAdapter;
        PChars.UnbindAdapterHandler = PtUnbindAdapter;
        PChars.UnloadHandler = PtUnloadProtocol;
        PChars.ReceivePacketHandler = PtReceivePacket;
        PChars.PnPEventHandler = PtPNPHandler;
        NdisRegisterProtocol(&Status, &ProtHandle, &PChars, sizeof(NDIS_PROTOCOL_CHARACTERISTICS));
        if (Status != NDIS_STATUS_SUCCESS) {
            NdisIMDeregisterLayeredMiniport(DriverHandle);
            break;
        }
        NdisIMAssociateMiniport(DriverHandle, ProtHandle);
    } while (FALSE);

    if (Status != NDIS_STATUS_SUCCESS)
        NdisTerminateWrapper(NdisWrapperHandle, NULL);
    KdPrint(("ImStyle: DriverEntry %x\n", Status));
    return (Status);
}
