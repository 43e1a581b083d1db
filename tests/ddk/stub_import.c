/* stub_import.c — a driver image that imports a function Strata declares but does not implement
 * yet (an LBFO call); the loader must refuse it and name the function (STYLE rule 2, export
 * manifest). */
#include <ndis.h>

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_HANDLE wrapper = NULL;

    NdisMInitializeWrapper(&wrapper, DriverObject, RegistryPath, NULL);
    return NdisMSetMiniportSecondary(wrapper, wrapper);
}
