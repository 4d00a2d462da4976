// One event loop per worker thread: a Poller plus one-shot timers and a cached
// monotonic clock. Timers carry an opaque token and cannot be cancelled: the
// owner checks, when one fires, whether it is still wanted (for connections, by
// the generation packed into the token). That keeps arming O(log n) and makes
// "re-arm on every read" unnecessary: store a timestamp, check it when the
// timer fires.
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

    // Fires once at or after deadline_ms, delivered as sink.on_timer(token).
    void add_timer(uint64_t deadline_ms, uint64_t token);
    size_t pending_timers() const noexcept { return timers_.size(); }

    // One iteration: wait for readiness (at most until the earliest timer or
    // max_wait_ms), deliver each ready fd to sink.on_ready(token, events) and a
    // wake-up to sink.on_wake(), then fire due timers. Returns 0, or -errno if
    // the poller failed.
    template <typename Sink>
    int run_once(Sink& sink, int max_wait_ms = -1) {
        int n = poller_.wait(ready_, kReadyCapacity, wait_timeout(max_wait_ms));
        now_ms_ = monotonic_ms();
        if (n < 0) return n;
        for (int i = 0; i < n; ++i) {
            if (ready_[i].token == kWakeToken)
                sink.on_wake();
            else
                sink.on_ready(ready_[i].token, ready_[i].events);
        }
        uint64_t token;
        while (pop_due(token)) sink.on_timer(token);
        return 0;
    }

private:
    struct Timer {
        uint64_t deadline_ms;
        uint64_t token;
    };
    static constexpr int kReadyCapacity = 256;

    int wait_timeout(int max_wait_ms) const noexcept;
    bool pop_due(uint64_t& token);

    Poller poller_;
    uint64_t now_ms_;
    std::vector<Timer> timers_;  // min-heap on deadline_ms
    Ready ready_[kReadyCapacity];
};

}  // namespace wshub::reactor
