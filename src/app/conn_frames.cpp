// A connection's frames once open: decoded as they come, data messages
// handed to its route's Handler, control frames answered; and holding input
// back while the publisher it is must wait (its --overflow block gate, or a
// lane of the hub over its bound).
#include <utility>

#include "app/connection.h"
#include "app/worker.h"

namespace wshub::app {

using Kind = ws::Event::Kind;

void Connection::on_frames(uint8_t* data, size_t len, bool drained) {
    while (len > 0 && state_ == State::open && !dead_) {
        ws::Event ev;
        const size_t used = decoder_.feed(data, len, ev);
        data += used;
        len -= used;
        switch (ev.kind) {
        case Kind::none:
        case Kind::pong:
            break;
        case Kind::text:
        case Kind::binary: {
            if (upstream()) {
                forward_up(ev);
                break;
            }
            // A message's budget (--max-msg-rate) is taken at its first piece.
            if (ev.first && !within_rate()) break;
            w().hub().take_lane_hit();  // a hit before this message is not its doing
            if (fragments_)
                on_piece(ev);
            else
                on_message(ev);
            const bool lane_hit = w().hub().take_lane_hit();
            if (lane_hit || publisher_blocked()) {
                hold_back(lane_hit, data, len);
                len = 0;
            }
            break;
        }
        case Kind::ping:
            queue_control(ws::Opcode::pong, ev.payload);
            break;
        case Kind::close:
            // Answer with the peer's own code (none if it sent none), then
            // close our side once the answer is out. The peer sends nothing
            // after its close frame: if none of its bytes are left unread,
            // close() cannot reset the connection under our answer, and the
            // FIN goes out behind it. (Bytes it sends anyway, against the
            // protocol, earn it a reset.)
            report_close(ev.code, ev.reason);
            start_close(ev.code == ws::close_code::no_status ? 0 : ev.code, {});
            close_when_flushed_ = drained;
            break;
        case Kind::error:
            fail(ev.code, ev.reason);
            break;
        }
        if (used == 0 && ev.kind == Kind::none) break;
    }
    if (out_.pending_bytes() > w().config().queue_bytes) read_paused_ = true;
}

// A data message for the route's handler, inflated first when it came
// compressed (permessage-deflate).
void Connection::on_message(const ws::Event& ev) {
    const bool text = ev.kind == Kind::text;
    std::string_view message = ev.payload;
    if (ev.compressed) {
        const Compression::Inflated inflated = w().compression().inflate(ev.payload, text);
        if (inflated.close_code != 0) {
            w().compression().trim();  // a bomb leaves no --max-message buffer behind
            return fail(inflated.close_code, inflated.why);
        }
        message = inflated.message;
    }
    w().counters().messages_received.add();
    w().counters().bytes_received.add(message.size());
    handler()->on_message(*this, message, text ? wshub::MessageType::text : wshub::MessageType::binary);
    if (ev.compressed) w().compression().trim();
}

// A piece of a message, for a handler that takes them
// (Handler::takes_fragments): never compressed, since such a route never
// agrees permessage-deflate.
void Connection::on_piece(const ws::Event& ev) {
    if (ev.last) w().counters().messages_received.add();
    w().counters().bytes_received.add(ev.payload.size());
    const auto type = ev.kind == Kind::text ? wshub::MessageType::text : wshub::MessageType::binary;
    handler()->on_fragment(*this, ev.payload, type, ev.first, ev.last);
}

// The message just handled left this publisher held back: its --overflow
// block gate closed, or (lane_hit) it published into a lane over its bound,
// another worker (or this one) being behind. What was read behind it is
// kept for resume_reading, and nothing more is read until then.
void Connection::hold_back(bool lane_hit, const uint8_t* rest, size_t rest_len) {
    if (lane_hit) {
        lanes_held_ = true;
        w().hub().hold(conn_id());
    }
    hold_input(rest, rest_len);
}

// --max-msg-rate: one token per data message. Over it the connection is
// closed (1008) rather than slowed, since a client that floods is misbehaving.
bool Connection::take_rate_token() noexcept {
    if (admitted_->rate.take(w().now_ms())) return true;
    w().counters().rate_limited.add();
    fail(ws::close_code::policy, "rate limit exceeded");
    return false;
}

void Connection::hold_input(const uint8_t* data, size_t len) {
    if (len != 0) blocking().held_input.assign(reinterpret_cast<const char*>(data), len);
}

void Connection::resume_reading() {
    if (lanes_held_) {
        if (!w().hub().lanes_open()) {
            w().hub().hold(conn_id());  // still held: ask again
            return;
        }
        lanes_held_ = false;
    }
    if (state_ == State::handshake && hs_ && hs_->body_at != 0) {
        on_body_bytes();  // a POST /publish waiting to publish
    } else if (state_ == State::open && !publisher_blocked() && has_held_input()) {
        std::string held = std::move(blk_->held_input);
        blk_->held_input.clear();
        on_frames(reinterpret_cast<uint8_t*>(held.data()), held.size(), false);
    }
    if (dead_) {
        terminate();
        return;
    }
    update_interest();
}

}  // namespace wshub::app
