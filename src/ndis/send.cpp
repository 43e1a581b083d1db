// send.cpp — the send path (seed 003 §2.8): NdisSend, NdisSendPackets (order preserved) into
// MiniportSend/MiniportSendPackets, NdisMSendComplete → ProtocolSendComplete, the NDIS-managed
// send queue of serialized miniports (NDIS_STATUS_RESOURCES requeues at the head until
// NdisMSendResourcesAvailable or a send completes), loopback and NdisCancelSendPackets.
// Hot path: no lock for deserialized miniports, no heap allocation.
#include <cstdio>

#include "ndis/handle_table.h"
#include "ndis/library.h"
#include "ndis/packet_pool.h"
#include "ndis/packet_stack.h"
#include "ndis/receive.h"
#include "verifier/verifier.h"

namespace strata::ndis {
namespace {

// Serialized miniports' queue links packets through NDIS's own WrapperReserved bytes.
PNDIS_PACKET& queue_link(PNDIS_PACKET packet) noexcept {
    return *reinterpret_cast<PNDIS_PACKET*>(packet->WrapperReserved);
}

// The send at the packet's top level is over. A stacked level goes away with it: the packet is
// back with the intermediate driver that passed it down (still Sending at the level below).
Open* take_from_miniport(Miniport& m, PNDIS_PACKET packet, const char* function) noexcept {
    PacketHeader* header = header_of(packet);
    LevelState level = top_state(header);
    if (level.path_state != PacketPath::Sending) {
        char message[160];
        std::snprintf(message, sizeof message, "%s: packet %p was not given to the miniport for sending", function,
                      static_cast<void*>(packet));
        verifier::report(verifier::Rule::PacketNotOwned, m.driver->service, packet, message);
        return nullptr;
    }
    return static_cast<Open*>(release_top_level(header));
}

// A send NDIS finished itself (synchronous MiniportSend result, or a failure before the miniport).
void complete_to_protocol(Miniport& m, PNDIS_PACKET packet, NDIS_STATUS status) {
    if (Open* open = take_from_miniport(m, packet, "MiniportSend")) open->send_complete(packet, status);
}

// Seed 003 §2.5/§2.8: an IM sends its own descriptors, or (NDIS 5.1) the one it was given after
// NdisIMGetCurrentPacketStack offered it a level; passing it down without asking is neither.
void report_unstacked_send(Open& open, PNDIS_PACKET packet) noexcept {
    verifier::report(verifier::Rule::PacketDescriptorReplaced, open.protocol->service, packet,
                     "NdisSend(Packets): an intermediate driver passed down the descriptor its virtual miniport "
                     "was given instead of its own, without NdisIMGetCurrentPacketStack offering a level");
}

bool mark_sending(Open& open, PNDIS_PACKET packet) noexcept {
    if (verifier::verifying(open.protocol->service) && !is_pool_packet(packet)) {
        verifier::report(verifier::Rule::PacketNotOwned, open.protocol->service, packet,
                         "NdisSend: the packet was not allocated with NdisAllocatePacket");
        return false;
    }
    PacketHeader* header = header_of(packet);
    if (top_state(header).path_state == PacketPath::Sending) [[unlikely]] {
        if (push_send_level(header, open)) {
            if (verifier::verifying(open.protocol->service) && !stacking_checked(header))
                report_unstacked_send(open, packet);
            return true;
        }
        verifier::report(verifier::Rule::PacketNotOwned, open.protocol->service, packet,
                         is_intermediate_send(header, open)
                             ? "NdisSend: an intermediate driver passed down the descriptor it was given with no "
                               "packet-stack level left (NdisIMGetCurrentPacketStack said none remained)"
                             : "NdisSend: the packet is already being sent and was not completed");
        return false;
    }
    LevelState level = top_state(header);
    level.holder = &open;
    level.path_state = PacketPath::Sending;
    return true;
}

void loop_back(Miniport& m, Open& sender, PPNDIS_PACKET packets, UINT count) {
    if (m.open_count.load(std::memory_order_relaxed) < 2) return;
    for (UINT i = 0; i < count; ++i)
        if (!(NdisGetPacketFlags(packets[i]) & NDIS_FLAGS_DONT_LOOPBACK)) indicate_loopback(m, &sender, packets[i]);
}

}  // namespace

void Miniport::send_packets(Open* open, PPNDIS_PACKET packets, UINT count) {
    loop_back(*this, *open, packets, count);
    const auto& chars = driver->chars;
    if (!serialized()) {
        if (chars.SendPacketsHandler != nullptr) {
            chars.SendPacketsHandler(context, packets, count);
            return;
        }
        for (UINT i = 0; i < count; ++i) {
            NDIS_STATUS status = chars.SendHandler(context, packets[i], NdisGetPacketFlags(packets[i]));
            if (status != NDIS_STATUS_PENDING) complete_to_protocol(*this, packets[i], status);
        }
        return;
    }
    {
        std::lock_guard lock(send_queue_mutex);
        for (UINT i = 0; i < count; ++i) {
            queue_link(packets[i]) = nullptr;
            if (send_queue_tail != nullptr) queue_link(send_queue_tail) = packets[i];
            else send_queue_head = packets[i];
            send_queue_tail = packets[i];
        }
    }
    drain_send_queue();
}

void Miniport::drain_send_queue() {
    if (gate.owned_by_me() || !gate.try_enter()) return;  // the gate's owner drains when it leaves
    const auto& chars = driver->chars;
    for (;;) {
        PNDIS_PACKET packet;
        std::uint64_t completions_before;
        {
            std::lock_guard lock(send_queue_mutex);
            if (send_resources_wait || send_queue_head == nullptr) break;
            completions_before = send_completions.load(std::memory_order_relaxed);
            packet = send_queue_head;
            send_queue_head = queue_link(packet);
            if (send_queue_head == nullptr) send_queue_tail = nullptr;
        }
        NDIS_STATUS status;
        if (chars.SendHandler != nullptr) {
            status = chars.SendHandler(context, packet, NdisGetPacketFlags(packet));
        } else {
            NDIS_SET_PACKET_STATUS(packet, NDIS_STATUS_SUCCESS);
            chars.SendPacketsHandler(context, &packet, 1);
            status = NDIS_GET_PACKET_STATUS(packet);
        }
        if (status == NDIS_STATUS_PENDING) {
            sends_in_miniport.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        if (status == NDIS_STATUS_RESOURCES) {
            std::lock_guard lock(send_queue_mutex);
            queue_link(packet) = send_queue_head;
            send_queue_head = packet;
            if (send_queue_tail == nullptr) send_queue_tail = packet;
            // A completion (or NdisMSendResourcesAvailable) while MiniportSend ran already freed
            // room: waiting for the next one could wait forever.
            if (send_completions.load(std::memory_order_relaxed) != completions_before) continue;
            send_resources_wait = true;
            break;
        }
        complete_to_protocol(*this, packet, status);
    }
    drain_return_queue();
    leave_gate();
}

void Miniport::abort_send_queue(NDIS_STATUS status) {
    PNDIS_PACKET aborted;
    {
        std::lock_guard lock(send_queue_mutex);
        aborted = send_queue_head;
        send_queue_head = send_queue_tail = nullptr;
        send_resources_wait = false;
    }
    while (aborted != nullptr) {
        PNDIS_PACKET next = queue_link(aborted);
        complete_to_protocol(*this, aborted, status);
        aborted = next;
    }
}

void Miniport::leave_gate() {
    gate.leave();
    if (!serialized()) return;
    start_next_request();
    bool more;
    {
        std::lock_guard lock(send_queue_mutex);
        more = send_queue_head != nullptr && !send_resources_wait;
    }
    {
        std::lock_guard lock(return_queue_mutex);
        more = more || return_queue_head != nullptr;
    }
    if (more) drain_send_queue();
}

}  // namespace strata::ndis

using namespace strata;
using namespace strata::ndis;

namespace {

Open* open_for_send(NDIS_HANDLE handle, const char* function) noexcept {
    return lookup<Open>(handle, HandleKind::Open, function);
}

// Why NDIS fails a send before the miniport sees it: the binding is closing, the adapter is
// resetting (the protocol heard RESET_START and resends after RESET_END, seed 003 §2.10), or the
// NIC is powered down.
NDIS_STATUS send_refusal(const Open& open, const Miniport& m) noexcept {
    if (open.state.load(std::memory_order_acquire) != OpenState::Open) return NDIS_STATUS_CLOSING;
    if (m.reset_in_progress.load(std::memory_order_relaxed)) return NDIS_STATUS_RESET_IN_PROGRESS;
    // A NIC below D0 is powered down (seed 003 §2.9.3). Protocols were told by NetEventSetPower to
    // stop sending; one that goes on is refused here rather than handing the miniport a send it
    // cannot do. An IM's virtual miniport decides for itself (passthru queues until the NIC wakes).
    if (m.power_state.load(std::memory_order_relaxed) != NdisDeviceStateD0 && !m.driver->layered)
        return NDIS_STATUS_ADAPTER_NOT_READY;
    return NDIS_STATUS_SUCCESS;
}

}  // namespace

/* NdisSendPackets (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL
 * Every packet comes back through ProtocolSendComplete, in the order the miniport completes. */
extern "C" VOID NdisSendPackets(NDIS_HANDLE NdisBindingHandle, PPNDIS_PACKET PacketArray, UINT NumberOfPackets) {
    Open* open = open_for_send(NdisBindingHandle, "NdisSendPackets");
    if (open == nullptr || NumberOfPackets == 0) return;
    if (PacketArray == nullptr) {
        verifier::report(verifier::Rule::NullParameter, open->protocol->service, NdisBindingHandle,
                         "NdisSendPackets: PacketArray is NULL");
        return;
    }
    UINT accepted = 0;
    for (UINT i = 0; i < NumberOfPackets; ++i)
        if (mark_sending(*open, PacketArray[i])) PacketArray[accepted++] = PacketArray[i];
    if (accepted == 0) return;
    open->counters.add(Counter::SendRequested, accepted);
    open->sends_outstanding.fetch_add(accepted, std::memory_order_relaxed);
    Miniport& m = *open->miniport;
    NDIS_STATUS refused = send_refusal(*open, m);
    if (refused != NDIS_STATUS_SUCCESS) [[unlikely]] {
        for (UINT i = 0; i < accepted; ++i) {
            release_top_level(header_of(PacketArray[i]));
            open->send_complete(PacketArray[i], refused);
        }
        return;
    }
    if (m.capturing()) [[unlikely]]
        capture_sends(*open, PacketArray, accepted);
    m.send_packets(open, PacketArray, accepted);
}

/* NdisSend (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL
 * A status other than NDIS_STATUS_PENDING means the send is over and no ProtocolSendComplete
 * follows. */
extern "C" VOID NdisSend(PNDIS_STATUS Status, NDIS_HANDLE NdisBindingHandle, PNDIS_PACKET Packet) {
    Open* open = open_for_send(NdisBindingHandle, "NdisSend");
    if (open == nullptr || Status == nullptr || Packet == nullptr) {
        if (open != nullptr)
            verifier::report(verifier::Rule::NullParameter, open->protocol->service, NdisBindingHandle,
                             "NdisSend: Status and Packet must not be NULL");
        if (Status != nullptr) *Status = NDIS_STATUS_FAILURE;
        return;
    }
    Miniport& m = *open->miniport;
    if (NDIS_STATUS refused = send_refusal(*open, m); refused != NDIS_STATUS_SUCCESS) [[unlikely]] {
        open->counters.add(Counter::SendRequested);
        open->counters.add(refused == NDIS_STATUS_CLOSING ? Counter::SendClosing : Counter::SendFailed);
        *Status = refused;
        return;
    }
    if (!mark_sending(*open, Packet)) {
        *Status = NDIS_STATUS_INVALID_PACKET;
        return;
    }
    open->counters.add(Counter::SendRequested);
    open->sends_outstanding.fetch_add(1, std::memory_order_relaxed);
    if (m.capturing()) [[unlikely]]
        capture_sends(*open, &Packet, 1);
    const auto& chars = m.driver->chars;
    if (m.serialized() || chars.SendHandler == nullptr) {
        *Status = NDIS_STATUS_PENDING;
        m.send_packets(open, &Packet, 1);
        return;
    }
    if (m.open_count.load(std::memory_order_relaxed) > 1 && !(NdisGetPacketFlags(Packet) & NDIS_FLAGS_DONT_LOOPBACK))
        indicate_loopback(m, open, Packet);
    NDIS_STATUS status = chars.SendHandler(m.context, Packet, NdisGetPacketFlags(Packet));
    if (status != NDIS_STATUS_PENDING) {
        release_top_level(header_of(Packet));
        if (status == NDIS_STATUS_SUCCESS) {
            open->counters.add(Counter::SentPackets);
            open->counters.add(Counter::SentBytes, packet_bytes(Packet));
        } else {
            open->counters.add(Counter::SendFailed);
        }
        open->send_finished();
    }
    *Status = status;
}

/* NdisMSendComplete (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisMSendComplete(NDIS_HANDLE MiniportAdapterHandle, PNDIS_PACKET Packet, NDIS_STATUS Status) {
    Miniport* m = miniport_from(MiniportAdapterHandle, "NdisMSendComplete");
    if (m == nullptr) return;
    if (Packet == nullptr) {
        verifier::report(verifier::Rule::NullParameter, m->driver->service, MiniportAdapterHandle,
                         "NdisMSendComplete: Packet is NULL");
        return;
    }
    Open* open = take_from_miniport(*m, Packet, "NdisMSendComplete");
    if (open == nullptr) return;
    if (m->serialized()) {
        {
            std::lock_guard lock(m->send_queue_mutex);
            m->send_resources_wait = false;
            m->send_completions.fetch_add(1, std::memory_order_relaxed);
        }
        m->sends_in_miniport.fetch_sub(1, std::memory_order_relaxed);
        open->send_complete(Packet, Status);
        m->drain_send_queue();
        return;
    }
    open->send_complete(Packet, Status);
}

/* NdisMSendResourcesAvailable (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisMSendResourcesAvailable(NDIS_HANDLE MiniportAdapterHandle) {
    Miniport* m = miniport_from(MiniportAdapterHandle, "NdisMSendResourcesAvailable");
    if (m == nullptr || !m->serialized()) return;
    {
        std::lock_guard lock(m->send_queue_mutex);
        m->send_resources_wait = false;
        m->send_completions.fetch_add(1, std::memory_order_relaxed);  // wakes a drain that just saw RESOURCES
    }
    m->drain_send_queue();
}

/* NdisCancelSendPackets (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL
 * Queued sends of this binding carrying CancelId complete with NDIS_STATUS_REQUEST_ABORTED; the
 * miniport's MiniportCancelSendPackets is told about the rest. */
extern "C" VOID NdisCancelSendPackets(NDIS_HANDLE NdisBindingHandle, PVOID CancelId) {
    Open* open = open_for_send(NdisBindingHandle, "NdisCancelSendPackets");
    if (open == nullptr) return;
    Miniport& m = *open->miniport;
    if (m.serialized()) {
        PNDIS_PACKET cancelled = nullptr;
        {
            std::lock_guard lock(m.send_queue_mutex);
            PNDIS_PACKET* link = &m.send_queue_head;
            m.send_queue_tail = nullptr;
            while (PNDIS_PACKET packet = *link) {
                if (top_state(header_of(packet)).holder == open && NDIS_GET_PACKET_CANCEL_ID(packet) == CancelId) {
                    *link = queue_link(packet);
                    queue_link(packet) = cancelled;
                    cancelled = packet;
                } else {
                    m.send_queue_tail = packet;
                    link = &queue_link(packet);
                }
            }
        }
        while (cancelled != nullptr) {
            PNDIS_PACKET next = queue_link(cancelled);
            complete_to_protocol(m, cancelled, NDIS_STATUS_REQUEST_ABORTED);
            cancelled = next;
        }
    }
    if (m.driver->chars.CancelSendPacketsHandler != nullptr)
        m.call_serialized([&] { m.driver->chars.CancelSendPacketsHandler(m.context, CancelId); });
}

/* NdisGeneratePartialCancelId lives with the packet calls (packet.cpp). */
