// A worker's side of the Redis bus between wshub nodes (--redis): its own
// connection to Redis (redis::Link, on the worker's loop), a SUBSCRIBE for
// each room this worker has members in, and a PUBLISH of an envelope
// (bus/envelope.h) for each message published on this node by this worker.
// What comes back from other nodes goes to this worker's members
// (Hub::deliver_remote); a node's own envelopes, which come back to it too,
// are ignored.
//
// Channels are PREFIX:room:N:NAMESPACE:ROOM, N the namespace's length, so
// nodes sharing rooms need the same routes (the namespace is a route's path
// or its rooms=NAME); PREFIX:direct:NODE:WORKER, for direct messages to this
// worker's members and answers to its questions; PREFIX:nodes, for the
// nodes' heartbeats and goodbyes.
//
// Members across nodes: each join and leave of a member here goes to the
// room's channel ('J', 'L', with the member's farewell), and a worker that
// subscribes to a room asks who is there ('Q'; each worker of the other
// nodes with members in it answers, 'R'). So each worker lists, per room it
// has members in, the members of the other nodes (bus::Roster): the room's
// cluster-wide count, and the farewells it delivers to its own members when
// a node goes unheard for 3/4 of --node-timeout (worker 0 of each node
// beats every quarter of it) or a worker of one says goodbye as it drains.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "bus/node_table.h"
#include "bus/roster.h"
#include "config/config.h"
#include "hub/bus.h"
#include "redis/link.h"

namespace wshub::app {

class Connection;
class Worker;

// PREFIX:direct:NODE:WORKER: where direct messages to that worker's members
// go, and answers to its questions.
std::string direct_channel(std::string_view prefix, uint32_t node, unsigned worker);

class RedisBus final : public hub::Bus, public redis::LinkHost {
public:
    RedisBus(Worker& w, uint64_t token, uint32_t timer, uint32_t heartbeat_timer);
    // Starts connecting; the node serves its own rooms meanwhile.
    void start();
    // The loop's side.
    void on_ready(uint32_t events) { link_.on_ready(events); }
    void on_timer() { link_.on_timer(); }
    // Every sixteenth of --node-timeout: worker 0 beats (and renews the
    // node's number) every quarter of it; every worker drops the nodes it
    // has not heard for 3/4 of it, and the members it did not hear again
    // after an outage.
    void on_heartbeat();
    // Once a pass: SUBSCRIBEs held back by a full queue, then the writes.
    void flush();
    bool up() const noexcept { return link_.state() == redis::LinkState::up; }

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
    // The drain: this worker's members are gone, for the other nodes.
    void say_goodbye();

    // redis::LinkHost
    int watch(redis::Link& link, int fd, uint32_t interest) override;
    int rewatch(redis::Link& link, int fd, uint32_t old_interest, uint32_t interest) override;
    void unwatch(redis::Link& link, int fd, uint32_t old_interest) override;
    void set_timer(redis::Link& link, uint64_t deadline_ms) override;
    void cancel_timer(redis::Link& link) override;
    uint64_t now_ms() override;
    void on_up(redis::Link& link) override;
    void on_down(redis::Link& link, const redis::LinkDown& down) override;
    void on_push(redis::Link& link, const redis::Value& push) override;
    void on_reply(redis::Link& link, const redis::Value& reply) override;

private:
    struct RoomKey {
        uint16_t ns;
        std::string name;
        bus::Roster roster;  // its members on other nodes
    };
    Worker& w_;
    uint32_t timer_;
    uint32_t heartbeat_timer_;
    bus::NodeTable nodes_;
    // The nodes whose beat was heard since the link came up (and their
    // members the answers before it did not list again, swept).
    std::unordered_set<uint32_t> heard_since_up_;
    bool said_shared_ = false;  // node_number_shared logged
    uint32_t epoch_ = 0;         // links up so far: rosters' entries from before the last are stale
    uint64_t beat_at_ms_ = 0;    // worker 0's next heartbeat
    bool number_taken_ = false;  // another node holds this node's number (logged once)
    redis::Link link_;
    std::string channel_prefix_;  // "PREFIX:room:"
    // PREFIX:direct:NODE:WORKER and PREFIX:nodes, subscribed whenever the
    // link is up.
    std::string direct_channel_;
    std::string nodes_channel_;
    // Looked up by a push's channel, a view: no string made per message.
    struct ChannelHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    // Channel -> room, for every room with members on this worker.
    std::unordered_map<std::string, RoomKey, ChannelHash, std::equal_to<>> channels_;
    // Rooms joined while the queue was full: subscribed once it has room.
    std::deque<std::string> unsent_;
    uint64_t seq_ = 0;
    bool was_up_ = false;  // up before: the next up is a reconnect
    // The reason of the loss or failed attempt last logged at warn since the
    // last up: a new reason (refused, then a wrong password) is said again.
    std::string said_down_;
    std::string channel_;   // scratch: a channel's name
    std::string envelope_;  // scratch: an envelope

    const std::string& channel_of(uint16_t ns, std::string_view name);
    bool subscribe_room(const std::string& channel);
    void deliver(std::string_view channel, std::string_view envelope);
    void deliver_message(RoomKey& room, std::string_view envelope);
    void deliver_direct(std::string_view envelope);
    void take_room_news(RoomKey& room, std::string_view envelope);
    void take_node_news(std::string_view envelope);
    void take_answer(std::string_view envelope);
    // This worker's members of `room`, to `to` (an asker's direct channel,
    // or the room's own after an outage).
    void answer(const RoomKey& room, const std::string& to);
    void forget_worker(uint32_t node, unsigned worker);
    void node_gone(uint32_t node, int worker);
    void beat();
    void publish_envelope(std::string_view channel, bool message);
    void renew_node_number();
    void take_renewal(std::string_view answer);
};

}  // namespace wshub::app
