#include "app/connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "app/log.h"
#include "app/worker.h"
#include "crypto/constant_time.h"
#include "crypto/sha256.h"
#include "http/request.h"
#include "http/upgrade.h"
#include "metrics/clock.h"
#include "metrics/exposition.h"
#include "net/socket.h"

namespace wshub::app {
namespace {

using ws::Opcode;
using Kind = ws::Event::Kind;

// The 32-bit loop-clock times (connection.h): how long ago `t` was, and
// whether deadline `t` has come. Exact while the true distance is under 2^31 ms.
uint64_t age(uint64_t now_ms, uint32_t t) noexcept { return uint32_t(uint32_t(now_ms) - t); }
bool reached(uint64_t now_ms, uint32_t deadline) noexcept { return int32_t(uint32_t(now_ms) - deadline) >= 0; }
// Deadline `t` as a full loop-clock time.
uint64_t widen(uint64_t now_ms, uint32_t t) noexcept { return now_ms + int64_t(int32_t(t - uint32_t(now_ms))); }

std::string_view as_view(const uint8_t* p, size_t n) { return {reinterpret_cast<const char*>(p), n}; }

Opcode opcode_of(wshub::MessageType t) { return t == wshub::MessageType::text ? Opcode::text : Opcode::binary; }

// How a refusal of the request itself is counted: the head's (parse_head),
// then check_upgrade's by status, where every status not listed is a 400.
metrics::Reject rejected_head(http::HeadRefusal r) noexcept {
    return r == http::HeadRefusal::malformed ? metrics::Reject::malformed : metrics::Reject::header_too_large;
}

struct UpgradeReject {
    int status;
    metrics::Reject reason;
};
constexpr UpgradeReject kUpgradeRejects[] = {
    {405, metrics::Reject::method},
    {404, metrics::Reject::not_found},
    {426, metrics::Reject::bad_version},
};

metrics::Reject rejected_upgrade(int status) noexcept {
    for (const UpgradeReject& row : kUpgradeRejects)
        if (row.status == status) return row.reason;
    return metrics::Reject::bad_upgrade;
}

}  // namespace

// An idle connection costs this much plus its timer, its place in the live
// table and its room memberships (README.md, Performance): keep it there.
static_assert(sizeof(Connection) <= 192, "Connection grew past 192 bytes");

Connection::Connection(Worker& w, uint32_t slot) noexcept
    : slot_(slot), decoder_(w.config().max_message) {}

Worker& Connection::w() noexcept { return *Worker::current(); }

const config::Route* Connection::route() const noexcept {
    return route_index_ == kNoRoute ? nullptr : &w().config().routes[route_index_];
}

wshub::Handler* Connection::handler() const noexcept { return w().shared().by_route[route_index_]; }

uint64_t Connection::conn_id() const noexcept { return hub::member_id(w().index(), slot_, generation_); }

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
    read_paused_ = write_shut_ = dead_ = dirty_ = counted_ = ip_counted_ = close_reported_ = false;
    route_index_ = kNoRoute;
    upgraded_ = json_route_ = false;
    user_data_ = nullptr;
    close_after_flush_ = close_when_flushed_ = socket_full_ = lanes_held_ = false;
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
    identity_.reset();
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
        else if (hs_->head.size() >= size_t(hs_->body_at) + hs_->body_len)
            finish_publish();
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

void Connection::on_handshake_bytes(size_t added) {
    http::Request req;
    const http::HeadLimits limits{w().config().max_header_bytes, http::kMaxHeaders};
    const http::HeadResult head = http::parse_head(hs_->head, hs_->head.size() - added, limits, req);
    if (head.status == http::HeadStatus::incomplete) return;
    if (head.status == http::HeadStatus::refused) {
        reject(rejected_head(head.refusal), head.http_status, head.why);
        return;
    }
    hs_->method_len = uint32_t(req.method.size());
    hs_->target_at = uint32_t(req.target.data() - hs_->head.data());
    hs_->target_len = uint32_t(req.target.size());
    hs_->answering = true;
    answer_request(req, head.length);
    hs_->answering = false;
    // Answered or upgraded: the request and its buffer are done with. (Still
    // in handshake: a /publish body is on its way.)
    if (state_ != State::handshake) hs_.reset();
}

// A complete, well-formed request head of `end` bytes at the start of hs_->head.
void Connection::answer_request(const http::Request& req, size_t end) {
    const auto& cfg = w().config();
    const config::Route* route = w().ops_only() ? nullptr : cfg.find_route(req.path);
    if (!route && !w().ops_only() && req.path == "/publish") {
        start_publish(req, end);
        return;
    }
    if (!route && w().serves_ops() && (req.path == "/metrics" || req.path == "/healthz" || req.path == "/readyz")) {
        serve_http(req);
        return;
    }
    const http::UpgradeDecision d = http::check_upgrade(req, route != nullptr, cfg.subprotocols);
    if (d.status != 101) {
        reject(rejected_upgrade(d.status), d.status, d.why);
        return;
    }
    if (w().shared().draining()) {
        reject(metrics::Reject::draining, 503, "server is shutting down\n");
        return;
    }
    if (!admit(req, *route)) return;
    // req's views point into the head, which stays until on_handshake_bytes
    // is done with it (release_handshake defers while a request is answered).
    upgrade(d.key, d.protocol, *route, req.path, req.query, hs_->accepted_us);
    // Bytes after the head are the client's first frames, sent without
    // waiting for our 101.
    if (state_ == State::open && hs_->head.size() > end && !dead_)
        on_frames(reinterpret_cast<uint8_t*>(hs_->head.data()) + end, hs_->head.size() - end, false);
}

void Connection::upgrade(std::string_view key, std::string_view protocol, const config::Route& route,
                         std::string_view path, std::string_view query, uint64_t accepted_us) {
    auto& shared = w().shared();
    const uint64_t max = w().config().max_conns;
    if (max != 0 && shared.open_conns.fetch_add(1, std::memory_order_relaxed) >= max) {
        shared.open_conns.fetch_sub(1, std::memory_order_relaxed);
        reject(metrics::Reject::max_conns, 503, "server at its connection limit\n");
        return;
    }
    if (max == 0) shared.open_conns.fetch_add(1, std::memory_order_relaxed);
    counted_ = true;
    if (const uint32_t per_ip = w().config().max_conns_per_ip; per_ip != 0) {
        if (!shared.per_ip.acquire(peer_, per_ip)) {
            release_caps();
            reject(metrics::Reject::max_conns_per_ip, 429, "too many connections from this address\n");
            return;
        }
        ip_counted_ = true;
    }
    route_index_ = uint16_t(&route - w().config().routes.data());
    json_route_ = route.mode == config::RouteMode::json;
    wshub::Handler* handler = shared.handler_for(route);
    state_ = State::open;  // rooms can be joined from on_upgrade
    std::string why;
    const wshub::UpgradeRequest request{path, query};
    if (const int status = handler->on_upgrade(*this, request, why); status != 0) {
        leave_all_rooms();
        release_caps();
        state_ = State::handshake;
        reject(metrics::Reject::refused_by_mode, status, why.empty() ? http::reason_phrase(status) : std::string_view(why));
        return;
    }
    upgraded_ = true;
    if (log_enabled(LogLevel::debug)) log_opened();
    w().hub().directory().set_open(conn_id());
    if (w().config().overflow == config::Overflow::block) blocking().gate = hub::make_gate(conn_id());
    last_ping_ = uint32_t(w().now_ms());
    if (const auto& cfg = w().config(); cfg.max_msg_rate != 0)
        rate_.configure(cfg.max_msg_rate, cfg.max_msg_burst, w().now_ms());
    queue_raw(http::switching_protocols(key, protocol));
    w().counters().upgraded.add();
    w().counters().handshake.observe(metrics::now_us() - accepted_us);
    handler->on_open(*this);
    schedule();
}

// Gives back the places this connection holds under the caps, once.
void Connection::release_caps() noexcept {
    if (counted_) w().shared().open_conns.fetch_sub(1, std::memory_order_relaxed);
    if (ip_counted_) w().shared().per_ip.release(peer_);
    counted_ = ip_counted_ = false;
}

// The plain-HTTP endpoints: GET /metrics (Prometheus text), /healthz, /readyz.
void Connection::serve_http(const http::Request& req) {
    w().counters().http_requests.add();
    int status = 200;
    if (req.method != "GET") {
        status = 405;
        queue_raw(http::simple_response(405, "use GET\n", http::rejection_headers(405)));
    } else if (req.path == "/metrics") {
        queue_raw(http::response(200, metrics::kContentType, w().render_metrics()));
    } else if (req.path == "/readyz") {
        // Not ready while at --max-conns: a load balancer should send new
        // clients elsewhere rather than have them refused. Nor while
        // draining, for good (so no Retry-After).
        const uint64_t max = w().config().max_conns;
        const bool full = max != 0 && w().shared().open_conns.load(std::memory_order_relaxed) >= max;
        if (w().shared().draining()) {
            status = 503;
            queue_raw(http::simple_response(503, "draining\n"));
        } else if (full) {
            status = 503;
            queue_raw(http::simple_response(503, "full\n", http::rejection_headers(503)));
        } else {
            queue_raw(http::simple_response(200, "ready\n"));
        }
    } else {
        queue_raw(http::simple_response(200, "ok\n"));
    }
    if (log_enabled(LogLevel::debug)) log_http(req.path, status);
    release_handshake();
    begin_closing();
}

// Frees the request's buffer, unless a request in it is being answered (its
// views are in use up the stack): then the answering code frees it after.
void Connection::release_handshake() noexcept {
    if (hs_ && !hs_->answering) hs_.reset();
}

void Connection::reject(metrics::Reject reason, int status, std::string_view why) {
    reject(reason, status, why, http::rejection_headers(status));
}

void Connection::reject(metrics::Reject reason, int status, std::string_view why, std::string_view extra_headers) {
    w().counters().reject(reason);
    if (log_enabled(LogLevel::info)) log_refused(status, metrics::reject_label(reason), why);
    std::string body(why);
    if (body.empty() || body.back() != '\n') body += '\n';
    queue_raw(http::simple_response(status, body, extra_headers));
    release_handshake();
    begin_closing();
}

void Connection::on_frames(uint8_t* data, size_t len, bool drained) {
    while (len > 0 && state_ == State::open && !dead_) {
        ws::Event ev;
        const size_t used = decoder_.feed(data, len, ev);
        data += used;
        len -= used;
        switch (ev.kind) {
        case Kind::none:
            break;
        case Kind::text:
        case Kind::binary:
            if (!within_rate()) break;
            w().counters().messages_received.add();
            w().counters().bytes_received.add(ev.payload.size());
            w().hub().take_lane_hit();  // a hit before this message is not its doing
            handler()->on_message(*this, ev.payload,
                                 ev.kind == Kind::text ? wshub::MessageType::text : wshub::MessageType::binary);
            if (w().hub().take_lane_hit()) {
                // It published into a lane over its bound: another worker
                // (or this one) is behind. Read nothing more until the lanes
                // open; resume_reading() picks up what was read.
                lanes_held_ = true;
                w().hub().hold(conn_id());
            }
            if (publisher_blocked() || lanes_held_) {
                // A member's queue is full (--overflow block) or the lanes
                // are: hold back what was read but not handled.
                hold_input(data, len);
                len = 0;
            }
            break;
        case Kind::ping:
            queue_control(Opcode::pong, ev.payload);
            break;
        case Kind::pong:
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

wshub::SendResult Connection::send_message(std::string_view data, wshub::MessageType type) {
    if (state_ != State::open) return wshub::SendResult::closed;
    hub::Frame* f = hub::make_frame(opcode_of(type), data);
    if (!f) {
        fail(ws::close_code::internal_error, "out of memory");
        return wshub::SendResult::closed;
    }
    // Own replies are never refused: over budget, the connection stops being
    // read instead (on_frames), so the client paces itself.
    const bool ok = enqueue(f);
    hub::release(f);
    if (!ok) {
        fail(ws::close_code::internal_error, "out of memory");
        return wshub::SendResult::closed;
    }
    w().mark_dirty(*this);
    return wshub::SendResult::queued;
}

void Connection::deliver(hub::Frame* frame, hub::Gate* gate) {
    if (state_ != State::open || dead_) return;
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
    const hub::ParkedList::Settled s =
        blk_->parked.settle(out_, w().shared().delivery.queue, w().now_ms(), past_budget,
                            &w().counters().queued_bytes, w().hub());
    for (size_t i = 0; i < s.timed_out; ++i) w().counters().drop(metrics::Drop::block_timeout);
    if (s.queued != 0) w().mark_dirty(*this);
}

void Connection::release_parked() noexcept {
    if (blk_) blk_->parked.release_all(w().hub());
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
        if (state_ == State::handshake && hs_ && hs_->body_at != 0) {
            finish_publish();  // a POST /publish waiting to publish
            if (dead_) terminate();
            else update_interest();
            return;
        }
    }
    if (state_ != State::open || publisher_blocked()) return;
    if (has_held_input()) {
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

void Connection::flush_dirty() {
    dirty_ = false;
    if (state_ == State::free) return;
    flush();
    if (dead_) {
        terminate();
        return;
    }
    update_interest();
}

bool Connection::enqueue(hub::Frame* f) noexcept { return out_.push(f, &w().counters().queued_bytes); }

void Connection::queue_control(Opcode op, std::string_view payload) {
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

// Once per WebSocket connection: counts it by code and tells the handler.
void Connection::report_close(uint16_t code, std::string_view reason) {
    if (!upgraded_ || close_reported_) return;
    close_reported_ = true;
    close_code_ = code;
    w().counters().closed[size_t(metrics::close_bucket(code))].add();
    handler()->on_close(*this, code, reason);
}

void Connection::fail(uint16_t code, std::string_view reason) {
    if (state_ != State::open) return;
    if (upgraded_) handler()->on_error(*this, code, reason);
    start_close(code, reason);
}

void Connection::close_with(uint16_t code, std::string_view reason) {
    if (state_ == State::open) start_close(code, reason);
}

// code 0: an empty close payload (answering a close that carried no code).
void Connection::start_close(uint16_t code, std::string_view reason) {
    uint8_t payload[125];
    const size_t len = code ? ws::write_close_payload(payload, code, reason) : 0;
    queue_control(Opcode::close, as_view(payload, len));
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

void Connection::flush() {
    constexpr uint32_t kMaxIov = 64;
    hub::SendQueue::Written written;
    bool failed = false;
    socket_full_ = false;
    while (!out_.empty()) {
        iovec iov[kMaxIov];
        const uint32_t n = out_.gather(iov, kMaxIov);
        size_t offered = 0;
        for (uint32_t i = 0; i < n; ++i) offered += iov[i].iov_len;
        size_t sent = 0;
        const net::IoStatus st = net::write_some(fd_, iov, int(n), sent);
        if (st == net::IoStatus::error) {
            failed = true;
            break;
        }
        if (st == net::IoStatus::would_block) {
            socket_full_ = true;
            break;
        }
        out_.consume(sent, written, &w().counters().publish_to_write);
        if (sent < offered) {
            socket_full_ = true;  // the socket took less than offered: it is full
            break;
        }
    }
    w().counters().messages_sent.add(written.frames);
    w().counters().bytes_sent.add(written.bytes);
    bytes_out_ += written.wire;
    if (failed) {
        dead_ = true;
        return;
    }
    unpark();
    if (read_paused_ && out_.pending_bytes() <= w().config().queue_bytes / 2) read_paused_ = false;
    if (state_ == State::closing && out_.empty() && close_when_flushed_) {
        dead_ = true;  // the caller terminates: both close frames are through
        return;
    }
    if (state_ == State::closing && out_.empty() && !write_shut_) {
        // Our last bytes are out: send FIN so the peer sees the close, and
        // wait for its EOF rather than close() at once, which would reset the
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
}

void Connection::update_interest() {
    if (state_ == State::free) return;
    uint8_t want = 0;
    // Not read while its own replies are over budget, or while it is a
    // publisher held back by --overflow block or by the hub's lanes.
    // A closing connection is always read: its input is discarded, but its
    // EOF must be seen.
    if (state_ == State::closing ||
        (!read_paused_ && !lanes_held_ && !has_held_input() && !publisher_blocked()))
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
    const auto& cfg = w().config();
    if (state_ == State::handshake || state_ == State::closing) {
        if (!close_after_flush_ && reached(now, deadline_)) {
            if (state_ == State::handshake) {
                w().counters().reject(metrics::Reject::handshake_timeout);
                // Port scanners and idle pre-connections: not worth an info line.
                if (log_enabled(LogLevel::debug))
                    Log(LogLevel::debug, "handshake_timeout").str("peer", peer_text()).num("bytes_in", bytes_in_).emit();
            }
            terminate();
            return;
        }
    } else if (state_ == State::open) {
        if (has_parked()) unpark();  // drops what timed out
        const uint64_t quiet = age(now, last_rx_);
        if (cfg.idle_timeout_ms && quiet >= cfg.idle_timeout_ms) {
            fail(ws::close_code::going_away, "idle timeout");
        } else if (cfg.ping_interval_ms && std::min(quiet, age(now, last_ping_)) >= cfg.ping_interval_ms) {
            queue_control(Opcode::ping, {});
            last_ping_ = uint32_t(now);
            // Without an idle timeout a silent peer's quiet time has no
            // bound: keep it within the ping interval (all it is compared
            // with then) so that it cannot wrap 2^32 ms.
            if (!cfg.idle_timeout_ms && quiet > cfg.ping_interval_ms)
                last_rx_ = uint32_t(now - cfg.ping_interval_ms);
        }
    }
    if (dead_) {
        terminate();
        return;
    }
    update_interest();
    if (state_ != State::free) schedule();
}

// Rooms.

wshub::JoinResult Connection::join_room(std::string_view name, std::string_view password) {
    if (!hub::valid_room_name(name)) return wshub::JoinResult::bad_name;
    if (is_member(name)) return wshub::JoinResult::already_member;
    if (identity_ && identity_->limited_rooms && !auth::room_allowed(identity_->rooms, name)) {
        w().counters().joins_forbidden[size_t(metrics::JoinRefusal::rooms_claim)].add();
        return wshub::JoinResult::forbidden;
    }
    if (const crypto::Sha256Digest* secret = w().shared().room_secret(name)) {
        const crypto::Sha256Digest given = crypto::sha256(password);
        if (!crypto::equal_constant_time(given.data(), secret->data(), given.size())) {
            w().counters().joins_forbidden[size_t(metrics::JoinRefusal::password)].add();
            return wshub::JoinResult::wrong_password;
        }
    }
    const auto& cfg = w().config();
    if (rooms.size() >= cfg.max_rooms_per_conn) return wshub::JoinResult::too_many_rooms;
    if (w().hub().rooms().join(*this, name, cfg.max_room_conns) == hub::RoomTable::Joined::full)
        return wshub::JoinResult::room_full;
    return wshub::JoinResult::joined;
}

bool Connection::leave_room(std::string_view name) { return w().hub().rooms().leave(*this, name); }

void Connection::leave_all_rooms() noexcept { w().hub().rooms().leave_all(*this); }

size_t Connection::publish_to(std::string_view room, std::string_view data, wshub::MessageType type,
                              bool include_self) {
    hub::Frame* f = hub::make_frame(opcode_of(type), data);
    if (!f) return 0;
    const size_t n = w().hub().publish(room, f, include_self ? nullptr : this, gate());
    hub::release(f);
    return n;
}

bool Connection::send_to_id(uint64_t target, std::string_view data, wshub::MessageType type) {
    hub::Frame* f = hub::make_frame(opcode_of(type), data);
    if (!f) return false;
    const bool ok = w().hub().send_to(target, f, gate());
    hub::release(f);
    return ok;
}

}  // namespace wshub::app
