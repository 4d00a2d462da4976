// http::negotiate_deflate and deflate_answer: the permessage-deflate offer
// (RFC 7692 section 7) read from Sec-WebSocket-Extensions lines. A table
// case per line: one offer, each parameter with and without a value,
// quoting, duplicates, unknown names, bad numbers, other extensions, case,
// the grammar's breaks; then several lines, the policies' answers as exact
// lines, and every line cut at every byte.
#include <string>
#include <vector>

#include "check.h"
#include "http/extensions.h"

using wshub::http::DeflateNegotiation;
using wshub::http::DeflateParams;
using wshub::http::DeflatePolicy;
using wshub::http::ExtensionsOutcome;

namespace {

constexpr std::string_view kPrefix = "Sec-WebSocket-Extensions: ";

// "none", "malformed", or "s<server bits> c<client bits> <answer>" where the
// answer is deflate_answer's line without its header name and CRLF.
std::string describe(const DeflateNegotiation& r) {
    if (r.outcome == ExtensionsOutcome::none) return "none";
    if (r.outcome == ExtensionsOutcome::malformed) return "malformed";
    const std::string line = wshub::http::deflate_answer(r.params);
    if (line.rfind(kPrefix, 0) != 0 || line.size() < kPrefix.size() + 2 || line.substr(line.size() - 2) != "\r\n")
        return "bad answer line: " + line;
    return "s" + std::to_string(r.params.server_window_bits) + " c" + std::to_string(r.params.client_window_bits) +
           " " + line.substr(kPrefix.size(), line.size() - kPrefix.size() - 2);
}

// `header_lines`: whole header lines, each ending in CRLF.
std::string negotiate_lines(const std::string& header_lines, const DeflatePolicy& policy = {}) {
    const std::string head = "GET /ws HTTP/1.1\r\nHost: x\r\n" + header_lines + "\r\n";
    wshub::http::Request req;
    if (wshub::http::parse_request(head, req) != wshub::http::ParseStatus::ok) return "request refused";
    return describe(wshub::http::negotiate_deflate(req, policy));
}

std::string offer(const std::string& value, const DeflatePolicy& policy = {}) {
    return negotiate_lines("Sec-WebSocket-Extensions: " + value + "\r\n", policy);
}

constexpr const char* kPlain = "s15 c15 permessage-deflate";

struct Case {
    const char* name;
    std::string value;
    std::string want;
};

void run_cases(const std::vector<Case>& cases, const DeflatePolicy& policy = {}) {
    for (const Case& k : cases) {
        const std::string name = std::string(k.name) + ": ";
        CHECK_EQ(name + offer(k.value, policy), name + k.want);
    }
}

}  // namespace

TEST(extensions_single_offer_parameters) {
    run_cases({
        {"plain", "permessage-deflate", kPlain},
        {"server_nct", "permessage-deflate; server_no_context_takeover",
         "s15 c15 permessage-deflate; server_no_context_takeover"},
        {"client_nct", "permessage-deflate; client_no_context_takeover",
         "s15 c15 permessage-deflate; client_no_context_takeover"},
        {"server_bits", "permessage-deflate; server_max_window_bits=10",
         "s10 c15 permessage-deflate; server_max_window_bits=10"},
        {"server_bits_15_answered", "permessage-deflate; server_max_window_bits=15",
         "s15 c15 permessage-deflate; server_max_window_bits=15"},
        {"server_bits_8", "permessage-deflate; server_max_window_bits=8",
         "s8 c15 permessage-deflate; server_max_window_bits=8"},
        {"client_bits_no_value", "permessage-deflate; client_max_window_bits", kPlain},
        {"client_bits_value", "permessage-deflate; client_max_window_bits=9",
         "s15 c9 permessage-deflate; client_max_window_bits=9"},
        {"client_bits_15_answered", "permessage-deflate; client_max_window_bits=15",
         "s15 c15 permessage-deflate; client_max_window_bits=15"},
        {"all_four", "permessage-deflate; client_max_window_bits=12; server_max_window_bits=11;"
                     " client_no_context_takeover; server_no_context_takeover",
         "s11 c12 permessage-deflate; server_no_context_takeover; client_no_context_takeover;"
         " server_max_window_bits=11; client_max_window_bits=12"},
    });
}

TEST(extensions_declined_offers) {
    run_cases({
        {"unknown_param", "permessage-deflate; mux", "none"},
        {"unknown_param_value", "permessage-deflate; level=9", "none"},
        {"duplicate_flag", "permessage-deflate; server_no_context_takeover; server_no_context_takeover", "none"},
        {"duplicate_bits", "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10", "none"},
        {"duplicate_other_case", "permessage-deflate; client_max_window_bits; Client_Max_Window_Bits=9", "none"},
        {"value_on_flag", "permessage-deflate; server_no_context_takeover=1", "none"},
        {"quoted_value_on_flag", "permessage-deflate; client_no_context_takeover=\"true\"", "none"},
        {"server_bits_missing", "permessage-deflate; server_max_window_bits", "none"},
        {"bits_7", "permessage-deflate; server_max_window_bits=7", "none"},
        {"bits_16", "permessage-deflate; server_max_window_bits=16", "none"},
        {"bits_0", "permessage-deflate; client_max_window_bits=0", "none"},
        {"bits_leading_zero", "permessage-deflate; server_max_window_bits=09", "none"},
        {"bits_leading_zero_2", "permessage-deflate; client_max_window_bits=010", "none"},
        {"bits_plus", "permessage-deflate; server_max_window_bits=+9", "none"},
        {"bits_minus", "permessage-deflate; client_max_window_bits=-9", "none"},
        {"bits_huge", "permessage-deflate; server_max_window_bits=4294967306", "none"},
        {"bits_word", "permessage-deflate; server_max_window_bits=ten", "none"},
        {"bits_hex", "permessage-deflate; server_max_window_bits=0xa", "none"},
        {"bits_fraction", "permessage-deflate; server_max_window_bits=9.5", "none"},
        {"quoted_bits_out_of_range", "permessage-deflate; server_max_window_bits=\"16\"", "none"},
        {"declined_then_accepted", "permessage-deflate; server_max_window_bits=99, permessage-deflate",
         kPlain},
        {"first_acceptable_wins",
         "permessage-deflate; x, permessage-deflate; server_max_window_bits=12,"
         " permessage-deflate; server_max_window_bits=9",
         "s12 c15 permessage-deflate; server_max_window_bits=12"},
        {"none_acceptable", "permessage-deflate; a, permessage-deflate; b", "none"},
    });
}

TEST(extensions_quoting_case_and_others) {
    run_cases({
        {"quoted_bits", "permessage-deflate; server_max_window_bits=\"10\"",
         "s10 c15 permessage-deflate; server_max_window_bits=10"},
        {"quoted_escaped_char", "permessage-deflate; client_max_window_bits=\"1\\1\"",
         "s15 c11 permessage-deflate; client_max_window_bits=11"},
        {"quoted_all_escaped", "permessage-deflate; server_max_window_bits=\"\\9\"",
         "s9 c15 permessage-deflate; server_max_window_bits=9"},
        {"spaces_around_separators", "permessage-deflate ;\tserver_max_window_bits = 13 ; client_max_window_bits",
         "s13 c15 permessage-deflate; server_max_window_bits=13"},
        {"extension_case", "PerMessage-Deflate", kPlain},
        {"param_case", "permessage-deflate; SERVER_MAX_WINDOW_BITS=10; Client_No_Context_Takeover",
         "s10 c15 permessage-deflate; client_no_context_takeover; server_max_window_bits=10"},
        {"other_extension_first", "x-webkit-deflate-frame, permessage-deflate", kPlain},
        {"other_extension_with_params", "foo; a=1; b=\"xy\"; c, permessage-deflate; client_no_context_takeover",
         "s15 c15 permessage-deflate; client_no_context_takeover"},
        {"other_extension_quoted_token", "foo; a=\"b\\c\", permessage-deflate; client_no_context_takeover",
         "s15 c15 permessage-deflate; client_no_context_takeover"},
        {"only_other_extensions", "foo, bar; baz=1", "none"},
        {"prefix_is_not_the_name", "permessage-deflate-x, permessage", "none"},
        {"empty_elements", " , ,permessage-deflate,, ,", kPlain},
        {"only_commas", ", ,,", "none"},
        {"deflate_params_elsewhere_ignored", "foo; server_max_window_bits=99, permessage-deflate", kPlain},
    });
}

TEST(extensions_malformed_lines) {
    run_cases({
        {"unterminated_quote", "permessage-deflate; server_max_window_bits=\"10", "malformed"},
        {"backslash_at_end", "permessage-deflate; server_max_window_bits=\"10\\", "malformed"},
        {"empty_quoted", "permessage-deflate; server_max_window_bits=\"\"", "malformed"},
        {"quoted_space", "permessage-deflate; server_max_window_bits=\"1 0\"", "malformed"},
        {"quoted_separator", "foo; a=\"x,y\", permessage-deflate", "malformed"},
        {"quoted_escaped_quote", "foo; b=\"x\\\"y\", permessage-deflate", "malformed"},
        {"junk_after_quote", "permessage-deflate; server_max_window_bits=\"10\"x", "malformed"},
        {"bare_equals", "permessage-deflate; =", "malformed"},
        {"equals_without_value", "permessage-deflate; server_max_window_bits=", "malformed"},
        {"equals_without_value_then_more", "permessage-deflate; server_max_window_bits= ; x", "malformed"},
        {"param_without_name", "permessage-deflate; =10", "malformed"},
        {"trailing_semicolon", "permessage-deflate;", "malformed"},
        {"double_semicolon", "permessage-deflate;; server_no_context_takeover", "malformed"},
        {"leading_semicolon", "; permessage-deflate", "malformed"},
        {"value_on_extension", "permessage-deflate=1", "malformed"},
        {"space_in_name", "permessage deflate", "malformed"},
        {"space_in_param_name", "permessage-deflate; server no_context_takeover", "malformed"},
        {"two_values", "permessage-deflate; server_max_window_bits=10 11", "malformed"},
        {"non_token_char", "permessage-deflate; server_max_window_bits=1@", "malformed"},
        {"quoted_extension_name", "\"permessage-deflate\"", "malformed"},
        {"slash_in_name", "permessage/deflate", "malformed"},
        {"non_ascii", "permessage-deflate; x=\xc3\xa9", "malformed"},
        {"after_an_accepted_offer", "permessage-deflate, foo;", "malformed"},
        {"in_another_extension", "foo bar, permessage-deflate", "malformed"},
    });
}

TEST(extensions_header_lines) {
    // Every line of the name, in order, as one list; other headers between them.
    CHECK_EQ(negotiate_lines(""), "none");
    CHECK_EQ(negotiate_lines("Sec-WebSocket-Extensions:\r\n"), "none");
    CHECK_EQ(negotiate_lines("Sec-WebSocket-Extension: permessage-deflate\r\n"), "none");
    CHECK_EQ(negotiate_lines("sec-websocket-extensions: permessage-deflate\r\n"), kPlain);
    CHECK_EQ(negotiate_lines("Sec-WebSocket-Extensions: foo\r\nOrigin: o\r\n"
                             "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=9\r\n"),
             "s9 c15 permessage-deflate; server_max_window_bits=9");
    CHECK_EQ(negotiate_lines("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10\r\n"
                             "Sec-WebSocket-Extensions: permessage-deflate\r\n"),
             "s15 c10 permessage-deflate; client_max_window_bits=10");
    CHECK_EQ(negotiate_lines("Sec-WebSocket-Extensions: permessage-deflate; bogus\r\n"
                             "Sec-WebSocket-Extensions: foo, permessage-deflate; server_no_context_takeover\r\n"),
             "s15 c15 permessage-deflate; server_no_context_takeover");
    // A broken line anywhere makes the whole malformed, before or after the offer taken.
    CHECK_EQ(negotiate_lines("Sec-WebSocket-Extensions: permessage-deflate\r\n"
                             "Sec-WebSocket-Extensions: a;\r\n"),
             "malformed");
    CHECK_EQ(negotiate_lines("Sec-WebSocket-Extensions: \"x\r\n"
                             "Sec-WebSocket-Extensions: permessage-deflate\r\n"),
             "malformed");
    // An empty line between is nothing.
    CHECK_EQ(negotiate_lines("Sec-WebSocket-Extensions:\r\nSec-WebSocket-Extensions: permessage-deflate\r\n"),
             kPlain);
}

TEST(extensions_policy_answers) {
    DeflatePolicy flags;
    flags.server_no_context_takeover = true;
    flags.client_no_context_takeover = true;
    CHECK_EQ(offer("permessage-deflate", flags),
             "s15 c15 permessage-deflate; server_no_context_takeover; client_no_context_takeover");
    CHECK_EQ(offer("permessage-deflate; server_no_context_takeover", flags),
             "s15 c15 permessage-deflate; server_no_context_takeover; client_no_context_takeover");

    DeflatePolicy small;
    small.server_max_window_bits = 10;
    small.client_max_window_bits = 9;
    // The server's window is answered below 15 even when not offered; the
    // client's only when offered.
    CHECK_EQ(offer("permessage-deflate", small), "s10 c15 permessage-deflate; server_max_window_bits=10");
    CHECK_EQ(offer("permessage-deflate; client_max_window_bits", small),
             "s10 c9 permessage-deflate; server_max_window_bits=10; client_max_window_bits=9");
    CHECK_EQ(offer("permessage-deflate; client_max_window_bits=12; server_max_window_bits=12", small),
             "s10 c9 permessage-deflate; server_max_window_bits=10; client_max_window_bits=9");
    CHECK_EQ(offer("permessage-deflate; client_max_window_bits=8; server_max_window_bits=8", small),
             "s8 c8 permessage-deflate; server_max_window_bits=8; client_max_window_bits=8");
    CHECK_EQ(offer("permessage-deflate; server_max_window_bits=10", small),
             "s10 c15 permessage-deflate; server_max_window_bits=10");

    // Out-of-range policy numbers are taken as the nearest of 8 and 15.
    DeflatePolicy out_of_range;
    out_of_range.server_max_window_bits = 3;
    out_of_range.client_max_window_bits = 200;
    CHECK_EQ(offer("permessage-deflate; client_max_window_bits", out_of_range),
             "s8 c15 permessage-deflate; server_max_window_bits=8");
}

TEST(extensions_answer_lines) {
    DeflateParams p;
    CHECK_EQ(wshub::http::deflate_answer(p), "Sec-WebSocket-Extensions: permessage-deflate\r\n");
    p.server_no_context_takeover = true;
    p.server_window_bits = 12;
    p.answer_server_window_bits = true;
    CHECK_EQ(wshub::http::deflate_answer(p),
             "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; server_max_window_bits=12\r\n");
    p = {};
    p.client_no_context_takeover = true;
    p.client_window_bits = 8;
    p.answer_client_window_bits = true;
    CHECK_EQ(wshub::http::deflate_answer(p),
             "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; client_max_window_bits=8\r\n");
}

// An answer read back as an offer, under a policy that asks for nothing,
// gives the same agreement.
TEST(extensions_answer_reparsed) {
    const std::vector<std::string> offers = {
        "permessage-deflate",
        "permessage-deflate; server_no_context_takeover; client_max_window_bits",
        "permessage-deflate; client_max_window_bits=11; server_max_window_bits=13",
        "permessage-deflate; client_no_context_takeover; server_max_window_bits=15",
    };
    DeflatePolicy tight{true, true, 9, 10};
    for (const DeflatePolicy& policy : {DeflatePolicy{}, tight}) {
        for (const std::string& value : offers) {
            const std::string head = "GET / HTTP/1.1\r\nSec-WebSocket-Extensions: " + value + "\r\n\r\n";
            wshub::http::Request req;
            CHECK(wshub::http::parse_request(head, req) == wshub::http::ParseStatus::ok);
            const DeflateNegotiation first = wshub::http::negotiate_deflate(req, policy);
            CHECK(first.outcome == ExtensionsOutcome::accepted);
            const std::string answer = wshub::http::deflate_answer(first.params);
            const std::string answer_head = "GET / HTTP/1.1\r\n" + answer + "\r\n";  // outlives `again`'s views
            wshub::http::Request again;
            CHECK(wshub::http::parse_request(answer_head, again) == wshub::http::ParseStatus::ok);
            const DeflateNegotiation second = wshub::http::negotiate_deflate(again, DeflatePolicy{});
            CHECK_EQ(describe(second), describe(first));
            CHECK(second.params == first.params);
        }
    }
}

// Cutting a line at any byte never reads past it, and gives malformed,
// none, the whole's agreement, or the bare offer's (a cut just after
// "permessage-deflate").
TEST(extensions_every_cut) {
    const std::string line =
        "foo; a=\"b\\c\" , permessage-deflate; server_max_window_bits=\"1\\0\"; client_max_window_bits ,x";
    const std::string whole = offer(line);
    CHECK_EQ(whole, "s10 c15 permessage-deflate; server_max_window_bits=10");
    for (size_t cut = 0; cut <= line.size(); ++cut) {
        std::string prefix = line.substr(0, cut);
        while (!prefix.empty() && (prefix.back() == ' ' || prefix.back() == '\t')) prefix.pop_back();
        const std::string got = offer(prefix);
        const bool possible = got == "malformed" || got == "none" || got == whole || got == kPlain;
        CHECK_EQ(std::to_string(cut) + ": " + got, std::to_string(cut) + ": " + (possible ? got : "impossible"));
    }
}
