// SHA-1 known answers (FIPS 180-4 examples, RFC 3174 section 7.3) and the
// padding boundaries, streamed in every split against the one-shot digest.
#include <string>
#include <vector>

#include "check.h"
#include "crypto/sha1.h"

using wshub::crypto::Sha1;
using wshub::crypto::Sha1Digest;
using wshub::crypto::sha1;

namespace {

std::string hex(const Sha1Digest& d) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (uint8_t b : d) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

// Bytes that are not all equal, so a misplaced byte changes the digest.
std::string pattern(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7 + 3) & 0xff);
    return s;
}

Sha1Digest streamed(std::string_view data, size_t split) {
    Sha1 h;
    h.update(data.data(), split);
    h.update(data.data() + split, data.size() - split);
    return h.finish();
}

}  // namespace

TEST(sha1_fips_abc) { CHECK_EQ(hex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d"); }

TEST(sha1_empty) {
    CHECK_EQ(hex(sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    Sha1 h;
    h.update(nullptr, 0);
    CHECK_EQ(hex(h.finish()), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST(sha1_fips_two_blocks) {
    CHECK_EQ(hex(sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
             "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST(sha1_fips_896_bits) {
    CHECK_EQ(hex(sha1("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                      "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")),
             "a49b2446a02c645bf419f995b67091253a04a259");
}

TEST(sha1_rfc3174_test4) {
    std::string s;
    for (int i = 0; i < 10; ++i) s += "0123456701234567012345670123456701234567012345670123456701234567";
    CHECK_EQ(hex(sha1(s)), "dea356a2cddd90c7a7ecedc5ebb563934f460452");
}

TEST(sha1_quick_brown_fox) {
    CHECK_EQ(hex(sha1("The quick brown fox jumps over the lazy dog")),
             "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
}

TEST(sha1_million_a_one_shot) {
    std::string s(1000000, 'a');
    CHECK_EQ(hex(sha1(s)), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(sha1_million_a_uneven_chunks) {
    const std::string s(1000000, 'a');
    // Chunk sizes chosen to land on, before and after block edges.
    const size_t chunks[] = {1, 63, 64, 65, 7, 127, 128, 129, 1000, 3};
    Sha1 h;
    size_t fed = 0;
    for (size_t i = 0; fed < s.size(); ++i) {
        size_t n = std::min(chunks[i % std::size(chunks)], s.size() - fed);
        h.update(s.data() + fed, n);
        fed += n;
    }
    CHECK_EQ(hex(h.finish()), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(sha1_million_a_byte_at_a_time) {
    Sha1 h;
    for (int i = 0; i < 1000000; ++i) h.update("a", 1);
    CHECK_EQ(hex(h.finish()), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

// 55 is the longest message whose padding fits in one block, 56..63 need a
// second block for the length, 64 is exactly one block, 65 spills over.
TEST(sha1_padding_boundaries_known_answers) {
    struct Case {
        size_t len;
        const char* digest;
    } cases[] = {
        {55, "ddf57317ef34bfee3b6df83d359098930eb278bc"},
        {56, "a0d492bb0fc889d0eca3bc137066ab6f4f74f369"},
        {63, "c55856749bef509bdfe6bfebfc7bf4e793e82132"},
        {64, "bede92be29c3874e1b54ddc77988d606fc857a8e"},
        {65, "b05a80522b053d6dc7e0a517d0e70212c7dad11f"},
        {119, "504e27376a6e0f0dba8295b85cb25dc4dfa17d23"},
        {120, "82134b02fb3f702491be9bed581eeab59334acb2"},
        {128, "a09133e6730ffe899efb70204cb5646cd5dc24ee"},
    };
    for (const Case& c : cases) CHECK_EQ(hex(sha1(pattern(c.len))), c.digest);
}

TEST(sha1_every_split_matches_one_shot) {
    for (size_t len : {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129}) {
        const std::string s = pattern(len);
        const Sha1Digest expected = sha1(s);
        for (size_t split = 0; split <= len; ++split) CHECK_EQ(hex(streamed(s, split)), hex(expected));
    }
}

TEST(sha1_three_way_splits_around_block_edge) {
    const std::string s = pattern(130);
    const std::string expected = hex(sha1(s));
    for (size_t a = 0; a <= s.size(); a += 5) {
        for (size_t b = a; b <= s.size(); b += 3) {
            Sha1 h;
            h.update(s.data(), a);
            h.update(s.data() + a, b - a);
            h.update(s.data() + b, s.size() - b);
            CHECK_EQ(hex(h.finish()), expected);
        }
    }
}
