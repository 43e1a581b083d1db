// echo_load.h — `strata-bench wsk`'s load generator (issue 5 item 7): closed-loop echo round
// trips over loopback TCP, the same for echosrv and for the native server.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace strata::bench {

struct EchoLoad {
    std::uint64_t round_trips = 0;  // completed in the measured interval, every byte checked
    double seconds = 0;             // the measured interval
    std::uint64_t all_round_trips = 0;  // warm-up and drain included: what the whole call cost the server
    std::string error;              // empty when every connection echoed correctly to the end
};

// Opens `connections` TCP connections (TCP_NODELAY) to 127.0.0.1:`port` and, on the calling
// thread with one epoll set, keeps one `message_bytes` message per connection in flight: each
// connection sends a message and sends the next only when all of it came back. A warm-up of a
// tenth of `seconds` is not counted; then round trips are counted for `seconds`. At the end the
// messages in flight are drained and the connections closed gracefully. Blocks for about 1.1 ×
// `seconds`; gives up with an error when no byte moves for 5 s.
EchoLoad run_echo_load(std::uint16_t port, unsigned connections, std::size_t message_bytes, double seconds);

}  // namespace strata::bench
