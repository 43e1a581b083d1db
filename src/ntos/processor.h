// processor.h — the host's processors (DESIGN.md "Execution model"): one thread per processor,
// each running its DPC queue at DISPATCH_LEVEL. Per-processor caches (packet pools) may be used
// without locks only by the thread that *is* that processor: see processor_thread_index().
#pragma once

#include <functional>

namespace strata::ntos {

inline constexpr unsigned kMaxProcessors = 64;
inline constexpr unsigned kNoProcessor = ~0u;

// Starts `count` processor threads (1..kMaxProcessors). Calling it again with processors
// running is an error unless stop_processors() ran. Passive-level callers only.
void start_processors(unsigned count);
// Runs every DPC already queued, then joins the processor threads.
void stop_processors();
bool processors_running() noexcept;

// Processors in use: the started count, or the machine's CPU count (capped) before start.
unsigned processor_count() noexcept;

// The index of the processor the calling thread is, or kNoProcessor for any other thread.
// Fast (a thread_local read); the exclusive owner of per-processor state.
extern thread_local constinit unsigned tls_processor_index;
inline unsigned processor_thread_index() noexcept { return tls_processor_index; }

// KeGetCurrentProcessorNumber: a processor thread's index; for other threads a stable index in
// [0, processor_count()) derived from the thread, so per-processor statistics stay spread.
unsigned current_processor_number() noexcept;

// Runs `fn` on processor `index` at DISPATCH_LEVEL, after the DPCs queued before it, and waits
// until it returned. Passive-level callers only (tests, benchmarks, control requests).
void run_on_processor(unsigned index, const std::function<void()>& fn);

// Queues `fn` to run on processor `index` at DISPATCH_LEVEL without waiting; `fn` must not
// throw. Used by the NDIS library for deferred completions.
void post_to_processor(unsigned index, std::function<void()> fn);

// A source of work a processor thread serves besides its DPC queue (the WSK provider's io_uring):
// the thread polls it after its DPCs and, when idle, sleeps until `fd()` is readable or a DPC is
// queued. Every call comes from the processor thread it is attached to.
class ProcessorPoller {
public:
    virtual int fd() const noexcept = 0;
    // Does what is ready without blocking (at DISPATCH_LEVEL); true if it did anything.
    virtual bool poll() noexcept = 0;

protected:
    ~ProcessorPoller() = default;
};

// Attaches `poller` to processor `index` / detaches it again; both run on that processor
// (run_on_processor), so the processor never sees a poller half attached. Passive callers.
void attach_poller(unsigned index, ProcessorPoller& poller);
void detach_poller(unsigned index, ProcessorPoller& poller);

// A descriptor a processor watches for readiness: the host's stand-in for an interrupt line
// (DESIGN.md "Execution model"). `ready` runs on the processor thread at DISPATCH_LEVEL with the
// epoll events that fired; readiness is level-triggered.
class IoWatch {
public:
    virtual void ready(unsigned epoll_events) noexcept = 0;

protected:
    ~IoWatch() = default;
};

// Watches `fd` for `epoll_events` on processor `index`; throws std::system_error (EEXIST, EBADF,
// EPERM for a regular file …) when epoll refuses it. Passive-level callers, processors running.
// A watch for no events is paused: out of the epoll set, so the descriptor's wait queue holds
// no entry of ours and the kernel skips the wake-up call on every readiness change.
void add_io_watch(unsigned index, int fd, unsigned epoll_events, IoWatch& watch);
// Changes the events watched (0 pauses the watch, hang-ups included); any thread, any IRQL.
// False when epoll refused it.
bool modify_io_watch(unsigned index, int fd, unsigned epoll_events, IoWatch& watch) noexcept;
// Stops watching `fd`. On return `watch.ready` is not running and will not run again.
// Passive-level callers (a processor thread calling it for itself is served in place).
void remove_io_watch(unsigned index, int fd);

// Something was queued for processor `index` (< kMaxProcessors): wakes its thread if it sleeps.
// Any thread, any IRQL; a syscall only when the processor is idle. Used by the DPC queues.
void wake_processor(unsigned index) noexcept;

}  // namespace strata::ntos
