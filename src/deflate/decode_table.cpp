// Canonical code construction (RFC 1951 3.2.2): codes of one length are
// consecutive integers in symbol order, and each length's first code follows
// the last code of the length before, shifted left. The stream carries a code's
// most significant bit first while the bit buffer holds the stream's first bit
// lowest, so the lookup is indexed by the code reversed.
#include "deflate/decode_table.h"

#include <cstring>

#include "deflate/rfc1951.h"

namespace wshub::deflate {
namespace {

// Kraft's sum over the counts: over-subscribed, complete, incomplete or empty.
CodeSet classify(const uint16_t* count) noexcept {
    int left = 1;  // bit patterns not yet taken, at the current length
    unsigned symbols = 0;
    for (unsigned len = 1; len <= kMaxCodeBits; ++len) {
        left = left * 2 - count[len];
        if (left < 0) return CodeSet::over_subscribed;
        symbols += count[len];
    }
    if (symbols == 0) return CodeSet::empty;
    if (left == 0) return CodeSet::complete;
    return (symbols == 1 && count[1] == 1) ? CodeSet::single : CodeSet::incomplete;
}

}  // namespace

CodeSet build_decode_table(const uint8_t* lens, unsigned n, unsigned root_bits, uint16_t* fast,
                           uint16_t* count, uint16_t* sorted) noexcept {
    std::memset(count, 0, 16 * sizeof *count);
    for (unsigned s = 0; s < n; ++s)
        if (lens[s] != 0) count[lens[s]]++;  // (counting the zeros too would chain every store)
    const CodeSet set = classify(count);
    std::memset(fast, 0, (size_t{1} << root_bits) * sizeof *fast);
    if (set == CodeSet::over_subscribed) return set;

    uint16_t offset[16];   // where each length's symbols start in `sorted`
    unsigned next_code[16];
    offset[1] = 0;
    next_code[1] = 0;
    for (unsigned len = 1; len < kMaxCodeBits; ++len) {
        offset[len + 1] = uint16_t(offset[len] + count[len]);
        next_code[len + 1] = (next_code[len] + count[len]) << 1;
    }
    for (unsigned s = 0; s < n; ++s) {
        const unsigned len = lens[s];
        if (len == 0) continue;
        sorted[offset[len]++] = uint16_t(s);
        const unsigned code = next_code[len]++;
        if (len > root_bits) continue;
        const uint16_t entry = uint16_t(s << 4 | len);
        for (unsigned i = reverse_code(code, len); i < (1u << root_bits); i += 1u << len) fast[i] = entry;
    }
    if (set == CodeSet::single) {
        // The 1-bit pattern with no code: known to be no code at once.
        for (unsigned i = 0; i < (1u << root_bits); ++i)
            if (fast[i] == kLongerCode) fast[i] = kNoCodeEntry;
    }
    return set;
}

int decode_long(const uint16_t* count, const uint16_t* sorted, uint64_t bits, unsigned avail,
                unsigned& used) noexcept {
    // code: the bits read so far as a code of `len` bits; first: the first
    // code of that length; index: where that length's symbols start.
    unsigned code = 0, first = 0, index = 0;
    for (unsigned len = 1; len <= kMaxCodeBits; ++len) {
        if (len > avail) return kNeedBits;
        code |= unsigned(bits >> (len - 1)) & 1u;
        if (code - first < count[len]) {
            used = len;
            return sorted[index + (code - first)];
        }
        index += count[len];
        first = (first + count[len]) << 1;
        code <<= 1;
    }
    return kNoCode;
}

}  // namespace wshub::deflate

namespace wshub::deflate {
namespace {

LitLenTable make_fixed_litlen() noexcept {
    uint8_t lens[kLitLenSymbols];
    for (unsigned s = 0; s < kLitLenSymbols; ++s) lens[s] = fixed_litlen_length(s);
    LitLenTable t;
    t.build(lens, kLitLenSymbols);
    return t;
}

DistTable make_fixed_dist() noexcept {
    uint8_t lens[kDistSymbols];
    for (unsigned s = 0; s < kDistSymbols; ++s) lens[s] = kFixedDistLength;
    DistTable t;
    t.build(lens, kDistSymbols);
    return t;
}

}  // namespace

const LitLenTable& fixed_litlen_table() noexcept {
    static const LitLenTable table = make_fixed_litlen();
    return table;
}

const DistTable& fixed_dist_table() noexcept {
    static const DistTable table = make_fixed_dist();
    return table;
}

}  // namespace wshub::deflate
