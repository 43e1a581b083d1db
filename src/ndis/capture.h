// capture.h — packet capture at the edges of the stack (issue 6 "Capture", `strata capture`):
// every binding (an Open: protocol P over adapter M; P's sends going down, M's indications
// going up to P) and every adapter (what its miniport is given to send and what it indicates)
// has a capture point. A CaptureSession arms points with taps that copy frames into the
// session's CaptureRing; the host's writer thread turns the ring into pcapng.
//
// Cost when nothing captures: the data path reads Miniport::captures_armed (one relaxed load
// per send call or indication) and goes on. When armed: per frame, a writers count on the point,
// a clock read and a copy into the ring; no lock, no heap.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <ndis.h>

#include "ndis/capture_ring.h"

namespace strata::ndis {

struct Miniport;
struct Open;

// Which way a frame crosses an edge; the values are pcapng's epb_flags direction bits.
enum CaptureDirection : std::uint8_t {
    kCaptureIn = 1,   // going up: a miniport's receive indication
    kCaptureOut = 2,  // going down: a protocol's send
    kCaptureBoth = kCaptureIn | kCaptureOut,
};

// One edge of one session: where its frames go and what it counted.
struct CaptureTap {
    CaptureRing* ring = nullptr;
    std::uint32_t interface_id = 0;
    std::uint32_t snaplen = 65535;
    std::uint8_t directions = kCaptureBoth;
    std::atomic<std::uint64_t> seen{0};     // frames that crossed the edge in `directions`
    std::atomic<std::uint64_t> dropped{0};  // of those, refused by a full ring
};

// Embedded in every Open and Miniport. `writers` counts the data path threads inside the tap,
// so disarming can wait until none still copies into a ring that is about to go.
struct CapturePoint {
    std::atomic<CaptureTap*> tap{nullptr};
    std::atomic<std::uint32_t> writers{0};
};

// ---- Data path (call only when the adapter's captures_armed is non-zero) ------------------------

// Sends of `open`: its binding edge and its adapter's edge, direction out.
void capture_sends(Open& open, PPNDIS_PACKET packets, UINT count) noexcept;
// One indicated frame at `point` (an adapter's or a binding's), direction in.
void capture_frame(CapturePoint& point, const std::uint8_t* frame, UINT size) noexcept;
// A lookahead indication: header and lookahead bytes of a frame of header + packet_size bytes.
void capture_lookahead(CapturePoint& point, const void* header, UINT header_size, const void* lookahead,
                       UINT lookahead_size, UINT packet_size) noexcept;

// ---- Sessions (PASSIVE_LEVEL) --------------------------------------------------------------------

class CaptureSession {
public:
    CaptureSession(std::size_t ring_bytes, std::uint32_t snaplen);
    ~CaptureSession();  // stop()
    CaptureSession(const CaptureSession&) = delete;
    CaptureSession& operator=(const CaptureSession&) = delete;

    // Arms the binding `open` of `miniport`, or the adapter itself when `open` is nullptr, as
    // the next interface id. False when another session captures that edge already.
    bool add(Miniport& miniport, Open* open, std::uint8_t directions);
    // Disarms every edge and waits until no thread still copies into the ring; what was
    // captured stays there to be drained. Idempotent.
    void stop();

    CaptureRing& ring() noexcept { return ring_; }
    std::size_t edge_count() const noexcept { return edges_.size(); }
    const CaptureTap& tap(std::size_t interface_id) const noexcept { return *edges_[interface_id].tap; }

private:
    struct Edge {
        Miniport* miniport;
        CapturePoint* point;
        std::unique_ptr<CaptureTap> tap;
        bool armed;
    };
    CaptureRing ring_;
    std::uint32_t snaplen_;
    std::vector<Edge> edges_;
};

}  // namespace strata::ndis
