// The fanout scenario: --subscribers connections join a room, then
// --publishers more join it and publish. Each message carries its publisher's
// index, a sequence number and its send time; every receiver checks, per
// publisher, that sequence numbers arrive complete and in order. The payload
// (fanout_payload.h) is letters after a binary header, or with --json a chat
// message. With --deflate every connection offers permessage-deflate, and a
// compressed message (RSV1) is gathered whole and inflated back
// (message_inflater.h) before the same checks. With several --url (a
// cluster's nodes) the subscribers are split over them and the publishers
// dial the first. With --protocol socketio the same payloads travel as
// Socket.IO events (socketio.h), unwrapped before the same checks.
//
// Flow control: a publisher keeps at most --inflight messages in flight, and a
// message leaves the window once EVERY live subscriber has it (not just one
// tracker), so no subscriber's send queue on the server can hold more than
// publishers x inflight of these messages: far under wshub's default
// --queue-messages 1024 for the usual shapes, so zero loss is expected.
//
// Cost: one thread, one level-triggered epoll set, one 256 KiB read buffer
// shared by every connection, frames decoded in place (only a message's first
// bytes, its header, are gathered, in case a read splits them: the whole
// message only when its content is checked or it is compressed), no
// allocation per message once each buffer has grown. Sends are batched: after
// each epoll batch, every publisher whose window moved writes all it may send
// in one write.
//
// Here: dialing, setup, the event loop, flow control, sending and closing;
// the state in fanout_run.h, the receiving side in fanout_receive.cpp, the
// summary in fanout_report.cpp.
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "clock.h"
#include "fanout_run.h"
#include "masked_frame.h"
#include "report.h"
#include "scenarios.h"
#include "socketio_session.h"

namespace wsbench {

namespace fanout {

int FanoutRun::run() {
    epfd_ = open_epoll();
    if (epfd_ < 0) return 1;
    opcode_ = opts_.text ? Opcode::text : Opcode::binary;
    progress_ = progress_enabled();

    if (progress_) draw_progress("wsbench fanout: connecting " + std::to_string(opts_.subscribers) + " subscribers...");
    int64_t t0 = now_ns();
    std::vector<DialedConn> subs = dial(opts_.subscribers, opts_.targets.size(), true, sub_dial_);
    int64_t t1 = now_ns();
    sub_dial_s_ = double(t1 - t0) / 1e9;
    std::vector<DialedConn> pubs;
    if (!subs.empty()) {
        // Every subscriber is a member now (wshub joins rooms before its 101;
        // Socket.IO acked the join), though maybe not yet on other nodes' bus.
        if (opts_.settle_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(opts_.settle_s));
        t1 = now_ns();
        if (progress_) draw_progress("wsbench fanout: connecting " + std::to_string(opts_.publishers) + " publishers...");
        pubs = dial(opts_.publishers, 1, false, pub_dial_);
        pub_dial_s_ = double(now_ns() - t1) / 1e9;
    }
    if (progress_) finish_progress();
    if (subs.empty() || pubs.empty()) {
        const std::string& why = subs.empty() ? sub_dial_.first_error : pub_dial_.first_error;
        std::fprintf(stderr, "wsbench: no %s could be opened: %s\n", subs.empty() ? "subscriber" : "publisher",
                     why.c_str());
        for (auto& d : subs) close(d.fd);
        for (auto& d : pubs) close(d.fd);
    } else if (setup(subs, pubs)) {
        loop();
        if (progress_) finish_progress();
    } else {
        return 1;
    }
    for (auto& c : conns_)
        if (c.fd >= 0) close(c.fd);
    close(epfd_);
    return report();
}

// Dials count connections split evenly over the first `targets` URLs (the
// first ones taking the remainder); with --protocol socketio, opens a
// Socket.IO session on each, a subscriber's (join) joining the room.
std::vector<DialedConn> FanoutRun::dial(uint32_t count, size_t targets, bool join, DialStats& stats) {
    std::vector<DialedConn> all;
    for (size_t t = 0; t < targets; ++t) {
        const uint32_t share = uint32_t(count / targets + (t < count % targets ? 1 : 0));
        if (share == 0) continue;
        std::vector<DialedConn> part = dial_target(opts_.targets[t], share, stats);
        if (opts_.socketio) part = open_sio_sessions(part, join ? opts_.room : "", opts_.dial_timeout_s, stats);
        for (auto& d : part) all.push_back(std::move(d));
    }
    return all;
}

// Dials with an epoll set of its own, closed afterwards (which unregisters
// every socket from it), so that sockets dialed earlier cannot show up there
// under a dialer's token.
std::vector<DialedConn> FanoutRun::dial_target(const Target& target, uint32_t count, DialStats& stats) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        stats.first_error = std::string("epoll_create1: ") + std::strerror(errno);
        stats.connect_errors = count;
        return {};
    }
    Options o = opts_;
    o.target = target;
    o.connections = count;
    std::vector<DialedConn> out = dial_all(ep, o, masks_, stats);
    close(ep);
    return out;
}

bool FanoutRun::setup(std::vector<DialedConn>& subs, std::vector<DialedConn>& pubs) {
    const size_t n = subs.size() + pubs.size();
    const size_t np = pubs.size();
    // A Socket.IO packet: its event around the payload, each byte escaped at worst as \u00XX.
    const uint64_t sio_max = opts_.size * 6 + opts_.room.size() * 6 + 64;
    if (opts_.socketio) sio_pub_.emplace(opts_.room);
    frame_len_ = masked_frame_size(opts_.socketio ? sio_max : opts_.size);
    if (opts_.rate > 0) interval_ns_ = int64_t(1e9 / opts_.rate) > 0 ? int64_t(1e9 / opts_.rate) : 1;
    rbuf_ = std::make_unique<uint8_t[]>(kReadBuffer);
    seq_arena_.assign(n * np, 0);
    ring_ = 1;
    while (ring_ < opts_.inflight) ring_ *= 2;
    got_arena_.assign(np * ring_, 0);
    conns_.resize(n);
    pubs_.resize(np);
    dirty_.reserve(np);
    subs_opened_ = uint32_t(subs.size());
    alive_subs_ = subs_opened_;

    // A compressed message may come out a little longer than the original.
    const uint64_t max_sent = opts_.socketio ? sio_max : opts_.deflate ? opts_.size + opts_.size / 16 + 64 : opts_.size;
    for (size_t i = 0; i < n; ++i) {
        Conn& c = conns_[i];
        c.id = uint32_t(i);
        c.next_seq = seq_arena_.data() + i * np;
        c.deflate = (i < subs.size() ? subs[i] : pubs[i - subs.size()]).deflate;
        c.decoder = ServerFrames(max_sent, c.deflate.accepted);
    }
    for (size_t i = 0; i < subs.size(); ++i)
        if (!add_conn(i, subs[i].fd, -1)) return false;
    for (size_t j = 0; j < np; ++j) {
        Pub& p = pubs_[j];
        p.conn = uint32_t(subs.size() + j);
        p.got = got_arena_.data() + j * ring_;
        conns_[p.conn].out.reserve(size_t(opts_.inflight) * frame_len_ + 256);
        if (!add_conn(p.conn, pubs[j].fd, int64_t(j))) return false;
    }
    alive_ = n;

    window_.begin(opts_, now_ns());
    cpu_.set_servers(opts_.server_pids);
    cpu_.take_start(window_.start, window_.warm_end);
    // Spread the publishers' schedules over one interval.
    for (size_t j = 0; j < np; ++j) pubs_[j].due = window_.start + int64_t(double(interval_ns_) * double(j) / double(np));
    // Frames that arrived with a 101 would be unsolicited: feed them anyway.
    now_ = now_ns();
    for (size_t i = 0; i < n; ++i) {
        DialedConn& d = i < subs.size() ? subs[i] : pubs[i - subs.size()];
        if (!d.leftover.empty() && conns_[i].alive)
            feed(conns_[i], reinterpret_cast<uint8_t*>(d.leftover.data()), d.leftover.size());
    }
    for (size_t j = 0; j < np; ++j) {
        pubs_[j].dirty = true;
        dirty_.push_back(uint32_t(j));
    }
    next_due_ = opts_.rate > 0 ? window_.start : kNever;
    pump(now_ns());
    return true;
}

bool FanoutRun::add_conn(size_t index, int fd, int64_t pub) {
    Conn& c = conns_[index];
    c.fd = fd;
    c.pub = pub;
    c.alive = true;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = index;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        std::fprintf(stderr, "wsbench: epoll_ctl: %s\n", std::strerror(errno));
        return false;
    }
    return true;
}

void FanoutRun::loop() {
    std::vector<epoll_event> events(1024);
    while (alive_ > 0) {
        int64_t now = now_ns();
        tick(now);
        if (phase_ == Phase::running && now >= window_.end) {
            // Stop publishing; wait for what is in flight before checking the tails.
            phase_ = Phase::draining;
            cpu_.take_end(now);
            deadline_ = now + kDrainWaitNs;
            next_drain_check_ = now;
        }
        if (phase_ == Phase::draining && now >= next_drain_check_) {
            next_drain_check_ = now + kDrainCheckNs;
            if (now >= deadline_ || drained()) {
                count_missing();
                phase_ = Phase::closing;
                deadline_ = now + kCloseWaitNs;
                for (auto& c : conns_)
                    if (c.alive) start_closing(c);
                continue;
            }
        }
        if (phase_ == Phase::closing && now >= deadline_) break;

        int64_t wake = deadline_;
        if (phase_ == Phase::running) {
            wake = now < window_.warm_end ? window_.warm_end : window_.end;
            if (next_due_ < wake) wake = next_due_;
        }
        if (phase_ == Phase::draining && next_drain_check_ < wake) wake = next_drain_check_;
        if (progress_ && window_.next_tick < wake) wake = window_.next_tick;
        int timeout_ms = wake <= now ? 0 : int((wake - now + 999'999) / 1'000'000);
        Waited w = wait_and_dispatch(
            epfd_, events, timeout_ms, conns_, [this](Conn& c) { on_readable(c); }, [this](Conn& c) { flush(c); });
        if (w == Waited::failed) break;
        if (w == Waited::interrupted) continue;
        pump(now_ns());
    }
    if (!cpu_.end_taken()) cpu_.take_end(now_ns());  // every connection failed early
    if (phase_ != Phase::closing) count_missing();
    for (auto& c : conns_)
        if (c.alive && c.closing) {
            ++errors_.close_handshake;
            note(kNoCloseBack);
        }
}

void FanoutRun::tick(int64_t now) {
    cpu_.take_start(now, window_.warm_end);
    if (!progress_ || now < window_.next_tick) return;
    const char* phase = window_.tick_phase("draining");
    double seconds = window_.tick_seconds(now);
    uint64_t errs = errors_.protocol + errors_.closed;
    draw_progress("wsbench fanout: " + fmt(double(now - window_.start) / 1e9, 0) + " s " + phase + "  subscribers " +
                  std::to_string(alive_subs_) + "  published/s " +
                  fmt(double(published_total_ - published_at_tick_) / seconds, 0) + "  deliveries/s " +
                  fmt(double(deliveries_total_ - deliveries_at_tick_) / seconds, 0) + "  loss " +
                  std::to_string(loss_) + "  errors " + std::to_string(errs));
    published_at_tick_ = published_total_;
    deliveries_at_tick_ = deliveries_total_;
    window_.tick_done(now);
}

void FanoutRun::credit(Pub& p, uint64_t seq) {
    if (seq >= p.acked && seq < p.sent) ++p.got[seq & (ring_ - 1)];
}

// Moves the window past every message each live subscriber has.
void FanoutRun::advance(Pub& p) {
    bool moved = false;
    while (p.acked < p.sent && p.got[p.acked & (ring_ - 1)] >= alive_subs_) {
        p.got[p.acked & (ring_ - 1)] = 0;
        ++p.acked;
        moved = true;
    }
    if (moved && !p.dirty) {
        p.dirty = true;
        dirty_.push_back(uint32_t(&p - pubs_.data()));
    }
}

// Lets every publisher whose window moved (or, with --rate, whose next
// message fell due) send what it may, one write each.
void FanoutRun::pump(int64_t now) {
    if (phase_ != Phase::running) {
        for (uint32_t j : dirty_) pubs_[j].dirty = false;
        dirty_.clear();
        return;
    }
    if (interval_ns_ > 0 && now >= next_due_) {
        next_due_ = kNever;
        for (uint32_t j : dirty_) pubs_[j].dirty = false;
        dirty_.clear();
        for (auto& p : pubs_) fill(p, now);
        return;
    }
    // fill() never adds to dirty_ (it only writes to publishers' sockets).
    for (uint32_t j : dirty_) {
        pubs_[j].dirty = false;
        fill(pubs_[j], now);
    }
    dirty_.clear();
}

void FanoutRun::fill(Pub& p, int64_t now) {
    if (p.dead) return;
    Conn& c = conns_[p.conn];
    if (!c.alive || c.closing) return;
    bool any = false;
    while (p.sent - p.acked < opts_.inflight) {
        if (interval_ns_ > 0) {
            if (p.due > now) {
                if (p.due < next_due_) next_due_ = p.due;
                break;
            }
            p.due += interval_ns_;
        }
        append_message(p, c, now);
        any = true;
    }
    if (any) flush(c);
}

// Queues the next message of p: a fresh mask key per frame (RFC 6455 5.3),
// and the payload with p's header in it, masked as it is copied in.
void FanoutRun::append_message(Pub& p, Conn& c, int64_t now) {
    const uint8_t* body = payload_.write({uint32_t(&p - pubs_.data()), p.sent, uint64_t(now)});
    size_t len = opts_.size;
    if (sio_pub_) {
        const std::string_view packet = sio_pub_->packet(body, len);
        body = reinterpret_cast<const uint8_t*>(packet.data());
        len = packet.size();
    }
    write_masked_frame(c.out.append(masked_frame_size(len)), opcode_, body, len, masks_.next());

    p.got[p.sent & (ring_ - 1)] = 0;
    ++p.sent;
    ++published_total_;
    if (window_.measuring(now)) ++published_measured_;
}

void FanoutRun::flush(Conn& c) {
    if (!c.alive) return;
    while (c.out.size() > 0) {
        ssize_t w = write(c.fd, c.out.data(), c.out.size());
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) return watch_out(epfd_, c, true);
        if (w < 0) {
            if (!c.closing) return fail(c, &Errors::closed, std::string("write: ") + std::strerror(errno));
            return drop(c);  // the server may close first; the missing close frame is counted at the end
        }
        c.out.consume(size_t(w));
        if (c.out.size() > 0) return watch_out(epfd_, c, true);  // the socket buffer is full
    }
    watch_out(epfd_, c, false);
}

// Also queues a Socket.IO pong (a text frame): whole frames go out in order.
void FanoutRun::queue_control(Conn& c, Opcode op, const uint8_t* payload, size_t n) {
    write_masked_frame(c.out.append(masked_frame_size(n)), op, payload, n, masks_.next());
}

void FanoutRun::on_control(const wshub::ws::Event& e) {
    using Kind = wshub::ws::Event::Kind;
    Conn& c = *cur_;
    if (e.kind == Kind::ping) {
        if (!c.closing) {
            queue_control(c, Opcode::pong, reinterpret_cast<const uint8_t*>(e.payload.data()), e.payload.size());
            flush(c);
            cur_failed_ = !c.alive;  // the write failed (and was counted): read no further
        }
    } else if (e.kind == Kind::close) {
        if (!c.closing) {
            ++errors_.closed;
            std::string reason = e.reason.empty() ? "" : " \"" + std::string(e.reason) + "\"";
            note(conn_name(c, subs_opened_) + ": server sent close " + std::to_string(e.code) + reason + " mid-run");
        }
        // Either the reply to our close, or the server's own: nothing more to say.
        cur_failed_ = true;
    }
    // A pong: unsolicited, allowed, ignored.
}

// Queues close 1000 behind whatever whole frames are still queued.
void FanoutRun::start_closing(Conn& c) {
    static const uint8_t kNormal[2] = {0x03, 0xE8};  // 1000
    queue_control(c, Opcode::close, kNormal, sizeof kNormal);
    c.closing = true;
    flush(c);
}

// True once every live receiver has every message sent by a live publisher
// (a publisher's own messages only if it has been receiving them: --echo-self).
bool FanoutRun::drained() const {
    for (const auto& p : pubs_)
        if (!p.dead && p.acked < p.sent) return false;
    for (const auto& p : pubs_) {
        const Conn& r = conns_[p.conn];
        if (!r.alive) continue;
        for (size_t j = 0; j < pubs_.size(); ++j) {
            const Pub& q = pubs_[j];
            if (q.dead || (&q == &p && r.next_seq[j] == 0)) continue;
            if (r.next_seq[j] < q.sent) return false;
        }
    }
    return true;
}

// After the drain wait: whatever a live receiver still lacks is lost.
void FanoutRun::count_missing() {
    for (auto& r : conns_) {
        if (!r.alive) continue;
        for (size_t j = 0; j < pubs_.size(); ++j) {
            const Pub& q = pubs_[j];
            uint64_t& next = r.next_seq[j];
            if (q.dead || (r.pub == int64_t(j) && next == 0) || next >= q.sent) continue;
            loss_ += q.sent - next;
            note(conn_name(r, subs_opened_) + ": publisher " + std::to_string(j) + "'s messages " +
                 std::to_string(next) + " to " + std::to_string(q.sent - 1) + " had not arrived " +
                 std::to_string(kDrainWaitNs / 1'000'000'000) + " s after the run");
            next = q.sent;
        }
    }
}

void FanoutRun::note(const std::string& why) { errors_.note(why); }

void FanoutRun::fail(Conn& c, uint64_t Errors::*kind, const std::string& why) {
    ++(errors_.*kind);
    note(conn_name(c, subs_opened_) + ": " + why);
    drop(c);
}

void FanoutRun::drop(Conn& c) {
    if (!c.alive) return;
    close(c.fd);
    c.fd = -1;
    c.alive = false;
    --alive_;
    if (c.pub >= 0) {
        pubs_[size_t(c.pub)].dead = true;
        return;
    }
    // One subscriber fewer to wait for.
    --alive_subs_;
    for (auto& p : pubs_) advance(p);
}

}  // namespace fanout

int run_fanout(const Options& opts) {
    using fanout::FanoutRun;
    // Each subscriber's send queue on the server may hold every publisher's window.
    const uint64_t queued = uint64_t(opts.publishers) * opts.inflight;
    if (queued > 1024 || queued * (opts.size + 10) > 1024 * 1024)
        std::fprintf(stderr,
                     "wsbench: warning: publishers x inflight = %llu messages (%llu bytes) may be queued for one "
                     "subscriber, over wshub's default --queue-messages 1024 / --queue-bytes 1MiB\n",
                     static_cast<unsigned long long>(queued),
                     static_cast<unsigned long long>(queued * (opts.size + 10)));
    return FanoutRun(opts).run();
}

}  // namespace wsbench