// The operational endpoints: GET /metrics (Prometheus text, every worker's
// counters summed), /healthz (alive) and /readyz (503 while at --max-conns,
// draining, or without Redis under --redis-required). Each answers and closes.
#include "app/connection.h"
#include "app/log.h"
#include "app/request.h"
#include "app/worker.h"
#include "http/upgrade.h"
#include "metrics/exposition.h"

namespace wshub::app {
namespace {

// --redis-required: a worker without its connection to Redis would keep its
// clients from the other nodes' rooms.
bool redis_missing(const Worker& w) noexcept {
    if (!w.config().redis || !w.config().redis_required) return false;
    for (const Worker* each : w.shared().workers)
        if (each->counters().redis_up.get() == 0) return true;
    return false;
}

// Not ready while at --max-conns: a load balancer should send new clients
// elsewhere rather than have them refused. Nor while draining, for good
// (so no Retry-After). Nor, with --redis-required, while Redis is away.
std::string readiness(const Worker& w, int& status) {
    if (w.shared().draining()) {
        status = 503;
        return http::simple_response(503, "draining\n");
    }
    if (w.shared().caps.full()) {
        status = 503;
        return http::simple_response(503, "full\n", http::rejection_headers(503));
    }
    if (redis_missing(w)) {
        status = 503;
        return http::simple_response(503, "redis unreachable\n", http::rejection_headers(503));
    }
    return http::simple_response(200, "ready\n");
}

}  // namespace

bool is_ops_path(std::string_view path) noexcept {
    return path == "/metrics" || path == "/healthz" || path == "/readyz";
}

void serve_ops(Worker& w, Connection& c, const http::Request& req) {
    w.counters().http_requests.add();
    int status = 200;
    std::string response;
    if (req.method != "GET") {
        status = 405;
        response = http::simple_response(405, "use GET\n", http::rejection_headers(405));
    } else if (req.path == "/metrics") {
        response = http::response(200, metrics::kContentType, w.render_metrics());
    } else if (req.path == "/readyz") {
        response = readiness(w, status);
    } else {
        response = http::simple_response(200, "ok\n");
    }
    if (log_enabled(LogLevel::debug)) c.log_http(req.path, status);
    c.answer(response);
}

}  // namespace wshub::app
