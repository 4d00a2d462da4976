// Utf8Validator: Unicode Table 3-7 boundaries, each input fed whole, split at
// every point, and a byte at a time (which must fail exactly at the first
// impossible byte).
#include <string>
#include <string_view>
#include <vector>

#include "check.h"
#include "utf8_encode.h"
#include "ws/utf8.h"

using wshub::ws::Utf8Validator;
using wshub::ws::utf8_valid;

namespace {

enum class Want { valid, incomplete, invalid };

struct Case {
    const char* name;
    std::string_view bytes;
    Want want;
    size_t fail_at = 0;  // for invalid: index of the first impossible byte
};

const uint8_t* u8(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

const char* show_want(Want w) {
    return w == Want::valid ? "valid" : w == Want::incomplete ? "incomplete" : "invalid";
}

// Feeds s in pieces cut at the given (sorted) positions; returns the verdict.
Want run(std::string_view s, const std::vector<size_t>& cuts) {
    Utf8Validator v;
    size_t start = 0;
    bool ok = true;
    for (size_t i = 0; i <= cuts.size(); ++i) {
        const size_t end = i < cuts.size() ? cuts[i] : s.size();
        std::string piece(s.substr(start, end - start));  // own allocation: ASan sees overreads
        if (!v.feed(u8(piece), piece.size())) ok = false;
        start = end;
    }
    if (!ok) return Want::invalid;
    return v.complete() ? Want::valid : Want::incomplete;
}

const Case kCases[] = {
    {"empty", "", Want::valid},
    {"U+0000", std::string_view("\x00", 1), Want::valid},
    {"U+007F", "\x7F", Want::valid},
    {"U+0080", "\xC2\x80", Want::valid},
    {"U+07FF", "\xDF\xBF", Want::valid},
    {"U+0800", "\xE0\xA0\x80", Want::valid},
    {"U+D7FF", "\xED\x9F\xBF", Want::valid},
    {"U+E000", "\xEE\x80\x80", Want::valid},
    {"U+FFFF", "\xEF\xBF\xBF", Want::valid},
    {"U+10000", "\xF0\x90\x80\x80", Want::valid},
    {"U+10FFFF", "\xF4\x8F\xBF\xBF", Want::valid},
    {"U+40000 (F1)", "\xF1\x80\x80\x80", Want::valid},
    {"mixed", "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z", Want::valid},
    {"long ascii then 2-byte", "abcdefghijklmnopq\xC3\xA9rstuvwxyz0123", Want::valid},
    {"2-byte at word boundary", "abcdefg\xC3\xA9hijklmnopqrstuvwx", Want::valid},

    {"C0 lead", "\xC0\x80", Want::invalid, 0},
    {"C1 lead", "\xC1\xBF", Want::invalid, 0},
    {"F5 lead", "\xF5\x80\x80\x80", Want::invalid, 0},
    {"F8 lead", "\xF8\x88\x80\x80\x80", Want::invalid, 0},
    {"FE", "\xFE", Want::invalid, 0},
    {"FF", "\xFF", Want::invalid, 0},
    {"lone 80", "\x80", Want::invalid, 0},
    {"lone BF", "\xBF", Want::invalid, 0},
    {"overlong E0 80", "\xE0\x80\x80", Want::invalid, 1},
    {"overlong U+07FF in 3", "\xE0\x9F\xBF", Want::invalid, 1},
    {"surrogate D800", "\xED\xA0\x80", Want::invalid, 1},
    {"surrogate DFFF", "\xED\xBF\xBF", Want::invalid, 1},
    {"overlong F0 80", "\xF0\x80\x80\x80", Want::invalid, 1},
    {"overlong U+FFFF in 4", "\xF0\x8F\xBF\xBF", Want::invalid, 1},
    {"U+110000 (F4 90)", "\xF4\x90\x80\x80", Want::invalid, 1},
    {"F4 BF", "\xF4\xBF\xBF\xBF", Want::invalid, 1},
    {"2-byte then ascii", "\xC2\x41", Want::invalid, 1},
    {"3-byte cut by ascii", "\xE2\x82\x41", Want::invalid, 2},
    {"4-byte cut by ascii", "\xF0\x9F\x98\x41", Want::invalid, 3},
    {"lead after lead", "\xC2\xC2\x80", Want::invalid, 1},
    {"5th continuation", "\xF0\x9F\x98\x80\x80", Want::invalid, 4},
    {"ascii then C0", "abcdefghij\xC0", Want::invalid, 10},
    {"word then 80", "abcdefgh\x80", Want::invalid, 8},
    {"valid then surrogate", "abc\xE2\x82\xAC\xED\xB0\x80", Want::invalid, 7},

    {"truncated 2", "\xC2", Want::incomplete},
    {"truncated 3 of E0", "\xE0\xA0", Want::incomplete},
    {"truncated 3 of ED", "\xED\x9F", Want::incomplete},
    {"truncated 4 of F0", "\xF0\x90\x80", Want::incomplete},
    {"truncated 4 of F4", "\xF4\x8F\xBF", Want::incomplete},
    {"ascii then truncated", "abcdefghijk\xE2\x82", Want::incomplete},
};

void expect(const Case& c, Want got, const std::string& how) {
    if (got != c.want)
        CHECK_EQ(std::string(c.name) + " " + how + ": " + show_want(got),
                 std::string(c.name) + " " + how + ": " + show_want(c.want));
}

std::string encode(uint32_t cp) { return testutil::encode_utf8(cp); }

}  // namespace

TEST(utf8_table_whole) {
    for (const Case& c : kCases) {
        expect(c, run(c.bytes, {}), "whole");
        const bool valid = utf8_valid(u8(c.bytes), c.bytes.size());
        if (valid != (c.want == Want::valid)) CHECK_EQ(std::string(c.name) + " utf8_valid", std::string());
    }
}

TEST(utf8_table_every_split) {
    for (const Case& c : kCases)
        for (size_t k = 0; k <= c.bytes.size(); ++k)
            expect(c, run(c.bytes, {k}), "split at " + std::to_string(k));
}

TEST(utf8_table_two_splits) {
    for (const Case& c : kCases)
        for (size_t a = 0; a <= c.bytes.size(); ++a)
            for (size_t b = a; b <= c.bytes.size(); ++b)
                expect(c, run(c.bytes, {a, b}), "split at " + std::to_string(a) + "," + std::to_string(b));
}

// Fed a byte at a time, feed() turns false exactly at the first impossible byte.
TEST(utf8_table_fail_fast_bytewise) {
    for (const Case& c : kCases) {
        Utf8Validator v;
        size_t failed_at = c.bytes.size();
        for (size_t i = 0; i < c.bytes.size(); ++i) {
            const uint8_t b = static_cast<uint8_t>(c.bytes[i]);
            if (!v.feed(&b, 1)) {
                failed_at = i;
                break;
            }
        }
        const size_t want = c.want == Want::invalid ? c.fail_at : c.bytes.size();
        if (failed_at != want)
            CHECK_EQ(std::string(c.name) + " fails at " + std::to_string(failed_at),
                     std::string(c.name) + " fails at " + std::to_string(want));
    }
}

TEST(utf8_stays_invalid_until_reset) {
    Utf8Validator v;
    CHECK(!v.feed(u8("\xC0"), 1));
    CHECK(!v.feed(u8("abc"), 3));
    CHECK(!v.complete());
    CHECK(!v.feed(nullptr, 0));
    v.reset();
    CHECK(v.complete());
    CHECK(v.feed(u8("abc"), 3));
    CHECK(v.complete());
}

TEST(utf8_incomplete_feed_true_complete_false) {
    Utf8Validator v;
    CHECK(v.feed(u8("\xF0\x9F"), 2));
    CHECK(!v.complete());
    CHECK(v.feed(u8("\x98"), 1));
    CHECK(!v.complete());
    CHECK(v.feed(u8("\x80"), 1));
    CHECK(v.complete());
    CHECK(v.feed(nullptr, 0));
    CHECK(v.complete());
}

// Every scalar value is accepted, every surrogate code point rejected.
TEST(utf8_every_code_point) {
    size_t bad = 0;
    for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
        const std::string s = encode(cp);
        const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        if (utf8_valid(u8(s), s.size()) == surrogate) ++bad;
    }
    CHECK_EQ(bad, size_t{0});
}

// Every 2-byte input agrees with the rule: ASCII pair, or C2..DF + 80..BF.
TEST(utf8_every_two_byte_input) {
    size_t bad = 0;
    for (int a = 0; a < 256; ++a) {
        for (int b = 0; b < 256; ++b) {
            const uint8_t s[2] = {static_cast<uint8_t>(a), static_cast<uint8_t>(b)};
            const bool want = (a < 0x80 && b < 0x80) || (a >= 0xC2 && a <= 0xDF && b >= 0x80 && b <= 0xBF);
            if (utf8_valid(s, 2) != want) ++bad;
        }
    }
    CHECK_EQ(bad, size_t{0});
}

// Long mixed text, validated at every alignment of the word-at-a-time ASCII scan.
TEST(utf8_ascii_runs_at_every_alignment) {
    for (size_t pre = 0; pre < 24; ++pre) {
        std::string s(pre, 'x');
        s += "\xE2\x82\xAC";
        s += std::string(19, 'y');
        CHECK(utf8_valid(u8(s), s.size()));
        std::string bad = s;
        bad[pre + 1] = 'z';  // breaks the euro sign
        CHECK(!utf8_valid(u8(bad), bad.size()));
        std::string high = std::string(pre, 'x') + "\x80" + std::string(9, 'y');
        CHECK(!utf8_valid(u8(high), high.size()));
    }
}
