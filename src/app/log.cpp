#include "app/log.h"

#include <limits.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <string_view>

#include "metrics/clock.h"

namespace wshub::app {
namespace {

std::atomic<int> g_level{int(LogLevel::info)};
std::atomic<int> g_format{int(LogFormat::text)};

// Writes all of `bytes`: a short write only happens to a full pipe or on a
// signal, and half a line would run into the next one.
void write_all(std::string_view bytes) noexcept {
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t r = write(STDERR_FILENO, bytes.data() + done, bytes.size() - done);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return;
        done += size_t(r);
    }
}

// A pipe writes up to PIPE_BUF bytes in one piece, never mixed with another
// writer's: held lines go out in writes no longer than that.
constexpr size_t kHeldBytes = PIPE_BUF;

struct HeldLines {
    bool holding = false;
    std::string bytes;
};
thread_local HeldLines t_held;

}  // namespace

void hold_log_lines() noexcept {
    t_held.holding = true;
    try {
        t_held.bytes.reserve(kHeldBytes);
    } catch (...) {
        t_held.holding = false;  // no memory: lines go out one by one
    }
}

void flush_log_lines() noexcept {
    if (t_held.bytes.empty()) return;
    write_all(t_held.bytes);
    t_held.bytes.clear();
}

void set_log_level(LogLevel level) noexcept { g_level.store(int(level), std::memory_order_relaxed); }
void set_log_format(LogFormat format) noexcept { g_format.store(int(format), std::memory_order_relaxed); }

bool log_enabled(LogLevel level) noexcept { return int(level) <= g_level.load(std::memory_order_relaxed); }

Log::Log(LogLevel level, std::string_view event)
    : line_(LogFormat(g_format.load(std::memory_order_relaxed)), metrics::unix_ms(), level, event) {}

void Log::emit() noexcept {
    const std::string& line = line_.finish();
    if (!t_held.holding) return write_all(line);
    if (t_held.bytes.size() + line.size() > kHeldBytes) flush_log_lines();
    if (line.size() > kHeldBytes) return write_all(line);  // a line too long to hold goes alone
    t_held.bytes.append(line);  // within the reserved capacity: no allocation
}

void log_message(LogLevel level, std::string_view event, std::string_view msg) noexcept {
    if (!log_enabled(level)) return;
    Log(level, event).str("msg", msg).emit();
}

}  // namespace wshub::app
