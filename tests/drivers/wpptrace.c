/* wpptrace.c — a non-PnP driver that traces with WPP exactly as a Windows source does (control
 * GUID and flags, its .tmh, WPP_INIT_TRACING in DriverEntry, WPP_CLEANUP in DriverUnload). Built
 * with strata_wpp() as test_wpp.sys (tests/wpp_trace_test.cpp loads it) and compiled out of tree
 * by Ddk.Wpp_{gcc,clang}. */
#include <ntddk.h>

#define WPP_CONTROL_GUIDS \
    WPP_DEFINE_CONTROL_GUID(StrataWppTest, (6f1e2d3c, 4b5a, 4c7d, 8e9f, 0a1b2c3d4e5f), \
        WPP_DEFINE_BIT(TRACE_INIT) \
        WPP_DEFINE_BIT(TRACE_IO))

#include "wpptrace.tmh"

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD WppTraceUnload;

static VOID TraceIo(ULONG Bytes, NTSTATUS Status)
{
    DoTraceMessage(TRACE_IO, "%!FUNC!: %u bytes, status %!STATUS!", Bytes, Status);
}

VOID WppTraceUnload(PDRIVER_OBJECT DriverObject)
{
    DoTraceMessage(TRACE_INIT, "unloading");
    WPP_CLEANUP(DriverObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    int x = 42;
    const char *s = "abc";

    WPP_INIT_TRACING(DriverObject, RegistryPath);
    DoTraceMessage(TRACE_INIT, "x=%d s=%s", x, s);
    TraceIo(1500, STATUS_BUFFER_OVERFLOW);
    DriverObject->DriverUnload = WppTraceUnload;
    return STATUS_SUCCESS;
}
