#include "hub/overflow.h"

#include <cassert>

#include "hub/hub.h"

namespace wshub::hub {

Verdict judge(const SendQueue& queue, const DeliveryPolicy& policy, size_t size, bool parked, bool socket_full,
              const Gate* gate) noexcept {
    if (!parked) {
        if (queue.fits(policy.queue, size)) return Verdict::queue;
        // Frames queued during this loop pass have not been offered to the
        // socket yet: a burst bigger than the budget is no proof of a slow
        // reader. A socket known to be full is.
        if (!socket_full) return Verdict::write_first;
    }
    switch (policy.overflow) {
    case Overflow::drop:
        return Verdict::drop;
    case Overflow::close:
        return Verdict::close;
    case Overflow::block:
        return gate ? Verdict::park : Verdict::drop;  // nobody to slow down: drop
    }
    return Verdict::drop;
}

ParkedList::~ParkedList() { assert(empty()); }

void ParkedList::park(Frame* frame, Gate* gate, uint64_t deadline_ms) {
    retain(frame);
    retain(gate);
    gate_add(gate, Gate::kParked);
    items_.push_back({frame, gate, deadline_ms});
}

void ParkedList::pop(Hub& hub) noexcept {
    Parked& p = items_[head_++];
    release(p.frame);
    hub.settle(p.gate, Gate::kParked);
    if (empty()) {
        items_.clear();
        head_ = 0;
    }
}

ParkedList::Settled ParkedList::settle(SendQueue& queue, const QueueLimits& limits, uint64_t now_ms,
                                       bool past_budget, metrics::Gauge* total, Hub& hub) {
    Settled s;
    while (!empty()) {
        const Parked& p = items_[head_];
        if (now_ms >= p.deadline_ms) {
            ++s.timed_out;
        } else {
            if (!past_budget && !queue.fits(limits, p.frame->size)) break;
            if (!queue.push(p.frame, total)) {
                s.out_of_memory = true;
                break;
            }
            ++s.queued;
        }
        pop(hub);
    }
    return s;
}

void ParkedList::release_all(Hub& hub) noexcept {
    while (!empty()) pop(hub);
    std::vector<Parked>().swap(items_);
}

}  // namespace wshub::hub
