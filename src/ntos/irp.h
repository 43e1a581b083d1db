// irp.h — I/O request packets (wdm.h; seed 003 §2.3 control devices, seeds 000/002 WSK IRPs): an
// IRP with its stack locations behind it, sent to a device's dispatch routine the way IoCallDriver
// sends it, completed back up through the completion routines, and waited for by Strata's own
// senders. The exported Io* functions live in irp.cpp.
#pragma once

#include <cstddef>
#include <memory>

#include <wdm.h>

namespace strata::ntos {

// Windows' object type codes, kept so a debugger or driver reading Type sees the usual values.
inline constexpr CSHORT kIoTypeIrp = 6;
inline constexpr CSHORT kIoTypeDevice = 3;
inline constexpr CSHORT kIoTypeDriver = 4;

// 'Irp ', the pool tag of every IRP IoAllocateIrp and allocate_irp make; 'IrpC', the records
// IoSetCompletionRoutineEx keeps until the routine's turn comes.
inline constexpr ULONG kTagIrp = 0x20707249;
inline constexpr ULONG kTagCompletionEx = 0x43707249;

struct IrpDeleter {
    void operator()(IRP* irp) const noexcept;
};
using IrpPtr = std::unique_ptr<IRP, IrpDeleter>;

// A zeroed IRP with `stack_size` (>= 1) stack locations and none current yet, as IoAllocateIrp
// leaves it: the sender fills IoGetNextIrpStackLocation and calls call_driver. Any IRQL; throws
// std::bad_alloc when the pool is exhausted.
IrpPtr allocate_irp(CCHAR stack_size);

// IoCallDriver: makes the next stack location current (naming `device`) and runs the device's
// driver's dispatch routine for its MajorFunction. Returns what the routine returned.
NTSTATUS call_driver(PDEVICE_OBJECT device, PIRP irp);

// True once IofCompleteRequest walked the IRP back past its first stack location (or it was never
// sent): no driver holds it.
bool irp_completed(const IRP& irp) noexcept;

// call_driver, then (PASSIVE_LEVEL) waits until the driver completed the IRP, which it may do
// later from any thread when the routine returned STATUS_PENDING. Returns IoStatus.Status, or the
// routine's status (reported) when it returned neither STATUS_PENDING nor a completed IRP.
NTSTATUS call_driver_and_wait(PDEVICE_OBJECT device, PIRP irp);

}  // namespace strata::ntos
