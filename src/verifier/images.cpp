// images.cpp — driver image address ranges (images.h), from the ELF program headers of each
// image dl_iterate_phdr reports.
#include "verifier/images.h"

#include <dlfcn.h>
#include <link.h>

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "ntos/immortal.h"

namespace strata::verifier {
namespace {

struct Range {
    std::uintptr_t begin;
    std::uintptr_t end;
    ImageId id;
};

struct Images {
    std::shared_mutex mutex;
    std::vector<Range> mapped;
    std::vector<std::string> services{""};  // by id; [0] is "no driver"
};

Images& images() {
    static ntos::Immortal<Images> instance;  // used by pool frees during static destruction
    return *instance;
}

struct Search {
    std::uintptr_t base;
    std::uintptr_t begin = 0;
    std::uintptr_t end = 0;
};

int find_segments(dl_phdr_info* info, std::size_t, void* data) {
    auto* search = static_cast<Search*>(data);
    if (info->dlpi_addr != search->base) return 0;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD) continue;
        std::uintptr_t begin = info->dlpi_addr + ph.p_vaddr;
        std::uintptr_t end = begin + ph.p_memsz;
        search->begin = search->begin == 0 ? begin : std::min(search->begin, begin);
        search->end = std::max(search->end, end);
    }
    return search->end != 0 ? 1 : 0;
}

}  // namespace

ImageId add_image(void* handle, const std::string& service) {
    link_map* map = nullptr;
    if (handle == nullptr || ::dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || map == nullptr) return 0;
    Search search{map->l_addr};
    if (::dl_iterate_phdr(find_segments, &search) == 0) return 0;
    Images& s = images();
    std::unique_lock lock(s.mutex);
    auto id = static_cast<ImageId>(s.services.size());
    s.services.push_back(service);
    s.mapped.push_back({search.begin, search.end, id});
    return id;
}

void remove_image(ImageId id) {
    Images& s = images();
    std::unique_lock lock(s.mutex);
    std::erase_if(s.mapped, [&](const Range& r) { return r.id == id; });
}

ImageId image_at(const void* address) noexcept {
    auto at = reinterpret_cast<std::uintptr_t>(address);
    Images& s = images();
    std::shared_lock lock(s.mutex);
    for (const Range& r : s.mapped)
        if (at >= r.begin && at < r.end) return r.id;
    return 0;
}

std::string image_service(ImageId id) {
    Images& s = images();
    std::shared_lock lock(s.mutex);
    return id < s.services.size() ? s.services[id] : std::string();
}

std::string driver_at(const void* address) { return image_service(image_at(address)); }

}  // namespace strata::verifier
