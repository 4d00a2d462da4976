// The server side of the RFC 6455 section 4.2 opening handshake, and the few
// fixed responses sent before a connection is upgraded.
#include "http/upgrade.h"

#include "crypto/base64.h"
#include "crypto/sha1.h"

namespace wshub::http {
namespace {

constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr size_t kKeyBytes = 16;

UpgradeDecision reject(int status, std::string_view why) noexcept {
    UpgradeDecision d;
    d.status = status;
    d.why = why;
    return d;
}

size_t count_headers(const Request& req, std::string_view name) noexcept {
    size_t n = 0;
    for (size_t i = 0; i < req.header_count; ++i) n += iequals(req.headers[i].name, name);
    return n;
}

// A list-valued field may be split over several lines (RFC 9110 section
// 5.3), so the token may be in any of them.
bool any_header_has_token(const Request& req, std::string_view name, std::string_view token) noexcept {
    for (size_t i = 0; i < req.header_count; ++i)
        if (iequals(req.headers[i].name, name) && has_token(req.headers[i].value, token)) return true;
    return false;
}

// The key is a nonce of exactly 16 bytes in strict base64; decoding into a
// small stack buffer keeps this check allocation-free.
bool valid_key(std::string_view key) noexcept {
    uint8_t decoded[kKeyBytes + 2];
    auto n = crypto::base64_decode(key, decoded, sizeof decoded);
    return n && *n == kKeyBytes;
}

// Returns a view of the matching entry of `supported` (which outlives the
// request buffer), or "" when the client offers nothing we speak.
std::string_view select_protocol(const Request& req, std::span<const std::string> supported) noexcept {
    for (size_t i = 0; i < req.header_count; ++i) {
        if (!iequals(req.headers[i].name, "sec-websocket-protocol")) continue;
        std::string_view list = req.headers[i].value;
        while (!list.empty()) {
            size_t comma = list.find(',');
            std::string_view offered = trim_ows(list.substr(0, comma));
            // Subprotocol names are compared exactly: RFC 6455 section 11.5
            // registers them as case-sensitive strings.
            for (const std::string& ours : supported)
                if (!offered.empty() && offered == ours) return ours;
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
    }
    return {};
}

}  // namespace

UpgradeDecision check_upgrade(const Request& req, bool path_known,
                              std::span<const std::string> supported) noexcept {
    if (req.method != "GET") return reject(405, "WebSocket upgrade needs GET\n");
    if (!path_known) return reject(404, "no such path\n");
    if (req.minor_version < 1) return reject(400, "WebSocket upgrade needs HTTP/1.1\n");
    // RFC 9112 section 3.2: none or several Host lines is a 400.
    if (count_headers(req, "host") != 1) return reject(400, "exactly one Host header required\n");
    if (!any_header_has_token(req, "upgrade", "websocket"))
        return reject(400, "Upgrade: websocket header required\n");
    if (!any_header_has_token(req, "connection", "upgrade"))
        return reject(400, "Connection: Upgrade header required\n");

    auto version = req.header("sec-websocket-version");
    if (!version) return reject(400, "Sec-WebSocket-Version header required\n");
    if (*version != "13") return reject(426, "Sec-WebSocket-Version must be 13\n");

    auto key = req.header("sec-websocket-key");
    if (!key || count_headers(req, "sec-websocket-key") != 1 || !valid_key(*key))
        return reject(400, "Sec-WebSocket-Key must be 16 bytes in base64\n");

    UpgradeDecision d;
    d.status = 101;
    d.key = *key;
    d.protocol = select_protocol(req, supported);
    return d;
}

std::string_view rejection_headers(int status) noexcept {
    switch (status) {
        // RFC 9110 section 15.5.6: a 405 lists the allowed methods.
        case 405: return "Allow: GET\r\n";
        // RFC 9110 section 15.5.22 wants Upgrade on a 426; RFC 6455
        // section 4.4 wants the versions we do speak.
        case 426: return "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n";
        // Caps (connections, rooms, per-address): worth retrying shortly.
        case 429:
        case 503: return "Retry-After: 1\r\n";
        default: return {};
    }
}

std::string accept_key(std::string_view key) {
    // Two updates instead of concatenating: no temporary string.
    crypto::Sha1 h;
    h.update(key.data(), key.size());
    h.update(kAcceptGuid.data(), kAcceptGuid.size());
    crypto::Sha1Digest digest = h.finish();

    std::string out(crypto::base64_encoded_size(digest.size()), '\0');
    crypto::base64_encode(digest.data(), digest.size(), out.data());
    return out;
}

std::string switching_protocols(std::string_view key, std::string_view protocol, std::string_view extensions) {
    std::string out;
    out.reserve(160 + protocol.size() + extensions.size());
    out += "HTTP/1.1 101 Switching Protocols\r\n"
           "Upgrade: websocket\r\n"
           "Connection: Upgrade\r\n"
           "Sec-WebSocket-Accept: ";
    out += accept_key(key);
    out += "\r\n";
    if (!protocol.empty()) {
        out += "Sec-WebSocket-Protocol: ";
        out += protocol;
        out += "\r\n";
    }
    out += extensions;
    out += "\r\n";
    return out;
}

std::string simple_response(int status, std::string_view body, std::string_view extra_headers) {
    std::string default_body;
    if (body.empty()) {
        default_body.append(reason_phrase(status)).push_back('\n');
        body = default_body;
    }
    return response(status, "text/plain; charset=utf-8", body, extra_headers);
}

std::string response(int status, std::string_view content_type, std::string_view body,
                     std::string_view extra_headers) {
    std::string_view reason = reason_phrase(status);
    std::string out;
    out.reserve(128 + extra_headers.size() + body.size());
    out += "HTTP/1.1 ";
    out += std::to_string(status);
    out += ' ';
    out += reason;
    out += "\r\nContent-Type: ";
    out += content_type;
    out += "\r\nContent-Length: ";
    out += std::to_string(body.size());
    out += "\r\nConnection: close\r\n";
    out += extra_headers;
    out += "\r\n";
    out += body;
    return out;
}

std::string_view reason_phrase(int status) noexcept {
    switch (status) {
        case 100: return "Continue";
        case 101: return "Switching Protocols";
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 304: return "Not Modified";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 411: return "Length Required";
        case 413: return "Content Too Large";  // RFC 9110's name for "Payload Too Large"
        case 414: return "URI Too Long";
        case 415: return "Unsupported Media Type";
        case 426: return "Upgrade Required";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        default: return "Unknown";
    }
}

}  // namespace wshub::http
