// object.cpp — object references and kernel handles (wdm.h; seeds 000/002 client threads):
// ObReferenceObjectByHandle, ObfReferenceObject, ObfDereferenceObject and ZwClose over one table
// of live objects and open handles. Kernel handles look like Windows' (sign-extended, high bit
// set, multiples of 4), so a driver printing one sees a familiar value.
#include "ntos/object.h"

#include <cstdio>
#include <mutex>
#include <new>
#include <unordered_map>

#include "ntos/check.h"
#include "ntos/immortal.h"
#include "ntos/irql.h"

namespace strata::ntos {

class ObjectTable {
public:
    static ObjectTable& get() noexcept {
        static Immortal<ObjectTable> instance;
        return *instance;
    }

    bool insert(Object& object) noexcept {
        try {
            std::lock_guard guard(mutex_);
            bodies_.emplace(object.body(), &object);
            return true;
        } catch (const std::bad_alloc&) {
            return false;
        }
    }

    // The object whose body is `body` with one more reference (`count` gets the new total), or
    // nullptr if no live object has that body.
    Object* reference_body(const void* body, LONG_PTR* count = nullptr) noexcept {
        std::lock_guard guard(mutex_);
        auto found = bodies_.find(body);
        if (found == bodies_.end()) return nullptr;
        LONG_PTR now = ++found->second->references_;
        if (count != nullptr) *count = now;
        return found->second;
    }

    // -1 for an unknown body; otherwise the references left (the object is gone at 0).
    LONG_PTR dereference_body(const void* body) noexcept {
        Object* doomed = nullptr;
        LONG_PTR left;
        {
            std::lock_guard guard(mutex_);
            auto found = bodies_.find(body);
            if (found == bodies_.end()) return -1;
            left = drop_locked(*found->second, doomed);
        }
        delete doomed;
        return left;
    }

    LONG_PTR dereference(Object& object) noexcept {
        Object* doomed = nullptr;
        LONG_PTR left;
        {
            std::lock_guard guard(mutex_);
            left = drop_locked(object, doomed);
        }
        delete doomed;
        return left;
    }

    HANDLE open(Object& object, ACCESS_MASK access) noexcept {
        try {
            std::lock_guard guard(mutex_);
            ULONG_PTR value = kKernelHandleBits | (next_handle_++ << 2);
            handles_.emplace(value, Handle{&object, access});
            ++object.references_;
            return reinterpret_cast<HANDLE>(value);
        } catch (const std::bad_alloc&) {
            return nullptr;
        }
    }

    Object* reference_handle(HANDLE handle, ACCESS_MASK* granted) noexcept {
        std::lock_guard guard(mutex_);
        auto found = handles_.find(reinterpret_cast<ULONG_PTR>(handle));
        if (found == handles_.end()) return nullptr;
        *granted = found->second.access;
        ++found->second.object->references_;
        return found->second.object;
    }

    bool close(HANDLE handle) noexcept {
        Object* doomed = nullptr;
        {
            std::lock_guard guard(mutex_);
            auto found = handles_.find(reinterpret_cast<ULONG_PTR>(handle));
            if (found == handles_.end()) return false;
            drop_locked(*found->second.object, doomed);
            handles_.erase(found);
        }
        delete doomed;
        return true;
    }

private:
    // One reference less; at none the object leaves the table and `doomed` names it, to be
    // deleted once the lock is released (its destructor may take other locks).
    LONG_PTR drop_locked(Object& object, Object*& doomed) noexcept {
        LONG_PTR left = --object.references_;
        if (left == 0) {
            bodies_.erase(object.body());
            doomed = &object;
        }
        return left;
    }

    // Windows kernel handles: the top bit set, sign-extended to 64 bits.
    static constexpr ULONG_PTR kKernelHandleBits = 0xFFFFFFFF80000000ULL;

    struct Handle {
        Object* object;
        ACCESS_MASK access;
    };

    std::mutex mutex_;
    std::unordered_map<const void*, Object*> bodies_;
    std::unordered_map<ULONG_PTR, Handle> handles_;
    ULONG_PTR next_handle_ = 1;
};

bool insert_object(Object& object) noexcept { return ObjectTable::get().insert(object); }

LONG_PTR dereference_object(Object& object) noexcept { return ObjectTable::get().dereference(object); }

HANDLE create_handle(Object& object, ACCESS_MASK access) noexcept { return ObjectTable::get().open(object, access); }

}  // namespace strata::ntos

using namespace strata::ntos;
using strata::verifier::Rule;

/* ObReferenceObjectByHandle (wdm.h) — seeds 000/002 — IRQL == PASSIVE_LEVEL
 * *Object = the object behind Handle (or NtCurrentThread()), with a reference the caller drops
 * with ObDereferenceObject. STATUS_INVALID_HANDLE (reported) for a handle that is not open,
 * STATUS_OBJECT_TYPE_MISMATCH when ObjectType is given and differs. Kernel-mode semantics for
 * either AccessMode: DesiredAccess is not checked; HandleInformation gets the granted access. */
extern "C" NTSTATUS NTAPI ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                                    KPROCESSOR_MODE AccessMode, PVOID* Object,
                                                    POBJECT_HANDLE_INFORMATION HandleInformation) {
    (void)DesiredAccess;
    (void)AccessMode;
    if (!non_null(Object, "ObReferenceObjectByHandle")) return STATUS_INVALID_PARAMETER;
    *Object = nullptr;
    irql_at_most(PASSIVE_LEVEL, "ObReferenceObjectByHandle", Handle);
    ObjectTable& table = ObjectTable::get();
    strata::ntos::Object* object;
    ACCESS_MASK granted = THREAD_ALL_ACCESS;
    if (Handle == NtCurrentThread())
        object = table.reference_body(PsGetCurrentThread());
    else
        object = table.reference_handle(Handle, &granted);
    if (object == nullptr) {
        char what[64];
        std::snprintf(what, sizeof what, "handle %p is not open", Handle);
        report_violation(Rule::InvalidHandle, Handle, "ObReferenceObjectByHandle", what);
        return STATUS_INVALID_HANDLE;
    }
    if (ObjectType != nullptr && object->type() != ObjectType) {
        table.dereference(*object);
        return STATUS_OBJECT_TYPE_MISMATCH;
    }
    *Object = object->body();
    if (HandleInformation != nullptr) *HandleInformation = OBJECT_HANDLE_INFORMATION{0, granted};
    return STATUS_SUCCESS;
}

/* ObfReferenceObject (wdm.h; ObReferenceObject) — seeds 000/002 — IRQL <= DISPATCH_LEVEL
 * One more reference to an object Strata made (a thread); returns the new count. Any other
 * pointer is reported and 0 returned. */
extern "C" LONG_PTR FASTCALL ObfReferenceObject(PVOID Object) {
    if (!non_null(Object, "ObReferenceObject")) return 0;
    irql_at_most(DISPATCH_LEVEL, "ObReferenceObject", Object);
    LONG_PTR count = 0;
    if (ObjectTable::get().reference_body(Object, &count) == nullptr)
        report_violation(Rule::InvalidHandle, Object, "ObReferenceObject", "not a live object");
    return count;
}

/* ObfDereferenceObject (wdm.h; ObDereferenceObject) — seeds 000/002 — IRQL <= DISPATCH_LEVEL
 * Drops a reference; the object goes away with its last reference and last handle. Returns the
 * references left; an unknown pointer (never an object, or already gone) is reported, 0. */
extern "C" LONG_PTR FASTCALL ObfDereferenceObject(PVOID Object) {
    if (!non_null(Object, "ObDereferenceObject")) return 0;
    irql_at_most(DISPATCH_LEVEL, "ObDereferenceObject", Object);
    LONG_PTR left = ObjectTable::get().dereference_body(Object);
    if (left >= 0) return left;
    report_violation(Rule::InvalidHandle, Object, "ObDereferenceObject",
                     "not a live object (dereferenced more often than referenced?)");
    return 0;
}

/* ZwClose (wdm.h) — seeds 000/002 — IRQL == PASSIVE_LEVEL
 * Closes a kernel handle, dropping its reference. STATUS_INVALID_HANDLE (reported; Windows
 * bugchecks INVALID_KERNEL_HANDLE) for a handle that is not open. */
extern "C" NTSTATUS NTAPI ZwClose(HANDLE Handle) {
    irql_at_most(PASSIVE_LEVEL, "ZwClose", Handle);
    if (ObjectTable::get().close(Handle)) return STATUS_SUCCESS;
    char what[64];
    std::snprintf(what, sizeof what, "handle %p is not open", Handle);
    report_violation(Rule::InvalidHandle, Handle, "ZwClose", what);
    return STATUS_INVALID_HANDLE;
}
