// libFuzzer target for auth::verify_jwt and the crypto under it.
//
// The first input byte picks the options (secret, clock, issuer, audience);
// bit 0 picks the mode. Raw mode verifies the rest as a token as sent. Signed
// mode takes "header JSON \n payload JSON" (or only a payload, under a plain
// HS256 header) and signs it, so the fuzzer reaches the claim checks.
//
// Properties checked on every input:
// - the verdict is a known JwtError, claims are empty unless it is none, and
//   an accepted token really is three segments whose MAC is right;
// - more leeway never turns an accepted token down, less never accepts an
//   expired one;
// - signed: never bad_signature; an empty header is malformed, an empty
//   payload malformed unless the header alone is refused; re-signed with another secret, bad_signature
//   exactly when the header alone would pass; `exp` expired exactly when an
//   independent, string-based NumericDate reading says so;
// - base64url agrees with base64 over the swapped alphabet, decodes only its
//   own canonical encodings; SHA-256 and HMAC streamed at an input-chosen split
//   equal one shot; constant-time equality equals memcmp;
// - json::next_element walks any valid array exactly, element by element.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "auth/jwt.h"
#include "crypto/base64.h"
#include "crypto/constant_time.h"
#include "crypto/hmac.h"
#include "crypto/sha256.h"
#include "json/json.h"
#include "require.h"

using namespace wshub;
using auth::Claims;
using auth::JwtError;
using auth::JwtOptions;

namespace {

using fuzz::require;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr std::string_view kSecret = "fuzz secret";
constexpr std::string_view kOtherSecret = "not the fuzz secret";
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

// The RFC 7515 A.1 key, so its example token (a seed) verifies in raw mode.
const std::string& rfc_key() {
    static const std::string key = *crypto::base64url_decode(
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
    return key;
}

JwtOptions options_from(uint8_t flags) {
    static const int64_t clocks[] = {1000, 0, 1300819000, kMax, kMin, 2000000000, -1, 1700000000};
    static const std::string fuzz_secret(kSecret);
    JwtOptions o;
    o.secrets = {flags & 0x40 ? &rfc_key() : &fuzz_secret, 1};
    o.now_s = clocks[(flags >> 3) & 7];
    o.leeway_s = flags & 0x80 ? 0 : 30;
    o.issuer = flags & 2 ? "iss" : "";
    o.audience = flags & 4 ? "aud" : "";
    return o;
}

// The one secret options_from gives.
std::string_view secret_of(const JwtOptions& o) { return o.secrets.front(); }

std::string mac_b64(std::string_view input, std::string_view secret) {
    const auto mac = crypto::hmac_sha256(secret, input);
    return crypto::base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

std::string sign(std::string_view header, std::string_view payload, std::string_view secret) {
    const std::string input = crypto::base64url_encode(header) + "." + crypto::base64url_encode(payload);
    return input + "." + mac_b64(input, secret);
}

JwtError verify(std::string_view token, const JwtOptions& o, Claims& c) {
    const JwtError e = auth::verify_jwt(token, o, c);
    require(static_cast<unsigned>(e) < static_cast<unsigned>(JwtError::count_), "unknown verdict");
    require(std::string_view(auth::jwt_error_label(e)) != "unknown", "verdict without a label");
    if (e != JwtError::none) {
        require(c.sub.empty() && !c.has_rooms && c.rooms.empty() && !c.has_scope && c.scopes.empty(),
                "claims left behind by a refused token");
    }
    return e;
}

void check_accepted(std::string_view token, const JwtOptions& o, const Claims& c) {
    require(token.size() <= auth::kMaxTokenBytes, "accepted an oversized token");
    const size_t d1 = token.find('.'), d2 = token.rfind('.');
    require(d1 != std::string_view::npos && d1 != d2 && token.find('.', d1 + 1) == d2, "accepted without 3 segments");
    require(token.substr(d2 + 1) == mac_b64(token.substr(0, d2), secret_of(o)), "accepted with a wrong MAC");
    for (const std::string& s : c.scopes) require(!s.empty() && s.find(' ') == std::string::npos, "bad scope split");
    require(c.has_rooms || c.rooms.empty(), "rooms without the claim");
    require(c.has_scope || c.scopes.empty(), "scopes without the claim");
}

// Leeway only relaxes exp and nbf, and exp is checked first.
void check_leeway_monotonic(std::string_view token, JwtOptions o, JwtError at_default) {
    Claims c;
    o.leeway_s = 1000000;
    const JwtError wide = verify(token, o, c);
    if (at_default == JwtError::none) require(wide == JwtError::none, "more leeway refused a token");
    o.leeway_s = 0;
    const JwtError narrow = verify(token, o, c);
    if (wide == JwtError::expired) require(narrow == JwtError::expired, "less leeway un-expired a token");
    if (at_default == JwtError::expired) require(narrow == JwtError::expired, "zero leeway un-expired a token");
}

// NumericDate integer part by moving the decimal point in a string: a
// different method from the verifier's digit loop, same answer required.
int64_t reference_integer_part(std::string_view raw) {
    const bool negative = !raw.empty() && raw[0] == '-';
    if (negative) raw.remove_prefix(1);
    const size_t e = raw.find_first_of("eE");
    const std::string_view mantissa = raw.substr(0, e);
    int64_t exponent = 0;
    if (e != std::string_view::npos) {
        std::string_view x = raw.substr(e + 1);
        const bool minus = !x.empty() && x[0] == '-';
        if (!x.empty() && (x[0] == '-' || x[0] == '+')) x.remove_prefix(1);
        for (const char c : x) exponent = std::min<int64_t>(exponent * 10 + (c - '0'), 10000000);
        if (minus) exponent = -exponent;
    }
    const size_t dot = mantissa.find('.');
    std::string digits(mantissa.substr(0, dot));
    int64_t point = static_cast<int64_t>(digits.size()) + exponent;
    if (dot != std::string_view::npos) digits += mantissa.substr(dot + 1);
    while (!digits.empty() && digits[0] == '0') {
        digits.erase(0, 1);
        --point;
    }
    int64_t magnitude;
    if (digits.empty() || point <= 0) {
        magnitude = 0;
    } else if (point > 19) {
        magnitude = kMax;
    } else {
        std::string whole = digits.substr(0, static_cast<size_t>(point));
        whole.resize(static_cast<size_t>(point), '0');
        magnitude = whole.size() == 19 && whole > "9223372036854775807" ? kMax : std::stoll(whole);
    }
    return negative ? -magnitude : magnitude;
}

int64_t reference_add(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) return b > 0 ? kMax : kMin;
    return r;
}

// When the verdict came from the time checks or later, `exp` decided exactly
// per the reference.
void check_exp_reading(std::string_view payload, const JwtOptions& o, JwtError got) {
    if (got != JwtError::none && got != JwtError::expired && got != JwtError::not_yet_valid &&
        got != JwtError::wrong_issuer && got != JwtError::wrong_audience)
        return;
    json::Member members[32];
    size_t count = 0;
    require(json::parse_object(payload, members, count, json::Limits{4, 32}) == json::Error::none,
            "accepted claims that do not parse");
    const json::Value* exp = json::find(members, count, "exp");
    const bool want = exp != nullptr && o.now_s >= reference_add(reference_integer_part(exp->raw), o.leeway_s);
    require((got == JwtError::expired) == want, "exp read differently from the reference");
}

void signed_mode(std::string_view body, const JwtOptions& o) {
    const size_t nl = body.find('\n');
    const std::string_view header = nl == std::string_view::npos ? kHeader : body.substr(0, nl);
    const std::string_view payload = nl == std::string_view::npos ? body : body.substr(nl + 1);
    const std::string token = sign(header, payload, secret_of(o));
    Claims c;
    const JwtError got = verify(token, o, c);
    // base64url of "" is "": an empty segment. An empty header is malformed;
    // behind an empty payload the header decides first.
    if (header.empty() && token.size() <= auth::kMaxTokenBytes) {
        require(got == JwtError::malformed, "empty header not malformed");
        return;
    }
    if (payload.empty() && token.size() <= auth::kMaxTokenBytes) {
        const JwtError header_alone = verify(sign(header, "{}", secret_of(o)), o, c);
        if (header_alone == JwtError::too_large) return;  // "{}" made it 3 characters longer
        const bool header_refused = header_alone != JwtError::none && header_alone != JwtError::wrong_issuer &&
                                    header_alone != JwtError::wrong_audience;
        require(got == (header_refused ? header_alone : JwtError::malformed), "empty payload judged before the header");
        return;
    }
    require(got != JwtError::bad_signature, "own signature refused");
    if (token.size() > auth::kMaxTokenBytes) {
        require(got == JwtError::too_large, "oversized token not too_large");
        return;
    }
    if (got == JwtError::none) check_accepted(token, o, c);
    check_leeway_monotonic(token, o, got);
    check_exp_reading(payload, o, got);

    // Same header, payload "{}" and no claim required: whether the header alone passes.
    JwtOptions lax = o;
    lax.issuer = lax.audience = "";
    const JwtError header_alone = verify(sign(header, "{}", secret_of(o)), lax, c);
    const JwtError forged = verify(sign(header, payload, kOtherSecret), o, c);
    if (header_alone == JwtError::none) {
        require(forged == JwtError::bad_signature, "forged token not bad_signature");
    } else {
        require(forged == header_alone && got == header_alone, "header verdict depends on the payload");
    }
}

void raw_mode(std::string_view token, const JwtOptions& o) {
    Claims c;
    const JwtError got = verify(token, o, c);
    if (token.size() > auth::kMaxTokenBytes) require(got == JwtError::too_large, "oversized token not too_large");
    if (got == JwtError::none) check_accepted(token, o, c);
    check_leeway_monotonic(token, o, got);
    Claims again;
    require(verify(token, o, again) == got && again.sub == c.sub && again.rooms == c.rooms, "not deterministic");
}

std::string to_standard_alphabet(std::string_view url) {
    std::string s(url);
    for (char& ch : s) ch = ch == '-' ? '+' : ch == '_' ? '/' : ch;
    s.resize((s.size() + 3) / 4 * 4, '=');
    return s;
}

void check_base64url(std::string_view text) {
    const std::optional<std::string> url = crypto::base64url_decode(text);
    if (url) require(crypto::base64url_encode(*url) == text, "base64url accepted a non-canonical encoding");
    require(crypto::base64url_decode(crypto::base64url_encode(text)) == std::optional<std::string>(text),
            "base64url round trip");
    // Without the symbols the other alphabet owns, both decoders must agree.
    if (text.find_first_of("+/=") == std::string_view::npos && text.size() % 4 != 1) {
        require(crypto::base64_decode(to_standard_alphabet(text)) == url, "base64url disagrees with base64");
    }
}

void check_hashes(std::string_view data, size_t split) {
    const crypto::Sha256Digest one = crypto::sha256(data);
    crypto::Sha256 h;
    h.update(data.data(), split);
    h.update(data.data() + split, data.size() - split);
    require(h.finish() == one, "sha256 streaming differs");

    const std::string_view key = data.substr(0, split);
    const std::string_view msg = data.substr(split);
    crypto::HmacSha256 m(key);
    m.update(msg.data(), msg.size() / 2);
    m.update(msg.data() + msg.size() / 2, msg.size() - msg.size() / 2);
    require(m.finish() == crypto::hmac_sha256(key, msg), "hmac streaming differs");

    const size_t n = std::min(key.size(), msg.size());
    require(crypto::equal_constant_time(key.data(), msg.data(), n) == (std::memcmp(key.data(), msg.data(), n) == 0),
            "constant-time compare disagrees with memcmp");
    require(crypto::equal_constant_time(key, msg) == (key == msg), "string_view compare disagrees");
}

// The gaps next_element leaves between elements hold exactly the array's
// punctuation: '[' first, one ',' between elements, ']' last, and whitespace.
bool only(std::string_view gap, char punct) {
    size_t seen = 0;
    for (const char c : gap) {
        if (c == punct) ++seen;
        else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
    }
    return seen == 1;
}

void check_array_walk(std::string_view text) {
    if (json::validate(text, 8) != json::Error::none) return;
    const size_t first = text.find_first_not_of(" \t\r\n");
    if (text[first] != '[') return;
    const std::string_view array = text.substr(first, text.find_last_not_of(" \t\r\n") + 1 - first);
    std::string_view rest = array;
    json::Value element;
    const char* at = array.data();
    char punct = '[';
    while (json::next_element(rest, element)) {
        require(element.raw.data() >= at && element.raw.data() + element.raw.size() <= array.data() + array.size(),
                "element outside the array");
        require(only(std::string_view(at, static_cast<size_t>(element.raw.data() - at)), punct), "bad gap before element");
        require(json::validate(element.raw, 7) == json::Error::none, "element does not validate alone");
        const char c = element.raw.front();
        const json::Type want = c == '{' ? json::Type::object : c == '[' ? json::Type::array
                              : c == '"' ? json::Type::string : c == 't' || c == 'f' ? json::Type::boolean
                              : c == 'n' ? json::Type::null : json::Type::number;
        require(element.type == want, "element type");
        at = element.raw.data() + element.raw.size();
        punct = ',';
    }
    const std::string_view tail(at, static_cast<size_t>(array.data() + array.size() - at));
    if (punct == '[') {
        require(tail.front() == '[' && only(tail.substr(1), ']'), "missed the elements of an array");
    } else {
        require(only(tail, ']'), "stopped before the end of the array");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint8_t flags = data[0];
    const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    const JwtOptions o = options_from(flags);
    if (flags & 1) {
        signed_mode(body, o);
    } else {
        raw_mode(body, o);
    }
    check_base64url(body);
    check_array_walk(body);
    check_hashes(body, body.empty() ? 0 : flags % (body.size() + 1));
    return 0;
}
