// Incremental UTF-8 validation (RFC 3629, Unicode Table 3-7): fed in pieces of
// any size, it fails at the first byte after which no continuation could make
// the text valid (overlongs, surrogates, > U+10FFFF, bad lead/continuation bytes).
#pragma once

#include <cstddef>
#include <cstdint>

namespace wshub::ws {

class Utf8Validator {
public:
    // Returns false as soon as the bytes seen so far can no longer be valid;
    // once false, stays false until reset().
    bool feed(const uint8_t* data, size_t len) noexcept;
    // True when the text seen so far is complete (not in the middle of a sequence)
    // and valid.
    bool complete() const noexcept { return state_ == 0; }
    void reset() noexcept { state_ = 0; }

private:
    // 0 = at a boundary; 1..7 = inside a sequence (which byte ranges may come
    // next, see utf8.cpp); 8 = failed.
    uint8_t state_ = 0;
};

// Whole-buffer convenience.
bool utf8_valid(const uint8_t* data, size_t len) noexcept;

// The number of ASCII bytes (00..7F) at the start of p[0, n): the index of
// the first byte whose high bit is set, or n. Reads nothing outside p[0, n).
// Sixteen bytes at a time with SSE2, else ascii_prefix_words.
size_t ascii_prefix(const uint8_t* p, size_t n) noexcept;
// The same with 64-bit words only: what ascii_prefix is on machines without
// SSE2 (arm64, for one). Declared so that tests check it on every machine.
size_t ascii_prefix_words(const uint8_t* p, size_t n) noexcept;

}  // namespace wshub::ws
