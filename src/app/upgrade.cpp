// A request for a WebSocket route, in the order its refusals are tried: the
// request itself (RFC 6455 section 4.2.1: method, version, headers, key;
// 404 for a path no route has; 400 for a Sec-WebSocket-Extensions header
// that breaks its grammar, on routes that compress), the drain (503), the Origin allow-list
// (403), the route's token (401) and its scopes (403), then the caps (503, 429). What passes
// opens the connection, where the route's mode has the last word.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "app/compression.h"
#include "app/connection.h"
#include "app/request.h"
#include "app/worker.h"
#include "auth/verifier.h"
#include "http/upgrade.h"
#include "metrics/clock.h"

namespace wshub::app {
namespace {

// check_upgrade's refusals, counted by status; any status not listed is a 400.
struct UpgradeReject {
    int status;
    metrics::Reject reason;
};
constexpr UpgradeReject kUpgradeRejects[] = {
    {405, metrics::Reject::method},
    {404, metrics::Reject::not_found},
    {426, metrics::Reject::bad_version},
};

metrics::Reject rejected_upgrade(int status) noexcept {
    for (const UpgradeReject& row : kUpgradeRejects)
        if (row.status == status) return row.reason;
    return metrics::Reject::bad_upgrade;
}

// --allow-origin and --require-origin: the refusal's text, or null.
const char* origin_refusal(const config::Config& cfg, const http::Request& req) {
    const auto origin = req.header("origin");
    if (!origin) return cfg.require_origin ? "Origin header required\n" : nullptr;
    if (!origin_admitted(cfg, *origin)) return "origin not allowed\n";
    return nullptr;
}

// The route's JWT (auth::Verifier) on ,auth routes, with its scope=, and
// the message budget (--max-msg-rate). False after refusing: a bad token
// with 401 (counted by its reason in wshub_auth_failures_total), a good one
// without the route's scopes with 403, with the Verifier's body and
// challenge.
bool admit(Worker& w, Connection& c, const http::Request& req, const config::Route& route,
           std::unique_ptr<Admitted>& admitted) {
    if (!route.auth && w.config().max_msg_rate == 0) return true;
    admitted = std::make_unique<Admitted>();
    if (!route.auth) return true;
    const auth::Verdict v = w.shared().verifier.verify_client(req, int64_t(metrics::unix_ms() / 1000),
                                                              admitted->identity, route.scopes);
    if (v.allowed()) return true;
    if (v.kind == auth::Verdict::Kind::insufficient_scope) {
        c.refuse(metrics::Reject::insufficient_scope, v.status(), v.body(), v.www_authenticate());
        return false;
    }
    w.counters().auth_failures[size_t(v.jwt)].add();
    c.refuse(metrics::Reject::unauthorized, v.status(), v.body(), v.www_authenticate());
    return false;
}

// Takes a place under --max-conns and --max-conns-per-ip, or refuses.
bool take_place(Worker& w, Connection& c) {
    switch (w.shared().caps.take(c.peer())) {
    case hub::Caps::Taken::ok:
        return true;
    case hub::Caps::Taken::full:
        c.refuse(metrics::Reject::max_conns, 503, "server at its connection limit\n");
        return false;
    case hub::Caps::Taken::address_full:
        c.refuse(metrics::Reject::max_conns_per_ip, 429, "too many connections from this address\n");
        return false;
    }
    return false;
}

// "127.0.0.1:40312" or "[::1]:40312" (Connection::peer_text) as its parts.
wshub::PeerAddress peer_parts(std::string_view text) noexcept {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return {text, 0};
    std::string_view ip = text.substr(0, colon);
    if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
    uint16_t port = 0;
    for (char ch : text.substr(colon + 1)) port = uint16_t(port * 10 + (ch - '0'));
    return {ip, port};
}

}  // namespace

bool origin_admitted(const config::Config& cfg, std::string_view origin) noexcept {
    return cfg.allow_origins.empty() || auth::origin_allowed(cfg.allow_origins, origin);
}

void upgrade(Worker& w, Connection& c, const http::Request& req, const config::Route* route) {
    const auto& cfg = w.config();
    const http::UpgradeDecision d = http::check_upgrade(req, route != nullptr, cfg.subprotocols);
    if (d.status != 101) return c.refuse(rejected_upgrade(d.status), d.status, d.why);
    http::DeflateNegotiation deflate;
    const auto route_index = uint16_t(route - cfg.routes.data());
    // A handler that takes messages in pieces gets them as they came: never compressed.
    if (cfg.compresses(*route) && !w.shared().by_route[route_index]->takes_fragments())
        deflate = http::negotiate_deflate(req, Compression::policy());
    if (deflate.outcome == http::ExtensionsOutcome::malformed)
        return c.refuse(metrics::Reject::bad_upgrade, 400, "malformed Sec-WebSocket-Extensions header\n");
    if (w.shared().draining()) return c.refuse(metrics::Reject::draining, 503, "server is shutting down\n");
    if (const char* why = origin_refusal(cfg, req)) return c.refuse(metrics::Reject::origin, 403, why);
    std::unique_ptr<Admitted> admitted;
    if (!admit(w, c, req, *route, admitted) || !take_place(w, c)) return;
    if (route->mode == config::RouteMode::proxy) return c.start_upstream(req, route_index, std::move(admitted), d.key);
    // What the mode's on_upgrade sees: views of the head, which stays until
    // the request is answered (Connection::release_handshake waits while it
    // is), and of these locals, which outlive open() and so on_upgrade.
    wshub::Header headers[http::kMaxHeaders];
    for (size_t i = 0; i < req.header_count; ++i) headers[i] = {req.headers[i].name, req.headers[i].value};
    const std::string peer = c.peer_text();
    c.open({.route_index = route_index,
            .key = d.key,
            .protocol = d.protocol,
            .request = {.path = req.path,
                        .query = req.query,
                        .headers = {headers, req.header_count},
                        .peer = peer_parts(peer),
                        .protocol = d.protocol},
            .admitted = std::move(admitted),
            .deflate = deflate.outcome == http::ExtensionsOutcome::accepted ? &deflate.params : nullptr});
}

}  // namespace wshub::app
