// ring.cpp — the WSK provider's per-processor io_uring (ring.h).
#include "wsk/ring.h"

#include "wsk/ring_kernel.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace strata::wsk {
namespace {

constexpr unsigned kRingEntries = 1024;
constexpr unsigned kReapBatch = 64;
// user_data of SQEs whose completion nobody waits for (cancellations).
constexpr std::uint64_t kNoCompletion = 0;

}  // namespace

Ring::Ring(unsigned processor) : processor_(processor), kernel_(std::make_unique<Kernel>()) {
    io_uring_params params{};
    params.flags = IORING_SETUP_CQSIZE;
    params.cq_entries = kRingEntries * 4;
    int rc = io_uring_queue_init_params(kRingEntries, &kernel_->ring, &params);
    if (rc < 0) throw std::runtime_error(std::string("io_uring_queue_init: ") + std::strerror(-rc));
}

Ring::~Ring() { io_uring_queue_exit(&kernel_->ring); }

int Ring::fd() const noexcept { return kernel_->ring.ring_fd; }

void Ring::cancel(Completion& completion) noexcept {
    io_uring_sqe* sqe = kernel_->prepare(nullptr);
    io_uring_prep_cancel(sqe, &completion, 0);
    io_uring_sqe_set_data64(sqe, kNoCompletion);
}

void Ring::post(Posted& work) noexcept {
    if (on_processor()) {
        work.run(work);
        return;
    }
    work.next = nullptr;
    {
        std::lock_guard guard(inbox_mutex_);
        if (inbox_tail_ != nullptr) inbox_tail_->next = &work;
        else inbox_head_ = &work;
        inbox_tail_ = &work;
    }
    ntos::wake_processor(processor_);
}

bool Ring::run_inbox() noexcept {
    Posted* work;
    {
        std::lock_guard guard(inbox_mutex_);
        work = inbox_head_;
        inbox_head_ = inbox_tail_ = nullptr;
    }
    bool any = work != nullptr;
    while (work != nullptr) {
        Posted* next = work->next;
        work->run(*work);
        work = next;
    }
    return any;
}

bool Ring::poll() noexcept {
    bool worked = run_inbox();
    io_uring_cqe* cqes[kReapBatch];
    for (;;) {
        unsigned n = io_uring_peek_batch_cqe(&kernel_->ring, cqes, kReapBatch);
        if (n == 0) break;
        worked = true;
        for (unsigned i = 0; i < n; ++i) {
            auto* completion = reinterpret_cast<Completion*>(io_uring_cqe_get_data(cqes[i]));
            int result = cqes[i]->res;
            unsigned flags = cqes[i]->flags;
            io_uring_cqe_seen(&kernel_->ring, cqes[i]);
            if (completion != nullptr) completion->complete(result, flags);
        }
    }
    if (io_uring_sq_ready(&kernel_->ring) != 0) {
        io_uring_submit(&kernel_->ring);
        worked = true;
    }
    return worked;
}

}  // namespace strata::wsk
