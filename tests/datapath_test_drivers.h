// datapath_test_drivers.h — in-process test drivers for the data-path conformance tests (seed 003
// §2.5 packets, §2.7 receive, §2.8 send): a miniport (TestAdapter) and a protocol (TestBinding)
// written against include/ndis.h only and registered from the test the way a DriverEntry would,
// whose handlers record what NDIS handed them; a protocol-side packet factory (TxPool); frame
// builders; and DatapathTest, a fixture on the loop↔probe stack that tears everything down in
// the order NDIS needs even when a test failed half-way.
//
// Concurrency: handlers run on any thread (processor threads at DISPATCH_LEVEL, the test thread).
// Each adapter and binding records under its own mutex, never held while NDIS is called; tests
// read through locked() and wait with wait() (a condition variable and a timeout, no sleeping).
#pragma once

// C++ headers before <ndis.h>: its SAL macros (__in, __out) would rewrite libstdc++ code.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <ndis.h>

#include "host/loop_probe_stack.h"
#include "ndis/buffer_pool.h"
#include "ndis/packet_pool.h"
#include "registry/value.h"
#include "strata/host.hpp"
#include "test_support.h"
#include "verifier/verifier.h"

namespace strata::test::datapath {

using Mac = std::array<UCHAR, 6>;
using Frame = std::vector<UCHAR>;

inline constexpr std::chrono::seconds kWait{20};  // only a bound against hanging, never a timing assertion
inline constexpr UINT kWaitMs = 20000;
inline constexpr Mac kBroadcast{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
inline constexpr USHORT kTestEtherType = 0x88B6;  // not probe's 0x88B5: probe counts it as "other"

// ---- Frames -------------------------------------------------------------------------------------

// An Ethernet frame of `size` bytes: header, then payload byte i = (UCHAR)(first + i).
inline Frame make_frame(const Mac& dst, const Mac& src, USHORT ethertype, UINT size, UCHAR first = 0) {
    Frame f(size);
    std::copy(dst.begin(), dst.end(), f.begin());
    std::copy(src.begin(), src.end(), f.begin() + 6);
    f[12] = static_cast<UCHAR>(ethertype >> 8);
    f[13] = static_cast<UCHAR>(ethertype);
    for (UINT i = 14; i < size; ++i) f[i] = static_cast<UCHAR>(first + (i - 14));
    return f;
}

// A frame probe.sys checks (layout in drivers/probe/probe_hooks.h).
inline Frame make_probe_frame(const Mac& dst, const Mac& src, ULONG sender, ULONG64 sequence, UINT size) {
    Frame f = make_frame(dst, src, PROBE_ETHERTYPE, size);
    auto put = [&](UINT at, ULONG64 v, int bytes) {
        for (int i = 0; i < bytes; ++i) f[at + i] = static_cast<UCHAR>(v >> (8 * (bytes - 1 - i)));
    };
    put(14, PROBE_MAGIC, 4);
    put(18, sender, 4);
    put(22, sequence, 8);
    for (UINT i = 30; i < size; ++i) f[i] = static_cast<UCHAR>(sequence + (i - 30));
    return f;
}

inline Mac mac_of(const Frame& f, UINT at = 0) {
    Mac m{};
    std::copy(f.begin() + at, f.begin() + at + 6, m.begin());
    return m;
}

// The bytes a packet's buffer chain describes (any IRQL <= DISPATCH_LEVEL; caller may read the packet).
inline Frame packet_bytes(PNDIS_PACKET packet) {
    Frame out;
    PNDIS_BUFFER buffer = nullptr;
    NdisQueryPacket(packet, nullptr, nullptr, &buffer, nullptr);
    while (buffer != nullptr) {
        PVOID va = nullptr;
        UINT length = 0;
        NdisQueryBufferSafe(buffer, &va, &length, NormalPagePriority);
        auto* bytes = static_cast<const UCHAR*>(va);
        out.insert(out.end(), bytes, bytes + length);
        NdisGetNextBuffer(buffer, &buffer);
    }
    return out;
}

inline UINT buffer_count(PNDIS_PACKET packet) {
    UINT count = 0;
    NdisQueryPacket(packet, nullptr, &count, nullptr, nullptr);
    return count;
}

// Records under one lock and waits for them to change: wait(pred) re-evaluates pred under the
// lock after every change (false on timeout). The lock is recursive so that pred may use the
// locking accessors.
class Recorder {
public:
    template <class F>
    auto locked(F&& f) const {
        std::lock_guard lock(mutex_);
        return f();
    }
    template <class Pred>
    bool wait(Pred&& pred, std::chrono::milliseconds timeout = kWait) const {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, std::forward<Pred>(pred));
    }

protected:
    void notify() const { changed_.notify_all(); }
    mutable std::recursive_mutex mutex_;
    mutable std::condition_variable_any changed_;
};

// ---- TestAdapter: the in-test miniport ---------------------------------------------------------

// What a miniport saw of one packet in MiniportSend(Packets).
struct SentRecord {
    PNDIS_PACKET packet = nullptr;
    int call = 0;                 // which MiniportSend/MiniportSendPackets call (0, 1, ...)
    UINT position = 0;            // index in that call's array
    Frame bytes;
    UINT buffers = 0;
    UINT flags = 0;               // MiniportSend's Flags, else NdisGetPacketFlags
    UINT header_size = 0;         // NDIS_GET_PACKET_HEADER_SIZE
    PNDIS_PACKET original = nullptr;  // NDIS_GET_ORIGINAL_PACKET
    PVOID cancel_id = nullptr;    // NDIS_GET_PACKET_CANCEL_ID
    PVOID ieee8021q = nullptr;    // NDIS_PER_PACKET_INFO_FROM_PACKET(Ieee8021QInfo)
    ULONGLONG time_to_send = 0;
    PVOID media_info = nullptr;
    UINT media_info_size = 0;
    NDIS_STATUS answer = NDIS_STATUS_SUCCESS;  // what the miniport answered
};

struct TransferCall {
    PNDIS_PACKET packet = nullptr;
    UINT byte_offset = 0;
    UINT bytes_to_transfer = 0;
    UINT copied = 0;
};

struct MiniportOptions {
    bool serialized = false;         // no NDIS_ATTRIBUTE_DESERIALIZE
    bool send_handler = false;       // register MiniportSend instead of MiniportSendPackets
    bool return_handler = true;      // MiniportReturnPacket
    bool cancel_handler = true;      // MiniportCancelSendPackets
};

class TestMiniportDriver;

class TestAdapter : public Recorder {
public:
    // ---- Behaviour, set by the test before traffic flows ----
    // Per packet in MiniportSend(Packets): the status to answer (default NDIS_STATUS_SUCCESS).
    // Runs without the adapter lock. PENDING packets are kept in pending() for complete_sends().
    std::function<NDIS_STATUS(PNDIS_PACKET)> decide;
    // Runs at the end of every MiniportSend(Packets) call, still inside it.
    std::function<void()> before_send_returns;
    std::atomic<bool> transfer_pends{false};  // MiniportTransferData copies, then pends

    // ---- Identity ----
    NDIS_HANDLE handle = nullptr;  // MiniportAdapterHandle
    Mac mac{};
    AdapterInfo info;
    MiniportOptions options;

    // ---- Receive packets this miniport indicates (allocated from its own pools) ----
    // A packet whose single buffer maps a copy of `frame`, status set to `status`.
    PNDIS_PACKET rx_packet(const Frame& frame, NDIS_STATUS status = NDIS_STATUS_SUCCESS) {
        NDIS_STATUS s;
        PNDIS_PACKET packet = nullptr;
        NdisAllocatePacket(&s, &packet, rx_packet_pool_);
        if (s != NDIS_STATUS_SUCCESS) throw std::runtime_error("rx packet pool exhausted");
        auto memory = std::make_unique<UCHAR[]>(frame.size());
        std::memcpy(memory.get(), frame.data(), frame.size());
        PNDIS_BUFFER buffer = nullptr;
        NdisAllocateBuffer(&s, &buffer, rx_buffer_pool_, memory.get(), static_cast<UINT>(frame.size()));
        if (s != NDIS_STATUS_SUCCESS) throw std::runtime_error("rx buffer pool exhausted");
        NdisChainBufferAtBack(packet, buffer);
        NDIS_SET_PACKET_HEADER_SIZE(packet, 14);
        NDIS_SET_PACKET_STATUS(packet, status);
        std::lock_guard lock(mutex_);
        rx_memory_.push_back(std::move(memory));
        rx_packets_.push_back(packet);
        return packet;
    }
    // NdisMIndicateReceivePacket on a processor thread at DISPATCH_LEVEL; waits for it.
    void indicate(Host& host, std::vector<PNDIS_PACKET> packets, unsigned cpu = 0) {
        host.run_at_dispatch(cpu, [&] {
            NdisMIndicateReceivePacket(handle, packets.data(), static_cast<UINT>(packets.size()));
        });
    }
    // NdisMEthIndicateReceive with `lookahead` bytes after the header (MiniportReceiveContext is
    // &frame, read by MiniportTransferData), then NdisMEthIndicateReceiveComplete when asked.
    void indicate_lookahead(Host& host, const Frame& frame, UINT lookahead, bool complete = true, unsigned cpu = 0) {
        host.run_at_dispatch(cpu, [&] {
            auto* bytes = const_cast<UCHAR*>(frame.data());
            NdisMEthIndicateReceive(handle, const_cast<Frame*>(&frame), bytes, 14, bytes + 14, lookahead,
                                    static_cast<UINT>(frame.size() - 14));
            if (complete) NdisMEthIndicateReceiveComplete(handle);
        });
    }
    void indicate_receive_complete(Host& host, unsigned cpu = 0) {
        host.run_at_dispatch(cpu, [&] { NdisMEthIndicateReceiveComplete(handle); });
    }
    // NdisMTransferDataComplete for every pended transfer, at DISPATCH_LEVEL.
    void complete_transfers(Host& host, NDIS_STATUS status = NDIS_STATUS_SUCCESS) {
        std::vector<std::pair<PNDIS_PACKET, UINT>> transfers;
        {
            std::lock_guard lock(mutex_);
            transfers.swap(pending_transfers_);
        }
        host.run_at_dispatch(0, [&] {
            for (auto& [packet, copied] : transfers) NdisMTransferDataComplete(handle, packet, status, copied);
        });
    }
    // NdisMSendComplete for the oldest `count` pended sends (all when count is 0), from the
    // calling thread. Returns how many were completed.
    std::size_t complete_sends(std::size_t count = 0, NDIS_STATUS status = NDIS_STATUS_SUCCESS) {
        std::vector<PNDIS_PACKET> done;
        {
            std::lock_guard lock(mutex_);
            while (!pending_.empty() && (count == 0 || done.size() < count)) {
                done.push_back(pending_.front());
                pending_.pop_front();
            }
        }
        for (PNDIS_PACKET p : done) NdisMSendComplete(handle, p, status);
        return done.size();
    }
    void resources_available() { NdisMSendResourcesAvailable(handle); }

    // A miniport timer whose function completes every pended send with NDIS_STATUS_SUCCESS: the
    // way a serialized miniport completes asynchronously inside its serialized context (NDIS
    // runs a serialized miniport's timer functions one at a time with its other MiniportXxx).
    // init at PASSIVE_LEVEL after add_adapter; arm from anywhere (e.g. inside MiniportSend).
    void init_completion_timer() {
        NdisMInitializeTimer(&timer_, handle, &TestAdapter::CompletionTimer, this);
        timer_ready_ = true;
    }
    void arm_completion_timer() { NdisMSetTimer(&timer_, 0); }

    // ---- Records (read with locked() or the accessors) ----
    std::vector<SentRecord> sent() const { return locked([&] { return sent_; }); }
    std::size_t sent_count() const { return locked([&] { return sent_.size(); }); }
    std::vector<PNDIS_PACKET> pending() const {
        return locked([&] { return std::vector<PNDIS_PACKET>(pending_.begin(), pending_.end()); });
    }
    std::vector<PNDIS_PACKET> returned() const { return locked([&] { return returned_; }); }
    std::size_t return_count() const { return locked([&] { return returned_.size(); }); }
    std::size_t returns_of(PNDIS_PACKET p) const {
        return locked([&] { return static_cast<std::size_t>(std::count(returned_.begin(), returned_.end(), p)); });
    }
    std::vector<TransferCall> transfers() const { return locked([&] { return transfers_; }); }
    std::vector<PVOID> cancel_ids() const { return locked([&] { return cancel_ids_; }); }
    int send_calls() const { return locked([&] { return send_calls_; }); }
    int max_concurrent_calls() const { return max_in_call_.load(); }
    bool halted() const { return locked([&] { return halted_; }); }

    // Teardown: ends every send NDIS queued or gave us, and every pended transfer.
    void drain(Host& host) {
        if (handle == nullptr || halted()) return;
        decide = nullptr;
        before_send_returns = nullptr;
        complete_transfers(host, NDIS_STATUS_FAILURE);
        for (int round = 0; round < 64; ++round) {
            if (options.serialized) resources_available();
            if (complete_sends(0, NDIS_STATUS_FAILURE) == 0) break;
        }
    }

private:
    friend class TestMiniportDriver;

    // Counts MiniportXxx calls in progress; a serialized miniport must never see two.
    class InCall {
    public:
        explicit InCall(TestAdapter& a) : a_(a) {
            int now = a.in_call_.fetch_add(1) + 1;
            int seen = a.max_in_call_.load();
            while (now > seen && !a.max_in_call_.compare_exchange_weak(seen, now)) {
            }
        }
        ~InCall() { a_.in_call_.fetch_sub(1); }

    private:
        TestAdapter& a_;
    };

    static TestAdapter& of(NDIS_HANDLE context) { return *static_cast<TestAdapter*>(context); }

    SentRecord record(PNDIS_PACKET packet, int call, UINT position, UINT flags, NDIS_STATUS answer) {
        SentRecord r;
        r.packet = packet;
        r.call = call;
        r.position = position;
        r.bytes = packet_bytes(packet);
        r.buffers = buffer_count(packet);
        r.flags = flags;
        r.header_size = NDIS_GET_PACKET_HEADER_SIZE(packet);
        r.original = NDIS_GET_ORIGINAL_PACKET(packet);
        r.cancel_id = NDIS_GET_PACKET_CANCEL_ID(packet);
        r.ieee8021q = NDIS_PER_PACKET_INFO_FROM_PACKET(packet, Ieee8021QInfo);
        r.time_to_send = NDIS_GET_PACKET_TIME_TO_SEND(packet);
        NDIS_GET_PACKET_MEDIA_SPECIFIC_INFO(packet, &r.media_info, &r.media_info_size);
        r.answer = answer;
        return r;
    }

    NDIS_STATUS send_one(PNDIS_PACKET packet, int call, UINT position, UINT flags) {
        NDIS_STATUS answer = decide ? decide(packet) : NDIS_STATUS_SUCCESS;
        SentRecord r = record(packet, call, position, flags, answer);
        {
            std::lock_guard lock(mutex_);
            sent_.push_back(std::move(r));
            if (answer == NDIS_STATUS_PENDING) pending_.push_back(packet);
        }
        notify();
        return answer;
    }

    int next_call() {
        std::lock_guard lock(mutex_);
        return send_calls_++;
    }

    // ---- Miniport handlers ----
    static NDIS_STATUS Send(NDIS_HANDLE context, PNDIS_PACKET packet, UINT flags) {
        TestAdapter& a = of(context);
        InCall guard(a);
        NDIS_STATUS answer = a.send_one(packet, a.next_call(), 0, flags);
        if (a.before_send_returns) a.before_send_returns();
        return answer;
    }

    static VOID SendPackets(NDIS_HANDLE context, PPNDIS_PACKET packets, UINT count) {
        TestAdapter& a = of(context);
        InCall guard(a);
        int call = a.next_call();
        std::vector<NDIS_STATUS> answers(count);
        for (UINT i = 0; i < count; ++i)
            answers[i] = a.send_one(packets[i], call, i, NdisGetPacketFlags(packets[i]));
        for (UINT i = 0; i < count; ++i) {
            if (a.options.serialized) {
                NDIS_SET_PACKET_STATUS(packets[i], answers[i]);  // serialized: the status is the answer
            } else if (answers[i] != NDIS_STATUS_PENDING) {
                NdisMSendComplete(a.handle, packets[i], answers[i]);  // deserialized: always complete
            }
        }
        if (a.before_send_returns) a.before_send_returns();
    }

    static VOID ReturnPacket(NDIS_HANDLE context, PNDIS_PACKET packet) {
        TestAdapter& a = of(context);
        InCall guard(a);
        {
            std::lock_guard lock(a.mutex_);
            a.returned_.push_back(packet);
        }
        a.notify();
    }

    static NDIS_STATUS TransferData(PNDIS_PACKET packet, PUINT bytes_transferred, NDIS_HANDLE context,
                                    NDIS_HANDLE receive_context, UINT byte_offset, UINT bytes_to_transfer) {
        TestAdapter& a = of(context);
        InCall guard(a);
        const Frame& frame = *static_cast<const Frame*>(receive_context);
        UINT data = static_cast<UINT>(frame.size() - 14);
        UINT copied = 0;
        if (byte_offset <= data) {
            UINT want = std::min(bytes_to_transfer, data - byte_offset);
            const UCHAR* source = frame.data() + 14 + byte_offset;
            PNDIS_BUFFER buffer = nullptr;
            NdisQueryPacket(packet, nullptr, nullptr, &buffer, nullptr);
            while (buffer != nullptr && copied < want) {
                PVOID va = nullptr;
                UINT length = 0;
                NdisQueryBufferSafe(buffer, &va, &length, NormalPagePriority);
                UINT n = std::min(length, want - copied);
                std::memcpy(va, source + copied, n);
                copied += n;
                NdisGetNextBuffer(buffer, &buffer);
            }
        }
        bool pends = a.transfer_pends.load();
        {
            std::lock_guard lock(a.mutex_);
            a.transfers_.push_back({packet, byte_offset, bytes_to_transfer, copied});
            if (pends) a.pending_transfers_.emplace_back(packet, copied);
        }
        a.notify();
        if (pends) return NDIS_STATUS_PENDING;
        *bytes_transferred = copied;
        return NDIS_STATUS_SUCCESS;
    }

    static VOID CancelSendPackets(NDIS_HANDLE context, PVOID cancel_id) {
        TestAdapter& a = of(context);
        InCall guard(a);
        {
            std::lock_guard lock(a.mutex_);
            a.cancel_ids_.push_back(cancel_id);
        }
        a.notify();
    }

    static VOID CompletionTimer(PVOID, PVOID context, PVOID, PVOID) {
        TestAdapter& a = of(context);
        InCall guard(a);
        a.complete_sends(0, NDIS_STATUS_SUCCESS);
    }

    static NDIS_STATUS QueryInformation(NDIS_HANDLE context, NDIS_OID oid, PVOID buffer, ULONG length,
                                        PULONG written, PULONG needed) {
        TestAdapter& a = of(context);
        InCall guard(a);
        ULONG value = 0;
        const void* data = &value;
        ULONG size = sizeof(ULONG);
        switch (oid) {
        case OID_802_3_CURRENT_ADDRESS:
        case OID_802_3_PERMANENT_ADDRESS:
            data = a.mac.data();
            size = 6;
            break;
        case OID_GEN_MAXIMUM_FRAME_SIZE: value = 1500; break;
        case OID_GEN_MAXIMUM_LOOKAHEAD:
        case OID_GEN_CURRENT_LOOKAHEAD: value = 1500; break;
        case OID_GEN_MAXIMUM_TOTAL_SIZE: value = 1514; break;
        case OID_GEN_MAC_OPTIONS: value = NDIS_MAC_OPTION_NO_LOOPBACK; break;
        case OID_GEN_MAXIMUM_SEND_PACKETS: value = 32; break;
        case OID_GEN_MEDIA_CONNECT_STATUS: value = NdisMediaStateConnected; break;
        case OID_GEN_LINK_SPEED: value = 10000000; break;
        case OID_802_3_MAXIMUM_LIST_SIZE: value = 32; break;
        case OID_GEN_MEDIA_SUPPORTED:
        case OID_GEN_MEDIA_IN_USE: value = NdisMedium802_3; break;
        default: return NDIS_STATUS_NOT_SUPPORTED;
        }
        if (length < size) {
            *needed = size;
            return NDIS_STATUS_INVALID_LENGTH;
        }
        std::memcpy(buffer, data, size);
        *written = size;
        return NDIS_STATUS_SUCCESS;
    }

    static NDIS_STATUS SetInformation(NDIS_HANDLE context, NDIS_OID, PVOID, ULONG length, PULONG read, PULONG) {
        TestAdapter& a = of(context);
        InCall guard(a);
        *read = length;
        return NDIS_STATUS_SUCCESS;
    }

    static NDIS_STATUS Reset(PBOOLEAN addressing_reset, NDIS_HANDLE context) {
        TestAdapter& a = of(context);
        InCall guard(a);
        *addressing_reset = FALSE;
        return NDIS_STATUS_SUCCESS;
    }

    static VOID Halt(NDIS_HANDLE context) {
        TestAdapter& a = of(context);
        InCall guard(a);
        if (a.timer_ready_) {
            BOOLEAN cancelled = FALSE;
            NdisMCancelTimer(&a.timer_, &cancelled);
        }
        std::vector<PNDIS_PACKET> packets;
        {
            std::lock_guard lock(a.mutex_);
            packets.swap(a.rx_packets_);
            a.halted_ = true;
        }
        for (PNDIS_PACKET p : packets) {
            PNDIS_BUFFER buffer = nullptr;
            NdisUnchainBufferAtFront(p, &buffer);
            if (buffer != nullptr) NdisFreeBuffer(buffer);
            NdisFreePacket(p);
        }
        NdisFreeBufferPool(a.rx_buffer_pool_);
        NdisFreePacketPool(a.rx_packet_pool_);
        a.notify();
    }

    std::vector<SentRecord> sent_;
    std::deque<PNDIS_PACKET> pending_;
    std::vector<PNDIS_PACKET> returned_;
    std::vector<TransferCall> transfers_;
    std::vector<std::pair<PNDIS_PACKET, UINT>> pending_transfers_;
    std::vector<PVOID> cancel_ids_;
    int send_calls_ = 0;
    bool halted_ = false;
    std::atomic<int> in_call_{0};
    std::atomic<int> max_in_call_{0};
    NDIS_HANDLE rx_packet_pool_ = nullptr;
    NDIS_HANDLE rx_buffer_pool_ = nullptr;
    std::vector<std::unique_ptr<UCHAR[]>> rx_memory_;
    std::vector<PNDIS_PACKET> rx_packets_;
    NDIS_MINIPORT_TIMER timer_{};
    bool timer_ready_ = false;
};

// A miniport driver registered like a DriverEntry would (NdisMInitializeWrapper with the service's
// registry path, NdisMRegisterMiniport with NDIS 5.1 characteristics); adapters come from
// Host::add_adapter, which runs MiniportInitialize on the calling thread.
class TestMiniportDriver {
public:
    TestMiniportDriver(std::string service, MiniportOptions options) : service_(std::move(service)), options_(options) {
        std::string path = "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\" + service_;
        path_chars_.assign(path.begin(), path.end());
        path_chars_.push_back(0);
        registry_path_.Length = static_cast<USHORT>((path_chars_.size() - 1) * sizeof(WCHAR));
        registry_path_.MaximumLength = static_cast<USHORT>(path_chars_.size() * sizeof(WCHAR));
        registry_path_.Buffer = path_chars_.data();
        NdisMInitializeWrapper(&wrapper_, &driver_object_, &registry_path_, nullptr);
        if (wrapper_ == nullptr) throw std::runtime_error("NdisMInitializeWrapper failed");
        NDIS51_MINIPORT_CHARACTERISTICS c{};
        c.MajorNdisVersion = 5;
        c.MinorNdisVersion = 1;
        c.InitializeHandler = &TestMiniportDriver::Initialize;
        c.HaltHandler = &TestAdapter::Halt;
        c.QueryInformationHandler = &TestAdapter::QueryInformation;
        c.SetInformationHandler = &TestAdapter::SetInformation;
        c.ResetHandler = &TestAdapter::Reset;
        c.TransferDataHandler = &TestAdapter::TransferData;
        if (options.send_handler) c.SendHandler = &TestAdapter::Send;
        else c.SendPacketsHandler = &TestAdapter::SendPackets;
        if (options.return_handler) c.ReturnPacketHandler = &TestAdapter::ReturnPacket;
        if (options.cancel_handler) c.CancelSendPacketsHandler = &TestAdapter::CancelSendPackets;
        NDIS_STATUS status =
            NdisMRegisterMiniport(wrapper_, reinterpret_cast<PNDIS_MINIPORT_CHARACTERISTICS>(&c), sizeof c);
        if (status != NDIS_STATUS_SUCCESS) throw std::runtime_error("NdisMRegisterMiniport failed");
    }
    ~TestMiniportDriver() { terminate(); }
    TestMiniportDriver(const TestMiniportDriver&) = delete;
    TestMiniportDriver& operator=(const TestMiniportDriver&) = delete;

    const std::string& service() const { return service_; }

    // Host::add_adapter → MiniportInitialize. Throws when the adapter does not come up.
    TestAdapter& add_adapter(Host& host, const Mac& mac) {
        auto adapter = std::make_unique<TestAdapter>();
        adapter->mac = mac;
        adapter->options = options_;
        initializing() = adapter.get();
        NDIS_STATUS status = host.add_adapter(service_, {}, &adapter->info);
        initializing() = nullptr;
        if (status != NDIS_STATUS_SUCCESS) throw std::runtime_error("add_adapter failed");
        adapters_.push_back(std::move(adapter));
        return *adapters_.back();
    }
    std::vector<std::unique_ptr<TestAdapter>>& adapters() { return adapters_; }

    // Halts every adapter (NDIS unbinds first) and terminates the wrapper; the adapter objects
    // stay allocated until the driver object goes, so a late DPC never reads freed memory.
    void remove_adapters(Host& host) {
        for (auto& a : adapters_)
            if (!a->halted()) host.remove_adapter(a->info.device_name);
    }
    void terminate() {
        if (wrapper_ != nullptr) NdisTerminateWrapper(wrapper_, nullptr);
        wrapper_ = nullptr;
    }

private:
    static TestAdapter*& initializing() {
        static thread_local TestAdapter* adapter = nullptr;
        return adapter;
    }

    static NDIS_STATUS Initialize(PNDIS_STATUS, PUINT selected, PNDIS_MEDIUM media, UINT media_count,
                                  NDIS_HANDLE handle, NDIS_HANDLE) {
        TestAdapter* a = initializing();
        if (a == nullptr) return NDIS_STATUS_FAILURE;
        UINT i = 0;
        while (i < media_count && media[i] != NdisMedium802_3) ++i;
        if (i == media_count) return NDIS_STATUS_UNSUPPORTED_MEDIA;
        *selected = i;
        a->handle = handle;
        NdisMSetAttributesEx(handle, a, 0, a->options.serialized ? 0 : NDIS_ATTRIBUTE_DESERIALIZE,
                             NdisInterfaceInternal);
        NDIS_STATUS status;
        NdisAllocatePacketPool(&status, &a->rx_packet_pool_, 256, PROTOCOL_RESERVED_SIZE_IN_PACKET);
        if (status != NDIS_STATUS_SUCCESS) return status;
        NdisAllocateBufferPool(&status, &a->rx_buffer_pool_, 256);
        return status;
    }

    std::string service_;
    MiniportOptions options_;
    std::vector<WCHAR> path_chars_;
    UNICODE_STRING registry_path_{};
    DRIVER_OBJECT driver_object_{};
    NDIS_HANDLE wrapper_ = nullptr;
    std::vector<std::unique_ptr<TestAdapter>> adapters_;
};

// ---- TestBinding / TestProtocol: the in-test protocol ------------------------------------------

// One receive indication as the protocol saw it.
struct ReceiveRecord {
    bool via_receive_packet = false;
    PNDIS_PACKET packet = nullptr;     // ReceivePacket: the packet; Receive: NdisGetReceivedPacket
    NDIS_HANDLE mac_context = nullptr; // Receive only
    UINT header_size = 0;
    UINT lookahead_size = 0;
    UINT packet_size = 0;              // Receive: PacketSize; ReceivePacket: total bytes
    Frame frame;                       // Receive: header + lookahead; ReceivePacket: the whole packet
    NDIS_STATUS packet_status = NDIS_STATUS_SUCCESS;  // NDIS_GET_PACKET_STATUS when a packet is known
    KIRQL irql = PASSIVE_LEVEL;
    // OOB of the packet (ReceivePacket, or NdisGetReceivedPacket's in Receive)
    PNDIS_PACKET original = nullptr;   // NDIS_GET_ORIGINAL_PACKET
    UINT oob_header_size = 0;
    ULONGLONG time_received = 0;
    ULONGLONG time_sent = 0;
    PVOID media_info = nullptr;
    UINT media_info_size = 0;
};

struct TransferCompleteRecord {
    PNDIS_PACKET packet = nullptr;
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    UINT bytes = 0;
    Frame data;
};

class TestProtocol;

class TestBinding : public Recorder {
public:
    // ---- Behaviour ----
    // ProtocolReceivePacket's result for a packet (default 0). A positive result keeps the packet
    // in held() once per reference.
    std::function<INT(PNDIS_PACKET)> receive_packet_result;
    // Runs inside ProtocolReceive after the indication was recorded; its result is returned.
    std::function<NDIS_STATUS(TestBinding&, NDIS_HANDLE mac_context, const ReceiveRecord&)> on_receive;
    // Runs inside ProtocolSendComplete after the completion was recorded.
    std::function<void(PNDIS_PACKET, NDIS_STATUS)> on_send_complete;

    // ---- Identity ----
    TestProtocol* protocol = nullptr;
    NDIS_HANDLE handle = nullptr;  // NdisBindingHandle
    std::string device;

    // ---- Records ----
    std::vector<std::string> events() const { return locked([&] { return events_; }); }
    std::vector<ReceiveRecord> receives() const { return locked([&] { return receives_; }); }
    std::size_t receive_count() const { return locked([&] { return receives_.size(); }); }
    std::size_t receive_completes() const { return locked([&] { return receive_completes_; }); }
    std::vector<std::pair<PNDIS_PACKET, NDIS_STATUS>> send_completes() const {
        return locked([&] { return send_completes_; });
    }
    std::size_t send_complete_count() const { return locked([&] { return send_completes_.size(); }); }
    std::vector<TransferCompleteRecord> transfer_completes() const { return locked([&] { return transfer_completes_; }); }
    std::vector<PNDIS_PACKET> held() const { return locked([&] { return held_; }); }
    bool close_completed() const { return locked([&] { return close_completed_; }); }
    NDIS_STATUS close_status() const { return locked([&] { return close_status_; }); }

    // Forgets held references the test returned itself.
    void forget_held() { locked([&] { held_.clear(); return 0; }); }
    // NdisReturnPackets once per held reference (all when count is 0); returns how many calls.
    std::size_t return_held(std::size_t count = 0) {
        std::vector<PNDIS_PACKET> packets;
        {
            std::lock_guard lock(mutex_);
            while (!held_.empty() && (count == 0 || packets.size() < count)) {
                packets.push_back(held_.front());
                held_.erase(held_.begin());
            }
        }
        for (PNDIS_PACKET p : packets) NdisReturnPackets(&p, 1);
        return packets.size();
    }

    // NdisRequest, waiting for ProtocolRequestComplete when it pends. PASSIVE_LEVEL.
    NDIS_STATUS request(NDIS_REQUEST_TYPE type, NDIS_OID oid, PVOID buffer, UINT length) {
        NDIS_REQUEST r{};
        r.RequestType = type;
        r.DATA.QUERY_INFORMATION.Oid = oid;
        r.DATA.QUERY_INFORMATION.InformationBuffer = buffer;
        r.DATA.QUERY_INFORMATION.InformationBufferLength = length;
        {
            std::lock_guard lock(mutex_);
            request_done_ = false;
        }
        NDIS_STATUS status = NDIS_STATUS_FAILURE;
        NdisRequest(&status, handle, &r);
        if (status != NDIS_STATUS_PENDING) return status;
        if (!wait([&] { return request_done_; })) return NDIS_STATUS_FAILURE;
        return locked([&] { return request_status_; });
    }
    NDIS_STATUS set_packet_filter(ULONG filter) {
        return request(NdisRequestSetInformation, OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof filter);
    }

    // Sends one packet with NdisSend; returns NdisSend's status.
    NDIS_STATUS send(PNDIS_PACKET packet) {
        NDIS_STATUS status = NDIS_STATUS_FAILURE;
        NdisSend(&status, handle, packet);
        return status;
    }
    void send_packets(std::vector<PNDIS_PACKET> packets) {
        NdisSendPackets(handle, packets.data(), static_cast<UINT>(packets.size()));
    }

    // Test-initiated close (not through ProtocolUnbindAdapter).
    NDIS_STATUS close() {
        NDIS_STATUS status = NDIS_STATUS_FAILURE;
        NdisCloseAdapter(&status, handle);
        return status;
    }

private:
    friend class TestProtocol;

    static TestBinding& of(NDIS_HANDLE context) { return *static_cast<TestBinding*>(context); }

    static void read_oob(ReceiveRecord& r, PNDIS_PACKET packet) {
        r.packet_status = NDIS_GET_PACKET_STATUS(packet);
        r.original = NDIS_GET_ORIGINAL_PACKET(packet);
        r.oob_header_size = NDIS_GET_PACKET_HEADER_SIZE(packet);
        r.time_received = NDIS_GET_PACKET_TIME_RECEIVED(packet);
        r.time_sent = NDIS_GET_PACKET_TIME_SENT(packet);
        NDIS_GET_PACKET_MEDIA_SPECIFIC_INFO(packet, &r.media_info, &r.media_info_size);
    }

    static VOID OpenAdapterComplete(NDIS_HANDLE context, NDIS_STATUS status, NDIS_STATUS open_error) {
        TestBinding& b = of(context);
        NDIS_HANDLE bind_context = b.locked([&] { return b.bind_context_; });
        if (bind_context != nullptr) NdisCompleteBindAdapter(bind_context, status, open_error);
    }
    static VOID CloseAdapterComplete(NDIS_HANDLE context, NDIS_STATUS status) {
        TestBinding& b = of(context);
        NDIS_HANDLE unbind_context;
        {
            std::lock_guard lock(b.mutex_);
            b.close_completed_ = true;
            b.close_status_ = status;
            b.events_.push_back("close");
            unbind_context = b.unbind_context_;
        }
        b.notify();
        if (unbind_context != nullptr) NdisCompleteUnbindAdapter(unbind_context, NDIS_STATUS_SUCCESS);
    }
    static VOID SendComplete(NDIS_HANDLE context, PNDIS_PACKET packet, NDIS_STATUS status) {
        TestBinding& b = of(context);
        {
            std::lock_guard lock(b.mutex_);
            b.send_completes_.emplace_back(packet, status);
            b.events_.push_back("sc");
        }
        if (b.on_send_complete) b.on_send_complete(packet, status);
        b.notify();
    }
    static VOID TransferDataComplete(NDIS_HANDLE context, PNDIS_PACKET packet, NDIS_STATUS status, UINT bytes) {
        TestBinding& b = of(context);
        TransferCompleteRecord r{packet, status, bytes, packet_bytes(packet)};
        {
            std::lock_guard lock(b.mutex_);
            b.transfer_completes_.push_back(std::move(r));
            b.events_.push_back("tc");
        }
        b.notify();
    }
    static VOID ResetComplete(NDIS_HANDLE, NDIS_STATUS) {}
    static VOID RequestComplete(NDIS_HANDLE context, PNDIS_REQUEST, NDIS_STATUS status) {
        TestBinding& b = of(context);
        {
            std::lock_guard lock(b.mutex_);
            b.request_status_ = status;
            b.request_done_ = true;
        }
        b.notify();
    }
    static NDIS_STATUS Receive(NDIS_HANDLE context, NDIS_HANDLE mac_context, PVOID header, UINT header_size,
                               PVOID lookahead, UINT lookahead_size, UINT packet_size) {
        TestBinding& b = of(context);
        ReceiveRecord r;
        r.via_receive_packet = false;
        r.mac_context = mac_context;
        r.header_size = header_size;
        r.lookahead_size = lookahead_size;
        r.packet_size = packet_size;
        r.irql = KeGetCurrentIrql();
        auto* h = static_cast<const UCHAR*>(header);
        auto* l = static_cast<const UCHAR*>(lookahead);
        r.frame.assign(h, h + header_size);
        r.frame.insert(r.frame.end(), l, l + lookahead_size);
        r.packet = NdisGetReceivedPacket(b.handle, mac_context);
        if (r.packet != nullptr) read_oob(r, r.packet);
        {
            std::lock_guard lock(b.mutex_);
            b.receives_.push_back(r);
            b.events_.push_back("r");
        }
        NDIS_STATUS status = b.on_receive ? b.on_receive(b, mac_context, r) : NDIS_STATUS_SUCCESS;
        b.notify();
        return status;
    }
    static VOID ReceiveComplete(NDIS_HANDLE context) {
        TestBinding& b = of(context);
        {
            std::lock_guard lock(b.mutex_);
            ++b.receive_completes_;
            b.events_.push_back("rc");
        }
        b.notify();
    }
    static INT ReceivePacket(NDIS_HANDLE context, PNDIS_PACKET packet) {
        TestBinding& b = of(context);
        ReceiveRecord r;
        r.via_receive_packet = true;
        r.packet = packet;
        r.frame = packet_bytes(packet);
        r.packet_size = static_cast<UINT>(r.frame.size());
        r.irql = KeGetCurrentIrql();
        read_oob(r, packet);
        INT result = b.receive_packet_result ? b.receive_packet_result(packet) : 0;
        {
            std::lock_guard lock(b.mutex_);
            b.receives_.push_back(std::move(r));
            b.events_.push_back("rp");
            for (INT i = 0; i < result; ++i) b.held_.push_back(packet);
        }
        b.notify();
        return result;
    }
    static VOID Status(NDIS_HANDLE, NDIS_STATUS, PVOID, UINT) {}
    static VOID StatusComplete(NDIS_HANDLE) {}
    static NDIS_STATUS PnPEvent(NDIS_HANDLE, PNET_PNP_EVENT) { return NDIS_STATUS_SUCCESS; }

    std::vector<std::string> events_;
    std::vector<ReceiveRecord> receives_;
    std::vector<PNDIS_PACKET> held_;
    std::vector<std::pair<PNDIS_PACKET, NDIS_STATUS>> send_completes_;
    std::vector<TransferCompleteRecord> transfer_completes_;
    std::size_t receive_completes_ = 0;
    bool close_completed_ = false;
    NDIS_STATUS close_status_ = NDIS_STATUS_PENDING;
    bool request_done_ = false;
    NDIS_STATUS request_status_ = NDIS_STATUS_PENDING;
    NDIS_HANDLE bind_context_ = nullptr;
    NDIS_HANDLE unbind_context_ = nullptr;
};

struct ProtocolOptions {
    bool receive_packet_handler = true;  // register ProtocolReceivePacket
};

// An NDIS 5.0 protocol with every mandatory handler. ProtocolBindAdapter (reached through
// Host::bind) opens the adapter with a new TestBinding as ProtocolBindingContext;
// ProtocolUnbindAdapter closes it, pending until ProtocolCloseAdapterComplete when sends are out.
class TestProtocol {
public:
    static constexpr int kSlots = 4;

    explicit TestProtocol(std::string name, ProtocolOptions options = {}) : name_(std::move(name)) {
        for (slot_ = 0; slot_ < kSlots; ++slot_) {
            TestProtocol* expected = nullptr;
            if (slots()[slot_].compare_exchange_strong(expected, this)) break;
        }
        if (slot_ == kSlots) throw std::runtime_error("too many TestProtocol instances");
        name_chars_.assign(name_.begin(), name_.end());
        name_chars_.push_back(0);
        NDIS50_PROTOCOL_CHARACTERISTICS c{};
        c.MajorNdisVersion = 5;
        c.MinorNdisVersion = 0;
        c.OpenAdapterCompleteHandler = &TestBinding::OpenAdapterComplete;
        c.CloseAdapterCompleteHandler = &TestBinding::CloseAdapterComplete;
        c.SendCompleteHandler = &TestBinding::SendComplete;
        c.TransferDataCompleteHandler = &TestBinding::TransferDataComplete;
        c.ResetCompleteHandler = &TestBinding::ResetComplete;
        c.RequestCompleteHandler = &TestBinding::RequestComplete;
        c.ReceiveHandler = &TestBinding::Receive;
        c.ReceiveCompleteHandler = &TestBinding::ReceiveComplete;
        c.StatusHandler = &TestBinding::Status;
        c.StatusCompleteHandler = &TestBinding::StatusComplete;
        if (options.receive_packet_handler) c.ReceivePacketHandler = &TestBinding::ReceivePacket;
        c.BindAdapterHandler = bind_thunks()[slot_];
        c.UnbindAdapterHandler = &TestProtocol::UnbindAdapter;
        c.PnPEventHandler = &TestBinding::PnPEvent;
        NdisInitUnicodeString(&c.Name, name_chars_.data());
        NDIS_STATUS status = NDIS_STATUS_FAILURE;
        NdisRegisterProtocol(&status, &handle_, reinterpret_cast<PNDIS_PROTOCOL_CHARACTERISTICS>(&c), sizeof c);
        if (status != NDIS_STATUS_SUCCESS) {
            slots()[slot_].store(nullptr);
            throw std::runtime_error("NdisRegisterProtocol failed");
        }
    }
    ~TestProtocol() {
        deregister();
        slots()[slot_].store(nullptr);
    }
    TestProtocol(const TestProtocol&) = delete;
    TestProtocol& operator=(const TestProtocol&) = delete;

    const std::string& name() const { return name_; }
    NDIS_HANDLE handle() const { return handle_; }

    // Host::bind → ProtocolBindAdapter → NdisOpenAdapter. The open binding, or nullptr.
    TestBinding* bind(Host& host, const std::string& device) {
        if (host.bind(name_, device) != NDIS_STATUS_SUCCESS) return nullptr;
        std::lock_guard lock(mutex_);
        for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it)
            if (ndis_iequals((*it)->device, device) && (*it)->handle != nullptr) return it->get();
        return nullptr;
    }
    std::vector<TestBinding*> bindings() {
        std::lock_guard lock(mutex_);
        std::vector<TestBinding*> out;
        for (auto& b : bindings_) out.push_back(b.get());
        return out;
    }
    // NdisDeregisterProtocol: NDIS unbinds every binding still open. Idempotent.
    void deregister() {
        if (handle_ == nullptr) return;
        NDIS_STATUS status;
        NdisDeregisterProtocol(&status, handle_);
        handle_ = nullptr;
    }

private:
    using BindThunk = VOID (*)(PNDIS_STATUS, NDIS_HANDLE, PNDIS_STRING, PVOID, PVOID);

    static bool ndis_iequals(const std::string& a, const std::string& b) {
        return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
                   return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
               });
    }
    static std::array<std::atomic<TestProtocol*>, kSlots>& slots() {
        static std::array<std::atomic<TestProtocol*>, kSlots> s{};
        return s;
    }
    template <int Slot>
    static VOID BindAdapterSlot(PNDIS_STATUS status, NDIS_HANDLE bind_context, PNDIS_STRING device, PVOID, PVOID) {
        TestProtocol* p = slots()[Slot].load();
        if (p == nullptr) {
            *status = NDIS_STATUS_FAILURE;
            return;
        }
        p->bind_adapter(status, bind_context, device);
    }
    static const std::array<BindThunk, kSlots>& bind_thunks() {
        static const std::array<BindThunk, kSlots> thunks{&BindAdapterSlot<0>, &BindAdapterSlot<1>,
                                                          &BindAdapterSlot<2>, &BindAdapterSlot<3>};
        return thunks;
    }

    void bind_adapter(PNDIS_STATUS status, NDIS_HANDLE bind_context, PNDIS_STRING device) {
        auto binding = std::make_unique<TestBinding>();
        binding->protocol = this;
        for (USHORT i = 0; i < device->Length / sizeof(WCHAR); ++i)
            binding->device.push_back(static_cast<char>(device->Buffer[i]));
        binding->bind_context_ = bind_context;
        TestBinding* b = binding.get();
        {
            std::lock_guard lock(mutex_);
            bindings_.push_back(std::move(binding));
        }
        NDIS_MEDIUM media[] = {NdisMedium802_3};
        UINT selected = 0;
        NDIS_STATUS open_error = NDIS_STATUS_SUCCESS;
        NDIS_STATUS s = NDIS_STATUS_FAILURE;
        NDIS_HANDLE h = nullptr;
        NdisOpenAdapter(&s, &open_error, &h, &selected, media, 1, handle_, b, device, 0, nullptr);
        b->handle = h;
        if (s != NDIS_STATUS_PENDING) b->locked([&] { return b->bind_context_ = nullptr; });
        *status = s;
    }

    static VOID UnbindAdapter(PNDIS_STATUS status, NDIS_HANDLE context, NDIS_HANDLE unbind_context) {
        TestBinding& b = TestBinding::of(context);
        b.locked([&] { return b.unbind_context_ = unbind_context; });
        NDIS_STATUS s = NDIS_STATUS_FAILURE;
        NdisCloseAdapter(&s, b.handle);
        if (s != NDIS_STATUS_PENDING) b.locked([&] { return b.unbind_context_ = nullptr; });
        *status = s;
    }

    std::string name_;
    std::vector<WCHAR> name_chars_;
    int slot_ = 0;
    NDIS_HANDLE handle_ = nullptr;
    std::mutex mutex_;
    std::vector<std::unique_ptr<TestBinding>> bindings_;
};

// ---- TxPool: a protocol's own packets (seed 003 §2.5) ------------------------------------------

// Packets from NdisAllocatePacketPool, buffers from NdisAllocateBufferPool over frame memory from
// NdisAllocateMemoryWithTag, one 1536-byte frame area per packet. ProtocolReserved holds a tag
// the test chooses (ULONG64) and the frame area.
class TxPool {
public:
    static constexpr UINT kFrameArea = 1536;
    struct Reserved {
        ULONG64 tag;
        UCHAR* area;
    };

    explicit TxPool(UINT packets, UINT buffers_per_packet = 4) : capacity_(packets) {
        NDIS_STATUS status;
        NdisAllocatePacketPool(&status, &packet_pool_, packets, sizeof(Reserved));
        if (status != NDIS_STATUS_SUCCESS) throw std::runtime_error("NdisAllocatePacketPool failed");
        NdisAllocateBufferPool(&status, &buffer_pool_, packets * buffers_per_packet);
        if (status != NDIS_STATUS_SUCCESS) throw std::runtime_error("NdisAllocateBufferPool failed");
        status = NdisAllocateMemoryWithTag(reinterpret_cast<PVOID*>(&memory_), packets * kFrameArea, 0x73547870u);
        if (status != NDIS_STATUS_SUCCESS) throw std::runtime_error("NdisAllocateMemoryWithTag failed");
        for (UINT i = 0; i < packets; ++i) free_areas_.push_back(memory_ + i * kFrameArea);
    }
    ~TxPool() {
        std::vector<PNDIS_PACKET> left;
        {
            std::lock_guard lock(mutex_);
            left.assign(live_.begin(), live_.end());
        }
        for (PNDIS_PACKET p : left) release(p);
        NdisFreeBufferPool(buffer_pool_);
        NdisFreePacketPool(packet_pool_);
        NdisFreeMemory(memory_, capacity_ * kFrameArea, 0);
    }
    TxPool(const TxPool&) = delete;
    TxPool& operator=(const TxPool&) = delete;

    NDIS_HANDLE packet_pool() const { return packet_pool_; }
    NDIS_HANDLE buffer_pool() const { return buffer_pool_; }

    static Reserved& reserved(PNDIS_PACKET p) { return *reinterpret_cast<Reserved*>(p->ProtocolReserved); }
    static ULONG64 tag(PNDIS_PACKET p) { return reserved(p).tag; }

    // A packet carrying `frame` in `pieces` chained buffers (split evenly, the last takes the
    // rest); nullptr when the packet pool is exhausted.
    PNDIS_PACKET build(const Frame& frame, UINT pieces = 1, ULONG64 tag = 0) {
        NDIS_STATUS status;
        PNDIS_PACKET packet = nullptr;
        NdisAllocatePacket(&status, &packet, packet_pool_);
        if (status != NDIS_STATUS_SUCCESS) return nullptr;
        UCHAR* area;
        {
            std::lock_guard lock(mutex_);
            area = free_areas_.back();
            free_areas_.pop_back();
            live_.insert(packet);
        }
        reserved(packet) = {tag, area};
        fill(packet, frame, pieces);
        return packet;
    }
    // Writes `frame` into the packet's area and chains it in `pieces` buffers (packet unchained).
    void fill(PNDIS_PACKET packet, const Frame& frame, UINT pieces) {
        UCHAR* area = reserved(packet).area;
        std::memcpy(area, frame.data(), frame.size());
        UINT size = static_cast<UINT>(frame.size());
        UINT step = std::max<UINT>(1, size / pieces);
        for (UINT at = 0, i = 0; at < size; ++i) {
            UINT length = i + 1 == pieces ? size - at : std::min(step, size - at);
            PNDIS_BUFFER buffer = nullptr;
            NDIS_STATUS status;
            NdisAllocateBuffer(&status, &buffer, buffer_pool_, area + at, length);
            if (status != NDIS_STATUS_SUCCESS) throw std::runtime_error("NdisAllocateBuffer failed");
            NdisChainBufferAtBack(packet, buffer);
            at += length;
        }
    }
    // Seed §2.5.1: unchain and free every buffer, then NdisReinitializePacket.
    static void unchain_all(PNDIS_PACKET packet) {
        for (;;) {
            PNDIS_BUFFER buffer = nullptr;
            NdisUnchainBufferAtFront(packet, &buffer);
            if (buffer == nullptr) break;
            NdisFreeBuffer(buffer);
        }
    }
    void release(PNDIS_PACKET packet) {
        unchain_all(packet);
        UCHAR* area = reserved(packet).area;
        {
            std::lock_guard lock(mutex_);
            if (live_.erase(packet) == 0) return;
            free_areas_.push_back(area);
        }
        NdisFreePacket(packet);
    }

private:
    UINT capacity_;
    NDIS_HANDLE packet_pool_ = nullptr;
    NDIS_HANDLE buffer_pool_ = nullptr;
    UCHAR* memory_ = nullptr;
    std::mutex mutex_;
    std::vector<UCHAR*> free_areas_;
    std::set<PNDIS_PACKET> live_;
};

// ---- The fixture -------------------------------------------------------------------------------

// The loop↔probe stack (verifier on, two processors) plus any in-test miniports, protocols and
// packet pools a test makes; TearDown first ends everything outstanding (pended sends and
// transfers, NDIS-queued sends, held receives), then deregisters the protocols, halts the
// adapters, and only then lets the host go.
class DatapathTest : public ::testing::Test {
protected:
    void SetUp() override {
        stack_ = std::make_unique<host::LoopProbeStack>(root_.path(), driver_dir(), 2, true);
        verifier::clear();
    }
    void TearDown() override {
        if (!stack_) return;
        for (auto& d : miniports_)
            for (auto& a : d->adapters()) a->drain(host());
        for (auto& p : protocols_)
            for (TestBinding* b : p->bindings()) b->return_held();
        for (auto& p : protocols_) p->deregister();
        for (auto& d : miniports_) d->remove_adapters(host());
        for (auto& d : miniports_) d->terminate();
        protocols_.clear();
        pools_.clear();
        stack_.reset();   // unloads loop and probe, stops the processors
        miniports_.clear();  // adapter objects last: no DPC can run any more
    }

    Host& host() { return stack_->host(); }
    host::LoopProbeStack& stack() { return *stack_; }
    const host::ProbeHooks& probe() { return stack_->probe(); }
    const host::LoopHooks& loop() { return stack_->loop(); }

    TestMiniportDriver& miniport_driver(const std::string& service, MiniportOptions options = {}) {
        miniports_.push_back(std::make_unique<TestMiniportDriver>(service, options));
        return *miniports_.back();
    }
    // One in-test adapter of a new driver (service "tmini<N>").
    TestAdapter& test_adapter(MiniportOptions options = {}, Mac mac = {0x02, 0x54, 0x45, 0x53, 0x54, 0x01}) {
        std::string service = "tmini" + std::to_string(miniports_.size());
        mac[5] = static_cast<UCHAR>(mac[5] + miniports_.size());
        return miniport_driver(service, options).add_adapter(host(), mac);
    }
    TestProtocol& test_protocol(const std::string& name, ProtocolOptions options = {}) {
        protocols_.push_back(std::make_unique<TestProtocol>(name, options));
        return *protocols_.back();
    }
    // A new in-test protocol bound to `adapter` (in-test or loop) with `filter` set; nullptr when
    // the bind or the filter fails.
    template <typename Adapter>
    TestBinding* bind_filtered(Adapter& adapter, ULONG filter, const std::string& name) {
        TestBinding* binding = test_protocol(name).bind(host(), adapter.info.device_name);
        if (binding == nullptr || binding->set_packet_filter(filter) != NDIS_STATUS_SUCCESS) return nullptr;
        return binding;
    }
    TxPool& tx_pool(UINT packets, UINT buffers_per_packet = 4) {
        pools_.push_back(std::make_unique<TxPool>(packets, buffers_per_packet));
        return *pools_.back();
    }
    // A loop adapter (probe bound unless told otherwise) with these parameters.
    host::StackAdapter& loop_adapter(std::map<std::string, registry::Value> parameters = {}, bool bind_probe = true) {
        return stack_->add_adapter(parameters, bind_probe);
    }
    // probe bound to an in-test adapter.
    PVOID bind_probe(TestAdapter& adapter) {
        if (host().bind("probe", adapter.info.device_name) != NDIS_STATUS_SUCCESS) return nullptr;
        return probe().find_binding(adapter.info.device_name.c_str());
    }
    PROBE_STATS probe_stats(PVOID binding) {
        PROBE_STATS s{};
        probe().get_stats(binding, &s);
        return s;
    }
    LOOP_STATS loop_stats(PVOID adapter) {
        LOOP_STATS s{};
        loop().get_stats(adapter, &s);
        return s;
    }
    NDIS_STATUS probe_set(PVOID binding, NDIS_OID oid, PVOID buffer, UINT length) {
        return probe().request(binding, NdisRequestSetInformation, oid, buffer, length, nullptr, nullptr);
    }
    void at_dispatch(const std::function<void()>& fn, unsigned cpu = 0) { host().run_at_dispatch(cpu, fn); }

    static registry::Value dword(ULONG v) { return registry::Value::dword(v); }
    static Mac stack_mac(const host::StackAdapter& a) {
        Mac m{};
        std::copy(a.mac.begin(), a.mac.end(), m.begin());
        return m;
    }

    TempDir root_;
    std::unique_ptr<host::LoopProbeStack> stack_;
    std::vector<std::unique_ptr<TestMiniportDriver>> miniports_;
    std::vector<std::unique_ptr<TestProtocol>> protocols_;
    std::vector<std::unique_ptr<TxPool>> pools_;
};

}  // namespace strata::test::datapath
