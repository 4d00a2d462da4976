// The generator's own CPU time over the measured window, taken at the end of
// warm-up and at the end of the run, as a percentage of one core.
#pragma once

#include <cstdint>

#include "clock.h"

namespace wsbench {

class CpuWindow {
public:
    // At the end of warm-up (once: later calls do nothing).
    void take_start(int64_t now, int64_t warm_end) noexcept {
        if (start_taken_ || now < warm_end) return;
        at_start_ = cpu_now();
        start_taken_ = true;
    }
    // At the end of the measured time.
    void take_end(int64_t now) noexcept {
        at_end_ = cpu_now();
        end_taken_ = true;
        end_ns_ = now;
    }
    bool end_taken() const noexcept { return end_taken_; }

    // Percent of a core used from warm_end to the end; 0 without both samples.
    double percent(int64_t warm_end) const noexcept {
        if (!start_taken_ || !end_taken_ || end_ns_ <= warm_end) return 0;
        CpuTimes w = at_end_ - at_start_;
        return (w.user + w.sys) / (double(end_ns_ - warm_end) / 1e9) * 100;
    }

private:
    CpuTimes at_start_, at_end_;
    bool start_taken_ = false, end_taken_ = false;
    int64_t end_ns_ = 0;
};

}  // namespace wsbench
