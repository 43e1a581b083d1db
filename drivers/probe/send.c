/* send.c — the probe's sends: numbered frames built in preallocated packets, sent with NdisSend
 * or NdisSendPackets, and recycled in ProtocolSendComplete by unchaining their buffer and
 * NdisReinitializePacket (seed 003 §2.5.1, §2.8). Nothing is allocated per packet. */
#include "probe.h"

/* Any IRQL <= DISPATCH_LEVEL; the packet is ours and unchained. Writes a probe frame of
 * FrameSize bytes with the given sequence into the packet's frame memory and chains it. */
static VOID ProbeBuildFrame(PPROBE_BINDING Binding, PNDIS_PACKET Packet, const UCHAR *Destination, UINT FrameSize,
    ULONG64 Sequence, ULONG PacketFlags)
{
    PPROBE_PACKET_RESERVED Reserved = PROBE_RESERVED(Packet);
    PUCHAR Frame = Reserved->Frame;
    PUCHAR Pattern = Frame + PROBE_HEADER_BYTES + PROBE_PAYLOAD_HEADER;
    UINT PatternBytes = FrameSize - PROBE_HEADER_BYTES - PROBE_PAYLOAD_HEADER;
    UINT i;

    NdisMoveMemory(Frame, Destination, PROBE_ETH_ADDRESS);
    NdisMoveMemory(Frame + PROBE_ETH_ADDRESS, Binding->MacAddress, PROBE_ETH_ADDRESS);
    Frame[12] = (UCHAR)(PROBE_ETHERTYPE >> 8);
    Frame[13] = (UCHAR)PROBE_ETHERTYPE;
    ProbePut32(Frame + 14, PROBE_MAGIC);
    ProbePut32(Frame + 18, Binding->Id);
    ProbePut64(Frame + 22, Sequence);
    for (i = 0; i < PatternBytes; i++)
        Pattern[i] = (UCHAR)(Sequence + i);

    NdisAdjustBufferLength(Reserved->Buffer, FrameSize);
    NdisChainBufferAtFront(Packet, Reserved->Buffer);
    NdisClearPacketFlags(Packet, Reserved->FlagsSet);
    NdisSetPacketFlags(Packet, PacketFlags);
    Reserved->FlagsSet = PacketFlags;
}

/* Any IRQL <= DISPATCH_LEVEL. A send is over (synchronously or in ProtocolSendComplete): count
 * it, make the packet reusable (seed §2.5.1: unchain first, then NdisReinitializePacket), put
 * it back on the free list and wake whoever waits for a packet or for the count. */
static VOID ProbeSendDone(PPROBE_BINDING Binding, PNDIS_PACKET Packet, NDIS_STATUS Status)
{
    PPROBE_PACKET_RESERVED Reserved = PROBE_RESERVED(Packet);
    PNDIS_BUFFER Buffer;

    NdisUnchainBufferAtFront(Packet, &Buffer);
    NdisReinitializePacket(Packet);

    NdisAcquireSpinLock(&Binding->SendLock);
    Reserved->Next = Binding->FreeSends;
    Binding->FreeSends = Packet;
    Binding->SendsCompleted++;
    if (Status != NDIS_STATUS_SUCCESS)
        Binding->SendsFailed++;
    Binding->LastSendStatus = (ULONG)Status;
    if (Binding->PoolWaiters != 0)
        NdisSetEvent(&Binding->PoolEvent);
    if (Binding->SendWaitTarget != 0 && Binding->SendsCompleted >= Binding->SendWaitTarget) {
        Binding->SendWaitTarget = 0;
        NdisSetEvent(&Binding->SendWaitEvent);
    }
    NdisReleaseSpinLock(&Binding->SendLock);
    ProbeDereference(Binding);
}

/* IRQL <= DISPATCH_LEVEL; the caller holds a binding reference. Sends Count frames of
 * FrameSize bytes to Destination, Batch per NdisSendPackets (NdisSend when Batch == 1). When
 * the pool is empty it waits for completions at PASSIVE_LEVEL, and returns
 * NDIS_STATUS_RESOURCES above it. See ProbeSend in probe_hooks.h for the result. */
NDIS_STATUS ProbeSendFrames(PPROBE_BINDING Binding, const UCHAR *Destination, UINT FrameSize, UINT Count,
    UINT Batch, ULONG PacketFlags)
{
    PNDIS_PACKET Packets[PROBE_MAX_BATCH];
    BOOLEAN CanWait = KeGetCurrentIrql() == PASSIVE_LEVEL;
    BOOLEAN OneByOne = Batch == 1;
    NDIS_STATUS Result = NDIS_STATUS_SUCCESS;
    UINT MaximumFrame = Binding->MaximumFrameSize + PROBE_HEADER_BYTES;

    if (Destination == NULL || Batch == 0)
        return NDIS_STATUS_INVALID_DATA;
    if (MaximumFrame > PROBE_MAX_FRAME)
        MaximumFrame = PROBE_MAX_FRAME;
    if (FrameSize < PROBE_MIN_FRAME || FrameSize > MaximumFrame)
        return NDIS_STATUS_INVALID_LENGTH;
    if (Batch > PROBE_MAX_BATCH)
        Batch = PROBE_MAX_BATCH;
    if (Batch > Binding->Config.SendPoolSize)
        Batch = Binding->Config.SendPoolSize;

    while (Count != 0) {
        UINT Want = Count < Batch ? Count : Batch;
        UINT Got = 0;
        ULONG64 Sequence;
        UINT i;

        if (Binding->Closing)
            return NDIS_STATUS_CLOSING;

        NdisAcquireSpinLock(&Binding->SendLock);
        while (Got < Want && Binding->FreeSends != NULL) {
            Packets[Got] = Binding->FreeSends;
            Binding->FreeSends = PROBE_RESERVED(Packets[Got])->Next;
            Got++;
        }
        if (Got == 0) {
            if (!CanWait) {
                NdisReleaseSpinLock(&Binding->SendLock);
                return NDIS_STATUS_RESOURCES;
            }
            Binding->PoolWaiters++;
            NdisResetEvent(&Binding->PoolEvent);
            NdisReleaseSpinLock(&Binding->SendLock);
            NdisWaitEvent(&Binding->PoolEvent, 0);
            NdisAcquireSpinLock(&Binding->SendLock);
            Binding->PoolWaiters--;
            NdisReleaseSpinLock(&Binding->SendLock);
            continue;
        }
        Sequence = Binding->NextSequence;
        Binding->NextSequence += Got;
        Binding->SendsRequested += Got;
        NdisReleaseSpinLock(&Binding->SendLock);

        /* Each packet in flight keeps the binding open until ProbeSendDone. */
        InterlockedExchangeAdd(&Binding->Outstanding, (LONG)Got);
        for (i = 0; i < Got; i++)
            ProbeBuildFrame(Binding, Packets[i], Destination, FrameSize, Sequence + i, PacketFlags);

        if (OneByOne) {
            for (i = 0; i < Got; i++) {
                NDIS_STATUS Status;

                NdisSend(&Status, Binding->BindingHandle, Packets[i]);
                if (Status != NDIS_STATUS_PENDING) {
                    ProbeSendDone(Binding, Packets[i], Status);
                    if (Status != NDIS_STATUS_SUCCESS)
                        Result = Status;
                }
            }
        } else {
            NdisSendPackets(Binding->BindingHandle, Packets, Got);
        }
        Count -= Got;
    }
    return Result;
}

/* ProtocolSendComplete (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL; once per packet given
 * to NdisSendPackets, and for NdisSend packets that pended. */
VOID ProbeSendComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status)
{
    ProbeSendDone((PPROBE_BINDING)ProtocolBindingContext, Packet, Status);
}
