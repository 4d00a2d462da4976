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

#include <bit>
#include <cstddef>
#include <cstdint>
#include <iterator>

#include "metrics/counter.h"

namespace wshub::metrics {

inline constexpr uint64_t kLatencyBoundsUs[] = {
    10,      25,      50,      100,       250,       500,       1'000,     2'500,     5'000,     10'000,
    25'000,  50'000,  100'000, 250'000,   500'000,   1'000'000, 2'500'000, 5'000'000, 10'000'000,
};

namespace detail {

// For each bit width w (0 to 64): how many bounds lie below the smallest
// value of that width, and the first bound at or above it (or the maximum).
struct Octaves {
    uint8_t below[65];
    uint64_t bound[65];
};

constexpr bool each_bound_doubles() {
    for (size_t i = 1; i < std::size(kLatencyBoundsUs); ++i)
        if (kLatencyBoundsUs[i] < 2 * kLatencyBoundsUs[i - 1]) return false;
    return true;
}
static_assert(each_bound_doubles(), "LatencyHistogram::observe needs each bound at least twice the one before");

constexpr Octaves make_octaves() {
    constexpr size_t n = std::size(kLatencyBoundsUs);
    Octaves o{};
    for (unsigned w = 0; w <= 64; ++w) {
        const uint64_t smallest = w == 0 ? 0 : uint64_t(1) << (w - 1);
        uint8_t below = 0;
        while (below < n && kLatencyBoundsUs[below] < smallest) ++below;
        o.below[w] = below;
        o.bound[w] = below < n ? kLatencyBoundsUs[below] : UINT64_MAX;
    }
    return o;
}

}  // namespace detail

class LatencyHistogram {
public:
    static constexpr size_t kBounds = std::size(kLatencyBoundsUs);
    static_assert(kBounds < 255);

    // Counts one observation in a constant handful of instructions: the
    // value's bit width picks its octave, and since each bound is at least
    // twice the one before, an octave holds at most one bound, so one
    // comparison settles the bucket. (A scan from the bottom would cost most
    // when the server is slowest.) The buckets are kept non-cumulative so an
    // observation writes one of them; the scrape accumulates.
    void observe(uint64_t us) noexcept {
        const unsigned width = unsigned(std::bit_width(us));
        const size_t i = kOctaves.below[width] + (us > kOctaves.bound[width] ? 1 : 0);
        buckets_[i].add();
        sum_us_.add(us);
    }

    // Observations in (bound i-1, bound i]; i == kBounds is over the last bound.
    uint64_t bucket(size_t i) const noexcept { return buckets_[i].get(); }
    uint64_t sum_us() const noexcept { return sum_us_.get(); }

private:
    static constexpr detail::Octaves kOctaves = detail::make_octaves();
    Counter buckets_[kBounds + 1];
    Counter sum_us_;
};

}  // namespace wshub::metrics
