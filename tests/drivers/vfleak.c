/* vfleak.c — a non-PnP test driver with two known mistakes, for the verifier's CLI tests
 * (issue 7 §4, tests/verifier_cli_test.cpp): DriverEntry frees a pool block with the wrong tag
 * (Rule::BadCall), and DriverUnload forgets the block it tagged 'Leak' (Rule::TagLeak at
 * unload). Installed with `strata sc create`, started and stopped with `strata sc`. */
#include <ntddk.h>

#define VFLEAK_TAG       'kaeL' /* "Leak" in memory, as pool tags read */
#define VFLEAK_OTHER_TAG 'rhtO'
#define VFLEAK_BYTES     48

static PVOID g_Forgotten;

static VOID VfLeakUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    /* The mistake: g_Forgotten is not freed. */
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    PVOID Block;

    UNREFERENCED_PARAMETER(RegistryPath);
    g_Forgotten = ExAllocatePoolWithTag(NonPagedPool, VFLEAK_BYTES, VFLEAK_TAG);
    if (g_Forgotten == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Block = ExAllocatePoolWithTag(NonPagedPool, 16, VFLEAK_TAG);
    if (Block != NULL)
        ExFreePoolWithTag(Block, VFLEAK_OTHER_TAG); /* the mistake: not the tag it was allocated with */
    DriverObject->DriverUnload = VfLeakUnload;
    return STATUS_SUCCESS;
}
