// A run's timeline: warm-up from start to warm_end, measuring until end, then
// the scenario's wind-down; and the once-a-second schedule of the progress line.
#pragma once

#include <cstdint>

#include "options.h"

namespace wsbench {

struct RunWindow {
    int64_t start = 0, warm_end = 0, end = 0;
    int64_t next_tick = 0, last_tick = 0;  // progress line: the next redraw, the last one

    void begin(const Options& opts, int64_t now) noexcept {
        start = now;
        warm_end = start + int64_t(opts.warmup_s * 1e9);
        end = warm_end + int64_t(opts.duration_s * 1e9);
        next_tick = start + 1'000'000'000;
        last_tick = start;
    }
    bool measuring(int64_t t) const noexcept { return t >= warm_end && t < end; }

    // For the progress line: the phase of the second that just ended (after
    // names the one past end), the seconds since the last redraw, then done().
    const char* tick_phase(const char* after) const noexcept {
        return next_tick <= warm_end ? "warm-up" : next_tick <= end ? "measuring" : after;
    }
    double tick_seconds(int64_t now) const noexcept { return double(now - last_tick) / 1e9; }
    void tick_done(int64_t now) noexcept {
        last_tick = now;
        while (next_tick <= now) next_tick += 1'000'000'000;
    }
};

}  // namespace wsbench
