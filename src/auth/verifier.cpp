#include "auth/verifier.h"

#include <iterator>
#include <utility>

#include "auth/policy.h"
#include "auth/token.h"
#include "crypto/constant_time.h"

namespace wshub::auth {
namespace {

constexpr std::string_view kChallenge = "WWW-Authenticate: Bearer realm=\"wshub\"\r\n";
constexpr std::string_view kInvalidToken = "WWW-Authenticate: Bearer realm=\"wshub\", error=\"invalid_token\"\r\n";
// RFC 6750 section 3.1: a valid token without the right scope is a 403,
// whose challenge names the scopes (Verdict::www_authenticate).
constexpr std::string_view kInsufficientScope = "WWW-Authenticate: Bearer realm=\"wshub\", error=\"insufficient_scope\"";
// What POST /publish asks of a JWT.
const std::string kPublishScope[] = {"publish"};

// How each Verdict::Kind is answered, one row each in its order. An
// invalid_token's reason and body name its JwtError instead, and an
// insufficient_scope's body and challenge its scopes.
struct Answer {
    int status;
    std::string_view reason;
    std::string_view body;
    std::string_view www_authenticate;
};
constexpr Answer kAnswers[] = {
    {0, "", "", ""},
    {401, "missing", "unauthorized: missing\n", kChallenge},
    {401, "bad_token", "unauthorized: wrong token\n", kInvalidToken},
    {401, "", "", kInvalidToken},
    {403, "insufficient_scope", "", kInsufficientScope},
    {403, "rooms_claim", "forbidden: the token does not allow this room\n", ""},
};
static_assert(std::size(kAnswers) == size_t(Verdict::Kind::room_not_allowed) + 1, "one answer per Verdict::Kind");

const Answer& answer(Verdict::Kind k) noexcept { return kAnswers[size_t(k)]; }

bool holds_scope(const Claims& claims, std::string_view scope) noexcept {
    for (const std::string& s : claims.scopes)
        if (s == scope) return true;
    return false;
}

bool may_publish(const Claims& claims) noexcept { return holds_scope(claims, "publish"); }

Verdict refused(Verdict::Kind kind, JwtError jwt = JwtError::none) noexcept { return Verdict{kind, jwt, {}, {}}; }

// Refused when the claims lack one of `scopes`; allowed when they hold all.
Verdict scope_verdict(const Claims& claims, std::span<const std::string> scopes) noexcept {
    for (const std::string& scope : scopes)
        if (!holds_scope(claims, scope))
            return Verdict{Verdict::Kind::insufficient_scope, JwtError::none, scope, scopes};
    return Verdict{};
}

// Kept only as a digest: comparing two fixed-size digests in constant time
// reveals neither the token nor its length.
std::optional<crypto::Sha256Digest> digest_of(std::string_view token) {
    if (token.empty()) return std::nullopt;
    return crypto::sha256(token);
}

}  // namespace

int Verdict::status() const noexcept { return answer(kind).status; }

std::string_view Verdict::reason() const noexcept {
    return kind == Kind::invalid_token ? std::string_view(jwt_error_label(jwt)) : answer(kind).reason;
}

std::string Verdict::body() const {
    std::string out;
    if (kind == Kind::invalid_token)
        out.append("unauthorized: ").append(jwt_error_label(jwt)).append("\n");
    else if (kind == Kind::insufficient_scope)
        out.append("forbidden: the token's scope has no ").append(missing_scope).append("\n");
    else
        out = answer(kind).body;
    return out;
}

std::string Verdict::www_authenticate() const {
    std::string out(answer(kind).www_authenticate);
    if (kind != Kind::insufficient_scope) return out;
    out += ", scope=\"";
    for (size_t i = 0; i < scopes.size(); ++i) out.append(i ? " " : "").append(scopes[i]);
    out += "\"\r\n";
    return out;
}

Verifier::Verifier(const VerifierOptions& options)
    : issuer_(options.issuer), audience_(options.audience), leeway_s_(options.leeway_s) {
    auto keys = std::make_shared<Keys>();
    keys->jwt_secrets.assign(options.jwt_secrets.begin(), options.jwt_secrets.end());
    keys->publish_digest = digest_of(options.publish_token);
    keys_.store(std::move(keys), std::memory_order_release);
}

void Verifier::replace_jwt_secrets(std::vector<std::string> secrets) {
    auto next = std::make_shared<Keys>(*keys());
    next->jwt_secrets = std::move(secrets);
    keys_.store(std::move(next), std::memory_order_release);
}

void Verifier::replace_publish_token(std::string_view token) {
    auto next = std::make_shared<Keys>(*keys());
    next->publish_digest = digest_of(token);
    keys_.store(std::move(next), std::memory_order_release);
}

bool Verifier::publishing_enabled() const noexcept {
    const std::shared_ptr<const Keys> k = keys();
    return k->publish_digest.has_value() || !k->jwt_secrets.empty();
}

JwtError Verifier::verify(const Keys& keys, std::string_view token, int64_t now_s, Claims& out) const {
    JwtOptions options;
    options.secrets = keys.jwt_secrets;
    options.now_s = now_s;
    options.leeway_s = leeway_s_;
    options.issuer = issuer_;
    options.audience = audience_;
    return verify_jwt(token, options, out);
}

bool Verifier::is_publish_token(const Keys& keys, std::string_view token) noexcept {
    if (!keys.publish_digest) return false;
    const crypto::Sha256Digest given = crypto::sha256(token);
    return crypto::equal_constant_time(given.data(), keys.publish_digest->data(), given.size());
}

Verdict Verifier::verify_client(const http::Request& req, int64_t now_s, Identity& who,
                                std::span<const std::string> scopes) const {
    std::string token;
    if (find_token(req, token) == TokenSource::none) return refused(Verdict::Kind::missing);
    return verify_token(token, now_s, who, scopes);
}

Verdict Verifier::verify_token(std::string_view token, int64_t now_s, Identity& who,
                               std::span<const std::string> scopes) const {
    if (token.empty()) return refused(Verdict::Kind::missing);
    Claims claims;
    if (const JwtError e = verify(*keys(), token, now_s, claims); e != JwtError::none)
        return refused(Verdict::Kind::invalid_token, e);
    if (const Verdict v = scope_verdict(claims, scopes); !v.allowed()) return v;
    who.user = std::move(claims.sub);
    who.limited_rooms = claims.has_rooms;
    who.rooms = std::move(claims.rooms);
    who.read_only = claims.has_scope && !may_publish(claims);
    who.expires_s = claims.expires_s;
    return Verdict{};
}

Verdict Verifier::authorize_publish(const http::Request& req, std::string_view room, int64_t now_s) const {
    const std::optional<std::string_view> token = authorization_bearer(req);
    if (!token) return refused(Verdict::Kind::missing);
    const std::shared_ptr<const Keys> k = keys();  // one set of keys for the whole decision
    if (is_publish_token(*k, *token)) return Verdict{};
    if (k->jwt_secrets.empty()) return refused(Verdict::Kind::wrong_token);
    Claims claims;
    if (const JwtError e = verify(*k, *token, now_s, claims); e != JwtError::none)
        return refused(Verdict::Kind::invalid_token, e);
    if (const Verdict v = scope_verdict(claims, kPublishScope); !v.allowed()) return v;
    if (claims.has_rooms && !room.empty() && !room_allowed(claims.rooms, room))
        return refused(Verdict::Kind::room_not_allowed);
    return Verdict{};
}

}  // namespace wshub::auth
