// packet_stack.cpp — packet stacking (see packet_stack.h) and the IM's per-packet calls:
// NdisIMGetCurrentPacketStack, NdisIMCopySendPerPacketInfo, NdisIMCopySendCompletePerPacketInfo
// (seed 003 §2.5, §2.6, §2.7.1.1).
#include "ndis/packet_stack.h"

#include <cstring>

#include "ndis/library.h"

namespace strata::ndis {
namespace {

bool same_driver(const Protocol& protocol, const MiniportDriver& driver) noexcept {
    return driver.associated_protocol == &protocol || iequals(protocol.service, driver.service);
}

}  // namespace

bool push_level(PacketHeader* header, void* holder, PacketPath path) noexcept {
    if (header->stack_top + 1 >= kPacketStackDepth) return false;
    LevelState level = level_state(header, static_cast<std::uint8_t>(header->stack_top + 1));
    level.holder = holder;
    level.path_state = path;
    level.receive_refs.store(0, std::memory_order_relaxed);
    ++header->stack_top;
    return true;
}

bool is_intermediate_send(PacketHeader* header, const Open& below) noexcept {
    const auto* above = static_cast<const Open*>(top_state(header).holder);
    if (above == nullptr || above->miniport == nullptr) return false;
    const MiniportDriver& driver = *above->miniport->driver;
    return driver.layered && same_driver(*below.protocol, driver);
}

bool push_send_level(PacketHeader* header, Open& below) noexcept {
    return is_intermediate_send(header, below) && push_level(header, &below, PacketPath::Sending);
}

bool push_receive_level(PacketHeader* header, Miniport& virtual_miniport) noexcept {
    const MiniportDriver& driver = *virtual_miniport.driver;
    if (!driver.layered) return false;
    const auto* below = static_cast<const Miniport*>(top_state(header).holder);
    if (below == nullptr) return false;
    bool bound = false;
    below->for_each_open([&](Open* open) { bound = bound || same_driver(*open->protocol, driver); });
    return bound && push_level(header, &virtual_miniport, PacketPath::Indicated);
}

}  // namespace strata::ndis

using namespace strata::ndis;

/* NdisIMGetCurrentPacketStack (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL
 * The calling IM's level of a packet it was given; *StacksRemaining says whether it may pass the
 * same descriptor on (one more level is free) instead of allocating a new one. */
extern "C" PNDIS_PACKET_STACK NdisIMGetCurrentPacketStack(PNDIS_PACKET Packet, BOOLEAN* StacksRemaining) {
    if (Packet == nullptr || !is_pool_packet(Packet)) {
        if (StacksRemaining != nullptr) *StacksRemaining = FALSE;
        return nullptr;
    }
    PacketHeader* header = header_of(Packet);
    const bool remaining = header->stack_top + 1 < kPacketStackDepth;
    if (StacksRemaining != nullptr) *StacksRemaining = remaining ? TRUE : FALSE;
    if (remaining) header->stack_offered = static_cast<std::uint8_t>(header->stack_top + 1);
    return &header->stack[header->stack_top].stack;
}

/* NdisIMCopySendPerPacketInfo (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL
 * From the packet a protocol sent to the IM's virtual miniport to the descriptor the IM sends
 * down: the per-packet information (priority, checksum, VLAN, cancel id...). */
extern "C" VOID NdisIMCopySendPerPacketInfo(PNDIS_PACKET DstPacket, PNDIS_PACKET SrcPacket) {
    if (DstPacket == nullptr || SrcPacket == nullptr) return;
    std::memcpy(NDIS_PACKET_EXTENSION_FROM_PACKET(DstPacket), NDIS_PACKET_EXTENSION_FROM_PACKET(SrcPacket),
                sizeof(NDIS_PACKET_EXTENSION));
}

/* NdisIMCopySendCompletePerPacketInfo (ndis.h) — seed 003 §2.8 — IRQL <= DISPATCH_LEVEL
 * On completion, back from the IM's descriptor to the protocol's. */
extern "C" VOID NdisIMCopySendCompletePerPacketInfo(PNDIS_PACKET DstPacket, PNDIS_PACKET SrcPacket) {
    NdisIMCopySendPerPacketInfo(DstPacket, SrcPacket);
}
