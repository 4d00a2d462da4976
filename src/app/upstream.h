// A proxied client's connection to its upstream, on the client's worker: a
// client::Link (the upgrade, then frames both ways, read piece by piece as
// they arrive so that no message is ever held whole) to the route's next
// upstream (UpstreamPicker), with the proxy's metrics. It belongs to its
// client's Connection, which it tells what happens (conn_proxy.cpp); the
// poller knows it by its client's token with kUpstreamBit set, and its
// deadline is its client's timer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "app/proxy_request.h"
#include "client/link.h"
#include "metrics/counters.h"
#include "ws/frame.h"

namespace wshub::app {

class Connection;
class Worker;

class Upstream final : private client::LinkOwner {
public:
    // In a poller token, beside the slot (22 bits) and below the generation.
    static constexpr uint64_t kUpstreamBit = uint64_t(1) << 31;

    Upstream(Worker& w, Connection& owner, uint16_t route, UpstreamOffer offer, std::string client_key);
    // An open upstream hears 1001 "client gone", if it fits in what the
    // socket takes now, before the FIN.
    ~Upstream();
    Upstream(const Upstream&) = delete;
    Upstream& operator=(const Upstream&) = delete;

    // Starts connecting to the route's next upstream, trying the others if
    // one fails at once; the owner hears of the end
    // (Connection::upstream_opened or upstream_refused).
    void begin();
    void on_ready(uint32_t events) { link_.on_ready(events); }
    // The owner's deadline for connect and upgrade passed: a 504.
    void timed_out();

    bool pending() const noexcept { return link_.pending(); }
    std::string_view client_key() const noexcept { return client_key_; }
    // The upstream the client went to (its index in the route's upstreams).
    uint32_t index() const noexcept { return index_; }

    // A piece of a client's message (ws::Decoder, streaming) going up.
    void forward(const ws::Event& piece);
    // The client's close: its code (1005: a close without one; 1006: none
    // at all, sent as 1001) carried up.
    void client_closed(uint16_t code, std::string_view reason);
    // Bytes queued for the upstream, against --queue-bytes.
    size_t queued() const noexcept { return link_.queued(); }
    void flush() { link_.flush(); }
    // Not read while the client is behind (its queue over budget).
    void hold_reading(bool held) { link_.hold_reading(held); }

private:
    void connect_next();
    void fail(metrics::UpstreamFailure why, int status, std::string_view text, bool set_aside = true);

    void link_failed(client::LinkFailure why, const client::LinkAnswer* answer) override;
    void link_opened(std::string_view protocol) override;
    void link_message(const ws::Event& piece) override;
    void link_ended(client::LinkEnd how, uint16_t code, std::string_view reason) override;
    void link_queued() override;
    void link_drained() override;

    Worker& w_;
    Connection& owner_;
    uint16_t route_;
    uint8_t tries_ = 0;     // upstreams tried for this client
    bool gone_ = false;     // being destroyed: the owner hears nothing more
    uint32_t index_ = 0;
    uint64_t started_us_ = 0;  // the first connect, for the handshake histogram
    UpstreamOffer offer_;      // until open
    std::string client_key_;   // until open: the client's 101 answers it
    client::Link link_;
};

}  // namespace wshub::app
