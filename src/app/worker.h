// A worker: one thread, one event loop, one listening socket (SO_REUSEPORT)
// and the connections it accepted, plus its hub (its view of the rooms and
// its side of the hand-offs between workers), to which it is the Sink.
// Share-nothing: other threads reach it only through the hub's Exchange.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/compression.h"
#include "app/connection.h"
#include "app/redis_bus.h"
#include "app/slot_table.h"
#include "app/upstream_pick.h"
#include "app/shared.h"
#include "client/link.h"
#include "hub/hub.h"
#include "hub/sink.h"
#include "metrics/counters.h"
#include "reactor/loop.h"
#include "ws/mask_source.h"

namespace wshub::app {

class Worker final : public hub::Sink, public hub::Waker {
public:
    // Timer ids (reactor::Loop): the worker's own, then one per slot.
    static constexpr uint32_t kAcceptRetryTimer = 0;
    static constexpr uint32_t kDrainDeadlineTimer = 1;
    static constexpr uint32_t kTrimTimer = 2;  // the block cache gives back what it does not use
    // The Redis connections' (--redis: one; --redis-cluster: up to
    // kRedisLinks), then the node's heartbeat.
    static constexpr uint32_t kFirstRedisTimer = 3;
    static constexpr uint32_t kRedisLinks = 18;  // at least RedisBus::kMaxLinks
    static constexpr uint32_t kHeartbeatTimer = kFirstRedisTimer + kRedisLinks;
    static constexpr uint32_t kFirstConnectionTimer = kHeartbeatTimer + 1;

    // A `hub` worker accepts on --listen and owns WebSocket connections. The
    // `ops` worker (--metrics-listen) accepts on that address, on a thread of
    // its own, and serves only /metrics, /healthz and /readyz, so a scrape
    // never runs on, or waits for, a hub worker. It is not in
    // Shared::workers: no delivery ever reaches it, and its index (0) only
    // fills the low bits of the ids its connections never hand out.
    enum class Role : uint8_t { hub, ops };

    Worker(Shared& shared, unsigned index, Role role = Role::hub);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Opens the listening socket; false with `error` set on failure.
    bool listen(std::string& error);
    // Runs passes until request_stop() or the end of a drain; then closes
    // every connection.
    void run();
    // One loop pass (waiting at most max_wait_ms for an event, -1: until
    // one): false once the loop failed or this worker's drain is done.
    bool step(int max_wait_ms);
    // Takes an accepted, non-blocking socket as a new connection (the
    // listener's accepts come here; so can a test's socketpair).
    void adopt(int fd, const net::Address& peer);
    // Thread-safe: ends run() at once, cutting every connection.
    void request_stop() noexcept;
    // Thread-safe: makes the loop run a pass (to take its inbox, or to see
    // Shared::drain).
    void wake() noexcept override { loop_.poller().wake(); }

    // Loop sink.
    void on_ready(uint64_t token, uint32_t events);
    void on_wake();
    void on_timer(uint32_t id);

    // Hub sink.
    void deliver(hub::Member& m, hub::Frame* frame, hub::Gate* gate) override {
        static_cast<Connection&>(m).deliver(frame, gate);
    }
    uint32_t deliver_scope(uint16_t scope, hub::Frame* frame, hub::Gate* gate, const hub::Member* exclude,
                           uint32_t& cursor, uint32_t budget) override;
    hub::Member* find(hub::MemberId id) noexcept override { return find_connection(id); }
    // A connection's id and user stay as they are while it is in a room
    // (Connection::refresh_token keeps the user's string untouched).
    hub::MemberInfo describe(const hub::Member& m) const override {
        const auto& c = static_cast<const Connection&>(m);
        return {c.conn_id(), std::string(c.user())};
    }
    void resume(hub::MemberId publisher) override;

    // For connections.
    Shared& shared() noexcept { return shared_; }
    const Shared& shared() const noexcept { return shared_; }
    metrics::WorkerCounters& counters() noexcept { return counters_; }
    const metrics::WorkerCounters& counters() const noexcept { return counters_; }
    // The body of GET /metrics: every worker's counters summed, and gauges.
    std::string render_metrics() const;
    const config::Config& config() const noexcept { return shared_.cfg; }
    Compression& compression() noexcept { return compression_; }
    // Proxy routes: masking keys (and upstream handshake keys), and whose
    // turn it is among a route's upstreams.
    ws::MaskSource& mask_source() noexcept { return mask_source_; }
    UpstreamPicker& upstream_picker() noexcept { return upstream_picker_; }
    // What every upstream link on this worker shares (its poller, keys,
    // read buffer, limits and counters).
    const client::LinkContext& upstream_links() const noexcept { return upstream_links_; }
    hub::Hub& hub() noexcept { return hub_; }
    // The Redis bus (--redis), or null.
    RedisBus* bus() noexcept { return bus_.get(); }
    unsigned index() const noexcept { return index_; }
    // Connections here are refused every WebSocket route.
    bool ops_only() const noexcept { return role_ == Role::ops; }
    // /metrics, /healthz and /readyz are answered here (else: 404).
    bool serves_ops() const noexcept { return role_ == Role::ops || !shared_.cfg.metrics_listen; }
    reactor::Loop& loop() noexcept { return loop_; }
    uint64_t now_ms() const noexcept { return loop_.now_ms(); }
    uint8_t* read_buffer() noexcept { return read_buf_.get(); }
    static constexpr size_t kReadBufferSize = 64 * 1024;

    static uint64_t token_of(uint32_t slot, uint32_t generation) noexcept {
        return uint64_t(generation) << 32 | slot;
    }
    void release_slot(uint32_t slot) noexcept;
    // Flush this connection's queue at the end of the loop pass, so every
    // frame queued for it during the pass goes out in one writev.
    void mark_dirty(Connection& c);

    // The open connection with this public id, if it is this worker's.
    Connection* find_connection(uint64_t id) noexcept;

    // The graceful drain, as this worker sees it (drain.cpp): none; quiet
    // (not accepting, waiting for the other workers to be too); closing (every
    // connection told 1001); done (none left).
    enum class DrainPhase : uint8_t { none, quiet, closing, done };
    bool draining() const noexcept { return drain_ != DrainPhase::none; }

private:
    // A timer token that is not a connection (whose slot part never is a slot).

    void accept_ready();
    void step_drain();
    void stop_listening() noexcept;
    void force_close_all() noexcept;
    size_t open_slots() const noexcept { return slots_.size() - free_slots_.size(); }
    void resume_accepting();
    Connection* lookup(uint64_t token) noexcept;
    void end_pass();
    void flush_dirty();

    Shared& shared_;
    unsigned index_;
    Role role_;
    std::string name_;  // for log lines
    reactor::Loop loop_;
    int listen_fd_ = -1;
    bool listening_ = false;  // listener registered with the poller
    int8_t nodelay_inherited_ = -1;  // from the listener: -1 not known yet, 0 no, 1 yes
    DrainPhase drain_ = DrainPhase::none;
    std::atomic<bool> stop_{false};
    std::unique_ptr<uint8_t[]> read_buf_;
    SlotTable slots_;
    std::vector<uint32_t> free_slots_;
    metrics::WorkerCounters counters_;
    Compression compression_;
    ws::MaskSource mask_source_;
    UpstreamPicker upstream_picker_;
    client::LinkContext upstream_links_;
    std::vector<uint64_t> dirty_;  // tokens of connections to flush this pass
    hub::Hub hub_;
    std::unique_ptr<RedisBus> bus_;  // --redis, on hub workers
};

// Connection's ways to its route and handler, here where Worker is complete,
// so that the per-message path inlines them.
inline const config::Route* Connection::route() const noexcept {
    return route_index_ == kNoRoute ? nullptr : &w().config().routes[route_index_];
}

inline wshub::Handler* Connection::handler() const noexcept { return w().shared().by_route[route_index_]; }

inline bool Connection::within_rate() noexcept { return w().config().max_msg_rate == 0 || take_rate_token(); }

}  // namespace wshub::app
