// X-Forwarded-For and Forwarded read from the right (forwarded.h). One walk
// serves both: header lines from the last to the first, each line's
// elements from its end to its start; each header has its own way to find
// where an element starts and to read one.
#include "http/forwarded.h"

#include <cstring>
#include <optional>

namespace wshub::http {
namespace {

constexpr std::string_view kXForwardedFor = "X-Forwarded-For";
constexpr std::string_view kForwarded = "Forwarded";

// What one element says about the hop before the proxy that wrote it.
struct Node {
    enum class Kind : uint8_t { empty, address, not_address, malformed };
    Kind kind = Kind::empty;
    net::IpKey ip{};
    uint16_t port = 0;
    std::string_view why;  // malformed
};

Node malformed(std::string_view why) noexcept { return {Node::Kind::malformed, {}, 0, why}; }
Node not_address() noexcept { return {Node::Kind::not_address, {}, 0, {}}; }

bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alnum(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// RFC 9110 section 5.6.2.
bool is_tchar(char c) noexcept { return is_alnum(c) || (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c)); }

// 1 to 5 digits, at most 65535.
std::optional<uint16_t> parse_port(std::string_view text) noexcept {
    if (text.empty() || text.size() > 5) return std::nullopt;
    uint32_t n = 0;
    for (char c : text) {
        if (!is_digit(c)) return std::nullopt;
        n = n * 10 + uint32_t(c - '0');
    }
    if (n > 65535) return std::nullopt;
    return uint16_t(n);
}

// RFC 7239 section 6.3: "_" followed by ALPHA / DIGIT / "." / "_" / "-".
bool is_obfuscated(std::string_view text) noexcept {
    if (text.size() < 2 || text[0] != '_') return false;
    for (char c : text.substr(1))
        if (!is_alnum(c) && c != '.' && c != '_' && c != '-') return false;
    return true;
}

// A node's host and what follows it: "[v6]" and the rest, or up to the
// first ':' and the rest (which starts with ':' when not empty). False if
// a bracket is not closed.
bool split_host(std::string_view node, std::string_view& host, std::string_view& rest) noexcept {
    if (!node.empty() && node[0] == '[') {
        const size_t close = node.find(']');
        if (close == std::string_view::npos) return false;
        host = node.substr(0, close + 1);
        rest = node.substr(close + 1);
        return true;
    }
    const size_t colon = node.find(':');
    host = node.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : node.substr(colon);
    return true;
}

// "[v6]": only an IPv6 literal inside.
std::optional<net::IpKey> bracketed_ip(std::string_view host) noexcept {
    const std::string_view inner = host.substr(1, host.size() - 2);
    if (inner.find(':') == std::string_view::npos) return std::nullopt;
    return net::parse_ip(inner);
}

// ---------------------------------------------------------- X-Forwarded-For

size_t xff_element_start(std::string_view line, size_t end) noexcept {
    const size_t comma = end == 0 ? std::string_view::npos : line.rfind(',', end - 1);
    return comma == std::string_view::npos ? 0 : comma + 1;
}

// An address, bare IPv6 included, with an optional port after IPv4 or
// bracketed IPv6.
Node xff_element(std::string_view element) noexcept {
    element = trim_ows(element);
    if (element.empty()) return {};
    if (http::iequals(element, "unknown")) return not_address();  // what Squid writes for a hidden client
    const Node bad = malformed("an X-Forwarded-For element is not an address");
    std::string_view host, rest;
    const bool bare_ipv6 = element[0] != '[' && element.find(':') != element.rfind(':');
    if (bare_ipv6) {
        host = element;
    } else if (!split_host(element, host, rest) || host.empty()) {
        return bad;
    }
    Node node{Node::Kind::address, {}, 0, {}};
    if (!rest.empty()) {
        const auto port = rest[0] == ':' ? parse_port(rest.substr(1)) : std::nullopt;
        if (!port) return bad;
        node.port = *port;
    }
    const auto ip = host[0] == '[' ? bracketed_ip(host) : net::parse_ip(host);
    if (!ip) return bad;
    node.ip = *ip;
    return node;
}

// ---------------------------------------------------------------- Forwarded

constexpr size_t kNotSplit = std::string_view::npos;

// Where the element ending at `end` starts: one past the last comma outside
// a quoted string. Read from the right, a quote preceded by an odd run of
// backslashes is escaped (inside a string) and an even run leaves it a
// delimiter; backslashes are never valid outside one. kNotSplit if the
// quotes do not pair up.
size_t forwarded_element_start(std::string_view line, size_t end) noexcept {
    bool quoted = false;
    for (size_t i = end; i-- > 0;) {
        if (line[i] == ',' && !quoted) return i + 1;
        if (line[i] != '"') continue;
        size_t backslashes = 0;
        while (backslashes < i && line[i - 1 - backslashes] == '\\') ++backslashes;
        if (backslashes % 2 == 0) quoted = !quoted;
        else if (!quoted) return kNotSplit;
    }
    return quoted ? kNotSplit : 0;
}

// for='s node (RFC 7239 section 6): nodename [ ":" node-port ].
Node forwarded_node(std::string_view node) noexcept {
    const Node bad = malformed("a Forwarded for= is not a node");
    std::string_view host, rest;
    if (!split_host(node, host, rest) || host.empty()) return bad;
    uint16_t port = 0;
    if (!rest.empty()) {
        const std::string_view port_text = rest.substr(1);
        const auto digits = parse_port(port_text);
        if (rest[0] != ':' || (!digits && !is_obfuscated(port_text))) return bad;
        port = digits.value_or(0);
    }
    if (http::iequals(host, "unknown") || is_obfuscated(host)) return not_address();
    const auto ip = host[0] == '[' ? bracketed_ip(host) : net::parse_ip(host);
    if (!ip) return bad;
    return {Node::Kind::address, *ip, port, {}};
}

// The longest for= read: "[" IPv6 "]:" port is 54 bytes; obfuscated names
// may be longer, and a for= over this is malformed rather than cut.
constexpr size_t kMaxNode = 96;

// A quoted-string (RFC 9110 section 5.6.4) at text[pos], unescaped into
// out (when not null) up to kMaxNode bytes. False if not closed, with a
// character a quoted string cannot hold, or, into out, too long.
bool read_quoted(std::string_view text, size_t& pos, char* out, size_t& out_len) noexcept {
    out_len = 0;
    for (++pos; pos < text.size(); ++pos) {
        char c = text[pos];
        if (c == '"') {
            ++pos;
            return true;
        }
        if (c == '\\') {
            if (++pos == text.size()) return false;
            c = text[pos];
        }
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return false;
        if (out) {
            if (out_len == kMaxNode) return false;
            out[out_len++] = c;
        }
    }
    return false;
}

// An element: pairs token=value separated by ';' (empty pairs allowed),
// with optional whitespace around the ';'.
Node forwarded_element(std::string_view element) noexcept {
    element = trim_ows(element);
    if (element.empty()) return {};
    const Node bad = malformed("a Forwarded element is not token=value pairs");
    char node[kMaxNode];
    std::string_view for_node;
    bool has_for = false;
    for (size_t pos = 0;;) {
        // At the start or past a ';': empty pairs and whitespace are skipped.
        while (pos < element.size() && (element[pos] == ';' || is_ows(element[pos]))) ++pos;
        if (pos == element.size()) break;
        const size_t name_at = pos;
        while (pos < element.size() && is_tchar(element[pos])) ++pos;
        const std::string_view name = element.substr(name_at, pos - name_at);
        if (name.empty() || pos == element.size() || element[pos++] != '=') return bad;
        const bool is_for = http::iequals(name, "for");
        if (is_for && has_for) return malformed("a Forwarded element has for= twice");
        has_for = has_for || is_for;
        if (pos < element.size() && element[pos] == '"') {
            size_t len = 0;
            if (!read_quoted(element, pos, is_for ? node : nullptr, len)) return bad;
            if (is_for) for_node = std::string_view(node, len);
        } else {
            const size_t value_at = pos;
            while (pos < element.size() && is_tchar(element[pos])) ++pos;
            if (pos == value_at || (is_for && pos - value_at > kMaxNode)) return bad;
            if (is_for) for_node = element.substr(value_at, pos - value_at);
        }
        while (pos < element.size() && is_ows(element[pos])) ++pos;
        if (pos < element.size() && element[pos] != ';') return bad;
    }
    return has_for ? forwarded_node(for_node) : not_address();
}

// ------------------------------------------------------------- the walk

struct Reader {
    std::string_view header;
    size_t (*element_start)(std::string_view line, size_t end);
    Node (*element)(std::string_view element);
};

constexpr Reader kReaders[] = {
    {kXForwardedFor, xff_element_start, xff_element},
    {kForwarded, forwarded_element_start, forwarded_element},
};

bool has_header(const Request& req, std::string_view name) noexcept {
    for (size_t i = 0; i < req.header_count; ++i)
        if (http::iequals(req.headers[i].name, name)) return true;
    return false;
}

ForwardedClient walk(const Request& req, const Reader& reader, const TrustTest& trusted) noexcept {
    ForwardedClient out;
    out.header = reader.header;
    std::optional<Node> leftmost;  // the last trusted address passed
    for (size_t i = req.header_count; i-- > 0;) {
        if (!http::iequals(req.headers[i].name, reader.header)) continue;
        const std::string_view line = req.headers[i].value;
        for (size_t end = line.size();;) {
            const size_t start = reader.element_start(line, end);
            const Node node = start == kNotSplit ? malformed("a Forwarded element's quotes do not pair up")
                                                 : reader.element(line.substr(start, end - start));
            switch (node.kind) {
            case Node::Kind::empty:
                break;
            case Node::Kind::malformed:
                out.status = ForwardedStatus::malformed;
                out.why = node.why;
                return out;
            case Node::Kind::not_address:
                out.status = ForwardedStatus::unknown;
                return out;
            case Node::Kind::address:
                if (!trusted(node.ip)) {
                    out.status = ForwardedStatus::found;
                    out.ip = node.ip;
                    out.port = node.port;
                    return out;
                }
                leftmost = node;  // walking left: each trusted hop passed is further left
                break;
            }
            if (start == 0) break;
            end = start - 1;  // before the comma
        }
    }
    if (!leftmost) {
        out.status = ForwardedStatus::malformed;
        out.why = "no address in the header";
        return out;
    }
    // Every hop trusted: the request began at the first of them.
    out.status = ForwardedStatus::found;
    out.ip = leftmost->ip;
    out.port = leftmost->port;
    return out;
}

}  // namespace

ForwardedClient forwarded_client(const Request& req, TrustTest trusted) noexcept {
    for (const Reader& reader : kReaders)
        if (has_header(req, reader.header)) return walk(req, reader, trusted);
    return {};
}

}  // namespace wshub::http
