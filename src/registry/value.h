// value.h — one typed registry value (REG_SZ, REG_DWORD, …) and the registry's Error (DESIGN.md "Registry").
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace strata::registry {

// Every failure of the registry: one line naming the key path (and value name) and the reason.
// Not-found is never an Error; lookups return std::nullopt or false instead.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  // `registry key "<path>" value "<name>": <reason>`; no name part without a value name,
  // "default value" for the empty name. Control characters are shown as \xNN.
  Error(std::string_view path, std::optional<std::string_view> value_name, std::string_view reason);
};

// The numbers are Windows' REG_* constants (winnt.h), stored as-is in registry.db. The
// enumerators are not spelled REG_SZ… because <ntddk.h> defines those names as macros.
enum class ValueType : uint32_t {
  None = 0,      // REG_NONE
  Sz = 1,        // REG_SZ
  ExpandSz = 2,  // REG_EXPAND_SZ
  Binary = 3,    // REG_BINARY
  Dword = 4,     // REG_DWORD
  MultiSz = 7,   // REG_MULTI_SZ
  Qword = 11,    // REG_QWORD
};

// "REG_SZ", "REG_DWORD", … as Windows documentation spells them.
std::string_view type_name(ValueType type);

// One typed value. Strings are UTF-8 (the registry converts to UTF-16 only where Windows
// shows bytes, e.g. .reg export); REG_NONE carries raw bytes like REG_BINARY, as on Windows.
// Plain value type: copyable, comparable, no thread affinity.
class Value {
 public:
  Value() = default;  // REG_NONE with no data

  static Value none(std::vector<uint8_t> bytes = {});
  static Value sz(std::string text);
  static Value expand_sz(std::string text);
  static Value multi_sz(std::vector<std::string> strings);
  static Value dword(uint32_t number);
  static Value qword(uint64_t number);
  static Value binary(std::vector<uint8_t> bytes);

  ValueType type() const { return type_; }

  // Each accessor throws Error naming both types when the value holds another type, so a
  // caller that checked type() first never sees it.
  const std::string& as_string() const;                 // REG_SZ or REG_EXPAND_SZ
  const std::vector<std::string>& as_multi_sz() const;  // REG_MULTI_SZ
  uint32_t as_dword() const;                            // REG_DWORD
  uint64_t as_qword() const;                            // REG_QWORD
  const std::vector<uint8_t>& as_bytes() const;         // REG_BINARY or REG_NONE

  bool operator==(const Value&) const = default;

 private:
  // Bytes first so that a default-constructed Data is REG_NONE's empty payload.
  using Data = std::variant<std::vector<uint8_t>, std::string, std::vector<std::string>, uint32_t, uint64_t>;
  Value(ValueType type, Data data) : type_(type), data_(std::move(data)) {}

  ValueType type_ = ValueType::None;
  Data data_;
};

// UTF-8 to UTF-16 (native char16_t, surrogate pairs above U+FFFF); nullopt if the input is
// not well-formed UTF-8 (overlong forms, surrogates and code points above U+10FFFF included).
std::optional<std::u16string> utf8_to_utf16(std::string_view text);

}  // namespace strata::registry
