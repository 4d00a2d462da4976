// Request bodies for POST /publish: framing decided from the head (one named
// case per line), media types, Expect, and the Bearer header.
#include <string>

#include "auth/token.h"
#include "check.h"
#include "http/body.h"
#include "http/request.h"

using namespace wshub::http;

namespace {

// A POST head with the given header lines; parse_request must accept it.
const Request& head(std::string_view lines) {
    static std::string text;
    static Request req;
    text = "POST /publish?room=a HTTP/1.1\r\nHost: x\r\n" + std::string(lines) + "\r\n";
    CHECK(parse_request(text, req) == ParseStatus::ok);
    return req;
}

}  // namespace

TEST(body_framing_cases) {
    struct Case {
        const char* name;
        const char* lines;
        uint64_t max;
        int status;
        uint64_t length;
    } cases[] = {
        {"length", "Content-Length: 5\r\n", 16, 0, 5},
        {"empty", "Content-Length: 0\r\n", 16, 0, 0},
        {"at the limit", "Content-Length: 16\r\n", 16, 0, 16},
        {"one over", "Content-Length: 17\r\n", 16, 413, 0},
        {"huge", "Content-Length: 18446744073709551615\r\n", 16, 413, 0},
        {"no length", "Content-Type: text/plain\r\n", 16, 411, 0},
        {"chunked", "Transfer-Encoding: chunked\r\n", 16, 411, 0},
        {"chunked and length", "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", 16, 411, 0},
        {"any coding", "Transfer-Encoding: gzip\r\nContent-Length: 3\r\n", 16, 411, 0},
        {"same length twice", "Content-Length: 3\r\nContent-Length: 3\r\n", 16, 0, 3},
    };
    for (const auto& k : cases) {
        const BodyFraming f = body_framing(head(k.lines), k.max);
        if (f.status != k.status || f.length != k.length) CHECK_EQ(std::string(k.name), "");
        CHECK_EQ(f.status, k.status);
        CHECK_EQ(f.length, k.length);
        CHECK_EQ(f.status == 0, f.why.empty());
        if (f.status) CHECK_EQ(f.why.back(), '\n');
    }
}

TEST(body_bad_content_length_is_the_parser_400) {
    Request req;
    for (const char* bad : {"Content-Length: -1\r\n", "Content-Length: 1x\r\n", "Content-Length: \r\n",
                            "Content-Length: 3\r\nContent-Length: 4\r\n", "Content-Length: 99999999999999999999\r\n"}) {
        const std::string text = "POST /publish HTTP/1.1\r\nHost: x\r\n" + std::string(bad) + "\r\n";
        CHECK(parse_request(text, req) == ParseStatus::bad_request);
    }
}

TEST(body_media_type) {
    CHECK(has_media_type("application/octet-stream", "application/octet-stream"));
    CHECK(has_media_type("Application/Octet-Stream", "application/octet-stream"));
    CHECK(has_media_type(" application/octet-stream ; q=1", "application/octet-stream"));
    CHECK(!has_media_type("application/octet-streams", "application/octet-stream"));
    CHECK(!has_media_type("text/plain; charset=application/octet-stream", "application/octet-stream"));
    CHECK(!has_media_type(std::nullopt, "application/octet-stream"));
    CHECK(!has_media_type("", "application/octet-stream"));
}

TEST(body_expect_continue) {
    CHECK(expects_continue(head("Expect: 100-continue\r\n")));
    CHECK(expects_continue(head("Expect: 100-Continue\r\n")));
    CHECK(!expects_continue(head("Expect: something-else\r\n")));
    CHECK(!expects_continue(head("")));
}

TEST(body_authorization_bearer) {
    using wshub::auth::authorization_bearer;
    CHECK_EQ(authorization_bearer(head("Authorization: Bearer abc.def\r\n")).value_or("?"), "abc.def");
    CHECK_EQ(authorization_bearer(head("Authorization: bearer   tok  \r\n")).value_or("?"), "tok");
    CHECK(!authorization_bearer(head("Authorization: Basic dXNlcjpwdw==\r\n")));
    CHECK(!authorization_bearer(head("Authorization: Bearer\r\n")));
    CHECK(!authorization_bearer(head("Authorization: Bearer    \r\n")));
    CHECK(!authorization_bearer(head("Authorization: Bearertok\r\n")));
    CHECK(!authorization_bearer(head("")));
}
