#include "app/redis_bus.h"

#include "app/log.h"
#include "app/worker.h"
#include "bus/envelope.h"
#include "metrics/clock.h"
#include "redis/cluster_pubsub.h"
#include "redis/single_pubsub.h"

namespace wshub::app {
namespace {

redis::Endpoint endpoint_at(const Worker& w, const net::Address& address) {
    const config::RedisTarget& t = *w.config().redis;
    redis::Endpoint e;
    e.address = address;
    if (!t.user.empty()) e.user = t.user;
    e.password = w.config().redis_password;
    e.db = t.db;
    e.client_name = "wshub-" + w.shared().node_id + "-" + std::to_string(w.index());
    return e;
}

redis::LinkOptions options_of(const config::Config& cfg) {
    redis::LinkOptions o;
    // A message is at most --max-message; a push carries it with its
    // channel and a few headers.
    o.limits.max_depth = 4;
    o.limits.max_string = cfg.max_message + 1024;
    o.limits.max_elements = 2 * redis::kChannelsPerSubscribe + 8;
    o.limits.max_reply = cfg.max_message + 64 * 1024;
    o.queue_bytes = cfg.redis_queue_bytes;
    return o;
}

std::unique_ptr<redis::PubSub> make_client(const Worker& w, redis::PubSubLoop& loop,
                                           redis::PubSubListener& listener) {
    const config::Config& cfg = w.config();
    if (cfg.redis_cluster.empty())
        return std::make_unique<redis::SinglePubSub>(loop, listener, endpoint_at(w, cfg.redis->address),
                                                     options_of(cfg));
    std::vector<redis::Endpoint> seeds;
    for (const net::Address& a : cfg.redis_cluster) seeds.push_back(endpoint_at(w, a));
    return std::make_unique<redis::ClusterPubSub>(loop, listener, std::move(seeds),
                                                  redis::ClusterOptions{.link = options_of(cfg)});
}

}  // namespace

static_assert(RedisBus::kMaxLinks == redis::ClusterPubSub::kLinks);

std::string direct_channel(std::string_view prefix, uint32_t node, unsigned worker) {
    std::string channel(prefix);
    channel += ":direct:";
    channel += std::to_string(node);
    channel += ':';
    channel += std::to_string(worker);
    return channel;
}

RedisBus::RedisBus(Worker& w, uint64_t first_token, uint32_t first_timer, uint32_t heartbeat_timer)
    : w_(w),
      first_token_(first_token),
      first_timer_(first_timer),
      heartbeat_timer_(heartbeat_timer),
      client_(make_client(w, *this, *this)),
      channel_prefix_(w.config().redis_prefix + ":room:"),
      direct_channel_(direct_channel(w.config().redis_prefix, w.shared().node_number, w.index())),
      nodes_channel_(w.config().redis_prefix + ":nodes") {}

RedisBus::~RedisBus() = default;

void RedisBus::start() {
    client_->subscribe(direct_channel_);
    client_->subscribe(nodes_channel_);
    client_->start();
    w_.loop().set_timer(heartbeat_timer_, w_.now_ms() + w_.config().node_timeout_ms / 16);
}

// A route's path and a room's name may both hold ':', so the namespace
// goes with its length: room "b:c" of /a and room "c" of /a:b stay apart.
const std::string& RedisBus::channel_of(uint16_t ns, std::string_view name) {
    const std::string& space = w_.config().namespaces[ns];
    channel_ = channel_prefix_;
    channel_ += std::to_string(space.size());
    channel_ += ':';
    channel_ += space;
    channel_ += ':';
    channel_ += name;
    return channel_;
}

// Who is in the room? Published after the subscription, on the same
// connection (the room's shard, on a cluster): answered after it is in place.
void RedisBus::ask(const std::string& channel) {
    envelope_.clear();
    bus::put_query(envelope_, {uint16_t(w_.shared().node_number), uint8_t(w_.index())});
    publish_envelope(channel, false);
}

void RedisBus::watch(uint16_t ns, std::string_view name) {
    const std::string channel = channel_of(ns, name);
    channels_.emplace(channel, RoomKey{ns, std::string(name), {}});
    w_.counters().redis_subscriptions.add(1);
    client_->subscribe(channel);
    if (up()) ask(channel);
}

void RedisBus::unwatch(uint16_t ns, std::string_view name) {
    const std::string& channel = channel_of(ns, name);
    if (channels_.erase(channel) == 0) return;
    w_.counters().redis_subscriptions.sub(1);
    client_->unsubscribe(channel);
}

// envelope_ to `channel`; a message's fate is counted (news of members
// and nodes is not: it is not what the counters count).
void RedisBus::publish_envelope(std::string_view channel, bool message) {
    const redis::Publish p = client_->publish(channel, envelope_);
    if (!message) return;
    if (p == redis::Publish::sent) w_.counters().redis_published.add();
    else w_.counters().redis_drop(p == redis::Publish::down ? metrics::RedisDrop::down : metrics::RedisDrop::queue_full);
}

void RedisBus::publish(uint16_t ns, std::string_view name, const hub::Frame& frame) {
    envelope_.clear();
    bus::put_message(envelope_, {.opcode = uint8_t(hub::opcode_of(frame)),
                                 .node_id = w_.shared().node_id,
                                 .worker = uint8_t(w_.index()),
                                 .seq = ++seq_,
                                 .sent_us = metrics::now_us(),
                                 .payload = hub::payload_of(frame)});
    publish_envelope(channel_of(ns, name), true);
}

bool RedisBus::send_direct(hub::MemberId target, uint16_t ns, const hub::Frame& frame) {
    envelope_.clear();
    bus::put_direct(envelope_,
                    {.opcode = uint8_t(hub::opcode_of(frame)), .ns = ns, .target = target, .payload = hub::payload_of(frame)});
    publish_envelope(direct_channel(w_.config().redis_prefix, hub::node_of(target), hub::worker_of(target)), true);
    return true;
}

// A direct message from a member of another node to one of this worker's.
void RedisBus::deliver_direct(std::string_view envelope) {
    bus::Direct d;
    if (!bus::read_direct(envelope, d) || hub::node_of(d.target) != w_.shared().node_number ||
        d.ns >= w_.config().namespaces.size())
        return w_.counters().redis_drop(metrics::RedisDrop::malformed);
    hub::Frame* f = hub::make_frame(ws::Opcode(d.opcode), d.payload);
    if (!f) return w_.counters().redis_drop(metrics::RedisDrop::malformed);
    w_.counters().redis_received.add();
    w_.hub().send_to(d.target, d.ns, f, nullptr);  // nothing if it closed meanwhile
    hub::release(f);
}

void RedisBus::deliver_message(RoomKey& room, std::string_view envelope) {
    bus::Message m;
    if (!bus::read_message(envelope, m)) return w_.counters().redis_drop(metrics::RedisDrop::malformed);
    if (m.node_id == w_.shared().node_id) {
        // This node's own: its members have it; how long Redis took is news.
        const uint64_t now = metrics::now_us();
        if (now >= m.sent_us) w_.counters().redis_round_trip.observe(now - m.sent_us);
        return;
    }
    hub::Frame* f = hub::make_frame(ws::Opcode(m.opcode), m.payload);
    if (!f) return w_.counters().redis_drop(metrics::RedisDrop::malformed);
    w_.counters().redis_received.add();
    w_.hub().deliver_remote(room.ns, room.name, f);
    hub::release(f);
}

void RedisBus::on_message(std::string_view channel, std::string_view envelope) {
    const char kind = bus::kind_of(envelope);
    if (kind == 0) return w_.counters().redis_drop(metrics::RedisDrop::malformed);
    if (channel == direct_channel_) {
        if (kind == char(bus::Kind::direct)) return deliver_direct(envelope);
        return w_.counters().redis_drop(metrics::RedisDrop::malformed);
    }
    if (channel == nodes_channel_) return take_node_news(envelope);
    const auto it = channels_.find(channel);
    if (it == channels_.end()) return;  // unsubscribed since it was sent
    if (kind == char(bus::Kind::message)) return deliver_message(it->second, envelope);
    take_room_news(it->second, envelope);
}

int RedisBus::watch(size_t link, int fd, uint32_t interest) {
    return w_.loop().poller().add(fd, first_token_ + link, interest);
}

int RedisBus::rewatch(size_t link, int fd, uint32_t old_interest, uint32_t interest) {
    return w_.loop().poller().modify(fd, first_token_ + link, old_interest, interest);
}

void RedisBus::unwatch(size_t, int fd, uint32_t old_interest) { w_.loop().poller().remove(fd, old_interest); }

void RedisBus::set_timer(size_t link, uint64_t deadline_ms) {
    w_.loop().set_timer(first_timer_ + uint32_t(link), deadline_ms);
}
void RedisBus::cancel_timer(size_t link) { w_.loop().cancel_timer(first_timer_ + uint32_t(link)); }
uint64_t RedisBus::now_ms() { return w_.now_ms(); }

void RedisBus::on_up() {
    w_.counters().redis_up.add(1);
    if (was_up_) w_.counters().redis_reconnects.add();  // not a first connection that took retries
    was_up_ = true;
    said_down_.clear();
    if (log_enabled(LogLevel::info))
        Log(LogLevel::info, "redis_up")
            .str("node", w_.shared().node_id)
            .num("worker", w_.index())
            .num("rooms", channels_.size())
            .emit();
    // What was heard before is judged afresh: nodes get a new clock, and
    // the others forget what they knew of this worker's members (some left
    // while it was away) and hear them again below, room by room.
    ++epoch_;
    nodes_.restart_clocks(w_.now_ms());
    heard_since_up_.clear();
    const bus::NodeNews self{uint16_t(w_.shared().node_number), uint8_t(w_.index()), epoch_, w_.shared().process_tag};
    envelope_.clear();
    bus::put_back(envelope_, self);
    publish_envelope(nodes_channel_, false);
    if (w_.index() == 0) {
        renew_node_number();
        beat();
    }
    for (const auto& [channel, room] : channels_) {
        ask(channel);
        answer(room, channel, {bus::kEveryNode, 0});
    }
    // Last: each node's beat in reply comes after its answers to the above
    // (on one Redis; on a cluster, shards may reorder them: see DESIGN.md).
    envelope_.clear();
    bus::put_ping(envelope_, self);
    publish_envelope(nodes_channel_, false);
}

void RedisBus::on_down(size_t, const redis::LinkDown& down, bool client_was_up) {
    if (client_was_up) w_.counters().redis_up.sub(1);
    for (size_t i = 0; i < down.dropped_commands; ++i) w_.counters().redis_drop(metrics::RedisDrop::lost);
    // A node that cannot reach Redis says so once, not at every retry.
    const bool news = down.was_up || down.reason != said_down_;
    const LogLevel level = news ? LogLevel::warn : LogLevel::debug;
    if (news) said_down_ = down.reason;
    if (log_enabled(level))
        Log(level, down.was_up ? "redis_lost" : "redis_unreachable")
            .num("worker", w_.index())
            .str("reason", down.reason)
            .num("retry_ms", down.retry_ms)
            .emit();
}

void RedisBus::on_publish_failed(std::string_view) { w_.counters().redis_drop(metrics::RedisDrop::lost); }

void RedisBus::on_error(std::string_view text) {
    if (log_enabled(LogLevel::warn))
        Log(LogLevel::warn, "redis_error").num("worker", w_.index()).str("reply", text.substr(0, 200)).emit();
}

// Only the node number's renewal is a command().
void RedisBus::on_command_reply(const redis::Value& reply) {
    if (reply.is_string()) take_renewal(reply.text);
}

}  // namespace wshub::app
