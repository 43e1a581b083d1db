// library.cpp — the NDIS library's process-wide registries (library.h).
#include "ndis/library.h"

#include <algorithm>
#include <cctype>

namespace strata::ndis {
namespace {
thread_local std::string tls_loading_service;
}

Library& Library::instance() {
    static Library library;
    return library;
}

MiniportDriver* Library::add_miniport_driver(std::unique_ptr<MiniportDriver> driver) {
    std::lock_guard lock(mutex);
    miniport_drivers_.push_back(std::move(driver));
    return miniport_drivers_.back().get();
}

Protocol* Library::add_protocol(std::unique_ptr<Protocol> protocol) {
    std::lock_guard lock(mutex);
    protocols_.push_back(std::move(protocol));
    return protocols_.back().get();
}

Miniport* Library::add_miniport(std::unique_ptr<Miniport> miniport) {
    std::lock_guard lock(mutex);
    miniports_.push_back(std::move(miniport));
    return miniports_.back().get();
}

Open* Library::add_open(std::unique_ptr<Open> open) {
    std::lock_guard lock(mutex);
    opens_.push_back(std::move(open));
    return opens_.back().get();
}

MiniportDriver* Library::find_miniport_driver(std::string_view service) {
    std::lock_guard lock(mutex);
    for (auto& d : miniport_drivers_)
        if (d->wrapper_handle != nullptr && iequals(d->service, service)) return d.get();
    return nullptr;
}

MiniportDriver* Library::find_miniport_driver(PDRIVER_OBJECT driver_object) {
    std::lock_guard lock(mutex);
    for (auto& d : miniport_drivers_)
        if (d->wrapper_handle != nullptr && d->driver_object == driver_object) return d.get();
    return nullptr;
}

Protocol* Library::find_protocol(std::string_view service_or_name) {
    std::lock_guard lock(mutex);
    for (auto& p : protocols_)
        if (p->handle != nullptr && (iequals(p->service, service_or_name) || iequals(p->name, service_or_name)))
            return p.get();
    return nullptr;
}

Miniport* Library::find_miniport(std::string_view device_name) {
    std::lock_guard lock(mutex);
    for (auto& m : miniports_) {
        auto state = m->state.load();
        if (state != MiniportState::Halted && iequals(m->device_name, device_name)) return m.get();
    }
    return nullptr;
}

Miniport* Library::find_halted_miniport(std::string_view device_name) {
    std::lock_guard lock(mutex);
    for (auto it = miniports_.rbegin(); it != miniports_.rend(); ++it)  // the newest of that name
        if ((*it)->state.load() == MiniportState::Halted && iequals((*it)->device_name, device_name)) return it->get();
    return nullptr;
}

Miniport* Library::find_miniport(const UNICODE_STRING& device_name) { return find_miniport(to_utf8(device_name)); }

std::vector<Miniport*> Library::miniports() {
    std::lock_guard lock(mutex);
    std::vector<Miniport*> out;
    for (auto& m : miniports_)
        if (m->state.load() != MiniportState::Halted) out.push_back(m.get());
    return out;
}

std::vector<Protocol*> Library::protocols() {
    std::lock_guard lock(mutex);
    std::vector<Protocol*> out;
    for (auto& p : protocols_)
        if (p->handle != nullptr) out.push_back(p.get());
    return out;
}

std::vector<Open*> Library::opens() {
    std::lock_guard lock(mutex);
    std::vector<Open*> out;
    for (auto& o : opens_) out.push_back(o.get());
    return out;
}

void Library::set_loading_service(std::string_view service) { tls_loading_service = service; }
std::string Library::loading_service() { return tls_loading_service; }

void Library::reset() {
    std::lock_guard lock(mutex);
    opens_.clear();
    miniports_.clear();
    protocols_.clear();
    miniport_drivers_.clear();
    registry_ = nullptr;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

}  // namespace strata::ndis
