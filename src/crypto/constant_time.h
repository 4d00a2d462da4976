// Comparison whose running time does not depend on the bytes compared, for
// MACs and secrets: an early exit at the first difference would tell an
// attacker, one guess at a time, how many leading bytes they have right.
#pragma once

#include <cstddef>
#include <string_view>

namespace wshub::crypto {

// True if the n bytes at a and b are equal. Reads all n bytes of both and
// never branches on their values: the time depends on n only.
bool equal_constant_time(const void* a, const void* b, size_t n) noexcept;

// For values whose length is public (a digest, a fixed-size tag): different
// lengths return false at once, equal lengths compare in constant time.
bool equal_constant_time(std::string_view a, std::string_view b) noexcept;

}  // namespace wshub::crypto
