// POST /publish?room=R: a back end's message to a room, on the main port
// (README "POST /publish"). Everything the head decides is decided first,
// in this order: enabled (403), a page's Origin (403 unless --allow-origin
// admits it; a CORS preflight from one it admits is answered 204 there),
// method (405), draining (503), credentials (401, 403), room (400),
// framing (411, 413). Only then is the body read
// (Connection::expect_body), never past Content-Length, under the same
// --handshake-timeout as a request head. The message then goes through the
// hub like any member's, framed once per encoding, with every queue policy
// and counter applying; a /publish has no connection to slow down, so under
// --overflow block a full queue drops it for that member. The room is of the
// namespace ?ns= names (required when routes have rooms of their own), and
// what its members read is its mode's to say (Handler::encode_publish).
#include <optional>
#include <string>
#include <utility>

#include "app/connection.h"
#include "app/log.h"
#include "app/request.h"
#include "app/worker.h"
#include "auth/verifier.h"
#include "http/body.h"
#include "http/cors.h"
#include "http/query.h"
#include "http/upgrade.h"
#include "json/json.h"
#include "metrics/clock.h"
#include "ws/utf8.h"

namespace wshub::app {
namespace {

constexpr std::string_view kText = "text/plain; charset=utf-8";

// What a preflight from an admitted origin is told /publish takes.
constexpr std::string_view kMethods = "POST, OPTIONS";
constexpr std::string_view kRequestHeaders = "Authorization, Content-Type";

// One /publish request's answers: each counted by status, refusals logged
// like the upgrade's, each with the CORS header lines its Origin earns;
// then the connection closes.
struct Reply {
    Worker& w;
    Connection& c;
    std::string cors;  // http::cors_headers of an admitted Origin; "" without one

    void operator()(int status, std::string_view reason, std::string_view content_type, std::string_view body,
                    std::string_view extra_headers = {}) const {
        w.counters().publish_requests[size_t(metrics::publish_status(status))].add();
        if (status != 200 && log_enabled(LogLevel::info)) c.log_refused(status, reason, body);
        c.answer(http::response(status, content_type, body, cors + std::string(extra_headers)));
    }

    void preflight(std::string_view origin) const {
        w.counters().publish_requests[size_t(metrics::publish_status(204))].add();
        c.answer(http::preflight_response(origin, kMethods, kRequestHeaders));
    }
};

// The one room= of the query, percent-decoded; or nullopt with `why` set.
std::optional<std::string> room_param(const http::Request& req, std::string_view& why) {
    std::string room;
    int seen = 0;
    const bool well_formed = http::for_each_query_param(req.query, "room", [&](std::string_view v) {
        if (seen++ == 0) room.assign(v);
    });
    if (!well_formed) why = "malformed query string\n";
    else if (seen == 0) why = "room= is required\n";
    else if (seen > 1) why = "exactly one room= is allowed\n";
    else if (!hub::valid_room_name(room)) why = "room name must be 1 to 128 bytes without control characters\n";
    else return room;
    return std::nullopt;
}

// The bearer token, the static one or a JWT with the publish scope
// (auth::Verifier); a refusal is answered with the Verifier's status, body
// and challenge.
bool authorized(const Reply& reply, const http::Request& req, std::string_view room) {
    const auth::Verdict v =
        reply.w.shared().verifier.authorize_publish(req, room, int64_t(metrics::unix_ms() / 1000));
    if (v.allowed()) return true;
    reply(v.status(), v.reason(), kText, v.body(), v.www_authenticate());
    return false;
}

// The namespace of ?ns= (a route's path, or a rooms= name), or of the one
// route that can have rooms when there is no choice to make; else -1 with
// `why` set.
int namespace_param(const config::Config& cfg, const http::Request& req, std::string_view& why) {
    std::string ns;
    int seen = 0;
    http::for_each_query_param(req.query, "ns", [&](std::string_view v) {
        if (seen++ == 0) ns.assign(v);
    });
    if (seen == 1) {
        if (const int found = cfg.find_namespace(ns); found >= 0) return found;
        why = "ns= names no route's rooms\n";
        return -1;
    }
    int only = -1;
    for (const config::Route& r : cfg.routes) {
        if (r.mode == config::RouteMode::echo || r.mode == config::RouteMode::proxy || int(r.ns) == only) continue;
        if (only >= 0) {
            why = seen ? "exactly one ns= is allowed\n" : "ns= is required: the routes have rooms of their own\n";
            return -1;
        }
        only = r.ns;
    }
    if (only < 0) why = "no route has rooms\n";
    return only;
}

// The body as the namespace's mode has its members read it
// (Handler::encode_publish), framed once. Null frame: its members get
// nothing; false if out of memory.
bool make_frame(Worker& w, uint16_t ns, const wshub::Publication& pub, hub::Frame*& out) {
    const auto& routes = w.config().routes;
    size_t r = 0;
    while (routes[r].ns != ns) ++r;  // every namespace has a route
    std::string text;
    wshub::MessageType type = pub.type;
    out = nullptr;
    if (!w.shared().by_route[r]->encode_publish(pub, text, type)) return true;
    out = hub::make_frame(type == wshub::MessageType::text ? ws::Opcode::text : ws::Opcode::binary, text);
    return out != nullptr;
}

bool publish_body(Worker& w, uint16_t ns, std::string_view room, std::string_view body, bool binary,
                  size_t& recipients) {
    const wshub::Publication pub{room, body, binary ? wshub::MessageType::binary : wshub::MessageType::text,
                                 metrics::unix_ms()};
    hub::Frame* frame;
    if (!make_frame(w, ns, pub, frame)) return false;
    if (frame) {
        recipients = w.hub().publish(ns, room, frame, nullptr, nullptr);
        hub::release(frame);
    }
    return true;
}

}  // namespace

void begin_publish(Worker& w, Connection& c, const http::Request& req, size_t head_len) {
    const auto& shared = w.shared();
    Reply reply{w, c, {}};
    // With no credential configured nobody could ever be let in: say so,
    // rather than 401 with a challenge no token can meet.
    if (!shared.verifier.publishing_enabled())
        return reply(403, "disabled", kText, "publishing is not enabled (--publish-token-file or --jwt-secret-file)\n");
    // A page's Origin: refused as the upgrade refuses it, else every answer
    // lets that page read it. No Origin (a back end): no CORS at all.
    if (const std::optional<std::string_view> origin = req.header("origin")) {
        if (!origin_admitted(w.config(), *origin)) return reply(403, "origin", kText, "origin not allowed\n");
        if (http::is_preflight(req)) return reply.preflight(*origin);
        reply.cors = http::cors_headers(*origin);
    }
    if (req.method != "POST") return reply(405, "method", kText, "use POST\n", "Allow: POST\r\n");
    if (shared.draining()) return reply(503, "draining", kText, "server is shutting down\n");
    std::string_view bad_room;
    std::optional<std::string> room = room_param(req, bad_room);
    // Credentials before the room: who may not publish learns nothing else.
    if (!authorized(reply, req, room ? std::string_view(*room) : std::string_view{})) return;
    if (!room) return reply(400, "bad_room", kText, bad_room);
    const int ns = namespace_param(w.config(), req, bad_room);
    if (ns < 0) return reply(400, "bad_ns", kText, bad_room);
    const http::BodyFraming framing = http::body_framing(req, w.config().max_message);
    if (framing.status != 0)
        return reply(framing.status, framing.status == 413 ? "too_large" : "no_length", kText, framing.why);
    // What the body's answer needs from the head is kept: the head is not
    // parsed again, nor a Request (2 KiB) kept while the body comes. curl
    // and others wait (a second, for curl) for 100 Continue before a large body.
    const bool binary = http::has_media_type(req.header("content-type"), "application/octet-stream");
    c.expect_body({uint16_t(ns), std::move(*room), binary, std::move(reply.cors)}, head_len, framing.length,
                  http::expects_continue(req) ? "HTTP/1.1 100 Continue\r\n\r\n" : "");
}

void finish_publish(Worker& w, Connection& c, const PublishHead& head, std::string_view body) {
    const Reply reply{w, c, head.cors};
    const std::string_view room = head.room;
    size_t recipients = 0;
    if (w.shared().draining()) {
        // The body came in after the signal: its room's members are going.
        return reply(503, "draining", kText, "server is shutting down\n");
    }
    if (!head.binary && !ws::utf8_valid(reinterpret_cast<const uint8_t*>(body.data()), body.size()))
        return reply(400, "bad_utf8", kText,
                     "a text body must be UTF-8 (send binary as Content-Type: application/octet-stream)\n");
    if (!publish_body(w, head.ns, room, body, head.binary, recipients))
        return reply(500, "no_memory", kText, "out of memory\n");
    std::string out = "{\"room\":";
    json::append_escaped(out, room);
    out += ",\"recipients\":";
    out += std::to_string(recipients);
    out += "}\n";
    if (log_enabled(LogLevel::debug)) {
        Log line(LogLevel::debug, "publish");
        c.log_peer(line);
        line.str("room", room)
            .num("bytes", body.size())
            .str("type", head.binary ? "binary" : "text")
            .num("recipients", recipients)
            .emit();
    }
    reply(200, "", "application/json", out);
}

}  // namespace wshub::app
