// POST /publish?room=R: a back end's message to a room, on the main port
// (README "POST /publish"). Everything the head decides is decided first,
// in this order: enabled (403), method (405), draining (503), credentials
// (401, 403), room (400), framing (411, 413). Only then is the body read,
// behind the head in hs_->head, never past Content-Length, under the same
// --handshake-timeout as a request head. The message then goes through the
// hub like any member's, framed once per encoding, with every queue policy
// and counter applying; a /publish has no connection to slow down, so under
// --overflow block a full queue drops it for that member.
#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <utility>

#include "app/connection.h"
#include "app/log.h"
#include "app/worker.h"
#include "auth/verifier.h"
#include "http/body.h"
#include "http/upgrade.h"
#include "json/json.h"
#include "modes/modes.h"
#include "ws/utf8.h"

namespace wshub::app {
namespace {

// The one room= of the query, percent-decoded; or nullopt with `why` set.
std::optional<std::string> room_param(const http::Request& req, std::string_view& why) {
    const wshub::UpgradeRequest view{req.path, req.query};
    std::string room;
    int seen = 0;
    const bool well_formed = view.for_each_param("room", [&](std::string_view v) {
        if (seen++ == 0) room.assign(v);
    });
    if (!well_formed) why = "malformed query string\n";
    else if (seen == 0) why = "room= is required\n";
    else if (seen > 1) why = "exactly one room= is allowed\n";
    else if (!hub::valid_room_name(room)) why = "room name must be 1 to 128 bytes without control characters\n";
    else return room;
    return std::nullopt;
}

uint64_t unix_ms() {
    using namespace std::chrono;
    return uint64_t(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

}  // namespace

void Connection::start_publish(const http::Request& req, size_t head_len) {
    const auto& cfg = w().config();
    const auto& shared = w().shared();
    // With no credential configured nobody could ever be let in: say so,
    // rather than 401 with a challenge no token can meet.
    if (!shared.verifier.publishing_enabled())
        return answer_publish(403, "disabled", "text/plain; charset=utf-8",
                              "publishing is not enabled (--publish-token-file or --jwt-secret-file)\n");
    if (req.method != "POST") return answer_publish(405, "method", "text/plain; charset=utf-8", "use POST\n", "Allow: POST\r\n");
    if (shared.draining())
        return answer_publish(503, "draining", "text/plain; charset=utf-8", "server is shutting down\n");
    std::string_view bad_room;
    std::optional<std::string> room = room_param(req, bad_room);
    // Credentials before the room: who may not publish learns nothing else.
    if (!publish_authorized(req, room ? std::string_view(*room) : std::string_view{})) return;
    if (!room) return answer_publish(400, "bad_room", "text/plain; charset=utf-8", bad_room);
    const http::BodyFraming framing = http::body_framing(req, cfg.max_message);
    if (framing.status != 0)
        return answer_publish(framing.status, framing.status == 413 ? "too_large" : "no_length",
                              "text/plain; charset=utf-8", framing.why);
    // What the body's answer needs from the head, kept: the head is not
    // parsed again, nor a Request (2 KiB) kept while the body comes.
    hs_->room = std::move(*room);
    hs_->binary = http::has_media_type(req.header("content-type"), "application/octet-stream");
    hs_->body_at = uint32_t(head_len);
    hs_->body_len = uint32_t(framing.length);  // <= --max-message, which fits 32 bits
    if (hs_->head.size() >= head_len + framing.length) {
        finish_publish();
        return;
    }
    // curl and others wait (a second, for curl) for this before a large body.
    if (http::expects_continue(req)) queue_raw("HTTP/1.1 100 Continue\r\n\r\n");
}

// The bearer token, the static one or a JWT with the publish scope
// (auth::Verifier); a refusal is answered with the Verifier's status, body
// and challenge.
bool Connection::publish_authorized(const http::Request& req, std::string_view room) {
    const auth::Verdict v = w().shared().verifier.authorize_publish(req, room, int64_t(std::time(nullptr)));
    if (v.allowed()) return true;
    answer_publish(v.status(), v.reason(), "text/plain; charset=utf-8", v.body(), v.www_authenticate());
    return false;
}

// The body is in: publish it, or refuse it. Every answer comes last (it may
// free hs_), and when called from start_publish (the body came with the
// head) the answering code frees the buffer after.
void Connection::finish_publish() {
    if (!w().hub().lanes_open()) {
        // A worker is behind with what this one handed it: publish once it
        // has caught up (resume_reading), as a member's publish is held.
        lanes_held_ = true;
        w().hub().hold(conn_id());
        return;
    }
    const Handshake& hs = *hs_;
    const std::string_view body = std::string_view(hs.head).substr(hs.body_at, hs.body_len);
    size_t recipients = 0;
    if (w().shared().draining()) {
        // The body came in after the signal: its room's members are going.
        answer_publish(503, "draining", "text/plain; charset=utf-8", "server is shutting down\n");
    } else if (!hs.binary && !ws::utf8_valid(reinterpret_cast<const uint8_t*>(body.data()), body.size())) {
        answer_publish(400, "bad_utf8", "text/plain; charset=utf-8",
                       "a text body must be UTF-8 (send binary as Content-Type: application/octet-stream)\n");
    } else if (!publish_body(hs.room, body, hs.binary, recipients)) {
        answer_publish(500, "no_memory", "text/plain; charset=utf-8", "out of memory\n");
    } else {
        std::string out = "{\"room\":";
        json::append_escaped(out, hs.room);
        out += ",\"recipients\":";
        out += std::to_string(recipients);
        out += "}\n";
        if (log_enabled(LogLevel::debug))
            Log(LogLevel::debug, "publish")
                .str("peer", peer_text())
                .str("room", hs.room)
                .num("bytes", body.size())
                .str("type", hs.binary ? "binary" : "text")
                .num("recipients", recipients)
                .emit();
        answer_publish(200, "", "application/json", out);
    }
}

// One frame per encoding the routes need: the body as is for raw (and custom)
// modes, wrapped in the message envelope for json mode. `recipients`: the
// room's members at the first publish, whatever their mode.
bool Connection::publish_body(std::string_view room, std::string_view body, bool binary, size_t& recipients) {
    bool plain = false, json_mode = false;
    for (const auto& r : w().config().routes) (r.mode == config::RouteMode::json ? json_mode : plain) = true;
    bool counted = false;
    if (plain) {
        hub::Frame* f = hub::make_frame(binary ? ws::Opcode::binary : ws::Opcode::text, body);
        if (!f) return false;
        recipients = w().hub().publish(room, f, nullptr, nullptr, hub::Audience::not_json);
        hub::release(f);
        counted = true;
    }
    if (json_mode) {
        std::string envelope;
        modes::json_publish_envelope(envelope, room, body, binary, unix_ms());
        hub::Frame* f = hub::make_frame(ws::Opcode::text, envelope);
        if (!f) return false;
        const size_t n = w().hub().publish(room, f, nullptr, nullptr, hub::Audience::json);
        hub::release(f);
        if (!counted) recipients = n;
    }
    return true;
}

// Every /publish answer: counted by status, refusals logged like the
// upgrade's, then the connection closes.
void Connection::answer_publish(int status, std::string_view reason, std::string_view content_type,
                                std::string_view body, std::string_view extra_headers) {
    w().counters().publish_requests[size_t(metrics::publish_status(status))].add();
    if (status != 200 && log_enabled(LogLevel::info)) log_refused(status, reason, body);
    queue_raw(http::response(status, content_type, body, extra_headers));
    release_handshake();
    begin_closing();
}

}  // namespace wshub::app
