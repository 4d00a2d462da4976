// Sec-WebSocket-Extensions read left to right (extensions.h): each line's
// elements in order, each element's parameters in order. The grammar is
// checked on every line to its end; the permessage-deflate parameters are
// judged against one table as they are read.
#include "http/extensions.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace wshub::http {
namespace {

constexpr std::string_view kHeader = "Sec-WebSocket-Extensions";
constexpr std::string_view kDeflate = "permessage-deflate";

bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

// RFC 9110 section 5.6.2.
bool is_tchar(char c) noexcept {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return alnum || (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c));
}

void skip_ows(std::string_view line, size_t& pos) noexcept {
    while (pos < line.size() && is_ows(line[pos])) ++pos;
}

std::string_view read_token(std::string_view line, size_t& pos) noexcept {
    const size_t start = pos;
    while (pos < line.size() && is_tchar(line[pos])) ++pos;
    return line.substr(start, pos - start);
}

// A parameter's value after unescaping. Only its first bytes are kept (a
// window value has two at most); `length` counts them all.
struct Value {
    static constexpr size_t kKept = 3;
    bool present = false;
    char kept[kKept] = {};
    size_t length = 0;

    void add(char c) noexcept {
        if (length < kKept) kept[length] = c;
        ++length;
    }
    std::string_view text() const noexcept { return {kept, std::min(length, kKept)}; }
};

// A quoted-string at line[pos] == '"'. False if it does not end or its
// unescaped text is not a token.
bool read_quoted(std::string_view line, size_t& pos, Value& out) noexcept {
    ++pos;
    while (true) {
        if (pos >= line.size()) return false;
        char c = line[pos++];
        if (c == '"') break;
        if (c == '\\') {
            if (pos >= line.size()) return false;
            c = line[pos++];
        }
        if (!is_tchar(c)) return false;
        out.add(c);
    }
    return out.length > 0;
}

// What follows '=': OWS, then a token or a quoted-string. False if neither.
bool read_value(std::string_view line, size_t& pos, Value& out) noexcept {
    skip_ows(line, pos);
    out.present = true;
    if (pos < line.size() && line[pos] == '"') return read_quoted(line, pos, out);
    for (char c : read_token(line, pos)) out.add(c);
    return out.length > 0;
}

// 8..15 in decimal, no sign or leading zero; 0 for anything else.
uint8_t window_bits(const Value& v) noexcept {
    const std::string_view t = v.text();
    if (v.length > 2 || t.empty() || t[0] == '0') return 0;
    unsigned n = 0;
    for (char c : t) {
        if (c < '0' || c > '9') return 0;
        n = n * 10 + unsigned(c - '0');
    }
    return n >= 8 && n <= 15 ? uint8_t(n) : 0;
}

// A permessage-deflate offer as read so far.
struct DeflateOffer {
    bool declined = false;
    unsigned seen = 0;  // a bit per kParams row
    bool server_no_context_takeover = false;
    bool client_no_context_takeover = false;
    uint8_t server_max_window_bits = 0;  // 0: not offered
    bool client_max_window_bits_offered = false;
    uint8_t client_max_window_bits = 0;  // 0: offered without a value
};

enum class Arity : uint8_t { none, required, optional };

struct ParamRow {
    std::string_view name;
    Arity arity;
    void (*apply)(DeflateOffer&, uint8_t bits) noexcept;  // bits: the value, 0 if none
};

// RFC 7692 section 7.1: the parameters of an offer.
constexpr ParamRow kParams[] = {
    {"server_no_context_takeover", Arity::none,
     [](DeflateOffer& o, uint8_t) noexcept { o.server_no_context_takeover = true; }},
    {"client_no_context_takeover", Arity::none,
     [](DeflateOffer& o, uint8_t) noexcept { o.client_no_context_takeover = true; }},
    {"server_max_window_bits", Arity::required,
     [](DeflateOffer& o, uint8_t bits) noexcept { o.server_max_window_bits = bits; }},
    {"client_max_window_bits", Arity::optional,
     [](DeflateOffer& o, uint8_t bits) noexcept {
         o.client_max_window_bits_offered = true;
         o.client_max_window_bits = bits;
     }},
};

// One parameter of a permessage-deflate offer: declines the offer unless
// it is known, new, and has a value exactly when it may.
void consider_param(DeflateOffer& offer, std::string_view name, const Value& value) noexcept {
    for (size_t row = 0; row < std::size(kParams); ++row) {
        const ParamRow& p = kParams[row];
        if (!iequals(name, p.name)) continue;
        const unsigned bit = 1u << row;
        uint8_t bits = 0;
        if (value.present) bits = window_bits(value);
        const bool ok = !(offer.seen & bit) && (value.present ? p.arity != Arity::none && bits != 0
                                                              : p.arity != Arity::required);
        offer.seen |= bit;
        if (!ok) {
            offer.declined = true;
            return;
        }
        p.apply(offer, bits);
        return;
    }
    offer.declined = true;
}

uint8_t clamp_bits(uint8_t bits) noexcept { return std::clamp<uint8_t>(bits, 8, 15); }

DeflateParams agree(const DeflateOffer& offer, const DeflatePolicy& policy) noexcept {
    DeflateParams p;
    p.server_no_context_takeover = offer.server_no_context_takeover || policy.server_no_context_takeover;
    p.client_no_context_takeover = offer.client_no_context_takeover || policy.client_no_context_takeover;
    const uint8_t server_cap = clamp_bits(policy.server_max_window_bits);
    const uint8_t server_offered = offer.server_max_window_bits;
    p.server_window_bits = server_offered ? std::min(server_offered, server_cap) : server_cap;
    p.answer_server_window_bits = server_offered != 0 || p.server_window_bits < 15;
    if (offer.client_max_window_bits_offered) {
        const uint8_t client_offered = offer.client_max_window_bits ? offer.client_max_window_bits : 15;
        p.client_window_bits = std::min(client_offered, clamp_bits(policy.client_max_window_bits));
        p.answer_client_window_bits = offer.client_max_window_bits != 0 || p.client_window_bits < 15;
    }
    return p;
}

// One element whose name has been read, from just after the name to its
// end (the line's end or the ',' after it, not consumed). False if the
// grammar breaks.
bool read_params(std::string_view line, size_t& pos, DeflateOffer* offer) noexcept {
    while (true) {
        skip_ows(line, pos);
        if (pos == line.size() || line[pos] == ',') return true;
        if (line[pos] != ';') return false;
        ++pos;
        skip_ows(line, pos);
        const std::string_view name = read_token(line, pos);
        if (name.empty()) return false;
        skip_ows(line, pos);
        Value value;
        if (pos < line.size() && line[pos] == '=' && !read_value(line, ++pos, value)) return false;
        if (offer && !offer->declined) consider_param(*offer, name, value);
    }
}

// One header line. The first acceptable permessage-deflate offer goes into
// `result` unless it holds one already. False if the line is malformed.
bool read_line(std::string_view line, const DeflatePolicy& policy, DeflateNegotiation& result) noexcept {
    size_t pos = 0;
    while (true) {
        skip_ows(line, pos);
        if (pos == line.size()) return true;
        if (line[pos] == ',') {
            ++pos;
            continue;
        }
        const std::string_view name = read_token(line, pos);
        if (name.empty()) return false;
        const bool is_deflate = iequals(name, kDeflate);
        DeflateOffer offer;
        if (!read_params(line, pos, is_deflate ? &offer : nullptr)) return false;
        if (is_deflate && !offer.declined && result.outcome == ExtensionsOutcome::none)
            result = {ExtensionsOutcome::accepted, agree(offer, policy)};
    }
}

}  // namespace

DeflateNegotiation negotiate_deflate(const Request& req, const DeflatePolicy& policy) noexcept {
    DeflateNegotiation result;
    for (size_t i = 0; i < req.header_count; ++i) {
        if (!iequals(req.headers[i].name, kHeader)) continue;
        if (!read_line(req.headers[i].value, policy, result)) return {ExtensionsOutcome::malformed, {}};
    }
    return result;
}

std::string deflate_answer(const DeflateParams& params) {
    std::string line = "Sec-WebSocket-Extensions: permessage-deflate";
    if (params.server_no_context_takeover) line += "; server_no_context_takeover";
    if (params.client_no_context_takeover) line += "; client_no_context_takeover";
    if (params.answer_server_window_bits)
        line += "; server_max_window_bits=" + std::to_string(params.server_window_bits);
    if (params.answer_client_window_bits)
        line += "; client_max_window_bits=" + std::to_string(params.client_window_bits);
    line += "\r\n";
    return line;
}

}  // namespace wshub::http
