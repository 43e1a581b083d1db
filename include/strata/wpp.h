/* strata/wpp.h — WPP software tracing for driver sources written for Windows: what the .tmh files
 * that strata_wpp() (cmake/StrataWpp.cmake) generates expand to. A source keeps its Windows form:
 *
 *   #define WPP_CONTROL_GUIDS \
 *       WPP_DEFINE_CONTROL_GUID(MyDriverTrace, (84bdb2e9, 829e, 41b3, b891, 02f454bc2bd7), \
 *           WPP_DEFINE_BIT(TRACE_INIT) \
 *           WPP_DEFINE_BIT(TRACE_IO))
 *   #include "foo.tmh"
 *   ... WPP_INIT_TRACING(DriverObject, RegistryPath);           in DriverEntry
 *   ... DoTraceMessage(TRACE_IO, "sent %d bytes to %s", n, name);
 *   ... WPP_CLEANUP(DriverObject);                              in DriverUnload
 *
 * Instead of an ETW session, messages go to the host log (component: the control's name, level
 * debug, so STRATA_LOG=debug shows them), each prefixed with its flag, file and line:
 *   strata: debug MyDriverTrace: [TRACE_IO] foo.c:42 sent 5 bytes to echo
 * The format is DbgPrint's dialect (%wZ, %ws, %I64d, ...) plus WPP's %!FUNC!, %!FILE!, %!LINE!
 * and %!STATUS!/%!NTSTATUS!/%!HRESULT!/%!WINERROR! (a 32-bit code, printed in hex); any other
 * %!TYPE! prints its argument as a 64-bit hex value. Every flag is enabled; nothing is traced
 * before WPP_INIT_TRACING or after WPP_CLEANUP. Only DoTraceMessage is provided: configured
 * trace functions (-func:TraceEvents(...), begin_wpp config blocks) are not. */
#ifndef STRATA_WPP_H
#define STRATA_WPP_H

#include <wdm.h>

STRATA_EXTERN_C_BEGIN

/* One per driver image (a hidden weak definition the .tmh files of its sources share). */
typedef struct _STRATA_WPP_CONTROL {
    PCSTR Controls;         /* "Name(guid) FLAG FLAG;" per WPP_DEFINE_CONTROL_GUID, in order */
    PVOID volatile Session; /* the runtime's, from WPP_INIT_TRACING until WPP_CLEANUP */
} STRATA_WPP_CONTROL, *PSTRATA_WPP_CONTROL;

/* PASSIVE_LEVEL: starts (or stops) tracing for the image whose control block this is and logs it. */
NTKERNELAPI VOID NTAPI StrataWppInit(PSTRATA_WPP_CONTROL Control, PVOID DriverObject, PCUNICODE_STRING RegistryPath);
NTKERNELAPI VOID NTAPI StrataWppCleanup(PSTRATA_WPP_CONTROL Control, PVOID DriverObject);
/* Any IRQL: one trace message; Bit is the flag's position over all controls (WPP_BIT_<flag>). */
NTKERNELAPI VOID StrataWppTrace(PSTRATA_WPP_CONTROL Control, ULONG Bit, PCSTR Flag, PCSTR File, ULONG Line,
    PCSTR Function, PCSTR Format, ...);

STRATA_EXTERN_C_END

#define WPP_INIT_TRACING(DriverObject, RegistryPath) \
    StrataWppInit(&StrataWppControl, (PVOID)(DriverObject), (RegistryPath))
#define WPP_CLEANUP(DriverObject) StrataWppCleanup(&StrataWppControl, (PVOID)(DriverObject))
#define DoTraceMessage(Flag, Format, ...) \
    ((StrataWppControl.Session != NULL) \
         ? StrataWppTrace(&StrataWppControl, WPP_BIT_##Flag, #Flag, WPP_THIS_FILE, __LINE__, __func__, (Format), \
                          ##__VA_ARGS__) \
         : (void)0)

#endif /* STRATA_WPP_H */

/* The per-unit part, expanded once by the unit's .tmh, which defines WPP_THIS_FILE first: each
 * WPP_DEFINE_BIT(Name) becomes the enumerator WPP_BIT_Name (so DoTraceMessage(Name, ...) compiles
 * and a misspelt flag does not), and the image's control block is defined. */
#if defined(WPP_THIS_FILE) && !defined(STRATA_WPP_UNIT)
#define STRATA_WPP_UNIT
#ifndef WPP_CONTROL_GUIDS
#error "WPP: define WPP_CONTROL_GUIDS before including the .tmh file"
#endif

#define WPP_DEFINE_CONTROL_GUID(Name, Guid, Bits) Bits
#define WPP_DEFINE_BIT(Name) WPP_BIT_##Name,
enum { WPP_CONTROL_GUIDS STRATA_WPP_BIT_COUNT };
#undef WPP_DEFINE_BIT
#undef WPP_DEFINE_CONTROL_GUID

#define WPP_DEFINE_CONTROL_GUID(Name, Guid, Bits) #Name #Guid Bits ";"
#define WPP_DEFINE_BIT(Name) " " #Name
__attribute__((weak, visibility("hidden"))) STRATA_WPP_CONTROL StrataWppControl = { WPP_CONTROL_GUIDS, NULL };
#undef WPP_DEFINE_BIT
#undef WPP_DEFINE_CONTROL_GUID
#endif
