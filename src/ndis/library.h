// library.h — the NDIS library's process-wide state: the registry it reads configuration from,
// the miniport drivers, protocols, adapters and opens it knows (DESIGN "Host"). Everything here
// is the slow path (registration, binding, PnP) under one mutex; the data path never takes it.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <ndis.h>

#include "ndis/miniport.h"
#include "ndis/miniport_driver.h"
#include "ndis/open.h"
#include "ndis/protocol.h"
#include "ntos/string.h"

namespace strata::registry { class Registry; }

namespace strata::ndis {

// Where adapter instances live: one NNNN subkey per device, with its NetCfgInstanceId.
inline constexpr std::string_view kNetClassKey =
    "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Class\\{4D36E972-E325-11CE-BFC1-08002BE10318}";

class Library {
public:
    static Library& instance();

    std::recursive_mutex mutex;

    void set_registry(registry::Registry* registry) noexcept { registry_ = registry; }
    registry::Registry* registry() const noexcept { return registry_; }

    // Objects live until reset(): a stale handle finds no object, but a stale pointer held by
    // an in-flight call still points at valid (retired) memory.
    MiniportDriver* add_miniport_driver(std::unique_ptr<MiniportDriver> driver);
    Protocol* add_protocol(std::unique_ptr<Protocol> protocol);
    Miniport* add_miniport(std::unique_ptr<Miniport> miniport);
    Open* add_open(std::unique_ptr<Open> open);

    MiniportDriver* find_miniport_driver(std::string_view service);
    MiniportDriver* find_miniport_driver(PDRIVER_OBJECT driver_object);
    Protocol* find_protocol(std::string_view service_or_name);
    Miniport* find_miniport(std::string_view device_name);           // case-insensitive
    Miniport* find_miniport(const UNICODE_STRING& device_name);
    Miniport* find_halted_miniport(std::string_view device_name);   // power.cpp: one halted for sleep
    std::vector<Miniport*> miniports();
    std::vector<Protocol*> protocols();
    std::vector<Open*> opens();  // every binding opened since the host started, closed ones included

    // The service whose DriverEntry is running on this thread (NdisRegisterProtocol records it).
    static void set_loading_service(std::string_view service);
    static std::string loading_service();

    // Forget everything (the host is going away). Handles must already be closed.
    void reset();

private:
    registry::Registry* registry_ = nullptr;
    std::vector<std::unique_ptr<MiniportDriver>> miniport_drivers_;
    std::vector<std::unique_ptr<Protocol>> protocols_;
    std::vector<std::unique_ptr<Miniport>> miniports_;
    std::vector<std::unique_ptr<Open>> opens_;
};

// UTF-16 ↔ UTF-8 for names and registry paths: the kernel substrate's conversions.
using ntos::to_utf16;
using ntos::to_utf8;
bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace strata::ndis
