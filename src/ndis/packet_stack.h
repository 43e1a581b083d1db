// packet_stack.h — NDIS 5.1 packet stacking between an intermediate driver's edges (seed 003
// §2.5, §2.6; Microsoft's NdisIMGetCurrentPacketStack): when an IM passes the descriptor it was
// given to the next driver, NDIS pushes a level for the new holder and pops it when that driver
// is done, so completions and returns find their way back layer by layer.
#pragma once

#include "ndis/packet_pool.h"

namespace strata::ndis {

struct Miniport;
struct Open;

// Pushes a level held by `holder` in `path` (an IM passing on a packet it was handed); false when
// every level is in use.
bool push_level(PacketHeader* header, void* holder, PacketPath path) noexcept;
// NdisSend(Packets) through `below` of a packet still Sending at its top level: true (and a level
// pushed for `below`) when the packet is being sent through a virtual miniport of the IM whose
// protocol owns `below` and a level is left.
bool push_send_level(PacketHeader* header, Open& below) noexcept;
// After push_send_level: whether the IM asked NdisIMGetCurrentPacketStack for the level it took
// (verifier: passing the given descriptor down without asking replaces no descriptor, seed 003 §2.5).
inline bool stacking_checked(const PacketHeader* header) noexcept { return header->stack_offered == header->stack_top; }
// Whether `below` belongs to the IM whose virtual miniport holds the packet (for the report).
bool is_intermediate_send(PacketHeader* header, const Open& below) noexcept;
// NdisMIndicateReceivePacket by `virtual_miniport` of a packet still Indicated at its top level:
// true (and a level pushed) when the IM that owns the virtual miniport is bound to the adapter
// holding the packet and a level is left.
bool push_receive_level(PacketHeader* header, Miniport& virtual_miniport) noexcept;

}  // namespace strata::ndis
