// request.cpp — NdisRequest, the OIDs NDIS answers itself for each open (packet filter,
// multicast list, lookahead, protocol options), the miniport request queue (one request at a
// time, in order) and NdisMQueryInformationComplete/NdisMSetInformationComplete (seed 003 §2.4.3).
#include "ndis/request.h"

#include <algorithm>
#include <cstdio>
#include <future>
#include <memory>

#include "ndis/handle_table.h"
#include "ndis/library.h"
#include "verifier/fault.h"
#include "verifier/verifier.h"

namespace strata::ndis {
namespace {

NDIS_STATUS call_miniport(Miniport& m, NDIS_REQUEST* request) {
    const auto& chars = m.driver->chars;
    NDIS_STATUS status = NDIS_STATUS_NOT_SUPPORTED;
    auto call = [&] {
        if (request->RequestType == NdisRequestSetInformation) {
            auto& set = request->DATA.SET_INFORMATION;
            status = chars.SetInformationHandler(m.context, set.Oid, set.InformationBuffer,
                                                 set.InformationBufferLength, reinterpret_cast<PULONG>(&set.BytesRead),
                                                 reinterpret_cast<PULONG>(&set.BytesNeeded));
        } else {
            auto& query = request->DATA.QUERY_INFORMATION;
            status = chars.QueryInformationHandler(m.context, query.Oid, query.InformationBuffer,
                                                   query.InformationBufferLength,
                                                   reinterpret_cast<PULONG>(&query.BytesWritten),
                                                   reinterpret_cast<PULONG>(&query.BytesNeeded));
        }
    };
    m.call_serialized(call);
    return status;
}

void finish(RequestEntry& entry, NDIS_STATUS status) {
    if (entry.open != nullptr) entry.open->requests_outstanding.fetch_sub(1);
    if (entry.done) {
        entry.done(status);
    } else if (entry.pended_to_caller && entry.open != nullptr) {
        entry.open->protocol->chars.RequestCompleteHandler(entry.open->binding_context, entry.request, status);
    }
}

// An NDIS-owned request: the NDIS_REQUEST and its buffer live until the completion ran.
struct OwnedRequest {
    NDIS_REQUEST request{};
    std::vector<std::uint8_t> buffer;
};

void submit_owned(Miniport& m, NDIS_REQUEST_TYPE type, NDIS_OID oid, std::vector<std::uint8_t> buffer,
                  std::function<void(NDIS_STATUS, const OwnedRequest&)> then) {
    auto owned = std::make_shared<OwnedRequest>();
    owned->buffer = std::move(buffer);
    owned->request.RequestType = type;
    auto& query = owned->request.DATA.QUERY_INFORMATION;  // SET_INFORMATION shares the layout
    query.Oid = oid;
    query.InformationBuffer = owned->buffer.data();
    query.InformationBufferLength = static_cast<UINT>(owned->buffer.size());
    RequestEntry entry;
    entry.request = &owned->request;
    entry.done = [owned, then = std::move(then)](NDIS_STATUS status) {
        if (then) then(status, *owned);
    };
    m.submit_request(std::move(entry));
}

NDIS_STATUS wait_owned(Miniport& m, NDIS_REQUEST_TYPE type, NDIS_OID oid, std::vector<std::uint8_t> buffer,
                       OwnedRequest* result) {
    std::promise<NDIS_STATUS> promise;
    auto future = promise.get_future();
    submit_owned(m, type, oid, std::move(buffer), [&](NDIS_STATUS status, const OwnedRequest& owned) {
        if (result != nullptr) *result = owned;
        promise.set_value(status);
    });
    return future.get();
}

bool short_buffer(UINT have, UINT need, UINT* bytes_needed) {
    if (have >= need) return false;
    *bytes_needed = need;
    return true;
}

// The OIDs NDIS answers from the open's own state. Returns NDIS_STATUS_PENDING when the request
// is not one of them and must go to the miniport.
NDIS_STATUS answer_for_open(Open& open, NDIS_REQUEST& request) {
    if (request.RequestType == NdisRequestSetInformation) {
        auto& set = request.DATA.SET_INFORMATION;
        switch (set.Oid) {
        case OID_GEN_CURRENT_PACKET_FILTER: {
            if (short_buffer(set.InformationBufferLength, sizeof(ULONG), &set.BytesNeeded))
                return NDIS_STATUS_INVALID_LENGTH;
            ULONG bits;
            std::memcpy(&bits, set.InformationBuffer, sizeof bits);
            if (bits & ~EthFilter::kSupportedBits) return NDIS_STATUS_NOT_SUPPORTED;
            open.filter.set_packet_filter(bits);
            set.BytesRead = sizeof(ULONG);
            refresh_miniport_filters(*open.miniport);
            return NDIS_STATUS_SUCCESS;
        }
        case OID_802_3_MULTICAST_LIST: {
            if (set.InformationBufferLength % ETH_LENGTH_OF_ADDRESS != 0) {
                set.BytesNeeded = (set.InformationBufferLength / ETH_LENGTH_OF_ADDRESS + 1) * ETH_LENGTH_OF_ADDRESS;
                return NDIS_STATUS_INVALID_LENGTH;
            }
            std::size_t count = set.InformationBufferLength / ETH_LENGTH_OF_ADDRESS;
            if (count > kMaxMulticastAddresses) return NDIS_STATUS_MULTICAST_FULL;
            std::vector<MacAddress> list(count);
            if (count != 0) std::memcpy(list.data(), set.InformationBuffer, count * ETH_LENGTH_OF_ADDRESS);
            open.filter.set_multicast(list);
            set.BytesRead = set.InformationBufferLength;
            refresh_miniport_filters(*open.miniport);
            return NDIS_STATUS_SUCCESS;
        }
        case OID_GEN_CURRENT_LOOKAHEAD: {
            if (short_buffer(set.InformationBufferLength, sizeof(ULONG), &set.BytesNeeded))
                return NDIS_STATUS_INVALID_LENGTH;
            ULONG lookahead;
            std::memcpy(&lookahead, set.InformationBuffer, sizeof lookahead);
            if (lookahead > open.miniport->max_lookahead) return NDIS_STATUS_INVALID_DATA;
            open.lookahead = lookahead;
            set.BytesRead = sizeof(ULONG);
            refresh_miniport_filters(*open.miniport);
            return NDIS_STATUS_SUCCESS;
        }
        case OID_GEN_PROTOCOL_OPTIONS: {
            if (short_buffer(set.InformationBufferLength, sizeof(ULONG), &set.BytesNeeded))
                return NDIS_STATUS_INVALID_LENGTH;
            std::memcpy(&open.protocol_options, set.InformationBuffer, sizeof(ULONG));
            set.BytesRead = sizeof(ULONG);
            return NDIS_STATUS_SUCCESS;
        }
        default:
            return NDIS_STATUS_PENDING;
        }
    }
    auto& query = request.DATA.QUERY_INFORMATION;
    auto answer = [&](const void* data, UINT size) {
        if (short_buffer(query.InformationBufferLength, size, &query.BytesNeeded)) return NDIS_STATUS_INVALID_LENGTH;
        if (size != 0) std::memcpy(query.InformationBuffer, data, size);
        query.BytesWritten = size;
        return NDIS_STATUS_SUCCESS;
    };
    switch (query.Oid) {
    case OID_GEN_CURRENT_PACKET_FILTER: {
        ULONG bits = open.filter.packet_filter();
        return answer(&bits, sizeof bits);
    }
    case OID_GEN_CURRENT_LOOKAHEAD: return answer(&open.lookahead, sizeof(ULONG));
    case OID_GEN_PROTOCOL_OPTIONS: return answer(&open.protocol_options, sizeof(ULONG));
    case OID_802_3_MULTICAST_LIST: {
        auto list = open.filter.multicast();
        return answer(list.data(), static_cast<UINT>(list.size_bytes()));
    }
    default: return NDIS_STATUS_PENDING;
    }
}

}  // namespace

NDIS_STATUS Miniport::submit_request(RequestEntry entry) {
    std::unique_lock lock(request_mutex);
    if (request_in_progress || !requests.empty() || (serialized() && gate.owned_by_me())) {
        entry.pended_to_caller = true;
        requests.push_back(std::move(entry));
        return NDIS_STATUS_PENDING;
    }
    request_in_progress = true;
    entry.pended_to_caller = true;  // the miniport may complete before its handler returns
    current_request = std::move(entry);
    NDIS_REQUEST* request = current_request.request;
    lock.unlock();
    NDIS_STATUS status = call_miniport(*this, request);
    if (status == NDIS_STATUS_PENDING) return NDIS_STATUS_PENDING;
    lock.lock();
    RequestEntry done = std::move(current_request);
    request_in_progress = false;
    lock.unlock();
    done.pended_to_caller = false;
    finish(done, status);
    start_next_request();
    return status;
}

void Miniport::start_next_request() {
    for (;;) {
        std::unique_lock lock(request_mutex);
        if (request_in_progress || requests.empty() || (serialized() && gate.owned_by_me())) return;
        request_in_progress = true;
        current_request = std::move(requests.front());
        requests.pop_front();
        NDIS_REQUEST* request = current_request.request;
        lock.unlock();
        NDIS_STATUS status = call_miniport(*this, request);
        if (status == NDIS_STATUS_PENDING) return;
        lock.lock();
        RequestEntry done = std::move(current_request);
        request_in_progress = false;
        lock.unlock();
        finish(done, status);
    }
}

void Miniport::complete_request(NDIS_STATUS status) {
    std::unique_lock lock(request_mutex);
    if (!request_in_progress) {
        lock.unlock();
        verifier::report(verifier::Rule::CompletionWithoutCall, driver->service, handle,
                         "NdisMQueryInformationComplete/NdisMSetInformationComplete with no request pending");
        return;
    }
    RequestEntry done = std::move(current_request);
    request_in_progress = false;
    lock.unlock();
    if (status == NDIS_STATUS_PENDING) {
        verifier::report(verifier::Rule::RequestBadStatus, driver->service, handle,
                         "NdisMQueryInformationComplete/NdisMSetInformationComplete: request completed with "
                         "NDIS_STATUS_PENDING");
        status = NDIS_STATUS_FAILURE;
    }
    finish(done, status);
    start_next_request();
}

NDIS_STATUS query_miniport(Miniport& miniport, NDIS_OID oid, void* buffer, ULONG length, ULONG* bytes_written) {
    OwnedRequest result;
    NDIS_STATUS status = wait_owned(miniport, NdisRequestQueryInformation, oid, std::vector<std::uint8_t>(length), &result);
    if (status == NDIS_STATUS_SUCCESS) {
        ULONG written = std::min<ULONG>(result.request.DATA.QUERY_INFORMATION.BytesWritten, length);
        std::memcpy(buffer, result.buffer.data(), written);
        if (bytes_written != nullptr) *bytes_written = written;
    }
    return status;
}

NDIS_STATUS set_miniport(Miniport& miniport, NDIS_OID oid, const void* buffer, ULONG length) {
    const auto* bytes = static_cast<const std::uint8_t*>(buffer);
    return wait_owned(miniport, NdisRequestSetInformation, oid, std::vector<std::uint8_t>(bytes, bytes + length), nullptr);
}

void refresh_miniport_filters(Miniport& m) {
    ULONG filter = 0;
    ULONG lookahead = 0;
    std::vector<MacAddress> multicast;
    m.for_each_open([&](Open* open) {
        filter |= open->filter.packet_filter();
        lookahead = std::max(lookahead, open->lookahead);
        for (const auto& a : open->filter.multicast())
            if (std::find(multicast.begin(), multicast.end(), a) == multicast.end()) multicast.push_back(a);
    });
    auto as_bytes = [](const void* p, std::size_t n) {
        const auto* b = static_cast<const std::uint8_t*>(p);
        return std::vector<std::uint8_t>(b, b + n);
    };
    if (filter != m.programmed_filter) {
        m.programmed_filter = filter;
        submit_owned(m, NdisRequestSetInformation, OID_GEN_CURRENT_PACKET_FILTER, as_bytes(&filter, sizeof filter), {});
    }
    if (lookahead != m.programmed_lookahead) {
        m.programmed_lookahead = lookahead;
        submit_owned(m, NdisRequestSetInformation, OID_GEN_CURRENT_LOOKAHEAD, as_bytes(&lookahead, sizeof lookahead), {});
    }
    if (!multicast.empty() || filter & NDIS_PACKET_TYPE_MULTICAST)
        submit_owned(m, NdisRequestSetInformation, OID_802_3_MULTICAST_LIST,
                     as_bytes(multicast.data(), multicast.size() * sizeof(MacAddress)), {});
}

}  // namespace strata::ndis

using namespace strata;
using namespace strata::ndis;

/* NdisRequest (ndis.h) — seed 003 §2.4.3.1 — IRQL <= DISPATCH_LEVEL
 * NDIS_STATUS_PENDING means ProtocolRequestComplete follows with the final status. */
extern "C" VOID NdisRequest(PNDIS_STATUS Status, NDIS_HANDLE NdisBindingHandle, PNDIS_REQUEST NdisRequest) {
    auto* open = lookup<Open>(NdisBindingHandle, HandleKind::Open, "NdisRequest");
    if (open == nullptr || Status == nullptr || NdisRequest == nullptr) {
        if (open != nullptr)
            verifier::report(verifier::Rule::NullParameter, open->protocol->service, NdisBindingHandle,
                             "NdisRequest: Status and NdisRequest must not be NULL");
        if (Status != nullptr) *Status = NDIS_STATUS_FAILURE;
        return;
    }
    OpenState state = open->state.load();
    if (state != OpenState::Open && state != OpenState::Opening) {
        *Status = NDIS_STATUS_CLOSING;
        return;
    }
    if (verifier::fault::should_fail(verifier::fault::FaultCall::NdisRequest)) {
        *Status = NDIS_STATUS_RESOURCES;
        return;
    }
    switch (NdisRequest->RequestType) {
    case NdisRequestQueryInformation:
    case NdisRequestQueryStatistics:
    case NdisRequestSetInformation: break;
    default: *Status = NDIS_STATUS_NOT_SUPPORTED; return;
    }
    NdisRequest->DATA.QUERY_INFORMATION.BytesWritten = 0;
    NdisRequest->DATA.QUERY_INFORMATION.BytesNeeded = 0;
    NDIS_STATUS answered = answer_for_open(*open, *NdisRequest);
    if (answered != NDIS_STATUS_PENDING) {
        *Status = answered;
        return;
    }
    if (open->requests_outstanding.fetch_add(1) != 0 && verifier::verifying(open->protocol->service)) {
        char message[160];
        std::snprintf(message, sizeof message, "NdisRequest: OID 0x%08X issued while another request is outstanding",
                      NdisRequest->DATA.QUERY_INFORMATION.Oid);
        verifier::report(verifier::Rule::RequestOutstanding, open->protocol->service, NdisBindingHandle, message);
    }
    RequestEntry entry;
    entry.request = NdisRequest;
    entry.open = open;
    *Status = open->miniport->submit_request(std::move(entry));
}

/* NdisMQueryInformationComplete (ndis.h) — seed 003 §2.4.3.2 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisMQueryInformationComplete(NDIS_HANDLE MiniportAdapterHandle, NDIS_STATUS Status) {
    if (Miniport* m = miniport_from(MiniportAdapterHandle, "NdisMQueryInformationComplete")) m->complete_request(Status);
}

/* NdisMSetInformationComplete (ndis.h) — seed 003 §2.4.3.2 — IRQL <= DISPATCH_LEVEL */
extern "C" VOID NdisMSetInformationComplete(NDIS_HANDLE MiniportAdapterHandle, NDIS_STATUS Status) {
    if (Miniport* m = miniport_from(MiniportAdapterHandle, "NdisMSetInformationComplete")) m->complete_request(Status);
}
