// ClusterPubSub's side of its links: ups and losses, replies matched to the
// commands that asked for them, pushes, and the slot map's refreshes.
#include "redis/cluster_pubsub.h"

#include <cstring>

#include "redis/redirect.h"

namespace wshub::redis {
namespace {

bool is_redirect(std::string_view error) {
    Redirect r;
    return parse_redirect(error, r);
}

bool same_address(const net::Address& a, const net::Address& b) {
    return a.length == b.length && std::memcmp(&a.storage, &b.storage, a.length) == 0;
}

}  // namespace

void ClusterPubSub::want_refresh() { refresh_wanted_ = true; }

// One CLUSTER SHARDS at a time, at most one per refresh_min_ms, on the
// first primary up, else on the seed link (opened if need be; its up asks).
void ClusterPubSub::refresh() {
    if (!refresh_wanted_ || refresh_on_ != kLinks) return;
    const uint64_t now = loop_.now_ms();
    if (last_refresh_ms_ != 0 && now < last_refresh_ms_ + refresh_min_ms_) {
        loop_.set_timer(kRefreshTimer, last_refresh_ms_ + refresh_min_ms_);
        return;
    }
    size_t on = kLinks;
    for (size_t i = kFirstPrimary; i < kLinks && on == kLinks; ++i)
        if (link_up(i)) on = i;
    if (on == kLinks && link_up(kSeedLink)) on = kSeedLink;
    if (on == kLinks) {
        if (!links_[kSeedLink].link) open_seed();
        return;
    }
    if (!links_[on].link->send({"CLUSTER", "SHARDS"})) return;  // a full queue: the next pass
    links_[on].pending.push_back({Sent::map, {}});
    refresh_on_ = on;
    refresh_wanted_ = false;
    last_refresh_ms_ = now;
}

// Links kept for primaries still named, opened for new ones, closed for the
// rest; then every channel not on its owner goes there.
void ClusterPubSub::apply_map(const ShardMap& map) {
    std::array<uint8_t, kMaxShards> link_of_primary;
    link_of_primary.fill(kNone);
    std::array<bool, kLinks> fresh{};
    for (size_t i = kFirstPrimary; i < kLinks; ++i) {
        if (!links_[i].link) continue;
        size_t p = 0;
        while (p < map.primaries.size() &&
               (link_of_primary[p] != kNone || !same_address(map.primaries[p], links_[i].link->endpoint().address)))
            ++p;
        if (p < map.primaries.size()) {
            link_of_primary[p] = uint8_t(i);
        } else {
            close_link(i);
            fresh[i] = true;
        }
    }
    for (size_t p = 0; p < map.primaries.size(); ++p) {
        if (link_of_primary[p] != kNone) continue;
        size_t i = kFirstPrimary;
        while (links_[i].link) ++i;  // a free one: at most kMaxShards primaries
        link_of_primary[p] = uint8_t(i);
        fresh[i] = true;
        open_link(i, map.primaries[p]);
    }
    for (size_t s = 0; s < kSlotCount; ++s) owner_[s] = map.owner[s] == kNoShard ? kNone : link_of_primary[map.owner[s]];
    map_known_ = true;
    ++maps_taken_;
    seed_backoff_.reset();
    close_link(kSeedLink);
    for (auto& [name, c] : channels_) {
        if (c.link != kNone && (fresh[c.link] || owner_[c.slot] != c.link)) c.link = kNone;
        if (c.link == kNone) place(name, c);
    }
    if (reported_up_ && !up()) {
        reported_up_ = false;
        // No link was lost: a new primary not yet connected, or slots
        // left without one. Told on the new primary's link, if any.
        size_t i = kFirstPrimary;
        while (i < kLinks && (!links_[i].link || link_up(i))) ++i;
        LinkDown d;
        d.reason = i < kLinks ? "new primary in the slot map" : "slots without a primary in the slot map";
        listener_.on_down(i < kLinks ? i : kSeedLink, d, true);
    }
    report_up();
}

void ClusterPubSub::report_up() {
    if (reported_up_ || !up()) return;
    reported_up_ = true;
    listener_.on_up();
}

void ClusterPubSub::on_up(Link& l) {
    const size_t index = l.token();
    if (index == kSeedLink) return want_refresh();
    links_[index].pending.clear();
    links_[index].held.clear();
    // A new connection has no subscriptions: every channel it owns again.
    for (auto& [name, c] : channels_) {
        if (owner_[c.slot] != index) continue;
        c.link = kNone;
        place(name, c);
    }
    report_up();
}

void ClusterPubSub::on_down(Link& l, const LinkDown& down) {
    const size_t index = l.token();
    Slot& s = links_[index];
    s.pending.clear();
    s.held.clear();
    if (refresh_on_ == index) refresh_on_ = kLinks;
    // Lost or refused, a primary may have failed over: ask where things are.
    want_refresh();
    if (index == kSeedLink) {
        loop_.set_timer(kSeedLink, loop_.now_ms() + seed_backoff_.next());
        return listener_.on_down(index, down, false);
    }
    const bool was_up = reported_up_;
    reported_up_ = false;
    listener_.on_down(index, down, was_up);
}

void ClusterPubSub::on_push(Link& l, const Value& push) {
    const size_t index = l.token();
    Value v[3];
    if (take(push, v, 3) != 3 || push.size != 3) return;
    const std::string_view kind = v[0].text;
    auto& pending = links_[index].pending;
    const auto it = channels_.find(v[1].text);
    if (kind == "smessage") {
        // Only from where it is subscribed: an old owner's late copy is dropped.
        if (it != channels_.end() && it->second.link == index) listener_.on_message(v[1].text, v[2].text);
    } else if (kind == "ssubscribe") {
        if (!pending.empty() && pending.front().kind == Sent::subscribe) pending.pop_front();
    } else if (kind == "sunsubscribe") {
        if (!pending.empty() && pending.front().kind == Sent::unsubscribe && pending.front().channel == v[1].text) {
            pending.pop_front();
        } else if (it != channels_.end() && it->second.link == index) {
            // Not asked for: the slot moved away from this primary.
            it->second.link = kNone;
            want_refresh();
        }
    }
}

void ClusterPubSub::on_reply(Link& l, const Value& reply) {
    const size_t index = l.token();
    auto& pending = links_[index].pending;
    if (pending.empty()) {
        if (reply.is_error()) listener_.on_error(reply.text);
        return;
    }
    const Pending p = std::move(pending.front());
    pending.pop_front();
    if (p.kind == Sent::map) return take_map(l, reply);
    if (p.kind == Sent::command && !reply.is_error()) return listener_.on_command_reply(reply);
    if (!reply.is_error()) return;
    const bool redirected = is_redirect(reply.text);
    if (p.kind == Sent::command) {
        if (redirected) want_refresh();
        return listener_.on_error(reply.text);
    }
    if (p.kind == Sent::publish) {
        if (redirected) want_refresh();
        return listener_.on_publish_failed(reply.text);
    }
    if (p.kind != Sent::subscribe) return;
    // Refused where the map said: placed again once a map is taken.
    const auto it = channels_.find(p.channel);
    if (it != channels_.end() && it->second.link == index) it->second.link = kNone;
    want_refresh();
    if (!redirected) listener_.on_error(reply.text);
}

void ClusterPubSub::take_map(Link& l, const Value& reply) {
    refresh_on_ = kLinks;
    ShardMap map;
    std::string why;
    if (read_shards(reply, l.endpoint().address, map, why)) {
        incoming_ = std::move(map);
        return;
    }
    want_refresh();
    listener_.on_error("cluster map refused: " + why);
}

}  // namespace wshub::redis
