// io_watch_test.cpp — a processor's io watches (DESIGN.md "Execution model": a descriptor stands
// in for an interrupt line; its handler runs at DISPATCH_LEVEL on the processor that watches it).
#include <gtest/gtest.h>

#include <sys/epoll.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <system_error>

#include "ntos/irql.h"
#include "ntos/testing.h"

namespace strata::ntos {
namespace {

using testing::ProcessorScope;
using testing::wait_until;

class EventFd {
public:
    EventFd() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
    ~EventFd() { ::close(fd_); }
    EventFd(const EventFd&) = delete;
    EventFd& operator=(const EventFd&) = delete;
    int fd() const { return fd_; }
    void signal() const {
        std::uint64_t one = 1;
        ASSERT_EQ(::write(fd_, &one, sizeof one), static_cast<ssize_t>(sizeof one));
    }

private:
    int fd_;
};

// Drains its eventfd on each readiness and records where it ran.
struct CountingWatch final : IoWatch {
    int fd = -1;
    std::atomic<int> calls{0};
    std::atomic<unsigned> processor{kNoProcessor};
    std::atomic<KIRQL> irql{PASSIVE_LEVEL};
    std::atomic<unsigned> events{0};

    void ready(unsigned epoll_events) noexcept override {
        std::uint64_t value;
        [[maybe_unused]] auto r = ::read(fd, &value, sizeof value);
        processor = processor_thread_index();
        irql = current_irql();
        events = epoll_events;
        ++calls;
    }
};

TEST(IoWatch, ReadinessRunsTheWatchOnItsProcessorAtDispatch) {
    ProcessorScope processors(2);
    EventFd eventfd;
    CountingWatch watch;
    watch.fd = eventfd.fd();
    add_io_watch(1, eventfd.fd(), EPOLLIN, watch);

    eventfd.signal();
    ASSERT_TRUE(wait_until([&] { return watch.calls.load() == 1; }));
    EXPECT_EQ(watch.processor.load(), 1u);
    EXPECT_EQ(watch.irql.load(), DISPATCH_LEVEL);
    EXPECT_NE(watch.events.load() & EPOLLIN, 0u);

    eventfd.signal();
    ASSERT_TRUE(wait_until([&] { return watch.calls.load() == 2; }));
    remove_io_watch(1, eventfd.fd());
}

TEST(IoWatch, RemovedWatchIsNeverCalledAgain) {
    ProcessorScope processors(2);
    EventFd eventfd;
    CountingWatch watch;
    watch.fd = eventfd.fd();
    add_io_watch(0, eventfd.fd(), EPOLLIN, watch);
    remove_io_watch(0, eventfd.fd());

    eventfd.signal();
    // A DPC queued after the signal runs after any dispatch the signal could have caused.
    run_on_processor(0, [] {});
    run_on_processor(0, [] {});
    EXPECT_EQ(watch.calls.load(), 0);
}

// A watch whose descriptor hangs up for good removes itself from inside ready().
struct SelfRemovingWatch final : IoWatch {
    unsigned processor = 0;
    int fd = -1;
    std::atomic<int> calls{0};
    void ready(unsigned) noexcept override {
        ++calls;
        remove_io_watch(processor, fd);
    }
};

TEST(IoWatch, WatchMayRemoveItselfFromItsHandler) {
    ProcessorScope processors(2);
    EventFd eventfd;
    SelfRemovingWatch watch;
    watch.processor = 1;
    watch.fd = eventfd.fd();
    add_io_watch(1, eventfd.fd(), EPOLLIN, watch);

    eventfd.signal();  // never drained: a level-triggered watch would run again and again
    ASSERT_TRUE(wait_until([&] { return watch.calls.load() == 1; }));
    run_on_processor(1, [] {});
    run_on_processor(1, [] {});
    EXPECT_EQ(watch.calls.load(), 1);
}

TEST(IoWatch, MaskChangeStopsAndRestartsCalls) {
    ProcessorScope processors(2);
    EventFd eventfd;
    CountingWatch watch;
    watch.fd = eventfd.fd();
    add_io_watch(0, eventfd.fd(), 0, watch);

    eventfd.signal();
    run_on_processor(0, [] {});
    EXPECT_EQ(watch.calls.load(), 0);

    ASSERT_TRUE(modify_io_watch(0, eventfd.fd(), EPOLLIN, watch));
    ASSERT_TRUE(wait_until([&] { return watch.calls.load() == 1; }));
    remove_io_watch(0, eventfd.fd());
}

// A paused watch is out of the epoll set: not even a hang-up reaches it until it resumes.
TEST(IoWatch, PausedWatchHearsNothingUntilItResumes) {
    ProcessorScope processors(2);
    int pipe_ends[2];
    ASSERT_EQ(::pipe2(pipe_ends, O_CLOEXEC | O_NONBLOCK), 0);
    CountingWatch watch;
    watch.fd = pipe_ends[0];
    add_io_watch(1, pipe_ends[0], EPOLLIN, watch);
    ASSERT_TRUE(modify_io_watch(1, pipe_ends[0], 0, watch));
    ASSERT_TRUE(modify_io_watch(1, pipe_ends[0], 0, watch));  // pausing twice is no error

    ::close(pipe_ends[1]);
    run_on_processor(1, [] {});
    run_on_processor(1, [] {});
    EXPECT_EQ(watch.calls.load(), 0);

    ASSERT_TRUE(modify_io_watch(1, pipe_ends[0], EPOLLIN, watch));
    ASSERT_TRUE(wait_until([&] { return watch.calls.load() >= 1; }));
    EXPECT_NE(watch.events.load() & EPOLLHUP, 0u);
    ASSERT_TRUE(modify_io_watch(1, pipe_ends[0], 0, watch));
    remove_io_watch(1, pipe_ends[0]);
    int calls = watch.calls.load();

    // Removed while paused: the descriptor is free to be watched afresh.
    CountingWatch again;
    again.fd = pipe_ends[0];
    add_io_watch(1, pipe_ends[0], EPOLLIN, again);
    ASSERT_TRUE(wait_until([&] { return again.calls.load() >= 1; }));
    remove_io_watch(1, pipe_ends[0]);
    EXPECT_EQ(watch.calls.load(), calls);
    ::close(pipe_ends[0]);
}

TEST(IoWatch, DescriptorEpollRefusesIsAnError) {
    ProcessorScope processors(1);
    CountingWatch watch;
    EXPECT_THROW(add_io_watch(0, -1, EPOLLIN, watch), std::system_error);
    EXPECT_THROW(add_io_watch(0, -1, 0, watch), std::system_error);  // paused, still checked

    EventFd eventfd;
    watch.fd = eventfd.fd();
    add_io_watch(0, eventfd.fd(), EPOLLIN, watch);
    EXPECT_THROW(add_io_watch(0, eventfd.fd(), EPOLLIN, watch), std::system_error);
    remove_io_watch(0, eventfd.fd());
}

}  // namespace
}  // namespace strata::ntos
