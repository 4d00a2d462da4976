// Constant-time equality: OR together the XOR of every byte pair, then turn
// "accumulator is zero" into a bool with arithmetic instead of a branch.
#include "crypto/constant_time.h"

#include <cstdint>

namespace wshub::crypto {
namespace {

// Hides v from the optimiser, so it cannot notice that the accumulator only
// ever grows and stop the loop once it is non-zero.
#if defined(__GNUC__) || defined(__clang__)
inline uint32_t opaque(uint32_t v) noexcept {
    __asm__("" : "+r"(v));
    return v;
}
#else
inline uint32_t opaque(uint32_t v) noexcept {
    volatile uint32_t hidden = v;
    return hidden;
}
#endif

}  // namespace

bool equal_constant_time(const void* a, const void* b, size_t n) noexcept {
    const auto* x = static_cast<const uint8_t*>(a);
    const auto* y = static_cast<const uint8_t*>(b);
    uint32_t diff = 0;
    for (size_t i = 0; i < n; ++i) diff = opaque(diff | static_cast<uint32_t>(x[i] ^ y[i]));
    // diff is at most 0xff: diff - 1 borrows into bit 8 exactly when diff == 0.
    return ((opaque(diff) - 1) >> 8) & 1;
}

bool equal_constant_time(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    return equal_constant_time(a.data(), b.data(), a.size());
}

}  // namespace wshub::crypto
