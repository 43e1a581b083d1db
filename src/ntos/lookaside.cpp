// lookaside.cpp — nonpaged lookaside lists (wdm.h ExXxxNPagedLookasideList; ndis.h's
// NdisXxxNPagedLookasideList macros): fixed-size blocks cached on an SList in front of the pool.
// Allocation and freeing are the FORCEINLINE halves in wdm.h; this is their setup and teardown.
#include <wdm.h>

#include "ntos/check.h"
#include "ntos/irql.h"

namespace {

// The depth a list caches before handing frees back to the pool (Windows adjusts it between
// 4 and 256 with a scan; Strata keeps the maximum).
constexpr USHORT kLookasideDepth = 256;

PVOID NTAPI default_allocate(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag) {
    return ExAllocatePoolWithTag(PoolType, NumberOfBytes, Tag);
}

VOID NTAPI default_free(PVOID Buffer) { ExFreePool(Buffer); }

}  // namespace

using namespace strata::ntos;

/* ExInitializeNPagedLookasideList (wdm.h) — IRQL <= DISPATCH_LEVEL
 * Allocate/Free NULL select ExAllocatePoolWithTag/ExFreePool. Size is rounded up to an
 * SLIST_ENTRY (the free list links through the block); Flags and Depth are ignored. */
extern "C" VOID NTAPI ExInitializeNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PALLOCATE_FUNCTION Allocate,
                                                      PFREE_FUNCTION Free, ULONG Flags, SIZE_T Size, ULONG Tag,
                                                      USHORT Depth) {
    (void)Flags;
    (void)Depth;
    if (!non_null(Lookaside, "ExInitializeNPagedLookasideList")) return;
    irql_at_most(DISPATCH_LEVEL, "ExInitializeNPagedLookasideList", Lookaside);
    *Lookaside = NPAGED_LOOKASIDE_LIST{};
    InitializeSListHead(&Lookaside->L.ListHead);
    Lookaside->L.Depth = kLookasideDepth;
    Lookaside->L.MaximumDepth = kLookasideDepth;
    Lookaside->L.Type = NonPagedPool;
    Lookaside->L.Tag = Tag;
    Lookaside->L.Size = static_cast<ULONG>(Size < sizeof(SLIST_ENTRY) ? sizeof(SLIST_ENTRY) : Size);
    Lookaside->L.Allocate = Allocate != nullptr ? Allocate : default_allocate;
    Lookaside->L.Free = Free != nullptr ? Free : default_free;
    InitializeListHead(&Lookaside->L.ListEntry);
}

/* ExDeleteNPagedLookasideList (wdm.h) — IRQL <= DISPATCH_LEVEL
 * Hands every cached block to the list's Free routine. Blocks the driver still holds stay its
 * own (the pool's tag accounting names them at unload). */
extern "C" VOID NTAPI ExDeleteNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside) {
    if (!non_null(Lookaside, "ExDeleteNPagedLookasideList")) return;
    irql_at_most(DISPATCH_LEVEL, "ExDeleteNPagedLookasideList", Lookaside);
    PSLIST_ENTRY entry = InterlockedFlushSList(&Lookaside->L.ListHead);
    while (entry != nullptr) {
        PSLIST_ENTRY next = entry->Next;
        Lookaside->L.Free(entry);
        entry = next;
    }
}
