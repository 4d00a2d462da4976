// Huffman codes on both sides: lengths from frequencies (limited, complete,
// optimal on small cases), canonical codes, and the decoding table's
// classification and lookups, short and long codes alike.
#include <vector>

#include "check.h"
#include "deflate/decode_table.h"
#include "deflate/huffman.h"
#include "deflate_corpus.h"

using namespace wshub::deflate;

namespace {

// Kraft's sum scaled to 2^15: 32768 for a complete code.
uint32_t kraft(const uint8_t* lens, unsigned n) {
    uint32_t sum = 0;
    for (unsigned s = 0; s < n; ++s)
        if (lens[s]) sum += 1u << (15 - lens[s]);
    return sum;
}

}  // namespace

TEST(huffman_small_optimal_case) {
    const uint32_t freq[5] = {1, 1, 2, 4, 0};
    uint8_t lens[5];
    build_code_lengths(freq, 5, 15, lens);
    CHECK_EQ(lens[0], uint8_t(3));
    CHECK_EQ(lens[1], uint8_t(3));
    CHECK_EQ(lens[2], uint8_t(2));
    CHECK_EQ(lens[3], uint8_t(1));
    CHECK_EQ(lens[4], uint8_t(0));
}

TEST(huffman_one_or_no_symbol) {
    uint32_t freq[30] = {};
    uint8_t lens[30];
    build_code_lengths(freq, 30, 15, lens);
    CHECK_EQ(kraft(lens, 30), 0u);
    freq[7] = 9;
    build_code_lengths(freq, 30, 15, lens);
    CHECK_EQ(lens[7], uint8_t(1));
    CHECK_EQ(lens[0], uint8_t(1));  // the companion that completes the code
    CHECK_EQ(kraft(lens, 30), 32768u);
    freq[7] = 0;
    freq[0] = 3;
    build_code_lengths(freq, 30, 15, lens);
    CHECK_EQ(lens[0], uint8_t(1));
    CHECK_EQ(lens[1], uint8_t(1));
}

TEST(huffman_lengths_limited_and_complete) {
    // Fibonacci frequencies make the deepest trees.
    uint32_t freq[286];
    uint32_t a = 1, b = 1;
    for (unsigned s = 0; s < 30; ++s) {
        freq[s] = a;
        const uint32_t c = a + b;
        a = b;
        b = c;
    }
    for (unsigned max_bits : {7u, 9u, 15u}) {
        uint8_t lens[30];
        build_code_lengths(freq, 30, max_bits, lens);
        unsigned deepest = 0;
        for (uint8_t l : lens) deepest = l > deepest ? l : deepest;
        CHECK_EQ(deepest, max_bits);
        CHECK_EQ(kraft(lens, 30), 32768u);
    }
    testdeflate::Rng rng(1);
    for (int round = 0; round < 200; ++round) {
        const unsigned n = 2 + rng.below(285);
        for (unsigned s = 0; s < n; ++s) freq[s] = rng.below(4) ? 0 : 1 + rng.below(1u << rng.below(20));
        freq[0] = 1;  // at least two symbols used
        freq[n - 1] = 5;
        uint8_t lens[286];
        build_code_lengths(freq, n, 15, lens);
        CHECK_EQ(kraft(lens, n), 32768u);
        for (unsigned s = 0; s < n; ++s) CHECK_EQ(lens[s] != 0, freq[s] != 0);
    }
}

TEST(huffman_encode_then_decode_every_symbol) {
    // Skewed frequencies give codes of 1 to 15 bits: long ones go through
    // the decoder's walk, short ones through its lookup.
    uint32_t freq[286];
    for (unsigned s = 0; s < 286; ++s) freq[s] = s < 20 ? 1u << (20 - s) : 1;
    uint8_t lens[286];
    uint16_t codes[286];
    build_code_lengths(freq, 286, 15, lens);
    build_codes(lens, 286, codes);
    LitLenTable table;
    CHECK(table.build(lens, 286) == CodeSet::complete);
    unsigned longest = 0;
    for (unsigned s = 0; s < 286; ++s) {
        unsigned used = 0;
        // The code (already first-bit-lowest) followed by junk bits.
        const uint64_t bits = codes[s] | (uint64_t(0x5a5a5) << lens[s]);
        CHECK_EQ(table.decode(bits, 64, used), int(s));
        CHECK_EQ(used, unsigned(lens[s]));
        CHECK_EQ(table.decode(bits, lens[s] - 1, used), kNeedBits);
        longest = lens[s] > longest ? lens[s] : longest;
    }
    CHECK_EQ(longest, 15u);
}

TEST(decode_table_classifies_code_sets) {
    DistTable t;
    const uint8_t complete[4] = {1, 2, 3, 3};
    CHECK(t.build(complete, 4) == CodeSet::complete);
    const uint8_t single[4] = {0, 0, 1, 0};
    CHECK(t.build(single, 4) == CodeSet::single);
    unsigned used = 0;
    CHECK_EQ(t.decode(0, 1, used), 2);
    CHECK_EQ(t.decode(1, 1, used), kNoCode);
    CHECK_EQ(t.decode(1, 0, used), kNeedBits);
    const uint8_t empty[4] = {0, 0, 0, 0};
    CHECK(t.build(empty, 4) == CodeSet::empty);
    const uint8_t incomplete[4] = {1, 2, 0, 0};
    CHECK(t.build(incomplete, 4) == CodeSet::incomplete);
    const uint8_t lone_long[4] = {0, 2, 0, 0};
    CHECK(t.build(lone_long, 4) == CodeSet::incomplete);
    const uint8_t over[4] = {1, 1, 1, 0};
    CHECK(t.build(over, 4) == CodeSet::over_subscribed);
}
