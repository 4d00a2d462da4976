#include "app/request.h"

#include "app/worker.h"
#include "http/host.h"

namespace wshub::app {

// The client is known first (behind a trusted proxy, from its header), so
// that every answer's caps and log lines are the client's. A WebSocket
// route's path (on its host, for a route of one) is its own; the endpoints
// live where no route does. The --metrics-listen worker serves the
// operational endpoints only (the dashboard among them), and the main port
// none of them when they have a listener of their own. Then, for requests
// that are not WebSocket upgrades, a file under --static, a built-in page
// where there is no such file, and --static's own 404 where there is no
// page either.
void answer_request(Worker& w, Connection& c, const http::Request& req, size_t head_len) {
    take_forwarded_client(w, c, req);
    const config::Route* route = w.ops_only() ? nullptr : w.config().find_route(http::host_name(req), req.path);
    const bool plain = !route && !http::any_has_token(req, "Upgrade", "websocket");
    const web::Asset* page = plain ? page_at(w, req.path) : nullptr;
    if (!route && !w.ops_only() && req.path == "/publish")
        begin_publish(w, c, req, head_len);
    else if (!route && w.serves_ops() && is_ops_path(req.path))
        serve_ops(w, c, req);
    else if (plain && !w.ops_only() && serve_static(w, c, req, /*unless_missing=*/page != nullptr))
        return;
    else if (page)
        serve_page(w, c, req, *page);
    else
        upgrade(w, c, req, route);
}

}  // namespace wshub::app
