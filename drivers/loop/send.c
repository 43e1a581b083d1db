/* send.c — the loop adapter's send side: MiniportSendPackets for deserialized adapters
 * (complete inline or from a DPC) and for serialized ones (per-packet status, RESOURCES when
 * TxRingSize sends are in flight, so NDIS requeues), and the send-completion DPC
 * (seed 003 §2.8). */
#include "loop.h"

/* Deserialized: every packet is completed with NdisMSendComplete, inline or from the DPC;
 * NDIS_STATUS_RESOURCES is never used. */
static VOID LoopSendDeserialized(PLOOP_ADAPTER Adapter, PPNDIS_PACKET Packets, UINT Count)
{
    NDIS_STATUS Statuses[LOOP_TX_CHUNK];

    while (Count != 0) {
        UINT Chunk = Count < LOOP_TX_CHUNK ? Count : LOOP_TX_CHUNK;
        UINT i;

        LoopWireTransmit(Adapter, Packets, Chunk, Statuses);
        if (Adapter->Config.SendCompletion == 0) {
            for (i = 0; i < Chunk; i++)
                NdisMSendComplete(Adapter->MiniportHandle, Packets[i], Statuses[i]);
        } else {
            NdisAcquireSpinLock(&Adapter->SendQLock);
            for (i = 0; i < Chunk; i++)
                LoopQueuePush(&Adapter->SendsToComplete, Packets[i], (ULONG_PTR)(ULONG)Statuses[i]);
            NdisReleaseSpinLock(&Adapter->SendQLock);
            KeInsertQueueDpc(&Adapter->SendDpc, NULL, NULL);
        }
        Packets += Chunk;
        Count -= Chunk;
    }
}

/* Serialized (NDIS calls us one array at a time): accept what fits in the TxRingSize window,
 * mark it PENDING and complete it from the DPC; refuse the rest with NDIS_STATUS_RESOURCES,
 * which makes NDIS requeue that packet and all after it until a send completes. Malformed
 * packets fail synchronously (status FAILURE). */
static VOID LoopSendSerialized(PLOOP_ADAPTER Adapter, PPNDIS_PACKET Packets, UINT Count)
{
    NDIS_STATUS Statuses[LOOP_TX_CHUNK];
    UINT Accepted;
    UINT Done = 0;
    UINT Queued = 0;
    UINT i;

    NdisAcquireSpinLock(&Adapter->SendQLock);
    Accepted = Adapter->Config.TxRingSize - Adapter->SendsInFlight;
    if (Accepted > Count)
        Accepted = Count;
    Adapter->SendsInFlight += Accepted;
    NdisReleaseSpinLock(&Adapter->SendQLock);

    while (Done < Accepted) {
        UINT Chunk = Accepted - Done < LOOP_TX_CHUNK ? Accepted - Done : LOOP_TX_CHUNK;

        LoopWireTransmit(Adapter, Packets + Done, Chunk, Statuses);
        NdisAcquireSpinLock(&Adapter->SendQLock);
        for (i = 0; i < Chunk; i++) {
            PNDIS_PACKET Packet = Packets[Done + i];

            if (Statuses[i] != NDIS_STATUS_SUCCESS) {
                NDIS_SET_PACKET_STATUS(Packet, NDIS_STATUS_FAILURE);
                Adapter->SendsInFlight--;
                continue;
            }
            NDIS_SET_PACKET_STATUS(Packet, NDIS_STATUS_PENDING);
            LoopQueuePush(&Adapter->SendsToComplete, Packet, (ULONG_PTR)(ULONG)NDIS_STATUS_SUCCESS);
            Queued++;
        }
        NdisReleaseSpinLock(&Adapter->SendQLock);
        Done += Chunk;
    }
    for (i = Accepted; i < Count; i++)
        NDIS_SET_PACKET_STATUS(Packets[i], NDIS_STATUS_RESOURCES);
    if (Queued != 0)
        KeInsertQueueDpc(&Adapter->SendDpc, NULL, NULL);
}

/* MiniportSendPackets (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL. Deserialized adapters
 * are called concurrently on any processor; NDIS serialises calls to a serialized one. The
 * frames are on the wire (in the peers' rings) before this returns; the packets stay ours
 * until completed. */
VOID LoopSendPackets(NDIS_HANDLE MiniportAdapterContext, PPNDIS_PACKET PacketArray, UINT NumberOfPackets)
{
    PLOOP_ADAPTER Adapter = (PLOOP_ADAPTER)MiniportAdapterContext;

    if (Adapter->Config.Serialized)
        LoopSendSerialized(Adapter, PacketArray, NumberOfPackets);
    else
        LoopSendDeserialized(Adapter, PacketArray, NumberOfPackets);
}

/* Send DPC — DISPATCH_LEVEL. Completes queued sends in order. A serialized adapter's window
 * reopens before NdisMSendComplete, so NDIS can resubmit what it queued. */
VOID LoopSendDpc(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    PLOOP_ADAPTER Adapter = (PLOOP_ADAPTER)DeferredContext;
    PNDIS_PACKET Packet;
    PNDIS_PACKET Walk;
    ULONG Count = 0;

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    LoopDpcEnter(Adapter);

    NdisDprAcquireSpinLock(&Adapter->SendQLock);
    Packet = LoopQueueTakeAll(&Adapter->SendsToComplete);
    for (Walk = Packet; Walk != NULL; Walk = LOOP_RESERVED(Walk)->Next)
        Count++;
    if (Adapter->Config.Serialized)
        Adapter->SendsInFlight -= Count;
    NdisDprReleaseSpinLock(&Adapter->SendQLock);

    while (Packet != NULL) {
        PNDIS_PACKET Next = LOOP_RESERVED(Packet)->Next;
        NDIS_STATUS Status = (NDIS_STATUS)(ULONG)LOOP_RESERVED(Packet)->Value;

        NdisMSendComplete(Adapter->MiniportHandle, Packet, Status);
        Packet = Next;
    }
    LoopDpcLeave(Adapter);
}
