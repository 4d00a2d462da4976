// A connection's end: the close handshake (RFC 6455 section 5.5.1) with its
// deadline, the handler told once, and what it holds given back (rooms,
// parked deliveries, its place under the caps).
#include "app/connection.h"
#include "app/worker.h"

namespace wshub::app {

// Once per WebSocket connection: counts it by code and tells the handler.
void Connection::report_close(uint16_t code, std::string_view reason) {
    if (!upgraded_ || close_reported_) return;
    close_reported_ = true;
    close_code_ = code;
    w().counters().closed[size_t(metrics::close_bucket(code))].add();
    if (Upstream* up = upstream()) up->client_closed(code, reason);
    handler()->on_close(*this, wshub::CloseCode{code}, reason);
}

void Connection::fail(uint16_t code, std::string_view reason) {
    if (state_ != State::open) return;
    if (upgraded_) handler()->on_error(*this, wshub::CloseCode{code}, reason);
    start_close(code, reason);
}

void Connection::close_with(uint16_t code, std::string_view reason) {
    if (state_ == State::open) start_close(code, reason);
}

// code 0: an empty close payload (answering a close that carried no code).
void Connection::start_close(uint16_t code, std::string_view reason) {
    uint8_t payload[125];
    const size_t len = code ? ws::write_close_payload(payload, code, reason) : 0;
    queue_control(ws::Opcode::close, {reinterpret_cast<const char*>(payload), len});
    report_close(code ? code : ws::close_code::no_status, reason);
    leave_all_rooms();
    release_parked();
    begin_closing();
}

void Connection::begin_closing() {
    if (state_ == State::open && upgraded_) w().hub().directory().set_closed(slot_);
    state_ = State::closing;
    read_paused_ = false;  // keep reading so the peer's EOF is seen
    if (blk_) std::string().swap(blk_->held_input);  // input is discarded from now on
    // In a drain a slow reader may take a while to get to our close frame:
    // --close-timeout starts once it is out (flush), and the drain's own
    // deadline bounds the whole.
    close_after_flush_ = w().draining();
    deadline_ = uint32_t(w().now_ms() + w().config().close_timeout_ms);
    schedule();
}

// Gives back the place this connection holds under the caps, once.
void Connection::release_caps() noexcept {
    if (counted_) w().shared().caps.give_back(peer_);
    counted_ = false;
}

void Connection::leave_all_rooms() noexcept {
    if (RedisBus* bus = w().bus())
        for (size_t i = 0; i < rooms.size(); ++i) bus->member_left(route()->ns, room_name(i), conn_id());
    w().hub().rooms().leave_all(*this);
}

}  // namespace wshub::app
