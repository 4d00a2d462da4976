// The ChaCha20 block function against RFC 8439's test vectors.
#include <cstdint>
#include <cstring>

#include "check.h"
#include "crypto/chacha20.h"

namespace {

// The block's bytes, as the RFC prints its serialisation.
void serialise(const uint32_t (&words)[16], uint8_t (&out)[64]) {
    for (int i = 0; i < 16; ++i)
        for (int j = 0; j < 4; ++j) out[4 * i + j] = uint8_t(words[i] >> (8 * j));
}

}  // namespace

TEST(chacha20_block_rfc8439_2_3_2) {
    uint32_t key[8];
    for (int i = 0; i < 8; ++i)
        key[i] = uint32_t(4 * i) | uint32_t(4 * i + 1) << 8 | uint32_t(4 * i + 2) << 16 | uint32_t(4 * i + 3) << 24;
    const uint32_t nonce[3] = {0x09000000, 0x4a000000, 0x00000000};
    uint32_t out[16];
    wshub::crypto::chacha20_block(key, 1, nonce, out);
    const uint32_t want[16] = {0xe4e7f110, 0x15593bd1, 0x1fdd0f50, 0xc47120a3, 0xc7f4d1c7, 0x0368c033,
                               0x9aaa2204, 0x4e6cd4c3, 0x466482d2, 0x09aa9f07, 0x05d7c214, 0xa2028bd9,
                               0xd19c12b5, 0xb94e16de, 0xe883d0cb, 0x4e3c50a2};
    for (int i = 0; i < 16; ++i) CHECK_EQ(out[i], want[i]);
}

TEST(chacha20_block_rfc8439_a_1_zero_key) {
    const uint32_t key[8] = {};
    const uint32_t nonce[3] = {};
    uint32_t out[16];
    wshub::crypto::chacha20_block(key, 0, nonce, out);
    uint8_t bytes[64];
    serialise(out, bytes);
    const uint8_t want[16] = {0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90,
                              0x40, 0x5d, 0x6a, 0xe5, 0x53, 0x86, 0xbd, 0x28};
    CHECK(std::memcmp(bytes, want, sizeof want) == 0);
    const uint8_t want_end[6] = {0xb6, 0x69, 0xb2, 0xee, 0x65, 0x86};  // the block's last bytes
    CHECK(std::memcmp(bytes + 58, want_end, sizeof want_end) == 0);
}
