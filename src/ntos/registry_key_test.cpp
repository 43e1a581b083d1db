// registry_key_test.cpp — unit tests for the registry key calls (wdm.h; issue 5 item 4: a driver
// reads Services\<svc>\Parameters): ZwOpenKey/ZwCreateKey/ZwQueryValueKey/ZwSetValueKey/ZwClose on
// a real SQLite registry in a temporary root, with Windows' statuses and information layouts.
#include <gtest/gtest.h>

#include <wdm.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "ntos/registry_key.h"
#include "ntos/string.h"
#include "ntos/testing.h"
#include "registry/registry.h"
#include "test_support.h"

namespace strata::ntos {
namespace {

using registry::Value;
using testing::VerifierScope;
using verifier::Rule;

constexpr const char* kParameters = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\echosrv\\Parameters";
constexpr const char16_t* kParametersNt = u"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\echosrv\\Parameters";

class RegistryKey : public ::testing::Test {
protected:
    void SetUp() override {
        registry_ = std::make_unique<registry::Registry>(root_.path());
        set_registry(registry_.get());
    }
    void TearDown() override {
        for (HANDLE h : open_) ZwClose(h);
        set_registry(nullptr);
        EXPECT_EQ(verifier::total(), 0u);
    }

    // ZwOpenKey of an absolute NT name (or one relative to `root`).
    NTSTATUS open(std::u16string name, HANDLE* handle, ACCESS_MASK access = KEY_READ, HANDLE root = nullptr) {
        OwnedUnicodeString text(std::move(name));
        OBJECT_ATTRIBUTES attributes;
        InitializeObjectAttributes(&attributes, text.ptr(), OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, root, nullptr);
        NTSTATUS status = ZwOpenKey(handle, access, &attributes);
        if (NT_SUCCESS(status)) open_.push_back(*handle);
        return status;
    }

    HANDLE open_parameters(ACCESS_MASK access = KEY_READ) {
        HANDLE handle = nullptr;
        EXPECT_EQ(open(kParametersNt, &handle, access), STATUS_SUCCESS);
        return handle;
    }

    NTSTATUS query(HANDLE key, std::u16string name, KEY_VALUE_INFORMATION_CLASS kind, std::vector<UCHAR>& buffer,
                   ULONG* result) {
        OwnedUnicodeString text(std::move(name));
        return ZwQueryValueKey(key, text.ptr(), kind, buffer.empty() ? nullptr : buffer.data(),
                               static_cast<ULONG>(buffer.size()), result);
    }

    NTSTATUS set(HANDLE key, std::u16string name, ULONG type, const void* data, ULONG size) {
        OwnedUnicodeString text(std::move(name));
        return ZwSetValueKey(key, text.ptr(), 0, type, const_cast<void*>(data), size);
    }

    void close(HANDLE handle) {
        std::erase(open_, handle);
        EXPECT_EQ(ZwClose(handle), STATUS_SUCCESS);
    }

    VerifierScope verifier_;
    test::TempDir root_;
    std::unique_ptr<registry::Registry> registry_;
    std::vector<HANDLE> open_;
};

TEST_F(RegistryKey, NtNamesMapToTheStoredHives) {
    EXPECT_EQ(registry_path_from_nt("\\REGISTRY\\MACHINE\\System\\X"), "HKLM\\System\\X");
    EXPECT_EQ(registry_path_from_nt("\\Registry\\User\\S-1"), "HKU\\S-1");
    EXPECT_EQ(registry_path_from_nt("\\Registry\\Machine"), "HKLM");
    EXPECT_EQ(registry_path_from_nt("\\Registry\\MachineX\\Y"), "");
    EXPECT_EQ(registry_path_from_nt("\\Device\\Tcp"), "");
}

TEST_F(RegistryKey, OpenMissingKeyIsObjectNameNotFound) {
    HANDLE handle = reinterpret_cast<HANDLE>(1);
    EXPECT_EQ(open(kParametersNt, &handle), STATUS_OBJECT_NAME_NOT_FOUND);
    EXPECT_EQ(handle, nullptr);
}

TEST_F(RegistryKey, PartialInformationReadsADwordWhateverTheCase) {
    registry_->set_value(kParameters, "Port", Value::dword(40123));
    HANDLE key = nullptr;
    ASSERT_EQ(open(u"\\registry\\machine\\SYSTEM\\currentcontrolset\\SERVICES\\EchoSrv\\parameters", &key),
              STATUS_SUCCESS);
    std::vector<UCHAR> buffer(sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG));
    ULONG result = 0;
    ASSERT_EQ(query(key, u"PORT", KeyValuePartialInformation, buffer, &result), STATUS_SUCCESS);
    auto* info = reinterpret_cast<PKEY_VALUE_PARTIAL_INFORMATION>(buffer.data());
    EXPECT_EQ(result, FIELD_OFFSET(KEY_VALUE_PARTIAL_INFORMATION, Data) + sizeof(ULONG));
    EXPECT_EQ(info->Type, static_cast<ULONG>(REG_DWORD));
    EXPECT_EQ(info->DataLength, sizeof(ULONG));
    ULONG port;
    std::memcpy(&port, info->Data, sizeof port);
    EXPECT_EQ(port, 40123u);
}

TEST_F(RegistryKey, ShortBuffersGetTooSmallThenOverflowWithTheWholeSize) {
    registry_->set_value(kParameters, "Port", Value::dword(7));
    HANDLE key = open_parameters();
    ULONG whole = FIELD_OFFSET(KEY_VALUE_PARTIAL_INFORMATION, Data) + 4;

    std::vector<UCHAR> none;
    ULONG result = 0;
    EXPECT_EQ(query(key, u"Port", KeyValuePartialInformation, none, &result), STATUS_BUFFER_TOO_SMALL);
    EXPECT_EQ(result, whole);

    std::vector<UCHAR> below_fixed(FIELD_OFFSET(KEY_VALUE_PARTIAL_INFORMATION, Data) - 1, 0xAA);
    EXPECT_EQ(query(key, u"Port", KeyValuePartialInformation, below_fixed, &result), STATUS_BUFFER_TOO_SMALL);
    EXPECT_EQ(result, whole);
    EXPECT_EQ(std::count(below_fixed.begin(), below_fixed.end(), 0xAA), static_cast<long>(below_fixed.size()));

    std::vector<UCHAR> fixed_only(FIELD_OFFSET(KEY_VALUE_PARTIAL_INFORMATION, Data) + 2, 0xAA);
    EXPECT_EQ(query(key, u"Port", KeyValuePartialInformation, fixed_only, &result), STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(result, whole);
    auto* info = reinterpret_cast<PKEY_VALUE_PARTIAL_INFORMATION>(fixed_only.data());
    EXPECT_EQ(info->Type, static_cast<ULONG>(REG_DWORD));
    EXPECT_EQ(info->DataLength, 4u);
}

TEST_F(RegistryKey, FullInformationGivesStoredNameAndUtf16StringWithItsNul) {
    registry_->set_value(kParameters, "ListenAddress", Value::sz("::1"));
    HANDLE key = open_parameters();
    ULONG result = 0;
    std::vector<UCHAR> none;
    ASSERT_EQ(query(key, u"listenaddress", KeyValueFullInformation, none, &result), STATUS_BUFFER_TOO_SMALL);
    std::vector<UCHAR> buffer(result);
    ASSERT_EQ(query(key, u"listenaddress", KeyValueFullInformation, buffer, &result), STATUS_SUCCESS);
    auto* info = reinterpret_cast<PKEY_VALUE_FULL_INFORMATION>(buffer.data());
    EXPECT_EQ(info->Type, static_cast<ULONG>(REG_SZ));
    EXPECT_EQ(std::u16string_view(info->Name, info->NameLength / 2), u"ListenAddress");
    EXPECT_EQ(info->DataOffset % sizeof(ULONG), 0u);
    EXPECT_GE(info->DataOffset, FIELD_OFFSET(KEY_VALUE_FULL_INFORMATION, Name) + info->NameLength);
    ASSERT_EQ(info->DataLength, 8u);  // u"::1" and its NUL
    std::u16string data(4, u'?');
    std::memcpy(data.data(), buffer.data() + info->DataOffset, 8);
    EXPECT_EQ(data, std::u16string(u"::1\0", 4));
    EXPECT_EQ(result, info->DataOffset + info->DataLength);
}

TEST_F(RegistryKey, BasicInformationOverflowCopiesWholeCharactersOfTheName) {
    registry_->set_value(kParameters, "Port", Value::dword(1));
    HANDLE key = open_parameters();
    ULONG result = 0;
    std::vector<UCHAR> buffer(FIELD_OFFSET(KEY_VALUE_BASIC_INFORMATION, Name) + 5, 0);
    EXPECT_EQ(query(key, u"Port", KeyValueBasicInformation, buffer, &result), STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(result, FIELD_OFFSET(KEY_VALUE_BASIC_INFORMATION, Name) + 8u);
    auto* info = reinterpret_cast<PKEY_VALUE_BASIC_INFORMATION>(buffer.data());
    EXPECT_EQ(info->NameLength, 8u);
    EXPECT_EQ(info->Name[0], u'P');
    EXPECT_EQ(info->Name[1], u'o');
    EXPECT_EQ(buffer.back(), 0);  // half a character is not written
}

TEST_F(RegistryKey, MultiSzAndAlign64Forms) {
    registry_->set_value(kParameters, "Bind", Value::multi_sz({"a", "bc"}));
    registry_->set_value(kParameters, "Big", Value::qword(0x1122334455667788ull));
    HANDLE key = open_parameters();
    ULONG result = 0;
    std::vector<UCHAR> buffer(64);
    ASSERT_EQ(query(key, u"Bind", KeyValuePartialInformationAlign64, buffer, &result), STATUS_SUCCESS);
    auto* info = reinterpret_cast<PKEY_VALUE_PARTIAL_INFORMATION_ALIGN64>(buffer.data());
    EXPECT_EQ(info->Type, static_cast<ULONG>(REG_MULTI_SZ));
    ASSERT_EQ(info->DataLength, 12u);
    std::u16string data(6, u'?');
    std::memcpy(data.data(), info->Data, 12);
    EXPECT_EQ(data, std::u16string(u"a\0bc\0\0", 6));

    ASSERT_EQ(query(key, u"Big", KeyValueFullInformationAlign64, buffer, &result), STATUS_SUCCESS);
    auto* full = reinterpret_cast<PKEY_VALUE_FULL_INFORMATION>(buffer.data());
    EXPECT_EQ(full->Type, static_cast<ULONG>(REG_QWORD));
    EXPECT_EQ(full->DataOffset % 8, 0u);
    ULONGLONG big;
    std::memcpy(&big, buffer.data() + full->DataOffset, 8);
    EXPECT_EQ(big, 0x1122334455667788ull);
}

TEST_F(RegistryKey, MissingValueAndUnknownClass) {
    registry_->create_key(kParameters);
    HANDLE key = open_parameters();
    ULONG result = 0;
    std::vector<UCHAR> buffer(64);
    EXPECT_EQ(query(key, u"Port", KeyValuePartialInformation, buffer, &result), STATUS_OBJECT_NAME_NOT_FOUND);
    registry_->set_value(kParameters, "Port", Value::dword(1));
    EXPECT_EQ(query(key, u"Port", KeyValueLayerInformation, buffer, &result), STATUS_INVALID_PARAMETER);
}

TEST_F(RegistryKey, RelativeOpenFromARootDirectoryHandle) {
    registry_->set_value(kParameters, "Port", Value::dword(5));
    HANDLE services = nullptr;
    ASSERT_EQ(open(u"\\Registry\\Machine\\SYSTEM\\CurrentControlSet\\Services", &services), STATUS_SUCCESS);
    HANDLE parameters = nullptr;
    ASSERT_EQ(open(u"echosrv\\Parameters", &parameters, KEY_QUERY_VALUE, services), STATUS_SUCCESS);
    std::vector<UCHAR> buffer(64);
    ULONG result = 0;
    EXPECT_EQ(query(parameters, u"Port", KeyValuePartialInformation, buffer, &result), STATUS_SUCCESS);
    HANDLE missing = nullptr;
    EXPECT_EQ(open(u"echosrv\\Linkage", &missing, KEY_READ, services), STATUS_OBJECT_NAME_NOT_FOUND);
    EXPECT_EQ(open(u"\\echosrv", &missing, KEY_READ, services), STATUS_OBJECT_PATH_SYNTAX_BAD);
}

TEST_F(RegistryKey, BadNamesAreRejectedAsWindowsDoes) {
    registry_->create_key(kParameters);
    HANDLE key = nullptr;
    EXPECT_EQ(open(u"Registry\\Machine\\SYSTEM", &key), STATUS_OBJECT_PATH_SYNTAX_BAD);
    EXPECT_EQ(open(u"\\Registry\\Machine\\SYSTEM\\\\CurrentControlSet", &key), STATUS_OBJECT_NAME_INVALID);
    EXPECT_EQ(open(u"\\Registry\\Machine\\SYSTEM\\", &key), STATUS_OBJECT_NAME_INVALID);
    EXPECT_EQ(open(u"\\Device\\Tcp", &key), STATUS_OBJECT_NAME_NOT_FOUND);
    EXPECT_EQ(ZwOpenKey(&key, KEY_READ, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(verifier::count(Rule::NullParameter), 1u);
    verifier::clear();
}

TEST_F(RegistryKey, CreateKeyOpensOrCreatesOneLevel) {
    registry_->create_key("HKLM\\SYSTEM\\CurrentControlSet\\Services\\echosrv");
    OwnedUnicodeString name(std::u16string{kParametersNt});
    OBJECT_ATTRIBUTES attributes;
    InitializeObjectAttributes(&attributes, name.ptr(), OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, nullptr, nullptr);
    HANDLE key = nullptr;
    ULONG disposition = 0;
    ASSERT_EQ(ZwCreateKey(&key, KEY_ALL_ACCESS, &attributes, 0, nullptr, REG_OPTION_NON_VOLATILE, &disposition),
              STATUS_SUCCESS);
    open_.push_back(key);
    EXPECT_EQ(disposition, static_cast<ULONG>(REG_CREATED_NEW_KEY));
    EXPECT_TRUE(registry_->key_exists(kParameters));
    HANDLE again = nullptr;
    ASSERT_EQ(ZwCreateKey(&again, KEY_READ, &attributes, 0, nullptr, 0, &disposition), STATUS_SUCCESS);
    open_.push_back(again);
    EXPECT_EQ(disposition, static_cast<ULONG>(REG_OPENED_EXISTING_KEY));

    OwnedUnicodeString deep(std::u16string(u"\\Registry\\Machine\\SOFTWARE\\Vendor\\Product"));
    attributes.ObjectName = deep.ptr();
    HANDLE orphan = nullptr;
    EXPECT_EQ(ZwCreateKey(&orphan, KEY_ALL_ACCESS, &attributes, 0, nullptr, 0, nullptr), STATUS_OBJECT_NAME_NOT_FOUND);
    EXPECT_FALSE(registry_->key_exists("HKLM\\SOFTWARE"));
}

TEST_F(RegistryKey, CreateRelativeNeedsCreateSubKeyOnTheRoot) {
    registry_->create_key("HKLM\\SYSTEM\\CurrentControlSet\\Services\\echosrv");
    HANDLE service = nullptr;
    ASSERT_EQ(open(u"\\Registry\\Machine\\SYSTEM\\CurrentControlSet\\Services\\echosrv", &service, KEY_READ),
              STATUS_SUCCESS);
    OwnedUnicodeString name(std::u16string(u"Parameters"));
    OBJECT_ATTRIBUTES attributes;
    InitializeObjectAttributes(&attributes, name.ptr(), OBJ_KERNEL_HANDLE, service, nullptr);
    HANDLE key = nullptr;
    EXPECT_EQ(ZwCreateKey(&key, KEY_ALL_ACCESS, &attributes, 0, nullptr, 0, nullptr), STATUS_ACCESS_DENIED);
    HANDLE writable = nullptr;
    ASSERT_EQ(open(u"\\Registry\\Machine\\SYSTEM\\CurrentControlSet\\Services\\echosrv", &writable, KEY_WRITE),
              STATUS_SUCCESS);
    attributes.RootDirectory = writable;
    ASSERT_EQ(ZwCreateKey(&key, KEY_ALL_ACCESS, &attributes, 0, nullptr, 0, nullptr), STATUS_SUCCESS);
    open_.push_back(key);
    EXPECT_TRUE(registry_->key_exists(kParameters));
}

TEST_F(RegistryKey, SetValueRoundTripsEveryType) {
    registry_->create_key(kParameters);
    HANDLE key = open_parameters(KEY_ALL_ACCESS);
    ULONG port = 40007;
    EXPECT_EQ(set(key, u"Port", REG_DWORD, &port, sizeof port), STATUS_SUCCESS);
    const char16_t text[] = u"hello";
    EXPECT_EQ(set(key, u"Greeting", REG_SZ, text, sizeof text), STATUS_SUCCESS);
    const char16_t list[] = u"one\0two\0";  // with the array's own NUL: the doubled NUL ends it
    EXPECT_EQ(set(key, u"List", REG_MULTI_SZ, list, sizeof list), STATUS_SUCCESS);
    const UCHAR bytes[] = {1, 2, 3};
    EXPECT_EQ(set(key, u"Blob", REG_BINARY, bytes, sizeof bytes), STATUS_SUCCESS);
    ULONGLONG big = 1ull << 40;
    EXPECT_EQ(set(key, u"", REG_QWORD, &big, sizeof big), STATUS_SUCCESS);

    EXPECT_EQ(registry_->get_value(kParameters, "port"), Value::dword(40007));
    EXPECT_EQ(registry_->get_value(kParameters, "Greeting"), Value::sz("hello"));
    EXPECT_EQ(registry_->get_value(kParameters, "List"), Value::multi_sz({"one", "two"}));
    EXPECT_EQ(registry_->get_value(kParameters, "Blob"), Value::binary({1, 2, 3}));
    EXPECT_EQ(registry_->get_value(kParameters, ""), Value::qword(1ull << 40));

    EXPECT_EQ(set(key, u"Port", REG_DWORD, &port, 2), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(set(key, u"Odd", REG_SZ, text, 3), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(set(key, u"Link", REG_LINK, text, sizeof text), STATUS_NOT_SUPPORTED);
    EXPECT_EQ(registry_->get_value(kParameters, "Port"), Value::dword(40007));
}

TEST_F(RegistryKey, AccessIsCheckedPerHandle) {
    registry_->set_value(kParameters, "Port", Value::dword(1));
    HANDLE reader = open_parameters(KEY_READ);
    ULONG port = 2;
    EXPECT_EQ(set(reader, u"Port", REG_DWORD, &port, sizeof port), STATUS_ACCESS_DENIED);
    HANDLE writer = open_parameters(KEY_SET_VALUE);
    std::vector<UCHAR> buffer(64);
    ULONG result = 0;
    EXPECT_EQ(query(writer, u"Port", KeyValuePartialInformation, buffer, &result), STATUS_ACCESS_DENIED);
    HANDLE generic = open_parameters(GENERIC_READ | GENERIC_WRITE);
    EXPECT_EQ(set(generic, u"Port", REG_DWORD, &port, sizeof port), STATUS_SUCCESS);
    EXPECT_EQ(query(generic, u"Port", KeyValuePartialInformation, buffer, &result), STATUS_SUCCESS);
    EXPECT_EQ(registry_->get_value(kParameters, "Port"), Value::dword(2));
}

TEST_F(RegistryKey, ZwCloseEndsTheHandle) {
    registry_->set_value(kParameters, "Port", Value::dword(1));
    HANDLE key = open_parameters();
    close(key);
    std::vector<UCHAR> buffer(64);
    ULONG result = 0;
    EXPECT_EQ(query(key, u"Port", KeyValuePartialInformation, buffer, &result), STATUS_INVALID_HANDLE);
    EXPECT_EQ(ZwClose(key), STATUS_INVALID_HANDLE);
    EXPECT_EQ(verifier::count(Rule::InvalidHandle), 2u);
    verifier::clear();
}

TEST_F(RegistryKey, AKeyDeletedUnderAnOpenHandle) {
    registry_->set_value(kParameters, "Port", Value::dword(1));
    HANDLE key = open_parameters(KEY_ALL_ACCESS);
    registry_->delete_key("HKLM\\SYSTEM\\CurrentControlSet\\Services\\echosrv");
    std::vector<UCHAR> buffer(64);
    ULONG result = 0;
    EXPECT_EQ(query(key, u"Port", KeyValuePartialInformation, buffer, &result), STATUS_KEY_DELETED);
    ULONG port = 2;
    EXPECT_EQ(set(key, u"Port", REG_DWORD, &port, sizeof port), STATUS_KEY_DELETED);
    EXPECT_FALSE(registry_->key_exists(kParameters));
}

TEST_F(RegistryKey, NoRegistryMeansNoKeys) {
    set_registry(nullptr);
    HANDLE key = nullptr;
    EXPECT_EQ(open(kParametersNt, &key), STATUS_OBJECT_NAME_NOT_FOUND);
}

}  // namespace
}  // namespace strata::ntos
