// Helpers shared by the JSON parser, string decoding and the writer. Not part
// of the module's API.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "json/json.h"

namespace wshub::json::detail {

// Length of the valid UTF-8 sequence (Unicode Table 3-7) starting with the
// non-ASCII byte at p, or 0 if the bytes up to end do not form one.
inline size_t utf8_sequence(const unsigned char* p, const unsigned char* end) noexcept {
    const unsigned c = p[0];
    const size_t avail = static_cast<size_t>(end - p);
    auto cont = [](unsigned b) { return (b & 0xC0) == 0x80; };
    if (c < 0xC2) return 0;  // continuation byte, or overlong 2-byte lead
    if (c < 0xE0) return avail >= 2 && cont(p[1]) ? 2 : 0;
    if (c < 0xF0) {
        if (avail < 3) return 0;
        const unsigned lo = c == 0xE0 ? 0xA0 : 0x80;  // no overlongs
        const unsigned hi = c == 0xED ? 0x9F : 0xBF;  // no surrogates
        return p[1] >= lo && p[1] <= hi && cont(p[2]) ? 3 : 0;
    }
    if (c < 0xF5) {
        if (avail < 4) return 0;
        const unsigned lo = c == 0xF0 ? 0x90 : 0x80;  // no overlongs
        const unsigned hi = c == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
        return p[1] >= lo && p[1] <= hi && cont(p[2]) && cont(p[3]) ? 4 : 0;
    }
    return 0;
}

// For 8 string bytes loaded little-endian-agnostically: non-zero if any of them
// is a control character, '"', '\\' or non-ASCII. The classic SWAR tests may
// flag extra bytes above a real hit, never miss one, and the lowest flag is
// exact (a borrow only runs upwards from a byte that really matched).
inline uint64_t string_special_mask(uint64_t v) noexcept {
    constexpr uint64_t ones = 0x0101010101010101ull;
    constexpr uint64_t high = 0x8080808080808080ull;
    const uint64_t below_space = (v - ones * 0x20) & ~v;
    const uint64_t q = v ^ (ones * '"');
    const uint64_t b = v ^ (ones * '\\');
    const uint64_t quote = (q - ones) & ~q;
    const uint64_t slash = (b - ones) & ~b;
    return (below_space | quote | slash | v) & high;
}

// Index of the first flagged byte of a non-zero mask from string_special_mask,
// or 0 on big-endian machines (callers then go byte by byte from the start).
inline size_t first_flagged(uint64_t mask) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        return static_cast<size_t>(std::countr_zero(mask)) / 8;
    } else {
        return 0;
    }
}

inline uint64_t load8(const unsigned char* p) noexcept {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

// Value of one hex digit, or -1.
inline int hex_digit(unsigned char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    const unsigned char l = c | 0x20;
    if (l >= 'a' && l <= 'f') return l - 'a' + 10;
    return -1;
}

// Four hex digits at p (the caller checked they are there), or -1.
inline long hex4(const unsigned char* p) noexcept {
    long v = 0;
    for (int i = 0; i < 4; ++i) {
        const int d = hex_digit(p[i]);
        if (d < 0) return -1;
        v = v << 4 | d;
    }
    return v;
}

// Writes code point cp (a Unicode scalar value) as UTF-8; returns its length.
inline size_t encode_utf8(uint32_t cp, char* out) noexcept {
    if (cp < 0x80) {
        out[0] = static_cast<char>(cp);
        return 1;
    }
    if (cp < 0x800) {
        out[0] = static_cast<char>(0xC0 | cp >> 6);
        out[1] = static_cast<char>(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = static_cast<char>(0xE0 | cp >> 12);
        out[1] = static_cast<char>(0x80 | (cp >> 6 & 0x3F));
        out[2] = static_cast<char>(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = static_cast<char>(0xF0 | cp >> 18);
    out[1] = static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out[3] = static_cast<char>(0x80 | (cp & 0x3F));
    return 4;
}

// Scans a string body: p points just after the opening quote. On success p
// points just after the closing quote and escaped says whether a '\\' occurred.
// Returns Error::syntax or Error::encoding at the first bad byte.
Error scan_string(const unsigned char*& p, const unsigned char* end, bool& escaped) noexcept;

// Decodes one escape sequence of a validated string: p points at the '\\' and
// is advanced past it (past both halves of a surrogate pair). Returns the
// UTF-8 length written to out (at most 4).
size_t decode_escape(const unsigned char*& p, char* out) noexcept;

// True if the validated, escaped string body `raw` decodes to exactly `plain`.
bool escaped_equals(std::string_view raw, std::string_view plain) noexcept;

// True if two validated string bodies decode to the same text.
bool keys_equal(std::string_view a, bool a_escaped, std::string_view b, bool b_escaped) noexcept;

}  // namespace wshub::json::detail
