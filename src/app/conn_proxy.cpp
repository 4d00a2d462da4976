// A proxy route's client (README.md, "Proxy routes"): handed to an
// Upstream at the upgrade, opened when the upstream accepts, then its
// messages carried up piece by piece and the upstream's carried down,
// each side read only while the other keeps up (--queue-bytes), and the
// close of either side carried to the other.
#include "app/connection.h"
#include "app/log.h"
#include "app/worker.h"
#include "hub/frame.h"
#include "net/ip.h"

namespace wshub::app {
namespace {

class ProxyHandler final : public wshub::Handler {
public:
    void on_message(wshub::Conn&, std::string_view, wshub::MessageType) override {}
};

}  // namespace

wshub::Handler& proxy_handler() noexcept {
    static ProxyHandler handler;
    return handler;
}

void Connection::start_upstream(const http::Request& req, uint16_t route_index, std::unique_ptr<Admitted> admitted,
                                std::string_view key) {
    counted_ = true;
    route_index_ = route_index;
    admitted_ = std::move(admitted);
    // Only a trusted proxy's word on the scheme is taken (as its word on the
    // client's address is, in proxied.cpp).
    std::string_view proto = "http";
    if (via())
        if (const auto p = req.header("x-forwarded-proto"); p && (*p == "https" || *p == "http")) proto = *p;
    const std::string ip = net::ip_text(peer_);
    const ProxiedClient client{ip, proto, route()->auth, user()};
    hops().upstream = std::make_unique<Upstream>(w(), *this, route_index, upstream_offer(req, client), std::string(key));
    deadline_ = uint32_t(w().now_ms() + w().config().upstream_timeout_ms);
    schedule();
    upstream()->begin();
}

void Connection::on_upstream_ready(uint32_t events) {
    Upstream* up = upstream();
    if (!up) return;
    up->on_ready(events);
    if (dead_) {
        terminate();
        return;
    }
    update_interest();
}

void Connection::upstream_opened(std::string_view protocol) {
    // A drain began while the upstream was answering: no 101 for a client
    // about to be told to go (its upstream hears 1001 as it is closed).
    if (w().shared().draining()) {
        release_caps();
        return refuse(metrics::Reject::draining, 503, "server is shutting down\n");
    }
    state_ = State::open;
    decoder_.stream_messages();
    const Opening o{.route_index = route_index_,
                    .key = upstream()->client_key(),
                    .protocol = protocol,
                    .request = {},
                    .admitted = nullptr,
                    .deflate = nullptr};
    finish_open(o);
    // Frames the client sent behind its request, without waiting for the 101.
    if (hs_->head.size() > hs_->request_len && !dead_)
        on_frames(reinterpret_cast<uint8_t*>(hs_->head.data()) + hs_->request_len,
                  hs_->head.size() - hs_->request_len, false);
    hs_.reset();
}

void Connection::upstream_refused(int status, std::string_view why) {
    release_caps();
    refuse(metrics::Reject::upstream, status, why);
}

void Connection::upstream_piece(const ws::Event& piece) {
    if (state_ != State::open) return;
    const ws::Opcode op = !piece.first                         ? ws::Opcode::continuation
                          : piece.kind == ws::Event::Kind::text ? ws::Opcode::text
                                                                : ws::Opcode::binary;
    hub::Frame* f = hub::make_piece_frame(op, piece.payload, piece.last);
    const bool ok = f && enqueue(f);
    if (f) hub::release(f);
    if (!ok) return fail(ws::close_code::internal_error, "out of memory");
    w().mark_dirty(*this);
    // The client is behind: the upstream waits (after_flush lets it go on).
    if (out_.pending_bytes() > w().config().queue_bytes) upstream()->hold_reading(true);
}

void Connection::upstream_closed(uint16_t code, std::string_view reason) {
    if (state_ != State::open) return;
    start_close(code == ws::close_code::no_status ? 0 : code, reason);
}

void Connection::upstream_drained() { upstream_held_ = false; }

void Connection::mark_upstream_dirty() { w().mark_dirty(*this); }

// A piece of the client's message, on its way up. --max-msg-rate counts
// messages: the first piece of each.
void Connection::forward_up(const ws::Event& piece) {
    if (piece.first && !within_rate()) return;
    if (piece.last) w().counters().messages_received.add();
    w().counters().bytes_received.add(piece.payload.size());
    Upstream* up = upstream();
    up->forward(piece);
    if (up->queued() > w().config().queue_bytes) upstream_held_ = true;
}

}  // namespace wshub::app
