#include "files/request_path.h"

namespace wshub::files {
namespace {

int hex_value(char ch) noexcept {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

// Percent-decodes all of `in`; false on a bad escape.
bool percent_decode(std::string_view in, std::string& out) {
    out.clear();
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        const int hi = i + 1 < in.size() ? hex_value(in[i + 1]) : -1;
        const int lo = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
        if (hi < 0 || lo < 0) return false;
        out += char(hi * 16 + lo);
        i += 2;
    }
    return true;
}

// RFC 3986 pchar without pct-encoded: unreserved, sub-delims, ':' and '@'.
bool is_pchar(unsigned char ch) noexcept {
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) return true;
    return std::string_view("-._~!$&'()*+,;=:@").find(char(ch)) != std::string_view::npos;
}

}  // namespace

std::optional<RequestPath> decode_request_path(std::string_view path) {
    if (path.empty() || path.front() != '/') return std::nullopt;
    std::string decoded;
    if (!percent_decode(path, decoded)) return std::nullopt;
    if (decoded.find('\0') != std::string::npos || decoded.find('\\') != std::string::npos) return std::nullopt;

    RequestPath out;
    out.directory = decoded.back() == '/';
    out.relative.reserve(decoded.size());
    std::string_view rest(decoded);
    while (!rest.empty()) {
        const size_t slash = rest.find('/');
        const std::string_view segment = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (segment.empty()) continue;
        if (segment.front() == '.') return std::nullopt;
        if (!out.relative.empty()) out.relative += '/';
        out.relative += segment;
    }
    return out;
}

std::string encode_request_path(std::string_view relative) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out = "/";
    for (const char ch : relative) {
        const auto byte = static_cast<unsigned char>(ch);
        if (ch == '/' || is_pchar(byte)) {
            out += ch;
        } else {
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 15];
        }
    }
    return out;
}

}  // namespace wshub::files
