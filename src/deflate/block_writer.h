// Writes one DEFLATE block (never with BFINAL: a permessage-deflate stream
// continues) holding the symbols an LZ77 pass produced, in whichever of the
// three forms is smallest: stored, fixed Huffman or dynamic Huffman.
#pragma once

#include <cstddef>
#include <cstdint>

#include "deflate/bit_writer.h"
#include "deflate/rfc1951.h"

namespace wshub::deflate {

// A literal c is stored as c; a match as (distance << 8) | (length - 3).
constexpr uint32_t literal_symbol(uint8_t c) { return c; }
constexpr uint32_t match_symbol(unsigned length, unsigned distance) {
    return uint32_t(distance) << 8 | (length - kMinMatch);
}

struct BlockInput {
    const uint32_t* symbols;
    size_t count;
    const uint32_t* litlen_freq;  // kMaxLitLenCodes counts (end of block not counted)
    const uint32_t* dist_freq;    // kMaxDistCodes counts
    const uint8_t* raw;           // the bytes the symbols stand for
    size_t raw_len;
};

// The most bytes write_block can add for a block of raw_len bytes, whatever
// the bits pending before it.
constexpr size_t block_bound(size_t raw_len) {
    return raw_len + 5 * (raw_len / kMaxStored + 1) + 1;
}

// Writes the block; the writer must have room for block_bound(raw_len) bytes.
// Returns the block type written (kStoredBlock, kFixedBlock, kDynamicBlock).
unsigned write_block(const BlockInput& block, BitWriter& out) noexcept;

}  // namespace wshub::deflate
