// driver_image.h — a loaded driver image: <service>.sys mapped with dlopen, its DRIVER_OBJECT,
// and DriverEntry/DriverUnload (DESIGN "Layout": module loader). PASSIVE_LEVEL only.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <wdm.h>

#include "verifier/images.h"

namespace strata::host {

class DriverImage {
    struct Key {
        explicit Key() = default;
    };

public:
    explicit DriverImage(Key) {}  // only map() can make the key
    // Maps the image; on failure returns nullptr and sets `error` to one line naming the file
    // (and the missing symbol when the image imports something libstrata does not export).
    static std::unique_ptr<DriverImage> map(const std::filesystem::path& file, std::string service, std::string* error);
    ~DriverImage();
    DriverImage(const DriverImage&) = delete;
    DriverImage& operator=(const DriverImage&) = delete;

    NTSTATUS run_driver_entry();
    void run_driver_unload();
    void* symbol(const char* name) const;

    const std::string& service() const noexcept { return service_; }
    PDRIVER_OBJECT driver_object() noexcept { return &object_; }

private:
    void* module_ = nullptr;
    verifier::ImageId image_id_ = 0;  // its address range, for charging pool blocks to it
    std::string service_;
    std::u16string name_;           // \Driver\<service>
    std::u16string registry_path_;  // \Registry\Machine\System\CurrentControlSet\Services\<service>
    UNICODE_STRING registry_path_string_{};
    DRIVER_EXTENSION extension_{};
    DRIVER_OBJECT object_{};
};

}  // namespace strata::host
