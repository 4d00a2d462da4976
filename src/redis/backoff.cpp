#include "redis/backoff.h"

namespace wshub::redis {

uint32_t Backoff::ceiling() const noexcept {
    // Past 32 doublings any 32-bit first delay is beyond any 32-bit cap.
    const uint64_t doubled = failures_ >= 32 ? UINT64_MAX : uint64_t(first_ms_) << failures_;
    return doubled < cap_ms_ ? uint32_t(doubled) : cap_ms_;
}

uint32_t Backoff::next() noexcept {
    const uint64_t limit = uint64_t(ceiling()) + 1;
    if (failures_ < UINT32_MAX) ++failures_;
    // The modulo's bias is below 2^-31 for a 32-bit limit: nothing to correct.
    return uint32_t(random() % limit);
}

// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
// generators", 2014): one add and a mix per draw, and any seed, 0 included,
// gives a full-period sequence.
uint64_t Backoff::random() noexcept {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

}  // namespace wshub::redis
