// Canonical Huffman decoding (RFC 1951 section 3.2.2) for the inflater: a table
// built from a list of code lengths, then one code read at a time from the front
// of a bit buffer. Codes up to RootBits long are found with one lookup; longer
// ones (rare: they belong to rare symbols) by walking the lengths.
#pragma once

#include <cstdint>

namespace wshub::deflate {

// What a list of code lengths makes (section 3.2.2 and the sole exception of
// 3.2.7: a single code of one bit with the other bit pattern unused).
enum class CodeSet : uint8_t {
    complete,         // every bit pattern starts exactly one code
    single,           // one symbol with a 1-bit code, the other pattern unused
    empty,            // no symbol has a code
    incomplete,       // some patterns start no code (more than one symbol)
    over_subscribed,  // more codes than bit patterns: not a prefix code
};

// decode()'s outcomes other than a symbol.
constexpr int kNeedBits = -1;  // the bits so far are the start of a code: need more
constexpr int kNoCode = -2;    // the bits start no code (only in an incomplete set)

// A lookup entry is (symbol << 4) | length; with length 0 it is kLongerCode
// (a code longer than the root bits starts here) or kNoCodeEntry (no code
// starts with this first bit: the unused half of a single 1-bit code).
constexpr uint16_t kLongerCode = 0;
constexpr uint16_t kNoCodeEntry = 1 << 4;

// Builds the lookup part (fast) and the canonical part (count of codes per
// length, symbols in code order) from lens[0, n). Returns what the lengths
// make; the table is usable for complete and single sets.
CodeSet build_decode_table(const uint8_t* lens, unsigned n, unsigned root_bits, uint16_t* fast,
                           uint16_t* count, uint16_t* sorted) noexcept;

// The walk for codes longer than the lookup's root bits; see DecodeTable::decode.
int decode_long(const uint16_t* count, const uint16_t* sorted, uint64_t bits, unsigned avail,
                unsigned& used) noexcept;

template <unsigned RootBits, unsigned MaxSymbols>
struct DecodeTable {
    uint16_t fast[1u << RootBits];
    uint16_t count[16];
    uint16_t sorted[MaxSymbols];

    CodeSet build(const uint8_t* lens, unsigned n) noexcept {
        return build_decode_table(lens, n, RootBits, fast, count, sorted);
    }

    // Reads one code from the front of `bits` (the stream's next bits, first
    // bit lowest), of which the low `avail` are real. Returns the symbol and
    // sets `used` to its code's length, or kNeedBits / kNoCode.
    int decode(uint64_t bits, unsigned avail, unsigned& used) const noexcept {
        const uint16_t entry = fast[bits & ((1u << RootBits) - 1)];
        const unsigned len = entry & 15;
        if (entry == kLongerCode) return decode_long(count, sorted, bits, avail, used);
        if (len == 0) return avail == 0 ? kNeedBits : kNoCode;  // kNoCodeEntry: the first bit decides
        if (len > avail) return kNeedBits;
        used = len;
        return entry >> 4;
    }
};

using LitLenTable = DecodeTable<9, 288>;
using DistTable = DecodeTable<8, 32>;
using CodeLengthTable = DecodeTable<7, 19>;

}  // namespace wshub::deflate

namespace wshub::deflate {

// The fixed codes of section 3.2.6, built once (thread-safe) and shared.
const LitLenTable& fixed_litlen_table() noexcept;
const DistTable& fixed_dist_table() noexcept;

}  // namespace wshub::deflate
