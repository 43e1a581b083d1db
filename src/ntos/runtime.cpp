// runtime.cpp — library teardown of the ntos threads (DESIGN.md "Execution model"): at unload or
// exit, work items finish first (they may set timers and queue DPCs), then the timer thread stops,
// then the processors drain their DPC queues and are joined.
#include "common/log.h"
#include "ntos/processor.h"
#include "ntos/timer.h"
#include "ntos/work_item.h"
#include "verifier/verifier.h"

namespace strata::ntos {
namespace {

class Teardown {
public:
    // Builds the log and verifier state now, so they are destroyed after this object: the
    // threads joined below may still log or report while they drain.
    Teardown() {
        (void)log::recent();
        (void)verifier::total();
    }
    ~Teardown() {
        stop_workers();
        stop_timer_thread();
        stop_processors();
    }
    Teardown(const Teardown&) = delete;
    Teardown& operator=(const Teardown&) = delete;
};

Teardown g_teardown;

}  // namespace
}  // namespace strata::ntos
