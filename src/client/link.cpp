#include "client/link.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "http/client_handshake.h"
#include "net/socket.h"

namespace wshub::client {
namespace {

// RFC 6455 5.5: a control frame's payload.
constexpr size_t kMaxControlPayload = 125;

}  // namespace

std::string new_client_key(ws::MaskSource& masks) {
    uint8_t random[16];
    masks.fill(random, sizeof random);
    return http::client_key(random);
}

Link::Link(const LinkContext& ctx, LinkOwner& owner, uint64_t max_message, bool streaming)
    : ctx_(ctx), owner_(owner), decoder_(max_message, ws::Side::client) {
    if (streaming) decoder_.stream_messages();
}

Link::~Link() {
    if (fd_ >= 0 && (phase_ == Phase::open || phase_ == Phase::closing)) write_out();
    close_socket();
}

void Link::start(int fd, bool done, uint64_t token, std::string request, std::string key, std::string protocols) {
    fd_ = fd;
    if (ctx_.sockets) ctx_.sockets->add(1);
    token_ = token;
    key_ = std::move(key);
    protocols_ = std::move(protocols);
    in_.clear();
    out_ = std::move(request);
    out_at_ = 0;
    phase_ = done ? Phase::upgrading : Phase::connecting;
    if (done) flush();
    update_interest();
}

void Link::fail(LinkFailure why, const LinkAnswer* answer) {
    close_socket();
    phase_ = Phase::done;
    owner_.link_failed(why, answer);
}

void Link::abandon() noexcept {
    close_socket();
    phase_ = Phase::done;
}

void Link::on_ready(uint32_t events) {
    if (phase_ == Phase::connecting) {
        if (!(events & (reactor::kWritable | reactor::kReadable))) return;
        if (net::connect_error(fd_) != 0) return fail(LinkFailure::connect, nullptr);
        phase_ = Phase::upgrading;
    }
    if (events & reactor::kReadable) on_readable();
    if (fd_ >= 0 && (events & reactor::kWritable)) flush();
    update_interest();
}

void Link::on_readable() {
    uint8_t* buf = ctx_.read_buffer;
    size_t n = 0;
    const net::IoStatus st = net::read_some(fd_, buf, ctx_.read_size, n);
    if (st == net::IoStatus::would_block) return;
    if (st != net::IoStatus::ok) {
        if (pending()) return fail(LinkFailure::invalid, nullptr);
        return lost();
    }
    if (ctx_.bytes_received) ctx_.bytes_received->add(n);
    if (phase_ == Phase::upgrading) {
        in_.append(reinterpret_cast<const char*>(buf), n);
        return take_answer();
    }
    on_frames(buf, n);
}

// The answer to the upgrade, as far as it has come.
void Link::take_answer() {
    const http::UpgradeResponse r = http::read_upgrade_response(in_, key_, protocols_, ctx_.max_head);
    using Outcome = http::UpgradeResponse::Outcome;
    if (r.outcome == Outcome::incomplete) return;
    if (r.outcome != Outcome::accepted) {
        const LinkAnswer answer{r.status, r.reason, r.why};
        return fail(r.outcome == Outcome::refused ? LinkFailure::refused : LinkFailure::invalid, &answer);
    }
    phase_ = Phase::open;
    const std::string protocol(r.protocol);
    std::string rest = in_.substr(r.head_len);
    std::string().swap(in_);
    std::string().swap(key_);
    std::string().swap(protocols_);
    owner_.link_opened(protocol);
    // Frames the peer sent right behind its 101.
    if (!rest.empty() && phase_ == Phase::open) on_frames(reinterpret_cast<uint8_t*>(rest.data()), rest.size());
}

void Link::on_frames(uint8_t* data, size_t len) {
    // After a protocol error, what comes is not read as frames: the peer
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

void Link::on_event(const ws::Event& ev) {
    using Kind = ws::Event::Kind;
    switch (ev.kind) {
    case Kind::none:
    case Kind::pong:
        return;
    case Kind::text:
    case Kind::binary:
        // Until the peer's close, even after ours: it may not have read ours yet.
        if (!ended_) owner_.link_message(ev);
        return;
    case Kind::ping:
        if (!close_sent_) queue_frame(ws::Opcode::pong, ev.payload, true);
        return;
    case Kind::close:
        // Answered with its own code, unless ours went first.
        if (!close_sent_) close(ev.code == ws::close_code::no_status ? 0 : ev.code, {});
        return end(LinkEnd::closed, ev.code, ev.reason);
    case Kind::error:
        broken_ = true;
        if (!close_sent_) close(ev.code, ev.reason);
        return end(LinkEnd::broken, ev.code, ev.reason);
    }
}

void Link::end(LinkEnd how, uint16_t code, std::string_view reason) {
    if (ended_) return;
    ended_ = true;
    owner_.link_ended(how, code, reason);
}

// The connection ended, or failed. After a close frame either way this is
// the end of the close handshake; before one, the link was lost.
void Link::lost() {
    close_socket();
    phase_ = Phase::done;
    end(LinkEnd::lost, ws::close_code::abnormal, {});
}

void Link::send(std::string_view payload, bool text, bool first, bool last) {
    if (phase_ != Phase::open) return;
    const ws::Opcode op = !first ? ws::Opcode::continuation : text ? ws::Opcode::text : ws::Opcode::binary;
    const uint64_t size = ctx_.fragment_size;
    for (ws::Opcode next = op;; next = ws::Opcode::continuation) {
        const size_t n = size == 0 ? payload.size() : std::min<size_t>(payload.size(), size);
        const bool whole = n == payload.size();
        queue_frame(next, payload.substr(0, n), whole && last);
        if (whole) return;
        payload.remove_prefix(n);
    }
}

void Link::ping(std::string_view payload) {
    if (phase_ == Phase::open) queue_frame(ws::Opcode::ping, payload.substr(0, kMaxControlPayload), true);
}

void Link::close(uint16_t code, std::string_view reason) {
    if (close_sent_ || (phase_ != Phase::open && phase_ != Phase::closing)) return;
    uint8_t payload[kMaxControlPayload];
    const size_t len = code ? ws::write_close_payload(payload, code, reason) : 0;
    queue_frame(ws::Opcode::close, {reinterpret_cast<const char*>(payload), len}, true);
    close_sent_ = true;
    if (phase_ == Phase::open) phase_ = Phase::closing;
}

void Link::queue_frame(ws::Opcode op, std::string_view payload, bool fin) {
    if (close_sent_) return;
    const uint32_t mask = ctx_.masks->next();
    uint8_t header[ws::kMaxClientHeader];
    const size_t header_len = ws::write_masked_header(header, op, payload.size(), fin, mask);
    const size_t at = out_.size();
    out_.resize(at + header_len + payload.size());
    auto* dst = reinterpret_cast<uint8_t*>(out_.data() + at);
    std::memcpy(dst, header, header_len);
    ws::mask_copy(dst + header_len, reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), mask, 0);
    owner_.link_queued();
}

// Writes what the socket takes now; false if the socket failed.
bool Link::write_out() noexcept {
    size_t sent = 0;
    bool ok = true;
    while (out_at_ < out_.size()) {
        iovec iov{out_.data() + out_at_, out_.size() - out_at_};
        size_t n = 0;
        const net::IoStatus st = net::write_some(fd_, &iov, 1, n);
        if (st == net::IoStatus::would_block) break;
        if (st != net::IoStatus::ok) {
            ok = false;
            break;
        }
        sent += n;
        out_at_ += n;
    }
    if (sent && ctx_.bytes_sent) ctx_.bytes_sent->add(sent);
    return ok;
}

void Link::flush() {
    if (fd_ < 0 || phase_ == Phase::connecting) return;
    if (!write_out()) {
        out_.clear();
        out_at_ = 0;
        if (pending()) return fail(LinkFailure::connect, nullptr);
        return lost();
    }
    if (out_at_ == out_.size()) {
        out_.clear();
        out_at_ = 0;
        if (out_.capacity() > 64 * 1024) std::string().swap(out_);
    } else if (out_at_ > out_.size() / 2) {
        out_.erase(0, out_at_);
        out_at_ = 0;
    }
    if (phase_ == Phase::open || phase_ == Phase::closing)
        if (queued() <= ctx_.queue_bytes / 2) owner_.link_drained();
    if (close_sent_ && queued() == 0 && phase_ == Phase::closing) ::shutdown(fd_, SHUT_WR);
    update_interest();
}

void Link::hold_reading(bool held) {
    if (read_held_ == held) return;
    read_held_ = held;
    update_interest();
}

void Link::update_interest() {
    if (fd_ < 0) return;
    uint8_t want = 0;
    if (phase_ == Phase::connecting) {
        want = reactor::kWritable;
    } else {
        if (!read_held_ || phase_ != Phase::open) want |= reactor::kReadable;
        if (queued() != 0) want |= reactor::kWritable;
    }
    if (want == interest_) return;
    reactor::Poller& poller = *ctx_.poller;
    const int err = interest_ == 0 ? poller.add(fd_, token_, want)
                    : want == 0    ? poller.remove(fd_, interest_)
                                   : poller.modify(fd_, token_, interest_, want);
    if (err != 0) {
        if (pending()) return fail(LinkFailure::connect, nullptr);
        return lost();
    }
    interest_ = want;
}

void Link::close_socket() noexcept {
    if (fd_ < 0) return;
    ::close(fd_);  // leaves the poller too
    fd_ = -1;
    interest_ = 0;
    if (ctx_.sockets) ctx_.sockets->sub(1);
}

}  // namespace wshub::client
