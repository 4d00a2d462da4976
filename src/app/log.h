// One line per event on stderr. (Levels and JSON output come with the
// operations work; secrets are never passed here.)
#pragma once

namespace wshub::app {

enum class LogLevel : int { error = 0, warn = 1, info = 2, debug = 3 };

void set_log_level(LogLevel level) noexcept;
bool log_enabled(LogLevel level) noexcept;

[[gnu::format(printf, 1, 2)]] void log_error(const char* fmt, ...) noexcept;
[[gnu::format(printf, 1, 2)]] void log_warn(const char* fmt, ...) noexcept;
[[gnu::format(printf, 1, 2)]] void log_info(const char* fmt, ...) noexcept;

}  // namespace wshub::app
