// The client side of the RFC 6455 opening handshake (sections 4.1 and
// 4.2.2): the upgrade request a client sends, and the reading of the
// server's answer. Pure formatting and parsing: no sockets, and the answer
// is read into views of the caller's buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wshub::http {

// What a client offers in its upgrade request. No field may hold CR or LF
// (extra_headers but as its lines' ends): they are written as given.
struct ClientOffer {
    std::string_view host;           // the Host header's value: host or host:port ([v6]:port)
    std::string_view target;         // origin-form request target: path and query ("/chat?x=1"); "" sends "/"
    std::string_view key;            // Sec-WebSocket-Key: base64 of 16 random bytes (client_key)
    std::string_view protocols;      // Sec-WebSocket-Protocol as offered, "" for none (sent as is)
    std::string_view extra_headers;  // whole "Name: value\r\n" lines, appended as given
};

// Appends the GET request head (ending in the blank line) to out: request line
// HTTP/1.1, Host, Upgrade: websocket, Connection: Upgrade, Sec-WebSocket-Key,
// Sec-WebSocket-Version: 13, Sec-WebSocket-Protocol when offered, then extra_headers.
void write_client_request(std::string& out, const ClientOffer& offer);

// The Sec-WebSocket-Key for 16 random bytes (24 characters of base64).
std::string client_key(const uint8_t (&random)[16]);

// A server's answer to the upgrade, as read so far.
struct UpgradeResponse {
    enum class Outcome : uint8_t {
        incomplete,  // the head's blank line has not arrived (and max_head not passed)
        accepted,    // 101 with every check passed
        refused,     // a well-formed response with another status (3xx redirects among them)
        invalid,     // not an HTTP/1.1 response, head over max_head, or a 101 that fails a check
    };
    Outcome outcome = Outcome::incomplete;
    int status = 0;             // the status code when the status line parsed, else 0
    size_t head_len = 0;        // bytes through the blank line, when complete (what follows is frames or body)
    std::string_view reason;    // the status line's reason phrase (a view into the input)
    std::string_view protocol;  // accepted: the subprotocol chosen, "" for none (a view into the input)
    std::string_view why;       // refused/invalid: a short static description for logs and 502 bodies
};

// Reads the response to a request offering `key` and `offered_protocols` (the
// same text as ClientOffer::protocols) and no extensions, from all the bytes
// received so far (`bytes`; only the first max_head + 1 are looked at).
//
// The head is read as parse_request reads a request's (request.h): lines end
// in CRLF, header names are tokens with no whitespace before ':', values
// have no control characters but tab and are trimmed of spaces and tabs, no
// obsolete line folding. The status line is exactly "HTTP/1.1", a space, a
// status code of three digits from 100 to 599, then a space and a reason
// phrase (the space may be missing when the reason is). Anything else is
// invalid. Some of it is known before the head is complete and is invalid
// as soon as it arrives: a bare LF, a first line not starting as
// "HTTP/1.1 " does, more than max_head bytes without the blank line. Every
// prefix of a valid response is incomplete.
//
// A complete, well-formed head whose status is not 101 is refused, with
// why "redirect refused" for a 3xx (a redirect is never followed) and
// "upgrade refused" for any other. A 101 is accepted when it passes RFC
// 6455 section 4.1's checks (the client's "MUST _Fail_" list), else it is
// invalid with the why of the first that fails, in this order:
// - Upgrade has the token websocket, Connection the token upgrade (tokens of
//   comma-separated lists, compared case-insensitively, in any line of the name);
// - exactly one Sec-WebSocket-Accept, equal to accept_key(key) exactly;
// - no Sec-WebSocket-Extensions (none was offered);
// - at most one Sec-WebSocket-Protocol, none when none was offered, else
//   exactly one of the offered comma-separated tokens (compared
//   case-sensitively, RFC 6455 section 11.5 registers them so).
// A refused or invalid answer keeps the status and reason when the status
// line parsed, and head_len when the head is complete.
UpgradeResponse read_upgrade_response(std::string_view bytes, std::string_view key,
                                      std::string_view offered_protocols, size_t max_head);

}  // namespace wshub::http
