// system_info.cpp — what the system reports about itself: processor counts and numbers, the NDIS
// version (seed 003 §2.2, DESIGN.md "Execution model").
#include <ndis.h>

#include "ntos/processor.h"

using namespace strata::ntos;

/* KeGetCurrentProcessorNumber (wdm.h) — seed 003 §2.2 — any IRQL. A processor thread's index;
 * other threads get a stable index of their own in [0, processor count). */
extern "C" ULONG NTAPI KeGetCurrentProcessorNumber(VOID) { return current_processor_number(); }

/* KeQueryActiveProcessorCount (wdm.h) — seed 003 §2.2 — any IRQL; optionally the affinity mask */
extern "C" ULONG NTAPI KeQueryActiveProcessorCount(PKAFFINITY ActiveProcessors) {
    unsigned count = processor_count();
    if (ActiveProcessors != nullptr)
        *ActiveProcessors = count >= sizeof(KAFFINITY) * 8 ? ~KAFFINITY{0} : (KAFFINITY{1} << count) - 1;
    return count;
}

/* NdisSystemProcessorCount (ndis.h) — seed 003 §2.2 — any IRQL */
extern "C" CCHAR NdisSystemProcessorCount(VOID) { return static_cast<CCHAR>(processor_count()); }

/* NdisGetVersion (ndis.h) — seed 003 §2.3 — any IRQL; NDIS 5.1 */
extern "C" ULONG NdisGetVersion(VOID) { return 0x00050001; }
