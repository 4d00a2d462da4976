// A worker's side of the Redis bus between wshub nodes (--redis, or
// --redis-cluster): its own pub/sub client (redis::SinglePubSub, or
// redis::ClusterPubSub with a connection per primary, on the worker's loop),
// a subscription for each room this worker has members in, and a publish of
// an envelope (bus/envelope.h) for each message published on this node by
// this worker.
// What comes back from other nodes goes to this worker's members
// (Hub::deliver_remote); a node's own envelopes, which come back to it too,
// are ignored.
//
// Channels are PREFIX:room:N:NAMESPACE:ROOM, N the namespace's length, so
// nodes sharing rooms need the same routes (the namespace is a route's path
// or its rooms=NAME); PREFIX:direct:NODE:WORKER, for direct messages to this
// worker's members; PREFIX:nodes, for the nodes' heartbeats and goodbyes.
//
// Members across nodes: each join and leave of a member here goes to the
// room's channel ('J', 'L', with the member's farewell), and a worker that
// subscribes to a room asks who is there ('Q'; each worker of the other
// nodes with members in it answers on the room's channel, 'R'). So each
// worker lists, per room it
// has members in, the members of the other nodes (bus::Roster): the room's
// cluster-wide count, and the farewells it delivers to its own members when
// a node goes unheard for 3/4 of --node-timeout (worker 0 of each node
// beats every quarter of it) or a worker of one says goodbye as it drains.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bus/node_table.h"
#include "bus/roster.h"
#include "config/config.h"
#include "hub/bus.h"
#include "redis/pubsub.h"
#include "wshub/handler.h"

namespace wshub::app {

class Connection;
class Worker;

// PREFIX:direct:NODE:WORKER: where direct messages to that worker's members go.
std::string direct_channel(std::string_view prefix, uint32_t node, unsigned worker);

class RedisBus final : public hub::Bus, private redis::PubSubLoop, private redis::PubSubListener {
public:
    // The most connections (link indexes) a bus has: a cluster's.
    static constexpr size_t kMaxLinks = 18;

    // Link i's poller token is first_token + i and its timer first_timer + i.
    RedisBus(Worker& w, uint64_t first_token, uint32_t first_timer, uint32_t heartbeat_timer);
    ~RedisBus();
    // Starts connecting; the node serves its own rooms meanwhile.
    void start();
    // The loop's side.
    void on_ready(size_t link, uint32_t events) { client_->on_ready(link, events); }
    void on_timer(size_t link) { client_->on_timer(link); }
    // Every sixteenth of --node-timeout: worker 0 beats (and renews the
    // node's number) every quarter of it; every worker drops the nodes it
    // has not heard for 3/4 of it.
    void on_heartbeat();
    // Once a pass: the writes.
    void flush() { client_->flush(); }
    bool up() const noexcept { return client_->up(); }

    // hub::Bus
    void watch(uint16_t ns, std::string_view name) override;
    void unwatch(uint16_t ns, std::string_view name) override;
    void publish(uint16_t ns, std::string_view name, const hub::Frame& frame) override;
    bool send_direct(hub::MemberId target, uint16_t ns, const hub::Frame& frame) override;

    // A member of this worker joined or left room `name` (the other nodes
    // list it); not while draining, when the goodbye says it for all.
    void member_joined(uint16_t ns, std::string_view name, Connection& c);
    void member_left(uint16_t ns, std::string_view name, hub::MemberId id);
    // Members of room `name` on the other nodes, as this worker knows them
    // (0 if it has no members there: it does not follow the room).
    size_t remote_members(uint16_t ns, std::string_view name) const noexcept;
    // Appends up to `max` of them to `out`.
    void list_remote(uint16_t ns, std::string_view name, size_t max, std::vector<wshub::RoomMember>& out) const;
    // The drain: this worker's members are gone, for the other nodes.
    void say_goodbye();

private:
    struct RoomKey {
        uint16_t ns;
        std::string name;
        bus::Roster roster;  // its members on other nodes
    };
    // Looked up by a message's channel, a view: no string made per message.
    struct ChannelHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };

    Worker& w_;
    const uint64_t first_token_;
    const uint32_t first_timer_;
    const uint32_t heartbeat_timer_;
    std::unique_ptr<redis::PubSub> client_;
    const std::string channel_prefix_;  // "PREFIX:room:"
    const std::string direct_channel_;  // this worker's
    const std::string nodes_channel_;   // PREFIX:nodes
    // Channel -> room, for every room with members on this worker.
    std::unordered_map<std::string, RoomKey, ChannelHash, std::equal_to<>> channels_;
    bus::NodeTable nodes_;
    // The nodes whose beat was heard since the client came up (and their
    // members the answers before it did not list again, swept).
    std::unordered_set<uint32_t> heard_since_up_;
    uint32_t epoch_ = 0;         // times up: also this worker's generation (bus::Generation)
    uint64_t beat_at_ms_ = 0;    // worker 0's next heartbeat
    uint64_t seq_ = 0;
    bool was_up_ = false;        // up before: the next up is a reconnect
    bool said_shared_ = false;   // node_number_shared logged
    bool number_taken_ = false;  // another node holds this node's number (logged once)
    // The reason of the loss or failed attempt last logged at warn since the
    // last up: a new reason (refused, then a wrong password) is said again.
    std::string said_down_;
    std::string channel_;   // scratch: a channel's name
    std::string envelope_;  // scratch: an envelope

    const std::string& channel_of(uint16_t ns, std::string_view name);
    // The room's, if this worker follows it; made without the scratch
    // channel_ so that a const query can look.
    const RoomKey* room_channel(uint16_t ns, std::string_view name) const;
    void publish_envelope(std::string_view channel, bool message);
    void ask(const std::string& channel);
    void deliver_message(RoomKey& room, std::string_view envelope);
    void deliver_direct(std::string_view envelope);
    void take_room_news(RoomKey& room, std::string_view envelope);
    void take_node_news(std::string_view envelope);
    void take_answer(RoomKey& room, std::string_view envelope);
    // This worker's members of `room`, on its channel, to `to` (or to all).
    void answer(const RoomKey& room, const std::string& channel, bus::Origin to);
    void node_gone(uint32_t node, int worker);
    void beat();
    void renew_node_number();
    void take_renewal(std::string_view answer);

    // redis::PubSubLoop: link i is token first_token_ + i, timer first_timer_ + i.
    int watch(size_t link, int fd, uint32_t interest) override;
    int rewatch(size_t link, int fd, uint32_t old_interest, uint32_t interest) override;
    void unwatch(size_t link, int fd, uint32_t old_interest) override;
    void set_timer(size_t link, uint64_t deadline_ms) override;
    void cancel_timer(size_t link) override;
    uint64_t now_ms() override;
    // redis::PubSubListener
    void on_message(std::string_view channel, std::string_view payload) override;
    void on_up() override;
    void on_down(size_t link, const redis::LinkDown& down, bool client_was_up) override;
    void on_publish_failed(std::string_view error) override;
    void on_error(std::string_view text) override;
    void on_command_reply(const redis::Value& reply) override;
};

}  // namespace wshub::app
