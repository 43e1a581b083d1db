// value.cpp — one typed registry value and UTF-8 to UTF-16 conversion (DESIGN.md "Registry").
#include "registry/value.h"

#include <cstdio>

namespace strata::registry {

namespace {

// Keeps what() on one line whatever bytes a caller put into a name.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      char escape[5];
      std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned char>(c));
      out += escape;
    } else {
      out += c;
    }
  }
  return out;
}

std::string describe(std::string_view path, std::optional<std::string_view> name, std::string_view reason) {
  std::string message = "registry key \"" + printable(path) + "\"";
  if (name) message += name->empty() ? " default value" : " value \"" + printable(*name) + "\"";
  return message + ": " + std::string(reason);
}

[[noreturn]] void wrong_type(ValueType held, std::string_view wanted) {
  throw Error("registry value is " + std::string(type_name(held)) + ", not " + std::string(wanted));
}

}  // namespace

Error::Error(std::string_view path, std::optional<std::string_view> value_name, std::string_view reason)
    : std::runtime_error(describe(path, value_name, reason)) {}

std::string_view type_name(ValueType type) {
  switch (type) {
    case ValueType::None: return "REG_NONE";
    case ValueType::Sz: return "REG_SZ";
    case ValueType::ExpandSz: return "REG_EXPAND_SZ";
    case ValueType::Binary: return "REG_BINARY";
    case ValueType::Dword: return "REG_DWORD";
    case ValueType::MultiSz: return "REG_MULTI_SZ";
    case ValueType::Qword: return "REG_QWORD";
  }
  return "REG_(unknown)";
}

Value Value::none(std::vector<uint8_t> bytes) { return Value(ValueType::None, std::move(bytes)); }
Value Value::sz(std::string text) { return Value(ValueType::Sz, std::move(text)); }
Value Value::expand_sz(std::string text) { return Value(ValueType::ExpandSz, std::move(text)); }
Value Value::multi_sz(std::vector<std::string> strings) { return Value(ValueType::MultiSz, std::move(strings)); }
Value Value::dword(uint32_t number) { return Value(ValueType::Dword, number); }
Value Value::qword(uint64_t number) { return Value(ValueType::Qword, number); }
Value Value::binary(std::vector<uint8_t> bytes) { return Value(ValueType::Binary, std::move(bytes)); }

const std::string& Value::as_string() const {
  if (type_ != ValueType::Sz && type_ != ValueType::ExpandSz) wrong_type(type_, "REG_SZ or REG_EXPAND_SZ");
  return std::get<std::string>(data_);
}

const std::vector<std::string>& Value::as_multi_sz() const {
  if (type_ != ValueType::MultiSz) wrong_type(type_, "REG_MULTI_SZ");
  return std::get<std::vector<std::string>>(data_);
}

uint32_t Value::as_dword() const {
  if (type_ != ValueType::Dword) wrong_type(type_, "REG_DWORD");
  return std::get<uint32_t>(data_);
}

uint64_t Value::as_qword() const {
  if (type_ != ValueType::Qword) wrong_type(type_, "REG_QWORD");
  return std::get<uint64_t>(data_);
}

const std::vector<uint8_t>& Value::as_bytes() const {
  if (type_ != ValueType::Binary && type_ != ValueType::None) wrong_type(type_, "REG_BINARY or REG_NONE");
  return std::get<std::vector<uint8_t>>(data_);
}

std::optional<std::u16string> utf8_to_utf16(std::string_view text) {
  std::u16string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    // Sequence length and the smallest code point it may carry (anything below is overlong).
    size_t length;
    char32_t cp, minimum;
    if (lead < 0x80) {
      length = 1, cp = lead, minimum = 0;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2, cp = lead & 0x1F, minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, cp = lead & 0x0F, minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, cp = lead & 0x07, minimum = 0x10000;
    } else {
      return std::nullopt;
    }
    if (text.size() - i < length) return std::nullopt;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (next & 0x3F);
    }
    if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += length;
  }
  return out;
}

}  // namespace strata::registry
