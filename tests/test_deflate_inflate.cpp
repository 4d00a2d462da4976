// The inflater on hand-made RFC 1951 streams: stored, fixed and dynamic
// blocks, references across blocks and messages, the longest distance and
// length, every split of the input and every output size, the output limit,
// context takeover and the RFC 7692 message end.
#include <string>

#include "check.h"
#include "deflate/inflate.h"
#include "deflate_streams.h"

using namespace wshub::deflate;
using namespace testdeflate;

namespace {

// "abcd", a match of 3 at distance 4, a match of 4 at distance 4 -> "abcdabcdabc"
// in a dynamic block: literal/length lengths 97-100: 3, 256: 2, 257, 258: 3;
// distance lengths 0, 0, 0, 1 (a single distance code, for distance 4). The
// code lengths use all three repeat codes (16, 17, 18).
void put_dynamic_block(BitStream& s) {
    std::vector<uint8_t> lit(259, 0);
    for (unsigned s = 97; s <= 100; ++s) lit[s] = 3;
    lit[256] = 2;
    lit[257] = 3;
    lit[258] = 3;
    const std::vector<uint8_t> dist = {0, 0, 0, 1};
    // Code-length code: 18 and 3 get 2 bits, 16, 17, 1 and 2 get 3.
    std::vector<uint8_t> cl(19, 0);
    cl[18] = 2, cl[3] = 2, cl[16] = 3, cl[17] = 3, cl[1] = 3, cl[2] = 3;
    const auto cl_codes = canonical_codes(cl);
    s.header(false, kDynamicBlock);
    s.put(259 - 257, 5);
    s.put(4 - 1, 5);
    s.put(18 - 4, 4);  // HCLEN: up to symbol 1, 18th in the order
    for (unsigned i = 0; i < 18; ++i) s.put(cl[kCodeLengthOrder[i]], 3);
    auto sym = [&](unsigned c) { s.put_code(cl_codes[c], cl[c]); };
    sym(18), s.put(97 - 11, 7);           // 0..96 zero
    sym(3), sym(16), s.put(0, 2);         // 97 = 3, 98..100 repeat it 3 times
    sym(18), s.put(138 - 11, 7);          // 101..238 zero
    sym(18), s.put(17 - 11, 7);           // 239..255 zero
    sym(2), sym(3), sym(3);               // 256, 257, 258
    sym(17), s.put(0, 3), sym(1);         // distance lengths 0, 0, 0, 1
    const auto lit_codes = canonical_codes(lit);
    const auto dist_codes = canonical_codes(dist);
    for (char c : std::string("abcd")) s.put_code(lit_codes[uint8_t(c)], 3);
    s.put_code(lit_codes[257], 3);  // length 3
    s.put_code(dist_codes[3], 1);   // distance 4
    s.put_code(lit_codes[258], 3);  // length 4
    s.put_code(dist_codes[3], 1);
    s.put_code(lit_codes[256], 2);
}

Bytes dynamic_block_stream() {
    BitStream s;
    put_dynamic_block(s);
    s.sync_end();
    return s.bytes();
}

// Literals only, in a dynamic block with no distance code at all (HDIST 1,
// length 0): "aab" with a: 1 bit, b: 2 bits, end of block: 2 bits.
Bytes no_distance_stream() {
    std::vector<uint8_t> lit(257, 0);
    lit['a'] = 1, lit['b'] = 2, lit[256] = 2;
    std::vector<uint8_t> cl(19, 0);
    cl[0] = 2, cl[1] = 2, cl[2] = 2, cl[18] = 2;
    const auto cl_codes = canonical_codes(cl);
    BitStream s;
    s.header(false, kDynamicBlock);
    s.put(0, 5);  // HLIT 257
    s.put(0, 5);  // HDIST 1
    s.put(19 - 4, 4);
    for (unsigned i = 0; i < 19; ++i) s.put(cl[kCodeLengthOrder[i]], 3);
    auto sym = [&](unsigned c) { s.put_code(cl_codes[c], cl[c]); };
    sym(18), s.put(97 - 11, 7);
    sym(1), sym(2);                                 // a, b
    sym(18), s.put(138 - 11, 7);                    // 99..236
    sym(18), s.put(19 - 11, 7);                     // 237..255
    sym(2);                                         // 256
    sym(0);                                         // the one distance length: 0
    const auto codes = canonical_codes(lit);
    s.put_code(codes['a'], 1), s.put_code(codes['a'], 1), s.put_code(codes['b'], 2);
    s.put_code(codes[256], 2);
    s.sync_end();
    return s.bytes();
}

Bytes fixed_stream(const std::string& literals) {
    BitStream s;
    s.header(false, kFixedBlock);
    for (char c : literals) fixed_symbol(s, uint8_t(c));
    fixed_symbol(s, 256);
    s.sync_end();
    return s.bytes();
}

std::string pattern(size_t n) {
    std::string s(n, 0);
    for (size_t i = 0; i < n; ++i) s[i] = char('a' + (i * 7 + i / 26) % 26);
    return s;
}

}  // namespace

TEST(inflate_empty_payload_is_empty_message) {
    Inflater inf(inflate_options());
    const Inflated r = inflate_message(inf, {});
    CHECK(r.ended);
    CHECK_EQ(r.out, std::string());
    CHECK(!inf.mid_message());
}

TEST(inflate_sync_flush_alone_is_empty_message) {
    Inflater inf(inflate_options());
    const Inflated r = inflate_message(inf, {0x00});  // RFC 7692 7.2.3.6
    CHECK(r.ended);
    CHECK_EQ(r.out, std::string());
    CHECK_EQ(r.error, InflateError::none);
}

TEST(inflate_stored_blocks) {
    for (size_t n : {size_t(0), size_t(1), size_t(5), size_t(1000), size_t(65535)}) {
        BitStream s;
        s.stored(bytes_of(pattern(n)));
        s.stored({});
        s.sync_end();
        Inflater inf(inflate_options());
        const Inflated r = inflate_message(inf, s.bytes());
        CHECK(r.ended);
        CHECK_EQ(r.out.size(), n);
        CHECK(r.out == pattern(n));
    }
}

TEST(inflate_stored_block_with_bfinal_then_next_message) {
    BitStream s;
    s.stored(bytes_of("final"), true);
    Inflater inf(inflate_options());
    Inflated r = inflate_message(inf, s.bytes());
    CHECK(r.ended);
    CHECK_EQ(r.out, std::string("final"));
    // The next message starts with a block header again, window kept.
    BitStream t;
    t.header(false, kFixedBlock);
    fixed_match(t, 5, 5);
    fixed_symbol(t, 256);
    t.sync_end();
    r = inflate_message(inf, t.bytes());
    CHECK(r.ended);
    CHECK_EQ(r.out, std::string("final"));
}

TEST(inflate_fixed_huffman_literals) {
    std::string all;
    for (int c = 0; c < 256; ++c) all += char(c);
    Inflater inf(inflate_options());
    const Inflated r = inflate_message(inf, fixed_stream(all));
    CHECK(r.ended);
    CHECK(r.out == all);
}

TEST(inflate_fixed_huffman_matches_overlapping_and_longest) {
    BitStream s;
    s.header(false, kFixedBlock);
    fixed_symbol(s, 'x');
    fixed_match(s, 258, 1);  // a run: the copy reads what it writes
    fixed_symbol(s, 'y');
    fixed_match(s, 3, 2);    // "xy" then "x"
    fixed_match(s, 10, 259 + 1);  // an extra-bits distance
    fixed_symbol(s, 256);
    s.sync_end();
    std::string want = "x" + std::string(258, 'x') + "y" + "xyx";
    want += want.substr(want.size() - 260, 10);
    Inflater inf(inflate_options());
    const Inflated r = inflate_message(inf, s.bytes());
    CHECK(r.ended);
    CHECK_EQ(r.out, want);
}

TEST(inflate_every_length_and_distance_symbol) {
    // One match per length 3..258 and per distance symbol's base and top,
    // over a 32 KiB stored prefix so that every distance reaches real bytes.
    const std::string prefix = pattern(32768);
    BitStream s;
    s.stored(bytes_of(prefix));
    s.header(false, kFixedBlock);
    std::string want = prefix;
    auto match = [&](unsigned len, unsigned dist) {
        fixed_match(s, len, dist);
        for (unsigned i = 0; i < len; ++i) want += want[want.size() - dist];
    };
    for (unsigned len = 3; len <= 258; ++len) match(len, 1 + len % 50);
    for (unsigned d = 0; d < 30; ++d) {
        match(3, kDistBase[d]);
        match(4, kDistBase[d] + (1u << kDistExtra[d]) - 1);
    }
    fixed_symbol(s, 256);
    s.sync_end();
    Inflater inf(inflate_options());
    const Inflated r = inflate_message(inf, s.bytes());
    CHECK(r.ended);
    CHECK_EQ(r.error, InflateError::none);
    CHECK_EQ(r.out.size(), want.size());
    CHECK(r.out == want);
}

TEST(inflate_longest_distance_across_blocks) {
    // 32768 bytes stored, then a fixed block copying 258 bytes from 32768 back.
    const std::string prefix = pattern(32768);
    BitStream s;
    s.stored(bytes_of(prefix.substr(0, 20000)));
    s.stored(bytes_of(prefix.substr(20000)));
    s.header(false, kFixedBlock);
    fixed_match(s, 258, 32768);
    fixed_symbol(s, 256);
    s.sync_end();
    Inflater inf(inflate_options());
    const Inflated r = inflate_message(inf, s.bytes());
    CHECK(r.ended);
    CHECK(r.out == prefix + prefix.substr(0, 258));
}

TEST(inflate_dynamic_huffman_with_repeat_codes_and_single_distance) {
    Inflater inf(inflate_options());
    const Inflated r = inflate_message(inf, dynamic_block_stream());
    CHECK_EQ(r.error, InflateError::none);
    CHECK(r.ended);
    CHECK_EQ(r.out, std::string("abcdabcdabc"));
}

TEST(inflate_dynamic_huffman_without_distance_codes) {
    Inflater inf(inflate_options());
    const Inflated r = inflate_message(inf, no_distance_stream());
    CHECK_EQ(r.error, InflateError::none);
    CHECK(r.ended);
    CHECK_EQ(r.out, std::string("aab"));
}

// "hello world", then a message that is only a match 11 bytes back: into
// the first message's bytes when the window is kept.
static Inflated inflate_reference_to_previous_message(bool context_takeover) {
    Inflater inf(inflate_options(15, context_takeover));
    CHECK(inflate_message(inf, fixed_stream("hello world")).ended);
    BitStream s;
    s.header(false, kFixedBlock);
    fixed_match(s, 5, 11);
    fixed_symbol(s, 256);
    s.sync_end();
    return inflate_message(inf, s.bytes());
}

TEST(inflate_back_reference_into_previous_message_with_takeover) {
    const Inflated r = inflate_reference_to_previous_message(true);
    CHECK(r.ended);
    CHECK_EQ(r.out, std::string("hello"));
}

TEST(inflate_no_takeover_forgets_previous_message) {
    CHECK_EQ(inflate_reference_to_previous_message(false).error, InflateError::distance_too_far);
}

TEST(inflate_every_split_point_and_byte_by_byte) {
    // A message of every block type, fed in two pieces split at every byte,
    // then one byte at a time, with output buffers of 1, 3 and 64 KiB.
    BitStream s;
    s.stored(bytes_of("stored "));
    s.header(false, kFixedBlock);
    fixed_symbol(s, 'f');
    fixed_match(s, 7, 8);
    fixed_symbol(s, 256);
    put_dynamic_block(s);
    s.sync_end();
    const Bytes payload = s.bytes();
    Inflater whole(inflate_options());
    const Inflated want = inflate_message(whole, payload);
    CHECK(want.ended);
    CHECK_EQ(want.out, std::string("stored fstored abcdabcdabc"));
    for (size_t cut = 1; cut < payload.size(); ++cut) {
        Inflater inf(inflate_options());
        Bytes first(payload.begin(), payload.begin() + long(cut));
        Bytes rest(payload.begin() + long(cut), payload.end());
        // Two messages' worth of calls: the first piece without message_end.
        std::vector<uint8_t> out(1 << 16);
        auto r1 = inf.inflate(first.data(), first.size(), out.data(), out.size(), false);
        CHECK(r1.status == InflateResult::Status::need_input);
        CHECK_EQ(r1.consumed, first.size());
        std::string got(reinterpret_cast<char*>(out.data()), r1.produced);
        const Inflated r2 = inflate_message(inf, rest);
        CHECK(r2.ended);
        CHECK_EQ(got + r2.out, want.out);
    }
    for (size_t out_cap : {size_t(1), size_t(3), size_t(1 << 16)}) {
        Inflater inf(inflate_options());
        const Inflated r = inflate_message(inf, payload, 1, out_cap);
        CHECK(r.ended);
        CHECK_EQ(r.out, want.out);
        CHECK_LE(r.max_produced, out_cap);
    }
}

TEST(inflate_output_limit_exactly_at_and_one_past) {
    const std::string data = pattern(1000);
    BitStream stored;
    stored.stored(bytes_of(data));
    stored.sync_end();
    BitStream fixed;  // 1 literal and a match to 1000 bytes
    fixed.header(false, kFixedBlock);
    fixed_symbol(fixed, 'z');
    for (int i = 0; i < 3; ++i) fixed_match(fixed, 258, 1);
    fixed_match(fixed, 1000 - 1 - 3 * 258, 1);
    fixed_symbol(fixed, 256);
    fixed.sync_end();
    for (const Bytes& payload : {stored.bytes(), fixed.bytes()}) {
        for (size_t out_cap : {size_t(1), size_t(7), size_t(4096)}) {
            Inflater at(inflate_options(15, true, 1000));
            const Inflated ok = inflate_message(at, payload, 0, out_cap);
            CHECK(ok.ended);
            CHECK_EQ(ok.out.size(), size_t(1000));
            Inflater below(inflate_options(15, true, 999));
            const Inflated big = inflate_message(below, payload, 0, out_cap);
            CHECK_EQ(big.error, InflateError::too_big);
            CHECK_LE(big.out.size(), size_t(999));
        }
    }
}

TEST(inflate_limit_counts_each_message_alone) {
    Inflater inf(inflate_options(15, true, 10));
    for (int i = 0; i < 5; ++i) {
        const Inflated r = inflate_message(inf, fixed_stream("0123456789"));
        CHECK(r.ended);
        CHECK_EQ(r.out.size(), size_t(10));
    }
    CHECK_EQ(inflate_message(inf, fixed_stream("0123456789a")).error, InflateError::too_big);
}

TEST(inflate_zip_bomb_stops_at_the_limit) {
    // 1 literal and 100,000 matches of 258 would be 25.8 MB; the limit is 64 KiB.
    BitStream s;
    s.header(false, kFixedBlock);
    fixed_symbol(s, 0);
    for (int i = 0; i < 100000; ++i) fixed_match(s, 258, 1);
    fixed_symbol(s, 256);
    s.sync_end();
    Inflater inf(inflate_options(15, true, 1 << 16));
    const Inflated r = inflate_message(inf, s.bytes(), 0, 4096);
    CHECK_EQ(r.error, InflateError::too_big);
    CHECK_LE(r.out.size(), size_t(1 << 16));
    CHECK_GT(r.out.size(), size_t((1 << 16) - 258));
}

TEST(inflate_output_full_then_resume_with_unconsumed_input) {
    Inflater inf(inflate_options());
    const Bytes payload = fixed_stream("abcdefghijklmnopqrstuvwxyz");
    uint8_t out[4];
    std::string got;
    size_t off = 0;
    int calls = 0;
    for (;;) {
        const auto r = inf.inflate(payload.data() + off, payload.size() - off, out, sizeof out, true);
        off += r.consumed;
        got.append(reinterpret_cast<char*>(out), r.produced);
        ++calls;
        if (r.status != InflateResult::Status::output_full) {
            CHECK(r.status == InflateResult::Status::message_end);
            break;
        }
        CHECK_EQ(r.produced, sizeof out);
    }
    CHECK_EQ(got, std::string("abcdefghijklmnopqrstuvwxyz"));
    CHECK_GE(calls, 7);
    CHECK_EQ(off, payload.size());
}

TEST(inflate_window_bits_limit_distance) {
    // 600 bytes, then a match 600 back: within 2^10, beyond 2^9.
    BitStream s;
    s.stored(bytes_of(pattern(600)));
    s.header(false, kFixedBlock);
    fixed_match(s, 3, 600);
    fixed_symbol(s, 256);
    s.sync_end();
    Inflater ten(inflate_options(10));
    CHECK(inflate_message(ten, s.bytes()).ended);
    Inflater nine(inflate_options(9));
    CHECK_EQ(inflate_message(nine, s.bytes()).error, InflateError::distance_too_far);
    // 8 is decoded with a 512-byte window (zlib compresses with 9 for 8).
    BitStream t;
    t.stored(bytes_of(pattern(600)));
    t.header(false, kFixedBlock);
    fixed_match(t, 3, 512);
    fixed_symbol(t, 256);
    t.sync_end();
    Inflater eight(inflate_options(8));
    CHECK(inflate_message(eight, t.bytes()).ended);
}

TEST(inflate_window_kept_across_many_messages_with_takeover) {
    // Each message refers to the one before, through a window of 2^9 bytes
    // that wraps many times.
    Inflater inf(inflate_options(9, true));
    std::string last = pattern(300);
    BitStream first;
    first.stored(bytes_of(last));
    first.sync_end();
    CHECK(inflate_message(inf, first.bytes()).ended);
    for (int i = 0; i < 50; ++i) {
        BitStream s;
        s.header(false, kFixedBlock);
        fixed_match(s, 258, 300);
        fixed_match(s, 42, 300);
        fixed_symbol(s, 256);
        s.sync_end();
        const Inflated r = inflate_message(inf, s.bytes(), 5, 17);
        CHECK(r.ended);
        CHECK(r.out == last);
    }
}

TEST(inflate_shrink_releases_only_without_context) {
    Inflater keep(inflate_options(15, true));
    CHECK_EQ(keep.heap_bytes(), size_t(0));
    CHECK(inflate_message(keep, fixed_stream("x")).ended);
    CHECK_EQ(keep.heap_bytes(), Inflater::heap_bytes_for(15));
    keep.shrink();
    CHECK_EQ(keep.heap_bytes(), Inflater::heap_bytes_for(15));

    Inflater drop(inflate_options(15, false));
    CHECK(inflate_message(drop, fixed_stream("x")).ended);
    drop.shrink();
    CHECK_EQ(drop.heap_bytes(), size_t(0));
    CHECK_EQ(inflate_message(drop, fixed_stream("again")).out, std::string("again"));

    // Mid-message nothing is released.
    const Bytes payload = fixed_stream("abc");
    std::vector<uint8_t> out(16);
    drop.inflate(payload.data(), 1, out.data(), out.size(), false);
    CHECK(drop.mid_message());
    drop.shrink();
    CHECK_GT(drop.heap_bytes(), size_t(0));
    CHECK_LE(Inflater::heap_bytes_for(15), size_t(40000));
    CHECK_LE(Inflater::heap_bytes_for(9), size_t(8000));
}

TEST(inflate_moved_keeps_its_state) {
    Inflater a(inflate_options());
    CHECK(inflate_message(a, fixed_stream("moved")).ended);
    Inflater b(std::move(a));
    BitStream s;
    s.header(false, kFixedBlock);
    fixed_match(s, 5, 5);
    fixed_symbol(s, 256);
    s.sync_end();
    CHECK_EQ(inflate_message(b, s.bytes()).out, std::string("moved"));
    Inflater c(inflate_options());
    c = std::move(b);
    CHECK_EQ(inflate_message(c, s.bytes()).out, std::string("moved"));
}
