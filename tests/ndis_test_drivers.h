// ndis_test_drivers.h — in-process test drivers for the conformance tests of seed 003 §2.4,
// §2.10 and §2.12: a protocol (TestProtocol) and a miniport driver (TestMiniport) written against
// include/ndis.h only, registered from the test the way a DriverEntry would register them, whose
// handlers record what NDIS did to them so a test can assert it.
//
// Lifetimes: declare the strata::Host first, then the miniport drivers, then the protocols, so
// that they go away in the opposite order: a protocol's destructor deregisters it (NDIS unbinds
// what is left), a miniport driver's destructor removes its adapters through the host (NDIS
// unbinds, then halts them) and terminates its wrapper, all while the host still exists.
//
// StackTest (at the end) is the fixture base for tests on the loop + probe stack.
//
// Strings: the test binary is not built with -fshort-wchar, so NDIS_STRING_CONST(L"...") makes
// 32-bit characters here; tests build NDIS_STRINGs with OwnedUnicode instead.
//
// Concurrency: handlers may run on any thread (processor threads at DISPATCH_LEVEL, workers, the
// test thread). Everything they record is under one mutex per driver, which is never held while
// NDIS is called; tests read it through the accessors or wait on it with a timeout.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <ndis.h>

#include "host/loop_probe_stack.h"
#include "ndis/request.h"
#include "registry/registry.h"
#include "registry/value.h"
#include "strata/host.hpp"
#include "test_support.h"
#include "verifier/verifier.h"

namespace strata::test::drivers {

inline constexpr std::chrono::seconds kWaitTimeout{20};

// NT status severity "error" (the two top bits set): every NDIS_STATUS_* failure code.
inline bool failed(NDIS_STATUS status) { return (static_cast<ULONG>(status) >> 30) == 3; }

inline std::string utf8(const UNICODE_STRING* s) {
    std::string out;
    if (s == nullptr || s->Buffer == nullptr) return out;
    for (USHORT i = 0; i < s->Length / sizeof(WCHAR); ++i) {
        WCHAR c = s->Buffer[i];
        out.push_back(c > 0 && c < 0x80 ? static_cast<char>(c) : '?');
    }
    return out;
}

// A UNICODE_STRING that owns its characters (ASCII input).
class OwnedUnicode {
public:
    explicit OwnedUnicode(std::string_view text = {}) { assign(text); }
    OwnedUnicode(const OwnedUnicode&) = delete;
    OwnedUnicode& operator=(const OwnedUnicode&) = delete;
    void assign(std::string_view text) {
        chars_.assign(text.begin(), text.end());
        chars_.push_back(0);
        auto bytes = static_cast<USHORT>((chars_.size() - 1) * sizeof(WCHAR));
        string_ = {bytes, static_cast<USHORT>(bytes + sizeof(WCHAR)), chars_.data()};
    }
    PUNICODE_STRING get() { return &string_; }

private:
    std::vector<WCHAR> chars_;
    UNICODE_STRING string_{};
};

// Ordered record of events from several drivers ("unbind:p1", "halt:m1", ...).
class EventLog {
public:
    void add(std::string event) {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(event));
    }
    std::vector<std::string> events() const {
        std::lock_guard lock(mutex_);
        return events_;
    }
    // Position of the first occurrence, or -1.
    long index_of(std::string_view event) const {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < events_.size(); ++i)
            if (events_[i] == event) return static_cast<long>(i);
        return -1;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> events_;
};

// ---- TestProtocol -----------------------------------------------------------------------------

class TestProtocol;

// One ProtocolBindAdapter call that got as far as NdisOpenAdapter: the ProtocolBindingContext.
struct ProtocolBinding {
    TestProtocol* protocol = nullptr;
    std::string device_name;           // ProtocolBindAdapter's DeviceName
    std::string configuration_path;    // its SystemSpecific1
    NDIS_HANDLE bind_context = nullptr;
    NDIS_HANDLE handle = nullptr;      // NdisBindingHandle
    UINT medium_index = ~0u;
    NDIS_STATUS open_status = NDIS_STATUS_PENDING;  // NdisOpenAdapter's, or the completion's
    NDIS_STATUS open_error = NDIS_STATUS_SUCCESS;
    bool open_pended = false;
    bool open_completed = false;       // ProtocolOpenAdapterComplete ran
    bool unbound = false;              // ProtocolUnbindAdapter ran
    bool close_completed = false;      // ProtocolCloseAdapterComplete ran
    NDIS_STATUS close_status = NDIS_STATUS_PENDING;
    std::vector<NDIS_STATUS> statuses;                 // ProtocolStatus GeneralStatus, in order
    unsigned status_completes = 0;                     // ProtocolStatusComplete calls
    std::vector<NDIS_STATUS> reset_completes;          // ProtocolResetComplete statuses
    std::vector<std::pair<PNDIS_REQUEST, NDIS_STATUS>> request_completes;
    unsigned send_completes = 0;
    std::vector<NDIS_STATUS> send_statuses;
    unsigned receives = 0;                             // ProtocolReceive calls
};

// Result of TestProtocol::request.
struct RequestResult {
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    bool pended = false;        // NdisRequest returned NDIS_STATUS_PENDING
    UINT bytes_done = 0;        // BytesWritten (query) or BytesRead (set)
    UINT bytes_needed = 0;
};

class TestProtocol {
public:
    static constexpr int kSlots = 8;

    struct Options {
        std::vector<NDIS_MEDIUM> media{NdisMedium802_3};  // the MediumArray for NdisOpenAdapter
        int fail_binds = 0;         // this many ProtocolBindAdapter calls fail without opening
        EventLog* log = nullptr;    // "bind:<name>", "unbind:<name>", "close:<name>"
        // Runs first in ProtocolBindAdapter with its DeviceName and SystemSpecific1.
        std::function<void(PNDIS_STRING device_name, PNDIS_STRING system_specific1)> on_bind;
    };

    explicit TestProtocol(std::string name) : TestProtocol(std::move(name), Options()) {}
    TestProtocol(std::string name, Options options) : name_(std::move(name)), options_(std::move(options)) {
        std::u16string wide(name_.begin(), name_.end());
        name_chars_.assign(wide.begin(), wide.end());
        name_chars_.push_back(0);
        for (slot_ = 0; slot_ < kSlots; ++slot_) {
            TestProtocol* expected = nullptr;
            if (slots()[slot_].compare_exchange_strong(expected, this)) break;
        }
        if (slot_ == kSlots) throw std::runtime_error("too many TestProtocol instances");
    }
    ~TestProtocol() {
        deregister();
        free_packets();
        slots()[slot_].store(nullptr);
    }
    TestProtocol(const TestProtocol&) = delete;
    TestProtocol& operator=(const TestProtocol&) = delete;

    const std::string& name() const { return name_; }
    NDIS_HANDLE handle() const { return handle_; }

    // NdisRegisterProtocol with NDIS 5.0 characteristics and every mandatory handler.
    NDIS_STATUS register_protocol() {
        NDIS50_PROTOCOL_CHARACTERISTICS c{};
        c.MajorNdisVersion = 5;
        c.MinorNdisVersion = 0;
        c.OpenAdapterCompleteHandler = &TestProtocol::OpenAdapterComplete;
        c.CloseAdapterCompleteHandler = &TestProtocol::CloseAdapterComplete;
        c.SendCompleteHandler = &TestProtocol::SendComplete;
        c.TransferDataCompleteHandler = &TestProtocol::TransferDataComplete;
        c.ResetCompleteHandler = &TestProtocol::ResetComplete;
        c.RequestCompleteHandler = &TestProtocol::RequestComplete;
        c.ReceiveHandler = &TestProtocol::Receive;
        c.ReceiveCompleteHandler = &TestProtocol::ReceiveComplete;
        c.StatusHandler = &TestProtocol::Status;
        c.StatusCompleteHandler = &TestProtocol::StatusComplete;
        c.BindAdapterHandler = bind_thunks()[slot_];
        c.UnbindAdapterHandler = &TestProtocol::UnbindAdapter;
        NdisInitUnicodeString(&c.Name, name_chars_.data());
        NDIS_STATUS status = NDIS_STATUS_FAILURE;
        NdisRegisterProtocol(&status, &handle_, reinterpret_cast<PNDIS_PROTOCOL_CHARACTERISTICS>(&c), sizeof c);
        return status;
    }

    // NdisDeregisterProtocol (NDIS unbinds what is still bound). Idempotent.
    NDIS_STATUS deregister() {
        if (handle_ == nullptr) return NDIS_STATUS_SUCCESS;
        NDIS_STATUS status = NDIS_STATUS_FAILURE;
        NdisDeregisterProtocol(&status, handle_);
        handle_ = nullptr;
        return status;
    }

    // Every ProtocolBindAdapter call, failed ones included.
    unsigned bind_calls() const {
        std::lock_guard lock(mutex_);
        return bind_calls_;
    }
    std::vector<std::string> bind_devices() const {
        std::lock_guard lock(mutex_);
        return bind_devices_;
    }

    // The latest binding opened (or opening) on device, or nullptr.
    ProtocolBinding* binding(std::string_view device) {
        std::lock_guard lock(mutex_);
        for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it)
            if (iequal((*it)->device_name, device)) return it->get();
        return nullptr;
    }
    // The binding, once its open succeeded and it is not unbound; else nullptr.
    ProtocolBinding* open_binding(std::string_view device) {
        ProtocolBinding* b = binding(device);
        std::lock_guard lock(mutex_);
        return b != nullptr && b->open_status == NDIS_STATUS_SUCCESS && !b->unbound ? b : nullptr;
    }

    // A consistent copy of a binding's record.
    ProtocolBinding snapshot(const ProtocolBinding* b) const {
        std::lock_guard lock(mutex_);
        return *b;
    }

    // Waits (with kWaitTimeout) until pred(binding) holds under the recording mutex.
    template <typename Pred>
    bool wait(const ProtocolBinding* b, Pred pred) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, kWaitTimeout, [&] { return pred(*b); });
    }

    // NdisRequest on the binding; waits for ProtocolRequestComplete when it pends.
    RequestResult request(ProtocolBinding* b, NDIS_REQUEST_TYPE type, NDIS_OID oid, void* buffer, UINT length) {
        auto request = std::make_unique<NDIS_REQUEST>();
        std::memset(request.get(), 0, sizeof(NDIS_REQUEST));
        request->RequestType = type;
        request->DATA.QUERY_INFORMATION.Oid = oid;  // SET_INFORMATION shares the layout
        request->DATA.QUERY_INFORMATION.InformationBuffer = buffer;
        request->DATA.QUERY_INFORMATION.InformationBufferLength = length;
        RequestResult result;
        std::size_t earlier;  // completions before this request (an address may be reused)
        {
            std::lock_guard lock(mutex_);
            earlier = b->request_completes.size();
        }
        NDIS_STATUS status = NDIS_STATUS_FAILURE;
        NdisRequest(&status, b->handle, request.get());
        if (status == NDIS_STATUS_PENDING) {
            result.pended = true;
            PNDIS_REQUEST raw = request.get();
            auto find = [&]() -> const std::pair<PNDIS_REQUEST, NDIS_STATUS>* {
                for (std::size_t i = earlier; i < b->request_completes.size(); ++i)
                    if (b->request_completes[i].first == raw) return &b->request_completes[i];
                return nullptr;
            };
            std::unique_lock lock(mutex_);
            if (!changed_.wait_for(lock, kWaitTimeout, [&] { return find() != nullptr; })) {
                request.release();  // NDIS still owns it; leak rather than free under it
                result.status = NDIS_STATUS_REQUEST_ABORTED;
                return result;
            }
            status = find()->second;
        }
        result.status = status;
        if (type == NdisRequestSetInformation) {
            result.bytes_done = request->DATA.SET_INFORMATION.BytesRead;
            result.bytes_needed = request->DATA.SET_INFORMATION.BytesNeeded;
        } else {
            result.bytes_done = request->DATA.QUERY_INFORMATION.BytesWritten;
            result.bytes_needed = request->DATA.QUERY_INFORMATION.BytesNeeded;
        }
        return result;
    }
    RequestResult query(ProtocolBinding* b, NDIS_OID oid, void* buffer, UINT length) {
        return request(b, NdisRequestQueryInformation, oid, buffer, length);
    }
    RequestResult set(ProtocolBinding* b, NDIS_OID oid, void* buffer, UINT length) {
        return request(b, NdisRequestSetInformation, oid, buffer, length);
    }

    // A packet of `size` bytes (a broadcast Ethernet frame) from this protocol's own pool; it
    // must come back through ProtocolSendComplete or be given to free_packet.
    PNDIS_PACKET make_packet(UINT size = 60) {
        if (packet_pool_ == nullptr) {
            NDIS_STATUS status;
            NdisAllocatePacketPool(&status, &packet_pool_, kPackets, 16);
            if (status != NDIS_STATUS_SUCCESS) return nullptr;
            NdisAllocateBufferPool(&status, &buffer_pool_, kPackets);
            if (status != NDIS_STATUS_SUCCESS) return nullptr;
        }
        if (frames_used_ >= kPackets) return nullptr;
        auto& frame = frames_[frames_used_++];
        frame.fill(0);
        std::memset(frame.data(), 0xFF, 6);                     // broadcast destination
        frame[6] = 0x02;                                         // locally administered source
        frame[12] = 0x88;
        frame[13] = 0xB6;                                        // a local experimental EtherType
        NDIS_STATUS status;
        PNDIS_PACKET packet = nullptr;
        NdisAllocatePacket(&status, &packet, packet_pool_);
        if (status != NDIS_STATUS_SUCCESS) return nullptr;
        PNDIS_BUFFER buffer = nullptr;
        NdisAllocateBuffer(&status, &buffer, buffer_pool_, frame.data(), size);
        if (status != NDIS_STATUS_SUCCESS) {
            NdisFreePacket(packet);
            return nullptr;
        }
        NdisChainBufferAtFront(packet, buffer);
        return packet;
    }
    void free_packet(PNDIS_PACKET packet) {
        PNDIS_BUFFER buffer = nullptr;
        NdisUnchainBufferAtFront(packet, &buffer);
        if (buffer != nullptr) NdisFreeBuffer(buffer);
        NdisFreePacket(packet);
    }

private:
    static constexpr UINT kPackets = 64;

    static std::array<std::atomic<TestProtocol*>, kSlots>& slots() {
        static std::array<std::atomic<TestProtocol*>, kSlots> all{};
        return all;
    }
    template <int N>
    static VOID BindThunk(PNDIS_STATUS status, NDIS_HANDLE context, PNDIS_STRING device, PVOID ss1, PVOID ss2) {
        slots()[N].load()->on_bind(status, context, device, ss1, ss2);
    }
    static const std::array<BIND_HANDLER, kSlots>& bind_thunks() {
        static const std::array<BIND_HANDLER, kSlots> thunks{BindThunk<0>, BindThunk<1>, BindThunk<2>, BindThunk<3>,
                                                            BindThunk<4>, BindThunk<5>, BindThunk<6>, BindThunk<7>};
        return thunks;
    }
    static bool iequal(std::string_view a, std::string_view b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
                return false;
        return true;
    }
    template <typename F>
    static void record(NDIS_HANDLE context, F&& f) {
        auto* b = static_cast<ProtocolBinding*>(context);
        {
            std::lock_guard lock(b->protocol->mutex_);
            f(*b);
        }
        b->protocol->changed_.notify_all();
    }
    void log(const std::string& what) {
        if (options_.log != nullptr) options_.log->add(what + ":" + name_);
    }

    void on_bind(PNDIS_STATUS status, NDIS_HANDLE bind_context, PNDIS_STRING device, PVOID ss1, PVOID) {
        log("bind");
        bool fail = false;
        {
            std::lock_guard lock(mutex_);
            ++bind_calls_;
            bind_devices_.push_back(utf8(device));
            if (options_.fail_binds > 0) {
                --options_.fail_binds;
                fail = true;
            }
        }
        if (options_.on_bind) options_.on_bind(device, static_cast<PNDIS_STRING>(ss1));
        if (fail) {
            *status = NDIS_STATUS_FAILURE;
            changed_.notify_all();
            return;
        }
        auto fresh = std::make_unique<ProtocolBinding>();
        ProtocolBinding* b = fresh.get();
        b->protocol = this;
        b->device_name = utf8(device);
        b->configuration_path = utf8(static_cast<PNDIS_STRING>(ss1));
        b->bind_context = bind_context;
        {
            std::lock_guard lock(mutex_);
            bindings_.push_back(std::move(fresh));
        }
        NDIS_STATUS open = NDIS_STATUS_FAILURE;
        NDIS_STATUS open_error = NDIS_STATUS_SUCCESS;
        NDIS_HANDLE binding_handle = nullptr;
        UINT index = ~0u;
        // The handle and index are written before NdisOpenAdapter returns, even when it pends.
        NdisOpenAdapter(&open, &open_error, &binding_handle, &index, options_.media.data(),
                        static_cast<UINT>(options_.media.size()), handle_, b, device, 0, nullptr);
        {
            std::lock_guard lock(mutex_);
            b->handle = binding_handle;
            b->medium_index = index;
            b->open_error = open_error;
            if (open == NDIS_STATUS_PENDING) b->open_pended = true;
            else b->open_status = open;
        }
        changed_.notify_all();
        *status = open;
    }

    static VOID OpenAdapterComplete(NDIS_HANDLE context, NDIS_STATUS status, NDIS_STATUS open_error) {
        auto* b = static_cast<ProtocolBinding*>(context);
        NDIS_HANDLE bind_context = b->bind_context;
        record(context, [&](ProtocolBinding& r) {
            r.open_completed = true;
            r.open_status = status;
            r.open_error = open_error;
        });
        NdisCompleteBindAdapter(bind_context, status, open_error);
    }
    static VOID UnbindAdapter(PNDIS_STATUS status, NDIS_HANDLE context, NDIS_HANDLE) {
        auto* b = static_cast<ProtocolBinding*>(context);
        b->protocol->log("unbind");
        record(context, [](ProtocolBinding& r) { r.unbound = true; });
        NDIS_STATUS close = NDIS_STATUS_FAILURE;
        NdisCloseAdapter(&close, b->handle);
        if (close == NDIS_STATUS_PENDING) {
            b->protocol->wait(b, [](const ProtocolBinding& r) { return r.close_completed; });
            close = b->protocol->snapshot(b).close_status;
        } else {
            record(context, [&](ProtocolBinding& r) { r.close_status = close; });
        }
        b->protocol->log("close");
        *status = NDIS_STATUS_SUCCESS;
    }
    static VOID CloseAdapterComplete(NDIS_HANDLE context, NDIS_STATUS status) {
        record(context, [&](ProtocolBinding& r) {
            r.close_completed = true;
            r.close_status = status;
        });
    }
    static VOID SendComplete(NDIS_HANDLE context, PNDIS_PACKET, NDIS_STATUS status) {
        record(context, [&](ProtocolBinding& r) {
            ++r.send_completes;
            r.send_statuses.push_back(status);
        });
    }
    static VOID TransferDataComplete(NDIS_HANDLE, PNDIS_PACKET, NDIS_STATUS, UINT) {}
    static VOID ResetComplete(NDIS_HANDLE context, NDIS_STATUS status) {
        record(context, [&](ProtocolBinding& r) { r.reset_completes.push_back(status); });
    }
    static VOID RequestComplete(NDIS_HANDLE context, PNDIS_REQUEST request, NDIS_STATUS status) {
        record(context, [&](ProtocolBinding& r) { r.request_completes.emplace_back(request, status); });
    }
    static NDIS_STATUS Receive(NDIS_HANDLE context, NDIS_HANDLE, PVOID, UINT, PVOID, UINT, UINT) {
        record(context, [](ProtocolBinding& r) { ++r.receives; });
        return NDIS_STATUS_NOT_ACCEPTED;
    }
    static VOID ReceiveComplete(NDIS_HANDLE) {}
    static VOID Status(NDIS_HANDLE context, NDIS_STATUS general, PVOID, UINT) {
        record(context, [&](ProtocolBinding& r) { r.statuses.push_back(general); });
    }
    static VOID StatusComplete(NDIS_HANDLE context) {
        record(context, [](ProtocolBinding& r) { ++r.status_completes; });
    }

    void free_packets() {
        if (buffer_pool_ != nullptr) NdisFreeBufferPool(buffer_pool_);
        if (packet_pool_ != nullptr) NdisFreePacketPool(packet_pool_);
        buffer_pool_ = packet_pool_ = nullptr;
    }

    std::string name_;
    std::vector<WCHAR> name_chars_;
    Options options_;
    int slot_ = 0;
    NDIS_HANDLE handle_ = nullptr;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    unsigned bind_calls_ = 0;
    std::vector<std::string> bind_devices_;
    std::vector<std::unique_ptr<ProtocolBinding>> bindings_;  // kept until the protocol goes
    NDIS_HANDLE packet_pool_ = nullptr;
    NDIS_HANDLE buffer_pool_ = nullptr;
    std::array<std::array<UCHAR, 1514>, kPackets> frames_{};
    UINT frames_used_ = 0;
};

// ---- TestMiniport -----------------------------------------------------------------------------

class TestMiniport;

// One adapter: the MiniportAdapterContext.
struct MiniportAdapter {
    TestMiniport* driver = nullptr;
    NDIS_HANDLE handle = nullptr;           // MiniportAdapterHandle
    std::string device_name;                // filled by TestMiniport::add_adapter
    std::vector<NDIS_MEDIUM> offered_media; // MediumArray as MiniportInitialize saw it
    std::array<UCHAR, 6> mac{};
    std::atomic<int> inside{0};             // handlers running now
    std::atomic<int> overlaps{0};           // a handler entered while another was running
    std::atomic<unsigned> send_calls{0};    // MiniportSendPackets calls
    std::atomic<unsigned> packets_sent{0};   // packets MiniportSendPackets was given
    std::atomic<unsigned> resets{0};
    std::atomic<bool> halted{false};
    std::mutex sets_mutex;
    std::vector<std::pair<NDIS_OID, std::vector<UCHAR>>> sets;  // MiniportSetInformation calls, in order
};

class TestMiniport {
public:
    static constexpr int kSlots = 4;

    struct Options {
        NDIS_MEDIUM medium = NdisMedium802_3;  // the one medium the adapter supports
        bool deserialize = true;               // NDIS_ATTRIBUTE_DESERIALIZE
        bool select_medium = true;             // FALSE: succeed without setting SelectedMediumIndex
        NDIS_STATUS initialize_status = NDIS_STATUS_SUCCESS;
        bool reset_pends = false;              // MiniportReset returns PENDING; the test completes it
        bool addressing_reset = false;         // MiniportReset asks NDIS to restore the addressing
        NDIS_STATUS serialized_send_status = NDIS_STATUS_SUCCESS;  // !deserialize: each packet's status
        EventLog* log = nullptr;               // "halt:<service>", "reset:<service>"
        // Runs inside MiniportInitialize after NdisMSetAttributesEx (configuration reads).
        std::function<void(MiniportAdapter&, NDIS_HANDLE wrapper_configuration_context)> on_initialize;
        // Runs inside MiniportSendPackets for each packet, before it is completed.
        std::function<void(MiniportAdapter&, PNDIS_PACKET)> on_send;
    };

    TestMiniport(Host& host, std::string service) : TestMiniport(host, std::move(service), Options()) {}
    TestMiniport(Host& host, std::string service, Options options)
        : host_(host), service_(std::move(service)), options_(std::move(options)),
          registry_path_("\\Registry\\Machine\\System\\CurrentControlSet\\Services\\" + service_) {
        for (slot_ = 0; slot_ < kSlots; ++slot_) {
            TestMiniport* expected = nullptr;
            if (slots()[slot_].compare_exchange_strong(expected, this)) break;
        }
        if (slot_ == kSlots) throw std::runtime_error("too many TestMiniport instances");
    }
    ~TestMiniport() {
        for (const auto& a : adapters_)
            if (!a->device_name.empty() && !a->halted.load()) host_.remove_adapter(a->device_name);
        if (wrapper_ != nullptr) NdisTerminateWrapper(wrapper_, nullptr);
        slots()[slot_].store(nullptr);
    }
    TestMiniport(const TestMiniport&) = delete;
    TestMiniport& operator=(const TestMiniport&) = delete;

    const std::string& service() const { return service_; }
    Options& options() { return options_; }

    // What a miniport's DriverEntry does: NdisMInitializeWrapper with the service's registry
    // path as SystemSpecific2, then NdisMRegisterMiniport with NDIS 5.1 characteristics.
    NDIS_STATUS register_driver() {
        NdisMInitializeWrapper(&wrapper_, &driver_object_, registry_path_.get(), nullptr);
        if (wrapper_ == nullptr) return NDIS_STATUS_FAILURE;
        NDIS51_MINIPORT_CHARACTERISTICS c{};
        c.MajorNdisVersion = 5;
        c.MinorNdisVersion = 1;
        c.InitializeHandler = initialize_thunks()[slot_];
        c.HaltHandler = &TestMiniport::Halt;
        c.QueryInformationHandler = &TestMiniport::QueryInformation;
        c.SetInformationHandler = &TestMiniport::SetInformation;
        c.ResetHandler = &TestMiniport::Reset;
        c.SendPacketsHandler = &TestMiniport::SendPackets;
        c.PnPEventNotifyHandler = &TestMiniport::PnPEventNotify;
        return NdisMRegisterMiniport(wrapper_, reinterpret_cast<PNDIS_MINIPORT_CHARACTERISTICS>(&c), sizeof c);
    }

    // Host::add_adapter for this driver; on success returns the adapter NDIS initialised.
    MiniportAdapter* add_adapter(const std::map<std::string, registry::Value>& parameters = {},
                                 AdapterInfo* info = nullptr, NDIS_STATUS* status_out = nullptr) {
        AdapterInfo local;
        NDIS_STATUS status = host_.add_adapter(service_, parameters, &local);
        if (status_out != nullptr) *status_out = status;
        if (status != NDIS_STATUS_SUCCESS) return nullptr;
        if (info != nullptr) *info = local;
        std::lock_guard lock(mutex_);
        MiniportAdapter* a = adapters_.back().get();
        a->device_name = local.device_name;
        return a;
    }
    // Host::remove_adapter (NDIS unbinds every protocol, then halts the adapter).
    NDIS_STATUS remove_adapter(MiniportAdapter* a) { return host_.remove_adapter(a->device_name); }

    unsigned initialize_calls() const { return initialize_calls_.load(); }
    unsigned halts() const { return halts_.load(); }

private:
    static std::array<std::atomic<TestMiniport*>, kSlots>& slots() {
        static std::array<std::atomic<TestMiniport*>, kSlots> all{};
        return all;
    }
    template <int N>
    static NDIS_STATUS InitializeThunk(PNDIS_STATUS open_error, PUINT selected, PNDIS_MEDIUM media, UINT count,
                                       NDIS_HANDLE handle, NDIS_HANDLE configuration) {
        return slots()[N].load()->initialize(open_error, selected, media, count, handle, configuration);
    }
    static const std::array<W_INITIALIZE_HANDLER, kSlots>& initialize_thunks() {
        static const std::array<W_INITIALIZE_HANDLER, kSlots> thunks{InitializeThunk<0>, InitializeThunk<1>,
                                                                    InitializeThunk<2>, InitializeThunk<3>};
        return thunks;
    }

    // Brackets every handler: counts a call that overlaps another on the same adapter.
    class Inside {
    public:
        explicit Inside(MiniportAdapter& a) : a_(a) {
            if (a_.inside.fetch_add(1) != 0) a_.overlaps.fetch_add(1);
        }
        ~Inside() { a_.inside.fetch_sub(1); }
        Inside(const Inside&) = delete;
        Inside& operator=(const Inside&) = delete;

    private:
        MiniportAdapter& a_;
    };

    NDIS_STATUS initialize(PNDIS_STATUS open_error, PUINT selected, PNDIS_MEDIUM media, UINT count, NDIS_HANDLE handle,
                           NDIS_HANDLE configuration) {
        initialize_calls_.fetch_add(1);
        *open_error = NDIS_STATUS_SUCCESS;
        auto fresh = std::make_unique<MiniportAdapter>();
        MiniportAdapter* a = fresh.get();
        a->driver = this;
        a->handle = handle;
        a->offered_media.assign(media, media + count);
        a->mac = {0x02, 0xAA, 0x00, 0x00, static_cast<UCHAR>(slot_), static_cast<UCHAR>(next_number_++)};
        {
            std::lock_guard lock(mutex_);
            adapters_.push_back(std::move(fresh));
        }
        UINT i = 0;
        while (i < count && media[i] != options_.medium) ++i;
        if (i == count) return NDIS_STATUS_UNSUPPORTED_MEDIA;
        if (options_.select_medium) *selected = i;
        NdisMSetAttributesEx(handle, a, 0, options_.deserialize ? NDIS_ATTRIBUTE_DESERIALIZE : 0,
                             NdisInterfaceInternal);
        if (options_.on_initialize) options_.on_initialize(*a, configuration);
        if (options_.initialize_status != NDIS_STATUS_SUCCESS) a->halted.store(true);  // never halted by NDIS
        return options_.initialize_status;
    }
    static VOID Halt(NDIS_HANDLE context) {
        auto* a = static_cast<MiniportAdapter*>(context);
        Inside inside(*a);
        if (a->driver->options_.log != nullptr) a->driver->options_.log->add("halt:" + a->driver->service_);
        a->driver->halts_.fetch_add(1);
        a->halted.store(true);
    }
    static NDIS_STATUS answer(PVOID buffer, ULONG length, const void* data, ULONG size, PULONG written,
                              PULONG needed) {
        if (length < size) {
            *written = 0;
            *needed = size;
            return NDIS_STATUS_INVALID_LENGTH;
        }
        std::memcpy(buffer, data, size);
        *written = size;
        *needed = 0;
        return NDIS_STATUS_SUCCESS;
    }
    static NDIS_STATUS QueryInformation(NDIS_HANDLE context, NDIS_OID oid, PVOID buffer, ULONG length, PULONG written,
                                        PULONG needed) {
        auto* a = static_cast<MiniportAdapter*>(context);
        Inside inside(*a);
        ULONG value = 0;
        NDIS_MEDIUM medium = a->driver->options_.medium;
        switch (oid) {
        case OID_802_3_CURRENT_ADDRESS:
        case OID_802_3_PERMANENT_ADDRESS: return answer(buffer, length, a->mac.data(), 6, written, needed);
        case OID_GEN_MEDIA_SUPPORTED:
        case OID_GEN_MEDIA_IN_USE: return answer(buffer, length, &medium, sizeof medium, written, needed);
        case OID_GEN_MAC_OPTIONS:
            value = NDIS_MAC_OPTION_COPY_LOOKAHEAD_DATA | NDIS_MAC_OPTION_NO_LOOPBACK |
                    NDIS_MAC_OPTION_TRANSFERS_NOT_PEND;
            break;
        case OID_GEN_MAXIMUM_LOOKAHEAD:
        case OID_GEN_MAXIMUM_FRAME_SIZE: value = 1500; break;
        case OID_GEN_MAXIMUM_TOTAL_SIZE: value = 1514; break;
        default:
            *written = 0;
            *needed = 0;
            return NDIS_STATUS_NOT_SUPPORTED;
        }
        return answer(buffer, length, &value, sizeof value, written, needed);
    }
    static NDIS_STATUS SetInformation(NDIS_HANDLE context, NDIS_OID oid, PVOID buffer, ULONG length, PULONG read,
                                      PULONG needed) {
        auto* a = static_cast<MiniportAdapter*>(context);
        Inside inside(*a);
        *needed = 0;
        {
            const auto* bytes = static_cast<const UCHAR*>(buffer);
            std::lock_guard lock(a->sets_mutex);
            a->sets.emplace_back(oid, std::vector<UCHAR>(bytes, bytes + length));
        }
        switch (oid) {
        case OID_GEN_CURRENT_PACKET_FILTER:
        case OID_GEN_CURRENT_LOOKAHEAD:
        case OID_802_3_MULTICAST_LIST:
            *read = length;
            return NDIS_STATUS_SUCCESS;
        default:
            *read = 0;
            return NDIS_STATUS_NOT_SUPPORTED;
        }
    }
    static NDIS_STATUS Reset(PBOOLEAN addressing_reset, NDIS_HANDLE context) {
        auto* a = static_cast<MiniportAdapter*>(context);
        Inside inside(*a);
        *addressing_reset = a->driver->options_.addressing_reset ? TRUE : FALSE;
        a->resets.fetch_add(1);
        if (a->driver->options_.log != nullptr) a->driver->options_.log->add("reset:" + a->driver->service_);
        return a->driver->options_.reset_pends ? NDIS_STATUS_PENDING : NDIS_STATUS_SUCCESS;
    }
    static VOID PnPEventNotify(NDIS_HANDLE context, NDIS_DEVICE_PNP_EVENT event, PVOID, ULONG) {
        auto* a = static_cast<MiniportAdapter*>(context);
        if (a->driver->options_.log != nullptr)
            a->driver->options_.log->add("pnp" + std::to_string(static_cast<int>(event)) + ":" + a->driver->service_);
    }
    static VOID SendPackets(NDIS_HANDLE context, PPNDIS_PACKET packets, UINT count) {
        auto* a = static_cast<MiniportAdapter*>(context);
        TestMiniport& d = *a->driver;
        {
            Inside inside(*a);
            a->send_calls.fetch_add(1);
            for (UINT i = 0; i < count; ++i) {
                a->packets_sent.fetch_add(1);
                if (d.options_.on_send) d.options_.on_send(*a, packets[i]);
                if (!d.options_.deserialize) NDIS_SET_PACKET_STATUS(packets[i], d.options_.serialized_send_status);
            }
        }
        // A deserialized miniport owns the packets until NdisMSendComplete; completing them
        // after leaving keeps the overlap count about the miniport's own code.
        if (d.options_.deserialize)
            for (UINT i = 0; i < count; ++i) NdisMSendComplete(a->handle, packets[i], NDIS_STATUS_SUCCESS);
    }

    Host& host_;
    std::string service_;
    Options options_;
    OwnedUnicode registry_path_;
    int slot_ = 0;
    DRIVER_OBJECT driver_object_{};
    NDIS_HANDLE wrapper_ = nullptr;
    std::mutex mutex_;
    std::vector<std::unique_ptr<MiniportAdapter>> adapters_;  // kept until the driver goes
    unsigned next_number_ = 1;
    std::atomic<unsigned> initialize_calls_{0};
    std::atomic<unsigned> halts_{0};
};

// ---- A loop + probe stack per test ------------------------------------------------------------

// Result of a ProbeRequest.
struct ProbeResult {
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    UINT bytes_done = 0;
    UINT bytes_needed = 0;
};

// Fixture base: a host on its own temporary root with loop.sys and probe.sys loaded (verifier on,
// two processors) and the verifier's reports cleared.
class StackTest : public ::testing::Test {
protected:
    void SetUp() override {
        stack_ = std::make_unique<host::LoopProbeStack>(root_.path() / "root", driver_dir(), 2, true);
        verifier::clear();
    }
    void TearDown() override { ndis::set_open_adapter_pends(false); }

    Host& host() { return stack_->host(); }
    const host::LoopHooks& loop() const { return stack_->loop(); }
    const host::ProbeHooks& probe() const { return stack_->probe(); }
    host::StackAdapter& add(const std::map<std::string, registry::Value>& parameters = {}, bool bind = true) {
        return stack_->add_adapter(parameters, bind);
    }

    ProbeResult probe_request(PVOID binding, NDIS_REQUEST_TYPE type, NDIS_OID oid, void* buffer, UINT length) {
        ProbeResult r;
        r.status = probe().request(binding, type, oid, buffer, length, &r.bytes_done, &r.bytes_needed);
        return r;
    }
    ProbeResult probe_query(PVOID binding, NDIS_OID oid, void* buffer, UINT length) {
        return probe_request(binding, NdisRequestQueryInformation, oid, buffer, length);
    }
    ProbeResult probe_set(PVOID binding, NDIS_OID oid, void* buffer, UINT length) {
        return probe_request(binding, NdisRequestSetInformation, oid, buffer, length);
    }
    // A ULONG query that must succeed.
    ULONG probe_ulong(PVOID binding, NDIS_OID oid) {
        ULONG value = 0;
        ProbeResult r = probe_query(binding, oid, &value, sizeof value);
        EXPECT_EQ(r.status, NDIS_STATUS_SUCCESS) << "OID 0x" << std::hex << oid;
        return value;
    }
    PROBE_STATS probe_stats(PVOID binding) {
        PROBE_STATS s{};
        probe().get_stats(binding, &s);
        return s;
    }

    TempDir root_;
    std::unique_ptr<host::LoopProbeStack> stack_;
};

}  // namespace strata::test::drivers
