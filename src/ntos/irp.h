// irp.h — I/O request packets for Strata's own senders (wdm.h, seed 003 §2.3 control devices):
// an IRP with its stack locations behind it, sent to a device's dispatch routine the way
// IoCallDriver sends it, and waited for until the driver completes it.
#pragma once

#include <cstddef>
#include <memory>

#include <wdm.h>

namespace strata::ntos {

// Windows' object type codes, kept so a debugger or driver reading Type sees the usual values.
inline constexpr CSHORT kIoTypeIrp = 6;
inline constexpr CSHORT kIoTypeDevice = 3;
inline constexpr CSHORT kIoTypeDriver = 4;

struct IrpDeleter {
    void operator()(IRP* irp) const noexcept;
};
using IrpPtr = std::unique_ptr<IRP, IrpDeleter>;

// A zeroed IRP with `stack_size` (>= 1) stack locations and none current yet, as IoAllocateIrp
// leaves it: the sender fills IoGetNextIrpStackLocation and calls call_driver. Any IRQL.
IrpPtr allocate_irp(CCHAR stack_size);

// IoCallDriver: makes the next stack location current (naming `device`) and runs the device's
// driver's dispatch routine for its MajorFunction. Returns what the routine returned.
NTSTATUS call_driver(PDEVICE_OBJECT device, PIRP irp);

// True once IofCompleteRequest ran for the IRP.
bool irp_completed(const IRP& irp) noexcept;

// call_driver, then (PASSIVE_LEVEL) waits until the driver completed the IRP, which it may do
// later from any thread when the routine returned STATUS_PENDING. Returns IoStatus.Status, or the
// routine's status (reported) when it returned neither STATUS_PENDING nor a completed IRP.
NTSTATUS call_driver_and_wait(PDEVICE_OBJECT device, PIRP irp);

}  // namespace strata::ntos
