#include "handshake.h"

#include "crypto/base64.h"
#include "crypto/sha1.h"
#include "options.h"

namespace wsbench {

namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// True if the comma-separated list holds token (case-insensitive).
bool has_token(std::string_view list, std::string_view token) {
    while (!list.empty()) {
        size_t comma = list.find(',');
        if (iequals(trim(list.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

// Splits the next item off list at sep; the item trimmed.
std::string_view next_item(std::string_view& list, char sep) {
    size_t at = list.find(sep);
    std::string_view item = trim(list.substr(0, at));
    list.remove_prefix(at == std::string_view::npos ? list.size() : at + 1);
    return item;
}

// A window-bits value, plain or quoted: 8..15.
bool window_bits(std::string_view v, uint8_t& bits) {
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (v.size() == 1 && v[0] >= '8' && v[0] <= '9') return bits = uint8_t(v[0] - '0'), true;
    if (v.size() == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5') return bits = uint8_t(10 + v[1] - '0'), true;
    return false;
}

// One answer parameter of permessage-deflate; false (why set) if RFC 7692
// section 7.1 does not allow it in answer to kDeflateOffer, or it repeats.
bool deflate_param(std::string_view param, unsigned& seen, DeflateAnswer& a, std::string& why) {
    const size_t eq = param.find('=');
    const std::string_view name = trim(param.substr(0, eq));
    const bool has_value = eq != std::string_view::npos;
    const std::string_view value = has_value ? trim(param.substr(eq + 1)) : std::string_view();
    static constexpr std::string_view kNames[] = {"server_no_context_takeover", "client_no_context_takeover",
                                                  "server_max_window_bits", "client_max_window_bits"};
    for (unsigned i = 0; i < 4; ++i) {
        if (!iequals(name, kNames[i])) continue;
        if (seen & (1u << i)) return why = "permessage-deflate answer repeats " + std::string(name), false;
        seen |= 1u << i;
        bool ok = !has_value;  // the two flags take no value
        switch (i) {
        case 0: a.server_no_context_takeover = true; break;
        case 1: a.client_no_context_takeover = true; break;
        case 2: ok = window_bits(value, a.server_window_bits); break;
        default: ok = window_bits(value, a.client_window_bits); break;
        }
        if (!ok) why = "bad permessage-deflate parameter '" + std::string(param.substr(0, 80)) + "'";
        return ok;
    }
    why = "unknown permessage-deflate parameter '" + std::string(param.substr(0, 80)) + "'";
    return false;
}

// A Sec-WebSocket-Extensions answer to kDeflateOffer: one permessage-deflate.
bool read_deflate_answer(std::string_view value, DeflateAnswer& a, std::string& why) {
    while (!value.empty()) {
        std::string_view element = next_item(value, ',');
        if (element.empty()) continue;
        const std::string_view name = next_item(element, ';');
        if (!iequals(name, "permessage-deflate"))
            return why = "unoffered extension '" + std::string(name.substr(0, 80)) + "' in the response", false;
        if (a.accepted) return why = "permessage-deflate answered twice", false;
        a.accepted = true;
        unsigned seen = 0;
        while (!element.empty())
            if (!deflate_param(next_item(element, ';'), seen, a, why)) return false;
    }
    return true;
}

}  // namespace

std::string make_key(const uint8_t (&nonce)[16]) {
    return wshub::crypto::base64_encode(std::string_view(reinterpret_cast<const char*>(nonce), 16));
}

std::string expected_accept(std::string_view key) {
    wshub::crypto::Sha1 h;
    h.update(key.data(), key.size());
    h.update(kGuid.data(), kGuid.size());
    auto digest = h.finish();
    return wshub::crypto::base64_encode(
        std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string build_request(const Target& target, std::string_view key) {
    std::string r;
    r.reserve(256);
    r += "GET ";
    r += target.resource;
    r += " HTTP/1.1\r\nHost: ";
    r += target.host_header;
    r += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ";
    r += key;
    if (target.offer_deflate) {
        r += "\r\nSec-WebSocket-Extensions: ";
        r += kDeflateOffer;
    }
    r += "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    return r;
}

HeadStatus check_response(std::string_view data, std::string_view key, bool offered_deflate, size_t& head_len,
                          DeflateAnswer& deflate, std::string& why) {
    why.clear();
    deflate = DeflateAnswer{};
    size_t end = data.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        if (data.size() > kMaxResponseHead) {
            why = "response head longer than " + std::to_string(kMaxResponseHead) + " bytes";
            return HeadStatus::error;
        }
        return HeadStatus::incomplete;
    }
    head_len = end + 4;
    std::string_view head = data.substr(0, end + 2);  // each line ends in \r\n

    size_t eol = head.find("\r\n");
    std::string_view status = head.substr(0, eol);
    if (status.substr(0, 13) != "HTTP/1.1 101 " && status != "HTTP/1.1 101") {
        why = "expected status 101, got '" + std::string(status.substr(0, 80)) + "'";
        return HeadStatus::error;
    }
    head.remove_prefix(eol + 2);

    bool upgrade = false, connection = false, accept = false;
    while (!head.empty()) {
        eol = head.find("\r\n");
        std::string_view line = head.substr(0, eol);
        head.remove_prefix(eol + 2);
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            why = "malformed header line '" + std::string(line.substr(0, 80)) + "'";
            return HeadStatus::error;
        }
        std::string_view name = line.substr(0, colon);
        std::string_view value = trim(line.substr(colon + 1));
        if (iequals(name, "Upgrade")) {
            upgrade = iequals(value, "websocket");
        } else if (iequals(name, "Connection")) {
            connection = has_token(value, "upgrade");
        } else if (iequals(name, "Sec-WebSocket-Accept")) {
            accept = value == expected_accept(key);
            if (!accept) {
                why = "wrong Sec-WebSocket-Accept '" + std::string(value.substr(0, 80)) + "'";
                return HeadStatus::error;
            }
        } else if (iequals(name, "Sec-WebSocket-Extensions") && offered_deflate) {
            if (!read_deflate_answer(value, deflate, why)) return HeadStatus::error;
        } else if (iequals(name, "Sec-WebSocket-Extensions") || iequals(name, "Sec-WebSocket-Protocol")) {
            why = "unrequested " + std::string(name) + " in the response";
            return HeadStatus::error;
        }
    }
    if (!upgrade) why = "missing or wrong Upgrade header";
    else if (offered_deflate && !deflate.accepted) why = "the 101 did not accept the permessage-deflate offer";
    else if (!connection) why = "Connection header lacks 'upgrade'";
    else if (!accept) why = "missing Sec-WebSocket-Accept";
    return why.empty() ? HeadStatus::ok : HeadStatus::error;
}

}  // namespace wsbench
