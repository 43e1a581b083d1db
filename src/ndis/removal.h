// removal.h — an adapter that goes away on its own (seed 003 §2.11; issue 7 deliverable 3): the
// miniport calls NdisMRemoveMiniport when its device failed for good — afpacket does when its
// Linux interface is deleted — and NDIS tells the driver it was surprise-removed, unbinds every
// protocol (the IMs above take their virtual miniports down with them) and halts it.
#pragma once

#include <functional>
#include <string>

namespace strata::ndis {

struct Miniport;

// Who removes a device whose miniport asked (the host, on its own thread): called at most once
// per adapter, possibly at DISPATCH_LEVEL, so it must only queue the work. nullptr: refuse.
using RemovalListener = std::function<void(const std::string& device_name)>;
void set_removal_listener(RemovalListener listener);

// PASSIVE_LEVEL, before the adapter is unbound and halted: MiniportPnPEventNotify with
// NdisDevicePnPEventSurpriseRemoved, when the driver has one.
void notify_surprise_removal(Miniport& miniport);

}  // namespace strata::ndis
