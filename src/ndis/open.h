// open.h — a binding: one protocol's open of one adapter (NdisOpenAdapter, seed 003 §2.4.1),
// with the open's filter state and what it has outstanding (sends, a request, a close).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <ndis.h>

#include "ndis/capture.h"
#include "ndis/eth_filter.h"
#include "ndis/traffic_counters.h"

namespace strata::ndis {

struct Miniport;
struct Protocol;

enum class OpenState : std::uint8_t { Opening, Open, Closing, Closed };

struct Open {
    NDIS_HANDLE handle = nullptr;
    Protocol* protocol = nullptr;
    Miniport* miniport = nullptr;
    NDIS_HANDLE binding_context = nullptr;  // ProtocolBindingContext
    std::atomic<OpenState> state{OpenState::Opening};
    std::atomic<unsigned> io_processor{~0u};  // the processor serving its io events (io_event.cpp)

    EthFilter filter;
    ULONG lookahead = 0;          // this open's OID_GEN_CURRENT_LOOKAHEAD
    ULONG protocol_options = 0;   // OID_GEN_PROTOCOL_OPTIONS

    std::atomic<std::int64_t> sends_outstanding{0};
    std::atomic<std::int32_t> requests_outstanding{0};
    std::atomic<bool> close_pending{false};  // NdisCloseAdapter returned PENDING
    std::atomic<bool> receive_complete_due{false};  // got ProtocolReceive since the last ReceiveComplete
    TrafficCounters counters;
    CapturePoint capture;  // this binding's edge (capture.h)

    // Calls into the protocol through its characteristics (no NDIS lock held).
    void send_complete(PNDIS_PACKET packet, NDIS_STATUS status) noexcept;
    // One send finished (completed to the protocol, or failed before reaching the miniport);
    // finishes a pending close when it was the last.
    void send_finished() noexcept;
};

}  // namespace strata::ndis
