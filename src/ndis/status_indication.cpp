// status_indication.cpp — status indications and reset (seed 003 §2.10, §2.12):
// NdisMIndicateStatus/NdisMIndicateStatusComplete → ProtocolStatus/ProtocolStatusComplete on every
// open, NdisReset → MiniportReset with RESET_START/RESET_END indications, NdisMResetComplete.
#include <chrono>
#include <cstdio>

#include "ndis/handle_table.h"
#include "ndis/library.h"
#include "ndis/request.h"
#include "verifier/verifier.h"

using namespace strata;
using namespace strata::ndis;

namespace {

void indicate_to_opens(Miniport& m, NDIS_STATUS status, PVOID buffer, UINT size) {
    m.for_each_open([&](Open* open) {
        if (open->state.load() == OpenState::Open)
            open->protocol->chars.StatusHandler(open->binding_context, status, buffer, size);
    });
}

void status_complete_to_opens(Miniport& m) {
    m.for_each_open([&](Open* open) {
        if (open->state.load() == OpenState::Open) open->protocol->chars.StatusCompleteHandler(open->binding_context);
    });
}

// The reset is over: every open hears RESET_END; the requester's ProtocolResetComplete runs if
// NdisReset had returned PENDING. An addressing reset loses the filters, so NDIS sets them again.
void finish_reset(Miniport& m, NDIS_STATUS status, BOOLEAN addressing_reset, bool pended) {
    Open* requester = m.reset_requester;
    m.reset_requester = nullptr;
    m.reset_in_progress.store(false);
    if (addressing_reset) {
        m.programmed_filter = 0;
        m.programmed_lookahead = 0;
        refresh_miniport_filters(m);
    }
    indicate_to_opens(m, NDIS_STATUS_RESET_END, nullptr, 0);
    status_complete_to_opens(m);
    if (pended && requester != nullptr)
        requester->protocol->chars.ResetCompleteHandler(requester->binding_context, status);
    {
        std::lock_guard lock(m.reset_mutex);
        ++m.resets_finished;
        m.last_reset_status = status;
        m.last_reset_addressing = addressing_reset != FALSE;
    }
    m.reset_finished.notify_all();
}

}  // namespace

NDIS_STATUS strata::ndis::reset_miniport(Miniport& m, Open* requester) {
    bool expected = false;
    if (!m.reset_in_progress.compare_exchange_strong(expected, true)) return NDIS_STATUS_RESET_IN_PROGRESS;
    m.reset_requester = requester;
    indicate_to_opens(m, NDIS_STATUS_RESET_START, nullptr, 0);
    status_complete_to_opens(m);
    // Sends NDIS still queues for a serialized miniport go back now with the reason; the
    // protocols resend them after RESET_END (seed 003 §2.10).
    if (m.serialized()) m.abort_send_queue(NDIS_STATUS_RESET_IN_PROGRESS);
    BOOLEAN addressing_reset = FALSE;
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    auto call = [&] { status = m.driver->chars.ResetHandler(&addressing_reset, m.context); };
    m.call_serialized(call);
    if (status == NDIS_STATUS_PENDING) return NDIS_STATUS_PENDING;
    finish_reset(m, status, addressing_reset, false);
    return status;
}

std::uint64_t strata::ndis::resets_finished(Miniport& m) {
    std::lock_guard lock(m.reset_mutex);
    return m.resets_finished;
}

std::optional<ResetOutcome> strata::ndis::wait_for_reset(Miniport& m, std::uint64_t finished_before,
                                                          unsigned timeout_ms) {
    std::unique_lock lock(m.reset_mutex);
    if (!m.reset_finished.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                   [&] { return m.resets_finished > finished_before; }))
        return std::nullopt;
    return ResetOutcome{m.last_reset_status, m.last_reset_addressing};
}

/* NdisMIndicateStatus (ndis.h) — seed 003 §2.12 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisMIndicateStatus(NDIS_HANDLE MiniportAdapterHandle, NDIS_STATUS GeneralStatus, PVOID StatusBuffer,
                                    UINT StatusBufferSize) {
    Miniport* m = miniport_from(MiniportAdapterHandle, "NdisMIndicateStatus");
    if (m == nullptr) return;
    indicate_to_opens(*m, GeneralStatus, StatusBuffer, StatusBufferSize);
}

/* NdisMIndicateStatusComplete (ndis.h) — seed 003 §2.12 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisMIndicateStatusComplete(NDIS_HANDLE MiniportAdapterHandle) {
    if (Miniport* m = miniport_from(MiniportAdapterHandle, "NdisMIndicateStatusComplete")) status_complete_to_opens(*m);
}

/* NdisReset (ndis.h) — seed 003 §2.10 — IRQL <= DISPATCH_LEVEL
 * NDIS_STATUS_PENDING means ProtocolResetComplete follows; every open sees RESET_START before
 * MiniportReset and RESET_END after it. */
extern "C" VOID NdisReset(PNDIS_STATUS Status, NDIS_HANDLE NdisBindingHandle) {
    auto* open = lookup<Open>(NdisBindingHandle, HandleKind::Open, "NdisReset");
    if (open == nullptr || Status == nullptr) {
        if (Status != nullptr) *Status = NDIS_STATUS_FAILURE;
        return;
    }
    *Status = reset_miniport(*open->miniport, open);
}

/* NdisMResetComplete (ndis.h) — seed 003 §2.10 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisMResetComplete(NDIS_HANDLE MiniportAdapterHandle, NDIS_STATUS Status, BOOLEAN AddressingReset) {
    Miniport* m = miniport_from(MiniportAdapterHandle, "NdisMResetComplete");
    if (m == nullptr) return;
    if (!m->reset_in_progress.load()) {
        verifier::report(verifier::Rule::ResetNotStarted, m->driver->service, MiniportAdapterHandle,
                         "NdisMResetComplete without a reset in progress");
        return;
    }
    finish_reset(*m, Status, AddressingReset, true);
}
