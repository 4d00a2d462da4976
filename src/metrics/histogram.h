// A per-worker latency histogram, exposed in the Prometheus form (cumulative
// `_bucket{le=...}`, `_sum`, `_count`). Like the counters, it is written by its
// worker only and summed over the workers at scrape time.
//
// The bounds are fixed, in microseconds, 10 us to 10 s in 1-2.5-5 steps: on
// loopback a handshake or a delivery takes tens of microseconds, across a
// continent tens of milliseconds, and a queue stuck behind a slow reader
// seconds; beyond 10s only the count matters (+Inf). Fixed bounds keep the
// series stable across versions, which is what dashboards and
// histogram_quantile() across instances need.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>

#include "metrics/counter.h"

namespace wshub::metrics {

inline constexpr uint64_t kLatencyBoundsUs[] = {
    10,      25,      50,      100,       250,       500,       1'000,     2'500,     5'000,     10'000,
    25'000,  50'000,  100'000, 250'000,   500'000,   1'000'000, 2'500'000, 5'000'000, 10'000'000,
};

class LatencyHistogram {
public:
    static constexpr size_t kBounds = std::size(kLatencyBoundsUs);

    // Counts one observation. Most are small, so a scan from the lowest bound
    // ends after a few comparisons; the buckets are kept non-cumulative so an
    // observation writes one of them (the scrape accumulates).
    void observe(uint64_t us) noexcept {
        size_t i = 0;
        while (i < kBounds && us > kLatencyBoundsUs[i]) ++i;
        buckets_[i].add();
        sum_us_.add(us);
    }

    // Observations in (bound i-1, bound i]; i == kBounds is over the last bound.
    uint64_t bucket(size_t i) const noexcept { return buckets_[i].get(); }
    uint64_t sum_us() const noexcept { return sum_us_.get(); }

private:
    Counter buckets_[kBounds + 1];
    Counter sum_us_;
};

}  // namespace wshub::metrics
