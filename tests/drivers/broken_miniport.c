/* broken_miniport.c — a serialized 802.3 miniport that breaks NDIS rules on request (issue 7
 * part 4, DESIGN.md "Verifier"): each BrokenMiniportCommit mistake is one rule the verifier must
 * report against "broken_miniport"; between mistakes it behaves, so the host keeps running.
 * Hooks and adapter parameters: broken_hooks.h. One adapter at a time (the last initialised). */
#include <ndis.h>

#include "broken_hooks.h"

#define BROKEN_TAG 'krbM'
#define BROKEN_FRAME 60

typedef struct _BROKEN_ADAPTER {
    NDIS_HANDLE Handle;
    NDIS_SPIN_LOCK Lock;
    NDIS_HANDLE PacketPool;
    NDIS_HANDLE BufferPool;
    PNDIS_PACKET RxPacket;      /* the one receive descriptor, over RxFrame */
    PNDIS_PACKET StrayPacket;   /* never sent: for NdisMSendComplete of a packet not given */
    UCHAR RxFrame[BROKEN_FRAME];
    BOOLEAN HoldRequests;
    BOOLEAN RequestHeld;
    ULONG Requests;
    ULONG PacketFilter;
} BROKEN_ADAPTER, *PBROKEN_ADAPTER;

static NDIS_HANDLE BrokenWrapper;
static PBROKEN_ADAPTER BrokenLast;
static const UCHAR BrokenMac[6] = {0x02, 0x42, 0x52, 0x4B, 0x00, 0x01};

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);

static ULONG BrokenReadDword(NDIS_HANDLE Config, PNDIS_STRING Keyword, ULONG Default)
{
    NDIS_STATUS Status;
    PNDIS_CONFIGURATION_PARAMETER Value;
    NdisReadConfiguration(&Status, &Value, Config, Keyword, NdisParameterInteger);
    return Status == NDIS_STATUS_SUCCESS ? Value->ParameterData.IntegerData : Default;
}

static VOID BrokenFreeAdapter(PBROKEN_ADAPTER Adapter)
{
    PNDIS_BUFFER Buffer;
    PNDIS_PACKET Packets[2];
    ULONG i;
    Packets[0] = Adapter->RxPacket;
    Packets[1] = Adapter->StrayPacket;
    for (i = 0; i < 2; i++) {
        if (Packets[i] == NULL)
            continue;
        NdisUnchainBufferAtFront(Packets[i], &Buffer);
        if (Buffer != NULL)
            NdisFreeBuffer(Buffer);
        NdisFreePacket(Packets[i]);
    }
    if (Adapter->BufferPool != NULL)
        NdisFreeBufferPool(Adapter->BufferPool);
    if (Adapter->PacketPool != NULL)
        NdisFreePacketPool(Adapter->PacketPool);
    NdisFreeSpinLock(&Adapter->Lock);
    NdisFreeMemory(Adapter, sizeof(*Adapter), 0);
}

static NDIS_STATUS BrokenAllocatePackets(PBROKEN_ADAPTER Adapter)
{
    NDIS_STATUS Status;
    PNDIS_BUFFER Buffer;
    NdisAllocatePacketPool(&Status, &Adapter->PacketPool, 2, PROTOCOL_RESERVED_SIZE_IN_PACKET);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    NdisAllocateBufferPool(&Status, &Adapter->BufferPool, 1);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    NdisAllocatePacket(&Status, &Adapter->RxPacket, Adapter->PacketPool);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    NdisAllocatePacket(&Status, &Adapter->StrayPacket, Adapter->PacketPool);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    NdisFillMemory(Adapter->RxFrame, 6, 0xFF);
    NdisMoveMemory(Adapter->RxFrame + 6, BrokenMac, 6);
    Adapter->RxFrame[12] = 0x88;
    Adapter->RxFrame[13] = 0xB5; /* IEEE local experimental EtherType */
    NdisAllocateBuffer(&Status, &Buffer, Adapter->BufferPool, Adapter->RxFrame, BROKEN_FRAME);
    if (Status != NDIS_STATUS_SUCCESS)
        return Status;
    NdisChainBufferAtFront(Adapter->RxPacket, Buffer);
    NDIS_SET_PACKET_HEADER_SIZE(Adapter->RxPacket, 14);
    return NDIS_STATUS_SUCCESS;
}

static NDIS_STATUS BrokenInitialize(PNDIS_STATUS OpenErrorStatus, PUINT SelectedMediumIndex,
    PNDIS_MEDIUM MediumArray, UINT MediumArraySize, NDIS_HANDLE MiniportAdapterHandle,
    NDIS_HANDLE WrapperConfigurationContext)
{
    NDIS_STRING HangKey = NDIS_STRING_CONST("CheckForHangSeconds");
    NDIS_STRING LockedKey = NDIS_STRING_CONST("ReadConfigLocked");
    PBROKEN_ADAPTER Adapter;
    NDIS_HANDLE Config;
    NDIS_STATUS Status;
    ULONG HangSeconds = 10;
    UINT i;

    *OpenErrorStatus = NDIS_STATUS_SUCCESS;
    for (i = 0; i < MediumArraySize && MediumArray[i] != NdisMedium802_3; i++)
        ;
    if (i == MediumArraySize)
        return NDIS_STATUS_UNSUPPORTED_MEDIA;
    *SelectedMediumIndex = i;
    if (NdisAllocateMemoryWithTag((PVOID *)&Adapter, sizeof(*Adapter), BROKEN_TAG) != NDIS_STATUS_SUCCESS)
        return NDIS_STATUS_RESOURCES;
    NdisZeroMemory(Adapter, sizeof(*Adapter));
    Adapter->Handle = MiniportAdapterHandle;
    NdisAllocateSpinLock(&Adapter->Lock);

    NdisOpenConfiguration(&Status, &Config, WrapperConfigurationContext);
    if (Status == NDIS_STATUS_SUCCESS) {
        HangSeconds = BrokenReadDword(Config, &HangKey, HangSeconds);
        if (BrokenReadDword(Config, &LockedKey, 0) != 0) {
            /* The mistake: a PASSIVE_LEVEL call made at DISPATCH_LEVEL, under a spin lock. */
            NdisAcquireSpinLock(&Adapter->Lock);
            (void)BrokenReadDword(Config, &HangKey, 0);
            NdisReleaseSpinLock(&Adapter->Lock);
        }
        NdisCloseConfiguration(Config);
    }
    Status = BrokenAllocatePackets(Adapter);
    if (Status != NDIS_STATUS_SUCCESS) {
        BrokenFreeAdapter(Adapter);
        return NDIS_STATUS_RESOURCES;
    }
    NdisMSetAttributesEx(MiniportAdapterHandle, (NDIS_HANDLE)Adapter, HangSeconds, 0, NdisInterfaceInternal);
    BrokenLast = Adapter;
    return NDIS_STATUS_SUCCESS;
}

static VOID BrokenHalt(NDIS_HANDLE MiniportAdapterContext)
{
    PBROKEN_ADAPTER Adapter = (PBROKEN_ADAPTER)MiniportAdapterContext;
    if (BrokenLast == Adapter)
        BrokenLast = NULL;
    BrokenFreeAdapter(Adapter);
}

/* NDIS aborts a request it reset the adapter for: the held one is forgotten, and none is held again. */
static NDIS_STATUS BrokenReset(PBOOLEAN AddressingReset, NDIS_HANDLE MiniportAdapterContext)
{
    PBROKEN_ADAPTER Adapter = (PBROKEN_ADAPTER)MiniportAdapterContext;
    Adapter->HoldRequests = FALSE;
    Adapter->RequestHeld = FALSE;
    *AddressingReset = FALSE;
    return NDIS_STATUS_SUCCESS;
}

static BOOLEAN BrokenCheckForHang(NDIS_HANDLE MiniportAdapterContext)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    return FALSE;
}

static NDIS_STATUS BrokenHold(PBROKEN_ADAPTER Adapter)
{
    InterlockedIncrement((PLONG)&Adapter->Requests);
    if (!Adapter->HoldRequests)
        return NDIS_STATUS_SUCCESS;
    Adapter->RequestHeld = TRUE;
    return NDIS_STATUS_PENDING;
}

static NDIS_STATUS BrokenQueryInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID Buffer,
    ULONG BufferLength, PULONG BytesWritten, PULONG BytesNeeded)
{
    PBROKEN_ADAPTER Adapter = (PBROKEN_ADAPTER)MiniportAdapterContext;
    ULONG Value = 0;
    const VOID *Source = &Value;
    ULONG Length = sizeof(Value);
    NDIS_STATUS Status;

    switch (Oid) {
    case OID_GEN_MAXIMUM_FRAME_SIZE: Value = 1500; break;
    case OID_GEN_MAXIMUM_TOTAL_SIZE: Value = 1514; break;
    case OID_GEN_MAXIMUM_LOOKAHEAD:
    case OID_GEN_CURRENT_LOOKAHEAD: Value = 1500; break;
    case OID_GEN_LINK_SPEED: Value = 10000000; break; /* 1 Gbit/s in 100 bit/s units */
    case OID_GEN_MEDIA_CONNECT_STATUS: Value = NdisMediaStateConnected; break;
    case OID_GEN_MAC_OPTIONS: Value = NDIS_MAC_OPTION_NO_LOOPBACK; break;
    case OID_GEN_CURRENT_PACKET_FILTER: Value = Adapter->PacketFilter; break;
    case OID_802_3_MAXIMUM_LIST_SIZE: Value = 4; break;
    case OID_802_3_PERMANENT_ADDRESS:
    case OID_802_3_CURRENT_ADDRESS: Source = BrokenMac; Length = 6; break;
    default: return NDIS_STATUS_NOT_SUPPORTED;
    }
    if (BufferLength < Length) {
        *BytesNeeded = Length;
        return NDIS_STATUS_INVALID_LENGTH;
    }
    NdisMoveMemory(Buffer, Source, Length);
    *BytesWritten = Length;
    Status = BrokenHold(Adapter);
    return Status;
}

static NDIS_STATUS BrokenSetInformation(NDIS_HANDLE MiniportAdapterContext, NDIS_OID Oid, PVOID Buffer,
    ULONG BufferLength, PULONG BytesRead, PULONG BytesNeeded)
{
    PBROKEN_ADAPTER Adapter = (PBROKEN_ADAPTER)MiniportAdapterContext;
    *BytesNeeded = 0;
    switch (Oid) {
    case OID_GEN_CURRENT_PACKET_FILTER:
        if (BufferLength < sizeof(ULONG)) {
            *BytesNeeded = sizeof(ULONG);
            return NDIS_STATUS_INVALID_LENGTH;
        }
        NdisMoveMemory(&Adapter->PacketFilter, Buffer, sizeof(ULONG));
        break;
    case OID_GEN_CURRENT_LOOKAHEAD:
    case OID_802_3_MULTICAST_LIST:
        break;
    default:
        return NDIS_STATUS_NOT_SUPPORTED;
    }
    *BytesRead = BufferLength;
    return BrokenHold(Adapter);
}

/* Well-behaved sends: a serialized miniport may finish them in the array it was given. */
static VOID BrokenSendPackets(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray, UINT NumberOfPackets)
{
    UINT i;
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    for (i = 0; i < NumberOfPackets; i++)
        NDIS_SET_PACKET_STATUS(PacketArray[i], NDIS_STATUS_SUCCESS);
}

static VOID BrokenReturnPacket(NDIS_HANDLE MiniportAdapterContext, PNDIS_PACKET Packet)
{
    UNREFERENCED_PARAMETER(MiniportAdapterContext);
    UNREFERENCED_PARAMETER(Packet);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_MINIPORT_CHARACTERISTICS Chars;
    NDIS_STATUS Status;

    NdisMInitializeWrapper(&BrokenWrapper, DriverObject, RegistryPath, NULL);
    if (BrokenWrapper == NULL)
        return STATUS_UNSUCCESSFUL;
    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.MajorNdisVersion = 5;
    Chars.MinorNdisVersion = 1;
    Chars.CheckForHangHandler = BrokenCheckForHang;
    Chars.HaltHandler = BrokenHalt;
    Chars.InitializeHandler = BrokenInitialize;
    Chars.QueryInformationHandler = BrokenQueryInformation;
    Chars.ResetHandler = BrokenReset;
    Chars.SetInformationHandler = BrokenSetInformation;
    Chars.SendPacketsHandler = BrokenSendPackets;
    Chars.ReturnPacketHandler = BrokenReturnPacket;
    Status = NdisMRegisterMiniport(BrokenWrapper, &Chars, sizeof(Chars));
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisTerminateWrapper(BrokenWrapper, NULL);
        return (NTSTATUS)Status;
    }
    return STATUS_SUCCESS;
}

NDIS_HANDLE BrokenMiniportAdapterHandle(void)
{
    return BrokenLast != NULL ? BrokenLast->Handle : NULL;
}

VOID BrokenMiniportIndicate(void)
{
    PBROKEN_ADAPTER Adapter = BrokenLast;
    if (Adapter == NULL)
        return;
    NDIS_SET_PACKET_STATUS(Adapter->RxPacket, NDIS_STATUS_SUCCESS);
    NdisMIndicateReceivePacket(Adapter->Handle, &Adapter->RxPacket, 1);
}

VOID BrokenMiniportHoldRequests(void)
{
    if (BrokenLast != NULL)
        BrokenLast->HoldRequests = TRUE;
}

BOOLEAN BrokenMiniportCompleteRequest(NDIS_STATUS Status)
{
    PBROKEN_ADAPTER Adapter = BrokenLast;
    if (Adapter == NULL || !Adapter->RequestHeld)
        return FALSE;
    Adapter->HoldRequests = FALSE;
    Adapter->RequestHeld = FALSE;
    NdisMQueryInformationComplete(Adapter->Handle, Status);
    return TRUE;
}

ULONG BrokenMiniportRequests(void)
{
    return BrokenLast != NULL ? BrokenLast->Requests : 0;
}

static PVOID BrokenRegisterBadVersionNow(void)
{
    NDIS_MINIPORT_CHARACTERISTICS Chars;
    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.MajorNdisVersion = 6;
    Chars.MinorNdisVersion = 0;
    Chars.HaltHandler = BrokenHalt;
    Chars.InitializeHandler = BrokenInitialize;
    Chars.QueryInformationHandler = BrokenQueryInformation;
    Chars.ResetHandler = BrokenReset;
    Chars.SetInformationHandler = BrokenSetInformation;
    Chars.SendPacketsHandler = BrokenSendPackets;
    (void)NdisMRegisterMiniport(BrokenWrapper, &Chars, sizeof(Chars));
    return BrokenWrapper;
}

static PVOID BrokenWaitLockedNow(PBROKEN_ADAPTER Adapter)
{
    static KEVENT Never;
    LARGE_INTEGER Timeout;
    KeInitializeEvent(&Never, NotificationEvent, FALSE);
    Timeout.QuadPart = -10000; /* 1 ms, relative */
    NdisAcquireSpinLock(&Adapter->Lock);
    (void)KeWaitForSingleObject(&Never, Executive, KernelMode, FALSE, &Timeout);
    NdisReleaseSpinLock(&Adapter->Lock);
    return &Never;
}

PVOID BrokenMiniportCommit(BROKEN_MINIPORT_MISTAKE Mistake)
{
    PBROKEN_ADAPTER Adapter = BrokenLast;
    if (Mistake == BrokenRegisterBadVersion)
        return BrokenRegisterBadVersionNow();
    if (Adapter == NULL)
        return NULL;
    switch (Mistake) {
    case BrokenSendCompleteNotSent:
        NdisMSendComplete(Adapter->Handle, Adapter->StrayPacket, NDIS_STATUS_SUCCESS);
        return Adapter->StrayPacket;
    case BrokenResetCompleteUnstarted:
        NdisMResetComplete(Adapter->Handle, NDIS_STATUS_SUCCESS, FALSE);
        return Adapter->Handle;
    case BrokenQueryCompleteNoRequest:
        NdisMQueryInformationComplete(Adapter->Handle, NDIS_STATUS_SUCCESS);
        return Adapter->Handle;
    case BrokenCompleteRequestPending:
        Adapter->HoldRequests = FALSE;
        Adapter->RequestHeld = FALSE;
        NdisMQueryInformationComplete(Adapter->Handle, NDIS_STATUS_PENDING);
        return Adapter->Handle;
    case BrokenReleaseUnheldLock:
        NdisDprReleaseSpinLock(&Adapter->Lock);
        return &Adapter->Lock.SpinLock;
    case BrokenWaitLocked:
        return BrokenWaitLockedNow(Adapter);
    case BrokenIndicateTwice:
        NdisMIndicateReceivePacket(Adapter->Handle, &Adapter->RxPacket, 1);
        return Adapter->RxPacket;
    default:
        return NULL;
    }
}
