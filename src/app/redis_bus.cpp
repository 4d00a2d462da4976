#include "app/redis_bus.h"

#include "app/log.h"
#include "app/node_number.h"
#include "app/worker.h"
#include "bus/envelope.h"
#include "metrics/clock.h"
#include "redis/resp.h"

namespace wshub::app {
namespace {

// SUBSCRIBE takes many channels: a resubscription after a reconnect goes in
// commands of at most this many.
constexpr size_t kChannelsPerSubscribe = 512;

redis::Endpoint endpoint_of(const Worker& w) {
    const config::RedisTarget& t = *w.config().redis;
    redis::Endpoint e;
    e.address = t.address;
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
    o.limits.max_elements = 2 * kChannelsPerSubscribe + 8;
    o.limits.max_reply = cfg.max_message + 64 * 1024;
    o.queue_bytes = cfg.redis_queue_bytes;
    return o;
}

}  // namespace

std::string direct_channel(std::string_view prefix, uint32_t node, unsigned worker) {
    std::string channel(prefix);
    channel += ":direct:";
    channel += std::to_string(node);
    channel += ':';
    channel += std::to_string(worker);
    return channel;
}

RedisBus::RedisBus(Worker& w, uint64_t token, uint32_t timer, uint32_t heartbeat_timer)
    : w_(w),
      timer_(timer),
      heartbeat_timer_(heartbeat_timer),
      link_(*this, token, endpoint_of(w), options_of(w.config())),
      channel_prefix_(w.config().redis_prefix + ":room:"),
      direct_channel_(direct_channel(w.config().redis_prefix, w.shared().node_number, w.index())),
      nodes_channel_(w.config().redis_prefix + ":nodes") {}

void RedisBus::start() {
    link_.start();
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

// SUBSCRIBE, then ask who is there: the answers come after the subscription
// is in place, so no join is missed between them.
bool RedisBus::subscribe_room(const std::string& channel) {
    if (!link_.send({"SUBSCRIBE", channel})) return false;
    envelope_.clear();
    bus::put_query(envelope_, {uint16_t(w_.shared().node_number), uint8_t(w_.index())});
    link_.send({"PUBLISH", channel, envelope_});
    return true;
}

void RedisBus::watch(uint16_t ns, std::string_view name) {
    const std::string& channel = channel_of(ns, name);
    channels_.emplace(channel, RoomKey{ns, std::string(name), {}});
    w_.counters().redis_subscriptions.add(1);
    // A full queue (Redis stalled) holds the SUBSCRIBE back, not loses it.
    if (up() && (!unsent_.empty() || !subscribe_room(channel))) unsent_.push_back(channel);
}

void RedisBus::flush() {
    while (!unsent_.empty() && up()) {
        const std::string& channel = unsent_.front();
        const auto it = channels_.find(channel);
        if (it != channels_.end() && !subscribe_room(channel)) break;
        unsent_.pop_front();
    }
    link_.flush();
}

void RedisBus::unwatch(uint16_t ns, std::string_view name) {
    const std::string& channel = channel_of(ns, name);
    if (channels_.erase(channel) == 0) return;
    w_.counters().redis_subscriptions.sub(1);
    if (up()) link_.send({"UNSUBSCRIBE", channel});
}

// envelope_ to `channel`; a message's fate is counted (news of members
// and nodes is not: it is not what the counters count).
void RedisBus::publish_envelope(std::string_view channel, bool message) {
    const bool sent = up() && link_.send({"PUBLISH", channel, envelope_});
    if (!message) return;
    if (sent) w_.counters().redis_published.add();
    else w_.counters().redis_drop(up() ? metrics::RedisDrop::queue_full : metrics::RedisDrop::down);
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

void RedisBus::deliver(std::string_view channel, std::string_view envelope) {
    const char kind = bus::kind_of(envelope);
    if (kind == 0) return w_.counters().redis_drop(metrics::RedisDrop::malformed);
    if (kind == char(bus::Kind::roster)) return take_answer(envelope);  // asked, or after an outage
    if (channel == direct_channel_) return kind == char(bus::Kind::direct) ? deliver_direct(envelope) : void();
    if (channel == nodes_channel_) return take_node_news(envelope);
    const auto it = channels_.find(channel);
    if (it == channels_.end()) return;  // unsubscribed since it was sent
    if (kind == char(bus::Kind::message)) return deliver_message(it->second, envelope);
    take_room_news(it->second, envelope);
}

int RedisBus::watch(redis::Link& link, int fd, uint32_t interest) {
    return w_.loop().poller().add(fd, link.token(), interest);
}

int RedisBus::rewatch(redis::Link& link, int fd, uint32_t old_interest, uint32_t interest) {
    return w_.loop().poller().modify(fd, link.token(), old_interest, interest);
}

void RedisBus::unwatch(redis::Link&, int fd, uint32_t old_interest) {
    w_.loop().poller().remove(fd, old_interest);
}

void RedisBus::set_timer(redis::Link&, uint64_t deadline_ms) { w_.loop().set_timer(timer_, deadline_ms); }
void RedisBus::cancel_timer(redis::Link&) { w_.loop().cancel_timer(timer_); }
uint64_t RedisBus::now_ms() { return w_.now_ms(); }

void RedisBus::on_up(redis::Link&) {
    w_.counters().redis_up.add(1);
    if (was_up_) w_.counters().redis_reconnects.add();  // not a first connection that took retries
    was_up_ = true;
    said_down_.clear();
    unsent_.clear();  // every room is subscribed below
    if (log_enabled(LogLevel::info))
        Log(LogLevel::info, "redis_up")
            .str("node", w_.shared().node_id)
            .num("worker", w_.index())
            .num("rooms", channels_.size())
            .emit();
    // What was heard before is judged afresh: nodes get a new clock, rooms'
    // lists are asked for again and what no answer renews goes.
    ++epoch_;
    nodes_.restart_clocks(w_.now_ms());
    heard_since_up_.clear();
    link_.send({"SUBSCRIBE", direct_channel_, nodes_channel_});
    // The others forget what they knew of this worker's members (some left
    // while it was away), and hear them again below, room by room.
    const bus::NodeNews self{uint16_t(w_.shared().node_number), uint8_t(w_.index()), w_.shared().process_tag};
    envelope_.clear();
    bus::put_back(envelope_, self);
    link_.send({"PUBLISH", nodes_channel_, envelope_});
    if (w_.index() == 0) {
        renew_node_number();
        beat();
    }
    // Every room with members here, again: a new connection has no subscriptions.
    std::vector<std::string_view> args;
    args.reserve(kChannelsPerSubscribe + 1);
    for (auto it = channels_.begin(); it != channels_.end();) {
        args.assign(1, "SUBSCRIBE");
        for (; it != channels_.end() && args.size() <= kChannelsPerSubscribe; ++it) args.push_back(it->first);
        link_.send(args.data(), args.size());
    }
    for (const auto& [channel, room] : channels_) {
        envelope_.clear();
        bus::put_query(envelope_, {uint16_t(w_.shared().node_number), uint8_t(w_.index())});
        link_.send({"PUBLISH", channel, envelope_});
        answer(room, channel);
    }
    // Last: each node's beat in reply comes after its answers to the above.
    envelope_.clear();
    bus::put_ping(envelope_, self);
    link_.send({"PUBLISH", nodes_channel_, envelope_});
}

void RedisBus::on_down(redis::Link&, const redis::LinkDown& down) {
    if (down.was_up) w_.counters().redis_up.sub(1);
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

void RedisBus::on_push(redis::Link&, const redis::Value& push) {
    redis::Value v[3];
    if (redis::take(push, v, 3) != 3 || push.size != 3 || v[0].text != "message") return;
    deliver(v[1].text, v[2].text);
}

void RedisBus::on_reply(redis::Link&, const redis::Value& reply) {
    // Every other command's reply is a number (PUBLISH) or a push.
    if (reply.is_string() && reply.text.substr(0, 6) == "wshub:") return take_renewal(reply.text);
    if (reply.is_error() && log_enabled(LogLevel::warn))
        Log(LogLevel::warn, "redis_error").num("worker", w_.index()).str("reply", reply.text).emit();
}

}  // namespace wshub::app
