#include "handshake.h"

#include <cstring>
#include <vector>

#include "http/client_handshake.h"
#include "http/request.h"
#include "options.h"
#include "ws/mask_source.h"

namespace wsbench {

namespace {

using wshub::http::iequals;
using wshub::http::trim_ows;

constexpr std::string_view kExtensionsHeader = "Sec-WebSocket-Extensions";

// Splits the next item off list at sep; the item trimmed.
std::string_view next_item(std::string_view& list, char sep) {
    size_t at = list.find(sep);
    std::string_view item = trim_ows(list.substr(0, at));
    list.remove_prefix(at == std::string_view::npos ? list.size() : at + 1);
    return item;
}

// A window-bits value, plain or quoted: 8..15.
bool window_bits(std::string_view v, uint8_t& bits) {
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (v.size() == 1 && v[0] >= '8' && v[0] <= '9') return bits = uint8_t(v[0] - '0'), true;
    if (v.size() == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5') return bits = uint8_t(10 + v[1] - '0'), true;
    return false;
}

// One answer parameter of permessage-deflate; false (why set) if RFC 7692
// section 7.1 does not allow it in answer to kDeflateOffer, or it repeats.
bool deflate_param(std::string_view param, unsigned& seen, DeflateAnswer& a, std::string& why) {
    const size_t eq = param.find('=');
    const std::string_view name = trim_ows(param.substr(0, eq));
    const bool has_value = eq != std::string_view::npos;
    const std::string_view value = has_value ? trim_ows(param.substr(eq + 1)) : std::string_view();
    static constexpr std::string_view kNames[] = {"server_no_context_takeover", "client_no_context_takeover",
                                                  "server_max_window_bits", "client_max_window_bits"};
    for (unsigned i = 0; i < 4; ++i) {
        if (!iequals(name, kNames[i])) continue;
        if (seen & (1u << i)) return why = "permessage-deflate answer repeats " + std::string(name), false;
        seen |= 1u << i;
        bool ok = !has_value;  // the two flags take no value
        switch (i) {
        case 0: a.server_no_context_takeover = true; break;
        case 1: a.client_no_context_takeover = true; break;
        case 2: ok = window_bits(value, a.server_window_bits); break;
        default: ok = window_bits(value, a.client_window_bits); break;
        }
        if (!ok) why = "bad permessage-deflate parameter '" + std::string(param.substr(0, 80)) + "'";
        return ok;
    }
    why = "unknown permessage-deflate parameter '" + std::string(param.substr(0, 80)) + "'";
    return false;
}

// A Sec-WebSocket-Extensions answer to kDeflateOffer: one permessage-deflate.
bool read_deflate_answer(std::string_view value, DeflateAnswer& a, std::string& why) {
    while (!value.empty()) {
        std::string_view element = next_item(value, ',');
        if (element.empty()) continue;
        const std::string_view name = next_item(element, ';');
        if (!iequals(name, "permessage-deflate"))
            return why = "unoffered extension '" + std::string(name.substr(0, 80)) + "' in the response", false;
        if (a.accepted) return why = "permessage-deflate answered twice", false;
        a.accepted = true;
        unsigned seen = 0;
        while (!element.empty())
            if (!deflate_param(next_item(element, ';'), seen, a, why)) return false;
    }
    return true;
}

// The complete head `head` (status line to blank line) with its
// Sec-WebSocket-Extensions lines left out, into rest, and their values, in
// order, into values (views into head). False if a header line is not a
// field line: the library, handed the head as it is, then refuses it.
bool split_extensions(std::string_view head, std::string& rest, std::vector<std::string_view>& values) {
    size_t pos = head.find("\r\n") + 2;
    rest.assign(head.substr(0, pos));
    while (head.substr(pos, 2) != "\r\n") {
        const size_t start = pos;
        wshub::http::Header h;
        if (!wshub::http::parse_field_line(head, pos, h)) return false;
        if (iequals(h.name, kExtensionsHeader))
            values.push_back(h.value);
        else
            rest.append(head.substr(start, pos - start));
    }
    rest += "\r\n";
    return true;
}

// Why the library did not accept the response, for the report.
std::string describe(const wshub::http::UpgradeResponse& r) {
    std::string why(r.why);
    if (r.outcome == wshub::http::UpgradeResponse::Outcome::refused)
        why += ": " + std::to_string(r.status) + " " + std::string(r.reason.substr(0, 80));
    return why;
}

}  // namespace

std::string new_key(wshub::ws::MaskSource& random) {
    uint8_t nonce[16];
    random.fill(nonce, sizeof nonce);
    return wshub::http::client_key(nonce);
}

std::string build_request(const Target& target, std::string_view key) {
    std::string extensions;
    if (target.offer_deflate) extensions = std::string(kExtensionsHeader) + ": " + std::string(kDeflateOffer) + "\r\n";
    wshub::http::ClientOffer offer;
    offer.host = target.host_header;
    offer.target = target.resource;
    offer.key = key;
    offer.extra_headers = extensions;
    std::string request;
    wshub::http::write_client_request(request, offer);
    return request;
}

HeadStatus check_response(std::string_view data, std::string_view key, bool offered_deflate, size_t& head_len,
                          DeflateAnswer& deflate, std::string& why) {
    using Outcome = wshub::http::UpgradeResponse::Outcome;
    why.clear();
    deflate = DeflateAnswer{};
    // Without an offer the library refuses any extension line itself.
    std::string_view response = data;
    std::string rest;
    std::vector<std::string_view> answers;
    const size_t blank = data.find("\r\n\r\n");
    if (offered_deflate && blank != std::string_view::npos && blank + 4 <= kMaxResponseHead &&
        split_extensions(data.substr(0, blank + 4), rest, answers))
        response = rest;
    const wshub::http::UpgradeResponse r = wshub::http::read_upgrade_response(response, key, {}, kMaxResponseHead);
    if (r.outcome == Outcome::incomplete) return HeadStatus::incomplete;
    if (r.outcome != Outcome::accepted) {
        why = describe(r);
        return HeadStatus::error;
    }
    for (std::string_view value : answers)
        if (!read_deflate_answer(value, deflate, why)) return HeadStatus::error;
    if (offered_deflate && !deflate.accepted) {
        why = "the 101 did not accept the permessage-deflate offer";
        return HeadStatus::error;
    }
    head_len = blank + 4;
    return HeadStatus::ok;
}

}  // namespace wsbench
