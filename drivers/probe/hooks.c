/* hooks.c — the test and benchmark hooks of probe.sys declared in probe_hooks.h. Each takes a
 * binding reference for its duration (so ProtocolUnbindAdapter waits for it) and refuses a
 * binding that is unbinding; counter waits sleep on NDIS_EVENTs the data path sets
 * (seed 003 §2.4.3, §2.7.1, §2.8). */
#include "probe.h"

PVOID ProbeFindBinding(const char *DeviceNameUtf8)
{
    PPROBE_BINDING Found = NULL;
    PLIST_ENTRY Entry;

    if (DeviceNameUtf8 == NULL)
        return NULL;
    NdisAcquireSpinLock(&ProbeGlobals.Lock);
    for (Entry = ProbeGlobals.Bindings.Flink; Entry != &ProbeGlobals.Bindings; Entry = Entry->Flink) {
        PPROBE_BINDING Binding = CONTAINING_RECORD(Entry, PROBE_BINDING, Link);
        const CHAR *a = Binding->DeviceName;
        const char *b = DeviceNameUtf8;

        /* Device names are ASCII and, like NT object names, case-insensitive. */
        while (*a != '\0' && *b != '\0') {
            CHAR ca = (*a >= 'a' && *a <= 'z') ? (CHAR)(*a - 'a' + 'A') : *a;
            CHAR cb = (*b >= 'a' && *b <= 'z') ? (CHAR)(*b - 'a' + 'A') : *b;
            if (ca != cb)
                break;
            a++;
            b++;
        }
        if (*a == '\0' && *b == '\0') {
            Found = Binding;
            break;
        }
    }
    NdisReleaseSpinLock(&ProbeGlobals.Lock);
    return Found;
}

NDIS_STATUS ProbeRequest(PVOID Binding, NDIS_REQUEST_TYPE Type, NDIS_OID Oid, PVOID Buffer, UINT Length,
    PUINT BytesDone, PUINT BytesNeeded)
{
    PPROBE_BINDING B = (PPROBE_BINDING)Binding;
    NDIS_STATUS Status;

    if (B == NULL)
        return NDIS_STATUS_INVALID_DATA;
    if (!ProbeReference(B))
        return NDIS_STATUS_CLOSING;
    Status = ProbeDoRequest(B, Type, Oid, Buffer, Length, BytesDone, BytesNeeded);
    ProbeDereference(B);
    return Status;
}

NDIS_STATUS ProbeSend(PVOID Binding, const UCHAR Destination[6], UINT FrameSize, UINT Count, UINT Batch,
    ULONG PacketFlags)
{
    PPROBE_BINDING B = (PPROBE_BINDING)Binding;
    NDIS_STATUS Status;

    if (B == NULL)
        return NDIS_STATUS_INVALID_DATA;
    if (!ProbeReference(B))
        return NDIS_STATUS_CLOSING;
    Status = ProbeSendFrames(B, Destination, FrameSize, Count, Batch, PacketFlags);
    ProbeDereference(B);
    return Status;
}

NDIS_STATUS ProbeBenchSend(PVOID Binding, const UCHAR Destination[6], UINT Count, UINT Batch)
{
    PPROBE_BINDING B = (PPROBE_BINDING)Binding;
    NDIS_STATUS Status;

    if (B == NULL || !ProbeReference(B))
        return NDIS_STATUS_FAILURE;
    Status = ProbeBenchFrames(B, Destination, Count, Batch);
    ProbeDereference(B);
    return Status;
}

VOID ProbeSetReceiveMode(PVOID Binding, ULONG Mode)
{
    PPROBE_BINDING B = (PPROBE_BINDING)Binding;

    if (B != NULL)
        B->ReceiveMode = (Mode == PROBE_RECEIVE_HOLD || Mode == PROBE_RECEIVE_COUNT) ? Mode : PROBE_RECEIVE_COPY;
}

UINT ProbeReturnHeld(PVOID Binding)
{
    PPROBE_BINDING B = (PPROBE_BINDING)Binding;
    UINT Returned;

    if (B == NULL || !ProbeReference(B))
        return 0;
    Returned = ProbeReturnHeldPackets(B);
    ProbeDereference(B);
    return Returned;
}

VOID ProbeGetStats(PVOID Binding, PROBE_STATS *Stats)
{
    PPROBE_BINDING B = (PPROBE_BINDING)Binding;
    UINT Cpu;

    if (Stats == NULL)
        return;
    NdisZeroMemory(Stats, sizeof(*Stats));
    if (B == NULL || !ProbeReference(B))
        return;

    NdisAcquireSpinLock(&B->SendLock);
    Stats->SendsRequested = B->SendsRequested;
    Stats->SendsCompleted = B->SendsCompleted;
    Stats->SendsFailed = B->SendsFailed;
    Stats->LastSendStatus = B->LastSendStatus;
    NdisReleaseSpinLock(&B->SendLock);

    NdisAcquireSpinLock(&B->RecvLock);
    Stats->ReceivedFrames = B->ReceivedFrames;
    Stats->ReceivedBytes = B->ReceivedBytes;
    Stats->ReceivedViaReceivePacket = B->ReceivedViaReceivePacket;
    Stats->ReceivedViaReceive = B->ReceivedViaReceive;
    Stats->TransferDataCalls = B->TransferDataCalls;
    Stats->TransferDataPended = B->TransferDataPended;
    Stats->SequenceErrors = B->SequenceErrors;
    Stats->PayloadErrors = B->PayloadErrors;
    Stats->OtherFrames = B->OtherFrames;
    Stats->ReceiveCompletes = B->ReceiveCompletes;
    Stats->HeldPackets = B->HeldCount;
    Stats->ReceiveDropped = B->ReceiveDropped;
    for (Cpu = 0; Cpu < PROBE_MAX_CPUS; Cpu++)
        Stats->BenchFrames += B->BenchFrames[Cpu].Frames;
    NdisReleaseSpinLock(&B->RecvLock);

    NdisAcquireSpinLock(&B->Lock);
    Stats->StatusIndications = B->StatusIndications;
    Stats->LastStatus = B->LastStatus;
    Stats->StatusCompletes = B->StatusCompletes;
    Stats->ResetCompletes = B->ResetCompletes;
    NdisReleaseSpinLock(&B->Lock);

    ProbeDereference(B);
}

VOID ProbeResetStats(PVOID Binding)
{
    PPROBE_BINDING B = (PPROBE_BINDING)Binding;

    if (B == NULL || !ProbeReference(B))
        return;

    NdisAcquireSpinLock(&B->SendLock);
    B->SendsRequested = B->SendsCompleted = B->SendsFailed = B->LastSendStatus = 0;
    NdisReleaseSpinLock(&B->SendLock);

    NdisAcquireSpinLock(&B->RecvLock);
    B->ReceivedFrames = B->ReceivedBytes = 0;
    B->ReceivedViaReceivePacket = B->ReceivedViaReceive = 0;
    B->TransferDataCalls = B->TransferDataPended = 0;
    B->SequenceErrors = B->PayloadErrors = B->OtherFrames = 0;
    B->ReceiveCompletes = B->ReceiveDropped = 0;
    NdisZeroMemory(B->BenchFrames, sizeof(B->BenchFrames));
    NdisZeroMemory(B->Senders, sizeof(B->Senders));
    B->SenderVictim = 0;
    NdisReleaseSpinLock(&B->RecvLock);

    NdisAcquireSpinLock(&B->Lock);
    B->StatusIndications = B->LastStatus = B->StatusCompletes = B->ResetCompletes = 0;
    NdisReleaseSpinLock(&B->Lock);

    ProbeDereference(B);
}

/* PASSIVE_LEVEL to wait (above it only the check is made). Waits until *Counter, guarded by
 * Lock, reaches Count. The waiter posts the smallest count any waiter wants in *Target; the
 * data path sets Event when the counter reaches it. Each wait is bounded by
 * PROBE_WAIT_SLICE_MS so that a wake-up taken by a concurrent waiter costs latency, never
 * correctness. */
static NDIS_STATUS ProbeWaitCounter(PPROBE_BINDING B, PNDIS_SPIN_LOCK Lock, const ULONG64 *Counter,
    ULONG64 *Target, PNDIS_EVENT Event, ULONG64 Count, UINT TimeoutMs)
{
    BOOLEAN CanWait = TimeoutMs != 0 && KeGetCurrentIrql() == PASSIVE_LEVEL;
    ULONG Start;

    NdisGetSystemUpTime(&Start);
    for (;;) {
        ULONG Now;
        ULONG Elapsed;
        UINT Slice;

        NdisGetSystemUpTime(&Now);
        Elapsed = Now - Start;
        NdisAcquireSpinLock(Lock);
        if (*Counter >= Count) {
            NdisReleaseSpinLock(Lock);
            return NDIS_STATUS_SUCCESS;
        }
        if (!CanWait || Elapsed >= TimeoutMs || B->Closing) {
            NdisReleaseSpinLock(Lock);
            return NDIS_STATUS_FAILURE;
        }
        if (*Target == 0 || Count < *Target)
            *Target = Count;
        NdisResetEvent(Event);
        NdisReleaseSpinLock(Lock);

        Slice = TimeoutMs - Elapsed;
        if (Slice > PROBE_WAIT_SLICE_MS)
            Slice = PROBE_WAIT_SLICE_MS;
        NdisWaitEvent(Event, Slice);
    }
}

NDIS_STATUS ProbeWaitReceived(PVOID Binding, ULONG64 Count, UINT TimeoutMs)
{
    PPROBE_BINDING B = (PPROBE_BINDING)Binding;
    NDIS_STATUS Status;

    if (B == NULL || !ProbeReference(B))
        return NDIS_STATUS_FAILURE;
    Status = ProbeWaitCounter(B, &B->RecvLock, &B->ReceivedFrames, &B->RecvWaitTarget, &B->RecvWaitEvent, Count,
        TimeoutMs);
    ProbeDereference(B);
    return Status;
}

NDIS_STATUS ProbeWaitSendsCompleted(PVOID Binding, ULONG64 Count, UINT TimeoutMs)
{
    PPROBE_BINDING B = (PPROBE_BINDING)Binding;
    NDIS_STATUS Status;

    if (B == NULL || !ProbeReference(B))
        return NDIS_STATUS_FAILURE;
    Status = ProbeWaitCounter(B, &B->SendLock, &B->SendsCompleted, &B->SendWaitTarget, &B->SendWaitEvent, Count,
        TimeoutMs);
    ProbeDereference(B);
    return Status;
}
