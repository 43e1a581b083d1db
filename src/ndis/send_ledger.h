// send_ledger.h — where every send went (seed 003 §2.8, §2.11; issue 7 part 3: "`strata stop`
// under traffic loses no accounting"). Each binding counts the packets its protocol handed to
// NdisSend(Packets) and how each ended: completed with NDIS_STATUS_SUCCESS, or failed (any other
// status, refusals included). The ledger sums those per protocol over every binding the host
// opened, closed ones included; a packet neither completed nor failed is unaccounted for.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace strata::ndis {

struct SendTally {
    std::uint64_t requested = 0;  // handed to NdisSend / NdisSendPackets and taken by NDIS
    std::uint64_t completed = 0;  // completed with NDIS_STATUS_SUCCESS
    std::uint64_t failed = 0;     // completed or refused with another status
    std::uint64_t unaccounted() const noexcept {
        return requested > completed + failed ? requested - completed - failed : 0;
    }
};

struct SendLedger {
    std::map<std::string, SendTally> protocols;  // by protocol service (or name)
    SendTally total;
};

// Passive level; takes the library's lock. Valid until the host resets the library.
SendLedger send_ledger();

}  // namespace strata::ndis
