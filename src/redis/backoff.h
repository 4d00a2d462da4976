// Reconnect delays: capped exponential backoff with full jitter. The n-th
// failure in a row (counting from 0) waits a uniformly random time in
// [0, min(cap, first * 2^n)] milliseconds. The jitter spreads the attempts of
// many clients that lost the same server at the same moment (every worker of
// every node, when Redis restarts), so they do not come back in lockstep; for
// that each client seeds its own generator differently.
#pragma once

#include <cstdint>

namespace wshub::redis {

class Backoff {
public:
    // first_ms: the ceiling of the first delay; cap_ms: the largest ceiling
    // (a cap below first_ms caps the first too).
    Backoff(uint32_t first_ms, uint32_t cap_ms, uint64_t seed) noexcept
        : state_(seed), first_ms_(first_ms), cap_ms_(cap_ms) {}

    // The ceiling the next delay is drawn under.
    uint32_t ceiling() const noexcept;
    // A delay drawn under ceiling(); the ceiling after it doubles, up to the cap.
    uint32_t next() noexcept;
    // After a success: the next delay is drawn under first_ms again.
    void reset() noexcept { failures_ = 0; }
    // Delays drawn since the last reset.
    uint32_t failures() const noexcept { return failures_; }

private:
    uint64_t state_;
    uint32_t first_ms_;
    uint32_t cap_ms_;
    uint32_t failures_ = 0;

    uint64_t random() noexcept;
};

}  // namespace wshub::redis
