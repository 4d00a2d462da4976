// RFC 6455 frame codec: every header form, every split point, every protocol
// error with its close code, fragmentation with interleaved control frames,
// fail-fast UTF-8, max-message boundaries, and the server-side writers.
#include <array>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "check.h"
#include "frame_feeds.h"
#include "ws/frame.h"

using namespace wshub::ws;
using namespace frame_test;

// ---- lengths and header forms -------------------------------------------------

TEST(frame_lengths_all_header_forms) {
    const size_t lengths[] = {0, 1, 125, 126, 127, 65535, 65536};
    for (size_t len : lengths) {
        const size_t hdr = len < 126 ? 6 : len <= 0xFFFF ? 8 : 14;
        const std::string t = text_of(len), b = binary_of(len);
        const Bytes ft = frame(FIN | TEXT, t), fb = frame(FIN | BIN, b);
        CHECK_EQ(ft.size(), hdr + len);
        check_all_feeds(ft, ev("text", t), kMax, "text " + std::to_string(len));
        check_all_feeds(fb, ev("binary", b), kMax, "binary " + std::to_string(len));
    }
}

// Lengths around every unmasking word size and key offset, with several keys.
TEST(frame_unmask_every_length_and_offset) {
    const Key keys[] = {{0x9A, 0x3C, 0xF1, 0x07}, {0xFF, 0x00, 0x80, 0x01}, {1, 2, 3, 4}};
    for (const Key& key : keys) {
        for (size_t len = 0; len <= 70; ++len) {
            const std::string b = binary_of(len);
            check_all_feeds(frame(FIN | BIN, b, 0, key), ev("binary", b), kMax,
                            "len " + std::to_string(len));
        }
    }
}

TEST(frame_non_minimal_length_accepted) {
    check_all_feeds(frame(FIN | TEXT, "hello", 16), ev("text", "hello"));
    check_all_feeds(frame(FIN | TEXT, "hello", 64), ev("text", "hello"));
    check_all_feeds(frame(FIN | PING, "p", 16), err(1002));  // control: 7-bit only
}

// ---- fast path and buffering --------------------------------------------------

TEST(frame_fast_path_unmasks_in_place) {
    Bytes in = frame(FIN | TEXT, "hello, world");
    Decoder d(kMax);
    Event e;
    CHECK_EQ(d.feed(in.data(), in.size(), e), in.size());
    CHECK_EQ(e.kind, Event::Kind::text);
    CHECK_EQ(e.payload, std::string_view("hello, world"));
    CHECK(reinterpret_cast<const uint8_t*>(e.payload.data()) == in.data() + 6);
    CHECK(std::memcmp(in.data() + 6, "hello, world", 12) == 0);
    CHECK(!d.mid_message());

    Bytes ping = frame(FIN | PING, "abc");
    CHECK_EQ(d.feed(ping.data(), ping.size(), e), ping.size());
    CHECK_EQ(e.kind, Event::Kind::ping);
    CHECK_EQ(e.payload, std::string_view("abc"));
    CHECK(reinterpret_cast<const uint8_t*>(e.payload.data()) == ping.data() + 6);
}

TEST(frame_split_payload_is_copied) {
    Bytes in = frame(FIN | BIN, "abcdefgh");
    Decoder d(kMax);
    Event e;
    CHECK_EQ(d.feed(in.data(), 9, e), size_t{9});
    CHECK_EQ(e.kind, Event::Kind::none);
    CHECK(d.mid_message());
    CHECK_EQ(d.feed(in.data() + 9, in.size() - 9, e), in.size() - 9);
    CHECK_EQ(e.kind, Event::Kind::binary);
    CHECK_EQ(e.payload, std::string_view("abcdefgh"));
    CHECK(!(reinterpret_cast<const uint8_t*>(e.payload.data()) >= in.data() &&
            reinterpret_cast<const uint8_t*>(e.payload.data()) < in.data() + in.size()));
    CHECK(!d.mid_message());
    // The next message starts fresh (the buffer was cleared).
    Bytes next = frame(FIN | TEXT, "xy");
    CHECK_EQ(d.feed(next.data(), 7, e), size_t{7});
    CHECK_EQ(d.feed(next.data() + 7, 1, e), size_t{1});
    CHECK_EQ(e.kind, Event::Kind::text);
    CHECK_EQ(e.payload, std::string_view("xy"));
}

TEST(frame_two_frames_in_one_buffer) {
    const Bytes a = frame(FIN | TEXT, "a"), b = frame(FIN | BIN, "bc");
    check_all_feeds(cat({a, b}), ev("text", "a") + "|" + ev("binary", "bc"));
    Bytes in = cat({a, b});  // unmasked in place below
    Decoder d(kMax);
    Event e;
    CHECK_EQ(d.feed(in.data(), in.size(), e), a.size());
    CHECK_EQ(summarize(e), ev("text", "a"));
    CHECK_EQ(d.feed(in.data() + a.size(), b.size(), e), b.size());
    CHECK_EQ(summarize(e), ev("binary", "bc"));
    CHECK_EQ(d.feed(in.data() + in.size(), 0, e), size_t{0});
    CHECK_EQ(e.kind, Event::Kind::none);
}

TEST(frame_empty_input) {
    Decoder d(kMax);
    Event e;
    CHECK_EQ(d.feed(nullptr, 0, e), size_t{0});
    CHECK_EQ(e.kind, Event::Kind::none);
    CHECK(!d.mid_message());
}

// ---- fragmentation ------------------------------------------------------------

TEST(frame_fragmented_text_with_ping_between) {
    const Bytes in = cat({frame(TEXT, "Hel"), frame(FIN | PING, "p1"), frame(CONT, "lo, "),
                          frame(FIN | PONG, ""), frame(FIN | CONT, "world")});
    check_all_feeds(in, ev("ping", "p1") + "|" + ev("pong") + "|" + ev("text", "Hello, world"));
}

TEST(frame_fragmented_binary_with_close_between) {
    const Bytes in = cat({frame(BIN, "\x01\x02"), frame(FIN | CLOSE, close_body(1000, "bye")),
                          frame(FIN | CONT, "\x03")});
    check_all_feeds(in, close_ev(1000, "bye") + "|" + ev("binary", "\x01\x02\x03"));
}

TEST(frame_fragmented_large_with_split_control) {
    // 16-bit and 64-bit fragments around a 125-byte ping that may arrive split.
    const std::string a = text_of(300), b = text_of(70000), p = binary_of(125);
    const Bytes in = cat({frame(TEXT, a), frame(FIN | PING, p), frame(FIN | CONT, b)});
    check_all_feeds(in, ev("ping", p) + "|" + ev("text", a + b));
}

TEST(frame_empty_fragments) {
    check_all_feeds(cat({frame(TEXT, ""), frame(FIN | CONT, "x")}), ev("text", "x"));
    check_all_feeds(cat({frame(BIN, ""), frame(CONT, ""), frame(FIN | CONT, "")}), ev("binary"));
    check_all_feeds(cat({frame(TEXT, "x"), frame(FIN | CONT, "")}), ev("text", "x"));
}

TEST(frame_messages_after_fragmented_one) {
    const Bytes in = cat({frame(TEXT, "ab"), frame(FIN | CONT, "cd"), frame(FIN | TEXT, "e"),
                          frame(BIN, "f"), frame(FIN | PING, "g"), frame(FIN | CONT, "h")});
    check_all_feeds(in, ev("text", "abcd") + "|" + ev("text", "e") + "|" + ev("ping", "g") + "|" +
                            ev("binary", "fh"));
}

// ---- protocol errors ----------------------------------------------------------

namespace {

struct ErrorCase {
    const char* name;
    Bytes in;
    std::string want;
    uint64_t max = kMax;
};

std::vector<ErrorCase> error_cases() {
    std::vector<ErrorCase> cs = {
        {"rsv1", frame(FIN | 0x40 | TEXT, "x"), err(1002)},
        {"rsv2", frame(FIN | 0x20 | TEXT, "x"), err(1002)},
        {"rsv3", frame(FIN | 0x10 | BIN, "x"), err(1002)},
        {"rsv on ping", frame(FIN | 0x40 | PING, ""), err(1002)},
        {"unmasked text", cat({header(FIN | TEXT, 2, 0, false), Bytes{'h', 'i'}}), err(1002)},
        {"unmasked close", header(FIN | CLOSE, 0, 0, false), err(1002)},
        {"64-bit top bit", cat({header(FIN | BIN, 0x8000000000000000ull, 64), Bytes{1, 2}}), err(1002)},
        {"64-bit all ones", header(FIN | BIN, ~0ull, 64), err(1002)},
        {"ping 126 bytes", frame(FIN | PING, binary_of(126)), err(1002)},
        {"pong 16-bit form", frame(FIN | PONG, "x", 16), err(1002)},
        {"close 64-bit form", frame(FIN | CLOSE, close_body(1000), 64), err(1002)},
        {"ping fin=0", frame(PING, ""), err(1002)},
        {"pong fin=0", frame(PONG, "x"), err(1002)},
        {"close fin=0", frame(CLOSE, close_body(1000)), err(1002)},
        {"continuation first", frame(FIN | CONT, "x"), err(1002)},
        {"continuation first no fin", frame(CONT, "x"), err(1002)},
        {"continuation after message", cat({frame(FIN | TEXT, "a"), frame(FIN | CONT, "b")}),
         ev("text", "a") + "|" + err(1002)},
        {"text inside text", cat({frame(TEXT, "a"), frame(FIN | TEXT, "b")}), err(1002)},
        {"binary inside text", cat({frame(TEXT, "a"), frame(FIN | BIN, "b")}), err(1002)},
        {"binary inside binary", cat({frame(BIN, "a"), frame(BIN, "b")}), err(1002)},
        {"text inside binary after ping",
         cat({frame(BIN, "a"), frame(FIN | PING, ""), frame(FIN | TEXT, "b")}),
         ev("ping") + "|" + err(1002)},
        {"too big", frame(FIN | BIN, "12345"), err(1009), 4},
        {"text invalid utf8", frame(FIN | TEXT, "ab\xC0\xAF"), err(1007)},
        {"text surrogate", frame(FIN | TEXT, "\xED\xA0\x80"), err(1007)},
        {"text ends mid-sequence", frame(FIN | TEXT, "a\xE2\x82"), err(1007)},
        {"fragmented text ends mid-sequence", cat({frame(TEXT, "a\xE2"), frame(FIN | CONT, "\x82")}),
         err(1007)},
        {"binary may hold anything", frame(FIN | BIN, "\xC0\xFF"), ev("binary", "\xC0\xFF")},
        {"close length 1", frame(FIN | CLOSE, "\x03"), err(1002)},
        {"close reason not utf8", frame(FIN | CLOSE, close_body(1000, "a\xFF")), err(1007)},
        {"close reason truncated utf8", frame(FIN | CLOSE, close_body(1000, "\xE2\x82")), err(1007)},
    };
    for (uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
        cs.push_back({"reserved opcode", frame(static_cast<uint8_t>(FIN | op), ""), err(1002)});
        cs.push_back({"reserved opcode no fin", frame(op, "x"), err(1002)});
    }
    return cs;
}

}  // namespace

TEST(frame_errors_table) {
    for (const ErrorCase& c : error_cases()) check_all_feeds(c.in, c.want, c.max, c.name);
}

// Errors the header decides come out of the header alone: no payload needed.
TEST(frame_header_errors_need_no_payload) {
    struct {
        const char* name;
        Bytes hdr;
        size_t consumed;
        uint16_t code;
        uint64_t max;
    } cases[] = {
        {"rsv1", header(FIN | 0x40 | TEXT, 1000), 2, 1002, kMax},
        {"opcode 3", header(FIN | 3, 1000), 2, 1002, kMax},
        {"unmasked", header(FIN | TEXT, 1000, 0, false), 2, 1002, kMax},
        {"ping fin=0", header(PING, 5), 2, 1002, kMax},
        {"ping len 126", header(FIN | PING, 126), 2, 1002, kMax},
        {"continuation first", header(CONT, 5), 2, 1002, kMax},
        {"64-bit top bit", header(FIN | BIN, 1ull << 63, 64), 14, 1002, kMax},
        {"too big 7-bit", header(FIN | TEXT, 101), 6, 1009, 100},
        {"too big 16-bit", header(FIN | TEXT, 1001), 8, 1009, 1000},
        {"too big 64-bit", header(FIN | BIN, 1ull << 40), 14, 1009, kMax},
    };
    for (auto& c : cases) {
        Decoder d(c.max);
        Event e;
        const size_t n = d.feed(c.hdr.data(), c.hdr.size(), e);
        expect_same(std::to_string(n) + " " + summarize(e),
                    std::to_string(c.consumed) + " " + err(c.code), c.name);
    }
}

TEST(frame_error_is_sticky_and_consumes_all) {
    Decoder d(kMax);
    Bytes bad = frame(FIN | 0x40 | TEXT, "x");
    Event e;
    CHECK_EQ(d.feed(bad.data(), bad.size(), e), size_t{2});
    CHECK_EQ(summarize(e), err(1002));
    CHECK(std::string_view(e.reason).size() > 0);
    Bytes good = frame(FIN | TEXT, "fine");
    for (int i = 0; i < 3; ++i) {
        CHECK_EQ(d.feed(good.data(), good.size(), e), good.size());
        CHECK_EQ(summarize(e), err(1002));
    }
    CHECK_EQ(d.feed(nullptr, 0, e), size_t{0});
    CHECK_EQ(e.kind, Event::Kind::error);
}

// ---- max_message --------------------------------------------------------------

TEST(frame_max_message_boundary) {
    check_all_feeds(frame(FIN | TEXT, text_of(100)), ev("text", text_of(100)), 100, "exactly max");
    check_all_feeds(frame(FIN | TEXT, text_of(101)), err(1009), 100, "max+1");
    check_all_feeds(frame(FIN | BIN, ""), ev("binary"), 0, "max 0, empty");
    check_all_feeds(frame(FIN | BIN, "x"), err(1009), 0, "max 0, one byte");
    check_all_feeds(frame(FIN | BIN, binary_of(65536)), ev("binary", binary_of(65536)), 65536,
                    "64-bit exactly max");
    check_all_feeds(frame(FIN | BIN, binary_of(65536)), err(1009), 65535, "64-bit max+1");
    // Control frames are not messages: not limited by max_message.
    check_all_feeds(frame(FIN | PING, "12345"), ev("ping", "12345"), 2, "ping over max");
}

TEST(frame_max_message_counts_fragments) {
    const std::string a = text_of(60), b = text_of(40);
    check_all_feeds(cat({frame(TEXT, a), frame(FIN | PING, "ignored in the total"), frame(FIN | CONT, b)}),
                    ev("ping", "ignored in the total") + "|" + ev("text", a + b), 100, "60+40");
    check_all_feeds(cat({frame(TEXT, a), frame(FIN | CONT, b + "x")}), err(1009), 100, "60+41");
    check_all_feeds(cat({frame(TEXT, a), frame(CONT, b), frame(FIN | CONT, "")}), ev("text", a + b), 100,
                    "60+40+0");
    check_all_feeds(cat({frame(TEXT, a), frame(CONT, b), frame(FIN | CONT, "x")}), err(1009), 100,
                    "60+40+1");
    // Only the second header has to arrive for the 1009.
    Bytes in = cat({frame(TEXT, a), header(FIN | CONT, 41)});
    Decoder d(100);
    Event e;
    CHECK_EQ(d.feed(in.data(), in.size(), e), in.size());
    CHECK_EQ(summarize(e), err(1009));
}

// ---- UTF-8 in text messages ---------------------------------------------------

TEST(frame_utf8_fails_fast_in_unfinished_fragment) {
    // First fragment (FIN=0) of declared length 10; only 4 payload bytes arrive.
    Bytes in = frame(TEXT, std::string("ab\xC0") + "defghij");
    Decoder d(kMax);
    Event e;
    const size_t n = d.feed(in.data(), 6 + 4, e);
    CHECK_EQ(summarize(e), err(1007));
    CHECK_LE(n, size_t{10});
    // The same inside an unfragmented frame that has not fully arrived.
    Bytes in2 = frame(FIN | TEXT, std::string("ok \xED\xA0\x80 and more text follows"));
    Decoder d2(kMax);
    CHECK_EQ(d2.feed(in2.data(), 6 + 5, e), size_t{11});
    CHECK_EQ(summarize(e), err(1007));
    // And in a later fragment, before its end.
    Bytes in3 = cat({frame(TEXT, "fine"), frame(CONT, "\xF4\x90 never mind")});
    Decoder d3(kMax);
    CHECK_EQ(d3.feed(in3.data(), 10 + 6 + 2, e), size_t{18});
    CHECK_EQ(summarize(e), err(1007));
}

TEST(frame_utf8_char_split_across_fragments) {
    const std::string smile = "\xF0\x9F\x98\x80";
    check_all_feeds(cat({frame(TEXT, "\xF0\x9F"), frame(FIN | CONT, "\x98\x80")}), ev("text", smile));
    check_all_feeds(cat({frame(TEXT, "\xF0"), frame(CONT, "\x9F\x98"), frame(FIN | PONG, "x"),
                         frame(FIN | CONT, "\x80!")}),
                    ev("pong", "x") + "|" + ev("text", smile + "!"));
    // A split surrogate fails at its second byte, in the second fragment.
    check_all_feeds(cat({frame(TEXT, "\xED"), frame(FIN | CONT, "\xA0\x80")}), err(1007));
}

TEST(frame_text_valid_multibyte) {
    const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF";
    check_all_feeds(frame(FIN | TEXT, s), ev("text", s));
}

// ---- close frames -------------------------------------------------------------

TEST(frame_close_frames) {
    check_all_feeds(frame(FIN | CLOSE, ""), close_ev(1005), kMax, "empty");
    check_all_feeds(frame(FIN | CLOSE, close_body(1000)), close_ev(1000), kMax, "code only");
    check_all_feeds(frame(FIN | CLOSE, close_body(1001, "going away")), close_ev(1001, "going away"),
                    kMax, "code and reason");
    check_all_feeds(frame(FIN | CLOSE, close_body(1000, "\xE2\x82\xAC")), close_ev(1000, "\xE2\x82\xAC"),
                    kMax, "utf8 reason");
    const std::string r123 = text_of(123);
    check_all_feeds(frame(FIN | CLOSE, close_body(4000, r123)), close_ev(4000, r123), kMax, "125 bytes");
    check_all_feeds(frame(FIN | CLOSE, "\x03"), err(1002), kMax, "length 1");
    check_all_feeds(frame(FIN | CLOSE, close_body(1000, "\xC0\x80")), err(1007), kMax, "bad reason");
}

TEST(frame_close_codes) {
    struct {
        uint16_t code;
        bool ok;
    } cases[] = {{0, false},    {999, false},  {1000, true},  {1001, true},  {1002, true},
                 {1003, true},  {1004, false}, {1005, false}, {1006, false}, {1007, true},
                 {1008, true},  {1009, true},  {1010, true},  {1011, true},  {1012, true},
                 {1013, true},  {1014, true},  {1015, false}, {1016, false}, {2999, false},
                 {3000, true},  {4999, true},  {5000, false}, {65535, false}};
    for (auto& c : cases) {
        const std::string name = "code " + std::to_string(c.code);
        CHECK_EQ(name + (close_code_allowed_on_wire(c.code) ? " ok" : " no"), name + (c.ok ? " ok" : " no"));
        check_all_feeds(frame(FIN | CLOSE, close_body(c.code, "r")), c.ok ? close_ev(c.code, "r") : err(1002),
                        kMax, name);
    }
}

// ---- decoder state ------------------------------------------------------------

TEST(frame_mid_message_and_shrink) {
    Decoder d(kMax);
    Event e;
    Bytes in = cat({frame(TEXT, "abc"), frame(FIN | PING, "p"), frame(FIN | CONT, "def")});
    CHECK(!d.mid_message());
    CHECK_EQ(d.feed(in.data(), 1, e), size_t{1});  // partial header
    CHECK(d.mid_message());
    CHECK_EQ(d.feed(in.data() + 1, 8, e), size_t{8});  // first fragment whole
    CHECK_EQ(e.kind, Event::Kind::none);
    CHECK(d.mid_message());
    d.shrink();  // a message in progress survives
    CHECK_EQ(d.feed(in.data() + 9, 4, e), size_t{4});  // ping, split
    CHECK(d.mid_message());
    CHECK_EQ(d.feed(in.data() + 13, 3, e), size_t{3});
    CHECK_EQ(summarize(e), ev("ping", "p"));
    CHECK(d.mid_message());
    CHECK_EQ(d.feed(in.data() + 16, in.size() - 16, e), in.size() - 16);
    CHECK_EQ(summarize(e), ev("text", "abcdef"));
    CHECK(!d.mid_message());
    d.shrink();
    CHECK(!d.mid_message());
    Bytes next = frame(FIN | BIN, "z");
    CHECK_EQ(d.feed(next.data(), 3, e), size_t{3});
    CHECK(d.mid_message());
    CHECK_EQ(d.feed(next.data() + 3, next.size() - 3, e), next.size() - 3);
    CHECK_EQ(summarize(e), ev("binary", "z"));
}

// One per connection: 48 bytes, and its fast path must not make it grow.
static_assert(sizeof(Decoder) <= 48, "Decoder grew past 48 bytes");

TEST(frame_decoder_is_small) {
    CHECK_LE(sizeof(Decoder), size_t{48});
}

// ---- writers ------------------------------------------------------------------

TEST(frame_write_header) {
    struct {
        const char* name;
        Opcode op;
        uint64_t len;
        bool fin;
        Bytes want;
    } cases[] = {
        {"0", Opcode::text, 0, true, {0x81, 0x00}},
        {"125", Opcode::binary, 125, true, {0x82, 0x7D}},
        {"126", Opcode::text, 126, true, {0x81, 0x7E, 0x00, 0x7E}},
        {"65535", Opcode::binary, 65535, true, {0x82, 0x7E, 0xFF, 0xFF}},
        {"65536", Opcode::text, 65536, true, {0x81, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}},
        {"2^40+5", Opcode::binary, (1ull << 40) + 5, true, {0x82, 0x7F, 0, 0, 1, 0, 0, 0, 0, 5}},
        {"fin=0", Opcode::text, 3, false, {0x01, 0x03}},
        {"continuation", Opcode::continuation, 1, true, {0x80, 0x01}},
        {"close", Opcode::close, 2, true, {0x88, 0x02}},
        {"ping", Opcode::ping, 0, true, {0x89, 0x00}},
        {"pong", Opcode::pong, 125, true, {0x8A, 0x7D}},
    };
    for (auto& c : cases) {
        uint8_t out[kMaxHeader + 4];
        std::memset(out, 0xEE, sizeof out);
        const size_t n = write_header(out, c.op, c.len, c.fin);
        expect_same(brief(std::string_view(reinterpret_cast<const char*>(out), n)),
                    brief(std::string_view(reinterpret_cast<const char*>(c.want.data()), c.want.size())),
                    c.name);
        CHECK_EQ(out[n], uint8_t{0xEE});
    }
}

TEST(frame_write_close_payload) {
    uint8_t out[125 + 8];
    auto as_sv = [&](size_t n) { return std::string_view(reinterpret_cast<const char*>(out), n); };

    size_t n = write_close_payload(out, 1000, "");
    CHECK_EQ(as_sv(n), std::string_view("\x03\xE8", 2));
    n = write_close_payload(out, 1008, "slow consumer");
    CHECK_EQ(as_sv(n), std::string_view("\x03\xF0slow consumer", 15));

    const std::string ascii123 = text_of(123);
    n = write_close_payload(out, 4000, ascii123);
    CHECK_EQ(n, size_t{125});
    n = write_close_payload(out, 4000, text_of(200));
    CHECK_EQ(n, size_t{125});
    CHECK_EQ(as_sv(n).substr(2), std::string_view(ascii123));

    std::string euros;
    for (int i = 0; i < 50; ++i) euros += "\xE2\x82\xAC";  // 150 bytes of 3-byte characters
    struct {
        const char* name;
        std::string reason;
        size_t want;
    } cases[] = {
        {"euros", euros, 2 + 123},            // 41 whole characters fit exactly
        {"a+euros", "a" + euros, 2 + 121},    // 1 + 40*3; the 41st would be cut
        {"ab+euros", "ab" + euros, 2 + 122},  // 2 + 40*3
        {"4-byte", [] { std::string s; for (int i = 0; i < 40; ++i) s += "\xF0\x9F\x98\x80"; return s; }(),
         2 + 120},
        {"2-byte", [] { std::string s; for (int i = 0; i < 70; ++i) s += "\xC3\xA9"; return s; }(),
         2 + 122},
    };
    for (auto& c : cases) {
        std::memset(out, 0xEE, sizeof out);
        n = write_close_payload(out, 1001, c.reason);
        expect_same(std::to_string(n), std::to_string(c.want), c.name);
        CHECK(utf8_valid(out + 2, n - 2));
        CHECK_EQ(as_sv(n).substr(2), std::string_view(c.reason).substr(0, n - 2));
        CHECK_EQ(out[125], uint8_t{0xEE});
        // What we write, our decoder accepts.
        check_all_feeds(frame(FIN | CLOSE, as_sv(n)), close_ev(1001, std::string_view(c.reason).substr(0, n - 2)),
                        kMax, c.name);
    }
}
