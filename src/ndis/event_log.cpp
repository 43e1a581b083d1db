// event_log.cpp — NdisWriteEventLogEntry (ndis.h; seed 003 §2.4.2 error logging): the Win32 event
// log entry a driver writes becomes one line in the host log, with its strings and data size.
#include <cstdio>
#include <string>

#include "common/log.h"
#include "ndis/library.h"
#include "ntos/check.h"
#include "ntos/irql.h"

using namespace strata;
using namespace strata::ndis;

namespace {

// At most this many characters of one string are read (strings must be NUL-terminated).
constexpr std::size_t kMaxStringCharacters = 1024;

std::string logger_name(PVOID log_handle) {
    if (MiniportDriver* driver = Library::instance().find_miniport_driver(static_cast<PDRIVER_OBJECT>(log_handle)))
        return driver->service;
    std::string service = Library::loading_service();
    if (!service.empty()) return service;
    // A protocol driver's object (documented as the LogHandle): \Driver\<service> names it.
    const auto* object = static_cast<const DRIVER_OBJECT*>(log_handle);
    if (object->Size == sizeof(DRIVER_OBJECT) && object->DriverName.Buffer != nullptr) {
        std::string name = to_utf8(std::u16string_view(object->DriverName.Buffer, object->DriverName.Length / 2));
        return name.substr(name.find_last_of('\\') + 1);
    }
    char text[32];
    std::snprintf(text, sizeof text, "%p", log_handle);
    return text;
}

}  // namespace

/* NdisWriteEventLogEntry (ndis.h) — seed 003 §2.4.2 — IRQL <= DISPATCH_LEVEL
 * LogHandle: the caller's DRIVER_OBJECT; StringsList: NumStrings NUL-terminated UTF-16 strings one
 * after the other; Data: DataSize bytes. NumStrings/DataSize must be 0 with a NULL list/buffer. */
extern "C" NDIS_STATUS NdisWriteEventLogEntry(PVOID LogHandle, NDIS_STATUS EventCode, ULONG UniqueEventValue,
                                              USHORT NumStrings, PVOID StringsList, ULONG DataSize, PVOID Data) {
    constexpr const char* kFunction = "NdisWriteEventLogEntry";
    ntos::irql_at_most(DISPATCH_LEVEL, kFunction);
    if (!ntos::non_null(LogHandle, kFunction)) return NDIS_STATUS_FAILURE;
    if ((NumStrings != 0 && StringsList == nullptr) || (DataSize != 0 && Data == nullptr)) {
        ntos::report_violation(verifier::Rule::NullParameter, LogHandle, kFunction,
                               "NumStrings or DataSize is not 0 but the list or buffer is NULL");
        return NDIS_STATUS_FAILURE;
    }
    char head[96];
    std::snprintf(head, sizeof head, "event 0x%08X (unique %u)", static_cast<unsigned>(EventCode), UniqueEventValue);
    std::string line = logger_name(LogHandle) + ": " + head;
    const auto* text = static_cast<const WCHAR*>(StringsList);
    for (USHORT i = 0; i < NumStrings; ++i) {
        std::size_t length = 0;
        while (length < kMaxStringCharacters && text[length] != 0) ++length;
        line += (i == 0 ? ": \"" : ", \"") + to_utf8(std::u16string_view(text, length)) + "\"";
        text += length + 1;
    }
    if (DataSize != 0) line += "; " + std::to_string(DataSize) + " data bytes";
    log::write(log::Level::warning, "eventlog", line);
    return NDIS_STATUS_SUCCESS;
}
