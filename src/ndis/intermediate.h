// intermediate.h — the host's side of intermediate drivers' virtual miniports (seed 003 §2.3.1,
// §2.4.2): PnP starts and removes the device instance; the IM asks for its initialisation with
// NdisIMInitializeDeviceInstanceEx. MiniportInitialize runs once both happened.
#pragma once

#include <string_view>

#include <ndis.h>

namespace strata::ndis {

struct MiniportDriver;

// The device instance `device_name` of the IM `driver` is started (its registry instance key is
// `instance_key`). Runs MiniportInitialize now when the IM already asked for it and returns its
// status; NDIS_STATUS_SUCCESS otherwise (initialisation waits for the IM). PASSIVE_LEVEL.
NDIS_STATUS start_virtual_device(MiniportDriver& driver, std::string_view device_name, std::string_view instance_key);
// The device instance goes away: an initialised virtual miniport is halted (its upper bindings
// first), and a later NdisIMInitializeDeviceInstanceEx for it waits again. False when `driver`
// has no such started device. PASSIVE_LEVEL.
bool stop_virtual_device(MiniportDriver& driver, std::string_view device_name);

}  // namespace strata::ndis
