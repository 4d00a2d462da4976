// SHA-256 (FIPS 180-4 section 6.2). The hash under HMAC-SHA256, which signs
// and checks JWTs (HS256).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wshub::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

// Streaming form: update() any number of times, then finish() once. Never
// allocates; the whole state lives in the object.
class Sha256 {
public:
    static constexpr size_t kBlockSize = 64;

    Sha256() noexcept;
    void update(const void* data, size_t len) noexcept;
    Sha256Digest finish() noexcept;

private:
    void compress(const uint8_t* block) noexcept;

    uint32_t state_[8];
    uint64_t total_len_ = 0;  // bytes fed so far
    uint8_t block_[kBlockSize];
    size_t block_len_ = 0;
};

Sha256Digest sha256(std::string_view data) noexcept;

}  // namespace wshub::crypto
