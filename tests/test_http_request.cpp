// HTTP request head: parse_head on every prefix and every split of its
// input and each refusal, parse_request on good and malformed heads (one
// named case per line), iequals and has_token.
#include <cstdio>
#include <string>
#include <vector>

#include "check.h"
#include "http/request.h"

using namespace wshub::http;
using namespace std::string_view_literals;

namespace {

constexpr std::string_view kUpgradeRequest =
    "GET /chat?room=a&x=1 HTTP/1.1\r\n"
    "Host: server.example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Origin: http://example.com\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

constexpr HeadLimits kLimits{8192, kMaxHeaders};

ParseStatus parse(std::string_view head) {
    static Request req;  // 2 KiB of headers: keep it off the stack of every case
    return parse_request(head, req);
}

HeadResult head(std::string_view received, size_t previous = 0, size_t max_bytes = 8192,
                size_t max_headers = kMaxHeaders) {
    static Request req;
    return parse_head(received, previous, HeadLimits{max_bytes, max_headers}, req);
}

// A result as one line, so a failure prints it whole: "incomplete",
// "complete <length>", or "<status> <counted as> <body>".
std::string describe(const HeadResult& r) {
    switch (r.status) {
    case HeadStatus::incomplete:
        return "incomplete";
    case HeadStatus::complete:
        return "complete " + std::to_string(r.length);
    case HeadStatus::refused:
        break;
    }
    return std::to_string(r.http_status) + (r.refusal == HeadRefusal::malformed ? " malformed " : " too_large ") +
           std::string(r.why);
}

// A request line plus the given header lines and the final blank line.
std::string with_headers(std::string_view lines) {
    return "GET / HTTP/1.1\r\n" + std::string(lines) + "\r\n";
}

}  // namespace

TEST(http_head_complete_at_once) {
    Request req;
    HeadResult r = parse_head(kUpgradeRequest, 0, kLimits, req);
    CHECK_EQ(describe(r), "complete " + std::to_string(kUpgradeRequest.size()));
    CHECK_EQ(req.method, "GET");
    CHECK_EQ(req.path, "/chat");
    CHECK_EQ(req.header_count, size_t{7});
    CHECK(req.method.data() == kUpgradeRequest.data());  // views into what was received
    // Bytes behind the head (frames, a body) are not part of it, whatever they hold.
    const std::string behind = std::string(kUpgradeRequest).append("\x81\x85\n\n\0extra\r\n\r\n"sv);
    r = parse_head(behind, 0, kLimits, req);
    CHECK_EQ(describe(r), "complete " + std::to_string(kUpgradeRequest.size()));
    CHECK_EQ(describe(head("")), "incomplete");
    CHECK_EQ(describe(head("\r\n\r")), "incomplete");
    CHECK_EQ(describe(head("GET / HTTP/1.1\r\n")), "incomplete");
}

// picohttpparser's discipline: a prefix of a valid head is incomplete, never
// refused, however it arrives, and the head is complete exactly when its
// last byte does. Fed whole each time (previous 0) and a byte at a time.
TEST(http_head_every_prefix_of_valid_heads_is_incomplete) {
    std::string many;
    for (size_t i = 0; i < kMaxHeaders; ++i) {
        many += 'H';
        many += std::to_string(i);
        many += ": x\r\n";
    }
    const std::string heads[] = {
        std::string(kUpgradeRequest),
        "GET / HTTP/1.0\r\n\r\n",
        "POST /publish?room=a HTTP/1.1\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n",
        "M-SEARCH /?x HTTP/1.9\r\nA:\r\nB: \t v \t\r\nG: caf\xc3\xa9\r\n\r\n",
        with_headers(many),
    };
    for (const std::string& h : heads) {
        size_t refused = 0, early = 0, complete_at = 0;
        for (size_t len = 0; len <= h.size(); ++len) {
            const std::string_view part = std::string_view(h).substr(0, len);
            for (const size_t previous : {size_t{0}, len == 0 ? 0 : len - 1}) {
                const HeadResult r = head(part, previous, h.size());
                if (r.status == HeadStatus::refused) ++refused;
                if (r.status == HeadStatus::complete && len < h.size()) ++early;
                if (r.status == HeadStatus::complete && len == h.size() && r.length == h.size()) ++complete_at;
            }
        }
        if (refused || early || complete_at != 2) std::fprintf(stderr, "  head: %.40s...\n", h.c_str());
        CHECK_EQ(refused, size_t{0});
        CHECK_EQ(early, size_t{0});
        CHECK_EQ(complete_at, size_t{2});
    }
}

// Two reads split at every point: the second call scans on from the first's
// length and comes to the answer one call over everything would.
TEST(http_head_every_chunking_agrees) {
    const std::string inputs[] = {
        std::string(kUpgradeRequest),
        std::string(kUpgradeRequest) + "\x81\x80" "abcd",  // a frame behind the head
        "GET / HTTP/1.1\r\nHost: a\nB: c\r\n\r\n",        // bare LF
        "GET chat HTTP/1.1\r\nHost: a\r\n\r\n",             // malformed
        "GET / HTTP/1.1\r\n" + std::string(300, 'x') + "\r\n\r\n",  // too large under 256
    };
    for (const std::string& in : inputs) {
        const std::string whole = describe(head(in, 0, 256));
        for (size_t split = 0; split <= in.size(); ++split) {
            const HeadResult first = head(std::string_view(in).substr(0, split), 0, 256);
            const std::string got = first.status != HeadStatus::incomplete ? describe(first)
                                                                          : describe(head(in, split, 256));
            if (got != whole) std::fprintf(stderr, "  split at %zu of %.30s...\n", split, in.c_str());
            CHECK_EQ(got, whole);
        }
    }
}

TEST(http_head_refusals) {
    const std::string over = "GET / HTTP/1.1\r\nX: " + std::string(256, 'x') + "\r\n\r\n";  // > 256 bytes
    std::string sixty_five;
    for (size_t i = 0; i <= kMaxHeaders; ++i) sixty_five += "H" + std::to_string(i) + ": x\r\n";
    struct Case {
        const char* name;
        std::string input;
        size_t max_bytes, max_headers;
        std::string_view want;
    } cases[] = {
        {"bare LF ending the request line", "GET / HTTP/1.1\n", 8192, kMaxHeaders, "400 malformed lines must end in CRLF\n"},
        {"bare LF ending a header line", "GET / HTTP/1.1\r\nHost: a\n", 8192, kMaxHeaders, "400 malformed lines must end in CRLF\n"},
        {"bare LF blank line", "GET / HTTP/1.1\r\nHost: a\r\n\n", 8192, kMaxHeaders, "400 malformed lines must end in CRLF\n"},
        {"a lone LF", "\n", 8192, kMaxHeaders, "400 malformed lines must end in CRLF\n"},
        {"LF LF", "GET / HTTP/1.1\n\n", 8192, kMaxHeaders, "400 malformed lines must end in CRLF\n"},
        {"bare LF before the size is over", "GET /\n" + std::string(300, 'x'), 256, kMaxHeaders, "400 malformed lines must end in CRLF\n"},
        {"empty head", "\r\n\r\n", 8192, kMaxHeaders, "400 malformed malformed request\n"},
        {"target not origin-form", "GET chat HTTP/1.1\r\n\r\n", 8192, kMaxHeaders, "400 malformed malformed request\n"},
        {"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", 8192, kMaxHeaders, "400 malformed malformed request\n"},
        {"bare CR", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 8192, kMaxHeaders, "400 malformed malformed request\n"},
        {"Content-Length conflict", with_headers("Content-Length: 5\r\nContent-Length: 6\r\n"), 8192, kMaxHeaders, "400 malformed malformed request\n"},
        {"complete but too large", over, 256, kMaxHeaders, "431 too_large request head too large\n"},
        {"too large without its end", std::string(257, 'G'), 256, kMaxHeaders, "431 too_large request head too large\n"},
        {"no end in the first max+1 bytes", "GET /" + std::string(300, 'x') + "\n\r\n\r\n", 256, kMaxHeaders, "431 too_large request head too large\n"},
        {"too many header fields", with_headers(sixty_five), 8192, kMaxHeaders, "431 too_large too many header fields\n"},
        {"over a lower header limit", with_headers("A: 1\r\nB: 2\r\nC: 3\r\n"), 8192, 2, "431 too_large too many header fields\n"},
        {"a higher limit is kMaxHeaders", with_headers(sixty_five), 8192, 1000, "431 too_large too many header fields\n"},
    };
    for (const Case& c : cases) {
        const std::string got = describe(head(c.input, 0, c.max_bytes, c.max_headers));
        if (got != c.want) std::fprintf(stderr, "  case: %s\n", c.name);
        CHECK_EQ(got, c.want);
    }
}

TEST(http_head_limits_are_inclusive) {
    const std::string h = with_headers("Host: a\r\n");
    CHECK_EQ(describe(head(h, 0, h.size())), "complete " + std::to_string(h.size()));
    CHECK_EQ(describe(head(h, 0, h.size() - 1)), "431 too_large request head too large\n");
    const std::string two = with_headers("A: 1\r\nB: 2\r\n");
    CHECK_EQ(describe(head(two, 0, 8192, 2)), "complete " + std::to_string(two.size()));
}

// Only the bytes after previous_len are scanned again (the three before
// them, for a CRLF CRLF split across reads): what a former call passed is not
// looked at twice, which keeps a head sent a byte at a time linear.
TEST(http_head_previous_len_scans_only_new_bytes) {
    CHECK_EQ(describe(head("GET / HTTP/1.1\r\n", 15)), "incomplete");  // the CR came in the read before
    CHECK_EQ(describe(head("GET / HTTP/1.1\r\nHost: a\n", 17)), "400 malformed lines must end in CRLF\n");
    CHECK_EQ(describe(head("GET /\nX", 7)), "incomplete");  // that LF was seen (and refused) before
    CHECK_EQ(describe(head("\r\n\r\n", 3)), "400 malformed malformed request\n");
    // Past the end means nothing new.
    CHECK_EQ(describe(head("ab", 100)), "incomplete");
    CHECK_EQ(describe(head("\r\n\r\n", 100)), "incomplete");
    CHECK_EQ(describe(head("a\nb", 5)), "incomplete");
}

TEST(http_parse_upgrade_request) {
    Request req;
    CHECK_EQ(parse_request(kUpgradeRequest, req), ParseStatus::ok);
    CHECK_EQ(req.method, "GET");
    CHECK_EQ(req.target, "/chat?room=a&x=1");
    CHECK_EQ(req.path, "/chat");
    CHECK_EQ(req.query, "room=a&x=1");
    CHECK_EQ(req.minor_version, 1);
    CHECK_EQ(req.header_count, size_t{7});
    CHECK_EQ(req.headers[0].name, "Host");
    CHECK_EQ(req.headers[0].value, "server.example.com");
    CHECK_EQ(req.headers[6].name, "Sec-WebSocket-Version");
    CHECK(!req.content_length.has_value());
}

TEST(http_parse_views_point_into_input) {
    Request req;
    CHECK_EQ(parse_request(kUpgradeRequest, req), ParseStatus::ok);
    const char* begin = kUpgradeRequest.data();
    const char* end = begin + kUpgradeRequest.size();
    CHECK(req.method.data() >= begin && req.method.data() + req.method.size() <= end);
    CHECK(req.path.data() == req.target.data());
    for (size_t i = 0; i < req.header_count; ++i) {
        CHECK(req.headers[i].value.data() >= begin);
        CHECK(req.headers[i].value.data() + req.headers[i].value.size() <= end);
    }
}

TEST(http_parse_path_and_query_split) {
    struct Case {
        std::string_view target, path, query;
    } cases[] = {
        {"/", "/", ""},
        {"/echo", "/echo", ""},
        {"/echo?", "/echo", ""},
        {"/echo?room=a&room=b", "/echo", "room=a&room=b"},
        {"/a?b?c", "/a", "b?c"},
        {"/?x", "/", "x"},
    };
    for (const Case& c : cases) {
        Request req;
        std::string head = "GET " + std::string(c.target) + " HTTP/1.1\r\nHost: h\r\n\r\n";
        CHECK_EQ(parse_request(head, req), ParseStatus::ok);
        CHECK_EQ(req.target, c.target);
        CHECK_EQ(req.path, c.path);
        CHECK_EQ(req.query, c.query);
    }
}

TEST(http_parse_many_headers_and_case_insensitive_lookup) {
    std::string lines;
    for (int i = 0; i < 60; ++i) lines += "X-Filler-" + std::to_string(i) + ": v" + std::to_string(i) + "\r\n";
    lines += "content-TYPE: text/plain\r\n";
    std::string head = with_headers(lines);
    Request req;
    CHECK_EQ(parse_request(head, req), ParseStatus::ok);
    CHECK_EQ(req.header_count, size_t{61});
    CHECK_EQ(req.header("Content-Type").value_or("missing"), "text/plain");
    CHECK_EQ(req.header("CONTENT-TYPE").value_or("missing"), "text/plain");
    CHECK_EQ(req.header("x-filler-59").value_or("missing"), "v59");
    CHECK_EQ(req.header("X-Filler-0").value_or("missing"), "v0");
    CHECK(!req.header("X-Filler-60").has_value());
    CHECK(!req.header("Content-Typ").has_value());
}

TEST(http_parse_header_returns_first_of_repeats) {
    Request req;
    const std::string head = with_headers("A: 1\r\na: 2\r\n");
    CHECK_EQ(parse_request(head, req), ParseStatus::ok);
    CHECK_EQ(req.header("A").value_or(""), "1");
}

TEST(http_parse_values_trimmed) {
    Request req;
    std::string head = with_headers(
        "A:plain\r\n"
        "B:   spaced   \r\n"
        "C:\t\ttabs\t \r\n"
        "D:\r\n"
        "E:    \r\n"
        "F: inner  space\tand tab \r\n"
        "G: caf\xc3\xa9\r\n");
    CHECK_EQ(parse_request(head, req), ParseStatus::ok);
    CHECK_EQ(req.header("a").value_or("?"), "plain");
    CHECK_EQ(req.header("b").value_or("?"), "spaced");
    CHECK_EQ(req.header("c").value_or("?"), "tabs");
    CHECK_EQ(req.header("d").value_or("?"), "");
    CHECK_EQ(req.header("e").value_or("?"), "");
    CHECK_EQ(req.header("f").value_or("?"), "inner  space\tand tab");
    CHECK_EQ(req.header("g").value_or("?"), "caf\xc3\xa9");  // obs-text passes through
}

TEST(http_parse_version_and_methods) {
    Request req;
    CHECK_EQ(parse_request("GET / HTTP/1.0\r\n\r\n", req), ParseStatus::ok);
    CHECK_EQ(req.minor_version, 0);
    CHECK_EQ(parse_request("GET / HTTP/1.9\r\n\r\n", req), ParseStatus::ok);
    CHECK_EQ(req.minor_version, 9);
    // Methods are case-sensitive tokens: "get" parses, but it is not GET.
    CHECK_EQ(parse_request("get / HTTP/1.1\r\n\r\n", req), ParseStatus::ok);
    CHECK_EQ(req.method, "get");
    CHECK_EQ(parse_request("POST /publish?room=a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", req),
             ParseStatus::ok);
    CHECK_EQ(req.method, "POST");
    CHECK_EQ(req.content_length.value_or(999), uint64_t{5});
    CHECK_EQ(parse_request("M-SEARCH / HTTP/1.1\r\n\r\n", req), ParseStatus::ok);
}

TEST(http_parse_content_length) {
    Request req;
    CHECK_EQ(parse_request(with_headers("Content-Length: 0\r\n"), req), ParseStatus::ok);
    CHECK_EQ(req.content_length.value_or(999), uint64_t{0});
    CHECK_EQ(parse_request(with_headers("content-length: 18446744073709551615\r\n"), req), ParseStatus::ok);
    CHECK_EQ(req.content_length.value_or(0), UINT64_MAX);
    CHECK_EQ(parse_request(with_headers("Content-Length: 42\r\nContent-Length: 42\r\n"), req),
             ParseStatus::ok);
    CHECK_EQ(req.content_length.value_or(0), uint64_t{42});
    CHECK_EQ(parse_request(with_headers("Content-Length: 42\r\nContent-Length: 042\r\n"), req),
             ParseStatus::ok);  // same number
    // A reused Request is reset.
    CHECK_EQ(parse_request(with_headers(""), req), ParseStatus::ok);
    CHECK(!req.content_length.has_value());
    CHECK_EQ(req.header_count, size_t{0});
}

TEST(http_parse_malformed_table) {
    struct Case {
        const char* name;
        std::string_view head;
    } cases[] = {
        {"empty", ""},
        {"only blank line", "\r\n"},
        {"leading blank line", "\r\nGET / HTTP/1.1\r\n\r\n"},
        {"no blank line", "GET / HTTP/1.1\r\nHost: a\r\n"},
        {"missing version", "GET /\r\n\r\n"},
        {"missing version, trailing space", "GET / \r\n\r\n"},
        {"missing target", "GET HTTP/1.1\r\n\r\n"},
        {"HTTP/2.0", "GET / HTTP/2.0\r\n\r\n"},
        {"HTTP/1.10", "GET / HTTP/1.10\r\n\r\n"},
        {"HTTP/1.", "GET / HTTP/1.\r\n\r\n"},
        {"HTTP/1.x", "GET / HTTP/1.x\r\n\r\n"},
        {"lowercase version", "GET / http/1.1\r\n\r\n"},
        {"HTTP/0.9", "GET / HTTP/0.9\r\n\r\n"},
        {"double space after method", "GET  / HTTP/1.1\r\n\r\n"},
        {"double space after target", "GET /  HTTP/1.1\r\n\r\n"},
        {"tab separator", "GET\t/ HTTP/1.1\r\n\r\n"},
        {"trailing space after version", "GET / HTTP/1.1 \r\n\r\n"},
        {"empty method", " / HTTP/1.1\r\n\r\n"},
        {"method with slash", "GE/T / HTTP/1.1\r\n\r\n"},
        {"target not starting with /", "GET chat HTTP/1.1\r\n\r\n"},
        {"absolute-form target", "GET http://a/ HTTP/1.1\r\n\r\n"},
        {"asterisk target", "OPTIONS * HTTP/1.1\r\n\r\n"},
        {"control char in target", "GET /a\x01 HTTP/1.1\r\n\r\n"},
        {"DEL in target", "GET /a\x7f HTTP/1.1\r\n\r\n"},
        {"high byte in target", "GET /\xc3\xa9 HTTP/1.1\r\n\r\n"},
        {"NUL in target", "GET /\0 HTTP/1.1\r\n\r\n"sv},
        {"bare LF request line", "GET / HTTP/1.1\n\r\n"},
        {"bare LF header line", "GET / HTTP/1.1\r\nHost: a\n\r\n"},
        {"bare LF blank line", "GET / HTTP/1.1\r\nHost: a\r\n\n"},
        {"bare CR in line", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"},
        {"CR CR LF", "GET / HTTP/1.1\r\r\n\r\n"},
        {"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n"},
        {"tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"},
        {"obs-fold space", "GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n"},
        {"obs-fold tab", "GET / HTTP/1.1\r\nHost: a\r\n\tb\r\n\r\n"},
        {"empty header name", "GET / HTTP/1.1\r\n: a\r\n\r\n"},
        {"no colon", "GET / HTTP/1.1\r\nHost a\r\n\r\n"},
        {"separator in name", "GET / HTTP/1.1\r\nHo(st: a\r\n\r\n"},
        {"high byte in name", "GET / HTTP/1.1\r\nH\xc3\xa9: a\r\n\r\n"},
        {"control char in value", "GET / HTTP/1.1\r\nHost: a\x01z\r\n\r\n"},
        {"DEL in value", "GET / HTTP/1.1\r\nHost: a\x7fz\r\n\r\n"},
        {"NUL in value", "GET / HTTP/1.1\r\nHost: a\0z\r\n\r\n"sv},
        {"escape in value", "GET / HTTP/1.1\r\nX: \x1b[31m\r\n\r\n"},
        {"Content-Length empty", "GET / HTTP/1.1\r\nContent-Length:\r\n\r\n"},
        {"Content-Length sign", "GET / HTTP/1.1\r\nContent-Length: +5\r\n\r\n"},
        {"Content-Length negative", "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"},
        {"Content-Length hex", "GET / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n"},
        {"Content-Length inner space", "GET / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n"},
        {"Content-Length list", "GET / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n"},
        {"Content-Length overflow", "GET / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n"},
        {"Content-Length huge", "GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"},
        {"Content-Length conflict", "GET / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n"},
        {"Content-Length conflict later invalid", "GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: x\r\n\r\n"},
    };
    for (const Case& c : cases) {
        Request req;
        ParseStatus got = parse_request(c.head, req);
        if (got != ParseStatus::bad_request) {
            std::fprintf(stderr, "  case: %s\n", c.name);
            CHECK_EQ(got, ParseStatus::bad_request);
        }
    }
}

TEST(http_parse_header_limit) {
    std::string exactly;
    for (size_t i = 0; i < kMaxHeaders; ++i) {
        // Appended piecewise: g++ 12 -O3 warns falsely (-Wrestrict) on "H" + to_string(i).
        exactly += 'H';
        exactly += std::to_string(i);
        exactly += ": x\r\n";
    }
    CHECK_EQ(parse(with_headers(exactly)), ParseStatus::ok);
    CHECK_EQ(parse(with_headers(exactly + "One-More: x\r\n")), ParseStatus::too_many_headers);
    CHECK_EQ(parse(with_headers(exactly + exactly)), ParseStatus::too_many_headers);
}

TEST(http_parse_every_truncation_is_rejected) {
    // A head cut anywhere before its blank line is never "ok".
    for (size_t len = 0; len < kUpgradeRequest.size(); ++len)
        CHECK_EQ(parse(kUpgradeRequest.substr(0, len)), ParseStatus::bad_request);
    CHECK_EQ(parse(kUpgradeRequest), ParseStatus::ok);
}

TEST(http_iequals) {
    CHECK(iequals("", ""));
    CHECK(iequals("Upgrade", "uPGRADE"));
    CHECK(iequals("Sec-WebSocket-Key", "sec-websocket-key"));
    CHECK(!iequals("Upgrade", "Upgrad"));
    CHECK(!iequals("a", "b"));
    // Only ASCII letters fold: '@' (0x40) and '`' (0x60) differ by the case bit.
    CHECK(!iequals("@", "`"));
    CHECK(!iequals("[", "{"));
    CHECK(!iequals("\xc3\xa9", "\xc3\x89"));
}

TEST(http_has_token) {
    struct Case {
        std::string_view list, token;
        bool expected;
    } cases[] = {
        {"keep-alive, Upgrade", "upgrade", true},
        {"Upgrade", "upgrade", true},
        {"upgrade,foo", "upgrade", true},
        {" upgrade ", "upgrade", true},
        {"\tupgrade\t", "upgrade", true},
        {"upgraded", "upgrade", false},
        {"foo, upgrade2", "upgrade", false},
        {", ,upgrade", "upgrade", true},
        {"foo,,upgrade,", "upgrade", true},
        {"", "upgrade", false},
        {",", "upgrade", false},
        {"up grade", "upgrade", false},
        {"keep-alive", "upgrade", false},
        {"websocket", "websocket", true},
        {"WebSocket", "websocket", true},
        {"websocket/13", "websocket", false},
    };
    for (const Case& c : cases) {
        if (has_token(c.list, c.token) != c.expected) {
            std::fprintf(stderr, "  list: \"%.*s\"\n", int(c.list.size()), c.list.data());
            CHECK_EQ(has_token(c.list, c.token), c.expected);
        }
    }
}
