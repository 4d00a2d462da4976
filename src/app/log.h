// One line per event on stderr. A worker holds its lines during a loop pass
// and writes them together at its end (hold_log_lines), in writes of at most
// PIPE_BUF bytes of whole lines, which a pipe keeps in one piece, so lines
// from several workers never interleave; at a thousand connections a second
// the info lines cost a few writes a pass rather than one each. Level and
// format are set once at start-up (--log-level, --log-format); log_enabled()
// is one relaxed load, so a disabled line costs nothing but that check:
//
//     if (log_enabled(LogLevel::info))
//         Log(LogLevel::info, "closed").str("peer", p).num("code", 1000).emit();
//
// Secrets are never passed here: URLs go through http::redact_target first,
// tokens and passwords not at all.
#pragma once

#include <string_view>

#include "app/log_line.h"

namespace wshub::app {

void set_log_level(LogLevel level) noexcept;
void set_log_format(LogFormat format) noexcept;
bool log_enabled(LogLevel level) noexcept;

// A line stamped with the current time and the configured format.
class Log {
public:
    Log(LogLevel level, std::string_view event);
    Log& str(std::string_view key, std::string_view value) {
        line_.str(key, value);
        return *this;
    }
    template <typename N>
    Log& num(std::string_view key, N value) {
        line_.num(key, value);
        return *this;
    }
    // Writes the line to stderr (whatever the level: check log_enabled first).
    void emit() noexcept;

private:
    LogLine line_;
};

// From now on this thread's lines wait in a buffer until flush_log_lines();
// for a worker thread, which flushes at the end of every loop pass and
// before it exits.
void hold_log_lines() noexcept;
// Writes this thread's held lines (nothing if none are held).
void flush_log_lines() noexcept;

// A line with a single `msg` field, if the level is enabled.
void log_message(LogLevel level, std::string_view event, std::string_view msg) noexcept;

}  // namespace wshub::app
