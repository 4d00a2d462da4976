// SHA-256 known answers (FIPS 180-4 / NIST examples) and the padding
// boundaries, streamed in every split against the one-shot digest.
#include <algorithm>
#include <string>

#include "check.h"
#include "crypto/sha256.h"

using wshub::crypto::Sha256;
using wshub::crypto::Sha256Digest;
using wshub::crypto::sha256;

namespace {

std::string hex(const Sha256Digest& d) {
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

Sha256Digest streamed(std::string_view data, size_t split) {
    Sha256 h;
    h.update(data.data(), split);
    h.update(data.data() + split, data.size() - split);
    return h.finish();
}

constexpr const char* kMillionA = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

}  // namespace

TEST(sha256_fips_abc) {
    CHECK_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(sha256_empty) {
    CHECK_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    Sha256 h;
    h.update(nullptr, 0);
    CHECK_EQ(hex(h.finish()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// The 448-bit message: 56 bytes, so the length no longer fits and a second
// block of padding follows.
TEST(sha256_fips_two_blocks) {
    CHECK_EQ(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

// The 896-bit message of the FIPS 180-4 SHA-512 examples: two full blocks of
// SHA-256 input plus a padding block.
TEST(sha256_896_bit_message) {
    CHECK_EQ(hex(sha256("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                        "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")),
             "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(sha256_million_a_one_shot) {
    const std::string s(1000000, 'a');
    CHECK_EQ(hex(sha256(s)), kMillionA);
}

TEST(sha256_million_a_uneven_chunks) {
    const std::string s(1000000, 'a');
    // Chunk sizes chosen to land on, before and after block edges.
    const size_t chunks[] = {1, 63, 64, 65, 7, 127, 128, 129, 1000, 3};
    Sha256 h;
    size_t fed = 0;
    for (size_t i = 0; fed < s.size(); ++i) {
        const size_t n = std::min(chunks[i % std::size(chunks)], s.size() - fed);
        h.update(s.data() + fed, n);
        fed += n;
    }
    CHECK_EQ(hex(h.finish()), kMillionA);
}

TEST(sha256_million_a_byte_at_a_time) {
    Sha256 h;
    for (int i = 0; i < 1000000; ++i) h.update("a", 1);
    CHECK_EQ(hex(h.finish()), kMillionA);
}

// 55 is the longest message whose padding fits in one block, 56..63 need a
// second block for the length, 64 is exactly one block, 65 spills over; the
// same again one block later. Digests from an independent implementation.
TEST(sha256_padding_boundaries_known_answers) {
    struct Case {
        size_t len;
        const char* digest;
    } cases[] = {
        {55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"},
        {56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"},
        {63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"},
        {64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"},
        {65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"},
        {119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"},
        {120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5"},
        {128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6"},
    };
    for (const Case& c : cases) CHECK_EQ(hex(sha256(pattern(c.len))), c.digest);
}

TEST(sha256_every_split_matches_one_shot) {
    for (size_t len : {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129}) {
        const std::string s = pattern(len);
        const std::string expected = hex(sha256(s));
        for (size_t split = 0; split <= len; ++split) CHECK_EQ(hex(streamed(s, split)), expected);
    }
}

TEST(sha256_three_way_splits_around_block_edge) {
    const std::string s = pattern(130);
    const std::string expected = hex(sha256(s));
    for (size_t a = 0; a <= s.size(); a += 5) {
        for (size_t b = a; b <= s.size(); b += 3) {
            Sha256 h;
            h.update(s.data(), a);
            h.update(s.data() + a, b - a);
            h.update(s.data() + b, s.size() - b);
            CHECK_EQ(hex(h.finish()), expected);
        }
    }
}

// Empty updates between bytes must not disturb the buffered partial block.
TEST(sha256_empty_updates_in_between) {
    const std::string s = pattern(65);
    Sha256 h;
    for (char c : s) {
        h.update(&c, 1);
        h.update(nullptr, 0);
    }
    CHECK_EQ(hex(h.finish()), hex(sha256(s)));
}
