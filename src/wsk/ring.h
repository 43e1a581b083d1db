// ring.h — one io_uring per processor thread for the WSK provider (issue 5 "provider over Linux
// sockets with io_uring"): a socket's operations are submitted on the socket's processor and
// complete there, at DISPATCH_LEVEL, with no lock. Other threads hand work over through the
// ring's inbox and a wake of its processor. Neither this header nor io.h includes a Linux socket
// header: the provider's Windows side (wsk.h, whose AF_INET6 is 23) includes them.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "ntos/processor.h"

namespace strata::wsk {

// An operation in flight in the kernel; its address is the SQE's user_data.
class Completion {
public:
    virtual void complete(int result, unsigned flags) noexcept = 0;

protected:
    ~Completion() = default;
};

// Work another thread hands to a ring's processor (intrusive: lives in the IRP or object it is for).
struct Posted {
    Posted* next = nullptr;
    void (*run)(Posted&) = nullptr;
};

class Ring final : public ntos::ProcessorPoller {
public:
    explicit Ring(unsigned processor);
    ~Ring();
    Ring(const Ring&) = delete;
    Ring& operator=(const Ring&) = delete;

    unsigned processor() const noexcept { return processor_; }
    bool on_processor() const noexcept { return ntos::processor_thread_index() == processor_; }

    // Processor thread only: asks the kernel to cancel `completion`'s operation.
    void cancel(Completion& completion) noexcept;
    // Any thread: `work` runs on the processor (at once when called there).
    void post(Posted& work) noexcept;

    int fd() const noexcept override;
    bool poll() noexcept override;

    struct Kernel;  // the io_uring (io.cpp prepares operations on it)
    Kernel& kernel() noexcept { return *kernel_; }

private:
    bool run_inbox() noexcept;

    unsigned processor_;
    std::unique_ptr<Kernel> kernel_;
    std::mutex inbox_mutex_;  // per ring, never held while work runs
    Posted* inbox_head_ = nullptr;
    Posted* inbox_tail_ = nullptr;
};

}  // namespace strata::wsk
