// The client side of the RFC 6455 opening handshake (section 4.1), as pure
// functions over buffers: the request to send, and a check of the response.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wsbench {

struct Target;

// Largest response head accepted; beyond it the handshake fails.
constexpr size_t kMaxResponseHead = 8192;

// Sec-WebSocket-Key for 16 random bytes: their base64 (24 characters).
std::string make_key(const uint8_t (&nonce)[16]);

// base64(SHA-1(key + the RFC 6455 GUID)): what Sec-WebSocket-Accept must be.
std::string expected_accept(std::string_view key);

std::string build_request(const Target& target, std::string_view key);

enum class HeadStatus { incomplete, ok, error };

// Checks the response bytes received so far. On ok, head_len is the size of
// the head (through the blank line); bytes after it are already frames. On
// error, why says what was wrong. Requires status 101, "Upgrade: websocket",
// a Connection header with the "upgrade" token, the right
// Sec-WebSocket-Accept, and no extension or subprotocol (none were offered).
HeadStatus check_response(std::string_view data, std::string_view key, size_t& head_len, std::string& why);

}  // namespace wsbench
