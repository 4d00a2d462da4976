#include "app/upstream.h"

#include "app/connection.h"
#include "app/worker.h"
#include "metrics/clock.h"
#include "net/socket.h"

namespace wshub::app {

using Failure = metrics::UpstreamFailure;

Upstream::Upstream(Worker& w, Connection& owner, uint16_t route, UpstreamOffer offer, std::string client_key)
    : w_(w),
      owner_(owner),
      route_(route),
      offer_(std::move(offer)),
      client_key_(std::move(client_key)),
      link_(w.upstream_links(), *this, w.config().max_message, true) {}

Upstream::~Upstream() {
    gone_ = true;
    link_.close(ws::close_code::going_away, "client gone");
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
        const int fd = net::connect_to(up.address, done);
        if (fd < 0) {
            w_.counters().upstream_failure(Failure::connect);
            w_.upstream_picker().failed(route_, index_, w_.now_ms());
            continue;
        }
        std::string key = client::new_client_key(w_.mask_source());
        std::string request;
        write_upstream_request(offer_, up, key, request);
        const uint64_t token = Worker::token_of(owner_.slot(), owner_.generation()) | kUpstreamBit;
        // A failure at once comes back through link_failed, which goes on
        // to the next upstream from here.
        return link_.start(fd, done, token, std::move(request), std::move(key), offer_.protocols);
    }
    fail(Failure::connect, 502, "upstream connect failed");
}

// The client gets `status` (502, 504) with `text`; the upstream tried last
// is set aside.
void Upstream::fail(Failure why, int status, std::string_view text, bool set_aside) {
    if (why != Failure::connect) {
        w_.counters().upstream_failure(why);
        if (set_aside) w_.upstream_picker().failed(route_, index_, w_.now_ms());
    }
    owner_.upstream_refused(status, text);
}

void Upstream::timed_out() {
    if (!link_.pending()) return;
    link_.abandon();
    fail(Failure::timeout, 504, "upstream did not answer in time");
}

void Upstream::link_failed(client::LinkFailure why, const client::LinkAnswer* answer) {
    using client::LinkFailure;
    switch (why) {
    case LinkFailure::connect:
        w_.counters().upstream_failure(Failure::connect);
        w_.upstream_picker().failed(route_, index_, w_.now_ms());
        return connect_next();
    case LinkFailure::refused: {
        std::string text = "upstream refused the upgrade: " + std::to_string(answer->status) + " " +
                           std::string(answer->reason);
        if (answer->status >= 300 && answer->status < 400) text += " (" + std::string(answer->why) + ")";
        // A refusal is the upstream's answer to this client: only a 5xx
        // says it is unwell.
        return fail(Failure::refused, 502, text, answer->status >= 500);
    }
    case LinkFailure::invalid:
        if (!answer) return fail(Failure::invalid, 502, "upstream closed the connection before answering");
        return fail(Failure::invalid, 502, "upstream's answer is not a WebSocket upgrade: " + std::string(answer->why));
    }
}

void Upstream::link_opened(std::string_view protocol) {
    w_.counters().upstream_connects.add();
    w_.counters().upstream_handshake.observe(metrics::now_us() - started_us_);
    w_.upstream_picker().succeeded(route_, index_);
    offer_ = {};
    owner_.upstream_opened(protocol);
    std::string().swap(client_key_);
}

void Upstream::link_message(const ws::Event& piece) { owner_.upstream_piece(piece); }

// What the client is told when its upstream fails it once open (the IANA
// registry of RFC 6455 close codes: "Bad Gateway").
constexpr uint16_t kBadGateway = 1014;

void Upstream::link_ended(client::LinkEnd how, uint16_t code, std::string_view reason) {
    using client::LinkEnd;
    switch (how) {
    case LinkEnd::closed:
        if (!gone_) owner_.upstream_closed(code, reason);
        return;
    case LinkEnd::broken:
        // It heard why; the client hears that its upstream failed it.
        w_.counters().upstream_failure(Failure::protocol);
        if (!gone_) owner_.upstream_closed(kBadGateway, "upstream broke the protocol");
        return;
    case LinkEnd::lost:
        // After our close, the end of the close handshake.
        if (link_.close_sent()) return;
        w_.counters().upstream_failure(Failure::lost);
        if (!gone_) owner_.upstream_closed(kBadGateway, "upstream connection lost");
        return;
    }
}

void Upstream::link_queued() {
    if (!gone_) owner_.mark_upstream_dirty();
}

// Down to half: the client may be read again (whoever flushed updates its
// interest next).
void Upstream::link_drained() {
    if (!gone_) owner_.upstream_drained();
}

void Upstream::forward(const ws::Event& piece) {
    link_.send(piece.payload, piece.kind == ws::Event::Kind::text, piece.first, piece.last);
}

void Upstream::client_closed(uint16_t code, std::string_view reason) {
    if (code == ws::close_code::no_status) code = 0;
    if (code == ws::close_code::abnormal || (code != 0 && !ws::close_code_allowed_on_wire(code))) {
        code = ws::close_code::going_away;
        reason = "client gone";
    }
    link_.close(code, reason);
    link_.flush();
}

}  // namespace wshub::app
