// Admission checks between a valid upgrade request and the 101: the Origin
// allow-list (403), the route's JWT (401), and the per-connection message
// rate once open. The checks themselves live in src/auth; this wires them to
// a connection, its answers and its counters.
#include <ctime>

#include "app/connection.h"
#include "app/worker.h"
#include "auth/jwt.h"
#include "auth/token.h"

namespace wshub::app {

bool Connection::admit(const http::Request& req, const config::Route& route) {
    return check_origin(req) && (!route.auth || authenticate(req));
}

bool Connection::check_origin(const http::Request& req) {
    const auto& cfg = w().config();
    const auto origin = req.header("origin");
    const char* why = nullptr;
    if (!origin) {
        if (cfg.require_origin) why = "Origin header required\n";
    } else if (!cfg.allow_origins.empty() && !auth::origin_allowed(cfg.allow_origins, *origin)) {
        why = "origin not allowed\n";
    }
    if (!why) return true;
    reject(metrics::Reject::origin, 403, why);
    return false;
}

bool Connection::authenticate(const http::Request& req) {
    const auto& cfg = w().config();
    std::string token;
    if (auth::find_token(req, token) == auth::TokenSource::none) {
        refuse_token(0, false);
        return false;
    }
    auth::JwtOptions options;
    options.secret = cfg.jwt_secret;
    options.now_s = int64_t(std::time(nullptr));
    options.leeway_s = int64_t(cfg.jwt_leeway_ms / 1000);
    options.issuer = cfg.jwt_issuer;
    options.audience = cfg.jwt_audience;
    auth::Claims claims;
    if (const auth::JwtError e = auth::verify_jwt(token, options, claims); e != auth::JwtError::none) {
        refuse_token(size_t(e), true);
        return false;
    }
    auto identity = std::make_unique<auth::Identity>();
    identity->user = std::move(claims.sub);
    identity->limited_rooms = claims.has_rooms;
    identity->rooms = std::move(claims.rooms);
    if (claims.has_scope) {
        identity->read_only = true;
        for (const auto& s : claims.scopes)
            if (s == "publish") identity->read_only = false;
    }
    identity_ = std::move(identity);
    return true;
}

// RFC 6750 section 3: a 401 names the scheme, and says whether the token
// given was bad (an absent one gets no error code).
void Connection::refuse_token(size_t reason, bool had_token) {
    w().counters().auth_failures[reason].add();
    std::string body = "unauthorized: ";
    body += metrics::auth_failure_label(reason);
    body += '\n';
    reject(metrics::Reject::unauthorized, 401, body,
           had_token ? "WWW-Authenticate: Bearer realm=\"wshub\", error=\"invalid_token\"\r\n"
                     : "WWW-Authenticate: Bearer realm=\"wshub\"\r\n");
}

// --max-msg-rate: one token per data message. Over it the connection is
// closed (1008) rather than slowed, since a client that floods is misbehaving.
bool Connection::within_rate() noexcept {
    if (w().config().max_msg_rate == 0 || rate_.take(w().now_ms())) return true;
    w().counters().rate_limited.add();
    fail(ws::close_code::policy, "rate limit exceeded");
    return false;
}

}  // namespace wshub::app
