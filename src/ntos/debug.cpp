// debug.cpp — debugging and error reporting calls (seed 003 §2.1, §2.3; DESIGN.md "Verifier"):
// DbgPrint to the host log, assertions and breakpoints to the verifier, NdisWriteErrorLogEntry to
// the host log. KeBugCheck(Ex) is the one way a driver can stop the host: it logs, then aborts.
#include <ndis.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/log.h"
#include "ntos/check.h"
#include "ntos/dbg_format.h"
#include "ntos/irql.h"

namespace strata::ntos {
namespace {

void print(const char* format, va_list args) noexcept {
    if (!log::enabled(log::Level::debug)) return;
    try {
        std::string text = format_windows(format, args);
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
        log::write(log::Level::debug, "DbgPrint", text);
    } catch (...) {
        // Debug output is best effort; losing a line under memory pressure is acceptable.
    }
}

const char* error_code_name(NDIS_ERROR_CODE code) noexcept {
    switch (code) {
    case NDIS_ERROR_CODE_RESOURCE_CONFLICT: return "RESOURCE_CONFLICT";
    case NDIS_ERROR_CODE_OUT_OF_RESOURCES: return "OUT_OF_RESOURCES";
    case NDIS_ERROR_CODE_HARDWARE_FAILURE: return "HARDWARE_FAILURE";
    case NDIS_ERROR_CODE_ADAPTER_NOT_FOUND: return "ADAPTER_NOT_FOUND";
    case NDIS_ERROR_CODE_INTERRUPT_CONNECT: return "INTERRUPT_CONNECT";
    case NDIS_ERROR_CODE_DRIVER_FAILURE: return "DRIVER_FAILURE";
    case NDIS_ERROR_CODE_BAD_VERSION: return "BAD_VERSION";
    case NDIS_ERROR_CODE_TIMEOUT: return "TIMEOUT";
    case NDIS_ERROR_CODE_NETWORK_ADDRESS: return "NETWORK_ADDRESS";
    case NDIS_ERROR_CODE_UNSUPPORTED_CONFIGURATION: return "UNSUPPORTED_CONFIGURATION";
    case NDIS_ERROR_CODE_INVALID_VALUE_FROM_ADAPTER: return "INVALID_VALUE_FROM_ADAPTER";
    case NDIS_ERROR_CODE_MISSING_CONFIGURATION_PARAMETER: return "MISSING_CONFIGURATION_PARAMETER";
    case NDIS_ERROR_CODE_BAD_IO_BASE_ADDRESS: return "BAD_IO_BASE_ADDRESS";
    case NDIS_ERROR_CODE_RECEIVE_SPACE_SMALL: return "RECEIVE_SPACE_SMALL";
    case NDIS_ERROR_CODE_ADAPTER_DISABLED: return "ADAPTER_DISABLED";
    default: return "?";
    }
}

}  // namespace
}  // namespace strata::ntos

using namespace strata::ntos;
namespace log = strata::log;
namespace verifier = strata::verifier;

/* DbgPrint (wdm.h) — seed 003 §2.3 — any IRQL; host log at debug level; the %wZ/%ws dialect */
extern "C" ULONG DbgPrint(PCSTR Format, ...) {
    va_list args;
    va_start(args, Format);
    print(Format, args);
    va_end(args);
    return STATUS_SUCCESS;
}

/* DbgPrintEx (wdm.h) — seed 003 §2.3 — any IRQL; host log at debug level whatever the filter level */
extern "C" ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...) {
    (void)ComponentId;
    (void)Level;
    va_list args;
    va_start(args, Format);
    print(Format, args);
    va_end(args);
    return STATUS_SUCCESS;
}

/* DbgBreakPoint (wdm.h) — seed 003 §2.3 — any IRQL. No debugger is attached to the host: the
 * request is reported to the verifier and execution continues (never SIGTRAP). */
extern "C" VOID NTAPI DbgBreakPoint(VOID) {
    report_violation(verifier::Rule::BadCall, nullptr, "DbgBreakPoint", "breakpoint requested; continuing");
}

/* RtlAssert (wdm.h) — seed 003 §2.3 — any IRQL; a failed ASSERT in a checked (DBG) driver */
extern "C" VOID NTAPI RtlAssert(PVOID FailedAssertion, PVOID FileName, ULONG LineNumber, PSTR Message) {
    auto text = [](PVOID s) { return s != nullptr ? static_cast<const char*>(s) : "?"; };
    char what[512];
    std::snprintf(what, sizeof what, "assertion failed: %s at %s:%u%s%s", text(FailedAssertion), text(FileName),
                  LineNumber, Message != nullptr ? ": " : "", Message != nullptr ? Message : "");
    report_violation(verifier::Rule::BadCall, nullptr, "RtlAssert", what);
}

/* KeBugCheckEx (wdm.h) — seed 003 §2.3 — any IRQL; logs the stop code and aborts the host */
extern "C" VOID NTAPI KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR BugCheckParameter1, ULONG_PTR BugCheckParameter2,
                                   ULONG_PTR BugCheckParameter3, ULONG_PTR BugCheckParameter4) {
    char line[160];
    std::snprintf(line, sizeof line, "KeBugCheckEx 0x%08X (0x%zx, 0x%zx, 0x%zx, 0x%zx): a driver stopped the host",
                  BugCheckCode, static_cast<size_t>(BugCheckParameter1), static_cast<size_t>(BugCheckParameter2),
                  static_cast<size_t>(BugCheckParameter3), static_cast<size_t>(BugCheckParameter4));
    log::write(log::Level::error, "ntos", line);
    std::abort();
}

/* KeBugCheck (wdm.h) — seed 003 §2.3 — any IRQL; logs the stop code and aborts the host */
extern "C" VOID NTAPI KeBugCheck(ULONG BugCheckCode) { KeBugCheckEx(BugCheckCode, 0, 0, 0, 0); }

/* StrataCheckPagedCode (wdm.h, behind PAGED_CODE()) — seed 003 §2.1 — any IRQL; reports paged code running
 * above APC_LEVEL */
extern "C" VOID NTAPI StrataCheckPagedCode(PCSTR Function) {
    irql_at_most(APC_LEVEL, Function != nullptr ? Function : "PAGED_CODE()");
}

/* NdisWriteErrorLogEntry (ndis.h) — seed 003 §2.3 — IRQL <= DISPATCH_LEVEL; one host log line
 * naming the adapter handle, the error code and its ULONG values */
extern "C" VOID NdisWriteErrorLogEntry(NDIS_HANDLE NdisAdapterHandle, NDIS_ERROR_CODE ErrorCode,
                                       ULONG NumberOfErrorValues, ...) {
    try {
        char head[128];
        std::snprintf(head, sizeof head, "adapter %p error 0x%08X (%s)", NdisAdapterHandle, ErrorCode,
                      error_code_name(ErrorCode));
        std::string line = head;
        va_list args;
        va_start(args, NumberOfErrorValues);
        for (ULONG i = 0; i < NumberOfErrorValues; ++i) {
            char value[24];
            std::snprintf(value, sizeof value, "%s0x%08X", i == 0 ? " values " : " ", va_arg(args, ULONG));
            line += value;
        }
        va_end(args);
        log::write(log::Level::warning, "NdisWriteErrorLogEntry", line);
    } catch (...) {
        // The error log is best effort, like Windows' when its buffer is full.
    }
}
