// HS256 JSON Web Token verification (RFC 7519 claims over the RFC 7515
// compact serialization, signed with HMAC-SHA256). Only verification: the
// server never issues tokens. Nothing here logs or keeps the token or secret.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwt_error.h"

namespace wshub::auth {

constexpr size_t kMaxTokenBytes = 4096;

struct JwtOptions {
    // The HMAC keys: a token signed with any one of them is accepted (none:
    // no token is). An empty key accepts nothing.
    std::span<const std::string> secrets;
    int64_t now_s = 0;        // current time, seconds since the epoch
    int64_t leeway_s = 30;    // clock skew forgiven on exp and nbf
    std::string_view issuer;    // "" = not checked
    std::string_view audience;  // "" = not checked
};

struct Claims {
    std::string sub;  // "" if absent
    // The moment it stops being valid: exp plus the leeway, seconds since the
    // epoch; 0 without an exp claim.
    int64_t expires_s = 0;
    bool has_rooms = false;
    std::vector<std::string> rooms;  // the "rooms" claim: room patterns
    bool has_scope = false;
    std::vector<std::string> scopes;  // "scope" split on spaces, empty pieces dropped
};

// Verifies a compact JWS token and reads its claims. Checks run in this
// order: size, three segments, header (non-empty base64url, JSON, object,
// alg, crit), payload and signature segments (non-empty base64url),
// signature, payload (JSON, object), claim types, exp, nbf, iss, aud; so the
// error names the first thing wrong, the header decides before anything
// after it (an "alg":"none" token is bad_alg however it ends), and no
// payload is read before its signature holds. NumericDates may carry a fraction or an exponent; their
// integer part counts, saturated to int64. out is reset first and filled only
// when the result is JwtError::none. sub and rooms are any decoded JSON text,
// control characters included: escape them before logging or echoing.
JwtError verify_jwt(std::string_view token, const JwtOptions& options, Claims& out);

}  // namespace wshub::auth
