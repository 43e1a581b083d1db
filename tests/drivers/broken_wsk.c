/* broken_wsk.c — a WSK client that breaks the WSK, I/O and pool rules on request (issue 7 part 4,
 * DESIGN.md "Verifier": WSK capture/release balance, IRPs completed twice, tag leaks at unload).
 * DriverEntry registers
 * with WskRegister and never captures the provider NPI; BrokenWskCommit (broken_hooks.h) makes
 * one mistake, reported against "broken_wsk", and the driver unloads cleanly afterwards. */
#include <ntddk.h>
#include <wsk.h>

#include "broken_hooks.h"

static WSK_REGISTRATION Registration;
static const WSK_CLIENT_DISPATCH ClientDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);

static VOID NTAPI BrokenWskUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    WskDeregister(&Registration);
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WSK_CLIENT_NPI ClientNpi;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    ClientNpi.ClientContext = NULL;
    ClientNpi.Dispatch = &ClientDispatch;
    Status = WskRegister(&ClientNpi, &Registration);
    if (!NT_SUCCESS(Status))
        return Status;
    DriverObject->DriverUnload = BrokenWskUnload;
    return STATUS_SUCCESS;
}

/* Keeps the IRP after its first completion, as a driver that reuses its own IRPs does. */
static NTSTATUS NTAPI BrokenWskKeepIrp(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static PVOID BrokenWskCompleteTwice(void)
{
    PIRP Irp = IoAllocateIrp(1, FALSE);
    if (Irp == NULL)
        return NULL;
    IoSetCompletionRoutine(Irp, BrokenWskKeepIrp, NULL, TRUE, TRUE, TRUE);
    IoSetNextIrpStackLocation(Irp);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    IoFreeIrp(Irp);
    return Irp;
}

PVOID BrokenWskCommit(BROKEN_WSK_MISTAKE Mistake)
{
    switch (Mistake) {
    case BrokenReleaseUncaptured:
        WskReleaseProviderNPI(&Registration);
        return &Registration;
    case BrokenCompleteIrpTwice:
        return BrokenWskCompleteTwice();
    case BrokenLeakTaggedPool:
        return ExAllocatePoolWithTag(NonPagedPool, 64, 'kaLB');
    default:
        return NULL;
    }
}
