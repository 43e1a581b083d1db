// protocol.h — a protocol as NDIS knows it after NdisRegisterProtocol (seed 003 §2.3.1.2):
// its characteristics, the driver image it belongs to, and its opens.
#pragma once

#include <string>
#include <vector>

#include <ndis.h>

namespace strata::ndis {

struct Open;

struct Protocol {
    NDIS_HANDLE handle = nullptr;
    NDIS50_PROTOCOL_CHARACTERISTICS chars{};  // zero-extended; Name points at name_storage
    std::u16string name_storage;
    std::string name;     // UTF-8 copy of chars.Name
    std::string service;  // the service whose DriverEntry registered it (may be empty)
    std::vector<Open*> opens;  // guarded by Library::mutex
    std::vector<std::string> wanted_bindings;  // device names the host asked to bind (NdisReEnumerateProtocolBindings retries)
    bool deregistering = false;
    bool binds_complete_indicated = false;  // NetEventBindsComplete delivered (power.cpp)
};

}  // namespace strata::ndis
