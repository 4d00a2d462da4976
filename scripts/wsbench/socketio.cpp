#include "socketio.h"

namespace wsbench {

namespace {

constexpr std::string_view kMsgEventHead = "42[\"msg\",\"";
constexpr std::string_view kMsgEventTail = "\"]";

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The character a two-character escape \c stands for; 0 for none.
char short_escape(char c) noexcept {
    switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return 0;
    }
}

}  // namespace

void json_escape_append(std::string& out, std::string_view s) {
    static const char kHex[] = "0123456789abcdef";
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        } else {
            out += ch;
        }
    }
}

bool json_unescape(std::string_view in, std::string& out) {
    for (size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '"' || static_cast<unsigned char>(c) < 0x20) return false;
        if (c != '\\') {
            out += c;
            continue;
        }
        if (++i >= in.size()) return false;
        if (char e = short_escape(in[i])) {
            out += e;
            continue;
        }
        if (in[i] != 'u' || i + 4 >= in.size()) return false;
        int v = 0;
        for (size_t k = 1; k <= 4; ++k) {
            const int h = hex_value(in[i + k]);
            if (h < 0) return false;
            v = v * 16 + h;
        }
        if (v >= 0x80) return false;
        out += char(v);
        i += 4;
    }
    return true;
}

std::string sio_join_packet(std::string_view room) {
    std::string p = "420[\"join\",\"";
    json_escape_append(p, room);
    return p + "\"]";
}

SioPublisher::SioPublisher(std::string_view room) {
    packet_ = "42[\"pub\",\"";
    json_escape_append(packet_, room);
    packet_ += "\",\"";
    prefix_len_ = packet_.size();
}

std::string_view SioPublisher::packet(const uint8_t* payload, size_t n) {
    packet_.resize(prefix_len_);
    json_escape_append(packet_, std::string_view(reinterpret_cast<const char*>(payload), n));
    packet_ += "\"]";
    return packet_;
}

SioPacket sio_read(std::string_view m, std::string& payload) {
    payload.clear();
    if (m.empty()) return SioPacket::bad;
    switch (m[0]) {
    case '0': return SioPacket::open;
    case '2': return SioPacket::ping;
    case '1': case '3': case '5': case '6': return SioPacket::other;
    case '4': break;
    default: return SioPacket::bad;
    }
    if (m.substr(0, 2) == "40") return SioPacket::connected;
    if (m.substr(0, 2) == "43") return SioPacket::ack;
    if (m.substr(0, 2) == "44") return SioPacket::refused;
    if (m.substr(0, kMsgEventHead.size()) != kMsgEventHead) return SioPacket::other;
    if (m.size() < kMsgEventHead.size() + kMsgEventTail.size() || m.substr(m.size() - kMsgEventTail.size()) != kMsgEventTail)
        return SioPacket::bad;
    m.remove_prefix(kMsgEventHead.size());
    m.remove_suffix(kMsgEventTail.size());
    return json_unescape(m, payload) ? SioPacket::event : SioPacket::bad;
}

}  // namespace wsbench
