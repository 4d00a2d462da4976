// --static DIR: GET and HEAD on paths no route or endpoint has, answered
// from the files under DIR (files::Root decides the answer) and sent through
// Connection::respond, which keeps the connection for the next request and
// reads a file's body in pieces.
#include "app/connection.h"
#include "app/log.h"
#include "app/request.h"
#include "app/worker.h"
#include "http/request.h"

namespace wshub::app {

bool serve_static(Worker& w, Connection& c, const http::Request& req, bool unless_missing) {
    const files::Root* root = w.shared().static_root.get();
    if (!root) return false;
    std::string if_none_match;
    const bool has_inm = http::joined_header(req, "If-None-Match", if_none_match);
    files::Answer a = root->answer(req.method, req.path, has_inm ? std::optional<std::string_view>(if_none_match) : std::nullopt,
                                   req.header("If-Modified-Since"));
    if (a.status == 404 && unless_missing) return false;
    w.counters().http_requests.add();
    const bool keep = http::keep_alive(req);
    a.head += keep ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    a.head += a.body;
    if (log_enabled(LogLevel::debug)) c.log_http(req.path, a.status);
    c.respond(a.head, a.fd, a.size, keep);
    return true;
}

}  // namespace wshub::app
