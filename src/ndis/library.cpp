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

std::string to_utf8(std::u16string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        std::uint32_t c = s[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
            ++i;
        }
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else if (c < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        } else if (c < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (c >> 12)));
            out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (c >> 18)));
            out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
    }
    return out;
}

std::string to_utf8(const UNICODE_STRING& s) {
    if (s.Buffer == nullptr) return {};
    return to_utf8(std::u16string_view(reinterpret_cast<const char16_t*>(s.Buffer), s.Length / sizeof(WCHAR)));
}

std::u16string to_utf16(std::string_view s) {
    std::u16string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        auto b = static_cast<unsigned char>(s[i]);
        std::uint32_t c;
        std::size_t len;
        if (b < 0x80) { c = b; len = 1; }
        else if ((b >> 5) == 6) { c = b & 0x1F; len = 2; }
        else if ((b >> 4) == 14) { c = b & 0x0F; len = 3; }
        else { c = b & 0x07; len = 4; }
        if (i + len > s.size()) break;
        for (std::size_t k = 1; k < len; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        i += len;
        if (c >= 0x10000) {
            c -= 0x10000;
            out.push_back(static_cast<char16_t>(0xD800 + (c >> 10)));
            out.push_back(static_cast<char16_t>(0xDC00 + (c & 0x3FF)));
        } else {
            out.push_back(static_cast<char16_t>(c));
        }
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
    });
}

}  // namespace strata::ndis
