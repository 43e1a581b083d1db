// control_device_test.cpp — unit tests for NdisMRegisterDevice / NdisMDeregisterDevice and the
// IRPs Strata sends to a control device (seed 003 §2.3).
#include <gtest/gtest.h>

#include <ndis.h>

#include <cstring>

#include "ndis/control_device.h"
#include "ntos/testing.h"

namespace strata::ndis {
namespace {

using ntos::testing::VerifierScope;

constexpr ULONG kIoctlEcho = CTL_CODE(FILE_DEVICE_NETWORK, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS);
constexpr ULONG kIoctlNeither = CTL_CODE(FILE_DEVICE_NETWORK, 0x801, METHOD_NEITHER, FILE_ANY_ACCESS);

int g_creates = 0;

// What a DDK sample's dispatch routine does: count opens, answer one ioctl, complete every IRP.
NTSTATUS sample_dispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS status = STATUS_SUCCESS;
    EXPECT_EQ(stack->DeviceObject, DeviceObject);
    Irp->IoStatus.Information = 0;
    switch (stack->MajorFunction) {
    case IRP_MJ_CREATE:
        ++g_creates;
        break;
    case IRP_MJ_DEVICE_CONTROL:
        if (stack->Parameters.DeviceIoControl.IoControlCode == kIoctlEcho) {
            // Upper-cases the input in place; the system buffer carries it back.
            auto* bytes = static_cast<char*>(Irp->AssociatedIrp.SystemBuffer);
            ULONG n = stack->Parameters.DeviceIoControl.InputBufferLength;
            for (ULONG i = 0; i < n; ++i) bytes[i] = static_cast<char>(bytes[i] & ~0x20);
            Irp->IoStatus.Information = n;
        } else if (stack->Parameters.DeviceIoControl.IoControlCode == kIoctlNeither) {
            std::memcpy(Irp->UserBuffer, stack->Parameters.DeviceIoControl.Type3InputBuffer, 2);
            Irp->IoStatus.Information = 2;
        } else {
            status = STATUS_INVALID_DEVICE_REQUEST;
        }
        break;
    default:
        break;
    }
    Irp->IoStatus.Status = status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return status;
}

class ControlDeviceTest : public ::testing::Test {
protected:
    void SetUp() override {
        registry_path_ = u"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\ctldev";
        UNICODE_STRING path{static_cast<USHORT>(registry_path_.size() * 2), static_cast<USHORT>(registry_path_.size() * 2),
                            registry_path_.data()};
        NdisMInitializeWrapper(&wrapper_, &driver_object_, &path, nullptr);
        ASSERT_NE(wrapper_, nullptr);
        for (auto& entry : table_) entry = nullptr;
        table_[IRP_MJ_CREATE] = sample_dispatch;
        table_[IRP_MJ_CLOSE] = sample_dispatch;
        table_[IRP_MJ_DEVICE_CONTROL] = sample_dispatch;
    }
    void TearDown() override { NdisTerminateWrapper(wrapper_, nullptr); }

    NDIS_STATUS register_device(const char16_t* name, const char16_t* link, PDEVICE_OBJECT* device,
                                NDIS_HANDLE* handle) {
        NDIS_STRING device_name, link_name;
        NdisInitUnicodeString(&device_name, name);
        NdisInitUnicodeString(&link_name, link);
        return NdisMRegisterDevice(wrapper_, &device_name, &link_name, table_, device, handle);
    }

    std::u16string registry_path_;
    DRIVER_OBJECT driver_object_{};
    NDIS_HANDLE wrapper_ = nullptr;
    PDRIVER_DISPATCH table_[IRP_MJ_MAXIMUM_FUNCTION + 1];
};

TEST_F(ControlDeviceTest, IrpsReachTheDriversDispatchTable) {
    VerifierScope verifier;
    PDEVICE_OBJECT device = nullptr;
    NDIS_HANDLE handle = nullptr;
    ASSERT_EQ(register_device(u"\\Device\\CtlTest", u"\\DosDevices\\CtlTest", &device, &handle), NDIS_STATUS_SUCCESS);
    ASSERT_NE(device, nullptr);
    EXPECT_EQ(device->DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL], sample_dispatch);

    auto found = find_control_device("\\dosdevices\\ctltest");
    ASSERT_NE(found, nullptr) << "found by its symbolic name, case-insensitive";
    EXPECT_EQ(&found->device_object, device);
    EXPECT_EQ(found->service, "ctldev");

    g_creates = 0;
    EXPECT_EQ(send_control_irp(*found, IRP_MJ_CREATE), STATUS_SUCCESS);
    EXPECT_EQ(g_creates, 1);
    EXPECT_EQ(send_control_irp(*found, IRP_MJ_READ), STATUS_INVALID_DEVICE_REQUEST) << "no entry in the table";

    char input[] = "abc";
    char output[8] = {};
    IoControlResult r = device_io_control(*found, kIoctlEcho, input, 3, output, sizeof output);
    EXPECT_EQ(r.status, STATUS_SUCCESS);
    EXPECT_EQ(r.information, 3u);
    EXPECT_STREQ(output, "ABC");
    r = device_io_control(*found, kIoctlNeither, "xy", 2, output, 2);
    EXPECT_EQ(r.status, STATUS_SUCCESS);
    EXPECT_EQ(std::memcmp(output, "xy", 2), 0);
    EXPECT_EQ(device_io_control(*found, CTL_CODE(FILE_DEVICE_NETWORK, 0x9, METHOD_BUFFERED, 0), nullptr, 0, nullptr, 0)
                  .status,
              STATUS_INVALID_DEVICE_REQUEST);

    EXPECT_EQ(NdisMDeregisterDevice(handle), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(find_control_device("\\Device\\CtlTest"), nullptr);
    EXPECT_EQ(verifier::total(), 0u);
}

TEST_F(ControlDeviceTest, ANameInUseIsRefusedAndDeregisteringTwiceIsReported) {
    VerifierScope verifier;
    PDEVICE_OBJECT device = nullptr, second_device = nullptr;
    NDIS_HANDLE handle = nullptr, second = nullptr;
    ASSERT_EQ(register_device(u"\\Device\\CtlDup", u"\\DosDevices\\CtlDup", &device, &handle), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(register_device(u"\\Device\\CtlDup", u"\\DosDevices\\Other", &second_device, &second),
              static_cast<NDIS_STATUS>(STATUS_OBJECT_NAME_COLLISION));
    EXPECT_EQ(second_device, nullptr);
    EXPECT_EQ(second, nullptr);
    EXPECT_EQ(NdisMDeregisterDevice(handle), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(NdisMDeregisterDevice(handle), NDIS_STATUS_FAILURE);
    EXPECT_EQ(verifier::count(verifier::Rule::InvalidHandle), 1u);
}

TEST_F(ControlDeviceTest, CompletingAnIrpTwiceIsReported) {
    VerifierScope verifier;
    table_[IRP_MJ_CLEANUP] = [](PDEVICE_OBJECT, PIRP Irp) -> NTSTATUS {
        Irp->IoStatus.Status = STATUS_SUCCESS;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return STATUS_SUCCESS;
    };
    PDEVICE_OBJECT device = nullptr;
    NDIS_HANDLE handle = nullptr;
    ASSERT_EQ(register_device(u"\\Device\\CtlTwice", u"\\DosDevices\\CtlTwice", &device, &handle), NDIS_STATUS_SUCCESS);
    auto found = find_control_device("\\Device\\CtlTwice");
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(send_control_irp(*found, IRP_MJ_CLEANUP), STATUS_SUCCESS);
    EXPECT_EQ(verifier::count(verifier::Rule::BadCall), 1u);
    EXPECT_EQ(NdisMDeregisterDevice(handle), NDIS_STATUS_SUCCESS);
}

}  // namespace
}  // namespace strata::ndis
