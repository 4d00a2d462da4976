// Admission checks between a valid upgrade request and the 101: the Origin
// allow-list (403), the route's JWT (401), and the per-connection message
// rate once open. The checks themselves live in src/auth; this wires them to
// a connection, its answers and its counters.
#include <ctime>
#include <utility>

#include "app/connection.h"
#include "app/worker.h"
#include "auth/verifier.h"

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

// The route's JWT (auth::Verifier): a refusal is counted by its reason and
// answered 401 with the Verifier's body and challenge.
bool Connection::authenticate(const http::Request& req) {
    auth::Identity who;
    const auth::Verdict v = w().shared().verifier.verify_client(req, int64_t(std::time(nullptr)), who);
    if (!v.allowed()) {
        w().counters().auth_failures[size_t(v.jwt)].add();
        reject(metrics::Reject::unauthorized, v.status(), v.body(), v.www_authenticate());
        return false;
    }
    identity_ = std::make_unique<auth::Identity>(std::move(who));
    return true;
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
