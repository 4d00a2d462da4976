// HTTP request head: find_head_end on every prefix, parse_request on good and
// malformed heads (one named case per line), iequals and has_token.
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

ParseStatus parse(std::string_view head) {
    static Request req;  // 2 KiB of headers: keep it off the stack of every case
    return parse_request(head, req);
}

// A request line plus the given header lines and the final blank line.
std::string with_headers(std::string_view lines) {
    return "GET / HTTP/1.1\r\n" + std::string(lines) + "\r\n";
}

}  // namespace

TEST(http_find_head_end_at_once) {
    CHECK_EQ(find_head_end(kUpgradeRequest, 0), kUpgradeRequest.size());
    std::string with_body = std::string(kUpgradeRequest) + "extra\r\n\r\n";
    CHECK_EQ(find_head_end(with_body, 0), kUpgradeRequest.size());
    CHECK_EQ(find_head_end("", 0), size_t{0});
    CHECK_EQ(find_head_end("\r\n\r", 0), size_t{0});
    CHECK_EQ(find_head_end("\r\n\r\n", 0), size_t{4});
    CHECK_EQ(find_head_end("GET / HTTP/1.1\n\n", 0), size_t{0});  // bare LF never ends a head
    CHECK_EQ(find_head_end("GET / HTTP/1.1\r\n\n\r\n", 0), size_t{0});
}

TEST(http_find_head_end_every_prefix) {
    const std::string_view req = kUpgradeRequest;
    size_t found_at = 0, found_count = 0, previous = 0;
    for (size_t len = 1; len <= req.size(); ++len) {
        size_t end = find_head_end(req.substr(0, len), previous);
        previous = len;
        if (end != 0) {
            ++found_count;
            found_at = len;
            CHECK_EQ(end, req.size());
        }
    }
    CHECK_EQ(found_count, size_t{1});
    CHECK_EQ(found_at, req.size());
}

TEST(http_find_head_end_every_chunking) {
    // Two reads split at every point: the second call scans from the first length.
    const std::string_view req = kUpgradeRequest;
    for (size_t split = 0; split <= req.size(); ++split) {
        size_t first = find_head_end(req.substr(0, split), 0);
        size_t second = find_head_end(req, split);
        if (split == req.size()) {
            CHECK_EQ(first, req.size());
        } else {
            CHECK_EQ(first, size_t{0});
            CHECK_EQ(second, req.size());
        }
    }
}

TEST(http_find_head_end_from_beyond_size_is_safe) {
    CHECK_EQ(find_head_end("ab", 100), size_t{0});
    // `from` past the end means no new bytes, so nothing new can end there.
    CHECK_EQ(find_head_end("\r\n\r\n", 100), size_t{0});
    CHECK_EQ(find_head_end("\r\n\r\n", 4), size_t{0});
    CHECK_EQ(find_head_end("\r\n\r\n", 3), size_t{4});
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

TEST(http_bare_lf_detected_only_in_new_bytes) {
    using wshub::http::has_bare_lf;
    CHECK(!has_bare_lf("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0));
    CHECK(has_bare_lf("GET / HTTP/1.1\nHost: a\r\n", 0));
    CHECK(has_bare_lf("\n", 0));
    CHECK(has_bare_lf("GET / HTTP/1.1\r\nHost: a\n", 17));
    // the CR arrived in an earlier piece: still CRLF
    CHECK(!has_bare_lf("GET / HTTP/1.1\r\n", 15));
    CHECK(!has_bare_lf("abc", 0));
    CHECK(!has_bare_lf("a\nb", 5));  // `from` past the end: nothing new
}
