// miniport_driver.h — a miniport driver as NDIS knows it after NdisMInitializeWrapper and
// NdisMRegisterMiniport (seed 003 §2.3.1.1): its characteristics and its adapters.
#pragma once

#include <string>
#include <vector>

#include <ndis.h>

namespace strata::ndis {

struct Miniport;

struct MiniportDriver {
    NDIS_HANDLE wrapper_handle = nullptr;
    PDRIVER_OBJECT driver_object = nullptr;
    std::string service;                  // the driver's service name (Services\<service>)
    bool registered = false;              // NdisMRegisterMiniport succeeded
    NDIS51_MINIPORT_CHARACTERISTICS chars{};  // zero-extended copy of what the driver gave
    PDRIVER_UNLOAD unload_handler = nullptr;  // NdisMRegisterUnloadHandler
    std::vector<Miniport*> adapters;
};

}  // namespace strata::ndis
