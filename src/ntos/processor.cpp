// processor.cpp — the host's processor threads (DESIGN.md "Execution model", seed 003 §2.2): one
// thread per processor at DISPATCH_LEVEL, sleeping in epoll on its own eventfd when its DPC
// queue is empty. A poller (the WSK provider's io_uring) and the drivers' io watches (packet
// sockets, TAP devices: StrataRegisterIoEvent) add their descriptors to that epoll set.
#include "ntos/processor.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "common/log.h"
#include "ntos/check.h"
#include "ntos/dpc.h"
#include "ntos/futex.h"
#include "ntos/immortal.h"
#include "ntos/irql.h"

namespace strata::ntos {

thread_local constinit unsigned tls_processor_index = kNoProcessor;

namespace {

class FileDescriptor {
public:
    FileDescriptor() = default;
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    void reset(int fd) noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }
    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }

private:
    int fd_ = -1;
};

struct Processor {
    // Created by the first start of this index and kept for the life of the process, so a
    // late wake_processor() can never write to a closed (or reused) descriptor.
    FileDescriptor epoll;
    FileDescriptor wake;
    std::atomic<bool> sleeping{false};
    std::atomic<bool> stopping{false};
    std::thread thread;
    // Serialises stand-ins: run_on_processor() before start runs fn on the caller's thread.
    std::mutex stand_in;
    ProcessorPoller* poller = nullptr;  // read and written by the processor (or its stand-in) only
    // Io watches registered (processor thread only). A removal inside a dispatch batch ends the
    // batch, because the batch may still name the removed watch.
    unsigned io_watches = 0;
    bool watch_removed = false;
};

// epoll_event.data of the two descriptors that are not io watches; an IoWatch's is its address.
constexpr std::uint64_t kWakeTag = 0;
constexpr std::uint64_t kPollerTag = 1;

unsigned machine_processor_count() noexcept {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : (n > kMaxProcessors ? kMaxProcessors : n);
}

struct Processors {
    std::array<Processor, kMaxProcessors> cpu;
    std::mutex lifecycle;  // start_processors / stop_processors
    std::atomic<unsigned> count{machine_processor_count()};
    std::atomic<bool> running{false};
};

Processors& processors() noexcept {
    static Immortal<Processors> instance;
    return *instance;
}

void create_descriptors(Processor& p) {
    if (p.epoll) return;
    p.epoll.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!p.epoll) throw std::system_error(errno, std::generic_category(), "epoll_create1");
    p.wake.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!p.wake) throw std::system_error(errno, std::generic_category(), "eventfd");
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kWakeTag;
    if (::epoll_ctl(p.epoll.get(), EPOLL_CTL_ADD, p.wake.get(), &event) != 0)
        throw std::system_error(errno, std::generic_category(), "epoll_ctl");
}

// Waits up to `timeout_ms` (-1: until woken) and runs the io watches that are ready. True if
// any watch ran.
bool wait_and_dispatch(Processor& p, int timeout_ms) noexcept {
    epoll_event events[16];
    int n = ::epoll_wait(p.epoll.get(), events, 16, timeout_ms);
    bool dispatched = false;
    p.watch_removed = false;
    for (int i = 0; i < n && !p.watch_removed; ++i) {
        std::uint64_t tag = events[i].data.u64;
        if (tag == kWakeTag) {
            std::uint64_t ignored;
            [[maybe_unused]] auto r = ::read(p.wake.get(), &ignored, sizeof ignored);
        } else if (tag != kPollerTag) {
            static_cast<IoWatch*>(events[i].data.ptr)->ready(events[i].events);
            dispatched = true;
        }
    }
    return dispatched;
}

void processor_main(unsigned index) noexcept {
    tls_processor_index = index;
    tls_irql = DISPATCH_LEVEL;
    char name[16];
    std::snprintf(name, sizeof name, "strata-cpu%u", index);
    ::pthread_setname_np(::pthread_self(), name);

    Processor& p = processors().cpu[index];
    for (;;) {
        run_dpcs(index);
        if (p.poller != nullptr && p.poller->poll()) continue;
        // Io watches are served between DPC batches too, not only when the queue runs dry.
        if (p.io_watches != 0 && wait_and_dispatch(p, 0)) continue;
        // Announce the sleep before the last look at the queue; wake_processor() reads the flag
        // after queueing, so one of the two always sees the other (the queue lock orders them).
        p.sleeping.store(true, std::memory_order_seq_cst);
        if (dpcs_pending(index)) {
            p.sleeping.store(false, std::memory_order_relaxed);
            continue;
        }
        if (p.stopping.load(std::memory_order_acquire)) break;
        wait_and_dispatch(p, -1);
        p.sleeping.store(false, std::memory_order_relaxed);
    }
    p.sleeping.store(false, std::memory_order_relaxed);
}

void signal_eventfd(const Processor& p) noexcept {
    std::uint64_t one = 1;
    [[maybe_unused]] auto r = ::write(p.wake.get(), &one, sizeof one);
}

// Joins the first `started` processor threads after letting each drain its queue.
void stop_threads(Processors& all, unsigned started) noexcept {
    for (unsigned i = 0; i < started; ++i) {
        all.cpu[i].stopping.store(true, std::memory_order_release);
        signal_eventfd(all.cpu[i]);
    }
    for (unsigned i = 0; i < started; ++i) all.cpu[i].thread.join();
}

void invoke(const std::function<void()>& fn) noexcept {
    try {
        fn();
    } catch (const std::exception& e) {
        log::write(log::Level::error, "ntos", std::string("function run on a processor threw: ") + e.what());
    } catch (...) {
        log::write(log::Level::error, "ntos", "function run on a processor threw a non-standard exception");
    }
}

void check_index(unsigned index, const char* function) {
    if (index >= processor_count())
        throw std::out_of_range(std::string(function) + ": processor " + std::to_string(index) + " of " +
                                std::to_string(processor_count()));
}

// run_on_processor's request: lives on the caller's stack because the caller waits for it.
struct Call {
    KDPC dpc;
    const std::function<void()>* fn;
    std::atomic<std::int32_t> done{0};
};

void call_routine(PKDPC, PVOID context, PVOID, PVOID) {
    auto* call = static_cast<Call*>(context);
    invoke(*call->fn);
    call->done.store(1, std::memory_order_release);
    futex_wake(&call->done, 1);
}

// post_to_processor's request: owned by the queue until its routine runs.
struct Posted {
    KDPC dpc;
    std::function<void()> fn;
};

void posted_routine(PKDPC, PVOID context, PVOID, PVOID) {
    std::unique_ptr<Posted> posted(static_cast<Posted*>(context));
    invoke(posted->fn);
}

}  // namespace

void start_processors(unsigned count) {
    if (count == 0 || count > kMaxProcessors)
        throw std::invalid_argument("start_processors: count " + std::to_string(count) + " is not in 1.." +
                                    std::to_string(kMaxProcessors));
    Processors& all = processors();
    std::lock_guard guard(all.lifecycle);
    if (all.running.load(std::memory_order_acquire))
        throw std::logic_error("start_processors: processors are already running");
    for (unsigned i = 0; i < count; ++i) create_descriptors(all.cpu[i]);
    fold_dpc_queues(count);
    all.count.store(count, std::memory_order_release);
    unsigned started = 0;
    try {
        for (; started < count; ++started) {
            all.cpu[started].stopping.store(false, std::memory_order_relaxed);
            all.cpu[started].thread = std::thread(processor_main, started);
        }
    } catch (...) {
        stop_threads(all, started);
        throw;
    }
    all.running.store(true, std::memory_order_release);
}

void stop_processors() {
    if (tls_processor_index != kNoProcessor) {
        log::write(log::Level::error, "ntos", "stop_processors called from a processor thread; ignored");
        return;
    }
    Processors& all = processors();
    std::lock_guard guard(all.lifecycle);
    if (!all.running.load(std::memory_order_acquire)) return;
    stop_threads(all, all.count.load(std::memory_order_relaxed));
    all.running.store(false, std::memory_order_release);
}

bool processors_running() noexcept { return processors().running.load(std::memory_order_acquire); }

unsigned processor_count() noexcept { return processors().count.load(std::memory_order_acquire); }

unsigned current_processor_number() noexcept {
    if (tls_processor_index != kNoProcessor) return tls_processor_index;
    static std::atomic<unsigned> next_ordinal{0};
    thread_local unsigned ordinal = next_ordinal.fetch_add(1, std::memory_order_relaxed);
    return ordinal % processor_count();
}

void run_on_processor(unsigned index, const std::function<void()>& fn) {
    check_index(index, "run_on_processor");
    if (tls_processor_index == index) {
        invoke(fn);  // we are that processor: waiting for ourselves would never end
        return;
    }
    if (at_dispatch()) {
        // Waiting here could deadlock against a processor waiting for us; run in place instead.
        report_violation(verifier::Rule::BlockingAtDispatch, nullptr, "run_on_processor",
               "called at DISPATCH_LEVEL; fn ran on the calling thread");
        invoke(fn);
        return;
    }
    Processor& p = processors().cpu[index];
    if (!processors_running()) {
        // No thread to wait for: the caller stands in for the processor, one stand-in at a time.
        std::lock_guard guard(p.stand_in);
        unsigned saved = tls_processor_index;
        tls_processor_index = index;
        {
            IrqlRaise raise(DISPATCH_LEVEL);
            invoke(fn);
        }
        tls_processor_index = saved;
        return;
    }
    Call call;
    call.fn = &fn;
    KeInitializeDpc(&call.dpc, call_routine, &call);
    insert_dpc(call.dpc, index, nullptr, nullptr);
    while (call.done.load(std::memory_order_acquire) == 0) futex_wait(&call.done, 0);
}

void post_to_processor(unsigned index, std::function<void()> fn) {
    check_index(index, "post_to_processor");
    auto posted = std::make_unique<Posted>();
    posted->fn = std::move(fn);
    KeInitializeDpc(&posted->dpc, posted_routine, posted.get());
    insert_dpc(posted->dpc, index, nullptr, nullptr);
    // The queue owns it now; posted_routine adopts it.
    [[maybe_unused]] Posted* owned_by_queue = posted.release();
}

void attach_poller(unsigned index, ProcessorPoller& poller) {
    if (!processors_running()) throw std::logic_error("attach_poller: processors are not running");
    int error = 0;
    bool taken = false;
    run_on_processor(index, [&] {
        Processor& p = processors().cpu[index];
        taken = p.poller != nullptr;
        if (taken) return;
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = kPollerTag;
        if (::epoll_ctl(p.epoll.get(), EPOLL_CTL_ADD, poller.fd(), &event) != 0) error = errno;
        else p.poller = &poller;
    });
    if (taken) throw std::logic_error("attach_poller: processor " + std::to_string(index) + " already has a poller");
    if (error != 0) throw std::system_error(error, std::generic_category(), "epoll_ctl");
}

void detach_poller(unsigned index, ProcessorPoller& poller) {
    run_on_processor(index, [&] {
        Processor& p = processors().cpu[index];
        if (p.poller != &poller) return;
        ::epoll_ctl(p.epoll.get(), EPOLL_CTL_DEL, poller.fd(), nullptr);
        p.poller = nullptr;
    });
}

void add_io_watch(unsigned index, int fd, unsigned epoll_events, IoWatch& watch) {
    if (!processors_running()) throw std::logic_error("add_io_watch: processors are not running");
    check_index(index, "add_io_watch");
    int error = 0;
    run_on_processor(index, [&] {
        Processor& p = processors().cpu[index];
        epoll_event event{};
        event.events = epoll_events;
        event.data.ptr = &watch;
        // Added even when paused, so that epoll's refusal (a bad or a regular file) is reported now.
        if (::epoll_ctl(p.epoll.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
            error = errno;
            return;
        }
        if (epoll_events == 0) ::epoll_ctl(p.epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
        ++p.io_watches;
    });
    if (error != 0) throw std::system_error(error, std::generic_category(), "epoll_ctl");
}

bool modify_io_watch(unsigned index, int fd, unsigned epoll_events, IoWatch& watch) noexcept {
    if (index >= processor_count()) return false;
    int epoll = processors().cpu[index].epoll.get();
    if (epoll_events == 0) return ::epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nullptr) == 0 || errno == ENOENT;
    epoll_event event{};
    event.events = epoll_events;
    event.data.ptr = &watch;
    // A paused watch is out of the set; two threads resuming it at once race to add it.
    for (int op : {EPOLL_CTL_MOD, EPOLL_CTL_ADD, EPOLL_CTL_MOD}) {
        if (::epoll_ctl(epoll, op, fd, &event) == 0) return true;
        if (errno != (op == EPOLL_CTL_MOD ? ENOENT : EEXIST)) return false;
    }
    return false;
}

void remove_io_watch(unsigned index, int fd) {
    check_index(index, "remove_io_watch");
    run_on_processor(index, [&] {
        Processor& p = processors().cpu[index];
        ::epoll_ctl(p.epoll.get(), EPOLL_CTL_DEL, fd, nullptr);  // ENOENT: it was paused
        --p.io_watches;
        p.watch_removed = true;
    });
}

void wake_processor(unsigned index) noexcept {
    Processor& p = processors().cpu[index];
    if (p.sleeping.load(std::memory_order_seq_cst)) signal_eventfd(p);
}

}  // namespace strata::ntos
