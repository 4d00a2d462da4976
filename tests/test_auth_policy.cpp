// Admission policy: room patterns, origin patterns and matching (the
// look-alike hosts a suffix check lets through, ports, case, null), and the
// token bucket over time (burst, partial refill, long idle, clock steps back).
#include <cstdio>
#include <string>
#include <vector>

#include "auth/policy.h"
#include "check.h"

using wshub::auth::origin_allowed;
using wshub::auth::room_allowed;
using wshub::auth::TokenBucket;
using wshub::auth::valid_origin_pattern;

namespace {

bool rooms(std::vector<std::string> patterns, std::string_view room) { return room_allowed(patterns, room); }

bool origins(std::vector<std::string> patterns, std::string_view origin) {
    return origin_allowed(patterns, origin);
}

// Takes until the bucket refuses (at most `limit`), all at one instant.
int drain(TokenBucket& b, uint64_t now_ms, int limit = 1000) {
    int n = 0;
    while (n < limit && b.take(now_ms)) ++n;
    return n;
}

TokenBucket configured(uint32_t rate, uint32_t burst, uint64_t now_ms) {
    TokenBucket b;
    b.configure(rate, burst, now_ms);
    return b;
}

}  // namespace

TEST(room_allowed_patterns) {
    struct Case {
        const char* name;
        std::vector<std::string> patterns;
        std::string_view room;
        bool allowed;
    } cases[] = {
        {"no patterns", {}, "lobby", false},
        {"star admits any", {"*"}, "lobby", true},
        {"star admits odd names", {"*"}, "a*b c", true},
        {"exact", {"lobby"}, "lobby", true},
        {"exact is case-sensitive", {"lobby"}, "Lobby", false},
        {"exact is not a prefix", {"lobby"}, "lobby2", false},
        {"exact is not a suffix", {"lobby"}, "lob", false},
        {"prefix admits itself", {"team-*"}, "team-", true},
        {"prefix admits longer", {"team-*"}, "team-red", true},
        {"prefix refuses shorter", {"team-*"}, "team", false},
        {"prefix refuses other", {"team-*"}, "teams-red", false},
        {"prefix is case-sensitive", {"team-*"}, "Team-red", false},
        {"prefix is not infix", {"team-*"}, "x-team-red", false},
        {"star in the middle is literal", {"a*b"}, "axb", false},
        {"star in the middle exact", {"a*b"}, "a*b", true},
        {"double star: prefix star", {"a**"}, "a*x", true},
        {"double star refuses", {"a**"}, "ax", false},
        {"empty pattern only empty room", {""}, "", true},
        {"empty pattern refuses", {""}, "lobby", false},
        {"second pattern matches", {"a", "b*"}, "bee", true},
        {"none of several", {"a", "b*"}, "cee", false},
        {"empty room vs prefix", {"x*"}, "", false},
        {"empty room vs star", {"*"}, "", true},
    };
    for (const Case& c : cases) {
        if (rooms(c.patterns, c.room) != c.allowed) {
            std::fprintf(stderr, "  case: %s\n", c.name);
            CHECK_EQ(rooms(c.patterns, c.room), c.allowed);
        }
    }
}

TEST(valid_origin_pattern_accepts) {
    for (const char* ok : {
             "null",
             "https://example.com",
             "http://example.com",
             "https://example.com:8443",
             "https://a.b.example.com",
             "https://EXAMPLE.com",  // hosts compare case-insensitively anyway
             "https://*.example.com",
             "https://*.example.com:8443",
             "https://*.localhost",
             "http://localhost",
             "http://localhost:1",
             "http://localhost:65535",
             "http://127.0.0.1:8080",
             "http://[::1]",
             "http://[::1]:8080",
             "chrome-extension://abcdefghijklmnop",
             "git+ssh://host",
             "https://xn--bcher-kva.example",
             "https://my-host_1.example.com",
             "https://example.com:443",  // exact digits: a non-browser client may send them
         }) {
        if (!valid_origin_pattern(ok)) CHECK_EQ(std::string(ok), "valid");
    }
}

TEST(valid_origin_pattern_refuses) {
    for (const char* bad : {
             "",
             "NULL",
             "Null",
             "null ",
             "*",
             "example.com",
             "https:/example.com",
             "https:example.com",
             "://example.com",
             "HTTPS://example.com",
             "Https://example.com",
             "1http://example.com",
             "ht tp://example.com",
             "*://x.com",
             "https://",
             "https://:8443",
             "https://example.com/",
             "https://example.com/path",
             "https://example.com?x=1",
             "https://example.com#x",
             "https://user@example.com",
             "https://user:pw@example.com",
             "https://example.com:",
             "https://example.com:0",
             "https://example.com:08443",
             "https://example.com:65536",
             "https://example.com:123456",
             "https://example.com:8x",
             "https://example.com:-1",
             "https://example.com:80:80",
             "https://example..com",
             "https://.example.com",
             "https://example.com.",
             "https://exa mple.com",
             "https://ex\xc3\xa4mple.com",
             "https://*",
             "https://*.",
             "https://*example.com",
             "https://a.*.com",
             "https://*.*.example.com",
             "https://**.example.com",
             "https://*.example.com/",
             "https://*.example.com:",
             "https://*.[::1]",
             "http://[::1",
             "http://[]",
             "http://[::g]",
             " https://example.com",
             "https://example.com ",
         }) {
        if (valid_origin_pattern(bad)) CHECK_EQ(std::string(bad), "invalid");
    }
}

TEST(origin_allowed_exact) {
    const std::vector<std::string> p = {"https://example.com", "http://localhost:8080"};
    struct Case {
        const char* origin;
        bool allowed;
    } cases[] = {
        {"https://example.com", true},
        {"HTTPS://EXAMPLE.COM", true},
        {"https://Example.Com", true},
        {"http://localhost:8080", true},
        {"http://LOCALHOST:8080", true},
        {"http://example.com", false},            // scheme differs
        {"https://example.com:443", false},       // a port the pattern does not have
        {"https://example.com:", false},          // an empty port is still a port
        {"http://localhost", false},              // the pattern's port is missing
        {"http://localhost:8081", false},
        {"http://localhost:08080", false},        // the same number, other digits
        {"http://localhost:80800", false},
        {"https://example.com/", false},
        {"https://example.com.", false},
        {"https://a.example.com", false},         // exact admits no subdomain
        {"https://evil-example.com", false},
        {"https://example.com.evil.net", false},
        {"https://example.co", false},
        {"https://example.comm", false},
        {"https://user@example.com", false},
        {"https://example.com ", false},
        {" https://example.com", false},
        {"null", false},
        {"", false},
    };
    for (const Case& c : cases) {
        if (origin_allowed(p, c.origin) != c.allowed) {
            std::fprintf(stderr, "  origin: %s\n", c.origin);
            CHECK_EQ(origin_allowed(p, c.origin), c.allowed);
        }
    }
}

TEST(origin_allowed_wildcard) {
    const std::vector<std::string> p = {"https://*.example.com"};
    struct Case {
        const char* origin;
        bool allowed;
    } cases[] = {
        {"https://a.example.com", true},
        {"https://a.b.example.com", true},
        {"https://A.EXAMPLE.COM", true},
        {"HTTPS://a.Example.Com", true},
        {"https://a-b.example.com", true},
        {"https://1.example.com", true},
        {"https://example.com", false},             // the wildcard needs a label
        {"https://.example.com", false},            // an empty one does not count
        {"https://a..example.com", false},
        {"http://a.example.com", false},            // scheme
        {"wss://a.example.com", false},
        {"https://a.example.com:8443", false},      // port the pattern does not have
        {"https://a.example.com:443", false},
        {"https://a.example.com:", false},
        {"https://evil-example.com", false},        // suffix without the dot
        {"https://a.evil-example.com", false},
        {"https://aexample.com", false},
        {"https://a.example.com.evil.net", false},  // suffix followed by more
        {"https://a.example.com.", false},
        {"https://a.example.comm", false},
        {"https://a.example.co", false},
        {"https://example.com.a.example.net", false},
        {"https://evil.net/.example.com", false},   // path before the suffix
        {"https://evil.net?.example.com", false},
        {"https://evil.net#.example.com", false},
        {"https://evil.net@a.example.com", false},  // userinfo
        {"https://a.example.com/", false},
        {"https://a.example.com/x", false},
        {"https://*.example.com", false},           // the pattern itself as an origin
        {"https://a b.example.com", false},
        {"https://[::1].example.com", false},
        {"https://a.example.com\r\n", false},
        {"https://", false},
        {"https:/a.example.com", false},
        {"a.example.com", false},
        {"null", false},
        {"", false},
    };
    for (const Case& c : cases) {
        if (origin_allowed(p, c.origin) != c.allowed) {
            std::fprintf(stderr, "  origin: %s\n", c.origin);
            CHECK_EQ(origin_allowed(p, c.origin), c.allowed);
        }
    }
}

TEST(origin_allowed_wildcard_with_port) {
    const std::vector<std::string> p = {"https://*.example.com:8443"};
    CHECK(origins(p, "https://a.example.com:8443"));
    CHECK(origins(p, "https://a.b.EXAMPLE.com:8443"));
    CHECK(!origins(p, "https://a.example.com"));
    CHECK(!origins(p, "https://a.example.com:443"));
    CHECK(!origins(p, "https://a.example.com:08443"));
    CHECK(!origins(p, "https://a.example.com:84430"));
    CHECK(!origins(p, "https://a.example.com:8443/"));
    CHECK(!origins(p, "https://example.com:8443"));
    CHECK(!origins(p, "https://evil-example.com:8443"));
    CHECK(!origins(p, "https://a.example.com.evil.net:8443"));
    CHECK(!origins(p, "http://a.example.com:8443"));
}

TEST(origin_allowed_wildcard_does_not_cover_its_parent) {
    // To admit the apex and its subdomains an operator lists both.
    const std::vector<std::string> both = {"https://*.example.com", "https://example.com"};
    CHECK(origins(both, "https://example.com"));
    CHECK(origins(both, "https://www.example.com"));
    CHECK(!origins(both, "https://evil-example.com"));
}

TEST(origin_allowed_null) {
    CHECK(origins({"null"}, "null"));
    CHECK(!origins({"null"}, "NULL"));
    CHECK(!origins({"null"}, "Null"));
    CHECK(!origins({"null"}, "null "));
    CHECK(!origins({"null"}, ""));
    CHECK(!origins({"null"}, "https://example.com"));
    CHECK(!origins({"null"}, "null://x"));
    // Only the null pattern admits null: not an exact pattern, not a wildcard.
    CHECK(!origins({"https://example.com", "https://*.example.com"}, "null"));
    CHECK(origins({"https://example.com", "null"}, "null"));
    CHECK(origins({"https://example.com", "null"}, "https://example.com"));
}

TEST(origin_allowed_ipv6_and_ip) {
    const std::vector<std::string> p = {"http://[::1]:8080", "http://127.0.0.1:8080"};
    CHECK(origins(p, "http://[::1]:8080"));
    CHECK(!origins(p, "http://[::1]"));
    CHECK(!origins(p, "http://[::2]:8080"));
    CHECK(origins(p, "http://127.0.0.1:8080"));
    CHECK(!origins(p, "http://127.0.0.10:8080"));
    CHECK(!origins(p, "http://1.127.0.0.1:8080"));
}

TEST(origin_allowed_no_patterns_admits_nothing) {
    // "No --allow-origin admits every Origin" is the caller's rule, not this one's.
    CHECK(!origins({}, "https://example.com"));
    CHECK(!origins({}, "null"));
}

TEST(origin_allowed_every_pattern_is_tried) {
    const std::vector<std::string> p = {"https://a.test", "https://*.b.test", "http://c.test:81"};
    CHECK(origins(p, "https://a.test"));
    CHECK(origins(p, "https://x.b.test"));
    CHECK(origins(p, "http://c.test:81"));
    CHECK(!origins(p, "https://b.test"));
    CHECK(!origins(p, "http://c.test"));
}

TEST(token_bucket_fits_a_connection) { CHECK_LE(sizeof(TokenBucket), size_t{16}); }

TEST(token_bucket_off_admits_everything) {
    TokenBucket unconfigured;
    CHECK_EQ(drain(unconfigured, 0), 1000);
    CHECK(unconfigured.take(~uint64_t{0}));
    TokenBucket rate_zero = configured(0, 5, 1000);
    CHECK_EQ(drain(rate_zero, 1000), 1000);
    CHECK(rate_zero.take(0));  // even with the clock stepping back
}

TEST(token_bucket_starts_full_with_burst) {
    TokenBucket b = configured(1, 5, 1000);
    CHECK_EQ(drain(b, 1000), 5);
    CHECK(!b.take(1000));
    TokenBucket one = configured(100, 1, 0);
    CHECK_EQ(drain(one, 0), 1);
}

TEST(token_bucket_burst_zero_admits_nothing) {
    TokenBucket b = configured(10, 0, 0);
    CHECK(!b.take(0));
    CHECK(!b.take(1'000'000));
}

TEST(token_bucket_refills_at_the_rate) {
    TokenBucket b = configured(10, 10, 0);  // one token every 100 ms
    CHECK_EQ(drain(b, 0), 10);
    CHECK(!b.take(99));
    CHECK(b.take(100));
    CHECK(!b.take(100));
    CHECK(!b.take(199));
    CHECK(b.take(200));
    CHECK_EQ(drain(b, 1000), 8);  // 800 ms more: 8 tokens
}

TEST(token_bucket_partial_refill_is_kept) {
    // Milli-tokens carry over: 0.6 + 0.6 tokens make one, and 0.2 stays.
    TokenBucket b = configured(1, 1, 0);
    CHECK(b.take(0));
    CHECK(!b.take(600));
    CHECK(b.take(1000));   // 0.6 + 0.4: exactly one
    CHECK(!b.take(1999));  // 0.999
    CHECK(b.take(2000));
    // Fractions of a token a millisecond add up without rounding: rate 3.
    TokenBucket t = configured(3, 3, 0);
    CHECK_EQ(drain(t, 0), 3);
    CHECK(!t.take(333));  // 0.999 tokens
    CHECK(t.take(334));   // 1.002
    CHECK(!t.take(666));  // 0.002 + 0.996
    CHECK(t.take(667));   // 1.001
    CHECK_EQ(drain(t, 1667), 3);  // 0.001 + 3 capped at 3
}

TEST(token_bucket_many_small_steps_equal_one_big_step) {
    TokenBucket stepped = configured(7, 100, 0), jumped = configured(7, 100, 0);
    CHECK_EQ(drain(stepped, 0), 100);
    CHECK_EQ(drain(jumped, 0), 100);
    int taken = 0;
    for (uint64_t t = 1; t <= 10'000; ++t) taken += stepped.take(t) ? 1 : 0;  // one try a millisecond
    CHECK_EQ(taken, 70);
    CHECK_EQ(drain(jumped, 10'000), 70);
}

TEST(token_bucket_high_rate) {
    TokenBucket b = configured(1'000'000, 1'000'000, 0);  // the flag's maximum
    CHECK_EQ(drain(b, 0, 2'000'000), 1'000'000);
    CHECK_EQ(drain(b, 1, 2'000'000), 1000);  // a thousand a millisecond
    TokenBucket fast = configured(UINT32_MAX, 3, 0);
    CHECK_EQ(drain(fast, 0), 3);
    CHECK_EQ(drain(fast, 1), 3);
}

TEST(token_bucket_long_idle_does_not_exceed_burst) {
    TokenBucket b = configured(10, 5, 0);
    CHECK_EQ(drain(b, 0), 5);
    CHECK_EQ(drain(b, 3'600'000), 5);  // an hour later: still 5
    CHECK_EQ(drain(b, 3'600'000 + 86'400'000ull * 365), 5);  // a year
    TokenBucket full = configured(10, 5, 0);
    CHECK_EQ(drain(full, 10'000), 5);  // idle while already full
    // The largest rate times a long idle time must not overflow.
    TokenBucket big = configured(UINT32_MAX, 2, 0);
    CHECK_EQ(drain(big, 0), 2);
    CHECK_EQ(drain(big, 1'000'000'000'000ull), 2);
}

TEST(token_bucket_idle_up_to_full_then_capped) {
    TokenBucket b = configured(2, 4, 0);  // full again 2 s after empty
    CHECK_EQ(drain(b, 0), 4);
    CHECK_EQ(drain(b, 1500), 3);
    CHECK_EQ(drain(b, 1500 + 2000), 4);
    CHECK_EQ(drain(b, 1500 + 2000 + 1999), 3);
}

TEST(token_bucket_backwards_clock_adds_nothing) {
    TokenBucket b = configured(10, 10, 1'000'000);
    CHECK_EQ(drain(b, 1'000'000), 10);
    CHECK(!b.take(999'000));   // one second back
    CHECK(!b.take(0));         // all the way back
    CHECK(!b.take(999'999));
    CHECK(!b.take(1'000'000));  // back where it was: no time passed
    CHECK(!b.take(1'000'099));
    CHECK(b.take(1'000'100));  // the time since 1'000'000 counts once
    CHECK(!b.take(1'000'100));
    // The backwards excursion was not credited when time came forward again.
    TokenBucket c = configured(1, 1, 5000);
    CHECK(c.take(5000));
    CHECK(!c.take(4000));
    CHECK(!c.take(5999));
    CHECK(c.take(6000));
}

TEST(token_bucket_backwards_right_after_configure) {
    TokenBucket b = configured(1, 3, 10'000);
    CHECK(b.take(5'000));  // still full: burst does not depend on the clock
    CHECK(b.take(0));
    CHECK(b.take(9'999));
    CHECK(!b.take(10'999));
    CHECK(b.take(11'000));
}

TEST(token_bucket_large_clock_values) {
    // A realtime-like clock and one near 2^64: only differences matter.
    for (const uint64_t start : {uint64_t{1'700'000'000'000}, (uint64_t{1} << 41) - 50, ~uint64_t{0} - 150}) {
        TokenBucket b = configured(10, 2, start);
        CHECK_EQ(drain(b, start), 2);
        CHECK(!b.take(start + 99));
        CHECK(b.take(start + 100));  // the second crosses 2^41 here, the third 2^64 below
        CHECK_EQ(drain(b, start + 300), 2);
        CHECK(!b.take(start - 1));
    }
}

TEST(token_bucket_burst_is_clamped) {
    TokenBucket b = configured(1, UINT32_MAX, 0);
    CHECK_EQ(drain(b, 0, int(TokenBucket::kMaxBurst) + 10), int(TokenBucket::kMaxBurst));
    TokenBucket at = configured(1, TokenBucket::kMaxBurst, 0);
    CHECK_EQ(drain(at, 0, int(TokenBucket::kMaxBurst) + 10), int(TokenBucket::kMaxBurst));
    CHECK(at.take(1000));
}

TEST(token_bucket_reconfigure_refills) {
    TokenBucket b = configured(1, 2, 0);
    CHECK_EQ(drain(b, 0), 2);
    b.configure(1, 4, 10);
    CHECK_EQ(drain(b, 10), 4);
    b.configure(0, 4, 20);  // turned off
    CHECK_EQ(drain(b, 20), 1000);
}
