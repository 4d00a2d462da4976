// The client's half of the RFC 6455 opening handshake: the upgrade request,
// and the strict reading of the server's answer (section 4.1's checks).
#include "http/client_handshake.h"

#include <algorithm>

#include "crypto/base64.h"
#include "http/request.h"
#include "http/upgrade.h"

namespace wshub::http {
namespace {

using Outcome = UpgradeResponse::Outcome;

constexpr std::string_view kStatusPrefix = "HTTP/1.1 ";
constexpr size_t kKeyBytes = 16;

// The leading run of s from pos whose characters pass `keep`; pos moves past it.
template <typename Pred>
std::string_view scan(std::string_view s, size_t& pos, Pred keep) noexcept {
    const size_t start = pos;
    while (pos < s.size() && keep(s[pos])) ++pos;
    return s.substr(start, pos - start);
}

bool consume(std::string_view s, size_t& pos, std::string_view expected) noexcept {
    if (s.substr(pos, expected.size()) != expected) return false;
    pos += expected.size();
    return true;
}

// What the acceptance checks look at, gathered in one pass over the header lines.
struct UpgradeFields {
    bool upgrade_websocket = false;
    bool connection_upgrade = false;
    bool extensions = false;
    size_t accept_lines = 0;
    std::string_view accept;
    size_t protocol_lines = 0;
    std::string_view protocol;
};

void note_field(std::string_view name, std::string_view value, UpgradeFields& f) noexcept {
    if (iequals(name, "upgrade")) {
        f.upgrade_websocket = f.upgrade_websocket || has_token(value, "websocket");
    } else if (iequals(name, "connection")) {
        f.connection_upgrade = f.connection_upgrade || has_token(value, "upgrade");
    } else if (iequals(name, "sec-websocket-accept")) {
        ++f.accept_lines;
        f.accept = value;
    } else if (iequals(name, "sec-websocket-protocol")) {
        ++f.protocol_lines;
        f.protocol = value;
    } else if (iequals(name, "sec-websocket-extensions")) {
        f.extensions = true;
    }
}

// A field-line as parse_request reads it (parse_field_line), noted.
bool read_field_line(std::string_view head, size_t& pos, UpgradeFields& fields) noexcept {
    Header h;
    if (!parse_field_line(head, pos, h)) return false;
    note_field(h.name, h.value, fields);
    return true;
}

// status-line = "HTTP/1.1" SP 3DIGIT [ SP reason-phrase ] CRLF, the code
// 100..599. Fills status and reason; false if the line is not that.
bool read_status_line(std::string_view head, size_t& pos, UpgradeResponse& r) noexcept {
    if (!consume(head, pos, kStatusPrefix)) return false;
    const std::string_view digits = head.substr(pos, 3);
    if (digits.size() != 3 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    const int code = (digits[0] - '0') * 100 + (digits[1] - '0') * 10 + (digits[2] - '0');
    if (code < 100 || code > 599) return false;
    pos += 3;
    std::string_view reason;
    if (consume(head, pos, " ")) reason = scan(head, pos, is_field_char);
    if (!consume(head, pos, "\r\n")) return false;
    r.status = code;
    r.reason = reason;
    return true;
}

// Whether `chosen` is one of the comma-separated elements of `offered`.
bool is_offered(std::string_view offered, std::string_view chosen) noexcept {
    if (chosen.empty()) return false;
    while (true) {
        const size_t comma = offered.find(',');
        if (trim_ows(offered.substr(0, comma)) == chosen) return true;
        if (comma == std::string_view::npos) return false;
        offered.remove_prefix(comma + 1);
    }
}

UpgradeResponse settle(UpgradeResponse r, Outcome outcome, std::string_view why) noexcept {
    r.outcome = outcome;
    r.why = why;
    return r;
}

// The section 4.1 checks of a 101, in the order the header documents.
UpgradeResponse check_switch(UpgradeResponse r, const UpgradeFields& f, std::string_view key,
                             std::string_view offered_protocols) {
    if (!f.upgrade_websocket) return settle(r, Outcome::invalid, "Upgrade: websocket missing");
    if (!f.connection_upgrade) return settle(r, Outcome::invalid, "Connection: Upgrade missing");
    if (f.accept_lines == 0) return settle(r, Outcome::invalid, "Sec-WebSocket-Accept missing");
    if (f.accept_lines > 1) return settle(r, Outcome::invalid, "Sec-WebSocket-Accept repeated");
    if (f.accept != accept_key(key)) return settle(r, Outcome::invalid, "Sec-WebSocket-Accept does not match the key");
    if (f.extensions) return settle(r, Outcome::invalid, "extensions not offered");
    if (f.protocol_lines > 1) return settle(r, Outcome::invalid, "Sec-WebSocket-Protocol repeated");
    if (f.protocol_lines == 1 && !is_offered(offered_protocols, f.protocol))
        return settle(r, Outcome::invalid, "subprotocol not offered");
    r.protocol = f.protocol;
    return settle(r, Outcome::accepted, {});
}

}  // namespace

void write_client_request(std::string& out, const ClientOffer& offer) {
    out.reserve(out.size() + 160 + offer.target.size() + offer.host.size() + offer.protocols.size() +
                offer.extra_headers.size());
    out += "GET ";
    // RFC 9112 section 3.2.1: an empty path is sent as "/".
    out += offer.target.empty() ? std::string_view("/") : offer.target;
    out += " HTTP/1.1\r\nHost: ";
    out += offer.host;
    out += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ";
    out += offer.key;
    out += "\r\nSec-WebSocket-Version: 13\r\n";
    if (!offer.protocols.empty()) {
        out += "Sec-WebSocket-Protocol: ";
        out += offer.protocols;
        out += "\r\n";
    }
    out += offer.extra_headers;
    out += "\r\n";
}

std::string client_key(const uint8_t (&random)[16]) {
    std::string key(crypto::base64_encoded_size(kKeyBytes), '\0');
    crypto::base64_encode(random, kKeyBytes, key.data());
    return key;
}

UpgradeResponse read_upgrade_response(std::string_view bytes, std::string_view key,
                                      std::string_view offered_protocols, size_t max_head) {
    UpgradeResponse r;
    // One byte over the limit tells that the head is too large.
    const std::string_view window = bytes.substr(0, max_head < SIZE_MAX ? max_head + 1 : SIZE_MAX);
    const size_t blank = window.find("\r\n\r\n");
    const std::string_view head = blank == std::string_view::npos ? window : window.substr(0, blank + 4);
    // Known before the head ends: a peer that is not an HTTP/1.1 server, or
    // one ending lines in LF, would otherwise be waited for until a timeout.
    const size_t prefix = std::min(head.size(), kStatusPrefix.size());
    if (head.substr(0, prefix) != kStatusPrefix.substr(0, prefix))
        return settle(r, Outcome::invalid, "not an HTTP/1.1 response");
    if (has_bare_lf(head)) return settle(r, Outcome::invalid, "lines must end in CRLF");
    if (head.size() > max_head) return settle(r, Outcome::invalid, "response head too large");
    if (blank == std::string_view::npos) return r;

    size_t pos = 0;
    if (!read_status_line(head, pos, r)) return settle(r, Outcome::invalid, "malformed status line");
    r.head_len = head.size();
    UpgradeFields fields;
    while (!consume(head, pos, "\r\n"))
        if (!read_field_line(head, pos, fields)) return settle(r, Outcome::invalid, "malformed header line");

    if (r.status >= 300 && r.status <= 399) return settle(r, Outcome::refused, "redirect refused");
    if (r.status != 101) return settle(r, Outcome::refused, "upgrade refused");
    return check_switch(r, fields, key, offered_protocols);
}

}  // namespace wshub::http
