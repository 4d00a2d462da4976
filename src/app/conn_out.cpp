// What a connection sends: its own replies, the hub's deliveries under
// --overflow (hub::judge, and the deliveries parked under block), control
// frames and HTTP answers, all through its send queue, written with one
// writev per call to what the socket takes.
#include <sys/socket.h>
#include <sys/uio.h>

#include "app/connection.h"
#include "app/worker.h"
#include "net/socket.h"

namespace wshub::app {

wshub::SendResult Connection::send_message(std::string_view data, wshub::MessageType type) {
    if (state_ != State::open) return wshub::SendResult::closed;
    hub::Frame* made =
        hub::make_frame(type == wshub::MessageType::text ? ws::Opcode::text : ws::Opcode::binary, data);
    hub::Frame* f = made ? form_of(made) : nullptr;
    if (made) hub::release(made);
    // Own replies are never refused: over budget, the connection stops being
    // read instead (on_frames), so the client paces itself.
    const bool ok = f && enqueue(f);
    if (f) hub::release(f);
    if (!ok) {
        fail(ws::close_code::internal_error, "out of memory");
        return wshub::SendResult::closed;
    }
    w().mark_dirty(*this);
    return wshub::SendResult::queued;
}

// The frame this connection is sent for data frame f, with a reference for
// the caller: its compressed form where permessage-deflate was agreed.
hub::Frame* Connection::form_of(hub::Frame* f) noexcept {
    if (deflate_) return w().compression().form_for(f, deflate_window_);
    hub::retain(f);
    return f;
}

void Connection::deliver(hub::Frame* frame, hub::Gate* gate) {
    if (state_ != State::open || dead_) return;
    if (!deflate_) return deliver_form(frame, gate);
    hub::Frame* form = form_of(frame);
    deliver_form(form, gate);
    hub::release(form);
}

// A delivery under --overflow: queued, written first, dropped, parked, or
// the member closed.
void Connection::deliver_form(hub::Frame* frame, hub::Gate* gate) {
    const hub::DeliveryPolicy& policy = w().shared().delivery;
    hub::Verdict v = hub::judge(out_, policy, frame->size, has_parked(), socket_full_, gate);
    if (v == hub::Verdict::write_first) {
        flush();
        w().mark_dirty(*this);  // settles the connection if the write failed
        if (dead_) return;
        v = hub::judge(out_, policy, frame->size, has_parked(), true, gate);
    }
    switch (v) {
    case hub::Verdict::queue:
    case hub::Verdict::write_first:
        if (!enqueue(frame)) {
            fail(ws::close_code::internal_error, "out of memory");
            return;
        }
        w().mark_dirty(*this);
        return;
    case hub::Verdict::drop:
        w().counters().drop(metrics::Drop::queue_full);
        return;
    case hub::Verdict::close:
        out_.drop_data();
        w().counters().slow_consumer_closes.add();
        fail(ws::close_code::policy, "slow consumer");
        return;
    case hub::Verdict::park:
        park(frame, gate);
        return;
    }
}

void Connection::park(hub::Frame* frame, hub::Gate* gate) {
    blocking().parked.park(frame, gate, w().now_ms() + w().shared().delivery.block_timeout_ms);
    w().counters().parked.add();
    schedule();
}

// Moves parked deliveries into the queue while they fit (or all of them,
// past_budget: the frames are held already, only queue entries are added);
// drops those whose --block-timeout has passed.
void Connection::unpark(bool past_budget) {
    if (!has_parked()) return;
    const hub::ParkedList::Settled s = blk_->parked.settle(out_, w().shared().delivery.queue, w().now_ms(),
                                                           past_budget, &w().counters().queued_bytes, w().hub());
    for (size_t i = 0; i < s.timed_out; ++i) w().counters().drop(metrics::Drop::block_timeout);
    if (s.queued != 0) w().mark_dirty(*this);
}

void Connection::release_parked() noexcept {
    if (blk_) blk_->parked.release_all(w().hub());
}

void Connection::flush_dirty() {
    dirty_ = false;
    if (state_ == State::free) return;
    if (Upstream* up = upstream()) up->flush();
    flush();
    if (dead_) {
        terminate();
        return;
    }
    update_interest();
}

bool Connection::enqueue(hub::Frame* f) noexcept { return out_.push(f, &w().counters().queued_bytes); }

void Connection::queue_control(ws::Opcode op, std::string_view payload) {
    hub::Frame* f = hub::make_frame(op, payload);
    if (!f || !enqueue(f)) dead_ = true;
    if (f) hub::release(f);
    w().mark_dirty(*this);
}

void Connection::queue_raw(std::string_view bytes) {
    // An HTTP answer: a control-class entry, so the queue never drops it.
    hub::Frame* f = hub::make_raw_frame(bytes);
    if (!f || !enqueue(f)) dead_ = true;
    if (f) hub::release(f);
    w().mark_dirty(*this);
}

void Connection::flush() {
    constexpr uint32_t kMaxIov = 64;
    hub::SendQueue::Written written;
    bool failed = false, full = false;
    while (!out_.empty()) {
        iovec iov[kMaxIov];
        size_t offered;
        const uint32_t n = out_.gather(iov, kMaxIov, offered);
        size_t sent = 0;
        const net::IoStatus st = net::write_some(fd_, iov, int(n), sent);
        if (st == net::IoStatus::error) {
            failed = true;
            break;
        }
        if (st == net::IoStatus::would_block) {
            full = true;
            break;
        }
        out_.consume(sent, written, &w().counters().publish_to_write);
        full = sent < offered;  // the socket took less than offered: it is full
        if (full) break;
    }
    socket_full_ = full;
    w().counters().messages_sent.add(written.frames);
    w().counters().bytes_sent.add(written.bytes);
    bytes_out_ += written.wire;
    if (failed)
        dead_ = true;
    else
        after_flush();
}

// What a write makes possible: parked deliveries move in, reading resumes
// once its own replies are down to half the budget, and a closing
// connection whose last bytes are out ends its side.
void Connection::after_flush() {
    if (has_parked()) unpark();
    if (out_.pending_bytes() <= w().config().queue_bytes / 2) {
        read_paused_ = false;
        if (Upstream* up = upstream()) up->hold_reading(false);
    }
    if (state_ == State::handshake && hs_ && hs_->responding && !hs_->answering) continue_response();
    if (state_ != State::closing || !out_.empty()) return;
    if (close_when_flushed_) {
        dead_ = true;  // the caller terminates: both close frames are through
        return;
    }
    if (write_shut_) return;
    // Our last bytes are out: send FIN so the peer sees the close, and wait
    // for its EOF rather than close() at once, which would reset the
    // connection if its data is still unread here and could destroy the
    // close frame or HTTP answer in flight.
    shutdown(fd_, SHUT_WR);
    write_shut_ = true;
    if (close_after_flush_) {
        close_after_flush_ = false;
        deadline_ = uint32_t(w().now_ms() + w().config().close_timeout_ms);
        schedule();
    }
}

}  // namespace wshub::app
