// Every way the inflater refuses a stream, each a named case with the error
// it must give: block types, stored lengths, dynamic headers (counts, the
// code-length code, repeats, the codes they make), symbols, distances, the
// final block, the message end, the limit; and errors are sticky.
#include <functional>
#include <string>
#include <vector>

#include "check.h"
#include "deflate/inflate.h"
#include "deflate_streams.h"

using namespace wshub::deflate;
using namespace testdeflate;

namespace {

// Writes dynamic block headers with a code-length code in which every
// symbol has a code (a complete code: 0..12 get 4 bits, 13..18 get 5), so
// that any list of lengths can be written one symbol per length.
struct DynamicHeader {
    std::vector<uint8_t> cl = std::vector<uint8_t>(19, 0);
    std::vector<uint32_t> cl_codes;
    DynamicHeader() {
        for (unsigned s = 0; s < 19; ++s) cl[s] = s <= 12 ? 4 : 5;
        cl_codes = canonical_codes(cl);
    }
    void sym(BitStream& s, unsigned c) const { s.put_code(cl_codes[c], cl[c]); }
    // Writes the header fields and the code-length code (all 19 lengths).
    void begin(BitStream& s, unsigned hlit, unsigned hdist) const {
        s.header(false, kDynamicBlock);
        s.put(hlit - 257, 5);
        s.put(hdist - 1, 5);
        s.put(19 - 4, 4);
        for (unsigned i = 0; i < 19; ++i) s.put(cl[kCodeLengthOrder[i]], 3);
    }
    void lengths(BitStream& s, const std::vector<uint8_t>& lens) const {
        for (uint8_t l : lens) sym(s, l);
    }
};

// Literal/length lengths making a complete code over symbols 0..258: the 256
// literals at 9 bits (half the code space), 256 at 2 bits (a quarter), 257
// and 258 at 3 bits (an eighth each).
std::vector<uint8_t> complete_litlen() {
    std::vector<uint8_t> lit(259, 9);
    lit[256] = 2;
    lit[257] = 3;
    lit[258] = 3;
    return lit;
}

struct Case {
    const char* name;
    std::function<Bytes()> stream;
    InflateError want;
    unsigned window_bits = 15;
};

Bytes with_fixed(const std::function<void(BitStream&)>& body) {
    BitStream s;
    s.header(false, kFixedBlock);
    body(s);
    fixed_symbol(s, 256);
    s.sync_end();
    return s.bytes();
}

Bytes dynamic(const std::vector<uint8_t>& lit, const std::vector<uint8_t>& dist) {
    DynamicHeader h;
    BitStream s;
    h.begin(s, unsigned(lit.size()), unsigned(dist.size()));
    h.lengths(s, lit);
    h.lengths(s, dist);
    s.put(0, 32);  // whatever follows: the header itself is refused
    return s.bytes();
}

// Block headers and stored blocks.
std::vector<Case> block_cases() {
    return {
        {"block type 3", [] {
             BitStream s;
             s.header(false, 3);
             s.put(0, 16);
             return s.bytes();
         }, InflateError::bad_block_type},
        {"stored NLEN not LEN's complement", [] {
             BitStream s;
             s.stored(bytes_of("abc"), false, 0x0100);
             s.sync_end();
             return s.bytes();
         }, InflateError::stored_length_mismatch},
    };
}

// Dynamic block headers: counts and the code-length code.
std::vector<Case> header_cases() {
    return {
        {"HLIT 287 codes", [] {
             BitStream s;
             s.header(false, kDynamicBlock);
             s.put(30, 5), s.put(0, 5), s.put(0, 4), s.put(0, 32);
             return s.bytes();
         }, InflateError::too_many_codes},
        {"HDIST 31 codes", [] {
             BitStream s;
             s.header(false, kDynamicBlock);
             s.put(0, 5), s.put(30, 5), s.put(0, 4), s.put(0, 32);
             return s.bytes();
         }, InflateError::too_many_codes},
        {"code-length code over-subscribed", [] {
             BitStream s;
             s.header(false, kDynamicBlock);
             s.put(0, 5), s.put(0, 5), s.put(0, 4);  // HCLEN 4: symbols 16, 17, 18, 0
             for (int i = 0; i < 4; ++i) s.put(1, 3);  // four 1-bit codes
             s.put(0, 32);
             return s.bytes();
         }, InflateError::bad_code_length_code},
        {"code-length code incomplete", [] {
             BitStream s;
             s.header(false, kDynamicBlock);
             s.put(0, 5), s.put(0, 5), s.put(0, 4);
             s.put(2, 3), s.put(2, 3), s.put(2, 3), s.put(0, 3);  // three 2-bit codes
             s.put(0, 32);
             return s.bytes();
         }, InflateError::bad_code_length_code},
        {"code-length code all zero", [] {
             BitStream s;
             s.header(false, kDynamicBlock);
             s.put(0, 5), s.put(0, 5), s.put(0, 4), s.put(0, 12), s.put(0, 32);
             return s.bytes();
         }, InflateError::bad_code_length_code},
    };
}

// Code-length repeats with nothing to repeat or past the end.
std::vector<Case> repeat_cases() {
    return {
        {"repeat (16) as the first length", [] {
             DynamicHeader h;
             BitStream s;
             h.begin(s, 257, 1);
             h.sym(s, 16), s.put(0, 2), s.put(0, 32);
             return s.bytes();
         }, InflateError::repeat_without_length},
        {"zeros (18) past HLIT + HDIST", [] {
             DynamicHeader h;
             BitStream s;
             h.begin(s, 257, 1);
             h.sym(s, 18), s.put(127, 7);  // 138
             h.sym(s, 18), s.put(110, 7);  // 121 more: 259 > 258
             s.put(0, 32);
             return s.bytes();
         }, InflateError::repeat_past_end},
        {"repeat (16) past HLIT + HDIST", [] {
             DynamicHeader h;
             BitStream s;
             h.begin(s, 257, 1);
             h.sym(s, 18), s.put(127, 7);  // 138
             h.sym(s, 18), s.put(107, 7);  // 118: 256 so far
             h.sym(s, 2);                  // 257
             h.sym(s, 16), s.put(0, 2);    // 3 more: 260 > 258
             s.put(0, 32);
             return s.bytes();
         }, InflateError::repeat_past_end},
    };
}

// The codes a dynamic header's lengths make.
std::vector<Case> code_cases() {
    return {
        {"no code for end of block", [] {
             std::vector<uint8_t> lit = complete_litlen();
             lit[256] = 0;
             return dynamic(lit, {1});
         }, InflateError::no_end_of_block},
        {"literal/length code over-subscribed", [] {
             std::vector<uint8_t> lit = complete_litlen();
             lit[0] = 1;
             return dynamic(lit, {1});
         }, InflateError::bad_literal_length_code},
        {"literal/length code incomplete", [] {
             std::vector<uint8_t> lit = complete_litlen();
             lit[258] = 0;
             return dynamic(lit, {1});
         }, InflateError::bad_literal_length_code},
        {"distance code over-subscribed", [] {
             return dynamic(complete_litlen(), {1, 1, 1});
         }, InflateError::bad_distance_code},
        {"distance code incomplete", [] {
             return dynamic(complete_litlen(), {1, 2});
         }, InflateError::bad_distance_code},
    };
}

// Codes that cannot be decoded.
std::vector<Case> data_cases() {
    return {
        {"unused half of a single distance code", [] {
             DynamicHeader h;
             BitStream s;
             const std::vector<uint8_t> lit = complete_litlen();
             h.begin(s, 259, 1);
             h.lengths(s, lit);
             h.lengths(s, {1});
             const auto codes = canonical_codes(lit);
             s.put_code(codes['a'], 9);
             s.put_code(codes[257], 3);  // length 3
             s.put_code(1, 1);           // the 1-bit pattern with no code
             s.put(0, 32);
             return s.bytes();
         }, InflateError::invalid_code},
        {"length with no distance codes", [] {
             DynamicHeader h;
             BitStream s;
             const std::vector<uint8_t> lit = complete_litlen();
             h.begin(s, 259, 1);
             h.lengths(s, lit);
             h.lengths(s, {0});
             const auto codes = canonical_codes(lit);
             s.put_code(codes['a'], 9);
             s.put_code(codes[257], 3);
             s.put(0, 32);
             return s.bytes();
         }, InflateError::bad_distance_symbol},
    };
}

// Symbols the fixed code has but DEFLATE never allows, and distances.
std::vector<Case> symbol_cases() {
    return {
        {"fixed literal/length symbol 286", [] {
             return with_fixed([](BitStream& s) { fixed_symbol(s, 286); });
         }, InflateError::bad_length_symbol},
        {"fixed literal/length symbol 287", [] {
             return with_fixed([](BitStream& s) { fixed_symbol(s, 287); });
         }, InflateError::bad_length_symbol},
        {"fixed distance symbol 30", [] {
             return with_fixed([](BitStream& s) {
                 fixed_symbol(s, 'a');
                 fixed_symbol(s, 257);
                 s.put_code(30, 5);
             });
         }, InflateError::bad_distance_symbol},
        {"fixed distance symbol 31", [] {
             return with_fixed([](BitStream& s) {
                 fixed_symbol(s, 'a');
                 fixed_symbol(s, 257);
                 s.put_code(31, 5);
             });
         }, InflateError::bad_distance_symbol},
        {"distance before the first byte", [] {
             return with_fixed([](BitStream& s) { fixed_match(s, 3, 1); });
         }, InflateError::distance_too_far},
        {"distance one past the bytes produced", [] {
             return with_fixed([](BitStream& s) {
                 for (char c : std::string("abcd")) fixed_symbol(s, uint8_t(c));
                 fixed_match(s, 3, 5);
             });
         }, InflateError::distance_too_far},
        {"distance past a 2^9 window", [] {
             BitStream s;
             s.stored(Bytes(1000, 'q'));
             s.header(false, kFixedBlock);
             fixed_match(s, 3, 513);
             fixed_symbol(s, 256);
             s.sync_end();
             return s.bytes();
         }, InflateError::distance_too_far, 9},
    };
}

// How a message may end wrongly.
std::vector<Case> end_cases() {
    return {
        {"a byte after the final block", [] {
             BitStream s;
             s.stored(bytes_of("end"), true);
             s.put(0x5a, 8);
             return s.bytes();
         }, InflateError::data_after_final_block},
        {"an unstripped sync flush after the final block", [] {
             BitStream s;
             s.header(true, kFixedBlock);
             fixed_symbol(s, 256);
             s.stored({});
             return s.bytes();
         }, InflateError::data_after_final_block},
        {"message ends inside a fixed block", [] {
             BitStream s;
             s.header(false, kFixedBlock);
             fixed_symbol(s, 'a');
             return s.bytes();
         }, InflateError::truncated},
        {"message ends inside a stored block", [] {
             BitStream s;
             s.stored(bytes_of("0123456789"));
             Bytes b = s.bytes();
             b.erase(b.end() - 5, b.end());  // with 00 00 ff ff still one byte short
             return b;
         }, InflateError::truncated},
        {"message ends inside a dynamic header", [] {
             BitStream s;
             s.header(false, kDynamicBlock);
             s.put(0, 5), s.put(0, 5), s.put(15, 4);  // 19 code-length lengths: 57 bits
             s.put(1, 3), s.put(1, 3), s.put(1, 3);   // 9 of them, and 32 bits of tail
             return s.bytes();
         }, InflateError::truncated},
        {"message whose 00 00 ff ff was not removed", [] {
             BitStream s;
             s.stored(bytes_of("abc"));
             s.stored({});  // ends 00 00 ff ff: a second tail follows it
             return s.bytes();
         }, InflateError::truncated},
    };
}

const std::vector<Case>& cases() {
    static const std::vector<Case> all = [] {
        std::vector<Case> v;
        for (auto group : {block_cases, header_cases, repeat_cases, code_cases, data_cases, symbol_cases, end_cases})
            for (Case& c : group()) v.push_back(std::move(c));
        return v;
    }();
    return all;
}

}  // namespace

TEST(inflate_refuses_each_bad_stream_with_its_error) {
    for (const Case& c : cases()) {
        const Bytes payload = c.stream();
        for (size_t piece : {size_t(0), size_t(1)}) {
            Inflater inf(inflate_options(c.window_bits));
            const Inflated r = inflate_message(inf, payload, piece);
            if (r.error != c.want)
                std::fprintf(stderr, "  case \"%s\" (pieces of %zu): %s\n", c.name, piece,
                             std::string(describe(r.error)).c_str());
            CHECK_EQ(r.error, c.want);
            CHECK(!r.ended);
        }
    }
}

TEST(inflate_errors_are_sticky) {
    Inflater inf(inflate_options());
    const Inflated r = inflate_message(inf, cases()[0].stream());
    CHECK_EQ(r.error, InflateError::bad_block_type);
    const Bytes good = {0x00};
    uint8_t out[16];
    const auto again = inf.inflate(good.data(), good.size(), out, sizeof out, true);
    CHECK(again.status == InflateResult::Status::error);
    CHECK_EQ(again.error, InflateError::bad_block_type);
    CHECK_EQ(again.consumed, good.size());
    CHECK_EQ(again.produced, size_t(0));
    inf.shrink();  // an inflater in error may always release its memory
    CHECK_EQ(inf.heap_bytes(), size_t(0));
}

TEST(inflate_error_descriptions_are_distinct) {
    std::vector<std::string> seen;
    for (unsigned e = 1; e <= unsigned(InflateError::out_of_memory); ++e) {
        const std::string d(describe(InflateError(e)));
        CHECK(!d.empty());
        for (const std::string& s : seen) CHECK_NE(s, d);
        seen.push_back(d);
    }
    CHECK_EQ(describe(InflateError::none), std::string_view());
}
