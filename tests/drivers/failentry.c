/* failentry.c — a miniport driver whose DriverEntry fails (STATUS_UNSUCCESSFUL), so tests can
 * check that `strata start` reports it with a one-line error and exit 2 (issue: bad input). */
#include <ndis.h>

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_UNSUCCESSFUL;
}
