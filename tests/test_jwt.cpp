// HS256 JWT verification: the RFC 7515 appendix A.1 token and one made by an
// independent implementation (Python's hmac), then tokens built here with our
// own base64url and HMAC to reach every JwtError, the order of the checks,
// the leeway edges, and how claims are read.
#include <string>
#include <vector>

#include "auth/jwt.h"
#include "check.h"
#include "crypto/base64.h"
#include "crypto/hmac.h"
#include "json/json.h"

using wshub::auth::Claims;
using wshub::auth::JwtError;
using wshub::auth::JwtOptions;
using wshub::auth::jwt_error_label;
using wshub::auth::kMaxTokenBytes;
using wshub::auth::verify_jwt;
using wshub::crypto::base64url_encode;

namespace {

constexpr std::string_view kSecret = "a test secret of some length";
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
constexpr int64_t kNow = 1000000;

std::string signature_for(std::string_view signing_input, std::string_view secret) {
    const auto mac = wshub::crypto::hmac_sha256(secret, signing_input);
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

// A compact token over exactly these JSON texts.
std::string make_token(std::string_view header, std::string_view payload,
                       std::string_view secret = kSecret) {
    const std::string input = base64url_encode(header) + "." + base64url_encode(payload);
    return input + "." + signature_for(input, secret);
}

std::string make_token(std::string_view payload) { return make_token(kHeader, payload); }

const std::string kSecrets[] = {std::string(kSecret)};

JwtOptions options(int64_t now = kNow, int64_t leeway = 30) {
    JwtOptions o;
    o.secrets = kSecrets;
    o.now_s = now;
    o.leeway_s = leeway;
    return o;
}

// The verdict as its label, so a failure prints names, not numbers.
std::string verdict(std::string_view token, const JwtOptions& o = options()) {
    Claims c;
    return jwt_error_label(verify_jwt(token, o, c));
}

std::string with_exp(std::string_view exp) { return make_token(R"({"exp":)" + std::string(exp) + "}"); }
std::string with_nbf(std::string_view nbf) { return make_token(R"({"nbf":)" + std::string(nbf) + "}"); }

// The RFC 7515 appendix A.1 example: its header and payload contain CRLF
// whitespace, and the key is given as a base64url JWK "k".
constexpr std::string_view kRfcToken =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

std::string rfc_key() {
    return *wshub::crypto::base64url_decode(
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
}

// Made with Python's json, hmac and base64 modules, secret "independent secret":
// payload {"sub":"al\u00e9 \"x\"","rooms":["lobby","team-*"],"scope":"read publish",
// "aud":["wshub","other"],"iss":"https://issuer.example","exp":2000000000,
// "nbf":1000000000,"iat":1000000000}
constexpr std::string_view kPythonToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiJhbFx1MDBlOSBcInhcIiIsInJvb21zIjpbImxvYmJ5IiwidGVhbS0qIl0sInNjb3BlIjoicmVhZCBwdWJsaXNo"
    "IiwiYXVkIjpbIndzaHViIiwib3RoZXIiXSwiaXNzIjoiaHR0cHM6Ly9pc3N1ZXIuZXhhbXBsZSIsImV4cCI6MjAwMDAwMDAw"
    "MCwibmJmIjoxMDAwMDAwMDAwLCJpYXQiOjEwMDAwMDAwMDB9"
    ".eDQsKrdSdTbbYkxuXJ0_b6gGa8Dek9zRZPCN4fRvg2c";

}  // namespace

TEST(jwt_error_labels) {
    const char* want[] = {"none",          "too_large",     "malformed",    "not_object",
                          "bad_alg",       "bad_signature", "expired",      "not_yet_valid",
                          "wrong_issuer",  "wrong_audience", "bad_claims"};
    for (size_t i = 0; i < std::size(want); ++i)
        CHECK_EQ(std::string(jwt_error_label(static_cast<JwtError>(i))), want[i]);
    CHECK_EQ(std::size(want), static_cast<size_t>(JwtError::count_));
    CHECK_EQ(std::string(jwt_error_label(JwtError::count_)), "unknown");
}

TEST(jwt_rfc7515_a1_valid_before_exp) {
    const std::string key = rfc_key();
    JwtOptions o = options(1300819000);
    o.secrets = {&key, 1};
    Claims c;
    CHECK_EQ(std::string(jwt_error_label(verify_jwt(kRfcToken, o, c))), "none");
    CHECK_EQ(c.sub, "");
    CHECK(!c.has_rooms);
    CHECK(!c.has_scope);
    o.issuer = "joe";
    CHECK_EQ(verdict(kRfcToken, o), "none");
    o.issuer = "bob";
    CHECK_EQ(verdict(kRfcToken, o), "wrong_issuer");
}

// exp 1300819380 plus the default 30 s of leeway.
TEST(jwt_rfc7515_a1_expired_after_exp) {
    const std::string key = rfc_key();
    JwtOptions o = options(1300819409);
    o.secrets = {&key, 1};
    CHECK_EQ(verdict(kRfcToken, o), "none");
    o.now_s = 1300819410;
    CHECK_EQ(verdict(kRfcToken, o), "expired");
    o.now_s = 1700000000;
    CHECK_EQ(verdict(kRfcToken, o), "expired");
    const std::string other = "not the key";
    o.secrets = {&other, 1};
    CHECK_EQ(verdict(kRfcToken, o), "bad_signature");
}

TEST(jwt_independent_token_claims) {
    JwtOptions o = options(1500000000);
    const std::string key = "independent secret";
    o.secrets = {&key, 1};
    o.issuer = "https://issuer.example";
    o.audience = "other";
    Claims c;
    CHECK_EQ(std::string(jwt_error_label(verify_jwt(kPythonToken, o, c))), "none");
    CHECK_EQ(c.sub, "al\xc3\xa9 \"x\"");
    CHECK(c.has_rooms);
    CHECK_EQ(c.rooms.size(), size_t{2});
    if (c.rooms.size() == 2) {
        CHECK_EQ(c.rooms[0], "lobby");
        CHECK_EQ(c.rooms[1], "team-*");
    }
    CHECK(c.has_scope);
    CHECK_EQ(c.scopes.size(), size_t{2});
    if (c.scopes.size() == 2) {
        CHECK_EQ(c.scopes[0], "read");
        CHECK_EQ(c.scopes[1], "publish");
    }
    o.now_s = 999999969;  // nbf 1000000000 minus 31 s
    CHECK_EQ(verdict(kPythonToken, o), "not_yet_valid");
    o.now_s = 2000000029;  // exp 2000000000 plus the 30 s leeway, minus one
    CHECK_EQ(verdict(kPythonToken, o), "none");
    o.now_s = 2000000030;
    CHECK_EQ(verdict(kPythonToken, o), "expired");
    o.now_s = 1500000000;
    o.audience = "nobody";
    CHECK_EQ(verdict(kPythonToken, o), "wrong_audience");
}

TEST(jwt_minimal_token_and_own_encoder) {
    CHECK_EQ(verdict(make_token("{}")), "none");
    // Our encoder and HMAC agree with the independent token when fed its parts.
    const std::string_view input = kPythonToken.substr(0, kPythonToken.rfind('.'));
    CHECK_EQ(signature_for(input, "independent secret"), std::string(kPythonToken.substr(kPythonToken.rfind('.') + 1)));
}

// Padding a claim to hit an exact token length.
namespace {

std::string token_of_length(size_t want) {
    for (size_t kid = 0; kid < 4; ++kid) {
        const std::string header = R"({"alg":"HS256","kid":")" + std::string(kid, 'k') + "\"}";
        for (size_t pad = 0; pad < want; ++pad) {
            const std::string t = make_token(header, R"({"pad":")" + std::string(pad, 'p') + "\"}");
            if (t.size() == want) return t;
            if (t.size() > want) break;
        }
    }
    return {};
}

}  // namespace

TEST(jwt_too_large_boundary) {
    const std::string exact = token_of_length(kMaxTokenBytes);
    CHECK_EQ(exact.size(), kMaxTokenBytes);
    CHECK_EQ(verdict(exact), "none");
    const std::string over = token_of_length(kMaxTokenBytes + 1);
    CHECK_EQ(over.size(), kMaxTokenBytes + 1);
    CHECK_EQ(verdict(over), "too_large");
    // Nothing is decoded over the limit: even garbage says too_large.
    CHECK_EQ(verdict(std::string(kMaxTokenBytes + 1, '.')), "too_large");
    CHECK_EQ(verdict(std::string(kMaxTokenBytes, '.')), "malformed");
}

TEST(jwt_malformed_shapes) {
    const std::string good = make_token("{}");
    const size_t d1 = good.find('.'), d2 = good.rfind('.');
    const std::string h = good.substr(0, d1), p = good.substr(d1 + 1, d2 - d1 - 1), s = good.substr(d2 + 1);
    const std::string cases[] = {
        "",
        "abc",
        h + "." + p,                      // two segments
        h + "." + p + "." + s + "." + s,  // four
        h + "." + p + "." + s + "." + s + "." + s,  // five, a JWE's shape
        "." + p + "." + s,                // an empty segment, each place
        h + ".." + s,
        h + "." + p + ".",
        "..",
        h + "=." + p + "." + s,           // padding
        h + "." + p + "." + s + "=",
        h + "." + p + "." + s.substr(0, 42) + "+",  // standard alphabet
        h + "." + p + "." + s.substr(0, 42) + "/",
        h + "." + p + " ." + s,           // whitespace
        " " + good,
        good + "\n",
        h + "." + p + "." + s.substr(0, 41),  // 41 characters: 1 mod 4
        "Bearer " + good,
        h + "." + p + "." + s + std::string(1, '\0'),
    };
    for (const std::string& t : cases) {
        const std::string got = verdict(t);
        if (got != "malformed") CHECK_EQ(t + " -> " + got, t + " -> malformed");
    }
}

// A bad base64url payload is malformed even though the header and the
// signature would otherwise pass; and so is an HS256 token whose signature
// segment is not base64url. Behind a bad alg, the header decides first.
TEST(jwt_malformed_segment_beats_later_checks) {
    const std::string good = make_token("{}");
    const size_t d1 = good.find('.');
    std::string bad = good;
    bad[d1 + 1] = '*';
    CHECK_EQ(verdict(bad), "malformed");
    CHECK_EQ(verdict(make_token("{}") + "*"), "malformed");
    CHECK_EQ(verdict(make_token(R"({"alg":"none"})", "{}") + "*"), "bad_alg");
}

// The textbook unsigned token (RFC 7519 section 6.1's shape: the header, the
// payload, and an empty signature) is refused for its alg, so that an alert
// on bad_alg sees the classic attack. The header is judged before the other
// segments whatever they hold; a header that is itself broken is still
// malformed, and without a bad alg an empty segment is malformed too.
TEST(jwt_alg_none_unsigned_is_bad_alg) {
    CHECK_EQ(verdict("eyJhbGciOiJub25lIn0.eyJzdWIiOiJtIn0."), "bad_alg");  // {"alg":"none"}.{"sub":"m"}.
    const std::string none = base64url_encode(R"({"alg":"none","typ":"JWT"})");
    CHECK_EQ(verdict(none + "." + base64url_encode(R"({"sub":"admin"})") + "."), "bad_alg");
    CHECK_EQ(verdict(none + ".."), "bad_alg");
    CHECK_EQ(verdict(none + ".*."), "bad_alg");
    CHECK_EQ(verdict(base64url_encode(R"({"alg":"HS512"})") + ".e30."), "bad_alg");
    CHECK_EQ(verdict(base64url_encode(R"({"alg":"none","crit":[]})") + ".e30."), "bad_alg");
    // Still three segments first: two or four are malformed whatever the header says.
    CHECK_EQ(verdict(none + ".e30"), "malformed");
    CHECK_EQ(verdict(none + ".e30.."), "malformed");
    // A header that is not an object, not JSON, or not base64url keeps its own verdict.
    CHECK_EQ(verdict(base64url_encode("[1]") + ".e30."), "not_object");
    CHECK_EQ(verdict(base64url_encode(R"({"alg":"none")") + ".e30."), "malformed");
    CHECK_EQ(verdict("*" + none + ".e30."), "malformed");
    // A good header with an empty payload or signature: malformed, as before.
    const std::string hs256 = base64url_encode(kHeader);
    CHECK_EQ(verdict(hs256 + ".e30."), "malformed");
    CHECK_EQ(verdict(hs256 + "..AA"), "malformed");
    // The header's verdict does not depend on what follows it.
    CHECK_EQ(verdict(make_token(R"({"alg":"none"})", "{}")), "bad_alg");
    CHECK_EQ(verdict(make_token(R"({"alg":"none"})", "not json")), "bad_alg");
}

TEST(jwt_header_not_json_or_not_object) {
    CHECK_EQ(verdict(make_token("not json", "{}")), "malformed");
    CHECK_EQ(verdict(make_token(R"({"alg":"HS256",})", "{}")), "malformed");
    CHECK_EQ(verdict(make_token(R"({"alg":"HS256"} x)", "{}")), "malformed");
    CHECK_EQ(verdict(make_token("{\"alg\":\"HS256\",\"x\":\"\xff\"}", "{}")), "malformed");  // not UTF-8
    CHECK_EQ(verdict(make_token(R"({"alg":"HS256","alg":"HS256"})", "{}")), "malformed");
    CHECK_EQ(verdict(make_token(R"({"alg":"HS256","x":[[[[1]]]]})", "{}")), "malformed");  // depth 5
    CHECK_EQ(verdict(make_token(R"({"alg":"HS256","x":[[[1]]]})", "{}")), "none");         // depth 4
    CHECK_EQ(verdict(make_token(R"(["alg","HS256"])", "{}")), "not_object");
    CHECK_EQ(verdict(make_token(R"("HS256")", "{}")), "not_object");
    CHECK_EQ(verdict(make_token("null", "{}")), "not_object");
    CHECK_EQ(verdict(make_token("42", "{}")), "not_object");
}

TEST(jwt_bad_alg) {
    const char* headers[] = {
        R"({})",
        R"({"typ":"JWT"})",
        R"({"alg":"none"})",
        R"({"alg":"None"})",
        R"({"alg":"HS512"})",
        R"({"alg":"HS384"})",
        R"({"alg":"hs256"})",
        R"({"alg":"RS256"})",
        R"({"alg":"HS256 "})",
        R"({"alg":" HS256"})",
        R"({"alg":"HS2560"})",
        R"({"alg":""})",
        R"({"alg":256})",
        R"({"alg":null})",
        R"({"alg":true})",
        R"({"alg":["HS256"]})",
        R"({"alg":{"HS256":1}})",
        R"({"ALG":"HS256"})",
        R"({"x":{"alg":"HS256"}})",
    };
    for (const char* h : headers) {
        const std::string got = verdict(make_token(h, "{}"));
        if (got != "bad_alg") CHECK_EQ(std::string(h) + " -> " + got, std::string(h) + " -> bad_alg");
    }
    // "alg":"none" with its usual empty signature: the header decides.
    const std::string unsigned_token = base64url_encode(R"({"alg":"none"})") + "." + base64url_encode("{}") + ".";
    CHECK_EQ(verdict(unsigned_token), "bad_alg");
}

// JSON escapes decode before comparison (RFC 7515 section 5.2, step 3).
TEST(jwt_alg_escaped_still_hs256) {
    CHECK_EQ(verdict(make_token(R"({"alg":"HS\u0032\u0035\u0036"})", "{}")), "none");
    CHECK_EQ(verdict(make_token(R"({"\u0061lg":"HS256"})", "{}")), "none");
    CHECK_EQ(verdict(make_token(R"({"alg":"HS256","\u0061lg":"none"})", "{}")), "malformed");
}

TEST(jwt_crit_refused) {
    CHECK_EQ(verdict(make_token(R"({"alg":"HS256","crit":["exp"],"exp":1})", "{}")), "malformed");
    CHECK_EQ(verdict(make_token(R"({"alg":"HS256","crit":[]})", "{}")), "malformed");
    CHECK_EQ(verdict(make_token(R"({"crit":["b64"],"b64":false,"alg":"HS256"})", "{}")), "malformed");
    // alg is looked at first.
    CHECK_EQ(verdict(make_token(R"({"alg":"none","crit":[]})", "{}")), "bad_alg");
}

TEST(jwt_bad_signature) {
    const std::string good = make_token(R"({"sub":"alice"})");
    CHECK_EQ(verdict(good), "none");
    CHECK_EQ(verdict(make_token(kHeader, R"({"sub":"alice"})", "another secret")), "bad_signature");

    // Every byte of the signature matters.
    const size_t d2 = good.rfind('.');
    const std::string input = good.substr(0, d2);
    const auto mac = wshub::crypto::hmac_sha256(kSecret, input);
    for (size_t i = 0; i < mac.size(); ++i) {
        std::string m(reinterpret_cast<const char*>(mac.data()), mac.size());
        m[i] = static_cast<char>(m[i] ^ 0x01);
        CHECK_EQ(verdict(input + "." + base64url_encode(m)), "bad_signature");
    }
    // Valid base64url of the wrong length.
    const std::string mac_bytes(reinterpret_cast<const char*>(mac.data()), mac.size());
    CHECK_EQ(verdict(input + "." + base64url_encode(mac_bytes.substr(0, 31))), "bad_signature");
    CHECK_EQ(verdict(input + "." + base64url_encode(mac_bytes + "x")), "bad_signature");
    CHECK_EQ(verdict(input + "." + base64url_encode(mac_bytes + mac_bytes)), "bad_signature");
    CHECK_EQ(verdict(input + ".AA"), "bad_signature");

    // The payload swapped for another, the signature kept.
    const std::string other = make_token(R"({"sub":"mallory"})");
    const size_t o1 = other.find('.'), o2 = other.rfind('.');
    CHECK_EQ(verdict(other.substr(0, o2) + good.substr(d2)), "bad_signature");
    // The header re-encoded with other whitespace: the MAC is over the text as sent.
    const std::string respaced = base64url_encode(R"({"alg": "HS256","typ":"JWT"})") + "." +
                                 other.substr(o1 + 1, o2 - o1 - 1) + other.substr(o2);
    CHECK_EQ(verdict(respaced), "bad_signature");
}

// HMAC with an empty key is computable by anyone, so no secret is no trust.
TEST(jwt_empty_secret_accepts_nothing) {
    const std::string t = make_token(kHeader, "{}", "");
    JwtOptions o = options();
    const std::string empty;
    o.secrets = {&empty, 1};
    CHECK_EQ(verdict(t, o), "bad_signature");
    o.secrets = {};
    CHECK_EQ(verdict(t, o), "bad_signature");
}

// Several secrets: a token signed with any of them is accepted, whatever
// its place in the list, and only those.
TEST(jwt_any_of_several_secrets) {
    const std::string keys[] = {"first secret", "second secret", "third secret"};
    JwtOptions o = options();
    o.secrets = keys;
    for (const std::string& key : keys) CHECK_EQ(verdict(make_token(kHeader, "{}", key), o), "none");
    CHECK_EQ(verdict(make_token(kHeader, "{}", "fourth secret"), o), "bad_signature");
    CHECK_EQ(verdict(make_token(kHeader, "{}", ""), o), "bad_signature");
    // One key of the list alone still tells them apart.
    o.secrets = {&keys[1], 1};
    CHECK_EQ(verdict(make_token(kHeader, "{}", keys[1]), o), "none");
    CHECK_EQ(verdict(make_token(kHeader, "{}", keys[0]), o), "bad_signature");
    CHECK_EQ(verdict(make_token(kHeader, "{}", keys[2]), o), "bad_signature");
    // An empty key among good ones does not open the door to unsigned-looking tokens.
    const std::string with_empty[] = {"", "second secret"};
    o.secrets = with_empty;
    CHECK_EQ(verdict(make_token(kHeader, "{}", ""), o), "bad_signature");
    CHECK_EQ(verdict(make_token(kHeader, "{}", "second secret"), o), "none");
    // The claims are those of the token, whichever key matched.
    o.secrets = keys;
    Claims c;
    CHECK_EQ(std::string(jwt_error_label(verify_jwt(make_token(kHeader, R"({"sub":"bob"})", keys[2]), o, c))), "none");
    CHECK_EQ(c.sub, "bob");
}

// The payload is not read before the signature holds.
TEST(jwt_signature_checked_before_payload) {
    const std::string bad_payload = make_token("not json");
    CHECK_EQ(verdict(bad_payload), "malformed");
    const size_t d2 = bad_payload.rfind('.');
    const std::string forged = bad_payload.substr(0, d2) + "." + signature_for(bad_payload.substr(0, d2), "wrong");
    CHECK_EQ(verdict(forged), "bad_signature");
    CHECK_EQ(verdict(make_token(kHeader, R"({"exp":1})", "wrong")), "bad_signature");
}

TEST(jwt_payload_not_json_or_not_object) {
    CHECK_EQ(verdict(make_token("")), "malformed");
    CHECK_EQ(verdict(make_token("{")), "malformed");
    CHECK_EQ(verdict(make_token(R"({"sub":"a",})")), "malformed");
    CHECK_EQ(verdict(make_token(R"({'sub':'a'})")), "malformed");
    CHECK_EQ(verdict(make_token("{\"sub\":\"\xc0\xaf\"}")), "malformed");  // overlong UTF-8
    CHECK_EQ(verdict(make_token(R"({"sub":"\ud800"})")), "malformed");     // lone surrogate
    CHECK_EQ(verdict(make_token(R"({"x":{"y":{"z":{"w":{}}}}})")), "malformed");  // depth 5
    CHECK_EQ(verdict(make_token(R"({"x":{"y":{"z":{"w":1}}}})")), "none");        // depth 4
    CHECK_EQ(verdict(make_token("[]")), "not_object");
    CHECK_EQ(verdict(make_token(R"(["sub","a"])")), "not_object");
    CHECK_EQ(verdict(make_token(R"("a string")")), "not_object");
    CHECK_EQ(verdict(make_token("0")), "not_object");
}

// Which of two equal keys wins has no safe answer: the parser refuses both.
TEST(jwt_duplicate_claims_refused) {
    CHECK_EQ(verdict(make_token(R"({"exp":1,"exp":99999999})")), "malformed");
    CHECK_EQ(verdict(make_token(R"({"sub":"alice","sub":"bob"})")), "malformed");
    CHECK_EQ(verdict(make_token(R"({"sub":"alice","s\u0075b":"bob"})")), "malformed");
    // Nested objects are opaque payload and may repeat keys.
    CHECK_EQ(verdict(make_token(R"({"ext":{"a":1,"a":2}})")), "none");
}

TEST(jwt_member_limit) {
    std::string members_32 = "{", members_33;
    for (int i = 0; i < 32; ++i) members_32 += (i ? ",\"m" : "\"m") + std::to_string(i) + "\":0";
    members_33 = members_32 + ",\"m32\":0}";
    members_32 += "}";
    CHECK_EQ(verdict(make_token(members_32)), "none");
    CHECK_EQ(verdict(make_token(members_33)), "malformed");
}

TEST(jwt_bad_claims_types) {
    const char* payloads[] = {
        R"({"exp":"2000000000"})", R"({"exp":null})",  R"({"exp":true})",  R"({"exp":[1]})",
        R"({"nbf":"0"})",          R"({"nbf":{}})",    R"({"iat":"now"})", R"({"iat":null})",
        R"({"sub":5})",            R"({"sub":null})",  R"({"sub":["a"]})", R"({"sub":{}})",
        R"({"iss":1})",            R"({"iss":false})", R"({"aud":1})",     R"({"aud":null})",
        R"({"aud":[1]})",          R"({"aud":["a",2]})", R"({"aud":{}})",  R"({"aud":[["a"]]})",
        R"({"rooms":"lobby"})",    R"({"rooms":[1]})", R"({"rooms":["a",null]})",
        R"({"rooms":[["a"]]})",    R"({"rooms":null})", R"({"rooms":{"a":"b"}})",
        R"({"scope":["publish"]})", R"({"scope":1})",  R"({"scope":null})",
    };
    for (const char* p : payloads) {
        const std::string got = verdict(make_token(p));
        if (got != "bad_claims") CHECK_EQ(std::string(p) + " -> " + got, std::string(p) + " -> bad_claims");
    }
    // Checked before the times and parties.
    CHECK_EQ(verdict(make_token(R"({"exp":1,"sub":5})")), "bad_claims");
    CHECK_EQ(verdict(make_token(R"({"nbf":99999999,"rooms":"x"})")), "bad_claims");
    JwtOptions o = options();
    o.issuer = "me";
    CHECK_EQ(verdict(make_token(R"({"iss":7})"), o), "bad_claims");
    // The right types are fine, including a negative and a fractional date.
    CHECK_EQ(verdict(make_token(R"({"iat":-5,"sub":"","iss":"x","aud":[],"rooms":[],"scope":""})")), "none");
    CHECK_EQ(verdict(make_token(R"({"iat":1.5e3,"unknown":[null,{"a":1}]})")), "none");
}

TEST(jwt_exp_leeway_edges) {
    // exp = now: valid until now >= exp + leeway.
    CHECK_EQ(verdict(with_exp("1000000"), options(1000029)), "none");
    CHECK_EQ(verdict(with_exp("1000000"), options(1000030)), "expired");
    CHECK_EQ(verdict(with_exp("1000000"), options(1000031)), "expired");
    CHECK_EQ(verdict(with_exp("1000000"), options(999999, 0)), "none");
    CHECK_EQ(verdict(with_exp("1000000"), options(1000000, 0)), "expired");
    CHECK_EQ(verdict(with_exp("1000000"), options(1000299, 300)), "none");
    CHECK_EQ(verdict(with_exp("1000000"), options(1000300, 300)), "expired");
}

TEST(jwt_nbf_leeway_edges) {
    CHECK_EQ(verdict(with_nbf("1000000"), options(999969)), "not_yet_valid");
    CHECK_EQ(verdict(with_nbf("1000000"), options(999970)), "none");
    CHECK_EQ(verdict(with_nbf("1000000"), options(999999, 0)), "not_yet_valid");
    CHECK_EQ(verdict(with_nbf("1000000"), options(1000000, 0)), "none");
    CHECK_EQ(verdict(with_nbf("1000000"), options(2000000, 0)), "none");
}

TEST(jwt_exp_checked_before_nbf) {
    // Both fail at now = 0: exp 10 is past and nbf 100 is ahead.
    CHECK_EQ(verdict(make_token(R"({"nbf":100,"exp":10})"), options(50, 0)), "expired");
    CHECK_EQ(verdict(make_token(R"({"nbf":100,"exp":200})"), options(50, 0)), "not_yet_valid");
    CHECK_EQ(verdict(make_token(R"({"nbf":100,"exp":200})"), options(150, 0)), "none");
}

// NumericDate is any JSON number; its integer part counts, and no exponent
// can overflow: it saturates.
TEST(jwt_numeric_date_forms) {
    struct Case {
        const char* exp;
        int64_t last_valid;  // the greatest now_s (leeway 0) that still accepts
    } cases[] = {
        {"1000000", 999999},
        {"1000000.9", 999999},
        {"1000000.0001", 999999},
        {"1000000e0", 999999},
        {"1e6", 999999},
        {"1E+6", 999999},
        {"1.0000009e6", 999999},
        {"10000000e-1", 999999},
        {"10000009e-1", 999999},
        {"0.1e7", 999999},
        {"0.00001e11", 999999},
        {"100000000000000000000000000e-20", 999999},
        {"0", -1},
        {"0.9", -1},
        {"-0", -1},
        {"1e-400", -1},
        {"-1", -2},
        {"-1.5", -2},  // truncated toward zero: -1
    };
    for (const Case& c : cases) {
        const std::string t = with_exp(c.exp);
        const std::string at = verdict(t, options(c.last_valid, 0));
        const std::string after = verdict(t, options(c.last_valid + 1, 0));
        if (at != "none" || after != "expired")
            CHECK_EQ(std::string(c.exp) + ": " + at + "/" + after, std::string(c.exp) + ": none/expired");
    }
}

TEST(jwt_numeric_date_saturates) {
    constexpr int64_t kMax = INT64_MAX;
    constexpr int64_t kMin = INT64_MIN;
    // Far future: never expires, even at the end of time.
    for (const char* exp : {"1e400", "9223372036854775807", "9223372036854775808", "99999999999999999999999",
                            "1e99999999999999999999999999", "123456789012345678901234567890.5"}) {
        CHECK_EQ(verdict(with_exp(exp), options(kMax - 1, 0)), "none");
        CHECK_EQ(verdict(with_exp(exp), options(kMax - 1, kMax)), "none");
    }
    // Far past: always expired.
    for (const char* exp : {"-1e400", "-9223372036854775808", "-99999999999999999999999"}) {
        CHECK_EQ(verdict(with_exp(exp), options(kMin + 1, 0)), "expired");
        CHECK_EQ(verdict(with_exp(exp), options(0, kMin)), "expired");
    }
    // Extreme clocks and leeways do not wrap around.
    CHECK_EQ(verdict(with_exp("1000"), options(kMax, kMax)), "expired");
    CHECK_EQ(verdict(with_exp("1000"), options(kMin, 0)), "none");
    CHECK_EQ(verdict(with_exp("1000"), options(kMin, kMax)), "none");
    CHECK_EQ(verdict(with_nbf("1e400"), options(kMax - 1, 0)), "not_yet_valid");
    CHECK_EQ(verdict(with_nbf("1e400"), options(kMax - 1, kMax)), "none");
    CHECK_EQ(verdict(with_nbf("1000"), options(kMax, kMax)), "none");
    CHECK_EQ(verdict(with_nbf("1000"), options(kMin, kMax)), "not_yet_valid");  // -1 < 1000
    CHECK_EQ(verdict(with_nbf("-1e400"), options(kMin + 1, 0)), "none");
    // A zero mantissa with a huge exponent is zero, quickly.
    CHECK_EQ(verdict(with_exp("0e999999999"), options(-1, 0)), "none");
    CHECK_EQ(verdict(with_exp("0.000e999999999"), options(0, 0)), "expired");
}

TEST(jwt_issuer) {
    JwtOptions o = options();
    o.issuer = "https://auth.example";
    CHECK_EQ(verdict(make_token(R"({"iss":"https://auth.example"})"), o), "none");
    CHECK_EQ(verdict(make_token(R"({"iss":"https:\/\/auth.example"})"), o), "none");
    CHECK_EQ(verdict(make_token(R"({"iss":"https://AUTH.example"})"), o), "wrong_issuer");
    CHECK_EQ(verdict(make_token(R"({"iss":"https://auth.example/"})"), o), "wrong_issuer");
    CHECK_EQ(verdict(make_token(R"({"iss":""})"), o), "wrong_issuer");
    CHECK_EQ(verdict(make_token(R"({})"), o), "wrong_issuer");
    CHECK_EQ(verdict(make_token(R"({"ext":{"iss":"https://auth.example"}})"), o), "wrong_issuer");
    o.issuer = "";
    CHECK_EQ(verdict(make_token(R"({"iss":"anyone"})"), o), "none");
    CHECK_EQ(verdict(make_token(R"({})"), o), "none");
}

TEST(jwt_audience_string_and_array) {
    JwtOptions o = options();
    o.audience = "wshub";
    CHECK_EQ(verdict(make_token(R"({"aud":"wshub"})"), o), "none");
    CHECK_EQ(verdict(make_token(R"({"aud":"\u0077shub"})"), o), "none");
    CHECK_EQ(verdict(make_token(R"({"aud":["wshub"]})"), o), "none");
    CHECK_EQ(verdict(make_token(R"({"aud":["other","wshub"]})"), o), "none");
    CHECK_EQ(verdict(make_token(R"({"aud":[ "other" , "ws\u0068ub" ]})"), o), "none");
    CHECK_EQ(verdict(make_token(R"({"aud":"wshub2"})"), o), "wrong_audience");
    CHECK_EQ(verdict(make_token(R"({"aud":"WSHUB"})"), o), "wrong_audience");
    CHECK_EQ(verdict(make_token(R"({"aud":"other wshub"})"), o), "wrong_audience");
    CHECK_EQ(verdict(make_token(R"({"aud":["other"]})"), o), "wrong_audience");
    CHECK_EQ(verdict(make_token(R"({"aud":[]})"), o), "wrong_audience");
    CHECK_EQ(verdict(make_token(R"({})"), o), "wrong_audience");
    o.audience = "";
    CHECK_EQ(verdict(make_token(R"({"aud":"somebody else"})"), o), "none");
    CHECK_EQ(verdict(make_token(R"({"aud":["x","y"]})"), o), "none");
}

TEST(jwt_check_order_times_issuer_audience) {
    JwtOptions o = options(1000, 0);
    o.issuer = "i";
    o.audience = "a";
    CHECK_EQ(verdict(make_token(R"({"exp":10,"nbf":5000,"iss":"x","aud":"y"})"), o), "expired");
    CHECK_EQ(verdict(make_token(R"({"nbf":5000,"iss":"x","aud":"y"})"), o), "not_yet_valid");
    CHECK_EQ(verdict(make_token(R"({"iss":"x","aud":"y"})"), o), "wrong_issuer");
    CHECK_EQ(verdict(make_token(R"({"iss":"i","aud":"y"})"), o), "wrong_audience");
    CHECK_EQ(verdict(make_token(R"({"iss":"i","aud":"a"})"), o), "none");
}

TEST(jwt_sub_escapes_decoded) {
    Claims c;
    const std::string t = make_token(R"({"sub":"a\"b\\c\/d\n\u00e9\ud83d\ude00\u0000z"})");
    CHECK_EQ(std::string(jwt_error_label(verify_jwt(t, options(), c))), "none");
    CHECK_EQ(c.sub, std::string("a\"b\\c/d\n\xc3\xa9\xf0\x9f\x98\x80\0z", 16));
    CHECK_EQ(verdict(make_token(R"({"s\u0075b":"x"})")), "none");
    CHECK(verify_jwt(make_token(R"({"s\u0075b":"x"})"), options(), c) == JwtError::none);
    CHECK_EQ(c.sub, "x");
    CHECK(verify_jwt(make_token(R"({"sub":"plain"})"), options(), c) == JwtError::none);
    CHECK_EQ(c.sub, "plain");
    CHECK(verify_jwt(make_token(R"({})"), options(), c) == JwtError::none);
    CHECK_EQ(c.sub, "");
}

TEST(jwt_rooms_claim) {
    Claims c;
    CHECK(verify_jwt(make_token(R"({"rooms":["lobby", "team-*","\u002a","a\"b"]})"), options(), c) == JwtError::none);
    CHECK(c.has_rooms);
    const std::vector<std::string> want = {"lobby", "team-*", "*", "a\"b"};
    CHECK_EQ(c.rooms.size(), want.size());
    for (size_t i = 0; i < want.size() && i < c.rooms.size(); ++i) CHECK_EQ(c.rooms[i], want[i]);

    CHECK(verify_jwt(make_token(R"({"rooms":[]})"), options(), c) == JwtError::none);
    CHECK(c.has_rooms);
    CHECK(c.rooms.empty());
    CHECK(verify_jwt(make_token(R"({"rooms":[ ]})"), options(), c) == JwtError::none);
    CHECK(c.has_rooms);
    CHECK(c.rooms.empty());

    CHECK(verify_jwt(make_token(R"({"sub":"x"})"), options(), c) == JwtError::none);
    CHECK(!c.has_rooms);
    CHECK(c.rooms.empty());
}

TEST(jwt_scope_claim) {
    struct Case {
        const char* payload;
        std::vector<std::string> scopes;
    } cases[] = {
        {R"({"scope":"publish"})", {"publish"}},
        {R"({"scope":"read publish"})", {"read", "publish"}},
        {R"({"scope":"  read   publish "})", {"read", "publish"}},
        {R"({"scope":""})", {}},
        {R"({"scope":"   "})", {}},
        {R"({"scope":"read\u0020publish"})", {"read", "publish"}},
        {R"({"scope":"read\tpublish"})", {"read\tpublish"}},  // only spaces separate
    };
    for (const Case& k : cases) {
        Claims c;
        CHECK(verify_jwt(make_token(k.payload), options(), c) == JwtError::none);
        CHECK(c.has_scope);
        CHECK_EQ(c.scopes.size(), k.scopes.size());
        for (size_t i = 0; i < k.scopes.size() && i < c.scopes.size(); ++i) CHECK_EQ(c.scopes[i], k.scopes[i]);
    }
    Claims c;
    CHECK(verify_jwt(make_token(R"({"sub":"x"})"), options(), c) == JwtError::none);
    CHECK(!c.has_scope);
    CHECK(c.scopes.empty());
}

// A refused token leaves no claims behind from an earlier call.
TEST(jwt_claims_reset_on_failure) {
    Claims c;
    CHECK(verify_jwt(make_token(R"({"sub":"alice","rooms":["a"],"scope":"publish"})"), options(), c) ==
          JwtError::none);
    CHECK_EQ(c.sub, "alice");
    CHECK(verify_jwt(make_token(R"({"sub":"bob","exp":1})"), options(), c) == JwtError::expired);
    CHECK_EQ(c.sub, "");
    CHECK(!c.has_rooms);
    CHECK(c.rooms.empty());
    CHECK(!c.has_scope);
    CHECK(c.scopes.empty());
}

TEST(jwt_unknown_claims_and_whitespace_ignored) {
    CHECK_EQ(verdict(make_token(" {\r\n \"http://example.com/is_root\" : true ,\t\"x\":[1,{\"y\":null}] } ")), "none");
    CHECK_EQ(verdict(make_token(" {\"alg\" :\"HS256\"}\n", "{}")), "none");
}

// json::next_element, which reads the rooms and aud arrays (kept here, beside
// its one user).
namespace {

std::vector<std::string> elements(std::string_view array) {
    std::vector<std::string> out;
    wshub::json::Value v;
    while (wshub::json::next_element(array, v)) out.emplace_back(v.raw);
    return out;
}

}  // namespace

TEST(json_next_element_walks_arrays) {
    using V = std::vector<std::string>;
    CHECK(elements("[]").empty());
    CHECK(elements(" [ \n ] ").empty());
    CHECK(elements("[1]") == V{"1"});
    CHECK(elements(R"([ "a" , "b\"]" ,"c,d"])") == (V{R"("a")", R"("b\"]")", R"("c,d")"}));
    CHECK(elements(R"([[1,[2]],{"k":["]"]},-1.5e3,true,false,null])") ==
          (V{"[1,[2]]", R"({"k":["]"]})", "-1.5e3", "true", "false", "null"}));
    CHECK(elements("[\t0\r\n]") == V{"0"});

    std::string_view rest = R"(["s",7,{},[]])";
    wshub::json::Value v;
    using wshub::json::Type;
    const Type want[] = {Type::string, Type::number, Type::object, Type::array};
    for (const Type t : want) {
        CHECK(wshub::json::next_element(rest, v));
        CHECK(v.type == t);
    }
    CHECK(!wshub::json::next_element(rest, v));
    CHECK(!wshub::json::next_element(rest, v));  // stays at the end
}

// Not arrays, or cut short: it stops, and never reads past the view.
TEST(json_next_element_stops_on_bad_text) {
    CHECK(elements("").empty());
    CHECK(elements("{}").empty());
    CHECK(elements("1").empty());
    CHECK(elements("[").empty());
    CHECK(elements("[,]").empty());
    CHECK(elements(R"(["unterminated)").empty());
    CHECK(elements("[[1,2").empty());
    CHECK(elements("[[1,2]") == std::vector<std::string>{"[1,2]"});  // the element itself is whole
    const std::string_view cut = std::string_view(R"(["a","b"])").substr(0, 6);  // ["a","
    CHECK(elements(cut) == std::vector<std::string>{R"("a")"});
}
