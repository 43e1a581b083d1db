// driver_image.cpp — mapping driver images and running DriverEntry (driver_image.h).
#include "host/driver_image.h"

#include <dlfcn.h>

#include "host/elf_imports.h"
#include "ndis/library.h"
#include "ndis/stubs.h"
#include "ntos/pool.h"

namespace strata::host {
namespace {

UNICODE_STRING view(std::u16string& s) {
    auto bytes = static_cast<USHORT>(s.size() * sizeof(WCHAR));
    return {bytes, bytes, reinterpret_cast<PWSTR>(s.data())};
}

}  // namespace

std::unique_ptr<DriverImage> DriverImage::map(const std::filesystem::path& file, std::string service,
                                              std::string* error) {
    if (!std::filesystem::exists(file)) {
        *error = file.string() + ": driver image not found";
        return nullptr;
    }
    auto imports = elf_imports(file);
    if (!imports) {
        *error = file.string() + ": not an ELF64 driver image";
        return nullptr;
    }
    for (const std::string& name : *imports) {
        if (const ndis::StubExport* stub = ndis::find_stub_export(name)) {
            *error = file.string() + ": imports " + name + ", which Strata does not implement yet (" +
                     std::string(stub->delivered_by) + ")";
            return nullptr;
        }
    }
    void* module = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (module == nullptr) {
        *error = file.string() + ": cannot load driver image: " + ::dlerror();
        return nullptr;
    }
    auto image = std::make_unique<DriverImage>(Key{});
    image->module_ = module;
    image->image_id_ = verifier::add_image(module, service);
    image->service_ = std::move(service);
    image->name_ = ndis::to_utf16("\\Driver\\" + image->service_);
    image->registry_path_ = ndis::to_utf16("\\Registry\\Machine\\System\\CurrentControlSet\\Services\\" + image->service_);
    image->registry_path_string_ = view(image->registry_path_);
    image->object_.Size = sizeof(DRIVER_OBJECT);
    image->object_.DriverName = view(image->name_);
    image->object_.DriverExtension = &image->extension_;
    image->extension_.DriverObject = &image->object_;
    image->object_.DriverInit = reinterpret_cast<PDRIVER_INITIALIZE>(::dlsym(module, "DriverEntry"));
    if (image->object_.DriverInit == nullptr) {
        *error = file.string() + ": the image exports no DriverEntry";
        return nullptr;
    }
    return image;
}

// Unloaded (or DriverEntry failed): what it still holds of the pool leaked (issue 7 §4).
DriverImage::~DriverImage() {
    ntos::report_tag_leaks(image_id_, service_);
    verifier::remove_image(image_id_);
    if (module_ != nullptr) ::dlclose(module_);
}

NTSTATUS DriverImage::run_driver_entry() {
    ndis::Library::set_loading_service(service_);
    NTSTATUS status = object_.DriverInit(&object_, &registry_path_string_);
    ndis::Library::set_loading_service("");
    return status;
}

void DriverImage::run_driver_unload() {
    if (object_.DriverUnload != nullptr) object_.DriverUnload(&object_);
}

void* DriverImage::symbol(const char* name) const { return ::dlsym(module_, name); }

}  // namespace strata::host
