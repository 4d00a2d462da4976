#include "reactor/loop.h"

#include <time.h>

#include <algorithm>

namespace wshub::reactor {
namespace {

bool later(const auto& a, const auto& b) { return a.deadline_ms > b.deadline_ms; }

}  // namespace

uint64_t monotonic_ms() noexcept {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1000000;
}

Loop::Loop() noexcept : now_ms_(monotonic_ms()) {}

void Loop::add_timer(uint64_t deadline_ms, uint64_t token) {
    timers_.push_back({deadline_ms, token});
    std::push_heap(timers_.begin(), timers_.end(), later<Timer, Timer>);
}

int Loop::wait_timeout(int max_wait_ms) const noexcept {
    if (timers_.empty()) return max_wait_ms;
    const uint64_t now = monotonic_ms();
    const uint64_t deadline = timers_.front().deadline_ms;
    int until = deadline <= now ? 0 : int(std::min<uint64_t>(deadline - now, 1u << 30));
    if (max_wait_ms >= 0 && max_wait_ms < until) until = max_wait_ms;
    return until;
}

bool Loop::pop_due(uint64_t& token) {
    if (timers_.empty() || timers_.front().deadline_ms > now_ms_) return false;
    token = timers_.front().token;
    std::pop_heap(timers_.begin(), timers_.end(), later<Timer, Timer>);
    timers_.pop_back();
    return true;
}

}  // namespace wshub::reactor
