// A connection's log lines. Built only when their level is enabled (callers
// check log_enabled), from what the connection keeps anyway plus a start time
// and two byte counts: logging adds no strings to a connection. Every line
// names the client as peer= and, when a trusted proxy named it, the proxy as
// via=.
#include "app/connection.h"
#include "app/log.h"
#include "app/worker.h"
#include "http/redact.h"

namespace wshub::app {

std::string Connection::peer_text() const { return net::to_string(peer_, peer_port_); }

void Connection::log_peer(Log& line) const {
    line.str("peer", peer_text());
    if (const Via* v = via()) line.str("via", net::to_string(v->ip, v->port));
}

void Connection::log_opened() {
    Log line(LogLevel::debug, "opened");
    log_peer(line);
    line.num("id", conn_id());
    if (const config::Route* r = route()) line.str("route", r->path);
    if (const Upstream* up = upstream()) line.str("upstream", route()->upstreams[up->index()].url);
    if (!user().empty()) line.str("sub", user());
    line.emit();
}

// code: what was sent or answered (1006: the socket ended without a close
// handshake). Bytes are on the wire: the HTTP request and 101, frame headers.
void Connection::log_closed() {
    Log line(LogLevel::info, "closed");
    log_peer(line);
    line.num("id", conn_id());
    if (const config::Route* r = route()) line.str("route", r->path);
    if (const Upstream* up = upstream()) line.str("upstream", route()->upstreams[up->index()].url);
    if (!user().empty()) line.str("sub", user());
    line.num("code", close_code_)
        .num("duration_ms", w().now_ms() - opened_ms_)
        .num("bytes_in", bytes_in_)
        .num("bytes_out", bytes_out_)
        .emit();
}

// Every refusal before the upgrade: its status, its metrics reason, the text
// the client was sent, and the request target with its secrets redacted.
void Connection::log_refused(int status, std::string_view reason, std::string_view why) {
    while (!why.empty() && why.back() == '\n') why.remove_suffix(1);
    Log line(LogLevel::info, "refused");
    log_peer(line);
    line.num("status", status).str("reason", reason);
    if (hs_ && hs_->method_len != 0)
        line.str("method", hs_->method()).str("target", http::redact_target(hs_->target()));
    line.str("why", why).emit();
}

void Connection::log_http(std::string_view path, int status) {
    Log line(LogLevel::debug, "http");
    log_peer(line);
    line.str("path", path).num("status", status).emit();
}

}  // namespace wshub::app
