// What a delivery does at a member, decided from the member's queue alone:
// --overflow applied (close, drop, block), and under block the deliveries
// parked until the queue has room or their --block-timeout passes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hub/frame.h"
#include "hub/gate.h"
#include "hub/policy.h"
#include "hub/send_queue.h"

namespace wshub::hub {

class Hub;

enum class Verdict : uint8_t {
    queue,        // it fits: queue it
    write_first,  // over budget, but the queue has not been offered to the socket since it filled: write, then judge again
    drop,         // discard it for this member (counted)
    close,        // close the member as a slow consumer (1008)
    park,         // block: park it; its publisher is not read meanwhile
};

// The verdict for a data frame of `size` bytes. `parked`: deliveries are
// parked already (a later one must not overtake them). `socket_full`: the
// last write found the socket full, so writing again now would not help.
// `gate`: the publisher can be slowed down (--overflow block).
Verdict judge(const SendQueue& queue, const DeliveryPolicy& policy, size_t size, bool parked, bool socket_full,
              const Gate* gate) noexcept;

// Deliveries parked at one member (--overflow block), oldest first, each
// holding its frame and its publisher's gate (one Gate::kParked unit).
class ParkedList {
public:
    ParkedList() = default;
    ParkedList(const ParkedList&) = delete;
    ParkedList& operator=(const ParkedList&) = delete;
    ~ParkedList();  // must be empty: release_all first

    bool empty() const noexcept { return head_ == items_.size(); }
    size_t size() const noexcept { return items_.size() - head_; }
    // The oldest one's deadline (deadlines are in order: it is the earliest).
    uint64_t next_deadline() const noexcept { return items_[head_].deadline_ms; }

    void park(Frame* frame, Gate* gate, uint64_t deadline_ms);

    struct Settled {
        size_t queued = 0;
        size_t timed_out = 0;
        bool out_of_memory = false;
    };
    // Moves parked deliveries into `queue` while they fit (every one, with
    // `past_budget`: the drain puts them ahead of the close frame), oldest
    // first, and drops those whose deadline has passed. Each one settled
    // gives its gate's unit back through hub.settle.
    Settled settle(SendQueue& queue, const QueueLimits& limits, uint64_t now_ms, bool past_budget,
                   metrics::Gauge* total, Hub& hub);
    // Gives every parked delivery up (the member is closing).
    void release_all(Hub& hub) noexcept;

private:
    struct Parked {
        Frame* frame;
        Gate* gate;
        uint64_t deadline_ms;
    };
    void pop(Hub& hub) noexcept;

    std::vector<Parked> items_;
    size_t head_ = 0;
};

}  // namespace wshub::hub
