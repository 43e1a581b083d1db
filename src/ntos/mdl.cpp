// mdl.cpp — memory descriptor lists (seed 003 §2.5: NDIS_BUFFER is an MDL). User space has one
// address space, so an MDL's "page frame numbers" are virtual page numbers and every MDL is mapped.
#include <wdm.h>

#include <cstdint>

#include "ntos/check.h"
#include "ntos/irql.h"
#include "ntos/pool.h"
#include "verifier/fault.h"

namespace strata::ntos {
namespace {

// MDL.Size is a CSHORT: the largest MDL (and so the longest buffer) it can describe.
constexpr SIZE_T kMaxMdlSize = 0x7FFF;

SIZE_T pfn_slots(const MDL& mdl) noexcept {
    auto size = static_cast<SIZE_T>(static_cast<USHORT>(mdl.Size));
    return size > sizeof(MDL) ? (size - sizeof(MDL)) / sizeof(PFN_NUMBER) : 0;
}

}  // namespace
}  // namespace strata::ntos

using namespace strata::ntos;

/* MmSizeOfMdl (wdm.h) — seed 003 §2.5 — any IRQL */
extern "C" SIZE_T NTAPI MmSizeOfMdl(PVOID Base, SIZE_T Length) {
    return sizeof(MDL) + sizeof(PFN_NUMBER) * ADDRESS_AND_SIZE_TO_SPAN_PAGES(Base, Length);
}

/* IoAllocateMdl (wdm.h) — seed 003 §2.5, seeds 000/002 (WSK buffers) — IRQL <= DISPATCH_LEVEL;
 * NULL when out of memory or when the buffer is too long for one MDL. With an Irp, the MDL becomes
 * Irp->MdlAddress (SecondaryBuffer FALSE) or is chained at the end of Irp->MdlAddress's chain
 * (TRUE). The IRP does not own it: the driver frees each MDL of a chain with IoFreeMdl. */
extern "C" PMDL NTAPI IoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota,
                                    struct _IRP* Irp) {
    (void)ChargeQuota;
    irql_at_most(DISPATCH_LEVEL, "IoAllocateMdl", VirtualAddress);
    if (SecondaryBuffer && Irp == nullptr)
        report_violation(strata::verifier::Rule::BadCall, VirtualAddress, "IoAllocateMdl",
                         "SecondaryBuffer is TRUE without an IRP; ignored");
    SIZE_T size = MmSizeOfMdl(VirtualAddress, Length);
    if (size > kMaxMdlSize) return nullptr;
    if (strata::verifier::fault::should_fail(strata::verifier::fault::FaultCall::IoAllocateMdl)) return nullptr;
    auto* mdl = static_cast<PMDL>(pool_allocate(size, kTagMdl));
    if (mdl == nullptr) return nullptr;
    MmInitializeMdl(mdl, VirtualAddress, Length);
    if (Irp != nullptr) {
        PMDL* link = &Irp->MdlAddress;
        if (SecondaryBuffer)
            while (*link != nullptr) link = &(*link)->Next;
        *link = mdl;
    }
    return mdl;
}

/* IoFreeMdl (wdm.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NTAPI IoFreeMdl(PMDL Mdl) {
    irql_at_most(DISPATCH_LEVEL, "IoFreeMdl", Mdl);
    pool_free(Mdl, kTagMdl, 0, "IoFreeMdl");
}

/* MmBuildMdlForNonPagedPool (wdm.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL. Fills the page
 * array and sets MappedSystemVa to the buffer's address. */
extern "C" VOID NTAPI MmBuildMdlForNonPagedPool(PMDL MemoryDescriptorList) {
    if (!non_null(MemoryDescriptorList, "MmBuildMdlForNonPagedPool")) return;
    irql_at_most(DISPATCH_LEVEL, "MmBuildMdlForNonPagedPool", MemoryDescriptorList);
    MDL& mdl = *MemoryDescriptorList;
    PVOID address = MmGetMdlVirtualAddress(&mdl);
    mdl.MappedSystemVa = address;
    mdl.MdlFlags = static_cast<CSHORT>(mdl.MdlFlags | MDL_SOURCE_IS_NONPAGED_POOL);
    SIZE_T pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(address, mdl.ByteCount);
    SIZE_T slots = pfn_slots(mdl);
    PPFN_NUMBER pfns = MmGetMdlPfnArray(&mdl);
    auto first = reinterpret_cast<std::uintptr_t>(mdl.StartVa) >> PAGE_SHIFT;
    for (SIZE_T i = 0; i < pages && i < slots; ++i) pfns[i] = first + i;
}
