/* hooks.c — the test and benchmark hooks of afpacket.sys declared in afpacket_hooks.h (issue 6,
 * deliverables 5 and 6): find the adapter driving an interface, read its counters, name the
 * processor that serves it. */
#include "afpacket.h"

PVOID AfpFindAdapter(const char *InterfaceName)
{
    PAFP_ADAPTER Found = NULL;
    PLIST_ENTRY Entry;

    if (InterfaceName == NULL)
        return NULL;
    NdisAcquireSpinLock(&AfpDriver.Lock);
    for (Entry = AfpDriver.Adapters.Flink; Entry != &AfpDriver.Adapters; Entry = Entry->Flink) {
        PAFP_ADAPTER Adapter = CONTAINING_RECORD(Entry, AFP_ADAPTER, Link);
        UINT i;

        for (i = 0; i < AFP_IFNAME_BYTES && Adapter->Config.Interface[i] == InterfaceName[i]; i++)
            if (InterfaceName[i] == '\0') {
                Found = Adapter;
                break;
            }
        if (Found != NULL)
            break;
    }
    NdisReleaseSpinLock(&AfpDriver.Lock);
    return Found;
}

VOID AfpGetStats(PVOID AdapterHandle, AFP_STATS *Stats)
{
    PAFP_ADAPTER Adapter = (PAFP_ADAPTER)AdapterHandle;

    if (Adapter == NULL || Stats == NULL)
        return;
    NdisZeroMemory(Stats, sizeof(*Stats));
    Stats->RxFrames = Adapter->RxFrames;
    Stats->RxBytes = Adapter->RxBytes;
    Stats->RxIndicatedResources = Adapter->RxIndicatedResources;
    Stats->RxErrors = Adapter->RxErrors;
    Stats->RxBlocks = Adapter->RxBlocksWalked;
    Stats->RxChecksummed = Adapter->RxChecksummed;
    Stats->RxSegments = Adapter->RxSegments;
    Stats->RxCopied = Adapter->RxCopied;
    Stats->RxKernelDrops = KeGetCurrentIrql() == PASSIVE_LEVEL ? AfpReadKernelDrops(Adapter)
                                                               : (ULONG64)Adapter->RxKernelDrops;
    /* Less the adapter's own reference (until MiniportHalt drops it). */
    Stats->ReturnsOutstanding = Adapter->RxOutstanding > 0 ? (ULONG64)(Adapter->RxOutstanding - 1) : 0;
    NdisAcquireSpinLock(&Adapter->TxLock);
    Stats->TxFrames = Adapter->TxFrames;
    Stats->TxBytes = Adapter->TxBytes;
    Stats->TxErrors = Adapter->TxErrors;
    Stats->TxQueued = Adapter->TxQueued;
    Stats->TxWaiting = Adapter->TxWaitCount;
    NdisReleaseSpinLock(&Adapter->TxLock);
    Stats->TxKickErrors = (ULONG64)Adapter->TxKickErrors;
    Stats->MediaIndications = (ULONG64)Adapter->MediaIndications;
    Stats->RxPolledRuns = Adapter->RxPolledRuns;
}

ULONG AfpGetProcessor(PVOID AdapterHandle)
{
    PAFP_ADAPTER Adapter = (PAFP_ADAPTER)AdapterHandle;

    return Adapter == NULL ? 0xFFFFFFFFU : StrataGetIoEventProcessor(Adapter->PortEvent);
}
