/* stub_import.c — a driver image that imports a function Strata declares but does not implement
 * yet; the loader must refuse it and name the function (STYLE rule 2, export manifest). */
#include <ndis.h>

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NDIS_HANDLE wrapper = NULL;
    NDIS_HANDLE driver = NULL;
    NDIS_MINIPORT_CHARACTERISTICS chars;

    NdisMInitializeWrapper(&wrapper, DriverObject, RegistryPath, NULL);
    NdisZeroMemory(&chars, sizeof chars);
    chars.MajorNdisVersion = 5;
    chars.MinorNdisVersion = 1;
    return NdisIMRegisterLayeredMiniport(wrapper, &chars, sizeof chars, &driver);
}
