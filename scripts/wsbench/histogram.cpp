#include "histogram.h"

#include <bit>
#include <cmath>

namespace wsbench {

Histogram::Histogram() : buckets_(index_of((uint64_t(1) << kMaxBits) - 1) + 1, 0) {}

// Values below 2^S map to themselves. Above, with m = index of the top bit and
// g = m - S + 1, the top S bits (v >> g) lie in [2^(S-1), 2^S) and select one of
// 2^(S-1) buckets in group g.
size_t Histogram::index_of(uint64_t v) noexcept {
    if (v < kLinear) return size_t(v);
    int m = 63 - std::countl_zero(v);
    int g = m - kSubBits + 1;
    uint64_t top = v >> g;
    return size_t(kLinear + uint64_t(g - 1) * kHalf + (top - kHalf));
}

uint64_t Histogram::upper_bound_of(size_t idx) noexcept {
    if (idx < kLinear) return idx;
    uint64_t rest = idx - kLinear;
    uint64_t g = rest / kHalf + 1;
    uint64_t top = rest % kHalf + kHalf;
    return ((top + 1) << g) - 1;
}

void Histogram::record(int64_t ns) noexcept {
    if (ns < 0) ns = 0;
    uint64_t v = uint64_t(ns);
    const uint64_t cap = (uint64_t(1) << kMaxBits) - 1;
    if (v > cap) v = cap;
    ++buckets_[index_of(v)];
    if (count_ == 0 || ns < min_) min_ = ns;
    if (ns > max_) max_ = ns;
    sum_ += ns;
    ++count_;
}

void Histogram::clear() noexcept {
    for (auto& b : buckets_) b = 0;
    count_ = 0;
    min_ = max_ = sum_ = 0;
}

int64_t Histogram::percentile(double q) const noexcept {
    if (count_ == 0) return 0;
    uint64_t rank = uint64_t(std::ceil(q * double(count_)));
    if (rank < 1) rank = 1;
    if (rank > count_) rank = count_;
    uint64_t seen = 0;
    for (size_t i = 0; i < buckets_.size(); ++i) {
        seen += buckets_[i];
        if (seen >= rank) {
            int64_t ub = int64_t(upper_bound_of(i));
            return ub < max_ ? ub : max_;
        }
    }
    return max_;
}

}  // namespace wsbench
