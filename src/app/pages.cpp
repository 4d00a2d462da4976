// The built-in pages (web/assets.h): the chat demo at / and its files on the
// main listener with --demo true, /wshub.js there whatever --demo says, and
// /dashboard with its files where the operational endpoints are served (the
// --metrics-listen thread when there is one, and then only there). GET and
// HEAD, answered through Connection::respond, which keeps the connection for
// the browser's next request unless the request said otherwise.
#include "app/connection.h"
#include "app/log.h"
#include "app/request.h"
#include "app/worker.h"
#include "files/validators.h"
#include "http/upgrade.h"
#include "web/assets.h"

namespace wshub::app {
namespace {

// The pages run their own scripts and styles and nothing else; they fetch
// and open WebSockets to their own origin only (CSP Level 3: 'self' covers
// ws: and wss: to the page's host and port); no other site may frame them.
// Cache-Control: no-cache has the browser ask again each time, and ETag
// makes the asking cheap: an edited page is seen at the next load.
constexpr std::string_view kPageHeaders =
    "Cache-Control: no-cache\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'\r\n";

// The Place bits (web/assets.h) this worker serves.
uint8_t places_here(const Worker& w) noexcept {
    uint8_t places = 0;
    if (!w.ops_only()) places |= web::kClient | (w.config().demo ? web::kDemo : 0);
    if (w.serves_ops()) places |= web::kDashboard;
    return places;
}

// The whole answer to `req` for `page`, its status in `status`: the one
// place that decides how a page's answer is framed. `keep_alive`: whether
// the connection takes another request after it (a 405 closes it).
std::string page_response(const http::Request& req, const web::Asset& page, bool& keep_alive, int& status) {
    const bool head = req.method == "HEAD";
    if (!head && req.method != "GET") {
        status = 405;
        keep_alive = false;
        return http::simple_response(405, "use GET or HEAD\n", "Allow: GET, HEAD\r\n");
    }
    std::string if_none_match;
    const bool conditional = http::joined_header(req, "If-None-Match", if_none_match);
    status = conditional && files::if_none_match_matches(if_none_match, page.etag) ? 304 : 200;
    std::string out;
    out.reserve(512 + (head || status == 304 ? 0 : page.body.size()));
    out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(http::reason_phrase(status));
    out.append("\r\nETag: ").append(page.etag);
    // A 304 has no body, and says nothing of the one it stands for.
    if (status == 200) {
        out.append("\r\nContent-Type: ").append(page.content_type);
        out.append("\r\nContent-Length: ").append(std::to_string(page.body.size()));
    }
    out.append(keep_alive ? "\r\nConnection: keep-alive\r\n" : "\r\nConnection: close\r\n");
    out.append(kPageHeaders).append("\r\n");
    if (status == 200 && !head) out.append(page.body);
    return out;
}

}  // namespace

const web::Asset* page_at(const Worker& w, std::string_view path) noexcept {
    const web::Asset* page = web::find_asset(path);
    return page && (page->places & places_here(w)) ? page : nullptr;
}

void serve_page(Worker& w, Connection& c, const http::Request& req, const web::Asset& page) {
    w.counters().http_requests.add();
    int status = 200;
    bool keep_alive = http::keep_alive(req);
    const std::string response = page_response(req, page, keep_alive, status);
    if (log_enabled(LogLevel::debug)) c.log_http(req.path, status);
    c.respond(response, -1, 0, keep_alive);
}

}  // namespace wshub::app
