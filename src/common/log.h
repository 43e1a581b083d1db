// log.h — the host log: one line per event to stderr (and an in-memory ring the host's
// `strata status` will read), with the component that wrote it. Not for hot paths.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace strata::log {

enum class Level { trace, debug, info, warning, error };

void write(Level level, std::string_view component, std::string_view message);
void set_threshold(Level level);  // default: warning, or STRATA_LOG=trace|debug|info|warning|error
Level threshold() noexcept;
inline bool enabled(Level level) noexcept { return level >= threshold(); }
// The most recent lines (oldest first), including those below the stderr threshold at info and up.
std::vector<std::string> recent();

}  // namespace strata::log
