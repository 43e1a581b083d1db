// work_item.h — passive-level work (DESIGN.md "Execution model", seed 003 §2.2): a small pool of
// worker threads at PASSIVE_LEVEL, started by the first queued item, fed by an intrusive queue.
#pragma once

#include <wdm.h>

namespace strata::ntos {

// One unit of work, embedded in its owner so queueing never allocates. `routine` runs once on a
// worker at PASSIVE_LEVEL and may free the request's owner; until then the caller must keep it
// alive and must not queue it again.
struct WorkRequest {
    LIST_ENTRY link;
    void (*routine)(WorkRequest& request);
};

// Queues `request`. Any thread, IRQL <= DISPATCH_LEVEL (the first call starts the workers).
void queue_work(WorkRequest& request) noexcept;

// Runs what is queued, then joins the workers; the next queue_work() starts them again.
// Passive callers other than the workers themselves (library teardown, tests).
void stop_workers() noexcept;

}  // namespace strata::ntos
