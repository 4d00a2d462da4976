// SHA-1 (FIPS 180-4, RFC 3174). Used only for the WebSocket accept key, where
// collision resistance is not what is relied on.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wshub::crypto {

using Sha1Digest = std::array<uint8_t, 20>;

// Streaming form: update() any number of times, then finish() once.
class Sha1 {
public:
    Sha1() noexcept;
    void update(const void* data, size_t len) noexcept;
    Sha1Digest finish() noexcept;

private:
    void compress(const uint8_t* block) noexcept;

    uint32_t state_[5];
    uint64_t total_len_ = 0;  // bytes fed so far
    uint8_t block_[64];
    size_t block_len_ = 0;
};

Sha1Digest sha1(std::string_view data) noexcept;

}  // namespace wshub::crypto
