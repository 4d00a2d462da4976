// Admission policy that needs no I/O: which rooms a token's `rooms` claim
// allows, which browser origins --allow-origin admits, and the per-connection
// message rate. Nothing here allocates, so it can run on every message.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace wshub::auth {

// True if some pattern admits the room: "*" admits every room, "prefix*" the
// rooms that start with prefix (case-sensitive, like room names), anything
// else only the room spelled exactly so. A '*' anywhere but last is literal.
bool room_allowed(std::span<const std::string> patterns, std::string_view room) noexcept;

// True for what --allow-origin accepts: the literal `null`, or
// `scheme://host[:port]` or `scheme://*.host[:port]` where the scheme is
// lower-case (RFC 3986 characters), the host is a DNS name (or, without a
// wildcard, a bracketed IPv6 literal) and the port is 1-65535 without leading
// zeros. No path, query, fragment or userinfo, not even a trailing '/':
// browsers never send one in Origin (RFC 6454 section 6.2), so such a pattern
// could never match.
bool valid_origin_pattern(std::string_view pattern) noexcept;

// True if the Origin header value matches a pattern (each one valid as
// above). Scheme and host compare ASCII-case-insensitively; the port must be
// the same digits, and a pattern without a port admits only an origin without
// one. `scheme://*.host` admits any origin of that scheme one or more labels
// below host, never host itself. The pattern `null` admits only the Origin
// `null` (sandboxed frames, file: pages), which no other pattern admits.
bool origin_allowed(std::span<const std::string> patterns, std::string_view origin) noexcept;

// A token bucket counting in milli-tokens so a rate of r per second refills
// exactly r milli-tokens a millisecond, with no rounding and no floating
// point. Starts full; holds at most `burst` tokens; each take() spends one.
//
// A default-constructed bucket, or one configured with rate 0, is off and
// take() always returns true. A burst of 0 with a non-zero rate admits
// nothing.
//
// To fit 16 bytes (one per connection) the bucket keeps the clock modulo
// 2^41 ms and holds at most kMaxBurst tokens (bursts above are clamped; the
// --max-msg-burst flag stops far below). Consequences, both far outside what
// a monotonic millisecond clock does: a single gap of 2^40 ms (34 years) or
// more between calls looks like the clock going backwards, and a clock that
// does go backwards adds nothing until it passes the latest time seen again.
class TokenBucket {
public:
    static constexpr uint32_t kMaxBurst = UINT32_MAX / 1000;  // 4'294'967

    void configure(uint32_t rate_per_s, uint32_t burst, uint64_t now_ms) noexcept;
    // Spends one token if one is there (after refilling up to now_ms).
    bool take(uint64_t now_ms) noexcept;

private:
    void refill(uint64_t now_ms) noexcept;

    uint32_t rate_ = 0;        // tokens per second = milli-tokens per ms; 0: off
    uint32_t milli_ = 0;       // tokens held, times 1000
    uint64_t last_ms_ : 41 = 0;  // clock (mod 2^41) up to which milli_ is refilled
    uint64_t burst_ : 23 = 0;    // at most kMaxBurst, which fits 23 bits
};

static_assert(sizeof(TokenBucket) <= 16, "one TokenBucket per connection: keep it small");

}  // namespace wshub::auth
