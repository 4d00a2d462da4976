// One event loop per worker thread: a Poller plus timers and a cached
// monotonic clock. Timers are kept by id (a connection uses its slot): each id
// has at most one pending deadline, which setting again moves and cancel
// removes, in a heap that knows where every id sits. So a closed connection
// leaves nothing behind (no stale entry to wake the loop, no memory held
// until it would have fired), and a timer costs 8 bytes in the heap plus 4
// for its position, whatever the churn.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "reactor/poller.h"

namespace wshub::reactor {

// Milliseconds on CLOCK_MONOTONIC.
uint64_t monotonic_ms() noexcept;

class Loop {
public:
    Loop() noexcept;
    int error() const noexcept { return poller_.error(); }
    Poller& poller() noexcept { return poller_; }

    // The time at the start of the current iteration.
    uint64_t now_ms() const noexcept { return now_ms_; }

    // Ids are below kMaxTimerId; deadlines past kMaxDeadlineMs (34 years of
    // CLOCK_MONOTONIC) are taken as kMaxDeadlineMs.
    static constexpr uint32_t kTimerIdBits = 24;
    static constexpr uint32_t kMaxTimerId = (1u << kTimerIdBits) - 1;
    static constexpr uint64_t kMaxDeadlineMs = (uint64_t(1) << (64 - kTimerIdBits)) - 1;

    // Fires once at or after deadline_ms, delivered as sink.on_timer(id);
    // replaces the deadline `id` had pending, if any.
    void set_timer(uint32_t id, uint64_t deadline_ms);
    void cancel_timer(uint32_t id) noexcept;
    // The deadline pending for `id`, or 0 if none.
    uint64_t timer_deadline(uint32_t id) const noexcept {
        return id < pos_.size() && pos_[id] != 0 ? timers_[pos_[id] - 1].deadline_ms() : 0;
    }
    size_t pending_timers() const noexcept { return timers_.size(); }

    // One iteration: wait for readiness (at most until the earliest timer or
    // max_wait_ms), deliver a wake-up to sink.on_wake(), then each ready fd to
    // sink.on_ready(token, events), then fire due timers. Returns 0, or -errno if
    // the poller failed.
    template <typename Sink>
    int run_once(Sink& sink, int max_wait_ms = -1) {
        int n = poller_.wait(ready_, kReadyCapacity, wait_timeout(max_wait_ms));
        now_ms_ = monotonic_ms();
        if (n < 0) return n;
        // The wake-up before the fds: what another thread handed over before
        // it produced one of these events (it answered a client, which then
        // wrote here) is taken in before that event.
        for (int i = 0; i < n; ++i)
            if (ready_[i].token == kWakeToken) sink.on_wake();
        for (int i = 0; i < n; ++i)
            if (ready_[i].token != kWakeToken) sink.on_ready(ready_[i].token, ready_[i].events);
        uint32_t id;
        while (pop_due(id)) sink.on_timer(id);
        return 0;
    }

private:
    // The deadline above the id in one word: comparing words orders by
    // deadline (ties by id), and the heap holds half as many bytes.
    struct Timer {
        uint64_t key;
        uint64_t deadline_ms() const noexcept { return key >> kTimerIdBits; }
        uint32_t id() const noexcept { return uint32_t(key & kMaxTimerId); }
    };
    static Timer make_timer(uint32_t id, uint64_t deadline_ms) noexcept {
        if (deadline_ms > kMaxDeadlineMs) deadline_ms = kMaxDeadlineMs;
        return {deadline_ms << kTimerIdBits | id};
    }
    static constexpr int kReadyCapacity = 256;

    int wait_timeout(int max_wait_ms) const noexcept;
    bool pop_due(uint32_t& id);
    void place(size_t i, const Timer& t) noexcept;
    void sift_up(size_t i) noexcept;
    void sift_down(size_t i) noexcept;
    void remove_at(size_t i) noexcept;

    Poller poller_;
    uint64_t now_ms_;
    std::vector<Timer> timers_;  // min-heap on key
    std::vector<uint32_t> pos_;  // by id: 1 + its index in timers_, 0 if none
    Ready ready_[kReadyCapacity];
};

}  // namespace wshub::reactor
