// MaskSource: keys that are the ChaCha20 keystream of their key, and keys
// from the kernel-keyed generator that differ between instances and cover
// every byte value in every key position.
#include <cstdint>
#include <cstring>
#include <set>
#include <string>

#include "check.h"
#include "crypto/chacha20.h"
#include "ws/mask_source.h"

using wshub::ws::MaskSource;

TEST(mask_source_keys_are_the_chacha20_keystream) {
    uint32_t key[8];
    for (uint32_t i = 0; i < 8; ++i) key[i] = 0x01020304u * (i + 1);
    MaskSource m(key);
    const uint32_t nonce[3] = {};
    for (uint32_t block = 0; block < 3; ++block) {
        uint32_t want[16];
        wshub::crypto::chacha20_block(key, block, nonce, want);
        for (uint32_t w : want) CHECK_EQ(m.next(), w);
    }
}

TEST(mask_source_seeded_from_the_kernel) {
    // Two instances share their first four keys with probability 2^-128.
    MaskSource a, b;
    std::string sa, sb;
    for (int i = 0; i < 4; ++i) {
        sa += std::to_string(a.next()) + " ";
        sb += std::to_string(b.next()) + " ";
    }
    CHECK_NE(sa, sb);
    // Every key byte position sees nearly all 256 values in 4096 keys (from a
    // uniform source each value is missed with probability e^-16).
    std::set<uint8_t> seen[4];
    for (int i = 0; i < 4096; ++i) {
        const uint32_t k = a.next();
        uint8_t bytes[4];
        std::memcpy(bytes, &k, 4);
        for (int j = 0; j < 4; ++j) seen[j].insert(bytes[j]);
    }
    for (const auto& s : seen) CHECK_GE(s.size(), size_t{200});
}

TEST(mask_source_fill_is_the_same_keystream) {
    uint32_t key[8] = {7, 6, 5, 4, 3, 2, 1, 0};
    MaskSource words(key), bytes(key);
    uint8_t want[24];
    for (size_t i = 0; i < sizeof want; i += 4) {
        const uint32_t w = words.next();
        std::memcpy(want + i, &w, 4);
    }
    uint8_t got[24] = {};
    bytes.fill(got, 16);
    bytes.fill(got + 16, 6);  // a length not a multiple of 4 takes a whole word
    CHECK(std::memcmp(got, want, 22) == 0);
    CHECK_EQ(bytes.next(), words.next());
}
