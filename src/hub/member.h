// A member of rooms as the hub sees it: an id that names it on every worker,
// and the rooms it is in. A connection is one; the hub never sees its socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hub/membership_list.h"

namespace wshub::hub {

struct Room;

// node (10 bits) | generation (17 bits) | slot (20 bits) | worker (6 bits):
// 53 bits, which a JavaScript number holds exactly. Unique among open
// members of every node on one Redis (each claims its node number,
// app/node_number.h; 0 on a node without one); a slot's ids differ from one
// connection to the next by their generation.
using MemberId = uint64_t;

inline constexpr unsigned kMaxWorkers = 64;
inline constexpr uint32_t kSlotBits = 20;
inline constexpr uint32_t kMaxSlots = 1u << kSlotBits;
inline constexpr uint32_t kGenerationBits = 17;
inline constexpr uint32_t kGenerationMask = (1u << kGenerationBits) - 1;
inline constexpr uint32_t kMaxNodes = 1024;
inline constexpr unsigned kWorkerBits = 6;
inline constexpr unsigned kGenerationShift = kWorkerBits + kSlotBits;
inline constexpr unsigned kNodeShift = kGenerationShift + kGenerationBits;
static_assert(kMaxWorkers == 1u << kWorkerBits && kNodeShift + 10 == 53 && kMaxNodes == 1u << 10);

constexpr MemberId member_id(uint32_t node, unsigned worker, uint32_t slot, uint32_t generation) noexcept {
    return uint64_t(node & (kMaxNodes - 1)) << kNodeShift | uint64_t(generation & kGenerationMask) << kGenerationShift |
           uint64_t(slot & (kMaxSlots - 1)) << kWorkerBits | (worker & (kMaxWorkers - 1));
}
constexpr unsigned worker_of(MemberId id) noexcept { return unsigned(id & (kMaxWorkers - 1)); }
constexpr uint32_t slot_of(MemberId id) noexcept { return uint32_t(id >> kWorkerBits) & (kMaxSlots - 1); }
constexpr uint32_t generation_of(MemberId id) noexcept { return uint32_t(id >> kGenerationShift) & kGenerationMask; }
constexpr uint32_t node_of(MemberId id) noexcept { return uint32_t(id >> kNodeShift); }

struct Member {
    MembershipList rooms;

    bool is_member(std::string_view room) const noexcept;
    // The name of the i-th room joined ("" past the last).
    std::string_view room_name(size_t i) const noexcept;
    // Members of a room this member is in, across every worker (0 if not in it).
    size_t room_members(std::string_view room) const noexcept;
    // The shared room of a room this member is in (null if not in it),
    // held while it stays a member.
    Room* shared_room(std::string_view room) const noexcept;
};

}  // namespace wshub::hub
