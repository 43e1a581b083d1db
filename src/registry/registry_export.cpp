// registry_export.cpp — a registry subtree as regedit's .reg text, version 5.00 (DESIGN.md "Registry").
#include "registry/registry.h"

#include <cstdio>

namespace strata::registry {

namespace {

// regedit ends a hex line after the comma that reaches this column, then indents by two.
constexpr size_t kHexWrapColumn = 77;

void append_quoted(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  out += '"';
}

// Columns as regedit counts them: UTF-16 units of a line that holds only valid UTF-8 names.
size_t columns(std::string_view line) {
  const auto units = utf8_to_utf16(line);
  return units ? units->size() : line.size();
}

void append_hex(std::string& out, size_t line_start, const std::vector<uint8_t>& bytes) {
  size_t column = columns(std::string_view(out).substr(line_start));
  for (size_t i = 0; i < bytes.size(); ++i) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", bytes[i]);
    out += hex;
    if (i + 1 == bytes.size()) break;
    out += ',';
    column += 3;
    if (column >= kHexWrapColumn) {
      out += "\\\n  ";
      column = 2;
    }
  }
}

void append_utf16le(std::vector<uint8_t>& bytes, const std::u16string& text) {
  for (const char16_t unit : text) {
    bytes.push_back(static_cast<uint8_t>(unit & 0xFF));
    bytes.push_back(static_cast<uint8_t>(unit >> 8));
  }
}

// Windows keeps REG_EXPAND_SZ and REG_MULTI_SZ as UTF-16LE with their terminating NULs, and
// regedit shows exactly those bytes.
std::vector<uint8_t> windows_bytes(const std::string& key, const std::string& name, const Value& value) {
  auto utf16 = [&](const std::string& text) {
    auto units = utf8_to_utf16(text);
    if (!units) throw Error(key, name, "stored string is not valid UTF-8");
    return *units + u'\0';
  };
  std::vector<uint8_t> bytes;
  switch (value.type()) {
    case ValueType::ExpandSz:
      append_utf16le(bytes, utf16(value.as_string()));
      break;
    case ValueType::MultiSz:
      for (const std::string& text : value.as_multi_sz()) append_utf16le(bytes, utf16(text));
      append_utf16le(bytes, std::u16string(1, u'\0'));  // the list's final NUL
      break;
    case ValueType::Qword:
      for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<uint8_t>(value.as_qword() >> (8 * i)));
      break;
    default:
      bytes = value.as_bytes();
      break;
  }
  return bytes;
}

void append_value(std::string& out, const std::string& key, const std::string& name, const Value& value) {
  const size_t line_start = out.size();
  if (name.empty()) {
    out += '@';
  } else {
    append_quoted(out, name);
  }
  out += '=';
  switch (value.type()) {
    case ValueType::Sz:
      append_quoted(out, value.as_string());
      break;
    case ValueType::Dword: {
      char dword[16];
      std::snprintf(dword, sizeof dword, "dword:%08x", value.as_dword());
      out += dword;
      break;
    }
    case ValueType::None:
      out += "hex(0):";
      break;
    case ValueType::ExpandSz:
      out += "hex(2):";
      break;
    case ValueType::Binary:
      out += "hex:";
      break;
    case ValueType::MultiSz:
      out += "hex(7):";
      break;
    case ValueType::Qword:
      out += "hex(b):";
      break;
  }
  if (value.type() != ValueType::Sz && value.type() != ValueType::Dword)
    append_hex(out, line_start, windows_bytes(key, name, value));
  out += '\n';
}

// regedit never abbreviates the hive in a section header.
std::string section_name(const std::string& path) {
  const std::string_view hive = std::string_view(path).substr(0, path.find('\\'));
  for (const Hive& known : kHives)
    if (hive == known.abbreviation) return std::string(known.name) + path.substr(hive.size());
  return path;
}

// Depth-first in creation order; each key's section ends with a blank line, as regedit's do.
void append_key(Registry& registry, const std::string& path, std::string& out) {
  out += '[' + section_name(path) + "]\n";
  for (const auto& [name, value] : registry.values(path)) append_value(out, path, name, value);
  out += '\n';
  for (const std::string& child : registry.subkeys(path)) append_key(registry, path + '\\' + child, out);
}

}  // namespace

std::string Registry::export_reg(std::string_view path) {
  // Holding a transaction keeps one snapshot for the whole walk; it only reads, so it is
  // simply rolled back.
  const Transaction snapshot = transaction();
  const auto stored = stored_path(path);
  if (!stored) throw Error(path, std::nullopt, "no such key");
  std::string out = "Windows Registry Editor Version 5.00\n\n";
  append_key(*this, *stored, out);
  return out;
}

}  // namespace strata::registry
