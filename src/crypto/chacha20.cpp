// RFC 8439 section 2.1-2.3: the state is the four constants, the key, the
// counter and the nonce; ten double rounds (column rounds, then diagonal
// rounds) of the quarter round, then the input state added word by word.
#include "crypto/chacha20.h"

namespace wshub::crypto {
namespace {

constexpr uint32_t kSigma[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};  // "expand 32-byte k"

constexpr uint32_t rotl(uint32_t x, int n) noexcept { return (x << n) | (x >> (32 - n)); }

void quarter_round(uint32_t (&s)[16], int a, int b, int c, int d) noexcept {
    s[a] += s[b];
    s[d] = rotl(s[d] ^ s[a], 16);
    s[c] += s[d];
    s[b] = rotl(s[b] ^ s[c], 12);
    s[a] += s[b];
    s[d] = rotl(s[d] ^ s[a], 8);
    s[c] += s[d];
    s[b] = rotl(s[b] ^ s[c], 7);
}

}  // namespace

void chacha20_block(const uint32_t (&key)[8], uint32_t counter, const uint32_t (&nonce)[3],
                    uint32_t (&out)[16]) noexcept {
    uint32_t in[16];
    for (int i = 0; i < 4; ++i) in[i] = kSigma[i];
    for (int i = 0; i < 8; ++i) in[4 + i] = key[i];
    in[12] = counter;
    for (int i = 0; i < 3; ++i) in[13 + i] = nonce[i];
    for (int i = 0; i < 16; ++i) out[i] = in[i];
    for (int round = 0; round < 10; ++round) {
        quarter_round(out, 0, 4, 8, 12);
        quarter_round(out, 1, 5, 9, 13);
        quarter_round(out, 2, 6, 10, 14);
        quarter_round(out, 3, 7, 11, 15);
        quarter_round(out, 0, 5, 10, 15);
        quarter_round(out, 1, 6, 11, 12);
        quarter_round(out, 2, 7, 8, 13);
        quarter_round(out, 3, 4, 9, 14);
    }
    for (int i = 0; i < 16; ++i) out[i] += in[i];
}

}  // namespace wshub::crypto
