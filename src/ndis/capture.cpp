// capture.cpp — see capture.h.
#include "ndis/capture.h"

#include <time.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include "ndis/miniport.h"
#include "ndis/open.h"
#include "ndis/traffic_counters.h"

namespace strata::ndis {
namespace {

std::uint64_t now_ns() noexcept {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(now.tv_nsec);
}

// Copies one frame through `point`'s tap, if it has one that wants `direction`: `available` of
// its `original_length` bytes are at hand, and copy(destination, bytes) writes the first `bytes`.
template <typename Copy>
void record(CapturePoint& point, CaptureDirection direction, UINT original_length, UINT available,
            Copy&& copy) noexcept {
    if (point.tap.load(std::memory_order_relaxed) == nullptr) return;
    // seq_cst with CaptureSession::stop(): either it sees us counted, or we see its nullptr.
    point.writers.fetch_add(1, std::memory_order_seq_cst);
    CaptureTap* tap = point.tap.load(std::memory_order_seq_cst);
    if (tap != nullptr && (tap->directions & direction) != 0) {
        tap->seen.fetch_add(1, std::memory_order_relaxed);
        UINT captured = std::min<UINT>(available, tap->snaplen);
        CaptureRing::RecordInfo info{tap->interface_id, direction, now_ns(), original_length};
        if (std::uint8_t* data = tap->ring->reserve(captured, info)) {
            copy(data, captured);
            tap->ring->commit(data);
        } else {
            tap->dropped.fetch_add(1, std::memory_order_relaxed);
        }
    }
    point.writers.fetch_sub(1, std::memory_order_release);
}

void copy_packet(PNDIS_PACKET packet, std::uint8_t* destination, UINT bytes) noexcept {
    for (PNDIS_BUFFER buffer = packet->Private.Head; buffer != nullptr && bytes != 0; buffer = buffer->Next) {
        UINT n = std::min<UINT>(MmGetMdlByteCount(buffer), bytes);
        std::memcpy(destination, MmGetSystemAddressForMdlSafe(buffer, NormalPagePriority), n);
        destination += n;
        bytes -= n;
    }
}

}  // namespace

void capture_sends(Open& open, PPNDIS_PACKET packets, UINT count) noexcept {
    CapturePoint& adapter = open.miniport->capture;
    for (UINT i = 0; i < count; ++i) {
        PNDIS_PACKET packet = packets[i];
        auto length = static_cast<UINT>(packet_bytes(packet));
        auto copy = [packet](std::uint8_t* destination, UINT bytes) { copy_packet(packet, destination, bytes); };
        record(open.capture, kCaptureOut, length, length, copy);
        record(adapter, kCaptureOut, length, length, copy);
    }
}

void capture_frame(CapturePoint& point, const std::uint8_t* frame, UINT size) noexcept {
    record(point, kCaptureIn, size, size, [frame](std::uint8_t* destination, UINT bytes) {
        if (bytes != 0) std::memcpy(destination, frame, bytes);  // a packet without buffers has no data
    });
}

void capture_lookahead(CapturePoint& point, const void* header, UINT header_size, const void* lookahead,
                       UINT lookahead_size, UINT packet_size) noexcept {
    // The frame is header + packet_size bytes; NDIS has header + lookahead of them (the rest
    // stays in the miniport until NdisTransferData), so a partial lookahead is a short capture.
    UINT available = header_size + std::min(lookahead_size, packet_size);
    record(point, kCaptureIn, header_size + packet_size, available, [&](std::uint8_t* destination, UINT bytes) {
        UINT from_header = std::min(bytes, header_size);
        std::memcpy(destination, header, from_header);
        if (bytes > from_header) std::memcpy(destination + from_header, lookahead, bytes - from_header);
    });
}

CaptureSession::CaptureSession(std::size_t ring_bytes, std::uint32_t snaplen) : ring_(ring_bytes), snaplen_(snaplen) {}

CaptureSession::~CaptureSession() { stop(); }

bool CaptureSession::add(Miniport& miniport, Open* open, std::uint8_t directions) {
    auto tap = std::make_unique<CaptureTap>();
    tap->ring = &ring_;
    tap->interface_id = static_cast<std::uint32_t>(edges_.size());
    tap->snaplen = snaplen_;
    tap->directions = directions;
    CapturePoint* point = open != nullptr ? &open->capture : &miniport.capture;
    miniport.captures_armed.fetch_add(1, std::memory_order_relaxed);
    CaptureTap* expected = nullptr;
    if (!point->tap.compare_exchange_strong(expected, tap.get(), std::memory_order_seq_cst)) {
        miniport.captures_armed.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    edges_.push_back({&miniport, point, std::move(tap), true});
    return true;
}

void CaptureSession::stop() {
    for (Edge& edge : edges_) {
        if (!edge.armed) continue;
        edge.point->tap.store(nullptr, std::memory_order_seq_cst);
        edge.miniport->captures_armed.fetch_sub(1, std::memory_order_relaxed);
    }
    for (Edge& edge : edges_) {
        if (!edge.armed) continue;
        edge.armed = false;
        // A producer copies one frame while counted: this wait is that long at most.
        while (edge.point->writers.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
    }
}

}  // namespace strata::ndis
