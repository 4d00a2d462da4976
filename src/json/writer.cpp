// The JSON writer: escaping, and commas placed from two flags (no stack is
// needed: a container's end leaves "not first" for its parent).
#include "json/internal.h"
#include "json/json.h"

namespace wshub::json {

void append_escaped(std::string& out, std::string_view s) {
    static const char kHex[] = "0123456789abcdef";
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    const auto* run = p;  // start of bytes not yet copied
    auto flush = [&] { out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run)); };

    out.reserve(out.size() + s.size() + 2);
    out += '"';
    while (p != end) {
        while (end - p >= 8) {
            const uint64_t mask = detail::string_special_mask(detail::load8(p));
            if (mask != 0) {
                p += detail::first_flagged(mask);
                break;
            }
            p += 8;
        }
        if (p == end) break;
        const unsigned char c = *p;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            ++p;
            continue;
        }
        if (c >= 0x80) {
            const size_t n = detail::utf8_sequence(p, end);
            // U+2028 / U+2029 are E2 80 A8 / E2 80 A9.
            const bool line_sep = n == 3 && c == 0xE2 && p[1] == 0x80 && (p[2] & 0xFE) == 0xA8;
            if (n != 0 && !line_sep) {
                p += n;
                continue;
            }
            flush();
            out += n == 0 ? "\xEF\xBF\xBD" : (p[2] == 0xA8 ? "\\u2028" : "\\u2029");
            p += n == 0 ? 1 : n;
            run = p;
            continue;
        }
        flush();
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default: {
                const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
                out.append(esc, 6);
            }
        }
        run = ++p;
    }
    flush();
    out += '"';
}

void Writer::before_value() {
    if (!first_ && !after_key_) out_ += ',';
    first_ = false;
    after_key_ = false;
}

void Writer::begin_object() {
    before_value();
    out_ += '{';
    first_ = true;
}

void Writer::end_object() {
    out_ += '}';
    first_ = false;
}

void Writer::begin_array() {
    before_value();
    out_ += '[';
    first_ = true;
}

void Writer::end_array() {
    out_ += ']';
    first_ = false;
}

void Writer::key(std::string_view utf8) {
    if (!first_) out_ += ',';
    first_ = false;
    append_escaped(out_, utf8);
    out_ += ':';
    after_key_ = true;
}

void Writer::string(std::string_view utf8) {
    before_value();
    append_escaped(out_, utf8);
}

namespace {

void append_decimal(std::string& out, uint64_t v) {
    char buf[20];
    size_t i = sizeof buf;
    do {
        buf[--i] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    out.append(buf + i, sizeof buf - i);
}

}  // namespace

void Writer::number_unsigned(uint64_t v) {
    before_value();
    append_decimal(out_, v);
}

void Writer::number_signed(int64_t v) {
    before_value();
    if (v < 0) out_ += '-';
    // The magnitude computed in unsigned arithmetic, so INT64_MIN does not overflow.
    append_decimal(out_, v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v));
}

void Writer::boolean(bool v) {
    before_value();
    out_ += v ? "true" : "false";
}

void Writer::null() {
    before_value();
    out_ += "null";
}

void Writer::raw(std::string_view valid_json) {
    before_value();
    out_ += valid_json;
}

}  // namespace wshub::json
