// A connection's request, from its first byte to its answer or its 101: the
// head parsed as it comes (http::parse_head), handed to the request stage
// (request.cpp), whose answer ends the request; a POST /publish body read
// behind the head; and the opening once the upgrade is decided.
#include <utility>

#include "app/connection.h"
#include "app/log.h"
#include "app/request.h"
#include "app/worker.h"
#include "http/request.h"
#include "http/upgrade.h"
#include "metrics/clock.h"

namespace wshub::app {

void Connection::on_handshake_bytes(size_t added) {
    http::Request req;
    const http::HeadLimits limits{w().config().max_header_bytes, http::kMaxHeaders};
    const http::HeadResult head = http::parse_head(hs_->head, hs_->head.size() - added, limits, req);
    if (head.status == http::HeadStatus::incomplete) return;
    if (head.status == http::HeadStatus::refused) {
        const bool malformed = head.refusal == http::HeadRefusal::malformed;
        refuse(malformed ? metrics::Reject::malformed : metrics::Reject::header_too_large, head.http_status, head.why);
        return;
    }
    hs_->method_len = uint32_t(req.method.size());
    hs_->target_at = uint32_t(req.target.data() - hs_->head.data());
    hs_->target_len = uint32_t(req.target.size());
    hs_->request_len = uint32_t(head.length);
    hs_->answering = true;
    answer_request(w(), *this, req, head.length);
    hs_->answering = false;
    // Bytes after the head are the client's first frames, sent without
    // waiting for our 101.
    if (state_ == State::open && hs_->head.size() > head.length && !dead_)
        on_frames(reinterpret_cast<uint8_t*>(hs_->head.data()) + head.length, hs_->head.size() - head.length,
                  false);
    // Answered or upgraded: the request and its buffer are done with. (Still
    // in handshake: a /publish body is on its way.)
    if (state_ != State::handshake) hs_.reset();
}

void Connection::set_client(const net::IpKey& ip, uint16_t port) {
    // What was counted under the accepted address is given back under it.
    if (counted_) return;
    hops().has_via = true;
    hops().via = {peer_, peer_port_};
    peer_ = ip;
    peer_port_ = port;
}

void Connection::expect_body(PublishHead publish, size_t head_len, size_t length, std::string_view interim) {
    hs_->publish = std::move(publish);
    hs_->body_at = uint32_t(head_len);
    hs_->body_len = uint32_t(length);  // <= --max-message, which fits 32 bits
    if (hs_->head.size() < head_len + length && !interim.empty()) queue_raw(interim);
    on_body_bytes();
}

// Publishes the body once it is all in, unless a lane to another worker (or
// this one's backlog) is over its bound: then once it is open again
// (resume_reading), as a member's publish is held.
void Connection::on_body_bytes() {
    if (hs_->head.size() < size_t(hs_->body_at) + hs_->body_len) return;
    if (!w().hub().lanes_open()) {
        lanes_held_ = true;
        w().hub().hold(conn_id());
        return;
    }
    finish_publish(w(), *this, hs_->publish, hs_->body());
}

// Frees the request's buffer, unless a request in it is being answered (its
// views are in use up the stack): then the answering code frees it after.
void Connection::release_handshake() noexcept {
    if (hs_ && !hs_->answering) hs_.reset();
}

void Connection::answer(std::string_view response) {
    queue_raw(response);
    release_handshake();
    begin_closing();
}

void Connection::refuse(metrics::Reject reason, int status, std::string_view why) {
    refuse(reason, status, why, http::rejection_headers(status));
}

void Connection::refuse(metrics::Reject reason, int status, std::string_view why, std::string_view extra_headers) {
    w().counters().reject(reason);
    if (log_enabled(LogLevel::info)) log_refused(status, metrics::reject_label(reason), why);
    std::string body(why);
    if (body.empty() || body.back() != '\n') body += '\n';
    answer(http::simple_response(status, body, extra_headers));
}

void Connection::open(Opening&& o) {
    counted_ = true;
    route_index_ = o.route_index;
    admitted_ = std::move(o.admitted);
    state_ = State::open;  // rooms can be joined from on_upgrade
    std::string why;
    if (const int status = handler()->on_upgrade(*this, o.request, why); status != 0) {
        leave_all_rooms();
        release_caps();
        state_ = State::handshake;
        refuse(metrics::Reject::refused_by_mode, status,
               why.empty() ? http::reason_phrase(status) : std::string_view(why));
        return;
    }
    finish_open(o);
}

// A wall-clock time (seconds since the epoch) on the loop's monotonic clock,
// from now on: what a token's expiry is compared with. A time further away
// than 2^40 ms (35 years) is taken as that far.
uint64_t Connection::loop_time_of(int64_t unix_s) const noexcept {
    constexpr int64_t kFarMs = int64_t(1) << 40;
    const int64_t now_s = int64_t(metrics::unix_ms() / 1000);
    if (unix_s - now_s > kFarMs / 1000) return w().now_ms() + uint64_t(kFarMs);
    const int64_t in_ms = unix_s * 1000 - int64_t(metrics::unix_ms());
    return w().now_ms() + uint64_t(in_ms > 0 ? in_ms : 0);
}

void Connection::finish_open(const Opening& o) {
    upgraded_ = true;
    if (log_enabled(LogLevel::debug)) log_opened();
    w().hub().directory().set_open(conn_id(), route()->ns);
    const auto& cfg = w().config();
    if (cfg.overflow == config::Overflow::block) blocking().gate = hub::make_gate(conn_id());
    last_ping_ = uint32_t(w().now_ms());
    if (admitted_ && cfg.max_msg_rate != 0)
        admitted_->rate.configure(cfg.max_msg_rate, cfg.max_msg_burst, w().now_ms());
    if (admitted_ && admitted_->identity.expires_s != 0) admitted_->expires_ms = loop_time_of(admitted_->identity.expires_s);
    if (handler()->takes_fragments()) {
        fragments_ = true;
        decoder_.stream_messages();
    }
    if (o.deflate) {
        deflate_ = true;
        deflate_window_ = o.deflate->server_window_bits & 0xF;
        decoder_.allow_compressed();
    }
    queue_raw(http::switching_protocols(o.key, o.protocol, o.deflate ? http::deflate_answer(*o.deflate) : ""));
    w().counters().upgraded.add();
    w().counters().handshake.observe(metrics::now_us() - hs_->accepted_us);
    handler()->on_open(*this);
    schedule();
}

}  // namespace wshub::app
