// registry_key.cpp — registry keys for drivers (wdm.h; issue 5 item 4: a WSK client reads its
// Parameters key): ZwOpenKey, ZwCreateKey, ZwQueryValueKey, ZwSetValueKey on the host's SQLite
// registry. A key handle is a kernel handle to a Key object holding the key's path; ZwClose
// (object.cpp) closes it. Values are converted to Windows' bytes (UTF-16LE strings with their
// NULs, little-endian numbers) on the way out and back on the way in.
#include "ntos/registry_key.h"

#include <algorithm>
#include <cstddef>
#include <atomic>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <vector>

#include "common/log.h"
#include "ntos/check.h"
#include "ntos/irql.h"
#include "ntos/object.h"
#include "ntos/string.h"
#include "registry/registry.h"

namespace strata::ntos {
namespace {

std::atomic<registry::Registry*> g_registry{nullptr};

_OBJECT_TYPE g_key_type{"Key"};

// An open key: the path as the registry stored it when it was opened.
class Key final : public Object {
public:
    explicit Key(std::string stored_path) : Object(&g_key_type), path(std::move(stored_path)) {}
    void* body() noexcept override { return this; }
    const std::string path;
};

bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

bool is_hive(std::string_view path) noexcept { return path == "HKLM" || path == "HKU"; }

// Windows' key-name rules: no empty component (a doubled, leading or trailing backslash), none
// longer than 255 characters.
bool valid_relative_name(std::u16string_view name) noexcept {
    if (name.empty()) return true;
    std::size_t start = 0;
    for (;;) {
        std::size_t end = name.find(u'\\', start);
        std::size_t length = (end == std::u16string_view::npos ? name.size() : end) - start;
        if (length == 0 || length > 255) return false;
        if (end == std::u16string_view::npos) return true;
        start = end + 1;
    }
}

// Generic rights mapped to key rights (Windows' generic mapping for keys); the rest as asked.
ACCESS_MASK key_access(ACCESS_MASK desired) noexcept {
    ACCESS_MASK granted = desired & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL | MAXIMUM_ALLOWED);
    if (desired & GENERIC_READ) granted |= KEY_READ;
    if (desired & GENERIC_WRITE) granted |= KEY_WRITE;
    if (desired & GENERIC_EXECUTE) granted |= KEY_EXECUTE;
    if (desired & (GENERIC_ALL | MAXIMUM_ALLOWED)) granted |= KEY_ALL_ACCESS;
    return granted;
}

// The Key behind a handle, referenced until the guard goes; `status` says why there is none.
class KeyReference {
public:
    KeyReference(HANDLE handle, ACCESS_MASK needed, const char* function) noexcept {
        PVOID body = nullptr;
        OBJECT_HANDLE_INFORMATION info{};
        status_ = ObReferenceObjectByHandle(handle, needed, &g_key_type, KernelMode, &body, &info);
        if (!NT_SUCCESS(status_)) {
            if (status_ == STATUS_OBJECT_TYPE_MISMATCH)
                report_violation(verifier::Rule::InvalidHandle, handle, function, "the handle is not a key handle");
            return;
        }
        key_ = static_cast<Key*>(body);
        if ((info.GrantedAccess & needed) != needed) status_ = STATUS_ACCESS_DENIED;
    }
    ~KeyReference() {
        if (key_ != nullptr) ObDereferenceObject(key_);
    }
    KeyReference(const KeyReference&) = delete;
    KeyReference& operator=(const KeyReference&) = delete;

    NTSTATUS status() const noexcept { return status_; }
    const Key& key() const noexcept { return *key_; }

private:
    NTSTATUS status_;
    Key* key_ = nullptr;
};

// What ObjectAttributes names, as a registry path (or the status that says why not). `root_access`
// is what a RootDirectory handle must grant.
struct Target {
    NTSTATUS status = STATUS_SUCCESS;
    std::string path;
};

Target resolve(POBJECT_ATTRIBUTES attributes, ACCESS_MASK root_access, const char* function) {
    if (!non_null(attributes, function)) return {STATUS_INVALID_PARAMETER, {}};
    if (attributes->Length != sizeof(OBJECT_ATTRIBUTES) || (attributes->Attributes & ~OBJ_VALID_ATTRIBUTES) != 0)
        return {STATUS_INVALID_PARAMETER, {}};
    std::u16string_view name = attributes->ObjectName != nullptr ? view(*attributes->ObjectName) : std::u16string_view{};
    if (attributes->RootDirectory != nullptr) {
        // Relative to an open key: a name starting with a backslash is not relative.
        if (!name.empty() && name.front() == u'\\') return {STATUS_OBJECT_PATH_SYNTAX_BAD, {}};
        if (!valid_relative_name(name)) return {STATUS_OBJECT_NAME_INVALID, {}};
        KeyReference root(attributes->RootDirectory, root_access, function);
        if (!NT_SUCCESS(root.status())) return {root.status(), {}};
        std::string path = root.key().path;
        if (!name.empty()) path += "\\" + to_utf8(name);
        return {STATUS_SUCCESS, std::move(path)};
    }
    if (name.empty() || name.front() != u'\\') return {STATUS_OBJECT_PATH_SYNTAX_BAD, {}};
    if (!valid_relative_name(name.substr(1))) return {STATUS_OBJECT_NAME_INVALID, {}};
    std::string path = registry_path_from_nt(to_utf8(name));
    if (path.empty()) return {STATUS_OBJECT_NAME_NOT_FOUND, {}};
    return {STATUS_SUCCESS, std::move(path)};
}

// The key's path as stored, or nullopt when it does not exist. The hives always exist.
std::optional<std::string> find_key(registry::Registry& registry, const std::string& path) {
    if (std::optional<std::string> stored = registry.stored_path(path)) return stored;
    if (is_hive(path)) return path;
    return std::nullopt;
}

std::string parent_of(const std::string& path) {
    std::size_t slash = path.rfind('\\');
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// A new kernel handle to a Key for `path`; nullptr when out of memory.
HANDLE open_handle(std::string path, ACCESS_MASK access) {
    auto key = std::make_unique<Key>(std::move(path));
    if (!insert_object(*key)) return nullptr;
    Key* inserted = key.release();  // the table owns it now; the handle keeps it alive
    HANDLE handle = create_handle(*inserted, access);
    dereference_object(*inserted);
    return handle;
}

// Registry failures (a damaged database, the disk) are not something Windows callers expect to
// handle in detail: they are logged with the key and become STATUS_INTERNAL_ERROR.
template <typename Body>
NTSTATUS guarded(const char* function, Body body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return STATUS_INSUFFICIENT_RESOURCES;
    } catch (const std::exception& e) {
        log::write(log::Level::error, "registry", std::string(function) + ": " + e.what());
        return STATUS_INTERNAL_ERROR;
    }
}

void append_utf16(std::vector<UCHAR>& bytes, std::u16string_view text) {
    for (char16_t unit : text) {
        bytes.push_back(static_cast<UCHAR>(unit & 0xFF));
        bytes.push_back(static_cast<UCHAR>(unit >> 8));
    }
}

// The value's data as Windows holds it.
std::vector<UCHAR> windows_bytes(const registry::Value& value) {
    using registry::ValueType;
    std::vector<UCHAR> bytes;
    auto little_endian = [&](std::uint64_t number, int size) {
        for (int i = 0; i < size; ++i) bytes.push_back(static_cast<UCHAR>(number >> (8 * i)));
    };
    switch (value.type()) {
        case ValueType::Sz:
        case ValueType::ExpandSz: append_utf16(bytes, to_utf16(value.as_string() + '\0')); break;
        case ValueType::MultiSz:
            for (const std::string& text : value.as_multi_sz()) append_utf16(bytes, to_utf16(text + '\0'));
            append_utf16(bytes, std::u16string_view(u"\0", 1));  // the list's final NUL
            break;
        case ValueType::Dword: little_endian(value.as_dword(), 4); break;
        case ValueType::Qword: little_endian(value.as_qword(), 8); break;
        case ValueType::None:
        case ValueType::Binary: bytes = std::vector<UCHAR>(value.as_bytes().begin(), value.as_bytes().end()); break;
    }
    return bytes;
}

// UTF-16LE data as text; the terminating NULs Windows writers include are not part of it.
std::u16string utf16_data(const UCHAR* data, ULONG size) {
    std::u16string text(size / 2, u'\0');
    for (std::size_t i = 0; i < text.size(); ++i)
        text[i] = static_cast<char16_t>(data[2 * i] | (data[2 * i + 1] << 8));
    return text;
}

// The registry value for ZwSetValueKey's data; nullopt with `status` set when it has none.
std::optional<registry::Value> value_from_windows(ULONG type, const UCHAR* data, ULONG size, NTSTATUS& status) {
    status = STATUS_INVALID_PARAMETER;
    switch (type) {
        case REG_SZ:
        case REG_EXPAND_SZ: {
            if (size % 2 != 0) return std::nullopt;
            std::u16string text = utf16_data(data, size);
            while (!text.empty() && text.back() == u'\0') text.pop_back();
            std::string utf8 = to_utf8(text);
            return type == REG_SZ ? registry::Value::sz(std::move(utf8)) : registry::Value::expand_sz(std::move(utf8));
        }
        case REG_MULTI_SZ: {
            if (size % 2 != 0) return std::nullopt;
            std::u16string text = utf16_data(data, size);
            std::vector<std::string> strings;
            // Strings end at each NUL; an empty string (the doubled NUL) or the data's end ends the list.
            for (std::size_t start = 0; start < text.size();) {
                std::size_t end = std::min(text.find(u'\0', start), text.size());
                if (end == start) break;
                strings.push_back(to_utf8(std::u16string_view(text).substr(start, end - start)));
                start = end + 1;
            }
            return registry::Value::multi_sz(std::move(strings));
        }
        case REG_DWORD: {
            if (size != 4) return std::nullopt;
            std::uint32_t number = 0;
            for (int i = 0; i < 4; ++i) number |= std::uint32_t{data[i]} << (8 * i);
            return registry::Value::dword(number);
        }
        case REG_QWORD: {
            if (size != 8) return std::nullopt;
            std::uint64_t number = 0;
            for (int i = 0; i < 8; ++i) number |= std::uint64_t{data[i]} << (8 * i);
            return registry::Value::qword(number);
        }
        case REG_BINARY: return registry::Value::binary(std::vector<std::uint8_t>(data, data + size));
        case REG_NONE: return registry::Value::none(std::vector<std::uint8_t>(data, data + size));
    }
    status = STATUS_NOT_SUPPORTED;
    log::write(log::Level::warning, "registry",
               "FIXME ZwSetValueKey: value type " + std::to_string(type) + " is not supported by the registry");
    return std::nullopt;
}

// The fixed part of each information class and where its name and data go.
struct Layout {
    ULONG fixed;        // below this nothing is written (STATUS_BUFFER_TOO_SMALL)
    bool has_name;
    bool has_data;
    ULONG data_align;   // Full: the data starts on this boundary after the name
};

std::optional<Layout> layout_of(KEY_VALUE_INFORMATION_CLASS information_class) noexcept {
    switch (information_class) {
        case KeyValueBasicInformation:
            return Layout{offsetof(KEY_VALUE_BASIC_INFORMATION, Name), true, false, 1};
        case KeyValueFullInformation:
            return Layout{offsetof(KEY_VALUE_FULL_INFORMATION, Name), true, true, sizeof(ULONG)};
        case KeyValueFullInformationAlign64:
            return Layout{offsetof(KEY_VALUE_FULL_INFORMATION, Name), true, true, sizeof(ULONGLONG)};
        case KeyValuePartialInformation:
            return Layout{offsetof(KEY_VALUE_PARTIAL_INFORMATION, Data), false, true, 1};
        case KeyValuePartialInformationAlign64:
            return Layout{offsetof(KEY_VALUE_PARTIAL_INFORMATION_ALIGN64, Data), false, true, 1};
        default: return std::nullopt;
    }
}

// Fills `out` (`length` bytes) with one information structure; returns the status and sets
// *result_length to the size of the whole structure, as documented for every outcome.
NTSTATUS describe_value(KEY_VALUE_INFORMATION_CLASS information_class, const Layout& layout, ULONG type,
                        std::u16string_view name, const std::vector<UCHAR>& data, UCHAR* out, ULONG length,
                        PULONG result_length) {
    auto name_bytes = static_cast<ULONG>(name.size() * sizeof(WCHAR));
    ULONG data_offset = layout.fixed + (layout.has_name ? name_bytes : 0);
    data_offset = (data_offset + layout.data_align - 1) & ~(layout.data_align - 1);
    auto data_bytes = static_cast<ULONG>(data.size());
    ULONG total = layout.has_data ? data_offset + data_bytes : data_offset;
    *result_length = total;
    if (length < layout.fixed) return STATUS_BUFFER_TOO_SMALL;
    std::memset(out, 0, layout.fixed);
    switch (information_class) {
        case KeyValueBasicInformation: {
            auto* info = reinterpret_cast<PKEY_VALUE_BASIC_INFORMATION>(out);
            info->Type = type;
            info->NameLength = name_bytes;
            break;
        }
        case KeyValueFullInformation:
        case KeyValueFullInformationAlign64: {
            auto* info = reinterpret_cast<PKEY_VALUE_FULL_INFORMATION>(out);
            info->Type = type;
            info->DataOffset = data_offset;
            info->DataLength = data_bytes;
            info->NameLength = name_bytes;
            break;
        }
        case KeyValuePartialInformation: {
            auto* info = reinterpret_cast<PKEY_VALUE_PARTIAL_INFORMATION>(out);
            info->Type = type;
            info->DataLength = data_bytes;
            break;
        }
        default: {
            auto* info = reinterpret_cast<PKEY_VALUE_PARTIAL_INFORMATION_ALIGN64>(out);
            info->Type = type;
            info->DataLength = data_bytes;
            break;
        }
    }
    if (layout.has_name) {
        // As much of the name as fits, whole characters only.
        ULONG room = std::min(name_bytes, (length - layout.fixed) & ~ULONG{1});
        std::vector<UCHAR> units;
        append_utf16(units, name);
        std::memcpy(out + layout.fixed, units.data(), room);
    }
    if (length < total) return STATUS_BUFFER_OVERFLOW;
    if (layout.has_data && data_bytes != 0) std::memcpy(out + data_offset, data.data(), data_bytes);
    return STATUS_SUCCESS;
}

}  // namespace

void set_registry(registry::Registry* registry) noexcept { g_registry.store(registry, std::memory_order_release); }

std::string registry_path_from_nt(std::string_view nt_name) {
    static constexpr std::pair<std::string_view, std::string_view> kRoots[] = {
        {"\\Registry\\Machine", "HKLM"},
        {"\\Registry\\User", "HKU"},
    };
    for (const auto& [prefix, hive] : kRoots) {
        if (nt_name.size() < prefix.size() || !ascii_iequals(nt_name.substr(0, prefix.size()), prefix)) continue;
        std::string_view rest = nt_name.substr(prefix.size());
        if (rest.empty()) return std::string(hive);
        if (rest.front() == '\\' && rest.size() > 1) return std::string(hive) + std::string(rest);
    }
    return {};
}

}  // namespace strata::ntos

using namespace strata;
using namespace strata::ntos;

/* ZwOpenKey (wdm.h) — issue 5 item 4 — IRQL == PASSIVE_LEVEL
 * *KeyHandle = a new handle to an existing key granting DesiredAccess (generic rights mapped to
 * key rights). STATUS_OBJECT_NAME_NOT_FOUND when the key is missing, STATUS_OBJECT_PATH_SYNTAX_BAD
 * for a relative name without RootDirectory, STATUS_OBJECT_NAME_INVALID for an empty component. */
extern "C" NTSTATUS NTAPI ZwOpenKey(PHANDLE KeyHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes) {
    if (!non_null(KeyHandle, "ZwOpenKey")) return STATUS_INVALID_PARAMETER;
    *KeyHandle = nullptr;
    irql_at_most(PASSIVE_LEVEL, "ZwOpenKey");
    return guarded("ZwOpenKey", [&]() -> NTSTATUS {
        Target target = resolve(ObjectAttributes, 0, "ZwOpenKey");
        if (!NT_SUCCESS(target.status)) return target.status;
        registry::Registry* registry = g_registry.load(std::memory_order_acquire);
        if (registry == nullptr) return STATUS_OBJECT_NAME_NOT_FOUND;
        std::optional<std::string> stored = find_key(*registry, target.path);
        if (!stored) return STATUS_OBJECT_NAME_NOT_FOUND;
        HANDLE handle = open_handle(std::move(*stored), key_access(DesiredAccess));
        if (handle == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
        *KeyHandle = handle;
        return STATUS_SUCCESS;
    });
}

/* ZwCreateKey (wdm.h) — issue 5 item 4 — IRQL == PASSIVE_LEVEL
 * Opens the key or creates it (one level: its parent must exist, else STATUS_OBJECT_NAME_NOT_FOUND);
 * *Disposition = REG_CREATED_NEW_KEY or REG_OPENED_EXISTING_KEY. A RootDirectory handle must grant
 * KEY_CREATE_SUB_KEY. TitleIndex and Class are ignored (keys have no class here); volatile keys
 * persist like the others; REG_OPTION_CREATE_LINK and REG_OPTION_BACKUP_RESTORE are not supported. */
extern "C" NTSTATUS NTAPI ZwCreateKey(PHANDLE KeyHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                                      ULONG TitleIndex, PUNICODE_STRING Class, ULONG CreateOptions,
                                      PULONG Disposition) {
    (void)TitleIndex;
    (void)Class;
    if (!non_null(KeyHandle, "ZwCreateKey")) return STATUS_INVALID_PARAMETER;
    *KeyHandle = nullptr;
    irql_at_most(PASSIVE_LEVEL, "ZwCreateKey");
    if ((CreateOptions & ~static_cast<ULONG>(REG_LEGAL_OPTION)) != 0) return STATUS_INVALID_PARAMETER;
    if (CreateOptions & (REG_OPTION_CREATE_LINK | REG_OPTION_BACKUP_RESTORE)) {
        log::write(log::Level::warning, "registry", "FIXME ZwCreateKey: symbolic links and backup/restore opens are not supported");
        return STATUS_NOT_SUPPORTED;
    }
    return guarded("ZwCreateKey", [&]() -> NTSTATUS {
        Target target = resolve(ObjectAttributes, KEY_CREATE_SUB_KEY, "ZwCreateKey");
        if (!NT_SUCCESS(target.status)) return target.status;
        registry::Registry* registry = g_registry.load(std::memory_order_acquire);
        if (registry == nullptr) return STATUS_OBJECT_NAME_NOT_FOUND;
        // One transaction: another process creating the same key cannot slip in between.
        auto tx = registry->transaction();
        ULONG disposition = REG_OPENED_EXISTING_KEY;
        std::optional<std::string> stored = find_key(*registry, target.path);
        if (!stored) {
            std::string parent = parent_of(target.path);
            if (parent.empty() || !find_key(*registry, parent)) return STATUS_OBJECT_NAME_NOT_FOUND;
            registry->create_key(target.path);
            stored = registry->stored_path(target.path);
            disposition = REG_CREATED_NEW_KEY;
        }
        tx.commit();
        HANDLE handle = open_handle(std::move(*stored), key_access(DesiredAccess));
        if (handle == nullptr) return STATUS_INSUFFICIENT_RESOURCES;
        *KeyHandle = handle;
        if (Disposition != nullptr) *Disposition = disposition;
        return STATUS_SUCCESS;
    });
}

/* ZwQueryValueKey (wdm.h) — issue 5 item 4 — IRQL == PASSIVE_LEVEL
 * One value (ValueName empty: the default value) as KEY_VALUE_BASIC/FULL/PARTIAL_INFORMATION or
 * the Align64 forms; the handle needs KEY_QUERY_VALUE. Below the fixed part: STATUS_BUFFER_TOO_SMALL,
 * nothing written. Below the whole: STATUS_BUFFER_OVERFLOW with the fixed part and as much of the
 * name as fits. *ResultLength is the whole size in every case. STATUS_OBJECT_NAME_NOT_FOUND for a
 * missing value, STATUS_KEY_DELETED when the key went away, STATUS_INVALID_PARAMETER for another
 * class. The Full data starts ULONG-aligned (ULONGLONG for Align64) after the name. */
extern "C" NTSTATUS NTAPI ZwQueryValueKey(HANDLE KeyHandle, PUNICODE_STRING ValueName,
                                          KEY_VALUE_INFORMATION_CLASS KeyValueInformationClass,
                                          PVOID KeyValueInformation, ULONG Length, PULONG ResultLength) {
    if (!non_null(ValueName, "ZwQueryValueKey") || !non_null(ResultLength, "ZwQueryValueKey"))
        return STATUS_INVALID_PARAMETER;
    irql_at_most(PASSIVE_LEVEL, "ZwQueryValueKey", KeyHandle);
    std::optional<Layout> layout = layout_of(KeyValueInformationClass);
    if (!layout) return STATUS_INVALID_PARAMETER;
    if (KeyValueInformation == nullptr && Length != 0) return STATUS_INVALID_PARAMETER;
    return guarded("ZwQueryValueKey", [&]() -> NTSTATUS {
        KeyReference key(KeyHandle, KEY_QUERY_VALUE, "ZwQueryValueKey");
        if (!NT_SUCCESS(key.status())) return key.status();
        registry::Registry* registry = g_registry.load(std::memory_order_acquire);
        if (registry == nullptr || !find_key(*registry, key.key().path)) return STATUS_KEY_DELETED;
        std::string wanted = to_utf8(*ValueName);
        // Enumerated rather than looked up, for the name as stored (Basic and Full return it).
        for (const auto& [name, value] : registry->values(key.key().path)) {
            if (!ascii_iequals(name, wanted)) continue;
            return describe_value(KeyValueInformationClass, *layout, static_cast<ULONG>(value.type()), to_utf16(name),
                                  windows_bytes(value), static_cast<UCHAR*>(KeyValueInformation), Length,
                                  ResultLength);
        }
        return STATUS_OBJECT_NAME_NOT_FOUND;
    });
}

/* ZwSetValueKey (wdm.h) — issue 5 item 4 — IRQL == PASSIVE_LEVEL
 * Creates or replaces a value (ValueName empty: the default value); the handle needs KEY_SET_VALUE.
 * TitleIndex is ignored. See wdm.h for the types the registry holds. */
extern "C" NTSTATUS NTAPI ZwSetValueKey(HANDLE KeyHandle, PUNICODE_STRING ValueName, ULONG TitleIndex, ULONG Type,
                                        PVOID Data, ULONG DataSize) {
    (void)TitleIndex;
    if (!non_null(ValueName, "ZwSetValueKey")) return STATUS_INVALID_PARAMETER;
    if (Data == nullptr && DataSize != 0) return STATUS_INVALID_PARAMETER;
    irql_at_most(PASSIVE_LEVEL, "ZwSetValueKey", KeyHandle);
    return guarded("ZwSetValueKey", [&]() -> NTSTATUS {
        KeyReference key(KeyHandle, KEY_SET_VALUE, "ZwSetValueKey");
        if (!NT_SUCCESS(key.status())) return key.status();
        NTSTATUS status;
        std::optional<registry::Value> value = value_from_windows(Type, static_cast<const UCHAR*>(Data), DataSize, status);
        if (!value) return status;
        registry::Registry* registry = g_registry.load(std::memory_order_acquire);
        if (registry == nullptr) return STATUS_KEY_DELETED;
        auto tx = registry->transaction();
        if (!find_key(*registry, key.key().path)) return STATUS_KEY_DELETED;
        registry->set_value(key.key().path, to_utf8(*ValueName), *value);
        tx.commit();
        return STATUS_SUCCESS;
    });
}
