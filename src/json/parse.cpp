// The validator and top-level object parser: one left-to-right pass, a loop
// over "expect a value" / "a value just ended" with the open containers kept in
// a fixed bit stack (1 = object, 0 = array). No recursion, no allocation.
#include <cstring>

#include "json/internal.h"
#include "json/json.h"

namespace wshub::json {

const char* error_name(Error e) noexcept {
    switch (e) {
        case Error::none: return "none";
        case Error::syntax: return "syntax";
        case Error::encoding: return "encoding";
        case Error::depth: return "depth";
        case Error::too_many_members: return "too_many_members";
        case Error::duplicate_key: return "duplicate_key";
        case Error::not_object: return "not_object";
    }
    return "unknown";
}

namespace detail {

namespace {

// After a \u escape: the low half that must follow a high surrogate.
Error expect_low_surrogate(const unsigned char*& p, const unsigned char* end) noexcept {
    if (end - p < 2 || p[0] != '\\' || p[1] != 'u') return Error::encoding;  // unpaired
    if (end - p < 6) return Error::syntax;
    const long lo = hex4(p + 2);
    if (lo < 0) return Error::syntax;
    if (lo < 0xDC00 || lo > 0xDFFF) return Error::encoding;
    p += 6;
    return Error::none;
}

// p points at the byte after '\\'.
Error scan_escape(const unsigned char*& p, const unsigned char* end) noexcept {
    if (p == end) return Error::syntax;
    switch (*p) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            ++p;
            return Error::none;
        case 'u': break;
        default: return Error::syntax;
    }
    if (end - p < 5) return Error::syntax;
    const long cp = hex4(p + 1);
    if (cp < 0) return Error::syntax;
    p += 5;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return Error::encoding;  // low half first
    if (cp >= 0xD800 && cp <= 0xDBFF) return expect_low_surrogate(p, end);
    return Error::none;
}

}  // namespace

Error scan_string(const unsigned char*& p, const unsigned char* end, bool& escaped) noexcept {
    for (;;) {
        // Plain ASCII runs: eight bytes per step.
        while (end - p >= 8) {
            const uint64_t mask = string_special_mask(load8(p));
            if (mask != 0) {
                p += first_flagged(mask);
                break;
            }
            p += 8;
        }
        if (p == end) return Error::syntax;
        const unsigned char c = *p;
        if (c == '"') {
            ++p;
            return Error::none;
        }
        if (c == '\\') {
            escaped = true;
            ++p;
            const Error e = scan_escape(p, end);
            if (e != Error::none) return e;
        } else if (c < 0x20) {
            return Error::syntax;
        } else if (c < 0x80) {
            ++p;
        } else {
            const size_t n = utf8_sequence(p, end);
            if (n == 0) return Error::encoding;
            p += n;
        }
    }
}

}  // namespace detail

namespace {

using detail::scan_string;

bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

Type type_of(unsigned char first) {
    switch (first) {
        case '{': return Type::object;
        case '[': return Type::array;
        case '"': return Type::string;
        case 't': case 'f': return Type::boolean;
        case 'n': return Type::null;
        default: return Type::number;
    }
}

class Parser {
public:
    Parser(std::string_view text, unsigned max_depth, Member* members, size_t max_members)
        : p_(reinterpret_cast<const unsigned char*>(text.data())),
          end_(p_ + text.size()),
          max_depth_(max_depth < kMaxDepthCap ? max_depth : kMaxDepthCap),
          members_(members),
          max_members_(max_members) {}

    Error run() noexcept;
    size_t count() const noexcept { return count_; }

private:
    void skip_ws() noexcept {
        while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
    }
    bool top_is_object() const noexcept {
        const unsigned i = depth_ - 1;
        return (stack_[i / 64] >> (i % 64) & 1) != 0;
    }
    void push(bool object) noexcept {
        const unsigned i = depth_++;
        const uint64_t bit = uint64_t{1} << (i % 64);
        stack_[i / 64] = object ? stack_[i / 64] | bit : stack_[i / 64] & ~bit;
    }
    bool recording() const noexcept { return members_ != nullptr && depth_ == 1; }

    Error scalar() noexcept;
    Error number() noexcept;
    Error literal(const char* word, size_t len) noexcept;
    Error member_key() noexcept;
    Error record_key(const unsigned char* body, bool escaped) noexcept;

    const unsigned char* p_;
    const unsigned char* const end_;
    const unsigned max_depth_;
    unsigned depth_ = 0;
    uint64_t stack_[kMaxDepthCap / 64] = {};
    Member* const members_;  // null: validate only
    const size_t max_members_;
    size_t count_ = 0;
    const unsigned char* value_start_ = nullptr;  // current top-level member's value
};

Error Parser::literal(const char* word, size_t len) noexcept {
    if (static_cast<size_t>(end_ - p_) < len || std::memcmp(p_, word, len) != 0) return Error::syntax;
    p_ += len;
    return Error::none;
}

// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
Error Parser::number() noexcept {
    if (p_ != end_ && *p_ == '-') ++p_;
    if (p_ == end_) return Error::syntax;
    if (*p_ == '0') {
        ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
        while (p_ != end_ && is_digit(*p_)) ++p_;
    } else {
        return Error::syntax;
    }
    if (p_ != end_ && *p_ == '.') {
        ++p_;
        if (p_ == end_ || !is_digit(*p_)) return Error::syntax;
        while (p_ != end_ && is_digit(*p_)) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
        ++p_;
        if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
        if (p_ == end_ || !is_digit(*p_)) return Error::syntax;
        while (p_ != end_ && is_digit(*p_)) ++p_;
    }
    return Error::none;
}

// A value that is not a container, at p_ (not at end).
Error Parser::scalar() noexcept {
    switch (*p_) {
        case '"': {
            bool escaped = false;
            ++p_;
            return scan_string(p_, end_, escaped);
        }
        case 't': return literal("true", 4);
        case 'f': return literal("false", 5);
        case 'n': return literal("null", 4);
        default: return number();
    }
}

Error Parser::record_key(const unsigned char* body, bool escaped) noexcept {
    if (count_ == max_members_) return Error::too_many_members;
    const std::string_view key(reinterpret_cast<const char*>(body),
                               static_cast<size_t>(p_ - 1 - body));
    for (size_t i = 0; i < count_; ++i) {
        if (detail::keys_equal(members_[i].key, members_[i].key_escaped, key, escaped))
            return Error::duplicate_key;
    }
    members_[count_].key = key;
    members_[count_].key_escaped = escaped;
    members_[count_].value = Value{};
    ++count_;
    return Error::none;
}

// At the start of an object member: "key" ws ':' ws, leaving p_ at the value.
Error Parser::member_key() noexcept {
    if (p_ == end_ || *p_ != '"') return Error::syntax;
    const unsigned char* body = ++p_;
    bool escaped = false;
    Error e = scan_string(p_, end_, escaped);
    if (e != Error::none) return e;
    if (recording() && (e = record_key(body, escaped)) != Error::none) return e;
    skip_ws();
    if (p_ == end_ || *p_ != ':') return Error::syntax;
    ++p_;
    skip_ws();
    if (recording()) value_start_ = p_;
    return Error::none;
}

Error Parser::run() noexcept {
    skip_ws();
    for (;;) {
        // Expect a value at p_.
        if (p_ == end_) return Error::syntax;
        const unsigned char c = *p_;
        if (c == '{' || c == '[') {
            if (depth_ >= max_depth_) return Error::depth;
            const bool object = c == '{';
            push(object);
            ++p_;
            skip_ws();
            if (p_ == end_ || *p_ != (object ? '}' : ']')) {
                if (object) {
                    const Error e = member_key();
                    if (e != Error::none) return e;
                }
                continue;
            }
            ++p_;  // empty container
            --depth_;
        } else {
            const Error e = scalar();
            if (e != Error::none) return e;
        }
        // A value just ended at p_: close containers until one wants more.
        for (;;) {
            if (depth_ == 0) {
                skip_ws();
                return p_ == end_ ? Error::none : Error::syntax;
            }
            if (recording()) {
                Member& m = members_[count_ - 1];
                m.value.type = type_of(*value_start_);
                m.value.raw = std::string_view(reinterpret_cast<const char*>(value_start_),
                                               static_cast<size_t>(p_ - value_start_));
            }
            skip_ws();
            if (p_ == end_) return Error::syntax;
            const unsigned char d = *p_++;
            const bool object = top_is_object();
            if (d == ',') {
                skip_ws();
                if (object) {
                    const Error e = member_key();
                    if (e != Error::none) return e;
                }
                break;
            }
            if (d != (object ? '}' : ']')) return Error::syntax;
            --depth_;
        }
    }
}

}  // namespace

Error validate(std::string_view text, unsigned max_depth) noexcept {
    Parser parser(text, max_depth, nullptr, 0);
    return parser.run();
}

Error parse_object(std::string_view text, Member* members, size_t& count,
                   const Limits& limits) noexcept {
    count = 0;
    size_t i = 0;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t')) ++i;
    const bool object = i < text.size() && text[i] == '{';
    Parser parser(text, limits.max_depth, object ? members : nullptr, limits.max_members);
    const Error e = parser.run();
    if (e != Error::none) return e;
    if (!object) return Error::not_object;
    count = parser.count();
    return Error::none;
}

}  // namespace wshub::json
