// control_device.cpp — NdisMRegisterDevice / NdisMDeregisterDevice (ndis.h; seed 003 §2.3) and
// the sending side Strata uses to reach a control device's dispatch routines.
#include "ndis/control_device.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <vector>

#include "ndis/handle_table.h"
#include "ndis/library.h"
#include "ndis/miniport_driver.h"
#include "ntos/check.h"
#include "ntos/irp.h"
#include "ntos/irql.h"
#include "verifier/fault.h"
#include "verifier/verifier.h"

namespace strata::ndis {
namespace {

struct DeviceList {
    std::mutex mutex;
    std::vector<std::shared_ptr<ControlDevice>> devices;
};

DeviceList& device_list() {
    static DeviceList* instance = new DeviceList;  // outlives every driver unload at exit
    return *instance;
}

// What the I/O manager answers for a major function the driver did not fill in.
NTSTATUS invalid_device_request(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    (void)DeviceObject;
    Irp->IoStatus.Status = STATUS_INVALID_DEVICE_REQUEST;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_INVALID_DEVICE_REQUEST;
}

bool named(const ControlDevice& device, std::string_view name) {
    return iequals(device.device_name, name) || (!device.symbolic_name.empty() && iequals(device.symbolic_name, name));
}

std::shared_ptr<ControlDevice> take(NDIS_HANDLE handle) {
    auto& r = device_list();
    std::lock_guard lock(r.mutex);
    auto it = std::find_if(r.devices.begin(), r.devices.end(), [&](const auto& d) { return d->handle() == handle; });
    if (it == r.devices.end()) return nullptr;
    auto device = *it;
    r.devices.erase(it);
    return device;
}

ntos::IrpPtr irp_for(ControlDevice& device, UCHAR major_function) {
    ntos::IrpPtr irp = ntos::allocate_irp(device.device_object.StackSize);
    PIO_STACK_LOCATION location = IoGetNextIrpStackLocation(irp.get());
    location->MajorFunction = major_function;
    return irp;
}

}  // namespace

std::vector<std::shared_ptr<ControlDevice>> control_devices() {
    auto& r = device_list();
    std::lock_guard lock(r.mutex);
    return r.devices;
}

std::shared_ptr<ControlDevice> find_control_device(std::string_view name) {
    auto& r = device_list();
    std::lock_guard lock(r.mutex);
    for (const auto& device : r.devices)
        if (named(*device, name)) return device;
    return nullptr;
}

NTSTATUS send_control_irp(ControlDevice& device, UCHAR major_function) {
    ntos::IrpPtr irp = irp_for(device, major_function);
    return ntos::call_driver_and_wait(&device.device_object, irp.get());
}

IoControlResult device_io_control(ControlDevice& device, ULONG code, const void* input, ULONG input_length,
                                  void* output, ULONG output_length) {
    ntos::IrpPtr irp = irp_for(device, IRP_MJ_DEVICE_CONTROL);
    PIO_STACK_LOCATION location = IoGetNextIrpStackLocation(irp.get());
    location->Parameters.DeviceIoControl.IoControlCode = code;
    location->Parameters.DeviceIoControl.InputBufferLength = input_length;
    location->Parameters.DeviceIoControl.OutputBufferLength = output_length;
    ULONG method = METHOD_FROM_CTL_CODE(code);
    std::vector<unsigned char> system_buffer;
    PMDL mdl = nullptr;
    if (method == METHOD_NEITHER) {
        location->Parameters.DeviceIoControl.Type3InputBuffer = const_cast<void*>(input);
        irp->UserBuffer = output;
    } else {
        ULONG size = method == METHOD_BUFFERED ? std::max(input_length, output_length) : input_length;
        system_buffer.assign(size, 0);
        if (input != nullptr && input_length != 0) std::memcpy(system_buffer.data(), input, input_length);
        irp->AssociatedIrp.SystemBuffer = size != 0 ? system_buffer.data() : nullptr;
        if (method != METHOD_BUFFERED && output != nullptr && output_length != 0) {
            mdl = IoAllocateMdl(output, output_length, FALSE, FALSE, nullptr);
            if (mdl == nullptr) return {STATUS_INSUFFICIENT_RESOURCES, 0};
            MmBuildMdlForNonPagedPool(mdl);
            irp->MdlAddress = mdl;
        }
    }
    NTSTATUS status = ntos::call_driver_and_wait(&device.device_object, irp.get());
    ULONG_PTR information = irp->IoStatus.Information;
    if (method == METHOD_BUFFERED && !NT_ERROR(status) && output != nullptr) {
        std::size_t copy = std::min<std::size_t>({information, output_length, system_buffer.size()});
        if (copy != 0) std::memcpy(output, system_buffer.data(), copy);
    }
    if (mdl != nullptr) IoFreeMdl(mdl);
    return {status, information};
}

}  // namespace strata::ndis

using namespace strata;
using namespace strata::ndis;

/* NdisMRegisterDevice (ndis.h) — seed 003 §2.3 — IRQL == PASSIVE_LEVEL
 * Creates a control device named DeviceName (with the symbolic link SymbolicName, which may be
 * NULL) whose IRPs go to MajorFunctions[IRP_MJ_xxx] (IRP_MJ_MAXIMUM_FUNCTION + 1 entries; NULL
 * entries fail with STATUS_INVALID_DEVICE_REQUEST). A name already in use fails with
 * STATUS_OBJECT_NAME_COLLISION. On failure both out values are NULL. */
extern "C" NDIS_STATUS NdisMRegisterDevice(NDIS_HANDLE NdisWrapperHandle, PNDIS_STRING DeviceName,
                                           PNDIS_STRING SymbolicName, PDRIVER_DISPATCH MajorFunctions[],
                                           PDEVICE_OBJECT* pDeviceObject, NDIS_HANDLE* NdisDeviceHandle) {
    constexpr const char* kFunction = "NdisMRegisterDevice";
    if (pDeviceObject != nullptr) *pDeviceObject = nullptr;
    if (NdisDeviceHandle != nullptr) *NdisDeviceHandle = nullptr;
    ntos::irql_at_most(PASSIVE_LEVEL, kFunction);
    auto* driver = lookup<MiniportDriver>(NdisWrapperHandle, HandleKind::Wrapper, kFunction);
    if (driver == nullptr) return NDIS_STATUS_FAILURE;
    if (!ntos::non_null(DeviceName, kFunction) || !ntos::non_null(MajorFunctions, kFunction) ||
        !ntos::non_null(pDeviceObject, kFunction) || !ntos::non_null(NdisDeviceHandle, kFunction))
        return NDIS_STATUS_FAILURE;
    if (verifier::fault::should_fail(verifier::fault::FaultCall::NdisMRegisterDevice)) return NDIS_STATUS_RESOURCES;

    auto device = std::make_shared<ControlDevice>();
    device->service = driver->service;
    device->device_name = to_utf8(*DeviceName);
    if (SymbolicName != nullptr) device->symbolic_name = to_utf8(*SymbolicName);
    if (device->device_name.empty()) {
        verifier::report(verifier::Rule::BadCall, driver->service, NdisWrapperHandle,
                         "NdisMRegisterDevice: DeviceName is empty");
        return NDIS_STATUS_FAILURE;
    }
    device->driver_name = ntos::OwnedUnicodeString("\\Driver\\" + driver->service);

    DRIVER_OBJECT& d = device->driver_object;
    d.Type = ntos::kIoTypeDriver;
    d.Size = sizeof(DRIVER_OBJECT);
    d.DeviceObject = &device->device_object;
    d.DriverExtension = &device->driver_extension;
    d.DriverName = device->driver_name.get();
    for (unsigned i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; ++i)
        d.MajorFunction[i] = MajorFunctions[i] != nullptr ? MajorFunctions[i] : invalid_device_request;
    device->driver_extension.DriverObject = &d;
    device->driver_extension.ServiceKeyName = d.DriverName;

    DEVICE_OBJECT& o = device->device_object;
    o.Type = ntos::kIoTypeDevice;
    o.Size = sizeof(DEVICE_OBJECT);
    o.DriverObject = &d;
    o.DeviceType = FILE_DEVICE_NETWORK;
    o.StackSize = 1;
    InitializeListHead(&o.ListEntry);
    KeInitializeEvent(&o.DeviceLock, SynchronizationEvent, TRUE);

    {
        auto& r = device_list();
        std::lock_guard lock(r.mutex);
        for (const auto& other : r.devices) {
            if (named(*other, device->device_name) ||
                (!device->symbolic_name.empty() && named(*other, device->symbolic_name)))
                return static_cast<NDIS_STATUS>(STATUS_OBJECT_NAME_COLLISION);
        }
        r.devices.push_back(device);
    }
    *pDeviceObject = &device->device_object;
    *NdisDeviceHandle = device->handle();
    return NDIS_STATUS_SUCCESS;
}

/* NdisMDeregisterDevice (ndis.h) — seed 003 §2.3 — IRQL == PASSIVE_LEVEL
 * Deletes the control device and its symbolic link. IRPs already sent finish first (their
 * senders hold the device). */
extern "C" NDIS_STATUS NdisMDeregisterDevice(NDIS_HANDLE NdisDeviceHandle) {
    ntos::irql_at_most(PASSIVE_LEVEL, "NdisMDeregisterDevice");
    if (take(NdisDeviceHandle) == nullptr) {
        verifier::report(verifier::Rule::InvalidHandle, Library::loading_service(), NdisDeviceHandle,
                         "NdisMDeregisterDevice: not a handle NdisMRegisterDevice returned (or deregistered twice)");
        return NDIS_STATUS_FAILURE;
    }
    return NDIS_STATUS_SUCCESS;
}
