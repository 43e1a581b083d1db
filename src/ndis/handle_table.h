// handle_table.h — the one checked way from an NDIS_HANDLE to its private object (STYLE 3).
// Handles are generation-tagged slot indices, not pointers: a handle used after its object was
// closed, or a handle of the wrong kind, is detected and reported instead of dereferenced.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include <ndis.h>

namespace strata::ndis {

enum class HandleKind : std::uint8_t {
    None = 0,
    Wrapper,         // NdisMInitializeWrapper: one per miniport driver image
    Miniport,        // MiniportAdapterHandle
    Protocol,        // NdisProtocolHandle
    Open,            // NdisBindingHandle
    Configuration,   // NdisOpenConfiguration and sub-keys
    WrapperConfig,   // WrapperConfigurationContext passed to MiniportInitialize
    BindContext,     // ProtocolBindAdapter's BindContext
    UnbindContext,   // ProtocolUnbindAdapter's UnbindContext
    LayeredDriver,   // NdisIMRegisterLayeredMiniport's DriverHandle
    IoEvent,         // StrataRegisterIoEvent's IoEventHandle
};

const char* handle_kind_name(HandleKind kind) noexcept;

class HandleTable {
public:
    static constexpr std::uint32_t kCapacity = 1u << 16;

    // Registers `object` and returns its handle. Slow path (registration, open, config).
    NDIS_HANDLE insert(HandleKind kind, void* object);
    // Retires the handle: later lookups of it fail.
    void erase(NDIS_HANDLE handle) noexcept;
    // The object behind `handle` if it is live and of `kind`, else nullptr. Lock-free.
    void* find(NDIS_HANDLE handle, HandleKind kind) const noexcept {
        auto value = reinterpret_cast<std::uintptr_t>(handle);
        auto index = static_cast<std::uint32_t>(value & 0xFFFF'FFFFu);
        if (index == 0 || index > kCapacity) return nullptr;
        const Slot& slot = slots_[index - 1];
        if (slot.tag.load(std::memory_order_acquire) != (value >> 32)) return nullptr;
        if (slot.kind.load(std::memory_order_relaxed) != kind) return nullptr;
        return slot.object.load(std::memory_order_acquire);
    }
    // The kind of a live handle, or None (for error messages).
    HandleKind kind_of(NDIS_HANDLE handle) const noexcept;

    static HandleTable& instance() noexcept;

private:
    struct Slot {
        std::atomic<std::uint32_t> tag{0};  // (kind << 24) | generation; 0 = free
        std::atomic<HandleKind> kind{HandleKind::None};
        std::atomic<void*> object{nullptr};
        std::uint32_t generation = 0;
    };
    std::array<Slot, kCapacity> slots_{};
    std::mutex mutex_;
    std::vector<std::uint32_t> free_;
    std::uint32_t used_ = 0;
};

// The process's table: constant-initialised, so lookups on the data path need no guard check.
extern constinit HandleTable g_handle_table;
inline HandleTable& HandleTable::instance() noexcept { return g_handle_table; }

// Looks up a handle of a given kind and reports Rule::InvalidHandle (naming `function`) when it
// is not live; returns nullptr then. T is the private object type.
template <typename T>
T* lookup(NDIS_HANDLE handle, HandleKind kind, const char* function) noexcept;

void report_invalid_handle(NDIS_HANDLE handle, HandleKind expected, const char* function) noexcept;

template <typename T>
inline T* lookup(NDIS_HANDLE handle, HandleKind kind, const char* function) noexcept {
    if (void* object = HandleTable::instance().find(handle, kind)) return static_cast<T*>(object);
    report_invalid_handle(handle, kind, function);
    return nullptr;
}

}  // namespace strata::ndis
