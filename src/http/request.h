// Incremental HTTP/1.1 request-head parsing with hard limits. Nothing is
// copied or allocated: results are views into the caller's buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace wshub::http {

constexpr size_t kMaxHeaders = 64;

struct Header {
    std::string_view name;   // as sent; compare case-insensitively
    std::string_view value;  // leading/trailing spaces and tabs removed
};

struct Request {
    std::string_view method;
    std::string_view target;  // request-target as sent, e.g. "/echo?room=a"
    std::string_view path;    // target up to '?'
    std::string_view query;   // after '?', without it ("" if none)
    int minor_version = 1;    // HTTP/1.<minor>
    Header headers[kMaxHeaders];
    size_t header_count = 0;
    // Content-Length as sent (parsed, validated); nullopt if absent.
    std::optional<uint64_t> content_length;

    // First header with this name (case-insensitive), or nullopt.
    std::optional<std::string_view> header(std::string_view name) const noexcept;
};

// Looks for the blank line that ends a request head in buf, scanning only
// from `from` - 3 onwards so that feeding a request one byte at a time stays
// linear. Returns the length of the head including its final CRLF CRLF, or 0
// if it is not complete yet.
size_t find_head_end(std::string_view buf, size_t from) noexcept;

// True if buf[from, end) holds a line feed not preceded by a carriage return.
// HTTP/1.1 lines end in CRLF; a client that ends them in bare LF would never
// complete a head, so it is refused at once instead of at the timeout.
bool has_bare_lf(std::string_view buf, size_t from) noexcept;

enum class ParseStatus : uint8_t { ok, bad_request, too_many_headers };

// Parses a complete head (as delimited by find_head_end). Strict RFC 9112:
// method is a token (case-sensitive: "get" parses but is not "GET"), target
// starts with '/' (origin-form) and is visible ASCII only (no spaces, control
// characters or bytes >= 0x7f), version "HTTP/1.x", header names are tokens
// with no space before ':', values have no control characters except tab,
// no obsolete line folding, lines end with CRLF, Content-Length digits only
// and repeated Content-Length must agree. Bytes after the blank line that
// ends the head are not looked at. More than kMaxHeaders header lines give
// too_many_headers. On failure `out` holds partial results; do not use it.
// Transfer-Encoding is not interpreted: a caller that accepts bodies must
// refuse it (or implement chunked) itself.
ParseStatus parse_request(std::string_view head, Request& out) noexcept;

// Case-insensitive ASCII comparison.
bool iequals(std::string_view a, std::string_view b) noexcept;

// True if the comma-separated header value contains `token` (case-insensitive,
// optional whitespace around elements), e.g. "keep-alive, Upgrade" has "upgrade".
bool has_token(std::string_view list, std::string_view token) noexcept;

}  // namespace wshub::http
