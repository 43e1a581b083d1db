// record.h — CONTAINING_RECORD for library code (seed 003 §2.2 lists and queues): ntdef.h's macro
// takes a member of a null pointer, which UBSan rejects in C++; offsetof gives the same address.
#pragma once

#include <cstddef>

namespace strata::ntos {

// The object of type T whose member at byte `offset` (an offsetof value) is at `field`.
template <class T>
T* containing_record(void* field, std::size_t offset) noexcept {
    return reinterpret_cast<T*>(static_cast<unsigned char*>(field) - offset);
}

}  // namespace strata::ntos
