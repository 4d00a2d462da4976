// The client's opening handshake: the request's exact bytes and key, then
// the reading of the server's answer: the RFC 6455 section 1.3 sample,
// every acceptance check failing alone (one named case per line), every
// prefix of a valid answer, frames behind the head, refusals and
// redirects, the head limit, subprotocols and malformed lines.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "check.h"
#include "http/client_handshake.h"
#include "http/upgrade.h"

using namespace wshub::http;
using Outcome = UpgradeResponse::Outcome;

namespace {

// RFC 6455 section 1.3: the nonce, its key, and the answer's accept value.
constexpr uint8_t kSampleNonce[16] = {'t', 'h', 'e', ' ', 's', 'a', 'm', 'p',
                                      'l', 'e', ' ', 'n', 'o', 'n', 'c', 'e'};
constexpr std::string_view kSampleKey = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view kSampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
constexpr std::string_view kOffered = "chat, superchat";

constexpr std::string_view kStatusLine = "HTTP/1.1 101 Switching Protocols\r\n";
constexpr std::string_view kGoodHeaders =
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    "Sec-WebSocket-Protocol: chat\r\n";

std::string good_response() { return std::string(kStatusLine) + std::string(kGoodHeaders) + "\r\n"; }

// The good response with the line of header `name` replaced by
// `replacement` (removed when it is ""), so a case differs in one place.
std::string replace_header(std::string_view name, std::string_view replacement) {
    std::string headers(kGoodHeaders);
    const size_t at = headers.find(std::string(name) + ":");
    if (at != std::string::npos) headers.erase(at, headers.find("\r\n", at) + 2 - at);
    return std::string(kStatusLine) + headers + std::string(replacement) + "\r\n";
}

UpgradeResponse read(std::string_view bytes, std::string_view offered = kOffered, size_t max_head = 4096) {
    return read_upgrade_response(bytes, kSampleKey, offered, max_head);
}

bool inside(std::string_view part, std::string_view whole) {
    return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

TEST(client_key_encodes_the_nonce) {
    CHECK_EQ(client_key(kSampleNonce), kSampleKey);
    const uint8_t zeros[16] = {};
    CHECK_EQ(client_key(zeros), "AAAAAAAAAAAAAAAAAAAAAA==");
    uint8_t ones[16];
    for (uint8_t& b : ones) b = 0xff;
    CHECK_EQ(client_key(ones), "/////////////////////w==");
    CHECK_EQ(accept_key(client_key(kSampleNonce)), kSampleAccept);
}

TEST(client_request_exact_text) {
    std::string out = "kept";
    write_client_request(out, ClientOffer{"server.example.com", "/chat?x=1", kSampleKey, kOffered,
                                          "Origin: http://example.com\r\n"});
    CHECK_EQ(out,
             "kept"
             "GET /chat?x=1 HTTP/1.1\r\n"
             "Host: server.example.com\r\n"
             "Upgrade: websocket\r\n"
             "Connection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Version: 13\r\n"
             "Sec-WebSocket-Protocol: chat, superchat\r\n"
             "Origin: http://example.com\r\n"
             "\r\n");
}

TEST(client_request_without_protocols_or_path) {
    std::string out;
    write_client_request(out, ClientOffer{"[::1]:8080", "", kSampleKey, "", ""});
    CHECK_EQ(out,
             "GET / HTTP/1.1\r\n"
             "Host: [::1]:8080\r\n"
             "Upgrade: websocket\r\n"
             "Connection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Version: 13\r\n"
             "\r\n");
}

TEST(client_response_rfc_sample_accepted) {
    const std::string bytes = good_response();
    const UpgradeResponse r = read(bytes);
    CHECK_EQ(r.outcome, Outcome::accepted);
    CHECK_EQ(r.status, 101);
    CHECK_EQ(r.head_len, bytes.size());
    CHECK_EQ(r.reason, "Switching Protocols");
    CHECK_EQ(r.protocol, "chat");
    CHECK_EQ(r.why, "");
    CHECK(inside(r.protocol, bytes) && inside(r.reason, bytes));
}

TEST(client_response_what_the_checks_allow) {
    struct Case {
        const char* name;
        std::string bytes;
        std::string_view protocol;
    } cases[] = {
        {"no reason phrase", "HTTP/1.1 101\r\n" + std::string(kGoodHeaders) + "\r\n", "chat"},
        {"empty reason phrase", "HTTP/1.1 101 \r\n" + std::string(kGoodHeaders) + "\r\n", "chat"},
        {"no subprotocol", replace_header("Sec-WebSocket-Protocol", ""), ""},
        {"second offered", replace_header("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: superchat\r\n"),
         "superchat"},
        {"Upgrade in another case", replace_header("Upgrade", "Upgrade: WebSocket\r\n"), "chat"},
        {"Upgrade in a list", replace_header("Upgrade", "Upgrade: h2c, websocket\r\n"), "chat"},
        {"Connection in a list", replace_header("Connection", "Connection: keep-alive, upgrade\r\n"), "chat"},
        {"Connection over two lines",
         replace_header("Connection", "Connection: keep-alive\r\nConnection: Upgrade\r\n"), "chat"},
        {"lower-case names",
         "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n"
         "sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
         ""},
        {"spaces around the accept value",
         replace_header("Sec-WebSocket-Accept", "Sec-WebSocket-Accept: \t s3pPLMBiTxaQ9kYGzzhZRbK+xOo= \t\r\n"),
         "chat"},
        {"other headers", replace_header("Server", "Server: x\r\nDate: Tue, 1 Jan 2030 00:00:00 GMT\r\n"), "chat"},
    };
    for (const Case& c : cases) {
        const UpgradeResponse r = read(c.bytes);
        if (r.outcome != Outcome::accepted) std::printf("  case: %s (%s)\n", c.name, std::string(r.why).c_str());
        CHECK_EQ(r.outcome, Outcome::accepted);
        CHECK_EQ(r.protocol, c.protocol);
        CHECK_EQ(r.head_len, c.bytes.size());
    }
}

// Each case breaks one of section 4.1's checks in the sample answer.
TEST(client_response_each_check_fails_alone) {
    struct Case {
        std::string bytes;
        std::string_view offered;
        std::string_view why;
    } cases[] = {
        {replace_header("Upgrade", ""), kOffered, "Upgrade: websocket missing"},
        {replace_header("Upgrade", "Upgrade: websockets\r\n"), kOffered, "Upgrade: websocket missing"},
        {replace_header("Upgrade", "Upgrade: h2c\r\n"), kOffered, "Upgrade: websocket missing"},
        {replace_header("Connection", ""), kOffered, "Connection: Upgrade missing"},
        {replace_header("Connection", "Connection: keep-alive\r\n"), kOffered, "Connection: Upgrade missing"},
        {replace_header("Connection", "Connection: upgraded\r\n"), kOffered, "Connection: Upgrade missing"},
        {replace_header("Sec-WebSocket-Accept", ""), kOffered, "Sec-WebSocket-Accept missing"},
        {replace_header("Sec-WebSocket-Accept", "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                                                "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
         kOffered, "Sec-WebSocket-Accept repeated"},
        {replace_header("Sec-WebSocket-Accept", "Sec-WebSocket-Accept: S3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), kOffered,
         "Sec-WebSocket-Accept does not match the key"},
        {replace_header("Sec-WebSocket-Accept", "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo\r\n"), kOffered,
         "Sec-WebSocket-Accept does not match the key"},
        {replace_header("Sec-WebSocket-Accept", "Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==\r\n"), kOffered,
         "Sec-WebSocket-Accept does not match the key"},
        {replace_header("Sec-WebSocket-Accept", "Sec-WebSocket-Accept:\r\n"), kOffered,
         "Sec-WebSocket-Accept does not match the key"},
        {replace_header("Sec-WebSocket-Extensions", "Sec-WebSocket-Extensions: permessage-deflate\r\n"), kOffered,
         "extensions not offered"},
        {replace_header("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n"),
         kOffered, "Sec-WebSocket-Protocol repeated"},
        {replace_header("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: json\r\n"), kOffered,
         "subprotocol not offered"},
        {replace_header("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: Chat\r\n"), kOffered,
         "subprotocol not offered"},
        {replace_header("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: chat, superchat\r\n"), kOffered,
         "subprotocol not offered"},
        {replace_header("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol:\r\n"), kOffered, "subprotocol not offered"},
        {replace_header("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol:\r\n"), "chat, ,", "subprotocol not offered"},
        {replace_header("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: chat\r\n"), "", "subprotocol not offered"},
        {replace_header("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: chat\r\n"), "superchat",
         "subprotocol not offered"},
    };
    for (const Case& c : cases) {
        const UpgradeResponse r = read(c.bytes, c.offered);
        CHECK_EQ(r.outcome, Outcome::invalid);
        CHECK_EQ(r.why, c.why);
        CHECK_EQ(r.status, 101);
        CHECK_EQ(r.head_len, c.bytes.size());
        CHECK_EQ(r.protocol, "");
    }
}

TEST(client_response_every_prefix_is_incomplete) {
    for (const std::string& bytes : {good_response(), replace_header("Sec-WebSocket-Protocol", "")}) {
        for (size_t len = 0; len < bytes.size(); ++len) {
            const UpgradeResponse r = read(std::string_view(bytes).substr(0, len));
            if (r.outcome != Outcome::incomplete) std::printf("  prefix of %zu bytes\n", len);
            CHECK_EQ(r.outcome, Outcome::incomplete);
            CHECK_EQ(r.status, 0);
            CHECK_EQ(r.head_len, size_t{0});
        }
        CHECK_EQ(read(bytes).outcome, Outcome::accepted);
    }
}

TEST(client_response_frames_behind_the_head) {
    const std::string head = good_response();
    // A text frame "hi\n\n": line feeds after the head are not the head's.
    const std::string bytes = head + std::string("\x81\x04hi\n\n", 6);
    const UpgradeResponse r = read(bytes);
    CHECK_EQ(r.outcome, Outcome::accepted);
    CHECK_EQ(r.head_len, head.size());
    CHECK_EQ(std::string_view(bytes).substr(r.head_len), std::string_view("\x81\x04hi\n\n", 6));
    // A head that ends exactly at max_head reads the same with frames beyond it.
    CHECK_EQ(read(bytes, kOffered, head.size()).outcome, Outcome::accepted);
}

TEST(client_response_refused_statuses) {
    const std::string forbidden = "HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\n\r\nno\n";
    UpgradeResponse r = read(forbidden);
    CHECK_EQ(r.outcome, Outcome::refused);
    CHECK_EQ(r.status, 403);
    CHECK_EQ(r.reason, "Forbidden");
    CHECK_EQ(r.why, "upgrade refused");
    CHECK_EQ(r.head_len, forbidden.size() - 3);

    // A refusal carrying an upgrade's headers is still a refusal.
    const std::string bad_gateway = "HTTP/1.1 502 Bad Gateway\r\n" + std::string(kGoodHeaders) + "\r\n";
    r = read(bad_gateway);
    CHECK_EQ(r.outcome, Outcome::refused);
    CHECK_EQ(r.status, 502);
    CHECK_EQ(r.reason, "Bad Gateway");
    CHECK_EQ(r.protocol, "");
    CHECK_EQ(r.head_len, bad_gateway.size());

    r = read("HTTP/1.1 200 OK\r\n\r\n");
    CHECK_EQ(r.outcome, Outcome::refused);
    CHECK_EQ(r.status, 200);
}

TEST(client_response_redirects_refused) {
    for (const int status : {300, 301, 302, 303, 307, 308, 399}) {
        const std::string bytes = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason_phrase(status)) +
                                  "\r\nLocation: ws://elsewhere.example/\r\n" + std::string(kGoodHeaders) + "\r\n";
        const UpgradeResponse r = read(bytes);
        CHECK_EQ(r.outcome, Outcome::refused);
        CHECK_EQ(r.status, status);
        CHECK_EQ(r.why, "redirect refused");
        CHECK_EQ(r.head_len, bytes.size());
    }
    CHECK_EQ(read("HTTP/1.1 400 Bad Request\r\n\r\n").why, "upgrade refused");
    CHECK_EQ(read("HTTP/1.1 299 x\r\n\r\n").why, "upgrade refused");
}

TEST(client_response_head_limit) {
    const std::string bytes = good_response();
    CHECK_EQ(read(bytes, kOffered, bytes.size()).outcome, Outcome::accepted);
    UpgradeResponse r = read(bytes, kOffered, bytes.size() - 1);
    CHECK_EQ(r.outcome, Outcome::invalid);
    CHECK_EQ(r.why, "response head too large");
    CHECK_EQ(r.head_len, size_t{0});
    // Without its end: invalid once a byte past the limit has arrived, not before.
    const std::string endless = "HTTP/1.1 101 Switching Protocols\r\nServer: " + std::string(100, 'x');
    CHECK_EQ(read(endless, kOffered, endless.size()).outcome, Outcome::incomplete);
    CHECK_EQ(read(endless, kOffered, endless.size() - 1).outcome, Outcome::invalid);
    CHECK_EQ(read(endless, kOffered, endless.size() - 1).why, "response head too large");
}

TEST(client_response_malformed) {
    struct Case {
        const char* name;
        std::string bytes;
        std::string_view why;
        int status;
    } cases[] = {
        {"HTTP/1.0", "HTTP/1.0 101 Switching Protocols\r\n" + std::string(kGoodHeaders) + "\r\n",
         "not an HTTP/1.1 response", 0},
        {"HTTP/2", "HTTP/2 101\r\n\r\n", "not an HTTP/1.1 response", 0},
        {"lower-case version", "http/1.1 101 Switching Protocols\r\n\r\n", "not an HTTP/1.1 response", 0},
        {"a request", "GET / HTTP/1.1\r\n\r\n", "not an HTTP/1.1 response", 0},
        {"two spaces", "HTTP/1.1  101 x\r\n\r\n", "malformed status line", 0},
        {"four digits", "HTTP/1.1 1010 x\r\n\r\n", "malformed status line", 0},
        {"two digits", "HTTP/1.1 10 x\r\n\r\n", "malformed status line", 0},
        {"code under 100", "HTTP/1.1 099 x\r\n\r\n", "malformed status line", 0},
        {"code over 599", "HTTP/1.1 600 x\r\n\r\n", "malformed status line", 0},
        {"tab after code", "HTTP/1.1 101\tx\r\n\r\n", "malformed status line", 0},
        {"control in reason", "HTTP/1.1 101 a\x01z\r\n\r\n", "malformed status line", 0},
        {"bare CR in reason", "HTTP/1.1 101 a\rz\r\n\r\n", "malformed status line", 0},
        {"bare LF", "HTTP/1.1 101 x\r\nUpgrade: websocket\n\r\n", "lines must end in CRLF", 0},
        {"obs-fold", replace_header("Connection", "Connection: keep-alive,\r\n Upgrade\r\n"), "malformed header line",
         101},
        {"missing colon", replace_header("Connection", "Connection Upgrade\r\n"), "malformed header line", 101},
        {"space before colon", replace_header("Connection", "Connection : Upgrade\r\n"), "malformed header line", 101},
        {"tab before colon", replace_header("Connection", "Connection\t: Upgrade\r\n"), "malformed header line", 101},
        {"empty name", replace_header("Connection", ": Upgrade\r\n"), "malformed header line", 101},
        {"control in value", replace_header("Server", "Server: a\x7f\r\n"), "malformed header line", 101},
        {"bare CR in value", replace_header("Server", "Server: a\rb\r\n"), "malformed header line", 101},
        {"malformed refusal", "HTTP/1.1 403 Forbidden\r\nBad Line\r\n\r\n", "malformed header line", 403},
    };
    for (const Case& c : cases) {
        const UpgradeResponse r = read(c.bytes);
        if (r.why != c.why) std::printf("  case: %s\n", c.name);
        CHECK_EQ(r.outcome, Outcome::invalid);
        CHECK_EQ(r.why, c.why);
        CHECK_EQ(r.status, c.status);
        CHECK_EQ(r.protocol, "");
    }
}

// A peer that is not an HTTP/1.1 server, or that ends lines in LF, is
// known at once rather than after a timeout.
TEST(client_response_invalid_before_the_head_ends) {
    const struct {
        std::string_view bytes;
        std::string_view why;
    } cases[] = {
        {"SSH-2.0-OpenSSH_9.2\r\n", "not an HTTP/1.1 response"},
        {"\x16\x03\x01", "not an HTTP/1.1 response"},
        {"HTTP/1.0 ", "not an HTTP/1.1 response"},
        {"\r\n", "not an HTTP/1.1 response"},
        {"HTTP/1.1 101 Switching Protocols\n", "lines must end in CRLF"},
        {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\n", "lines must end in CRLF"},
    };
    for (const auto& c : cases) {
        const UpgradeResponse r = read(c.bytes);
        CHECK_EQ(r.outcome, Outcome::invalid);
        CHECK_EQ(r.why, c.why);
    }
    CHECK_EQ(read("HTTP/1.").outcome, Outcome::incomplete);
}
