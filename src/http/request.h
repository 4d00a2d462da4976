// Incremental HTTP/1.1 request-head parsing with hard limits. Nothing is
// copied or allocated: results are views into the caller's buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
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

// The limits a request head is read under.
struct HeadLimits {
    size_t max_bytes;                  // the head, its blank line included; a longer one is 431
    size_t max_headers = kMaxHeaders;  // header lines; more is 431 (kMaxHeaders at most)
};

enum class HeadStatus : uint8_t { complete, incomplete, refused };

// How a refused head is counted (wshub_connections_rejected_total's
// "malformed" and "header_too_large").
enum class HeadRefusal : uint8_t { malformed, too_large };

struct HeadResult {
    HeadStatus status = HeadStatus::incomplete;
    size_t length = 0;                             // complete: the head up to and including its CRLF CRLF
    int http_status = 0;                           // refused: 400 or 431
    std::string_view why;                          // refused: the answer's body, static, ending in '\n'
    HeadRefusal refusal = HeadRefusal::malformed;  // refused: how it is counted
};

// Reads a request head from the bytes received so far, in the manner of
// picohttpparser's phr_parse_request. `received` is all of them, and
// `previous_len` how many of them the last call saw (0 on the first), so
// that a head fed a byte at a time is still scanned in linear time. Only
// the first limits.max_bytes + 1 bytes are looked at, which is all a reader
// needs to receive: the answer never depends on how the bytes were split
// between calls. Returns
// - complete: `out` holds the request, its views into `received`, and
//   `length` is the head's; what follows it (frames, a body) is not looked at;
// - incomplete: no blank line yet, and nothing wrong so far. Every prefix
//   of a valid head is incomplete, never refused;
// - refused, with the status and body to answer:
//   400 "lines must end in CRLF" for a bare LF in the head, as soon as it
//   arrives (a client ending its lines in LF would otherwise wait for the
//   timeout); 431 "request head too large" for a head over max_bytes, with
//   or without its end; 400 "malformed request" for a complete head that
//   parse_request refuses, 431 "too many header fields" for one with more
//   than max_headers lines.
// `out` is unspecified unless complete.
HeadResult parse_head(std::string_view received, size_t previous_len, const HeadLimits& limits,
                      Request& out) noexcept;

enum class ParseStatus : uint8_t { ok, bad_request, too_many_headers };

// Parses a complete head (parse_head finds where it ends). Strict RFC 9112:
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

// The pieces of a head that a response's reader shares with the request's
// (http/client_handshake.cpp). A field-line, RFC 9112 section 5 (name ":"
// OWS value OWS CRLF) from head[pos]: its name, and its value without the
// whitespace around it; pos moves past its CRLF. False if the line is not
// one: obs-fold and whitespace before ':' fail (neither is a token
// character), and so does a control character in the value.
bool parse_field_line(std::string_view head, size_t& pos, Header& out) noexcept;
// True if buf[from, end) holds a line feed not preceded by a carriage return.
bool has_bare_lf(std::string_view buf, size_t from = 0) noexcept;
// A field value's character (field-vchar, SP, HTAB, obs-text: RFC 9110
// section 5.5), which a reason phrase is made of too (RFC 9112 section 4).
bool is_field_char(char c) noexcept;
// Without the spaces and tabs at either end.
std::string_view trim_ows(std::string_view v) noexcept;

// Case-insensitive ASCII comparison.
bool iequals(std::string_view a, std::string_view b) noexcept;

// True if the comma-separated header value contains `token` (case-insensitive,
// optional whitespace around elements), e.g. "keep-alive, Upgrade" has "upgrade".
bool has_token(std::string_view list, std::string_view token) noexcept;

// Whether any line of header `name` holds `token` (has_token).
bool any_has_token(const Request& req, std::string_view name, std::string_view token) noexcept;

// Whether the client may send another request on the connection once this
// one is answered (RFC 9112 section 9.3): HTTP/1.1 without "Connection:
// close", and without a body (Content-Length over 0, or Transfer-Encoding)
// whose bytes, never read, would be taken for the next request.
bool keep_alive(const Request& req) noexcept;

// Every line of header `name`, joined by ", " (RFC 9110 section 5.3), into
// `out`; false, and `out` untouched, when there is none.
bool joined_header(const Request& req, std::string_view name, std::string& out);

}  // namespace wshub::http
