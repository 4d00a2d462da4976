// auth::Verifier without sockets: requests parsed from text, tokens built
// here with our own base64url and HMAC. Every Verdict of both questions (a
// client on an ,auth route, a POST /publish), each answer's status, body,
// log reason and WWW-Authenticate line exactly, and the identity a client
// gets; several JWT secrets, and keys replaced while other threads verify.
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "auth/verifier.h"
#include "check.h"
#include "crypto/base64.h"
#include "crypto/hmac.h"
#include "http/request.h"

using wshub::auth::Identity;
using wshub::auth::JwtError;
using wshub::auth::Verdict;
using wshub::auth::Verifier;
using wshub::auth::VerifierOptions;
using wshub::crypto::base64url_encode;
using Kind = Verdict::Kind;

namespace {

constexpr std::string_view kSecret = "verifier test secret";
constexpr std::string_view kPublishToken = "static-publish-token";
constexpr int64_t kNow = 1700000000;

constexpr std::string_view kChallenge = "WWW-Authenticate: Bearer realm=\"wshub\"\r\n";
constexpr std::string_view kInvalid = "WWW-Authenticate: Bearer realm=\"wshub\", error=\"invalid_token\"\r\n";
constexpr std::string_view kScope =
    "WWW-Authenticate: Bearer realm=\"wshub\", error=\"insufficient_scope\", scope=\"publish\"\r\n";

std::string jwt(std::string_view payload, std::string_view secret = kSecret,
                std::string_view header = R"({"alg":"HS256","typ":"JWT"})") {
    const std::string input = base64url_encode(header) + "." + base64url_encode(payload);
    const auto mac = wshub::crypto::hmac_sha256(secret, input);
    return input + "." + base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

// A parsed request that owns its text (the Request's views point into it).
struct Parsed {
    std::string head;
    wshub::http::Request req;
};

std::unique_ptr<Parsed> request(std::string_view target, std::string_view header_lines = {}) {
    auto p = std::make_unique<Parsed>();
    p->head = "GET " + std::string(target) + " HTTP/1.1\r\nHost: h\r\n" + std::string(header_lines) + "\r\n";
    CHECK_EQ(wshub::http::parse_request(p->head, p->req), wshub::http::ParseStatus::ok);
    return p;
}

std::unique_ptr<Parsed> with_bearer(std::string_view token, std::string_view target = "/publish?room=news") {
    return request(target, "Authorization: Bearer " + std::string(token) + "\r\n");
}

// secret "": no JWT secret at all.
Verifier make_verifier(std::string_view secret = kSecret, std::string_view publish_token = kPublishToken,
                       std::string_view issuer = {}, std::string_view audience = {}, int64_t leeway = 30) {
    std::vector<std::string> secrets;
    if (!secret.empty()) secrets.emplace_back(secret);
    return Verifier(VerifierOptions{secrets, leeway, issuer, audience, publish_token});
}

Verdict client(const Verifier& v, const Parsed& p, Identity& who, int64_t now = kNow) {
    return v.verify_client(p.req, now, who);
}

Verdict client(const Verifier& v, const Parsed& p) {
    Identity who;
    return client(v, p, who);
}

Verdict publish(const Verifier& v, std::string_view token, std::string_view room = "news") {
    return v.authorize_publish(with_bearer(token)->req, room, kNow);
}

}  // namespace

// Each kind of refusal is answered in exactly one way.
TEST(verifier_answers_of_each_verdict) {
    const std::string kPublishScopes[] = {"publish"};
    const std::string kAdminScopes[] = {"admin:write", "audit"};
    struct Case {
        Verdict verdict;
        int status;
        std::string_view reason, body, header;
    } cases[] = {
        {{Kind::allowed}, 0, "", "", ""},
        {{Kind::missing}, 401, "missing", "unauthorized: missing\n", kChallenge},
        {{Kind::wrong_token}, 401, "bad_token", "unauthorized: wrong token\n", kInvalid},
        {{Kind::invalid_token, JwtError::bad_alg}, 401, "bad_alg", "unauthorized: bad_alg\n", kInvalid},
        {{Kind::invalid_token, JwtError::expired}, 401, "expired", "unauthorized: expired\n", kInvalid},
        {{Kind::insufficient_scope, JwtError::none, "publish", kPublishScopes}, 403, "insufficient_scope",
         "forbidden: the token's scope has no publish\n", kScope},
        {{Kind::insufficient_scope, JwtError::none, "audit", kAdminScopes}, 403, "insufficient_scope",
         "forbidden: the token's scope has no audit\n",
         "WWW-Authenticate: Bearer realm=\"wshub\", error=\"insufficient_scope\", scope=\"admin:write audit\"\r\n"},
        {{Kind::room_not_allowed}, 403, "rooms_claim", "forbidden: the token does not allow this room\n", ""},
    };
    for (const Case& c : cases) {
        CHECK_EQ(c.verdict.allowed(), c.status == 0);
        CHECK_EQ(c.verdict.status(), c.status);
        CHECK_EQ(c.verdict.reason(), c.reason);
        CHECK_EQ(c.verdict.body(), c.body);
        CHECK_EQ(c.verdict.www_authenticate(), c.header);
    }
}

TEST(verifier_client_without_a_token_is_missing) {
    const Verifier v = make_verifier();
    for (const auto& p : {request("/p"), request("/p", "Authorization: Basic YWxpY2U6c2VjcmV0\r\n"),
                          request("/p", "Authorization: Bearer \r\n"), request("/p?tok=x"),
                          request("/p", "Sec-WebSocket-Protocol: wshub, bearer.\r\n")}) {
        Identity who;
        who.user = "untouched";
        const Verdict got = client(v, *p, who);
        CHECK_EQ(got.kind, Kind::missing);
        CHECK_EQ(got.jwt, JwtError::none);  // wshub_auth_failures_total's "missing"
        CHECK_EQ(got.www_authenticate(), kChallenge);
        CHECK_EQ(who.user, "untouched");
    }
}

// A route's scope=: the token's scope claim must hold every one, in any
// order among others; the refusal names the first one missing and, in its
// challenge, all of them. A refused token is refused for itself first.
TEST(verifier_client_route_scopes) {
    const Verifier v = make_verifier();
    const std::string scopes[] = {"admin:write", "audit"};
    const auto ask = [&](std::string_view claims, Identity& who) {
        return v.verify_client(with_bearer(jwt(claims))->req, kNow, who, scopes);
    };
    for (const std::string_view claims : {R"({"sub":"a","scope":"admin:write audit"})",
                                          R"({"sub":"a","scope":"read audit publish admin:write"})"}) {
        Identity who;
        CHECK_EQ(ask(claims, who).kind, Kind::allowed);
        CHECK_EQ(who.user, "a");
    }
    struct Case {
        std::string_view claims, missing;
    } refusals[] = {
        {R"({"sub":"a"})", "admin:write"},
        {R"({"sub":"a","scope":""})", "admin:write"},
        {R"({"sub":"a","scope":"admin:write"})", "audit"},
        {R"({"sub":"a","scope":"audit admin:writer"})", "admin:write"},
        {R"({"sub":"a","scope":"ADMIN:WRITE AUDIT"})", "admin:write"},
    };
    for (const Case& c : refusals) {
        Identity who;
        who.user = "untouched";
        const Verdict got = ask(c.claims, who);
        CHECK_EQ(got.kind, Kind::insufficient_scope);
        CHECK_EQ(got.status(), 403);
        CHECK_EQ(got.missing_scope, c.missing);
        CHECK_EQ(got.body(), "forbidden: the token's scope has no " + std::string(c.missing) + "\n");
        CHECK_EQ(got.www_authenticate(),
                 "WWW-Authenticate: Bearer realm=\"wshub\", error=\"insufficient_scope\", scope=\"admin:write audit\"\r\n");
        CHECK_EQ(who.user, "untouched");
    }
    Identity who;
    const Verdict forged = v.verify_client(with_bearer(jwt(R"({"scope":"admin:write audit"})", "other"))->req, kNow,
                                           who, scopes);
    CHECK_EQ(forged.kind, Kind::invalid_token);
    CHECK_EQ(forged.jwt, JwtError::bad_signature);
    // A refresh is held to the same scopes.
    CHECK_EQ(v.verify_token(jwt(R"({"scope":"audit"})"), kNow, who, scopes).kind, Kind::insufficient_scope);
    CHECK_EQ(v.verify_token(jwt(R"({"scope":"audit admin:write"})"), kNow, who, scopes).kind, Kind::allowed);
    CHECK_EQ(v.verify_token(jwt(R"({"scope":"audit"})"), kNow, who).kind, Kind::allowed);  // no scopes asked
}

TEST(verifier_client_token_from_each_place) {
    const Verifier v = make_verifier();
    const std::string t = jwt(R"({"sub":"alice"})");
    for (const auto& p : {request("/p", "Authorization: Bearer " + t + "\r\n"),
                          request("/p", "Sec-WebSocket-Protocol: wshub, bearer." + t + "\r\n"),
                          request("/p?room=a&token=" + t)}) {
        Identity who;
        const Verdict got = client(v, *p, who);
        CHECK_EQ(got.kind, Kind::allowed);
        CHECK_EQ(got.status(), 0);
        CHECK_EQ(who.user, "alice");
        CHECK(!who.limited_rooms);
        CHECK(!who.read_only);
    }
}

TEST(verifier_client_refused_token_names_why) {
    const Verifier v = make_verifier();
    struct Case {
        std::string token;
        JwtError why;
    } cases[] = {
        {jwt(R"({"sub":"a"})", "another secret"), JwtError::bad_signature},
        {"eyJhbGciOiJub25lIn0.eyJzdWIiOiJtIn0.", JwtError::bad_alg},
        {"not-a-jwt", JwtError::malformed},
        {std::string(5000, 'a'), JwtError::too_large},
        {jwt(R"({"exp":1})"), JwtError::expired},
        {jwt(R"({"sub":5})"), JwtError::bad_claims},
    };
    for (const Case& c : cases) {
        Identity who;
        who.user = "untouched";
        const Verdict got = client(v, *request("/p", "Authorization: Bearer " + c.token + "\r\n"), who);
        CHECK_EQ(got.kind, Kind::invalid_token);
        CHECK_EQ(got.jwt, c.why);
        CHECK_EQ(got.status(), 401);
        CHECK_EQ(got.body(), "unauthorized: " + std::string(wshub::auth::jwt_error_label(c.why)) + "\n");
        CHECK_EQ(got.www_authenticate(), kInvalid);
        CHECK_EQ(who.user, "untouched");
    }
}

// Leeway, issuer and audience come from the options.
TEST(verifier_client_options_apply) {
    const auto expired_10s = request("/p?token=" + jwt(R"({"exp":)" + std::to_string(kNow - 10) + "}"));
    CHECK_EQ(client(make_verifier(kSecret, {}, {}, {}, 30), *expired_10s).kind, Kind::allowed);
    CHECK_EQ(client(make_verifier(kSecret, {}, {}, {}, 5), *expired_10s).jwt, JwtError::expired);

    const auto from_iss = request("/p?token=" + jwt(R"({"iss":"me","aud":["you","them"]})"));
    CHECK_EQ(client(make_verifier(kSecret, {}, "me", "them"), *from_iss).kind, Kind::allowed);
    CHECK_EQ(client(make_verifier(kSecret, {}, "other"), *from_iss).jwt, JwtError::wrong_issuer);
    CHECK_EQ(client(make_verifier(kSecret, {}, "me", "nobody"), *from_iss).jwt, JwtError::wrong_audience);
    // No secret: no JWT is good.
    CHECK_EQ(client(make_verifier(""), *from_iss).jwt, JwtError::bad_signature);
}

TEST(verifier_client_identity_from_claims) {
    const Verifier v = make_verifier();
    struct Case {
        std::string_view claims;
        bool limited_rooms;
        std::vector<std::string> rooms;
        bool read_only;
    } cases[] = {
        {R"({"sub":"a"})", false, {}, false},
        {R"({"sub":"a","rooms":["lobby","team-*"]})", true, {"lobby", "team-*"}, false},
        {R"({"sub":"a","rooms":[]})", true, {}, false},
        {R"({"sub":"a","scope":"read"})", false, {}, true},
        {R"({"sub":"a","scope":""})", false, {}, true},
        {R"({"sub":"a","scope":"read publish"})", false, {}, false},
        {R"({"sub":"a","scope":"publisher"})", false, {}, true},
    };
    for (const Case& c : cases) {
        Identity who;
        CHECK_EQ(client(v, *request("/p?token=" + jwt(c.claims)), who).kind, Kind::allowed);
        CHECK_EQ(who.user, "a");
        CHECK_EQ(who.limited_rooms, c.limited_rooms);
        CHECK(who.rooms == c.rooms);
        if (who.read_only != c.read_only) std::fprintf(stderr, "  claims: %.*s\n", int(c.claims.size()), c.claims.data());
        CHECK_EQ(who.read_only, c.read_only);
    }
}

TEST(verifier_publish_needs_the_authorization_header) {
    const Verifier v = make_verifier();
    const std::string t = jwt(R"({"scope":"publish"})");
    // Only the header counts: not ?token=, not a subprotocol.
    for (const auto& p : {request("/publish?room=news"), request("/publish?room=news&token=" + t),
                          request("/publish?room=news", "Sec-WebSocket-Protocol: bearer." + t + "\r\n"),
                          request("/publish?room=news", "Authorization: Basic " + t + "\r\n")}) {
        const Verdict got = v.authorize_publish(p->req, "news", kNow);
        CHECK_EQ(got.kind, Kind::missing);
        CHECK_EQ(got.www_authenticate(), kChallenge);
    }
    CHECK_EQ(publish(v, t).kind, Kind::allowed);
}

TEST(verifier_publish_static_token) {
    const Verifier both = make_verifier();
    const Verifier token_only = make_verifier("");
    CHECK_EQ(publish(both, kPublishToken).kind, Kind::allowed);
    CHECK_EQ(publish(token_only, kPublishToken).kind, Kind::allowed);
    CHECK_EQ(publish(token_only, kPublishToken, "").kind, Kind::allowed);
    // Anything else is the wrong token when no JWT is accepted...
    for (const std::string& bad : {std::string("static-publish-toke"), std::string(kPublishToken) + "x",
                                  std::string("Static-publish-token"), jwt(R"({"scope":"publish"})")}) {
        const Verdict got = publish(token_only, bad);
        CHECK_EQ(got.kind, Kind::wrong_token);
        CHECK_EQ(got.status(), 401);
        CHECK_EQ(got.reason(), "bad_token");
        CHECK_EQ(got.www_authenticate(), kInvalid);
    }
    // ...and is judged as a JWT when one is.
    const Verdict as_jwt = publish(both, "static-publish-toke");
    CHECK_EQ(as_jwt.kind, Kind::invalid_token);
    CHECK_EQ(as_jwt.jwt, JwtError::malformed);
    CHECK_EQ(as_jwt.body(), "unauthorized: malformed\n");
}

TEST(verifier_publish_jwt_scope_and_rooms) {
    const Verifier v = make_verifier("verifier test secret", {});  // JWTs only
    CHECK(v.publishing_enabled());
    CHECK_EQ(publish(v, jwt(R"({"scope":"publish"})")).kind, Kind::allowed);
    CHECK_EQ(publish(v, jwt(R"({"scope":"read publish"})")).kind, Kind::allowed);
    for (const std::string_view claims : {R"({"sub":"a"})", R"({"scope":"read"})", R"({"scope":"publisher"})",
                                          R"({"scope":"publish-all"})", R"({"rooms":["news"]})"}) {
        const Verdict got = publish(v, jwt(claims));
        CHECK_EQ(got.kind, Kind::insufficient_scope);
        CHECK_EQ(got.status(), 403);
        CHECK_EQ(got.www_authenticate(), kScope);
    }
    const std::string news_only = jwt(R"({"scope":"publish","rooms":["news","team-*"]})");
    CHECK_EQ(publish(v, news_only, "news").kind, Kind::allowed);
    CHECK_EQ(publish(v, news_only, "team-red").kind, Kind::allowed);
    CHECK_EQ(publish(v, news_only, "").kind, Kind::allowed);  // no valid room: the caller answers 400
    const Verdict other = publish(v, news_only, "sports");
    CHECK_EQ(other.kind, Kind::room_not_allowed);
    CHECK_EQ(other.status(), 403);
    CHECK_EQ(other.reason(), "rooms_claim");
    CHECK_EQ(other.www_authenticate(), "");
    CHECK_EQ(publish(v, jwt(R"({"scope":"publish","rooms":[]})"), "news").kind, Kind::room_not_allowed);
    // A refused JWT says why, before its scope is looked at.
    const Verdict expired = publish(v, jwt(R"({"scope":"publish","exp":1})"));
    CHECK_EQ(expired.kind, Kind::invalid_token);
    CHECK_EQ(expired.jwt, JwtError::expired);
    CHECK_EQ(publish(v, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJtIn0.").jwt, JwtError::bad_alg);
    CHECK_EQ(publish(v, kPublishToken).jwt, JwtError::malformed);
}

TEST(verifier_publishing_enabled) {
    CHECK(!make_verifier("", "").publishing_enabled());
    CHECK(make_verifier("", kPublishToken).publishing_enabled());
    CHECK(make_verifier(kSecret, "").publishing_enabled());
    // With neither, every token is refused anyway.
    CHECK_EQ(publish(make_verifier("", ""), "anything").kind, Kind::wrong_token);
}

// The Verifier keeps what it needs: the options' text may go.
TEST(verifier_outlives_its_options) {
    auto secret = std::make_unique<std::string>(kSecret);
    auto token = std::make_unique<std::string>(kPublishToken);
    auto issuer = std::make_unique<std::string>("me");
    const Verifier v(VerifierOptions{{secret.get(), 1}, 30, *issuer, {}, *token});
    secret->assign(secret->size(), 'x');
    token->assign(token->size(), 'x');
    issuer->assign("xx");
    secret.reset();
    token.reset();
    issuer.reset();
    CHECK_EQ(publish(v, kPublishToken).kind, Kind::allowed);
    CHECK_EQ(client(v, *request("/p?token=" + jwt(R"({"iss":"me"})"))).kind, Kind::allowed);
}

// Several secrets: a client's or a publisher's JWT signed with any of them
// is let in, whichever its place; the identity is the token's.
TEST(verifier_several_secrets) {
    const std::string secrets[] = {"old secret", "new secret"};
    const Verifier v(VerifierOptions{secrets, 30, {}, {}, {}});
    for (const std::string& secret : secrets) {
        Identity who;
        CHECK_EQ(client(v, *request("/p?token=" + jwt(R"({"sub":"ann"})", secret)), who).kind, Kind::allowed);
        CHECK_EQ(who.user, "ann");
        CHECK_EQ(publish(v, jwt(R"({"scope":"publish"})", secret)).kind, Kind::allowed);
    }
    const Verdict other = client(v, *request("/p?token=" + jwt("{}", "neither secret")));
    CHECK_EQ(other.kind, Kind::invalid_token);
    CHECK_EQ(other.jwt, JwtError::bad_signature);
    CHECK_EQ(publish(v, jwt(R"({"scope":"publish"})", "neither secret")).jwt, JwtError::bad_signature);
    CHECK(v.publishing_enabled());
}

// Replaced secrets hold from the next verification: the new one's tokens
// are let in, the dropped one's refused; the publish token is untouched.
TEST(verifier_replace_jwt_secrets) {
    Verifier v(VerifierOptions{{}, 30, {}, {}, kPublishToken});
    const std::string old_token = jwt(R"({"sub":"a"})", "old secret");
    const std::string new_token = jwt(R"({"sub":"a"})", "new secret");
    CHECK_EQ(client(v, *request("/p?token=" + old_token)).jwt, JwtError::bad_signature);
    CHECK_EQ(publish(v, old_token).kind, Kind::wrong_token);  // no JWT accepted yet

    v.replace_jwt_secrets({"old secret"});
    CHECK_EQ(client(v, *request("/p?token=" + old_token)).kind, Kind::allowed);
    CHECK_EQ(client(v, *request("/p?token=" + new_token)).jwt, JwtError::bad_signature);

    v.replace_jwt_secrets({"old secret", "new secret"});  // the rotation's overlap
    CHECK_EQ(client(v, *request("/p?token=" + old_token)).kind, Kind::allowed);
    CHECK_EQ(client(v, *request("/p?token=" + new_token)).kind, Kind::allowed);

    v.replace_jwt_secrets({"new secret"});
    CHECK_EQ(client(v, *request("/p?token=" + old_token)).jwt, JwtError::bad_signature);
    CHECK_EQ(client(v, *request("/p?token=" + new_token)).kind, Kind::allowed);
    Identity who;
    CHECK_EQ(v.verify_token(old_token, kNow, who).jwt, JwtError::bad_signature);
    CHECK_EQ(publish(v, kPublishToken).kind, Kind::allowed);
}

TEST(verifier_replace_publish_token) {
    Verifier v(VerifierOptions{{}, 30, {}, {}, kPublishToken});
    const std::string next = "the-next-publish-token";
    v.replace_publish_token(next);
    CHECK_EQ(publish(v, next).kind, Kind::allowed);
    CHECK_EQ(publish(v, kPublishToken).kind, Kind::wrong_token);
    CHECK(v.publishing_enabled());
    v.replace_publish_token("");
    CHECK_EQ(publish(v, next).kind, Kind::wrong_token);
    CHECK(!v.publishing_enabled());
    // The JWT secrets stay as they were through a token's replacement.
    v.replace_jwt_secrets({"s"});
    v.replace_publish_token(next);
    CHECK_EQ(client(v, *request("/p?token=" + jwt("{}", "s"))).kind, Kind::allowed);
}

// Threads verify while another replaces the keys over and over: each
// verification sees either set, whole (the token of the secret both sets
// hold is never refused, the other's is let in or refused as bad_signature
// only), and no Keys is freed under a reader (ASan in `make asan`).
TEST(verifier_replace_while_verifying) {
    Verifier v(VerifierOptions{{}, 30, {}, {}, kPublishToken});
    v.replace_jwt_secrets({"kept"});
    const std::string kept = jwt(R"({"sub":"k"})", "kept");
    const std::string coming = jwt(R"({"sub":"c"})", "coming");
    std::atomic<bool> stop{false};
    std::atomic<int> wrong{0}, coming_allowed{0}, coming_refused{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t)
        readers.emplace_back([&] {
            while (!stop.load(std::memory_order_relaxed)) {
                Identity who;
                if (!v.verify_token(kept, kNow, who).allowed() || who.user != "k") wrong.fetch_add(1);
                const Verdict c = v.verify_token(coming, kNow, who);
                if (c.allowed()) coming_allowed.fetch_add(1);
                else if (c.jwt == JwtError::bad_signature) coming_refused.fetch_add(1);
                else wrong.fetch_add(1);
                if (publish(v, kPublishToken).kind != Kind::allowed) wrong.fetch_add(1);
            }
        });
    // Until the readers have been at it for a while, however late they start.
    for (int i = 0; i < 2000 || coming_allowed.load() + coming_refused.load() < 300; ++i) {
        if (i % 2) v.replace_jwt_secrets({"kept"});
        else v.replace_jwt_secrets({"coming", "kept"});
        v.replace_publish_token(kPublishToken);
    }
    stop = true;
    for (auto& t : readers) t.join();
    CHECK_EQ(wrong.load(), 0);
}
