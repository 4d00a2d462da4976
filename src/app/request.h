// The request stage: what a complete request head asks for, decided before
// any WebSocket frame and answered through its connection (answer, refuse,
// open). Each kind of request has its file:
//   request.cpp    the router: which of the others takes the request
//   upgrade.cpp    a WebSocket route: the request's checks, Origin, token and
//                  caps, then Connection::open (the mode, the 101)
//   endpoints.cpp  GET /metrics, /healthz and /readyz
//   pages.cpp      the built-in pages: the chat demo, /wshub.js, /dashboard
//   publish.cpp    POST /publish: its head (and a CORS preflight), then its body
//   static_files.cpp  GET and HEAD of a file under --static DIR
//   proxied.cpp    the client behind a --trusted-proxy, before any of them
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"
#include "http/request.h"

namespace wshub::web {
struct Asset;
}

namespace wshub::app {

class Connection;
class Worker;

// A complete, well-formed head of `head_len` bytes, which `req` views.
void answer_request(Worker& w, Connection& c, const http::Request& req, size_t head_len);

// When the connection's peer is a --trusted-proxy: the client its
// X-Forwarded-For or Forwarded names becomes the connection's (set_client).
void take_forwarded_client(Worker& w, Connection& c, const http::Request& req);

// `route`: the WebSocket route of req's path, or null (404 unless the path
// is another endpoint's).
void upgrade(Worker& w, Connection& c, const http::Request& req, const config::Route* route);

// --static DIR's answer (static_files.cpp), sent and kept alive; false if
// there is no --static, or (unless_missing) the file is not there, and
// nothing was answered.
bool serve_static(Worker& w, Connection& c, const http::Request& req, bool unless_missing);

bool is_ops_path(std::string_view path) noexcept;
void serve_ops(Worker& w, Connection& c, const http::Request& req);

// The built-in page at `path` that this worker serves, or null: the demo's
// files with --demo and /wshub.js on the main listener, the dashboard's
// where serves_ops(). A route's path is the route's: the caller asks only
// when no route has it.
const web::Asset* page_at(const Worker& w, std::string_view path) noexcept;
// GET or HEAD (else 405), 304 for a matching If-None-Match.
void serve_page(Worker& w, Connection& c, const http::Request& req, const web::Asset& page);

// --allow-origin: whether a page on `origin` (an Origin header's value) may
// upgrade or POST /publish. Without the flag, any origin may.
bool origin_admitted(const config::Config& cfg, std::string_view origin) noexcept;

// What a POST /publish's answer needs from its head, kept while its body
// comes.
struct PublishHead {
    uint16_t ns = 0;     // the room's namespace
    std::string room;
    bool binary = false;  // the body is application/octet-stream
    std::string cors;     // the CORS header lines its Origin earns; "" without one
};

// Decides everything the head can (Connection::expect_body then reads the
// body); finish_publish answers once the body is in.
void begin_publish(Worker& w, Connection& c, const http::Request& req, size_t head_len);
void finish_publish(Worker& w, Connection& c, const PublishHead& head, std::string_view body);

}  // namespace wshub::app
