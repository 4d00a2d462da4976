// RESP input that must be refused, one named case per line: bad type bytes,
// lines without CR or LF, bad integers and lengths, strings not ended at
// their length, malformed RESP3 scalars, streamed types; then each limit at
// and past its edge, decided from the header before the bytes arrive, and
// nesting at and past the depth limit and its cap.
#include <string>

#include "check.h"
#include "redis/resp.h"
#include "resp_text.h"

using namespace wshub::redis;
using namespace std::string_view_literals;
using resp_text::describe;

namespace {

constexpr Limits kRoomy{kMaxDepthCap, 1 << 20, 1 << 20, 1 << 24};

std::string at_once(std::string_view wire, const Limits& limits = kRoomy) {
    return describe(parse_reply(wire, limits));
}

struct BadCase {
    const char* name;
    std::string_view wire;
    const char* want;
};

const BadCase kBad[] = {
    {"type_question", "?1\r\n", "error bad_type"},
    {"type_letter", "x", "error bad_type"},
    {"type_crlf", "\r\n", "error bad_type"},
    {"type_nul", "\0"sv, "error bad_type"},
    {"type_stream_chunk", ";4\r\nabcd\r\n", "error bad_type"},
    {"type_stream_end", ".\r\n", "error bad_type"},
    {"type_inside_array", "*2\r\n:1\r\n@\r\n", "error bad_type"},
    {"lf_without_cr", "+OK\n", "error bad_line_end"},
    {"cr_without_lf", "+OK\rX", "error bad_line_end"},
    {"lf_in_simple_string", "+O\nK\r\n", "error bad_line_end"},
    {"cr_cr", "-ERR\r\r\n", "error bad_line_end"},
    {"integer_lf", ":1\n", "error bad_line_end"},
    {"length_lf", "$3\nabc\r\n", "error bad_line_end"},
    {"count_cr_x", "*1\rx", "error bad_line_end"},
    {"integer_empty", ":\r\n", "error bad_integer"},
    {"integer_letters", ":abc\r\n", "error bad_integer"},
    {"integer_trailing_letter", ":1a\r\n", "error bad_integer"},
    {"integer_leading_zero", ":01\r\n", "error bad_integer"},
    {"integer_two_signs", ":--1\r\n", "error bad_integer"},
    {"integer_sign_only", ":+\r\n", "error bad_integer"},
    {"integer_space", ": 1\r\n", "error bad_integer"},
    {"integer_trailing_space", ":1 \r\n", "error bad_integer"},
    {"integer_over_max", ":9223372036854775808\r\n", "error bad_integer"},
    {"integer_under_min", ":-9223372036854775809\r\n", "error bad_integer"},
    {"integer_too_long_unended", ":123456789012345678901", "error bad_integer"},
    {"bulk_minus_two", "$-2\r\n", "error bad_length"},
    {"array_minus_two", "*-2\r\n", "error bad_length"},
    {"bulk_minus_zero", "$-0\r\n", "error bad_length"},
    {"bulk_leading_zero", "$01\r\nx\r\n", "error bad_length"},
    {"bulk_plus", "$+1\r\nx\r\n", "error bad_length"},
    {"bulk_no_length", "$\r\n", "error bad_length"},
    {"bulk_letters", "$a\r\n", "error bad_length"},
    {"bulk_overflow", "$9223372036854775808\r\n", "error bad_length"},
    {"array_overflow", "*99999999999999999999\r\n", "error bad_length"},
    {"length_too_long_unended", "*000000000000000000000", "error bad_length"},
    {"map_null", "%-1\r\n", "error bad_length"},
    {"set_null", "~-1\r\n", "error bad_length"},
    {"push_null", ">-1\r\n", "error bad_length"},
    {"attribute_null", "|-1\r\n", "error bad_length"},
    {"bulk_error_null", "!-1\r\n", "error bad_length"},
    {"verbatim_null", "=-1\r\n", "error bad_length"},
    {"bulk_longer_than_said", "$3\r\nabcd\r\n", "error bad_string_end"},
    {"bulk_shorter_than_said", "$3\r\nab\r\n", "error bad_string_end"},
    {"bulk_cr_then_x", "$3\r\nabc\rx", "error bad_string_end"},
    {"bulk_lf_only", "$3\r\nabc\n", "error bad_string_end"},
    {"bulk_garbage_early", "$3\r\nabcX", "error bad_string_end"},
    {"bulk_error_unended", "!1\r\nab\r\n", "error bad_string_end"},
    {"null_with_text", "_x\r\n", "error bad_scalar"},
    {"boolean_empty", "#\r\n", "error bad_scalar"},
    {"boolean_x", "#x\r\n", "error bad_scalar"},
    {"boolean_upper", "#T\r\n", "error bad_scalar"},
    {"boolean_long_unended", "#tt", "error bad_scalar"},
    {"double_empty", ",\r\n", "error bad_scalar"},
    {"double_dot_end", ",1.\r\n", "error bad_scalar"},
    {"double_dot_start", ",.5\r\n", "error bad_scalar"},
    {"double_exponent_empty", ",1e\r\n", "error bad_scalar"},
    {"double_exponent_sign_only", ",1e+\r\n", "error bad_scalar"},
    {"double_word", ",abc\r\n", "error bad_scalar"},
    {"double_inf_upper", ",Inf\r\n", "error bad_scalar"},
    {"double_comma", ",1,5\r\n", "error bad_scalar"},
    {"double_hex", ",0x10\r\n", "error bad_scalar"},
    {"double_space", ", 1\r\n", "error bad_scalar"},
    {"big_number_empty", "(\r\n", "error bad_scalar"},
    {"big_number_sign_only", "(+\r\n", "error bad_scalar"},
    {"big_number_letter", "(12a\r\n", "error bad_scalar"},
    {"verbatim_too_short", "=3\r\ntxt\r\n", "error bad_scalar"},
    {"verbatim_no_colon", "=5\r\ntxtab\r\n", "error bad_scalar"},
    {"streamed_string", "$?\r\n", "error streamed"},
    {"streamed_array", "*?\r\n", "error streamed"},
    {"streamed_map", "%?\r\n", "error streamed"},
    {"nested_bad_integer", "*2\r\n:1\r\n:x\r\n", "error bad_integer"},
    {"bad_in_attribute", "|1\r\n+k\r\n#q\r\n+OK\r\n", "error bad_scalar"},
};

std::string nested_arrays(unsigned depth) {
    std::string wire;
    for (unsigned i = 0; i < depth; ++i) wire += "*1\r\n";
    return wire + ":7\r\n";
}

}  // namespace

TEST(resp_bad_input_refused) {
    for (const BadCase& c : kBad) {
        const std::string got = at_once(c.wire);
        if (got != c.want) std::fprintf(stderr, "  case %s\n", c.name);
        CHECK_EQ(got, c.want);
        // Resumed after any prefix, the answer is the same.
        for (size_t k = 0; k < c.wire.size(); ++k) {
            Parser parser;
            const std::string first(c.wire.substr(0, k));
            const Reply r = parser.parse(first, kRoomy);
            const std::string again = r.status == Status::incomplete ? describe(parser.parse(c.wire, kRoomy))
                                                                     : describe(r);
            if (again != c.want) std::fprintf(stderr, "  case %s, split %zu\n", c.name, k);
            CHECK_EQ(again, c.want);
        }
    }
}

// A Parser that refused a reply starts afresh on the next call.
TEST(resp_parser_after_error) {
    Parser parser;
    CHECK_EQ(describe(parser.parse("*2\r\n:x\r\n", kRoomy)), "error bad_integer");
    CHECK_EQ(describe(parser.parse(":5\r\n", kRoomy)), "complete 4 :5");
    CHECK_EQ(describe(parser.parse("*2\r\n:1\r\n", kRoomy)), "incomplete");
    parser.reset();
    CHECK_EQ(describe(parser.parse("+a\r\n", kRoomy)), R"(complete 4 +"a")");
}

TEST(resp_depth_at_and_past_the_limit) {
    for (unsigned limit = 0; limit < 6; ++limit) {
        const Limits l{limit, 64, 64, 4096};
        CHECK_EQ(at_once(nested_arrays(limit), l).substr(0, 8), "complete");
        CHECK_EQ(at_once(nested_arrays(limit + 1), l), "error too_deep");
        // Refused at the header that goes too deep, before the rest arrives.
        CHECK_EQ(at_once(nested_arrays(limit + 1).substr(0, 4 * (limit + 1)), l), "error too_deep");
    }
    // Empty aggregates and attributes are levels too.
    CHECK_EQ(at_once("*1\r\n*0\r\n", Limits{1, 64, 64, 4096}), "error too_deep");
    CHECK_EQ(at_once("*1\r\n|0\r\n:1\r\n", Limits{1, 64, 64, 4096}), "error too_deep");
    CHECK_EQ(at_once("|1\r\n+a\r\n*1\r\n:1\r\n*1\r\n:1\r\n", Limits{1, 64, 64, 4096}), "error too_deep");
    CHECK_EQ(at_once("|1\r\n+a\r\n:1\r\n*1\r\n:1\r\n", Limits{1, 64, 64, 4096}).substr(0, 8), "complete");
}

// Whatever max_depth says, kMaxDepthCap is the most (the fixed stack).
TEST(resp_depth_cap) {
    const Limits l{1000, 64, 64, 1 << 20};
    const std::string at_cap = at_once(nested_arrays(kMaxDepthCap), l);
    CHECK_EQ(at_cap.substr(0, at_cap.find(' ', 9)), "complete " + std::to_string(4 * kMaxDepthCap + 4));
    CHECK_EQ(at_once(nested_arrays(kMaxDepthCap + 1), l), "error too_deep");
    // A megabyte of '*1\r\n' costs no stack and no allocation: refused at the cap.
    std::string deep;
    for (int i = 0; i < 250000; ++i) deep += "*1\r\n";
    CHECK_EQ(at_once(deep, Limits{1000, 64, 64, 1 << 24}), "error too_deep");
}

// Each size limit at its edge and one past it, for every kind of string.
TEST(resp_string_limit_edges) {
    const Limits l{4, 5, 64, 4096};
    CHECK_EQ(at_once("$5\r\nabcde\r\n", l), R"(complete 11 $"abcde")");
    CHECK_EQ(at_once("$6\r\n", l), "error string_too_long");  // before the bytes
    CHECK_EQ(at_once("!5\r\nERR x\r\n", l), R"(complete 11 !"ERR x")");
    CHECK_EQ(at_once("!6\r\n", l), "error string_too_long");
    CHECK_EQ(at_once("=5\r\ntxt:a\r\n", l), R"(complete 11 =txt:"a")");
    CHECK_EQ(at_once("=6\r\n", l), "error string_too_long");
    CHECK_EQ(at_once("+abcde\r\n", l), R"(complete 8 +"abcde")");
    CHECK_EQ(at_once("+abcdef", l), "error string_too_long");  // before its end arrives
    CHECK_EQ(at_once("-abcdef", l), "error string_too_long");
    CHECK_EQ(at_once(",1.234\r\n", l), "complete 8 ,1.234=1.234");
    CHECK_EQ(at_once(",1.2345", l), "error string_too_long");
    CHECK_EQ(at_once("(12345\r\n", l), "complete 8 (12345");
    CHECK_EQ(at_once("(123456", l), "error string_too_long");
    // A huge declared length is refused at once, not waited for.
    CHECK_EQ(at_once("$9223372036854775807\r\n", kRoomy), "error string_too_long");
}

TEST(resp_element_limit_edges) {
    const Limits l{4, 64, 4, 4096};
    CHECK_EQ(at_once("*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n", l), "complete 20 *[:1, :2, :3, :4]");
    CHECK_EQ(at_once("*5\r\n", l), "error too_many_elements");
    CHECK_EQ(at_once("~5\r\n", l), "error too_many_elements");
    CHECK_EQ(at_once(">5\r\n", l), "error too_many_elements");
    CHECK_EQ(at_once("%2\r\n:1\r\n:2\r\n:3\r\n:4\r\n", l), "complete 20 %{:1: :2, :3: :4}");
    CHECK_EQ(at_once("%3\r\n", l), "error too_many_elements");  // 6 values
    CHECK_EQ(at_once("|3\r\n", l), "error too_many_elements");
    CHECK_EQ(at_once("%3\r\n", Limits{4, 64, 5, 4096}), "error too_many_elements");
    CHECK_EQ(at_once("*9223372036854775807\r\n", kRoomy), "error too_many_elements");
    // Under no element limit a huge count is bounded by the reply's size alone.
    CHECK_EQ(at_once("%9223372036854775807\r\n", Limits{4, 64, UINT64_MAX, 4096}), "incomplete");
    std::string many = "%9223372036854775807\r\n";
    while (many.size() <= 4096) many += ":1\r\n";
    CHECK_EQ(at_once(many, Limits{4, 64, UINT64_MAX, 4096}), "error reply_too_large");
}

TEST(resp_reply_limit_edges) {
    // 11 bytes: exactly the limit, then one short of it, with and without the rest in hand.
    CHECK_EQ(at_once("$5\r\nabcde\r\n", Limits{4, 64, 64, 11}), R"(complete 11 $"abcde")");
    CHECK_EQ(at_once("$5\r\nabcde\r\n", Limits{4, 64, 64, 10}), "error reply_too_large");
    CHECK_EQ(at_once("$5\r\n", Limits{4, 64, 64, 10}), "error reply_too_large");
    CHECK_EQ(at_once("+abcdefghi", Limits{4, 64, 64, 10}), "error reply_too_large");
    CHECK_EQ(at_once("+abcdefgh", Limits{4, 64, 64, 10}), "incomplete");
    CHECK_EQ(at_once("+abcdefgh\r", Limits{4, 64, 64, 10}), "error reply_too_large");
    CHECK_EQ(at_once("*3\r\n:1\r\n:2\r\n", Limits{4, 64, 64, 15}), "incomplete");
    // A value still to come where the limit ends: refused without waiting for it.
    CHECK_EQ(at_once("*3\r\n:1\r\n:2\r\n", Limits{4, 64, 64, 12}), "error reply_too_large");
    CHECK_EQ(at_once("*3\r\n:1\r\n:2\r\n:33", Limits{4, 64, 64, 15}), "error reply_too_large");
    // Bytes beyond a complete reply do not count against it.
    CHECK_EQ(at_once("+OK\r\n+more bytes behind it\r\n", Limits{4, 64, 64, 5}), R"(complete 5 +"OK")");
}
