// handle_table.cpp — generation-tagged NDIS handles (handle_table.h).
#include "ndis/handle_table.h"

#include <cstdio>
#include <string>

#include "verifier/verifier.h"

namespace strata::ndis {

const char* handle_kind_name(HandleKind kind) noexcept {
    switch (kind) {
    case HandleKind::None: return "none";
    case HandleKind::Wrapper: return "NdisWrapperHandle";
    case HandleKind::Miniport: return "MiniportAdapterHandle";
    case HandleKind::Protocol: return "NdisProtocolHandle";
    case HandleKind::Open: return "NdisBindingHandle";
    case HandleKind::Configuration: return "ConfigurationHandle";
    case HandleKind::WrapperConfig: return "WrapperConfigurationContext";
    case HandleKind::BindContext: return "BindContext";
    case HandleKind::UnbindContext: return "UnbindContext";
    case HandleKind::LayeredDriver: return "DriverHandle";
    case HandleKind::IoEvent: return "IoEventHandle";
    }
    return "?";
}

constinit HandleTable g_handle_table;

NDIS_HANDLE HandleTable::insert(HandleKind kind, void* object) {
    std::lock_guard lock(mutex_);
    std::uint32_t index;
    if (!free_.empty()) {
        index = free_.back();
        free_.pop_back();
    } else if (used_ < kCapacity) {
        index = used_++;
    } else {
        return nullptr;
    }
    Slot& slot = slots_[index];
    slot.generation = (slot.generation + 1) & 0x00FF'FFFFu;
    if (slot.generation == 0) slot.generation = 1;
    std::uint32_t tag = (static_cast<std::uint32_t>(kind) << 24) | slot.generation;
    slot.kind.store(kind, std::memory_order_relaxed);
    slot.object.store(object, std::memory_order_release);
    slot.tag.store(tag, std::memory_order_release);
    auto value = (static_cast<std::uintptr_t>(tag) << 32) | (index + 1);
    return reinterpret_cast<NDIS_HANDLE>(value);
}

void HandleTable::erase(NDIS_HANDLE handle) noexcept {
    auto value = reinterpret_cast<std::uintptr_t>(handle);
    auto index = static_cast<std::uint32_t>(value & 0xFFFF'FFFFu);
    if (index == 0 || index > kCapacity) return;
    std::lock_guard lock(mutex_);
    Slot& slot = slots_[index - 1];
    if (slot.tag.load(std::memory_order_relaxed) != (value >> 32)) return;
    slot.tag.store(0, std::memory_order_release);
    slot.object.store(nullptr, std::memory_order_release);
    slot.kind.store(HandleKind::None, std::memory_order_relaxed);
    free_.push_back(index - 1);
}

HandleKind HandleTable::kind_of(NDIS_HANDLE handle) const noexcept {
    auto value = reinterpret_cast<std::uintptr_t>(handle);
    auto index = static_cast<std::uint32_t>(value & 0xFFFF'FFFFu);
    if (index == 0 || index > kCapacity) return HandleKind::None;
    const Slot& slot = slots_[index - 1];
    if (slot.tag.load(std::memory_order_acquire) != (value >> 32)) return HandleKind::None;
    return slot.kind.load(std::memory_order_relaxed);
}

void report_invalid_handle(NDIS_HANDLE handle, HandleKind expected, const char* function) noexcept {
    HandleKind actual = HandleTable::instance().kind_of(handle);
    char message[200];
    if (handle == nullptr) {
        std::snprintf(message, sizeof message, "%s: NULL %s", function, handle_kind_name(expected));
    } else if (actual == HandleKind::None) {
        std::snprintf(message, sizeof message, "%s: %s %p is not open (closed, or never issued)", function,
                      handle_kind_name(expected), handle);
    } else {
        std::snprintf(message, sizeof message, "%s: handle %p is a %s, not a %s", function, handle,
                      handle_kind_name(actual), handle_kind_name(expected));
    }
    verifier::report(verifier::Rule::InvalidHandle, "", handle, message);
}

}  // namespace strata::ndis
