// Backpressure for --overflow block: a publisher's count of deliveries parked
// at consumers whose queues were full. While it is above zero the publisher's
// connection is not read; the consumer that takes it to zero tells the
// publisher's worker. Shared by reference between the publisher and every
// consumer holding one of its parked frames, so either may go first.
#pragma once

#include <atomic>
#include <cstdint>

namespace wshub::hub {

struct Gate {
    std::atomic<uint32_t> refs{1};
    std::atomic<uint32_t> pending{0};
    uint64_t publisher;  // connection id (its low byte names its worker)
};

inline Gate* make_gate(uint64_t publisher) {
    Gate* g = new Gate;
    g->publisher = publisher;
    return g;
}
inline void retain(Gate* g) noexcept { g->refs.fetch_add(1, std::memory_order_relaxed); }
inline void release(Gate* g) noexcept {
    if (g->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete g;
}
inline bool blocked(const Gate* g) noexcept { return g && g->pending.load(std::memory_order_acquire) != 0; }

}  // namespace wshub::hub
