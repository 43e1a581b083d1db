// rw_lock.cpp — NDIS_RW_LOCK: NdisInitializeReadWriteLock, NdisAcquireReadWriteLock,
// NdisReleaseReadWriteLock (ndis.h; seed 003 §2.2 synchronisation). Readers count themselves in
// their processor's RefCount line and only look at the writers' spin lock; a writer takes the
// spin lock, then waits for the reader counts to drain. A thread may take the read lock again
// while it holds it (even with a writer waiting), as on Windows.
#include <array>

#include <ndis.h>

#include "ntos/check.h"
#include "ntos/irql.h"
#include "ntos/processor.h"
#include "ntos/spin_lock.h"

namespace {

using namespace strata::ntos;

// LOCK_STATE.LockState: how the lock was taken (and, for readers, in which RefCount line).
constexpr USHORT kReadState = 0x0100;   // | the RefCount index
constexpr USHORT kWriteState = 0x0200;
constexpr USHORT kReleasedState = 0xFFFF;
constexpr unsigned kLines = MAXIMUM_PROCESSORS;

// The read locks this thread holds, so a nested read does not wait behind a waiting writer.
struct HeldRead {
    const NDIS_RW_LOCK* lock;
    unsigned depth;
};
thread_local std::array<HeldRead, 8> tls_held{};

HeldRead* held_entry(const NDIS_RW_LOCK* lock) noexcept {
    for (auto& held : tls_held)
        if (held.lock == lock) return &held;
    return nullptr;
}

void note_read(const NDIS_RW_LOCK* lock) noexcept {
    if (HeldRead* held = held_entry(lock)) {
        ++held->depth;
        return;
    }
    if (HeldRead* free = held_entry(nullptr)) *free = HeldRead{lock, 1};
}

void forget_read(const NDIS_RW_LOCK* lock) noexcept {
    if (HeldRead* held = held_entry(lock); held != nullptr && --held->depth == 0) held->lock = nullptr;
}

unsigned own_reads(const NDIS_RW_LOCK* lock) noexcept {
    const HeldRead* held = held_entry(lock);
    return held != nullptr ? held->depth : 0;
}

UINT& line(NDIS_RW_LOCK* lock, unsigned index) noexcept { return lock->RefCount[index].RefCount; }

unsigned readers(NDIS_RW_LOCK* lock) noexcept {
    unsigned total = 0;
    for (unsigned i = 0; i < kLines; ++i) total += __atomic_load_n(&line(lock, i), __ATOMIC_SEQ_CST);
    return total;
}

void pause_or_yield(unsigned& spins) noexcept {
    if (++spins < kSpinsBeforeYield) {
        __builtin_ia32_pause();
    } else {
        ::sched_yield();
        spins = 0;
    }
}

void acquire_read(NDIS_RW_LOCK* lock, LOCK_STATE* state) noexcept {
    unsigned index = current_processor_number() % kLines;
    UINT& count = line(lock, index);
    bool nested = own_reads(lock) != 0;
    for (;;) {
        __atomic_add_fetch(&count, 1, __ATOMIC_SEQ_CST);
        // A nested read proceeds: the writer waiting for it cannot hold the lock yet.
        if (nested || __atomic_load_n(&lock->SpinLock, __ATOMIC_SEQ_CST) == 0) break;
        __atomic_sub_fetch(&count, 1, __ATOMIC_SEQ_CST);
        spin_until_free(lock->SpinLock);
    }
    note_read(lock);
    state->LockState = static_cast<USHORT>(kReadState | index);
}

void acquire_write(NDIS_RW_LOCK* lock, LOCK_STATE* state) noexcept {
    (void)KeAcquireSpinLockRaiseToDpc(&lock->SpinLock);
    // The thread's own read holds (Windows lets a reader on this processor take the write lock).
    unsigned mine = own_reads(lock);
    unsigned spins = 0;
    while (readers(lock) != mine) pause_or_yield(spins);
    state->LockState = kWriteState;
}

}  // namespace

/* NdisInitializeReadWriteLock (ndis.h) — seed 003 §2.2 — any IRQL */
extern "C" VOID NdisInitializeReadWriteLock(PNDIS_RW_LOCK Lock) {
    if (!non_null(Lock, "NdisInitializeReadWriteLock")) return;
    *Lock = NDIS_RW_LOCK{};
    KeInitializeSpinLock(&Lock->SpinLock);
}

/* NdisAcquireReadWriteLock (ndis.h) — seed 003 §2.2 — IRQL <= DISPATCH_LEVEL; returns at
 * DISPATCH_LEVEL until NdisReleaseReadWriteLock. fWrite TRUE: exclusive; FALSE: shared. Each
 * acquisition needs its own LockState. */
extern "C" VOID NdisAcquireReadWriteLock(PNDIS_RW_LOCK Lock, BOOLEAN fWrite, PLOCK_STATE LockState) {
    if (!non_null(Lock, "NdisAcquireReadWriteLock") || !non_null(LockState, "NdisAcquireReadWriteLock")) return;
    irql_at_most(DISPATCH_LEVEL, "NdisAcquireReadWriteLock", Lock);
    KIRQL old = tls_irql;
    if (fWrite) {
        acquire_write(Lock, LockState);
    } else {
        if (old < DISPATCH_LEVEL) tls_irql = DISPATCH_LEVEL;
        acquire_read(Lock, LockState);
    }
    LockState->OldIrql = old;
}

/* NdisReleaseReadWriteLock (ndis.h) — seed 003 §2.2 — IRQL == DISPATCH_LEVEL; restores the IRQL
 * the matching NdisAcquireReadWriteLock found. */
extern "C" VOID NdisReleaseReadWriteLock(PNDIS_RW_LOCK Lock, PLOCK_STATE LockState) {
    if (!non_null(Lock, "NdisReleaseReadWriteLock") || !non_null(LockState, "NdisReleaseReadWriteLock")) return;
    USHORT taken = LockState->LockState;
    KIRQL old = LockState->OldIrql;
    if (taken == kWriteState) {
        LockState->LockState = kReleasedState;
        KeReleaseSpinLock(&Lock->SpinLock, old);
        return;
    }
    if ((taken & 0xFF00) != kReadState || (taken & 0x00FF) >= kLines) {
        report_violation(strata::verifier::Rule::SpinLockMisuse, Lock, "NdisReleaseReadWriteLock",
                         taken == kReleasedState ? "this LockState was already released"
                                                 : "LockState does not come from NdisAcquireReadWriteLock");
        return;
    }
    LockState->LockState = kReleasedState;
    forget_read(Lock);
    __atomic_sub_fetch(&line(Lock, taken & 0x00FF), 1, __ATOMIC_SEQ_CST);
    tls_irql = old;
}
