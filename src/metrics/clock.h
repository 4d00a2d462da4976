// The clocks. Latency metrics are measured with CLOCK_MONOTONIC in
// microseconds, the same for every thread, so a stamp taken on one worker can
// be compared on another; timestamps that leave the process (log lines,
// messages' "ts", a token's exp) are the wall clock. A read is a vDSO call
// (tens of nanoseconds), so callers read once per event, not per member.
#pragma once

#include <time.h>

#include <cstdint>

namespace wshub::metrics {

inline uint64_t now_us() noexcept {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000 + uint64_t(ts.tv_nsec) / 1'000;
}

// Milliseconds since the Unix epoch (CLOCK_REALTIME).
inline uint64_t unix_ms() noexcept {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return uint64_t(ts.tv_sec) * 1'000 + uint64_t(ts.tv_nsec) / 1'000'000;
}

}  // namespace wshub::metrics
