// oid_client.cpp — the StrataOid protocol and its one-request opens (see oid_client.h).
#include "host/oid_client.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "host/oid_table.h"
#include "ntos/string.h"

namespace strata::host {
namespace {

// NdisOpenAdapter may complete later: the medium array outlives every call. Every medium, so
// any adapter can be opened.
NDIS_MEDIUM g_media[] = {
    NdisMedium802_3,   NdisMedium802_5,       NdisMediumFddi,       NdisMediumWan,       NdisMediumLocalTalk,
    NdisMediumDix,     NdisMediumArcnetRaw,   NdisMediumArcnet878_2, NdisMediumAtm,      NdisMediumWirelessWan,
    NdisMediumIrda,    NdisMediumBpc,         NdisMediumCoWan,      NdisMedium1394,      NdisMediumInfiniBand,
    NdisMediumTunnel,  NdisMediumNative802_11, NdisMediumLoopback,
};
static_assert(sizeof g_media / sizeof g_media[0] == NdisMediumMax, "every NDIS_MEDIUM");

WCHAR g_protocol_name[] = u"StrataOid";

// The ProtocolBindingContext of one open: NDIS's completions land here and the caller waits
// for them. Owned by the request; a binding whose call timed out is stranded (kept for the
// life of the process), since its completion may still arrive.
struct OidBinding {
    std::mutex mutex;
    std::condition_variable completed;
    std::optional<NDIS_STATUS> open_status;     // guarded by mutex: ProtocolOpenAdapterComplete
    std::optional<NDIS_STATUS> request_status;  // guarded by mutex: ProtocolRequestComplete
    std::optional<NDIS_STATUS> close_status;    // guarded by mutex: ProtocolCloseAdapterComplete
    NDIS_HANDLE unbind_context = nullptr;       // guarded by mutex: an unbind waiting for the close

    NDIS_HANDLE handle = nullptr;         // NdisBindingHandle (written by NdisOpenAdapter)
    NDIS_STATUS open_error = NDIS_STATUS_SUCCESS;
    UINT medium_index = 0;
    std::atomic<bool> closing{false};     // whoever sets it calls NdisCloseAdapter
    NDIS_REQUEST request{};
    std::vector<std::uint8_t> buffer;

    static OidBinding& from(NDIS_HANDLE context) { return *static_cast<OidBinding*>(context); }

    // Any thread, any IRQL the completion comes at.
    void complete(std::optional<NDIS_STATUS> OidBinding::*slot, NDIS_STATUS status) {
        std::lock_guard lock(mutex);
        this->*slot = status;
        completed.notify_all();
    }
    // The completion's status, or nullopt when it did not come within `timeout`.
    std::optional<NDIS_STATUS> wait(std::optional<NDIS_STATUS> OidBinding::*slot, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex);
        completed.wait_for(lock, timeout, [&] { return (this->*slot).has_value(); });
        return this->*slot;
    }
};

void strand(std::unique_ptr<OidBinding> binding) {
    static std::mutex mutex;
    static std::vector<std::unique_ptr<OidBinding>> stranded;
    std::lock_guard lock(mutex);
    stranded.push_back(std::move(binding));
}

std::string seconds(std::chrono::milliseconds timeout) {
    if (timeout.count() % 1000 == 0) return std::to_string(timeout.count() / 1000) + " s";
    return std::to_string(timeout.count()) + " ms";
}

// ---- The protocol's handlers: every mandatory one, minimal. Any IRQL <= DISPATCH_LEVEL. ----

/* ProtocolOpenAdapterComplete — seed 003 §2.4.1 */
VOID oid_open_complete(NDIS_HANDLE context, NDIS_STATUS status, NDIS_STATUS open_error) {
    OidBinding& binding = OidBinding::from(context);
    binding.open_error = open_error;
    binding.complete(&OidBinding::open_status, status);
}

/* ProtocolCloseAdapterComplete — seed 003 §2.11. Finishes the unbind that closed, if any. */
VOID oid_close_complete(NDIS_HANDLE context, NDIS_STATUS status) {
    OidBinding& binding = OidBinding::from(context);
    NDIS_HANDLE unbind = nullptr;
    {
        std::lock_guard lock(binding.mutex);
        unbind = binding.unbind_context;
    }
    if (unbind != nullptr) NdisCompleteUnbindAdapter(unbind, status);
    binding.complete(&OidBinding::close_status, status);
}

/* ProtocolRequestComplete — seed 003 §2.4.3.1 */
VOID oid_request_complete(NDIS_HANDLE context, PNDIS_REQUEST, NDIS_STATUS status) {
    OidBinding::from(context).complete(&OidBinding::request_status, status);
}

/* ProtocolBindAdapter — seed 003 §2.4: never bound by the binding engine; refuses. */
VOID oid_bind(PNDIS_STATUS status, NDIS_HANDLE, PNDIS_STRING, PVOID, PVOID) {
    *status = NDIS_STATUS_NOT_ACCEPTED;
}

/* ProtocolUnbindAdapter — seed 003 §2.11: the adapter goes away (or the protocol deregisters)
 * while an open is left, e.g. after a timed-out request. Closes it; pends when the close does. */
VOID oid_unbind(PNDIS_STATUS status, NDIS_HANDLE context, NDIS_HANDLE unbind_context) {
    OidBinding& binding = OidBinding::from(context);
    if (binding.closing.exchange(true)) {
        *status = NDIS_STATUS_SUCCESS;  // the request's own close is under way
        return;
    }
    {
        std::lock_guard lock(binding.mutex);
        binding.unbind_context = unbind_context;
    }
    NdisCloseAdapter(status, binding.handle);
}

// The rest are mandatory but have nothing to do: the open's packet filter is 0, so nothing is
// indicated to it, and it never sends, transfers or resets.
NDIS_STATUS oid_receive(NDIS_HANDLE, NDIS_HANDLE, PVOID, UINT, PVOID, UINT, UINT) { return NDIS_STATUS_NOT_ACCEPTED; }
INT oid_receive_packet(NDIS_HANDLE, PNDIS_PACKET) { return 0; }
VOID oid_send_complete(NDIS_HANDLE, PNDIS_PACKET, NDIS_STATUS) {}
VOID oid_transfer_data_complete(NDIS_HANDLE, PNDIS_PACKET, NDIS_STATUS, UINT) {}
VOID oid_reset_complete(NDIS_HANDLE, NDIS_STATUS) {}
VOID oid_receive_complete(NDIS_HANDLE) {}
VOID oid_status(NDIS_HANDLE, NDIS_STATUS, PVOID, UINT) {}
VOID oid_status_complete(NDIS_HANDLE) {}
NDIS_STATUS oid_pnp_event(NDIS_HANDLE, PNET_PNP_EVENT) { return NDIS_STATUS_SUCCESS; }

}  // namespace

OidClient::OidClient(std::chrono::milliseconds timeout) : timeout_(timeout) {
    NDIS_PROTOCOL_CHARACTERISTICS chars{};
    chars.MajorNdisVersion = 5;
    chars.MinorNdisVersion = 1;
    chars.OpenAdapterCompleteHandler = oid_open_complete;
    chars.CloseAdapterCompleteHandler = oid_close_complete;
    chars.SendCompleteHandler = oid_send_complete;
    chars.TransferDataCompleteHandler = oid_transfer_data_complete;
    chars.ResetCompleteHandler = oid_reset_complete;
    chars.RequestCompleteHandler = oid_request_complete;
    chars.ReceiveHandler = oid_receive;
    chars.ReceiveCompleteHandler = oid_receive_complete;
    chars.StatusHandler = oid_status;
    chars.StatusCompleteHandler = oid_status_complete;
    chars.Name.Buffer = g_protocol_name;
    chars.Name.Length = static_cast<USHORT>(sizeof g_protocol_name - sizeof(WCHAR));
    chars.Name.MaximumLength = static_cast<USHORT>(sizeof g_protocol_name);
    chars.ReceivePacketHandler = oid_receive_packet;
    chars.BindAdapterHandler = oid_bind;
    chars.UnbindAdapterHandler = oid_unbind;
    chars.PnPEventHandler = oid_pnp_event;
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    NdisRegisterProtocol(&status, &protocol_, &chars, sizeof chars);
    if (status != NDIS_STATUS_SUCCESS) {
        protocol_ = nullptr;
        throw OidError("NdisRegisterProtocol of StrataOid failed with " + status_name(status));
    }
}

OidClient::~OidClient() {
    if (protocol_ == nullptr) return;
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    NdisDeregisterProtocol(&status, protocol_);
}

OidResult OidClient::query(std::string_view device_name, NDIS_OID oid, std::optional<ULONG> length) {
    ULONG size = length.value_or(kDefaultQueryLength);
    return run(device_name, NdisRequestQueryInformation, oid, std::vector<std::uint8_t>(size), !length.has_value());
}

OidResult OidClient::set(std::string_view device_name, NDIS_OID oid, std::span<const std::uint8_t> data) {
    return run(device_name, NdisRequestSetInformation, oid, std::vector<std::uint8_t>(data.begin(), data.end()), false);
}

OidResult OidClient::run(std::string_view device_name, NDIS_REQUEST_TYPE type, NDIS_OID oid,
                         std::vector<std::uint8_t> buffer, bool grow) {
    const std::string device(device_name);
    const std::string what = oid_name(oid) + " on " + device;
    auto binding = std::make_unique<OidBinding>();
    binding->buffer = std::move(buffer);
    binding->buffer.reserve(1);  // a zero-length set still passes a valid InformationBuffer

    // Stage 1: the open.
    ntos::OwnedUnicodeString name(device_name);
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    NdisOpenAdapter(&status, &binding->open_error, &binding->handle, &binding->medium_index, g_media,
                    static_cast<UINT>(sizeof g_media / sizeof g_media[0]), protocol_, binding.get(), name.ptr(), 0,
                    nullptr);
    if (status == NDIS_STATUS_PENDING) {
        std::optional<NDIS_STATUS> done = binding->wait(&OidBinding::open_status, timeout_);
        if (!done) {
            strand(std::move(binding));
            throw OidError("NdisOpenAdapter on " + device + " did not complete within " + seconds(timeout_));
        }
        status = *done;
    }
    if (status != NDIS_STATUS_SUCCESS)
        throw OidError("NdisOpenAdapter on " + device + " failed with " + status_name(status));

    // Stage 2: the request; a query without a fixed length grows once to what the miniport needs.
    OidResult result;
    for (bool first = true;; first = false) {
        binding->request = NDIS_REQUEST{};
        binding->request.RequestType = type;
        auto& info = binding->request.DATA.QUERY_INFORMATION;  // SET_INFORMATION shares the layout
        info.Oid = oid;
        info.InformationBuffer = binding->buffer.data();
        info.InformationBufferLength = static_cast<UINT>(binding->buffer.size());
        {
            std::lock_guard lock(binding->mutex);
            binding->request_status.reset();
        }
        NdisRequest(&status, binding->handle, &binding->request);
        if (status == NDIS_STATUS_PENDING) {
            std::optional<NDIS_STATUS> done = binding->wait(&OidBinding::request_status, timeout_);
            if (!done) {
                strand(std::move(binding));  // the open stays until the miniport completes or the adapter goes
                throw OidError("NdisRequest for " + what + " did not complete within " + seconds(timeout_));
            }
            status = *done;
        }
        bool short_buffer = status == NDIS_STATUS_INVALID_LENGTH || status == NDIS_STATUS_BUFFER_TOO_SHORT;
        if (grow && first && short_buffer && info.BytesNeeded > binding->buffer.size() &&
            info.BytesNeeded <= kMaxQueryLength) {
            binding->buffer.assign(info.BytesNeeded, 0);
            continue;
        }
        result.status = status;
        result.buffer_length = info.InformationBufferLength;
        result.bytes = type == NdisRequestSetInformation ? binding->request.DATA.SET_INFORMATION.BytesRead
                                                         : info.BytesWritten;
        result.bytes_needed = info.BytesNeeded;
        if (type != NdisRequestSetInformation && status == NDIS_STATUS_SUCCESS) {
            std::size_t written = std::min<std::size_t>(info.BytesWritten, binding->buffer.size());
            result.data.assign(binding->buffer.begin(), binding->buffer.begin() + static_cast<std::ptrdiff_t>(written));
        }
        break;
    }

    // Stage 3: the close (unless an unbind got there first).
    if (!binding->closing.exchange(true)) {
        NdisCloseAdapter(&status, binding->handle);
        if (status == NDIS_STATUS_PENDING && !binding->wait(&OidBinding::close_status, timeout_)) {
            strand(std::move(binding));
            throw OidError("NdisCloseAdapter on " + device + " did not complete within " + seconds(timeout_));
        }
    }
    return result;
}

}  // namespace strata::host
