// HMAC-SHA256 (RFC 2104 with the SHA-256 of FIPS 180-4; test vectors in
// RFC 4231). Signs and checks HS256 JWTs.
#pragma once

#include <cstddef>
#include <string_view>

#include "crypto/sha256.h"

namespace wshub::crypto {

// Streaming form: update() any number of times, then finish() once. Keys of
// any length are accepted (longer than a block: hashed first, as RFC 2104
// says). Never allocates.
//
// Known weakness: the object holds the two hash states that follow the
// key pads, which are as good as the key for forging, until its memory is
// reused. Keep it short-lived and on the stack.
class HmacSha256 {
public:
    explicit HmacSha256(std::string_view key) noexcept;
    void update(const void* data, size_t len) noexcept;
    Sha256Digest finish() noexcept;

private:
    Sha256 inner_;  // has absorbed K0 ^ ipad
    Sha256 outer_;  // has absorbed K0 ^ opad
};

Sha256Digest hmac_sha256(std::string_view key, std::string_view message) noexcept;

}  // namespace wshub::crypto
