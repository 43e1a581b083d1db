// miniport_driver.h — a miniport driver as NDIS knows it after NdisMInitializeWrapper and
// NdisMRegisterMiniport or NdisIMRegisterLayeredMiniport (seed 003 §2.3.1.1): its
// characteristics, its adapters and, for an intermediate driver, its virtual miniports.
#pragma once

#include <string>
#include <vector>

#include <ndis.h>

namespace strata::ndis {

struct Miniport;
struct Protocol;

// A virtual miniport of an intermediate driver. It initialises when both halves are there: the
// device instance (PnP started it: Host::start_adapter) and the IM's
// NdisIMInitializeDeviceInstanceEx for its name, in either order (seed 003 §2.4.2).
struct VirtualDevice {
    std::string device_name;         // \Device\{GUID}, the IM's UpperBindings value
    std::string instance_key;        // the device's instance key, once present
    bool present = false;
    bool requested = false;
    NDIS_HANDLE device_context = nullptr;  // NdisIMInitializeDeviceInstanceEx's DeviceContext
    Miniport* miniport = nullptr;          // while initialised
};

struct MiniportDriver {
    NDIS_HANDLE wrapper_handle = nullptr;
    PDRIVER_OBJECT driver_object = nullptr;
    std::string service;                  // the driver's service name (Services\<service>)
    bool registered = false;              // NdisMRegisterMiniport succeeded
    NDIS51_MINIPORT_CHARACTERISTICS chars{};  // zero-extended copy of what the driver gave
    PDRIVER_UNLOAD unload_handler = nullptr;  // NdisMRegisterUnloadHandler
    std::vector<Miniport*> adapters;

    // Intermediate drivers (NdisIMRegisterLayeredMiniport); guarded by Library::mutex.
    bool layered = false;
    NDIS_HANDLE driver_handle = nullptr;       // the DriverHandle NdisIMRegisterLayeredMiniport returned
    Protocol* associated_protocol = nullptr;   // NdisIMAssociateMiniport
    std::vector<VirtualDevice> virtual_devices;
};

// Validates and keeps the characteristics for NdisMRegisterMiniport and
// NdisIMRegisterLayeredMiniport (`api` names the caller in reports).
NDIS_STATUS register_characteristics(MiniportDriver& driver, const void* characteristics, UINT length,
                                     const char* api);

}  // namespace strata::ndis
