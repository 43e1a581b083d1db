// object.h — the object manager a WSK client driver needs (wdm.h; seeds 000/002 client threads):
// reference-counted kernel objects, the kernel handle table behind ZwClose and
// ObReferenceObjectByHandle, and object types. Not a packet path: one mutex guards it all.
#pragma once

#include <wdm.h>

// An object type (*PsThreadType); drivers only compare and pass the pointer.
struct _OBJECT_TYPE {
    const char* name;
};

namespace strata::ntos {

// A kernel object: `body()` is what drivers hold (a PETHREAD, ...). Created with one reference,
// the creator's; destroyed when the last reference (handles count as references) is dropped.
class Object {
public:
    virtual ~Object() = default;
    Object(const Object&) = delete;
    Object& operator=(const Object&) = delete;

    virtual void* body() noexcept = 0;
    POBJECT_TYPE type() const noexcept { return type_; }

protected:
    explicit Object(POBJECT_TYPE type) noexcept : type_(type) {}

private:
    friend class ObjectTable;
    POBJECT_TYPE type_;
    LONG_PTR references_ = 1;  // guarded by the table's mutex
};

// Makes `object` (holding its creator's reference) known to ObReferenceObject and handles.
// False when out of memory: the object is then not inserted and still the caller's to delete.
bool insert_object(Object& object) noexcept;

// Drops one reference to an inserted object, deleting it when none is left. Any IRQL <=
// DISPATCH_LEVEL, any thread. Returns the references left.
LONG_PTR dereference_object(Object& object) noexcept;

// A new kernel handle to an inserted object (the handle holds a reference) granting `access`;
// nullptr when out of memory. ZwClose closes it.
HANDLE create_handle(Object& object, ACCESS_MASK access) noexcept;

}  // namespace strata::ntos
