#include "reactor/loop.h"

#include <time.h>

#include <algorithm>
#include <cassert>

namespace wshub::reactor {
uint64_t monotonic_ms() noexcept {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1000000;
}

Loop::Loop() noexcept : now_ms_(monotonic_ms()) {}

void Loop::place(size_t i, const Timer& t) noexcept {
    timers_[i] = t;
    pos_[t.id()] = uint32_t(i + 1);
}

void Loop::sift_up(size_t i) noexcept {
    const Timer t = timers_[i];
    while (i > 0) {
        const size_t parent = (i - 1) / 2;
        if (timers_[parent].key <= t.key) break;
        place(i, timers_[parent]);
        i = parent;
    }
    place(i, t);
}

void Loop::sift_down(size_t i) noexcept {
    const Timer t = timers_[i];
    const size_t n = timers_.size();
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && timers_[child + 1].key < timers_[child].key) ++child;
        if (t.key <= timers_[child].key) break;
        place(i, timers_[child]);
        i = child;
    }
    place(i, t);
}

void Loop::remove_at(size_t i) noexcept {
    pos_[timers_[i].id()] = 0;
    const Timer last = timers_.back();
    timers_.pop_back();
    if (i == timers_.size()) return;
    place(i, last);
    sift_down(i);
    sift_up(pos_[last.id()] - 1);
}

void Loop::set_timer(uint32_t id, uint64_t deadline_ms) {
    assert(id <= kMaxTimerId);
    const Timer t = make_timer(id, deadline_ms);
    if (id >= pos_.size()) pos_.resize(size_t(id) + 1, 0);
    if (const uint32_t at = pos_[id]; at != 0) {
        const uint64_t old = timers_[at - 1].key;
        timers_[at - 1] = t;
        if (t.key < old)
            sift_up(at - 1);
        else
            sift_down(at - 1);
        return;
    }
    timers_.push_back(t);
    sift_up(timers_.size() - 1);
}

void Loop::cancel_timer(uint32_t id) noexcept {
    if (id < pos_.size() && pos_[id] != 0) remove_at(pos_[id] - 1);
}

int Loop::wait_timeout(int max_wait_ms) const noexcept {
    if (timers_.empty()) return max_wait_ms;
    const uint64_t now = monotonic_ms();
    const uint64_t deadline = timers_.front().deadline_ms();
    int until = deadline <= now ? 0 : int(std::min<uint64_t>(deadline - now, 1u << 30));
    if (max_wait_ms >= 0 && max_wait_ms < until) until = max_wait_ms;
    return until;
}

bool Loop::pop_due(uint32_t& id) {
    if (timers_.empty() || timers_.front().deadline_ms() > now_ms_) return false;
    id = timers_.front().id();
    remove_at(0);
    return true;
}

}  // namespace wshub::reactor
