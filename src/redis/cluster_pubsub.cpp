#include "redis/cluster_pubsub.h"

#include <algorithm>
#include "redis/slot.h"

namespace wshub::redis {
namespace {

// A CLUSTER SHARDS reply fits these, whatever the owner's limits say.
LinkOptions with_map_limits(LinkOptions o) {
    o.limits.max_depth = std::max(o.limits.max_depth, kShardsDepth);
    o.limits.max_elements = std::max(o.limits.max_elements, kShardsElements);
    o.limits.max_reply = std::max<uint64_t>(o.limits.max_reply, 1 << 20);
    return o;
}

}  // namespace

ClusterPubSub::ClusterPubSub(PubSubLoop& loop, PubSubListener& listener, std::vector<Endpoint> seeds,
                             ClusterOptions options)
    : loop_(loop),
      listener_(listener),
      seeds_(std::move(seeds)),
      link_options_(with_map_limits(options.link)),
      refresh_min_ms_(options.refresh_min_ms),
      seed_backoff_(options.link.backoff_first_ms, options.link.backoff_cap_ms,
                    options.link.seed != 0 ? options.link.seed : loop.now_ms() ^ uint64_t(uintptr_t(this))) {
    owner_.fill(kNone);
}

ClusterPubSub::~ClusterPubSub() {
    if (started_) loop_.cancel_timer(kRefreshTimer);
}

void ClusterPubSub::start() {
    if (started_ || seeds_.empty()) return;
    started_ = true;
    open_seed();
}

bool ClusterPubSub::link_up(size_t index) const noexcept {
    return index < kLinks && links_[index].link && links_[index].link->state() == LinkState::up;
}

bool ClusterPubSub::up() const noexcept {
    if (!map_known_) return false;
    for (uint8_t owner : owner_)
        if (owner == kNone) return false;
    for (size_t i = kFirstPrimary; i < kLinks; ++i)
        if (links_[i].link && links_[i].link->state() != LinkState::up) return false;
    return true;
}

size_t ClusterPubSub::primaries() const noexcept {
    size_t n = 0;
    for (size_t i = kFirstPrimary; i < kLinks; ++i) n += links_[i].link ? 1 : 0;
    return n;
}

size_t ClusterPubSub::link_of(std::string_view channel) const noexcept {
    const uint8_t owner = owner_[key_slot(channel)];
    return owner == kNone ? kLinks : owner;
}

size_t ClusterPubSub::held_back() const noexcept {
    size_t n = 0;
    for (const Slot& s : links_) n += s.held.size();
    return n;
}

// The seed link to the seed whose turn it is (replacing the last one).
void ClusterPubSub::open_seed() {
    Endpoint e = seeds_[seed_at_ % seeds_.size()];
    e.db = 0;
    close_link(kSeedLink);
    links_[kSeedLink].link = std::make_unique<Link>(static_cast<LinkHost&>(*this), kSeedLink, std::move(e), link_options_);
    links_[kSeedLink].link->start();
}

void ClusterPubSub::open_link(size_t index, const net::Address& address) {
    Endpoint e = seeds_.front();
    e.address = address;
    e.db = 0;
    links_[index].link = std::make_unique<Link>(static_cast<LinkHost&>(*this), index, std::move(e), link_options_);
    links_[index].link->start();
}

// Never from inside one of the link's own callbacks.
void ClusterPubSub::close_link(size_t index) {
    Slot& s = links_[index];
    s.link.reset();
    s.pending.clear();
    s.held.clear();
    if (refresh_on_ == index) refresh_on_ = kLinks;
}

void ClusterPubSub::on_ready(size_t link, uint32_t events) {
    if (link < kLinks && links_[link].link) links_[link].link->on_ready(events);
}

// The seed link's retries go to the next seed, under the client's own
// backoff (a new Link would start its own from the minimum).
void ClusterPubSub::on_timer(size_t link) {
    if (link == kRefreshTimer) return refresh();
    if (link >= kLinks || !links_[link].link) return;
    if (link == kSeedLink && links_[link].link->state() == LinkState::waiting) {
        ++seed_at_;
        return open_seed();
    }
    links_[link].link->on_timer();
}

void ClusterPubSub::flush() {
    if (incoming_) {
        const ShardMap map = std::move(*incoming_);
        incoming_.reset();
        apply_map(map);
    }
    for (size_t i = kFirstPrimary; i < kLinks; ++i) drain_held(i);
    refresh();
    for (Slot& s : links_)
        if (s.link) s.link->flush();
}

void ClusterPubSub::subscribe(std::string_view channel) {
    auto [it, added] = channels_.try_emplace(std::string(channel), Channel{key_slot(channel)});
    if (added) place(it->first, it->second);
}

void ClusterPubSub::unsubscribe(std::string_view channel) {
    const auto it = channels_.find(channel);
    if (it == channels_.end()) return;
    const uint8_t link = it->second.link;
    channels_.erase(it);
    // A full queue loses this one: messages of a channel not in the set are dropped.
    if (link_up(link) && links_[link].link->send({"SUNSUBSCRIBE", channel}))
        links_[link].pending.push_back({Sent::unsubscribe, std::string(channel)});
}

Publish ClusterPubSub::publish(std::string_view channel, std::string_view payload) {
    const uint8_t owner = owner_[key_slot(channel)];
    if (!map_known_ || !link_up(owner)) return Publish::down;
    if (!links_[owner].link->send({"SPUBLISH", channel, payload})) return Publish::queue_full;
    links_[owner].pending.push_back({Sent::publish, {}});
    return Publish::sent;
}

bool ClusterPubSub::command(std::string_view key, const std::string_view* args, size_t count) {
    const uint8_t owner = owner_[key_slot(key)];
    if (!map_known_ || !link_up(owner) || !links_[owner].link->send(args, count)) return false;
    links_[owner].pending.push_back({Sent::command, {}});
    return true;
}

// SSUBSCRIBE on the channel's owner when it is up; held back behind others
// or by a full queue. An owner down or unknown: its next up places it.
void ClusterPubSub::place(const std::string& channel, Channel& c) {
    const uint8_t owner = owner_[c.slot];
    if (!link_up(owner)) return;
    Slot& s = links_[owner];
    if (!s.held.empty() || !s.link->send({"SSUBSCRIBE", channel})) {
        s.held.push_back(channel);
        return;
    }
    s.pending.push_back({Sent::subscribe, channel});
    c.link = owner;
}

void ClusterPubSub::drain_held(size_t index) {
    Slot& s = links_[index];
    if (!link_up(index)) return;
    while (!s.held.empty()) {
        const auto it = channels_.find(s.held.front());
        // Gone, placed since, or owned elsewhere now: nothing to do here.
        if (it != channels_.end() && it->second.link == kNone && owner_[it->second.slot] == index) {
            if (!s.link->send({"SSUBSCRIBE", it->first})) break;
            s.pending.push_back({Sent::subscribe, it->first});
            it->second.link = uint8_t(index);
        }
        s.held.pop_front();
    }
}

}  // namespace wshub::redis
