// Log-linear latency histogram (nanoseconds): exact below 2^kSubBits, and above
// that 2^(kSubBits-1) buckets per power of two, so any recorded value is reported
// within 1/2^(kSubBits-1) (under 1%) of itself. Fixed size, no allocation after
// construction; record() is a few instructions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wsbench {

class Histogram {
public:
    Histogram();

    void record(int64_t ns) noexcept;
    void clear() noexcept;

    uint64_t count() const noexcept { return count_; }
    int64_t min() const noexcept { return count_ ? min_ : 0; }
    int64_t max() const noexcept { return max_; }
    double mean() const noexcept { return count_ ? double(sum_) / double(count_) : 0; }

    // The smallest bucket upper bound at or below which at least q (0..1) of the
    // samples lie, clamped to max(); 0 when empty.
    int64_t percentile(double q) const noexcept;

private:
    static constexpr int kSubBits = 8;
    static constexpr int kMaxBits = 42;  // values are clamped to 2^42 ns (about 73 min)
    static constexpr uint64_t kLinear = uint64_t(1) << kSubBits;
    static constexpr uint64_t kHalf = kLinear / 2;

    static size_t index_of(uint64_t v) noexcept;
    static uint64_t upper_bound_of(size_t idx) noexcept;

    std::vector<uint64_t> buckets_;
    uint64_t count_ = 0;
    int64_t min_ = 0;
    int64_t max_ = 0;
    int64_t sum_ = 0;
};

}  // namespace wsbench
