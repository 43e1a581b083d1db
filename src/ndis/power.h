// power.h — NDIS's side of Plug and Play and power management for an adapter (seed 003 §2.9):
// OID_PNP_CAPABILITIES at initialisation, setting a device power state in the documented order
// (the IM virtual miniports stacked on the adapter with it), QueryRemove with its veto and
// CancelRemove, Reconfigure, and NetEventBindsComplete. Everything here runs at PASSIVE_LEVEL on
// a control or worker thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <ndis.h>

namespace strata::ndis {

struct Miniport;
struct Protocol;

// What a PnP or power operation did. A query a protocol failed names it in `vetoed_by` with its
// status; failures NDIS reports but goes on after (a failed NetEventQueryPower, a miniport that
// failed OID_PNP_SET_POWER) are one line each in `notes`.
struct PnpOutcome {
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    std::string vetoed_by;
    std::vector<std::string> notes;
};

// ProtocolPnPEvent of one protocol for one binding (binding_handle/binding_context nullptr for
// an event about all of them), waiting for NdisCompletePnPEvent when it pends (pnp_event.cpp).
NDIS_STATUS deliver_pnp_event(Protocol& protocol, NDIS_HANDLE binding_handle, NDIS_HANDLE binding_context,
                              PNET_PNP_EVENT event);

// The adapter named `device_name` (\Device\{GUID}, case-insensitive) while it is running or
// halted for sleep; nullptr otherwise.
Miniport* find_power_device(std::string_view device_name);

// After MiniportInitialize: OID_PNP_CAPABILITIES decides whether the adapter is power-manageable.
void query_power_capabilities(Miniport& miniport);

// The running virtual miniports of the intermediate drivers bound to `miniport` (their
// UpperBindings), nearest first, and theirs after them.
std::vector<Miniport*> miniports_above(Miniport& miniport);

// Puts the adapter and the virtual miniports above it in `state` (D0 to wake; D1–D3 to sleep).
// Sleeping, top down: NetEventQueryPower and OID_PNP_QUERY_POWER, then NetEventSetPower to the
// bindings and OID_PNP_SET_POWER to the miniport, or MiniportHalt for a miniport without power
// management that did not set NDIS_ATTRIBUTE_NO_HALT_ON_SUSPEND. Waking: the virtual miniports
// first (seed §2.9.3.2: the IM may be at D0 before the adapter below), then the adapter:
// OID_PNP_SET_POWER D0 or MiniportInitialize and the bindings again, then NetEventSetPower D0.
PnpOutcome set_power(Miniport& miniport, NDIS_DEVICE_POWER_STATE state);

// NetEventQueryRemoveDevice to every binding of the adapter; the first failure is a veto, and
// the bindings that had accepted get NetEventCancelRemoveDevice.
PnpOutcome query_remove(Miniport& miniport);
// NetEventCancelRemoveDevice to every binding.
void cancel_remove(Miniport& miniport);
// NetEventReconfigure to every binding, with an empty buffer (the binding's parameters changed).
PnpOutcome reconfigure(Miniport& miniport);

// The user turned the adapter's wake-up on or off (Windows' "Allow this device to wake the
// computer"): NDIS_DEVICE_WAKE_UP_ENABLE in the adapter's NDIS_PNP_CAPABILITIES follows, and every
// binding gets NetEventPnPCapabilities with them. An adapter without power management refuses
// (NDIS_STATUS_NOT_SUPPORTED).
PnpOutcome set_wake_up(Miniport& miniport, bool enable);

// NetEventBindList (NULL ProtocolBindingContext) to `protocol`: its bindings' processing order
// changed; the buffer is the device names, each NUL-terminated UTF-16, in the new order, with a
// final NUL.
NDIS_STATUS indicate_bind_list(Protocol& protocol, const std::vector<std::string>& device_names);

// NetEventBindsComplete (NULL ProtocolBindingContext) to every registered protocol that has not
// had it yet: the host calls this after each round of binding.
void indicate_binds_complete();

// "D0".."D3", "unspecified".
const char* power_state_name(NDIS_DEVICE_POWER_STATE state);

}  // namespace strata::ndis
