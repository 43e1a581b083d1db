// list.cpp — interlocked lists (seed 003 §2.2): spin-lock protected LIST_ENTRY/SINGLE_LIST_ENTRY
// operations, and the lock-free sequenced SLIST on a 16-byte compare-exchange (cmpxchg16b) whose
// sequence number defeats ABA. Entries popped from an SLIST must stay mapped while other threads
// may still be popping: like Windows, a stale pop may read the Next field of a popped entry.
#include <ndis.h>

#include <cstdint>

#include "ntos/check.h"
#include "ntos/irql.h"

namespace strata::ntos {
namespace {

// Holds the driver's lock for one list operation at DISPATCH_LEVEL, through the exported calls
// so the verifier sees this use of the lock like any other.
class ListLock {
public:
    explicit ListLock(PKSPIN_LOCK lock) noexcept : lock_(lock), old_(KeAcquireSpinLockRaiseToDpc(lock)) {}
    ~ListLock() { KeReleaseSpinLock(lock_, old_); }
    ListLock(const ListLock&) = delete;
    ListLock& operator=(const ListLock&) = delete;

private:
    PKSPIN_LOCK lock_;
    KIRQL old_;
};

bool check_list(const void* head, const void* lock, const char* function) noexcept {
    return non_null(head, function) && non_null(lock, function);
}

// ---- SLIST: the header as two words, Alignment = Depth | Sequence << 16 and Region =
// NextEntry << 4 | Reserved, which is the entry's address since entries are 16-byte aligned.
struct SListWords {
    ULONGLONG alignment;
    ULONGLONG region;

    USHORT depth() const noexcept { return static_cast<USHORT>(alignment & 0xFFFF); }
    PSLIST_ENTRY first() const noexcept { return reinterpret_cast<PSLIST_ENTRY>(region & ~ULONGLONG{0xF}); }
    // Next header: every change bumps the 48-bit sequence, so a header that returns to the same
    // first entry after pops and pushes still compares different.
    SListWords with(PSLIST_ENTRY entry, USHORT new_depth) const noexcept {
        ULONGLONG sequence = (alignment >> 16) + 1;
        return {(sequence << 16) | new_depth, reinterpret_cast<ULONGLONG>(entry) | (region & 0xF)};
    }
};

using SListImage = unsigned __int128 __attribute__((may_alias));

// Halves read separately may be torn; the compare-exchange then fails and the caller retries.
SListWords read_header(const SLIST_HEADER* header) noexcept {
    return {__atomic_load_n(&header->Alignment, __ATOMIC_ACQUIRE), __atomic_load_n(&header->Region, __ATOMIC_ACQUIRE)};
}

// cmpxchg16b without compiling the whole library with -mcx16; on failure `expected` is refreshed.
// noinline: clang would otherwise inline it into callers without cx16 and emit a libatomic call.
__attribute__((target("cx16"), noinline)) bool compare_exchange(PSLIST_HEADER header, SListWords& expected,
                                                      SListWords desired) noexcept {
    auto pack = [](SListWords w) { return (static_cast<unsigned __int128>(w.region) << 64) | w.alignment; };
    unsigned __int128 old = pack(expected);
    unsigned __int128 seen = __sync_val_compare_and_swap(reinterpret_cast<SListImage*>(header), old, pack(desired));
    if (seen == old) return true;
    expected = {static_cast<ULONGLONG>(seen), static_cast<ULONGLONG>(seen >> 64)};
    return false;
}

bool aligned16(const void* p) noexcept { return (reinterpret_cast<std::uintptr_t>(p) & 0xF) == 0; }

}  // namespace
}  // namespace strata::ntos

using namespace strata::ntos;
namespace verifier = strata::verifier;

/* ExInterlockedInsertHeadList (wdm.h) — seed 003 §2.2 — any IRQL <= DISPATCH_LEVEL; returns the
 * previous first entry, NULL if the list was empty */
extern "C" PLIST_ENTRY NTAPI ExInterlockedInsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry, PKSPIN_LOCK Lock) {
    if (!check_list(ListHead, Lock, "ExInterlockedInsertHeadList") || !non_null(ListEntry, "ExInterlockedInsertHeadList"))
        return nullptr;
    ListLock guard(Lock);
    PLIST_ENTRY first = IsListEmpty(ListHead) ? nullptr : ListHead->Flink;
    InsertHeadList(ListHead, ListEntry);
    return first;
}

/* ExInterlockedInsertTailList (wdm.h) — seed 003 §2.2 — any IRQL <= DISPATCH_LEVEL; returns the
 * previous last entry, NULL if the list was empty */
extern "C" PLIST_ENTRY NTAPI ExInterlockedInsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry, PKSPIN_LOCK Lock) {
    if (!check_list(ListHead, Lock, "ExInterlockedInsertTailList") || !non_null(ListEntry, "ExInterlockedInsertTailList"))
        return nullptr;
    ListLock guard(Lock);
    PLIST_ENTRY last = IsListEmpty(ListHead) ? nullptr : ListHead->Blink;
    InsertTailList(ListHead, ListEntry);
    return last;
}

/* ExInterlockedRemoveHeadList (wdm.h) — seed 003 §2.2 — any IRQL <= DISPATCH_LEVEL; NULL if empty */
extern "C" PLIST_ENTRY NTAPI ExInterlockedRemoveHeadList(PLIST_ENTRY ListHead, PKSPIN_LOCK Lock) {
    if (!check_list(ListHead, Lock, "ExInterlockedRemoveHeadList")) return nullptr;
    ListLock guard(Lock);
    return IsListEmpty(ListHead) ? nullptr : RemoveHeadList(ListHead);
}

/* ExInterlockedPushEntryList (wdm.h) — seed 003 §2.2 — any IRQL <= DISPATCH_LEVEL; returns the
 * previous first entry */
extern "C" PSINGLE_LIST_ENTRY NTAPI ExInterlockedPushEntryList(PSINGLE_LIST_ENTRY ListHead, PSINGLE_LIST_ENTRY ListEntry,
                                                              PKSPIN_LOCK Lock) {
    if (!check_list(ListHead, Lock, "ExInterlockedPushEntryList") || !non_null(ListEntry, "ExInterlockedPushEntryList"))
        return nullptr;
    ListLock guard(Lock);
    PSINGLE_LIST_ENTRY first = ListHead->Next;
    PushEntryList(ListHead, ListEntry);
    return first;
}

/* ExInterlockedPopEntryList (wdm.h) — seed 003 §2.2 — any IRQL <= DISPATCH_LEVEL; NULL if empty */
extern "C" PSINGLE_LIST_ENTRY NTAPI ExInterlockedPopEntryList(PSINGLE_LIST_ENTRY ListHead, PKSPIN_LOCK Lock) {
    if (!check_list(ListHead, Lock, "ExInterlockedPopEntryList")) return nullptr;
    ListLock guard(Lock);
    return PopEntryList(ListHead);
}

/* NdisInterlockedInsertHeadList (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" PLIST_ENTRY NdisInterlockedInsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry,
                                                     PNDIS_SPIN_LOCK SpinLock) {
    if (!non_null(SpinLock, "NdisInterlockedInsertHeadList")) return nullptr;
    return ExInterlockedInsertHeadList(ListHead, ListEntry, &SpinLock->SpinLock);
}

/* NdisInterlockedInsertTailList (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" PLIST_ENTRY NdisInterlockedInsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry,
                                                     PNDIS_SPIN_LOCK SpinLock) {
    if (!non_null(SpinLock, "NdisInterlockedInsertTailList")) return nullptr;
    return ExInterlockedInsertTailList(ListHead, ListEntry, &SpinLock->SpinLock);
}

/* NdisInterlockedRemoveHeadList (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" PLIST_ENTRY NdisInterlockedRemoveHeadList(PLIST_ENTRY ListHead, PNDIS_SPIN_LOCK SpinLock) {
    if (!non_null(SpinLock, "NdisInterlockedRemoveHeadList")) return nullptr;
    return ExInterlockedRemoveHeadList(ListHead, &SpinLock->SpinLock);
}

/* NdisInterlockedPushEntryList (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" PSINGLE_LIST_ENTRY NdisInterlockedPushEntryList(PSINGLE_LIST_ENTRY ListHead, PSINGLE_LIST_ENTRY ListEntry,
                                                          PNDIS_SPIN_LOCK Lock) {
    if (!non_null(Lock, "NdisInterlockedPushEntryList")) return nullptr;
    return ExInterlockedPushEntryList(ListHead, ListEntry, &Lock->SpinLock);
}

/* NdisInterlockedPopEntryList (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" PSINGLE_LIST_ENTRY NdisInterlockedPopEntryList(PSINGLE_LIST_ENTRY ListHead, PNDIS_SPIN_LOCK Lock) {
    if (!non_null(Lock, "NdisInterlockedPopEntryList")) return nullptr;
    return ExInterlockedPopEntryList(ListHead, &Lock->SpinLock);
}

/* NdisInterlockedAddUlong (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisInterlockedAddUlong(PULONG Addend, ULONG Increment, PNDIS_SPIN_LOCK SpinLock) {
    if (!check_list(Addend, SpinLock, "NdisInterlockedAddUlong")) return;
    ListLock guard(&SpinLock->SpinLock);
    *Addend += Increment;
}

/* NdisInterlockedAddLargeInteger (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL; returns the
 * value before the addition */
extern "C" LARGE_INTEGER NdisInterlockedAddLargeInteger(PLARGE_INTEGER Addend, ULONG Increment, PKSPIN_LOCK Lock) {
    LARGE_INTEGER before{};
    if (!check_list(Addend, Lock, "NdisInterlockedAddLargeInteger")) return before;
    ListLock guard(Lock);
    before = *Addend;
    Addend->QuadPart += Increment;
    return before;
}

/* InitializeSListHead (wdm.h) — seed 003 §2.2 — any IRQL; the header must be 16-byte aligned */
extern "C" VOID NTAPI InitializeSListHead(PSLIST_HEADER SListHead) {
    if (!non_null(SListHead, "InitializeSListHead")) return;
    if (!aligned16(SListHead))
        report_violation(verifier::Rule::BadCall, SListHead, "InitializeSListHead", "SLIST_HEADER is not 16-byte aligned");
    SListHead->Alignment = 0;
    SListHead->Region = 0;
}

/* InterlockedPushEntrySList (wdm.h) — seed 003 §2.2 — any IRQL; returns the previous first entry.
 * The entry must be 16-byte aligned (SLIST_ENTRY is declared so). */
extern "C" PSLIST_ENTRY NTAPI InterlockedPushEntrySList(PSLIST_HEADER ListHead, PSLIST_ENTRY ListEntry) {
    if (!non_null(ListHead, "InterlockedPushEntrySList") || !non_null(ListEntry, "InterlockedPushEntrySList"))
        return nullptr;
    if (!aligned16(ListEntry)) {
        report_violation(verifier::Rule::BadCall, ListEntry, "InterlockedPushEntrySList",
               "entry is not 16-byte aligned; not pushed");
        return nullptr;
    }
    SListWords seen = read_header(ListHead);
    for (;;) {
        __atomic_store_n(&ListEntry->Next, seen.first(), __ATOMIC_RELAXED);
        if (compare_exchange(ListHead, seen, seen.with(ListEntry, static_cast<USHORT>(seen.depth() + 1))))
            return seen.first();
    }
}

/* InterlockedPopEntrySList (wdm.h) — seed 003 §2.2 — any IRQL; NULL if empty */
extern "C" PSLIST_ENTRY NTAPI InterlockedPopEntrySList(PSLIST_HEADER ListHead) {
    if (!non_null(ListHead, "InterlockedPopEntrySList")) return nullptr;
    SListWords seen = read_header(ListHead);
    for (;;) {
        PSLIST_ENTRY first = seen.first();
        if (first == nullptr) return nullptr;
        PSLIST_ENTRY next = __atomic_load_n(&first->Next, __ATOMIC_RELAXED);
        if (compare_exchange(ListHead, seen, seen.with(next, static_cast<USHORT>(seen.depth() - 1)))) return first;
    }
}

/* InterlockedFlushSList (wdm.h) — seed 003 §2.2 — any IRQL; returns the former chain, NULL if empty */
extern "C" PSLIST_ENTRY NTAPI InterlockedFlushSList(PSLIST_HEADER ListHead) {
    if (!non_null(ListHead, "InterlockedFlushSList")) return nullptr;
    SListWords seen = read_header(ListHead);
    for (;;) {
        PSLIST_ENTRY first = seen.first();
        if (first == nullptr) return nullptr;
        if (compare_exchange(ListHead, seen, seen.with(nullptr, 0))) return first;
    }
}

/* QueryDepthSList (wdm.h) — seed 003 §2.2 — any IRQL */
extern "C" USHORT NTAPI QueryDepthSList(PSLIST_HEADER SListHead) {
    if (!non_null(SListHead, "QueryDepthSList")) return 0;
    return read_header(SListHead).depth();
}
