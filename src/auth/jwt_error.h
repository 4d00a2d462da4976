// Why a token was refused: vocabulary shared by the verifier (auth/jwt.h) and
// the metrics that count refusals, so it depends on nothing of the project's.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace wshub::auth {

// X(name) per verdict: the enumerator and its label, the name as text, which
// doubles as a metric label value. Adding a verdict here adds both.
#define WSHUB_JWT_ERRORS(X)                                                                          \
    X(none)                                                                                          \
    X(too_large)      /* longer than kMaxTokenBytes; nothing was decoded */                          \
    X(malformed)      /* not three non-empty base64url segments, header or payload not JSON, `crit` */ \
    X(not_object)     /* header or payload is JSON but not an object */                              \
    X(bad_alg)        /* header `alg` not exactly "HS256", whatever follows (an empty signature too) */ \
    X(bad_signature)  /* signature not 32 bytes or not the HMAC of "header.payload" */               \
    X(expired)        /* now_s >= exp + leeway */                                                    \
    X(not_yet_valid)  /* now_s + leeway < nbf */                                                     \
    X(wrong_issuer)   /* issuer required, `iss` missing or different */                              \
    X(wrong_audience) /* audience required, `aud` missing, or not it / not containing it */          \
    X(bad_claims)     /* a registered or wshub claim of the wrong JSON type */

#define WSHUB_JWT_ERROR_ENUMERATOR(name) name,
#define WSHUB_JWT_ERROR_LABEL(name) #name,

enum class JwtError : uint8_t { WSHUB_JWT_ERRORS(WSHUB_JWT_ERROR_ENUMERATOR) count_ };

inline constexpr std::array kJwtErrorLabels{WSHUB_JWT_ERRORS(WSHUB_JWT_ERROR_LABEL)};
static_assert(kJwtErrorLabels.size() == size_t(JwtError::count_));

#undef WSHUB_JWT_ERROR_ENUMERATOR
#undef WSHUB_JWT_ERROR_LABEL

// "none", "too_large", "malformed", ...: the enumerator's name; "unknown"
// for a value outside the enum.
constexpr const char* jwt_error_label(JwtError e) noexcept {
    return e < JwtError::count_ ? kJwtErrorLabels[size_t(e)] : "unknown";
}

}  // namespace wshub::auth
