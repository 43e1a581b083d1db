// spin_lock.cpp — KSPIN_LOCK and NDIS_SPIN_LOCK (seed 003 §2.2). Without the verifier the lock
// word is 0/1; with it the word holds the owner's tag so misuse is reported instead of hanging.
#include <ndis.h>

#include <atomic>

#include "ntos/check.h"
#include "ntos/irql.h"
#include "ntos/spin_lock.h"

namespace strata::ntos {
namespace {

using verifier::Rule;

// Lock word of a lock acquired while the verifier was off: held, owner unknown.
constexpr ULONG_PTR kHeldAnonymously = 1;

std::atomic<ULONG_PTR> g_next_owner{1};
thread_local ULONG_PTR tls_owner_tag = 0;

// Odd and never 1, so it cannot be mistaken for a free or anonymously held lock.
ULONG_PTR owner_tag() noexcept {
    if (tls_owner_tag == 0) tls_owner_tag = (g_next_owner.fetch_add(1, std::memory_order_relaxed) << 1) | 1;
    return tls_owner_tag;
}

void report_misuse(const char* function, const KSPIN_LOCK* lock, const char* what) noexcept {
    report_violation(Rule::SpinLockMisuse, lock, function, what);
}

// Entry points that require DISPATCH_LEVEL already (the *AtDpcLevel family): below it the
// caller could be preempted by a DPC that takes the same lock on Windows.
void check_at_dispatch(const char* function, const KSPIN_LOCK* lock) noexcept {
    if (tls_irql < DISPATCH_LEVEL) report_misuse(function, lock, "called below DISPATCH_LEVEL");
}

void acquire(const char* function, KSPIN_LOCK* lock) noexcept {
    if (!verifier::enabled()) [[likely]] {
        spin_acquire(*lock, kHeldAnonymously);
        return;
    }
    ULONG_PTR me = owner_tag();
    if (__atomic_load_n(lock, __ATOMIC_RELAXED) == me) {
        report_misuse(function, lock, "recursive acquisition (would deadlock); lock stays held once");
        return;
    }
    spin_acquire(*lock, me);
}

bool try_acquire(const char* function, KSPIN_LOCK* lock) noexcept {
    if (!verifier::enabled()) [[likely]] return spin_try_acquire(*lock, kHeldAnonymously);
    ULONG_PTR me = owner_tag();
    if (__atomic_load_n(lock, __ATOMIC_RELAXED) == me) {
        report_misuse(function, lock, "recursive acquisition attempt");
        return false;
    }
    return spin_try_acquire(*lock, me);
}

void release(const char* function, KSPIN_LOCK* lock) noexcept {
    if (verifier::enabled()) {
        ULONG_PTR word = __atomic_load_n(lock, __ATOMIC_RELAXED);
        if (word == 0) {
            report_misuse(function, lock, "release of a lock that is not held; ignored");
            return;
        }
        // Windows lets another processor clear the word, so we do too, but say so.
        if (word != kHeldAnonymously && word != owner_tag())
            report_misuse(function, lock, "released by a thread that did not acquire it");
    }
    spin_release(*lock);
}

}  // namespace
}  // namespace strata::ntos

using namespace strata::ntos;

/* KeInitializeSpinLock (wdm.h) — seed 003 §2.2 — any IRQL */
extern "C" VOID NTAPI KeInitializeSpinLock(PKSPIN_LOCK SpinLock) {
    if (!non_null(SpinLock, "KeInitializeSpinLock")) return;
    __atomic_store_n(SpinLock, 0, __ATOMIC_RELEASE);
}

/* KeAcquireSpinLockRaiseToDpc (wdm.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" KIRQL NTAPI KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock) {
    KIRQL old = tls_irql;
    if (!non_null(SpinLock, "KeAcquireSpinLockRaiseToDpc")) return old;
    irql_at_most(DISPATCH_LEVEL, "KeAcquireSpinLockRaiseToDpc", SpinLock);
    if (old < DISPATCH_LEVEL) tls_irql = DISPATCH_LEVEL;
    acquire("KeAcquireSpinLockRaiseToDpc", SpinLock);
    return old;
}

/* KeReleaseSpinLock (wdm.h) — seed 003 §2.2 — IRQL == DISPATCH_LEVEL; restores NewIrql */
extern "C" VOID NTAPI KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql) {
    if (!non_null(SpinLock, "KeReleaseSpinLock")) return;
    check_at_dispatch("KeReleaseSpinLock", SpinLock);
    release("KeReleaseSpinLock", SpinLock);
    tls_irql = NewIrql;
}

/* KeAcquireSpinLockAtDpcLevel (wdm.h) — seed 003 §2.2 — IRQL >= DISPATCH_LEVEL */
extern "C" VOID NTAPI KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock) {
    if (!non_null(SpinLock, "KeAcquireSpinLockAtDpcLevel")) return;
    check_at_dispatch("KeAcquireSpinLockAtDpcLevel", SpinLock);
    acquire("KeAcquireSpinLockAtDpcLevel", SpinLock);
}

/* KeReleaseSpinLockFromDpcLevel (wdm.h) — seed 003 §2.2 — IRQL >= DISPATCH_LEVEL */
extern "C" VOID NTAPI KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock) {
    if (!non_null(SpinLock, "KeReleaseSpinLockFromDpcLevel")) return;
    check_at_dispatch("KeReleaseSpinLockFromDpcLevel", SpinLock);
    release("KeReleaseSpinLockFromDpcLevel", SpinLock);
}

/* KeTryToAcquireSpinLockAtDpcLevel (wdm.h) — seed 003 §2.2 — IRQL >= DISPATCH_LEVEL */
extern "C" BOOLEAN NTAPI KeTryToAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock) {
    if (!non_null(SpinLock, "KeTryToAcquireSpinLockAtDpcLevel")) return FALSE;
    check_at_dispatch("KeTryToAcquireSpinLockAtDpcLevel", SpinLock);
    return try_acquire("KeTryToAcquireSpinLockAtDpcLevel", SpinLock) ? TRUE : FALSE;
}

/* NdisAllocateSpinLock (ndis.h) — seed 003 §2.2 — IRQL == PASSIVE_LEVEL */
extern "C" VOID NdisAllocateSpinLock(PNDIS_SPIN_LOCK SpinLock) {
    if (!non_null(SpinLock, "NdisAllocateSpinLock")) return;
    KeInitializeSpinLock(&SpinLock->SpinLock);
    SpinLock->OldIrql = PASSIVE_LEVEL;
}

/* NdisFreeSpinLock (ndis.h) — seed 003 §2.2 — IRQL == PASSIVE_LEVEL */
extern "C" VOID NdisFreeSpinLock(PNDIS_SPIN_LOCK SpinLock) {
    if (!non_null(SpinLock, "NdisFreeSpinLock")) return;
    if (strata::verifier::enabled() && __atomic_load_n(&SpinLock->SpinLock, __ATOMIC_RELAXED) != 0)
        report_misuse("NdisFreeSpinLock", &SpinLock->SpinLock, "freed while held");
}

/* NdisAcquireSpinLock (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisAcquireSpinLock(PNDIS_SPIN_LOCK SpinLock) {
    if (!non_null(SpinLock, "NdisAcquireSpinLock")) return;
    // OldIrql belongs to the holder, so it is written only once the lock is ours.
    KIRQL old = KeAcquireSpinLockRaiseToDpc(&SpinLock->SpinLock);
    SpinLock->OldIrql = old;
}

/* NdisReleaseSpinLock (ndis.h) — seed 003 §2.2 — IRQL == DISPATCH_LEVEL */
extern "C" VOID NdisReleaseSpinLock(PNDIS_SPIN_LOCK SpinLock) {
    if (!non_null(SpinLock, "NdisReleaseSpinLock")) return;
    // Read before releasing: the next holder overwrites it.
    KIRQL old = SpinLock->OldIrql;
    KeReleaseSpinLock(&SpinLock->SpinLock, old);
}

/* NdisDprAcquireSpinLock (ndis.h) — seed 003 §2.2 — IRQL == DISPATCH_LEVEL */
extern "C" VOID NdisDprAcquireSpinLock(PNDIS_SPIN_LOCK SpinLock) {
    if (!non_null(SpinLock, "NdisDprAcquireSpinLock")) return;
    KeAcquireSpinLockAtDpcLevel(&SpinLock->SpinLock);
    SpinLock->OldIrql = DISPATCH_LEVEL;
}

/* NdisDprReleaseSpinLock (ndis.h) — seed 003 §2.2 — IRQL == DISPATCH_LEVEL */
extern "C" VOID NdisDprReleaseSpinLock(PNDIS_SPIN_LOCK SpinLock) {
    if (!non_null(SpinLock, "NdisDprReleaseSpinLock")) return;
    KeReleaseSpinLockFromDpcLevel(&SpinLock->SpinLock);
}
