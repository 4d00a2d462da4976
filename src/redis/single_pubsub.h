// PubSub over one Redis server and one redis::Link (link index 0): SUBSCRIBE
// and PUBLISH. Every channel of the set is subscribed again on every
// reconnect, in commands of at most kChannelsPerSubscribe channels; a
// subscribe that did not fit a full queue is held back and retried at flush.
// up() is the link's being up.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

#include "redis/channel_hash.h"
#include "redis/link.h"
#include "redis/pubsub.h"

namespace wshub::redis {

// SUBSCRIBE takes many channels: a resubscription after a reconnect goes in
// commands of at most this many (the owner sizes LinkOptions::limits for
// their confirmations).
constexpr size_t kChannelsPerSubscribe = 512;

class SinglePubSub final : public PubSub, private LinkHost {
public:
    // `loop` and `listener` outlive the client.
    SinglePubSub(PubSubLoop& loop, PubSubListener& listener, Endpoint endpoint, LinkOptions options);

    size_t max_links() const noexcept override { return 1; }
    void start() override { link_.start(); }
    void on_ready(size_t, uint32_t events) override { link_.on_ready(events); }
    void on_timer(size_t) override { link_.on_timer(); }
    void flush() override;
    bool up() const noexcept override { return link_.state() == LinkState::up; }
    void subscribe(std::string_view channel) override;
    void unsubscribe(std::string_view channel) override;
    size_t subscriptions() const noexcept override { return channels_.size(); }
    Publish publish(std::string_view channel, std::string_view payload) override;
    using PubSub::command;
    bool command(std::string_view key, const std::string_view* args, size_t count) override;

    // The connection, for its counters (reconnects, buffers, last reason).
    const Link& link() const noexcept { return link_; }
    // Subscribes held back by a full queue.
    size_t held_back() const noexcept { return held_.size(); }

private:
    PubSubLoop& loop_;
    PubSubListener& listener_;
    Link link_;
    std::unordered_set<std::string, detail::ChannelHash, std::equal_to<>> channels_;
    // Channels subscribed while the queue was full, in order: sent at flush.
    std::deque<std::string> held_;

    // LinkHost: the link is index 0.
    int watch(Link&, int fd, uint32_t interest) override { return loop_.watch(0, fd, interest); }
    int rewatch(Link&, int fd, uint32_t old_interest, uint32_t interest) override {
        return loop_.rewatch(0, fd, old_interest, interest);
    }
    void unwatch(Link&, int fd, uint32_t old_interest) override { loop_.unwatch(0, fd, old_interest); }
    void set_timer(Link&, uint64_t deadline_ms) override { loop_.set_timer(0, deadline_ms); }
    void cancel_timer(Link&) override { loop_.cancel_timer(0); }
    uint64_t now_ms() override { return loop_.now_ms(); }
    void on_up(Link&) override;
    void on_down(Link&, const LinkDown& down) override { listener_.on_down(0, down, down.was_up); }
    void on_push(Link&, const Value& push) override;
    void on_reply(Link&, const Value& reply) override;
};

}  // namespace wshub::redis
