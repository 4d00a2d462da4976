#include "files/request_path.h"

#include "http/percent.h"

namespace wshub::files {
namespace {

// RFC 3986 pchar without pct-encoded: unreserved, sub-delims, ':' and '@'.
bool is_pchar(unsigned char ch) noexcept {
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) return true;
    return std::string_view("-._~!$&'()*+,;=:@").find(char(ch)) != std::string_view::npos;
}

}  // namespace

std::optional<RequestPath> decode_request_path(std::string_view path) {
    if (path.empty() || path.front() != '/') return std::nullopt;
    std::string decoded;
    if (!http::percent_decode(path, decoded)) return std::nullopt;
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
