#include "app/request.h"

#include "app/worker.h"
#include "http/host.h"

namespace wshub::app {

// The client is known first (behind a trusted proxy, from its header), so
// that every answer's caps and log lines are the client's. A WebSocket
// route's path (on its host, for a route of one) is its own; the endpoints
// live where no route does. The --metrics-listen worker serves the
// operational endpoints only, and the main port none of them when they
// have a listener of their own.
void answer_request(Worker& w, Connection& c, const http::Request& req, size_t head_len) {
    take_forwarded_client(w, c, req);
    const config::Route* route = w.ops_only() ? nullptr : w.config().find_route(http::host_name(req), req.path);
    if (!route && !w.ops_only() && req.path == "/publish")
        begin_publish(w, c, req, head_len);
    else if (!route && w.serves_ops() && is_ops_path(req.path))
        serve_ops(w, c, req);
    else if (!route && !w.ops_only() && !http::any_has_token(req, "Upgrade", "websocket") &&
             serve_static(w, c, req, false))
        return;
    else
        upgrade(w, c, req, route);
}

}  // namespace wshub::app
