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
// While one lives, the last line at warning or above that its thread writes (a driver's event
// log entry saying why MiniportInitialize failed, for the command's one-line error).
class ThreadCapture {
public:
    ThreadCapture() noexcept;
    ~ThreadCapture();
    ThreadCapture(const ThreadCapture&) = delete;
    ThreadCapture& operator=(const ThreadCapture&) = delete;
    const std::string& last() const noexcept { return last_; }

private:
    friend void write(Level, std::string_view, std::string_view);
    ThreadCapture* outer_;
    std::string last_;
};

// The most recent lines (oldest first), including those below the stderr threshold at info and up.
std::vector<std::string> recent();

}  // namespace strata::log
