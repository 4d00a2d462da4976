#include "app/redis_bus.h"

#include <cstring>

#include "app/log.h"
#include "app/node_number.h"
#include "app/worker.h"
#include "metrics/clock.h"
#include "redis/resp.h"

namespace wshub::app {
namespace {

constexpr std::string_view kMagic = "W1";
constexpr std::string_view kDirectMagic = "WD";
// After kDirectMagic: the opcode, the namespace, the member's id.
constexpr size_t kDirectHead = 2 + 1 + 2 + 8;
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

// After the node id: the origin worker, its sequence number, the publish's time.
constexpr size_t kTrailer = 1 + 8 + 8;

void put_u64(std::string& out, uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = char(v >> (8 * i));
    out.append(b, 8);
}

uint64_t get_u64(std::string_view in) noexcept {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | uint8_t(in[size_t(i)]);
    return v;
}

std::string direct_channel(std::string_view prefix, uint32_t node, unsigned worker) {
    std::string channel(prefix);
    channel += ":direct:";
    channel += std::to_string(node);
    channel += ':';
    channel += std::to_string(worker);
    return channel;
}

}  // namespace

RedisBus::RedisBus(Worker& w, uint64_t token, uint32_t timer, uint32_t heartbeat_timer)
    : w_(w),
      timer_(timer),
      heartbeat_timer_(heartbeat_timer),
      link_(*this, token, endpoint_of(w), options_of(w.config())),
      channel_prefix_(w.config().redis_prefix + ":room:"),
      direct_channel_(direct_channel(w.config().redis_prefix, w.shared().node_number, w.index())) {}

void RedisBus::start() {
    link_.start();
    if (w_.index() == 0) w_.loop().set_timer(heartbeat_timer_, w_.now_ms() + w_.config().node_timeout_ms / 3);
}

void RedisBus::on_heartbeat() {
    if (up()) renew_node_number();
    w_.loop().set_timer(heartbeat_timer_, w_.now_ms() + w_.config().node_timeout_ms / 3);
}

// The number's key, renewed for another --node-timeout if it is free or
// this node's; left alone if another node took it (while this one could
// not reach Redis, or when both started without it).
void RedisBus::renew_node_number() {
    static constexpr std::string_view kRenew =
        "local v = redis.call('GET', KEYS[1]) "
        "if v == false or v == ARGV[1] then "
        "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 'wshub:held' end "
        "return 'wshub:taken:' .. v";
    const std::string key = node_number_key(w_.config().redis_prefix, w_.shared().node_number);
    const std::string ttl = std::to_string(w_.config().node_timeout_ms);
    link_.send({"EVAL", kRenew, "1", key, w_.shared().node_id, ttl});
}

void RedisBus::take_renewal(std::string_view answer) {
    constexpr std::string_view kTaken = "wshub:taken:";
    const bool taken = answer.substr(0, kTaken.size()) == kTaken;
    if (taken == number_taken_) return;
    number_taken_ = taken;
    const LogLevel level = taken ? LogLevel::warn : LogLevel::info;
    if (!log_enabled(level)) return;
    Log line(level, taken ? "node_number_taken" : "node_number");
    line.str("node", w_.shared().node_id).num("number", w_.shared().node_number);
    if (taken) line.str("holder", answer.substr(kTaken.size(), 64));
    line.emit();
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

void RedisBus::watch(uint16_t ns, std::string_view name) {
    const std::string& channel = channel_of(ns, name);
    channels_.emplace(channel, RoomKey{ns, std::string(name)});
    w_.counters().redis_subscriptions.add(1);
    // A full queue (Redis stalled) holds the SUBSCRIBE back, not loses it.
    if (up() && (!unsent_.empty() || !link_.send({"SUBSCRIBE", channel}))) unsent_.push_back(channel);
}

void RedisBus::flush() {
    while (!unsent_.empty() && up()) {
        const std::string& channel = unsent_.front();
        if (channels_.count(channel) != 0 && !link_.send({"SUBSCRIBE", channel})) break;
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

void RedisBus::publish(uint16_t ns, std::string_view name, const hub::Frame& frame) {
    if (!up()) {
        w_.counters().redis_drop(metrics::RedisDrop::down);
        return;
    }
    const std::string& node = w_.shared().node_id;
    envelope_.assign(kMagic);
    envelope_ += char(hub::opcode_of(frame));
    envelope_ += char(node.size());
    envelope_ += node;
    envelope_ += char(w_.index());
    put_u64(envelope_, ++seq_);
    put_u64(envelope_, metrics::now_us());
    envelope_ += hub::payload_of(frame);
    if (!link_.send({"PUBLISH", channel_of(ns, name), envelope_})) {
        w_.counters().redis_drop(metrics::RedisDrop::queue_full);
        return;
    }
    w_.counters().redis_published.add();
}

bool RedisBus::send_direct(hub::MemberId target, uint16_t ns, const hub::Frame& frame) {
    if (!up()) {
        w_.counters().redis_drop(metrics::RedisDrop::down);
        return true;
    }
    envelope_.assign(kDirectMagic);
    envelope_ += char(hub::opcode_of(frame));
    envelope_ += char(ns & 0xFF);
    envelope_ += char(ns >> 8);
    put_u64(envelope_, target);
    envelope_ += hub::payload_of(frame);
    const std::string channel =
        direct_channel(w_.config().redis_prefix, hub::node_of(target), hub::worker_of(target));
    if (!link_.send({"PUBLISH", channel, envelope_})) {
        w_.counters().redis_drop(metrics::RedisDrop::queue_full);
        return true;
    }
    w_.counters().redis_published.add();
    return true;
}

// A direct message from a member of another node to one of this worker's.
void RedisBus::deliver_direct(std::string_view envelope) {
    const uint8_t op = envelope.size() >= kDirectHead ? uint8_t(envelope[2]) : 0;
    if ((op != uint8_t(ws::Opcode::text) && op != uint8_t(ws::Opcode::binary)) ||
        envelope.substr(0, kDirectMagic.size()) != kDirectMagic) {
        w_.counters().redis_drop(metrics::RedisDrop::malformed);
        return;
    }
    const uint16_t ns = uint16_t(uint8_t(envelope[3]) | uint8_t(envelope[4]) << 8);
    const hub::MemberId target = get_u64(envelope.substr(5));
    hub::Frame* f = hub::make_frame(ws::Opcode(op), envelope.substr(kDirectHead));
    if (!f || hub::node_of(target) != w_.shared().node_number || ns >= w_.config().namespaces.size()) {
        if (f) hub::release(f);
        w_.counters().redis_drop(metrics::RedisDrop::malformed);
        return;
    }
    w_.counters().redis_received.add();
    w_.hub().send_to(target, ns, f, nullptr);  // nothing if it closed meanwhile
    hub::release(f);
}

// An envelope from the channel of a room this worker has members in.
void RedisBus::deliver(std::string_view channel, std::string_view envelope) {
    if (channel == direct_channel_) return deliver_direct(envelope);
    const auto it = channels_.find(channel);
    if (it == channels_.end()) return;  // unsubscribed since it was sent
    const std::string& node = w_.shared().node_id;
    const size_t head = kMagic.size() + 2;
    if (envelope.size() < head || envelope.substr(0, kMagic.size()) != kMagic) {
        w_.counters().redis_drop(metrics::RedisDrop::malformed);
        return;
    }
    const uint8_t op = uint8_t(envelope[kMagic.size()]);
    const size_t node_len = uint8_t(envelope[kMagic.size() + 1]);
    if ((op != uint8_t(ws::Opcode::text) && op != uint8_t(ws::Opcode::binary)) ||
        envelope.size() < head + node_len + kTrailer) {
        w_.counters().redis_drop(metrics::RedisDrop::malformed);
        return;
    }
    if (envelope.substr(head, node_len) == node) {
        // This node's own: its members have it; how long Redis took is news.
        const uint64_t sent_us = get_u64(envelope.substr(head + node_len + 1 + 8));
        const uint64_t now = metrics::now_us();
        if (now >= sent_us) w_.counters().redis_round_trip.observe(now - sent_us);
        return;
    }
    const std::string_view payload = envelope.substr(head + node_len + kTrailer);
    hub::Frame* f = hub::make_frame(ws::Opcode(op), payload);
    if (!f) {
        w_.counters().redis_drop(metrics::RedisDrop::malformed);
        return;
    }
    w_.counters().redis_received.add();
    w_.hub().deliver_remote(it->second.ns, it->second.name, f);
    hub::release(f);
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
    // Every room with members here, again: a new connection has no subscriptions.
    if (w_.index() == 0) renew_node_number();
    link_.send({"SUBSCRIBE", direct_channel_});
    std::vector<std::string_view> args;
    args.reserve(kChannelsPerSubscribe + 1);
    for (auto it = channels_.begin(); it != channels_.end();) {
        args.assign(1, "SUBSCRIBE");
        for (; it != channels_.end() && args.size() <= kChannelsPerSubscribe; ++it) args.push_back(it->first);
        link_.send(args.data(), args.size());
    }
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
