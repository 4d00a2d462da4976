// The deflater's way from a match to its symbols (RFC 1951 3.2.5): which
// length symbol (257 + index) and which distance symbol a match uses, from
// tables computed at compile time out of rfc1951.h's bases.
#pragma once

#include <array>
#include <cstdint>

#include "deflate/rfc1951.h"

namespace wshub::deflate {

// kLengthIndex[length - 3]: the length symbol's index (symbol - 257).
inline constexpr std::array<uint8_t, 256> kLengthIndex = [] {
    std::array<uint8_t, 256> t{};
    for (unsigned i = 0; i < kLengthBase.size(); ++i)
        for (unsigned len = kLengthBase[i]; len < kLengthBase[i] + (1u << kLengthExtra[i]) && len <= kMaxMatch; ++len)
            t[len - kMinMatch] = uint8_t(i);
    t[kMaxMatch - kMinMatch] = uint8_t(kLengthBase.size() - 1);  // 258 has a symbol of its own
    return t;
}();

// Distance symbols: kDistCodeNear[d - 1] for d <= 256, kDistCodeFar[(d - 1) >> 7]
// beyond (from 257 on, every symbol spans a multiple of 128 distances).
inline constexpr std::array<uint8_t, 256> kDistCodeNear = [] {
    std::array<uint8_t, 256> t{};
    for (unsigned i = 0; i < kDistBase.size(); ++i)
        for (unsigned d = kDistBase[i]; d < kDistBase[i] + (1u << kDistExtra[i]) && d <= 256; ++d) t[d - 1] = uint8_t(i);
    return t;
}();
inline constexpr std::array<uint8_t, 256> kDistCodeFar = [] {
    std::array<uint8_t, 256> t{};
    for (unsigned i = 0; i < kDistBase.size(); ++i)
        for (unsigned d = kDistBase[i]; d < kDistBase[i] + (1u << kDistExtra[i]); ++d) t[(d - 1) >> 7] = uint8_t(i);
    return t;
}();

constexpr unsigned distance_symbol(unsigned distance) {
    return distance <= 256 ? kDistCodeNear[distance - 1] : kDistCodeFar[(distance - 1) >> 7];
}

}  // namespace wshub::deflate
