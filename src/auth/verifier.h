// Who may open a connection on an ,auth route, and who may POST /publish to
// a room. One Verifier, built once from the configuration, answers both, and
// with each refusal the status, body and WWW-Authenticate header (RFC 6750
// section 3) it is answered with, so that the two endpoints refuse alike.
// Its keys (the JWT secrets, the publish token) may be replaced while it
// runs (a reload). Nothing here logs, counts, or keeps a token; the caller
// does the counting.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/identity.h"
#include "auth/jwt.h"
#include "crypto/sha256.h"
#include "http/request.h"

namespace wshub::auth {

struct VerifierOptions {
    // A JWT signed with any of them is accepted; none: no JWT is.
    std::span<const std::string> jwt_secrets;
    int64_t leeway_s = 30;           // clock skew forgiven on exp and nbf
    std::string_view issuer;         // "": not checked
    std::string_view audience;       // "": not checked
    std::string_view publish_token;  // --publish-token-file's token, "" for none
};

// What a credential came to, and how a refusal is answered.
struct Verdict {
    enum class Kind : uint8_t {
        allowed,
        missing,             // 401: no token (the challenge alone)
        wrong_token,         // 401: /publish: not the static token, and no JWT is accepted
        invalid_token,       // 401: a JWT refused for `jwt`
        insufficient_scope,  // 403: a valid JWT whose scope lacks one asked for ("publish" on /publish,
                             // a route's scope= on an upgrade or a refresh)
        room_not_allowed,    // 403: /publish: a valid JWT whose rooms claim does not allow the room
    };
    Kind kind = Kind::allowed;
    // invalid_token: why; JwtError::none otherwise. As an index of
    // wshub_auth_failures_total it is also right for missing (none = "missing").
    JwtError jwt = JwtError::none;
    // insufficient_scope: the first scope asked for that the token lacks,
    // and all those asked for (views of what the caller passed, or static).
    std::string_view missing_scope = {};
    std::span<const std::string> scopes = {};

    bool allowed() const noexcept { return kind == Kind::allowed; }
    int status() const noexcept;  // 0 when allowed, else 401 or 403
    // A /publish refusal's reason in the log: "missing", "bad_token", the
    // JwtError's label, "insufficient_scope" or "rooms_claim".
    std::string_view reason() const noexcept;
    // The answer's text, ending in '\n': "unauthorized: <why>" on a 401,
    // "forbidden: ..." on a 403 (naming the missing scope).
    std::string body() const;
    // The header line (with its CRLF) to answer with: the bare challenge for
    // a missing token, error="invalid_token" for a refused one,
    // error="insufficient_scope" with scope="<the scopes asked for,
    // space-separated>" (RFC 6750 section 3) for a valid token without one
    // of them; "" otherwise.
    std::string www_authenticate() const;
};

// Every method may be called from any thread at any time, the replace_
// ones included, but replace_ calls one at a time (the server's reload is
// serialised).
class Verifier {
public:
    explicit Verifier(const VerifierOptions& options);
    Verifier(const Verifier&) = delete;
    Verifier& operator=(const Verifier&) = delete;

    // From the next verification on, a JWT is checked against these secrets;
    // one that is under way finishes with the ones it started with.
    void replace_jwt_secrets(std::vector<std::string> secrets);
    // The same for the static token of POST /publish ("": none).
    void replace_publish_token(std::string_view token);

    // False when neither a publish token nor a JWT secret is configured, so
    // that no request could ever be let in to /publish.
    bool publishing_enabled() const noexcept;

    // A client upgrading on an ,auth route: its token from the Authorization
    // header, a `bearer.<jwt>` subprotocol or ?token= (find_token), verified
    // at now_s (seconds since the epoch), whose scope claim must hold every
    // one of `scopes` (the route's scope=; views of them go into a refusal).
    // When allowed, `who` is who it is: its sub, its rooms claim, and
    // read-only when it has a scope without "publish"; untouched otherwise.
    Verdict verify_client(const http::Request& req, int64_t now_s, Identity& who,
                          std::span<const std::string> scopes = {}) const;
    // The same for a token given later on an open connection (a refresh).
    Verdict verify_token(std::string_view token, int64_t now_s, Identity& who,
                         std::span<const std::string> scopes = {}) const;

    // POST /publish: the `Authorization: Bearer` token is either the static
    // token (compared as SHA-256 digests in constant time, so its length
    // stays hidden too) or a JWT verified like a client's that must carry
    // the scope "publish" (read-only and scopeless tokens are for
    // subscribers) and, if it has a rooms claim and `room` is not "", allow
    // the room.
    Verdict authorize_publish(const http::Request& req, std::string_view room, int64_t now_s) const;

private:
    // What a reload replaces, never changed once published: a new Keys is
    // built and swapped in whole. Workers verify on every upgrade, refresh
    // and POST /publish, so reading must stay cheap and take no lock a
    // reload could hold for long; and a Keys must not be freed while a
    // verification still reads it. An atomic shared_ptr gives both: a
    // verification holds its own reference for its length, and the old Keys
    // is freed by whoever drops the last one. (libstdc++'s atomic<shared_ptr>
    // is not lock-free: a load holds a bit of the pointer for as long as one
    // reference-count increment takes. No message ever takes this path.)
    struct Keys {
        std::vector<std::string> jwt_secrets;
        std::optional<crypto::Sha256Digest> publish_digest;
    };
    std::shared_ptr<const Keys> keys() const noexcept { return keys_.load(std::memory_order_acquire); }
    JwtError verify(const Keys& keys, std::string_view token, int64_t now_s, Claims& out) const;
    static bool is_publish_token(const Keys& keys, std::string_view token) noexcept;

    std::string issuer_, audience_;
    int64_t leeway_s_;
    std::atomic<std::shared_ptr<const Keys>> keys_;
};

}  // namespace wshub::auth
