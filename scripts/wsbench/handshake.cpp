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
    r += "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    return r;
}

HeadStatus check_response(std::string_view data, std::string_view key, size_t& head_len, std::string& why) {
    why.clear();
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
        } else if (iequals(name, "Sec-WebSocket-Extensions") || iequals(name, "Sec-WebSocket-Protocol")) {
            why = "unrequested " + std::string(name) + " in the response";
            return HeadStatus::error;
        }
    }
    if (!upgrade) why = "missing or wrong Upgrade header";
    else if (!connection) why = "Connection header lacks 'upgrade'";
    else if (!accept) why = "missing Sec-WebSocket-Accept";
    return why.empty() ? HeadStatus::ok : HeadStatus::error;
}

}  // namespace wsbench
