// The ASCII fast path of Utf8Validator (ascii_prefix, ascii_prefix_words):
// one non-ASCII or invalid sequence at every position of a 100-byte ASCII run,
// fed whole, split at every point and in chunks of many sizes, must get the
// verdict of a byte-at-a-time reference, the failing feed being the one that
// holds the first impossible byte; and both prefix scanners must find the
// first high byte exactly at every length, position and alignment.
#include <memory>
#include <string>
#include <string_view>

#include "check.h"
#include "ws/utf8.h"

using wshub::ws::ascii_prefix;
using wshub::ws::ascii_prefix_words;
using wshub::ws::Utf8Validator;
using wshub::ws::utf8_valid;

namespace {

enum class Verdict { valid, incomplete, invalid };

const char* show(Verdict v) {
    return v == Verdict::valid ? "valid" : v == Verdict::incomplete ? "incomplete" : "invalid";
}

// Byte-at-a-time reference, written from Unicode Table 3-7's ranges apart from
// the validator's tables. For invalid, *fail_at is the first impossible byte.
Verdict reference(std::string_view s, size_t* fail_at) {
    size_t need = 0;               // continuation bytes still to come
    uint8_t lo = 0x80, hi = 0xBF;  // the range the next continuation byte must be in
    for (size_t i = 0; i < s.size(); ++i) {
        const uint8_t b = static_cast<uint8_t>(s[i]);
        bool ok = true;
        if (need > 0) {
            ok = b >= lo && b <= hi;
            --need;
            lo = 0x80;
            hi = 0xBF;
        } else if (b >= 0xC2 && b <= 0xDF) {
            need = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            need = 2;
            if (b == 0xE0) lo = 0xA0;
            if (b == 0xED) hi = 0x9F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            need = 3;
            if (b == 0xF0) lo = 0x90;
            if (b == 0xF4) hi = 0x8F;
        } else {
            ok = b < 0x80;
        }
        if (!ok) {
            *fail_at = i;
            return Verdict::invalid;
        }
    }
    return need == 0 ? Verdict::valid : Verdict::incomplete;
}

// A copy of s[from, to) in an allocation of exactly that size, so that ASan
// sees any read past the piece.
std::unique_ptr<uint8_t[]> exact_copy(std::string_view s, size_t from, size_t to) {
    std::unique_ptr<uint8_t[]> p(new uint8_t[to - from]);
    for (size_t i = from; i < to; ++i) p[i - from] = static_cast<uint8_t>(s[i]);
    return p;
}

// Feeds s in pieces ending at the given cut positions (then at s.size()).
// Returns the verdict and, when a feed fails, the piece it failed on as
// [*piece_from, *piece_to); a feed after the failure must fail too.
template <class Cuts>
Verdict feed_pieces(std::string_view s, const Cuts& next_cut, size_t* piece_from, size_t* piece_to,
                    bool* stuck) {
    Utf8Validator v;
    bool failed = false;
    *stuck = true;
    for (size_t start = 0; start < s.size();) {
        const size_t end = next_cut(start);
        const auto piece = exact_copy(s, start, end);
        const bool ok = v.feed(piece.get(), end - start);
        if (failed && ok) *stuck = false;
        if (!failed && !ok) {
            failed = true;
            *piece_from = start;
            *piece_to = end;
        }
        start = end;
    }
    if (failed) return Verdict::invalid;
    return v.complete() ? Verdict::valid : Verdict::incomplete;
}

// Checks one way of cutting s against the reference; returns what went
// wrong ("" if nothing), naming the input by what and the cutting by how.
template <class Cuts>
std::string check_cutting(std::string_view s, Verdict want, size_t fail_at, const Cuts& next_cut,
                          const std::string& what, const std::string& how) {
    size_t from = 0, to = 0;
    bool stuck = true;
    const Verdict got = feed_pieces(s, next_cut, &from, &to, &stuck);
    const std::string name = what + ", " + how + ": ";
    if (got != want) return name + show(got) + ", want " + show(want);
    if (!stuck) return name + "a feed after the failure succeeded";
    if (want == Verdict::invalid && (fail_at < from || fail_at >= to))
        return name + "failed on piece [" + std::to_string(from) + ", " + std::to_string(to) +
               "), the first impossible byte is " + std::to_string(fail_at);
    return {};
}

// 100 ASCII bytes cycling through all of 00..7F (so 7F, the last byte without
// the high bit, is in every run).
std::string ascii_run() {
    std::string s;
    for (size_t i = 0; i < 100; ++i) s += static_cast<char>(i * 37 % 128);
    return s;
}

struct Inserted {
    const char* name;
    std::string_view bytes;
};

// Put into the ASCII run at every position: well-formed sequences, bytes never
// valid, sequences that fail on a later byte, and one cut short by what follows.
const Inserted kInserted[] = {
    {"U+00E9", "\xC3\xA9"},
    {"U+20AC", "\xE2\x82\xAC"},
    {"U+1F600", "\xF0\x9F\x98\x80"},
    {"U+10FFFF", "\xF4\x8F\xBF\xBF"},
    {"lone 80", "\x80"},
    {"C0", "\xC0"},
    {"FF", "\xFF"},
    {"surrogate", "\xED\xA0\x80"},
    {"above U+10FFFF", "\xF4\x90\x80\x80"},
    {"3-byte cut short", "\xE2\x82"},
};

// The first thing wrong over every cutting of one input: whole, split at each
// point, and in chunks of sizes around the scanners' block sizes.
std::string check_all_cuttings(std::string_view s, const std::string& what) {
    size_t fail_at = 0;
    const Verdict want = reference(s, &fail_at);
    const size_t n = s.size();
    std::string wrong = check_cutting(s, want, fail_at, [n](size_t) { return n; }, what, "whole");
    if (utf8_valid(exact_copy(s, 0, n).get(), n) != (want == Verdict::valid) && wrong.empty())
        wrong = what + ": utf8_valid disagrees";
    for (size_t cut = 0; cut <= n && wrong.empty(); ++cut)
        wrong = check_cutting(s, want, fail_at, [n, cut](size_t start) { return start < cut ? cut : n; }, what,
                              "split at " + std::to_string(cut));
    for (size_t chunk : {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65}) {
        if (!wrong.empty()) break;
        wrong = check_cutting(s, want, fail_at,
                              [n, chunk](size_t start) { return start + chunk < n ? start + chunk : n; }, what,
                              "chunks of " + std::to_string(chunk));
    }
    return wrong;
}

}  // namespace

TEST(utf8_ascii_run_with_a_sequence_at_every_position) {
    const std::string run = ascii_run();
    size_t checked = 0;
    for (const Inserted& ins : kInserted) {
        for (size_t at = 0; at <= run.size(); ++at) {
            std::string s = run;
            s.insert(at, ins.bytes);
            const std::string wrong = check_all_cuttings(s, std::string(ins.name) + " at " + std::to_string(at));
            CHECK_EQ(wrong, std::string());
            if (!wrong.empty()) return;  // one message, not thousands
            ++checked;
        }
    }
    CHECK_EQ(checked, sizeof kInserted / sizeof kInserted[0] * 101);
}

// The reference itself, on inputs whose verdict is known, so that agreeing
// with it means something.
TEST(utf8_ascii_reference_knows_its_cases) {
    size_t at = 99;
    CHECK_EQ(reference(ascii_run(), &at), Verdict::valid);
    CHECK_EQ(reference("ab\xC3\xA9", &at), Verdict::valid);
    CHECK_EQ(reference("ab\xE2\x82", &at), Verdict::incomplete);
    CHECK_EQ(reference("ab\xE2\x82z", &at), Verdict::invalid);
    CHECK_EQ(at, size_t{4});
    CHECK_EQ(reference("a\xED\xA0\x80", &at), Verdict::invalid);
    CHECK_EQ(at, size_t{2});
    CHECK_EQ(reference("\xF0\x8F\xBF\xBF", &at), Verdict::invalid);
    CHECK_EQ(at, size_t{1});
    CHECK_EQ(reference("abc\x7F\x80", &at), Verdict::invalid);
    CHECK_EQ(at, size_t{4});
}

// Both scanners, at every length up to past two 64-byte blocks, every position
// of the first high byte (or none), four alignments, with ASCII or more high
// bytes after it; the buffer ends where the input ends.
TEST(utf8_ascii_prefix_finds_the_first_high_byte) {
    std::string wrong;
    for (size_t n = 0; n <= 160 && wrong.empty(); ++n) {
        for (size_t high_at = 0; high_at <= n && wrong.empty(); ++high_at) {
            for (size_t align = 0; align < 4; ++align) {
                for (bool high_after : {false, true}) {
                    std::unique_ptr<uint8_t[]> buf(new uint8_t[align + n]);
                    uint8_t* p = buf.get() + align;
                    for (size_t i = 0; i < n; ++i)
                        p[i] = i < high_at ? static_cast<uint8_t>(0x7F - i % 64)
                               : i == high_at ? uint8_t{0x80}
                               : high_after   ? uint8_t{0xFF}
                                              : uint8_t{'a'};
                    const size_t got = ascii_prefix(p, n);
                    const size_t got_words = ascii_prefix_words(p, n);
                    if (got != high_at || got_words != high_at)
                        wrong = "n " + std::to_string(n) + ", high byte at " + std::to_string(high_at) +
                                ", alignment " + std::to_string(align) + ": ascii_prefix " + std::to_string(got) +
                                ", ascii_prefix_words " + std::to_string(got_words);
                }
            }
        }
    }
    CHECK_EQ(wrong, std::string());
}
