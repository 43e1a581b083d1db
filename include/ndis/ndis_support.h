/* ndis/ndis_support.h — NDIS library support calls: memory, spin locks, events, timers, work items,
 * lists, strings, time, configuration and error logging (ndis.h), seed 003 §2.2, §2.3, §2.4.2. */
#ifndef STRATA_NDIS_SUPPORT_H
#define STRATA_NDIS_SUPPORT_H

/* ---- Memory -------------------------------------------------------------------------------- */
#define NDIS_MEMORY_CONTIGUOUS  0x00000001
#define NDIS_MEMORY_NONCACHED   0x00000002

#define NdisMoveMemory(Destination, Source, Length) RtlCopyMemory(Destination, Source, Length)
#define NdisZeroMemory(Destination, Length) RtlZeroMemory(Destination, Length)
#define NdisFillMemory(Destination, Length, Fill) RtlFillMemory(Destination, Length, Fill)
#define NdisEqualMemory(Source1, Source2, Length) RtlEqualMemory(Source1, Source2, Length)
#define NdisMoveMappedMemory(Destination, Source, Length) RtlCopyMemory(Destination, Source, Length)
#define NdisRetrieveUlong(Destination, Source) RtlCopyMemory((Destination), (Source), sizeof(ULONG))
#define NdisStoreUlong(Destination, Value) \
    do { ULONG strata_v_ = (ULONG)(Value); RtlCopyMemory((Destination), &strata_v_, sizeof(ULONG)); } while (0)
#define NDIS_STRING_CONST_LENGTH(s) (sizeof(s) - sizeof(WCHAR))

/* ---- Spin locks and synchronisation -------------------------------------------------------- */
#define NdisInterlockedIncrement(Addend) InterlockedIncrement(Addend)
#define NdisInterlockedDecrement(Addend) InterlockedDecrement(Addend)
#define NdisInterlockedExchange(Target, Value) InterlockedExchange(Target, Value)
#define NdisInterlockedCompareExchange(Destination, Exchange, Comparand) \
    InterlockedCompareExchange(Destination, Exchange, Comparand)
#define NdisInitializeListHead(_ListHead) InitializeListHead(_ListHead)
#define NdisInitializeSListHead(SListHead) InitializeSListHead(SListHead)
#define NdisQueryDepthSList(SListHead) QueryDepthSList(SListHead)
#define NdisInterlockedPushEntrySList(SListHead, SListEntry, Lock) InterlockedPushEntrySList(SListHead, SListEntry)
#define NdisInterlockedPopEntrySList(SListHead, Lock) InterlockedPopEntrySList(SListHead)
#define NdisInterlockedFlushSList(SListHead) InterlockedFlushSList(SListHead)
#define NdisGetCurrentProcessorCpuUsage(pCpuUsage) (*(pCpuUsage) = 0)
#define NdisGetCurrentProcessorCounts(pIdleCount, pKernelAndUser, pIndex) \
    (*(pIdleCount) = 0, *(pKernelAndUser) = 0, *(pIndex) = KeGetCurrentProcessorNumber())

/* Lookaside lists: Microsoft's NdisXxxNPagedLookasideList are these macros over the Ex calls. */
#define NdisInitializeNPagedLookasideList(_L, _AR, _FR, _Fl, _S, _T, _D) \
    ExInitializeNPagedLookasideList((_L), (_AR), (_FR), (_Fl), (_S), (_T), (_D))
#define NdisDeleteNPagedLookasideList(_L) ExDeleteNPagedLookasideList(_L)
#define NdisAllocateFromNPagedLookasideList(_L) ExAllocateFromNPagedLookasideList(_L)
#define NdisFreeToNPagedLookasideList(_L, _E) ExFreeToNPagedLookasideList((_L), (_E))

/* Ethernet addresses (the filter section of Microsoft's ndis.h); any pointer type is accepted. */
#define ETH_IS_MULTICAST(Address) ((BOOLEAN)(((const UCHAR *)(Address))[0] & ((UCHAR)0x01)))
#define ETH_IS_BROADCAST(Address) \
    ((BOOLEAN)((((const UCHAR *)(Address))[0] & ((const UCHAR *)(Address))[1] & ((const UCHAR *)(Address))[2] & \
                ((const UCHAR *)(Address))[3] & ((const UCHAR *)(Address))[4] & ((const UCHAR *)(Address))[5]) == 0xff))
/* *Result: < 0, 0 or > 0 as A sorts before, equal to or after B (byte by byte). */
#define ETH_COMPARE_NETWORK_ADDRESSES(_A, _B, _Result) \
    (*(_Result) = memcmp((const void *)(_A), (const void *)(_B), ETH_LENGTH_OF_ADDRESS))
/* *Result: 0 when equal, non-zero otherwise. */
#define ETH_COMPARE_NETWORK_ADDRESSES_EQ(_A, _B, _Result) \
    (*(_Result) = (memcmp((const void *)(_A), (const void *)(_B), ETH_LENGTH_OF_ADDRESS) != 0))
#define ETH_COPY_NETWORK_ADDRESS(_D, _S) memcpy((void *)(_D), (const void *)(_S), ETH_LENGTH_OF_ADDRESS)

/* Work item */
#define NdisInitializeWorkItem(_WI_, _R_, _C_) \
    do { (_WI_)->Context = (_C_); (_WI_)->Routine = (_R_); } while (0)

/* Strings */
#define NdisFreeString(String) NdisFreeMemory((String).Buffer, (String).MaximumLength, 0)
#define NdisPrintString(String) DbgPrint("%ls", (String).Buffer)

STRATA_EXTERN_C_BEGIN

NDISAPI NDIS_STATUS NdisAllocateMemoryWithTag(PVOID *VirtualAddress, UINT Length, ULONG Tag);
NDISAPI NDIS_STATUS NdisAllocateMemory(PVOID *VirtualAddress, UINT Length, UINT MemoryFlags,
    NDIS_PHYSICAL_ADDRESS HighestAcceptableAddress);
NDISAPI VOID NdisFreeMemory(PVOID VirtualAddress, UINT Length, UINT MemoryFlags);

NDISAPI VOID NdisAllocateSpinLock(PNDIS_SPIN_LOCK SpinLock);
NDISAPI VOID NdisFreeSpinLock(PNDIS_SPIN_LOCK SpinLock);
NDISAPI VOID NdisAcquireSpinLock(PNDIS_SPIN_LOCK SpinLock);
NDISAPI VOID NdisReleaseSpinLock(PNDIS_SPIN_LOCK SpinLock);
NDISAPI VOID NdisDprAcquireSpinLock(PNDIS_SPIN_LOCK SpinLock);
NDISAPI VOID NdisDprReleaseSpinLock(PNDIS_SPIN_LOCK SpinLock);

/* Read/write lock: IRQL <= DISPATCH_LEVEL, returns at DISPATCH_LEVEL until released. Readers on
 * different processors run together; a thread may take the read lock again while it holds it. */
NDISAPI VOID NdisInitializeReadWriteLock(PNDIS_RW_LOCK Lock);
NDISAPI VOID NdisAcquireReadWriteLock(PNDIS_RW_LOCK Lock, BOOLEAN fWrite, PLOCK_STATE LockState);
NDISAPI VOID NdisReleaseReadWriteLock(PNDIS_RW_LOCK Lock, PLOCK_STATE LockState);

NDISAPI VOID NdisInitializeEvent(PNDIS_EVENT Event);
NDISAPI VOID NdisSetEvent(PNDIS_EVENT Event);
NDISAPI VOID NdisResetEvent(PNDIS_EVENT Event);
/* MsToWait 0 waits forever; returns TRUE when the event was signalled. */
NDISAPI BOOLEAN NdisWaitEvent(PNDIS_EVENT Event, UINT MsToWait);

NDISAPI VOID NdisInitializeTimer(PNDIS_TIMER Timer, PNDIS_TIMER_FUNCTION TimerFunction, PVOID FunctionContext);
NDISAPI VOID NdisSetTimer(PNDIS_TIMER Timer, UINT MillisecondsToDelay);
NDISAPI VOID NdisSetPeriodicTimer(PNDIS_TIMER NdisTimer, UINT MillisecondsPeriod);
NDISAPI VOID NdisCancelTimer(PNDIS_TIMER Timer, PBOOLEAN TimerCancelled);

NDISAPI NDIS_STATUS NdisScheduleWorkItem(PNDIS_WORK_ITEM WorkItem);

NDISAPI PLIST_ENTRY NdisInterlockedInsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry, PNDIS_SPIN_LOCK SpinLock);
NDISAPI PLIST_ENTRY NdisInterlockedInsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry, PNDIS_SPIN_LOCK SpinLock);
NDISAPI PLIST_ENTRY NdisInterlockedRemoveHeadList(PLIST_ENTRY ListHead, PNDIS_SPIN_LOCK SpinLock);
NDISAPI PSINGLE_LIST_ENTRY NdisInterlockedPushEntryList(PSINGLE_LIST_ENTRY ListHead, PSINGLE_LIST_ENTRY ListEntry,
    PNDIS_SPIN_LOCK Lock);
NDISAPI PSINGLE_LIST_ENTRY NdisInterlockedPopEntryList(PSINGLE_LIST_ENTRY ListHead, PNDIS_SPIN_LOCK Lock);
NDISAPI VOID NdisInterlockedAddUlong(PULONG Addend, ULONG Increment, PNDIS_SPIN_LOCK SpinLock);
NDISAPI LARGE_INTEGER NdisInterlockedAddLargeInteger(PLARGE_INTEGER Addend, ULONG Increment, PKSPIN_LOCK Lock);

NDISAPI VOID NdisInitUnicodeString(PNDIS_STRING DestinationString, PCWSTR SourceString);
NDISAPI VOID NdisInitAnsiString(PNDIS_ANSI_STRING DestinationString, PCSTR SourceString);
/* Allocates Destination->Buffer (free with NdisFreeString) from a NUL-terminated ANSI string. */
NDISAPI VOID NdisInitializeString(PNDIS_STRING Destination, PUCHAR Source);
NDISAPI BOOLEAN NdisEqualString(PNDIS_STRING String1, PNDIS_STRING String2, BOOLEAN CaseInsensitive);
NDISAPI BOOLEAN NdisEqualUnicodeString(PNDIS_STRING String1, PNDIS_STRING String2, BOOLEAN CaseInsensitive);
/* The destination buffer is the caller's (MaximumLength is honoured). */
NDISAPI NDIS_STATUS NdisAnsiStringToUnicodeString(PNDIS_STRING DestinationString, PNDIS_ANSI_STRING SourceString);
NDISAPI NDIS_STATUS NdisUnicodeStringToAnsiString(PNDIS_ANSI_STRING DestinationString, PNDIS_STRING SourceString);
NDISAPI NDIS_STATUS NdisUpcaseUnicodeString(PNDIS_STRING DestinationString, PNDIS_STRING SourceString);

NDISAPI VOID NdisGetCurrentSystemTime(PLARGE_INTEGER pSystemTime);
NDISAPI VOID NdisGetSystemUpTime(PULONG pSystemUpTime);
NDISAPI VOID NdisStallExecution(UINT MicrosecondsToStall);
NDISAPI VOID NdisMSleep(ULONG MicrosecondsToSleep);
NDISAPI CCHAR NdisSystemProcessorCount(VOID);
NDISAPI UINT NdisGetVersion(VOID);

/* ---- Configuration (registry) ----------------------------------------------------------------- */
NDISAPI VOID NdisOpenConfiguration(PNDIS_STATUS Status, PNDIS_HANDLE ConfigurationHandle,
    NDIS_HANDLE WrapperConfigurationContext);
NDISAPI VOID NdisOpenProtocolConfiguration(PNDIS_STATUS Status, PNDIS_HANDLE ConfigurationHandle,
    PNDIS_STRING ProtocolSection);
NDISAPI VOID NdisOpenConfigurationKeyByName(PNDIS_STATUS Status, NDIS_HANDLE ConfigurationHandle,
    PNDIS_STRING SubKeyName, PNDIS_HANDLE SubKeyHandle);
NDISAPI VOID NdisOpenConfigurationKeyByIndex(PNDIS_STATUS Status, NDIS_HANDLE ConfigurationHandle, ULONG Index,
    PNDIS_STRING KeyName, PNDIS_HANDLE KeyHandle);
NDISAPI VOID NdisReadConfiguration(PNDIS_STATUS Status, PNDIS_CONFIGURATION_PARAMETER *ParameterValue,
    NDIS_HANDLE ConfigurationHandle, PNDIS_STRING Keyword, NDIS_PARAMETER_TYPE ParameterType);
NDISAPI VOID NdisWriteConfiguration(PNDIS_STATUS Status, NDIS_HANDLE ConfigurationHandle, PNDIS_STRING Keyword,
    PNDIS_CONFIGURATION_PARAMETER ParameterValue);
NDISAPI VOID NdisCloseConfiguration(NDIS_HANDLE ConfigurationHandle);
NDISAPI VOID NdisReadNetworkAddress(PNDIS_STATUS Status, PVOID *NetworkAddress, PUINT NetworkAddressLength,
    NDIS_HANDLE ConfigurationHandle);

/* ---- Error log ------------------------------------------------------------------------------- */
NDISAPI VOID NdisWriteErrorLogEntry(NDIS_HANDLE NdisAdapterHandle, NDIS_ERROR_CODE ErrorCode,
    ULONG NumberOfErrorValues, ...);
/* LogHandle: the caller's DRIVER_OBJECT (or a DEVICE_OBJECT); StringsList: NumStrings NUL-terminated
 * UTF-16 strings one after another. Written to the host log. */
NDISAPI NDIS_STATUS NdisWriteEventLogEntry(PVOID LogHandle, NDIS_STATUS EventCode, ULONG UniqueEventValue,
    USHORT NumStrings, PVOID StringsList, ULONG DataSize, PVOID Data);

STRATA_EXTERN_C_END

/* C driver source passes typed out-pointers (PADAPT *, PWSTR *, PUCHAR *) where these take
 * PVOID *: Microsoft's C compiler converts them, gcc and clang warn (an error from gcc 14).
 * These macros do the conversion and call the function; C++ sees only the prototypes. */
#if !defined(__cplusplus) && !defined(STRATA_BUILDING_LIBRARY)
#define NdisAllocateMemoryWithTag(_VirtualAddress, _Length, _Tag) \
    (NdisAllocateMemoryWithTag)((PVOID *)(_VirtualAddress), (_Length), (_Tag))
#define NdisAllocateMemory(_VirtualAddress, _Length, _MemoryFlags, _HighestAcceptableAddress) \
    (NdisAllocateMemory)((PVOID *)(_VirtualAddress), (_Length), (_MemoryFlags), (_HighestAcceptableAddress))
#define NdisReadNetworkAddress(_Status, _NetworkAddress, _NetworkAddressLength, _ConfigurationHandle) \
    (NdisReadNetworkAddress)((_Status), (PVOID *)(_NetworkAddress), (_NetworkAddressLength), (_ConfigurationHandle))
#endif

#endif /* STRATA_NDIS_SUPPORT_H */
