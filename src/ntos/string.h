// string.h — UNICODE_STRING and ANSI_STRING from C++ (seed 003 §2.3, §2.4.2): UTF-8 <-> UTF-16
// conversion for the NDIS core and the registry, and an owning UNICODE_STRING. Our ANSI code page
// is UTF-8; invalid UTF-8 and unpaired surrogates become U+FFFD.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include <wdm.h>

namespace strata::ntos {

static_assert(std::is_same_v<WCHAR, char16_t>, "the library sees WCHAR as char16_t");

// The characters of a counted string (Length is in bytes; Buffer may be NULL when it is 0).
std::u16string_view view(const UNICODE_STRING& string) noexcept;
std::string_view view(const ANSI_STRING& string) noexcept;

std::string to_utf8(std::u16string_view text);
std::string to_utf8(const UNICODE_STRING& string);
std::u16string to_utf16(std::string_view utf8);
// Appends code point `c` (at most U+10FFFF; the caller replaces surrogates) to `out` as UTF-8.
void append_utf8(std::string& out, char32_t c);

// Windows' simple upper-casing of one UTF-16 unit (RtlUpcaseUnicodeChar): one-to-one mappings for
// ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic and fullwidth ASCII; other units unchanged.
char16_t upcase(char16_t c) noexcept;

// A UNICODE_STRING that owns its NUL-terminated buffer, for handing names and values to drivers
// (which only read them). Copies and moves re-point Buffer at the new owner's text.
// Throws std::length_error beyond the 32766 characters a UNICODE_STRING can count.
class OwnedUnicodeString {
public:
    OwnedUnicodeString() noexcept { bind(); }
    explicit OwnedUnicodeString(std::u16string text) : text_(checked(std::move(text))) { bind(); }
    explicit OwnedUnicodeString(std::string_view utf8) : OwnedUnicodeString(to_utf16(utf8)) {}
    OwnedUnicodeString(const OwnedUnicodeString& other) : text_(other.text_) { bind(); }
    OwnedUnicodeString(OwnedUnicodeString&& other) noexcept : text_(std::move(other.text_)) {
        bind();
        other.bind();
    }
    OwnedUnicodeString& operator=(OwnedUnicodeString other) noexcept {
        text_.swap(other.text_);
        bind();
        return *this;
    }

    const UNICODE_STRING& get() const noexcept { return string_; }
    // For the many NDIS and Rtl signatures that take a non-const PUNICODE_STRING but only read.
    PUNICODE_STRING ptr() noexcept { return &string_; }
    std::u16string_view text() const noexcept { return text_; }
    std::string utf8() const { return to_utf8(std::u16string_view(text_)); }

private:
    static std::u16string checked(std::u16string text);
    void bind() noexcept;
    std::u16string text_;
    UNICODE_STRING string_{};
};

}  // namespace strata::ntos
