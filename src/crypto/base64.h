// Base64 (RFC 4648 section 4), standard alphabet with '=' padding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wshub::crypto {

constexpr size_t base64_encoded_size(size_t n) { return (n + 2) / 3 * 4; }

// Writes base64_encoded_size(len) characters to out (no terminator); returns that count.
size_t base64_encode(const uint8_t* in, size_t len, char* out) noexcept;
std::string base64_encode(std::string_view in);

// Strict decode: length a multiple of 4, only alphabet characters, '=' only as
// the last one or two characters, and the unused low bits of the last symbol
// zero (so every input has exactly one encoding). Anything else, including
// whitespace, is rejected with std::nullopt.
std::optional<std::string> base64_decode(std::string_view in);

// The same strict decode into a caller's buffer, without allocating: returns
// the number of bytes written, or nullopt if the input is not valid base64 or
// its decoded size exceeds cap (nothing beyond cap is ever written).
std::optional<size_t> base64_decode(std::string_view in, uint8_t* out, size_t cap) noexcept;

}  // namespace wshub::crypto
