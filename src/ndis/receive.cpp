// receive.cpp — the receive paths (seed 003 §2.7): NdisMIndicateReceivePacket with
// ProtocolReceivePacket reference counts and NdisReturnPackets → MiniportReturnPacket exactly
// once after the last return; NDIS_STATUS_RESOURCES (and protocols without ReceivePacket) get
// ProtocolReceive with the full frame; NdisMEthIndicateReceive with a partial lookahead →
// ProtocolReceive → NdisTransferData (synchronous, or pending → MiniportTransferData →
// NdisMTransferDataComplete → ProtocolTransferDataComplete) → ProtocolReceiveComplete.
// Every indication passes each open's Ethernet filter. No lock, no heap allocation.
#include "ndis/receive.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "ndis/handle_table.h"
#include "ndis/library.h"
#include "ndis/packet_pool.h"
#include "ndis/packet_stack.h"
#include "ntos/irql.h"
#include "verifier/verifier.h"

namespace strata::ndis {
namespace {

// While protocols look at an indicated packet NDIS holds this many references, so returns that
// race with the indication can never reach zero before NDIS knows the protocols' total.
constexpr std::int32_t kIndicationBias = 1 << 24;

// The MacReceiveContext handed to ProtocolReceive; lives on the indicating thread's stack.
struct ReceiveContext {
    enum class Source : std::uint8_t { Packet, Lookahead };
    Source source;
    Miniport* miniport;
    Open* open = nullptr;
    PNDIS_PACKET packet = nullptr;            // Source::Packet
    NDIS_HANDLE miniport_context = nullptr;   // Source::Lookahead: MiniportReceiveContext
    const std::uint8_t* data = nullptr;       // bytes after the header
    UINT data_size = 0;                       // bytes available at `data`
    UINT packet_size = 0;                     // bytes after the header in the whole frame
    std::uint8_t transfers = 0;
    ReceiveContext* outer = nullptr;
};

thread_local ReceiveContext* tls_receive = nullptr;

class ReceiveScope {
public:
    explicit ReceiveScope(ReceiveContext& context) noexcept : context_(context) {
        context.outer = tls_receive;
        tls_receive = &context;
    }
    ~ReceiveScope() { tls_receive = context_.outer; }
    ReceiveScope(const ReceiveScope&) = delete;
    ReceiveScope& operator=(const ReceiveScope&) = delete;
private:
    ReceiveContext& context_;
};

ReceiveContext* active_context(NDIS_HANDLE handle) noexcept {
    for (ReceiveContext* c = tls_receive; c != nullptr; c = c->outer)
        if (c == handle) return c;
    return nullptr;
}

// A frame as contiguous bytes: the first buffer when it holds the frame, else a copy.
struct Frame {
    const std::uint8_t* data = nullptr;
    UINT size = 0;
};

Frame view_frame(PNDIS_PACKET packet, std::array<std::uint8_t, kMaxFrameSize>& scratch) noexcept {
    PNDIS_BUFFER buffer = packet->Private.Head;
    if (buffer == nullptr) return {};
    if (buffer->Next == nullptr)
        return {static_cast<const std::uint8_t*>(MmGetSystemAddressForMdlSafe(buffer, NormalPagePriority)),
                MmGetMdlByteCount(buffer)};
    UINT total = 0;
    for (PNDIS_BUFFER b = buffer; b != nullptr; b = b->Next) total += MmGetMdlByteCount(b);
    auto* first = static_cast<const std::uint8_t*>(MmGetSystemAddressForMdlSafe(buffer, NormalPagePriority));
    if (MmGetMdlByteCount(buffer) >= total) return {first, total};
    UINT copied = 0;
    for (PNDIS_BUFFER b = buffer; b != nullptr && copied < scratch.size(); b = b->Next) {
        UINT n = std::min<UINT>(MmGetMdlByteCount(b), static_cast<UINT>(scratch.size()) - copied);
        std::memcpy(scratch.data() + copied, MmGetSystemAddressForMdlSafe(b, NormalPagePriority), n);
        copied += n;
    }
    return {scratch.data(), copied};
}

UINT copy_into_packet(PNDIS_PACKET destination, const std::uint8_t* source, UINT length) noexcept {
    UINT copied = 0;
    for (PNDIS_BUFFER b = destination->Private.Head; b != nullptr && copied < length; b = b->Next) {
        UINT n = std::min<UINT>(MmGetMdlByteCount(b), length - copied);
        std::memcpy(MmGetSystemAddressForMdlSafe(b, NormalPagePriority), source + copied, n);
        copied += n;
    }
    return copied;
}

void receive_through_lookahead(Miniport& m, Open& open, PNDIS_PACKET packet, const Frame& frame) {
    ReceiveContext context{ReceiveContext::Source::Packet, &m};
    context.open = &open;
    context.packet = packet;
    context.data = frame.data + kEthHeaderSize;
    context.data_size = frame.size - static_cast<UINT>(kEthHeaderSize);
    context.packet_size = context.data_size;
    ReceiveScope scope(context);
    open.receive_complete_due.store(true, std::memory_order_relaxed);
    open.protocol->chars.ReceiveHandler(open.binding_context, &context, const_cast<std::uint8_t*>(frame.data),
                                        kEthHeaderSize, const_cast<std::uint8_t*>(context.data), context.data_size,
                                        context.packet_size);
}

void complete_receives(Miniport& m) {
    m.for_each_open([](Open* open) {
        if (open->receive_complete_due.load(std::memory_order_relaxed) && open->receive_complete_due.exchange(false))
            open->protocol->chars.ReceiveCompleteHandler(open->binding_context);
    });
}

class IndicationScope {
public:
    explicit IndicationScope(Miniport& m) noexcept : m_(m) { m.indications_in_flight.fetch_add(1, std::memory_order_acquire); }
    ~IndicationScope() { m_.indications_in_flight.fetch_sub(1, std::memory_order_release); }
    IndicationScope(const IndicationScope&) = delete;
    IndicationScope& operator=(const IndicationScope&) = delete;
private:
    Miniport& m_;
};

bool open_receives(const Open* open) noexcept { return open->state.load(std::memory_order_acquire) == OpenState::Open; }

}  // namespace

void indicate_loopback(Miniport& m, Open* sender, PNDIS_PACKET packet) {
    // Receive handlers run at DISPATCH_LEVEL, whatever IRQL the sender called NdisSend at.
    ntos::IrqlRaise dispatch(DISPATCH_LEVEL);
    std::array<std::uint8_t, kMaxFrameSize> scratch;
    Frame frame = view_frame(packet, scratch);
    if (frame.size < kEthHeaderSize) return;
    IndicationScope scope(m);
    const bool capturing = m.capturing();
    bool delivered = false;
    m.for_each_open([&](Open* open) {
        if (open == sender || !open_receives(open) || !open->filter.accepts(frame.data, m.station)) return;
        if (capturing) [[unlikely]]
            capture_frame(open->capture, frame.data, frame.size);
        receive_through_lookahead(m, *open, packet, frame);
        delivered = true;
    });
    if (delivered) {
        m.loopbacks.fetch_add(1, std::memory_order_relaxed);
        complete_receives(m);
    }
}

void Miniport::return_packet_to_miniport(PNDIS_PACKET packet) {
    release_top_level(header_of(packet));  // back to the level of the driver below the IM
    returns.fetch_add(1, std::memory_order_relaxed);
    if (driver->chars.ReturnPacketHandler == nullptr) {
        verifier::report(verifier::Rule::BadCall, driver->service, packet,
                         "packet indicated with NDIS_STATUS_SUCCESS by a miniport without MiniportReturnPacket");
        return;
    }
    if (!serialized()) {
        driver->chars.ReturnPacketHandler(context, packet);
        return;
    }
    {
        std::lock_guard lock(return_queue_mutex);
        *reinterpret_cast<PNDIS_PACKET*>(packet->WrapperReserved) = return_queue_head;
        return_queue_head = packet;
    }
    drain_send_queue();
}

void Miniport::drain_return_queue() {
    PNDIS_PACKET packet;
    {
        std::lock_guard lock(return_queue_mutex);
        packet = return_queue_head;
        return_queue_head = nullptr;
    }
    while (packet != nullptr) {
        PNDIS_PACKET next = *reinterpret_cast<PNDIS_PACKET*>(packet->WrapperReserved);
        driver->chars.ReturnPacketHandler(context, packet);
        packet = next;
    }
}

}  // namespace strata::ndis

using namespace strata;
using namespace strata::ndis;

/* NdisMIndicateReceivePacket (ndis.h) — seed 003 §2.7.1 — IRQL == DISPATCH_LEVEL (deserialized)
 * On return each packet's status tells the miniport who owns it: SUCCESS (the miniport),
 * PENDING (protocols; MiniportReturnPacket follows once) or RESOURCES (the miniport, as it was). */
extern "C" VOID NdisMIndicateReceivePacket(NDIS_HANDLE MiniportAdapterHandle, PPNDIS_PACKET ReceivedPackets,
                                           UINT NumberOfPackets) {
    Miniport* m = miniport_from(MiniportAdapterHandle, "NdisMIndicateReceivePacket");
    if (m == nullptr) return;
    if (ReceivedPackets == nullptr) {
        verifier::report(verifier::Rule::NullParameter, m->driver->service, MiniportAdapterHandle,
                         "NdisMIndicateReceivePacket: ReceivedPackets is NULL");
        return;
    }
    IndicationScope scope(*m);
    const bool capturing = m->capturing();
    std::array<std::uint8_t, kMaxFrameSize> scratch;
    bool resources = false;
    // The adapter's counters are added once per indication, not per packet.
    std::uint64_t indicated = 0, indicated_bytes = 0, runts = 0, untaken = 0;
    for (UINT i = 0; i < NumberOfPackets; ++i) {
        PNDIS_PACKET packet = ReceivedPackets[i];
        PacketHeader* header = header_of(packet);
        if (top_state(header).path_state == PacketPath::Indicated) [[unlikely]] {
            if (!push_receive_level(header, *m)) {
                verifier::report(verifier::Rule::PacketNotOwned, m->driver->service, packet,
                                 m->driver->layered
                                     ? "NdisMIndicateReceivePacket: an intermediate driver indicated the descriptor it "
                                       "was given with no packet-stack level left (NdisIMGetCurrentPacketStack)"
                                     : "NdisMIndicateReceivePacket: packet is still held by protocols from an earlier "
                                       "indication");
                continue;
            }
            // Seed 003 §2.5/§2.7: an IM indicates its own descriptor, or the one it received after
            // NdisIMGetCurrentPacketStack offered it a level.
            if (verifier::enabled() && !stacking_checked(header))
                verifier::report(verifier::Rule::PacketDescriptorReplaced, m->driver->service, packet,
                                 "NdisMIndicateReceivePacket: an intermediate driver indicated up the descriptor its "
                                 "protocol received instead of its own, without NdisIMGetCurrentPacketStack offering "
                                 "a level");
        }
        const std::uint8_t my_level = header->stack_top;
        LevelState level = level_state(header, my_level);
        resources = resources || NDIS_GET_PACKET_STATUS(packet) == NDIS_STATUS_RESOURCES;
        Frame frame = view_frame(packet, scratch);
        if (capturing) [[unlikely]]
            capture_frame(m->capture, frame.data, frame.size);
        if (frame.size < kEthHeaderSize) {
            ++runts;
            if (my_level != 0) header->stack_top = my_level - 1;
            continue;
        }
        ++indicated;
        indicated_bytes += frame.size;
        level.holder = m;
        level.path_state = PacketPath::Indicated;
        header->indicated = true;
        level.receive_refs.store(kIndicationBias, std::memory_order_relaxed);
        std::int32_t held = 0;
        bool taken = false;
        m->for_each_open([&](Open* open) {
            if (!open_receives(open)) return;
            if (!open->filter.accepts(frame.data, m->station)) {
                open->counters.add(Counter::Filtered);
                return;
            }
            taken = true;
            open->counters.add(Counter::ReceivedPackets);
            open->counters.add(Counter::ReceivedBytes, frame.size);
            if (capturing) [[unlikely]]
                capture_frame(open->capture, frame.data, frame.size);
            auto handler = open->protocol->chars.ReceivePacketHandler;
            if (resources || handler == nullptr) {
                receive_through_lookahead(*m, *open, packet, frame);
                return;
            }
            INT count = handler(open->binding_context, packet);
            if (count > 0) held += count;
        });
        if (!taken) ++untaken;
        // A deserialized miniport gets back every packet it did not mark RESOURCES through
        // MiniportReturnPacket (it may not read the status after the call); a serialized one
        // owns a packet nobody kept again when the call returns, its status saying so.
        if (held == 0 && (resources || m->serialized())) {
            level.receive_refs.store(0, std::memory_order_relaxed);
            release_top_level(header);
            if (!resources) NDIS_SET_PACKET_STATUS(packet, NDIS_STATUS_SUCCESS);
            continue;
        }
        NDIS_SET_PACKET_STATUS(packet, NDIS_STATUS_PENDING);
        if (level.receive_refs.fetch_sub(kIndicationBias - held, std::memory_order_acq_rel) == kIndicationBias - held)
            m->return_packet_to_miniport(packet);
    }
    m->counters.add(Counter::ReceivedPackets, indicated);
    m->counters.add(Counter::ReceivedBytes, indicated_bytes);
    if (runts != 0) m->counters.add(Counter::Runt, runts);
    if (untaken != 0) m->counters.add(Counter::Filtered, untaken);
    complete_receives(*m);
}

/* NdisReturnPackets (ndis.h) — seed 003 §2.7.1.1 — IRQL <= DISPATCH_LEVEL
 * Each call gives back one of the references ProtocolReceivePacket's result took. */
extern "C" VOID NdisReturnPackets(PNDIS_PACKET* PacketsToReturn, UINT NumberOfPackets) {
    if (PacketsToReturn == nullptr) return;
    for (UINT i = 0; i < NumberOfPackets; ++i) {
        PNDIS_PACKET packet = PacketsToReturn[i];
        if (packet == nullptr) continue;
        if (!is_pool_packet(packet)) {
            verifier::report(verifier::Rule::PacketNotOwned, "", packet,
                             "NdisReturnPackets: not a packet from an NDIS packet pool");
            continue;
        }
        PacketHeader* header = header_of(packet);
        LevelState level = top_state(header);
        if (level.path_state != PacketPath::Indicated) {
            // Returning a packet never indicated up is taking one the caller does not own; one that
            // was indicated and is back with its miniport was returned more often than kept.
            if (header->indicated)
                verifier::report(verifier::Rule::PacketReturnMismatch, "", packet,
                                 "NdisReturnPackets: packet returned more often than ProtocolReceivePacket kept it");
            else
                verifier::report(verifier::Rule::PacketNotOwned, "", packet,
                                 "NdisReturnPackets: packet was never indicated to a protocol");
            continue;
        }
        auto* m = static_cast<Miniport*>(level.holder);
        std::int32_t left = level.receive_refs.fetch_sub(1, std::memory_order_acq_rel) - 1;
        if (left == 0) m->return_packet_to_miniport(packet);
    }
}

/* NdisMEthIndicateReceive (ndis.h) — seed 003 §2.7.1.2 — IRQL == DISPATCH_LEVEL */
extern "C" VOID NdisMEthIndicateReceive(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE MiniportReceiveContext,
                                        PVOID HeaderBuffer, UINT HeaderBufferSize, PVOID LookaheadBuffer,
                                        UINT LookaheadBufferSize, UINT PacketSize) {
    Miniport* m = miniport_from(MiniportAdapterHandle, "NdisMEthIndicateReceive");
    if (m == nullptr || HeaderBuffer == nullptr || HeaderBufferSize < kEthHeaderSize) return;
    IndicationScope scope(*m);
    const auto* destination = static_cast<const std::uint8_t*>(HeaderBuffer);
    std::uint64_t bytes = std::uint64_t{HeaderBufferSize} + PacketSize;
    m->counters.add(Counter::ReceivedPackets);
    m->counters.add(Counter::ReceivedBytes, bytes);
    const bool capturing = m->capturing();
    if (capturing) [[unlikely]]
        capture_lookahead(m->capture, HeaderBuffer, HeaderBufferSize, LookaheadBuffer, LookaheadBufferSize, PacketSize);
    bool taken = false;
    m->for_each_open([&](Open* open) {
        if (!open_receives(open)) return;
        if (!open->filter.accepts(destination, m->station)) {
            open->counters.add(Counter::Filtered);
            return;
        }
        taken = true;
        open->counters.add(Counter::ReceivedPackets);
        open->counters.add(Counter::ReceivedBytes, bytes);
        if (capturing) [[unlikely]]
            capture_lookahead(open->capture, HeaderBuffer, HeaderBufferSize, LookaheadBuffer, LookaheadBufferSize,
                              PacketSize);
        ReceiveContext context{ReceiveContext::Source::Lookahead, m};
        context.open = open;
        context.miniport_context = MiniportReceiveContext;
        context.data = static_cast<const std::uint8_t*>(LookaheadBuffer);
        context.data_size = LookaheadBufferSize;
        context.packet_size = PacketSize;
        ReceiveScope receive(context);
        open->receive_complete_due.store(true, std::memory_order_relaxed);
        open->protocol->chars.ReceiveHandler(open->binding_context, &context, HeaderBuffer, HeaderBufferSize,
                                             LookaheadBuffer, LookaheadBufferSize, PacketSize);
    });
    if (!taken) m->counters.add(Counter::Filtered);
}

/* NdisMEthIndicateReceiveComplete (ndis.h) — seed 003 §2.7.1.2 — IRQL == DISPATCH_LEVEL */
extern "C" VOID NdisMEthIndicateReceiveComplete(NDIS_HANDLE MiniportAdapterHandle) {
    if (Miniport* m = miniport_from(MiniportAdapterHandle, "NdisMEthIndicateReceiveComplete")) complete_receives(*m);
}

/* NdisTransferData (ndis.h) — seed 003 §2.7.1.2 — IRQL == DISPATCH_LEVEL
 * Only inside ProtocolReceive, once per indication. ByteOffset counts from the end of the
 * header. NDIS copies itself when it has the bytes; otherwise MiniportTransferData may pend and
 * ProtocolTransferDataComplete follows. */
extern "C" VOID NdisTransferData(PNDIS_STATUS Status, NDIS_HANDLE NdisBindingHandle, NDIS_HANDLE MacReceiveContext,
                                 UINT ByteOffset, UINT BytesToTransfer, PNDIS_PACKET Packet, PUINT BytesTransferred) {
    auto* open = lookup<Open>(NdisBindingHandle, HandleKind::Open, "NdisTransferData");
    if (Status == nullptr || BytesTransferred == nullptr || Packet == nullptr || open == nullptr) {
        if (Status != nullptr) *Status = NDIS_STATUS_FAILURE;
        return;
    }
    *BytesTransferred = 0;
    ReceiveContext* context = active_context(MacReceiveContext);
    if (context == nullptr || context->open != open) {
        verifier::report(verifier::Rule::TransferDataOutsideReceive, open->protocol->service, NdisBindingHandle,
                         "NdisTransferData called outside ProtocolReceive for this binding");
        *Status = NDIS_STATUS_FAILURE;
        return;
    }
    if (context->transfers++ != 0)
        verifier::report(verifier::Rule::TransferDataOutsideReceive, open->protocol->service, NdisBindingHandle,
                         "NdisTransferData called twice for one indication");
    UINT available = context->packet_size > ByteOffset ? context->packet_size - ByteOffset : 0;
    UINT length = std::min(BytesToTransfer, available);
    if (context->source == ReceiveContext::Source::Packet || ByteOffset + length <= context->data_size) {
        *BytesTransferred = copy_into_packet(Packet, context->data + ByteOffset, length);
        *Status = NDIS_STATUS_SUCCESS;
        return;
    }
    Miniport& m = *context->miniport;
    if (open->protocol->chars.TransferDataCompleteHandler == nullptr) {
        verifier::report(verifier::Rule::BadCharacteristics, open->protocol->service, NdisBindingHandle,
                         "NdisTransferData from a protocol without ProtocolTransferDataComplete (seed 003 §2.3.1.2)");
        *Status = NDIS_STATUS_FAILURE;
        return;
    }
    if (m.driver->chars.TransferDataHandler == nullptr) {
        *Status = NDIS_STATUS_NOT_SUPPORTED;
        return;
    }
    // An IM's MiniportTransferData passes the packet on to NdisTransferData below: each
    // transfer gets a level, so every NdisMTransferDataComplete finds its own binding.
    PacketHeader* header = header_of(Packet);
    const bool nested = top_state(header).path_state == PacketPath::Transferring;
    if (nested && !push_level(header, open, PacketPath::Transferring)) {
        verifier::report(verifier::Rule::PacketNotOwned, open->protocol->service, Packet,
                         "NdisTransferData: the packet is already being transferred through every packet-stack level");
        *Status = NDIS_STATUS_FAILURE;
        return;
    }
    if (!nested) {
        LevelState level = top_state(header);
        level.holder = open;
        level.path_state = PacketPath::Transferring;
    }
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    auto call = [&] {
        status = m.driver->chars.TransferDataHandler(Packet, BytesTransferred, m.context, context->miniport_context,
                                                     ByteOffset, length);
    };
    m.call_serialized(call);
    if (status != NDIS_STATUS_PENDING) {
        top_state(header).path_state = PacketPath::Allocator;
        if (nested) --header->stack_top;
    }
    *Status = status;
}

/* NdisMTransferDataComplete (ndis.h) — seed 003 §2.7.1.2 — IRQL == DISPATCH_LEVEL */
extern "C" VOID NdisMTransferDataComplete(NDIS_HANDLE MiniportAdapterHandle, PNDIS_PACKET Packet, NDIS_STATUS Status,
                                          UINT BytesTransferred) {
    Miniport* m = miniport_from(MiniportAdapterHandle, "NdisMTransferDataComplete");
    if (m == nullptr || Packet == nullptr) return;
    PacketHeader* header = header_of(Packet);
    LevelState level = top_state(header);
    auto* open = static_cast<Open*>(level.holder);
    if (level.path_state != PacketPath::Transferring || open == nullptr || open->miniport != m) {
        verifier::report(verifier::Rule::CompletionWithoutCall, m->driver->service, Packet,
                         "NdisMTransferDataComplete for a packet NDIS did not pass to MiniportTransferData");
        return;
    }
    release_top_level(header);
    open->protocol->chars.TransferDataCompleteHandler(open->binding_context, Packet, Status, BytesTransferred);
}

/* NdisGetReceivedPacket (ndis.h; the seed writes NdisGetReceivePacket) — seed 003 §2.7.1.3 —
 * IRQL == DISPATCH_LEVEL. Inside ProtocolReceive: the packet behind the indication, or NULL when
 * the miniport indicated a lookahead buffer. */
extern "C" PNDIS_PACKET NdisGetReceivedPacket(NDIS_HANDLE NdisBindingHandle, NDIS_HANDLE MacContext) {
    (void)NdisBindingHandle;
    ReceiveContext* context = active_context(MacContext);
    if (context == nullptr || context->source != ReceiveContext::Source::Packet) return nullptr;
    return context->packet;
}
