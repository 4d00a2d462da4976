#include "hub/hub.h"

#include <algorithm>

namespace wshub::hub {

Hub::Hub(Exchange& exchange, unsigned index, Sink& sink)
    : exchange_(exchange),
      registry_(exchange.registry()),
      index_(index),
      sink_(sink),
      rooms_(exchange.registry(), index, exchange.registry().namespaces()),
      outbox_(exchange.workers()),
      lane_full_(exchange.workers(), false) {}

Hub::~Hub() {
    for (Delivery& d : backlog_) discard(registry_, d);
    for (auto& box : outbox_)
        for (Delivery& d : box) discard(registry_, d);
}

size_t Hub::publish(uint16_t ns, std::string_view name, Frame* frame, const Member* exclude, Gate* gate) {
    if (closed_) return 0;
    LocalRoom* local = rooms_.find(ns, name);
    Room* room = local ? local->room : registry_.acquire(ns, name);
    const size_t members = room->members.load(std::memory_order_relaxed);
    Delivery d{.kind = Delivery::Kind::room, .room = room, .frame = frame, .gate = gate};
    d.seq = room->seq.fetch_add(1, std::memory_order_acq_rel) + 1;
    for (unsigned w = 0; w < exchange_.workers(); ++w)
        if (w != index_ && room->workers[w].members.load(std::memory_order_relaxed) != 0) give(w, d);
    if (local && can_deliver_now(local->members.size())) {
        d.exclude = exclude;
        deliver_now(local, d);
    } else if (local) {
        d.exclude = exclude;
        give(index_, d);
    }
    if (!local) registry_.release(room);
    if (bus_) bus_->publish(ns, name, *frame);
    return members;
}

size_t Hub::deliver_remote(uint16_t ns, std::string_view name, Frame* frame) {
    if (closed_) return 0;
    LocalRoom* local = rooms_.find(ns, name);
    if (!local) return 0;
    const size_t members = local->members.size();
    Delivery d{.kind = Delivery::Kind::room, .room = local->room, .frame = frame};
    d.seq = local->room->seq.fetch_add(1, std::memory_order_acq_rel) + 1;
    if (can_deliver_now(members))
        deliver_now(local, d);
    else
        give(index_, d);
    return members;
}

void Hub::deliver_now(LocalRoom* local, Delivery& d) {
    ++walking_;
    const uint32_t visited = rooms_.deliver(local, d, sink_, UINT32_MAX);
    --walking_;
    budget_ -= std::min(budget_, visited);
}

void Hub::broadcast(uint16_t scope, Frame* frame, const Member* exclude, Gate* gate) {
    if (closed_) return;
    Delivery d{.kind = Delivery::Kind::scope, .scope = scope, .frame = frame, .gate = gate};
    for (unsigned w = 0; w < exchange_.workers(); ++w)
        if (w != index_) give(w, d);
    d.exclude = exclude;
    // This worker's members get it now as far as the pass's budget goes;
    // the rest waits in the backlog (first in it), walked on from there.
    if (backlog_.empty() && walking_ == 0) {
        ++walking_;
        budget_ -= sink_.deliver_scope(d.scope, d.frame, d.gate, d.exclude, d.cursor, budget_);
        --walking_;
        if (d.cursor == 0) return;
    }
    give(index_, d);
}

bool Hub::send_to(MemberId target, uint16_t ns, Frame* frame, Gate* gate) {
    if (target >> 53 != 0) return false;  // no node's
    if (node_of(target) != node_) return bus_ && bus_->send_direct(target, ns, *frame);
    const unsigned w = worker_of(target);
    if (w >= exchange_.workers() || !exchange_.directory(w).is_open(target, ns)) return false;
    if (w == index_ && can_deliver_now(1)) {
        if (Member* m = sink_.find(target)) {
            sink_.deliver(*m, frame, gate);
            --budget_;
        }
        return true;
    }
    give(w, {.kind = Delivery::Kind::direct, .frame = frame, .gate = gate, .member = target});
    return true;
}

void Hub::give(unsigned to, Delivery d) {
    if (d.room) Registry::retain(d.room);
    retain(d.frame);
    if (d.gate) {
        retain(d.gate);
        gate_add(d.gate, Gate::kInFlight);
    }
    d.from = uint8_t(index_);
    Lane& lane = exchange_.lane(index_, to);
    lane.add(d.frame->size);
    if (!lane_full_[to] && lane.over(exchange_.lane_limits()) && lane.wait(exchange_.lane_limits())) {
        lane_full_[to] = true;
        ++full_lanes_;
    }
    if (lane_full_[to]) lane_hit_ = true;
    if (to == index_)
        backlog_.push_back(d);
    else
        to_outbox(to, d);
}

void Hub::to_outbox(unsigned to, const Delivery& d) {
    if (outbox_[to].empty()) outbox_targets_.push_back(to);
    outbox_[to].push_back(d);
}

void Hub::hold(MemberId publisher) {
    if (full_lanes_ == 0)
        resumable_.push_back(publisher);
    else
        held_.push_back(publisher);
}

void Hub::take_inbox() {
    exchange_.take(index_, inbox_);
    for (Delivery& d : inbox_) {
        switch (d.kind) {
        case Delivery::Kind::room:
        case Delivery::Kind::scope:
        case Delivery::Kind::direct:
            backlog_.push_back(d);
            break;
        case Delivery::Kind::unblock:
            resumable_.push_back(d.member);
            break;
        case Delivery::Kind::lane_open:
            lane_opened(d.from);
            break;
        }
    }
    inbox_.clear();
}

void Hub::work_through_backlog() {
    while (!backlog_.empty() && budget_ != 0) {
        Delivery& d = backlog_.front();
        if (!process(d)) break;
        finish(d);
        backlog_.pop_front();
    }
}

bool Hub::process(Delivery& d) {
    if (d.kind == Delivery::Kind::direct) {
        if (Member* m = sink_.find(d.member)) sink_.deliver(*m, d.frame, d.gate);
        --budget_;
        return true;
    }
    if (d.kind == Delivery::Kind::scope) {
        ++walking_;
        budget_ -= sink_.deliver_scope(d.scope, d.frame, d.gate, d.exclude, d.cursor, budget_);
        --walking_;
        return d.cursor == 0;
    }
    auto* local = static_cast<LocalRoom*>(d.room->workers[index_].local);
    if (!local) return true;  // every member here left meanwhile
    ++walking_;
    budget_ -= rooms_.deliver(local, d, sink_, budget_);
    --walking_;
    return d.cursor == 0;
}

void Hub::finish(Delivery& d) {
    Lane& lane = exchange_.lane(d.from, index_);
    lane.sub(d.frame->size);
    if (lane.opened(exchange_.lane_limits())) {
        if (d.from == index_)
            lane_opened(index_);
        else
            to_outbox(d.from, {.kind = Delivery::Kind::lane_open, .from = uint8_t(index_)});
    }
    if (d.room) registry_.release(d.room);
    release(d.frame);
    if (d.gate) settle(d.gate, Gate::kInFlight);
}

void Hub::lane_opened(unsigned to) {
    if (!lane_full_[to]) return;
    lane_full_[to] = false;
    if (--full_lanes_ != 0) return;
    resumable_.insert(resumable_.end(), held_.begin(), held_.end());
    held_.clear();
}

void Hub::settle(Gate* gate, uint64_t unit) {
    if (gate_sub(gate, unit)) unblock(gate->publisher);
    release(gate);
}

void Hub::unblock(MemberId publisher) {
    const unsigned w = worker_of(publisher);
    if (w == index_)
        resumable_.push_back(publisher);
    else if (w < exchange_.workers())
        to_outbox(w, {.kind = Delivery::Kind::unblock, .member = publisher});
}

bool Hub::resume_each() {
    // Swapped out first: resuming one can hold it, or others, again.
    std::vector<MemberId> ids;
    ids.swap(resumable_);
    for (MemberId id : ids) sink_.resume(id);
    return true;
}

void Hub::post_outboxes() {
    for (unsigned to : outbox_targets_) exchange_.post(to, outbox_[to]);
    outbox_targets_.clear();
}

}  // namespace wshub::hub
