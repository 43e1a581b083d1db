// lifecycle.h — the WSK subsystem's start and stop, for the host (no wsk.h here: the host's
// files may include Linux socket headers).
#pragma once

namespace strata::wsk {

// The provider NPI becomes available (after the host started its processors) and goes away
// again (before they stop). Passive callers.
void start_subsystem();
void stop_subsystem();
bool subsystem_ready() noexcept;

}  // namespace strata::wsk
