#include "app/connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "app/worker.h"
#include "http/request.h"
#include "http/upgrade.h"

namespace wshub::app {
namespace {

using ws::Opcode;
using Kind = ws::Event::Kind;

std::string_view as_view(const uint8_t* p, size_t n) {
    return {reinterpret_cast<const char*>(p), n};
}

}  // namespace

void Connection::start(Worker& w, int fd, uint32_t slot) {
    fd_ = fd;
    slot_ = slot;
    ++generation_;
    state_ = State::handshake;
    interest_ = 0;
    read_paused_ = write_shut_ = dead_ = ping_outstanding_ = false;
    route_ = nullptr;
    last_rx_ms_ = last_ping_ms_ = w.now_ms();
    deadline_ms_ = w.now_ms() + w.config().handshake_timeout_ms;
    timer_at_ = 0;
    decoder_ = ws::Decoder(w.config().max_message);
    update_interest(w);
    schedule(w);
}

void Connection::terminate(Worker& w) {
    if (state_ == State::free) return;
    // close() drops the descriptor from the poller too; no remove() needed.
    close(fd_);
    fd_ = -1;
    state_ = State::free;
    ++generation_;  // invalidates queued events and timers for this slot
    std::string().swap(head_);
    decoder_.shrink();
    out_.release();
    w.release_slot(slot_);
}

void Connection::on_ready(Worker& w, uint32_t events) {
    if (events & reactor::kReadable) on_readable(w);
    if (!dead_ && (events & reactor::kWritable)) flush(w);
    if (dead_) {
        terminate(w);
        return;
    }
    update_interest(w);
}

void Connection::on_readable(Worker& w) {
    uint8_t* buf = w.read_buffer();
    size_t cap = Worker::kReadBufferSize;
    if (state_ == State::handshake) {
        // Never read past the header limit: one byte over is enough to know
        // the head is too large, and the rest stays in the socket.
        cap = std::min(cap, w.config().max_header_bytes + 1 - head_.size());
    }
    size_t n = 0;
    const net::IoStatus st = net::read_some(fd_, buf, cap, n);
    if (st == net::IoStatus::would_block) return;
    if (st != net::IoStatus::ok) {
        dead_ = true;  // EOF or error: nothing more will come
        return;
    }
    last_rx_ms_ = w.now_ms();
    switch (state_) {
    case State::handshake:
        head_.append(reinterpret_cast<const char*>(buf), n);
        on_handshake_bytes(w, n);
        break;
    case State::open:
        on_frames(w, buf, n);
        break;
    case State::closing:
        break;  // after our close frame or HTTP answer, input is discarded
    case State::free:
        break;
    }
}

void Connection::on_handshake_bytes(Worker& w, size_t added) {
    const auto& cfg = w.config();
    if (http::has_bare_lf(head_, head_.size() - added)) {
        reject(w, 400, "lines must end in CRLF\n");
        return;
    }
    const size_t end = http::find_head_end(head_, head_.size() - added);
    if (end == 0) {
        if (head_.size() > cfg.max_header_bytes) reject(w, 431, "request head too large\n");
        return;
    }
    if (end > cfg.max_header_bytes) {
        reject(w, 431, "request head too large\n");
        return;
    }
    http::Request req;
    switch (http::parse_request(std::string_view(head_).substr(0, end), req)) {
    case http::ParseStatus::ok:
        break;
    case http::ParseStatus::too_many_headers:
        reject(w, 431, "too many header fields\n");
        return;
    case http::ParseStatus::bad_request:
        reject(w, 400, "malformed request\n");
        return;
    }
    const config::Route* route = cfg.find_route(req.path);
    const http::UpgradeDecision d = http::check_upgrade(req, route != nullptr, cfg.subprotocols);
    if (d.status != 101) {
        reject(w, d.status, d.why);
        return;
    }
    // The views into head_ die with it: take what is needed first.
    const std::string key(d.key), protocol(d.protocol);
    std::string head = std::move(head_);
    head_.clear();
    accept_upgrade(w, key, protocol, *route);
    // Bytes after the head are the client's first frames, sent without
    // waiting for our 101.
    if (head.size() > end && !dead_)
        on_frames(w, reinterpret_cast<uint8_t*>(head.data()) + end, head.size() - end);
}

void Connection::accept_upgrade(Worker& w, std::string_view key, std::string_view protocol,
                                const config::Route& route) {
    route_ = &route;
    state_ = State::open;
    last_ping_ms_ = w.now_ms();
    send_raw(http::switching_protocols(key, protocol));
    schedule(w);
}

void Connection::reject(Worker& w, int status, std::string_view why) {
    send_raw(http::simple_response(status, why, http::rejection_headers(status)));
    std::string().swap(head_);
    begin_closing(w);
}

void Connection::on_frames(Worker& w, uint8_t* data, size_t len) {
    while (len > 0 && state_ == State::open && !dead_) {
        ws::Event ev;
        const size_t used = decoder_.feed(data, len, ev);
        data += used;
        len -= used;
        switch (ev.kind) {
        case Kind::none:
            break;
        case Kind::text:
            on_message(w, Opcode::text, ev.payload);
            break;
        case Kind::binary:
            on_message(w, Opcode::binary, ev.payload);
            break;
        case Kind::ping:
            send_frame(w, Opcode::pong, ev.payload);
            break;
        case Kind::pong:
            ping_outstanding_ = false;
            break;
        case Kind::close:
            // Answer with the peer's own code (none if it sent none), then
            // close our side once the answer is out.
            start_close(w, ev.code == ws::close_code::no_status ? 0 : ev.code, {});
            break;
        case Kind::error:
            start_close(w, ev.code, ev.reason);
            break;
        }
        if (used == 0 && ev.kind == Kind::none) break;
    }
    if (out_.bytes() > Worker::kOutputBudget) read_paused_ = true;
}

void Connection::on_message(Worker& w, Opcode op, std::string_view payload) {
    switch (route_->mode) {
    case config::RouteMode::echo:
        send_frame(w, op, payload);
        break;
    }
}

void Connection::send_frame(Worker&, Opcode op, std::string_view payload) {
    uint8_t header[ws::kMaxHeader];
    const size_t header_len = ws::write_header(header, op, payload.size());
    if (!out_.send(fd_, header, header_len, payload.data(), payload.size())) dead_ = true;
}

void Connection::send_raw(std::string_view bytes) {
    if (!out_.send(fd_, bytes.data(), bytes.size(), nullptr, 0)) dead_ = true;
}

// code 0: an empty close payload (answering a close that carried no code).
void Connection::start_close(Worker& w, uint16_t code, std::string_view reason) {
    uint8_t payload[125];
    const size_t len = code ? ws::write_close_payload(payload, code, reason) : 0;
    send_frame(w, Opcode::close, as_view(payload, len));
    begin_closing(w);
}

void Connection::begin_closing(Worker& w) {
    state_ = State::closing;
    read_paused_ = false;  // keep reading so the peer's EOF is seen
    deadline_ms_ = w.now_ms() + w.config().close_timeout_ms;
    flush(w);
    schedule(w);
}

void Connection::flush(Worker& w) {
    if (!out_.flush(fd_)) {
        dead_ = true;
        return;
    }
    if (read_paused_ && out_.bytes() <= Worker::kOutputBudget / 2) read_paused_ = false;
    if (state_ == State::closing && out_.empty() && !write_shut_) {
        // Our last bytes are out: send FIN so the peer sees the close, and
        // wait for its EOF rather than close() at once, which would reset the
        // connection if its data is still unread here and could destroy the
        // close frame or HTTP answer in flight.
        shutdown(fd_, SHUT_WR);
        write_shut_ = true;
    }
    (void)w;
}

void Connection::update_interest(Worker& w) {
    if (state_ == State::free) return;
    uint8_t want = 0;
    if (!read_paused_) want |= reactor::kReadable;
    if (!out_.empty()) want |= reactor::kWritable;
    if (want == interest_) return;
    auto& poller = w.loop().poller();
    const uint64_t token = Worker::token_of(slot_, generation_);
    const int err = interest_ == 0 ? poller.add(fd_, token, want)
                    : want == 0    ? poller.remove(fd_, interest_)
                                   : poller.modify(fd_, token, interest_, want);
    if (err != 0) {
        terminate(w);
        return;
    }
    interest_ = want;
}

uint64_t Connection::next_deadline(const Worker& w) const noexcept {
    const auto& cfg = w.config();
    if (state_ != State::open) return deadline_ms_;
    uint64_t next = UINT64_MAX;
    if (cfg.idle_timeout_ms) next = last_rx_ms_ + cfg.idle_timeout_ms;
    if (cfg.ping_interval_ms)
        next = std::min(next, std::max(last_rx_ms_, last_ping_ms_) + cfg.ping_interval_ms);
    return next;
}

// Keeps one timer pending at or before the next deadline. Timers cannot be
// cancelled; a stale one finds nothing due and re-arms only if needed.
void Connection::schedule(Worker& w) {
    const uint64_t next = next_deadline(w);
    if (next == UINT64_MAX) return;
    if (timer_at_ > w.now_ms() && timer_at_ <= next) return;
    w.loop().add_timer(next, Worker::token_of(slot_, generation_));
    timer_at_ = next;
}

void Connection::on_timer(Worker& w) {
    const uint64_t now = w.now_ms();
    const auto& cfg = w.config();
    if (state_ == State::handshake || state_ == State::closing) {
        if (now >= deadline_ms_) {
            terminate(w);
            return;
        }
    } else if (state_ == State::open) {
        if (cfg.idle_timeout_ms && now >= last_rx_ms_ + cfg.idle_timeout_ms) {
            start_close(w, ws::close_code::going_away, "idle timeout");
        } else if (cfg.ping_interval_ms &&
                   now >= std::max(last_rx_ms_, last_ping_ms_) + cfg.ping_interval_ms) {
            send_frame(w, Opcode::ping, {});
            last_ping_ms_ = now;
            ping_outstanding_ = true;
        }
    }
    if (dead_) {
        terminate(w);
        return;
    }
    update_interest(w);
    if (state_ != State::free) schedule(w);
}

}  // namespace wshub::app
