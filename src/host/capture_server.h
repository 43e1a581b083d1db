// capture_server.h — `strata capture` inside the host (issue 6 "Capture"): names the edges of
// the running stack, arms the requested ones with an ndis::CaptureSession, and streams the
// session as pcapng (pcapng_writer.h) over the requester's control connection from one writer
// thread per capture, until the requested count, the requester closing its side, or the host
// stopping; then the last frames and an Interface Statistics Block per edge, and the connection
// closes.
//
// Edge names: an adapter is its connection name (`strata device list`) or \Device\{GUID}; a
// binding is PROTOCOL@ADAPTER with the protocol's service (the BINDING column of `strata
// stats`) or component id (`strata bindings`).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace strata::registry { class Registry; }

namespace strata::host {

class CaptureServer {
public:
    explicit CaptureServer(registry::Registry& registry);
    ~CaptureServer();  // stop_all()
    CaptureServer(const CaptureServer&) = delete;
    CaptureServer& operator=(const CaptureServer&) = delete;

    // Every edge that can be captured now: [{"name", "kind": "adapter"|"binding", "description"}].
    // Control thread (it reads the registry).
    nlohmann::json edges() const;

    // A "capture" request on connection `fd`, which this owns from the call on. The request:
    // {"edges": [NAME...], "direction": "in"|"out"|"both", "snaplen": N, "count": N (0 = until
    // the requester closes its side), "precision": "micro"|"nano"}. Answers one JSON line —
    // {"ok": false, "error"} for a bad request or an unknown edge, closing the connection — or
    // {"ok": true, "edges": [{"name", "description"}]} once the edges are armed, then the pcapng
    // stream. Control thread.
    void serve(const nlohmann::json& request, int fd);

    // Ends every capture as if its requester had closed its side, and waits for their threads.
    void stop_all();

    // Answers {"ok": false, "error": message} on `fd` and closes it.
    static void refuse(int fd, const std::string& message);

private:
    struct Session;
    void run(Session& session);
    void reap();  // joins the threads of captures that ended

    registry::Registry& registry_;
    int stop_fd_ = -1;  // eventfd, readable once stop_all() began
    std::mutex mutex_;
    std::vector<std::unique_ptr<Session>> sessions_;
};

}  // namespace strata::host
