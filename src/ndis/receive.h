// receive.h — receive indications shared with the send path (loopback), seed 003 §2.7.
#pragma once

#include <ndis.h>

namespace strata::ndis {

struct Miniport;
struct Open;

// Indicates a sent packet to every other open on the adapter whose filter accepts it, through
// ProtocolReceive with the whole frame as lookahead.
void indicate_loopback(Miniport& miniport, Open* sender, PNDIS_PACKET packet);

}  // namespace strata::ndis
