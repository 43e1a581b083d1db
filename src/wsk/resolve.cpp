// resolve.cpp — WskGetAddressInfo, WskFreeAddressInfo and WskGetNameInfo (issue 5), the Windows
// side: arguments checked on the caller's thread, the lookup (io_resolve.cpp, which may block on
// DNS) on a passive worker thread, and the IRP completed from there. A result list is one pool
// block — the ADDRINFOEXW entries, their SOCKADDRs and the canonical name — so WskFreeAddressInfo
// frees it with one call.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "ntos/check.h"
#include "ntos/irql.h"
#include "ntos/string.h"
#include "ntos/work_item.h"
#include "verifier/verifier.h"
#include "wsk/socket.h"

namespace strata::wsk {
namespace {

constexpr ULONG kAddressInfoTag = 0x616B7357;  // 'Wska'

NTSTATUS status_of(io::ResolveError error) noexcept {
    switch (error) {
        case io::ResolveError::None: return STATUS_SUCCESS;
        case io::ResolveError::NotFound: return STATUS_NOT_FOUND;
        case io::ResolveError::BadFamily: return STATUS_NOT_SUPPORTED;
        case io::ResolveError::BadFlags: return STATUS_INVALID_PARAMETER;
        case io::ResolveError::NoMemory: return STATUS_INSUFFICIENT_RESOURCES;
        case io::ResolveError::TryAgain: return STATUS_IO_TIMEOUT;
        case io::ResolveError::Failed: break;
    }
    return STATUS_UNSUCCESSFUL;
}

std::size_t align8(std::size_t n) noexcept { return (n + 7) & ~std::size_t{7}; }

// The found addresses as one pool block of ADDRINFOEXW entries; null when the pool is exhausted.
PADDRINFOEXW build_list(const std::vector<io::Found>& found, const std::string& canonical) {
    std::u16string canonical_name = ntos::to_utf16(canonical);
    std::size_t name_bytes = canonical.empty() ? 0 : (canonical_name.size() + 1) * sizeof(WCHAR);
    std::size_t entry_bytes = align8(sizeof(ADDRINFOEXW)) + align8(sizeof(SOCKADDR_STORAGE));
    auto* block = static_cast<std::uint8_t*>(
        ExAllocatePoolWithTag(NonPagedPool, entry_bytes * found.size() + name_bytes, kAddressInfoTag));
    if (block == nullptr) return nullptr;
    PADDRINFOEXW previous = nullptr;
    for (std::size_t i = 0; i < found.size(); ++i) {
        auto* entry = reinterpret_cast<PADDRINFOEXW>(block + i * entry_bytes);
        auto* address = reinterpret_cast<SOCKADDR*>(block + i * entry_bytes + align8(sizeof(ADDRINFOEXW)));
        std::memset(entry, 0, entry_bytes);
        entry->ai_addrlen = io::to_windows(found[i].address, address);
        entry->ai_addr = address;
        entry->ai_family = address->sa_family;
        entry->ai_socktype = found[i].socktype;
        entry->ai_protocol = found[i].protocol;
        if (previous != nullptr) previous->ai_next = entry;
        previous = entry;
    }
    if (name_bytes != 0) {
        auto* name = reinterpret_cast<PWSTR>(block + entry_bytes * found.size());
        std::memcpy(name, canonical_name.c_str(), name_bytes);
        reinterpret_cast<PADDRINFOEXW>(block)->ai_canonname = name;
    }
    return reinterpret_cast<PADDRINFOEXW>(block);
}

// A WskGetAddressInfo call on its way through a worker.
struct AddressLookup {
    ntos::WorkRequest work{};
    PIRP irp = nullptr;
    PADDRINFOEXW* result = nullptr;
    std::string node, service;
    bool has_node = false, has_service = false;
    int flags = 0, family = 0, socktype = 0, protocol = 0;
};

void look_up_address(ntos::WorkRequest& work) {
    std::unique_ptr<AddressLookup> lookup(CONTAINING_RECORD(&work, AddressLookup, work));
    std::vector<io::Found> found;
    std::string canonical;
    io::ResolveError error =
        io::resolve(lookup->has_node ? lookup->node.c_str() : nullptr,
                    lookup->has_service ? lookup->service.c_str() : nullptr, lookup->flags, lookup->family,
                    lookup->socktype, lookup->protocol, found, canonical);
    NTSTATUS status = status_of(error);
    if (NT_SUCCESS(status)) {
        *lookup->result = build_list(found, canonical);
        if (*lookup->result == nullptr) status = STATUS_INSUFFICIENT_RESOURCES;
    }
    complete_irp(lookup->irp, status, 0);
}

// A WskGetNameInfo call on its way through a worker.
struct NameLookup {
    ntos::WorkRequest work{};
    PIRP irp = nullptr;
    io::Address address;
    PUNICODE_STRING node = nullptr;
    PUNICODE_STRING service = nullptr;
    int flags = 0;
};

// Copies `text` into a caller's UNICODE_STRING buffer (NUL-terminated when it fits).
bool fill(PUNICODE_STRING out, const std::string& text) {
    std::u16string wide = ntos::to_utf16(text);
    std::size_t bytes = wide.size() * sizeof(WCHAR);
    if (out->Buffer == nullptr || bytes > out->MaximumLength) return false;
    std::memcpy(out->Buffer, wide.data(), bytes);
    if (bytes + sizeof(WCHAR) <= out->MaximumLength) out->Buffer[wide.size()] = 0;
    out->Length = static_cast<USHORT>(bytes);
    return true;
}

void look_up_name(ntos::WorkRequest& work) {
    std::unique_ptr<NameLookup> lookup(CONTAINING_RECORD(&work, NameLookup, work));
    std::string host, service;
    io::ResolveError error = io::name_of(lookup->address, lookup->flags, lookup->node != nullptr ? &host : nullptr,
                                         lookup->service != nullptr ? &service : nullptr);
    NTSTATUS status = status_of(error);
    if (NT_SUCCESS(status) && ((lookup->node != nullptr && !fill(lookup->node, host)) ||
                               (lookup->service != nullptr && !fill(lookup->service, service))))
        status = STATUS_BUFFER_TOO_SMALL;
    complete_irp(lookup->irp, status, 0);
}

bool name_space_supported(ULONG name_space) noexcept {
    return name_space == NS_ALL || name_space == NS_DNS || name_space == NS_TCPIP_HOSTS ||
           name_space == NS_TCPIP_LOCAL;
}

}  // namespace

/* WskGetAddressInfo (wsk.h) — IRQL == PASSIVE_LEVEL. NameSpace NS_ALL, NS_DNS or the local/hosts
 * name spaces; no Provider. *Result is freed with WskFreeAddressInfo. */
NTSTATUS WSKAPI get_address_info(PWSK_CLIENT Client, PUNICODE_STRING NodeName, PUNICODE_STRING ServiceName,
                                 ULONG NameSpace, GUID* Provider, PADDRINFOEXW Hints, PADDRINFOEXW* Result,
                                 PEPROCESS OwningProcess, PETHREAD OwningThread, PIRP Irp) {
    (void)OwningProcess;
    (void)OwningThread;
    ntos::irql_at_most(PASSIVE_LEVEL, "WskGetAddressInfo", Irp);
    if (!take_irp(Irp, "WskGetAddressInfo")) return STATUS_INVALID_PARAMETER;
    if (client_from(Client, "WskGetAddressInfo") == nullptr || Result == nullptr ||
        (NodeName == nullptr && ServiceName == nullptr))
        return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    *Result = nullptr;
    if (!name_space_supported(NameSpace) || Provider != nullptr) return complete_irp(Irp, STATUS_NOT_SUPPORTED, 0);
    auto lookup = std::make_unique<AddressLookup>();
    lookup->irp = Irp;
    lookup->result = Result;
    lookup->has_node = NodeName != nullptr;
    lookup->has_service = ServiceName != nullptr;
    if (NodeName != nullptr) lookup->node = ntos::to_utf8(*NodeName);
    if (ServiceName != nullptr) lookup->service = ntos::to_utf8(*ServiceName);
    if (Hints != nullptr) {
        lookup->flags = Hints->ai_flags;
        lookup->family = Hints->ai_family;
        lookup->socktype = Hints->ai_socktype;
        lookup->protocol = Hints->ai_protocol;
    }
    IoMarkIrpPending(Irp);
    lookup->work.routine = look_up_address;
    ntos::queue_work(lookup.release()->work);
    return STATUS_PENDING;
}

/* WskFreeAddressInfo (wsk.h) — IRQL == PASSIVE_LEVEL. */
VOID WSKAPI free_address_info(PWSK_CLIENT Client, PADDRINFOEXW AddrInfo) {
    if (client_from(Client, "WskFreeAddressInfo") == nullptr) return;
    if (AddrInfo == nullptr) {
        ntos::report_violation(verifier::Rule::NullParameter, nullptr, "WskFreeAddressInfo", "AddrInfo is NULL");
        return;
    }
    ExFreePoolWithTag(AddrInfo, kAddressInfoTag);
}

/* WskGetNameInfo (wsk.h) — IRQL == PASSIVE_LEVEL. NodeName and ServiceName are caller buffers
 * (MaximumLength bytes); at least one of them. */
NTSTATUS WSKAPI get_name_info(PWSK_CLIENT Client, PSOCKADDR SockAddr, ULONG SockAddrLength, PUNICODE_STRING NodeName,
                              PUNICODE_STRING ServiceName, ULONG Flags, PEPROCESS OwningProcess,
                              PETHREAD OwningThread, PIRP Irp) {
    (void)OwningProcess;
    (void)OwningThread;
    ntos::irql_at_most(PASSIVE_LEVEL, "WskGetNameInfo", Irp);
    if (!take_irp(Irp, "WskGetNameInfo")) return STATUS_INVALID_PARAMETER;
    auto lookup = std::make_unique<NameLookup>();
    if (client_from(Client, "WskGetNameInfo") == nullptr || SockAddr == nullptr ||
        (NodeName == nullptr && ServiceName == nullptr))
        return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    std::size_t needed = SockAddr->sa_family == AF_INET6 ? sizeof(SOCKADDR_IN6) : sizeof(SOCKADDR_IN);
    if (SockAddrLength < needed || !io::from_windows(SockAddr, lookup->address))
        return complete_irp(Irp, STATUS_INVALID_PARAMETER, 0);
    lookup->irp = Irp;
    lookup->node = NodeName;
    lookup->service = ServiceName;
    lookup->flags = static_cast<int>(Flags);
    IoMarkIrpPending(Irp);
    lookup->work.routine = look_up_name;
    ntos::queue_work(lookup.release()->work);
    return STATUS_PENDING;
}

}  // namespace strata::wsk
