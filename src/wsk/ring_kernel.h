// ring_kernel.h — the io_uring behind a Ring, for the two files that touch it (ring.cpp, io.cpp).
#pragma once

#include <liburing.h>

#include "wsk/ring.h"

namespace strata::wsk {

struct Ring::Kernel {
    io_uring ring{};
    // An SQE for `completion` (processor thread only), submitted when the processor next polls.
    io_uring_sqe* prepare(Completion* completion) noexcept {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring);
        if (sqe == nullptr) {
            io_uring_submit(&ring);
            sqe = io_uring_get_sqe(&ring);
        }
        io_uring_sqe_set_data(sqe, completion);
        return sqe;
    }
};

}  // namespace strata::wsk
