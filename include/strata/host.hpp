// host.hpp — the C++ embedding API: a Strata host in one process (DESIGN.md "Host").
// Tests, benchmarks and the strata command use it to load drivers, create adapters, and bind
// protocols to adapters the way Windows' PnP manager and binding engine would.
#pragma once

#include <ndis.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

namespace registry { class Registry; class Value; }

struct HostOptions {
    std::filesystem::path root;        // registry.db and drivers/ live here; empty = registry::default_root()
    std::filesystem::path driver_dir;  // where <service>.sys images are found when no ImagePath says otherwise
    unsigned processors = 0;           // processor threads; 0 = the machine's CPU count (capped)
    bool verify = false;               // turn on the costly verifier checks
};

// One adapter (miniport instance) as the host knows it.
struct AdapterInfo {
    std::string service;      // the miniport driver's service name
    std::string device_name;  // \Device\{NetCfgInstanceId}
    std::string instance_key; // HKLM\SYSTEM\CurrentControlSet\Control\Class\{4D36E972-...}\NNNN
    NDIS_MEDIUM medium;
};

class Host {
public:
    explicit Host(HostOptions options = {});
    ~Host();  // unbinds every binding, halts every adapter, unloads every driver
    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;

    registry::Registry& registry();

    // Loads <service>.sys (Services\<service>\ImagePath if present, else driver_dir) and runs
    // its DriverEntry at PASSIVE_LEVEL. Returns DriverEntry's status.
    NTSTATUS load_driver(std::string_view service);
    // Deregisters what the driver left registered, runs its unload handler and unmaps it.
    NTSTATUS unload_driver(std::string_view service);
    // One line saying why the last load_driver failed (file, missing or stub import), or empty.
    const std::string& last_error() const;
    // A symbol the loaded driver image exports (test hooks), or nullptr.
    void* driver_symbol(std::string_view service, const char* name) const;

    // Creates an adapter instance of a loaded miniport driver: writes the instance key with
    // `parameters` (NdisReadConfiguration reads them), then runs MiniportInitialize.
    // On success fills `adapter` and returns NDIS_STATUS_SUCCESS.
    NDIS_STATUS add_adapter(std::string_view service, const std::map<std::string, registry::Value>& parameters,
                            AdapterInfo* adapter);
    // Starts an adapter whose instance key already exists (written by `strata device add`):
    // its device name is \Device\<instance_id>. Runs MiniportInitialize; leaves the key alone.
    NDIS_STATUS start_adapter(std::string_view service, std::string_view instance_key, std::string_view instance_id,
                              AdapterInfo* adapter);
    // Whether a driver image for `service` is loaded.
    bool driver_loaded(std::string_view service) const;
    // The services loaded, in load order.
    std::vector<std::string> loaded_drivers() const;
    // Unbinds every protocol bound to the adapter, then halts it.
    NDIS_STATUS remove_adapter(std::string_view device_name);
    // The initialised adapters, in initialisation order.
    std::vector<AdapterInfo> adapters() const;
    // Whether MiniportInitialize of the adapter succeeded and it has not been halted. For an
    // intermediate driver's virtual miniport, add_adapter/start_adapter only start the device:
    // it initialises when the IM calls NdisIMInitializeDeviceInstanceEx for it (at once if it
    // already did), and halts when the IM calls NdisIMDeInitializeDeviceInstance.
    bool adapter_running(std::string_view device_name) const;

    // A miniport called NdisMRemoveMiniport (its device failed for good, e.g. the Linux interface
    // was deleted): NDIS tells the driver it was surprise-removed, then `handler` runs with the
    // device name at PASSIVE_LEVEL on the host's removal thread. Without a handler the host
    // removes the adapter itself (remove_adapter).
    void set_adapter_removed_handler(std::function<void(const std::string& device_name)> handler);

    // Calls the protocol's ProtocolBindAdapter for the adapter and waits for
    // NdisCompleteBindAdapter when it pends. Returns the bind status.
    NDIS_STATUS bind(std::string_view protocol_service, std::string_view device_name);
    // Calls ProtocolUnbindAdapter and waits for NdisCompleteUnbindAdapter when it pends.
    NDIS_STATUS unbind(std::string_view protocol_service, std::string_view device_name);
    // True while the protocol has an open binding to the adapter (it may close one by itself).
    bool bound(std::string_view protocol_service, std::string_view device_name) const;

    // Runs fn on a processor thread at DISPATCH_LEVEL and waits for it (see ntos/processor.h).
    void run_at_dispatch(unsigned processor, const std::function<void()>& fn);
    unsigned processor_count() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace strata
