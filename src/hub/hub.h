// A worker's hub: its rooms, the deliveries it makes to its own members, and
// its side of the hand-offs to and from the other workers. Only its worker
// calls it; other threads reach it through the Exchange. It never touches a
// socket: members are reached through the Sink.
//
// Memory and time stay bounded however publishers and members behave:
// - Each lane (what this worker has handed one worker, or kept back for
//   itself, and that has not been delivered yet) has LaneLimits. A publish
//   that finds its lane over them still goes, but its publisher is held
//   back (take_lane_hit, hold) until every lane from here is down to half.
// - A loop pass makes at most kPassBudget member deliveries; the rest waits
//   in the backlog, in order, for the next pass, so a worker working through
//   a burst still accepts and answers between slices.
// - Deliveries on this worker keep one order: while anything waits in the
//   backlog, new ones queue behind it.
#pragma once

#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

#include "hub/bus.h"
#include "hub/delivery.h"
#include "hub/exchange.h"
#include "hub/frame.h"
#include "hub/gate.h"
#include "hub/member.h"
#include "hub/room_table.h"
#include "hub/sink.h"

namespace wshub::hub {

class Hub {
public:
    Hub(Exchange& exchange, unsigned index, Sink& sink);
    ~Hub();
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    unsigned index() const noexcept { return index_; }
    RoomTable& rooms() noexcept { return rooms_; }
    Directory& directory() noexcept { return exchange_.directory(index_); }

    // Delivers `frame` to every member of room `name` of namespace `ns`, on
    // every worker, but `exclude`: framed once for all. `gate` is the
    // publisher's (--overflow block), or null. Returns the room's members,
    // on all workers, then.
    size_t publish(uint16_t ns, std::string_view name, Frame* frame, const Member* exclude, Gate* gate);
    // A message another node published to room `name` (through the bus):
    // to this worker's members of it, framed once for them all; nothing if
    // it has none. Returns the members it went to.
    size_t deliver_remote(uint16_t ns, std::string_view name, Frame* frame);
    // Room messages published here go to `bus` too, and it is told which
    // rooms this worker has members in (RoomTable::set_bus); null: one node.
    // `node` is this node's number (hub/member.h): direct messages to ids of
    // other nodes go through the bus.
    void set_bus(Bus* bus, uint32_t node) noexcept {
        bus_ = bus;
        node_ = node;
        rooms_.set_bus(bus);
    }
    // To every member of `scope` (Sink::deliver_scope) on every worker but
    // `exclude`.
    void broadcast(uint16_t scope, Frame* frame, const Member* exclude, Gate* gate);
    // To one member by id, on any worker, if it is open in namespace `ns`;
    // else false. A member of another node is the bus's (Bus::send_direct).
    bool send_to(MemberId target, uint16_t ns, Frame* frame, Gate* gate);
    // One unit of `gate` (Gate::kParked or kInFlight) is settled: releases
    // that reference, and if the gate opened, its publisher may be read again.
    void settle(Gate* gate, uint64_t unit);

    // True, once, if a publish or send since the last call went into a lane
    // over its bound: the caller holds its publisher back with hold().
    bool take_lane_hit() noexcept {
        const bool hit = lane_hit_;
        lane_hit_ = false;
        return hit;
    }
    void hold(MemberId publisher);
    // No lane from here is over its bound.
    bool lanes_open() const noexcept { return full_lanes_ == 0; }

    // A loop pass, in this order: begin_pass; take_inbox when woken (before
    // the sockets' events); run_backlog; then resume_publishers, hand_over,
    // the writes, hand_over again.
    void begin_pass() noexcept { budget_ = kPassBudget; }
    void take_inbox();
    void run_backlog() {
        if (!backlog_.empty() && budget_ != 0) work_through_backlog();
    }
    // Calls Sink::resume for each publisher that may be read again; true if
    // there were any (reading them may publish and settle more).
    bool resume_publishers() { return !resumable_.empty() && resume_each(); }
    // Posts what this pass gave other workers to their inboxes.
    void hand_over() {
        if (!outbox_targets_.empty()) post_outboxes();
    }
    // Work is waiting for the next pass: it must not sleep.
    bool busy() const noexcept { return !backlog_.empty() || !resumable_.empty(); }
    size_t backlog() const noexcept { return backlog_.size(); }

    // The drain: from now on a publish reaches nobody (what members say as
    // they close would only reach members that are closing too).
    void close() noexcept { closed_ = true; }
    bool closed() const noexcept { return closed_; }

private:
    void work_through_backlog();
    bool resume_each();
    void post_outboxes();
    bool can_deliver_now(size_t members) const noexcept {
        return backlog_.empty() && walking_ == 0 && members <= budget_;
    }
    void deliver_now(LocalRoom* local, Delivery& d);
    // Into lane index_ -> to: `to`'s outbox, or this backlog.
    void give(unsigned to, Delivery d);
    // True when d is done (else: budget spent, its walk goes on next pass).
    bool process(Delivery& d);
    void finish(Delivery& d);
    void lane_opened(unsigned to);
    void unblock(MemberId publisher);
    void to_outbox(unsigned to, const Delivery& d);

    Exchange& exchange_;
    Registry& registry_;
    unsigned index_;
    Sink& sink_;
    Bus* bus_ = nullptr;
    uint32_t node_ = 0;  // this node's number: 0 on a node alone
    RoomTable rooms_;
    bool closed_ = false;
    bool lane_hit_ = false;
    uint32_t walking_ = 0;  // room walks under way (a delivery may publish)
    uint32_t budget_ = kPassBudget;
    std::deque<Delivery> backlog_;  // a deque: it grows during a walk over its front
    std::vector<Delivery> inbox_;   // taken from the Exchange, moved to the backlog
    std::vector<std::vector<Delivery>> outbox_;  // per worker, handed over at hand_over
    std::vector<unsigned> outbox_targets_;
    std::vector<MemberId> resumable_;  // publishers of this worker that may be read again
    std::vector<MemberId> held_;       // publishers waiting for the lanes to open
    std::vector<bool> lane_full_;      // per receiver: this worker waits for it
    unsigned full_lanes_ = 0;
};

}  // namespace wshub::hub
