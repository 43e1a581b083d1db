/* hooks.c — the test and benchmark hooks of loop.sys declared in loop_hooks.h: find an adapter
 * by address, drive its receive path (seed 003 §2.7) and status path (§2.12), read its
 * counters and its power record (§2.9). */
#include "loop.h"

PVOID LoopFindAdapter(const UCHAR Mac[6])
{
    PLOOP_ADAPTER Found = NULL;
    PLIST_ENTRY Entry;

    if (Mac == NULL)
        return NULL;
    NdisAcquireSpinLock(&LoopDriver.Lock);
    for (Entry = LoopDriver.Adapters.Flink; Entry != &LoopDriver.Adapters; Entry = Entry->Flink) {
        PLOOP_ADAPTER Adapter = CONTAINING_RECORD(Entry, LOOP_ADAPTER, Link);
        if (NdisEqualMemory(Adapter->CurrentAddress, Mac, LOOP_ETH_ADDRESS)) {
            Found = Adapter;
            break;
        }
    }
    NdisReleaseSpinLock(&LoopDriver.Lock);
    return Found;
}

NDIS_STATUS LoopIndicateFrames(PVOID Adapter, const UCHAR *Frame, UINT Length, UINT Count, UINT Batch)
{
    NDIS_STATUS Status;
    KIRQL OldIrql;

    if (Adapter == NULL || Frame == NULL || Batch == 0 || Batch > LOOP_MAX_BATCH)
        return NDIS_STATUS_INVALID_DATA;
    if (Length < LOOP_ETH_HEADER || Length > LOOP_MAX_FRAME)
        return NDIS_STATUS_INVALID_LENGTH;

    /* Indications are made at DISPATCH_LEVEL, as from a DPC. */
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    Status = LoopRxIndicateFrames((PLOOP_ADAPTER)Adapter, Frame, Length, Count, Batch);
    KeLowerIrql(OldIrql);
    return Status;
}

VOID LoopIndicateStatus(PVOID Adapter, NDIS_STATUS GeneralStatus, PVOID Buffer, UINT Size)
{
    PLOOP_ADAPTER A = (PLOOP_ADAPTER)Adapter;

    if (A == NULL)
        return;
    if (GeneralStatus == NDIS_STATUS_MEDIA_DISCONNECT)
        A->MediaState = NdisMediaStateDisconnected;
    else if (GeneralStatus == NDIS_STATUS_MEDIA_CONNECT)
        A->MediaState = NdisMediaStateConnected;
    NdisMIndicateStatus(A->MiniportHandle, GeneralStatus, Buffer, Size);
    NdisMIndicateStatusComplete(A->MiniportHandle);
}

VOID LoopGetStats(PVOID Adapter, LOOP_STATS *Stats)
{
    PLOOP_ADAPTER A = (PLOOP_ADAPTER)Adapter;

    if (Stats == NULL)
        return;
    NdisZeroMemory(Stats, sizeof(*Stats));
    if (A == NULL)
        return;
    NdisAcquireSpinLock(&A->TxLock);
    Stats->TxFrames = A->TxFrames;
    Stats->TxBytes = A->TxBytes;
    Stats->TxDroppedNoPeer = A->TxDroppedNoPeer;
    Stats->TxErrors = A->TxErrors;
    NdisReleaseSpinLock(&A->TxLock);
    NdisAcquireSpinLock(&A->RxLock);
    Stats->RxFrames = A->RxFrames;
    Stats->RxBytes = A->RxBytes;
    Stats->RxDroppedRingFull = A->RxDroppedRingFull;
    Stats->ReturnsOutstanding = A->ReturnsOutstanding;
    NdisReleaseSpinLock(&A->RxLock);
}

VOID LoopGetPower(PVOID Adapter, LOOP_POWER *Power)
{
    PLOOP_ADAPTER A = (PLOOP_ADAPTER)Adapter;

    if (Power == NULL)
        return;
    NdisZeroMemory(Power, sizeof(*Power));
    if (A == NULL)
        return;
    Power->PowerState = (ULONG)A->PowerState;
    Power->QueryPowerCalls = A->QueryPowerCalls;
    Power->SetPowerCalls = A->SetPowerCalls;
    Power->WakeUpEnable = A->WakeUpEnable;
}
