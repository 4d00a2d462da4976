#include "app/proxy_request.h"

#include <array>

#include "auth/token.h"
#include "http/client_handshake.h"

namespace wshub::app {
namespace {

// Never passed on: hop-by-hop headers (RFC 9110 section 7.6.1), the
// handshake's own (written afresh for the upstream) and those by which
// wshub tells the upstream who the client is.
constexpr std::array<std::string_view, 21> kNotForwarded = {
    "host", "connection", "upgrade", "keep-alive", "te", "trailer", "transfer-encoding",
    "proxy-connection", "proxy-authorization", "content-length", "sec-websocket-key",
    "sec-websocket-version", "sec-websocket-protocol", "sec-websocket-extensions", "sec-websocket-accept",
    "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip", "forwarded", "x-wshub-user",
};

bool forwarded_header(const http::Request& req, std::string_view name, bool authenticated) {
    for (std::string_view skip : kNotForwarded)
        if (http::iequals(name, skip)) return false;
    if (authenticated && http::iequals(name, "authorization")) return false;
    // A header the client's Connection names is hop-by-hop too.
    return !http::any_has_token(req, "connection", name);
}

// The query without ?token= (the client's credential) on an ,auth route.
std::string forwarded_query(std::string_view query, bool authenticated) {
    if (!authenticated) return std::string(query);
    std::string out;
    while (!query.empty()) {
        const size_t amp = query.find('&');
        const std::string_view item = query.substr(0, amp);
        const std::string_view name = item.substr(0, item.find('='));
        if (name != "token" && !item.empty()) {
            if (!out.empty()) out += '&';
            out += item;
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return out;
}

// The client's offered subprotocols, in order, without a bearer.<jwt>
// element on an ,auth route.
std::string forwarded_protocols(const http::Request& req, bool authenticated) {
    std::string joined, out;
    if (!http::joined_header(req, "sec-websocket-protocol", joined)) return out;
    std::string_view rest = joined;
    while (!rest.empty()) {
        const size_t comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (!item.empty() && !(authenticated && auth::is_bearer_protocol(item))) {
            if (!out.empty()) out += ", ";
            out += item;
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return out;
}

// A token's sub as a header value: bytes outside visible ASCII and space,
// and '%', percent-encoded, so that no sub can end the line (or add one) and
// any sub comes through whole (a UTF-8 name as its escaped bytes).
void append_user(std::string& out, std::string_view user) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (const char ch : user) {
        const auto b = static_cast<unsigned char>(ch);
        if (b >= 0x20 && b < 0x7f && b != '%') {
            out += ch;
        } else {
            out += '%';
            out += kHex[b >> 4];
            out += kHex[b & 15];
        }
    }
}

void identity_headers(const http::Request& req, const ProxiedClient& client, std::string& out) {
    const bool v6 = client.ip.find(':') != std::string_view::npos;
    out += "X-Forwarded-For: ";
    out += client.ip;
    out += "\r\nX-Forwarded-Proto: ";
    out += client.proto;
    if (const auto host = req.header("host")) {
        out += "\r\nX-Forwarded-Host: ";
        out += *host;
    }
    out += "\r\nForwarded: for=";
    out += v6 ? "\"[" : "";
    out += client.ip;
    out += v6 ? "]\"" : "";
    out += ";proto=";
    out += client.proto;
    out += "\r\n";
    if (client.authenticated) {
        out += "X-Wshub-User: ";
        append_user(out, client.user);
        out += "\r\n";
    }
}

}  // namespace

UpstreamOffer upstream_offer(const http::Request& req, const ProxiedClient& client) {
    UpstreamOffer offer;
    offer.query = forwarded_query(req.query, client.authenticated);
    for (size_t i = 0; i < req.header_count; ++i) {
        const http::Header& h = req.headers[i];
        if (!forwarded_header(req, h.name, client.authenticated)) continue;
        offer.headers.append(h.name).append(": ").append(h.value).append("\r\n");
    }
    identity_headers(req, client, offer.headers);
    offer.protocols = forwarded_protocols(req, client.authenticated);
    return offer;
}

void write_upstream_request(const UpstreamOffer& offer, const config::UpstreamUrl& up, std::string_view key,
                            std::string& out) {
    std::string target = up.path;
    if (!offer.query.empty()) target += "?" + offer.query;
    http::write_client_request(out, {.host = up.host,
                                     .target = target,
                                     .key = key,
                                     .protocols = offer.protocols,
                                     .extra_headers = offer.headers});
}

}  // namespace wshub::app
