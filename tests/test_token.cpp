// Where a token is found: the three transports, their order, and what does
// not count as one.
#include <string>

#include "auth/token.h"
#include "check.h"
#include "http/request.h"

using wshub::auth::find_token;
using wshub::auth::TokenSource;

namespace {

struct Found {
    TokenSource source;
    std::string token;
};

Found find(const std::string& target, const std::string& headers) {
    static std::string head;  // the request's views point into it
    head = "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n";
    wshub::http::Request req;
    Found f{TokenSource::none, "unset"};
    if (wshub::http::parse_request(head, req) != wshub::http::ParseStatus::ok) return f;
    f.source = find_token(req, f.token);
    return f;
}

}  // namespace

TEST(token_from_authorization_header) {
    auto f = find("/p", "Authorization: Bearer a.b.c\r\n");
    CHECK(f.source == TokenSource::authorization);
    CHECK_EQ(f.token, "a.b.c");
    f = find("/p", "authorization: bEaReR   a.b.c  \r\n");
    CHECK(f.source == TokenSource::authorization);
    CHECK_EQ(f.token, "a.b.c");
    // Other schemes, or no token after the scheme, are not a bearer token.
    CHECK(find("/p", "Authorization: Basic dXNlcjpwYXNz\r\n").source == TokenSource::none);
    CHECK(find("/p", "Authorization: Bearer\r\n").source == TokenSource::none);
    CHECK(find("/p", "Authorization: Bearer    \r\n").source == TokenSource::none);
    CHECK(find("/p", "Authorization: Bearerx.y.z\r\n").source == TokenSource::none);
}

TEST(token_from_subprotocol) {
    auto f = find("/p", "Sec-WebSocket-Protocol: wshub, bearer.h.p.s\r\n");
    CHECK(f.source == TokenSource::subprotocol);
    CHECK_EQ(f.token, "h.p.s");
    f = find("/p", "Sec-WebSocket-Protocol: wshub\r\nSec-WebSocket-Protocol: bearer.x.y.z, chat\r\n");
    CHECK(f.source == TokenSource::subprotocol);
    CHECK_EQ(f.token, "x.y.z");
    CHECK(find("/p", "Sec-WebSocket-Protocol: bearer.\r\n").source == TokenSource::none);
    CHECK(find("/p", "Sec-WebSocket-Protocol: Bearer.x.y.z\r\n").source == TokenSource::none);
    CHECK(wshub::auth::is_bearer_protocol("bearer.t"));
    CHECK(!wshub::auth::is_bearer_protocol("bearer."));
    CHECK(!wshub::auth::is_bearer_protocol("wshub"));
}

TEST(token_from_query) {
    auto f = find("/p?room=a&token=h.p.s", "");
    CHECK(f.source == TokenSource::query);
    CHECK_EQ(f.token, "h.p.s");
    f = find("/p?token=a%2Eb.c&token=second", "");  // percent-decoded; the first wins
    CHECK(f.source == TokenSource::query);
    CHECK_EQ(f.token, "a.b.c");
    CHECK(find("/p?token=", "").source == TokenSource::none);
    CHECK(find("/p?tokens=a.b.c", "").source == TokenSource::none);
    CHECK(find("/p?token=a.b.c&x=%zz", "").source == TokenSource::none);  // malformed query
}

TEST(token_sources_in_order) {
    auto f = find("/p?token=q.q.q", "Sec-WebSocket-Protocol: bearer.s.s.s\r\nAuthorization: Bearer h.h.h\r\n");
    CHECK(f.source == TokenSource::authorization);
    CHECK_EQ(f.token, "h.h.h");
    f = find("/p?token=q.q.q", "Sec-WebSocket-Protocol: bearer.s.s.s\r\n");
    CHECK(f.source == TokenSource::subprotocol);
    CHECK_EQ(f.token, "s.s.s");
    f = find("/p", "");
    CHECK(f.source == TokenSource::none);
    CHECK_EQ(f.token, "");
}
