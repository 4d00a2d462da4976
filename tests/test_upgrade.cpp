// RFC 6455 opening handshake: every rejection with its status in the
// documented order, subprotocol selection, the accept key, and the exact
// bytes of the responses.
#include <memory>
#include <string>
#include <vector>

#include "check.h"
#include "http/upgrade.h"

using namespace wshub::http;

namespace {

const std::vector<std::string> kNoProtocols;

constexpr std::string_view kRequestLine = "GET /chat HTTP/1.1\r\n";
constexpr std::string_view kGoodHeaders =
    "Host: server.example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n";

// Holds the text the parsed views point into.
struct Parsed {
    std::string text;
    Request req;
    ParseStatus status;
    explicit Parsed(std::string head) : text(std::move(head)) { status = parse_request(text, req); }
};

// The good request with one header line replaced (or removed when
// replacement is empty), so each case differs from a valid one in one place.
std::string replace_header(std::string_view name, std::string_view replacement) {
    std::string headers(kGoodHeaders);
    size_t at = headers.find(std::string(name) + ":");
    if (at != std::string::npos) headers.erase(at, headers.find("\r\n", at) + 2 - at);
    return std::string(kRequestLine) + headers + std::string(replacement) + "\r\n";
}

UpgradeDecision decide(std::string head, bool path_known = true,
                       const std::vector<std::string>& supported = kNoProtocols) {
    static std::unique_ptr<Parsed> keep;  // views in the decision must outlive this call
    keep = std::make_unique<Parsed>(std::move(head));
    CHECK_EQ(keep->status, ParseStatus::ok);
    return check_upgrade(keep->req, path_known, supported);
}

}  // namespace

TEST(upgrade_valid_request) {
    UpgradeDecision d = decide(std::string(kRequestLine) + std::string(kGoodHeaders) + "\r\n");
    CHECK_EQ(d.status, 101);
    CHECK_EQ(d.key, "dGhlIHNhbXBsZSBub25jZQ==");
    CHECK_EQ(d.protocol, "");
    CHECK_EQ(d.why, "");
}

TEST(upgrade_rejections_in_order) {
    struct Case {
        const char* name;
        std::string head;
        bool path_known;
        int status;
    } cases[] = {
        {"POST", "POST /chat HTTP/1.1\r\n" + std::string(kGoodHeaders) + "\r\n", true, 405},
        {"lowercase get", "get /chat HTTP/1.1\r\n" + std::string(kGoodHeaders) + "\r\n", true, 405},
        // Method is checked before the path, the path before everything else.
        {"POST unknown path", "POST /x HTTP/1.1\r\n\r\n", false, 405},
        {"unknown path", std::string(kRequestLine) + std::string(kGoodHeaders) + "\r\n", false, 404},
        {"unknown path, bad headers", "GET /x HTTP/1.0\r\n\r\n", false, 404},
        {"HTTP/1.0", "GET /chat HTTP/1.0\r\n" + std::string(kGoodHeaders) + "\r\n", true, 400},
        {"missing Host", replace_header("Host", ""), true, 400},
        {"two Host lines", replace_header("Host", "Host: a\r\nHost: b\r\n"), true, 400},
        {"missing Upgrade", replace_header("Upgrade", ""), true, 400},
        {"wrong Upgrade", replace_header("Upgrade", "Upgrade: h2c\r\n"), true, 400},
        {"Upgrade websockets", replace_header("Upgrade", "Upgrade: websockets\r\n"), true, 400},
        {"missing Connection", replace_header("Connection", ""), true, 400},
        {"Connection without upgrade", replace_header("Connection", "Connection: keep-alive\r\n"), true, 400},
        {"Connection upgraded", replace_header("Connection", "Connection: upgraded\r\n"), true, 400},
        {"version 8", replace_header("Sec-WebSocket-Version", "Sec-WebSocket-Version: 8\r\n"), true, 426},
        {"version 13 in list", replace_header("Sec-WebSocket-Version", "Sec-WebSocket-Version: 13, 8\r\n"),
         true, 426},
        {"version empty", replace_header("Sec-WebSocket-Version", "Sec-WebSocket-Version:\r\n"), true, 426},
        {"missing version", replace_header("Sec-WebSocket-Version", ""), true, 400},
        {"missing key", replace_header("Sec-WebSocket-Key", ""), true, 400},
        {"key not base64", replace_header("Sec-WebSocket-Key", "Sec-WebSocket-Key: not*base64*at*all*!!!!==\r\n"),
         true, 400},
        {"key url-safe", replace_header("Sec-WebSocket-Key", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZ-__\r\n"),
         true, 400},
        {"key 15 bytes", replace_header("Sec-WebSocket-Key", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA\r\n"),
         true, 400},
        {"key 17 bytes", replace_header("Sec-WebSocket-Key", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAA=\r\n"),
         true, 400},
        {"key 18 bytes", replace_header("Sec-WebSocket-Key", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAAA\r\n"),
         true, 400},
        {"key unused bits set", replace_header("Sec-WebSocket-Key", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZR==\r\n"),
         true, 400},
        {"key empty", replace_header("Sec-WebSocket-Key", "Sec-WebSocket-Key:\r\n"), true, 400},
        {"two keys", replace_header("Sec-WebSocket-Key",
                                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                    "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n"),
         true, 400},
        // Version is checked before the key: a wrong version and no key is 426.
        {"version 8 and no key",
         "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
         "Connection: Upgrade\r\nSec-WebSocket-Version: 8\r\n\r\n",
         true, 426},
    };
    for (const Case& c : cases) {
        UpgradeDecision d = decide(c.head, c.path_known);
        if (d.status != c.status || d.why.empty() || d.why.back() != '\n' || !d.key.empty()) {
            std::fprintf(stderr, "  case: %s\n", c.name);
            CHECK_EQ(d.status, c.status);
            CHECK(!d.why.empty() && d.why.back() == '\n');
            CHECK_EQ(d.key, "");
        }
    }
}

TEST(upgrade_accepts_header_variants) {
    const char* heads[] = {
        "GET /chat HTTP/1.1\r\nhost: a\r\nupgrade: WebSocket\r\nconnection: keep-alive, Upgrade\r\n"
        "sec-websocket-key: AAAAAAAAAAAAAAAAAAAAAA==\r\nsec-websocket-version: 13\r\n\r\n",
        // List-valued fields split over two lines.
        "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: foo\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n"
        "Connection: upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        "GET /chat?room=x HTTP/1.2\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key:    AAAAAAAAAAAAAAAAAAAAAA==   \r\nSec-WebSocket-Version: 13\r\n\r\n",
    };
    for (const char* head : heads) {
        UpgradeDecision d = decide(head);
        CHECK_EQ(d.status, 101);
        CHECK_EQ(d.key, "AAAAAAAAAAAAAAAAAAAAAA==");
    }
}

TEST(upgrade_subprotocol_selection) {
    const std::vector<std::string> supported = {"superchat", "chat"};
    struct Case {
        std::string_view lines, expected;
    } cases[] = {
        {"Sec-WebSocket-Protocol: chat, superchat\r\n", "chat"},   // client order wins
        {"Sec-WebSocket-Protocol: superchat, chat\r\n", "superchat"},
        {"Sec-WebSocket-Protocol: foo\r\nSec-WebSocket-Protocol: chat\r\n", "chat"},
        {"Sec-WebSocket-Protocol: foo, superchat\r\nsec-websocket-protocol: chat\r\n", "superchat"},
        {"Sec-WebSocket-Protocol: foo, bar\r\n", ""},
        {"Sec-WebSocket-Protocol: Chat\r\n", ""},  // case-sensitive
        {"Sec-WebSocket-Protocol: chat2, xchat\r\n", ""},
        {"Sec-WebSocket-Protocol: , ,  chat  ,\r\n", "chat"},
        {"Sec-WebSocket-Protocol:\r\n", ""},
        {"", ""},
    };
    for (const Case& c : cases) {
        UpgradeDecision d = decide(std::string(kRequestLine) + std::string(kGoodHeaders) + std::string(c.lines) + "\r\n",
                                   true, supported);
        CHECK_EQ(d.status, 101);
        CHECK_EQ(d.protocol, c.expected);
    }
    // Nothing supported: nothing selected.
    UpgradeDecision d = decide(std::string(kRequestLine) + std::string(kGoodHeaders) +
                               "Sec-WebSocket-Protocol: chat\r\n\r\n");
    CHECK_EQ(d.protocol, "");
    // The selected view is the server's own string, not the request's.
    d = decide(std::string(kRequestLine) + std::string(kGoodHeaders) + "Sec-WebSocket-Protocol: chat\r\n\r\n",
               true, supported);
    CHECK(d.protocol.data() == supported[1].data());
}

TEST(upgrade_accept_key_rfc6455_example) {
    // RFC 6455 sections 1.3 and 4.2.2; also python3 hashlib + base64.
    CHECK_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    CHECK_EQ(accept_key("AAAAAAAAAAAAAAAAAAAAAA==").size(), size_t{28});
}

TEST(upgrade_switching_protocols_exact) {
    CHECK_EQ(switching_protocols("dGhlIHNhbXBsZSBub25jZQ==", ""),
             "HTTP/1.1 101 Switching Protocols\r\n"
             "Upgrade: websocket\r\n"
             "Connection: Upgrade\r\n"
             "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
             "\r\n");
    CHECK_EQ(switching_protocols("dGhlIHNhbXBsZSBub25jZQ==", "chat"),
             "HTTP/1.1 101 Switching Protocols\r\n"
             "Upgrade: websocket\r\n"
             "Connection: Upgrade\r\n"
             "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
             "Sec-WebSocket-Protocol: chat\r\n"
             "\r\n");
    CHECK_EQ(switching_protocols("dGhlIHNhbXBsZSBub25jZQ==", "chat",
                                 "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"),
             "HTTP/1.1 101 Switching Protocols\r\n"
             "Upgrade: websocket\r\n"
             "Connection: Upgrade\r\n"
             "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
             "Sec-WebSocket-Protocol: chat\r\n"
             "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"
             "\r\n");
}

TEST(upgrade_simple_response_with_body) {
    CHECK_EQ(simple_response(404, "no such path\n"),
             "HTTP/1.1 404 Not Found\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n"
             "Content-Length: 13\r\n"
             "Connection: close\r\n"
             "\r\n"
             "no such path\n");
}

TEST(upgrade_simple_response_default_body_and_extra_headers) {
    CHECK_EQ(simple_response(426, {}, rejection_headers(426)),
             "HTTP/1.1 426 Upgrade Required\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n"
             "Content-Length: 17\r\n"
             "Connection: close\r\n"
             "Upgrade: websocket\r\n"
             "Sec-WebSocket-Version: 13\r\n"
             "\r\n"
             "Upgrade Required\n");
    CHECK_EQ(simple_response(405, "x", "Allow: GET\r\nRetry-After: 1\r\n"),
             "HTTP/1.1 405 Method Not Allowed\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n"
             "Content-Length: 1\r\n"
             "Connection: close\r\n"
             "Allow: GET\r\n"
             "Retry-After: 1\r\n"
             "\r\n"
             "x");
    std::string big(100000, 'b');
    std::string r = simple_response(200, big);
    CHECK(r.find("\r\nContent-Length: 100000\r\n") != std::string::npos);
    CHECK_EQ(r.size() - r.find("\r\n\r\n") - 4, big.size());
}

TEST(upgrade_rejection_headers) {
    CHECK_EQ(rejection_headers(405), "Allow: GET\r\n");
    CHECK_EQ(rejection_headers(426), "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n");
    CHECK_EQ(rejection_headers(400), "");
    CHECK_EQ(rejection_headers(404), "");
}

TEST(upgrade_reason_phrases) {
    struct Case {
        int status;
        std::string_view reason;
    } cases[] = {
        {101, "Switching Protocols"}, {200, "OK"}, {400, "Bad Request"}, {401, "Unauthorized"},
        {403, "Forbidden"}, {404, "Not Found"}, {405, "Method Not Allowed"}, {408, "Request Timeout"},
        {413, "Content Too Large"}, {426, "Upgrade Required"}, {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"}, {500, "Internal Server Error"},
        {503, "Service Unavailable"}, {299, "Unknown"}, {0, "Unknown"}, {-1, "Unknown"},
    };
    for (const Case& c : cases) CHECK_EQ(reason_phrase(c.status), c.reason);
}
