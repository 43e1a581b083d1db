// immortal.h — process-lifetime state for ntos singletons (DESIGN.md "Execution model"). The
// object is never destroyed, so a processor, timer or worker thread still running while the
// process exits never touches a dead object; runtime.cpp joins those threads at teardown.
#pragma once

#include <memory>
#include <new>
#include <utility>

namespace strata::ntos {

template <class T>
class Immortal {
public:
    template <class... Args>
    explicit Immortal(Args&&... args) {
        std::construct_at(reinterpret_cast<T*>(storage_), std::forward<Args>(args)...);
    }
    Immortal(const Immortal&) = delete;
    Immortal& operator=(const Immortal&) = delete;

    T& operator*() noexcept { return *get(); }
    T* operator->() noexcept { return get(); }

private:
    T* get() noexcept { return std::launder(reinterpret_cast<T*>(storage_)); }
    alignas(T) unsigned char storage_[sizeof(T)];
};

}  // namespace strata::ntos
