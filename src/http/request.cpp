// A strict, copy-free HTTP/1.1 request-head parser (RFC 9112 sections 2-5).
// It rejects rather than repairs: anything a lenient peer might read
// differently (bare LF, obs-fold, space before ':') is a 400, which closes
// the door on request smuggling through a proxy in front of us.
#include "http/request.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

namespace wshub::http {
namespace {

enum CharClass : uint8_t {
    kTchar = 1,        // RFC 9110 section 5.6.2 token character
    kTargetChar = 2,   // visible ASCII: what may appear unencoded in a target
    kFieldChar = 4,    // field-vchar, SP, HTAB, obs-text (RFC 9110 section 5.5)
};

constexpr std::array<uint8_t, 256> kCharClass = [] {
    std::array<uint8_t, 256> table{};
    for (int c = 0x21; c <= 0x7e; ++c) table[c] |= kTargetChar | kFieldChar;
    for (int c = 0x80; c <= 0xff; ++c) table[c] |= kFieldChar;
    table[' '] |= kFieldChar;
    table['\t'] |= kFieldChar;
    for (int c = '0'; c <= '9'; ++c) table[c] |= kTchar;
    for (int c = 'a'; c <= 'z'; ++c) table[c] |= kTchar;
    for (int c = 'A'; c <= 'Z'; ++c) table[c] |= kTchar;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<uint8_t>(c)] |= kTchar;
    return table;
}();

inline bool is(uint8_t cls, char c) noexcept { return (kCharClass[static_cast<uint8_t>(c)] & cls) != 0; }

inline bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

inline char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// Advances pos over characters of class cls and returns the span covered.
std::string_view scan(std::string_view s, size_t& pos, uint8_t cls) noexcept {
    size_t start = pos;
    while (pos < s.size() && is(cls, s[pos])) ++pos;
    return s.substr(start, pos - start);
}

bool consume(std::string_view s, size_t& pos, std::string_view expected) noexcept {
    if (s.substr(pos, expected.size()) != expected) return false;
    pos += expected.size();
    return true;
}


// request-line = method SP request-target SP HTTP-version CRLF
bool parse_request_line(std::string_view head, size_t& pos, Request& out) noexcept {
    out.method = scan(head, pos, kTchar);
    if (out.method.empty() || !consume(head, pos, " ")) return false;

    out.target = scan(head, pos, kTargetChar);
    // Only origin-form: we are never a proxy, and "*" or absolute-form
    // targets have no route here.
    if (out.target.empty() || out.target[0] != '/' || !consume(head, pos, " ")) return false;
    size_t question = out.target.find('?');
    out.path = out.target.substr(0, question);
    out.query = question == std::string_view::npos ? std::string_view{} : out.target.substr(question + 1);

    if (!consume(head, pos, "HTTP/1.") || pos >= head.size()) return false;
    char minor = head[pos++];
    if (minor < '0' || minor > '9') return false;
    out.minor_version = minor - '0';
    return consume(head, pos, "\r\n");
}


// Content-Length = 1*DIGIT, without overflowing.
std::optional<uint64_t> parse_content_length(std::string_view v) noexcept {
    if (v.empty()) return std::nullopt;
    uint64_t n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return std::nullopt;
        uint64_t digit = static_cast<uint64_t>(c - '0');
        if (n > (UINT64_MAX - digit) / 10) return std::nullopt;
        n = n * 10 + digit;
    }
    return n;
}

// Repeated Content-Length lines are allowed only if they agree: two framings
// of one message are how requests get smuggled.
bool note_content_length(std::string_view value, Request& out) noexcept {
    auto n = parse_content_length(value);
    if (!n) return false;
    if (out.content_length && *out.content_length != *n) return false;
    out.content_length = n;
    return true;
}

void reset(Request& r) noexcept {
    r.method = r.target = r.path = r.query = {};
    r.minor_version = 1;
    r.header_count = 0;
    r.content_length.reset();
}


// The length of the head in buf, up to and including the blank line that
// ends it, or 0 if it is not complete yet. Only a terminator ending at or
// after `from` is looked for.
size_t find_head_end(std::string_view buf, size_t from) noexcept {
    // The terminator may straddle the end of what was scanned last time, so
    // back up three bytes; everything before that is known not to hold it.
    from = std::min(from, buf.size());
    size_t start = from > 3 ? from - 3 : 0;
    const char* data = buf.data();
    // Hop from LF to LF with memchr; a head ends at the first LF preceded by "\r\n\r".
    for (size_t i = start + 3; i < buf.size();) {
        const void* hit = std::memchr(data + i, '\n', buf.size() - i);
        if (!hit) return 0;
        size_t lf = static_cast<size_t>(static_cast<const char*>(hit) - data);
        if (data[lf - 1] == '\r' && data[lf - 2] == '\n' && data[lf - 3] == '\r') return lf + 1;
        i = lf + 1;
    }
    return 0;
}

// parse_request with at most max_headers header lines.
ParseStatus parse_lines(std::string_view head, Request& out, size_t max_headers) noexcept {
    reset(out);
    size_t pos = 0;
    if (!parse_request_line(head, pos, out)) return ParseStatus::bad_request;

    while (!consume(head, pos, "\r\n")) {
        if (pos >= head.size()) return ParseStatus::bad_request;  // no blank line
        if (out.header_count == max_headers) return ParseStatus::too_many_headers;
        Header& h = out.headers[out.header_count];
        if (!parse_field_line(head, pos, h)) return ParseStatus::bad_request;
        ++out.header_count;
        if (iequals(h.name, "content-length") && !note_content_length(h.value, out))
            return ParseStatus::bad_request;
    }
    return ParseStatus::ok;
}

// parse_head's refusals: what each is answered with and counted as.
struct Refusal {
    int status;
    std::string_view why;
    HeadRefusal counted_as;
};
constexpr Refusal kBareLf{400, "lines must end in CRLF\n", HeadRefusal::malformed};
constexpr Refusal kMalformed{400, "malformed request\n", HeadRefusal::malformed};
constexpr Refusal kTooLarge{431, "request head too large\n", HeadRefusal::too_large};
constexpr Refusal kTooManyHeaders{431, "too many header fields\n", HeadRefusal::too_large};

HeadResult refuse(const Refusal& r) noexcept {
    HeadResult result;
    result.status = HeadStatus::refused;
    result.http_status = r.status;
    result.why = r.why;
    result.refusal = r.counted_as;
    return result;
}

}  // namespace

std::string_view trim_ows(std::string_view v) noexcept {
    while (!v.empty() && is_ows(v.front())) v.remove_prefix(1);
    while (!v.empty() && is_ows(v.back())) v.remove_suffix(1);
    return v;
}

bool parse_field_line(std::string_view head, size_t& pos, Header& out) noexcept {
    // A line starting with SP/HTAB (obs-fold) or with a space before ':'
    // fails here because neither is a token character.
    out.name = scan(head, pos, kTchar);
    if (out.name.empty() || !consume(head, pos, ":")) return false;
    // Stops at CR, LF or any other control character; only CRLF may follow.
    out.value = trim_ows(scan(head, pos, kFieldChar));
    return consume(head, pos, "\r\n");
}

bool has_bare_lf(std::string_view buf, size_t from) noexcept {
    for (size_t i = std::min(from, buf.size()); i < buf.size(); ++i) {
        const void* hit = std::memchr(buf.data() + i, '\n', buf.size() - i);
        if (!hit) return false;
        i = static_cast<size_t>(static_cast<const char*>(hit) - buf.data());
        if (i == 0 || buf[i - 1] != '\r') return true;
    }
    return false;
}

bool is_field_char(char c) noexcept { return is(kFieldChar, c); }

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

bool has_token(std::string_view list, std::string_view token) noexcept {
    while (true) {
        size_t comma = list.find(',');
        if (iequals(trim_ows(list.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) return false;
        list.remove_prefix(comma + 1);
    }
}

bool any_has_token(const Request& req, std::string_view name, std::string_view token) noexcept {
    for (size_t i = 0; i < req.header_count; ++i)
        if (iequals(req.headers[i].name, name) && has_token(req.headers[i].value, token)) return true;
    return false;
}

bool keep_alive(const Request& req) noexcept {
    if (req.minor_version < 1 || any_has_token(req, "Connection", "close")) return false;
    if (req.content_length.value_or(0) != 0) return false;
    return !req.header("Transfer-Encoding");
}

bool joined_header(const Request& req, std::string_view name, std::string& out) {
    bool any = false;
    for (size_t i = 0; i < req.header_count; ++i) {
        if (!iequals(req.headers[i].name, name)) continue;
        if (!any) out.clear();
        if (any) out += ", ";
        out += req.headers[i].value;
        any = true;
    }
    return any;
}

std::optional<std::string_view> Request::header(std::string_view name) const noexcept {
    for (size_t i = 0; i < header_count; ++i)
        if (iequals(headers[i].name, name)) return headers[i].value;
    return std::nullopt;
}

ParseStatus parse_request(std::string_view head, Request& out) noexcept { return parse_lines(head, out, kMaxHeaders); }

HeadResult parse_head(std::string_view received, size_t previous_len, const HeadLimits& limits,
                      Request& out) noexcept {
    // One byte over the limit tells that the head is too large: what lies
    // further is never looked at, however it was received.
    const size_t window = limits.max_bytes < SIZE_MAX ? limits.max_bytes + 1 : SIZE_MAX;
    const std::string_view buf = received.substr(0, window);
    const size_t from = std::min(previous_len, buf.size());
    const size_t end = find_head_end(buf, from);
    const std::string_view head = buf.substr(0, end != 0 ? end : buf.size());
    // Only the head must be CRLF: frames pipelined behind it may hold any byte.
    if (has_bare_lf(head, from)) return refuse(kBareLf);
    if (head.size() > limits.max_bytes) return refuse(kTooLarge);
    if (end == 0) return HeadResult{};
    switch (parse_lines(head, out, std::min(limits.max_headers, kMaxHeaders))) {
    case ParseStatus::ok:
        break;
    case ParseStatus::too_many_headers:
        return refuse(kTooManyHeaders);
    case ParseStatus::bad_request:
        return refuse(kMalformed);
    }
    HeadResult result;
    result.status = HeadStatus::complete;
    result.length = end;
    return result;
}

}  // namespace wshub::http
