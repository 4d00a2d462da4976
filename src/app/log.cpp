#include "app/log.h"

#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace wshub::app {
namespace {

std::atomic<int> g_level{int(LogLevel::info)};
std::atomic<int> g_format{int(LogFormat::text)};

uint64_t unix_now_ms() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1000000;
}

}  // namespace

void set_log_level(LogLevel level) noexcept { g_level.store(int(level), std::memory_order_relaxed); }
void set_log_format(LogFormat format) noexcept { g_format.store(int(format), std::memory_order_relaxed); }

bool log_enabled(LogLevel level) noexcept { return int(level) <= g_level.load(std::memory_order_relaxed); }

Log::Log(LogLevel level, std::string_view event)
    : line_(LogFormat(g_format.load(std::memory_order_relaxed)), unix_now_ms(), level, event) {}

void Log::emit() noexcept {
    const std::string& line = line_.finish();
    size_t done = 0;
    // A short write only happens to a full pipe or on a signal: finish the
    // line rather than leave half of it for the next one to run into.
    while (done < line.size()) {
        const ssize_t r = write(STDERR_FILENO, line.data() + done, line.size() - done);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return;
        done += size_t(r);
    }
}

void log_message(LogLevel level, std::string_view event, std::string_view msg) noexcept {
    if (!log_enabled(level)) return;
    Log(level, event).str("msg", msg).emit();
}

}  // namespace wshub::app
