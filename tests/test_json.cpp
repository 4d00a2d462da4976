// json: RFC 8259 grammar tables (valid and invalid, with the error each must
// give), depth and member limits at their boundaries, exact raw views, string
// decoding (escapes, surrogates), integers, lookup, and the writer round trip.
// Inputs are copied into exact-size heap buffers so ASan sees any overread.
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "check.h"
#include "json/json.h"

using namespace wshub::json;

namespace {

// A copy of s in a buffer of exactly s.size() bytes (no terminator, no SSO).
struct Exact {
    explicit Exact(std::string_view s) : buf(new char[s.size() ? s.size() : 1]), n(s.size()) {
        if (n) std::memcpy(buf.get(), s.data(), n);
    }
    std::string_view view() const { return {buf.get(), n}; }
    std::unique_ptr<char[]> buf;
    size_t n;
};

Error check_validate(std::string_view s, unsigned depth = 32) {
    Exact e(s);
    return validate(e.view(), depth);
}

struct Case {
    const char* name;
    std::string_view text;
    Error want;
};

using SV = std::string_view;

const Case kValidate[] = {
    // Scalars and whitespace.
    {"zero", "0", Error::none},
    {"negative zero", "-0", Error::none},
    {"integer", "123", Error::none},
    {"negative", "-123", Error::none},
    {"fraction", "1.5", Error::none},
    {"zero fraction", "0.0", Error::none},
    {"exponent", "1e5", Error::none},
    {"exponent upper", "1E5", Error::none},
    {"exponent plus", "1e+5", Error::none},
    {"exponent minus", "1e-5", Error::none},
    {"exponent leading zeros", "1e007", Error::none},
    {"full number", "-12.340e+10", Error::none},
    {"zero exponent", "0e0", Error::none},
    {"huge number", "123456789012345678901234567890e999999", Error::none},
    {"true", "true", Error::none},
    {"false", "false", Error::none},
    {"null", "null", Error::none},
    {"empty string", "\"\"", Error::none},
    {"string", "\"abc\"", Error::none},
    {"surrounding whitespace", " \t\r\n1 \t\r\n", Error::none},
    {"whitespace everywhere", " { \"a\" : [ 1 , 2 ] , \"b\" : { } } ", Error::none},
    // Strings: escapes and UTF-8.
    {"all short escapes", "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", Error::none},
    {"u escape", "\"\\u0041\\u00e9\\u20AC\"", Error::none},
    {"u escape NUL", "\"\\u0000\"", Error::none},
    {"surrogate pair", "\"\\ud83d\\ude00\"", Error::none},
    {"surrogate pair upper", "\"\\uD83D\\uDE00\"", Error::none},
    {"max surrogate pair", "\"\\uDBFF\\uDFFF\"", Error::none},
    {"2-byte utf8", "\"\xC3\xA9\"", Error::none},
    {"3-byte utf8", "\"\xE2\x82\xAC\"", Error::none},
    {"4-byte utf8", "\"\xF0\x9F\x98\x80\"", Error::none},
    {"U+D7FF", "\"\xED\x9F\xBF\"", Error::none},
    {"U+10FFFF", "\"\xF4\x8F\xBF\xBF\"", Error::none},
    {"DEL unescaped", "\"\x7F\"", Error::none},
    {"U+2028 raw", "\"\xE2\x80\xA8\"", Error::none},
    // Containers.
    {"empty array", "[]", Error::none},
    {"empty object", "{}", Error::none},
    {"nested", "[[[]],{\"a\":{\"b\":[null]}}]", Error::none},
    {"array of all", "[1,\"a\",true,false,null,[],{}]", Error::none},
    {"nested duplicate keys", "{\"a\":1,\"a\":2}", Error::none},
    {"empty key", "{\"\":1}", Error::none},

    // Structure.
    {"empty input", "", Error::syntax},
    {"only whitespace", "  \n", Error::syntax},
    {"two values", "1 2", Error::syntax},
    {"garbage after", "{}x", Error::syntax},
    {"NUL after", SV("{}\0", 3), Error::syntax},
    {"trailing comma array", "[1,]", Error::syntax},
    {"trailing comma object", "{\"a\":1,}", Error::syntax},
    {"leading comma", "[,1]", Error::syntax},
    {"double comma", "[1,,2]", Error::syntax},
    {"missing comma", "[1 2]", Error::syntax},
    {"missing colon", "{\"a\" 1}", Error::syntax},
    {"missing value", "{\"a\":}", Error::syntax},
    {"unquoted key", "{a:1}", Error::syntax},
    {"number key", "{1:1}", Error::syntax},
    {"single quotes", "'a'", Error::syntax},
    {"single quoted key", "{'a':1}", Error::syntax},
    {"mismatched close", "[}", Error::syntax},
    {"mismatched close 2", "{\"a\":[}", Error::syntax},
    {"unclosed array", "[1", Error::syntax},
    {"unclosed object", "{\"a\":1", Error::syntax},
    {"extra close", "[]]", Error::syntax},
    {"lone close", "]", Error::syntax},
    {"colon in array", "[1:2]", Error::syntax},
    {"comma in object value", "{\"a\",1}", Error::syntax},
    {"line comment", "[1]//x", Error::syntax},
    {"block comment", "/*x*/[1]", Error::syntax},
    {"hash comment", "#x\n1", Error::syntax},
    // Whitespace that JSON does not allow.
    {"vertical tab", "\v1", Error::syntax},
    {"form feed", "\f1", Error::syntax},
    {"NBSP", "\xC2\xA0" "1", Error::syntax},
    {"BOM", "\xEF\xBB\xBF" "1", Error::syntax},
    // Literals.
    {"True", "True", Error::syntax},
    {"nul", "nul", Error::syntax},
    {"truex", "truex", Error::syntax},
    {"NaN", "NaN", Error::syntax},
    {"Infinity", "Infinity", Error::syntax},
    {"-Infinity", "-Infinity", Error::syntax},
    {"undefined", "undefined", Error::syntax},
    // Numbers.
    {"leading zero", "01", Error::syntax},
    {"negative leading zero", "-01", Error::syntax},
    {"leading zeros", "00", Error::syntax},
    {"plus", "+1", Error::syntax},
    {"leading dot", ".5", Error::syntax},
    {"trailing dot", "1.", Error::syntax},
    {"dot exponent", "1.e5", Error::syntax},
    {"bare minus", "-", Error::syntax},
    {"minus space", "- 1", Error::syntax},
    {"double minus", "--1", Error::syntax},
    {"exponent no digits", "1e", Error::syntax},
    {"exponent sign no digits", "1e+", Error::syntax},
    {"exponent double sign", "1e+-1", Error::syntax},
    {"hex", "0x10", Error::syntax},
    {"number then letter", "1a", Error::syntax},
    {"two dots", "1.2.3", Error::syntax},
    {"comma decimal", "[1,5.]", Error::syntax},
    {"leading zero in array", "[01]", Error::syntax},
    // Strings.
    {"unterminated", "\"abc", Error::syntax},
    {"unterminated after escape", "\"\\", Error::syntax},
    {"raw newline", "\"a\nb\"", Error::syntax},
    {"raw tab", "\"a\tb\"", Error::syntax},
    {"raw NUL", SV("\"\0\"", 3), Error::syntax},
    {"raw 0x1F", "\"\x1F\"", Error::syntax},
    {"bad escape", "\"\\a\"", Error::syntax},
    {"escape x", "\"\\x41\"", Error::syntax},
    {"escape apostrophe", "\"\\'\"", Error::syntax},
    {"escape zero", "\"\\0\"", Error::syntax},
    {"escape U upper", "\"\\U0041\"", Error::syntax},
    {"short u", "\"\\u004\"", Error::syntax},
    {"bad hex", "\"\\u00G1\"", Error::syntax},
    {"u at end", "\"\\u00", Error::syntax},
    {"lone high surrogate", "\"\\ud800\"", Error::encoding},
    {"lone low surrogate", "\"\\udc00\"", Error::encoding},
    {"high then ascii", "\"\\ud800a\"", Error::encoding},
    {"high then short escape", "\"\\ud800\\n\"", Error::encoding},
    {"high then BMP escape", "\"\\ud800\\u0041\"", Error::encoding},
    {"high then high", "\"\\ud800\\ud800\"", Error::encoding},
    {"reversed pair", "\"\\ude00\\ud83d\"", Error::encoding},
    {"high then bad hex", "\"\\ud800\\uZZZZ\"", Error::syntax},
    {"high then truncated", "\"\\ud800\\u12", Error::syntax},
    {"high at end", "\"\\ud800", Error::encoding},
    // UTF-8 inside strings (encoding) and outside them (syntax).
    {"lone continuation", "\"\x80\"", Error::encoding},
    {"overlong C0", "\"\xC0\x80\"", Error::encoding},
    {"overlong C1", "\"\xC1\xBF\"", Error::encoding},
    {"overlong E0", "\"\xE0\x9F\xBF\"", Error::encoding},
    {"overlong F0", "\"\xF0\x8F\xBF\xBF\"", Error::encoding},
    {"encoded surrogate", "\"\xED\xA0\x80\"", Error::encoding},
    {"above U+10FFFF", "\"\xF4\x90\x80\x80\"", Error::encoding},
    {"F5", "\"\xF5\x80\x80\x80\"", Error::encoding},
    {"FF", "\"\xFF\"", Error::encoding},
    {"truncated 2-byte", "\"\xC3\"", Error::encoding},
    {"truncated 3-byte", "\"\xE2\x82\"", Error::encoding},
    {"truncated 4-byte", "\"\xF0\x9F\x98\"", Error::encoding},
    {"truncated at end of input", "\"\xE2\x82", Error::encoding},
    {"utf8 outside string", "[\xC3\xA9]", Error::syntax},
};

}  // namespace

TEST(json_validate_table) {
    for (const Case& c : kValidate) {
        const Error got = check_validate(c.text);
        if (got != c.want) {
            check::fail(__FILE__, __LINE__,
                        std::string(c.name) + ": " + check::show(c.text) + " got " + error_name(got) +
                            " want " + error_name(c.want));
        }
    }
}

// Every proper prefix of a container document is an error, never a crash or
// an overread, and never "valid".
TEST(json_prefixes_rejected) {
    const char* docs[] = {
        "{\"type\":\"message\",\"room\":\"lobby\",\"data\":[1,-2.5e3,true,null,{\"k\":\"\\u00e9\\ud83d\\ude00\"}]}",
        "[\"\xF0\x9F\x98\x80\",\"abcdefghijklmnop\\n\",{}]",
    };
    for (const char* d : docs) {
        const std::string_view s(d);
        CHECK_EQ(check_validate(s), Error::none);
        for (size_t n = 0; n < s.size(); ++n) {
            const Error e = check_validate(s.substr(0, n));
            if (e == Error::none) check::fail(__FILE__, __LINE__, "prefix valid: " + check::show(s.substr(0, n)));
        }
    }
}

// The 8-byte fast path must see a special byte at every offset.
TEST(json_string_fast_path_offsets) {
    for (size_t i = 0; i < 24; ++i) {
        std::string body(24, 'a');
        std::string s = "\"" + body + "\"";
        CHECK_EQ(check_validate(s), Error::none);
        std::string ctl = s;
        ctl[1 + i] = '\x01';
        CHECK_EQ(check_validate(ctl), Error::syntax);
        std::string quote = s;
        quote[1 + i] = '"';
        CHECK_EQ(check_validate(quote), Error::syntax);  // text after the string
        std::string bad = s;
        bad[1 + i] = '\x80';
        CHECK_EQ(check_validate(bad), Error::encoding);
        std::string esc = "\"" + body.substr(0, i) + "\\n" + body.substr(i) + "\"";
        CHECK_EQ(check_validate(esc), Error::none);
        std::string utf = "\"" + body.substr(0, i) + "\xE2\x82\xAC" + body.substr(i) + "\"";
        CHECK_EQ(check_validate(utf), Error::none);
        std::string high = s;
        high[1 + i] = '\x7F';
        CHECK_EQ(check_validate(high), Error::none);
        std::string space = s;
        space[1 + i] = ' ';
        CHECK_EQ(check_validate(space), Error::none);
    }
}

TEST(json_depth_boundary) {
    for (unsigned limit : {0u, 1u, 2u, 31u, 32u, 100u, kMaxDepthCap}) {
        for (const char* open : {"[", "{\"k\":"}) {
            const bool arr = open[0] == '[';
            auto nest = [&](unsigned n) {
                std::string s;
                for (unsigned i = 0; i < n; ++i) s += open;
                s += "0";
                for (unsigned i = 0; i < n; ++i) s += arr ? "]" : "}";
                return s;
            };
            CHECK_EQ(check_validate(nest(limit), limit), Error::none);
            CHECK_EQ(check_validate(nest(limit + 1), limit), Error::depth);
        }
    }
    // Empty containers count too.
    CHECK_EQ(check_validate("[]", 0), Error::depth);
    CHECK_EQ(check_validate("{}", 1), Error::none);
    CHECK_EQ(check_validate("[{}]", 1), Error::depth);
    CHECK_EQ(check_validate("7", 0), Error::none);
    // Siblings do not add up.
    CHECK_EQ(check_validate("[[1],[2],[[3]]]", 3), Error::none);
    // Limits above the cap act as the cap.
    std::string deep(kMaxDepthCap + 1, '[');
    CHECK_EQ(check_validate(deep, 100000), Error::depth);
}

TEST(json_depth_megabyte) {
    const std::string opens(1 << 20, '[');
    CHECK_EQ(check_validate(opens, 32), Error::depth);
    CHECK_EQ(check_validate(opens, kMaxDepthCap), Error::depth);
    std::string objs;
    for (int i = 0; i < (1 << 18); ++i) objs += "{\"a\":";
    CHECK_EQ(check_validate(objs, 32), Error::depth);
    const std::string closes(1 << 20, ']');
    CHECK_EQ(check_validate(closes, 32), Error::syntax);
    // A 1 MB wide (not deep) document is fine.
    std::string wide = "[";
    while (wide.size() < (1 << 20)) wide += "[1,{\"a\":\"b\"}],";
    wide += "0]";
    CHECK_EQ(check_validate(wide, 3), Error::none);
    CHECK_EQ(check_validate(wide, 2), Error::depth);
}

namespace {

struct Parsed {
    Error err;
    size_t count = 0;
    Member members[8];
};

// Parses from `text` itself (views stay valid while text lives).
Parsed parse(std::string_view text, size_t max_members = 8, unsigned depth = 32) {
    Parsed p;
    p.err = parse_object(text, p.members, p.count, Limits{depth, max_members});
    return p;
}

}  // namespace

TEST(json_parse_object_members) {
    const std::string text =
        " {\"type\":\"message\", \"room\" : \"lobby\",\"data\": [1, {\"a\":2}] ,\"n\":-1.5e2,"
        "\"t\":true,\"f\":false,\"z\":null,\"o\":{ }} ";
    const Parsed p = parse(text);
    CHECK_EQ(p.err, Error::none);
    CHECK_EQ(p.count, size_t{8});
    const struct {
        const char* key;
        Type type;
        const char* raw;
    } want[] = {
        {"type", Type::string, "\"message\""}, {"room", Type::string, "\"lobby\""},
        {"data", Type::array, "[1, {\"a\":2}]"}, {"n", Type::number, "-1.5e2"},
        {"t", Type::boolean, "true"},           {"f", Type::boolean, "false"},
        {"z", Type::null, "null"},              {"o", Type::object, "{ }"},
    };
    for (size_t i = 0; i < p.count && i < 8; ++i) {
        CHECK_EQ(p.members[i].key, std::string_view(want[i].key));
        CHECK(!p.members[i].key_escaped);
        CHECK_EQ(p.members[i].value.type, want[i].type);
        CHECK_EQ(p.members[i].value.raw, std::string_view(want[i].raw));
        // Views point into the input.
        CHECK(p.members[i].value.raw.data() >= text.data() &&
              p.members[i].value.raw.data() + p.members[i].value.raw.size() <= text.data() + text.size());
    }
    const Value* data = find(p.members, p.count, "data");
    CHECK(data != nullptr);
    if (data) CHECK_EQ(data->raw, std::string_view("[1, {\"a\":2}]"));
    CHECK(find(p.members, p.count, "missing") == nullptr);
    CHECK(find(p.members, p.count, "typ") == nullptr);
    CHECK(find(p.members, p.count, "types") == nullptr);
}

TEST(json_parse_object_exact_spec_example) {
    const std::string text = "{\"data\": [1, {\"a\":2}] }";
    const Parsed p = parse(text);
    CHECK_EQ(p.err, Error::none);
    const Value* v = find(p.members, p.count, "data");
    CHECK(v != nullptr);
    if (v) CHECK_EQ(v->raw, std::string_view("[1, {\"a\":2}]"));
}

TEST(json_parse_object_empty_and_not_object) {
    Parsed p = parse("{}");
    CHECK_EQ(p.err, Error::none);
    CHECK_EQ(p.count, size_t{0});
    p = parse(" { } ");
    CHECK_EQ(p.err, Error::none);
    for (const char* s : {"[]", "1", "\"x\"", "null", " [ {\"a\":1} ] "}) CHECK_EQ(parse(s).err, Error::not_object);
    // Invalid text reports its own error, not not_object.
    CHECK_EQ(parse("[1,]").err, Error::syntax);
    CHECK_EQ(parse("").err, Error::syntax);
    CHECK_EQ(parse("{\"a\":1}}").err, Error::syntax);
    CHECK_EQ(parse("{\"a\":\"\\ud800\"}").err, Error::encoding);
}

TEST(json_parse_object_max_members) {
    CHECK_EQ(parse("{\"a\":1,\"b\":2,\"c\":3}", 3).err, Error::none);
    CHECK_EQ(parse("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", 3).err, Error::too_many_members);
    CHECK_EQ(parse("{}", 0).err, Error::none);
    CHECK_EQ(parse("{\"a\":1}", 0).err, Error::too_many_members);
    // Nested members do not count.
    const Parsed p = parse("{\"a\":{\"x\":1,\"y\":2,\"z\":3},\"b\":[1,2,3,4]}", 2);
    CHECK_EQ(p.err, Error::none);
    CHECK_EQ(p.count, size_t{2});
}

TEST(json_parse_object_depth) {
    // The object itself is depth 1.
    CHECK_EQ(parse("{\"a\":1}", 8, 1).err, Error::none);
    CHECK_EQ(parse("{\"a\":[]}", 8, 1).err, Error::depth);
    CHECK_EQ(parse("{\"a\":[{}]}", 8, 2).err, Error::depth);
    CHECK_EQ(parse("{\"a\":[{}]}", 8, 3).err, Error::none);
    CHECK_EQ(parse("{}", 8, 0).err, Error::depth);
}

TEST(json_parse_object_duplicates) {
    CHECK_EQ(parse("{\"a\":1,\"a\":2}").err, Error::duplicate_key);
    CHECK_EQ(parse("{\"a\":1,\"b\":2,\"a\":{}}").err, Error::duplicate_key);
    // Equal after decoding.
    CHECK_EQ(parse("{\"a\":1,\"\\u0061\":2}").err, Error::duplicate_key);
    CHECK_EQ(parse("{\"\\u0061\":1,\"a\":2}").err, Error::duplicate_key);
    CHECK_EQ(parse("{\"\\/\":1,\"/\":2}").err, Error::duplicate_key);
    CHECK_EQ(parse("{\"\xC3\xA9\":1,\"\\u00e9\":2}").err, Error::duplicate_key);
    CHECK_EQ(parse("{\"\\ud83d\\ude00\":1,\"\xF0\x9F\x98\x80\":2}").err, Error::duplicate_key);
    CHECK_EQ(parse("{\"\":1,\"\":2}").err, Error::duplicate_key);
    // Different keys, including prefixes.
    CHECK_EQ(parse("{\"a\":1,\"ab\":2,\"\\u0061b\\u0063\":3,\"\":4}").err, Error::none);
    // Nested objects may repeat keys: they are opaque payload.
    CHECK_EQ(parse("{\"data\":{\"a\":1,\"a\":2}}").err, Error::none);
}

TEST(json_find_escaped_keys) {
    const std::string text = "{\"t\\u0079pe\":\"join\",\"r\\\"q\":1,\"\\u00e9\":2,\"\\ud83d\\ude00\":3}";
    const Parsed p = parse(text);
    CHECK_EQ(p.err, Error::none);
    CHECK_EQ(p.count, size_t{4});
    CHECK(p.members[0].key_escaped);
    const Value* v = find(p.members, p.count, "type");
    CHECK(v != nullptr);
    if (v) CHECK_EQ(v->raw, std::string_view("\"join\""));
    CHECK(find(p.members, p.count, "r\"q") != nullptr);
    CHECK(find(p.members, p.count, "r\\\"q") == nullptr);  // raw spelling is not the key
    CHECK(find(p.members, p.count, "\xC3\xA9") != nullptr);
    CHECK(find(p.members, p.count, "\xF0\x9F\x98\x80") != nullptr);
    CHECK(find(p.members, p.count, "typ") == nullptr);
    CHECK(find(p.members, p.count, "typee") == nullptr);
    CHECK(find(p.members, p.count, "t\\u0079pe") == nullptr);
    const char* decoded[] = {"type", "r\"q", "\xC3\xA9", "\xF0\x9F\x98\x80"};
    for (size_t i = 0; i < p.count && i < 4; ++i) {
        std::string k = "k:";
        decode_key(p.members[i], k);
        CHECK_EQ(k, "k:" + std::string(decoded[i]));
    }
}

namespace {

struct DecodeCase {
    const char* name;
    std::string_view raw;
    bool ok;
    std::string_view want;
};

const DecodeCase kDecode[] = {
    {"empty", "\"\"", true, ""},
    {"plain", "\"lobby\"", true, "lobby"},
    {"short escapes", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", true, "\"\\/\b\f\n\r\t"},
    {"NUL", "\"a\\u0000b\"", true, SV("a\0b", 3)},
    {"1-byte", "\"\\u0041\"", true, "A"},
    {"U+007F", "\"\\u007f\"", true, "\x7F"},
    {"U+0080", "\"\\u0080\"", true, "\xC2\x80"},
    {"U+07FF", "\"\\u07FF\"", true, "\xDF\xBF"},
    {"U+0800", "\"\\u0800\"", true, "\xE0\xA0\x80"},
    {"U+D7FF", "\"\\uD7FF\"", true, "\xED\x9F\xBF"},
    {"U+E000", "\"\\ue000\"", true, "\xEE\x80\x80"},
    {"U+FFFF", "\"\\uffff\"", true, "\xEF\xBF\xBF"},
    {"U+1F600 pair", "\"\\ud83d\\ude00\"", true, "\xF0\x9F\x98\x80"},
    {"U+10000 pair", "\"\\uD800\\uDC00\"", true, "\xF0\x90\x80\x80"},
    {"U+10FFFF pair", "\"\\uDBFF\\uDFFF\"", true, "\xF4\x8F\xBF\xBF"},
    {"raw utf8 kept", "\"\xC3\xA9-\xF0\x9F\x98\x80\"", true, "\xC3\xA9-\xF0\x9F\x98\x80"},
    {"mixed", "\"x\\ty\xE2\x82\xAC\\u20ac\"", true, "x\ty\xE2\x82\xAC\xE2\x82\xAC"},
    {"lone high", "\"\\ud83d\"", false, ""},
    {"lone low", "\"\\ude00\"", false, ""},
    {"high high", "\"\\ud83d\\ud83d\"", false, ""},
    {"high then text", "\"\\ud83dx\"", false, ""},
    {"no quotes", "abc", false, ""},
    {"one quote", "\"", false, ""},
    {"missing close", "\"abc", false, ""},
    {"text after", "\"a\"b", false, ""},
    {"two strings", "\"a\"\"b\"", false, ""},
    {"space before", " \"a\"", false, ""},
    {"bad escape", "\"\\q\"", false, ""},
    {"raw control", "\"\x01\"", false, ""},
    {"bad utf8", "\"\xC0\x80\"", false, ""},
};

}  // namespace

TEST(json_decode_string_table) {
    for (const DecodeCase& c : kDecode) {
        Exact e(c.raw);
        std::string out = "prefix";
        const bool ok = decode_string(e.view(), out);
        if (ok != c.ok) {
            check::fail(__FILE__, __LINE__, std::string(c.name) + ": ok " + check::show(ok));
            continue;
        }
        const std::string want = c.ok ? "prefix" + std::string(c.want) : "prefix";
        if (out != want) check::fail(__FILE__, __LINE__, std::string(c.name) + ": " + check::show(out) + " vs " + check::show(want));
    }
}

TEST(json_plain_string) {
    CHECK(plain_string(Value{Type::string, "\"lobby\""}) == std::optional<std::string_view>("lobby"));
    CHECK(plain_string(Value{Type::string, "\"\""}) == std::optional<std::string_view>(""));
    CHECK(!plain_string(Value{Type::string, "\"a\\nb\""}));
    CHECK(!plain_string(Value{Type::number, "12"}));
    CHECK(!plain_string(Value{Type::null, "null"}));
    const Parsed p = parse("{\"room\":\"caf\xC3\xA9\"}");
    const Value* v = find(p.members, p.count, "room");
    CHECK(v != nullptr);
    if (v) CHECK(plain_string(*v) == std::optional<std::string_view>("caf\xC3\xA9"));
}

TEST(json_to_uint64_table) {
    const struct {
        const char* name;
        std::string_view text;
        bool ok;
        uint64_t want;
    } cases[] = {
        {"zero", "0", true, 0},
        {"one", "1", true, 1},
        {"42", "42", true, 42},
        {"2^32", "4294967296", true, 4294967296ull},
        {"max", "18446744073709551615", true, UINT64_MAX},
        {"max-1", "18446744073709551614", true, UINT64_MAX - 1},
        {"max+1", "18446744073709551616", false, 0},
        {"max*10", "184467440737095516150", false, 0},
        {"far over", "99999999999999999999", false, 0},
        {"minus one", "-1", false, 0},
        {"minus zero", "-0", false, 0},
        {"fraction", "1.0", false, 0},
        {"exponent", "1e2", false, 0},
        {"exponent zero", "0e0", false, 0},
    };
    for (const auto& c : cases) {
        CHECK_EQ(check_validate(c.text), Error::none);
        uint64_t got = 7;
        const bool ok = to_uint64(Value{Type::number, c.text}, got);
        if (ok != c.ok || (ok && got != c.want))
            check::fail(__FILE__, __LINE__, std::string(c.name) + ": " + check::show(ok) + " " + check::show(got));
        if (!ok) CHECK_EQ(got, uint64_t{7});  // untouched
    }
    uint64_t x = 0;
    CHECK(!to_uint64(Value{Type::string, "\"1\""}, x));
    CHECK(!to_uint64(Value{Type::number, ""}, x));
    CHECK(!to_uint64(Value{Type::number, "01"}, x));
    // From a parsed message.
    const Parsed p = parse("{\"type\":\"direct\",\"to\":42}");
    const Value* to = find(p.members, p.count, "to");
    CHECK(to != nullptr && to_uint64(*to, x) && x == 42);
}

TEST(json_writer_structure) {
    std::string out;
    Writer w(out);
    w.begin_object();
    w.key("type");
    w.string("message");
    w.key("room");
    w.string("lobby");
    w.key("from");
    w.string("7");
    w.key("data");
    w.raw("[1, {\"a\":2}]");
    w.key("ts");
    w.number(uint64_t{1700000000123});
    w.key("list");
    w.begin_array();
    w.number(-1);
    w.number(0u);
    w.boolean(true);
    w.null();
    w.begin_object();
    w.end_object();
    w.begin_array();
    w.end_array();
    w.string("");
    w.end_array();
    w.key("e");
    w.begin_object();
    w.key("x");
    w.begin_array();
    w.end_array();
    w.end_object();
    w.end_object();
    CHECK_EQ(out, std::string("{\"type\":\"message\",\"room\":\"lobby\",\"from\":\"7\",\"data\":[1, {\"a\":2}],"
                              "\"ts\":1700000000123,\"list\":[-1,0,true,null,{},[],\"\"],\"e\":{\"x\":[]}}"));
    CHECK_EQ(validate(out, 3), Error::none);
}

TEST(json_writer_numbers) {
    std::string out;
    Writer w(out);
    w.begin_array();
    w.number(INT64_MIN);
    w.number(INT64_MAX);
    w.number(UINT64_MAX);
    w.number(int8_t{-5});
    w.number(uint16_t{65535});
    w.number(false);
    w.end_array();
    CHECK_EQ(out, std::string("[-9223372036854775808,9223372036854775807,18446744073709551615,-5,65535,false]"));
    CHECK_EQ(validate(out, 1), Error::none);
}

TEST(json_writer_escapes) {
    const struct {
        std::string_view in;
        std::string_view want;
    } cases[] = {
        {"plain", "\"plain\""},
        {"\"", "\"\\\"\""},
        {"\\", "\"\\\\\""},
        {"/", "\"/\""},
        {"\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\""},
        {SV("\0", 1), "\"\\u0000\""},
        {"\x1F\x01", "\"\\u001f\\u0001\""},
        {"\x7F", "\"\x7F\""},
        {"\xC3\xA9\xF0\x9F\x98\x80", "\"\xC3\xA9\xF0\x9F\x98\x80\""},
        {"a\xE2\x80\xA8" "b\xE2\x80\xA9", "\"a\\u2028b\\u2029\""},
        {"\xE2\x80\xA7", "\"\xE2\x80\xA7\""},  // U+2027 passes
        // Invalid UTF-8 becomes U+FFFD per bad byte.
        {"\xFF", "\"\xEF\xBF\xBD\""},
        {"a\xC3", "\"a\xEF\xBF\xBD\""},
        {"\xC0\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},
        {"\xED\xA0\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},
        {"0123456789abcdef\"0123456789", "\"0123456789abcdef\\\"0123456789\""},
    };
    for (const auto& c : cases) {
        std::string out;
        append_escaped(out, Exact(c.in).view());
        CHECK_EQ(out, std::string(c.want));
        CHECK_EQ(check_validate(out), Error::none);
    }
}

// What the writer writes validates and decodes back to the same string; an
// input with invalid UTF-8 decodes back with U+FFFD in place of each bad byte.
TEST(json_writer_round_trip) {
    struct Input {
        std::string text;
        std::string want;  // decoded result
    };
    std::vector<Input> inputs;
    std::string all_controls;
    for (int c = 0; c < 0x20; ++c) all_controls += static_cast<char>(c);
    inputs.push_back({all_controls, all_controls});
    for (int c = 0; c < 0x80; ++c) {
        const std::string s = std::string(1, static_cast<char>(c)) + "xyz";
        inputs.push_back({s, s});
    }
    inputs.push_back({"\"\\\"\\\\//\"", "\"\\\"\\\\//\""});
    const std::string multi = "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF\xEE\x80\x80\xED\x9F\xBF";
    inputs.push_back({multi, multi});
    inputs.push_back({"line\xE2\x80\xA8sep\xE2\x80\xA9para", "line\xE2\x80\xA8sep\xE2\x80\xA9para"});
    std::string mixed;
    for (int i = 0; i < 300; ++i)
        mixed += (i % 7 == 0) ? std::string("\t\xE2\x82\xAC\"\\") : std::string(1, static_cast<char>('a' + i % 26));
    inputs.push_back({mixed, mixed});
    inputs.push_back({"", ""});
    inputs.push_back({std::string(20, 'x') + "\xC3\xC3\xA9", std::string(20, 'x') + "\xEF\xBF\xBD\xC3\xA9"});
    inputs.push_back({"\x80\n", "\xEF\xBF\xBD\n"});

    for (const Input& in : inputs) {
        std::string out;
        Writer w(out);
        w.begin_object();
        w.key(in.text);
        w.string(in.text);
        w.end_object();
        CHECK_EQ(check_validate(out), Error::none);
        Member m[2];
        size_t n = 0;
        CHECK_EQ(parse_object(out, m, n, Limits{}), Error::none);
        CHECK_EQ(n, size_t{1});
        if (n != 1) continue;
        std::string key, value;
        decode_key(m[0], key);
        CHECK(decode_string(m[0].value.raw, value));
        CHECK_EQ(key, in.want);
        CHECK_EQ(value, in.want);
        CHECK(find(m, n, in.want) != nullptr);
    }
}

TEST(json_protocol_messages) {
    const struct {
        const char* text;
        Error want;
    } cases[] = {
        {"{\"type\":\"join\",\"room\":\"lobby\",\"password\":\"x\"}", Error::none},
        {"{\"type\":\"message\",\"room\":\"lobby\",\"data\":{\"text\":\"hi\",\"n\":[1,2]}}", Error::none},
        {"{\"type\":\"direct\",\"to\":42,\"data\":\"hello\"}", Error::none},
        {"{\"type\":\"rooms\"}", Error::none},
        {"{\"type\":\"leave\",\"room\":\"a\"}", Error::none},
        {"{\"type\":\"join\",\"type\":\"leave\"}", Error::duplicate_key},
        {"{\"type\":\"join\",}", Error::syntax},
        {"[\"join\"]", Error::not_object},
    };
    for (const auto& c : cases) {
        Member m[16];
        size_t n = 0;
        Exact e(c.text);
        const Error got = parse_object(e.view(), m, n, Limits{});
        if (got != c.want) check::fail(__FILE__, __LINE__, std::string(c.text) + " got " + error_name(got));
    }
}
