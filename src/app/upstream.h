// A proxied client's connection to its upstream, on the client's worker:
// the TCP connect, the upgrade request and the check of its answer
// (http/client_handshake.h), then frames both ways: masked going up, a
// fresh key each (ws::MaskSource), and read coming down piece by piece as
// they arrive (ws::Decoder, client side, streaming), so that no message is
// ever held whole. It belongs to its client's Connection, which it tells
// what happens (conn_proxy.cpp); the poller knows it by its client's token
// with kUpstreamBit set, and its deadline is its client's timer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "app/proxy_request.h"
#include "metrics/counters.h"
#include "ws/frame.h"

namespace wshub::app {

class Connection;
class Worker;

class Upstream {
public:
    // In a poller token, beside the slot (22 bits) and below the generation.
    static constexpr uint64_t kUpstreamBit = uint64_t(1) << 31;

    enum class Phase : uint8_t {
        connecting,  // TCP connect in progress
        upgrading,   // request sent (or going), waiting for the 101
        open,        // frames both ways
        closing,     // our close frame is queued or sent; frames coming down are dropped
        done,        // the socket is closed
    };

    Upstream(Worker& w, Connection& owner, uint16_t route, UpstreamOffer offer, std::string client_key);
    ~Upstream();
    Upstream(const Upstream&) = delete;
    Upstream& operator=(const Upstream&) = delete;

    // Starts connecting to the route's next upstream (UpstreamPicker),
    // trying the others if one fails at once; the owner hears of the end
    // (Connection::upstream_opened or upstream_refused).
    void begin();
    void on_ready(uint32_t events);
    // The owner's deadline for connect and upgrade passed: a 504.
    void timed_out();

    Phase phase() const noexcept { return phase_; }
    bool pending() const noexcept { return phase_ == Phase::connecting || phase_ == Phase::upgrading; }
    std::string_view client_key() const noexcept { return client_key_; }
    // The upstream the client went to (its index in the route's upstreams).
    uint32_t index() const noexcept { return index_; }

    // A piece of a client's message (ws::Decoder, streaming) as a masked
    // frame, and the client's close: its code (1005: a close without one;
    // 1006: none at all, sent as 1001) carried up. Queued; written by flush.
    void forward(const ws::Event& piece);
    void client_closed(uint16_t code, std::string_view reason);
    // Bytes queued for the upstream, against --queue-bytes.
    size_t queued() const noexcept { return out_.size() - out_at_; }
    void flush();
    // Not read while the client is behind (its queue over budget).
    void hold_reading(bool held);

private:
    void connect_next();
    void fail(metrics::UpstreamFailure why, int status, std::string_view text, bool set_aside = true);
    void on_readable();
    void take_answer(size_t added);
    void on_frames(uint8_t* data, size_t len);
    void on_event(const ws::Event& ev);
    void queue_frame(ws::Opcode op, std::string_view payload, bool fin);
    void close_up(uint16_t code, std::string_view reason);
    void lost();
    void close_socket() noexcept;
    void update_interest();
    uint64_t token() const noexcept;

    Worker& w_;
    Connection& owner_;
    uint16_t route_;
    Phase phase_ = Phase::connecting;
    bool read_held_ = false;
    bool close_sent_ = false;
    bool broken_ = false;    // it broke the protocol: its bytes are no longer read as frames
    uint8_t interest_ = 0;
    uint8_t tries_ = 0;      // upstreams tried for this client
    uint32_t index_ = 0;
    int fd_ = -1;
    uint64_t started_us_ = 0;  // the first connect, for the handshake histogram
    UpstreamOffer offer_;      // until open
    std::string client_key_;   // until open: the client's 101 answers it
    std::string key_;          // ours, for the upstream's answer
    std::string in_;           // the upstream's answer, until its blank line
    std::string out_;          // bytes for the upstream from out_at_ on
    size_t out_at_ = 0;
    ws::Decoder decoder_;
};

}  // namespace wshub::app
