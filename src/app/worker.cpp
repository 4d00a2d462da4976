#include "app/worker.h"

#include <unistd.h>


#include <cerrno>
#include <cstring>

#include "app/log.h"
#include "hub/block_cache.h"
#include "metrics/exposition.h"
#include "net/socket.h"

namespace wshub::app {
namespace {

// Tokens that are not connections: the slot part is never a valid slot.
constexpr uint64_t kListenerToken = 0xFFFFFFFFull;
// The Redis connections': no slot is this high either.
constexpr uint64_t kFirstRedisToken = 0xFFFFFF00ull;
constexpr int kAcceptsPerEvent = 64;      // fairness: let other sockets run between bursts
constexpr uint64_t kAcceptRetryMs = 100;  // back-off after EMFILE/ENFILE/ENOMEM
constexpr uint32_t kMaxSlots = hub::kMaxSlots;  // the slot field of a connection id
static_assert(RedisBus::kMaxLinks <= Worker::kRedisLinks, "a timer id and a token for every Redis connection");
static_assert(kMaxSlots - 1 + Worker::kFirstConnectionTimer <= reactor::Loop::kMaxTimerId,
              "every slot has a timer id");

}  // namespace

Worker::Worker(Shared& shared, unsigned index, Role role)
    : shared_(shared),
      index_(index),
      role_(role),
      name_(role == Role::ops ? std::string("metrics listener") : "worker " + std::to_string(index)),
      read_buf_(new uint8_t[kReadBufferSize]),
      compression_(shared.cfg, counters_),
      upstream_picker_(shared.cfg, mask_source_.next()),
      upstream_links_{.poller = &loop_.poller(),
                      .masks = &mask_source_,
                      .read_buffer = read_buf_.get(),
                      .read_size = kReadBufferSize,
                      .max_head = shared.cfg.max_header_bytes,
                      .fragment_size = shared.cfg.fragment_size,
                      .queue_bytes = shared.cfg.queue_bytes,
                      .sockets = &counters_.upstream_open,
                      .bytes_sent = &counters_.upstream_bytes_sent,
                      .bytes_received = &counters_.upstream_bytes_received},
      hub_(shared.exchange, index, *this) {
    if (role == Role::hub) shared.exchange.set_waker(index, this);
    if (role == Role::hub && shared.cfg.redis) {
        bus_ = std::make_unique<RedisBus>(*this, kFirstRedisToken, kFirstRedisTimer, kHeartbeatTimer);
        hub_.set_bus(bus_.get(), shared.node_number);
        bus_->start();  // the node serves its own rooms while it connects
    }
}

Worker::~Worker() {
    if (listen_fd_ >= 0) close(listen_fd_);
}

bool Worker::listen(std::string& error) {
    if (loop_.error() != 0) {
        error = std::string("event loop: ") + std::strerror(loop_.error());
        return false;
    }
    // The ops listener is the only socket on its address: without
    // SO_REUSEPORT, its bind also fails where it would overlap --listen.
    const bool ops = role_ == Role::ops;
    listen_fd_ = net::listen_on(ops ? *config().metrics_listen : config().listen, ops ? 64 : 1024, error, !ops);
    if (listen_fd_ < 0) return false;
    if (int err = loop_.poller().add(listen_fd_, kListenerToken, reactor::kReadable); err != 0) {
        error = std::string("poller: ") + std::strerror(err);
        return false;
    }
    listening_ = true;
    return true;
}

void Worker::run() {
    hold_log_lines();
    while (!stop_.load(std::memory_order_acquire) && step(-1)) {
    }
    force_close_all();  // after request_stop(): whatever is left
    hub_.hand_over();
    flush_log_lines();
}

bool Worker::step(int max_wait_ms) {
    hub_.begin_pass();
    // A pass with deliveries left over from the last one does not sleep.
    if (int err = loop_.run_once(*this, hub_.busy() ? 0 : max_wait_ms); err < 0) {
        Log(LogLevel::error, "event_loop_failed").str("worker", name_).str("msg", std::strerror(-err)).emit();
        return false;
    }
    end_pass();
    // While the block cache holds anything (or enough went back to malloc),
    // it is trimmed every interval, idle or not: what a burst left behind
    // goes back to the system once unused.
    if (hub::trim_wanted() && loop_.timer_deadline(kTrimTimer) == 0)
        loop_.set_timer(kTrimTimer, loop_.now_ms() + hub::kTrimIntervalMs);
    if (drain_ != DrainPhase::none || shared_.draining()) step_drain();
    flush_log_lines();  // before the next pass may sleep
    return drain_ != DrainPhase::done;
}

// End of the pass: deliver what the budget still allows, read publishers
// that may be read again, hand other workers their deliveries, then write
// everything queued during the pass, one writev per connection. Handing
// over before writing keeps cause before effect: once a client reads the
// answer to a publish (or anything sent after one), the message is in every
// target worker's inbox, and those take their inbox before the events of
// the same wake-up (Loop::run_once), such as that client's next publish.
// Writing can unblock more publishers; what is left for the next pass keeps
// it from sleeping (Hub::busy).
void Worker::end_pass() {
    hub_.run_backlog();
    for (int round = 0; round < 4; ++round) {
        const bool resumed = hub_.resume_publishers();
        hub_.hand_over();
        flush_dirty();     // can unpark, and so unblock publishers anywhere
        hub_.hand_over();  // after it: an unblock for another worker goes out now
        if (!resumed && !hub_.busy()) break;
    }
    if (bus_) bus_->flush();  // what this pass published, in one write
}

void Worker::request_stop() noexcept {
    stop_.store(true, std::memory_order_release);
    loop_.poller().wake();
}

void Worker::on_wake() {
    hub_.take_inbox();
    hub_.run_backlog();
}

// A scope is a route: its open connections here, by slot, downwards.
uint32_t Worker::deliver_scope(uint16_t scope, hub::Frame* frame, hub::Gate* gate, const hub::Member* exclude,
                               uint32_t& cursor, uint32_t budget) {
    if (cursor > slots_.size()) cursor = slots_.size();
    uint32_t visited = 0;
    for (; cursor > 0 && visited < budget; ++visited) {
        Connection* c = slots_[--cursor];
        if (c->state() == Connection::State::open && c->route_index() == scope && c != exclude)
            c->deliver(frame, gate);
    }
    return visited;
}

// By slot and generation rather than find_connection: a held POST /publish
// is not open yet.
void Worker::resume(hub::MemberId publisher) {
    const uint32_t slot = hub::slot_of(publisher);
    if (hub::worker_of(publisher) != index_ || slot >= slots_.size()) return;
    Connection* c = slots_[slot];
    if (c->state() != Connection::State::free && c->conn_id() == publisher) c->resume_reading();
}

Connection* Worker::lookup(uint64_t token) noexcept {
    const uint32_t slot = uint32_t(token);
    if (slot >= slots_.size()) return nullptr;
    Connection* c = slots_[slot];
    // A stale event or timer for a connection that has since closed (and
    // maybe had its slot reused) carries an old generation.
    if (c->state() == Connection::State::free || c->generation() != uint32_t(token >> 32)) return nullptr;
    return c;
}

Connection* Worker::find_connection(uint64_t id) noexcept {
    if (hub::worker_of(id) != index_) return nullptr;
    const uint32_t slot = hub::slot_of(id);
    if (slot >= slots_.size()) return nullptr;
    Connection* c = slots_[slot];
    if (c->state() != Connection::State::open || c->conn_id() != id) return nullptr;
    return c;
}

void Worker::on_ready(uint64_t token, uint32_t events) {
    if (token == kListenerToken) {
        accept_ready();
        return;
    }
    if (token >= kFirstRedisToken && token < kFirstRedisToken + kRedisLinks) {
        if (bus_) bus_->on_ready(size_t(token - kFirstRedisToken), events);
        return;
    }
    if (token & Upstream::kUpstreamBit) {
        if (Connection* c = lookup(token & ~Upstream::kUpstreamBit)) c->on_upstream_ready(events);
        return;
    }
    if (Connection* c = lookup(token)) c->on_ready(events);
}

void Worker::on_timer(uint32_t id) {
    if (id == kAcceptRetryTimer) {
        resume_accepting();
        return;
    }
    if (id == kDrainDeadlineTimer) {
        force_close_all();
        return;
    }
    if (id == kTrimTimer) {
        hub::trim_block_cache();
        return;
    }
    if (id >= kFirstRedisTimer && id < kFirstRedisTimer + kRedisLinks) {
        if (bus_) bus_->on_timer(id - kFirstRedisTimer);
        return;
    }
    if (id == kHeartbeatTimer) {
        if (bus_) bus_->on_heartbeat();
        return;
    }
    // A connection's timer is cancelled when it closes: its slot is in use.
    const uint32_t slot = id - kFirstConnectionTimer;
    if (slot < slots_.size() && slots_[slot]->state() != Connection::State::free) slots_[slot]->on_timer();
}

void Worker::accept_ready() {
    if (listen_fd_ < 0) return;  // closed by a drain
    for (int i = 0; i < kAcceptsPerEvent; ++i) {
        if (free_slots_.empty() && slots_.size() >= kMaxSlots) return;
        net::Address peer;
        const int fd = net::accept_connection(listen_fd_, &peer);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                // Out of descriptors: stop watching the listener (it would
                // report readable forever) and retry from a timer.
                if (log_enabled(LogLevel::warn))
                    Log(LogLevel::warn, "accept_paused")
                        .str("worker", name_)
                        .str("msg", std::strerror(errno))
                        .num("retry_ms", kAcceptRetryMs)
                        .emit();
                loop_.poller().remove(listen_fd_, reactor::kReadable);
                listening_ = false;
                loop_.set_timer(kAcceptRetryTimer, loop_.now_ms() + kAcceptRetryMs);
            }
            return;  // EAGAIN, or a connection that died in the backlog
        }
        // The first accepted socket shows whether the listener's TCP_NODELAY
        // was inherited; if not, every accept sets it.
        if (nodelay_inherited_ < 0) nodelay_inherited_ = net::has_nodelay(fd) ? 1 : 0;
        if (nodelay_inherited_ == 0) net::set_nodelay(fd);
        adopt(fd, peer);
    }
}

void Worker::adopt(int fd, const net::Address& peer) {
    counters_.accepted.add();
    uint32_t slot;
    if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
    } else {
        slot = slots_.size();
        slots_.append(*this);
    }
    slots_[slot]->start(fd, peer);
}

void Worker::resume_accepting() {
    if (listening_ || listen_fd_ < 0 || stop_.load(std::memory_order_acquire)) return;
    if (loop_.poller().add(listen_fd_, kListenerToken, reactor::kReadable) == 0) {
        listening_ = true;
    } else {
        loop_.set_timer(kAcceptRetryTimer, loop_.now_ms() + kAcceptRetryMs);
    }
}

std::string Worker::render_metrics() const {
    std::vector<const metrics::WorkerCounters*> all;
    for (const Worker* w : shared_.workers) all.push_back(&w->counters());
    if (shared_.ops) all.push_back(&shared_.ops->counters());
    metrics::Gauges g;
    g.connections = shared_.caps.open();
    g.rooms = shared_.registry.room_count();
    g.workers = shared_.cfg.workers;
    return metrics::render(all, g);
}

void Worker::release_slot(uint32_t slot) noexcept {
    free_slots_.push_back(slot);
}

void Worker::mark_dirty(Connection& c) {
    if (!c.set_dirty()) return;
    dirty_.push_back(token_of(c.slot(), c.generation()));
}

void Worker::flush_dirty() {
    // A flush can close a connection (its token then finds a new generation
    // or a free slot) or queue more for others, which join the list's end.
    for (size_t i = 0; i < dirty_.size(); ++i)
        if (Connection* c = lookup(dirty_[i])) c->flush_dirty();
    dirty_.clear();
}

}  // namespace wshub::app
