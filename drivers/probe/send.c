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

    NdisMoveMemory(Frame, Destination, PROBE_ETH_ADDRESS);
    NdisMoveMemory(Frame + PROBE_ETH_ADDRESS, Binding->MacAddress, PROBE_ETH_ADDRESS);
    Frame[12] = (UCHAR)(PROBE_ETHERTYPE >> 8);
    Frame[13] = (UCHAR)PROBE_ETHERTYPE;
    ProbePut32(Frame + 14, PROBE_MAGIC);
    ProbePut32(Frame + 18, Binding->Id);
    ProbePut64(Frame + 22, Sequence);
    NdisMoveMemory(Pattern, PROBE_PATTERN(Sequence), PatternBytes); /* byte i = (UCHAR)(Sequence + i) */

    NdisAdjustBufferLength(Reserved->Buffer, FrameSize);
    NdisChainBufferAtFront(Packet, Reserved->Buffer);
    NdisClearPacketFlags(Packet, Reserved->FlagsSet);
    NdisSetPacketFlags(Packet, PacketFlags);
    Reserved->FlagsSet = PacketFlags;
}

/* Any IRQL <= DISPATCH_LEVEL. A send is over (synchronously or in ProtocolSendComplete): count
 * it, make the packet reusable (seed §2.5.1: unchain first, then NdisReinitializePacket), put
 * it back on the free list and wake whoever waits for a packet or for the count. */
static VOID ProbeRecycleSend(PPROBE_BINDING Binding, PNDIS_PACKET Packet, NDIS_STATUS Status, BOOLEAN Count)
{
    PPROBE_PACKET_RESERVED Reserved = PROBE_RESERVED(Packet);
    PNDIS_BUFFER Buffer;

    NdisUnchainBufferAtFront(Packet, &Buffer);
    NdisReinitializePacket(Packet);

    NdisAcquireSpinLock(&Binding->SendLock);
    Reserved->Next = Binding->FreeSends;
    Binding->FreeSends = Packet;
    if (Count) {
        Binding->SendsCompleted++;
        if (Status != NDIS_STATUS_SUCCESS)
            Binding->SendsFailed++;
        Binding->LastSendStatus = (ULONG)Status;
    }
    if (Binding->PoolWaiters != 0)
        NdisSetEvent(&Binding->PoolEvent);
    if (Binding->SendWaitTarget != 0 && Binding->SendsCompleted >= Binding->SendWaitTarget) {
        Binding->SendWaitTarget = 0;
        NdisSetEvent(&Binding->SendWaitEvent);
    }
    NdisReleaseSpinLock(&Binding->SendLock);
    ProbeDereference(Binding);
}

static VOID ProbeSendDone(PPROBE_BINDING Binding, PNDIS_PACKET Packet, NDIS_STATUS Status)
{
    ProbeRecycleSend(Binding, Packet, Status, TRUE);
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
    PPROBE_PACKET_RESERVED Reserved = PROBE_RESERVED(Packet);

    /* A benchmark packet goes back to ProbeBenchSend, unless it has already left. */
    if (Reserved->BenchState != PROBE_BENCH_IDLE &&
        InterlockedExchange(&Reserved->BenchState, PROBE_BENCH_DONE) != PROBE_BENCH_ORPHANED)
        return;
    Reserved->BenchState = PROBE_BENCH_IDLE;
    ProbeSendDone((PPROBE_BINDING)ProtocolBindingContext, Packet, Status);
}

/* DISPATCH_LEVEL on a processor thread; the caller holds a binding reference. See
 * ProbeBenchSend in probe_hooks.h. */
NDIS_STATUS ProbeBenchFrames(PPROBE_BINDING Binding, const UCHAR *Destination, UINT Count, UINT Batch)
{
    PNDIS_PACKET Packets[PROBE_MAX_BATCH];
    NDIS_STATUS Result = NDIS_STATUS_SUCCESS;
    ULONG64 Sent = 0;
    UINT Orphaned = 0;
    UINT Got = 0;
    UINT i;

    if (Destination == NULL || Batch == 0 || Batch > PROBE_MAX_BATCH)
        return NDIS_STATUS_INVALID_DATA;
    NdisAcquireSpinLock(&Binding->SendLock);
    while (Got < Batch && Binding->FreeSends != NULL) {
        Packets[Got] = Binding->FreeSends;
        Binding->FreeSends = PROBE_RESERVED(Packets[Got])->Next;
        Got++;
    }
    NdisReleaseSpinLock(&Binding->SendLock);
    InterlockedExchangeAdd(&Binding->Outstanding, (LONG)Got);
    if (Got < Batch) {
        for (i = 0; i < Got; i++)
            ProbeRecycleSend(Binding, Packets[i], NDIS_STATUS_SUCCESS, FALSE);
        return NDIS_STATUS_RESOURCES;
    }
    for (i = 0; i < Batch; i++) {
        ProbeBuildFrame(Binding, Packets[i], Destination, PROBE_BENCH_FRAME, 0, 0);
        PROBE_RESERVED(Packets[i])->BenchState = PROBE_BENCH_DONE;
    }

    while (Count != 0 && Result == NDIS_STATUS_SUCCESS) {
        UINT Now = Count < Batch ? Count : Batch;

        for (i = 0; i < Now; i++)
            PROBE_RESERVED(Packets[i])->BenchState = PROBE_BENCH_IN_FLIGHT;
        if (Now == 1) {
            NDIS_STATUS Status;

            NdisSend(&Status, Binding->BindingHandle, Packets[0]);
            if (Status != NDIS_STATUS_PENDING)
                PROBE_RESERVED(Packets[0])->BenchState = PROBE_BENCH_DONE;
        } else {
            NdisSendPackets(Binding->BindingHandle, Packets, Now);
        }
        for (i = 0; i < Now; i++)
            if (PROBE_RESERVED(Packets[i])->BenchState != PROBE_BENCH_DONE)
                Result = NDIS_STATUS_PENDING;
        Sent += Now;
        Count -= Now;
    }

    for (i = 0; i < Batch; i++) {
        /* Still in flight: its ProtocolSendComplete counts and recycles it. */
        if (InterlockedExchange(&PROBE_RESERVED(Packets[i])->BenchState, PROBE_BENCH_ORPHANED) == PROBE_BENCH_DONE) {
            PROBE_RESERVED(Packets[i])->BenchState = PROBE_BENCH_IDLE;
            ProbeRecycleSend(Binding, Packets[i], NDIS_STATUS_SUCCESS, FALSE);
        } else {
            Orphaned++;
        }
    }
    NdisAcquireSpinLock(&Binding->SendLock);
    Binding->SendsRequested += Sent;
    Binding->SendsCompleted += Sent - Orphaned;
    NdisReleaseSpinLock(&Binding->SendLock);
    return Result;
}
