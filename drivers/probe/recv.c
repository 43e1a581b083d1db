/* recv.c — the probe's receive paths, each checking magic, per-sender sequence and pattern:
 * ProtocolReceivePacket (walks the packet's buffers; may hold the packet and return it later
 * with NdisReturnPackets), ProtocolReceive with a whole-frame lookahead, and ProtocolReceive
 * with a partial lookahead followed by NdisTransferData into a preallocated packet, completed
 * synchronously or in ProtocolTransferDataComplete (seed 003 §2.7.1, §2.7.1.1, §2.7.1.2). */
#include "probe.h"

static BOOLEAN ProbeIsProbeFrame(const UCHAR *Header)
{
    return Header[12] == (UCHAR)(PROBE_ETHERTYPE >> 8) && Header[13] == (UCHAR)PROBE_ETHERTYPE;
}

static VOID ProbeCountOther(PPROBE_BINDING Binding)
{
    NdisAcquireSpinLock(&Binding->RecvLock);
    Binding->OtherFrames++;
    NdisReleaseSpinLock(&Binding->RecvLock);
}

static VOID ProbeCountDropped(PPROBE_BINDING Binding)
{
    NdisAcquireSpinLock(&Binding->RecvLock);
    Binding->ReceiveDropped++;
    NdisReleaseSpinLock(&Binding->RecvLock);
}

/* Under RecvLock. A sender's frame is in order when its sequence is the one after the last
 * seen; a jump ahead (loss) or back (reordering, duplicate) counts one error. The first frame
 * of a sender not in the table starts its sequence. */
static VOID ProbeCheckSequence(PPROBE_BINDING Binding, ULONG Sender, ULONG64 Sequence)
{
    PPROBE_SENDER Entry;
    UINT i;

    for (i = 0; i < PROBE_MAX_SENDERS && Binding->Senders[i].InUse; i++) {
        Entry = &Binding->Senders[i];
        if (Entry->Id == Sender) {
            if (Sequence != Entry->NextSequence)
                Binding->SequenceErrors++;
            if (Sequence >= Entry->NextSequence)
                Entry->NextSequence = Sequence + 1;
            return;
        }
    }
    if (i == PROBE_MAX_SENDERS)
        i = Binding->SenderVictim++ % PROBE_MAX_SENDERS;
    Entry = &Binding->Senders[i];
    Entry->Id = Sender;
    Entry->InUse = TRUE;
    Entry->NextSequence = Sequence + 1;
}

/* IRQL <= DISPATCH_LEVEL. Checks and counts one probe frame whose DataLength bytes after the
 * Ethernet header are contiguous at Data. */
static VOID ProbeAccountFrame(PPROBE_BINDING Binding, const UCHAR *Data, UINT DataLength, PROBE_RX_PATH Path)
{
    BOOLEAN PayloadGood = FALSE;
    BOOLEAN HasSequence = FALSE;
    ULONG Sender = 0;
    ULONG64 Sequence = 0;

    if (DataLength >= PROBE_PAYLOAD_HEADER && ProbeGet32(Data) == PROBE_MAGIC) {
        Sender = ProbeGet32(Data + 4);
        Sequence = ProbeGet64(Data + 8);
        HasSequence = TRUE;
        /* Byte i of the pattern must be (UCHAR)(Sequence + i); no probe frame is longer than
         * PROBE_MAX_FRAME. */
        PayloadGood = DataLength <= PROBE_MAX_FRAME - PROBE_HEADER_BYTES &&
            NdisEqualMemory(Data + PROBE_PAYLOAD_HEADER, PROBE_PATTERN(Sequence), DataLength - PROBE_PAYLOAD_HEADER);
    }

    NdisAcquireSpinLock(&Binding->RecvLock);
    Binding->ReceivedFrames++;
    Binding->ReceivedBytes += PROBE_HEADER_BYTES + DataLength;
    if (Path == ProbeRxViaReceivePacket)
        Binding->ReceivedViaReceivePacket++;
    else
        Binding->ReceivedViaReceive++;
    if (!PayloadGood)
        Binding->PayloadErrors++;
    if (HasSequence)
        ProbeCheckSequence(Binding, Sender, Sequence);
    if (Binding->RecvWaitTarget != 0 && Binding->ReceivedFrames >= Binding->RecvWaitTarget) {
        Binding->RecvWaitTarget = 0;
        NdisSetEvent(&Binding->RecvWaitEvent);
    }
    NdisReleaseSpinLock(&Binding->RecvLock);
}

/* Copies up to Length bytes of Packet's data, buffer by buffer, to Destination. */
static UINT ProbeCopyFromPacket(PNDIS_PACKET Packet, PUCHAR Destination, UINT Length)
{
    PNDIS_BUFFER Buffer;
    UINT Copied = 0;

    NdisQueryPacket(Packet, NULL, NULL, &Buffer, NULL);
    while (Buffer != NULL && Copied < Length) {
        PVOID Va;
        UINT BufferLength;

        NdisQueryBufferSafe(Buffer, &Va, &BufferLength, NormalPagePriority);
        if (Va == NULL)
            break;
        if (BufferLength > Length - Copied)
            BufferLength = Length - Copied;
        NdisMoveMemory(Destination + Copied, Va, BufferLength);
        Copied += BufferLength;
        NdisGetNextBuffer(Buffer, &Buffer);
    }
    return Copied;
}

/* ProtocolReceivePacket (ndis.h) — seed 003 §2.7.1.1 — DISPATCH_LEVEL; any processor, possibly
 * several at once. Reads the frame in place when its first buffer holds all of it, otherwise
 * gathers it from the buffer chain. Returns 1 (we call NdisReturnPackets once, later) when the
 * binding holds packets and NDIS let us keep this one, else 0. */
INT ProbeReceivePacket(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet)
{
    PPROBE_BINDING Binding = (PPROBE_BINDING)ProtocolBindingContext;
    UCHAR Gathered[PROBE_MAX_FRAME];
    PNDIS_BUFFER First;
    PVOID FirstVa;
    UINT FirstLength;
    UINT Total;
    const UCHAR *Frame;
    BOOLEAN Held = FALSE;

    if (Binding->ReceiveMode == PROBE_RECEIVE_COUNT) {
        Binding->BenchFrames[KeGetCurrentProcessorNumber() % PROBE_MAX_CPUS].Frames++;
        return 0;
    }
    NdisGetFirstBufferFromPacketSafe(Packet, &First, &FirstVa, &FirstLength, &Total, NormalPagePriority);
    if (FirstVa == NULL || Total < PROBE_HEADER_BYTES) {
        ProbeCountOther(Binding);
        return 0;
    }
    if (FirstLength >= Total) {
        Frame = (const UCHAR *)FirstVa;
    } else {
        Total = ProbeCopyFromPacket(Packet, Gathered, Total < sizeof(Gathered) ? Total : sizeof(Gathered));
        Frame = Gathered;
    }

    if (ProbeIsProbeFrame(Frame))
        ProbeAccountFrame(Binding, Frame + PROBE_HEADER_BYTES, Total - PROBE_HEADER_BYTES, ProbeRxViaReceivePacket);
    else
        ProbeCountOther(Binding);

    /* Seed §2.7.1.1: a packet indicated with NDIS_STATUS_RESOURCES must be copied, not kept. */
    if (Binding->ReceiveMode == PROBE_RECEIVE_HOLD && NDIS_GET_PACKET_STATUS(Packet) != NDIS_STATUS_RESOURCES) {
        NdisAcquireSpinLock(&Binding->RecvLock);
        if (!Binding->Closing && Binding->HeldCount < Binding->Config.HoldLimit) {
            Binding->Held[Binding->HeldCount++] = Packet;
            Held = TRUE;
        }
        NdisReleaseSpinLock(&Binding->RecvLock);
    }
    return Held ? 1 : 0;
}

/* IRQL <= DISPATCH_LEVEL. A transfer into Packet ended: check what arrived, recycle the packet
 * (unchain, NdisReinitializePacket: seed §2.5.1) and drop the transfer's reference. */
static VOID ProbeTransferDone(PPROBE_BINDING Binding, PNDIS_PACKET Packet, NDIS_STATUS Status, UINT BytesTransferred)
{
    PPROBE_PACKET_RESERVED Reserved = PROBE_RESERVED(Packet);
    PNDIS_BUFFER Buffer;

    if (Status == NDIS_STATUS_SUCCESS)
        ProbeAccountFrame(Binding, Reserved->Frame + PROBE_HEADER_BYTES, BytesTransferred, ProbeRxViaReceive);
    else
        ProbeCountDropped(Binding);

    NdisUnchainBufferAtFront(Packet, &Buffer);
    NdisReinitializePacket(Packet);
    NdisAcquireSpinLock(&Binding->RecvLock);
    Reserved->Next = Binding->FreeTransfers;
    Binding->FreeTransfers = Packet;
    NdisReleaseSpinLock(&Binding->RecvLock);
    ProbeDereference(Binding);
}

/* ProtocolReceive (ndis.h) — seed 003 §2.7.1.2 — DISPATCH_LEVEL. With the whole frame in the
 * lookahead the frame is checked in place. Otherwise the header is saved and NdisTransferData,
 * called once and here as the seed requires, copies the data (ByteOffset 0 = the first byte
 * after the header) into a preallocated packet. Frames of other EtherTypes are refused with
 * NDIS_STATUS_NOT_ACCEPTED. */
NDIS_STATUS ProbeReceive(NDIS_HANDLE ProtocolBindingContext, NDIS_HANDLE MacReceiveContext, PVOID HeaderBuffer,
    UINT HeaderBufferSize, PVOID LookAheadBuffer, UINT LookaheadBufferSize, UINT PacketSize)
{
    PPROBE_BINDING Binding = (PPROBE_BINDING)ProtocolBindingContext;
    const UCHAR *Header = (const UCHAR *)HeaderBuffer;
    PPROBE_PACKET_RESERVED Reserved;
    PNDIS_PACKET Packet;
    NDIS_STATUS Status;
    UINT Transferred = 0;

    if (HeaderBufferSize != PROBE_HEADER_BYTES || !ProbeIsProbeFrame(Header)) {
        ProbeCountOther(Binding);
        return NDIS_STATUS_NOT_ACCEPTED;
    }
    if (LookaheadBufferSize >= PacketSize) {
        ProbeAccountFrame(Binding, (const UCHAR *)LookAheadBuffer, PacketSize, ProbeRxViaReceive);
        return NDIS_STATUS_SUCCESS;
    }
    if (PacketSize > PROBE_MAX_FRAME - PROBE_HEADER_BYTES || !ProbeReference(Binding)) {
        ProbeCountDropped(Binding);
        return NDIS_STATUS_NOT_ACCEPTED;
    }

    NdisAcquireSpinLock(&Binding->RecvLock);
    Packet = Binding->FreeTransfers;
    if (Packet != NULL) {
        Binding->FreeTransfers = PROBE_RESERVED(Packet)->Next;
        Binding->TransferDataCalls++;
    } else {
        Binding->ReceiveDropped++;
    }
    NdisReleaseSpinLock(&Binding->RecvLock);
    if (Packet == NULL) {
        ProbeDereference(Binding);
        return NDIS_STATUS_NOT_ACCEPTED;
    }

    Reserved = PROBE_RESERVED(Packet);
    NdisMoveMemory(Reserved->Frame, Header, PROBE_HEADER_BYTES);
    NdisAdjustBufferLength(Reserved->Buffer, PacketSize);
    NdisChainBufferAtFront(Packet, Reserved->Buffer);

    NdisTransferData(&Status, Binding->BindingHandle, MacReceiveContext, 0, PacketSize, Packet, &Transferred);
    if (Status == NDIS_STATUS_PENDING) {
        NdisAcquireSpinLock(&Binding->RecvLock);
        Binding->TransferDataPended++;
        NdisReleaseSpinLock(&Binding->RecvLock);
        return NDIS_STATUS_SUCCESS;
    }
    ProbeTransferDone(Binding, Packet, Status, Transferred);
    return NDIS_STATUS_SUCCESS;
}

/* ProtocolTransferDataComplete (ndis.h) — seed 003 §2.7.1.2 — DISPATCH_LEVEL. A pended
 * NdisTransferData finished. */
VOID ProbeTransferDataComplete(NDIS_HANDLE ProtocolBindingContext, PNDIS_PACKET Packet, NDIS_STATUS Status,
    UINT BytesTransferred)
{
    ProbeTransferDone((PPROBE_BINDING)ProtocolBindingContext, Packet, Status, BytesTransferred);
}

/* ProtocolReceiveComplete (ndis.h) — seed 003 §2.7.1.2 — DISPATCH_LEVEL. The probe checks each
 * frame as it arrives, so there is nothing queued to post-process; the call is counted. */
VOID ProbeReceiveComplete(NDIS_HANDLE ProtocolBindingContext)
{
    PPROBE_BINDING Binding = (PPROBE_BINDING)ProtocolBindingContext;

    NdisAcquireSpinLock(&Binding->RecvLock);
    Binding->ReceiveCompletes++;
    NdisReleaseSpinLock(&Binding->RecvLock);
}

/* IRQL <= DISPATCH_LEVEL. NdisReturnPackets on every held packet, PROBE_RETURN_CHUNK at a time;
 * returns how many. */
UINT ProbeReturnHeldPackets(PPROBE_BINDING Binding)
{
    PNDIS_PACKET Chunk[PROBE_RETURN_CHUNK];
    UINT Total = 0;

    for (;;) {
        UINT Count = 0;

        NdisAcquireSpinLock(&Binding->RecvLock);
        while (Count < PROBE_RETURN_CHUNK && Binding->HeldCount != 0)
            Chunk[Count++] = Binding->Held[--Binding->HeldCount];
        NdisReleaseSpinLock(&Binding->RecvLock);
        if (Count == 0)
            break;
        NdisReturnPackets(Chunk, Count);
        Total += Count;
    }
    return Total;
}
