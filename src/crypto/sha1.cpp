// SHA-1 per FIPS 180-4 section 6.1, written for a 64-byte block at a time.
#include "crypto/sha1.h"

#include <algorithm>
#include <cstring>

namespace wshub::crypto {
namespace {

constexpr uint32_t rotl(uint32_t x, int n) noexcept { return (x << n) | (x >> (32 - n)); }

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

Sha1::Sha1() noexcept : state_{0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u} {}

void Sha1::compress(const uint8_t* block) noexcept {
    // A 16-word ring instead of the spec's 80-word schedule: same values,
    // a quarter of the stack, and it stays in L1.
    uint32_t w[16];
    for (int t = 0; t < 16; ++t) w[t] = load_be32(block + 4 * t);

    uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3], e = state_[4];
    auto schedule = [&w](int t) noexcept {
        uint32_t x = w[(t + 13) & 15] ^ w[(t + 8) & 15] ^ w[(t + 2) & 15] ^ w[t & 15];
        return w[t & 15] = rotl(x, 1);
    };
    auto round = [&](uint32_t f, uint32_t k, uint32_t wt) noexcept {
        uint32_t tmp = rotl(a, 5) + f + e + k + wt;
        e = d;
        d = c;
        c = rotl(b, 30);
        b = a;
        a = tmp;
    };

    for (int t = 0; t < 16; ++t) round((b & c) | (~b & d), 0x5A827999u, w[t]);
    for (int t = 16; t < 20; ++t) round((b & c) | (~b & d), 0x5A827999u, schedule(t));
    for (int t = 20; t < 40; ++t) round(b ^ c ^ d, 0x6ED9EBA1u, schedule(t));
    for (int t = 40; t < 60; ++t) round((b & c) | (b & d) | (c & d), 0x8F1BBCDCu, schedule(t));
    for (int t = 60; t < 80; ++t) round(b ^ c ^ d, 0xCA62C1D6u, schedule(t));

    state_[0] += a;
    state_[1] += b;
    state_[2] += c;
    state_[3] += d;
    state_[4] += e;
}

void Sha1::update(const void* data, size_t len) noexcept {
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

Sha1Digest Sha1::finish() noexcept {
    const uint64_t bit_len = total_len_ * 8;

    // Padding: 0x80, zeros up to 56 mod 64, then the 64-bit big-endian length.
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

    Sha1Digest out;
    for (int i = 0; i < 5; ++i) store_be32(out.data() + 4 * i, state_[i]);
    return out;
}

Sha1Digest sha1(std::string_view data) noexcept {
    Sha1 h;
    h.update(data.data(), data.size());
    return h.finish();
}

}  // namespace wshub::crypto
