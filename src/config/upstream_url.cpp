#include "config/upstream_url.h"

#include <algorithm>

namespace wshub::config {
namespace {

constexpr std::string_view kScheme = "ws://";
constexpr size_t kMaxUrl = 1024;

// Printable ASCII but space: what a request target's path may hold here.
bool valid_path(std::string_view path) {
    return std::all_of(path.begin(), path.end(), [](char ch) { return ch > ' ' && ch < 0x7f && ch != '?' && ch != '#'; });
}

// Letters, digits, '-' and '_' in dot-separated labels of 1 to 63 (253 in
// all), one trailing dot allowed, not all digits and dots (an IPv4 address
// that did not parse is a mistake, not a name).
bool valid_name(std::string_view name) {
    if (name.ends_with('.')) name.remove_suffix(1);
    if (name.empty() || name.size() > 253) return false;
    if (std::all_of(name.begin(), name.end(), [](char ch) { return (ch >= '0' && ch <= '9') || ch == '.'; }))
        return false;
    size_t label = 0;
    for (const char ch : name) {
        if (ch == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                        ch == '-' || ch == '_';
        if (!ok || ++label > 63) return false;
    }
    return label != 0;
}

bool parse_port(std::string_view text, uint16_t& port) {
    if (text.empty() || text.size() > 5) return false;
    uint32_t n = 0;
    for (const char ch : text) {
        if (ch < '0' || ch > '9') return false;
        n = n * 10 + uint32_t(ch - '0');
    }
    if (n == 0 || n > 65535) return false;
    port = uint16_t(n);
    return true;
}

}  // namespace

bool parse_upstream_url(std::string_view url, UpstreamUrl& out, std::string& why) {
    if (url.starts_with("wss://")) {
        why = "wss:// upstreams are not supported: wshub reaches its upstream in plain TCP (ws://)";
        return false;
    }
    if (!url.starts_with(kScheme) || url.size() > kMaxUrl) {
        why = "expected ws://HOST[:PORT][/PATH], HOST an IP address or localhost";
        return false;
    }
    const std::string_view rest = url.substr(kScheme.size());
    // What the address and name readers below stop at (a NUL) or never see
    // must not reach the Host header.
    if (!std::all_of(rest.begin(), rest.end(), [](char ch) { return ch > ' ' && ch < 0x7f; })) {
        why = "an upstream URL holds no space or control character";
        return false;
    }
    const size_t slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    const std::string_view path = slash == std::string_view::npos ? "/" : rest.substr(slash);
    if (!valid_path(path)) {
        why = "an upstream's path holds no query, fragment, space or control character";
        return false;
    }
    // HOST:PORT for net::parse_address; port 80 unless given (after an
    // IPv6 literal's ']', or after the one colon of a name or IPv4).
    const size_t bracket = authority.rfind(']');
    const size_t colon = authority.rfind(':');
    const bool has_port = colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
    const std::string_view host = authority.substr(0, has_port ? colon : authority.size());
    uint16_t port = 80;
    if ((has_port && !parse_port(authority.substr(colon + 1), port)) || host.empty() || host == "*") {
        why = "expected ws://HOST[:PORT][/PATH], HOST an IP address or a DNS name, PORT 1-65535";
        return false;
    }
    const auto address = net::parse_address(std::string(host) + ":" + std::to_string(port));
    if (!address && !valid_name(host)) {
        why = "expected ws://HOST[:PORT][/PATH], HOST an IP address or a DNS name, PORT 1-65535";
        return false;
    }
    out.url = url;
    out.host = port == 80 ? std::string(host) : std::string(host) + ":" + std::to_string(port);
    out.path = path;
    out.port = port;
    out.name = address ? "" : std::string(host);
    if (address) out.address = *address;
    return true;
}

}  // namespace wshub::config
