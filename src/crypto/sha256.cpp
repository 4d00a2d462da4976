// SHA-256 per FIPS 180-4 sections 4.1.2, 4.2.2, 5.1.1, 5.3.3 and 6.2, a
// 64-byte block at a time.
#include "crypto/sha256.h"

#include <algorithm>
#include <cstring>

namespace wshub::crypto {
namespace {

// Section 4.2.2: the first 32 bits of the fractional parts of the cube roots
// of the first 64 primes.
constexpr uint32_t kRound[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

constexpr uint32_t rotr(uint32_t x, int n) noexcept { return (x >> n) | (x << (32 - n)); }

// Section 4.1.2, the six logical functions.
constexpr uint32_t ch(uint32_t x, uint32_t y, uint32_t z) noexcept { return (x & y) ^ (~x & z); }
constexpr uint32_t maj(uint32_t x, uint32_t y, uint32_t z) noexcept { return (x & y) ^ (x & z) ^ (y & z); }
constexpr uint32_t big_sigma0(uint32_t x) noexcept { return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22); }
constexpr uint32_t big_sigma1(uint32_t x) noexcept { return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25); }
constexpr uint32_t small_sigma0(uint32_t x) noexcept { return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3); }
constexpr uint32_t small_sigma1(uint32_t x) noexcept { return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10); }

// Byte-wise so it is correct on any endianness and any alignment; compilers
// fold this into a single load plus byte swap.
inline uint32_t load_be32(const uint8_t* p) noexcept {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

inline void store_be32(uint8_t* p, uint32_t v) noexcept {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

}  // namespace

// Section 5.3.3: the first 32 bits of the fractional parts of the square
// roots of the first 8 primes.
Sha256::Sha256() noexcept
    : state_{0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
             0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u} {}

void Sha256::compress(const uint8_t* block) noexcept {
    // A 16-word ring instead of the spec's 64-word schedule: W[t] only ever
    // reads W[t-2], W[t-7], W[t-15] and W[t-16], all still in the ring.
    uint32_t w[16];
    for (int t = 0; t < 16; ++t) w[t] = load_be32(block + 4 * t);
    auto schedule = [&w](int t) noexcept {
        uint32_t x = small_sigma1(w[(t - 2) & 15]) + w[(t - 7) & 15] +
                     small_sigma0(w[(t - 15) & 15]) + w[t & 15];
        return w[t & 15] = x;
    };

    uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
    uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
    auto round = [&](int t, uint32_t wt) noexcept {
        const uint32_t t1 = h + big_sigma1(e) + ch(e, f, g) + kRound[t] + wt;
        const uint32_t t2 = big_sigma0(a) + maj(a, b, c);
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    };
    for (int t = 0; t < 16; ++t) round(t, w[t]);
    for (int t = 16; t < 64; ++t) round(t, schedule(t));

    state_[0] += a;
    state_[1] += b;
    state_[2] += c;
    state_[3] += d;
    state_[4] += e;
    state_[5] += f;
    state_[6] += g;
    state_[7] += h;
}

void Sha256::update(const void* data, size_t len) noexcept {
    if (len == 0) return;  // data may then be null, which memcpy must not see
    const auto* in = static_cast<const uint8_t*>(data);
    total_len_ += len;

    if (block_len_ > 0) {
        size_t take = std::min(len, sizeof block_ - block_len_);
        std::memcpy(block_ + block_len_, in, take);
        block_len_ += take;
        in += take;
        len -= take;
        if (block_len_ < sizeof block_) return;
        compress(block_);
        block_len_ = 0;
    }
    // Whole blocks straight from the caller's memory: no copy.
    for (; len >= sizeof block_; in += sizeof block_, len -= sizeof block_) compress(in);
    if (len > 0) {
        std::memcpy(block_, in, len);
        block_len_ = len;
    }
}

Sha256Digest Sha256::finish() noexcept {
    const uint64_t bit_len = total_len_ * 8;

    // Section 5.1.1: 0x80, zeros up to 56 mod 64, then the 64-bit big-endian
    // length. From 56 buffered bytes on the length no longer fits: one more block.
    block_[block_len_++] = 0x80;
    if (block_len_ > 56) {
        std::memset(block_ + block_len_, 0, sizeof block_ - block_len_);
        compress(block_);
        block_len_ = 0;
    }
    std::memset(block_ + block_len_, 0, 56 - block_len_);
    store_be32(block_ + 56, static_cast<uint32_t>(bit_len >> 32));
    store_be32(block_ + 60, static_cast<uint32_t>(bit_len));
    compress(block_);
    block_len_ = 0;

    Sha256Digest out;
    for (int i = 0; i < 8; ++i) store_be32(out.data() + 4 * i, state_[i]);
    return out;
}

Sha256Digest sha256(std::string_view data) noexcept {
    Sha256 h;
    h.update(data.data(), data.size());
    return h.finish();
}

}  // namespace wshub::crypto
