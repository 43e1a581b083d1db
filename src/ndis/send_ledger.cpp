// send_ledger.cpp — the per-protocol send accounting of every binding the host opened
// (send_ledger.h).
#include "ndis/send_ledger.h"

#include "ndis/library.h"
#include "ndis/open.h"
#include "ndis/protocol.h"

namespace strata::ndis {

SendLedger send_ledger() {
    SendLedger ledger;
    for (Open* open : Library::instance().opens()) {
        const TrafficCounters& c = open->counters;
        SendTally binding{c.total(Counter::SendRequested), c.total(Counter::SentPackets),
                          c.total(Counter::SendFailed) + c.total(Counter::SendClosing)};
        const Protocol& protocol = *open->protocol;
        SendTally& tally = ledger.protocols[protocol.service.empty() ? protocol.name : protocol.service];
        for (SendTally* sum : {&tally, &ledger.total}) {
            sum->requested += binding.requested;
            sum->completed += binding.completed;
            sum->failed += binding.failed;
        }
    }
    return ledger;
}

}  // namespace strata::ndis
