// PubSub over a Redis Cluster with sharded pub/sub (Redis 7): each channel is
// SSUBSCRIBEd, and SPUBLISHed, on the primary that owns key_slot(channel),
// one redis::Link per primary.
//
// The slot map comes from CLUSTER SHARDS (cluster_map.h), asked first of the
// seeds in turn (link kSeedLink, closed once a map is taken), then of any
// primary that is up. It is asked again, at most once per
// ClusterOptions::refresh_min_ms, when a reply says MOVED or ASK, when a
// primary pushes a `sunsubscribe` nobody asked for (the spec's way of saying
// the channel's slot moved away), or when a primary's link is lost (a
// failover names a new one). A new map keeps the links of primaries it still
// names, opens links to new ones (up to kMaxShards) and closes the rest; every
// channel whose owner changed is subscribed on its new owner. A map refused
// (malformed, hostile, more than kMaxShards primaries) is told through
// on_error, and the old one kept.
//
// A primary whose link is down: its publishes are `down`, its channels are
// subscribed again when it is back; the other primaries go on. Publishes are
// never retried: one answered by an error (MOVED while a slot moves) is told
// through on_publish_failed and lost, since a retry could overtake a later
// publish of the same publisher.
//
// up(): a map is known, every slot has a primary and every primary's link is
// up. A map that names a primary not yet connected ends an up period with an
// on_down of that link's index ("new primary in the slot map"; or of
// kSeedLink when the map leaves slots without a primary), its LinkDown
// dropping nothing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "redis/backoff.h"
#include "redis/channel_hash.h"
#include "redis/cluster_map.h"
#include "redis/link.h"
#include "redis/pubsub.h"

namespace wshub::redis {

struct ClusterOptions {
    // Every link's. Its limits are raised to what a CLUSTER SHARDS reply
    // needs (kShardsDepth, kShardsElements, 1 MiB) where they are lower.
    LinkOptions link;
    uint32_t refresh_min_ms = 250;  // between two CLUSTER SHARDS
};

class ClusterPubSub final : public PubSub, private LinkHost {
public:
    // Link indexes: the seeds' link, a timer with no socket (the map's next
    // refresh), then one per primary.
    static constexpr size_t kSeedLink = 0;
    static constexpr size_t kRefreshTimer = 1;
    static constexpr size_t kFirstPrimary = 2;
    static constexpr size_t kLinks = kFirstPrimary + kMaxShards;

    // `seeds` (at least one) are tried in turn until one answers with a map;
    // the first's user, password and client name go to every link (db must
    // be 0 in a cluster). `loop` and `listener` outlive the client.
    ClusterPubSub(PubSubLoop& loop, PubSubListener& listener, std::vector<Endpoint> seeds, ClusterOptions options);
    ~ClusterPubSub() override;

    size_t max_links() const noexcept override { return kLinks; }
    void start() override;
    void on_ready(size_t link, uint32_t events) override;
    void on_timer(size_t link) override;
    void flush() override;
    bool up() const noexcept override;
    void subscribe(std::string_view channel) override;
    void unsubscribe(std::string_view channel) override;
    size_t subscriptions() const noexcept override { return channels_.size(); }
    Publish publish(std::string_view channel, std::string_view payload) override;
    using PubSub::command;
    bool command(std::string_view key, const std::string_view* args, size_t count) override;

    // Maps taken since start (the first included).
    uint64_t maps_taken() const noexcept { return maps_taken_; }
    // Primaries in the map in use.
    size_t primaries() const noexcept;
    // The link index serving `channel` now, or kLinks if none.
    size_t link_of(std::string_view channel) const noexcept;
    // Subscribes held back by a full queue, on every link.
    size_t held_back() const noexcept;

private:
    static constexpr uint8_t kNone = 0xff;
    enum class Sent : uint8_t { publish, subscribe, unsubscribe, map, command };
    // A command written that a reply or a confirming push answers, in order.
    struct Pending {
        Sent kind;
        std::string channel;  // subscribe, unsubscribe
    };
    struct Channel {
        uint16_t slot;
        uint8_t link = kNone;  // where it was last SSUBSCRIBEd, kNone: nowhere yet
    };
    struct Slot {
        std::unique_ptr<Link> link;
        std::deque<Pending> pending;
        std::deque<std::string> held;  // subscribes refused by a full queue
    };

    PubSubLoop& loop_;
    PubSubListener& listener_;
    const std::vector<Endpoint> seeds_;
    LinkOptions link_options_;
    const uint32_t refresh_min_ms_;
    std::array<Slot, kLinks> links_;
    std::array<uint8_t, kSlotCount> owner_{};  // link index, or kNone
    std::unordered_map<std::string, Channel, detail::ChannelHash, std::equal_to<>> channels_;
    std::optional<ShardMap> incoming_;  // a map read, applied at the next flush
    bool map_known_ = false;
    bool reported_up_ = false;  // on_up told, no loss since
    bool started_ = false;
    size_t seed_at_ = 0;
    Backoff seed_backoff_;
    bool refresh_wanted_ = false;
    size_t refresh_on_ = kLinks;  // the link a CLUSTER SHARDS is pending on
    uint64_t last_refresh_ms_ = 0;
    uint64_t maps_taken_ = 0;

    bool link_up(size_t index) const noexcept;
    void open_seed();
    void open_link(size_t index, const net::Address& address);
    void close_link(size_t index);
    void apply_map(const ShardMap& map);
    void place(const std::string& channel, Channel& c);
    void drain_held(size_t index);
    void want_refresh();
    void refresh();
    void report_up();

    // LinkHost: a link's token is its index.
    int watch(Link& l, int fd, uint32_t interest) override { return loop_.watch(l.token(), fd, interest); }
    int rewatch(Link& l, int fd, uint32_t old_interest, uint32_t interest) override {
        return loop_.rewatch(l.token(), fd, old_interest, interest);
    }
    void unwatch(Link& l, int fd, uint32_t old_interest) override { loop_.unwatch(l.token(), fd, old_interest); }
    void set_timer(Link& l, uint64_t deadline_ms) override { loop_.set_timer(l.token(), deadline_ms); }
    void cancel_timer(Link& l) override { loop_.cancel_timer(l.token()); }
    uint64_t now_ms() override { return loop_.now_ms(); }
    void on_up(Link& l) override;
    void on_down(Link& l, const LinkDown& down) override;
    void on_push(Link& l, const Value& push) override;
    void on_reply(Link& l, const Value& reply) override;
    void take_map(Link& l, const Value& reply);
};

}  // namespace wshub::redis
