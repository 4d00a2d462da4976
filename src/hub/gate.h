// Backpressure for --overflow block. A publisher's gate counts, in one
// atomic word, its deliveries parked at members whose queues were full (high
// half) and its deliveries handed to other workers but not yet processed
// there (low half). While any are parked, or more than kInFlightWindow are in
// flight, the publisher's connection is not read. Whoever moves the gate
// from closed to open tells the publisher's worker. One word, so that exactly
// one thread sees that transition. Shared by reference between the publisher
// and the consumers holding its deliveries, so either may go first.
#pragma once

#include <atomic>
#include <cstdint>

namespace wshub::hub {

struct Gate {
    static constexpr uint64_t kParked = uint64_t(1) << 32;
    static constexpr uint64_t kInFlight = 1;
    // Cross-worker deliveries a publisher may have outstanding before it is
    // held back: enough to keep workers busy, few enough to bound memory.
    static constexpr uint32_t kInFlightWindow = 64;

    std::atomic<uint32_t> refs{1};
    std::atomic<uint64_t> state{0};
    uint64_t publisher;  // connection id (its low byte names its worker)

    static bool closed(uint64_t s) noexcept { return (s >> 32) != 0 || uint32_t(s) > kInFlightWindow; }
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
inline bool blocked(const Gate* g) noexcept { return g && Gate::closed(g->state.load(std::memory_order_acquire)); }

inline void gate_add(Gate* g, uint64_t unit) noexcept { g->state.fetch_add(unit, std::memory_order_acq_rel); }
// Returns true if this call opened the gate: the caller must tell the publisher.
inline bool gate_sub(Gate* g, uint64_t unit) noexcept {
    const uint64_t before = g->state.fetch_sub(unit, std::memory_order_acq_rel);
    return Gate::closed(before) && !Gate::closed(before - unit);
}

}  // namespace wshub::hub
