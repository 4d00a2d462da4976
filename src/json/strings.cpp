// Reading validated values: string decoding (whole, or byte by byte for key
// comparison without allocating), plain-string views, integers, member lookup.
#include <cstring>

#include "json/internal.h"
#include "json/json.h"

namespace wshub::json {
namespace detail {

size_t decode_escape(const unsigned char*& p, char* out) noexcept {
    const unsigned char e = p[1];
    p += 2;
    switch (e) {
        case 'b': out[0] = '\b'; return 1;
        case 'f': out[0] = '\f'; return 1;
        case 'n': out[0] = '\n'; return 1;
        case 'r': out[0] = '\r'; return 1;
        case 't': out[0] = '\t'; return 1;
        case 'u': break;
        default: out[0] = static_cast<char>(e); return 1;  // " \ /
    }
    uint32_t cp = static_cast<uint32_t>(hex4(p));
    p += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) {  // validated: "\uDC00".."\uDFFF" follows
        const uint32_t lo = static_cast<uint32_t>(hex4(p + 2));
        p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    return encode_utf8(cp, out);
}

namespace {

// The decoded bytes of a validated string body, one at a time (or the bytes
// of a plain text unchanged when decode is false).
class ByteReader {
public:
    ByteReader(std::string_view s, bool decode) noexcept
        : p_(reinterpret_cast<const unsigned char*>(s.data())), end_(p_ + s.size()), decode_(decode) {}

    // The next byte, or -1 at the end.
    int next() noexcept {
        if (i_ < n_) return static_cast<unsigned char>(buf_[i_++]);
        if (p_ == end_) return -1;
        if (!decode_ || *p_ != '\\') return *p_++;
        n_ = decode_escape(p_, buf_);
        i_ = 1;
        return static_cast<unsigned char>(buf_[0]);
    }

private:
    const unsigned char* p_;
    const unsigned char* end_;
    bool decode_;
    char buf_[4] = {};
    size_t n_ = 0;
    size_t i_ = 0;
};

bool streams_equal(ByteReader a, ByteReader b) noexcept {
    for (;;) {
        const int x = a.next();
        if (x != b.next()) return false;
        if (x < 0) return true;
    }
}

}  // namespace

bool escaped_equals(std::string_view raw, std::string_view plain) noexcept {
    if (plain.size() > raw.size()) return false;  // decoding never lengthens
    return streams_equal(ByteReader(raw, true), ByteReader(plain, false));
}

bool keys_equal(std::string_view a, bool a_escaped, std::string_view b, bool b_escaped) noexcept {
    if (!a_escaped && !b_escaped) return a == b;
    return streams_equal(ByteReader(a, a_escaped), ByteReader(b, b_escaped));
}

}  // namespace detail

namespace {

// Appends the decoding of a validated string body.
void decode_body(std::string_view body, bool escaped, std::string& out) {
    if (!escaped) {
        out += body;
        return;
    }
    const auto* s = reinterpret_cast<const unsigned char*>(body.data());
    const auto* end = s + body.size();
    out.reserve(out.size() + body.size());  // decoding never lengthens
    while (s != end) {
        const void* bs = std::memchr(s, '\\', static_cast<size_t>(end - s));
        const auto* run_end = bs ? static_cast<const unsigned char*>(bs) : end;
        out.append(reinterpret_cast<const char*>(s), static_cast<size_t>(run_end - s));
        s = run_end;
        if (s == end) break;
        char buf[4];
        const size_t n = detail::decode_escape(s, buf);
        out.append(buf, n);
    }
}

}  // namespace

bool decode_string(std::string_view raw, std::string& out) {
    if (raw.size() < 2 || raw.front() != '"') return false;
    const auto* p = reinterpret_cast<const unsigned char*>(raw.data()) + 1;
    const auto* end = reinterpret_cast<const unsigned char*>(raw.data()) + raw.size();
    bool escaped = false;
    if (detail::scan_string(p, end, escaped) != Error::none || p != end) return false;
    decode_body(raw.substr(1, raw.size() - 2), escaped, out);
    return true;
}

void decode_key(const Member& m, std::string& out) { decode_body(m.key, m.key_escaped, out); }

std::optional<std::string_view> plain_string(const Value& v) noexcept {
    if (v.type != Type::string || v.raw.size() < 2) return std::nullopt;
    const std::string_view body = v.raw.substr(1, v.raw.size() - 2);
    if (body.find('\\') != std::string_view::npos) return std::nullopt;
    return body;
}

bool to_uint64(const Value& v, uint64_t& out) noexcept {
    if (v.type != Type::number || v.raw.empty()) return false;
    if (v.raw.size() > 1 && v.raw[0] == '0') return false;
    uint64_t n = 0;
    for (const char c : v.raw) {
        if (c < '0' || c > '9') return false;
        const auto d = static_cast<uint64_t>(c - '0');
        if (n > (UINT64_MAX - d) / 10) return false;
        n = n * 10 + d;
    }
    out = n;
    return true;
}

const Value* find(const Member* members, size_t count, std::string_view key) noexcept {
    for (size_t i = 0; i < count; ++i) {
        const Member& m = members[i];
        if (m.key_escaped ? detail::escaped_equals(m.key, key) : m.key == key) return &m.value;
    }
    return nullptr;
}

}  // namespace wshub::json
