// libFuzzer target for the json module. An independent recursive reference
// (bounded depth, written from the RFC 8259 grammar in a different style: it
// decodes as it goes and checks UTF-8 by decoding and re-encoding) decides each
// input; json::validate must agree on the verdict and on the error kind, at two
// depth limits. For inputs that validate: parse_object must return the same
// members (decoded keys, raw spans, types) or the same limit error, every
// string member must decode to the reference's text, plain_string, to_uint64,
// find and decode_key must agree, and the Writer must turn each decoded string
// into JSON that validates and decodes back identically. The raw input is also
// written as a string and must come back unchanged when it is valid UTF-8.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"
#include "require.h"

using namespace wshub::json;

namespace {

using fuzz::require;

struct RefMember {
    std::string key;
    size_t begin, end;  // value span
    Type type;
    std::string decoded;  // for strings
};

class Reference {
public:
    Reference(const uint8_t* s, size_t n, int max_depth) : s_(s), n_(n), max_depth_(max_depth) {}

    Error run(std::vector<RefMember>* top) {
        top_ = top;
        ws();
        if (!value(0)) return err_;
        ws();
        if (i_ != n_) return Error::syntax;
        return Error::none;
    }
    bool top_is_object() const { return top_object_; }

private:
    bool fail(Error e) {
        err_ = e;
        return false;
    }
    bool at(char c) const { return i_ < n_ && s_[i_] == c; }
    void ws() {
        while (i_ < n_ && std::string_view(" \t\r\n").find(static_cast<char>(s_[i_])) != std::string_view::npos) ++i_;
    }

    bool value(int depth, std::string* decoded = nullptr) {
        if (i_ >= n_) return fail(Error::syntax);
        switch (s_[i_]) {
            case '{': return object(depth + 1);
            case '[': return array(depth + 1);
            case '"': {
                std::string tmp;
                return string(decoded ? *decoded : tmp);
            }
            case 't': return word("true");
            case 'f': return word("false");
            case 'n': return word("null");
            default: return number();
        }
    }

    bool word(std::string_view w) {
        if (n_ - i_ < w.size() || std::string_view(reinterpret_cast<const char*>(s_ + i_), w.size()) != w)
            return fail(Error::syntax);
        i_ += w.size();
        return true;
    }

    // The maximal run of number characters must match the grammar exactly.
    bool number() {
        size_t j = i_;
        while (j < n_ && std::string_view("0123456789+-.eE").find(static_cast<char>(s_[j])) != std::string_view::npos) ++j;
        const std::string t(reinterpret_cast<const char*>(s_ + i_), j - i_);
        i_ = j;
        size_t k = 0;
        auto digits = [&] {
            const size_t from = k;
            while (k < t.size() && t[k] >= '0' && t[k] <= '9') ++k;
            return k - from;
        };
        if (k < t.size() && t[k] == '-') ++k;
        if (k < t.size() && t[k] == '0') {
            ++k;
        } else if (k >= t.size() || t[k] < '1' || t[k] > '9' || digits() == 0) {
            return fail(Error::syntax);
        }
        if (k < t.size() && t[k] == '.') {
            ++k;
            if (digits() == 0) return fail(Error::syntax);
        }
        if (k < t.size() && (t[k] == 'e' || t[k] == 'E')) {
            ++k;
            if (k < t.size() && (t[k] == '+' || t[k] == '-')) ++k;
            if (digits() == 0) return fail(Error::syntax);
        }
        return k == t.size() ? true : fail(Error::syntax);
    }

    bool hex4(size_t at, uint32_t& v) const {
        if (n_ < at + 4) return false;
        v = 0;
        for (size_t k = at; k < at + 4; ++k) {
            const char c = static_cast<char>(s_[k]);
            const char* digits = "0123456789abcdef0123456789ABCDEF";
            const char* f = std::strchr(digits, c);
            if (c == 0 || f == nullptr) return false;
            v = v * 16 + static_cast<uint32_t>((f - digits) % 16);
        }
        return true;
    }

    static void put(std::string& out, uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | cp >> 6);
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | cp >> 12);
            out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | cp >> 18);
            out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
            out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    // One UTF-8 character at i_ (non-ASCII lead), decoded and re-encoded.
    bool utf8_char(std::string& out) {
        const uint8_t b = s_[i_];
        const size_t len = b >= 0xF0 && b < 0xF8 ? 4 : b >= 0xE0 && b < 0xF0 ? 3 : b >= 0xC0 && b < 0xE0 ? 2 : 0;
        if (len == 0 || n_ - i_ < len) return fail(Error::encoding);
        uint32_t cp = b & (0x7F >> len);
        for (size_t k = 1; k < len; ++k) {
            if ((s_[i_ + k] & 0xC0) != 0x80) return fail(Error::encoding);
            cp = cp << 6 | (s_[i_ + k] & 0x3F);
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return fail(Error::encoding);
        std::string again;
        put(again, cp);
        if (again != std::string(reinterpret_cast<const char*>(s_ + i_), len)) return fail(Error::encoding);
        out += again;
        i_ += len;
        return true;
    }

    bool escape(std::string& out) {
        ++i_;  // the backslash
        if (i_ >= n_) return fail(Error::syntax);
        const char c = static_cast<char>(s_[i_]);
        const std::string_view from = "\"\\/bfnrt", to = "\"\\/\b\f\n\r\t";
        if (const size_t k = from.find(c); k != std::string_view::npos && c != 0) {
            out += to[k];
            ++i_;
            return true;
        }
        if (c != 'u') return fail(Error::syntax);
        uint32_t cp;
        if (!hex4(i_ + 1, cp)) return fail(Error::syntax);
        i_ += 5;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(Error::encoding);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!(i_ + 1 < n_ && s_[i_] == '\\' && s_[i_ + 1] == 'u')) return fail(Error::encoding);
            uint32_t lo;
            if (!hex4(i_ + 2, lo)) return fail(Error::syntax);
            if (lo < 0xDC00 || lo > 0xDFFF) return fail(Error::encoding);
            i_ += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        put(out, cp);
        return true;
    }

    bool string(std::string& out) {
        ++i_;  // the quote
        for (;;) {
            if (i_ >= n_) return fail(Error::syntax);
            const uint8_t c = s_[i_];
            if (c == '"') {
                ++i_;
                return true;
            }
            if (c < 0x20) return fail(Error::syntax);
            if (c == '\\') {
                if (!escape(out)) return false;
            } else if (c >= 0x80) {
                if (!utf8_char(out)) return false;
            } else {
                out += static_cast<char>(c);
                ++i_;
            }
        }
    }

    bool array(int depth) {
        if (depth > max_depth_) return fail(Error::depth);
        ++i_;
        ws();
        if (at(']')) {
            ++i_;
            return true;
        }
        for (;;) {
            if (!value(depth)) return false;
            ws();
            if (at(',')) {
                ++i_;
                ws();
                continue;
            }
            if (at(']')) {
                ++i_;
                return true;
            }
            return fail(Error::syntax);
        }
    }

    bool object(int depth) {
        if (depth > max_depth_) return fail(Error::depth);
        const bool top = depth == 1 && top_ != nullptr;
        if (depth == 1) top_object_ = true;
        ++i_;
        ws();
        if (at('}')) {
            ++i_;
            return true;
        }
        for (;;) {
            if (!at('"')) return fail(Error::syntax);
            std::string key;
            if (!string(key)) return false;
            ws();
            if (!at(':')) return fail(Error::syntax);
            ++i_;
            ws();
            RefMember m{key, i_, 0, Type::null, {}};
            if (i_ < n_) {
                const char c = static_cast<char>(s_[i_]);
                m.type = c == '{' ? Type::object : c == '[' ? Type::array : c == '"' ? Type::string
                       : c == 't' || c == 'f' ? Type::boolean : c == 'n' ? Type::null : Type::number;
            }
            if (!value(depth, &m.decoded)) return false;
            m.end = i_;
            if (top) top_->push_back(std::move(m));
            ws();
            if (at(',')) {
                ++i_;
                ws();
                continue;
            }
            if (at('}')) {
                ++i_;
                return true;
            }
            return fail(Error::syntax);
        }
    }

    const uint8_t* s_;
    size_t n_;
    size_t i_ = 0;
    int max_depth_;
    Error err_ = Error::none;
    std::vector<RefMember>* top_ = nullptr;
    bool top_object_ = false;
};

bool valid_utf8(const uint8_t* data, size_t size) {
    // A JSON string of the raw bytes (escaping what must be) validates iff the bytes are UTF-8.
    std::string quoted = "\"";
    for (size_t i = 0; i < size; ++i) {
        if (data[i] < 0x20 || data[i] == '"' || data[i] == '\\') quoted += "\\u0020";
        else quoted += static_cast<char>(data[i]);
    }
    quoted += '"';
    return Reference(reinterpret_cast<const uint8_t*>(quoted.data()), quoted.size(), 0).run(nullptr) == Error::none;
}

// Writer::string(s) validates and decodes back to s.
void round_trip(std::string_view s) {
    std::string out;
    Writer w(out);
    w.string(s);
    require(validate(out, 0) == Error::none, "written string does not validate");
    std::string back;
    require(decode_string(out, back), "written string does not decode");
    require(back == s, "written string decodes differently");
}

constexpr size_t kMaxMembers = 64;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    for (const int depth : {4, 64}) {
        const Error want = Reference(data, size, depth).run(nullptr);
        const Error got = validate(text, static_cast<unsigned>(depth));
        if (got != want) {
            __builtin_printf("depth %d: got %s want %s\n", depth, error_name(got), error_name(want));
            require(false, "validate disagrees with the reference");
        }
    }

    // The raw input written as a string.
    {
        std::string out;
        append_escaped(out, text);
        require(validate(out, 0) == Error::none, "escaped input does not validate");
        if (valid_utf8(data, size)) {
            std::string back;
            require(decode_string(out, back) && back == text, "escaped input does not round-trip");
        }
    }

    std::vector<RefMember> ref;
    Reference r(data, size, 64);
    if (r.run(&ref) != Error::none) return 0;

    Member members[kMaxMembers];
    size_t count = 0;
    const Error e = parse_object(text, members, count, Limits{64, kMaxMembers});
    if (!r.top_is_object()) {
        require(e == Error::not_object, "non-object not reported");
        return 0;
    }
    // Expected limit errors, in key order.
    Error want = Error::none;
    std::set<std::string> seen;
    for (size_t i = 0; i < ref.size() && want == Error::none; ++i) {
        if (i == kMaxMembers) want = Error::too_many_members;
        else if (!seen.insert(ref[i].key).second) want = Error::duplicate_key;
    }
    require(e == want, "parse_object error disagrees");
    if (e != Error::none) return 0;
    require(count == ref.size(), "member count");

    for (size_t i = 0; i < count; ++i) {
        const Member& m = members[i];
        const RefMember& rm = ref[i];
        std::string key;
        require(decode_string("\"" + std::string(m.key) + "\"", key), "key does not decode");
        require(key == rm.key, "key differs");
        std::string key2;
        decode_key(m, key2);
        require(key2 == key, "decode_key differs");
        require(m.key_escaped == (m.key.find('\\') != std::string_view::npos), "key_escaped wrong");
        require(m.value.raw.data() == text.data() + rm.begin && m.value.raw.size() == rm.end - rm.begin,
                "raw span differs");
        require(m.value.type == rm.type, "type differs");
        require(find(members, count, rm.key) == &m.value, "find misses the key");
        require(validate(m.value.raw, 63) == Error::none, "member value does not validate alone");
        round_trip(key);

        if (m.value.type == Type::string) {
            std::string s;
            require(decode_string(m.value.raw, s), "string value does not decode");
            require(s == rm.decoded, "string value decodes differently");
            const auto plain = plain_string(m.value);
            if (plain) require(*plain == s, "plain_string differs from decoding");
            else require(m.value.raw.find('\\') != std::string_view::npos, "plain_string refused a plain string");
            round_trip(s);
        }
        uint64_t u = 0;
        const bool is_uint = to_uint64(m.value, u);
        const std::string_view raw = m.value.raw;
        const bool digits_only = m.value.type == Type::number &&
                                 raw.find_first_not_of("0123456789") == std::string_view::npos;
        bool fits = digits_only && (raw.size() < 20 || (raw.size() == 20 && raw <= "18446744073709551615"));
        require(is_uint == fits, "to_uint64 acceptance");
        if (is_uint) require(std::to_string(u) == raw, "to_uint64 value");
    }
    return 0;
}
