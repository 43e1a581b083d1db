// io_resolve.cpp — name resolution for WskGetAddressInfo and WskGetNameInfo (issue 5), on the
// Linux side (io.h): getaddrinfo and getnameinfo with Windows' AI_*/NI_* flags and address
// families translated. Both may block on DNS, so only worker threads call them.
#include <netdb.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>

#include "wsk/io.h"

namespace strata::wsk::io {
namespace {

// Windows flag values (ws2def.h) → Linux's.
struct FlagPair {
    int windows;
    int linux_value;
};
constexpr FlagPair kAddressFlags[] = {
    {0x0001, AI_PASSIVE}, {0x0002, AI_CANONNAME}, {0x0004, AI_NUMERICHOST}, {0x0008, AI_NUMERICSERV},
    {0x0100, AI_ALL},     {0x0400, AI_ADDRCONFIG}, {0x0800, AI_V4MAPPED},
};
constexpr FlagPair kNameFlags[] = {
    {0x01, NI_NOFQDN}, {0x02, NI_NUMERICHOST}, {0x04, NI_NAMEREQD}, {0x08, NI_NUMERICSERV}, {0x10, NI_DGRAM},
};

template <std::size_t N>
bool translate(int windows, const FlagPair (&table)[N], int& out) {
    out = 0;
    for (const FlagPair& pair : table) {
        if (windows & pair.windows) {
            out |= pair.linux_value;
            windows &= ~pair.windows;
        }
    }
    return windows == 0;
}

ResolveError error_of(int eai) {
    switch (eai) {
        case 0: return ResolveError::None;
        case EAI_NONAME:
        case EAI_NODATA:
        case EAI_SERVICE: return ResolveError::NotFound;
        case EAI_FAMILY:
        case EAI_SOCKTYPE:
        case EAI_ADDRFAMILY: return ResolveError::BadFamily;
        case EAI_BADFLAGS: return ResolveError::BadFlags;
        case EAI_MEMORY: return ResolveError::NoMemory;
        case EAI_AGAIN: return ResolveError::TryAgain;
    }
    return ResolveError::Failed;
}

struct AddrinfoDeleter {
    void operator()(addrinfo* list) const noexcept { freeaddrinfo(list); }
};

}  // namespace

ResolveError resolve(const char* node, const char* service, int windows_flags, int windows_family, int socktype,
                     int protocol, std::vector<Found>& found, std::string& canonical) {
    addrinfo hints{};
    if (!translate(windows_flags, kAddressFlags, hints.ai_flags)) return ResolveError::BadFlags;
    hints.ai_family = windows_family == 0 ? AF_UNSPEC : linux_family(windows_family);
    if (hints.ai_family < 0) return ResolveError::BadFamily;
    hints.ai_socktype = socktype;
    hints.ai_protocol = protocol;
    addrinfo* raw = nullptr;
    int rc = getaddrinfo(node, service, &hints, &raw);
    std::unique_ptr<addrinfo, AddrinfoDeleter> list(raw);
    if (rc != 0) return error_of(rc);
    for (addrinfo* entry = list.get(); entry != nullptr; entry = entry->ai_next) {
        if (entry->ai_family != AF_INET && entry->ai_family != AF_INET6) continue;
        Found one;
        std::memcpy(one.address.bytes, entry->ai_addr, entry->ai_addrlen);
        one.address.length = entry->ai_addrlen;
        one.socktype = entry->ai_socktype;
        one.protocol = entry->ai_protocol;
        found.push_back(one);
        if (entry == list.get() && entry->ai_canonname != nullptr) canonical = entry->ai_canonname;
    }
    return found.empty() ? ResolveError::NotFound : ResolveError::None;
}

ResolveError name_of(const Address& address, int windows_flags, std::string* host, std::string* service) {
    int flags = 0;
    if (!translate(windows_flags, kNameFlags, flags)) return ResolveError::BadFlags;
    char host_buffer[NI_MAXHOST];
    char service_buffer[NI_MAXSERV];
    int rc = getnameinfo(reinterpret_cast<const sockaddr*>(address.bytes), address.length,
                         host != nullptr ? host_buffer : nullptr, host != nullptr ? sizeof host_buffer : 0,
                         service != nullptr ? service_buffer : nullptr, service != nullptr ? sizeof service_buffer : 0,
                         flags);
    if (rc != 0) return error_of(rc);
    if (host != nullptr) *host = host_buffer;
    if (service != nullptr) *service = service_buffer;
    return ResolveError::None;
}

}  // namespace strata::wsk::io
