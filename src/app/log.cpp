#include "app/log.h"

#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>

namespace wshub::app {
namespace {

std::atomic<int> g_level{int(LogLevel::info)};

void emit(LogLevel level, const char* fmt, va_list ap) noexcept {
    if (!log_enabled(level)) return;
    static const char* const names[] = {"error", "warn", "info", "debug"};
    char line[1024];
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    tm utc;
    gmtime_r(&ts.tv_sec, &utc);
    int n = int(strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &utc));
    n += snprintf(line + n, sizeof line - size_t(n), ".%03ldZ %s ", ts.tv_nsec / 1000000,
                  names[int(level)]);
    int m = vsnprintf(line + n, sizeof line - size_t(n) - 1, fmt, ap);
    if (m < 0) m = 0;
    n += m;
    if (n > int(sizeof line) - 2) n = int(sizeof line) - 2;
    line[n++] = '\n';
    // One write per line, so lines from several workers never interleave.
    [[maybe_unused]] ssize_t r = write(STDERR_FILENO, line, size_t(n));
}

}  // namespace

void set_log_level(LogLevel level) noexcept { g_level.store(int(level), std::memory_order_relaxed); }

bool log_enabled(LogLevel level) noexcept { return int(level) <= g_level.load(std::memory_order_relaxed); }

#define WSHUB_LOG_FN(name, level)          \
    void name(const char* fmt, ...) noexcept { \
        va_list ap;                        \
        va_start(ap, fmt);                 \
        emit(level, fmt, ap);              \
        va_end(ap);                        \
    }
WSHUB_LOG_FN(log_error, LogLevel::error)
WSHUB_LOG_FN(log_warn, LogLevel::warn)
WSHUB_LOG_FN(log_info, LogLevel::info)
#undef WSHUB_LOG_FN

}  // namespace wshub::app
