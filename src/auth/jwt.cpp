// HS256 JWT verification. The token is untrusted until its signature holds, so
// before that only the header is read, and only to refuse every algorithm but
// HS256: trusting `alg` is how "none" and key-confusion forgeries get in.
#include "auth/jwt.h"

#include <algorithm>
#include <limits>

#include "crypto/base64.h"
#include "crypto/constant_time.h"
#include "crypto/hmac.h"
#include "json/json.h"

namespace wshub::auth {

namespace {

// Headers and claim sets are small and flat; tighter limits than the json
// route's bound the work an unauthenticated client can ask for.
constexpr size_t kMaxMembers = 32;
constexpr json::Limits kJsonLimits{4, kMaxMembers};

// base64url turns 4 characters into at most 3 bytes, so all three decoded
// segments of a token that passed the size check fit here together.
constexpr size_t kDecodedCap = kMaxTokenBytes / 4 * 3;

constexpr size_t kSignatureBytes = 32;

constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();
constexpr int64_t kMinInt = std::numeric_limits<int64_t>::min();

// A larger exponent puts the decimal point past every digit a token can hold
// and past the 19 an int64 can: the result is 0 or saturated either way.
constexpr int64_t kExponentCap = 100000;

struct Segments {
    std::string_view header, payload, signature;  // base64url text
    std::string_view signing_input;               // "header.payload" as sent
};

// The claims wshub reads, null when absent.
struct Found {
    const json::Value *exp, *nbf, *iat, *sub, *iss, *aud, *rooms, *scope;
};

// Exactly three segments separated by '.' (JWE's five are refused), the
// header not empty. The other two are checked once the header has been
// judged: an unsigned "alg":"none" token ends in an empty signature, and is
// to be refused as bad_alg, not as a malformed token.
bool split(std::string_view token, Segments& s) noexcept {
    constexpr size_t npos = std::string_view::npos;
    const size_t first = token.find('.');
    if (first == npos) return false;
    const size_t second = token.find('.', first + 1);
    if (second == npos || token.find('.', second + 1) != npos) return false;
    s.header = token.substr(0, first);
    s.payload = token.substr(first + 1, second - first - 1);
    s.signature = token.substr(second + 1);
    s.signing_input = token.substr(0, second);
    return !s.header.empty();
}

// Decodes segments one after the other into one buffer of kDecodedCap bytes.
class SegmentDecoder {
public:
    explicit SegmentDecoder(uint8_t* buf) noexcept : buf_(buf) {}
    // False for an empty segment or one that is not canonical base64url.
    bool next(std::string_view in, std::string_view& out) noexcept {
        if (in.empty()) return false;
        const auto n = crypto::base64url_decode(in, buf_ + used_, kDecodedCap - used_);
        if (!n) return false;
        out = std::string_view(reinterpret_cast<const char*>(buf_ + used_), *n);
        used_ += *n;
        return true;
    }

private:
    uint8_t* buf_;
    size_t used_ = 0;
};

// parse_object's verdict in JwtError terms: over a limit, duplicate keys and
// bad encodings are all just "not a JSON object we accept".
JwtError parse(std::string_view text, json::Member* members, size_t& count) noexcept {
    switch (json::parse_object(text, members, count, kJsonLimits)) {
        case json::Error::none: return JwtError::none;
        case json::Error::not_object: return JwtError::not_object;
        default: return JwtError::malformed;
    }
}

// True if v is a JSON string whose decoded text is exactly want.
bool string_is(const json::Value& v, std::string_view want) {
    if (v.type != json::Type::string) return false;
    if (const auto plain = json::plain_string(v)) return *plain == want;
    std::string decoded;
    return json::decode_string(v.raw, decoded) && decoded == want;
}

JwtError check_header(const json::Member* members, size_t count) {
    const json::Value* alg = json::find(members, count, "alg");
    if (alg == nullptr || !string_is(*alg, "HS256")) return JwtError::bad_alg;
    // crit lists extensions a verifier must understand or refuse the token
    // (RFC 7515 section 4.1.11); wshub understands none of them.
    if (json::find(members, count, "crit") != nullptr) return JwtError::malformed;
    return JwtError::none;
}

// Every secret is tried, each with the same work whether an earlier one
// matched or not, and the verdicts are ORed without a branch: the time
// depends on the number of secrets (which is no secret), never on which one
// signed the token, nor on how many bytes of a wrong MAC are right. The calls
// are to other translation units, so the optimiser cannot skip the ones
// after a match either.
bool signature_valid(const Segments& s, std::string_view signature, std::span<const std::string> secrets) noexcept {
    if (signature.size() != kSignatureBytes) return false;
    unsigned matched = 0;
    for (const std::string& secret : secrets) {
        const crypto::Sha256Digest mac = crypto::hmac_sha256(secret, s.signing_input);
        const bool equal = crypto::equal_constant_time(mac.data(), signature.data(), mac.size());
        // HMAC with an empty key is well defined, and anyone can compute it.
        matched |= unsigned(equal) & unsigned(!secret.empty());
    }
    return matched != 0;
}

Found locate(const json::Member* members, size_t count) noexcept {
    auto at = [&](std::string_view name) noexcept { return json::find(members, count, name); };
    return Found{at("exp"), at("nbf"), at("iat"), at("sub"), at("iss"), at("aud"), at("rooms"), at("scope")};
}

bool absent_or(const json::Value* v, json::Type type) noexcept { return v == nullptr || v->type == type; }

bool all_strings(const json::Value& array) noexcept {
    std::string_view rest = array.raw;
    json::Value element;
    while (json::next_element(rest, element)) {
        if (element.type != json::Type::string) return false;
    }
    return true;
}

bool is_string_array(const json::Value& v) noexcept { return v.type == json::Type::array && all_strings(v); }

bool claim_types_ok(const Found& f) noexcept {
    using json::Type;
    if (!absent_or(f.exp, Type::number) || !absent_or(f.nbf, Type::number) || !absent_or(f.iat, Type::number))
        return false;
    if (!absent_or(f.sub, Type::string) || !absent_or(f.iss, Type::string) || !absent_or(f.scope, Type::string))
        return false;
    if (f.rooms != nullptr && !is_string_array(*f.rooms)) return false;
    if (f.aud != nullptr && f.aud->type != Type::string && !is_string_array(*f.aud)) return false;
    return true;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// A validated JSON number taken apart: -? int (. frac)? (e exp)?
struct NumberParts {
    bool negative = false;
    std::string_view int_digits, frac_digits;
    int64_t exponent = 0;  // clamped to +-kExponentCap
};

NumberParts split_number(std::string_view raw) noexcept {
    NumberParts n;
    size_t i = 0;
    auto digits = [&]() noexcept {
        const size_t start = i;
        while (i < raw.size() && is_digit(raw[i])) ++i;
        return raw.substr(start, i - start);
    };
    if (i < raw.size() && raw[i] == '-') {
        n.negative = true;
        ++i;
    }
    n.int_digits = digits();
    if (i < raw.size() && raw[i] == '.') {
        ++i;
        n.frac_digits = digits();
    }
    if (i < raw.size() && (raw[i] == 'e' || raw[i] == 'E')) {
        ++i;
        const bool minus = i < raw.size() && raw[i] == '-';
        if (i < raw.size() && (raw[i] == '-' || raw[i] == '+')) ++i;
        for (const char c : digits()) n.exponent = std::min(n.exponent * 10 + (c - '0'), kExponentCap);
        if (minus) n.exponent = -n.exponent;
    }
    return n;
}

// The integer part (truncated toward zero) of a validated JSON number,
// saturated to the int64 range, without floating point: "1.3e9", "13e8" and
// "1300000000.9" all give 1300000000.
int64_t integer_part(std::string_view raw) noexcept {
    const NumberParts n = split_number(raw);
    const size_t int_len = n.int_digits.size();
    const size_t all_len = int_len + n.frac_digits.size();
    // Digits before the decimal point once the exponent has moved it.
    const int64_t point = static_cast<int64_t>(int_len) + n.exponent;
    uint64_t v = 0;
    for (int64_t k = 0; k < point; ++k) {
        const auto i = static_cast<size_t>(k);
        if (i >= all_len && v == 0) break;  // only zeros left to append to zero
        const char c = i < int_len ? n.int_digits[i] : i < all_len ? n.frac_digits[i - int_len] : '0';
        const auto d = static_cast<uint64_t>(c - '0');
        if (v > (static_cast<uint64_t>(kMaxInt) - d) / 10) {
            v = static_cast<uint64_t>(kMaxInt);
            break;
        }
        v = v * 10 + d;
    }
    const auto magnitude = static_cast<int64_t>(v);
    return n.negative ? -magnitude : magnitude;
}

int64_t add_saturating(int64_t a, int64_t b) noexcept {
    if (b > 0 && a > kMaxInt - b) return kMaxInt;
    if (b < 0 && a < kMinInt - b) return kMinInt;
    return a + b;
}

JwtError check_times(const Found& f, const JwtOptions& o) noexcept {
    if (f.exp != nullptr && o.now_s >= add_saturating(integer_part(f.exp->raw), o.leeway_s))
        return JwtError::expired;
    if (f.nbf != nullptr && add_saturating(o.now_s, o.leeway_s) < integer_part(f.nbf->raw))
        return JwtError::not_yet_valid;
    return JwtError::none;
}

bool array_contains(const json::Value& array, std::string_view want) {
    std::string_view rest = array.raw;
    json::Value element;
    while (json::next_element(rest, element)) {
        if (string_is(element, want)) return true;
    }
    return false;
}

// RFC 7519 section 4.1.3: aud is one string or an array of them.
bool audience_matches(const json::Value& aud, std::string_view audience) {
    return aud.type == json::Type::string ? string_is(aud, audience) : array_contains(aud, audience);
}

JwtError check_parties(const Found& f, const JwtOptions& o) {
    if (!o.issuer.empty() && (f.iss == nullptr || !string_is(*f.iss, o.issuer))) return JwtError::wrong_issuer;
    if (!o.audience.empty() && (f.aud == nullptr || !audience_matches(*f.aud, o.audience)))
        return JwtError::wrong_audience;
    return JwtError::none;
}

// OAuth scopes are separated by single spaces (RFC 6749 section 3.3); extra
// spaces are forgiven rather than turned into empty scope names.
void split_scope(std::string_view scope, std::vector<std::string>& out) {
    size_t i = 0;
    while (i < scope.size()) {
        size_t end = scope.find(' ', i);
        if (end == std::string_view::npos) end = scope.size();
        if (end > i) out.emplace_back(scope.substr(i, end - i));
        i = end + 1;
    }
}

// The types were checked, so every decode below succeeds.
void read_claims(const Found& f, const JwtOptions& o, Claims& out) {
    if (f.sub != nullptr) json::decode_string(f.sub->raw, out.sub);
    if (f.exp != nullptr) out.expires_s = std::max<int64_t>(1, add_saturating(integer_part(f.exp->raw), o.leeway_s));
    if (f.rooms != nullptr) {
        out.has_rooms = true;
        std::string_view rest = f.rooms->raw;
        json::Value element;
        while (json::next_element(rest, element)) {
            out.rooms.emplace_back();
            json::decode_string(element.raw, out.rooms.back());
        }
    }
    if (f.scope != nullptr) {
        out.has_scope = true;
        std::string scope;
        json::decode_string(f.scope->raw, scope);
        split_scope(scope, out.scopes);
    }
}

}  // namespace

JwtError verify_jwt(std::string_view token, const JwtOptions& options, Claims& out) {
    out = Claims{};
    if (token.size() > kMaxTokenBytes) return JwtError::too_large;

    Segments segments;
    uint8_t buf[kDecodedCap];
    SegmentDecoder decoder(buf);
    std::string_view header, payload, signature;
    if (!split(token, segments) || !decoder.next(segments.header, header)) return JwtError::malformed;

    json::Member members[kMaxMembers];
    size_t count = 0;
    JwtError e = parse(header, members, count);
    if (e == JwtError::none) e = check_header(members, count);
    if (e != JwtError::none) return e;
    if (!decoder.next(segments.payload, payload) || !decoder.next(segments.signature, signature))
        return JwtError::malformed;
    if (!signature_valid(segments, signature, options.secrets)) return JwtError::bad_signature;

    if ((e = parse(payload, members, count)) != JwtError::none) return e;
    const Found found = locate(members, count);
    if (!claim_types_ok(found)) return JwtError::bad_claims;
    if ((e = check_times(found, options)) != JwtError::none) return e;
    if ((e = check_parties(found, options)) != JwtError::none) return e;
    read_claims(found, options, out);
    return JwtError::none;
}

}  // namespace wshub::auth
