// dpc.h — the per-processor DPC queues behind KeInsertQueueDpc, timer expiry, run_on_processor
// and the processor threads (seed 003 §2.2, DESIGN.md "Execution model"). Queues are intrusive
// through KDPC.DpcListEntry, and KDPC.DpcData names the queue holding the DPC (NULL: not queued),
// so queueing never allocates.
#pragma once

#include <wdm.h>

namespace strata::ntos {

// Picks the processor for `dpc`: its KeSetTargetProcessorDpc target if it has one, otherwise
// `default_processor`; both reduced modulo processor_count().
unsigned dpc_target(const KDPC& dpc, unsigned default_processor) noexcept;

// Queues `dpc` on `processor` (< kMaxProcessors) with the two system arguments, unless it is
// already queued (FALSE). HighImportance DPCs go to the head. Any thread, any IRQL.
bool insert_dpc(KDPC& dpc, unsigned processor, PVOID argument1, PVOID argument2) noexcept;

// Runs the DPCs queued on `processor` at DISPATCH_LEVEL, oldest first, until its queue is
// empty. Only the thread acting as that processor calls it.
void run_dpcs(unsigned processor) noexcept;
bool dpcs_pending(unsigned processor) noexcept;

// Moves DPCs queued on processors [count, kMaxProcessors) to processor (index % count), so
// nothing queued before start_processors(count) is stranded on a processor that never runs.
void fold_dpc_queues(unsigned count) noexcept;

}  // namespace strata::ntos
