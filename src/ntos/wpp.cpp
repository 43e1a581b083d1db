// wpp.cpp — the WPP tracing runtime (include/strata/wpp.h; seeds 000/002: WSK client drivers
// trace with WPP): WPP_INIT_TRACING / WPP_CLEANUP open and close a session for a driver image's
// control block, and DoTraceMessage formats like DbgPrint (dbg_format) plus WPP's %!TYPE!
// specifiers and writes one host log line per message: the control's name as the component, then
// "[FLAG] file:line message".
#include <strata/wpp.h>

#include <cstdarg>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "ntos/check.h"
#include "ntos/dbg_format.h"
#include "ntos/irql.h"
#include "ntos/string.h"

namespace strata::ntos {
namespace {

struct Control {
    std::string name;
    std::string guid;  // {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}
    std::vector<std::string> flags;
};

// What WPP_INIT_TRACING set up: the controls parsed from the control block, and for each bit
// (WPP_BIT_<flag>, numbered over all controls) the control it belongs to.
struct Session {
    PVOID driver_object;
    std::vector<Control> controls;
    std::vector<std::size_t> control_of_bit;
};

// "Name(84bdb2e9, 829e, 41b3, b891, 02f454bc2bd7) FLAG_A FLAG_B;" per control, as wpp.h builds it.
std::vector<Control> parse_controls(std::string_view text) {
    std::vector<Control> controls;
    while (!text.empty()) {
        std::size_t end = text.find(';');
        std::string_view one = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        std::size_t open = one.find('('), close = one.find(')');
        if (open == std::string_view::npos || close == std::string_view::npos || close < open) continue;
        Control control;
        control.name = one.substr(0, open);
        control.guid = "{";
        for (char c : one.substr(open + 1, close - open - 1))
            if (c == ',') control.guid += '-';
            else if (c != ' ') control.guid += c;
        control.guid += '}';
        std::string_view flags = one.substr(close + 1);
        while (!flags.empty()) {
            std::size_t space = flags.find(' ');
            if (space != 0) control.flags.emplace_back(flags.substr(0, space));
            flags.remove_prefix(space == std::string_view::npos ? flags.size() : space + 1);
        }
        controls.push_back(std::move(control));
    }
    return controls;
}

void append_escaped(std::string& out, std::string_view text) {
    for (char c : text) {
        if (c == '%') out += '%';
        out += c;
    }
}

// Rewrites WPP's %!TYPE! specifiers into the DbgPrint dialect: %!FUNC!, %!FILE!, %!LINE! become
// text, the status types a hex conversion of their 32-bit argument, any other type "TYPE:" and
// a 64-bit hex conversion, so the arguments after it stay aligned.
std::string translate(std::string_view format, const char* file, ULONG line, const char* function) {
    std::string out;
    out.reserve(format.size());
    for (std::size_t i = 0; i < format.size(); ++i) {
        char c = format[i];
        if (c != '%' || i + 1 >= format.size() || (format[i + 1] != '%' && format[i + 1] != '!')) {
            out += c;
            continue;
        }
        if (format[i + 1] == '%') {
            out += "%%";
            ++i;
            continue;
        }
        std::size_t close = format.find('!', i + 2);
        if (close == std::string_view::npos) {
            out += "%%";  // "%!" with no end: print it as written
            continue;
        }
        std::string_view type = format.substr(i + 2, close - i - 2);
        i = close;
        if (type == "FUNC") {
            append_escaped(out, function != nullptr ? function : "?");
        } else if (type == "FILE") {
            append_escaped(out, file != nullptr ? file : "?");
        } else if (type == "LINE") {
            out += std::to_string(line);
        } else if (type == "STATUS" || type == "NTSTATUS" || type == "HRESULT" || type == "WINERROR") {
            out += "0x%08X";
        } else {
            append_escaped(out, type);
            out += ":0x%I64x";
        }
    }
    return out;
}

Session* session_of(const STRATA_WPP_CONTROL& control) noexcept {
    return static_cast<Session*>(__atomic_load_n(&control.Session, __ATOMIC_ACQUIRE));
}

}  // namespace
}  // namespace strata::ntos

using namespace strata::ntos;
namespace log = strata::log;

/* StrataWppInit (strata/wpp.h, behind WPP_INIT_TRACING) — seeds 000/002 — IRQL == PASSIVE_LEVEL
 * Opens the image's trace session and logs its controls at info level. A second init without
 * WPP_CLEANUP is reported and ignored. */
extern "C" VOID NTAPI StrataWppInit(PSTRATA_WPP_CONTROL Control, PVOID DriverObject, PCUNICODE_STRING RegistryPath) {
    if (!non_null(Control, "WPP_INIT_TRACING")) return;
    irql_at_most(PASSIVE_LEVEL, "WPP_INIT_TRACING", Control);
    if (session_of(*Control) != nullptr) {
        report_violation(strata::verifier::Rule::BadCall, Control, "WPP_INIT_TRACING",
                         "tracing already initialised (no WPP_CLEANUP since); ignored");
        return;
    }
    try {
        auto* session = new Session{DriverObject, parse_controls(Control->Controls != nullptr ? Control->Controls : ""), {}};
        std::string line = "WPP tracing for ";
        line += RegistryPath != nullptr ? to_utf8(*RegistryPath) : std::string("(no registry path)");
        for (std::size_t i = 0; i < session->controls.size(); ++i) {
            const auto& control = session->controls[i];
            line += "; control " + control.name + " " + control.guid + " flags";
            for (const std::string& flag : control.flags) {
                line += " " + flag;
                session->control_of_bit.push_back(i);
            }
        }
        log::write(log::Level::info, "WPP", line);
        __atomic_store_n(&Control->Session, static_cast<PVOID>(session), __ATOMIC_RELEASE);
    } catch (...) {
        log::write(log::Level::warning, "WPP", "WPP_INIT_TRACING: out of memory; this driver's traces are dropped");
    }
}

/* StrataWppCleanup (strata/wpp.h, behind WPP_CLEANUP) — seeds 000/002 — IRQL == PASSIVE_LEVEL
 * Closes the session; later DoTraceMessage calls are dropped. The driver must have stopped
 * tracing on every thread first, as on Windows. */
extern "C" VOID NTAPI StrataWppCleanup(PSTRATA_WPP_CONTROL Control, PVOID DriverObject) {
    if (!non_null(Control, "WPP_CLEANUP")) return;
    irql_at_most(PASSIVE_LEVEL, "WPP_CLEANUP", Control);
    auto* session = static_cast<Session*>(__atomic_exchange_n(&Control->Session, nullptr, __ATOMIC_ACQ_REL));
    if (session == nullptr) {
        report_violation(strata::verifier::Rule::BadCall, Control, "WPP_CLEANUP", "tracing was not initialised");
        return;
    }
    if (DriverObject != session->driver_object)
        report_violation(strata::verifier::Rule::BadCall, DriverObject, "WPP_CLEANUP",
                         "not the driver object given to WPP_INIT_TRACING");
    std::string names;
    for (const auto& control : session->controls) names += (names.empty() ? "" : ", ") + control.name;
    delete session;
    log::write(log::Level::info, "WPP", "WPP tracing stopped for " + names);
}

/* StrataWppTrace (strata/wpp.h, behind DoTraceMessage) — seeds 000/002 — any IRQL
 * One debug-level host log line "[Flag] File:Line message", the component being the name of the
 * control that defines Flag. Formatted only when debug logging is on. */
extern "C" VOID StrataWppTrace(PSTRATA_WPP_CONTROL Control, ULONG Bit, PCSTR Flag, PCSTR File, ULONG Line,
                               PCSTR Function, PCSTR Format, ...) {
    if (Control == nullptr || !log::enabled(log::Level::debug)) return;
    Session* session = session_of(*Control);
    if (session == nullptr) return;
    try {
        std::string_view component = "WPP";
        if (Bit < session->control_of_bit.size()) component = session->controls[session->control_of_bit[Bit]].name;
        std::string format = translate(Format != nullptr ? Format : "", File, Line, Function);
        va_list args;
        va_start(args, Format);
        std::string text = format_windows(format.c_str(), args);
        va_end(args);
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
        char where[160];
        std::snprintf(where, sizeof where, "[%s] %s:%u ", Flag != nullptr ? Flag : "?", File != nullptr ? File : "?",
                      Line);
        log::write(log::Level::debug, component, where + text);
    } catch (...) {
        // Tracing is best effort, like an ETW buffer that is full.
    }
}
