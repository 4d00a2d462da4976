// A connection's life on its worker: its start and end, reading its socket,
// what the poller watches, and its timers.
#include "app/connection.h"

#include <unistd.h>

#include <algorithm>

#include "app/log.h"
#include "app/worker.h"
#include "metrics/clock.h"
#include "net/socket.h"

namespace wshub::app {
namespace {

// The 32-bit loop-clock times (connection.h): how long ago `t` was, and
// whether deadline `t` has come. Exact while the true distance is under 2^31 ms.
uint64_t age(uint64_t now_ms, uint32_t t) noexcept { return uint32_t(uint32_t(now_ms) - t); }
bool reached(uint64_t now_ms, uint32_t deadline) noexcept { return int32_t(uint32_t(now_ms) - deadline) >= 0; }
// Deadline `t` as a full loop-clock time.
uint64_t widen(uint64_t now_ms, uint32_t t) noexcept { return now_ms + int64_t(int32_t(t - uint32_t(now_ms))); }

}  // namespace

// An idle connection costs this much plus its timer, its place in the live
// table and its room memberships (README.md, Performance): keep it there.
static_assert(sizeof(Connection) <= 192, "Connection grew past 192 bytes");

Connection::Connection(Worker& w, uint32_t slot) noexcept
    : w_(w), slot_(slot), decoder_(w.config().max_message) {}


uint64_t Connection::conn_id() const noexcept { return hub::member_id(w().shared().node_number, w().index(), slot_, generation_); }

std::string_view Connection::route_path() const noexcept {
    const config::Route* r = route();
    return r ? std::string_view(r->path) : "";
}

void Connection::start(int fd, const net::Address& peer) {
    fd_ = fd;
    peer_ = net::ip_key(peer);
    peer_port_ = peer.port();
    close_code_ = 0;
    opened_ms_ = w().now_ms();
    bytes_in_ = bytes_out_ = 0;
    hs_ = std::make_unique<Handshake>();
    hs_->accepted_us = metrics::now_us();
    ++generation_;
    state_ = State::handshake;
    interest_ = 0;
    read_paused_ = write_shut_ = dead_ = dirty_ = counted_ = close_reported_ = false;
    route_index_ = kNoRoute;
    upgraded_ = deflate_ = false;
    deflate_window_ = 0;
    user_data_ = nullptr;
    close_after_flush_ = close_when_flushed_ = socket_full_ = lanes_held_ = upstream_held_ = fragments_ = false;
    last_rx_ = uint32_t(w().now_ms());
    deadline_ = uint32_t(w().now_ms() + w().config().handshake_timeout_ms);
    decoder_ = ws::Decoder(w().config().max_message);
    update_interest();
    schedule();
}

void Connection::terminate() {
    if (state_ == State::free) return;
    report_close(ws::close_code::abnormal, {});
    if (state_ == State::open && upgraded_) w().hub().directory().set_closed(slot_);
    leave_all_rooms();
    release_parked();
    if (blk_ && blk_->gate) hub::release(blk_->gate);
    blk_.reset();
    release_caps();
    // After the caps are given back: a client retrying at once finds its slot.
    if (upgraded_ && log_enabled(LogLevel::info)) log_closed();
    // close() drops the descriptor from the poller too; no remove() needed.
    ::close(fd_);
    fd_ = -1;
    state_ = State::free;
    w().loop().cancel_timer(Worker::kFirstConnectionTimer + slot_);
    ++generation_;  // invalidates queued events and ids for this slot
    release_handshake();
    admitted_.reset();
    hops_.reset();  // an upstream still open is closed here (Upstream's destructor)
    decoder_.shrink();
    out_.release_all();
    w().release_slot(slot_);
}

void Connection::go_away() {
    if (state_ != State::open) return;
    // What it waits for under --overflow block goes out ahead of the 1001,
    // as everything queued does, rather than being dropped at the close.
    unpark(true);
    close_with(ws::close_code::going_away, "going away");
    if (dead_) terminate();
}

void Connection::on_ready(uint32_t events) {
    if (events & reactor::kReadable) on_readable();
    if (!dead_ && (events & reactor::kWritable)) flush();
    if (dead_) {
        terminate();
        return;
    }
    update_interest();
}

void Connection::on_readable() {
    uint8_t* buf = w().read_buffer();
    size_t cap = Worker::kReadBufferSize;
    if (state_ == State::handshake) {
        // Never read past the header limit: one byte over is enough to know
        // the head is too large, and the rest stays in the socket. Nor, for
        // a /publish body, past its Content-Length.
        cap = std::min(cap, hs_->body_at ? size_t(hs_->body_at) + hs_->body_len - hs_->head.size()
                                         : w().config().max_header_bytes + 1 - hs_->head.size());
    }
    size_t n = 0;
    const net::IoStatus st = net::read_some(fd_, buf, cap, n);
    if (st == net::IoStatus::would_block) return;
    if (st != net::IoStatus::ok) {
        dead_ = true;  // EOF or error: nothing more will come
        return;
    }
    last_rx_ = uint32_t(w().now_ms());
    bytes_in_ += n;
    switch (state_) {
    case State::handshake:
        hs_->head.append(reinterpret_cast<const char*>(buf), n);
        if (hs_->body_at == 0)
            on_handshake_bytes(n);
        else
            on_body_bytes();
        break;
    case State::open:
        // A read shorter than the buffer took all the socket held.
        on_frames(buf, n, n < cap);
        break;
    case State::closing:
    case State::free:
        break;  // after our close frame or HTTP answer, input is discarded
    }
}

void Connection::update_interest() {
    if (state_ == State::free) return;
    uint8_t want = 0;
    // Not read while its own replies are over budget, or while it is a
    // publisher held back by --overflow block or by the hub's lanes.
    // A closing connection is always read: its input is discarded, but its
    // EOF must be seen.
    // Nor while an HTTP answer goes out: requests are taken one at a time.
    // Nor while its upstream is behind, or has yet to accept it.
    if (state_ == State::closing ||
        (!read_paused_ && !lanes_held_ && !has_held_input() && !publisher_blocked() && !upstream_held_ &&
         !(state_ == State::handshake && (hs_->responding || upstream()))))
        want |= reactor::kReadable;
    // A connection on the worker's flush list is written at the end of this
    // pass anyway: asking the poller for writability now, only to drop it
    // after that write, would cost two epoll_ctl calls per message.
    if (!out_.empty() && (!dirty_ || (interest_ & reactor::kWritable))) want |= reactor::kWritable;
    if (want == interest_) return;
    auto& poller = w().loop().poller();
    const uint64_t token = Worker::token_of(slot_, generation_);
    const int err = interest_ == 0 ? poller.add(fd_, token, want)
                    : want == 0    ? poller.remove(fd_, interest_)
                                   : poller.modify(fd_, token, interest_, want);
    if (err != 0) {
        terminate();
        return;
    }
    interest_ = want;
}

uint64_t Connection::next_deadline() const noexcept {
    const auto& cfg = w().config();
    const uint64_t now = w().now_ms();
    if (state_ != State::open) return close_after_flush_ ? UINT64_MAX : widen(now, deadline_);
    uint64_t next = UINT64_MAX;
    const uint64_t quiet = age(now, last_rx_);
    if (cfg.idle_timeout_ms) next = now - quiet + cfg.idle_timeout_ms;
    if (cfg.ping_interval_ms)
        next = std::min(next, now - std::min(quiet, age(now, last_ping_)) + cfg.ping_interval_ms);
    if (has_parked()) next = std::min(next, blk_->parked.next_deadline());
    if (admitted_ && admitted_->expires_ms) next = std::min(next, admitted_->expires_ms);
    return next;
}

// Keeps the slot's timer pending at or before the next deadline. A timer
// that is early (the deadline moved on, say with each message received) is
// left as it is: it finds nothing due and re-arms, which costs one wake-up a
// deadline rather than a heap update a message.
void Connection::schedule() {
    const uint32_t id = Worker::kFirstConnectionTimer + slot_;
    const uint64_t next = next_deadline();
    if (next == UINT64_MAX) {
        w().loop().cancel_timer(id);
        return;
    }
    const uint64_t pending = w().loop().timer_deadline(id);
    if (pending != 0 && pending <= next) return;
    w().loop().set_timer(id, next);
}

void Connection::on_timer() {
    const uint64_t now = w().now_ms();
    if (state_ == State::open) {
        on_open_timer(now);
    } else if (state_ == State::handshake && upstream() && upstream()->pending() && reached(now, deadline_)) {
        upstream()->timed_out();  // a 504, and the close's own deadline
    } else if (!close_after_flush_ && reached(now, deadline_)) {
        // Only a first request is refused for being late: a connection kept
        // alive after an answer, or one that stops taking an answer, just goes.
        if (state_ == State::handshake && hs_->served == 0 && !hs_->responding) {
            w().counters().reject(metrics::Reject::handshake_timeout);
            // Port scanners and idle pre-connections: not worth an info line.
            if (log_enabled(LogLevel::debug)) {
                Log line(LogLevel::debug, "handshake_timeout");
                log_peer(line);  // a POST /publish's body may be what is late
                line.num("bytes_in", bytes_in_).emit();
            }
        }
        terminate();
        return;
    }
    if (dead_) {
        terminate();
        return;
    }
    update_interest();
    if (state_ != State::free) schedule();
}

// Parked deliveries past their --block-timeout, the token's expiry,
// --idle-timeout, --ping-interval.
void Connection::on_open_timer(uint64_t now) {
    const auto& cfg = w().config();
    if (has_parked()) unpark();  // drops what timed out
    if (admitted_ && admitted_->expires_ms && now >= admitted_->expires_ms) {
        fail(kTokenExpired, "token expired");
        return;
    }
    const uint64_t quiet = age(now, last_rx_);
    if (cfg.idle_timeout_ms && quiet >= cfg.idle_timeout_ms) {
        fail(ws::close_code::going_away, "idle timeout");
    } else if (cfg.ping_interval_ms && std::min(quiet, age(now, last_ping_)) >= cfg.ping_interval_ms) {
        queue_control(ws::Opcode::ping, {});
        last_ping_ = uint32_t(now);
        // Without an idle timeout a silent peer's quiet time has no bound:
        // keep it within the ping interval (all it is compared with then)
        // so that it cannot wrap 2^32 ms.
        if (!cfg.idle_timeout_ms && quiet > cfg.ping_interval_ms) last_rx_ = uint32_t(now - cfg.ping_interval_ms);
    }
}

}  // namespace wshub::app
