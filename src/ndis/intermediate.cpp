// intermediate.cpp — the NdisIM calls of intermediate drivers (seed 003 §2.3.1, §2.3.1.1, §2.4.2,
// §2.6, §2.9): NdisIMRegisterLayeredMiniport, NdisIMDeregisterLayeredMiniport,
// NdisIMAssociateMiniport, NdisIMInitializeDeviceInstanceEx, NdisIMCancelInitializeDeviceInstance,
// NdisIMDeInitializeDeviceInstance, NdisIMGetDeviceContext, NdisIMGetBindingContext and the
// virtual-miniport context calls NdisIMSwitchToMiniport, NdisIMRevertBack,
// NdisIMQueueMiniportCallback.
#include "ndis/intermediate.h"

#include <algorithm>
#include <memory>

#include "ndis/handle_table.h"
#include "ndis/library.h"
#include "registry/registry.h"
#include "verifier/fault.h"
#include "verifier/verifier.h"

namespace strata::ndis {
namespace {

// Library::mutex held.
VirtualDevice* find_device(MiniportDriver& driver, std::string_view device_name) {
    auto it = std::find_if(driver.virtual_devices.begin(), driver.virtual_devices.end(),
                           [&](const VirtualDevice& d) { return iequals(d.device_name, device_name); });
    return it == driver.virtual_devices.end() ? nullptr : &*it;
}

VirtualDevice& find_or_add_device(MiniportDriver& driver, std::string_view device_name) {
    if (VirtualDevice* device = find_device(driver, device_name)) return *device;
    VirtualDevice& device = driver.virtual_devices.emplace_back();
    device.device_name = device_name;
    return device;
}

// A device instance the registry already has (installed by the binding engine or the Host API)
// counts as started: user space has no separate PnP start for a virtual device.
std::string registered_instance_key(std::string_view device_name) {
    registry::Registry* reg = Library::instance().registry();
    constexpr std::string_view prefix = "\\Device\\";
    if (reg == nullptr || device_name.size() <= prefix.size() || !iequals(device_name.substr(0, prefix.size()), prefix))
        return {};
    std::string_view guid = device_name.substr(prefix.size());
    std::string net = std::string(kNetClassKey);
    if (!reg->key_exists(net)) return {};
    for (const std::string& index : reg->subkeys(net)) {
        std::string key = net + "\\" + index;
        std::optional<registry::Value> id = reg->get_value(key, "NetCfgInstanceId");
        if (id && id->type() == registry::ValueType::Sz && iequals(id->as_string(), guid)) return key;
    }
    return {};
}

// Runs MiniportInitialize for a present, requested device (PASSIVE_LEVEL, no lock held).
NDIS_STATUS initialize_virtual(MiniportDriver& driver, const std::string& device_name) {
    std::string instance_key;
    NDIS_HANDLE device_context = nullptr;
    {
        std::lock_guard lock(Library::instance().mutex);
        VirtualDevice* device = find_device(driver, device_name);
        if (device == nullptr || !device->present || !device->requested || device->miniport != nullptr)
            return NDIS_STATUS_SUCCESS;
        instance_key = device->instance_key;
        device_context = device->device_context;
    }
    auto fresh = std::make_unique<Miniport>();
    fresh->driver = &driver;
    fresh->device_name = device_name;
    fresh->device_name_utf16 = to_utf16(device_name);
    fresh->instance_key = instance_key;
    fresh->device_context = device_context;
    Miniport* m = Library::instance().add_miniport(std::move(fresh));
    {
        std::lock_guard lock(Library::instance().mutex);
        if (VirtualDevice* device = find_device(driver, device_name)) device->miniport = m;
    }
    NDIS_STATUS status = initialize_miniport(*m);
    std::lock_guard lock(Library::instance().mutex);
    VirtualDevice* device = find_device(driver, device_name);
    if (status != NDIS_STATUS_SUCCESS) {
        if (device != nullptr) {
            device->miniport = nullptr;
            device->requested = false;
        }
        return status;
    }
    // Seed §2.4.2, §2.6: an IM's virtual miniport is deserialized and says it is an IM.
    if ((m->attribute_flags & NDIS_ATTRIBUTE_INTERMEDIATE_DRIVER) == 0)
        verifier::report(verifier::Rule::BadCall, driver.service, m->handle,
                         "MiniportInitialize of an intermediate driver did not set NDIS_ATTRIBUTE_INTERMEDIATE_DRIVER "
                         "(seed 003 §2.4.2)");
    if (m->serialized())
        verifier::report(verifier::Rule::BadCall, driver.service, m->handle,
                         "MiniportInitialize of an intermediate driver did not set NDIS_ATTRIBUTE_DESERIALIZE "
                         "(seed 003 §2.4.2)");
    return NDIS_STATUS_SUCCESS;
}

void halt_virtual(MiniportDriver& driver, Miniport& m) {
    halt_miniport(m);
    std::lock_guard lock(Library::instance().mutex);
    for (VirtualDevice& device : driver.virtual_devices) {
        if (device.miniport != &m) continue;
        device.miniport = nullptr;
        device.requested = false;
        device.device_context = nullptr;
    }
}

MiniportDriver* layered_driver(NDIS_HANDLE handle, const char* function) {
    return lookup<MiniportDriver>(handle, HandleKind::LayeredDriver, function);
}

std::string device_name_of(PNDIS_STRING name) { return name != nullptr ? to_utf8(*name) : std::string(); }

}  // namespace

NDIS_STATUS start_virtual_device(MiniportDriver& driver, std::string_view device_name, std::string_view instance_key) {
    {
        std::lock_guard lock(Library::instance().mutex);
        VirtualDevice& device = find_or_add_device(driver, device_name);
        device.present = true;
        device.instance_key = instance_key;
    }
    return initialize_virtual(driver, std::string(device_name));
}

bool stop_virtual_device(MiniportDriver& driver, std::string_view device_name) {
    Miniport* m = nullptr;
    {
        std::lock_guard lock(Library::instance().mutex);
        VirtualDevice* device = find_device(driver, device_name);
        if (device == nullptr || !device->present) return false;
        device->present = false;
        m = device->miniport;
    }
    if (m != nullptr) halt_virtual(driver, *m);
    return true;
}

}  // namespace strata::ndis

using namespace strata;
using namespace strata::ndis;

/* NdisIMRegisterLayeredMiniport (ndis.h) — seed 003 §2.3.1.1 — IRQL == PASSIVE_LEVEL
 * An IM's MiniportXxx functions, checked like NdisMRegisterMiniport's. *DriverHandle is what
 * NdisIMInitializeDeviceInstanceEx and NdisIMAssociateMiniport take. */
extern "C" NDIS_STATUS NdisIMRegisterLayeredMiniport(NDIS_HANDLE NdisWrapperHandle,
                                                     PNDIS_MINIPORT_CHARACTERISTICS MiniportCharacteristics,
                                                     UINT CharacteristicsLength, PNDIS_HANDLE DriverHandle) {
    if (DriverHandle != nullptr) *DriverHandle = nullptr;
    auto* driver = lookup<MiniportDriver>(NdisWrapperHandle, HandleKind::Wrapper, "NdisIMRegisterLayeredMiniport");
    if (driver == nullptr) return NDIS_STATUS_FAILURE;
    if (DriverHandle == nullptr) {
        verifier::report(verifier::Rule::NullParameter, driver->service, NdisWrapperHandle,
                         "NdisIMRegisterLayeredMiniport: DriverHandle is NULL");
        return NDIS_STATUS_FAILURE;
    }
    if (verifier::fault::should_fail(verifier::fault::FaultCall::NdisIMRegisterLayeredMiniport)) return NDIS_STATUS_RESOURCES;
    NDIS_STATUS status = register_characteristics(*driver, MiniportCharacteristics, CharacteristicsLength,
                                                  "NdisIMRegisterLayeredMiniport");
    if (status != NDIS_STATUS_SUCCESS) return status;
    std::lock_guard lock(Library::instance().mutex);
    driver->layered = true;
    if (driver->driver_handle == nullptr)
        driver->driver_handle = HandleTable::instance().insert(HandleKind::LayeredDriver, driver);
    *DriverHandle = driver->driver_handle;
    return NDIS_STATUS_SUCCESS;
}

/* NdisIMDeregisterLayeredMiniport (ndis.h) — seed 003 §2.3 — IRQL == PASSIVE_LEVEL
 * From the IM's unload path (or a failing DriverEntry); its virtual miniports must be halted. */
extern "C" VOID NdisIMDeregisterLayeredMiniport(NDIS_HANDLE DriverHandle) {
    MiniportDriver* driver = layered_driver(DriverHandle, "NdisIMDeregisterLayeredMiniport");
    if (driver == nullptr) return;
    std::lock_guard lock(Library::instance().mutex);
    if (std::any_of(driver->virtual_devices.begin(), driver->virtual_devices.end(),
                    [](const VirtualDevice& d) { return d.miniport != nullptr; }))
        verifier::report(verifier::Rule::BadCall, driver->service, DriverHandle,
                         "NdisIMDeregisterLayeredMiniport: virtual miniports are still initialised");
    HandleTable::instance().erase(DriverHandle);
    driver->driver_handle = nullptr;
    driver->registered = false;
    driver->virtual_devices.clear();
}

/* NdisIMAssociateMiniport (ndis.h) — seed 003 §2.3 — IRQL == PASSIVE_LEVEL
 * Tells NDIS the IM's protocol edge and miniport edge belong together (packet stacking and PnP
 * use it to recognise the IM's own bindings). */
extern "C" VOID NdisIMAssociateMiniport(NDIS_HANDLE DriverHandle, NDIS_HANDLE ProtocolHandle) {
    MiniportDriver* driver = layered_driver(DriverHandle, "NdisIMAssociateMiniport");
    auto* protocol = lookup<Protocol>(ProtocolHandle, HandleKind::Protocol, "NdisIMAssociateMiniport");
    if (driver == nullptr || protocol == nullptr) return;
    std::lock_guard lock(Library::instance().mutex);
    driver->associated_protocol = protocol;
}

/* NdisIMInitializeDeviceInstanceEx (ndis.h) — seed 003 §2.3.1, §2.4.2 — IRQL == PASSIVE_LEVEL
 * Starts initialising the virtual miniport DriverInstance (an UpperBindings name). When its
 * device instance exists MiniportInitialize runs now, in this call's context, and its status is
 * returned; otherwise NDIS_STATUS_SUCCESS and MiniportInitialize follows when the device starts. */
extern "C" NDIS_STATUS NdisIMInitializeDeviceInstanceEx(NDIS_HANDLE DriverHandle, PNDIS_STRING DriverInstance,
                                                        NDIS_HANDLE DeviceContext) {
    MiniportDriver* driver = layered_driver(DriverHandle, "NdisIMInitializeDeviceInstanceEx");
    if (driver == nullptr) return NDIS_STATUS_FAILURE;
    std::string name = device_name_of(DriverInstance);
    if (name.empty()) {
        verifier::report(verifier::Rule::NullParameter, driver->service, DriverHandle,
                         "NdisIMInitializeDeviceInstanceEx: DriverInstance is NULL or empty");
        return NDIS_STATUS_FAILURE;
    }
    if (verifier::fault::should_fail(verifier::fault::FaultCall::NdisIMInitializeDeviceInstanceEx)) return NDIS_STATUS_RESOURCES;
    std::string instance_key = registered_instance_key(name);
    {
        std::lock_guard lock(Library::instance().mutex);
        VirtualDevice& device = find_or_add_device(*driver, name);
        if (device.requested || device.miniport != nullptr) {
            verifier::report(verifier::Rule::BadCall, driver->service, DriverHandle,
                             "NdisIMInitializeDeviceInstanceEx: " + name + " is already initialised or being initialised");
            return NDIS_STATUS_FAILURE;
        }
        device.requested = true;
        device.device_context = DeviceContext;
        if (!device.present && !instance_key.empty()) {
            device.present = true;
            device.instance_key = instance_key;
        }
    }
    return initialize_virtual(*driver, name);
}

/* NdisIMCancelInitializeDeviceInstance (ndis.h) — seed 003 §2.4.2 — IRQL == PASSIVE_LEVEL
 * NDIS_STATUS_SUCCESS when the initialisation had not started (it never will), else FAILURE. */
extern "C" NDIS_STATUS NdisIMCancelInitializeDeviceInstance(NDIS_HANDLE DriverHandle, PNDIS_STRING DeviceInstance) {
    MiniportDriver* driver = layered_driver(DriverHandle, "NdisIMCancelInitializeDeviceInstance");
    if (driver == nullptr) return NDIS_STATUS_FAILURE;
    std::lock_guard lock(Library::instance().mutex);
    VirtualDevice* device = find_device(*driver, device_name_of(DeviceInstance));
    if (device == nullptr || !device->requested || device->miniport != nullptr) return NDIS_STATUS_FAILURE;
    device->requested = false;
    device->device_context = nullptr;
    return NDIS_STATUS_SUCCESS;
}

/* NdisIMDeInitializeDeviceInstance (ndis.h) — seed 003 §2.11 — IRQL == PASSIVE_LEVEL
 * Unbinds the protocols above the virtual miniport, then runs its MiniportHalt. */
extern "C" NDIS_STATUS NdisIMDeInitializeDeviceInstance(NDIS_HANDLE NdisMiniportHandle) {
    Miniport* m = miniport_from(NdisMiniportHandle, "NdisIMDeInitializeDeviceInstance");
    if (m == nullptr) return NDIS_STATUS_FAILURE;
    if (!m->driver->layered) {
        verifier::report(verifier::Rule::BadCall, m->driver->service, NdisMiniportHandle,
                         "NdisIMDeInitializeDeviceInstance: the adapter is not an intermediate driver's virtual miniport");
        return NDIS_STATUS_FAILURE;
    }
    if (m->state.load() != MiniportState::Running) return NDIS_STATUS_FAILURE;
    halt_virtual(*m->driver, *m);
    return NDIS_STATUS_SUCCESS;
}

/* NdisIMGetDeviceContext (ndis.h) — seed 003 §2.4.2 — IRQL <= DISPATCH_LEVEL
 * Inside MiniportInitialize (and after): the DeviceContext given to NdisIMInitializeDeviceInstanceEx. */
extern "C" NDIS_HANDLE NdisIMGetDeviceContext(NDIS_HANDLE MiniportAdapterHandle) {
    Miniport* m = miniport_from(MiniportAdapterHandle, "NdisIMGetDeviceContext");
    return m != nullptr ? m->device_context : nullptr;
}

/* NdisIMGetBindingContext (ndis.h) — seed 003 §2.4 — IRQL <= DISPATCH_LEVEL
 * For a protocol bound to an IM's virtual miniport: the DeviceContext that IM passed to
 * NdisIMInitializeDeviceInstanceEx; NULL for any other adapter. */
extern "C" NDIS_HANDLE NdisIMGetBindingContext(NDIS_HANDLE NdisBindingHandle) {
    auto* open = lookup<Open>(NdisBindingHandle, HandleKind::Open, "NdisIMGetBindingContext");
    return open != nullptr ? open->miniport->device_context : nullptr;
}

/* NdisIMSwitchToMiniport (ndis.h) — seed 003 §2.6 — IRQL <= DISPATCH_LEVEL
 * Enters the virtual miniport's context (the one-call-at-a-time gate of a serialized miniport).
 * FALSE when another thread is inside it: use NdisIMQueueMiniportCallback instead. */
extern "C" BOOLEAN NdisIMSwitchToMiniport(NDIS_HANDLE MiniportAdapterHandle, PNDIS_HANDLE SwitchHandle) {
    Miniport* m = miniport_from(MiniportAdapterHandle, "NdisIMSwitchToMiniport");
    if (m == nullptr || SwitchHandle == nullptr) return FALSE;
    *SwitchHandle = nullptr;
    if (!m->serialized() || m->gate.owned_by_me()) return TRUE;
    if (!m->gate.try_enter()) return FALSE;
    *SwitchHandle = m->handle;  // this call entered the gate: NdisIMRevertBack leaves it
    return TRUE;
}

/* NdisIMRevertBack (ndis.h) — seed 003 §2.6 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisIMRevertBack(NDIS_HANDLE MiniportAdapterHandle, NDIS_HANDLE SwitchHandle) {
    Miniport* m = miniport_from(MiniportAdapterHandle, "NdisIMRevertBack");
    if (m == nullptr || SwitchHandle == nullptr) return;
    if (SwitchHandle != m->handle || !m->gate.owned_by_me()) {
        verifier::report(verifier::Rule::BadCall, m->driver->service, MiniportAdapterHandle,
                         "NdisIMRevertBack without a matching NdisIMSwitchToMiniport");
        return;
    }
    m->leave_gate();
}

namespace {

struct QueuedCallback {
    NDIS_WORK_ITEM work_item{};
    Miniport* miniport = nullptr;
    W_MINIPORT_CALLBACK routine = nullptr;
    PVOID context = nullptr;
};

void run_queued_callback(PNDIS_WORK_ITEM, PVOID context) {
    std::unique_ptr<QueuedCallback> queued(static_cast<QueuedCallback*>(context));
    Miniport& m = *queued->miniport;
    m.call_serialized([&] { queued->routine(m.context, queued->context); });
}

}  // namespace

/* NdisIMQueueMiniportCallback (ndis.h) — seed 003 §2.6 — IRQL <= DISPATCH_LEVEL
 * Runs CallbackRoutine in the virtual miniport's context: now (NDIS_STATUS_SUCCESS) when it can
 * be entered, else later on a worker (NDIS_STATUS_PENDING). */
extern "C" NDIS_STATUS NdisIMQueueMiniportCallback(NDIS_HANDLE MiniportAdapterHandle,
                                                   W_MINIPORT_CALLBACK CallbackRoutine, PVOID CallbackContext) {
    Miniport* m = miniport_from(MiniportAdapterHandle, "NdisIMQueueMiniportCallback");
    if (m == nullptr || CallbackRoutine == nullptr) return NDIS_STATUS_FAILURE;
    NDIS_HANDLE switched = nullptr;
    if (NdisIMSwitchToMiniport(MiniportAdapterHandle, &switched)) {
        CallbackRoutine(m->context, CallbackContext);
        if (switched != nullptr) NdisIMRevertBack(MiniportAdapterHandle, switched);
        return NDIS_STATUS_SUCCESS;
    }
    auto queued = std::make_unique<QueuedCallback>();
    queued->miniport = m;
    queued->routine = CallbackRoutine;
    queued->context = CallbackContext;
    NdisInitializeWorkItem(&queued->work_item, run_queued_callback, queued.get());
    NdisScheduleWorkItem(&queued.release()->work_item);
    return NDIS_STATUS_PENDING;
}
