// A worker's side of the Redis bus between wshub nodes (--redis): its own
// connection to Redis (redis::Link, on the worker's loop), a SUBSCRIBE for
// each room this worker has members in, and a PUBLISH of an envelope for
// each message published on this node by this worker. What comes back from
// other nodes goes to this worker's members (Hub::deliver_remote); a node's
// own envelopes, which come back to it too, are ignored.
//
// Channels are PREFIX:room:N:NAMESPACE:ROOM, N the namespace's length, so
// nodes sharing rooms need the same routes (the namespace is a route's path
// or its rooms=NAME). The
// envelope is binary: "W1", the opcode, the node id's length and bytes, the
// origin worker, a sequence number (per worker), the time it was published
// (for the round trip a node measures on its own envelopes), the payload.
//
// A direct message to a member of another node goes to the channel of that
// member's node and worker, PREFIX:direct:NODE:WORKER, in an envelope of its
// own: "WD", the opcode, the namespace (16 bits), the member's id (64
// bits), the payload.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/config.h"
#include "hub/bus.h"
#include "redis/link.h"

namespace wshub::app {

class Worker;

class RedisBus final : public hub::Bus, public redis::LinkHost {
public:
    RedisBus(Worker& w, uint64_t token, uint32_t timer, uint32_t heartbeat_timer);
    // Starts connecting; the node serves its own rooms meanwhile.
    void start();
    // The loop's side.
    void on_ready(uint32_t events) { link_.on_ready(events); }
    void on_timer() { link_.on_timer(); }
    // Worker 0's, every third of --node-timeout: renews the node's number.
    void on_heartbeat();
    // Once a pass: SUBSCRIBEs held back by a full queue, then the writes.
    void flush();
    bool up() const noexcept { return link_.state() == redis::LinkState::up; }

    // hub::Bus
    void watch(uint16_t ns, std::string_view name) override;
    void unwatch(uint16_t ns, std::string_view name) override;
    void publish(uint16_t ns, std::string_view name, const hub::Frame& frame) override;
    bool send_direct(hub::MemberId target, uint16_t ns, const hub::Frame& frame) override;

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
    };
    Worker& w_;
    uint32_t timer_;
    uint32_t heartbeat_timer_;
    bool number_taken_ = false;  // another node holds this node's number (logged once)
    redis::Link link_;
    std::string channel_prefix_;  // "PREFIX:room:"
    // PREFIX:direct:NODE:WORKER: messages for this worker's members from
    // members of other nodes; subscribed whenever the link is up.
    std::string direct_channel_;
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
    void deliver(std::string_view channel, std::string_view envelope);
    void deliver_direct(std::string_view envelope);
    void renew_node_number();
    void take_renewal(std::string_view answer);
};

}  // namespace wshub::app
