// binding.h — dynamic binding (seed 003 §2.4, §2.11): NDIS calling ProtocolBindAdapter and
// ProtocolUnbindAdapter with a BindContext/UnbindContext, and waiting for the protocol's
// NdisCompleteBindAdapter/NdisCompleteUnbindAdapter when it pends. PASSIVE_LEVEL only.
#pragma once

#include <string>

#include <ndis.h>

namespace strata::ndis {

struct Miniport;
struct Open;
struct Protocol;

// Registry path of the protocol's per-binding parameters, the SystemSpecific1 of
// ProtocolBindAdapter: HKLM\SYSTEM\CurrentControlSet\Services\<protocol>\Parameters\Adapters\<adapter>.
std::string protocol_binding_key(const Protocol& protocol, const Miniport& miniport);

NDIS_STATUS bind_protocol(Protocol& protocol, Miniport& miniport);
NDIS_STATUS unbind_open(Open& open);
void unbind_all(Protocol& protocol);
void unbind_all(Miniport& miniport);

}  // namespace strata::ndis
