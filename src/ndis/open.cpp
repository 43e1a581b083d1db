// open.cpp — opening and closing a binding: NdisOpenAdapter and NdisCloseAdapter with their
// pending paths (seed 003 §2.4.1, §2.11).
#include "ndis/open.h"
#include "ndis/miniport.h"

#include <algorithm>
#include <memory>

#include "ndis/handle_table.h"
#include "ndis/library.h"
#include "ndis/request.h"
#include "verifier/fault.h"
#include "verifier/verifier.h"

namespace strata::ndis {
namespace {

std::atomic<bool> g_open_pends{false};

void finish_close(Open& open) {
    Library& library = Library::instance();
    std::lock_guard lock(library.mutex);
    open.state.store(OpenState::Closed);
    open.miniport->counters.absorb(open.counters, kSendCounters);
    auto& opens = open.protocol->opens;
    opens.erase(std::remove(opens.begin(), opens.end(), &open), opens.end());
    HandleTable::instance().erase(open.handle);
}

// The open pended: finish it on a worker thread and tell the protocol (the documented path for
// an adapter that is not ready yet; also forced by set_open_adapter_pends for tests).
struct PendedOpen {
    NDIS_WORK_ITEM work_item{};
    Open* open = nullptr;
};

void complete_pended_open(PNDIS_WORK_ITEM item, PVOID context) {
    (void)item;
    std::unique_ptr<PendedOpen> pended(static_cast<PendedOpen*>(context));
    Open& open = *pended->open;
    open.state.store(OpenState::Open);
    open.protocol->chars.OpenAdapterCompleteHandler(open.binding_context, NDIS_STATUS_SUCCESS, NDIS_STATUS_SUCCESS);
}

}  // namespace

void set_open_adapter_pends(bool pends) noexcept { g_open_pends.store(pends); }

void Open::send_complete(PNDIS_PACKET packet, NDIS_STATUS status) noexcept {
    if (status == NDIS_STATUS_SUCCESS) {
        counters.add(Counter::SentPackets);
        counters.add(Counter::SentBytes, packet_bytes(packet));
    } else {
        counters.add(status == NDIS_STATUS_CLOSING ? Counter::SendClosing : Counter::SendFailed);
    }
    protocol->chars.SendCompleteHandler(binding_context, packet, status);
    send_finished();
}

void Open::send_finished() noexcept {
    if (sends_outstanding.fetch_sub(1, std::memory_order_acq_rel) == 1 && close_pending.load() &&
        close_pending.exchange(false)) {
        finish_close(*this);
        protocol->chars.CloseAdapterCompleteHandler(binding_context, NDIS_STATUS_SUCCESS);
    }
}

}  // namespace strata::ndis

using namespace strata;
using namespace strata::ndis;

/* NdisOpenAdapter (ndis.h) — seed 003 §2.4.1 — IRQL == PASSIVE_LEVEL
 * Selects the first medium in MediumArray the adapter uses; NDIS_STATUS_PENDING means
 * ProtocolOpenAdapterComplete follows. */
extern "C" VOID NdisOpenAdapter(PNDIS_STATUS Status, PNDIS_STATUS OpenErrorStatus, PNDIS_HANDLE NdisBindingHandle,
                                PUINT SelectedMediumIndex, PNDIS_MEDIUM MediumArray, UINT MediumArraySize,
                                NDIS_HANDLE NdisProtocolHandle, NDIS_HANDLE ProtocolBindingContext,
                                PNDIS_STRING AdapterName, UINT OpenOptions, PSTRING AddressingInformation) {
    (void)OpenOptions;
    (void)AddressingInformation;
    if (Status == nullptr || NdisBindingHandle == nullptr || SelectedMediumIndex == nullptr ||
        MediumArray == nullptr || AdapterName == nullptr) {
        verifier::report(verifier::Rule::NullParameter, "", NdisProtocolHandle,
                         "NdisOpenAdapter: Status, NdisBindingHandle, SelectedMediumIndex, MediumArray and "
                         "AdapterName must not be NULL");
        if (Status != nullptr) *Status = NDIS_STATUS_FAILURE;
        return;
    }
    *NdisBindingHandle = nullptr;
    if (verifier::fault::should_fail(verifier::fault::FaultCall::NdisOpenAdapter)) {
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }
    if (OpenErrorStatus != nullptr) *OpenErrorStatus = NDIS_STATUS_SUCCESS;
    auto* protocol = lookup<Protocol>(NdisProtocolHandle, HandleKind::Protocol, "NdisOpenAdapter");
    if (protocol == nullptr) {
        *Status = NDIS_STATUS_FAILURE;
        return;
    }
    Library& library = Library::instance();
    Miniport* miniport = library.find_miniport(*AdapterName);
    if (miniport == nullptr) {
        *Status = NDIS_STATUS_ADAPTER_NOT_FOUND;
        return;
    }
    if (miniport->state.load() != MiniportState::Running) {
        *Status = NDIS_STATUS_CLOSING;
        return;
    }
    UINT selected = MediumArraySize;
    for (UINT i = 0; i < MediumArraySize; ++i) {
        if (MediumArray[i] == miniport->medium) {
            selected = i;
            break;
        }
    }
    if (selected == MediumArraySize) {
        *Status = NDIS_STATUS_UNSUPPORTED_MEDIA;
        return;
    }
    auto fresh = std::make_unique<Open>();
    fresh->protocol = protocol;
    fresh->miniport = miniport;
    fresh->binding_context = ProtocolBindingContext;
    std::lock_guard lock(library.mutex);
    Open* open = library.add_open(std::move(fresh));
    if (!miniport->add_open(open)) {
        *Status = NDIS_STATUS_OPEN_LIST_FULL;
        open->state.store(OpenState::Closed);
        return;
    }
    open->handle = HandleTable::instance().insert(HandleKind::Open, open);
    protocol->opens.push_back(open);
    *SelectedMediumIndex = selected;
    *NdisBindingHandle = open->handle;
    if (g_open_pends.load()) {
        auto pended = std::make_unique<PendedOpen>();
        pended->open = open;
        NdisInitializeWorkItem(&pended->work_item, complete_pended_open, pended.get());
        NdisScheduleWorkItem(&pended.release()->work_item);
        *Status = NDIS_STATUS_PENDING;
        return;
    }
    open->state.store(OpenState::Open);
    *Status = NDIS_STATUS_SUCCESS;
}

/* NdisCloseAdapter (ndis.h) — seed 003 §2.11 — IRQL == PASSIVE_LEVEL
 * No indication reaches the open after this returns; it pends while sends are outstanding and
 * ProtocolCloseAdapterComplete follows. */
extern "C" VOID NdisCloseAdapter(PNDIS_STATUS Status, NDIS_HANDLE NdisBindingHandle) {
    auto* open = lookup<Open>(NdisBindingHandle, HandleKind::Open, "NdisCloseAdapter");
    if (open == nullptr) {
        if (Status != nullptr) *Status = NDIS_STATUS_FAILURE;
        return;
    }
    OpenState expected = OpenState::Open;
    if (!open->state.compare_exchange_strong(expected, OpenState::Closing)) {
        verifier::report(verifier::Rule::BadCall, open->protocol->service, NdisBindingHandle,
                         "NdisCloseAdapter: the binding is already closing");
        if (Status != nullptr) *Status = NDIS_STATUS_CLOSING;
        return;
    }
    {
        std::lock_guard lock(Library::instance().mutex);
        open->miniport->remove_open(open);
    }
    refresh_miniport_filters(*open->miniport);
    open->close_pending.store(true);
    if (open->sends_outstanding.load() == 0 && open->close_pending.exchange(false)) {
        finish_close(*open);
        if (Status != nullptr) *Status = NDIS_STATUS_SUCCESS;
        return;
    }
    if (Status != nullptr) *Status = NDIS_STATUS_PENDING;
}
