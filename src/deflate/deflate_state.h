// The Deflater's working state (inside the deflate module only): hash chains
// over positions, the symbols of the block being built, and (with context
// takeover) the window, in one heap block.
//
// Positions are 32-bit and global: they keep counting across messages, so a
// hash entry from an earlier message is simply older than the oldest position
// a match may use (`low`), and the table never needs clearing between messages.
// head[h] is the latest position whose next 4 bytes hash to h; prev[p & mask]
// is how far back the position before p with the same hash is (0: none in
// reach). Before positions would pass kPositionLimit they are moved down.
#pragma once

#include <cstddef>
#include <cstdint>

#include "deflate/bit_writer.h"
#include "deflate/block_writer.h"
#include "deflate/deflate.h"
#include "deflate/rfc1951.h"
#include "deflate/symbol_codes.h"

namespace wshub::deflate {

// How hard one level searches.
struct LevelConfig {
    uint16_t good;     // lazy: a deferred match this long searches a quarter of the chain
    uint16_t lazy;     // lazy: no search after a match this long; greedy: positions
                       // inside a match this long or shorter enter the hash chains
    uint16_t nice;     // stop searching at a match this long
    uint16_t chain;    // the most chain entries looked at per search
    bool lazy_matching;
};

constexpr unsigned kHashBytes = 4;  // also the shortest match the deflater uses
constexpr size_t kBlockSymbols = 16384;
constexpr uint32_t kPositionLimit = 0xF0000000u;

// One LZ77 pass over buf[begin, end): buf[i] is at global position base + i,
// and matches may start anywhere from position `low` (the oldest byte kept).
struct Pass {
    const uint8_t* buf;
    uint32_t base;
    size_t begin;
    size_t end;
    uint32_t low;
    BitWriter* out;
    size_t block_start;  // index in buf of the current block's first byte
};

struct Deflater::State {
    LevelConfig level;
    unsigned hash_bits = 0;
    uint32_t window_size = 0;
    uint32_t window_mask = 0;
    uint32_t* head = nullptr;      // 1 << hash_bits
    uint16_t* prev = nullptr;      // window_size
    uint32_t* symbols = nullptr;   // kBlockSymbols
    uint8_t* window = nullptr;     // 2 * window_size with context takeover, else none

    size_t count = 0;              // symbols in the block being built
    size_t block_raw = 0;          // bytes they stand for
    uint32_t litlen_freq[kMaxLitLenCodes] = {};
    uint32_t dist_freq[kMaxDistCodes] = {};

    uint32_t next_pos = 1;         // without takeover: the next message's first position
    uint32_t window_base = 1;      // with takeover: the position of window[0]
    uint32_t window_len = 0;       // with takeover: bytes in the window

    // lz77.cpp
    void parse(Pass& p) noexcept;
    void parse_greedy(Pass& p) noexcept;
    void parse_lazy(Pass& p) noexcept;
    uint32_t insert(const Pass& p, size_t i) noexcept;
    unsigned longest_match(const Pass& p, size_t i, uint32_t candidate, unsigned at_least,
                           unsigned chain, uint32_t& distance) const noexcept;

    // deflate.cpp
    void flush_block(Pass& p) noexcept;
    void compress_alone(const uint8_t* data, size_t len, BitWriter& out) noexcept;
    void compress_with_history(const uint8_t* data, size_t len, BitWriter& out) noexcept;
    void move_positions_down() noexcept;

    void emit_literal(Pass& p, uint8_t c) noexcept {
        symbols[count++] = literal_symbol(c);
        litlen_freq[c]++;
        block_raw += 1;
        if (count == kBlockSymbols) flush_block(p);
    }
    void emit_match(Pass& p, unsigned length, unsigned distance) noexcept {
        symbols[count++] = match_symbol(length, distance);
        litlen_freq[kFirstLengthSymbol + kLengthIndex[length - kMinMatch]]++;
        dist_freq[distance_symbol(distance)]++;
        block_raw += length;
        if (count == kBlockSymbols) flush_block(p);
    }
};

}  // namespace wshub::deflate
