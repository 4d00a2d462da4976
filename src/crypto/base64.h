// Base64 (RFC 4648 section 4), standard alphabet with '=' padding, and
// base64url (section 5), the URL-safe alphabet without padding, as JWTs use it.
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

// base64url without padding (RFC 7515 section 2, "Base64url Encoding"):
// 4 characters per 3 bytes, and 2 or 3 characters for a final 1 or 2 bytes.
constexpr size_t base64url_encoded_size(size_t n) { return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1); }

// Writes base64url_encoded_size(len) characters to out (no terminator); returns that count.
size_t base64url_encode(const uint8_t* in, size_t len, char* out) noexcept;
std::string base64url_encode(std::string_view in);

// Strict base64url decode into a caller's buffer, without allocating: only
// A-Z a-z 0-9 '-' '_' (no '=', no whitespace, no '+' or '/'), a length that
// is not 1 more than a multiple of 4, and the unused low bits of the last
// symbol zero, so every byte string has exactly one accepted encoding.
// Returns the number of bytes written, or nullopt if the input is not valid or
// its decoded size exceeds cap (nothing beyond cap is ever written; on failure
// the first bytes of out may have been overwritten).
std::optional<size_t> base64url_decode(std::string_view in, uint8_t* out, size_t cap) noexcept;
std::optional<std::string> base64url_decode(std::string_view in);

}  // namespace wshub::crypto
