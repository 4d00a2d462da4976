// The CORS answers of a plain endpoint (http/cors.h), byte for byte.
#include <string>

#include "check.h"
#include "http/cors.h"
#include "http/request.h"

namespace {

bool preflight(std::string_view head) {
    wshub::http::Request req;
    CHECK(wshub::http::parse_request(head, req) == wshub::http::ParseStatus::ok);
    return wshub::http::is_preflight(req);
}

}  // namespace

TEST(cors_headers_echo_the_origin) {
    CHECK_EQ(wshub::http::cors_headers("https://app.example.com"),
             "Access-Control-Allow-Origin: https://app.example.com\r\nVary: Origin\r\n");
    CHECK_EQ(wshub::http::cors_headers("null"), "Access-Control-Allow-Origin: null\r\nVary: Origin\r\n");
}

TEST(cors_preflight_answer) {
    CHECK_EQ(wshub::http::preflight_response("https://a.example", "POST, OPTIONS", "Authorization, Content-Type"),
             "HTTP/1.1 204 No Content\r\n"
             "Connection: close\r\n"
             "Access-Control-Allow-Origin: https://a.example\r\n"
             "Vary: Origin\r\n"
             "Access-Control-Allow-Methods: POST, OPTIONS\r\n"
             "Access-Control-Allow-Headers: Authorization, Content-Type\r\n"
             "Access-Control-Max-Age: 600\r\n"
             "\r\n");
}

TEST(cors_what_is_a_preflight) {
    CHECK(preflight("OPTIONS /publish HTTP/1.1\r\nHost: h\r\nOrigin: https://a.example\r\n\r\n"));
    CHECK(preflight("OPTIONS /publish HTTP/1.1\r\nHost: h\r\norigin: null\r\n"
                    "Access-Control-Request-Method: POST\r\n\r\n"));
    CHECK(!preflight("OPTIONS /publish HTTP/1.1\r\nHost: h\r\n\r\n"));
    CHECK(!preflight("POST /publish HTTP/1.1\r\nHost: h\r\nOrigin: https://a.example\r\n\r\n"));
    CHECK(!preflight("options /publish HTTP/1.1\r\nHost: h\r\nOrigin: https://a.example\r\n\r\n"));
}
