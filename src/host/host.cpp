// host.cpp — strata::Host, the embedding API (include/strata/host.hpp): the registry, the
// processors, driver images, adapter instances and bindings of one in-process host.
#include "strata/host.hpp"

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "host/driver_image.h"
#include "ndis/binding.h"
#include "ndis/intermediate.h"
#include "ndis/library.h"
#include "ndis/removal.h"
#include "ntos/processor.h"
#include "ntos/registry_key.h"
#include "ntos/work_item.h"
#include "registry/registry.h"
#include "registry/root.h"
#include "verifier/registry_switch.h"
#include "verifier/verifier.h"
#include "wsk/lifecycle.h"

namespace strata {
namespace {

constexpr std::string_view kServicesKey = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\";

std::string new_guid() {
    std::random_device device;
    std::uniform_int_distribution<unsigned> byte(0, 255);
    unsigned char b[16];
    for (auto& x : b) x = static_cast<unsigned char>(byte(device));
    b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    char text[40];
    std::snprintf(text, sizeof text, "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return text;
}

}  // namespace

struct Host::Impl {
    HostOptions options;
    std::unique_ptr<registry::Registry> registry;
    std::vector<std::unique_ptr<host::DriverImage>> images;
    std::string last_error;

    // Adapters whose miniport called NdisMRemoveMiniport, removed one at a time at PASSIVE_LEVEL
    // on a thread of their own (the call may come at DISPATCH_LEVEL from the adapter's processor).
    std::mutex removal_mutex;
    std::condition_variable removal_wake;
    std::deque<std::string> removals;
    bool removal_stopping = false;
    std::function<void(const std::string&)> removed_handler;
    std::thread removal_thread;

    void queue_removal(const std::string& device_name) {
        {
            std::lock_guard lock(removal_mutex);
            removals.push_back(device_name);
        }
        removal_wake.notify_one();
    }

    void serve_removals(Host& host) {
        std::unique_lock lock(removal_mutex);
        for (;;) {
            removal_wake.wait(lock, [&] { return removal_stopping || !removals.empty(); });
            if (removal_stopping) return;
            std::string device_name = std::move(removals.front());
            removals.pop_front();
            std::function<void(const std::string&)> handler = removed_handler;
            lock.unlock();
            if (ndis::Miniport* m = ndis::Library::instance().find_miniport(device_name))
                ndis::notify_surprise_removal(*m);
            if (handler) handler(device_name);
            else host.remove_adapter(device_name);
            lock.lock();
        }
    }

    void stop_removals() {
        ndis::set_removal_listener(nullptr);
        {
            std::lock_guard lock(removal_mutex);
            removal_stopping = true;
        }
        removal_wake.notify_one();
        if (removal_thread.joinable()) removal_thread.join();
    }

    host::DriverImage* image(std::string_view service) const {
        for (const auto& i : images)
            if (ndis::iequals(i->service(), service)) return i.get();
        return nullptr;
    }

    // Services\<service>\ImagePath as Windows writes it: an absolute path, a path relative to
    // the root, or the Windows spellings of the drivers directory (\SystemRoot\System32\drivers\x.sys,
    // System32\drivers\x.sys), which are the root's drivers/ (DIRID 12).
    std::filesystem::path image_path(std::string_view service) const {
        std::string key = std::string(kServicesKey) + std::string(service);
        std::optional<registry::Value> value = registry->get_value(key, "ImagePath");
        if (!value || (value->type() != registry::ValueType::Sz && value->type() != registry::ValueType::ExpandSz))
            return options.driver_dir / (std::string(service) + ".sys");
        std::string text = value->as_string();
        for (std::string_view prefix : {"\\SystemRoot\\System32\\drivers\\", "System32\\drivers\\",
                                        "%SystemRoot%\\System32\\drivers\\"})
            if (text.size() > prefix.size() && ndis::iequals(std::string_view(text).substr(0, prefix.size()), prefix))
                return options.root / "drivers" / text.substr(prefix.size());
        std::filesystem::path p = text;
        if (p.is_absolute()) return p;
        return options.root / p;
    }

    std::string next_instance_key() {
        std::vector<std::string> existing = registry->key_exists(ndis::kNetClassKey) ? registry->subkeys(ndis::kNetClassKey)
                                                                               : std::vector<std::string>{};
        for (unsigned index = 0;; ++index) {
            char name[8];
            std::snprintf(name, sizeof name, "%04u", index);
            bool taken = false;
            for (const auto& e : existing) taken = taken || ndis::iequals(e, name);
            if (!taken) return std::string(ndis::kNetClassKey) + "\\" + name;
        }
    }

    void unload(host::DriverImage& image) {
        ndis::Library& library = ndis::Library::instance();
        if (ndis::MiniportDriver* driver = library.find_miniport_driver(image.driver_object())) {
            std::vector<ndis::Miniport*> adapters;
            {
                std::lock_guard lock(library.mutex);
                adapters = driver->adapters;
            }
            for (ndis::Miniport* m : adapters) remove_adapter_record(*m);
            if (driver->unload_handler != nullptr) driver->unload_handler(image.driver_object());
            else image.run_driver_unload();
        } else {
            for (ndis::Protocol* protocol : library.protocols())
                if (ndis::iequals(protocol->service, image.service()) && protocol->chars.UnloadHandler != nullptr)
                    protocol->chars.UnloadHandler();
            image.run_driver_unload();
        }
        for (ndis::Protocol* protocol : library.protocols()) {
            if (!ndis::iequals(protocol->service, image.service())) continue;
            NDIS_STATUS status;
            NdisDeregisterProtocol(&status, protocol->handle);
        }
        // Work items and DPCs may still be returning through the image's code: let them finish
        // before it is unmapped.
        ntos::stop_workers();
        KeFlushQueuedDpcs();
    }

    void remove_adapter_record(ndis::Miniport& m) {
        if (m.driver->layered) ndis::stop_virtual_device(*m.driver, m.device_name);
        else ndis::halt_miniport(m);
    }
};

Host::Host(HostOptions options) : impl_(std::make_unique<Impl>()) {
    if (options.root.empty()) options.root = registry::default_root();
    impl_->options = std::move(options);
    impl_->registry = std::make_unique<registry::Registry>(impl_->options.root);
    ndis::Library::instance().set_registry(impl_->registry.get());
    ntos::set_registry(impl_->registry.get());
    verifier::apply_switch(*impl_->registry, impl_->options.verify);
    unsigned processors = impl_->options.processors != 0 ? impl_->options.processors : ntos::processor_count();
    ntos::start_processors(processors);
    wsk::start_subsystem();
    impl_->removal_thread = std::thread([this] { impl_->serve_removals(*this); });
    ndis::set_removal_listener([impl = impl_.get()](const std::string& device_name) { impl->queue_removal(device_name); });
}

void Host::set_adapter_removed_handler(std::function<void(const std::string& device_name)> handler) {
    std::lock_guard lock(impl_->removal_mutex);
    impl_->removed_handler = std::move(handler);
}

Host::~Host() {
    impl_->stop_removals();
    while (!impl_->images.empty()) {
        impl_->unload(*impl_->images.back());
        impl_->images.pop_back();
    }
    wsk::stop_subsystem();
    ntos::stop_processors();
    ntos::set_registry(nullptr);
    ndis::Library::instance().reset();
}

registry::Registry& Host::registry() { return *impl_->registry; }

NTSTATUS Host::load_driver(std::string_view service) {
    if (impl_->image(service) != nullptr) return STATUS_OBJECT_NAME_COLLISION;
    std::filesystem::path file = impl_->image_path(service);
    std::string key = std::string(kServicesKey) + std::string(service);
    if (!impl_->registry->key_exists(key)) {
        auto tx = impl_->registry->transaction();
        impl_->registry->set_value(key, "Type", registry::Value::dword(1));   // SERVICE_KERNEL_DRIVER
        impl_->registry->set_value(key, "Start", registry::Value::dword(3));  // SERVICE_DEMAND_START
        impl_->registry->set_value(key, "ImagePath", registry::Value::sz(file.string()));
        tx.commit();
    }
    impl_->last_error.clear();
    auto image = host::DriverImage::map(file, std::string(service), &impl_->last_error);
    if (image == nullptr) return STATUS_INVALID_IMAGE_FORMAT;
    NTSTATUS status = image->run_driver_entry();
    if (!NT_SUCCESS(status)) {
        char text[64];
        std::snprintf(text, sizeof text, "DriverEntry returned 0x%08X", static_cast<unsigned>(status));
        impl_->last_error = file.string() + ": " + text;
        return status;
    }
    impl_->images.push_back(std::move(image));
    return STATUS_SUCCESS;
}

NTSTATUS Host::unload_driver(std::string_view service) {
    for (auto it = impl_->images.begin(); it != impl_->images.end(); ++it) {
        if (!ndis::iequals((*it)->service(), service)) continue;
        impl_->unload(**it);
        impl_->images.erase(it);
        return STATUS_SUCCESS;
    }
    return STATUS_OBJECT_NAME_NOT_FOUND;
}

const std::string& Host::last_error() const { return impl_->last_error; }

void* Host::driver_symbol(std::string_view service, const char* name) const {
    host::DriverImage* image = impl_->image(service);
    return image != nullptr ? image->symbol(name) : nullptr;
}

NDIS_STATUS Host::add_adapter(std::string_view service, const std::map<std::string, registry::Value>& parameters,
                              AdapterInfo* adapter) {
    ndis::MiniportDriver* driver = ndis::Library::instance().find_miniport_driver(service);
    if (driver == nullptr || !driver->registered) return NDIS_STATUS_ADAPTER_NOT_FOUND;
    std::string guid = new_guid();
    std::string key = impl_->next_instance_key();
    {
        auto tx = impl_->registry->transaction();
        impl_->registry->set_value(key, "ComponentId", registry::Value::sz(std::string(service)));
        impl_->registry->set_value(key, "NetCfgInstanceId", registry::Value::sz(guid));
        impl_->registry->set_value(key, "DriverDesc", registry::Value::sz(std::string(service) + " adapter"));
        impl_->registry->set_value(key + "\\Ndi", "Service", registry::Value::sz(std::string(service)));
        for (const auto& [name, value] : parameters) impl_->registry->set_value(key, name, value);
        tx.commit();
    }
    NDIS_STATUS status = start_adapter(service, key, guid, adapter);
    if (status != NDIS_STATUS_SUCCESS) impl_->registry->delete_key(key);
    return status;
}

NDIS_STATUS Host::start_adapter(std::string_view service, std::string_view instance_key, std::string_view instance_id,
                                AdapterInfo* adapter) {
    ndis::MiniportDriver* driver = ndis::Library::instance().find_miniport_driver(service);
    if (driver == nullptr || !driver->registered) return NDIS_STATUS_ADAPTER_NOT_FOUND;
    std::string device_name = "\\Device\\" + std::string(instance_id);
    if (ndis::Library::instance().find_miniport(device_name) != nullptr) return NDIS_STATUS_ALREADY_MAPPED;
    if (driver->layered) {
        // An IM's virtual miniport: initialised now only if the IM already asked for it.
        if (adapter != nullptr) *adapter = AdapterInfo{std::string(service), device_name, std::string(instance_key),
                                                       NdisMedium802_3};
        NDIS_STATUS status = ndis::start_virtual_device(*driver, device_name, instance_key);
        if (ndis::Miniport* m = ndis::Library::instance().find_miniport(device_name); m != nullptr && adapter != nullptr)
            adapter->medium = m->medium;
        return status;
    }
    auto fresh = std::make_unique<ndis::Miniport>();
    fresh->driver = driver;
    fresh->device_name = device_name;
    fresh->device_name_utf16 = ndis::to_utf16(fresh->device_name);
    fresh->instance_key = instance_key;
    ndis::Miniport* m = ndis::Library::instance().add_miniport(std::move(fresh));
    NDIS_STATUS status = ndis::initialize_miniport(*m);
    if (status != NDIS_STATUS_SUCCESS) return status;
    if (adapter != nullptr) *adapter = AdapterInfo{std::string(service), m->device_name, std::string(instance_key), m->medium};
    return NDIS_STATUS_SUCCESS;
}

bool Host::driver_loaded(std::string_view service) const { return impl_->image(service) != nullptr; }

std::vector<std::string> Host::loaded_drivers() const {
    std::vector<std::string> services;
    for (const auto& image : impl_->images) services.push_back(image->service());
    return services;
}

NDIS_STATUS Host::remove_adapter(std::string_view device_name) {
    ndis::Library& library = ndis::Library::instance();
    if (ndis::Miniport* m = library.find_miniport(device_name)) {
        impl_->remove_adapter_record(*m);
        return NDIS_STATUS_SUCCESS;
    }
    // A virtual miniport whose IM has not asked for it (or has let it go) is only a started device.
    for (const std::string& service : loaded_drivers()) {
        ndis::MiniportDriver* driver = library.find_miniport_driver(service);
        if (driver != nullptr && driver->layered && ndis::stop_virtual_device(*driver, device_name))
            return NDIS_STATUS_SUCCESS;
    }
    return NDIS_STATUS_ADAPTER_NOT_FOUND;
}

std::vector<AdapterInfo> Host::adapters() const {
    std::vector<AdapterInfo> out;
    for (ndis::Miniport* m : ndis::Library::instance().miniports())
        if (m->state.load() == ndis::MiniportState::Running)
            out.push_back(AdapterInfo{m->driver->service, m->device_name, m->instance_key, m->medium});
    return out;
}

bool Host::adapter_running(std::string_view device_name) const {
    ndis::Miniport* m = ndis::Library::instance().find_miniport(device_name);
    return m != nullptr && m->state.load() == ndis::MiniportState::Running;
}

NDIS_STATUS Host::bind(std::string_view protocol_service, std::string_view device_name) {
    ndis::Protocol* protocol = ndis::Library::instance().find_protocol(protocol_service);
    ndis::Miniport* m = ndis::Library::instance().find_miniport(device_name);
    if (protocol == nullptr || m == nullptr) return NDIS_STATUS_ADAPTER_NOT_FOUND;
    impl_->registry->create_key(ndis::protocol_binding_key(*protocol, *m));
    return ndis::bind_protocol(*protocol, *m);
}

namespace {
// The protocol's open binding to the adapter; nullptr with `why` set when there is none.
ndis::Open* open_binding(std::string_view protocol_service, std::string_view device_name, NDIS_STATUS& why) {
    ndis::Protocol* protocol = ndis::Library::instance().find_protocol(protocol_service);
    ndis::Miniport* m = ndis::Library::instance().find_miniport(device_name);
    why = NDIS_STATUS_ADAPTER_NOT_FOUND;
    if (protocol == nullptr || m == nullptr) return nullptr;
    why = NDIS_STATUS_ADAPTER_NOT_OPEN;
    std::lock_guard lock(ndis::Library::instance().mutex);
    for (ndis::Open* candidate : protocol->opens)
        if (candidate->miniport == m && candidate->state.load() == ndis::OpenState::Open) return candidate;
    return nullptr;
}
}  // namespace

NDIS_STATUS Host::unbind(std::string_view protocol_service, std::string_view device_name) {
    NDIS_STATUS why = NDIS_STATUS_SUCCESS;
    ndis::Open* open = open_binding(protocol_service, device_name, why);
    return open != nullptr ? ndis::unbind_open(*open) : why;
}

bool Host::bound(std::string_view protocol_service, std::string_view device_name) const {
    NDIS_STATUS why = NDIS_STATUS_SUCCESS;
    return open_binding(protocol_service, device_name, why) != nullptr;
}

void Host::run_at_dispatch(unsigned processor, const std::function<void()>& fn) {
    ntos::run_on_processor(processor, fn);
}

unsigned Host::processor_count() const { return ntos::processor_count(); }

}  // namespace strata
