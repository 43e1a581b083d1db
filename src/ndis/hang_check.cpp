// hang_check.cpp — NDIS's CheckForHang timer (seed 003 §2.4.2, §2.10): every
// CheckForHangTimeInSeconds (2 s unless NdisMSetAttributesEx said otherwise) NDIS calls
// MiniportCheckForHang. The adapter is reset when it returns TRUE, when a request has been
// outstanding for two periods (unless NDIS_ATTRIBUTE_IGNORE_REQUEST_TIMEOUT), or when a serialized
// miniport has had sends pending without one completion for two periods (unless
// NDIS_ATTRIBUTE_IGNORE_PACKET_TIMEOUT). A timed-out request is completed with
// NDIS_STATUS_REQUEST_ABORTED so its caller is not left waiting.
#include <cstdio>

#include "ndis/library.h"
#include "verifier/verifier.h"

namespace strata::ndis {
namespace {

constexpr unsigned kTimeoutPeriods = 2;

bool request_timed_out(Miniport& m) {
    if (m.attribute_flags & NDIS_ATTRIBUTE_IGNORE_REQUEST_TIMEOUT) return false;
    std::lock_guard lock(m.request_mutex);
    if (!m.request_in_progress) {
        m.request_ticks = 0;
        return false;
    }
    return ++m.request_ticks >= kTimeoutPeriods;
}

bool sends_timed_out(Miniport& m) {
    if (!m.serialized() || (m.attribute_flags & NDIS_ATTRIBUTE_IGNORE_PACKET_TIMEOUT)) return false;
    std::uint64_t completions = m.send_completions.load();
    bool progress = completions != m.completions_at_last_tick;
    m.completions_at_last_tick = completions;
    if (progress || m.sends_in_miniport.load() <= 0) {
        m.send_stall_ticks = 0;
        return false;
    }
    return ++m.send_stall_ticks >= kTimeoutPeriods;
}

void check_for_hang(PKDPC, PVOID context, PVOID, PVOID) {
    auto& m = *static_cast<Miniport*>(context);
    if (m.state.load() != MiniportState::Running || m.reset_in_progress.load()) return;
    BOOLEAN hung = FALSE;
    if (auto handler = m.driver->chars.CheckForHangHandler) {
        m.call_serialized([&] { hung = handler(m.context); });
    }
    bool request_stuck = request_timed_out(m);
    bool sends_stuck = sends_timed_out(m);
    if (!hung && !request_stuck && !sends_stuck) return;
    if (request_stuck || sends_stuck) {
        verifier::report(verifier::Rule::Watchdog, m.driver->service, m.handle,
                         request_stuck ? "a request was not completed within two CheckForHang periods; resetting"
                                       : "sends were not completed within two CheckForHang periods; resetting");
    }
    m.request_ticks = 0;
    m.send_stall_ticks = 0;
    reset_miniport(m, nullptr);
    if (request_stuck) m.complete_request(NDIS_STATUS_REQUEST_ABORTED);
}

}  // namespace

void start_hang_check(Miniport& m) {
    LONG period_ms = static_cast<LONG>(m.check_for_hang_seconds) * 1000;
    KeInitializeTimerEx(&m.hang_timer, NotificationTimer);
    KeInitializeDpc(&m.hang_dpc, check_for_hang, &m);
    LARGE_INTEGER due;
    due.QuadPart = -static_cast<LONGLONG>(period_ms) * 10000;
    KeSetTimerEx(&m.hang_timer, due, period_ms, &m.hang_dpc);
    m.hang_check_running = true;
}

void stop_hang_check(Miniport& m) {
    if (!m.hang_check_running) return;
    KeCancelTimer(&m.hang_timer);
    KeRemoveQueueDpc(&m.hang_dpc);
    KeFlushQueuedDpcs();  // a check already running finishes before the adapter halts
    m.hang_check_running = false;
}

}  // namespace strata::ndis
