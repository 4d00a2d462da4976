#include "auth/policy.h"

#include <algorithm>

#include "http/request.h"

namespace wshub::auth {
namespace {

constexpr std::string_view kSchemeEnd = "://";
constexpr std::string_view kWildcard = "*.";
constexpr std::string_view kNullOrigin = "null";

// TokenBucket's clock: 41 bits of milliseconds, the rest of its word is the burst.
constexpr uint64_t kClockMask = (uint64_t{1} << 41) - 1;

bool is_lower(char c) noexcept { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alnum(char c) noexcept { return is_lower(c) || (c >= 'A' && c <= 'Z') || is_digit(c); }
bool is_hex(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool ends_with_icase(std::string_view s, std::string_view suffix) noexcept {
    return s.size() >= suffix.size() && http::iequals(s.substr(s.size() - suffix.size()), suffix);
}

// RFC 3986 section 3.1, restricted to lower case: browsers serialize the
// scheme lower-cased, and a pattern is written once by an operator.
bool valid_scheme(std::string_view s) noexcept {
    if (s.empty() || !is_lower(s[0])) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return is_lower(c) || is_digit(c) || c == '+' || c == '-' || c == '.'; });
}

// Non-empty labels of letters, digits, '-' and '_' (some internal names have
// it). IDNs arrive as punycode, so non-ASCII is never right. Because '/', '@',
// ':' and '*' are refused, a host that passes cannot smuggle in a path,
// userinfo or a port.
bool valid_dns_host(std::string_view h) noexcept {
    if (h.empty() || h.front() == '.' || h.back() == '.') return false;
    char prev = '.';
    for (char c : h) {
        if (c == '.' && prev == '.') return false;
        if (c != '.' && c != '-' && c != '_' && !is_alnum(c)) return false;
        prev = c;
    }
    return true;
}

bool valid_ipv6_literal(std::string_view h) noexcept {
    if (h.size() < 4 || h.front() != '[' || h.back() != ']') return false;
    const std::string_view inside = h.substr(1, h.size() - 2);
    return std::all_of(inside.begin(), inside.end(), [](char c) { return is_hex(c) || c == ':' || c == '.'; });
}

// Digits as browsers write them: no leading zero, 1-65535.
bool valid_port(std::string_view p) noexcept {
    if (p.empty() || p.size() > 5 || p[0] == '0') return false;
    uint32_t n = 0;
    for (char c : p) {
        if (!is_digit(c)) return false;
        n = n * 10 + uint32_t(c - '0');
    }
    return n <= 65535;
}

// An origin serialized per RFC 6454 section 6.2: scheme "://" host [":" port].
// The pieces are views; nothing is validated beyond finding them.
struct OriginParts {
    std::string_view scheme, host, port;
    bool has_port = false;  // a ':' follows the host, even with no digits
};

bool split_origin(std::string_view s, OriginParts& out) noexcept {
    const size_t scheme_end = s.find(kSchemeEnd);
    if (scheme_end == std::string_view::npos) return false;
    out.scheme = s.substr(0, scheme_end);
    const std::string_view authority = s.substr(scheme_end + kSchemeEnd.size());
    // An IPv6 literal has colons of its own: its port colon comes after ']'.
    const size_t search_from = authority.starts_with('[') ? std::min(authority.find(']'), authority.size()) : 0;
    const size_t colon = authority.find(':', search_from);
    out.host = authority.substr(0, colon);
    out.has_port = colon != std::string_view::npos;
    out.port = out.has_port ? authority.substr(colon + 1) : std::string_view{};
    return true;
}

// The pattern is `scheme://*.suffix[:port]` (valid_origin_pattern checked it).
bool wildcard_matches(const OriginParts& pattern, std::string_view origin) noexcept {
    OriginParts o;
    if (!split_origin(origin, o) || !http::iequals(o.scheme, pattern.scheme)) return false;
    if (o.has_port != pattern.has_port || o.port != pattern.port) return false;
    const std::string_view suffix = pattern.host.substr(1);  // ".example.com": the dot keeps evil-example.com out
    // Validating the whole host keeps out "a.b/.example.com", "x@a.example.com"
    // and ".example.com" (an empty label in front).
    return o.host.size() > suffix.size() && ends_with_icase(o.host, suffix) && valid_dns_host(o.host);
}

bool origin_matches(std::string_view pattern, std::string_view origin) noexcept {
    if (pattern == kNullOrigin || origin == kNullOrigin) return pattern == origin;
    OriginParts p;
    if (split_origin(pattern, p) && p.host.starts_with(kWildcard)) return wildcard_matches(p, origin);
    // Same layout character for character, so one comparison covers scheme,
    // host and port (digits have no case).
    return http::iequals(pattern, origin);
}

}  // namespace

bool room_allowed(std::span<const std::string> patterns, std::string_view room) noexcept {
    for (const std::string& p : patterns) {
        const std::string_view pattern(p);
        if (pattern.ends_with('*') ? room.starts_with(pattern.substr(0, pattern.size() - 1)) : room == pattern)
            return true;
    }
    return false;
}

bool valid_origin_pattern(std::string_view pattern) noexcept {
    if (pattern == kNullOrigin) return true;
    OriginParts p;
    if (!split_origin(pattern, p) || !valid_scheme(p.scheme)) return false;
    if (p.has_port && !valid_port(p.port)) return false;
    if (p.host.starts_with(kWildcard)) return valid_dns_host(p.host.substr(kWildcard.size()));
    return valid_dns_host(p.host) || valid_ipv6_literal(p.host);
}

bool origin_allowed(std::span<const std::string> patterns, std::string_view origin) noexcept {
    for (const std::string& p : patterns)
        if (origin_matches(p, origin)) return true;
    return false;
}

void TokenBucket::configure(uint32_t rate_per_s, uint32_t burst, uint64_t now_ms) noexcept {
    rate_ = rate_per_s;
    burst_ = std::min(burst, kMaxBurst);
    milli_ = uint32_t(burst_) * 1000;
    last_ms_ = now_ms & kClockMask;
}

bool TokenBucket::take(uint64_t now_ms) noexcept {
    if (rate_ == 0) return true;
    refill(now_ms);
    if (milli_ < 1000) return false;
    milli_ -= 1000;
    return true;
}

void TokenBucket::refill(uint64_t now_ms) noexcept {
    const uint64_t elapsed = (now_ms - last_ms_) & kClockMask;
    // Modulo 2^41 a step back looks like a huge step forward. Keeping last_ms_
    // where it was means the time between is not credited twice either.
    if (elapsed >= (kClockMask + 1) / 2) return;
    last_ms_ = now_ms & kClockMask;
    const uint32_t cap = uint32_t(burst_) * 1000;
    const uint32_t room = cap - milli_;
    // Comparing against room / rate first keeps elapsed * rate from
    // overflowing after a long idle time.
    if (elapsed > room / rate_)
        milli_ = cap;
    else
        milli_ += uint32_t(elapsed * rate_);
}

}  // namespace wshub::auth
