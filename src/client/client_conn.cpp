#include "client/client_conn.h"

#include "client/client_loop.h"
#include "net/socket.h"

namespace wshub::client {
namespace {

LinkContext context_for(const LinkContext& shared, const ClientOptions& options) {
    LinkContext ctx = shared;
    ctx.fragment_size = options.fragment_size;
    ctx.queue_bytes = options.queue_bytes;
    return ctx;
}

}  // namespace

ClientConn::ClientConn(ClientLoopCore& loop, uint32_t slot, uint64_t token, const ClientOptions& options,
                       ClientHandler& handler)
    : loop_(loop),
      handler_(handler),
      slot_(slot),
      token_(token),
      open_timeout_ms_(options.open_timeout_ms),
      url_(options.url),
      ctx_(context_for(loop.shared_context(), options)),
      link_(ctx_, *this, options.max_message, false) {}

void ClientConn::start(const net::Address& to, std::string request, std::string key, std::string protocols) {
    reactor::Loop& r = loop_.reactor();
    r.set_timer(slot_, r.now_ms() + open_timeout_ms_);
    bool done = false;
    const int fd = net::connect_to(to, done);
    if (fd < 0) return fail_later("connect failed");
    link_.start(fd, done, token_, std::move(request), std::move(key), std::move(protocols));
}

// A failure known before connect() returned: told from the loop's next pass.
void ClientConn::fail_later(std::string why) {
    link_.abandon();
    failure_ = std::move(why);
    reactor::Loop& r = loop_.reactor();
    r.set_timer(slot_, r.now_ms());
}

void ClientConn::on_ready(uint32_t events) { link_.on_ready(events); }

void ClientConn::on_timer() {
    if (told_) {
        // The server never closed its side after the close.
        link_.abandon();
        return;
    }
    if (!failure_.empty()) return tell_failed(0, failure_);
    if (link_.pending()) {
        link_.abandon();
        return tell_failed(0, "timed out");
    }
    // Our close went unanswered.
    link_.abandon();
    tell_closed(uint16_t(CloseCode::abnormal), "close timed out");
}

void ClientConn::tell_failed(int status, std::string_view why) {
    if (told_) return;
    told_ = true;
    loop_.reactor().cancel_timer(slot_);
    handler_.on_fail(*this, status, why);
}

void ClientConn::tell_closed(uint16_t code, std::string_view reason) {
    if (told_) return;
    told_ = true;
    handler_.on_close(*this, CloseCode{code}, reason);
    // What is left is the server's side of the close, for a bounded time.
    reactor::Loop& r = loop_.reactor();
    if (link_.phase() == Link::Phase::done) {
        r.cancel_timer(slot_);
    } else {
        r.set_timer(slot_, r.now_ms() + kCloseTimeoutMs);
    }
}

void ClientConn::link_failed(LinkFailure why, const LinkAnswer* answer) {
    switch (why) {
    case LinkFailure::connect:
        return tell_failed(0, "connect failed");
    case LinkFailure::refused:
        return tell_failed(answer->status, "upgrade refused: " + std::to_string(answer->status) + " " +
                                               std::string(answer->reason) + " (" + std::string(answer->why) + ")");
    case LinkFailure::invalid:
        if (!answer) return tell_failed(0, "connection closed before the answer");
        return tell_failed(0, "not a WebSocket upgrade answer: " + std::string(answer->why));
    }
}

void ClientConn::link_opened(std::string_view protocol) {
    loop_.reactor().cancel_timer(slot_);
    handler_.on_open(*this, protocol);
}

void ClientConn::link_message(const ws::Event& message) {
    if (told_) return;
    const MessageType type = message.kind == ws::Event::Kind::text ? MessageType::text : MessageType::binary;
    handler_.on_message(*this, message.payload, type);
}

void ClientConn::link_ended(LinkEnd how, uint16_t code, std::string_view reason) {
    (void)how;
    tell_closed(code, reason);
}

void ClientConn::link_queued() { loop_.mark_dirty(slot_); }

void ClientConn::link_drained() {
    if (!want_drain_ || told_) return;
    want_drain_ = false;
    handler_.on_drain(*this);
}

SendResult ClientConn::send_message(std::string_view data, MessageType type) {
    if (!open() || link_.close_sent()) return SendResult::closed;
    if (link_.queued() >= ctx_.queue_bytes) {
        want_drain_ = true;
        return SendResult::dropped;
    }
    link_.send(data, type == MessageType::text, true, true);
    return SendResult::queued;
}

bool ClientConn::send_ping(std::string_view payload) {
    if (!open() || link_.close_sent()) return false;
    link_.ping(payload);
    return true;
}

void ClientConn::begin_close(uint16_t code, std::string_view reason) {
    if (told_) return;
    if (link_.pending() || link_.phase() == Link::Phase::idle) return fail_later("closed before it opened");
    if (!ws::close_code_allowed_on_wire(code)) code = uint16_t(CloseCode::normal);
    link_.close(code, reason);
    reactor::Loop& r = loop_.reactor();
    r.set_timer(slot_, r.now_ms() + kCloseTimeoutMs);
}

}  // namespace wshub::client
