// The clock latency metrics are measured with: CLOCK_MONOTONIC in
// microseconds, the same for every thread, so a stamp taken on one worker can
// be compared on another. A read is a vDSO call (tens of nanoseconds), so
// callers read it once per event they time, not once per byte or member.
#pragma once

#include <time.h>

#include <cstdint>

namespace wshub::metrics {

inline uint64_t now_us() noexcept {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000 + uint64_t(ts.tv_nsec) / 1'000;
}

}  // namespace wshub::metrics
