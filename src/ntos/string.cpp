// string.cpp — counted strings (seed 003 §2.3, §2.4.2): the Rtl*String and Ndis*String functions
// and the C++ conversions of string.h. Lengths are in bytes, as on Windows; ANSI means UTF-8.
#include "ntos/string.h"

#include <ndis.h>

#include <cstring>
#include <new>
#include <stdexcept>

#include "ntos/check.h"
#include "ntos/pool.h"

namespace strata::ntos {
namespace {

constexpr char16_t kReplacement = 0xFFFD;
// The largest even byte count a USHORT holds, less room for a terminating NUL (Windows' cap).
constexpr std::size_t kMaxUnicodeBytes = 0xFFFC;
constexpr std::size_t kMaxAnsiBytes = 0xFFFE;

// Decodes one UTF-8 sequence at `in[i]`, advancing `i`; a malformed byte decodes to U+FFFD alone.
char32_t decode_utf8(std::string_view in, std::size_t& i) noexcept {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
    unsigned char lead = byte(i);
    std::size_t extra = lead < 0x80 ? 0 : lead < 0xC2 ? 9 : lead < 0xE0 ? 1 : lead < 0xF0 ? 2 : lead < 0xF5 ? 3 : 9;
    if (extra == 0) return in[i++] & 0x7F;
    if (extra == 9 || i + extra >= in.size()) {
        ++i;
        return kReplacement;
    }
    char32_t c = lead & (0x3F >> extra);
    for (std::size_t k = 1; k <= extra; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) {
            ++i;
            return kReplacement;
        }
        c = (c << 6) | (byte(i + k) & 0x3F);
    }
    static constexpr char32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
    if (c < kMinimum[extra] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        ++i;
        return kReplacement;
    }
    i += extra + 1;
    return c;
}

std::size_t wide_length(PCWSTR s) noexcept {
    std::size_t n = 0;
    while (s[n] != 0) ++n;
    return n;
}

// Copies `text` into `dest`'s buffer and NUL-terminates it when there is room.
void store(UNICODE_STRING& dest, std::u16string_view text) noexcept {
    if (!text.empty()) std::memmove(dest.Buffer, text.data(), text.size() * sizeof(WCHAR));
    dest.Length = static_cast<USHORT>(text.size() * sizeof(WCHAR));
    if (dest.Length + sizeof(WCHAR) <= dest.MaximumLength) dest.Buffer[text.size()] = 0;
}

NTSTATUS append(PUNICODE_STRING dest, std::u16string_view text, const char* function) noexcept {
    if (!non_null(dest, function)) return STATUS_INVALID_PARAMETER;
    std::size_t bytes = text.size() * sizeof(WCHAR);
    if (dest->Length + bytes > dest->MaximumLength) return STATUS_BUFFER_TOO_SMALL;
    if (bytes == 0) return STATUS_SUCCESS;
    std::u16string_view current = view(*dest);
    std::memmove(dest->Buffer + current.size(), text.data(), bytes);
    dest->Length = static_cast<USHORT>(dest->Length + bytes);
    if (dest->Length + sizeof(WCHAR) <= dest->MaximumLength) dest->Buffer[dest->Length / sizeof(WCHAR)] = 0;
    return STATUS_SUCCESS;
}

LONG compare(std::u16string_view a, std::u16string_view b, bool case_insensitive) noexcept {
    std::size_t n = a.size() < b.size() ? a.size() : b.size();
    for (std::size_t i = 0; i < n; ++i) {
        char16_t x = case_insensitive ? upcase(a[i]) : a[i];
        char16_t y = case_insensitive ? upcase(b[i]) : b[i];
        if (x != y) return static_cast<LONG>(x) - static_cast<LONG>(y);
    }
    return static_cast<LONG>(a.size()) - static_cast<LONG>(b.size());
}

int digit_value(char16_t c) noexcept {
    if (c >= u'0' && c <= u'9') return c - u'0';
    if (c >= u'a' && c <= u'z') return c - u'a' + 10;
    if (c >= u'A' && c <= u'Z') return c - u'A' + 10;
    return 99;
}

bool valid_base(ULONG base) noexcept { return base == 2 || base == 8 || base == 10 || base == 16; }

NDIS_STATUS to_ndis_status(NTSTATUS status) noexcept {
    if (status == STATUS_SUCCESS) return NDIS_STATUS_SUCCESS;
    if (status == STATUS_BUFFER_OVERFLOW) return NDIS_STATUS_BUFFER_OVERFLOW;
    return NDIS_STATUS_FAILURE;
}

}  // namespace

std::u16string_view view(const UNICODE_STRING& string) noexcept {
    if (string.Buffer == nullptr) return {};
    return {string.Buffer, string.Length / sizeof(WCHAR)};
}

std::string_view view(const ANSI_STRING& string) noexcept {
    if (string.Buffer == nullptr) return {};
    return {string.Buffer, string.Length};
}

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

std::string to_utf8(std::u16string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char32_t c = text[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < text.size() && text[i + 1] >= 0xDC00 && text[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (text[i + 1] - 0xDC00);
            ++i;
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            c = kReplacement;
        }
        append_utf8(out, c);
    }
    return out;
}

std::string to_utf8(const UNICODE_STRING& string) { return to_utf8(view(string)); }

std::u16string to_utf16(std::string_view utf8) {
    std::u16string out;
    out.reserve(utf8.size());
    for (std::size_t i = 0; i < utf8.size();) {
        char32_t c = decode_utf8(utf8, i);
        if (c >= 0x10000) {
            out += static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10));
            out += static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF));
        } else {
            out += static_cast<char16_t>(c);
        }
    }
    return out;
}

char16_t upcase(char16_t c) noexcept {
    if (c < u'a') return c;
    if (c <= u'z') return static_cast<char16_t>(c - 0x20);
    if (c < 0xE0) return c;
    if (c <= 0xFE) return c == 0xF7 ? c : static_cast<char16_t>(c - 0x20);
    if (c == 0xFF) return 0x178;
    if (c <= 0x17F) {
        // Latin Extended-A pairs upper/lower; the pairs start on an even unit except in the two
        // odd-aligned runs 0x139..0x148 and 0x179..0x17E. 0x130, 0x131, 0x138, 0x149, 0x17F stand alone.
        bool odd_run = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
        if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F || c < 0x100) return c;
        bool lower = odd_run ? (c % 2 == 0) : (c % 2 == 1);
        return lower ? static_cast<char16_t>(c - 1) : c;
    }
    if (c >= 0x3B1 && c <= 0x3CB) return c == 0x3C2 ? char16_t{0x3A3} : static_cast<char16_t>(c - 0x20);
    if (c == 0x3AC) return 0x386;
    if (c >= 0x3AD && c <= 0x3AF) return static_cast<char16_t>(c - 0x25);
    if (c == 0x3CC) return 0x38C;
    if (c == 0x3CD || c == 0x3CE) return static_cast<char16_t>(c - 0x3F);
    if (c >= 0x430 && c <= 0x44F) return static_cast<char16_t>(c - 0x20);
    if (c >= 0x450 && c <= 0x45F) return static_cast<char16_t>(c - 0x50);
    if (c >= 0xFF41 && c <= 0xFF5A) return static_cast<char16_t>(c - 0x20);
    return c;
}

std::u16string OwnedUnicodeString::checked(std::u16string text) {
    if (text.size() * sizeof(WCHAR) > kMaxUnicodeBytes)
        throw std::length_error("OwnedUnicodeString: " + std::to_string(text.size()) + " characters exceed UNICODE_STRING");
    return text;
}

void OwnedUnicodeString::bind() noexcept {
    string_.Buffer = text_.data();
    string_.Length = static_cast<USHORT>(text_.size() * sizeof(WCHAR));
    string_.MaximumLength = static_cast<USHORT>(string_.Length + sizeof(WCHAR));
}

}  // namespace strata::ntos

using namespace strata::ntos;

/* RtlInitUnicodeString (wdm.h) — seed 003 §2.3 — any IRQL for nonpaged strings */
extern "C" VOID NTAPI RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString) {
    if (!non_null(DestinationString, "RtlInitUnicodeString")) return;
    DestinationString->Buffer = const_cast<PWSTR>(SourceString);
    std::size_t bytes = SourceString == nullptr ? 0 : wide_length(SourceString) * sizeof(WCHAR);
    if (bytes > kMaxUnicodeBytes) bytes = kMaxUnicodeBytes;
    DestinationString->Length = static_cast<USHORT>(bytes);
    DestinationString->MaximumLength = static_cast<USHORT>(SourceString == nullptr ? 0 : bytes + sizeof(WCHAR));
}

/* RtlInitAnsiString (wdm.h) — seed 003 §2.3 — any IRQL for nonpaged strings */
extern "C" VOID NTAPI RtlInitAnsiString(PANSI_STRING DestinationString, PCSTR SourceString) {
    if (!non_null(DestinationString, "RtlInitAnsiString")) return;
    DestinationString->Buffer = const_cast<PCHAR>(SourceString);
    std::size_t bytes = SourceString == nullptr ? 0 : std::strlen(SourceString);
    if (bytes > kMaxAnsiBytes) bytes = kMaxAnsiBytes;
    DestinationString->Length = static_cast<USHORT>(bytes);
    DestinationString->MaximumLength = static_cast<USHORT>(SourceString == nullptr ? 0 : bytes + 1);
}

/* RtlInitString (wdm.h) — seed 003 §2.3 — any IRQL for nonpaged strings */
extern "C" VOID NTAPI RtlInitString(PSTRING DestinationString, PCSTR SourceString) {
    RtlInitAnsiString(DestinationString, SourceString);
}

/* RtlAnsiStringToUnicodeString (wdm.h) — seed 003 §2.3 — IRQL == PASSIVE_LEVEL. Without
 * allocation the destination needs room for the text and more (STATUS_BUFFER_OVERFLOW); the
 * result is NUL-terminated when the buffer has room. Free an allocated one with RtlFreeUnicodeString. */
extern "C" NTSTATUS NTAPI RtlAnsiStringToUnicodeString(PUNICODE_STRING DestinationString, PCANSI_STRING SourceString,
                                                       BOOLEAN AllocateDestinationString) {
    if (!non_null(DestinationString, "RtlAnsiStringToUnicodeString") ||
        !non_null(SourceString, "RtlAnsiStringToUnicodeString"))
        return STATUS_INVALID_PARAMETER;
    try {
        std::u16string wide = to_utf16(view(*SourceString));
        std::size_t bytes = wide.size() * sizeof(WCHAR);
        if (bytes > kMaxUnicodeBytes) return STATUS_INVALID_PARAMETER_2;
        if (AllocateDestinationString) {
            auto* buffer = static_cast<PWSTR>(pool_allocate(bytes + sizeof(WCHAR), kTagString));
            if (buffer == nullptr) return STATUS_NO_MEMORY;
            DestinationString->Buffer = buffer;
            DestinationString->MaximumLength = static_cast<USHORT>(bytes + sizeof(WCHAR));
        } else if (bytes >= DestinationString->MaximumLength) {
            return STATUS_BUFFER_OVERFLOW;
        }
        store(*DestinationString, wide);
        return STATUS_SUCCESS;
    } catch (const std::bad_alloc&) {
        return STATUS_NO_MEMORY;
    }
}

/* RtlUnicodeStringToAnsiString (wdm.h) — seed 003 §2.3 — IRQL == PASSIVE_LEVEL. The result is
 * NUL-terminated; without allocation the destination needs room for the NUL too
 * (STATUS_BUFFER_OVERFLOW). Free an allocated one with RtlFreeAnsiString. */
extern "C" NTSTATUS NTAPI RtlUnicodeStringToAnsiString(PANSI_STRING DestinationString, PCUNICODE_STRING SourceString,
                                                       BOOLEAN AllocateDestinationString) {
    if (!non_null(DestinationString, "RtlUnicodeStringToAnsiString") ||
        !non_null(SourceString, "RtlUnicodeStringToAnsiString"))
        return STATUS_INVALID_PARAMETER;
    try {
        std::string narrow = to_utf8(*SourceString);
        if (narrow.size() > kMaxAnsiBytes) return STATUS_INVALID_PARAMETER_2;
        if (AllocateDestinationString) {
            auto* buffer = static_cast<PCHAR>(pool_allocate(narrow.size() + 1, kTagString));
            if (buffer == nullptr) return STATUS_NO_MEMORY;
            DestinationString->Buffer = buffer;
            DestinationString->MaximumLength = static_cast<USHORT>(narrow.size() + 1);
        } else if (narrow.size() >= DestinationString->MaximumLength) {
            return STATUS_BUFFER_OVERFLOW;
        }
        std::memcpy(DestinationString->Buffer, narrow.data(), narrow.size());
        DestinationString->Buffer[narrow.size()] = '\0';
        DestinationString->Length = static_cast<USHORT>(narrow.size());
        return STATUS_SUCCESS;
    } catch (const std::bad_alloc&) {
        return STATUS_NO_MEMORY;
    }
}

/* RtlFreeUnicodeString (wdm.h) — seed 003 §2.3 — IRQL == PASSIVE_LEVEL */
extern "C" VOID NTAPI RtlFreeUnicodeString(PUNICODE_STRING UnicodeString) {
    if (!non_null(UnicodeString, "RtlFreeUnicodeString")) return;
    if (UnicodeString->Buffer != nullptr) pool_free(UnicodeString->Buffer, 0, 0, "RtlFreeUnicodeString");
    UnicodeString->Buffer = nullptr;
    UnicodeString->Length = UnicodeString->MaximumLength = 0;
}

/* RtlFreeAnsiString (wdm.h) — seed 003 §2.3 — IRQL == PASSIVE_LEVEL */
extern "C" VOID NTAPI RtlFreeAnsiString(PANSI_STRING AnsiString) {
    if (!non_null(AnsiString, "RtlFreeAnsiString")) return;
    if (AnsiString->Buffer != nullptr) pool_free(AnsiString->Buffer, 0, 0, "RtlFreeAnsiString");
    AnsiString->Buffer = nullptr;
    AnsiString->Length = AnsiString->MaximumLength = 0;
}

/* RtlCompareUnicodeString (wdm.h) — seed 003 §2.3 — any IRQL for nonpaged strings; < 0, 0, > 0 */
extern "C" LONG NTAPI RtlCompareUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                                              BOOLEAN CaseInSensitive) {
    if (!non_null(String1, "RtlCompareUnicodeString") || !non_null(String2, "RtlCompareUnicodeString")) return 0;
    return compare(view(*String1), view(*String2), CaseInSensitive != FALSE);
}

/* RtlEqualUnicodeString (wdm.h) — seed 003 §2.3 — any IRQL for nonpaged strings */
extern "C" BOOLEAN NTAPI RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                                               BOOLEAN CaseInSensitive) {
    if (!non_null(String1, "RtlEqualUnicodeString") || !non_null(String2, "RtlEqualUnicodeString")) return FALSE;
    if (String1->Length != String2->Length) return FALSE;
    return compare(view(*String1), view(*String2), CaseInSensitive != FALSE) == 0 ? TRUE : FALSE;
}

/* RtlEqualString (wdm.h) — seed 003 §2.3 — any IRQL for nonpaged strings; case folds ASCII only */
extern "C" BOOLEAN NTAPI RtlEqualString(const STRING* String1, const STRING* String2, BOOLEAN CaseInSensitive) {
    if (!non_null(String1, "RtlEqualString") || !non_null(String2, "RtlEqualString")) return FALSE;
    std::string_view a = view(*String1), b = view(*String2);
    if (a.size() != b.size()) return FALSE;
    auto fold = [&](char c) { return CaseInSensitive && c >= 'a' && c <= 'z' ? static_cast<char>(c - 0x20) : c; };
    for (std::size_t i = 0; i < a.size(); ++i)
        if (fold(a[i]) != fold(b[i])) return FALSE;
    return TRUE;
}

/* RtlCopyUnicodeString (wdm.h) — seed 003 §2.3 — any IRQL for nonpaged strings; truncates to the
 * destination's MaximumLength; a NULL source empties the destination */
extern "C" VOID NTAPI RtlCopyUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString) {
    if (!non_null(DestinationString, "RtlCopyUnicodeString")) return;
    if (SourceString == nullptr) {
        DestinationString->Length = 0;
        return;
    }
    std::u16string_view text = view(*SourceString);
    std::size_t room = DestinationString->MaximumLength / sizeof(WCHAR);
    store(*DestinationString, text.substr(0, room));
}

/* RtlAppendUnicodeStringToString (wdm.h) — seed 003 §2.3 — any IRQL for nonpaged strings;
 * STATUS_BUFFER_TOO_SMALL when the result would not fit */
extern "C" NTSTATUS NTAPI RtlAppendUnicodeStringToString(PUNICODE_STRING Destination, PCUNICODE_STRING Source) {
    if (!non_null(Source, "RtlAppendUnicodeStringToString")) return STATUS_INVALID_PARAMETER;
    return append(Destination, view(*Source), "RtlAppendUnicodeStringToString");
}

/* RtlAppendUnicodeToString (wdm.h) — seed 003 §2.3 — any IRQL for nonpaged strings;
 * STATUS_BUFFER_TOO_SMALL when the result would not fit */
extern "C" NTSTATUS NTAPI RtlAppendUnicodeToString(PUNICODE_STRING Destination, PCWSTR Source) {
    std::u16string_view text = Source == nullptr ? std::u16string_view() : std::u16string_view(Source, wide_length(Source));
    return append(Destination, text, "RtlAppendUnicodeToString");
}

/* RtlUpcaseUnicodeChar (wdm.h) — seed 003 §2.3 — any IRQL */
extern "C" WCHAR NTAPI RtlUpcaseUnicodeChar(WCHAR SourceCharacter) { return upcase(SourceCharacter); }

/* RtlUpcaseUnicodeString (wdm.h) — seed 003 §2.3 — IRQL == PASSIVE_LEVEL; the destination may be
 * the source; STATUS_BUFFER_OVERFLOW when it is shorter than the source */
extern "C" NTSTATUS NTAPI RtlUpcaseUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString,
                                                 BOOLEAN AllocateDestinationString) {
    if (!non_null(DestinationString, "RtlUpcaseUnicodeString") || !non_null(SourceString, "RtlUpcaseUnicodeString"))
        return STATUS_INVALID_PARAMETER;
    std::u16string_view text = view(*SourceString);
    if (AllocateDestinationString) {
        auto* buffer = static_cast<PWSTR>(pool_allocate(SourceString->Length, kTagString));
        if (buffer == nullptr) return STATUS_NO_MEMORY;
        DestinationString->Buffer = buffer;
        DestinationString->MaximumLength = SourceString->Length;
    } else if (SourceString->Length > DestinationString->MaximumLength) {
        return STATUS_BUFFER_OVERFLOW;
    }
    for (std::size_t i = 0; i < text.size(); ++i) DestinationString->Buffer[i] = upcase(text[i]);
    DestinationString->Length = static_cast<USHORT>(text.size() * sizeof(WCHAR));
    return STATUS_SUCCESS;
}

/* RtlIntegerToUnicodeString (wdm.h) — seed 003 §2.3 — IRQL == PASSIVE_LEVEL; Base 0 means 10;
 * STATUS_BUFFER_OVERFLOW unless the digits and a NUL fit */
extern "C" NTSTATUS NTAPI RtlIntegerToUnicodeString(ULONG Value, ULONG Base, PUNICODE_STRING String) {
    if (!non_null(String, "RtlIntegerToUnicodeString")) return STATUS_INVALID_PARAMETER;
    if (Base == 0) Base = 10;
    if (!valid_base(Base)) return STATUS_INVALID_PARAMETER;
    char16_t digits[32];
    std::size_t n = 0;
    do {
        digits[n++] = u"0123456789ABCDEF"[Value % Base];
        Value /= Base;
    } while (Value != 0);
    if (n * sizeof(WCHAR) >= String->MaximumLength) return STATUS_BUFFER_OVERFLOW;
    for (std::size_t i = 0; i < n; ++i) String->Buffer[i] = digits[n - 1 - i];
    String->Length = static_cast<USHORT>(n * sizeof(WCHAR));
    if (String->Length + sizeof(WCHAR) <= String->MaximumLength) String->Buffer[n] = 0;
    return STATUS_SUCCESS;
}

/* RtlUnicodeStringToInteger (wdm.h) — seed 003 §2.3 — IRQL == PASSIVE_LEVEL. Leading blanks and a
 * sign are skipped; Base 0 reads a 0x/0o/0b prefix or decimal; parsing stops at the first
 * character that is not a digit of the base. */
extern "C" NTSTATUS NTAPI RtlUnicodeStringToInteger(PCUNICODE_STRING String, ULONG Base, PULONG Value) {
    if (!non_null(String, "RtlUnicodeStringToInteger")) return STATUS_INVALID_PARAMETER;
    if (!non_null(Value, "RtlUnicodeStringToInteger")) return STATUS_ACCESS_VIOLATION;
    if (Base != 0 && !valid_base(Base)) return STATUS_INVALID_PARAMETER;
    std::u16string_view text = view(*String);
    std::size_t i = 0;
    while (i < text.size() && text[i] <= u' ') ++i;
    bool negative = false;
    if (i < text.size() && (text[i] == u'-' || text[i] == u'+')) negative = text[i++] == u'-';
    if (Base == 0) {
        Base = 10;
        if (i + 1 < text.size() && text[i] == u'0') {
            char16_t p = text[i + 1];
            ULONG prefixed = p == u'x' || p == u'X' ? 16 : p == u'o' || p == u'O' ? 8 : p == u'b' || p == u'B' ? 2 : 0;
            if (prefixed != 0) {
                Base = prefixed;
                i += 2;
            }
        }
    }
    ULONG result = 0;
    for (; i < text.size(); ++i) {
        int digit = digit_value(text[i]);
        if (digit >= static_cast<int>(Base)) break;
        result = result * Base + static_cast<ULONG>(digit);
    }
    *Value = negative ? 0u - result : result;
    return STATUS_SUCCESS;
}

/* NdisInitUnicodeString (ndis.h) — seed 003 §2.4.2 — any IRQL for nonpaged strings */
extern "C" VOID NdisInitUnicodeString(PNDIS_STRING DestinationString, PCWSTR SourceString) {
    RtlInitUnicodeString(DestinationString, SourceString);
}

/* NdisInitAnsiString (ndis.h) — seed 003 §2.4.2 — any IRQL for nonpaged strings */
extern "C" VOID NdisInitAnsiString(PNDIS_ANSI_STRING DestinationString, PCSTR SourceString) {
    RtlInitAnsiString(DestinationString, SourceString);
}

/* NdisInitializeString (ndis.h) — seed 003 §2.4.2 — IRQL == PASSIVE_LEVEL. Allocates a
 * NUL-terminated copy of the ANSI text, freed with NdisFreeString; Buffer NULL on failure. */
extern "C" VOID NdisInitializeString(PNDIS_STRING Destination, PUCHAR Source) {
    if (!non_null(Destination, "NdisInitializeString")) return;
    Destination->Buffer = nullptr;
    Destination->Length = Destination->MaximumLength = 0;
    if (!non_null(Source, "NdisInitializeString")) return;
    try {
        std::u16string wide = to_utf16(reinterpret_cast<const char*>(Source));
        std::size_t bytes = wide.size() * sizeof(WCHAR);
        if (bytes > kMaxUnicodeBytes) return;
        PVOID buffer = nullptr;
        if (NdisAllocateMemoryWithTag(&buffer, static_cast<UINT>(bytes + sizeof(WCHAR)), kTagNdisMemory) !=
            NDIS_STATUS_SUCCESS)
            return;
        Destination->Buffer = static_cast<PWSTR>(buffer);
        Destination->MaximumLength = static_cast<USHORT>(bytes + sizeof(WCHAR));
        store(*Destination, wide);
    } catch (const std::bad_alloc&) {
        // Buffer stays NULL: the documented failure indication.
    }
}

/* NdisEqualString (ndis.h) — seed 003 §2.4.2 — any IRQL for nonpaged strings */
extern "C" BOOLEAN NdisEqualString(PNDIS_STRING String1, PNDIS_STRING String2, BOOLEAN CaseInsensitive) {
    return RtlEqualUnicodeString(String1, String2, CaseInsensitive);
}

/* NdisEqualUnicodeString (ndis.h) — seed 003 §2.4.2 — any IRQL for nonpaged strings */
extern "C" BOOLEAN NdisEqualUnicodeString(PNDIS_STRING String1, PNDIS_STRING String2, BOOLEAN CaseInsensitive) {
    return RtlEqualUnicodeString(String1, String2, CaseInsensitive);
}

/* NdisAnsiStringToUnicodeString (ndis.h) — seed 003 §2.4.2 — IRQL == PASSIVE_LEVEL; into the
 * caller's buffer; NDIS_STATUS_BUFFER_OVERFLOW when it is too small */
extern "C" NDIS_STATUS NdisAnsiStringToUnicodeString(PNDIS_STRING DestinationString, PNDIS_ANSI_STRING SourceString) {
    return to_ndis_status(RtlAnsiStringToUnicodeString(DestinationString, SourceString, FALSE));
}

/* NdisUnicodeStringToAnsiString (ndis.h) — seed 003 §2.4.2 — IRQL == PASSIVE_LEVEL; into the
 * caller's buffer; NDIS_STATUS_BUFFER_OVERFLOW when it is too small */
extern "C" NDIS_STATUS NdisUnicodeStringToAnsiString(PNDIS_ANSI_STRING DestinationString, PNDIS_STRING SourceString) {
    return to_ndis_status(RtlUnicodeStringToAnsiString(DestinationString, SourceString, FALSE));
}

/* NdisUpcaseUnicodeString (ndis.h) — seed 003 §2.4.2 — IRQL == PASSIVE_LEVEL; into the caller's
 * buffer; NDIS_STATUS_BUFFER_OVERFLOW when it is too small */
extern "C" NDIS_STATUS NdisUpcaseUnicodeString(PNDIS_STRING DestinationString, PNDIS_STRING SourceString) {
    return to_ndis_status(RtlUpcaseUnicodeString(DestinationString, SourceString, FALSE));
}
