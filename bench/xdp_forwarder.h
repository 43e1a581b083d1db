// xdp_forwarder.h — the AF_XDP baseline of `strata-bench wire` (issue 6 item 6): a plain C++
// loop that receives on one interface's AF_XDP socket and transmits on another's, copying each
// frame between their UMEMs, as the afxdp miniport does — with no NDIS in between.
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace strata::bench {

class XdpForwarder {
public:
    // Starts forwarding `from` → `to` on a thread pinned to `cpu`; error() says why it could not.
    XdpForwarder(const std::string& from, const std::string& to, unsigned cpu);
    ~XdpForwarder();
    XdpForwarder(const XdpForwarder&) = delete;
    XdpForwarder& operator=(const XdpForwarder&) = delete;
    void stop();
    double cpu_seconds() const;  // the forwarding thread's CPU time so far
    std::string error() const;

private:
    void run();
    std::string from_, to_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> failed_{false};
    std::string error_;  // written before failed_ is set
    std::thread thread_;
};

}  // namespace strata::bench
