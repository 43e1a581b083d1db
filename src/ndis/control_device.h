// control_device.h — stand-alone control devices of miniport and intermediate drivers
// (NdisMRegisterDevice, seed 003 §2.3; PASSTHRU's and MUX's ioctl interface): a DEVICE_OBJECT on
// a DRIVER_OBJECT of its own whose MajorFunction table is the driver's, found by name, and sent
// IRPs by Strata (tests, the host) the way the I/O manager would send them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <ndis.h>

#include "ntos/string.h"

namespace strata::ndis {

struct ControlDevice {
    std::string service;        // the registering driver's service
    std::string device_name;    // DeviceName as given, e.g. \Device\Passthru
    std::string symbolic_name;  // SymbolicName as given, e.g. \DosDevices\Passthru; empty if none
    ntos::OwnedUnicodeString driver_name;
    DRIVER_EXTENSION driver_extension{};
    DRIVER_OBJECT driver_object{};  // MajorFunction: the driver's table, NULL entries fail the IRP
    DEVICE_OBJECT device_object{};

    // The NdisDeviceHandle NdisMRegisterDevice returned.
    NDIS_HANDLE handle() noexcept { return this; }
};

// Every registered control device (a snapshot; the objects stay valid while held).
std::vector<std::shared_ptr<ControlDevice>> control_devices();
// By DeviceName or SymbolicName, case-insensitive; nullptr when none is registered.
std::shared_ptr<ControlDevice> find_control_device(std::string_view name);

// The I/O manager's side of CreateFile/CloseHandle: an IRP with no parameters (IRP_MJ_CREATE,
// IRP_MJ_CLEANUP, IRP_MJ_CLOSE, ...), waited for. PASSIVE_LEVEL. Returns IoStatus.Status.
NTSTATUS send_control_irp(ControlDevice& device, UCHAR major_function);

struct IoControlResult {
    NTSTATUS status;
    ULONG_PTR information;  // IoStatus.Information: bytes returned
};
// DeviceIoControl: IRP_MJ_DEVICE_CONTROL with `code`'s transfer method (METHOD_BUFFERED: one
// system buffer, output copied back unless the status is an error; METHOD_IN/OUT_DIRECT: input in
// the system buffer, output described by an MDL; METHOD_NEITHER: the caller's buffers as they
// are). Waited for; PASSIVE_LEVEL.
IoControlResult device_io_control(ControlDevice& device, ULONG code, const void* input, ULONG input_length,
                                  void* output, ULONG output_length);

}  // namespace strata::ndis
