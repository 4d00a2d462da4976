// The built-in pages (web/assets.h): the chat demo at / and its files on the
// main listener with --demo true, /wshub.js there whatever --demo says, and
// /dashboard with its files where the operational endpoints are served (the
// --metrics-listen thread when there is one, and then only there). GET and
// HEAD; each answers and closes.
#include "app/connection.h"
#include "app/log.h"
#include "app/request.h"
#include "app/worker.h"
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
// place that decides how a page's answer is framed and ended.
std::string page_response(const http::Request& req, const web::Asset& page, int& status) {
    const bool head = req.method == "HEAD";
    if (!head && req.method != "GET") {
        status = 405;
        return http::simple_response(405, "use GET or HEAD\n", "Allow: GET, HEAD\r\n");
    }
    const auto if_none_match = req.header("If-None-Match");
    status = if_none_match && web::etag_matches(*if_none_match, page.etag) ? 304 : 200;
    std::string out;
    out.reserve(512 + (head || status == 304 ? 0 : page.body.size()));
    out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(http::reason_phrase(status));
    out.append("\r\nETag: ").append(page.etag);
    // A 304 has no body, and says nothing of the one it stands for.
    if (status == 200) {
        out.append("\r\nContent-Type: ").append(page.content_type);
        out.append("\r\nContent-Length: ").append(std::to_string(page.body.size()));
    }
    out.append("\r\nConnection: close\r\n").append(kPageHeaders).append("\r\n");
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
    const std::string response = page_response(req, page, status);
    if (log_enabled(LogLevel::debug)) c.log_http(req.path, status);
    c.answer(response);
}

}  // namespace wshub::app
