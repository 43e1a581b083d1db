// miniport.h — an adapter instance (the NDIS_MINIPORT_BLOCK behind a MiniportAdapterHandle):
// its driver, attributes, state, opens, the serialized-miniport send queue and the request
// queue (seed 003 §2.4.2, §2.7, §2.8, §2.4.3).
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include <ndis.h>

#include "ndis/capture.h"
#include "ndis/eth_filter.h"
#include "ndis/serial_gate.h"
#include "ndis/traffic_counters.h"

namespace strata::ndis {

struct MiniportDriver;
struct Open;

enum class MiniportState : std::uint8_t { Initializing, Running, Halting, Halted };

// One queued request to the miniport: from a protocol's NdisRequest, or NDIS's own.
struct RequestEntry {
    NDIS_REQUEST* request = nullptr;
    Open* open = nullptr;                    // the protocol's open, or nullptr for NDIS's own
    std::function<void(NDIS_STATUS)> done;   // NDIS's own continuation (filter union, init)
    bool pended_to_caller = false;           // NdisRequest returned PENDING: complete to protocol
};

struct Miniport {
    static constexpr std::size_t kMaxOpens = 32;

    NDIS_HANDLE handle = nullptr;
    MiniportDriver* driver = nullptr;
    NDIS_HANDLE context = nullptr;  // MiniportAdapterContext
    NDIS_HANDLE device_context = nullptr;  // an IM's virtual miniport: NdisIMInitializeDeviceInstanceEx's DeviceContext
    std::string device_name;        // \Device\{NetCfgInstanceId}
    std::u16string device_name_utf16;
    std::string instance_key;       // registry key of the adapter instance
    std::atomic<MiniportState> state{MiniportState::Initializing};
    std::atomic<unsigned> io_processor{~0u};  // the processor serving its io events (io_event.cpp)

    // NdisMSetAttributes(Ex)
    bool attributes_set = false;
    ULONG attribute_flags = 0;
    UINT check_for_hang_seconds = 2;
    NDIS_INTERFACE_TYPE interface_type = NdisInterfaceInternal;
    bool serialized() const noexcept { return (attribute_flags & NDIS_ATTRIBUTE_DESERIALIZE) == 0; }

    NDIS_MEDIUM medium = NdisMedium802_3;
    MacAddress station{};  // OID_802_3_CURRENT_ADDRESS, read after initialisation
    ULONG mac_options = 0;
    ULONG max_lookahead = kMaxFrameSize - kEthHeaderSize;

    // Opens: a fixed array read without locks on the data path; changed under Library::mutex.
    std::array<std::atomic<Open*>, kMaxOpens> opens{};
    std::atomic<std::uint32_t> open_slots_used{0};  // high-water mark of `opens`
    std::atomic<std::uint32_t> open_count{0};
    std::atomic<std::int32_t> indications_in_flight{0};

    // Serialized miniports: one call at a time, NDIS-managed send queue (links via WrapperReserved).
    SerialGate gate;
    std::mutex send_queue_mutex;
    PNDIS_PACKET send_queue_head = nullptr;
    PNDIS_PACKET send_queue_tail = nullptr;
    bool send_resources_wait = false;  // last MiniportSend said RESOURCES; wait for a completion
    std::mutex return_queue_mutex;
    PNDIS_PACKET return_queue_head = nullptr;  // returns deferred while the gate was ours

    // Requests: one at a time to the miniport, in order.
    std::mutex request_mutex;
    std::deque<RequestEntry> requests;
    bool request_in_progress = false;
    RequestEntry current_request;
    ULONG programmed_filter = 0;      // the union last set on the miniport
    ULONG programmed_lookahead = 0;

    // Power (power.cpp, seed 003 §2.9): the device state NDIS last set, and what
    // OID_PNP_CAPABILITIES said at initialisation. A miniport that is not power-manageable and
    // did not set NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND is halted for sleep and re-initialised at D0.
    std::atomic<NDIS_DEVICE_POWER_STATE> power_state{NdisDeviceStateD0};
    bool pm_capable = false;
    NDIS_PNP_CAPABILITIES pnp_capabilities{};
    bool halted_for_sleep = false;

    std::atomic<bool> removal_requested{false};  // NdisMRemoveMiniport was called (removal.h)

    // Reset (NdisReset / NdisMResetComplete)
    std::atomic<bool> reset_in_progress{false};
    Open* reset_requester = nullptr;
    std::mutex reset_mutex;                   // guards the two below; wait_for_reset() sleeps on it
    std::condition_variable reset_finished;
    std::uint64_t resets_finished = 0;
    NDIS_STATUS last_reset_status = NDIS_STATUS_SUCCESS;
    bool last_reset_addressing = false;

    // Hang detection (hang_check.cpp): the CheckForHang timer and what it watches.
    KTIMER hang_timer{};
    KDPC hang_dpc{};
    bool hang_check_running = false;
    unsigned request_ticks = 0;                          // periods the current request has been outstanding
    unsigned send_stall_ticks = 0;                       // periods without a send completion while sends pend
    std::uint64_t completions_at_last_tick = 0;
    std::atomic<std::int64_t> sends_in_miniport{0};      // serialized: sends MiniportSend(Packets) pended
    std::atomic<std::uint64_t> send_completions{0};      // serialized: NdisMSendComplete calls

    // Counters
    // Counters of rare events (per-packet counts belong in per-processor statistics).
    std::atomic<std::uint64_t> returns{0}, loopbacks{0};
    TrafficCounters counters;

    // Capture (capture.h): this adapter's edge, and how many taps are armed on it and its opens —
    // the one load the data path makes when nothing captures.
    CapturePoint capture;
    std::atomic<std::uint32_t> captures_armed{0};
    bool capturing() const noexcept { return captures_armed.load(std::memory_order_relaxed) != 0; }

    template <typename F>
    void for_each_open(F&& f) const {
        std::uint32_t used = open_slots_used.load(std::memory_order_acquire);
        for (std::uint32_t i = 0; i < used; ++i)
            if (Open* open = opens[i].load(std::memory_order_acquire)) f(open);
    }

    bool add_open(Open* open) noexcept;      // Library::mutex held
    void remove_open(Open* open) noexcept;   // Library::mutex held; waits out in-flight indications

    // Serialized miniports: run `call` with the gate held. A thread already inside the miniport
    // (a handler calling back into NDIS) holds it already and calls straight through.
    template <typename F>
    void call_serialized(F&& call) {
        if (!serialized() || gate.owned_by_me()) {
            call();
            return;
        }
        gate.enter();
        call();
        leave_gate();
    }
    // Releases the gate and runs work that was deferred to its owner (sends, returns, requests).
    void leave_gate();

    // Data path entry points shared by send.cpp / receive.cpp / request.cpp.
    void send_packets(Open* open, PPNDIS_PACKET packets, UINT count);
    void drain_send_queue();
    // Serialized miniports: completes every send still in NDIS's queue with `status` (a reset).
    void abort_send_queue(NDIS_STATUS status);
    void return_packet_to_miniport(PNDIS_PACKET packet);
    void drain_return_queue();
    NDIS_STATUS submit_request(RequestEntry entry);  // returns the status or NDIS_STATUS_PENDING
    void complete_request(NDIS_STATUS status);       // NdisMQuery/SetInformationComplete
    void start_next_request();
};

Miniport* miniport_from(NDIS_HANDLE handle, const char* function) noexcept;

}  // namespace strata::ndis

namespace strata::ndis {

// Runs MiniportInitialize for a new adapter instance whose driver, names and instance key are
// set (PASSIVE_LEVEL). On success the adapter is Running and its station address is known.
NDIS_STATUS initialize_miniport(Miniport& miniport);
// Unbinds every open, then runs MiniportHalt (PASSIVE_LEVEL).
void halt_miniport(Miniport& miniport);

// Resets the adapter (seed 003 §2.10): RESET_START to every open, MiniportReset, and RESET_END
// when it is over. `requester` (or nullptr when NDIS itself resets a hung adapter) gets
// ProtocolResetComplete if the reset pends. Returns the status, NDIS_STATUS_PENDING, or
// NDIS_STATUS_RESET_IN_PROGRESS.
NDIS_STATUS reset_miniport(Miniport& miniport, Open* requester);
// What `strata reset` waits for (PASSIVE_LEVEL): take resets_finished() before starting a reset
// at DISPATCH_LEVEL, then wait_for_reset() until a later one finished — at once, or when
// NdisMResetComplete comes. nullopt when none finished within `timeout_ms`.
struct ResetOutcome {
    NDIS_STATUS status;
    bool addressing_reset;
};
std::uint64_t resets_finished(Miniport& miniport);
std::optional<ResetOutcome> wait_for_reset(Miniport& miniport, std::uint64_t finished_before, unsigned timeout_ms);

// The CheckForHang timer (seed 003 §2.4.2), started after initialisation and stopped before halt.
void start_hang_check(Miniport& miniport);
void stop_hang_check(Miniport& miniport);

}  // namespace strata::ndis
