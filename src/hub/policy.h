// The limits and policies the hub applies, as plain values: the
// configuration fills them in, and the hub never reads a flag itself.
#pragma once

#include <cstdint>

namespace wshub::hub {

// --overflow: what a delivery does at a member whose send queue is full.
enum class Overflow : uint8_t { close, drop, block };

// A member's send-queue budget (--queue-messages, --queue-bytes).
struct QueueLimits {
    uint32_t max_messages = 1024;
    uint64_t max_bytes = 1024 * 1024;
};

// Everything that decides a delivery's fate at a member.
struct DeliveryPolicy {
    QueueLimits queue;
    Overflow overflow = Overflow::close;
    uint64_t block_timeout_ms = 1'000;  // --block-timeout
};

// What one worker may have handed another (or queued for itself past a
// loop pass's budget) that the other has not delivered yet. A publisher
// that finds a lane over it is not read until the lane is down to half.
struct LaneLimits {
    uint64_t max_bytes = 1024 * 1024;
    uint32_t max_messages = 1024;
};

// Member deliveries a worker makes in one loop pass before it turns to its
// sockets again; what is left waits in its backlog for the next pass.
inline constexpr uint32_t kPassBudget = 16384;

// Room namespaces a process may have: the directory of open members keeps a
// member's namespace in 8 bits beside its generation, 4 bytes per slot.
inline constexpr size_t kMaxNamespaces = 256;

}  // namespace wshub::hub
