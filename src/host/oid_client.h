// oid_client.h — the host's own NDIS protocol "StrataOid" (seed 003 §2.3.1.2, §2.4.1, §2.4.3.1,
// §2.11): it issues one OID query or set to an adapter or virtual miniport through a short-lived
// open of its own — NdisOpenAdapter, NdisRequest, NdisCloseAdapter, each waited for when it
// pends — for `strata oid`. The binding engine never binds it (ProtocolBindAdapter refuses).
//
// Because the request goes through an open, NDIS answers the OIDs it keeps per open itself
// (OID_GEN_CURRENT_PACKET_FILTER, OID_GEN_CURRENT_LOOKAHEAD, OID_802_3_MULTICAST_LIST,
// OID_GEN_PROTOCOL_OPTIONS; request.cpp answer_for_open): a query shows this open's value and
// a set lasts until this open closes, as for any protocol.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <ndis.h>

namespace strata::host {

// An open that failed or an NDIS call that did not complete in time: one line naming the call,
// the device and the status.
class OidError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What NdisRequest answered (also a failure status: the caller names it).
struct OidResult {
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    ULONG bytes = 0;         // BytesWritten (query) or BytesRead (set)
    ULONG bytes_needed = 0;  // BytesNeeded
    ULONG buffer_length = 0; // the InformationBufferLength that was passed
    std::vector<std::uint8_t> data;  // a query's answer: the first `bytes` bytes of the buffer
};

class OidClient {
public:
    static constexpr std::chrono::milliseconds kDefaultTimeout{10'000};
    static constexpr ULONG kDefaultQueryLength = 1024;
    static constexpr ULONG kMaxQueryLength = 1 << 20;

    // NdisRegisterProtocol (PASSIVE_LEVEL). `timeout` bounds each wait for a completion.
    // Throws OidError when NDIS refuses the registration.
    explicit OidClient(std::chrono::milliseconds timeout = kDefaultTimeout);
    // NdisDeregisterProtocol: closes any open a timed-out call left behind. Call before the
    // drivers unload.
    ~OidClient();
    OidClient(const OidClient&) = delete;
    OidClient& operator=(const OidClient&) = delete;

    // PASSIVE_LEVEL; one caller at a time (the control thread); blocks at most a few timeouts.
    // A query with `length` passes exactly that InformationBufferLength; without, it starts at
    // kDefaultQueryLength and retries once with BytesNeeded when the miniport asks for more.
    // Throws OidError when the open fails or a call does not complete in time.
    OidResult query(std::string_view device_name, NDIS_OID oid, std::optional<ULONG> length);
    OidResult set(std::string_view device_name, NDIS_OID oid, std::span<const std::uint8_t> data);

private:
    OidResult run(std::string_view device_name, NDIS_REQUEST_TYPE type, NDIS_OID oid, std::vector<std::uint8_t> buffer,
                  bool grow);

    NDIS_HANDLE protocol_ = nullptr;
    std::chrono::milliseconds timeout_;
};

}  // namespace strata::host
