#include "app/worker.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "app/log.h"
#include "metrics/exposition.h"
#include "net/socket.h"

namespace wshub::app {
namespace {

// Tokens that are not connections: the slot part is never a valid slot.
constexpr uint64_t kListenerToken = 0xFFFFFFFFull;
constexpr int kAcceptsPerEvent = 64;      // fairness: let other sockets run between bursts
constexpr uint64_t kAcceptRetryMs = 100;  // back-off after EMFILE/ENFILE/ENOMEM
constexpr uint32_t kMaxSlots = 1u << 22;  // the slot field of a connection id
static_assert(kMaxSlots - 1 + Worker::kFirstConnectionTimer <= reactor::Loop::kMaxTimerId,
              "every slot has a timer id");

}  // namespace

Worker::Worker(Shared& shared, unsigned index, Role role)
    : shared_(shared),
      index_(index),
      role_(role),
      name_(role == Role::ops ? std::string("metrics listener") : "worker " + std::to_string(index)),
      read_buf_(new uint8_t[kReadBufferSize]),
      live_ids_(new std::atomic<std::atomic<uint32_t>*>[kMaxSlots / kLiveChunk]()),
      outbox_(shared.cfg.workers) {}

Worker::~Worker() {
    if (listen_fd_ >= 0) close(listen_fd_);
    // Deliveries nobody will process now.
    for (auto& d : inbox_) {
        if (d.room) shared_.registry.release(d.room);
        if (d.frame) hub::release(d.frame);
        if (d.gate) hub::release(d.gate);
    }
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

thread_local Worker* Worker::t_current = nullptr;

void Worker::run() {
    t_current = this;
    hold_log_lines();
    while (!stop_.load(std::memory_order_acquire)) {
        if (int err = loop_.run_once(*this); err < 0) {
            Log(LogLevel::error, "event_loop_failed").str("worker", name_).str("msg", std::strerror(-err)).emit();
            break;
        }
        // End of the pass: read unblocked publishers' held-back messages,
        // hand other workers their deliveries, then write everything queued
        // during the pass, one writev per connection. Handing over before
        // writing keeps cause before effect: once a client reads the answer
        // to a publish (or anything sent after one), the message is in every
        // target worker's inbox, and those drain their inbox before the
        // events of the same wake-up (Loop::run_once), such as that client's
        // next publish. Writing can unblock more publishers; what is left
        // for the next pass wakes it at once.
        for (int round = 0; round < 4; ++round) {
            resume_unblocked();
            flush_outbox();
            flush_dirty();   // can unpark, and so unblock publishers anywhere
            flush_outbox();  // after it: an unblock for another worker goes out now
            if (unblocked_.empty()) break;
        }
        if (!unblocked_.empty()) loop_.poller().wake();
        if (drain_ != DrainPhase::none || shared_.draining()) {
            step_drain();
            if (drain_ == DrainPhase::done) break;
        }
        flush_log_lines();  // before the next pass may sleep
    }
    force_close_all();  // after request_stop(): whatever is left
    flush_outbox();
    flush_log_lines();
}

void Worker::request_stop() noexcept {
    stop_.store(true, std::memory_order_release);
    loop_.poller().wake();
}

void Worker::post(std::vector<hub::Delivery>& batch) {
    bool was_empty;
    {
        std::lock_guard lock(inbox_mu_);
        was_empty = inbox_.empty();
        inbox_.insert(inbox_.end(), batch.begin(), batch.end());
    }
    batch.clear();
    // Only the first batch into an empty inbox needs to wake the worker: it
    // drains everything that is there when it wakes.
    if (was_empty) loop_.poller().wake();
}

void Worker::on_wake() { drain_inbox(); }

void Worker::drain_inbox() {
    {
        std::lock_guard lock(inbox_mu_);
        inbox_work_.swap(inbox_);
    }
    for (auto& d : inbox_work_) {
        switch (d.kind) {
        case hub::Delivery::Kind::room:
            if (auto* local = static_cast<hub::LocalRoom*>(d.room->workers[index_].local))
                deliver_local(local, d.frame, d.conn, d.gate, d.seq, d.audience);
            shared_.registry.release(d.room);
            break;
        case hub::Delivery::Kind::direct:
            if (Connection* c = find_connection(d.conn)) c->deliver(d.frame, d.gate);
            break;
        case hub::Delivery::Kind::unblock:
            unblocked_.push_back(d.conn);
            break;
        }
        if (d.frame) hub::release(d.frame);
        if (d.gate) {
            // Processed here: no longer in flight (it may be parked now).
            if (hub::gate_sub(d.gate, hub::Gate::kInFlight)) unblock(d.gate->publisher);
            hub::release(d.gate);
        }
    }
    inbox_work_.clear();
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
    if ((id & 0xFF) != index_) return nullptr;
    const uint32_t slot = uint32_t(id >> 8) & (kMaxSlots - 1);
    if (slot >= slots_.size()) return nullptr;
    Connection* c = slots_[slot];
    if (c->state() != Connection::State::open || c->conn_id() != id) return nullptr;
    return c;
}

// The slot part of an id is where it is looked up and the worker part is
// the caller's to check, so a slot holds only the generation, plus one so
// that 0 can mean "not open" (the generation field wraps through 0).
static uint32_t live_tag(uint64_t id) noexcept { return uint32_t(id >> 30) + 1; }

bool Worker::is_live(uint64_t id) const noexcept {
    if (id >> 53 != 0) return false;  // wider than worker, slot and generation
    const uint32_t slot = uint32_t(id >> 8) & (kMaxSlots - 1);
    const std::atomic<uint32_t>* chunk = live_ids_[slot / kLiveChunk].load(std::memory_order_acquire);
    return chunk && chunk[slot % kLiveChunk].load(std::memory_order_acquire) == live_tag(id);
}

void Worker::set_live(uint32_t slot, uint64_t id) noexcept {
    std::atomic<uint32_t>* chunk = live_ids_[slot / kLiveChunk].load(std::memory_order_relaxed);
    if (!chunk) {
        if (id == 0) return;
        live_chunks_.emplace_back(new std::atomic<uint32_t>[kLiveChunk]());
        chunk = live_chunks_.back().get();
        live_ids_[slot / kLiveChunk].store(chunk, std::memory_order_release);
    }
    chunk[slot % kLiveChunk].store(id == 0 ? 0 : live_tag(id), std::memory_order_release);
}

void Worker::on_ready(uint64_t token, uint32_t events) {
    if (token == kListenerToken) {
        accept_ready();
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
    g.connections = shared_.open_conns.load(std::memory_order_relaxed);
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

hub::LocalRoom* Worker::local_room(std::string_view name) {
    auto it = rooms_.find(name);
    return it == rooms_.end() ? nullptr : it->second.get();
}

hub::LocalRoom* Worker::enter_room(std::string_view name) {
    if (hub::LocalRoom* local = local_room(name)) return local;
    hub::Room* room = shared_.registry.acquire(name);
    auto local = std::make_unique<hub::LocalRoom>();
    local->room = room;
    room->workers[index_].local = local.get();
    hub::LocalRoom* raw = local.get();
    rooms_.emplace(std::string(name), std::move(local));
    return raw;
}

void Worker::leave_room(hub::LocalRoom* local) {
    if (local->pins != 0 || !local->members.empty()) return;  // deliver_local frees it
    hub::Room* room = local->room;
    room->workers[index_].local = nullptr;
    rooms_.erase(room->name);  // frees local
    shared_.registry.release(room);
}

void Worker::deliver_local(hub::LocalRoom* local, hub::Frame* frame, uint64_t exclude, hub::Gate* gate,
                           uint64_t seq, hub::Audience audience) {
    // deliver() may close a slow member, which leaves the room and
    // swap-removes it from this list: walk it from the back so every member
    // still gets the message exactly once.
    ++local->pins;
    for (size_t i = local->members.size(); i-- > 0;) {
        if (i >= local->members.size()) continue;
        Connection* c = local->members[i];
        if (c->conn_id() != exclude && local->joined_at[i] < seq && c->in_audience(audience)) c->deliver(frame, gate);
    }
    --local->pins;
    leave_room(local);  // frees it if everyone left meanwhile
}

void Worker::to_outbox(unsigned w, const hub::Delivery& d) {
    if (outbox_[w].empty()) outbox_targets_.push_back(w);
    outbox_[w].push_back(d);
}

size_t Worker::publish(std::string_view name, hub::Frame* frame, uint64_t exclude, hub::Gate* gate,
                       hub::Audience audience) {
    // Closing everything (a drain): what connections say as they go (json
    // presence) would only reach members that are closing too.
    if (drain_ >= DrainPhase::closing) return 0;
    hub::LocalRoom* local = local_room(name);
    hub::Room* room = local ? local->room : shared_.registry.acquire(name);
    const size_t members = room->members.load(std::memory_order_relaxed);
    const uint64_t seq = room->seq.fetch_add(1, std::memory_order_acq_rel) + 1;
    for (unsigned w = 0; w < shared_.cfg.workers; ++w) {
        if (w == index_ || room->workers[w].members.load(std::memory_order_relaxed) == 0) continue;
        hub::Registry::retain(room);
        hub::retain(frame);
        if (gate) {
            hub::retain(gate);
            hub::gate_add(gate, hub::Gate::kInFlight);
        }
        to_outbox(w, {hub::Delivery::Kind::room, room, frame, gate, exclude, seq, audience});
    }
    if (local) deliver_local(local, frame, exclude, gate, seq, audience);
    else shared_.registry.release(room);
    return members;
}

bool Worker::send_to(uint64_t target, hub::Frame* frame, hub::Gate* gate) {
    const unsigned w = unsigned(target & 0xFF);
    if (w == index_) {
        Connection* c = find_connection(target);
        if (!c) return false;
        c->deliver(frame, gate);
        return true;
    }
    if (w >= shared_.cfg.workers || !shared_.workers[w]->is_live(target)) return false;
    hub::retain(frame);
    if (gate) {
        hub::retain(gate);
        hub::gate_add(gate, hub::Gate::kInFlight);
    }
    to_outbox(w, {hub::Delivery::Kind::direct, nullptr, frame, gate, target, 0});
    return true;
}

void Worker::unblock(uint64_t publisher) {
    const unsigned w = unsigned(publisher & 0xFF);
    if (w == index_)
        unblocked_.push_back(publisher);
    else if (w < shared_.cfg.workers)
        to_outbox(w, {hub::Delivery::Kind::unblock, nullptr, nullptr, nullptr, publisher, 0});
}

void Worker::resume_unblocked() {
    if (unblocked_.empty()) return;
    // Swap first: resuming can block and unblock publishers again.
    std::vector<uint64_t> ids;
    ids.swap(unblocked_);
    for (uint64_t id : ids)
        if (Connection* c = find_connection(id)) c->resume_reading();
}

void Worker::flush_outbox() {
    for (unsigned w : outbox_targets_) shared_.workers[w]->post(outbox_[w]);
    outbox_targets_.clear();
}

}  // namespace wshub::app
