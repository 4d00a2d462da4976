// Huffman codes for the deflater: code lengths limited to a maximum from
// symbol frequencies, and the canonical codes those lengths give (RFC 1951
// 3.2.2), bit-reversed for writing first bit lowest.
#pragma once

#include <cstdint>

namespace wshub::deflate {

// Sets lens[0, n) for symbols with frequencies freq[0, n) (n at most 288):
// 0 for a symbol never used, else at most max_bits, making a complete prefix
// code whenever two or more symbols are used. A lone used symbol gets a 1-bit
// code and a second symbol (the lowest other one) gets the other 1-bit code,
// so that every inflater accepts it. No symbol used: every length is 0.
// The frequencies must sum to less than 2^32.
void build_code_lengths(const uint32_t* freq, unsigned n, unsigned max_bits, uint8_t* lens) noexcept;

// The canonical code of each symbol with a length, bit-reversed so that
// writing it lowest bit first puts its most significant bit first on the wire.
void build_codes(const uint8_t* lens, unsigned n, uint16_t* codes) noexcept;

}  // namespace wshub::deflate
