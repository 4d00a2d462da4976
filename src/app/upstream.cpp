#include "app/upstream.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "app/connection.h"
#include "app/worker.h"
#include "http/client_handshake.h"
#include "metrics/clock.h"
#include "net/socket.h"

namespace wshub::app {

using Failure = metrics::UpstreamFailure;

// What the client is told when its upstream fails it once open (the IANA
// registry of RFC 6455 close codes: "Bad Gateway").
constexpr uint16_t kBadGateway = 1014;

Upstream::Upstream(Worker& w, Connection& owner, uint16_t route, UpstreamOffer offer, std::string client_key)
    : w_(w),
      owner_(owner),
      route_(route),
      offer_(std::move(offer)),
      client_key_(std::move(client_key)),
      decoder_(w.config().max_message, ws::Side::client) {
    decoder_.stream_messages();
}

Upstream::~Upstream() {
    if (phase_ == Phase::open || phase_ == Phase::closing) {
        // The client is gone: the upstream hears so in a close frame, if
        // one fits in what the socket takes now, before the FIN.
        if (!close_sent_) close_up(ws::close_code::going_away, "client gone");
        flush();
    }
    close_socket();
}

uint64_t Upstream::token() const noexcept {
    return Worker::token_of(owner_.slot(), owner_.generation()) | kUpstreamBit;
}

void Upstream::begin() {
    started_us_ = metrics::now_us();
    connect_next();
}

// The next upstream, until one takes the connect or every one was tried.
void Upstream::connect_next() {
    const config::Route& route = w_.config().routes[route_];
    while (tries_ < route.upstreams.size()) {
        ++tries_;
        index_ = w_.upstream_picker().pick(route_, w_.now_ms());
        const config::UpstreamUrl& up = route.upstreams[index_];
        bool done = false;
        fd_ = net::connect_to(up.address, done);
        if (fd_ < 0) {
            w_.counters().upstream_failure(Failure::connect);
            w_.upstream_picker().failed(route_, index_, w_.now_ms());
            continue;
        }
        w_.counters().upstream_open.add(1);  // given back by close_socket
        uint8_t random[16];
        for (int i = 0; i < 16; i += 4) {
            const uint32_t r = w_.mask_source().next();
            std::memcpy(random + i, &r, 4);
        }
        key_ = http::client_key(random);
        out_.clear();
        out_at_ = 0;
        write_upstream_request(offer_, up, key_, out_);
        phase_ = done ? Phase::upgrading : Phase::connecting;
        if (done) flush();
        update_interest();
        return;
    }
    fail(Failure::connect, 502, "upstream connect failed");
}

// The client gets `status` (502, 504) with `text`; the upstream tried last
// is set aside.
void Upstream::fail(Failure why, int status, std::string_view text, bool set_aside) {
    if (fd_ >= 0) {
        w_.counters().upstream_failure(why);
        if (set_aside) w_.upstream_picker().failed(route_, index_, w_.now_ms());
    }
    close_socket();
    phase_ = Phase::done;
    owner_.upstream_refused(status, text);
}

void Upstream::timed_out() {
    if (pending()) fail(Failure::timeout, 504, "upstream did not answer in time");
}

void Upstream::on_ready(uint32_t events) {
    if (phase_ == Phase::connecting) {
        if (!(events & (reactor::kWritable | reactor::kReadable))) return;
        if (const int error = net::connect_error(fd_); error != 0) {
            w_.counters().upstream_failure(Failure::connect);
            w_.upstream_picker().failed(route_, index_, w_.now_ms());
            close_socket();
            connect_next();
            return;
        }
        phase_ = Phase::upgrading;
    }
    if (events & reactor::kReadable) on_readable();
    if (phase_ != Phase::done && (events & reactor::kWritable)) flush();
    update_interest();
}

void Upstream::on_readable() {
    uint8_t* buf = w_.read_buffer();
    size_t n = 0;
    const net::IoStatus st = net::read_some(fd_, buf, Worker::kReadBufferSize, n);
    if (st == net::IoStatus::would_block) return;
    if (st != net::IoStatus::ok) {
        if (pending()) return fail(Failure::invalid, 502, "upstream closed the connection before answering");
        if (close_sent_ || phase_ != Phase::open) {
            // The end of a close handshake (or of an upstream already lost).
            close_socket();
            phase_ = Phase::done;
            return;
        }
        return lost();
    }
    w_.counters().upstream_bytes_received.add(n);
    if (phase_ == Phase::upgrading) {
        in_.append(reinterpret_cast<const char*>(buf), n);
        return take_answer(n);
    }
    on_frames(buf, n);
}

// The upstream's answer to the upgrade, as far as it has come.
void Upstream::take_answer(size_t added) {
    (void)added;
    const http::UpgradeResponse r =
        http::read_upgrade_response(in_, key_, offer_.protocols, w_.config().max_header_bytes);
    using Outcome = http::UpgradeResponse::Outcome;
    switch (r.outcome) {
    case Outcome::incomplete:
        return;
    case Outcome::refused: {
        std::string text = "upstream refused the upgrade: " + std::to_string(r.status) + " " + std::string(r.reason);
        if (r.status >= 300 && r.status < 400) text += " (" + std::string(r.why) + ")";
        // A refusal is the upstream's answer to this client: only a 5xx
        // says it is unwell.
        return fail(Failure::refused, 502, text, r.status >= 500);
    }
    case Outcome::invalid:
        return fail(Failure::invalid, 502, "upstream's answer is not a WebSocket upgrade: " + std::string(r.why));
    case Outcome::accepted:
        break;
    }
    phase_ = Phase::open;
    w_.counters().upstream_connects.add();
    w_.counters().upstream_handshake.observe(metrics::now_us() - started_us_);
    w_.upstream_picker().succeeded(route_, index_);
    const std::string protocol(r.protocol);
    std::string rest = in_.substr(r.head_len);
    std::string().swap(in_);
    offer_ = {};
    owner_.upstream_opened(protocol);
    std::string().swap(client_key_);
    // Frames the upstream sent right behind its 101.
    if (!rest.empty() && phase_ == Phase::open) on_frames(reinterpret_cast<uint8_t*>(rest.data()), rest.size());
}

void Upstream::on_frames(uint8_t* data, size_t len) {
    // After a protocol error, what comes is not read as frames: the upstream
    // was told, and only its EOF is waited for.
    while (len > 0 && !broken_ && (phase_ == Phase::open || phase_ == Phase::closing)) {
        ws::Event ev;
        const size_t used = decoder_.feed(data, len, ev);
        data += used;
        len -= used;
        on_event(ev);
        if (used == 0 && ev.kind == ws::Event::Kind::none) break;
    }
}

void Upstream::on_event(const ws::Event& ev) {
    using Kind = ws::Event::Kind;
    switch (ev.kind) {
    case Kind::none:
    case Kind::pong:
        return;
    case Kind::text:
    case Kind::binary:
        if (phase_ == Phase::open) owner_.upstream_piece(ev);
        return;
    case Kind::ping:
        if (!close_sent_) queue_frame(ws::Opcode::pong, ev.payload, true);
        return;
    case Kind::close: {
        // Answered with its own code, and carried to the client.
        const bool first = !close_sent_;
        if (first) close_up(ev.code == ws::close_code::no_status ? 0 : ev.code, {});
        if (first) owner_.upstream_closed(ev.code, ev.reason);
        return;
    }
    case Kind::error: {
        // The upstream broke the protocol: it hears why, the client that
        // its upstream failed (1014, RFC 6455's registry: bad gateway).
        const bool was_open = phase_ == Phase::open;
        broken_ = true;
        if (!close_sent_) close_up(ev.code, ev.reason);
        w_.counters().upstream_failure(Failure::protocol);
        if (was_open) owner_.upstream_closed(kBadGateway, "upstream broke the protocol");
        return;
    }
    }
}

// Its connection ended, or failed, without a close frame.
void Upstream::lost() {
    const bool was_open = phase_ == Phase::open;
    w_.counters().upstream_failure(Failure::lost);
    close_socket();
    phase_ = Phase::done;
    if (was_open) owner_.upstream_closed(kBadGateway, "upstream connection lost");
}

void Upstream::forward(const ws::Event& piece) {
    if (phase_ != Phase::open) return;
    const ws::Opcode op = !piece.first                         ? ws::Opcode::continuation
                          : piece.kind == ws::Event::Kind::text ? ws::Opcode::text
                                                                : ws::Opcode::binary;
    queue_frame(op, piece.payload, piece.last);
}

void Upstream::client_closed(uint16_t code, std::string_view reason) {
    if (close_sent_ || (phase_ != Phase::open && phase_ != Phase::closing)) return;
    if (code == ws::close_code::no_status) code = 0;
    if (code == ws::close_code::abnormal || (code != 0 && !ws::close_code_allowed_on_wire(code))) {
        code = ws::close_code::going_away;
        reason = "client gone";
    }
    close_up(code, reason);
    flush();
}

// Our close frame (code 0: an empty one); nothing more goes up after it.
void Upstream::close_up(uint16_t code, std::string_view reason) {
    uint8_t payload[125];
    const size_t len = code ? ws::write_close_payload(payload, code, reason) : 0;
    queue_frame(ws::Opcode::close, {reinterpret_cast<const char*>(payload), len}, true);
    close_sent_ = true;
    if (phase_ == Phase::open) phase_ = Phase::closing;
}

void Upstream::queue_frame(ws::Opcode op, std::string_view payload, bool fin) {
    if (close_sent_) return;
    const uint32_t mask = w_.mask_source().next();
    uint8_t header[ws::kMaxClientHeader];
    const size_t header_len = ws::write_masked_header(header, op, payload.size(), fin, mask);
    const size_t at = out_.size();
    out_.resize(at + header_len + payload.size());
    auto* dst = reinterpret_cast<uint8_t*>(out_.data() + at);
    std::memcpy(dst, header, header_len);
    ws::mask_copy(dst + header_len, reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), mask, 0);
    owner_.mark_upstream_dirty();
}

void Upstream::flush() {
    if (fd_ < 0 || phase_ == Phase::connecting) return;
    const size_t budget = w_.config().queue_bytes;
    while (out_at_ < out_.size()) {
        iovec iov{out_.data() + out_at_, out_.size() - out_at_};
        size_t n = 0;
        const net::IoStatus st = net::write_some(fd_, &iov, 1, n);
        if (st == net::IoStatus::would_block) break;
        if (st != net::IoStatus::ok) {
            if (pending()) return fail(Failure::connect, 502, "upstream connection failed");
            out_.clear();
            out_at_ = 0;
            return lost();
        }
        w_.counters().upstream_bytes_sent.add(n);
        out_at_ += n;
    }
    if (out_at_ == out_.size()) {
        out_.clear();
        out_at_ = 0;
        if (out_.capacity() > 64 * 1024) std::string().swap(out_);
    } else if (out_at_ > out_.size() / 2) {
        out_.erase(0, out_at_);
        out_at_ = 0;
    }
    // Down to half: the client may be read again (whoever called this
    // updates its interest next).
    if (queued() <= budget / 2) owner_.upstream_drained();
    if (close_sent_ && queued() == 0 && phase_ == Phase::closing) ::shutdown(fd_, SHUT_WR);
    update_interest();
}

void Upstream::hold_reading(bool held) {
    if (read_held_ == held) return;
    read_held_ = held;
    update_interest();
}

void Upstream::update_interest() {
    if (fd_ < 0) return;
    uint8_t want = 0;
    if (phase_ == Phase::connecting) {
        want = reactor::kWritable;
    } else {
        if (!read_held_ || phase_ != Phase::open) want |= reactor::kReadable;
        if (queued() != 0) want |= reactor::kWritable;
    }
    if (want == interest_) return;
    auto& poller = w_.loop().poller();
    const int err = interest_ == 0 ? poller.add(fd_, token(), want)
                    : want == 0    ? poller.remove(fd_, interest_)
                                   : poller.modify(fd_, token(), interest_, want);
    if (err != 0) {
        if (pending()) return fail(Failure::connect, 502, "upstream connection failed");
        return lost();
    }
    interest_ = want;
}

void Upstream::close_socket() noexcept {
    if (fd_ < 0) return;
    ::close(fd_);  // leaves the poller too
    fd_ = -1;
    interest_ = 0;
    w_.counters().upstream_open.sub(1);
}

}  // namespace wshub::app
