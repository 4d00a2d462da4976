// RFC 6455 section 4.2: validation of a client's opening handshake and the
// server's answer. Routing is the caller's: it tells whether the path exists.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "http/request.h"

namespace wshub::http {

struct UpgradeDecision {
    int status = 0;            // 101 on success, else the HTTP status to answer
    std::string_view why;      // short reason for a rejection, used as the body
                               // (a static string ending in '\n'; "" on success)
    std::string_view key;      // Sec-WebSocket-Key (on success), view into req
    std::string_view protocol; // selected subprotocol, "" if none; a view of the
                               // matching element of `supported`
};

// Checks, in this order: method GET (405), path known (404), HTTP/1.1 or later (400),
// exactly one Host header (400), Upgrade has token "websocket" (400), Connection has
// token "upgrade" (400) (both looked for in every line of that name),
// Sec-WebSocket-Version is exactly "13" (426; a missing version is 400),
// exactly one Sec-WebSocket-Key and it strictly base64-decodes to exactly 16 bytes (400).
// The subprotocol selected is the first one the client lists (in order of
// its Sec-WebSocket-Protocol headers and their comma-separated elements) that
// appears in `supported` (compared case-sensitively); none if nothing matches.
UpgradeDecision check_upgrade(const Request& req, bool path_known,
                              std::span<const std::string> supported) noexcept;

// Header lines the RFCs require on some rejections, to pass as
// simple_response's extra_headers: "Allow: GET" on 405, "Upgrade: websocket"
// and "Sec-WebSocket-Version: 13" on 426; "" for any other status.
std::string_view rejection_headers(int status) noexcept;

// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")), 28 characters.
std::string accept_key(std::string_view key);

// The full "101 Switching Protocols" response head. `extensions`: whole
// header lines (with their CRLFs) answering the extensions agreed, or "".
std::string switching_protocols(std::string_view key, std::string_view protocol, std::string_view extensions = {});

// A complete short response: status line, Content-Type: text/plain,
// Content-Length, Connection: close, any extra header lines (each ending in
// CRLF), then the body (the reason phrase and a newline when body is empty).
// Any complete response with Connection: close (simple_response is this with
// text/plain).
std::string response(int status, std::string_view content_type, std::string_view body,
                     std::string_view extra_headers = {});

std::string simple_response(int status, std::string_view body = {},
                            std::string_view extra_headers = {});

// "Bad Request" for 400 etc.; "Unknown" for codes it does not know.
std::string_view reason_phrase(int status) noexcept;

}  // namespace wshub::http
